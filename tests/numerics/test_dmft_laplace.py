"""Tests of numerics.dmft_laplace: the Laplace route (K-5) of the mean-field theory of
arXiv:2602.23039 (reference sheet §1) and the numerical inversion.

Independent references: a bracketing root (numerics.solvers, Illinois) for real z; all roots of
the cleared polynomial (mpmath.polyroots) for the branch; the equations (K-5) themselves;
closed-form inverse transforms; the Marchenko–Pastur law by quadrature (equal eigenvalues); the
exact finite-P moments E tr[Λ A^k] (Isserlis' theorem, confirmed by a seeded Monte Carlo z-test).
Tolerances: 10^-(dps-3) relative for the solver (3 digits for N-term sums and the final
rounding), 10^-(dps-3)·max|f| for inversions (the method aims at dps digits, absolute; measured
10^-(dps+1), module docstring), plus derived remainder bounds where a series is truncated.
"""
from __future__ import annotations

import fractions

import mpmath
import numpy as np
import pytest

from numerics.dmft_laplace import (invert_laplace, invert_laplace_vector,
                                   renormalized_ridge_at, response_transforms)
from numerics.precision import workdps
from numerics.simulation import run_ensemble, z_test, z_threshold
from numerics.solvers import ConvergenceError, find_root_bracketed

DPS_LADDER = [15, 30, 50]
PAPER_N = 100


def paper_spectrum():
    """Λ_i = i^{-3/2}, i = 1 … 100, at the precision in force."""
    return [mpmath.mpf(i) ** -1.5 for i in range(1, PAPER_N + 1)]


PAPER_F = [float(i) ** -1.5 for i in range(1, PAPER_N + 1)]       # the same as binary floats


def tol(dps):
    return mpmath.mpf(10) ** (3 - dps)


def a_max(lam, P, g, c):
    """Upper edge of the spectrum of A = cΦᵀΦ + g in the mean-field theory.

    ΦᵀΦ/P = Λ^{1/2} W Λ^{1/2} with W Marchenko–Pastur of ratio N/P, edge (1 + √(N/P))²; the
    mean-field spectrum is the free multiplicative convolution, whose norm is at most the
    product of the norms: a_max ≤ g + cPΛ_max(1 + √(N/P))².
    """
    lam = [mpmath.mpf(v) for v in lam]
    return g + c * P * max(lam) * (1 + mpmath.sqrt(mpmath.mpf(len(lam)) / P)) ** 2


def direct_equation(lam, P, g, c, z, kappa):
    """κ(P − Σ Λ/(Λ + κ)) − (z + g)/c, written directly (not the solver's form)."""
    return kappa * (P - mpmath.fsum(v / (v + kappa) for v in lam)) - (z + g) / c


# ------------------------------------------------------------------ κ on the real axis

@pytest.mark.parametrize("P, g, c, z", [(100, "0.1", 1, "1e-3"), (50, 0, "0.01", "1"),
                                        (200, 20, 1, "1e3"), (100, 0, 1, "1e-20")])
def test_kappa_real_against_bracketing_root(P, g, c, z):
    with workdps(80):        # the direct form loses log10(P/(P − Df₁)) digits (8 at P = N, z = 1e-20)
        lam = paper_spectrum()
        gg, cc, zz = mpmath.mpf(g), mpmath.mpf(c), mpmath.mpf(z)
        hi = ((zz + gg) / cc + mpmath.fsum(lam)) / P      # f(hi) ≥ w: κ Df₁(κ) < ΣΛ
        ref = find_root_bracketed(lambda k: direct_equation(lam, P, gg, cc, zz, k),
                                  mpmath.mpf(0), hi, backend="mpmath").root
    with workdps(50):
        kappa = renormalized_ridge_at(z, paper_spectrum(), P, g, c)
        assert isinstance(kappa, mpmath.mpf) and kappa > 0
        assert abs(kappa - ref) <= tol(50) * ref


