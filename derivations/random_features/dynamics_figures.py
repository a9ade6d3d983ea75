"""The figure of ``random-feature-dynamics``: the expected test loss over training time at several widths,
and the test, training and ensemble losses at one size (theory lines, exact per-draw simulation points ± SE);
the compute-optimal frontier as the envelope of the loss curves of fixed width against C = N·t, and the early
1/N correction N·δB(t) of the mean predictor's loss collapsing on the universal first-order form
(early-time-correction) — both on the infinite power law (a = 2, b = 3/2).

matplotlib (the ``[plot]`` extra) is imported only when the figure is drawn.
"""
from __future__ import annotations

import functools
import math

import numpy as np

import sympy as sp

from derivations import registry
from derivations.engine.figures import COLOURS, SEED, loggable, new_figure, simulation_handle
import derivations.random_features.dynamics_compute_steps as cs
import derivations.random_features.dynamics_steps as dyn
from derivations.random_features.dynamics_theory import (compute_optimal, loss_curve, mean_predictor_loss,
                                                         power_law_spectrum, _rule)
from derive.spectral import ETA, K
from numerics.bridge import to_numpy
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
A_POWER, B_POWER = 2.0, 1.5                                  # the infinite power law of panels (c), (d)
FRONTIER_WIDTHS = (16, 64, 256, 1024, 4096)
FRONTIER_C = np.geomspace(1e2, 1e7, 11)
COLLAPSE_WIDTHS = (64, 256, 1024, 4096)
T_EARLY = np.geomspace(1e-2, 30, 40)
CAPTION = ("Random-feature regression trained by gradient flow (random-feature-dynamics): (a) expected test loss "
           "against time at several widths N (P = 80); (b) test, training and infinitely ensembled losses and the "
           "loss of the mean predictor at N = 120, P = 40. η_k = k^(−3/2), w̄_k²η_k = k^(−2), D = 200 modes, σ² = 0.1. "
           "Lines: theory (double Laplace inversion); points: exact per-draw flow, mean ± SE over crossed blocks "
           f"({BLOCKS[0]} blocks of 2 projections × 2 data sets, {BLOCKS[1]} with --quick; seeds SeedSequence([{SEED}, 14, i])). "
           "(c) infinite power law a = 2, b = 3/2, P = ∞: test loss of fixed widths against compute C = N·t (coloured) "
           "and the frontier min_N L (black points: compute_optimal, no power-law ansatz), with the derived "
           "C^(−(a−1)/(1+b)) = C^(−0.4) (dashed). (d) same spectrum, P = ∞: N times the width correction of the mean "
           "predictor's loss, N[B(t; N) − B(t; ∞)], against the first-order form 2Σ_k η_k w̄_k² e^(−η_k t) N δH_k(t) "
           "of (early-time-correction) (black dashed); the widths collapse on it for t ≪ 1/η_max = 1.")


def random_feature_dynamics(quick: bool = False, executor=None):
    """Test loss L(t) at several widths, and test/train/ensemble losses at one size."""
    blocks = BLOCKS[1 if quick else 0]
    fig = new_figure(12, 9.2)
    (ax_a, ax_b), (ax_c, ax_d) = fig.subplots(2, 2)
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
    _frontier_panel(ax_c)
    _collapse_panel(ax_d)
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


def _frontier_panel(ax):
    spectrum = power_law_spectrum(A_POWER, B_POWER)
    for i, N in enumerate(FRONTIER_WIDTHS):
        C = np.geomspace(N * 0.05, min(N * 1e5, 3e7), 50)
        ax.plot(C, loggable(loss_curve(C / N, spectrum, None, N, math.inf).test), color=COLOURS[i], lw=1.2,
                label=f"N = {N}")
    f = compute_optimal(FRONTIER_C, spectrum, None)
    ax.plot(f.compute, f.loss, "o-", color="k", ms=4, lw=1, label="frontier min$_N$ L")
    rate = registry.get("random-feature-dynamics")["compute-loss-rate"].rhs
    rho = float(rate.subs({cs.a: A_POWER, cs.b: B_POWER}))
    ax.plot(f.compute, f.loss[0] * (f.compute / f.compute[0]) ** -rho, "--", color="0.3", lw=1,
            label=f"$C^{{-{rho:.2g}}}$ (derived)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("compute $C = N t$")
    ax.set_ylabel("test loss")
    ax.set_title("(c) compute-optimal frontier, P = ∞")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")


@functools.cache
def _first_order():
    """N·δH_k(t) of (early-time-correction) at P = ∞, compiled in (η_k, tr Σ, t)."""
    rhs = registry.get("random-feature-dynamics")["early-time-correction"].rhs
    tr = next(x for x in rhs.free_symbols if x.name == "tr_Sigma")
    scaled = sp.simplify(sp.limit(dyn.N * rhs, dyn.P, sp.oo))
    if scaled.has(dyn.N):
        raise ValueError("N·δH_k at P = ∞ should not depend on N")
    return to_numpy(scaled, [ETA[K], tr, dyn.t])


def _collapse_panel(ax):
    spectrum = power_law_spectrum(A_POWER, B_POWER)
    rule = _rule(spectrum)
    base = mean_predictor_loss(T_EARLY, spectrum, None, math.inf, math.inf)
    for i, N in enumerate(COLLAPSE_WIDTHS):
        delta = mean_predictor_loss(T_EARLY, spectrum, None, N, math.inf) - base
        ax.plot(T_EARLY, N * delta, color=COLOURS[i], lw=1.2, label=f"N = {N}")
    eta, q = rule.teacher_nodes, rule.teacher_weights
    first = np.array([np.sum(2 * q * np.exp(-eta * t) * _first_order()(eta, rule.trace, t)) for t in T_EARLY])
    ax.plot(T_EARLY, first, "--", color="k", lw=1.2, label="first order (early-time-correction)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training time $t$")
    ax.set_ylabel(r"$N\,[B(t; N) - B(t; \infty)]$")
    ax.set_title("(d) early width correction of the mean predictor, P = ∞")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
