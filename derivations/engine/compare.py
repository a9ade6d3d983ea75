"""Compare two statements: symbolically within a time budget, and numerically at 30 digits.

Two equations are the same statement when their left sides agree and their right sides
are equal as functions, or when one is the other with sides swapped, or when their
residuals ``lhs - rhs`` are equal. Symbolic proof is attempted first (expand, merge
spectral sums, simplify) under a time budget; an independent mpmath spot-check at random
points always runs. A comparison passes only if the spot-check passes, and it says
whether SymPy proved it or only the numbers confirmed it.
"""
from __future__ import annotations

import sympy as sp

from derive.equations import equation_parts
from derive.spectral import merge_sums
from derivations.engine.budget import SymbolicTimeout, time_budget
from derivations.engine.checks import CheckResult
from numerics.bridge import SpotCheck, spot_check_equal

SPOT_DPS = 30
SPOT_POINTS = 5
DEFAULT_MODES = 4  # number of modes D used when a spectral sum is evaluated numerically
DEFAULT_LAYERS = 3  # number of projection layers L used when a layer sum or product is evaluated


def sides_to_compare(a: sp.Eq, b: sp.Eq) -> tuple[str, sp.Expr, sp.Expr]:
    """The two expressions whose equality makes ``a`` and ``b`` the same statement."""
    if a.lhs == b.lhs:
        return "right sides", a.rhs, b.rhs
    if a.lhs == b.rhs and a.rhs == b.lhs:
        return "swapped sides", a.rhs, b.lhs
    return "residuals", a.lhs - a.rhs, b.lhs - b.rhs


def _simplify_sums(expr):
    return expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda s: sp.Sum(sp.simplify(s.function), *s.limits).doit())


def prove_zero(expr: sp.Expr, seconds: float) -> tuple[str, str]:
    """Try to show ``expr == 0``: returns (status, detail), status in proved/unproved/timeout."""
    if isinstance(expr, sp.MatrixExpr):
        if isinstance(expr.doit(), sp.ZeroMatrix):
            return "proved", "the matrix expressions are identical"
        return "unproved", "matrix expressions: SymPy does not simplify them"
    try:
        with time_budget(seconds):
            e = merge_sums(expr.doit())
            if e == 0:
                return "proved", "expand and merge sums give 0"
            e = sp.simplify(_simplify_sums(e))
            if e == 0:
                return "proved", "simplify gives 0"
            return "unproved", "simplify did not reach 0"
    except SymbolicTimeout:
        return "timeout", f"symbolic proof timed out after {seconds:g} s"
    except Exception as exc:  # SymPy can raise on hard expressions: not a proof, say so
        return "unproved", f"SymPy raised {type(exc).__name__} while simplifying"


#: the size each index range takes in a spot check of a statement with sums over more than two indices
MULTIPLE_SUM_SIZE = 2


def concretize(exprs: list, modes: int = DEFAULT_MODES):
    """Evaluate spectral sums (and layer sums/products, and sums up to a positive integer symbol) at a
    concrete number of modes (and layers); indexed atoms become symbols. Sums to infinity are cut at the same number of terms:
    two such sums agree as functions when their summands do, which is what a spot check tests."""
    from derive.spectral import D, LAYERS, NCOL

    def finite(s):
        if all(hi is not sp.oo for _, _, hi in s.limits):
            return s
        return s.func(s.function, *[(var, lo, lo + modes - 1 if hi is sp.oo else hi) for var, lo, hi in s.limits])

    exprs = [sp.sympify(e) for e in exprs]
    # sums over several indices at once (neurons × examples × steps) grow as a power of the size: two per index
    depth = max((sum(len(t.limits) for t in sp.preorder_traversal(s) if isinstance(t, sp.Sum))
                 for e in exprs for s in e.atoms(sp.Sum)), default=0)
    if depth > 2:
        modes = min(modes, MULTIPLE_SUM_SIZE)
    # a sum up to a positive integer symbol (P examples, N neurons) is evaluated with that symbol = modes, and so
    # is a sum whose limits hold a free integer symbol (a step τ in Σ_{σ<τ}) -- IndexSum rounds its own limits
    sizes = {hi: modes for e in exprs for s in e.atoms(sp.Sum) for (_, _, hi) in s.limits
             if isinstance(hi, sp.Symbol) and hi.is_integer and hi.is_positive}
    sizes.update({v: modes for e in exprs for s in e.atoms(sp.Sum) if type(s) is sp.Sum for (_, lo, hi) in s.limits
                  for v in (sp.sympify(lo).free_symbols | sp.sympify(hi).free_symbols) - set(s.variables)
                  if v.is_integer and v not in sizes})
    out = [e.replace(lambda x: isinstance(x, sp.Sum), finite).subs({D: modes, NCOL: modes, LAYERS: DEFAULT_LAYERS,
                                                                     **sizes}).doit()
           for e in exprs]
    indexed = sorted(set().union(*(e.atoms(sp.Indexed) for e in out)), key=str)
    mapping = {x: sp.Dummy(str(x).replace("[", "_").replace("]", ""),
                           positive=bool(x.base.is_positive), real=True) for x in indexed}
    return [e.xreplace(mapping) for e in out]


