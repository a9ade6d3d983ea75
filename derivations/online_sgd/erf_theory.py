"""Evaluators of ``online-sgd-erf`` compiled from its steps: the symmetric plateau, the matrices of the
specialised phase and its small-η bulk sum.

* :func:`symmetric_system`, :func:`symmetric_plateau`: the right sides of (block-odes) under the
  symmetric ansatz of (plateau-fixed-point) (isotropic input, T = I, noise-free) and ε_g of
  (generalization-error), compiled to mpmath; the fixed point with the η² terms at any precision.
* :func:`perfect_matrices`: H, 𝓔 and the gradient g of ε_g at the perfect solution, read from
  (perfect-coefficients), (error-modes) and (error-linear-form).
* :func:`bulk_error`: the summand of (late-bulk-sum) compiled to NumPy and summed over the blocks.

>>> round(float(bulk_error([0.0], [1.0], [1.0], 0.1)[0]), 6)          # ½(μ_+ + μ_−) = H_11
0.367553
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from derive import committee_odes as co
import derivations.online_sgd.erf_steps as erf_steps
import derivations.online_sgd.linear_steps as lin
from derivations.online_sgd.erf_steps import Cp, Qp, Rp, symmetric
from derivations.online_sgd.late_steps import VECH_INDICES, U_BLOCK, U_GLOBAL, alpha, sigma
from numerics.bridge import to_mpmath, to_numpy

__all__ = ["bulk_error", "late_statements", "perfect_matrices", "symmetric_plateau", "symmetric_system"]


# ---- the unspecialised plateau -------------------------------------------------------------------

@functools.cache
def symmetric_system():
    """mpmath callables (dR, dQ_11, dQ_12)(Q_p, C_p, R_p, η) and ε_g(Q_p, C_p, R_p), noise-free."""
    d = erf_steps.derivation()
    rates = {eq.lhs.expr.func.__name__: eq.rhs for eq in d["block-odes"]}
    rhs = [to_mpmath(symmetric(rates[n]).subs(co.noise, 0), [Qp, Cp, Rp, co.eta]) for n in ("r_11", "q_11", "q_12")]
    error = to_mpmath(symmetric(d["generalization-error"].rhs), [Qp, Cp, Rp])
    return rhs, error


def symmetric_plateau(eta, dps=30):
    """(Q_p, C_p, R_p, ε_plateau, residual) of the full symmetric equations at learning rate η (K = M = 2)."""
    rhs, error = symmetric_system()
    with mpmath.workdps(dps):
        eta = mpmath.mpf(eta)
        start = (mpmath.mpf(1) / 3, mpmath.mpf(1) / 3, 1 / mpmath.sqrt(6))
        point = mpmath.findroot(lambda Q, C, R: [f(Q, C, R, eta) for f in rhs], start,
                                tol=mpmath.mpf(10) ** (-2 * dps + 6))
        Q, C, R = point
        residual = max(abs(f(Q, C, R, eta)) for f in rhs)
        return Q, C, R, error(Q, C, R), residual


# ---- the specialised phase -----------------------------------------------------------------------

def late_statements() -> dict:
    """The statements of (perfect-coefficients), (error-modes) and (error-linear-form)."""
    d = erf_steps.derivation()
    return {label: d[label] for label in ("perfect-coefficients", "error-modes", "error-linear-form")}


@functools.cache
def perfect_matrices():
    """(H, 𝓔, g) at the perfect solution from the derived steps: H (2×2); 𝓔 (3×3) maps vech U to
    vech of the O(η²λf) term of du/dα; g (3,) with ε_g = g·vech U."""
    steps = late_statements()
    values = {eq.lhs.name: float(eq.rhs) for eq in steps["perfect-coefficients"]}
    H = -np.array([[values[f"A^*_{i + 1}{j + 1}"] for j in range(2)] for i in range(2)])
    Us = [U_GLOBAL[i, k] for (i, k) in VECH_INDICES]
    us = [U_BLOCK[i, k] for (i, k) in VECH_INDICES]
    Emat = np.zeros((3, 3))
    for a, eq in enumerate(steps["error-modes"]):
        rhs = sp.expand(eq.rhs)
        coupling = rhs.coeff(co.eta, 2)
        bulk = rhs.coeff(co.eta, 1)
        for b, U in enumerate(Us):
            Emat[a, b] = float(coupling.coeff(U) / (co.lam * co.frac))
        for b, u in enumerate(us):                             # check the bulk part: −(Hu + uH)
            unit = np.zeros((2, 2))
            i, k = VECH_INDICES[b]
            unit[i, k] = unit[k, i] = 1
            want = -(H @ unit + unit @ H)[VECH_INDICES[a]]
            if abs(float(bulk.coeff(u) / co.lam) - want) > 1e-12:
                raise ValueError("(error-modes) bulk part is not −(Hu + uH)")
    linear = sp.expand(steps["error-linear-form"].rhs)
    g = np.array([float(linear.coeff(U)) for U in Us])
    return H, Emat, g


_LAM_M, _FRAC_M = sp.symbols("lambda_m f_m", positive=True)


@functools.cache
def _bulk_summand():
    """The summand of (late-bulk-sum), a function of (α, λ_m, f_m, η, σ), compiled by the bridge."""
    stmt = erf_steps.derivation()["late-bulk-sum"]
    if not isinstance(stmt.rhs, sp.Sum) or stmt.rhs.limits != ((lin.m, 1, lin.L),):
        raise ValueError(f"unexpected statement of (late-bulk-sum): {stmt}")
    summand = stmt.rhs.function.xreplace({lin.LAM[lin.m]: _LAM_M, lin.FRAC[lin.m]: _FRAC_M})
    args = [alpha, _LAM_M, _FRAC_M, co.eta, sigma]
    if not summand.free_symbols <= set(args):
        raise ValueError(f"(late-bulk-sum) has symbols {summand.free_symbols - set(args)} without values")
    return to_numpy(summand, args)


def bulk_error(alphas, lam, f, eta, sigma=1.0):
    """ε_g(α) of (late-bulk-sum), ½σ² Σ_m λ_m f_m Σ_± μ_± e^{−2ημ_±λ_mα}, for blocks (λ_m, f_m)."""
    a = np.asarray(alphas, float)[:, None]
    lam, f = np.asarray(lam, float)[None, :], np.asarray(f, float)[None, :]
    return _bulk_summand()(a, lam, f, eta, sigma).sum(1)
