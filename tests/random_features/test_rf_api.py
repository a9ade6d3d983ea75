"""Tests of ``learning_curve`` of ``linear-random-features`` (derivations.random_features.theory): closed forms, limits,
identities, precision, thresholds and bad input.

Closed forms for Σ = I (D eigenvalues 1, |w̄|² = W), one layer of width N, ridgeless, m = min(P, N) < D,
P ≠ N, derived by hand from the statements (d = df¹(κ₂) = 1/(1+κ₂), d₂ = d², Σ κη/(η+κ)² = Dκ₂d²,
tf₁' = W d², tf₁ = W d, tf₂ = W d²):
  sample-limited, P < N: the Wishart factor 1 − qd vanishes, d = P/D, κ₂ = D/P − 1, κ₁ = κ₂(N − P)/D,
    ∂ = [1 + P(1 − P/D)/(N − P)]⁻¹, 1 − γ₁ = ∂(1 − P/D) (g_P = 0), E_tr = 0;
  width-limited, N < P: the layer factor N/D − d vanishes, d = N/D, κ₂ = D/N − 1, ∂ = 0, κ₁ = 0,
    γ₁ = qd = N/P, E_tr = (λ/κ₁)²(E_g + σ²) with λ/κ₁ = 1 − qd = 1 − N/P;
  both: γ₂ = q d², E_g = (κ₂² tf₁' ∂ + κ₂ tf₁ (1 − ∂) + γ₁σ²)/(1 − γ₁), E_g^∞ = (κ₂² tf₁' + γ₂σ²)/(1 − γ₂).
Simplified, the noiseless error is W(1 − m/D)·M/(M − m) with M = max(P, N): symmetric in P ↔ N. The
width-limited error with noise, (W(1 − N/D) + σ²N/P)/(1 − N/P), is also ordinary least squares on N
features with the unrepresented part W(1 − N/D) of the teacher as extra noise: an independent check.

Tolerances: mpmath at ``dps`` digits agrees to 10^-(dps−5) (five digits for rounding in sums, roots and
formulas); float64 (about 16 digits) gets the same allowance, 10^-(16−5) = 1e-11. Other tolerances are
argued where they appear.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from derivations.random_features import RandomFeatureResult, learning_curve, projection_level
from derivations.ridge import learning_curve as ridge_curve
from derivations.ridge import power_law_problem
from numerics.precision import workdps

FIELDS = ("kappa1", "kappa2", "partial", "gamma1", "gamma2", "E_g", "E_tr", "E_g_infinite_ensemble", "bias2",
          "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise", "df1")
COMPONENTS = ("bias2", "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise")
FLOAT_TOL = 1e-11          # 10^-(16−5)
UNDERFLOW = 1e-290         # below 2^-1022/ε ≈ 1e-292 float64 has no relative accuracy left


def _close(a, b, rel, absolute=0.0):
    if a == b:                       # also +inf == +inf
        return True
    return abs(a - b) <= rel * abs(b) + absolute


def _mp_tol(dps):
    return mpmath.mpf(10) ** -(dps - 5)


@pytest.fixture(scope="module")
def problem():
    return power_law_problem(200)


# ---- isotropic closed forms ------------------------------------------------------------------
def isotropic_ridgeless(D, P, N, W, sigma2, dps=40):
    """The closed forms of the module docstring at ``dps`` digits."""
    with workdps(dps):
        D, P, N, W, s2 = (mpmath.mpf(v) for v in (D, P, N, W, sigma2))
        m, M = min(P, N), max(P, N)
        if P < N:
            kappa2 = D / P - 1
            part = 1 / (1 + P * (1 - P / D) / (N - P))
            kappa1, gamma1 = kappa2 * (N - P) / D, 1 - part * (1 - P / D)
        else:
            kappa2, part, kappa1, gamma1 = D / N - 1, mpmath.mpf(0), mpmath.mpf(0), N / P
        d = 1 / (1 + kappa2)
        gamma2 = D / P * d ** 2
        E_g = W * (1 - m / D) * M / (M - m) + gamma1 * s2 / (1 - gamma1)
        E_tr = 0 * E_g if P < N else (1 - N / P) ** 2 * (E_g + s2)
        bias2 = kappa2 ** 2 * W * d ** 2
        return {"kappa2": kappa2, "df1": d, "partial": part, "kappa1": kappa1, "gamma1": gamma1, "gamma2": gamma2,
                "E_g": E_g, "E_tr": E_tr, "bias2": bias2, "var_F": (1 - part) * kappa2 * W * d ** 2,
                "E_g_infinite_ensemble": (bias2 + gamma2 * s2) / (1 - gamma2)}


ISO_CASES = [  # (D, P, N, σ²): sample-limited (P < N), then width-limited (N < P), with N or P at D
    (100, 50, 400, "0.25"), (100, 25, 60, "0"), (100, 50, 100, "0.5"),
    (100, 400, 50, "0.25"), (100, 60, 25, "0.5"), (100, 100, 30, "0"),
]


@pytest.mark.parametrize("D,P,N,sigma2", ISO_CASES)
def test_isotropic_ridgeless_closed_forms_float64(D, P, N, sigma2):
    """Sums of D identical terms and the closed forms differ by float64 rounding: 1e-11."""
    w = np.linspace(0.5, 1.5, D) / np.sqrt(D)  # only |w̄|² enters for Σ = I
    r = learning_curve(np.ones(D), w, P, N, 0.0, float(sigma2))
    assert isinstance(r, RandomFeatureResult) and r.N == (float(N),)
    ref = isotropic_ridgeless(D, P, N, repr(float(np.sum(w ** 2))), sigma2)
    for key, want in ref.items():
        got = getattr(r, key)
        assert isinstance(got, float), key
        assert _close(got, float(want), FLOAT_TOL, absolute=0.0 if want else 1e-15), (key, got, want)
    if P < N:
        assert r.E_tr == 0.0 and r.df1 == pytest.approx(P / D, rel=1e-14)
    else:
        assert r.partial == 0.0 and r.kappa1 == 0.0


@pytest.mark.parametrize("D,P,N,sigma2", ISO_CASES[::2])
def test_isotropic_ridgeless_closed_forms_mpmath(D, P, N, sigma2):
    dps = 40
    r = learning_curve(["1"] * D, ["0.1"] * D, P, N, 0, sigma2, dps=dps)
    ref = isotropic_ridgeless(D, P, N, mpmath.mpf(D) / 100, sigma2, dps=dps)
    with workdps(dps):
        for key, want in ref.items():
            assert _close(getattr(r, key), want, _mp_tol(dps), absolute=0 if want else _mp_tol(dps)), key
        if P < N:  # κ₂ solves 1/(1 + κ₂) = P/D: the data Wishart factor 1 − q d vanishes
            assert abs(1 / (1 + r.kappa2) - mpmath.mpf(P) / D) < _mp_tol(dps)


@pytest.mark.parametrize("P,N", [(50, 80), (30, 70), (20, 100)])
def test_isotropic_ridgeless_noiseless_error_is_symmetric_in_P_and_N(P, N):
    D = 100
    w = np.full(D, 0.1)
    a, b = learning_curve(np.ones(D), w, P, N, 0.0), learning_curve(np.ones(D), w, N, P, 0.0)
    assert _close(a.E_g, b.E_g, FLOAT_TOL)
    m, M = min(P, N), max(P, N)
    assert _close(a.E_g, (1 - m / D) * M / (M - m), FLOAT_TOL)
    # ... and not with noise: the sample-limited side carries more of it
    assert learning_curve(np.ones(D), w, P, N, 0.0, 0.5).E_g != pytest.approx(
        learning_curve(np.ones(D), w, N, P, 0.0, 0.5).E_g, rel=1e-3)


# ---- limits ------------------------------------------------------------------------------------
def _first_order(diff_n, diff_10n):
    """For diff(N) = a/N + O(1/N²): 10·diff(10N)/diff(N) = 1 + O(1/N)."""
    return abs(10 * diff_10n / diff_n - 1)


@pytest.mark.parametrize("P", [100, 400])
def test_wide_layer_is_ridge_regression(problem, P):
    """N → ∞ with λN/D = μ fixed: λ = κ₂(1 − qd)(N/D − d) becomes κ₂(1 − qd) = μ, ridge regression at μ,
    and 1 − ∂ = O(D/N). The difference is a·D/N + O((D/N)²); at N/D = 10⁴ and 10⁵ the ratio test
    allows 1e-2 = 100·D/N for the next order (a wrong limit would leave an O(1) ratio deviation)."""
    eta, w = problem
    D, mu, s2 = eta.size, 1e-2, 0.25
    rr = ridge_curve(eta, w, P, mu, s2)
    diffs = {}
    for N in (1e4 * D, 1e5 * D):
        rf = learning_curve(eta, w, P, N, mu * N / D, s2)
        diffs[N] = {"kappa2": rf.kappa2 / rr.kappa - 1, "E_g": rf.E_g / rr.E_g - 1,
                    "E_tr": rf.E_tr / rr.E_tr - 1, "gamma2": rf.gamma2 / rr.gamma - 1,
                    "E_g_infinite_ensemble": rf.E_g_infinite_ensemble / rr.E_g - 1}
    for key in diffs[1e4 * D]:
        small, smaller = diffs[1e4 * D][key], diffs[1e5 * D][key]
        assert abs(small) < 1e-2, key                      # O(D/N) = 1e-4 with an O(1..100) constant
        assert _first_order(small, smaller) < 1e-2, (key, small, smaller)


@pytest.mark.parametrize("N", [150, [300, 150]])
def test_infinite_data_is_the_projection_error(problem, N):
    """P → ∞: q → 0, so γ₁, γ₂ → 0, κ₁ → λ and E_g → E_F B₁ at κ₁ = λ (projection_level), even with noise
    (γ₁σ²/(1 − γ₁) = O(q)). Differences are O(D/P): ratio test at P/D = 10⁶, 10⁷ as above."""
    eta, w = problem
    D, lam = eta.size, 1e-3
    widths = N if isinstance(N, list) else [N]
    level = projection_level(eta, w, widths, lam)
    diffs = []
    for P in (1e6 * D, 1e7 * D):
        r = learning_curve(eta, w, P, N, lam, 0.25)
        diffs.append([r.E_g / level["B1mean"] - 1, r.kappa2 / level["kappa2"] - 1,
                      r.partial / level["partial"] - 1, r.kappa1 / lam - 1])
    for small, smaller in zip(*diffs):
        assert abs(small) < 1e-3 and _first_order(small, smaller) < 1e-2, (small, smaller)


@pytest.mark.parametrize("P", [100, 400])
def test_deep_with_a_wide_layer_is_one_layer_with_a_rescaled_ridge(problem, P):
    """λ = κ₂(1 − qd)(N₁/D − d)(N₂/D − d): one layer N₁ with ridge λ/(N₂/D − d) has the same equation, hence
    exactly the same κ₂ (checked at 50 digits); ∂ differs by the second layer's term Σκη/(η+κ)²/g₂ = O(D/N₂).
    With N₂ ≫ D, N₂/D − d ≈ N₂/D: [N₁, N₂] at λ ≈ N₁ alone at λD/N₂, to O(D/N₂) (ratio test as above)."""
    eta, w = problem
    D, N1, lam = eta.size, 150, "1e-3"
    for N2 in (3 * D, 50 * D):
        deep = learning_curve(eta, w, P, [N1, N2], lam, "0.25", dps=50)
        with workdps(50):
            single = learning_curve(eta, w, P, N1, mpmath.mpf(lam) / (mpmath.mpf(N2) / D - deep.df1), "0.25", dps=50)
            assert _close(deep.kappa2, single.kappa2, _mp_tol(50)) and _close(deep.df1, single.df1, _mp_tol(50))
            assert deep.partial < single.partial      # one more layer, one more positive term in 1/∂
    diffs = []
    for N2 in (1e4 * D, 1e5 * D):
        deep = learning_curve(eta, w, P, [N1, N2], 1e-3 * N2 / D, 0.25)
        single = learning_curve(eta, w, P, N1, 1e-3, 0.25)
        diffs.append([deep.E_g / single.E_g - 1, deep.kappa2 / single.kappa2 - 1, deep.partial / single.partial - 1])
    for small, smaller in zip(*diffs):
        assert abs(small) < 1e-2 and _first_order(small, smaller) < 1e-2, (small, smaller)


@pytest.mark.parametrize("widths", [[300, 150], [120, 500, 250]])
def test_layer_order_does_not_matter(problem, widths):
    """The two-level equation, ∂ and every formula are symmetric in the widths: only the order of a
    product or sum of L terms changes, i.e. rounding (10^-(dps−5) at 50 digits, 1e-11 in float64)."""
    eta, w = problem
    for perm in (widths[::-1], widths[1:] + widths[:1]):
        for P, lam in ((100, "1e-3"), (400, "0")):
            a, b = (learning_curve(eta, w, P, n, lam, "0.25", dps=50) for n in (widths, perm))
            with workdps(50):
                for key in FIELDS:
                    assert _close(getattr(a, key), getattr(b, key), _mp_tol(50)), (key, perm)
            a, b = (learning_curve(eta, w, P, n, float(lam), 0.25) for n in (widths, perm))
            for key in FIELDS:
                assert _close(getattr(a, key), getattr(b, key), FLOAT_TOL), (key, perm)


@pytest.mark.parametrize("P,N,lam", [(100, 150, "1e-3"), (400, 100, "1e-3"), (100, [300, 150], "1e-2"),
                                     (400, 100, "0"), (150, 100, "0")])
def test_infinite_ensemble_is_ridge_regression_at_kappa2(problem, P, N, lam):
    """Averaging over F: ridge regression at ridge μ with κ(1 − q df¹(κ)) = μ has κ = κ₂ when
    μ = κ₂(1 − q d), d = df¹(κ₂) (ensemble-ridge). Then E_g^∞, Bias², Var_X, Var_Xε and γ₂ are ridge
    regression's E_g, Bias², Var_X, Var_Xε, γ. 1 − qd ≥ 1/4 here: no digits lost forming μ."""
    eta, w = problem
    dps = 50
    r = learning_curve(eta, w, P, N, lam, "0.25", dps=dps)
    with workdps(dps):
        q = mpmath.mpf(eta.size) / P
        assert 1 - q * r.df1 > mpmath.mpf(1) / 4
        rr = ridge_curve(eta, w, P, r.kappa2 * (1 - q * r.df1), "0.25", dps=dps)
        for mine, theirs in (("kappa2", "kappa"), ("gamma2", "gamma"), ("E_g_infinite_ensemble", "E_g"),
                             ("bias2", "bias2"), ("var_X", "var_X"), ("var_X_noise", "var_X_noise"), ("df1", "df1")):
            assert _close(getattr(r, mine), getattr(rr, theirs), _mp_tol(dps)), mine
        # the infinite ensemble is never worse than one projection
        assert r.E_g_infinite_ensemble <= r.E_g


