"""Direct simulation of random-feature regression trained by gradient flow: loss over time, width and data.

The model of Bordelon, Atanasov, Pehlevan, "A Dynamical Model of Neural Scaling Laws"
(arXiv:2402.01092, Sec. 2), in the toolkit's conventions: features ψ ∈ R^M with ψ ~ N(0, Λ),
Λ = diag(λ_k); labels y = w*·ψ + ε, ε ~ N(0, σ²); a fixed projection A ∈ R^{N×M} of i.i.d. N(0, 1)
entries; the student f(ψ) = wᵀAψ/√N; P samples Ψ (P×M); the loss L(w) = (1/(2P)) Σ_μ (y_μ − f(ψ_μ))²
and gradient flow dw/dt = −∇L from w(0) = 0.  With F = AΨᵀ/√N (N×P), G = FFᵀ/P and K = FᵀF/P:

    w(t) = φ_t(G) F y/P = F φ_t(K) y/P,     φ_t(x) = (1 − e^{−tx})/x   (φ_t(0) = t),
    β(t) = Aᵀw(t)/√N   (the learned function in feature space, f(ψ) = β·ψ),
    L(t) = ‖β(t) − w*‖²_Λ + σ²   (test MSE, noisy test labels),
    L̂(t) = (1/P)‖y − Fᵀw(t)‖² = (1/P)‖e^{−tK} y‖²   (training MSE),

exactly, per draw, from one symmetric eigendecomposition of the smaller of G (N×N) and K (P×P) —
no time stepping.  β is linear in y: β = β_s + β_n with β_s fitted on the clean labels Ψw* and β_n
on ε alone.

Design.  As :mod:`numerics.random_feature_simulation` (whose unbiased crossed-block estimators are
reused, with the projection A in the role of F): a block is n_A projections × n_X data sets, all
pairs trained, and gives at every time the mean test and training losses, the loss of the ensemble
of its n_A models, and the components of the test loss

    L = Bias² + Var_X + Var_A + Var_XA + Var_Xε + Var_XAε + σ²,

Bias² = ‖E β − w*‖²_Λ (the mean predictor over data and projections), Var_A over projections at
fixed data, Var_X over data at fixed projection, Var_XA their interaction, and the label-noise
parts.  The infinitely ensembled model (average over A at fixed data) has the loss
Bias² + Var_X + Var_Xε + σ².  Also per mode the mean signal deviation E[β_s,k(t) − w*_k]
(= −H_k(t) w*_k, the transfer function of the theory).

>>> est = simulate_loss_curve([0.0, 1.0], np.ones(6), np.ones(6), N=4, P=5, n_blocks=3, entropy=1)
>>> round(float(est["test"].mean[0]), 12)                 # w(0) = 0: L(0) = ‖w*‖²_Λ (σ² = 0)
6.0
>>> sorted(k for k in est if k.startswith("var"))
['var_A', 'var_X', 'var_XA', 'var_XA_noise', 'var_X_noise']
"""
from __future__ import annotations

import functools
import math

import numpy as np

from numerics.random_feature_simulation import noise_components, signal_components
from numerics.simulation import Estimate, run_ensemble
from numerics.validate import finite, nonnegative, positive, positive_int

__all__ = ["STATISTICS", "gradient_descent_fit", "gradient_flow_fit", "loss_curve_block", "simulate_loss_curve"]

#: per-block statistics, each an array over times
STATISTICS = ("test", "train", "ensemble_block", "infinite_ensemble", "bias2", "var_X", "var_A", "var_XA",
              "var_X_noise", "var_XA_noise")


def _problem(eigenvalues, teacher, times):
    lam = finite("eigenvalues", eigenvalues)
    if lam.ndim != 1 or lam.size < 1 or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be a non-empty 1-D array of finite values > 0, got shape {lam.shape}")
    w = finite("teacher", teacher)
    if w.shape != lam.shape:
        raise ValueError(f"teacher must have one coefficient per eigenvalue, shape {lam.shape}, got {w.shape}")
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or np.any(t < 0) or np.any(np.diff(t) < 0):
        raise ValueError("times must be a 1-D array of finite values >= 0 in increasing order")
    return lam, w, t


def _phi(x, t):
    """φ_t(x) = (1 − e^{−tx})/x on an x (..., n) × t (T,) grid, t at x = 0 (x >= 0)."""
    xt = x[..., None] * t
    pos = x[..., None] > 0
    return np.where(pos, -np.expm1(-xt) / np.where(pos, x[..., None], 1.0), t)


