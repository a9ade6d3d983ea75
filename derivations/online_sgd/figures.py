"""Figures of online SGD in soft committee machines (``online-sgd-erf``, ``online-sgd-linear``).

``online-sgd-learning-curves``  ε_g(α) for K = M = 2, η = 0.1, β = 1, σ_J = 0.01, N = 1024 and several
                                L (the setting of Worschech & Rosenow's figure 1): ODEs (lines) and SGD
``online-sgd-linear``           the same for the linear activation, with the window law W-2 (dashed)
"""
from __future__ import annotations

import math

import numpy as np

from derivations.engine.figures import COLOURS, SEED, error_points, new_figure, simulation_handle
from derivations.online_sgd.model import generalization_curve, simulate
from numerics.committee_blocks import power_law_eigenvalues

K_UNITS = M_UNITS = 2
ETA, BETA, SIGMA_J = 0.1, 1.0, 0.01
N_FIG = (1024, 256)                     # (full, quick)
LS = ((1, 16, 64, 256, 1024), (1, 16, 64, 256))
SGD_LS = ((1, 16, 256), (1, 16))
SEEDS = (8, 4)
SGD_ALPHA_MAX = (1e3, 30.0)


def _weights(N):
    rng = np.random.default_rng([SEED, 11, N])
    return SIGMA_J * rng.standard_normal((K_UNITS, N)), rng.standard_normal((M_UNITS, N))


def _spectrum(N, L):
    return np.ones(N) if L == 1 else power_law_eigenvalues(N, L, BETA)


def _curves(ax, activation, quick, window_law=False):
    q = 1 if quick else 0
    N = N_FIG[q]
    J, B = _weights(N)
    line_alphas = np.geomspace(1e-2, 1e4 if not quick else 1e3, 300)
    sgd_alphas = np.unique(np.round(np.geomspace(0.05, SGD_ALPHA_MAX[q], 10) * N)) / N
    for j, L in enumerate(LS[q]):
        lam = _spectrum(N, L)
        eps = generalization_curve(line_alphas, J, B, lam, ETA, activation, True, rtol=1e-7)
        keep = eps > 0
        ax.plot(line_alphas[keep], eps[keep], color=COLOURS[j], label=f"L = {L}")
        if window_law and L > 1:
            lam_plus = lam.max()
            lead = lam_plus * (1 + SIGMA_J**2) * math.gamma(BETA / (1 + BETA)) / (2 * L * (1 + BETA)) \
                * (2 * ETA * lam_plus * line_alphas) ** (-BETA / (1 + BETA))
            ax.plot(line_alphas, lead, color=COLOURS[j], ls="--", lw=0.8)
        if L in SGD_LS[q]:
            est = simulate(sgd_alphas, J, B, lam, ETA, activation, True, seeds=SEEDS[q],
                           entropy=[SEED, 11, L], progress=None)
            error_points(ax, sgd_alphas, est, COLOURS[j])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha$ = steps / N")
    ax.set_ylabel(r"generalisation error $\epsilon_g$")
    ax.grid(True, which="major", alpha=0.3)


def _figure(activation, quick, window_law, title):
    fig = new_figure(7.5, 5.2)
    ax = fig.subplots()
    _curves(ax, activation, quick, window_law)
    handles, labels = ax.get_legend_handles_labels()
    q = 1 if quick else 0
    ax.legend([*handles, simulation_handle(ax)], [*labels, f"SGD: mean ± SE, {SEEDS[q]} seeds"], fontsize=8.5)
    fig.suptitle(f"{title}, K = M = 2, η = {ETA:g}, β = {BETA:g}, σ_J = {SIGMA_J:g}, N = {N_FIG[q]}", fontsize=10.5)
    return fig


def learning_curves(quick: bool = False, executor=None):
    """ε_g(α) of the erf committee machine for several numbers L of distinct eigenvalues."""
    return _figure("erf", quick, False, "Online SGD, erf soft committee machines")


def linear_curves(quick: bool = False, executor=None):
    """The same with g(x) = x; dashed: the power-law window law W-2."""
    return _figure("linear", quick, True, "Online SGD, linear two-layer network (dashed: W-2)")


_COMMON = (f"Inputs ξ ~ N(0, Σ), Σ with L distinct eigenvalues λ_l = λ_+ l^(−(1+β)), each on N/L coordinates, "
           f"λ_+ fixed by tr Σ/N = 1 (L = 1: isotropic); normalised outputs (1/√K)Σ_i g(J_i·ξ/√N) and "
           f"(1/√M)Σ_n g(B_n·ξ/√N) (believed to be the paper's convention; unconfirmed), teacher B ~ N(0, 1), "
           f"student J ~ N(0, σ_J²), one draw (seeded) shared by all curves, η = {ETA:g}, no label noise. Lines: "
           f"the generated block ODEs (derive.committee_odes, exponential RK2, rtol 10⁻⁷) from the order "
           f"parameters of these weights; points: online SGD from the same weights, mean ± SE over "
           f"{SEEDS[0]} seeds ({SEEDS[1]} with --quick, N = {N_FIG[1]}) for L ∈ {{{', '.join(map(str, SGD_LS[0]))}}} "
           f"up to α = {SGD_ALPHA_MAX[0]:g}. The ODE limit needs ηλ_1/N ≪ 1; with this normalisation λ_1 grows "
           f"like L (ηλ_1/N ≈ 0.06 at L = N = 1024), where SGD and ODE separate by a few per cent at the paper's N.")

CAPTIONS = {
    "online-sgd-learning-curves": (
        "Online SGD of erf soft committee machines (online-sgd-erf; Worschech & Rosenow, arXiv:2410.09005, "
        "figure 1 setting): generalisation error ε_g against α for K = M = 2 and several L. " + _COMMON +
        " Isotropic input (L = 1) shows the symmetric plateau and an exponential approach; as L grows the plateau "
        "shortens (escape time decreasing roughly like L^(−0.7), see the escape-time check) and the late "
        "approach becomes a power law."),
    "online-sgd-linear": (
        "Online SGD of the linear two-layer network (online-sgd-linear): ε_g against α for K = M = 2 and several "
        "L. " + _COMMON + " Dashed: the window law W-2, λ_+(1 + σ_J²)Γ(β/(1+β))/(2L(1+β)) (2ηλ_+α)^(−β/(1+β)), "
        "valid for 1/(ηλ_+) ≪ α ≪ 1/(ηλ_L); the exponential cut-off at rate 2ηλ_L follows."),
}
