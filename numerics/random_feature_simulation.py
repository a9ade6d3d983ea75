"""Direct simulation of linear random-feature ridge regression and its variance decomposition.

The learning system (Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592), in the eigenbasis
of Σ = diag(η): data x ~ N(0, Σ) in D dimensions, labels y = w̄·x + ε with ε ~ N(0, σ²), P
samples X (P×D).  A projection of widths (N_1, …, N_L) is F = F_1 F_2 ⋯ F_L (D×N_L) with
F_ℓ ∈ R^{N_{ℓ−1}×N_ℓ} (N_0 = D) of i.i.d. N(0, 1/D) entries — the same 1/D in every layer,
the convention under which layer ℓ contributes one S-transform factor (N_ℓ/D − df).
Features z = Fᵀx, Z = XF (P×N_L); ridge on the features

    â = (ZᵀZ/P + λ)⁻¹ ZᵀY/P        (minimum-norm least squares at λ = 0),
    w = F â ∈ R^D,   E_g = (w − w̄)ᵀΣ(w − w̄),   E_tr = (1/P) Σ_μ (y_μ − z_μ·â)².

â is linear in y, so w = w_s + w_n: w_s fitted on the clean labels Xw̄, w_n on ε alone
(one solve with two right-hand sides).  With the Σ inner product ⟨a, b⟩ = aᵀΣb,

    E‖w_s − w̄‖² = Bias² + Var_X + Var_F + Var_XF,    E‖w_n‖² = Var_Xε + Var_XFε,
    Bias²  = ‖E w − w̄‖²,              Var_F = E_F ‖E_X[w|F] − E w‖²,
    Var_X  = E_X ‖E_F[w|X] − E w‖²,    Var_XF = E‖w_s − E_X[w_s|F] − E_F[w_s|X] + E w_s‖²,
    Var_Xε = E_{X,ε} ‖E_F[w_n|X,ε]‖²,  Var_XFε = E‖w_n‖² − Var_Xε,

and E_g = sum of all six in expectation (E[w_n | X, F] = 0 kills the cross term).  The error
of the ensemble (1/K) Σ_i w(F_i, X) over K independent projections is

    E_g^(K) = Bias² + Var_X + Var_Xε + (Var_F + Var_XF + Var_XFε)/K.

Design.  A *block* is a crossed design: n_F projections F_i and n_X data sets (X_j, ε_j),
all n_F·n_X pairs fitted; :func:`signal_components` and :func:`noise_components` turn the
block into unbiased estimates of the six components (derivations in their docstrings).  The
block also measures the mean single-model E_g, E_g_clean (signal only) and E_tr, and the
ensemble error E_g_ensemble of (1/n_F) Σ_i w_ij, averaged over j (ensemble size n_F).
:func:`simulate_random_features` runs independent blocks through
:func:`numerics.simulation.run_ensemble` (one ``SeedSequence`` child per block) and reports
each statistic as an :class:`~numerics.simulation.Estimate` over blocks.

>>> est = simulate_random_features(np.ones(12), np.full(12, 0.3), P=24, widths=8, ridge=0.1,
...                                noise_variance=0.1, n_blocks=4, n_F=2, n_X=2, entropy=1)
>>> est["E_g"].n, est["settings"]["widths"]
(4, (8,))
"""
from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from numerics.ridge_simulation import ridge_fit
from numerics.simulation import run_ensemble
from numerics.validate import nonnegative

__all__ = [
    "STATISTICS",
    "draw_projection",
    "random_feature_fit",
    "signal_components",
    "noise_components",
    "random_feature_block",
    "simulate_random_features",
]

#: the per-block statistics, in the order :func:`random_feature_block` returns them
STATISTICS = ("E_g", "E_g_clean", "E_tr", "E_g_ensemble", "bias2", "var_X", "var_F",
              "var_XF", "var_X_noise", "var_XF_noise")


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _integer_at_least(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _widths(widths):
    """A tuple of positive ints from an int or a non-empty sequence of ints."""
    seq = (widths,) if isinstance(widths, numbers.Integral) and not isinstance(widths, bool) \
        else widths
    try:
        seq = tuple(seq)
    except TypeError:
        seq = None
    if not seq or any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1
                      for n in seq):
        raise ValueError("widths must be a positive integer or a non-empty sequence of "
                         f"positive integers, got {widths!r}")
    return tuple(int(n) for n in seq)


