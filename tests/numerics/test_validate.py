"""Tests of numerics.validate: one set of input checks, ``check(name, value)``, each refusing a bad value
with a ValueError that starts with the argument's name and states the allowed range."""
from __future__ import annotations

import fractions
import math

import mpmath
import numpy as np
import pytest

from numerics.validate import finite, nonnegative, positive, positive_int, real

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2)])
def test_positive_int_accepts_integers(value):
    out = positive_int("n", value)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [0, -1, True, False, 2.0, "3", None, np.bool_(True), np.array([2])])
def test_positive_int_refuses(value):
    with pytest.raises(ValueError, match=r"^n_draws must be a positive integer \(>= 1\), got "):
        positive_int("n_draws", value)


@pytest.mark.parametrize("value, expected", [(0.5, 0.5), (3, 3.0), (np.float32(0.25), 0.25), (np.array(2.0), 2.0),
                                             (fractions.Fraction(1, 4), 0.25), (mpmath.mpf("0.5"), 0.5)])
def test_positive_converts_to_float(value, expected):
    out = positive("dt", value)
    assert out == expected and type(out) is float


@pytest.mark.parametrize("value", [0, -0.5, NAN, INF, -INF, True, "1.0", 1j, None, [1.0], np.ones(2)])
def test_positive_refuses(value):
    with pytest.raises(ValueError, match=r"^dt must be finite and > 0, i\.e\. in \(0, inf\), got "):
        positive("dt", value)


def test_positive_allow_inf():
    assert positive("beta", INF, allow_inf=True) == INF
    assert positive("beta", 2, allow_inf=True) == 2.0
    for bad in (0.0, -INF, NAN):
        with pytest.raises(ValueError, match=r"^beta must be > 0, i\.e\. in \(0, inf\], got "):
            positive("beta", bad, allow_inf=True)


@pytest.mark.parametrize("value, expected", [(0, 0.0), (0.0, 0.0), (1e-300, 1e-300), (np.float64(2), 2.0)])
def test_nonnegative_accepts(value, expected):
    out = nonnegative("ridge", value)
    assert out == expected and type(out) is float


@pytest.mark.parametrize("value", [-1e-300, NAN, INF, False, "0", 1 + 0j])
def test_nonnegative_refuses(value):
    with pytest.raises(ValueError, match=r"^ridge must be finite and >= 0, i\.e\. in \[0, inf\), got "):
        nonnegative("ridge", value)


@pytest.mark.parametrize("value, expected", [
    (2, lambda: mpmath.mpf(2)), (-1.5, lambda: mpmath.mpf(-1.5)), (" 0.1 ", lambda: mpmath.mpf("0.1")),
    (np.float64(0.25), lambda: mpmath.mpf(0.25)), (np.array(3.0), lambda: mpmath.mpf(3)),
    (fractions.Fraction(1, 3), lambda: mpmath.mpf(1) / 3), ("1e-400", lambda: mpmath.mpf("1e-400")),
])
def test_real_converts_to_mpf_at_the_working_precision(value, expected):
    with mpmath.workdps(40):                     # a decimal string is exact to 40 digits, not to float
        out = real("b", value)
        assert isinstance(out, mpmath.mpf) and out == expected()


@pytest.mark.parametrize("value", [True, 1j, mpmath.mpc(1, 1), NAN, INF, "abc", None, [1.0]])
def test_real_refuses(value):
    with pytest.raises(ValueError, match=r"^b must be a finite real number, i\.e\. in \(-inf, inf\), got "):
        real("b", value)


def test_finite_returns_a_float_array_without_copying():
    a = np.arange(6.0).reshape(2, 3)
    assert finite("C", a) is a
    out = finite("b", [1, 2])
    assert out.dtype == float and out.tolist() == [1.0, 2.0]
    assert finite("x", 3).shape == ()


@pytest.mark.parametrize("value", [[1.0, NAN], [INF], np.array([[0.0, -INF]]), "abc", [[1.0], [1.0, 2.0]]])
def test_finite_refuses(value):
    with pytest.raises(ValueError, match=r"^v0 must be finite, i\.e\. every entry a real number in \(-inf, inf\)"):
        finite("v0", value)


def test_one_argument_order_everywhere():
    """The name comes first in every check: a swapped call is refused, not silently accepted."""
    for check in (positive_int, positive, nonnegative, real):
        with pytest.raises(ValueError):
            check(1, "n")
    assert math.isinf(positive("beta", INF, allow_inf=True))
