"""Figures of the feature-learning area.

``feature-learning-linear``  the two-layer linear network on one example (y = 1, Φ⁰ = 1): the loss (y − f)²/2
                             against time for several feature-learning strengths γ₀ (theory lines, networks
                             of width 512 trained by gradient descent as points, the lazy curve dashed), and
                             the tangent kernel's growth K(t)/K(0) towards its final value
"""
from __future__ import annotations

import numpy as np

from derivations.engine.figures import COLOURS, SEED, error_points, new_figure, simulation_handle
from derivations.feature_learning.linear_theory import lazy_prediction, prediction, tangent_kernel
from numerics.simulation import Estimate
from numerics.two_layer_linear_simulation import train_two_layer_linear

GAMMAS = (0.5, 1.0, 2.0, 4.0)
WIDTH, SEEDS, DT, HORIZON = 512, (200, 50), 0.01, 3.0
INPUT = np.ones(4)


def _networks(gamma0, quick, index):
    run = train_two_layer_linear(INPUT, 1.0, WIDTH, gamma0, DT, int(round(HORIZON / DT)), SEEDS[int(quick)],
                                 seed=SEED + index, record_every=int(round(0.25 / DT)))
    loss = 0.5 * (1.0 - run.prediction) ** 2
    return run.times, Estimate.from_samples(loss.T), Estimate.from_samples((run.kernel / run.kernel[0]).T)


def linear_curves(quick=False, executor=None):
    fig = new_figure(9.0, 3.6)
    ax_loss, ax_kernel = fig.subplots(1, 2)
    t = np.linspace(0, HORIZON, 301)
    for j, gamma0 in enumerate(GAMMAS):
        colour = COLOURS[j]
        ax_loss.plot(t, 0.5 * (1 - prediction(t, 1.0, gamma0)) ** 2, color=colour, label=f"γ₀ = {gamma0:g}")
        kernel = tangent_kernel(t, 1.0, gamma0)
        ax_kernel.plot(t, kernel / kernel[0], color=colour)
        times, loss, growth = _networks(gamma0, quick, j)
        error_points(ax_loss, times[1:], Estimate(loss.mean[1:], loss.se[1:], loss.n), colour)
        error_points(ax_kernel, times, growth, colour)
    ax_loss.plot(t, 0.5 * (1 - lazy_prediction(t, 1.0)) ** 2, color="0.3", ls="--", lw=0.9, label="lazy (γ₀ → 0)")
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-6, 1)
    ax_loss.set_xlabel("time t")
    ax_loss.set_ylabel("loss (y − f)²/2")
    handles, labels = ax_loss.get_legend_handles_labels()
    ax_loss.legend(handles + [simulation_handle(ax_loss)], labels + [f"networks, N = {WIDTH}"], fontsize=8)
    ax_kernel.set_xlabel("time t")
    ax_kernel.set_ylabel("kernel growth K(t)/K(0)")
    for ax in (ax_loss, ax_kernel):
        ax.grid(True, alpha=0.3)
    return fig


CAPTIONS = {"feature-learning-linear": (
    "feature-learning-linear: a two-layer linear network in mean-field scaling trained on one example (y = 1, "
    "|x|²/D = 1). Left: the loss over time for γ₀ = 0.5, 1, 2, 4 — the closed-form infinite-width solution "
    f"(lines), networks of width {WIDTH} trained by gradient descent with step {DT} (points: mean ± SE over "
    f"{SEEDS[0]} initialisations, seeds from {SEED}), and the lazy limit (dashed). Feature learning speeds the "
    "late decay: the rate is the final kernel 2√(1 + γ₀²y²). Right: the tangent kernel grows by that factor.")}
