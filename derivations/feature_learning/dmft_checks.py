"""Checks of ``feature-learning-dmft``.

* ``dmft-routes``: the causal sweep and the paper's alternating procedure, same samples, one answer; the
  Monte-Carlo solver with φ(z) = z against the deterministic deep-linear solver (z-test); the deep-linear solver
  at one hidden layer against the closed kernel system of ``feature-learning-linear`` (gradient flow);
  the series of the deep linear closure at one hidden layer against the series of that kernel system;
* ``dmft-step-order``: that solver's gap to gradient flow, first order in dt, and Richardson's rest;
* ``dmft-ntk-consistency``: the prediction's increments against (1/P)KΔ from the kernel of (ntk): the gap is
  first order in dt (a wrong kernel leaves an O(1) gap);
* ``dmft-lazy``: γ₀ → 0 against the static NTK from a Gauss–Hermite rule (independent of the sampling);
* ``dmft-network-tanh``, ``dmft-network-deep-linear``: ensembles of networks trained by gradient descent at the
  same step, at widths N and 2N, the O(1/N) offset extrapolated away, z-tests against the DMFT (predictions at
  every time, the tangent kernel at the last);
* ``dmft-network-deep-tanh``: the same for two hidden tanh layers against the alternating Monte-Carlo DMFT with
  its Jacobian response functions;
* ``dmft-approximations``: the static NTK, the gradient-independence approximation and leading-order
  perturbation theory against the full DMFT of a deep linear network: the first two depart at order γ₀², the
  series at order γ₀⁴ (measured), and by how much each departs at γ₀ = 1, 1.5;
* ``dmft-approximations-tanh``: gradient independence for two tanh layers against the alternating DMFT, with
  the same random numbers: significant at γ₀ = 1.5 (its order is measured on the deep linear networks).
"""
from __future__ import annotations

import math

import numpy as np

from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE
import derivations.feature_learning.dmft_theory as th
from derivations.feature_learning.deep_linear_theory import deep_linear_grid
from derivations.feature_learning.deep_theory import deep_grid
from derivations.feature_learning.linear_checks import step_order_results
from derivations.feature_learning.perturbation_theory import perturbative_curve, perturbative_grid
from derivations.feature_learning.points_series_theory import perturbative_flow
from derivations.feature_learning.points_theory import kernel_flow
from numerics.mean_field_network_simulation import train_mean_field_network
from numerics.simulation import Estimate, z_threshold

DT, STEPS, EVERY = 0.05, 40, 10


