"""The Gaussian expectations derived in derive/gaussian_expectations.py against the closed forms of
``shared/reference/papers.md`` §0.1(c) (Saad & Solla 1995), symbolically and at 30 digits, and against
direct numerical integration: 2-D / 3-D / 4-D Gauss–Hermite quadrature (to 1e-10, or to the measured
change between two rules, where the integrand is smooth) and seeded Monte Carlo z-tests.  The tilt
behind I4 is re-checked by inverting the precision; the ReLU forms are compared with independent
closed forms (orthant probability, arc-cosine kernel, conditioning) and 30-digit 1-D quadrature."""
import numerics  # noqa: F401  (single-threaded BLAS first)

import math

import numpy as np
import pytest
import sympy as sp
from scipy.special import erf

from derive import gaussian_expectations as ge
from derive.gaussian_expectations import C11, C12, C13, C14, C22, C23, C24, C33, C34, C44

PI = sp.pi

# the sheet's closed forms (§0.1(c)), typed in here only, for comparison
SHEET_I2 = 2 / PI * sp.asin(C12 / sp.sqrt((1 + C11) * (1 + C22)))
SHEET_J2 = 2 / PI / sp.sqrt((1 + C11) * (1 + C22) - C12**2)
SHEET_I3 = 2 / PI * (C23 * (1 + C11) - C12 * C13) / ((1 + C11) * sp.sqrt((1 + C11) * (1 + C33) - C13**2))

# covariance matrices (3×3, positive definite) used for the numeric checks
COVS = [
    np.array([[1.0, 0.3, 0.5], [0.3, 0.8, -0.2], [0.5, -0.2, 1.5]]),
    np.array([[0.4, -0.1, 0.2], [-0.1, 1.0, 0.6], [0.2, 0.6, 0.9]]),
    np.array([[2.0, 0.9, -0.8], [0.9, 1.2, 0.3], [-0.8, 0.3, 1.4]]),
]


def g(z):
    return erf(z / math.sqrt(2))


def gp(z):
    return math.sqrt(2 / math.pi) * np.exp(-z**2 / 2)


def gauss_hermite(f, C, n=80):
    """E[f(u)] for u ~ N(0, C) by tensor Gauss–Hermite quadrature (probabilists' weight)."""
    t, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / math.sqrt(2 * math.pi)
    L = np.linalg.cholesky(C)
    d = C.shape[0]
    grids = np.meshgrid(*([t] * d), indexing="ij")
    z = np.stack([gr.ravel() for gr in grids])
    weights = np.prod(np.meshgrid(*([w] * d), indexing="ij"), axis=0).ravel()
    u = L @ z
    return float(np.sum(weights * f(u)))


def subs_cov(expr, C):
    names = {C11: C[0, 0], C12: C[0, 1], C13: C[0, 2], C22: C[1, 1], C23: C[1, 2], C33: C[2, 2]}
    return float(expr.subs({k: sp.Float(v, 30) for k, v in names.items()}))


# ------------------------------------------------------------------ the route's ingredients

def test_gaussian_integral_identity():
    m11, m12, d, value = ge.gaussian_integral_2d()
    assert sp.simplify(value - 2 * PI / sp.sqrt(d)) == 0


def test_price_identities_of_the_density():
    assert ge.price_density_residuals() == (0, 0)


def test_non_odd_activation_is_refused():
    with pytest.raises(ValueError):
        ge._I2(sp.exp(-ge.x**2 / 2), C11, C22, C12)


# ------------------------------------------------------------------ symbolic agreement with the sheet

def test_J2_erf_equals_sheet():
    assert sp.simplify(ge.J2_erf() - SHEET_J2) == 0


def test_I2_erf_equals_sheet():
    assert sp.simplify(ge.I2_erf() - SHEET_I2) == 0
    assert ge.I2_erf().free_symbols == {C11, C12, C22}


def test_I3_erf_equals_sheet():
    assert sp.simplify(ge.I3_erf() - SHEET_I3) == 0
    assert C22 not in ge.I3_erf().free_symbols


def test_linear_activation():
    assert ge.J2_linear() == 1
    assert ge.I2_linear() == C12
    assert ge.I3_linear() == C23


