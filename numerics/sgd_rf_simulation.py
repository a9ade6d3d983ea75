"""One-pass SGD of random-feature regression, simulated step by step (the model of arXiv:2402.01092, Sec. 2).

Features ψ ~ N(0, Λ), labels y = w̄·ψ + ε (ε ~ N(0, σ²)), a fixed projection A (N×M, i.i.d. N(0, 1)), the student
f(ψ) = w·φ with φ = Aψ/√N, and one-pass SGD from w = 0: every step B fresh samples,
w ← w − (h/B) Σ_b φ_b(φ_b·w − y_b).  The recorded loss is the test MSE of the current w, exactly (not sampled):
L(w) = ‖Aᵀw/√N − w̄‖²_Λ + σ².

Two samplers of the same process:

* :func:`one_pass_sgd_direct` draws ψ and ε and trains w ∈ R^N (cost B·N·M per step);
* :func:`one_pass_sgd` draws the features in the eigenbasis of Σ = AΛAᵀ/N: (φ, y) is jointly Gaussian, so
  y = β·φ + ξ with β = Σ⁺AΛw̄/√N the best linear predictor and ξ ~ N(0, r + σ²) independent of φ,
  r = ‖Λ^{1/2}w̄‖² − βᵀΣβ.  In that basis φ_i ~ N(0, μ_i) independently and the deviation e = w − β is trained
  at cost B·N per step — an exact change of variables (the tests compare the two samplers), no closure.

>>> rng = np.random.default_rng(0)
>>> A = rng.standard_normal((3, 5))
>>> mu, b, r = feature_problem(np.ones(5), np.ones(5), A)
>>> bool(np.isclose(np.sum(mu * b * b) + r, 5.0))                  # ‖Λ^{1/2}w̄‖² = βᵀΣβ + r
True
"""
from __future__ import annotations

import numpy as np

from numerics.validate import finite, nonnegative, positive, positive_int

__all__ = ["feature_problem", "one_pass_sgd", "one_pass_sgd_direct", "simulate_one_pass_sgd"]


def _steps(steps):
    n = np.atleast_1d(np.asarray(steps))
    if n.ndim != 1 or n.size < 1 or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError("steps must be a non-empty 1-D array of non-negative whole numbers")
    return n.astype(int)


def feature_problem(eigenvalues, teacher, A):
    """(μ, b, r) of one projection A: the nonzero eigenvalues μ of Σ = AΛAᵀ/N, the best predictor β in their
    eigenbasis (b_i), and the width-limited error r = ‖(I − Π)Λ^{1/2}w̄‖² (Π the projector onto the row space
    of AΛ^{1/2}), from one thin SVD of AΛ^{1/2}/√N."""
    lam, w = finite("eigenvalues", eigenvalues), finite("teacher", teacher)
    A = finite("A", A)
    if A.ndim != 2 or A.shape[1] != lam.size or w.shape != lam.shape:
        raise ValueError("A must be N×M with M = len(eigenvalues) = len(teacher)")
    u = np.sqrt(lam) * w
    U, S, Qt = np.linalg.svd(A * np.sqrt(lam) / np.sqrt(A.shape[0]), full_matrices=False)
    keep = S > S.max() * 1e-12
    coords = Qt[keep] @ u
    residual = u - Qt[keep].T @ coords
    return S[keep] ** 2, coords / S[keep], float(residual @ residual)


