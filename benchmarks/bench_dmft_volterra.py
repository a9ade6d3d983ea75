"""Benchmark of the time-domain DMFT solvers (figures, not tests): ``python benchmarks/bench_dmft_volterra.py``.

The paper's setting N = P = 100, Λ_i = i^(−3/2) (Kramp, Lindner, Helias, arXiv:2602.23039; papers.md §1),
loss scale c = 1/P, weight decay g = 0.1: the data part of the spectrum of A ends at
cPΛ_max(1 + √(N/P))² = 4, so dt = 0.1 is resolved (rate·dt = 0.4 <= MAX_RATE_STEP) — and so is the
two-time equation, whose limit includes g (0.41).

* wall time of ``solve_response`` with ``method="direct"`` (O(N n²)) and ``"fast"`` (O(N n log² n)) for
  n = 500 … 32000 steps, their largest difference, and the cost exponent fitted on n >= 2000;
* the time for a 1000-point theory curve: the response (n = 1000), the isotropic-teacher test error
  ε(t) from S alone (n = 1000, S needed up to 2t), and the full two-time solve (K-6, K-7) at n = 200.

Options: ``--max-direct N`` skips "direct" above n = N (default 32000).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402

from numerics.dmft_two_time import two_time_test_error  # noqa: E402
from numerics.dmft_volterra import solve_response  # noqa: E402

N = P = 100
LAM = np.arange(1, N + 1) ** -1.5
C, G, DT = 1.0 / P, 0.1, 0.1


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def slope(ns, ts):
    ns, ts = np.asarray(ns, float), np.asarray(ts, float)
    keep = ns >= 2000
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns[keep]), np.log(ts[keep]), 1)[0])


def scaling(max_direct):
    print(f"solve_response, N = P = {N}, Λ_i = i^-1.5, c = 1/P, g = {G}, dt = {DT}")
    print(f"{'n':>7} {'direct [s]':>11} {'fast [s]':>9} {'max |fast−direct|':>18}")
    ns, t_direct, t_fast, n_direct = [], [], [], []
    for n in (500, 1000, 2000, 4000, 8000, 16000, 32000):
        tf, fast = timed(solve_response, LAM, P, G, C, DT, n * DT, method="fast")
        ns.append(n)
        t_fast.append(tf)
        if n <= max_direct:
            td, direct = timed(solve_response, LAM, P, G, C, DT, n * DT, method="direct")
            diff = max(np.max(np.abs(fast.R - direct.R)), np.max(np.abs(fast.rho_tilde - direct.rho_tilde)))
            n_direct.append(n)
            t_direct.append(td)
            print(f"{n:7d} {td:11.3f} {tf:9.3f} {diff:18.2e}", flush=True)
        else:
            print(f"{n:7d} {'-':>11} {tf:9.3f} {'-':>18}", flush=True)
    print(f"fitted cost exponent (n >= 2000): direct {slope(n_direct, t_direct):.2f}, "
          f"fast {slope(ns, t_fast):.2f}")


def isotropic_curve(S, h, n, g, c, beta, v, s2):
    """ε(t_k), k = 0 … n, for an isotropic teacher from S on 0 … 2n·h (the reduction tested in
    tests/numerics/test_dmft_volterra.py); trapezoid cumulative sums, the tent split at x = t."""
    x = h * np.arange(S.size)

    def cum(y):
        return np.concatenate([[0.0], np.cumsum(0.5 * h * (y[1:] + y[:-1]))])

    C0, M1 = cum(S), cum(x * S)
    k = np.arange(n + 1)
    t, lo, hi = h * k, C0[k], C0[2 * k]
    tent = M1[k] + 2 * t * (hi - lo) - (M1[2 * k] - M1[k])        # ∫_0^{2t} min(x, 2t − x) S(x) dx
    return (v * (S[2 * k] + 2 * g * (hi - lo) + g * g * tent) + s2 * c * (lo - (hi - lo) - g * tent)
            + hi / beta)


def curves():
    n = 1000
    for method in ("fast", "direct"):
        t, _ = timed(solve_response, LAM, P, G, C, DT, n * DT, method=method)
        print(f"1000-point response curve (R_i, ρ̃, S), {method}: {t:.3f} s")
    beta, s2 = 1e4, 0.1
    start = time.perf_counter()
    sol = solve_response(LAM, P, G, C, DT, 2 * n * DT, method="fast")
    eps = isotropic_curve(sol.S, DT, n, G, C, beta, 1.0, s2)
    t = time.perf_counter() - start
    print(f"1000-point isotropic-teacher test-error curve from S (S to 2t, fast): {t:.3f} s")
    t, out = timed(two_time_test_error, LAM, P, G, beta, C, 1.0, s2, DT, 200 * DT)
    gap = np.max(np.abs(out.total - eps[:201]))
    print(f"two-time solve (K-6, K-7), n = 200 (201 points), N = {N}: {t:.2f} s; "
          f"ε(t = {out.times[-1]:g}) = {out.total[-1]:.6g}; max |two-time − reduction| = {gap:.2e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-direct", type=int, default=32000)
    args = parser.parse_args(argv)
    scaling(args.max_direct)
    curves()


if __name__ == "__main__":
    main()
