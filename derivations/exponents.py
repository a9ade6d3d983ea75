"""The exponent table: every derived scaling law with its two numerical confirmations.

A :class:`Law` names the catalogue step whose statement is the derived rate ρ (E ∝ x^(−ρ)),
the parameter values at which it is confirmed, and two independent numerical routes:

1. **exact theory** — the deterministic equivalent with an infinite power-law spectrum
   (:mod:`derivations.random_features.power_law`, sums to infinity in closed Mellin/Hurwitz form) at
   30 digits, its local slope d log E/d log x at x = 10², …, 10⁸, which must reach −ρ within
   0.01 at 10⁸ (or, extrapolated with a fitted correction x^(−ω), within its error);
2. **simulation** — the learning system itself at sizes this machine allows (finite D),
   per-seed curves, a least-squares slope with a bootstrap interval over seeds, which must
   contain the same fit applied to the exact theory at the same finite sizes.

``derivations exponents`` prints one row per law; each law is also an ``exponent`` check of
its catalogue entry, so ``verify`` runs it.

>>> law = LAWS["ridge-kappa-ridgeless"]
>>> law.derived(), law.value()
(alpha, 1.5)
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from numerics.exponent_fit import exact_fit_slope, fit_slope, local_slope
from numerics.precision import workdps
from numerics.simulation import spawn_generators

THEORY_DPS = 30
SCALES = tuple(10 ** k for k in range(2, 9))
TOLERANCE = 0.01
#: familywise level of the simulation intervals, shared (Bonferroni) by all laws of the table
FAMILYWISE = 1e-2


@dataclass(frozen=True)
class Law:
    """One derived scaling law and how to confirm it numerically."""

    name: str
    entry: str
    step: str
    model: str
    quantity: str
    variable: str
    regime: str
    parameters: dict
    theory: Callable                 # x (mpf) -> quantity, exact theory at infinite spectrum
    simulate: Callable               # (rng, x) -> one observation at size x
    finite_theory: Callable          # x -> the same quantity from the finite-D theory
    sizes: tuple                     # simulation sizes
    seeds: tuple = (64, 24)          # (full, quick)
    corrections: tuple = ()          # extra fit terms, e.g. ("1/x",) for self-averaging statistics
    scales: tuple = SCALES           # where the exact theory's local slope is taken
    notes: str = ""
    #: step in log x of the theory's local slope; None: ε^(1/3) of the working precision.  A theory
    #: computed in floats (an ODE integrated to a tolerance) needs a step much larger than its error.
    rel_step: float | None = None
    symbols: dict = field(default_factory=dict, compare=False)

    def derived(self) -> sp.Expr:
        """The rate as derived: the right side of the entry's step."""
        from derivations.registry import get
        return get(self.entry)[self.step].rhs

    def value(self) -> float:
        """The derived rate at the law's parameters (α > 1, r > 0, l, q > 0 checked first)."""
        check_parameters(self.parameters)
        expr = self.derived().subs({sp.Symbol(k, positive=True): sp.nsimplify(v) for k, v in self.parameters.items()})
        if expr.free_symbols:
            raise ValueError(f"law {self.name}: no value for {sorted(map(str, expr.free_symbols))} in its parameters")
        return float(expr)


def check_parameters(params: dict) -> None:
    """The exponents hold for capacity α > 1 (Σ_k k^(−α) converges), source r > 0, ridge decay l > 0 and
    width exponent q > 0; anything else is a ValueError naming the condition, never an exponent.

    >>> check_parameters({"alpha": 0.8, "r": 0.4})
    Traceback (most recent call last):
    ...
    ValueError: alpha (capacity) must be > 1: Σ_k k^(−α) diverges for α ≤ 1, got 0.8
    """
    from derivations.random_features.power_law import PowerLawSpectrum
    PowerLawSpectrum(params.get("alpha", 2.0), params.get("r", 1.0))
    for name, meaning in (("l", "ridge decay λ = P^(−l)"), ("q", "width N = P^q"),
                          ("a", "column-variance exponent α_F of s_j = j^(−α_F)")):
        if name in params and not (params[name] > 0):
            raise ValueError(f"{name} ({meaning}) must be > 0, got {params[name]!r}")


def _spectrum(law_params):
    from derivations.random_features.power_law import PowerLawSpectrum
    return PowerLawSpectrum(alpha=law_params["alpha"], r=law_params["r"])


