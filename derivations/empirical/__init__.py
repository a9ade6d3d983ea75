"""The empirical-spectrum path: the Gaussian deterministic-equivalent theory against real data.

The data are scikit-learn's bundled handwritten digits (``sklearn.datasets.load_digits``: 1797
images of 8×8 pixels with grey levels 0–16, shipped inside the package, so nothing is
downloaded). scikit-learn is optional: it is imported only when the data are loaded
(``pip install 'neural-scaling-derivations[data]'``).

The population is the finite data set itself. With x_i the n = 1797 centred images and y_i
their centred targets,

    Σ = (1/n) Σ_i x_i x_iᵀ = Σ_k η_k u_k u_kᵀ,      E[xy] = (1/n) Σ_i x_i y_i,
    w̄ = Σ⁺ E[xy]  (w̄_k = u_k·E[xy]/η_k),           σ² = E[(y − w̄·x)²],

and drawing P images with replacement gives P i.i.d. samples of that population exactly. As
w̄ is the population least-squares solution, E[x(y − w̄·x)] = 0, so for any estimator ŵ in
the span of the data the population test error is exactly σ² + (ŵ − w̄)ᵀΣ(ŵ − w̄): the excess
test error E_g is computed without a held-out set. The residual ε = y − w̄·x plays the part of
the label noise of the theory (``learning_curve(η, w̄_k, P, λ, noise_variance=σ²)``), but it is
neither Gaussian nor independent of x (it is a deterministic function of the image), and x
itself is not Gaussian: :func:`diagnostics` measures both, :func:`compare_ridge` and
:func:`compare_random_features` measure what that does to the learning curve, and
:func:`report` (``python -m derivations.empirical``) prints the result.

=================================  ==========================================================
:func:`empirical_problem`          population quantities of any finite data set (X, y)
:func:`digits_problem`             the same for the digits (target parity, a class, or value)
:func:`diagnostics`                non-Gaussianity of the whitened data and of the residual
:func:`compare_ridge`              ridge regression on resampled images vs. the theory
:func:`compare_random_features`    linear random features on resampled images vs. the theory
:func:`fit_spectrum_power_law`     η_k ≈ C k^(−α) over rank ranges, bootstrap over samples
:func:`fit_source_power_law`       teacher tail Σ_{j≥k} w̄_j²η_j as the tail of C j^(−1−2αr)
:func:`report`                     the text report (numbers measured when it runs)
=================================  ==========================================================

What the report measured (parity target, 400 draws per P; numbers of :func:`report`): the theory
holds to 2.3% wherever its renormalised ridge κ ≥ 0.1 (λ = 0.1, every P from 16 to 1024), and
to 2.7% for P ≤ 32 at every λ; for 0.01 ≤ κ < 0.1 it is within 7%; for κ < 0.01 (λ ≤ 1e-3 and
P ≥ 48) the data exceed it by 4–21%, and ridgeless regression at P ≥ 48 gives 2–20 times the
theory's error (infinite at P = 61 = rank). The reason is structural: the 14 trailing
directions of Σ (ranks 48–61, η ≤ 3.6e-3) are carried by 2–108 effective images each
(coordinate kurtosis 17–950; Gaussian 3), so a resample sees them a few times or not at all,
which the Gaussian theory cannot know; κ ≫ 3.6e-3 hides them. With them projected out the
ridgeless excess drops to 9–27%, and to 1% at P = 1024 once the noise term carries the
residual's sandwich weight h = 1.077 (the residual is not independent of x). Linear random
features: 2–14%. The spectrum is not one power law: α rises from 0.78 (ranks 1–10) to 2.29
(ranks 10–50); the source exponent r ≈ 0.24–0.29 is not well defined either.

Reads bottom-up: :mod:`.inputs` (argument checks) ← :mod:`.problem` (the population: spectrum,
teacher, residual, diagnostics; the digits) ← :mod:`.comparison` (ridge and random features on
resampled data against the learning curves of :mod:`derivations.ridge` and
:mod:`derivations.random_features`) and :mod:`.fits` (spectrum and source exponents, bootstrap over
samples) ← :mod:`.report` ← this face; ``__main__`` prints the report.

A toy population (four points in two dimensions; no scikit-learn needed):

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
>>> pop = empirical_problem(X, np.array([1.0, -1.0, 1.0, 0.0]))
>>> pop.eigenvalues.tolist(), pop.rank, round(pop.noise_variance, 12)
([2.0, 0.5], 2, 0.0625)
"""
from __future__ import annotations

from derivations.empirical.comparison import Comparison, compare_random_features, compare_ridge, format_comparisons
from derivations.empirical.fits import PowerLawFit, SourceFit, fit_source_power_law, fit_spectrum_power_law
from derivations.empirical.problem import (DATA_EXTRA, HEAVY_KURTOSIS, RANK_RTOL, EmpiricalProblem, diagnostics,
                                           digits_problem, empirical_problem)
from derivations.empirical.report import report

__all__ = [
    "DATA_EXTRA",
    "HEAVY_KURTOSIS",
    "RANK_RTOL",
    "EmpiricalProblem",
    "empirical_problem",
    "digits_problem",
    "diagnostics",
    "Comparison",
    "compare_ridge",
    "compare_random_features",
    "format_comparisons",
    "PowerLawFit",
    "SourceFit",
    "fit_spectrum_power_law",
    "fit_source_power_law",
    "report",
]
