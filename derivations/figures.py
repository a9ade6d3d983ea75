"""Figures of the catalogue: theory curves with seeded simulations, the phase diagram, exponents.

Each figure is a function ``f(quick=False, executor=None)`` that builds and returns a
:class:`matplotlib.figure.Figure` (never shown, never registered with pyplot: no global state,
no display needed); :data:`FIGURES` maps a figure name to ``(function, caption)``.
``derivations figure NAME -o DIR`` writes ``DIR/NAME.png`` (150 dpi) and ``DIR/NAME.pdf``
(byte-stable: no creation date) through :func:`write`.

matplotlib is an optional extra (``pip install 'neural-scaling-derivations[plot]'``): it is
imported inside the functions, so this module imports without it.

=================================  ===========================================================
``ridge-learning-curve``           E_g and E_tr of ridge regression against P, theory and simulation
``random-feature-learning-curve``  E_g of linear random features against N and its decomposition
``phase-diagram``                  regimes of the random-feature error rate over (q, l)
``exponents``                      local slopes of the exact theory converging to each derived exponent
``dmft-mode-discrepancy``          E⟨Δ_i(t)⟩/Δ_i(0) of single modes under Langevin dynamics (DMFT)
``dmft-test-error``                ε(t) for three noise strengths, with and without label noise
``dmft-bias-variance``             bias, data variance, Langevin variance at P = N
``dmft-early-stopping``            early stopping and the regularisation strength gβ
``online-sgd-learning-curves``     ε_g(α) of erf committee machines for several L (ODEs and SGD)
``online-sgd-linear``              the same for the linear network, with the window law W-2
=================================  ===========================================================

Theory curves are float64 (the finite-D deterministic equivalent) except in ``exponents``, which
takes local slopes of the infinite-spectrum theory at 30 digits. Simulations are seeded:
``SeedSequence([SEED, figure, λ index, size])``, one child per draw or block.

>>> sorted(FIGURES)[:4]
['dmft-bias-variance', 'dmft-early-stopping', 'dmft-mode-discrepancy', 'dmft-test-error']
>>> sorted(FIGURES)[4:]
['exponents', 'online-sgd-learning-curves', 'online-sgd-linear', 'phase-diagram', 'random-feature-learning-curve', 'ridge-learning-curve']
>>> FIGURES["phase-diagram"].caption.split(":")[0]
'Phase diagram of the linear-random-feature error rate'
"""
from __future__ import annotations

import functools
import os
from fractions import Fraction
from typing import Callable, NamedTuple

import numpy as np

from derivations.online_sgd.figures import CAPTIONS, learning_curves, linear_curves
from derivations.dmft.figures import (BETAS, DRAWS, G_BETA, MODES, NOISE_VARIANCE, STOP_BETA, STOP_G_BETAS,
                                      dmft_bias_variance, dmft_early_stopping, dmft_mode_discrepancy,
                                      dmft_test_error)

#: root entropy of every simulation in these figures
SEED = 20250601
PLOT_EXTRA = "pip install 'neural-scaling-derivations[plot]'"
PNG_DPI = 150


class MatplotlibMissing(ImportError):
    """matplotlib (the ``[plot]`` extra) is not installed."""