# ---- decomposition and ensembles -------------------------------------------------------------------
DECOMPOSITION_CASES = [(100, 150, 1e-3), (400, 100, 1e-3), (100, [300, 150], 1e-2), (400, 100, 0.0),
                       (1000, 250, 1e-300), (250, 1000, 1e-12), (1000, 1000, 1e-12), (100, 2e7, 1e-3 * 1e5)]


@pytest.mark.parametrize("P,N,lam", DECOMPOSITION_CASES)
def test_decomposition_sums_to_the_error(P, N, lam):
    """Bias² + Var_X + Var_F + Var_XF + Var_Xε + Var_XFε = E_g, and Bias² + Var_X + Var_Xε = E_g^∞; every
    component ≥ 0. Var_XF and Var_XFε are evaluated in their own forms (not as E_g minus the rest), so the
    sum is a check: all terms are positive, float64 rounding gives 1e-11 relative to E_g. η_k = k^-3 up to
    D = 500: the last cases are tiny ridges and a layer 4·10⁴ times wider than D (∂ → 1)."""
    eta, w = power_law_problem(500, 3.0, 0.4)
    r = learning_curve(eta, w, P, N, lam, 0.25)
    parts = [getattr(r, k) for k in COMPONENTS]
    assert all(p >= 0 for p in parts), dict(zip(COMPONENTS, parts))
    assert _close(math.fsum(parts), r.E_g, FLOAT_TOL)
    assert _close(r.bias2 + r.var_X + r.var_X_noise, r.E_g_infinite_ensemble, FLOAT_TOL)
    noiseless = learning_curve(eta, w, P, N, lam, 0.0)   # σ enters neither κ₂ nor the form of Var_XF
    assert r.var_XF == noiseless.var_XF and noiseless.var_XF_noise == noiseless.var_X_noise == 0


