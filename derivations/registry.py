"""The catalogue: entry name -> module that builds its derivation (imported on first use)."""
from __future__ import annotations

import importlib

#: catalogue entries, in the order they build on each other
CATALOGUE = {
    "marchenko-pastur": "derivations.spectra.steps",
    "ridge-regression": "derivations.ridge.steps",
    "linear-random-features": "derivations.random_features.steps",
    "ridge-exponents": "derivations.ridge.exponent_steps",
    "random-feature-exponents": "derivations.random_features.exponent_steps",
    "structured-random-features": "derivations.random_features.structured_steps",
    "dmft-langevin": "derivations.dmft.steps",
    "dmft-exponents": "derivations.dmft.exponent_steps",
    "online-sgd-linear": "derivations.online_sgd.linear_steps",
    "online-sgd-erf": "derivations.online_sgd.erf_steps",
    "online-sgd-overrealizable": "derivations.online_sgd.overrealizable_steps",
    "online-random-features": "derivations.online_sgd.readout_steps",
}


def names() -> list[str]:
    """Names of all catalogue entries."""
    return list(CATALOGUE)


def module(name: str):
    if name not in CATALOGUE:
        raise KeyError(f"unknown derivation {name!r}; known: {', '.join(CATALOGUE)}")
    return importlib.import_module(CATALOGUE[name])


def get(name: str):
    """The :class:`~derivations.engine.Derivation` of catalogue entry ``name`` (built once, cached)."""
    return module(name).build()


def describe(name: str) -> dict:
    """Name, title and source of an entry without building its derivation."""
    m = module(name)
    return {"name": name, "title": m.TITLE, "source": m.SOURCE.cite()}
