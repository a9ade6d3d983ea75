"""Benchmark of the Langevin DMFT (issue 4, part 7): figures, not tests.

    python benchmarks/bench_dmft.py [--draws 100000] [--workers 2]

The paper's setting: N = P = 100, Λ_i = i^(−3/2), loss scale c = 1, g = 20, β = 50, label noise
σ² = 0.5.  Prints

1. the direct simulation (exact per-draw solution K-2, one eigen-decomposition per draw, 100 times)
   over 10⁵ data draws with a process pool (target: < 60 s on 2 cores);
2. the theory on 10³ time points: the float64 Talbot route (log-spaced t ∈ [1e-4, 1e2]) and the
   time-domain route (uniform t ∈ [0, 1], c = 1, its default step) (target: < 5 s);
3. the naive Euler–Maruyama baseline at dt = 10⁻⁴ (the paper's step): wall time per data draw for one
   Langevin path to t = 1, against the exact per-draw solution at 100 times; its discretisation bias
   at t = 1 (mean of 400 paths on one data draw against the exact Langevin average of that draw, with
   the paths' standard error), and the cost ratio.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402

from derivations.dmft import test_error_curve  # noqa: E402
from numerics.langevin_simulation import (euler_maruyama_path, langevin_draw, langevin_moments,  # noqa: E402
                                          simulate_test_error)

LAM = np.arange(1, 101) ** -1.5
P, G, BETA, C, S2 = 100, 20.0, 50.0, 1.0, 0.5


def simulation(draws: int, workers: int):
    times = np.geomspace(1e-4, 1e2, 100)
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        est = simulate_test_error(times, LAM, P, G, BETA, C, 1.0, S2, n_draws=draws, entropy=0, executor=pool)
    wall = time.perf_counter() - start
    print(f"simulation: {draws} draws × 100 times on {workers} processes: {wall:.1f} s "
          f"(total at t = 100: {est['total'].mean[-1]:.5f} ± {est['total'].se[-1]:.1g})")


def theory():
    times = np.geomspace(1e-4, 1e2, 1000)
    start = time.perf_counter()
    curve = test_error_curve(times, LAM, P, G, BETA, C, 1.0, S2, method="talbot")
    print(f"theory, Talbot route, 1000 log-spaced times: {time.perf_counter() - start:.2f} s "
          f"(total at t = 100: {curve.total[-1]:.6f})")
    times = np.linspace(0.0, 1.0, 1000)
    start = time.perf_counter()
    test_error_curve(times, LAM, P, G, BETA, C, 1.0, S2, method="time-domain")
    print(f"theory, time-domain route, 1000 uniform times on [0, 1]: {time.perf_counter() - start:.2f} s")


def euler_maruyama_baseline():
    rng = np.random.default_rng(5)
    Phi = rng.standard_normal((P, LAM.size)) * np.sqrt(LAM)
    w_bar = rng.standard_normal(LAM.size)
    y = Phi @ w_bar + np.sqrt(S2) * rng.standard_normal(P)
    dt, T = 1e-4, 1.0
    start = time.perf_counter()
    euler_maruyama_path(np.random.default_rng(1), Phi, y, G, BETA, dt, int(100 / dt), loss_scale=C, record_every=10_000)
    em_one = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(20):
        langevin_draw(np.random.default_rng(k), LAM, P, G, BETA, np.geomspace(1e-4, 1e2, 100), loss_scale=C,
                      noise_variance=S2)
    exact_one = (time.perf_counter() - start) / 20
    paths = 400
    _, W = euler_maruyama_path(np.random.default_rng(2), Phi, y, G, BETA, dt, int(T / dt), loss_scale=C,
                               record_every=int(T / dt), n_paths=paths)
    err = np.einsum("i,pi->p", LAM, (W[:, -1, :] - w_bar) ** 2)
    mean, cov = langevin_moments(Phi, y, G, BETA, [T], loss_scale=C)
    exact = float(np.sum(LAM * (mean[0] - w_bar) ** 2) + np.sum(LAM * np.diag(cov[0])))
    sd = err.std(ddof=1)
    print(f"Euler–Maruyama, dt = 1e-4, one path to t = 100 (10⁶ steps): {em_one:.2f} s per data draw; exact (K-2) "
          f"per draw at 100 times up to t = 100: {1e3 * exact_one:.2f} ms; ratio {em_one / exact_one:.0f}× for one path")
    print(f"Euler–Maruyama bias at t = 1 (one draw, {paths} paths): {err.mean() - exact:+.2e} ± {sd / np.sqrt(paths):.1e} "
          f"on ε = {exact:.5f} (exact Langevin average of this draw); one path's Langevin spread {sd:.2e}")
    need = int(np.ceil((sd / (1e-3 * exact)) ** 2))
    print(f"equal accuracy per draw (Langevin standard error ≤ 1e-3·ε, which K-2 has exactly): {need} paths, "
          f"ratio ≈ {need * em_one / exact_one:.2g}×")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    theory()
    euler_maruyama_baseline()
    simulation(args.draws, args.workers)


if __name__ == "__main__":
    main()
