"""feature-learning-dmft: the Monte-Carlo and deep-linear solvers of the self-consistent DMFT, their two routes,
their refusals, the static limit, and the network simulator they are checked against."""
import numpy as np
import pytest
import sympy as sp
from scipy.special import erf

from derivations.feature_learning import (DMFTCurve, deep_linear_curve, dmft_curve, kernel_flow, static_curve,
                                          static_ntk)
from derivations.feature_learning import dmft_steps as ds
from derivations.feature_learning import dmft_theory as th
from derivations.feature_learning.deep_linear_theory import deep_linear_grid
from derivations.feature_learning.deep_theory import deep_grid
from derivations.feature_learning.linear_checks import step_order_results
from numerics.mean_field_network_simulation import train_mean_field_network


def _task(seed=7, P=4, D=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((P, D)), rng.standard_normal(P)


@pytest.mark.parametrize("name, expected, slope", [
    ("linear", lambda h: h, lambda h: np.ones_like(h)),
    ("tanh", np.tanh, lambda h: 1 / np.cosh(h) ** 2),
    ("erf", erf, lambda h: 2 / np.sqrt(np.pi) * np.exp(-h ** 2)),
    ("relu", lambda h: np.maximum(h, 0), lambda h: (h > 0).astype(float)),
])
def test_activations_are_compiled_from_their_statements(name, expected, slope):
    h = np.array([[-1.3, -0.2], [0.4, 2.5]])
    phi, dphi = th.activation_pair(name)
    np.testing.assert_allclose(phi(h), expected(h), rtol=1e-14)
    np.testing.assert_allclose(dphi(h), slope(h), rtol=1e-14)
    assert phi(h).shape == dphi(h).shape == h.shape


def test_the_backward_field_is_the_slope_times_the_readout():
    d = ds.derivation()
    last = d["backward-fields"][0]
    assert last.rhs == sp.Derivative(ds.phi(ds.h[ds.L, ds.i, ds.mu]), ds.h[ds.L, ds.i, ds.mu]) * ds.w[ds.i]


def test_the_static_limit_keeps_every_kernel():
    d = ds.derivation()
    (H, G) = d["static-limit"]
    assert H.rhs == ds.Phi_in and G.rhs == ds.G_out


def test_sweep_and_alternating_give_one_answer_with_the_same_samples():
    X, y = _task()
    gram = X @ X.T / X.shape[1]
    u, r = th.draw(gram, 4, 500, 2)
    act = th.activation_pair("erf")
    f, K = th.sweep(gram, y, 2.0, 0.05, 40, u, r, act)
    f2, K2, conv = th.alternating(gram, y, 2.0, 0.05, 40, u, r, act, damping=0.7, tol=1e-12, max_iterations=300)
    assert conv.converged and conv.iterations > 1
    np.testing.assert_allclose(f2, f, atol=1e-10)
    np.testing.assert_allclose(K2, K, atol=1e-10)


def test_the_alternating_procedure_says_when_it_has_not_converged():
    X, y = _task()
    gram = X @ X.T / X.shape[1]
    u, r = th.draw(gram, 2, 100, 0)
    with pytest.raises(RuntimeError, match="did not converge"):
        th.alternating(gram, y, 2.0, 0.05, 40, u, r, th.activation_pair("tanh"), damping=1.0, tol=1e-12,
                       max_iterations=2)


def test_a_curve_is_reproducible_from_its_seed_and_its_error_bars_are_honest():
    X, y = _task()
    t = [0.0, 1.0, 2.0]
    a = dmft_curve(X, y, t, 1.0, samples=800, seed=4)
    b = dmft_curve(X, y, t, 1.0, samples=800, seed=4)
    c = dmft_curve(X, y, t, 1.0, samples=800, seed=5)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert not np.array_equal(a.predictions, c.predictions)
    assert np.all(a.predictions_error[1:] > 0)
    z = (a.predictions - c.predictions)[1:] / np.hypot(a.predictions_error, c.predictions_error)[1:]
    assert np.max(np.abs(z)) < 5
    assert a.predictions[0].tolist() == [0.0] * 4 and a.loss[0] == pytest.approx(0.5 * np.mean(y ** 2))
    assert isinstance(a, DMFTCurve) and "converged=True" in repr(a) and len(repr(a)) < 200


def test_the_deep_linear_solver_is_the_kernel_system_at_one_hidden_layer():
    X, y = _task()
    t = np.linspace(0, 2, 5)
    curve = deep_linear_curve(X, y, t, 0.8, step=0.025)
    assert curve.convergence.converged and curve.convergence.method == "exact"
    np.testing.assert_allclose(curve.predictions, kernel_flow(t, X, y, 0.8).prediction, atol=1e-4)
    np.testing.assert_allclose(curve.ntk, kernel_flow(t, X, y, 0.8).ntk, atol=1e-4)
    assert np.all(curve.predictions_error == 0)


def test_the_deep_linear_solver_says_when_it_has_not_converged():
    X, y = _task()
    with pytest.raises(RuntimeError, match="did not converge"):
        deep_linear_grid(X, y, 1.5, 0.05, 40, 2, max_iterations=3)


def test_the_monte_carlo_solver_with_the_identity_agrees_with_the_deep_linear_solver():
    X, y = _task()
    t = [0.0, 1.0, 2.0]
    mc = dmft_curve(X, y, t, 1.2, activation="linear", method="sweep", samples=16000, seed=3)
    exact = dmft_curve(X, y, t, 1.2, activation="linear")
    z = (mc.predictions - exact.predictions)[1:] / mc.predictions_error[1:]
    assert np.max(np.abs(z)) < 4.5


def test_the_lazy_limit_is_the_static_kernel():
    X, y = _task()
    np.testing.assert_allclose(static_ntk(X, "linear", depth=3), 4 * X @ X.T / 6)
    t = np.linspace(0, 3, 4)
    exact = deep_linear_curve(X, y, t, 1e-5, depth=3)
    np.testing.assert_allclose(exact.predictions, static_curve(X, y, t, static_ntk(X, "linear", depth=3), step=0.05),
                               atol=1e-8)
    gram = X @ X.T / 6
    u, r = th.draw(gram, 16, 10000, 1)
    _, K = th.sweep(gram, y, 1.0, 0.1, 0, u, r, th.activation_pair("tanh"))
    sampled = K[0].mean(0)
    se = K[0].std(0, ddof=1) / 4
    assert np.max(np.abs(sampled - static_ntk(X, "tanh")) / se) < 4.5


def test_gradient_independence_is_exact_for_one_hidden_layer_to_the_order_of_the_step():
    X, y = _task()
    t = np.linspace(0, 2, 3)
    full = deep_linear_curve(X, y, t, 1.5, depth=1)
    gia = deep_linear_curve(X, y, t, 1.5, depth=1, responses=False)
    assert np.max(np.abs(full.predictions - gia.predictions)) < 0.1 * full.convergence.discretisation
    deep = deep_linear_curve(X, y, t, 1.5, depth=2)
    deep_gia = deep_linear_curve(X, y, t, 1.5, depth=2, responses=False)
    assert np.max(np.abs(deep.predictions - deep_gia.predictions)) > 0.05          # the responses matter


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.ones((4, 3, 1))), "X must"),
    (dict(y=np.ones(3)), "y must"),
    (dict(gamma0=0.0), "gamma0"),
    (dict(gamma0=-1.0), "gamma0"),
    (dict(X=np.full((4, 6), np.nan)), "X"),
    (dict(activation="sigmoid"), "activation"),
    (dict(times=[1.0, 0.5]), "times"),
    (dict(times=[-1.0, 0.5]), "times"),
    (dict(method="euler"), "method"),
    (dict(replicas=1), "replicas"),
    (dict(samples=10, replicas=8), "samples"),
    (dict(damping=1.5), "damping"),
    (dict(depth=0), "depth"),
    (dict(method="exact"), "exact"),
])
def test_bad_input_is_refused_by_name(kwargs, match):
    X, y = _task()
    args = dict(X=X, y=y, times=[0.0, 1.0], gamma0=1.0)
    args.update(kwargs)
    args.setdefault("samples", 64)
    X_, y_, t_, g_ = (args.pop(k) for k in ("X", "y", "times", "gamma0"))
    with pytest.raises(ValueError, match=match):
        dmft_curve(X_, y_, t_, g_, **args)


