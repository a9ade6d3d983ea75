"""Gaussian expectations of the soft-committee activation, derived by Price's theorem.

The order-parameter equations of online SGD in soft committee machines (Saad & Solla 1995,
Phys. Rev. E 52, 4225; ``shared/reference/papers.md`` §0.1(c)) need Gaussian averages of the
activation g(x) = erf(x/√2) (also g(x) = x, and ReLU as far as closed forms exist) and of its
derivative.  This module *derives* them with SymPy;
none of the closed forms is typed in (the tests compare the results with the sheet's forms).

Convention.  The arguments (u1, u2, ...) are jointly Gaussian with zero mean and covariance
matrix C, written in the symbols ``C11, C12, C22, ...`` (Cij = E[ui uj], symmetric); the
arguments are numbered in the order they appear in the expectation, as in the sheet:

    J2 = E[g'(u1) g'(u2)],   I2 = E[g(u1) g(u2)],   I3 = E[g'(u1) u2 g(u3)],
    I4 = E[g'(u1) g'(u2) g(u3) g(u4)].

Route.

1. Gaussian integral.  ∫∫ exp(−½ xᵀMx) dx = 2π/√det M, obtained once by ``sp.integrate``
   (over u, then v) with M parametrised by (m11, m12, det M) so that positivity is explicit.
2. J2.  For g = erf(·/√2), g'(x) = √(2/π) e^{−x²/2} (computed by ``sp.diff``), so
   g'(u1)g'(u2) times the N(0, C) density is exp(−½ xᵀMx) with M = C⁻¹ + diag of the
   quadratic exponents of g' (read off as a Hessian).  Step 1 gives
   J2 = g'(0)² / √(det C · det M) = (2/π)/√det(I + C) = (2/π)/√((1+C11)(1+C22) − C12²).
3. Price's theorem (Price 1958, IRE Trans. Inf. Theory 4, 69): the bivariate normal density
   p satisfies ∂p/∂C12 = ∂²p/∂u1∂u2 and ∂p/∂C11 = ½ ∂²p/∂u1², hence, integrating by parts,
   ∂/∂C12 E[f(u1)h(u2)] = E[f'(u1)h'(u2)],   ∂/∂C11 E[f(u1)h(u2)] = ½ E[f''(u1)h(u2)].
   (:func:`price_density_residuals` checks the two identities of the density symbolically.)
4. I2.  At C12 = 0 the arguments are independent and E[g(u1)g(u2)] = E[g(u1)]E[g(u2)] = 0
   because g is odd (checked symbolically), so I2 = ∫_0^{C12} J2 dc:
   I2 = (2/π) arcsin(C12/√((1+C11)(1+C22))).   For g(x) = x the same route gives I2 = C12.
5. I3.  Stein's lemma on the middle argument, E[u2 F(u1, u3)] = C12 E[∂1F] + C23 E[∂3F], with
   F = g'(u1)g(u3), and step 3 applied to I2 written in the variables (u1, u3):
   I3 = C12 E[g''(u1)g(u3)] + C23 E[g'(u1)g'(u3)] = 2 C12 ∂I2/∂C11 + C23 ∂I2/∂C13
      = (2/π) (C23(1+C11) − C12C13) / ((1+C11) √((1+C11)(1+C33) − C13²)).
6. I4 = E[g'(u1) g'(u2) g(u3) g(u4)], by tilting.  g'(x) = h0 e^{−k x²/2} (k = 1, h0 = √(2/π)
   for erf; k = 0, h0 = 1 for g(x) = x), so g'(u1)g'(u2) times the N(0, C) density (C 4×4) is
   exp(−½ uᵀPu) up to a constant, with precision P = C⁻¹ + D, D = diag(k, k, 0, 0).  Its
   integral over all u is E[g'(u1)g'(u2)] = J2(C11, C12, C22) (step 2), so it equals J2 times
   the normalised N(0, Σ̃) density, Σ̃ = P⁻¹.  Writing P = C⁻¹(I + CD), where I + CD is block
   lower-triangular [[I + kC_aa, 0], [kC_ba, I]] (a = (1, 2), b = (3, 4)), its block inverse
   gives Σ̃ = (I + CD)⁻¹C (:func:`tilted_covariance`; the tests check PΣ̃ = I), and the marginal
   covariance of (u3, u4) is the Schur complement
   C̃ = Σ̃_bb = C_bb − k C_ba (I + k C_aa)⁻¹ C_ab.   Hence I4 = J2(C_aa) · I2(C̃).
   For erf, with Λ4 = det(I + C_aa), Λ4 C̃34 = Λ0, Λ4(1 + C̃33) = Λ1, Λ4(1 + C̃44) = Λ2 are
   polynomials and I4 = (4/π²) arcsin(Λ0/√(Λ1Λ2))/√Λ4 (the sheet's form, checked in the tests).
   For g(x) = x the same route has no tilt (k = 0): C̃ = C_bb and I4 = C34 (Isserlis would give
   the same, E[1·1·u3u4] = C34).
7. ReLU, g(x) = max(x, 0) (g' = Θ, g'' = δ), by the same Price ladder, each rung integrated in
   C12 from its independent value at C12 = 0 (computed by ``sp.integrate``):
   E[g''(u1)g''(u2)] = density at the origin = 1/(2π√(C11C22 − C12²)) (``sp.integrate`` of the
   deltas);  J2 = E[Θ(u1)]E[Θ(u2)] + ∫_0^{C12} that = 1/4 + arcsin(ρ)/(2π), ρ = C12/√(C11C22)
   (the orthant probability);  I2 = E[g(u1)]E[g(u2)] + ∫_0^{C12} J2 = √(C11C22)/(2π) + ...
   (the arc-cosine kernel √(C11C22)(sin θ + (π − θ)cos θ)/(2π), cos θ = ρ);  I3 by step 5.
   I4 for ReLU: no closed form here.  The tilt of step 6 fails (Θ(u1)Θ(u2) truncates the
   Gaussian instead of tilting it), and by Price ∂I4/∂C34 = E[Θ(u1)Θ(u2)Θ(u3)Θ(u4)] is the
   orthant probability of four correlated Gaussians, for which no closed form in elementary
   functions is known for general correlations (unlike two and three dimensions).  Hence
   :func:`expectations` refuses ``"relu"`` (an ODE generator must reject it).

:func:`expectations` collects {"I2", "I3", "I4", "J2"} for the activations that have all four.

>>> I2_erf()
2*asin(C12/(sqrt(C11 + 1)*sqrt(C22 + 1)))/pi
>>> I2_linear()
C12
>>> J2_erf()
2/(pi*sqrt(C11*C22 + C11 - C12**2 + C22 + 1))
>>> I3_erf()
2*(-C12*C13 + C23*(C11 + 1))/(pi*(C11 + 1)*sqrt(-C13**2 + (C11 + 1)*(C33 + 1)))
>>> I4_linear()
C34
>>> J2_relu()
asin(C12/(sqrt(C11)*sqrt(C22)))/(2*pi) + 1/4
"""
from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

