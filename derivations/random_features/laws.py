"""The scaling laws of linear random features (entries ``random-feature-exponents`` and
``structured-random-features``) with their two numerical routes: the exact infinite power-law theory
(:mod:`derivations.random_features.power_law_theory`, :mod:`derivations.random_features.structured_theory`, 30 digits)
and a seeded simulation against the finite-D deterministic equivalent.

>>> law = {l.name: l for l in laws()}["rf-width-limited-source"]
>>> law.derived(), law.value()
(alpha*Min(1, 2*r), 1.2)
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations import registry
from derivations.engine.laws import THEORY_DPS, Law, each_size
from derivations.random_features.power_law_theory import rf_learning_curve
from derivations.random_features.structured_theory import (column_sums_array, column_sums_power_law,
                                                           finite_width_variance, sigma_side_arrays,
                                                           sigma_side_power_law)
from derivations.random_features.theory import learning_curve, projection_level
from derivations.ridge import check_parameters, spectrum
from numerics.random_feature_simulation import draw_projection, random_feature_block, random_feature_fit

# ---- linear random features ------------------------------------------------------------------
D_RF = 1000


def _rf_theory(field_name, params, P, N, ridge=0):
    """A curve in one variable x of the infinite power-law random-feature theory; ``P`` and ``N`` are
    functions of x (or constants, or ``"inf"``)."""
    at = lambda v, x: v(x) if callable(v) else v
    return lambda x: getattr(rf_learning_curve(spectrum(params), at(P, x), at(N, x), ridge, 0, dps=THEORY_DPS),
                             field_name)


def _width_error_observed(rng, N, params, D=2000):
    """The infinite-data, ridgeless error of one projection: ‖(1 − Π)Σ^{1/2}w̄‖², Π the projector on the
    range of Σ^{1/2}F (the population least-squares fit in the features)."""
    eta, w = spectrum(params).arrays(D)
    Q, _ = np.linalg.qr(np.sqrt(eta)[:, None] * draw_projection(rng, D, N))
    v = np.sqrt(eta) * w
    return float(v @ v - np.sum((Q.T @ v) ** 2))


def _width_error_finite(N, params, D=2000):
    eta, w = spectrum(params).arrays(D)
    return float(projection_level(eta, w, [N], 0.0)["B1mean"])


def _variance_F_observed(rng, N, params, P=50, D=400):
    """Var_F at fixed P from one crossed block (4 projections × 4 data sets, unbiased two-way estimator)."""
    eta, w = spectrum(params).arrays(D)
    return random_feature_block(rng, eta, w, P, N, 0.0, 0.0, 4, 4)["var_F"]


def _variance_F_finite(N, params, P=50, D=400):
    eta, w = spectrum(params).arrays(D)
    return float(learning_curve(eta, w, P, N, 0.0).var_F)


def _phase_width(P, q):
    return int(round(P ** q))


def _phase_error_observed(rng, P, params, q, D=D_RF):
    """Noiseless test error of one ridgeless random-feature fit with N = P^q."""
    eta, w = spectrum(params).arrays(D)
    F = draw_projection(rng, D, _phase_width(P, q))
    X = rng.standard_normal((P, D)) * np.sqrt(eta)
    w_hat = random_feature_fit(X, X @ w, F, 0.0)
    return float(np.sum(eta * (w_hat - w) ** 2))


def _phase_error_finite(P, params, q, D=D_RF):
    eta, w = spectrum(params).arrays(D)
    return float(learning_curve(eta, w, P, _phase_width(P, q), 0.0).E_g)


def _law(*args, **kwargs) -> Law:
    return Law(*args, catalogue=registry.get, check_parameters=check_parameters, **kwargs)


def _rf_laws():
    src, cap = {"alpha": 1.5, "r": 0.4}, {"alpha": 1.5, "r": 0.8}
    phase = {"alpha": 1.5, "r": 1.0, "q": 1.5, "l": math.inf}
    return [
        _law("rf-width-limited-source", "random-feature-exponents", "width-limited-rate", "linear random features",
             "E_F B₁ (P = ∞)", "N", "width-limited, source-limited (2r < 1)", src,
             _rf_theory("E_g", src, "inf", lambda x: x), each_size(functools.partial(_width_error_observed, params=src)),
             functools.partial(_width_error_finite, params=src), (16, 32, 64, 128, 256)),
        _law("rf-width-limited-capacity", "random-feature-exponents", "width-limited-rate", "linear random features",
             "E_F B₁ (P = ∞)", "N", "width-limited, capacity-limited (2r > 1)", cap,
             _rf_theory("E_g", cap, "inf", lambda x: x), each_size(functools.partial(_width_error_observed, params=cap)),
             functools.partial(_width_error_finite, params=cap), (16, 32, 64, 128, 256)),
        _law("rf-variance-F", "random-feature-exponents", "variance-F-rate-N", "linear random features", "Var_F", "N",
             "overparameterised (N ≫ P), ridgeless, P = 50 (theory: P = 100)", cap,
             _rf_theory("var_F", cap, 100, lambda x: x), each_size(functools.partial(_variance_F_observed, params=cap)),
             functools.partial(_variance_F_finite, params=cap), (100, 200, 400, 800),
             scales=tuple(10 ** k for k in range(3, 9))),
        _law("rf-phase-variance-limited", "random-feature-exponents", "phase-diagram-noiseless",
             "linear random features", "E_g (σ = 0)", "P", "N = P^q with 1 < q < 1 + α, ridgeless: Var_F-limited",
             phase, _rf_theory("E_g", phase, lambda x: x, lambda x: x ** mpmath.mpf(1.5)),
             each_size(functools.partial(_phase_error_observed, params=phase, q=1.5)),
             functools.partial(_phase_error_finite, params=phase, q=1.5), (16, 32, 64, 128)),
    ]


# ---- anisotropic projections (finite-width exponent) -------------------------------------------------
D_STRUCT = 400


def _structured_theory(params, P):
    """Var_F(N) at fixed P, ridgeless, infinite power-law Σ, columns s_j = j^(−a) (Euler–Maclaurin sums)."""
    side = {}

    def f(N):
        if mpmath.mp.dps not in side:
            side[mpmath.mp.dps] = sigma_side_power_law(spectrum(params), P)
        return finite_width_variance(side[mpmath.mp.dps], lambda r: column_sums_power_law(params["a"], N, r), N)["var_F"]
    return f


def _structured_observed(rng, N, params, P):
    eta, w = spectrum(params).arrays(D_STRUCT)
    s = np.arange(1, N + 1, dtype=float) ** -params["a"]
    return random_feature_block(rng, eta, w, P, N, 0.0, 0.0, 4, 4, column_variances=s)["var_F"]


def _structured_finite(N, params, P):
    eta, w = spectrum(params).arrays(D_STRUCT)
    s = np.arange(1, N + 1, dtype=float) ** -params["a"]
    with mpmath.workdps(20):
        side = sigma_side_arrays(eta, w, P)
        return float(finite_width_variance(side, lambda r: column_sums_array(s, float(r)), N)["var_F"])


def _structured_laws():
    base = {"alpha": 1.7, "r": 0.8}
    laws = []
    for name, step, a, P_theory, scales, P_sim, regime in (
            ("rf-finite-width-window", "finite-width-exponent", 0.75, 10 ** 8, (10 ** 9, 10 ** 11, 10 ** 13, 10 ** 15), 40,
             "anisotropic columns s_j = j^(−α_F), ½ < α_F < 1, N^(1−α_F) ≪ (1 − α_F)P (P = 1e8 in theory)"),
            ("rf-finite-width-beyond", "finite-width-exponent-beyond", 0.75, 10, (10 ** 3, 10 ** 5, 10 ** 7, 10 ** 8), 4,
             "anisotropic columns, ½ < α_F < 1, N^(1−α_F) ≫ (1 − α_F)P (P = 10 in theory)"),
            ("rf-finite-width-steep", "finite-width-exponent", 0.3, 10 ** 4, (10 ** 5, 10 ** 6, 10 ** 7, 10 ** 8), 40,
             "anisotropic columns, α_F < ½ (P = 1e4 in theory)")):
        params = {**base, "a": a}
        laws.append(_law(name, "structured-random-features", step, "linear random features, anisotropic F",
                         f"Var_F (ridgeless, fixed P = {P_sim} in simulation)", "N", regime, params,
                         _structured_theory(params, P_theory),
                         each_size(functools.partial(_structured_observed, params=params, P=P_sim)),
                         functools.partial(_structured_finite, params=params, P=P_sim), (100, 200, 400, 800),
                         seeds=(32, 16), scales=scales))
    return laws


@functools.cache
def _all() -> tuple:
    return tuple(_rf_laws() + _structured_laws())


def laws() -> list[Law]:
    """The seven laws of ``random-feature-exponents`` (4) and ``structured-random-features`` (3)."""
    return list(_all())
