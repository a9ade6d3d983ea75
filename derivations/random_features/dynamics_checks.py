"""Numeric and simulation checks of ``random-feature-dynamics``.

``transfer-population-limit``: at N = P = 10¹² both renormalisation factors are 1 and H_k(t) must be
e^{−η_k t}; the bound is the fixed-Talbot rule's error at 18 nodes (a few 1e-10 relative on smooth
transforms, :mod:`numerics.dmft_talbot`), taken as 1e-8 absolute on values ≤ 1.

``transfer-laplace-roundtrip``: a second route through the Laplace domain on the real axis only: the
forward transform ∫₀^∞ e^{−st}H_k(t) dt of the inverted curve (Gauss–Laguerre at 80 nodes) against Ĥ_k(s) = κ/(s(η_k + κ)) at the real κ(s) (bisection, no contour).  The
bound is the quadrature's error, estimated by halving the number of nodes, plus the inversion's 1e-8.

``static-limit-numeric``: t → ∞ (t = 10⁸, the approach is exponential above the ridgeless κ₂) against the
mean predictor of the min-norm interpolator from ``linear-random-features``' own κ₂ solver, κ₂/(η_k + κ₂).

``first-order-correction``: the first-order 1/N term of (first-order-transfer) at P = ∞, inverted by
Talbot, against N(H_k − e^{−η_k t}) of the exact theory Richardson-extrapolated from N = 10⁴, 2·10⁴; the
bound is the change between the two widths plus the inversion error scaled by 2N.

``mean-dynamics-simulation``: the exact per-draw gradient flow (:mod:`numerics.rf_dynamics_simulation`)
in crossed blocks of projections × data sets, at a width-limited and a data-limited size, against the
theory at five times: the normalised mean deviation −E[β_k − w̄_k]/w̄_k = H_k(t) at four modes, and the
loss of the mean predictor ‖Eβ − w̄‖²_Σ (the unbiased crossed-block Bias²).  Finite size: the theory is
exactly invariant under replicating every eigenvalue m times with (N, P, w̄_k) → (mN, mP, w̄_k/√m) (all
mode sums scale by m), while the simulation's finite-size error scales as 1/m; the simulation runs at
m = 1 and m = 2 and E_∞ = 2E₂ − E₁ is z-tested (as in ``dmft-langevin``), the raw m = 1 z-scores in the
details.  All z-tests share one Bonferroni threshold at familywise level 1e-3.

``compute-frontier``: the loss of one model at infinite data minimised over N at fixed C = N·t with no
power-law ansatz (η_k = k^(−3/2), w̄_k²η_k = k^(−2) on 2·10⁴ modes: a hard task), C = 10⁴, 10⁵, 10⁶; the local
slopes of N*, t*, L* between the two largest budgets against (hard-task-exponents), within the exponent
table's tolerance 0.01 on an exact-theory local slope.

``loss-simulation``: the whole expected test loss (noisy test labels), the training loss (whose two-ridge
form is a conjecture, backed here) and the loss of the model averaged over projections (the crossed
blocks' Bias² + Var_X + Var_Xε + σ²), with label noise σ² = 0.2, at the same sizes and times, extrapolated
in the same way (the replication leaves σ² unchanged).  ``static-limit-numeric`` also compares the three
losses at t = 10⁶ with linear-random-features' ridgeless learning curve (E_g + σ², E_tr, E_g^∞ + σ²).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

import derivations.random_features.dynamics_steps as dyn
from derive.spectral import ETA, K
from derivations.engine import CheckResult
from derivations.engine.laws import TOLERANCE
import derivations.random_features.dynamics_compute_steps as dcs
from derivations.random_features.dynamics_discrete_theory import discrete_loss_curve, discrete_transfer_functions
from derivations.random_features.dynamics_theory import (compiled_transfer, compute_optimal, degrees_of_freedom,
                                                         loss_curve, mean_predictor_loss, real_kappa,
                                                         transfer_functions)
from derivations.random_features.theory import learning_curve
from numerics.bridge import to_numpy
from numerics.dmft_talbot import talbot_invert
from numerics.rf_dynamics_simulation import simulate_loss_curve
from numerics.simulation import Estimate, extrapolate_replicas, z_threshold

FAMILYWISE = 1e-3
D_MODES = 200
SPECTRUM = np.arange(1, D_MODES + 1) ** -1.5                    # η_k = k^(−b), b = 3/2
TEACHER = np.arange(1, D_MODES + 1) ** -0.25                    # w̄_k²η_k = k^(−a), a = 2
TIMES = np.array([0.5, 2.0, 10.0, 50.0, 300.0])
MODES = (0, 1, 4, 19)
#: (N, P): width-limited and data-limited
SIZES = ((40, 120), (120, 40))
BLOCKS, BLOCKS_QUICK = 400, 100
INVERSION_TOL = 1e-8
#: a late time for the static limit of the losses (the double inversion loses digits ∝ t: 1e-10 at 1e6)
LATE = 1e6


def attach_checks(d) -> None:
    d.check("transfer-population-limit", "numeric", "H_k(t) = e^{−η_k t} at N, P → ∞")(population_limit)
    d.check("transfer-laplace-roundtrip", "numeric", "forward Laplace transform of H_k(t) = Ĥ_k(s) on s > 0")(
        laplace_roundtrip)
    d.check("static-limit-numeric", "numeric", "H_k(t → ∞) = the ridgeless mean predictor of "
            "linear-random-features")(static_limit)
    d.check("gd-simulation", "simulation", "gradient descent step by step vs (gd-transfer), extrapolated in "
            "size")(discrete_simulation)
    d.check("gd-loss-simulation", "simulation", "gradient descent's test, training and ensemble losses, step by "
            "step, extrapolated in size")(discrete_loss_simulation)
    d.check("gd-limits-numeric", "numeric", "gradient descent: population limit and h → 0 (the flow)")(
        discrete_limits)
    d.check("mean-dynamics-simulation", "simulation", "transfer functions and mean-predictor loss vs exact "
            "gradient flow, extrapolated in size")(mean_dynamics_simulation)
    d.check("compute-frontier", "numeric", "frontier of the exact loss vs the compute-optimal exponents")(
        lambda quick: compute_frontier(quick, d))
    d.check("first-order-correction", "numeric", "first-order 1/N term of H_k against the exact theory, "
            "Richardson-extrapolated")(lambda quick: first_order_correction(quick, d))
    d.check("loss-simulation", "simulation", "test, training and ensemble losses vs exact gradient flow, "
            "extrapolated in size")(loss_simulation)


def population_limit(quick: bool) -> CheckResult:
    t = np.array([0.1, 1.0, 5.0, 30.0])
    H = transfer_functions(t, SPECTRUM, 1e12, 1e12)
    gap = float(np.max(np.abs(H - np.exp(-np.outer(t, SPECTRUM)))))
    return CheckResult("transfer-population-limit: N = P = 1e12", "numeric", gap <= INVERSION_TOL, 0.0, gap,
                       INVERSION_TOL, f"max |H_k(t) − e^(−η_k t)| = {gap:.1e} over 4 times × {D_MODES} modes "
                                      "(fixed Talbot, 18 nodes)")


def _forward_transform(s, N, P, nodes):
    """∫₀^∞ e^{−st}H(t)dt = (1/s)∫₀^∞ e^{−x}H(x/s) dx by Gauss–Laguerre (H is bounded and analytic in t)."""
    x, w = np.polynomial.laguerre.laggauss(nodes)
    return (w @ transfer_functions(x / s, SPECTRUM, N, P)) / s


def laplace_roundtrip(quick: bool) -> list[CheckResult]:
    out = []
    for N, P in SIZES:
        s = 0.7
        kappa = real_kappa([s], SPECTRUM, N, P)[0]
        exact = compiled_transfer(SPECTRUM, kappa, s)
        fine, coarse = _forward_transform(s, N, P, 80), _forward_transform(s, N, P, 40)
        quad = float(np.max(np.abs(fine - coarse)))
        gap = float(np.max(np.abs(fine - exact)))
        bound = quad + INVERSION_TOL / s
        out.append(CheckResult(f"transfer-laplace-roundtrip: N = {N}, P = {P}, s = {s}", "numeric", gap <= bound,
                               exact[:4].tolist(), fine[:4].tolist(), bound,
                               f"max over modes |∫e^(−st)H dt − Ĥ(s)| = {gap:.1e}; quadrature error estimate "
                               f"{quad:.1e} (Gauss–Laguerre, 80 vs 40 nodes)"))
    return out


def static_limit(quick: bool) -> list[CheckResult]:
    """t → ∞: the flow from 0 reaches the min-norm interpolator, whose mean predictor is the population ridge
    at the ridgeless κ₂ of linear-random-features: H_k(∞) = κ₂/(η_k + κ₂) (κ₂ from that entry's solver)."""
    out = []
    for N, P in SIZES:
        k0 = float(learning_curve(SPECTRUM, TEACHER, P=P, N=N, ridge=0.0).kappa2)
        H = transfer_functions([1e8], SPECTRUM, N, P)[0]
        gap = float(np.max(np.abs(H - k0 / (SPECTRUM + k0))))
        out.append(CheckResult(f"static-limit-numeric: N = {N}, P = {P}, t = 1e8", "numeric", gap <= INVERSION_TOL,
                               k0, gap, INVERSION_TOL, f"ridgeless κ₂ = {k0:.12g} (linear-random-features); "
                               f"max_k |H_k(1e8) − κ₂/(η_k + κ₂)| = {gap:.1e}"))
        static = learning_curve(SPECTRUM, TEACHER, P=P, N=N, ridge=0.0, noise_variance=NOISE)
        late = loss_curve([LATE], SPECTRUM, TEACHER, N, P, NOISE)
        pairs = (("test", late.test[0], float(static.E_g) + NOISE), ("train", late.train[0], float(static.E_tr)),
                 ("ensemble", late.ensemble[0], float(static.E_g_infinite_ensemble) + NOISE))
        for name, ours, theirs in pairs:
            gap = abs(ours - theirs) / abs(theirs) if theirs else abs(ours)
            out.append(CheckResult(f"static-limit-numeric: {name} loss, N = {N}, P = {P}, σ² = {NOISE:g}, t = {LATE:g}",
                                   "numeric", gap <= INVERSION_TOL, theirs, ours, INVERSION_TOL,
                                   f"double Talbot inversion at t = {LATE:g} against linear-random-features' ridgeless "
                                   f"learning curve: relative gap {gap:.1e}"))
    return out


def _replicated(m):
    return np.repeat(SPECTRUM, m), np.repeat(TEACHER, m) / np.sqrt(m)


def _simulated(N, P, m, blocks, entropy, times=TIMES, step_size=None):
    lam, w = _replicated(m)
    est = simulate_loss_curve(times, lam, w, m * N, m * P, n_blocks=blocks, entropy=entropy, step_size=step_size)
    samples_modes = est["mode_deviation"]
    # normalised mean deviation per original mode: the mean over its m copies, divided by −w̄_k/√m
    mean = -samples_modes.mean.reshape(D_MODES, m, -1).mean(axis=1) / (TEACHER[:, None] / np.sqrt(m))
    se = samples_modes.se.reshape(D_MODES, m, -1)
    se = np.sqrt((se ** 2).sum(axis=1)) / m / (TEACHER[:, None] / np.sqrt(m))
    return mean[list(MODES)], se[list(MODES)], est["bias2"].mean, est["bias2"].se


def mean_dynamics_simulation(quick: bool) -> list[CheckResult]:
    blocks = BLOCKS_QUICK if quick else BLOCKS
    n_tests = len(SIZES) * (len(MODES) + 1) * TIMES.size
    thr = z_threshold(n_tests, FAMILYWISE)
    out = []
    for j, (N, P) in enumerate(SIZES):
        H = transfer_functions(TIMES, SPECTRUM, N, P)[:, list(MODES)].T          # (modes, T)
        B = mean_predictor_loss(TIMES, SPECTRUM, TEACHER, N, P)
        one, two = _simulated(N, P, 1, blocks, [57, j, 1]), _simulated(N, P, 2, blocks, [57, j, 2])
        rows = [(f"H_k(t), k = {k + 1}", H[i], one[0][i], one[1][i], two[0][i], two[1][i])
                for i, k in enumerate(MODES)]
        rows.append(("loss of the mean predictor ‖Eβ − w̄‖²_Σ", B, one[2], one[3], two[2], two[3]))
        for name, theory, m1, se1, m2, se2 in rows:
            out.append(_z_result(f"mean-dynamics-simulation: {name}, N = {N}, P = {P}", theory,
                                 Estimate(m1, se1, blocks), Estimate(m2, se2, blocks), thr, blocks))
    return out


#: gradient descent: step size and step counts of the discrete checks.  The population bound is 2/max η = 2,
#: but a draw diverges when the top eigenvalue of its kernel FᵀF/P exceeds 2/h, and at these sizes that top
#: eigenvalue reaches 1.8–2.0 in 500 draws (mean 1.06–1.23): at h = 1 a few draws in 10³ diverge and dominate
#: the mean loss, which the deterministic equivalent (typical draws) does not describe.  At h = 0.5 a draw would
#: need a top eigenvalue above 4.
GD_STEP, GD_STEPS = 0.5, np.array([1, 4, 16, 60, 200])


def discrete_simulation(quick: bool) -> list[CheckResult]:
    """H_k(n) and the mean predictor's loss of gradient descent (step h = GD_STEP), simulated step by step
    (:func:`numerics.rf_dynamics_simulation.gradient_descent_fit`), against (gd-transfer) inverted on the
    circle; extrapolated in size (m = 1, 2) as ``mean-dynamics-simulation``."""
    blocks = BLOCKS_QUICK if quick else BLOCKS
    thr = z_threshold(len(SIZES) * (len(MODES) + 1) * GD_STEPS.size, FAMILYWISE)
    out = []
    for j, (N, P) in enumerate(SIZES):
        H = discrete_transfer_functions(GD_STEPS, SPECTRUM, N, P, GD_STEP)                   # (T, D)
        B = np.sum(SPECTRUM * TEACHER ** 2 * H ** 2, axis=1)
        one, two = (_simulated(N, P, m, blocks, [59, j, m], GD_STEPS, GD_STEP) for m in (1, 2))
        rows = [(f"H_k(n), k = {k + 1}", H[:, k], one[0][i], one[1][i], two[0][i], two[1][i])
                for i, k in enumerate(MODES)]
        rows.append(("loss of the mean predictor", B, one[2], one[3], two[2], two[3]))
        for name, theory, m1, se1, m2, se2 in rows:
            out.append(_z_result(f"gd-simulation: {name}, h = {GD_STEP}, N = {N}, P = {P}", theory,
                                 Estimate(m1, se1, blocks), Estimate(m2, se2, blocks), thr, blocks, GD_STEPS))
    return out


def discrete_loss_simulation(quick: bool) -> list[CheckResult]:
    """Test, training and ensemble losses of gradient descent with label noise, simulated step by step, against
    :func:`~derivations.random_features.dynamics_discrete_theory.discrete_loss_curve`; extrapolated in size."""
    blocks = BLOCKS_QUICK if quick else BLOCKS
    thr = z_threshold(len(SIZES) * len(LOSSES) * GD_STEPS.size, FAMILYWISE)
    out = []
    for j, (N, P) in enumerate(SIZES):
        theory = discrete_loss_curve(GD_STEPS, SPECTRUM, TEACHER, N, P, GD_STEP, NOISE)
        runs = []
        for m in (1, 2):
            lam, w = _replicated(m)
            runs.append(simulate_loss_curve(GD_STEPS, lam, w, m * N, m * P, noise_variance=NOISE, n_blocks=blocks,
                                            entropy=[60, j, m], step_size=GD_STEP))
        for name, key in LOSSES:
            out.append(_z_result(f"gd-loss-simulation: {name} loss, h = {GD_STEP}, N = {N}, P = {P}, σ² = {NOISE:g}",
                                 getattr(theory, name), runs[0][key], runs[1][key], thr, blocks, GD_STEPS))
    return out


def discrete_limits(quick: bool) -> list[CheckResult]:
    """N = P = 10¹²: H_k(n) = (1 − hη_k)^n; and h → 0 at n = t/h: the Richardson combination 2H(h/2) − H(h)
    against the flow's H_k(t), whose gap must fall by at least 3× per halving of h (first-order error removed)."""
    out = []
    n = np.array([0, 1, 4, 16, 64])
    H = discrete_transfer_functions(n, SPECTRUM, 1e12, 1e12, 1.5)
    exact = (1 - 1.5 * SPECTRUM[None, :]) ** n[:, None]
    gap = float(np.max(np.abs(H - exact)))
    out.append(CheckResult("gd-population-limit: N = P = 1e12, h = 1.5", "numeric", gap <= INVERSION_TOL, 0.0, gap,
                           INVERSION_TOL, f"max |H_k(n) − (1 − hη_k)^n| = {gap:.1e} over {n.size} steps × "
                           f"{D_MODES} modes"))
    t = 8.0
    flow = transfer_functions([t], SPECTRUM, 40, 120)[0]
    gaps = []
    for h in (0.2, 0.1, 0.05):
        coarse = discrete_transfer_functions([round(t / h)], SPECTRUM, 40, 120, h)[0]
        fine = discrete_transfer_functions([round(2 * t / h)], SPECTRUM, 40, 120, h / 2)[0]
        gaps.append(float(np.max(np.abs(2 * fine - coarse - flow))))
    ok = gaps[1] * 3 <= gaps[0] and gaps[2] * 3 <= gaps[1]
    out.append(CheckResult("gd-flow-limit-numeric: N = 40, P = 120, t = 8", "numeric", ok, 0.0, gaps[-1], "",
                           "max_k |2H(t; h/2) − H(t; h) − H_flow(t)| at h = 0.2, 0.1, 0.05: "
                           + ", ".join(f"{g:.1e}" for g in gaps) + " (second order: ≥ 3× smaller per halving)"))
    flow = loss_curve([t], SPECTRUM, TEACHER, 40, 120, NOISE)
    gaps = []
    for h in (0.2, 0.1, 0.05):
        coarse = discrete_loss_curve([round(t / h)], SPECTRUM, TEACHER, 40, 120, h, NOISE)
        fine = discrete_loss_curve([round(2 * t / h)], SPECTRUM, TEACHER, 40, 120, h / 2, NOISE)
        gaps.append(max(abs(float(2 * getattr(fine, f)[0] - getattr(coarse, f)[0] - getattr(flow, f)[0]))
                        for f in ("test", "train", "ensemble")))
    ok = gaps[1] * 3 <= gaps[0] and gaps[2] * 3 <= gaps[1]
    out.append(CheckResult("gd-flow-limit-numeric: losses, N = 40, P = 120, t = 8, σ² = 0.2", "numeric", ok, 0.0,
                           gaps[-1], "", "max over test, training, ensemble of |2L(t; h/2) − L(t; h) − L_flow(t)| at "
                           "h = 0.2, 0.1, 0.05: " + ", ".join(f"{g:.1e}" for g in gaps)
                           + " (second order: ≥ 3× smaller per halving)"))
    return out


def _z_result(name, theory, one, two, thr, blocks, times=TIMES) -> CheckResult:
    """z-test of the size-extrapolated estimate (m = 1, 2) against the theory; raw m = 1 z in the details."""
    extrap = extrapolate_replicas(one, two)
    z = (np.asarray(extrap.mean) - theory) / extrap.se
    z_raw = (np.asarray(one.mean) - theory) / one.se
    return CheckResult(name, "simulation", bool(np.all(np.abs(z) <= thr)), np.asarray(theory).tolist(),
                       np.asarray(extrap.mean).tolist(), thr,
                       f"extrapolated m → ∞ (m = 1, 2; {blocks} blocks of 2 × 2 each): max |z| = "
                       f"{np.max(np.abs(z)):.2f}; raw m = 1: max |z| = {np.max(np.abs(z_raw)):.2f}",
                       extra={"z": z.tolist(), "z_raw": z_raw.tolist(), "times": np.asarray(times).tolist()})


#: label noise of the loss check
NOISE = 0.2
LOSSES = (("test", "test"), ("train", "train"), ("ensemble", "infinite_ensemble"))


def loss_simulation(quick: bool) -> list[CheckResult]:
    """Test, training and infinitely ensembled losses against the exact per-draw flow with label noise,
    extrapolated in size (m = 1, 2) as in ``mean-dynamics-simulation``."""
    blocks = BLOCKS_QUICK if quick else BLOCKS
    thr = z_threshold(len(SIZES) * len(LOSSES) * TIMES.size, FAMILYWISE)
    out = []
    for j, (N, P) in enumerate(SIZES):
        theory = loss_curve(TIMES, SPECTRUM, TEACHER, N, P, NOISE)
        runs = []
        for m in (1, 2):
            lam, w = _replicated(m)
            runs.append(simulate_loss_curve(TIMES, lam, w, m * N, m * P, noise_variance=NOISE, n_blocks=blocks,
                                            entropy=[58, j, m]))
        for name, key in LOSSES:
            out.append(_z_result(f"loss-simulation: {name} loss, N = {N}, P = {P}, σ² = {NOISE:g}",
                                 getattr(theory, name), runs[0][key], runs[1][key], thr, blocks))
    return out


#: the compute frontier: a hard task (a − 1 = 1 < b = 3/2) on 2·10⁴ modes, infinite data
FRONTIER_MODES = 20000
FRONTIER_B, FRONTIER_A = 1.5, 2.0
#: budgets with N* ≤ D/20: beyond, the finite spectrum cuts the width law off (measured: at C = 10⁷, N* ≈ 2600,
#: the N* slope is 0.390 on 2·10⁴ modes and 0.3988 on 10⁵ modes, against ρ_N = 0.4)
FRONTIER_C = (1e4, 1e5, 1e6)


def compute_frontier(quick: bool, derivation) -> list[CheckResult]:
    """The frontier of the exact loss (minimised over N at fixed C = N·t, no ansatz) against
    (hard-task-exponents): the local slopes of N*, t*, L* in C between the two largest budgets must be within
    the exponent table's tolerance (engine.laws.TOLERANCE) of ρ_N, ρ_t, −ρ_L."""
    k = np.arange(1, FRONTIER_MODES + 1, dtype=float)
    eta = k ** -FRONTIER_B
    w = np.sqrt(k ** -FRONTIER_A / eta)
    C = np.array(FRONTIER_C)
    f = compute_optimal(C, eta, w)
    lc = np.log(C)
    values = {"N*": f.width, "t*": f.time, "L*": f.loss}
    derived = {e.lhs.name: float(e.rhs.subs({dcs.a: FRONTIER_A, dcs.b: FRONTIER_B}))
               for e in derivation["hard-task-exponents"]}
    expected = {"N*": derived["rho_N"], "t*": derived["rho_t"], "L*": -derived["rho_L"]}
    out = []
    for name, v in values.items():
        slopes = np.diff(np.log(v)) / np.diff(lc)
        gap = abs(slopes[-1] - expected[name])
        out.append(CheckResult(f"compute-frontier: {name} ∝ C^ρ, b = {FRONTIER_B}, a = {FRONTIER_A}, P = ∞",
                               "numeric", gap < TOLERANCE, expected[name], float(slopes[-1]), TOLERANCE,
                               f"local slopes {', '.join(f'{s:+.4f}' for s in slopes)} between C = "
                               f"{', '.join(f'{c:.0e}' for c in C)}; |last − derived| = {gap:.1e}"))
    return out


#: widths of the first-order check (P = ∞) and the times and modes compared
FIRST_ORDER_N = (1e4, 2e4)
FIRST_ORDER_T = np.array([0.5, 2.0, 8.0])
#: absolute accuracy of one fixed-Talbot value (numerics.dmft_talbot: a few 1e-10 on smooth transforms)
TALBOT_ABS = 1e-10


def first_order_correction(quick: bool, derivation) -> list[CheckResult]:
    """N·(H_k − e^{−η_k t}) of the exact theory at P = ∞, Richardson-extrapolated from N = 10⁴, 2·10⁴, against
    the inverse transform of the first-order term of (first-order-transfer), N·[Ĥ(N) − Ĥ(∞)] at P = ∞.
    Bound: the change between the two widths (the size of what Richardson removes) plus the Talbot error
    of the three values entering, scaled by the factor 2N."""
    rhs = derivation["first-order-transfer"].rhs
    term = sp.simplify(dyn.N * (rhs.subs(dyn.P, sp.oo) - rhs.subs({dyn.N: sp.oo, dyn.P: sp.oo})))
    eta_k, Df = sp.Symbol("eta_k"), sp.Symbol("Df")
    f = to_numpy(term.subs(dyn.Df_s, Df).xreplace({ETA[K]: eta_k}), [eta_k, dyn.s, Df])
    Df_of = lambda z: degrees_of_freedom(SPECTRUM, z)
    N1, N2 = FIRST_ORDER_N
    X = {N: N * (transfer_functions(FIRST_ORDER_T, SPECTRUM, N, np.inf) - np.exp(-np.outer(FIRST_ORDER_T, SPECTRUM)))
         for N in FIRST_ORDER_N}
    out = []
    for k in MODES:
        first = talbot_invert(lambda z: f(SPECTRUM[k], z, Df_of(z)), FIRST_ORDER_T)
        richardson = 2 * X[N2][:, k] - X[N1][:, k]
        bound = np.abs(X[N2][:, k] - X[N1][:, k]) + 3 * 2 * N2 * TALBOT_ABS
        gap = np.abs(richardson - first)
        out.append(CheckResult(f"first-order-correction: mode k = {k + 1}, P = ∞", "numeric", bool(np.all(gap <= bound)),
                               first.tolist(), richardson.tolist(), float(np.min(bound)),
                               f"N(H_k − e^(−η_k t)) at t = 0.5, 2, 8, extrapolated from N = 1e4, 2e4: max gap "
                               f"{np.max(gap):.1e}, bounds {', '.join(f'{b:.1e}' for b in bound)}"))
    return out
