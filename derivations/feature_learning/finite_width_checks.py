"""Checks of ``feature-learning-finite-width``.

* ``finite-width-networks``: ensembles of two-layer linear networks trained by gradient descent (dt and dt/2,
  Richardson, the same seeds) at widths N and 2N; N·Var f(t) and N·(mean f(t) − f_∞(t)) extrapolated in 1/N (the
  O(1/N²) rest removed), z-tests against (delta-method) at four times, family-wise level 1e-3;
* ``finite-width-start``: at t = 0 the theory's N·Var f is the start's Φ⁰/γ₀² of (initial-statistics) and its mean
  correction vanishes;
* ``finite-width-lazy``: γ₀ → 0, the variance against the closed form of the static kernel's solution;
* ``finite-width-exact-route``: the same coefficients from the exact solution at any width, which depends on two
  independent χ²_N/N numbers (each neuron rotated to u, v = (h/√Φ⁰ ± w)/√2), differentiated at their means.
"""
from __future__ import annotations

import numpy as np

from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE
from derivations.feature_learning.finite_width_theory import prediction_fluctuations
from numerics.simulation import z_threshold
from numerics.two_layer_linear_simulation import train_two_layer_linear

INPUT, TARGET, GAMMA0, DT, END = np.ones(4), 1.0, 1.0, 0.02, 2.0
TIMES = np.array([0.5, 1.0, 1.5, 2.0])


def _coefficients(N, seeds, seed, theory):
    """N·Var f and N·(mean f − f_∞) at TIMES with their standard errors, gradient descent Richardson-extrapolated."""
    every = int(round(0.5 / DT))
    runs = [train_two_layer_linear(INPUT, TARGET, N, GAMMA0, h, int(round(END / h)), seeds, seed=seed,
                                   record_every=2 * every if h < DT else every) for h in (DT, DT / 2)]
    f = (2 * runs[1].prediction - runs[0].prediction)[1:]                 # times × seeds, t = 0.5 … 2
    centred = f - f.mean(axis=1, keepdims=True)
    var = centred.var(axis=1, ddof=1)
    var_se = np.sqrt(np.maximum(np.mean(centred ** 4, axis=1) - var ** 2, 0) / seeds)
    mean_se = np.sqrt(var / seeds)
    return N * var, N * var_se, N * (f.mean(axis=1) - theory.prediction), N * mean_se


def _networks(quick):
    seeds, widths = (4000, (128, 256)) if quick else (16000, (128, 256))
    theory = prediction_fluctuations(TIMES, TARGET, GAMMA0, float(INPUT @ INPUT / INPUT.size))
    small, large = (_coefficients(N, seeds, 70 + k, theory) for k, N in enumerate(widths))
    out = []
    for name, (m, s), value in (("N·Var f", (0, 1), theory.variance), ("N·(E f − f_∞)", (2, 3), theory.mean_correction)):
        ext, se = 2 * large[m] - small[m], np.hypot(2 * large[s], small[s])
        z = (ext - value) / se
        threshold = z_threshold(2 * z.size, FAMILYWISE)
        k = int(np.argmax(np.abs(z)))
        raw = (large[m] - value) / large[s]
        out.append(CheckResult(f"finite-width-networks: {name}", "simulation", bool(np.all(np.abs(z) <= threshold)),
                               0.0, float(z[k]), f"|z| <= {threshold:.2f}",
                               f"{seeds} two-layer linear networks per width (γ0 = {GAMMA0}, Φ⁰ = 1, y = {TARGET}, "
                               f"dt = {DT} and {DT / 2} Richardson) at N = {widths[0]}, {widths[1]}, extrapolated in "
                               f"1/N, at t = 0.5, 1, 1.5, 2: theory {np.round(value, 4).tolist()}, networks "
                               f"{np.round(ext, 4).tolist()}; raw N = {widths[1]}: max |z| {np.max(np.abs(raw)):.2f}"))
    return out


def _start(quick):
    theory = prediction_fluctuations([0.0], TARGET, GAMMA0, 1.0)
    got = (float(theory.variance[0]), float(theory.mean_correction[0]))
    err = max(abs(got[0] - 1.0 / GAMMA0 ** 2), abs(got[1]))
    return [CheckResult("finite-width-start: N·Var f(0) = Φ⁰/γ0², no mean shift", "numeric", err <= 1e-12,
                        (1.0 / GAMMA0 ** 2, 0.0), got, 1e-12, "the sensitivities start at ∂f/∂f₀ = 1, the others 0; "
                        "round-off bound")]


