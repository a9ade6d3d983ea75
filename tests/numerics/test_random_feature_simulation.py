"""Tests of numerics.random_feature_simulation: estimators, exact limits, reproducibility, errors.

Every statistical check is a z-test at familywise level 1e-3 with a Bonferroni threshold over the
z-tests made in that test (numerics.simulation.z_threshold); all seeds are fixed.

Exact finite-size results used below (λ = 0, Gaussian data, rank r = min_ℓ N_ℓ < P − 1, r ≤ D).
Given F, z = Fᵀx is Gaussian with covariance S = FᵀΣF, and y = z·a* + r with a* the population
least-squares coefficient and r independent of z, Var r = σ² + s(F), s(F) = ‖F a* − w̄‖²_Σ (the
approximation error; F a* is the Σ-orthogonal projection of w̄ onto col F).  Ordinary least
squares on z then gives, exactly,
    E_X[w_s | F] = F a*                    ⇒ Bias² + Var_F = E_F s(F),
    E‖w_s − F a*‖² = E_F s(F) · r/(P − r − 1)   (E tr (GᵀG)⁻¹ = r/(P − r − 1), G Gaussian P×r)
                                           ⇒ Var_X + Var_XF = (Bias² + Var_F) r/(P − r − 1),
    E‖w_n‖² = σ² r/(P − r − 1)              ⇒ Var_Xε + Var_XFε = σ² r/(P − r − 1),
    E E_tr = (σ² + E_F s(F)) (P − r)/P.
For Σ = c I the Gaussian F spans a uniformly random r-dimensional subspace (also for products of
Gaussian layers), so E[proj] = (r/D) I: Bias² = c(1 − r/D)²‖w̄‖², Var_F = c(r/D)(1 − r/D)‖w̄‖².
For r ≥ D (F of full row rank) the fit is ordinary least squares on x: w does not depend on F.
"""
from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest

from numerics.random_feature_simulation import (STATISTICS, draw_projection, noise_components,
                                                random_feature_block, random_feature_fit,
                                                signal_components, simulate_random_features)
from numerics.ridge_simulation import ridge_fit
from numerics.simulation import Estimate, z_test, z_threshold

FAMILYWISE = 1e-3


def power_law(D, alpha=1.5, r=0.4):
    k = np.arange(1, D + 1, dtype=float)
    eta = k ** -alpha
    w = np.sqrt(k ** -(2 * alpha * r + 1) / eta)
    return eta, w / np.linalg.norm(w)


def combo(result, weights):
    """Estimate of Σ weight·statistic from the same blocks (paired, so correlations count)."""
    s = result["samples"]
    return Estimate.from_samples(sum(c * s[k] for k, c in weights.items()))


def assert_z(checks, label=""):
    """checks: list of (name, theory, Estimate); one Bonferroni threshold for all of them."""
    thr = z_threshold(len(checks), FAMILYWISE)
    results = {name: z_test(theory, est, thr) for name, theory, est in checks}
    failed = {k: (r.theory, r.mean, r.se, r.z) for k, r in results.items() if not r.passed}
    assert not failed, f"{label} threshold {thr:.2f}: {failed}"


# ------------------------------------------------------------ the estimators are unbiased

D_SYN, NF_SYN, NX_SYN, BLOCKS_SYN = 5, 3, 4, 20000


def _synthetic(multiplicative):
    """w_ij = m + a_i + b_j + c_ij (+ a_i ⊙ b_j): A, B, C Gaussian with full covariances."""
    rng = np.random.default_rng(20240601 + multiplicative)
    eta = np.array([2.0, 1.0, 0.5, 0.25, 0.1])
    w_bar = rng.standard_normal(D_SYN)
    m = w_bar + 0.3 * rng.standard_normal(D_SYN)
    La, Lb, Lc = (s * rng.standard_normal((D_SYN, D_SYN)) / np.sqrt(D_SYN) for s in (0.6, 0.8, 0.5))
    n = (BLOCKS_SYN, NF_SYN, NX_SYN, D_SYN)
    a = rng.standard_normal((n[0], n[1], 1, n[3])) @ La.T
    b = rng.standard_normal((n[0], 1, n[2], n[3])) @ Lb.T
    w = m + a + b + rng.standard_normal(n) @ Lc.T
    cov_a, cov_b, cov_c = (np.diag(L @ L.T) for L in (La, Lb, Lc))
    var_XF = eta @ cov_c
    if multiplicative:   # correlated with nothing, but not independent of a_i, b_j
        w = w + a * b
        var_XF += eta @ (cov_a * cov_b)
    truth = {"bias2": eta @ (m - w_bar) ** 2, "var_F": eta @ cov_a, "var_X": eta @ cov_b,
             "var_XF": var_XF}
    return eta, w - w_bar, truth


