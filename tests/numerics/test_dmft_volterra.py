"""Tests of numerics.dmft_volterra (response equations K-3, K-4 in the time domain) and
numerics.dmft_two_time (two-time self-consistency K-6, K-7).

Independent references: the Laplace form (K-5) through the κ equation, solved here in float64 with a
bracketing root finder; the Marchenko–Pastur law (isotropic spectra, N = 1 included) by Gauss–Legendre
quadrature; the stationary limit (K-8); plain convolutions for the online FFT product.  Discretisation
tolerances come from Richardson estimates on three grids (the scheme is second order: the observed
error ratio per halving must be 4(1 ± δ), δ = 0.075 bounding the x⁴/x² term of the trapezoidal rule's
rate error, 0.15x² at x <= 1/2, with room for the mixed terms); round-off tolerances from the
machine epsilon times the number of terms summed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from numerics.dmft_two_time import (MAX_TWO_TIME_ELEMENTS, convolution_matrix, two_time_test_error)
from numerics.dmft_volterra import (MAX_RATE_STEP, _RelaxedProduct, fastest_rate, solve_response,
                                    suggested_dt)
from numerics.solvers import find_root_bracketed

EPS = np.finfo(float).eps
RATIO_LO, RATIO_HI = 4 * (1 - 0.075), 4 * (1 + 0.075)     # error ratio per halving of dt


def spectrum(N, alpha=1.5):
    return np.arange(1, N + 1, dtype=float) ** -alpha


def richardson(values):
    """Coarse→fine values on dt, dt/2, dt/4 (same points): error ratio and error bound of the finest.

    With errors e_k ≈ K h_k² (1 + O(h²)), |v_1 − v_2| / |v_2 − v_3| = ratio ∈ [RATIO_LO, RATIO_HI]
    and |v_3 − exact| <= |v_2 − v_3| / (RATIO_LO − 1).
    """
    d1 = np.max(np.abs(values[0] - values[1]))
    d2 = np.max(np.abs(values[1] - values[2]))
    return d1 / d2, d2 / (RATIO_LO - 1), d2


def on_coarse(sols, name):
    """Values of solutions on dt/2^k at the common points 0, dt, 2dt, … ."""
    picked = [np.asarray(getattr(s, name))[..., ::2 ** k] for k, s in enumerate(sols)]
    n0 = min(p.shape[-1] for p in picked)
    return [p[..., :n0] for p in picked]


# --------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------

def laplace_response(lam, P, g, c, z):
    """R̂_i(z) and ρ̂(z) from κ(P − Σ_j Λ_j/(Λ_j + κ)) = (z + g)/c (K-5), real z > 0.

    κ·(P − Σ Λ_j/(Λ_j + κ)) − (z + g)/c is < 0 at κ = 0 and >= 0 at κ = ((z + g)/c + ΣΛ)/P.
    """
    f = lambda k: k * (P - np.sum(lam / (lam + k))) - (z + g) / c
    kappa = find_root_bracketed(f, 0.0, ((z + g) / c + lam.sum()) / P).root
    rho_hat = 1.0 - np.sum(lam / (lam + kappa)) / P
    return 1.0 / (c * P * rho_hat * (lam + kappa)), rho_hat


def trapezoid(y, dt):
    return dt * (y.sum(axis=-1) - 0.5 * y[..., 0] - 0.5 * y[..., -1])


def marchenko_pastur_response(times, N, P, lam0, g, c, nodes=200):
    """E (1/N) tr e^{−At}, A = cλ0 ZᵀZ + g: Marchenko–Pastur law of ZᵀZ/P, ratio q = N/P, atom 1 − 1/q.

    x = m + w cos θ turns the density √((x₊ − x)(x − x₋))/(2πqx) dx into w² sin²θ/(2πqx) dθ (smooth).
    """
    q = N / P
    lo, hi = (1 - math.sqrt(q)) ** 2, (1 + math.sqrt(q)) ** 2
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    u, w = np.polynomial.legendre.leggauss(nodes)
    theta, w = (u + 1) * np.pi / 2, w * np.pi / 2
    x = mid + half * np.cos(theta)
    weight = w * half ** 2 * np.sin(theta) ** 2 / (2 * np.pi * q * x)
    atom = max(0.0, 1 - 1 / q)
    return np.exp(-g * times) * (atom + weight @ np.exp(-c * P * lam0 * np.outer(x, times)))


def stationary_error(lam, P, g, c, beta, v, s2):
    """ε(∞) of (K-8), teacher variances v per mode, g > 0."""
    f = lambda k: k * (P - np.sum(lam / (lam + k))) - g / c
    kappa = find_root_bracketed(f, 0.0, (g / c + lam.sum()) / P).root
    df = np.sum(lam / (lam + kappa))
    gamma = np.sum(lam ** 2 / (lam + kappa) ** 2) / P
    langevin = 0.0 if math.isinf(beta) else df / (P - df) / (c * beta)
    return (kappa ** 2 * np.sum(v * lam / (lam + kappa) ** 2) + gamma * s2) / (1 - gamma) + langevin


def isotropic_reduction(S, dt, g, c, beta, v, s2, n):
    """v[S(2t) + 2g∫_t^{2t}S + g²∫_0^{2t}min(x,2t−x)S] + σ²c[∫_0^t S − ∫_t^{2t}S − g∫_0^{2t}min·S]
    + (1/β)∫_0^{2t}S at t = 0, dt, …, n·dt, from S on 0 … 2n·dt (trapezoid; the kink of min at x = t
    is a grid point)."""
    out = np.empty(n + 1)
    for k in range(n + 1):
        x = dt * np.arange(2 * k + 1)
        Sk = S[:2 * k + 1]
        low, mid = trapezoid(S[:k + 1], dt), trapezoid(S[k:2 * k + 1], dt)
        tent = trapezoid(np.minimum(x, 2 * k * dt - x) * Sk, dt)
        out[k] = (v * (S[2 * k] + 2 * g * mid + g * g * tent) + s2 * c * (low - mid - g * tent)
                  + (0.0 if math.isinf(beta) else trapezoid(Sk, dt) / beta))
    return out


# --------------------------------------------------------------------------
# The online convolution
# --------------------------------------------------------------------------

@pytest.mark.parametrize("L, cols", [(1, None), (37, None), (300, 3), (1025, None)])
def test_relaxed_product_equals_full_convolution(L, cols):
    rng = np.random.default_rng(L)
    a = rng.standard_normal(L)
    b = rng.standard_normal(L if cols is None else (L, cols))
    prod = _RelaxedProduct(np.zeros(L), np.zeros_like(b))
    for i in range(L):                                 # reveal one index at a time
        prod.a[i], prod.b[i] = a[i], b[i]
        prod.advance(i)
        if i > 0:                                      # p[i−1] complete before index i is known
            want = np.convolve(a[:i], b[:i]) if cols is None else \
                np.stack([np.convolve(a[:i], b[:i, j]) for j in range(cols)], axis=1)
            assert np.allclose(prod.p[i - 1], want[i - 1], rtol=0, atol=L * EPS * np.sum(np.abs(a)))
    full = np.convolve(a, b) if cols is None else np.stack([np.convolve(a, b[:, j]) for j in range(cols)], 1)
    scale = np.convolve(np.abs(a), np.abs(b)) if cols is None else \
        np.stack([np.convolve(np.abs(a), np.abs(b[:, j])) for j in range(cols)], 1)
    assert np.all(np.abs(prod.p - full[:L]) <= L * EPS * scale[:L])


# --------------------------------------------------------------------------
# Response: internal consistency and convergence
# --------------------------------------------------------------------------

@pytest.mark.parametrize("N, P, g, c, steps", [(100, 100, 0.1, 0.01, 2000), (7, 3, 0.0, 1.0, 1500)])
def test_fast_equals_direct_to_round_off(N, P, g, c, steps):
    lam = spectrum(N)
    dt = suggested_dt(lam, P, c)
    fast = solve_response(lam, P, g, c, dt, steps * dt, method="fast")
    direct = solve_response(lam, P, g, c, dt, steps * dt, method="direct")
    assert fast.method == "fast" and direct.method == "direct"
    tol = steps * EPS                                     # γ_n: two orders of n-term sums
    for name in ("R", "rho_tilde", "S"):
        x, y = getattr(fast, name), getattr(direct, name)
        assert np.max(np.abs(x - y)) <= tol * np.max(np.abs(y)), name


def test_grid_and_initial_values():
    lam = np.array([2.0, 0.5, 0.25])
    sol = solve_response(lam, 5, 0.3, 0.2, 0.01, 0.105)
    assert sol.times.size == 12 and sol.times[-1] >= 0.105 and sol.R.shape == (3, 12)
    assert np.all(sol.R[:, 0] == 1.0)
    assert sol.rho_tilde[0] == pytest.approx(0.2 * lam.sum(), rel=EPS)
    assert np.allclose(sol.S, lam @ sol.R, rtol=4 * EPS, atol=0)
    assert (sol.dt, sol.P, sol.weight_decay, sol.loss_scale) == (0.01, 5.0, 0.3, 0.2)
    one = solve_response(lam, 5, 0.3, 0.2, 0.01, 0.0)
    assert one.times.tolist() == [0.0] and one.R.shape == (3, 1)
    exact = solve_response(lam, 5, 0.3, 0.2, 0.01, 0.1)                 # 0.1/0.01 = 10.000000000000002
    assert exact.times.size == 11


def test_second_order_convergence_by_richardson():
    lam, P = spectrum(50), 30
    g, c = 0.2, 1.0 / 30
    dt = suggested_dt(lam, P, c)
    sols = [solve_response(lam, P, g, c, dt / 2 ** k, 20.0) for k in range(3)]
    for name in ("R", "rho_tilde", "S"):
        ratio, _, _ = richardson(on_coarse(sols, name))
        assert RATIO_LO <= ratio <= RATIO_HI, (name, ratio, math.log2(ratio))


# --------------------------------------------------------------------------
# Response against the Laplace form (K-5)
# --------------------------------------------------------------------------

LAPLACE_CASES = [
    # N, P, g, c, z: N > P with weight decay, c = 1/P; g = 0 with N > P and N < P (c = 1); N = P
    (50, 30, 0.2, 1 / 30, 0.5),
    (12, 6, 0.0, 1.0, 2.0),
    (6, 12, 0.0, 1.0, 2.0),
    (20, 20, 0.05, 1 / 20, 0.3),
]


@pytest.mark.parametrize("N, P, g, c, z", LAPLACE_CASES)
def test_laplace_transform_matches_kappa_equation(N, P, g, c, z):
    lam = spectrum(N)
    R_hat, rho_hat = laplace_response(lam, P, g, c, z)
    T = 36.0 / (z + g)               # |R_i(t)| <= e^{−gt}: tail ∫_T^∞ e^{−zt}R <= e^{−36}/(z+g)
    dt = suggested_dt(lam, P, c)
    est_R, est_rho = [], []
    for k in range(3):
        sol = solve_response(lam, P, g, c, dt / 2 ** k, T)
        w = np.exp(-z * sol.times)
        est_R.append(trapezoid(sol.R * w, sol.dt))
        est_rho.append(1.0 - trapezoid(sol.rho_tilde * w, sol.dt))      # ρ = δ − ρ̃
    tail = math.exp(-36.0) / (z + g)
    for est, exact in ((est_R, R_hat), (est_rho, rho_hat)):
        ratio, bound, _ = richardson(est)
        assert RATIO_LO <= ratio <= RATIO_HI, ratio
        assert np.max(np.abs(est[2] - exact)) <= bound + tail + 8 * EPS * np.max(np.abs(exact))


# --------------------------------------------------------------------------
# Isotropic spectra: Marchenko–Pastur (N = 1 included)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("N, P, lam0, g, c", [(1, 5, 1.0, 0.3, 1.0), (1, 1, 0.7, 0.0, 1.0),
                                              (3, 2, 0.5, 0.1, 0.5), (4, 4, 1.0, 0.0, 0.25)])
def test_isotropic_spectrum_is_marchenko_pastur(N, P, lam0, g, c):
    lam = np.full(N, lam0)
    dt = suggested_dt(lam, P, c)
    sols = [solve_response(lam, P, g, c, dt / 2 ** k, 5.0 / (c * P * lam0)) for k in range(3)]
    assert np.all(sols[2].R == sols[2].R[0])                            # identical modes
    values = on_coarse(sols, "R")
    ratio, bound, _ = richardson(values)
    assert RATIO_LO <= ratio <= RATIO_HI, ratio
    exact = marchenko_pastur_response(sols[0].times[:values[0].shape[-1]], N, P, lam0, g, c)
    assert np.max(np.abs(values[2] - exact)) <= bound + 16 * EPS


def test_single_mode_many_samples_is_plain_exponential():
    """N = 1, P → ∞ at fixed cP: the spectrum of A shrinks to λ = cPΛ (+ g), R → e^{−(λ+g)t}.

    Bound: the trapezoidal rule's error on e^{−λt}, max_t λt e^{−λt}(λh)²/12 = (λh)²/(12e), plus the
    Marchenko–Pastur spread (mean 1, variance q = N/P of x): max_t ½(λt)²q e^{−λt} = 2q/e².
    """
    P, lam, h = 10 ** 6, 2.0, 0.01
    sol = solve_response([lam], P, 0.5, 1.0 / P, h, 2.0)
    gap = np.max(np.abs(sol.R[0] - np.exp(-(lam + 0.5) * sol.times)))
    assert gap <= (lam * h) ** 2 / (12 * math.e) + 2 / P / math.e ** 2


# --------------------------------------------------------------------------
# Bad input and guards
# --------------------------------------------------------------------------

GOOD = dict(eigenvalues=[1.0, 0.5], P=4, weight_decay=0.1, loss_scale=0.25, dt=0.01, t_max=1.0)


@pytest.mark.parametrize("name, value", [
    ("eigenvalues", [1.0, 0.0]), ("eigenvalues", [1.0, -2.0]), ("eigenvalues", [1.0, np.inf]),
    ("eigenvalues", [1.0, np.nan]), ("eigenvalues", []), ("eigenvalues", [[1.0]]),
    ("P", 0), ("P", -3), ("P", np.inf), ("weight_decay", -0.1), ("weight_decay", np.nan),
    ("loss_scale", 0.0), ("loss_scale", -1.0), ("dt", 0.0), ("dt", -0.01), ("dt", np.inf),
    ("t_max", -1.0), ("t_max", np.inf), ("t_max", np.nan), ("P", True),
])
def test_bad_input_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        solve_response(**{**GOOD, name: value})


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        solve_response(**GOOD, method="fft")


def test_unresolved_step_is_refused_with_a_suggestion():
    lam, P, c = spectrum(100), 100, 1.0
    assert fastest_rate(lam, P, 0.1, c) == pytest.approx(0.1 + 400.0)
    with pytest.raises(ValueError, match=r"does not resolve the fastest mode.*use dt <= 0\.00125"):
        solve_response(lam, P, 0.1, c, 0.01, 1.0)                      # the paper's theory step at c = 1
    sol = solve_response(lam, P, 0.1, c, suggested_dt(lam, P, c), 0.01)
    assert suggested_dt(lam, P, c) == pytest.approx(MAX_RATE_STEP / 400.0)
    assert sol.times.size == 9


def test_absurd_grids_are_refused():
    with pytest.raises(ValueError, match="too many"):
        solve_response([1.0], 1, 0.0, 1.0, 1e-3, 1e5)
    with pytest.raises(ValueError, match="memory"):
        solve_response(np.full(1000, 1e-4), 1000, 0.0, 1.0, 1e-3, 1e3)
    with pytest.raises(ValueError, match="method='fast'"):
        solve_response(np.full(100, 1e-4), 100, 0.0, 1.0, 1e-3, 200.0, method="direct")


# --------------------------------------------------------------------------
# Two-time self-consistency (K-6, K-7)
# --------------------------------------------------------------------------

def langevin_kernel_reference(R, lam, dt):
    """Σ_j Λ_j ∫_0^{min} R_j(t−u)R_j(t'−u)du by h(WWᵀ − ½rrᵀ − ½R(|k−l|)) (trapezoid in u), W_j[k,u] =
    R_j[k−u] (u <= k): a different route from the module's lag-by-lag cumulative sums."""
    n1 = R.shape[1]
    k, u = np.indices((n1, n1))
    out = np.zeros((n1, n1))
    for j in range(R.shape[0]):
        W = np.where(u <= k, R[j][np.clip(k - u, 0, None)], 0.0)
        out += lam[j] * dt * (W @ W.T - 0.5 * np.outer(R[j], R[j]) - 0.5 * R[j][np.abs(k - u)])
    return out


def test_two_time_solves_its_linear_equation():
    lam, P, g, c, beta, s2 = spectrum(8), 5, 0.3, 0.2, 4.0, 0.2
    v = np.linspace(2.0, 0.5, 8)
    out = two_time_test_error(lam, P, g, beta, c, v, s2, 0.02, 1.5)
    R, rho, h = out.response.R, out.response.rho_tilde, out.response.dt
    n1 = R.shape[1]
    A = convolution_matrix(R, h) @ (np.eye(n1) - convolution_matrix(rho, h))       # K_j = R_j ∗ ρ
    m = -R - g * np.array([[trapezoid(r[:k + 1], h) if k else 0.0 for k in range(n1)] for r in R])
    G = out.C + s2                                                               # C + σ²11ᵀ
    rhs = (np.einsum("j,jk,jl->kl", lam * v, m, m) + (2 / beta) * langevin_kernel_reference(R, lam, h)
           + np.einsum("j,jka,ab,jlb->kl", c * c * P * lam ** 2, A, G, A))
    scale = np.max(np.abs(out.C))
    assert np.max(np.abs(out.C - rhs)) <= n1 * EPS * scale          # triangular solves: γ_n residual
    assert np.max(np.abs(out.C - out.C.T)) <= n1 * EPS * scale      # the solution is symmetric
    assert np.allclose(out.total, np.diag(out.C), rtol=0, atol=0)
    assert np.allclose(out.bias, (lam * v) @ m ** 2, rtol=4 * EPS, atol=0)
    assert np.allclose(out.dmft_langevin, (2 / beta) * np.diag(langevin_kernel_reference(R, lam, h)),
                       rtol=n1 * EPS, atol=n1 * EPS * scale)
    assert np.allclose(out.variance_data, out.total - out.bias - out.dmft_langevin, rtol=0, atol=0)
    assert out.total[0] == pytest.approx(np.sum(lam * v), rel=4 * EPS)     # w(0) = 0
    assert out.dmft_langevin[0] == 0.0 and np.all(out.variance_data[1:] > 0)


ISOTROPIC_CASES = [
    # N, P, g, c, beta, v, sigma², t_max: N > P with decay, noise and temperature (c = 1/P);
    # gradient flow at g = 0, N < P, c = 1, with label noise
    (30, 20, 0.1, 1 / 20, 10.0, 1.3, 0.3, 10.0),
    (10, 16, 0.0, 1.0, np.inf, 0.7, 0.2, 0.6),
]


@pytest.mark.parametrize("N, P, g, c, beta, v, s2, t_max", ISOTROPIC_CASES)
def test_isotropic_teacher_reduction_to_S(N, P, g, c, beta, v, s2, t_max):
    """The diagonal of (K-6, K-7) for v_j = v against the reduction to S = Σ_j Λ_j R_j (to O(dt²))."""
    lam = spectrum(N)
    dt = min(MAX_RATE_STEP / fastest_rate(lam, P, g, c), t_max / 50)
    diffs = []
    for k in range(3):
        h = dt / 2 ** k
        out = two_time_test_error(lam, P, g, beta, c, v, s2, h, t_max)
        n = out.times.size - 1
        S = solve_response(lam, P, g, c, h, 2 * n * h, method="direct").S
        diffs.append((out.total - isotropic_reduction(S, h, g, c, beta, v, s2, n))[::2 ** k])
    d = [np.max(np.abs(x)) for x in diffs]          # → 0 as dt² if the reduction is exact
    assert RATIO_LO <= d[0] / d[1] <= RATIO_HI and RATIO_LO <= d[1] / d[2] <= RATIO_HI, d
    assert d[2] <= 1e-3 * np.max(np.abs(out.total))


def test_two_time_long_time_limit_is_K8():
    """Anisotropic teacher, label noise, Langevin noise: C(t,t) → ε(∞) of (K-8)."""
    lam, P, g, c, beta, s2 = spectrum(20), 10, 1.0, 0.02, 5.0, 0.3
    v = np.random.default_rng(0).uniform(0.5, 2.0, 20)
    dt = MAX_RATE_STEP / fastest_rate(lam, P, g, c)
    T = 20.0 / g                                    # every response carries e^{−gt}: e^{−20} transient
    ends = [two_time_test_error(lam, P, g, beta, c, v, s2, dt / 2 ** k, T).total[-1] for k in range(3)]
    ratio, bound, _ = richardson([np.array(e) for e in ends])
    assert RATIO_LO <= ratio <= RATIO_HI, ratio
    exact = stationary_error(lam, P, g, c, beta, v, s2)
    assert abs(ends[2] - exact) <= bound + 10 * math.exp(-20.0) * exact


def test_two_time_gradient_flow_has_no_langevin_term():
    out = two_time_test_error([1.0, 0.3], 3, 0.0, np.inf, 0.5, [1.0, 2.0], 0.0, 0.05, 1.0)
    assert np.all(out.dmft_langevin == 0.0)
    assert np.all(np.diff(out.bias) <= 0)           # w(0) = 0, g = 0: the bias decreases


TWO_TIME_GOOD = dict(eigenvalues=[1.0, 0.5], P=4, weight_decay=0.1, beta=10.0, loss_scale=0.25,
                     teacher_variances=1.0, noise_variance=0.1, dt=0.05, t_max=1.0)


@pytest.mark.parametrize("name, value", [
    ("beta", 0.0), ("beta", -1.0), ("beta", np.nan), ("noise_variance", -0.1),
    ("noise_variance", np.inf), ("teacher_variances", [1.0, 2.0, 3.0]),
    ("teacher_variances", -1.0), ("teacher_variances", [1.0, np.nan]), ("eigenvalues", [1.0, 0.0]),
    ("P", 0), ("weight_decay", -1.0), ("loss_scale", 0.0), ("dt", 0.0), ("t_max", -1.0),
])
def test_two_time_bad_input_names_the_argument(name, value):
    with pytest.raises(ValueError, match=name):
        two_time_test_error(**{**TWO_TIME_GOOD, name: value})


def test_two_time_guards():
    with pytest.raises(ValueError, match=r"does not resolve.*g \+ cPΛ_max"):     # g counts here
        two_time_test_error(**{**TWO_TIME_GOOD, "weight_decay": 20.0})
    solve_response([1.0, 0.5], 4, 20.0, 0.25, 0.05, 1.0)                          # ... not in R
    with pytest.raises(ValueError, match="matrix elements"):
        two_time_test_error(**{**TWO_TIME_GOOD, "t_max": 0.05 * math.sqrt(MAX_TWO_TIME_ELEMENTS)})


@pytest.mark.filterwarnings("error")                     # refused, not cut to the real part with a warning
@pytest.mark.parametrize("name, value", [
    ("beta", 10 + 0j), ("noise_variance", np.complex128(0.1)), ("teacher_variances", [1.0 + 0j, 2.0]),
    ("eigenvalues", np.array([1.0, 0.5]) + 0j), ("P", 4 + 0j), ("dt", 0.05 + 0j)])
def test_two_time_complex_input_is_refused_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        two_time_test_error(**{**TWO_TIME_GOOD, name: value})
