"""Numbers from the ridge-regression derivation: κ, γ and the learning curve.

Every formula evaluated here is compiled from a statement of ``ridge-regression``
(:mod:`derivations.ridge_regression`); spectral sums run over the given eigenvalues.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from derive.equations import residual
from derivations.spectral_eval import Formula, SpectralSum
from numerics.precision import validate_dps, workdps
from numerics.solvers import ConvergenceError, RootResult, find_root_bracketed


@dataclass(frozen=True)
class RidgeResult:
    """Deterministic-equivalent quantities at one (P, λ); float64 or mpmath numbers."""

    P: float
    ridge: float
    kappa: object
    gamma: object
    E_g: object
    E_tr: object
    bias2: object
    var_X: object
    var_X_noise: object
    df1: object
    root: RootResult | None = None


@functools.cache
def _compiled():
    from derivations import ridge_regression as rr
    d = rr.build()
    kappa, lam, P, sigma, gamma = rr.kappa, rr.lam, rr.P, rr.sigma, rr.gamma
    kres = residual(d["kappa-equation"])
    return {
        "S1": SpectralSum(rr.SUM_DF1, [kappa]), "S2": SpectralSum(rr.SUM_DF2, [kappa]),
        "T": SpectralSum(rr.SUM_TF1P, [kappa]),
        "kappa_res": Formula(kres, {kappa: "kappa", lam: "lam", P: "P", rr.SUM_DF1: "S1"}),
        "implicit_res": Formula(sp.expand(kres.subs(lam, 0) / kappa), {P: "P", rr.SUM_DF1: "S1"}),
        "gamma": Formula(d["gamma-definition"].rhs, {rr.SUM_DF2: "S2", P: "P"}),
        "E_g": Formula(d["generalization-error"].rhs,
                       {kappa: "kappa", gamma: "gamma", rr.tf1p(kappa): "T", sigma: "sigma"}),
        "bias2": Formula(d["bias"].rhs, {kappa: "kappa", rr.SUM_TF1P: "T"}),
        "var_X": Formula(d["variance-X"].rhs, {kappa: "kappa", gamma: "gamma", rr.tf1p(kappa): "T"}),
        "var_X_noise": Formula(d["noise-variance"].rhs, {gamma: "gamma", sigma: "sigma"}),
        "E_tr": Formula(d["train-test-gap"].rhs, {rr.q: "q", rr.df1(kappa): "df1", rr.E_g: "E_g", sigma: "sigma"}),
    }


# ---- validation -------------------------------------------------------------------------
def _finite_array(name, values):
    arr = np.asarray(values, dtype=float) if not _is_mp_seq(values) else np.asarray([float(v) for v in values])
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _is_mp_seq(values):
    return isinstance(values, (list, tuple)) and any(isinstance(v, (mpmath.mpf, str)) for v in values)


def validate_inputs(eigenvalues, teacher_coefficients, P, ridge, noise_variance):
    """Check the arguments of :func:`learning_curve`; raise ValueError naming the culprit."""
    eta = _finite_array("eigenvalues", eigenvalues)
    if np.any(eta <= 0):
        raise ValueError("eigenvalues must be > 0 (eigenvalues of a positive-definite covariance)")
    w = _finite_array("teacher_coefficients", teacher_coefficients)
    if w.size != eta.size:
        raise ValueError(f"teacher_coefficients has length {w.size} but eigenvalues has length {eta.size}")
    for name, v, allow_zero in (("P", P, False), ("ridge", ridge, True), ("noise_variance", noise_variance, True)):
        if isinstance(v, bool):
            raise ValueError(f"{name} must be a real number, got {v!r}")
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a real number, got {v!r}") from None
        if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
            rng = "[0, inf)" if allow_zero else "(0, inf)"
            raise ValueError(f"{name} must be finite and in {rng}, got {v!r}")
    return eta, w


# ---- κ ----------------------------------------------------------------------------------
def solve_kappa(eta, P, ridge, mp: bool = False):
    """Renormalised ridge κ from (kappa-equation); (κ, RootResult or None).

    λ > 0: unique root in [λ, λ + Σ η/P]. λ = 0: κ = 0 for D ≤ P, otherwise the root of
    (ridgeless) 1 − Σ_k η_k/(η_k + κ)/P = 0, which is bracketed by decades.
    """
    c = _compiled()
    total = mpmath.fsum(eta) if mp else float(np.sum(eta))
    backend = "mpmath" if mp else "float64"
    if ridge > 0:
        f = lambda k: c["kappa_res"](mp=mp, kappa=k, lam=ridge, P=P, S1=c["S1"](eta, None, k, mp=mp))
        r = find_root_bracketed(f, ridge, 2 * (ridge + total / P), backend=backend)
        return r.root, r
    if len(eta) <= P:
        return (mpmath.mpf(0) if mp else 0.0), None
    f = lambda k: c["implicit_res"](mp=mp, P=P, S1=c["S1"](eta, None, k, mp=mp))
    hi = total / P
    lo = hi
    for _ in range(700):
        lo = lo / 10
        if f(lo) < 0:
            r = find_root_bracketed(f, lo, hi, backend=backend)
            return r.root, r
        hi = lo
    raise ConvergenceError("ridgeless κ: no sign change of 1 − Σ η/(η+κ)/P down to 1e-700 · Σ η/P")


# ---- learning curve ---------------------------------------------------------------------
def _as_list(x) -> list:
    """Scalars (float, int, mpf, decimal string) become one-element lists; arrays become lists."""
    if isinstance(x, (str, mpmath.mpf)) or np.ndim(x) == 0:
        return [x]
    return list(np.asarray(x, dtype=object).ravel())

def _point(eta, w, D, P, ridge, noise, mp):
    c = _compiled()
    kappa, root = solve_kappa(eta, P, ridge, mp=mp)
    S1, S2, T = (c[k](eta, w if k == "T" else None, kappa, mp=mp) for k in ("S1", "S2", "T"))
    gamma = c["gamma"](mp=mp, S2=S2, P=P)
    sigma = mpmath.sqrt(noise) if mp else math.sqrt(noise)
    values = dict(kappa=kappa, gamma=gamma, T=T, sigma=sigma)
    if gamma == 1:  # ridgeless at D = P: the interpolation peak, where E_g diverges
        inf = mpmath.inf if mp else math.inf
        E_g, bias2, var_X, var_noise = inf, T * 0, inf, (inf if noise > 0 else T * 0)
    else:
        E_g = c["E_g"](mp=mp, **values)
        bias2 = c["bias2"](mp=mp, kappa=kappa, T=T)
        var_X = c["var_X"](mp=mp, kappa=kappa, gamma=gamma, T=T)
        var_noise = c["var_X_noise"](mp=mp, gamma=gamma, sigma=sigma)
    q, df1 = D / P, S1 / D
    E_tr = c["E_tr"](mp=mp, q=q, df1=df1, E_g=E_g, sigma=sigma) if gamma != 1 else T * 0
    return RidgeResult(P, ridge, kappa, gamma, E_g, E_tr, bias2, var_X, var_noise, df1, root)


def learning_curve(eigenvalues, teacher_coefficients, P, ridge, noise_variance=0.0, dps=None):
    """Deterministic-equivalent learning curve of ridge regression.

    κ solves κ(1 − Σ_k η_k/(η_k+κ)/P) = λ; γ = Σ_k η_k²/(η_k+κ)²/P;
    E_g = (κ² tf₁'(κ) + γσ²)/(1 − γ), tf₁'(κ) = Σ_k w̄_k² η_k/(η_k+κ)²;
    E_tr = (1 − q df¹(κ))²(E_g + σ²); Bias² = κ² tf₁', Var_X = κ² tf₁' γ/(1−γ), Var_Xε = σ²γ/(1−γ)
    (arXiv:2405.00592; derived or quoted in the ``ridge-regression`` catalogue entry).

    ``eigenvalues`` η_k of Σ and ``teacher_coefficients`` w̄_k (not squared) in its eigenbasis;
    ``P`` samples (scalar or array), ``ridge`` λ ≥ 0 (scalar or array; 0 takes the ridgeless
    branch: κ = 0 for D < P, the implicit ridge for D > P, E_g = ∞ at D = P); ``noise_variance`` σ².
    Returns a :class:`RidgeResult` (or a list of them when P or ridge is an array) of float64
    numbers, or mpmath numbers at ``dps`` digits when ``dps`` is given.

    >>> r = learning_curve([1.0] * 200, [0.1] * 200, P=100, ridge=0.0)     # isotropic, q = 2
    >>> round(r.kappa, 10)                                                  # κ = q − 1
    1.0
    """
    Ps, ridges = _as_list(P), _as_list(ridge)
    if len(Ps) != len(ridges) and 1 not in (len(Ps), len(ridges)):
        raise ValueError(f"P and ridge must broadcast: lengths {len(Ps)} and {len(ridges)}")
    n = max(len(Ps), len(ridges))
    Ps, ridges = Ps * (n // len(Ps)), ridges * (n // len(ridges))
    for p, r in zip(Ps, ridges):
        eta, w = validate_inputs(eigenvalues, teacher_coefficients, p, r, noise_variance)
    if dps is None:
        out = [_point(eta, w, eta.size, float(p), float(r), float(noise_variance), False) for p, r in zip(Ps, ridges)]
    else:
        with workdps(validate_dps(dps)):
            eta_mp = [mpmath.mpf(v) for v in (eigenvalues if _is_mp_seq(eigenvalues) else eta)]
            w_mp = [mpmath.mpf(v) for v in (teacher_coefficients if _is_mp_seq(teacher_coefficients) else w)]
            out = [_point(eta_mp, w_mp, eta.size, mpmath.mpf(p), mpmath.mpf(r), mpmath.mpf(noise_variance), True)
                   for p, r in zip(Ps, ridges)]
    scalar = np.ndim(P) == 0 and np.ndim(ridge) == 0
    return out[0] if scalar else out
