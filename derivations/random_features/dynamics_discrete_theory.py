"""Gradient descent in discrete time for ``random-feature-dynamics``: H_k(n) from the generating function of
(gd-transfer), inverted on a circle |z| = ρ < 1, with κ from (kappa-of-s) at s = λ(z) = (1 − z)/(hz) continued
along the circle by :func:`~derivations.random_features.dynamics_theory.kappa_on_nodes`.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from derivations import registry
import derivations.random_features.dynamics_discrete_steps as ds
import derivations.random_features.dynamics_steps as dyn
from derivations.random_features.dynamics_theory import (INFINITE_DATA, LossCurve, _compiled, _eta, _finite_or_raise,
                                                         _inputs, _kappa, _rule, _sums, kappa_on_nodes,
                                                         one_point_functions, require_teacher)
from derivations.ridge import PowerLawSpectrum
from derive.spectral import ETA, K
from numerics.array_roots import bisect_increasing
from numerics.bridge import to_numpy
from numerics.spectral_quadrature import SpectralRule
from numerics.validate import nonnegative, positive

__all__ = ["discrete_loss_curve", "discrete_transfer_functions", "gd_stability_limit", "spectrum_edge"]


#: the circle |z| = ρ of the inverse generating-function transform: ρ^M = 10^(−ALIAS_DIGITS)
ALIAS_DIGITS = 10
#: Im κ / |κ| tolerated at the circle's negative real node (real beyond the spectrum's edge)
EDGE_TOL = 1e-8


def _step_counts(steps):
    n = np.atleast_1d(np.asarray(steps))
    if n.ndim != 1 or n.size < 1 or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError("steps must be a non-empty 1-D array of non-negative whole numbers")
    return n.astype(int)


@functools.cache
def _compiled_gd():
    """(gd-transfer) compiled; the discrete steps are added to the entry by the face, so read from the registry."""
    rhs = registry.get("random-feature-dynamics")["gd-transfer"].rhs
    return to_numpy(rhs.xreplace({ETA[K]: _eta, dyn.kappa: _kappa}), [_eta, _kappa, ds.z])


@functools.cache
def _compiled_edge():
    """(gd-stability-finite) compiled: ds/dκ and λ₊ = −s in κ, Df, Df′, N, P; h_max in λ₊."""
    edge, top, bound = registry.get("random-feature-dynamics")["gd-stability-finite"]
    Df_of = sp.Function("Df")(dyn.kappa)
    Df, Dfp = sp.Symbol("Df"), sp.Symbol("Dfp")
    atoms = lambda e: e.subs(sp.Derivative(Df_of, dyn.kappa), Dfp).subs(Df_of, Df)
    args = [dyn.kappa, Df, Dfp, dyn.N, dyn.P]
    return (to_numpy(atoms(edge.lhs), args), to_numpy(atoms(top.rhs), args), to_numpy(bound.rhs, [top.lhs]))


def spectrum_edge(eigenvalues, N, P) -> float:
    """λ₊, the top of the deterministic-equivalent spectrum of G = FFᵀ/P (F = AΨᵀ/√N) for the population
    eigenvalues η_k (gd-stability-finite): κ = −η_max − u, u > 0, with ds/dκ rising from −∞ (u → 0) to 1
    (u → ∞); its root by bisection, λ₊ = −s(κ₊).  N, P = ∞ (or no root at u ≥ 1e-15·η_max): λ₊ = η_max.
    P = ∞ gives the top of Σ = AΛAᵀ/N.

    >>> round(spectrum_edge([1.0] * 400, 100, float("inf")), 9)     # Marchenko–Pastur: (M/N)(1 + √(N/M))² = 9
    9.0
    """
    rule = _rule(eigenvalues)
    N, P = (min(positive(name, v, allow_inf=True), INFINITE_DATA) for name, v in (("N", N), ("P", P)))
    slope, top, _ = _compiled_edge()
    at = lambda u: -rule.top - np.asarray(u, dtype=float)
    def rate(u):
        kappa = at(u)
        Df, Dfp = _sums(rule, kappa)
        return slope(kappa, Df, Dfp, N, P)
    lo, hi = np.array(1e-15 * rule.top), np.array(rule.top)
    if rate(lo) >= 0:
        return float(rule.top)
    while rate(hi) <= 0:
        hi = hi * 4
        if hi > 1e30 * rule.top:
            raise ArithmeticError("spectrum_edge: ds/dκ stays negative below −η_max")
    u = bisect_increasing(rate, lo, hi, "the top of the empirical kernel's spectrum")
    kappa = at(u)
    Df, Dfp = _sums(rule, kappa)
    return float(top(kappa, Df, Dfp, N, P))


def gd_stability_limit(eigenvalues, N, P) -> float:
    """The largest stable step of gradient descent at width N and P samples, h_max = 2/λ₊ (gd-stability-finite),
    λ₊ from :func:`spectrum_edge`; 2/η_max at N, P = ∞.

    >>> inf = float("inf")
    >>> gd_stability_limit([1.0] * 400, inf, inf), round(gd_stability_limit([1.0] * 400, 100, inf), 9)   # 2/9: MP edge
    (2.0, 0.222222222)
    """
    return float(_compiled_edge()[2](spectrum_edge(eigenvalues, N, P)))


def _require_stable(h, rule, N, P):
    limit = gd_stability_limit(rule, N, P)
    if h >= limit:
        raise ValueError(f"step_size={h:g}: gradient descent diverges: the stable steps at N = {N:g}, P = {P:g} are "
                         f"h < 2/λ₊ = {limit:.6g} (λ₊ the top of the empirical kernel's spectrum; population bound "
                         f"2/max η = {2 / rule.top:g})")


def discrete_transfer_functions(steps, eigenvalues, N, P, step_size) -> np.ndarray:
    """H_k(n) (T × D) of gradient descent with step h = ``step_size`` after n = ``steps`` steps: the
    coefficients of the generating function of (gd-transfer), κ from (kappa-of-s) at s = λ(z) = (1 − z)/(hz),
    by the trapezoidal rule on the circle |z| = ρ (M ≥ 2 max n nodes, ρ^M = 1e-10: aliasing ≤ 1e-10; the
    factor ρ^(−n) ≤ 1e5 bounds the loss of digits).  κ is continued along the circle from its positive real
    node; at the negative real node s = −(1 + ρ)/(hρ) it must be real — otherwise that point lies on the
    empirical spectrum's cut, the generating function is not analytic in |z| < 1 and the descent diverges:
    ValueError naming the step size.

    >>> H = discrete_transfer_functions([0, 3], [1.0, 0.25], N=1e12, P=1e12, step_size=0.5)
    >>> np.allclose(H, [[1, 1], [0.125, 0.875 ** 3]], atol=1e-9)      # population: (1 − hη_k)^n
    True
    """
    h = positive("step_size", step_size)
    n = _step_counts(steps)
    if isinstance(eigenvalues, (SpectralRule, PowerLawSpectrum)):
        raise TypeError("discrete_transfer_functions needs the eigenvalues as an array (one H_k per mode)")
    _, rule, N, P = _inputs([0.0], eigenvalues, None, N, P)
    _require_stable(h, rule, N, P)
    return _discrete_transfer(n, h, rule, np.asarray(eigenvalues, dtype=float), N, P)


def _discrete_transfer(n, h, rule, eta, N, P):
    """H(n) at the eigenvalues ``eta`` (T × len), κ from the modes of ``rule``."""
    M = max(64, 2 * int(n.max()) + 2)
    M += M % 2
    rho = 10.0 ** (-ALIAS_DIGITS / M)
    theta = 2 * np.pi * np.arange(M // 2 + 1) / M
    z = rho * np.exp(1j * theta)
    s = (1 - z) / (h * z)
    kappa = kappa_on_nodes(s[None, :], rule, N, P)[0]
    if abs(kappa[-1].imag) > EDGE_TOL * abs(kappa[-1]):
        raise ValueError(f"step_size={h:g}: gradient descent diverges (the step is beyond 2/(top of the empirical "
                         f"kernel's spectrum); population bound 2/max η = {2 / rule.top:g})")
    G = _compiled_gd()(eta[None, :], kappa[:, None], z[:, None])          # (M/2 + 1, D)
    weights = np.full(M // 2 + 1, 2.0)
    weights[0] = weights[-1] = 1.0
    phase = np.exp(-1j * np.outer(n, theta)) * rho ** (-n[:, None].astype(float))     # (T, M/2 + 1)
    H = np.real((phase * weights) @ G) / M
    return _finite_or_raise(H, "discrete_transfer_functions")


#: circles of the double inversion: ρ^M = 10^(−DOUBLE_DIGITS) with M ≥ 4 max n, so that ρ^(−2n) ≤ 10^DOUBLE_DIGITS
DOUBLE_DIGITS = 8


def _circle_functions(theta, rho, h, rule, N, P):
    """At z = ρe^{iθ} and s = λ(z): κ (continued along the circle from θ = 0), the level k, Df and tf."""
    grid = np.concatenate([[0.0], theta])
    order = np.argsort(grid, kind="stable")
    z_sorted = rho * np.exp(1j * grid[order])
    kappa_sorted = kappa_on_nodes(((1 - z_sorted) / (h * z_sorted))[None, :], rule, N, P)[0]
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    kappa = kappa_sorted[position[1:]]
    return (rho * np.exp(1j * theta), kappa, *one_point_functions(rule, kappa, N))


def discrete_loss_curve(steps, eigenvalues, teacher_coefficients, N, P, step_size, noise_variance=0.0) -> LossCurve:
    """The expected test, training and ensemble losses of gradient descent with step h after n = ``steps``
    steps: the two-variable generating function F(κ(λ₁), κ(λ₂), …)/((1 − z₁)(1 − z₂)) — F the flow's
    (two-point-loss), (ensemble-two-point-loss), (training-loss) numerators, since (1 − z)Σ_n z^n(β_n − w̄) is
    the ridge error at λ(z) (gd-ridge-correspondence) — inverted on two circles of the same radius, the
    second rotated by half a node so that no two nodes coincide (the numerators are difference quotients).
    ``mean_predictor`` from :func:`discrete_transfer_functions`.  Divergent steps raise ValueError.

    >>> r = discrete_loss_curve([0, 1, 50], [1.0, 0.25], [1.0, 1.0], N=1e12, P=1e12, step_size=0.5)
    >>> np.allclose(r.test, [1.25, 0.25 + 0.25 * 0.875 ** 2, 0.25 * 0.875 ** 100], atol=1e-9)   # Σ η w̄²(1 − hη)^{2n}
    True
    """
    h = positive("step_size", step_size)
    n = _step_counts(steps)
    if isinstance(eigenvalues, PowerLawSpectrum):
        raise TypeError("discrete_loss_curve needs the eigenvalues as an array")
    require_teacher(eigenvalues, teacher_coefficients)
    _, rule, N, P = _inputs([0.0], eigenvalues, teacher_coefficients, N, P)
    s2 = nonnegative("noise_variance", noise_variance)
    _require_stable(h, rule, N, P)
    M = max(64, 4 * int(n.max()) + 8)
    M += M % 2
    rho = 10.0 ** (-DOUBLE_DIGITS / M)
    theta1 = 2 * np.pi * np.arange(M) / M
    theta2 = 2 * np.pi * (np.arange(M) + 0.5) / M
    z1, K1, k1, D1, f1 = _circle_functions(theta1, rho, h, rule, N, P)
    z2, K2, k2, D2, f2 = _circle_functions(theta2, rho, h, rule, N, P)
    edge = K1[M // 2]                                                        # θ = π: real beyond the cut
    if abs(edge.imag) > EDGE_TOL * abs(edge):
        raise ValueError(f"step_size={h:g}: gradient descent diverges (beyond 2/(top of the empirical kernel's "
                         f"spectrum))")
    c = _compiled()
    p1 = np.exp(-1j * np.outer(n, theta1)) * rho ** (-n[:, None].astype(float)) / M
    p2 = np.exp(-1j * np.outer(n, theta2)) * rho ** (-n[:, None].astype(float)) / M
    a, b = (lambda x: x[:, None]), (lambda x: x[None, :])
    out = {}
    initial = float(np.sum(rule.teacher_weights))
    for name in ("test", "train", "ensemble"):
        G = c[name](a(K1), b(K2), a(k1), b(k2), a(D1), b(D2), a(f1), b(f2), s2, P) / ((1 - a(z1)) * (1 - b(z2)))
        value = np.real(np.einsum("tj,tl,jl->t", p1, p2, G))
        value = np.where(n == 0, initial, value)
        out[name] = _finite_or_raise(value + (s2 if name != "train" else np.where(n == 0, s2, 0.0)),
                                     "discrete_loss_curve")
    H = _discrete_transfer(n, h, rule, rule.teacher_nodes, N, P)
    return LossCurve(n.astype(float), out["test"], out["train"], out["ensemble"],
                     np.sum(rule.teacher_weights * H ** 2, axis=1))
