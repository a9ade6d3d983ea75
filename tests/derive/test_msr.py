"""The MSR machinery (derive/msr.py) against direct SymPy integration and elementary cases.  The MSR
derivation of the Langevin DMFT built with it is tested in tests/dmft/test_dmft_msr.py."""
import numerics  # noqa: F401  (single-threaded BLAS first)

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive import msr

x, y = sp.symbols("x y", real=True)
a, j, s2, m = sp.symbols("a j s2 m", positive=True)


# ------------------------------------------------------------------ Gaussian integrals

def _integral(expr, *variables):
    out = expr
    for v in variables:
        out = sp.integrate(out, (v, -sp.oo, sp.oo), conds="none")
    return sp.simplify(out)


def test_quadratic_form_splits_an_exponent():
    M, J, c0 = msr.quadratic_form(-3 * x ** 2 / 2 + 2 * x * y + 5 * y - 7, [x, y])
    assert M == sp.Matrix([[-3, 2], [2, 0]]) and J == sp.Matrix([0, 5]) and c0 == -7


@pytest.mark.parametrize("bad", [x ** 3, sp.exp(x), x ** 2 * y])
def test_quadratic_form_rejects_higher_degree(bad):
    with pytest.raises(ValueError, match="quadratic|polynomial"):
        msr.quadratic_form(bad + x, [x, y])


def test_log_integral_matches_sympy_integrate_in_one_dimension():
    expr = -a * x ** 2 / 2 + j * x + 3
    exact = sp.log(_integral(sp.exp(expr) / sp.sqrt(2 * sp.pi), x))
    assert sp.simplify(sp.expand_log(exact - msr.gaussian_log_integral(expr, [x]), force=True)) == 0


def test_log_integral_matches_quadrature_in_two_dimensions():
    """SciPy's adaptive 2-D quadrature (its error estimate sets the tolerance) against the rule.

    The precision matrix [[2, 1], [1, 3]] has smallest eigenvalue > 1, so the mass outside
    [−12, 12]² is below e^{−60}: negligible next to the quadrature error."""
    from scipy import integrate
    expr = -(2 * x ** 2 + 2 * x * y + 3 * y ** 2) / 2 + x - 2 * y
    f = sp.lambdify([y, x], sp.exp(expr) / (2 * sp.pi), modules="numpy")
    value, error = integrate.dblquad(f, -12, 12, -12, 12, epsabs=1e-13, epsrel=1e-13)
    rule = float(sp.exp(msr.gaussian_log_integral(expr, [x, y])))
    assert abs(value - rule) <= error + 4 * np.finfo(float).eps * rule


def test_log_average_matches_sympy_integrate():
    """E exp(m x²/2 + j x) over x ~ N(0, s2): the completing-the-square rule against the integral."""
    expr = m * x ** 2 / 2 + j * x
    density = sp.exp(-x ** 2 / (2 * s2)) / sp.sqrt(2 * sp.pi * s2)
    point = {m: sp.Rational(1, 3), j: sp.Rational(2, 5), s2: sp.Rational(3, 2)}   # m s2 < 1: convergent
    exact = _integral((density * sp.exp(expr)).subs(point), x)
    rule = msr.gaussian_log_average(expr, [x], sp.Matrix([[s2]])).subs(point)
    assert abs(sp.N(sp.log(exact) - rule, 30)) < 1e-25


def test_log_average_with_correlated_and_singular_covariance():
    sigma = sp.Matrix([[2, 1], [1, 1]])
    expr = x * y / 5 + x / 3
    dens = sp.exp(-(sp.Matrix([x, y]).T * sigma.inv() * sp.Matrix([x, y]))[0] / 2) / (2 * sp.pi)
    exact = _integral(dens * sp.exp(expr), x, y)
    assert abs(sp.N(sp.log(exact) - msr.gaussian_log_average(expr, [x, y], sigma), 30)) < 1e-25
    # x = y exactly (rank-one covariance): the rule needs no inverse and reduces to one variable
    singular = msr.gaussian_log_average(x * y / 5 + x / 3, [x, y], sp.ones(2, 2))
    single = msr.gaussian_log_average(x ** 2 / 5 + x / 3, [x])
    assert sp.simplify(singular - single) == 0


def test_log_average_rejects_a_covariance_of_the_wrong_size():
    with pytest.raises(ValueError, match="covariance must be 2x2"):
        msr.gaussian_log_average(x * y, [x, y], sp.eye(3))


# ------------------------------------------------------------------ MSR action and its inverse

def test_msr_density_of_an_ornstein_uhlenbeck_step_and_read_off():
    h, D, g = sp.symbols("h D g", positive=True)
    X, Xt, Xi = sp.IndexedBase("x"), sp.IndexedBase("xt"), sp.IndexedBase("xi")
    action = 0
    for k in range(3):
        step = sp.Eq(X[k + 1], X[k] - g * h * X[k] + sp.sqrt(2 * D * h) * Xi[k])
        action += msr.msr_action_density(step, Xt[k], [Xi[k]])
    drifts, K = msr.read_off_process(action, [Xt[k] for k in range(3)], [X[k + 1] for k in range(3)])
    assert drifts == [sp.expand((1 - g * h) * X[k]) for k in range(3)]
    assert K == 2 * D * h * sp.eye(3)


