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


# issue 13: the default step of the time-domain route ignored g and the requested times (c = 1e-6, g = 5
# gave a total of 1.04996 against 1.01999, the bias 5.5e4 against 1.76); the label-noise part, a small
# difference of O(1/g) integrals there, was off by a factor 1500.
SMALL = np.arange(1, 6) ** -1.5


@pytest.mark.parametrize("P,g,beta,c,s2", [(8, 5.0, 10.0, 1e-6, 0.3), (5, 5.0, math.inf, 1e-6, 0.0),
                                          (6, 0.3, 3.0, 1e-4, 0.2), (4, 0.0, 2.0, 1e-6, 0.5)])
def test_default_time_step_resolves_weight_decay_and_times(P, g, beta, c, s2):
    times = np.geomspace(1e-2, 10.0, 4)                # three decades, all below and above 1/g
    td = test_error_curve(times, SMALL, P, g, beta, c, 1.0, s2, method="time-domain")
    lap = test_error_curve(times, SMALL, P, g, beta, c, 1.0, s2, method="laplace", dps=20)
    tal = test_error_curve(times, SMALL, P, g, beta, c, 1.0, s2, method="talbot")
    for name in FIELDS + ("mode_mean",):
        la = getattr(lap, name)
        # default step: relative error O((rate·dt)²/12) ≈ 1e-3 at the fastest rate, for each part alone;
        # variance_data = total − bias − Langevin is a difference, accurate relative to the total only
        atol = 1e-3 * lap.total.max() if name == "variance_data" else 1e-300
        np.testing.assert_allclose(getattr(td, name), la, rtol=1e-3, atol=atol, err_msg=name)
        scale = lap.total.max() if name == "variance_data" else np.abs(la).max()
        np.testing.assert_allclose(getattr(tal, name), la, rtol=1e-6, atol=1e-10 * scale, err_msg=name)   # Talbot: 1e-10


def test_given_time_step_must_resolve_the_weight_decay():
    dt = suggested_dt(SMALL, 8, 1e-6)                  # resolves the data rate only
    with pytest.raises(ValueError, match=r"dt=.*does not resolve the fastest mode.*g \+ cPΛ_max.*use dt <="):
        test_error_curve([1.0], SMALL, 8, 5.0, 10.0, 1e-6, dt=dt)
    test_error_curve([1.0], SMALL, 8, 5.0, 10.0, 1e-6, dt=0.09)         # (g + data rate)·dt ≈ 0.45


@pytest.mark.filterwarnings("error")                     # no ComplexWarning: refused, not cut to the real part
@pytest.mark.parametrize("name,value", [
    ("eigenvalues", SMALL + 0j), ("times", np.array([1.0 + 1e-3j])), ("P", 8 + 0j), ("weight_decay", np.complex128(0.1)),
    ("beta", 10 + 1j), ("loss_scale", np.complex64(1.0)), ("teacher_variance", 1 + 0j), ("noise_variance", 0.1j),
    ("times", [np.nan]), ("teacher_variance", np.inf)])
@pytest.mark.parametrize("method", ["talbot", "time-domain"])
def test_complex_or_non_finite_arguments_are_refused_by_name(name, value, method):
    args = {"times": [1.0], "eigenvalues": SMALL, "P": 8, "weight_decay": 0.1, "beta": 10.0, "loss_scale": 0.1,
            "teacher_variance": 1.0, "noise_variance": 0.1}
    args[name] = value
    with pytest.raises(ValueError, match=f"^{name} must"):
        test_error_curve(**args, method=method)
