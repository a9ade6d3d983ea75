"""``marchenko-pastur``: the white-Wishart spectrum from free probability.

From the free cumulants of one rank-one term, free additivity gives the R-transform
R(g) = 1/(1 − q g) of W = HᵀH/P (q = N/P); from it the S-transform S(t) = 1/(1 + q t),
the quadratic equation of the Stieltjes transform, its branch with z g → 1 at infinity,
the density ρ(x) = √((λ₊ − x)(x − λ₋))/(2π q x) on [λ₋, λ₊], λ± = (1 ± √q)², the atom
1 − 1/q at 0 for q > 1, and the moments (Narayana polynomials).

Sources: Marchenko & Pastur (1967); Voiculescu's R/S-transforms; as used in Atanasov,
Zavatone-Veth & Pehlevan, arXiv:2405.00592, Sec. 2 (free probability background).

>>> d = derivation()
>>> d["s-transform"]
Eq(S_W(t), 1/(q*t + 1))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.equations import residual
from derive.operations import solve_for, substitute, transform
from derivations.engine import Derivation, Source

NAME = "marchenko-pastur"
TITLE = "Marchenko–Pastur law of white Wishart matrices from the S-transform"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression",
                section="Sec. 2 (free probability); Marchenko & Pastur 1967")

q = sp.Symbol("q", positive=True)
N, P = sp.symbols("N P", positive=True)
z = sp.Symbol("z")
g = sp.Symbol("g")
t = sp.Symbol("t", positive=True)
u = sp.Symbol("u", positive=True)
x = sp.Symbol("x", positive=True)
eps = sp.Symbol("epsilon", positive=True)
c1 = sp.Symbol("c_1")
delta = sp.Symbol("delta", positive=True)
m0 = sp.Symbol("a_mass")
lam_p, lam_m = sp.Symbol("lambda_plus", positive=True), sp.Symbol("lambda_minus", nonnegative=True)
R_W, R_1, S_W, g_W, rho = (sp.Function(n) for n in ("R_W", "R_1", "S_W", "g_W", "rho_MP"))
EDGE_PLUS, EDGE_MINUS = (1 + sp.sqrt(q)) ** 2, (1 - sp.sqrt(q)) ** 2
MOMENT_ORDERS = range(1, 6)
#: symbols on which the spot checks of this derivation draw their values
DOMAINS = {q: (sp.Rational(1, 10), 3), z: (10, 20)}


def _first_order_inverse(stmt):
    """Insert z = 1/g + ε c₁ into g₁(z) = g, keep order ε, solve for c₁: R₁(g) = ε c₁."""
    lhs = stmt.rhs.subs(z, 1 / g + eps * c1) - g
    order1 = sp.series(lhs, eps, 0, 2).removeO().coeff(eps, 1)
    (c,) = sp.solve(order1, c1)
    return sp.Eq(R_1(g), sp.factor(eps * c))


def _u_from_r_relation(r_def, r_w):
    """ψ(u) = t ⇔ g(1/u) = u(1 + t): put z = 1/u, g = u(1 + t) into the R-relation, solve for u."""
    rel = residual(r_def).subs(R_W(g), r_w.rhs).subs({g: u * (1 + t), z: 1 / u})
    roots = [r for r in sp.solve(sp.together(rel), u) if r != 0]
    return sp.Eq(sp.Function("psiinv_A")(t), sp.factor(roots[0]))


def _stieltjes_inversion(stmt):
    """−Im g(x + i0)/π on the cut: √(z−λ₊) → i√(λ₊−x), √(z−λ₋) → √(x−λ₋), z → x."""
    a, b = sp.symbols("a b", positive=True)
    gx = stmt.rhs.subs({sp.sqrt(z - EDGE_PLUS): sp.I * a, sp.sqrt(z - EDGE_MINUS): b}).subs(z, x)
    dens = sp.simplify(-sp.im(sp.expand(gx)) / sp.pi)
    return sp.Eq(rho(x), dens.subs({a: sp.sqrt(EDGE_PLUS - x), b: sp.sqrt(x - EDGE_MINUS)}))


def _atom(branch, sqrt_q):
    """m₀ = lim_{z→0⁻} z g(z) (0 lies off the support), with √q parametrised by δ > 0."""
    mass = sp.simplify(sp.limit((z * branch.rhs).subs(q, sqrt_q ** 2), z, 0, "-"))
    return sp.Eq(m0, sp.simplify(mass.subs(delta, sp.solve(sp.Eq(sp.sqrt(q), sqrt_q), delta)[0])))


def _moments_from_series(stmt):
    """Expand g(z) at z = ∞: g = Σ_k m_k z^{-k-1}; read off m₁ … m₅."""
    w = sp.Symbol("w", positive=True)
    ser = sp.expand(sp.series(stmt.rhs.subs(z, 1 / w), w, 0, max(MOMENT_ORDERS) + 2).removeO())
    return tuple(sp.Eq(sp.Symbol(f"m_{k}"), sp.factor(ser.coeff(w, k + 1))) for k in MOMENT_ORDERS)


def narayana_moment(k: int) -> sp.Expr:
    """m_k = Σ_{j=1}^{k} (1/k) C(k, j) C(k, j−1) q^{j−1}, unevaluated (Narayana polynomial)."""
    j = sp.Symbol("j", positive=True, integer=True)
    return sp.Sum(sp.binomial(k, j) * sp.binomial(k, j - 1) * q ** (j - 1) / k, (j, 1, k))


def _pick_physical(roots):
    return next(r for r in roots if sp.limit(z * r, z, sp.oo) == 1)


def _sorted_edges(stmt):
    lo, hi = sorted(sp.solve(residual(stmt), z), key=lambda r: r.subs(q, 2))
    return (sp.Eq(lam_m, lo), sp.Eq(lam_p, hi))


@functools.cache
def derivation() -> Derivation:
    """The steps of ``marchenko-pastur`` (built once; the face attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(q, N, P, t, x), summary=(
        "White Wishart matrix W = HᵀH/P with H a P×N matrix of i.i.d. standard Gaussians and "
        "aspect ratio q = N/P held fixed as N, P → ∞."))
    _transforms(d)
    _stieltjes(d)
    return d


