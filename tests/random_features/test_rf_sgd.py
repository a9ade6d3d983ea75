"""``random-feature-dynamics``: one-pass SGD (steps, theory, samplers) and the compute-optimal phases."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import derivations
from derivations.random_features import (power_law_spectrum, sgd_compute_optimal, sgd_flow_loss_curve,
                                         sgd_loss_curve, sgd_recursion_loss)
import derivations.random_features.dynamics_phase_steps as ph
import derivations.random_features.dynamics_sgd_steps as sg
import derivations.random_features.dynamics_steps as dyn
from numerics.sgd_rf_simulation import feature_problem, one_pass_sgd, one_pass_sgd_direct


@pytest.fixture(scope="module")
def d():
    return derivations.get("random-feature-dynamics")


def test_second_moment_recursion_and_its_mode_factor(d):
    recursion, factor = d["sgd-second-moment"]
    assert sp.simplify(factor.rhs - ((1 - sg.h * sg.mu) ** 2 + sg.h ** 2 * sg.mu ** 2 / sg.B)) == 0
    assert sp.simplify(recursion.rhs.coeff(sg.L_n(sg.n)) - sg.h ** 2 * sg.mu / sg.B) == 0


def test_a_wrong_batch_average_is_refused(d):
    """Treating the B samples as one (no 1/B in the update) changes the mode factor: the closure is derived."""
    update = d["sgd-update"]
    wrong = sp.Eq(update.lhs, sg.e - sg.h * update.rhs.atoms(sp.Sum).pop())
    with pytest.raises(ValueError, match="mode factor"):
        sg._second_moment(wrong)


def test_continuous_loss_at_zero_noise_is_the_population_flow(d):
    flow = d["sgd-flow-loss"][0].rhs.subs(sg.gamma, 0)
    assert sp.simplify(flow - (dyn.kappa * sg.tf + sg.sigma2) / dyn.s) == 0


def test_sgd_theory_at_infinite_width_is_the_recursion_of_the_population():
    """N → ∞: Σ → Λ, β = w̄, r = 0 — the deterministic equivalent must equal the exact recursion."""
    lam = np.arange(1, 31) ** -1.5
    w = np.arange(1, 31) ** -0.25
    steps = np.array([0, 1, 3, 10, 40, 150])
    theory = sgd_loss_curve(steps, lam, w, 1e12, 0.6, 3, noise_variance=0.1).test
    exact = sgd_recursion_loss(steps, lam, w, 0.0, 0.6, 3, noise_variance=0.1)
    np.testing.assert_allclose(theory, exact, rtol=1e-8)


def test_the_two_samplers_agree_with_the_recursion_of_their_draw():
    rng = np.random.default_rng(5)
    lam, w = np.arange(1, 31) ** -1.0, np.ones(30)
    A = rng.standard_normal((10, 30))
    mu, b, r = feature_problem(lam, w, A)
    steps = [0, 5, 20]
    exact = sgd_recursion_loss(steps, mu, b, r, 0.4, 2, noise_variance=0.1)
    for L in (one_pass_sgd(rng, mu, b, r + 0.1, steps, 0.4, 2, 3000),
              one_pass_sgd_direct(rng, lam, w, A, steps, 0.4, 2, 0.1, 3000)):
        z = (L.mean(0) - exact) / (L.std(0, ddof=1) / np.sqrt(L.shape[0]))
        assert abs(L.mean(0)[0] - exact[0]) < 1e-12 and np.all(np.abs(z[1:]) < 4), z


def test_divergent_sgd_is_refused():
    with pytest.raises(ValueError, match="stability edge"):
        sgd_loss_curve([1, 10], [1.0, 0.5], [1.0, 1.0], 1e12, 1.9, 1)
    flat = np.full(1000, 0.01)                                  # tr Λ = 10: (h/B)Σμ/(2 − ...) ≈ 2.5 at h = 0.5, B = 1
    with pytest.raises(ValueError, match="SGD noise"):
        sgd_loss_curve([1, 10], flat, np.ones(1000), 1e12, 0.5, 1)
    with pytest.raises(ValueError, match="noise"):
        sgd_flow_loss_curve([1.0], flat, np.ones(1000), 100, 0.2)


@pytest.mark.parametrize("kwargs, word", [(dict(batch=0), "batch"), (dict(step_size=-1.0), "step_size"),
                                          (dict(steps=[-1]), "steps"), (dict(N=0.5), "N"),
                                          (dict(noise_variance=-1.0), "noise_variance")])
def test_sgd_loss_curve_refuses_bad_arguments_by_name(kwargs, word):
    args = dict(steps=[1, 2], eigenvalues=[1.0, 0.5], teacher_coefficients=[1.0, 1.0], N=10, step_size=0.5, batch=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        sgd_loss_curve(**args)


def test_compute_optimal_refuses_bad_arguments():
    with pytest.raises(ValueError, match="compute"):
        sgd_compute_optimal([0.5], power_law_spectrum(2.0, 1.5), None, 0.2)
    with pytest.raises(ValueError, match="noise"):
        sgd_compute_optimal([1e4], power_law_spectrum(2.0, 1.5), None, -0.2)


@pytest.mark.parametrize("point, eta, xi, flow_eta", [((2, 1.5), 0.4, 0.4, 0.4), ((3, 1.6), 2 / 3, 1.4 / 3, 2 / 3),
                                                      ((5, 1.5), 2 / 3, 0.5, 0.8)])
def test_phase_exponents(d, point, eta, xi, flow_eta):
    at = {ph.a: sp.nsimplify(point[0]), ph.b: sp.nsimplify(point[1])}
    loss, width = d["sgd-phase-exponents"]
    assert float(loss.rhs.subs(at)) == pytest.approx(eta) and float(width.rhs.subs(at)) == pytest.approx(xi)
    assert float(d["flow-phase-exponents"][0].rhs.subs(at)) == pytest.approx(flow_eta)


def test_phase_exponents_depend_on_the_bulk_term(d):
    """Without F_ac the derivation gives back the two-term ansatz in phase II, b(a−1)/(a−1+b²) of
    (compute-optimal-exponents) at m = b — the law that the exact frontier rules out (sgd-phase-frontier)."""
    terms = d["sgd-bottleneck-terms"]
    loss, _ = ph._phases(sp.Eq(terms.lhs, terms.rhs - ph._named_terms()["F_ac"]))
    at = {ph.a: 3, ph.b: sp.Rational(8, 5)}
    ansatz = d["compute-optimal-exponents"][2].rhs.subs(sp.Symbol("m", positive=True), ph.b)
    assert sp.simplify(loss.rhs.subs(at) - ansatz.subs(at)) == 0
    assert sp.simplify(d["sgd-phase-exponents"][0].rhs.subs(at) - sp.Rational(2, 3)) == 0


# ---- the mpmath route of the flow's losses ------------------------------------------------------------

def test_precise_losses_reach_their_digits_at_infinite_width_and_data():
    import math
    import mpmath
    from derivations.random_features import loss_curve
    eta, w = [1.0, 0.5, 0.2], [1.0, 2.0, 1.0]
    r = loss_curve([0.0, 0.7, 4.0], eta, w, N=math.inf, P=math.inf, noise_variance=0.25, dps=30)
    with mpmath.workdps(40):
        for i, t in enumerate([0.0, 0.7, 4.0]):
            exact = mpmath.fsum(mpmath.mpf(e) * mpmath.mpf(x) ** 2 * mpmath.exp(-2 * mpmath.mpf(e) * t)
                                for e, x in zip(eta, w))
            assert abs(r.test[i] - exact - mpmath.mpf("0.25")) < mpmath.mpf(10) ** -28
            assert abs(r.mean_predictor[i] - exact) < mpmath.mpf(10) ** -28


def test_precise_losses_agree_with_the_float_route_and_converge_in_digits():
    import mpmath
    from derivations.random_features import loss_curve
    args = ([1.5], [1.0, 0.5, 0.25, 0.1], [1.0, 1.0, 0.5, 2.0])
    kw = dict(N=3, P=5, noise_variance=0.1)
    low, high = loss_curve(*args, dps=20, **kw), loss_curve(*args, dps=32, **kw)
    flt = loss_curve(*args, **kw)
    for name in ("test", "train", "ensemble", "mean_predictor"):
        with mpmath.workdps(40):
            assert abs(getattr(low, name)[0] - getattr(high, name)[0]) < mpmath.mpf(10) ** -19, name
        assert abs(float(getattr(high, name)[0]) - getattr(flt, name)[0]) < 1e-9, name


def test_precise_route_refuses_compressed_spectra_and_bad_dps():
    from derivations.random_features import loss_curve
    with pytest.raises(TypeError, match="array"):
        loss_curve([1.0], power_law_spectrum(2.0, 1.5), None, 10, 10, dps=20)
    with pytest.raises(ValueError, match="dps"):
        loss_curve([1.0], [1.0], [1.0], 10, 10, dps=3)


@pytest.mark.mpl
def test_the_sgd_figure_draws_curves_frontiers_and_the_phase_map():
    pytest.importorskip("matplotlib")
    from derivations.random_features.dynamics_sgd_figures import BATCHES, sgd_phases
    fig = sgd_phases(quick=True)
    ax_a, ax_b, ax_c = fig.axes[:3]
    assert len(ax_a.containers) == len(BATCHES) and len(ax_a.get_lines()) >= len(BATCHES)
    assert len([line for line in ax_b.get_lines() if line.get_linestyle() == "--"]) == 3
    assert ax_c.collections, "the phase map is missing"
    slopes = {t.get_text().split(":")[0]: float(t.get_text().split(":")[1]) for t in ax_c.texts if ":" in t.get_text()}
    expected = {"Ia": 0.4, "II": 2 / 3, "III": 2 / 3}
    assert slopes.keys() == expected.keys()
    for phase, eta in expected.items():
        assert abs(slopes[phase] - eta) < 0.01, phase
