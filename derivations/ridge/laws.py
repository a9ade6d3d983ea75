"""The scaling laws of ridge regression (entry ``ridge-exponents``) with their numerical routes: the exact
infinite-spectrum theory (:mod:`derivations.ridge.power_law_theory`, 30 digits) and a direct simulation at
D = 1000 against the finite-D deterministic equivalent (:func:`derivations.ridge.theory.learning_curve`).

>>> law = {l.name: l for l in laws()}["ridge-kappa-ridgeless"]
>>> law.derived(), law.value()
(alpha, 1.5)
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations import registry
from derivations.engine.laws import THEORY_DPS, Law, each_size
from derivations.ridge.power_law_theory import PowerLawSpectrum, ridge_learning_curve
from derivations.ridge.theory import learning_curve
from numerics.ridge_simulation import ridge_draw

def check_parameters(params: dict) -> None:
    """The exponents hold for capacity α > 1 (Σ_k k^(−α) converges), source r > 0, ridge decay l > 0 and
    width exponent q > 0; anything else is a ValueError naming the condition, never an exponent.

    >>> check_parameters({"alpha": 0.8, "r": 0.4})
    Traceback (most recent call last):
    ...
    ValueError: alpha (capacity) must be > 1: Σ_k k^(−α) diverges for α ≤ 1, got 0.8
    """
    PowerLawSpectrum(params.get("alpha", 2.0), params.get("r", 1.0))
    for name, meaning in (("l", "ridge decay λ = P^(−l)"), ("q", "width N = P^q"),
                          ("a", "column-variance exponent α_F of s_j = j^(−α_F)")):
        if name in params and not (params[name] > 0):
            raise ValueError(f"{name} ({meaning}) must be > 0, got {params[name]!r}")


def spectrum(law_params) -> PowerLawSpectrum:
    """The power-law spectrum at a law's α and r."""
    return PowerLawSpectrum(alpha=law_params["alpha"], r=law_params["r"])


# ---- ridge regression ------------------------------------------------------------------------
D_RIDGE = 1000


def ridge_theory(field_name, params, noise=0):
    l = params.get("l")

    def f(P):
        lam = 0 if l is None else P ** (-mpmath.mpf(l))
        return getattr(ridge_learning_curve(spectrum(params), P, lam, noise, dps=THEORY_DPS), field_name)
    return f


def ridge_finite(field_name, params, noise=0):
    eta, w = spectrum(params).arrays(D_RIDGE)
    l = params.get("l")
    return lambda P: float(getattr(learning_curve(eta, w, P, 0.0 if l is None else P ** -l, noise), field_name))


def _kappa_observed(rng, P, params):
    """κ from training data alone: ridgeless, P/Σ_i s_i⁻¹ over the Gram eigenvalues (the λ → 0 limit of
    λ/(1 − df¹_Σ̂(λ)/P)); with ridge, λ/(1 − tr Σ̂(Σ̂+λ)⁻¹/P)."""
    eta, _ = spectrum(params).arrays(D_RIDGE)
    X = rng.standard_normal((P, eta.size)) * np.sqrt(eta)
    s = np.linalg.eigvalsh(X @ X.T / P)
    l = params.get("l")
    if l is None:
        return P / np.sum(1 / s)
    lam = P ** -l
    return lam / (1 - np.sum(s / (s + lam)) / P)


def ridge_error(rng, P, params, noise, key):
    eta, w = spectrum(params).arrays(D_RIDGE)
    l = params.get("l")
    return ridge_draw(rng, eta, w, P, 0.0 if l is None else P ** -l, noise)[key]


