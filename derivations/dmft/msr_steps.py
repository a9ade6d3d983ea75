"""The Martin–Siggia–Rose derivation of the effective single-mode process, step by step.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1
(K-1 … K-6).  :func:`add_msr_steps` adds to a :class:`~derivations.engine.Derivation` (parts 1–3 in
:mod:`derivations.dmft.msr_action`, 4–5 in :mod:`derivations.dmft.msr_saddle`, 6 here):

1. the model (K-1) and its data, the discrepancy Δ = w − w̄ and its SDE;
2. the Itô Euler–Maruyama step on t_k = k h and its MSR action density (δ functions written as
   Fourier integrals over the response field Δ̃, the Langevin noise averaged with SymPy);
3. the data term regrouped per sample: it depends on z_μ only through the linear fields
   a_{μk} = Σ_i √Λ_i z_{μi} Δ_{ik}, b_{μk} = Σ_i √Λ_i z_{μi} Δ̃_{ik}, Gaussian with the order
   parameters C, R, Q as covariances; the Gaussian average over (a, b, ε) done by SymPy for
   T = :data:`T_STEPS` steps gives P·W(C, R, Q);
4. the total action with the conjugate fields Ĉ, R̂, Q̂; the large-N, large-P saddle point (an
   approximation, checked by simulation); at the causal point (Q = 0, R strictly lower
   triangular) the conjugates follow by ``sp.diff``: Ĉ = 0, R̂ = hcP ρᵀ, Q̂ = ½h²c²P ρC̄ρᵀ with
   ρ = (1 + hcS)⁻¹; the action then is a sum of N single-mode actions;
5. the single-mode process read off from its action: the discrete (K-3), the discrete collective
   kernel ρ̃ = cS − chSρ̃ (K-4) and the noise covariance ρC̄ρᵀ (K-6);
6. the continuum forms (h → 0) of the response equation, (K-3), (K-4) and (K-6), stated as
   approximations backed by numeric convergence checks.

The numeric checks (:mod:`derivations.dmft.msr_checks`, attached by the face :mod:`derivations.dmft`): the
Gaussian average against Monte Carlo (``msr-gaussian-average``), the derived discrete statements
against an independent NumPy implementation (``msr-discrete-statements``), the discrete saddle point
against simulations of the exact discrete dynamics, extrapolated to N → ∞
(``msr-saddle-point-simulation``), the discrete process against a second-order solution of the
continuum equations as h → 0 (``msr-continuum-limit``) and that solution against the Laplace form
(K-5) (``msr-continuum-laplace``).  Their numerics (the discrete saddle point, the direct
simulation, the continuum and Laplace solutions) are in :mod:`numerics.dmft_discrete`.

>>> from derivations.engine import Derivation, Source
>>> d = Derivation("msr-demo", "MSR", Source("2602.23039", "Kramp, Lindner, Helias"))
>>> add_msr_steps(d)
>>> d.labels()[:3]
['langevin-sde', 'data-model', 'discrepancy']
>>> d["collective-response"]
Eq(tilde_rho(t), c*S(t) - c*Integral(S(t - u)*tilde_rho(u), (u, 0, t)))
"""
from __future__ import annotations

import sympy as sp

from derive.dmft_symbols import I, J, LAM, N_MODES, P, R, S, WBAR, beta, c, g, rho_t, s, sigma2, t, u
from derivations.dmft.msr_action import (CHECK_LAPLACE, CHECK_LIMIT, CHECK_SIM, Cbar, C_Delta, Delta, E, K_eta, eta,
                                         add_action_steps, tp, xi)
from derivations.dmft.msr_saddle import add_saddle_steps

#: number of time steps of the discretised derivation (the symbolic work scales with it)
T_STEPS = 3


