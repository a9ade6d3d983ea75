"""Benchmark of the direct Langevin simulation (figures, not tests): ``python benchmarks/bench_langevin.py``.

The paper's setting N = P = 100, Λ_i = i^(−3/2), 100 time points: wall time of simulate_test_error for
10³ and 10⁴ data draws (exact per-draw solution (K-2), one eigen-decomposition per draw), serial.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402

from numerics.langevin_simulation import simulate_test_error  # noqa: E402


def main():
    lam = np.arange(1, 101) ** -1.5
    times = np.linspace(0.0, 50.0, 100)
    for n in (1_000, 10_000):
        start = time.perf_counter()
        est = simulate_test_error(times, lam, 100, 0.1, 1e4, noise_variance=0.1, n_draws=n, entropy=0)
        print(f"{n:6d} draws: {time.perf_counter() - start:6.1f} s; total(t=50) = {est['total'].mean[-1]:.4g} "
              f"± {est['total'].se[-1]:.2g}")


if __name__ == "__main__":
    main()
