"""``random-feature-dynamics``: the flow as ridge regression at ridge s, κ(s), transfer functions, limits."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import derivations
from derivations.random_features import dynamics_steps as dyn
from derivations.random_features import loss_curve, mean_predictor_loss, transfer_functions
from derivations.random_features.dynamics_theory import real_kappa
from derivations.ridge import PowerLawSpectrum
from derive.spectral import ETA, K
from numerics.relaxation_sums import bias_sum
from numerics.spectral_quadrature import spectral_rule


@pytest.fixture(scope="module")
def d():
    return derivations.get("random-feature-dynamics")


def test_verify_quick_passes(d):
    report = d.verify(quick=True)
    assert report.passed, [c.name for c in report.checks if not c.passed]


EXPECTED = {
    "kappa-of-s": sp.Eq(dyn.s, dyn.kappa * (1 - dyn.Df / dyn.P) * (1 - dyn.Df / dyn.N)),
    "transfer-function": sp.Eq(dyn.H_hat, dyn.kappa / (dyn.s * (ETA[K] + dyn.kappa))),
    "transfer-renormalised": sp.Eq(dyn.H_hat, 1 / (dyn.s + ETA[K] * dyn.R_data * dyn.R_model)),
    "infinite-width": sp.Eq(dyn.s, dyn.kappa * (1 - dyn.Df / dyn.P)),
    "infinite-data": sp.Eq(dyn.s, dyn.kappa * (1 - dyn.Df / dyn.N)),
    "ridge-correspondence": sp.Eq(dyn.s * dyn.c_hat, dyn.b / (dyn.g + dyn.s)),
}


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_statements_and_their_replays(d, label):
    want = EXPECTED[label]
    got = d.step(label).operation.apply(d.statements(upto=label))
    for stmt in (d[label], got):
        assert sp.simplify(stmt.lhs - want.lhs) == 0 and sp.simplify(stmt.rhs - want.rhs) == 0


def test_kappa_of_s_depends_on_the_imported_two_level_equation(d):
    """Replaying with a different linear-random-features equation changes κ(s): the step is derived."""
    wrong = sp.Eq(d["lrf-single-layer"].lhs, 2 * d["lrf-single-layer"].rhs)
    out = dyn._kappa_of_s(wrong, d["feature-scaling"])
    assert sp.simplify(out.rhs - 2 * d["kappa-of-s"].rhs) == 0


def test_a_wrong_correspondence_is_refused():
    with pytest.raises(ValueError, match="ridge solution"):
        dyn._correspondence(sp.Eq(dyn.c_hat, dyn.b / dyn.s ** 2), sp.Eq(dyn.c_lam, dyn.b / (dyn.g + dyn.lam)))


def test_replicating_the_spectrum_leaves_the_transfer_functions_unchanged():
    """The theory's exact invariance used by the simulation check: η repeated m times, (N, P) → (mN, mP)."""
    eta = np.arange(1, 41) ** -1.2
    times = [0.3, 3.0, 30.0]
    one = transfer_functions(times, eta, 15, 25)
    three = transfer_functions(times, np.repeat(eta, 3), 45, 75)[:, ::3]
    assert np.max(np.abs(one - three)) < 1e-9


def test_infinite_width_mean_loss_is_the_one_level_dmft_bias():
    """N → ∞: the loss of the mean predictor is dmft-langevin's bias at g = 0, β = ∞, c = 1/P (unit i.i.d.
    teacher: v Σ Λ_i m_i(t)² with v = 1 is Σ η_k H_k(t)² with w̄_k = 1), computed by that entry's own route."""
    from derivations.dmft import test_error_curve
    eta = np.arange(1, 31) ** -1.5
    times = np.array([0.5, 5.0, 50.0])
    ours = mean_predictor_loss(times, eta, np.ones(30), 1e13, 20)
    theirs = test_error_curve(times, eta, 20, 0.0, np.inf, 1 / 20, 1.0, 0.0).bias
    assert np.max(np.abs(ours - theirs) / theirs) < 1e-8          # both fixed-Talbot routes (~1e-10)


def test_real_kappa_is_on_the_physical_branch():
    eta = np.arange(1, 101) ** -1.5
    kappa = real_kappa(np.array([1e-6, 1e-2, 1.0]), eta, 20, 50)
    Df = (eta / (eta[None, :] + kappa[:, None])).sum(-1)
    assert np.all(kappa > 0) and np.all(Df < 20)


