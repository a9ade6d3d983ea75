"""``derivations.dmft.test_error_curve``: routes agree, limits, split, bad input.

The theory API alone (no catalogue build needed): the time-domain, mpmath-Laplace and float64
Talbot routes against each other with tolerances from their own error estimates; t = 0 and
t → ∞ against closed forms and ridge regression; β enters only through (1/β)∫_0^{2t}S.
"""
import math

import numpy as np
import pytest

from derivations.dmft import test_error_curve
from derivations.ridge import learning_curve as ridge_curve
from numerics.dmft_volterra import suggested_dt

LAM = np.arange(1, 41) ** -1.5
FIELDS = ("total", "bias", "variance_data", "variance_langevin", "clean", "label_noise")


def test_initial_values():
    c = test_error_curve([0.0, 0.1], LAM, 30, 0.2, 20.0, 0.05, 2.0, 0.3)
    assert c.total[0] == pytest.approx(2.0 * LAM.sum(), rel=1e-12)
    assert c.bias[0] == pytest.approx(2.0 * LAM.sum(), rel=1e-12)
    assert abs(c.variance_langevin[0]) < 1e-15 and abs(c.label_noise[0]) < 1e-15
    np.testing.assert_allclose(c.mode_mean[:, 0], 1.0)


@pytest.mark.parametrize("P,g,beta,c,s2", [(30, 0.2, 20.0, 1 / 30, 0.3), (60, 0.0, math.inf, 1 / 60, 0.5),
                                          (20, 0.0, 5.0, 0.05, 0.0)])
def test_three_routes_agree(P, g, beta, c, s2):
    times = np.array([0.3, 2.0, 9.0])
    dt = suggested_dt(LAM, P, c) / 4
    coarse = test_error_curve(times, LAM, P, g, beta, c, 1.0, s2, dt=dt)
    fine = test_error_curve(times, LAM, P, g, beta, c, 1.0, s2, dt=dt / 2)
    lap = test_error_curve(times, LAM, P, g, beta, c, 1.0, s2, method="laplace", dps=25)
    tal = test_error_curve(times, LAM, P, g, beta, c, 1.0, s2, method="talbot")
    for name in FIELDS:
        f, co, la, ta = (getattr(x, name) for x in (fine, coarse, lap, tal))
        richardson = np.abs(f - co) / 3
        assert np.all(np.abs(f - la) <= 3 * richardson + 1e-13 * np.abs(la).max()), name
        assert np.all(np.abs(ta - la) <= 1e-9 * np.abs(la).max()), name       # Talbot float64 accuracy
    np.testing.assert_allclose(tal.mode_mean, lap.mode_mean, atol=1e-9)


def test_beta_enters_only_through_the_langevin_term():
    times = np.array([0.5, 3.0])
    base = test_error_curve(times, LAM, 30, 0.1, math.inf, 1 / 30, method="talbot")
    hot = test_error_curve(times, LAM, 30, 0.1, 4.0, 1 / 30, method="talbot")
    np.testing.assert_allclose(hot.total - hot.variance_langevin, base.total, rtol=1e-10)
    np.testing.assert_allclose(hot.bias, base.bias, rtol=1e-10)
    assert np.all(base.variance_langevin == 0)


@pytest.mark.parametrize("P,g,beta,c,s2", [(30, 0.5, 20.0, 1.0, 0.3), (60, 2.0, 10.0, 1 / 60, 0.5)])
def test_stationary_limit_is_ridge_plus_posterior(P, g, beta, c, s2):
    r = ridge_curve(LAM, np.ones_like(LAM), P, g / (c * P), noise_variance=s2)
    df = float(np.sum(LAM / (LAM + float(r.kappa))))
    expected = float(r.E_g) + df / (c * beta * (P - df))
    t_long = 60.0 / g                                              # e^{−gt}: the slowest relaxation
    got = test_error_curve([t_long], LAM, P, g, beta, c, 1.0, s2, method="laplace", dps=20).total[0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_replication_invariance():
    times = np.array([0.2, 1.0])
    a = test_error_curve(times, LAM, 30, 0.3, 10.0, 1 / 30, 1.0, 0.2, method="talbot")
    b = test_error_curve(times, np.repeat(LAM, 2), 60, 0.3, 20.0, 1 / 60, 0.5, 0.2, method="talbot")
    for name in FIELDS:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kwargs,match", [
    ({"weight_decay": -0.1}, "weight_decay"), ({"beta": 0.0}, "beta"), ({"beta": -1.0}, "beta"),
    ({"eigenvalues": [1.0, 0.0]}, "eigenvalues"), ({"eigenvalues": [1.0, -2.0]}, "eigenvalues"),
    ({"P": 0}, "P"), ({"loss_scale": 0.0}, "loss_scale"), ({"noise_variance": -1.0}, "noise_variance"),
    ({"times": [-1.0]}, "times"), ({"method": "euler"}, "method")])
def test_bad_input(kwargs, match):
    args = {"times": [1.0], "eigenvalues": LAM, "P": 30, "weight_decay": 0.1, "beta": 10.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        test_error_curve(**args)


def test_unresolved_time_step_says_so_and_suggests_one():
    with pytest.raises(ValueError, match=r"does not resolve the fastest mode.*use dt <="):
        test_error_curve([1.0], LAM, 30, 0.1, 10.0, 1.0, dt=0.1)


def test_too_long_horizon_for_the_default_grid_points_to_the_laplace_route():
    with pytest.raises(ValueError, match="laplace"):
        test_error_curve([1e4], LAM, 100, 0.1, 10.0, 1.0, method="time-domain")


def test_auto_route_handles_long_horizons():
    auto = test_error_curve([1e-3, 1e4], LAM, 100, 0.1, 10.0, 1.0)
    ref = test_error_curve([1e-3, 1e4], LAM, 100, 0.1, 10.0, 1.0, method="laplace", dps=20)
    np.testing.assert_allclose(auto.total, ref.total, rtol=1e-9)
