"""Simulation checks of ``dmft-langevin``: the theory against the learning system itself.

``langevin-simulation``.  The exact per-draw solution (K-2) of :mod:`numerics.langevin_simulation`,
averaged over data draws (teacher, design, label noise), in the paper's regimes: N = P = 100,
Λ_i = i^{−3/2}, loss scale c = 1, gβ = 10³ with β ∈ {10⁴, 50, 10}, with and without label noise,
and P ≠ N (P = 50).  Compared at six times from 10⁻³ to 30 (the fastest data rate is ≈ 400, the
slowest relaxation 1/g): total, bias, data variance and Langevin variance.

Finite size.  The DMFT is a large-N, large-P theory; at N = P = 100 its O(1/N) error is
≈ 0.2 % of the bias (measured: 0.19 % at g = 20, β = 50, z ≈ 12 with 16 000 draws), so a
raw comparison fails once the standard errors are that small.  The theory is exactly invariant
under replicating every eigenvalue m times with (P, c, v, β) → (mP, c/m, v/m, mβ) (all sums
Σ_j Λ_j f(Λ_j) scale by m; checked below as ``replication-invariance``), while the simulation's
finite-size error scales as 1/m.  So the simulation is run at m = 1 and m = 2 and extrapolated,
E_∞ = 2E₂ − E₁ (standard error √(4se₂² + se₁²)), and that is z-tested; the raw m = 1 z-scores
are reported in the details.  All z-tests share a Bonferroni threshold at familywise level 1e-3.
"""
from __future__ import annotations

import numpy as np

from derivations.dmft.theory import test_error_curve
from derivations.engine import CheckResult
from numerics.langevin_simulation import simulate_test_error
from numerics.simulation import extrapolate_replicas, z_threshold

FAMILYWISE = 1e-3
SPECTRUM = np.arange(1, 101) ** -1.5
TIMES = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0, 30.0])
QUANTITIES = ("total", "bias", "variance_data", "variance_langevin")
#: (P, g, β, σ²) at c = 1, N = 100
REGIMES = ((100, 0.1, 1e4, 0.0), (100, 20.0, 50.0, 0.0), (100, 100.0, 10.0, 0.0),
           (100, 20.0, 50.0, 0.5), (100, 0.1, 1e4, 0.5), (50, 20.0, 50.0, 0.5))
QUICK_REGIMES = (REGIMES[1], REGIMES[5])


def attach_checks(d) -> None:
    """Attach ``replication-invariance`` and ``langevin-simulation`` to ``d`` (``dmft-langevin``)."""
    d.check("replication-invariance", "numeric", "theory invariant under eigenvalue replication")(
        replication_invariance)
    d.check("langevin-simulation", "simulation", "theory vs exact per-draw simulation, extrapolated in N")(
        langevin_simulation)


def replicate(eigenvalues, P, loss_scale, teacher_variance, beta, m: int):
    """Each eigenvalue m times, with (P, c, v, β) → (mP, c/m, v/m, mβ): the same mean-field theory."""
    return (np.repeat(np.asarray(eigenvalues, dtype=float), m), m * P, loss_scale / m,
            teacher_variance / m, m * beta)


def replication_invariance(quick: bool) -> list[CheckResult]:
    lam = np.arange(1, 31) ** -1.5
    times = np.array([0.02, 0.2, 2.0])
    base = test_error_curve(times, lam, 30, 0.5, 20.0, 1 / 30, 1.0, 0.3, method="laplace")
    rep = test_error_curve(times, *_args(lam, 30, 0.5, 20.0, 1 / 30, 1.0, 0.3, 3), method="laplace")
    out = []
    for name in QUANTITIES:
        a, b = getattr(base, name), getattr(rep, name)
        gap = float(np.max(np.abs(a - b) / np.abs(a)))
        out.append(CheckResult(f"replication-invariance: {name}, m = 3", "numeric", gap < 1e-10, a.tolist(),
                               b.tolist(), 1e-10, f"max relative gap {gap:.1e} (float64 Laplace route)"))
    return out


def _args(lam, P, g, beta, c, v, s2, m):
    lam_m, P_m, c_m, v_m, beta_m = replicate(lam, P, c, v, beta, m)
    return lam_m, P_m, g, beta_m, c_m, v_m, s2


def _simulate(P, g, beta, s2, m, n_draws, executor, entropy):
    lam_m, P_m, g_, beta_m, c_m, v_m, s2_ = _args(SPECTRUM, P, g, beta, 1.0, 1.0, s2, m)
    return simulate_test_error(TIMES, lam_m, P_m, g_, beta_m, c_m, v_m, s2_, n_draws=n_draws,
                               entropy=entropy, executor=executor)


def langevin_simulation(quick: bool, executor=None) -> list[CheckResult]:
    regimes = QUICK_REGIMES if quick else REGIMES
    n1, n2 = (1024, 1024) if quick else (3072, 3072)
    thr = z_threshold(len(regimes) * len(QUANTITIES) * TIMES.size, FAMILYWISE)
    out = []
    for k, (P, g, beta, s2) in enumerate(regimes):
        theory = test_error_curve(TIMES, SPECTRUM, P, g, beta, 1.0, 1.0, s2, method="laplace")
        one = _simulate(P, g, beta, s2, 1, n1, executor, entropy=[41, k, 1])
        two = _simulate(P, g, beta, s2, 2, n2, executor, entropy=[41, k, 2])
        for name in QUANTITIES:
            th = getattr(theory, name)
            e1, e2 = one[name], two[name]
            ex = extrapolate_replicas(e1, e2)
            extrap, se = np.asarray(ex.mean, dtype=float), np.asarray(ex.se, dtype=float)
            safe = np.where(se > 0, se, np.inf)
            z = (extrap - th) / safe
            z_raw = (e1.mean - th) / np.where(e1.se > 0, e1.se, np.inf)
            exact = se == 0                        # e.g. variances at t = 0: compare with round-off
            ok = bool(np.all(np.abs(z) <= thr) and np.all(np.abs(extrap[exact] - th[exact])
                                                          <= 1e-12 * (1 + np.abs(th[exact]))))
            rel = np.abs(e1.mean - th) / np.max(np.abs(th))          # relative to the curve's largest value
            out.append(CheckResult(
                f"langevin-simulation: {name}, P={P}, N=100, g={g:g}, β={beta:g}, σ²={s2:g}", "simulation", ok,
                th.tolist(), extrap.tolist(), thr,
                f"extrapolated m→∞ (m = 1, 2; {n1}+{n2} draws): max |z| = {float(np.max(np.abs(z))):.2f}; "
                f"raw m = 1 (N = 100, P = {P}): max |z| = {float(np.max(np.abs(z_raw))):.2f}, "
                f"max deviation {float(np.max(rel)):.2%} of the curve's maximum",
                extra={"z": z.tolist(), "z_raw": z_raw.tolist(), "times": TIMES.tolist()}))
    return out
