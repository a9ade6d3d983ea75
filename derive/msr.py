"""Martin–Siggia–Rose (MSR) machinery: discretised actions, Gaussian integrals, saddle points.

SymPy only.  The tools a dynamical mean-field derivation needs, each a general rule that acts
on SymPy expressions (nothing here knows a particular model):

* :func:`euler_maruyama` -- the Itô (left-point) Euler–Maruyama step of a Langevin equation
  ẋ_i = f_i(x(t)) + σ ξ_i(t) on the grid t_k = k h: ẋ → (x_{k+1} − x_k)/h, x(t) → x_k,
  white noise ξ(t) → ξ_k/√h with ξ_k ~ N(0, 1);
* :func:`quadratic_form`, :func:`gaussian_log_integral`, :func:`gaussian_log_average` --
  an exponent at most quadratic in its variables, e = ½xᵀMx + Jᵀx + c₀, integrated against
  d^n x/(2π)^{n/2} or averaged over x ~ N(0, Σ):

      log E[e^{e}] = −½ log det(1 − MΣ) + ½ Jᵀ Σ (1 − MΣ)⁻¹ J + c₀,

  (complete the square: det(Σ)^{−½} det(Σ⁻¹ − M)^{−½} exp(½Jᵀ(Σ⁻¹ − M)⁻¹J); by continuity also
  for singular Σ, and read analytically, as MSR response fields need);
* :func:`msr_action_density` -- the MSR exponent of one Euler step x_{k+1} = F_k + noise:
  δ(x_{k+1} − F_k − noise) = ∫ dx̃/(2πi) e^{x̃(x_{k+1} − F_k − noise)} (x̃ on the imaginary
  axis), averaged over the Gaussian noise; :func:`read_off_process` inverts it: an action
  Σ_k x̃_k(x_{k+1} − F_k) + ½ x̃ᵀKx̃ is the path weight of x_{k+1} = F_k + ν_k, ν ~ N(0, K);
* :func:`partial_at` and :func:`conjugate_at` -- saddle-point differentiation: ∂S/∂X at a
  point, and the conjugate X̂ that makes S stationary in X (S linear in X̂);
* :func:`covariance_of_linear_forms` -- E[(Σ_i u_i z_i)(Σ_j v_j z_j)] = Σ_i u_i v_i for
  independent standard normal z_i (the Kronecker delta contracted);
* sum algebra for sums with symbolic limits: :func:`split_sum`, :func:`pull_out`,
  :func:`swap_sums`, :func:`recognise_sum`, :func:`expand_inner_sums`, :func:`substitute_indexed`,
  and :class:`IndexSum` (a ``Sum`` whose numeric code accepts a float upper limit);
* determinants: :class:`Det` (kept unevaluated, evaluated numerically by lambdify) and
  :func:`expanded_determinant` (Laplace expansion over column subsets, no division).

Source of the construction: Martin, Siggia, Rose 1973; De Dominicis 1976; Janssen 1976; the
conventions (x̃ on the imaginary axis, exponent +x̃(ẋ − f) + D x̃²/2) are those of Helias &
Dahmen, "Statistical field theory for neural networks" (arXiv:1901.10416).  It is used for the
Langevin DMFT of Kramp, Lindner, Helias, arXiv:2602.23039 (K-3 … K-6).

>>> import sympy as sp
>>> x, xt, xi, F = sp.symbols("x xtilde xi F")
>>> h, D = sp.symbols("h D", positive=True)
>>> msr_action_density(sp.Eq(x, F + sp.sqrt(2 * D * h) * xi), xt, [xi])
D*h*xtilde**2 + xtilde*(-F + x)
"""
from __future__ import annotations

from typing import Mapping, Sequence

import sympy as sp
from sympy.matrices.expressions.determinant import Determinant

__all__ = [
    "euler_maruyama", "quadratic_form", "gaussian_log_integral", "gaussian_log_average",
    "msr_action_density", "read_off_process", "partial_at", "conjugate_at",
    "covariance_of_linear_forms", "split_sum", "pull_out", "swap_sums", "recognise_sum",
    "expand_inner_sums", "evaluate_determinants", "drop_zero_sums", "expand_terms",
    "substitute_indexed", "Det", "expanded_determinant", "IndexSum",
]


