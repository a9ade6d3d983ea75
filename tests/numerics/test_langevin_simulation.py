"""Tests of numerics.langevin_simulation: the exact solution (K-2) against Euler–Maruyama, its limits,
the error decomposition, reproducibility and input errors.

Statistical checks are z-tests at familywise level 1e-3 with a Bonferroni threshold over the z-tests
made in that test; all seeds are fixed.
"""
from __future__ import annotations

import concurrent.futures
import functools

import numpy as np
import pytest

from numerics.langevin_simulation import (_draw_data, euler_maruyama_path, langevin_draw,
                                          langevin_moments, simulate_test_error)
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold

FAMILYWISE = 1e-3


def small_problem(seed=3, N=5, P=5, noise=0.3):
    rng = np.random.default_rng(seed)
    lam = np.linspace(1.0, 0.3, N)
    Phi = rng.standard_normal((P, N)) * np.sqrt(lam)
    w_bar = rng.standard_normal(N)
    y = Phi @ w_bar + noise * rng.standard_normal(P)
    return lam, Phi, w_bar, y


def test_exact_solution_matches_euler_maruyama_ensemble():
    lam, Phi, _, y = small_problem()
    g, beta, c, dt = 0.2, 5.0, 0.5, 1e-3
    times, W = euler_maruyama_path(np.random.default_rng(11), Phi, y, g, beta, dt, n_steps=3000,
                                   loss_scale=c, record_every=500, n_paths=4000)
    pick = [1, 2, 6]                                      # t = 0.5, 1, 3
    mean, cov = langevin_moments(Phi, y, g, beta, times[pick], loss_scale=c)
    n = W.shape[0]
    iu = np.triu_indices(Phi.shape[1])
    thr = z_threshold(len(pick) * (Phi.shape[1] + iu[0].size), FAMILYWISE)
    for j, r in enumerate(pick):
        sample = W[:, r, :]
        m_est = Estimate.from_samples(sample)
        assert z_test(mean[j], m_est, thr).passed, (times[r], m_est.z_score(mean[j]))
        C = cov[j]
        centred = sample - mean[j]                        # known mean: E[x_i x_j] = C_ij
        prods = centred[:, iu[0]] * centred[:, iu[1]]
        se = np.sqrt((C[iu[0], iu[0]] * C[iu[1], iu[1]] + C[iu] ** 2) / n)
        z = (prods.mean(axis=0) - C[iu]) / se
        assert np.all(np.abs(z) <= thr), (times[r], z)


