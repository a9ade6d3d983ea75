"""The figures of the random-feature entries: the learning curve of ``linear-random-features`` against the
width N with its six-term decomposition (theory lines, crossed-block simulation points ± SE), and the phase
diagram of the error rate of ``random-feature-exponents`` over N = P^q, λ = P^(−l) (the derived Min, its
branches named from the derivation's own steps).

matplotlib (the ``[plot]`` extra) is imported only when a figure is drawn.

>>> rate, branches, _ = phase_branches("phase-diagram-noiseless", PHASE_ALPHA, "1")
>>> sorted(branches)
['bias', 'feature']
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from derivations import registry
from derivations.engine.figures import COLOURS, SEED, lam_label, loggable, mark, new_figure, simulation_handle
import derivations.random_features.exponent_steps as exponent_steps
from derivations.random_features.theory import learning_curve
from derivations.ridge import power_law_problem
from numerics.random_feature_simulation import simulate_random_features

# ---- linear random features -----------------------------------------------------------------
RF_D = 200
RF_P = 100
RF_NOISE = 0.25
RF_RIDGES = (1e-3, 1e-1)
RF_WIDTHS = (25, 50, 100, 200, 400, 800)
RF_BLOCKS = (16, 6)                    # (full, quick); each block 4 projections × 4 data sets
RF_COMPONENTS = (("bias2", "Bias²"), ("var_X", "$\\mathrm{Var}_X$"), ("var_F", "$\\mathrm{Var}_F$"),
                 ("var_XF", "$\\mathrm{Var}_{XF}$"), ("var_X_noise", "$\\mathrm{Var}_{X\\epsilon}$"),
                 ("var_XF_noise", "$\\mathrm{Var}_{XF\\epsilon}$"))


def random_feature_learning_curve(quick: bool = False, executor=None):
    """E_g of linear random features against the width N, and its six-term decomposition."""
    eta, w = power_law_problem(RF_D)
    blocks = RF_BLOCKS[1 if quick else 0]
    N_line = np.unique(np.concatenate([np.geomspace(20, 1000, 201), np.linspace(0.9 * RF_P, 1.1 * RF_P, 41)]))
    fig = new_figure(15, 4.6)
    ax_e, *ax_parts = fig.subplots(1, 1 + len(RF_RIDGES), sharex=True)
    for i, lam in enumerate(RF_RIDGES):
        colour = COLOURS[i]
        theory = [learning_curve(eta, w, RF_P, float(N), lam, RF_NOISE) for N in N_line]
        ax_e.plot(N_line, loggable([t.E_g for t in theory]), color=colour, label=lam_label(lam))
        sims = [simulate_random_features(eta, w, RF_P, N, lam, RF_NOISE, n_blocks=blocks, entropy=[SEED, 2, i, N],
                                         executor=executor) for N in RF_WIDTHS]
        ax_e.errorbar(RF_WIDTHS, [s["E_g"].mean for s in sims], yerr=[s["E_g"].se for s in sims], fmt="o", ms=4.5,
                      color=colour, mfc="white", capsize=2.5, lw=1)
        ax = ax_parts[i]
        for j, (key, label) in enumerate(RF_COMPONENTS):
            c = COLOURS[j]
            ax.plot(N_line, loggable([getattr(t, key) for t in theory]), color=c, label=label)
            mean = np.array([s[key].mean for s in sims])
            err = np.array([s[key].se for s in sims])
            keep = mean > 0              # the unbiased estimators can come out ≤ 0 where a term is tiny
            ax.errorbar(np.asarray(RF_WIDTHS)[keep], mean[keep], yerr=err[keep], fmt="o", ms=3.5, color=c,
                        mfc="white", capsize=2, lw=0.8)
        ax.plot(N_line, loggable([t.E_g for t in theory]), color="k", lw=1, ls="--", label="$E_g$ (sum)")
        ax.set_title(f"({'bc'[i]}) decomposition, {lam_label(lam)}")
        ax.set_ylabel("component of $E_g$")
        ax.set_ylim(1e-5, 2)
    ax_e.set_title(f"(a) test error, D = {RF_D}, P = {RF_P}, σ² = {RF_NOISE}")
    ax_e.set_ylabel("test error $E_g$")
    handles, labels = ax_e.get_legend_handles_labels()
    ax_e.legend([*handles, simulation_handle(ax_e)], [*labels, f"simulation: mean ± SE, {blocks} blocks"],
                fontsize=8, loc="upper left")
    handles, labels = ax_parts[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9, frameon=False)
    for ax in (ax_e, *ax_parts):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("features $N$")
        ax.grid(True, which="major", alpha=0.3)
        ax.axvline(RF_P, color="0.4", ls=":", lw=1)
        ax.axvline(RF_D, color="0.4", ls="-.", lw=0.8)
    ax_e.set_ylim(1e-2, 0.6)
    for ax in (ax_e, *ax_parts):
        mark(ax, RF_P, "$N = P$")
        mark(ax, RF_D, "$N = D$")
    return fig


# ---- phase diagram ----------------------------------------------------------------------------
#: exact parameters (strings read by sympy.Rational / fractions.Fraction)
PHASE_ALPHA = "3/2"
PHASE_R = ("2/5", "1")
PHASE_GRID = 301
#: regime name -> (colour, legend text)
REGIMES = {"data": ("#9ecae1", "signal/data-limited (bias, $K = \\alpha$)"),
           "ridge": ("#fdd0a2", "ridge-limited (bias, $K = l$)"),
           "width": ("#a1d99b", "width-limited ($K = \\alpha q$)"),
           "var_F": ("#cbc9e2", "feature variance $\\mathrm{Var}_F$"),
           "noise": ("#d9d9d9", "label noise")}


def phase_branches(step: str, alpha, r):
    """The branches of the derived rate (``random-feature-exponents``, ``step``) at numeric α, r.

    Returns ``(rate, branches, kappa_args)``: the rate expression, a dict branch name ("bias",
    "feature", "noise") → its argument of the outer Min, and a dict ("alpha", "l", "alpha q") →
    the arguments of K = Min(α, l, αq); all SymPy expressions in q and l. Each outer argument is
    named by matching it with the derivation's own steps (bias-order·K, feature-term-rate,
    noise-term-rate at K = kappa2-rate), so nothing here restates the formula.
    """
    a_sym, l_sym, q_sym, r_sym = exponent_steps.alpha, exponent_steps.l, exponent_steps.q, exponent_steps.r
    d = registry.get("random-feature-exponents")
    rate = d[step].rhs
    K_sym = sp.Symbol("K", positive=True)
    K_expr = d["kappa2-rate"].rhs
    candidates = {"bias": d["bias-order"].rhs * K_expr,
                  "feature": d["feature-term-rate"].rhs.subs(K_sym, K_expr),
                  "noise": d["noise-term-rate"].rhs.subs(K_sym, K_expr)}
    args = rate.args if isinstance(rate, sp.Min) else (rate,)
    branches = {}
    for arg in args:
        names = [n for n, c in candidates.items() if arg == c] or \
            [n for n, c in candidates.items() if sp.simplify(arg - c) == 0]
        if len(names) != 1:
            raise ValueError(f"cannot name the branch {arg} of ({step})")
        branches[names[0]] = arg
    kappa_args = {}
    for arg in K_expr.args:
        kappa_args["l" if l_sym in arg.free_symbols else "alpha q" if q_sym in arg.free_symbols else "alpha"] = arg
    if sorted(kappa_args) != ["alpha", "alpha q", "l"]:
        raise ValueError(f"unexpected form of K: {K_expr}")
    values = {a_sym: sp.Rational(str(alpha)), r_sym: sp.Rational(str(r))}
    sub = lambda e: e.subs(values)
    return sub(rate), {k: sub(v) for k, v in branches.items()}, {k: sub(v) for k, v in kappa_args.items()}


def phase_regimes(step: str, alpha, r, q, l):
    """Rate and regime label on arrays (q, l): the winning branch of the Min, refined by which
    argument of K = Min(α, l, αq) is smallest. Labels index ``list(REGIMES)``."""
    l_sym, q_sym = exponent_steps.l, exponent_steps.q
    rate, branches, kappa_args = phase_branches(step, alpha, r)
    shape = np.broadcast(q, l).shape
    ev = lambda e: np.broadcast_to(sp.lambdify((q_sym, l_sym), e, "numpy")(q, l), shape).astype(float)
    value = ev(rate)
    names = list(branches)
    stacked = np.stack([ev(branches[n]) for n in names])
    if not np.allclose(stacked.min(axis=0), value, rtol=0, atol=1e-12):
        raise RuntimeError(f"the branches of ({step}) do not reproduce its rate")
    k_names = ["alpha", "l", "alpha q"]
    k_which = np.argmin(np.stack([ev(kappa_args[n]) for n in k_names]), axis=0)
    branch = np.array(names)[np.argmin(stacked, axis=0)]
    k_label = np.array(k_names)[k_which]
    regimes = list(REGIMES)
    label = np.select(
        [branch == "noise",
         (branch == "feature") & (k_label == "alpha q"),     # at the width bottleneck Var_F's rate is the width rate
         branch == "feature",
         k_label == "alpha q", k_label == "l"],
        [regimes.index("noise"), regimes.index("width"), regimes.index("var_F"),
         regimes.index("width"), regimes.index("ridge")], default=regimes.index("data"))
    return value, label


def phase_diagram(quick: bool = False, executor=None):
    """Regimes of the random-feature error rate over N = P^q, λ = P^(−l), with rate contours."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    q = np.linspace(0, 3, PHASE_GRID)
    Q, L = np.meshgrid(q, q)
    colours = [c for c, _ in REGIMES.values()]
    cmap, norm = ListedColormap(colours), BoundaryNorm(np.arange(len(colours) + 1) - 0.5, len(colours))
    fig = new_figure(10, 9.2)
    axes = fig.subplots(2, len(PHASE_R), sharex=True, sharey=True)
    seen = set()
    rows = (("phase-diagram-noiseless", "noiseless"), ("phase-diagram", "label noise σ² > 0"))
    for row, (step, what) in enumerate(rows):
        for col, r in enumerate(PHASE_R):
            ax = axes[row, col]
            value, label = phase_regimes(step, PHASE_ALPHA, r, Q, L)
            seen.update(np.unique(label).tolist())
            ax.imshow(label, origin="lower", extent=(0, 3, 0, 3), cmap=cmap, norm=norm, interpolation="nearest",
                      aspect="auto")
            levels = np.round(np.arange(0.25, float(np.nanmax(value)) + 1e-9, 0.25), 2)
            cs = ax.contour(Q, L, value, levels=levels, colors="k", linewidths=0.7)
            ax.clabel(cs, levels[1::2] if len(levels) > 8 else levels, fontsize=7.5, fmt="%g")
            ax.text(2.93, 2.93, f"ρ = {value[-1, -1]:.3g}", ha="right", va="top", fontsize=8.5,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.7"})
            ax.set_title(f"{what}: α = {float(Fraction(PHASE_ALPHA)):g}, r = {float(Fraction(r)):g}")
            if row == 1:
                ax.set_xlabel("width exponent $q$ ($N = P^q$)")
            if col == 0:
                ax.set_ylabel("ridge exponent $l$ ($\\lambda = P^{-l}$)")
    handles = [Patch(facecolor=c, edgecolor="0.3", label=t) for i, (c, t) in enumerate(REGIMES.values()) if i in seen]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(5, len(handles)), fontsize=8.5, frameon=False)
    return fig


