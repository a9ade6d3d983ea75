"""The ``dmft-exponents`` laws of the exponent table (engine :class:`~derivations.engine.laws.Law` objects).

Gradient flow (g = 0, β = ∞) of random-feature regression with Λ_k = k^(−1.5) and the i.i.d.
teacher of ``dmft-langevin`` (target source r = (α − 1)/(2α) = 1/6), loss scale c = 1/P so that
τ = cPt = t:

* ``dmft-time-decay``: ε(t) ∝ t^(−(α−1)/α).  Exact theory: the window sum Σ_k k^(−α)e^(−2τk^(−α))
  (:mod:`numerics.relaxation_sums`) at τ = 10²…10⁸.  Simulation: N = 400 modes, P = 200, the exact
  per-draw gradient flow (K-2) at t = 4…64, against the same fit of the finite-N DMFT;
* ``dmft-plateau``: ε(∞) ∝ P^(−(α−1)): ridgeless ridge regression (ridge-correspondence);
* ``dmft-early-stopping-error`` and ``dmft-early-stopping-time``: with label noise σ² = 1,
  min_t ε ∝ P^(−(α−1)/α) and t* ∝ P (c = 1/P).  Exact theory: minimum over τ of
  bias_sum(τ) + noise_sum(τ)/P (window sums, derivative root at 30 digits).  Simulation: per data
  draw Φ the error averaged exactly over teacher and label noise, v tr[Λh_t(A)²] + σ²c tr[(A − g)
  F_t(A)ΛF_t(A)], on a grid of t; its value at the finite theory's optimal time (error law) or
  its own minimiser on the grid, refined by a parabola in log t (time law); N = 600 modes.

Every simulation observes its sizes independently, in order, from one generator
(:func:`~derivations.engine.laws.each_size`).

>>> [(law.name, law.step) for law in laws()][:2]
[('dmft-time-decay', 'time-rate-iid'), ('dmft-plateau', 'plateau-rate')]
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations import registry
from derivations.dmft.theory import test_error_curve
from derivations.engine.laws import Law, each_size
from derivations.ridge import check_parameters, ridge_error, ridge_finite, ridge_theory
from numerics.dmft_volterra import suggested_dt
from numerics.langevin_simulation import langevin_draw
from numerics.relaxation_sums import bias_sum, bias_sum_slope, noise_sum, noise_sum_slope

ALPHA = 1.5
PARAMS = {"alpha": ALPHA, "r": (ALPHA - 1) / (2 * ALPHA)}
NOISE = 1.0
N_TIME, P_TIME = 400, 200
N_STOP = 600
#: the two early-stopping laws read one finite-N curve per P (``_stop_finite``, cached): one worker runs both
STOP_SHARES = "finite-N early-stopping curve"


def _spectrum(N):
    return np.arange(1, N + 1, dtype=float) ** -ALPHA


# ---- time decay ----------------------------------------------------------------------------------

def _decay_theory(tau):
    return bias_sum(tau, ALPHA, ALPHA)


def _decay_observed(rng, t):
    out = langevin_draw(rng, _spectrum(N_TIME), P_TIME, 0.0, math.inf, [float(t)], loss_scale=1 / P_TIME)
    return float(out["total"][0])


@functools.lru_cache(maxsize=None)
def _decay_finite_curve(times: tuple):
    return test_error_curve(np.array(times, float), _spectrum(N_TIME), P_TIME, 0.0, math.inf, 1 / P_TIME).total


def _decay_finite(t, sizes):
    return float(_decay_finite_curve(tuple(sizes))[list(sizes).index(t)])


# ---- early stopping ------------------------------------------------------------------------------

def _optimum_window(P):
    """(τ*, ε*) minimising bias_sum(τ) + σ² noise_sum(τ)/P: root of the τ-derivative in log τ."""
    P = mpmath.mpf(P)
    slope = lambda s: bias_sum_slope(mpmath.exp(s), ALPHA, ALPHA) + NOISE * noise_sum_slope(mpmath.exp(s), ALPHA) / P
    # the window optimum: τ* = (2rαA/B)·P (dmft-exponents, optimal-stopping), a good start
    start = mpmath.log(mpmath.mpf("0.64") * P)
    s = mpmath.findroot(slope, (start - mpmath.mpf("0.3"), start + mpmath.mpf("0.3")), solver="secant")
    tau = mpmath.exp(s)
    return tau, bias_sum(tau, ALPHA, ALPHA) + NOISE * noise_sum(tau, ALPHA) / P


def _stop_error_theory(P):
    return _optimum_window(P)[1]


def _stop_time_theory(P):
    return _optimum_window(P)[0]


def _time_grid(P):
    """Around the window optimum t* ≈ 0.64P (c = 1/P)."""
    return np.geomspace(0.2 * P, 3.0 * P, 81)


def _design_averaged_error(rng, P, times):
    """Gradient-flow error of one design Φ averaged exactly over teacher (v = 1) and label noise (σ²)."""
    lam = _spectrum(N_STOP)
    c = 1.0 / P
    Phi = rng.standard_normal((P, N_STOP)) * np.sqrt(lam)
    a, U = np.linalg.eigh(c * Phi.T @ Phi)
    a = np.clip(a, 0.0, None)
    weight = np.einsum("i,ij->j", lam, U ** 2)                     # (UᵀΛU)_jj
    at = np.outer(a, times)
    decay = np.exp(-at)
    F = np.where(a[:, None] > 0, -np.expm1(-at) / np.where(a > 0, a, 1)[:, None], times[None, :])
    clean = weight @ decay ** 2                                     # v tr[Λ e^{−2At}]
    noise = NOISE * c * (weight * a) @ F ** 2                      # σ²c tr[Λ F (A − g) F], A − g = cΦᵀΦ
    return clean + noise


def _argmin_log(times, values):
    k = int(np.argmin(values))
    k = min(max(k, 1), len(times) - 2)
    x, y = np.log(times[k - 1:k + 2]), values[k - 1:k + 2]
    den = (x[0] - x[1]) * (x[0] - x[2]) * (x[1] - x[2])
    A = (x[2] * (y[1] - y[0]) + x[1] * (y[0] - y[2]) + x[0] * (y[2] - y[1])) / den
    B = (x[2] ** 2 * (y[0] - y[1]) + x[1] ** 2 * (y[2] - y[0]) + x[0] ** 2 * (y[1] - y[2])) / den
    return float(np.exp(-B / (2 * A))) if A > 0 else float(times[k])


@functools.lru_cache(maxsize=None)
def _stop_finite(P):
    """(t*, ε*) of the finite-N DMFT (N = 600 modes, time-domain route at the largest resolved
    step), from its curve on the grid refined by a parabola in log t."""
    lam = _spectrum(N_STOP)
    dt = suggested_dt(lam, P, 1.0 / P)
    times = _time_grid(P)
    curve = test_error_curve(times, lam, P, 0.0, math.inf, 1.0 / P, 1.0, NOISE, dt=dt).total
    t_star = _argmin_log(times, curve)
    value = test_error_curve([t_star], lam, P, 0.0, math.inf, 1.0 / P, 1.0, NOISE, dt=dt).total[0]
    return t_star, float(value)


def _stop_error_observed(rng, P):
    t_star = _stop_finite(P)[0]
    return float(_design_averaged_error(rng, P, np.array([t_star]))[0])


def _stop_time_observed(rng, P):
    times = _time_grid(P)
    return _argmin_log(times, _design_averaged_error(rng, P, times))


def _law(*args, **kwargs) -> Law:
    return Law(*args, catalogue=registry.get, check_parameters=check_parameters, **kwargs)


def laws() -> list[Law]:
    """The four laws of ``dmft-exponents``."""
    decay_sizes = (4, 8, 16, 32, 64)
    stop_sizes = (50, 100, 200, 400)
    base = dict(PARAMS)
    model = "random features, gradient flow (DMFT)"
    window = "label noise, optimal stopping in the window, c = 1/P"
    return [
        _law("dmft-time-decay", "dmft-exponents", "time-rate-iid", model,
             "ε(t) (σ = 0, g = 0)", "t", "data-rich window 1/(cP) ≪ t ≪ P^(α−1)/c, i.i.d. teacher, c = 1/P",
             base, _decay_theory, each_size(_decay_observed), functools.partial(_decay_finite, sizes=decay_sizes),
             decay_sizes, seeds=(48, 16),
             notes=f"simulation N = {N_TIME}, P = {P_TIME} (K-2 per draw); theory: the window sum (P → ∞ at "
                   "fixed cPt)"),
        _law("dmft-plateau", "dmft-exponents", "plateau-rate", model,
             "ε(t → ∞) (σ = 0, g = 0)", "P", "data-limited plateau: ridgeless interpolator, i.i.d. teacher",
             {**base, "l": math.inf}, ridge_theory("E_g", base),
             each_size(functools.partial(ridge_error, params=base, noise=0.0, key="E_g_clean")),
             ridge_finite("E_g", base), (32, 64, 128, 256),
             notes="t → ∞ of gradient flow from w(0) = 0 is the min-norm interpolator"),
        _law("dmft-early-stopping-error", "dmft-exponents", "early-stopping-error-iid", model,
             "min_t ε(t) (σ² = 1)", "P", window,
             base, _stop_error_theory, each_size(_stop_error_observed), lambda P: _stop_finite(P)[1], stop_sizes,
             seeds=(32, 12), shares=STOP_SHARES,
             notes=f"simulation: N = {N_STOP}, error averaged over teacher and label noise per design, at the finite "
                   f"theory's optimal time"),
        _law("dmft-early-stopping-time", "dmft-exponents", "stopping-time-iid", model,
             "t* (σ² = 1, c = 1/P)", "P", window,
             base, _stop_time_theory, each_size(_stop_time_observed), lambda P: _stop_finite(P)[0], stop_sizes,
             seeds=(32, 12), shares=STOP_SHARES,
             notes=f"simulation: N = {N_STOP}, minimiser of each design's teacher- and noise-averaged curve"),
    ]
