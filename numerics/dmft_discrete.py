"""The discrete-time DMFT of Langevin-trained random-feature regression and its direct simulation.

Kramp, Lindner, Helias, arXiv:2602.23039, reconstruction in ``shared/reference/papers.md`` §1
(K-1, K-3 … K-6); the discrete statements are those derived step by step by the catalogue entry
``dmft-langevin`` (its Martin–Siggia–Rose part).  N modes with eigenvalues Λ_i > 0 and teacher
w̄_i, P samples, loss scale c > 0, weight decay g ≥ 0, inverse temperature β > 0, label-noise
variance σ² ≥ 0; the discrepancy Δ = w − w̄ starts at Δ_i(0) = −w̄_i.

**The discrete dynamics.**  The Itô Euler–Maruyama step h of (K-1), t_k = kh, k = 0 … T,

    Δ_{k+1} = Δ_k − h[gΔ_k + gw̄ + cΦᵀ(ΦΔ_k − ε)] + √(2h/β) ξ_k,   ξ_k ~ N(0, I_N),

with Φ = Z Λ^{1/2} (Z a P×N standard normal matrix) and ε ~ N(0, σ² I_P), is simulated exactly by
:func:`simulate_discrete_dynamics` (per draw of the data: Σ_iΛ_iw̄_iΔ_ik, Σ_iΛ_iΔ_ik² and a
Hutchinson estimate of the Λ-weighted response).

**Its saddle point** (N, P → ∞; :func:`discrete_dmft`) is N independent single-mode processes
coupled by the Λ-weighted response S_kl = Σ_i Λ_i χ_i,kl and the collective kernel ρ̃:

    ρ = (1 + hcS)⁻¹ = 1 − hρ̃,   i.e.  ρ̃ = cS − chSρ̃                               (K-4, discrete)
    Δ_{i,k+1} = Δ_ik − h[gΔ_ik + gw̄_i + cPΛ_i(Δ_ik − hΣ_{m<k} ρ̃_km Δ_im)] + ν_ik,     (K-3, discrete)
    Cov(ν_ik, ν_il) = h²c²PΛ_i (ρC̄ρᵀ)_kl + (2h/β)δ_kl,   C̄ = C + σ²11ᵀ,              (K-6, discrete)
    C_kl = Σ_i Λ_i E[Δ_ik Δ_il],

built causally step by step (row k of S needs the responses up to step k).

**The continuum limit** h → 0 (:func:`continuum_solution`, trapezoidal and second order in its own
step δ) solves dR_i/dt = −gR_i − cPΛ_i[R_i − ρ̃⋆R_i], R_i(0) = 1, ρ̃ = cS − cS⋆ρ̃, S = Σ_iΛ_iR_i, the
mean of the single-mode process and its covariance; :func:`laplace_kernel` gives the Laplace
form (K-5), R̂_i(z) = 1/(cPρ̂(Λ_i + κ)), 1 − ρ̂ = (1/P)Σ_jΛ_j/(Λ_j + κ), κ(P − Σ_jΛ_j/(Λ_j + κ)) =
(z + g)/c.  These are the references that the discrete process converges to (first order in h).

Bad arguments raise ``ValueError`` naming the argument and its allowed range.

>>> out = discrete_dmft([1.0, 0.5], [1.0, -1.0], P_=3.0, c_=0.5, g_=0.1, beta_=2.0, sigma2_=0.1, h_=0.1, T=4)
>>> out["m"].shape, out["C"].shape, out["resp"].shape
((2, 5), (5, 5), (2, 5, 4))
>>> round(float(out["rho_tilde"][1, 0]), 12)       # ρ̃_10 = cS_10 = cΣ_iΛ_i
0.75
>>> sim = simulate_discrete_dynamics(np.random.default_rng(0), [1.0, 0.5], [1.0, -1.0], 3, 0.5, 0.1, 2.0,
...                                  0.1, 0.1, 4, draws=2)
>>> sim["L"].shape, float(sim["L"][0, 0])          # Σ_i Λ_i w̄_i Δ_i0 = −Σ_i Λ_i w̄_i²
((2, 5), -1.5)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .solvers import find_root_bracketed, fixed_point
from .validate import finite, nonnegative, positive, real

__all__ = [
    "discrete_dmft",
    "simulate_discrete_dynamics",
    "continuum_solution",
    "laplace_kernel",
]


def _model_inputs(lam, wbar, P_, c_, g_, beta_, sigma2_):
    """Arrays of the spectrum and the teacher; ValueError naming a bad argument and its range."""
    lam, wbar = finite("lam", lam), finite("wbar", wbar)        # complex: refused, not cut to its real part
    if lam.ndim != 1 or lam.size == 0 or np.any(lam <= 0):
        raise ValueError(f"lam must be a non-empty 1-D array of finite eigenvalues > 0, got {lam!r}")
    if wbar.shape != lam.shape:
        raise ValueError(f"wbar must be a finite array of the shape of lam {lam.shape}, got shape {wbar.shape}")
    positive("P", P_), positive("c", c_), nonnegative("g", g_), positive("beta", beta_), nonnegative("sigma2", sigma2_)
    return lam, wbar


def discrete_dmft(lam, wbar, P_, c_, g_, beta_, sigma2_, h_, T):
    """The discrete saddle point (Itô step h, T steps) for eigenvalues ``lam`` and teacher ``wbar``.

    Built causally, step by step, from the derived statements: S_kl = Σ_i Λ_i χ_i,kl,
    ρ = (1 + hcS)⁻¹ = 1 − hρ̃ (discrete K-4), the single-mode step of (effective-process-discrete)
    Δ_{k+1} = Δ_k − h[gΔ_k + gw̄ + cPΛ(Δ_k − hΣ_{m<k}ρ̃_km Δ_m)] + ν_k (discrete K-3) for the
    responses χ_i (kicks ν_il entering Δ_{i,l+1}) and the means m_i, the noise covariance
    h²c²PΛ_i ρC̄ρᵀ + (2h/β)1 (discrete K-6) and C = Σ_i Λ_i (m_i m_iᵀ + χ_i K_i χ_iᵀ).  Returns
    a dict of arrays: S, rho_tilde, K (T×T; K the covariance of η), m (N×(T+1)),
    C ((T+1)×(T+1)), resp (N×(T+1)×T).  Source: arXiv:2602.23039 (K-3, K-4, K-6), derived here.

    >>> out = discrete_dmft([1.0], [1.0], P_=2.0, c_=0.5, g_=0.0, beta_=1.0, sigma2_=0.0, h_=0.1, T=2)
    >>> [round(float(v), 12) for v in out["m"][0]]   # Δ_1 = (1 − hcPΛ)Δ_0; Δ_2 adds h²cPΛρ̃_10Δ_0
    [-1.0, -0.9, -0.815]
    >>> float(out["rho_tilde"][1, 0])                  # ρ̃_10 = cS_10 = cΣΛ
    0.5
    """
    lam, wbar = _model_inputs(lam, wbar, P_, c_, g_, beta_, sigma2_)
    positive("h", h_)
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be an integer >= 1, got {T!r}")
    n = lam.size
    decay = 1 - h_ * g_ - h_ * c_ * P_ * lam
    memory = h_ ** 2 * c_ * P_ * lam
    resp = np.zeros((n, T + 1, T))
    mean = np.zeros((n, T + 1))
    mean[:, 0] = -wbar
    S_ = np.zeros((T, T))
    rt = np.zeros((T, T))
    for k1 in range(T):                       # row k1 of S needs the responses up to step k1
        S_[k1, :k1] = lam @ resp[:, k1, :k1]
        rho = np.linalg.inv(np.eye(k1 + 1) + h_ * c_ * S_[:k1 + 1, :k1 + 1])
        rt[k1, :k1] = -rho[k1, :k1] / h_
        resp[:, k1 + 1, :] = decay[:, None] * resp[:, k1, :] + memory[:, None] * np.einsum(
            "m,imj->ij", rt[k1, :k1], resp[:, :k1, :])
        resp[:, k1 + 1, k1] += 1.0
        mean[:, k1 + 1] = decay * mean[:, k1] - h_ * g_ * wbar + memory * (mean[:, :k1] @ rt[k1, :k1])
    rho = np.eye(T) - h_ * rt
    C_ = np.einsum("i,ik,il->kl", lam, mean, mean)
    K = np.zeros((T, T))
    for k1 in range(T):                       # K up to step k1 needs C up to step k1
        top = slice(0, k1 + 1)
        K[top, top] = rho[top, top] @ (C_[top, top] + sigma2_) @ rho[top, top].T
        Kmode = (h_ ** 2 * c_ ** 2 * P_ * lam[:, None, None] * K[None, top, top]
                 + (2 * h_ / beta_) * np.eye(k1 + 1)[None])
        chi = resp[:, :k1 + 2, top]
        cov = np.einsum("ika,iab,ilb->ikl", chi, Kmode, chi)
        C_[:k1 + 2, :k1 + 2] = np.einsum("i,ikl->kl", lam, mean[:, :k1 + 2, None] * mean[:, None, :k1 + 2] + cov)
    return {"S": S_, "rho_tilde": rt, "m": mean, "C": C_, "K": K, "resp": resp}


def simulate_discrete_dynamics(rng, lam, wbar, P_, c_, g_, beta_, sigma2_, h_, T, draws):
    """The exact discrete dynamics (Itô step h, T steps) for ``draws`` independent data sets.

    Per draw: Gaussian features Φ = ZΛ^{1/2} (P×N), label noise ε ~ N(0, σ²), Langevin noise; the
    step Δ_{k+1} = Δ_k − h[gΔ_k + gw̄ + cΦᵀ(ΦΔ_k − ε)] + √(2h/β)ξ_k from Δ_0 = −w̄.  Returns a dict
    of arrays: L (draws×(T+1)) = Σ_iΛ_iw̄_iΔ_ik, C (draws×(T+1)) = Σ_iΛ_iΔ_ik² and S (draws×T), a
    one-probe (Hutchinson) estimate of tr ΛX^j, X = 1 − h(cΦᵀΦ + g), the response at lag j + 1.
    ``rng`` (a :class:`numpy.random.Generator`) is consumed in a fixed order, so a seed fixes the
    result.  Source: arXiv:2602.23039 (K-1), discretised.
    """
    lam, wbar = _model_inputs(lam, wbar, P_, c_, g_, beta_, sigma2_)
    for name, value, low in (("P", P_, 1), ("T", T, 1), ("draws", draws, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    positive("h", h_)
    n = lam.size
    root = np.sqrt(lam)
    out = {"L": np.zeros((draws, T + 1)), "C": np.zeros((draws, T + 1)), "S": np.zeros((draws, T))}
    for r in range(draws):
        Phi = rng.standard_normal((P_, n)) * root
        noise = rng.standard_normal(P_) * math.sqrt(sigma2_)
        x = -wbar.copy()
        probe = rng.choice((-1.0, 1.0), n) * root
        v = probe.copy()
        out["L"][r, 0], out["C"][r, 0] = (lam * wbar) @ x, lam @ x ** 2
        for k1 in range(T):
            x = x - h_ * (g_ * x + g_ * wbar + c_ * Phi.T @ (Phi @ x - noise)) \
                + math.sqrt(2 * h_ / beta_) * rng.standard_normal(n)
            out["S"][r, k1] = probe @ v
            v = v - h_ * (g_ * v + c_ * Phi.T @ (Phi @ v))
            out["L"][r, k1 + 1], out["C"][r, k1 + 1] = (lam * wbar) @ x, lam @ x ** 2
    return out


def continuum_solution(lam, wbar, P_, c_, g_, beta_, sigma2_, t_max, delta, covariance=True):
    """Solve the continuum statements on t_n = nδ, 0 ≤ t_n ≤ t_max, by the trapezoidal rule.

    (response-equation) dR_i/dt = −gR_i − cPΛ_i[R_i − ρ̃⋆R_i], R_i(0) = 1; (collective-response)
    ρ̃ = cS − cS⋆ρ̃, S = Σ_i Λ_i R_i; the mean of (effective-process) with m_i(0) = −w̄_i; and, if
    ``covariance``, C(t, t') = Σ_i Λ_i[m_i m_i + c²PΛ_i R_i⋆K⋆R_i + (2/β)∫R_i R_i] with
    K = (1 − ρ̃⋆)(C + σ²)(1 − ρ̃⋆)ᵀ of (noise-kernel), solved as a fixed point.  Crank–Nicolson for
    the time derivative, trapezoid for the convolutions: second order in δ, independent of the
    first-order grid of the derivation.  Source: arXiv:2602.23039 (K-3, K-4, K-6).  Returns R, m
    (N×n), S, rho_tilde, t (n) and C, K (n×n); raises ConvergenceError (numerics.solvers) if the
    covariance fixed point does not converge.

    >>> out = continuum_solution([1.0], [1.0], 1.0, 1.0, 0.0, 1.0, 0.0, t_max=0.5, delta=0.25, covariance=False)
    >>> float(out["rho_tilde"][0]), out["R"].shape    # ρ̃(0) = cS(0) = cΣΛ
    (1.0, (1, 3))
    """
    lam, wbar = _model_inputs(lam, wbar, P_, c_, g_, beta_, sigma2_)
    if not (positive("delta", delta) and positive("t_max", t_max) >= delta):
        raise ValueError(f"delta must be > 0 and t_max >= delta (finite), got delta={delta!r}, t_max={t_max!r}")
    n = int(round(t_max / delta)) + 1
    rate, mem = g_ + c_ * P_ * lam, c_ * P_ * lam
    Rr = np.zeros((lam.size, n))
    Rr[:, 0] = 1.0
    mm = np.zeros((lam.size, n))
    mm[:, 0] = -wbar
    rt, Sv = np.zeros(n), np.zeros(n)
    Sv[0] = lam.sum()
    rt[0] = c_ * Sv[0]
    den = 1 + delta / 2 * rate - delta / 2 * mem * delta / 2 * rt[0]
    coef_R = delta / 2 * mem * delta / 2 * Rr[:, 0]
    coef_m = delta / 2 * mem * delta / 2 * mm[:, 0]
    for q in range(n - 1):
        # the trapezoid sums at t_{q+1} without their unknown end points ρ̃_{q+1}R_0 and ρ̃_0 R_{q+1}
        hist_R = delta * (Rr[:, 1:q + 1] @ rt[q:0:-1])
        hist_m = delta * (mm[:, 1:q + 1] @ rt[q:0:-1])
        base_R = Rr[:, q] + delta / 2 * (-rate * Rr[:, q] + mem * _trap_conv(rt, Rr, q, delta)) + delta / 2 * mem * hist_R
        base_m = mm[:, q] + delta / 2 * (-rate * mm[:, q] - 2 * g_ * wbar + mem * _trap_conv(rt, mm, q, delta)) \
            + delta / 2 * mem * hist_m
        # R_{q+1} = (base_R + coef_R ρ̃_{q+1})/den, so S_{q+1} = A + Bρ̃_{q+1}; insert in
        # ρ̃_{q+1} = cS_{q+1} − cδ[½S_{q+1}ρ̃_0 + Σ_{m=1}^{q} S_{q+1−m}ρ̃_m + ½S_0ρ̃_{q+1}]
        A_, B_ = lam @ (base_R / den), lam @ (coef_R / den)
        hist_S = delta * (Sv[q:0:-1] @ rt[1:q + 1])
        new = (c_ * A_ * (1 - delta / 2 * rt[0]) - c_ * hist_S) / (
            1 + c_ * delta / 2 * Sv[0] - c_ * B_ * (1 - delta / 2 * rt[0]))
        rt[q + 1] = new
        Rr[:, q + 1] = (base_R + coef_R * new) / den
        mm[:, q + 1] = (base_m + coef_m * new) / den
        Sv[q + 1] = lam @ Rr[:, q + 1]
    out = {"R": Rr, "S": Sv, "rho_tilde": rt, "m": mm, "t": delta * np.arange(n)}
    if covariance:
        out.update(_continuum_covariance(lam, Rr, mm, rt, P_, c_, beta_, sigma2_, delta))
    return out


def _trap_conv(f, G, q, delta):
    """Σ over the trapezoid at t_q of f(t_q − s) G(s) (G: rows of functions), without the new point."""
    if q == 0:
        return np.zeros(G.shape[0])
    weights = np.ones(q + 1)
    weights[0] = weights[-1] = 0.5
    return delta * (G[:, :q + 1] * (weights * f[q::-1])).sum(axis=1)


def _lag_matrix(f, delta):
    """Trapezoid matrix of the convolution (f ⋆ x)(t_n) = ∫_0^{t_n} f(t_n − u) x(u) du."""
    n = f.size
    idx = np.arange(n)
    L = np.where(idx[:, None] >= idx[None, :], f[np.clip(idx[:, None] - idx[None, :], 0, n - 1)], 0.0) * delta
    L[:, 0] *= 0.5
    L[idx, idx] *= 0.5
    L[0, 0] = 0.0
    return L


def _continuum_covariance(lam, Rr, mm, rt, P_, c_, beta_, sigma2_, delta):
    n = rt.size
    rho = np.eye(n) - _lag_matrix(rt, delta)
    idx = np.arange(n)
    langevin, data_ops = [], []
    for i in range(lam.size):
        Li = _lag_matrix(Rr[i], delta)
        G = np.where(idx[:, None] >= idx[None, :], Rr[i][np.clip(idx[:, None] - idx[None, :], 0, n - 1)], 0.0)
        lag = Rr[i][np.abs(idx[:, None] - idx[None, :])]
        white = delta * (G @ G.T) - 0.5 * delta * np.outer(G[:, 0], G[:, 0]) - 0.5 * delta * lag
        white[0, :] = white[:, 0] = 0.0
        langevin.append((2 / beta_) * white)
        data_ops.append((c_ ** 2 * P_ * lam[i], Li))
    base = np.einsum("i,ik,il->kl", lam, mm, mm) + sum(lam[i] * langevin[i] for i in range(lam.size))

    def update(C_):
        K = rho @ (C_ + sigma2_) @ rho.T
        return base + sum(lam[i] * a * (L @ K @ L.T) for i, (a, L) in enumerate(data_ops)), K

    result = fixed_point(lambda flat: update(flat.reshape(n, n))[0].ravel(), base.ravel(), maxiter=500)
    C_ = result.x.reshape(n, n)
    return {"C": C_, "K": rho @ (C_ + sigma2_) @ rho.T}


def laplace_kernel(lam, P_, c_, g_, z_):
    """The Laplace form (K-5): R̂_i(z) = 1/(cPρ̂(Λ_i + κ)) and the transform of ρ̃, 1 − ρ̂ =
    (1/P)Σ_j Λ_j/(Λ_j + κ), with κ > 0 from κ(P − Σ_j Λ_j/(Λ_j + κ)) = (z + g)/c (bracketed root;
    numerics.solvers reports one that does not converge).  Source: arXiv:2602.23039 (K-5).

    >>> R_hat, rt_hat = laplace_kernel([1.0], 1.0, 1.0, 0.0, 1.0)   # κ²/(1 + κ) = 1: κ = golden ratio
    >>> round(float(rt_hat), 12), round(float(R_hat[0]), 12)       # 1/(1 + κ), 1/κ
    (0.38196601125, 0.61803398875)
    """
    lam, _ = _model_inputs(lam, np.zeros(np.size(lam)), P_, c_, g_, 1.0, 0.0)
    if not float(real("z", z_)) + g_ > 0:
        raise ValueError(f"z must be finite with z + g > 0, got z={z_!r}, g={g_!r}")
    f = lambda kap: kap * (P_ - np.sum(lam / (lam + kap))) - (z_ + g_) / c_
    hi = 1.0
    for _ in range(2000):                        # f(0) < 0 and f(κ) → ∞: a sign change exists
        if f(hi) > 0:
            break
        hi *= 2
    kap = find_root_bracketed(f, 0.0, hi).root
    rho_hat = 1 - np.sum(lam / (lam + kap)) / P_
    return 1 / (c_ * P_ * rho_hat * (lam + kap)), 1 - rho_hat