# --------------------------------------------------------------------------------------------
# Sums with symbolic limits
# --------------------------------------------------------------------------------------------

class IndexSum(sp.Sum):
    """A ``Sum`` over an integer index whose limits may be symbols of any assumptions.

    Identical to ``Sum`` symbolically; its numeric code (lambdify with mpmath or NumPy) rounds the
    limits to integers, so a sum up to a symbolic count (the number of samples P) can be
    evaluated when P is handed over as a float or an ``mpf``.

    >>> p, mu = sp.symbols("p mu")
    >>> sp.lambdify([p], IndexSum(mu ** 2, (mu, 1, p)), modules="mpmath")(3.0)
    14
    """

    def _lambdacode(self, printer):
        loops = " ".join(f"for {printer._print(i)} in range(int({printer._print(a)}), int({printer._print(b)}) + 1)"
                         for i, a, b in self.limits)
        return f"(builtins.sum({printer._print(self.function)} {loops}))"

    _mpmathcode = _numpycode = _pythoncode = _lambdacode


def _single_limit(s: sp.Sum):
    if len(s.limits) != 1:
        raise ValueError(f"expected a sum over one index, got limits {s.limits}")
    return s.limits[0]


def pull_out(s: sp.Sum) -> sp.Expr:
    """Move the factors of a one-index sum's summand that do not contain the index outside.

    The sum that stays is written as ``factor * Sum(...)``, never as a bare nested sum.

    >>> i, n, a = sp.symbols("i n a")
    >>> f = sp.IndexedBase("f")
    >>> pull_out(sp.Sum(2 * a * f[i], (i, 1, n)))
    2*a*Sum(f[i], (i, 1, n))
    """
    (var, lo, hi) = _single_limit(s)
    inside, outside = [], []
    for factor in sp.Mul.make_args(s.function):
        (inside if factor.has(var) else outside).append(factor)
    if not inside:
        return sp.Mul(*outside) * (hi - lo + 1)
    return sp.Mul(*outside) * s.func(sp.Mul(*inside), (var, lo, hi))


def split_sum(s: sp.Sum) -> sp.Expr:
    """Σ_i (a_i + b_i) → Σ_i a_i + Σ_i b_i, the summand expanded at its top level and each
    term's index-free factors pulled out (:func:`pull_out`).

    >>> i, n, a = sp.symbols("i n a")
    >>> f, g = sp.IndexedBase("f"), sp.IndexedBase("g")
    >>> split_sum(sp.Sum(a * (f[i] + g[i]), (i, 1, n)))
    a*Sum(f[i], (i, 1, n)) + a*Sum(g[i], (i, 1, n))
    """
    limits = _single_limit(s)
    terms = sp.Add.make_args(sp.expand(s.function, deep=False))
    return sp.Add(*(pull_out(s.func(term, limits)) for term in terms))


def expand_inner_sums(expr: sp.Expr) -> sp.Expr:
    """Apply :func:`split_sum` to every sum that contains no other sum (innermost first).

    >>> i, n = sp.symbols("i n")
    >>> f, w = sp.IndexedBase("f"), sp.IndexedBase("w")
    >>> expand_inner_sums(sp.Sum(f[i] * (1 + w[i]), (i, 1, n)) - sp.Sum(f[i] * w[i], (i, 1, n)))
    Sum(f[i], (i, 1, n))
    """
    def innermost(e):
        return isinstance(e, sp.Sum) and not any(isinstance(a, sp.Sum) for a in sp.preorder_traversal(e.function))

    return expr.replace(innermost, split_sum)


