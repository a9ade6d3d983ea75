"""Gauss rules standing for large and infinite spectra (numerics.spectral_quadrature): every rule against
the sum it replaces, at κ on and off the real axis, and the infinite power law against its head summed mode
by mode plus the tail integral at 30 digits."""
import math

import mpmath
import numpy as np
import pytest

from numerics.spectral_quadrature import (EXACT_MODES, ORDER, SMALL, _chebyshev_gauss, _lanczos_gauss, discrete_gauss,
                                          power_law_rule, spectral_rule)

KAPPAS = [1e-7, 1e-3, 0.3, 1 + 1j, -0.5 + 3j, 1e-4 * (2 + 5j)]


def test_discrete_gauss_is_exact_on_polynomials_of_degree_2n_minus_1():
    rng = np.random.default_rng(1)
    x, v = rng.uniform(1, 2, 500), rng.uniform(0, 1, 500)
    nodes, weights = discrete_gauss(x, v, 6)
    for p in range(12):
        assert np.sum(weights * nodes ** p) == pytest.approx(np.sum(v * x ** p), rel=1e-12)
    assert np.all(weights > 0) and np.all((nodes >= 1) & (nodes <= 2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chebyshev_moments_and_lanczos_give_the_same_rules(seed):
    """Two routes to each bin's Gauss rule: the modified Chebyshev algorithm (all bins at once) and Lanczos."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(300, 5000, size=4)
    eta = np.sort(np.concatenate([rng.uniform(1, 1.5, n) * 1.5 ** j for j, n in enumerate(sizes)]))
    V = np.stack([np.ones(eta.size), rng.standard_normal(eta.size) ** 2 * eta ** rng.uniform(-2, 2)])
    edges = np.r_[0, np.cumsum(sizes)]
    nodes, weights, ok = _chebyshev_gauss(eta, V, edges, ORDER)
    assert np.all(ok)
    for j, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        ref_nodes, ref_weights = _lanczos_gauss(eta[lo:hi], V[:, lo:hi], ORDER)
        # nodes to a few ulps; weights, squared eigenvector components, to ~ε·ORDER² (measured ≤ 2e-14)
        np.testing.assert_allclose(nodes[:, j], ref_nodes, rtol=1e-14)
        np.testing.assert_allclose(weights[:, j], ref_weights, rtol=ORDER ** 2 * 1e-15)


def test_repeated_eigenvalues_become_one_point_each():
    eta = np.r_[np.full(6000, 1.0), np.full(6000, 1.2), np.arange(1, 6001) ** -1.0]
    w = np.random.default_rng(3).standard_normal(eta.size)
    rule = spectral_rule(eta, w)
    assert rule.modes == eta.size and not rule.exact
    for kappa in KAPPAS:
        df, tf = np.sum(eta / (eta + kappa)), np.sum(eta * w * w / (eta + kappa))
        assert abs(rule.count_sum(lambda e: e / (e + kappa)) - df) <= 1e-13 * abs(df)
        assert abs(rule.teacher_sum(lambda e: 1 / (e + kappa)) - tf) <= 1e-13 * abs(tf)


def test_small_spectra_are_kept_mode_by_mode():
    eta = np.arange(1, SMALL + 1, dtype=float) ** -1.2
    rule = spectral_rule(eta, np.ones_like(eta))
    assert rule.exact and np.array_equal(rule.count_nodes, eta) and np.all(rule.count_weights == 1)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_compressed_rule_matches_the_mode_sums(kappa):
    rng = np.random.default_rng(2)
    k = np.arange(1, 200_001, dtype=float)
    eta, w = k ** -1.3, rng.standard_normal(k.size) * k ** -0.4      # a rough teacher: its own Gauss rule
    rule = spectral_rule(eta, w)
    assert not rule.exact and rule.count_nodes.size < 1000
    df = np.sum(eta / (eta + kappa))
    tf = np.sum(eta * w * w / (eta + kappa))
    assert abs(rule.count_sum(lambda e: e / (e + kappa)) - df) <= 1e-13 * abs(df)
    assert abs(rule.teacher_sum(lambda e: 1 / (e + kappa)) - tf) <= 1e-13 * abs(tf)


def _reference(power, b, kappa, K=1 << 21):
    """Σ_k k^(−power)/(k^(−b) + κ): the first K terms in float64, the rest ∫_{K+½}^∞ at 30 digits."""
    k = np.arange(1, K + 1, dtype=float)
    head = np.sum((k ** -power / (k ** -b + kappa))[::-1])
    with mpmath.workdps(30):
        x0, kp = mpmath.mpf(K) + 0.5, mpmath.mpc(kappa)
        tail = mpmath.quad(lambda x: x ** -power / (x ** -b + kp), [x0, 10 * x0, 1e4 * x0, 1e9 * x0, mpmath.inf])
    return head + complex(tail)


@pytest.mark.parametrize("kappa", [1e-12, 1e-8, 1e-3, 1 + 1j, -3e-3 + 1e-3j])
def test_infinite_power_law_rule_matches_the_series(kappa):
    a, b = 2.2, 1.5
    rule = power_law_rule(a, b)
    assert rule.modes == math.inf and rule.count_nodes.size < 2000
    df, tf = _reference(b, b, kappa), _reference(a, b, kappa)
    assert abs(rule.count_sum(lambda e: e / (e + kappa)) - df) <= 1e-12 * abs(df)
    assert abs(rule.teacher_sum(lambda e: 1 / (e + kappa)) - tf) <= 1e-12 * abs(tf)
    assert rule.trace == pytest.approx(float(mpmath.zeta(b)), rel=1e-12)


def test_finite_power_law_rule_is_its_modes_compressed():
    rule = power_law_rule(2.0, 1.5, modes=EXACT_MODES // 8)
    k = np.arange(1, EXACT_MODES // 8 + 1, dtype=float)
    assert rule.modes == k.size and rule.trace == pytest.approx(np.sum(k ** -1.5), rel=1e-14)


@pytest.mark.parametrize("kwargs, match", [({"a": 1.0, "b": 2.0}, "a and b must be > 1"),
                                           ({"a": 2.0, "b": 0.5}, "a and b must be > 1"),
                                           ({"a": 2.0, "b": 1.5, "modes": 10.5}, "modes must be a whole number"),
                                           ({"a": -1.0, "b": 1.5}, "a must be")])
def test_power_law_rule_refuses_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        power_law_rule(**kwargs)


def test_spectral_rule_refuses_bad_input():
    with pytest.raises(ValueError, match="eigenvalues"):
        spectral_rule([1.0, -1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="teacher_coefficients"):
        spectral_rule([1.0, 0.5], [1.0])
