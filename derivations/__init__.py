"""The catalogue of derivations of the theory of neural scaling laws, and its command line.

>>> import derivations
>>> derivations.names()[:3]
['marchenko-pastur', 'ridge-regression', 'linear-random-features']
>>> derivations.names()[3:8]
['ridge-exponents', 'random-feature-exponents', 'structured-random-features', 'dmft-langevin', 'dmft-exponents']
>>> derivations.names()[8:13]
['random-feature-dynamics', 'online-sgd-linear', 'online-sgd-erf', 'online-sgd-overrealizable', 'online-random-features']
>>> derivations.names()[13:]
['feature-learning-linear', 'feature-learning-dmft', 'feature-learning-finite-width']
>>> derivations.get("marchenko-pastur")["s-transform"]
Eq(S_W(t), 1/(q*t + 1))

The catalogue is organised in theory areas, one sub-package each, whose faces hold the entries and the
public API: :mod:`derivations.spectra` (Marchenko–Pastur), :mod:`derivations.ridge` (ridge regression and its
exponents, ``learning_curve``), :mod:`derivations.random_features` (linear, structured and power-law random
features), :mod:`derivations.dmft` (Langevin DMFT, ``test_error_curve``), :mod:`derivations.online_sgd`
(online SGD of two-layer networks, ``generalization_curve``) and :mod:`derivations.empirical` (real data).
The engine is :mod:`derivations.engine`; :mod:`derivations.registry` finds entries, laws and figures by name.
"""
import numerics  # noqa: F401  (first: sets single-threaded BLAS before NumPy is loaded)
from derivations.registry import describe, get, names

__all__ = ["get", "names", "describe"]
