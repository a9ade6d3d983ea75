"""Figures of ``feature-learning-dmft``.

``feature-learning-dmft-loss``            train loss of a two-layer tanh network against time for several γ₀: the
                                          Monte-Carlo DMFT (lines with their error band), networks trained by
                                          gradient descent (points), the static NTK (dashed)
``feature-learning-dmft-alignment``       the final tangent kernel's alignment with yyᵀ against γ₀ (DMFT and
                                          networks): feature learning turns the kernel towards the task
``feature-learning-dmft-approximations``  a linear network of two hidden layers: the full DMFT against the static
                                          NTK and the gradient-independence approximation, the loss over time at
                                          γ₀ = 1.5 and the departures against γ₀ (slope 2 at small γ₀)
"""
from __future__ import annotations

import numpy as np

from derivations.engine.figures import COLOURS, SEED, error_points, new_figure, simulation_handle
from derivations.feature_learning.deep_linear_theory import deep_linear_curve
from derivations.feature_learning.dmft_theory import activation_pair, dmft_curve, static_curve, static_ntk
from derivations.feature_learning.perturbation_theory import perturbative_curve
from numerics.mean_field_network_simulation import train_mean_field_network
from numerics.simulation import Estimate

P, D, WIDTH, DT, END = 8, 16, 1024, 0.02, 8.0
GAMMAS = (0.5, 1.0, 2.0, 4.0)
SEEDS, SAMPLES = (16, 6), (16000, 4000)
#: the step of the deep linear solver in the approximations figure
LINEAR_STEP = 0.1
#: the width of the two-hidden-layer networks (their cost grows as N²)
DEEP_WIDTH = 512


def _task():
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((P, D))
    return X, np.sign(X @ rng.standard_normal(D))