def gradient_flow_fit(F, Y, times):
    """Gradient flow of (1/(2P))‖y − Fᵀw‖² from w = 0 for each column of ``Y`` (P×R).

    Returns ``(w, residual)``: w (R, T, N) = F φ_t(K) y/P and the training residuals y − Fᵀw(t)
    (R, T, P), from the eigendecomposition of the smaller of G = FFᵀ/P and K = FᵀF/P.

    >>> F = np.array([[2.0, 0.0], [0.0, 0.0]]); Y = np.array([[2.0], [1.0]])
    >>> w, r = gradient_flow_fit(F, Y, [0.0, 1e3])
    >>> np.round(w[0, 1], 9).tolist(), np.round(r[0, 1], 9).tolist()   # K = diag(2, 0): y₂ never fit
    ([1.0, 0.0], [0.0, 1.0])
    """
    F, Y = np.asarray(F, dtype=float), np.asarray(Y, dtype=float)
    t = np.atleast_1d(np.asarray(times, dtype=float))
    N, P = F.shape
    if P <= N:
        k, U = np.linalg.eigh(F.T @ F / P)
        k = np.clip(k, 0.0, None)
        c = U.T @ Y                                                # (P, R)
        coef = _phi(k, t)[:, None, :] * c[:, :, None] / P          # (P, R, T)
        w = np.einsum("np,prt->rtn", F @ U, coef)
        residual = np.einsum("pq,qrt->rtp", U, np.exp(-np.multiply.outer(k, t))[:, None, :] * c[:, :, None])
    else:
        g, V = np.linalg.eigh(F @ F.T / P)
        g = np.clip(g, 0.0, None)
        u = V.T @ (F @ Y) / P                                      # (N, R)
        w = np.einsum("nm,mrt->rtn", V, _phi(g, t)[:, None, :] * u[:, :, None])
        residual = Y.T[:, None, :] - np.einsum("np,rtn->rtp", F, w)
    return w, residual


def gradient_descent_fit(F, Y, steps, step_size):
    """Gradient descent w_{n+1} = w_n − h F(Fᵀw_n − y)/P from w_0 = 0, iterated step by step (no
    eigen-decomposition), for each column of ``Y`` (P×R); recorded after each count in ``steps``
    (non-negative integers, any order).  Returns ``(w, residual)`` shaped as :func:`gradient_flow_fit`'s.

    >>> F = np.array([[2.0, 0.0], [0.0, 0.0]]); Y = np.array([[2.0], [1.0]])
    >>> w, r = gradient_descent_fit(F, Y, [1, 2], 0.25)           # K = diag(2, 0): w₁ → 1 at rate 1 − 2h
    >>> np.round(w[0, :, 0], 12).tolist()
    [0.5, 0.75]
    """
    F, Y = np.asarray(F, dtype=float), np.asarray(Y, dtype=float)
    counts = np.atleast_1d(np.asarray(steps))
    if counts.ndim != 1 or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("steps must be a 1-D array of non-negative whole numbers")
    counts = counts.astype(int)
    N, P = F.shape
    w = np.zeros((N, Y.shape[1]))
    out = np.empty((Y.shape[1], counts.size, N))
    FY = F @ Y / P
    for n in range(int(counts.max()) + 1):
        for j in np.flatnonzero(counts == n):
            out[:, j] = w.T
        w = w - step_size * (F @ (F.T @ w) / P - FY)
    residual = Y.T[:, None, :] - np.einsum("np,rtn->rtp", F, out)
    return out, residual


