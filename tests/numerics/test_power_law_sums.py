"""Tests of numerics.power_law_sums: T(κ) = Σ k^{-β} (1 + κ k^α)^{-b} against independent references.

References: closed forms (α = 2), a brute-force direct sum with a Hurwitz-ζ tail written
here, mpmath.nsum(method='euler-maclaurin'), exact partial-fraction identities, and the
two internal methods against each other.  Tolerances are 10^-(dps-3) relative unless a
derived bound is stated next to the check.
"""

import fractions
import math

import mpmath
import numpy as np
import pytest

from numerics.power_law_sums import (_evaluate, _HurwitzFamily, power_law_sum,
                                     power_law_sum_derivative)
from numerics.precision import workdps

DPS_LADDER = [15, 30, 50]


def rel(a, b):
    return abs(a - b) / abs(b)


def tol(dps):
    return mpmath.mpf(10) ** (3 - dps)


def brute_force(beta, alpha, b, kappa, dps):
    """Σ_{k<N} directly, then Σ_j C(-b,j) κ^{-b-j} ζ(β+α(b+j), N) with κN^α ≥ 100.

    mpmath.zeta(s, N) is accurate only to an absolute 2^-prec, i.e. it loses about
    s·log10(N) digits relative; each value is computed with that many digits more.
    The terms shrink at least by (b+j)/((j+1)·100), so the remainder after a term
    below 10^-(dps+10) of the sum is far below the tolerance.
    """
    with workdps(dps + 10):
        be, al, bb, ka = (mpmath.mpf(v) for v in (beta, alpha, b, kappa))
        n = 1
        while ka * mpmath.mpf(n) ** al < 100:
            n += 1
        total = mpmath.fsum(mpmath.mpf(k) ** -be * (1 + ka * mpmath.mpf(k) ** al) ** -bb
                            for k in range(1, n))
        coefficient, j = mpmath.mpf(1), 0
        while True:
            s = be + al * (bb + j)
            with workdps(dps + 20 + int(s * math.log10(n))):
                z = mpmath.zeta(s, n)
            term = coefficient * ka ** (-bb - j) * z
            total += term
            if abs(term) < mpmath.mpf(10) ** -(dps + 10) * abs(total):
                return total
            coefficient *= -(bb + j) / (j + 1)
            j += 1


# ------------------------------------------------------------------ brute force

@pytest.mark.parametrize("dps", DPS_LADDER)
@pytest.mark.parametrize("kappa", ["0.5", "3"])
@pytest.mark.parametrize("beta, alpha, b", [
    (0, 1.5, 1), (0.6, 1.5, 2), (1, 1.5, 1), (2.3, 1.5, 2), (-0.5, 1.1, 1.5), (0, 3.7, 2),
])
def test_agrees_with_brute_force(beta, alpha, b, kappa, dps):
    value = power_law_sum(beta, alpha, b, kappa, dps=dps)
    assert isinstance(value, mpmath.mpf)
    assert rel(value, brute_force(beta, alpha, b, kappa, dps)) < tol(dps)


def test_float_result_agrees_with_brute_force():
    value = power_law_sum(0.6, 1.5, 2, 0.5)
    assert isinstance(value, float)
    assert abs(value - float(brute_force(0.6, 1.5, 2, "0.5", 20))) <= 4e-16 * value


# ------------------------------------------------------------------ closed forms (α = 2)

def coth_form(kappa):
    """Σ 1/(1+κk²) = (π/√κ · coth(π/√κ) − 1)/2."""
    r = mpmath.pi / mpmath.sqrt(kappa)
    return (r * mpmath.coth(r) - 1) / 2


def digamma_form(kappa):
    """Σ 1/(k(1+κk²)) = γ + Re ψ(1 + i/√κ)  (β = 1: the resonant case m = 0)."""
    return mpmath.euler + mpmath.re(mpmath.digamma(1 + 1j / mpmath.sqrt(kappa)))


