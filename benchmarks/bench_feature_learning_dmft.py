"""Speed and accuracy of the feature-learning DMFT (figures, not a test):
``python benchmarks/bench_feature_learning_dmft.py``.

The issue's target: a two-layer tanh network, P = 10 examples (D = 20), 100 time points up to t = 10, γ₀ = 1,
10⁴ Monte-Carlo samples, converged to the stated tolerance in < 30 s on 2 cores.  Side by side, in the same
run: ensembles of networks of the same architecture trained by gradient descent at the DMFT's step (and half
of it, Richardson in dt, as the DMFT does), sized to the same statistical error (total neurons = samples) at
width N = 1024, and at (N, 2N) = (512, 1024) extrapolated in 1/N; the error of each route is its standard error
plus, for the raw ensemble, its measured O(1/N) offset from the DMFT.

Timings are wall-clock seconds on this machine after a warm-up call (SymPy compilation excluded).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: F401,E402  (single-threaded BLAS first)
from derivations.feature_learning import dmft_curve  # noqa: E402
from derivations.feature_learning.dmft_theory import activation_pair  # noqa: E402
from numerics.mean_field_network_simulation import train_mean_field_network  # noqa: E402

P, D, GAMMA0, END, SAMPLES = 10, 20, 1.0, 10.0, 10_000


def _task():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((P, D))
    return X, np.tanh(X @ rng.standard_normal(D) / np.sqrt(D)) + 0.1 * rng.standard_normal(P)


def _ensemble(X, y, width, seeds, dt, steps, seed):
    """Mean and standard error of f over networks, Richardson-extrapolated in dt (same seeds)."""
    runs = [train_mean_field_network(X, y, activation_pair("tanh"), depth=1, width=width, gamma0=GAMMA0, dt=h,
                                     steps=m, seeds=seeds, seed=seed, record_every=m // 100)
            for h, m in ((dt, steps), (dt / 2, 2 * steps))]
    combined = 2 * runs[1].prediction - runs[0].prediction
    return runs[0].times, combined.mean(1), combined.std(1, ddof=1) / np.sqrt(seeds)


def main():
    X, y = _task()
    times = np.linspace(0, END, 100)
    dmft_curve(X, y, times[:3], GAMMA0, samples=200)                                   # warm-up
    start = time.perf_counter()
    curve = dmft_curve(X, y, times, GAMMA0, samples=SAMPLES, seed=1)
    t_dmft = time.perf_counter() - start
    c = curve.convergence
    print(f"DMFT (tanh, P = {P}, D = {D}, γ0 = {GAMMA0}, 100 times to t = {END:g}, {SAMPLES} samples in 8 replicas):"
          f" {t_dmft:.2f} s; dt = {curve.step:g} and dt/2, {c.method}, converged = {c.converged}; "
          f"max s.e. of f {curve.predictions_error.max():.2e}; dt correction removed {c.discretisation:.2e}")
    alt_start = time.perf_counter()
    alt = dmft_curve(X, y, times, GAMMA0, samples=SAMPLES, seed=1, method="alternating")
    t_alt = time.perf_counter() - alt_start
    print(f"  the paper's alternating procedure (Anderson-mixed passes), same samples, tol = {alt.convergence.tolerance:g}:"
          f" {t_alt:.2f} s, {alt.convergence.iterations} passes, max |difference| "
          f"{np.max(np.abs(alt.predictions - curve.predictions)):.1e}")
    alt_start = time.perf_counter()
    alt = dmft_curve(X, y, times, GAMMA0, samples=SAMPLES, seed=1, method="alternating", tol=1e-8)
    print(f"  the same at tol = 1e-8 (10⁵ times below the standard error): {time.perf_counter() - alt_start:.2f} s, "
          f"{alt.convergence.iterations} passes, max |difference| {np.max(np.abs(alt.predictions - curve.predictions)):.1e}")
    steps = int(round(END / curve.step))
    for label, widths, seeds in (("N = 1024", (1024,), SAMPLES // 1024 + 1), ("(512, 1024) in 1/N", (512, 1024), 16)):
        start = time.perf_counter()
        results = [_ensemble(X, y, N, seeds, curve.step, steps, 10 + k) for k, N in enumerate(widths)]
        elapsed = time.perf_counter() - start
        grid, mean, se = results[-1]
        if len(results) == 2:
            mean, se = 2 * results[1][1] - results[0][1], np.hypot(2 * results[1][2], results[0][2])
        theory = np.stack([np.interp(grid, times, curve.predictions[:, p]) for p in range(P)], 1)
        offset = np.max(np.abs(mean - theory))
        equal = elapsed * (se.max() / curve.predictions_error.max()) ** 2
        print(f"networks, {label}, {seeds} seeds each: {elapsed:.2f} s; max s.e. {se.max():.2e}, max |mean − DMFT| "
              f"{offset:.2e}; at the DMFT's s.e. (seeds × (s.e. ratio)²) ≈ {equal:.0f} s = {equal / t_dmft:.1f}× the "
              "DMFT" + ("" if len(widths) == 2 else f", and still biased by O(1/N) ({offset:.1e} measured)"))


if __name__ == "__main__":
    main()