def _noise_variance_given_X(rng, P, params, noise):
    """Var_Xε for one data draw, averaged over the label noise exactly given X:
    E_ε‖(Σ̂+λ)⁻¹Xᵀε/P‖²_Σ = (σ²/P) tr[Σ(Σ̂+λ)⁻¹Σ̂(Σ̂+λ)⁻¹] (Rao–Blackwell: same mean, less variance)."""
    eta, _ = spectrum(params).arrays(D_RIDGE)
    lam = P ** -params["l"]
    X = rng.standard_normal((P, eta.size)) * np.sqrt(eta)
    s, V = np.linalg.eigh(X @ X.T / P)                  # Σ̂ = XᵀX/P shares the nonzero spectrum
    s = np.clip(s, 0, None)
    # right singular vectors: columns of XᵀV/√(P s); tr[Σ Σ̂(Σ̂+λ)⁻²] = Σ_i s_i/(s_i+λ)² uᵢᵀΣuᵢ
    U = (X.T @ V) / np.sqrt(P * np.where(s > 0, s, 1))
    quad = np.sum(eta[:, None] * U ** 2, axis=0)
    return noise / P * float(np.sum(np.where(s > 0, s / (s + lam) ** 2 * quad, 0)))


def _law(*args, **kwargs) -> Law:
    return Law(*args, catalogue=registry.get, check_parameters=check_parameters, **kwargs)


def laws() -> list[Law]:
    """The six laws of ``ridge-exponents``."""
    base = {"alpha": 1.5, "r": 0.4}
    laws = [
        _law("ridge-kappa-ridgeless", "ridge-exponents", "kappa-rate-ridgeless", "ridge", "κ", "P", "ridgeless (λ = 0)",
            base, ridge_theory("kappa", base), each_size(functools.partial(_kappa_observed, params=base)),
            ridge_finite("kappa", base), (32, 64, 128, 256, 512), corrections=("1/x",),
            notes="κ self-averages: the simulation resolves the O(1/P) finite-size correction, which both fits carry"),
        _law("ridge-kappa-ridge-limited", "ridge-exponents", "kappa-rate", "ridge", "κ", "P",
            "ridge-limited (λ = P^(−l), l < α)", {**base, "l": 0.5}, ridge_theory("kappa", {**base, "l": 0.5}),
            each_size(functools.partial(_kappa_observed, params={**base, "l": 0.5})), ridge_finite("kappa", {**base, "l": 0.5}),
            (32, 64, 128, 256, 512), corrections=("1/x",),
            notes="κ self-averages: the simulation resolves the O(1/P) finite-size correction, which both fits carry"),
        _law("ridge-error-source", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridgeless, source-limited (r < 1)", {**base, "l": math.inf}, ridge_theory("E_g", base),
            each_size(functools.partial(ridge_error, params=base, noise=0.0, key="E_g_clean")), ridge_finite("E_g", base),
            (32, 64, 128, 256)),
        _law("ridge-error-capacity", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridgeless, capacity-limited (r > 1)", {"alpha": 1.5, "r": 1.5, "l": math.inf},
            ridge_theory("E_g", {"alpha": 1.5, "r": 1.5}),
            each_size(functools.partial(ridge_error, params={"alpha": 1.5, "r": 1.5}, noise=0.0, key="E_g_clean")),
            ridge_finite("E_g", {"alpha": 1.5, "r": 1.5}), (32, 64, 128, 256)),
        _law("ridge-error-ridge-limited", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridge-limited (λ = P^(−l), l < α)", {**base, "l": 0.5}, ridge_theory("E_g", {**base, "l": 0.5}),
            each_size(functools.partial(ridge_error, params={**base, "l": 0.5}, noise=0.0, key="E_g_clean")),
            ridge_finite("E_g", {**base, "l": 0.5}), (32, 64, 128, 256)),
        _law("ridge-noise-ridge-limited", "ridge-exponents", "noise-rate", "ridge", "Var_Xε", "P",
            "label noise, ridge-limited (l < α)", {**base, "l": 0.5}, ridge_theory("var_X_noise", {**base, "l": 0.5}, 1),
            each_size(functools.partial(_noise_variance_given_X, params={**base, "l": 0.5}, noise=1.0)),
            ridge_finite("var_X_noise", {**base, "l": 0.5}, 1.0), (32, 64, 128, 256)),
    ]
    return laws


