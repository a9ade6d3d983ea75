"""Array root finders (numerics.array_roots): roots of independent problems at once, and refusals."""
import numpy as np
import pytest

from numerics.array_roots import bisect_increasing, newton_converged, safeguarded_newton


def test_bisection_and_newton_find_each_root():
    c = np.array([2.0, 3.0, 10.0])
    f = lambda x: x ** 3 - c
    lo, hi = np.full(3, 0.5), np.full(3, 4.0)
    expected = np.cbrt(c)
    np.testing.assert_allclose(bisect_increasing(f, lo, hi, "cube roots"), expected, rtol=1e-15)
    np.testing.assert_allclose(safeguarded_newton(lambda x: (f(x), 3 * x ** 2), lo, hi, hi.copy(), "cube roots"),
                               expected, rtol=1e-15)


def test_no_sign_change_is_refused_by_name():
    with pytest.raises(ArithmeticError, match="my root"):
        bisect_increasing(lambda x: x + 10, np.array(0.0), np.array(1.0), "my root")


def test_newton_stops_on_a_small_step_or_a_small_predicted_step():
    tol = np.array([1e-13])
    assert newton_converged(np.array([1e-14]), np.array([np.inf]), tol)[0]           # the step itself
    assert newton_converged(np.array([1e-8]), np.array([1e-4]), tol)[0]             # next ≈ 1e-24/1e-8 = 1e-16
    assert not newton_converged(np.array([1e-3]), np.array([1e-2]), tol)[0]          # still far
    assert not newton_converged(np.array([1e-8]), np.array([np.inf]), tol)[0]         # no history: keep going