@pytest.mark.parametrize("multiplicative", [False, True], ids=["independent", "interaction"])
def test_signal_anova_is_unbiased_and_plug_in_is_not(multiplicative):
    """Block means of the four estimators match the known components; the naive plug-ins
    ‖d̄‖² (biased by Var_F/n_F + Var_X/n_X + Var_XF/(n_F n_X)) and the sample variance of the row
    means (biased by Var_XF/n_X) are rejected by the same z-test, so it has the power to see them."""
    eta, d, truth = _synthetic(multiplicative)
    est = signal_components(d, eta)
    assert_z([(k, truth[k], Estimate.from_samples(est[k])) for k in truth], "components")
    row = d.mean(axis=2)
    naive_bias = Estimate.from_samples(np.einsum("bk,k->b", d.mean(axis=(1, 2)) ** 2, eta))
    naive_var_F = Estimate.from_samples(
        np.einsum("bik,k->b", (row - row.mean(axis=1, keepdims=True)) ** 2, eta) / (NF_SYN - 1))
    thr = z_threshold(2, FAMILYWISE)
    assert not z_test(truth["bias2"], naive_bias, thr).passed
    assert not z_test(truth["var_F"], naive_var_F, thr).passed
    # exact identities, block by block: components add to the mean error and to the ensemble error
    total = sum(est.values())
    np.testing.assert_allclose(total, np.einsum("bijk,k->b", d ** 2, eta) / (NF_SYN * NX_SYN),
                               rtol=1e-10)
    ens = est["bias2"] + est["var_X"] + (est["var_F"] + est["var_XF"]) / NF_SYN
    np.testing.assert_allclose(ens, np.einsum("bjk,k->b", d.mean(axis=1) ** 2, eta) / NX_SYN,
                               rtol=1e-10)


@pytest.mark.parametrize("multiplicative", [False, True], ids=["independent", "interaction"])
def test_noise_anova_is_unbiased(multiplicative):
    """e_ij = b_j + c_ij (+ b_j ⊙ g_i): Var_Xε = tr ΣC_b, Var_XFε = tr ΣC_c (+ Σ η C_b C_g)."""
    rng = np.random.default_rng(7 + multiplicative)
    eta = np.array([1.5, 1.0, 0.3, 0.1])
    sb, sc, sg = np.array([0.9, 0.5, 1.2, 0.3]), np.array([0.4, 0.7, 0.2, 1.0]), 0.8
    b = rng.standard_normal((BLOCKS_SYN, 1, NX_SYN, 4)) * sb
    e = b + rng.standard_normal((BLOCKS_SYN, NF_SYN, NX_SYN, 4)) * sc
    var_XF = eta @ sc ** 2
    if multiplicative:
        e = e + b * sg * rng.standard_normal((BLOCKS_SYN, NF_SYN, 1, 4))
        var_XF += eta @ (sb ** 2 * sg ** 2)
    est = noise_components(e, eta)
    assert_z([("var_X_noise", eta @ sb ** 2, Estimate.from_samples(est["var_X_noise"])),
              ("var_XF_noise", var_XF, Estimate.from_samples(est["var_XF_noise"]))], "noise")
    np.testing.assert_allclose(est["var_X_noise"] + est["var_XF_noise"],
                               np.einsum("bijk,k->b", e ** 2, eta) / (NF_SYN * NX_SYN), rtol=1e-10)


# ------------------------------------------------------------ the decomposition adds up

@pytest.mark.parametrize("P, N", [(45, 30), (30, 45)], ids=["N<P", "N>P"])
def test_components_add_up_to_single_and_ensemble_error(P, N):
    """E_g = Bias² + Var_X + Var_F + Var_XF + Var_Xε + Var_XFε and
    E_g^(n_F) = Bias² + Var_X + Var_Xε + (Var_F + Var_XF + Var_XFε)/n_F, in expectation (the
    signal and noise parts hold block by block; the signal–noise cross terms average to 0)."""
    eta, w = power_law(60)
    n_F = 3
    r = simulate_random_features(eta, w, P, N, 1e-2, noise_variance=0.25, n_blocks=60, n_F=n_F,
                                 n_X=3, entropy=[2024, P, N])
    parts = ("bias2", "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise")
    single = {"E_g": 1.0, **{k: -1.0 for k in parts}}
    ensemble = {"E_g_ensemble": 1.0, "bias2": -1.0, "var_X": -1.0, "var_X_noise": -1.0,
                **{k: -1.0 / n_F for k in ("var_F", "var_XF", "var_XF_noise")}}
    assert_z([("single", 0.0, combo(r, single)), ("ensemble", 0.0, combo(r, ensemble))])
    s = r["samples"]
    np.testing.assert_allclose(s["E_g_clean"], s["bias2"] + s["var_X"] + s["var_F"] + s["var_XF"],
                               rtol=1e-9)
    assert np.all(s["E_g_ensemble"] < s["E_g"])    # convexity: the average predictor is better


