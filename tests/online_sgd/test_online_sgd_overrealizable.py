"""online-sgd-overrealizable: symbolic replay, numeric checks (quick), exponent-law data."""
import math

import numpy as np
import pytest
import sympy as sp

from derive import committee_odes as co
from derivations import registry
from derivations.online_sgd.overrealizable_checks import exponent_law, ode_curve, predicted
from derivations.online_sgd.overrealizable_steps import eta0

NAME = "online-sgd-overrealizable"


@pytest.fixture
def entry():
    return registry.get(NAME)


def test_verify_quick(entry):
    report = entry.verify(quick=True)
    failed = [c.line() for c in report.checks if not c.passed]
    assert report.passed, failed


def test_rate_and_soft_mode(entry):
    assert entry["rate"].rhs == 2
    lams = [eq.rhs for eq in entry["linearisation"]]
    assert sum(1 for e in lams if e == 0) == 1
    # the two fast eigenvalues are negative at η = 0.5 (stable), κ > 0
    assert all(float(e.subs(co.eta, 0.5)) < 0 for e in lams if e != 0)
    kappa = entry["reduced-dynamics"][1].rhs
    assert sp.simplify(kappa - 8 * sp.sqrt(3) * co.eta / (9 * sp.pi)) == 0
    # c₂ at η → 0 is 2√3/(9π) (gradient flow)
    c2 = entry["soft-mode-error"][1].rhs
    assert sp.simplify(sp.limit(c2, co.eta, 0) - 2 * sp.sqrt(3) / (9 * sp.pi)) == 0


def test_duplicated_teacher_statement(entry):
    assert entry["duplicated-teacher"][0] == sp.Eq(eta0, co.eta / 4)


def test_exponent_law_data(entry):
    law = exponent_law()
    assert law["rate"] == 2
    kappa, c2, lead = predicted()
    a = 50.0
    th = law["theory"](a)
    sim = law["simulate"](np.random.default_rng(0), a)
    assert th > 0 and sim > 0
    assert abs(math.log(sim / th)) < 0.5          # one seed, N = 256: same order (z-tests are in the checks)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="eta"):
        ode_curve([0.0, 1.0], np.eye(2), np.ones((2, 2)), np.ones((2, 2)), -0.5, 2, 2)
    with pytest.raises(ValueError, match="alphas"):
        ode_curve([1.0, 0.0], np.eye(2), np.ones((2, 2)), np.ones((2, 2)), 0.5, 2, 2)
