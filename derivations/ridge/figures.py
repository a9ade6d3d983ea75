"""The figure of ``ridge-regression``: test and training error against the number of samples P, the
deterministic equivalent (lines) against seeded direct ridge regression (points ± SE).

matplotlib (the ``[plot]`` extra) is imported only when a figure is drawn.

>>> CAPTION.split(":")[0]
'Ridge regression learning curves'
"""
from __future__ import annotations

import functools

import numpy as np

from derivations.engine.figures import COLOURS, SEED, lam_label, loggable, mark, new_figure, simulation_handle
from derivations.ridge.problems import power_law_problem
from derivations.ridge.theory import learning_curve
from numerics.ridge_simulation import ridge_draw
from numerics.simulation import run_ensemble

# ---- ridge regression -----------------------------------------------------------------------
RIDGE_D = 200
RIDGE_NOISE = 0.25
RIDGE_RIDGES = (1e-3, 1e-1, 0.0)
RIDGE_SIZES = (25, 50, 100, 200, 400, 800)
RIDGE_DRAWS = (40, 10)                 # (full, quick)


def ridge_learning_curve(quick: bool = False, executor=None):
    """Test and training error of ridge regression against P: theory lines, simulation ± SE."""
    eta, w = power_law_problem(RIDGE_D)
    draws = RIDGE_DRAWS[1 if quick else 0]
    P_line = np.unique(np.concatenate([np.geomspace(20, 1000, 241), np.linspace(0.9 * RIDGE_D, 1.1 * RIDGE_D, 81)]))
    fig = new_figure(11, 4.4)
    ax_g, ax_tr = fig.subplots(1, 2, sharex=True)
    for i, lam in enumerate(RIDGE_RIDGES):
        colour = COLOURS[i]
        theory = learning_curve(eta, w, P_line, lam, RIDGE_NOISE)
        ax_g.plot(P_line, loggable([t.E_g for t in theory]), color=colour, label=lam_label(lam))
        ax_tr.plot(P_line, loggable([t.E_tr for t in theory]), color=colour, label=lam_label(lam))
        sizes = [P for P in RIDGE_SIZES if not (lam == 0 and P == RIDGE_D)]   # E_g = ∞ at λ = 0, P = D
        mean = {"E_g": [], "E_tr": []}
        se = {"E_g": [], "E_tr": []}
        for P in sizes:
            task = functools.partial(ridge_draw, eigenvalues=eta, teacher=w, P=P, ridge=lam, noise_variance=RIDGE_NOISE)
            ens = run_ensemble(task, draws, [SEED, 1, i, P], executor=executor)
            for key in mean:
                est = ens.estimate(key)
                mean[key].append(est.mean)
                se[key].append(est.se)
        at_sizes = learning_curve(eta, w, np.asarray(sizes, float), lam, RIDGE_NOISE)
        for ax, key in ((ax_g, "E_g"), (ax_tr, "E_tr")):
            # E_tr = 0 exactly where the ridgeless fit interpolates (P < D): nothing to draw on a log axis
            keep = np.array([getattr(t, key) > 0 for t in at_sizes])
            ax.errorbar(np.asarray(sizes)[keep], np.asarray(mean[key])[keep], yerr=np.asarray(se[key])[keep],
                        fmt="o", ms=4.5, color=colour, mfc="white", capsize=2.5, lw=1)
    for ax, what in ((ax_g, "test error $E_g$"), (ax_tr, "training error $E_{tr}$")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axvline(RIDGE_D, color="0.4", ls=":", lw=1)
        ax.set_xlabel("samples $P$")
        ax.set_ylabel(what)
        ax.grid(True, which="major", alpha=0.3)
    ax_g.set_ylim(2e-3, 3)
    ax_tr.set_ylim(1e-4, 0.6)
    for ax in (ax_g, ax_tr):
        mark(ax, RIDGE_D, "$P = D$")
    ax_g.set_title(f"(a) test error, D = {RIDGE_D}, σ² = {RIDGE_NOISE}")
    ax_tr.set_title("(b) training error (λ = 0: zero for P < D)")
    handles, labels = ax_g.get_legend_handles_labels()
    ax_g.legend([*handles, simulation_handle(ax_g)],
                [*labels, f"simulation: mean ± SE, {draws} draws"], fontsize=8, loc="lower left")
    return fig


CAPTION = (
    "Ridge regression learning curves: (a) test error E_g and (b) training error E_tr (training MSE, label "
    f"noise included) against the number of samples P, D = {RIDGE_D}, power-law spectrum η_k = k^(−α) with "
    f"w̄_k²η_k ∝ k^(−(1+2αr)), α = 1.5, r = 0.4, ‖w̄‖ = 1, label noise σ² = {RIDGE_NOISE}, ridge "
    "λ ∈ {1e-3, 1e-1, 0}. Lines: the deterministic equivalent (ridge-regression, float64); points: direct "
    f"ridge regression, mean ± standard error over {RIDGE_DRAWS[0]} draws ({RIDGE_DRAWS[1]} with --quick) at "
    f"P ∈ {{{', '.join(map(str, RIDGE_SIZES))}}}, seeded SeedSequence([{SEED}, 1, λ index, P]). Dotted: the "
    "interpolation threshold P = D, where the ridgeless E_g is infinite (no simulation there); the ridgeless "
    "E_tr is 0 for P < D and not drawn.")
