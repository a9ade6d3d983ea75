"""The online-SGD laws of the exponent table (:mod:`derivations.exponents`).

``sgd-trainable-dimensions`` (ε_g ∝ L_t^(−β), SGD with frozen coordinates): see
:mod:`derivations.online_sgd.trainable_law`; ``sgd-plateau-escape`` (τ_esc ∝ 1/η):
:mod:`derivations.online_sgd.plateau_law`; ``sgd-erf-window`` (ε_g ∝ α^(−β/(1+β)) in the
specialised phase of the erf machine): :mod:`derivations.online_sgd.late_checks`.

``sgd-overrealizable``: ε_g ∝ α^(−2) along the soft mode of the over-realizable machine (rate of
``online-sgd-overrealizable``).  Exact theory: the reduced dynamics c₂(D₀/(1 + κD₀α))² of the entry's
centre-manifold steps; simulation: SGD from replicated weights against the full generated ODEs.

``sgd-linear-window``: ε_g(α) ∝ α^(−β/(1+β)) for the linear two-layer network (K = M = 2,
normalised outputs) in the power-law window (window-rate of ``online-sgd-linear``), β = 1.

* Exact theory: the small-η window sum at L → ∞, Σ_m m^(−(1+β)) e^(−2τ m^(−(1+β))) with
  τ = ηλ_+α (:func:`numerics.relaxation_sums.bias_sum`), local slopes at τ = 10²…10⁸.
* Simulation: online SGD of the network, N = 512 inputs in L = 64 blocks (trace-normalised
  power law, ηλ_1/N ≈ 0.004), η = 0.05, a fresh teacher B ~ N(0, 1) and student J ~ N(0, 0.01²)
  per seed; ε_g at α = 4…64 (inside the window 1/(ηλ_1) ≈ 0.5 ≪ α ≪ 1/(ηλ_L) ≈ 2000) from the
  seed's exact population error; the same fit of the exact W-1 solution at this N, L and η with the
  mean initial block errors ½λ_m f_m(1 + σ_J²) (the W-1 solution is linear in ε(0), so averaging
  over the initial weights is exact).
"""
from __future__ import annotations

import functools

import numpy as np

BETA = 1.0
N_SIM, L_SIM, ETA_SIM, SIGMA_J = 512, 64, 0.05, 0.01
SIZES = (4, 8, 16, 32, 64)


def _window_theory(tau):
    from numerics.relaxation_sums import bias_sum
    return bias_sum(tau, 1 + BETA, 1 + BETA)


def _spectrum():
    from numerics.committee_blocks import power_law_eigenvalues
    return power_law_eigenvalues(N_SIM, L_SIM, BETA)


_RUNS: dict = {}


def _window_observed(rng, alpha):
    """ε_g of one SGD run at α; the run (to the largest size) is made once per generator."""
    key = id(rng)
    if key not in _RUNS or _RUNS[key][0] is not rng:
        _RUNS.clear()                               # one generator at a time (seeds run in order)
        _RUNS[key] = (rng, _one_run(rng))
    return float(_RUNS[key][1][SIZES.index(alpha)])


def _one_run(rng):
    from derivations.online_sgd.model import compiled_model
    from numerics.online_sgd_simulation import simulate_order_parameters
    B = rng.standard_normal((2, N_SIM))
    J = SIGMA_J * rng.standard_normal((2, N_SIM))
    entropy = int(rng.integers(2**62))
    paths = simulate_order_parameters(np.array(SIZES, float), J, B, _spectrum(), ETA_SIM, activation="linear",
                                      normalized_outputs=True, seeds=1, entropy=entropy, progress=False)
    Q1, R1, T1 = paths.first_order()
    T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
    return compiled_model(2, 2, "linear", True).population_error(Q1, R1, T1)[0]


@functools.lru_cache(maxsize=None)
def _window_finite_curve():
    from numerics.committee_blocks import eigenvalue_blocks
    from numerics.linear_sgd_errors import block_error_curve
    blocks = eigenvalue_blocks(_spectrum())
    eps0 = 0.5 * blocks.values * blocks.fractions * (1 + SIGMA_J**2)
    return block_error_curve(np.array(SIZES, float), eps0, blocks.values, blocks.fractions, ETA_SIM).sum(axis=1)


