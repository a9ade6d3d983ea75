"""Time-domain solver of the mean-field response equations of Langevin-trained random features.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1
(route 1 of the response: the Volterra equations themselves).  For N modes with eigenvalues Λ_i,
P samples, loss scale c and weight decay g the response R_i of mode i and the collective kernel
ρ̃ (ρ = δ − ρ̃) solve

    dR_i/dt = −g R_i − cPΛ_i [R_i(t) − ∫_0^t ρ̃(t−s) R_i(s) ds],   R_i(0) = 1,        (K-3)
    ρ̃(t) = c S(t) − c ∫_0^t S(t−u) ρ̃(u) du,   S(t) = Σ_j Λ_j R_j(t),                  (K-4)

so ρ̃(0) = c Σ_j Λ_j.  Laplace form (K-5): R̂_i(z) = 1/(z + g + cPΛ_i ρ̂(z)), ρ̂ = 1/(1 + cŜ).

The scheme (second order, uniform step h, t_n = nh):

* weight decay exactly.  Multiplying (K-3, K-4) by e^{gt} shows R_i(t; g) = e^{−gt} R_i(t; 0),
  ρ̃(t; g) = e^{−gt} ρ̃(t; 0), S(t; g) = e^{−gt} S(t; 0) (in Laplace terms g shifts z; the discrete
  convolutions below factor the same way), so the g = 0 system is integrated and e^{−gt} applied;
* convolutions by trapezoidal product integration,
  (f∗q)(t_n) ≈ h[Σ_{k=1}^{n−1} f[n−k] q[k] + ½ f[n] q[0] + ½ f[0] q[n]];
* (K-3) by the trapezoidal (Crank–Nicolson) rule, implicit at the new point.  At step n the
  unknowns R_i[n], ρ̃[n] enter linearly: R_i[n] = α_i + β_i ρ̃[n] from (K-3), then (K-4) fixes
  ρ̃[n] by one scalar division (no iteration);
* the history sums H_i[n] = Σ_{k=1}^{n−1} ρ̃[n−k] R_i[k] and Σ_{k=1}^{n−1} S[n−k] ρ̃[k] (both factors
  produced online): ``method="direct"`` sums them afresh each step, O(N n²) in all;
  ``method="fast"`` accumulates them by an online (relaxed) divide-and-conquer convolution with FFT
  blocks, O(N n log² n), equal to "direct" up to round-off.

Resolution.  On a mode of rate λ the trapezoidal rule multiplies by r(x) = (1 − x/2)/(1 + x/2),
x = λh, i.e. it decays at the rate (2/h) artanh(x/2) = λ(1 + x²/12 + x⁴/80 + …).  The data part of
the spectrum of A = cΦᵀΦ + g ends at λ_data = cPΛ_max(1 + √(N/P))² (g is exact here), and the step is
refused when x = λ_data h > 1/2 (:data:`MAX_RATE_STEP`): then the relative rate error of the
fastest mode is below x²/12 ≈ 2 %, its largest absolute error max_t e^{−λt}λt·x²/12 below 0.8 %,
the x⁴ term below 4 % of the x² term (so the error is in the asymptotic h² regime that Richardson
estimates assume), and r(x) ≥ 0.6 > 0 (no sign-alternating spurious modes, which appear for x > 2).

>>> sol = solve_response([1.0, 0.5], P=3, weight_decay=0.1, loss_scale=1.0, dt=0.01, t_max=1.0)
>>> sol.R.shape, float(sol.times[-1]), float(sol.rho_tilde[0])      # ρ̃(0) = c Σ Λ_j
((2, 101), 1.0, 1.5)
>>> bool(np.allclose(sol.S, sol.eigenvalues @ sol.R))
True
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from numerics.langevin_simulation import _eigenvalues  # the same validation of Λ
from numerics.validate import nonnegative, positive

__all__ = [
    "ResponseSolution",
    "solve_response",
    "fastest_rate",
    "suggested_dt",
    "MAX_RATE_STEP",
]

#: largest accepted λ_data·dt (see the module docstring for the accuracy argument)
MAX_RATE_STEP = 0.5
#: guards against absurd runs: time steps, stored array elements, and direct-method work N·n²/2
MAX_STEPS = 5_000_000
MAX_ELEMENTS = 25_000_000
MAX_DIRECT_WORK = 2e11
#: blocks of the online convolution up to this size are summed directly (FFT above)
_DIRECT_BLOCK = 16
_METHODS = ("fast", "direct")


@dataclass(frozen=True)
class ResponseSolution:
    """Grid solution of (K-3, K-4): ``R`` (N, n+1), ``rho_tilde`` and ``S`` (n+1,) on ``times``."""

    times: np.ndarray
    R: np.ndarray
    rho_tilde: np.ndarray
    S: np.ndarray
    dt: float
    method: str
    eigenvalues: np.ndarray
    P: float
    weight_decay: float
    loss_scale: float


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _check_number(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")


def fastest_rate(eigenvalues, P, weight_decay, loss_scale) -> float:
    """Upper edge of the spectrum of A = cΦᵀΦ + g: g + cPΛ_max(1 + √(N/P))² (Marchenko–Pastur edge).

    >>> fastest_rate([1.0] * 4, P=4, weight_decay=0.5, loss_scale=0.25)
    4.5
    """
    lam = _eigenvalues(eigenvalues)
    P = positive("P", P)
    g = nonnegative("weight_decay", weight_decay)
    c = positive("loss_scale", loss_scale)
    return g + _data_rate(lam, P, c)


def _data_rate(lam, P, c):
    return c * P * float(lam.max()) * (1.0 + math.sqrt(lam.size / P)) ** 2


def suggested_dt(eigenvalues, P, loss_scale) -> float:
    """Largest step the solver accepts: MAX_RATE_STEP / (cPΛ_max(1 + √(N/P))²) (g is integrated exactly).

    >>> suggested_dt([1.0] * 4, P=4, loss_scale=0.25)
    0.125
    """
    lam = _eigenvalues(eigenvalues)
    return MAX_RATE_STEP / _data_rate(lam, positive("P", P), positive("loss_scale", loss_scale))


def _steps(dt, t_max):
    """Smallest n with n·dt >= t_max (a relative slack of 1e-12 absorbs round-off in t_max/dt)."""
    return math.ceil(t_max / dt * (1 - 1e-12)) if t_max > 0 else 0


def _grid(dt, t_max, lam, P, c):
    """Number of steps n (n·dt >= t_max), after the resolution and size guards."""
    x = _data_rate(lam, P, c) * dt
    if x > MAX_RATE_STEP:
        raise ValueError(
            f"dt={dt!r} does not resolve the fastest mode: cPΛ_max(1 + √(N/P))²·dt = {x:.4g} > "
            f"{MAX_RATE_STEP} (trapezoidal-rule accuracy limit); use dt <= {MAX_RATE_STEP / (x / dt):.4g}")
    steps = _steps(dt, t_max)
    if steps > MAX_STEPS:
        raise ValueError(f"t_max/dt = {t_max / dt:.4g} steps is too many (limit {MAX_STEPS}); "
                         f"raise dt or lower t_max")
    if lam.size * (steps + 1) > MAX_ELEMENTS:
        raise ValueError(f"N·(n+1) = {lam.size * (steps + 1):.4g} stored values is too much memory "
                         f"(limit {MAX_ELEMENTS:.3g}); raise dt, lower t_max or use fewer modes")
    return steps


def _validated(eigenvalues, P, weight_decay, loss_scale, dt, t_max, method):
    lam = _eigenvalues(eigenvalues)
    for value, name in ((P, "P"), (weight_decay, "weight_decay"), (loss_scale, "loss_scale"),
                        (dt, "dt"), (t_max, "t_max")):
        _check_number(value, name)
    P = positive("P", P)
    g = nonnegative("weight_decay", weight_decay)
    c = positive("loss_scale", loss_scale)
    dt = positive("dt", dt)
    t_max = nonnegative("t_max", t_max)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    steps = _grid(dt, t_max, lam, P, c)
    if method == "direct" and lam.size * steps ** 2 / 2 > MAX_DIRECT_WORK:
        raise ValueError(f"method='direct' would take N·n²/2 = {lam.size * steps ** 2 / 2:.3g} "
                         f"multiply-adds (limit {MAX_DIRECT_WORK:.3g}); use method='fast'")
    return lam, P, g, c, dt, steps


# --------------------------------------------------------------------------
# Online (relaxed) convolution
# --------------------------------------------------------------------------

class _RelaxedProduct:
    """p[t] = Σ_{x+y=t} a[x] b[y] for sequences a (L,) and b (L, ...) that arrive one index at a time.

    Call :meth:`advance(i)` once a[i] and b[i] are stored; afterwards p[i] is complete.  Each pair
    (x, y) is added exactly once: at leaf max(x, y) if the other index is 0, otherwise when the left
    half of the smallest aligned dyadic block holding max(x, y) and t = x + y is finished (that
    half is [l, m), t lies in [m, m + s), s = m − l).  For l > 0 the other index lies in [0, 2s),
    and 2s <= l, so it is known and not in [l, m); for l = 0 both indices lie in [0, m).
    """

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.p = np.zeros_like(b)
        self.L = a.shape[0]
        self._prefix = {}            # s -> (rfft of a[0:2s], rfft of b[0:2s]) on 2s points

    def advance(self, i):
        a, b, p = self.a, self.b, self.p
        if i == 0:
            p[0] += a[0] * b[0]
        else:
            p[i] += a[i] * b[0] + a[0] * b[i]
        m = i + 1
        s = m & -m
        l, hi = m - s, min(m + s, self.L)
        if hi <= m:
            return
        if l == 0:
            p[m:hi] += self._fft_product(a[:m], b[:m], 2 * m)[m:hi]
        elif s <= _DIRECT_BLOCK:
            p[m:hi] += self._direct_block(l, m, hi)
        else:
            fa, fb = self._prefix_fft(s)
            ba = np.fft.rfft(a[l:m], 2 * s, axis=0)
            bb = np.fft.rfft(b[l:m], 2 * s, axis=0)
            prod = np.fft.irfft(_bcast(ba, fb) * fb + _bcast(fa, bb) * bb, 2 * s, axis=0)
            p[m:hi] += prod[s:s + hi - m]

    def _fft_product(self, x, y, n):
        fx = np.fft.rfft(x, n, axis=0)
        fy = np.fft.rfft(y, n, axis=0)
        return np.fft.irfft(_bcast(fx, fy) * fy, n, axis=0)

    def _prefix_fft(self, s):
        if s not in self._prefix:
            self._prefix[s] = (np.fft.rfft(self.a[:2 * s], 2 * s, axis=0),
                               np.fft.rfft(self.b[:2 * s], 2 * s, axis=0))
        return self._prefix[s]

    def _direct_block(self, l, m, hi):
        t = np.arange(m, hi)[:, None]
        x = np.arange(l, m)[None, :]
        other = t - x                                    # in [1, 2s): known, outside [l, m)
        a, b = self.a, self.b
        return (np.tensordot(a[other], b[l:m], axes=([1], [0]))
                + np.einsum("tx,tx...->t...", np.broadcast_to(a[l:m], other.shape), b[other]))


def _bcast(x, like):
    """Append axes to x so that it broadcasts against ``like`` along the first axis."""
    return x.reshape(x.shape + (1,) * (like.ndim - x.ndim))


# --------------------------------------------------------------------------
# The scheme
# --------------------------------------------------------------------------

def _march(lam, P, c, h, steps, method):
    """Crank–Nicolson + trapezoidal product integration of (K-3, K-4) at g = 0.

    Returns time-major R (n+1, N), ρ̃ (n+1,), S (n+1,).
    """
    N, L = lam.size, steps + 1
    a_mode = c * P * lam                             # cPΛ_i
    R = np.zeros((L, N))
    rho = np.zeros(L)
    S = np.zeros(L)
    R[0] = 1.0
    S[0] = lam.sum()
    rho[0] = c * S[0]
    r0 = rho[0]
    D = 1.0 + 0.5 * h * a_mode * (1.0 - 0.5 * h * r0)
    beta_coef = 0.25 * h * h * a_mode / D            # ∂R_i[n]/∂ρ̃[n]
    B = lam @ beta_coef                              # ∂S[n]/∂ρ̃[n]
    denom = 1.0 + 0.5 * h * r0 - c * (1.0 - 0.5 * h * r0) * B
    F = -a_mode * R[0]                               # dR/dt at t = 0 (Q(0) = 0)
    if method == "fast":
        # shifted by one index: a[x] = ρ̃[x+1], b[y] = R[y+1]; H[n] = p[n−2]
        hist_R = _RelaxedProduct(rho[1:], R[1:])
        hist_S = _RelaxedProduct(S[1:], rho[1:])
    for n in range(1, L):
        if n < 2:
            HR, HS = np.zeros(N), 0.0
        elif method == "fast":
            HR, HS = hist_R.p[n - 2], hist_S.p[n - 2]
        else:
            HR = rho[n - 1:0:-1] @ R[1:n]
            HS = S[n - 1:0:-1] @ rho[1:n]
        alpha = (R[n - 1] + 0.5 * h * F + 0.5 * h * h * a_mode * HR) / D
        A = lam @ alpha
        rho[n] = (c * (1.0 - 0.5 * h * r0) * A - c * h * HS) / denom
        R[n] = alpha + beta_coef * rho[n]
        S[n] = lam @ R[n]
        Q = h * HR + 0.5 * h * (rho[n] + r0 * R[n])    # (ρ̃∗R_i)(t_n), R_i[0] = 1
        F = -a_mode * (R[n] - Q)
        if method == "fast":
            hist_R.advance(n - 1)
            hist_S.advance(n - 1)
    return R, rho, S


def solve_response(eigenvalues, P, weight_decay, loss_scale, dt, t_max, method="fast") -> ResponseSolution:
    """Solve the mean-field response equations (K-3, K-4) on the grid 0, dt, …, n·dt (n·dt >= t_max).

    Second-order scheme (see the module docstring): trapezoidal product integration of the
    convolutions, the trapezoidal rule for (K-3) implicit at the new point with the unknowns
    R_i[n], ρ̃[n] eliminated exactly, and the weight decay g integrated exactly (R_i ∝ e^{−gt}).
    ``method="direct"`` sums each step's history afresh (O(N n²)); ``method="fast"`` (default)
    accumulates it by online FFT convolution (O(N n log² n)), the same numbers up to round-off.

    ``P`` is any number > 0 (the equations are continuous in it).  The step limit involves only the
    data rate, g being exact here; :mod:`numerics.dmft_two_time` needs (g + λ_data)·dt <= MAX_RATE_STEP.
    Raises ValueError naming the argument for non-positive or non-finite eigenvalues, P <= 0,
    weight_decay < 0, loss_scale <= 0, dt <= 0, t_max < 0, for a step that does not resolve the
    fastest mode (cPΛ_max(1 + √(N/P))²·dt > MAX_RATE_STEP; the message suggests a dt) and for
    grids too large to store or, with "direct", to sum.

    >>> sol = solve_response([1.0], P=100, weight_decay=0.0, loss_scale=0.01, dt=0.01, t_max=2.0)
    >>> round(float(sol.R[0, -1]), 2), round(float(np.exp(-2.0)), 2)    # N/P -> 0: R -> e^{−cPΛt}
    (0.14, 0.14)
    """
    lam, P, g, c, dt, steps = _validated(eigenvalues, P, weight_decay, loss_scale, dt, t_max, method)
    R, rho, S = _march(lam, P, c, dt, steps, method)
    times = dt * np.arange(steps + 1)
    decay = np.exp(-g * times)
    return ResponseSolution(times=times, R=np.ascontiguousarray((R * decay[:, None]).T),
                            rho_tilde=rho * decay, S=S * decay, dt=dt, method=method,
                            eigenvalues=lam, P=P, weight_decay=g, loss_scale=c)