# ---- ridge regression ------------------------------------------------------------------------
D_RIDGE = 1000


def _ridge_theory(field_name, params, noise=0):
    from derivations.random_features.power_law import ridge_learning_curve
    l = params.get("l")

    def f(P):
        lam = 0 if l is None else P ** (-mpmath.mpf(l))
        return getattr(ridge_learning_curve(_spectrum(params), P, lam, noise, dps=THEORY_DPS), field_name)
    return f


def _ridge_finite(field_name, params, noise=0):
    from derivations.ridge.steps import learning_curve
    eta, w = _spectrum(params).arrays(D_RIDGE)
    l = params.get("l")
    return lambda P: float(getattr(learning_curve(eta, w, P, 0.0 if l is None else P ** -l, noise), field_name))


def _kappa_observed(rng, P, params):
    """κ from training data alone: ridgeless, P/Σ_i s_i⁻¹ over the Gram eigenvalues (the λ → 0 limit of
    λ/(1 − df¹_Σ̂(λ)/P)); with ridge, λ/(1 − tr Σ̂(Σ̂+λ)⁻¹/P)."""
    eta, _ = _spectrum(params).arrays(D_RIDGE)
    X = rng.standard_normal((P, eta.size)) * np.sqrt(eta)
    s = np.linalg.eigvalsh(X @ X.T / P)
    l = params.get("l")
    if l is None:
        return P / np.sum(1 / s)
    lam = P ** -l
    return lam / (1 - np.sum(s / (s + lam)) / P)


def _ridge_error(rng, P, params, noise, key):
    from numerics.ridge_simulation import ridge_draw
    eta, w = _spectrum(params).arrays(D_RIDGE)
    l = params.get("l")
    return ridge_draw(rng, eta, w, P, 0.0 if l is None else P ** -l, noise)[key]


def _noise_variance_given_X(rng, P, params, noise):
    """Var_Xε for one data draw, averaged over the label noise exactly given X:
    E_ε‖(Σ̂+λ)⁻¹Xᵀε/P‖²_Σ = (σ²/P) tr[Σ(Σ̂+λ)⁻¹Σ̂(Σ̂+λ)⁻¹] (Rao–Blackwell: same mean, less variance)."""
    eta, _ = _spectrum(params).arrays(D_RIDGE)
    lam = P ** -params["l"]
    X = rng.standard_normal((P, eta.size)) * np.sqrt(eta)
    s, V = np.linalg.eigh(X @ X.T / P)                  # Σ̂ = XᵀX/P shares the nonzero spectrum
    s = np.clip(s, 0, None)
    # right singular vectors: columns of XᵀV/√(P s); tr[Σ Σ̂(Σ̂+λ)⁻²] = Σ_i s_i/(s_i+λ)² uᵢᵀΣuᵢ
    U = (X.T @ V) / np.sqrt(P * np.where(s > 0, s, 1))
    quad = np.sum(eta[:, None] * U ** 2, axis=0)
    return noise / P * float(np.sum(np.where(s > 0, s / (s + lam) ** 2 * quad, 0)))


