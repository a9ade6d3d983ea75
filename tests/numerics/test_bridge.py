"""Tests of numerics.bridge (SymPy -> mpmath / NumPy) and numerics.precision."""

import ast
import pathlib

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy

from numerics import precision
from numerics.bridge import (opaque_atoms, random_points, spot_check_equal,
                             to_mpmath, to_numpy)

x, y = sympy.symbols("x y")
DPS_LADDER = [15, 30, 50]




# ----------------------------------------------------------------- precision

def test_validate_dps_accepts_integral_values():
    assert precision.validate_dps(10) == 10
    assert precision.validate_dps(5000.0) == 5000


@pytest.mark.parametrize("bad", [9, 5001, 30.5, True, "30", None, float("nan")])
def test_validate_dps_rejects(bad):
    with pytest.raises(ValueError, match=r"dps must be an integer in \[10, 5000\]"):
        precision.validate_dps(bad)


def test_workdps_restores_even_on_error():
    with pytest.raises(RuntimeError):
        with precision.workdps(60):
            assert mpmath.mp.dps == 60
            raise RuntimeError
    assert mpmath.mp.dps == 15


@pytest.mark.parametrize("dps", DPS_LADDER)
def test_tolerance_follows_precision(dps):
    assert precision.tolerance(dps, guard=5) == mpmath.mpf(10) ** (5 - dps)
    with precision.workdps(dps):
        assert precision.tolerance(guard=2) == mpmath.mpf(10) ** (2 - dps)


# ----------------------------------------------------------------- to_mpmath

@pytest.mark.parametrize("dps", DPS_LADDER)
def test_to_mpmath_evaluates_at_call_time_precision(dps):
    f_const = to_mpmath(sympy.sqrt(2) * sympy.Rational(1, 3), [])
    f_pi = to_mpmath(sympy.pi, [])
    f_exp = to_mpmath(sympy.exp(x), [x])
    with precision.workdps(dps):
        tol = mpmath.mpf(10) ** (3 - dps)
        assert abs(f_const() - mpmath.sqrt(2) / 3) < tol
        assert abs(f_pi() - mpmath.pi) < tol
        assert abs(f_exp(mpmath.mpf(1) / 7) - mpmath.exp(mpmath.mpf(1) / 7)) < tol


def test_to_mpmath_turns_floats_into_exact_decimals():
    f = to_mpmath(sympy.Float("0.1") * x, [x])
    with precision.workdps(50):
        value = f(1)
        assert abs(value - mpmath.mpf("0.1")) < mpmath.mpf(10) ** -48
        # The binary double 0.1 differs from 1/10 at the 18th digit.
        assert abs(value - mpmath.mpf(0.1)) > mpmath.mpf(10) ** -20


def test_to_mpmath_rationals_and_symbol_inputs():
    d = sympy.Dummy("d")
    f = to_mpmath(x / 3 + d, [x, d])
    with precision.workdps(40):
        got = f(sympy.Rational(1, 7), "0.5")
        want = mpmath.mpf(1) / 21 + mpmath.mpf(1) / 2
        assert abs(got - want) < mpmath.mpf(10) ** -38


def test_to_mpmath_complex_result_and_arity():
    f = to_mpmath(sympy.sqrt(x), [x])
    assert isinstance(f(-4), mpmath.mpc)
    assert f(-4) == mpmath.mpc(0, 2)
    with pytest.raises(TypeError, match="expected 1"):
        f(1, 2)


# ------------------------------------------------------------------ to_numpy

def test_to_numpy_special_functions_on_arrays():
    grid = np.linspace(0.1, 3.0, 7)
    erf = to_numpy(sympy.erf(x), [x])(grid)
    gam = to_numpy(sympy.gamma(x) * sympy.Rational(1, 3), [x])(grid)
    np.testing.assert_allclose(erf, scipy.special.erf(grid), rtol=1e-14)
    np.testing.assert_allclose(gam, scipy.special.gamma(grid) / 3, rtol=1e-14)
    assert erf.dtype == np.float64 and erf.shape == grid.shape


def test_to_numpy_constant_broadcasts_to_inputs():
    f = to_numpy(sympy.pi + 0 * x, [x, y])
    out = f(np.zeros((3, 1)), np.zeros(4))
    assert out.shape == (3, 4)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.full((3, 4), np.pi))
    out[0, 0] = 0.0  # must be writable, not a read-only broadcast view
    assert f(1.0, 2.0).shape == ()


