"""Speed and accuracy of the dynamical model's theory (figures, not a test):
``python benchmarks/bench_rf_dynamics.py``.

1. One loss curve (test, train, ensemble, mean predictor) at 10³ times for η_k = k^(−3/2), w̄_k²η_k = k^(−2),
   10⁶ modes, N = 1000, P = 2000 — the spectrum compressed by :mod:`numerics.spectral_quadrature`
   (the target of issue 14: < 1 s).  The uncompressed cost is estimated from a 10-time curve on all modes.
2. The gap between the compressed and the mode-by-mode losses, 2·10⁴ modes, 25 times up to 8·10⁷.
3. A 100-point compute-optimal frontier on the infinite power law (a = 2, b = 3/2), P = ∞
   (the target: < 30 s), and its local slopes against the derived ρ_N = 0.4, ρ_L = 0.4.

Timings are wall-clock seconds on this machine, after a warm-up call (SymPy compilation excluded).
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: F401,E402  (single-threaded BLAS first)
from derivations.random_features.dynamics_theory import (compute_optimal, loss_curve,  # noqa: E402
                                                         power_law_spectrum)
from numerics.spectral_quadrature import spectral_rule  # noqa: E402


def _spectrum(M):
    k = np.arange(1, M + 1, dtype=float)
    eta = k ** -1.5
    return eta, np.sqrt(k ** -2.0 / eta)


def _timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def curve_benchmark():
    eta, w = _spectrum(10 ** 6)
    times = np.geomspace(0.1, 1e7, 1000)
    loss_curve(times[:2], eta, w, 1000, 2000, 0.1)                       # warm-up (compilation)
    _, total = _timed(lambda: loss_curve(times, eta, w, 1000, 2000, 0.1))
    _, build = _timed(lambda: spectral_rule(eta, w))
    exact = spectral_rule(eta, w, compress=False)
    _, ten = _timed(lambda: loss_curve(times[::100], exact, None, 1000, 2000, 0.1))
    print(f"loss curve, 10^3 times x 10^6 modes (compressed): {total:.2f} s "
          f"(of which building the rule {build:.2f} s)")
    print(f"  mode by mode: 10 times {ten:.1f} s -> about {ten * 100:.0f} s for 10^3 times")


def accuracy_benchmark():
    eta, w = _spectrum(20000)
    exact, small = spectral_rule(eta, w, compress=False), spectral_rule(eta, w, compress=True)
    times = np.geomspace(0.1, 8e7, 25)
    print(f"compressed vs mode by mode, 2·10^4 modes -> {small.count_nodes.size} nodes; max |gap| / L(0) over 25 times:")
    for N, P in ((50, 200), (200, 50), (1000, math.inf), (math.inf, 300)):
        a, b = loss_curve(times, exact, None, N, P, 0.1), loss_curve(times, small, None, N, P, 0.1)
        gaps = {f: np.max(np.abs(getattr(a, f) - getattr(b, f))) / a.test[0]
                for f in ("test", "train", "ensemble", "mean_predictor")}
        print(f"  N = {N:g}, P = {P:g}: " + ", ".join(f"{f} {g:.1e}" for f, g in gaps.items()))


def frontier_benchmark():
    spectrum = power_law_spectrum(2.0, 1.5)
    compute_optimal([1e3], spectrum, None)                                  # warm-up
    C = np.geomspace(1e2, 1e8, 100)
    f, seconds = _timed(lambda: compute_optimal(C, spectrum, None))
    slope = lambda y: np.diff(np.log(y)) / np.diff(np.log(C))
    print(f"compute frontier, 100 budgets 1e2..1e8, infinite power law: {seconds:.1f} s")
    for j in (0, 49, 98):
        print(f"  C = {C[j]:.1e}: local slopes N* {slope(f.width)[j]:+.4f} (derived +0.4), "
              f"L* {slope(f.loss)[j]:+.4f} (derived -0.4)")


if __name__ == "__main__":
    curve_benchmark()
    accuracy_benchmark()
    frontier_benchmark()
