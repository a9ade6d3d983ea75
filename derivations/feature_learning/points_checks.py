"""Checks of the P-example steps of ``feature-learning-linear``.

* ``points-whitened``: with whitened inputs (K^x = I) the predictions move only along ŷ, as the one-example
  closed form of the first part with |y| and the time t/P — two routes;
* ``points-network-flow``: networks trained by gradient descent (the whole W) against their own exact kernel
  system at width 64, the step's error first order in dt;
* ``points-ensemble``: the mean predictions of network ensembles at N and 2N (dt error removed per network,
  then the O(1/N) offset), z-tested against the infinite-width system at every example and time.
"""
from __future__ import annotations

import math

import numpy as np

import derivations.feature_learning.linear_theory as one
from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE
from derivations.feature_learning.linear_checks import step_order_results
from derivations.feature_learning.points_series_theory import perturbative_flow
from derivations.feature_learning.points_theory import kernel_flow
from numerics.simulation import Estimate, z_threshold
from numerics.two_layer_linear_simulation import train_two_layer_linear_on_points

STEPS, HORIZON, EVERY = (1 / 40, 1 / 80, 1 / 160), 2.0, 0.5


def _task(seed=7, P=4, D=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((P, D)), rng.standard_normal(P)


def _whitened():
    P, D, gamma0 = 4, 6, 1.5
    X = np.eye(P, D) * math.sqrt(D)
    y = np.array([0.6, -0.3, 0.9, 0.2])
    t = np.linspace(0, 8, 17)
    size = float(np.linalg.norm(y))
    along = one.prediction(t / P, size, gamma0, 1.0)[:, None] * (y / size)[None, :]
    gap = float(np.max(np.abs(kernel_flow(t, X, y, gamma0).prediction - along)))
    return CheckResult("points-whitened: K^x = I", "numeric", gap <= 1e-9 * size, 0.0, gap, 1e-9 * size,
                       f"P = {P}, γ0 = {gamma0}: max over 17 times ≤ 8 of |f(t) − ŷ·f_one(t/P; |y|)|; DOP853 at "
                       "rtol 1e-12 bounds it by 1e-9")


def _runs(X, y, width, seeds, seed, gamma0):
    return [train_two_layer_linear_on_points(X, y, width, gamma0, dt, int(round(HORIZON / dt)), seeds, seed=seed,
                                             record_every=int(round(EVERY / dt))) for dt in STEPS]


def _network_flow(quick):
    X, y = _task()
    gamma0, seeds = 1.0, (5 if quick else 20)
    gaps = []
    for run in _runs(X, y, 64, seeds, 21, gamma0):
        exact = np.stack([kernel_flow(run.times, X, y, gamma0, start=(run.feature_kernel[0, s], run.readout_norm[0, s],
                                                                     run.prediction[0, s])).prediction
                          for s in range(seeds)], 1)
        gaps.append(run.prediction - exact)
    return step_order_results("points-network-flow", gaps, f"{seeds} networks (N = 64, P = 4, D = 6, γ0 = {gamma0})")


def _ensemble(quick):
    X, y = _task()
    gamma0, seeds, widths = 1.0, (300 if quick else 1200), (128, 256)
    estimates = []
    for n_index, width in enumerate(widths):
        coarse, fine, _ = _runs(X, y, width, seeds, 200 + n_index, gamma0)
        estimates.append(Estimate.from_samples(np.moveaxis(2 * fine.prediction - coarse.prediction, 1, 0)))
    small, large = estimates
    extrapolated = Estimate(2 * large.mean - small.mean, np.hypot(2 * large.se, small.se), seeds)
    theory = kernel_flow(fine.times, X, y, gamma0).prediction
    z = extrapolated.z_score(theory)[1:]
    raw = large.z_score(theory)[1:]
    threshold = z_threshold(z.size, FAMILYWISE)
    return CheckResult("points-ensemble: predictions", "simulation", bool(np.all(np.abs(z) <= threshold)), 0.0,
                       float(z.flat[np.argmax(np.abs(z))]), f"|z| <= {threshold:.2f}",
                       f"{seeds} networks (P = 4, D = 6, γ0 = {gamma0}) at N = {widths[0]} and {widths[1]}, each "
                       f"Richardson-corrected in dt, extrapolated in 1/N: max |z| {np.max(np.abs(z)):.2f} over "
                       f"{z.shape[0]} times × 4 examples; raw N = {widths[1]}: max |z| {np.max(np.abs(raw)):.2f}, "
                       f"offset N·|mean − theory| up to {widths[1] * np.max(np.abs(large.mean - theory)[1:]):.3f}",
                       extra={"z": z.tolist(), "raw_z": raw.tolist()})


def _perturbation(quick):
    """Perturbation theory to O(γ₀²) against the full kernel system: the gap is O(γ₀⁴) (order from γ₀ = 0.1,
    0.2), and where γ₀ is of order one the series is no better than the lazy curve."""
    X, y = _task()
    t = np.linspace(0, 4, 9)
    gap = lambda g, approx: float(np.max(np.abs(approx - kernel_flow(t, X, y, g).prediction)))
    series = {g: gap(g, perturbative_flow(t, X, y, g)[0]) for g in (0.1, 0.2, 0.5, 1.0, 1.5)}
    lazy = {g: gap(g, perturbative_flow(t, X, y, 1e-9)[0]) for g in (0.5, 1.0, 1.5)}
    order = math.log2(series[0.2] / series[0.1])
    words = "; ".join(f"γ0 = {g}: series {series[g]:.3f}, lazy {lazy[g]:.3f}" for g in (0.5, 1.0, 1.5))
    return CheckResult("points-perturbation: the O(γ0²) series departs at order γ0⁴", "numeric",
                       abs(order - 4) <= 0.15, 4.0, order, 0.15,
                       f"P = 4, D = 6, t ≤ 4: max |f_series − f| = {series[0.1]:.2e}, {series[0.2]:.2e} at γ0 = 0.1, "
                       f"0.2. Where it departs (max gap to the full system): {words}")


def attach_checks(d) -> None:
    """Add the P-example checks to ``d``."""
    d.check("points-whitened", "numeric", "whitened inputs: the one-example solution along ŷ at t/P")(
        lambda quick: _whitened())
    d.check("points-network-flow", "simulation", "trained networks follow their exact kernel system")(_network_flow)
    d.check("points-ensemble", "simulation", "network ensembles against the infinite-width kernel system")(_ensemble)
    d.check("points-perturbation", "numeric", "perturbation theory in γ0² against the full kernel system")(
        _perturbation)