def swap_sums(s: sp.Sum) -> sp.Expr:
    """Σ_i F_i · Σ_μ G_{iμ}  →  Σ_μ (Σ_i F_i G_{iμ}), the inner sum's index-free factors
    pulled out (:func:`pull_out`); the limits of either sum must not contain the other index.

    >>> i, mu, n, p = sp.symbols("i mu n p")
    >>> F, G, a = sp.IndexedBase("F"), sp.IndexedBase("G"), sp.IndexedBase("a")
    >>> swap_sums(sp.Sum(F[i] * sp.Sum(G[i, mu] * a[mu], (mu, 1, p)), (i, 1, n)))
    Sum(a[mu]*Sum(F[i]*G[i, mu], (i, 1, n)), (mu, 1, p))
    """
    outer = _single_limit(s)
    inner_sums = [f for f in sp.Mul.make_args(s.function) if isinstance(f, sp.Sum)]
    if len(inner_sums) != 1:
        raise ValueError(f"swap_sums needs exactly one sum among the factors of {s.function}")
    (inner,) = inner_sums
    inner_limits = _single_limit(inner)
    if inner_limits[1].has(outer[0]) or inner_limits[2].has(outer[0]) or outer[1].has(inner_limits[0]) \
            or outer[2].has(inner_limits[0]):
        raise ValueError("swap_sums: the limits of one sum depend on the other index")
    rest = sp.Mul(*(f for f in sp.Mul.make_args(s.function) if f is not inner))
    swapped = pull_out(s.func(rest * inner.function, outer))
    return pull_out(inner.func(swapped, inner_limits))


def substitute_indexed(expr: sp.Expr, definition: sp.Eq) -> sp.Expr:
    """Replace every entry ``base[j…]`` of the indexed object defined by ``definition``
    (``Eq(base[i…], f(i…))`` with symbolic indices) by ``f(j…)``, bound indices included.

    >>> i, j, n = sp.symbols("i j n")
    >>> phi, z, lam = sp.IndexedBase("phi"), sp.IndexedBase("z"), sp.IndexedBase("lambda")
    >>> substitute_indexed(sp.Sum(phi[j] ** 2, (j, 1, n)), sp.Eq(phi[i], sp.sqrt(lam[i]) * z[i]))
    Sum(lambda[j]*z[j]**2, (j, 1, n))
    """
    lhs = definition.lhs
    if not isinstance(lhs, sp.Indexed) or not all(isinstance(x, sp.Symbol) for x in lhs.indices):
        raise ValueError(f"the left side must be an indexed object with symbolic indices, got {lhs}")

    def value(e):
        return definition.rhs.xreplace(dict(zip(lhs.indices, e.indices)))

    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == lhs.base
                        and len(e.indices) == len(lhs.indices), value)


def recognise_sum(expr: sp.Expr, definition: sp.Eq) -> sp.Expr:
    """Replace every sum equal to ``definition.rhs`` up to the name of its summation index by
    ``definition.lhs``.

    >>> i, j, n = sp.symbols("i j n")
    >>> x, a = sp.IndexedBase("x"), sp.Symbol("a")
    >>> recognise_sum(2 * sp.Sum(x[j] ** 2, (j, 1, n)), sp.Eq(a, sp.Sum(x[i] ** 2, (i, 1, n))))
    2*a
    """
    ref = definition.rhs
    if not isinstance(ref, sp.Sum):
        raise ValueError(f"recognise_sum needs a definition whose right side is a sum, got {ref}")
    (rvar, rlo, rhi) = _single_limit(ref)

    def same(e):
        if not isinstance(e, sp.Sum) or len(e.limits) != 1:
            return False
        (var, lo, hi) = e.limits[0]
        return (lo, hi) == (rlo, rhi) and e.function.xreplace({var: rvar}) == ref.function

    return expr.replace(same, lambda e: definition.lhs)


# --------------------------------------------------------------------------------------------
# Langevin equation on a grid
# --------------------------------------------------------------------------------------------

