"""Cheap tests of the late (specialised) phase of erf online SGD (derivations.online_sgd.late_steps and _checks)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from derivations.online_sgd import late_steps as late
from derivations.online_sgd import late_checks


@pytest.fixture(scope="module")
def matrices():
    return late.perfect_matrices()


def test_h_and_its_eigenvalues(matrices):
    H, _, g = matrices
    assert np.allclose(H, [[2 / (math.pi * math.sqrt(3)), 1 / math.pi], [1 / math.pi, 2 / (math.pi * math.sqrt(3))]],
                       rtol=1e-14)
    mu = np.linalg.eigvalsh(H)
    assert np.allclose(mu, 2 / (math.pi * math.sqrt(3)) + np.array([-1, 1]) / math.pi, rtol=1e-13)
    assert np.allclose(g, [H[0, 0] / 2, H[0, 1], H[1, 1] / 2], rtol=1e-14)      # ε_g = ½ tr(H U)


def test_statements_exact():
    steps = late._late_statements()
    rates = late._bulk_rates(steps["perfect-coefficients"])
    assert sp.simplify(rates[0].rhs - (2 / (sp.sqrt(3) * sp.pi) + 1 / sp.pi)) == 0
    assert sp.simplify(rates[1].rhs - (2 / (sp.sqrt(3) * sp.pi) - 1 / sp.pi)) == 0
    for eq in steps["error-modes"]:                     # no block r, no global R: closed in u, U
        names = {s.name for s in eq.rhs.free_symbols}
        assert not any(n.startswith(("deltar", "deltaR")) for n in names)


def test_coupling_matches_finite_differences(matrices):
    from derivations.online_sgd.model import compiled_model
    _, Emat, _ = matrices
    model = compiled_model(2, 2, "erf", False)
    h, eye = 1e-5, np.eye(2)
    for b, (i, k) in enumerate(late._IDX):
        D = np.zeros((2, 2))
        D[i, k] = D[k, i] = 1
        dE = (model.coefficients(eye + h * D, eye, eye)[2] - model.coefficients(eye - h * D, eye, eye)[2]) / (2 * h)
        assert np.allclose([dE[p] for p in late._IDX], Emat[:, b], rtol=1e-8, atol=1e-10)


def test_window_law_rate():
    from derive.asymptotics import rate_of
    from derivations.online_sgd import linear_steps as lin
    steps = late._late_statements()
    bulk = late._bulk_statement(late._bulk_rates(steps["perfect-coefficients"]))
    law = (sp.Eq(lin.LAM[lin.m], lin.lam_plus * lin.m ** (-1 - lin.beta)), sp.Eq(lin.FRAC[lin.m], 1 / lin.L))
    lead = late._window(bulk, law).rhs
    assert sp.simplify(rate_of(sp.factor_terms(sp.expand_power_base(lead, force=True)), late.alpha)
                       - lin.beta / (1 + lin.beta)) == 0


def test_talbot_against_eigendecomposition(matrices):
    H, Emat, g = matrices
    L, eta = 4, 0.1
    lam, f = late_checks.blocks(L)
    op = late_checks._vech_operator(H)
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
        lin = late_checks.linear_response_error(alphas, lam, f, eta)
        devs.append(np.max(np.abs(late_checks.bulk_error(alphas, lam, f, eta) / lin - 1)))
    assert abs(math.log2(devs[0] / devs[1]) - 1) < 0.1                 # O(η)
    assert late_checks.bulk_error([0.0], lam, f, 0.1)[0] == pytest.approx(late.perfect_matrices()[0][0, 0], rel=1e-14)


def test_steps_and_checks_are_wired():
    from derivations.online_sgd import erf_steps as online_sgd_erf
    from derivations.engine import Derivation
    entry = online_sgd_erf.build()
    d = Derivation(entry.name, entry.title, entry.source)
    for step in entry.steps:
        if step.label == "perfect-solution":
            break
        d.steps.append(step)
    late.late_phase_steps(d)
    late_checks.register_late_checks(d)
    checks = {c.name for c in d.numeric_checks}
    needed = {c for s in d.steps for c in s.checked_by if s.label in late_labels(d)}
    assert needed <= checks
    assert d["late-window-rate"].rhs == sp.Symbol("beta", positive=True) / (1 + sp.Symbol("beta", positive=True))


def late_labels(d):
    labels = d.labels()
    return labels[labels.index("perfect-solution"):]
