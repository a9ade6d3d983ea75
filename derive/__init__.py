"""Symbolic layer of the toolkit (SymPy only; no numeric library is imported here).

Contents
--------
equations   helpers that act on both sides of an ``Eq`` and compare equations
operations  replayable SymPy operations (substitute, solve, differentiate, ...)
spectral    spectral sums  sum_k f(eta_k)  as SymPy ``Sum`` objects and their algebra
latex       the house LaTeX printer and a lint for what pdflatex lets through
asymptotics leading terms of power-law mode sums (Mellin), rates, dominant balance
laplace     Laplace transforms of linear Volterra equations, by rule
msr         Martin–Siggia–Rose machinery: discretised actions, Gaussian averages, saddle points
dmft_symbols  the shared symbols of the Langevin DMFT (K-1 … K-8)
gaussian_expectations  J2, I2, I3, I4 of erf and linear (ReLU: J2, I2, I3) by Price, Stein and tilting
committee_odes  order-parameter ODEs of online SGD in soft committee machines, generated
"""
from derive.equations import both_sides, residual, equation_parts
from derive.operations import Operation
from derive.latex import latex, lint_latex

__all__ = ["both_sides", "residual", "equation_parts", "Operation", "latex", "lint_latex"]
