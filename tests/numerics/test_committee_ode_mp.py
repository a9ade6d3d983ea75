"""The high-precision block right-hand side and fixed point (numerics.committee_ode_mp)."""
import mpmath
import numpy as np
import pytest

from numerics.committee_ode import block_rhs
from numerics.committee_ode_mp import block_fixed_point_mp, block_rhs_mp, first_order_mp
from numerics.solvers import ConvergenceError


def linear_coefficients(Q1, R1, T1):
    """K = M = 1, g(x) = x, no noise (Saad–Solla linear case): A = −1, B = 1, E = Q − 2R + T."""
    return -mpmath.eye(1), mpmath.eye(1), mpmath.matrix([[Q1[0, 0] - 2 * R1[0, 0] + T1[0, 0]]])


def test_rhs_matches_numpy_version():
    rng = np.random.default_rng(3)
    lam, f = np.array([1.6, 0.4]), np.array([0.5, 0.5])
    q = rng.random((2, 1, 1)) + 0.5
    r, t = rng.random((2, 1, 1)), np.array([[[0.5]], [[0.5]]])
    coef_np = lambda Q1, R1, T1: (-np.eye(1), np.eye(1), Q1 - 2 * R1 + T1)  # noqa: E731
    dq, dr = block_rhs(q, r, t, lam, f, 0.3, coef_np)
    with mpmath.workdps(30):
        mats = [[mpmath.matrix(x.tolist()) for x in a] for a in (q, r, t)]
        dq_mp, dr_mp = block_rhs_mp(*mats, lam.tolist(), f.tolist(), "0.3", linear_coefficients)
    for m in range(2):
        assert float(dq_mp[m][0, 0]) == pytest.approx(dq[m, 0, 0], rel=1e-14)
        assert float(dr_mp[m][0, 0]) == pytest.approx(dr[m, 0, 0], rel=1e-14)


@pytest.mark.parametrize("dps", [15, 30, 50])
def test_linear_fixed_point_is_the_perfect_solution(dps):
    """Linear K = M = 1: dr_m = 0 gives r_m = t_m; then E = 0 at the perfect solution, q_m = t_m."""
    with mpmath.workdps(dps):
        lam, f = [mpmath.mpf(3) / 2, mpmath.mpf(1) / 2], [mpmath.mpf(1) / 2] * 2
        t = [mpmath.matrix([[fm]]) for fm in f]
        q, r, res = block_fixed_point_mp([mpmath.matrix([[0.2]])] * 2, [mpmath.matrix([[0.1]])] * 2, t, lam, f,
                                         "0.2", linear_coefficients)
        assert res <= mpmath.eps ** mpmath.mpf(0.75)
        for m in range(2):
            assert abs(r[m][0, 0] - f[m]) < 10 * mpmath.eps ** mpmath.mpf(0.75)
            assert abs(q[m][0, 0] - f[m]) < 10 * mpmath.eps ** mpmath.mpf(0.75)


def test_first_order():
    assert first_order_mp([mpmath.eye(2), 2 * mpmath.eye(2)], [1, 3])[1, 1] == 7


def test_no_fixed_point_raises():
    """dr = ηλ(r·0 + 1): never zero, Newton cannot converge."""
    coef = lambda Q1, R1, T1: (mpmath.zeros(1), mpmath.eye(1), mpmath.zeros(1))  # noqa: E731
    with pytest.raises(ConvergenceError, match="fixed point"):
        block_fixed_point_mp([mpmath.eye(1)], [mpmath.eye(1)], [mpmath.eye(1)], [1], [1], "0.1", coef)


@pytest.mark.parametrize("kwargs, match", [
    ({"eigenvalues": [0]}, "eigenvalues and fractions must be > 0"),
    ({"eigenvalues": [1, 2]}, "one value per block"),
    ({"eta": "-0.1"}, "eta must be > 0"),
    ({"r": [mpmath.zeros(2)]}, "r must be matrices of shape"),
])
def test_bad_input(kwargs, match):
    args = {"q": [mpmath.eye(1)], "r": [mpmath.eye(1)], "t": [mpmath.eye(1)], "eigenvalues": [1], "fractions": [1],
            "eta": "0.1", "coefficients": linear_coefficients}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        block_rhs_mp(**args)
