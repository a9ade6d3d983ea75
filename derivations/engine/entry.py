"""A catalogue entry: its name, title and source, and the function that builds its derivation.

An area's face lists its entries in ``ENTRIES``; :mod:`derivations.registry` finds them by name.
``build()`` returns the :class:`~derivations.engine.Derivation` with its checks attached (built once).

>>> import sympy as sp
>>> from derivations.engine import Derivation, Source
>>> src = Source("none", "textbook")
>>> def build():
...     d = Derivation("toy", "Toy", src)
...     d.define("eq", "An equation", "x is one.", sp.Eq(sp.Symbol("x"), 1))
...     return d
>>> Entry("toy", "Toy", src, build).build()["eq"]
Eq(x, 1)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from derivations.engine.derivation import Source


@dataclass(frozen=True)
class Entry:
    """One entry of the catalogue (see the module docstring)."""

    name: str
    title: str
    source: Source
    build: Callable

    def describe(self) -> dict:
        return {"name": self.name, "title": self.title, "source": self.source.cite()}
