"""Working precision for mpmath, as an explicit and scoped setting.

Precision is counted in decimal digits (``dps``).  Code that needs a given
precision enters :func:`workdps`; the previous precision comes back on exit,
even when the body raises.  Tolerances are derived from the precision in force
(:func:`tolerance`), so a check that passes at 30 digits is 10**15 times
stricter than the same check at 15 digits.

>>> import mpmath
>>> with workdps(40):
...     mpmath.mp.dps
40
>>> tolerance(30, guard=5)
mpf('1.0e-25')
"""

from __future__ import annotations

import numbers

import mpmath

__all__ = ["DPS_MIN", "DPS_MAX", "validate_dps", "workdps", "tolerance"]

DPS_MIN = 10
DPS_MAX = 5000


def validate_dps(dps) -> int:
    """Return ``dps`` as an ``int`` if it is an integral value in [10, 5000].

    Booleans, non-integral numbers and values outside the range raise
    ``ValueError``.

    >>> validate_dps(30)
    30
    >>> validate_dps(50.0)
    50
    >>> validate_dps(5)
    Traceback (most recent call last):
    ...
    ValueError: dps must be an integer in [10, 5000], got 5
    """
    message = f"dps must be an integer in [{DPS_MIN}, {DPS_MAX}], got {dps!r}"
    if isinstance(dps, bool) or not isinstance(dps, numbers.Real):
        raise ValueError(message)
    if dps != dps or dps in (float("inf"), float("-inf")) or int(dps) != dps:
        raise ValueError(message)
    value = int(dps)
    if not DPS_MIN <= value <= DPS_MAX:
        raise ValueError(message)
    return value


def workdps(dps):
    """Context manager: set ``mpmath.mp.dps`` to ``dps`` inside its block.

    The value is validated first (:func:`validate_dps`); the previous
    precision is restored on exit (this is mpmath's own ``mp.workdps``).

    >>> import mpmath
    >>> before = mpmath.mp.dps
    >>> with workdps(50):
    ...     str(mpmath.mpf(1) / 3)[:12]
    '0.3333333333'
    >>> mpmath.mp.dps == before
    True
    """
    return mpmath.mp.workdps(validate_dps(dps))


def tolerance(dps=None, guard=5) -> mpmath.mpf:
    """Absolute/relative tolerance ``10**(-(dps - guard))`` as an ``mpf``.

    ``dps`` defaults to the precision in force (``mpmath.mp.dps``); ``guard``
    is the number of trailing digits not trusted.

    >>> import mpmath
    >>> with workdps(20):
    ...     mpmath.nstr(tolerance(), 3)
    '1.0e-15'
    """
    digits = mpmath.mp.dps if dps is None else validate_dps(dps)
    return mpmath.mpf(10) ** (-(digits - int(guard)))
