"""MSR rules for actions written as sums over symbolic index ranges (neurons, examples, time steps).

SymPy only.  A dynamical mean-field derivation over neurons i = 1..N and (example, step) slots writes its
action as multiple sums ``Sum(f, (i, 1, N), (mu, 1, P), (k, 0, T))`` of products of indexed objects.  These
rules act on such sums; each is a general identity of finite sums:

* :func:`rename_sum` -- rename summation indices (a sum does not depend on their names);
* :func:`multiply_sums` -- (Σ_a f_a)(Σ_b g_b) = Σ_{a,b} f_a g_b for disjoint index names;
* :func:`flatten_sums` -- Σ_a c Σ_b f = Σ_{a,b} c f, nested sums written as one multiple sum;
* :func:`split_terms` -- Σ (f + g) = Σ f + Σ g over a multiple sum, index-free factors pulled out;
* :func:`sum_innermost` -- Σ_{a} Σ_i Σ_j F_i G_j c = Σ_a c (Σ_i F_i)(Σ_j G_j) for independent limits;
* :func:`merge_relabelled` -- terms equal up to a relabelling of their summation indices are added;
* :func:`symmetrise` -- a kernel symmetric in its two index groups written with its groups in one order;
* :func:`derivative_at` -- ∂/∂x[c] of Σ_a … x[a] …: every occurrence of x with the sum's indices
  contracted with the point c (Kronecker delta, c inside the range), the derivative of a sum at a point;
* :func:`single_site` -- Σ_i S_i over identical sites i → the one-site action S (the generating functional
  factorises, Z = z^N);
* :func:`read_off_indexed` -- an action Σ_a x̃_a (x_a − F_a) + ½ Σ_ab x̃_a K_ab x̃_b read as the process
  x_a = F_a + ν_a with ν ~ N(0, K) (the indexed form of :func:`derive.msr.read_off_process`).

>>> import sympy as sp
>>> a, b, c, n = sp.symbols("a b c n", integer=True)
>>> x, J = sp.IndexedBase("x"), sp.IndexedBase("J")
>>> derivative_at(sp.Sum(J[a, b] * x[a] * x[b], (a, 1, n), (b, 1, n)) / 2, x, (c,))
Sum(J[a, c]*x[a], (a, 1, n))/2 + Sum(J[c, b]*x[b], (b, 1, n))/2
"""
from __future__ import annotations

from typing import Mapping, Sequence

import sympy as sp

__all__ = ["rename_sum", "multiply_sums", "flatten_sums", "split_terms", "sum_innermost", "merge_relabelled",
           "symmetrise", "derivative_at", "single_site", "read_off_indexed"]


def _sums(expr) -> list:
    return [(c, s) for c, s in (_coeff_sum(t) for t in sp.Add.make_args(sp.expand(expr, mul=True, deep=False)))]


def _coeff_sum(term):
    """term = c · Sum(...) (c free of summation indices) or a term without a sum (Sum of no limits: None)."""
    sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
    if len(sums) != 1:
        return term, None
    (s,) = sums
    return sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not s)), s


def rename_sum(s: sp.Sum, mapping: Mapping) -> sp.Sum:
    """The same sum with its summation indices renamed (``mapping`` old → new; the new names must be unused).

    >>> a, b, n = sp.symbols("a b n", integer=True)
    >>> rename_sum(sp.Sum(sp.IndexedBase("x")[a], (a, 1, n)), {a: b})
    Sum(x[b], (b, 1, n))
    """
    bound = {v for v, *_ in s.limits}
    if not set(mapping) <= bound:
        raise ValueError(f"only summation indices can be renamed: {set(mapping) - bound} are not summed in {s}")
    clash = (set(mapping.values()) - set(mapping)) & s.free_symbols
    if clash:
        raise ValueError(f"the new names {clash} are already free in {s}")
    return sp.Sum(s.function.xreplace(dict(mapping)), *[(mapping.get(v, v), lo, hi) for v, lo, hi in s.limits])


