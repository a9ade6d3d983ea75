"""The ``dmft-langevin`` and ``dmft-exponents`` entries: verify() in quick mode, and the key statements
against the forms of the reference sheet (K-5, K-7 reduced, K-8; arXiv:2602.23039 reconstruction)."""
from __future__ import annotations

import pytest
import sympy as sp

import derivations
from derive.dmft_symbols import LAM, I, J, N_MODES, P, R_hat, S_hat, beta, c, g, kappa, rho_hat, sigma2, v, z
from derivations.dmft import steps as dl
from derivations.dmft.laplace_steps import m_hat


@pytest.fixture(scope="module")
def d():
    return derivations.get("dmft-langevin")


def _replay(d, label):
    return d.step(label).operation.apply(d.statements(upto=label))


DF1 = sp.Sum(LAM[J] / (LAM[J] + kappa), (J, 1, N_MODES))
EXPECTED = {
    # K-5
    "response-transform": sp.Eq(R_hat(I, z), 1 / (z + g + c * P * LAM[I] * rho_hat(z))),
    "collective-transform": sp.Eq(rho_hat(z), 1 / (1 + c * S_hat(z))),
    # the κ form: the ridge equation with complex ridge (z + g)/(cP)
    "kappa-equation": sp.Eq(kappa * (P - DF1), (z + g) / c),
    # mean discrepancy m̂ = −(z + g)R̂/z
    "mean-laplace": sp.Eq(m_hat(I, z), -(z + g) / z * R_hat(I, z)),
    # U = X/D: the resolvent identity that makes K-7 one-point
    "two-point-identity": sp.Eq(dl.U2, dl.X2 / (1 - c ** 2 * P * dl.rho1 * dl.rho2 * dl.Y2)),
    # K-8: ridge regression at λ = g/(cP) plus the posterior variance
    "stationary-error": sp.Eq(dl.EPS_INF, (kappa ** 2 * v * dl.TF + dl.gamma * sigma2) / (1 - dl.gamma)
                              + dl.Df / (c * beta * (P - dl.Df))),
}


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_statement_and_replay(d, label):
    want = EXPECTED[label]
    for got in (d[label], _replay(d, label)):
        assert sp.simplify(got.lhs - want.lhs) == 0
        assert sp.simplify(got.rhs - want.rhs) == 0, (label, got)


def test_test_error_is_the_per_direction_error():
    """(test-error): the functional of S at S = e^{−ax} equals the K-2 error of one eigendirection a."""
    stmt = derivations.get("dmft-langevin")["test-error"]
    assert sp.simplify(stmt.lhs - stmt.rhs) == 0


@pytest.mark.parametrize("name", ["dmft-langevin", "dmft-exponents"])
def test_verify_quick_passes(name):
    report = derivations.get(name).verify(quick=True)
    failed = [c for c in report.checks if not c.passed]
    assert report.passed, "\n".join(c.line() for c in failed)


def test_exponent_statements():
    e = derivations.get("dmft-exponents")
    a, r = sp.Symbol("alpha", positive=True), sp.Symbol("r", positive=True)
    assert sp.simplify(e["time-rate"].rhs - 2 * r) == 0
    assert sp.simplify(e["plateau-rate"].rhs - (a - 1)) == 0
    assert sp.simplify(e["early-stopping-error-rate"].rhs - 2 * a * r / (1 + 2 * a * r)) == 0
    assert sp.simplify(e["stopping-time-iid"].rhs + 1) == 0
