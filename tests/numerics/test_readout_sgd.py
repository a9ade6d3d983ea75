"""Tests of numerics.readout_sgd: moments against Monte Carlo, the ODE solution against a direct
integration and its plateau, the exact mean recursion against SGD, and input errors.

Statistical checks are z-tests at familywise level 1e-3 (Bonferroni over the z-tests of the test);
all seeds are fixed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.special import erf

import numerics.readout_sgd as rs
from numerics.simulation import Estimate, z_test, z_threshold


def I2(a, c, d):
    return 2 / np.pi * np.arcsin(c / np.sqrt((1 + a) * (1 + d)))


def g(x):
    return erf(x / np.sqrt(2))


def _weights(N=32, K=48, M=2, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((K, N))
    W *= math.sqrt(N) / np.linalg.norm(W, axis=1, keepdims=True)
    return W, rng.standard_normal((M, N))


def test_moments_against_monte_carlo():
    W, B = _weights(N=16, K=4)
    C, b, T0 = rs.population_moments(W, B, I2)
    rng = np.random.default_rng(1)
    xi = rng.standard_normal((200_000, 16))
    phi, zeta = g(xi @ W.T / 4), g(xi @ B.T / 4).sum(axis=1)
    samples = np.concatenate([(phi[:, :, None] * phi[:, None, :]).reshape(len(xi), -1),
                              phi * zeta[:, None], zeta[:, None] ** 2], axis=1)
    theory = np.concatenate([C.ravel(), b, [T0]])
    assert z_test(theory, Estimate.from_samples(samples), z_threshold(len(theory))).passed


def test_optimum_and_error():
    W, B = _weights()
    C, b, T0 = rs.population_moments(W, B, I2)
    v = rs.optimal_readout(C, b)
    e = rs.asymptotic_error(C, b, T0)
    assert rs.readout_error(v, C, b, T0) == pytest.approx(e, rel=1e-12)
    dv = np.random.default_rng(2).standard_normal(len(b)) * 1e-3
    assert rs.readout_error(v + dv, C, b, T0) - e == pytest.approx(0.5 * dv @ C @ dv, rel=1e-6)


def test_curve_against_direct_integration_and_plateau():
    W, B = _weights()
    C, b, T0 = rs.population_moments(W, B, I2)
    N, eta, noise = W.shape[1], 0.7, 0.05
    c, U = np.linalg.eigh(C)
    e0 = U.T @ (-rs.optimal_readout(C, b))
    eps_inf = rs.asymptotic_error(C, b, T0)

    def rhs(_, e):
        return -2 * eta * c * e + eta**2 / N * c**2 * (eps_inf + e.sum() + noise / 2)
    alphas = np.array([0.0, 1.0, 5.0, 30.0])
    sol = solve_ivp(rhs, (0, 30), c * e0**2 / 2, t_eval=alphas, rtol=1e-11, atol=1e-14, method="LSODA")
    curve, mean_part = rs.readout_error_curve(alphas, np.zeros(len(b)), C, b, T0, eta, N, noise)
    np.testing.assert_allclose(curve, eps_inf + sol.y.sum(axis=0), rtol=1e-7)
    assert np.all(mean_part <= curve + 1e-15)
    assert mean_part[0] == pytest.approx(T0 / 2, rel=1e-12)       # v(0) = 0
    far, _ = rs.readout_error_curve([1e6], np.zeros(len(b)), C, b, T0, eta, N, noise)
    assert far[0] == pytest.approx(rs.plateau_error(C, b, T0, eta, N, noise), rel=1e-12)


def test_mean_readout_matches_sgd():
    """⟨v⟩ after t steps is exactly v* + (I − ηC/N)^t (v0 − v*); its projection on the top mode of C
    is compared with the SGD seed mean."""
    W, B = _weights(N=32, K=32)
    C, b, T0 = rs.population_moments(W, B, I2)
    N, eta, t = 32, 1.0, 64
    v0 = np.zeros(len(b))
    V = rs.simulate_readout_sgd(np.random.default_rng(3), W, B, v0, g, eta, np.array([t]), 400)[0]
    vstar = rs.optimal_readout(C, b)
    exact = vstar + np.linalg.matrix_power(np.eye(len(b)) - eta * C / N, t) @ (v0 - vstar)
    u = np.linalg.eigh(C)[1][:, -1]
    assert z_test(exact @ u, Estimate.from_samples(V @ u), z_threshold(1)).passed
    # the continuum mean curve differs from the discrete one by O(1/N)
    cont = rs.mean_readout_curve([t / N], v0, C, b, eta)[0]
    assert np.max(np.abs(cont - exact)) < 5 * eta**2 * np.linalg.eigvalsh(C).max()**2 * (t / N) / N * np.abs(vstar).max() + 1e-12


def test_simulation_is_reproducible_and_chunk_independent():
    W, B = _weights(N=16, K=8)
    a = rs.simulate_readout_sgd(np.random.default_rng(4), W, B, np.zeros(8), g, 0.5, np.array([3, 10]), 5, chunk=64)
    b = rs.simulate_readout_sgd(np.random.default_rng(4), W, B, np.zeros(8), g, 0.5, np.array([3, 10]), 5, chunk=64)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 5, 8)


@pytest.mark.parametrize("kwargs, word", [
    (dict(eta=0.0), "eta"), (dict(eta=100.0), "stability"), (dict(noise_variance=-1.0), "noise_variance")])
def test_bad_input(kwargs, word):
    W, B = _weights()
    C, b, T0 = rs.population_moments(W, B, I2)
    args = dict(eta=0.5, noise_variance=0.0) | kwargs
    with pytest.raises(ValueError, match=word):
        rs.plateau_error(C, b, T0, args["eta"], W.shape[1], args["noise_variance"])
    with pytest.raises(ValueError, match="positive definite"):
        rs.optimal_readout(np.zeros((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="steps"):
        rs.simulate_readout_sgd(np.random.default_rng(0), W, B, np.zeros(len(b)), g, 0.5, np.array([5, 3]), 2)
