"""Tests of numerics.online_sgd_simulation: the chunked Gram form against a plain per-step loop,
the population error against a Monte Carlo test set, the linear student against its closed
mean dynamics (sheet §2(b), W-1), exact symmetries, and input errors.

Statistical checks are z-tests at familywise level 1e-3 with a Bonferroni threshold over the
z-tests made in that test; all seeds are fixed.

The linear-student theory, derived here (not copied from the sheet).  With g(x) = x the student
is w = c_K Σ_i J_i and the teacher v = c_M Σ_n B_n; every J_i receives the same update
(η/√N) c_K (label − σ) ξ, so w <- w + (η_eff/√N)(label − σ)ξ with η_eff = η c_K² K (η for
normalised outputs, ηK without).  For D = w − v, ε_m = (λ_m/2N) Σ_{k∈m} D_k², ε_g = Σ_m ε_m, and
Gaussian moments (E[u²ξ_k²] = E[u²]λ_k + 2E[uξ_k]²) give the exact one-step mean

    E[ε_m'] = ε_m (1 − 2η_eff λ_m/N + 2η_eff² λ_m²/N²) + (η_eff² f_m λ_m²/N)(ε_g + σ²/2),

σ² the label-noise variance.  With α = steps/N and N → ∞ this is (W-1) plus a noise source,

    dε_m/dα = −2η_eff λ_m ε_m + η_eff² f_m λ_m² (ε_g + σ²/2),

solved by one matrix exponential of the system augmented by the constant source.
"""
from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest
from scipy import special
from scipy.linalg import expm

import numerics.online_sgd_simulation as sim
from numerics.committee_blocks import (block_order_parameters, eigenvalue_blocks, first_order,
                                       power_law_eigenvalues)
from numerics.online_sgd_simulation import (alpha_to_steps, simulate_generalization_error,
                                            simulate_order_parameters)
from numerics.simulation import Estimate, spawn_generators, z_test, z_threshold

FAMILYWISE = 1e-3


# ----------------------------------------------------------------------------- reference code

def prefactors(K, M, normalized):
    return (1 / math.sqrt(K), 1 / math.sqrt(M)) if normalized else (1.0, 1.0)


def population_error(Q, R, T, activation, normalized):
    """ε_g of the preamble (exact for Gaussian input): erf arcsin form or the linear quadratic form."""
    K, M = Q.shape[-1], T.shape[-1]
    cK, cM = prefactors(K, M, normalized)
    if activation == "linear":
        return 0.5 * (cK ** 2 * Q.sum((-1, -2)) - 2 * cK * cM * R.sum((-1, -2)) + cM ** 2 * T.sum((-1, -2)))
    dq = np.diagonal(Q, axis1=-2, axis2=-1)
    dt = np.diagonal(T, axis1=-2, axis2=-1)
    qq = np.arcsin(Q / np.sqrt((1 + dq)[..., :, None] * (1 + dq)[..., None, :]))
    tt = np.arcsin(T / np.sqrt((1 + dt)[..., :, None] * (1 + dt)[..., None, :]))
    rr = np.arcsin(R / np.sqrt((1 + dq)[..., :, None] * (1 + dt)[..., None, :]))
    return (cK ** 2 * qq.sum((-1, -2)) + cM ** 2 * tt.sum((-1, -2)) - 2 * cK * cM * rr.sum((-1, -2))) / np.pi


def activation_fns(activation):
    if activation == "linear":
        return (lambda x: x), (lambda x: np.ones_like(x))
    return (lambda x: special.erf(x / np.sqrt(2))), (lambda x: np.sqrt(2 / np.pi) * np.exp(-x * x / 2))


