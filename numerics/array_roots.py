"""Root finding on arrays of independent problems, each with its convergence reported or refused.

* :func:`bisect_increasing` — bisection of increasing functions on brackets (geometric midpoints on positive
  brackets);
* :func:`safeguarded_newton` — Newton steps kept inside shrinking brackets;
* :func:`newton_converged` — the stopping rule of a Newton iteration: the step, or the next step predicted by
  quadratic convergence, below the tolerance.

>>> import numpy as np
>>> root = bisect_increasing(lambda x: x * x - 2, np.array(1.0), np.array(2.0), "√2")
>>> bool(abs(root - np.sqrt(2)) < 1e-15)
True
"""
from __future__ import annotations

import numpy as np

__all__ = ["bisect_increasing", "safeguarded_newton", "newton_converged"]


def bisect_increasing(f, lo, hi, what):
    """The root of increasing f on [lo, hi] (arrays, f(lo) < 0 < f(hi)) to 4e-16 relative; ArithmeticError
    (naming ``what``) without a sign change or after 400 halvings."""
    f_lo, f_hi = f(lo), f(hi)
    if np.any(f_lo >= 0) or np.any(f_hi <= 0):
        raise ArithmeticError(f"{what}: no sign change on the bracket")
    for _ in range(400):
        mid = np.sqrt(lo * hi) if np.all(lo > 0) else 0.5 * (lo + hi)
        neg = f(mid) < 0
        lo, hi = np.where(neg, mid, lo), np.where(neg, hi, mid)
        if np.all(hi - lo <= 4e-16 * hi):
            return 0.5 * (lo + hi)
    raise ArithmeticError(f"{what}: bisection did not converge in 400 steps")


def safeguarded_newton(fdf, lo, hi, x, what):
    """The root of an increasing f on [lo, hi] (arrays, f(lo) < 0 < f(hi)): Newton steps from ``x``, a step
    that leaves the shrinking bracket replaced by its geometric midpoint; stops at a step of 1e-15 relative."""
    done = np.zeros(np.shape(x), dtype=bool)
    for _ in range(400):
        f, df = fdf(x)
        lo, hi = np.where(f < 0, x, lo), np.where(f < 0, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - f / df
        outside = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(outside, np.sqrt(lo * hi), new)
        small = (np.abs(new - x) <= 1e-15 * np.abs(x)) | (hi - lo <= 4e-16 * hi) | (f == 0)
        x = np.where(done, x, new)             # the last, small step is taken too
        done |= small
        if np.all(done):
            return x
    raise ArithmeticError(f"{what}: Newton with bisection did not converge in 400 steps")


def newton_converged(step, before, tol):
    """Newton has converged when its step is below ``tol``, or when the next step, predicted from quadratic
    convergence as |step|³/|before|² (before: the previous step, inf at the first), is — the steps shrinking."""
    with np.errstate(divide="ignore", invalid="ignore"):
        predicted = np.where(np.isfinite(before) & (step < before), step ** 3 / before ** 2, np.inf)
    return (step <= tol) | (predicted <= tol)
