"""Online SGD of the readout of a random-feature student, and its exact ODE solution.

Model (catalogue entry ``online-random-features``; Worschech & Rosenow, arXiv:2303.14083, sheet §4a).
A frozen first layer W (K×N) and a trainable readout v (K):

    σ(ξ) = Σ_k v_k g(x_k),  x_k = W_k·ξ/√N;   teacher ζ(ξ) = Σ_n g(y_n),  y_n = B_n·ξ/√N;
    one step with a fresh ξ ~ N(0, I_N):  v ← v + (η/N)(ζ + σ_ε χ − σ) g(x),   α = steps/N.

With the population moments C_kl = E[g(x_k)g(x_l)], b_k = E[g(x_k)ζ], T₀ = E[ζ²] (fixed, because
W and B are frozen) the error is ε_g(v) = ½(vᵀCv − 2vᵀb + T₀) (clean labels), its minimum
ε_∞ = ½(T₀ − bᵀC⁻¹b) at v* = C⁻¹b, and in the limit N → ∞ (K/N fixed, η fixed):

    mean readout        d⟨v⟩/dα = η(b − C⟨v⟩)                     (exact at every N, up to (1 − ηC/N)^{αN} → e^{−ηCα})
    mode errors         dε_a/dα = −2ηc_a ε_a + (η²/N) c_a² (ε_g + σ_ε²/2),   ε_g = ε_∞ + Σ_a ε_a,

c_a the eigenvalues of C, ε_a = ½c_a⟨(u_aᵀ(v − v*))²⟩.  With x_a = ε_a/c_a the generator
G = −2η diag(c) + (η²/N) c cᵀ is symmetric, so the curve is exact by one eigendecomposition.
The plateau is ε_g(∞) = (ε_∞ + aσ_ε²/2)/(1 − a), a = η tr C/(2N), stable for η < 2N/tr C.

This module takes plain callables: ``pair_expectation(c11, c12, c22)`` = E[g(u1)g(u2)] for
(u1, u2) ~ N(0, [[c11, c12], [c12, c22]]) and the activation ``g`` (both compiled from SymPy in
the derivation).

>>> import numpy as np
>>> C, b = np.array([[1.0, 0.2], [0.2, 1.0]]), np.array([0.5, 0.1])
>>> round(asymptotic_error(C, b, 1.0), 12)      # ½(1 − bᵀC⁻¹b)
0.375
>>> float(readout_error(optimal_readout(C, b), C, b, 1.0)) == asymptotic_error(C, b, 1.0)
True
"""
from __future__ import annotations

import math

import numpy as np

from numerics.validate import finite, nonnegative, positive

__all__ = ["population_moments", "optimal_readout", "readout_error", "asymptotic_error", "stability_limit",
           "plateau_error", "mean_readout_curve", "readout_error_curve", "simulate_readout_sgd"]


def _moments(C, b):
    C, b = finite("C", C), finite("b", b)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or b.shape != (C.shape[0],):
        raise ValueError(f"C must be K×K and b of length K, got {C.shape} and {b.shape}")
    if not np.allclose(C, C.T, rtol=0, atol=1e-12 * max(1.0, np.abs(C).max())):
        raise ValueError("C must be symmetric")
    return C, b


