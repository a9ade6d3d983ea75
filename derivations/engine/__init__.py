"""The derivation engine: steps, their justifications and checks, and rendering."""
from derivations.engine.checks import CheckResult
from derivations.engine.derivation import Derivation, NumericCheck, Report, Source
from derivations.engine.step import Justification, Step

__all__ = ["CheckResult", "Derivation", "Justification", "NumericCheck", "Report", "Source", "Step"]
