"""Numbers from ``feature-learning-finite-width``: N·Var f(t) and N·(E f(t) − f_∞(t)) of the two-layer linear network
on one example, compiled from (closed-flow), (sensitivity-flows), (initial-statistics) and (delta-method).

The flow and its sensitivities are integrated together from the start's means (K₀ = E K₀, f₀ = E f₀) with
SciPy's DOP853 at tight tolerances; the delta-method statement turns them into the two coefficients of 1/N.

>>> c = prediction_fluctuations([0.0, 1.0], y=1.0, gamma0=1.0)
>>> [round(float(v), 6) for v in c.variance]                  # N·Var f at t = 0 is Φ⁰/γ₀²
[1.0, 0.050035]
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import derivations.feature_learning.finite_width_steps as fs
import derivations.feature_learning.linear_steps as ls
from numerics.bridge import to_numpy_many
from numerics.validate import finite, positive

#: relative and absolute tolerances of the integration (the flow is smooth; its digits are not the limit)
RTOL, ATOL = 1e-11, 1e-13


@dataclass(frozen=True)
class FiniteWidthCurve:
    """The infinite-width prediction and the coefficients of 1/N of the variance and of the mean's shift."""

    times: np.ndarray
    prediction: np.ndarray
    variance: np.ndarray
    mean_correction: np.ndarray


@functools.cache
def _compiled():
    d = fs.derivation()
    flow, sens, stats_, delta = d["closed-flow"], d["sensitivity-flows"], d["initial-statistics"], d["delta-method"]
    kernel, coefficients = d["kernel-any-width"], d["flow-coefficients"]
    back = {eq.lhs: eq.rhs.xreplace({kernel.lhs: kernel.rhs}) for eq in coefficients}
    state = [ls.f(ls.t), fs.S_K(ls.t), fs.S_KK(ls.t), fs.S_f(ls.t), fs.S_ff(ls.t)]
    plain = sp.symbols("x0:5", real=True)
    params = [ls.K0, ls.f0, ls.y, ls.gamma0, ls.Phi0]
    by_lhs = {eq.lhs.args[0]: eq.rhs for eq in sens}
    rhs = [flow.rhs] + [by_lhs[s].xreplace(back).xreplace({kernel.lhs: kernel.rhs}) for s in state[1:]]
    rates = to_numpy_many([e.xreplace(dict(zip(state, plain))) for e in rhs], list(plain) + params)
    means = {eq.lhs.args[0]: eq.rhs for eq in stats_[::2][:2]}                   # E K₀, E f₀
    start = to_numpy_many([means[ls.K0], means[ls.f0]], [ls.gamma0, ls.Phi0])
    out = [eq.rhs.xreplace({fs.S_Kf(ls.t): 0}).xreplace(dict(zip(state, plain))) for eq in delta]
    moments = to_numpy_many(out, list(plain) + [ls.gamma0, ls.Phi0])
    return rates, start, moments


def prediction_fluctuations(times, y, gamma0, phi0=1.0) -> FiniteWidthCurve:
    """N·Var f(t) (``.variance``) and N·(E f(t) − f_∞(t)) (``.mean_correction``) at ``times`` for the two-layer
    linear network on one example with target ``y``, feature-learning strength ``gamma0`` and input kernel
    Φ⁰ = |x|²/D = ``phi0``; ``.prediction`` is f_∞(t).  (The cross covariance of K₀ and f₀ vanishes, so the
    mixed sensitivity is not needed.)"""
    times = finite("times", times)
    if times.ndim != 1 or times.size < 1 or times[0] < 0 or np.any(np.diff(times) < 0):
        raise ValueError("times must be a non-empty non-decreasing 1-D array of times >= 0")
    y = float(finite("y", y))
    gamma0, phi0 = positive("gamma0", gamma0), positive("phi0", phi0)
    rates, start, moments = _compiled()
    k0, f0 = (float(v) for v in start(gamma0, phi0))
    start_state = np.array([f0, 0.0, 0.0, 1.0, 0.0])
    if times[-1] == 0:
        states = np.repeat(start_state[:, None], times.size, axis=1)
    else:
        sol = solve_ivp(lambda _, s: rates(*s, k0, f0, y, gamma0, phi0), (0.0, float(times[-1])), start_state,
                        method="DOP853", t_eval=times, rtol=RTOL, atol=ATOL)
        if not sol.success:
            raise RuntimeError(f"prediction_fluctuations: the integration failed: {sol.message}")
        states = sol.y
    variance, shift = moments(*states, gamma0, phi0)
    return FiniteWidthCurve(times, states[0], np.broadcast_to(np.asarray(variance, float), times.shape).copy(),
                            np.broadcast_to(np.asarray(shift, float), times.shape).copy())
