"""Block errors of online SGD with a linear student: the closed linear system W-1, exactly.

For the linear soft committee machine the block errors ε_m (the part of ε_g carried by the
eigenvalue block m) obey (``online-sgd-linear``, step block-error-ode; sheet §2(b) W-1)

    dε_m/dα = −2η λ_m ε_m + η² f_m λ_m² (ε_g + σ²/2),    ε_g = Σ_m ε_m,

with η the effective learning rate of the collapsed student w = c_K Σ_i J_i (η K c_K²).  The
generator 𝒜 = −2η diag(λ) + η² (fλ²) 1ᵀ is a diagonal plus a rank-one matrix with positive
weights, hence similar (by diag(√(fλ²))) to a symmetric matrix: real eigenvalues, computed here
by ``eigh``; ε(α) = e^{𝒜α}(ε(0) − ε*) + ε* with ε* = −𝒜⁻¹c the stationary point (σ > 0).
The mpmath version uses ``mpmath.eigsy`` at the working precision.

>>> import numpy as np
>>> curve = block_error_curve([0.0, 1.0], np.array([0.5]), np.array([1.0]), np.array([1.0]), 0.5)
>>> bool(np.isclose(curve[1, 0], 0.5 * np.exp(-2 * 0.5 + 0.25), rtol=1e-14))
True
"""
from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["block_error_generator", "block_error_curve", "block_error_curve_mp",
           "slowest_rate", "stability_limit"]


def _validate(eigenvalues, fractions, eta):
    lam = np.asarray(eigenvalues, dtype=float)
    f = np.asarray(fractions, dtype=float)
    if lam.ndim != 1 or lam.size < 1 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty 1-d array of finite numbers > 0")
    if f.shape != lam.shape or np.any(f <= 0) or abs(f.sum() - 1) > 1e-12:
        raise ValueError("fractions must be > 0, one per eigenvalue, and sum to 1")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a finite number > 0, got {eta!r}")
    return lam, f


def stability_limit(eigenvalues, fractions):
    """η_max = 2/Σ_m f_m λ_m: 𝒜 has an eigenvalue ≥ 0 iff η ≥ η_max (online-sgd-linear)."""
    lam, f = _validate(eigenvalues, fractions, 1.0)
    return 2.0 / float(np.dot(f, lam))


def block_error_generator(eigenvalues, fractions, eta):
    """𝒜 = −2η diag(λ) + η² (f λ²) 1ᵀ (row m: the equation of ε_m)."""
    lam, f = _validate(eigenvalues, fractions, eta)
    return -2 * eta * np.diag(lam) + eta**2 * np.outer(f * lam**2, np.ones_like(lam))


def _symmetric_form(lam, f, eta):
    w = np.sqrt(f) * lam * eta                      # 𝒜 = S (D + w wᵀ) S⁻¹, S = diag(w)
    return np.diag(-2 * eta * lam) + np.outer(w, w), w


def slowest_rate(eigenvalues, fractions, eta):
    """−(largest eigenvalue of 𝒜): the asymptotic exponential decay rate of ε_g (noise-free)."""
    lam, f = _validate(eigenvalues, fractions, eta)
    sym, _ = _symmetric_form(lam, f, eta)
    return -float(np.linalg.eigvalsh(sym)[-1])


def block_error_curve(alphas, eps0, eigenvalues, fractions, eta, noise_variance=0.0):
    """ε_m(α) for every α (rows) and block m (columns), exactly (eigendecomposition of 𝒜)."""
    lam, f = _validate(eigenvalues, fractions, eta)
    alphas = np.asarray(alphas, dtype=float)
    eps0 = np.asarray(eps0, dtype=float)
    if eps0.shape != lam.shape:
        raise ValueError("eps0 must have one entry per eigenvalue block")
    if noise_variance < 0:
        raise ValueError(f"noise_variance must be >= 0, got {noise_variance!r}")
    sym, w = _symmetric_form(lam, f, eta)
    mu, V = np.linalg.eigh(sym)
    forcing = eta**2 * f * lam**2 * noise_variance / 2
    # stationary point: 𝒜 ε* + c = 0 (exists for η below the stability limit)
    star = np.zeros_like(lam) if noise_variance == 0 else -np.linalg.solve(
        block_error_generator(lam, f, eta), forcing)
    start = (V.T @ ((eps0 - star) / w))                        # coordinates of S⁻¹(ε0 − ε*)
    evolved = np.exp(np.outer(alphas, mu)) * start             # (T, L)
    return (evolved @ V.T) * w + star


def block_error_curve_mp(alphas, eps0, eigenvalues, fractions, eta):
    """The noise-free block errors at the working mpmath precision (``mpmath.eigsy``)."""
    lam = [mpmath.mpf(v) for v in eigenvalues]
    f = [mpmath.mpf(v) for v in fractions]
    eta = mpmath.mpf(eta)
    L = len(lam)
    w = [mpmath.sqrt(f[i]) * lam[i] * eta for i in range(L)]
    sym = mpmath.matrix(L, L)
    for i in range(L):
        for j in range(L):
            sym[i, j] = w[i] * w[j] + (-2 * eta * lam[i] if i == j else 0)
    mu, V = mpmath.eigsy(sym)
    start = V.T * mpmath.matrix([mpmath.mpf(e) / w[i] for i, e in enumerate(eps0)])
    out = []
    for a in alphas:
        a = mpmath.mpf(a)
        coords = mpmath.matrix([mpmath.exp(mu[k] * a) * start[k] for k in range(L)])
        vec = V * coords
        out.append([vec[i] * w[i] for i in range(L)])
    return out