def _ridge_laws():
    base = {"alpha": 1.5, "r": 0.4}
    laws = [
        Law("ridge-kappa-ridgeless", "ridge-exponents", "kappa-rate-ridgeless", "ridge", "κ", "P", "ridgeless (λ = 0)",
            base, _ridge_theory("kappa", base), functools.partial(_kappa_observed, params=base),
            _ridge_finite("kappa", base), (32, 64, 128, 256, 512), corrections=("1/x",),
            notes="κ self-averages: the simulation resolves the O(1/P) finite-size correction, which both fits carry"),
        Law("ridge-kappa-ridge-limited", "ridge-exponents", "kappa-rate", "ridge", "κ", "P",
            "ridge-limited (λ = P^(−l), l < α)", {**base, "l": 0.5}, _ridge_theory("kappa", {**base, "l": 0.5}),
            functools.partial(_kappa_observed, params={**base, "l": 0.5}), _ridge_finite("kappa", {**base, "l": 0.5}),
            (32, 64, 128, 256, 512), corrections=("1/x",),
            notes="κ self-averages: the simulation resolves the O(1/P) finite-size correction, which both fits carry"),
        Law("ridge-error-source", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridgeless, source-limited (r < 1)", {**base, "l": math.inf}, _ridge_theory("E_g", base),
            functools.partial(_ridge_error, params=base, noise=0.0, key="E_g_clean"), _ridge_finite("E_g", base),
            (32, 64, 128, 256)),
        Law("ridge-error-capacity", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridgeless, capacity-limited (r > 1)", {"alpha": 1.5, "r": 1.5, "l": math.inf},
            _ridge_theory("E_g", {"alpha": 1.5, "r": 1.5}),
            functools.partial(_ridge_error, params={"alpha": 1.5, "r": 1.5}, noise=0.0, key="E_g_clean"),
            _ridge_finite("E_g", {"alpha": 1.5, "r": 1.5}), (32, 64, 128, 256)),
        Law("ridge-error-ridge-limited", "ridge-exponents", "noiseless-rate", "ridge", "E_g (σ = 0)", "P",
            "ridge-limited (λ = P^(−l), l < α)", {**base, "l": 0.5}, _ridge_theory("E_g", {**base, "l": 0.5}),
            functools.partial(_ridge_error, params={**base, "l": 0.5}, noise=0.0, key="E_g_clean"),
            _ridge_finite("E_g", {**base, "l": 0.5}), (32, 64, 128, 256)),
        Law("ridge-noise-ridge-limited", "ridge-exponents", "noise-rate", "ridge", "Var_Xε", "P",
            "label noise, ridge-limited (l < α)", {**base, "l": 0.5}, _ridge_theory("var_X_noise", {**base, "l": 0.5}, 1),
            functools.partial(_noise_variance_given_X, params={**base, "l": 0.5}, noise=1.0),
            _ridge_finite("var_X_noise", {**base, "l": 0.5}, 1.0), (32, 64, 128, 256)),
    ]
    return laws


# ---- linear random features ------------------------------------------------------------------
D_RF = 1000


def _rf_theory(field_name, params, P, N, ridge=0):
    """A curve in one variable x of the infinite power-law random-feature theory; ``P`` and ``N`` are
    functions of x (or constants, or ``"inf"``)."""
    from derivations.random_features.power_law import rf_learning_curve
    at = lambda v, x: v(x) if callable(v) else v
    return lambda x: getattr(rf_learning_curve(_spectrum(params), at(P, x), at(N, x), ridge, 0, dps=THEORY_DPS), field_name)


def _width_error_observed(rng, N, params, D=2000):
    """The infinite-data, ridgeless error of one projection: ‖(1 − Π)Σ^{1/2}w̄‖², Π the projector on the
    range of Σ^{1/2}F (the population least-squares fit in the features)."""
    from numerics.random_feature_simulation import draw_projection
    eta, w = _spectrum(params).arrays(D)
    Q, _ = np.linalg.qr(np.sqrt(eta)[:, None] * draw_projection(rng, D, N))
    v = np.sqrt(eta) * w
    return float(v @ v - np.sum((Q.T @ v) ** 2))


def _width_error_finite(N, params, D=2000):
    from derivations.random_features.theory import projection_level
    eta, w = _spectrum(params).arrays(D)
    return float(projection_level(eta, w, [N], 0.0)["B1mean"])


def _variance_F_observed(rng, N, params, P=50, D=400):
    """Var_F at fixed P from one crossed block (4 projections × 4 data sets, unbiased two-way estimator)."""
    from numerics.random_feature_simulation import random_feature_block
    eta, w = _spectrum(params).arrays(D)
    return random_feature_block(rng, eta, w, P, N, 0.0, 0.0, 4, 4)["var_F"]


def _variance_F_finite(N, params, P=50, D=400):
    from derivations.random_features.steps import learning_curve
    eta, w = _spectrum(params).arrays(D)
    return float(learning_curve(eta, w, P, N, 0.0).var_F)


def _phase_width(P, q):
    return int(round(P ** q))


def _phase_error_observed(rng, P, params, q, D=D_RF):
    """Noiseless test error of one ridgeless random-feature fit with N = P^q."""
    from numerics.random_feature_simulation import draw_projection, random_feature_fit
    eta, w = _spectrum(params).arrays(D)
    F = draw_projection(rng, D, _phase_width(P, q))
    X = rng.standard_normal((P, D)) * np.sqrt(eta)
    w_hat = random_feature_fit(X, X @ w, F, 0.0)
    return float(np.sum(eta * (w_hat - w) ** 2))


