"""Numeric checks of ``online-sgd-erf``.

* ``plateau-finite-eta``: the symmetric fixed point of the full equations (with the η² terms,
  isotropic input, T = I) solved by ``mpmath.findroot`` at 30 digits for η = 0.01, 0.1, 0.5; its
  residual is at the working precision, it tends to (plateau-fixed-point) as η → 0 with a shift
  that is O(η) (observed order 1 ± 0.1), and the plateau rises with η.
* ``plateau-odes``: the ODEs integrated from small random weights (isotropic, T = I exactly,
  η = 0.1) pass the plateau; at its flattest point ε_g is the finite-η fixed point's height, the
  closer the smaller the initial weights (σ_J = 10⁻², 10⁻³: the distance shrinks).
* ``plateau-sgd``: online SGD (N = 256, 16/48 seeds) from the same weights sits on the same plateau
  (z-tests at five times, Bonferroni).
* ``escape-time``: τ_esc (first α at which the mean spread of the normalised overlaps
  R_in/√(Q_iiT_nn) over n reaches ½), from the ODEs, N = 1024, σ_J = 0.01, β = 1, normalised
  outputs: η·τ_esc converges as η → 0 (escape-eta-rate); τ_esc decreases with L and grows with
  K = M; the measured exponents are reported against the claimed τ_esc ∝ M²/(ηL).
* ``block-rhs-mpmath``, ``block-plateau``: the block right-hand side compiled to mpmath, and the
  plateau of the block equations at 30 digits; see :mod:`derivations.online_sgd.erf_mp_checks`.
* ``sgd-simulation``: see :mod:`derivations.online_sgd.simulation_checks`.
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations.engine import CheckResult
import derivations.online_sgd.erf_mp_checks as mp_checks
import derivations.online_sgd.simulation_checks as simulation_checks
from derivations.online_sgd.erf_theory import symmetric_plateau
from derivations.online_sgd.model import compiled_model, generalization_curve, order_parameter_curve, simulate, spread
from numerics.committee_blocks import power_law_eigenvalues
from numerics.simulation import Estimate, z_test, z_threshold


def attach_checks(d) -> None:
    """The numeric and simulation checks of ``online-sgd-erf`` up to its laws (the face attaches the laws, then
    :func:`derivations.online_sgd.late_checks.attach_checks`)."""
    d.check("plateau-finite-eta", "numeric", "symmetric fixed point with the η² terms at 30 digits")(
        lambda quick: plateau_finite_eta(d))
    d.check("plateau-odes", "numeric", "ODEs from small weights pass through the finite-η plateau")(
        lambda quick: plateau_odes())
    d.check("plateau-sgd", "simulation", "online SGD on the same plateau")(lambda quick: plateau_sgd(quick))
    d.check("escape-time", "numeric", "escape time against η, L and K from the ODEs")(
        lambda quick: escape_time(quick))
    d.check("block-rhs-mpmath", "numeric", "the block right-hand side compiled to mpmath, at several precisions")(
        lambda quick: mp_checks.block_rhs_precision())
    d.check("block-plateau", "numeric", "plateau of the block equations at 30 digits = isotropic plateau at η⟨λ⟩")(
        lambda quick: mp_checks.block_plateau(quick))
    simulation_checks.attach_erf_checks(d)


def plateau_finite_eta(d) -> list[CheckResult]:
    values = d["plateau-fixed-point"]
    Q0 = float(values[0].rhs)
    height0 = float(d["plateau-height"].rhs)
    out, shifts, heights = [], [], []
    for eta in ("0.01", "0.005", "0.0025", "0.1", "0.5"):
        Q, C, R, height, residual = symmetric_plateau(eta)
        heights.append(float(height))
        if eta in ("0.01", "0.005", "0.0025"):
            shifts.append(float(Q) - Q0)
        out.append(CheckResult(f"plateau-finite-eta: residual at η = {eta}", "numeric",
                               bool(residual < mpmath.mpf(10) ** -25), 0.0, float(residual), 1e-25,
                               f"Q_p = {mpmath.nstr(Q, 12)}, C_p = {mpmath.nstr(C, 12)}, R_p = {mpmath.nstr(R, 12)}, "
                               f"ε_plateau = {mpmath.nstr(height, 12)}"))
    orders = [math.log2(shifts[i] / shifts[i + 1]) for i in range(2)]
    out.append(CheckResult("plateau-finite-eta: Q_p − 1/3 is O(η) as η → 0", "numeric",
                           all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                           f"shifts {', '.join(f'{s:.4e}' for s in shifts)} at η = 0.01, 0.005, 0.0025"))
    rising = heights[0] > height0 and heights[3] > heights[0] and heights[4] > heights[3]
    out.append(CheckResult("plateau-finite-eta: the plateau rises with η", "numeric", rising, height0,
                           heights, "increasing", f"ε_plateau(η → 0) = {height0:.10f}; at η = 0.01, 0.1, 0.5: "
                           f"{heights[0]:.10f}, {heights[3]:.10f}, {heights[4]:.10f}"))
    return out


PLATEAU_N, PLATEAU_ETA = 256, 0.1
PLATEAU_ALPHAS = np.arange(1, 1001) * 0.5


def _orthogonal_teacher(N, M, rng):
    """Teacher rows orthogonal with norm √N: T = I exactly (isotropic input)."""
    basis, _ = np.linalg.qr(rng.standard_normal((N, M)))
    return np.sqrt(N) * basis.T


@functools.cache
def _plateau_weights(sigma_J):
    rng = np.random.default_rng(2024)
    B = _orthogonal_teacher(PLATEAU_N, 2, rng)
    return sigma_J * rng.standard_normal((2, PLATEAU_N)), B


def _flattest(sigma_J):
    J, B = _plateau_weights(sigma_J)
    tr = order_parameter_curve(PLATEAU_ALPHAS, J, B, np.ones(PLATEAU_N), PLATEAU_ETA, "erf", False, rtol=1e-9)
    eps = compiled_model(2, 2, "erf", False).population_error(tr.Q1, tr.R1, tr.T1)
    slope = np.abs(np.gradient(eps, PLATEAU_ALPHAS))
    start = int(np.argmax(PLATEAU_ALPHAS >= 10))            # after the initial drop
    i = start + int(np.argmin(slope[start:]))
    return PLATEAU_ALPHAS[i], eps[i]


def plateau_odes() -> list[CheckResult]:
    height = float(symmetric_plateau(PLATEAU_ETA)[3])
    devs, where = [], []
    for sigma_J in (1e-2, 1e-3):
        a, e = _flattest(sigma_J)
        devs.append(abs(e - height) / height)
        where.append(a)
    return [CheckResult("plateau-odes: flattest point of the ODE curve against the finite-η fixed point", "numeric",
                        devs[1] < devs[0], height, devs, "shrinks with σ_J",
                        f"relative distance {devs[0]:.2e} (σ_J = 0.01, at α = {where[0]:g}) and {devs[1]:.2e} "
                        f"(σ_J = 0.001, at α = {where[1]:g}); fixed point {height:.10f} (η = {PLATEAU_ETA})")]


def plateau_sgd(quick) -> list[CheckResult]:
    J, B = _plateau_weights(1e-2)
    alphas = np.array([40.0, 60.0, 100.0, 150.0, 200.0])
    ode = generalization_curve(alphas, J, B, np.ones(PLATEAU_N), PLATEAU_ETA, "erf", False, rtol=1e-9)
    seeds = 16 if quick else 48
    est = simulate(alphas, J, B, np.ones(PLATEAU_N), PLATEAU_ETA, "erf", False, seeds=seeds, entropy=5, progress=False)
    height = float(symmetric_plateau(PLATEAU_ETA)[3])
    thr = z_threshold(len(alphas))
    out = []
    for a, th, m, se in zip(alphas, ode, est.mean, est.se):
        z = z_test(float(th), Estimate(float(m), float(se), seeds), thr)
        out.append(CheckResult(f"plateau-sgd: α = {a:g} (plateau {height:.6f})", "simulation", z.passed, float(th),
                               float(m), thr, f"SGD {m:.6f} ± {se:.1e} ({seeds} seeds, N = {PLATEAU_N}), "
                                               f"ODE {th:.6f}, z = {z.z:+.2f}"))
    return out


ESCAPE_N = 1024


def escape_alpha(K, L, eta, seed=0, normalized=True):
    """τ_esc from the ODEs: first α where mean_i(max_n ρ_in − min_n ρ_in) ≥ ½, ρ = R/√(Q_ii T_nn)."""
    rng = np.random.default_rng(seed)
    B, J = rng.standard_normal((K, ESCAPE_N)), 0.01 * rng.standard_normal((K, ESCAPE_N))
    lam = np.ones(ESCAPE_N) if L == 1 else power_law_eigenvalues(ESCAPE_N, L, 1.0)
    alphas = np.geomspace(0.1, 4e3, 500) / eta
    # the run ends just past the crossing: the trajectory up to it is that of the full grid (same steps)
    past = lambda Q1, R1, T1: spread(Q1, R1, T1) >= 0.5 + 1e-9  # noqa: E731
    tr = order_parameter_curve(alphas, J, B, lam, eta, "erf", normalized, rtol=1e-6, stop=past)
    alphas, delta = tr.alphas, spread(tr.Q1, tr.R1, tr.T1)
    i = int(np.argmax(delta >= 0.5))
    if delta[i] < 0.5 or i == 0:
        raise ValueError(f"no escape detected for K = {K}, L = {L}, η = {eta}")
    x0, x1 = np.log(alphas[i - 1]), np.log(alphas[i])      # interpolate in log α
    w = (0.5 - delta[i - 1]) / (delta[i] - delta[i - 1])
    return float(np.exp(x0 + w * (x1 - x0)))


def escape_time(quick) -> list[CheckResult]:
    out = []
    etas = (0.2, 0.1, 0.05)
    scaled = [eta * escape_alpha(2, 8, eta) for eta in etas]
    gaps = [abs(scaled[0] - scaled[1]), abs(scaled[1] - scaled[2])]
    out.append(CheckResult("escape-time: η·τ_esc converges as η → 0 (K = M = 2, L = 8)", "numeric",
                           gaps[1] < gaps[0], scaled[-1], scaled, "converging",
                           f"η·τ_esc = {', '.join(f'{v:.4g}' for v in scaled)} at η = 0.2, 0.1, 0.05"))
    Ls = (1, 8, 64) if quick else (1, 2, 4, 8, 16, 32, 64)
    Ks = (2,) if quick else (2, 3)                    # K = 3 costs the generation of its ODEs (~15 s)
    taus = {K: [escape_alpha(K, L, 0.1) for L in Ls] for K in Ks}
    slope = {K: float(np.polyfit(np.log(Ls), np.log(taus[K]), 1)[0]) for K in taus}
    decreasing = all(np.all(np.diff(taus[K]) < 0) for K in taus)
    out.append(CheckResult("escape-time: τ_esc decreases with L (claimed ∝ 1/L)", "numeric", decreasing, -1.0,
                           slope[2], "decreasing", "fitted exponent in L: " + ", ".join(
                               f"{slope[K]:+.3f} (K = {K})" for K in Ks) + f" over L = {Ls}; τ_esc(K = 2) = "
                           + ", ".join(f"{t:.4g}" for t in taus[2])))
    if not quick:
        k_exp = [float(np.log(taus[3][j] / taus[2][j]) / np.log(1.5)) for j in range(len(Ls))]
        out.append(CheckResult("escape-time: τ_esc grows with K = M (claimed ∝ M²)", "numeric",
                               all(e > 0 for e in k_exp), 2.0, k_exp, "> 0",
                               f"exponent log(τ_K=3/τ_K=2)/log 1.5 = {', '.join(f'{e:.2f}' for e in k_exp)} at L = {Ls}"))
    return out