def test_deep_relu_is_refused_not_faked():
    X, y = _task()
    with pytest.raises(ValueError, match="relu"):
        dmft_curve(X, y, [0.0, 1.0], 1.0, depth=2, activation="relu", samples=64, replicas=2)
    with pytest.raises(ValueError, match="method must be 'alternating'"):
        dmft_curve(X, y, [0.0, 1.0], 1.0, depth=2, activation="tanh", method="sweep", samples=64, replicas=2)


def test_the_alternating_solver_of_deep_linear_networks_agrees_with_the_closure():
    X, y = _task()
    f, K, conv = deep_grid(X, y, 1.0, 0.1, 8, 2, "linear", samples=4000, replicas=4, seed=3)
    exact, K_exact, _ = deep_linear_grid(X, y, 1.0, 0.1, 8, 2)
    se = f.std(1, ddof=1) / 2
    assert conv.converged
    assert np.max(np.abs(f.mean(1) - exact)[1:] / se[1:]) < 6            # t with 3 degrees of freedom, 32 values


def test_a_deep_tanh_curve_has_its_shapes_and_error_bars():
    X, y = _task()
    c = dmft_curve(X, y, [0.0, 0.5, 1.0], 1.0, depth=2, samples=800, replicas=4, seed=1, extrapolate=False)
    assert c.predictions.shape == (3, 4) and c.ntk.shape == (3, 4, 4)
    assert c.convergence.method == "alternating" and c.convergence.converged
    assert np.all(c.predictions_error[1:] > 0) and c.loss[-1] < c.loss[0]


