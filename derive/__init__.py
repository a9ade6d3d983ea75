"""Symbolic layer of the toolkit (SymPy only; no numeric library is imported here).

Contents
--------
equations   helpers that act on both sides of an ``Eq`` and compare equations
operations  replayable SymPy operations (substitute, solve, differentiate, ...)
spectral    spectral sums  sum_k f(eta_k)  as SymPy ``Sum`` objects and their algebra
latex       the house LaTeX printer and a lint for what pdflatex lets through
"""
from derive.equations import both_sides, residual, equation_parts
from derive.operations import Operation
from derive.latex import latex, lint_latex

__all__ = ["both_sides", "residual", "equation_parts", "Operation", "latex", "lint_latex"]