def multiply_sums(first: sp.Sum, second: sp.Sum) -> sp.Sum:
    """(Σ_a f_a)(Σ_b g_b) = Σ_{a,b} f_a g_b; the two sums must use different index names.

    >>> a, b, n = sp.symbols("a b n", integer=True)
    >>> x = sp.IndexedBase("x")
    >>> multiply_sums(sp.Sum(x[a], (a, 1, n)), sp.Sum(x[b], (b, 1, n)))
    Sum(x[a]*x[b], (a, 1, n), (b, 1, n))
    """
    va, vb = {v for v, *_ in first.limits}, {v for v, *_ in second.limits}
    if va & vb or va & second.free_symbols or vb & first.free_symbols:
        raise ValueError("multiply_sums needs sums over different index names; rename one first (rename_sum)")
    return sp.Sum(first.function * second.function, *first.limits, *second.limits)


def flatten_sums(expr) -> sp.Expr:
    """Every nested sum Σ_a (c Σ_b f) written as the multiple sum Σ_{a,b} c f (index names must differ).

    >>> a, b, n = sp.symbols("a b n", integer=True)
    >>> x = sp.IndexedBase("x")
    >>> flatten_sums(sp.Sum(x[a] * sp.Sum(x[b], (b, 1, a)), (a, 1, n)))
    Sum(x[a]*x[b], (b, 1, a), (a, 1, n))
    """
    def nested(e):
        return isinstance(e, sp.Sum) and sum(isinstance(f, sp.Sum) for f in sp.Mul.make_args(e.function)) == 1

    def merge(e):
        (inner,) = [f for f in sp.Mul.make_args(e.function) if isinstance(f, sp.Sum)]
        rest = sp.Mul(*(f for f in sp.Mul.make_args(e.function) if f is not inner))
        if {v for v, *_ in inner.limits} & {v for v, *_ in e.limits}:
            raise ValueError(f"flatten_sums: {e} reuses an index name inside; rename one first (rename_sum)")
        return sp.Sum(rest * inner.function, *inner.limits, *e.limits)    # SymPy lists the innermost limit first

    previous = None
    while previous != expr:
        previous, expr = expr, expr.replace(nested, merge)
    return expr


def split_terms(expr) -> sp.Expr:
    """Every sum Σ (f + g + …) written as Σ f + Σ g + …, each with its index-free factors pulled out.

    >>> a, n, c = sp.symbols("a n c", integer=True)
    >>> x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    >>> split_terms(sp.Sum(c * (x[a] + y[a]), (a, 1, n)))
    c*Sum(x[a], (a, 1, n)) + c*Sum(y[a], (a, 1, n))
    """
    out = sp.S.Zero
    for c, s in _sums(expr):
        if s is None:
            out += c
            continue
        bound = {v for v, *_ in s.limits}
        for term in sp.Add.make_args(sp.expand(s.function)):
            inside = [f for f in sp.Mul.make_args(term) if f.has(*bound)]
            outside = [f for f in sp.Mul.make_args(term) if not f.has(*bound)]
            out += c * sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *s.limits)
    return out


def sum_innermost(s: sp.Sum, indices: Sequence) -> sp.Expr:
    """Σ_rest Σ_i Σ_j c F_i G_j = Σ_rest c (Σ_i F_i)(Σ_j G_j): the sums over ``indices`` done first, each over
    the factors that carry its index.  The limits must not depend on one another; a factor that carries two
    of the ``indices`` is an error.

    >>> i, j, a, n, m = sp.symbols("i j a n m", integer=True)
    >>> u, v = sp.IndexedBase("u"), sp.IndexedBase("v")
    >>> sum_innermost(sp.Sum(u[i, a] * v[j, a], (a, 1, m), (i, 1, n), (j, 1, n)), [i, j])
    Sum(Sum(u[i, a], (i, 1, n))*Sum(v[j, a], (j, 1, n)), (a, 1, m))
    """
    inner = {v: (v, lo, hi) for v, lo, hi in s.limits if v in set(indices)}
    outer = [lim for lim in s.limits if lim[0] not in inner]
    bound = {v for v, *_ in s.limits}
    if any((sp.sympify(lo).free_symbols | sp.sympify(hi).free_symbols) & bound for _, lo, hi in s.limits):
        raise ValueError(f"sum_innermost: the limits of {s} depend on its indices")
    groups, rest = {v: [] for v in inner}, []
    for factor in sp.Mul.make_args(s.function):
        carries = [v for v in inner if factor.has(v)]
        if len(carries) > 1:
            raise ValueError(f"sum_innermost: the factor {factor} carries several of {list(inner)}")
        (groups[carries[0]] if carries else rest).append(factor)
    body = sp.Mul(*rest) * sp.Mul(*(sp.Sum(sp.Mul(*groups[v]), inner[v]) for v in inner))
    return sp.Sum(body, *outer) if outer else body


