"""Sampling the random matrices of the theory (white Wishart) and testing their spectra.

>>> import numpy as np
>>> ev = wishart_eigenvalues(np.random.default_rng(0), n=50, p=100)
>>> ev.shape, bool(abs(ev.mean() - 1) < 0.1)
((50,), True)
"""
from __future__ import annotations

import numpy as np
from scipy import integrate, stats


def _check_sizes(n, p):
    for name, v in (("n", n), ("p", p)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def wishart_eigenvalues(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Eigenvalues of W = HᵀH/p, H a p×n matrix of i.i.d. N(0, 1) entries (ratio q = n/p)."""
    _check_sizes(n, p)
    h = rng.standard_normal((p, n))
    return np.linalg.eigvalsh(h.T @ h / p)


def cdf_from_density(density, lower: float, upper: float, points: np.ndarray) -> np.ndarray:
    """∫_lower^x density for each x in ``points`` (clipped to [lower, upper]), by adaptive quadrature.

    The integral is accumulated between sorted points so each piece is a short, smooth integral.

    >>> np.round(cdf_from_density(lambda x: 2 * x, 0.0, 1.0, np.array([0.5, 2.0])), 12)
    array([0.25, 1.  ])
    """
    xs = np.clip(np.asarray(points, dtype=float), lower, upper)
    order = np.argsort(xs)
    out = np.empty_like(xs)
    total, previous = 0.0, lower
    for i in order:
        if xs[i] > previous:
            total += integrate.quad(density, previous, xs[i], limit=200)[0]
            previous = xs[i]
        out[i] = total
    return out


def ks_test(samples: np.ndarray, cdf) -> tuple[float, float]:
    """Kolmogorov–Smirnov statistic and p-value of i.i.d. ``samples`` against ``cdf``.

    >>> stat, p = ks_test(np.random.default_rng(0).uniform(size=500), lambda x: np.clip(x, 0, 1))
    >>> p > 1e-3
    True
    """
    res = stats.kstest(np.asarray(samples, dtype=float), cdf)
    return float(res.statistic), float(res.pvalue)
