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
#: stacked random projections (deep linear features): number of layers, layer index, widths N_l
LAYERS = sp.Symbol("L", positive=True, integer=True)
LAYER = sp.Symbol("l", positive=True, integer=True)
WIDTH = sp.IndexedBase("N", positive=True)
#: a projection whose N feature columns have their own variances s_j (anisotropic weights)
NCOL = sp.Symbol("N", positive=True, integer=True)
COLUMN = sp.IndexedBase("s", positive=True)


def column_sum(summand: sp.Expr) -> sp.Sum:
    """``Sum(summand, (k, 1, N))``: a sum over the N feature columns of a projection."""
    return sp.Sum(summand, (K, 1, NCOL))


def layer_product(factor: sp.Expr, upper=LAYERS) -> sp.Product:
    """``Product(factor, (l, 1, L))``: one factor per projection layer."""
    return sp.Product(factor, (LAYER, 1, upper))


def layer_sum(term: sp.Expr, upper=LAYERS) -> sp.Sum:
    """``Sum(term, (l, 1, L))``: a sum over the projection layers."""
    return sp.Sum(term, (LAYER, 1, upper))


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


def summand_in_basis(summand: sp.Expr, basis: list) -> list:
    """Coefficients c_i, free of the mode variables, with summand = Σ_i c_i basis_i.

    The mode variables are the atoms indexed by k (η_k, w̄_k, ...); the identity
    must hold for all of their values, so the numerator of the difference is solved
    coefficient by coefficient. Raises ValueError when no such combination exists.

    >>> import sympy as sp
    >>> kappa = sp.Symbol("kappa", positive=True)
    >>> b1, b2 = ETA[K] / (ETA[K] + kappa), ETA[K] ** 2 / (ETA[K] + kappa) ** 2
    >>> summand_in_basis(kappa * ETA[K] / (ETA[K] + kappa) ** 2, [b1, b2])
    [1, -1]
    """
    coeffs = sp.symbols(f"c0:{len(basis)}", cls=sp.Dummy)
    atoms = set().union(*(sp.sympify(b).atoms(sp.Indexed) for b in basis)) | sp.sympify(summand).atoms(sp.Indexed)
    mode_vars = sorted((x for x in atoms if K in x.free_symbols), key=str)
    numerator = sp.numer(sp.together(summand - sum(c * b for c, b in zip(coeffs, basis))))
    equations = sp.Poly(sp.expand(numerator), *mode_vars).coeffs() if mode_vars else [numerator]
    solution = sp.solve(equations, coeffs, dict=True)
    if not solution or any(c not in solution[0] for c in coeffs):
        raise ValueError(f"{summand} is not a combination of {basis} with mode-independent coefficients")
    return [sp.simplify(solution[0][c]) for c in coeffs]


def sums_in_basis(expr: sp.Expr, basis: dict) -> sp.Expr:
    """Replace each spectral sum of ``expr`` (after merging) by Σ_i c_i value_i, where its
    summand is Σ_i c_i b_i over the ``basis`` {summand b_i: value of Σ_k b_i}.

    >>> import sympy as sp
    >>> kappa, d1, d2 = sp.symbols("kappa d_1 d_2", positive=True)
    >>> b1, b2 = ETA[K] / (ETA[K] + kappa), ETA[K] ** 2 / (ETA[K] + kappa) ** 2
    >>> sums_in_basis(1 - spectral_sum(kappa / (ETA[K] + kappa)) / D, {sp.Integer(1): D, b1: D * d1})
    d_1
    """
    summands, values = list(basis), list(basis.values())

    def swap(s):
        return sp.Add(*(c * v for c, v in zip(summand_in_basis(s.function, summands), values)))

    merged = merge_sums(sp.expand(expr))
    return sp.simplify(merged.replace(lambda e: isinstance(e, sp.Sum), swap))
