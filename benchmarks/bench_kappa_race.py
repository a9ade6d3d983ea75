"""Race of the renormalised-ridge solver against the public peer's algorithm (figures, not a test):
``python benchmarks/bench_kappa_race.py``.

The peer (Pehlevan-Group/S_transform, ``linear_regression.ipynb``) solves κ(1 − q df¹(κ)) = λ by Newton's
method in float32 (JAX), annealing λ over a log schedule from 1 down to λ, starting at λ + 10³, and stops
when |f| < 1e-5 (absolute) or |f| < 1e-5·f'. Here it is re-implemented minimally in NumPy float32 with the
analytic derivative f'(κ) = 1 − q df²(κ) (its algorithm, not its code). Both are timed in the same run on
the same power-law spectrum η_k = k^(−1.5), D = 10⁴ … 10⁶, P = 10⁴, and compared with κ at 50 digits for
D = 10⁴ (mpmath route of :func:`derivations.ridge.solve_kappa`) or with our float64 root otherwise.
Ours is the float64 safeguarded Newton in log κ (one pass over the modes per residual, started from a
sketch of the spectrum); "passes" counts its residual passes over all D modes (RootResult.iterations).
The second table is a learning curve of 20 values of P at D = 10⁶: ours warm-started from the previous
root (:func:`derivations.ridge.theory.solve_kappa_curve`), ours cold, and the peer annealing at every point.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: F401,E402  (single-threaded BLAS first)
from derivations.ridge import solve_kappa  # noqa: E402
from derivations.ridge.theory import solve_kappa_curve  # noqa: E402
from numerics.precision import workdps  # noqa: E402


def peer_newton_float32(eta, P, lam, anneal_steps=1, max_step=100, tol=1e-5):
    """The peer's annealed Newton iteration in float32 (see the module docstring)."""
    e = np.asarray(eta, np.float32)
    q = np.float32(e.size / P)
    kappa = np.float32(lam + 1e3)
    for target in np.logspace(np.log10(lam), 0, num=anneal_steps + 1)[::-1].astype(np.float32):
        x = kappa
        for _ in range(max_step):
            t = e / (e + x)
            step = (x * (1 - q * t.mean()) - target) / (1 - q * (t * t).mean())
            x = np.float32(x - step)
            t = e / (e + x)
            f_next = x * (1 - q * t.mean()) - target
            if abs(f_next) < tol or abs(f_next) < tol * (1 - q * (t * t).mean()):
                break
        kappa = x
    return float(kappa)


def best_of(fn, repeat=5):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def race() -> None:
    P = 10 ** 4
    print(f"{'D':>8} {'ridge':>7} {'ours ms':>9} {'peer ms':>9} {'peer/ours':>9} {'passes':>6} {'ours rel.err':>12} "
          f"{'peer rel.err':>12}")
    for D in (10 ** 4, 10 ** 5, 10 ** 6):
        eta = np.arange(1, D + 1, dtype=float) ** -1.5
        for lam in (1e-6, 1e-3, 1.0):
            t_ours, (k_ours, root) = best_of(lambda: solve_kappa(eta, P, lam))
            t_peer, k_peer = best_of(lambda: peer_newton_float32(eta, P, lam))
            if D == 10 ** 4:
                with workdps(50):
                    ref = float(solve_kappa([float(x) for x in eta], P, lam, mp=True)[0])
            else:
                ref = k_ours
            print(f"{D:>8} {lam:>7.0e} {t_ours * 1e3:>9.2f} {t_peer * 1e3:>9.2f} {t_peer / t_ours:>9.2f} "
                  f"{root.iterations:>6} {abs(k_ours / ref - 1):>12.1e} {abs(k_peer / ref - 1):>12.1e}")
    print("rel.err: against κ at 50 digits (D = 1e4) or against our float64 root (larger D)")


def curve(D=10 ** 6, points=20) -> None:
    eta = np.arange(1, D + 1, dtype=float) ** -1.5
    Ps = np.unique(np.round(np.logspace(3, 6, points)))
    print(f"\nlearning curve: D = {D:.0e}, {Ps.size} values of P from {Ps[0]:.0f} to {Ps[-1]:.0f}")
    print(f"{'ridge':>7} {'warm ms/pt':>10} {'cold ms/pt':>10} {'peer ms/pt':>10} {'peer/warm':>9} {'passes warm':>11} "
          f"{'passes cold':>11} {'warm-cold':>9} {'peer rel.err':>12}")
    for lam in (1e-6, 1e-3, 1.0):
        t_warm, warm = best_of(lambda: solve_kappa_curve(eta, Ps, lam), 3)
        t_cold, cold = best_of(lambda: [solve_kappa(eta, p, lam) for p in Ps], 3)
        t_peer, peer = best_of(lambda: [peer_newton_float32(eta, p, lam) for p in Ps], 3)
        kw, kc = np.array([k for k, _ in warm]), np.array([k for k, _ in cold])
        passes = [sum(r.iterations for _, r in rs) for rs in (warm, cold)]
        print(f"{lam:>7.0e} {t_warm / Ps.size * 1e3:>10.2f} {t_cold / Ps.size * 1e3:>10.2f} {t_peer / Ps.size * 1e3:>10.2f} "
              f"{t_peer / t_warm:>9.2f} {passes[0]:>11} {passes[1]:>11} {np.max(np.abs(kw / kc - 1)):>9.1e} "
              f"{np.max(np.abs(np.array(peer) / kw - 1)):>12.1e}")


def main() -> None:
    solve_kappa(np.ones(4), 2, 0.1)                      # compile the derivation once (not timed)
    race()
    curve()


if __name__ == "__main__":
    main()
