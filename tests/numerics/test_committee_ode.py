"""Tests of numerics.committee_ode (block-resolved order-parameter ODEs of soft committee machines).

Independent references:

* linear activation: the per-block errors ε_m = ½λ_m(c_K² Σq_m − 2c_Kc_M Σr_m + c_M² Σt_m) obey the
  closed L×L system dε_m/dα = −2ηλ_m ε_m + η²f_mλ_m²(ε_g + σ²/2) (papers.md §2(b) W-1, with label
  noise σ²), solved by scipy.linalg.expm of the augmented (L+1)×(L+1) matrix (doubling grid by
  squaring, cross-checked by a direct expm at the last point); r, which never sees E, is integrated
  by the same exact propagator with or without noise;
* a smooth synthetic nonlinear coefficient function: scipy.integrate.solve_ivp (DOP853, rtol 1e-12)
  of the right-hand side written here with explicit index loops (``naive_rhs``);
* a nilpotent (defective) 𝓛: the polynomial solution.

Tolerances.  The integrator keeps each step's error estimate below atol + rtol·|s| per component;
ε_g is a linear functional of the state, so relative state errors rtol move it by at most rtol·S,
S = ½Σ_m λ_m (c_K² Σ|q_m| + 2c_Kc_M Σ|r_m| + c_M² Σ|t_m|) ("the tolerance asked for"), with atol
set so that its contribution to that sum is 1 % of it.  Round-off tolerances are u (unit
round-off) times operation counts.  The observed order (halving a fixed step, three steps) must
be 2 ± 0.15.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

import numerics.committee_ode as committee_ode
from numerics.committee_ode import (block_rhs, first_order, integrate_block_odes,
                                    integrate_block_odes_euler)
from numerics.solvers import ConvergenceError

U = np.finfo(float).eps / 2


# --------------------------------------------------------------------------
# Set-ups and independent references
# --------------------------------------------------------------------------

def power_law(L, beta=1.0):
    """λ_l = λ₊ l^−(1+β) with Σ f_l λ_l = 1, f_l = 1/L (papers.md §2(a))."""
    lam = np.arange(1, L + 1, dtype=float) ** -(1 + beta)
    return lam * L / lam.sum(), np.full(L, 1.0 / L)


def random_overlaps(L, K, M, fractions, seed, student_scale=0.1):
    """Block Gram matrices of random vectors: q_m, r_m, t_m jointly positive semi-definite, O(f_m)."""
    rng = np.random.default_rng(seed)
    G = rng.normal(size=(L, K + M, K + M + 3))
    G[:, :K] *= student_scale
    C = fractions[:, None, None] * (G @ np.swapaxes(G, 1, 2)) / (K + M + 3)
    return C[:, :K, :K].copy(), C[:, :K, K:].copy(), C[:, K:, K:].copy()


def linear_coefficients(K, M, noise=0.0):
    """A = −c_K² 𝟙, B = c_Kc_M 𝟙, E = c_K²(2ε_g + σ²) 𝟙 (g(x) = x, normalised outputs)."""
    cK, cM = 1 / math.sqrt(K), 1 / math.sqrt(M)

    def coefficients(Q1, R1, T1):
        eps = 0.5 * (cK ** 2 * Q1.sum() - 2 * cK * cM * R1.sum() + cM ** 2 * T1.sum())
        return (-cK ** 2 * np.ones((K, K)), cK * cM * np.ones((K, M)),
                cK ** 2 * (2 * eps + noise) * np.ones((K, K)))
    return coefficients


def block_errors(q, r, t, lam, K, M):
    """ε_m and the scale S of its terms (sum over blocks of the absolute terms)."""
    cK, cM = 1 / math.sqrt(K), 1 / math.sqrt(M)
    terms = (cK ** 2 * q.sum((-1, -2)), -2 * cK * cM * r.sum((-1, -2)), cM ** 2 * t.sum((-1, -2)))
    eps = 0.5 * lam * sum(terms)
    scale = 0.5 * lam * (cK ** 2 * np.abs(q).sum((-1, -2)) + 2 * cK * cM * np.abs(r).sum((-1, -2))
                         + cM ** 2 * np.abs(t).sum((-1, -2)))
    return eps, scale.sum(-1)


def linear_reference(alphas_doubling, eps0, lam, f, eta, noise=0.0):
    """ε_m(α) from expm of [[𝒜, c], [0, 0]], 𝒜 = −2η diag λ + η² (fλ²) 1ᵀ, c = η² fλ² σ²/2.

    ``alphas_doubling`` = α_0 · 2^k: one expm at α_0, then squaring.
    """
    L = len(lam)
    aug = np.zeros((L + 1, L + 1))
    aug[:L, :L] = -2 * eta * np.diag(lam) + eta ** 2 * np.outer(f * lam ** 2, np.ones(L))
    aug[:L, L] = eta ** 2 * f * lam ** 2 * noise / 2
    x0 = np.append(eps0, 1.0)
    X = expm(aug * alphas_doubling[0])
    out = []
    for k in range(len(alphas_doubling)):
        if k:
            X = X @ X
        out.append((X @ x0)[:L])
    direct = expm(aug * alphas_doubling[-1]) @ x0
    return np.array(out), direct[:L]


def naive_rhs(q, r, t, lam, f, eta, coefficients):
    """The block equations with explicit index loops (reference for block_rhs)."""
    L, K, M = r.shape
    Q1 = sum(lam[m] * q[m] for m in range(L))
    R1 = sum(lam[m] * r[m] for m in range(L))
    T1 = sum(lam[m] * t[m] for m in range(L))
    A, B, E = (np.asarray(x, float) for x in coefficients(Q1, R1, T1))
    dq, dr = np.zeros_like(q), np.zeros_like(r)
    for m in range(L):
        k = eta * lam[m]
        for i in range(K):
            for n in range(M):
                dr[m, i, n] = k * (sum(A[i, j] * r[m, j, n] for j in range(K))
                                   + sum(B[i, p] * t[m, p, n] for p in range(M)))
            for j in range(K):
                dq[m, i, j] = k * (sum(A[i, l] * q[m, l, j] + q[m, i, l] * A[j, l] for l in range(K))
                                   + sum(B[i, n] * r[m, j, n] + r[m, i, n] * B[j, n]
                                         for n in range(M))) \
                    + eta ** 2 * lam[m] * f[m] * 0.5 * (E[i, j] + E[j, i])
    return dq, dr


def synthetic_coefficients(K, M):
    """Smooth nonlinear A (not symmetric), B, E (symmetric) of the first-order overlaps."""
    def coefficients(Q1, R1, T1):
        A = -np.eye(K) - 0.5 * np.tanh(Q1) + 0.3 * np.tril(np.sin(Q1), -1) - 0.2 * np.ones((K, K)) / K
        B = 0.6 + 0.3 * np.sin(R1) + 0.1 * np.cos(R1 @ T1)
        E = 0.2 + 0.1 * np.cos(Q1) + 0.05 * (R1 @ R1.T)
        return A, B, E
    return coefficients


def reference_ivp(alphas, q0, r0, t, lam, f, eta, coefficients):
    """solve_ivp (DOP853, rtol 1e-12) of naive_rhs on the flattened (q, r)."""
    L, K, M = r0.shape

    def rhs(_, y):
        q = y[:L * K * K].reshape(L, K, K)
        r = y[L * K * K:].reshape(L, K, M)
        dq, dr = naive_rhs(q, r, t, lam, f, eta, coefficients)
        return np.concatenate([dq.ravel(), dr.ravel()])
    y0 = np.concatenate([q0.ravel(), r0.ravel()])
    sol = solve_ivp(rhs, (0.0, alphas[-1]), y0, method="DOP853", t_eval=alphas, rtol=1e-12,
                    atol=1e-15)
    assert sol.success
    y = sol.y.T
    return y[:, :L * K * K].reshape(-1, L, K, K), y[:, L * K * K:].reshape(-1, L, K, M)


def synthetic_setup(L=5, K=2, M=3, seed=1):
    lam = np.geomspace(4.0, 0.05, L)
    f = np.random.default_rng(seed).uniform(0.5, 1.5, L)
    f /= f.sum()
    q0, r0, t = random_overlaps(L, K, M, f, seed, student_scale=0.5)
    return q0, r0, t, lam, f, 0.5, synthetic_coefficients(K, M)


# --------------------------------------------------------------------------
# Right-hand side and first-order overlaps
# --------------------------------------------------------------------------

def test_block_rhs_matches_index_loops():
    q, r, t, lam, f, eta, coef = synthetic_setup(L=4, K=3, M=2, seed=3)
    dq, dr = block_rhs(q, r, t, lam, f, eta, coef)
    dq_ref, dr_ref = naive_rhs(q, r, t, lam, f, eta, coef)
    # each entry sums at most n = 2K + 2M + 1 products; both evaluations are within n·u of the
    # sum of the absolute terms, which naive_rhs gives for absolute values of all inputs
    n = 2 * 3 + 2 * 2 + 1
    A, B, E = coef(first_order(q, lam), first_order(r, lam), first_order(t, lam))
    dq_abs, dr_abs = naive_rhs(np.abs(q), np.abs(r), np.abs(t), lam, f, eta,
                               lambda *_: (np.abs(A), np.abs(B), np.abs(E)))
    assert np.all(np.abs(dq - dq_ref) <= 2 * n * U * dq_abs)
    assert np.all(np.abs(dr - dr_ref) <= 2 * n * U * dr_abs)
    assert np.all(np.abs(dq - np.swapaxes(dq, 1, 2)) <= 2 * n * U * dq_abs)


def test_first_order_is_the_eigenvalue_weighted_sum():
    q, r, t, lam, f, _, _ = synthetic_setup()
    assert np.allclose(first_order(r, lam), sum(lam[m] * r[m] for m in range(len(lam))),
                       rtol=0, atol=16 * U * np.abs(r).max() * lam.sum())


# --------------------------------------------------------------------------
# Linear activation against the closed L×L system
# --------------------------------------------------------------------------

def run_linear(L, K, M, rtol, noise=0.0, eta=0.1, seed=0):
    lam, f = power_law(L)
    q0, r0, t = random_overlaps(L, K, M, f, seed)
    alphas = 2.0 ** np.arange(-7, 14)                  # 0.0078 … 8192
    eps0, S0 = block_errors(q0, r0, t, lam, K, M)
    d = K * M + K * (K + 1) // 2
    atol = 0.01 * rtol * S0 / (d * lam.sum())          # Σ over components of λ·atol = 1 % of rtol·S
    traj = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, linear_coefficients(K, M, noise),
                                rtol=rtol, atol=atol)
    ref, direct = linear_reference(alphas, eps0, lam, f, eta, noise)
    return traj, ref, direct, lam, t


@pytest.mark.parametrize("L, K, M", [(1, 2, 2), (4, 2, 2), (64, 2, 2), (16, 3, 1), (1024, 2, 2)])
def test_linear_activation_matches_expm(L, K, M):
    rtol = 1e-8
    traj, ref, direct, lam, t = run_linear(L, K, M, rtol)
    # squaring against a direct expm: each of the k squarings of the (L+1)×(L+1) propagator adds
    # at most (L+1)·u relative to the (non-growing) terms of ε
    k = len(ref) - 1
    assert np.max(np.abs(ref[-1] - direct)) <= k * (L + 1) * U * np.abs(ref[0]).sum()
    eps, S = block_errors(traj.q, traj.r, t[None], lam, K, M)
    err = np.abs(eps.sum(1) - ref.sum(1))
    assert np.all(err <= rtol * S), (err / (rtol * S)).max()
    assert traj.steps < 20000 and traj.rejected_steps < traj.steps


def test_noise_enters_only_through_E():
    L, K, M, rtol, noise = 32, 2, 2, 1e-8, 0.5
    clean, clean_ref, _, lam, t = run_linear(L, K, M, rtol)
    noisy, ref, _, _, _ = run_linear(L, K, M, rtol, noise=noise)
    # r never sees E, and with constant (A, B) every step propagates it exactly: the two runs
    # differ by round-off only, d² operations per component and step
    d = K * M + K * (K + 1) // 2
    bound = (clean.steps + noisy.steps) * d ** 2 * U * np.abs(clean.r).max()
    assert np.max(np.abs(noisy.r - clean.r)) <= bound
    assert np.max(np.abs(noisy.q - clean.q)) > 1e3 * bound       # q does see the noise
    eps, S = block_errors(noisy.q, noisy.r, t[None], lam, K, M)
    assert np.all(np.abs(eps.sum(1) - ref.sum(1)) <= rtol * S)
    # and the noise is visible: late in learning the noisy reference lies far above the clean one
    assert ref.sum(1)[-1] - clean_ref.sum(1)[-1] > 1e3 * rtol * S[-1]


def test_linear_tolerance_proportionality():
    """Tightening rtol by 100 reduces the error (the estimate tracks the true error)."""
    loose, ref, _, lam, t = run_linear(64, 2, 2, 1e-5)
    tight, _, _, _, _ = run_linear(64, 2, 2, 1e-7)
    e_loose = np.max(np.abs(block_errors(loose.q, loose.r, t[None], lam, 2, 2)[0].sum(1) - ref.sum(1)))
    e_tight = np.max(np.abs(block_errors(tight.q, tight.r, t[None], lam, 2, 2)[0].sum(1) - ref.sum(1)))
    assert e_tight < e_loose / 10
    assert tight.steps > loose.steps


# --------------------------------------------------------------------------
# Nonlinear coefficients against solve_ivp; order of the methods
# --------------------------------------------------------------------------

@pytest.mark.parametrize("rtol", [1e-6, 1e-9])
def test_synthetic_nonlinear_matches_solve_ivp(rtol):
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    alphas = np.array([0.0, 0.1, 0.5, 2.0, 5.0, 20.0])
    q_ref, r_ref = reference_ivp(alphas, q0, r0, t, lam, f, eta, coef)
    traj = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=rtol, atol=1e-15)
    scale = max(np.abs(q_ref).max(), np.abs(r_ref).max())
    assert np.max(np.abs(traj.q - q_ref)) <= rtol * scale
    assert np.max(np.abs(traj.r - r_ref)) <= rtol * scale
    assert np.array_equal(traj.q[0], q0) and np.array_equal(traj.r[0], r0)
    Q1 = np.einsum("l,tlij->tij", lam, traj.q)
    assert np.max(np.abs(traj.Q1 - Q1)) <= 16 * U * lam.sum() * np.abs(traj.q).max()


@pytest.mark.parametrize("method, order, steps", [("pc3", 3, (0.02, 0.01, 0.005)),
                                                  ("pc2", 2, (0.04, 0.02, 0.01)),
                                                  ("etd2rk", 2, (0.04, 0.02, 0.01)),
                                                  ("midpoint", 2, (0.04, 0.02, 0.01))])
def test_observed_order(method, order, steps):
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    q_ref, r_ref = reference_ivp(np.array([0.0, 2.0]), q0, r0, t, lam, f, eta, coef)
    errors = []
    for h in steps:
        traj = integrate_block_odes([2.0], q0, r0, t, lam, f, eta, coef, fixed_step=h, method=method)
        assert traj.steps == round(2.0 / h) and traj.rejected_steps == 0
        assert traj.coefficient_evaluations == 2 * traj.steps + 1
        errors.append(max(np.max(np.abs(traj.q[-1] - q_ref[-1])), np.max(np.abs(traj.r[-1] - r_ref[-1]))))
    # the finest error must stay far above the reference's (rtol 1e-12)
    assert errors[-1] > 1e3 * 1e-12 * np.abs(q_ref).max()
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - order) <= 0.15), orders


def test_explicit_euler_is_first_order():
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    q_ref, r_ref = reference_ivp(np.array([0.0, 2.0]), q0, r0, t, lam, f, eta, coef)
    errors = []
    for dt in (0.02, 0.01, 0.005):
        traj = integrate_block_odes_euler([1.0, 2.0], q0, r0, t, lam, f, eta, coef, dt=dt)
        assert traj.steps == round(2.0 / dt) and traj.coefficient_evaluations == traj.steps
        errors.append(max(np.max(np.abs(traj.q[-1] - q_ref[-1])), np.max(np.abs(traj.r[-1] - r_ref[-1]))))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - 1) <= 0.15), orders


# --------------------------------------------------------------------------
# The expm route: defective 𝓛 and forced fallback
# --------------------------------------------------------------------------

def test_defective_operator_takes_the_expm_route():
    """A = 0, B = 1, E = 1 (K = M = 1): 𝓛 = [[0, 0], [2, 0]] is nilpotent; the solution is polynomial.

    r = r0 + κtα, q = q0 + 2κ(r0 α + κtα²/2) + η²λfα.
    """
    lam, f, eta = np.array([3.0, 0.5]), np.array([0.25, 0.75]), 0.2
    q0, r0, t = np.array([[[0.1]], [[0.2]]]), np.array([[[0.05]], [[-0.1]]]), np.array([[[0.3]], [[0.7]]])
    coef = lambda Q1, R1, T1: (np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1)))
    alphas = np.array([0.5, 3.0])
    traj = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef)
    assert traj.expm_fallbacks > 0
    k = (eta * lam)[None, :]
    a = alphas[:, None]
    r = r0[None, :, 0, 0] + k * t[None, :, 0, 0] * a
    q = q0[None, :, 0, 0] + 2 * k * (r0[None, :, 0, 0] * a + k * t[None, :, 0, 0] * a ** 2 / 2) \
        + eta ** 2 * lam * f * a
    assert np.allclose(traj.r[..., 0, 0], r, rtol=1e-12, atol=0)
    assert np.allclose(traj.q[..., 0, 0], q, rtol=1e-12, atol=0)


def test_forced_expm_route_equals_eigen_route(monkeypatch):
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    alphas = np.array([0.5, 3.0])
    eigen = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, fixed_step=0.05)
    monkeypatch.setattr(committee_ode, "EIGEN_MARGIN", 0.0)
    forced = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, fixed_step=0.05)
    assert eigen.expm_fallbacks == 0 and forced.expm_fallbacks == forced.steps
    # both exact for the frozen step up to round-off: steps·d²·u·cond-level, cond(V) <= 1e2 here
    bound = forced.steps * 8 ** 2 * U * 1e2 * np.abs(eigen.q).max()
    assert np.max(np.abs(forced.q - eigen.q)) <= bound
    assert np.max(np.abs(forced.r - eigen.r)) <= bound


# --------------------------------------------------------------------------
# Failures and bad input
# --------------------------------------------------------------------------

def test_nan_coefficients_mid_way_raise():
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    calls = {"n": 0}

    def failing(Q1, R1, T1):
        calls["n"] += 1
        A, B, E = coef(Q1, R1, T1)
        return (A * np.nan, B, E) if calls["n"] > 20 else (A, B, E)
    with pytest.raises(ConvergenceError, match="alpha ="):
        integrate_block_odes([10.0], q0, r0, t, lam, f, eta, failing)
    calls["n"] = 0
    for offset in (0, 1):                 # the first NaN at a step's start (0), at a stage (1)
        calls["n"] = offset
        with pytest.raises(ConvergenceError, match="alpha ="):
            integrate_block_odes([10.0], q0, r0, t, lam, f, eta, failing, fixed_step=0.1)
    calls["n"] = 0
    with pytest.raises(ConvergenceError, match="non-finite"):
        integrate_block_odes_euler([10.0], q0, r0, t, lam, f, eta, failing)

    threshold = first_order(q0, lam)[0, 0] * 1.01        # NaN once Q1[0, 0] has grown by 1 %

    def region(Q1, R1, T1):
        A, B, E = coef(Q1, R1, T1)
        return (A, B, E * np.nan) if abs(Q1[0, 0]) > threshold else (A, B, E)
    with pytest.raises(ConvergenceError, match="floor"):
        integrate_block_odes([50.0], q0, r0, t, lam, f, eta, region)


def test_max_steps_and_unstable_euler_raise():
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    with pytest.raises(ConvergenceError, match="max_steps"):
        integrate_block_odes([20.0], q0, r0, t, lam, f, eta, coef, max_steps=5)
    # explicit Euler far beyond its stability limit dt·ηλ_max·|μ| < 2
    with pytest.raises(ConvergenceError):
        integrate_block_odes_euler([2000.0], q0, r0, t, lam * 100, f, eta, linear_coefficients(2, 3),
                                   dt=1.0)


def test_outputs_land_on_the_requested_alphas():
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    traj = integrate_block_odes([0.0, 0.0, 1.0, 1.0, 2.5], q0, r0, t, lam, f, eta, coef, first_step=1e-3)
    assert np.array_equal(traj.q[0], q0) and np.array_equal(traj.q[1], q0)
    assert np.array_equal(traj.q[2], traj.q[3]) and np.array_equal(traj.alphas, [0, 0, 1, 1, 2.5])
    assert traj.q.shape == (5, 5, 2, 2) and traj.r.shape == (5, 5, 2, 3)
    assert traj.T1.shape == (5, 3, 3) and np.allclose(traj.T1, first_order(t, lam))


def _good():
    q0, r0, t, lam, f, eta, coef = synthetic_setup(L=3, K=2, M=2)
    return dict(alphas=[1.0], q0=q0, r0=r0, t=t, eigenvalues=lam, fractions=f, eta=eta,
                coefficients=coef)


BAD = [
    ("alphas", []), ("alphas", [-1.0, 1.0]), ("alphas", [2.0, 1.0]), ("alphas", [np.nan]),
    ("alphas", [[1.0]]),
    ("eigenvalues", [1.0, -1.0, 2.0]), ("eigenvalues", [1.0, np.inf, 2.0]), ("eigenvalues", [1.0, 2.0]),
    ("fractions", [0.5, 0.5, 0.5]), ("fractions", [1.0, 0.0, 0.0]), ("fractions", [0.5, 0.5]),
    ("eta", 0.0), ("eta", -0.1), ("eta", np.nan), ("eta", True),
    ("q0", np.zeros((3, 2, 3))), ("q0", np.zeros((2, 2, 2))), ("q0", np.arange(12.0).reshape(3, 2, 2)),
    ("r0", np.zeros((3, 2, 3))), ("t", np.zeros((3, 3, 3))), ("t", np.zeros((3, 0, 0))),
    ("coefficients", "not callable"),
]


@pytest.mark.parametrize("name, value", BAD)
def test_bad_input_names_the_argument(name, value):
    kwargs = _good()
    kwargs[name] = value
    with pytest.raises(ValueError, match=name):
        integrate_block_odes(**kwargs)
    with pytest.raises(ValueError, match=name):
        integrate_block_odes_euler(**kwargs)


@pytest.mark.parametrize("name, value", [("rtol", 0.0), ("rtol", 1.0), ("rtol", 1e-16), ("atol", 0.0),
                                         ("max_steps", 0), ("max_steps", 2.5), ("first_step", -1.0),
                                         ("fixed_step", 0.0), ("method", "rk4")])
def test_bad_controls_name_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        integrate_block_odes(**_good(), **{name: value})


def test_bad_coefficient_shapes_and_euler_dt():
    kwargs = _good()
    kwargs["coefficients"] = lambda Q1, R1, T1: (np.eye(2), np.ones((2, 3)), np.eye(2))
    with pytest.raises(ValueError, match="coefficients"):
        integrate_block_odes(**kwargs)
    with pytest.raises(ValueError, match="dt"):
        integrate_block_odes_euler(**_good(), dt=0.0)
    with pytest.raises(ValueError, match="eta"):
        block_rhs(kwargs["q0"], kwargs["r0"], kwargs["t"], kwargs["eigenvalues"], kwargs["fractions"],
                  0.0, _good()["coefficients"])


# --------------------------------------------------------------------------
# Tolerance on ε_g (generalization_error): relative control where ε_g is small
# --------------------------------------------------------------------------

def linear_eps(K, M):
    """ε_g = ½(c_K² ΣQ1 − 2c_Kc_M ΣR1 + c_M² ΣT1) of the linear activation."""
    cK, cM = 1 / math.sqrt(K), 1 / math.sqrt(M)
    return lambda Q1, R1, T1: 0.5 * (cK ** 2 * Q1.sum() - 2 * cK * cM * R1.sum() + cM ** 2 * T1.sum())


@pytest.mark.parametrize("rtol", [1e-3, 1e-4])
def test_eps_control_meets_relative_tolerance_in_the_power_law_tail(rtol):
    """L = 256, β = 1: ε_g falls from 0.3 to 3.5e-6 (S ≈ 1), far above round-off (u·S/ε_g < 1e-10).
    The state control leaves a tail error of rtol·S/ε_g order (> 20·rtol here); the ε control must
    keep max |Δε_g|/ε_g <= rtol over the whole curve (observed 0.12·rtol and 0.16·rtol)."""
    L, K, M, eta = 256, 2, 2, 0.1
    lam, f = power_law(L)
    q0, r0, t = random_overlaps(L, K, M, f, 0)
    alphas = 2.0 ** np.arange(-7, 14)
    eps0, S0 = block_errors(q0, r0, t, lam, K, M)
    ref = linear_reference(alphas, eps0, lam, f, eta)[0].sum(1)
    atol = 0.01 * rtol * S0 / ((K * M + K * (K + 1) // 2) * lam.sum())
    rel = {}
    for control in ("state", "eps"):
        kw = {"generalization_error": linear_eps(K, M)} if control == "eps" else {}
        traj = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, linear_coefficients(K, M),
                                    rtol=rtol, atol=atol, **kw)
        rel[control] = np.abs(block_errors(traj.q, traj.r, t[None], lam, K, M)[0].sum(1) / ref - 1)
    assert ref[-1] < 2e-5 * ref[0]                      # the tail is reached
    assert rel["state"].max() > 20 * rtol              # the old control fails the ε tolerance ...
    assert rel["eps"].max() <= rtol, rel["eps"].max() / rtol     # ... the ε control meets it


def test_eps_control_off_by_default_and_only_tightens():
    """Without generalization_error the numbers are those of the state control; with it, every
    step still meets the state tolerance (same or more steps, the state error no larger)."""
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    alphas = np.array([0.5, 2.0, 20.0])
    plain = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=1e-5, atol=1e-15)
    again = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=1e-5, atol=1e-15,
                                 generalization_error=None)
    assert np.array_equal(plain.q, again.q) and plain.steps == again.steps
    calls = {"n": 0}

    def eps(Q1, R1, T1):                                # a smooth positive functional
        calls["n"] += 1
        return float(np.sum((Q1 - R1 @ np.linalg.pinv(T1) @ R1.T) ** 2) + 1e-3 * np.trace(Q1))
    ctl = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=1e-5, atol=1e-15,
                               generalization_error=eps)
    assert ctl.steps >= plain.steps
    q_ref, r_ref = reference_ivp(np.r_[0.0, alphas], q0, r0, t, lam, f, eta, coef)
    e_ref = np.array([eps(first_order(q, lam), first_order(r, lam), first_order(t, lam))
                      for q, r in zip(q_ref[1:], r_ref[1:])])
    e = np.array([eps(*x) for x in zip(ctl.Q1, ctl.R1, ctl.T1)])
    assert np.all(np.abs(e / e_ref - 1) <= 1e-5)
    # forward differences: d + 1 calls per accepted step, one per trial step (d = 4 + 3 + ... )
    assert calls["n"] >= ctl.steps * (2 * 3 + 3)


def test_eps_control_relative_where_eps_falls_exponentially():
    """K = M = L = 1, A = −1, B = 1, E = 2ε_g, η = 1/2: ε_g = ½e^{−3α/4} exactly.  At α = 8
    (ε_g ≈ 1.2e-3, S ≈ 2) the state control at rtol 1e-3 is > 10·rtol off; the ε control within
    rtol (its relative error grows ≈ 0.16·rtol per e-fold of ε_g: module docstring)."""
    eps = linear_eps(1, 1)
    coef = lambda Q1, R1, T1: (-np.eye(1), np.eye(1), 2 * eps(Q1, R1, T1) * np.eye(1))  # noqa: E731
    alphas = np.array([1.0, 4.0, 8.0])
    exact = 0.5 * np.exp(-0.75 * alphas)
    out = {}
    for kw in ({}, {"generalization_error": eps}):
        tr = integrate_block_odes(alphas, np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones((1, 1, 1)),
                                  [1.0], [1.0], 0.5, coef, rtol=1e-3, atol=1e-20, **kw)
        out[bool(kw)] = np.abs(np.array([eps(*x) for x in zip(tr.Q1, tr.R1, tr.T1)]) / exact - 1)
    assert out[False][-1] > 10 * 1e-3
    assert np.all(out[True] <= 1e-3), out[True]


def test_eps_control_failures_and_bad_input():
    kwargs = _good()
    with pytest.raises(ConvergenceError, match="generalization_error returned a non-finite"):
        integrate_block_odes(**kwargs, generalization_error=lambda Q1, R1, T1: np.nan)
    with pytest.raises(ValueError, match="generalization_error must return a real number"):
        integrate_block_odes(**kwargs, generalization_error=lambda Q1, R1, T1: "x")
    for name, value in [("generalization_error", "not callable"), ("eps_rtol", 0.0), ("eps_rtol", 1.0),
                        ("eps_rtol", True), ("eps_atol", -1.0), ("eps_atol", np.inf)]:
        extra = {} if name == "generalization_error" else {"generalization_error": linear_eps(2, 2)}
        with pytest.raises(ValueError, match=name):
            integrate_block_odes(**kwargs, **extra, **{name: value})
    with pytest.raises(ValueError, match="eps_rtol"):                   # needs the functional
        integrate_block_odes(**kwargs, eps_rtol=1e-3)
    # fixed steps: no control, the functional is not called
    tr = integrate_block_odes(**kwargs, fixed_step=0.25, generalization_error=lambda *a: 1 / 0)
    assert tr.steps == 4


def test_stop_ends_the_run_with_the_full_run_s_numbers():
    q0, r0, t, lam, f, eta, coef = synthetic_setup()
    alphas = np.linspace(0.0, 20.0, 41)
    full = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=1e-8)
    level = float(full.Q1[17, 0, 0])                 # Q1_11 at α = 8.5, the last α of the stopped run
    asked = []

    def stop(Q1, R1, T1):
        asked.append(float(Q1[0, 0]))
        return len(asked) == 18
    part = integrate_block_odes(alphas, q0, r0, t, lam, f, eta, coef, rtol=1e-8, stop=stop)
    assert len(part.alphas) == 18 and np.array_equal(part.alphas, alphas[:18])
    assert np.array_equal(part.q, full.q[:18]) and np.array_equal(part.r, full.r[:18])
    assert part.steps < full.steps and asked[-1] == pytest.approx(level, rel=1e-14)