def test_delta_form_of_K2_matches_w_form_signs():
    """langevin_draw uses the Δ form of (K-2); langevin_moments the w form: same numbers."""
    lam = np.array([1.0, 0.5, 0.25, 0.125])
    P, g, beta, c, times = 6, 0.3, 7.0, 0.8, np.array([0.0, 0.4, 2.0, 30.0])
    out = langevin_draw(np.random.default_rng(5), lam, P, g, beta, times, loss_scale=c,
                        teacher_variance=2.0, noise_variance=0.5)
    Phi, w, eps = (x[0] for x in _draw_data(np.random.default_rng(5), 1, lam, P, None, 2.0, 0.5))
    mean, cov = langevin_moments(Phi, Phi @ w + eps, g, beta, times, loss_scale=c)
    dev = mean - w
    np.testing.assert_allclose(out["total"], np.einsum("i,ti->t", lam, dev ** 2)
                               + np.einsum("i,tii->t", lam, cov), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(out["langevin"], np.einsum("i,tii->t", lam, cov), rtol=1e-10, atol=1e-14)
    clean_mean = langevin_moments(Phi, Phi @ w, g, beta, times, loss_scale=c)[0]
    np.testing.assert_allclose(out["clean_deviation"].T, clean_mean - w, atol=1e-12)
    np.testing.assert_allclose(out["clean"], np.einsum("i,ti->t", lam, (clean_mean - w) ** 2), rtol=1e-10)
    noise_mean = langevin_moments(Phi, eps, g, beta, times, loss_scale=c)[0]
    np.testing.assert_allclose(out["label_noise"], np.einsum("i,ti->t", lam, noise_mean ** 2),
                               rtol=1e-10, atol=1e-15)
    assert out["total"][0] == pytest.approx(np.sum(lam * w ** 2))      # w(0) = 0


def test_long_time_limit_is_ridge_and_posterior():
    lam, Phi, _, y = small_problem(N=6, P=4)
    g, beta, c = 0.4, 3.0, 2.0
    mean, cov = langevin_moments(Phi, y, g, beta, [1e4], loss_scale=c)
    A = c * Phi.T @ Phi + g * np.eye(6)
    np.testing.assert_allclose(mean[0], np.linalg.solve(A, c * Phi.T @ y), rtol=1e-10)
    np.testing.assert_allclose(cov[0], np.linalg.inv(A) / beta, rtol=1e-9, atol=1e-13)


def test_gradient_flow_has_no_langevin_variance():
    lam = 1.0 / np.arange(1, 7)
    times = [0.0, 0.5, 5.0]
    out = langevin_draw(np.random.default_rng(0), lam, 4, 0.1, np.inf, times, noise_variance=0.2)
    assert np.all(out["langevin"] == 0)
    assert np.all(langevin_moments(np.eye(3), np.ones(3), 0.0, np.inf, times)[1] == 0)
    est = simulate_test_error(times, lam, 4, 0.1, np.inf, n_draws=30, entropy=1, teacher=np.ones(6))
    assert np.all(est["variance_langevin"].mean == 0)


def test_zero_weight_decay_langevin_variance_grows_linearly_on_null_space():
    lam, N, P, beta = np.linspace(1.0, 0.2, 8), 8, 3, 4.0
    times = np.array([10.0, 20.0, 40.0])
    out = langevin_draw(np.random.default_rng(9), lam, P, 0.0, beta, times, teacher=np.ones(N))
    Phi = _draw_data(np.random.default_rng(9), 1, lam, P, np.ones(N), 1.0, 0.0)[0][0]
    _, s, Vt = np.linalg.svd(Phi)
    null = Vt[P:]                                         # N − P directions with ΦΔ = 0
    rate = 2 / beta * np.sum(lam * np.sum(null ** 2, axis=0))       # (2/β) tr[Λ Π_null]
    np.testing.assert_allclose(np.diff(out["langevin"]), rate * np.diff(times), rtol=1e-6)
    cov = langevin_moments(Phi, np.zeros(P), 0.0, beta, times)[1]
    np.testing.assert_allclose(np.einsum("ki,tij,kj->tk", null, cov, null),
                               np.outer(2 * times / beta, np.ones(N - P)), rtol=1e-8)
    # and the mean along the null space stays at −w̄ (nothing drives it)
    np.testing.assert_allclose(null @ out["clean_deviation"], -(null @ np.ones(N))[:, None] * np.ones(3),
                               atol=1e-8)


def test_total_is_clean_plus_label_noise_plus_langevin_in_expectation():
    lam = np.arange(1, 7) ** -1.5
    times = np.array([0.1, 1.0, 10.0])
    task = functools.partial(langevin_draw, eigenvalues=lam, P=6, weight_decay=0.05, beta=20.0,
                             times=times, noise_variance=0.5)
    ens = run_ensemble(task, 2000, entropy=4)
    s = ens.samples
    cross = Estimate.from_samples(s["total"] - s["clean"] - s["label_noise"] - s["langevin"])
    assert np.any(np.abs(cross.mean) > 0)                 # the cross term is there per draw ...
    assert z_test(np.zeros(3), cross, z_threshold(3, FAMILYWISE)).passed     # ... and averages out
    out = langevin_draw(np.random.default_rng(1), lam, 6, 0.05, 20.0, times)     # σ² = 0: exact
    np.testing.assert_allclose(out["total"], out["clean"] + out["langevin"], rtol=1e-12)
    assert np.all(out["label_noise"] == 0)


def test_decomposition_and_teacher_modes_agree():
    lam = np.arange(1, 6) ** -1.5
    times = np.array([0.0, 0.5, 3.0, 20.0])
    kw = dict(weight_decay=0.1, beta=50.0, noise_variance=0.2, n_draws=1200)
    fixed = simulate_test_error(times, lam, 5, teacher=np.ones(5), entropy=1, **kw)
    drawn = simulate_test_error(times, lam, 5, teacher=None, teacher_variance=1.0, entropy=2, **kw)
    # t = 0: all bias, exactly
    assert fixed["bias"].mean[0] == pytest.approx(lam.sum())
    assert fixed["variance_data"].mean[0] == pytest.approx(0, abs=1e-12)
    thr = z_threshold(2 * (times.size - 1), FAMILYWISE)
    for key in ("bias", "variance_data"):                 # E_w̄ bias(w̄) with σ_w² = 1 equals bias(1)
        a, b = fixed[key], drawn[key]
        z = (a.mean - b.mean) / np.sqrt(a.se ** 2 + b.se ** 2 + 1e-300)
        assert np.all(np.abs(z[1:]) <= thr), (key, z)
    for est in (fixed, drawn):
        np.testing.assert_allclose(est["total"].mean, est["bias"].mean + est["variance_data"].mean
                                   + est["variance_langevin"].mean, rtol=1e-12)
        assert np.all(np.diff(est["bias"].mean) < 0)      # bias decreases in t (w(0) = 0)


def test_reproducible_and_executor_independent():
    args = ([0.5, 2.0], np.ones(4), 5, 0.1, 10.0)
    kw = dict(noise_variance=0.1, n_draws=64, entropy=7)
    a = simulate_test_error(*args, **kw)
    b = simulate_test_error(*args, **kw)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        c = simulate_test_error(*args, executor=ex, **kw)
    for k in a:
        np.testing.assert_array_equal(a[k].mean, b[k].mean)
        np.testing.assert_array_equal(a[k].mean, c[k].mean)
        np.testing.assert_array_equal(a[k].se, c[k].se)
    d = simulate_test_error(*args, noise_variance=0.1, n_draws=64, entropy=8)
    assert not np.array_equal(a["total"].mean, d["total"].mean)


GOOD = dict(times=[0.0, 1.0], eigenvalues=np.ones(3), P=2, weight_decay=0.1, beta=1.0)


@pytest.mark.parametrize("change, name", [
    (dict(weight_decay=-0.1), "weight_decay"),
    (dict(beta=0.0), "beta"),
    (dict(beta=-1.0), "beta"),
    (dict(eigenvalues=[1.0, 0.0, 1.0]), "eigenvalues"),
    (dict(eigenvalues=[1.0, -1.0]), "eigenvalues"),
    (dict(times=[1.0, 0.5]), "times"),
    (dict(times=[-1.0, 0.5]), "times"),
    (dict(P=0), "P"),
    (dict(loss_scale=0.0), "loss_scale"),
    (dict(noise_variance=-1.0), "noise_variance"),
    (dict(teacher=np.ones(2)), "teacher"),
    (dict(n_draws=10, draws_per_task=4), "draws_per_task"),
    (dict(n_draws=4, draws_per_task=2), "tasks"),
])
def test_bad_input(change, name):
    with pytest.raises(ValueError, match=name):
        simulate_test_error(**{**GOOD, "n_draws": 12, **change})
    if "n_draws" not in change and "draws_per_task" not in change:
        kw = {**GOOD, **change}
        with pytest.raises(ValueError, match=name):
            langevin_draw(np.random.default_rng(0), kw["eigenvalues"], kw["P"], kw["weight_decay"],
                          kw["beta"], kw["times"], **{k: v for k, v in change.items()
                                                      if k in ("loss_scale", "noise_variance", "teacher")})


def test_euler_maruyama_stability_limit():
    Phi = np.diag([1.0, 2.0])                             # A = diag(1.1, 4.1): limit 2/4.1
    with pytest.raises(ValueError, match=r"dt.*2/λ_max\(A\) = 0\.487805"):
        euler_maruyama_path(np.random.default_rng(0), Phi, np.ones(2), 0.1, 1.0, dt=0.5, n_steps=10)
    with pytest.raises(ValueError, match="n_steps"):
        euler_maruyama_path(np.random.default_rng(0), Phi, np.ones(2), 0.1, 1.0, dt=0.1, n_steps=0)
    with pytest.raises(ValueError, match="beta"):
        euler_maruyama_path(np.random.default_rng(0), Phi, np.ones(2), 0.1, 0.0, dt=0.1, n_steps=5)


# issue 13: no silent NaN, no complex input cut to its real part
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("change, name", [
    (dict(teacher=np.array([1.0, np.inf, 1.0])), "teacher"), (dict(teacher=np.array([1.0, np.nan, 1.0])), "teacher"),
    (dict(teacher=np.ones(3) + 0j), "teacher"), (dict(eigenvalues=np.ones(3) + 0j), "eigenvalues"),
    (dict(times=[0.0, 1.0 + 1j]), "times"), (dict(weight_decay=0.1 + 0j), "weight_decay"),
    (dict(teacher_variance=np.complex128(1.0)), "teacher_variance"), (dict(beta=np.nan), "beta"),
    (dict(teacher_variance=1e300), "teacher_variance"), (dict(teacher=np.full(3, 1e200)), "teacher"),
])
def test_non_finite_or_complex_input_is_refused_by_name(change, name):
    with pytest.raises(ValueError, match=name):
        simulate_test_error(**{**GOOD, "n_draws": 12, **change})


def test_zero_teacher_variance_gives_the_noise_and_langevin_parts_and_the_mode_means():
    lam, times = np.arange(1, 5) ** -1.5, [0.0, 1.0, 5.0]
    kw = dict(weight_decay=0.1, beta=10.0, noise_variance=0.3, n_draws=60, entropy=3)
    zero = simulate_test_error(times, lam, 3, teacher_variance=0.0, **kw)
    one = simulate_test_error(times, lam, 3, teacher_variance=1.0, **kw)
    for est in zero.values():
        assert np.all(np.isfinite(est.mean)) and np.all(np.isfinite(est.se))
    assert np.all(zero["bias"].mean == 0) and np.all(zero["clean"].mean == 0)
    np.testing.assert_allclose(zero["total"].mean, zero["label_noise"].mean + zero["variance_langevin"].mean,
                               rtol=1e-12)
    # the same Φ and ε are drawn whatever σ_w²: what does not involve the teacher is the same
    for key in ("mode_mean", "variance_langevin", "label_noise"):
        np.testing.assert_allclose(zero[key].mean, one[key].mean, rtol=1e-12, err_msg=key)
    # a fixed teacher with zero components: mode means still defined (E_Φ G_ii), the same Φ again
    fixed = simulate_test_error(times, lam, 3, teacher=np.array([1.0, 0.0, 2.0, 0.0]), **kw)
    np.testing.assert_allclose(fixed["mode_mean"].mean, one["mode_mean"].mean, rtol=1e-12)
    np.testing.assert_allclose(fixed["mode_mean"].mean[:, 0], 1.0)
