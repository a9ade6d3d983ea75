"""The figure of one-pass SGD and the compute-optimal phases (``random-feature-dynamics``): (a) the test loss of
SGD against steps at several batch sizes (theory lines: :func:`.sgd_loss_curve`; points: SGD simulated step by
step); (b) the compute-optimal frontiers of the exact theory at one point of each phase with the derived slopes;
(c) the phase map over (b, a): the derived loss exponent η of (sgd-phase-exponents) with the boundaries
a = b + 1 and a = 2b, and the frontier's measured local slopes at the three points.

matplotlib (the ``[plot]`` extra) is imported only when the figure is drawn.
"""
from __future__ import annotations

import numpy as np

from derivations import registry
from derivations.engine.figures import COLOURS, SEED, new_figure, simulation_handle
import derivations.random_features.dynamics_phase_steps as ph
from derivations.random_features.dynamics_sgd_theory import sgd_compute_optimal, sgd_loss_curve
from derivations.random_features.dynamics_theory import power_law_spectrum
from numerics.bridge import to_numpy
from numerics.sgd_rf_simulation import simulate_one_pass_sgd

MODES, WIDTH, STEP, NOISE = 400, 50, 0.3, 0.1
SPECTRUM = np.arange(1, MODES + 1) ** -1.5
TEACHER = np.arange(1, MODES + 1) ** -0.25
BATCHES = (1, 4, 32)
STEPS_LINE = np.unique(np.round(np.geomspace(1, 2000, 60)).astype(int))
STEPS_SIM = np.array([1, 4, 16, 64, 256, 1000])
DRAWS = ((32, 16), (8, 8))                                   # (draws, runs per draw): full, quick
GAMMA = 0.3
BUDGETS = np.geomspace(1e4, 1e10, 13)
CAPTION = ("One-pass SGD of random-feature regression (random-feature-dynamics). (a) expected test loss against "
           f"steps n at batch sizes B = {', '.join(map(str, BATCHES))} (η_k = k^(−3/2), w̄_k²η_k = k^(−2), {MODES} "
           f"modes, N = {WIDTH}, h = {STEP}, σ² = {NOISE}): lines the discrete theory (renewal equation, deterministic "
           f"equivalent; SGD noise ρ_SGD = 0.46, 0.11, 0.01), points SGD simulated step by step, mean ± SE over {DRAWS[0][0]} projections × {DRAWS[0][1]} "
           f"runs ({DRAWS[1][0]} × {DRAWS[1][1]} with --quick; seeds SeedSequence([{SEED}, 15, B])). (b) the exact "
           f"compute-optimal frontier min_N L at C = N·n (continuous theory, γ = h/B = {GAMMA}, infinite power law) "
           "at one point of each phase, dashed: the derived slopes of (sgd-phase-exponents). (c) the derived loss "
           "exponent η over (b, a) with the phase boundaries a = b + 1 (Ia | II) and a = 2b (II | III; SGD noise "
           "above); numbers: the frontier's local slope between C = 10⁹ and 10¹⁰ at the three points.")


def _curves_panel(ax, quick):
    draws, runs = DRAWS[1 if quick else 0]
    for i, B in enumerate(BATCHES):
        theory = sgd_loss_curve(STEPS_LINE, SPECTRUM, TEACHER, WIDTH, STEP, B, NOISE).test
        ax.plot(STEPS_LINE, theory, color=COLOURS[i], lw=1.3, label=f"B = {B}")
        means, _, _ = simulate_one_pass_sgd(SPECTRUM, TEACHER, WIDTH, STEPS_SIM, STEP, B, NOISE, draws, runs,
                                            entropy=[SEED, 15, B])
        ax.errorbar(STEPS_SIM, means.mean(0), yerr=means.std(0, ddof=1) / np.sqrt(draws), fmt="o", ms=4,
                    color=COLOURS[i], capsize=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("SGD steps $n$")
    ax.set_ylabel("test loss")
    ax.set_title(f"(a) one-pass SGD, N = {WIDTH}, h = {STEP}")
    ax.grid(True, which="major", alpha=0.3)
    sim = simulation_handle(ax)
    sim.set_label("SGD simulated, ± SE")
    ax.legend(handles=[*ax.get_legend_handles_labels()[0], sim], fontsize=8, loc="lower left")


def _frontier_panel(ax, rates):
    measured = {}
    for i, (phase, point) in enumerate(ph.PHASES.items()):
        f = sgd_compute_optimal(BUDGETS, power_law_spectrum(float(point[0]), float(point[1])), None, GAMMA)
        eta = rates(float(point[0]), float(point[1]))
        ax.plot(f.compute, f.loss, "o-", ms=3, lw=1.2, color=COLOURS[i],
                label=f"{phase}: a = {float(point[0]):g}, b = {float(point[1]):g}")
        ax.plot(f.compute, f.loss[-1] * (f.compute / f.compute[-1]) ** -eta, "--", color="0.3", lw=0.9)
        measured[phase] = -np.diff(np.log(f.loss[-3::2]))[0] / np.diff(np.log(f.compute[-3::2]))[0]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("compute $C = N B n$")
    ax.set_ylabel("$L^*$")
    ax.set_title(f"(b) compute-optimal frontiers, γ = {GAMMA}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return measured


def _phase_map(ax, rates, measured):
    b = np.linspace(1.02, 3.0, 160)
    a = np.linspace(1.02, 7.0, 200)
    B_, A_ = np.meshgrid(b, a)
    eta = rates(A_, B_)
    mesh = ax.pcolormesh(B_, A_, eta, shading="auto", cmap="viridis")
    ax.figure.colorbar(mesh, ax=ax, label="derived η (L* ∝ C^(−η))")
    ax.plot(b, b + 1, color="w", lw=1.2)
    ax.plot(b, 2 * b, color="w", lw=1.2, ls="--")
    for phase, point in ph.PHASES.items():
        x, y = float(point[1]), float(point[0])
        ax.plot(x, y, "o", color="w", ms=4)
        ax.annotate(f"{phase}: {measured[phase]:.3f}", (x, y), textcoords="offset points", xytext=(5, 4),
                    color="w", fontsize=8)
    for text, (x, y) in (("Ia", (2.6, 2.3)), ("II", (2.6, 4.3)), ("III", (1.3, 5.6))):
        ax.text(x, y, text, color="w", fontsize=11)
    ax.set_xlabel("b (λ_k = k^(−b))")
    ax.set_ylabel("a ((w*_k)²λ_k = k^(−a))")
    ax.set_title("(c) phases of one-pass SGD")


def sgd_phases(quick: bool = False, executor=None):
    """SGD loss curves, the frontiers of the three phases, the phase map."""
    fig = new_figure(16, 4.8)
    ax_a, ax_b, ax_c = fig.subplots(1, 3)
    loss_rate = registry.get("random-feature-dynamics")["sgd-phase-exponents"][0].rhs
    compiled = to_numpy(loss_rate, [ph.a, ph.b])
    rates = lambda a, b: np.asarray(compiled(a, b), dtype=float)
    _curves_panel(ax_a, quick)
    measured = _frontier_panel(ax_b, rates)
    _phase_map(ax_c, rates, measured)
    return fig
