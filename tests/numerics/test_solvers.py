"""Tests of numerics.solvers: results checked against mpmath references."""

import math

import mpmath
import numpy as np
import pytest

from numerics.precision import workdps
from numerics.solvers import (ConvergenceError, FixedPointResult, RootResult, anderson_fixed_point,
                              find_root_bracketed, find_root_vector, fixed_point)

DPS_LADDER = [15, 30, 50]




# ------------------------------------------------------------ bracketed roots

def test_sqrt2_float64():
    r = find_root_bracketed(lambda x: x * x - 2, 0.0, 2.0)
    assert isinstance(r, RootResult) and r.converged and r.method == "brentq"
    assert abs(r.root - math.sqrt(2)) <= 4 * np.finfo(float).eps * math.sqrt(2)


@pytest.mark.parametrize("dps", DPS_LADDER)
def test_sqrt2_mpmath_follows_precision(dps):
    with workdps(dps):
        r = find_root_bracketed(lambda x: x * x - 2, 0, 2, backend="mpmath")
        assert r.converged and isinstance(r.root, mpmath.mpf)
        assert abs(r.root - mpmath.sqrt(2)) < mpmath.mpf(10) ** (3 - dps)


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_tiny_root_to_full_relative_precision(backend):
    # Root 1e-12 of x**3 + x - 1e-12 - 1e-36 (exact root 1e-12), bracket [0, 1].
    c = 1e-12 if backend == "float64" else mpmath.mpf("1e-12")
    f = (lambda x: x**3 + x - c - c**3)
    r = find_root_bracketed(f, 0, 1, backend=backend)
    assert abs(r.root - c) / c < 1e-14


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_no_sign_change_is_a_value_error(backend):
    with pytest.raises(ValueError, match=r"bracket \[.*\].*f\(lo\)=.*f\(hi\)="):
        find_root_bracketed(lambda x: x * x + 1, -1, 1, backend=backend)


def test_pole_is_not_reported_as_root():
    with pytest.raises(ConvergenceError, match="residual") as info:
        find_root_bracketed(lambda x: 1 / (x - 0.3), -1.0, 2.1)
    assert not info.value.result.converged


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_too_few_iterations_raise(backend):
    with pytest.raises(ConvergenceError, match="residual") as info:
        find_root_bracketed(lambda x: x**3 - 2, 0, 100, backend=backend, maxiter=2)
    assert info.value.result.iterations == 2 and not info.value.result.converged


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        find_root_bracketed(lambda x: x, -1, 1, backend="float32")


# -------------------------------------------------------------- fixed points

def test_dottie_number_float64_and_mpmath():
    with workdps(40):
        dottie = mpmath.findroot(lambda t: mpmath.cos(t) - t, 0.7)
        r = fixed_point(mpmath.cos, 1, backend="mpmath")
        assert isinstance(r, FixedPointResult) and r.converged
        assert abs(r.x - dottie) < mpmath.mpf(10) ** -33
    r = fixed_point(math.cos, 1.0)
    assert abs(r.x - float(dottie)) < 1e-12


def test_damped_vector_fixed_point():
    # x = A x + b with a contraction A: the fixed point solves (I - A) x = b.
    a = np.array([[0.5, 0.2], [0.1, 0.3]])
    b = np.array([1.0, 2.0])
    r = fixed_point(lambda v: a @ v + b, np.zeros(2), damping=0.3)
    np.testing.assert_allclose(r.x, np.linalg.solve(np.eye(2) - a, b), rtol=1e-12)
    r = fixed_point(lambda v: [v[0] / 2 + 1, v[1] / 3], [0, 1], backend="mpmath")
    assert abs(r.x[0] - 2) < mpmath.mpf(10) ** -9 and abs(r.x[1]) < mpmath.mpf(10) ** -9


def test_overflow_raises_immediately():
    with pytest.raises(ConvergenceError, match="non-finite") as info:
        fixed_point(lambda x: 2 * x * x + 1, 1.0, maxiter=10**6)
    assert info.value.result.iterations < 20


def test_nan_raises_immediately_mpmath():
    with pytest.raises(ConvergenceError, match="non-finite") as info:
        fixed_point(lambda v: [v[0] / 2, v[1] * mpmath.inf], [1, 0], backend="mpmath")
    assert info.value.result.iterations == 1


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_linear_divergence_and_too_few_iterations(backend):
    with pytest.raises(ConvergenceError, match="did not converge in 50"):
        fixed_point(lambda x: 2 * x + 1, 0.0, backend=backend, maxiter=50)
    with pytest.raises(ConvergenceError, match="did not converge in 3") as info:
        fixed_point(math.cos if backend == "float64" else mpmath.cos, 1.0,
                    backend=backend, maxiter=3)
    assert not info.value.result.converged


def test_bad_damping():
    with pytest.raises(ValueError, match="damping"):
        fixed_point(math.cos, 1.0, damping=1.0)


# ---------------------------------------------------------------- systems

def _circle_line(v):
    return [v[0] ** 2 + v[1] ** 2 - 4, v[0] - v[1]]


def test_vector_root_float64():
    r = find_root_vector(_circle_line, [1.0, 0.5])
    np.testing.assert_allclose(r.root, [math.sqrt(2)] * 2, rtol=1e-13)
    assert r.converged and r.residual <= 1e-10


def test_vector_root_mpmath_at_50_digits():
    with workdps(50):
        r = find_root_vector(_circle_line, [1, 0.5], backend="mpmath")
        assert all(abs(c - mpmath.sqrt(2)) < mpmath.mpf(10) ** -45 for c in r.root)


@pytest.mark.parametrize("backend", ["float64", "mpmath"])
def test_vector_without_root_raises(backend):
    with pytest.raises(ConvergenceError, match="residual"):
        find_root_vector(lambda v: [v[0] ** 2 + 1, v[1]], [0.3, 0.2], backend=backend,
                         maxiter=20)


def test_anderson_mixing_solves_a_linear_contraction_faster_than_plain_passes():
    """x = Ax + b with a random contraction of norm 0.9: plain passes need about log(1e-12)/log(0.9) = 260 calls,
    Anderson mixing far fewer; both give the solution of (I − A)x = b."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 30))
    A *= 0.9 / np.linalg.norm(A, 2)
    b = rng.standard_normal(30)
    exact = np.linalg.solve(np.eye(30) - A, b)
    result = anderson_fixed_point(lambda x: A @ x + b, np.zeros(30), tol=1e-12, maxiter=200)
    assert result.converged and result.iterations < 60
    np.testing.assert_allclose(result.x, exact, atol=1e-10)


def test_anderson_mixing_says_when_it_fails():
    with pytest.raises(ConvergenceError, match="did not converge in 3 calls"):
        anderson_fixed_point(lambda x: x + 1.0, np.zeros(2), tol=1e-12, maxiter=3)
    with pytest.raises(ConvergenceError, match="non-finite"):
        anderson_fixed_point(lambda x: x * np.nan, np.ones(2), tol=1e-12)
