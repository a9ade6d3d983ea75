"""``structured-random-features``: projections with anisotropic columns and the finite-width exponent c(α_F).

F = G diag(s)^{1/2}/√D with G a D×N Gaussian matrix: feature j has its own variance s_j. The
nonzero spectrum of FFᵀ is that of diag(s)^{1/2}(GᵀG/D)diag(s)^{1/2} in N dimensions, a free
product of diag(s) with a white Wishart matrix of ratio N/D; moved to D dimensions by the
dimension-change rule of the S-transform, the projection's S-factor at t = −d is 1/(ρd) with
df_s(ρ) = dD/N. So κ₁ = κ₂ρd replaces κ₁ = κ₂(N/D − d) (which it reduces to for s ≡ 1), and
∂ = [1 + (d₁ − d₂)/d₁ · δ₂/(δ − δ₂)]⁻¹ with δ, δ₂ the column degrees of freedom at ρ. Every
other step of ``linear-random-features`` is unchanged, so Var_F = (1 − ∂)κ₂tf₂(κ₂). At fixed P
without ridge κ₂ and d do not depend on N: the finite-width correction Var_F + Var_XF ∝ 1 − ∂
decays as the column sum Σ_j s_j²/(s_j + ρ)² with Σ_j s_j/(s_j + ρ) = P held fixed. For
s_j = j^(−α_F) the two scales (the columns above ρ, and the tail N^(1−α_F)/ρ) give, in the window
where ρ ≪ 1 (for α_F < 1: N^(1−α_F) ≪ (1 − α_F)P, e.g. N and P growing together),

    c(α_F) = 1 (α_F < ½),   (1 − α_F)/α_F (½ < α_F < 1),   0 (α_F > 1),

the exponent reported for the paper's setting (P = 10³, N = 10²…10⁴). Beyond the window (fixed P,
N → ∞ with α_F < 1) the column ridge exceeds every s_j and the exponent becomes 2(1 − α_F) for
½ < α_F < 1 (still 1 below ½): measured with the exact theory, −0.3351 at N = 10¹⁵ for P = 10⁸
and −0.4976 at N = 10⁸ for P = 10, at α_F = ¾.

Source: Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592 (structured linear random features;
the authors' notebook normalises the columns by 1/√N_{l−1}, as here with N_0 = D).

>>> from derivations import registry
>>> registry.get("structured-random-features")["finite-width-exponent"].rhs
Piecewise((1, a < 1/2), ((1 - a)/a, a < 1), (0, True))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.asymptotics import rate_of, truncated_integral_leading, truncated_power_sum_leading
from derive.equations import residual
from derive.operations import implicit_slope, transform
from derive.spectral import COLUMN, K, NCOL, column_sum, sums_in_basis
from derivations import registry
from derivations.engine import Derivation, Source
from derivations.ridge import symbols as ridge_symbols

lam = ridge_symbols.lam

NAME = "structured-random-features"
TITLE = "Random features with anisotropic columns: the projection's S-factor and the finite-width exponent"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression", section="structured random features")

t, z, c, u = sp.symbols("t z c u", positive=True)
d = sp.Symbol("d", positive=True)
rho = sp.Symbol("rho", positive=True)
delta, delta2 = sp.Symbol("delta", positive=True), sp.Symbol("delta_2", positive=True)
d1, d2 = sp.Symbol("d_1", positive=True), sp.Symbol("d_2", positive=True)
k1, k2 = sp.Symbol("kappa_1", positive=True), sp.Symbol("kappa_2", positive=True)
partial = sp.Symbol("partial", positive=True)
a, P, U = sp.Symbol("a", positive=True), sp.Symbol("P", positive=True), sp.Symbol("U", positive=True)
cexp = sp.Symbol("c_F")
S_A, S_D, S_N, S_s, S_G, S_M, S_Sig = (sp.Function(n) for n in ("S_A", "S_D", "S_N", "S_s", "S_G", "S_M", "S_Sigma"))
psi_D, psi_N, psiinv = sp.Function("psi_D"), sp.Function("psi_N"), sp.Function("psiinv_A")
Delta1, Delta2 = sp.Symbol("Delta_1", positive=True), sp.Symbol("Delta_2", positive=True)
Rate = sp.Function("Rate")
SUM_DELTA = column_sum(COLUMN[K] / (COLUMN[K] + rho))
SUM_DELTA2 = column_sum(COLUMN[K] ** 2 / (COLUMN[K] + rho) ** 2)
SUM_CSLOPE = column_sum(rho * COLUMN[K] / (COLUMN[K] + rho) ** 2)
DOMAINS = {a: (sp.Rational(1, 5), sp.Rational(2)), c: (sp.Rational(2), sp.Rational(5)), d: (sp.Rational(1, 10), sp.Rational(1, 2)),
           delta: (sp.Rational(1, 10), sp.Rational(1, 2)), delta2: (sp.Rational(1, 40), sp.Rational(1, 20)),
           d1: (sp.Rational(1, 5), sp.Rational(1, 2)), d2: (sp.Rational(1, 20), sp.Rational(1, 10))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``structured-random-features`` (built once; the face attaches the checks)."""
    dv = Derivation(NAME, TITLE, SOURCE, assumptions=(c, d, rho, k1, k2, a, P), summary=(
        "Linear random features (linear-random-features) with one projection F = G diag(s)^{1/2}/√D, G a D×N "
        "matrix of i.i.d. N(0, 1) entries and s_j > 0 the variances of the N feature columns; c = N/D. "
        "Traces are normalised by D (the data space) or by N (the feature space), as marked; d = df¹_Σ(κ₂)."))
    _s_factor(dv)
    _partial(dv)
    _exponent(dv)
    return dv