def test_ensemble_size_law_across_independent_runs():
    """E_g^(K) = E_g^∞ + (E_g^(1) − E_g^∞)/K: components from a run with n_F = 2 predict the
    measured ensemble error of an independent run with n_F = 5, and vice versa (SEs combined)."""
    eta, w = power_law(60)
    kw = dict(P=45, widths=30, ridge=1e-2, noise_variance=0.25, n_blocks=60, n_X=3)
    runs = {K: simulate_random_features(eta, w, n_F=K, entropy=[99, K], **kw) for K in (2, 5)}

    def predicted(r, K):
        return combo(r, {"bias2": 1, "var_X": 1, "var_X_noise": 1,
                         **{k: 1 / K for k in ("var_F", "var_XF", "var_XF_noise")}})

    checks = []
    for src, dst in ((2, 5), (5, 2)):
        p, m = predicted(runs[src], dst), runs[dst]["E_g_ensemble"]
        checks.append((f"{src}->{dst}", 0.0, Estimate(p.mean - m.mean, np.hypot(p.se, m.se), m.n)))
    assert_z(checks)


# ------------------------------------------------------------ exact limits

@pytest.mark.parametrize("widths", [20, 40, (40, 20)], ids=["N=D", "N=2D", "deep"])
@pytest.mark.parametrize("noise", [0.0, 0.25])
def test_full_rank_projection_is_ordinary_least_squares(widths, noise):
    """λ = 0, P > D and F of rank D: w = OLS on x whatever F, so Var_F = Var_XF = Var_XFε = 0
    to round-off, and without noise w = w̄ exactly (all errors 0)."""
    eta, w = power_law(20)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 20)) * np.sqrt(eta)
    y = X @ w + np.sqrt(noise) * rng.standard_normal(40)
    F = draw_projection(rng, 20, widths)
    np.testing.assert_allclose(random_feature_fit(X, y, F, 0.0), ridge_fit(X, y, 0.0),
                               rtol=1e-8, atol=1e-10)
    out = random_feature_block(rng, eta, w, 40, widths, 0.0, noise, 3, 3)
    # round-off: w − w_OLS = O(cond · 1e-16) relative, so these squares are ~1e-25..1e-20 of the
    # scale; any real dependence on F (or a wrong fit) would make them O(1)
    scale = eta @ w ** 2 + noise
    zero = ("var_F", "var_XF", "var_XF_noise") + (() if noise else
                                                 ("E_g", "E_g_clean", "E_tr", "E_g_ensemble",
                                                  "bias2", "var_X", "var_X_noise"))
    assert all(abs(out[k]) < 1e-12 * scale for k in zero), {k: out[k] for k in zero}
    if noise:
        assert out["var_X_noise"] > 1e-3 * noise and out["E_tr"] > 1e-3 * noise


def test_full_rank_projection_matches_exact_least_squares_errors():
    """Same limit with noise, over blocks: E_g = Var_Xε = σ² D/(P − D − 1), E_tr = σ²(P − D)/P."""
    D, P, noise = 20, 40, 0.25
    eta, w = power_law(D)
    r = simulate_random_features(eta, w, P, D, 0.0, noise_variance=noise, n_blocks=150, n_F=2,
                                 n_X=3, entropy=11)
    assert_z([("E_g", noise * D / (P - D - 1), r["E_g"]),
              ("var_X_noise", noise * D / (P - D - 1), r["var_X_noise"]),
              ("E_tr", noise * (P - D) / P, r["E_tr"])])


@pytest.mark.parametrize("widths, rank", [(15, 15), ((25, 15), 15), ((12, 20), 12)],
                         ids=["N=15", "deep(25,15)", "bottleneck(12,20)"])
