"""The DMFT test-error curve of Langevin-trained random-feature regression, by two routes.

Evaluates (test-error) and (test-error-split) of ``dmft-langevin`` (arXiv:2602.23039, K-7 for a
teacher with i.i.d. components of variance v; reconstruction in ``shared/reference/papers.md`` §1):

    ε(t)  = v[S(2t) + 2g∫_t^{2t}S + g²J(t)] + σ²c[∫_0^t S − ∫_t^{2t}S − gJ(t)] + (1/β)∫_0^{2t}S,
    J(t)  = ∫_0^{2t} min(x, 2t − x) S(x) dx,   Bias² = v Σ_i Λ_i m_i(t)²,  m_i = −(R_i + g∫_0^t R_i),

* ``method="time-domain"`` (route 1): R_i, ρ̃, S from the Volterra equations (K-3, K-4) on a
  uniform grid up to 2·max(times) (:func:`numerics.dmft_volterra.solve_response`, second order),
  the integrals by the trapezoidal rule, then cubic interpolation to the requested times;
* ``method="talbot"``: route 2 in float64, vectorised over all times (fixed Talbot contour,
  :mod:`numerics.dmft_talbot`): 10³ log-spaced times in ~2 s, 1e-10 relative;
* ``method="laplace"`` (route 2): the Laplace transform of each term, through Ŝ(z) and R̂_i(z) of
  (K-5) at the working precision, inverted numerically (:mod:`numerics.dmft_laplace`):
  L[S(2t)] = Ŝ(z/2)/2, L[∫_0^t S] = Ŝ(z)/z, L[∫_0^{2t} S] = Ŝ(z/2)/z,
  L[J] = 2(Ŝ(z/2) − Ŝ(z))/z², and m̂_i = −(z + g)R̂_i/z (mean-laplace).

>>> import numpy as np
>>> lam = np.arange(1, 11) ** -1.5
>>> args = ([0.5, 2.0], lam, 10, 0.5, 50.0, 0.1)         # times, Λ, P, g, β, c
>>> a, b, c = (test_error_curve(*args, method=m) for m in ("time-domain", "laplace", "talbot"))
>>> bool(np.allclose(a.total, b.total, rtol=1e-4))   # default step: O((rate·dt)²) ≈ 1e-4 relative
True
>>> bool(np.allclose(c.total, b.total, rtol=1e-10))  # float64 Talbot against the mpmath inversion
True
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from sympy.codegen.rewriting import expm1_opt, optimize

import derivations.dmft.steps as dmft_steps
from numerics.bridge import to_numpy
from numerics.dmft_laplace import invert_laplace_vector, response_transforms
from numerics.dmft_talbot import talbot_invert, transforms_on_nodes
from numerics.dmft_volterra import MAX_RATE_STEP, fastest_rate, solve_response
from numerics.precision import workdps
from numerics.validate import finite, nonnegative, positive

__all__ = ["DMFTCurve", "test_error_curve"]

#: default grid resolution: (fastest rate g + cPΛ_max(1 + √(N/P))²) × dt.  The trapezoidal functionals
#: integrate S ∝ e^{−gt} (and m_i = R_i + g∫R_i), so g counts here even though the response solver
#: treats it exactly; the relative rate error (rate·dt)²/12 ≈ 1e-3 at the fastest rate
DEFAULT_RATE_STEP = 0.1
#: the default grid has at least this many steps up to the smallest positive requested time: parts of
#: the error that start as t or t² (the Langevin and label-noise variances) are interpolated to a time t
#: with a relative error ~ (h/t)²(rate·h)², lost where t ≪ h; it also makes the grid fine enough for a
#: cubic spline where the problem is slow (rate·t ≪ 1)
STEPS_TO_FIRST_TIME = 4
#: largest default grid (points); beyond it the time-domain route asks for dt or the Laplace route
MAX_DEFAULT_POINTS = 2 ** 18

@dataclass(frozen=True)
class DMFTCurve:
    """Test error and its split at ``times`` (arrays), plus the normalised mean discrepancy
    ``mode_mean[i, k]`` = E⟨Δ_i(t_k)⟩/Δ_i(0) = R_i + g∫_0^t R_i of each mode."""

    times: np.ndarray
    total: np.ndarray
    bias: np.ndarray
    variance_data: np.ndarray
    variance_langevin: np.ndarray
    clean: np.ndarray
    label_noise: np.ndarray
    mode_mean: np.ndarray
    method: str


def _check(eigenvalues, P, weight_decay, beta, loss_scale, teacher_variance, noise_variance, times):
    """Checked arguments (numerics.validate: a complex value is refused, never cut to its real part)."""
    lam = finite("eigenvalues", eigenvalues)
    if lam.ndim != 1 or lam.size < 1 or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite values > 0 (the kernel spectrum Λ)")
    P = positive("P", P)
    g = nonnegative("weight_decay", weight_decay)
    c = positive("loss_scale", loss_scale)
    v = nonnegative("teacher_variance", teacher_variance)
    s2 = nonnegative("noise_variance", noise_variance)
    beta = positive("beta", beta, allow_inf=True)               # math.inf: gradient flow
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or t.size < 1 or np.any(t < 0):
        raise ValueError("times must be a non-empty 1-D array of finite values >= 0")
    return lam, P, g, beta, c, v, s2, t


def test_error_curve(times, eigenvalues, P, weight_decay, beta, loss_scale=1.0, teacher_variance=1.0,
                     noise_variance=0.0, *, method="auto", dt=None, dps=None) -> DMFTCurve:
    """DMFT test error ε(t) = bias + data variance + Langevin variance of ``dmft-langevin``.

    ``beta=math.inf`` is gradient flow; ``loss_scale`` is c in L = (c/2)‖y − Φw‖² + (g/2)‖w‖²;
    w(0) = 0; the teacher's components are i.i.d. with variance ``teacher_variance``; label noise
    of variance ``noise_variance``; noise-free test labels.  ``method="auto"`` (default) is the Talbot
    route (the time-domain route when ``dt`` is given), or the mpmath Laplace route at 20 digits where
    the Talbot continuation of κ(z) fails its checks.  ``dt`` (time-domain route) defaults to
    min(0.1/rate_max, t_min/4), t_min the smallest positive time, with rate_max = g + cPΛ_max(1 + √(N/P))² the upper spectral edge of
    A = cΦᵀΦ + g (numerics.dmft_volterra.fastest_rate); a dt with rate_max·dt > 0.5 raises ValueError with
    a suggestion, and so does a default grid of more than 2¹⁸ points.  ``dps`` (Laplace route) is the working
    precision (default: the current mp.dps).
    """
    lam, P, g, beta, c, v, s2, t = _check(eigenvalues, P, weight_decay, beta, loss_scale, teacher_variance,
                                          noise_variance, times)
    if method == "auto" and dt is not None:
        method = "time-domain"
    if method == "auto":                 # Talbot; the certified mpmath route if its continuation fails
        try:
            return test_error_curve(times, lam, P, g, beta, c, v, s2, method="talbot")
        except ArithmeticError:
            return test_error_curve(times, lam, P, g, beta, c, v, s2, method="laplace", dps=dps or 20)
    if method == "time-domain":
        parts = _time_domain(t, lam, P, g, beta, c, v, s2, dt)
    elif method == "laplace":
        parts = _laplace(t, lam, P, g, beta, c, v, s2, dps)
    elif method == "talbot":
        parts = _talbot(t, lam, P, g, beta, c, v, s2)
    else:
        raise ValueError(f"method must be 'auto', 'time-domain', 'laplace' or 'talbot', got {method!r}")
    clean, noise, langevin, bias, mode_mean = parts
    total = clean + noise + langevin
    return DMFTCurve(t, total, bias, total - bias - langevin, langevin, clean, noise, mode_mean, method)


# ----------------------------------------------------------------------------------------------
# Route 1: time domain
# ----------------------------------------------------------------------------------------------

def _cumtrapz(y, h):
    out = np.zeros_like(y)
    out[..., 1:] = np.cumsum((y[..., 1:] + y[..., :-1]) * (h / 2), axis=-1)
    return out


def _time_step(dt, t, lam, P, g, c):
    """The grid step of route 1: ``dt`` checked against the fastest rate of the problem (g included), or
    the default min(DEFAULT_RATE_STEP/rate, t_min/STEPS_TO_FIRST_TIME), t_min the smallest positive
    requested time; ValueError where the step does not resolve the fastest rate or the default grid would
    exceed MAX_DEFAULT_POINTS (times over too many decades for a uniform grid: the Talbot route)."""
    t_max = float(t.max())
    rate = fastest_rate(lam, P, g, c)                 # g + cPΛ_max(1 + √(N/P))²
    if dt is not None:
        dt = positive("dt", dt)
        if rate * dt > MAX_RATE_STEP:
            raise ValueError(f"dt={dt!r} does not resolve the fastest mode: (g + cPΛ_max(1 + √(N/P))²)·dt = "
                             f"{rate * dt:.4g} > {MAX_RATE_STEP} (the trapezoidal functionals integrate e^{{−gt}} "
                             f"too); use dt <= {MAX_RATE_STEP / rate:.4g}")
        return dt
    dt = DEFAULT_RATE_STEP / rate
    if t_max > 0:
        t_min = float(t[t > 0].min())
        if t_min / STEPS_TO_FIRST_TIME > 0:
            dt = min(dt, t_min / STEPS_TO_FIRST_TIME)
    if 2 * t_max / dt > MAX_DEFAULT_POINTS:
        raise ValueError(f"times up to {t_max:g} need {2 * t_max / dt:.3g} grid points at the default "
                         f"dt = {dt:.3g} (fastest rate g + cPΛ_max(1 + √(N/P))² = {rate:.3g}); pass a coarser "
                         f"dt= (at most {MAX_RATE_STEP / rate:.3g} resolves the fastest mode) or use "
                         f"method='talbot' or 'laplace'")
    return dt


def _time_domain(t, lam, P, g, beta, c, v, s2, dt):
    t_max = float(t.max())
    dt = _time_step(dt, t, lam, P, g, c)
    n_half = max(int(math.ceil(t_max / dt - 1e-9)), 1)
    sol = solve_response(lam, P, g, c, dt, 2 * n_half * dt)
    h = sol.dt
    S, R = sol.S[: 2 * n_half + 1], sol.R[:, : 2 * n_half + 1]
    tk, clean, noise, langevin = error_functionals(S, h, g, beta, c, v, s2)
    mode_mean = _mode_mean(R[:, : n_half + 1], h, g)
    bias = v * np.einsum("i,ik->k", lam, mode_mean ** 2)
    return tuple(_interpolate(tk, y, t) for y in (clean, noise, langevin, bias)) + (_interpolate(tk, mode_mean, t),)


def _trapezoid_functionals(S, h, g):
    """t_k = kh and, by the trapezoidal rule, the brackets of (test-error): S(2t) + 2g∫_t^{2t}S + g²J,
    ∫_0^t S − ∫_t^{2t}S − gJ and ∫_0^{2t} S, for k = 0 … n (S given at x_j = jh, j = 0 … 2n)."""
    n_half = (S.size - 1) // 2
    grid = h * np.arange(S.size)
    k = np.arange(n_half + 1)
    I1 = _cumtrapz(S, h)
    M1 = _cumtrapz(grid * S, h)
    late = I1[2 * k] - I1[k]                                  # ∫_t^{2t} S
    tk = grid[k]
    J = M1[k] + 2 * tk * late - (M1[2 * k] - M1[k])           # ∫_0^{2t} min(x, 2t − x) S
    return tk, S[2 * k] + 2 * g * late + g * g * J, I1[k] - late - g * J, I1[2 * k]


def error_functionals(S, h, g, beta, c, v, s2):
    """(test-error) on a uniform grid: S at x_j = jh, j = 0 … 2n → (t_k, clean, noise, Langevin) at t_k = kh,
    k = 0 … n, the integrals by the trapezoidal rule (second order).

    For g > 0 the pure decay S(0)e^{−gx} is integrated exactly (a control variate): its brackets are S(0),
    0 and S(0)(1 − e^{−2gt})/g, so the trapezoidal error of its part is subtracted and the rule only acts
    on S − S(0)e^{−gx}.  This keeps the label-noise part, whose bracket vanishes for a pure decay (it is a
    small difference of O(1/g) integrals where the data rate is small against g), accurate relative to
    itself, not only to the total.

    >>> x = 0.05 * np.arange(41)                                # S = e^{−gx}: exact at any step
    >>> tk, clean, noise, lang = error_functionals(np.exp(-0.7 * x), 0.05, 0.7, 2.0, 1.0, 1.0, 1.0)
    >>> float(np.max(np.abs(clean - 1))) < 1e-14, float(np.max(np.abs(noise))) < 1e-14
    (True, True)
    """
    tk, clean, noise, integral = _trapezoid_functionals(S, h, g)
    if g > 0:
        pure = S[0] * np.exp(-g * h * np.arange(S.size))
        _, clean_e, noise_e, integral_e = _trapezoid_functionals(pure, h, g)
        exact = _pure_decay()
        gg = np.full_like(tk, g)
        clean = clean - (clean_e - S[0] * exact["clean"](tk, gg))
        noise = noise - (noise_e - S[0] * exact["noise"](tk, gg))
        integral = integral - (integral_e - S[0] * exact["langevin"](tk, gg))
    clean = v * clean
    noise = s2 * c * noise
    langevin = integral / beta if math.isfinite(beta) else np.zeros_like(tk)
    return tk, clean, noise, langevin


def _mode_mean(R, h, g):
    """m_i = R_i + g∫_0^t R_i (trapezoidal) on the grid; for g > 0 the pure decay e^{−gt} (R_i(0) = 1), for
    which m = 1, is integrated exactly (as in :func:`error_functionals`)."""
    m = R + g * _cumtrapz(R, h)
    if g > 0:
        grid = h * np.arange(R.shape[-1])
        pure = np.exp(-g * grid)
        m = m - (pure + g * _cumtrapz(pure, h) - _pure_decay()["mean"](grid, np.full_like(grid, g)))
    return m


@functools.cache
def _pure_decay() -> dict:
    """The exact values for a pure decay, from the statements (compiled by the bridge, 1 − e^{−x} as expm1):
    the brackets of (test-error) at S(x) = e^{−gx} — its right side (the per-direction form) at a = g, split by
    its coefficients v, cσ² and 1/β — and the normalised mean −m of (mean-time) at R(s) = e^{−gs}, each a
    function of (t, g)."""
    d = dmft_steps.derivation()
    a, g, t, v, s2, c, beta = (dmft_steps.a, dmft_steps.g, dmft_steps.t, dmft_steps.v, dmft_steps.sigma2,
                               dmft_steps.c, dmft_steps.beta)
    rhs = sp.expand(d["test-error"].rhs.subs(a, g))
    parts = {"clean": rhs.coeff(v), "noise": sp.expand(rhs.coeff(s2)).coeff(c), "langevin": rhs.coeff(1 / beta)}
    if sp.expand(rhs - v * parts["clean"] - s2 * c * parts["noise"] - parts["langevin"] / beta) != 0:
        raise ValueError("(test-error) is not linear in v, cσ² and 1/β")
    (integral,) = d["mean-time"].rhs.atoms(sp.Integral)          # ∫_0^t R_i(s) ds
    response = integral.function.func                               # R
    mode, time = sp.Dummy("i"), sp.Dummy("s")
    parts["mean"] = -d["mean-time"].rhs.replace(response, sp.Lambda((mode, time), sp.exp(-g * time))).doit()
    return {k: to_numpy(optimize(sp.simplify(e), [expm1_opt]), [t, g]) for k, e in parts.items()}


def _interpolate(grid, values, t):
    from scipy.interpolate import CubicSpline
    if grid.size < 4:
        return np.interp(t, grid, values) if values.ndim == 1 else np.stack([np.interp(t, grid, y) for y in values])
    return CubicSpline(grid, values, axis=-1)(t)


# ----------------------------------------------------------------------------------------------
# Route 2 in float64: vectorised fixed Talbot
# ----------------------------------------------------------------------------------------------

def _error_transforms(z, Sz, Sh, g, inv_beta, c, v, s2):
    """L[clean], L[noise], L[Langevin] of (test-error) from Ŝ(z) and Ŝ(z/2) (float64 or mpmath numbers)."""
    clean = v * (Sh / 2 + 2 * g * (Sh - Sz) / z + 2 * g ** 2 * (Sh - Sz) / z ** 2)
    noise = s2 * c * (2 * Sz / z - Sh / z - 2 * g * (Sh - Sz) / z ** 2)
    langevin = inv_beta * Sh / z
    return clean, noise, langevin


def _talbot(t, lam, P, g, beta, c, v, s2):
    positive = t > 0
    tp = t[positive]
    out = [np.zeros(t.size) for _ in range(4)] + [np.ones((lam.size, t.size))]
    out[0][~positive] = v * lam.sum()
    if tp.size:
        cache = {}

        def transforms(z):
            if "full" not in cache:
                T = z.shape[0]                             # rows are Talbot contours: stack z and z/2 as rows
                both = transforms_on_nodes(np.concatenate([z, z / 2], axis=0), lam, P, g, c)
                cache["full"] = (both[0][:T], both[0][T:], both[1][:T])
            return cache["full"]

        def part(k):
            def F(z):
                Sz, Sh, R = transforms(z)
                return _error_transforms(z, Sz, Sh, g, 0.0 if math.isinf(beta) else 1 / beta, c, v, s2)[k]
            return F
        for k in range(3):
            out[k][positive] = talbot_invert(part(k), tp)
        for i in range(lam.size):
            out[4][i, positive] = talbot_invert(lambda z, i=i: (z + g) / z * transforms(z)[2][..., i], tp)
    bias = v * np.einsum("i,ik->k", lam, out[4] ** 2)
    return out[0], out[1], out[2], bias, out[4]


# ----------------------------------------------------------------------------------------------
# Route 2: Laplace domain
# ----------------------------------------------------------------------------------------------

def _laplace(t, lam, P, g, beta, c, v, s2, dps):
    with workdps(dps or mpmath.mp.dps):
        lam_mp = [mpmath.mpf(x) for x in lam]
        P_, g_, c_, v_, s2_ = (mpmath.mpf(x) for x in (P, g, c, v, s2))
        inv_beta = mpmath.mpf(0) if math.isinf(beta) else 1 / mpmath.mpf(beta)

        def transforms(z):
            full = response_transforms(z, lam_mp, P_, g_, c_)
            half = response_transforms(z / 2, lam_mp, P_, g_, c_)
            Sz, Sh = full.S_hat, half.S_hat
            mean = [(z + g_) / z * r for r in full.R_hat]        # −m̂_i
            return list(_error_transforms(z, Sz, Sh, g_, inv_beta, c_, v_, s2_)) + mean

        rows = []
        for time in t:
            if time == 0:
                rows.append([v_ * sum(lam_mp), 0, 0] + [1] * len(lam_mp))
            else:
                rows.append(invert_laplace_vector(transforms, [time])[0])
        arr = np.array([[float(x) for x in row] for row in rows])
    clean, noise, langevin, mode_mean = arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3:].T
    bias = v * np.einsum("i,ik->k", lam, mode_mean ** 2)
    return clean, noise, langevin, bias, mode_mean


test_error_curve.__test__ = False        # a paper's name, not a pytest test
