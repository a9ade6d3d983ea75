"""Cheap tests of the late (specialised) phase of erf online SGD (its steps, erf_theory and late_checks)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from derive.asymptotics import rate_of
from derivations import registry
from derivations.engine import Derivation
from derivations.online_sgd import compiled_model, erf_steps, erf_theory, late_checks, late_steps
from derivations.online_sgd import linear_steps as lin


@pytest.fixture(scope="module")
def matrices():
    return erf_theory.perfect_matrices()


@pytest.fixture(scope="module")
def erf():
    return registry.get("online-sgd-erf")


def test_h_and_its_eigenvalues(matrices):
    H, _, g = matrices
    assert np.allclose(H, [[2 / (math.pi * math.sqrt(3)), 1 / math.pi], [1 / math.pi, 2 / (math.pi * math.sqrt(3))]],
                       rtol=1e-14)
    mu = np.linalg.eigvalsh(H)
    assert np.allclose(mu, 2 / (math.pi * math.sqrt(3)) + np.array([-1, 1]) / math.pi, rtol=1e-13)
    assert np.allclose(g, [H[0, 0] / 2, H[0, 1], H[1, 1] / 2], rtol=1e-14)      # ε_g = ½ tr(H U)


def test_statements_exact(erf):
    rates = erf["bulk-rates"]
    assert sp.simplify(rates[0].rhs - (2 / (sp.sqrt(3) * sp.pi) + 1 / sp.pi)) == 0
    assert sp.simplify(rates[1].rhs - (2 / (sp.sqrt(3) * sp.pi) - 1 / sp.pi)) == 0
    for eq in erf["error-modes"]:                       # no block r, no global R: closed in u, U
        names = {s.name for s in eq.rhs.free_symbols}
        assert not any(n.startswith(("deltar", "deltaR")) for n in names)


def test_coupling_matches_finite_differences(matrices):
    _, Emat, _ = matrices
    model = compiled_model(2, 2, "erf", False)
    h, eye = 1e-5, np.eye(2)
    for b, (i, k) in enumerate(late_steps.VECH_INDICES):
        D = np.zeros((2, 2))
        D[i, k] = D[k, i] = 1
        dE = (model.coefficients(eye + h * D, eye, eye)[2] - model.coefficients(eye - h * D, eye, eye)[2]) / (2 * h)
        assert np.allclose([dE[p] for p in late_steps.VECH_INDICES], Emat[:, b], rtol=1e-8, atol=1e-10)


def test_window_law_rate(erf):
    """Both modes of (late-window-law) fall with the linear network's rate β/(1+β)."""
    lead = erf["late-window-law"].rhs
    assert sp.simplify(rate_of(sp.factor_terms(sp.expand_power_base(lead, force=True)), late_steps.alpha)
                       - lin.beta / (1 + lin.beta)) == 0
    assert erf["late-window-rate"].rhs == lin.beta / (1 + lin.beta)


def test_talbot_against_eigendecomposition(matrices):
    H, Emat, g = matrices
    L, eta = 4, 0.1
    lam, f = late_checks.blocks(L)
    op = late_checks.vech_operator(H)
    J = np.zeros((3 * L, 3 * L))
    for m in range(L):
        J[3 * m:3 * m + 3, 3 * m:3 * m + 3] += eta * lam[m] * op
        for k in range(L):
            J[3 * m:3 * m + 3, 3 * k:3 * k + 3] += eta**2 * lam[m] * f[m] * lam[k] * Emat
    w, V = np.linalg.eig(J)
    coeff = np.linalg.solve(V, np.concatenate([[fm, 0, fm] for fm in f]))
    readout = np.concatenate([lam[m] * g for m in range(L)])
    alphas = np.array([1.0, 30.0, 300.0])
    exact = np.array([((readout @ V) * coeff * np.exp(w * a)).sum().real for a in alphas])
    assert np.allclose(late_checks.linear_response_error(alphas, lam, f, eta), exact, rtol=1e-8)


def test_bulk_is_small_eta_limit():
    lam, f = late_checks.blocks(8)
    devs = []
    for eta in (0.02, 0.01):
        alphas = np.array([0.5, 5.0, 50.0]) / eta
        lin_response = late_checks.linear_response_error(alphas, lam, f, eta)
        devs.append(np.max(np.abs(erf_theory.bulk_error(alphas, lam, f, eta) / lin_response - 1)))
    assert abs(math.log2(devs[0] / devs[1]) - 1) < 0.1                 # O(η)
    assert erf_theory.bulk_error([0.0], lam, f, 0.1)[0] == pytest.approx(erf_theory.perfect_matrices()[0][0, 0],
                                                                          rel=1e-14)


def test_bulk_sum_compiled_from_its_statement_is_the_closed_form(matrices):
    """(late-bulk-sum) compiled by the bridge equals ½σ² Σ_m λ_m f_m Σ_± μ_± e^{−2ημ_±λ_mα} with μ_± the
    eigenvalues of H, to round-off."""
    lam, f = late_checks.blocks(16)
    alphas, eta, sigma = np.array([0.0, 3.0, 40.0, 700.0]), 0.07, 0.3
    a = alphas[:, None]
    closed = 0.5 * sigma**2 * sum((lam * f * mu * np.exp(-2 * eta * mu * lam * a)).sum(1)
                                  for mu in np.linalg.eigvalsh(matrices[0]))
    assert np.allclose(erf_theory.bulk_error(alphas, lam, f, eta, sigma), closed, rtol=1e-12, atol=0)


def test_steps_and_checks_are_wired():
    entry = erf_steps.derivation()
    d = Derivation(entry.name, entry.title, entry.source)
    for step in entry.steps:
        if step.label == "perfect-solution":
            break
        d.steps.append(step)
    late_steps.late_phase_steps(d)
    late_checks.attach_checks(d)
    checks = {c.name for c in d.numeric_checks}
    needed = {c for s in d.steps for c in s.checked_by if s.label in late_labels(d)}
    assert needed <= checks
    assert d["late-window-rate"].rhs == sp.Symbol("beta", positive=True) / (1 + sp.Symbol("beta", positive=True))


def late_labels(d):
    labels = d.labels()
    return labels[labels.index("perfect-solution"):]
