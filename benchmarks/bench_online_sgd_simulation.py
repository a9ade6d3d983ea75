"""Benchmark of the direct online-SGD simulation (figures, not tests).

Run ``python benchmarks/bench_online_sgd_simulation.py [--quick]``.

The setting of Worschech & Rosenow (2024) Fig. 1 (sheet §2(c)): K = M = 2 soft committee machines with
g = erf(·/√2) and normalised outputs, η = 0.1, σ_J = 0.01, power-law spectrum β = 1 with L = 32 distinct
eigenvalues, N = 1024, 8 seeds.  Prints the wall time of a small run (α = 10², 10⁵ steps per seed) and
of the target run (α = 10³, 10⁶ steps per seed; target: under 2 minutes on 2 cores), with ε_g at the end.
``--quick`` runs only the small one.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402

from numerics.committee_blocks import power_law_eigenvalues  # noqa: E402
from numerics.online_sgd_simulation import simulate_generalization_error  # noqa: E402


def erf_error(Q, R, T):
    """Population ε_g of normalised erf committees (sheet §0.1(d) with 1/K, 1/√(KM), 1/M)."""
    K, M = Q.shape[-1], T.shape[-1]
    dq, dt = np.diagonal(Q, axis1=-2, axis2=-1), np.diagonal(T, axis1=-2, axis2=-1)
    a = np.arcsin(Q / np.sqrt((1 + dq[..., :, None]) * (1 + dq[..., None, :]))).sum((-1, -2))
    b = np.arcsin(T / np.sqrt((1 + dt[..., :, None]) * (1 + dt[..., None, :]))).sum((-1, -2))
    c = np.arcsin(R / np.sqrt((1 + dq[..., :, None]) * (1 + dt[..., None, :]))).sum((-1, -2))
    return (a / K + b / M - 2 * c / np.sqrt(K * M)) / np.pi


def run(alpha, N=1024, K=2, M=2, L=32, seeds=8, eta=0.1):
    rng = np.random.default_rng(2024)
    J0 = 0.01 * rng.standard_normal((K, N))
    B = rng.standard_normal((M, N))
    lam = power_law_eigenvalues(N, L, 1.0)
    alphas = np.geomspace(1.0, alpha, 25)
    start, cpu = time.perf_counter(), time.process_time()
    est = simulate_generalization_error(alphas, J0, B, lam, eta, erf_error, normalized_outputs=True,
                                        seeds=seeds, entropy=0)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    steps = round(alpha * N)
    print(f"alpha = {alpha:g} ({steps:,} steps x {seeds} seeds, N = {N}, L = {L}): wall {wall:6.1f} s "
          f"({wall / steps * 1e6:.1f} us/step), CPU {cpu:6.1f} s; eps_g = {est.mean[-1]:.4g} +- {est.se[-1]:.2g}",
          flush=True)
    return wall


def main():
    run(100.0)
    if "--quick" not in sys.argv:
        run(1000.0)


if __name__ == "__main__":
    main()
