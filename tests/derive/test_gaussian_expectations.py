"""The Gaussian expectations derived in derive/gaussian_expectations.py against the closed forms of
``shared/reference/papers.md`` §0.1(c) (Saad & Solla 1995), symbolically and at 30 digits, and against
direct numerical integration: 2-D / 3-D Gauss–Hermite quadrature (to 1e-10 where the integrand is
smooth) and a seeded Monte Carlo z-test for the non-smooth check."""
import numerics  # noqa: F401  (single-threaded BLAS first)

import itertools
import math

import numpy as np
import pytest
import sympy as sp
from scipy.special import erf

from derive import gaussian_expectations as ge
from derive.gaussian_expectations import C11, C12, C13, C22, C23, C33

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
