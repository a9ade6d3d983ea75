"""Tests of the ``ridge-regression`` derivation: verify() and specific derived statements.

Each statement is checked twice: the stored (displayed) statement, and the statement obtained by
replaying the step's operation on the earlier statements; both must equal an expected form written
here with the module's symbols (so that a broken operation is caught, not only a wrong display).
"""
from __future__ import annotations

import pytest
import sympy as sp

import derivations
from derivations.ridge import steps as rr


@pytest.fixture(scope="module")
def d():
    return derivations.get("ridge-regression")


def _replay(d, label):
    return d.step(label).operation.apply(d.statements(upto=label))


def _same(a: sp.Eq, b: sp.Eq) -> bool:
    return a.lhs == b.lhs and sp.simplify(a.rhs - b.rhs) == 0


EXPECTED = {
    # κ = λ/(1 − q df¹(κ))   (free multiplicative convolution S_Σ̂ = S_Σ S_W)
    "renormalized-ridge": sp.Eq(rr.kappa, rr.lam / (1 - rr.q * rr.df1(rr.kappa))),
    # dκ/dλ = 1/(1 − γ)      (implicit differentiation, γ = Σ η²/(η+κ)²/P)
    "dkappa-dlambda": sp.Eq(sp.Derivative(rr.kappa_of, rr.lam), 1 / (1 - rr.gamma)),
    # Var_Xε = σ²γ/(1 − γ)
    "noise-variance": sp.Eq(rr.Var_Xeps, rr.sigma ** 2 * rr.gamma / (1 - rr.gamma)),
    # q < 1, λ = 0: κ = 0, γ = q, E_g = σ² q/(1 − q)
    "ridgeless-error-under": sp.Eq(rr.E_g, rr.sigma ** 2 * rr.q / (1 - rr.q)),
    # Σ = I, q > 1, λ = 0: q/(1 + κ) = 1 ⇒ κ = q − 1
    "isotropic-implicit-ridge": sp.Eq(rr.kappa, rr.q - 1),
    # Var_X = κ² tf₁' γ/(1 − γ)
    "variance-X": sp.Eq(rr.Var_X, rr.kappa ** 2 * rr.tf1p(rr.kappa) * rr.gamma / (1 - rr.gamma)),
    # E_tr = (1 − q df¹)²(E_g + σ²)
    "train-test-gap": sp.Eq(rr.E_tr, (1 - rr.q * rr.df1(rr.kappa)) ** 2 * (rr.E_g + rr.sigma ** 2)),
}


def test_verify_quick_passes(d):
    report = d.verify(quick=True)
    failed = [c.line() for c in report.checks if not c.passed]
    assert report.passed, failed
    groups = {c.name.split(":")[0] for c in report.checks}
    assert {"ridge-simulation", "bias-variance", "deterministic-equivalent", "kappa-routes",
            "implicit-derivative", "ridgeless-limits"} <= groups
    # every derived step was replayed and compared (one result per equation at least)
    derived = [s.label for s in d.steps if s.operation is not None]
    for label in derived:
        assert any(c.name.startswith(f"step {label}:") for c in report.checks), label


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_displayed_statement(d, label):
    assert _same(d[label], EXPECTED[label]), d[label]


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_replayed_statement(d, label):
    replayed = _replay(d, label)
    assert _same(replayed, EXPECTED[label]), replayed


@pytest.mark.parametrize("label", ["renormalized-ridge", "noise-variance", "isotropic-implicit-ridge"])
def test_compare_accepts_expected_and_rejects_perturbed(d, label):
    good = d.compare(label, EXPECTED[label])
    assert good and all(r.passed for r in good), [r.line() for r in good]
    wrong = EXPECTED[label]
    bad = d.compare(label, sp.Eq(wrong.lhs, 2 * wrong.rhs))
    assert not all(r.passed for r in bad)


def test_kappa_equation_cleared_form(d):
    """κ(1 − Σ_k η_k/(η_k+κ)/P) = λ, i.e. the residual is κ − κ S/P − λ with S the df¹ sum."""
    eq = _replay(d, "kappa-equation")
    residual = sp.expand(eq.lhs - eq.rhs)
    assert sp.simplify(residual - (rr.kappa - rr.kappa * rr.SUM_DF1 / rr.P - rr.lam)) == 0


def test_wishart_s_transform_is_imported_from_marchenko_pastur(d):
    mp = derivations.get("marchenko-pastur")
    assert d["wishart-s"] == mp["s-transform"]
