"""Gaussian expectations of the soft-committee activation, derived by Price's theorem.

The order-parameter equations of online SGD in soft committee machines (Saad & Solla 1995,
Phys. Rev. E 52, 4225; ``shared/reference/papers.md`` §0.1(c)) need Gaussian averages of the
activation g(x) = erf(x/√2) and of its derivative.  This module *derives* them with SymPy;
none of the closed forms is typed in (the tests compare the results with the sheet's forms).

Convention.  The arguments (u1, u2, ...) are jointly Gaussian with zero mean and covariance
matrix C, written in the symbols ``C11, C12, C22, ...`` (Cij = E[ui uj], symmetric); the
arguments are numbered in the order they appear in the expectation, as in the sheet:

    J2 = E[g'(u1) g'(u2)],   I2 = E[g(u1) g(u2)],   I3 = E[g'(u1) u2 g(u3)].

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

Not derived here: I4 = E[g'(u1)g'(u2)g(u3)g(u4)] (the sheet's arcsin form); its derivation
needs a path in four covariance entries and is left for later.

>>> I2_erf()
2*asin(C12/(sqrt(C11 + 1)*sqrt(C22 + 1)))/pi
>>> I2_linear()
C12
>>> J2_erf()
2/(pi*sqrt(C11*C22 + C11 - C12**2 + C22 + 1))
>>> I3_erf()
2*(-C12*C13 + C23*(C11 + 1))/(pi*(C11 + 1)*sqrt(-C13**2 + (C11 + 1)*(C33 + 1)))
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "C11", "C12", "C13", "C22", "C23", "C33",
    "gaussian_integral_2d", "price_density_residuals",
    "J2_erf", "J2_linear", "I2_erf", "I2_linear", "I3_erf", "I3_linear",
]

x = sp.Symbol("x", real=True)
u1, u2 = sp.symbols("u1 u2", real=True)
C11, C22, C33 = sp.symbols("C11 C22 C33", positive=True)
C12, C13, C23 = sp.symbols("C12 C13 C23", real=True)

ERF = sp.erf(x / sp.sqrt(2))
LINEAR = x


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
    I2 = _I2(g, C11, C33, C13)
    return sp.simplify(2 * C12 * sp.diff(I2, C11) + C23 * sp.diff(I2, C13))


@lru_cache(maxsize=None)
def I3_erf():
    """E[g'(u1) u2 g(u3)] for g = erf(·/√2), in C11, C12, C13, C23, C33 (no C22)."""
    return _I3(ERF)


@lru_cache(maxsize=None)
def I3_linear():
    """E[1·u2·u3] by the same route: C23."""
    return _I3(LINEAR)