def test_decomposition_at_50_digits(problem):
    r = learning_curve(problem[0], problem[1], 100, [300, 150], "1e-3", "0.25", dps=50)
    with workdps(50):
        assert _close(mpmath.fsum(getattr(r, k) for k in COMPONENTS), r.E_g, _mp_tol(50))
        assert _close(r.bias2 + r.var_X + r.var_X_noise, r.E_g_infinite_ensemble, _mp_tol(50))


@pytest.mark.parametrize("dps", [None, 30])
def test_ensemble_error(problem, dps):
    r = learning_curve(problem[0], problem[1], 100, 150, "1e-3" if dps else 1e-3, "0.25" if dps else 0.25, dps=dps)
    tol = _mp_tol(30) if dps else 4 * np.finfo(float).eps       # E^∞ + (E_g − E^∞)/1: two roundings
    with workdps(dps or 15):
        assert _close(r.ensemble_error(1), r.E_g, tol)
        errors = [r.ensemble_error(K) for K in (1, 2, 10, 10 ** 6)]
        assert all(a > b for a, b in zip(errors, errors[1:])) and errors[-1] > r.E_g_infinite_ensemble
        assert _close(errors[-1] - r.E_g_infinite_ensemble, (r.E_g - r.E_g_infinite_ensemble) / 10 ** 6, 1e-6)
        assert _close(errors[2], r.E_g_infinite_ensemble + (r.E_g - r.E_g_infinite_ensemble) / 10, tol)


