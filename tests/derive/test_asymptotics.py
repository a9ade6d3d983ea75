"""derive.asymptotics: the Mellin route against quadrature and the exact sums; conditions; Min forms."""
import mpmath
import pytest
import sympy as sp

from derive.asymptotics import (branches, condition_on, integral_over_modes, log_slope, piecewise_as_min,
                                power_law_sum_leading, rate_of)
from numerics.power_law_sums import power_law_sum

alpha, r, kappa = sp.symbols("alpha r kappa", positive=True)
DPS = 30


@pytest.mark.parametrize("beta, a, b", [(0, "1.5", 1), (0, "2.5", 2), ("-0.8", "1.5", 2), ("0.3", "3", 1), ("0.5", "1.2", "0.7")])
def test_integral_matches_quadrature(beta, a, b):
    """The Beta value of ∫_0^∞ x^(−β)(1 + κx^α)^(−b) dx against mpmath.quad at 30 digits."""
    beta, a, b, k = sp.Rational(beta), sp.Rational(a), sp.Rational(b), sp.Rational(3, 10)
    value, cond = integral_over_modes(beta, a, b, k)
    assert cond == sp.true
    with mpmath.workdps(DPS):
        f = lambda x: x ** (-mpmath.mpf(beta)) * (1 + mpmath.mpf(k) * x ** mpmath.mpf(a)) ** (-mpmath.mpf(b))
        # in u = log x the algebraic ends become exponential tails, which tanh-sinh resolves to full precision
        quad = mpmath.quad(lambda u: mpmath.exp(u) * f(mpmath.exp(u)), [-mpmath.inf, 0, mpmath.inf])
        assert abs(mpmath.mpf(sp.N(value, DPS)) / quad - 1) < mpmath.mpf(10) ** -(DPS - 5)


def test_integral_condition_is_the_mellin_strip():
    value, cond = integral_over_modes(1 + 2 * alpha * r - 2 * alpha, alpha, 2, kappa)
    assert condition_on(cond, r) == (r < 1)


@pytest.mark.parametrize("beta, a, b", [(0, 1.5, 1), (-0.8, 1.5, 2), (2.5, 2.5, 2), (1.4, 1.5, 1)])
def test_leading_term_against_exact_sum(beta, a, b):
    """At κ = 1e-20 the leading term carries the sum up to the next term of the expansion: ζ(β) for β < 1
    (relative ζ(β)/lead), κ^((β−1)/α) relative for β > 1."""
    lead = power_law_sum_leading(sp.nsimplify(beta), sp.nsimplify(a), b, kappa)
    expr = lead if not isinstance(lead, sp.Piecewise) else [e for e, c in lead.args if c == sp.true][0]
    with mpmath.workdps(DPS):
        k = mpmath.mpf("1e-20")                          # read at 30 digits, as the leading term's κ
        exact_mp = lambda v: mpmath.mpf(sp.Rational(sp.nsimplify(v)).p) / sp.Rational(sp.nsimplify(v)).q
        exact = power_law_sum(exact_mp(beta), exact_mp(a), b, k, dps=DPS)   # exact β: a binary −0.8 moves κ^((β−1)/α)
        approx = mpmath.mpf(sp.N(expr.subs(kappa, sp.Float("1e-20", DPS)), DPS))
        rel = abs(exact / approx - 1)
        if beta < 1:
            bound = 2 * abs(mpmath.zeta(beta)) / abs(approx)
        else:
            bound = 10 * k ** ((mpmath.mpf(beta) - 1) / mpmath.mpf(a))
    assert rel <= bound


def test_divergent_parameters_raise():
    with pytest.raises(ValueError, match="diverges"):
        power_law_sum_leading(0, sp.Rational(1, 2), 1, kappa)
    with pytest.raises(ValueError, match="diverges"):
        power_law_sum_leading(-3, 1, 2, kappa)


def test_branches_solved_for_r():
    pw = power_law_sum_leading(1 + 2 * alpha * r - alpha, alpha, 1, kappa)
    conds = [c for _, c in branches(pw, r)]
    assert conds == [r < sp.Rational(1, 2), r > sp.Rational(1, 2)]


def test_condition_on_drops_what_assumptions_imply():
    assert condition_on(sp.And(2 * alpha * r > 0, 1 + 2 * alpha * r - 2 * alpha < 1), r) == (r < 1)


def test_log_slope_and_rate():
    P, l = sp.symbols("P l", positive=True)
    assert log_slope(5 * P ** (-l / 2), P) == -l / 2
    assert rate_of(P ** (-3 * alpha), P) == 3 * alpha
    with pytest.raises(ValueError, match="not a pure power"):
        rate_of(P ** -1 + P ** -2, P)


def test_piecewise_as_min_accepts_only_equal_functions():
    good = sp.Piecewise((2 * r, r < 1), (2, True))
    assert piecewise_as_min(good, r) == sp.Min(2, 2 * r)
    bad = sp.Piecewise((2 * r, r < 1), (3, True))          # Min(2r, 3) is 2r on (1, 3/2), not 3
    assert piecewise_as_min(bad, r) is None
