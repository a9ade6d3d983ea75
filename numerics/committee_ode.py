"""Integrator of the block-resolved order-parameter ODEs of online SGD in soft committee machines.

Saad & Solla 1995 (Phys. Rev. E 52, 4225) with the input covariance resolved into L eigenvalue
blocks (Worschech & Rosenow 2024, arXiv:2410.09005; ``shared/reference/papers.md`` §0.1, §2(b)).
Block m = 1..L has eigenvalue λ_m and coordinate fraction f_m (Σ f_m = 1); its state is r_m (K×M)
and the symmetric q_m (K×K), while t_m (M×M) is constant:

    dr_m/dα = ηλ_m (A r_m + B t_m)
    dq_m/dα = ηλ_m (A q_m + q_m Aᵀ + B r_mᵀ + r_m Bᵀ) + η²λ_m f_m E

where A (K×K), B (K×M) and E (K×K, symmetric) come from a user callable
``coefficients(Q1, R1, T1) -> (A, B, E)`` of the first-order overlaps Q1 = Σ_m λ_m q_m,
R1 = Σ_m λ_m r_m, T1 = Σ_m λ_m t_m.  The equations are taken as given (derived elsewhere); this
module integrates them and takes plain callables and arrays only.

Packed form.  s_m = (vec r_m, vech q_m) has dimension d = KM + K(K+1)/2 and obeys
s_m' = κ_m (𝓛 s_m + b_m), κ_m = ηλ_m, with 𝓛 (d×d) built from A, B by Kronecker products — the same
for every block — and b_m = (vec B t_m, η f_m vech E).  The rates κ_m span many decades (stiff).

Methods.  Every step freezes 𝓛_0 = 𝓛(s_0) and solves s' = κ(𝓛_0 s + forcing linear in α) exactly;
with Z_m = hκ_m 𝓛_0, φ1(z) = (e^z − 1)/z, φ2(z) = (e^z − 1 − z)/z² and the remainder
N_m(s) = κ_m[(𝓛(s) − 𝓛_0) s_m + b_m(s)] (so N(s_0) = κ b(s_0)):

* ``"pc2"``, exponential Adams predictor–corrector:
  U = e^{Z}s_0 + φ1(Z) h N(s_0) + φ2(Z) h ω[N(s_0) − N(s_prev)]  (forcing extrapolated linearly
  from the previous step, ω = h/h_prev; exponential Euler on the first step),
  s_1 = e^{Z}s_0 + φ1(Z) h N(s_0) + φ2(Z) h [N(U) − N(s_0)]  (forcing interpolated: trapezoidal);
  order 2; the estimate s_1 − U is O(h³) (Milne's device).
* ``"pc3"`` (default): pc2 plus local extrapolation with Milne's constant,
  s_1 − (s_1 − U)·h/(3(h + h_prev)).  Non-stiff, the forcing errors of the two formulas are
  ½N''τ(τ + h_prev) and ½N''τ(τ − h); integrated over the step they leave s_true − U =
  N''h²(2h + 3h_prev)/12 and s_true − s_1 = −N''h³/12, whence the constant.  Order 3 (observed
  2.9–3.0 with fixed steps).  The estimate s_1 − U bounds the error of the uncorrected order-2
  value and the correction is at most a third of it (so within the tolerance in every component,
  stiff ones included, where the constant does not apply); the global error is then observed
  proportional to rtol, while pc2's grows like rtol^(2/3) (error per step ∝ h³ ∝ rtol, N ∝ h⁻¹).
* ``"etd2rk"``: exponential RK2 (Cox & Matthews 2002; Hochbruck & Ostermann 2005, c_2 = 1): the pc2
  corrector with U the exponential-Euler step; estimate s_1 − U = O(h²).
* ``"midpoint"``: exponential midpoint rule, (𝓛, b) frozen at the exponential-Euler half step;
  estimate: the difference to the exponential-Euler full step, O(h²).

All use two coefficient evaluations per step.  In stiff blocks (hκ_m ≫ 1), which sit at the
quasi-static state −𝓛⁻¹b, an exponential-Euler stage lags by O(h·db/dα), so the estimates of
"etd2rk" and "midpoint" are O(h) there (steps ∝ 1/rtol, far more than their accuracy needs), while
the extrapolated predictor of pc2/pc3 is O(h²) there.  Measured with
``benchmarks/bench_committee_ode.py`` (K = M = 2, L = 1024, β = 1, η = 0.1, α ≤ 10⁴, on a shared
2-core machine), S = Σ of the absolute terms of ε_g (≈ 2; ε_g ≪ S late in learning):

* linear activation against the exact W-1 solution: pc3 at rtol 1e-6 / 1e-8 / 1e-10 takes 514 /
  2972 / 17920 steps (0.3 / 1.6 / 15 s) with max |Δε_g| = 3.2e-8 / 3.3e-10 / 3.8e-12 ·S; at rtol
  1e-6 etd2rk takes 3681 steps (8e-9·S) and midpoint 3211 (1.7e-7·S); explicit Euler at dt = 0.01
  takes 10⁶ steps and 69 s for 0.12·S (relative error 0.34 at α = 2⁻⁷, 3.7e-3 for α >= 1), worse
  than pc3 at rtol 1e-2 (46 steps);
* erf activation (plateau, escape, power-law tail) against pc3 at rtol 1e-10: pc3 at rtol 1e-6 /
  1e-8 takes 4618 / 24821 steps (2.8 / 15 s), relative ε_g error 1.9e-7 / 1.8e-9; Euler at dt = 0.01
  141 s, 1.7e-2.

Tolerance on ε_g.  By default the tolerance is one on the state: each step's estimate e_m stays
below atol + rtol·|s_m| per component.  The generalisation error ε_g = ε(Q1, R1, T1) moves by
Δε ≈ Σ_m λ_m ∇ε·e_m (∇ = ∂/∂x, x = Σ_m λ_m s_m packed like s), so a state tolerance bounds it by

    |Δε| ≤ rtol·S_g,    S_g = Σ_m λ_m Σ_i |∂ε/∂x_i| |s_m,i|    (= S for the linear activation),

a relative ε error up to rtol·S_g/ε_g.  Late in learning ε_g ≪ S_g: with D = J − B the overlaps
deviate from the teacher's by δq = BDᵀ + DBᵀ + DDᵀ, δr = DBᵀ, i.e. O(|D|), while ε_g ∝ |D|² is a
cancellation in a function (for the linear activation a linear one) of the overlaps.  Relative
error ρ on ε_g from the state control alone needs rtol = ρ·ε_g/S_g (ε_g/S_g ≈ 3e-5 at α = 10⁴ in
the benchmark below: the measured tail error of ε_g at rtol 1e-3 / 1e-4 / 1e-6 is 6.0e-2 / 6.4e-3
/ 5.5e-4); control of the deviation δ = s − s_teacher relative to |δ| is not enough either
(|∇ε||δ| ∝ |D| ≫ ε_g ∝ |D|², a relative ε error ρ·|∇ε||δ|/ε_g ∝ ρ/|D|).  Given the callable
``generalization_error`` (ε(Q1, R1, T1), ≥ 0), every step must in addition satisfy

    Σ_m |λ_m ∇ε·e_m| ≤ eps_rtol·min(ε(s_0), ε(s_1)) + eps_atol + 64u·S_g,

the first-order change of ε_g by the estimate, block by block in absolute value (blocks' errors
decay at different rates ≈ 2ηλ_m, so no cancellation between them is counted), relative to ε_g
itself (eps_rtol defaults to rtol, eps_atol to 0; 64u·S_g is the round-off of the estimate's image
in ε, below which no step size can go, so the relative control holds while ε_g ≫ 64u·S_g/eps_rtol).
∇ε: forward differences of the callable in the d components of x, √u-relative steps (d calls
per accepted step and one per trial step); the state tolerance still applies (the larger of the two
normalised errors decides).  Measured (benchmark below, eps_rtol = rtol): relative error of ε_g
over 2⁻⁷ ≤ α ≤ 10⁴ at rtol 1e-3 / 1e-4 / 1e-6: linear 1.2e-4 / 1.7e-5 / 1.8e-7 (147 / 354 / 2668
steps, against 71 / 124 / 514 with the state control); erf, where the state control already
meets the tolerance (5.0e-5 / 5.1e-6 / 1.9e-7), 5.0e-5 / 5.1e-6 / 1.5e-7 at the same step counts.
The criterion is local: in a power-law tail the error a step leaves in block m decays like that
block's ε_m, faster than ε_g (dominated by slower blocks), and is forgotten; where one mode decays
exponentially (finite L, late) the relative errors add up instead, ≈ 0.16·eps_rtol per e-fold of ε_g
(K = M = 1, L = 1, ε_g from 0.5 to 1.5e-7: 2.4·eps_rtol at rtol 1e-3 … 1e-6; state control: 4e4·rtol):
ask for eps_rtol = ρ/(0.16·e-folds) there.

The matrix functions are applied to all blocks at once from one eigendecomposition
𝓛_0 = V diag(μ) V⁻¹ (e^{hκ_m μ}, φ1, φ2 elementwise; Taylor series for |z| < 1).  When V is
ill-conditioned, cond(V)·u > rtol·EIGEN_MARGIN (u the unit round-off; the round-off of the eigen
route, about cond(V)·u relative per step, is kept below 1 % of the tolerance; e.g. 𝓛 defective, or
a resonance μ_i + μ_j ≈ μ_k of the r→q coupling), the step uses :func:`scipy.linalg.expm` of the
augmented (d+2)×(d+2) matrices [[Z, hκΔ, hκb], [0, 0, 1], [0, 0, 0]], batched over blocks.

Failures raise :class:`~numerics.solvers.ConvergenceError` with the α reached: step size below
16u·α_end, ``max_steps`` attempts used up, coefficients non-finite at an accepted state.  A trial
step with a non-finite stage, stage coefficients or result is rejected and retried smaller.

>>> def linear(Q1, R1, T1):                        # K = M = 1, g(x) = x, no noise
...     eps = 0.5 * (Q1.sum() - 2 * R1.sum() + T1.sum())
...     return -np.ones((1, 1)), np.ones((1, 1)), 2 * eps * np.ones((1, 1))
>>> lam, f = np.array([1.5, 0.5]), np.array([0.5, 0.5])
>>> t = f[:, None, None] * np.ones((2, 1, 1))
>>> traj = integrate_block_odes([0.0, 1.0, 10.0], np.zeros((2, 1, 1)), np.zeros((2, 1, 1)), t,
...                             lam, f, 0.1, linear)
>>> traj.q.shape, traj.R1.shape
((3, 2, 1, 1), (3, 1, 1))
>>> eps_g = 0.5 * (traj.Q1 - 2 * traj.R1 + traj.T1).ravel()
>>> bool(np.all(np.diff(eps_g) < 0)), round(float(eps_g[0]), 12)
(True, 0.5)
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from .committee_ode_eps import EpsControl, check_eps_controls
from .solvers import ConvergenceError
from .validate import positive

__all__ = [
    "BlockTrajectory",
    "integrate_block_odes",
    "integrate_block_odes_euler",
    "block_rhs",
    "first_order",
    "METHODS",
]

METHODS = ("pc3", "pc2", "etd2rk", "midpoint")
#: step-size controller: safety factor and bounds of the change of h per step
SAFETY, FACTOR_MIN, FACTOR_MAX = 0.9, 0.2, 5.0
DEFAULT_MAX_STEPS = 1_000_000
#: pc2/pc3 extrapolate the forcing over at most OMEGA_MAX previous steps (else exponential Euler)
OMEGA_MAX = 20.0
#: the eigen route is used while cond(V)·u <= rtol · EIGEN_MARGIN
EIGEN_MARGIN = 1e-2
_U = np.finfo(float).eps / 2
_SERIES_TERMS = 18          # φ1, φ2 by Taylor series for |z| < 1: 1/19! < 1e-17
_RTOL_RANGE = (1e-13, 0.1)


@dataclass(frozen=True)
class BlockTrajectory:
    """Block-resolved state at the requested α.

    ``q`` (T, L, K, K), ``r`` (T, L, K, M); first-order overlaps ``Q1`` (T, K, K), ``R1`` (T, K, M),
    ``T1`` (T, M, M); work counters: accepted ``steps``, ``rejected_steps``,
    ``coefficient_evaluations`` and ``expm_fallbacks`` (frozen operators 𝓛 whose eigenvector matrix
    was too ill-conditioned, so that their steps took the batched expm route).
    """

    alphas: np.ndarray
    q: np.ndarray
    r: np.ndarray
    Q1: np.ndarray
    R1: np.ndarray
    T1: np.ndarray
    steps: int
    rejected_steps: int
    coefficient_evaluations: int
    expm_fallbacks: int
    method: str


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _real_array(x, name, ndim):
    try:
        a = np.array(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real array, got {x!r}") from None
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, i.e. in (-inf, inf)")
    return a


def _symmetric(a, name):
    scale = np.max(np.abs(a)) if a.size else 0.0
    if np.max(np.abs(a - np.swapaxes(a, -1, -2)), initial=0.0) > 1e-12 * scale:
        raise ValueError(f"{name} must be symmetric in its last two axes (within 1e-12 relative)")
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def _spectrum(eigenvalues, fractions):
    lam = _real_array(eigenvalues, "eigenvalues", 1)
    if lam.size == 0 or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty list of finite values > 0, i.e. in (0, inf)")
    f = _real_array(fractions, "fractions", 1)
    if f.shape != lam.shape:
        raise ValueError(f"fractions must have the shape of eigenvalues {lam.shape}, got {f.shape}")
    if np.any(f <= 0) or abs(f.sum() - 1.0) > 1e-12:
        raise ValueError(f"fractions must be > 0 and sum to 1 (within 1e-12), sum = {f.sum()!r}")
    return lam, f


def _states(q0, r0, t, L):
    q0 = _real_array(q0, "q0", 3)
    r0 = _real_array(r0, "r0", 3)
    t = _real_array(t, "t", 3)
    K, M = q0.shape[1], t.shape[1]
    if K < 1 or q0.shape != (L, K, K):
        raise ValueError(f"q0 must have shape (L, K, K) with L = {L} blocks and K >= 1, got {q0.shape}")
    if M < 1 or t.shape != (L, M, M):
        raise ValueError(f"t must have shape (L, M, M) with L = {L} blocks and M >= 1, got {t.shape}")
    if r0.shape != (L, K, M):
        raise ValueError(f"r0 must have shape (L, K, M) = {(L, K, M)}, got {r0.shape}")
    return _symmetric(q0, "q0"), r0, _symmetric(t, "t")


def _trainable(trainable, L):
    """Per-block factor 1 (trained) or 0 (frozen: its weights keep their initial values)."""
    if trainable is None:
        return np.ones(L)
    m = np.asarray(trainable)
    if m.dtype != bool or m.shape != (L,) or not m.any():
        raise ValueError(f"trainable must be None or a boolean array with one entry per block ({L},) and at "
                         f"least one True, got {m.dtype} array of shape {m.shape}")
    return m.astype(float)


def _alphas(alphas):
    a = _real_array(alphas, "alphas", 1)
    if a.size == 0 or a[0] < 0 or np.any(np.diff(a) < 0):
        raise ValueError("alphas must be a non-empty, non-decreasing list of values >= 0, i.e. in [0, inf)")
    return a


def _common(alphas, q0, r0, t, eigenvalues, fractions, eta, coefficients):
    a = _alphas(alphas)
    lam, f = _spectrum(eigenvalues, fractions)
    q0, r0, t = _states(q0, r0, t, lam.size)
    eta = positive("eta", eta)
    if not callable(coefficients):
        raise ValueError(f"coefficients must be a callable (Q1, R1, T1) -> (A, B, E), got {coefficients!r}")
    return a, q0, r0, t, lam, f, eta


def first_order(x, eigenvalues):
    """First-order overlap Σ_m λ_m x_m of block-resolved ``x`` (L, ...): e.g. Q1 from q.

    >>> first_order(np.ones((2, 1, 1)), [2.0, 0.5]).tolist()
    [[2.5]]
    """
    return np.tensordot(np.asarray(eigenvalues, float), np.asarray(x, float), axes=(0, 0))


# --------------------------------------------------------------------------
# Coefficients and the right-hand side
# --------------------------------------------------------------------------

class _Coefficients:
    """Calls the user's callable, checks shapes and finiteness, counts calls.

    E is replaced by its symmetric part ½(E + Eᵀ): q is symmetric, so only that part can enter, and
    a compiled E may be asymmetric by round-off far above u·|E| when E is a small difference of
    large Gaussian integrals (late in learning).  None stands for non-finite coefficients.
    """

    def __init__(self, fn, K, M):
        self.fn, self.K, self.M, self.calls = fn, K, M, 0

    def __call__(self, Q1, R1, T1):
        self.calls += 1
        out = self.fn(Q1, R1, T1)
        try:
            A, B, E = (np.asarray(x, dtype=float) for x in out)
        except (TypeError, ValueError):
            raise ValueError("coefficients must return three real arrays (A, B, E)") from None
        K, M = self.K, self.M
        if A.shape != (K, K) or B.shape != (K, M) or E.shape != (K, K):
            raise ValueError(f"coefficients must return A ({K}, {K}), B ({K}, {M}), E ({K}, {K}); "
                             f"got {A.shape}, {B.shape}, {E.shape}")
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B)) and np.all(np.isfinite(E))):
            return None
        return A, B, 0.5 * (E + E.T)


def _rhs_arrays(q, r, t, kappa, fk, coef):
    """(dq, dr) for coefficients ``coef`` = (A, B, E); kappa = ηλ, fk = η²λf (per block)."""
    A, B, E = coef
    Br = B @ np.swapaxes(r, 1, 2)
    dr = kappa[:, None, None] * (A @ r + B @ t)
    Aq = A @ q
    dq = kappa[:, None, None] * (Aq + np.swapaxes(Aq, 1, 2) + Br + np.swapaxes(Br, 1, 2)) \
        + fk[:, None, None] * E
    return dq, dr


def block_rhs(q, r, t, eigenvalues, fractions, eta, coefficients, trainable=None):
    """Right-hand side (dq/dα, dr/dα) of the block ODEs, vectorised over the L blocks.

    q (L, K, K), r (L, K, M), t (L, M, M); dr_m = ηλ_m (A r_m + B t_m),
    dq_m = ηλ_m (A q_m + q_m Aᵀ + B r_mᵀ + r_m Bᵀ) + η²λ_m f_m E with (A, B, E) from
    ``coefficients(Q1, R1, T1)``; ``trainable`` (one bool per block) zeroes the rates of frozen
    blocks.  Non-finite coefficients raise ConvergenceError.

    >>> coef = lambda Q1, R1, T1: (-np.eye(1), np.eye(1), np.eye(1))
    >>> dq, dr = block_rhs(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones((1, 1, 1)), [1.0], [1.0],
    ...                    0.5, coef)
    >>> float(dq[0, 0, 0]), float(dr[0, 0, 0])                # η²λf E, ηλ B t
    (0.25, 0.5)
    """
    lam, f = _spectrum(eigenvalues, fractions)
    q, r, t = _states(q, r, t, lam.size)
    eta = positive("eta", eta)
    coef = _Coefficients(coefficients, q.shape[1], t.shape[1])(
        first_order(q, lam), first_order(r, lam), first_order(t, lam))
    if coef is None:
        raise ConvergenceError("coefficients returned non-finite values")
    m = _trainable(trainable, lam.size)
    return _rhs_arrays(q, r, t, eta * lam * m, eta ** 2 * lam * f * m, coef)


# --------------------------------------------------------------------------
# Packed state s_m = (vec r_m, vech q_m) and the linear operator 𝓛(A, B)
# --------------------------------------------------------------------------

class _Layout:
    """Packing of (q, r) into s (L, d), d = KM + K(K+1)/2, and the operator 𝓛 (d×d)."""

    def __init__(self, K, M):
        self.K, self.M = K, M
        self.KM = K * M
        self.iu = np.triu_indices(K)
        self.d = self.KM + len(self.iu[0])
        sel = self.iu[0] * K + self.iu[1]                      # vech rows of vec (row-major)
        dup = np.zeros((K * K, len(sel)))                      # vec q = dup @ vech q
        for p, (i, k) in enumerate(zip(*self.iu)):
            dup[i * K + k, p] = dup[k * K + i, p] = 1.0
        self.sel, self.dup = sel, dup
        self.eyeK, self.eyeM = np.eye(K), np.eye(M)

    def pack(self, q, r):
        return np.concatenate([r.reshape(len(r), self.KM), q[:, self.iu[0], self.iu[1]]], axis=1)

    def unpack(self, s):
        L, K = len(s), self.K
        r = s[:, :self.KM].reshape(L, K, self.M)
        q = np.empty((L, K, K))
        q[:, self.iu[0], self.iu[1]] = s[:, self.KM:]
        q[:, self.iu[1], self.iu[0]] = s[:, self.KM:]
        return q, r

    def overlaps(self, s, lam, T1):
        """(Q1, R1, T1) from the packed state."""
        return self.overlaps_from_first_order(lam @ s, T1)

    def overlaps_from_first_order(self, x, T1):
        """(Q1, R1, T1) from the packed first-order state x = Σ_m λ_m s_m (d,)."""
        Q1 = np.empty((self.K, self.K))
        Q1[self.iu] = x[self.KM:]
        Q1[self.iu[1], self.iu[0]] = x[self.KM:]
        return Q1, x[:self.KM].reshape(self.K, self.M), T1

    def _operator_by_kron(self, A, B):
        """𝓛 = [[A ⊗ 1_M, 0], [P(B rᵀ + r Bᵀ coupling), P(A ⊗ 1 + 1 ⊗ A)D]] (row-major vec)."""
        K, KM = self.K, self.KM
        Lrr = np.kron(A, self.eyeM)
        Lqq = (np.kron(A, self.eyeK) + np.kron(self.eyeK, A))[self.sel] @ self.dup
        # (B rᵀ + r Bᵀ)_{ik} = Σ_n B_in r_kn + r_in B_kn
        Lqr = (np.einsum("in,kj->ikjn", B, self.eyeK) + np.einsum("kn,ij->ikjn", B, self.eyeK))
        Lqr = Lqr.reshape(K * K, KM)[self.sel]
        op = np.zeros((self.d, self.d))
        op[:KM, :KM] = Lrr
        op[KM:, :KM] = Lqr
        op[KM:, KM:] = Lqq
        return op

    def operator(self, A, B):
        """𝓛(A, B), linear in (A, B): one product with the matrix of the map, built once."""
        if not hasattr(self, "_gen"):
            K, M = self.K, self.M
            units = np.eye(K * K + K * M)
            self._gen = np.stack([self._operator_by_kron(u[:K * K].reshape(K, K), u[K * K:].reshape(K, M))
                                  .ravel() for u in units], axis=1)
        d = self.d
        return (self._gen @ np.concatenate([A.ravel(), B.ravel()])).reshape(d, d)

    def forcing(self, B, E, tT, eta_f):
        """b_m = (vec B t_m, η f_m vech E), shape (L, d); tT = t transposed, reshaped (L·M, M)."""
        L = len(eta_f)
        out = np.empty((L, self.d))
        out[:, :self.KM] = (tT @ B.T).reshape(L, self.M, self.K).transpose(0, 2, 1).reshape(L, self.KM)
        np.multiply(eta_f[:, None], E[self.iu][None, :], out=out[:, self.KM:])
        return out


# --------------------------------------------------------------------------
# e^z, φ1, φ2 and the propagator of the frozen linear system
# --------------------------------------------------------------------------

def _phi(z):
    """(e^z, φ1(z), φ2(z)) elementwise; Taylor series for |z| < 1, closed forms otherwise."""
    with np.errstate(over="ignore", invalid="ignore"):
        ez = np.exp(z)
        small = np.abs(z) < 1.0
        p1, p2 = np.empty_like(ez), np.empty_like(ez)
        large = ~small
        zl, el = z[large], ez[large]
        p1[large] = (el - 1.0) / zl
        p2[large] = (el - 1.0 - zl) / (zl * zl)
    if small.any():
        zs = z[small]
        s1 = np.full(zs.shape, 1.0 / math.factorial(_SERIES_TERMS + 1), dtype=z.dtype)
        s2 = np.full(zs.shape, 1.0 / math.factorial(_SERIES_TERMS + 2), dtype=z.dtype)
        for k in range(_SERIES_TERMS - 1, -1, -1):
            s1 = s1 * zs + 1.0 / math.factorial(k + 1)
            s2 = s2 * zs + 1.0 / math.factorial(k + 2)
        p1[small], p2[small] = s1, s2
    return ez, p1, p2


class _Propagator:
    """Solutions of s' = κ_m(𝓛 s + b + (τ/h) Δ) over [0, h] for all blocks: one 𝓛, many κ_m.

    ``solve(h, s0, b, delta)`` = e^{Z} s0 + φ1(Z) hκ b + φ2(Z) hκ Δ, Z = hκ_m 𝓛 (any term may be
    None).  Eigen route: 𝓛 = V diag(μ) V⁻¹, real arithmetic when every μ is real.
    """

    def __init__(self, op, kappa, rtol):
        self.op, self.kappa = op, kappa
        mu, V = np.linalg.eig(op)
        cond = np.linalg.cond(V)
        self.eigen = bool(np.isfinite(cond) and cond * _U <= rtol * EIGEN_MARGIN)
        if self.eigen:
            if not np.any(mu.imag):
                mu, V = mu.real, V.real
            self.mu, self.Vt, self.Wt = mu, V.T, np.linalg.inv(V).T
        self._h, self._phis = None, None

    def _phi_at(self, h):
        if self._h != h:
            self._h, self._phis = h, _phi(np.multiply.outer(h * self.kappa, self.mu))
        return self._phis

    def solve(self, h, s0=None, b=None, delta=None):
        if not self.eigen:
            return self._solve_expm(h, s0, b, delta)
        ez, p1, p2 = self._phi_at(h)
        hk = (h * self.kappa)[:, None]
        acc = 0.0
        with np.errstate(invalid="ignore", over="ignore"):
            if s0 is not None:
                acc = ez * (s0 @ self.Wt)
            if b is not None:
                acc = acc + p1 * ((hk * b) @ self.Wt)
            if delta is not None:
                acc = acc + p2 * ((hk * delta) @ self.Wt)
            out = acc @ self.Vt
        return out.real if np.iscomplexobj(out) else out

    def _solve_expm(self, h, s0, b, delta):
        L, d = len(self.kappa), self.op.shape[0]
        hk = h * self.kappa
        aug = np.zeros((L, d + 2, d + 2))
        aug[:, :d, :d] = hk[:, None, None] * self.op[None]
        if delta is not None:
            aug[:, :d, d] = hk[:, None] * delta
        if b is not None:
            aug[:, :d, d + 1] = hk[:, None] * b
        aug[:, d, d + 1] = 1.0
        with np.errstate(over="ignore", invalid="ignore"):
            X = expm(aug)
            out = X[:, :d, d + 1]
            if s0 is not None:
                out = out + np.einsum("lij,lj->li", X[:, :d, :d], s0)
        return out


# --------------------------------------------------------------------------
# The adaptive exponential integrator
# --------------------------------------------------------------------------

class _System:
    """Everything a step needs: layout, spectrum, t, T1 and the checked coefficient callable."""

    def __init__(self, layout, lam, f, eta, t, coefficients, rtol, trainable=None):
        self.layout, self.lam, self.eta, self.rtol = layout, lam, eta, rtol
        self.tT = np.ascontiguousarray(t.transpose(0, 2, 1)).reshape(-1, layout.M)
        # ds_m/dα = κ_m(𝓛 s_m + b_m): a frozen block (κ_m = 0) keeps its state
        self.kappa, self.eta_f = eta * lam * _trainable(trainable, lam.size), eta * f
        self.T1 = first_order(t, lam)
        self.coefficients = _Coefficients(coefficients, layout.K, layout.M)
        self.expm_fallbacks = 0
        self.eps = None             # an EpsControl when the tolerance is stated in terms of ε_g

    def frozen(self, s):
        """(𝓛, b) at state s, or None if the coefficients are not finite there."""
        coef = self.coefficients(*self.layout.overlaps(s, self.lam, self.T1))
        if coef is None:
            return None
        A, B, E = coef
        return self.layout.operator(A, B), self.layout.forcing(B, E, self.tT, self.eta_f)

    def propagator(self, op):
        prop = _Propagator(op, self.kappa, self.rtol)
        self.expm_fallbacks += not prop.eigen
        return prop


def _pc2_step(system, s0, frozen0, prop0, h, history):
    """(s1, estimate) of the exponential Adams predictor–corrector, or (None, reason)."""
    op0, b0 = frozen0
    drift = None
    if history is not None:
        s_prev, (op_prev, b_prev), h_prev = history
        drift = (h / h_prev) * (b0 - (s_prev @ (op_prev - op0).T + b_prev))
    U = prop0.solve(h, s0, b0, drift)
    if not np.all(np.isfinite(U)):
        return None, "non-finite predictor"
    frozenU = system.frozen(U)
    if frozenU is None:
        return None, "coefficients non-finite at the predictor"
    opU, bU = frozenU
    delta = U @ (opU - op0).T + (bU - b0)
    est = prop0.solve(h, delta=delta if drift is None else delta - drift)
    return U + est, est


def _etd2rk_step(system, s0, frozen0, prop0, h, history=None):
    """(s1, estimate) of the exponential RK2 step, or (None, reason)."""
    op0, b0 = frozen0
    U = prop0.solve(h, s0, b0)
    if not np.all(np.isfinite(U)):
        return None, "non-finite exponential-Euler stage"
    frozenU = system.frozen(U)
    if frozenU is None:
        return None, "coefficients non-finite at the stage"
    opU, bU = frozenU
    delta = U @ (opU - op0).T + (bU - b0)
    est = prop0.solve(h, delta=delta)
    return U + est, est


def _midpoint_step(system, s0, frozen0, prop0, h, history=None):
    """(s1, error estimate) of the exponential midpoint rule, or (None, reason)."""
    op0, b0 = frozen0
    half = prop0.solve(0.5 * h, s0, b0)
    if not np.all(np.isfinite(half)):
        return None, "non-finite half-step predictor"
    frozen_half = system.frozen(half)
    if frozen_half is None:
        return None, "coefficients non-finite at the midpoint"
    op_h, b_h = frozen_half
    prop_h = system.propagator(op_h)
    s1 = prop_h.solve(h, s0, b_h)
    return s1, s1 - prop0.solve(h, s0, b0)


def _pc3_step(system, s0, frozen0, prop0, h, history):
    """pc2 with Milne's correction s1 − (s1 − U)·h/(3(h + h_prev)) (local extrapolation)."""
    s1, est = _pc2_step(system, s0, frozen0, prop0, h, history)
    if s1 is None or history is None:
        return s1, est
    return s1 - est * (h / (3 * (h + history[2]))), est


