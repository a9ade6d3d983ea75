"""Check records: what was checked, how, and whether it passed.

Every check, symbolic or numeric, produces a :class:`CheckResult`. A result that claims
to pass while carrying a NaN or infinite number is turned into a failure: a check never
passes on NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

KINDS = ("symbolic", "numeric", "simulation", "exponent")


def _has_nan(value) -> bool:
    """True if ``value`` (a number of any kind, an array or a list of them) has a NaN or infinity."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):  # numbers kept as strings (to keep their digits) are checked too
        return value.strip().lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity")
    if isinstance(value, (list, tuple)):
        return any(_has_nan(v) for v in value)
    if type(value).__name__ in ("mpf", "mpc"):
        import mpmath
        return not mpmath.isfinite(value)
    try:
        import numpy as np
        arr = np.asarray(value)
        if arr.dtype.kind in "fc":
            return not bool(np.all(np.isfinite(arr)))
        if arr.dtype.kind == "O":
            return any(_has_nan(v) for v in arr.ravel())
    except (TypeError, ValueError):
        pass
    return False


@dataclass
class CheckResult:
    """One check: ``kind`` is one of symbolic, numeric, simulation, exponent."""

    name: str
    kind: str
    passed: bool
    expected: object = None
    observed: object = None
    tolerance: object = None
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        self.passed = bool(self.passed)
        if self.passed and any(_has_nan(v) for v in (self.expected, self.observed, self.tolerance)):
            self.passed = False
            self.detail = (self.detail + "; " if self.detail else "") + "non-finite value: failed"

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "passed": self.passed,
                "expected": _jsonable(self.expected), "observed": _jsonable(self.observed),
                "tolerance": _jsonable(self.tolerance), "detail": self.detail}

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        return f"[{mark}] {self.kind:<10} {self.name}: {self.detail}"


def _jsonable(value):
    """Numbers stay numbers where float64 holds them; mpf keeps its digits as a string."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, int):
        return value
    if type(value).__name__ in ("mpf", "mpc"):
        return str(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f if math.isfinite(f) else str(f)
