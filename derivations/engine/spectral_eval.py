"""Evaluate derived expressions that contain spectral sums, in float64 or in mpmath.

A statement such as γ = (1/P) Σ_k η_k²/(η_k+κ)² is split into its summands, compiled
through the bridge (NumPy for float64 arrays, mpmath for high precision), and an outer
expression in which each sum is a plain symbol. Nothing here retypes a formula: the
pieces come from the derivation's statements.

>>> import numpy as np, sympy as sp
>>> from derive.spectral import ETA, K, spectral_sum
>>> kappa = sp.Symbol("kappa", positive=True)
>>> s = SpectralSum(spectral_sum(ETA[K] / (ETA[K] + kappa)), [kappa])
>>> float(s(np.array([1.0, 3.0]), None, 1.0))
1.25
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from derive.spectral import ETA, K, WBAR
from numerics.bridge import to_mpmath, to_numpy

_ETA_K, _WBAR_K = sp.Symbol("eta_k", positive=True), sp.Symbol("wbar_k", real=True)


class SpectralSum:
    """Σ_k f(η_k, w̄_k; scalars) compiled from a SymPy ``Sum`` over the modes."""

    def __init__(self, sum_expr: sp.Sum, scalars):
        summand = sum_expr.function.xreplace({ETA[K]: _ETA_K, WBAR[K]: _WBAR_K})
        if summand.has(K):
            raise ValueError(f"summand still depends on the index after substitution: {summand}")
        args = [_ETA_K, _WBAR_K, *scalars]
        self.expr = sum_expr
        self._np, self._mp = to_numpy(summand, args), to_mpmath(summand, args)

    def terms(self, eta, wbar, *scalars, mp: bool = False):
        """The summands, one per mode (a float64 array, or a list of mpmath numbers)."""
        if mp:
            wbar = [0] * len(eta) if wbar is None else wbar
            return [self._mp(e, w, *scalars) for e, w in zip(eta, wbar)]
        wbar = np.zeros_like(eta) if wbar is None else wbar
        return np.asarray(self._np(eta, wbar, *scalars), dtype=float)

    def __call__(self, eta, wbar, *scalars, mp: bool = False):
        """The sum over arrays ``eta`` (and ``wbar``, or None) at the given scalars."""
        if mp:
            wbar = [0] * len(eta) if wbar is None else wbar
            return mpmath.fsum(self._mp(e, w, *scalars) for e, w in zip(eta, wbar))
        wbar = np.zeros_like(eta) if wbar is None else wbar
        return float(np.sum(self._np(eta, wbar, *scalars)))


class Formula:
    """A scalar expression of named symbols, compiled for floats and for mpmath.

    ``atoms`` maps each symbol or function application (e.g. ``tf1p(kappa)``) the
    expression contains to the keyword under which its value is passed.
    """

    def __init__(self, expr: sp.Expr, atoms: dict):
        placeholders = {a: sp.Symbol(f"_{name}") for a, name in atoms.items()}
        body = sp.sympify(expr).xreplace(placeholders)
        missing = [name for a, name in atoms.items() if not body.has(placeholders[a])]
        if missing:
            raise ValueError(f"formula does not contain the atoms {missing}: {expr}")
        unknown = body.free_symbols - set(placeholders.values())
        if unknown:
            raise ValueError(f"formula has symbols with no value: {sorted(map(str, unknown))}")
        self.names = list(atoms.values())
        args = list(placeholders.values())
        self._np, self._mp = to_numpy(body, args), to_mpmath(body, args)

    def __call__(self, mp: bool = False, **values):
        vals = [values[n] for n in self.names]
        return self._mp(*vals) if mp else float(self._np(*vals))
