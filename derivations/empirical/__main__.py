"""``python -m derivations.empirical``: print the report (:func:`derivations.empirical.report`)."""
from derivations.empirical.report import report

if __name__ == "__main__":
    print(report())
