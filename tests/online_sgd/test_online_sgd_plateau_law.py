"""Plateau escape τ_esc ∝ 1/η: the steps' operations on small statements, the criterion, the ODE route, and the
law's simulation (the whole curve from one generator)."""
import math

import numpy as np
import pytest
import sympy as sp

from derive import committee_odes as co
from derivations.engine import Derivation, Source
from derivations.online_sgd import initial_order_parameters, order_parameter_curve
from derivations.online_sgd import plateau_law as pl
from derivations.online_sgd import plateau_steps
from derivations.online_sgd.linear_steps import alpha

q = sp.Function("q_11")
F, G = sp.Function("F"), sp.Function("G")
X = sp.Symbol("X")


def _toy(rhs):
    """A throwaway derivation whose (block-odes) is one equation dq/dα = rhs, then the escape steps."""
    d = Derivation("toy-escape", "escape steps on a toy equation", Source("none", "test"))
    d.assume("block-odes", "toy ODE", "dq/dα", (sp.Eq(sp.Derivative(q(alpha), alpha), rhs),))
    plateau_steps.escape_steps(d)
    return d


def test_steps_on_a_toy_equation_replay_and_give_rate_minus_one():
    d = _toy(co.eta * F(X) + co.eta ** 2 * G(X))
    (rescaled,) = d["escape-rescaled-odes"]
    assert sp.expand(rescaled.rhs - (F(X) + co.eta * G(X))) == 0
    (limit,) = d["escape-small-eta"]
    assert limit.rhs == F(X) and not limit.has(co.eta)
    assert d["escape-time-scaling"].rhs == plateau_steps.s_esc / co.eta
    assert d["escape-eta-rate"].rhs == -1
    report = d.verify()
    assert report.passed, [c for c in report.checks if not c.passed]


@pytest.mark.parametrize("rhs", [F(X) + co.eta * G(X),                 # an η⁰ term: not slow in α
                                 co.eta * F(X) + co.eta ** 3 * G(X),     # beyond η²
                                 co.eta * F(X) / (1 + co.eta)])          # not a polynomial in η
def test_rescaling_refuses_right_sides_that_are_not_eta_F_plus_eta2_G(rhs):
    with pytest.raises(ValueError):
        _toy(rhs)


def test_spread_and_crossing():
    Q = np.array([[1.0, 0.0], [0.0, 4.0]])
    R = np.array([[0.5, 0.1], [0.0, 2.0]])
    # ρ = R/√(Q_ii T_nn): rows (0.5, 0.1), (0, 1) → spreads 0.4, 1 → mean 0.7
    assert pl.spread(Q, R, np.eye(2)) == pytest.approx(0.7, abs=1e-15)
    assert math.isnan(pl.crossing([1.0, 2.0], [0.1, 0.2]))
    with pytest.raises(ValueError):
        pl.crossing([1.0, 2.0], [0.6, 0.7])


def test_weights_have_the_fixed_order_parameters():
    J, B = pl.escape_weights(64)
    q, r, t, _ = initial_order_parameters(J, B, np.ones(64))
    Q0, R0, T = pl.initial_overlaps()
    assert np.allclose(q[0], Q0, atol=1e-14) and np.allclose(r[0], R0, atol=1e-14) and np.allclose(t[0], T, atol=1e-14)


def test_ode_escape_time_scales_as_one_over_eta():
    """η·τ_esc = s_0 + c_1η + c_2η² + …: the shifts between η = 0.01, 0.005, 0.0025 halve, order
    log2 ratio = 1 + O(c_2η/c_1) (|c_2/c_1| ≈ 1 from η = 0.05…0.2, so ≈ 0.01 here; bound 0.1), and the
    error of the integration (rtol 1e-10, checked against rtol 1e-12) is far below the shifts (≈ 1e-2)."""
    s = [eta * pl.escape_time_ode(eta) for eta in (0.01, 0.005, 0.0025)]
    order = math.log2((s[1] - s[0]) / (s[2] - s[1]))
    assert abs(order - 1) < 0.1
    assert abs(0.0025 * pl.escape_time_ode(0.0025, rtol=1e-12) - s[2]) < 1e-3 * abs(s[2] - s[1])


def test_ode_route_agrees_with_the_grid_integrator():
    """The DOP853 crossing against the package's block integrator (pc3, rtol 1e-9) from the weights, on a
    grid of step 0.02 in s around the crossing, interpolated in log α: interpolation error
    O((Δ log α)²) ≈ 2e-7, integration error ≈ 1e-8, both far below the 1e-5 allowed."""
    eta = 0.1
    tau = pl.escape_time_ode(eta)
    J, B = pl.escape_weights(64)
    s = np.concatenate([np.arange(1.0, 46.0), np.arange(46.0, 48.5, 0.02)])
    tr = order_parameter_curve(s / eta, J, B, np.ones(64), eta, "erf", False, rtol=1e-9)
    grid = pl.crossing(s / eta, pl.spread(tr.Q1, tr.R1, tr.T1))
    assert grid == pytest.approx(tau, rel=1e-5)


def test_seeds_simulated_together_give_the_single_seed_rows_bit_for_bit():
    from numerics.simulation import spawn_generators
    together = pl.escape_times_sgd(spawn_generators(5, 3), (4, 8))
    alone = [[pl.escape_time_sgd(g, x) for x in (4, 8)] for g in spawn_generators(5, 3)]
    assert together == alone and all(math.isfinite(t) for row in alone for t in row)
