"""Timings of the exact power-law sums (figures, not tests): run ``python benchmarks/bench_power_law_sums.py``.

T(κ) = Σ_k k^-β (1 + κ k^α)^-b at α = 1.5 for β ∈ {0, 0.6, 1 (resonant), 2.3}, b ∈ {1, 2}
and κ ∈ {1e-24, 1e-12, 1e-6, 1e-3, 1, 100}: time per evaluation at 30 digits (the target
is well under 50 ms) and, for comparison, as a float (dps=None) and at 60 digits.  Each
time is the best of ``--repeat`` calls after one untimed warm-up call (which fills the
caches of Bernoulli numbers and mpmath's constants); the method the evaluator chose and
its working precision are shown.  Options: ``--repeat N`` (default 5), ``--alpha A``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from numerics.power_law_sums import _evaluate, power_law_sum  # noqa: E402

BETAS = (0.0, 0.6, 1.0, 2.3)
BS = (1, 2)
KAPPAS = ("1e-24", "1e-12", "1e-6", "1e-3", "1", "100")


def best_of(fn, repeat):
    fn()                                   # warm-up, not timed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=1.5)
    args = parser.parse_args(argv)
    alpha = args.alpha
    print(f"T(kappa) = sum_k k^-beta (1 + kappa k^alpha)^-b, alpha = {alpha}; "
          f"best of {args.repeat} (ms per evaluation)")
    header = (f"{'beta':>5} {'b':>2} {'kappa':>7} | {'method (dps=30)':<18} {'wdps':>4} | "
              f"{'float':>7} {'dps=30':>7} {'dps=60':>7} | T (dps=30)")
    print(header)
    print("-" * len(header))
    at30 = []
    for beta in BETAS:
        for b in BS:
            for kappa in KAPPAS:
                details = {}
                value = _evaluate(beta, alpha, b, kappa, 30, details=details)
                t_float = best_of(lambda: power_law_sum(beta, alpha, b, kappa), args.repeat)
                t30 = best_of(lambda: power_law_sum(beta, alpha, b, kappa, dps=30), args.repeat)
                t60 = best_of(lambda: power_law_sum(beta, alpha, b, kappa, dps=60), args.repeat)
                at30.append(t30)
                print(f"{beta:>5} {b:>2} {kappa:>7} | {details['method']:<18} "
                      f"{details['working_dps']:>4} | {t_float * 1e3:7.2f} {t30 * 1e3:7.2f} "
                      f"{t60 * 1e3:7.2f} | {str(value)[:22]}")
    print("-" * len(header))
    print(f"dps=30: median {statistics.median(at30) * 1e3:.2f} ms, "
          f"max {max(at30) * 1e3:.2f} ms over {len(at30)} evaluations (target: well under 50 ms)")


if __name__ == "__main__":
    main()