def test_spot_checks_30_digits():
    rng = np.random.default_rng(1)
    for _ in range(5):
        A = rng.integers(-4, 5, size=(3, 3))
        C = sp.Matrix(A) * sp.Matrix(A).T / 10 + sp.eye(3) / 5  # rational, positive definite
        vals = {C11: C[0, 0], C12: C[0, 1], C13: C[0, 2], C22: C[1, 1], C23: C[1, 2], C33: C[2, 2]}
        for derived, sheet in ((ge.I2_erf(), SHEET_I2), (ge.I3_erf(), SHEET_I3), (ge.J2_erf(), SHEET_J2)):
            diff = sp.N(derived.subs(vals) - sheet.subs(vals), 30)
            assert abs(diff) < sp.Float("1e-28")


# ------------------------------------------------------------------ numerics: quadrature and Monte Carlo

@pytest.mark.parametrize("C", COVS)
def test_I2_and_J2_against_gauss_hermite(C):
    C2 = C[:2, :2]
    assert gauss_hermite(lambda u: g(u[0]) * g(u[1]), C2) == pytest.approx(subs_cov(ge.I2_erf(), C), abs=1e-10)
    assert gauss_hermite(lambda u: gp(u[0]) * gp(u[1]), C2) == pytest.approx(subs_cov(ge.J2_erf(), C), abs=1e-10)


@pytest.mark.parametrize("C", COVS)
def test_I3_against_gauss_hermite(C):
    value = gauss_hermite(lambda u: gp(u[0]) * u[1] * g(u[2]), C, n=60)
    assert value == pytest.approx(subs_cov(ge.I3_erf(), C), abs=1e-10)


def test_I3_against_monte_carlo():
    """200 000 seeded samples; |z| < 4 (two-sided false-alarm rate ≈ 6e-5)."""
    rng = np.random.default_rng(20250101)
    C = COVS[0]
    u = rng.multivariate_normal(np.zeros(3), C, size=200_000).T
    samples = gp(u[0]) * u[1] * g(u[2])
    z = (samples.mean() - subs_cov(ge.I3_erf(), C)) / (samples.std(ddof=1) / math.sqrt(samples.size))
    assert abs(z) < 4


def test_linear_against_quadrature():
    C = COVS[1]
    assert gauss_hermite(lambda u: u[0] * u[1], C[:2, :2]) == pytest.approx(float(C[0, 1]), abs=1e-12)
    assert gauss_hermite(lambda u: u[1] * u[2], C, n=20) == pytest.approx(float(C[1, 2]), abs=1e-12)


# ================================================================== I4 (step 6: tilting)

SYMS4 = [[C11, C12, C13, C14], [C12, C22, C23, C24], [C13, C23, C33, C34], [C14, C24, C34, C44]]

# the sheet's Λ0 … Λ4 (§0.1(c)), typed in here only
L4 = (1 + C11) * (1 + C22) - C12**2
L0 = L4 * C34 - C23 * C24 * (1 + C11) - C13 * C14 * (1 + C22) + C12 * C13 * C24 + C12 * C14 * C23
L1 = L4 * (1 + C33) - C23**2 * (1 + C11) - C13**2 * (1 + C22) + 2 * C12 * C13 * C23
L2 = L4 * (1 + C44) - C24**2 * (1 + C11) - C14**2 * (1 + C22) + 2 * C12 * C14 * C24
SHEET_I4 = 4 / PI**2 / sp.sqrt(L4) * sp.asin(L0 / sp.sqrt(L1 * L2))


def rational_cov4(rng):
    """A rational, positive definite 4×4 covariance A Aᵀ/10 + I/5 (A integer)."""
    A = sp.Matrix(rng.integers(-4, 5, size=(4, 4)))
    return A * A.T / 10 + sp.eye(4) / 5


def point4(C):
    return {SYMS4[i][j]: C[i, j] for i in range(4) for j in range(i, 4)}


def moderate_cov4(seed):
    """A Aᵀ/20 + I/2 with A integer in [−2, 2]: variances near 1, smallest eigenvalue ≥ 1/2, where
    30-point Gauss–Hermite is converged to ~1e-13 (measured: the 24→30 change is 5e-13 … 3e-11)."""
    A = np.random.default_rng(seed).integers(-2, 3, size=(4, 4))
    return A @ A.T / 20 + np.eye(4) / 2


COVS4 = [moderate_cov4(seed) for seed in (3, 4, 5)]


def subs_cov4(expr, C):
    return float(expr.subs({SYMS4[i][j]: sp.Float(C[i, j], 30) for i in range(4) for j in range(i, 4)}))


