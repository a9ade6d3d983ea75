"""The scaling laws of online SGD in the exponent table, with their numerical routes.

* ``sgd-trainable-dimensions`` (ε_g ∝ L_t^(−β), SGD with frozen coordinates; ``online-sgd-linear``):
  :mod:`derivations.online_sgd.trainable_law`.
* ``sgd-plateau-escape`` (τ_esc ∝ 1/η; ``online-sgd-erf``): :mod:`derivations.online_sgd.plateau_law`.
* ``sgd-erf-window`` (ε_g ∝ α^(−β/(1+β)) in the specialised phase of the erf machine; ``online-sgd-erf``):
  theory the L → ∞ bulk sum in τ = ηλ_+α at 30 digits; simulation online SGD (K = M = 2, unnormalised,
  N = 512, L = 64, η = 0.1) from J = B + σZ, σ = 0.1, a fixed orthonormal teacher and a fresh Z per seed,
  at α = 8…128 (inside both windows: the μ_+ mode's 0.2 … 760 and the μ_− mode's 2.6 … 10⁴); finite
  theory the generated ODEs from the mean initial order parameters.
* ``sgd-overrealizable`` (ε_g ∝ α^(−2) along the soft mode; ``online-sgd-overrealizable``): exact theory
  the reduced dynamics c₂(D₀/(1 + κD₀α))² of the entry's (soft-mode-decay), compiled by the bridge;
  simulation SGD from replicated weights against the full generated ODEs.
* ``sgd-linear-window`` (ε_g(α) ∝ α^(−β/(1+β)) for the linear two-layer network, K = M = 2,
  normalised outputs, in the power-law window; window-rate of ``online-sgd-linear``), β = 1:

  - exact theory: the small-η window sum at L → ∞, Σ_m m^(−(1+β)) e^(−2τ m^(−(1+β))) with
    τ = ηλ_+α (:func:`numerics.relaxation_sums.bias_sum`), local slopes at τ = 10²…10⁸;
  - simulation: online SGD of the network, N = 512 inputs in L = 64 blocks (trace-normalised
    power law, ηλ_1/N ≈ 0.004), η = 0.05, a fresh teacher B ~ N(0, 1) and student J ~ N(0, 0.01²)
    per seed; ε_g at α = 4…64 (inside the window 1/(ηλ_1) ≈ 0.5 ≪ α ≪ 1/(ηλ_L) ≈ 2000) from the
    seed's exact population error; the same fit of the exact W-1 solution at this N, L and η with the
    mean initial block errors ½λ_m f_m(1 + σ_J²) (the W-1 solution is linear in ε(0), so averaging
    over the initial weights is exact).

Each ``simulate(rng, sizes)`` returns the seed's whole curve; the random numbers are drawn from ``rng`` in
the order of the earlier one-size-per-call form (one run per seed, its draws made once).

>>> [law.name for law in laws()]
['sgd-trainable-dimensions', 'sgd-plateau-escape', 'sgd-erf-window', 'sgd-overrealizable', 'sgd-linear-window']
>>> {law.name: law.value() for law in laws()}["sgd-linear-window"]
0.5
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np

from derivations import registry
from derivations.engine.laws import Law, each_size
import derivations.online_sgd.erf_steps as erf_steps
import derivations.online_sgd.overrealizable_steps as overrealizable_steps
import derivations.online_sgd.plateau_law as plateau_law
import derivations.online_sgd.trainable_law as trainable_law
from derivations.online_sgd.late_checks import coefficients
from derivations.online_sgd.model import compiled_model
from derivations.online_sgd.overrealizable_checks import ETA as OVER_ETA
from derivations.online_sgd.overrealizable_checks import N_SGD, predicted, replicated_weights, theory_curve
from numerics.bridge import to_mpmath
from numerics.committee_blocks import block_order_parameters, eigenvalue_blocks, power_law_eigenvalues
from numerics.committee_ode import integrate_block_odes
from numerics.linear_sgd_errors import block_error_curve
from numerics.online_sgd_simulation import simulate_order_parameters
from numerics.relaxation_sums import bias_sum

BETA = 1.0


def check_parameters(params: dict) -> None:
    """The online-SGD laws hold for a spectral exponent β > 0 (λ_m ∝ m^(−(1+β))); a ValueError otherwise.

    >>> check_parameters({"beta": 0.0})
    Traceback (most recent call last):
    ...
    ValueError: beta (spectral exponent of λ_m ∝ m^(−(1+β))) must be > 0, got 0.0
    """
    if "beta" in params and not (params["beta"] > 0):
        raise ValueError(f"beta (spectral exponent of λ_m ∝ m^(−(1+β))) must be > 0, got {params['beta']!r}")


def _law(*args, **kwargs) -> Law:
    return Law(*args, catalogue=registry.get, check_parameters=check_parameters, **kwargs)


def _errors(paths, model):
    """ε_g of every simulated run at its recorded times, (runs, times)."""
    Q1, R1, T1 = paths.first_order()
    T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
    return model.population_error(Q1, R1, T1)


def _final_errors(paths, model):
    """ε_g of one simulated run (seeds=1) at its recorded times."""
    return _errors(paths, model)[0]


# ---- the linear window: ε_g ∝ α^(−β/(1+β)) ------------------------------------------------------------
N_SIM, L_SIM, ETA_SIM, SIGMA_J = 512, 64, 0.05, 0.01
SIZES = (4, 8, 16, 32, 64)


def _window_theory(tau):
    return bias_sum(tau, 1 + BETA, 1 + BETA)


def _spectrum():
    return power_law_eigenvalues(N_SIM, L_SIM, BETA)


def _window_observed(rng, sizes):
    """ε_g of one SGD run at the sizes (α): a fresh teacher and student, then the input stream's entropy."""
    B = rng.standard_normal((2, N_SIM))
    J = SIGMA_J * rng.standard_normal((2, N_SIM))
    entropy = int(rng.integers(2**62))
    paths = simulate_order_parameters(np.array(sizes, float), J, B, _spectrum(), ETA_SIM, activation="linear",
                                      normalized_outputs=True, seeds=1, entropy=entropy, progress=False)
    return [float(e) for e in _final_errors(paths, compiled_model(2, 2, "linear", True))]


