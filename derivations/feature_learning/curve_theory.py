"""The record of a DMFT solution of ``feature-learning-dmft``, shared by its solvers: the curve at the requested
times with error bars, the convergence record, the time grid, and the checks of the arguments.

>>> grid_step(np.array([0.0, 2.0]), 0.05)
(0.04, 50)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

import derivations.feature_learning.dmft_steps as ds
from numerics.bridge import to_numpy
from numerics.validate import finite, positive, positive_int

#: the most steps a grid may have
MAX_GRID = 1_000_000
#: default time step of the grid, and the least number of steps to the last time
STEP, MIN_STEPS = 0.02, 50


@dataclass(frozen=True)
class Convergence:
    """How the solution was reached: ``method``, the passes over the time window (``iterations``), the last
    change of Δ (``residual``) against ``tolerance``; ``discretisation``: max |f(dt) − f(dt/2)| (0 without
    extrapolation)."""

    method: str
    iterations: int
    residual: float
    tolerance: float
    converged: bool
    discretisation: float = 0.0


@dataclass(frozen=True)
class DMFTCurve:
    """At ``times``: ``predictions`` f_μ (T × P), ``loss`` (1/(2P))Σ(y − f)² (T), ``ntk`` (T × P × P), each with
    its Monte-Carlo standard error (``*_error``, zero for the deterministic linear solver), and the
    ``convergence`` record."""

    times: np.ndarray
    predictions: np.ndarray
    loss: np.ndarray
    ntk: np.ndarray
    predictions_error: np.ndarray
    loss_error: np.ndarray
    ntk_error: np.ndarray
    convergence: Convergence
    step: float
    samples: int

    def __repr__(self):
        c = self.convergence
        return (f"DMFTCurve({len(self.times)} times to t = {self.times[-1]:g}, P = {self.predictions.shape[1]}, "
                f"loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}, {c.method}: {c.iterations} passes, "
                f"converged={c.converged}, dt = {self.step:g}, samples = {self.samples})")


@functools.cache
def activation_pair(name: str):
    """(φ, φ') of an activation, compiled from (activations) and (activation-slopes)."""
    if name not in ds.ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ds.ACTIVATIONS)}, got {name!r}")
    d = ds.derivation()
    k = ds.ACTIVATIONS.index(name)
    phi, slope = d["activations"][k].rhs, d["activation-slopes"][k].rhs
    f, g = to_numpy(phi, [ds.z]), to_numpy(slope, [ds.z])
    return (lambda h: f(h) + 0.0 * h), (lambda h: g(h) + 0.0 * h)        # constants broadcast to h's shape


def validate(X, y, times, gamma0, depth, act):
    """The arguments checked and converted: X (P × D), y (P), times (increasing, from ≥ 0), γ₀ > 0."""
    X = finite("X", X)
    if X.ndim != 2 or min(X.shape) < 1 or not np.any(X != 0):
        raise ValueError(f"X must be a non-zero P × D array (one training input a row), got shape {X.shape}")
    y = finite("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one target per row of X, shape ({X.shape[0]},), got {y.shape}")
    times = finite("times", times)
    if times.ndim != 1 or times.size < 1 or times[0] < 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be a non-empty increasing 1-D array of times >= 0")
    if act not in ds.ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ds.ACTIVATIONS)}, got {act!r}")
    return X, y, times, positive("gamma0", gamma0), positive_int("depth", depth)


def grid_step(times, step, least=MIN_STEPS):
    """dt and the number of steps: the last time is a whole number (at least ``least``) of steps of at most
    ``step``."""
    end = float(times[-1])
    if end == 0:
        return 1.0, 0
    if end / step > MAX_GRID:
        raise ValueError(f"times: the last time {end:g} needs more than {MAX_GRID} steps of step {step:g}")
    steps = max(least, int(np.ceil(end / step)))
    return end / steps, steps


def interpolate(grid, values, times):
    """Values on the grid (first axis) at ``times``, linearly."""
    flat = values.reshape(len(grid), -1)
    out = np.stack([np.interp(times, grid, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    return out.reshape((len(times),) + values.shape[1:])


def summarise(times, grid, y, f, K, conv, dt, samples):
    """Replica means and standard errors of f, the loss and K, at ``times``."""
    R = f.shape[1]
    loss = 0.5 * np.mean((y - f) ** 2, axis=-1)
    stats = [(np.mean(v, axis=1), np.std(v, axis=1, ddof=1) / np.sqrt(R)) for v in (f, loss, K)]
    at = [tuple(interpolate(grid, m, times) for m in pair) for pair in stats]
    (fm, fe), (lm, le), (km, ke) = at
    return DMFTCurve(times, fm, lm, km, fe, le, ke, conv, dt, samples)