_STEPPERS = {"pc3": _pc3_step, "pc2": _pc2_step, "etd2rk": _etd2rk_step, "midpoint": _midpoint_step}
#: order in h of each method's local error estimate (sets the step-size exponent)
_ESTIMATE_ORDER = {"pc3": 3, "pc2": 3, "etd2rk": 2, "midpoint": 2}


def _check_controls(rtol, atol, max_steps, first_step, fixed_step, method):
    if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real) \
            or not _RTOL_RANGE[0] <= rtol <= _RTOL_RANGE[1]:
        raise ValueError(f"rtol must be in [{_RTOL_RANGE[0]}, {_RTOL_RANGE[1]}], got {rtol!r}")
    positive("atol", atol)
    if isinstance(max_steps, bool) or not isinstance(max_steps, numbers.Integral) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if first_step is not None:
        positive("first_step", first_step)
    if fixed_step is not None:
        positive("fixed_step", fixed_step)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


class _Run:
    """State of one integration: current α and s, frozen (𝓛, b), history, step size and counters."""

    def __init__(self, system, s, method, rtol, atol, max_steps, fixed_step, end):
        self.system, self.s, self.alpha = system, s, 0.0
        self.step_fn, self.expo = _STEPPERS[method], -1.0 / _ESTIMATE_ORDER[method]
        self.rtol, self.atol, self.max_steps, self.fixed = rtol, atol, max_steps, fixed_step
        self.floor = 16 * _U * end
        self.frozen, self.prop, self.history = self._frozen_at(s), None, None
        self.steps = self.rejected = 0
        self.eps = system.eps
        self.eps_frame = self.eps.at(s) if self.eps is not None and fixed_step is None else None

    def _frozen_at(self, s):
        frozen = self.system.frozen(s)
        if frozen is None:
            raise ConvergenceError(f"coefficients returned non-finite values at alpha = {self.alpha!r}")
        return frozen

    def initial_step(self, end):
        """0.01·|s|/|ds/dα| in the error norm (not below 1000 floors), capped by the span."""
        op0, b0 = self.frozen
        rate = self.system.kappa[:, None] * (self.s @ op0.T + b0)
        scale = self.atol + self.rtol * np.abs(self.s)
        d0, d1 = np.max(np.abs(self.s) / scale), np.max(np.abs(rate) / scale)
        h = 0.01 * max(d0, 1.0) / d1 if d1 > 0 else end
        return max(min(h, end), 1e3 * self.floor)

    def advance_to(self, target, h):
        """Step until α = target exactly; returns the step size proposed for the next step."""
        while self.alpha < target:
            if self.steps + self.rejected >= self.max_steps:
                raise ConvergenceError(f"max_steps = {self.max_steps} steps used up at alpha = "
                                       f"{self.alpha!r} (target {target!r})")
            hs = self._step_towards(target, h)
            if self.prop is None:
                self.prop = self.system.propagator(self.frozen[0])
            usable = self.history is not None and hs <= OMEGA_MAX * self.history[2]
            s1, est = self.step_fn(self.system, self.s, self.frozen, self.prop, hs,
                                   self.history if usable else None)
            err = _error_norm(self.s, s1, est, self.rtol, self.atol) if s1 is not None else math.inf
            eps1 = None
            if self.eps_frame is not None and err <= 1.0:
                err_eps, eps1 = self.eps.error(self.eps_frame, s1, est)
                err = max(err, err_eps)
            if self.fixed is not None:
                if not math.isfinite(err):
                    raise ConvergenceError(f"fixed step {hs!r} failed at alpha = {self.alpha!r}: "
                                           f"{est if s1 is None else 'non-finite state'}")
            elif not err <= 1.0:
                h = self._reject(hs, err, est if s1 is None else None)
                continue
            landed = hs == target - self.alpha
            self._accept(s1, hs, target if landed else self.alpha + hs, eps1)
            if self.fixed is None:
                h_new = hs * min(FACTOR_MAX, max(FACTOR_MIN, SAFETY * max(err, 1e-300) ** self.expo))
                h = max(h_new, h) if landed and hs < h else h_new
        return h

    def _step_towards(self, target, h):
        """h, or the rest up to target when it is at most 1.1 h (1 + 1e-8 for fixed steps), or half
        the rest when that is below 2h: no sliver steps before an output."""
        rest = target - self.alpha
        if rest <= h * (1 + 1e-8 if self.fixed is not None else 1.1):
            return rest
        return rest / 2 if self.fixed is None and rest < 2 * h else h

    def _reject(self, hs, err, reason):
        self.rejected += 1
        factor = SAFETY * err ** self.expo if math.isfinite(err) else FACTOR_MIN
        h = hs * min(1.0, max(FACTOR_MIN, factor))
        if h < self.floor:
            why = reason or f"error estimate {err:.3g} times the tolerance"
            raise ConvergenceError(f"step size {h:.3g} fell below the floor 16u*alpha_end = "
                                   f"{self.floor:.3g} at alpha = {self.alpha!r} ({why})")
        return h

    def _accept(self, s1, hs, alpha, eps1=None):
        self.steps += 1
        self.history = (self.s, self.frozen, hs)
        self.s, self.alpha = s1, alpha
        self.frozen, self.prop = self._frozen_at(s1), None
        if self.eps_frame is not None:
            self.eps_frame = self.eps.at(s1, eps1, alpha)


