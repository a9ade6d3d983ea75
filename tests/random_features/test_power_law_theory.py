"""Tests of ``derivations.random_features.power_law_theory``: the ridge and random-feature theory with the infinite power law
η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)), evaluated through exact power-law sums.

Reference: the finite-D theory (``ridge_regression`` / ``linear_random_features``, float64) on the first D
modes. Every spectral sum has the form Σ_k k^(−β)(1 + κk^α)^(−b), b ∈ {1, 2}; its tail beyond D is at most
κ^(−b) Σ_{k>D} k^(−β−αb) ≤ κ^(−b) D^(1−β−αb)/(β + αb − 1) (from (1 + y)^(−b) ≤ y^(−b) and the integral
bound for a decreasing summand). At α = 3, D = 20000, κ ≈ 1 the worst relative tail is that of
Σ κη/(η+κ)² (β = −α, b = 2) or of df¹ (β = 0, b = 1): about 3e-9, computed in the test. The outputs are
rational functions of these sums and of the root κ; where every deficit M − Df₁ is at least half of M, a
relative perturbation τ of the sums moves each output by at most a few τ: we allow 4τ_max.

Sharper, with r = 1 the teacher's sums have tails ≤ D^(−6); the remaining truncation error comes from
Σ_{k>D} k^(−3) = 1/(2D²) − 1/(2D³) + …, so Richardson extrapolation of D = 20000 and 40000 in D^(−2)
leaves O(D^(−3)) ≈ 1e-13: the exact sums must then agree to float64's 1e-11 (10^-(16−5)).

The random-feature projections are normalised per width here (module docstring): ridge and κ₁ are the
D-normalised ones times ∏_l D/N_l, and df1 is the unnormalised Df₁.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from derivations.random_features import RandomFeatureResult, projection_level
from derivations.random_features import learning_curve as rf_finite
from derivations.random_features import power_law_learning_curve as rf_learning_curve
from derivations.ridge import PowerLawSpectrum, RidgeResult
from derivations.ridge import power_law_learning_curve as ridge_learning_curve
from derivations.ridge import learning_curve as ridge_finite
from numerics.precision import workdps

RIDGE_FIELDS = ("kappa", "gamma", "E_g", "E_tr", "bias2", "var_X", "var_X_noise", "df1")
RF_FIELDS = ("kappa1", "kappa2", "partial", "gamma1", "gamma2", "E_g", "E_tr", "E_g_infinite_ensemble", "bias2",
             "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise", "df1")
FLOAT_TOL = 1e-11   # 10^-(16−5)
D0 = 20000


def _rel(a, b):
    return abs(a / b - 1) if b != 0 else abs(a)


def _tail_ratio(spectrum, kappa, D, sums=("df1", "df2", "slope", "tf1'", "tf1", "tf2")):
    """max over ``sums`` of (bound on the tail beyond D)/(the sum over the first D modes), at κ."""
    a, r = float(spectrum.alpha), float(spectrum.r)
    k = np.arange(1, D + 1, dtype=float)
    forms = {"df1": (0, 1), "df2": (0, 2), "slope": (-a, 2), "tf1'": (1 + 2 * a * r - 2 * a, 2),
             "tf1": (1 + 2 * a * r - a, 1), "tf2": (1 + 2 * a * r, 2)}
    worst = 0.0
    for beta, b in (forms[n] for n in sums):
        p = beta + a * b
        bound = kappa ** -b * D ** (1 - p) / (p - 1)
        worst = max(worst, bound / float(np.sum(k ** -beta * (1 + kappa * k ** a) ** -b)))
    return worst


def _finite_rf(spectrum, P, N, lam, s2, D):
    """The finite-D theory on the first D modes, in the per-width normalisation of power_law_theory."""
    eta, w = spectrum.arrays(D)
    widths = N if isinstance(N, list) else [N]
    to_d = math.prod(n / D for n in widths)                 # ridge_D = ridge·∏ N_l/D, κ₁ likewise
    r = rf_finite(eta, w, P, N, lam * to_d, s2)
    out = {f: getattr(r, f) for f in RF_FIELDS}
    out["kappa1"] /= to_d
    out["df1"] *= D
    return out


# ---- the spectrum ------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha,r,name", [
    (1, 0.5, "alpha"), (1.0, 0.5, "alpha"), (0.5, 0.5, "alpha"), (-2, 0.5, "alpha"), (float("nan"), 1, "alpha"),
    (float("inf"), 1, "alpha"), (True, 1, "alpha"), (None, 1, "alpha"), (2 + 0j, 1, "alpha"), ("abc", 1, "alpha"),
    ([2], 1, "alpha"), (2, 0, "r"), (2, -1, "r"), (2, float("nan"), "r"), (2, float("inf"), "r"), (2, False, "r"),
    (2, "x", "r"), (np.bool_(True), 1, "alpha"),
])
def test_spectrum_validation(alpha, r, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        PowerLawSpectrum(alpha=alpha, r=r)


@pytest.mark.parametrize("alpha,r", [(1.5, 0.4), ("3", "0.4"), (np.int64(2), np.float32(0.5)),
                                     (mpmath.mpf("1.5"), 1), (1.0000001, 0.01)])
def test_spectrum_accepts_real_numbers(alpha, r):
    s = PowerLawSpectrum(alpha, r)
    eta, w = s.arrays(50)
    k = np.arange(1, 51, dtype=float)
    a, rr = float(alpha), float(r)
    assert np.allclose(eta, k ** -a, rtol=1e-15) and np.allclose(w ** 2 * eta, k ** -(1 + 2 * a * rr), rtol=1e-14)


# ---- against the truncated finite-D theory ---------------------------------------------------------------
@pytest.mark.parametrize("P,lam", [(10, 1.0), (20, 3.0)])
def test_ridge_against_truncated_spectrum(P, lam):
    s = PowerLawSpectrum(3, 0.4)
    exact = ridge_learning_curve(s, P, lam, 0.25)
    assert isinstance(exact, RidgeResult) and isinstance(exact.E_g, mpmath.mpf)
    finite = ridge_finite(*s.arrays(D0), P, lam, 0.25)
    tol = 4 * _tail_ratio(s, float(exact.kappa), D0, ("df1", "df2", "tf1'"))    # the sums ridge regression uses
    assert 1e-9 < tol < 1.5e-8 and float(exact.df1) < P / 2       # ~1e-8; deficit P − Df₁ ≥ P/2
    for key in RIDGE_FIELDS:
        want = float(getattr(exact, key)) / (D0 if key == "df1" else 1)
        assert _rel(getattr(finite, key), want) < tol, (key, getattr(finite, key), want)


RF_CASES = [(10, 20, 1.0), (20, 10, 1.0), (10, [20, 40], 1.0), (20, [40, 30], 3.0)]


@pytest.mark.parametrize("P,N,lam", RF_CASES)
def test_random_features_against_truncated_spectrum(P, N, lam):
    s = PowerLawSpectrum(3, 0.4)
    exact = rf_learning_curve(s, P, N, lam, 0.25)
    assert isinstance(exact, RandomFeatureResult)
    finite = _finite_rf(s, P, N, lam, 0.25, D0)
    tol = 4 * _tail_ratio(s, float(exact.kappa2), D0)
    widths = N if isinstance(N, list) else [N]
    assert 1e-9 < tol < 1.5e-8 and float(exact.df1) < min(P, *widths) / 2
    for key in RF_FIELDS:
        assert _rel(finite[key], float(getattr(exact, key))) < tol, (key, finite[key], getattr(exact, key))


@pytest.mark.parametrize("P,N,lam", RF_CASES[::2] + [(15, "ridge", 1.0)])
def test_exact_sums_are_the_limit_of_truncation(P, N, lam):
    """α = 3, r = 1: Richardson in D^(−2) over D = 20000, 40000 agrees with the exact sums to 1e-11."""
    s = PowerLawSpectrum(3, 1)
    if N == "ridge":
        exact, fields = ridge_learning_curve(s, P, lam, 0.25), RIDGE_FIELDS[:-1]     # df1: D-normalised there
        a, b = ({f: getattr(ridge_finite(*s.arrays(D), P, lam, 0.25), f) for f in fields} for D in (D0, 2 * D0))
    else:
        exact, fields = rf_learning_curve(s, P, N, lam, 0.25), RF_FIELDS
        a, b = (_finite_rf(s, P, N, lam, 0.25, D) for D in (D0, 2 * D0))
    for key in fields:
        want = float(getattr(exact, key))
        extrapolated = b[key] + (b[key] - a[key]) / 3
        assert _rel(extrapolated, want) < FLOAT_TOL, (key, extrapolated, want)
        assert _rel(a[key], want) > 10 * _rel(extrapolated, want) or _rel(a[key], want) < FLOAT_TOL


# ---- the ridgeless root at large P ---------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [3, 1.5])
def test_ridgeless_kappa_at_large_P(alpha):
    """Df₁(κ) = Σ 1/(1 + κk^α) = C₁κ^(−1/α) + ζ(0) − ζ(−α)κ + O(κ²) (Mellin), C₁ = π/(α sin(π/α)). So
    κ = (C₁/P)^α(1 − α/(2P) + O(1/P²)): relative O(1/P) from the leading law at P = 1e8; and
    κ = (C₁/(P + ½))^α to the next term's α|ζ(−α)|κ/P (≈ 1e-33 at α = 3, 1.5e-21 at α = 1.5), allowed
    twice, plus 10^-(dps−5)."""
    dps = 30
    res = ridge_learning_curve(PowerLawSpectrum(alpha, 0.4), "1e8", 0, dps=dps)
    with workdps(dps):
        a, P = mpmath.mpf(alpha), mpmath.mpf(10) ** 8
        C1 = mpmath.pi / (a * mpmath.sin(mpmath.pi / a))
        leading = res.kappa / (C1 / P) ** a - 1
        assert abs(leading) <= a / P and abs(leading + a / (2 * P)) <= (a / P) ** 2
        next_term = 2 * a * abs(mpmath.zeta(-a)) * res.kappa / P
        assert abs(res.kappa / (C1 / (P + mpmath.mpf(1) / 2)) ** a - 1) <= next_term + mpmath.mpf(10) ** -(dps - 5)
        assert res.E_tr == 0 and abs(res.df1 / P - 1) < mpmath.mpf(10) ** -(dps - 5)   # interpolation


# ---- precision -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lam", ["1e-20", "0"])
def test_30_digits_against_50(lam):
    """P = 1e8, N = 1e6: every field at 30 digits agrees with 50 digits to 1e-27."""
    s = PowerLawSpectrum(3, 0.4)
    r30, r50 = (ridge_learning_curve(s, "1e8", lam, "0.01", dps=d) for d in (30, 50))
    f30, f50 = (rf_learning_curve(s, "1e8", "1e6", lam, "0.01", dps=d) for d in (30, 50))
    with workdps(50):
        for a, b, fields in ((r30, r50, RIDGE_FIELDS), (f30, f50, RF_FIELDS)):
            for key in fields:
                x, y = getattr(a, key), getattr(b, key)
                assert x == y or abs(x - y) <= mpmath.mpf("1e-27") * abs(y), (key, x, y)


# ---- infinite data -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("N", [20, [20, 40]])
def test_infinite_data_is_the_projection_level(N):
    """P = ∞: κ₁ = λ, γ₁ = γ₂ = 0, E_g = E_F B₁ at κ₁ = λ, the data variances vanish and E_tr = E_g + σ².
    Against projection_level on the truncated spectrum (α = 3, r = 1, Richardson as above), and against
    P = 1e40, where the data terms are O(Df₁/P) < 1e-38, below 10^-(dps−5)."""
    s = PowerLawSpectrum(3, 1)
    widths = N if isinstance(N, list) else [N]
    for P in ("inf", math.inf, mpmath.inf):
        r = rf_learning_curve(s, P, N, 1.0, "0.25")
        assert r.P == mpmath.inf and r.gamma1 == r.gamma2 == 0
    with workdps(30):
        assert abs(r.kappa1 - 1) < mpmath.mpf(10) ** -25
        assert r.var_X == r.var_X_noise == r.var_XF_noise == 0 and abs(r.var_XF) < mpmath.mpf(10) ** -25 * r.E_g
        assert abs(r.E_tr - r.E_g - mpmath.mpf("0.25")) < mpmath.mpf(10) ** -25 * r.E_tr
        assert r.E_g_infinite_ensemble == r.bias2
        finite_P = rf_learning_curve(s, "1e40", N, 1.0, "0.25")
        for key in ("kappa2", "partial", "E_g", "bias2", "var_F", "E_g_infinite_ensemble"):
            assert _rel(getattr(finite_P, key), getattr(r, key)) < mpmath.mpf(10) ** -25, key
    levels = []
    for D in (D0, 2 * D0):
        eta, w = s.arrays(D)
        levels.append(projection_level(eta, w, widths, math.prod(n / D for n in widths)))
    for key, mine in (("kappa2", "kappa2"), ("partial", "partial"), ("B1mean", "E_g")):
        extrapolated = levels[1][key] + (levels[1][key] - levels[0][key]) / 3
        assert _rel(extrapolated, float(getattr(r, mine))) < FLOAT_TOL, key


# ---- thresholds and tiny ridges (regressions) ----------------------------------------------------------------
@pytest.mark.parametrize("P,N,lam", [(1000, 1000, "1e-12"), (100, 100, "1e-200"), (100, 200, "1e-200"),
                                     (200, 100, "1e-200"), (100, [100, 100], "1e-100")])
def test_tiny_ridge_sits_above_the_ridgeless_floor(P, N, lam):
    """κ₂ is the root above the floor (Df₁ = min(P, N_l)), where every factor of
    κ₂(1 − Df₁/P)∏(1 − Df₁/N_l) = λ is positive: below the floor two negative factors (P = N) make the
    left side positive again, and a root there is spurious. The narrowest deficit is then tiny; every
    field is positive and finite, 0 ≤ ∂ ≤ 1, and 30 digits agree with 60 to 10^-25. At λ = 1e-12 the
    deficits (~3% of P) are resolved, and the equation holds to 10^-(60−5) with Df₁ taken from df1."""
    s = PowerLawSpectrum(3, 0.4)
    widths = N if isinstance(N, list) else [N]
    floor = rf_learning_curve(s, P, N, 0, dps=60).kappa2
    r30, r60 = (rf_learning_curve(s, P, N, lam, "0.25", dps=d) for d in (30, 60))
    with workdps(60):
        assert r60.kappa2 >= floor and 0 <= r60.partial <= 1 and r60.kappa1 > 0
        if lam == "1e-12":
            lhs = r60.kappa2 * (1 - r60.df1 / P) * mpmath.fprod(1 - r60.df1 / n for n in widths)
            assert abs(lhs / mpmath.mpf(lam) - 1) < mpmath.mpf(10) ** -55
        for key in RF_FIELDS:
            x, y = getattr(r30, key), getattr(r60, key)
            assert mpmath.isfinite(y) and y > 0, (key, y)
            assert abs(x / y - 1) < mpmath.mpf(10) ** -25, (key, x, y)


@pytest.mark.parametrize("P", [7, 33, "1e6"])
def test_ridgeless_ridge_regression_interpolates(P):
    """λ = 0 with infinitely many modes (D = ∞ > P): the training error is exactly 0, not a rounding residue
    of P − Df₁ at the root (the finite-D ridge regression returns 0 for D > P too)."""
    r = ridge_learning_curve(PowerLawSpectrum(1.5, 0.4), P, 0, "0.25")
    assert r.E_tr == 0 and r.E_g > 0


def test_ridgeless_thresholds():
    """λ = 0: E_g = ∞ at P = N (the narrowest factors coincide), finite otherwise; never NaN or negative."""
    s = PowerLawSpectrum(3, 0.4)
    for P, N, infinite in ((100, 100, True), (100, [200, 100], True), (100, 200, False), (200, 100, False)):
        r = rf_learning_curve(s, P, N, 0, "0.25")
        assert (r.E_g == mpmath.inf) == infinite
        for key in RF_FIELDS:
            v = getattr(r, key)
            assert not mpmath.isnan(v) and v >= 0, key


# ---- bad input ------------------------------------------------------------------------------------------------
SPEC = PowerLawSpectrum(2, 0.5)


@pytest.mark.parametrize("kw,name", [
    (dict(P=0), "P"), (dict(P=-1), "P"), (dict(P=float("nan")), "P"), (dict(P=float("inf")), "P"),
    (dict(P="inf"), "P"), (dict(P=True), "P"), (dict(P=1j), "P"), (dict(ridge=-1), "ridge"),
    (dict(ridge=float("nan")), "ridge"), (dict(noise_variance=-0.1), "noise_variance"), (dict(dps=5), "dps"),
])
def test_ridge_bad_input(kw, name):
    args = {"P": 100, "ridge": 0.1, **kw}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        ridge_learning_curve(SPEC, **args)


@pytest.mark.parametrize("kw,name", [
    (dict(P=0), "P"), (dict(P=-1), "P"), (dict(P=float("nan")), "P"), (dict(P="-inf"), "P"), (dict(P="abc"), "P"),
    (dict(N=0), "N"), (dict(N=-1), "N"), (dict(N=[]), "N"), (dict(N=[10, 0]), "N"), (dict(N=float("inf")), "N"),
    (dict(N=True), "N"), (dict(N=float("nan")), "N"), (dict(P="inf", N=[]), "N"),
    (dict(ridge=-1), "ridge"), (dict(noise_variance=-1), "noise_variance"), (dict(dps=5), "dps"),
])
def test_rf_bad_input(kw, name):
    args = {"P": 100, "N": 50, "ridge": 0.1, **kw}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        rf_learning_curve(SPEC, **args)


def test_rf_width_containers():
    a = rf_learning_curve(SPEC, 100, [50, 80], 0.1)
    for N in ((50, 80), np.array([50, 80])):
        assert rf_learning_curve(SPEC, 100, N, 0.1).E_g == a.E_g
