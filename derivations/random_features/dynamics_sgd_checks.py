"""Checks of one-pass SGD and of the compute-optimal phases (``random-feature-dynamics``).

``sgd-simulation`` — one-pass SGD simulated step by step (:mod:`numerics.sgd_rf_simulation`; power-law features,
η_k = k^(−3/2), w̄_k²η_k = k^(−2) on 400 modes, N = 50, h = 0.5, B = 4, label noise σ² = 0.2) in two parts:

* the closure: per projection draw, the SGD runs' mean loss against the exact second-moment recursion of that
  draw's spectrum (:func:`.sgd_recursion_loss`); no finite-size bias, pooled over draws, z-tested at every step;
* the deterministic equivalent: :func:`.sgd_loss_curve` against the recursion averaged over many draws.  The
  gap is the O(1/N) bias of the equivalent: the system is replicated m = 1, 2 times (every mode m times with
  w̄_k/√m, N → mN, B → mB, which keeps the SGD noise per step), the theory evaluated for each, and the gap
  extrapolated E_∞ = 2E₂ − E₁ (the raw m = 1 z-scores in the details).

All z-tests share one Bonferroni threshold at familywise level 1e-3.

``sgd-limits-numeric`` — two cross-routes and one limit:

* B = 10⁹ against population gradient descent at finite width (the two-point theory
  :func:`.discrete_loss_curve` at P = ∞): bound 1e-8·L(0) (the circles' aliasing, 1e-8 and 1e-10);
* γ = 0 of the continuous theory against the flow's :func:`.loss_curve` at P = ∞ (one-point against
  two-point formulas): bound 1e-8·L(0) (fixed Talbot);
* the continuous renewal equation as the small-step limit: on spectra k^(−1/2)/Σ (trace 1) of M = 500, 1000,
  2000 modes at N = M/5, h = 0.5, B = 1 (μ_max ∝ 1/M, γ tr Λ fixed), the relative gap to the discrete theory at
  n ∝ M must halve with each doubling of M (first order: ratio in [1.8, 2.2]).

``sgd-phase-frontier`` — the exact continuous theory's frontier (:func:`.sgd_compute_optimal`, γ = 0.3; for the
flow :func:`.compute_optimal`) on the infinite power law at one point of each phase, the local slopes of L* and
N* between C = 10⁹ and 10¹⁰ against (sgd-phase-exponents) and (flow-phase-exponents), within the exponent
table's tolerance 0.01.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from derivations.engine import CheckResult
from derivations.engine.laws import TOLERANCE
import derivations.random_features.dynamics_phase_steps as ph
from derivations.random_features.dynamics_discrete_theory import discrete_loss_curve
from derivations.random_features.dynamics_sgd_theory import (sgd_compute_optimal, sgd_flow_loss_curve,
                                                             sgd_loss_curve, sgd_recursion_loss)
from derivations.random_features.dynamics_theory import compute_optimal, loss_curve, power_law_spectrum
from numerics.sgd_rf_simulation import feature_problem, simulate_one_pass_sgd
from numerics.simulation import z_threshold

FAMILYWISE = 1e-3
M_MODES, N_WIDTH, STEP, BATCH, NOISE = 400, 50, 0.5, 4, 0.2
SPECTRUM = np.arange(1, M_MODES + 1) ** -1.5
TEACHER = np.arange(1, M_MODES + 1) ** -0.25
STEPS = np.array([1, 4, 16, 64, 256, 1000])
#: (draws, runs per draw) of the SGD simulation; draws of the recursion average
SIM, SIM_QUICK = (64, 16), (16, 8)
DRAWS, DRAWS_QUICK = 800, 200
LIMIT_TOL = 1e-8


def attach_checks(d) -> None:
    d.check("sgd-simulation", "simulation", "one-pass SGD step by step vs the per-draw recursion, and the "
            "deterministic equivalent vs the recursion over draws, extrapolated in size")(sgd_simulation)
    d.check("sgd-limits-numeric", "numeric", "SGD: B → ∞ (gradient descent), γ = 0 (the flow), the continuous "
            "renewal equation as the small-step limit")(sgd_limits)
    d.check("sgd-phase-frontier", "numeric", "frontier slopes of the exact theory in the phases Ia, II, III "
            "vs the derived phase exponents")(lambda quick: phase_frontier(quick, d))


def _replicated(m):
    return np.repeat(SPECTRUM, m), np.repeat(TEACHER, m) / np.sqrt(m)


def _closure(quick, thr):
    draws, runs = SIM_QUICK if quick else SIM
    means, errors, problems = simulate_one_pass_sgd(SPECTRUM, TEACHER, N_WIDTH, STEPS, STEP, BATCH, NOISE, draws,
                                                    runs, entropy=[71, 1])
    exact = np.array([sgd_recursion_loss(STEPS, mu, b, r, STEP, BATCH, NOISE) for mu, b, r in problems])
    gap = (means - exact).mean(0)
    se = np.sqrt((errors ** 2).sum(0)) / draws
    z = gap / se
    return CheckResult(f"sgd-simulation: closure, N = {N_WIDTH}, h = {STEP}, B = {BATCH}, σ² = {NOISE:g}",
                       "simulation", bool(np.all(np.abs(z) <= thr)), exact.mean(0).tolist(), means.mean(0).tolist(),
                       thr, f"{draws} projections × {runs} SGD runs, the same projections' exact recursion: max |z| = "
                       f"{np.max(np.abs(z)):.2f}", extra={"z": z.tolist(), "steps": STEPS.tolist()})


def _recursion_average(m, draws, entropy):
    lam, w = _replicated(m)
    rng = np.random.default_rng(entropy)
    rows = []
    for _ in range(draws):
        mu, b, r = feature_problem(lam, w, rng.standard_normal((m * N_WIDTH, lam.size)))
        rows.append(sgd_recursion_loss(STEPS, mu, b, r, STEP, m * BATCH, NOISE))
    rows = np.array(rows)
    theory = sgd_loss_curve(STEPS, lam, w, m * N_WIDTH, STEP, m * BATCH, NOISE).test
    return theory, rows.mean(0) - theory, rows.std(0, ddof=1) / np.sqrt(draws)


def _equivalent(quick, thr):
    draws = DRAWS_QUICK if quick else DRAWS
    theory, gap1, se1 = _recursion_average(1, draws, [72, 1])
    _, gap2, se2 = _recursion_average(2, draws, [72, 2])
    extrapolated, se = 2 * gap2 - gap1, np.sqrt(4 * se2 ** 2 + se1 ** 2)
    z, z_raw = extrapolated / se, gap1 / se1
    return CheckResult(f"sgd-simulation: deterministic equivalent, N = {N_WIDTH}, h = {STEP}, B = {BATCH}",
                       "simulation", bool(np.all(np.abs(z) <= thr)), theory.tolist(), (theory + extrapolated).tolist(),
                       thr, f"{draws} projections per size, gap to the recursion extrapolated m → ∞ (m = 1, 2): max |z| "
                       f"= {np.max(np.abs(z)):.2f}; raw m = 1 relative gap {np.max(np.abs(gap1 / theory)):.1e}, max |z| "
                       f"= {np.max(np.abs(z_raw)):.2f}", extra={"z": z.tolist(), "z_raw": z_raw.tolist()})


def sgd_simulation(quick: bool) -> list[CheckResult]:
    thr = z_threshold(2 * STEPS.size, FAMILYWISE)
    return [_closure(quick, thr), _equivalent(quick, thr)]


def _limit_result(name, gap, scale, detail):
    return CheckResult(name, "numeric", gap <= LIMIT_TOL * scale, 0.0, gap, LIMIT_TOL * scale, detail)


def sgd_limits(quick: bool) -> list[CheckResult]:
    out = []
    n = np.array([0, 1, 4, 16, 64, 256])
    N = 40
    sgd = sgd_loss_curve(n, SPECTRUM, TEACHER, N, STEP, 10 ** 9, NOISE).test
    gd = discrete_loss_curve(n, SPECTRUM, TEACHER, N, np.inf, STEP, NOISE).test
    out.append(_limit_result(f"sgd-gd-limit-numeric: B = 1e9, N = {N}, h = {STEP}", float(np.max(np.abs(sgd - gd))),
                             sgd[0], "max |L_SGD − L_GD(P = ∞)| (one-point against two-point theory)"))
    t = np.array([0.5, 2.0, 8.0, 32.0, 128.0])
    cont = sgd_flow_loss_curve(t, SPECTRUM, TEACHER, N, 0.0, NOISE).test
    flow = loss_curve(t, SPECTRUM, TEACHER, N, np.inf, NOISE).test
    out.append(_limit_result(f"sgd-flow-limit-numeric: γ = 0, N = {N}", float(np.max(np.abs(cont - flow))),
                             cont[0], "max |L̂⁻¹(γ = 0) − L_flow(P = ∞)|"))
    gaps = []
    for M in (500, 1000, 2000):
        k = np.arange(1, M + 1)
        lam, steps = k ** -0.5 / np.sum(k ** -0.5), np.array([80, 320]) * M // 1000
        discrete = sgd_loss_curve(steps, lam, np.ones(M), M // 5, STEP, 1).test
        continuous = sgd_flow_loss_curve(steps * STEP, lam, np.ones(M), M // 5, STEP).test
        gaps.append(float(np.max(np.abs(discrete / continuous - 1))))
    ratios = [gaps[0] / gaps[1], gaps[1] / gaps[2]]
    out.append(CheckResult("sgd-continuous-limit-numeric: M = 500, 1000, 2000 (μ_max ∝ 1/M)", "numeric",
                           all(1.8 <= r <= 2.2 for r in ratios), 2.0, ratios, "[1.8, 2.2]",
                           "relative gap discrete vs continuous: " + ", ".join(f"{g:.2e}" for g in gaps)))
    return out


#: the frontier: noise γ = 0.3, budgets 1e9 and 1e10
GAMMA, BUDGETS = 0.3, (1e9, 1e10)


def _slopes(f):
    return (float(np.diff(np.log(f.loss))[0] / np.diff(np.log(BUDGETS))[0]),
            float(np.diff(np.log(f.width))[0] / np.diff(np.log(BUDGETS))[0]))


def phase_frontier(quick: bool, derivation) -> list[CheckResult]:
    out = []
    for label, noisy in (("sgd-phase-exponents", True), ("flow-phase-exponents", False)):
        loss_rate, width_rate = derivation[label]
        for phase, point in ph.PHASES.items():
            at = {ph.a: point[0], ph.b: point[1]}
            eta, xi = float(loss_rate.rhs.subs(at)), float(width_rate.rhs.subs(at))
            spectrum = power_law_spectrum(float(point[0]), float(point[1]))
            f = sgd_compute_optimal(BUDGETS, spectrum, None, GAMMA, xatol=1e-7) if noisy else \
                compute_optimal(BUDGETS, spectrum, None, xatol=1e-7)
            slope_L, slope_N = _slopes(f)
            ok = abs(slope_L + eta) <= TOLERANCE and abs(slope_N - xi) <= TOLERANCE
            what = f"SGD γ = {GAMMA}" if noisy else "gradient flow"
            out.append(CheckResult(f"sgd-phase-frontier: {what}, phase point {phase} (a = {sp.sstr(point[0])}, "
                                   f"b = {sp.sstr(point[1])})", "numeric", ok, [-eta, xi], [slope_L, slope_N],
                                   TOLERANCE, f"local slopes of L*, N* between C = 1e9 and 1e10 vs (−η, ξ) of ({label})"))
    return out
