"""The Marchenko–Pastur law compiled from the ``marchenko-pastur`` statements: edges, atom, density and
Stieltjes transform in mpmath (any precision) and NumPy (float64, vectorised).

>>> law(4)
{'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np

from derivations.spectra.steps import EDGE_MINUS, EDGE_PLUS, derivation, lam_m, lam_p, q, x, z
from numerics.bridge import to_mpmath, to_numpy
from numerics.precision import workdps


def _on_support(f, lower, upper):
    """ρ is the formula inside (λ₋, λ₊) and 0 outside. The edges are evaluated at the working
    precision of the call, so a point rounded at a lower precision is never taken across an edge
    (where the square root would turn imaginary)."""
    def density_fn(xv, qv):
        return f(xv, qv) if lower(qv) < xv < upper(qv) else mpmath.mpf(0)
    return density_fn


def _density_with_edges(d):
    """ρ(x) with the edges as arguments, so that they enter in their stable form."""
    return d["density"].rhs.xreplace({EDGE_MINUS: lam_m, EDGE_PLUS: lam_p})


def compiled(d):
    """mpmath callables for the density, the edges, the atom and g(z), from the derivation
    (lower edge from ``stable-lower-edge``, accurate also for q → 1)."""
    lower, upper = to_mpmath(d["stable-lower-edge"].rhs, [q]), to_mpmath(d["edges"][1].rhs, [q])
    raw = to_mpmath(_density_with_edges(d), [x, q, lam_m, lam_p])
    density_fn = lambda xv, qv: raw(xv, qv, lower(qv), upper(qv))
    return {"density": _on_support(density_fn, lower, upper),
            "lower": lower, "upper": upper,
            "atom": to_mpmath(d["atom"].rhs, [q]), "stieltjes": to_mpmath(d["branch"].rhs, [z, q])}


def integrate_support(fn, lo, hi):
    """∫_lo^hi fn(x) dx with x = lo + (hi − lo) sin²(θ/2): removes the square-root edge behaviour
    (and the 1/√x divergence at q = 1), so tanh-sinh quadrature reaches full precision."""
    width = hi - lo
    return mpmath.quad(lambda th: fn(lo + width * mpmath.sin(th / 2) ** 2) * width / 2 * mpmath.sin(th),
                       [0, mpmath.pi])


def _atom_mass(f, qv):
    return f["atom"](qv) if qv > 1 else mpmath.mpf(0)


def _validate_q(q_value) -> float:
    if isinstance(q_value, bool):
        raise ValueError(f"q must be a real number in (0, inf), got {q_value!r}")
    try:
        qf = float(q_value)
    except (TypeError, ValueError):
        raise ValueError(f"q must be a real number in (0, inf), got {q_value!r}") from None
    if not np.isfinite(qf) or qf <= 0:
        raise ValueError(f"q must be finite and in (0, inf) (q = N/P), got {q_value!r}")
    return qf


@functools.cache
def _numpy_law():
    d = derivation()
    return {"density": to_numpy(_density_with_edges(d), [x, q, lam_m, lam_p]),
            "lower": to_numpy(d["stable-lower-edge"].rhs, [q]),
            "upper": to_numpy(d["edges"][1].rhs, [q]), "atom": to_numpy(d["atom"].rhs, [q])}


def law(q_value, dps=None) -> dict:
    """Edges λ± = (1 ± √q)² and the atom max(0, 1 − 1/q) at 0, from the derivation.

    >>> law(4)
    {'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
    """
    qf = _validate_q(q_value)
    if dps is None:
        f = _numpy_law()
        atom = float(f["atom"](qf)) if qf > 1 else 0.0
        return {"lower": float(f["lower"](qf)), "upper": float(f["upper"](qf)), "atom": atom}
    with workdps(dps):
        f, qm = compiled(derivation()), mpmath.mpmathify(q_value)
        return {"lower": f["lower"](qm), "upper": f["upper"](qm), "atom": _atom_mass(f, qm)}


def density(x_values, q_value, dps=None):
    """Marchenko–Pastur density ρ(x) = √((λ₊ − x)(x − λ₋))/(2π q x) on [λ₋, λ₊], 0 elsewhere
    (the atom at 0 for q > 1 is not included; see :func:`law`).

    Float64 and vectorised by default; at ``dps`` digits (mpmath, scalar x) when given.

    >>> round(float(density(1.0, 1.0)), 12)    # √3/(2π)
    0.275664447711
    """
    qf = _validate_q(q_value)
    if dps is None:
        xs = np.asarray(x_values, dtype=float)
        lo, hi = law(qf)["lower"], law(qf)["upper"]
        inside = (xs > lo) & (xs < hi)
        out = np.where(np.isnan(xs), np.nan, 0.0)
        out[inside] = _numpy_law()["density"](xs[inside], qf, lo, hi)
        return out
    if np.ndim(x_values) != 0:
        raise ValueError("x_values must be a scalar when dps is given (mpmath evaluates one point)")
    with workdps(dps):
        return compiled(derivation())["density"](mpmath.mpmathify(x_values), mpmath.mpmathify(q_value))