def population_moments(W, B, pair_expectation):
    """(C, b, T₀): C_kl = I2(Q_kk, Q_kl, Q_ll), b_k = Σ_n I2(Q_kk, R_kn, T_nn), T₀ = Σ_nm I2(T_nn, T_nm, T_mm)
    with Q = WWᵀ/N, R = WBᵀ/N, T = BBᵀ/N and I2 = ``pair_expectation``.

    >>> import numpy as np
    >>> W, B = np.eye(2) * np.sqrt(2), np.full((1, 2), np.sqrt(2))
    >>> C, b, T0 = population_moments(W, B, lambda a, c, d: c)      # linear g: I2 = C12
    >>> np.round(C, 12).tolist(), np.round(b, 12).tolist(), round(T0, 12)
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0], 2.0)
    """
    W, B = finite("W", W), finite("B", B)
    if W.ndim != 2 or B.ndim != 2 or W.shape[1] != B.shape[1]:
        raise ValueError(f"W (K×N) and B (M×N) must share N, got {W.shape} and {B.shape}")
    N = W.shape[1]
    Q, R, T = W @ W.T / N, W @ B.T / N, B @ B.T / N
    q, t = np.diag(Q), np.diag(T)
    C = pair_expectation(q[:, None], Q, q[None, :])
    C = (C + C.T) / 2
    b = pair_expectation(q[:, None], R, t[None, :]).sum(axis=1)
    T0 = float(pair_expectation(t[:, None], T, t[None, :]).sum())
    return C, b, T0


def _cholesky(C):
    try:
        return np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        raise ValueError("C must be positive definite (the features are linearly dependent)") from None


def optimal_readout(C, b):
    """v* = C⁻¹b (Cholesky; raises ValueError if C is not positive definite)."""
    C, b = _moments(C, b)
    L = _cholesky(C)
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def readout_error(v, C, b, T0):
    """ε_g(v) = ½(vᵀCv − 2vᵀb + T₀); ``v`` may hold readouts in its rows (…, K)."""
    C, b = _moments(C, b)
    v = finite("v", v)
    return 0.5 * (np.einsum("...k,kl,...l->...", v, C, v) - 2 * v @ b + float(T0))


def asymptotic_error(C, b, T0):
    """ε_∞ = ½(T₀ − bᵀC⁻¹b), the error of the population-optimal readout."""
    C, b = _moments(C, b)
    L = _cholesky(C)
    y = np.linalg.solve(L, b)
    return 0.5 * (float(T0) - float(y @ y))


def stability_limit(C, N):
    """η_max = 2N/tr C: the plateau (and the mode-error ODE) is stable iff η < η_max."""
    C = finite("C", C)
    return 2 * positive("N", N) / float(np.trace(C))


def plateau_error(C, b, T0, eta, N, noise_variance=0.0):
    """ε_g(α → ∞) = (ε_∞ + aσ_ε²/2)/(1 − a), a = η tr C/(2N); raises for η ≥ η_max."""
    eta, N = positive("eta", eta), positive("N", N)
    noise = nonnegative("noise_variance", noise_variance)
    limit = stability_limit(C, N)
    if eta >= limit:
        raise ValueError(f"eta must be < 2N/tr C = {limit:.6g} (stability limit), got {eta!r}")
    a = eta / limit
    return (asymptotic_error(C, b, T0) + a * noise / 2) / (1 - a)


def _alphas(alphas):
    alphas = finite("alphas", np.atleast_1d(alphas))
    if alphas.ndim != 1 or np.any(alphas < 0):
        raise ValueError("alphas must be a 1-D array of times >= 0")
    return alphas


def mean_readout_curve(alphas, v0, C, b, eta):
    """⟨v⟩(α) = v* + U e^{−ηΛα} Uᵀ(v0 − v*), C = UΛUᵀ: rows are the times."""
    C, b = _moments(C, b)
    alphas, eta = _alphas(alphas), positive("eta", eta)
    v0 = finite("v0", v0)
    vstar = optimal_readout(C, b)
    lam, U = np.linalg.eigh(C)
    coeff = U.T @ (v0 - vstar)
    return vstar + (np.exp(-eta * np.outer(alphas, lam)) * coeff) @ U.T


