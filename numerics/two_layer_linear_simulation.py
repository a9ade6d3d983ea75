"""Direct simulation of two-layer linear networks in mean-field scaling, trained by full-batch gradient descent
on one example — many independent initialisations at once (the check of ``feature-learning-linear``).

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

__all__ = ["NetworkRun", "train_two_layer_linear"]


@dataclass(frozen=True)
class NetworkRun:
    """Records at ``times`` (the step count times dt): ``prediction`` f and ``kernel`` K = |h|²/N + Φ⁰|w|²/N
    (times × seeds); ``input_kernel`` Φ⁰ = |x|²/D."""

    times: np.ndarray
    prediction: np.ndarray
    kernel: np.ndarray
    input_kernel: float


def _check(x, y, width, gamma0, dt, steps, seeds):
    x = finite("x", x)
    if x.ndim != 1 or x.size < 1 or not np.any(x != 0):
        raise ValueError("x must be a non-zero 1-D array (the one training input)")
    for name, value in (("width", width), ("steps", steps), ("seeds", seeds)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return x, float(finite("y", y)), positive("gamma0", gamma0), positive("dt", dt)


def train_two_layer_linear(x, y, width, gamma0, dt, steps, seeds, seed=0, record_every=1) -> NetworkRun:
    """Train ``seeds`` networks of ``width`` N from independent N(0, 1) starts (seeded: ``seed``) for ``steps``
    steps of gradient descent with step ``dt``; record f and K every ``record_every`` steps (and at t = 0)."""
    x, y, gamma0, dt = _check(x, y, width, gamma0, dt, steps, seeds)
    D, N = x.size, int(width)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((seeds, N, D))
    w = rng.standard_normal((seeds, N))
    phi0 = float(x @ x) / D
    times, preds, kernels = [], [], []

    def record(k, h):
        times.append(k * dt)
        preds.append(np.einsum("sn,sn->s", w, h) / (gamma0 * N))
        kernels.append(np.einsum("sn,sn->s", h, h) / N + phi0 * np.einsum("sn,sn->s", w, w) / N)

    for k in range(steps + 1):
        h = W @ x / np.sqrt(D)
        if k % record_every == 0 or k == steps:
            record(k, h)
        if k == steps:
            break
        error = y - np.einsum("sn,sn->s", w, h) / (gamma0 * N)
        # −γ₀²N ∂L/∂w = γ₀Δh and −γ₀²N ∂L/∂W = γ₀Δ w xᵀ/√D, both from the weights before the step
        step_w = dt * gamma0 * error[:, None] * h
        W += (dt * gamma0 / np.sqrt(D)) * (error[:, None] * w)[:, :, None] * x[None, None, :]
        w += step_w
    return NetworkRun(np.array(times), np.array(preds), np.array(kernels), phi0)
