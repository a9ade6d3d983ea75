"""Steps and their checks: a derivation passes only when every step and numeric check does.

Toy derivations are built as in the doctest of ``derivations.engine.derivation``.
"""
import json

import pytest
import sympy as sp

import derivations.engine.compare as compare_module
from derive.operations import solve_for, transform
from derivations.engine import CheckResult, Derivation, Justification, Source, Step

x, a = sp.symbols("x a", positive=True)
SRC = Source("none", "textbook")


def toy(**kw) -> Derivation:
    d = Derivation("toy", "Square root", SRC, **kw)
    d.define("eq", "An equation", "x squared is a.", sp.Eq(x**2, a))
    return d


def checks_of(report, label):
    found = [c for c in report.checks if c.name.startswith(f"step {label}:")]
    assert found, f"no check for step {label}: {[c.name for c in report.checks]}"
    return found


# ------------------------------------------------------------------ derived steps

def test_correct_derived_step_passes():
    d = toy()
    d.derive("root", "Root", "Solve for x.", solve_for("eq", x), display=sp.Eq(x, sp.sqrt(a)))
    report = d.verify()
    assert report.passed
    (c,) = checks_of(report, "root")
    assert c.passed and c.kind == "symbolic"


def test_derived_step_with_wrong_display_fails_and_says_spot_check():
    d = toy()
    d.derive("root", "Root", "Solve for x.", solve_for("eq", x), display=sp.Eq(x, 2 * sp.sqrt(a)))
    report = d.verify()
    assert not report.passed
    (c,) = checks_of(report, "root")
    assert not c.passed
    assert "spot-check" in c.detail and "FAILED" in c.detail


def test_statement_tampered_after_construction_fails_on_replay():
    d = toy()
    d.derive("root", "Root", "Solve for x.", solve_for("eq", x))
    assert d.verify().passed
    d.steps[1].statement = sp.Eq(x, sp.sqrt(a) + 1)
    report = d.verify()
    assert not report.passed
    (c,) = checks_of(report, "root")
    assert not c.passed and "replay" in c.name


def test_earlier_step_tampered_breaks_later_replay():
    """The replay reads the *current* earlier statements, so changing one is noticed downstream."""
    d = toy()
    d.derive("root", "Root", "Solve for x.", solve_for("eq", x), display=sp.Eq(x, sp.sqrt(a)))
    d.steps[0].statement = sp.Eq(x**2, 4 * a)
    (c,) = checks_of(d.verify(), "root")
    assert not c.passed


def test_replay_that_raises_is_a_failed_check():
    d = toy()
    calls = []

    def flaky(stmt):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("boom on replay")
        return sp.Eq(x, sp.sqrt(a))

    d.derive("root", "Root", "Solve.", transform("eq", flaky, "solve (eq) once"))
    report = d.verify()
    assert not report.passed
    (c,) = checks_of(report, "root")
    assert not c.passed and "boom on replay" in c.detail


def test_replay_with_wrong_number_of_equations_fails():
    d = toy()
    two = transform("eq", lambda s: (s, sp.Eq(x, sp.sqrt(a))), "two equations")
    d.derive("pair", "Pair", "Both.", two)
    assert d.verify().passed
    d.steps[1].statement = sp.Eq(x, sp.sqrt(a))
    (c,) = checks_of(d.verify(), "pair")
    assert not c.passed and "2 equations" in c.detail


def test_derived_step_needs_an_operation():
    with pytest.raises(ValueError, match="operation"):
        Step("s", "t", "p", sp.Eq(x, a), Justification.DERIVED)


# ------------------------------------------------------------------ identities

