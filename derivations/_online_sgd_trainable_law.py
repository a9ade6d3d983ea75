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
* ``simulate(rng, x)``: online SGD with only the top x blocks trainable, from one fixed teacher
  B ~ N(0, 1) and student J(0) ~ N(0, σ_J²) (``WEIGHTS_SEED``; the law's seeds are input streams, the
  same stream for every x: common random numbers); the observation is the mean of ε_g (the exact
  population error of the weights) at ``RECORDS`` times in (α(x), α(x) + ``WINDOW``].  The time
  average removes most of the stationary SGD fluctuation (dominated by the top blocks, which
  decorrelate within Δα ~ 1/(2ηλ_1) ≈ 0.01).  A fresh teacher per seed would add the χ² spread of
  the tail (15–25 % per seed here): measured, it widened the 32-seed interval to ±0.10.
* ``finite_theory(x)``: the frozen-block W-1 solution at the same N, L, η and times, from the
  fixed weights' ε_m(0) (:func:`frozen_block_errors`).  W-1 is the N → ∞ limit: the exact finite-N
  mean (one-step recursion with the extra 2η²λ_m²ε_m/N² per step) lies ≈ 4 % higher at every x
  (the floor's O(ηλ_1/N) correction, ηλ_1/N ≈ 0.15) and its fitted slope differs by < 10⁻³,
  far below the interval.

α(x): the W-1 leftover ε_g(α) − ε_g(∞) = Σ_k c_k e^{μ_k α} (μ_k < 0 the eigenvalues of the trained
sub-system) is bounded by Σ_k |c_k| e^{μ_k α}, decreasing in α; α(x) is the smallest integer at which
this bound is ≤ ``LEFTOVER`` · ε_g(∞) = 10⁻³ ε_g(∞), so it moves each log ε_g by ≤ 10⁻³ and the fitted
slope by ≤ 1.2·10⁻³ (Σ|∂slope/∂log ε_i| = 0.8/ln 2 for sizes doubling); the finite theory keeps the
leftover exactly anyway.

>>> law = trainable_laws()[0]
>>> law.name, law.entry, law.step, law.value()
('sgd-trainable-dimensions', 'online-sgd-linear', 'trainable-rate', 1.0)
>>> [training_alpha(x) for x in SIZES]
[2, 4, 19, 65]
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

__all__ = ["frozen_block_errors", "stationary_error", "training_alpha", "tail_theory", "trainable_laws",
           "recording_alphas", "leftover_bound", "BETA", "N_SIM", "L_SIM", "ETA_SIM", "SIGMA_J", "SIZES", "LEFTOVER",
           "WEIGHTS_SEED", "WINDOW", "RECORDS"]

BETA = 1.0
N_SIM, L_SIM, ETA_SIM, SIGMA_J = 256, 128, 0.5, 0.01
SIZES = (4, 8, 16, 32)
LEFTOVER = 1e-3
#: the fixed teacher and initial student: np.random.default_rng(WEIGHTS_SEED), B first
WEIGHTS_SEED = 1
#: the observation is the mean of ε_g at RECORDS equally spaced times in (α(x), α(x) + WINDOW]
WINDOW, RECORDS = 4, 64


# ---- W-1 with frozen blocks -------------------------------------------------------------------

def _trained_system(eigenvalues, fractions, eta, trained):
    """The trained sub-system: its symmetric form D + wwᵀ (w = η√f λ; the generator is
    S(D + wwᵀ)S⁻¹, S = diag(w)), w, and the source coefficients η²fλ² of the frozen error."""
    lam = np.asarray(eigenvalues, float)[trained]
    f = np.asarray(fractions, float)[trained]
    w = eta * np.sqrt(f) * lam
    return np.diag(-2 * eta * lam) + np.outer(w, w), w, w * w


def _check_trained(eigenvalues, fractions, eta, trained):
    lam, f = np.asarray(eigenvalues, float), np.asarray(fractions, float)
    t = np.asarray(trained)
    if t.dtype != np.bool_ or t.shape != lam.shape or not t.any():
        raise ValueError("trained must be a boolean array with one entry per block and at least one True")
    if lam.ndim != 1 or f.shape != lam.shape or np.any(lam <= 0) or np.any(f <= 0) or abs(f.sum() - 1) > 1e-12:
        raise ValueError("eigenvalues and fractions must be 1-d, > 0, one per block, fractions summing to 1")
    if not (np.isfinite(eta) and 0 < eta < 2 / float(np.dot(f[t], lam[t]))):
        raise ValueError(f"eta must be in (0, 2/Σ_trained f_mλ_m) (stability of W-1), got {eta!r}")
    return lam, f, t


def _modes(eps0, eigenvalues, fractions, eta, trained):
    """(μ, V, coordinates of S⁻¹(ε_t(0) − ε_t*), w, ε_t*, ε_frozen) of the trained sub-system."""
    lam, f, t = _check_trained(eigenvalues, fractions, eta, trained)
    eps0 = np.asarray(eps0, float)
    frozen = float(eps0[~t].sum())
    sym, w, source = _trained_system(lam, f, eta, t)
    mu, V = np.linalg.eigh(sym)
    generator = (w[:, None] * sym) / w[None, :]
    star = -np.linalg.solve(generator, source * frozen)          # 𝒜ε* + c ε_frozen = 0
    start = V.T @ ((eps0[t] - star) / w)
    return mu, V, start, w, star, frozen


def frozen_block_errors(alphas, eps0, eigenvalues, fractions, eta, trained):
    """ε_m(α) (rows α, columns m) of W-1 with the blocks ``trained`` (bool per block) trained and the
    others frozen (module docstring), noise-free, exactly (eigendecomposition of the trained part).

    >>> lam, f = np.array([1.5, 0.5]), np.array([0.5, 0.5])
    >>> e = frozen_block_errors([0.0, 1e3], [0.3, 0.1], lam, f, 0.4, np.array([True, False]))
    >>> e[0].tolist(), round(float(e[1, 1]), 12), round(float(e[1].sum()), 12)   # ε_g(∞) = 0.1/(1 − 0.4·0.75/2)
    ([0.3, 0.1], 0.1, 0.117647058824)
    """
    mu, V, start, w, star, frozen = _modes(eps0, eigenvalues, fractions, eta, trained)
    t = np.asarray(trained)
    a = np.asarray(alphas, float)
    out = np.empty((a.size, t.size))
    out[:, ~t] = np.asarray(eps0, float)[~t]
    out[:, t] = (np.exp(np.outer(a, mu)) * start) @ V.T * w + star
    return out


def stationary_error(eps0, eigenvalues, fractions, eta, trained):
    """ε_g(∞) = ε_frozen/(1 − η Σ_trained f_mλ_m/2) (module docstring)."""
    lam, f, t = _check_trained(eigenvalues, fractions, eta, trained)
    return float(np.asarray(eps0, float)[~t].sum()) / (1 - eta * float(np.dot(f[t], lam[t])) / 2)


def leftover_bound(alpha, eps0, eigenvalues, fractions, eta, trained):
    """Σ_k |c_k| e^{μ_k α} ≥ |ε_g(α) − ε_g(∞)| (module docstring), decreasing in α."""
    mu, V, start, w, _, _ = _modes(eps0, eigenvalues, fractions, eta, trained)
    c = (w @ V) * start                      # ε_g leftover = Σ_m (V e^{μα} start)_m w_m
    return float(np.sum(np.abs(c) * np.exp(mu * alpha)))


# ---- the law at the simulated sizes --------------------------------------------------------------

@functools.cache
def _setting():
    """Spectrum, blocks, the fixed weights (J(0), B) and their block errors
    ε_m(0) = (λ_m/2N) Σ_{j∈m} (w*_j − w_j)², w = (J_1 + J_2)/√2, w* = (B_1 + B_2)/√2."""
    from numerics.committee_blocks import eigenvalue_blocks, power_law_eigenvalues
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
    args = (eps0, blocks.values, blocks.fractions, ETA_SIM, _trained_blocks(x))
    target = LEFTOVER * stationary_error(*args)
    alpha = 1
    while leftover_bound(alpha, *args) > target:
        alpha *= 2
    lo, hi = alpha // 2, alpha
    while hi - lo > 1:                       # the bound decreases: bisect on the integers
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if leftover_bound(mid, *args) <= target else (mid, hi)
    return hi


def recording_alphas(x: int) -> np.ndarray:
    """α(x) + k·WINDOW/RECORDS, k = 1 … RECORDS: the times whose mean ε_g is the observation (whole
    steps at N_SIM)."""
    return training_alpha(int(x)) + WINDOW * np.arange(1, RECORDS + 1) / RECORDS


def finite_theory(x: int) -> float:
    """Mean over :func:`recording_alphas` of ε_g of frozen-block W-1 at N_SIM, L_SIM, ETA_SIM from the
    fixed weights' ε(0)."""
    _, blocks, _, _, eps0 = _setting()
    errors = frozen_block_errors(recording_alphas(x), eps0, blocks.values, blocks.fractions, ETA_SIM,
                                 _trained_blocks(int(x)))
    return float(errors.sum(axis=1).mean())


def tail_theory(x):
    """ε_g(∞) at L = ∞ (trace-normalised power law) with the top x blocks trained, at mpmath precision:
    ε_frozen/(1 − ηS_t/2), ε_frozen = (1 + σ_J²)ζ(1+β, x+1)/(2ζ(1+β)), S_t = 1 − ζ(1+β, x+1)/ζ(1+β)."""
    s = 1 + mpmath.mpf(BETA)
    share = mpmath.zeta(s, x + 1) / mpmath.zeta(s)
    frozen = (1 + mpmath.mpf(SIGMA_J) ** 2) * share / 2
    return frozen / (1 - mpmath.mpf(ETA_SIM) * (1 - share) / 2)


_ENTROPY: dict = {}


def _entropy(rng):
    """The input-stream entropy of one seed, drawn once per generator (common to all sizes)."""
    key = id(rng)
    if key not in _ENTROPY or _ENTROPY[key][0] is not rng:
        _ENTROPY.clear()                              # one generator at a time (seeds run in order)
        _ENTROPY[key] = (rng, int(rng.integers(2**62)))
    return _ENTROPY[key][1]


def simulate(rng, x):
    """Mean ε_g over :func:`recording_alphas` of one SGD run (the fixed weights, top x blocks trainable,
    the seed's input stream)."""
    from derivations.online_sgd import compiled_model
    from numerics.online_sgd_simulation import simulate_order_parameters
    lam, blocks, J, B, _ = _setting()
    mask = _trained_blocks(int(x))[blocks.labels]
    paths = simulate_order_parameters(recording_alphas(x), J, B, lam, ETA_SIM, activation="linear",
                                      normalized_outputs=True, seeds=1, entropy=_entropy(rng), progress=False,
                                      trainable=mask)
    Q1, R1, T1 = paths.first_order()
    T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
    return float(compiled_model(2, 2, "linear", True).population_error(Q1, R1, T1)[0].mean())


def trainable_laws():
    from derivations.exponents import Law
    return [
        Law("sgd-trainable-dimensions", "online-sgd-linear", "trainable-rate",
            "linear two-layer network, online SGD", "ε_g(α → ∞)", "L_t", "top L_t of L blocks trained, the rest frozen; α ≫ 1/(ηλ_{L_t})", {"beta": BETA},
            tail_theory, simulate, finite_theory, SIZES, seeds=(32, 8),
            notes=f"simulation: K = M = 2, normalised outputs, N = {N_SIM}, L = {L_SIM} blocks, η = {ETA_SIM}, "
                  f"σ_J = {SIGMA_J}, one fixed teacher and student (seeds: input streams, common to all L_t), "
                  f"gradient masked outside the top L_t blocks, ε_g averaged over α(L_t) + (0, {WINDOW}] with "
                  f"α(L_t) = {[training_alpha(x) for x in SIZES]} (W-1 leftover ≤ {LEFTOVER:g}·ε_g(∞)); finite "
                  f"theory: W-1 with zero rows for frozen blocks from the same weights; theory: L = ∞, mean ε(0), "
                  f"ε_frozen/(1 − ηS_t/2) by Hurwitz zeta"),
    ]
