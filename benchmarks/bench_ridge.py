"""Benchmarks of the foundation (figures, not tests): run ``python benchmarks/bench_ridge.py``.

1. κ solve for 10⁶ power-law eigenvalues in float64;
2. a 50-digit mpmath learning curve for 10⁴ eigenvalues;
3. the wall time of ``derivations verify --all`` (and ``--quick``).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derivations.ridge import learning_curve, power_law_problem, solve_kappa  # noqa: E402


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    learning_curve(np.ones(4), np.ones(4), 2, 0.1)  # compile the derivation once (not timed)
    eta, w = power_law_problem(10**6, alpha=1.5, r=0.4)
    t, (kappa, root) = best_of(lambda: solve_kappa(eta, 10**4, 1e-6))
    print(f"kappa solve, 1e6 power-law eigenvalues, float64: {t * 1e3:.1f} ms "
          f"(kappa = {kappa:.6e}, {root.iterations} brentq iterations)")
    t, r = best_of(lambda: learning_curve(eta, w, 10**4, 1e-6, 0.01), repeat=3)
    print(f"full learning-curve point, 1e6 eigenvalues, float64: {t * 1e3:.1f} ms (E_g = {r.E_g:.6e})")
    eta4, w4 = power_law_problem(10**4, alpha=1.5, r=0.4)
    t, r = best_of(lambda: learning_curve(eta4, w4, 1000, "1e-4", "0.01", dps=50), repeat=1)
    print(f"learning-curve point, 1e4 eigenvalues, 50 digits (mpmath): {t:.2f} s (E_g = {str(r.E_g)[:32]}...)")
    for flags in (["--quick"], []):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "derivations", "verify", "--all", *flags],
                              cwd=ROOT, capture_output=True, text=True)
        print(f"derivations verify --all {' '.join(flags)}: {time.perf_counter() - t0:.1f} s wall "
              f"(exit {proc.returncode}; {proc.stdout.strip().splitlines()[-1]})")


if __name__ == "__main__":
    main()
