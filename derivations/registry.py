"""The catalogue: entries, scaling laws and figures by name, from the theory areas and from installed packages.

Each theory area is a sub-package of :mod:`derivations` whose face (its ``__init__``) lists

* ``ENTRIES`` — the :class:`~derivations.engine.Entry` objects it builds (name, title, source, ``build``);
* ``laws()`` — optionally, its :class:`~derivations.engine.laws.Law` objects (the exponent table);
* ``FIGURES`` — optionally, name → :class:`~derivations.engine.figures.FigureSpec`.

The registry names the areas as strings and imports a face only when one of its entries, laws or
figures is asked for, so no area is loaded by the registry itself and no import runs in a circle
(an area may import the registry, e.g. for :func:`imported`).

A package of your own joins the catalogue through the entry-point group ``derivations.entries``:
each entry point names a module that defines ``build()`` (returning a Derivation) and, optionally,
``TITLE`` and ``SOURCE``; see "Adding a result" in the README.

>>> names()[:3]
['marchenko-pastur', 'ridge-regression', 'linear-random-features']
>>> get("marchenko-pastur")["s-transform"]
Eq(S_W(t), 1/(q*t + 1))
"""
from __future__ import annotations

import functools
import importlib
from importlib import metadata

from derive.operations import Operation
from derivations.engine import Entry

#: built-in catalogue entries, in the order they build on each other: name -> the face of its area
CATALOGUE = {
    "marchenko-pastur": "derivations.spectra",
    "ridge-regression": "derivations.ridge",
    "linear-random-features": "derivations.random_features",
    "ridge-exponents": "derivations.ridge",
    "random-feature-exponents": "derivations.random_features",
    "structured-random-features": "derivations.random_features",
    "dmft-langevin": "derivations.dmft",
    "dmft-exponents": "derivations.dmft",
    "random-feature-dynamics": "derivations.random_features",
    "online-sgd-linear": "derivations.online_sgd",
    "online-sgd-erf": "derivations.online_sgd",
    "online-sgd-overrealizable": "derivations.online_sgd",
    "online-random-features": "derivations.online_sgd",
    "feature-learning-linear": "derivations.feature_learning",
    "feature-learning-dmft": "derivations.feature_learning",
    "feature-learning-finite-width": "derivations.feature_learning",
}
#: the faces that hold scaling laws (the exponent table, in this order)
LAW_AREAS = ("derivations.ridge", "derivations.random_features", "derivations.dmft", "derivations.online_sgd")
#: every figure of the catalogue -> the module whose ``FIGURES`` holds it (the face of its area; the figure of
#: the whole exponent table is not an area's).  Named here so that ``figure --help`` needs no area loaded.
FIGURE_MODULES = {
    "ridge-learning-curve": "derivations.ridge",
    "random-feature-learning-curve": "derivations.random_features",
    "phase-diagram": "derivations.random_features",
    "random-feature-dynamics": "derivations.random_features",
    "sgd-phases": "derivations.random_features",
    "exponents": "derivations.figures",
    "dmft-mode-discrepancy": "derivations.dmft",
    "dmft-test-error": "derivations.dmft",
    "dmft-bias-variance": "derivations.dmft",
    "dmft-early-stopping": "derivations.dmft",
    "online-sgd-learning-curves": "derivations.online_sgd",
    "online-sgd-linear": "derivations.online_sgd",
    "feature-learning-linear": "derivations.feature_learning",
    "feature-learning-dmft-loss": "derivations.feature_learning",
    "feature-learning-dmft-alignment": "derivations.feature_learning",
    "feature-learning-dmft-approximations": "derivations.feature_learning",
}
ENTRY_POINT_GROUP = "derivations.entries"


# ---- entries ---------------------------------------------------------------------------------
def _plugin_points() -> dict:
    """name -> entry point of the installed packages' entries (the group ``derivations.entries``)."""
    found = {}
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.name in CATALOGUE:
            raise ValueError(f"entry point {point.value!r} of group {ENTRY_POINT_GROUP}: the name {point.name!r} "
                             "is a built-in entry; choose another")
        found.setdefault(point.name, point)
    return found


def names() -> list[str]:
    """Names of all catalogue entries: the built-in ones, then those of installed packages."""
    return list(CATALOGUE) + sorted(_plugin_points())


def _unknown(kind: str, name, known) -> KeyError:
    return KeyError(f"unknown {kind} {name!r}; known: {', '.join(known)}")


@functools.cache
def entry(name: str):
    """The :class:`~derivations.engine.Entry` called ``name``."""
    if name in CATALOGUE:
        return importlib.import_module(CATALOGUE[name]).ENTRIES[name]
    points = _plugin_points()
    if name not in points:
        raise _unknown("derivation", name, names())
    loaded = points[name].load()
    if isinstance(loaded, Entry):
        return loaded
    build = getattr(loaded, "build", loaded)
    if not callable(build):
        raise TypeError(f"entry point {points[name].value!r}: expected a module with build(), a build function "
                        f"or an Entry, got {type(loaded).__name__}")
    title, source = getattr(loaded, "TITLE", None), getattr(loaded, "SOURCE", None)
    if title is None or source is None:
        d = build()
        title, source = title or d.title, source or d.source
    return Entry(name, title, source, functools.cache(build))




def get(name: str):
    """The :class:`~derivations.engine.Derivation` of catalogue entry ``name`` (built once, cached)."""
    return entry(name).build()


def describe(name: str) -> dict:
    """Name, title and source of an entry without building its derivation."""
    return entry(name).describe()


def imported(name: str, label: str) -> Operation:
    """The operation that brings step ``label`` of entry ``name`` into another derivation (replayed: the
    statement is fetched from the built entry, so a change there reaches every importer)."""
    def fetch():
        return get(name)[label]
    return Operation("import", (), f"imported from {name} ({label})", fetch)


# ---- laws and figures -----------------------------------------------------------------------
@functools.cache
def laws() -> dict:
    """Every scaling law of the catalogue: name -> :class:`~derivations.engine.laws.Law`."""
    table = {}
    for area in LAW_AREAS:
        for law in importlib.import_module(area).laws():
            if law.name in table:
                raise ValueError(f"two laws are called {law.name!r}")
            table[law.name] = law
    return table


def law(name: str):
    """The scaling law called ``name``."""
    table = laws()
    if name not in table:
        raise _unknown("law", name, table)
    return table[name]


def law_count() -> int:
    """The number of laws in the table (they share one familywise level)."""
    return len(laws())


def figure_names() -> list[str]:
    """Names of all figures, without loading any area."""
    return list(FIGURE_MODULES)


def figure(name: str):
    """The :class:`~derivations.engine.figures.FigureSpec` called ``name`` (only its module is loaded)."""
    if name not in FIGURE_MODULES:
        raise _unknown("figure", name, FIGURE_MODULES)
    return importlib.import_module(FIGURE_MODULES[name]).FIGURES[name]


def figures() -> dict:
    """Every figure of the catalogue: name -> :class:`~derivations.engine.figures.FigureSpec`."""
    return {name: figure(name) for name in FIGURE_MODULES}