def _phase_error_finite(P, params, q, D=D_RF):
    from derivations.random_features.steps import learning_curve
    eta, w = _spectrum(params).arrays(D)
    return float(learning_curve(eta, w, P, _phase_width(P, q), 0.0).E_g)


def _rf_laws():
    src, cap = {"alpha": 1.5, "r": 0.4}, {"alpha": 1.5, "r": 0.8}
    phase = {"alpha": 1.5, "r": 1.0, "q": 1.5, "l": math.inf}
    return [
        Law("rf-width-limited-source", "random-feature-exponents", "width-limited-rate", "linear random features",
            "E_F B₁ (P = ∞)", "N", "width-limited, source-limited (2r < 1)", src,
            _rf_theory("E_g", src, "inf", lambda x: x), functools.partial(_width_error_observed, params=src),
            functools.partial(_width_error_finite, params=src), (16, 32, 64, 128, 256)),
        Law("rf-width-limited-capacity", "random-feature-exponents", "width-limited-rate", "linear random features",
            "E_F B₁ (P = ∞)", "N", "width-limited, capacity-limited (2r > 1)", cap,
            _rf_theory("E_g", cap, "inf", lambda x: x), functools.partial(_width_error_observed, params=cap),
            functools.partial(_width_error_finite, params=cap), (16, 32, 64, 128, 256)),
        Law("rf-variance-F", "random-feature-exponents", "variance-F-rate-N", "linear random features", "Var_F", "N",
            "overparameterised (N ≫ P), ridgeless, P = 50 (theory: P = 100)", cap,
            _rf_theory("var_F", cap, 100, lambda x: x), functools.partial(_variance_F_observed, params=cap),
            functools.partial(_variance_F_finite, params=cap), (100, 200, 400, 800),
            scales=tuple(10 ** k for k in range(3, 9))),
        Law("rf-phase-variance-limited", "random-feature-exponents", "phase-diagram-noiseless", "linear random features",
            "E_g (σ = 0)", "P", "N = P^q with 1 < q < 1 + α, ridgeless: Var_F-limited", phase,
            _rf_theory("E_g", phase, lambda x: x, lambda x: x ** mpmath.mpf(1.5)),
            functools.partial(_phase_error_observed, params=phase, q=1.5),
            functools.partial(_phase_error_finite, params=phase, q=1.5), (16, 32, 64, 128)),
    ]


# ---- anisotropic projections (finite-width exponent) -------------------------------------------------
D_STRUCT = 400


def _structured_theory(params, P):
    """Var_F(N) at fixed P, ridgeless, infinite power-law Σ, columns s_j = j^(−a) (Euler–Maclaurin sums)."""
    from derivations.random_features.structured_theory import column_sums_power_law, finite_width_variance, sigma_side_power_law
    side = {}

    def f(N):
        if mpmath.mp.dps not in side:
            side[mpmath.mp.dps] = sigma_side_power_law(_spectrum(params), P)
        return finite_width_variance(side[mpmath.mp.dps], lambda r: column_sums_power_law(params["a"], N, r), N)["var_F"]
    return f


def _structured_observed(rng, N, params, P):
    from numerics.random_feature_simulation import random_feature_block
    eta, w = _spectrum(params).arrays(D_STRUCT)
    s = np.arange(1, N + 1, dtype=float) ** -params["a"]
    return random_feature_block(rng, eta, w, P, N, 0.0, 0.0, 4, 4, column_variances=s)["var_F"]


def _structured_finite(N, params, P):
    from derivations.random_features.structured_theory import column_sums_array, finite_width_variance, sigma_side_arrays
    eta, w = _spectrum(params).arrays(D_STRUCT)
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
        laws.append(Law(name, "structured-random-features", step, "linear random features, anisotropic F",
                        f"Var_F (ridgeless, fixed P = {P_sim} in simulation)", "N", regime, params,
                        _structured_theory(params, P_theory),
                        functools.partial(_structured_observed, params=params, P=P_sim),
                        functools.partial(_structured_finite, params=params, P=P_sim), (100, 200, 400, 800),
                        seeds=(32, 16), scales=scales))
    return laws


@functools.cache
def _all_laws() -> dict:
    from derivations.dmft.laws import dmft_laws
    from derivations.online_sgd.laws import online_sgd_laws
    return {law.name: law for law in (*_ridge_laws(), *_rf_laws(), *_structured_laws(), *dmft_laws(),
                                      *online_sgd_laws())}


