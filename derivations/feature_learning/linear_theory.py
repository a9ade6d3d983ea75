"""Numbers from ``feature-learning-linear``: the prediction f(t) and the tangent kernel K(t) of the two-layer
linear network on one example, compiled from the steps.

* :func:`prediction` — infinite width, the closed form of (explicit-solution) (float64, or mpmath at ``dps``
  digits); negative targets by the symmetry (f, y) → (−f, −y) of the flow, y = 0 gives f ≡ 0;
* :func:`flow_prediction` — the same curve by integrating (infinite-width-flow) (a second route), or, given
  the start K(0), f(0) of one network, its exact flow (closed-flow) at any width;
* :func:`tangent_kernel` — K(t) from the conserved quantity of (conserved-quantities) along f(t).

>>> float(prediction([0.0], 1.0, 1.0)[0]), round(float(prediction([50.0], 1.0, 1.0)[0]), 12)
(0.0, 1.0)
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import derivations.feature_learning.linear_steps as ls
from numerics.bridge import to_mpmath, to_numpy
from numerics.precision import validate_dps, workdps
from numerics.validate import finite, positive

#: relative and absolute tolerance of the integrated flows (DOP853)
ODE_RTOL, ODE_ATOL = 1e-12, 1e-14
_F, _K0, _F0 = sp.Symbol("f_t"), ls.K0, ls.f0


@functools.cache
def evaluator_expressions() -> dict:
    """name -> (expression, arguments), read from the steps."""
    d = ls.derivation()
    args = [ls.t, ls.y, ls.gamma0, ls.Phi0]
    kernel = sp.solve(d["conserved-quantities"][1], ls.K(ls.t))
    kernel = [k for k in kernel if k.subs({ls.Phi0: 1, ls.gamma0: 1, ls.f(ls.t): 0, _F0: 0, _K0: 1}) > 0][0]
    roots = {part.lhs: part.rhs for part in d["v-solution"][:2]}
    return {
        "prediction": (d["explicit-solution"].rhs.subs(roots), args),
        "flow": (d["infinite-width-flow"].rhs.subs(ls.f(ls.t), _F), [_F, ls.y, ls.gamma0, ls.Phi0]),
        "closed_flow": (d["closed-flow"].rhs.subs(ls.f(ls.t), _F), [_F, ls.y, ls.gamma0, ls.Phi0, _K0, _F0]),
        "kernel": (kernel.subs(ls.f(ls.t), _F), [_F, ls.gamma0, ls.Phi0, _K0, _F0]),
        "initial_kernel": (d["initial-kernel"].rhs, [ls.Phi0]),
        "final_kernel": (d["final-kernel"].rhs, [ls.y, ls.gamma0, ls.Phi0]),
        "lazy": (d["lazy-limit"].rhs, args[:2] + [ls.Phi0]),
        "correction": (d["perturbation-series"].rhs, args[:2] + [ls.Phi0]),
    }


@functools.cache
def _numpy() -> dict:
    return {k: to_numpy(e, a) for k, (e, a) in evaluator_expressions().items()}


@functools.cache
def _mpmath() -> dict:
    return {k: to_mpmath(e, a) for k, (e, a) in evaluator_expressions().items()}


def _arguments(times, y, gamma0, input_kernel):
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError("times must be a 1-D array of finite values >= 0")
    y = float(finite("y", y))
    return t, y, positive("gamma0", gamma0), positive("input_kernel", input_kernel)


def prediction(times, y, gamma0, input_kernel=1.0, *, dps=None) -> np.ndarray:
    """f(t) of the infinite-width network, the closed form (explicit-solution):
    f = √Φ⁰(v − 1/v)/(2γ₀), v(t) = (v₊ + ρv₋e^(−ct))/(1 + ρe^(−ct)), c = 2√Φ⁰√(Φ⁰ + γ₀²y²) (arXiv:2205.09653,
    two-layer linear network on one example).  ``input_kernel`` is Φ⁰ = |x|²/D.  float64 (v − 1/v cancels
    as γ₀ → 0: relative error ~ 1e-16/γ₀, 1.6e-12 measured at γ₀ = 1e-4), or a list of mpf at ``dps``
    digits (working precision raised by log10(1/γ₀) + 10 guard digits).

    >>> round(float(prediction([1.0], 1.0, 1e-3)[0]), 6), round(1 - math.exp(-2.0), 6)   # lazy: y(1 − e^(−2Φ⁰t))
    (0.864665, 0.864665)
    """
    t, y, gamma0, phi0 = _arguments(times, y, gamma0, input_kernel)
    sign, y = (1.0 if y >= 0 else -1.0), abs(y)
    if dps is None:
        if y == 0:
            return np.zeros(t.size)
        return np.where(t == 0, 0.0, sign * _numpy()["prediction"](t, y, gamma0, phi0))      # the start, exactly
    dps = validate_dps(dps)
    guard = 10 + max(0, math.ceil(-math.log10(gamma0)))
    with workdps(dps + guard):
        c = _mpmath()["prediction"]
        values = [mpmath.mpf(0) if y == 0 or x == 0 else sign * c(mpmath.mpf(x), y, gamma0, phi0) for x in t]
    with workdps(dps):
        return [+v for v in values]


def flow_prediction(times, y, gamma0, input_kernel=1.0, start=None) -> np.ndarray:
    """f(t) by integrating the flow (DOP853, rtol 1e-12): (infinite-width-flow) from f(0) = 0, or — with
    ``start = (K(0), f(0))`` of one network — its exact flow at any width (closed-flow),
    df/dt = √(K(0)² + 4Φ⁰γ₀²(f² − f(0)²))(y − f).  Raises ArithmeticError if the integrator fails."""
    t, y, gamma0, phi0 = _arguments(times, y, gamma0, input_kernel)
    c = _numpy()
    if start is None:
        rhs, f_start = (lambda _, f: c["flow"](f, y, gamma0, phi0)), 0.0
    else:
        K0, f_start = (float(finite("start", v)) for v in start)
        rhs = lambda _, f: c["closed_flow"](f, y, gamma0, phi0, K0, f_start)
    order = np.argsort(t)
    sol = solve_ivp(rhs, (0.0, float(t.max(initial=0.0))), [f_start], method="DOP853", t_eval=t[order],
                    rtol=ODE_RTOL, atol=ODE_ATOL)
    if not sol.success:
        raise ArithmeticError(f"flow_prediction: the integrator failed ({sol.message})")
    out = np.empty(t.size)
    out[order] = sol.y[0]
    return out


def tangent_kernel(times, y, gamma0, input_kernel=1.0) -> np.ndarray:
    """K(t) at infinite width: the conserved K² − 4Φ⁰γ₀²f² (conserved-quantities) along f(t), from K(0) = 2Φ⁰;
    it rises to the final kernel 2√Φ⁰√(Φ⁰ + γ₀²y²) (final-kernel).

    >>> round(float(tangent_kernel([0.0], 1.0, 2.0)[0]), 12), round(float(final_kernel(1.0, 2.0)), 12)
    (2.0, 4.472135955)
    """
    t, y, gamma0, phi0 = _arguments(times, y, gamma0, input_kernel)
    c = _numpy()
    return c["kernel"](prediction(t, y, gamma0, phi0), gamma0, phi0, c["initial_kernel"](phi0), 0.0)


def final_kernel(y, gamma0, input_kernel=1.0) -> float:
    """K(∞) = 2√Φ⁰√(Φ⁰ + γ₀²y²) (final-kernel)."""
    _, y, gamma0, phi0 = _arguments([0.0], y, gamma0, input_kernel)
    return float(_numpy()["final_kernel"](y, gamma0, phi0))


def perturbative_prediction(times, y, gamma0, input_kernel=1.0) -> np.ndarray:
    """Leading-order perturbation theory in the feature-learning strength: f_lazy + γ₀²f₂ (perturbation-series).

    >>> t = [0.5]; full, approx = prediction(t, 1.0, 0.05), perturbative_prediction(t, 1.0, 0.05)
    >>> bool(abs(full[0] - approx[0]) < 1e-6)
    True
    """
    t, y, gamma0, phi0 = _arguments(times, y, gamma0, input_kernel)
    c = _numpy()
    return c["lazy"](t, y, phi0) + gamma0 ** 2 * c["correction"](t, y, phi0)


def lazy_prediction(times, y, input_kernel=1.0) -> np.ndarray:
    """The γ₀ → 0 (static kernel) prediction y(1 − e^(−2Φ⁰t)) of (lazy-limit)."""
    t, y, _, phi0 = _arguments(times, y, 1.0, input_kernel)
    return _numpy()["lazy"](t, y, phi0)
