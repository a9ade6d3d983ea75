"""Tests of ``learning_curve`` (derivations.ridge.theory via derivations.ridge.steps).

Closed forms for Σ = I (all D eigenvalues 1), derived by hand:
  Σ_k η_k/(η_k+κ) = D/(1+κ), so the κ equation κ(1 − (D/P)/(1+κ)) = λ becomes, with q = D/P,
  κ(1 + κ − q) = λ(1 + κ)  ⇔  κ² + κ(1 − q − λ) − λ = 0, whose positive (for λ > 0) root is
  κ = [(q + λ − 1) + √((q + λ − 1)² + 4λ)]/2; at λ = 0 the roots are 0 and q − 1, and the
  branch is κ = max(0, q − 1).
  γ = Σ η²/(η+κ)²/P = q/(1+κ)²;  tf₁' = Σ w̄_k² η_k/(η_k+κ)² = |w̄|²/(1+κ)²;
  E_g = (κ²|w̄|²/(1+κ)² + γσ²)/(1−γ);  Bias² = κ²|w̄|²/(1+κ)²;  Var_Xε = σ²γ/(1−γ);
  Var_X = Bias² γ/(1−γ);  df¹ = 1/(1+κ);  E_tr = (1 − q/(1+κ))²(E_g + σ²).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.ridge import RidgeResult, learning_curve, power_law_problem, solve_kappa
from numerics.precision import workdps

FIELDS = ("kappa", "gamma", "E_g", "E_tr", "bias2", "var_X", "var_X_noise")


def isotropic_reference(q, lam, sigma2, w2, dps=40):
    """The closed forms above at ``dps`` digits (q, λ, σ², |w̄|² given as exact decimal strings/ints)."""
    with workdps(dps):
        q, lam, sigma2, w2 = (mpmath.mpf(v) for v in (q, lam, sigma2, w2))
        if lam == 0:
            kappa = max(mpmath.mpf(0), q - 1)
        else:
            b = q + lam - 1
            kappa = (b + mpmath.sqrt(b * b + 4 * lam)) / 2
        gamma = q / (1 + kappa) ** 2
        bias2 = kappa ** 2 * w2 / (1 + kappa) ** 2
        E_g = (bias2 + gamma * sigma2) / (1 - gamma)
        return {"kappa": kappa, "gamma": gamma, "E_g": E_g, "bias2": bias2,
                "var_X": bias2 * gamma / (1 - gamma), "var_X_noise": sigma2 * gamma / (1 - gamma),
                "df1": 1 / (1 + kappa), "E_tr": (1 - q / (1 + kappa)) ** 2 * (E_g + sigma2)}


def _close(a, b, rel, absolute=0.0):
    return abs(a - b) <= rel * abs(b) + absolute


# ---- isotropic closed forms ---------------------------------------------------------------
ISO_CASES = [  # (D, P, λ, σ²): q = D/P ∈ {1/4, 1/2, 2, 4, 1}
    (50, 200, "0.01", "0"), (100, 200, "0.1", "0.25"), (200, 100, "1", "0.5"), (400, 100, "0.001", "1"),
    (100, 100, "0.05", "0.25"), (200, 100, "0", "0.25"), (50, 200, "0", "0.25"),
]


@pytest.mark.parametrize("D,P,lam,sigma2", ISO_CASES)
def test_isotropic_closed_forms_float64(D, P, lam, sigma2):
    w = np.linspace(0.5, 1.5, D) / np.sqrt(D)  # any teacher: only |w̄|² enters for Σ = I
    w2 = float(np.sum(w ** 2))
    r = learning_curve(np.ones(D), w, P, float(lam), noise_variance=float(sigma2))
    assert isinstance(r, RidgeResult)
    ref = isotropic_reference(mpmath.mpf(D) / P, lam, sigma2, repr(w2))
    for key in FIELDS + ("df1",):
        got, want = float(getattr(r, key)), float(ref[key])
        # κ = 0 and Bias² = 0 exactly in the ridgeless q < 1 case: compare on an absolute scale there
        assert _close(got, want, 1e-12, absolute=1e-300 if want else 1e-15), (key, got, want)


@pytest.mark.parametrize("D,P,lam,sigma2", ISO_CASES[:4])
def test_isotropic_closed_forms_mpmath(D, P, lam, sigma2):
    dps = 40
    with workdps(dps):  # w̄_k = 1/10 at 40 digits: |w̄|² = D/100 to 40 digits
        r = learning_curve(np.ones(D), [mpmath.mpf(1) / 10] * D, P, lam, noise_variance=sigma2, dps=dps)
        ref = isotropic_reference(mpmath.mpf(D) / P, lam, sigma2, mpmath.mpf(D) / 100, dps=dps)
        tol = mpmath.mpf(10) ** -(dps - 5)
        for key in FIELDS:
            assert _close(getattr(r, key), ref[key], tol), (key, getattr(r, key), ref[key])


def test_docstring_isotropic_ridgeless_kappa():
    # q = 2, λ = 0, Σ = I: κ = q − 1 = 1 exactly (the module's doctest example)
    r = learning_curve([1.0] * 200, [0.1] * 200, P=100, ridge=0.0)
    assert abs(r.kappa - 1) < 1e-12 and abs(r.gamma - 0.5) < 1e-12


# ---- precision ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def power_law():
    return power_law_problem(200)


@pytest.fixture(scope="module")
def reference80(power_law):
    eta, w = power_law
    return learning_curve(eta, w, 100, "1e-3", noise_variance="0.25", dps=80)


@pytest.mark.parametrize("dps", [15, 30, 50])
def test_mpmath_precision_against_dps80(power_law, reference80, dps):
    """Inputs are float64 values (exact in binary) and decimal strings: the only differences from the
    80-digit run are rounding at ``dps`` digits, so every quantity agrees to 10^-(dps−5) relative."""
    eta, w = power_law
    r = learning_curve(eta, w, 100, "1e-3", noise_variance="0.25", dps=dps)
    with workdps(80):
        tol = mpmath.mpf(10) ** -(dps - 5)
        for key in FIELDS:
            got, ref = getattr(r, key), getattr(reference80, key)
            assert isinstance(got, mpmath.mpf), (key, type(got))
            assert _close(got, ref, tol), (key, dps, got, ref)


def test_ridge_as_string_and_mpf_agree(power_law):
    eta, w = power_law
    with workdps(30):
        a = learning_curve(eta, w, 100, "1e-3", noise_variance="0.25", dps=30)
        b = learning_curve(eta, w, 100, mpmath.mpf("1e-3"), noise_variance=mpmath.mpf("0.25"), dps=30)
        for key in FIELDS:
            assert getattr(a, key) == getattr(b, key), key


def test_float64_agrees_with_mpmath(power_law, reference80):
    eta, w = power_law
    r = learning_curve(eta, w, 100, 1e-3, noise_variance=0.25)
    for key in FIELDS:
        got, ref = getattr(r, key), float(getattr(reference80, key))
        assert isinstance(got, float), (key, type(got))
        assert _close(got, ref, 1e-12), (key, got, ref)


# ---- identities ---------------------------------------------------------------------------
@pytest.mark.parametrize("P,lam", [(400, 1e-2), (100, 1e-3), (100, 1.0), (40, 0.1), (400, 0.0), (100, 0.0)])
def test_decomposition_and_train_test_identities(power_law, P, lam):
    eta, w = power_law
    s2 = 0.25
    r = learning_curve(eta, w, P, lam, noise_variance=s2)
    assert _close(r.bias2 + r.var_X + r.var_X_noise, r.E_g, 1e-13)
    q = eta.size / P
    if lam == 0 and q > 1:  # ridgeless interpolation: 1 − q df¹(κ) = 0 exactly, so E_tr = 0 exactly
        assert r.E_tr == 0.0 and abs(1 - r.df1 * q) < 1e-14
    else:
        assert _close(r.E_tr, (1 - r.df1 * q) ** 2 * (r.E_g + s2), 1e-12)
    # df1 from its definition (1/D) Σ η/(η+κ), recomputed here
    assert _close(r.df1, float(np.mean(eta / (eta + r.kappa))), 1e-13)
    assert _close(r.gamma, float(np.sum(eta ** 2 / (eta + r.kappa) ** 2) / P), 1e-13)
    if lam > 0:  # E_tr = (λ/κ)²(E_g + σ²), the form before the train-test-gap step
        assert _close(r.E_tr, (lam / r.kappa) ** 2 * (r.E_g + s2), 1e-10)


def test_identities_at_50_digits(power_law):
    eta, w = power_law
    with workdps(50):
        r = learning_curve(eta, w, 100, "1e-3", noise_variance="0.25", dps=50)
        tol = mpmath.mpf(10) ** -45
        assert _close(r.bias2 + r.var_X + r.var_X_noise, r.E_g, tol)
        assert _close(r.E_tr, (1 - r.df1 * 2) ** 2 * (r.E_g + mpmath.mpf("0.25")), tol)


@pytest.mark.parametrize("P", [400, 100])  # q = 0.5 and q = 2
def test_ridge_to_zero_continuity(power_law, P):
    """λ = 1e-14 vs the λ = 0 branch, float64.

    Moving λ from 0 shifts κ by δκ ≈ λ dκ/dλ = λ/(1 − γ); every quantity depends on κ through
    η/(η + κ) and κ/(η + κ), whose relative change is at most δκ/s with s = min(η_min, κ₀) (κ₀ the
    λ = 0 value, or η_min alone when κ₀ = 0). We allow 10·δκ/s (the rational functions combine a few
    such factors) plus 1e-12 for float64 root finding; quantities that vanish at λ = 0 get the same
    bound times the scale E_g. Both bounds are ~1e-9 here; a wrong branch is off by O(1).
    """
    eta, w = power_law
    lam = 1e-14
    zero = learning_curve(eta, w, P, 0.0, noise_variance=0.25)
    tiny = learning_curve(eta, w, P, lam, noise_variance=0.25)
    scale = min(eta.min(), zero.kappa) if zero.kappa > 0 else eta.min()
    rel = 10 * lam / (1 - zero.gamma) / scale + 1e-12
    assert rel < 1e-8
    for key in ("kappa", "E_g", "E_tr", "gamma", "bias2", "var_X", "var_X_noise"):
        a, b = getattr(zero, key), getattr(tiny, key)
        assert _close(a, b, rel, absolute=rel * zero.E_g), (key, a, b)
    if P > eta.size:  # q < 1: κ = 0 exactly, and κ(λ) ≈ λ/(1 − q) for tiny λ
        assert zero.kappa == 0 and _close(tiny.kappa, lam / (1 - eta.size / P), 1e-6)
    else:
        assert zero.kappa > 0


@pytest.mark.parametrize("dps", [None, 30])
def test_interpolation_peak_is_infinite(dps):
    eta, w = power_law_problem(50)
    r = learning_curve(eta, w, 50, 0, noise_variance=0.25, dps=dps)
    assert r.E_g == math.inf and r.var_X_noise == math.inf
    assert r.gamma == 1


def test_array_arguments_return_lists(power_law):
    eta, w = power_law
    Ps, ridges = [50, 100, 400], [1e-3, 1e-2, 1.0]
    by_P = learning_curve(eta, w, Ps, 1e-2, noise_variance=0.25)
    by_ridge = learning_curve(eta, w, 100, np.array(ridges), noise_variance=0.25)
    paired = learning_curve(eta, w, np.array(Ps), ridges)
    assert isinstance(by_P, list) and len(by_P) == 3 and all(isinstance(r, RidgeResult) for r in by_P)
    assert isinstance(by_ridge, list) and len(by_ridge) == 3 and isinstance(paired, list) and len(paired) == 3
    for P, r in zip(Ps, by_P):
        single = learning_curve(eta, w, P, 1e-2, noise_variance=0.25)
        assert (r.kappa, r.E_g, r.E_tr, r.P) == (single.kappa, single.E_g, single.E_tr, P)
    for lam, r in zip(ridges, by_ridge):
        assert r.E_g == learning_curve(eta, w, 100, lam, noise_variance=0.25).E_g and r.ridge == lam
    for P, lam, r in zip(Ps, ridges, paired):
        assert r.E_g == learning_curve(eta, w, P, lam).E_g
    # more data at fixed λ: the test error goes down in this (no-noise-peak) regime
    assert by_P[0].E_g > by_P[1].E_g > by_P[2].E_g


# ---- physical sanity ----------------------------------------------------------------------
@pytest.mark.parametrize("P", [20, 100, 199, 200, 201, 1000])
@pytest.mark.parametrize("lam", [1e-8, 1e-3, 1.0, 100.0])
def test_kappa_at_least_lambda_and_gamma_in_unit_interval(power_law, P, lam):
    eta, w = power_law
    r = learning_curve(eta, w, P, lam, noise_variance=0.1)
    assert r.kappa >= lam
    assert 0 <= r.gamma < 1
    assert r.E_g > 0 and r.E_tr >= 0 and r.bias2 >= 0 and r.var_X >= 0 and r.var_X_noise >= 0


def test_kappa_increases_with_ridge(power_law):
    eta, w = power_law
    ks = [learning_curve(eta, w, 100, lam).kappa for lam in (0.0, 1e-6, 1e-4, 1e-2, 1.0)]
    assert all(a < b for a, b in zip(ks, ks[1:])), ks


# ---- bad input ----------------------------------------------------------------------------
GOOD = dict(eigenvalues=np.ones(10), teacher_coefficients=np.ones(10), P=20, ridge=0.1)
BAD = [
    (dict(ridge=-1.0), "ridge"), (dict(ridge=float("nan")), "ridge"), (dict(ridge=float("inf")), "ridge"),
    (dict(ridge=[0.1, -0.1]), "ridge"), (dict(ridge="abc"), "ridge"),
    (dict(P=0), "P"), (dict(P=-5), "P"), (dict(P=float("nan")), "P"), (dict(P=[10, -1]), "P"),
    (dict(eigenvalues=[1.0] * 9 + [0.0]), "eigenvalues"), (dict(eigenvalues=[1.0] * 9 + [-1.0]), "eigenvalues"),
    (dict(eigenvalues=[1.0] * 9 + [float("nan")]), "eigenvalues"),
    (dict(eigenvalues=[1.0] * 9 + [float("inf")]), "eigenvalues"),
    (dict(eigenvalues=[], teacher_coefficients=[]), "eigenvalues"),
    (dict(eigenvalues=np.ones((2, 5))), "eigenvalues"),
    (dict(teacher_coefficients=np.ones(9)), "teacher_coefficients"),
    (dict(teacher_coefficients=[1.0] * 9 + [float("nan")]), "teacher_coefficients"),
    (dict(dps=5), "dps"), (dict(dps=10 ** 6), "dps"), (dict(dps=20.5), "dps"),
    (dict(noise_variance=-0.1), "noise_variance"), (dict(noise_variance=float("nan")), "noise_variance"),
    (dict(P=[10, 20], ridge=[0.1, 0.2, 0.3]), "P and ridge"),
]


@pytest.mark.parametrize("kw,name", BAD, ids=[f"{n}:{i}" for i, (_, n) in enumerate(BAD)])
def test_bad_input_raises_value_error_naming_argument(kw, name):
    args = {**GOOD, **kw}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        learning_curve(**args)


def test_bad_mpmath_eigenvalue_raises():
    with pytest.raises(ValueError, match="^eigenvalues"):
        learning_curve([mpmath.mpf(1)] * 9 + [mpmath.mpf(-1)], [1.0] * 10, 20, 0.1, dps=20)


def test_kappa_near_a_tiny_ridge_is_found_to_full_precision():
    """Found by the property below: with λ = 1e-6 and D > P the Newton steps on log(1 + R/λ) reach |R| ~ λ, where
    that transform's curvature (~ S/λ) made the quadratic stop accept κ 1e-9 off; the exact root at 40 digits."""
    eta = np.array([21.0, 27.0, 30.0, 32.0, 36.0, 62.0, 67.0, 21.5, 0.5])
    kappa = learning_curve(eta, np.ones(eta.size), 3, 1e-6).kappa
    assert kappa == pytest.approx(57.82587301672718196554524120281222377768, rel=4e-16)


# ---- property: κ solves its equation --------------------------------------------------------
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(eta=st.lists(st.floats(1e-4, 1e2, allow_nan=False, allow_infinity=False), min_size=5, max_size=40),
       P=st.integers(3, 60), lam=st.floats(1e-6, 10.0))
def test_kappa_solves_its_equation(eta, P, lam):
    eta = np.array(eta)
    r = learning_curve(eta, np.ones(eta.size), P, lam)
    kappa = r.kappa
    S = float(np.sum(eta / (eta + kappa)))
    residual = kappa * (1 - S / P) - lam
    # float64 rounding of the residual's terms is ~ eps·κ(1 + S/P); brentq stops at 4 eps relative in κ
    assert abs(residual) <= 1e-10 * kappa * (1 + S / P), (kappa, residual)
    assert kappa >= lam
    k2, root = solve_kappa(eta, float(P), lam)
    assert k2 == kappa and root is not None and root.converged
