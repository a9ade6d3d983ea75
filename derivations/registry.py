"""The catalogue: entry name -> module that builds its derivation (imported on first use)."""
from __future__ import annotations

import importlib

#: catalogue entries, in the order they build on each other
CATALOGUE = {
    "marchenko-pastur": "derivations.marchenko_pastur",
    "ridge-regression": "derivations.ridge_regression",
    "linear-random-features": "derivations.linear_random_features",
    "ridge-exponents": "derivations.ridge_exponents",
    "random-feature-exponents": "derivations.random_feature_exponents",
    "structured-random-features": "derivations.structured_random_features",
    "dmft-langevin": "derivations.dmft_langevin",
    "dmft-exponents": "derivations.dmft_exponents",
    "online-sgd-linear": "derivations.online_sgd_linear",
    "online-sgd-erf": "derivations.online_sgd_erf",
    "online-sgd-overrealizable": "derivations.online_sgd_overrealizable",
    "online-random-features": "derivations.online_random_features",
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
