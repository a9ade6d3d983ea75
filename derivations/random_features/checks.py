"""Simulation checks of ``linear-random-features``.

``rf-simulation``. The learning system itself (:mod:`numerics.random_feature_simulation`):
crossed blocks of n_F projections × n_X data sets, every pair fitted, with unbiased
two-way estimators of Bias², Var_X, Var_F, Var_XF, Var_Xε, Var_XFε; the single-model E_g and
E_tr; and the directly measured error of the n_F-projection ensemble. Blocks are seeded
``SeedSequence`` children; each statistic is a mean over blocks with its standard error. The
grid covers the overparameterised side (N > P), the width-limited side (N < P), ridgeless and
ridge, isotropic and power-law Σ, one and two projections. All z-tests of the check share a
Bonferroni threshold at familywise level 1e-3 (as in ridge-regression); exact zeros (the
training error of an interpolator) are compared with float64 round-off.

Finite size and regime. The corrections to the deterministic equivalents are O(1/min(P, N))
relative (≈ 1% here), below the standard errors of 64 blocks. The theory needs many modes
resolved (κ₂ well below the top eigenvalues): at λ = 1 with η_k = k^(−1.5) only a few modes
matter and the small variance terms deviate by 30–45% (measured: Var_F at D = 200, P = 200,
N = 100); such configurations are outside the grid, which stays in the theory's regime.

``rf-projection-equivalent``. The deterministic equivalent over F alone (no data):
r = (1/D) tr κ₁(A + κ₁)⁻¹, Q = Σ^{1/2}w̄ᵀκ₁(A + κ₁)⁻¹Σ^{1/2}w̄, B₁ and (1/D) tr A²(A + κ₁)⁻²
over draws of F at D = 100 and 200, each minus its equivalent, extrapolated to D → ∞
(self-averaging traces: their O(1/D) bias would be seen at one size for any number of draws).
"""
from __future__ import annotations

import functools

import numpy as np

from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE, ROUNDOFF, richardson
import derivations.random_features.numeric_checks as numeric_checks
from derivations.random_features.theory import learning_curve, projection_level
from derivations.ridge import isotropic_problem, power_law_problem
from numerics.random_feature_simulation import draw_projection, simulate_random_features
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold

D_SIM = 200
SPECTRA = {"isotropic": isotropic_problem, "power-law(α=1.5,r=0.4)": power_law_problem}
PL, ISO = "power-law(α=1.5,r=0.4)", "isotropic"

#: (spectrum, P, widths, λ) at D = 200, σ² = 1/4
GRID = ((PL, 100, (400,), 1e-2),        # overparameterised
        (PL, 400, (100,), 1e-2),        # width-limited
        (PL, 100, (400,), 0.0),         # ridgeless interpolation (P < N)
        (PL, 400, (100,), 0.0),         # ridgeless, width-limited
        (PL, 100, (300, 150), 1e-2),    # two projections
        (ISO, 100, (400,), 1e-1),
        (ISO, 400, (100,), 1e-2))
QUICK_GRID = (GRID[0], GRID[1], GRID[4])
STATS = ("E_g", "E_tr", "bias2", "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise")
WHAT = {"E_g": "E_g (single model)", "E_tr": "E_tr", "bias2": "Bias²", "var_X": "Var_X", "var_F": "Var_F",
        "var_XF": "Var_XF", "var_X_noise": "Var_Xε", "var_XF_noise": "Var_XFε"}
THEORY_FIELD = {"bias2": "bias2", "E_g": "E_g", "E_tr": "E_tr", "var_X": "var_X", "var_F": "var_F",
                "var_XF": "var_XF", "var_X_noise": "var_X_noise", "var_XF_noise": "var_XF_noise"}
NOISE = 0.25
N_F, N_X = 4, 4


def _tag(spectrum, P, widths, lam):
    w = widths[0] if len(widths) == 1 else "×".join(map(str, widths))
    return f"{spectrum}, P={P}, N={w}, λ={lam:g}"


def _pending(spectrum, P, widths, lam, blocks, executor, index):
    eta, w = SPECTRA[spectrum](D_SIM)
    th = learning_curve(eta, w, P, list(widths), lam, NOISE)
    entropy = [20241123, index, P, *widths, int(round(-np.log10(lam) * 10)) if lam > 0 else 999]
    sim = simulate_random_features(eta, w, P, widths, lam, NOISE, n_blocks=blocks, n_F=N_F, n_X=N_X,
                                   entropy=entropy, executor=executor)
    tag = f"rf-simulation: {_tag(spectrum, P, widths, lam)}"
    rows = [(f"{tag}, {WHAT[k]}", float(getattr(th, THEORY_FIELD[k])), sim[k], WHAT[k]) for k in STATS]
    rows.append((f"{tag}, ensemble of {N_F}", float(th.ensemble_error(N_F)), sim["E_g_ensemble"],
                 f"error of the average of {N_F} projections on the same data (measured directly) vs "
                 f"E_g^∞ + (E_g − E_g^∞)/{N_F}"))
    return rows


