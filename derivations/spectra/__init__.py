"""Spectra of random matrices from free probability: the Marchenko–Pastur law (entry ``marchenko-pastur``).

Reads bottom-up: :mod:`.steps` (the derivation from the R- and S-transforms) ← :mod:`.theory` (edges,
atom, density compiled from the steps) ← :mod:`.checks` (quadrature, Stieltjes inversion, Wishart
sampling) ← this face.

>>> law(4)
{'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
>>> build()["s-transform"]
Eq(S_W(t), 1/(q*t + 1))
"""
from __future__ import annotations

import functools

from derivations.engine import Entry
from derivations.spectra import checks, steps
from derivations.spectra.steps import narayana_moment
from derivations.spectra.theory import density, law

__all__ = ["ENTRIES", "build", "density", "law", "narayana_moment"]


@functools.cache
def build():
    """The ``marchenko-pastur`` derivation with its checks."""
    d = steps.derivation()
    checks.attach_checks(d)
    return d


ENTRIES = {steps.NAME: Entry(steps.NAME, steps.TITLE, steps.SOURCE, build)}