def _networks(X, y, gamma0, quick, index, depth=1, act="tanh", width=WIDTH):
    steps = int(round(END / DT))
    return train_mean_field_network(X, y, activation_pair(act), depth=depth, width=width, gamma0=gamma0, dt=DT,
                                    steps=steps, seeds=SEEDS[int(quick)], seed=SEED + index,
                                    record_every=steps // 16)


def _alignment(K, y):
    """yᵀKy/(|K|_F |y|²) over the last axes."""
    return np.einsum("...p,...pq,...q->...", y, K, y) / (np.linalg.norm(K, axis=(-2, -1)) * (y @ y))


def _finish(fig, ax, xlabel, ylabel, width=WIDTH):
    """Axis labels, the legend with the networks' marker, the grid."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles + [simulation_handle(ax)], labels + [f"networks, N = {width}"], fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig


def loss_curves(quick=False, executor=None):
    X, y = _task()
    fig = new_figure(5.2, 3.8)
    ax = fig.subplots()
    t = np.linspace(0, END, 81)
    for j, gamma0 in enumerate(GAMMAS):
        curve = dmft_curve(X, y, t, gamma0, samples=SAMPLES[int(quick)], seed=SEED + j, step=DT)
        ax.plot(t, curve.loss, color=COLOURS[j], label=f"γ₀ = {gamma0:g}")
        ax.fill_between(t, curve.loss - 2 * curve.loss_error, curve.loss + 2 * curve.loss_error, color=COLOURS[j],
                        alpha=0.25, lw=0)
        run = _networks(X, y, gamma0, quick, j)
        loss = 0.5 * np.mean((y - run.prediction) ** 2, axis=-1)
        est = Estimate.from_samples(loss.T)
        error_points(ax, run.times[1:], Estimate(est.mean[1:], est.se[1:], est.n), COLOURS[j])
    ax.plot(t, 0.5 * np.mean((y - static_curve(X, y, t, static_ntk(X, "tanh"), step=DT)) ** 2, -1), color="0.3",
            ls="--", lw=0.9, label="static NTK (γ₀ → 0)")
    ax.set_yscale("log")
    return _finish(fig, ax, "time t", "train loss (1/2P) Σ (y − f)²")


def alignment(quick=False, executor=None):
    X, y = _task()
    fig = new_figure(5.0, 3.6)
    ax = fig.subplots()
    gammas = np.geomspace(0.25, 4, 5 if quick else 9)
    values, errors = [], []
    for j, gamma0 in enumerate(gammas):
        curve = dmft_curve(X, y, [0.0, END], gamma0, samples=SAMPLES[int(quick)], seed=SEED + 10 + j, step=DT)
        K, value = curve.ntk[-1], _alignment(curve.ntk[-1], y)
        slope = np.outer(y, y) / (np.linalg.norm(K) * (y @ y)) - value * K / np.linalg.norm(K) ** 2
        values.append(value)
        errors.append(float(np.sqrt(np.sum((slope * curve.ntk_error[-1]) ** 2))))   # entries taken independent
    ax.errorbar(gammas, values, yerr=errors, color=COLOURS[0], marker="", capsize=2, label="DMFT")
    ax.axhline(_alignment(static_ntk(X, "tanh"), y), color="0.3", ls="--", lw=0.9, label="static NTK")
    for j, gamma0 in enumerate((0.5, 2.0)):
        run = _networks(X, y, gamma0, quick, 20 + j)
        est = Estimate.from_samples(_alignment(run.ntk[-1], y))
        error_points(ax, [gamma0], Estimate(np.array([est.mean]), np.array([est.se]), est.n), COLOURS[1])
    ax.set_xscale("log")
    ax.set_xticks([0.25, 0.5, 1, 2, 4], ["0.25", "0.5", "1", "2", "4"])
    ax.minorticks_off()
    return _finish(fig, ax, "feature-learning strength γ₀", f"alignment yᵀK y/(|K| |y|²) at t = {END:g}")


def approximations(quick=False, executor=None):
    X, y = _task()
    X, y = X[:4], y[:4]
    fig = new_figure(9.0, 3.6)
    ax_loss, ax_gap = fig.subplots(1, 2)
    t = np.linspace(0, 2, 21)
    loss = lambda f: 0.5 * np.mean((y - f) ** 2, -1)
    full = deep_linear_curve(X, y, t, 1.5, depth=2, step=LINEAR_STEP)
    ax_loss.plot(t, full.loss, color=COLOURS[0], label="full DMFT")
    ax_loss.plot(t, deep_linear_curve(X, y, t, 1.5, depth=2, step=LINEAR_STEP, responses=False).loss, color=COLOURS[1],
                 label="gradient independence")
    ax_loss.plot(t, loss(static_curve(X, y, t, static_ntk(X, "linear", depth=2), step=LINEAR_STEP)), color="0.3", ls="--",
                 label="static NTK")
    ax_loss.plot(t, perturbative_curve(X, y, t, 1.5, depth=2, step=LINEAR_STEP).loss, color=COLOURS[2], ls="-.",
                 label="perturbation theory, O(γ₀²)")
    run = _networks(X, y, 1.5, quick, 30, depth=2, act="linear", width=DEEP_WIDTH)
    est = Estimate.from_samples(loss(run.prediction).T)
    keep = run.times <= t[-1]
    error_points(ax_loss, run.times[keep][1:], Estimate(est.mean[keep][1:], est.se[keep][1:], est.n), COLOURS[0])
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("time t")
    ax_loss.set_ylabel("train loss")
    handles, labels = ax_loss.get_legend_handles_labels()
    ax_loss.legend(handles + [simulation_handle(ax_loss)], labels + [f"networks, N = {DEEP_WIDTH}"], fontsize=8)
    gammas = np.geomspace(0.05, 2, 4 if quick else 7)
    gaps = {"gradient independence": [], "static NTK": [], "perturbation theory": []}
    for gamma0 in gammas:
        f = deep_linear_curve(X, y, t, gamma0, depth=2, step=LINEAR_STEP).predictions
        gaps["gradient independence"].append(np.max(np.abs(
            deep_linear_curve(X, y, t, gamma0, depth=2, step=LINEAR_STEP, responses=False).predictions - f)))
        gaps["static NTK"].append(np.max(np.abs(
            static_curve(X, y, t, static_ntk(X, "linear", depth=2), step=LINEAR_STEP) - f)))
        gaps["perturbation theory"].append(np.max(np.abs(
            perturbative_curve(X, y, t, gamma0, depth=2, step=LINEAR_STEP).predictions - f)))
    for (name, values), colour in zip(gaps.items(), (COLOURS[1], "0.3", COLOURS[2])):
        ax_gap.loglog(gammas, values, color=colour, marker="o", ms=3, label=name)
    ax_gap.loglog(gammas, gaps["static NTK"][0] * (gammas / gammas[0]) ** 2, color="0.6", ls=":", label="∝ γ₀²")
    ax_gap.loglog(gammas, gaps["perturbation theory"][0] * (gammas / gammas[0]) ** 4, color="0.6", ls="--",
                  label="∝ γ₀⁴")
    ax_gap.set_xlabel("γ₀")
    ax_gap.set_ylabel("max |f_approx − f| over t ≤ 2")
    ax_gap.legend(fontsize=8)
    for ax in (ax_loss, ax_gap):
        ax.grid(True, alpha=0.3)
    return fig


CAPTIONS = {
    "feature-learning-dmft-loss": (
        f"feature-learning-dmft: a two-layer tanh network (P = {P} examples, D = {D}, targets sign(x·β), seeds from "
        f"{SEED}) trained by gradient flow in mean-field scaling. Lines: the infinite-width DMFT by Monte Carlo "
        f"({SAMPLES[0]} samples, band ±2 s.e.), for γ₀ = 0.5, 1, 2, 4; points: networks of width {WIDTH} trained by "
        f"gradient descent with step {DT} (mean ± s.e. over {SEEDS[0]} initialisations); dashed: the static NTK. "
        "Feature learning speeds the late decay of the loss."),
    "feature-learning-dmft-alignment": (
        f"feature-learning-dmft: the alignment yᵀKy/(|K|_F|y|²) of the tangent kernel at t = {END:g} with the "
        f"targets against γ₀, for the task of feature-learning-dmft-loss: DMFT ({SAMPLES[0]} samples; error bars ±1 "
        "s.e., the kernel entries' errors propagated as independent), networks of "
        f"width {WIDTH} ({SEEDS[0]} initialisations) at γ₀ = 0.5 and 2, and the static NTK (dashed)."),
    "feature-learning-dmft-approximations": (
        "feature-learning-dmft: a linear network of two hidden layers (the first 4 examples of the task above). "
        "Left: the train loss at γ₀ = 1.5 (up to t = 2, dt = 0.1 and 0.05 Richardson-extrapolated) — the full DMFT "
        "(deep linear solver), the gradient-independence approximation, the static NTK, leading-order perturbation "
        f"theory in γ₀², and networks of width {DEEP_WIDTH} ({SEEDS[0]} initialisations). Right: each "
        "approximation's largest departure from the full DMFT against γ₀: order γ₀² for the first two, γ₀⁴ for the "
        "series, which is the closest at small γ₀ and fails where γ₀ is of order one."),
}
