"""The compute-optimal phase laws of ``random-feature-dynamics`` (beyond arXiv:2402.01092; the phases of
arXiv:2405.15074), with both routes:

* ``rfd-sgd-compute-loss``: one-pass SGD (batch 1, step h = γ = 0.3) in phase III (a = 5, b = 1.5, a > 2b), where
  SGD noise sets the law: L* ∝ C^(−(1 − 1/(2b))), C = N·n.  Exact theory: :func:`.sgd_compute_optimal` (the
  continuous renewal equation) on the infinite power law.  Simulation (M = 1000 modes): per seed, K projections
  × R runs of SGD step by step (:func:`numerics.sgd_rf_simulation.one_pass_sgd`) at n = C/N steps on a log-grid of
  widths around the finite theory's N*; L* is the loss at the grid point nearest N*; the finite theory is the
  discrete :func:`.sgd_loss_curve` on the same modes, read the same way.
* ``rfd-flow-compute-easy``: gradient flow at an easy task (a = 3, b = 1.5, phase II): L* ∝ C^(−(a−1)/a), not
  the two-term ansatz's b(a−1)/(a−1+b²).  Both routes as ``rfd-compute-loss`` (population flow per draw).

>>> [law.name for law in laws()]
['rfd-sgd-compute-loss', 'rfd-flow-compute-easy']
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np

import derivations.random_features.dynamics_laws as dl
from derivations.random_features.dynamics_sgd_theory import sgd_compute_optimal, sgd_loss_curve
from derivations.random_features.dynamics_theory import power_law_spectrum
from numerics.sgd_rf_simulation import feature_problem, one_pass_sgd

ENTRY = dl.ENTRY
MODEL = "random-feature regression, one-pass SGD and gradient flow (arXiv:2402.01092, 2405.15074)"
PHASE_III, EASY_FLOW = {"a": 5.0, "b": 1.5}, {"a": 3.0, "b": 1.5}
GAMMA = 0.3                              # h = 0.3, B = 1
M_SGD, K_SGD, RUNS = 1000, 2, 8
SIZES = (250, 500, 1000, 2000, 4000)
SCALES = tuple(10.0 ** k for k in range(4, 11))


def _ab(params):
    return params["a"], params["b"]


@functools.lru_cache(maxsize=64)
def _sgd_exact(C: float):
    return float(sgd_compute_optimal([C], power_law_spectrum(*_ab(PHASE_III)), None, GAMMA, xatol=1e-7).loss[0])


@functools.lru_cache(maxsize=64)
def _sgd_grid(C: float):
    """The width grid around the finite continuous theory's N*, and the index nearest it."""
    eta, w = dl._arrays(PHASE_III, M_SGD)
    return dl.grid_around(float(sgd_compute_optimal([C], eta, w, GAMMA).width[0]))


@functools.lru_cache(maxsize=64)
def _sgd_finite(C: float):
    """The discrete theory at the grid point nearest N* (n = round(C/N) steps)."""
    eta, w = dl._arrays(PHASE_III, M_SGD)
    grid, near = _sgd_grid(C)
    N = int(grid[near])
    return float(sgd_loss_curve([max(1, round(C / N))], eta, w, N, GAMMA, 1).test[0])


def _sgd_draw(rng, sizes):
    eta, w = dl._arrays(PHASE_III, M_SGD)
    out = []
    for C in sizes:
        grid, near = _sgd_grid(float(C))
        N = int(grid[near])
        losses = []
        for _ in range(K_SGD):
            mu, b, r = feature_problem(eta, w, rng.standard_normal((N, M_SGD)))
            losses.append(one_pass_sgd(rng, mu, b, r, [max(1, round(C / N))], GAMMA, 1, RUNS).mean())
        out.append(float(np.mean(losses)))
    return out


@functools.cache
def _all() -> tuple:
    easy = _ab(EASY_FLOW)
    return (
        dl._law("rfd-sgd-compute-loss", ENTRY, "sgd-compute-loss-rate", MODEL, "L* of one-pass SGD (B = 1, h = 0.3)",
                "C", "phase III, a > 2b (a = 5, b = 1.5): SGD noise; C = N·n", PHASE_III,
                lambda C: mpmath.mpf(_sgd_exact(float(C))), _sgd_draw, lambda C: _sgd_finite(float(C)), SIZES,
                seeds=(32, 12), scales=SCALES, rel_step=0.2, shares="finite-M SGD frontier"),
        dl._law("rfd-flow-compute-easy", ENTRY, "flow-compute-loss-phases", MODEL, "L* of gradient flow (P = ∞)",
                "C", "phase II, easy task a − 1 > b (a = 3, b = 1.5); C = N·t", EASY_FLOW,
                dl._compute_theory("loss", easy), functools.partial(dl._compute_draw, field="loss", ab=easy),
                dl._compute_finite("loss", easy), SIZES, seeds=(32, 12), scales=SCALES, rel_step=0.2,
                shares="finite-M easy compute frontier"),
    )


def laws():
    """The two phase laws."""
    return list(_all())
