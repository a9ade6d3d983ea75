"""The figure of the whole exponent table (``exponents``): for every law of every area, the local slope
d log E/d log x of its exact theory converging to the derived exponent.

The areas' own figures live in their packages (``derivations.ridge.figures``, ...); every figure of the
catalogue is found by name through :func:`derivations.registry.figures`.

>>> FIGURES["exponents"].caption.split(":")[0]
'Convergence of the exact theory to each derived scaling exponent (derivations.registry.laws())'
"""
from __future__ import annotations

import mpmath
import numpy as np

from derivations import registry
from derivations.engine.figures import FigureSpec, new_figure
from derivations.engine.laws import THEORY_DPS
from numerics.exponent_fit import local_slope
from numerics.precision import workdps


# ---- the figure --------------------------------------------------------------------------------
def _slope_at(law_name: str, log10_x: float) -> float:
    """Local slope of the law's theory at x = 10^log10_x, at THEORY_DPS digits, with the law's step in log x
    (a theory computed in floats needs a larger one, as in the exponent table) (top level: picklable)."""
    law = registry.law(law_name)
    with workdps(THEORY_DPS):
        step = None if law.rel_step is None else mpmath.mpf(law.rel_step)
        return float(local_slope(law.theory, mpmath.mpf(10) ** mpmath.mpf(log10_x), rel_step=step))


def _exponent_scales(law, quick: bool) -> list[float]:
    """log10 of the scales: the decades of ``law.scales`` (those of the exponent table), or with
    ``quick`` every other decade down from the last (10⁸, 10⁶, …) and the first."""
    lo, hi = (round(np.log10(float(s))) for s in (law.scales[0], law.scales[-1]))
    if quick:
        return sorted({float(lo), *(float(k) for k in range(hi, lo - 1, -2))})
    return [float(k) for k in range(lo, hi + 1)]


_GREEK = {"alpha": "α", "l": "l", "r": "r", "q": "q"}


def exponents(quick: bool = False, executor=None):
    """For each law of the table (:func:`derivations.registry.laws`): local slope of the exact theory against
    scale."""
    laws = list(registry.laws().values())
    rates = [law.value() for law in laws]           # builds the catalogue entries (once) before any fork
    tasks = [(law.name, e) for law in laws for e in _exponent_scales(law, quick)]
    names, logs = zip(*tasks)
    slopes = list(executor.map(_slope_at, names, logs)) if executor is not None else [_slope_at(*t) for t in tasks]
    table: dict = {}
    for (name, e), s in zip(tasks, slopes):
        table.setdefault(name, []).append((10.0 ** e, s))
    ncols = 5
    nrows = -(-len(laws) // ncols)
    fig = new_figure(3.3 * ncols, 3.1 * nrows + 0.5)
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


CAPTION = (
    "Convergence of the exact theory to each derived scaling exponent (derivations.registry.laws()): the "
    "local slope d log E/d log x of each law's exact theory (30 digits, central difference in log x: the "
    "infinite-spectrum deterministic equivalent for ridge and random features, window sums for the DMFT laws, "
    "the reduced or block ODEs for online SGD) against its scale x, at the scales of "
    "`derivations exponents` (every decade of each law's range), or every other decade from the last with "
    "--quick; dashed: −ρ, the derived rate at the law's parameters (shown in each panel). Theory only, no "
    "simulation.")

FIGURES = {"exponents": FigureSpec(exponents, CAPTION)}
