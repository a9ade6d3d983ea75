"""A derivation: an ordered list of checkable steps plus the numeric checks that back it.

>>> import sympy as sp
>>> from derive.operations import solve_for
>>> x, a = sp.symbols("x a", positive=True)
>>> d = Derivation("toy", "Square root", Source("none", "textbook"))
>>> d.define("eq", "An equation", "x squared is a.", sp.Eq(x**2, a))
>>> d.derive("root", "Its positive root", "Solve for x.", solve_for("eq", x), display=sp.Eq(x, sp.sqrt(a)))
>>> d.verify().passed
True
"""
from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Callable

from derive.operations import Operation
from derivations.engine.checks import CheckResult
from derivations.engine.compare import compare_statements
from derivations.engine.step import Justification, Step
import derivations.engine.render as render


@dataclass(frozen=True)
class Source:
    """Where a result comes from: arXiv id, authors, year, and where in the paper."""

    arxiv: str
    authors: str
    year: str = ""
    title: str = ""
    section: str = ""
    equation: str = ""

    def cite(self) -> str:
        where = ", ".join(p for p in (self.section, self.equation) if p)
        head = f"{self.authors} {self.year}".strip()
        ref = f"arXiv:{self.arxiv}" if self.arxiv and self.arxiv[0].isdigit() else self.arxiv
        return f"{head}, {ref}" + (f" ({where})" if where else "")


@dataclass
class NumericCheck:
    """A numeric check of a derivation: ``run(quick)`` returns one or more CheckResults.

    A check whose function also takes ``executor`` gets the ``concurrent.futures.Executor``
    passed to :meth:`Derivation.verify` (for its simulation ensembles).  Checks of one derivation with
    the same non-empty ``shares`` key reuse a cached computation (e.g. a finite-size theory curve): a
    parallel ``verify`` runs them one after the other in one worker process, so it is computed once.
    """

    name: str
    kind: str
    description: str
    run: Callable
    shares: str = ""

    def __call__(self, quick: bool, executor=None):
        if executor is not None and "executor" in inspect.signature(self.run).parameters:
            return self.run(quick, executor=executor)
        return self.run(quick)


@dataclass
class Report:
    name: str
    passed: bool
    seconds: float
    checks: list[CheckResult]

    def to_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "seconds": round(self.seconds, 3),
                "checks": [c.to_json() for c in self.checks]}


