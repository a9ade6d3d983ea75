"""Numeric checks of ``online-random-features``.

* ``equivalent-asymptotic-error``: the exact ε_∞ = ½(T₀ − bᵀC⁻¹b) from the actual C, b of drawn W
  (Gaussian rows scaled to norm √N) and an orthonormal teacher (T = I, M = 2), over several draws,
  against the deterministic equivalent compiled from the statement; z-test with the standard error
  over draws, at two sizes N, 2N, the deviation extrapolated linearly in 1/N (Richardson) where
  the finite-N bias is resolved.  Also reports ε_∞ against K/N up to K/N = 8.
* ``stability-limit``: η_max compiled from the statement (tr C of a drawn W); the slowest rate of
  the mode-error generator changes sign across it (relative step 10⁻⁶).
* ``plateau``: the exact ODE curve at α = 10⁴/η against (plateau) compiled from the statement.
* ``sgd-simulation``: vectorised online SGD of the readout (``SEEDS`` input streams, same W, B and
  v(0) = 0), its exact population error per seed from (C, b, T₀), against the ODE curve at 5 times,
  K/N ∈ {0.5, 1, 2}; z-tests, Bonferroni over every comparison (familywise 10⁻³).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from scipy.special import ndtr

from derive.gaussian_expectations import C11, C12, C22, I2_erf
from derivations.engine import CheckResult
import derivations.online_sgd.readout_steps as orf
from numerics.bridge import to_numpy
from numerics.readout_sgd import (asymptotic_error, plateau_error, population_moments, readout_error,
                                  readout_error_curve, simulate_readout_sgd)
from numerics.simulation import Estimate, z_test, z_threshold

FAMILYWISE = 1e-3
RATIOS = (0.5, 1.0, 2.0)
ETA = 1.0
M_TEACHER = 2
ALPHAS = (0.5, 2.0, 8.0, 16.0, 32.0)


def attach_checks(d) -> None:
    """The checks of ``online-random-features``."""
    d.check("equivalent-asymptotic-error", "simulation",
            "exact ε_∞ of drawn W, B against the Gaussian-equivalence / Marchenko–Pastur formula")(
        lambda quick: equivalent_error(d, quick))
    d.check("stability-limit", "numeric", "slowest mode-error rate changes sign at the derived η_max")(
        lambda quick: stability(d))
    d.check("plateau", "numeric", "exact ODE solution at large α against the derived plateau")(
        lambda quick: plateau(d))
    d.check("sgd-simulation", "simulation", "online SGD of the readout against the ODE along the curve")(
        lambda quick: sgd_against_ode(quick))


# ---- helpers ------------------------------------------------------------------------------------

def pair_expectation():
    """I2(c11, c12, c22) compiled from derive.gaussian_expectations.I2_erf (vectorised)."""
    return to_numpy(I2_erf(), [C11, C12, C22])


def activation(x):
    """g(x) = erf(x/√2) = 2Φ(x) − 1 (Φ by scipy.special.ndtr: three times faster than erf)."""
    return 2 * ndtr(x) - 1


def draw_weights(rng, N, K, M=M_TEACHER):
    """W: Gaussian rows scaled to norm √N; B: M orthonormal rows times √N (T = I)."""
    W = rng.standard_normal((K, N))
    W *= math.sqrt(N) / np.linalg.norm(W, axis=1, keepdims=True)
    B = np.linalg.qr(rng.standard_normal((N, M)))[0].T * math.sqrt(N)
    return W, B


def equivalent_function(d):
    """γ ↦ ε_∞(γ) for T = I_M (T₀ = M/3, t_u = M), compiled from (equivalent-asymptotic-error)."""
    stmt = d["equivalent-asymptotic-error"]
    if stmt[-1].lhs != orf.eps_inf:
        raise ValueError("unexpected statement")
    expr = stmt[-1].rhs.subs(orf.G, stmt[1].rhs).subs(orf.kappa, stmt[2].rhs)
    expr = expr.subs({orf.T0: sp.Rational(M_TEACHER, 3), orf.t_u: M_TEACHER})
    return to_numpy(expr, [orf.gamma])


def _exact_errors(N, gam, draws, seed):
    I2 = pair_expectation()
    out = []
    for child in np.random.SeedSequence(seed).spawn(draws):
        W, B = draw_weights(np.random.default_rng(child), N, int(round(gam * N)))
        out.append(asymptotic_error(*population_moments(W, B, I2)))
    return np.array(out)


# ---- checks -------------------------------------------------------------------------------------

def equivalent_error(d, quick) -> list[CheckResult]:
    f = equivalent_function(d)
    N, draws = (128, 6) if quick else (256, 8)
    ratios = (0.5, 1.0, 2.0, 4.0)
    thr = z_threshold(len(ratios), FAMILYWISE)
    out = []
    for i, gam in enumerate(ratios):
        theory = float(f(gam))
        e1 = Estimate.from_samples(_exact_errors(N, gam, draws, (11, i)))
        e2 = Estimate.from_samples(_exact_errors(2 * N, gam, draws, (12, i)))
        # Richardson in 1/N: 2·dev(2N) − dev(N); its SE from the two independent ensembles
        extrap = 2 * e2.mean - e1.mean
        se = math.sqrt(4 * e2.se ** 2 + e1.se ** 2)
        z = (extrap - theory) / se
        out.append(CheckResult(f"equivalent-asymptotic-error: K/N = {gam:g}, N = {N}, {2 * N} → ∞, {draws} draws",
                               "simulation", abs(z) <= thr, theory, extrap, thr,
                               f"exact ε_∞ = {e1.mean:.5f} ± {e1.se:.1e} (N = {N}), {e2.mean:.5f} ± {e2.se:.1e} "
                               f"(N = {2 * N}); extrapolated {extrap:.5f}; z = {z:.2f}"))
    # trend in K/N (reported; the check is that the exact values decrease towards the floor)
    floor = M_TEACHER * (1 / 3 - 1 / math.pi) / 2
    grid = (0.25, 0.5, 1, 2, 4, 8)
    n_small = 64 if quick else 128
    exact = [float(_exact_errors(n_small, gm, 2, (13, j)).mean()) for j, gm in enumerate(grid)]
    equiv = [float(f(gm)) for gm in grid]
    ok = all(exact[j + 1] < exact[j] for j in range(len(grid) - 1)) and min(equiv) > floor
    out.append(CheckResult(f"equivalent-asymptotic-error: ε_∞ against K/N (N = {n_small})", "numeric", ok,
                           equiv, exact, "decreasing, above the floor",
                           "K/N: " + ", ".join(f"{gm:g}: exact {e:.5f}, equivalent {q:.5f}"
                                               for gm, e, q in zip(grid, exact, equiv))
                           + f"; floor ½(T₀ − t_u/π) = {floor:.5f}"))
    return out


def _drawn_moments(N, gam, seed):
    W, B = draw_weights(np.random.default_rng(seed), N, int(round(gam * N)))
    return W, B, population_moments(W, B, pair_expectation())


def stability(d) -> list[CheckResult]:
    out = []
    for gam in RATIOS:
        N = 64
        _, _, (C, b, T0) = _drawn_moments(N, gam, 5)
        c = np.linalg.eigvalsh(C)
        expr = d["stability-limit"].rhs
        limit = float(expr.subs({orf.trC: float(c.sum()), orf.N: N}))

        def slowest(e):
            G = -2 * e * np.diag(c) + e ** 2 / N * np.outer(c, c)
            return -np.linalg.eigvalsh(G).max()
        below, above = slowest(limit * (1 - 1e-6)), slowest(limit * (1 + 1e-6))
        out.append(CheckResult(f"stability-limit: K/N = {gam:g}, N = {N}", "numeric", below > 0 > above,
                               6 / gam, limit, "sign change",
                               f"η_max = {limit:.8g} (6N/K = {6 / gam:.8g}); slowest rate {below:.3e} below, "
                               f"{above:.3e} above"))
    return out


def plateau(d) -> list[CheckResult]:
    out = []
    for gam, noise_var in ((0.5, 0.0), (2.0, 0.1)):
        N = 64
        _, _, (C, b, T0) = _drawn_moments(N, gam, 6)
        c = np.linalg.eigvalsh(C)
        expr = d["plateau"].rhs.subs(orf.trC, float(c.sum()))
        value = float(expr.subs({orf.N: N, orf.eta: ETA, orf.noise: math.sqrt(noise_var),
                                 orf.eps_inf: asymptotic_error(C, b, T0)}))
        curve, _ = readout_error_curve([1e4 / ETA], np.zeros(len(b)), C, b, T0, ETA, N, noise_var)
        rel = abs(curve[0] - value) / value
        out.append(CheckResult(f"plateau: K/N = {gam:g}, N = {N}, η = {ETA:g}, σ_ε² = {noise_var:g}", "numeric",
                               rel < 1e-9, value, float(curve[0]), 1e-9,
                               f"relative difference {rel:.2e}; ε_∞ = {asymptotic_error(C, b, T0):.6f}"))
    return out


SEEDS, SEEDS_QUICK = 48, 32
N_SIM, N_QUICK = 256, 64


def sgd_against_ode(quick) -> list[CheckResult]:
    N, seeds = (N_QUICK, SEEDS_QUICK) if quick else (N_SIM, SEEDS)
    configs = [(gam, 0.0) for gam in RATIOS] + [(1.0, 0.1)]
    thr = z_threshold(len(configs) * len(ALPHAS), FAMILYWISE)
    out = []
    for i, (gam, noise_var) in enumerate(configs):
        W, B, (C, b, T0) = _drawn_moments(N, gam, (21, i))
        steps = np.round(np.array(ALPHAS) * N).astype(int)
        v0 = np.zeros(len(b))
        Vs = simulate_readout_sgd(np.random.default_rng((22, i)), W, B, v0, activation, ETA, steps, seeds,
                                  noise_variance=noise_var)
        errors = readout_error(Vs, C, b, T0).T                # seeds × times
        theory, _ = readout_error_curve(steps / N, v0, C, b, T0, ETA, N, noise_var)
        res = z_test(theory, Estimate.from_samples(errors), thr)
        eps_inf, plat = asymptotic_error(C, b, T0), plateau_error(C, b, T0, ETA, N, noise_var)
        out.append(CheckResult(
            f"sgd-simulation: K/N = {gam:g}, N = {N}, η = {ETA:g}, σ_ε² = {noise_var:g}, {seeds} seeds", "simulation",
            res.passed, theory.tolist(), np.asarray(res.mean).tolist(), thr,
            "z = " + ", ".join(f"{z:+.2f}" for z in np.atleast_1d(res.z))
            + f" at α = {', '.join(f'{a:g}' for a in ALPHAS)}; ε_∞ = {eps_inf:.5f}, plateau {plat:.5f}, "
              f"ODE at α = {ALPHAS[-1]:g}: {theory[-1]:.5f}"))
    return out
