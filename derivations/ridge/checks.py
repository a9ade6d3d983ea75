"""Numeric and simulation checks of ``ridge-regression``.

Simulation protocol. For each configuration (spectrum, q = D/P, λ, σ²) we draw M
independent data sets (seeded ``SeedSequence`` children, one stream per draw and
configuration), fit ridge regression and compute its exact test error from the known Σ
and teacher. Theory and simulation means are compared by z = (mean − theory)/SE; all
z-tests of one check share a Bonferroni threshold at familywise level 1e-3 over the
number of z-tests actually made (as for the Marchenko–Pastur KS test: with fixed seeds a
false alarm would fail every run, so the level is kept small; the power to see a 10%
error is shown in tests/ridge/test_simulation_power.py). Where the exact answer is 0 (exact recovery,
interpolation) the simulation is compared with float64 round-off instead.

Finite size. Away from q = 1 the corrections to the deterministic equivalent are O(1/P)
relative while the standard error is O(1/√(M P)); M ≤ P draws keep the bias below one SE.
At the interpolation peak q = 1 the corrections are O(1/(Dκ)) (the Wishart spectrum
reaches 0 and κ sets the resolution), so there each quantity's relative deviation is
measured at D = 100 and D = 200 and Richardson-extrapolated to D → ∞ before the z-test.
Self-averaging traces (``deterministic-equivalent``) are treated the same way.
"""
from __future__ import annotations

import functools

import numpy as np

from derivations.engine import CheckResult
from numerics.ridge_simulation import bias_squared, ridge_draw, variance_over_data
from derivations.engine.simulation_checks import FAMILYWISE, richardson, roundoff_result, z_result
from derivations.ridge.problems import SPECTRA
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold
from derivations.engine.spectral_eval import SpectralSum
from derivations.ridge.steps import SUM_TF1, kappa
from derivations.ridge.theory import learning_curve

D_SIM = 200


def _grid(quick: bool):
    qs = (0.25, 1.0, 4.0) if quick else (0.25, 0.5, 1.0, 2.0, 4.0)
    ridges = (1e-4, 1.0) if quick else (1e-4, 1e-2, 1.0)
    for spectrum in SPECTRA:
        for q in qs:
            # at q = 1 the ridge must resolve the spectrum at these sizes (Dκ ≫ 1); λ = 1e-4 gives
            # Dκ ≈ 1 and error bars of 10-30%: that case is in the slow tests at D = 200, 400
            lams = ridges + (0.0,) if q != 1.0 else tuple(l for l in ridges if l >= 1e-2) or (1e-2,)
            for lam in lams:
                yield spectrum, q, lam, 0.25


def _ensemble(spectrum, q, lam, noise, draws, resolvent=False, seed=0, D=D_SIM, executor=None):
    eta, w = SPECTRA[spectrum](D)
    P = int(round(D / q))
    task = functools.partial(ridge_draw, eigenvalues=eta, teacher=w, P=P, ridge=lam,
                             noise_variance=noise, resolvent=resolvent)
    M = min(draws, P)
    entropy = [20240501, seed, list(SPECTRA).index(spectrum), D, int(q * 100),
               int(round(-np.log10(lam) * 10)) if lam > 0 else 999, int(round(noise * 1000))]
    return eta, w, P, run_ensemble(task, M, entropy, executor=executor)


def _theory_and_estimates(spectrum, q, lam, noise, draws, D, executor):
    eta, w, P, ens = _ensemble(spectrum, q, lam, noise, draws, D=D, executor=executor)
    th, th0 = learning_curve(eta, w, P, lam, noise), learning_curve(eta, w, P, lam, 0.0)
    rows = {"E_g": (th.E_g, "E_g"), "E_g_clean": (th0.E_g, "E_g noiseless"), "E_tr": (th.E_tr, "E_tr")}
    if lam > 0:
        rows["gcv"] = (th.E_g, "GCV estimate of E_g from training data")
    return {key: (theory, ens.estimate(key), what) for key, (theory, what) in rows.items()}


def _relative(theory, est: Estimate) -> Estimate:
    return Estimate(est.mean / theory - 1, est.se / abs(theory), est.n)


