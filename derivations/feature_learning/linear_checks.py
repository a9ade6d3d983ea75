"""Numeric and simulation checks of ``feature-learning-linear``.

* ``closed-form-vs-flow``: the closed form (explicit-solution) against the integrated flow (DOP853);
* ``high-precision``: the closed form at 30 digits against mpmath's Taylor integrator of the flow;
* ``lazy-limit-numeric``: f(t; γ₀) − y(1 − e^(−2Φ⁰t)) shrinks as γ₀² (and to 1e-15 at γ₀ = 1e-8, 30 digits);
* ``network-flow``: networks trained by gradient descent (the whole W) against the exact flow at their own width
  (closed-flow with each network's K(0), f(0)), the step's error measured as first order and extrapolated;
* ``network-ensemble``: the mean prediction and kernel of network ensembles at widths N and 2N, extrapolated in
  1/N, against the infinite-width theory by z-tests (the start's law-of-large-numbers step included).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

import derivations.feature_learning.linear_theory as th
from derivations.engine import CheckResult, Derivation
from derivations.engine.simulation_checks import FAMILYWISE
from numerics.simulation import Estimate, z_threshold
from numerics.two_layer_linear_simulation import train_two_layer_linear

#: the training input (Φ⁰ = |x|²/D = 1.5625) and target of the simulation checks
INPUT, TARGET = np.array([1.0, 2.0, 0.5, 1.0]), 1.0
#: gradient-descent steps of the simulations (0.25/dt whole), the recorded times
STEPS, HORIZON, EVERY = (1 / 40, 1 / 80, 1 / 160), 2.0, 0.25


def _closed_form_vs_flow() -> list[CheckResult]:
    """DOP853 at rtol 1e-12 accumulates its local errors over the ~20 decay times of t ≤ 10: 1e-10 bounds it."""
    t, out = np.linspace(0, 10, 41), []
    for gamma0 in (0.1, 1.0, 3.0):
        for y, phi0 in ((0.5, 2.0), (2.0, 0.5), (-1.0, 1.0)):
            gap = float(np.max(np.abs(th.prediction(t, y, gamma0, phi0) - th.flow_prediction(t, y, gamma0, phi0))))
            out.append(CheckResult(f"closed-form-vs-flow: γ0={gamma0}, y={y}, Φ0={phi0}", "numeric",
                                   gap <= 1e-10 * abs(y), 0.0, gap, 1e-10 * abs(y),
                                   "max over 41 times in [0, 10] of |closed form − integrated flow|"))
    return out


def _high_precision() -> list[CheckResult]:
    """Two routes at 30 digits: the closed form, and mpmath.odefun (Taylor series) on the compiled flow."""
    out, dps = [], 30
    flow = th._mpmath()["flow"]
    for gamma0, y, phi0 in ((1.0, 1.0, 1.0), (2.5, 0.7, 1.5)):
        with mpmath.workdps(dps + 5):
            solution = mpmath.odefun(lambda _, f: flow(f, y, gamma0, phi0), 0, mpmath.mpf(0))
            times = [mpmath.mpf(1) / 2, mpmath.mpf(2)]
            reference = [solution(x) for x in times]
        closed = th.prediction([float(x) for x in times], y, gamma0, phi0, dps=dps)
        with mpmath.workdps(dps):
            gap = max(abs(a - b) for a, b in zip(closed, reference))
        tol = mpmath.mpf(10) ** (-(dps - 5))
        out.append(CheckResult(f"high-precision: γ0={gamma0}, y={y}, Φ0={phi0}", "numeric", gap <= tol, 0,
                               mpmath.nstr(gap, 3), mpmath.nstr(tol, 1),
                               f"closed form at {dps} digits vs mpmath.odefun at t = 1/2, 2"))
    return out


def _observed_order(gaps, halvings=1):
    return math.log2(gaps[0] / gaps[1]) / halvings


def _lazy_limit() -> list[CheckResult]:
    """The lazy curve is reached as γ₀², and the leading order of perturbation theory (perturbation-series) as
    γ₀⁴: the observed orders from γ₀ = 0.02 and 0.01 (a convergence order within 0.05 of its value).  Then
    where perturbation theory departs from the full solution, as the feature-learning strength grows."""
    t = np.linspace(0.05, 4, 80)
    lazy = th.lazy_prediction(t, 1.0, 1.0)
    full = {g: th.prediction(t, 1.0, g, 1.0) for g in (0.02, 0.01)}
    zeroth = [float(np.max(np.abs(full[g] - lazy))) for g in full]
    first = [float(np.max(np.abs(full[g] - th.perturbative_prediction(t, 1.0, g, 1.0)))) for g in full]
    departures = {g: float(np.max(np.abs(th.prediction(t, 1.0, g, 1.0) - th.perturbative_prediction(t, 1.0, g, 1.0))))
                  for g in (0.25, 0.5, 1.0, 2.0)}
    out = []
    for name, gaps, order in (("lazy curve", zeroth, 2), ("first order in γ0²", first, 4)):
        observed = _observed_order(gaps)
        out.append(CheckResult(f"lazy-limit-numeric: {name}, order {order} in γ0", "numeric",
                               abs(observed - order) <= 0.05, order, observed, 0.05,
                               f"max gap over t ≤ 4 (y = 1, Φ0 = 1): {gaps[0]:.3e} at γ0 = 0.02, {gaps[1]:.3e} at 0.01"
                               + ("; perturbation theory departs: max |full − f_lazy − γ0²f2| = " + ", ".join(
                                   f"{v:.3g} (γ0 = {g})" for g, v in departures.items()) if order == 4 else "")))
    tiny = th.prediction([0.5, 2.0], 1.0, 1e-8, 1.0, dps=30)
    with mpmath.workdps(30):
        lazy_mp = [1 - mpmath.exp(-2 * mpmath.mpf(x)) for x in (0.5, 2.0)]
        gap = max(abs(a - b) for a, b in zip(tiny, lazy_mp))
    out.append(CheckResult("lazy-limit-numeric: γ0 = 1e-8 at 30 digits", "numeric", gap <= 1e-15, 0,
                           mpmath.nstr(gap, 3), 1e-15,
                           "the closed form (v − 1/v cancels to 8 digits) against the lazy curve: the gap is O(γ0²)"))
    return out


def _runs(width, seeds, seed, gamma0):
    steps = lambda dt: int(round(HORIZON / dt))
    return [train_two_layer_linear(INPUT, TARGET, width, gamma0, dt, steps(dt), seeds, seed=seed,
                                   record_every=int(round(EVERY / dt))) for dt in STEPS]


def _network_flow(quick: bool) -> list[CheckResult]:
    """Each network's own exact flow (closed-flow) at width 64; gradient descent errs by O(dt)."""
    seeds, gamma0 = (10 if quick else 40), 1.5
    runs = _runs(64, seeds, 11, gamma0)
    gaps = []
    for run in runs:
        exact = np.stack([th.flow_prediction(run.times, TARGET, gamma0, run.input_kernel,
                                             start=(run.kernel[0, s], run.prediction[0, s])) for s in range(seeds)], 1)
        gaps.append(run.prediction - exact)
    return step_order_results("network-flow", gaps, f"{seeds} networks (N = 64, γ0 = {gamma0})")