def readout_error_curve(alphas, v0, C, b, T0, eta, N, noise_variance=0.0):
    """(ε_g(α), ε_g(⟨v⟩(α))): the mode-error ODE solved exactly, and the error of the mean readout.

    x_a = ε_a/c_a obeys dx/dα = Gx + h, G = −2η diag(c) + (η²/N)ccᵀ, h = (η²/N)c(ε_∞ + σ_ε²/2);
    G is symmetric, x(α) = x* + V e^{γα} Vᵀ(x(0) − x*), x* = −G⁻¹h.

    >>> import numpy as np
    >>> C, b = np.diag([1.0, 0.5]), np.array([0.3, 0.2])
    >>> e, e_mean = readout_error_curve([0.0, 1e3], np.zeros(2), C, b, 1.0, 0.1, 100)
    >>> bool(np.isclose(e[1], plateau_error(C, b, 1.0, 0.1, 100), rtol=1e-12))
    True
    """
    C, b = _moments(C, b)
    alphas, eta, N = _alphas(alphas), positive("eta", eta), positive("N", N)
    noise = nonnegative("noise_variance", noise_variance)
    limit = stability_limit(C, N)
    if eta >= limit:
        raise ValueError(f"eta must be < 2N/tr C = {limit:.6g} (stability limit), got {eta!r}")
    eps_inf = asymptotic_error(C, b, T0)
    c, U = np.linalg.eigh(C)
    e0 = U.T @ (finite("v0", v0) - optimal_readout(C, b))
    x0 = e0**2 / 2
    G = -2 * eta * np.diag(c) + eta**2 / N * np.outer(c, c)
    h = eta**2 / N * c * (eps_inf + noise / 2)
    gam, V = np.linalg.eigh(G)
    if np.any(gam >= 0):
        raise ValueError("the mode-error ODE has a non-decaying mode (eta at or beyond the stability limit)")
    xstar = -V @ ((V.T @ h) / gam)
    x = xstar + (np.exp(np.outer(alphas, gam)) * (V.T @ (x0 - xstar))) @ V.T
    curve = eps_inf + x @ c
    mean_part = eps_inf + 0.5 * (np.exp(-2 * eta * np.outer(alphas, c)) * e0**2) @ c
    return curve, mean_part


def simulate_readout_sgd(rng, W, B, v0, g, eta, steps, n_seeds, noise_variance=0.0, chunk=64):
    """Vectorised online SGD of the readout, ``n_seeds`` independent input streams from the same v0.

    Returns the readouts after each number of steps in ``steps`` (increasing integers), shape
    (len(steps), n_seeds, K).  ``g`` is the activation (a vectorised callable); the teacher output
    is Σ_n g(B_n·ξ/√N), the label ζ + √noise_variance·χ.  The fields of a chunk of steps are one
    matrix product (W is frozen); the readout updates are then applied in order.
    """
    W, B = finite("W", W), finite("B", B)
    K, N = W.shape
    eta = positive("eta", eta)
    noise_sd = math.sqrt(nonnegative("noise_variance", noise_variance))
    steps = np.asarray(steps)
    if steps.ndim != 1 or np.any(steps < 0) or np.any(np.diff(steps) <= 0) or steps.dtype.kind not in "iu":
        raise ValueError("steps must be increasing non-negative integers")
    if int(n_seeds) < 1:
        raise ValueError(f"n_seeds must be >= 1, got {n_seeds!r}")
    n_seeds = int(n_seeds)
    proj = np.concatenate([W, B]).T / math.sqrt(N)            # N × (K + M)
    V = np.broadcast_to(finite("v0", v0), (n_seeds, K)).copy()
    out = np.empty((len(steps), n_seeds, K))
    done, rate = 0, eta / N
    for j, target in enumerate(steps):
        while done < target:
            n = min(chunk, int(target) - done)
            xi = rng.standard_normal((n * n_seeds, N))
            fields = g(xi @ proj).reshape(n, n_seeds, -1)
            phi, label = fields[..., :K], fields[..., K:].sum(axis=-1)
            if noise_sd:
                label = label + noise_sd * rng.standard_normal(label.shape)
            for s in range(n):
                err = label[s] - np.einsum("sk,sk->s", V, phi[s])
                V += rate * err[:, None] * phi[s]
            done += n
        out[j] = V
    return out
