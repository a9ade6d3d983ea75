"""Mode sums over a large or infinite spectrum as short quadrature rules.

The deterministic equivalents of random-feature regression are sums over modes, Σ_k f(η_k) (the counting
measure: Df, Df′) and Σ_k η_k w̄_k² g(η_k) (the teacher measure: tf, the losses), with f and g analytic
in η away from a pole at η = −κ.  A :class:`SpectralRule` replaces each measure by a short Gauss rule:

* a finite spectrum is cut into bins of ratio ``RATIO`` in η; a bin with more than ``ORDER`` modes gets
  the ``ORDER``-point Gauss rule of its discrete measure (Lanczos on diag(η) with full
  reorthogonalisation, then Golub–Welsch), a smaller one keeps its modes.  Rational f of degree −1 with
  the pole at distance ≥ d from a bin [λ, Rλ] is integrated with error ~ ρ^(−2·ORDER), ρ the Bernstein
  parameter of the pole (≥ 9.9 for R = 1.5 and κ ≥ 0: error ~ 1e-16 relative);
* the infinite power law η_k = k^(−b), η_k w̄_k² = k^(−a) (:func:`power_law_rule`) keeps k ≤ ``EXACT_MODES``
  as a finite spectrum and replaces Σ_{k > K} by the integral from K + ½ (midpoint Euler–Maclaurin: the
  dropped term G′(K + ½)/24 is below p(p − 1)/(24K²) ≈ 1e-13·p² of the tail), written in η with the
  densities ρ(η) = η^(−1−1/b)/b and η^(a/b)ρ(η): Gauss–Legendre in log η on bins of ratio 2 down to
  ``FLOOR``·η_max, and a Gauss–Jacobi panel with the density's power on [0, FLOOR·η_max].

>>> rule = spectral_rule(np.arange(1, 10**5 + 1) ** -1.5, np.ones(10**5))
>>> rule.count_nodes.size < 2000, rule.modes
(True, 100000)
>>> eta = np.arange(1, 10**5 + 1) ** -1.5
>>> exact = np.sum(eta / (eta + 1e-3))
>>> bool(abs(rule.count_sum(lambda e: e / (e + 1e-3)) - exact) < 1e-12 * exact)
True
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from numerics.validate import finite, positive

__all__ = ["SpectralRule", "spectral_rule", "power_law_rule", "discrete_gauss"]

#: Gauss points per bin, ratio of the bins of a finite spectrum
ORDER, RATIO = 10, 1.5
#: bins with more modes than this get their rules from Chebyshev moments; chunk of modes of that pass
CHEBYSHEV_MIN, CHEBYSHEV_CHUNK = 256, 8192
#: spectra with at most this many modes are kept mode by mode
SMALL = 4096
#: modes of an infinite power law kept as a finite spectrum before the integral takes over
EXACT_MODES = 1 << 20
#: the tail's log-bins stop at FLOOR·η_max; below, one Gauss–Jacobi panel
FLOOR = 1e-16


@dataclass(frozen=True)
class SpectralRule:
    """Two quadrature rules standing for the modes: Σ_k f(η_k) ≈ Σ_j m_j f(count_nodes_j) and
    Σ_k η_k w̄_k² g(η_k) ≈ Σ_j q_j g(teacher_nodes_j).  ``modes``: number of modes (``math.inf`` allowed),
    ``trace`` = Σ_k η_k, ``top`` = max η_k, ``bottom`` = min η_k (0 for an infinite spectrum),
    ``exact``: the rules are the modes themselves (m = 1, q = η w̄²)."""

    count_nodes: np.ndarray
    count_weights: np.ndarray
    teacher_nodes: np.ndarray
    teacher_weights: np.ndarray
    modes: float
    trace: float
    top: float
    bottom: float
    exact: bool = False

    def count_sum(self, f):
        """Σ_k f(η_k) for f vectorised over its last axis."""
        return np.sum(self.count_weights * f(self.count_nodes), axis=-1)

    def teacher_sum(self, g):
        """Σ_k η_k w̄_k² g(η_k)."""
        return np.sum(self.teacher_weights * g(self.teacher_nodes), axis=-1)

    @property
    def teacher_coefficients(self) -> np.ndarray:
        """w̄ at the teacher nodes, so that η w̄² = q (the rule in the form of a spectrum with its teacher)."""
        return np.sqrt(self.teacher_weights / self.teacher_nodes)


def discrete_gauss(x, v, n: int):
    """The n-point Gauss rule of the discrete measure Σ_i v_i δ(x − x_i) (v_i ≥ 0): nodes and weights that
    integrate polynomials of degree ≤ 2n − 1 exactly.  Lanczos on diag(x) from √v (full
    reorthogonalisation), then the eigen-decomposition of the Jacobi matrix (Golub–Welsch).  With n ≥ the
    number of points, the points themselves.

    >>> x, w = discrete_gauss(np.linspace(0, 1, 101), np.ones(101), 3)
    >>> bool(np.isclose(np.sum(w * x ** 5), np.sum(np.linspace(0, 1, 101) ** 5)))
    True
    """
    x, v = np.asarray(x, float), np.asarray(v, float)
    keep = v > 0
    x, v = x[keep], v[keep]
    if x.size <= n:
        return x.copy(), v.copy()
    nodes, weights = _lanczos_gauss(x, v[None, :], n)
    return nodes[0], weights[0]


def _lanczos_gauss(x, V, n: int):
    """n-point Gauss rules of the measures Σ_i V[m, i] δ(x − x_i) (every V[m, i] > 0, more than n points) at
    once: Lanczos vectorised over the measures m.  Returns nodes and weights, each (measures, n)."""
    centre, half = 0.5 * (x.max() + x.min()), 0.5 * (x.max() - x.min())
    y = (x - centre) / half
    mass = V.sum(-1)
    Q = np.zeros((V.shape[0], n, x.size))
    q = np.sqrt(V / mass[:, None])
    alpha, beta = np.zeros((V.shape[0], n)), np.zeros((V.shape[0], n))
    for j in range(n):
        Q[:, j] = q
        r = y * q
        alpha[:, j] = (q[:, None, :] @ r[:, :, None])[:, 0, 0]
        r -= alpha[:, j, None] * q + (beta[:, j - 1, None] * Q[:, j - 1] if j else 0.0)
        basis = Q[:, :j + 1]
        r -= (np.swapaxes(basis, 1, 2) @ (basis @ r[:, :, None]))[:, :, 0]              # reorthogonalise
        if j + 1 < n:
            beta[:, j] = np.linalg.norm(r, axis=-1)
            if np.any(beta[:, j] <= 1e-14):
                raise ArithmeticError("discrete_gauss: the measure has fewer distinct points than the rule")
            q = r / beta[:, j, None]
    jacobi = np.zeros((V.shape[0], n, n))
    idx = np.arange(n)
    jacobi[:, idx, idx] = alpha
    jacobi[:, idx[:-1], idx[1:]] = jacobi[:, idx[1:], idx[:-1]] = beta[:, :-1]
    theta, vecs = np.linalg.eigh(jacobi)
    return centre + half * theta, mass[:, None] * vecs[:, 0, :] ** 2


def _chebyshev_gauss(eta, V, edges, n: int):
    """n-point Gauss rules of the measures Σ_i V[m, i] δ(η − η_i) on every bin [edges[b], edges[b + 1]) of the
    ascending ``eta`` at once, by the modified Chebyshev algorithm (Gautschi, *Orthogonal Polynomials*, 2004,
    Sec. 2.1.7): the moments of the monic Chebyshev polynomials on each bin's interval (one pass over the
    modes, in chunks that stay in the cache), the recurrence coefficients from them, then Golub–Welsch.
    Returns nodes and weights (measures, bins, n) and ``ok`` (bins): False where a coefficient is not
    positive and finite or a node leaves its bin (the caller falls back to Lanczos there)."""
    lo, hi = edges[:-1], edges[1:]
    centre, half = 0.5 * (eta[hi - 1] + eta[lo]), 0.5 * (eta[hi - 1] - eta[lo])
    bins = np.repeat(np.arange(lo.size), hi - lo)
    L = 2 * n
    moments = np.zeros((V.shape[0], lo.size, L))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (eta[lo[0]:hi[-1]] - centre[bins]) / half[bins]
    for start in range(0, y.size, CHEBYSHEV_CHUNK):
        x, b = y[start:start + CHEBYSHEV_CHUNK], bins[start:start + CHEBYSHEV_CHUNK]
        p = np.empty((L, x.size))                 # monic Chebyshev: p₂ = x p₁ − ½, p_{l+1} = x p_l − ¼ p_{l−1}
        p[0], p[1] = 1.0, x
        p[2] = x * x - 0.5
        for l in range(2, L - 1):
            p[l + 1] = x * p[l] - 0.25 * p[l - 1]
        first = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        part = V[:, None, lo[0] + start:lo[0] + start + x.size] * p[None]
        moments[:, b[first], :] += np.add.reduceat(part, first, axis=-1).transpose(0, 2, 1)
    b_cheb = np.r_[0.0, 0.5, np.full(L - 2, 0.25)]
    alpha, beta = np.zeros(moments.shape[:2] + (n,)), np.zeros(moments.shape[:2] + (n,))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha[..., 0], beta[..., 0] = moments[..., 1] / moments[..., 0], moments[..., 0]
        before, sigma = np.zeros_like(moments), moments
        for k in range(1, n):
            nxt = np.zeros_like(moments)
            for l in range(k, L - k):
                nxt[..., l] = (sigma[..., l + 1] - alpha[..., k - 1] * sigma[..., l] - beta[..., k - 1] * before[..., l]
                               + b_cheb[l] * sigma[..., l - 1])
            alpha[..., k] = nxt[..., k + 1] / nxt[..., k] - sigma[..., k] / sigma[..., k - 1]
            beta[..., k] = nxt[..., k] / sigma[..., k - 1]
            before, sigma = sigma, nxt
        ok = np.all(np.isfinite(alpha) & np.isfinite(beta) & (beta > 0), axis=(0, 2)) & (half > 0)
    jacobi = np.zeros(beta.shape + (n,))
    idx = np.arange(n)
    jacobi[..., idx, idx] = np.where(ok[None, :, None], alpha, 0.0)
    off = np.sqrt(np.where(ok[None, :, None], beta[..., 1:], 1.0))
    jacobi[..., idx[:-1], idx[1:]] = jacobi[..., idx[1:], idx[:-1]] = off
    theta, vecs = np.linalg.eigh(jacobi)
    ok &= np.all(np.abs(theta) <= 1 + 1e-12, axis=(0, 2))
    nodes = centre[None, :, None] + half[None, :, None] * theta
    return nodes, beta[..., :1] * vecs[..., 0, :] ** 2, ok


def _binned(eta, V):
    """Gauss rules of the measures Σ_i V[m, i] δ(η − η_i), bin by bin in log η (ratio RATIO); ``eta``
    ascending.  Bins of more than CHEBYSHEV_MIN modes: the modified Chebyshev algorithm, all at once;
    smaller ones (or a bin it fails on): Lanczos; at most ORDER modes: the modes.  A list over the measures
    of (nodes, weights)."""
    edges = np.searchsorted(np.log(eta), np.arange(math.log(eta[0]), math.log(eta[-1]) + math.log(RATIO),
                                                   math.log(RATIO)), side="left")
    edges = np.unique(np.concatenate([[0], edges, [eta.size]]))
    lo, hi = edges[:-1], edges[1:]
    rules = [None] * lo.size
    big = np.flatnonzero(hi - lo > CHEBYSHEV_MIN)
    big = big[[bool(np.all(V[:, lo[b]:hi[b]] > 0)) for b in big]]
    for run in np.split(big, np.flatnonzero(np.diff(big) != 1) + 1) if big.size else []:
        nodes, weights, ok = _chebyshev_gauss(eta, V, np.r_[lo[run], hi[run[-1]]], ORDER)
        for j, b in enumerate(run):
            if ok[j]:
                rules[b] = list(zip(nodes[:, j], weights[:, j]))
    for b in range(lo.size):
        if rules[b] is None:
            x, Vb = eta[lo[b]:hi[b]], V[:, lo[b]:hi[b]]
            if x.size > ORDER and np.all(Vb > 0):
                rules[b] = list(zip(*_lanczos_gauss(x, Vb, ORDER)))      # every measure in one Lanczos
            else:
                rules[b] = [discrete_gauss(x, v, ORDER) for v in Vb]
    return [(np.concatenate([r[m][0] for r in rules]), np.concatenate([r[m][1] for r in rules]))
            for m in range(V.shape[0])]


def spectral_rule(eigenvalues, teacher_coefficients, *, compress: bool | None = None) -> SpectralRule:
    """The rule of a finite spectrum η_k with teacher w̄_k: the modes themselves when there are at most
    ``SMALL`` of them (or ``compress=False``), else binned Gauss rules (``compress=True`` forces them)."""
    eta = finite("eigenvalues", eigenvalues)
    w = finite("teacher_coefficients", teacher_coefficients)
    if eta.ndim != 1 or eta.size < 1 or np.any(eta <= 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite values > 0")
    if w.shape != eta.shape:
        raise ValueError(f"teacher_coefficients must have one coefficient per eigenvalue, shape {eta.shape}, "
                         f"got {w.shape}")
    q = eta * w * w
    facts = dict(modes=eta.size, trace=float(eta.sum()), top=float(eta.max()), bottom=float(eta.min()))
    if not (compress if compress is not None else eta.size > SMALL):
        return SpectralRule(eta, np.ones(eta.size), eta, q, exact=True, **facts)
    order = np.argsort(eta, kind="stable")           # ascending; linear time on a sorted (either way) spectrum
    x, q = eta[order], q[order]
    first = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])            # repeated eigenvalues: one point, summed
    x, counts, q = x[first], np.diff(np.r_[first, x.size]).astype(float), np.add.reduceat(q, first)
    if np.any(q > 0):
        (cn, cw), (tn, tw) = _binned(x, np.stack([counts, q]))
    else:
        ((cn, cw),), (tn, tw) = _binned(x, counts[None, :]), (eta[:1], np.zeros(1))
    return SpectralRule(cn, cw, tn, tw, **facts)


def _density_rule(gamma, scale, top, floor):
    """Nodes and weights of ∫_0^top g(η) scale·η^γ dη: Gauss–Legendre in log η on bins of ratio 2 from
    ``top`` down to ``floor``, Gauss–Jacobi (weight η^γ) on [0, floor]."""
    u_top, u_floor = math.log(top), math.log(floor)
    n_bins = max(1, math.ceil((u_top - u_floor) / math.log(2)))
    edges = np.linspace(u_floor, u_top, n_bins + 1)
    x, w = np.polynomial.legendre.leggauss(ORDER)
    half = 0.5 * (edges[1:] - edges[:-1])
    u = (0.5 * (edges[1:] + edges[:-1]))[:, None] + half[:, None] * x[None, :]
    nodes = np.exp(u).ravel()
    weights = (half[:, None] * w[None, :] * np.exp((gamma + 1) * u)).ravel()
    xj, wj = special.roots_jacobi(ORDER, 0.0, gamma)
    jac_nodes = floor * (1 + xj) / 2
    jac_weights = (floor / 2) ** (gamma + 1) * wj
    return np.concatenate([jac_nodes, nodes]), scale * np.concatenate([jac_weights, weights])


@functools.lru_cache(maxsize=32)
def _power_law_rule(a: float, b: float, modes: float) -> SpectralRule:
    K = int(min(modes, EXACT_MODES))
    k = np.arange(1, K + 1, dtype=float)
    head = spectral_rule(k ** -b, np.sqrt(k ** (b - a)), compress=K > SMALL)
    if K == modes:
        return head
    # Σ_{k > K} G(k) ≈ ∫_{K+1/2}^∞ G(k) dk, in η = k^(−b): count density η^(−1−1/b)/b, teacher η^(a/b)·that
    top = (K + 0.5) ** -b
    floor = FLOOR * top
    cn, cw = _density_rule(-1 / b, 1 / b, top, floor)      # ∫ f(η)/η · η^(−1/b)/b dη
    cw = cw / cn
    tn, tw = _density_rule(a / b - 1 - 1 / b, 1 / b, top, floor)
    trace = float(np.sum(k ** -b)) + (K + 0.5) ** (1 - b) / (b - 1)
    return SpectralRule(np.concatenate([head.count_nodes, cn]), np.concatenate([head.count_weights, cw]),
                        np.concatenate([head.teacher_nodes, tn]), np.concatenate([head.teacher_weights, tw]),
                        modes=math.inf, trace=trace, top=1.0, bottom=0.0)


def power_law_rule(a, b, modes=math.inf) -> SpectralRule:
    """The rule of the power law η_k = k^(−b), η_k w̄_k² = k^(−a), k = 1 … ``modes`` (∞ by default; then
    a > 1 and b > 1 are needed for finite sums).

    >>> k = np.arange(1, 10**6 + 1, dtype=float)
    >>> exact = np.sum(k ** -2.0 / (k ** -1.5 + 0.01 - 0.02j))                  # tf at κ = 0.01 − 0.02i
    >>> rule = power_law_rule(2.0, 1.5, modes=10**6)
    >>> bool(abs(rule.teacher_sum(lambda e: 1 / (e + 0.01 - 0.02j)) - exact) < 1e-13 * abs(exact))
    True
    """
    a, b = positive("a", a), positive("b", b)
    modes = positive("modes", modes, allow_inf=True)
    if math.isinf(modes):
        if a <= 1 or b <= 1:
            raise ValueError(f"a and b must be > 1 for an infinite power law (finite Σ k^(−a), Σ k^(−b)), "
                             f"got a={a!r}, b={b!r}")
    elif modes != int(modes):
        raise ValueError(f"modes must be a whole number or inf, got {modes!r}")
    return _power_law_rule(float(a), float(b), modes)
