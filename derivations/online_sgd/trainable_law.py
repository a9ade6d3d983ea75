"""The exponent-table law ``sgd-trainable-dimensions``: ε_g ∝ L_t^(−β) in the number L_t of trained blocks.

Step ``trainable-rate`` of ``online-sgd-linear`` (Worschech & Rosenow, arXiv:2410.09005; reconstructed):
a linear two-layer student (K = M = 2, normalised outputs) trained by online SGD on the top L_t of L
eigen-blocks only (the gradient of the other coordinates masked, their weights frozen at J(0)) keeps
the error of the untrained tail, Σ_{m>L_t} ε_m(0) ∝ L_t^(−β).

Frozen blocks in W-1.  Every term of the block ODEs of block m carries the block-m part of the
gradient, ηλ_m (and η²λ_m f_m); masking the gradient sets those to 0 for a frozen block, while its
overlaps still enter Q1, R1 (the forward pass) and hence ε_g.  For the linear student the block
errors then obey (the rows of frozen blocks of the W-1 generator are zero, nothing else changes)

    dε_m/dα = t_m [−2ηλ_m ε_m + η²f_mλ_m² ε_g],   ε_g = Σ_m ε_m,   t_m ∈ {0, 1},

so a frozen block's error stays ε_m(0) and feeds the η² source of the trained blocks like label
noise of variance 2ε_frozen.  At α → ∞ the trained blocks sit at ε_m = ηλ_m f_m ε_g/2, whence

    ε_g(∞) = ε_frozen / (1 − η S_t/2),   S_t = Σ_{m≤L_t} f_mλ_m,   ε_frozen = Σ_{m>L_t} ε_m(0).

(The small-η tail of the entry is the numerator; the factor tends to 1/(1 − η/2) and leaves the
rate unchanged.)  Verified against SGD with masked coordinates in
``tests/numerics/test_online_sgd_simulation.py`` (z-tests of every block, and the floor-less variant
rejected).

The three routes:

* ``theory(x)``: the infinite, trace-normalised power law (L → ∞: f_mλ_m = m^(−(1+β))/ζ(1+β)) with
  mean initial errors ε_m(0) = (1 + σ_J²) f_mλ_m/2, at α = ∞, in closed form with the Hurwitz zeta
  function: ε_frozen = (1 + σ_J²) ζ(1+β, x+1)/(2ζ(1+β)), S_t = 1 − ζ(1+β, x+1)/ζ(1+β).  Local slope
  −β + O(x^(−1)).
* ``simulate(rng, sizes)``: online SGD with only the top x blocks trainable, from one fixed teacher
  B ~ N(0, 1) and student J(0) ~ N(0, σ_J²) (``WEIGHTS_SEED``; the law's seeds are input streams, the
  same stream for every x: common random numbers); the observation is the mean of ε_g (the exact
  population error of the weights) at ``RECORDS`` times in (α(x), α(x) + ``WINDOW``].  The time
  average removes most of the stationary SGD fluctuation (dominated by the top blocks, which
  decorrelate within Δα ~ 1/(2ηλ_1) ≈ 0.01).  A fresh teacher per seed would add the χ² spread of
  the tail (15–25 % per seed here): measured, it widened the 32-seed interval to ±0.10.
* ``finite_theory(x)``: the frozen-block W-1 solution at the same N, L, η and times, from the
  fixed weights' ε_m(0) (:func:`numerics.linear_sgd_errors.block_error_curve` with ``trained``).  W-1 is the N → ∞ limit: the exact finite-N
  mean (one-step recursion with the extra 2η²λ_m²ε_m/N² per step) lies ≈ 4 % higher at every x
  (the floor's O(ηλ_1/N) correction, ηλ_1/N ≈ 0.15) and its fitted slope differs by < 10⁻³,
  far below the interval.

α(x): the W-1 leftover ε_g(α) − ε_g(∞) = Σ_k c_k e^{μ_k α} (μ_k < 0 the eigenvalues of the trained
sub-system) is bounded by Σ_k |c_k| e^{μ_k α}, decreasing in α; α(x) is the smallest integer at which
this bound is ≤ ``LEFTOVER`` · ε_g(∞) = 10⁻³ ε_g(∞), so it moves each log ε_g by ≤ 10⁻³ and the fitted
slope by ≤ 1.2·10⁻³ (Σ|∂slope/∂log ε_i| = 0.8/ln 2 for sizes doubling); the finite theory keeps the
leftover exactly anyway.

>>> [training_alpha(x) for x in SIZES]
[2, 4, 19, 65]
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations.online_sgd.model import compiled_model
from numerics.committee_blocks import eigenvalue_blocks, power_law_eigenvalues
from numerics.linear_sgd_errors import block_error_curve, transient_bound
from numerics.online_sgd_simulation import simulate_order_parameters

__all__ = ["finite_theory", "simulate", "stationary_error", "training_alpha", "tail_theory",
           "recording_alphas", "BETA", "N_SIM", "L_SIM", "ETA_SIM", "SIGMA_J", "SIZES", "LEFTOVER",
           "WEIGHTS_SEED", "WINDOW", "RECORDS"]

BETA = 1.0
N_SIM, L_SIM, ETA_SIM, SIGMA_J = 256, 128, 0.5, 0.01
SIZES = (4, 8, 16, 32)
LEFTOVER = 1e-3
#: the fixed teacher and initial student: np.random.default_rng(WEIGHTS_SEED), B first
WEIGHTS_SEED = 1
#: the observation is the mean of ε_g at RECORDS equally spaced times in (α(x), α(x) + WINDOW]
WINDOW, RECORDS = 4, 64


# ---- W-1 with frozen blocks: numerics.linear_sgd_errors (trained=) ---------------------------------

def stationary_error(eps0, eigenvalues, fractions, eta, trained):
    """ε_g(∞) = ε_frozen/(1 − η Σ_trained f_mλ_m/2) (module docstring).

    >>> from numerics.linear_sgd_errors import block_error_curve
    >>> args = ([0.3, 0.1], np.array([1.5, 0.5]), np.array([0.5, 0.5]), 0.4, np.array([True, False]))
    >>> e = block_error_curve([1e3], *args[:4], trained=args[4]).sum()
    >>> bool(abs(e - stationary_error(*args)) < 1e-14)        # the closed form is W-1's stationary point
    True
    """
    lam, f, t = np.asarray(eigenvalues, float), np.asarray(fractions, float), np.asarray(trained)
    if not (np.isfinite(eta) and 0 < eta < 2 / float(np.dot(f[t], lam[t]))):
        raise ValueError(f"eta must be in (0, 2/Σ_trained f_mλ_m) (stability of W-1), got {eta!r}")
    return float(np.asarray(eps0, float)[~t].sum()) / (1 - eta * float(np.dot(f[t], lam[t])) / 2)


# ---- the law at the simulated sizes --------------------------------------------------------------

@functools.cache
def _setting():
    """Spectrum, blocks, the fixed weights (J(0), B) and their block errors
    ε_m(0) = (λ_m/2N) Σ_{j∈m} (w*_j − w_j)², w = (J_1 + J_2)/√2, w* = (B_1 + B_2)/√2."""
    lam = power_law_eigenvalues(N_SIM, L_SIM, BETA)
    blocks = eigenvalue_blocks(lam, equal_blocks=True)
    rng = np.random.default_rng(WEIGHTS_SEED)
    B = rng.standard_normal((2, N_SIM))
    J = SIGMA_J * rng.standard_normal((2, N_SIM))
    gap = (B.sum(0) - J.sum(0)) / math.sqrt(2)
    eps0 = np.bincount(blocks.labels, lam * gap**2, minlength=blocks.L) / (2 * N_SIM)
    return lam, blocks, J, B, eps0


def _trained_blocks(x):
    return np.arange(L_SIM) < x


@functools.cache
def training_alpha(x: int) -> int:
    """The smallest integer α with leftover bound ≤ LEFTOVER · ε_g(∞) for the top x blocks trained."""
    _, blocks, _, _, eps0 = _setting()
    args = (eps0, blocks.values, blocks.fractions, ETA_SIM)
    trained = _trained_blocks(x)
    target = LEFTOVER * stationary_error(*args, trained)

    def bound(a):
        return transient_bound(a, *args, trained=trained)
    alpha = 1
    while bound(alpha) > target:
        alpha *= 2
    lo, hi = alpha // 2, alpha
    while hi - lo > 1:                       # the bound decreases: bisect on the integers
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if bound(mid) <= target else (mid, hi)
    return hi


def recording_alphas(x: int) -> np.ndarray:
    """α(x) + k·WINDOW/RECORDS, k = 1 … RECORDS: the times whose mean ε_g is the observation (whole
    steps at N_SIM)."""
    return training_alpha(int(x)) + WINDOW * np.arange(1, RECORDS + 1) / RECORDS


def finite_theory(x: int) -> float:
    """Mean over :func:`recording_alphas` of ε_g of frozen-block W-1 at N_SIM, L_SIM, ETA_SIM from the
    fixed weights' ε(0)."""
    _, blocks, _, _, eps0 = _setting()
    errors = block_error_curve(recording_alphas(x), eps0, blocks.values, blocks.fractions, ETA_SIM,
                               trained=_trained_blocks(int(x)))
    return float(errors.sum(axis=1).mean())


