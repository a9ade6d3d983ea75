"""Direct simulation of two-layer linear networks in mean-field scaling, trained by full-batch gradient descent
on one example or on P examples — many independent initialisations at once (the checks of
``feature-learning-linear``).

The network is f = w·h/(γ₀N), h = Wx/√D, with W (N × D) and w (N) drawn N(0, 1); the loss (y − f)²/2; every
weight takes steps θ ← θ − dt·γ₀²N·∂L/∂θ (gradient descent with step dt in the time of the gradient flow).
The whole weight matrix W is trained, not the reduced variables h.

>>> run = train_two_layer_linear(np.ones(4), 1.0, width=64, gamma0=1.0, dt=0.01, steps=300, seeds=8, seed=0)
>>> run.prediction.shape, bool(np.all(np.abs(run.prediction[-1] - 1.0) < 1e-3))
((301, 8), True)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.validate import finite, positive

__all__ = ["NetworkRun", "PointsRun", "train_two_layer_linear", "train_two_layer_linear_on_points"]


@dataclass(frozen=True)
class NetworkRun:
    """Records at ``times`` (the step count times dt): ``prediction`` f and ``kernel`` K = |h|²/N + Φ⁰|w|²/N
    (times × seeds); ``input_kernel`` Φ⁰ = |x|²/D."""

    times: np.ndarray
    prediction: np.ndarray
    kernel: np.ndarray
    input_kernel: float


@dataclass(frozen=True)
class PointsRun:
    """Records at ``times`` of networks trained on P examples: ``prediction`` f (times × seeds × P), the feature
    kernel ``feature_kernel`` H = hhᵀ/N (times × seeds × P × P), the readout norm ``readout_norm`` G = |w|²/N
    (times × seeds) and the inputs' Gram matrix ``gram`` K^x = XXᵀ/D."""

    times: np.ndarray
    prediction: np.ndarray
    feature_kernel: np.ndarray
    readout_norm: np.ndarray
    gram: np.ndarray


def _sizes(width, steps, seeds):
    for name, value in (("width", width), ("steps", steps), ("seeds", seeds)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def train_two_layer_linear_on_points(X, y, width, gamma0, dt, steps, seeds, seed=0, record_every=1) -> PointsRun:
    """Train ``seeds`` networks of ``width`` N from independent N(0, 1) starts (seeded: ``seed``) on the examples
    (rows of X, P × D; targets y) with the loss (1/(2P))Σ_μ(y_μ − f_μ)², ``steps`` steps of gradient descent with
    step ``dt``; record every ``record_every`` steps (and at t = 0)."""
    X = finite("X", X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1 or not np.any(X != 0):
        raise ValueError("X must be a non-zero P × D array (one training input a row)")
    y = finite("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one target per row of X, shape ({X.shape[0]},), got {y.shape}")
    gamma0, dt = positive("gamma0", gamma0), positive("dt", dt)
    _sizes(width, steps, seeds)
    (P, D), N = X.shape, int(width)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((seeds, N, D))
    w = rng.standard_normal((seeds, N))
    times, preds, kernels, norms = [], [], [], []
    for k in range(steps + 1):
        h = W @ X.T / np.sqrt(D)                                             # seeds × N × P
        f = np.einsum("sn,snp->sp", w, h) / (gamma0 * N)
        if k % record_every == 0 or k == steps:
            times.append(k * dt)
            preds.append(f)
            kernels.append(np.einsum("snp,snq->spq", h, h) / N)
            norms.append(np.einsum("sn,sn->s", w, w) / N)
        if k == steps:
            break
        error = (y - f) / P
        # −γ₀²N ∂L/∂w = γ₀ Σ_μ Δ_μ h_μ/P and −γ₀²N ∂L/∂W = γ₀ w (Σ_μ Δ_μ x_μ)ᵀ/(P√D), from the weights before the step
        step_w = dt * gamma0 * np.einsum("snp,sp->sn", h, error)
        W += (dt * gamma0 / np.sqrt(D)) * w[:, :, None] * (error @ X)[:, None, :]
        w += step_w
    return PointsRun(np.array(times), np.array(preds), np.array(kernels), np.array(norms), X @ X.T / D)


def train_two_layer_linear(x, y, width, gamma0, dt, steps, seeds, seed=0, record_every=1) -> NetworkRun:
    """One example x (length D) with target y: :func:`train_two_layer_linear_on_points` at P = 1, recording f and
    the tangent kernel K = H + Φ⁰G."""
    x = finite("x", x)
    if x.ndim != 1 or x.size < 1 or not np.any(x != 0):
        raise ValueError("x must be a non-zero 1-D array (the one training input)")
    _sizes(width, steps, seeds)
    run = train_two_layer_linear_on_points(x[None, :], [float(finite("y", y))], width, gamma0, dt, steps, seeds,
                                           seed, record_every)
    phi0 = float(run.gram[0, 0])
    return NetworkRun(run.times, run.prediction[:, :, 0], run.feature_kernel[:, :, 0, 0] + phi0 * run.readout_norm,
                      phi0)
