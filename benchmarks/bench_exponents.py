"""Benchmarks of the exponent machinery (figures, not tests): ``python benchmarks/bench_exponents.py``.

1. one exact-theory learning-curve point at P = 10⁸ with an infinite power-law spectrum at 30 digits
   (ridge, and random features with N = 10⁶), after the one-off compilation;
2. one infinite power-law sum at 30 digits over κ;
3. the wall time of ``derivations exponents`` (all laws, full and --quick).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derivations.random_features import power_law_learning_curve as rf_learning_curve  # noqa: E402
from derivations.ridge import PowerLawSpectrum  # noqa: E402
from derivations.ridge import power_law_learning_curve as ridge_learning_curve  # noqa: E402
from numerics.power_law_sums import power_law_sum  # noqa: E402


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), sorted(times)[len(times) // 2]


def main():
    s = PowerLawSpectrum(1.5, 0.4)
    t0 = time.perf_counter()
    ridge_learning_curve(s, 100, 0, 0.25)
    rf_learning_curve(s, 100, 400, 0, 0.25)
    print(f"first call (compiles the statements): {time.perf_counter() - t0:.2f} s")
    for label, fn in (
            ("ridge, P=1e8, λ=0, σ²=1/4, 30 digits", lambda: ridge_learning_curve(s, 1e8, 0, 0.25, dps=30)),
            ("ridge, P=1e8, λ=1e-4, 30 digits", lambda: ridge_learning_curve(s, 1e8, 1e-4, 0.25, dps=30)),
            ("random features, P=1e8, N=1e6, λ=0, 30 digits", lambda: rf_learning_curve(s, 1e8, 1e6, 0, 0.25, dps=30)),
            ("random features, P=1e8, N=1e6, λ=1e-6, 30 digits", lambda: rf_learning_curve(s, 1e8, 1e6, 1e-6, 0.25, dps=30)),
            ("ridge, P=1e8, λ=0, 50 digits", lambda: ridge_learning_curve(s, 1e8, 0, 0.25, dps=50))):
        best, median = best_of(fn)
        print(f"{label:52s} best {best * 1e3:7.1f} ms   median {median * 1e3:7.1f} ms")
    for kappa in ("1e-24", "1e-12", "1e-3", "1"):
        best, _ = best_of(lambda: power_law_sum("-0.8", "1.5", 2, kappa, dps=30), repeat=20)
        print(f"power_law_sum(β=−0.8, α=1.5, b=2, κ={kappa:>5s}), 30 digits: {best * 1e3:6.2f} ms")
    for args in (["exponents", "--quick"], ["exponents"]):
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, "-m", "derivations", *args], cwd=ROOT, capture_output=True).returncode
        print(f"derivations {' '.join(args):20s} exit {rc}, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
