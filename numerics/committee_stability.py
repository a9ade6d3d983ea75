"""Learning-rate stability limit of online SGD at the perfect solution (block ODEs, K = M).

The block ODEs (``derive.committee_odes``) are ds_m/dα = ηλ_m[𝓛(x) s_m + b_m(x; η)] with
s_m = (r_m, q_m), x the first-order overlaps (Q1, R1) and b_m = (B t_m, ηf_m E).  At the perfect
solution s_m* = (t_m, t_m) the Jacobian is a block-diagonal part D = diag(ηλ_m 𝓛*) plus a coupling
of rank p = dim x through x = Σ_m λ_m P s_m:

    J = D + U Vᵀ,  U_m = ηλ_m g_m,  g_m = ∂_x[𝓛(x) s_m* + b_m(x; η)],  V_m = λ_m Pᵀ.

With D invertible, J is singular iff det(I_p + Vᵀ D⁻¹ U) = det(I_p + Σ_m λ_m P 𝓛*⁻¹ g_m) = 0
(matrix determinant lemma).  g_m = g⁰_m + η f_m gᴱ_m is affine in η, so the learning rates at which
a real eigenvalue of J crosses zero solve the generalised eigenproblem (I + M₀)v = −η M₁ v; the
stability limit is the smallest positive one.  (A complex pair crossing the imaginary axis is not
detected by this criterion; for the linear student it reproduces the exact 2/Σ_m f_mλ_m.)

>>> import numpy as np
>>> def linear(Q1, R1, T1):                    # K = M = 1, g(x) = x, no noise
...     eps = 0.5 * (Q1.sum() - 2 * R1.sum() + T1.sum())
...     return -np.ones((1, 1)), np.ones((1, 1)), 2 * eps * np.ones((1, 1))
>>> lam, f = np.array([3.0, 1.0, 0.5]), np.array([0.2, 0.3, 0.5])
>>> t = (f)[:, None, None] * np.ones((3, 1, 1))
>>> bool(abs(perfect_solution_limit(linear, t, lam, f) - 2 / float(f @ lam)) < 1e-8)
True
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import eig

__all__ = ["perfect_solution_limit", "SoftModeError"]


class SoftModeError(ValueError):
    """The block operator at the perfect solution is singular: no isolated perfect solution."""

_STEP = 1e-6          # central differences of the coefficients in the first-order overlaps


def _pack(q, r):
    K = q.shape[-1]
    iu = np.triu_indices(K)
    return np.concatenate([r.reshape(r.shape[:-2] + (-1,)), q[..., iu[0], iu[1]]], axis=-1)


def _unpack(s, K, M):
    r = s[..., :K * M].reshape(s.shape[:-1] + (K, M))
    iu = np.triu_indices(K)
    q = np.zeros(s.shape[:-1] + (K, K))
    q[..., iu[0], iu[1]] = s[..., K * M:]
    q[..., iu[1], iu[0]] = s[..., K * M:]
    return q, r


def _operator(A, B, K, M):
    """𝓛 as a d×d matrix: s = (r, q) ↦ (A r, A q + q Aᵀ + B rᵀ + r Bᵀ)."""
    d = K * M + K * (K + 1) // 2
    out = np.empty((d, d))
    for j in range(d):
        q, r = _unpack(np.eye(d)[j], K, M)
        out[:, j] = _pack(A @ q + q @ A.T + B @ r.T + r @ B.T, A @ r)
    return out


def _forcing(A, B, E, t, q, r, f, eta_power):
    """Packed 𝓛 s + b for every block (eta_power 0: the O(η⁰) part; 1: the E part per unit η)."""
    if eta_power == 0:
        return _pack(A @ q + q @ np.swapaxes(A, -1, -2) + B @ np.swapaxes(r, -1, -2) + r @ B.T, A @ r + B @ t)
    zeros = np.zeros_like(r)
    return _pack(f[:, None, None] * E, zeros)


def perfect_solution_limit(coefficients, t, eigenvalues, fractions):
    """The smallest η > 0 at which the Jacobian at the perfect solution gets a zero eigenvalue.

    ``coefficients(Q1, R1, T1) -> (A, B, E)`` (noise-free), ``t`` (L, M, M) the teacher's block
    overlaps, ``eigenvalues``/``fractions`` of the L blocks.  Returns ``inf`` when no crossing exists.
    Raises :class:`SoftModeError` (a ValueError) when the block operator 𝓛* at the perfect solution is singular (a soft mode,
    e.g. K > M, where this criterion does not apply).
    """
    t = np.asarray(t, float)
    lam, f = np.asarray(eigenvalues, float), np.asarray(fractions, float)
    L, M = t.shape[0], t.shape[-1]
    K = M
    T1 = np.einsum("m,mab->ab", lam, t)
    A, B, _ = coefficients(T1, T1, T1)
    op = _operator(A, B, K, M)
    if np.linalg.cond(op) > 1e12:
        raise SoftModeError("the block operator at the perfect solution is singular (soft mode): the "
                         "stability criterion needs K = M with an isolated perfect solution")
    iu = np.triu_indices(K)
    p = K * (K + 1) // 2 + K * M
    g0, gE = np.zeros((L, K * M + len(iu[0]), p)), np.zeros((L, K * M + len(iu[0]), p))
    for j in range(p):
        direction = np.zeros(p)
        direction[j] = 1.0
        dQ, dR = _unpack(np.r_[direction[len(iu[0]):], direction[:len(iu[0])]], K, M)
        plus = coefficients(T1 + _STEP * dQ, T1 + _STEP * dR, T1)
        minus = coefficients(T1 - _STEP * dQ, T1 - _STEP * dR, T1)
        for power, g in ((0, g0), (1, gE)):
            g[:, :, j] = (_forcing(*plus, t, t, t, f, power) - _forcing(*minus, t, t, t, f, power)) / (2 * _STEP)
    # P reads x = (upper Q1, R1) from a packed block state (r, upper q)
    P = np.zeros((p, K * M + len(iu[0])))
    P[:len(iu[0]), K * M:] = np.eye(len(iu[0]))
    P[len(iu[0]):, :K * M] = np.eye(K * M)
    solve = np.linalg.solve(op, np.concatenate([g0, gE], axis=2).transpose(1, 0, 2).reshape(op.shape[0], -1))
    solve = solve.reshape(op.shape[0], L, 2 * p).transpose(1, 0, 2)
    M0 = np.einsum("m,ad,mdj->aj", lam, P, solve[:, :, :p])
    M1 = np.einsum("m,ad,mdj->aj", lam, P, solve[:, :, p:])
    roots = eig(np.eye(p) + M0, -M1, right=False)
    real = [z.real for z in roots if np.isfinite(z) and abs(z.imag) <= 1e-9 * max(1.0, abs(z)) and z.real > 0]
    return min(real) if real else np.inf
