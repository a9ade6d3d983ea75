"""Shared pieces of the simulation checks: the familywise level, z-test and round-off results, and the
Richardson extrapolation of a finite-size deviation.

>>> from numerics.simulation import Estimate
>>> richardson(Estimate(0.2, 0.01, 50), Estimate(0.1, 0.01, 50)).mean
0.0
>>> z_result("toy", 1.0, Estimate(1.01, 0.01, 100), 3.0, "a mean").passed
True
"""
from __future__ import annotations

import numpy as np

from derivations.engine.checks import CheckResult
from numerics.simulation import Estimate, z_test

#: familywise level of the z-tests of one simulation check (Bonferroni over its tests)
FAMILYWISE = 1e-3


#: float64 round-off of a squared error whose exact value is 0 (exact recovery, interpolation)
ROUNDOFF = (1e4 * np.finfo(float).eps) ** 2


def z_result(name, theory, est: Estimate, threshold, what):
    """A simulation mean against its theory: passed when |z| = |mean − theory|/SE is within ``threshold``."""
    zt = z_test(theory, est, threshold)
    return CheckResult(name, "simulation", zt.passed, float(theory), float(est.mean), f"|z| <= {threshold:.2f}",
                       f"{what}: sim {est.mean:.5g} ± {est.se:.2g} (n={est.n}), theory {float(theory):.5g}, "
                       f"z = {float(zt.z):+.2f}", extra={"z": float(zt.z)})


def roundoff_result(name, est: Estimate, what):
    """The learning system is exact here (value 0): compare with round-off, not with an SE."""
    return CheckResult(name, "simulation", abs(est.mean) <= ROUNDOFF, 0.0, float(est.mean), ROUNDOFF,
                       f"{what}: exact value 0; simulation mean {est.mean:.2g} (n={est.n}) is float64 round-off "
                       f"(tolerance (1e4·ε)²: solves with condition number up to 1e4)")


def richardson(small: Estimate, large: Estimate) -> Estimate:
    """2·e(2D) − e(D): removes the O(1/D) finite-size term of a quantity converging as D → ∞."""
    return Estimate(2 * large.mean - small.mean, float(np.hypot(2 * large.se, small.se)), min(small.n, large.n))