def test_inputs_are_converted_at_the_working_precision():
    """Strings, floats, fractions and mpf give the same κ when they denote the same numbers."""
    with workdps(40):
        a = renormalized_ridge_at("0.5", ["0.25", "1", "0.5"], 2, "0.125", "0.5")
        b = renormalized_ridge_at(0.5, [0.25, 1.0, 0.5], 2, fractions.Fraction(1, 8), 0.5)
        c = renormalized_ridge_at(mpmath.mpf(1) / 2, [fractions.Fraction(1, 4), 1, mpmath.mpf(0.5)],
                                  2.0, 0.125, mpmath.mpf("0.5"))
        assert a == b == c
        assert abs(direct_equation([mpmath.mpf(v) for v in (0.25, 1, 0.5)], 2, mpmath.mpf(0.125),
                                   mpmath.mpf(0.5), mpmath.mpf(0.5), a)) <= tol(40)


# ------------------------------------------------------------------ the branch

def cleared_polynomial(lam, P, w):
    """Coefficients (highest first) of (f(κ) − w)·Π_j(Λ_j + κ), f = κP − ΣΛ + ΣΛ²/(Λ + κ)."""
    def mul(a, b):
        out = [mpmath.mpf(0)] * (len(a) + len(b) - 1)
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                out[i + j] += x * y
        return out

    def add(a, b):
        n = max(len(a), len(b))
        a, b = [0] * (n - len(a)) + a, [0] * (n - len(b)) + b
        return [x + y for x, y in zip(a, b)]

    total = [mpmath.mpf(1)]
    for v in lam:
        total = mul(total, [1, v])
    poly = mul([P, -mpmath.fsum(lam) - w], total)
    for j, v in enumerate(lam):
        others = [mpmath.mpf(1)]
        for k, u in enumerate(lam):
            if k != j:
                others = mul(others, [1, u])
        poly = add(poly, [v * v * x for x in others])
    return poly


@pytest.mark.parametrize("P, z", [(3, 1 + 1j), (6, -5 + 0.3j), (10, 0.01 - 2j), (6, -0.2 - 1e-3j),
                                  (3, -40 + 4j)])
def test_exactly_one_root_per_half_plane_and_it_is_the_solution(P, z):
    """All N + 1 roots of the cleared polynomial (N = 6 distinct Λ): one has sign Im κ = sign Im z."""
    with workdps(40):
        lam = [mpmath.mpf(v) for v in ("1", "0.6", "0.3", "0.1", "0.03", "0.004")]
        g, c = mpmath.mpf("0.2"), mpmath.mpf("0.5")
        w = (mpmath.mpmathify(z) + g) / c
        roots = mpmath.polyroots(cleared_polynomial(lam, P, w), maxsteps=200, extraprec=200)
        sign = 1 if w.imag > 0 else -1
        same_side = [r for r in roots if sign * r.imag > 0]
        assert len(roots) == len(lam) + 1 and len(same_side) == 1
        kappa = renormalized_ridge_at(z, lam, P, g, c)
        assert abs(kappa - same_side[0]) <= tol(40) * abs(kappa)


@pytest.mark.parametrize("dps", DPS_LADDER)
@pytest.mark.parametrize("P", [50, 100, 200])
def test_transforms_satisfy_K5(dps, P):
    """R̂_i = 1/(z + g + cPΛ_iρ̂), ρ̂ = 1/(1 + cΣΛ_jR̂_j), ρ̂ = 1 − Df₁(κ)/P, at complex z."""
    g, c = "0.1", "0.01"
    with workdps(dps):
        lam = paper_spectrum()
        gg, cc = mpmath.mpf(g), mpmath.mpf(c)
        for z in (mpmath.mpc(2, 1), mpmath.mpc(-3, "0.5"), mpmath.mpc(-200, 30), mpmath.mpc("0.001", -4)):
            r = response_transforms(z, lam, P, g, c)
            for v, R in zip(lam, r.R_hat):
                assert abs(R - 1 / (z + gg + cc * P * v * r.rho_hat)) <= tol(dps) * abs(R)
            assert abs(r.rho_hat - 1 / (1 + cc * mpmath.fsum(v * R for v, R in zip(lam, r.R_hat)))) \
                <= tol(dps) * abs(r.rho_hat)
            assert abs(r.rho_hat - (1 - mpmath.fsum(v / (v + r.kappa) for v in lam) / P)) \
                <= tol(dps) * abs(r.rho_hat)
            assert abs(r.S_hat - mpmath.fsum(v * R for v, R in zip(lam, r.R_hat))) <= tol(dps) * abs(r.S_hat)


