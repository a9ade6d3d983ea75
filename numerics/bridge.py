"""The one bridge from SymPy expressions to numbers.

Everything in :mod:`numerics` other than this module works on plain callables;
this is the only place where SymPy is imported.  It offers:

* :func:`opaque_atoms` -- hide derivatives and undefined functions behind
  fresh dummies, so an expression containing ``f(x)`` can still be evaluated;
* :func:`to_mpmath` -- compile to an mpmath function that evaluates at the
  precision in force *when called* (rationals stay exact; ``Float``\\ s are
  turned into exact rationals first);
* :func:`to_numpy` -- compile to a vectorised NumPy/SciPy function whose
  output always has the broadcast shape of its inputs;
* :func:`random_points` and :func:`spot_check_equal` -- compare two
  expressions at random exact points, with a tolerance that follows the
  working precision.

>>> import sympy
>>> x = sympy.Symbol("x", positive=True)
>>> spot_check_equal(sympy.log(x**2), 2*sympy.log(x)).passed
True
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.numpy import SciPyPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import MpmathPrinter

from .precision import validate_dps, workdps

__all__ = [
    "opaque_atoms",
    "to_mpmath",
    "to_numpy",
    "to_numpy_matrix",
    "to_numpy_matrices",
    "to_numpy_many",
    "random_points",
    "spot_check_equal",
    "SpotCheck",
]

_DENOMINATOR = 10**6
_OPAQUE_DOMAIN = (sympy.Rational(1, 10), sympy.Integer(3))


# --------------------------------------------------------------------------
# Opaque atoms
# --------------------------------------------------------------------------

def opaque_atoms(expr):
    """Replace derivatives and undefined functions by fresh dummies.

    Every ``Derivative`` is replaced first (so ``Derivative(f(x), x)`` becomes
    a single dummy), then every remaining applied undefined function such as
    ``f(x)``.  Returns ``(expr2, mapping)`` with ``mapping[dummy] = original``.
    Works on any SymPy object, including ``Eq`` and other relationals.

    >>> import sympy
    >>> x = sympy.Symbol("x"); f = sympy.Function("f")
    >>> e2, m = opaque_atoms(f(x) + sympy.Derivative(f(x), x))
    >>> sorted(str(v) for v in m.values())
    ['Derivative(f(x), x)', 'f(x)']
    >>> e2.xreplace(m) == f(x) + sympy.Derivative(f(x), x)
    True
    """
    expr = sympy.sympify(expr)
    mapping = {}
    for kind in (sympy.Derivative, AppliedUndef):
        atoms = sorted(expr.atoms(kind), key=sympy.default_sort_key)
        table = {atom: sympy.Dummy(f"opaque{len(mapping) + i}")
                 for i, atom in enumerate(atoms)}
        expr = expr.xreplace(table)
        mapping.update({d: atom for atom, d in table.items()})
    present = expr.free_symbols
    return expr, {d: atom for d, atom in mapping.items() if d in present}


# --------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------

def _exact_floats(expr):
    """Replace each ``Float`` by the exact rational of its decimal string.

    ``Rational(str(f))`` reads the digits SymPy prints for ``f`` (15 for a
    default Float), so ``Float('0.1')`` becomes exactly ``1/10`` rather than
    the binary double nearest to 0.1.
    """
    floats = expr.atoms(sympy.Float)
    return expr.xreplace({f: sympy.Rational(str(f)) for f in floats})


class _MpmathPrinter(MpmathPrinter):
    """lambdify's mpmath printer, plus ``zoo`` as ``mpc(inf, inf)``."""

    def _print_ComplexInfinity(self, expr):
        inf = self._module_format("mpmath.inf")
        return f"{self._module_format('mpmath.mpc')}({inf}, {inf})"


def _mpmath_printer():
    # The settings lambdify itself uses when it builds its own printer.
    return _MpmathPrinter({"fully_qualified_modules": False, "inline": True,
                           "allow_unknown_functions": True, "user_functions": {}})