@pytest.mark.parametrize("dps", DPS_LADDER)
@pytest.mark.parametrize("kappa", ["1e-30", "1e-8", "1e-2", "1", "100"])
def test_closed_forms_alpha_2(kappa, dps):
    with workdps(dps + 10):
        k = mpmath.mpf(kappa)
        plain, resonant0 = coth_form(k), digamma_form(k)
        resonant1 = mpmath.zeta(3) - k * resonant0        # Σ k^-3/(1+κk²): resonance m = 1
        # Σ 1/(1+κk²)² = S + κ S'(κ) (differentiate 1/(1+κk²) in κ), with r = π/√κ:
        # κ S' = −(r/4)(coth r − r/sinh² r)
        r = mpmath.pi / mpmath.sqrt(k)
        squared = plain - r / 4 * (mpmath.coth(r) - r / mpmath.sinh(r) ** 2)
    assert rel(power_law_sum(0, 2, 1, kappa, dps=dps), plain) < tol(dps)
    assert rel(power_law_sum(1, 2, 1, kappa, dps=dps), resonant0) < tol(dps)
    assert rel(power_law_sum(3, 2, 1, kappa, dps=dps), resonant1) < tol(dps)
    assert rel(power_law_sum(0, 2, 2, kappa, dps=dps), squared) < tol(dps)


def test_exponentially_small_remainder_in_float():
    # Σ 1/(1+κk²) − (π/(2√κ) − 1/2) = π/√κ /(e^{2π/√κ} − 1): visible at κ = 1 only.
    for kappa in (1e-6, 1e-2, 1.0):
        exact = float(coth_form(mpmath.mpf(kappa)))
        assert abs(power_law_sum(0, 2, 1, kappa) - exact) <= 4e-16 * exact


# ------------------------------------------------------------------ the two methods agree

# κ where both methods reach 30 digits: the series needs 2π sin(π/α)·κ^{-1/α} (or
# 2π κ^{-1/α} for α < 2) well above 30 ln 10, the direct sum a modest κ^{-1/α}.
OVERLAP = {1.1: ["1e-3", "1e-2"], 1.5: ["1e-3", "1e-2"], 2: ["1e-4", "1e-3"],
           3.7: ["1e-8", "1e-6"]}


@pytest.mark.parametrize("alpha", sorted(OVERLAP))
@pytest.mark.parametrize("beta, b", [(0, 1), (0.6, 2), (0.3, 1.5), (2.3, 2), (1.7, 0.5)])
def test_methods_agree_in_overlap(beta, alpha, b):
    dps = 30
    for kappa in OVERLAP[alpha]:
        series = _evaluate(beta, alpha, b, kappa, dps, method="mellin-barnes")
        direct = _evaluate(beta, alpha, b, kappa, dps, method="direct")
        assert rel(series, direct) < tol(dps), (beta, alpha, b, kappa)
        assert rel(power_law_sum(beta, alpha, b, kappa, dps=dps), direct) < tol(dps)


def test_series_refused_where_it_cannot_reach_the_tolerance():
    # α = 3.7 > 2: the poles of (1+κx^α)^-1 at angle π/α add exp(-2π sin(π/α) κ^{-1/α}),
    # about 1e-25 at κ = 1e-4 -- far above the smallest term of the series.
    with pytest.raises(ArithmeticError, match="cannot reach"):
        _evaluate(4.7, 3.7, 2, "1e-4", 30, method="mellin-barnes")
    assert rel(power_law_sum(4.7, 3.7, 2, "1e-4", dps=30),
               brute_force(4.7, 3.7, 2, "1e-4", 30)) < tol(30)


# ------------------------------------------------------------------ resonance β = 1 + mα

@pytest.mark.parametrize("beta, alpha, b", [(1, 1.5, 1), (1, 1.5, 2), (2.5, 1.5, 1), (2.5, 1.5, 2),
                                            (1, 1.1, 0.5), (4.7, 3.7, 2)])
def test_resonant_series_agrees_with_direct(beta, alpha, b):
    kappas = ["1e-8", "1e-6"] if alpha > 2 else ["1e-3", "1e-2"]
    for kappa in kappas:
        series = _evaluate(beta, alpha, b, kappa, 30, method="mellin-barnes")
        direct = _evaluate(beta, alpha, b, kappa, 30, method="direct")
        assert rel(series, direct) < tol(30)


@pytest.mark.parametrize("beta, alpha, b, kappa", [(1, 1.5, 1, "0.05"), (2.5, 1.5, 2, "0.05"),
                                                   (1, 1.5, 2, "1e-3"), (1, 1.5, 1, "1e-4")])