def test_conjugate_symmetry():
    """R̂(z̄) = conj R̂(z): the lower half-plane is solved on its own (sign Im κ < 0)."""
    with workdps(30):
        for z, P, g in [(mpmath.mpc(1, 2), 100, 0), (mpmath.mpc(-30, 1), 50, "0.1"),
                        (mpmath.mpc(-0.05, "1e-3"), 200, 0)]:
            up = response_transforms(z, PAPER_F, P, g, 1)
            down = response_transforms(mpmath.conj(z), PAPER_F, P, g, 1)
            assert abs(down.kappa - mpmath.conj(up.kappa)) <= tol(30) * abs(up.kappa)
            assert abs(down.S_hat - mpmath.conj(up.S_hat)) <= tol(30) * abs(up.S_hat)
            for a, b in zip(up.R_hat, down.R_hat):
                assert abs(b - mpmath.conj(a)) <= tol(30) * abs(a)


@pytest.mark.parametrize("c", [1, "0.01"])
@pytest.mark.parametrize("g", [0, "0.1", 20])
def test_stieltjes_property_on_the_talbot_contour(g, c):
    """Im R̂_i(z) < 0 at every node z (Im z > 0) mpmath's Talbot rule uses for t = 1e-2, 1, 1e2.

    N = P = 100, Λ_i = i^{-3/2}.  The inverted S(t) is also checked to lie in (0, ΣΛ].
    """
    nodes = []

    def S_hat(z):
        r = response_transforms(z, PAPER_F, PAPER_N, g, c)
        nodes.append((z, r))
        return r.S_hat

    values = invert_laplace(S_hat, ["1e-2", 1, 100])
    complex_nodes = [(z, r) for z, r in nodes if z.imag != 0]
    assert len(complex_nodes) == 3 * 33
    assert all(z.imag > 0 and all(R.imag < 0 for R in r.R_hat) for z, r in complex_nodes)
    assert all(r.S_hat.imag < 0 and r.kappa.imag > 0 for _, r in complex_nodes)
    total = sum(PAPER_F)         # 0 < S(t) ≤ ΣΛ, decreasing; absolute accuracy 1e-12 ΣΛ (dps 15)
    assert all(-tol(15) * total <= v <= total for v in values) and values[0] > values[1]


# ------------------------------------------------------------------ g = 0: z → 0

def test_zero_weight_decay_limits_at_z_zero():
    with workdps(30):
        lam = paper_spectrum()
        # P < N: κ(0) > 0 solves Df₁(κ) = P (bracketing root of the direct equation)
        ref = find_root_bracketed(lambda k: mpmath.fsum(v / (v + k) for v in lam) - 50,
                                  mpmath.mpf("1e-12"), mpmath.mpf(1), backend="mpmath").root
        k0 = renormalized_ridge_at(0, lam, 50, 0, 1)
        assert abs(k0 - ref) <= tol(30) * ref
        assert abs(renormalized_ridge_at("1e-25", lam, 50, 0, 1) - k0) <= mpmath.mpf("1e-22")
        # P > N: κ → 0 like z/(c(P − N)); R̂_i has the finite limit 1/(c(P − N)Λ_i)
        assert renormalized_ridge_at(0, lam, 200, 0, "0.5") == 0
        z = mpmath.mpf("1e-20")
        k = renormalized_ridge_at(z, lam, 200, 0, "0.5")
        assert abs(k / (z / (mpmath.mpf("0.5") * 100)) - 1) <= mpmath.mpf("1e-15")
        at_zero = response_transforms(0, lam, 200, 0, "0.5")
        near = response_transforms(mpmath.mpc(0, "1e-25"), lam, 200, 0, "0.5")
        for v, R0, R in zip(lam, at_zero.R_hat, near.R_hat):
            assert abs(R0 - 1 / (mpmath.mpf("0.5") * 100 * v)) <= tol(30) * R0
            assert abs(R - R0) <= mpmath.mpf("1e-18") * R0        # the slope is O(1/Λ_i^2)
        assert abs(at_zero.rho_hat - mpmath.mpf(1) / 2) <= tol(30)
        # P = N: κ² Σ 1/(Λ + κ) = z/c, so κ ~ (z/(cΣ1/Λ))^{1/2} and R̂ diverges like z^{-1/2}
        k = renormalized_ridge_at("1e-40", lam, 100, 0, 1)
        assert abs(k / mpmath.sqrt(mpmath.mpf("1e-40") / mpmath.fsum(1 / v for v in lam)) - 1) \
            <= mpmath.mpf("1e-15")
        assert renormalized_ridge_at(0, lam, 100, 0, 1) == 0