def euler_maruyama(sde: sp.Eq, state, noise, time: sp.Symbol, step: sp.Symbol,
                   grid_state: sp.IndexedBase, grid_noise: sp.IndexedBase, k: sp.Symbol) -> sp.Eq:
    """The Itô Euler–Maruyama step of ``Derivative(state(i, t), t) = f + σ noise(i, t)``.

    On t_k = k h: the time derivative becomes the forward difference (x_{i,k+1} − x_{i,k})/h,
    every ``state(j, t)`` on the right becomes ``grid_state[j, k]`` (drift at the left point:
    Itô), ``noise(j, t)`` (white, unit intensity) becomes ``grid_noise[j, k]/√h`` with
    independent ξ_{j,k} ~ N(0, 1).  Returns ``Eq(x_{i,k+1}, x_{i,k} + h·(...))``.

    >>> t, h, a = sp.symbols("t h a", positive=True)
    >>> i, k = sp.symbols("i k", integer=True)
    >>> x, xi = sp.Function("x"), sp.Function("xi")
    >>> X, Xi = sp.IndexedBase("X"), sp.IndexedBase("Xi")
    >>> euler_maruyama(sp.Eq(sp.Derivative(x(i, t), t), -a * x(i, t) + xi(i, t)), x, xi, t, h, X, Xi, k)
    Eq(X[i, k + 1], -a*h*X[i, k] + sqrt(h)*Xi[i, k] + X[i, k])
    """
    lhs = sde.lhs
    if not (isinstance(lhs, sp.Derivative) and lhs.variables == (time,) and lhs.expr.func == state):
        raise ValueError(f"sde must read Eq(Derivative(state(i, t), t), ...), got left side {lhs}")
    i = lhs.expr.args[0]
    j_, t_ = sp.Dummy("j"), sp.Dummy("t")
    rhs = sde.rhs.replace(state, sp.Lambda((j_, t_), grid_state[j_, k]))
    rhs = rhs.replace(noise, sp.Lambda((j_, t_), grid_noise[j_, k] / sp.sqrt(step)))
    if rhs.has(time):
        raise ValueError(f"the right side still depends on {time} after discretisation: {rhs}")
    return sp.Eq(grid_state[i, k + 1], grid_state[i, k] + expand_terms(step * rhs))


# --------------------------------------------------------------------------------------------
# Gaussian integrals
# --------------------------------------------------------------------------------------------

def drop_zero_sums(expr: sp.Expr) -> sp.Expr:
    """Remove sums whose summand is 0 (``sp.diff`` leaves ``Sum(0, ...)`` behind).

    >>> i, n = sp.symbols("i n")
    >>> drop_zero_sums(1 + sp.Sum(0, (i, 1, n)))
    1
    """
    return sp.sympify(expr).replace(lambda e: isinstance(e, sp.Sum) and e.function.is_zero,
                                    lambda e: sp.S.Zero)


def expand_terms(expr: sp.Expr) -> sp.Expr:
    """Expand products at the top level only: each term of the sum is multiplied out once, but
    nothing inside a ``Sum`` or a function is touched.

    >>> a, b, g = sp.symbols("a b g")
    >>> i, n = sp.symbols("i n")
    >>> f = sp.IndexedBase("f")
    >>> expand_terms(-g * (a + b) + g * sp.Sum(f[i] * (a + b), (i, 1, n)))
    -a*g - b*g + g*Sum((a + b)*f[i], (i, 1, n))
    """
    return sp.Add(*(sp.expand(term, deep=False) for term in sp.Add.make_args(sp.expand(expr, deep=False))))


def quadratic_form(exponent: sp.Expr, variables: Sequence) -> tuple[sp.Matrix, sp.Matrix, sp.Expr]:
    """``(M, J, c0)`` with exponent = ½ xᵀMx + Jᵀx + c₀; ValueError if not at most quadratic.

    >>> x, y = sp.symbols("x y")
    >>> quadratic_form(-x**2 / 2 + 3 * x * y + y + 5, [x, y])
    (Matrix([
    [-1, 3],
    [ 3, 0]]), Matrix([
    [0],
    [1]]), 5)
    """
    x = list(variables)
    if not x:
        raise ValueError("variables must name at least one integration variable")
    zero = {v: 0 for v in x}
    M = sp.hessian(exponent, x).applyfunc(drop_zero_sums)
    if any(entry.has(*x) for entry in M):
        raise ValueError(f"the exponent is not quadratic in {x}: its Hessian depends on them")
    J = sp.Matrix([drop_zero_sums(sp.diff(exponent, v).subs(zero)) for v in x])
    c0 = drop_zero_sums(exponent.subs(zero))
    xv = sp.Matrix(x)
    if sp.expand(exponent - ((xv.T * M * xv)[0] / 2 + (J.T * xv)[0] + c0)) != 0:
        raise ValueError(f"the exponent is not a polynomial of degree <= 2 in {x}")
    return M, J, c0