class _Laws(dict):
    """Lazy mapping name → Law (the table is built on first use)."""

    def __missing__(self, key):
        table = _all_laws()
        if key not in table:
            raise KeyError(f"unknown law {key!r}; known: {', '.join(table)}")
        return table[key]

    def __iter__(self):
        return iter(_all_laws())

    def __len__(self):
        return len(_all_laws())

    def values(self):
        return _all_laws().values()


LAWS = _Laws()


# ---- confirmation --------------------------------------------------------------------------
@dataclass
class Confirmation:
    """The two numeric routes for one law."""

    law: Law
    derived: str
    value: float
    theory_slopes: dict
    theory_final: float
    theory_passed: bool
    theory_detail: str
    sim_fit: object
    sim_theory_slope: float
    sim_passed: bool

    @property
    def passed(self) -> bool:
        return self.theory_passed and self.sim_passed

    def row(self) -> dict:
        fit = self.sim_fit
        return {"law": self.law.name, "model": self.law.model, "quantity": self.law.quantity,
                "variable": self.law.variable, "regime": self.law.regime, "derived": self.derived,
                "parameters": {k: (str(v) if isinstance(v, float) and math.isinf(v) else v)
                               for k, v in self.law.parameters.items()},
                "value": self.value, "theory_slope": self.theory_final, "theory_detail": self.theory_detail,
                "simulation_slope": fit.slope, "simulation_interval": [fit.low, fit.high],
                "simulation_level": fit.level, "finite_theory_slope": self.sim_theory_slope,
                "sizes": list(self.law.sizes), "seeds": fit.n_seeds, "passed": self.passed}


def _extrapolate(xs, slopes):
    """s(x) = s∞ + c·x^(−ω) through the last three decades; returns (s∞, |s∞ − s(x_max)|) or None."""
    s1, s2, s3 = slopes[-3:]
    d1, d2 = s2 - s1, s3 - s2
    if d1 == 0 or d2 == 0 or (d2 / d1) <= 0 or (d2 / d1) >= 1:
        return None
    ratio = d2 / d1                       # = 10^(−ω) for decades
    s_inf = s3 + d2 * ratio / (1 - ratio)
    return s_inf, abs(s_inf - s3)


def confirm(law: Law, quick: bool = False, executor=None, n_laws: int | None = None) -> Confirmation:
    """Run both routes for ``law``."""
    rate = law.value()
    with workdps(THEORY_DPS):
        step = None if law.rel_step is None else mpmath.mpf(law.rel_step)
        slopes = {x: float(local_slope(law.theory, mpmath.mpf(x), rel_step=step)) for x in law.scales}
    xs = list(slopes)
    final = slopes[xs[-1]]
    diff = abs(final + rate)
    if diff < TOLERANCE:
        ok, detail = True, f"local slope at {xs[-1]:.0e}: {final:+.4f} (|Δ| = {diff:.1e} < {TOLERANCE})"
    else:
        ext = _extrapolate(xs, [slopes[x] for x in xs])
        ok = ext is not None and abs(ext[0] + rate) < max(TOLERANCE, ext[1])
        detail = (f"local slope at {xs[-1]:.0e}: {final:+.4f}; " +
                  (f"extrapolated {ext[0]:+.4f} ± {ext[1]:.1e}" if ext else "no monotone convergence to extrapolate"))
    n_seeds = law.seeds[1 if quick else 0]
    sizes = np.asarray(law.sizes, float)
    rows = _simulate(law, n_seeds, executor)
    level = 1 - FAMILYWISE / (n_laws or len(LAWS))
    fit = fit_slope(sizes, rows, level=level, n_boot=4000, entropy=[20241123, *[ord(c) for c in law.name]],
                    corrections=law.corrections)
    finite = exact_fit_slope(sizes, [law.finite_theory(int(x)) for x in sizes], law.corrections)
    return Confirmation(law, str(law.derived()), rate, slopes, final, ok, detail, fit, finite, fit.contains(finite))


def _seed_row(rng, law):
    return [law.simulate(rng, int(x)) for x in law.sizes]


def _simulate(law, n_seeds, executor):
    entropy = [20241123, *[ord(c) for c in law.name]]
    gens = spawn_generators(entropy, n_seeds)
    if executor is None:
        return np.array([_seed_row(g, law) for g in gens])
    return np.array(list(executor.map(_seed_row, gens, [law] * n_seeds)))