def test_ensemble_error_where_errors_are_infinite():
    """Ridgeless P = D ≤ N with noise: E_g = E_g^∞ = ∞, so every ensemble is ∞ (not ∞ − ∞ = NaN);
    P = N < D: E_g = ∞ but E_g^∞ finite, so the error is ∞ for every finite K."""
    for dps in (None, 30):
        both = learning_curve(np.ones(40), np.full(40, 0.1), 40, 80, 0, 0.25, dps=dps)
        one = learning_curve(np.ones(40), np.full(40, 0.1), 20, 20, 0, 0.25, dps=dps)
        assert both.E_g == both.E_g_infinite_ensemble == math.inf and one.E_g == math.inf
        assert math.isfinite(one.E_g_infinite_ensemble)
        for K in (1, 3, 10 ** 9):
            assert both.ensemble_error(K) == math.inf and one.ensemble_error(K) == math.inf


@pytest.mark.parametrize("K", [0, -1, 2.0, True, "3", None])
def test_bad_ensemble_size(problem, K):
    r = learning_curve(problem[0], problem[1], 100, 150, 1e-3)
    with pytest.raises(ValueError, match=r"^K\b"):
        r.ensemble_error(K)


# ---- precision -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference80(problem):
    eta, w = problem
    return {N: learning_curve(eta, w, 100, N, "1e-3", "0.25", dps=80) for N in (150, (300, 150))}


