"""Replayable SymPy operations: how a derived step is produced from earlier steps.

An :class:`Operation` records *which* earlier statements it reads (by step label), a
sentence saying *what* it does, and the function that does it. Calling
:meth:`Operation.apply` on the statements of a derivation re-does the operation, so a
checker can compare the replayed result with the statement printed in the derivation.

>>> import sympy as sp
>>> x, a = sp.symbols("x a", positive=True)
>>> op = solve_for("quadratic", x, choose=lambda roots: max(roots, key=lambda r: r.subs(a, 1)))
>>> op.apply({"quadratic": sp.Eq(x**2, a)})
Eq(x, sqrt(a))
>>> op.describe()
'solve (quadratic) for x'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import re

import sympy as sp

from derive.equations import both_sides, equation_parts, residual, substitute_equations


@dataclass(frozen=True)
class Operation:
    """A SymPy operation on named earlier statements.

    ``func`` receives the statements of ``sources`` (in order) and returns the new
    statement (an ``Eq`` or a tuple of them).
    """

    name: str
    sources: tuple[str, ...]
    description: str
    func: Callable = field(repr=False, compare=False)

    def apply(self, statements: Mapping[str, object]):
        """Re-do the operation on the statements of a derivation (label -> statement)."""
        missing = [s for s in self.sources if s not in statements]
        if missing:
            raise KeyError(f"operation {self.name!r} needs earlier steps {missing}")
        return self.func(*(statements[s] for s in self.sources))

    def describe(self) -> str:
        return self.description


_GREEK_UNICODE = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
                  "kappa": "κ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ",
                  "psi": "ψ", "Sigma": "Σ", "psiinv": "ψ⁻¹"}


def readable(expr) -> str:
    """A one-line rendering of an expression for descriptions: Greek names as letters.

    >>> import sympy as sp
    >>> readable(1 / sp.Symbol("lambda"))
    '1/λ'
    """
    text = sp.sstr(expr)
    return re.sub(r"[A-Za-z]+", lambda m: _GREEK_UNICODE.get(m.group(0), m.group(0)), text)


def _labels(labels: Sequence[str]) -> str:
    return ", ".join(f"({s})" for s in labels)


def substitute(target: str, *using: str, extra: Mapping | None = None, then=None,
               then_text: str = "") -> Operation:
    """Substitute the equations of steps ``using`` (left side -> right side) into ``target``.

    ``extra`` adds explicit replacements (recorded in the description); ``then`` is an
    optional simplification applied to both sides afterwards (e.g. ``sp.simplify``).
    """
    extra = dict(extra or {})

    def run(stmt, *eqs):
        flat = [e for s in eqs for e in equation_parts(s)]
        out = substitute_equations(stmt, flat)
        if extra:
            out = substitute_equations(out, [sp.Eq(k, v, evaluate=False) for k, v in extra.items()])
        return both_sides(out, then) if then is not None else out

    text = f"substitute {_labels(using)} into ({target})" if using else f"substitute into ({target})"
    if extra:
        text += " with " + ", ".join(f"{readable(k)} = {readable(v)}" for k, v in extra.items())
    if then_text:
        text += f", then {then_text}"
    return Operation("substitute", (target, *using), text, run)


def solve_for(source: str, symbol: sp.Symbol, choose: Callable | None = None,
              choose_text: str = "") -> Operation:
    """Solve the equation of step ``source`` for ``symbol``; ``choose`` picks one root."""

    def run(stmt):
        roots = sp.solve(residual(stmt), symbol)
        if choose is None:
            if len(roots) != 1:
                raise ValueError(f"expected one root for {symbol}, got {len(roots)}")
            return sp.Eq(symbol, roots[0])
        return sp.Eq(symbol, choose(roots))

    text = f"solve ({source}) for {readable(symbol)}" + (f", {choose_text}" if choose_text else "")
    return Operation("solve", (source,), text, run)


def differentiate(source: str, var: sp.Symbol) -> Operation:
    """Differentiate both sides of step ``source`` with respect to ``var``."""
    return Operation("differentiate", (source,), f"differentiate ({source}) with respect to {var}",
                     lambda stmt: both_sides(stmt, lambda s: sp.diff(s, var)))


def implicit_slope(F: sp.Expr, dependent: sp.Symbol, var: sp.Symbol) -> sp.Expr:
    """dy/dx = −F_x/F_y on the curve F(y, x) = 0 (implicit function theorem).

    >>> x, y = sp.symbols("x y")
    >>> implicit_slope(x**2 + y**2 - 1, y, x)
    -x/y
    """
    return -sp.diff(F, var) / sp.diff(F, dependent)


def implicit_derivative(source: str, dependent: sp.Symbol, var: sp.Symbol,
                        then=None, then_text: str = "") -> Operation:
    """d(dependent)/d(var) from the relation F(dependent, var) = 0 of step ``source``.

    Uses dy/dx = -F_x / F_y; the result is ``Eq(Derivative(y(x), x), ...)``.
    """
    fn = sp.Function(dependent.name)(var)

    def run(stmt):
        value = implicit_slope(residual(stmt), dependent, var)
        value = then(value) if then is not None else value
        return sp.Eq(sp.Derivative(fn, var), value, evaluate=False)

    text = f"implicit differentiation of ({source}): d{dependent}/d{var} = -F_{var}/F_{dependent}"
    if then_text:
        text += f", then {then_text}"
    return Operation("implicit_derivative", (source,), text, run)


def limit_of(source: str, var: sp.Symbol, point, direction: str = "+",
             then=None, then_text: str = "") -> Operation:
    """Take the limit ``var -> point`` of both sides of step ``source``."""

    def run(stmt):
        out = both_sides(stmt, lambda s: sp.limit(s, var, point, direction))
        return both_sides(out, then) if then is not None else out

    text = f"limit {var} -> {point} of ({source})" + (f", then {then_text}" if then_text else "")
    return Operation("limit", (source,), text, run)


def transform(sources: str | Sequence[str], func: Callable, description: str,
              name: str = "transform") -> Operation:
    """Any other SymPy operation on one or more statements, described in words."""
    sources = (sources,) if isinstance(sources, str) else tuple(sources)
    return Operation(name, sources, description, func)