def test_tilted_covariance_inverts_the_precision():
    """(C⁻¹ + D)Σ̃ = I symbolically, for the erf tilt (k = 1); no tilt (k = 0) leaves C."""
    C = ge.covariance_matrix()
    assert C.is_symmetric() and C[0, 3] == C14 and C[3, 3] == C44
    Sigma = ge.tilted_covariance(1)
    residual = (C.inv() + sp.diag(1, 1, 0, 0)) * Sigma - sp.eye(4)
    assert residual.applyfunc(sp.cancel).is_zero_matrix
    assert ge.tilted_covariance(0) == C


def test_tilted_covariance_is_the_schur_complement():
    Ca, Cab, Cbb = ge.covariance_matrix()[:2, :2], ge.covariance_matrix()[:2, 2:], ge.covariance_matrix()[2:, 2:]
    schur = Cbb - Cab.T * (sp.eye(2) + Ca).inv() * Cab
    assert (ge.tilted_covariance(1)[2:, 2:] - schur).applyfunc(sp.cancel).is_zero_matrix


def test_tilted_covariance_exact_rational_points():
    """Direct exact inversion of the precision C⁻¹ + diag(1, 1, 0, 0) at rational covariances."""
    rng = np.random.default_rng(7)
    for _ in range(3):
        C = rational_cov4(rng)
        direct = (C.inv() + sp.diag(1, 1, 0, 0)).inv()
        assert ge.tilted_covariance(1).subs(point4(C)) == direct


def test_tilt_normalisation_is_J2():
    """The tilted density's weight h0²/√(det C · det P) = h0²/√det(I + CD) is J2 (step 2)."""
    C = ge.covariance_matrix()
    weight = (2 / PI) / sp.sqrt((sp.eye(4) + C * sp.diag(1, 1, 0, 0)).det())
    assert sp.simplify(weight - ge.J2_erf()) == 0


def test_I4_erf_equals_sheet():
    """Prefactor, numerator and squared denominator of the arcsin argument equal the sheet's; the
    denominator is a product of square roots (non-negative), so it is √(Λ1Λ2)."""
    derived = ge.I4_erf()
    (asin_term,) = derived.atoms(sp.asin)
    prefactor = sp.simplify(derived / asin_term)
    assert not prefactor.has(sp.asin)
    assert sp.simplify(prefactor - 4 / PI**2 / sp.sqrt(L4)) == 0
    num, den = asin_term.args[0].as_numer_denom()
    assert sp.expand(num - L0) == 0
    assert sp.expand(den**2 - L1 * L2) == 0
    assert all(isinstance(f, sp.Pow) and f.exp == sp.Rational(1, 2) for f in sp.Mul.make_args(den))
    assert derived.free_symbols == {C11, C12, C13, C14, C22, C23, C24, C33, C34, C44}


def test_I4_erf_symmetries_and_independent_pairs():
    I4 = ge.I4_erf()
    swap12 = {C11: C22, C22: C11, C13: C23, C23: C13, C14: C24, C24: C14}
    swap34 = {C33: C44, C44: C33, C13: C14, C14: C13, C23: C24, C24: C23}
    for swap in (swap12, swap34):
        assert sp.expand(I4.subs(swap, simultaneous=True) - I4) == 0
    # (u1, u2) independent of (u3, u4): I4 = J2(C_aa) · I2(C_bb).  Λ4 = det(I + C_aa) > 0 is made
    # explicit by writing C22 through a positive symbol, and the radicands are factored
    independent = I4.subs({C13: 0, C14: 0, C23: 0, C24: 0})
    product = ge.J2_erf() * ge.I2_erf().subs({C11: C33, C22: C44, C12: C34}, simultaneous=True)
    lam4 = sp.Symbol("Lambda4", positive=True)
    to_lam4 = {C22: (lam4 + C12**2) / (1 + C11) - 1}
    independent = independent.subs(to_lam4).replace(
        lambda a: a.is_Pow and a.exp.is_Rational and a.exp.q == 2,
        lambda a: sp.factor(sp.cancel(a.base))**a.exp)
    assert sp.simplify(independent - product.subs(to_lam4)) == 0


def test_I4_erf_spot_checks_30_digits():
    rng = np.random.default_rng(11)
    for _ in range(5):
        vals = point4(rational_cov4(rng))
        diff = sp.N(ge.I4_erf().subs(vals) - SHEET_I4.subs(vals), 30)
        assert abs(diff) < sp.Float("1e-28")