def integrate_block_odes(alphas, q0, r0, t, eigenvalues, fractions, eta, coefficients, *,
                         rtol=1e-8, atol=1e-12, max_steps=DEFAULT_MAX_STEPS, first_step=None,
                         fixed_step=None, method="pc3", trainable=None, generalization_error=None,
                         eps_rtol=None, eps_atol=None, stop=None) -> BlockTrajectory:
    """Integrate the block ODEs from (q0, r0) at α = 0 and return the state at each of ``alphas``.

    q0 (L, K, K) symmetric, r0 (L, K, M), t (L, M, M) symmetric; ``eigenvalues`` λ_m > 0 and
    ``fractions`` f_m > 0 (Σ f_m = 1) of the L blocks; learning rate ``eta`` > 0;
    ``coefficients(Q1, R1, T1) -> (A, B, E)``.  Adaptive steps with the error estimate kept below
    atol + rtol·|s| in every component of every block (max norm); ``fixed_step`` turns the control
    off (steps of that size, shortened only to land on the requested α).  ``atol`` is absolute in
    block units (block overlaps are O(f_m)): keep L·atol well below the accuracy wanted for
    first-order overlaps.  ``method``: "pc3" (default), "pc2", "etd2rk" or "midpoint" (module
    docstring).  ``first_step`` overrides the initial guess 0.01·|s|/|ds/dα|.  ``trainable``: None
    (all blocks trained) or one bool per block; a frozen block's student weights get no gradient,
    so its (q_m, r_m) stay at their initial values while still entering the first-order overlaps.

    ``stop``: None or a callable ``(Q1, R1, T1) -> bool`` asked at each requested α once it is reached;
    True ends the integration there (the trajectory then holds the α up to that one, the same numbers
    as the full run: the steps do not depend on where it stops).

    ``generalization_error``: None (the default: the state tolerance above only) or a callable
    ``(Q1, R1, T1) -> ε_g``; then the tolerance is also one on ε_g: each step's first-order ε
    error Σ_m |λ_m ∇ε·e_m| must stay below ``eps_rtol``·ε_g + ``eps_atol`` (defaults rtol and 0)
    plus the round-off floor 64u·S_g — relative control of ε_g where it is small, which the state
    tolerance does not give (rtol·S_g/ε_g, module docstring "Tolerance on ε_g").  Observed: the
    reported ε_g within eps_rtol relative over the whole curve, late power-law tail included.
    Raises ValueError for bad input and ConvergenceError on failure (also when ε_g is non-finite
    at an accepted state).

    >>> coef = lambda Q1, R1, T1: (-np.eye(1), np.eye(1), np.zeros((1, 1)))
    >>> tr = integrate_block_odes([2.0], np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones((1, 1, 1)),
    ...                           [1.0], [1.0], 1.0, coef)
    >>> bool(abs(tr.r[0, 0, 0, 0] - (1 - np.exp(-2.0))) < 1e-13)       # r' = t − r exactly
    True
    >>> eps = lambda Q1, R1, T1: 0.5 * (Q1 - 2 * R1 + T1).item()       # ε' = −2ε, ε = ½e^{−2α}
    >>> tr = integrate_block_odes([2.0, 8.0], np.zeros((1, 1, 1)), np.zeros((1, 1, 1)),
    ...                           np.ones((1, 1, 1)), [1.0], [1.0], 1.0, coef, rtol=1e-3,
    ...                           generalization_error=eps)
    >>> rel = [abs(eps(*x) / (0.5 * np.exp(-2 * a)) - 1) for a, *x in zip(tr.alphas, tr.Q1, tr.R1, tr.T1)]
    >>> bool(max(rel) < 1e-3)                                         # relative, though ε(8) ≈ 6e-8
    True
    """
    a, q0, r0, t, lam, f, eta = _common(alphas, q0, r0, t, eigenvalues, fractions, eta, coefficients)
    _check_controls(rtol, atol, max_steps, first_step, fixed_step, method)
    check_eps_controls(generalization_error, eps_rtol, eps_atol, _RTOL_RANGE)
    layout = _Layout(q0.shape[1], t.shape[1])
    system = _System(layout, lam, f, eta, t, coefficients, float(rtol), trainable)
    if generalization_error is not None:
        system.eps = EpsControl(generalization_error, layout, lam, system.T1,
                                float(rtol if eps_rtol is None else eps_rtol),
                                float(eps_atol or 0.0))
    end = float(a[-1])
    run = _Run(system, layout.pack(q0, r0), method, float(rtol), float(atol), max_steps,
               fixed_step, end)
    h = fixed_step or first_step or run.initial_step(end)
    out = np.empty((len(a), len(lam), layout.d))
    for j, target in enumerate(a):
        h = run.advance_to(float(target), h)
        out[j] = run.s
        if stop is not None and stop(*layout.overlaps(run.s, lam, system.T1)):
            a, out = a[:j + 1], out[:j + 1]
            break
    return _trajectory(a, out, layout, lam, system, run.steps, run.rejected, method)


