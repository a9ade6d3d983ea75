"""Two-time self-consistency of the mean-field theory: the test error of Langevin-trained random features.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1
(K-6, K-7).  With the responses R_j and the kernel ρ = δ − ρ̃ of (K-3, K-4)
(:func:`numerics.dmft_volterra.solve_response`), the error covariance C(t, t') = Σ_j Λ_j⟨Δ_j(t)Δ_j(t')⟩
solves the linear equation

    C(t,t') = Σ_j Λ_j [ v_j m_j(t) m_j(t') + c²PΛ_j (K_j (C + σ²11ᵀ) K_jᵀ)(t,t')
                        + (2/β) ∫_0^{min(t,t')} R_j(t−u) R_j(t'−u) du ],                (K-6, K-7)

m_j(t) = −(R_j(t) + g∫_0^t R_j) (mean discrepancy per unit teacher weight), K_j = R_j ∗ ρ (the
composed convolution), v_j the teacher variance of mode j, σ² the label-noise variance.  The test
error is ε(t) = C(t, t) = bias + data-sampling/label-noise variance + Langevin variance.

Discretisation: on the grid t_k = kh every convolution becomes a lower-triangular matrix with
trapezoid weights, (f∗x)(t_k) ≈ h Σ_{l<=k} w_kl f[k−l] x[l] (w = ½ at l = 0 and l = k), so
K_j ≈ A_j = T_{R_j}(I − T_ρ̃), and C = B + Σ_j γ_j A_j C A_jᵀ (γ_j = c²PΛ_j²).  Row k of this equation
involves rows a <= k of C only; its diagonal part A_j[k,k] = (h/2)(1 − hρ̃(0)/2) is the same for all
j and k >= 1, so the rows are found one after the other, each by one triangular solve with
I − (h/2)(1 − hρ̃(0)/2)Σ_j γ_j A_j: a direct (non-iterative) solution, O(N n³) in all.

>>> out = two_time_test_error([1.0, 0.5], P=3, weight_decay=0.1, beta=10.0, loss_scale=1.0,
...                           teacher_variances=1.0, noise_variance=0.0, dt=0.02, t_max=1.0)
>>> float(out.total[0]), float(out.bias[0])                 # w(0) = 0: ε(0) = Σ_j Λ_j v_j
(1.5, 1.5)
>>> bool(np.allclose(out.C, out.C.T, rtol=0, atol=1e-13))
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from numerics.dmft_volterra import (MAX_RATE_STEP, ResponseSolution, _check_number, _eigenvalues, _steps,
                                    fastest_rate, solve_response)
from numerics.validate import finite, nonnegative, positive

__all__ = ["TwoTimeSolution", "two_time_test_error", "convolution_matrix"]

#: guard on the stored N·(n+1)² matrix elements (two such arrays are held)
MAX_TWO_TIME_ELEMENTS = 25_000_000


@dataclass(frozen=True)
class TwoTimeSolution:
    """Grid solution of (K-6, K-7); one-time arrays over ``times``, ``C`` of shape (n+1, n+1).

    ``total`` = C(t, t); ``bias`` = Σ_j Λ_j v_j m_j(t)²; ``dmft_langevin`` = (2/β)Σ_j Λ_j ∫_0^t R_j²;
    ``variance_data`` = total − bias − dmft_langevin (data sampling and label noise).
    """

    times: np.ndarray
    C: np.ndarray
    total: np.ndarray
    bias: np.ndarray
    dmft_langevin: np.ndarray
    variance_data: np.ndarray
    response: ResponseSolution


def convolution_matrix(f, dt) -> np.ndarray:
    """Lower-triangular matrix M of the trapezoidal convolution: (M x)[k] ≈ ∫_0^{t_k} f(t_k − s) x(s) ds.

    M[k, l] = dt·w_kl·f[k − l] with w = ½ at l = 0 and l = k, 1 in between (row 0 is zero).
    ``f`` of shape (..., n+1) gives (..., n+1, n+1).

    >>> convolution_matrix(np.ones(3), 1.0) @ np.ones(3)        # ∫_0^t 1 ds
    array([0., 1., 2.])
    """
    f = np.asarray(f, dtype=float)
    n1 = f.shape[-1]
    k, l = np.indices((n1, n1))
    w = np.where(l <= k, 1.0, 0.0)
    w[:, 0] *= 0.5
    w[np.arange(n1), np.arange(n1)] *= 0.5
    w[0, 0] = 0.0
    return dt * w * f[..., np.clip(k - l, 0, None)]


def _cumulative_trapezoid(y, dt):
    """∫_0^{t_k} y along the last axis (trapezoid), starting at 0."""
    out = np.zeros_like(y)
    out[..., 1:] = np.cumsum(0.5 * dt * (y[..., 1:] + y[..., :-1]), axis=-1)
    return out


def _langevin_kernel(R, lam, dt):
    """L(t_k, t_l) = Σ_j Λ_j ∫_0^{min} R_j(t_k − u) R_j(t_l − u) du by the trapezoid rule in u.

    For k = l + d the integral is ∫_0^{t_l} R(t_d + v) R(v) dv: one cumulative sum per lag d.
    """
    n1 = R.shape[1]
    L = np.zeros((n1, n1))
    lR = lam[:, None] * R
    for d in range(n1):
        prod = np.einsum("jv,jv->v", R[:, d:], lR[:, :n1 - d])        # Σ_j Λ_j R_j[d+v] R_j[v]
        val = dt * (np.cumsum(prod) - 0.5 * prod[0] - 0.5 * prod)
        idx = np.arange(n1 - d)
        L[idx + d, idx] = val
        L[idx, idx + d] = val
    return L


def _teacher_variances(value, N):
    v = finite("teacher_variances", value)                # complex: refused, not cut to its real part
    if v.ndim == 0:
        v = np.full(N, float(v))
    if v.shape != (N,):
        raise ValueError(f"teacher_variances must be a scalar or have shape ({N},) (one per mode), "
                         f"got shape {v.shape}")
    if np.any(v < 0):
        raise ValueError("teacher_variances must be finite and >= 0")
    return v


def _beta(value):
    return positive("beta", value, allow_inf=True)


def _noise_variance(value):
    return nonnegative("noise_variance", value)


def _check_grid(eigenvalues, P, weight_decay, loss_scale, dt, t_max, N):
    """Resolution with g included (g enters the trapezoid integrals of C) and the size guard."""
    _check_number(dt, "dt")
    _check_number(t_max, "t_max")
    dt = positive("dt", dt)
    rate = fastest_rate(eigenvalues, P, weight_decay, loss_scale)
    if rate * dt > MAX_RATE_STEP:
        raise ValueError(f"dt={dt!r} does not resolve the fastest mode of the two-time equation: "
                         f"(g + cPΛ_max(1 + √(N/P))²)·dt = {rate * dt:.4g} > {MAX_RATE_STEP} "
                         f"(trapezoidal-rule accuracy limit); use dt <= {MAX_RATE_STEP / rate:.4g}")
    t_max = float(t_max)
    if math.isfinite(t_max) and t_max >= 0:
        n1 = _steps(dt, t_max) + 1
        if N * n1 * n1 > MAX_TWO_TIME_ELEMENTS:
            raise ValueError(f"N·(n+1)² = {N * n1 * n1:.3g} matrix elements is too much "
                             f"(limit {MAX_TWO_TIME_ELEMENTS:.3g}); raise dt or lower t_max")


def _march_rows(A, gamma, B, diag):
    """Solve C = B + Σ_j γ_j A_j C A_jᵀ row by row (A_j lower triangular, A_j[k,k] = diag for k >= 1)."""
    N, n1, _ = A.shape
    gA = A * gamma[:, None, None]
    wide = gA.transpose(1, 0, 2).reshape(n1, N * n1)       # Σ_j γ_j A_j y_j = wide @ vec(y)
    M = np.eye(n1) - diag * gA.sum(axis=0)                 # lower triangular
    C = np.zeros_like(B)
    C[0] = B[0]                                            # A_j[0, :] = 0
    for k in range(1, n1):
        Y = A[:, k, :k] @ C[:k]                            # (N, n1): Σ_{a<k} A_j[k,a] C[a,:]
        rhs = B[k] + wide @ Y.reshape(N * n1)
        C[k] = solve_triangular(M, rhs, lower=True, check_finite=False)
    return C


def two_time_test_error(eigenvalues, P, weight_decay, beta, loss_scale, teacher_variances,
                        noise_variance, dt, t_max, method="direct") -> TwoTimeSolution:
    """Error covariance C(t, t') from the two-time self-consistency (K-6, K-7), and the test error.

    The responses come from :func:`~numerics.dmft_volterra.solve_response` on the grid 0, dt, …
    (``method`` passed on; here the step must resolve g too:
    (g + cPΛ_max(1 + √(N/P))²)·dt <= MAX_RATE_STEP, because the trapezoid integrals of C, unlike the
    response, do not treat e^{−gt} exactly); the linear equation for C is solved
    directly, row by row (see the module docstring).  ``teacher_variances``: v_j per mode (array)
    or one value (isotropic teacher); ``beta = inf``: gradient flow (no Langevin term).  Second
    order in dt.  Raises ValueError for bad arguments (naming them), for an unresolved step (the
    message suggests a dt) and for grids with N·(n+1)² > MAX_TWO_TIME_ELEMENTS.

    >>> out = two_time_test_error([1.0], P=50, weight_decay=0.0, beta=np.inf, loss_scale=0.02,
    ...                           teacher_variances=1.0, noise_variance=0.0, dt=0.05, t_max=1.0)
    >>> S = solve_response([1.0], P=50, weight_decay=0.0, loss_scale=0.02, dt=0.05, t_max=2.0).S
    >>> round(float(out.total[-1]), 4), round(float(S[-1]), 4)   # isotropic teacher: ε(t) = S(2t)
    (0.1407, 0.1407)
    >>> round(float(out.bias[-1]), 4)                            # bias R(t)² < ε(t): data variance
    0.138
    """
    beta = _beta(beta)
    s2 = _noise_variance(noise_variance)
    N = _eigenvalues(eigenvalues).size
    v = _teacher_variances(teacher_variances, N)
    _check_grid(eigenvalues, P, weight_decay, loss_scale, dt, t_max, N)
    sol = solve_response(eigenvalues, P, weight_decay, loss_scale, dt, t_max, method=method)
    lam, R, h, g, c, P = sol.eigenvalues, sol.R, sol.dt, sol.weight_decay, sol.loss_scale, sol.P
    n1 = R.shape[1]
    T_R = convolution_matrix(R, h)                                   # (N, n1, n1)
    rho_op = np.eye(n1) - convolution_matrix(sol.rho_tilde, h)       # ρ = δ − ρ̃
    A = (T_R.reshape(N * n1, n1) @ rho_op).reshape(N, n1, n1)        # K_j = R_j ∗ ρ
    del T_R
    gamma = c * c * P * lam ** 2                                     # Λ_j · c²PΛ_j
    m = -(R + g * _cumulative_trapezoid(R, h))
    B = (m.T * (lam * v)) @ m
    if s2 > 0:
        K1 = A.sum(axis=2)                                           # (K_j 1)(t)
        B += s2 * (K1.T * gamma) @ K1
    langevin = np.zeros((n1, n1)) if math.isinf(beta) else (2.0 / beta) * _langevin_kernel(R, lam, h)
    B += langevin
    diag = 0.5 * h * (1.0 - 0.5 * h * sol.rho_tilde[0])             # A_j[k, k], k >= 1
    C = _march_rows(A, gamma, B, diag)
    total = np.diag(C).copy()
    bias = (lam * v) @ m ** 2
    dmft_langevin = np.diag(langevin).copy()
    return TwoTimeSolution(times=sol.times, C=C, total=total, bias=bias, dmft_langevin=dmft_langevin,
                           variance_data=total - bias - dmft_langevin, response=sol)