@pytest.mark.parametrize("dps", [15, 30, 50])
@pytest.mark.parametrize("N", [150, (300, 150)])
def test_every_field_against_80_digits(problem, reference80, dps, N):
    """Inputs are float64 values (exact in binary) and decimal strings: only rounding at ``dps`` digits
    differs from the 80-digit run, so every field agrees to 10^-(dps−5)."""
    eta, w = problem
    r = learning_curve(eta, w, 100, list(N) if isinstance(N, tuple) else N, "1e-3", "0.25", dps=dps)
    with workdps(80):
        for key in FIELDS:
            got, ref = getattr(r, key), getattr(reference80[N], key)
            assert isinstance(got, mpmath.mpf), key
            assert _close(got, ref, _mp_tol(dps)), (key, dps, got, ref)


EXTREME = [  # η_k = k^-3, D = 500 (eigenvalues over 8 decades): at and near P = N, P = D, N = D
    (200, 200, 0.0), (500, 499, 0.0), (501, 500, 0.0), (500, 500, 0.0),
    (499, 500, 1e-12), (500, 500, 1e-12), (1000, 1000, 1e-12), (1000, 1000, 1e-20),
    (200, 200, 1e-300), (250, 1000, 1e-300), (1000, 250, 1e-300), (500, 501, 1e-300), (1000, 1000, 1e-300),
]