def naive_sgd(alphas, J0, B, lam, eta, activation, normalized, noise_variance, seeds, entropy, trainable=None):
    """The SGD rule of the module docstring, one example at a time, on the documented streams
    (``trainable``: the gradient times the 0/1 mask)."""
    mask = np.ones(lam.size) if trainable is None else np.asarray(trainable, dtype=float)
    N = lam.size
    g, dg = activation_fns(activation)
    cK, cM = prefactors(J0.shape[0], B.shape[0], normalized)
    records = alpha_to_steps(alphas, N)
    blocks = eigenvalue_blocks(lam)
    qs, rs = [], []
    for gen in spawn_generators(entropy, seeds):
        noise = gen.spawn(1)[0]
        J = J0.copy()
        q_seed, r_seed = [], []
        for step in range(records[-1] + 1):
            for _ in range(int(np.sum(records == step))):
                q, r, _ = block_order_parameters(J, B, blocks)
                q_seed.append(q)
                r_seed.append(r)
            if step == records[-1]:
                break
            xi = np.sqrt(lam) * gen.standard_normal(N)
            x, y = J @ xi / np.sqrt(N), B @ xi / np.sqrt(N)
            label = cM * g(y).sum()
            if noise_variance:
                label += np.sqrt(noise_variance) * noise.standard_normal()
            delta = cK * dg(x) * (label - cK * g(x).sum())
            J = J + eta / np.sqrt(N) * np.outer(delta, mask * xi)
        qs.append(q_seed)
        rs.append(r_seed)
    return np.array(qs), np.array(rs)