# ---- the projection's S-factor -----------------------------------------------------------------
def _dimension_change(sdef, same):
    """ψ_D = cψ_N ⇒ ψ_D⁻¹(t) = ψ_N⁻¹(t/c); with S = (1 + t)/t·ψ⁻¹ in both dimensions."""
    inv_N = sp.solve(residual(sdef), psiinv(t))[0].subs(sp.Function("S_A")(t), S_N(t))   # ψ_N⁻¹(t) = t S_N(t)/(1 + t)
    scale = sp.simplify(same.rhs / psi_N(z))                                           # c
    inv_D_at_t = inv_N.subs(t, t / scale)                                              # ψ_D⁻¹(t) = ψ_N⁻¹(t/c)
    return sp.Eq(S_D(t), sp.factor((1 + t) / t * inv_D_at_t))


def _structured_factor(dim, prod, wishart, s_of_df):
    """At t = −d: S_D(−d) with S_N = S_s S_G at −d/c, S_s(−δ) from (s-of-df) at ridge ρ, δ = d/c."""
    at = dim.rhs.subs(t, -d)
    s_N = prod.rhs.subs(u, -d / c)
    s_s = s_of_df.rhs.subs(sp.Symbol("d", positive=True), d / c).subs(lam, rho)
    value = at.subs(S_N(-d / c), s_N).subs(S_s(-d / c), s_s).subs(S_G(-d / c), wishart.rhs.subs(u, -d / c))
    return sp.Eq(S_M(-d), sp.factor(sp.simplify(value)))