def test_resonant_against_nsum_euler_maclaurin(beta, alpha, b, kappa):
    # mpmath's default nsum is silently wrong on these slowly decaying sums (it gives
    # 5e-4 relative error at κ = 1e-4); Euler-Maclaurin summation is not.
    dps = 30
    with workdps(dps):
        be, al, bb, ka = (mpmath.mpf(v) for v in (beta, alpha, b, kappa))
        reference = mpmath.nsum(lambda k: k ** -be * (1 + ka * k ** al) ** -bb, [1, mpmath.inf],
                                method="euler-maclaurin")
    assert rel(power_law_sum(beta, alpha, b, kappa, dps=dps), reference) < tol(dps)


@pytest.mark.parametrize("alpha", [1.5, 2, 3.7])
@pytest.mark.parametrize("kappa", ["1e-30", "1e-6"])
def test_resonance_m1_identity(alpha, kappa):
    # 1/(1+x) = 1 − x/(1+x):  T(1+α, α, 1) = ζ(1+α) − κ T(1, α, 1)   (m = 1 against m = 0),
    # 1/(1+x)² = 1/(1+x) − x/(1+x)²:  T(1+α, α, 2) = T(1+α, α, 1) − κ T(1, α, 2).
    dps = 30
    with workdps(dps + 10):
        beta = 1 + mpmath.mpf(alpha)          # exact: β − α = 1
        k = mpmath.mpf(kappa)
        t1 = power_law_sum(beta, alpha, 1, kappa, dps=dps + 5)
        assert rel(t1, mpmath.zeta(beta) - k * power_law_sum(1, alpha, 1, kappa, dps=dps + 5)) \
            < tol(dps)
        assert rel(power_law_sum(beta, alpha, 2, kappa, dps=dps),
                   t1 - k * power_law_sum(1, alpha, 2, kappa, dps=dps + 5)) < tol(dps)


@pytest.mark.parametrize("delta", ["1e-6", "1e-12", "1e-25"])
@pytest.mark.parametrize("alpha", [1.5, 2.5])
def test_near_resonance_identity_small_kappa(delta, alpha):
    # T(1+δ, α, 1) = ζ(1+δ) − κ T(1+δ−α, α, 1)  (δ > 0): the right side is far from
    # resonance.  Its two terms (about 1/δ each) cancel, and ζ near its pole loses
    # log10(1/δ) digits more (ζ' ≈ −1/δ²), so it is computed with 2 log10(1/δ) + 10 more.
    dps, kappa = 30, "1e-30"
    extra = 2 * int(-math.log10(float(delta))) + 10
    with workdps(dps + extra):
        beta = 1 + mpmath.mpf(delta)
        rhs = mpmath.zeta(beta) - mpmath.mpf(kappa) * power_law_sum(beta - alpha, alpha, 1, kappa,
                                                                     dps=dps + extra)
    assert rel(power_law_sum(beta, alpha, 1, kappa, dps=dps), rhs) < tol(dps)


@pytest.mark.parametrize("beta", [1 + 1e-12, 1 - 1e-12, 2.5 + 1e-12])
@pytest.mark.parametrize("b", [1, 2])
def test_near_resonance_against_direct(beta, b):
    for kappa in ("1e-3", "1e-2"):
        series = _evaluate(beta, 1.5, b, kappa, 30, method="mellin-barnes")
        direct = _evaluate(beta, 1.5, b, kappa, 30, method="direct")
        assert rel(series, direct) < tol(30)


@pytest.mark.parametrize("b", [1, 2])
def test_continuous_through_resonance(b):
    # |∂T/∂β| = Σ ln k · k^-β (1+κk^α)^-b ≤ Σ_{k≤K} ln k/k + Σ_{k>K} ln k/(k (κk^α)^b), K = κ^{-1/α},
    # at most L²/2 + L (1 + 1/(αb)) + 1 + 1/(αb)² with L = ln K (the k^{∓δ} factor is ≤ K^δ ≈ 1).
    dps, alpha, kappa, delta = 30, 1.5, mpmath.mpf("1e-30"), mpmath.mpf("1e-12")
    with workdps(dps):
        L = -mpmath.log(kappa) / alpha
        bound = L ** 2 / 2 + L * (1 + 1 / (alpha * b)) + 1 + 1 / (alpha * b) ** 2
        at = power_law_sum(1, alpha, b, kappa, dps=dps)
        above = power_law_sum(1 + delta, alpha, b, kappa, dps=dps)
        below = power_law_sum(1 - delta, alpha, b, kappa, dps=dps)
        assert below > at > above                              # T decreases in β
        assert at - above <= delta * bound * 1.01 and below - at <= delta * bound * 1.01
        # and the slopes on the two sides agree to O(δ · ∂²T/∂β²) ≤ δ L³ (relative to L²)
        assert abs((below - at) - (at - above)) <= delta ** 2 * L ** 3 + 2 * tol(dps) * at