def test_z_equal_minus_g_is_a_pole_or_branch_point_for_P_at_most_N():
    with pytest.raises(ValueError, match="z = -weight_decay is a pole"):
        response_transforms("-0.1", PAPER_F, 50, "0.1", 1)
    with pytest.raises(ValueError, match="branch point"):
        response_transforms(0, PAPER_F, 100, 0, 1)


# ------------------------------------------------------------------ inversion: known transforms

def exponential_sum(n=40):
    """w_j = 1/n, a_j = 10^{-2 + 4j/(n-1)}: rates over four decades."""
    a = [mpmath.mpf(10) ** (-2 + 4 * mpmath.mpf(j) / (n - 1)) for j in range(n)]
    return (lambda z: mpmath.fsum(1 / (z + x) for x in a) / n,
            lambda t: mpmath.fsum(mpmath.exp(-x * t) for x in a) / n, 1)


KNOWN = {
    # name: (F, f, max|f| on the times used)
    "exponential": lambda: (lambda z: 1 / (z + 3), lambda t: mpmath.exp(-3 * t), 1),
    "relaxation": lambda: (lambda z: 1 / (z * (z + 3)), lambda t: -mpmath.expm1(-3 * t) / 3,
                           mpmath.mpf(1) / 3),
    "damped-oscillation": lambda: (lambda z: 2 / ((z + 1) ** 2 + 4),     # poles off the axis:
                                   lambda t: mpmath.exp(-t) * mpmath.sin(2 * t), 1),  # t <= 1 only
    "branch-cut": lambda: (lambda z: mpmath.sqrt(z + 3) - mpmath.sqrt(z),
                           lambda t: -mpmath.expm1(-3 * t) / (2 * mpmath.sqrt(mpmath.pi) * t ** 1.5),
                           None),                                        # relative to |f(t)|
    "four-decades": exponential_sum,
}
TIMES = ["1e-3", "0.1", "1", "30", "1e3"]


@pytest.mark.parametrize("dps", DPS_LADDER)
@pytest.mark.parametrize("name", sorted(KNOWN))
def test_talbot_precision_on_known_transforms(name, dps):
    with workdps(dps):
        F, f, scale = KNOWN[name]()
        times = TIMES[:3] if name == "damped-oscillation" else TIMES
        values = invert_laplace(F, times)
        for t, v in zip(times, values):
            exact = f(mpmath.mpf(t))
            assert isinstance(v, mpmath.mpf)
            assert abs(v - exact) <= tol(dps) * (abs(exact) if scale is None else scale), (t, v, exact)


def test_four_decades_at_late_times_absolute_not_relative():
    """t = 1e4: f ≈ 1e-45 is below the absolute accuracy at dps 15 (module docstring)."""
    F, f, _ = exponential_sum()
    v = invert_laplace(F, ["1e4"])[0]
    exact = f(mpmath.mpf("1e4"))
    assert abs(v - exact) <= tol(15) and exact < mpmath.mpf("1e-40")


@pytest.mark.parametrize("method", ["talbot", "dehoog", "cohen", "stehfest"])
def test_other_methods_are_passed_through(method):
    v = invert_laplace(lambda z: 1 / (z + 1), [1], dps=30, method=method)[0]
    with workdps(30):
        assert abs(v - mpmath.exp(-1)) <= mpmath.mpf(10) ** -10