def _lazy(quick):
    """γ0 → 0: the kernel stays K₀ and f(t) = y − (y − f₀)e^(−K₀t), so N·Var f = (2Φ⁰ty)²e^(−4Φ⁰t) + (Φ⁰/γ0²)e^(−4Φ⁰t)
    (Φ⁰ = 1), typed from that solution; at γ0 = 1e-4 the flow's γ0² terms change it by about 1e-8 relative.  The
    mean correction has no such static form: the start f₀ is of order 1/(γ0√N), so γ0²f₀², and γ0² times the
    prediction's spread, move the kernel at order 1/N for every γ0 (the flow's second derivatives in f₀ and f
    carry it; measured at t = 0.5: −0.362 against the static kernel's −2t²e^(−2t) = −0.184)."""
    gamma0, t = 1e-4, np.linspace(0.25, 3, 12)
    theory = prediction_fluctuations(t, TARGET, gamma0, 1.0)
    var = (2 * t * TARGET) ** 2 * np.exp(-4 * t) + np.exp(-4 * t) / gamma0 ** 2
    err = float(np.max(np.abs(theory.variance / var - 1)))
    return [CheckResult("finite-width-lazy: γ0 → 0, the variance is the static kernel's closed form", "numeric",
                        err <= 1e-6, 0.0, err, 1e-6, "γ0 = 1e-4, t = 0.25 … 3: largest relative gap of N·Var f to "
                        "the lazy closed form; bound: the γ0² terms (1e-8) with the integration's 1e-11 far below")]


def _exact_prediction(t, X, Y, y, gamma0, phi0):
    """f(t) of one network at any width from its two numbers X = |u(0)|²/N, Y = |v(0)|²/N, where each neuron is
    rotated to u, v = (h/√Φ⁰ ± w)/√2: du/dt = γ₀√Φ⁰Δu, dv/dt = −γ₀√Φ⁰Δv, so with z = e^(2s), s = γ₀√Φ⁰∫Δ,
    f = √Φ⁰(Xz − Y/z)/(2γ₀) and z solves the Riccati equation dz/dt = −Φ⁰Xz² + 2γ₀√Φ⁰yz + Φ⁰Y, z(0) = 1, whose
    solution runs between its roots z± at the rate k = 2√Φ⁰√(γ₀²y² + Φ⁰XY) (an independent derivation, typed)."""
    r = np.sqrt(gamma0 ** 2 * y ** 2 + phi0 * X * Y)
    zp, zm = (gamma0 * y + r) / (np.sqrt(phi0) * X), (gamma0 * y - r) / (np.sqrt(phi0) * X)
    e = np.exp(-2 * np.sqrt(phi0) * r * t)
    z = (zp * (1 - zm) + zm * (zp - 1) * e) / ((1 - zm) + (zp - 1) * e)
    return np.sqrt(phi0) * (X * z - Y / z) / (2 * gamma0)


def _exact_route(quick):
    """X and Y are independent χ²_N/N (means 1, N·Var 2, no O(1/N) shift of the means), so to O(1/N)
    N·Var f = 2(f_X² + f_Y²) and N·(E f − f_∞) = f_XX + f_YY at X = Y = 1: a second route to (delta-method),
    through the exact solution instead of the sensitivity flows and sympy.stats."""
    t, h, worst = np.linspace(0.25, 2, 8), 1e-4, 0.0
    for y, gamma0, phi0 in ((1.0, 1.0, 1.0), (1.0, 0.5, 1.5625), (0.7, 1.5, 0.8)):
        f = lambda X, Y: _exact_prediction(t, X, Y, y, gamma0, phi0)
        fx, fy = (f(1 + h, 1) - f(1 - h, 1)) / (2 * h), (f(1, 1 + h) - f(1, 1 - h)) / (2 * h)
        fxx = (f(1 + h, 1) - 2 * f(1, 1) + f(1 - h, 1)) / h ** 2
        fyy = (f(1, 1 + h) - 2 * f(1, 1) + f(1, 1 - h)) / h ** 2
        c = prediction_fluctuations(t, y, gamma0, phi0)
        worst = max(worst, float(np.max(np.abs(2 * (fx ** 2 + fy ** 2) - c.variance) / (1 + np.abs(c.variance)))),
                    float(np.max(np.abs(fxx + fyy - c.mean_correction))), float(np.max(np.abs(f(1, 1) - c.prediction))))
    return [CheckResult("finite-width-exact-route: the exact two-number solution gives the same coefficients", "numeric",
                        worst <= 1e-6, 0.0, worst, 1e-6, "three (y, γ0, Φ⁰), t = 0.25 … 2: largest gap of N·Var f, "
                        "N·(E f − f_∞) and f_∞; bound: central differences with h = 1e-4 (truncation about h² times "
                        "the fourth derivative, round-off about 1e-16/h², both near 1e-8)")]


def attach_checks(d) -> None:
    """Add the checks of ``feature-learning-finite-width`` to ``d``."""
    d.check("finite-width-networks", "simulation", "network ensembles against N·Var f and N·(E f − f_∞)")(_networks)
    d.check("finite-width-start", "numeric", "the start's variance")(_start)
    d.check("finite-width-lazy", "numeric", "the lazy limit's closed form of the variance")(_lazy)
    d.check("finite-width-exact-route", "numeric", "the exact two-number solution at any width")(_exact_route)