def tail_theory(x):
    """ε_g(∞) at L = ∞ (trace-normalised power law) with the top x blocks trained, at mpmath precision:
    ε_frozen/(1 − ηS_t/2), ε_frozen = (1 + σ_J²)ζ(1+β, x+1)/(2ζ(1+β)), S_t = 1 − ζ(1+β, x+1)/ζ(1+β)."""
    s = 1 + mpmath.mpf(BETA)
    share = mpmath.zeta(s, x + 1) / mpmath.zeta(s)
    frozen = (1 + mpmath.mpf(SIGMA_J) ** 2) * share / 2
    return frozen / (1 - mpmath.mpf(ETA_SIM) * (1 - share) / 2)


def simulate(rng, sizes):
    """Mean ε_g over :func:`recording_alphas` of one SGD run per size x (the fixed weights, top x blocks
    trainable): the seed's input stream (its entropy drawn once from ``rng``) is common to all sizes."""
    return simulate_seeds([rng], sizes)[0]


def simulate_seeds(generators, sizes):
    """The rows of :func:`simulate` of every generator, bit for bit, the runs of each size simulated together."""
    entropies = [int(g.integers(2**62)) for g in generators]
    columns = [_mean_errors(x, entropies) for x in sizes]
    return [list(row) for row in zip(*columns)]


def _mean_errors(x, entropies):
    lam, blocks, J, B, _ = _setting()
    mask = _trained_blocks(int(x))[blocks.labels]
    paths = simulate_order_parameters(recording_alphas(x), J, B, lam, ETA_SIM, activation="linear",
                                      normalized_outputs=True, entropies=entropies, progress=False,
                                      trainable=mask)
    Q1, R1, T1 = paths.first_order()
    T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
    errors = compiled_model(2, 2, "linear", True).population_error(Q1, R1, T1)
    return [float(e) for e in errors.mean(axis=1)]
