"""The generated ODEs against the closed form (linear) and against online SGD (both activations).

``odes-vs-closed-form`` (online-sgd-linear): the block ODEs generated for K = M = 2 with normalised
outputs, integrated by :mod:`numerics.committee_ode` at rtol = 10⁻¹⁰, against the exact solution
of the closed W-1 system (:mod:`numerics.linear_sgd_errors`) from the same initial weights.  The
system is contracting, so local errors are not amplified: the bound is rtol × (accepted steps).

``sgd-simulation`` (both entries): online SGD of the same networks from the same initial weights,
``SEEDS`` input streams each, against the ODE curve at 8 times (multiples of 1/N, so that the
SGD has done exactly αN steps); z-tests with a Bonferroni threshold over all comparisons of the
check (familywise 10⁻³).  Configurations: isotropic input (L = 1), a power-law spectrum with few
blocks and one with L = 64 (β = 1, trace-normalised); label noise in one of them; normalised and
unnormalised outputs.  The SGD's finite-N bias is O(1/N) relative (measured: |mean − ODE|·N/ε of
order 1, not resolved by 64 seeds at N = 128…512), below the standard errors here, PROVIDED that
the top block is not both small and strong: with the trace normalisation λ_1 = L/Σ_l l^{−(1+β)}
grows like L, and at L = N = 256, η = 0.2 (ηλ_1/N ≈ 0.12, a few SGD steps per relaxation time of
the top coordinate) the SGD error sits 5–7 standard errors below the ODE (erf, 16 seeds).  The
ODE limit needs ηλ_1/N ≪ 1; the configurations here have ηλ_1/N ≤ 0.02.
"""
from __future__ import annotations

import functools
import zlib

import numpy as np

from derivations.engine import CheckResult
from derivations.online_sgd.model import compiled_model, generalization_curve, initial_order_parameters, simulate
from numerics.committee_blocks import power_law_eigenvalues
from numerics.committee_ode import integrate_block_odes
from numerics.linear_sgd_errors import block_error_curve
from numerics.simulation import Estimate, z_test, z_threshold

SEEDS, SEEDS_QUICK = 48, 16
N_SIM = 256


def _config_weights(N, K, M, sigma_J, seed):
    rng = np.random.default_rng(seed)
    return sigma_J * rng.standard_normal((K, N)), rng.standard_normal((M, N))


def _spectrum(N, L, beta=1.0):
    return np.ones(N) if L == 1 else power_law_eigenvalues(N, L, beta)


#: (label, activation, L, normalised outputs, η, noise variance, σ_J, α_max)
LINEAR_CONFIGS = (
    ("isotropic", "linear", 1, True, 0.5, 0.0, 0.01, 20.0),
    ("power law, L = 8", "linear", 8, True, 0.1, 0.0, 0.01, 200.0),
    ("power law, L = 64, label noise 0.1", "linear", 64, True, 0.1, 0.1, 0.01, 200.0),
    ("power law, L = 4, unnormalised", "linear", 4, False, 0.1, 0.0, 0.01, 200.0),
)
ERF_CONFIGS = (
    ("isotropic, unnormalised", "erf", 1, False, 0.5, 0.0, 0.5, 100.0),
    ("power law, L = 8, normalised", "erf", 8, True, 0.1, 0.0, 0.01, 300.0),
    ("power law, L = 64, normalised, label noise 0.1", "erf", 64, True, 0.2, 0.1, 0.3, 300.0),
)


def attach_linear_checks(d) -> None:
    d.check("odes-vs-closed-form", "numeric", "generated block ODEs against the exact W-1 solution")(
        lambda quick: odes_vs_closed_form())
    d.check("sgd-simulation", "simulation", "online SGD against the ODEs, linear activation")(
        lambda quick: sgd_against_odes(LINEAR_CONFIGS, quick))


def attach_erf_checks(d) -> None:
    d.check("sgd-simulation", "simulation", "online SGD against the ODEs, erf activation")(
        lambda quick: sgd_against_odes(ERF_CONFIGS, quick))


def _grid(alpha_max, N, n=8):
    steps = np.unique(np.round(np.geomspace(alpha_max / 200, alpha_max, n) * N))
    return steps / N


def odes_vs_closed_form() -> list[CheckResult]:
    out, rtol = [], 1e-8
    model = compiled_model(2, 2, "linear", True)
    for L, N in ((1, 64), (16, 256), (256, 256)):
        J, B = _config_weights(N, 2, 2, 0.01, L)
        q, r, t, blocks = initial_order_parameters(J, B, _spectrum(N, L))
        alphas = np.geomspace(0.1, 200, 25)
        traj = integrate_block_odes(alphas, q, r, t, blocks.values, blocks.fractions, 0.1,
                                    lambda Q1, R1, T1: model.coefficients(Q1, R1, T1), rtol=rtol, atol=1e-14)
        ode = model.population_error(traj.Q1, traj.R1, traj.T1)
        eps0 = 0.25 * blocks.values * (q.sum((1, 2)) - 2 * r.sum((1, 2)) + t.sum((1, 2)))
        exact = block_error_curve(alphas, eps0, blocks.values, blocks.fractions, 0.1).sum(axis=1)
        # absolute, in units of ε(0): ε is a difference of O(1) overlaps (Q − 2R + T)
        dev = float(np.max(np.abs(ode - exact)) / eps0.sum())
        bound = rtol * traj.steps
        out.append(CheckResult(f"odes-vs-closed-form: L = {L}, N = {N}, η = 0.1, α ≤ 200", "numeric",
                               dev <= bound, 0.0, dev, bound,
                               f"max |ODE − exact|/ε(0) = {dev:.2e} over 25 α; {traj.steps} steps at rtol {rtol:g}"))
    return out


@functools.lru_cache(maxsize=None)
def _compare(config, seeds):
    label, activation, L, normalized, eta, noise, sigma_J, alpha_max = config
    J, B = _config_weights(N_SIM, 2, 2, sigma_J, zlib.crc32(label.encode()))
    lam = _spectrum(N_SIM, L)
    alphas = _grid(alpha_max, N_SIM)
    theory = generalization_curve(alphas, J, B, lam, eta, activation, normalized, noise, rtol=1e-9)
    est = simulate(alphas, J, B, lam, eta, activation, normalized, noise, seeds=seeds, entropy=17, progress=False)
    return alphas, theory, est


def sgd_against_odes(configs, quick) -> list[CheckResult]:
    seeds = SEEDS_QUICK if quick else SEEDS
    runs = [(_compare(c, seeds), c) for c in configs]
    threshold = z_threshold(sum(len(r[0][0]) for r in runs))
    out = []
    for (alphas, theory, est), config in runs:
        label, activation, L, normalized, eta, noise = config[:6]
        for a, th, mean, se in zip(alphas, theory, est.mean, est.se):
            z = z_test(float(th), Estimate(float(mean), float(se), seeds), threshold)
            out.append(CheckResult(f"sgd-simulation: {activation}, {label}, η = {eta:g}, α = {a:.4g}",
                                   "simulation", z.passed, float(th), float(mean), threshold,
                                   f"SGD {mean:.6g} ± {se:.2g} ({seeds} seeds, N = {N_SIM}), z = {z.z:+.2f}"))
    return out
