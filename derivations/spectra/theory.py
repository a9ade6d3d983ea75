"""The Marchenko–Pastur law compiled from the ``marchenko-pastur`` statements: edges, atom, density and
Stieltjes transform in mpmath (any precision) and NumPy (float64, vectorised).

>>> law(4)
{'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import sympy as sp

from derivations.spectra.steps import EDGE_MINUS, EDGE_PLUS, derivation, lam_m, lam_p, q, x, z
from numerics import validate
from numerics.bridge import to_mpmath, to_numpy
from numerics.precision import workdps


def _density_with_edges(d):
    """ρ(x) with the edges as arguments, so that they enter in their stable form."""
    return d["density"].rhs.xreplace({EDGE_MINUS: lam_m, EDGE_PLUS: lam_p})


_S, _U, _R = sp.Symbol("s", positive=True), sp.Symbol("u", real=True), sp.Symbol("R", positive=True)


def _density_without_edges(d, factored: bool):
    """ρ(x) with its radicand (λ₊ − x)(x − λ₋) written through u = x − 1 − q: by (discriminant),
    (x − λ₊)(x − λ₋) = (x + q − 1)² − 4qx = u² − 4q, so the radicand is R = 4q − u² (``factored=False``;
    the mpmath route computes R exactly from the given x and q and rounds it once) or
    (2s − |u|)(2s + |u|) with s = √q (``factored``; the float64 route, where 4q and u² would overflow for
    q > 4e307; u is formed with error-free sums). Either way ρ keeps its accuracy next to an edge and for
    q → 0 or q → ∞, where the rounding of the edges themselves exceeds the width 4√q of the support; the
    support is |u| < 2√q. Checked against the statements when built."""
    disc, rho = d["discriminant"], _density_with_edges(d)
    radicand = (lam_p - x) * (x - lam_m)
    u_x = x - 1 - q
    if (sp.expand(radicand.subs({lam_m: EDGE_MINUS, lam_p: EDGE_PLUS}) + disc.rhs.subs(z, x)) != 0
            or sp.expand(4 * q - u_x ** 2 + disc.lhs.subs(z, x)) != 0 or sp.expand(disc.lhs - disc.rhs) != 0):
        raise ValueError("(λ₊ − x)(x − λ₋) = 4q − (x − 1 − q)² does not follow from (discriminant)")
    root = sp.sqrt(2 * _S - sp.Abs(_U)) * sp.sqrt(2 * _S + sp.Abs(_U)) if factored else sp.sqrt(_R)
    stable = rho.xreplace({sp.sqrt(radicand): root})
    if stable.has(lam_m, lam_p):
        raise ValueError(f"the density's radicand is not √((λ₊ − x)(x − λ₋)): {rho}")
    return stable


def _radicand_mp(xv, qv):
    """(u, R): u = x − 1 − q and R = 4q − u², each exact from the given x and q, then rounded once."""
    u = mpmath.fsub(mpmath.fsub(xv, qv, exact=True), 1, exact=True)
    return +u, +mpmath.fsub(mpmath.fmul(4, qv, exact=True), mpmath.fmul(u, u, exact=True), exact=True)


def compiled(d):
    """mpmath callables for the density, the edges, the atom and g(z), from the derivation
    (lower edge from ``stable-lower-edge``, accurate also for q → 1; the density from
    :func:`_density_without_edges`, to the working precision next to the edges and at any q)."""
    lower, upper = to_mpmath(d["stable-lower-edge"].rhs, [q]), to_mpmath(d["edges"][1].rhs, [q])
    raw = to_mpmath(_density_without_edges(d, factored=False), [x, q, _R])

    def density_fn(xv, qv):
        _, radicand = _radicand_mp(xv, qv)
        return raw(xv, qv, radicand) if radicand > 0 and xv > 0 else mpmath.mpf(0)
    return {"density": density_fn, "lower": lower, "upper": upper,
            "atom": to_mpmath(d["atom"].rhs, [q]), "stieltjes": to_mpmath(d["branch"].rhs, [z, q])}


def integrate_support(fn, lo, hi):
    """∫_lo^hi fn(x) dx with x = lo + (hi − lo) sin²(θ/2): removes the square-root edge behaviour
    (and the 1/√x divergence at q = 1), so tanh-sinh quadrature reaches full precision."""
    width = hi - lo
    return mpmath.quad(lambda th: fn(lo + width * mpmath.sin(th / 2) ** 2) * width / 2 * mpmath.sin(th),
                       [0, mpmath.pi])


def _atom_mass(f, qv):
    return f["atom"](qv) if qv > 1 else mpmath.mpf(0)


def _validate_q(q_value, mp: bool = False):
    """q = N/P as a float in (0, inf) (float64 route) or an mpf > 0 at the working precision (``dps``
    route, where q beyond the float64 range, e.g. 10**400, is allowed); ValueError naming q."""
    if mp:
        qm = validate.real("q", q_value)
        if not qm > 0:
            raise ValueError(f"q must be finite and > 0, i.e. in (0, inf) (q = N/P), got {q_value!r}")
        return qm
    return validate.positive("q", q_value)


def _validate_x(x_values, mp: bool):
    """x as a float array (float64 route) or one mpf (``dps`` route): real numbers, ±inf allowed (ρ = 0
    there), NaN, None, bools, strings and complex numbers refused with a ValueError naming x_values."""
    allowed = "real numbers in [-inf, inf] (not NaN)"
    if mp:
        if np.ndim(x_values) != 0:
            raise ValueError("x_values must be a scalar when dps is given (mpmath evaluates one point)")
        v = x_values.item() if isinstance(x_values, (np.generic, np.ndarray)) else x_values
        if isinstance(v, (float, mpmath.mpf)) and not mpmath.isnan(v) and mpmath.isinf(v):
            return mpmath.mpf(v)
        try:
            return validate.real("x_values", v)
        except ValueError:
            raise ValueError(f"x_values must be {allowed}, got {x_values!r}") from None
    raw = np.asarray(x_values)
    if raw.dtype.kind == "O":        # a list with None, mpf, Fraction, …: each entry must be a real number
        try:
            raw = np.array([validate.real("x_values", v) if not (isinstance(v, float) and math.isinf(v)) else v
                            for v in raw.ravel()], dtype=float).reshape(raw.shape)
        except ValueError:
            raise ValueError(f"x_values must be {allowed}, got {x_values!r}") from None
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"x_values must be {allowed}, got dtype {raw.dtype} ({x_values!r})")
    xs = raw.astype(float)
    if np.isnan(xs).any():
        where = f" at index {np.argwhere(np.isnan(xs))[0].tolist()}" if xs.ndim else ""
        raise ValueError(f"x_values must be {allowed}, got NaN{where}")
    return xs


@functools.cache
def _numpy_law():
    """float64 callables. The lower edge as (|q − 1|/(1 + √q))², the square of the root of
    ``stable-lower-edge`` (for q ≥ 1 as q·min(1, root/√q)², as λ₋ < q there: no rounding past the largest
    float): its
    own form (q − 1)²/(1 + √q)² overflows in (q − 1)² for q > 1.3e154. The
    density's numerator and the factors of its denominator separately, divided one by one (2π q x
    overflows for q > 1e154 although ρ ~ 1/(π q^1.5) does not underflow before q ~ 1e205)."""
    d = derivation()
    lower = d["stable-lower-edge"].rhs
    root = sp.sqrt(lower)
    if (isinstance(root, sp.Pow) and root.base == lower) or sp.simplify(root ** 2 - lower) != 0:
        raise ValueError(f"no closed square root of (stable-lower-edge): {lower}")
    root_fn = to_numpy(root, [q])
    numerator, denominator = sp.fraction(_density_without_edges(d, factored=True))
    return {"numerator": to_numpy(numerator, [x, q, _S, _U]),
            "denominator": [to_numpy(f, [x, q]) for f in sp.Mul.make_args(denominator)],
            "lower": lambda qv: root_fn(qv) ** 2 if qv < 1 else qv * min(1.0, root_fn(qv) / math.sqrt(qv)) ** 2,
            "upper": to_numpy(d["edges"][1].rhs, [q]), "atom": to_numpy(d["atom"].rhs, [q])}


def _numpy_density(xs, qf):
    """ρ on a float array, 0 outside the support (see :func:`_density_without_edges`)."""
    f = _numpy_law()
    s = math.sqrt(qf)
    with np.errstate(invalid="ignore", over="ignore"):          # inf − inf = nan, or overflow: outside
        a = xs - qf                                             # u = x − q − 1 by two error-free sums
        a_err = (xs - (a - (a - xs))) + (-qf - (a - xs))
        b = a - 1
        b_err = (a - (b - (b - a))) + (-1 - (b - a))
        u = np.where(np.isfinite(xs), b + (a_err + b_err), np.inf)
        inside = np.abs(u) < 2 * s
    out = np.zeros(xs.shape)
    xi, ui = xs[inside], u[inside]
    value = f["numerator"](xi, qf, s, ui)
    for factor in f["denominator"]:
        value = value / factor(xi, qf)
    out[inside] = value
    return out


def law(q_value, dps=None) -> dict:
    """Edges λ± = (1 ± √q)² and the atom max(0, 1 − 1/q) at 0, from the derivation.

    >>> law(4)
    {'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
    """
    if dps is None:
        qf = _validate_q(q_value)
        f = _numpy_law()
        atom = float(f["atom"](qf)) if qf > 1 else 0.0
        return {"lower": float(f["lower"](qf)), "upper": float(f["upper"](qf)), "atom": atom}
    with workdps(dps):
        f, qm = compiled(derivation()), _validate_q(q_value, mp=True)
        return {"lower": f["lower"](qm), "upper": f["upper"](qm), "atom": _atom_mass(f, qm)}


def density(x_values, q_value, dps=None):
    """Marchenko–Pastur density ρ(x) = √((λ₊ − x)(x − λ₋))/(2π q x) on [λ₋, λ₊], 0 elsewhere
    (the atom at 0 for q > 1 is not included; see :func:`law`).

    Float64 and vectorised by default; at ``dps`` digits (mpmath, scalar x) when given.

    >>> round(float(density(1.0, 1.0)), 12)    # √3/(2π)
    0.275664447711
    """
    if dps is None:
        qf = _validate_q(q_value)
        return _numpy_density(_validate_x(x_values, mp=False), qf)
    with workdps(dps):
        qm, xm = _validate_q(q_value, mp=True), _validate_x(x_values, mp=True)
        return compiled(derivation())["density"](xm, qm)