def one_pass_sgd(rng, mu, b, noise, steps, step_size, batch, runs):
    """Test losses (runs × len(steps)) of one-pass SGD in the eigenbasis of Σ: e = w − β from e₀ = −b, each step
    e ← e − (h/B)Σ_b φ_b(φ_b·e − ξ_b) with φ_{b,i} ~ N(0, μ_i), ξ_b ~ N(0, ``noise`` = r + σ²); loss Σ μ_i e_i² + noise.

    >>> L = one_pass_sgd(np.random.default_rng(1), np.array([1.0]), np.array([1.0]), 0.0, [0, 1], 0.5, 10**6, 1)
    >>> np.round(L, 2).tolist()                                       # B → ∞: (1 − h)² after one step
    [[1.0, 0.25]]
    """
    n = _steps(steps)
    h, B, R = positive("step_size", step_size), positive_int("batch", batch), positive_int("runs", runs)
    mu, b = np.asarray(mu, float), np.asarray(b, float)
    v = nonnegative("noise", noise)
    e = np.tile(-b, (R, 1))
    out = np.empty((R, n.size))
    sd = np.sqrt(mu)
    chunk = max(1, min(B, 2 ** 22 // max(1, R * mu.size)))          # batch chunks of bounded memory
    for step in range(int(n.max()) + 1):
        for j in np.flatnonzero(n == step):
            out[:, j] = e * e @ mu + v
        grad = np.zeros_like(e)
        for start in range(0, B, chunk):
            m = min(chunk, B - start)
            phi = rng.standard_normal((R, m, mu.size)) * sd
            xi = rng.standard_normal((R, m)) * np.sqrt(v)
            residual = np.einsum("rbi,ri->rb", phi, e) - xi
            grad += np.einsum("rbi,rb->ri", phi, residual)
        e = e - (h / B) * grad
    return out


def one_pass_sgd_direct(rng, eigenvalues, teacher, A, steps, step_size, batch, noise_variance, runs):
    """Test losses (runs × len(steps)) of one-pass SGD on the raw model: ψ ~ N(0, Λ), y = w̄·ψ + ε, w ∈ R^N from 0,
    w ← w − (h/B)Σ_b φ_b(φ_b·w − y_b), φ = Aψ/√N; loss ‖Aᵀw/√N − w̄‖²_Λ + σ²."""
    n = _steps(steps)
    lam, w_bar, A = finite("eigenvalues", eigenvalues), finite("teacher", teacher), finite("A", A)
    h, B, R = positive("step_size", step_size), positive_int("batch", batch), positive_int("runs", runs)
    s2 = nonnegative("noise_variance", noise_variance)
    N = A.shape[0]
    w = np.zeros((R, N))
    out = np.empty((R, n.size))
    for step in range(int(n.max()) + 1):
        for j in np.flatnonzero(n == step):
            dev = w @ A / np.sqrt(N) - w_bar
            out[:, j] = dev * dev @ lam + s2
        psi = rng.standard_normal((R, B, lam.size)) * np.sqrt(lam)
        y = psi @ w_bar + rng.standard_normal((R, B)) * np.sqrt(s2)
        phi = psi @ A.T / np.sqrt(N)
        residual = np.einsum("rbn,rn->rb", phi, w) - y
        w = w - (h / B) * np.einsum("rbn,rb->rn", phi, residual)
    return out


def simulate_one_pass_sgd(eigenvalues, teacher, N, steps, step_size, batch, noise_variance=0.0, draws=16, runs=8,
                          entropy=0):
    """Per projection draw (``draws`` of them, seeded by ``entropy``): the mean test loss over ``runs`` SGD runs
    (draws × len(steps)), its standard error over the runs, and the draw's (μ, b, r)."""
    lam = finite("eigenvalues", eigenvalues)
    N, D = positive_int("N", N), positive_int("draws", draws)
    s2 = nonnegative("noise_variance", noise_variance)
    seeds = np.random.SeedSequence(entropy).spawn(D)
    means, errors, problems = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        mu, b, r = feature_problem(lam, teacher, rng.standard_normal((N, lam.size)))
        L = one_pass_sgd(rng, mu, b, r + s2, steps, step_size, batch, runs)
        means.append(L.mean(0))
        errors.append(L.std(0, ddof=1) / np.sqrt(L.shape[0]) if L.shape[0] > 1 else np.zeros(L.shape[1]))
        problems.append((mu, b, r))
    return np.array(means), np.array(errors), problems