@pytest.fixture(scope="module")
def k3_problem():
    return power_law_problem(500, 3.0, 0.4)


@pytest.mark.parametrize("P,N,lam", EXTREME)
def test_float64_against_40_digits_at_thresholds(k3_problem, P, N, lam):
    """float64 to 1e-11 of the 40-digit run (which resolves every quantity here). Values the float64
    range cannot hold (E_tr ~ (λ/κ₁)² ~ 1e-588 at λ = 1e-300) must come out within 1e-290 of 0."""
    eta, w = k3_problem
    for s2 in (0.0, 0.25):
        r = learning_curve(eta, w, P, N, lam, s2)
        ref = learning_curve(eta, w, P, N, lam, s2, dps=40)
        for key in FIELDS:
            got, want = getattr(r, key), float(getattr(ref, key))
            assert isinstance(got, float) and not math.isnan(got), key
            assert _close(got, want, FLOAT_TOL, absolute=UNDERFLOW), (key, s2, got, getattr(ref, key))


@pytest.mark.parametrize("P,N", [(15, 15), (10, 20), (20, 10), (15, [40, 15]), (15, [15, 15])])
def test_tiny_ridge_against_deficits_resolved_at_250_digits(P, N):
    """λ = 1e-60 with min(P, N_l) < D: κ₂ sits just above the point where the narrowest deficit
    g = M − Σ η/(η+κ₂) vanishes, and g ~ 1e-56..1e-18 is below or near the 40-digit resolution of M − Σ
    (at most 25 digits of g would be left, fewer than the 35 compared). At 250 digits
    it is resolved: there we check κ₁ = κ₂∏ g_l/D and E_tr = (g_P/P)²(E_g + σ²) against deficits computed
    here from their definition (κ₂ exact to 10^-245 makes g exact to 10^-245·M/g relative); then every
    field at 40 digits must agree with the 250-digit run to 10^-35."""
    D = 30
    eta = [mpmath.mpf(k) ** -3 for k in range(1, D + 1)]
    w = [mpmath.mpf(k) ** -1 for k in range(1, D + 1)]
    widths = N if isinstance(N, list) else [N]
    with workdps(250):
        ref = learning_curve(eta, w, P, N, "1e-60", "0.25", dps=250)
        S = mpmath.fsum(e / (e + ref.kappa2) for e in eta)
        g_P, gaps = P - S, [n - S for n in widths]
        worst = max(M / g for M, g in zip([P, *widths], [g_P, *gaps]))
        assert worst > 10 ** 15                          # 40-digit M − Σ would leave g fewer than 25 digits
        tol = mpmath.mpf(10) ** -245 * worst
        assert _close(ref.kappa1, ref.kappa2 * mpmath.fprod(g / D for g in gaps), 3 * tol)
        assert _close(ref.E_tr, (g_P / P) ** 2 * (ref.E_g + mpmath.mpf("0.25")), 3 * tol)
        r = learning_curve(eta, w, P, N, "1e-60", "0.25", dps=40)
        for key in FIELDS:
            assert _close(getattr(r, key), getattr(ref, key), _mp_tol(40)), (key, getattr(r, key), getattr(ref, key))


# ---- thresholds --------------------------------------------------------------------------------------
SIZES = [20, 39, 40, 41, 80]  # D = 40
WIDTHS = SIZES + [[40, 40], [39, 80], [80, 20], [20, 20], [20, 80]]


