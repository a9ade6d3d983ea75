"""Tests of numerics.dmft_discrete: the discrete saddle point, the direct simulation of the discrete
dynamics, the continuum solution and the Laplace form (K-5); exact small cases, reproducibility and
input errors.  (The derivation-level checks that use them are in tests/derive/test_msr.py.)

Statistical checks are z-tests at familywise level 1e-3 with a Bonferroni threshold over the z-tests
made in that test; all seeds are fixed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.dmft_discrete import continuum_solution, discrete_dmft, laplace_kernel, simulate_discrete_dynamics
from numerics.simulation import Estimate, z_test, z_threshold

FAMILYWISE = 1e-3
PROBLEM = dict(lam=np.array([0.9, 0.5, 0.2]), wbar=np.array([1.0, -0.5, 0.7]), P_=4, c_=0.6, g_=0.3, beta_=3.0,
               sigma2_=0.4, h_=0.2)


def test_discrete_dmft_first_steps_in_closed_form():
    """Lag 1 of S is ΣΛ, lag 2 is ΣΛ(1 − h(g + cPΛ)); Δ_1 = (1 − h(g + cPΛ))Δ_0 − hgw̄."""
    p = PROBLEM
    out = discrete_dmft(p["lam"], p["wbar"], p["P_"], p["c_"], p["g_"], p["beta_"], p["sigma2_"], p["h_"], T=3)
    decay = 1 - p["h_"] * (p["g_"] + p["c_"] * p["P_"] * p["lam"])
    assert math.isclose(out["S"][1, 0], p["lam"].sum(), rel_tol=1e-14)
    assert math.isclose(out["S"][2, 0], p["lam"] @ decay, rel_tol=1e-14)
    assert np.allclose(out["m"][:, 1], -decay * p["wbar"] - p["h_"] * p["g_"] * p["wbar"], rtol=1e-14, atol=0)
    assert np.allclose(out["rho_tilde"], np.tril(out["rho_tilde"], -1))        # strictly causal
    assert np.allclose(out["C"], out["C"].T)


def test_simulation_matches_the_exact_first_moments_at_finite_size():
    """E over data of Σ_iΛ_iw̄_iΔ_i1 and of the lag-2 response are linear in ΦᵀΦ (E ΦᵀΦ = PΛ), so the
    discrete DMFT gives them exactly at any N, P: z-tests of the simulation against it."""
    p = PROBLEM
    T, draws = 3, 4000
    th = discrete_dmft(p["lam"], p["wbar"], p["P_"], p["c_"], p["g_"], p["beta_"], p["sigma2_"], p["h_"], T)
    sim = simulate_discrete_dynamics(np.random.default_rng(11), p["lam"], p["wbar"], p["P_"], p["c_"], p["g_"],
                                     p["beta_"], p["sigma2_"], p["h_"], T, draws)
    assert np.allclose(sim["S"][:, 0], p["lam"].sum())            # Rademacher probe: lag 1 exactly
    threshold = z_threshold(2, FAMILYWISE)
    for got, want in ((sim["L"][:, 1], (p["lam"] * p["wbar"]) @ th["m"][:, 1]), (sim["S"][:, 1], th["S"][2, 0])):
        zt = z_test(want, Estimate.from_samples(got), threshold)
        assert zt.passed, zt


def test_simulation_is_reproducible_and_shaped():
    p = PROBLEM
    args = (p["lam"], p["wbar"], p["P_"], p["c_"], p["g_"], p["beta_"], p["sigma2_"], p["h_"], 4, 3)
    a = simulate_discrete_dynamics(np.random.default_rng(5), *args)
    b = simulate_discrete_dynamics(np.random.default_rng(5), *args)
    assert {k: v.shape for k, v in a.items()} == {"L": (3, 5), "C": (3, 5), "S": (3, 4)}
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.allclose(a["C"][:, 0], p["lam"] @ p["wbar"] ** 2)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lam=[0.0]), "lam"), (dict(lam=[[1.0]]), "lam"), (dict(wbar=[1.0, 2.0]), "wbar"), (dict(P_=0.0), "P"),
    (dict(c_=-1.0), "c"), (dict(g_=-0.1), "g"), (dict(beta_=0.0), "beta"), (dict(sigma2_=float("nan")), "sigma2"),
    (dict(h_=0.0), "h"), (dict(T=0), "T"), (dict(T=2.5), "T")])
def test_discrete_dmft_names_a_bad_argument(kwargs, name):
    args = dict(lam=[1.0], wbar=[1.0], P_=2.0, c_=1.0, g_=0.1, beta_=1.0, sigma2_=0.1, h_=0.1, T=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name} must"):
        discrete_dmft(**args)


@pytest.mark.parametrize("kwargs, name", [
    (dict(P_=2.5), "P"), (dict(P_=0), "P"), (dict(T=0), "T"), (dict(draws=0), "draws"), (dict(draws=True), "draws"),
    (dict(h_=float("inf")), "h"), (dict(lam=[-1.0]), "lam"), (dict(beta_=-1.0), "beta")])
def test_simulation_names_a_bad_argument(kwargs, name):
    args = dict(lam=[1.0], wbar=[1.0], P_=2, c_=1.0, g_=0.1, beta_=1.0, sigma2_=0.1, h_=0.1, T=3, draws=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name} must"):
        simulate_discrete_dynamics(np.random.default_rng(0), **args)


def test_continuum_and_laplace_name_a_bad_argument():
    with pytest.raises(ValueError, match="^delta must"):
        continuum_solution([1.0], [1.0], 1.0, 1.0, 0.1, 1.0, 0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="^z must"):
        laplace_kernel([1.0], 1.0, 1.0, 0.0, -1.0)


def test_continuum_solution_against_the_laplace_form_for_one_mode():
    """One mode: ρ̂ and R̂ in closed form (a quadratic for κ) against the trapezoidal solution."""
    lam, P_, c_, g_, z_ = np.array([0.7]), 2.0, 0.5, 0.2, 2.0
    kap = ((z_ + g_) / c_ - lam[0] * (P_ - 1) + math.sqrt(((z_ + g_) / c_ - lam[0] * (P_ - 1)) ** 2
                                                         + 4 * P_ * lam[0] * (z_ + g_) / c_)) / (2 * P_)
    R_hat, rt_hat = laplace_kernel(lam, P_, c_, g_, z_)
    assert math.isclose(rt_hat, lam[0] / (lam[0] + kap) / P_, rel_tol=1e-12)
    values = []
    for delta in (0.01, 0.005):
        sol = continuum_solution(lam, np.ones(1), P_, c_, g_, 1.0, 0.0, 20.0, delta, covariance=False)
        weights = np.exp(-z_ * sol["t"]) * delta
        weights[[0, -1]] *= 0.5
        values.append(float(sol["R"][0] @ weights))
    extrapolated = (4 * values[1] - values[0]) / 3          # trapezoid: error O(δ²)
    assert abs(extrapolated - R_hat[0]) <= abs(values[1] - values[0]) / 3


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("kwargs, name", [
    (dict(lam=[1.0 + 0j]), "lam"), (dict(wbar=[1j]), "wbar"), (dict(P_=2.0 + 0j), "P"), (dict(c_=np.complex128(1)), "c"),
    (dict(g_=0.1j), "g"), (dict(beta_=1 + 1j), "beta"), (dict(sigma2_=0.1 + 0j), "sigma2"), (dict(h_=0.1 + 0j), "h")])
def test_complex_arguments_are_refused_by_name(kwargs, name):
    args = dict(lam=[1.0], wbar=[1.0], P_=2.0, c_=1.0, g_=0.1, beta_=1.0, sigma2_=0.1, h_=0.1, T=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name} must"):
        discrete_dmft(**args)
    if name != "h":                                   # the continuum has δ instead of h
        with pytest.raises(ValueError, match=f"^{name} must"):
            continuum_solution(args["lam"], args["wbar"], args["P_"], args["c_"], args["g_"], args["beta_"],
                               args["sigma2_"], 1.0, 0.25)
    else:
        with pytest.raises(ValueError, match="^delta must"):
            continuum_solution([1.0], [1.0], 2.0, 1.0, 0.1, 1.0, 0.1, 1.0, 0.25 + 0j)