def expanded_determinant(matrix) -> sp.Expr:
    """The determinant as an expanded polynomial, by Laplace expansion row after row with the
    minors of the remaining rows kept per set of used columns (2ⁿ·n ring operations, no division).

    For matrices of polynomial entries it is much faster than expanding Berkowitz's or Bareiss's
    result; other entries fall back to Berkowitz.

    >>> a, b, x = sp.symbols("a b x")
    >>> expanded_determinant(sp.Matrix([[a, b, 0], [b, a, x], [0, x, 1]]))
    a**2 - a*x**2 - b**2
    """
    M = sp.Matrix(matrix)
    n = M.rows
    if M.cols != n:
        raise ValueError(f"matrix must be square, got {M.shape}")
    indexed = set().union(*(e.atoms(sp.Indexed) for e in M))
    inside = set().union(*(x.free_symbols for x in indexed)) if indexed else set()
    gens = sorted(indexed | (set().union(*(e.free_symbols for e in M)) - inside), key=sp.default_sort_key)
    gens = [x for x in gens if not isinstance(x, sp.IndexedBase)]
    if not gens:
        return M.det(method="berkowitz")
    domain = sp.QQ[tuple(gens)]
    try:
        entries = [[domain.from_sympy(M[r, q]) for q in range(n)] for r in range(n)]
    except Exception:  # not a polynomial in its symbols: no ring to work in
        return M.det(method="berkowitz")
    level = {0: domain.one}
    for r in range(n):
        following = {}
        for used, minor in level.items():
            free = [q for q in range(n) if not used >> q & 1]
            for position, q in enumerate(free):
                if entries[r][q]:
                    term = entries[r][q] * minor
                    key = used | 1 << q
                    following[key] = following.get(key, domain.zero) + (term if position % 2 == 0 else -term)
        level = following
    return domain.to_sympy(level.get((1 << n) - 1, domain.zero))


class Det(Determinant):
    """A determinant of an explicit matrix that stays unevaluated under ``doit()``.

    Expanding a 7×7 determinant of symbols gives thousands of terms (slow to build, too deep for
    Python to compile); :func:`evaluate_determinants` expands it on purpose.  Numeric code
    evaluates it as a determinant of numbers (``mpmath.det``, ``numpy.linalg.det``), so spot
    checks of a statement containing it stay cheap.  Prints as ``Determinant`` does.

    >>> a, b = sp.symbols("a b")
    >>> d = Det(sp.ImmutableMatrix([[a, b], [b, a]]))
    >>> d.doit() == d, evaluate_determinants(d)
    (True, a**2 - b**2)
    >>> sp.lambdify([a, b], d, modules="mpmath")(3, 1)
    mpf('8.0')
    """

    def doit(self, **hints):
        return self

    def _rows_code(self, printer):
        M = self.arg
        return "[" + ", ".join("[" + ", ".join(printer._print(M[r, q]) for q in range(M.cols)) + "]"
                               for r in range(M.rows)) + "]"

    def _mpmathcode(self, printer):
        return (f"{printer._module_format('mpmath.det')}"
                f"({printer._module_format('mpmath.matrix')}({self._rows_code(printer)}))")

    def _numpycode(self, printer):
        return (f"{printer._module_format('numpy.linalg.det')}"
                f"({printer._module_format('numpy.array')}({self._rows_code(printer)}, dtype=complex))")


def _log_det(matrix: sp.Matrix, evaluate: bool):
    if evaluate:
        return sp.log(matrix.det(method="berkowitz"))
    return sp.log(Det(sp.ImmutableMatrix(matrix)))


def gaussian_log_integral(exponent: sp.Expr, variables: Sequence, evaluate: bool = True) -> sp.Expr:
    """log ∫ dⁿx (2π)^{−n/2} e^{exponent} = −½ log det(−M) − ½ JᵀM⁻¹J + c₀ (−M positive definite).

    >>> x = sp.Symbol("x", real=True)
    >>> a, j = sp.symbols("a j", positive=True)
    >>> gaussian_log_integral(-a * x**2 / 2 + j * x, [x])
    -log(a)/2 + j**2/(2*a)
    """
    M, J, c0 = quadratic_form(exponent, variables)
    quad = -(J.T * M.inv() * J)[0] / 2 if any(J) else 0
    return -_log_det(-M, evaluate) / 2 + quad + c0


