"""Direct simulation of ridge regression with a known population covariance.

One draw: P Gaussian samples x = Σ^{1/2} z in the eigenbasis of Σ (so Σ = diag(η)),
labels y = w̄·x + ε, the ridge estimator ŵ = (Σ̂ + λ)⁻¹XᵀY/P (the minimum-norm
interpolator at λ = 0), and its exact test error (ŵ − w̄)ᵀΣ(ŵ − w̄) from the known Σ.
No theory enters: this is the learning system itself.

>>> import numpy as np
>>> out = ridge_draw(np.random.default_rng(0), np.ones(20), np.full(20, 0.2), P=40, ridge=0.1, noise_variance=0.0)
>>> sorted(out)[:4]
['E_g', 'E_g_clean', 'E_tr', 'de_trace']
"""
from __future__ import annotations

import numpy as np


def ridge_fit(X: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """ŵ = (XᵀX/P + λ)⁻¹XᵀY/P; at λ = 0 the minimum-norm least-squares solution.

    ``y`` may hold several label vectors as columns; each gets its own estimator.

    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> np.round(ridge_fit(X, X @ np.array([1.0, -1.0]), 0.0), 12)    # noiseless, P > D: exact
    array([ 1., -1.])
    """
    P, D = X.shape
    if ridge == 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    if D <= P:
        return np.linalg.solve(X.T @ X / P + ridge * np.eye(D), X.T @ y / P)
    return X.T @ np.linalg.solve(X @ X.T / P + ridge * np.eye(P), y / P)


def ridge_draw(rng, eigenvalues, teacher, P: int, ridge: float, noise_variance: float,
               resolvent: bool = False) -> dict:
    """One data draw: test and training errors, their noiseless counterparts and resolvent statistics.

    Keys: ``E_g`` (excess test error), ``E_tr`` (training MSE), ``E_g_clean`` (same X, no label
    noise), ``w_clean`` (the noiseless estimator, for the bias), ``gcv`` (GCV estimate of E_g),
    ``de_trace`` = (1/D) tr λ(Σ̂+λ)⁻¹ (λ > 0 only) and, with ``resolvent=True``,
    ``de_quadratic`` = w̄ᵀλ(Σ̂+λ)⁻¹w̄/|w̄|².
    """
    eta, w = np.asarray(eigenvalues, float), np.asarray(teacher, float)
    D = eta.size
    X = rng.standard_normal((P, D)) * np.sqrt(eta)
    eps = rng.standard_normal(P) * np.sqrt(noise_variance)
    y_clean = X @ w
    w_hat, w_clean = ridge_fit(X, np.column_stack([y_clean + eps, y_clean]), ridge).T
    err = lambda v: float(np.sum(eta * (v - w) ** 2))
    out = {"E_g": err(w_hat), "E_g_clean": err(w_clean), "w_clean": w_clean,
           "E_tr": float(np.mean((y_clean + eps - X @ w_hat) ** 2))}
    if ridge > 0:
        out.update(_resolvent_statistics(X, w, ridge, out["E_tr"], noise_variance, resolvent))
    return out


def _resolvent_statistics(X, w, ridge, E_tr, noise_variance, quadratic):
    P, D = X.shape
    gram = X @ X.T / P if P < D else X.T @ X / P   # same nonzero spectrum as Σ̂
    s = np.clip(np.linalg.eigvalsh(gram), 0, None)
    trace_df = np.sum(s / (s + ridge))               # tr Σ̂(Σ̂+λ)⁻¹
    out = {"de_trace": float(1 - trace_df / D), "gcv": E_tr / (1 - trace_df / P) ** 2 - noise_variance}
    if quadratic:
        hat = X.T @ X / P
        out["de_quadratic"] = float(ridge * w @ np.linalg.solve(hat + ridge * np.eye(D), w) / (w @ w))
    return out


def _bias_u_statistic(w_samples, teacher, eigenvalues):
    """U-statistic of ‖E ŵ − w̄‖²_Σ and its M leave-one-out values."""
    dev = np.asarray(w_samples) - teacher
    M = dev.shape[0]
    if M < 3:
        raise ValueError("bias_squared needs at least 3 draws")
    total = dev.sum(axis=0)
    norms = np.sum(eigenvalues * dev ** 2, axis=1)
    full = (np.sum(eigenvalues * total ** 2) - norms.sum()) / (M * (M - 1))
    loo_total = total[None, :] - dev
    loo = (np.sum(eigenvalues * loo_total ** 2, axis=1) - (norms.sum() - norms)) / ((M - 1) * (M - 2))
    return float(full), loo


def _jackknife(loo: np.ndarray) -> float:
    M = loo.size
    return float(np.sqrt((M - 1) / M * np.sum((loo - loo.mean()) ** 2)))


def bias_squared(w_samples: np.ndarray, teacher: np.ndarray, eigenvalues: np.ndarray) -> tuple[float, float]:
    """Unbiased U-statistic of ‖E ŵ − w̄‖²_Σ from independent draws, with its jackknife standard error.

    With d_i = ŵ_i − w̄: B = (‖Σ_i d_i‖²_Σ − Σ_i ‖d_i‖²_Σ)/(M(M − 1)), which averages d_iᵀΣd_j over i ≠ j.

    >>> rng = np.random.default_rng(0)
    >>> b, se = bias_squared(1 + 0.1 * rng.standard_normal((400, 3)), np.zeros(3), np.ones(3))
    >>> abs(b - 3) < 4 * se       # ‖E ŵ‖² = 3
    True
    """
    full, loo = _bias_u_statistic(w_samples, teacher, eigenvalues)
    return full, _jackknife(loo)


def variance_over_data(w_samples, errors, teacher, eigenvalues) -> tuple[float, float]:
    """Var_X = mean test error − Bias² (same draws), with the delete-one jackknife SE of the
    joint statistic (the two parts are strongly correlated; their SEs do not add in quadrature).

    >>> rng = np.random.default_rng(1)
    >>> w = 1 + 0.1 * rng.standard_normal((400, 3))
    >>> v, se = variance_over_data(w, np.sum(w ** 2, axis=1), np.zeros(3), np.ones(3))
    >>> abs(v - 0.03) < 4 * se    # trace of the covariance: 3 · 0.1²
    True
    """
    errors = np.asarray(errors, dtype=float)
    full_b, loo_b = _bias_u_statistic(w_samples, teacher, eigenvalues)
    M = errors.size
    loo_mean = (errors.sum() - errors) / (M - 1)
    return float(errors.mean() - full_b), _jackknife(loo_mean - loo_b)