def _error_norm(s0, s1, est, rtol, atol):
    with np.errstate(invalid="ignore", over="ignore"):
        scale = atol + rtol * np.maximum(np.abs(s0), np.abs(s1))
        err = float(np.max(np.abs(est) / scale))
    return err if math.isfinite(err) and np.all(np.isfinite(s1)) else math.inf


def _trajectory(a, packed, layout, lam, system, steps, rejected, method):
    T, L = packed.shape[:2]
    q, r = layout.unpack(packed.reshape(T * L, layout.d))
    q = q.reshape(T, L, layout.K, layout.K)
    r = r.reshape(T, L, layout.K, layout.M)
    Q1 = np.einsum("l,tlij->tij", lam, q)
    R1 = np.einsum("l,tlij->tij", lam, r)
    T1 = np.broadcast_to(system.T1, (T,) + system.T1.shape).copy()
    return BlockTrajectory(a, q, r, Q1, R1, T1, steps, rejected, system.coefficients.calls,
                           system.expm_fallbacks, method)


# --------------------------------------------------------------------------
# Explicit Euler (fixed step), for comparison with public ODE codes
# --------------------------------------------------------------------------

def integrate_block_odes_euler(alphas, q0, r0, t, eigenvalues, fractions, eta, coefficients, *,
                               dt=0.01, trainable=None) -> BlockTrajectory:
    """Explicit Euler with fixed step ``dt`` (shortened only to land on the requested α).

    s ← s + dt · κ(𝓛(s) s + b(s)) on the packed state (the rhs of :func:`block_rhs`), vectorised over
    blocks; first order, and stable only while dt·ηλ_max·|μ|_max < 2 (μ the eigenvalues of 𝓛).
    Non-finite coefficients or state raise ConvergenceError.

    >>> coef = lambda Q1, R1, T1: (-np.eye(1), np.eye(1), np.zeros((1, 1)))
    >>> tr = integrate_block_odes_euler([1.0], np.zeros((1, 1, 1)), np.zeros((1, 1, 1)),
    ...                                 np.ones((1, 1, 1)), [1.0], [1.0], 1.0, coef, dt=0.5)
    >>> float(tr.r[0, 0, 0, 0]), tr.steps                        # 0 → 0.5 → 0.75
    (0.75, 2)
    """
    a, q, r, t, lam, f, eta = _common(alphas, q0, r0, t, eigenvalues, fractions, eta, coefficients)
    dt = positive("dt", dt)
    layout = _Layout(q.shape[1], t.shape[1])
    system = _System(layout, lam, f, eta, t, coefficients, rtol=_RTOL_RANGE[1], trainable=trainable)
    s, kappa = layout.pack(q, r), system.kappa[:, None]
    out = np.empty((len(a), len(lam), layout.d))
    alpha, steps = 0.0, 0
    for j, target in enumerate(a):
        n = math.ceil((target - alpha) / dt * (1 - 1e-12)) if target > alpha else 0
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(n):
                h = dt if i < n - 1 else target - alpha - (n - 1) * dt
                frozen = system.frozen(s)
                if frozen is None or (i % 1024 == 1023 and not np.all(np.isfinite(s))):
                    raise ConvergenceError(f"explicit Euler (dt = {dt}) produced non-finite "
                                           f"coefficients or state at alpha = {alpha + i * dt!r}")
                s = s + h * kappa * (s @ frozen[0].T + frozen[1])
        steps, alpha = steps + n, (target if n else alpha)
        if not np.all(np.isfinite(s)):
            raise ConvergenceError(f"explicit Euler (dt = {dt}) diverged before alpha = {target!r}")
        out[j] = s
    return _trajectory(a, out, layout, lam, system, steps, 0, "euler")
