"""Input checks shared by the numerics: one function per kind of argument, all called the same way,
``check(name, value)`` — the argument's name first, then its value.

Each returns the value converted (``int``, ``float``, ``mpmath.mpf`` or a float array) or raises
ValueError whose message starts with the argument's name and says the range it must lie in. A value
of the wrong type (a bool, a string, a complex number, an array where a number is wanted) is refused
with the same ValueError, so a caller catches one exception for any bad argument.

>>> positive_int("n_draws", 8), positive("dt", 0.5), nonnegative("ridge", 0), real("b", "0.25")
(8, 0.5, 0.0, mpf('0.25'))
>>> finite("v0", [1, 2]).tolist(), positive("beta", float("inf"), allow_inf=True)
([1.0, 2.0], inf)
>>> positive("dt", 0)
Traceback (most recent call last):
...
ValueError: dt must be finite and > 0, i.e. in (0, inf), got 0
"""
from __future__ import annotations

import fractions
import math
import numbers

import mpmath
import numpy as np

__all__ = ["finite", "nonnegative", "positive", "positive_int", "real"]

POSITIVE = "finite and > 0, i.e. in (0, inf)"
POSITIVE_OR_INF = "> 0, i.e. in (0, inf]"
NONNEGATIVE = "finite and >= 0, i.e. in [0, inf)"


def _refuse(name, allowed, value):
    return ValueError(f"{name} must be {allowed}, got {value!r}")


def _float(name, value, allowed) -> float:
    """``value`` as a float: any real scalar (int, float, NumPy scalar or 0-d array, Fraction, mpf, a
    SymPy number) but not a bool, a string or an array."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex)) or np.ndim(value) != 0 or np.iscomplexobj(value):
        raise _refuse(name, allowed, value)              # a complex value is refused, never cut to its real part
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise _refuse(name, allowed, value) from None


def positive_int(name, value) -> int:
    """An integer >= 1 (a Python or NumPy integer; not a bool, not a float such as 2.0).

    >>> positive_int("N", np.int64(3))
    3
    >>> positive_int("N", 2.0)
    Traceback (most recent call last):
    ...
    ValueError: N must be a positive integer (>= 1), got 2.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise _refuse(name, "a positive integer (>= 1)", value)
    return int(value)


def positive(name, value, allow_inf: bool = False) -> float:
    """A real number > 0 as a float, finite unless ``allow_inf`` (then +inf is allowed too).

    >>> positive("beta", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: beta must be finite and > 0, i.e. in (0, inf), got inf
    >>> positive("beta", -1.0, allow_inf=True)
    Traceback (most recent call last):
    ...
    ValueError: beta must be > 0, i.e. in (0, inf], got -1.0
    """
    allowed = POSITIVE_OR_INF if allow_inf else POSITIVE
    v = _float(name, value, allowed)
    if math.isnan(v) or v <= 0 or (math.isinf(v) and not allow_inf):
        raise _refuse(name, allowed, value)
    return v


def nonnegative(name, value) -> float:
    """A finite real number >= 0 as a float.

    >>> nonnegative("noise_variance", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: noise_variance must be finite and >= 0, i.e. in [0, inf), got nan
    """
    v = _float(name, value, NONNEGATIVE)
    if not math.isfinite(v) or v < 0:
        raise _refuse(name, NONNEGATIVE, value)
    return v


def real(name, value) -> mpmath.mpf:
    """A finite real number as an mpf at the working precision: int, float, decimal string (exact
    to the precision, e.g. ``'0.1'``), Fraction, mpf, NumPy scalar or 0-d array; not a bool or a
    complex number.

    >>> real("alpha", 2) + real("r", "1/2") + real("b", np.float64(0.25))
    mpf('2.75')
    >>> real("b", 1j)
    Traceback (most recent call last):
    ...
    ValueError: b must be a finite real number, i.e. in (-inf, inf), got 1j
    """
    if getattr(value, "shape", None) == () and hasattr(value, "item"):    # NumPy scalar or 0-d array
        value = value.item()
    value = value.strip() if isinstance(value, str) else value
    if isinstance(value, bool) or isinstance(value, (complex, mpmath.mpc)):
        raise _refuse(name, "a finite real number, i.e. in (-inf, inf)", value)
    if isinstance(value, fractions.Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    try:
        out = mpmath.mpmathify(value)
    except (TypeError, ValueError):
        raise _refuse(name, "a finite real number, i.e. in (-inf, inf)", value) from None
    if not isinstance(out, mpmath.mpf) or not mpmath.isfinite(out):
        raise _refuse(name, "a finite real number, i.e. in (-inf, inf)", value)
    return out


def finite(name, value) -> np.ndarray:
    """A number or an array of them as a float array whose entries are all finite (not copied when
    ``value`` already is one).

    >>> finite("C", [[1.0, 0.5], [0.5, 1.0]]).shape
    (2, 2)
    >>> finite("b", [1.0, float("inf")])
    Traceback (most recent call last):
    ...
    ValueError: b must be finite, i.e. every entry a real number in (-inf, inf)
    >>> finite("b", np.array([1.0 + 0j]))
    Traceback (most recent call last):
    ...
    ValueError: b must be finite, i.e. every entry a real number in (-inf, inf)
    """
    try:
        arr = None if np.iscomplexobj(value) else np.asarray(value, dtype=float)    # complex: refused, not cut
    except (TypeError, ValueError, OverflowError):                               # OverflowError: e.g. 10**400
        arr = None
    if arr is None or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, i.e. every entry a real number in (-inf, inf)")
    return arr