import sympy as sp

__all__ = [
    "C11", "C12", "C13", "C14", "C22", "C23", "C24", "C33", "C34", "C44",
    "gaussian_integral_2d", "price_density_residuals", "covariance_matrix", "tilted_covariance",
    "J2_erf", "J2_linear", "I2_erf", "I2_linear", "I3_erf", "I3_linear", "I4_erf", "I4_linear",
    "J2_relu", "I2_relu", "I3_relu",
    "SUPPORTED_ACTIVATIONS", "expectations", "independent_gaussian_average",
]

x = sp.Symbol("x", real=True)
u1, u2 = sp.symbols("u1 u2", real=True)
C11, C22, C33, C44 = sp.symbols("C11 C22 C33 C44", positive=True)
C12, C13, C14, C23, C24, C34 = sp.symbols("C12 C13 C14 C23 C24 C34", real=True)

ERF = sp.erf(x / sp.sqrt(2))
LINEAR = x
RELU = sp.Max(x, 0)

#: activations whose four expectations (I2, I3, I4, J2) all have closed forms here
SUPPORTED_ACTIVATIONS = ("erf", "linear")


@lru_cache(maxsize=None)
def gaussian_integral_2d():
    """(m11, m12, d, value): ∫∫ exp(−½ xᵀMx) du dv for M = [[m11, m12], [m12, m22]], det M = d.

    Computed by ``sp.integrate`` over u then v, with m22 = (d + m12²)/m11 so that m11 > 0 and
    d > 0 (positive definiteness) are explicit.  The value is 2π/√d.
    """
    m11, d = sp.symbols("m11 d", positive=True)
    m12 = sp.Symbol("m12", real=True)
    m22 = (d + m12**2) / m11
    q = m11 * u1**2 + 2 * m12 * u1 * u2 + m22 * u2**2
    inner = sp.simplify(sp.integrate(sp.exp(-q / 2), (u1, -sp.oo, sp.oo), conds="none"))
    value = sp.simplify(sp.integrate(inner, (u2, -sp.oo, sp.oo), conds="none"))
    return m11, m12, d, value


