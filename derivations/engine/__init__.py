"""The derivation engine: steps, their justifications and checks, entries, scaling laws, figures, rendering.

The engine imports no theory area; the areas build on it.
"""
from derivations.engine.checks import CheckResult
from derivations.engine.derivation import Derivation, NumericCheck, Report, Source
from derivations.engine.entry import Entry
from derivations.engine.step import Justification, Step

__all__ = ["CheckResult", "Derivation", "Entry", "Justification", "NumericCheck", "Report", "Source", "Step"]