def _config_rows(spectrum, q, lam, noise, draws, executor):
    tag = f"ridge-simulation: {spectrum}, q={q:g}, λ={lam:g}, σ²={noise:g}"
    if q != 1.0:
        rows = _theory_and_estimates(spectrum, q, lam, noise, draws, D_SIM, executor)
        return [(f"{tag}, {key}", theory, est, what) for key, (theory, est, what) in rows.items()]
    small = _theory_and_estimates(spectrum, q, lam, noise, draws, D_SIM // 2, executor)
    large = _theory_and_estimates(spectrum, q, lam, noise, draws, D_SIM, executor)
    out = []
    for key, (theory, est, what) in large.items():
        ext = richardson(_relative(small[key][0], small[key][1]), _relative(theory, est))
        out.append((f"{tag}, {key}", 0.0, ext, f"{what}: relative deviation at D = {D_SIM // 2}, {D_SIM} "
                    f"extrapolated to D → ∞ (interpolation peak)"))
    return out


def _judge(pending: list) -> list[CheckResult]:
    """pending: (name, theory, estimate, what). Theory 0 means an exact zero (round-off comparison),
    except for extrapolated deviations, which are z-tests against 0. All z-tests share one
    Bonferroni threshold over their number."""
    n_z = sum(theory != 0 or "extrapolated" in what for _, theory, _, what in pending)
    thr = z_threshold(max(n_z, 1), FAMILYWISE)
    out = []
    for name, theory, est, what in pending:
        if theory == 0 and "extrapolated" not in what:
            out.append(roundoff_result(name, est, what))
        else:
            out.append(z_result(name, theory, est, thr, what))
    return out


def ridge_simulation(quick: bool, executor=None) -> list[CheckResult]:
    pending = [row for config in _grid(quick)
               for row in _config_rows(*config, 60 if quick else 200, executor)]
    return _judge(pending)


def bias_variance(quick: bool, executor=None) -> list[CheckResult]:
    configs = [("power-law(α=1.5,r=0.4)", 0.5, 1e-2), ("power-law(α=1.5,r=0.4)", 2.0, 1e-2), ("isotropic", 2.0, 1e-1)]
    pending = []
    for spectrum, q, lam in configs:
        eta, w, P, ens = _ensemble(spectrum, q, lam, 0.25, 60 if quick else 200, seed=1, executor=executor)
        th = learning_curve(eta, w, P, lam, 0.25)
        n = ens.n_draws
        b, b_se = bias_squared(ens.samples["w_clean"], w, eta)
        v, v_se = variance_over_data(ens.samples["w_clean"], ens.samples["E_g_clean"], w, eta)
        tag = f"bias-variance: {spectrum}, q={q:g}, λ={lam:g}"
        pending += [(f"{tag}, Bias²", th.bias2, Estimate(b, b_se, n), "Bias² (U-statistic, jackknife SE)"),
                    (f"{tag}, Var_X", th.var_X, Estimate(v, v_se, n),
                     "Var_X = E_g(σ=0) − Bias² (joint jackknife SE)"),
                    (f"{tag}, Var_Xε", th.var_X_noise, ens.paired_difference("E_g", "E_g_clean"),
                     "Var_Xε = E_g − E_g(σ=0), paired on the same X")]
    return _judge(pending)


@functools.cache
def _tf1_sum():
    return SpectralSum(SUM_TF1, [kappa])


def _deviation(ens: Estimate, theory: float) -> Estimate:
    return Estimate(ens.mean - theory, ens.se, ens.n)


def deterministic_equivalent(quick: bool, executor=None) -> list[CheckResult]:
    """Resolvent statistics minus their deterministic equivalents at D and 2D, extrapolated to D → ∞.

    Traces are self-averaging: their fluctuations are O(1/D), as is their finite-size bias, so a
    z-test at one size would detect the bias for any number of draws. Extrapolating the deviation
    (each size against its own theory) removes the O(1/D) term; the O(1/D²) rest is far below the
    standard error at these sizes. The extrapolated deviation must be 0 within its error.
    """
    configs = [(s, q, lam) for s in SPECTRA for q in (0.5, 2.0) for lam in (1e-2, 1.0)]
    thr, out = z_threshold(2 * len(configs), FAMILYWISE), []  # two z-tests per configuration
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
            est = richardson(*devs[key])
            zt = z_test(0.0, est, thr)
            out.append(CheckResult(f"deterministic-equivalent: {spectrum}, q={q:g}, λ={lam:g}, {key}", "simulation",
                                   zt.passed, 0.0, float(est.mean), f"|z| <= {thr:.2f}",
                                   f"{what}: at D=100 {devs[key][0].mean:+.2e} (n={devs[key][0].n}), D=200 "
                                   f"{devs[key][1].mean:+.2e} (n={devs[key][1].n}), extrapolated {est.mean:+.2e} "
                                   f"± {est.se:.1e}, z = {float(zt.z):+.2f}",
                                   extra={"z": float(zt.z)}))
    return out


def attach_checks(d) -> None:
    """Add the simulation checks of ``ridge-regression`` to its derivation ``d``."""
    d.check("ridge-simulation", "simulation", "E_g, E_tr and GCV against direct ridge regression over "
            "q ∈ {1/4, 1/2, 1, 2, 4}, λ ∈ {0, 1e-4, 1e-2, 1} (q = 1: λ ≥ 1e-2), isotropic and power-law Σ, "
            "σ² ∈ {0, 1/4}")(ridge_simulation)
    d.check("bias-variance", "simulation", "Bias², Var_X, Var_Xε against simulation")(bias_variance)
    d.check("deterministic-equivalent", "simulation", "traces and a teacher quadratic form of λ(Σ̂+λ)⁻¹")(
        deterministic_equivalent)