@functools.cache
def _window_finite_curve():
    blocks = eigenvalue_blocks(_spectrum())
    eps0 = 0.5 * blocks.values * blocks.fractions * (1 + SIGMA_J**2)
    return block_error_curve(np.array(SIZES, float), eps0, blocks.values, blocks.fractions, ETA_SIM).sum(axis=1)


def _window_finite(alpha):
    return float(_window_finite_curve()[SIZES.index(alpha)])


# ---- over-realizable: ε_g ∝ α^(−2) ------------------------------------------------------------------
OVER_SIZES = (25, 50, 100, 200)


@functools.cache
def _over_weights():
    J, B, _ = replicated_weights(N_SGD, 0.05, seed=2)
    return J, B


@functools.lru_cache(maxsize=None)
def _over_curve(alphas: tuple):
    J, B = _over_weights()
    return theory_curve(np.array((0.0,) + alphas), J, B)[1:]


@functools.cache
def _soft_mode_decay():
    """ε_g(α; D₀, κ, c₂) of (soft-mode-decay), compiled to mpmath."""
    o = overrealizable_steps
    stmt = o.derivation()["soft-mode-decay"][1]
    if stmt.lhs != o.eps_g0:
        raise ValueError(f"unexpected statement of (soft-mode-decay): {stmt}")
    return to_mpmath(stmt.rhs, [o.alpha, o.D0, o.kappa_s, o.c2_s])


def _over_theory(alpha):
    """The reduced soft-mode dynamics (soft-mode-decay: c₂ D₀²/(1 + κD₀α)²) at mpmath precision, κ and c₂ of
    the derived steps at η_0 = 0.5; D₀ = |d|²/N of the weights."""
    J, _ = _over_weights()
    kappa, c2, _ = predicted()
    d0 = mpmath.mpf(float(np.sum(((J[0] - J[1]) / 2) ** 2) / J.shape[1]))
    return _soft_mode_decay()(alpha, d0, mpmath.mpf(kappa), mpmath.mpf(c2))


def _over_finite(alpha):
    return float(_over_curve(tuple(float(a) for a in OVER_SIZES))[OVER_SIZES.index(alpha)])


def _over_observed(rng, sizes):
    """ε_g of one SGD run from the replicated weights at the sizes (α)."""
    return _over_observed_seeds([rng], sizes)[0]