def test_read_off_process_refuses_what_is_not_a_path_weight():
    r, x1, x0 = sp.symbols("r x1 x0")
    with pytest.raises(ValueError, match="without response fields"):
        msr.read_off_process(r * (x1 - x0) + x0 ** 2, [r], [x1])
    with pytest.raises(ValueError, match="unit coefficient"):
        msr.read_off_process(r * (2 * x1 - x0), [r], [x1])
    with pytest.raises(ValueError, match="quadratic in the response"):
        msr.read_off_process(r * (x1 - x0) + r ** 3, [r], [x1])


def test_euler_maruyama_of_a_linear_sde():
    t, h, lam = sp.symbols("t h lambda", positive=True)
    i, k = sp.symbols("i k", integer=True)
    f, xi = sp.Function("f"), sp.Function("xi")
    F, XI = sp.IndexedBase("F"), sp.IndexedBase("XI")
    step = msr.euler_maruyama(sp.Eq(sp.Derivative(f(i, t), t), -lam * f(i, t) + 2 * xi(i, t)), f, xi, t, h, F, XI, k)
    assert step == sp.Eq(F[i, k + 1], F[i, k] - lam * h * F[i, k] + 2 * sp.sqrt(h) * XI[i, k])
    with pytest.raises(ValueError, match="Derivative"):
        msr.euler_maruyama(sp.Eq(f(i, t), 1), f, xi, t, h, F, XI, k)


# ------------------------------------------------------------------ saddle point

def test_partial_at_and_conjugate_at():
    X1, X2, H1 = sp.symbols("X1 X2 H1")
    S = sp.log(msr.Det(sp.ImmutableMatrix([[1 + X1, X2], [X2, 1]]))) - H1 * X1
    assert msr.partial_at(S, X1, {X1: 0, X2: 0, H1: 3}) == -2
    assert msr.conjugate_at(S, X1, H1, {X1: 0, X2: 0}) == sp.Eq(H1, 1)
    with pytest.raises(ValueError, match="not linear"):
        msr.conjugate_at(S + H1 ** 2 * X1, X1, H1, {X1: 0, X2: 0})


def test_expanded_determinant_and_det():
    entries = sp.symbols("e0:16")
    M = sp.Matrix(4, 4, entries)
    assert sp.expand(msr.expanded_determinant(M) - M.det(method="berkowitz")) == 0
    d = msr.Det(sp.ImmutableMatrix(M))
    assert d.doit() == d
    values = list(np.random.default_rng(1).standard_normal(16))
    want = np.linalg.det(np.array(values).reshape(4, 4))
    assert math.isclose(float(sp.lambdify(entries, d, modules="mpmath")(*values)), want, rel_tol=1e-12)
    assert math.isclose(float(np.real(sp.lambdify(entries, d, modules="numpy")(*values))), want, rel_tol=1e-12)


# ------------------------------------------------------------------ sums and Gaussian covariances

def test_sum_algebra_on_concrete_ranges():
    i, mu, n, p = sp.symbols("i mu n p", integer=True, positive=True)
    F, G, A = sp.IndexedBase("F"), sp.IndexedBase("G"), sp.IndexedBase("A")
    before = sp.Sum(F[i] * sp.Sum(G[i, mu] * A[mu], (mu, 1, p)), (i, 1, n))
    after = msr.swap_sums(before)
    assert after == sp.Sum(A[mu] * sp.Sum(F[i] * G[i, mu], (i, 1, n)), (mu, 1, p))
    concrete = {n: 3, p: 2}
    assert sp.expand(before.subs(concrete).doit() - after.subs(concrete).doit()) == 0
    with pytest.raises(ValueError, match="depend on the other index"):
        msr.swap_sums(sp.Sum(F[i] * sp.Sum(G[i, mu], (mu, 1, i)), (i, 1, n)))
    split = msr.split_sum(sp.Sum(x * (F[i] + G[i, 1]), (i, 1, n)))
    assert split == x * sp.Sum(F[i], (i, 1, n)) + x * sp.Sum(G[i, 1], (i, 1, n))


def test_covariance_of_linear_forms_against_explicit_expansion():
    i, jj = sp.symbols("i j", integer=True, positive=True)
    z, u, v = sp.IndexedBase("z"), sp.IndexedBase("u"), sp.IndexedBase("v")
    n = 3
    rule = msr.covariance_of_linear_forms(sp.Sum(u[i] * z[i], (i, 1, n)), sp.Sum(v[jj] * z[jj], (jj, 1, n)), z)
    product = sp.expand(sp.Sum(u[i] * z[i], (i, 1, n)).doit() * sp.Sum(v[jj] * z[jj], (jj, 1, n)).doit())
    zs = [z[q] for q in range(1, n + 1)]
    poly = sp.Poly(product, *zs)
    moment = sum(cf for monom, cf in poly.terms() if sorted(monom) == [0] * (n - 1) + [2])   # E z_q² = 1, E z_q z_r = 0
    assert sp.expand(rule.doit() - moment) == 0
    with pytest.raises(ValueError, match="linear"):
        msr.covariance_of_linear_forms(sp.Sum(u[i] * z[i] ** 2, (i, 1, n)), sp.Sum(v[jj] * z[jj], (jj, 1, n)), z)


def test_index_sum_evaluates_with_float_limits():
    p, mu = sp.symbols("p mu")
    assert sp.lambdify([p], msr.IndexSum(mu, (mu, 1, p)), modules="mpmath")(mpmath.mpf(4)) == 10
    assert sp.lambdify([p], msr.IndexSum(mu, (mu, 1, p)), modules="numpy")(4.0) == 10