# ------------------------------------------------------------------ small κ asymptotics

def phi_at_one(beta, alpha, b):
    """Φ(1) = B((1−β)/α, b − (1−β)/α)/α (Mellin transform of u^-β (1+u^α)^-b at s = 1)."""
    z = (1 - mpmath.mpf(beta)) / alpha
    return mpmath.beta(z, b - z) / alpha


@pytest.mark.parametrize("beta, alpha, b", [(0, 1.5, 1), (0.6, 1.5, 2), (0.3, 3.7, 1.5),
                                            (2.3, 1.5, 2), (1.6, 1.1, 1), (3, 2.5, 0.5)])
def test_small_kappa_leading_terms(beta, alpha, b):
    # T = Φ(1) κ^{(β−1)/α} + ζ(β) − b ζ(β−α) κ + O(κ²): for β < 1 the first term leads and the
    # relative difference is ζ(β)/(Φ(1) κ^{(β−1)/α}); for β > 1, ζ(β) leads.
    dps, kappa = 30, mpmath.mpf("1e-30")
    with workdps(dps + 10):
        t = power_law_sum(beta, alpha, b, kappa, dps=dps)
        lead = phi_at_one(beta, alpha, b) * kappa ** ((beta - mpmath.mpf(1)) / alpha)
        zeta_beta = mpmath.zeta(beta)
        next_term = 2 * b * abs(mpmath.zeta(beta - mpmath.mpf(alpha))) * kappa
        assert abs(t - lead - zeta_beta) <= next_term + tol(dps) * t
        if beta < 1:
            assert abs(rel(t, lead) - abs(zeta_beta / lead)) <= 2 * tol(dps) + next_term / lead
        else:
            assert abs(rel(t, zeta_beta) - abs(lead / zeta_beta)) <= 2 * tol(dps) + next_term


# ------------------------------------------------------------------ precision reached

@pytest.mark.parametrize("beta, alpha, b", [(0, 1.5, 1), (0.6, 1.5, 2), (1, 1.5, 1), (2.3, 2.5, 2)])
def test_dps30_agrees_with_dps60(beta, alpha, b):
    for e in range(-40, 5, 4):
        kappa = mpmath.mpf(10) ** e
        lo = power_law_sum(beta, alpha, b, kappa, dps=30)
        hi = power_law_sum(beta, alpha, b, kappa, dps=60)
        with workdps(60):
            assert rel(lo, hi) < mpmath.mpf("1e-28"), (beta, alpha, b, e)


def test_large_b_cancellation_reaches_precision():
    # b = 30, α = 0.05, κ = 0.9: κn^α stays near 1, so the binomial tail's terms exceed the
    # sum by ~20 digits before they cancel; the working precision must follow.
    lo = power_law_sum(0, 0.05, 30, "0.9", dps=20)
    hi = power_law_sum(0, 0.05, 30, "0.9", dps=40)
    with workdps(40):
        assert rel(lo, hi) < tol(20)


@pytest.mark.parametrize("s0, n", [(3.5, 2), (30.5, 1000), (100.5, 101), (2.25, 1)])
def test_hurwitz_family_relative_accuracy(s0, n):
    # mpmath.zeta(s, n) is good to an absolute 2^-prec only: given (s-1)·log10(n) more digits
    # it is a reference for the relative accuracy of the family used in the tail.
    dps, step = 30, mpmath.mpf(1.5)
    with workdps(dps + 8):
        family = _HurwitzFamily(mpmath.mpf(s0), step, n, s0 + 10 * step, mpmath.mpf(10) ** -(dps + 4))
        values = [next(family) for _ in range(10)]
    for j, value in enumerate(values):
        s = mpmath.mpf(s0) + j * step
        with workdps(dps + 20 + int(float(s) * math.log10(n))):
            reference = mpmath.mpf(n) ** s * mpmath.zeta(s, n)
        assert rel(value, reference) < tol(dps)


