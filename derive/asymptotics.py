"""Small-κ asymptotics of power-law spectral sums and scaling exponents by dominant balance.

With a power-law spectrum η_k = k^(−α) and a target with w̄_k²η_k = k^(−(1+2αr)), every sum
of ridge and random-feature theory is of the form

    T(κ) = Σ_{k≥1} k^(−β) (1 + κ k^α)^(−b)

(e.g. Σ η/(η+κ): β = 0, b = 1; tf₁'(κ): β = 1 + 2αr − 2α, b = 2). As κ → 0 the sum is
dominated either by the modes near k ~ κ^(−1/α), where it is an integral,

    T(κ) ≃ κ^((β−1)/α) · (1/α) Γ(s) Γ(b − s)/Γ(b),   s = (1 − β)/α,   valid for 0 < s < b,

or, when β > 1, by the first modes, T(κ) → ζ(β). The integral is done by the change of
variables u = κx^α and SymPy's Mellin transform of (1 + u)^(−b), which returns the Beta
function together with its strip of validity; the condition is kept, solved for a chosen
parameter (e.g. r < 1), in a ``Piecewise``. Exponents are logarithmic derivatives
d log E/d log P, and a sum of power laws is dominated by the slowest: its decay rate is the
``Min`` of the rates.

>>> import sympy as sp
>>> alpha, kappa = sp.symbols("alpha kappa", positive=True)
>>> lead = power_law_sum_leading(0, alpha, 1, kappa)     # Σ_k 1/(1 + κk^α), α > 1
>>> sp.simplify(lead.args[0].expr)
pi/(alpha*kappa**(1/alpha)*sin(pi/alpha))
"""
from __future__ import annotations

import sympy as sp

#: integration variable and the variable after the change u = κ x^α
X = sp.Symbol("x", positive=True)
U = sp.Symbol("u", positive=True)
S = sp.Symbol("s", positive=True)
KK = sp.Symbol("k", positive=True, integer=True)


def integral_over_modes(beta, alpha, b, kappa) -> tuple[sp.Expr, sp.Boolean]:
    """∫_0^∞ x^(−β)(1 + κx^α)^(−b) dx by u = κx^α and the Mellin transform of (1 + u)^(−b).

    Returns the value and the condition under which the integral converges (the Mellin strip).

    >>> import sympy as sp
    >>> a, k = sp.symbols("alpha kappa", positive=True)
    >>> value, cond = integral_over_modes(0, a, 2, k)
    >>> sp.gammasimp(value * k ** (1 / a))
    pi*(1 - 1/alpha)/(alpha*sin(pi/alpha))
    """
    x_of_u = (U / kappa) ** (1 / alpha)
    integrand = (X ** (-beta) * (1 + kappa * X ** alpha) ** (-b)).subs(X, x_of_u) * sp.diff(x_of_u, U)
    integrand = sp.powsimp(sp.expand_power_base(sp.powdenest(integrand, force=True), force=True), force=True)
    const, u_part = integrand.as_independent(U, as_Add=False)
    w1, w2 = sp.Wild("w1", exclude=[U]), sp.Wild("w2", exclude=[U])
    match = u_part.match(U ** w1 * (1 + U) ** w2)
    if match is None:
        raise ValueError(f"after u = κx^α the integrand is not u^(s−1)(1+u)^(−b): {u_part}")
    s_value, b_value = sp.simplify(match[w1] + 1), -match[w2]
    transform, (lo, hi), _ = sp.mellin_transform((1 + U) ** (-b_value), U, S)
    value = sp.simplify(const) * transform.subs(S, s_value)
    return value, sp.And(s_value > lo, s_value < hi)