def _s_factor(dv: Derivation) -> None:
    dv.derive("s-definition", "S-transform", "Defined in ridge-regression.", registry.imported("ridge-regression", "s-definition"))
    dv.define("same-spectrum", "One spectrum, two dimensions", "FFᵀ (D×D) and diag(s)^{1/2}GᵀG diag(s)^{1/2}/D (N×N) "
              "have the same nonzero eigenvalues; with normalised traces ψ_D(z) = (N/D)ψ_N(z) = cψ_N(z).",
              sp.Eq(psi_D(z), c * psi_N(z)))
    dv.derive("s-dimension-change", "S-transform in the larger dimension", "ψ_D⁻¹(t) = ψ_N⁻¹(t/c); insert into "
              "the definition in both dimensions.",
              transform(("s-definition", "same-spectrum"), _dimension_change, "invert (same-spectrum), ψ_N⁻¹ from "
                        "(s-definition) with S_N, then (s-definition) in D dimensions"),
              display=sp.Eq(S_D(t), (1 + t) / (c + t) * S_N(t / c)), domains=DOMAINS)
    dv.derive("wishart-s", "White Wishart S-transform", "Derived in marchenko-pastur.",
              registry.imported("marchenko-pastur", "s-transform"))
    dv.derive("column-wishart", "GᵀG/D", "N×N with D samples: ratio N/D = c, mean 1.",
              transform("wishart-s", lambda w: sp.Eq(S_G(u), w.rhs.subs(sp.Symbol("q", positive=True), c).subs(t, u)),
                        "(wishart-s) at q = c, in the variable u"), display=sp.Eq(S_G(u), 1 / (1 + c * u)))
    dv.quote("column-product", "Free product in feature space", "diag(s) and the white Wishart GᵀG/D are "
             "asymptotically free (traces normalised by N).", sp.Eq(S_N(u), S_s(u) * S_G(u)),
             checked_by=("structured-projection-equivalent",), reference="Voiculescu; arXiv:2405.00592")
    dv.derive("s-of-df", "S-transform at t = −df", "Derived in ridge-regression.", registry.imported("ridge-regression", "s-of-df"))
    dv.define("column-df", "Column degrees of freedom", "ρ is the ridge at which the columns' normalised degrees of "
              "freedom equal d/c (the S-transform of diag(s) is taken at −d/c): δ = d/c.",
              (sp.Eq(delta, SUM_DELTA / NCOL), sp.Eq(delta2, SUM_DELTA2 / NCOL), sp.Eq(delta, d / c)))
    dv.derive("structured-factor", "The projection's S-factor at t = −d", "",
              transform(("s-dimension-change", "column-product", "column-wishart", "s-of-df"), _structured_factor,
                        "(s-dimension-change) at t = −d, (column-product) at −d/c with (column-wishart) and (s-of-df) at "
                        "ridge ρ and df d/c", name="substitute"),
              display=sp.Eq(S_M(-d), 1 / (rho * d)), domains=DOMAINS)
    dv.derive("structured-kappa1", "Population-level renormalisation", "As in linear-random-features: "
              "S_A(−d) = S_Σ(−d) S_M(−d) with ridges κ₁ and κ₂.",
              transform(("s-of-df", "structured-factor"), lambda sd, sf: sp.Eq(k1, sp.solve(sp.Eq(
                  sd.rhs.subs(lam, k1), sd.rhs.subs(lam, k2) * sf.rhs), k1)[0]),
                        "(s-of-df) at ridge κ₁ = (s-of-df) at κ₂ times (structured-factor), solved for κ₁",
                        name="substitute and solve"),
              display=sp.Eq(k1, k2 * rho * d))
    dv.derive("isotropic-columns", "s ≡ 1 recovers linear-random-features", "With s_j = 1, δ = 1/(1 + ρ) = d/c: "
              "ρd = c − d = N/D − d, the factor of (kappa1-relation) for one layer.",
              transform("column-df", lambda cd: sp.Eq(rho * d, sp.expand(sp.solve(sp.Eq(
                  sp.simplify(cd[0].rhs.xreplace({COLUMN[K]: 1}).doit()), cd[2].rhs), rho)[0] * d)),
                        "(column-df) with s_j = 1: 1/(1 + ρ) = d/c, solved for ρ"),
              display=sp.Eq(rho * d, c - d))


# ---- ∂ ----------------------------------------------------------------------------------------
def _dlog_rho(cd, slope):
    """d log ρ/d log d from Σ_j s_j/(s_j+ρ)/N − d/c = 0 (implicit), sums through δ, δ − δ₂ (column-slope)."""
    F = cd[0].rhs - cd[2].rhs
    value = implicit_slope(F, rho, d) * d / rho
    basis = {COLUMN[K] / (COLUMN[K] + rho): NCOL * delta, slope.lhs.function: NCOL * (delta - delta2)}
    value = sums_in_basis(sp.together(value), basis)
    return sp.Eq(sp.Symbol("dlogrho_dlogd"), sp.simplify(value.subs(d, sp.solve(cd[2], d)[0])))