def gaussian_log_average(exponent: sp.Expr, variables: Sequence, covariance=None,
                         evaluate: bool = True) -> sp.Expr:
    """log E[e^{exponent}] for x ~ N(0, Σ): −½ log det(1 − MΣ) + ½ JᵀΣ(1 − MΣ)⁻¹J + c₀.

    ``covariance`` defaults to the identity.  ``evaluate=False`` keeps the determinant as an
    unevaluated ``Determinant`` (compact to print; ``doit()`` evaluates it).  No inverse of Σ is
    needed, so Σ may be singular (MSR response fields have zero variance) or symbolic.

    >>> x = sp.Symbol("x")
    >>> s2, j, m = sp.symbols("s2 j m", positive=True)
    >>> gaussian_log_average(m * x**2 / 2 + j * x, [x], sp.Matrix([[s2]]))
    -j**2*s2/(2*(m*s2 - 1)) - log(-m*s2 + 1)/2
    """
    x = list(variables)
    n = len(x)
    sigma = sp.eye(n) if covariance is None else sp.Matrix(covariance)
    if sigma.shape != (n, n):
        raise ValueError(f"covariance must be {n}x{n} for {n} variables, got {sigma.shape}")
    M, J, c0 = quadratic_form(exponent, x)
    A = sp.eye(n) - M * sigma
    logdet = 0 if A == sp.eye(n) else _log_det(A, evaluate)
    if not any(J):
        quad = 0
    elif M.is_zero_matrix:
        quad = (J.T * sigma * J)[0] / 2
    else:
        quad = (J.T * sigma * A.inv() * J)[0] / 2
    return -logdet / 2 + quad + c0


def evaluate_determinants(expr: sp.Expr) -> sp.Expr:
    """Replace every unevaluated ``Determinant`` of an explicit matrix by its expanded value."""
    return expr.replace(lambda e: isinstance(e, Determinant), lambda e: expanded_determinant(e.arg))


# --------------------------------------------------------------------------------------------
# MSR actions
# --------------------------------------------------------------------------------------------

def msr_action_density(step: sp.Eq, response, noises: Sequence, covariance=None) -> sp.Expr:
    """The MSR exponent of one step ``Eq(x_next, F + linear noise terms)``.

    δ(x_next − F − noise) = ∫ dx̃/(2πi) exp(x̃ (x_next − F − noise)) with x̃ = ``response`` on
    the imaginary axis; the noise variables (N(0, covariance), identity by default) are then
    averaged with :func:`gaussian_log_average`.  The path weight of the whole process is
    exp(Σ_k of these densities).
    """
    exponent = response * (step.lhs - step.rhs)
    return gaussian_log_average(exponent, noises, covariance)


def read_off_process(action: sp.Expr, responses: Sequence, states: Sequence):
    """Read ``action = Σ_k x̃_k (x_{k+1} − F_k) + ½ x̃ᵀ K x̃`` as the process x_{k+1} = F_k + ν_k.

    ``responses`` are x̃_0 … x̃_{T−1}, ``states`` the x_1 … x_T they enforce.  Returns
    ``(F, K)``: the list of drifts (each free of its own x_{k+1}) and the noise covariance
    (ν ~ N(0, K)).  ValueError if the action is not of that form.

    >>> x1, x2, y0, y1, x0, a = sp.symbols("x1 x2 y0 y1 x0 a")
    >>> read_off_process(y0 * (x1 - a * x0) + y1 * (x2 - a * x1) + y0**2 / 2, [y0, y1], [x1, x2])
    ([a*x0, a*x1], Matrix([
    [1, 0],
    [0, 0]]))
    """
    r, x = list(responses), list(states)
    if len(r) != len(x):
        raise ValueError(f"one state per response field needed, got {len(r)} and {len(x)}")
    zero = {v: 0 for v in r}
    if sp.expand(action.subs(zero)) != 0:
        raise ValueError("the action has a part without response fields: not a normalised path weight")
    K = sp.hessian(action, r)
    if any(entry.has(*r) for entry in K):
        raise ValueError("the action is not quadratic in the response fields")
    drifts = []
    for rk, xk in zip(r, x):
        linear = sp.expand(sp.diff(action, rk).subs(zero))
        if sp.expand(sp.diff(linear, xk)) != 1:
            raise ValueError(f"the coefficient of {rk} must be {xk} − F (unit coefficient of {xk})")
        drifts.append(sp.expand(xk - linear))
    rv = sp.Matrix(r)
    rebuilt = sum(rk * (xk - Fk) for rk, xk, Fk in zip(r, x, drifts)) + (rv.T * K * rv)[0] / 2
    if sp.expand(action - rebuilt) != 0:
        raise ValueError("the action is not of the form Σ x̃(x_next − F) + ½ x̃ᵀKx̃")
    return drifts, K.applyfunc(sp.expand)


