"""The high-precision route of the flow's losses (``loss_curve(..., dps=...)``): the same double Laplace inversion
as the float64 route, in mpmath.

* the fixed Talbot rule (Abate & Valkó 2004) on the whole contour at M and M + 1 nodes (no shared node: the
  numerators are difference quotients in κ), M = ⌈1.7·dps⌉ + 4 (discretisation error ~10^(−0.6M)); the sums
  run at dps + 0.18M + 10 digits, covering the amplification e^(0.4M) of rounding by the rule's weights;
* κ(s) at every node: the float64 continuation (:func:`~.dynamics_theory.kappa_on_nodes`) as predictor, then
  Newton on (kappa-of-s) at the working precision until the step is below its last digits; a root that moves
  by more than 1e-8 relative from its predictor (another branch) or keeps a residual is an error;
* the numerators (two-point-loss), (ensemble-two-point-loss), (training-loss) and Ĥ_k of (transfer-function),
  compiled to mpmath from the steps (:func:`numerics.bridge.to_mpmath`).

N or P = ∞ enter as 10^(working digits + 10): their corrections lie below the precision.  Arrays of modes only
(at most ``MAX_MODES``); the values come back as arrays of ``mpf``.
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations.random_features.dynamics_theory import (INFINITE_DATA, LOSS_LATE, LossCurve, _inputs,
                                                         evaluator_expressions, kappa_on_nodes,
                                                         require_teacher)
from derivations.random_features.dynamics_theory import loss_curve as float_loss_curve
from derivations.ridge import PowerLawSpectrum
from numerics.spectral_quadrature import SpectralRule
from numerics.validate import nonnegative
from numerics.bridge import to_mpmath
from numerics.dmft_talbot import talbot_nodes_mp
from numerics.precision import validate_dps

__all__ = ["MAX_MODES", "loss_curve", "precise_losses"]

MAX_MODES = 2000
GUARD = 10
#: relative distance from the float64 predictor beyond which a polished κ counts as another branch
BRANCH_TOL = 1e-8


@functools.cache
def _compiled() -> dict:
    """The float64 route's evaluators (:func:`.dynamics_theory.evaluator_expressions`), compiled to mpmath."""
    return {name: to_mpmath(expr, args) for name, (expr, args) in evaluator_expressions().items()}


def _talbot_rule(M, t):
    """Nodes and weights of the fixed Talbot rule on the whole contour: f(t) ≈ Re Σ_j ω_j F(z_j); z₀ real, then
    each upper node followed by its conjugate."""
    delta, gamma = talbot_nodes_mp(M)
    nodes, weights = [delta[0] / t], [2 * gamma[0] / (5 * t)]
    for d, g in zip(delta[1:], gamma[1:]):
        nodes += [d / t, mpmath.conj(d) / t]
        weights += [g / (5 * t), mpmath.conj(g) / (5 * t)]
    return nodes, weights


def _sums(eta, kappa):
    """Df(κ) and Df'(κ): the compiled summands of the steps, summed mode by mode."""
    c = _compiled()
    return mpmath.fsum(c["df"](e, kappa) for e in eta), mpmath.fsum(c["dfp"](e, kappa) for e in eta)


def _polish(eta, N, P, s, start, tol):
    c = _compiled()
    kappa = mpmath.mpmathify(start)
    for _ in range(100):
        Df, Dfp = _sums(eta, kappa)
        step = c["residual"](kappa, Df, N, P, s) / c["slope"](kappa, Df, Dfp, N, P)
        kappa -= step
        if abs(step) <= tol * abs(kappa):
            break
    else:
        raise ArithmeticError(f"κ(s) at s = {mpmath.nstr(s, 8)}: Newton did not converge at {mpmath.mp.dps} digits")
    if abs(kappa - start) > BRANCH_TOL * abs(kappa):
        raise ArithmeticError(f"κ(s) at s = {mpmath.nstr(s, 8)}: the polished root left the float64 branch")
    return kappa


def _kappas(nodes, eta, N, P, rule):
    """κ at the rule's nodes (z₀ real, then the upper and lower halves in pairs), polished in mpmath."""
    upper = np.array([complex(nodes[0])] + [complex(z) for z in nodes[1::2]])
    predictor = kappa_on_nodes(upper[None, :], rule, float(min(N, INFINITE_DATA)), float(min(P, INFINITE_DATA)))[0]
    tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 3))
    out = [_polish(eta, N, P, nodes[0], predictor[0].real, tol)]
    for j, z in enumerate(nodes[1::2], start=1):
        k = _polish(eta, N, P, z, predictor[j], tol)
        out += [k, mpmath.conj(k)]
    return out