def merge_relabelled(expr, relabel: Mapping) -> sp.Expr:
    """Add the terms c·Σ f that become equal when ``relabel`` (a permutation of summation index names with
    equal ranges) is applied to one of them.

    >>> a, b, n = sp.symbols("a b n", integer=True)
    >>> J = sp.IndexedBase("J")
    >>> merge_relabelled(sp.Sum(J[a, b], (a, 1, n), (b, 1, n)) + sp.Sum(J[b, a], (a, 1, n), (b, 1, n)), {a: b, b: a})
    2*Sum(J[a, b], (a, 1, n), (b, 1, n))
    """
    if sorted(map(str, relabel)) != sorted(map(str, relabel.values())):
        raise ValueError("relabel must permute the index names")
    kept: list = []
    for c, s in _sums(expr):
        for m, (c2, s2) in enumerate(kept):
            if s is not None and s2 is not None and _same_ranges(s, relabel) and \
                    sp.Sum(s.function.xreplace(dict(relabel)), *s.limits) == s2:
                kept[m] = (c2 + c, s2)
                break
        else:
            kept.append((c, s))
    return sp.Add(*(c if s is None else c * s for c, s in kept))


def _same_ranges(s, relabel) -> bool:
    ranges = {v: (lo, hi) for v, lo, hi in s.limits}
    return all(a in ranges and b in ranges and ranges[a] == ranges[b] for a, b in relabel.items())


def symmetrise(expr, base: sp.IndexedBase, split: int) -> sp.Expr:
    """Write every ``base[a…, b…]`` (the first ``split`` indices one group) with its two groups in SymPy's
    sort order: the kernel is symmetric, K_ab = K_ba, as a Gram matrix is.

    >>> a, b = sp.symbols("a b", integer=True)
    >>> K = sp.IndexedBase("K")
    >>> symmetrise(K[b, a] - K[a, b], K, 1)
    0
    """
    def canonical(e):
        first, second = e.indices[:split], e.indices[split:]
        if len(first) != len(second):
            raise ValueError(f"{e} does not split into two index groups of {split}")
        key = sp.default_sort_key
        return e if [key(v) for v in first] <= [key(v) for v in second] else base[tuple(second) + tuple(first)]

    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == base, canonical)


def derivative_at(expr, base: sp.IndexedBase, point: Sequence) -> sp.Expr:
    """∂expr/∂base[point] for expr a sum of terms c·Σ_{indices} (products of indexed objects).

    Each occurrence base[idx] whose indices are all summation indices of its sum contributes the summand with
    that factor removed (powers differentiated), idx renamed to the point and their limits dropped: Σ_a δ_{ac}
    f_a = f_c with the point inside the range.  An occurrence outside a sum must have the point's indices.
    """
    point = tuple(point)
    out = sp.S.Zero
    for c, s in _sums(expr):
        if s is None:
            out += sp.diff(c, base[point]) if c.has(base[point]) else 0
            continue
        bound = [v for v, *_ in s.limits]
        for m, factor in enumerate(sp.Mul.make_args(s.function)):
            atom, power = factor.as_base_exp()
            if not (isinstance(atom, sp.Indexed) and atom.base == base):
                continue
            pairs = [(v, p) for v, p in zip(atom.indices, point) if v in bound]
            fixed_ok = all(v == p for v, p in zip(atom.indices, point) if v not in bound)
            summed = [v for v, _ in pairs]
            if len(atom.indices) != len(point) or len(set(summed)) != len(summed) or not fixed_ok:
                raise ValueError(f"derivative_at: {atom} must carry distinct summation indices of its sum where "
                                 f"the point {point} differs from it")
            clash = {p for p in point if p in bound and p not in summed}
            fresh = {p: sp.Dummy(str(p), integer=True) for p in clash}
            rest = sp.Mul(*(f for k, f in enumerate(sp.Mul.make_args(s.function)) if k != m)) * power * atom ** (power - 1)
            body = rest.xreplace(fresh).xreplace(dict(pairs))
            limits = [(fresh.get(v, v), lo, hi) for v, lo, hi in s.limits if v not in summed]
            out += c * (sp.Sum(body, *limits) if limits else body)
    return out


