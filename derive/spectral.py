"""Spectral sums  sum_k f(eta_k, wbar_k)  over the eigenbasis of a covariance.

The ridge and random-feature theories are written in terms of sums over the eigenvalues
``eta[k]`` of the population covariance and the teacher's components ``wbar[k]`` in that
eigenbasis. They are kept as SymPy ``Sum`` objects with a symbolic number of modes ``D``,
so that differentiation passes inside the sum and LaTeX shows the sum.

>>> import sympy as sp
>>> kappa = sp.Symbol("kappa", positive=True)
>>> df = spectral_sum(ETA[K] / (ETA[K] + kappa))
>>> merge_sums(df + kappa * sp.diff(df, kappa))
Sum(eta[k]**2/(kappa + eta[k])**2, (k, 1, D))
"""
from __future__ import annotations

import sympy as sp

#: number of modes (dimension of the data), summation index, eigenvalues, teacher components
D = sp.Symbol("D", positive=True, integer=True)
K = sp.Symbol("k", positive=True, integer=True)
ETA = sp.IndexedBase("eta", positive=True)
WBAR = sp.IndexedBase("wbar", real=True)


def spectral_sum(summand: sp.Expr, upper=D) -> sp.Sum:
    """``Sum(summand, (k, 1, D))``: a sum over the modes of the covariance."""
    return sp.Sum(summand, (K, 1, upper))


def merge_sums(expr: sp.Expr) -> sp.Expr:
    """Combine the sums of a linear combination that share their limits into one sum.

    Coefficients that do not depend on the summation index are moved inside; the merged
    summand is put over a common denominator and factored.
    """
    expr = sp.expand(expr)
    groups: dict[tuple, sp.Expr] = {}
    rest = sp.Integer(0)
    for term in sp.Add.make_args(expr):
        coeff, sums = sp.Integer(1), []
        for factor in sp.Mul.make_args(term):
            (sums if isinstance(factor, sp.Sum) else []).append(factor)
            if not isinstance(factor, sp.Sum):
                coeff *= factor
        if len(sums) != 1 or any(v in coeff.free_symbols for v in sums[0].variables):
            rest += term
            continue
        limits = sums[0].limits
        groups[limits] = groups.get(limits, sp.Integer(0)) + coeff * sums[0].function
    merged = [sp.Sum(sp.factor(sp.together(f)), *lim) for lim, f in groups.items()]
    return rest + sp.Add(*merged)


def recognize_sums(expr: sp.Expr, known: dict) -> sp.Expr:
    """Replace each sum whose summand is a k-independent multiple of a known summand.

    ``known`` maps a ``Sum`` to the expression that stands for it (e.g. ``P*gamma``).
    Sums are merged first, so ``P - Sum(eta**2/(eta+kappa)**2)`` is recognised.

    >>> import sympy as sp
    >>> kappa, P, gamma = sp.symbols("kappa P gamma", positive=True)
    >>> s2 = spectral_sum(ETA[K]**2 / (ETA[K] + kappa)**2)
    >>> recognize_sums(P - s2, {s2: P * gamma})
    -P*gamma + P
    """
    def swap(s):
        for ref, value in known.items():
            if s.limits != ref.limits:
                continue
            ratio = sp.simplify(s.function / ref.function)
            if not ratio.has(*s.variables):
                return ratio * value
        return s

    merged = merge_sums(expr).replace(lambda e: isinstance(e, sp.Add) and e.has(sp.Sum), merge_sums)
    return merged.replace(lambda e: isinstance(e, sp.Sum), swap)
