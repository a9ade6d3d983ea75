"""Mode sums of relaxing power-law spectra, Σ_k f(k) with f(k) = F(k, x·k^(−α)), to high precision.

In the data-rich window of gradient flow every mode relaxes on its own at rate ∝ Λ_k = k^(−α)
(``dmft-exponents``, arXiv:2602.23039 reconstruction), and the test error and the label-noise
variance are

    bias_sum(x)  = Σ_k k^(−p) e^(−2x k^(−α))         (p = 1 + 2αr),
    noise_sum(x) = Σ_k (1 − e^(−x k^(−α)))²,

with x = cPt.  The summands are smooth and vary on the scale k* = x^(1/α), so the sum is the first
``head`` terms directly plus the Euler–Maclaurin tail (:func:`mpmath.sumem`, derivatives at the
working precision).  The derivatives in x (for the optimal stopping time) are sums of the same kind.

>>> import mpmath
>>> with mpmath.workdps(30):
...     s = bias_sum(mpmath.mpf(10) ** 4, 1.5, 1.5)
...     i = mpmath.quad(lambda k: k ** -1.5 * mpmath.exp(-2 * 10 ** 4 * k ** -1.5), [1, mpmath.inf])
>>> bool(abs(s - i) / s < 1e-12)          # the sum equals the integral up to exponentially small terms
True
"""
from __future__ import annotations

import mpmath

__all__ = ["mode_sum", "bias_sum", "bias_sum_slope", "noise_sum", "noise_sum_slope"]

HEAD = 20


def _check(x, alpha):
    x, alpha = mpmath.mpf(x), mpmath.mpf(alpha)
    if not (mpmath.isfinite(alpha) and alpha > 1):
        raise ValueError(f"alpha must be > 1 (Σ_k k^(−α) converges), got {alpha}")
    if not (mpmath.isfinite(x) and x > 0):
        raise ValueError(f"x = cPt must be finite and > 0, got {x}")
    return x, alpha


def mode_sum(f, head: int = HEAD):
    """Σ_{k≥1} f(k): ``head`` − 1 terms directly, the rest by Euler–Maclaurin from k = head."""
    return mpmath.fsum(f(mpmath.mpf(k)) for k in range(1, head)) + mpmath.sumem(f, [head, mpmath.inf])


def bias_sum(x, alpha, p):
    """Σ_k k^(−p) e^(−2x k^(−α)): gradient-flow error in the window (target Λ_k v_k = k^(−p))."""
    x, alpha = _check(x, alpha)
    p = mpmath.mpf(p)
    return mode_sum(lambda k: k ** -p * mpmath.exp(-2 * x * k ** -alpha))


def bias_sum_slope(x, alpha, p):
    """d/dx of :func:`bias_sum`: −2Σ_k k^(−p−α) e^(−2x k^(−α))."""
    x, alpha = _check(x, alpha)
    p = mpmath.mpf(p)
    return -2 * mode_sum(lambda k: k ** (-p - alpha) * mpmath.exp(-2 * x * k ** -alpha))


def noise_sum(x, alpha):
    """Σ_k (1 − e^(−x k^(−α)))²: label-noise variance × P/σ² in the window."""
    x, alpha = _check(x, alpha)
    return mode_sum(lambda k: (-mpmath.expm1(-x * k ** -alpha)) ** 2)


def noise_sum_slope(x, alpha):
    """d/dx of :func:`noise_sum`: 2Σ_k k^(−α) e^(−x k^(−α))(1 − e^(−x k^(−α)))."""
    x, alpha = _check(x, alpha)
    return 2 * mode_sum(lambda k: k ** -alpha * mpmath.exp(-x * k ** -alpha) * (-mpmath.expm1(-x * k ** -alpha)))