def _density(a, b, c):
    """The N(0, [[a, c], [c, b]]) density in (u1, u2)."""
    C = sp.Matrix([[a, c], [c, b]])
    xs = sp.Matrix([u1, u2])
    return sp.exp(-(xs.T * C.inv() * xs)[0] / 2) / (2 * sp.pi * sp.sqrt(C.det()))


def price_density_residuals():
    """The residuals ∂p/∂c − ∂²p/∂u1∂u2 and ∂p/∂a − ½∂²p/∂u1², both simplifying to 0.

    p is the N(0, [[a, c], [c, b]]) density; these are the identities behind Price's theorem.
    """
    a, b = sp.symbols("a b", positive=True)
    c = sp.Symbol("c", real=True)
    p = _density(a, b, c)
    r_off = sp.simplify((sp.diff(p, c) - sp.diff(p, u1, u2)) / p)
    r_diag = sp.simplify((sp.diff(p, a) - sp.diff(p, u1, 2) / 2) / p)
    return r_off, r_diag


def _log_quadratic(h):
    """(h(0), k) with h(x) = h(0)·exp(−k x²/2); raises if h' is not of that form."""
    h0 = h.subs(x, 0)
    expo = sp.simplify(sp.expand_log(sp.log(h / h0), force=True))
    k = -sp.diff(expo, x, 2)
    if not (k.is_constant() and sp.simplify(expo + k * x**2 / 2) == 0):
        raise ValueError(f"{h} is not a constant times a Gaussian exponential")
    return h0, k


def _J2(g, a, b, c):
    """E[g'(u1)g'(u2)] for covariance [[a, c], [c, b]], by the 2×2 Gaussian integral."""
    gp = sp.simplify(sp.diff(g, x))
    h0, k = _log_quadratic(gp)
    C = sp.Matrix([[a, c], [c, b]])
    M = C.inv() + sp.diag(k, k)                      # exponent of density·g'(u1)g'(u2) is −½xᵀMx
    m11, m12, d, value = gaussian_integral_2d()
    integral = value.subs(d, sp.Symbol("detM", positive=True))
    # prefactor h0²/(2π√det C) times 2π/√det M; det C·det M is a polynomial in the entries
    product = sp.factor(sp.cancel(C.det() * M.det()))
    result = h0**2 / (2 * sp.pi) * integral * sp.sqrt(sp.Symbol("detM", positive=True)) / sp.sqrt(product)
    return sp.simplify(result), product


@lru_cache(maxsize=None)
def J2_erf():
    """E[g'(u1)g'(u2)] for g = erf(·/√2), in C11, C12, C22:  (2/π)/√((1+C11)(1+C22) − C12²)."""
    return _J2(ERF, C11, C22, C12)[0]


@lru_cache(maxsize=None)
def J2_linear():
    """E[g'(u1)g'(u2)] for g(x) = x: 1."""
    return _J2(LINEAR, C11, C22, C12)[0]


def _I2(g, a, b, c):
    """E[g(u1)g(u2)] = ∫_0^c J2 dc' (Price), starting from 0 at c = 0 (g odd)."""
    if sp.simplify(g.subs(x, -x) + g) != 0:
        raise ValueError("the route starts from E[g(u1)g(u2)] = 0 at c = 0, which needs g odd")
    s = sp.Symbol("s", real=True)
    J2, product = _J2(g, a, b, s)
    if not product.has(s):
        return sp.simplify(sp.integrate(J2, (s, 0, c)))
    A = sp.expand(product.subs(s, 0))
    if sp.expand(product - (A - s**2)) != 0:
        raise ValueError(f"unexpected determinant {product}")
    Apos = sp.Symbol("A", positive=True)
    # J2 = h0²/√(A − s²); integrate with A > 0 explicit, then put A back
    J2A = sp.simplify(J2 * sp.sqrt(product) / sp.sqrt(Apos - s**2))
    return sp.integrate(J2A, (s, 0, c)).subs(Apos, sp.factor(A))


