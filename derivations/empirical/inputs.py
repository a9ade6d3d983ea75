"""Argument checks shared by the empirical path: a data matrix, lists of sizes and ridges, a seed.

Each raises ValueError naming the argument and what it must be.

>>> int_list("P", [16, 32]), ridge_list(0.1), entropy(3)
([16, 32], [0.1], 3)
>>> int_list("n_draws", 1, minimum=2)
Traceback (most recent call last):
...
ValueError: n_draws must hold integers >= 2, got 1
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["entropy", "int_list", "matrix", "ridge_list"]


def matrix(name, X):
    """X as a finite 2-D float array with at least 2 rows and 1 column."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of numbers") from None
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array (n×D) with n >= 2 samples, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite")
    return X


def int_list(name, values, minimum=1):
    """A scalar or a sequence as a non-empty list of integers >= ``minimum``."""
    seq = [values] if np.ndim(values) == 0 else list(np.asarray(values, dtype=object).ravel())
    if not seq:
        raise ValueError(f"{name} must not be empty")
    for v in seq:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(f"{name} must hold integers >= {minimum}, got {v!r}")
    return [int(v) for v in seq]


def ridge_list(values):
    """A scalar or a sequence as a non-empty list of finite ridges >= 0."""
    seq = [values] if np.ndim(values) == 0 else list(np.asarray(values, dtype=object).ravel())
    if not seq:
        raise ValueError("ridges must not be empty")
    out = []
    for v in seq:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
            raise ValueError(f"ridge must be a finite number >= 0, got {v!r}")
        out.append(float(v))
    return out


def entropy(value):
    """A SeedSequence entropy: an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"entropy must be an integer >= 0, got {value!r}")
    return int(value)