def test_vector_inversion_shares_the_nodes():
    calls = []

    def F(z):
        calls.append(z)
        return (1 / (z + 1), 1 / (z * (z + 2)), mpmath.sqrt(z + 3) - mpmath.sqrt(z))

    with workdps(20):
        out = invert_laplace_vector(F, ["0.5", 2])
        n_nodes = len(calls)
        assert len(set(calls)) == n_nodes == 2 * int(1.38 * int(1.72 * 20))
        for i, t in enumerate(["0.5", 2]):
            for k in range(3):
                single = invert_laplace(lambda z, k=k: F(z)[k], [t])[0]
                assert out[i][k] == single


# ------------------------------------------------------------------ inversion: the mean-field responses

def marchenko_pastur_response(t, N, P, g, c, lam):
    """R(t) = E e^{-At}, A = cλP·W + g, W Marchenko–Pastur of ratio q = N/P, by quadrature.

    x = 1 + q + 2√q cos 2φ = (1 − √q)² + 4√q cos²φ, φ ∈ [0, π/2], puts the density
    √((x₊−x)(x−x₋))/(2πqx) dx into 16 sin²φ cos²φ/(πx) dφ (= 4 sin²φ/π for q = 1, where the
    factor cos²φ cancels); atom 1 − 1/q at x = 0 when q > 1.
    """
    q = mpmath.mpf(N) / P
    a, d, e = c * lam * P, (1 - mpmath.sqrt(q)) ** 2, 4 * mpmath.sqrt(q)

    def density(phi):
        s2, c2 = mpmath.sin(phi) ** 2, mpmath.cos(phi) ** 2
        x = d + e * c2
        weight = 4 * s2 / mpmath.pi if d == 0 else 16 * s2 * c2 / (mpmath.pi * x)
        return mpmath.exp(-a * x * t) * weight

    bulk, err = mpmath.quad(density, [0, mpmath.pi / 4, mpmath.pi / 2], error=True)
    atom = max(1 - 1 / q, 0)
    return mpmath.exp(-g * t) * (atom + bulk), err


@pytest.mark.parametrize("dps", [15, 30])
@pytest.mark.parametrize("N, g", [(4, 0), (8, 0), (16, 0), (8, "0.5"), (16, "0.5")])
def test_equal_eigenvalues_reproduce_marchenko_pastur_in_time(N, g, dps):
    """Λ_i = λ for all i: R(t) from the Talbot inversion of R̂ against the MP law by quadrature.

    P = 8, so q = N/P = 1/2, 1, 2 (atom at zero; for g = 0 a pole of R̂ at z = 0; q = 1: the
    density ~ x^{-1/2}, a branch point at z = -g).
    """
    P, c, lam = 8, 1, "0.7"
    times = ["0.01", "0.1", "1"]
    with workdps(dps):
        values = invert_laplace(lambda z: response_transforms(z, [lam] * N, P, g, c).R_hat[0], times)
        with workdps(dps + 10):
            for t, v in zip(times, values):
                ref, err = marchenko_pastur_response(mpmath.mpf(t), N, P, mpmath.mpf(g), c, mpmath.mpf(lam))
                assert err <= mpmath.mpf(10) ** -(dps + 5)
                assert abs(v - ref) <= tol(dps), (t, v, ref)


def test_response_taylor_start():
    """R_i(t) = 1 − b_i t + (b_i² + c²PΛ_iΣΛ) t²/2 + r, b_i = g + cPΛ_i, |r| ≤ a_max³t³/6.

    The t² coefficient is the z^{-3} term of R̂_i = 1/(z + g + cPΛ_iρ̂), ρ̂ = 1 − cΣΛ/z + O(z^{-2});
    the remainder bound holds because R_i(t) = ∫ e^{-at} dμ_i(a) with μ_i a probability measure on
    [g, a_max] (Stieltjes property), so the Taylor series alternates.  One vector inversion
    gives all 100 modes and S(t) (S = Σ Λ_i R_i, checked too).
    """
    P, g, c = PAPER_N, mpmath.mpf("0.1"), mpmath.mpf(1) / PAPER_N
    lam = PAPER_F
    edge = a_max(lam, P, g, c)
    t = mpmath.mpf("1e-4") / edge
    out = invert_laplace_vector(lambda z: (*(r := response_transforms(z, lam, P, g, c)).R_hat, r.S_hat),
                                [t])[0]
    remainder = edge ** 3 * t ** 3 / 6
    total = mpmath.fsum(lam)
    for v, R in zip(lam, out[:-1]):
        b = g + c * P * v
        second = (b * b + c * c * P * v * total) * t * t / 2
        assert abs(R - (1 - b * t + second)) <= remainder + tol(15)
        if v == lam[0]:
            assert abs(R - (1 - b * t)) > 100 * (remainder + tol(15))     # the t² term is seen
    assert abs(out[-1] - mpmath.fsum(v * R for v, R in zip(lam, out[:-1]))) <= tol(15)