@lru_cache(maxsize=None)
def I2_erf():
    """E[g(u1)g(u2)] for g = erf(·/√2), in C11, C12, C22: (2/π) arcsin(C12/√((1+C11)(1+C22)))."""
    return _I2(ERF, C11, C22, C12)


@lru_cache(maxsize=None)
def I2_linear():
    """E[u1 u2] by the same route: C12."""
    return _I2(LINEAR, C11, C22, C12)


def _I3(g):
    """E[g'(u1) u2 g(u3)] = 2 C12 ∂I2/∂C11 + C23 ∂I2/∂C13, I2 taken in the variables (u1, u3).

    Stein's lemma on u2 (F = g'(u1)g(u3) does not depend on u2, so C22 drops out) and Price's
    theorem for the diagonal (E[g''(u1)g(u3)] = 2∂I2/∂C11) and off-diagonal
    (E[g'(u1)g'(u3)] = ∂I2/∂C13) entries.
    """
    return _I3_from_I2(_I2(g, C11, C33, C13))


def _I3_from_I2(I2):
    """2 C12 ∂I2/∂C11 + C23 ∂I2/∂C13 for I2 = E[g(u1)g(u3)] written in C11, C13, C33."""
    return sp.simplify(2 * C12 * sp.diff(I2, C11) + C23 * sp.diff(I2, C13))


@lru_cache(maxsize=None)
def I3_erf():
    """E[g'(u1) u2 g(u3)] for g = erf(·/√2), in C11, C12, C13, C23, C33 (no C22)."""
    return _I3(ERF)


@lru_cache(maxsize=None)
def I3_linear():
    """E[1·u2·u3] by the same route: C23."""
    return _I3(LINEAR)


# ------------------------------------------------------------------ I4 by tilting (step 6)

def covariance_matrix():
    """The symmetric 4×4 covariance C = [[C11, C12, C13, C14], ..., [C14, C24, C34, C44]].

    >>> covariance_matrix()[2, 3]
    C34
    """
    s = {(1, 1): C11, (1, 2): C12, (1, 3): C13, (1, 4): C14, (2, 2): C22, (2, 3): C23,
         (2, 4): C24, (3, 3): C33, (3, 4): C34, (4, 4): C44}
    return sp.Matrix(4, 4, lambda i, j: s[(min(i, j) + 1, max(i, j) + 1)])


@lru_cache(maxsize=None)
def tilted_covariance(k):
    """Σ̃ = (C⁻¹ + D)⁻¹, D = diag(k, k, 0, 0): the covariance of the N(0, C) density tilted by
    exp(−k(u1² + u2²)/2).

    Derived without inverting C: P = C⁻¹ + D = C⁻¹(I + CD), and I + CD = [[A, 0], [B, I]] is
    block lower-triangular (A = I + kC_aa, B = kC_ba; a = (1, 2), b = (3, 4)), whose block
    inverse is [[A⁻¹, 0], [−BA⁻¹, I]]; then Σ̃ = (I + CD)⁻¹C.  Its lower-right block is the
    Schur complement C̃ = C_bb − kC_ba(I + kC_aa)⁻¹C_ab, the covariance of (u3, u4) under the
    tilted density.  Entries are cancelled rational functions of the Cij with denominator
    det(I + kC_aa).

    >>> tilted_covariance(0) == covariance_matrix()
    True
    >>> sp.denom(tilted_covariance(1)[2, 3])
    C11*C22 + C11 - C12**2 + C22 + 1
    """
    k = sp.sympify(k)
    C = covariance_matrix()
    D = sp.diag(k, k, 0, 0)
    IpCD = sp.eye(4) + C * D
    if not IpCD[:2, 2:].is_zero_matrix:
        raise ValueError("I + CD is not block lower-triangular")  # pragma: no cover (structure of D)
    A_inv = IpCD[:2, :2].inv()
    B = IpCD[2:, :2]
    inverse = sp.BlockMatrix([[A_inv, sp.zeros(2, 2)], [-B * A_inv, sp.eye(2)]]).as_explicit()
    return (inverse * C).applyfunc(sp.cancel)