@dataclass
class Derivation:
    """An ordered, checkable sequence of steps with its source and assumptions."""

    name: str
    title: str
    source: Source
    summary: str = ""
    assumptions: tuple = ()
    steps: list[Step] = field(default_factory=list)
    numeric_checks: list[NumericCheck] = field(default_factory=list)
    symbolic_budget: float = 10.0

    # ---- building -------------------------------------------------------------------
    def _add(self, step: Step) -> None:
        if step.label in self.labels():
            raise ValueError(f"{self.name}: duplicate step label {step.label!r}")
        self.steps.append(step)

    def define(self, label, title, prose, statement, **kw):
        self._add(Step(label, title, prose, statement, Justification.DEFINITION, **kw))

    def assume(self, label, title, prose, statement, **kw):
        self._add(Step(label, title, prose, statement, Justification.ASSUMPTION, **kw))

    def identity(self, label, title, prose, statement, **kw):
        self._add(Step(label, title, prose, statement, Justification.IDENTITY, **kw))

    def approximate(self, label, title, prose, statement, checked_by, **kw):
        self._add(Step(label, title, prose, statement, Justification.APPROXIMATION,
                       checked_by=tuple(checked_by), **kw))

    def quote(self, label, title, prose, statement, checked_by, reference="", **kw):
        self._add(Step(label, title, prose, statement, Justification.QUOTED,
                       checked_by=tuple(checked_by), reference=reference, **kw))

    def derive(self, label, title, prose, operation: Operation, display=None, **kw):
        """Add a step whose statement is produced by ``operation`` on earlier steps.

        ``display`` is the form shown to readers; if given, the check proves that it is
        the same statement as the operation's result.
        """
        produced = operation.apply(self.statements())
        self._add(Step(label, title, prose, produced if display is None else display,
                       Justification.DERIVED, operation=operation, **kw))

    def check(self, name: str, kind: str, description: str, shares: str = ""):
        """Decorator registering a numeric check ``fn(quick: bool) -> CheckResult | list`` (``shares``: see
        :class:`NumericCheck`)."""
        def register(fn):
            self.numeric_checks.append(NumericCheck(name, kind, description, fn, shares))
            return fn
        return register

    # ---- reading --------------------------------------------------------------------
    def labels(self) -> list[str]:
        return [s.label for s in self.steps]

    def statements(self, upto: str | None = None) -> dict:
        out = {}
        for s in self.steps:
            if s.label == upto:
                break
            out[s.label] = s.statement
        return out

    def step(self, label: str) -> Step:
        for s in self.steps:
            if s.label == label:
                return s
        raise KeyError(f"{self.name} has no step {label!r}; steps: {self.labels()}")

    def __getitem__(self, label: str):
        return self.step(label).statement

    # ---- checking -------------------------------------------------------------------
    def run_numeric_check(self, index: int, quick: bool = False, executor=None) -> list[CheckResult]:
        """Run numeric check number ``index`` (its results, each with ``extra["seconds"]``); a check that
        raises, returns nothing or returns something else than CheckResults is one failure."""
        check, t0 = self.numeric_checks[index], time.perf_counter()
        try:
            out = check(quick, executor)
        except Exception as exc:  # reported, never swallowed into a pass
            out = CheckResult(check.name, check.kind, False, detail=f"raised {exc!r}")
        out = out if isinstance(out, list) else [out]
        if not out:
            out = [CheckResult(check.name, check.kind, False, detail="the check returned no result")]
        strays = [r for r in out if not isinstance(r, CheckResult)]
        if strays:
            out = [CheckResult(check.name, check.kind, False,
                               detail=f"the check returned {type(strays[0]).__name__}, not a CheckResult")]
        for r in out:
            r.extra.setdefault("seconds", round(time.perf_counter() - t0, 3))
        return out

    def run_numeric_checks(self, quick: bool = False, executor=None) -> dict[str, list[CheckResult]]:
        """Run every numeric check: check name -> its results (a check that raises is one failure)."""
        return {c.name: self.run_numeric_check(i, quick, executor) for i, c in enumerate(self.numeric_checks)}

    def check_symbolic_steps(self, labels=None) -> dict[str, list[CheckResult]]:
        """The checks of the steps that stand on their own (replays, identities, definitions), all of them or
        those of ``labels``: label -> results.  The steps backed by numeric checks are left to
        :meth:`check_steps`."""
        return {step.label: step.check(self.statements(upto=step.label), {}, seconds=self.symbolic_budget)
                for step in self.steps if not step.backed_by_numeric and (labels is None or step.label in labels)}

    def check_steps(self, numeric_results: dict, symbolic: dict | None = None) -> list[CheckResult]:
        """Every step's checks in step order; ``numeric_results`` maps check name -> passed, ``symbolic`` is
        :meth:`check_symbolic_steps`' result if it was computed already (e.g. in another process)."""
        symbolic = self.check_symbolic_steps() if symbolic is None else symbolic
        results = []
        for step in self.steps:
            results.extend(step.check({}, numeric_results) if step.backed_by_numeric else symbolic[step.label])
        return results

    def verify(self, quick: bool = False, executor=None) -> Report:
        """Check every step and run every numeric check; passed only if all passed.

        ``executor`` (any ``concurrent.futures.Executor``) runs simulation ensembles in parallel;
        results are identical to the serial run (one seeded stream per draw).
        """
        t0 = time.perf_counter()
        numeric = self.run_numeric_checks(quick, executor)
        return self.report(numeric, self.check_symbolic_steps(), time.perf_counter() - t0)

    def report(self, numeric: dict, symbolic: dict, seconds: float) -> Report:
        """The report from the numeric checks' results (name -> results) and :meth:`check_symbolic_steps`."""
        by_check = {name: all(r.passed for r in results) for name, results in numeric.items()}
        checks = self.check_steps(by_check, symbolic) + [r for results in numeric.values() for r in results]
        return Report(self.name, all(c.passed for c in checks), seconds, checks)

    def compare(self, label: str, other) -> list[CheckResult]:
        """Is ``other`` the same statement as step ``label``? (symbolic + numeric)"""
        return compare_statements(other, self[label], name=f"{self.name}:{label}")

    # ---- rendering ------------------------------------------------------------------
    def to_text(self) -> str:
        return render.to_text(self)

    def to_latex(self) -> str:
        return render.to_latex_document(self)

    def to_markdown(self) -> str:
        return render.to_markdown(self)

    def _repr_latex_(self) -> str:
        return render.to_jupyter_latex(self)