def _problem(eigenvalues, teacher):
    """η (finite, > 0, 1-D, non-empty) and w̄ (finite, same shape) as float arrays."""
    try:
        eta = np.asarray(eigenvalues, dtype=float)
    except (TypeError, ValueError):
        eta = None
    if eta is None or eta.ndim != 1 or eta.size == 0 or not np.all(np.isfinite(eta)) \
            or not np.all(eta > 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite numbers > 0, "
                         f"got {eigenvalues!r}")
    try:
        w = np.asarray(teacher, dtype=float)
    except (TypeError, ValueError):
        w = None
    if w is None or w.shape != eta.shape or not np.all(np.isfinite(w)):
        raise ValueError(f"teacher must be a finite 1-D array of length {eta.size} "
                         f"(one coefficient per eigenvalue), got {teacher!r}")
    return eta, w


# --------------------------------------------------------------------------
# One fit
# --------------------------------------------------------------------------

def draw_projection(rng, D, widths, column_variances=None) -> np.ndarray:
    """F = F_1 ⋯ F_L (D×N_L), each F_ℓ (N_{ℓ−1}×N_ℓ, N_0 = D) with i.i.d. N(0, 1/D) entries.

    ``widths`` is N_1 (one layer) or the sequence (N_1, …, N_L).  In expectation
    F Fᵀ = Π_ℓ (N_ℓ/D) I. ``column_variances`` s (length N_L, positive) scales the columns of the
    last layer: F diag(s)^{1/2}, anisotropic feature weights.

    >>> draw_projection(np.random.default_rng(0), 30, (20, 10)).shape
    (30, 10)
    """
    D = _integer_at_least(D, "D", 1)
    widths = _widths(widths)
    scale = 1 / math.sqrt(D)
    F = rng.standard_normal((D, widths[0])) * scale
    rows = widths[0]
    for n in widths[1:]:
        F = F @ (rng.standard_normal((rows, n)) * scale)
        rows = n
    if column_variances is not None:
        s = np.asarray(column_variances, dtype=float)
        if s.shape != (widths[-1],) or not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError(f"column_variances must be {widths[-1]} finite positive numbers (one per feature)")
        F = F * np.sqrt(s)
    return F