def test_isotropic_ridgeless_exact_finite_size(widths, rank):
    """Σ = c I, λ = 0, P > r + 1: every component's exact expectation (module docstring)."""
    D, P, c, noise = 40, 50, 0.5, 0.25
    w = np.random.default_rng(3).standard_normal(D)
    w /= np.linalg.norm(w)
    res = simulate_random_features(np.full(D, c), w, P, widths, 0.0, noise_variance=noise,
                                   n_blocks=300, n_F=3, n_X=3, entropy=[31, rank])
    q, amp = rank / D, rank / (P - rank - 1)
    approx = c * (1 - q)                       # E_F s(F), with ‖w̄‖ = 1
    assert_z([("bias2", c * (1 - q) ** 2, res["bias2"]),
              ("var_F", c * q * (1 - q), res["var_F"]),
              ("var_X+var_XF", approx * amp, combo(res, {"var_X": 1, "var_XF": 1})),
              ("noise", noise * amp, combo(res, {"var_X_noise": 1, "var_XF_noise": 1})),
              ("E_tr", (noise + approx) * (P - rank) / P, res["E_tr"]),
              ("E_g", approx * (1 + amp) + noise * amp, res["E_g"])], str(widths))


def test_anisotropic_ridgeless_exact_relations():
    """Power-law Σ, λ = 0, P > N + 1: the relations that hold for any Σ (module docstring)."""
    D, P, N, noise = 40, 50, 15, 0.25
    eta, w = power_law(D)
    res = simulate_random_features(eta, w, P, N, 0.0, noise_variance=noise, n_blocks=300, n_F=3,
                                   n_X=3, entropy=41)
    amp = N / (P - N - 1)
    assert_z([("var_X+var_XF", 0.0, combo(res, {"var_X": 1, "var_XF": 1,
                                                "bias2": -amp, "var_F": -amp})),
              ("noise", noise * amp, combo(res, {"var_X_noise": 1, "var_XF_noise": 1})),
              ("E_tr", noise * (P - N) / P,
               combo(res, {"E_tr": 1, "bias2": -(P - N) / P, "var_F": -(P - N) / P}))])


# ------------------------------------------------------------ the fit and the projection

def test_projection_variance_convention_is_one_over_D_in_every_layer():
    """E tr(F Fᵀ)/D = Π_ℓ N_ℓ/D; the 1/N_{ℓ−1} convention (here 0.5 instead of 0.75) is rejected."""
    rng = np.random.default_rng(8)
    D, widths = 20, (30, 10)
    traces = Estimate.from_samples([np.sum(draw_projection(rng, D, widths) ** 2) / D
                                    for _ in range(400)])
    thr = z_threshold(2, FAMILYWISE)
    assert z_test(30 * 10 / D ** 2, traces, thr).passed
    assert not z_test(30 / D * 10 / 30, traces, thr).passed
    single = draw_projection(rng, 400, 300)
    assert single.shape == (400, 300)
    assert z_test(1 / 400, Estimate.from_samples(single.ravel() ** 2), z_threshold(1)).passed


@pytest.mark.parametrize("P, N", [(30, 10), (10, 30)], ids=["N<P", "N>P"])
def test_fit_matches_explicit_ridge_formula_and_columns(P, N):
    rng = np.random.default_rng(P)
    D, lam = 15, 0.3
    X = rng.standard_normal((P, D))
    Y = rng.standard_normal((P, 3))
    F = draw_projection(rng, D, N)
    Z = X @ F
    explicit = F @ np.linalg.solve(Z.T @ Z / P + lam * np.eye(N), Z.T @ Y / P)
    fitted = random_feature_fit(X, Y, F, lam)
    assert fitted.shape == (D, 3)
    np.testing.assert_allclose(fitted, explicit, rtol=1e-9, atol=1e-12)
    one = random_feature_fit(X, Y[:, 1], F, lam)
    assert one.shape == (D,)
    np.testing.assert_allclose(one, fitted[:, 1], rtol=1e-10, atol=1e-13)


def test_deep_widths_run_with_right_shapes():
    rng = np.random.default_rng(1)
    eta, w = power_law(30)
    F = draw_projection(rng, 30, (50, 20, 10))
    assert F.shape == (30, 10)
    X = rng.standard_normal((25, 30))
    assert random_feature_fit(X, X @ w, F, 1e-3).shape == (30,)
    out = random_feature_block(rng, eta, w, 25, [50, 20, 10], 1e-3, 0.1, 2, 3)
    assert tuple(out) == STATISTICS and all(isinstance(v, float) and np.isfinite(v)
                                            for v in out.values())
    res = simulate_random_features(eta, w, 25, (50, 10), 1e-3, n_blocks=3, n_F=2, n_X=2)
    assert res["settings"]["widths"] == (50, 10) and res["settings"]["D"] == 30
    assert all(res[k].n == 3 and res["samples"][k].shape == (3,) for k in STATISTICS)


