"""The catalogue of derivations of the theory of neural scaling laws, and its command line.

>>> import derivations
>>> derivations.names()
['marchenko-pastur', 'ridge-regression', 'linear-random-features', 'ridge-exponents', 'random-feature-exponents', 'structured-random-features']
>>> derivations.get("marchenko-pastur")["s-transform"]
Eq(S_W(t), 1/(q*t + 1))

Entries (modules): ``marchenko_pastur``, ``ridge_regression`` and ``linear_random_features``
(each with ``learning_curve``), ``ridge_exponents``, ``random_feature_exponents`` and
``structured_random_features`` (the scaling laws; their numerical confirmation is in :mod:`derivations.exponents`, the infinite
power-law theory in :mod:`derivations.power_law_theory`).
The engine is in :mod:`derivations.engine`.
"""
import numerics  # noqa: F401  (first: sets single-threaded BLAS before NumPy is loaded)
from derivations.registry import describe, get, names

__all__ = ["get", "names", "describe"]