def loss_curve_block(rng, eigenvalues, teacher, N, P, times, noise_variance=0.0, n_A=2, n_X=2,
                     step_size=None) -> dict:
    """One crossed block: n_A projections A_i × n_X data sets (Ψ_j, ε_j), every pair trained by gradient
    flow.  Draws A_1..A_{n_A} (N×M, i.i.d. N(0, 1)), then per data set Ψ_j (P×M, rows ~ N(0, Λ)) and
    ε_j.  Returns the block's :data:`STATISTICS` (arrays over times) and ``mode_deviation`` (M, T), the
    mean over pairs of β_s,k(t) − w*_k.

    >>> out = loss_curve_block(np.random.default_rng(0), np.ones(5), np.ones(5), 3, 4, [0.0, 2.0])
    >>> float(out["test"][0]), bool(out["train"][1] < out["train"][0])    # L(0) = ‖w*‖²_Λ
    (5.0, True)
    """
    lam, w_star, t = _problem(eigenvalues, teacher, times)
    N, P = positive_int("N", N), positive_int("P", P)
    n_A, n_X = positive_int("n_A", n_A), positive_int("n_X", n_X)
    if n_A < 2 or n_X < 2:
        raise ValueError(f"n_A and n_X must be >= 2 (crossed block), got {n_A}, {n_X}")
    s2 = nonnegative("noise_variance", noise_variance)
    if step_size is not None:
        step_size = positive("step_size", step_size)
    M, T = lam.size, t.size
    A = rng.standard_normal((n_A * N, M))                          # the projections, stacked
    sqrt_lam = np.sqrt(lam)
    signal = np.empty((T, n_A, n_X, M))                            # β_s − w*
    noise = np.empty((T, n_A, n_X, M))                             # β_n
    train = np.empty((n_A, n_X, T))
    for j in range(n_X):
        Psi = rng.standard_normal((P, M)) * sqrt_lam
        eps = rng.standard_normal(P) * math.sqrt(s2)
        Y = np.column_stack([Psi @ w_star, eps])
        F_all = A @ Psi.T / math.sqrt(N)                           # (n_A N, P)
        for i in range(n_A):
            rows = slice(i * N, (i + 1) * N)
            w, residual = (gradient_flow_fit(F_all[rows], Y, t) if step_size is None   # (2, T, N), (2, T, P)
                           else gradient_descent_fit(F_all[rows], Y, t, step_size))
            beta = np.einsum("rtn,nm->rtm", w, A[rows]) / math.sqrt(N)
            signal[:, i, j] = beta[0] - w_star
            noise[:, i, j] = beta[1]
            train[i, j] = np.sum((residual[0] + residual[1]) ** 2, axis=-1) / P
    d = signal + noise
    norm = lambda v: np.einsum("...m,m->...", v * v, lam)
    comp = signal_components(signal, lam)
    comp_noise = noise_components(noise, lam)
    out = {"test": norm(d).mean(axis=(1, 2)) + s2,
           "train": train.mean(axis=(0, 1)),
           "ensemble_block": norm(d.mean(axis=1)).mean(axis=1) + s2,
           "infinite_ensemble": comp["bias2"] + comp["var_X"] + comp_noise["var_X_noise"] + s2,
           "bias2": comp["bias2"], "var_X": comp["var_X"], "var_A": comp["var_F"], "var_XA": comp["var_XF"],
           "var_X_noise": comp_noise["var_X_noise"], "var_XA_noise": comp_noise["var_XF_noise"],
           "mode_deviation": signal.mean(axis=(1, 2)).T}
    return out


def simulate_loss_curve(times, eigenvalues, teacher, N, P, noise_variance=0.0, n_blocks=16, n_A=2, n_X=2,
                        entropy=0, executor=None, step_size=None) -> dict:
    """Independent crossed blocks (:func:`loss_curve_block`): every statistic as an
    :class:`~numerics.simulation.Estimate` over blocks (arrays over times), ``mode_deviation`` (M × T)
    too; ``"settings"`` records the arguments.  Block b uses the b-th child of ``SeedSequence(entropy)``,
    so the numbers do not depend on ``executor``.  With ``step_size`` h the models are trained by gradient
    descent step by step (:func:`gradient_descent_fit`) and ``times`` are step counts.

    >>> r = simulate_loss_curve([0.0, 5.0], np.ones(8), np.ones(8), N=6, P=6, n_blocks=3, entropy=2)
    >>> r["test"].n, bool(r["train"].mean[1] < r["train"].mean[0])
    (3, True)
    """
    lam, w_star, t = _problem(eigenvalues, teacher, times)
    n_blocks = positive_int("n_blocks", n_blocks)
    if n_blocks < 2:
        raise ValueError(f"n_blocks must be >= 2 (standard errors), got {n_blocks}")
    task = functools.partial(loss_curve_block, eigenvalues=lam, teacher=w_star, N=N, P=P, times=t,
                             noise_variance=noise_variance, n_A=n_A, n_X=n_X, step_size=step_size)
    samples = run_ensemble(task, n_blocks, entropy, executor=executor).samples
    out = {k: Estimate.from_samples(v) for k, v in samples.items()}
    out["settings"] = {"M": lam.size, "N": N, "P": P, "noise_variance": noise_variance, "n_blocks": n_blocks,
                       "n_A": n_A, "n_X": n_X, "entropy": entropy, "step_size": step_size}
    return out