def to_mpmath(expr, args):
    """Compile ``expr`` to a function of ``len(args)`` values using mpmath.

    The function evaluates at the precision in force at call time: rationals
    such as ``1/3`` and constants such as ``pi`` are computed when called.
    SymPy's ``zoo`` becomes ``mpc(inf, inf)``.
    Inputs are converted with ``mpmath.mpmathify``; the result is an ``mpf``
    or ``mpc``.

    >>> import sympy, mpmath
    >>> x = sympy.Symbol("x")
    >>> third = to_mpmath(sympy.Float("0.1") * x, [x])
    >>> with mpmath.workdps(40):
    ...     third(3) == mpmath.mpf(3) / 10
    True
    """
    args = list(args)
    compiled = sympy.lambdify(args, _exact_floats(sympy.sympify(expr)),
                              modules="mpmath", printer=_mpmath_printer())

    def evaluate(*values):
        if len(values) != len(args):
            raise TypeError(f"expected {len(args)} values, got {len(values)}")
        result = compiled(*(mpmath.mpmathify(v) for v in values))
        return +mpmath.mpmathify(result)

    return evaluate


class _NumPyPrinter(SciPyPrinter):
    """SciPy/NumPy code with integer powers kept integer: SymPy prints x**(-1) as ``x**(-1.0)``, which NumPy
    evaluates for complex arrays by the general complex power (exp·log: slow, and a few ulp off); here it is
    ``(1/x)``, x**(-n) is ``(1/x**n)`` and x**n stays ``x**n`` (NumPy squares and multiplies)."""

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        if exponent.is_Integer and exponent < 0:
            inner = base if exponent == -1 else sympy.Pow(base, -exponent, evaluate=False)
            return f"(1/{self.parenthesize(inner, PRECEDENCE['Pow'])})"
        if exponent.is_Integer and exponent > 1:
            return f"{self.parenthesize(base, PRECEDENCE['Pow'])}**{int(exponent)}"
        return super()._print_Pow(expr, rational=rational)


def _numpy_printer():
    return _NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                          "allow_unknown_functions": True, "user_functions": {}})


def _as_arrays(values):
    """Inputs as arrays, integers as float64 (integer powers of integer arrays would stay integer)."""
    arrays = [np.asarray(v) for v in values]
    return [a.astype(np.float64) if a.dtype.kind in "biu" else a for a in arrays]


def to_numpy(expr, args):
    """Compile ``expr`` to a vectorised NumPy/SciPy function.

    Uses ``lambdify(..., modules=["scipy", "numpy"])`` (plain ``"numpy"``
    sends ``erf`` and ``gamma`` to :mod:`math`, which fails on arrays).  The
    result always has the broadcast shape of the inputs, also for an
    expression that does not depend on them, and is ``float64`` (or
    ``complex128`` for a complex expression).

    >>> import sympy, numpy as np
    >>> x = sympy.Symbol("x")
    >>> to_numpy(sympy.Integer(2), [x])(np.zeros(3))
    array([2., 2., 2.])
    >>> to_numpy(sympy.erf(x), [x])(np.array([0.0, 10.0]))
    array([0., 1.])
    """
    args = list(args)
    compiled = sympy.lambdify(args, sympy.sympify(expr), modules=["scipy", "numpy"], printer=_numpy_printer())

    def evaluate(*values):
        arrays = _as_arrays(values)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        result = np.asarray(compiled(*arrays))
        dtype = np.complex128 if np.iscomplexobj(result) else np.float64
        if result.shape == shape and result.dtype == dtype and result.base is None:
            return result                        # a fresh array of the right kind: no copy
        return np.array(np.broadcast_to(result, shape), dtype=dtype)

    return evaluate


def to_numpy_matrix(expr, args, sizes):
    """Compile a matrix expression of ``MatrixSymbol`` arguments to a NumPy function of arrays, its symbolic
    dimensions set by ``sizes`` (symbol -> int).

    Each matrix symbol is renamed to a plain identifier first: ``lambdify`` replaces symbols whose names are
    not identifiers (``\\Phi^{l-1}``, ``G^{l+1}``) by commutative dummies, which reorders the factors of a
    matrix product — a wrong number that looks right (seen with SymPy 1.12/1.13).

    >>> import sympy, numpy as np
    >>> n = sympy.Symbol("n", integer=True, positive=True)
    >>> A, B = sympy.MatrixSymbol("A^{1}", n, n), sympy.MatrixSymbol("B^{2}", n, n)
    >>> f = to_numpy_matrix(A * B, [A, B], {n: 2})
    >>> f(np.array([[0., 1], [0, 0]]), np.array([[0., 0], [1, 0]]))
    array([[1., 0.],
           [0., 0.]])
    """
    (compiled,) = [to_numpy_matrices([expr], args, sizes)]
    return lambda *values: compiled(*values)[0]


