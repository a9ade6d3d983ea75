"""verify in worker processes: the same reports as in one process, in the order asked for."""
import json

import pytest
import sympy as sp

from derivations import registry
from derivations.engine import CheckResult, Derivation, Source
from derivations.engine.parallel import available_cores, verify_entries

x = sp.Symbol("x", positive=True)


def _toy(name: str) -> Derivation:
    """A derivation with a replayed step, a quoted step backed by a check, a passing check, a check whose
    verdict depends on the name, and a check that raises."""
    d = Derivation(name, "Toy", Source("none", "nobody"))
    d.define("eq", "Eq", "x squared is four.", sp.Eq(x**2, 4))
    d.quote("claim", "Claim", "x is two.", sp.Eq(x, 2), checked_by=["depends"])
    d.check("fine", "numeric", "passes")(lambda quick: CheckResult("fine", "numeric", True, 1.0, 1.0))
    d.check("depends", "numeric", "fails for 'bad'")(
        lambda quick: CheckResult("depends", "numeric", name != "bad", 2.0, 2.0 if name != "bad" else 3.0))
    d.check("raises", "numeric", "raises for 'bad'")(
        lambda quick: CheckResult("raises", "numeric", 1 / (name != "bad") == 1))
    d.check("stray", "numeric", "returns a number")(lambda quick: 1.0)
    return d


_BUILT = {}


def toy_get(name: str) -> Derivation:
    """Module level, so that a spawned worker could call it too."""
    return _BUILT.setdefault(name, _toy(name))


def _same(reports_a, reports_b):
    strip = [[{k: v for k, v in c.to_json().items()} for c in r.checks] for r in reports_a]
    other = [[{k: v for k, v in c.to_json().items()} for c in r.checks] for r in reports_b]
    return strip == other and [r.passed for r in reports_a] == [r.passed for r in reports_b]


def test_two_workers_give_the_serial_reports_in_order():
    names = ["good", "bad", "good2"]
    serial = list(verify_entries(names, toy_get, jobs=1))
    pooled = list(verify_entries(names, toy_get, jobs=2))
    assert [r.name for r in pooled] == names
    assert _same(serial, pooled)
    assert [r.passed for r in pooled] == [False, False, False]   # 'stray' fails everywhere


def test_a_failed_check_fails_the_step_it_backs_and_a_raise_is_reported():
    bad = next(verify_entries(["bad"], toy_get, jobs=2))
    by_name = {c.name: c for c in bad.checks}
    assert not by_name["step claim: numeric backing"].passed
    assert "failed ['depends']" in by_name["step claim: numeric backing"].detail
    assert not by_name["raises"].passed and "ZeroDivisionError" in by_name["raises"].detail
    assert by_name["step eq: well-formed"].passed
    assert not by_name["stray"].passed and "not a CheckResult" in by_name["stray"].detail


def test_an_entry_named_twice_is_verified_once():
    assert [r.name for r in verify_entries(["good", "good"], toy_get, jobs=2)] == ["good"]


@pytest.mark.parametrize("jobs", [0, -1, True, 1.5, "2"])
def test_bad_jobs_is_refused_by_name(jobs):
    with pytest.raises(ValueError, match="jobs"):
        list(verify_entries(["good"], toy_get, jobs=jobs))


def test_available_cores_is_a_positive_count():
    assert isinstance(available_cores(), int) and available_cores() >= 1


def test_a_catalogue_entry_is_identical_with_two_workers():
    serial = list(verify_entries(["marchenko-pastur"], registry.get, quick=True, jobs=1))
    pooled = list(verify_entries(["marchenko-pastur"], registry.get, quick=True, jobs=2))
    assert serial[0].passed and _same(serial, pooled)
    assert json.dumps(pooled[0].to_json()["checks"]) == json.dumps(serial[0].to_json()["checks"])


def test_steps_split_over_tasks_are_reassembled_in_step_order(monkeypatch):
    import derivations.engine.parallel as parallel
    from derive.operations import solve_for
    monkeypatch.setattr(parallel, "STEPS_PER_TASK", 1)

    def chain(name):
        a = sp.Symbol("a", positive=True)
        d = Derivation(name, "Chain", Source("none", "nobody"))
        d.define("eq", "Eq", "x squared is a.", sp.Eq(x**2, a))
        d.derive("root", "Root", "Solve for x.", solve_for("eq", x))
        d.identity("same", "Same", "x + x is 2x.", sp.Eq(x + x, 2 * x, evaluate=False))
        d.quote("claim", "Claim", "x is two.", sp.Eq(x, 2), checked_by=["fine"])
        d.check("fine", "numeric", "passes")(lambda quick: CheckResult("fine", "numeric", True, 1.0, 1.0))
        return d
    _BUILT["chain"] = chain("chain")
    serial = list(verify_entries(["chain"], toy_get, jobs=1))
    pooled = list(verify_entries(["chain"], toy_get, jobs=2))
    assert _same(serial, pooled) and pooled[0].passed
    assert [c.name.split(":")[0] for c in pooled[0].checks[:4]] == ["step eq", "step root", "step same", "step claim"]


def test_checks_that_share_a_computation_run_in_one_worker_in_check_order():
    import os

    def sharing(name):
        d = Derivation(name, "Sharing", Source("none", "nobody"))
        d.define("eq", "Eq", "x squared is four.", sp.Eq(x**2, 4))
        for k in range(4):                     # 0 and 2 share a key, 1 and 3 stand alone
            shares = "curve" if k % 2 == 0 else ""
            d.check(f"c{k}", "simulation", "reports its process", shares)(
                lambda quick: CheckResult("pid", "simulation", True, float(os.getpid()), float(os.getpid())))
        return d
    _BUILT["sharing"] = sharing("sharing")
    from derivations.engine.parallel import _check_groups
    assert _check_groups(_BUILT["sharing"]) == [(0, 2), (1,), (3,)]
    report = next(verify_entries(["sharing"], toy_get, jobs=2))
    pids = [c.expected for c in report.checks if c.name == "pid"]
    assert len(pids) == 4 and pids[0] == pids[2]
    serial = next(verify_entries(["sharing"], toy_get, jobs=1))
    assert [c.name for c in serial.checks] == [c.name for c in report.checks]


def test_the_early_stopping_laws_share_one_worker():
    d = registry.get("dmft-exponents")
    keys = {c.name.split(":")[0]: c.shares for c in d.numeric_checks if c.kind == "exponent"}
    assert keys["exponent dmft-early-stopping-error"] == keys["exponent dmft-early-stopping-time"] != ""
