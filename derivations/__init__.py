"""The catalogue of derivations of the theory of neural scaling laws, and its command line.

>>> import derivations
>>> derivations.names()[:3]
['marchenko-pastur', 'ridge-regression', 'linear-random-features']
>>> derivations.names()[3:8]
['ridge-exponents', 'random-feature-exponents', 'structured-random-features', 'dmft-langevin', 'dmft-exponents']
>>> derivations.names()[8:]
['online-sgd-linear', 'online-sgd-erf', 'online-sgd-overrealizable', 'online-random-features']
>>> derivations.get("marchenko-pastur")["s-transform"]
Eq(S_W(t), 1/(q*t + 1))

Entries (modules): ``marchenko_pastur``, ``ridge_regression`` and ``linear_random_features``
(each with ``learning_curve``), ``ridge_exponents``, ``random_feature_exponents`` and
``structured_random_features`` (the scaling laws; their numerical confirmation is in :mod:`derivations.exponents`, the infinite
power-law theory in :mod:`derivations.random_features.power_law`); ``dmft_langevin`` (Langevin-trained random features:
``test_error_curve``, ``simulate_test_error``) and ``dmft_exponents`` (its laws in time and data);
``online_sgd_linear``, ``online_sgd_erf``, ``online_sgd_overrealizable`` and ``online_random_features``
(online SGD of two-layer networks; the API ``online_sgd.generalization_curve`` and ``online_sgd.simulate``).
The engine is in :mod:`derivations.engine`.
"""
import numerics  # noqa: F401  (first: sets single-threaded BLAS before NumPy is loaded)
from derivations.registry import describe, get, names

__all__ = ["get", "names", "describe"]