def test_to_numpy_integer_inputs_give_floats_and_complex_allowed():
    assert to_numpy(x * 2, [x])(np.arange(3)).dtype == np.float64
    out = to_numpy(sympy.I * x, [x])(np.arange(3.0))
    assert out.dtype == np.complex128
    np.testing.assert_array_equal(out, 1j * np.arange(3.0))


# -------------------------------------------------------------- opaque_atoms

def test_opaque_atoms_replaces_derivatives_first():
    f = sympy.Function("f")
    expr = f(x) + sympy.Derivative(f(x), x)
    new, mapping = opaque_atoms(expr)
    assert len(mapping) == 2
    assert not new.atoms(sympy.Derivative) and not new.atoms(sympy.core.function.AppliedUndef)
    assert set(mapping.values()) == {f(x), sympy.Derivative(f(x), x)}
    assert all(isinstance(d, sympy.Dummy) for d in mapping)
    assert new.xreplace(mapping) == expr


def test_opaque_atoms_on_equation():
    f = sympy.Function("f")
    eq = sympy.Eq(sympy.Derivative(f(x), x), -f(x))
    new, mapping = opaque_atoms(eq)
    assert isinstance(new, sympy.Eq)
    assert new.xreplace(mapping) == eq


# ------------------------------------------------------------- random points

def test_random_points_follow_assumptions_and_domains():
    p = sympy.Symbol("p", positive=True)
    q = sympy.Symbol("q", negative=True)
    k = sympy.Symbol("k", integer=True, positive=True)
    r = sympy.Symbol("r")
    pts = random_points([p, q, k, r], 50, seed=3, domains={r: (5, 6)})
    assert all(sympy.Rational(1, 10) < pt[p] < 3 for pt in pts)
    assert all(-3 < pt[q] < -sympy.Rational(1, 10) for pt in pts)
    assert all(pt[k].is_Integer and 1 <= pt[k] <= 6 for pt in pts)
    assert all(5 < pt[r] < 6 and pt[r].is_Rational for pt in pts)
    assert random_points([p], 3, seed=3) == random_points([p], 3, seed=3)


# -------------------------------------------------------------- spot checks

def test_spot_check_passes_on_identity():
    check = spot_check_equal(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1)
    assert check.passed and check.n_points == 5 and check.dps == 30


def test_spot_check_tolerance_follows_precision():
    tiny = sympy.Rational(1, 10**20)
    assert not spot_check_equal(x, x + tiny, dps=30).passed
    assert spot_check_equal(x, x + tiny, dps=15).passed


def test_spot_check_same_atom_same_value_on_both_sides():
    f = sympy.Function("f")
    lhs = sympy.Derivative(f(x), x) * 2
    assert spot_check_equal(lhs, sympy.Derivative(f(x), x) + sympy.Derivative(f(x), x)).passed
    assert not spot_check_equal(lhs, sympy.Derivative(f(x), x) + f(x)).passed


def test_spot_check_never_passes_on_nan():
    check = spot_check_equal(sympy.Integer(0) * sympy.zoo * x, 0)
    assert not check.passed and "NaN" in check.detail
    check = spot_check_equal(sympy.nan, sympy.nan)
    assert not check.passed and "NaN" in check.detail


def test_spot_check_complex_vs_real_mismatch():
    check = spot_check_equal(sympy.sqrt(-x), sympy.sqrt(x), domains={x: (1, 2)})
    assert not check.passed and "complex vs real" in check.detail


def test_spot_check_redraws_singular_points_and_reports_shortage():
    k = sympy.Symbol("k", integer=True)
    # 0/0 at k = 0 and k = -1 raises ZeroDivisionError: those points are redrawn.
    assert spot_check_equal(k / (k * (k + 1)), 1 / (k + 1), n=10).passed
    m = sympy.Symbol("m", integer=True, nonpositive=True)
    bad = spot_check_equal(sympy.gamma(m), 1)  # a pole at every draw
    assert not bad.passed and "points could be evaluated" in bad.detail


def test_spot_check_fails_on_infinity():
    check = spot_check_equal(1 / (x - x), 1)
    assert not check.passed and "infinity" in check.detail


# ----------------------------------------------------------- import graph

def test_only_bridge_imports_sympy():
    root = pathlib.Path(__file__).resolve().parents[2] / "numerics"
    offenders = []
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names]
        names += [node.module or "" for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom)]
        if any(n.split(".")[0] == "sympy" for n in names) and path.name != "bridge.py":
            offenders.append(path.name)
    assert offenders == []
