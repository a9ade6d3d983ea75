"""All races against the peers' algorithms in one run (figures, not tests):
``python benchmarks/bench_races.py [--quick] [--skip-kappa]``.

1. κ solver: the ``main()`` of ``benchmarks/bench_kappa_race.py`` (our renormalised-ridge solver
   against a minimal re-implementation of the S_transform peer's annealed float32 Newton).
2. Committee ODE: our adaptive exponential integrator (pc3, tolerance stated on ε_g through
   ``generalization_error``) against explicit Euler at dt = 0.01 — the algorithm of the C++ peer
   nn2pp (its algorithm, not its code: :func:`numerics.committee_ode.integrate_block_odes_euler`),
   on the problem of ``bench_committee_ode.py``: K = M = 2, L = 1024 blocks λ_l ∝ l^−2, η = 0.1,
   linear activation (reference: the exact W-1 solution by expm) and erf (reference: pc3 with the ε
   tolerance at rtol 1e-9).  Reported: wall time, steps, the largest relative error of ε_g over the
   log grid (all α, and α >= 1), and two ratios Euler time / our time:
   * at the peer's step size: our integrator with ``fixed_step=0.01`` over the first SPAN_SAME
     units of α against Euler over the same span (time per step and error at its end, against
     the exact value (linear) or our fixed steps of 0.01/8, 1/512 of the error at 0.01 (erf));
   * at equal accuracy: our log time interpolated in log error over the tolerances to Euler's
     error (over all α), or a bound when even our loosest run is more accurate.

``--quick``: α <= 512 (Euler 51 200 steps), rtol 1e-1 … 1e-4, erf reference at rtol 1e-7 (full:
α <= 10⁴, rtol down to 1e-6, reference rtol 1e-9; Euler alone 10⁶ steps per activation, tens of
minutes on a loaded 2-core machine).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402

import bench_committee_ode as bc  # noqa: E402
from numerics.committee_ode import integrate_block_odes, integrate_block_odes_euler  # noqa: E402

PEER_DT = 0.01
SPAN_SAME = 4.0
RTOLS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-6)
QUICK_RTOLS = (1e-1, 1e-2, 1e-3, 1e-4)


def kappa_race():
    import bench_kappa_race
    print("== kappa solver race (benchmarks/bench_kappa_race.py) ==", flush=True)
    t0 = time.perf_counter()
    try:
        bench_kappa_race.main()
    except SystemExit:
        pass
    print(f"(kappa race {time.perf_counter() - t0:.0f} s)\n", flush=True)


# --------------------------------------------------------------------------
# The two committee problems: initial state, ε_g functional, reference
# --------------------------------------------------------------------------

class Problem:
    def __init__(self, name, alphas, q0, r0, t, lam, f, coefficients, eps_fn, atol_scale):
        self.name, self.alphas, self.q0, self.r0, self.t = name, alphas, q0, r0, t
        self.lam, self.f, self.coefficients, self.eps_fn = lam, f, coefficients, eps_fn
        self.atol_scale, self.ref = atol_scale, None

    def run(self, fn, alphas=None, **kw):
        a = self.alphas if alphas is None else alphas
        t0 = time.perf_counter()
        traj = fn(a, self.q0, self.r0, self.t, self.lam, self.f, bc.ETA, self.coefficients, **kw)
        return time.perf_counter() - t0, traj

    def eps(self, traj):
        return np.array([self.eps_fn(*x) for x in zip(traj.Q1, traj.R1, traj.T1)])

    def ours(self, rtol, **kw):
        return self.run(integrate_block_odes, rtol=rtol, atol=self.atol_scale * rtol,
                        generalization_error=self.eps_fn, **kw)


def linear_problem(top):
    lam, f = bc.power_law(bc.L, bc.BETA)
    q0 = f[:, None, None] * 1e-4 * np.eye(bc.K)[None]
    r0 = np.zeros((bc.L, bc.K, bc.M))
    t = f[:, None, None] * np.eye(bc.M)[None]
    alphas = np.append(2.0 ** np.arange(-7, int(math.log2(top)) + 1), top)
    S0 = bc.eps_and_scale(q0, r0, t, lam)[1]
    p = Problem("linear", alphas, q0, r0, t, lam, f, bc.linear_coefficients, bc.linear_eps,
                0.01 * S0 / (bc.D * lam.sum()))
    eps0 = 0.5 * lam * (bc.CK ** 2 * q0.sum((1, 2)) + bc.CM ** 2 * t.sum((1, 2)))
    p.ref = bc.linear_reference(alphas, eps0, lam, f)
    p.ref_label = "exact (expm)"
    p.ref_at = lambda a: bc.linear_reference(np.array([a, a]), eps0, lam, f)[-1]  # noqa: E731
    return p


def erf_problem(top, ref_rtol, N=1024, sigma_J=0.01, seed=0):
    rng = np.random.default_rng(seed)
    J, Bt = rng.normal(0, sigma_J, (bc.K, N)), rng.normal(0, 1, (bc.M, N))
    blocks = np.array_split(np.arange(N), bc.L)
    q0 = np.array([J[:, b] @ J[:, b].T / N for b in blocks])
    r0 = np.array([J[:, b] @ Bt[:, b].T / N for b in blocks])
    t = np.array([Bt[:, b] @ Bt[:, b].T / N for b in blocks])
    f = np.array([len(b) / N for b in blocks])
    lam, _ = bc.power_law(bc.L, bc.BETA)
    lam = lam / (f @ lam)
    alphas = np.append(2.0 ** np.arange(-4, int(math.log2(top)) + 1), top)
    p = Problem("erf", alphas, q0, r0, t, lam, f, bc.erf_coefficients, bc.erf_eps, 1e-3 / bc.L)
    wall, ref = p.ours(ref_rtol)
    p.ref = p.eps(ref)
    p.ref_label = f"pc3+eps rtol {ref_rtol:g} ({wall:.0f} s, {ref.steps} steps)"
    # order 3: steps of PEER_DT/8 leave about 1/512 of the error of steps of PEER_DT
    p.ref_at = lambda a: p.eps(p.run(integrate_block_odes, alphas=np.array([a]),  # noqa: E731
                                     fixed_step=PEER_DT / 8)[1])[0]
    return p


# --------------------------------------------------------------------------
# The race
# --------------------------------------------------------------------------

def errors(p, traj, ref=None, alphas=None):
    ref = p.ref if ref is None else ref
    rel = np.abs(p.eps(traj) / ref - 1)
    late = (p.alphas if alphas is None else alphas) >= 1
    return rel.max(), rel[late].max() if late.any() else float("nan")


def ode_race(p, rtols):
    print(f"-- {p.name} activation, K = M = {bc.K}, L = {bc.L}, eta = {bc.ETA}, alpha <= {p.alphas[-1]:g} "
          f"({len(p.alphas)} outputs); reference: {p.ref_label}", flush=True)
    print(f"{'run':>18} {'time [s]':>9} {'steps':>8} {'max rel err':>12} {'(alpha>=1)':>11}")
    rows = []
    for rtol in rtols:
        wall, traj = p.ours(rtol)
        e_all, e_late = errors(p, traj)
        rows.append((wall, e_all))
        print(f"{'pc3+eps ' + format(rtol, '.0e'):>18} {wall:9.2f} {traj.steps:8d} {e_all:12.2e} {e_late:11.2e}",
              flush=True)
    wall_e, traj_e = p.run(integrate_block_odes_euler, dt=PEER_DT)
    e_all, e_late = errors(p, traj_e)
    print(f"{'euler dt=0.01':>18} {wall_e:9.2f} {traj_e.steps:8d} {e_all:12.2e} {e_late:11.2e}")

    # equal accuracy (all α): log time interpolated in log error over our tolerances
    errs, times = np.log([r[1] for r in rows]), np.log([r[0] for r in rows])
    if math.log(e_all) > errs.max():
        k = int(np.argmax(errs))
        equal = f"> {wall_e / rows[k][0]:.0f} (even rtol {rtols[k]:g}, {rows[k][1]:.1e}, beats Euler)"
    else:
        order = np.argsort(errs)
        t_ours = math.exp(np.interp(math.log(e_all), errs[order], times[order]))
        equal = f"{wall_e / t_ours:.0f} (ours ≈ {t_ours:.2f} s at Euler's error {e_all:.1e})"

    # the peer's step size: both with steps of 0.01 over [0, SPAN_SAME], error at its end
    span = np.array([SPAN_SAME])
    w_fix, tr_fix = p.run(integrate_block_odes, alphas=span, fixed_step=PEER_DT)
    w_eul, tr_eul = p.run(integrate_block_odes_euler, alphas=span, dt=PEER_DT)
    ref_end = p.ref_at(SPAN_SAME)
    err_fix, err_eul = (float(np.abs(p.eps(tr) / ref_end - 1)[0]) for tr in (tr_fix, tr_eul))
    print(f"same step dt = 0.01 over alpha <= {SPAN_SAME:g} ({tr_eul.steps} steps): ours {w_fix * 1e3 / tr_fix.steps:.2f} "
          f"ms/step, rel err {err_fix:.1e}; Euler {w_eul * 1e3 / tr_eul.steps:.2f} ms/step, rel err {err_eul:.1e}; "
          f"time ratio Euler/ours {w_eul / w_fix:.2f}")
    print(f"equal accuracy: time ratio Euler/ours {equal}\n", flush=True)
    return p.name, wall_e, e_all, rows, equal


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="alpha <= 512, rtol >= 1e-4, erf reference rtol 1e-7")
    parser.add_argument("--skip-kappa", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if not args.skip_kappa:
        kappa_race()
    top = 512.0 if args.quick else 1e4
    rtols = QUICK_RTOLS if args.quick else RTOLS
    print("== committee ODE race: ours (pc3, tolerance on eps_g) vs explicit Euler dt = 0.01 (nn2pp) ==",
          flush=True)
    ode_race(linear_problem(top), rtols)
    ode_race(erf_problem(top, 1e-7 if args.quick else 1e-9), rtols)
    print(f"(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