def single_site(expr, index) -> sp.Expr:
    """The action of one site: from every term Σ_{index, …} f the summand over the other indices, with ``index``
    removed from every indexed object that carries it (all sites identical, Z = z^N).  A term without a sum
    over ``index`` is an error.

    >>> i, a, n, m = sp.symbols("i a n m", integer=True)
    >>> x, K = sp.IndexedBase("x"), sp.IndexedBase("K")
    >>> single_site(sp.Sum(K[a] * x[i, a] ** 2, (i, 1, n), (a, 1, m)), i)
    Sum(K[a]*x[a]**2, (a, 1, m))
    """
    out = sp.S.Zero
    for c, s in _sums(flatten_sums(expr)):
        if s is None or index not in {v for v, *_ in s.limits}:
            raise ValueError(f"single_site: the term {c if s is None else c * s} is not a sum over {index}")
        if c.has(index):
            raise ValueError(f"single_site: {index} appears outside its sum in {c}")

        def drop(e):
            return e.base[tuple(v for v in e.indices if v != index)]

        body = s.function.replace(lambda e: isinstance(e, sp.Indexed) and index in e.indices, drop)
        if body.has(index):
            raise ValueError(f"single_site: {index} survives outside indexed objects in {s}")
        limits = [lim for lim in s.limits if lim[0] != index]
        out += c * (sp.Sum(body, *limits) if limits else body)
    return out


def read_off_indexed(action, response: sp.IndexedBase, state: sp.IndexedBase, point: Sequence,
                     second: Sequence, symmetric: Sequence = ()):
    """Read an action Σ_a x̃_a (x_a − F_a) + ½ Σ_ab x̃_a K_ab x̃_b as the process x_a = F_a + ν_a, ν ~ N(0, K).

    Returns ``(F, K)`` at the point a = ``point`` (K at (a, b) with b = ``second``).  ``symmetric`` names kernels
    (IndexedBase, split) whose two index groups may be swapped.  ValueError if the action is not of that form.

    >>> a, b, c, e, n = sp.symbols("a b c e n", integer=True)
    >>> x, xt, y, K, M = (sp.IndexedBase(q) for q in ("x", "xt", "y", "K", "M"))
    >>> S = sp.Sum(xt[a] * x[a], (a, 1, n)) + sp.Sum(xt[a] * M[a, b] * y[b] + K[a, b] * xt[a] * xt[b] / 2,
    ...                                              (a, 1, n), (b, 1, n))
    >>> read_off_indexed(S, xt, x, (c,), (e,), symmetric=[(K, 1)])
    (-Sum(M[c, b]*y[b], (b, 1, n)), K[c, e])
    """
    def tidy(e):
        for kernel, split in symmetric:
            e = symmetrise(e, kernel, split)
        return split_terms(e)

    at_zero = lambda e: split_terms(e.replace(lambda a: isinstance(a, sp.Indexed) and a.base == response, lambda a: 0))
    if at_zero(action) != 0:
        raise ValueError("the action has a part without response fields: not a normalised path weight")
    first = derivative_at(split_terms(action), response, point)
    linear = tidy(at_zero(first))
    K = tidy(derivative_at(split_terms(first), response, second))
    if K.has(response) or K.has(state[tuple(point)]):
        raise ValueError("the action is not quadratic in the response fields")
    if split_terms(sp.diff(linear, state[tuple(point)])) != 1:
        raise ValueError(f"the coefficient of {response[tuple(point)]} must be {state[tuple(point)]} - F")
    return tidy(state[tuple(point)] - linear), K