def precise_losses(t, eta, w, N, P, s2, dps, rule):
    """{test, train, ensemble, mean_predictor}: lists of mpf at the times ``t`` (floats > 0)."""
    dps = validate_dps(dps)
    if len(eta) > MAX_MODES:
        raise ValueError(f"dps: the mpmath route takes at most {MAX_MODES} modes, got {len(eta)}")
    M = math.ceil(1.7 * dps) + 4
    out = {k: [] for k in ("test", "train", "ensemble", "mean_predictor")}
    with mpmath.workdps(dps + math.ceil(0.18 * M) + GUARD):
        big = mpmath.mpf(10) ** (mpmath.mp.dps + 10)
        N_, P_ = (big if not math.isfinite(x) or x >= INFINITE_DATA else mpmath.mpf(x) for x in (N, P))
        eta_ = [mpmath.mpf(float(e)) for e in eta]
        w_ = [mpmath.mpf(float(x)) for x in w]
        s2_ = mpmath.mpf(s2)
        c = _compiled()
        for time in t:
            time = mpmath.mpf(time)
            rules = []
            for m in (M, M + 1):
                z, om = _talbot_rule(m, time)
                kap = _kappas(z, eta_, N_, P_, rule)
                point = []
                for k in kap:
                    Df, _ = _sums(eta_, k)
                    tf = mpmath.fsum(c["tf"](e, x, k) for e, x in zip(eta_, w_))
                    point.append((k, c["level"](k, Df, N_), Df, tf))
                rules.append((z, om, point))
            (z1, w1, p1), (z2, w2, p2) = rules
            for name in ("test", "train", "ensemble"):
                total = mpmath.fsum(a * b * c[name](x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3], s2_, P_) / (u * v)
                                    for u, a, x in zip(z1, w1, p1) for v, b, y in zip(z2, w2, p2))
                out[name].append(+mpmath.re(total) + (s2_ if name != "train" else 0))
            H = [mpmath.re(mpmath.fsum(a * c["H"](e, x[0], u) for u, a, x in zip(z1, w1, p1))) for e in eta_]
            out["mean_predictor"].append(mpmath.fsum(c["loss"](e, x, h) for e, x, h in zip(eta_, w_, H)))
    with mpmath.workdps(dps):
        return {k: [+v for v in vals] for k, vals in out.items()}


def loss_curve(times, eigenvalues, teacher_coefficients, N, P, noise_variance=0.0, *, dps=None) -> LossCurve:
    """The expected test, training and ensemble losses of gradient flow (and the mean predictor's loss):
    ``dps=None`` the float64 route (:func:`.dynamics_theory.loss_curve`, any spectrum); ``dps`` an integer in
    [10, 5000] the mpmath route of this module at that many digits (arrays of modes, at most ``MAX_MODES``),
    the values as arrays of ``mpf``.

    >>> r = loss_curve([0.0, 1.0], [1.0, 0.5], [1.0, 1.0], N=math.inf, P=math.inf, dps=30)
    >>> with mpmath.workdps(30):                              # N, P → ∞: Σ η w̄² e^(−2ηt), to 30 digits
    ...     bool(abs(r.test[1] - (mpmath.exp(-2) + mpmath.exp(-1) / 2)) < mpmath.mpf(10) ** -29)
    True
    """
    if dps is None:
        return float_loss_curve(times, eigenvalues, teacher_coefficients, N, P, noise_variance)
    if isinstance(eigenvalues, (SpectralRule, PowerLawSpectrum)):
        raise TypeError("loss_curve with dps needs the eigenvalues as an array (the mpmath route sums mode by mode)")
    require_teacher(eigenvalues, teacher_coefficients)
    t, rule, N, P = _inputs(times, eigenvalues, teacher_coefficients, N, P, late=LOSS_LATE)
    s2 = nonnegative("noise_variance", noise_variance)
    eta = np.asarray(eigenvalues, dtype=float)
    w = np.zeros_like(eta) if teacher_coefficients is None else np.asarray(teacher_coefficients, dtype=float)
    with mpmath.workdps(validate_dps(dps)):
        initial = mpmath.fsum(mpmath.mpf(float(e)) * mpmath.mpf(float(x)) ** 2 for e, x in zip(eta, w))
        pos = t > 0
        values = precise_losses(t[pos], eta, w, N, P, s2, dps, rule) if np.any(pos) else None
        out = {}
        for name, start in (("test", initial + s2), ("train", initial + s2), ("ensemble", initial + s2),
                            ("mean_predictor", initial)):
            column = np.array([start] * t.size, dtype=object)
            if values is not None:
                column[pos] = values[name]
            out[name] = column
    return LossCurve(np.atleast_1d(np.asarray(times, dtype=float)), out["test"], out["train"], out["ensemble"],
                     out["mean_predictor"])