def _task(seed=7, P=4, D=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((P, D)), rng.standard_normal(P)


def _monte_carlo(X, y, gamma0, act, samples, seed, replicas=8, steps=STEPS, dt=DT):
    gram = X @ X.T / X.shape[1]
    u, r = th.draw(gram, replicas, samples // replicas, seed)
    return gram, u, r, th.sweep(gram, y, gamma0, dt, steps, u, r, th.activation_pair(act))


def _routes(quick):
    X, y = _task()
    gram, u, r, (f, K) = _monte_carlo(X, y, 1.5, "tanh", 4000, 3)
    f_alt, _, conv = th.alternating(gram, y, 1.5, DT, STEPS, u, r, th.activation_pair("tanh"), damping=1.0,
                                    tol=1e-13, max_iterations=200)
    gap = float(np.max(np.abs(f_alt - f)))
    out = [CheckResult("dmft-routes: sweep = alternating", "numeric", gap <= 1e-11, 0.0, gap, 1e-11,
                       f"tanh, γ0 = 1.5, 4000 samples, {STEPS} steps: the same samples, the alternating procedure "
                       f"converged in {conv.iterations} passes (last change {conv.residual:.1e}); round-off bound")]
    samples = 8000 if quick else 32000
    _, _, _, (fm, _) = _monte_carlo(X, y, 1.0, "linear", samples, 5)
    exact, _, conv = deep_linear_grid(X, y, 1.0, DT, STEPS, 1)
    est = Estimate.from_samples(np.moveaxis(fm, 1, 0))
    z = est.z_score(exact)[1:]
    threshold = z_threshold(z.size, FAMILYWISE)
    out.append(CheckResult("dmft-routes: Monte Carlo = deep linear solver", "simulation",
                           bool(np.all(np.abs(z) <= threshold)), 0.0, float(z.flat[np.argmax(np.abs(z))]),
                           f"|z| <= {threshold:.2f}", f"φ(z) = z, one hidden layer, γ0 = 1, {samples} samples in 8 "
                           f"replicas; the solver converged in {conv.iterations} passes"))
    samples, replicas = (4000, 4) if quick else (16000, 8)
    deep, _, conv = deep_grid(X, y, 1.5, 0.1, 10, 2, "linear", samples=samples, replicas=replicas, seed=29)
    exact, _, _ = deep_linear_grid(X, y, 1.5, 0.1, 10, 2)
    z = Estimate.from_samples(np.moveaxis(deep, 1, 0)).z_score(exact)[1:]
    threshold = z_threshold(z.size, FAMILYWISE)
    out.append(CheckResult("dmft-routes: alternating Monte Carlo = deep linear solver, two layers", "simulation",
                           bool(np.all(np.abs(z) <= threshold)), 0.0, float(z.flat[np.argmax(np.abs(z))]),
                           f"|z| <= {threshold:.2f}", f"φ(z) = z, two hidden layers, γ0 = 1.5, dt = 0.1, 10 steps: "
                           f"{samples} samples in {replicas} replicas, Jacobian responses, {conv.iterations} passes at "
                           "most, against the closure's deterministic solution"))
    times = np.linspace(0, 2, 5)
    curve = th.dmft_curve(X, y, times, 1.0, activation="linear", step=0.025)
    flow = kernel_flow(times, X, y, 1.0).prediction
    gap, bound = float(np.max(np.abs(curve.predictions - flow))), 0.1 * curve.convergence.discretisation
    out.append(CheckResult("dmft-routes: deep linear solver = feature-learning-linear", "numeric", gap <= bound, 0.0,
                           gap, bound, "one hidden layer, γ0 = 1, dt = 0.025 Richardson-extrapolated, against the "
                           "integrated kernel system of points-flow; bound: a tenth of the dt-error before the "
                           f"extrapolation ({curve.convergence.discretisation:.2e})"))
    series = perturbative_curve(X, y, times, 1.0, depth=1, step=0.05)
    f2, K2 = perturbative_flow(times, X, y, 1.0)
    gap = max(float(np.max(np.abs(series.predictions - f2))), float(np.max(np.abs(series.ntk - K2))))
    bound = 0.1 * series.convergence.discretisation
    out.append(CheckResult("dmft-routes: perturbation series = points-perturbation-series", "numeric", gap <= bound,
                           0.0, gap, bound, "one hidden layer, γ0 = 1 (where the γ0² term is large), dt = 0.05 "
                           "Richardson-extrapolated: the series of the deep linear closure against the series of the "
                           "kernel system on P examples, predictions and kernels; bound: a tenth of the dt-error "
                           f"before the extrapolation ({series.convergence.discretisation:.2e})"))
    return out


def _step_order(quick):
    X, y = _task()
    gaps = []
    for dt in (0.1, 0.05, 0.025):
        steps = int(round(2 / dt))
        f, _, _ = deep_linear_grid(X, y, 1.0, dt, steps, 1)
        every = int(round(0.5 / dt))
        gaps.append(f[::every] - kernel_flow(dt * np.arange(0, steps + 1, every), X, y, 1.0).prediction)
    return step_order_results("dmft-step-order", gaps, "the deep linear solver (one layer, γ0 = 1)",
                              steps="1/10, 1/20, 1/40")


def _ntk_consistency(quick):
    X, y = _task()
    sizes = []
    for dt, steps in ((DT, STEPS), (DT / 2, 2 * STEPS)):
        _, _, _, (f, K) = _monte_carlo(X, y, 1.5, "tanh", 4000, 11, dt=dt, steps=steps)
        rate = np.einsum("krpq,krq->krp", K[:-1], y - f[:-1]) / len(y)
        sizes.append(float(np.max(np.abs((f[1:] - f[:-1]) / dt - rate))))
    order = math.log2(sizes[0] / sizes[1])
    return CheckResult("dmft-ntk-consistency: order in dt", "numeric", abs(order - 1) <= 0.15, 1.0, order, 0.15,
                       "tanh, γ0 = 1.5, same samples: max |Δf/dt − (1/P)KΔ| = " + ", ".join(f"{s:.2e}" for s in sizes)
                       + f" at dt = {DT}, {DT / 2}: first order, so (ntk) is the kernel of the sampled flow")


def _lazy(quick):
    X, y = _task()
    times = np.linspace(0, 2, 5)
    samples = 8000 if quick else 32000
    curve = th.dmft_curve(X, y, times, 1e-3, activation="tanh", samples=samples, seed=13)
    static = th.static_curve(X, y, times, th.static_ntk(X, "tanh"))
    z = (curve.predictions - static)[1:] / curve.predictions_error[1:]
    threshold = z_threshold(z.size, FAMILYWISE)
    return CheckResult("dmft-lazy: γ0 → 0 is the static NTK", "simulation", bool(np.all(np.abs(z) <= threshold)),
                       0.0, float(z.flat[np.argmax(np.abs(z))]), f"|z| <= {threshold:.2f}",
                       f"tanh, γ0 = 1e-3 ({samples} samples) against the frozen kernel of a 64² Gauss–Hermite rule "
                       "(γ0² = 1e-6 sets the size of the feature-learning departure, far below the error bars)")


def _ensembles(X, y, act, depth, gamma0, widths, seeds, seed):
    runs = [train_mean_field_network(X, y, th.activation_pair(act), depth=depth, width=N, gamma0=gamma0, dt=DT,
                                     steps=STEPS, seeds=seeds, seed=seed + k, record_every=EVERY)
            for k, N in enumerate(widths)]
    out = {}
    for name in ("prediction", "ntk"):
        small, large = (Estimate.from_samples(np.moveaxis(getattr(r, name), 1, 0)) for r in runs)
        out[name] = (Estimate(2 * large.mean - small.mean, np.hypot(2 * large.se, small.se), seeds), large)
    return out


def _z_results(label, who, widths, pred, ntk, theory_f, theory_K, theory_f_se=0.0, theory_K_se=0.0, end=STEPS * DT):
    (ext, large), (kext, klarge) = pred, ntk
    z = ((ext.mean - theory_f) / np.hypot(ext.se, theory_f_se))[1:]
    raw = ((large.mean - theory_f) / np.hypot(large.se, theory_f_se))[1:]
    zk = (kext.mean[-1] - theory_K) / np.hypot(kext.se[-1], theory_K_se)
    rawk = (klarge.mean[-1] - theory_K) / np.hypot(klarge.se[-1], theory_K_se)
    offset = widths[1] * np.max(np.abs(large.mean - theory_f)[1:])
    koffset = widths[1] * np.max(np.abs(klarge.mean[-1] - theory_K))
    t1, t2 = z_threshold(z.size, FAMILYWISE), z_threshold(zk.size, FAMILYWISE)
    return [CheckResult(f"{label}: predictions", "simulation", bool(np.all(np.abs(z) <= t1)), 0.0,
                        float(z.flat[np.argmax(np.abs(z))]), f"|z| <= {t1:.2f}",
                        f"{who} at N = {widths[0]}, {widths[1]}, extrapolated in 1/N: max |z| {np.max(np.abs(z)):.2f} "
                        f"over {z.shape[0]} times × {z.shape[1]} examples; raw N = {widths[1]}: max |z| "
                        f"{np.max(np.abs(raw)):.2f}, offset N·|mean − DMFT| up to {offset:.3f}",
                        extra={"z": z.tolist(), "raw_z": raw.tolist()}),
            CheckResult(f"{label}: tangent kernel", "simulation", bool(np.all(np.abs(zk) <= t2)), 0.0,
                        float(zk.flat[np.argmax(np.abs(zk))]), f"|z| <= {t2:.2f}",
                        f"K(t = {end:g}), same networks: max |z| {np.max(np.abs(zk)):.2f}; raw N = "
                        f"{widths[1]}: {np.max(np.abs(rawk)):.2f}, offset N·|mean − DMFT| up to {koffset:.3f}",
                        extra={"z": zk.tolist(), "raw_z": rawk.tolist()})]


def _network_tanh(quick):
    X, y = _task()
    gamma0, seeds, widths = 1.5, (200 if quick else 400), ((256, 512) if quick else (2048, 4096))
    samples = 16000 if quick else 64000
    _, _, _, (f, K) = _monte_carlo(X, y, gamma0, "tanh", samples, 17)
    est_f = Estimate.from_samples(np.moveaxis(f[::EVERY], 1, 0))
    est_K = Estimate.from_samples(np.moveaxis(K[-1], 0, 0))
    nets = _ensembles(X, y, "tanh", 1, gamma0, widths, seeds, 300)
    return _z_results("dmft-network-tanh", f"{seeds} tanh networks (one hidden layer, P = 4, D = 6, γ0 = {gamma0}, "
                      f"dt = {DT}) against the DMFT of {samples} samples", widths, nets["prediction"], nets["ntk"],
                      est_f.mean, est_K.mean, est_f.se, est_K.se)


def _network_deep_linear(quick):
    X, y = _task()
    gamma0, seeds, widths = 1.5, (200 if quick else 800), (128, 256)
    f, K, _ = deep_linear_grid(X, y, gamma0, DT, STEPS, 2)
    nets = _ensembles(X, y, "linear", 2, gamma0, widths, seeds, 400)
    return _z_results("dmft-network-deep-linear", f"{seeds} linear networks of two hidden layers (P = 4, D = 6, "
                      f"γ0 = {gamma0}, dt = {DT}) against the deep linear solver", widths, nets["prediction"],
                      nets["ntk"], f[::EVERY], K[-1])


#: the approximations of dmft-approximations and the order in γ₀ at which each departs from the full DMFT
APPROXIMATIONS = (("gradient independence", 2), ("static NTK", 2), ("perturbation theory", 4))


def _departures(X, y, gamma0):
    full, _, _ = deep_linear_grid(X, y, gamma0, DT, STEPS, 2)
    gia, _, _ = deep_linear_grid(X, y, gamma0, DT, STEPS, 2, responses=False)
    lazy, _, _ = deep_linear_grid(X, y, 1e-6, DT, STEPS, 2)
    series, _, _ = perturbative_grid(X, y, gamma0, DT, STEPS, 2)
    return tuple(float(np.max(np.abs(a - full))) for a in (gia, lazy, series))


def _approximations(quick):
    """The order of each departure from two small γ₀ (the next order changes it by about γ₀², so 0.1 bounds it)."""
    X, y = _task()
    small = [_departures(X, y, g) for g in (0.05, 0.1)]
    orders = [math.log2(small[1][k] / small[0][k]) for k in range(len(APPROXIMATIONS))]
    big = {g: _departures(X, y, g) for g in (1.0, 1.5)}
    words = "; ".join(f"γ0 = {g}: " + ", ".join(f"{name} {v:.3f}" for (name, _), v in zip(APPROXIMATIONS, values))
                      for g, values in big.items())
    return [CheckResult(f"dmft-approximations: {name} departs at order γ0^{p}", "numeric", abs(o - p) <= 0.1, p, o,
                        0.1, f"deep linear, two hidden layers: max |f_approx − f| at γ0 = 0.05, 0.1: "
                        f"{small[0][k]:.2e}, {small[1][k]:.2e}. Departures at O(1) γ0: {words}")
            for k, ((name, p), o) in enumerate(zip(APPROXIMATIONS, orders))]


def attach_checks(d) -> None:
    """Add the checks of ``feature-learning-dmft`` to ``d``."""
    d.check("dmft-routes", "numeric", "sweep = alternating; Monte Carlo = deep linear; deep linear = kernel system")(
        _routes)
    d.check("dmft-step-order", "numeric", "the deep linear solver is first order in dt")(_step_order)
    d.check("dmft-ntk-consistency", "numeric", "the kernel of (ntk) drives the sampled predictions")(_ntk_consistency)
    d.check("dmft-lazy", "simulation", "γ0 → 0: the static NTK")(_lazy)
    d.check("dmft-network-tanh", "simulation", "tanh networks against the Monte-Carlo DMFT")(_network_tanh)
    d.check("dmft-network-deep-linear", "simulation", "deep linear networks against the deep linear solver")(
        _network_deep_linear)
    d.check("dmft-approximations", "numeric", "static NTK, gradient independence and perturbation theory against "
            "the full DMFT")(
        _approximations)
    attach_deep_checks(d)


def _paired_departure(X, y, gamma0, samples, replicas, jacobians):
    """Gradient independence minus the full DMFT, two tanh layers up to t = 1, each Richardson-extrapolated from
    dt = 0.1 and 0.05 (the two ways of reading f differ by O(dt)), replica by replica with the same random
    numbers: an Estimate over (time, example)."""
    args = dict(samples=samples, replicas=replicas, seed=41, jacobian_samples=jacobians)
    out = []
    for responses in (False, True):
        coarse, _, _ = deep_grid(X, y, gamma0, 0.1, 10, 2, "tanh", responses=responses, **args)
        fine, _, _ = deep_grid(X, y, gamma0, 0.05, 20, 2, "tanh", responses=responses, **args)
        out.append(2 * fine[::2] - coarse)
    return Estimate.from_samples(np.moveaxis(out[0] - out[1], 1, 0)[:, 1:])


def _approximations_tanh(quick):
    """Gradient independence for two tanh layers is measurably wrong where features are learned (γ0 = 1.5), and
    by how much at γ0 = 0.5; its order in γ0 is measured on deep linear networks (dmft-approximations), where
    the solver has no sampling noise."""
    X, y = _task()
    samples, replicas, jacobians = (4000, 4, 128) if quick else (16000, 8, 256)
    small, big = (_paired_departure(X, y, g, samples, replicas, jacobians) for g in (0.5, 1.5))
    z = big.mean / big.se
    k = np.unravel_index(np.argmax(np.abs(z)), z.shape)
    threshold = z_threshold(z.size, FAMILYWISE)
    j = np.unravel_index(np.argmax(np.abs(small.mean)), small.mean.shape)
    return [CheckResult("dmft-approximations-tanh: gradient independence is measurably wrong at γ0 = 1.5",
                        "simulation", bool(abs(z[k]) > threshold), f"|z| > {threshold:.2f}", float(z[k]),
                        f"|z| > {threshold:.2f}", f"two tanh hidden layers up to t = 1, dt = 0.1 and 0.05 "
                        f"Richardson-extrapolated, {samples} samples in {replicas} replicas (the same random numbers "
                        f"for both), responses from {jacobians} Jacobians per replica: largest departure "
                        f"{float(big.mean[k]):.2e} ± {float(big.se[k]):.1e}; at γ0 = 0.5: "
                        f"{float(small.mean[j]):.2e} ± {float(small.se[j]):.1e}")]


def _network_deep_tanh(quick):
    """Two hidden tanh layers: networks at N, 2N extrapolated against the alternating Monte-Carlo DMFT with
    Jacobian responses, at the networks' step."""
    X, y = _task()
    gamma0, seeds, widths = 1.5, (100 if quick else 400), (128, 256)
    dt, steps = 0.1, 20
    samples, replicas, jacobians = (4000, 4, 64) if quick else (32000, 8, 256)
    f, K, conv = deep_grid(X, y, gamma0, dt, steps, 2, "tanh", samples=samples, replicas=replicas, seed=23,
                           jacobian_samples=jacobians)
    every = 5
    est_f = Estimate.from_samples(np.moveaxis(f[::every], 1, 0))
    est_K = Estimate.from_samples(np.moveaxis(K[-1], 0, 0))
    runs = [train_mean_field_network(X, y, th.activation_pair("tanh"), depth=2, width=N, gamma0=gamma0, dt=dt,
                                     steps=steps, seeds=seeds, seed=500 + k, record_every=every)
            for k, N in enumerate(widths)]
    nets = {}
    for name in ("prediction", "ntk"):
        small, large = (Estimate.from_samples(np.moveaxis(getattr(r, name), 1, 0)) for r in runs)
        nets[name] = (Estimate(2 * large.mean - small.mean, np.hypot(2 * large.se, small.se), seeds), large)
    return _z_results("dmft-network-deep-tanh", f"{seeds} tanh networks of two hidden layers (P = 4, D = 6, γ0 = "
                      f"{gamma0}, dt = {dt}) against the alternating DMFT ({samples} samples in {replicas} replicas, "
                      f"responses from {jacobians} Jacobians per replica, {conv.iterations} passes at most)", widths, nets["prediction"], nets["ntk"], est_f.mean,
                      est_K.mean, est_f.se, est_K.se, end=steps * dt)


def attach_deep_checks(d) -> None:
    d.check("dmft-network-deep-tanh", "simulation", "deep tanh networks against the alternating DMFT")(
        _network_deep_tanh)
    d.check("dmft-approximations-tanh", "simulation", "gradient independence against the full DMFT, two tanh "
            "layers")(_approximations_tanh)