def _partial(dv: Derivation) -> None:
    dv.identity("column-slope", "Slope of the column degrees of freedom", "Per column, ρs/(s+ρ)² = s/(s+ρ) − s²/(s+ρ)².",
                sp.Eq(SUM_CSLOPE, SUM_DELTA - SUM_DELTA2, evaluate=False))
    dv.derive("dlog-rho", "d log ρ/d log d", "Implicit differentiation of the column df matching.",
              transform(("column-df", "column-slope"), _dlog_rho, "implicit differentiation of (column-df) in d, "
                        "sums through δ and (column-slope), d/c = δ", name="implicit differentiation"),
              display=sp.Eq(sp.Symbol("dlogrho_dlogd"), -delta / (delta - delta2)), domains=DOMAINS)
    dv.derive("dlog-d", "d log d/d log κ₂", "Derived in linear-random-features: κ₂ dd/dκ₂ = −(d₁ − d₂).",
              registry.imported("linear-random-features", "df-slope"))
    dv.derive("structured-partial", "∂ for anisotropic columns", "log κ₁ = log κ₂ + log ρ(d) + log d(κ₂): "
              "d log κ₁/d log κ₂ = 1 + (1 + d log ρ/d log d)·(d log d/d log κ₂), d log d/d log κ₂ = −(d₁ − d₂)/d₁.",
              transform(("structured-kappa1", "dlog-rho"), lambda kr, dr: sp.Eq(partial, sp.factor(1 / (
                  1 + (1 + dr.rhs) * (-(d1 - d2) / d1)))),
                        "logarithmic derivative of (structured-kappa1) with (dlog-rho) and d log d/d log κ₂ = "
                        "−(d₁ − d₂)/d₁ (dlog-d)", name="logarithmic differentiation"),
              display=sp.Eq(partial, 1 / (1 + (d1 - d2) / d1 * delta2 / (delta - delta2))), domains=DOMAINS)
    dv.derive("variance-F", "Var_F", "Derived in linear-random-features; the steps after (kappa1-relation) hold for "
              "any κ₁(κ₂), here (structured-kappa1).", registry.imported("linear-random-features", "variance-F"))


# ---- the finite-width exponent ------------------------------------------------------------------
NN = sp.Symbol("N", positive=True)          # the width as a continuous scaling variable


def _column_integrals(_):
    """Δ_b = Σ_{j≤N}(1 + ρj^a)^(−b) ≃ ρ^(−1/a)∫_0^U (1 + u^a)^(−b)du, U = Nρ^(1/a), leading as U → ∞."""
    return tuple(sp.Eq(name, rho ** (-1 / a) * truncated_integral_leading(a, b, U)) for name, b in ((Delta1, 1), (Delta2, 2)))


def _column_sums_large_rho(_):
    """ρ ≫ 1: (1 + ρj^a)^(−b) = (ρj^a)^(−b)(1 + O(1/ρ)) for every column, Δ_b ≃ ρ^(−b)Σ_{j≤N} j^(−ab)."""
    return tuple(sp.Eq(name, rho ** (-b) * truncated_power_sum_leading(a * b, NN)) for name, b in ((Delta1, 1), (Delta2, 2)))


def _branches_of(expr):
    factors = sp.Mul.make_args(expr)
    (pw,) = [f for f in factors if isinstance(f, sp.Piecewise)]
    rest = sp.Mul(*[f for f in factors if not isinstance(f, sp.Piecewise)])
    return [(rest * e, cond) for e, cond in pw.args]


def _simple(e):
    return sp.powsimp(sp.expand_power_base(e, force=True), force=True)


def _rate_of_delta2(integrals, at_U=True):
    """Hold Δ₁ = P (the sample limits the resolution), solve for ρ in each branch of Δ₁, insert into each
    branch of Δ₂; the rate in N of Δ₂, branch by branch in a. Also returns ρ(N) per branch of Δ₁."""
    pieces, roots = [], []
    for (e1, c1) in _branches_of(integrals[0].rhs):
        e1 = _simple(e1.subs(U, NN * rho ** (1 / a))) if at_U else e1
        (root,) = sp.solve(sp.Eq(e1, P), rho)
        roots.append((sp.simplify(root), sp.simplify(c1)))
        for (e2, c2) in _branches_of(integrals[1].rhs):
            region = sp.simplify(sp.And(c1, c2))
            if region == sp.false:
                continue
            value = (e2.subs(U, NN * rho ** (1 / a)) if at_U else e2).subs(rho, root)
            pieces.append((sp.simplify(rate_of(_simple(value), NN)), region))
    return sp.Piecewise(*pieces), sp.Piecewise(*roots)


