"""feature-learning-finite-width: the start's statistics, the sensitivities, the public curve and its refusals."""
import numpy as np
import pytest

from derivations.feature_learning import build_finite_width, prediction_fluctuations
from derivations.feature_learning import finite_width_steps as fw
from derivations.feature_learning.linear_steps import K0, N, Phi0, f0, gamma0


def test_the_start_statistics_are_those_of_gaussian_neurons():
    stats = {str(eq.lhs): eq.rhs for eq in fw.derivation()["initial-statistics"]}
    assert stats["E(K_0)"] == 2 * Phi0 and stats[str(N * fw.Var_(K0))] == 4 * Phi0 ** 2
    assert stats[str(N * fw.Var_(f0))] == Phi0 / gamma0 ** 2 and stats[str(N * fw.Cov_(K0, f0))] == 0


def test_the_start_statistics_follow_the_weights_law():
    """Readout weights of standard deviation 2 (instead of 1): N·Var K₀ = Var(h²) + Φ⁰²Var(w²) = 2Φ⁰² + 32Φ⁰²."""
    d = fw.derivation()
    weights = (d["initial-weights"][0].func(fw.sigma_w, 2), d["initial-weights"][1])
    stats = fw._statistics(d["ntk"], d["prediction-overlap"], d["order-parameters"], weights)
    assert stats[1].rhs == 34 * Phi0 ** 2 and stats[3].rhs == 4 * Phi0 / gamma0 ** 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(times=[1.0, 0.5]), "times"), (dict(times=[-1.0]), "times"), (dict(gamma0=0.0), "gamma0"),
    (dict(phi0=-1.0), "phi0"), (dict(y=np.nan), "y"),
])
def test_bad_input_is_refused_by_name(kwargs, match):
    args = dict(times=[0.0, 1.0], y=1.0, gamma0=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        prediction_fluctuations(**args)


def test_the_entry_verifies_quickly():
    report = build_finite_width().verify(quick=True)
    assert report.passed, [c.name for c in report.checks if not c.passed]
