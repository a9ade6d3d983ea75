"""Gradient descent's stability edge at finite N, P (gd-stability-finite): the deterministic-equivalent top of
the empirical kernel's spectrum, its limits, and the refusal of steps beyond it."""
import math

import numpy as np
import pytest

from derivations.random_features import (discrete_loss_curve, discrete_transfer_functions, gd_stability_limit,
                                         spectrum_edge)
from derivations.random_features.dynamics_sgd_theory import spectrum_top


def test_marchenko_pastur_edges():
    # flat spectrum, P = ∞: Σ = AAᵀ/N has the MP edge (M/N)(1 + √(N/M))²
    for M, N in ((400, 100), (100, 400)):
        assert spectrum_edge(np.ones(M), N, math.inf) == pytest.approx((M / N) * (1 + math.sqrt(N / M)) ** 2, rel=1e-12)
    # N = ∞: G = ΨᵀΨ/P-like with the data ratio M/P
    assert spectrum_edge(np.ones(300), math.inf, 600) == pytest.approx((1 + math.sqrt(300 / 600)) ** 2, rel=1e-12)


def test_population_limit_and_finite_sizes_raise_the_edge():
    eta = np.arange(1, 301) ** -1.5
    assert gd_stability_limit(eta, math.inf, math.inf) == 2.0
    limits = [gd_stability_limit(eta, N, 2 * N) for N in (30, 100, 1000)]
    assert limits[0] < limits[1] < limits[2] < 2.0
    assert spectrum_top(eta, 40) == spectrum_edge(eta, 40, math.inf)


def test_steps_beyond_the_edge_are_refused_by_name():
    eta, w = np.arange(1, 101) ** -1.5, np.ones(100)
    h = gd_stability_limit(eta, 40, 60)
    assert np.all(np.isfinite(discrete_transfer_functions([0, 10], eta, 40, 60, 0.99 * h)))
    for call in (lambda s: discrete_transfer_functions([0, 10], eta, 40, 60, s),
                 lambda s: discrete_loss_curve([0, 10], eta, w, 40, 60, s)):
        with pytest.raises(ValueError, match="step_size"):
            call(1.01 * h)
