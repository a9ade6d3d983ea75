"""Plateau escape of online SGD: τ_esc ∝ 1/η (``online-sgd-erf``, the numbers of law ``sgd-plateau-escape``).

The steps (:func:`derivations.online_sgd.plateau_steps.escape_steps`, appended to ``online-sgd-erf`` after
its plateau steps) say: every right side of (block-odes) is ηF + η²G with F, G free of η (F: the I_3
terms, G: the I_4 and noise terms), so in the rescaled time s = ηα

    dX/ds = F(X) + ηG(X)  →  F(X)  (η → 0),

equations without η.  The escape time is defined by a threshold on the trajectory: τ_esc is the
first α at which Δρ = mean_i(max_n ρ_in − min_n ρ_in), ρ_in = R_in/√(Q_ii T_nn), reaches ½ (the
units have specialised half-way).  From initial order parameters that do not depend on η, the
η → 0 trajectory in s, and with it its first crossing s_esc, is η-free, so τ_esc = s_esc/η and
τ_esc ∝ (1/η)¹: the rate in x = 1/η is −1 (a growing time; the table's convention E ∝ x^(−ρ)).  The
argument is exact for the η → 0 equations; at finite η the crossing in s moves by O(η) (the η²G
terms; SGD noise adds O(η/N) on average).  The small-η time scale 1/η of the symmetric phase is that
of Saad & Solla's analysis (Phys. Rev. E 52, 4225 (1995)); the block equations are those of Worschech
& Rosenow, arXiv:2410.09005.

Law (in :func:`derivations.online_sgd.laws.laws`), x = 1/η, K = M = 2, erf, unnormalised outputs, isotropic input (L = 1),
teacher rows exactly orthogonal with T = I, student J_i = Σ_n R⁰_in B_n + σ_⊥ e_i (e_i ⊥ B, |e_i|² = N),
R⁰ = a[[1 + d, 1 − d], [1 − d, 1 + d]], a = 0.1, d = 0.1, σ_⊥ = 0.1: Q⁰ = R⁰R⁰ᵀ + σ_⊥²·1 exactly, for
every N.  The student falls onto the plateau (ε_g ≈ 0.012, Δρ ≈ 0.04 at s ≈ 4) and leaves it at
s_esc ≈ 47.

* theory(x): τ_esc of the generated ODEs at η = 1/x from these order parameters, integrated in s
  (DOP853, rtol 1e-10, the crossing located by the integrator's dense output), so the cost does not
  grow with x; a float (about ten correct digits), hence ``rel_step``.
* simulate(rng, sizes), one :func:`escape_time_sgd` per size: online SGD from the weights above at N = 128, η = 1/x, the order parameters
  recorded every 0.25 in s; τ_esc of the seed by the same criterion, interpolated in log α.
* finite_theory(x): theory(x) from the order parameters of the same weights (equal to round-off).

SGD noise.  The fluctuations of the order parameters are O(√(η/N)) in s; near the saddle they add to
the asymmetry Δρ ≈ 0.04 with which the student reaches the plateau.  To first order they only spread
τ_esc (per-seed standard deviation of s_esc measured 1.4, 1.0, 0.7 at η = 1/4, 1/8, 1/16, N = 128;
2.7 and 1.4 at η = 1/4, 1/16, N = 32: ∝ √(η/N)); a bias of the mean is second order, ∝ η/N.  Measured
(N = 32, 64, 128, η = 1/4 … 1/16, about 850 seeds): mean SGD − ODE in s_esc = c + b·η/N with
b = −29 ± 25, c = 0.08 ± 0.05 (χ² 7.0 for 10 dof), i.e. no η-dependent bias resolved; at N = 128 it
moves the fitted slope over x = 4 … 16 by −0.0006 ± 0.0006, far inside the bootstrap interval
(half-width ≈ 0.02 with 8 seeds, 0.015 with 24).

>>> Q0, R0, T = initial_overlaps()
>>> Q0.round(6).tolist(), round(float(spread(Q0, R0, T)), 4)      # Δρ(0) well below ½
([[0.0302, 0.0198], [0.0198, 0.0302]], 0.1151)
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy.integrate import solve_ivp

from derivations.online_sgd.model import compiled_model, initial_order_parameters, spread
from numerics.committee_ode import block_rhs
from numerics.online_sgd_simulation import simulate_order_parameters

#: the escape criterion: Δρ reaches this value
THRESHOLD = 0.5
#: initial order parameters: R⁰ = a[[1 + d, 1 − d], [1 − d, 1 + d]], Q⁰ = R⁰R⁰ᵀ + σ_⊥², T = 1
R_SCALE, ASYMMETRY, SIGMA_PERP = 0.1, 0.1, 0.1
#: the simulation: input dimension, sizes x = 1/η, recording interval in s = ηα
N_SIM = 128
SIZES = (4, 8, 16)
S_RECORD = 0.25
#: the theory: tolerance of the ODE integration, scales of the local slope, step in log x
RTOL, ATOL = 1e-10, 1e-14
SCALES = tuple(10 ** k for k in range(1, 7))
REL_STEP = 0.1
SEEDS = (24, 8)


# ---- the criterion -------------------------------------------------------------------------------

def crossing(alphas, values, threshold=THRESHOLD):
    """First α at which ``values`` reach ``threshold``, linear interpolation in log α; nan if never.

    >>> round(crossing([1.0, 4.0], [0.0, 1.0], 0.5), 12)
    2.0
    """
    alphas, values = np.asarray(alphas, float), np.asarray(values, float)
    above = values >= threshold
    if not above.any():
        return math.nan
    i = int(np.argmax(above))
    if i == 0:
        raise ValueError(f"the criterion holds already at the first time α = {alphas[0]:g}")
    w = (threshold - values[i - 1]) / (values[i] - values[i - 1])
    return float(np.exp(np.log(alphas[i - 1]) + w * (np.log(alphas[i]) - np.log(alphas[i - 1]))))


# ---- initial state -------------------------------------------------------------------------------

def initial_overlaps():
    """(Q⁰, R⁰, T) of the law, independent of η and N."""
    a, d = R_SCALE, ASYMMETRY
    R0 = a * np.array([[1 + d, 1 - d], [1 - d, 1 + d]])
    return R0 @ R0.T + SIGMA_PERP ** 2 * np.eye(2), R0, np.eye(2)


@functools.cache
def escape_weights(N=N_SIM):
    """(J, B): teacher rows √N·u_n, student J_i = Σ_n R⁰_in B_n + σ_⊥√N·u_{2+i}, u orthonormal (QR of a
    fixed Gaussian matrix), so that the order parameters are those of :func:`initial_overlaps`."""
    _, R0, _ = initial_overlaps()
    u, _ = np.linalg.qr(np.random.default_rng(20241123).standard_normal((N, 4)))
    B = np.sqrt(N) * u[:, :2].T
    J = R0 @ B + SIGMA_PERP * np.sqrt(N) * u[:, 2:].T
    return J, B


# ---- the ODEs in s = ηα ---------------------------------------------------------------------------

def escape_time_ode(eta, overlaps=None, rtol=RTOL, atol=ATOL, s_max=1000.0):
    """τ_esc (in α) of the generated ODEs at learning rate η, isotropic input, from ``overlaps`` =
    (Q⁰, R⁰, T) (default :func:`initial_overlaps`).

    Integrated in s = ηα: dq/ds = Aq + qAᵀ + Brᵀ + rBᵀ + ηE, dr/ds = Ar + Bt (the block equations at
    L = 1 divided by η; :func:`numerics.committee_ode.block_rhs` at η = 1 with E scaled by η), by
    DOP853; the crossing Δρ = ½ is located on the dense output.  Returns s_esc/η.
    """
    eta = float(eta)
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be finite and > 0, got {eta!r}")
    Q0, R0, T = initial_overlaps() if overlaps is None else (np.asarray(o, float) for o in overlaps)
    model = compiled_model(2, 2, "erf", False)

    def coefficients(Q1, R1, T1):
        A, B, E = model.coefficients(Q1, R1, T1, 0.0)
        return A, B, eta * E

    def rhs(s, y):
        dq, dr = block_rhs(y[:4].reshape(1, 2, 2), y[4:].reshape(1, 2, 2), T[None], [1.0], [1.0], 1.0,
                           coefficients)
        return np.concatenate([dq.ravel(), dr.ravel()])

    def event(s, y):
        return float(spread(y[:4].reshape(2, 2), y[4:].reshape(2, 2), T)) - THRESHOLD
    event.terminal, event.direction = True, 1
    y0 = np.concatenate([np.asarray(Q0, float).ravel(), np.asarray(R0, float).ravel()])
    if event(0.0, y0) >= 0:
        raise ValueError("the initial state already meets the escape criterion")
    sol = solve_ivp(rhs, (0.0, s_max), y0, method="DOP853", rtol=rtol, atol=atol, events=event)
    if not sol.success or not len(sol.t_events[0]):
        raise ValueError(f"no escape by s = {s_max:g} at η = {eta:g} ({sol.message})")
    return float(sol.t_events[0][0]) / eta


def theory(x):
    """τ_esc at η = 1/x (x may be an mpf; the result is a float)."""
    return escape_time_ode(1 / float(x))


@functools.cache
def finite_theory(x):
    """τ_esc at η = 1/x from the order parameters of :func:`escape_weights` at N_SIM."""
    J, B = escape_weights(N_SIM)
    q, r, t, _ = initial_order_parameters(J, B, np.ones(N_SIM))
    return escape_time_ode(1 / float(x), (q[0], r[0], t[0]))


# ---- online SGD ------------------------------------------------------------------------------------

def escape_time_sgd(rng, x, N=N_SIM):
    """τ_esc of one online-SGD run at η = 1/x from :func:`escape_weights` (Δρ recorded every S_RECORD
    in s = ηα, interpolated in log α).  The run goes to 1.25·s_esc of the ODEs; a seed that has not
    crossed by then is run again, from the start and with the same inputs (the input stream of a seed
    does not depend on the length of the run), to twice that time."""
    return _escape_times(x, [int(rng.integers(2 ** 62))], N)[0]


def escape_times_sgd(generators, sizes, N=N_SIM):
    """The rows ``[escape_time_sgd(g, x) for x in sizes]`` of every generator g, equal bit for bit (each g
    gives one entropy per size, in order), with the seeds of each size simulated together."""
    entropies = [[int(g.integers(2 ** 62)) for _ in sizes] for g in generators]
    columns = [_escape_times(x, [e[i] for e in entropies], N) for i, x in enumerate(sizes)]
    return [list(row) for row in zip(*columns)]


def _escape_times(x, entropies, N):
    """τ_esc of the runs with these input-stream entropies at η = 1/x (see :func:`escape_time_sgd`)."""
    eta = 1.0 / x
    J, B = escape_weights(N)
    s_end = 1.25 * finite_theory(x) * eta
    taus, todo = [math.nan] * len(entropies), list(range(len(entropies)))
    for _ in range(3):
        s = np.arange(1, int(math.ceil(s_end / S_RECORD)) + 1) * S_RECORD
        paths = simulate_order_parameters(s / eta, J, B, np.ones(N), eta, activation="erf",
                                          normalized_outputs=False, entropies=[entropies[j] for j in todo],
                                          progress=False)
        Q1, R1, T1 = paths.first_order()
        for k, j in enumerate(todo):
            taus[j] = crossing(paths.alphas_done, spread(Q1[k], R1[k], T1))   # the α reached, steps/N
        todo = [j for j in todo if not math.isfinite(taus[j])]
        if not todo:
            return taus
        s_end *= 2
    raise ValueError(f"no escape of the SGD run by s = {s_end / 2:g} at η = {eta:g}")