def to_numpy_matrices(exprs, args, sizes):
    """:func:`to_numpy_matrix` of several expressions at once, their common subexpressions (an inverse used by
    all of them) computed once; the function returns a tuple of arrays."""
    sizes = {k: int(v) for k, v in sizes.items()}
    plain = {a: sympy.MatrixSymbol(f"M{k}", *(sympy.sympify(d).subs(sizes) for d in a.shape))
             for k, a in enumerate(args)}
    renamed = {a.subs(sizes): plain[a] for a in args}
    concrete = [sympy.sympify(e).subs(sizes).xreplace(renamed) for e in exprs]
    compiled = sympy.lambdify(list(plain.values()), concrete, modules=["scipy", "numpy"], cse=True)
    return lambda *values: tuple(np.asarray(r, dtype=float)
                                 for r in compiled(*(np.asarray(v, dtype=float) for v in values)))


def to_numpy_many(exprs, args):
    """Compile several expressions into one vectorised function (common subexpressions shared).

    The function returns an array of shape ``(len(exprs),) + broadcast shape of the inputs``,
    ``float64``.  Sharing the subexpressions matters for generated systems such as the
    order-parameter ODEs, whose coefficients repeat the same square roots many times.

    >>> import sympy, numpy as np
    >>> x, y = sympy.symbols("x y")
    >>> to_numpy_many([sympy.sqrt(x) + y, 2 * sympy.sqrt(x), sympy.Integer(1)], [x, y])(
    ...     np.array([4.0, 9.0]), 1.0)
    array([[3., 4.],
           [4., 6.],
           [1., 1.]])
    """
    args, exprs = list(args), [sympy.sympify(e) for e in exprs]
    compiled = sympy.lambdify(args, exprs, modules=["scipy", "numpy"], cse=True, printer=_numpy_printer())

    def evaluate(*values):
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        out = np.empty((len(exprs),) + shape)
        for k, value in enumerate(compiled(*arrays)):
            out[k] = value
        return out

    return evaluate


# --------------------------------------------------------------------------
# Random exact points
# --------------------------------------------------------------------------

def _default_domain(sym):
    """``(kind, lo, hi)`` for ``sym`` from its assumptions."""
    if sym.is_integer:
        if sym.is_positive:
            return "int", 1, 6
        if sym.is_nonnegative:
            return "int", 0, 6
        if sym.is_negative:
            return "int", -6, -1
        if sym.is_nonpositive:
            return "int", -6, 0
        return "int", -6, 6
    R = sympy.Rational
    if sym.is_positive:
        return "real", R(1, 10), R(3)
    if sym.is_negative:
        return "real", R(-3), R(-1, 10)
    if sym.is_nonnegative:
        return "real", R(0), R(3)
    if sym.is_nonpositive:
        return "real", R(-3), R(0)
    return "real", R(-3), R(3)


def _draw(rng, kind, lo, hi):
    """One exact value: an integer in [lo, hi] or k/10**6 strictly inside (lo, hi)."""
    if kind == "int":
        return sympy.Integer(int(rng.integers(int(lo), int(hi) + 1)))
    lo_k = int(sympy.floor(sympy.nsimplify(lo) * _DENOMINATOR)) + 1
    hi_k = int(sympy.ceiling(sympy.nsimplify(hi) * _DENOMINATOR))
    if hi_k <= lo_k:
        raise ValueError(f"domain ({lo}, {hi}) is too narrow to sample")
    return sympy.Rational(int(rng.integers(lo_k, hi_k)), _DENOMINATOR)