# ------------------------------------------------------------ reproducibility

def test_same_entropy_same_numbers_serial_and_in_processes():
    eta, w = power_law(20)
    kw = dict(eigenvalues=eta, teacher=w, P=15, widths=(12, 8), ridge=1e-2, noise_variance=0.1,
              n_blocks=6, n_F=2, n_X=2)
    a = simulate_random_features(**kw, entropy=123)
    b = simulate_random_features(**kw, entropy=123)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        c = simulate_random_features(**kw, entropy=123, executor=pool)
    d = simulate_random_features(**kw, entropy=124)
    for k in STATISTICS:
        np.testing.assert_array_equal(a["samples"][k], b["samples"][k])
        np.testing.assert_array_equal(a["samples"][k], c["samples"][k])
        assert a[k] == c[k]
    assert not np.array_equal(a["samples"]["E_g"], d["samples"]["E_g"])
    assert a["settings"]["entropy"] == 123


# ------------------------------------------------------------ errors

ETA, W = np.ones(4), np.full(4, 0.5)
GOOD = dict(eigenvalues=ETA, teacher=W, P=6, widths=3, ridge=0.1, noise_variance=0.0, n_F=2, n_X=2)
BAD = [
    ("eigenvalues", []), ("eigenvalues", [[1.0, 2.0]]), ("eigenvalues", [1.0, 0.0, 1.0, 1.0]),
    ("eigenvalues", [1.0, -1.0, 1.0, 1.0]), ("eigenvalues", [1.0, np.nan, 1.0, 1.0]),
    ("eigenvalues", [1.0, np.inf, 1.0, 1.0]), ("eigenvalues", "abc"),
    ("teacher", [1.0, 2.0]), ("teacher", [1.0, np.nan, 0.0, 0.0]), ("teacher", "abcd"),
    ("P", 0), ("P", 2.5), ("P", True), ("P", "6"),
    ("widths", 0), ("widths", ()), ("widths", (3, 0)), ("widths", 2.5), ("widths", [3, 2.0]),
    ("widths", "a"), ("widths", True), ("widths", None),
    ("ridge", -1e-3), ("ridge", np.nan), ("ridge", np.inf), ("ridge", "0.1"), ("ridge", True),
    ("noise_variance", -0.1), ("noise_variance", np.nan), ("noise_variance", None),
    ("n_F", 1), ("n_F", 2.0), ("n_X", 1), ("n_X", 0),
]


@pytest.mark.parametrize("name, value", BAD, ids=[f"{n}={v!r}" for n, v in BAD])
def test_bad_arguments_name_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        random_feature_block(np.random.default_rng(0), **{**GOOD, name: value})
    sim = {k: v for k, v in GOOD.items()}
    with pytest.raises(ValueError, match=name):
        simulate_random_features(**{**sim, name: value, "n_blocks": 2})


@pytest.mark.parametrize("value", [1, 0, 2.0, True])
def test_bad_n_blocks(value):
    with pytest.raises(ValueError, match="n_blocks"):
        simulate_random_features(ETA, W, 6, 3, 0.1, n_blocks=value)


def test_bad_fit_and_projection_arguments():
    rng = np.random.default_rng(0)
    X, F = np.ones((5, 4)), np.ones((4, 3))
    with pytest.raises(ValueError, match="X"):
        random_feature_fit(np.ones(5), np.ones(5), F, 0.1)
    with pytest.raises(ValueError, match="projection"):
        random_feature_fit(X, np.ones(5), np.ones((3, 3)), 0.1)
    with pytest.raises(ValueError, match="y"):
        random_feature_fit(X, np.ones(4), F, 0.1)
    with pytest.raises(ValueError, match="ridge"):
        random_feature_fit(X, np.ones(5), F, -1.0)
    with pytest.raises(ValueError, match="D"):
        draw_projection(rng, 0, 3)
    with pytest.raises(ValueError, match="widths"):
        draw_projection(rng, 4, (3, -1))
    with pytest.raises(ValueError, match="deviations"):
        signal_components(np.ones((1, 3, 4)), ETA)
    with pytest.raises(ValueError, match="noise_weights"):
        noise_components(np.ones((2, 3, 5)), ETA)
