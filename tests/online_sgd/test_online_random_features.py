"""The catalogue entry online-random-features: steps replay, quick verification, statements."""
from __future__ import annotations

import math

import pytest
import sympy as sp

from derivations import registry
from derivations.online_sgd.readout_steps import G, T0, N, gamma, kappa, t_u, trC


@pytest.fixture
def entry():
    return registry.get("online-random-features")


def test_quick_verify_passes(entry):
    report = entry.verify(quick=True)
    failed = [c.line() if hasattr(c, "line") else c.name for c in report.checks if not c.passed]
    assert report.passed, failed


def test_statements(entry):
    assert entry["stability-limit"].rhs == 2 * N / trC
    assert entry["feature-variance"].rhs == sp.Rational(1, 3)
    mu = {e.lhs.name: e.rhs for e in entry["equivalence-coefficients"]}
    assert sp.simplify(mu["mu_1"] ** 2 - 1 / sp.pi) == 0
    lo, hi = entry["error-floor"][1].rhs, entry["error-floor"][0].rhs
    assert lo == T0 / 2 and sp.simplify(hi - (T0 - t_u / sp.pi) / 2) == 0
    eq = entry["equivalent-asymptotic-error"]
    f = sp.lambdify(gamma, eq[-1].rhs.subs(G, eq[1].rhs).subs(kappa, eq[2].rhs).subs({T0: sp.Rational(2, 3), t_u: 2}))
    values = [f(g) for g in (0.1, 0.5, 1, 2, 8, 100)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert values[-1] > (2 / 3 - 2 / math.pi) / 2

