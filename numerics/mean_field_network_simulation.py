"""Direct simulation of deep networks in mean-field (μP) scaling, trained by full-batch gradient descent — many
independent initialisations at once (the network checks of ``feature-learning-dmft``).

The network (arXiv:2205.09653, Eq. 1) with ``depth`` L hidden layers of width N:

    h¹ = W⁰x/√D,   h^{ℓ+1} = W^ℓ φ(h^ℓ)/√N,   f = w·φ(h^L)/(γ₀N),

every weight N(0, 1) at the start, the loss (1/(2P)) Σ_μ (y_μ − f_μ)², and every weight takes the steps
θ ← θ − dt·γ₀²N·∂L/∂θ (gradient descent with step dt in the time of the gradient flow).  The backward fields
g^ℓ = γ₀N ∂f/∂h^ℓ are g^L = φ'(h^L)∘w and g^ℓ = φ'(h^ℓ)∘(W^ℓᵀg^{ℓ+1}/√N).  The tangent kernel recorded is
K_μν = Σ_{ℓ=0}^{L} G^{ℓ+1}_μν Φ^ℓ_μν with Φ^ℓ = φ(h^ℓ)φ(h^ℓ)ᵀ/N (Φ⁰ = XXᵀ/D), G^ℓ = g^ℓg^ℓᵀ/N and G^{L+1} = 1 —
exactly the kernel of this network's flow, df_μ/dt = (1/P) Σ_ν K_μν (y_ν − f_ν).

The activation comes as the pair (φ, φ'), vectorised NumPy callables.

>>> X = np.eye(2, 3) * np.sqrt(3); y = np.array([1.0, -1.0])
>>> run = train_mean_field_network(X, y, (np.tanh, lambda h: 1 - np.tanh(h) ** 2), depth=2, width=64,
...                                gamma0=1.0, dt=0.05, steps=200, seeds=4, seed=0)
>>> run.prediction.shape, run.ntk.shape, bool(np.all(np.abs(run.prediction[-1] - y) < 0.05))
((201, 4, 2), (201, 4, 2, 2), True)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.validate import finite, positive, positive_int

__all__ = ["DeepRun", "train_mean_field_network"]


@dataclass(frozen=True)
class DeepRun:
    """Records at ``times`` (step count × dt): ``prediction`` f (times × seeds × P) and the tangent kernel
    ``ntk`` (times × seeds × P × P)."""

    times: np.ndarray
    prediction: np.ndarray
    ntk: np.ndarray


def _data(X, y):
    X = finite("X", X)
    if X.ndim != 2 or min(X.shape) < 1 or not np.any(X != 0):
        raise ValueError("X must be a non-zero P × D array (one training input a row)")
    y = finite("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one target per row of X, shape ({X.shape[0]},), got {y.shape}")
    return X, y


def _forward(X, weights, readout, phi, dphi):
    """Pre-activations h^ℓ (seeds × P × N), activations φ(h^ℓ) and backward fields g^ℓ, ℓ = 1..L."""
    D, N = X.shape[1], readout.shape[1]
    hs = [np.einsum("pd,snd->spn", X, weights[0]) / np.sqrt(D)]
    acts = [phi(hs[0])]
    for W in weights[1:]:
        hs.append(acts[-1] @ W.transpose(0, 2, 1) / np.sqrt(N))
        acts.append(phi(hs[-1]))
    gs = [dphi(hs[-1]) * readout[:, None, :]]
    for W, h in zip(reversed(weights[1:]), reversed(hs[:-1])):
        gs.insert(0, dphi(h) * (gs[0] @ W) / np.sqrt(N))
    return acts, gs


def _ntk(gram, acts, gs):
    N = acts[0].shape[-1]
    kernel = (acts[-1] @ acts[-1].transpose(0, 2, 1)) / N                      # G^{L+1} Φ^L with G^{L+1} = 1
    kernel = kernel + gram * (gs[0] @ gs[0].transpose(0, 2, 1)) / N
    for a, g in zip(acts[:-1], gs[1:]):
        kernel = kernel + (a @ a.transpose(0, 2, 1)) * (g @ g.transpose(0, 2, 1)) / N ** 2
    return kernel


def train_mean_field_network(X, y, activation, *, depth, width, gamma0, dt, steps, seeds, seed=0,
                             record_every=1) -> DeepRun:
    """Train ``seeds`` networks (seeded: ``seed``) of ``depth`` hidden layers of ``width`` on the examples X
    (P × D, targets y) by ``steps`` steps of gradient descent with step ``dt``; ``activation`` is the pair
    (φ, φ').  Records every ``record_every`` steps and at the first and the last."""
    X, y = _data(X, y)
    phi, dphi = activation
    depth, N, steps, seeds = (positive_int(n, v) for n, v in
                              (("depth", depth), ("width", width), ("steps", steps), ("seeds", seeds)))
    gamma0, dt = positive("gamma0", gamma0), positive("dt", dt)
    record_every = positive_int("record_every", record_every)
    (P, D), rng = X.shape, np.random.default_rng(seed)
    weights = [rng.standard_normal((seeds, N, D))] + [rng.standard_normal((seeds, N, N)) for _ in range(depth - 1)]
    readout = rng.standard_normal((seeds, N))
    gram = X @ X.T / D
    times, preds, kernels = [], [], []
    for k in range(steps + 1):
        acts, gs = _forward(X, weights, readout, phi, dphi)
        f = np.einsum("spn,sn->sp", acts[-1], readout) / (gamma0 * N)
        if k % record_every == 0 or k == steps:
            times.append(k * dt)
            preds.append(f)
            kernels.append(_ntk(gram, acts, gs))
        if k == steps:
            break
        scale = dt * gamma0 / P
        weighted = [g * (y - f)[:, :, None] for g in gs]                         # Δ_μ g^ℓ_μ, seeds × P × N
        readout += scale * np.einsum("spn,sp->sn", acts[-1], y - f)
        weights[0] += (scale / np.sqrt(D)) * np.einsum("spn,pd->snd", weighted[0], X)
        for l in range(1, depth):
            weights[l] += (scale / np.sqrt(N)) * (weighted[l].transpose(0, 2, 1) @ acts[l - 1])
    return DeepRun(np.array(times), np.array(preds), np.array(kernels))