def _over_observed_seeds(generators, sizes):
    """The rows of :func:`_over_observed` of every generator, bit for bit, the runs simulated together."""
    J, B = _over_weights()
    paths = simulate_order_parameters(np.array(sizes, float), J, B, np.ones(N_SGD), OVER_ETA, activation="erf",
                                      normalized_outputs=False, entropies=[int(g.integers(2**62)) for g in generators],
                                      progress=False)
    return [[float(e) for e in row] for row in _errors(paths, compiled_model(2, 2, "erf", False))]


# ---- the specialised phase of the erf machine: ε_g ∝ α^(−β/(1+β)) -------------------------------------
#: simulation of the law: N inputs in L blocks (trace-normalised power law, β = 1), η, σ of J = B + σZ
LAW_N, LAW_L, LAW_ETA, LAW_SIGMA = 512, 64, 0.1, 0.1
LAW_SIZES = (8, 16, 32, 64, 128)


@functools.cache
def _bulk_rates():
    """μ_± of (bulk-rates) of ``online-sgd-erf``, compiled by the bridge (evaluated at the precision in force)."""
    return [to_mpmath(eq.rhs, []) for eq in registry.get(erf_steps.NAME)["bulk-rates"]]


def _late_theory(tau):
    """L → ∞ bulk form at mpmath precision: Σ_± μ_± Σ_m m^{−(1+β)} e^{−2μ_±τ m^{−(1+β)}}, τ = ηλ_+α, with μ_±
    the eigenvalues of H from (bulk-rates)."""
    mus = [mu() for mu in _bulk_rates()]
    return mpmath.fsum(mu * bias_sum(mu * tau, 1 + BETA, 1 + BETA) for mu in mus)


@functools.cache
def _late_setup():
    """Fixed orthonormal teacher (rows of norm √N: T = I) and the spectrum."""
    rng = np.random.default_rng(20241123)
    basis, _ = np.linalg.qr(rng.standard_normal((LAW_N, 2)))
    return np.sqrt(LAW_N) * basis.T, power_law_eigenvalues(LAW_N, LAW_L, BETA)


def _late_observed(rng, sizes):
    """ε_g at the sizes (α) of one SGD run from J = B + σZ: Z drawn from ``rng``, then the stream's entropy."""
    return _late_observed_seeds([rng], sizes)[0]


def _late_observed_seeds(generators, sizes):
    """The rows of :func:`_late_observed` of every generator, bit for bit, the runs simulated together."""
    B, lam = _late_setup()
    starts, entropies = [], []
    for g in generators:
        starts.append(B + LAW_SIGMA * g.standard_normal(B.shape))
        entropies.append(int(g.integers(2**62)))
    paths = simulate_order_parameters(np.array(sizes, float), np.array(starts), B, lam, LAW_ETA, activation="erf",
                                      normalized_outputs=False, entropies=entropies, progress=False)
    return [[float(e) for e in row] for row in _errors(paths, coefficients()[0])]


@functools.cache
def _late_finite_curve():
    """The generated ODEs from the mean initial order parameters over Z: q_m = t_m + σ²f_m I, r_m = t_m
    (ε_g is linear in the error modes to first order, so the mean over Z is exact to O(σ²))."""
    B, lam = _late_setup()
    blocks_ = eigenvalue_blocks(lam)
    _, _, t = block_order_parameters(B, B, blocks_)
    f = blocks_.fractions
    model, coef = coefficients()
    tr = integrate_block_odes(np.r_[0.0, LAW_SIZES], t + LAW_SIGMA**2 * f[:, None, None] * np.eye(2), t.copy(), t,
                              blocks_.values, f, LAW_ETA, coef, rtol=1e-8)
    return model.population_error(tr.Q1, tr.R1, tr.T1)[1:]


def _late_finite(alpha):
    return float(_late_finite_curve()[LAW_SIZES.index(alpha)])


# ---- the table ---------------------------------------------------------------------------------------

def _trainable_law() -> Law:
    t = trainable_law
    return _law(
        "sgd-trainable-dimensions", "online-sgd-linear", "trainable-rate", "linear two-layer network, online SGD",
        "ε_g(α → ∞)", "L_t", "top L_t of L blocks trained, the rest frozen; α ≫ 1/(ηλ_{L_t})", {"beta": t.BETA},
        t.tail_theory, t.simulate, t.finite_theory, t.SIZES, seeds=(32, 8), simulate_seeds=t.simulate_seeds,
        notes=f"simulation: K = M = 2, normalised outputs, N = {t.N_SIM}, L = {t.L_SIM} blocks, η = {t.ETA_SIM}, "
              f"σ_J = {t.SIGMA_J}, one fixed teacher and student (seeds: input streams, common to all L_t), "
              f"gradient masked outside the top L_t blocks, ε_g averaged over α(L_t) + (0, {t.WINDOW}] with "
              f"α(L_t) = {[t.training_alpha(x) for x in t.SIZES]} (W-1 leftover ≤ {t.LEFTOVER:g}·ε_g(∞)); finite "
              f"theory: W-1 with zero rows for frozen blocks from the same weights; theory: L = ∞, mean ε(0), "
              f"ε_frozen/(1 − ηS_t/2) by Hurwitz zeta")


