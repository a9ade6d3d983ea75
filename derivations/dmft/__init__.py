"""Random-feature regression trained by Langevin dynamics, by dynamical mean-field theory (entries
``dmft-langevin`` and ``dmft-exponents``; Kramp, Lindner, Helias, arXiv:2602.23039, reconstruction
K-1…K-8 in ``shared/reference/papers.md`` §1), its scaling laws in time and data, and four figures.

Reads bottom-up like the paper: :mod:`.msr_action` ← :mod:`.msr_saddle` ← :mod:`.msr_steps` (the
Martin–Siggia–Rose functional, data average, saddle point, the effective single-mode process K-3, K-4,
K-6) ← :mod:`.laplace_steps` (the exact solution per draw K-2, the Laplace form K-5, the mean
discrepancy) ← :mod:`.steps` (the test error through S(t) K-7, the stationary limit K-8 = ridge
regression plus the posterior variance) ← :mod:`.theory` (the test-error curve by three routes) ←
:mod:`.msr_checks`, :mod:`.checks`, :mod:`.simulation_checks` ← :mod:`.exponent_steps` (the rates in
the data-rich window) ← :mod:`.exponent_checks`, :mod:`.laws` ← :mod:`.figures` ← this face.

>>> import numpy as np
>>> lam = np.arange(1, 21) ** -1.5
>>> curve = test_error_curve([0.0, 1.0], lam, P=20, weight_decay=0.1, beta=100.0, loss_scale=1 / 20)
>>> bool(np.isclose(curve.total[0], lam.sum()))          # w(0) = 0: the error starts at Σ_i Λ_i (v = 1)
True
>>> sorted(ENTRIES), [law.name for law in laws()][:2]
(['dmft-exponents', 'dmft-langevin'], ['dmft-time-decay', 'dmft-plateau'])
"""
from __future__ import annotations

import functools

from derivations import registry
from derivations.dmft import (checks, exponent_checks, exponent_steps, msr_checks, simulation_checks, steps)
from derivations.dmft.figures import FIGURES
from derivations.dmft.laws import laws
from derivations.dmft.msr_steps import add_msr_steps
from derivations.dmft.theory import DMFTCurve, error_functionals, test_error_curve
from derivations.engine import Entry
from derivations.engine.laws import attach_law_checks
from numerics.langevin_simulation import simulate_test_error

__all__ = ["DMFTCurve", "ENTRIES", "FIGURES", "add_msr_steps", "build_exponents", "build_langevin",
           "error_functionals", "laws", "simulate_test_error", "test_error_curve"]



@functools.cache
def build_langevin():
    """``dmft-langevin`` with its MSR, numeric and simulation checks."""
    d = steps.derivation()
    msr_checks.attach_checks(d)
    checks.attach_checks(d)
    simulation_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


@functools.cache
def build_exponents():
    """``dmft-exponents`` with its leading-term checks and the ``exponent`` checks of its laws."""
    d = exponent_steps.derivation()
    exponent_checks.attach_checks(d)
    attach_law_checks(d, laws(), registry.law_count)
    return d


ENTRIES = {steps.NAME: Entry(steps.NAME, steps.TITLE, steps.SOURCE, build_langevin),
           exponent_steps.NAME: Entry(exponent_steps.NAME, exponent_steps.TITLE, exponent_steps.SOURCE,
                                      build_exponents)}