def require_matplotlib():
    """Import matplotlib or raise :class:`MatplotlibMissing` naming the extra to install."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise MatplotlibMissing(f"figures need matplotlib ({exc}): {PLOT_EXTRA}") from None
    return matplotlib


def _new_figure(width, height, **kwargs):
    """A Figure outside pyplot (its own canvas on savefig: Agg for PNG, the PDF backend for PDF)."""
    require_matplotlib()
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


# ---- 1. ridge regression -----------------------------------------------------------------------
RIDGE_D = 200
RIDGE_NOISE = 0.25
RIDGE_RIDGES = (1e-3, 1e-1, 0.0)
RIDGE_SIZES = (25, 50, 100, 200, 400, 800)
RIDGE_DRAWS = (40, 10)                 # (full, quick)
_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:gray")


def _lam_label(lam):
    if lam == 0:
        return "λ = 0"
    exponent = int(round(np.log10(lam)))
    return f"λ = 1e{exponent}" if np.isclose(lam, 10.0 ** exponent) else f"λ = {lam:g}"


def _positive(values):
    """NaN where a value cannot be drawn on a log axis (0, negative, infinite)."""
    v = np.asarray(values, float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def ridge_learning_curve(quick: bool = False, executor=None):
    """Test and training error of ridge regression against P: theory lines, simulation ± SE."""
    from derivations.ridge.checks import power_law_problem
    from derivations.ridge.steps import learning_curve
    from numerics.ridge_simulation import ridge_draw
    from numerics.simulation import run_ensemble

    eta, w = power_law_problem(RIDGE_D)
    draws = RIDGE_DRAWS[1 if quick else 0]
    P_line = np.unique(np.concatenate([np.geomspace(20, 1000, 241), np.linspace(0.9 * RIDGE_D, 1.1 * RIDGE_D, 81)]))
    fig = _new_figure(11, 4.4)
    ax_g, ax_tr = fig.subplots(1, 2, sharex=True)
    for i, lam in enumerate(RIDGE_RIDGES):
        colour = _COLOURS[i]
        theory = learning_curve(eta, w, P_line, lam, RIDGE_NOISE)
        ax_g.plot(P_line, _positive([t.E_g for t in theory]), color=colour, label=_lam_label(lam))
        ax_tr.plot(P_line, _positive([t.E_tr for t in theory]), color=colour, label=_lam_label(lam))
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
        _mark(ax, RIDGE_D, "$P = D$")
    ax_g.set_title(f"(a) test error, D = {RIDGE_D}, σ² = {RIDGE_NOISE}")
    ax_tr.set_title("(b) training error (λ = 0: zero for P < D)")
    handles, labels = ax_g.get_legend_handles_labels()
    ax_g.legend([*handles, _simulation_handle(ax_g)],
                [*labels, f"simulation: mean ± SE, {draws} draws"], fontsize=8, loc="lower left")
    return fig


def _mark(ax, x, text):
    """Label a vertical marker line at the bottom of the axes."""
    ax.text(x * 1.04, 0.025, text, color="0.3", fontsize=9, transform=ax.get_xaxis_transform())


def _simulation_handle(ax):
    """A grey point-with-error-bar legend handle (drawn nowhere)."""
    from matplotlib.lines import Line2D
    return Line2D([], [], color="0.3", marker="o", mfc="white", ms=4.5, ls="none")


# ---- 2. linear random features -----------------------------------------------------------------
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
    from derivations.ridge.checks import power_law_problem
    from derivations.random_features.steps import learning_curve
    from numerics.random_feature_simulation import simulate_random_features

    eta, w = power_law_problem(RF_D)
    blocks = RF_BLOCKS[1 if quick else 0]
    N_line = np.unique(np.concatenate([np.geomspace(20, 1000, 201), np.linspace(0.9 * RF_P, 1.1 * RF_P, 41)]))
    fig = _new_figure(15, 4.6)
    ax_e, *ax_parts = fig.subplots(1, 1 + len(RF_RIDGES), sharex=True)
    for i, lam in enumerate(RF_RIDGES):
        colour = _COLOURS[i]
        theory = [learning_curve(eta, w, RF_P, float(N), lam, RF_NOISE) for N in N_line]
        ax_e.plot(N_line, _positive([t.E_g for t in theory]), color=colour, label=_lam_label(lam))
        sims = [simulate_random_features(eta, w, RF_P, N, lam, RF_NOISE, n_blocks=blocks, entropy=[SEED, 2, i, N],
                                         executor=executor) for N in RF_WIDTHS]
        ax_e.errorbar(RF_WIDTHS, [s["E_g"].mean for s in sims], yerr=[s["E_g"].se for s in sims], fmt="o", ms=4.5,
                      color=colour, mfc="white", capsize=2.5, lw=1)
        ax = ax_parts[i]
        for j, (key, label) in enumerate(RF_COMPONENTS):
            c = _COLOURS[j]
            ax.plot(N_line, _positive([getattr(t, key) for t in theory]), color=c, label=label)
            mean = np.array([s[key].mean for s in sims])
            err = np.array([s[key].se for s in sims])
            keep = mean > 0              # the unbiased estimators can come out ≤ 0 where a term is tiny
            ax.errorbar(np.asarray(RF_WIDTHS)[keep], mean[keep], yerr=err[keep], fmt="o", ms=3.5, color=c,
                        mfc="white", capsize=2, lw=0.8)
        ax.plot(N_line, _positive([t.E_g for t in theory]), color="k", lw=1, ls="--", label="$E_g$ (sum)")
        ax.set_title(f"({'bc'[i]}) decomposition, {_lam_label(lam)}")
        ax.set_ylabel("component of $E_g$")
        ax.set_ylim(1e-5, 2)
    ax_e.set_title(f"(a) test error, D = {RF_D}, P = {RF_P}, σ² = {RF_NOISE}")
    ax_e.set_ylabel("test error $E_g$")
    handles, labels = ax_e.get_legend_handles_labels()
    ax_e.legend([*handles, _simulation_handle(ax_e)], [*labels, f"simulation: mean ± SE, {blocks} blocks"],
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
        _mark(ax, RF_P, "$N = P$")
        _mark(ax, RF_D, "$N = D$")
    return fig


# ---- 3. phase diagram ----------------------------------------------------------------------------
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
    import sympy as sp

    from derivations import registry
    from derivations.random_features.exponent_steps import alpha as a_sym
    from derivations.random_features.exponent_steps import l as l_sym
    from derivations.random_features.exponent_steps import q as q_sym
    from derivations.random_features.exponent_steps import r as r_sym
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
    import sympy as sp

    from derivations.random_features.exponent_steps import l as l_sym
    from derivations.random_features.exponent_steps import q as q_sym
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
    fig = _new_figure(10, 9.2)
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


# ---- 4. exponents --------------------------------------------------------------------------------
def _slope_at(law_name: str, log10_x: float) -> float:
    """Local slope of ``LAWS[law_name].theory`` at x = 10^log10_x, at THEORY_DPS digits (top level: picklable)."""
    import mpmath

    from derivations.exponents import LAWS, THEORY_DPS
    from numerics.exponent_fit import local_slope
    from numerics.precision import workdps
    with workdps(THEORY_DPS):
        return float(local_slope(LAWS[law_name].theory, mpmath.mpf(10) ** mpmath.mpf(log10_x)))


def _exponent_scales(law, quick: bool) -> list[float]:
    """log10 of the scales: the decades of ``law.scales`` (those of the exponent table), or with
    ``quick`` every other decade down from the last (10⁸, 10⁶, …) and the first."""
    lo, hi = (round(np.log10(float(s))) for s in (law.scales[0], law.scales[-1]))
    if quick:
        return sorted({float(lo), *(float(k) for k in range(hi, lo - 1, -2))})
    return [float(k) for k in range(lo, hi + 1)]


_GREEK = {"alpha": "α", "l": "l", "r": "r", "q": "q"}


def exponents(quick: bool = False, executor=None):
    """For each law of :data:`derivations.exponents.LAWS`: local slope of the exact theory against scale."""
    from derivations.exponents import LAWS
    laws = list(LAWS.values())
    rates = [law.value() for law in laws]           # builds the catalogue entries (once) before any fork
    tasks = [(law.name, e) for law in laws for e in _exponent_scales(law, quick)]
    names, logs = zip(*tasks)
    slopes = list(executor.map(_slope_at, names, logs)) if executor is not None else [_slope_at(*t) for t in tasks]
    table: dict = {}
    for (name, e), s in zip(tasks, slopes):
        table.setdefault(name, []).append((10.0 ** e, s))
    ncols = 5
    nrows = -(-len(laws) // ncols)
    fig = _new_figure(3.3 * ncols, 3.1 * nrows + 0.5)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for i, (ax, law, rate) in enumerate(zip(axes, laws, rates)):
        x, s = np.array(table[law.name]).T
        ax.plot(x, s, "o-", ms=3.5, lw=1.2, color="tab:blue", label="exact theory: local slope")
        ax.axhline(-rate, color="tab:red", ls="--", lw=1, label="derived exponent $-\\rho$")
        lo, hi = min(s.min(), -rate), max(s.max(), -rate)
        pad = 0.08 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xscale("log")
        ax.set_title(law.name, fontsize=9.5)
        params = ", ".join(f"{_GREEK.get(k, k)} = {v:g}" for k, v in law.parameters.items() if np.isfinite(v))
        from_above = s[0] > -rate          # the curve falls onto the line: its upper right is empty
        ax.text(0.97, 0.95 if from_above else 0.05,
                f"{law.quantity} ∝ {law.variable}$^{{-\\rho}}$\nρ = {rate:.4g}  ({params})\n"
                f"slope at $10^{{{round(np.log10(x[-1]))}}}$: {s[-1]:+.4f}", transform=ax.transAxes, ha="right",
                va="top" if from_above else "bottom", fontsize=7.5,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        ax.set_xlabel(f"${law.variable}$", labelpad=1)
        if i % ncols == 0:
            ax.set_ylabel("local slope d log E / d log x", fontsize=8.5)
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
    for ax in axes[len(laws):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    return fig


# ---- registry and output -----------------------------------------------------------------------
class FigureSpec(NamedTuple):
    function: Callable
    caption: str


FIGURES: dict[str, FigureSpec] = {
    "ridge-learning-curve": FigureSpec(ridge_learning_curve, (
        "Ridge regression learning curves: (a) test error E_g and (b) training error E_tr (training MSE, label "
        f"noise included) against the number of samples P, D = {RIDGE_D}, power-law spectrum η_k = k^(−α) with "
        f"w̄_k²η_k ∝ k^(−(1+2αr)), α = 1.5, r = 0.4, ‖w̄‖ = 1, label noise σ² = {RIDGE_NOISE}, ridge "
        "λ ∈ {1e-3, 1e-1, 0}. Lines: the deterministic equivalent (ridge-regression, float64); points: direct "
        f"ridge regression, mean ± standard error over {RIDGE_DRAWS[0]} draws ({RIDGE_DRAWS[1]} with --quick) at "
        f"P ∈ {{{', '.join(map(str, RIDGE_SIZES))}}}, seeded SeedSequence([{SEED}, 1, λ index, P]). Dotted: the "
        "interpolation threshold P = D, where the ridgeless E_g is infinite (no simulation there); the ridgeless "
        "E_tr is 0 for P < D and not drawn.")),
    "random-feature-learning-curve": FigureSpec(random_feature_learning_curve, (
        f"Linear random features at D = {RF_D}, P = {RF_P}, label noise σ² = {RF_NOISE}, same spectrum (α = 1.5, "
        "r = 0.4), features z = Fᵀx with F_ij ~ N(0, 1/D): (a) test error E_g against the width N for "
        "λ ∈ {1e-3, 1e-1}; (b, c) its decomposition E_g = Bias² + Var_X + Var_F + Var_XF + Var_Xε + Var_XFε. "
        "Lines: the deterministic equivalent (linear-random-features, float64); points: crossed-block simulation "
        f"(4 projections × 4 data sets per block, {RF_BLOCKS[0]} blocks, {RF_BLOCKS[1]} with --quick), mean ± "
        f"standard error over blocks, seeded SeedSequence([{SEED}, 2, λ index, N]); unbiased component estimates "
        "that come out ≤ 0 are not drawn. Dotted: N = P; dash-dotted: N = D.")),
    "phase-diagram": FigureSpec(phase_diagram, (
        "Phase diagram of the linear-random-feature error rate: E_g ∝ P^(−ρ) with N = P^q features and ridge "
        "λ = P^(−l), infinite power-law spectrum η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)), α = 1.5, r = 0.4 (left) "
        "and r = 1 (right); top row noiseless (random-feature-exponents, phase-diagram-noiseless), bottom row "
        "with label noise (phase-diagram). The rate is the derived Min, evaluated by lambdify on a "
        f"{PHASE_GRID}×{PHASE_GRID} grid; colours name the branch that attains it (bias, feature term, label "
        "noise) and, for the bias, which of α, l, αq sets K = Min(α, l, αq): data-limited (K = α, l ≥ α "
        "acts as no ridge), ridge-limited (K = l), width-limited (K = αq, where the feature term is the "
        "projection's own error), Var_F-limited (feature variance, N ≫ P), label noise. Contours: ρ in steps "
        "of 0.25; boxes: ρ on the plateau at q = l = 3.")),
    "exponents": FigureSpec(exponents, (
        "Convergence of the exact theory to each derived scaling exponent (derivations.exponents.LAWS): the "
        "local slope d log E/d log x of the infinite-spectrum deterministic equivalent (power_law_theory, "
        "30 digits, central difference in log x) against the scale x = P or N, at the decades 10², …, 10⁸ of "
        "`derivations exponents` (from 10³ for rf-variance-F, at P = 100), or at 10², 10⁴, 10⁶, 10⁸ with "
        "--quick; dashed: −ρ, the derived rate at the law's parameters (spectrum η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)); λ = P^(−l) where l is given, else "
        "ridgeless). Theory only, no simulation.")),
    "dmft-mode-discrepancy": FigureSpec(dmft_mode_discrepancy, (
        "Langevin mean-field theory (dmft-langevin; Kramp, Lindner, Helias, arXiv:2602.23039, reconstruction "
        "K-1…K-8): normalised mean discrepancy E⟨Δ_i(t)⟩/Δ_i(0) = R_i(t) + g∫_0^t R_i of the modes "
        f"i ∈ {{{', '.join(map(str, MODES))}}} against t, one panel per "
        f"β ∈ {{{', '.join(f'{b:g}' for b in BETAS)}}} at gβ = {G_BETA:g} "
        f"(g ∈ {{{', '.join(f'{G_BETA / b:g}' for b in BETAS)}}}). N = P = 100 (the interpolation threshold), "
        "Λ_i = i^(−3/2), loss L = (c/2)‖y − Φw‖² + (g/2)‖w‖² with c = 1 (summed over samples; the paper's "
        "normalisation is unknown), w(0) = 0, teacher components i.i.d. with variance 1, no label noise. Lines: "
        "DMFT, float64 fixed-Talbot inversion of the Laplace form (K-5); points: exact Langevin average per data "
        f"draw (K-2), mean ± standard error over {DRAWS[0]} draws ({DRAWS[1]} with --quick) at every half decade "
        f"of t (every decade with --quick), seeded SeedSequence([{SEED}, 5, β index, 0]).")),
    "dmft-test-error": FigureSpec(dmft_test_error, (
        "Langevin mean-field theory (dmft-langevin, arXiv:2602.23039 reconstruction): test error "
        f"ε(t) = E‖w(t) − w̄‖²_Λ (noise-free test labels) for β ∈ {{{', '.join(f'{b:g}' for b in BETAS)}}} at "
        f"gβ = {G_BETA:g} (g ∈ {{{', '.join(f'{G_BETA / b:g}' for b in BETAS)}}}), (a) without label noise and "
        f"(b) with label noise σ² = {NOISE_VARIANCE:g}. N = P = 100, Λ_i = i^(−3/2), c = 1 (loss summed over "
        "samples), w(0) = 0, teacher components i.i.d. with variance 1. Lines: DMFT (K-7), float64 fixed-Talbot "
        "route; points: exact Langevin average per data draw (K-2), mean ± standard error over "
        f"{DRAWS[0]} draws ({DRAWS[1]} with --quick), seeded SeedSequence([{SEED}, 5, β index, noise index]).")),
    "dmft-bias-variance": FigureSpec(dmft_bias_variance, (
        "Bias–variance decomposition of the Langevin test error at the interpolation threshold N = P = 100 "
        "(dmft-langevin, K-7, arXiv:2602.23039 reconstruction): ε(t) = bias + data variance (data sampling and "
        "label noise) + Langevin variance, one panel per "
        f"β ∈ {{{', '.join(f'{b:g}' for b in BETAS)}}} at gβ = {G_BETA:g} "
        f"(g ∈ {{{', '.join(f'{G_BETA / b:g}' for b in BETAS)}}}), label noise σ² = {NOISE_VARIANCE:g}, "
        "Λ_i = i^(−3/2), c = 1 (summed loss), w(0) = 0, teacher components i.i.d. with variance 1, noise-free "
        "test labels. Lines: DMFT, float64 fixed-Talbot route; points: exact Langevin average per draw (K-2), "
        f"mean ± standard error over {DRAWS[0]} draws ({DRAWS[1]} with --quick; the bias is the teacher-averaged "
        "U-statistic of diag E[e^(−At) + g(I − e^(−At))A⁻¹], the data variance is total − bias − Langevin "
        "variance with jackknife errors: it inherits the teacher-draw fluctuation of the total, so its early-time "
        "points scatter around 0 with large error bars; a mean ≤ 0 is drawn as ▽ at mean + SE), seeded "
        f"SeedSequence([{SEED}, 5, β index, 1]), the draws of dmft-test-error (b).")),
    "dmft-early-stopping": FigureSpec(dmft_early_stopping, (
        f"Early stopping and regularisation strength in Langevin training at β = {STOP_BETA:g} "
        f"(T = {1 / STOP_BETA:g}), label noise σ² = {NOISE_VARIANCE:g} (dmft-langevin, arXiv:2602.23039 "
        "reconstruction), N = P = 100, Λ_i = i^(−3/2), c = 1 (summed loss), w(0) = 0, teacher components i.i.d. "
        f"with variance 1, noise-free test labels. (a) ε(t) for gβ ∈ {{{', '.join(f'{b:g}' for b in STOP_G_BETAS)}}} "
        "and g = 0 (gradient flow with Langevin noise), DMFT lines (float64 fixed-Talbot route) and exact Langevin "
        f"averages per draw, mean ± standard error over {DRAWS[0]} draws ({DRAWS[1]} with --quick), seeded "
        f"SeedSequence([{SEED}, 8, curve index]); ★: the minimum ε(t*) (log-t grid refined by a bounded Brent "
        "search), ◀: ε(∞) = ε(40/g) (K-8: ridge at g/(cP) plus the posterior variance); for g = 0 at P = N, "
        "ε(t) → ∞. (b) ε(t*) and ε(∞), (c) t* against gβ from 1 to 1e5 (t* = ∞ where ε(t) decreases to ε(∞)); "
        "dashed: the g = 0 values.")),
    "online-sgd-learning-curves": FigureSpec(learning_curves, CAPTIONS["online-sgd-learning-curves"]),
    "online-sgd-linear": FigureSpec(linear_curves, CAPTIONS["online-sgd-linear"]),
}


def build(name: str, quick: bool = False, executor=None):
    """The figure ``name`` (a key of :data:`FIGURES`)."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    require_matplotlib()
    return FIGURES[name].function(quick=quick, executor=executor)


def write(fig, directory, name: str) -> list[str]:
    """Save ``fig`` as ``directory/name.png`` (150 dpi) and ``directory/name.pdf`` (byte-stable); the paths."""
    os.makedirs(directory, exist_ok=True)
    png, pdf = (os.path.join(directory, f"{name}.{ext}") for ext in ("png", "pdf"))
    fig.savefig(png, dpi=PNG_DPI, metadata={"Software": None})
    fig.savefig(pdf, metadata={"CreationDate": None})
    return [png, pdf]
