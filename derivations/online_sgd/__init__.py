"""Online SGD in two-layer networks (entries ``online-sgd-linear``, ``online-sgd-erf``,
``online-sgd-overrealizable``, ``online-random-features``): the order-parameter ODEs generated from the
model, their closed forms and scaling laws, and the learning curves as a Python API.

Reads bottom-up like the papers (Saad & Solla 1995; Worschech & Rosenow, arXiv:2410.09005, 2303.14083;
Richert, Worschech & Rosenow, arXiv:2104.14546):

* steps — :mod:`.linear_steps` (the model, the generated block ODEs, their closure W-1 on the block errors,
  Laplace form, stability, window law W-2, trainable dimensions) ← :mod:`.plateau_steps` (escape time as
  η → 0), :mod:`.late_steps` (the specialised phase) ← :mod:`.erf_steps` (erf ODEs, plateau);
  :mod:`.overrealizable_steps` (soft mode, K = 2 > M = 1); :mod:`.readout_steps` (random-feature readout,
  Marchenko–Pastur from ``marchenko-pastur``);
* theory — :mod:`.model` (the generated ODEs compiled, integrated and simulated: the public API below),
  :mod:`.erf_theory` (plateau, perfect-solution matrices, bulk sum compiled from the erf steps);
* checks — :mod:`.linear_checks`, :mod:`.simulation_checks`, :mod:`.erf_checks`, :mod:`.erf_mp_checks`,
  :mod:`.late_checks`, :mod:`.overrealizable_checks`, :mod:`.readout_checks`;
* laws — :mod:`.trainable_law`, :mod:`.plateau_law` ← :mod:`.laws` (the five laws of the exponent table);
* figures — :mod:`.figures`; and this face, whose ``build_*`` attach the checks and laws to the steps.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> B = rng.standard_normal((1, 64)); J = 0.01 * rng.standard_normal((1, 64))
>>> eps = generalization_curve([0.0, 5.0], J, B, np.ones(64), 0.5, activation="linear")
>>> bool(eps[1] < eps[0])
True
>>> stability_limit(np.ones(8), 2, "linear", normalized_outputs=True)
2.0
>>> [law.name for law in laws() if law.entry == "online-sgd-linear"]
['sgd-trainable-dimensions', 'sgd-linear-window']
"""
from __future__ import annotations

import functools

from derivations import registry
from derivations.engine import Entry
from derivations.engine.figures import FigureSpec
from derivations.engine.laws import attach_law_checks
from derivations.online_sgd import (erf_checks, erf_steps, late_checks, linear_checks, linear_steps,
                                    overrealizable_checks, overrealizable_steps, readout_checks, readout_steps)
from derivations.online_sgd.figures import CAPTIONS, learning_curves, linear_curves
from derivations.online_sgd.laws import check_parameters, laws
from derivations.online_sgd.model import (CompiledCommittee, compiled_model, generalization_curve,
                                          initial_order_parameters, order_parameter_curve, simulate,
                                          stability_limit)

__all__ = ["ENTRIES", "FIGURES", "CompiledCommittee", "build_erf", "build_linear", "build_overrealizable",
           "build_random_features", "check_parameters", "compiled_model", "generalization_curve",
           "initial_order_parameters", "laws", "order_parameter_curve", "simulate", "stability_limit"]



@functools.cache
def build_linear():
    """``online-sgd-linear`` with its numeric and simulation checks and its two laws."""
    d = linear_steps.derivation()
    linear_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


@functools.cache
def build_erf():
    """``online-sgd-erf`` with its plateau and simulation checks, its two laws, then its late-phase checks."""
    d = erf_steps.derivation()
    erf_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    late_checks.attach_checks(d)
    return d


@functools.cache
def build_overrealizable():
    """``online-sgd-overrealizable`` with its checks and its law."""
    d = overrealizable_steps.derivation()
    overrealizable_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


@functools.cache
def build_random_features():
    """``online-random-features`` with its checks."""
    d = readout_steps.derivation()
    readout_checks.attach_checks(d)
    return d


ENTRIES = {module.NAME: Entry(module.NAME, module.TITLE, module.SOURCE, build)
           for module, build in ((linear_steps, build_linear), (erf_steps, build_erf),
                                 (overrealizable_steps, build_overrealizable),
                                 (readout_steps, build_random_features))}
FIGURES = {"online-sgd-learning-curves": FigureSpec(learning_curves, CAPTIONS["online-sgd-learning-curves"]),
           "online-sgd-linear": FigureSpec(linear_curves, CAPTIONS["online-sgd-linear"])}
