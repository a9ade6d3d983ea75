"""Tests of the ``linear-random-features`` derivation and the exponent entries: verify() in quick mode and
the key statements against the forms of the reference sheet (arXiv:2405.00592, two-level renormalisation)."""
from __future__ import annotations

import pytest
import sympy as sp

import derivations
from derivations.random_features import steps as lrf
from derive.spectral import LAYER, LAYERS, WIDTH


@pytest.fixture(scope="module")
def d():
    return derivations.get("linear-random-features")


def _replay(d, label):
    return d.step(label).operation.apply(d.statements(upto=label))


d1, d2, part, q = lrf.d1, lrf.d2, lrf.partial, lrf.q
EXPECTED = {
    # κ₁ = κ₂ ∏_l (N_l/D − d)  (one S-factor per projection)
    "kappa1-relation": sp.Eq(lrf.k1, lrf.k2 * sp.Product(WIDTH[LAYER] / lrf.D - lrf.d_val, (LAYER, 1, LAYERS))),
    # λ = κ₁(1 − q d)
    "lambda-relation": sp.Eq(lrf.lam, lrf.k1 * (1 - q * lrf.d_val)),
    # ∂ = [1 + Σ_l (d₁ − d₂)/(N_l/D − d₁)]⁻¹  (sheet: [1 + (d₁−d₂)/d₁ Σ_l d₁/(N_l/D − d₁)]⁻¹)
    "partial": sp.Eq(part, 1 / (1 + sp.Sum((d1 - d2) / (WIDTH[LAYER] / lrf.D - d1), (LAYER, 1, LAYERS)))),
    # γ₁ = q d₁(1 − (d₁ − d₂)∂/d₁)
    "gamma1": sp.Eq(lrf.gamma1, q * d1 * (1 - (d1 - d2) / d1 * part)),
    # Var_F = (1 − ∂) κ₂ tf₂(κ₂)
    "variance-F": sp.Eq(lrf.Var_F, (1 - part) * lrf.k2 * lrf.SUM_TF2),
}


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_statement_and_replay(d, label):
    want = EXPECTED[label]
    for got in (d[label], _replay(d, label)):
        assert got.lhs == want.lhs
        diff = (got.rhs - want.rhs).subs(LAYERS, 2).doit()
        assert sp.simplify(diff) == 0


def test_single_layer_is_the_sheet_equation(d):
    """(A-3): κ₂(1 − q df¹(κ₂))(N/D − df¹(κ₂)) = λ."""
    got = d["single-layer"]
    want = lrf.k2 * (1 - q * lrf.df1(lrf.k2)) * (lrf.N / lrf.D - lrf.df1(lrf.k2))
    assert sp.simplify(got.rhs - want) == 0


def test_error_matches_the_sheet(d):
    """(A-4): E_g = [κ₂² tf₁' ∂ + κ₂ tf₁ (1 − ∂) + γ₁σ²]/(1 − γ₁)."""
    want = (lrf.k2 ** 2 * lrf.SUM_TF1P * part + lrf.k2 * lrf.SUM_TF1 * (1 - part) + lrf.gamma1 * lrf.sigma ** 2) / (1 - lrf.gamma1)
    assert sp.simplify(d["rf-generalization-error"].rhs - want) == 0


@pytest.mark.parametrize("name", ["linear-random-features", "ridge-exponents", "random-feature-exponents",
                                  "structured-random-features"])
def test_verify_quick_passes(name):
    report = derivations.get(name).verify(quick=True)
    failed = [c.name for c in report.checks if not c.passed]
    assert not failed, failed