LEARNING_CURVE_CAPTION = (
    f"Linear random features at D = {RF_D}, P = {RF_P}, label noise σ² = {RF_NOISE}, same spectrum (α = 1.5, "
    "r = 0.4), features z = Fᵀx with F_ij ~ N(0, 1/D): (a) test error E_g against the width N for "
    "λ ∈ {1e-3, 1e-1}; (b, c) its decomposition E_g = Bias² + Var_X + Var_F + Var_XF + Var_Xε + Var_XFε. "
    "Lines: the deterministic equivalent (linear-random-features, float64); points: crossed-block simulation "
    f"(4 projections × 4 data sets per block, {RF_BLOCKS[0]} blocks, {RF_BLOCKS[1]} with --quick), mean ± "
    f"standard error over blocks, seeded SeedSequence([{SEED}, 2, λ index, N]); unbiased component estimates "
    "that come out ≤ 0 are not drawn. Dotted: N = P; dash-dotted: N = D.")

PHASE_DIAGRAM_CAPTION = (
    "Phase diagram of the linear-random-feature error rate: E_g ∝ P^(−ρ) with N = P^q features and ridge "
    "λ = P^(−l), infinite power-law spectrum η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)), α = 1.5, r = 0.4 (left) "
    "and r = 1 (right); top row noiseless (random-feature-exponents, phase-diagram-noiseless), bottom row "
    "with label noise (phase-diagram). The rate is the derived Min, evaluated by lambdify on a "
    f"{PHASE_GRID}×{PHASE_GRID} grid; colours name the branch that attains it (bias, feature term, label "
    "noise) and, for the bias, which of α, l, αq sets K = Min(α, l, αq): data-limited (K = α, l ≥ α "
    "acts as no ridge), ridge-limited (K = l), width-limited (K = αq, where the feature term is the "
    "projection's own error), Var_F-limited (feature variance, N ≫ P), label noise. Contours: ρ in steps "
    "of 0.25; boxes: ρ on the plateau at q = l = 3.")