@pytest.mark.parametrize("spectrum", ["isotropic", "power-law"])
def test_ridgeless_divergence_rule(spectrum):
    """Ridgeless, E_g = +∞ exactly where 1 − γ₁ = 0 with a positive numerator: P = min N_l < D (the
    unrepresented teacher acts as noise, so even without label noise) and P = D ≤ min N_l with noise
    (γ₁ = q = 1); finite and ≥ 0 everywhere else, never NaN."""
    D = 40
    eta, w = (np.ones(D), np.full(D, 0.1)) if spectrum == "isotropic" else power_law_problem(D, 1.5, 1.2)
    for P in SIZES:
        for N in WIDTHS:
            m = min(N) if isinstance(N, list) else N
            for s2 in (0.0, 0.5):
                r = learning_curve(eta, w, P, N, 0.0, s2)
                diverges = (P == m < D) or (P == D <= m and s2 > 0)
                assert (r.E_g == math.inf) == diverges, (P, N, s2, r.E_g)
                for key in FIELDS:
                    v = getattr(r, key)
                    assert not math.isnan(v) and v >= 0, (P, N, s2, key, v)
                if diverges:
                    assert r.ensemble_error(2) == math.inf and r.E_tr == 0.0   # interpolation: g_P = 0


@pytest.mark.parametrize("lam", [1e-300, 1e-30])
def test_tiny_ridges_near_thresholds_are_finite_and_continuous(lam):
    """λ > 0 never gives NaN, ∞ or a negative number. At λ = 1e-300, where min(P, N_l) < D is attained
    once, κ₂ sits at its ridgeless floor plus a relative O(λ/κ₂) far below float64 resolution (κ₂ ≳ 1e-3
    here): every field equals the ridgeless one to 1e-11; the ones that vanish ridgeless (κ₁ or ∂ when
    width-limited, E_tr when sample-limited) are O(λ·PD/(κ₂ g)) < 1e-290 with the other deficits g ≥ 1."""
    D = 40
    eta, w = power_law_problem(D, 1.5, 1.2)
    for P in SIZES:
        for N in WIDTHS:
            Ms = [P, *(N if isinstance(N, list) else [N])]
            r = learning_curve(eta, w, P, N, lam, 0.5)
            for key in FIELDS:
                v = getattr(r, key)
                assert math.isfinite(v) and v >= 0, (P, N, key, v)
            if lam == 1e-300 and min(Ms) < D and Ms.count(min(Ms)) == 1:
                zero = learning_curve(eta, w, P, N, 0.0, 0.5)
                for key in FIELDS:
                    assert _close(getattr(r, key), getattr(zero, key), FLOAT_TOL, absolute=UNDERFLOW), (P, N, key)


# ---- bad input ------------------------------------------------------------------------------------
GOOD = dict(eigenvalues=np.ones(10), teacher_coefficients=np.ones(10), P=20, N=15, ridge=0.1)
BAD = [
    (dict(N=0), "N"), (dict(N=-3), "N"), (dict(N=float("nan")), "N"), (dict(N=float("inf")), "N"),
    (dict(N=[]), "N"), (dict(N=()), "N"), (dict(N=np.array([])), "N"), (dict(N=[10, -1]), "N"),
    (dict(N=[10, float("nan")]), "N"), (dict(N=True), "N"), (dict(N=1 + 2j), "N"), (dict(N="abc"), "N"),
    (dict(N=None), "N"), (dict(N=[[10]]), "N"),
    (dict(P=0), "P"), (dict(P=-5), "P"), (dict(P=float("nan")), "P"), (dict(P=float("inf")), "P"),
    (dict(P=[10, -1]), "P"),
    (dict(ridge=-1e-3), "ridge"), (dict(ridge=float("nan")), "ridge"), (dict(ridge=True), "ridge"),
    (dict(ridge=[0.1, -0.1]), "ridge"),
    (dict(noise_variance=-0.1), "noise_variance"), (dict(noise_variance=1j), "noise_variance"),
    (dict(teacher_coefficients=np.ones(9)), "teacher_coefficients"),
    (dict(eigenvalues=[1 + 1j] * 10), "eigenvalues"), (dict(eigenvalues=np.ones(10, dtype=complex)), "eigenvalues"),
    (dict(teacher_coefficients=[1j] * 10), "teacher_coefficients"),
    (dict(eigenvalues=[1.0] * 9 + [0.0]), "eigenvalues"),
    (dict(dps=5), "dps"), (dict(dps=10 ** 6), "dps"), (dict(dps=20.5), "dps"), (dict(dps=True), "dps"),
    (dict(P=[10, 20], ridge=[0.1, 0.2, 0.3]), "P and ridge"), (dict(P=[]), "P and ridge"),
]


