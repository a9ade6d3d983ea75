"""Tests of numerics.simulation: reproducibility and statistical calibration."""

import concurrent.futures

import mpmath
import numpy as np
import pytest
from scipy import stats

from numerics.simulation import (Ensemble, Estimate, jackknife_se, run_ensemble,
                                 spawn_generators, z_test, z_threshold)


def normal_task(rng):
    """Module level, so a process pool can pickle it."""
    return {"x": rng.standard_normal(), "y": rng.standard_normal(3) + 1.0}


def correlated_task(rng):
    z = rng.standard_normal()
    return {"a": z + 0.01, "b": z + 0.01 * rng.standard_normal()}


# ------------------------------------------------------------ reproducibility

def test_same_entropy_same_samples_and_different_entropy_differs():
    a = run_ensemble(normal_task, 50, 123)
    b = run_ensemble(normal_task, 50, 123)
    c = run_ensemble(normal_task, 50, 124)
    np.testing.assert_array_equal(a.samples["x"], b.samples["x"])
    assert not np.array_equal(a.samples["x"], c.samples["x"])
    assert a.samples["y"].shape == (50, 3) and a.entropy == 123 and a.n_draws == 50


def test_executor_and_chunking_do_not_change_results():
    serial = run_ensemble(normal_task, 40, 2024)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        parallel = run_ensemble(normal_task, 40, 2024, executor=pool, chunk_size=7)
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        threads = run_ensemble(normal_task, 40, 2024, executor=pool, chunk_size=1)
        threads_big = run_ensemble(normal_task, 40, 2024, executor=pool, chunk_size=100)
    for other in (parallel, threads, threads_big):
        for key in ("x", "y"):
            np.testing.assert_array_equal(serial.samples[key], other.samples[key])


def test_spawn_generators_match_ensemble_children():
    gens = spawn_generators(9, 3)
    ens = run_ensemble(lambda rng: {"u": rng.random()}, 3, 9)
    np.testing.assert_array_equal([g.random() for g in gens], ens.samples["u"])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_counts_raise(bad):
    with pytest.raises(ValueError, match="n_draws"):
        run_ensemble(normal_task, bad, 1)
    with pytest.raises(ValueError, match="n"):
        spawn_generators(1, bad)


def test_none_entropy_is_recorded_and_replayable():
    first = run_ensemble(normal_task, 5, None)
    again = run_ensemble(normal_task, 5, first.entropy)
    np.testing.assert_array_equal(first.samples["x"], again.samples["x"])


def test_inconsistent_keys_raise():
    def task(rng):
        return {"a": 1.0} if rng.random() < 0.5 else {"b": 1.0}
    with pytest.raises(ValueError, match="keys"):
        run_ensemble(task, 50, 0)


# ------------------------------------------------------------------ estimates

def test_estimate_of_standard_normal_mean():
    ens = run_ensemble(normal_task, 2000, 77)
    threshold = z_threshold(4)
    assert z_test(0.0, ens.estimate("x"), threshold).passed
    grid = z_test(np.ones(3), ens.estimate("y"), threshold)
    assert grid.passed and np.shape(grid.z) == (3,)
    assert not z_test(0.5, ens.estimate("x"), threshold).passed


def test_estimate_values_and_small_n():
    est = Estimate.from_samples(np.array([[1.0, 0.0], [3.0, 0.0]]))
    np.testing.assert_allclose(est.mean, [2.0, 0.0])
    np.testing.assert_allclose(est.se, [1.0, 0.0])
    np.testing.assert_array_equal(est.z_score([2.0, 0.0]), [0.0, 0.0])
    np.testing.assert_array_equal(est.z_score([1.0, 1.0]), [1.0, -np.inf])
    with pytest.raises(ValueError, match="n >= 2"):
        Estimate.from_samples([1.0])


def test_z_scores_are_calibrated_over_many_seeds():
    """Over 200 seeds, P(|z| > 1.96) = 5% up to binomial fluctuations."""
    hits = 0
    for seed in range(200):
        samples = np.random.default_rng(seed).standard_normal(100)
        hits += abs(Estimate.from_samples(samples).z_score(0.0)) > 1.96
    lo, hi = stats.binom.ppf([5e-4, 1 - 5e-4], 200, 0.05)
    assert lo <= hits <= hi


def test_paired_difference_removes_shared_noise():
    ens = run_ensemble(correlated_task, 400, 5)
    paired = ens.paired_difference("a", "b")
    assert paired.se < 0.1 * ens.estimate("a").se
    assert z_test(0.01, paired, z_threshold(1)).passed


# --------------------------------------------------------------- thresholds

def test_z_threshold_against_independent_route():
    with mpmath.workdps(30):
        reference = float(mpmath.sqrt(2) * mpmath.erfinv(mpmath.mpf("0.95")))
    assert abs(z_threshold(1, 0.05) - reference) < 1e-12
    assert round(z_threshold(1, 0.05), 6) == 1.959964
    with mpmath.workdps(30):
        ref10 = float(mpmath.sqrt(2) * mpmath.erfinv(1 - mpmath.mpf("1e-3") / 10))
    assert abs(z_threshold(10) - ref10) < 1e-10


def test_z_threshold_validation():
    with pytest.raises(ValueError, match="n_comparisons"):
        z_threshold(0)
    with pytest.raises(ValueError, match="familywise_alpha"):
        z_threshold(1, 1.5)


def test_nan_never_passes():
    assert not z_test(0.0, Estimate(float("nan"), 1.0, 10), 3.0).passed
    assert not z_test(0.0, Estimate(np.array([0.0, np.nan]), np.ones(2), 10), 3.0).passed
    assert not z_test(np.nan, Estimate(0.0, 1.0, 10), 3.0).passed
    assert z_test(0.0, Estimate(0.0, 0.0, 10), 3.0).passed


# ---------------------------------------------------------------- jackknife

def test_jackknife_matches_standard_error_for_the_mean():
    x = np.random.default_rng(1).standard_normal(500)
    assert abs(jackknife_se(np.mean, x) - x.std(ddof=1) / np.sqrt(500)) < 1e-12


def test_jackknife_of_a_variance_is_close_to_theory():
    # Var of sample variance of N(0,1): 2/(n-1); jackknife should be within 20%.
    x = np.random.default_rng(2).standard_normal(2000)
    se = jackknife_se(lambda s: np.var(s, ddof=1), x)
    assert abs(se / np.sqrt(2 / 1999) - 1) < 0.2
    with pytest.raises(ValueError, match="n >= 2"):
        jackknife_se(np.mean, [1.0])


def test_ensemble_is_a_plain_dataclass():
    ens = Ensemble({"x": np.arange(3.0)}, 0, 3)
    assert ens.estimate("x").mean == 1.0