def _result(name, theory, est: Estimate, threshold, what):
    if theory == 0:
        return CheckResult(name, "simulation", abs(est.mean) <= ROUNDOFF, 0.0, float(est.mean), ROUNDOFF,
                           f"{what}: exact value 0 (interpolation); simulation mean {est.mean:.2g} is float64 round-off")
    zt = z_test(theory, est, threshold)
    return CheckResult(name, "simulation", zt.passed, theory, float(est.mean), f"|z| <= {threshold:.2f}",
                       f"{what}: sim {est.mean:.5g} ± {est.se:.2g} (n={est.n} blocks of {N_F}×{N_X}), theory "
                       f"{theory:.5g}, z = {float(zt.z):+.2f}", extra={"z": float(zt.z)})


def rf_simulation(quick: bool, executor=None) -> list[CheckResult]:
    grid = QUICK_GRID if quick else GRID
    pending = [row for i, cfg in enumerate(grid)
               for row in _pending(*cfg, 24 if quick else 64, executor, GRID.index(cfg))]
    thr = z_threshold(max(1, sum(th != 0 for _, th, _, _ in pending)), FAMILYWISE)
    return [_result(name, th, est, thr, what) for name, th, est, what in pending]


# ---- the projection's deterministic equivalent -------------------------------------------------
def _projection_draw(rng, eta, w, widths, kappa1):
    """One F: r, Q, B₁ and (1/D) tr A²(A+κ₁)⁻² from the eigen-decomposition of A = Σ^{1/2}FFᵀΣ^{1/2}."""
    F = draw_projection(rng, eta.size, list(widths))
    half = np.sqrt(eta)[:, None] * F
    a, U = np.linalg.eigh(half @ half.T)
    a = np.clip(a, 0, None)
    c2 = (U.T @ (np.sqrt(eta) * w)) ** 2
    R = kappa1 / (a + kappa1)
    return {"r": float(np.mean(R)), "Q": float(c2 @ R), "B1": float(c2 @ R ** 2), "g1": float(np.mean((1 - R) ** 2))}


PROJECTION_CONFIGS = ((PL, (100,), 1e-2), (PL, (400,), 1e-3), (PL, (300, 150), 1e-2), (ISO, (50,), 1e-1))


def rf_projection_equivalent(quick: bool, executor=None) -> list[CheckResult]:
    keys = (("r", "r", "(1/D) tr κ₁(A+κ₁)⁻¹"), ("Q", "Q", "Σ^{1/2}w̄ᵀκ₁(A+κ₁)⁻¹Σ^{1/2}w̄"),
            ("B1", "B1mean", "B₁ = Σ^{1/2}w̄ᵀκ₁²(A+κ₁)⁻²Σ^{1/2}w̄ (mean-fixed-F-bias)"),
            ("g1", "gamma1_over_q", "(1/D) tr A²(A+κ₁)⁻² = γ₁/q (gamma1)"))
    thr = z_threshold(len(keys) * len(PROJECTION_CONFIGS), FAMILYWISE)
    out = []
    for index, (spectrum, widths, kappa1) in enumerate(PROJECTION_CONFIGS):
        devs = {k: [] for k, _, _ in keys}
        for D in (100, 200):
            eta, w = SPECTRA[spectrum](D)
            scaled = tuple(n * D // 200 for n in widths)            # N_l/D fixed while D doubles
            theory = projection_level(eta, w, list(scaled), kappa1)
            task = functools.partial(_projection_draw, eta=eta, w=w, widths=scaled, kappa1=kappa1)
            ens = run_ensemble(task, 20 if quick else 60, [20241124, index, D], executor=executor)
            for k, tk, _ in keys:
                est = ens.estimate(k)
                devs[k].append(Estimate(est.mean - float(theory[tk]), est.se, est.n))
        for k, _, what in keys:
            est = richardson(*devs[k])
            zt = z_test(0.0, est, thr)
            out.append(CheckResult(
                f"rf-projection-equivalent: {spectrum}, N/D={'×'.join(str(n / 200) for n in widths)}, κ₁={kappa1:g}, {k}",
                "simulation", zt.passed, 0.0, float(est.mean), f"|z| <= {thr:.2f}",
                f"{what} minus its equivalent: D=100 {devs[k][0].mean:+.2e}, D=200 {devs[k][1].mean:+.2e} "
                f"(n={devs[k][1].n}), extrapolated {est.mean:+.2e} ± {est.se:.1e}, z = {float(zt.z):+.2f}",
                extra={"z": float(zt.z)}))
    return out


def attach_checks(d) -> None:
    """Add the simulation and numeric checks of ``linear-random-features`` to its derivation ``d``."""
    d.check("rf-simulation", "simulation", "E_g, E_tr, Bias², Var_X, Var_F, Var_XF, Var_Xε, Var_XFε and the "
            "4-projection ensemble against direct random-feature ridge regression at D = 200: N > P and N < P, "
            "ridgeless and ridge, isotropic and power-law Σ, one and two projections")(rf_simulation)
    d.check("rf-projection-equivalent", "simulation", "the deterministic equivalent over F (r, Q, B₁, γ₁/q) at "
            "D = 100, 200 extrapolated to D → ∞")(rf_projection_equivalent)
    numeric_checks.attach_checks(d)