def test_kappa_zero_is_zeta():
    with workdps(40):
        assert rel(power_law_sum(2.3, 1.5, 2, 0, dps=40), mpmath.zeta(mpmath.mpf(2.3))) < tol(40)
    assert power_law_sum(2, 1, 1, 0) == pytest.approx(math.pi ** 2 / 6, rel=4e-16)


def test_large_kappa():
    # κ k^α ≥ κ: T = κ^-b ζ(β+αb) (1 + O(1/κ)).
    kappa = mpmath.mpf(10) ** 6
    with workdps(30):
        t = power_law_sum(0.6, 1.5, 2, kappa, dps=30)
        lead = kappa ** -2 * mpmath.zeta(mpmath.mpf(0.6) + 3)
        assert abs(t / lead - 1) <= 2 * 2 * mpmath.zeta(mpmath.mpf(0.6) + 4.5) / (
            mpmath.zeta(mpmath.mpf(0.6) + 3) * kappa)


@pytest.mark.parametrize("value", [0.5, "0.5", " 0.5 ", mpmath.mpf("0.5"), fractions.Fraction(1, 2),
                                   np.float64(0.5), np.float32(0.5), np.array(0.5)])
def test_input_types(value):
    assert power_law_sum(value, 1.5, 1, value, dps=20) == power_law_sum(0.5, 1.5, 1, 0.5, dps=20)


# ------------------------------------------------------------------ derivative

@pytest.mark.parametrize("beta, alpha, b", [(0.6, 1.5, 2), (1, 1.5, 1), (2.3, 3.7, 1.5)])
@pytest.mark.parametrize("kappa", ["1e-20", "1e-3", "0.5", "10"])
def test_derivative_against_mpmath_diff(beta, alpha, b, kappa):
    # Central difference with h = κ·1e-15: truncation O(h²) ~ 1e-30 relative, rounding of the
    # 60-digit values 1e-60/1e-15; both far below the 30-digit tolerance.
    dps = 30
    with workdps(dps):
        k = mpmath.mpf(kappa)
        numeric = mpmath.diff(lambda x: power_law_sum(beta, alpha, b, x, dps=60), k, h=k * 1e-15)
    derivative = power_law_sum_derivative(beta, alpha, b, kappa, dps=dps)
    assert derivative < 0
    assert rel(derivative, numeric) < tol(dps)


def test_derivative_identity_and_float():
    # dT/dκ = −b T(β−α, α, b+1, κ)
    value = power_law_sum_derivative(0.5, 1.5, 2, 0.01)
    assert isinstance(value, float)
    assert value == pytest.approx(-2 * power_law_sum(-1, 1.5, 3, 0.01), rel=4e-16)
    with workdps(30):
        assert rel(power_law_sum_derivative(4, 1.5, 1, 0, dps=30), -mpmath.zeta(2.5)) < tol(30)


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize("args, match", [
    ((0, 0, 1, 0.1), r"alpha must be > 0"),
    ((0, -1.5, 1, 0.1), r"alpha must be > 0"),
    ((0, 1.5, 0, 0.1), r"b must be > 0"),
    ((0, 1.5, -2, 0.1), r"b must be > 0"),
    ((0, 1.5, 1, -1e-3), r"kappa must be >= 0"),
    ((1, 1.5, 1, 0), r"the sum diverges at kappa = 0 unless beta > 1"),
    ((0.5, 1.5, 1, 0), r"the sum diverges at kappa = 0 unless beta > 1"),
    ((-0.5, 1.5, 1, 0.1), r"the sum diverges: need beta \+ alpha\*b > 1"),
    ((0, 0.5, 2, 0.1), r"the sum diverges: need beta \+ alpha\*b > 1"),
    ((float("nan"), 1.5, 1, 0.1), r"beta must be a finite real number"),
    ((0, float("inf"), 1, 0.1), r"alpha must be a finite real number"),
    ((0, 1.5, "inf", 0.1), r"b must be a finite real number"),
    ((0, 1.5, 1, 1j), r"kappa must be a finite real number"),
    ((0, 1.5, 1, mpmath.mpc(1, 0)), r"kappa must be a finite real number"),
    ((0, 1.5, 1, "abc"), r"kappa must be a finite real number"),
    ((None, 1.5, 1, 0.1), r"beta must be a finite real number"),
    ((True, 1.5, 1, 0.1), r"beta must be a finite real number"),
    ((np.array([0.5]), 1.5, 1, 0.1), r"beta must be a finite real number"),
    ((0, 1.5, np.complex128(1), 0.1), r"b must be a finite real number"),
])
def test_value_errors(args, match):
    with pytest.raises(ValueError, match=match):
        power_law_sum(*args)
    with pytest.raises(ValueError, match=match):
        power_law_sum_derivative(*args)