def step_order_results(name, gaps, who, steps="1/40, 1/80, 1/160"):
    """Gradient descent's gaps to the exact flow at three steps dt, dt/2, dt/4 (``steps``, as words): first order
    in dt (observed order within 0.1 of 1), and Richardson's 2·gap(dt/2) − gap(dt) below a tenth of the smallest
    step's gap (the O(dt²) rest)."""
    sizes = [float(np.max(np.abs(g))) for g in gaps]
    order = math.log2(sizes[1] / sizes[2])
    residual = float(np.max(np.abs(2 * gaps[2] - gaps[1])))
    return [CheckResult(f"{name}: order in dt", "simulation", abs(order - 1) <= 0.1, 1.0, order, 0.1,
                        f"max gap of {who} to their exact flow: " + ", ".join(f"{s:.2e}" for s in sizes)
                        + f" at dt = {steps}"),
            CheckResult(f"{name}: extrapolated in dt", "simulation", residual <= 0.1 * sizes[2], 0.0, residual,
                        0.1 * sizes[2], f"2·gap(dt/2) − gap(dt) at dt = {steps.split(', ')[1]}: the O(dt²) rest, below a tenth of the "
                        "smallest step's gap")]


def _network_ensemble(quick: bool) -> list[CheckResult]:
    """Mean f and K over seeds at widths N and 2N, each network's dt error removed (2f(dt/2) − f(dt), same
    seeds), then the O(1/N) offset removed (2·mean(2N) − mean(N)): z-tests against the infinite-width theory."""
    seeds, widths, out = (300 if quick else 1500), (128, 256), []
    gammas = (1.5,) if quick else (0.5, 1.5)
    tests = []
    for g_index, gamma0 in enumerate(gammas):
        estimates = {}
        for n_index, width in enumerate(widths):
            coarse, fine, _ = _runs(width, seeds, 100 + 10 * g_index + n_index, gamma0)
            for name in ("prediction", "kernel"):
                combined = 2 * getattr(fine, name) - getattr(coarse, name)
                estimates[name, width] = Estimate.from_samples(combined.T)
        times = fine.times
        theory = {"prediction": th.prediction(times, TARGET, gamma0, fine.input_kernel),
                  "kernel": th.tangent_kernel(times, TARGET, gamma0, fine.input_kernel)}
        for name in ("prediction", "kernel"):
            small, large = estimates[name, widths[0]], estimates[name, widths[1]]
            extrapolated = Estimate(2 * large.mean - small.mean, np.hypot(2 * large.se, small.se), seeds)
            raw = estimates[name, widths[1]]
            tests.append((gamma0, name, times, theory[name], extrapolated, raw))
    threshold = z_threshold(sum(t[2].size - 1 for t in tests), FAMILYWISE)
    for gamma0, name, times, theory, ext, raw in tests:
        z = ext.z_score(theory)[1:]                           # t = 0 has no spread in K at infinite width
        raw_z = raw.z_score(theory)[1:]
        worst = int(np.argmax(np.abs(z)))
        out.append(CheckResult(f"network-ensemble: {name}, γ0={gamma0}", "simulation",
                               bool(np.all(np.abs(z) <= threshold)), 0.0, float(z[worst]), f"|z| <= {threshold:.2f}",
                               f"{seeds} networks at N = {widths[0]} and {widths[1]}, extrapolated in 1/N, at "
                               f"{times.size - 1} times t ≤ {HORIZON}: max |z| {np.max(np.abs(z)):.2f} (t = "
                               f"{times[worst + 1]:.2f}); raw N = {widths[1]}: max |z| {np.max(np.abs(raw_z)):.2f}, "
                               f"offset N·(mean − theory) up to {widths[1] * np.max(np.abs(raw.mean - theory)[1:]):.3f}",
                               extra={"z": z.tolist(), "raw_z": raw_z.tolist()}))
    return out


def attach_checks(d: Derivation) -> None:
    """Add the numeric and simulation checks of ``feature-learning-linear`` to ``d``."""
    d.check("closed-form-vs-flow", "numeric", "closed form against the integrated flow")(
        lambda quick: _closed_form_vs_flow())
    d.check("high-precision", "numeric", "closed form at 30 digits against a Taylor integrator")(
        lambda quick: _high_precision())
    d.check("lazy-limit-numeric", "numeric", "the γ₀ → 0 limit is reached as γ₀²")(lambda quick: _lazy_limit())
    d.check("network-flow", "simulation", "trained networks follow their exact finite-width flow")(_network_flow)
    d.check("network-ensemble", "simulation", "network ensembles against the infinite-width theory")(
        _network_ensemble)