# --------------------------------------------------------------------------------------------
# Saddle point
# --------------------------------------------------------------------------------------------

def partial_at(expr: sp.Expr, variable, point: Mapping) -> sp.Expr:
    """∂expr/∂variable evaluated at ``point`` (a mapping of symbols or indexed atoms → values).

    The coordinates whose values do not involve ``variable`` are replaced first (the partial
    derivative does not depend on the order), then unevaluated determinants are evaluated and
    expanded, the derivative taken with ``sp.diff``, and the rest of the point replaced.
    Replacement is structural (``xreplace``): the keys of ``point`` must be atoms of ``expr``.

    >>> x, y = sp.symbols("x y")
    >>> partial_at(x**2 * y + y**3, x, {x: 2, y: 5})
    20
    """
    point = {sp.sympify(q): sp.sympify(v) for q, v in point.items()}
    early = {q: v for q, v in point.items() if q != variable and not v.has(variable)}
    late = {q: v for q, v in point.items() if q not in early}
    reduced = evaluate_determinants(expr.xreplace(early))
    derivative = drop_zero_sums(sp.diff(reduced, variable))
    return sp.expand(sp.cancel(derivative.xreplace(late)))


def conjugate_at(action: sp.Expr, variable, conjugate, point: Mapping) -> sp.Eq:
    """The value of ``conjugate`` that makes ``action`` stationary in ``variable`` at ``point``.

    ∂S/∂X = 0 must be linear in the conjugate X̂ (as it is for a Fourier representation
    of δ(X − X[fields])); ValueError otherwise.

    >>> X, Xh, P = sp.symbols("X Xhat P")
    >>> conjugate_at(P * X**2 / 2 - Xh * X, X, Xh, {X: 3})
    Eq(Xhat, 3*P)
    """
    equation = partial_at(action, variable, {q: v for q, v in point.items() if q != conjugate})
    slope = sp.diff(equation, conjugate)
    if slope == 0 or slope.has(conjugate):
        raise ValueError(f"∂S/∂{variable} = 0 is not linear in {conjugate}: {equation}")
    return sp.Eq(conjugate, sp.expand(sp.cancel(-equation.xreplace({conjugate: 0}) / slope)))


# --------------------------------------------------------------------------------------------
# Averages over independent standard normal variables
# --------------------------------------------------------------------------------------------

def _coefficient(s: sp.Sum, noise: sp.IndexedBase):
    (var, lo, hi) = _single_limit(s)
    atoms = [a for a in s.function.atoms(sp.Indexed) if a.base == noise]
    if len(atoms) != 1 or var not in atoms[0].indices:
        raise ValueError(f"{s} is not a sum linear in one {noise} indexed by {var}")
    z = atoms[0]
    coeff = sp.diff(s.function, z)
    if coeff.has(z) or sp.expand(s.function - coeff * z) != 0:
        raise ValueError(f"the summand of {s} is not linear in {z}")
    return var, (lo, hi), coeff, z


def covariance_of_linear_forms(x: sp.Sum, y: sp.Sum, noise: sp.IndexedBase) -> sp.Sum:
    """E[x y] for x = Σ_i u_i z_i, y = Σ_j v_j z_j with independent z ~ N(0, 1) (E z_i z_j = δ_ij).

    The two sums must run over the same range; their summands must be linear in one
    ``noise[..., index]`` each (the same entry of ``noise`` after renaming the index).

    >>> i, j, n = sp.symbols("i j n", integer=True, positive=True)
    >>> z, u, v = sp.IndexedBase("z"), sp.IndexedBase("u"), sp.IndexedBase("v")
    >>> covariance_of_linear_forms(sp.Sum(u[i] * z[i], (i, 1, n)), sp.Sum(v[j] * z[j], (j, 1, n)), z)
    Sum(u[i]*v[i], (i, 1, n))
    """
    var, rng, u, zx = _coefficient(x, noise)
    var2, rng2, v, zy = _coefficient(y, noise)
    if rng != rng2 or zy.xreplace({var2: var}) != zx:
        raise ValueError("the two linear forms must sum over the same range and the same noise entries")
    return sp.Sum(u * v.xreplace({var2: var}), (var, *rng))