# ------------------------------------------------------------------ moments of the Λ-weighted measure

def exact_moments(lam, P, g, c):
    """E tr[Λ A^k], k = 0, 1, 2, for A = cΦᵀΦ + g, rows φ_μ ~ N(0, Λ) (Isserlis' theorem).

    E ΦᵀΦ = PΛ;  E (ΦᵀΦ)² = P(P − 1)Λ² + P E[φφᵀφφᵀ] = P(P + 1)Λ² + P tr(Λ) Λ.
    """
    s1, s2, s3 = (mpmath.fsum(v ** k for v in lam) for k in (1, 2, 3))
    return (s1, g * s1 + c * P * s2,
            g * g * s1 + 2 * g * c * P * s2 + c * c * (P * (P + 1) * s3 + P * s1 * s2))


@pytest.mark.parametrize("P, g, c", [(100, 0, 1), (100, "0.1", "0.01"), (50, 20, 1), (200, "0.1", 1)])
def test_large_z_moments_against_exact_finite_P_moments(P, g, c):
    """Ŝ(z) = m₀/z − m₁/z² + m₂/z³ − …: m₀, m₁ equal the exact E tr Λ, E tr[ΛA]; m₂ differs
    from E tr[ΛA²] by exactly c²PΣΛ³ (the mean-field theory drops that 1/P part).

    At z = 1e20 (dps 50): the remainders are ≤ m₀a_max^{k+1}/z (derived bound, a_max as above)
    and the cancellation in z²(Ŝ − m₀/z) costs log10(z m₀/m₁) digits.
    """
    with workdps(50):
        lam = paper_spectrum()
        gg, cc = mpmath.mpf(g), mpmath.mpf(c)
        m0, m1, m2_exact = exact_moments(lam, P, gg, cc)
        m2 = m2_exact - cc * cc * P * mpmath.fsum(v ** 3 for v in lam)
        z = mpmath.mpf(10) ** 20
        S = response_transforms(z, lam, P, g, c).S_hat
        edge = a_max(lam, P, gg, cc)
        rounding = z * z * abs(S) * tol(50)
        assert abs(z * S - m0) <= m0 * edge / z + rounding / z
        assert abs(z * z * (S - m0 / z) + m1) <= m0 * edge ** 2 / z + rounding
        assert abs(z * (z * z * (S - m0 / z) + m1) - m2) <= m0 * edge ** 3 / z + z * rounding
        assert abs(m2 - m2_exact) > 100 * (m0 * edge ** 3 / z + z * rounding)   # they do differ


def test_exact_moments_by_monte_carlo():
    """The Isserlis moments E tr[ΛA], E tr[ΛA²] against a seeded ensemble (z-test, level 1e-3)."""
    lam = np.linspace(1.0, 0.2, 6)
    P, g, c = 5, 0.3, 0.7

    def task(rng):
        Phi = rng.standard_normal((P, lam.size)) * np.sqrt(lam)
        A = c * Phi.T @ Phi + g * np.eye(lam.size)
        return {"m1": np.trace(np.diag(lam) @ A), "m2": np.trace(np.diag(lam) @ A @ A)}

    ens = run_ensemble(task, 4000, entropy=20260223)
    _, m1, m2 = exact_moments([mpmath.mpf(v) for v in lam], P, g, c)
    threshold = z_threshold(2)
    assert z_test(float(m1), ens.estimate("m1"), threshold).passed
    assert z_test(float(m2), ens.estimate("m2"), threshold).passed


