"""Symbols of the mean-field theory of Langevin-trained random-feature regression.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1
(equations K-1 … K-8).  One place for the names, so that the MSR derivation
(:mod:`derive.msr`), the catalogue entry ``dmft-langevin`` and its checks speak of the same
objects:

* the model: N modes with kernel eigenvalues Λ_i (``LAM[I]``), P samples, loss scale c
  (c = 1: loss summed over samples, c = 1/P: averaged; UNSURE in the sheet, hence a symbol),
  weight decay g, inverse temperature β, teacher weights w̄_i (``WBAR[I]``), label-noise
  variance σ²;
* times t, s, u and Laplace variables z, z₁, z₂;
* the one-time functions of the theory: the response of mode i, R_i(t) (``R(I, t)``), the
  collective response kernel ρ̃(t), the Λ-weighted response S(t) = Σ_j Λ_j R_j(t), and the
  mean discrepancy m_i(t) = E⟨Δ_i(t)⟩ / w̄_i;
* their Laplace transforms R̂_i(z), ρ̂(z), Ŝ(z).

>>> from derive.dmft_symbols import S_of, LAM, I, N_MODES
>>> S_of(t)
Sum(R(i, t)*Lambda[i], (i, 1, N))
"""
from __future__ import annotations

import sympy as sp

#: number of modes, mode index, second mode index
N_MODES = sp.Symbol("N", positive=True, integer=True)
I = sp.Symbol("i", positive=True, integer=True)
J = sp.Symbol("j", positive=True, integer=True)
#: kernel eigenvalues Λ_i and teacher weights w̄_i
LAM = sp.IndexedBase("Lambda", positive=True)
WBAR = sp.IndexedBase("wbar", real=True)
#: samples, loss scale c, weight decay g, inverse temperature β, label-noise variance σ², teacher variance v
P = sp.Symbol("P", positive=True)
c = sp.Symbol("c", positive=True)
g = sp.Symbol("g", nonnegative=True)
beta = sp.Symbol("beta", positive=True)
sigma2 = sp.Symbol("sigma_epsilon^2", nonnegative=True)
v = sp.Symbol("v", positive=True)
#: times and Laplace variables
t, s, u, x = sp.symbols("t s u x", nonnegative=True)
z, z1, z2 = sp.symbols("z z_1 z_2", positive=True)
#: one-time functions (mode index first)
R = sp.Function("R")                    # R(i, t): response of mode i
rho_t = sp.Function("tilde_rho")        # ρ̃(t): collective response kernel, ρ(t) = δ(t) − ρ̃(t)
S = sp.Function("S")                    # S(t) = Σ_j Λ_j R_j(t)
m = sp.Function("m")                    # m(i, t): mean discrepancy E⟨Δ_i⟩/w̄_i
#: Laplace transforms
R_hat = sp.Function("hat_R")            # R̂(i, z)
rho_hat = sp.Function("hat_rho")        # ρ̂(z)
S_hat = sp.Function("hat_S")            # Ŝ(z)
#: renormalised ridge of the Laplace form: κ(z) solves κ(P − Σ_j Λ_j/(Λ_j + κ)) = (z + g)/c
kappa = sp.Symbol("kappa", positive=True)


def mode_sum(summand: sp.Expr, index=J) -> sp.Sum:
    """``Sum(summand, (index, 1, N))``: a sum over the N modes."""
    return sp.Sum(summand, (index, 1, N_MODES))


def S_of(time) -> sp.Sum:
    """S(t) = Σ_i Λ_i R_i(t), the Λ-weighted response (K-4)."""
    return sp.Sum(LAM[I] * R(I, time), (I, 1, N_MODES))