def teacher_student(K, M, N, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((K, N)), rng.standard_normal((M, N))


# ----------------------------------------------------------------------------- exactness

@pytest.mark.parametrize("activation, normalized, noise, chunk, block", [
    ("erf", True, 0.0, 5, 13),
    ("erf", False, 0.3, 7, 7),
    ("linear", True, 0.2, 4, 9),
    ("erf", True, 0.1, None, None),           # the module's own chunk sizes
])
def test_chunked_loop_equals_plain_loop(monkeypatch, activation, normalized, noise, chunk, block):
    if chunk is not None:
        monkeypatch.setattr(sim, "CHUNK_STEPS", chunk)
        monkeypatch.setattr(sim, "BLOCK_STEPS", block)
    lam = np.random.default_rng(0).permutation(np.repeat([2.0, 0.7, 0.3], [10, 10, 20]))   # unsorted
    J0, B = teacher_student(3, 2, 40, seed=1)
    alphas = [0.0, 0.3, 0.3, 1.0, 2.5]                          # 0, 12, 12, 40, 100 steps
    eta = 0.4 if activation == "erf" else 0.2
    paths = simulate_order_parameters(alphas, J0, B, lam, eta, activation=activation,
                                      normalized_outputs=normalized, noise_variance=noise, seeds=3,
                                      entropy=11)
    q, r = naive_sgd(alphas, J0, B, lam, eta, activation, normalized, noise, 3, 11)
    assert paths.steps.tolist() == [0, 12, 12, 40, 100]
    np.testing.assert_allclose(paths.q, q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(paths.r, r, rtol=0, atol=1e-12)
    assert np.max(np.abs(paths.q[:, -1] - paths.q[:, 0])) > 0.01         # the weights did move


def test_seed_streams_do_not_depend_on_the_number_of_seeds():
    lam = power_law_eigenvalues(32, 4, 1.0)
    J0, B = teacher_student(2, 2, 32)
    a = simulate_order_parameters([1.0, 3.0], J0, B, lam, 0.3, seeds=2, entropy=5, noise_variance=0.1)
    b = simulate_order_parameters([1.0, 3.0], J0, B, lam, 0.3, seeds=3, entropy=5, noise_variance=0.1)
    np.testing.assert_array_equal(a.q, b.q[:2])
    np.testing.assert_array_equal(a.r, b.r[:2])
    assert not np.allclose(b.q[0], b.q[2])                       # seeds differ


def test_every_seed_starts_from_the_given_weights():
    lam = power_law_eigenvalues(24, 3, 1.0)
    J0, B = teacher_student(2, 3, 24)
    paths = simulate_order_parameters([0.0, 0.5], J0, B, lam, 0.2, seeds=4)
    q0, r0, t0 = block_order_parameters(J0, B, eigenvalue_blocks(lam))
    for s in range(4):
        np.testing.assert_allclose(paths.q[s, 0], q0, rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(paths.r[s, 0], r0, rtol=1e-14, atol=1e-16)
    np.testing.assert_array_equal(paths.t, t0)
    Q1, R1, T1 = paths.first_order()
    assert Q1.shape == (4, 2, 2, 2) and R1.shape == (4, 2, 2, 3) and T1.shape == (3, 3)
    np.testing.assert_allclose(paths.alphas_done, [0.0, 12 / 24])
    only_start = simulate_order_parameters([0.0], J0, B, lam, 0.2, seeds=2)         # no step at all
    np.testing.assert_array_equal(only_start.q[:, 0], paths.q[:2, 0])


@pytest.mark.parametrize("activation", ["erf", "linear"])
def test_normalised_outputs_equal_unnormalised_at_eta_over_K(activation):
    """K = M: label − σ scales by 1/√K and δ_i by 1/K, so normalised SGD at (η, σ²) is, step by step,
    unnormalised SGD at (η/K, Kσ²) on the same streams (sheet §0.1(f)); ε_g scales by 1/K."""
    K, N = 3, 30
    lam = power_law_eigenvalues(N, 3, 1.0)
    J0, B = teacher_student(K, K, N, seed=4)
    alphas = [0.0, 1.0, 4.0]
    kw = dict(activation=activation, seeds=3, entropy=2)
    a = simulate_order_parameters(alphas, J0, B, lam, 0.6, normalized_outputs=True, noise_variance=0.05, **kw)
    b = simulate_order_parameters(alphas, J0, B, lam, 0.2, normalized_outputs=False, noise_variance=0.15, **kw)
    np.testing.assert_allclose(a.q, b.q, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(a.r, b.r, rtol=1e-11, atol=1e-13)
    ea = population_error(*a.first_order(), activation, True)
    eb = population_error(*b.first_order(), activation, False)
    np.testing.assert_allclose(ea, eb / K, rtol=1e-11)


# ----------------------------------------------------------------------------- frozen coordinates

@pytest.mark.parametrize("activation", ["erf", "linear"])
def test_frozen_coordinates_keep_their_weights_and_the_rest_follows_the_plain_loop(monkeypatch, activation):
    """A mask that splits blocks (and is not sorted): the chunked run equals the masked per-step loop,
    and every frozen coordinate's weights equal J(0) exactly (read back from a run with one
    coordinate per block, where the block order parameters are the weights themselves)."""
    monkeypatch.setattr(sim, "CHUNK_STEPS", 5)
    monkeypatch.setattr(sim, "BLOCK_STEPS", 11)
    lam = np.random.default_rng(0).permutation(np.repeat([2.0, 0.7, 0.3], [10, 10, 20]))
    J0, B = teacher_student(3, 2, 40, seed=1)
    mask = np.random.default_rng(2).random(40) < 0.5
    alphas = [0.0, 0.3, 1.0, 2.5]
    paths = simulate_order_parameters(alphas, J0, B, lam, 0.3, activation=activation, normalized_outputs=True,
                                      noise_variance=0.1, seeds=3, entropy=11, trainable=mask)
    q, r = naive_sgd(alphas, J0, B, lam, 0.3, activation, True, 0.1, 3, 11, trainable=mask)
    np.testing.assert_allclose(paths.q, q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(paths.r, r, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(paths.trainable, mask)
    # one coordinate per block, teacher B = e_n-rows: r_m[i, n] = J_i[m] B_n[m]/N reads the weights back
    N = 6
    lam = np.arange(N, 0, -1.0)                                   # distinct: block m = coordinate m
    J0 = teacher_student(2, 2, N, seed=3)[0]
    B = np.ones((2, N))
    frozen = np.array([False, True, False, True, True, False])
    p = simulate_order_parameters([0.0, 5.0], J0, B, lam, 0.05, activation=activation, seeds=2, entropy=4,
                                  trainable=~frozen)
    weights = p.r[:, :, :, :, 0] * N                              # (S, T, N, K): J_i[m] exactly
    np.testing.assert_array_equal(weights[:, 1, frozen], weights[:, 0, frozen])
    np.testing.assert_allclose(weights[:, 0], np.broadcast_to(J0.T, weights[:, 0].shape), rtol=1e-14)
    assert np.all(np.abs(weights[:, 1, ~frozen] - weights[:, 0, ~frozen]) > 1e-3)       # the others moved


@pytest.mark.parametrize("activation", ["erf", "linear"])
def test_an_all_true_mask_is_the_unmasked_run_bit_for_bit(activation):
    lam = power_law_eigenvalues(32, 4, 1.0)
    J0, B = teacher_student(2, 2, 32)
    kw = dict(activation=activation, seeds=3, entropy=7, noise_variance=0.1)
    a = simulate_order_parameters([0.0, 1.0, 3.0], J0, B, lam, 0.3, **kw)
    b = simulate_order_parameters([0.0, 1.0, 3.0], J0, B, lam, 0.3, trainable=np.ones(32, bool), **kw)
    np.testing.assert_array_equal(a.q, b.q)
    np.testing.assert_array_equal(a.r, b.r)
    err = lambda Q, R, T: population_error(Q, R, T, activation, False)   # noqa: E731
    ea = simulate_generalization_error([1.0, 3.0], J0, B, lam, 0.3, err, **kw)
    eb = simulate_generalization_error([1.0, 3.0], J0, B, lam, 0.3, err, trainable=[True] * 32, **kw)
    np.testing.assert_array_equal(ea.mean, eb.mean)
    np.testing.assert_array_equal(ea.se, eb.se)
    assert a.trainable is None and b.trainable.dtype == bool and b.trainable.all()


def frozen_linear_theory(eps0, blocks, eta_eff, trained, alphas, N=None):
    """Mean ε_m(α) of the linear student with the blocks ``trained`` (bool per block) trained, the others
    frozen: a frozen block's row of the generator (preamble) is zero, every other row unchanged, so a
    frozen error still feeds ε_g and hence the η² source of the trained blocks.  N as linear_theory."""
    lam, f, L = blocks.values, blocks.fractions, blocks.L
    on = np.asarray(trained, dtype=float)
    A = on[:, None] * (-2 * eta_eff * np.diag(lam) + eta_eff ** 2 * np.outer(f * lam ** 2, np.ones(L)))
    if N is None:
        return np.array([expm(A * a) @ eps0 for a in alphas])
    step = np.eye(L) + A / N + np.diag(on * 2 * eta_eff ** 2 * lam ** 2) / N ** 2
    return np.array([np.linalg.matrix_power(step, int(n)) @ eps0 for n in alpha_to_steps(alphas, N)])


def test_linear_student_with_frozen_blocks_follows_W1_with_zero_rows():
    """Blocks 2 and 4 of 4 frozen, N = 128, 512 seeds: the frozen block errors stay at ε_m(0) exactly;
    the trained ones are z-tested against the frozen-block generator, both its α-continuous form
    (W-1 with zero rows) and the exact finite-N step recursion.  The trained blocks settle at the floor
    fed by the frozen error, ε_m → ηλ_m f_m ε_g/2 (ε_g = ε_frozen/(1 − η Σ_trained f_mλ_m/2)); the same
    theory without the frozen error in the source (trained blocks decaying to 0) is rejected."""
    N, eta = 128, 0.5
    lam = power_law_eigenvalues(N, 4, 1.0)
    J0, B = teacher_student(2, 2, N, seed=5, scale=0.1)
    trained = np.array([True, False, True, False])
    mask = np.repeat(trained, N // 4)
    alphas = np.array([0.0, 1.0, 4.0, 16.0])
    paths = simulate_order_parameters(alphas, J0, B, lam, eta, activation="linear", normalized_outputs=True,
                                      seeds=512, entropy=9, trainable=mask)
    eps = block_errors(paths, True)
    np.testing.assert_array_equal(eps[:, :, ~trained], np.broadcast_to(eps[0, 0, ~trained], eps[:, :, ~trained].shape))
    continuum = frozen_linear_theory(eps[0, 0], paths.blocks, eta, trained, alphas)
    finite = frozen_linear_theory(eps[0, 0], paths.blocks, eta, trained, alphas, N=N)
    z = np.concatenate([z_tests(eps[..., trained], theory[:, trained]) for theory in (continuum, finite)])
    threshold = z_threshold(z.size + 1, FAMILYWISE)
    assert np.all(np.abs(z) <= threshold), z
    # without the frozen blocks' error in the η² source the trained blocks would decay to 0: rejected
    floorless = frozen_linear_theory(eps[0, 0] * trained, paths.blocks, eta, trained, alphas)
    total = Estimate.from_samples(eps[:, -1, trained].sum(-1)).z_score(floorless[-1, trained].sum())
    assert abs(total) > threshold, total


# ----------------------------------------------------------------------------- population error

@pytest.mark.parametrize("activation", ["erf", "linear"])
@pytest.mark.parametrize("normalized", [True, False])
def test_population_error_formula_matches_a_monte_carlo_test_set(activation, normalized):
    """The preamble's ε_g(Q1, R1, T1) against ½(σ − ζ)² averaged over fresh Gaussian inputs."""
    N, K, M, n = 30, 3, 2, 100_000
    lam = np.repeat([2.5, 0.4, 0.1], 10)
    rng = np.random.default_rng(7)
    J, B = rng.standard_normal((K, N)), rng.standard_normal((M, N))
    b = eigenvalue_blocks(lam)
    Q1, R1, T1 = (first_order(x, b) for x in block_order_parameters(J, B, b))
    theory = population_error(Q1, R1, T1, activation, normalized)
    g, _ = activation_fns(activation)
    cK, cM = prefactors(K, M, normalized)
    xi = rng.standard_normal((n, N)) * np.sqrt(lam)
    loss = 0.5 * (cK * g(xi @ J.T / np.sqrt(N)).sum(1) - cM * g(xi @ B.T / np.sqrt(N)).sum(1)) ** 2
    assert z_test(theory, Estimate.from_samples(loss), z_threshold(4, FAMILYWISE)).passed


def test_generalization_error_is_the_population_error_of_each_seed():
    lam = power_law_eigenvalues(40, 4, 1.0)
    J0, B = teacher_student(2, 2, 40, seed=3, scale=0.01)
    err = lambda Q, R, T: population_error(Q, R, T, "erf", True)   # noqa: E731
    est = simulate_generalization_error([0.0, 2.0], J0, B, lam, 0.5, err, normalized_outputs=True, seeds=5)
    paths = simulate_order_parameters([0.0, 2.0], J0, B, lam, 0.5, normalized_outputs=True, seeds=5)
    per_seed = err(*paths.first_order())
    assert est.n == 5
    np.testing.assert_allclose(est.mean, per_seed.mean(0), rtol=1e-14)
    np.testing.assert_allclose(est.se, per_seed.std(0, ddof=1) / np.sqrt(5), rtol=1e-12, atol=1e-17)
    b = eigenvalue_blocks(lam)
    Q1, R1, T1 = (first_order(x, b) for x in block_order_parameters(J0, B, b))
    assert est.mean[0] == pytest.approx(err(Q1, R1, T1), rel=1e-14)
    assert est.mean[0] == pytest.approx(1 / 6, rel=0.1)            # ≈ M/6 · 1/M: tiny student, T1 ≈ I


# ----------------------------------------------------------------------------- linear student

def block_errors(paths, normalized):
    """ε_m = (λ_m/2)[c_K² Σq_m − 2c_Kc_M Σr_m + c_M² Σt_m] per seed, time and block."""
    K, M = paths.q.shape[-1], paths.t.shape[-1]
    cK, cM = prefactors(K, M, normalized)
    s = cK ** 2 * paths.q.sum((-1, -2)) - 2 * cK * cM * paths.r.sum((-1, -2)) + cM ** 2 * paths.t.sum((-1, -2))
    return 0.5 * paths.blocks.values * s


def linear_theory(eps0, blocks, eta_eff, noise_variance, alphas, N=None):
    """Mean ε_m(α): N=None the α-continuous closed form, else the exact finite-N step recursion."""
    lam, f, L = blocks.values, blocks.fractions, blocks.L
    A = np.zeros((L + 1, L + 1))
    A[:L, :L] = -2 * eta_eff * np.diag(lam) + eta_eff ** 2 * np.outer(f * lam ** 2, np.ones(L))
    A[:L, L] = eta_eff ** 2 * f * lam ** 2 * noise_variance / 2
    x0 = np.append(eps0, 1.0)
    if N is None:
        return np.array([(expm(A * a) @ x0)[:L] for a in alphas])
    step = np.eye(L + 1) + A / N
    step[:L, :L] += np.diag(2 * eta_eff ** 2 * lam ** 2) / N ** 2
    return np.array([(np.linalg.matrix_power(step, int(n)) @ x0)[:L] for n in alpha_to_steps(alphas, N)])


def linear_run(N, seeds, eta, normalized, noise_variance, entropy):
    K = M = 2
    lam = power_law_eigenvalues(N, 4, 1.0)
    J0, B = teacher_student(K, M, N, seed=5)
    alphas = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0])
    paths = simulate_order_parameters(alphas, J0, B, lam, eta, activation="linear", normalized_outputs=normalized,
                                      noise_variance=noise_variance, seeds=seeds, entropy=entropy)
    eps = block_errors(paths, normalized)
    eta_eff = eta if normalized else eta * K
    return paths, eps, eta_eff


def z_tests(eps, theory):
    """z of each block and of ε_g at α > 0 (all seeds coincide at α = 0)."""
    per_block = Estimate.from_samples(eps[:, 1:]).z_score(theory[1:])
    total = Estimate.from_samples(eps[:, 1:].sum(-1)).z_score(theory[1:].sum(-1))
    return np.concatenate([per_block, total[:, None]], axis=1)


@pytest.mark.parametrize("normalized, eta, noise", [(True, 0.5, 0.0), (True, 0.5, 0.1), (False, 0.25, 0.1)])
def test_linear_student_follows_the_closed_form_W1(normalized, eta, noise):
    """Seed average of ε_m(α) against expm(𝒜α)ε(0) (plus the noise source), N = 256, 256 seeds.

    Measured here: the exact finite-N mean differs from the α-continuous one by at most 0.81
    standard errors (in block 1, the largest eigenvalue; an O(1/N) effect), largest |z| 2.6 against
    a threshold of 4.1, so the continuum is tested at this N."""
    N = 256
    paths, eps, eta_eff = linear_run(N, 256, eta, normalized, noise, entropy=1)
    theory = linear_theory(eps[0, 0], paths.blocks, eta_eff, noise, paths.alphas)
    np.testing.assert_allclose(eps[:, 0], np.broadcast_to(theory[0], eps[:, 0].shape), rtol=1e-12)
    z = z_tests(eps, theory)
    assert np.all(np.abs(z) <= z_threshold(z.size, FAMILYWISE)), z
    finite = linear_theory(eps[0, 0], paths.blocks, eta_eff, noise, paths.alphas, N=N)
    se = Estimate.from_samples(eps[:, 1:]).se
    assert np.max(np.abs(finite[1:] - theory[1:]) / se) < 1.0     # the finite-N gap is below resolution


def test_linear_student_resolves_the_exact_finite_N_mean():
    """At N = 64 with 4096 seeds the O(1/N) correction is resolved: the simulation agrees with the
    exact finite-N recursion and rejects the α-continuous closed form (largest |z|: 2.3 against the
    recursion, 5.2 against the continuum, threshold 4.1)."""
    N = 64
    paths, eps, eta_eff = linear_run(N, 4096, 0.5, True, 0.1, entropy=3)
    finite = linear_theory(eps[0, 0], paths.blocks, eta_eff, 0.1, paths.alphas, N=N)
    continuum = linear_theory(eps[0, 0], paths.blocks, eta_eff, 0.1, paths.alphas)
    z = z_tests(eps, finite)
    threshold = z_threshold(z.size, FAMILYWISE)
    assert np.all(np.abs(z) <= threshold), z
    assert np.max(np.abs(z_tests(eps, continuum))) > threshold


# ----------------------------------------------------------------------------- errors and extras

def test_divergence_raises_with_alpha_and_advice():
    lam = np.ones(16)
    J0, B = teacher_student(1, 1, 16)
    with pytest.raises(FloatingPointError, match=r"alpha = .*smaller eta"):
        simulate_order_parameters([200.0], J0, B, lam, 40.0, activation="linear", seeds=2)


def _bad(**kw):
    J0, B = teacher_student(2, 2, 8)
    args = dict(alphas=[0.0, 1.0], student_weights=J0, teacher_weights=B, eigenvalues=np.ones(8), eta=0.1)
    args.update(kw)
    return args


@pytest.mark.parametrize("kw, match", [
    (dict(student_weights=np.ones((0, 8))), "student_weights"),
    (dict(teacher_weights=np.ones((0, 8))), "teacher_weights"),
    (dict(student_weights=np.ones(8)), "student_weights"),
    (dict(student_weights=np.ones((2, 7))), "share N"),
    (dict(teacher_weights=np.ones((2, 9))), "share N"),
    (dict(eigenvalues=np.ones(9)), "share N"),
    (dict(student_weights=np.full((2, 8), np.nan)), "student_weights must be finite"),
    (dict(eigenvalues=-np.ones(8)), "eigenvalues"),
    (dict(eta=0.0), "eta"), (dict(eta=-1.0), "eta"), (dict(eta=np.nan), "eta"),
    (dict(noise_variance=-0.1), "noise_variance"),
    (dict(activation="relu"), "activation"),
    (dict(normalized_outputs="yes"), "normalized_outputs"),
    (dict(seeds=0), "seeds"), (dict(seeds=2.5), "seeds"), (dict(seeds=True), "seeds"),
    (dict(alphas=[1.0, 0.5]), "non-decreasing"), (dict(alphas=[-1.0]), "alphas"),
    (dict(alphas=[np.inf]), "alphas"), (dict(alphas=[]), "alphas"),
])
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        simulate_order_parameters(**_bad(**kw))


@pytest.mark.parametrize("mask, match", [
    (np.ones(8), "dtype bool"), (np.arange(8), "dtype bool"), (np.ones(7, bool), "shape"),
    (np.ones((2, 8), bool), "shape"), (np.zeros(8, bool), "at least one"),
])
def test_bad_trainable_mask(mask, match):
    with pytest.raises(ValueError, match=match):
        simulate_order_parameters(**_bad(), trainable=mask)


def test_generalization_error_bad_input():
    lin = lambda Q, R, T: population_error(Q, R, T, "linear", False)   # noqa: E731
    with pytest.raises(ValueError, match="seeds must be >= 2"):
        simulate_generalization_error(**_bad(), population_error=lin, seeds=1)
    with pytest.raises(ValueError, match="population_error must be a callable"):
        simulate_generalization_error(**_bad(), population_error=0.5)
    with pytest.raises(ValueError, match="population_error must return one value per seed and time"):
        simulate_generalization_error(**_bad(), population_error=lambda Q, R, T: Q)


def test_alpha_rounding():
    assert alpha_to_steps([0.0, 0.49 / 10, 0.5 / 10, 1.0, 2.34], 10).tolist() == [0, 0, 1, 10, 23]


def test_progress_bar_uses_tqdm_when_importable(monkeypatch):
    updates = []

    class FakeBar:
        def __init__(self, total, **kw):
            updates.append(("total", total))

        def update(self, n):
            updates.append(n)

        def close(self):
            updates.append("closed")

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    simulate_order_parameters(**_bad(alphas=[0.0, 3.0]), seeds=2, progress=True)
    assert updates[0] == ("total", 2 * 24) and updates[-1] == "closed"
    assert sum(u for u in updates[1:-1]) == 48
    updates.clear()
    simulate_order_parameters(**_bad(), seeds=2)                   # None: small run, no bar
    assert updates == []


def test_progress_without_tqdm_is_silent(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)                 # import tqdm -> ImportError
    paths = simulate_order_parameters(**_bad(), seeds=2, progress=True)
    assert paths.q.shape[0] == 2


def test_runs_by_entropies_equal_single_runs_bit_for_bit_and_seeds_do_not_depend_on_their_number():
    rng = np.random.default_rng(3)
    J, B = 0.1 * rng.standard_normal((2, 96)), rng.standard_normal((2, 96))
    alphas = [0.0, 0.5, 3.3]
    run = lambda **kw: simulate_order_parameters(alphas, J, B, np.ones(96), 0.1, progress=False, **kw)  # noqa: E731
    many = run(entropies=[11, 22, 33])
    for j, e in enumerate([11, 22, 33]):
        one = run(seeds=1, entropy=e)
        assert np.array_equal(one.q[0], many.q[j]) and np.array_equal(one.r[0], many.r[j])
    assert np.array_equal(run(seeds=40, entropy=7).q[:3], run(seeds=3, entropy=7).q)


@pytest.mark.parametrize("kw, match", [({"entropies": []}, "entropies"), ({"entropies": "12"}, "entropies"),
                                       ({"entropies": [1, 2], "seeds": 3}, "seeds")])
def test_bad_entropies_are_refused_by_name(kw, match):
    with pytest.raises(ValueError, match=match):
        simulate_order_parameters([1.0], np.ones((1, 4)), np.ones((1, 4)), np.ones(4), 0.1, **kw)


def test_one_start_per_run_equals_the_single_runs_bit_for_bit():
    rng = np.random.default_rng(4)
    B, starts = rng.standard_normal((2, 64)), 0.1 * rng.standard_normal((3, 2, 64))
    run = lambda J, **kw: simulate_order_parameters([0.0, 2.0], J, B, np.ones(64), 0.1, progress=False, **kw)  # noqa: E731
    many = run(starts, entropies=[1, 2, 3])
    for j in range(3):
        assert np.array_equal(run(starts[j], seeds=1, entropy=j + 1).q[0], many.q[j])
    with pytest.raises(ValueError, match="one finite J\\(0\\) per run"):
        run(starts, entropies=[1, 2])