def test_inverse_of_S_hat_starts_like_its_moments():
    """S(t) = m₀ − m₁t + m₂t²/2 + r, |r| ≤ m₀a_max³t³/6, from the Talbot inversion (dps 30)."""
    P, g, c = PAPER_N, mpmath.mpf(20), mpmath.mpf(1)
    with workdps(30):
        lam = paper_spectrum()
        m0, m1, m2_exact = exact_moments(lam, P, g, c)
        m2 = m2_exact - c * c * P * mpmath.fsum(v ** 3 for v in lam)
        edge = a_max(lam, P, g, c)
        for t in (mpmath.mpf("1e-3") / edge, mpmath.mpf("1e-2") / edge):
            v = invert_laplace(lambda z: response_transforms(z, lam, P, g, c).S_hat, [t])[0]
            assert abs(v - (m0 - m1 * t + m2 * t * t / 2)) <= m0 * (edge * t) ** 3 / 6 + tol(30) * m0


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("kwargs, name", [
    (dict(eigenvalues=[1, 0]), "eigenvalues"), (dict(eigenvalues=[1, -2]), "eigenvalues"),
    (dict(eigenvalues=[]), "eigenvalues"), (dict(eigenvalues="1"), "eigenvalues"),
    (dict(eigenvalues=[1, "x"]), "eigenvalues"), (dict(eigenvalues=[float("nan")]), "eigenvalues"),
    (dict(P=0), "P"), (dict(P=-3), "P"), (dict(P=1j), "P"),
    (dict(weight_decay=-0.1), "weight_decay"), (dict(loss_scale=0), "loss_scale"),
    (dict(loss_scale=-1), "loss_scale"), (dict(z=-2), "z"), (dict(z=float("inf")), "z"),
    (dict(z="abc"), "z"), (dict(z=True), "z"),
])
def test_bad_model_input_names_the_argument(kwargs, name):
    args = dict(z=1, eigenvalues=[1, 0.5], P=3, weight_decay=1, loss_scale=1)
    args.update(kwargs)
    for function in (renormalized_ridge_at, response_transforms):
        with pytest.raises(ValueError, match=name):
            function(**args)


@pytest.mark.parametrize("kwargs, name", [
    (dict(times=[1, 0]), "times"), (dict(times=[-1]), "times"), (dict(times=[]), "times"),
    (dict(times=["nan"]), "times"), (dict(dps=5), "dps"), (dict(dps=10**6), "dps"),
    (dict(dps=20.5), "dps"), (dict(method="laplace"), "method"), (dict(F=3), "F"),
])
def test_bad_inversion_input_names_the_argument(kwargs, name):
    args = dict(F=lambda z: 1 / (z + 1), times=[1])
    args.update(kwargs)
    for function in (invert_laplace, invert_laplace_vector):
        with pytest.raises(ValueError, match=name):
            function(**args)


def test_uncertifiable_branch_is_an_error_not_a_wrong_root():
    """z within 1e-6000 of the positive axis: Im κ is beyond DPS_MAX digits."""
    with pytest.raises(ConvergenceError, match="physical branch"):
        renormalized_ridge_at(mpmath.mpc(1, "1e-6000"), [1, 2], 3, 0, 1)


def test_precision_is_restored_and_results_are_at_the_working_precision():
    with workdps(25):
        k = renormalized_ridge_at(1 + 1j, [1, 2], 3, 0, 1)
        r = response_transforms(1 + 1j, [1, 2], 3, 0, 1)
        v = invert_laplace(lambda z: 1 / (z + 1), [1], dps=40)[0]
        assert mpmath.mp.dps == 25
        for x in (k.real, k.imag, r.S_hat.real, r.R_hat[1].imag):
            assert mpmath.libmp.bitcount(x._mpf_[1]) <= mpmath.mp.prec
    with workdps(40):
        assert abs(v - mpmath.exp(-1)) <= mpmath.mpf(10) ** -37


def test_vector_inversion_refuses_ragged_or_scalar_values():
    with pytest.raises(ValueError, match="sequence"):
        invert_laplace_vector(lambda z: 1 / (z + 1), [1])
    with pytest.raises(ValueError, match="one length"):
        invert_laplace_vector(lambda z: (1 / (z + 1),) * (2 if z.imag > 1 else 1), [1])
