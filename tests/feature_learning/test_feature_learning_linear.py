"""feature-learning-linear: the steps' results, the two numeric routes, the refusals, and networks trained by
gradient descent against the exact flow at their width."""
import math

import numpy as np
import pytest
import sympy as sp

import derivations.feature_learning.linear_steps as ls
from derivations.feature_learning import (build_linear, final_kernel, flow_prediction, lazy_prediction, prediction,
                                          tangent_kernel)
from derivations.feature_learning.linear_theory import perturbative_prediction
from numerics.two_layer_linear_simulation import train_two_layer_linear


@pytest.fixture(scope="module")
def d():
    return ls.derivation()


def test_the_flows_and_the_kernel_come_out_of_the_gradients(d):
    t, f, K, G, Phi1, M = ls.t, ls.f(ls.t), ls.K(ls.t), ls.G(ls.t), ls.Phi1(ls.t), ls.M(ls.t)
    assert d["readout-flow"].rhs == ls.Delta * ls.gamma0 * ls.h_t(t)
    assert d["hidden-flow"][1].rhs == ls.Delta * ls.Phi0 * ls.gamma0 * ls.w_t(t)
    assert d["prediction-flow"].rhs == ls.Delta * K
    assert sp.simplify(d["kernel-flow"].rhs - 4 * ls.Delta * ls.Phi0 * ls.gamma0 ** 2 * f) == 0
    assert d["prediction-overlap"].rhs == M / ls.gamma0
    assert {e.lhs for e in d["order-parameter-flow"]} == {sp.Derivative(x, t) for x in (Phi1, G, M)}


def test_infinite_width_flow_final_kernel_and_lazy_limit(d):
    t, f, y, g, P = ls.t, ls.f(ls.t), ls.y, ls.gamma0, ls.Phi0
    assert sp.simplify(d["infinite-width-flow"].rhs - 2 * sp.sqrt(P) * sp.sqrt(P + g ** 2 * f ** 2) * (y - f)) == 0
    assert sp.simplify(d["final-kernel"].rhs - 2 * sp.sqrt(P) * sp.sqrt(P + g ** 2 * y ** 2)) == 0
    assert sp.simplify(d["lazy-limit"].rhs - y * (1 - sp.exp(-2 * P * t))) == 0


def test_the_closed_form_solves_the_flow_and_starts_at_zero(d):
    sol = d["explicit-solution"].rhs.subs({part.lhs: part.rhs for part in d["v-solution"][:2]})
    flow = d["infinite-width-flow"].rhs.subs(ls.f(ls.t), sol)
    values = {ls.y: sp.Rational(3, 2), ls.gamma0: sp.Rational(7, 5), ls.Phi0: sp.Rational(4, 5)}
    for time in (sp.Rational(1, 3), 2):
        point = {**values, ls.t: time}
        assert abs(sp.N((sp.diff(sol, ls.t) - flow).subs(point), 30)) < 1e-25
    assert abs(sp.N(sol.subs({**values, ls.t: 0}), 30)) < 1e-28


def test_routes_agree_and_the_kernel_rises_to_its_final_value():
    t = np.linspace(0, 6, 25)
    for y, g, phi0 in ((1.0, 2.0, 1.0), (-0.7, 0.5, 1.6)):
        np.testing.assert_allclose(prediction(t, y, g, phi0), flow_prediction(t, y, g, phi0), rtol=0, atol=1e-10)
        K = tangent_kernel(t, y, g, phi0)
        assert K[0] == pytest.approx(2 * phi0) and np.all(np.diff(K) >= -1e-12)
        assert K[-1] == pytest.approx(final_kernel(y, g, phi0), rel=1e-8)


def test_the_mpmath_route_reaches_its_digits_at_tiny_feature_learning():
    import mpmath
    values = prediction([1.0], 1.0, 1e-10, 1.0, dps=40)
    with mpmath.workdps(40):
        lazy = 1 - mpmath.exp(-2)
        assert abs(values[0] - lazy) < mpmath.mpf(10) ** -19       # the O(γ₀²) = 1e-20 correction only


def test_perturbation_theory_is_second_order_and_departs_at_large_strength():
    t = np.linspace(0.05, 4, 40)
    gap = lambda g: np.max(np.abs(prediction(t, 1.0, g) - perturbative_prediction(t, 1.0, g)))
    assert math.log2(gap(0.02) / gap(0.01)) == pytest.approx(4, abs=0.05)
    assert gap(2.0) > 100 * gap(0.5)
    np.testing.assert_allclose(lazy_prediction(t, 1.0), prediction(t, 1.0, 1e-6), atol=1e-9)


@pytest.mark.parametrize("kwargs, name", [({"gamma0": 0.0}, "gamma0"), ({"gamma0": -1.0}, "gamma0"),
                                          ({"y": float("nan")}, "y"), ({"times": [-1.0]}, "times"),
                                          ({"input_kernel": 0.0}, "input_kernel")])
def test_bad_input_is_refused_by_name(kwargs, name):
    args = {"times": [1.0], "y": 1.0, "gamma0": 1.0, "input_kernel": 1.0, **kwargs}
    with pytest.raises(ValueError, match=name):
        prediction(**args)


def test_a_trained_network_follows_its_own_flow_to_first_order_in_dt():
    gaps = []
    for dt in (0.02, 0.01):
        run = train_two_layer_linear(np.array([1.0, -1.0, 2.0]), 0.8, width=32, gamma0=1.2, dt=dt,
                                     steps=int(round(1.5 / dt)), seeds=4, seed=5, record_every=int(round(0.5 / dt)))
        exact = np.stack([flow_prediction(run.times, 0.8, 1.2, run.input_kernel,
                                          start=(run.kernel[0, s], run.prediction[0, s])) for s in range(4)], 1)
        gaps.append(np.max(np.abs(run.prediction - exact)))
    assert gaps[0] / gaps[1] == pytest.approx(2, rel=0.1)


def test_the_simulation_refuses_bad_sizes():
    with pytest.raises(ValueError, match="width"):
        train_two_layer_linear(np.ones(3), 1.0, width=0, gamma0=1.0, dt=0.1, steps=1, seeds=1)
    with pytest.raises(ValueError, match="x"):
        train_two_layer_linear(np.zeros(3), 1.0, width=4, gamma0=1.0, dt=0.1, steps=1, seeds=1)


def test_the_entry_verifies_quickly():
    report = build_linear().verify(quick=True)
    assert report.passed, [c.name for c in report.checks if not c.passed]
