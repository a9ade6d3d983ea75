"""The MSR derivation of the Langevin DMFT (``derivations.dmft.add_msr_steps``: the modules
derivations/dmft/msr_action.py, msr_saddle.py and msr_steps.py; its checks in derivations/dmft/msr_checks.py):
every step replays, every numeric check passes, the statements the Laplace part reads have their agreed
forms, the checks can fail, the LaTeX renders.  The MSR machinery itself (derive/msr.py) is tested in
tests/derive/test_msr.py, the numerics behind the checks (numerics/dmft_discrete.py) in
tests/numerics/test_dmft_discrete.py."""
import pytest
import sympy as sp

from derive.dmft_symbols import I, LAM, N_MODES, P, R, S, c, g, rho_t, s, sigma2, t, u
from derive.latex import lint_latex
from derivations.dmft import add_msr_steps, msr_checks
from derivations.dmft.msr_action import C_OP, Q_HAT, R_HAT, S_D, h
from derivations.engine import Derivation, Source
from numerics.dmft_discrete import discrete_dmft


# ------------------------------------------------------------------ the derivation

@pytest.fixture(scope="module")
def derivation():
    d = Derivation("dmft-langevin", "Langevin DMFT (MSR part)", Source("2602.23039", "Kramp, Lindner, Helias", "2026"))
    add_msr_steps(d)
    msr_checks.attach_checks(d)
    return d


@pytest.fixture(scope="module")
def report(derivation):
    return derivation.verify(quick=True)


def test_every_step_and_check_passes(report, derivation):
    failed = [c.line() for c in report.checks if not c.passed]
    assert report.passed, failed
    checked = {c.name.split(":")[0] for c in report.checks}
    assert {f"step {label}" for label in derivation.labels()} <= checked
    assert {c.name for c in derivation.numeric_checks} == {
        "msr-gaussian-average", "msr-discrete-statements", "msr-saddle-point-simulation",
        "msr-continuum-limit", "msr-continuum-laplace"}


def test_discrete_steps_are_derived_and_the_saddle_point_is_the_approximation(derivation):
    kinds = {s.label: s.justification.value for s in derivation.steps}
    for label in ("discrepancy-sde", "euler-maruyama", "msr-action", "action-split", "field-covariances",
                  "sample-average", "total-action", "conjugates", "self-consistency", "effective-action",
                  "collective-response-discrete", "effective-process-discrete", "noise-kernel-discrete"):
        assert kinds[label] == "derived", label
    assert kinds["saddle-point"] == "approximation"
    assert derivation.step("saddle-point").checked_by == ("msr-saddle-point-simulation",)
    assert derivation.labels()[0] == "langevin-sde"


def test_the_continuum_statements_have_the_agreed_forms(derivation):
    assert derivation["response-equation"] == sp.Eq(
        sp.Derivative(R(I, t), t), -g * R(I, t) - c * P * LAM[I] * (R(I, t) - sp.Integral(rho_t(t - s) * R(I, s), (s, 0, t))))
    assert derivation["collective-response"] == sp.Eq(
        rho_t(t), c * S(t) - c * sp.Integral(S(t - u) * rho_t(u), (u, 0, t)))
    assert derivation["lambda-weighted-response"] == sp.Eq(S(t), sp.Sum(LAM[I] * R(I, t), (I, 1, N_MODES)))
    for label in ("effective-process", "noise-kernel"):
        assert label in derivation.labels()
    for step in derivation.steps:
        assert step.title and step.prose
    for label, tag in (("langevin-sde", "K-1"), ("effective-process", "K-3"), ("collective-response", "K-4"),
                       ("noise-kernel", "K-6"), ("effective-process-discrete", "K-3"),
                       ("collective-response-discrete", "K-4"), ("noise-kernel-discrete", "K-6")):
        assert tag in derivation.step(label).prose, label


def test_the_conjugates_are_the_matrix_formulas(derivation):
    """Ĉ = 0, R̂ = hcPρᵀ, Q̂ = ½h²c²PρC̄ρᵀ at T = 3, written out by hand for one entry each."""
    conj = {eq.lhs: eq.rhs for eq in derivation["conjugates"]}
    rho20 = -h * c * S_D[2, 0] + h ** 2 * c ** 2 * S_D[2, 1] * S_D[1, 0]
    assert sp.expand(conj[R_HAT[0, 2]] - h * c * P * rho20) == 0
    assert conj[R_HAT[2, 0]] == 0 and conj[R_HAT[1, 1]] == h * c * P
    q01 = C_OP[0, 1] + sigma2 - h * c * S_D[1, 0] * (C_OP[0, 0] + sigma2)
    assert sp.expand(conj[Q_HAT[0, 1]] - h ** 2 * c ** 2 * P * q01 / 2) == 0


def test_latex_renders_without_lint_problems(derivation):
    tex = derivation.to_latex()
    assert "\\begin{document}" in tex and lint_latex(tex) == []
    assert "K-4" in derivation.to_markdown()


def test_add_msr_steps_rejects_a_bad_number_of_steps():
    d = Derivation("x", "x", Source("2602.23039", "K"))
    for bad in (1, 5, 2.0, True):
        with pytest.raises(ValueError, match="steps must be an integer in \\[2, 4\\]"):
            add_msr_steps(d, bad)


# ------------------------------------------------------------------ the checks can fail

def test_gaussian_average_check_fails_for_a_wrong_statement(derivation):
    avg = derivation["sample-average"]
    wrong = {"sample-average": sp.Eq(avg.lhs, 2 * avg.rhs)}
    assert msr_checks.check_gaussian_average(derivation, 3, quick=True).passed
    assert not msr_checks.check_gaussian_average(wrong, 3, quick=True).passed


def test_discrete_statement_check_fails_for_a_wrong_kernel(derivation):
    fake = {label: derivation[label] for label in ("conjugates", "collective-response-discrete",
                                                    "effective-process-discrete", "noise-kernel-discrete")}
    fake["conjugates"] = tuple(sp.Eq(eq.lhs, eq.rhs * sp.Rational(11, 10) if eq.lhs == R_HAT[0, 2] else eq.rhs)
                               for eq in fake["conjugates"])
    results = msr_checks.check_discrete_statements(fake, 3)
    assert not all(r.passed for r in results)


def test_simulation_check_fails_for_a_wrong_noise_kernel():
    """The same check with the label noise of the theory doubled (a wrong K-6) must fail."""

    def wrong(lam, wbar, P_, c_, g_, beta_, sigma2_, h_, T):
        return discrete_dmft(lam, wbar, P_, c_, g_, beta_, 2 * sigma2_, h_, T)

    results = msr_checks.check_saddle_point_simulation(quick=True, theory=wrong)
    assert not all(r.passed for r in results)


def test_continuum_limit_check_fails_for_a_wrong_kernel(monkeypatch):
    """A continuum solution with the collective kernel halved is not the limit of the discrete process."""
    right = msr_checks.continuum_solution

    def wrong(lam, wbar, P_, c_, *args, **kw):
        out = right(lam, wbar, P_, c_, *args, **kw)
        out["rho_tilde"] = out["rho_tilde"] / 2
        return out

    monkeypatch.setattr(msr_checks, "continuum_solution", wrong)
    results = msr_checks.check_continuum_limit(quick=True)
    assert not next(r for r in results if r.name.endswith("rho_tilde")).passed