def test_the_network_simulator_follows_its_own_tangent_kernel():
    """Δf/dt − (1/P)KΔ of gradient descent, at common times for dt, dt/2, dt/4: first order in dt with an O(dt²)
    rest (the shared order test); a wrong kernel would leave an O(1) gap."""
    X, y = _task()
    gaps = []
    for dt in (0.02, 0.01, 0.005):
        run = train_mean_field_network(X, y, th.activation_pair("tanh"), depth=2, width=32, gamma0=1.5, dt=dt,
                                       steps=int(round(0.4 / dt)), seeds=3, seed=1)
        rate = np.einsum("ksPq,ksq->ksP", run.ntk[:-1], y - run.prediction[:-1]) / len(y)
        every = int(round(0.02 / dt))
        gaps.append(((run.prediction[1:] - run.prediction[:-1]) / dt - rate)[::every])
    results = step_order_results("network kernel", gaps, "the networks' increments", steps="1/50, 1/100, 1/200")
    assert all(r.passed for r in results), [r.detail for r in results]


def test_the_network_simulator_refuses_bad_sizes():
    X, y = _task()
    with pytest.raises(ValueError, match="width"):
        train_mean_field_network(X, y, th.activation_pair("tanh"), depth=1, width=0, gamma0=1.0, dt=0.1, steps=2,
                                 seeds=1)
    with pytest.raises(ValueError, match="y must"):
        train_mean_field_network(X, y[:2], th.activation_pair("tanh"), depth=1, width=4, gamma0=1.0, dt=0.1,
                                 steps=2, seeds=1)


def test_gradient_independence_by_monte_carlo_agrees_with_the_deep_linear_solver():
    """Two linear hidden layers, γ0 = 1.5: the alternating Monte Carlo without responses against the deterministic
    solver without responses (z-test, 4.5 standard errors over 8 values)."""
    X, y = _task()
    t = [0.0, 1.0, 2.0]
    mc = dmft_curve(X, y, t, 1.5, depth=2, activation="linear", samples=4000, replicas=4, seed=3,
                    method="alternating", responses=False, extrapolate=False)
    exact = dmft_curve(X, y, t, 1.5, depth=2, activation="linear", responses=False, extrapolate=False)
    z = (mc.predictions - exact.predictions)[1:] / mc.predictions_error[1:]
    assert np.max(np.abs(z)) < 4.5


@pytest.mark.parametrize("kwargs, match", [
    (dict(depth=1, activation="tanh", responses=False), "one hidden layer has no response functions"),
    (dict(depth=2, activation="relu", responses=False), "passes do not settle"),
    (dict(depth=2, activation="tanh", responses="no"), "responses must be True or False"),
])
def test_gradient_independence_refuses_what_it_cannot_do(kwargs, match):
    X, y = _task()
    with pytest.raises(ValueError, match=match):
        dmft_curve(X, y, [0.0, 1.0], 1.0, samples=200, replicas=2, **kwargs)
