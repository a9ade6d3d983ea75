"""feature-learning-linear on P examples: the derived kernel system, its reductions, its refusals, and trained
networks against their exact flow; and the engine's spot check of sums up to a size symbol."""
import math

import numpy as np
import pytest
import sympy as sp

import derivations.feature_learning.points_steps as ps
from derivations.engine.compare import numeric_equal
from derivations.feature_learning import kernel_flow, prediction
from numerics.two_layer_linear_simulation import train_two_layer_linear_on_points


def test_the_kernel_system_has_the_expected_form():
    d = ps.extended()
    lam, nu, mu, t, P, g = ps.lam, ps.nu, ps.mu, ps.t, ps.P, ps.gamma0
    K, f, Dl, Kx = ps.K_t, ps.f_t, ps.Dl, ps.Kx
    assert d["points-prediction-flow"].rhs == sp.Sum(K(lam, nu, t) * Dl[lam], (lam, 1, P)) / P
    dG = d["points-flow"][1].rhs
    assert sp.simplify(dG - 2 * g ** 2 * sp.Sum(f(lam, t) * Dl[lam], (lam, 1, P)) / P) == 0
    dH = d["points-flow"][0].rhs
    expected = g ** 2 * (f(mu, t) * sp.Sum(Dl[lam] * Kx[lam, nu], (lam, 1, P))
                         + f(nu, t) * sp.Sum(Dl[lam] * Kx[lam, mu], (lam, 1, P))) / P
    assert sp.simplify(dH - expected) == 0


def test_whitened_inputs_follow_the_one_example_solution():
    X = np.eye(3, 4) * 2.0                               # K^x = I
    y = np.array([0.5, -1.0, 0.25])
    t = np.linspace(0, 6, 13)
    size = np.linalg.norm(y)
    expected = prediction(t / 3, size, 0.8)[:, None] * (y / size)
    np.testing.assert_allclose(kernel_flow(t, X, y, 0.8).prediction, expected, atol=1e-9)


def test_the_tangent_kernel_starts_at_twice_the_gram_matrix_and_the_fit_converges():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((3, 5)), rng.standard_normal(3)
    r = kernel_flow([0.0, 40.0], X, y, 1.2)
    np.testing.assert_allclose(r.ntk[0], 2 * X @ X.T / 5, rtol=1e-12)
    np.testing.assert_allclose(r.prediction[-1], y, atol=1e-8)          # D ≥ P: the examples are fitted


def test_a_trained_network_follows_its_own_kernel_system():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, 4)), rng.standard_normal(3)
    gaps = []
    for dt in (0.02, 0.01):
        run = train_two_layer_linear_on_points(X, y, 32, 1.0, dt, int(round(1 / dt)), 3, seed=2,
                                               record_every=int(round(0.5 / dt)))
        gaps.append(max(np.max(np.abs(kernel_flow(run.times, X, y, 1.0, start=(run.feature_kernel[0, s],
                                                                               run.readout_norm[0, s],
                                                                               run.prediction[0, s])).prediction
                                       - run.prediction[:, s])) for s in range(3)))
    assert gaps[0] / gaps[1] == pytest.approx(2, rel=0.1)


@pytest.mark.parametrize("X, y, name", [(np.zeros((2, 3)), [1.0, 1.0], "X"), (np.ones((30, 2)), np.ones(30), "X"),
                                        (np.ones((2, 3)), [1.0], "y"), (np.ones((2, 3)), [1.0, math.nan], "y")])
def test_bad_input_is_refused_by_name(X, y, name):
    with pytest.raises(ValueError, match=name):
        kernel_flow([1.0], X, y, 1.0)


def test_spot_checks_evaluate_sums_up_to_a_size_symbol():
    P = sp.Symbol("P", positive=True, integer=True)
    k = sp.Symbol("k", positive=True, integer=True)
    a = sp.IndexedBase("a")
    same = numeric_equal(sp.Sum(2 * a[k], (k, 1, P)) / P, 2 * sp.Sum(a[k], (k, 1, P)) / P)
    different = numeric_equal(sp.Sum(a[k] ** 2, (k, 1, P)), sp.Sum(a[k], (k, 1, P)) ** 2)
    assert same.passed and not different.passed


def test_the_perturbation_series_on_one_example_is_the_one_example_series():
    from derivations.feature_learning import perturbative_flow
    from derivations.feature_learning.linear_theory import perturbative_prediction
    x = np.array([[1.0, 2.0, -0.5]])
    t = np.linspace(0, 3, 7)
    f, K = perturbative_flow(t, x, [0.8], 0.7)
    phi0 = float((x @ x.T)[0, 0]) / 3
    np.testing.assert_allclose(f[:, 0], perturbative_prediction(t, 0.8, 0.7, phi0), atol=1e-10)
    assert K[0, 0, 0] == pytest.approx(2 * phi0)


def test_the_perturbation_series_departs_at_fourth_order():
    from derivations.feature_learning import perturbative_flow
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3, 4)), rng.standard_normal(3)
    t = np.linspace(0, 3, 7)
    gaps = [np.max(np.abs(perturbative_flow(t, X, y, g)[0] - kernel_flow(t, X, y, g).prediction)) for g in (0.1, 0.2)]
    assert 3.8 < math.log2(gaps[1] / gaps[0]) < 4.2