@pytest.mark.parametrize("dps", [5, 5001, 30.5, "30", True])
def test_dps_out_of_range(dps):
    with pytest.raises(ValueError, match=r"dps must be an integer in \[10, 5000\]"):
        power_law_sum(0, 1.5, 1, 0.1, dps=dps)
    with pytest.raises(ValueError, match=r"dps must be an integer in \[10, 5000\]"):
        power_law_sum_derivative(0, 1.5, 1, 0.1, dps=dps)


def test_derivative_at_kappa_zero_needs_beta_minus_alpha_above_one():
    with pytest.raises(ValueError, match=r"derivative diverges at kappa = 0 unless beta - alpha > 1"):
        power_law_sum_derivative(2, 1.5, 1, 0)


@pytest.mark.parametrize("kappa", ["1e320", "1e450", "1e1000"])
def test_kappa_beyond_the_float_range_in_the_tail_plan(kappa):
    # κ n^α > 1e308 made the ratio bound of the binomial tail underflow to 0: "math domain error" (issue 13)
    with workdps(30):
        k = mpmath.mpf(kappa)
        value = power_law_sum(0, 1.5, 1, k, dps=30)
        leading = mpmath.zeta(1.5) / k - mpmath.zeta(3) / k ** 2     # Σ k^{-α}/κ − Σ k^{-2α}/κ² + …
        assert abs(value / leading - 1) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("b", ["0.500000000001", "0.5000000000000000000001"])
@pytest.mark.parametrize("dps", [15, 30, 50])
def test_the_stated_digits_hold_at_the_convergence_edge(b, dps):
    # β + αb = 1 + 1e-12 (and 1 + 1e-22): the sums grow like 1/δ and the route divides by δ formed from the
    # inputs; without guard digits for δ both functions lost about 3 digits (12.1/27.1/47.0 at dps 15/30/50,
    # issue 13).  Claim: relative error below 10^(−dps), against the same inputs at 120 digits.
    args = ("0.5", "1", b, "0.01")
    with workdps(140):
        ref_sum, ref_der = power_law_sum(*args, dps=120), power_law_sum_derivative(*args, dps=120)
    got_sum, got_der = power_law_sum(*args, dps=dps), power_law_sum_derivative(*args, dps=dps)
    with workdps(140):
        assert abs(got_sum / ref_sum - 1) < mpmath.mpf(10) ** -dps
        assert abs(got_der / ref_der - 1) < mpmath.mpf(10) ** -dps


def test_a_huge_beta_stops_the_zeta_series_at_its_first_terms():
    # β + αb ≈ 3e6 (rf_learning_curve at r = 1e6): the Euler–Maclaurin start was M ~ s/π ≈ 1e6 mp powers
    # (49 s per learning-curve point, issue 13); the terms beyond k = 2 are below 2^(−3e6)
    from numerics.power_law_sums import _em_start
    assert _em_start(3e6, 1, -70.0, s_min=3e6)[0] <= 3
    with workdps(40):
        value = power_law_sum(3000000, "1.5", 1, "0.001", dps=30)
        assert abs(value / (1 / (1 + mpmath.mpf("0.001"))) - 1) < mpmath.mpf(10) ** -30


def test_an_edge_closer_than_the_working_precision_is_not_called_divergent():
    # β + αb = 1 + 1e-40 converges; at dps 15 plus guard digits δ rounded to 0 and the call was refused
    # as "the sum diverges" (found in the review of issue 13)
    b = "0.5" + "0" * 38 + "1"
    with workdps(100):
        ref = power_law_sum("0.5", "1", b, "0.01", dps=80)
    got = power_law_sum("0.5", "1", b, "0.01", dps=15)
    with workdps(100):
        assert abs(got / ref - 1) < mpmath.mpf(10) ** -15
    with pytest.raises(ValueError, match="diverges"):
        power_law_sum("0.5", "1", "0.5", "0.01", dps=15)
