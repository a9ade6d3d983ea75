"""A step of a derivation: a statement and the reason it holds.

The justification is one of

==============  ===============================================================
definition      introduces notation; nothing to prove
assumption      a modelling assumption; nothing to prove, stated so it is seen
derived         produced by a recorded SymPy :class:`~derive.operations.Operation`
                from earlier steps; the check replays the operation
identity        an equation that holds for all values of its symbols; SymPy proves it
                (a matrix identity that has no scalar SymPy form names numeric checks instead)
approximation   not exact (large-D limit, deterministic equivalent ...); checked by
                named numerical checks of the derivation
quoted          a result quoted from the literature; checked numerically
==============  ===============================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import sympy as sp

from derive.equations import equation_parts
from derive.operations import Operation
from derivations.engine.checks import CheckResult
from derivations.engine.compare import compare_statements


class Justification(str, Enum):
    DEFINITION = "definition"
    ASSUMPTION = "assumption"
    DERIVED = "derived"
    IDENTITY = "identity"
    APPROXIMATION = "approximation"
    QUOTED = "quoted result"


@dataclass
class Step:
    """One labelled, checkable step of a :class:`~derivations.engine.derivation.Derivation`."""

    label: str
    title: str
    prose: str
    statement: object
    justification: Justification
    operation: Operation | None = None
    reference: str = ""
    checked_by: tuple[str, ...] = ()
    domains: dict = field(default_factory=dict)

    def __post_init__(self):
        for eq in equation_parts(self.statement):
            if not isinstance(eq, sp.Equality):
                raise TypeError(f"step {self.label!r}: statement must be Eq or a tuple of Eq, got {eq!r}")
        if self.justification is Justification.DERIVED and self.operation is None:
            raise ValueError(f"step {self.label!r}: a derived step needs its operation")
        if self.justification in (Justification.APPROXIMATION, Justification.QUOTED) and not self.checked_by:
            raise ValueError(f"step {self.label!r}: a {self.justification.value} needs a numeric check")

    @property
    def equations(self) -> tuple[sp.Eq, ...]:
        return equation_parts(self.statement)

    def justification_text(self) -> str:
        j = self.justification
        if j is Justification.DERIVED:
            return f"derived: {self.operation.describe()}"
        if j in (Justification.APPROXIMATION, Justification.QUOTED):
            ref = f" [{self.reference}]" if self.reference else ""
            return f"{j.value}{ref}; checked numerically by: {', '.join(self.checked_by)}"
        if j is Justification.IDENTITY and self.checked_by:
            return ("exact matrix identity (not a scalar SymPy identity); checked numerically by: "
                    + ", ".join(self.checked_by))
        if j is Justification.IDENTITY:
            return "identity, proved by SymPy" + (f" [{self.reference}]" if self.reference else "")
        return j.value + (f" [{self.reference}]" if self.reference else "")

    @property
    def backed_by_numeric(self) -> bool:
        """True if this step's check is the passing of its numeric checks (``checked_by``), not a proof."""
        j = self.justification
        return j in (Justification.APPROXIMATION, Justification.QUOTED) or (
            j is Justification.IDENTITY and bool(self.checked_by))

    def check(self, earlier: dict, numeric_results: dict, seconds: float = 10.0) -> list[CheckResult]:
        """Check this step given the statements of the earlier steps and the numeric checks."""
        j, name = self.justification, f"step {self.label}"
        if j is Justification.DERIVED:
            try:
                replayed = self.operation.apply(earlier)
            except Exception as exc:  # a replay that crashes is a failed check, said plainly
                return [CheckResult(f"{name}: replay", "symbolic", False, detail=f"replay raised {exc!r}")]
            return compare_statements(replayed, self.statement, name=name, domains=self.domains, seconds=seconds)
        if j is Justification.IDENTITY and self.checked_by:
            return [self._numeric_backing(name, numeric_results)]
        if j is Justification.IDENTITY:
            return [r for eq in self.equations for r in compare_statements(
                sp.Eq(eq.lhs, eq.lhs, evaluate=False), eq, name=name, domains=self.domains,
                seconds=seconds, what="identity")]
        if j in (Justification.APPROXIMATION, Justification.QUOTED):
            return [self._numeric_backing(name, numeric_results)]
        return [self._well_formed(name)]

    def _numeric_backing(self, name, numeric_results) -> CheckResult:
        missing = [c for c in self.checked_by if c not in numeric_results]
        failed = [c for c in self.checked_by if c in numeric_results and not numeric_results[c]]
        ok = not missing and not failed
        detail = (f"{self.justification.value}: backed by numeric checks {list(self.checked_by)}"
                  + (f"; missing {missing}" if missing else "") + (f"; failed {failed}" if failed else ""))
        return CheckResult(f"{name}: numeric backing", "numeric", ok, detail=detail)

    def _well_formed(self, name) -> CheckResult:
        bad = [eq for eq in self.equations if eq.has(sp.nan, sp.zoo)]
        return CheckResult(f"{name}: well-formed", "symbolic", not bad,
                           detail=f"{self.justification.value}: nothing to prove; "
                                  f"{len(self.equations)} equation(s), no NaN/zoo" if not bad else f"contains NaN/zoo: {bad}")