def power_law_sum_leading(beta, alpha, b, kappa) -> sp.Piecewise:
    """Leading small-κ term of Σ_k k^(−β)(1 + κk^α)^(−b), with its conditions.

    Integral branch (β < 1: the modes near k ~ κ^(−1/α) dominate) from
    :func:`integral_over_modes`; constant branch (β > 1: the sum converges at κ = 0) from SymPy's
    ``Sum(k^(−β)).doit()`` = ζ(β). Convergence needs β + αb > 1 (part of the integral's strip);
    parameters for which it fails raise ValueError rather than give an exponent.

    >>> import sympy as sp
    >>> power_law_sum_leading(0, sp.Rational(1, 2), 1, sp.Symbol("kappa", positive=True))
    Traceback (most recent call last):
    ...
    ValueError: the sum Σ_k k^(−β)(1 + κk^α)^(−b) diverges: need β + α·b > 1, got β = 0, α = 1/2, b = 1
    """
    converges = sp.sympify(beta) + sp.sympify(alpha) * sp.sympify(b) > 1
    if converges == sp.false:
        raise ValueError(f"the sum Σ_k k^(−β)(1 + κk^α)^(−b) diverges: need β + α·b > 1, got β = {beta}, "
                         f"α = {alpha}, b = {b}")
    if (sp.sympify(alpha) > 0) == sp.false or (sp.sympify(b) > 0) == sp.false:
        raise ValueError(f"need α > 0 and b > 0, got α = {alpha}, b = {b}")
    integral, strip = integral_over_modes(beta, alpha, b, kappa)
    at_zero = sp.Sum(KK ** (-sp.sympify(beta)), (KK, 1, sp.oo)).doit()
    constant = at_zero.args[0].expr if isinstance(at_zero, sp.Piecewise) else at_zero
    return sp.Piecewise((integral, strip), (constant, sp.sympify(beta) > 1))


def condition_on(cond: sp.Boolean, var: sp.Symbol) -> sp.Boolean:
    """A condition solved for one parameter (e.g. ``1 + 2αr − 2α < 1`` → ``r < 1``), other symbols
    taken with their assumptions; conditions that hold identically under them become True.

    >>> import sympy as sp
    >>> a, r = sp.symbols("alpha r", positive=True)
    >>> condition_on(sp.And(1 + 2*a*r - 2*a < 1, 2*a*r > 0), r)
    r < 1
    """
    parts = sp.And.make_args(cond)
    solved = []
    for part in parts:
        if part in (sp.true, sp.false):
            solved.append(part)
            continue
        if var not in part.free_symbols:
            solved.append(sp.simplify(part))
            continue
        reduced = sp.reduce_inequalities([part], [var])
        solved.append(reduced)
    out = sp.And(*solved)
    if var.is_positive:
        out = out.subs(sp.Lt(0, var), sp.true).subs(sp.Gt(var, 0), sp.true)
    return sp.simplify(out)


def branches(piecewise: sp.Piecewise, var: sp.Symbol) -> list[tuple[sp.Expr, sp.Boolean]]:
    """(expression, condition on ``var``) for each branch, conditions solved with :func:`condition_on`."""
    return [(e, condition_on(c, var)) for e, c in piecewise.args]