def _exponent(dv: Derivation) -> None:
    dv.assume("power-law-columns", "Power-law column variances", "s_j = j^(−a), a = α_F > 0, j = 1 … N.",
              sp.Eq(COLUMN[K], K ** (-a)))
    dv.approximate("column-integrals", "Column sums as integrals (ρ ≪ 1)", "When ρ ≪ 1 the column sums change on the "
                   "scale j ~ ρ^(−1/a) ≫ 1 and are integrals: Σ_{j≤N}(1 + ρj^a)^(−b) ≃ ρ^(−1/a)∫_0^U(1 + u^a)^(−b)du "
                   "with U = Nρ^(1/a) → ∞; leading term from derive.asymptotics.truncated_integral_leading.",
                   _column_integrals(None), checked_by=("column-sums",))
    dv.derive("width-rate", "Δ₂ against N at fixed P, ρ ≪ 1", "Without ridge and with P below N and D, d = P/D and "
              "κ₂ do not depend on N, and Δ₁ = Nδ = P. Solve Δ₁ = P for ρ in each regime of a, insert into Δ₂.",
              transform("column-integrals", lambda ci: sp.Eq(Rate(Delta2, NN), _rate_of_delta2(ci)[0]),
                        "Δ₁ = P solved for ρ per branch of (column-integrals), inserted into Δ₂, −d log Δ₂/d log N",
                        name="dominant balance"),
              display=sp.Eq(Rate(Delta2, NN), sp.Piecewise(
                  (1, a < sp.Rational(1, 2)), ((1 - a) / a, sp.And(a > sp.Rational(1, 2), a < 1)), (0, a > 1))))
    dv.derive("column-ridge", "ρ(N) at fixed P", "The same solve: for a < 1 the column ridge grows with N, and the "
              "integral regime (ρ ≪ 1) holds while N^(1−a) ≪ (1 − a)P — the window of the finite-width exponent.",
              transform("column-integrals", lambda ci: sp.Eq(rho, _rate_of_delta2(ci)[1]),
                        "Δ₁ = P solved for ρ per branch of (column-integrals)", name="solve"),
              display=sp.Eq(rho, sp.Piecewise(((sp.pi / (P * a * sp.sin(sp.pi / a))) ** a, a > 1),
                                              (NN ** (1 - a) / (P * (1 - a)), a < 1))))
    dv.derive("finite-width-exponent", "c(α_F)", "1 − ∂ = x/(1 + x) with x = (d₁ − d₂)/d₁ · Δ₂/(Δ₁ − Δ₂) "
              "(structured-partial, δ = Δ₁/N, δ₂ = Δ₂/N) and Δ₁ = P: Var_F + Var_XF ∝ 1 − ∂ decays as Δ₂ "
              "(it does not decay when Δ₂ tends to a constant, a > 1).",
              transform("width-rate", lambda wr: sp.Eq(cexp, sp.Piecewise(
                  *[(e, cnd) for e, cnd in wr.rhs.args[:-1]], (wr.rhs.args[-1][0], True))),
                        "c = the rate of Δ₂ (width-rate), the last regime as the default"),
              display=sp.Eq(cexp, sp.Piecewise((1, a < sp.Rational(1, 2)), ((1 - a) / a, a < 1), (0, True))))
    dv.approximate("column-sums-large-rho", "Column sums beyond the window (ρ ≫ 1)", "For a < 1 and N^(1−a) ≫ (1 − a)P "
                   "the column ridge exceeds every s_j: (1 + ρj^a)^(−b) ≃ (ρj^a)^(−b), and Σ_{j≤N} j^(−ab) is ζ(ab) or "
                   "N^(1−ab)/(1 − ab) (derive.asymptotics.truncated_power_sum_leading).",
                   _column_sums_large_rho(None), checked_by=("column-sums",))
    dv.derive("finite-width-exponent-beyond", "c beyond the window", "Δ₁ = P with the large-ρ sums: ρ ∝ N^(1−a)/P and "
              "Δ₂ ∝ ρ^(−2)ζ(2a) (a > ½) or ρ^(−2)N^(1−2a) (a < ½): the exponent becomes 2(1 − a) for ½ < a < 1.",
              transform("column-sums-large-rho", lambda cs: sp.Eq(sp.Symbol("c_F_beyond"), _rate_of_delta2(cs, at_U=False)[0]),
                        "Δ₁ = P solved for ρ with (column-sums-large-rho), inserted into Δ₂, rate in N",
                        name="dominant balance"),
              display=sp.Eq(sp.Symbol("c_F_beyond"), sp.Piecewise((1, a < sp.Rational(1, 2)),
                                                                  (2 - 2 * a, sp.And(a > sp.Rational(1, 2), a < 1)),
                                                                  (0, a > 1))))