def test_I4_linear():
    assert ge.I4_linear() == C34
    C = COVS4[0]
    assert gauss_hermite(lambda u: u[2] * u[3], C, n=3) == pytest.approx(C[2, 3], abs=1e-12)


@pytest.mark.parametrize("C", COVS4)
def test_I4_erf_against_gauss_hermite(C):
    """4-D tensor Gauss–Hermite after a Cholesky factor.  Tolerance: the change from the 24- to
    the 30-point rule (spectral convergence: it bounds the 30-point error) plus 1e-14 for the
    double-precision sum of 30⁴ terms."""
    f = lambda u: gp(u[0]) * gp(u[1]) * g(u[2]) * g(u[3])  # noqa: E731
    q24, q30 = gauss_hermite(f, C, n=24), gauss_hermite(f, C, n=30)
    assert q30 == pytest.approx(subs_cov4(ge.I4_erf(), C), abs=abs(q30 - q24) + 1e-14)


def test_I4_erf_against_monte_carlo():
    """200 000 seeded samples; |z| < 4 (two-sided false-alarm rate ≈ 6e-5)."""
    rng = np.random.default_rng(20250102)
    C = COVS4[1]
    u = rng.multivariate_normal(np.zeros(4), C, size=200_000).T
    samples = gp(u[0]) * gp(u[1]) * g(u[2]) * g(u[3])
    z = (samples.mean() - subs_cov4(ge.I4_erf(), C)) / (samples.std(ddof=1) / math.sqrt(samples.size))
    assert abs(z) < 4


# ================================================================== ReLU (step 7)

# independent closed forms, typed in here only: Sheppard's orthant probability, the arc-cosine
# kernel of degree 1 (Cho & Saul 2009), and I3 by conditioning on u1 = 0 for the δ term:
# I3 = C12 E[δ(u1) relu(u3)] + C23 E[Θ(u1)Θ(u3)],  E[δ(u1) relu(u3)] = p_{u1}(0) E[relu(u3) | u1 = 0]
RHO12 = C12 / sp.sqrt(C11 * C22)
THETA = sp.acos(RHO12)
REF_J2_RELU = sp.Rational(1, 4) + sp.asin(RHO12) / (2 * PI)
REF_I2_RELU = sp.sqrt(C11 * C22) / (2 * PI) * (sp.sin(THETA) + (PI - THETA) * sp.cos(THETA))
REF_I3_RELU = (C12 / sp.sqrt(2 * PI * C11) * sp.sqrt(C33 - C13**2 / C11) / sp.sqrt(2 * PI)
               + C23 * REF_J2_RELU.subs({C12: C13, C22: C33}, simultaneous=True))


def relu(z):
    return np.maximum(z, 0.0)


def test_relu_has_no_tilt_route_for_I4():
    """g' = Θ is not a Gaussian tilt, so step 6 refuses ReLU (and so does the registry)."""
    with pytest.raises(ValueError, match="Gaussian exponential"):
        ge._I4(ge.RELU)


def test_relu_closed_forms_equal_independent_forms():
    assert sp.simplify(ge.J2_relu() - REF_J2_RELU) == 0
    assert sp.simplify((ge.I2_relu() - REF_I2_RELU).rewrite(sp.asin)) == 0
    assert sp.simplify(ge.I3_relu() - REF_I3_RELU) == 0
    assert sp.simplify(sp.diff(ge.I2_relu(), C12) - ge.J2_relu()) == 0      # Price, re-done
    assert C22 not in ge.I3_relu().free_symbols


def test_relu_spot_checks_30_digits():
    rng = np.random.default_rng(2)
    for _ in range(5):
        A = rng.integers(-4, 5, size=(3, 3))
        C = sp.Matrix(A) * sp.Matrix(A).T / 10 + sp.eye(3) / 5
        vals = {C11: C[0, 0], C12: C[0, 1], C13: C[0, 2], C22: C[1, 1], C23: C[1, 2], C33: C[2, 2]}
        for derived, ref in ((ge.J2_relu(), REF_J2_RELU), (ge.I2_relu(), REF_I2_RELU), (ge.I3_relu(), REF_I3_RELU)):
            assert abs(sp.N(derived.subs(vals) - ref.subs(vals), 30)) < sp.Float("1e-28")


