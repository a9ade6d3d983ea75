"""Ridge regression (entries ``ridge-regression`` and ``ridge-exponents``): the deterministic equivalent from
free probability, its learning curve, and its scaling laws with power-law spectra.

Reads bottom-up like the paper (Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592):
:mod:`.steps` (S-transform → κ equation → bias, variances, E_g, E_tr) ← :mod:`.theory` (the learning
curve compiled from the steps) ← :mod:`.problems` ← :mod:`.checks`, :mod:`.numeric_checks` (simulations,
two routes to κ) ← :mod:`.exponent_steps` (the power-law rates) ← :mod:`.power_law_theory` (the exact
infinite-spectrum theory) ← :mod:`.exponent_checks`, :mod:`.laws` ← this face.

>>> r = learning_curve([1.0] * 100, [0.1] * 100, P=200, ridge=0.0)   # q = 1/2, ridgeless
>>> round(float(r.kappa), 12), round(float(r.gamma), 12)
(0.0, 0.5)
"""
from __future__ import annotations

import functools
from types import SimpleNamespace

from derivations import registry
from derivations.engine import Entry
from derivations.engine.figures import FigureSpec
from derivations.engine.laws import attach_law_checks
from derivations.ridge import checks, exponent_steps, figures, numeric_checks, steps
from derivations.ridge.exponent_checks import leading_terms
from derivations.ridge.laws import check_parameters, laws, ridge_error, ridge_finite, ridge_theory, spectrum
from derivations.ridge.power_law_theory import (PowerLawSpectrum, PowerLawSum, kappa_guess, positive, solve_above_floor,
                                         solve_increasing)
from derivations.ridge.power_law_theory import ridge_learning_curve as power_law_learning_curve
from derivations.ridge.problems import isotropic_problem, power_law_problem
from derivations.ridge.theory import (FALLBACK_DPS, RidgeResult, broadcast_points, checked_array, checked_scalar,
                                      is_finite, learning_curve, log_root, one_minus_gamma, real_input, rounded_fields,
                                      solve_kappa, validate_inputs)

__all__ = ["ENTRIES", "FALLBACK_DPS", "FIGURES", "PowerLawSpectrum", "PowerLawSum", "RidgeResult",
           "broadcast_points", "build_exponents", "build_regression", "check_parameters", "checked_array",
           "checked_scalar", "exponent_symbols", "is_finite", "isotropic_problem", "kappa_guess", "laws",
           "leading_terms", "learning_curve", "log_root", "one_minus_gamma", "positive", "power_law_learning_curve",
           "power_law_problem", "real_input", "ridge_error", "ridge_finite", "ridge_theory", "rounded_fields",
           "solve_above_floor", "solve_increasing", "solve_kappa", "spectrum", "symbols", "validate_inputs"]

#: the symbols of ``ridge-regression``'s statements and its spectral sums, for entries that import its steps
symbols = SimpleNamespace(**{n: getattr(steps, n) for n in (
    "lam", "kappa", "q", "P", "gamma", "sigma", "E_g", "E_tr", "tf1p", "df1", "SUM_DF1", "SUM_DF2", "SUM_TF1P",
    "SUM_TF1")})
#: the symbols and helpers of ``ridge-exponents`` that the other exponent entries share
exponent_symbols = SimpleNamespace(**{n: getattr(exponent_steps, n) for n in (
    "ALPHA_DOMAIN", "KI", "Lead", "Order", "Rate", "alpha", "r", "kap", "generic_parameters", "power_law_form")})


@functools.cache
def build_regression():
    """``ridge-regression`` with its simulation and numeric checks."""
    d = steps.derivation()
    checks.attach_checks(d)
    numeric_checks.attach_checks(d)
    return d


@functools.cache
def build_exponents():
    """``ridge-exponents`` with its leading-term and exponent checks."""
    d = exponent_steps.derivation()
    leading_terms(d, ("df-leading", "df2-leading", "tf1p-leading"), ((1.5, 0.4), (2.5, 1.3)))
    attach_law_checks(d, laws(), registry.law_count)
    return d


ENTRIES = {steps.NAME: Entry(steps.NAME, steps.TITLE, steps.SOURCE, build_regression),
           exponent_steps.NAME: Entry(exponent_steps.NAME, exponent_steps.TITLE, exponent_steps.SOURCE,
                                      build_exponents)}
FIGURES = {"ridge-learning-curve": FigureSpec(figures.ridge_learning_curve, figures.CAPTION)}
