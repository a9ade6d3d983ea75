"""What every figure of the catalogue shares: its spec (function + caption), matplotlib outside pyplot,
the simulation legend handle, the colours, the root seed, and atomic PNG/PDF output.

matplotlib is the optional ``[plot]`` extra: it is imported inside the functions, so this module
(and every area's figure module) imports without it.

>>> spec = FigureSpec(lambda quick=False, executor=None: None, "A caption.")
>>> spec.caption
'A caption.'
>>> lam_label(1e-3), lam_label(0.0)
('λ = 1e-3', 'λ = 0')
>>> loggable([1.0, 0.0, -2.0, float("inf")]).tolist()
[1.0, nan, nan, nan]
"""
from __future__ import annotations

import os
from typing import Callable, NamedTuple

import numpy as np

from derivations.engine.output import write_atomically

#: root entropy of every simulation in the catalogue's figures
SEED = 20250601
PLOT_EXTRA = "pip install 'neural-scaling-derivations[plot]'"
PNG_DPI = 150
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:gray")


class FigureSpec(NamedTuple):
    """A figure of the catalogue: ``function(quick, executor)`` returns a matplotlib Figure; ``caption`` says
    what is drawn, from which entry, with which seeds."""

    function: Callable
    caption: str


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


def draw(spec: FigureSpec, quick: bool = False, executor=None):
    """Build the figure of ``spec`` (matplotlib first: :class:`MatplotlibMissing` names the extra)."""
    require_matplotlib()
    return spec.function(quick=quick, executor=executor)


def new_figure(width, height, **kwargs):
    """A Figure outside pyplot (its own canvas on savefig: Agg for PNG, the PDF backend for PDF)."""
    require_matplotlib()
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def simulation_handle(ax):
    """A grey point-with-error-bar legend handle (drawn nowhere)."""
    from matplotlib.lines import Line2D
    return Line2D([], [], color="0.3", marker="o", mfc="white", ms=4.5, ls="none")


def mark(ax, x, text):
    """Label a vertical marker line at the bottom of the axes."""
    ax.text(x * 1.04, 0.025, text, color="0.3", fontsize=9, transform=ax.get_xaxis_transform())


def lam_label(lam):
    """Legend text of a ridge value: λ = 0, λ = 1e-3 for a power of ten, else λ = 0.25."""
    if lam == 0:
        return "λ = 0"
    exponent = int(round(np.log10(lam)))
    return f"λ = 1e{exponent}" if np.isclose(lam, 10.0 ** exponent) else f"λ = {lam:g}"


def loggable(values):
    """NaN where a value cannot be drawn on a log axis (0, negative, infinite)."""
    v = np.asarray(values, float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def error_points(ax, xs, estimate, colour, size=4.0, row=None):
    """Simulation mean ± SE; on a log axis a mean <= 0 is drawn as 'v' at mean + SE (its upper 1σ end).

    Returns the number of points drawn with their error bars."""
    mean = np.asarray(estimate.mean, float)
    se = np.asarray(estimate.se, float)
    if row is not None:
        mean, se = mean[row], se[row]
    keep = mean > 0 if ax.get_yscale() == "log" else np.isfinite(mean)
    ax.errorbar(np.asarray(xs)[keep], mean[keep], yerr=se[keep], fmt="o", ms=size, color=colour, mfc="white",
                capsize=2.0, lw=0.9)
    if not np.all(keep):
        ax.plot(np.asarray(xs)[~keep], (mean + se)[~keep], "v", ms=size + 0.5, color=colour, mfc="white",
                label="_mean ≤ 0")
    return int(np.sum(keep))


def write(fig, directory, name: str) -> list[str]:
    """Save ``fig`` as ``directory/name.png`` (150 dpi) and ``directory/name.pdf`` (byte-stable), each written
    atomically (:func:`derivations.engine.output.write_atomically`); returns the two paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for ext, kwargs in (("png", {"dpi": PNG_DPI, "metadata": {"Software": None}}),
                        ("pdf", {"metadata": {"CreationDate": None}})):
        final = os.path.join(directory, f"{name}.{ext}")
        paths.append(write_atomically(final, lambda fh, ext=ext, kwargs=kwargs: fig.savefig(fh, format=ext, **kwargs)))
    return paths
