"""Numbers from ``structured-random-features``: the finite-width variance of anisotropic projections.

Ridgeless, with the sample the narrowest (P < N, P < D): κ₂ solves Df₁(κ₂) = P (N-independent),
the column ridge ρ solves Δ₁(ρ) = Σ_{j≤N} s_j/(s_j+ρ) = P (column-df with δ = d/c), and
∂ (structured-partial) and Var_F = (1 − ∂)κ₂tf₂(κ₂) (variance-F) are compiled from the statements.
Column sums over a power law s_j = j^(−a) with N up to 10⁸ use the Euler–Maclaurin formula from
j = M on (exact integral by ₂F₁, derivatives to order 2K − 1), which is also the smooth
continuation in N that local slopes need.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from derivations.engine.spectral_eval import Formula
import derivations.random_features.steps as lrf
import derivations.random_features.structured_steps as srf
from derivations.random_features.power_law_theory import _rf_sums
from derivations.random_features.theory import _compiled as rf_compiled
from derivations.ridge import kappa_guess, solve_increasing, solve_kappa

EM_START, EM_TERMS = 64, 5


@functools.cache
def _compiled():
    d = srf.derivation()
    part = d["structured-partial"]
    var_f = d["variance-F"].rhs
    omp = sp.Symbol("omp")
    sums = {srf.d1: "d1", srf.d2: "d2", srf.delta: "delta", srf.delta2: "delta2"}
    # ∂ = 1/(1 + x): x read off the statement, so 1 − ∂ = x/(1 + x) keeps its digits as ∂ → 1
    x = sp.simplify(1 / part.rhs - 1)
    return {"partial": Formula(part.rhs, sums), "x": Formula(x, sums),
            "var_F": Formula(var_f.subs(1 - lrf.partial, omp), {omp: "omp", lrf.k2: "kappa2", lrf.SUM_TF2: "T2"})}


def column_sums_array(s, rho):
    """(Δ₁, Δ₂) = (Σ_j s_j/(s_j+ρ), Σ_j s_j²/(s_j+ρ)²) over given column variances (float64)."""
    f = s / (s + rho)
    return float(np.sum(f)), float(np.sum(f * f))


def column_sums_power_law(a, N, rho):
    """(Δ₁, Δ₂) for s_j = j^(−a), j = 1 … N, at the working precision: Σ_{j<M} directly, then
    ∫_M^N (1 + ρx^a)^(−b)dx = [x ₂F₁(b, 1/a; 1 + 1/a; −ρx^a)]_M^N, (f(M) + f(N))/2 and the Bernoulli
    terms B_2k/(2k)!(f^(2k−1)(N) − f^(2k−1)(M)), k ≤ K. N may be non-integer (the smooth continuation)."""
    a, N, rho = mpmath.mpf(a), mpmath.mpf(N), mpmath.mpf(rho)
    M = min(EM_START, int(mpmath.floor(N)))
    out = []
    for b in (1, 2):
        f = lambda x: (1 + rho * x ** a) ** (-b)
        head = mpmath.fsum(f(mpmath.mpf(j)) for j in range(1, M))
        if N <= M:
            out.append(head + f(N) if N == M else head)
            continue
        F = lambda x: x * mpmath.hyp2f1(b, 1 / a, 1 + 1 / a, -rho * x ** a)
        em = (f(M) + f(N)) / 2 + F(N) - F(mpmath.mpf(M))
        for k in range(1, EM_TERMS + 1):
            em += mpmath.bernoulli(2 * k) / mpmath.factorial(2 * k) * (
                mpmath.diff(f, N, 2 * k - 1) - mpmath.diff(f, mpmath.mpf(M), 2 * k - 1))
        out.append(head + em)
    return out[0], out[1]


def solve_rho(sums, target, N):
    """ρ with Δ₁(ρ) = target (Δ₁ falls from N at ρ → 0 to 0): bracketed by decades, solved in log ρ."""
    if not (0 < target < N):
        raise ValueError(f"the column degrees of freedom must be in (0, N = {N}), got {target}: need P < N")
    return solve_increasing(lambda r: target - sums(r)[0], mpmath.mpf(1))[0]


def finite_width_variance(sigma_side: dict, column_sums, N) -> dict:
    """Var_F = (1 − ∂)κ₂tf₂ from the Σ-side numbers at the ridgeless floor (``kappa2``, ``Df1`` = P,
    ``Df2``, ``T2``) and a column-sum function ρ ↦ (Δ₁, Δ₂)."""
    c = _compiled()
    rho = solve_rho(column_sums, sigma_side["Df1"], N)
    D1, D2 = column_sums(rho)
    part = c["partial"](mp=True, d1=sigma_side["Df1"], d2=sigma_side["Df2"], delta=D1, delta2=D2)
    x = c["x"](mp=True, d1=sigma_side["Df1"], d2=sigma_side["Df2"], delta=D1, delta2=D2)
    omp = x / (1 + x)                                    # 1 − ∂ without cancellation
    return {"rho": rho, "partial": part, "one_minus_partial": omp,
            "var_F": c["var_F"](mp=True, omp=omp, kappa2=sigma_side["kappa2"], T2=sigma_side["T2"])}


def sigma_side_power_law(spectrum, P):
    """κ₂ at the sample bottleneck (Df₁ = P) and Df₂, tf₂ for the infinite power-law spectrum."""
    S = _rf_sums()
    P = mpmath.mpf(P)
    kappa2, _ = solve_increasing(lambda k: P - S["S1"](spectrum, k), kappa_guess(spectrum, P))
    return {"kappa2": kappa2, "Df1": P, "Df2": S["S2"](spectrum, kappa2), "T2": S["T2"](spectrum, kappa2)}


def sigma_side_arrays(eta, w, P):
    """The same for a finite spectrum (κ₂ = the ridgeless root of ridge regression with P samples)."""
    with mpmath.workdps(mpmath.mp.dps):
        eta_m, w_m = [mpmath.mpf(float(e)) for e in eta], [mpmath.mpf(float(x)) for x in w]
        kappa2, _ = solve_kappa(eta_m, mpmath.mpf(P), mpmath.mpf(0), mp=True)
        c = rf_compiled()
        return {"kappa2": kappa2, "Df1": mpmath.mpf(P), "Df2": c["S2"](eta_m, None, kappa2, mp=True),
                "T2": c["T2"](eta_m, w_m, kappa2, mp=True)}