def test_true_identity_is_proved_symbolically():
    d = toy()
    d.identity("pyth", "Pythagoras", "sin² + cos² = 1.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2))
    report = d.verify()
    (c,) = checks_of(report, "pyth")
    assert c.passed and c.kind == "symbolic"
    assert report.passed


def test_false_identity_fails():
    d = toy()
    d.identity("bad", "Not an identity", "False.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x)))
    report = d.verify()
    (c,) = checks_of(report, "bad")
    assert not c.passed
    assert not report.passed


def test_true_identity_under_tiny_budget_is_numeric_only():
    d = toy(symbolic_budget=1e-6)
    d.identity("pyth", "Pythagoras", "sin² + cos² = 1.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2))
    report = d.verify()
    (c,) = checks_of(report, "pyth")
    assert c.passed
    assert c.kind == "numeric"
    assert "verified numerically only" in c.detail and "timed out" in c.detail


def _timeout(expr, seconds):
    return "timeout", f"symbolic proof timed out after {seconds:g} s"


def test_true_identity_on_timeout_is_numeric(monkeypatch):
    monkeypatch.setattr(compare_module, "prove_zero", _timeout)
    d = toy()
    d.identity("pyth", "Pythagoras", "sin² + cos² = 1.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2))
    (c,) = checks_of(d.verify(), "pyth")
    assert c.passed and c.kind == "numeric"
    assert "verified numerically only" in c.detail


@pytest.mark.parametrize("budget", [None, 1e-6])
def test_false_identity_never_passes_on_timeout(monkeypatch, budget):
    if budget is None:
        monkeypatch.setattr(compare_module, "prove_zero", _timeout)
        d = toy()
    else:
        d = toy(symbolic_budget=budget)
    d.identity("bad", "Not an identity", "False.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x)))
    report = d.verify()
    (c,) = checks_of(report, "bad")
    assert not c.passed and c.kind == "numeric"
    assert not report.passed


def test_wrong_derived_display_never_passes_on_timeout(monkeypatch):
    monkeypatch.setattr(compare_module, "prove_zero", _timeout)
    d = toy()
    d.derive("root", "Root", "Solve.", solve_for("eq", x), display=sp.Eq(x, sp.sqrt(a) * (1 + sp.Rational(1, 10**6))))
    (c,) = checks_of(d.verify(), "root")
    assert not c.passed


# ------------------------------------------------------------------ construction errors

def test_statement_that_evaluates_to_true_is_rejected():
    d = toy()
    with pytest.raises(TypeError, match="statement must be Eq"):
        d.define("triv", "Trivial", "x is x.", sp.Eq(x, x))


def test_non_equation_statement_is_rejected():
    with pytest.raises(TypeError):
        Step("s", "t", "p", x + a, Justification.DEFINITION)
    with pytest.raises(TypeError):
        Step("s", "t", "p", (sp.Eq(x, a), x), Justification.DEFINITION)


@pytest.mark.parametrize("method", ["approximate", "quote"])
def test_approximation_and_quote_need_checked_by(method):
    d = toy()
    with pytest.raises(ValueError, match="numeric check"):
        getattr(d, method)("s", "t", "p", sp.Eq(x, a), checked_by=())


def test_duplicate_labels_raise():
    d = toy()
    with pytest.raises(ValueError, match="duplicate"):
        d.define("eq", "Again", "Same label.", sp.Eq(x, a))
    assert d.labels() == ["eq"]


# ------------------------------------------------------------------ numeric backing

def _quoted(check_names, results):
    """A toy with a quoted step backed by ``check_names``; ``results`` maps check name -> passed."""
    d = toy()
    d.quote("q", "Quoted", "From a book.", sp.Eq(x, sp.sqrt(a)), checked_by=check_names, reference="book")
    for name, ok in results.items():
        d.check(name, "numeric", "toy check")(
            lambda quick, name=name, ok=ok: CheckResult(name, "numeric", ok, 1.0, 1.0 if ok else 2.0, 1e-12))
    return d


def test_quoted_step_with_passing_check_passes():
    report = _quoted(("num",), {"num": True}).verify()
    (c,) = checks_of(report, "q")
    assert c.passed and report.passed


def test_quoted_step_with_failed_check_fails():
    report = _quoted(("num",), {"num": False}).verify()
    (c,) = checks_of(report, "q")
    assert not c.passed and "failed" in c.detail
    assert not report.passed


def test_quoted_step_with_missing_check_fails():
    report = _quoted(("absent",), {"num": True}).verify()
    (c,) = checks_of(report, "q")
    assert not c.passed and "missing" in c.detail
    assert not report.passed


def test_approximation_fails_if_one_of_several_checks_fails():
    d = _quoted(("num",), {"num": True, "other": False})
    d.approximate("ap", "Approx", "Large D.", sp.Eq(x, a), checked_by=("num", "other"))
    report = d.verify()
    (q,) = checks_of(report, "q")
    (ap,) = checks_of(report, "ap")
    assert q.passed and not ap.passed


def test_step_backing_sees_failure_of_a_multi_result_check():
    d = toy()
    d.quote("q", "Quoted", "From a book.", sp.Eq(x, sp.sqrt(a)), checked_by=("grid",))

    @d.check("grid", "numeric", "several points")
    def grid(quick):
        return [CheckResult(f"grid: point {i}", "numeric", i != 2, 0, 0) for i in range(4)]

    (c,) = checks_of(d.verify(), "q")
    assert not c.passed


def test_step_backing_sees_failure_whatever_the_result_is_called():
    """A quoted step must not be reported as backed when its backing check failed.

    The engine groups results by the text before the first ':' of the *result's* name,
    so a check whose result has another name leaves its step marked as backed.
    """
    d = toy()
    d.quote("q", "Quoted", "From a book.", sp.Eq(x, sp.sqrt(a)), checked_by=("sim",))

    @d.check("sim", "simulation", "a simulation")
    def sim(quick):
        return CheckResult("KS test of the sample", "simulation", False, 0.05, 1e-9)

    report = d.verify()
    assert not report.passed
    (c,) = checks_of(report, "q")
    assert not c.passed, f"step backed by a failed check reported as passed: {c.detail}"


def test_numeric_check_that_raises_is_reported_failed():
    d = toy()

    @d.check("explodes", "numeric", "raises")
    def explodes(quick):
        raise ZeroDivisionError("no numbers today")

    report = d.verify()
    failed = [c for c in report.checks if c.name == "explodes"]
    assert len(failed) == 1 and not failed[0].passed
    assert "ZeroDivisionError" in failed[0].detail
    assert not report.passed


def test_quick_flag_reaches_numeric_checks():
    d = toy()
    seen = []
    d.check("q", "numeric", "records quick")(lambda quick: seen.append(quick) or CheckResult("q", "numeric", True, 1, 1))
    d.verify(quick=True)
    d.verify(quick=False)
    assert seen == [True, False]


# ------------------------------------------------------------------ CheckResult

@pytest.mark.parametrize("observed", [float("nan"), float("inf"), [1.0, float("nan")]])
def test_checkresult_never_passes_on_non_finite(observed):
    r = CheckResult("n", "numeric", True, expected=1.0, observed=observed)
    assert r.passed is False
    assert "non-finite" in r.detail


def test_checkresult_nan_in_expected_also_fails():
    assert CheckResult("n", "numeric", True, expected=float("nan"), observed=1.0).passed is False


def test_checkresult_finite_pass_stays_pass():
    r = CheckResult("n", "numeric", 1, expected=1.0, observed=1.0 + 1e-12, tolerance=1e-10)
    assert r.passed is True and r.detail == ""


@pytest.mark.parametrize("kind", ["symbolic", "numeric", "simulation", "exponent"])
def test_checkresult_accepts_documented_kinds(kind):
    assert CheckResult("n", kind, True).kind == kind


@pytest.mark.parametrize("kind", ["Numeric", "proof", "", "sim"])
def test_checkresult_rejects_unknown_kind(kind):
    with pytest.raises(ValueError, match="kind must be one of"):
        CheckResult("n", kind, True)


# ------------------------------------------------------------------ reports

def test_verify_passes_only_if_all_checks_pass():
    d = toy()
    d.derive("root", "Root", "Solve.", solve_for("eq", x))
    d.check("fine", "numeric", "ok")(lambda quick: CheckResult("fine", "numeric", True, 1, 1))
    assert d.verify().passed
    d.check("late", "numeric", "fails")(lambda quick: CheckResult("late", "numeric", False, 1, 2))
    report = d.verify()
    assert not report.passed
    assert sum(not c.passed for c in report.checks) == 1


def test_report_json_schema_and_strict_json():
    import mpmath
    d = toy()
    d.derive("root", "Root", "Solve.", solve_for("eq", x))
    d.identity("bad", "False", "False.", sp.Eq(sp.sin(x) ** 2, 1 - sp.cos(x)))
    d.check("mp", "numeric", "mpf values")(
        lambda quick: CheckResult("mp", "numeric", True, mpmath.mpf(1) / 3, mpmath.mpf(1) / 3, 1e-30))
    d.check("nan", "numeric", "a NaN")(lambda quick: CheckResult("nan", "numeric", True, 1.0, float("nan")))
    report = d.verify()
    js = report.to_json()
    assert set(js) == {"name", "passed", "seconds", "checks"}
    assert js["name"] == "toy" and js["passed"] is False
    assert isinstance(js["seconds"], float) and js["seconds"] >= 0
    assert len(js["checks"]) == len(report.checks) == 5
    for c in js["checks"]:
        assert set(c) == {"name", "kind", "passed", "expected", "observed", "tolerance", "detail"}
        assert isinstance(c["passed"], bool)
    text = json.dumps(js, allow_nan=False)
    back = json.loads(text)
    nan_check = next(c for c in back["checks"] if c["name"] == "nan")
    assert nan_check["passed"] is False and nan_check["observed"] == "nan"
    mp_check = next(c for c in back["checks"] if c["name"] == "mp")
    assert mp_check["observed"].startswith("0.333333")
    assert [c["passed"] for c in back["checks"]] == [c.passed for c in report.checks]


def test_compare_method_checks_an_external_statement():
    d = toy()
    good = d.compare("eq", sp.Eq(x**2 - a, 0))
    bad = d.compare("eq", sp.Eq(x**2, 2 * a))
    assert all(c.passed for c in good)
    assert not any(c.passed for c in bad)