def _I4(g):
    """E[g'(u1)g'(u2)g(u3)g(u4)] = J2(C11, C12, C22) · I2(C̃), C̃ = tilted_covariance(k)_bb.

    g' must be h0·exp(−kx²/2) (step 6).  I2 is evaluated at C̃ with the entries written as
    polynomial/Λ, Λ = det(I + kC_aa) > 0, and with the positive quantities Λ, Λ(1 + C̃33),
    Λ(1 + C̃44) (positive because I + kC_aa and the covariance C̃ are positive definite) held
    as positive symbols while SymPy simplifies, then put back.
    """
    _, k = _log_quadratic(sp.simplify(sp.diff(g, x)))     # the prefactor h0 enters through J2
    Ct = tilted_covariance(k)[2:, 2:]
    lam = sp.expand((sp.eye(2) + k * covariance_matrix()[:2, :2]).det())
    n0, n1, n2 = (sp.expand(sp.cancel(e * lam)) for e in (Ct[0, 1], 1 + Ct[0, 0], 1 + Ct[1, 1]))
    if any(sp.fraction(sp.cancel(n))[1] != 1 for n in (n0, n1, n2)):
        raise ValueError("the tilted covariance is not polynomial/det(I + kC_aa)")  # pragma: no cover
    L, N1, N2 = sp.symbols("Lambda N1 N2", positive=True)
    N0 = sp.Symbol("N0", real=True)
    I2 = _I2(g, C11, C22, C12)
    I2t = sp.simplify(I2.subs({C11: N1 / L - 1, C22: N2 / L - 1, C12: N0 / L}, simultaneous=True))
    J2 = _J2(g, C11, C22, C12)[0]
    return (J2 * I2t).subs({N0: n0, N1: n1, N2: n2, L: lam}, simultaneous=True)


@lru_cache(maxsize=None)
def I4_erf():
    """E[g'(u1)g'(u2)g(u3)g(u4)] for g = erf(·/√2), in C11 … C44:
    (4/π²) arcsin(Λ0/√(Λ1Λ2))/√Λ4 with Λ4 = det(I + C_aa) and the polynomials Λ0, Λ1, Λ2 of
    ``papers.md`` §0.1(c) (expanded).

    >>> point = {C11: 1, C22: 1, C33: 3, C44: 3, C12: 0, C13: 0, C14: 0, C23: 0, C24: 0, C34: 2}
    >>> I4_erf().subs(point)     # independent pairs: J2 = (2/π)/2 times I2 = (2/π) arcsin(1/2)
    1/(3*pi)
    """
    return _I4(ERF)


@lru_cache(maxsize=None)
def I4_linear():
    """E[1·1·u3·u4] by the same route (no tilt, k = 0): C34."""
    return _I4(LINEAR)


# ------------------------------------------------------------------ ReLU by the Price ladder (step 7)

def _gaussian_mean(f, var):
    """E[f(u)] for u ~ N(0, var), by ``sp.integrate``."""
    rho = sp.exp(-x**2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)
    return sp.simplify(sp.integrate(f * rho, (x, -sp.oo, sp.oo)))


def _integrate_from_zero(expr, s, a, b, c):
    """∫_0^c expr ds with a·b held as one positive symbol A (so that √(ab − s²) is recognised)."""
    A = sp.Symbol("A", positive=True)
    integrand = sp.simplify(expr.subs(a, A / b))
    return sp.integrate(integrand, (s, 0, c)).subs(A, a * b)


def _price_rung(f, a, b, c, lower):
    """E[f(u1)f(u2)] = E[f]E[f] at c = 0 plus ∫_0^c ``lower``(s) ds (Price: ∂/∂c E[ff] = E[f'f'])."""
    start = _gaussian_mean(f, a) * _gaussian_mean(f, b)
    s = sp.Symbol("s", real=True)
    return sp.expand(sp.simplify(start + _integrate_from_zero(lower(s), s, a, b, c)))


