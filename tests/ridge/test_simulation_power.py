"""The statistics behind the ridge simulation checks have power, and the bias estimator is unbiased.

1. A z-test of simulated E_g against the deterministic equivalent accepts the true theory and
   rejects one that is 10% off (both directions), at the threshold the checks use.
2. ``bias_squared`` (U-statistic) is unbiased for ‖E ŵ − w̄‖²_Σ on synthetic Gaussian draws with a
   known mean, while the naive plug-in ‖mean(ŵ) − w̄‖²_Σ is biased upward by tr(ΣC)/M.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

from derivations.engine.simulation_checks import FAMILYWISE, z_result
from derivations.ridge import power_law_problem
from derivations.ridge import learning_curve
from numerics.ridge_simulation import bias_squared, ridge_draw
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold

D, Q, LAM, NOISE, DRAWS = 200, 2.0, 1e-2, 0.25, 200


@pytest.fixture(scope="module")
def ensemble():
    eta, w = power_law_problem(D)
    P = int(D / Q)
    task = functools.partial(ridge_draw, eigenvalues=eta, teacher=w, P=P, ridge=LAM, noise_variance=NOISE)
    ens = run_ensemble(task, DRAWS, entropy=[20250101, 7])
    theory = learning_curve(eta, w, P, LAM, noise_variance=NOISE)
    return ens, theory


def test_z_test_accepts_truth_and_rejects_ten_percent_error(ensemble):
    """Three comparisons (truth, ×1.10, ×0.90) share a Bonferroni threshold at the checks' familywise
    level 1e-2: thr = Φ⁻¹(1 − 1e-2/6) ≈ 2.94. Moving the theory by 10% moves z by 0.10·E_g/SE; with
    SE < 3% of E_g that shift exceeds 3.33 > thr, so a wrong theory is expected to be rejected (and the
    observed z's differ from the true one by exactly that shift, checked below)."""
    ens, theory = ensemble
    est = ens.estimate("E_g")
    thr = z_threshold(3, FAMILYWISE)
    assert est.n == DRAWS
    assert est.se < 0.03 * theory.E_g, (est.se, theory.E_g)
    truth = z_test(theory.E_g, est, thr)
    high = z_test(1.10 * theory.E_g, est, thr)
    low = z_test(0.90 * theory.E_g, est, thr)
    assert truth.passed and abs(truth.z) < thr, truth
    assert not high.passed and abs(high.z) > thr, high
    assert not low.passed and abs(low.z) > thr, low
    shift = 0.10 * theory.E_g / est.se
    assert abs((truth.z - high.z) - shift) < 1e-9 * shift and abs((low.z - truth.z) - shift) < 1e-9 * shift
    # the packaged CheckResult wrapper reports the same verdicts
    assert z_result("truth", theory.E_g, est, thr, "E_g").passed
    assert not z_result("wrong", 1.10 * theory.E_g, est, thr, "E_g").passed


def test_z_test_rejects_theory_without_variance_amplification(ensemble):
    """A plausible wrong theory: E_g without the 1/(1 − γ) factor. Here γ ≈ 0.13, so it is ≥ 10% too small,
    an error shown detectable above (SE < 3% of E_g)."""
    ens, theory = ensemble
    est = ens.estimate("E_g")
    wrong = theory.E_g * (1 - theory.gamma)
    assert theory.gamma > 0.1 and est.se < 0.03 * theory.E_g
    assert not z_test(wrong, est, z_threshold(1, FAMILYWISE)).passed


# ---- bias_squared ------------------------------------------------------------------------
ETA = np.array([2.0, 1.0, 0.5, 0.25, 0.125])
WBAR = np.array([1.0, -0.5, 0.3, 0.0, 0.2])
MU = WBAR + np.array([0.3, 0.2, -0.4, 0.5, 0.1])
M, REPS = 10, 2000


@pytest.fixture(scope="module")
def bias_runs():
    """REPS independent sets of M vectors w_i ~ N(μ, C), C a fixed non-diagonal covariance."""
    A = np.random.default_rng(0).standard_normal((ETA.size, ETA.size)) * 0.5
    C = A @ A.T + 0.2 * np.eye(ETA.size)
    L = np.linalg.cholesky(C)
    U, SE, naive = [], [], []
    for r in range(REPS):
        ws = MU + np.random.default_rng([5, r]).standard_normal((M, ETA.size)) @ L.T
        u, se = bias_squared(ws, WBAR, ETA)
        U.append(u)
        SE.append(se)
        naive.append(float(np.sum(ETA * (ws.mean(axis=0) - WBAR) ** 2)))
    return C, np.array(U), np.array(SE), np.array(naive)


def test_bias_squared_is_unbiased_and_plug_in_is_not(bias_runs):
    """B = ‖μ − w̄‖²_Σ = Σ_k η_k (μ_k − w̄_k)². E[U] = B exactly (it averages d_iᵀΣd_j over i ≠ j, and
    independent d_i, d_j have E[d_iᵀΣd_j] = B). The plug-in has E = B + tr(ΣC)/M. Each mean over REPS
    repetitions is compared with a z-test, 4 comparisons at familywise 1e-3."""
    C, U, _, naive = bias_runs
    B = float(np.sum(ETA * (MU - WBAR) ** 2))
    excess = float(np.sum(ETA * np.diag(C))) / M
    thr = z_threshold(4, 1e-3)
    u_est, n_est = Estimate.from_samples(U), Estimate.from_samples(naive)
    assert z_test(B, u_est, thr).passed, (u_est, B)
    assert z_test(B + excess, n_est, thr).passed, (n_est, B + excess)
    # the plug-in's bias is detectable: the upward shift is many SEs
    assert n_est.z_score(B) > thr, n_est.z_score(B)
    # and the U-statistic is distinguishable from the plug-in's expectation
    assert abs(u_est.z_score(B + excess)) > thr


def test_bias_squared_jackknife_se_is_not_anticonservative(bias_runs):
    """Efron–Stein: the jackknife variance is biased upward, E[se²] ≥ Var(U). With REPS = 2000 the
    sample variance of U has relative error ≈ √(2/REPS)·(kurtosis factor) ≲ 10%; we allow 20%."""
    _, U, SE, _ = bias_runs
    assert np.mean(SE ** 2) >= 0.8 * np.var(U, ddof=1), (np.mean(SE ** 2), np.var(U, ddof=1))


def test_bias_squared_exact_on_constant_draws():
    """Identical draws w_i = w: every d_iᵀΣd_j equals ‖w − w̄‖²_Σ, so U equals it exactly with SE 0."""
    w = MU
    u, se = bias_squared(np.tile(w, (5, 1)), WBAR, ETA)
    assert abs(u - np.sum(ETA * (w - WBAR) ** 2)) < 1e-14 and se < 1e-14


def test_bias_squared_needs_three_draws():
    with pytest.raises(ValueError, match="at least 3"):
        bias_squared(np.tile(MU, (2, 1)), WBAR, ETA)


def test_variance_over_data_standard_error_matches_its_spread():
    """The joint jackknife SE of Var_X = mean error − Bias² equals the spread of the estimate over
    independent repetitions (Efron–Stein: E[se²] ≥ Var, and close to it for smooth statistics)."""
    from numerics.ridge_simulation import variance_over_data
    rng = np.random.default_rng(12)
    eta, mu = np.array([1.0, 0.5, 0.25]), np.array([0.3, -0.2, 0.1])
    estimates, ses = [], []
    for _ in range(400):
        w = mu + 0.2 * rng.standard_normal((50, 3))
        errors = np.sum(eta * w ** 2, axis=1)           # the test error of each draw, teacher 0
        v, se = variance_over_data(w, errors, np.zeros(3), eta)
        estimates.append(v)
        ses.append(se)
    true_var = 0.04 * eta.sum()                          # tr(Σ C) with C = 0.04 I
    spread = np.std(estimates, ddof=1)
    assert abs(np.mean(estimates) - true_var) < 4 * spread / np.sqrt(400)
    assert 0.8 < np.sqrt(np.mean(np.square(ses))) / spread < 1.3