def add_msr_steps(d, steps: int = T_STEPS) -> None:
    """Add the MSR derivation (its steps; the face attaches the numeric checks of
    :mod:`derivations.dmft.msr_checks`) to the derivation ``d``.

    ``steps`` is the number T of Euler steps used for the symbolic data average and saddle
    point (2 or 3 keep ``d.verify()`` fast; the structure does not depend on it).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 4:
        raise ValueError(f"steps must be an integer in [2, 4], got {steps!r}")
    add_action_steps(d, steps)
    add_saddle_steps(d, steps)
    _continuum(d)


# =============================================================================================
# 6. continuum
# =============================================================================================

def _continuum(d) -> None:
    backing = (CHECK_LIMIT, CHECK_LAPLACE)
    d.approximate("response-equation", "Response of mode i (continuum)",
                  "h → 0 of the response of the discrete process to a kick (Δ_{i,l+1+j} per unit ν_{il} → "
                  "R_i(jh)): the forward difference becomes dR_i/dt and hΣ_m ρ̃_{km} χ_{ml} the convolution.",
                  sp.Eq(sp.Derivative(R(I, t), t), -g * R(I, t) - c * P * LAM[I] * (
                      R(I, t) - sp.Integral(rho_t(t - s) * R(I, s), (s, 0, t)))),
                  checked_by=backing)
    d.define("lambda-weighted-response", "Λ-weighted response",
             "Continuum form of S_{kl} = Σ_i Λ_i χ_{i,kl} (self-consistency), time-translation invariant.",
             sp.Eq(S(t), sp.Sum(LAM[I] * R(I, t), (I, 1, N_MODES))))
    d.approximate("collective-response", "Collective response kernel (K-4)",
                  "h → 0 of ρ̃ = cS − chSρ̃ (discrete K-4), lags k − l − 1 → t/h; ρ(t) = δ(t) − ρ̃(t) (K-4).",
                  sp.Eq(rho_t(t), c * S(t) - c * sp.Integral(S(t - u) * rho_t(u), (u, 0, t))),
                  checked_by=backing)
    d.approximate("effective-process", "Effective single-mode process (K-3)",
                  "h → 0 of the discrete process: ν_{ik} = hc√(PΛ_i)η_k + √(2h/β)ξ_{ik} becomes "
                  "c√(PΛ_i)η_i(t)dt + √(2/β)dW_i, with η_i independent across modes (K-3).",
                  sp.Eq(sp.Derivative(Delta(I, t), t),
                        -g * Delta(I, t) - g * WBAR[I]
                        - c * P * LAM[I] * (Delta(I, t) - sp.Integral(rho_t(t - s) * Delta(I, s), (s, 0, t)))
                        + c * sp.sqrt(P * LAM[I]) * eta(I, t) + sp.sqrt(2 / beta) * xi(I, t)),
                  checked_by=(CHECK_LIMIT, CHECK_SIM))
    d.approximate("noise-kernel", "Noise statistic (K-6)",
                  "h → 0 of Cov(η_k, η_l) = (ρC̄ρᵀ)_{kl} with ρ = 1 − hρ̃: ⟨η_i(t)η_i(t')⟩ = K_η(t, t') "
                  "for every mode, C_Δ(t, t') = Σ_j Λ_j⟨Δ_j(t)Δ_j(t')⟩, C̄ = C_Δ + σ² (K-6).",
                  (sp.Eq(K_eta(t, tp), Cbar(t, tp) - sp.Integral(rho_t(t - u) * Cbar(u, tp), (u, 0, t))
                         - sp.Integral(rho_t(tp - u) * Cbar(t, u), (u, 0, tp))
                         + sp.Integral(rho_t(t - u) * sp.Integral(rho_t(tp - s) * Cbar(u, s), (s, 0, tp)), (u, 0, t))),
                   sp.Eq(Cbar(t, tp), C_Delta(t, tp) + sigma2),
                   sp.Eq(C_Delta(t, tp), sp.Sum(LAM[J] * E(Delta(J, t) * Delta(J, tp)), (J, 1, N_MODES)))),
                  checked_by=(CHECK_LIMIT, CHECK_SIM))
