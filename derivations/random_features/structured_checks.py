"""Checks of ``structured-random-features``.

``structured-projection-equivalent``: the projection's deterministic equivalent with anisotropic
columns, κ₁(A + κ₁)⁻¹ ≃ κ₂(Σ + κ₂)⁻¹ with κ₁ = κ₂ρd (structured-kappa1), over draws of
F = G diag(s)^{1/2}/√D at D = 100 and 200 (N/D fixed, a two-valued column spectrum with a fixed
limiting distribution), each size minus its own equivalent, extrapolated to D → ∞ and z-tested
(as rf-projection-equivalent).

``column-sums``: the two asymptotic forms of the column sums against the exact truncated sums
(Euler–Maclaurin, :mod:`derivations.random_features.structured_theory`): the relative error of each leading form
must fall by at least a factor 2 per step as its small parameters shrink (inside the window ρ by 10
and 1/U by 10², U = Nρ^(1/a); beyond it 1/ρ and 1/N by 10²) — the behaviour of a correct leading
term; a wrong prefactor or power leaves a constant or growing error.
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import sympy as sp
from scipy.optimize import brentq

from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE, richardson
from derivations.engine.spectral_eval import Formula
import derivations.random_features.structured_steps as srf
from derivations.random_features.structured_theory import column_sums_power_law
from derivations.random_features.theory import _compiled as rf_compiled
from derivations.ridge import power_law_problem
from numerics.random_feature_simulation import draw_projection
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold

#: (N/D, κ₁): one width below D and one above; column variances 1 and 4 in equal numbers
PROJECTION_CONFIGS = ((0.5, 1e-2), (2.0, 1e-2))


def _two_valued(N):
    return np.where(np.arange(N) % 2 == 0, 1.0, 4.0)


@functools.cache
def _kappa1_formula():
    """κ₁ as a function of κ₂, ρ and d, compiled from (structured-kappa1)."""
    return Formula(srf.derivation()["structured-kappa1"].rhs, {srf.k2: "kappa2", srf.rho: "rho", srf.d: "d"})


def _kappa2_of_kappa1(eta, s, kappa1):
    """κ₂ with (structured-kappa1) = κ₁, d = Σ η/(η+κ₂)/D, ρ from Σ_j s_j/(s_j+ρ) = dD (column-df)."""
    D, N = eta.size, s.size

    def rho_of(dD):
        return math.exp(brentq(lambda lr: np.sum(s / (s + math.exp(lr))) - dD, -60, 60, xtol=1e-14))

    def f(lk):
        k = math.exp(lk)
        dD = float(np.sum(eta / (eta + k)))
        if dD >= N:
            return -kappa1
        return _kappa1_formula()(kappa2=k, rho=rho_of(dD), d=dD / D) - kappa1
    lo = -60.0
    while f(lo) >= 0:
        lo -= 10
    return math.exp(brentq(f, lo, 10.0, xtol=1e-14))


def _draw(rng, eta, w, N, kappa1):
    F = draw_projection(rng, eta.size, N, _two_valued(N))
    half = np.sqrt(eta)[:, None] * F
    a, U = np.linalg.eigh(half @ half.T)
    R = kappa1 / (np.clip(a, 0, None) + kappa1)
    c2 = (U.T @ (np.sqrt(eta) * w)) ** 2
    return {"r": float(np.mean(R)), "Q": float(c2 @ R)}


def projection_equivalent(quick: bool, executor=None) -> list[CheckResult]:
    keys = (("r", "(1/D) tr κ₁(A+κ₁)⁻¹"), ("Q", "Σ^{1/2}w̄ᵀκ₁(A+κ₁)⁻¹Σ^{1/2}w̄"))
    thr = z_threshold(len(keys) * len(PROJECTION_CONFIGS), FAMILYWISE)
    out = []
    for index, (ratio, kappa1) in enumerate(PROJECTION_CONFIGS):
        devs = {k: [] for k, _ in keys}
        for D in (100, 200):
            eta, w = power_law_problem(D)
            N = int(ratio * D)
            k2 = _kappa2_of_kappa1(eta, _two_valued(N), kappa1)
            # the equivalents of (projection-equivalent) of linear-random-features, compiled there
            c = rf_compiled()
            theory = {"r": c["C1"](eta, None, k2) / D, "Q": c["Q"](eta, w, k2)}
            task = functools.partial(_draw, eta=eta, w=w, N=N, kappa1=kappa1)
            ens = run_ensemble(task, 20 if quick else 60, [20241125, index, D], executor=executor)
            for k, _ in keys:
                est = ens.estimate(k)
                devs[k].append(Estimate(est.mean - theory[k], est.se, est.n))
        for k, what in keys:
            est = richardson(*devs[k])
            zt = z_test(0.0, est, thr)
            out.append(CheckResult(
                f"structured-projection-equivalent: N/D={ratio:g}, s ∈ {{1, 4}}, κ₁={kappa1:g}, {k}", "simulation",
                zt.passed, 0.0, float(est.mean), f"|z| <= {thr:.2f}",
                f"{what} minus κ₂-equivalent with κ₁ = κ₂ρd: D=100 {devs[k][0].mean:+.2e}, D=200 {devs[k][1].mean:+.2e}, "
                f"extrapolated {est.mean:+.2e} ± {est.se:.1e}, z = {float(zt.z):+.2f}", extra={"z": float(zt.z)}))
    return out


def _leading_value(stmt, b, a_val, rho_val, N_val):
    expr = stmt[b - 1].rhs.subs(srf.a, sp.nsimplify(a_val))
    return mpmath.mpf(sp.N(expr.subs({srf.rho: sp.Float(rho_val, 30), srf.U: sp.Float(N_val, 30) * sp.Float(rho_val, 30) **
                                      (1 / sp.nsimplify(a_val)), srf.NN: sp.Float(N_val, 30)}), 30))


def column_sums(d):
    def run(quick, executor=None):
        out = []
        beyond = [("1e2", 1e4), ("1e4", 1e6), ("1e6", 1e8)]             # ρ → ∞, N → ∞
        for a_val in (0.3, 0.75, 1.5):
            # ρ → 0 and U = Nρ^(1/a) → ∞ together: N = U ρ^(−1/a) with U = 1e2, 1e4, 1e6
            window = [(r, float(u * mpmath.mpf(r) ** (-1 / mpmath.mpf(a_val)))) for r, u in
                      (("1e-1", 1e2), ("1e-2", 1e4), ("1e-3", 1e6))]
            for label, points in (("column-integrals", window), ("column-sums-large-rho", beyond)):
                for b in (1, 2):
                    errors = []
                    with mpmath.workdps(20):
                        for rho_val, N_val in points:
                            exact = column_sums_power_law(a_val, N_val, mpmath.mpf(rho_val))[b - 1]
                            lead = _leading_value(d[label], b, a_val, rho_val, N_val)
                            errors.append(abs(lead / exact - 1))
                    ok = all(e2 <= e1 / 2 for e1, e2 in zip(errors, errors[1:]))
                    out.append(CheckResult(f"column-sums: {label}, a={a_val}, Δ_{b}", "numeric", ok, 0.0,
                                           float(errors[-1]), "relative error halves (at least) per step",
                                           "relative error of the leading form at (ρ, N) = "
                                           + ", ".join(f"({r}, {n:.0e}): {float(e):.2e}" for (r, n), e in zip(points, errors))))
        return out
    return run


def attach_checks(d) -> None:
    """Add the simulation and numeric checks of ``structured-random-features`` to its derivation ``d``."""
    d.check("structured-projection-equivalent", "simulation", "the projection's equivalent with anisotropic columns "
            "at D = 100, 200 extrapolated to D → ∞")(projection_equivalent)
    d.check("column-sums", "numeric", "the window and beyond-window column-sum asymptotics against exact sums")(
        column_sums(d))
