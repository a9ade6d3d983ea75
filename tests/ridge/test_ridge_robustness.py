"""Regression tests from the adversarial review: extreme scales, D = P, exact inputs.

References are closed forms for Σ = I (κ² + κ(1 − q − λ) − λ = 0, γ = q/(1+κ)²,
E_g = (κ²|w̄|²/(1+κ)² + γσ²)/(1 − γ)) evaluated at 60+ digits.
"""
import warnings

import mpmath
import numpy as np
import pytest

from derivations.ridge import learning_curve


def _isotropic(D, P, lam, noise, norm2, dps=300):
    with mpmath.workdps(dps):
        q, lam = mpmath.mpf(D) / P, mpmath.mpf(lam)
        b = lam + q - 1
        kappa = (b + mpmath.sqrt(b * b + 4 * lam)) / 2
        gamma = q / (1 + kappa) ** 2
        e_g = (kappa ** 2 * norm2 / (1 + kappa) ** 2 + gamma * noise) / (1 - gamma)
        return kappa, e_g


@pytest.mark.parametrize("lam", ["1e-16", "1e-24", "1e-40", "1e-200"])
def test_float64_keeps_relative_accuracy_at_the_interpolation_peak(lam):
    """D = P, tiny ridge: 1 − γ and κ(1 − q df¹) cancel unless evaluated in complement form."""
    kappa, e_g = _isotropic(100, 100, lam, 1, mpmath.mpf(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = learning_curve(np.ones(100), np.full(100, 0.1), 100, float(lam), 1.0)
    assert abs(r.kappa / float(kappa) - 1) < 1e-13
    assert abs(r.E_g / float(e_g) - 1) < 1e-12


@pytest.mark.parametrize("dps", [30, 50, 100])
@pytest.mark.parametrize("lam", ["1e-12", "1e-24", "1e-40"])
def test_mpmath_reaches_its_precision_at_the_peak(dps, lam):
    kappa, e_g = _isotropic(10, 10, lam, 1, 10)
    r = learning_curve(["1"] * 10, ["1"] * 10, 10, lam, "1", dps=dps)
    with mpmath.workdps(dps + 40):
        assert abs(r.kappa / kappa - 1) < mpmath.mpf(10) ** (5 - dps)
        assert abs(r.E_g / e_g - 1) < mpmath.mpf(10) ** (5 - dps)


def test_ridgeless_square_system():
    """D = P, λ = 0: the interpolator recovers w̄ exactly without noise, and has E_g = ∞ with it."""
    w = np.full(50, 0.1)
    clean, noisy = learning_curve(np.ones(50), w, 50, 0), learning_curve(np.ones(50), w, 50, 0, 1.0)
    assert (clean.E_g, clean.var_X, clean.E_tr) == (0.0, 0.0, 0.0)
    assert noisy.E_g == np.inf and noisy.var_X_noise == np.inf and noisy.E_tr == 0.0


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150, 1e300])
def test_rescaling_the_covariance_rescales_kappa_only(scale):
    """Σ → cΣ, λ → cλ: κ → cκ, γ and E_g unchanged (float64 over/underflow must not show)."""
    eta = np.arange(1, 41, dtype=float) ** -1.5
    w = np.full(40, 0.2)
    ref = learning_curve(eta, w, 25, 1e-3, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = learning_curve(eta * scale, w / np.sqrt(scale), 25, 1e-3 * scale, 0.1)
    assert abs(r.kappa / (ref.kappa * scale) - 1) < 1e-12
    assert abs(r.gamma / ref.gamma - 1) < 1e-12 and abs(r.E_g / ref.E_g - 1) < 1e-12


def test_huge_ridge_tends_to_the_null_predictor():
    r = learning_curve([1.0] * 10, [0.3] * 10, 20, 1e300)
    assert abs(r.E_g - 0.9) < 1e-12  # ŵ → 0: E_g → Σ η w̄² = 10·0.09


def test_exact_inputs_are_read_exactly_whatever_the_container():
    with mpmath.workdps(60):
        eig = [mpmath.mpf(1) / 3 * (i + 1) for i in range(10)]
        a = learning_curve(np.array(eig, dtype=object), [1] * 10, 5, "0.1", dps=50)
        b = learning_curve(eig, [1] * 10, 5, "0.1", dps=50)
        c = learning_curve(tuple(eig), np.ones(10, dtype=int), np.int64(5), np.array("0.1"), dps=50)
    assert a.E_g == b.E_g == c.E_g


def test_exact_inputs_beyond_the_float_range():
    r = learning_curve(["1e-400"] * 3, [1] * 3, 5, "1e-500", dps=30)
    with mpmath.workdps(30):
        assert abs(r.kappa / mpmath.mpf("2.5e-500") - 1) < mpmath.mpf(10) ** -25  # κ = λ/(1 − q), κ ≪ η


@pytest.mark.parametrize("kwargs,match", [
    (dict(eigenvalues=[1 + 1j, 2]), "eigenvalues"),
    (dict(P=[]), "P and ridge"),
    (dict(ridge=True), "ridge"),
])
def test_more_bad_input(kwargs, match):
    args = dict(eigenvalues=[1.0, 2.0], teacher_coefficients=[1.0, 1.0], P=5, ridge=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        learning_curve(**args)


# ---- issue 13: no OverflowError, no leaked solver message, no silent inf -----------------------------
@pytest.mark.parametrize("name", ["noise_variance", "P", "ridge"])
def test_integer_beyond_float64_is_a_value_error_naming_it(name):
    # noise_variance=10**400 raised OverflowError ("int too large to convert to float")
    args = dict(eigenvalues=[1.0, 0.5, 0.25], teacher_coefficients=[1.0] * 3, P=2, ridge=0.1, noise_variance=0.0)
    args[name] = 10 ** 400
    with pytest.raises(ValueError, match=f"^{name} must lie within the float64 range.*pass dps"):
        learning_curve(**args)


def test_integer_beyond_float64_is_exact_with_dps():
    r = learning_curve([1.0, 0.5, 0.25], [1.0] * 3, 2, 0.1, noise_variance=10 ** 400, dps=30)
    s = learning_curve([1.0, 0.5, 0.25], [1.0] * 3, 2, 0.1, noise_variance=1, dps=30)
    with mpmath.workdps(30):                  # the noise part scales with σ²: E_g ≈ 10**400 Var_Xε(σ² = 1)
        assert abs(r.E_g / (mpmath.mpf(10) ** 400 * s.var_X_noise) - 1) < mpmath.mpf(10) ** -25


def test_result_beyond_float64_is_a_value_error_not_inf():
    # E_g ~ 5e312 (σ² = 1.7e308 amplified near D = P) was returned as inf
    with pytest.raises(ValueError, match="E_g = .* beyond the float64 range.*pass dps"):
        learning_curve([1.0, 0.5, 0.25], [1.0] * 3, 3.0001, 0.0, noise_variance=1.7e308)
    r = learning_curve([1.0, 0.5, 0.25], [1.0] * 3, 3.0001, 0.0, noise_variance=1.7e308, dps=20)
    assert r.E_g > mpmath.mpf(10) ** 312


@pytest.mark.parametrize("P", [1e-300, 1e-100, 1e-30, 1e-17])
def test_ridgeless_tiny_P_has_the_root_at_the_upper_bound(P):
    # D > P ridgeless: κ → Σ η/P as P → 0; the residual at that bound (~P) rounds to ≤ 0 for P ≲ ε and the
    # bracket leaked "f must change sign over the bracket"
    eta = np.arange(1, 21.0) ** -1.5
    r = learning_curve(eta, np.ones(20), P, 0.0)
    exact = learning_curve(eta, np.ones(20), P, 0.0, dps=40)
    assert abs(r.kappa / float(exact.kappa) - 1) < 1e-14
    assert abs(r.kappa * P / eta.sum() - 1) < 1e-14 and abs(r.E_g - float(exact.E_g)) <= 1e-14 * float(exact.E_g)


@pytest.mark.parametrize("P,ridge", [(1e-300, 0), (1e-300, 1), (1e-300, 1e-50), (1e-50, 1e-300)])
def test_power_law_route_at_tiny_P(P, ridge):
    # κ ≈ ζ(α)/P ~ 1e300: the tail plan of the spectral sums raised "math domain error"
    from derivations.ridge import PowerLawSpectrum, power_law_learning_curve
    r = power_law_learning_curve(PowerLawSpectrum(1.5, 0.4), P, ridge, dps=20)
    with mpmath.workdps(20):
        assert abs(r.kappa * P / mpmath.zeta(1.5) - 1) < mpmath.mpf(10) ** -15       # κ → Σ η/P
        assert abs(r.E_g / mpmath.zeta(2.2) - 1) < mpmath.mpf(10) ** -15            # E_g → Σ w̄²η = ζ(1 + 2αr)


@pytest.mark.parametrize("P", [1e-300, 1e-50])
def test_power_law_route_at_tiny_P_and_steep_spectrum(P):
    # α = 50: the guess (C₁/P)^α lay more decades above the root ζ(α)/P than the bracket search walks
    # (ConvergenceError "no κ with a negative residual found below the guess")
    from derivations.ridge import PowerLawSpectrum, power_law_learning_curve
    r = power_law_learning_curve(PowerLawSpectrum(50, 0.4), P, 0, dps=20)
    with mpmath.workdps(20):
        assert abs(r.kappa * P / mpmath.zeta(50) - 1) < mpmath.mpf(10) ** -15
        assert abs(r.E_g / mpmath.zeta(41) - 1) < mpmath.mpf(10) ** -15
