"""Numeric checks of ``online-sgd-overrealizable`` (duplicated-teacher form, η = η_0 = 0.5).

* ``prefactor``: the generated K = M = 2 ODE (T_nm = 1) from weights on the exchange-symmetric
  manifold: α²ε_g → c₂/κ² (step ``prefactor``); the relative deviation shrinks decade by decade.
* ``local-slope``: from generic weights near the replicated point (off the manifold) the local
  slope d ln ε_g/d ln α at α = 10², 10³, … tends to −Rate = −2.
* ``sgd``: direct SGD (N = 256, seeds) from the same weights against the ODE along the curve
  (z-tests, Bonferroni), and the SGD's own slope of ln ε_g against ln(α + α₀), α₀ = 1/(κD(0)), which
  the reduced dynamics predicts to be −2, compared with the ODE's by a z-test.
* ``conventions``: K = 2, M = 1 without rescaling (η = 1, small random start): unnormalised, the
  second unit is switched off and ε_g < 1e-12 by α = 1000 (hyperbolic fixed point, exponential
  approach); normalised (1/√K), ε_g stops at a positive floor (the teacher is not realizable).

Tolerances: ODE tolerances rtol = 1e-10 (relative deviations of 1e-6 are far above them); z-tests
at the familywise level 1e-3.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from scipy.integrate import solve_ivp

from derive import committee_odes as co
from derivations.engine import CheckResult
import derivations.online_sgd.overrealizable_steps as steps
from derivations.online_sgd.model import compiled_model
from numerics.online_sgd_simulation import simulate_generalization_error, simulate_order_parameters
from numerics.simulation import z_threshold

ETA = 0.5
N_SGD = 256


def attach_checks(d) -> None:
    """The numeric and simulation checks of ``online-sgd-overrealizable`` (its law is attached by the face)."""
    d.check("prefactor", "numeric", "α²ε_g of the ODE → c₂/κ² on the symmetric manifold")(
        lambda quick: prefactor(d, quick))
    d.check("local-slope", "numeric", "local slope of the ODE's ε_g → −2 from generic weights")(
        lambda quick: local_slope(d, quick))
    d.check("sgd", "simulation", "SGD against the ODE, and its slope")(lambda quick: sgd(d, quick))
    d.check("conventions", "numeric", "no power law without the rescaling")(lambda quick: conventions(quick))


# ---- weights and ODE -----------------------------------------------------------------------

def replicated_weights(N, D_start, rho=0.0, seed=0):
    """(J, B_dup, b): J_i = b ± d with |b|² = N, d = √D_start·(unit ⊥ b) + ρ b."""
    if not (isinstance(N, int) and N >= 2):
        raise ValueError(f"N (input dimension) must be an integer >= 2, got {N!r}")
    if not (np.isfinite(D_start) and D_start >= 0):
        raise ValueError(f"D_start (|d|²/N of the soft mode) must be finite and >= 0, got {D_start!r}")
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(N)
    b *= math.sqrt(N) / np.linalg.norm(b)
    v = rng.standard_normal(N)
    v -= (v @ b) / N * b
    v *= math.sqrt(N) / np.linalg.norm(v)
    d = math.sqrt(D_start) * v + rho * b
    return np.vstack([b + d, b - d]), np.vstack([b, b]), b


def ode_curve(alphas, Q0, R0, T, eta, K, M, normalized=False, rtol=1e-10, atol=1e-16):
    """ε_g(α) of the generated ODE (L = 1) from first-order overlaps, integrated with LSODA in the
    deviations from (Q0, R0); raises if the solver fails."""
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta (learning rate) must be a finite number > 0, got {eta!r}")
    Q0, R0, T = (np.asarray(x, float) for x in (Q0, R0, T))
    if Q0.shape != (K, K) or R0.shape != (K, M) or T.shape != (M, M):
        raise ValueError(f"Q0, R0, T must have shapes ({K}, {K}), ({K}, {M}), ({M}, {M}); got "
                         f"{Q0.shape}, {R0.shape}, {T.shape}")
    if np.ndim(alphas) != 1 or np.any(np.diff(alphas) < 0) or np.min(alphas) < 0:
        raise ValueError("alphas must be a non-decreasing 1-d sequence of times >= 0")
    model = compiled_model(K, M, "erf", normalized)
    iu = np.triu_indices(K)
    nq = len(iu[0])

    def unpack(y):
        dq = np.zeros((K, K))
        dq[iu] = y[:nq]
        dq = dq + np.triu(dq, 1).T
        return Q0 + dq, R0 + y[nq:].reshape(K, M)

    def rhs(_, y):
        Q, R = unpack(y)
        A, B, E = model.coefficients(Q, R, T)
        dR = eta * (A @ R + B @ T)
        dQ = eta * (A @ Q + Q @ A.T + B @ R.T + R @ B.T) + eta ** 2 * E
        return np.concatenate([dQ[iu], dR.ravel()])

    alphas = np.asarray(alphas, float)
    sol = solve_ivp(rhs, (0.0, alphas[-1]), np.zeros(nq + K * M), method="LSODA", t_eval=alphas,
                    rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"ODE integration failed: {sol.message}")
    Qs, Rs = zip(*(unpack(y) for y in sol.y.T))
    Qs, Rs = np.array(Qs), np.array(Rs)
    return model.population_error(Qs, Rs, np.broadcast_to(T, (len(alphas), M, M))), Qs, Rs


def theory_curve(alphas, J, B, eta=ETA):
    N = J.shape[1]
    return ode_curve(alphas, J @ J.T / N, J @ B.T / N, B @ B.T / N, eta, J.shape[0], B.shape[0])[0]


@functools.cache
def predicted(eta=ETA):
    """(κ, c₂, c₂/κ²) of the derived steps at learning rate η."""
    d = steps.derivation()
    kappa = float(d["reduced-dynamics"][1].rhs.subs(co.eta, eta))
    c2 = float(d["soft-mode-error"][1].rhs.subs(co.eta, eta))
    lead = float(d["prefactor"].rhs.subs(co.eta, eta))
    return kappa, c2, lead


def sgd_errors(alphas, J, B, seeds, entropy=0):
    """Online SGD of the duplicated-teacher machine (unnormalised K = M = 2, isotropic input, η = 0.5):
    Estimate of the population ε_g over ``seeds`` streams at each α (numerics.online_sgd_simulation;
    derivations.online_sgd.model.simulate refuses a singular perfect solution, which is the point here)."""
    return simulate_generalization_error(alphas, J, B, np.ones(J.shape[1]), ETA, activation="erf",
                                         normalized_outputs=False, seeds=seeds, entropy=entropy,
                                         population_error=compiled_model(2, 2, "erf", False).population_error)


# ---- checks ----------------------------------------------------------------------------------

def prefactor(d, quick):
    kappa, c2, lead = predicted()
    J, B, _ = replicated_weights(64, 0.1)
    alphas = np.array([1e2, 1e3, 1e4, 1e5])
    eps = theory_curve(np.concatenate([[0.0], alphas]), J, B)[1:]
    dev = np.abs(alphas ** 2 * eps / lead - 1)
    ok = bool(np.all(np.diff(dev) < 0) and dev[-1] < dev[0] / 10)
    return [CheckResult("prefactor: α²ε_g → c₂/κ²", "numeric", ok, lead, (alphas ** 2 * eps).tolist(),
                        "relative deviation decreasing, last < first/10",
                        f"κ = {kappa:.6f}, c₂ = {c2:.6f}, c₂/κ² = {lead:.6f}; relative deviations at α = "
                        + ", ".join(f"{a:.0e}: {x:.2e}" for a, x in zip(alphas, dev)))]


def local_slope(d, quick):
    rate = float(d["rate"].rhs)
    J, B, _ = replicated_weights(64, 0.05, rho=0.02, seed=1)
    decades = np.array([1e2, 1e3, 1e4, 1e5])
    grid = np.sort(np.concatenate([[0.0], decades * 1.1, decades / 1.1]))
    eps = theory_curve(grid, J, B)
    slope = [(math.log(eps[grid == a * 1.1][0]) - math.log(eps[grid == a / 1.1][0])) / math.log(1.1 ** 2)
             for a in decades]
    gaps = np.abs(np.array(slope) + rate)
    ok = bool(gaps[-1] < 0.01 and gaps[-1] < gaps[0])
    return [CheckResult("local-slope: d ln ε_g/d ln α → −2", "numeric", ok, -rate, slope, "±0.01 at the last decade",
                        "slopes at α = " + ", ".join(f"{a:.0e}: {s:.4f}" for a, s in zip(decades, slope)))]


def sgd(d, quick):
    kappa, _, _ = predicted()
    seeds = 16 if quick else 32
    J, B, _ = replicated_weights(N_SGD, 0.05, rho=0.02, seed=2)
    alphas = np.array([5.0, 20.0, 60.0] if quick else [5.0, 20.0, 60.0, 150.0])
    est = sgd_errors(np.concatenate([[0.0], alphas]), J, B, seeds)
    theory = theory_curve(np.concatenate([[0.0], alphas]), J, B)[1:]
    mean, se = np.asarray(est.mean)[1:], np.asarray(est.se)[1:]
    zc = z_threshold(len(alphas) + 1, 1e-3)
    z = (mean - theory) / se
    out = [CheckResult("sgd: SGD mean ε_g = ODE along the curve", "simulation", bool(np.all(np.abs(z) < zc)), 0.0,
                       z.tolist(), f"|z| < {zc:.2f}",
                       f"N = {N_SGD}, {seeds} seeds, η = {ETA}; α, SGD ± se, ODE: " + "; ".join(
                           f"{a:g}: {m:.4e} ± {s:.1e}, {t:.4e}" for a, m, s, t in zip(alphas, mean, se, theory)))]
    # slope in ln(α + α₀), α₀ = 1/(κ D(0)), per seed between the first and last α
    Q0 = J @ J.T / N_SGD
    a0 = 1.0 / (kappa * (Q0[0, 0] + Q0[1, 1] - 2 * Q0[0, 1]) / 4)
    lx = math.log((alphas[-1] + a0) / (alphas[0] + a0))
    s_ode = math.log(theory[-1] / theory[0]) / lx
    # delta method on the ratio of means
    s_sgd = math.log(mean[-1] / mean[0]) / lx
    se_s = math.sqrt((se[-1] / mean[-1]) ** 2 + (se[0] / mean[0]) ** 2) / lx
    zs = (s_sgd - s_ode) / se_s
    out.append(CheckResult("sgd: slope of ln ε_g in ln(α + α₀)", "simulation", bool(abs(zs) < zc), s_ode, s_sgd,
                           f"|z| < {zc:.2f}", f"α₀ = {a0:.2f}; SGD {s_sgd:.3f} ± {se_s:.3f}, ODE {s_ode:.3f}, "
                           f"reduced dynamics −2 (z = {zs:.2f}; the slope is conservative: means correlated)"))
    return out


def conventions(quick):
    rng = np.random.default_rng(3)
    N = 64
    B = rng.standard_normal((1, N))
    B *= math.sqrt(N) / np.linalg.norm(B)
    J = 0.1 * rng.standard_normal((2, N))
    alphas = np.array([0.0, 500.0, 1000.0, 2000.0, 4000.0])
    out = []
    args = (J @ J.T / N, J @ B.T / N, B @ B.T / N)
    eps_u = ode_curve(alphas, *args, 1.0, 2, 1, False)[0]
    out.append(CheckResult("conventions: unnormalised K = 2, M = 1 reaches ε_g ≈ 0 fast", "numeric",
                           bool(eps_u[2] < 1e-12), 0.0, eps_u.tolist(), "< 1e-12 by α = 1000",
                           "the second unit is switched off (J_2 → 0), hyperbolic fixed point: exponential approach"))
    eps_n = ode_curve(alphas, *args, 1.0, 2, 1, True)[0]
    floor = bool(eps_n[-1] > 1e-6 and abs(eps_n[-1] / eps_n[-2] - 1) < 1e-6)
    out.append(CheckResult("conventions: normalised (1/√K) K = 2, M = 1 has a floor", "numeric", floor,
                           0.0, eps_n.tolist(), "ε_g(4000) = ε_g(2000) > 1e-6",
                           "c_K = 1/√2, c_M = 1: no weights reproduce the teacher; ε_g stops at a positive value"))
    return out


# ---- exponent table --------------------------------------------------------------------------

def exponent_law():
    """The pieces of the law ``sgd-overrealizable`` in one place (the law itself is in
    :mod:`derivations.online_sgd.laws`): the derived rate, theory(x) = ODE ε_g at α = x
    (duplicated-teacher form, η = 0.5, from fixed weights with N = 256), simulate(rng, x) = the
    population ε_g after x·N SGD steps (one seed), and suggested sizes (α values)."""
    J, B, _ = replicated_weights(N_SGD, 0.05, seed=2)

    def theory(x):
        return float(theory_curve(np.array([0.0, float(x)]), J, B)[1])

    def simulate_one(rng, x):
        entropy = int(rng.integers(2 ** 32))
        paths = simulate_order_parameters([float(x)], J, B, np.ones(N_SGD), ETA, activation="erf",
                                          normalized_outputs=False, seeds=1, entropy=entropy)
        Q1, R1, T1 = paths.first_order()
        return float(compiled_model(2, 2, "erf", False).population_error(Q1[0, 0], R1[0, 0], T1))

    return {"rate": steps.derivation()["rate"].rhs, "theory": theory, "simulate": simulate_one,
            "sizes": (25.0, 50.0, 100.0, 200.0), "eta": ETA, "N": N_SGD,
            "notes": "α₀ = 1/(κD(0)) ≈ 82: fit ln ε_g against ln(α + α₀), or use α ≫ α₀"}