def _plateau_law() -> Law:
    p = plateau_law
    return _law(
        "sgd-plateau-escape", "online-sgd-erf", "escape-eta-rate", "erf committee machine, K = M = 2",
        "τ_esc (Δρ = ½)", "(1/η)", "escape from the symmetric plateau, small η (L = 1, T = 1)", {},
        p.theory, each_size(p.escape_time_sgd), p.finite_theory, p.SIZES, seeds=p.SEEDS, scales=p.SCALES,
        simulate_seeds=p.escape_times_sgd,
        rel_step=p.REL_STEP,
        notes=f"theory: the generated ODEs in s = ηα (DOP853, rtol {p.RTOL:g}, float) from fixed order parameters "
              f"R⁰ = {p.R_SCALE}[[1 + d, 1 − d], [1 − d, 1 + d]], d = {p.ASYMMETRY}, Q⁰ = R⁰R⁰ᵀ + {p.SIGMA_PERP}², "
              f"T = 1; local slope with step {p.REL_STEP} in log x; simulation: online SGD, N = {p.N_SIM}, "
              f"unnormalised outputs, isotropic input, the same weights, η = 1/x, against the same fit of the ODEs "
              f"(s_esc ≈ 47, per-seed s.d. of ητ_esc ≈ 1.4 and 0.7 at η = 1/4 and 1/16; the SGD-noise bias, "
              f"∝ η/N, was not resolved: ≤ 0.002 in the slope at N = {p.N_SIM})")


def laws() -> list[Law]:
    """The five laws of online SGD, in the order of the exponent table."""
    return [
        _trainable_law(),
        _plateau_law(),
        _law("sgd-erf-window", erf_steps.NAME, "late-window-rate", "erf committee machine, K = M = 2",
             "ε_g(α)", "α", "specialised phase near the perfect solution, power-law window", {"beta": BETA},
             _late_theory, _late_observed, _late_finite, LAW_SIZES, seeds=(32, 12), simulate_seeds=_late_observed_seeds,
             notes=f"simulation: unnormalised outputs, N = {LAW_N}, L = {LAW_L} blocks, η = {LAW_ETA}, J = B + σZ "
                   f"with σ = {LAW_SIGMA}, fixed orthonormal teacher; theory: the L → ∞ bulk sum in τ = ηλ_+α; "
                   "finite theory: the generated ODEs from the mean initial order parameters"),
        _law("sgd-overrealizable", overrealizable_steps.NAME, "rate", "erf committee machine, K = 2 > M = 1",
             "ε_g(α)", "α", "approach to perfect learning along the soft mode (outputs rescaled by 1/K, 1/M)", {},
             _over_theory, _over_observed, _over_finite, OVER_SIZES, seeds=(16, 6), simulate_seeds=_over_observed_seeds,
             scales=(10**2, 10**3, 10**4, 10**5),
             notes="theory: the reduced soft-mode dynamics c₂(D₀/(1 + κD₀α))² (centre manifold, η_0 = 0.5); "
                   "simulation: online SGD from replicated weights (N = 256, D(0) = 0.05) against the same fit of "
                   "the generated ODEs from those weights; the finite-α slopes include α_0 = 1/(κD(0)) ≈ 82"),
        _law("sgd-linear-window", "online-sgd-linear", "window-rate", "linear two-layer network, online SGD",
             "ε_g(α)", "α", "power-law window 1/(ηλ_+) ≪ α ≪ 1/(ηλ_L), small η", {"beta": BETA},
             _window_theory, _window_observed, _window_finite, SIZES, seeds=(32, 8),
             notes=f"simulation: K = M = 2, normalised outputs, N = {N_SIM}, L = {L_SIM} blocks, η = {ETA_SIM}, "
                   f"σ_J = {SIGMA_J}, a fresh teacher per seed; theory: the L → ∞ window sum in τ = ηλ_+α"),
    ]
