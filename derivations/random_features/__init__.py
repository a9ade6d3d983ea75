"""Linear random features (entries ``linear-random-features``, ``random-feature-exponents``,
``structured-random-features`` and ``random-feature-dynamics``): ridge regression on random projections, its
two-level renormalisation, the variance decomposition, the infinite power-law theory, the scaling laws in
width, data and ridge, and training by gradient flow in time (κ(s), transfer functions).

Reads bottom-up like the paper (Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592):
:mod:`.steps` (S-transforms of the projections → κ₁, κ₂, ∂ → fixed-F error → average over F → ensembles
and decomposition) ← :mod:`.theory` (the learning curve compiled from the steps) ← :mod:`.power_law_theory`
(the same with an infinite power-law spectrum) ← :mod:`.structured_steps`, :mod:`.structured_theory`
(anisotropic columns) ← :mod:`.exponent_steps` (the rates) ← :mod:`.numeric_checks`, :mod:`.checks`,
:mod:`.structured_checks` (identities, limits, simulations) ← :mod:`.laws` (the exponent table's rows) ←
:mod:`.figures` ← this face.  The dynamics: :mod:`.dynamics_steps` (the flow as ridge regression at ridge s,
κ(s), Ĥ_k(s)), :mod:`.dynamics_loss_steps`, :mod:`.dynamics_compute_steps`, :mod:`.dynamics_rate_steps`
(the whole loss, compute-optimal exponents, bottleneck rates) ← :mod:`.dynamics_theory` (with
:mod:`numerics.spectral_quadrature` for large and infinite spectra), :mod:`.dynamics_discrete_steps` and
:mod:`.dynamics_discrete_theory` (gradient descent with step h), :mod:`.dynamics_sgd_steps` and
:mod:`.dynamics_sgd_theory` (one-pass SGD with batch B), :mod:`.dynamics_phase_steps` (the compute-optimal phases
of flow and SGD) ← :mod:`.dynamics_checks`, :mod:`.dynamics_sgd_checks` ← :mod:`.dynamics_laws`.

>>> r = learning_curve([1.0] * 100, [0.1] * 100, P=400, N=50, ridge=0.0)  # width-limited, isotropic
>>> round(float(r.kappa2), 12), round(float(r.partial), 12)               # d = N/D = 1/2: κ₂ = 1
(1.0, 0.0)
>>> sorted(FIGURES)
['phase-diagram', 'random-feature-dynamics', 'random-feature-learning-curve', 'sgd-phases']
"""
from __future__ import annotations

import functools

from derivations import registry
from derivations.engine import Entry
from derivations.engine.figures import FigureSpec
from derivations.engine.laws import attach_law_checks
from derivations.random_features import (checks, dynamics_checks, dynamics_discrete_steps, dynamics_figures,
                                         dynamics_phase_steps, dynamics_rate_steps,
                                         dynamics_sgd_checks, dynamics_sgd_figures, dynamics_sgd_steps, dynamics_stability_checks,
                                         dynamics_steps, exponent_steps, figures, steps,
                                         structured_checks, structured_steps)
import derivations.random_features.dynamics_laws as dynamics_laws
import derivations.random_features.dynamics_sgd_laws as dynamics_sgd_laws
import derivations.random_features.laws as static_laws
from derivations.random_features.power_law_theory import rf_learning_curve as power_law_learning_curve
from derivations.random_features.structured_theory import (column_sums_array, column_sums_power_law,
                                                           finite_width_variance)
from derivations.random_features.dynamics_discrete_theory import (discrete_loss_curve, discrete_transfer_functions,
                                                                  gd_stability_limit, spectrum_edge)
from derivations.random_features.dynamics_sgd_theory import (SGDCurve, sgd_compute_optimal, sgd_flow_loss_curve,
                                                             sgd_loss_curve, sgd_recursion_loss)
from derivations.random_features.dynamics_precise_theory import loss_curve
from derivations.random_features.dynamics_theory import (ComputeFrontier, LossCurve, compute_optimal,
                                                         mean_predictor_loss, power_law_spectrum, transfer_functions)
from derivations.random_features.theory import RandomFeatureResult, learning_curve, projection_level, solve_kappa2

__all__ = ["ComputeFrontier", "ENTRIES", "FIGURES", "LossCurve", "RandomFeatureResult", "build_dynamics", "build_exponents", "build_linear",
           "build_structured", "column_sums_array", "compute_optimal", "column_sums_power_law", "discrete_loss_curve", "discrete_transfer_functions", "gd_stability_limit", "spectrum_edge", "finite_width_variance", "laws",
           "learning_curve", "loss_curve", "mean_predictor_loss", "phase_branches", "phase_regimes", "power_law_learning_curve", "power_law_spectrum",
           "projection_level", "SGDCurve", "sgd_compute_optimal", "sgd_flow_loss_curve", "sgd_loss_curve",
           "sgd_recursion_loss", "solve_kappa2", "transfer_functions"]

phase_branches, phase_regimes = figures.phase_branches, figures.phase_regimes


def laws():
    """The area's laws: random-feature-exponents and structured-random-features (:mod:`.laws`), then
    random-feature-dynamics (:mod:`.dynamics_laws`, :mod:`.dynamics_sgd_laws`)."""
    return static_laws.laws() + dynamics_laws.laws() + dynamics_sgd_laws.laws()



@functools.cache
def build_linear():
    """``linear-random-features`` with its simulation and numeric checks."""
    d = steps.derivation()
    checks.attach_checks(d)
    return d


@functools.cache
def build_exponents():
    """``random-feature-exponents`` with its exponent checks (the leading terms it imports are checked in
    ``ridge-exponents``)."""
    d = exponent_steps.derivation()
    attach_law_checks(d, laws(), registry.law_count)
    return d


@functools.cache
def build_structured():
    """``structured-random-features`` with its simulation, column-sum and exponent checks."""
    d = structured_steps.derivation()
    structured_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


@functools.cache
def build_dynamics():
    """``random-feature-dynamics`` with its numeric and simulation checks."""
    d = dynamics_steps.derivation()
    dynamics_rate_steps.add_rate_steps(d)
    dynamics_discrete_steps.add_discrete_steps(d)
    dynamics_sgd_steps.add_sgd_steps(d)
    dynamics_phase_steps.add_phase_steps(d)
    dynamics_checks.attach_checks(d)
    dynamics_sgd_checks.attach_checks(d)
    dynamics_stability_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


ENTRIES = {module.NAME: Entry(module.NAME, module.TITLE, module.SOURCE, build)
           for module, build in ((steps, build_linear), (exponent_steps, build_exponents),
                                 (structured_steps, build_structured), (dynamics_steps, build_dynamics))}
FIGURES = {"random-feature-learning-curve": FigureSpec(figures.random_feature_learning_curve,
                                                       figures.LEARNING_CURVE_CAPTION),
           "phase-diagram": FigureSpec(figures.phase_diagram, figures.PHASE_DIAGRAM_CAPTION),
           "random-feature-dynamics": FigureSpec(dynamics_figures.random_feature_dynamics, dynamics_figures.CAPTION),
           "sgd-phases": FigureSpec(dynamics_sgd_figures.sgd_phases, dynamics_sgd_figures.CAPTION)}
