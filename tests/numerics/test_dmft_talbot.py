"""The float64 Talbot route: inversion accuracy, κ(z) on the contour, failure is loud."""
import numpy as np
import pytest

from numerics.dmft_talbot import kappa_on_nodes, talbot_invert, talbot_nodes, transforms_on_nodes


def test_inverts_known_transforms_to_float_accuracy():
    t = np.geomspace(1e-3, 1e3, 25)
    rates = np.geomspace(1e-2, 1e2, 9)                      # a mixture over four decades
    f = talbot_invert(lambda z: sum(1 / (z[..., None] + rates)[..., k] for k in range(rates.size)), t)
    exact = np.exp(-np.outer(t, rates)).sum(axis=1)
    # absolute error ~ 1e-10·max|f| (round-off amplified by e^{δ₀} = e^{0.4M}, M = 18)
    assert np.max(np.abs(f - exact)) < 1e-9 * exact.max()
    g = talbot_invert(lambda z: (np.sqrt(z + 3) - np.sqrt(z)), np.array([0.1, 1.0]))
    # inverse of √(z+3) − √z is (1 − e^{−3t})/(2√π t^{3/2})
    ref = (1 - np.exp(-3 * np.array([0.1, 1.0]))) / (2 * np.sqrt(np.pi) * np.array([0.1, 1.0]) ** 1.5)
    np.testing.assert_allclose(g, ref, rtol=1e-9)


@pytest.mark.parametrize("P,g,c", [(100, 0.1, 1.0), (50, 0.0, 1.0), (200, 0.0, 0.01), (100, 0.0, 1.0)])
def test_kappa_solves_the_equation_on_the_right_branch(P, g, c):
    lam = np.arange(1, 101) ** -1.5
    delta, _ = talbot_nodes()
    z = delta[None, :] / np.array([1e-3, 0.1, 10.0])[:, None]
    kappa = kappa_on_nodes(z, lam, P, g, c)
    w = (z + g) / c
    resid = kappa * (P - (lam / (lam + kappa[..., None])).sum(-1)) - w
    assert np.max(np.abs(resid) / (np.abs(w) + P * np.abs(kappa))) < 1e-12
    S, R = transforms_on_nodes(z, lam, P, g, c)
    upper = z.imag > 0
    assert np.all(R[upper].imag < 0)                        # Stieltjes: Im R̂ < 0 for Im z > 0
    # (K-5) itself: R̂_i = 1/(z + g + cPΛ_iρ̂), ρ̂ = 1/(1 + cŜ)
    rho = 1 / (1 + c * S)
    np.testing.assert_allclose(R, 1 / (z[..., None] + g + c * P * lam * rho[..., None]), rtol=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="times"):
        talbot_invert(lambda z: 1 / z, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="M"):
        talbot_nodes(2)


@pytest.mark.filterwarnings("error")
def test_complex_times_are_refused_not_cut():
    with pytest.raises(ValueError, match="times"):
        talbot_invert(lambda z: 1 / z, np.array([1.0 + 1j]))