def log_slope(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """d log expr / d log var (the local exponent); constant for a pure power law.

    >>> import sympy as sp
    >>> P, a = sp.symbols("P alpha", positive=True)
    >>> log_slope(3 * P ** (-2 * a), P)
    -2*alpha
    """
    return sp.simplify(var * sp.diff(sp.log(expr), var))


def rate_of(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """Decay rate ρ of a power law c·var^(−ρ): −d log expr/d log var, which must not depend on var."""
    slope = log_slope(expr, var)
    if var in slope.free_symbols:
        raise ValueError(f"{expr} is not a pure power of {var}: local slope {slope}")
    return sp.simplify(-slope)


def dominant_rate(*rates: sp.Expr) -> sp.Expr:
    """The rate of a sum of power laws as var → ∞: the slowest decay, ``Min`` of the rates.

    >>> import sympy as sp
    >>> a, r = sp.symbols("alpha r", positive=True)
    >>> dominant_rate(2 * a * r, 2 * a)
    Min(2*alpha, 2*alpha*r)
    """
    return sp.Min(*rates)


def piecewise_as_min(piecewise: sp.Piecewise, var: sp.Symbol, samples: int = 7):
    """Write a two-branch Piecewise in ``var`` (one branch below a threshold, one above) as Min of
    its branches when that is the same function; returns None otherwise. Checked at sample
    points on both sides of the threshold, with the other symbols at the given values' defaults.
    """
    candidate = sp.Min(*[e for e, _ in piecewise.args if e is not sp.nan])
    others = sorted(candidate.free_symbols - {var}, key=str)
    points = [sp.Rational(i + 1, samples + 1) * 3 for i in range(samples)]
    for p in points:
        at = {var: p, **{o: sp.Rational(3, 2) + sp.Rational(j, 7) for j, o in enumerate(others)}}
        if sp.simplify(candidate.subs(at) - piecewise.subs(at)) != 0:
            return None
    return candidate


def truncated_integral_leading(a, b, U) -> sp.Piecewise:
    """Leading behaviour of ∫_0^U (1 + u^a)^(−b) du as U → ∞, with its condition.

    Convergent (ab > 1): the whole integral, by :func:`integral_over_modes` at κ = 1 (the Beta value
    Γ(1/a)Γ(b − 1/a)/(aΓ(b))). Divergent (ab < 1): the integrand is u^(−ab)(1 + O(u^(−a))) at large u,
    and ∫^U u^(−ab) du = U^(1−ab)/(1 − ab) leads.

    >>> import sympy as sp
    >>> a, U = sp.symbols("a U", positive=True)
    >>> truncated_integral_leading(a, 2, U).args[1]
    (-U**(1 - 2*a)/(2*a - 1), a < 1/2)
    """
    converged, strip = integral_over_modes(0, a, b, sp.Integer(1))
    u = sp.Symbol("u_large", positive=True)
    # (1 + u^a)^(−b) = u^(−ab)(1 + u^(−a))^(−b), and the second factor tends to 1
    factored = u ** (-a * b) * (1 + u ** (-a)) ** (-b)
    if not sp.powsimp(sp.expand_power_base(factored * (1 + u ** a) ** b, force=True), force=True).equals(1):
        raise ValueError("(1 + u^a)^(−b) does not factor as u^(−ab)(1 + u^(−a))^(−b)")
    grows = sp.integrate(u ** (-a * b), (u, 0, U), conds="none")
    return sp.Piecewise((sp.simplify(converged), sp.simplify(strip)), (sp.simplify(grows), a * b < 1))


def truncated_power_sum_leading(p, N) -> sp.Piecewise:
    """Leading behaviour of Σ_{j=1}^{N} j^(−p) as N → ∞: ζ(p) where the sum converges (p > 1, SymPy's
    ``Sum.doit``), else N^(1−p)/(1 − p) from the integral ∫_1^N x^(−p)dx (p < 1).

    >>> import sympy as sp
    >>> p, N = sp.symbols("p N", positive=True)
    >>> truncated_power_sum_leading(p, N)
    Piecewise((zeta(p), p > 1), (-N**(1 - p)/(p - 1), p < 1))
    """
    j = sp.Symbol("j", positive=True, integer=True)
    at_infinity = sp.Sum(j ** (-p), (j, 1, sp.oo)).doit()
    constant = at_infinity.args[0].expr if isinstance(at_infinity, sp.Piecewise) else at_infinity
    x = sp.Symbol("x", positive=True)
    grows = sp.integrate(x ** (-p), (x, 1, N), conds="none")
    leading = sp.simplify(sp.expand(grows) + sp.Integer(1) / (1 - p))     # drop the constant −1/(1 − p)
    return sp.Piecewise((constant, p > 1), (leading, p < 1))