def _window_finite(alpha):
    return float(_window_finite_curve()[SIZES.index(alpha)])


# ---- over-realizable: ε_g ∝ α^(−2) ------------------------------------------------------------------
OVER_SIZES = (25, 50, 100, 200)


@functools.cache
def _over_weights():
    from derivations.online_sgd.overrealizable_checks import N_SGD, replicated_weights
    J, B, _ = replicated_weights(N_SGD, 0.05, seed=2)
    return J, B


@functools.lru_cache(maxsize=None)
def _over_curve(alphas: tuple):
    from derivations.online_sgd.overrealizable_checks import theory_curve
    J, B = _over_weights()
    return theory_curve(np.array((0.0,) + alphas), J, B)[1:]


def _over_theory(alpha):
    """The reduced soft-mode dynamics (reduced-dynamics, soft-mode-error): c₂ (D₀/(1 + κD₀α))², at mpmath
    precision; D₀ = |d|²/N of the weights."""
    import mpmath
    from derivations.online_sgd.overrealizable_checks import predicted
    J, _ = _over_weights()
    kappa, c2, _ = predicted()
    d0 = mpmath.mpf(float(np.sum(((J[0] - J[1]) / 2) ** 2) / J.shape[1]))
    return mpmath.mpf(c2) * (d0 / (1 + mpmath.mpf(kappa) * d0 * alpha)) ** 2


def _over_finite(alpha):
    return float(_over_curve(tuple(float(a) for a in OVER_SIZES))[OVER_SIZES.index(alpha)])


def _over_observed(rng, alpha):
    from derivations.online_sgd.overrealizable_checks import ETA, N_SGD
    from derivations.online_sgd.model import compiled_model
    from numerics.online_sgd_simulation import simulate_order_parameters
    key = id(rng)
    if key not in _RUNS or _RUNS[key][0] is not rng or len(_RUNS[key][1]) != len(OVER_SIZES):
        _RUNS.clear()
        J, B = _over_weights()
        paths = simulate_order_parameters(np.array(OVER_SIZES, float), J, B, np.ones(N_SGD), ETA, activation="erf",
                                          normalized_outputs=False, seeds=1, entropy=int(rng.integers(2**62)),
                                          progress=False)
        Q1, R1, T1 = paths.first_order()
        T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
        _RUNS[key] = (rng, compiled_model(2, 2, "erf", False).population_error(Q1, R1, T1)[0])
    return float(_RUNS[key][1][OVER_SIZES.index(alpha)])


def online_sgd_laws():
    from derivations.online_sgd.late_checks import late_laws
    from derivations.online_sgd.plateau_law import plateau_laws
    from derivations.online_sgd.trainable_law import trainable_laws
    from derivations.exponents import Law
    return [*trainable_laws(), *plateau_laws(), *late_laws(),
        Law("sgd-overrealizable", "online-sgd-overrealizable", "rate", "erf committee machine, K = 2 > M = 1",
            "ε_g(α)", "α", "approach to perfect learning along the soft mode (outputs rescaled by 1/K, 1/M)", {},
            _over_theory, _over_observed, _over_finite, OVER_SIZES, seeds=(16, 6), scales=(10**2, 10**3, 10**4, 10**5),
            notes="theory: the reduced soft-mode dynamics c₂(D₀/(1 + κD₀α))² (centre manifold, η_0 = 0.5); "
                  "simulation: online SGD from replicated weights (N = 256, D(0) = 0.05) against the same fit of "
                  "the generated ODEs from those weights; the finite-α slopes include α_0 = 1/(κD(0)) ≈ 82"),
        Law("sgd-linear-window", "online-sgd-linear", "window-rate", "linear two-layer network, online SGD",
            "ε_g(α)", "α", "power-law window 1/(ηλ_+) ≪ α ≪ 1/(ηλ_L), small η", {"beta": BETA},
            _window_theory, _window_observed, _window_finite, SIZES, seeds=(32, 8),
            notes=f"simulation: K = M = 2, normalised outputs, N = {N_SIM}, L = {L_SIM} blocks, η = {ETA_SIM}, "
                  f"σ_J = {SIGMA_J}, a fresh teacher per seed; theory: the L → ∞ window sum in τ = ηλ_+α"),
    ]
