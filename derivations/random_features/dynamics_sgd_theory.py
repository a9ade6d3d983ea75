"""One-pass SGD for ``random-feature-dynamics``: the expected test loss after n steps of batch B and step h.

* :func:`sgd_loss_curve` — the discrete theory, (sgd-loss-generating) inverted on a circle |z| = ρ < 1 with
  κ(ζ) of (infinite-data) at ζ = −μ_±(z), the roots of (sgd-roots) continued along the circle;
* :func:`sgd_flow_loss_curve` — the continuous renewal equation (sgd-flow-loss) inverted by fixed Talbot
  (any spectrum, the infinite power law included), for small steps;
* :func:`sgd_recursion_loss` — the exact second-moment recursion (sgd-second-moment) of one projection's
  spectrum (μ_i, β_i, r): the per-draw route the deterministic equivalent is checked against;
* :func:`sgd_compute_optimal` — the compute-optimal frontier at C = N·B·n.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
import sympy as sp

from derivations import registry
import derivations.random_features.dynamics_sgd_steps as sg
import derivations.random_features.dynamics_steps as dyn
from derivations.random_features.dynamics_discrete_theory import ALIAS_DIGITS, EDGE_TOL
from derivations.random_features.dynamics_discrete_theory import spectrum_edge
from derivations.random_features.dynamics_theory import (INFINITE_DATA, LOSS_LATE, NODES_1, ComputeFrontier,
                                                         _finite_or_raise, _inputs, _one_point, _residual, _rule,
                                                         _sums, kappa_on_nodes, one_point_functions, require_teacher)
from derivations.ridge import PowerLawSpectrum
from numerics.bridge import to_numpy
from numerics.frontier import minimise_over_width
from numerics.validate import finite, nonnegative, positive, positive_int

__all__ = ["SGDCurve", "sgd_compute_optimal", "sgd_flow_loss_curve", "sgd_loss_curve", "sgd_recursion_loss",
           "sgd_noise_radius", "spectrum_top"]


@dataclass(frozen=True)
class SGDCurve:
    """The expected test MSE (label noise included) of one-pass SGD at each step count (or time)."""

    steps: np.ndarray
    test: np.ndarray


def _entry():
    return registry.get("random-feature-dynamics")


@functools.cache
def _compiled():
    d = _entry()
    loss = d["sgd-loss-generating"].rhs
    args = [sg.z, sg.h, sg.B, sg.mu_p, sg.mu_m, sg.kap_p, sg.kap_m, sg.tf_p, sg.tf_m, sg.Df_p, sg.Df_m, sg.sigma2]
    recursion, factor = d["sgd-second-moment"]
    roots = d["sgd-roots"]
    flow, flow_zeta = d["sgd-flow-loss"]
    _, edge, radius = d["sgd-stability"]
    U_at_edge = sg.U_f(-edge.lhs)                                  # U(−μ_max) ≍ Df(κ) at ζ = −μ_max
    return {"loss": to_numpy(loss, args),
            "edge": to_numpy(edge.rhs, [sg.h, sg.B]),
            "radius": to_numpy(radius.rhs.subs(U_at_edge, dyn.Df), [dyn.Df, sg.B]),
            "roots": [to_numpy(r.rhs, [sg.z, sg.h, sg.B]) for r in roots],
            "factor": to_numpy(factor.rhs, [sg.mu, sg.h, sg.B]),
            "feedback": to_numpy(recursion.rhs.coeff(sg.L_n(sg.n)), [sg.mu, sg.h, sg.B]),
            "flow": to_numpy(flow.rhs, [dyn.s, dyn.kappa, sg.tf, dyn.Df, sg.gamma, sg.trace, sg.sigma2]),
            "flow_zeta": to_numpy(flow_zeta.rhs, [dyn.s]),
            "flow_margin": to_numpy(_renewal_margin(flow.rhs), [sg.gamma, sg.trace])}


def _renewal_margin(flow):
    """s·L̂(s) → (κ tf + σ²)/margin as s → 0: the denominator of (sgd-flow-loss) divided by s, at s = 0, with its
    sign fixed by γ = 0 (the flow, stable)."""
    denominator = sp.fraction(sp.together(flow))[1]
    margin = sp.simplify(sp.cancel(denominator / dyn.s).subs(dyn.s, 0))
    at_flow = margin.subs(sg.gamma, 0)
    if margin.has(dyn.s) or not at_flow.is_number or at_flow == 0:
        raise ValueError(f"the renewal denominator of (sgd-flow-loss) has no finite margin at s = 0: {margin}")
    return margin if at_flow > 0 else -margin


def _sgd_arguments(steps, step_size, batch):
    n = np.atleast_1d(np.asarray(steps))
    if n.ndim != 1 or n.size < 1 or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError("steps must be a non-empty 1-D array of non-negative whole numbers")
    return n.astype(int), positive("step_size", step_size), positive_int("batch", batch)


def _tracked_roots(z, h, B):
    """Root A of 1 − z g(μ) along the circle nodes z (θ from 0 to 2π): the root with μ < 0 at θ = 0, continued."""
    c = _compiled()["roots"]
    both = np.stack([np.asarray(f(z, h, B), dtype=complex) * np.ones_like(z) for f in c])     # (2, M + 1)
    track = np.empty(z.size, dtype=complex)
    track[0] = both[np.argmin(both[:, 0].real), 0]
    for j in range(1, z.size):
        track[j] = both[np.argmin(np.abs(both[:, j] - track[j - 1])), j]
    return track


def _zeta_below(rule, N, x):
    """ζ(κ) of (infinite-data) (the compiled (kappa-of-s) at P = ∞, s = 0) at κ = −η_max(1 + e^x), on the real
    branch beyond the spectrum."""
    kappa = np.array(-rule.top * (1 + math.exp(x)) + 0j)
    return float(np.real(_residual(rule, kappa, N, INFINITE_DATA, 0.0)[0]))


def sgd_noise_radius(eigenvalues, N, step_size, batch) -> float:
    """ρ_SGD = Σ_i hμ_i/(2B − h(B + 1)μ_i) of (sgd-stability) over the spectrum of Σ: the resolvent
    −U(−μ_e)/(B + 1) at the stability edge μ_e = 2B/(h(B + 1)), U ≍ Df(κ) with κ real beyond the spectrum
    (bisection on ζ(κ) = −μ_e); the renewal equation converges iff ρ_SGD < 1.

    >>> round(sgd_noise_radius([0.5, 0.25], 1e300, 0.5, 1), 12)        # 0.25/1.5 + 0.125/1.75
    0.238095238095
    """
    rule = _rule(eigenvalues)
    h, B = positive("step_size", step_size), positive_int("batch", batch)
    N = min(positive("N", N, allow_inf=True), INFINITE_DATA)
    edge = float(_compiled()["edge"](h, B))
    top = spectrum_top(rule, N)
    if not edge > top:
        return math.inf
    if N >= INFINITE_DATA:
        kappa = -edge
    else:
        peak = optimize.minimize_scalar(lambda x: -_zeta_below(rule, N, x), bounds=(-40.0, 40.0), method="bounded",
                                        options={"xatol": 1e-10}).x
        x = optimize.brentq(lambda x: _zeta_below(rule, N, x) + edge, peak, 60.0, xtol=1e-14)
        kappa = -rule.top * (1 + math.exp(x))
    return float(_compiled()["radius"](np.real(_sums(rule, np.array(kappa + 0j), slope=False)[0]), B))


def spectrum_top(eigenvalues, N) -> float:
    """The top μ_max of the spectrum of Σ = AΛAᵀ/N (deterministic equivalent): the edge of
    :func:`~.dynamics_discrete_theory.spectrum_edge` at P = ∞ — for real κ < −η_max the map ζ(κ) = κ(1 − Df(κ)/N)
    of (infinite-data) rises from −∞ and falls back to −∞ as κ → −η_max, and μ_max = −max ζ.  N → ∞: η_max.

    >>> round(spectrum_top([1.0] * 400, 100), 6)          # Marchenko–Pastur: (M/N)(1 + √(N/M))² = 4·(3/2)²
    9.0
    """
    return spectrum_edge(eigenvalues, N, math.inf)


def sgd_loss_curve(steps, eigenvalues, teacher_coefficients, N, step_size, batch, noise_variance=0.0) -> SGDCurve:
    """The expected test loss of one-pass SGD (batch ``batch`` = B, step h = ``step_size``) after n = ``steps``
    steps from w = 0, width N, infinitely many fresh samples: the coefficients of (sgd-loss-generating) by the
    trapezoidal rule on |z| = ρ (M ≥ 2 max n nodes, ρ^M = 1e-10).  κ(ζ) of (infinite-data) is continued along
    the root μ_A(z) once around the circle; the second root at z is the first at z̄, conjugated.  Divergent
    settings raise ValueError: the top of the features' spectrum (:func:`spectrum_top`) beyond the stability edge
    h(1 + 1/B)μ_max < 2, or SGD noise ρ_SGD ≥ 1 (:func:`sgd_noise_radius`).

    >>> r = sgd_loss_curve([0, 1, 2], [1.0], [1.0], N=1e12, step_size=0.5, batch=4)
    >>> g = 0.25 + 0.25 / 4                           # one mode: L(n+1) = (g + h²/B) L(n), g = (1 − h)² + h²/B
    >>> np.allclose(r.test, [1, g + 0.0625, (g + 0.0625) ** 2], atol=1e-8)
    True
    """
    n, h, B = _sgd_arguments(steps, step_size, batch)
    if isinstance(eigenvalues, PowerLawSpectrum):
        raise TypeError("sgd_loss_curve needs the eigenvalues as an array (sgd_flow_loss_curve takes a power law)")
    require_teacher(eigenvalues, teacher_coefficients)
    _, rule, N, _ = _inputs([0.0], eigenvalues, teacher_coefficients, N, math.inf)
    s2 = nonnegative("noise_variance", noise_variance)
    M = max(64, 2 * int(n.max()) + 2)
    rho = 10.0 ** (-ALIAS_DIGITS / M)
    theta = 2 * np.pi * np.arange(M + 1) / M
    z = rho * np.exp(1j * theta)
    top = spectrum_top(rule, N)
    if not top < _compiled()["edge"](h, B):
        raise ValueError(f"step_size={h:g}, batch={B}: SGD diverges (beyond the stability edge h(1 + 1/B)μ_max < 2; "
                         f"the top of the features' spectrum is μ_max = {top:.6g}, the edge of its deterministic equivalent)")
    noise = sgd_noise_radius(rule, N, h, B)
    if not noise < 1:
        raise ValueError(f"step_size={h:g}, batch={B}: SGD diverges (the SGD noise ρ_SGD = (h²/B)K(1) = {noise:.4g} "
                         f"of (sgd-stability) must be < 1)")
    mu_A = _tracked_roots(z, h, B)
    kappa_A = kappa_on_nodes(-mu_A[None, :], rule, N, INFINITE_DATA)[0]
    if abs(kappa_A[-1].imag) > EDGE_TOL * abs(kappa_A[-1]):
        raise ArithmeticError("κ at the root beyond the spectrum is not real: the continuation left its branch")
    _, Df_A, tf_A = one_point_functions(rule, kappa_A, N)
    mirror = lambda x: np.conj(x[M - np.arange(M)])
    z_, args_A = z[:M], (mu_A[:M], kappa_A[:M], tf_A[:M], Df_A[:M])
    mu_B, kappa_B, tf_B, Df_B = (mirror(x) for x in (mu_A, kappa_A, tf_A, Df_A))
    values = _compiled()["loss"](z_, h, B, args_A[0], mu_B, args_A[1], kappa_B, args_A[2], tf_B, args_A[3], Df_B, s2)
    phase = np.exp(-1j * np.outer(n, theta[:M])) * rho ** (-n[:, None].astype(float))
    test = np.real(phase @ values) / M
    return SGDCurve(n.astype(float), _finite_or_raise(test, "sgd_loss_curve"))


def sgd_recursion_loss(steps, mu, beta, width_error, step_size, batch, noise_variance=0.0) -> np.ndarray:
    """The exact expected test loss of SGD for one projection: (sgd-second-moment) iterated over the modes of Σ
    (eigenvalues ``mu``, best-predictor coordinates ``beta``, ``width_error`` = r), from c_i(0) = β_i².

    >>> sgd_recursion_loss([0, 1], [1.0], [1.0], 0.0, 0.5, 4).tolist()
    [1.0, 0.375]
    """
    n, h, B = _sgd_arguments(steps, step_size, batch)
    mu, beta = finite("mu", mu), finite("beta", beta)
    v = nonnegative("width_error", width_error) + nonnegative("noise_variance", noise_variance)
    c = _compiled()
    g, q = c["factor"](mu, h, B), c["feedback"](mu, h, B)
    moments = beta * beta
    out = np.empty(n.size)
    for step in range(int(n.max()) + 1):
        loss = moments @ mu + v
        out[n == step] = loss
        moments = g * moments + q * loss
    return _finite_or_raise(out, "sgd_recursion_loss")


def _flow_stable(gamma, rule):
    """ValueError unless the renewal denominator of (sgd-flow-loss) stays positive as s → 0⁺ (γ tr Λ/2 < 1)."""
    margin = float(_compiled()["flow_margin"](gamma, rule.trace))
    if not margin > 0:
        raise ValueError(f"noise={gamma:g}: SGD diverges (the denominator of (sgd-flow-loss) at s → 0 is "
                         f"{margin:.4g}: γ·tr Λ/2 = {gamma * rule.trace / 2:.4g} must be < 1)")


def _flow_values(t, rule, N, noise, s2):
    """L(t) of (sgd-flow-loss) at t > 0 by the full fixed Talbot rule; κ at ζ = s/2."""
    c = _compiled()
    s, weights, kappa, _, Df, tf = _one_point(t, rule, N, INFINITE_DATA, NODES_1, at=c["flow_zeta"])
    values = c["flow"](s, kappa, tf, Df, noise, rule.trace, s2)
    return np.real(np.sum(weights * values, axis=1))


def sgd_flow_loss_curve(times, eigenvalues, teacher_coefficients, N, noise, noise_variance=0.0) -> SGDCurve:
    """The continuous renewal equation of one-pass SGD, (sgd-flow-loss): time t = h·n, SGD noise γ = ``noise``
    = h/B (γ = 0: the population flow at width N), inverted by fixed Talbot.  Valid for small steps
    (hμ_max ≪ 1); stable iff γ tr Λ/2 < 1 (ValueError otherwise).  ``eigenvalues`` may be a
    :class:`~derivations.ridge.PowerLawSpectrum`.

    >>> r = sgd_flow_loss_curve([0.0, 1.0], [1.0], [1.0], N=1e12, noise=0.0)
    >>> np.allclose(r.test, [1.0, np.exp(-2.0)], atol=1e-9)              # one mode: e^{−2μt}
    True
    """
    require_teacher(eigenvalues, teacher_coefficients)
    t, rule, N, _ = _inputs(times, eigenvalues, teacher_coefficients, N, math.inf, late=LOSS_LATE)
    gamma, s2 = nonnegative("noise", noise), nonnegative("noise_variance", noise_variance)
    _flow_stable(gamma, rule)
    out = np.full(t.size, float(np.sum(rule.teacher_weights)) + s2)
    pos = t > 0
    if np.any(pos):
        out[pos] = _flow_values(t[pos], rule, N, gamma, s2)
    return SGDCurve(np.atleast_1d(np.asarray(times, dtype=float)), _finite_or_raise(out, "sgd_flow_loss_curve"))


def sgd_compute_optimal(compute, eigenvalues, teacher_coefficients, noise, noise_variance=0.0,
                        xatol: float = 1e-4) -> ComputeFrontier:
    """The compute-optimal frontier of one-pass SGD: C = N·B·n = N·t/γ (t = hn, γ = ``noise`` = h/B), the loss of
    :func:`sgd_flow_loss_curve` minimised over N at each C with no power-law ansatz
    (:func:`numerics.frontier.minimise_over_width`); ``time`` holds t* = γC/N*.

    >>> f = sgd_compute_optimal([1e4], np.arange(1, 2001) ** -1.5, np.arange(1, 2001) ** -0.25, noise=0.25)
    >>> bool(1 < f.width[0] < 1e4), bool(np.isclose(f.width[0] * f.time[0], 0.25 * 1e4))
    (True, True)
    """
    C = np.atleast_1d(finite("compute", compute))
    if C.ndim != 1 or np.any(C <= 1):
        raise ValueError("compute must be a 1-D array of finite values > 1")
    gamma, s2 = positive("noise", noise), nonnegative("noise_variance", noise_variance)
    require_teacher(eigenvalues, teacher_coefficients)
    rule = _rule(eigenvalues, teacher_coefficients)
    _flow_stable(gamma, rule)
    loss = lambda c, N: _flow_values(np.array([gamma * c / N]), rule, min(N, INFINITE_DATA), gamma, s2)[0]
    bounds = lambda c: (max(0.0, math.log(gamma * c * rule.top / LOSS_LATE)), math.log(c))
    width, best = minimise_over_width(C, loss, bounds, xatol)
    return ComputeFrontier(C, width, gamma * C / width, best)
