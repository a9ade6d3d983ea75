"""online-sgd-linear and online-sgd-erf verify (quick), and the API of derivations.online_sgd.

The API tests: the ODE curve from given weights equals the closed W-1 solution (linear), SGD agrees
with it within error bars, the normalised-output rescaling holds through the whole pipeline, and
bad input (learning rate past the stability limit, K or M < 1, mismatched shapes, non-positive
eigenvalues, unequal blocks where equal ones are demanded, an activation without closed forms)
raises ValueError naming the argument.
"""
import numpy as np
import pytest

import derivations.online_sgd as api
from derivations import registry
from numerics.committee_blocks import power_law_eigenvalues
from numerics.linear_sgd_errors import block_error_curve
from numerics.simulation import z_threshold


def _verify_fresh(name, exponents):
    """Quick verify of a freshly built entry, with (only) or without its exponent-table checks: the laws'
    SGD routes cost about 80 s in quick mode, so the default suite leaves them to ``verify --all`` (CI's
    main job) and to the slow test below."""
    import copy
    d = copy.copy(registry.get(name))              # the registry's object keeps all its checks
    d.numeric_checks = [c for c in d.numeric_checks if (c.kind == "exponent") == exponents]
    if exponents:
        results = [r for out in d.run_numeric_checks(quick=True).values() for r in out]
        assert results and all(r.passed for r in results), "\n".join(r.line() for r in results if not r.passed)
        return
    report = d.verify(quick=True)
    failed = [c for c in report.checks if not c.passed]
    assert report.passed, "\n".join(c.line() for c in failed)


@pytest.mark.parametrize("name", ["online-sgd-linear", "online-sgd-erf"])
def test_entry_verifies(name):
    _verify_fresh(name, exponents=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["online-sgd-linear", "online-sgd-erf"])
def test_entry_exponent_laws(name):
    _verify_fresh(name, exponents=True)


def _weights(N, K=2, M=2, sigma_J=0.01, seed=0):
    rng = np.random.default_rng(seed)
    return sigma_J * rng.standard_normal((K, N)), rng.standard_normal((M, N))


def test_linear_curve_is_the_closed_form():
    N, L = 128, 8
    J, B = _weights(N)
    lam = power_law_eigenvalues(N, L, 1.0)
    alphas = np.array([0.0, 1.0, 10.0, 100.0])
    eps = api.generalization_curve(alphas, J, B, lam, 0.2, activation="linear", normalized_outputs=True)
    q, r, t, blocks = api.initial_order_parameters(J, B, lam)
    eps0 = 0.25 * blocks.values * (q.sum((1, 2)) - 2 * r.sum((1, 2)) + t.sum((1, 2)))
    exact = block_error_curve(alphas, eps0, blocks.values, blocks.fractions, 0.2).sum(axis=1)
    assert np.max(np.abs(eps - exact)) < 1e-6 * exact[0]


def test_linear_frozen_curve_is_the_closed_form():
    """Top 3 of 8 blocks trained: the generated ODEs with frozen blocks equal W-1 with zero rows (the frozen
    error feeding the η² source of the trained blocks), to the integrator's tolerance (as above)."""
    N, L = 128, 8
    J, B = _weights(N)
    lam = power_law_eigenvalues(N, L, 1.0)
    alphas = np.array([0.0, 1.0, 10.0, 100.0])
    q, r, t, blocks = api.initial_order_parameters(J, B, lam)
    trained = np.arange(L) < 3
    eps = api.generalization_curve(alphas, J, B, lam, 0.2, activation="linear", normalized_outputs=True,
                                   trainable=trained[blocks.labels])
    eps0 = 0.25 * blocks.values * (q.sum((1, 2)) - 2 * r.sum((1, 2)) + t.sum((1, 2)))
    exact = block_error_curve(alphas, eps0, blocks.values, blocks.fractions, 0.2, trained=trained).sum(axis=1)
    assert np.max(np.abs(eps - exact)) < 1e-6 * exact[0]
    assert exact[-1] > eps0[~trained].sum() > 0           # the floor sits above the frozen error (η² source)


def test_simulation_agrees_with_the_curve():
    N = 128
    J, B = _weights(N, sigma_J=0.3, seed=3)
    lam = power_law_eigenvalues(N, 4, 1.0)
    alphas = np.array([8, 32, 128, 512]) / N
    eps = api.generalization_curve(alphas, J, B, lam, 0.3, "erf", True)
    est = api.simulate(alphas, J, B, lam, 0.3, "erf", True, seeds=12, progress=False)
    z = (est.mean - eps) / est.se
    assert np.all(np.abs(z) < z_threshold(len(alphas))), z