@pytest.mark.parametrize("kwargs, word", [
    (dict(times=[-1.0]), "times"), (dict(eigenvalues=[0.0, 1.0]), "eigenvalues"), (dict(N=0), "N"),
    (dict(P=float("nan")), "P"), (dict(teacher_coefficients=[1.0]), "teacher_coefficients"),
    (dict(times=[1j]), "times"), (dict(noise_variance=-0.1), "noise_variance")])
def test_bad_arguments_are_refused_by_name(kwargs, word):
    args = dict(times=[1.0], eigenvalues=[1.0, 0.5], teacher_coefficients=[1.0, 1.0], N=3, P=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        loss_curve(**args)
    if "noise_variance" not in kwargs:
        args.pop("noise_variance", None)
        with pytest.raises(ValueError, match=word):
            mean_predictor_loss(**args)


def test_loss_curve_starts_at_the_initial_losses_and_decreases():
    eta, w = np.arange(1, 31) ** -1.5, np.ones(30)
    r = loss_curve([0.0, 0.5, 5.0, 50.0], eta, w, 20, 40, noise_variance=0.1)
    start = float(np.sum(eta * w ** 2)) + 0.1
    assert r.test[0] == start and r.train[0] == start and r.ensemble[0] == start
    assert np.all(np.diff(r.train) < 0) and np.all(r.ensemble <= r.test + 1e-12)
    assert np.allclose(r.mean_predictor, mean_predictor_loss(r.times, eta, w, 20, 40))


def test_infinite_width_loss_is_the_one_level_dmft_total():
    """N → ∞: the whole test loss is dmft-langevin's total at g = 0, β = ∞, c = 1/P, unit i.i.d. teacher."""
    from derivations.dmft import test_error_curve
    eta = np.arange(1, 31) ** -1.5
    times = np.array([0.5, 5.0, 50.0])
    ours = loss_curve(times, eta, np.ones(30), 1e13, 20, noise_variance=0.3)
    theirs = test_error_curve(times, eta, 20, 0.0, np.inf, 1 / 20, 1.0, 0.3)
    assert np.max(np.abs(ours.test - 0.3 - theirs.total) / theirs.total) < 1e-8   # Talbot accuracy


def test_a_wrong_training_loss_is_rejected_by_the_simulation():
    """Power of the loss check: without the factor z₁z₂/(k₁k₂) (i.e. E_tr = E_g + σ²) the z-test fails."""
    from derivations.random_features import dynamics_checks as c
    from numerics.rf_dynamics_simulation import simulate_loss_curve
    from numerics.simulation import z_threshold
    N, P = 120, 40
    theory = loss_curve(c.TIMES, c.SPECTRUM, c.TEACHER, N, P, c.NOISE)
    sim = simulate_loss_curve(c.TIMES, c.SPECTRUM, c.TEACHER, N, P, noise_variance=c.NOISE, n_blocks=100, entropy=5)
    z_right = (sim["train"].mean - theory.train) / sim["train"].se
    z_wrong = (sim["train"].mean - theory.test) / sim["train"].se
    assert np.max(np.abs(z_right)) < z_threshold(30) < np.max(np.abs(z_wrong))


def test_the_figure_draws_theory_and_simulation_in_its_panels():
    pytest.importorskip("matplotlib")
    from derivations import registry
    from derivations.random_features import dynamics_figures as figs
    spec = registry.figure("random-feature-dynamics")
    fig = spec.function(quick=True)
    ax_a, ax_b, ax_c, ax_d = [ax for ax in fig.axes if ax.get_visible()]
    assert len([l for l in ax_a.get_lines() if len(l.get_xdata()) == figs.T_LINE.size]) == len(figs.WIDTHS)
    assert len(ax_a.containers) == len(figs.WIDTHS) and len(ax_b.containers) == 4
    for text in ("P = 80", "N = 120", "σ² = 0.1", "k^(−3/2)", str(figs.SEED), "C^(−(a−1)/(1+b))"):
        assert text in spec.caption
    # (c): one loss curve per width, the frontier below every one of them (it is their lower envelope)
    labels = [l.get_label() for l in ax_c.get_lines()]
    assert labels[:len(figs.FRONTIER_WIDTHS)] == [f"N = {N}" for N in figs.FRONTIER_WIDTHS]
    frontier = ax_c.get_lines()[len(figs.FRONTIER_WIDTHS)]
    fx, fy = np.asarray(frontier.get_xdata()), np.asarray(frontier.get_ydata())
    for line in ax_c.get_lines()[:len(figs.FRONTIER_WIDTHS)]:
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        inside = (fx >= x.min()) & (fx <= x.max())
        assert np.all(fy[inside] <= np.interp(fx[inside], x, y) * (1 + 1e-6))
    # (d): at the earliest time every width sits on the first-order curve
    first = ax_d.get_lines()[len(figs.COLLAPSE_WIDTHS)]
    for line in ax_d.get_lines()[:len(figs.COLLAPSE_WIDTHS)]:
        assert np.asarray(line.get_ydata())[0] == pytest.approx(np.asarray(first.get_ydata())[0], rel=1e-2)


def test_compute_optimal_exponents_and_the_cifar_reading(d):
    from derivations.random_features import dynamics_compute_steps as cs
    general = {e.lhs: e.rhs for e in d["compute-optimal-exponents"]}
    m = cs.m
    assert sp.simplify(general[cs.rho_N] - (cs.a - 1) / (cs.a - 1 + cs.b * m)) == 0
    assert sp.simplify(general[cs.rho_L] - (cs.a - 1) * m / (cs.a - 1 + cs.b * m)) == 0
    hard = {e.lhs: e.rhs for e in d["hard-task-exponents"]}
    assert sp.simplify(hard[cs.rho_N] - 1 / (1 + cs.b)) == 0 and sp.simplify(hard[cs.rho_t] - cs.b / (1 + cs.b)) == 0
    assert d["cifar-5m-reading"].rhs == sp.Rational(1, 20)


@pytest.mark.parametrize("kwargs, word", [(dict(compute=[0.5]), "compute"), (dict(P=-1.0), "P"),
                                          (dict(compute=[np.inf]), "compute")])
def test_compute_optimal_refuses_bad_arguments_by_name(kwargs, word):
    from derivations.random_features import compute_optimal
    args = dict(compute=[1e3], eigenvalues=np.arange(1, 101) ** -1.5, teacher_coefficients=np.ones(100))
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        compute_optimal(**args)


def test_early_time_correction_is_the_universal_form(d):
    """(1/N + 1/P)(tr Σ/η_k)(1 − e^{−η_k t} − η_k t e^{−η_k t}), the same for width and data."""
    eta, t, trace = ETA[K], dyn.t, dyn.trace
    want = trace * (1 / dyn.N + 1 / dyn.P) / eta * (1 - sp.exp(-eta * t) - eta * t * sp.exp(-eta * t))
    assert sp.simplify(d["early-time-correction"].rhs - want) == 0
    first = d["first-order-kappa"].rhs
    assert sp.simplify(first - (dyn.s + dyn.s * dyn.Df_s * (1 / dyn.N + 1 / dyn.P))) == 0


# ---- large and infinite spectra: the Gauss rules of numerics.spectral_quadrature ---------------------

def test_compressed_spectrum_gives_the_losses_of_the_modes():
    """5000 modes (above spectral_quadrature.SMALL: compressed by default) against the same modes kept one
    by one; the gap is at the level of the double inversion's own noise (1e-11 of L(0) at these times)."""
    k = np.arange(1, 5001, dtype=float)
    eta, w = k ** -1.5, np.sqrt(k ** -2.0 / k ** -1.5)
    exact = spectral_rule(eta, w, compress=False)
    times = [0.5, 20.0, 1e3]
    for N, P in ((60, 150), (150, 60)):
        a = loss_curve(times, exact, None, N, P, 0.1)
        b = loss_curve(times, eta, w, N, P, 0.1)
        for field in ("test", "train", "ensemble", "mean_predictor"):
            assert np.max(np.abs(getattr(a, field) - getattr(b, field))) <= 1e-9 * a.test[0], field


def test_infinite_power_law_at_infinite_width_and_data_is_the_population_flow():
    """N = P = ∞: every mode relaxes alone, L(t) = Σ_k k^(−a) e^(−2k^(−b)t) — summed independently by
    numerics.relaxation_sums (Euler–Maclaurin at 30 digits)."""
    a, b = 2.2, 1.5
    spectrum = PowerLawSpectrum(alpha=b, r=(a - 1) / (2 * b))
    times = np.array([0.3, 10.0, 1e3, 1e5])
    curve = loss_curve(times, spectrum, None, math.inf, math.inf)
    with mpmath.workdps(30):
        population = np.array([float(bias_sum(mpmath.mpf(t), b, a)) for t in times])
    assert np.allclose(curve.test, population, rtol=1e-8, atol=0)
    assert np.allclose(curve.mean_predictor, population, rtol=1e-8, atol=0)


def test_power_law_spectrum_refuses_teacher_coefficients():
    with pytest.raises(ValueError, match="teacher_coefficients must be None"):
        loss_curve([1.0], PowerLawSpectrum(alpha=1.5, r=0.3), np.ones(3), 10, 10)
    with pytest.raises(TypeError, match="as an array"):
        transfer_functions([1.0], PowerLawSpectrum(alpha=1.5, r=0.3), 10, 10)


# ---- the bottleneck rates and their laws ----------------------------------------------------------

def test_rates_in_the_papers_exponents(d):
    a, b = sp.symbols("a b", positive=True)
    rate = sp.Function("Rate")
    expected = {"time-rate": (a - 1) / b, "data-rate": sp.Min(a - 1, 2 * b), "width-rate-one": sp.Min(a - 1, b),
                "width-rate-ensemble": sp.Min(a - 1, 2 * b), "compute-width-rate": -1 / (1 + b),
                "compute-time-rate": -b / (1 + b), "compute-loss-rate": (a - 1) / (1 + b)}
    for label, value in expected.items():
        assert d[label].lhs.func == rate and sp.simplify(d[label].rhs - value) == 0, label
    # the two width rates differ exactly when a − 1 > b
    one, ens = d["width-rate-one"].rhs, d["width-rate-ensemble"].rhs
    assert one.subs({a: 3, b: sp.Rational(3, 2)}) == sp.Rational(3, 2) and ens.subs({a: 3, b: sp.Rational(3, 2)}) == 2
    assert one.subs({a: 2, b: sp.Rational(3, 2)}) == ens.subs({a: 2, b: sp.Rational(3, 2)}) == 1


def test_rate_steps_replay_from_the_imported_rates(d):
    """Changing an imported rate changes the derived one: the steps are substitutions, not stored values."""
    from derivations.random_features import dynamics_rate_steps as rs
    alpha, r = rs.alpha, rs.r
    fake = sp.Eq(sp.Function("Rate")(sp.Symbol("E"), dyn.N), alpha * sp.Min(1, 3 * r))
    out = rs._width_rate_one(fake, d["ab-map"])
    assert sp.simplify(out.rhs - sp.Min(rs.b, sp.Rational(3, 2) * (rs.a - 1))) == 0


def test_dynamics_laws_and_their_parameter_checks():
    from derivations.random_features import dynamics_laws
    table = {law.name: law for law in dynamics_laws.laws()}
    assert set(table) == {"rfd-time", "rfd-data", "rfd-width-one", "rfd-width-ensemble", "rfd-compute-loss",
                          "rfd-compute-width", "rfd-compute-time"}
    assert table["rfd-width-one"].value() == 1.5 and table["rfd-width-ensemble"].value() == 2.0
    with pytest.raises(ValueError, match="hard tasks"):
        dynamics_laws.check_hard_task({"a": 3.0, "b": 1.5})
    with pytest.raises(ValueError, match="a and b must be > 1"):
        dynamics_laws.check_parameters({"a": 0.5, "b": 1.5})


def test_ensemble_width_estimator_is_unbiased_against_its_finite_theory():
    """The U-statistic of the ensemble's width error, averaged over 150 seeds at N = 64 (where the deterministic
    equivalent's finite-width offset, ~1 %, is below the standard error), against this entry's mean-predictor
    loss at t = 10⁹ (P = ∞): within 4 standard errors."""
    from derivations.random_features import dynamics_laws
    rng = np.random.default_rng(7)
    draws = np.array([dynamics_laws._width_ensemble_observed(rng, 64) for _ in range(150)])
    theory = dynamics_laws._width_ensemble_finite(64)
    assert abs(draws.mean() - theory) <= 4 * draws.std(ddof=1) / math.sqrt(draws.size)


# ---- gradient descent in discrete time --------------------------------------------------------------

def test_gd_steps(d):
    n, h = sp.Symbol("n", integer=True, nonnegative=True), sp.Symbol("h", positive=True)
    assert sp.simplify(d["gd-population"].rhs - (1 - h * ETA[K]) ** n) == 0
    assert d["gd-stability"].rhs == 2 / sp.Symbol("eta_max", positive=True)
    assert d["gd-flow-limit"].rhs == sp.exp(-ETA[K] * dyn.t)


def test_gradient_descent_fit_is_the_closed_form_per_draw():
    """Step by step against the eigen-decomposition: w_n = V diag((1 − (1 − hg)^n)/g) Vᵀ F y/P."""
    from numerics.rf_dynamics_simulation import gradient_descent_fit
    rng = np.random.default_rng(3)
    F, y = rng.standard_normal((6, 9)), rng.standard_normal((9, 1))
    g, V = np.linalg.eigh(F @ F.T / 9)
    h = 1.0 / g.max()
    w, residual = gradient_descent_fit(F, y, [0, 7, 30], h)
    for j, n in enumerate((0, 7, 30)):
        closed = V @ ((1 - (1 - h * g) ** n) / g * (V.T @ (F @ y[:, 0] / 9)))
        assert np.allclose(w[0, j], closed, atol=1e-12)
        assert np.allclose(residual[0, j], y[:, 0] - F.T @ closed, atol=1e-12)


def test_discrete_transfer_functions_refuse_divergent_steps_and_bad_input():
    from derivations.random_features import discrete_transfer_functions
    eta = np.arange(1, 101, dtype=float) ** -1.5
    with pytest.raises(ValueError, match="step_size=2.1: gradient descent diverges"):
        discrete_transfer_functions([3], eta, 40, 120, 2.1)
    with pytest.raises(ValueError, match="steps must be"):
        discrete_transfer_functions([1.5], eta, 40, 120, 0.5)
    with pytest.raises(ValueError, match="step_size"):
        discrete_transfer_functions([1], eta, 40, 120, 0.0)


def test_discrete_loss_curve_tends_to_the_flow_and_refuses_bad_input():
    """n = t/h steps: the gap to the flow's losses halves with h (first order in h)."""
    from derivations.random_features import discrete_loss_curve
    k = np.arange(1, 101, dtype=float)
    eta, w = k ** -1.5, k ** -0.25
    flow = loss_curve([4.0], eta, w, 30, 60, 0.1)
    gaps = [abs(discrete_loss_curve([round(4 / h)], eta, w, 30, 60, h, 0.1).test[0] - flow.test[0]) for h in (0.1, 0.05)]
    assert gaps[1] == pytest.approx(gaps[0] / 2, rel=0.05)
    with pytest.raises(ValueError, match="diverges"):
        discrete_loss_curve([2], eta, w, 30, 60, 2.5)
    with pytest.raises(ValueError, match="noise_variance"):
        discrete_loss_curve([2], eta, w, 30, 60, 0.5, -1.0)
    with pytest.raises(ValueError, match="steps must be"):
        discrete_loss_curve([], eta, w, 30, 60, 0.5)


def test_discrete_loss_curve_on_a_compressed_spectrum():
    """5000 modes (compressed by default) against the same modes one by one, gradient descent h = 0.5."""
    from derivations.random_features import discrete_loss_curve
    k = np.arange(1, 5001, dtype=float)
    eta, w = k ** -1.5, k ** -0.25
    exact = spectral_rule(eta, w, compress=False)
    a = discrete_loss_curve([1, 10, 60], exact, None, 60, 150, 0.5, 0.1)
    b = discrete_loss_curve([1, 10, 60], eta, w, 60, 150, 0.5, 0.1)
    for field in ("test", "train", "ensemble", "mean_predictor"):
        assert np.all(np.isfinite(getattr(b, field)))
        assert np.max(np.abs(getattr(a, field) - getattr(b, field))) <= 1e-9 * a.test[0], field
