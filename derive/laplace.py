"""Laplace transforms of linear Volterra integro-differential equations, by rule.

The mean-field equations of Langevin-trained regression (K-3, K-4 of the reconstruction of
arXiv:2602.23039 in ``shared/reference/papers.md`` §1) are linear in the unknown functions of
time, with causal convolutions.  Their Laplace transform F̂(z) = ∫_0^∞ e^{−zt} F(t) dt follows
term by term from three rules, applied here mechanically:

* linearity, with factors that do not depend on t kept as they are;
* the derivative rule  L[∂_t F](z) = z F̂(z) − F(0);
* the convolution theorem  L[∫_0^t A(t − s) B(s) ds](z) = Â(z) B̂(z),
* and for a constant  L[1](z) = 1/z,  and the time-scaling rule  L[F(2t)](z) = F̂(z/2)/2,
  with the integration rule  L[∫_0^t F](z) = F̂(z)/z  (used by :func:`laplace_of_term`).

``transforms`` maps each unknown function (a SymPy ``Function`` class) to the class of its
transform; the time argument must be the last argument (``R(i, t)`` → ``hat_R(i, z)``).

>>> import sympy as sp
>>> t, s, z, a = sp.symbols("t s z a", positive=True)
>>> F, G, Fh, Gh = (sp.Function(n) for n in ("F", "G", "Fh", "Gh"))
>>> laplace_of(sp.Eq(sp.Derivative(F(t), t), -a * F(t) + sp.Integral(G(t - s) * F(s), (s, 0, t))),
...            t, z, {F: Fh, G: Gh})
Eq(z*Fh(z) - F(0), -a*Fh(z) + Fh(z)*Gh(z))
"""
from __future__ import annotations

import sympy as sp

__all__ = ["laplace_of", "laplace_of_term"]


def _time_call(expr, t, transforms):
    """(class, leading args, time argument) if expr is F(..., τ) with F a known unknown, else None."""
    if isinstance(expr, sp.core.function.AppliedUndef) and expr.func in transforms and expr.args[-1].has(t):
        return expr.func, expr.args[:-1], expr.args[-1]
    return None


def _transform_call(call, t, z, transforms):
    cls, lead, arg = call
    if arg == t:
        return transforms[cls](*lead, z)
    if arg == 2 * t:
        return transforms[cls](*lead, z / 2) / 2
    raise ValueError(f"laplace_of: argument {arg} of {cls} is not t or 2t")


def _convolution(integral: sp.Integral, t, z, transforms):
    """∫_0^t A(t − s)B(s) ds → Â(z)B̂(z); anything else is refused."""
    (var, lo, hi), = integral.limits
    if lo != 0 or hi != t:
        raise ValueError(f"laplace_of: only ∫_0^t convolutions are supported, got limits {integral.limits}")
    coeff, factors = sp.S.One, []
    for f in sp.Mul.make_args(integral.function):
        call = _time_call(f, var, transforms) or _time_call(f, t, transforms)
        if call is None:
            if f.has(var) or f.has(t):
                raise ValueError(f"laplace_of: factor {f} of a convolution is not a known function")
            coeff *= f
        else:
            factors.append(call)
    if len(factors) == 1 and factors[0][2] == var:           # ∫_0^t F(s) ds = (1 * F)(t)
        cls, lead, _ = factors[0]
        return coeff * transforms[cls](*lead, z) / z
    if len(factors) != 2:
        raise ValueError(f"laplace_of: {integral} is not a convolution of two known functions")
    if {sp.expand(f[2]) for f in factors} != {sp.expand(t - var), var}:
        raise ValueError(f"laplace_of: {integral} is not of the form ∫_0^t A(t − s)B(s) ds")
    out = coeff
    for cls, lead, _ in factors:
        out *= transforms[cls](*lead, z)
    return out


def laplace_of_term(term: sp.Expr, t, z, transforms) -> sp.Expr:
    """The Laplace transform of one product term (see the module docstring for the rules)."""
    coeff, rest = sp.S.One, []
    for f in sp.Mul.make_args(term):
        if f.has(t):
            rest.append(f)
        else:
            coeff *= f
    if not rest:
        return coeff / z
    if len(rest) != 1:
        raise ValueError(f"laplace_of: the term {term} is not linear in the unknown functions")
    (f,) = rest
    if isinstance(f, sp.Derivative):
        call = _time_call(f.expr, t, transforms)
        if call is None or f.variables != (t,):
            raise ValueError(f"laplace_of: derivative {f} is not a first t-derivative of a known function")
        cls, lead, _ = call
        return coeff * (z * transforms[cls](*lead, z) - cls(*lead, 0))
    if isinstance(f, sp.Integral):
        return coeff * _convolution(f, t, z, transforms)
    call = _time_call(f, t, transforms)
    if call is None:
        raise ValueError(f"laplace_of: no rule for the factor {f}")
    return coeff * _transform_call(call, t, z, transforms)


def laplace_of(eq: sp.Eq, t, z, transforms) -> sp.Eq:
    """Transform both sides of a linear Volterra equation term by term."""
    sides = []
    for side in (eq.lhs, eq.rhs):
        sides.append(sp.Add(*(laplace_of_term(term, t, z, transforms) for term in sp.Add.make_args(sp.expand(side)))))
    return sp.Eq(*sides, evaluate=False)
