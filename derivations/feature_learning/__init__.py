"""Feature learning in wide networks: the self-consistent DMFT of Bordelon & Pehlevan (arXiv:2205.09653), from
its exactly solvable case (entry ``feature-learning-linear``) to deep nonlinear networks (``feature-learning-dmft``).

Reads bottom-up like the paper:

* steps — :mod:`.linear_steps` (the two-layer linear network on one example: gradients of the loss, the order
  parameters and the tangent kernel, two conserved quantities, the closed flow at any width, its solution at
  infinite width and the lazy limit) ← :mod:`.points_steps` (P examples: the closed system of the P × P kernels
  and its perturbation series in γ₀²); :mod:`.dmft_steps` (deep networks: activations, backward fields, weight
  flows, kernels, the NTK by the chain rule, the deep linear closure, the lazy limit, its perturbation series,
  gradient independence) with :mod:`.dmft_msr_steps` (the single-site processes derived from gradient descent
  by MSR) and the shared symbols of :mod:`.dmft_symbols`; :mod:`.finite_width_steps` (the O(1/N) fluctuations
  of the two-layer linear network: the start's statistics, the flow's sensitivities, the delta method);
* theory — :mod:`.linear_theory`, :mod:`.points_theory`, :mod:`.points_series_theory` (compiled from the steps);
  :mod:`.curve_theory` (the solution record), :mod:`.deep_linear_theory` (the closure iterated),
  :mod:`.deep_theory` (the alternating Monte Carlo beyond one layer), :mod:`.dmft_theory` (``dmft_curve``, the
  Monte Carlo of one hidden layer, the static NTK), :mod:`.perturbation_theory` (the series in γ₀²), :mod:`.finite_width_theory`
  (``prediction_fluctuations``);
* checks — :mod:`.linear_checks`, :mod:`.points_checks`, :mod:`.finite_width_checks`, :mod:`.dmft_checks` (routes against each other, orders
  in dt and γ₀, networks trained by gradient descent at finite width and in ensembles);
* figures — :mod:`.figures`, :mod:`.dmft_figures`;
* this face.

>>> round(float(prediction([1.0], 1.0, 2.0)[0]), 6)          # f(t = 1), y = 1, γ₀ = 2, Φ⁰ = 1
0.965669
"""
from __future__ import annotations

import functools

from derivations.engine import Entry
from derivations.engine.figures import FigureSpec
from derivations.feature_learning import (dmft_checks, dmft_steps, finite_width_checks, finite_width_steps,
                                          linear_checks, linear_steps, points_checks, points_steps)
from derivations.feature_learning.deep_linear_theory import deep_linear_curve
from derivations.feature_learning.curve_theory import Convergence, DMFTCurve
from derivations.feature_learning.dmft_theory import (dmft_curve, static_curve,
                                                      static_ntk)
from derivations.feature_learning import dmft_figures
from derivations.feature_learning.figures import CAPTIONS, linear_curves
from derivations.feature_learning.finite_width_theory import FiniteWidthCurve, prediction_fluctuations
from derivations.feature_learning.linear_theory import (final_kernel, flow_prediction, lazy_prediction, prediction,
                                                        tangent_kernel)
from derivations.feature_learning.perturbation_theory import perturbative_curve
from derivations.feature_learning.points_series_theory import perturbative_flow
from derivations.feature_learning.points_theory import KernelCurve, kernel_flow

__all__ = ["ENTRIES", "FIGURES", "KernelCurve", "build_linear", "build_dmft", "kernel_flow", "prediction",
           "flow_prediction", "tangent_kernel", "final_kernel", "lazy_prediction", "dmft_curve", "DMFTCurve",
           "Convergence", "deep_linear_curve", "static_ntk", "static_curve", "perturbative_flow", "perturbative_curve", "build_finite_width",
           "prediction_fluctuations", "FiniteWidthCurve"]


@functools.cache
def build_linear():
    """The ``feature-learning-linear`` derivation with its checks."""
    d = points_steps.extended()
    linear_checks.attach_checks(d)
    points_checks.attach_checks(d)
    return d


@functools.cache
def build_dmft():
    """The ``feature-learning-dmft`` derivation with its checks."""
    d = dmft_steps.derivation()
    dmft_checks.attach_checks(d)
    return d


@functools.cache
def build_finite_width():
    """The ``feature-learning-finite-width`` derivation with its checks."""
    d = finite_width_steps.derivation()
    finite_width_checks.attach_checks(d)
    return d


ENTRIES = {linear_steps.NAME: Entry(linear_steps.NAME, linear_steps.TITLE, linear_steps.SOURCE, build_linear),
           dmft_steps.NAME: Entry(dmft_steps.NAME, dmft_steps.TITLE, dmft_steps.SOURCE, build_dmft),
           finite_width_steps.NAME: Entry(finite_width_steps.NAME, finite_width_steps.TITLE, finite_width_steps.SOURCE,
                                          build_finite_width)}
FIGURES = {"feature-learning-linear": FigureSpec(linear_curves, CAPTIONS["feature-learning-linear"]),
           **{name: FigureSpec(fn, dmft_figures.CAPTIONS[name]) for name, fn in (
               ("feature-learning-dmft-loss", dmft_figures.loss_curves),
               ("feature-learning-dmft-alignment", dmft_figures.alignment),
               ("feature-learning-dmft-approximations", dmft_figures.approximations))}}
