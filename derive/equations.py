"""Small helpers for SymPy equations (``Eq`` has no arithmetic of its own).

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> both_sides(sp.Eq(x, y), lambda s: 2 * s)
Eq(2*x, 2*y)
>>> residual(sp.Eq(x, y))
x - y
"""
from __future__ import annotations

from typing import Callable, Iterable

import sympy as sp


def both_sides(eq: sp.Eq, f: Callable[[sp.Expr], sp.Expr]) -> sp.Eq:
    """Apply ``f`` to both sides of ``eq`` without letting SymPy evaluate the result."""
    return sp.Eq(f(eq.lhs), f(eq.rhs), evaluate=False)


def residual(eq: sp.Eq | sp.Expr) -> sp.Expr:
    """``lhs - rhs`` of an equation; an expression is returned unchanged (read as ``expr = 0``)."""
    return eq.lhs - eq.rhs if isinstance(eq, sp.Equality) else eq


def equation_parts(statement) -> tuple[sp.Eq, ...]:
    """The equations of a statement that is an ``Eq`` or a tuple/list of them."""
    if isinstance(statement, (tuple, list)):
        return tuple(statement)
    return (statement,)


def substitute_equations(expr, equations: Iterable[sp.Eq]):
    """Replace each equation's left side by its right side in ``expr``, simultaneously and once.

    ``subs`` does the mathematical substitution outside sums; inside a ``Sum`` (where
    ``subs`` leaves terms with the summation index alone) the replacement is structural
    (``xreplace``). Sums are shielded from the ``subs`` pass, so nothing is replaced twice.
    """
    mapping = {eq.lhs: eq.rhs for eq in equations}

    def sub(e):
        sums = [s for s in e.atoms(sp.Sum) if not any(s != o and o.has(s) for o in e.atoms(sp.Sum))]
        shields = {s: sp.Dummy() for s in sums}
        out = e.xreplace(shields).subs(mapping, simultaneous=True)
        return out.xreplace({d: s.xreplace(mapping) for s, d in shields.items()})

    if isinstance(expr, sp.Equality):
        return sp.Eq(sub(expr.lhs), sub(expr.rhs), evaluate=False)
    return sub(expr)
