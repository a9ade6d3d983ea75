"""Block errors of online SGD with a linear student: the closed linear system W-1, exactly.

For the linear soft committee machine the block errors ε_m (the part of ε_g carried by the
eigenvalue block m) obey (``online-sgd-linear``, step block-error-ode; sheet §2(b) W-1)

    dε_m/dα = −2η λ_m ε_m + η² f_m λ_m² (ε_g + σ²/2),    ε_g = Σ_m ε_m,

with η the effective learning rate of the collapsed student w = c_K Σ_i J_i (η K c_K²).  The
generator 𝒜 = −2η diag(λ) + η² (fλ²) 1ᵀ is a diagonal plus a rank-one matrix with positive
weights, hence similar (by diag(√(fλ²))) to a symmetric matrix: real eigenvalues, computed here
by ``eigh``; ε(α) = e^{𝒜α}(ε(0) − ε*) + ε* with ε* = −𝒜⁻¹c the stationary point (σ > 0).
The mpmath version uses ``mpmath.eigsy`` at the working precision.

Frozen blocks (``trained``, one bool per block: the gradient of the other coordinates masked): a
frozen block's row of 𝒜 is zero, so ε_m = ε_m(0) there, while its error still enters ε_g and
hence the η² source of the trained blocks, like label noise: the trained blocks obey W-1 restricted
to them with source level σ²/2 + ε_frozen, ε_frozen = Σ_frozen ε_m(0).

>>> import numpy as np
>>> curve = block_error_curve([0.0, 1.0], np.array([0.5]), np.array([1.0]), np.array([1.0]), 0.5)
>>> bool(np.isclose(curve[1, 0], 0.5 * np.exp(-2 * 0.5 + 0.25), rtol=1e-14))
True
"""
from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["block_error_generator", "block_error_curve", "block_error_curve_mp", "transient_bound",
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


def _trained(trained, lam):
    if trained is None:
        return np.ones(lam.shape, bool)
    t = np.asarray(trained)
    if t.dtype != np.bool_ or t.shape != lam.shape or not t.any():
        raise ValueError(f"trained must be None or a boolean array with one entry per block {lam.shape} "
                         f"and at least one True, got {t.dtype} array of shape {t.shape}")
    return t


def _modes(eps0, eigenvalues, fractions, eta, noise_variance, trained):
    """Eigen data of the trained sub-system: (t, μ, V, coordinates of S⁻¹(ε_t(0) − ε*), w, ε*)."""
    lam, f = _validate(eigenvalues, fractions, eta)
    eps0 = np.asarray(eps0, dtype=float)
    if eps0.shape != lam.shape:
        raise ValueError("eps0 must have one entry per eigenvalue block")
    if noise_variance < 0:
        raise ValueError(f"noise_variance must be >= 0, got {noise_variance!r}")
    t = _trained(trained, lam)
    level = noise_variance / 2 + float(eps0[~t].sum())          # σ²/2 + ε_frozen
    sym, w = _symmetric_form(lam[t], f[t], eta)
    mu, V = np.linalg.eigh(sym)
    # stationary point: 𝒜_t ε* + η² fλ² level = 0 (exists for η below the trained stability limit)
    generator = -2 * eta * np.diag(lam[t]) + eta**2 * np.outer(f[t] * lam[t] ** 2, np.ones(t.sum()))
    star = np.zeros(t.sum()) if level == 0 else -np.linalg.solve(generator, eta**2 * f[t] * lam[t] ** 2 * level)
    start = V.T @ ((eps0[t] - star) / w)                       # coordinates of S⁻¹(ε0 − ε*)
    return t, mu, V, start, w, star


def block_error_curve(alphas, eps0, eigenvalues, fractions, eta, noise_variance=0.0, trained=None):
    """ε_m(α) for every α (rows) and block m (columns), exactly (eigendecomposition of 𝒜); ``trained``:
    None or one bool per block (module docstring: frozen blocks).

    >>> e = block_error_curve([0.0, 1e3], [0.3, 0.1], [1.5, 0.5], [0.5, 0.5], 0.4, trained=np.array([True, False]))
    >>> e[0].tolist(), round(float(e[1, 1]), 12), round(float(e[1].sum()), 12)   # ε_g(∞) = 0.1/(1 − 0.4·0.75/2)
    ([0.3, 0.1], 0.1, 0.117647058824)
    """
    eps0 = np.asarray(eps0, dtype=float)
    t, mu, V, start, w, star = _modes(eps0, eigenvalues, fractions, eta, noise_variance, trained)
    alphas = np.asarray(alphas, dtype=float)
    out = np.empty((alphas.size, eps0.size))
    out[:, ~t] = eps0[~t]
    out[:, t] = (np.exp(np.outer(alphas, mu)) * start) @ V.T * w + star
    return out


def transient_bound(alpha, eps0, eigenvalues, fractions, eta, noise_variance=0.0, trained=None):
    """Σ_k |c_k| e^{μ_k α} ≥ |ε_g(α) − ε_g(∞)|, decreasing in α (ε_g's transient is Σ_k c_k e^{μ_k α}
    over the modes μ_k < 0 of the trained sub-system).

    >>> b = transient_bound(10.0, [0.3, 0.1], [1.5, 0.5], [0.5, 0.5], 0.4)
    >>> e = block_error_curve([10.0], [0.3, 0.1], [1.5, 0.5], [0.5, 0.5], 0.4).sum()
    >>> bool(abs(e) <= b)
    True
    """
    _, mu, V, start, w, _ = _modes(eps0, eigenvalues, fractions, eta, noise_variance, trained)
    return float(np.sum(np.abs((w @ V) * start) * np.exp(mu * alpha)))


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
