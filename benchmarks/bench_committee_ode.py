"""Benchmark of the block-ODE integrator (figures, not tests): ``python benchmarks/bench_committee_ode.py``.

Soft committee machines, K = M = 2 normalised outputs, online SGD at η = 0.1 on Gaussian input
with L = 1024 distinct eigenvalues λ_l ∝ l^−(1+β), β = 1, Σ f_l λ_l = 1 (papers.md §2(a)), to α = 10⁴.

1. Linear activation.  Reference: the closed L×L system of the per-block errors (papers.md §2(b)
   W-1) by scipy.linalg.expm (grid α = 2^k, k = −7 … 13, by squaring; α = 10⁴ directly).  For each
   method and rtol: wall time, accepted/rejected steps, coefficient calls, and the largest error of
   ε_g over the grid, relative to ε_g and relative to S (the sum of the absolute terms of ε_g, the
   scale a relative state error acts on; ε_g ≪ S late in learning).  Explicit Euler at dt = 0.01
   for comparison, and the run-time ratio at equal accuracy (pc3's log error vs log time
   interpolated to Euler's error).  Rows "pc3+eps": the tolerance stated on ε_g
   (``generalization_error``; max|err|/eps_g must stay below rtol).
2. erf activation (plateau and escape), the Saad–Solla Gaussian integrals of papers.md §0.1(c)
   written out in NumPy here (this file's own check code, not the project's SymPy-generated
   coefficients; checked against a Monte Carlo average below); initial overlaps from one seeded
   draw at N = 1024 (σ_J = 0.01, teacher N(0, 1)).  Reference: pc3 at rtol = 1e-10.

Options: ``--quick`` (no Euler runs, fewer tolerances), ``--skip-erf``.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: E402,F401  (first: single-threaded BLAS)
import numpy as np  # noqa: E402
from scipy.linalg import expm  # noqa: E402
from scipy.special import erf  # noqa: E402

from numerics.committee_ode import integrate_block_odes, integrate_block_odes_euler  # noqa: E402

K = M = 2
L, BETA, ETA = 1024, 1.0, 0.1
CK = CM = 1 / math.sqrt(2)
D = K * M + K * (K + 1) // 2
#: tolerances of the runs with the tolerance on ε_g (generalization_error), quick mode included
EPS_RTOLS = (1e-3, 1e-4, 1e-6)


def power_law(L, beta):
    lam = np.arange(1, L + 1, dtype=float) ** -(1 + beta)
    return lam * L / lam.sum(), np.full(L, 1.0 / L)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


# --------------------------------------------------------------------------
# Linear activation
# --------------------------------------------------------------------------

def linear_coefficients(Q1, R1, T1):
    eps = 0.5 * (CK ** 2 * Q1.sum() - 2 * CK * CM * R1.sum() + CM ** 2 * T1.sum())
    return -CK ** 2 * np.ones((K, K)), CK * CM * np.ones((K, M)), CK ** 2 * 2 * eps * np.ones((K, K))


def linear_eps(Q1, R1, T1):
    """ε_g of the linear activation from the first-order overlaps (for the ε tolerance)."""
    return 0.5 * (CK ** 2 * Q1.sum() - 2 * CK * CM * R1.sum() + CM ** 2 * T1.sum())


def eps_and_scale(q, r, t, lam):
    """ε_g and S = ½Σ_m λ_m(c_K²Σ|q_m| + 2c_Kc_MΣ|r_m| + c_M²Σ|t_m|) (leading axes kept)."""
    eps = 0.5 * lam * (CK ** 2 * q.sum((-1, -2)) - 2 * CK * CM * r.sum((-1, -2)) + CM ** 2 * t.sum((-1, -2)))
    S = 0.5 * lam * (CK ** 2 * np.abs(q).sum((-1, -2)) + 2 * CK * CM * np.abs(r).sum((-1, -2))
                     + CM ** 2 * np.abs(t).sum((-1, -2)))
    return eps.sum(-1), S.sum(-1)


def linear_reference(alphas, eps0, lam, f):
    """ε_g on alphas = [2^-7, …, 2^13, 1e4]: expm once, squaring, and a direct expm at 1e4."""
    A = -2 * ETA * np.diag(lam) + ETA ** 2 * np.outer(f * lam ** 2, np.ones(len(lam)))
    X = expm(A * alphas[0])
    out = [X @ eps0]
    for _ in alphas[1:-1]:
        X = X @ X
        out.append(X @ eps0)
    out.append(expm(A * alphas[-1]) @ eps0)
    return np.array(out).sum(1)


def linear_part(quick):
    lam, f = power_law(L, BETA)
    q0 = f[:, None, None] * 1e-4 * np.eye(K)[None]          # σ_J = 0.01, N → ∞ overlaps
    r0 = np.zeros((L, K, M))
    t = f[:, None, None] * np.eye(M)[None]
    alphas = np.append(2.0 ** np.arange(-7, 14), 1e4)
    eps0 = 0.5 * lam * (CK ** 2 * q0.sum((1, 2)) + CM ** 2 * t.sum((1, 2)))
    t_ref, ref = timed(linear_reference, alphas, eps0, lam, f)
    S0 = eps_and_scale(q0, r0, t, lam)[1]
    print(f"Linear activation, K = M = {K}, L = {L}, beta = {BETA}, eta = {ETA}, alpha <= 1e4 "
          f"({len(alphas)} log-spaced outputs); expm reference {t_ref:.1f} s")
    print(f"{'method':>9} {'rtol':>7} {'time [s]':>9} {'steps':>7} {'rej':>4} {'coef':>7} "
          f"{'max|err|/eps_g':>15} {'at alpha':>9} {'(alpha >= 1)':>13} {'max|err|/S':>11}")
    rows = []
    rtols = (1e-4, 1e-6, 1e-8) if quick else (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10)
    plan = [("pc3", r) for r in rtols] + [("pc3+eps", r) for r in EPS_RTOLS]
    plan += [] if quick else [("pc2", 1e-6), ("pc2", 1e-8), ("etd2rk", 1e-4), ("etd2rk", 1e-6),
                              ("midpoint", 1e-4), ("midpoint", 1e-6)]
    for method, rtol in plan:
        atol = 0.01 * rtol * S0 / (D * lam.sum())
        extra = {"generalization_error": linear_eps} if method == "pc3+eps" else {"method": method}
        wall, traj = timed(integrate_block_odes, alphas, q0, r0, t, lam, f, ETA, linear_coefficients,
                           rtol=rtol, atol=atol, **extra)
        rows.append(report(method, f"{rtol:.0e}", wall, traj, t, lam, ref))
    if not quick:
        wall, traj = timed(integrate_block_odes_euler, alphas, q0, r0, t, lam, f, ETA,
                           linear_coefficients, dt=0.01)
        euler = report("euler", "dt=0.01", wall, traj, t, lam, ref)
        pc3 = [r for r in rows if r[0] == "pc3"]
        equal_accuracy(pc3, euler)
        equal_accuracy(pc3, euler, 3, "max|err|/eps_g over alpha >= 1")


def report(method, label, wall, traj, t, lam, ref):
    eps, S = eps_and_scale(traj.q, traj.r, t, lam)
    rel = np.abs(eps - ref) / ref
    late = traj.alphas >= 1
    print(f"{method:>9} {label:>7} {wall:9.2f} {traj.steps:7d} {traj.rejected_steps:4d} "
          f"{traj.coefficient_evaluations:7d} {rel.max():15.2e} {traj.alphas[np.argmax(rel)]:9.3g} "
          f"{rel[late].max():13.2e} {np.max(np.abs(eps - ref) / S):11.2e}")
    return method, wall, rel.max(), rel[late].max()


def equal_accuracy(rows, euler, column=2, what="max|err|/eps_g"):
    """pc3's run time at Euler's error: log(time) interpolated in log(error) between tolerances."""
    t_e, err_e = euler[1], euler[column]
    errs = np.log([r[column] for r in rows])
    times = np.log([r[1] for r in rows])
    if math.log(err_e) > errs.max():
        loosest = rows[int(np.argmax(errs))]
        print(f"equal accuracy ({what}): even pc3's least accurate run ({loosest[1]:.2f} s, "
              f"{loosest[column]:.2e}) beats Euler ({t_e:.1f} s, {err_e:.2e}): time ratio > "
              f"{t_e / loosest[1]:.0f}")
        return
    order = np.argsort(errs)
    t_pc = math.exp(np.interp(math.log(err_e), errs[order], times[order]))
    print(f"equal accuracy ({what} = {err_e:.2e}): Euler {t_e:.1f} s, pc3 ≈ {t_pc:.2f} s, "
          f"time ratio ≈ {t_e / t_pc:.0f}")


# --------------------------------------------------------------------------
# erf activation
# --------------------------------------------------------------------------

def erf_coefficients(Q1, R1, T1):
    """A, B, E of the block ODEs for g = erf(·/√2), normalised outputs, no noise (papers.md §0.1(c)).

    I3(x_i, aux, u_c) = a_ic C23 − b_ic C12 with a_ic = (2/π)/√Λ3, b_ic = (2/π) C_ic/((1 + C_ii)√Λ3):
    A_ij = −c_K² a_ij + δ_ij (c_K² Σ_j' b_ij' − c_Kc_M Σ_n b_in), B_in = c_Kc_M a_in;
    E_ik = c_K² Σ_cd w_c w_d I4(i, k, c, d), w = (−c_K …, c_M …).
    """
    C = np.block([[Q1, R1], [R1.T, T1]])
    d = np.diag(C)
    Ci = C[:K]
    lam3 = (1 + d[:K, None]) * (1 + d[None, :]) - Ci ** 2
    a = (2 / np.pi) / np.sqrt(lam3)
    b = (2 / np.pi) * Ci / ((1 + d[:K, None]) * np.sqrt(lam3))
    A = -CK ** 2 * a[:, :K] + np.diag(CK ** 2 * b[:, :K].sum(1) - CK * CM * b[:, K:].sum(1))
    B = CK * CM * a[:, K:]
    Caa, Cbb = d[:K, None, None, None], d[None, :K, None, None]
    Cab = Q1[:, :, None, None]
    Cac, Cad, Cbc, Cbd = Ci[:, None, :, None], Ci[:, None, None, :], Ci[None, :, :, None], Ci[None, :, None, :]
    Ccc, Cdd, Ccd = d[None, None, :, None], d[None, None, None, :], C[None, None]
    lam4 = (1 + Caa) * (1 + Cbb) - Cab ** 2
    lam0 = lam4 * Ccd - Cbc * Cbd * (1 + Caa) - Cac * Cad * (1 + Cbb) + Cab * Cac * Cbd + Cab * Cad * Cbc
    lam1 = lam4 * (1 + Ccc) - Cbc ** 2 * (1 + Caa) - Cac ** 2 * (1 + Cbb) + 2 * Cab * Cac * Cbc
    lam2 = lam4 * (1 + Cdd) - Cbd ** 2 * (1 + Caa) - Cad ** 2 * (1 + Cbb) + 2 * Cab * Cad * Cbd
    I4 = (4 / np.pi ** 2) / np.sqrt(lam4) * np.arcsin(lam0 / np.sqrt(lam1 * lam2))
    w = np.concatenate([np.full(K, -CK), np.full(M, CM)])
    return A, B, CK ** 2 * np.einsum("ikcd,c,d->ik", I4, w, w)


def erf_eps(Q1, R1, T1):
    """ε_g of the erf committee (normalised outputs, no noise) from the first-order overlaps."""
    dq, dt = np.diag(Q1), np.diag(T1)
    s = lambda X, d1, d2: np.arcsin(X / np.sqrt(np.outer(1 + d1, 1 + d2))).sum()  # noqa: E731
    return (CK ** 2 * s(Q1, dq, dq) + CM ** 2 * s(T1, dt, dt) - 2 * CK * CM * s(R1, dq, dt)) / np.pi


def erf_generalization_error(traj):
    return np.array([erf_eps(*x) for x in zip(traj.Q1, traj.R1, traj.T1)])


def monte_carlo_check(n=2_000_000, seed=1):
    """z-scores of A R + B T, A Q + B Rᵀ and E against averages over Gaussian local fields."""
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(K + M, K + M + 2))
    C = 0.7 * G @ G.T / (K + M + 2)
    Q1, R1, T1 = C[:K, :K], C[:K, K:], C[K:, K:]
    A, B, E = erf_coefficients(Q1, R1, T1)
    x = rng.multivariate_normal(np.zeros(K + M), C, size=n)
    g = erf(x / math.sqrt(2))
    delta = CK * math.sqrt(2 / math.pi) * np.exp(-x[:, :K] ** 2 / 2) \
        * (CM * g[:, K:].sum(1) - CK * g[:, :K].sum(1))[:, None]
    z = []
    for pred, samples in ((A @ R1 + B @ T1, delta[:, :, None] * x[:, None, K:]),
                          (A @ Q1 + B @ R1.T, delta[:, :, None] * x[:, None, :K]),
                          (E, delta[:, :, None] * delta[:, None, :])):
        z.append(np.abs(samples.mean(0) - pred) / (samples.std(0) / math.sqrt(n)))
    return max(float(zz.max()) for zz in z)


def erf_part(quick, N=1024, sigma_J=0.01, seed=0):
    rng = np.random.default_rng(seed)
    J, Bt = rng.normal(0, sigma_J, (K, N)), rng.normal(0, 1, (M, N))
    blocks = np.array_split(np.arange(N), L)
    q0 = np.array([J[:, b] @ J[:, b].T / N for b in blocks])
    r0 = np.array([J[:, b] @ Bt[:, b].T / N for b in blocks])
    t = np.array([Bt[:, b] @ Bt[:, b].T / N for b in blocks])
    f = np.array([len(b) / N for b in blocks])
    lam, _ = power_law(L, BETA)
    lam = lam / (f @ lam)
    alphas = np.append(2.0 ** np.arange(-4, 14), 1e4)
    print(f"\nerf activation, K = M = {K}, L = {L}, beta = {BETA}, eta = {ETA}, N = {N} draw "
          f"(seed {seed}); Monte Carlo check of the coefficients: max |z| = {monte_carlo_check():.2f}")
    wall, ref = timed(integrate_block_odes, alphas, q0, r0, t, lam, f, ETA, erf_coefficients,
                      rtol=1e-10, atol=1e-17)
    eg_ref = erf_generalization_error(ref)
    print(f"reference pc3 rtol 1e-10: {wall:.1f} s, {ref.steps} steps; eps_g at alpha = "
          + ", ".join(f"{a:g}: {e:.3e}" for a, e in zip(alphas[::3], eg_ref[::3])))
    print(f"{'method':>9} {'rtol':>7} {'time [s]':>9} {'steps':>7} {'rej':>4} {'coef':>7} "
          f"{'max|err|/eps_g':>15} {'at alpha':>9} {'(alpha >= 1)':>13}")
    rows = []
    for rtol in ((1e-4, 1e-6) if quick else (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)):
        wall, traj = timed(integrate_block_odes, alphas, q0, r0, t, lam, f, ETA, erf_coefficients,
                           rtol=rtol, atol=1e-3 * rtol / L)
        rows.append(erf_row("pc3", f"{rtol:.0e}", wall, traj, eg_ref))
    for rtol in EPS_RTOLS:
        wall, traj = timed(integrate_block_odes, alphas, q0, r0, t, lam, f, ETA, erf_coefficients,
                           rtol=rtol, atol=1e-3 * rtol / L, generalization_error=erf_eps)
        erf_row("pc3+eps", f"{rtol:.0e}", wall, traj, eg_ref)
    if not quick:
        wall, traj = timed(integrate_block_odes_euler, alphas, q0, r0, t, lam, f, ETA, erf_coefficients,
                           dt=0.01)
        euler = erf_row("euler", "dt=0.01", wall, traj, eg_ref)
        equal_accuracy(rows, euler)
        equal_accuracy(rows, euler, 3, "max|err|/eps_g over alpha >= 1")


def erf_row(method, label, wall, traj, eg_ref):
    rel = np.abs(erf_generalization_error(traj) - eg_ref) / eg_ref
    late = traj.alphas >= 1
    print(f"{method:>9} {label:>7} {wall:9.2f} {traj.steps:7d} {traj.rejected_steps:4d} "
          f"{traj.coefficient_evaluations:7d} {rel.max():15.2e} {traj.alphas[np.argmax(rel)]:9.3g} "
          f"{rel[late].max():13.2e}")
    return method, wall, rel.max(), rel[late].max()


def generated_part(N=1024, sigma_J=0.01, seed=0):
    """The project's own pipeline: SymPy-generated coefficients compiled by the bridge
    (derivations.online_sgd), erf, normalised outputs, K = M = 2, L = N = 1024, to α = 10⁴."""
    from derivations import online_sgd as api
    rng = np.random.default_rng(seed)
    B, J = rng.standard_normal((2, N)), sigma_J * rng.standard_normal((2, N))
    from numerics.committee_blocks import power_law_eigenvalues
    lam = power_law_eigenvalues(N, N, 1.0)
    alphas = np.geomspace(1e-2, 1e4, 200)
    t0 = time.perf_counter()
    api.compiled_model(2, 2, "erf", True)
    print(f"\ngenerated ODEs (derive.committee_odes + bridge): generation and compilation "
          f"{time.perf_counter() - t0:.1f} s")
    for rtol in (1e-6, 1e-8):
        t0 = time.perf_counter()
        traj = api.order_parameter_curve(alphas, J, B, lam, 0.1, "erf", True, rtol=rtol)
        print(f"  erf, L = {N}, α ≤ 1e4, rtol {rtol:g}: {time.perf_counter() - t0:.1f} s, {traj.steps} steps")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-erf", action="store_true")
    args = parser.parse_args(argv)
    linear_part(args.quick)
    if not args.skip_erf:
        erf_part(args.quick)
        generated_part()


if __name__ == "__main__":
    main()
