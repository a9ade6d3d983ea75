"""Numeric and simulation checks of ``ridge-regression``.

Simulation protocol. For each configuration (spectrum, q = D/P, λ, σ²) we draw M
independent data sets (seeded ``SeedSequence`` children), fit ridge regression and
compute its exact test error from the known Σ and teacher. Theory and simulation means
are compared by z = (mean − theory)/SE. All comparisons of one check share a
Bonferroni threshold at familywise level 1e-2. Finite-size corrections of the
deterministic equivalent are O(1/P) relative while the standard error is
O(1/√(M P)); we take M ≤ P draws so that the finite-size bias stays below one SE.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np

from derivations.engine import CheckResult
from numerics.ridge_simulation import bias_squared, ridge_draw
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold
from numerics.solvers import fixed_point

FAMILYWISE = 1e-2
D_SIM = 200


def power_law_problem(D: int, alpha: float = 1.5, r: float = 0.4):
    """η_k = k^(−α), w̄_k² η_k ∝ k^(−(2αr+1)), ‖w̄‖ = 1 (the paper's capacity/source convention)."""
    k = np.arange(1, D + 1, dtype=float)
    eta = k ** -alpha
    w = np.sqrt(k ** -(2 * alpha * r + 1) / eta)
    return eta, w / np.linalg.norm(w)


def isotropic_problem(D: int):
    return np.ones(D), np.full(D, 1 / np.sqrt(D))


SPECTRA = {"isotropic": isotropic_problem, "power-law(α=1.5,r=0.4)": power_law_problem}


def _grid(quick: bool):
    qs = (0.25, 1.0, 4.0) if quick else (0.25, 0.5, 1.0, 2.0, 4.0)
    ridges = (1e-4, 1.0) if quick else (1e-4, 1e-2, 1.0)
    for spectrum in SPECTRA:
        for q in qs:
            for lam in ridges + ((0.0,) if q != 1.0 else ()):
                yield spectrum, q, lam, 0.25


def _ensemble(spectrum, q, lam, noise, draws, resolvent=False, seed=0, D=D_SIM, executor=None):
    eta, w = SPECTRA[spectrum](D)
    P = int(round(D / q))
    task = functools.partial(ridge_draw, eigenvalues=eta, teacher=w, P=P, ridge=lam,
                             noise_variance=noise, resolvent=resolvent)
    M = min(draws, P)
    entropy = [20240501, seed, D, int(q * 100), int(round(-np.log10(lam) * 10)) if lam > 0 else 999]
    return eta, w, P, run_ensemble(task, M, entropy, executor=executor)


#: float64 round-off of a squared error whose exact value is 0 (exact recovery, interpolation)
ROUNDOFF = (1e4 * np.finfo(float).eps) ** 2


def _z_result(name, theory, est: Estimate, threshold, what):
    if theory == 0:  # the learning system is exact here: compare with round-off, not with an SE
        ok = abs(est.mean) <= ROUNDOFF
        return CheckResult(name, "simulation", ok, 0.0, float(est.mean), ROUNDOFF,
                           f"{what}: exact value 0; simulation {est.mean:.2g} is float64 round-off")
    zt = z_test(theory, est, threshold)
    return CheckResult(name, "simulation", zt.passed, float(theory), float(est.mean), f"|z| <= {threshold:.2f}",
                       f"{what}: sim {est.mean:.5g} ± {est.se:.2g} (n={est.n}), theory {float(theory):.5g}, "
                       f"z = {float(zt.z):+.2f}", extra={"z": float(zt.z)})


def ridge_simulation(quick: bool, executor=None) -> list[CheckResult]:
    from derivations.ridge_regression import learning_curve
    configs = list(_grid(quick))
    thr = z_threshold(4 * len(configs), FAMILYWISE)
    out = []
    for spectrum, q, lam, noise in configs:
        eta, w, P, ens = _ensemble(spectrum, q, lam, noise, 60 if quick else 200, executor=executor)
        th = learning_curve(eta, w, P, lam, noise)
        th0 = learning_curve(eta, w, P, lam, 0.0)
        tag = f"ridge-simulation: {spectrum}, q={q:g}, λ={lam:g}"
        out.append(_z_result(f"{tag}, σ²={noise:g}, E_g", th.E_g, ens.estimate("E_g"), thr, "E_g"))
        out.append(_z_result(f"{tag}, σ²=0, E_g", th0.E_g, ens.estimate("E_g_clean"), thr, "E_g noiseless"))
        out.append(_z_result(f"{tag}, σ²={noise:g}, E_tr", th.E_tr, ens.estimate("E_tr"), thr, "E_tr"))
        if lam > 0:
            out.append(_z_result(f"{tag}, σ²={noise:g}, GCV", th.E_g, ens.estimate("gcv"), thr,
                                 "GCV estimate of E_g from training data"))
    return out


def bias_variance(quick: bool, executor=None) -> list[CheckResult]:
    from derivations.ridge_regression import learning_curve
    configs = [("power-law(α=1.5,r=0.4)", 0.5, 1e-2), ("power-law(α=1.5,r=0.4)", 2.0, 1e-2), ("isotropic", 2.0, 1e-1)]
    thr, out = z_threshold(3 * len(configs), FAMILYWISE), []
    for spectrum, q, lam in configs:
        eta, w, P, ens = _ensemble(spectrum, q, lam, 0.25, 60 if quick else 200, seed=1, executor=executor)
        th = learning_curve(eta, w, P, lam, 0.25)
        b, b_se = bias_squared(ens.samples["w_clean"], w, eta)
        clean = ens.estimate("E_g_clean")
        var_x = Estimate(clean.mean - b, float(np.hypot(clean.se, b_se)), clean.n)
        tag = f"bias-variance: {spectrum}, q={q:g}, λ={lam:g}"
        out.append(_z_result(f"{tag}, Bias²", th.bias2, Estimate(b, b_se, clean.n), thr, "Bias² (U-statistic, jackknife SE)"))
        out.append(_z_result(f"{tag}, Var_X", th.var_X, var_x, thr, "Var_X = E_g(σ=0) − Bias² (SEs added in quadrature)"))
        out.append(_z_result(f"{tag}, Var_Xε", th.var_X_noise, ens.paired_difference("E_g", "E_g_clean"), thr,
                             "Var_Xε = E_g − E_g(σ=0), paired on the same X"))
    return out


@functools.cache
def _tf1_sum():
    from derivations.ridge_regression import SUM_TF1, kappa
    from derivations.spectral_eval import SpectralSum
    return SpectralSum(SUM_TF1, [kappa])


def _deviation(ens: Estimate, theory: float) -> Estimate:
    return Estimate(ens.mean - theory, ens.se, ens.n)


def _richardson(small: Estimate, large: Estimate) -> Estimate:
    """2·e(2D) − e(D): removes the O(1/D) finite-size term of a quantity converging as D → ∞."""
    return Estimate(2 * large.mean - small.mean, float(np.hypot(2 * large.se, small.se)), min(small.n, large.n))


def deterministic_equivalent(quick: bool, executor=None) -> list[CheckResult]:
    """Resolvent statistics minus their deterministic equivalents at D and 2D, extrapolated to D → ∞.

    Traces are self-averaging: their fluctuations are O(1/D), as is their finite-size bias, so a
    z-test at one size would detect the bias for any number of draws. Extrapolating the deviation
    (each size against its own theory) removes the O(1/D) term; the O(1/D²) rest is far below the
    standard error at these sizes. The extrapolated deviation must be 0 within its error.
    """
    from derivations.ridge_regression import learning_curve
    configs = [(s, q, lam) for s in SPECTRA for q in (0.5, 2.0) for lam in (1e-2, 1.0)]
    thr, out = z_threshold(2 * len(configs), FAMILYWISE), []
    stats = (("trace", "de_trace", "(1/D) tr λ(Σ̂+λ)⁻¹ − (1/D) tr κ(Σ+κ)⁻¹"),
             ("teacher", "de_quadratic", "w̄ᵀλ(Σ̂+λ)⁻¹w̄ − w̄ᵀκ(Σ+κ)⁻¹w̄ (|w̄| = 1)"))
    for spectrum, q, lam in configs:
        devs = {key: [] for key, _, _ in stats}
        for D in (100, 200):
            eta, w, P, ens = _ensemble(spectrum, q, lam, 0.0, 20 if quick else 60, resolvent=True, seed=2, D=D,
                                       executor=executor)
            r = learning_curve(eta, w, P, lam)
            # κ(Σ+κ)⁻¹ = 1 − Σ(Σ+κ)⁻¹: its normalised trace is 1 − df¹(κ), its teacher form |w̄|² − tf₁(κ)
            tf1 = _tf1_sum()(eta, w, r.kappa)
            theory = {"trace": 1 - r.df1, "teacher": 1 - tf1 / np.sum(w ** 2)}
            for key, stat, _ in stats:
                devs[key].append(_deviation(ens.estimate(stat), theory[key]))
        for key, _, what in stats:
            est = _richardson(*devs[key])
            zt = z_test(0.0, est, thr)
            out.append(CheckResult(f"deterministic-equivalent: {spectrum}, q={q:g}, λ={lam:g}, {key}", "simulation",
                                   zt.passed, 0.0, float(est.mean), f"|z| <= {thr:.2f}",
                                   f"{what}: at D=100 {devs[key][0].mean:+.2e}, D=200 {devs[key][1].mean:+.2e}, "
                                   f"extrapolated {est.mean:+.2e} ± {est.se:.1e}, z = {float(zt.z):+.2f}",
                                   extra={"z": float(zt.z)}))
    return out


def register(d) -> None:
    d.check("ridge-simulation", "simulation", "E_g, E_tr and GCV against direct ridge regression over "
            "q ∈ [1/4, 4], λ ∈ {0, 1e-4, 1e-2, 1}, isotropic and power-law Σ, σ² ∈ {0, 1/4}")(ridge_simulation)
    d.check("bias-variance", "simulation", "Bias², Var_X, Var_Xε against simulation")(bias_variance)
    d.check("deterministic-equivalent", "simulation", "traces and a teacher quadratic form of λ(Σ̂+λ)⁻¹")(
        deterministic_equivalent)
    from derivations import _ridge_numeric_checks
    _ridge_numeric_checks.register(d)