def _transforms(d: Derivation) -> None:
    d.define("model", "Aspect ratio", "W = HᵀH/P is N×N; its spectrum depends on N and P only through q.",
             sp.Eq(q, N / P))
    d.define("r-definition", "R-transform", "The R-transform inverts the Stieltjes transform g(z): "
             "z = R(g) + 1/g.", sp.Eq(R_W(g) + 1 / g, z))
    d.assume("rank-one", "One rank-one term", "W is the sum of P terms h hᵀ/P; each has N − 1 zero "
             "eigenvalues and one eigenvalue |h|²/P → q (law of large numbers), so with ε = 1/N "
             "its Stieltjes transform is the two-atom law below.",
             sp.Eq(sp.Function("g_1")(z), (1 - eps) / z + eps / (z - q)))
    d.derive("rank-one-R", "R-transform of one term to first order in 1/N",
             "Invert g₁ perturbatively, z = 1/g + ε c₁ + O(ε²); the O(ε) part is the R-transform.",
             transform("rank-one", _first_order_inverse,
                       "insert z = 1/g + ε c₁ into (rank-one), expand to first order in ε, solve for c₁",
                       name="series inversion"))
    d.quote("free-additivity", "Free additivity", "The P rank-one terms are asymptotically free, so "
            "their R-transforms add (Voiculescu); with ε = 1/N = 1/(qP) this is the free Poisson limit.",
            sp.Eq(R_W(g), P * R_1(g)), checked_by=("wishart-spectrum",),
            reference="Voiculescu 1986; Nica & Speicher, Lecture 12")
    d.derive("r-transform", "R-transform of W", "Substitute the one-term R-transform and ε = 1/(qP).",
             substitute("free-additivity", "rank-one-R", extra={eps: 1 / (q * P)}, then=sp.simplify,
                        then_text="simplify"), display=sp.Eq(R_W(g), 1 / (1 - q * g)))
    d.define("s-definition", "S-transform", "With ψ(u) = Σ_k m_k u^k = g(1/u)/u − 1 the moment "
             "generating function, S(t) = (1 + t)/t · ψ⁻¹(t).",
             sp.Eq(S_W(t), (1 + t) / t * sp.Function("psiinv_A")(t)))
    d.derive("psi-inverse", "Inverse moment generating function",
             "ψ(u) = t means g(1/u) = u(1 + t); the R-relation then fixes u.",
             transform(("r-definition", "r-transform"), _u_from_r_relation,
                       "put z = 1/u and g = u(1 + t) into (r-definition) with (r-transform), solve for u ≠ 0",
                       name="substitute and solve"),
             display=sp.Eq(sp.Function("psiinv_A")(t), t / ((1 + t) * (1 + q * t))))
    d.derive("s-transform", "S-transform of the white Wishart matrix", "Insert ψ⁻¹ into the definition.",
             substitute("s-definition", "psi-inverse", then=sp.simplify, then_text="simplify"),
             display=sp.Eq(S_W(t), 1 / (1 + q * t)))