def numeric_equal(a, b, *, domains=None, dps=SPOT_DPS, n=SPOT_POINTS, seed=0):
    if isinstance(a, sp.MatrixExpr) or isinstance(b, sp.MatrixExpr):
        return matrix_equal(a, b, n=n, seed=seed)
    a, b = concretize([a, b])
    return spot_check_equal(a, b, n=n, dps=dps, seed=seed, domains=domains)


#: the side of the concrete matrices a matrix statement is checked at
MATRIX_SIDE = 3


def matrix_equal(a, b, *, n=SPOT_POINTS, seed=0) -> SpotCheck:
    """Two matrix expressions at ``n`` random points, exactly: each symbolic dimension set to 3, each matrix
    symbol a random rational matrix (strictly lower triangular when its name is a single capital letter other
    than the kernels', so that I − CD is invertible, as the causal operators of a DMFT are), each scalar symbol a
    random rational."""
    import random
    rng = random.Random(seed)
    mats = sorted(a.atoms(sp.MatrixSymbol) | b.atoms(sp.MatrixSymbol), key=str)
    dims = {d: MATRIX_SIDE for e in (a, b) for d in e.shape if isinstance(d, sp.Symbol)}
    dims.update({d: MATRIX_SIDE for m in mats for d in m.shape if isinstance(d, sp.Symbol)})
    scalars = sorted((a.free_symbols | b.free_symbols) - set(mats) - set(dims), key=str)
    worst = 0
    for _ in range(n):
        values = {d: v for d, v in dims.items()}
        for m in mats:
            rows, cols = (int(sp.sympify(q).subs(dims)) for q in m.shape)
            entry = lambda r_, c_: sp.Rational(rng.randint(-9, 9), rng.randint(1, 9))
            values[m] = sp.Matrix(rows, cols, lambda r_, c_: entry(r_, c_) if (r_ > c_ or not _causal(m)) else 0)
        values.update({q: sp.Rational(rng.randint(1, 9), rng.randint(1, 9)) for q in scalars})
        diff = sp.Matrix(a.subs(values).doit()) - sp.Matrix(b.subs(values).doit())
        worst = max([worst] + [abs(v) for v in diff])
    passed = worst == 0
    return SpotCheck(passed, n, 0, str(worst), "exact rational matrices of side 3" + ("" if passed else
                                                                                         f": difference {worst}"))


def _causal(m) -> bool:
    return len(m.name) == 1 and m.name.isupper()


def compare_statements(replayed, stated, *, name: str, domains=None, seconds: float = 10.0,
                       what: str = "replay") -> list[CheckResult]:
    """Check results saying whether ``replayed`` and ``stated`` are the same statement."""
    parts_r, parts_s = equation_parts(replayed), equation_parts(stated)
    if len(parts_r) != len(parts_s):
        return [CheckResult(f"{name}: {what}", "symbolic", False,
                            detail=f"{what} gave {len(parts_r)} equations, statement has {len(parts_s)}")]
    results = []
    for i, (r, s) in enumerate(zip(parts_r, parts_s)):
        label = f"{name}: {what}" + (f" [{i + 1}]" if len(parts_s) > 1 else "")
        results.append(_compare_pair(r, s, label, domains, seconds))
    return results


def _compare_pair(r, s, label, domains, seconds) -> CheckResult:
    for eq in (r, s):
        if not isinstance(eq, sp.Equality):
            return CheckResult(label, "symbolic", False, detail=f"not an equation: {eq}")
    mode, a, b = sides_to_compare(r, s)
    status, how = prove_zero(a - b, seconds)
    spot = numeric_equal(a, b, domains=domains)
    where = f"mpmath spot-check at {spot.dps} digits" if spot.dps else f"exact check on {spot.detail}"
    numbers = (f"{where}, {spot.n_points} points: max rel. error {spot.max_rel_error}" if spot.passed
               else f"spot-check FAILED: {spot.detail}")
    if not spot.passed:
        return CheckResult(label, "numeric", False, expected=0, observed=spot.max_rel_error,
                           tolerance=f"1e-{spot.dps - 8}", detail=f"{mode} differ: {numbers}; SymPy: {how}")
    if status == "proved":
        return CheckResult(label, "symbolic", spot.passed, expected=0, observed=0,
                           detail=f"{mode} equal; SymPy: {how}; {numbers}")
    return CheckResult(label, "numeric", spot.passed, expected=0, observed=spot.max_rel_error,
                       tolerance=f"1e-{spot.dps - 8}",
                       detail=f"{mode}: SymPy {how} (not proved symbolically); verified numerically only: {numbers}")
