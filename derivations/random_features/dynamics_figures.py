"""The figure of ``random-feature-dynamics``: the expected test loss over training time at several widths,
and the test, training and ensemble losses at one size (theory lines, exact per-draw simulation points ± SE).

matplotlib (the ``[plot]`` extra) is imported only when the figure is drawn.
"""
from __future__ import annotations

import numpy as np

from derivations.engine.figures import COLOURS, SEED, loggable, new_figure, simulation_handle
from derivations.random_features.dynamics_theory import loss_curve
from numerics.rf_dynamics_simulation import simulate_loss_curve

MODES = 200
SPECTRUM = np.arange(1, MODES + 1) ** -1.5                   # η_k = k^(−b), b = 3/2
TEACHER = np.arange(1, MODES + 1) ** -0.25                   # w̄_k²η_k = k^(−a), a = 2
NOISE = 0.1
WIDTHS, P_WIDTHS = (10, 20, 40, 80, 160), 80
N_SPLIT, P_SPLIT = 120, 40
T_LINE = np.geomspace(0.05, 3e3, 80)
T_SIM = np.geomspace(0.1, 2e3, 8)
BLOCKS = (100, 25)                                           # (full, quick); each block 2 projections × 2 data sets
CAPTION = ("Random-feature regression trained by gradient flow (random-feature-dynamics): (a) expected test loss "
           "against time at several widths N (P = 80); (b) test, training and infinitely ensembled losses and the "
           "loss of the mean predictor at N = 120, P = 40. η_k = k^(−3/2), w̄_k²η_k = k^(−2), D = 200 modes, σ² = 0.1. "
           "Lines: theory (double Laplace inversion); points: exact per-draw flow, mean ± SE over crossed blocks "
           f"({BLOCKS[0]} blocks of 2 projections × 2 data sets, {BLOCKS[1]} with --quick; seeds SeedSequence([{SEED}, 14, i])).")


def random_feature_dynamics(quick: bool = False, executor=None):
    """Test loss L(t) at several widths, and test/train/ensemble losses at one size."""
    blocks = BLOCKS[1 if quick else 0]
    fig = new_figure(12, 4.6)
    ax_a, ax_b = fig.subplots(1, 2)
    for i, N in enumerate(WIDTHS):
        c = COLOURS[i]
        theory = loss_curve(T_LINE, SPECTRUM, TEACHER, N, P_WIDTHS, NOISE)
        ax_a.plot(T_LINE, loggable(theory.test), color=c, label=f"N = {N}")
        sim = simulate_loss_curve(T_SIM, SPECTRUM, TEACHER, N, P_WIDTHS, NOISE, n_blocks=blocks,
                                  entropy=[SEED, 14, i], executor=executor)
        ax_a.errorbar(T_SIM, sim["test"].mean, yerr=sim["test"].se, fmt="o", ms=4, color=c, mfc="white",
                      capsize=2, lw=1)
    ax_a.set_title(f"(a) test loss, P = {P_WIDTHS}")
    theory = loss_curve(T_LINE, SPECTRUM, TEACHER, N_SPLIT, P_SPLIT, NOISE)
    sim = simulate_loss_curve(T_SIM, SPECTRUM, TEACHER, N_SPLIT, P_SPLIT, NOISE, n_blocks=blocks,
                              entropy=[SEED, 14, 99], executor=executor)
    for j, (name, key, label) in enumerate((("test", "test", "test"), ("train", "train", "training"),
                                            ("ensemble", "infinite_ensemble", "ensemble over A"),
                                            ("mean_predictor", "bias2", "mean predictor (Bias²)"))):
        c = COLOURS[j]
        ax_b.plot(T_LINE, loggable(getattr(theory, name)), color=c, label=label)
        mean, se = sim[key].mean, sim[key].se
        keep = mean > 0
        ax_b.errorbar(T_SIM[keep], mean[keep], yerr=se[keep], fmt="o", ms=4, color=c, mfc="white", capsize=2, lw=1)
    ax_b.axhline(NOISE, color="0.4", ls=":", lw=1)
    ax_b.set_title(f"(b) N = {N_SPLIT}, P = {P_SPLIT}, σ² = {NOISE}")
    for ax, where in ((ax_a, "upper right"), (ax_b, "lower left")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training time $t$")
        ax.set_ylabel("loss")
        ax.grid(True, which="major", alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend([*handles, simulation_handle(ax)], [*labels, f"simulation: mean ± SE, {blocks} blocks"],
                  fontsize=8, loc=where)
    return fig