def _stieltjes(d: Derivation) -> None:
    d.derive("stieltjes-equation", "Self-consistent equation for g(z)",
             "Insert R(g) into the R-relation and clear denominators.",
             transform(("r-definition", "r-transform"),
                       lambda rd, rw: sp.Eq(sp.expand(sp.numer(sp.together(residual(rd).subs(R_W(g), rw.rhs)))), 0),
                       "substitute (r-transform) into (r-definition), multiply by g(1 − q g)"),
             display=sp.Eq(q * z * g ** 2 - (z + q - 1) * g + 1, 0))
    d.derive("stieltjes-solution", "Physical root", "Of the two roots, the Stieltjes transform is the "
             "one with z g(z) → 1 as z → ∞ (total mass one).",
             solve_for("stieltjes-equation", g, choose=_pick_physical, choose_text="root with z g → 1 at infinity"))
    d.identity("discriminant", "Discriminant", "The discriminant of the quadratic factorises over the edges.",
               sp.Eq((z + q - 1) ** 2 - 4 * q * z, (z - EDGE_PLUS) * (z - EDGE_MINUS)))
    d.derive("edges", "Spectral edges", "The support of the density is where the discriminant is negative.",
             transform("discriminant", lambda s: _sorted_edges(sp.Eq(s.lhs, 0)),
                       "solve (discriminant) = 0 for z, sort the roots"),
             display=(sp.Eq(lam_m, EDGE_MINUS), sp.Eq(lam_p, EDGE_PLUS)))
    d.derive("branch", "Analytic branch", "Write √(discriminant) as √(z − λ₊)√(z − λ₋): equal to the root "
             "above for z > λ₊ and analytic off [λ₋, λ₊].",
             transform("stieltjes-solution", lambda s: sp.Eq(g_W(z), s.rhs.replace(
                 sp.sqrt(sp.expand((z + q - 1) ** 2 - 4 * q * z)), sp.sqrt(z - EDGE_PLUS) * sp.sqrt(z - EDGE_MINUS))),
                       "replace √(discriminant) by √(z − λ₊)√(z − λ₋) (valid for real z > λ₊)"),
             domains=DOMAINS)
    d.derive("density", "Density by Stieltjes inversion", "ρ(x) = −Im g(x + i0)/π; on the cut "
             "√(z − λ₊) = i√(λ₊ − x).",
             transform("branch", _stieltjes_inversion, "Stieltjes inversion −Im g(x + i0)/π for λ₋ < x < λ₊",
                       name="Stieltjes inversion"),
             display=sp.Eq(rho(x), sp.sqrt((EDGE_PLUS - x) * (x - EDGE_MINUS)) / (2 * sp.pi * q * x)))
    d.derive("atom", "Atom at zero for q > 1", "z g(z) → m₀ as z → 0 (0 lies off the support); write √q = 1 + δ.",
             transform("branch", lambda s: _atom(s, 1 + delta), "limit z → 0⁻ of z g(z) with √q = 1 + δ, δ > 0"),
             display=sp.Eq(m0, (q - 1) / q))
    d.identity("stable-lower-edge", "Lower edge without cancellation", "Near q = 1, (1 − √q)² is a small "
               "difference; this form of it is accurate to the working precision.",
               sp.Eq(EDGE_MINUS, (q - 1) ** 2 / (1 + sp.sqrt(q)) ** 2, evaluate=False))
    d.derive("no-atom", "No atom for q < 1", "The same limit with √q = 1/(1 + δ) vanishes.",
             transform("branch", lambda s: _atom(s, 1 / (1 + delta)), "limit z → 0⁻ of z g(z) with √q = 1/(1 + δ)"),
             display=sp.Eq(m0, 0))
    d.derive("moments", "Moments are Narayana polynomials", "Expanding g at infinity gives the moments "
             "m_k = τ(W^k); they equal Σ_j N(k, j) q^{j−1} with the Narayana numbers N(k, j).",
             transform("stieltjes-solution", _moments_from_series, "series of g(z) at z = ∞, coefficients of z^{-k-1}",
                       name="series"),
             display=tuple(sp.Eq(sp.Symbol(f"m_{k}"), narayana_moment(k)) for k in MOMENT_ORDERS))