def test_normalised_outputs_equal_unnormalised_at_eta_over_K():
    N = 64
    J, B = _weights(N, sigma_J=0.2, seed=1)
    lam = power_law_eigenvalues(N, 4, 1.0)
    alphas = np.array([0.5, 5.0])
    a = api.generalization_curve(alphas, J, B, lam, 0.4, "erf", True, rtol=1e-10)
    b = api.generalization_curve(alphas, J, B, lam, 0.2, "erf", False, rtol=1e-10)
    assert np.allclose(a, b / 2, rtol=1e-7)


def test_learning_rate_past_the_stability_limit():
    N = 32
    J, B = _weights(N)
    lam = power_law_eigenvalues(N, 4, 1.0)                  # trace 1: η_max = 2 (normalised), 1 for K = 2
    with pytest.raises(ValueError, match=r"eta = 2\.5 .*stability limit.*< 2"):
        api.generalization_curve([1.0], J, B, lam, 2.5, activation="linear", normalized_outputs=True)
    with pytest.raises(ValueError, match=r"stability limit.*< 1"):
        api.simulate([1.0], J, B, lam, 1.5, activation="linear", normalized_outputs=False)
    assert api.stability_limit(lam, 2, "linear", True) == pytest.approx(2.0)


@pytest.mark.parametrize("kwargs,match", [
    ({"student_weights": np.zeros((0, 16))}, "student_weights"),
    ({"teacher_weights": np.zeros((0, 16))}, "teacher_weights"),
    ({"teacher_weights": np.ones((2, 15))}, "N"),
    ({"eigenvalues": -np.ones(16)}, "eigenvalues"),
    ({"eigenvalues": np.r_[np.ones(15), 0.0]}, "eigenvalues"),
    ({"activation": "relu"}, "activation"),
    ({"activation": "tanh"}, "activation"),
    ({"eta": 0.0}, "eta"),
    ({"noise_variance": -1.0}, "noise_variance"),
])
def test_bad_input(kwargs, match):
    args = {"alphas": [1.0], "student_weights": np.ones((2, 16)) * 0.01, "teacher_weights": np.ones((2, 16)),
            "eigenvalues": np.ones(16), "eta": 0.1, "activation": "erf"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        api.generalization_curve(**args)


def test_power_law_spectrum_needs_L_dividing_N():
    with pytest.raises(ValueError, match="L must divide N"):
        power_law_eigenvalues(10, 3, 1.0)


def _brute_force_max_real_eigenvalue(model, t, blocks, eta):
    """Largest real part of the Jacobian of the block ODEs at J = B, by central differences."""
    from numerics.committee_ode import block_rhs
    L, iu = t.shape[0], np.triu_indices(2)
    coef = lambda Q, R, T: model.coefficients(Q, R, T, 0.0)  # noqa: E731

    def rhs(s):
        s = s.reshape(L, 7)
        q = np.zeros((L, 2, 2))
        q[:, iu[0], iu[1]] = q[:, iu[1], iu[0]] = s[:, 4:]
        dq, dr = block_rhs(q, s[:, :4].reshape(L, 2, 2), t, blocks.values, blocks.fractions, eta, coef)
        return np.concatenate([dr.reshape(L, 4), dq[:, iu[0], iu[1]]], 1).ravel()

    s0 = np.concatenate([t.reshape(L, 4), t[:, iu[0], iu[1]]], 1).ravel()
    h, cols = 1e-7, []
    for j in range(s0.size):
        e = np.zeros(s0.size)
        e[j] = h
        cols.append((rhs(s0 + e) - rhs(s0 - e)) / (2 * h))
    return np.linalg.eigvals(np.array(cols).T).real.max()


@pytest.mark.parametrize("L,normalized", [(1, False), (4, True), (16, False)])
def test_erf_stability_limit_is_where_the_jacobian_crosses_zero(L, normalized):
    N = 64
    B = np.random.default_rng(0).standard_normal((2, N))
    lam = np.ones(N) if L == 1 else power_law_eigenvalues(N, L, 1.0)
    limit = api.stability_limit(lam, 2, "erf", normalized, teacher_weights=B)
    _, _, t, blocks = api.initial_order_parameters(B, B, lam)
    model = api.compiled_model(2, 2, "erf", normalized)
    assert _brute_force_max_real_eigenvalue(model, t, blocks, 0.99 * limit) < 0
    assert _brute_force_max_real_eigenvalue(model, t, blocks, 1.01 * limit) > 0
    with pytest.raises(ValueError, match=r"beyond the stability limit.*erf"):
        api.generalization_curve([1.0], 0.01 * B, B, lam, 1.05 * limit, "erf", normalized)


def test_frozen_blocks_ode_against_sgd():
    """Only blocks 0 and 2 of four trained (erf, K = M = 2): the masked ODE against masked SGD (z-tests),
    and the frozen blocks' block overlaps stay at their initial values in the ODE."""
    N, L = 128, 4
    J, B = _weights(N, seed=3)
    lam = power_law_eigenvalues(N, L, 1.0)
    blocks = np.unique(lam)[::-1]
    mask = np.isin(lam, blocks[[0, 2]])
    alphas = np.array([2.0, 8.0, 20.0])
    traj = api.order_parameter_curve(alphas, J, B, lam, 0.2, "erf", trainable=mask, rtol=1e-8)
    q0, r0, _, _ = api.initial_order_parameters(J, B, lam)
    # the propagator of a frozen block is the identity up to the round-off of its eigendecomposition
    for now, start in ((traj.q, q0), (traj.r, r0)):
        drift = np.abs(now[:, [1, 3]] - start[[1, 3]]).max() / np.abs(start[[1, 3]]).max()
        assert drift < 1e-12 * traj.steps
    ode = api.generalization_curve(alphas, J, B, lam, 0.2, "erf", trainable=mask)
    free = api.generalization_curve(alphas, J, B, lam, 0.2, "erf")
    est = api.simulate(alphas, J, B, lam, 0.2, "erf", seeds=24, entropy=11, progress=False, trainable=mask)
    z = (est.mean - ode) / est.se
    assert np.all(np.abs(z) < z_threshold(len(alphas), 1e-3)), z
    assert np.all(np.abs(est.mean - free) / est.se > 10)        # the mask matters far beyond the error bars


def test_trainable_mask_errors():
    N, L = 64, 4
    J, B = _weights(N)
    lam = power_law_eigenvalues(N, L, 1.0)
    split = np.zeros(N, bool)
    split[0] = True                                      # one coordinate of the first block only
    with pytest.raises(ValueError, match="constant on each eigenvalue block"):
        api.generalization_curve([1.0], J, B, lam, 0.1, "erf", trainable=split)
    with pytest.raises(ValueError, match="boolean array of length N = 64"):
        api.generalization_curve([1.0], J, B, lam, 0.1, "erf", trainable=np.ones(N, int))
    with pytest.raises(ValueError, match="boolean array of length N = 64"):
        api.simulate([1.0], J, B, lam, 0.1, "erf", trainable=np.ones(3, bool))
    top = np.isin(lam, np.unique(lam)[-1:])              # only the smallest eigenvalue block trained
    limit = 2.0 / float(np.mean(lam * top))               # linear, unnormalised, K = 2: 2/(K⟨λ·mask⟩)/… checked below
    with pytest.raises(ValueError, match="stability limit"):
        api.generalization_curve([1.0], J, B, lam, 1.01 * limit / 2, "linear", trainable=top)
    api.generalization_curve([1.0], J, B, lam, 0.99 * limit / 2, "linear", trainable=top)


# ---- issue 13: bad weights are refused by name (NaN/inf teacher weights gave LinAlgError) -------------
def _bad_weight_cases():
    rng = np.random.default_rng(3)
    J, B = 0.1 * rng.standard_normal((2, 6)), rng.standard_normal((2, 6))
    nan_B, inf_B, nan_J = B.copy(), B.copy(), J.copy()
    nan_B[0, 0], inf_B[1, 2], nan_J[1, 1] = np.nan, -np.inf, np.nan
    return [(J, nan_B, "teacher_weights"), (J, inf_B, "teacher_weights"), (nan_J, B, "student_weights"),
            (J, B + 1j, "teacher_weights"), (J.astype(complex), B, "student_weights"),
            (J, [[1.0] * 6, [1.0] * 5], "teacher_weights")]


@pytest.mark.parametrize("J,B,name", _bad_weight_cases())
@pytest.mark.parametrize("function", ["generalization_curve", "order_parameter_curve", "simulate"])
def test_bad_weights_are_a_value_error_naming_them(J, B, name, function):
    kwargs = {"seeds": 2} if function == "simulate" else {}
    with pytest.raises(ValueError, match=f"^{name} must"):
        getattr(api, function)([0.0, 1.0], J, B, np.ones(6), 0.1, **kwargs)


@pytest.mark.parametrize("eigenvalues", [[np.nan] + [1.0] * 5, [np.inf] + [1.0] * 5, [1j] * 6])
def test_bad_eigenvalues_are_a_value_error_naming_them(eigenvalues):
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="^eigenvalues must"):
        api.generalization_curve([0.0, 1.0], rng.standard_normal((1, 6)), rng.standard_normal((1, 6)),
                                 eigenvalues, 0.1)


@pytest.mark.parametrize("eta,noise,name", [(10 ** 400, 0.0, "eta"), (None, 0.0, "eta"), (0.1, 10 ** 400, "noise_variance"),
                                            (0.1, None, "noise_variance"), (1j, 0.0, "eta")])
def test_bad_scalars_are_a_value_error_naming_them(eta, noise, name):
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match=f"^{name}"):
        api.generalization_curve([0.0, 1.0], rng.standard_normal((1, 6)), rng.standard_normal((1, 6)),
                                 np.ones(6), eta, noise_variance=noise)
