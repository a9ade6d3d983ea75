"""Exponents from numbers: local slopes of exact curves, fitted slopes of simulations with
bootstrap intervals over seeds.

A plain log–log fit of noisy data is biased by floors and correction terms, so two
different questions are kept apart:

* :func:`local_slope` — d log y/d log x of an exact (high-precision) curve at one point, by a
  central difference in log x; its convergence to a derived exponent is read off at growing x.
* :func:`fit_slope` — the least-squares slope of log(mean over seeds) against log x over a
  finite range, with a percentile bootstrap over *seeds* (whole curves, never points), χ²/dof
  from the per-point standard errors, and the slope with the smallest size dropped. It is
  compared with :func:`exact_fit_slope`, the same fit applied to the exact theory at the same
  finite sizes, not with the asymptotic exponent.

>>> import numpy as np
>>> x = np.array([10.0, 20.0, 40.0, 80.0])
>>> rng = np.random.default_rng(0)
>>> samples = x ** -1.5 * (1 + 0.05 * rng.standard_normal((200, 4)))
>>> fit = fit_slope(x, samples, entropy=1)
>>> fit.low < exact_fit_slope(x, x ** -1.5) < fit.high
True
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np


def local_slope(f, x, rel_step=None):
    """d log f/d log x at x by a central difference in log x, in the precision of f's output.

    ``f`` returns mpmath numbers (at the working precision) or floats. The step is
    ε^(1/3) in log x (ε the working epsilon), which balances truncation and round-off.

    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     s = local_slope(lambda t: 3 * t ** mpmath.mpf("-1.2"), mpmath.mpf(10) ** 8)
    >>> abs(s + mpmath.mpf("1.2")) < 1e-15
    True
    """
    mp = isinstance(x, mpmath.mpf)
    h = rel_step if rel_step is not None else (mpmath.eps ** (mpmath.mpf(1) / 3) if mp else np.finfo(float).eps ** (1 / 3))
    exp, log = (mpmath.exp, mpmath.log) if mp else (np.exp, np.log)
    up, down = f(x * exp(h)), f(x * exp(-h))
    return (log(up) - log(down)) / (2 * h)


#: correction terms a fit may carry besides the power law (the form the theory predicts)
CORRECTIONS = {"1/x": lambda x: 1 / x}


def _design(x, corrections=()):
    unknown = [c for c in corrections if c not in CORRECTIONS]
    if unknown:
        raise ValueError(f"unknown correction terms {unknown}; known: {list(CORRECTIONS)}")
    return np.column_stack([np.ones_like(x), np.log(x), *[CORRECTIONS[c](x) for c in corrections]])


def _ols_slope(x, logy, corrections=()):
    A = _design(x, corrections)
    coef, *_ = np.linalg.lstsq(A, logy, rcond=None)
    return float(coef[1]), A, coef


def exact_fit_slope(x, y, corrections=()) -> float:
    """The least-squares slope of log y against log x (the fit :func:`fit_slope` makes)."""
    return _ols_slope(np.asarray(x, float), np.log(np.asarray(y, float)), corrections)[0]


@dataclass(frozen=True)
class SlopeFit:
    """A fitted slope with its bootstrap interval over seeds."""

    slope: float
    low: float
    high: float
    level: float
    chi2_dof: float
    slope_without_smallest: float
    n_seeds: int
    n_boot: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        return (f"{self.slope:+.3f} [{self.low:+.3f}, {self.high:+.3f}] ({100 * self.level:g}% bootstrap over "
                f"{self.n_seeds} seeds; χ²/dof {self.chi2_dof:.2f}; without the smallest size {self.slope_without_smallest:+.3f})")


def fit_slope(x, samples, level: float = 0.99, n_boot: int = 4000, entropy=0, corrections=()) -> SlopeFit:
    """Slope of log(mean over seeds) against log x, with a percentile bootstrap over seeds.

    ``samples`` has shape (n_seeds, n_points): one row per seed (one whole curve), all
    positive. χ²/dof uses the standard error of each point's mean (delta method in log).
    ``corrections`` adds terms to the fit (e.g. ``("1/x",)`` for an O(1/x) finite-size
    correction); compare with :func:`exact_fit_slope` using the same terms.
    """
    x = np.asarray(x, float)
    samples = np.asarray(samples, float)
    if samples.ndim != 2 or samples.shape[1] != x.size:
        raise ValueError(f"samples must have shape (n_seeds, {x.size}), got {samples.shape}")
    n_seeds = samples.shape[0]
    if n_seeds < 3 or x.size < 3:
        raise ValueError("fit_slope needs at least 3 seeds and 3 sizes")
    if not (0 < level < 1):
        raise ValueError(f"level must be in (0, 1), got {level}")
    mean = samples.mean(axis=0)
    if np.any(mean <= 0):
        raise ValueError("the mean curve must be positive for a log–log fit")
    slope, A, coef = _ols_slope(x, np.log(mean), corrections)
    if x.size - A.shape[1] < 1:
        raise ValueError(f"{x.size} sizes leave no degree of freedom for {A.shape[1]} fit parameters")
    se_log = samples.std(axis=0, ddof=1) / np.sqrt(n_seeds) / mean
    resid = np.log(mean) - A @ coef
    chi2_dof = float(np.sum((resid / se_log) ** 2) / (x.size - A.shape[1]))
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    idx = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    means = np.clip(samples[idx].mean(axis=1), np.finfo(float).tiny, None)       # (n_boot, n_points)
    slope_row = np.linalg.pinv(A)[1]                  # the least-squares slope is linear in log y
    boots = np.log(means) @ slope_row
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    drop = _ols_slope(x[1:], np.log(mean[1:]), corrections)[0] if x.size - 1 > A.shape[1] else float("nan")
    return SlopeFit(slope, float(lo), float(hi), level, chi2_dof, drop, n_seeds, n_boot)
