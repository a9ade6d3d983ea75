"""``marchenko-pastur``: the white-Wishart spectrum from free probability.

From the free cumulants of one rank-one term, free additivity gives the R-transform
R(g) = 1/(1 − q g) of W = HᵀH/P (q = N/P); from it the S-transform S(t) = 1/(1 + q t),
the quadratic equation of the Stieltjes transform, its branch with z g → 1 at infinity,
the density ρ(x) = √((λ₊ − x)(x − λ₋))/(2π q x) on [λ₋, λ₊], λ± = (1 ± √q)², the atom
1 − 1/q at 0 for q > 1, and the moments (Narayana polynomials).

Sources: Marchenko & Pastur (1967); Voiculescu's R/S-transforms; as used in Atanasov,
Zavatone-Veth & Pehlevan, arXiv:2405.00592, Sec. 2 (free probability background).

>>> d = build()
>>> d["s-transform"]
Eq(S_W(t), 1/(q*t + 1))
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from derive.equations import residual
from derive.operations import solve_for, substitute, transform
from derivations.engine import CheckResult, Derivation, Source
from numerics.bridge import to_mpmath, to_numpy
from numerics.precision import workdps
from numerics.random_matrices import cdf_from_density, ks_test, wishart_eigenvalues
from numerics.simulation import spawn_generators

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
def build() -> Derivation:
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(q, N, P, t, x), summary=(
        "White Wishart matrix W = HᵀH/P with H a P×N matrix of i.i.d. standard Gaussians and "
        "aspect ratio q = N/P held fixed as N, P → ∞."))
    _transforms(d)
    _stieltjes(d)
    _checks(d)
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


# ---- numeric checks ------------------------------------------------------------------
CHECK_RATIOS = (sp.Rational(1, 4), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2), sp.Integer(4))
DPS = 30


def _on_support(f, lower, upper):
    """ρ is the formula inside (λ₋, λ₊) and 0 outside. The edges are evaluated at the working
    precision of the call, so a point rounded at a lower precision is never taken across an edge
    (where the square root would turn imaginary)."""
    def density_fn(xv, qv):
        return f(xv, qv) if lower(qv) < xv < upper(qv) else mpmath.mpf(0)
    return density_fn


def _density_with_edges(d: Derivation):
    """ρ(x) with the edges as arguments, so that they enter in their stable form."""
    return d["density"].rhs.xreplace({EDGE_MINUS: lam_m, EDGE_PLUS: lam_p})


def compiled(d: Derivation):
    """mpmath callables for the density, the edges, the atom and g(z), from the derivation
    (lower edge from ``stable-lower-edge``, accurate also for q → 1)."""
    lower, upper = to_mpmath(d["stable-lower-edge"].rhs, [q]), to_mpmath(d["edges"][1].rhs, [q])
    raw = to_mpmath(_density_with_edges(d), [x, q, lam_m, lam_p])
    density_fn = lambda xv, qv: raw(xv, qv, lower(qv), upper(qv))
    return {"density": _on_support(density_fn, lower, upper),
            "lower": lower, "upper": upper,
            "atom": to_mpmath(d["atom"].rhs, [q]), "stieltjes": to_mpmath(d["branch"].rhs, [z, q])}


def integrate_support(fn, lo, hi):
    """∫_lo^hi fn(x) dx with x = lo + (hi − lo) sin²(θ/2): removes the square-root edge behaviour
    (and the 1/√x divergence at q = 1), so tanh-sinh quadrature reaches full precision."""
    width = hi - lo
    return mpmath.quad(lambda th: fn(lo + width * mpmath.sin(th / 2) ** 2) * width / 2 * mpmath.sin(th),
                       [0, mpmath.pi])


def _atom_mass(f, qv):
    return f["atom"](qv) if qv > 1 else mpmath.mpf(0)


def _normalisation(d: Derivation) -> list[CheckResult]:
    f, out = compiled(d), []
    with workdps(DPS):
        tol = mpmath.mpf(10) ** (-(DPS - 5))
        for qv in CHECK_RATIOS:
            mass = integrate_support(lambda s: f["density"](s, qv), f["lower"](qv), f["upper"](qv))
            total = mass + _atom_mass(f, qv)
            out.append(CheckResult(f"normalisation: q={qv}", "numeric", abs(total - 1) < tol, 1, str(total),
                                   f"{float(tol):.0e}", f"tanh-sinh quadrature of ρ at {DPS} digits plus atom"))
    return out


def _moments(d: Derivation) -> list[CheckResult]:
    f, out = compiled(d), []
    with workdps(DPS):
        tol = mpmath.mpf(10) ** (-(DPS - 5))
        for qv in (sp.Rational(1, 4), sp.Integer(3)):
            for k in MOMENT_ORDERS:
                exact = narayana_moment(k).doit().subs(q, qv)
                val = integrate_support(lambda s: s ** k * f["density"](s, qv), f["lower"](qv), f["upper"](qv))
                out.append(CheckResult(f"moments-quadrature: q={qv}, k={k}", "numeric",
                                       abs(val - mpmath.mpf(exact)) < tol * abs(val), str(exact), str(val),
                                       f"rel {float(tol):.0e}", "∫ x^k ρ(x) dx vs Narayana polynomial"))
    return out


def _inversion(d: Derivation) -> list[CheckResult]:
    """−Im g(x + iε)/π → ρ(x): the density formula checked against the analytic g off the axis."""
    f, out = compiled(d), []
    with workdps(40):
        # −Im g(x+iε)/π − ρ(x) = O(ε·|ρ'|): with |ρ'| <= 1e5 away from the edges, 1e-20 bounds it
        eps_v, tol = mpmath.mpf(10) ** -25, mpmath.mpf(10) ** -20
        for qv in (sp.Rational(1, 4), sp.Integer(2)):
            lo, hi = f["lower"](qv), f["upper"](qv)
            worst = max(abs(-mpmath.im(f["stieltjes"](mpmath.mpc(xv, eps_v), qv)) / mpmath.pi - f["density"](xv, qv))
                        for xv in mpmath.linspace(lo + (hi - lo) / 20, hi - (hi - lo) / 20, 9))
            out.append(CheckResult(f"stieltjes-inversion: q={qv}", "numeric", worst < tol, 0, str(worst),
                                   f"{float(tol):.0e}", "max over 9 points of |−Im g(x+iε)/π − ρ(x)|, ε = 1e-25, 40 digits"))
    return out


def _wishart_ks(d: Derivation, quick: bool) -> list[CheckResult]:
    """One eigenvalue drawn uniformly from each of M independent Wishart matrices: i.i.d. samples of the
    mean spectral law, compared with Marchenko–Pastur by a Kolmogorov–Smirnov test."""
    f = compiled(d)
    draws, size, ratios = (600 if quick else 2000), 100, (sp.Rational(1, 4), sp.Integer(1), sp.Integer(4))
    alpha = 1e-3 / len(ratios)  # Bonferroni, familywise 1e-3
    dens = to_numpy(d["density"].rhs, [x, q])
    out = []
    for i, qv in enumerate(ratios):
        p = int(size / qv)
        rngs = spawn_generators([2024, i], draws)
        samples, zero_fraction = [], []
        for rng in rngs:
            ev = wishart_eigenvalues(rng, size, p)
            # zero in exact arithmetic: below the float64 round-off of eigvalsh, ~ size·eps·max
            is_zero = ev < 100 * size * np.finfo(float).eps * ev.max()
            zero_fraction.append(np.mean(is_zero))
            samples.append(rng.choice(ev[~is_zero]))
        lo, hi, qf = float(f["lower"](qv)), float(f["upper"](qv)), float(qv)
        cont = 1 - float(_atom_mass(f, qv))
        cdf = lambda s: cdf_from_density(lambda y: float(dens(y, qf)), lo, hi, s) / cont
        stat, pval = ks_test(np.array(samples), cdf)
        atom_ok = np.allclose(zero_fraction, float(_atom_mass(f, qv)), rtol=0, atol=0.5 / size)  # to one eigenvalue
        out.append(CheckResult(f"wishart-spectrum: q={qv}", "simulation", pval > alpha and atom_ok,
                               f"p > {alpha:.1e}", round(pval, 4), alpha,
                               f"KS D={stat:.4f}, {draws} matrices N={size}, P={p}, one nonzero eigenvalue each; "
                               f"atom fraction {np.mean(zero_fraction):.3f} (theory {float(_atom_mass(f, qv)):.3f}); "
                               "finite-N bias O(1/N) is below the KS resolution"))
    return out


def _checks(d: Derivation) -> None:
    d.check("normalisation", "numeric", "∫ρ + atom = 1 at 30 digits for q = 1/4 … 4")(lambda quick: _normalisation(d))
    d.check("moments-quadrature", "numeric", "∫x^k ρ equals the Narayana polynomials, k ≤ 5, 30 digits")(
        lambda quick: _moments(d))
    d.check("stieltjes-inversion", "numeric", "−Im g(x+iε)/π reproduces the density")(lambda quick: _inversion(d))
    d.check("wishart-spectrum", "simulation", "KS test of sampled Wishart eigenvalues against the law")(
        lambda quick: _wishart_ks(d, quick))


# ---- public numbers ------------------------------------------------------------------
def _validate_q(q_value) -> float:
    if isinstance(q_value, bool):
        raise ValueError(f"q must be a real number in (0, inf), got {q_value!r}")
    try:
        qf = float(q_value)
    except (TypeError, ValueError):
        raise ValueError(f"q must be a real number in (0, inf), got {q_value!r}") from None
    if not np.isfinite(qf) or qf <= 0:
        raise ValueError(f"q must be finite and in (0, inf) (q = N/P), got {q_value!r}")
    return qf


@functools.cache
def _numpy_law():
    d = build()
    return {"density": to_numpy(_density_with_edges(d), [x, q, lam_m, lam_p]),
            "lower": to_numpy(d["stable-lower-edge"].rhs, [q]),
            "upper": to_numpy(d["edges"][1].rhs, [q]), "atom": to_numpy(d["atom"].rhs, [q])}


def law(q_value, dps=None) -> dict:
    """Edges λ± = (1 ± √q)² and the atom max(0, 1 − 1/q) at 0, from the derivation.

    >>> law(4)
    {'lower': 1.0, 'upper': 9.0, 'atom': 0.75}
    """
    qf = _validate_q(q_value)
    if dps is None:
        f = _numpy_law()
        atom = float(f["atom"](qf)) if qf > 1 else 0.0
        return {"lower": float(f["lower"](qf)), "upper": float(f["upper"](qf)), "atom": atom}
    with workdps(dps):
        f, qm = compiled(build()), mpmath.mpmathify(q_value)
        return {"lower": f["lower"](qm), "upper": f["upper"](qm), "atom": _atom_mass(f, qm)}


def density(x_values, q_value, dps=None):
    """Marchenko–Pastur density ρ(x) = √((λ₊ − x)(x − λ₋))/(2π q x) on [λ₋, λ₊], 0 elsewhere
    (the atom at 0 for q > 1 is not included; see :func:`law`).

    Float64 and vectorised by default; at ``dps`` digits (mpmath, scalar x) when given.

    >>> round(float(density(1.0, 1.0)), 12)    # √3/(2π)
    0.275664447711
    """
    qf = _validate_q(q_value)
    if dps is None:
        xs = np.asarray(x_values, dtype=float)
        lo, hi = law(qf)["lower"], law(qf)["upper"]
        inside = (xs > lo) & (xs < hi)
        out = np.where(np.isnan(xs), np.nan, 0.0)
        out[inside] = _numpy_law()["density"](xs[inside], qf, lo, hi)
        return out
    if np.ndim(x_values) != 0:
        raise ValueError("x_values must be a scalar when dps is given (mpmath evaluates one point)")
    with workdps(dps):
        return compiled(build())["density"](mpmath.mpmathify(x_values), mpmath.mpmathify(q_value))