def _delta_delta(g, a, b):
    """s ↦ E[g''(u1)g''(u2)] for covariance [[a, s], [s, b]], by ``sp.integrate`` of g'' against
    the bivariate density (for ReLU g'' = δ: the density at the origin)."""
    gpp = sp.diff(g, x, 2)

    def lower(s):
        p = _density(a, b, s)
        e = sp.integrate(gpp.subs(x, u1) * gpp.subs(x, u2) * p, (u1, -sp.oo, sp.oo), (u2, -sp.oo, sp.oo))
        return sp.simplify(e)
    return lower


def _J2_relu(a, b, c):
    return _price_rung(sp.diff(RELU, x), a, b, c, _delta_delta(RELU, a, b))


def _I2_relu(a, b, c):
    return _price_rung(RELU, a, b, c, lambda s: _J2_relu(a, b, s))


@lru_cache(maxsize=None)
def J2_relu():
    """E[Θ(u1)Θ(u2)] (the orthant probability), in C11, C12, C22: 1/4 + arcsin(ρ)/(2π),
    ρ = C12/√(C11C22)."""
    return _J2_relu(C11, C22, C12)


@lru_cache(maxsize=None)
def I2_relu():
    """E[max(u1, 0) max(u2, 0)] (the arc-cosine kernel), in C11, C12, C22:
    C12/4 + (C12 arcsin ρ + √(C11C22 − C12²))/(2π).

    >>> I2_relu().subs(C12, 0)
    sqrt(C11)*sqrt(C22)/(2*pi)
    """
    return _I2_relu(C11, C22, C12)


@lru_cache(maxsize=None)
def I3_relu():
    """E[Θ(u1) u2 max(u3, 0)] by step 5, in C11, C12, C13, C23, C33:
    C12 √(C11C33 − C13²)/(2π C11) + C23 (1/4 + arcsin(C13/√(C11C33))/(2π))."""
    return _I3_from_I2(_I2_relu(C11, C33, C13))


# ------------------------------------------------------------------ registry

_BUILDERS = {
    "erf": (I2_erf, I3_erf, I4_erf, J2_erf),
    "linear": (I2_linear, I3_linear, I4_linear, J2_linear),
}


@lru_cache(maxsize=None)
def _expectations(activation):
    I2, I3, I4, J2 = _BUILDERS[activation]
    return MappingProxyType({"I2": I2(), "I3": I3(), "I4": I4(), "J2": J2()})


def expectations(activation):
    """{"I2", "I3", "I4", "J2"} -> SymPy expression (read-only mapping) for ``activation`` in
    :data:`SUPPORTED_ACTIVATIONS`; any other activation raises ValueError ("relu" included: its
    I4 has no closed form, see step 7; J2_relu, I2_relu, I3_relu exist on their own).

    >>> expectations("linear")["I4"]
    C34
    >>> sorted(expectations("erf"))
    ['I2', 'I3', 'I4', 'J2']
    """
    if not isinstance(activation, str) or activation not in _BUILDERS:
        raise ValueError(
            f"activation={activation!r} has no closed-form Gaussian expectations (I2, I3, I4, J2) "
            f"here; supported activations: {', '.join(SUPPORTED_ACTIVATIONS)}")
    return _expectations(activation)


def independent_gaussian_average(expr, variances: dict) -> sp.Expr:
    """E[expr] over independent centred Gaussians {x: Var x} for a polynomial ``expr`` in them: each monomial
    Π x^{k_x} becomes Π (k_x − 1)!! Var(x)^{k_x/2}, zero if any k_x is odd (Isserlis' theorem for independent
    variables: E x^{2m} = (2m − 1)!! σ^{2m}).

    >>> a, b = sp.symbols("a b", real=True); s, t = sp.symbols("s t", positive=True)
    >>> independent_gaussian_average((a * b + a) ** 2 * a, {a: s, b: t})
    0
    >>> independent_gaussian_average(a ** 2 * (a + b) ** 2, {a: s, b: t})
    3*s**2 + s*t
    """
    variables = list(variances)
    poly = sp.Poly(sp.expand(expr), *variables)
    total = sp.Integer(0)
    for powers, coefficient in poly.terms():
        if any(k % 2 for k in powers):
            continue
        total += coefficient * sp.Mul(*(sp.factorial2(k - 1) * variances[x] ** (k // 2)
                                        for x, k in zip(variables, powers)))
    return sp.expand(total)