def random_points(symbols, n, *, seed, domains=None):
    """Draw ``n`` points, each a dict ``symbol -> exact Rational``.

    A symbol listed in ``domains`` as ``(lo, hi)`` is uniform strictly inside
    that interval; otherwise its assumptions choose: positive ``(1/10, 3)``,
    negative ``(-3, -1/10)``, nonnegative ``(0, 3)``, nonpositive
    ``(-3, 0)``, real/unknown ``(-3, 3)``; integer symbols get integers
    (positive ones in ``[1, 6]``).  Values are multiples of ``10**-6``.

    >>> import sympy
    >>> a = sympy.Symbol("a", positive=True)
    >>> [p] = random_points([a], 1, seed=1)
    >>> 0 < p[a] < 3 and p[a].q <= 10**6
    True
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    domains = dict(domains or {})
    rng = np.random.default_rng(seed)
    specs = [("real", *domains[s]) if s in domains else _default_domain(s)
             for s in symbols]
    return [{s: _draw(rng, *spec) for s, spec in zip(symbols, specs)}
            for _ in range(int(n))]


# --------------------------------------------------------------------------
# Spot checks
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class SpotCheck:
    """Outcome of :func:`spot_check_equal`.

    ``max_rel_error`` is kept as a string so that all its digits survive JSON.
    """

    passed: bool
    n_points: int
    dps: int
    max_rel_error: str
    detail: str


def _bad_value(value):
    """A short reason if ``value`` is NaN or infinite, else ``None``."""
    if mpmath.isnan(value):
        return "NaN"
    if mpmath.isinf(value):
        return "infinity"
    return None


def _is_complex(value):
    return isinstance(value, mpmath.mpc) and value.imag != 0


def _compare_at(f_lhs, f_rhs, values):
    """``(rel_error, failure_reason)`` at one point; raises if not evaluable."""
    a, b = f_lhs(*values), f_rhs(*values)
    for side, v in (("lhs", a), ("rhs", b)):
        reason = _bad_value(v)
        if reason:
            return None, f"{side} evaluates to {reason}"
    if _is_complex(a) != _is_complex(b):
        return None, f"complex vs real mismatch: lhs={a}, rhs={b}"
    scale = max(mpmath.mpf(1), abs(a), abs(b))
    return abs(a - b) / scale, None


def _check_symbols(exprs, symbols):
    """Order of evaluation: given symbols, then remaining free symbols."""
    given = list(symbols or [])
    free = set().union(*(e.free_symbols for e in exprs)) - set(given)
    return given + sorted(free, key=sympy.default_sort_key)


def spot_check_equal(lhs, rhs, *, symbols=None, n=5, dps=30, seed=0,
                     domains=None) -> SpotCheck:
    """Compare ``lhs`` and ``rhs`` numerically at ``n`` random exact points.

    Derivatives and undefined functions are made opaque jointly (the same atom
    on both sides gets the same dummy, drawn from ``(1/10, 3)`` unless
    ``domains`` says otherwise; ``domains`` may be keyed by the original atom).
    Both sides are evaluated with mpmath at ``dps`` digits and pass when
    ``|lhs - rhs| <= 10**-(dps - 8) * max(1, |lhs|, |rhs|)`` at every point.
    NaN, infinity or a complex/real mismatch fail the check; points where
    evaluation raises (e.g. division by zero) are redrawn, up to ``10 n``
    attempts.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> spot_check_equal(sympy.sin(x)**2 + sympy.cos(x)**2, 1).passed
    True
    >>> spot_check_equal(x, x + sympy.Rational(1, 10**20), dps=30).passed
    False
    """
    dps = validate_dps(dps)
    pair, mapping = opaque_atoms(sympy.Tuple(sympy.sympify(lhs), sympy.sympify(rhs)))
    lhs2, rhs2 = pair
    syms = _check_symbols(pair, symbols)
    doms = {d: _OPAQUE_DOMAIN for d in mapping}
    inverse = {atom: d for d, atom in mapping.items()}
    doms.update({inverse.get(k, k): v for k, v in (domains or {}).items()})
    points = random_points(syms, 10 * n, seed=seed, domains=doms)
    with workdps(dps):
        return _run_spot_check(to_mpmath(lhs2, syms), to_mpmath(rhs2, syms),
                               syms, points, n, dps)


def _run_spot_check(f_lhs, f_rhs, syms, points, n, dps):
    """Driver of :func:`spot_check_equal` at the working precision."""
    tol = mpmath.mpf(10) ** (-(dps - 8))
    worst, used = mpmath.mpf(0), 0
    for point in points:
        if used == n:
            break
        try:
            err, reason = _compare_at(f_lhs, f_rhs, [point[s] for s in syms])
        except (ArithmeticError, ValueError):
            continue
        if reason:
            return SpotCheck(False, used + 1, dps, "nan", f"{reason} at {point}")
        used, worst = used + 1, max(worst, err)
        if err > tol:
            detail = f"relative error {mpmath.nstr(err, 5)} > {mpmath.nstr(tol, 3)} at {point}"
            return SpotCheck(False, used, dps, mpmath.nstr(err, 10), detail)
    if used < n:
        return SpotCheck(False, used, dps, mpmath.nstr(worst, 10),
                         f"only {used} of {n} points could be evaluated "
                         f"in {len(points)} attempts")
    return SpotCheck(True, used, dps, mpmath.nstr(worst, 10),
                     f"agree at {used} points within {mpmath.nstr(tol, 3)}")
