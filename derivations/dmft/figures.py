"""The four figures of the Langevin mean-field theory (``derivations figure NAME``).

Random-feature regression trained by Langevin dynamics (K-1) and its dynamical mean-field theory
(DMFT, K-3 … K-8) after Kramp, Lindner, Helias, arXiv:2602.23039 (only the abstract was readable;
the equations are the reconstruction in ``shared/reference/papers.md`` §1).  Every figure uses the
same system: N = P = 100 modes and samples (the interpolation threshold), kernel eigenvalues
Λ_i = i^(−3/2), loss L(w) = (c/2)‖y − Φw‖² + (g/2)‖w‖² with c = 1 (summed over samples; the paper's
normalisation is unknown), w(0) = 0, teacher components i.i.d. with variance 1, noise-free test
labels, and gβ = 10³ (prior precision fixed) at β ∈ {10⁴, 50, 10}, i.e. g ∈ {0.1, 20, 100}:

=========================  ===================================================================
``dmft-mode-discrepancy``  E⟨Δ_i(t)⟩/Δ_i(0) = R_i(t) + g∫_0^t R_i of modes 1, 2, 5, 10, 30, 100
``dmft-test-error``        ε(t) for the three β, without and with label noise σ² = 0.5
``dmft-bias-variance``     ε(t) = bias + data variance + Langevin variance (K-7), σ² = 0.5
``dmft-early-stopping``    ε(t) at β = 50 for gβ ∈ {10, 10², 10³, 10⁴} and g = 0; t*, ε(∞)
=========================  ===================================================================

Theory lines: :func:`derivations.dmft.theory.test_error_curve` by the float64 fixed-Talbot
Laplace route (``method="talbot"``); points: the exact Langevin average per data draw (K-2),
:func:`numerics.langevin_simulation.simulate_test_error`, mean ± standard error, seeded
``SeedSequence([SEED, 5, β index, noise index])`` (the same draws in the first three figures) and
``SeedSequence([SEED, 8, curve index])`` in the early-stopping figure.

:data:`FIGURES` maps each name to its :class:`~derivations.engine.figures.FigureSpec` (function and
caption); the face :mod:`derivations.dmft` hands it to the registry.  The drawing helpers are those of
:mod:`derivations.engine.figures` (matplotlib is imported only when a figure is drawn).

>>> eigenvalues()[[0, 3, 99]]
array([1.   , 0.125, 0.001])
>>> [weight_decay(b) for b in BETAS]          # g = gβ/β at gβ = 10³
[0.1, 20.0, 100.0]
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from derivations.dmft.theory import test_error_curve
from derivations.engine.figures import COLOURS, SEED, FigureSpec, error_points, new_figure, simulation_handle
from numerics.langevin_simulation import simulate_test_error

N_MODES = 100
N_SAMPLES = 100
SPECTRUM_EXPONENT = 1.5                 # Λ_i = i^(−3/2)
LOSS_SCALE = 1.0                        # c: loss summed over the samples
TEACHER_VARIANCE = 1.0
G_BETA = 1e3                            # gβ: the prior precision of the stationary (Bayesian) law
BETAS = (1e4, 50.0, 10.0)
NOISE_VARIANCE = 0.5
MODES = (1, 2, 5, 10, 30, 100)
TIME_RANGE = (1e-4, 1e2)
THEORY_PER_DECADE = (100, 20)           # (full, quick): points per decade of the theory lines
SIMULATION_TIMES = (13, 7)              # (full, quick): every half decade / every decade
DRAWS = (4000, 400)                     # (full, quick)
STOP_BETA = 50.0
STOP_G_BETAS = (10.0, 1e2, 1e3, 1e4)    # plus plain gradient flow with Langevin noise, g = 0
SWEEP_PER_DECADE = (4, 2)               # (full, quick): gβ from 1 to 10⁵ in panel (b, c) of early stopping
SWEEP_RANGE = (1.0, 1e5)
#: ε(∞) is read at t = STATIONARY_RATE_TIMES/g: every relaxation rate of A = cΦᵀΦ + gI is >= g, so
#: the transients left there are O(gt·e^(−gt)) = O(1e-16) relative (below float64 round-off)
STATIONARY_RATE_TIMES = 40.0
#: an early-stopping minimum counts only if it lies this far (relative) below ε(∞): the Talbot
#: route's float64 jitter on the flat tail of a curve stays below 1e-8 relative at every time used
STOP_RTOL = 1e-6
#: log-t resolution of the refined stopping time (scipy's bounded Brent search)
STOP_LOG_TOL = 1e-5
#: second component of the simulation entropy of each figure family
ENTROPY_SYSTEM, ENTROPY_STOPPING = 5, 8
TERMS = (("total", "total ε(t)", "k"), ("bias", "bias", "tab:blue"),
         ("variance_data", "data variance", "tab:orange"), ("variance_langevin", "Langevin variance", "tab:green"))


def eigenvalues() -> np.ndarray:
    """Kernel spectrum Λ_i = i^(−3/2), i = 1 … N = 100 (papers.md §1 (c)).

    Σ_i Λ_i = ζ(3/2) − ζ(3/2, 101) (Hurwitz zeta) = 2.41287 (the sheet's 2.41319 is slightly off):

    >>> import mpmath
    >>> float(mpmath.zeta(1.5) - mpmath.zeta(1.5, 101)), float(eigenvalues().sum().round(5))
    (2.412874..., 2.41287)
    """
    return np.arange(1, N_MODES + 1, dtype=float) ** -SPECTRUM_EXPONENT


def weight_decay(beta: float, g_beta: float = G_BETA) -> float:
    """g = (gβ)/β: at fixed gβ the stationary law e^(−βL) has a fixed Gaussian prior of precision gβ.

    >>> weight_decay(50.0), weight_decay(50.0, 10.0)
    (20.0, 0.2)
    """
    if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    if not (isinstance(g_beta, (int, float)) and math.isfinite(g_beta) and g_beta >= 0):
        raise ValueError(f"g_beta must be a finite number >= 0, got {g_beta!r}")
    return float(g_beta) / float(beta)


def theory_times(quick: bool = False) -> np.ndarray:
    """Log-spaced times of the theory lines over TIME_RANGE (100 per decade; 20 with ``quick``).

    >>> t = theory_times(quick=True)
    >>> t.size, float(t[0]), float(t[-1])
    (121, 0.0001, 100.0)
    """
    lo, hi = np.log10(TIME_RANGE)
    per_decade = THEORY_PER_DECADE[1 if quick else 0]
    return np.logspace(lo, hi, int(round(hi - lo)) * per_decade + 1)


def simulation_times(quick: bool = False) -> np.ndarray:
    """Times of the simulation points: every half decade (13), every decade with ``quick`` (7).

    >>> simulation_times(quick=True).tolist()
    [0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
    """
    lo, hi = np.log10(TIME_RANGE)
    return np.logspace(lo, hi, SIMULATION_TIMES[1 if quick else 0])


def theory(times, beta: float, g: float, noise_variance: float = 0.0):
    """DMFT curve (K-7 with the i.i.d. teacher; mode means R_i + g∫R_i) of the figures' system, Talbot route.

    >>> c = theory([1e-4, 1.0], 50.0, 20.0)
    >>> bool(c.total[0] < eigenvalues().sum()), c.mode_mean.shape
    (True, (100, 2))
    """
    return test_error_curve(np.asarray(times, float), eigenvalues(), N_SAMPLES, g, beta, LOSS_SCALE,
                            TEACHER_VARIANCE, noise_variance, method="talbot")


def simulation(times, beta: float, g: float, noise_variance: float, entropy, quick: bool = False,
               executor=None) -> dict:
    """Exact Langevin averages (K-2) over DRAWS data draws (Φ, w̄, ε): name → Estimate over ``times``.

    >>> est = simulation([1e-4], 50.0, 20.0, 0.0, entropy=[1, 2], quick=True)
    >>> est["total"].n, sorted(est)[:3]
    (400, ['bias', 'clean', 'label_noise'])
    """
    return simulate_test_error(np.asarray(times, float), eigenvalues(), N_SAMPLES, g, beta, LOSS_SCALE,
                               TEACHER_VARIANCE, noise_variance, n_draws=DRAWS[1 if quick else 0],
                               entropy=entropy, executor=executor)


def stationary_error(beta: float, g: float, noise_variance: float) -> float:
    """ε(∞) of the DMFT: the curve at t = 40/g (K-8 in the limit); ∞ for g = 0 with noise.

    For g > 0 every relaxation rate of A = cΦᵀΦ + gI is at least g, so ε(40/g) equals the stationary
    value (K-8: ridge regression at ridge g/(cP) plus the posterior variance) to float64 precision.  For
    g = 0 at P = N the spectrum of cΦᵀΦ reaches 0 with the Marchenko–Pastur density ∝ a^(−1/2), so
    Ŝ(0) = ∫_0^∞ S diverges and with it the Langevin term (1/β)∫_0^{2t}S and the label-noise term
    σ²c[∫_0^t S − ∫_t^{2t}S] of (K-7): ε(t) → ∞.

    >>> round(stationary_error(50.0, 20.0, 0.5), 6), stationary_error(50.0, 0.0, 0.5)
    (0.784057, inf)
    """
    if g > 0:
        return float(theory([STATIONARY_RATE_TIMES / g], beta, g, noise_variance).total[0])
    if g == 0 and (math.isfinite(beta) or noise_variance > 0):
        return math.inf
    raise ValueError(f"g must be > 0, or 0 with finite beta or noise_variance > 0 (then ε(∞) = ∞); "
                     f"got g={g!r}, beta={beta!r}, noise_variance={noise_variance!r}")


class StoppingPoint(NamedTuple):
    """Optimal stopping time t* (math.inf when stopping never helps), ε(t*), and ε(∞)."""

    time: float
    error: float
    stationary: float


def optimal_stopping(beta: float, g: float, noise_variance: float, per_decade: int = 10) -> StoppingPoint:
    """The minimum of ε(t) over t > 0: a log-t grid (``per_decade`` points) from 1e-4 to 40/g
    (TIME_RANGE for g = 0), refined by a bounded Brent search in log t between the grid neighbours.

    t* is finite when ε(t*) < ε(∞)(1 − STOP_RTOL) (early stopping helps); otherwise ε(t) approaches
    its t → ∞ value from above and t* = ∞.  A minimum at the first grid point, or (g = 0) at the
    last, lies outside the searched range: RuntimeError.

    >>> s = optimal_stopping(50.0, 0.2, 0.5)
    >>> round(s.time, 2), round(s.error, 4), round(s.stationary, 4)
    (1.51, 0.2994, 0.3351)
    >>> optimal_stopping(50.0, 20.0, 0.5).time
    inf
    """
    from scipy.optimize import minimize_scalar
    stationary = stationary_error(beta, g, noise_variance)
    lo = math.log10(TIME_RANGE[0])
    hi = math.log10(STATIONARY_RATE_TIMES / g) if g > 0 else math.log10(TIME_RANGE[1])
    log_t = np.linspace(lo, hi, max(int(math.ceil((hi - lo) * per_decade)), 2) + 1)
    curve = theory(10.0 ** log_t, beta, g, noise_variance).total
    k = int(np.argmin(curve))
    if g > 0 and (k == log_t.size - 1 or curve[k] >= stationary * (1 - STOP_RTOL)):
        return StoppingPoint(math.inf, stationary, stationary)
    if k == 0 or k == log_t.size - 1:
        raise RuntimeError(f"the minimum of ε(t) (β={beta:g}, g={g:g}, σ²={noise_variance:g}) lies at the "
                           f"edge t = {10 ** log_t[k]:.3g} of the searched range")
    res = minimize_scalar(lambda x: float(theory([10.0 ** x], beta, g, noise_variance).total[0]),
                          bounds=(log_t[k - 1], log_t[k + 1]), method="bounded", options={"xatol": STOP_LOG_TOL})
    if not res.success:
        raise RuntimeError(f"the stopping-time search did not converge (β={beta:g}, g={g:g}): {res.message}")
    error = min(float(res.fun), float(curve[k]))
    time = 10.0 ** float(res.x) if res.fun <= curve[k] else 10.0 ** float(log_t[k])
    return StoppingPoint(time, error, stationary)


# ---- drawing helpers -----------------------------------------------------------------------------
def _system_text(beta=None, g=None):
    """The parameter line of a title: N = P = 100, Λ_i = i^(−3/2), c = 1, and β, g when given."""
    text = f"N = P = {N_MODES}, $\\Lambda_i = i^{{-3/2}}$, c = 1"
    if beta is not None:
        text += f", β = {beta:g}, g = {g:g}"
    return text


def _finish_time_axis(ax):
    ax.set_xscale("log")
    ax.set_xlim(*TIME_RANGE)
    ax.set_xlabel("time $t$")
    ax.grid(True, which="major", alpha=0.3)


def _entropy_system(i_beta: int, noisy: bool):
    return [SEED, ENTROPY_SYSTEM, i_beta, int(noisy)]


# ---- 1. mode discrepancy -------------------------------------------------------------------------
def dmft_mode_discrepancy(quick: bool = False, executor=None):
    """E⟨Δ_i(t)⟩/Δ_i(0) = R_i(t) + g∫_0^t R_i (``mean-laplace`` of ``dmft-langevin``), one panel per β."""
    t_line, t_sim = theory_times(quick), simulation_times(quick)
    fig = new_figure(15, 4.6)
    axes = fig.subplots(1, len(BETAS), sharey=True)
    for i_beta, (ax, beta) in enumerate(zip(axes, BETAS)):
        g = weight_decay(beta)
        line = theory(t_line, beta, g).mode_mean
        sim = simulation(t_sim, beta, g, 0.0, _entropy_system(i_beta, False), quick, executor)["mode_mean"]
        for j, mode in enumerate(MODES):
            ax.plot(t_line, line[mode - 1], color=COLOURS[j], label=f"i = {mode}")
            error_points(ax, t_sim, sim, COLOURS[j], row=mode - 1)
        ax.axhline(0, color="0.5", lw=0.6)
        _finish_time_axis(ax)
        ax.set_ylim(-0.03, 1.05)
        ax.set_title(f"({'abc'[i_beta]}) β = {beta:g}, g = {g:g} (gβ = {G_BETA:g})", fontsize=10)
    axes[0].set_ylabel("normalised mean discrepancy $E\\langle\\Delta_i(t)\\rangle/\\Delta_i(0)$")
    handles, labels = axes[0].get_legend_handles_labels()
    draws = DRAWS[1 if quick else 0]
    fig.legend([*handles, simulation_handle(axes[0])], [*labels, f"simulation: mean ± SE, {draws} draws"],
               loc="outside lower center", ncols=len(labels) + 1, fontsize=9, frameon=False)
    fig.suptitle(f"Mode relaxation, {_system_text()}, no label noise: DMFT (lines), exact Langevin average "
                 "per draw (points)", fontsize=11)
    return fig


# ---- 2. test error -------------------------------------------------------------------------------
def dmft_test_error(quick: bool = False, executor=None):
    """ε(t) = E‖w(t) − w̄‖²_Λ (test-error of ``dmft-langevin``) for the three β, σ² = 0 and 0.5."""
    t_line, t_sim = theory_times(quick), simulation_times(quick)
    fig = new_figure(11, 4.6)
    axes = fig.subplots(1, 2, sharey=True)
    for panel, (ax, noise) in enumerate(zip(axes, (0.0, NOISE_VARIANCE))):
        for i_beta, beta in enumerate(BETAS):
            g = weight_decay(beta)
            colour = COLOURS[i_beta]
            ax.plot(t_line, theory(t_line, beta, g, noise).total, color=colour, label=f"β = {beta:g}, g = {g:g}")
            sim = simulation(t_sim, beta, g, noise, _entropy_system(i_beta, noise > 0), quick, executor)
            error_points(ax, t_sim, sim["total"], colour)
        ax.set_yscale("log")
        _finish_time_axis(ax)
        ax.set_title(f"({'ab'[panel]}) " + ("no label noise" if noise == 0 else f"label noise σ² = {noise:g}"),
                     fontsize=10)
    axes[0].set_ylabel("test error ε(t)")
    handles, labels = axes[0].get_legend_handles_labels()
    draws = DRAWS[1 if quick else 0]
    axes[0].legend([*handles, simulation_handle(axes[0])], [*labels, f"simulation: mean ± SE, {draws} draws"],
                   fontsize=8.5, loc="lower left")
    fig.suptitle(f"Test error, {_system_text()}, gβ = {G_BETA:g}, w(0) = 0, teacher variance 1, noise-free test "
                 "labels", fontsize=11)
    return fig


# ---- 3. bias-variance ----------------------------------------------------------------------------
def dmft_bias_variance(quick: bool = False, executor=None):
    """ε(t) = bias + data variance + Langevin variance (K-7) at P = N, σ² = 0.5, one panel per β."""
    from matplotlib.lines import Line2D
    t_line, t_sim = theory_times(quick), simulation_times(quick)
    fig = new_figure(15, 4.8)
    axes = fig.subplots(1, len(BETAS), sharey=True)
    for i_beta, (ax, beta) in enumerate(zip(axes, BETAS)):
        g = weight_decay(beta)
        line = theory(t_line, beta, g, NOISE_VARIANCE)
        sim = simulation(t_sim, beta, g, NOISE_VARIANCE, _entropy_system(i_beta, True), quick, executor)
        ax.set_yscale("log")
        for key, label, colour in TERMS:
            ax.plot(t_line, getattr(line, key), color=colour, label=label, lw=1.6 if key == "total" else 1.2)
            error_points(ax, t_sim, sim[key], colour)
        _finish_time_axis(ax)
        ax.set_ylim(1e-8, 5)
        ax.set_title(f"({'abc'[i_beta]}) β = {beta:g}, g = {g:g}", fontsize=10)
    axes[0].set_ylabel("term of the test error")
    handles, labels = axes[0].get_legend_handles_labels()
    draws = DRAWS[1 if quick else 0]
    upper = Line2D([], [], color="0.3", marker="v", mfc="white", ls="none")
    fig.legend([*handles, simulation_handle(axes[0]), upper],
               [*labels, f"simulation: mean ± SE, {draws} draws", "simulation mean ≤ 0: drawn at mean + SE"],
               loc="outside lower center", ncols=len(labels) + 2, fontsize=9, frameon=False)
    fig.suptitle(f"Bias–variance decomposition at the interpolation threshold, {_system_text()}, gβ = {G_BETA:g}, "
                 f"label noise σ² = {NOISE_VARIANCE:g}", fontsize=11)
    return fig


# ---- 4. early stopping ---------------------------------------------------------------------------
def _stopping_curves():
    """(label, g) of the early-stopping figure at β = STOP_BETA: g = 0, then gβ = 10 … 10⁴."""
    return [("g = 0 (gradient flow + Langevin noise)", 0.0)] + \
        [(f"gβ = {gb:g}, g = {weight_decay(STOP_BETA, gb):g}", weight_decay(STOP_BETA, gb)) for gb in STOP_G_BETAS]


def dmft_early_stopping(quick: bool = False, executor=None):
    """Early stopping against the regularisation gβ at β = 50, σ² = 0.5: ε(t), its minimum and ε(∞)."""
    from matplotlib.transforms import blended_transform_factory
    t_line, t_sim = theory_times(quick), simulation_times(quick)
    fig = new_figure(15, 4.8)
    ax, ax_err, ax_time = fig.subplots(1, 3, width_ratios=(1.7, 1, 1))
    colours = ("k", "tab:blue", "tab:orange", "tab:green", "tab:red")
    at_edge = blended_transform_factory(ax.transAxes, ax.transData)
    stops = []
    for k, ((label, g), colour) in enumerate(zip(_stopping_curves(), colours)):
        stop = optimal_stopping(STOP_BETA, g, NOISE_VARIANCE)
        stops.append(stop)
        when = f"t* = {stop.time:.3g}" if math.isfinite(stop.time) else "t* = ∞"
        ax.plot(t_line, theory(t_line, STOP_BETA, g, NOISE_VARIANCE).total, color=colour,
                label=f"{label}: {when}, ε* = {stop.error:.3f}")
        sim = simulation(t_sim, STOP_BETA, g, NOISE_VARIANCE, _stopping_entropy(k), quick, executor)
        error_points(ax, t_sim, sim["total"], colour, size=3.5)
        if math.isfinite(stop.time):
            ax.plot([stop.time], [stop.error], "*", ms=13, color=colour, mec="k", mew=0.6, label="_t*")
        if math.isfinite(stop.stationary):
            ax.plot([1.0], [stop.stationary], "<", ms=8, color=colour, mec="k", mew=0.5, clip_on=False,
                    transform=at_edge, label="_ε(∞)")
        else:
            ax.annotate("ε(∞) = ∞", xy=(1.0, 0.97), xytext=(0.86, 0.86), xycoords="axes fraction",
                        textcoords="axes fraction", color=colour, fontsize=8.5,
                        arrowprops={"arrowstyle": "->", "color": colour})
    _finish_time_axis(ax)
    ax.set_ylim(0, None)
    ax.set_ylabel("test error ε(t)")
    ax.set_title(f"(a) β = {STOP_BETA:g} (T = {1 / STOP_BETA:g}), σ² = {NOISE_VARIANCE:g}; ★ minimum, ◀ t → ∞",
                 fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    draws = DRAWS[1 if quick else 0]
    fig.legend([*handles, simulation_handle(ax)], [*labels, f"simulation: mean ± SE, {draws} draws"], fontsize=8.5,
               loc="outside lower center", ncols=3, frameon=False)
    _stopping_sweep(ax_err, ax_time, stops, quick)
    fig.suptitle(f"Early stopping and regularisation strength gβ, {_system_text()}, w(0) = 0, teacher variance 1",
                 fontsize=11)
    return fig


def _stopping_entropy(k: int):
    return [SEED, ENTROPY_STOPPING, k]


def _stopping_sweep(ax_err, ax_time, stops, quick):
    """Panels (b) ε(t*) and ε(∞) and (c) t* against gβ, with the g = 0 values as dashed lines."""
    lo, hi = np.log10(SWEEP_RANGE)
    g_betas = np.logspace(lo, hi, int(round(hi - lo)) * SWEEP_PER_DECADE[1 if quick else 0] + 1)
    sweep = [optimal_stopping(STOP_BETA, weight_decay(STOP_BETA, float(gb)), NOISE_VARIANCE) for gb in g_betas]
    best = np.array([s.error for s in sweep])
    final = np.array([s.stationary for s in sweep])
    t_star = np.array([s.time for s in sweep])
    ax_err.plot(g_betas, final, "o-", ms=4, lw=2.4, color="tab:purple", label="ε(∞): no stopping")
    ax_err.plot(g_betas, best, "*-", ms=6, lw=1, color="tab:cyan", label="ε(t*): optimal stopping")
    ax_err.axhline(stops[0].error, color="k", ls="--", lw=1, label=f"g = 0: ε(t*) = {stops[0].error:.3f}")
    ax_err.set_ylim(0, None)
    ax_err.set_ylabel("test error")
    ax_err.set_title("(b) optimal and final error against gβ", fontsize=10)
    ax_err.legend(fontsize=8, loc="upper left")
    finite = np.isfinite(t_star)
    ax_time.plot(g_betas[finite], t_star[finite], "*-", ms=6, color="tab:cyan", label="t* (finite: stopping helps)")
    ax_time.axhline(stops[0].time, color="k", ls="--", lw=1, label=f"g = 0: t* = {stops[0].time:.3g}")
    if np.any(~finite):
        ax_time.axvspan(g_betas[~finite].min(), g_betas[-1], color="0.9",
                        label="t* = ∞ (no early stopping)")
    ax_time.set_ylabel("optimal stopping time t*")
    ax_time.set_title("(c) optimal stopping time against gβ", fontsize=10)
    ax_time.legend(fontsize=8, loc="center right")
    for a in (ax_err, ax_time):
        a.set_xscale("log")
        a.set_xlabel("regularisation strength gβ")
        a.grid(True, which="major", alpha=0.3)


# ---- the catalogue's specs -----------------------------------------------------------------------
FIGURES: dict[str, FigureSpec] = {
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
}
