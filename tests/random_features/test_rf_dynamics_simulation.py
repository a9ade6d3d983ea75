"""The exact per-draw gradient flow of random-feature regression (numerics.rf_dynamics_simulation)."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from numerics.random_feature_simulation import random_feature_fit
from numerics.rf_dynamics_simulation import gradient_flow_fit, loss_curve_block, simulate_loss_curve


def _flow_by_ode(F, y, times):
    """dw/dt = F(y − Fᵀw)/P integrated by an independent Runge–Kutta route."""
    P = F.shape[1]
    rhs = lambda t, w: F @ (y - F.T @ w) / P
    sol = solve_ivp(rhs, (0, times[-1]), np.zeros(F.shape[0]), t_eval=times, rtol=1e-11, atol=1e-13,
                    method="DOP853")
    return sol.y.T


@pytest.mark.parametrize("N, P", [(7, 4), (4, 7), (5, 5)])
def test_closed_form_matches_the_integrated_flow_on_both_sides(N, P):
    rng = np.random.default_rng(N * 10 + P)
    F, y = rng.standard_normal((N, P)), rng.standard_normal(P)
    times = np.array([0.0, 0.3, 2.0, 9.0])
    w, residual = gradient_flow_fit(F, y[:, None], times)
    ode = _flow_by_ode(F, y, times)
    assert np.max(np.abs(w[0] - ode)) < 1e-8
    assert np.max(np.abs(residual[0] - (y[None, :] - ode @ F))) < 1e-8


def test_long_times_reach_the_minimum_norm_random_feature_fit():
    """t → ∞ of gradient flow from 0 is the min-norm least-squares fit, computed by the static
    random-feature code (another normalisation of the features: the fit does not depend on it)."""
    rng = np.random.default_rng(3)
    M, N, P = 30, 12, 9
    lam = np.arange(1, M + 1) ** -1.0
    A, Psi = rng.standard_normal((N, M)), rng.standard_normal((P, M)) * np.sqrt(lam)
    y = Psi @ rng.standard_normal(M)
    w, _ = gradient_flow_fit(A @ Psi.T / math.sqrt(N), y[:, None], [1e9])
    beta = A.T @ w[0, 0] / math.sqrt(N)
    static = random_feature_fit(Psi, y, A.T / math.sqrt(M), 0.0)
    assert np.max(np.abs(beta - static)) < 1e-7 * np.max(np.abs(static))


def test_noiseless_block_splits_the_test_loss_exactly():
    out = loss_curve_block(np.random.default_rng(1), np.arange(1, 21) ** -1.5, np.ones(20), 8, 10,
                           [0.0, 1.0, 30.0], n_A=3, n_X=2)
    parts = sum(out[k] for k in ("bias2", "var_X", "var_A", "var_XA", "var_X_noise", "var_XA_noise"))
    assert np.allclose(out["test"], parts, rtol=1e-12, atol=0)
    assert out["mode_deviation"].shape == (20, 3)
    assert np.allclose(out["mode_deviation"][:, 0], -1.0)                # β(0) = 0


def test_results_do_not_depend_on_the_executor():
    from concurrent.futures import ThreadPoolExecutor
    args = ([0.5, 4.0], np.ones(10), np.linspace(1, 2, 10), 5, 6)
    serial = simulate_loss_curve(*args, noise_variance=0.1, n_blocks=4, entropy=9)
    with ThreadPoolExecutor(2) as ex:
        pooled = simulate_loss_curve(*args, noise_variance=0.1, n_blocks=4, entropy=9, executor=ex)
    assert all(np.array_equal(serial[k].mean, pooled[k].mean) for k in serial if k != "settings")


@pytest.mark.parametrize("kwargs, word", [
    (dict(times=[1.0, 0.5]), "times"), (dict(eigenvalues=[1.0, -1.0]), "eigenvalues"),
    (dict(teacher=[1.0]), "teacher"), (dict(N=0), "N"), (dict(noise_variance=-1.0), "noise_variance"),
    (dict(n_blocks=1), "n_blocks"), (dict(teacher=[np.nan, 1.0]), "teacher")])
def test_bad_arguments_are_refused_by_name(kwargs, word):
    args = dict(times=[1.0], eigenvalues=[1.0, 0.5], teacher=[1.0, 1.0], N=3, P=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        simulate_loss_curve(**args)
