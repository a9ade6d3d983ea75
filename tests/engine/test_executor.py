"""Executors reach the simulation checks, and change nothing but the wall time."""
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import sympy as sp

from derivations.ridge import checks as _ridge_checks
from derivations.engine import CheckResult, Derivation, Source


def _toy():
    x = sp.Symbol("x", positive=True)
    d = Derivation("toy", "Toy", Source("none", "nobody"))
    d.define("def", "Definition", "x is x squared over x.", sp.Eq(sp.Symbol("y"), x))
    seen = {}

    @d.check("with-executor", "numeric", "records the executor it gets")
    def _with(quick, executor=None):
        seen["with"] = executor
        return CheckResult("with-executor", "numeric", True)

    @d.check("without-executor", "numeric", "takes quick only")
    def _without(quick):
        seen["without"] = "called"
        return CheckResult("without-executor", "numeric", True)

    return d, seen


def test_executor_is_passed_only_to_checks_that_take_it():
    d, seen = _toy()
    with ThreadPoolExecutor(1) as pool:
        assert d.verify(executor=pool).passed
        assert seen == {"with": pool, "without": "called"}


def test_parallel_ensembles_give_the_serial_numbers():
    serial = _ridge_checks.bias_variance(quick=True)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = _ridge_checks.bias_variance(quick=True, executor=pool)
    assert [r.observed for r in serial] == [r.observed for r in parallel]
    assert all(r.passed for r in serial)