@pytest.mark.parametrize("dps", [None, 30])
@pytest.mark.parametrize("kw,name", BAD, ids=[f"{n}:{i}" for i, (_, n) in enumerate(BAD)])
def test_bad_input_raises_value_error_naming_argument(kw, name, dps):
    args = {**GOOD, "dps": dps, **kw}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        learning_curve(**args)


@pytest.mark.parametrize("N", [np.array(15), np.int64(15), "15", mpmath.mpf(15), (15,), np.array([15])])
def test_width_containers(N):
    r = learning_curve(np.ones(10), np.ones(10), 20, N, 0.1)
    assert r.N == (15.0,) and r.E_g == learning_curve(np.ones(10), np.ones(10), 20, 15, 0.1).E_g


def test_array_arguments_return_lists(problem):
    eta, w = problem
    out = learning_curve(eta, w, [50, 100, 400], [300, 150], 1e-2, 0.25)
    assert isinstance(out, list) and len(out) == 3
    for P, r in zip((50, 100, 400), out):
        assert r.E_g == learning_curve(eta, w, P, [300, 150], 1e-2, 0.25).E_g and r.P == P


# ---- issue 13: no OverflowError, no leaked solver message ---------------------------------------------
@pytest.mark.parametrize("name", ["noise_variance", "N", "P"])
def test_integer_beyond_float64_is_a_value_error_naming_it(name):
    # noise_variance=10**400 raised OverflowError ("int too large to convert to float")
    args = dict(eigenvalues=[1.0, 0.5, 0.25], teacher_coefficients=[1.0] * 3, P=2, N=2, ridge=0.1,
                noise_variance=0.0)
    args[name] = 10 ** 400
    with pytest.raises(ValueError, match=f"^{name} must lie within the float64 range.*pass dps"):
        learning_curve(**args)
    r = learning_curve(**args, dps=20)
    assert mpmath.isfinite(r.E_g) and r.E_g > 0


@pytest.mark.parametrize("P,N,ridge", [(1e-10, 1e-100, 0.0), (1e-10, 1e-100, 1e-8), (1e-300, 1e-300, 0.1),
                                       (0.5, 1e-100, 1e100), (2, 1e-300, 0.1)])
def test_tiny_width_or_sample_size(P, N, ridge):
    # the ridgeless floor of κ₂ (resolution of min(P, N) ≪ ε) leaked "f must change sign over the bracket"
    eta, w = list(np.arange(1, 21.0) ** -1.5), [1.0] * 20
    r = learning_curve(eta, w, P, N, ridge)
    exact = learning_curve(eta, w, P, N, ridge, dps=40)
    for field in ("kappa2", "kappa1", "E_g"):
        value, ref = getattr(r, field), float(getattr(exact, field))
        assert math.isfinite(value) and abs(value - ref) <= 1e-12 * abs(ref), (field, value, ref)


@pytest.mark.parametrize("P,N", [(1e-300, 1.0), (1.0, 1e-300), (1e-300, 1e300)])
def test_power_law_route_at_tiny_P_or_N(P, N):
    # κ₂ ≈ ζ(α)/min(P, N) ~ 1e300: the tail plan of the spectral sums raised "math domain error"
    from derivations.random_features import power_law_learning_curve
    from derivations.ridge import PowerLawSpectrum
    r = power_law_learning_curve(PowerLawSpectrum(1.5, 0.4), P, N, 0, dps=20)
    with mpmath.workdps(20):
        assert abs(r.kappa2 * min(P, N) / mpmath.zeta(1.5) - 1) < mpmath.mpf(10) ** -15
        assert abs(r.E_g / mpmath.zeta(2.2) - 1) < mpmath.mpf(10) ** -10     # nothing learned: E_g → Σ w̄²η