def random_feature_fit(X, y, projection, ridge) -> np.ndarray:
    """Effective weights w = F (ZᵀZ/P + λ)⁻¹ ZᵀY/P with Z = XF (minimum norm at λ = 0).

    ``y`` may hold several label vectors as columns (then w has one column each).  The
    solve is :func:`numerics.ridge_simulation.ridge_fit` (the cheaper of the N×N and P×P
    systems; ``lstsq`` at λ = 0).

    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((8, 3)); F = rng.standard_normal((3, 3))
    >>> bool(np.allclose(random_feature_fit(X, X @ [1.0, 2.0, 3.0], F, 0.0), [1, 2, 3]))  # F invertible
    True
    """
    X = np.asarray(X, dtype=float)
    F = np.asarray(projection, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (P×D), got shape {X.shape}")
    if F.ndim != 2 or F.shape[0] != X.shape[1]:
        raise ValueError(f"projection must be a 2-D array with {X.shape[1]} rows (D×N), "
                         f"got shape {F.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} rows (one per sample), got shape {y.shape}")
    ridge = nonnegative("ridge", ridge)
    return F @ ridge_fit(X @ F, y, ridge)


# --------------------------------------------------------------------------
# Unbiased variance components of a crossed block
# --------------------------------------------------------------------------

def _sigma_norm2(v, eta):
    """‖v‖²_Σ = Σ_k η_k v_k² over the last axis."""
    return np.einsum("...k,k->...", v * v, eta)


def signal_components(deviations, eigenvalues) -> dict:
    """Unbiased Bias², Var_F, Var_X, Var_XF from a crossed block d_ij = w_ij − w̄.

    ``deviations`` has shape (..., n_F, n_X, D) (leading axes: independent blocks); rows
    i are projections F_i, columns j data sets X_j.  Write d_ij = μ + A_i + B_j + C_ij with
    μ = E w − w̄, A_i = E_X[w|F_i] − E w, B_j = E_F[w|X_j] − E w and C_ij the rest.  As F_i
    and X_j are independent, E[C_ij | F_i] = E[C_ij | X_j] = 0, so all of A_i, B_j, C_ij are
    pairwise uncorrelated (also C_ij with C_i'j, C_ij' and C_i'j'), with E‖A‖² = Var_F,
    E‖B‖² = Var_X, E‖C‖² = Var_XF (norms in Σ).  The two-way ANOVA mean squares

        MS_F = n_X Σ_i ‖d̄_i· − d̄‖² / (n_F − 1),   MS_X = n_F Σ_j ‖d̄_·j − d̄‖² / (n_X − 1),
        MS_E = Σ_ij ‖d_ij − d̄_i· − d̄_·j + d̄‖² / ((n_F − 1)(n_X − 1))

    have (d̄_i· − d̄ = A_i − Ā + C̄_i· − C̄, with Var C̄_i· = Var_XF/n_X; the residual is the
    doubly centred C, a projection of rank (n_F − 1)(n_X − 1))

        E MS_E = Var_XF,   E MS_F = n_X Var_F + Var_XF,   E MS_X = n_F Var_X + Var_XF,
        E ‖d̄‖² = Bias² + Var_F/n_F + Var_X/n_X + Var_XF/(n_F n_X),

    hence the unbiased estimators

        Var_XF = MS_E,   Var_F = (MS_F − MS_E)/n_X,   Var_X = (MS_X − MS_E)/n_F,
        Bias²  = ‖d̄‖² − (MS_F + MS_X − MS_E)/(n_F n_X)

    (Bias² is the mean of ⟨d_ij, d_i'j'⟩ over i ≠ i', j ≠ j').  Exactly, block by block,
    Bias² + Var_F + Var_X + Var_XF = mean_ij ‖d_ij‖² and Bias² + Var_X + (Var_F + Var_XF)/n_F
    = mean_j ‖d̄_·j‖² (the ensemble error).  Estimates of variances can be negative.

    Only the projection moves w here (d = 0 for F_1, 1 for F_2): Var_F is the sample
    variance of {0, 1}, Bias² the cross product 0·1.

    >>> d = np.zeros((2, 3, 1)); d[1] += 1.0
    >>> {k: round(float(v), 12) for k, v in signal_components(d, [1.0]).items()}
    {'bias2': 0.0, 'var_X': 0.0, 'var_F': 0.5, 'var_XF': 0.0}
    """
    d = np.asarray(deviations, dtype=float)
    eta = np.asarray(eigenvalues, dtype=float)
    if d.ndim < 3 or d.shape[-3] < 2 or d.shape[-2] < 2 or d.shape[-1] != eta.size:
        raise ValueError("deviations must have shape (..., n_F, n_X, D) with n_F, n_X >= 2 and "
                         f"D = len(eigenvalues) = {eta.size}, got shape {d.shape}")
    n_F, n_X = d.shape[-3], d.shape[-2]
    row = d.mean(axis=-2)                          # d̄_i·, (..., n_F, D)
    col = d.mean(axis=-3)                          # d̄_·j, (..., n_X, D)
    grand = row.mean(axis=-2)                      # d̄,    (..., D)
    ms_F = n_X * _sigma_norm2(row - grand[..., None, :], eta).sum(-1) / (n_F - 1)
    ms_X = n_F * _sigma_norm2(col - grand[..., None, :], eta).sum(-1) / (n_X - 1)
    resid = d - row[..., :, None, :] - col[..., None, :, :] + grand[..., None, None, :]
    ms_E = _sigma_norm2(resid, eta).sum((-2, -1)) / ((n_F - 1) * (n_X - 1))
    return {"bias2": _sigma_norm2(grand, eta) - (ms_F + ms_X - ms_E) / (n_F * n_X),
            "var_X": (ms_X - ms_E) / n_F,
            "var_F": (ms_F - ms_E) / n_X,
            "var_XF": ms_E}


def noise_components(noise_weights, eigenvalues) -> dict:
    """Unbiased Var_Xε, Var_XFε from the noise fits e_ij = w_n(F_i, X_j, ε_j) of a block.

    ``noise_weights`` has shape (..., n_F, n_X, D).  E[e | X, ε, F] is not zero but
    E_X,ε[e | F] = 0 (e is linear in ε), so e_ij = B_j + C_ij with B_j = E_F[e | X_j, ε_j],
    E‖B‖² = Var_Xε, and C_ij (E‖C‖² = Var_XFε) conditionally independent over i with
    conditional mean 0 given (X_j, ε_j) — pairwise uncorrelated.  With ē_j = mean_i e_ij, the
    one-way random-effects estimators (the known zero mean and zero projection effect give
    n_X(n_F − 1) degrees of freedom for the interaction)

        W = Σ_ij ‖e_ij − ē_j‖² / (n_X (n_F − 1)),   E W = Var_XFε,
        mean_j ‖ē_j‖² − W/n_F,   E = Var_Xε   (as E ‖ē_j‖² = Var_Xε + Var_XFε/n_F)

    are unbiased, and their sum is exactly mean_ij ‖e_ij‖².

    >>> e = np.zeros((2, 2, 1)); e[:, 1] = 1.0; e[:, 0] = -1.0   # ±1 by data set only
    >>> {k: round(float(v), 12) for k, v in noise_components(e, [2.0]).items()}
    {'var_X_noise': 2.0, 'var_XF_noise': 0.0}
    """
    e = np.asarray(noise_weights, dtype=float)
    eta = np.asarray(eigenvalues, dtype=float)
    if e.ndim < 3 or e.shape[-3] < 2 or e.shape[-1] != eta.size:
        raise ValueError("noise_weights must have shape (..., n_F, n_X, D) with n_F >= 2 and "
                         f"D = len(eigenvalues) = {eta.size}, got shape {e.shape}")
    n_F, n_X = e.shape[-3], e.shape[-2]
    col = e.mean(axis=-3)                          # ē_j, (..., n_X, D)
    within = _sigma_norm2(e - col[..., None, :, :], eta).sum((-2, -1)) / (n_X * (n_F - 1))
    return {"var_X_noise": _sigma_norm2(col, eta).mean(-1) - within / n_F,
            "var_XF_noise": within}


# --------------------------------------------------------------------------
# Blocks and ensembles of blocks
# --------------------------------------------------------------------------

def random_feature_block(rng, eigenvalues, teacher, P, widths, ridge, noise_variance,
                         n_F, n_X, column_variances=None) -> dict:
    """One crossed block: n_F projections × n_X data sets, all pairs fitted.

    Draws F_1..F_{n_F} (:func:`draw_projection`), then for each j the data X_j and noise
    ε_j; per pair one solve with the two right-hand sides (Xw̄, ε).  Returns floats:
    ``E_g``, ``E_g_clean``, ``E_tr`` (means over the n_F·n_X single models), ``E_g_ensemble``
    (error of (1/n_F) Σ_i w_ij, mean over j) and the unbiased components ``bias2``,
    ``var_X``, ``var_F``, ``var_XF`` (:func:`signal_components`), ``var_X_noise``,
    ``var_XF_noise`` (:func:`noise_components`).

    >>> out = random_feature_block(np.random.default_rng(0), np.ones(10), np.full(10, 0.3), P=30,
    ...                            widths=10, ridge=0.0, noise_variance=0.1, n_F=2, n_X=2)
    >>> abs(out["var_F"]) < 1e-20 and abs(out["var_XF"]) < 1e-20   # invertible F at λ = 0: OLS on x
    True
    """
    eta, w_bar = _problem(eigenvalues, teacher)
    P = _integer_at_least(P, "P", 1)
    widths = _widths(widths)
    ridge = nonnegative("ridge", ridge)
    sigma = math.sqrt(nonnegative("noise_variance", noise_variance))
    n_F = _integer_at_least(n_F, "n_F", 2)
    n_X = _integer_at_least(n_X, "n_X", 2)
    D, N = eta.size, widths[-1]

    projections = [draw_projection(rng, D, widths, column_variances) for _ in range(n_F)]
    stacked = np.concatenate(projections, axis=1)          # D × n_F N: one product per X
    sqrt_eta = np.sqrt(eta)
    w_signal = np.empty((n_F, n_X, D))
    w_noise = np.empty((n_F, n_X, D))
    train = np.empty((n_F, n_X))
    for j in range(n_X):
        X = rng.standard_normal((P, D)) * sqrt_eta
        eps = rng.standard_normal(P) * sigma
        Y = np.column_stack([X @ w_bar, eps])
        y = Y[:, 0] + eps
        Z_all = X @ stacked
        for i, F in enumerate(projections):
            Z = Z_all[:, i * N:(i + 1) * N]
            a = ridge_fit(Z, Y, ridge)                      # N × 2
            train[i, j] = np.mean((y - Z @ a.sum(axis=1)) ** 2)
            w_signal[i, j], w_noise[i, j] = (F @ a).T

    d = w_signal - w_bar
    out = {"E_g": float(_sigma_norm2(d + w_noise, eta).mean()),
           "E_g_clean": float(_sigma_norm2(d, eta).mean()),
           "E_tr": float(train.mean()),
           "E_g_ensemble": float(_sigma_norm2((d + w_noise).mean(axis=0), eta).mean())}
    out.update({k: float(v) for k, v in signal_components(d, eta).items()})
    out.update({k: float(v) for k, v in noise_components(w_noise, eta).items()})
    return {k: out[k] for k in STATISTICS}


def simulate_random_features(eigenvalues, teacher, P, widths, ridge, noise_variance=0.0,
                             n_blocks=16, n_F=4, n_X=4, entropy=0, executor=None) -> dict:
    """Independent crossed blocks: every statistic as an Estimate (mean over blocks, SE std/√n).

    Block b uses the b-th child of ``SeedSequence(entropy)``, so the numbers do not depend
    on ``executor`` (``None``: serial; else any :class:`concurrent.futures.Executor`).
    Returns ``{name: Estimate for name in STATISTICS}`` plus ``"samples"`` (name → per-block
    values, shape (n_blocks,), for paired combinations via ``Estimate.from_samples``) and
    ``"settings"`` (D, P, widths, ridge, noise_variance, n_blocks, n_F, n_X, entropy).
    At λ = 0 near the interpolation threshold (|P − r| ≤ 3, r = rank of Z) the errors have
    infinite variance, and the standard errors are then not to be trusted.

    >>> r = simulate_random_features(np.ones(10), np.full(10, 0.3), 30, 10, 0.0, n_blocks=2, n_F=2, n_X=2)
    >>> r["var_F"].mean < 1e-20, r["samples"]["E_g"].shape
    (True, (2,))
    """
    eta, w_bar = _problem(eigenvalues, teacher)
    settings = {"D": eta.size, "P": _integer_at_least(P, "P", 1), "widths": _widths(widths),
                "ridge": nonnegative("ridge", ridge),
                "noise_variance": nonnegative("noise_variance", noise_variance),
                "n_blocks": _integer_at_least(n_blocks, "n_blocks", 2),
                "n_F": _integer_at_least(n_F, "n_F", 2), "n_X": _integer_at_least(n_X, "n_X", 2)}
    task = functools.partial(
        random_feature_block, eigenvalues=eta, teacher=w_bar, P=settings["P"],
        widths=settings["widths"], ridge=settings["ridge"],
        noise_variance=settings["noise_variance"], n_F=settings["n_F"], n_X=settings["n_X"])
    ens = run_ensemble(task, settings["n_blocks"], entropy, executor=executor)
    settings["entropy"] = ens.entropy
    out: dict = {name: ens.estimate(name) for name in STATISTICS}
    out["samples"] = ens.samples
    out["settings"] = settings
    return out