def test_relu_against_one_dimensional_quadrature():
    """Condition on u1 = t and integrate over t > 0 at 30 digits (mpmath); the inner Gaussian
    averages are elementary: E[relu(m + sZ)] = mΦ(m/s) + sφ(m/s), and for (u2, u3) | u1 with
    means (m2, m3), E[u2 relu(u3)] = m2 E[relu(u3)] + Cov(u2, u3 | u1) Φ(m3/s3).  Tolerance 1e-25:
    working precision 35 digits, smooth integrand on [0, ∞)."""
    import mpmath
    C = sp.Matrix(COVS[0]).applyfunc(lambda v: sp.Rational(str(v)))
    vals = {C11: C[0, 0], C12: C[0, 1], C13: C[0, 2], C22: C[1, 1], C23: C[1, 2], C33: C[2, 2]}
    with mpmath.workdps(35):
        c = [[mpmath.mpf(int(C[i, j].p)) / int(C[i, j].q) for j in range(3)] for i in range(3)]
        phi = lambda t, v: mpmath.exp(-t**2 / (2 * v)) / mpmath.sqrt(2 * mpmath.pi * v)  # noqa: E731
        s2 = mpmath.sqrt(c[1][1] - c[0][1]**2 / c[0][0])
        s3 = mpmath.sqrt(c[2][2] - c[0][2]**2 / c[0][0])
        cov23 = c[1][2] - c[0][1] * c[0][2] / c[0][0]

        def mean_relu(m, s):
            return m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s)

        J2 = mpmath.quad(lambda t: phi(t, c[0][0]) * mpmath.ncdf(c[0][1] / c[0][0] * t / s2), [0, mpmath.inf])
        I2 = mpmath.quad(lambda t: phi(t, c[0][0]) * t * mean_relu(c[0][1] / c[0][0] * t, s2), [0, mpmath.inf])

        def i3(t):
            m2, m3 = c[0][1] / c[0][0] * t, c[0][2] / c[0][0] * t
            return phi(t, c[0][0]) * (m2 * mean_relu(m3, s3) + cov23 * mpmath.ncdf(m3 / s3))
        I3 = mpmath.quad(i3, [0, mpmath.inf])
        for derived, numeric in ((ge.J2_relu(), J2), (ge.I2_relu(), I2), (ge.I3_relu(), I3)):
            assert abs(mpmath.mpf(str(sp.N(derived.subs(vals), 35))) - numeric) < mpmath.mpf("1e-25")


@pytest.mark.parametrize("name, f, C_index", [
    ("J2", lambda u: (u[0] > 0) * (u[1] > 0) * 1.0, 0),
    ("I2", lambda u: relu(u[0]) * relu(u[1]), 1),
    ("I3", lambda u: (u[0] > 0) * u[1] * relu(u[2]), 2),
])
def test_relu_against_monte_carlo(name, f, C_index):
    """200 000 seeded samples each; |z| < 4 (two-sided false-alarm rate ≈ 6e-5 per test)."""
    rng = np.random.default_rng(20250103 + C_index)
    C = COVS[C_index]
    u = rng.multivariate_normal(np.zeros(3), C, size=200_000).T
    samples = f(u)
    exact = subs_cov({"J2": ge.J2_relu(), "I2": ge.I2_relu(), "I3": ge.I3_relu()}[name], C)
    z = (samples.mean() - exact) / (samples.std(ddof=1) / math.sqrt(samples.size))
    assert abs(z) < 4


# ================================================================== registry

def test_expectations_registry():
    erf_set = ge.expectations("erf")
    assert set(erf_set) == {"I2", "I3", "I4", "J2"}
    assert erf_set["I2"] == ge.I2_erf() and erf_set["I3"] == ge.I3_erf()
    assert erf_set["I4"] == ge.I4_erf() and erf_set["J2"] == ge.J2_erf()
    assert dict(ge.expectations("linear")) == {"I2": C12, "I3": C23, "I4": C34, "J2": 1}
    assert ge.SUPPORTED_ACTIVATIONS == ("erf", "linear")
    with pytest.raises(TypeError):
        erf_set["I2"] = 0


@pytest.mark.parametrize("bad", ["relu", "tanh", "ERF", None, 3])
def test_expectations_refuses_other_activations(bad):
    with pytest.raises(ValueError, match="activation") as info:
        ge.expectations(bad)
    message = str(info.value)
    assert "no closed-form Gaussian expectations" in message
    assert "erf" in message and "linear" in message
