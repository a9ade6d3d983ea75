"""``ridge-exponents``: the scaling laws of ridge regression with power-law spectra, derived.

η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)), infinitely many modes. The sums of the ridge theory
become Σ_k k^(−β)(1 + κk^α)^(−b); their small-κ leading terms (a Mellin/Beta integral, or
ζ(β) where the sum converges at κ = 0, with the condition in r kept) turn the κ equation into
κ = (C₁/P)^α without ridge and κ ≍ max(λ, (C₁/P)^α) with ridge λ = P^(−l); the error terms
follow by dominant balance. Each rate is a ``Min``/``Piecewise`` SymPy keeps.

Source: Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592 (power-law section); Bordelon,
Atanasov, Pehlevan, arXiv:2402.01092 (the same exponents in their notation b = α, a = 1 + 2αr).

>>> from derivations import registry
>>> registry.get("ridge-exponents")["noiseless-rate"]
Eq(Rate(E_g0, P), 2*Min(1, r)*Min(alpha, l))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.asymptotics import branches, piecewise_as_min, power_law_sum_leading, rate_of
from derive.operations import transform
from derive.spectral import ETA, K, WBAR
from derivations import registry
from derivations.engine import Derivation, Source

NAME = "ridge-exponents"
TITLE = "Scaling exponents of ridge regression with power-law spectra"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression", section="power-law scalings")

alpha, r, l = sp.Symbol("alpha", positive=True), sp.Symbol("r", positive=True), sp.Symbol("l", positive=True)
P = sp.Symbol("P", positive=True)
kappa = sp.Symbol("kappa", nonnegative=True)          # the ridge-regression entry's κ
kap = sp.Symbol("kappa", positive=True)               # κ > 0 in the asymptotic statements
lam = sp.Symbol("lambda", nonnegative=True)
sigma = sp.Symbol("sigma_eps", nonnegative=True)
gamma = sp.Symbol("gamma", positive=True)
Bias2, E_g0, Var_Xeps, E_g = sp.symbols("Bias2 E_g0 Var_Xeps E_g")
Lead, Rate, Order = sp.Function("Lead"), sp.Function("Rate"), sp.Function("Order")
KI = sp.Symbol("k", positive=True, integer=True)
#: names of the ridge sums in the statements of this entry
SUM_NAMES = ("df1", "df2", "tf1p")
ALPHA_DOMAIN = {alpha: (sp.Rational(11, 10), sp.Integer(3)), r: (sp.Rational(1, 10), sp.Integer(3)),
                l: (sp.Rational(1, 10), sp.Integer(1))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``ridge-exponents`` (built once; the face :mod:`derivations.ridge` attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(alpha, r, l, P, kap), summary=(
        "Ridge regression (the ridge-regression entry) with infinitely many modes, η_k = k^(−α) with α > 1 "
        "and w̄_k²η_k = k^(−(1+2αr)) with r > 0 (capacity α, source r); ridge λ = P^(−l); P → ∞. "
        "Lead(·) is the leading term as κ → 0, Rate(E, P) the decay rate ρ in E ∝ P^(−ρ), and "
        "Order(E, κ) the power of κ in E ∝ κ^(Order)."))
    _sums(d)
    _kappa(d)
    _errors(d)
    return d


def power_law_form(summand, power_law):
    """A ridge summand with η_k = k^(−α) and w̄_k² = k^(−(1+2αr))/η_k, simplified."""
    eta_k = power_law[0].rhs
    wbar2 = power_law[1].rhs / eta_k
    value = summand.subs(WBAR[K] ** 2, wbar2).subs(ETA[K], eta_k).subs(K, KI)
    return sp.powsimp(sp.factor(sp.powsimp(sp.expand_power_base(value, force=True), force=True)), force=True)


def _to_power_law(power_law, kappa_eq, gamma_def, tf_def):
    sums = [kappa_eq.lhs.atoms(sp.Sum).pop(), gamma_def.rhs.atoms(sp.Sum).pop(), tf_def.rhs]
    return tuple(sp.Eq(sp.Function(n)(kap), sp.Sum(power_law_form(s.function.subs(kappa, kap), power_law), (KI, 1, sp.oo)))
                 for n, s in zip(SUM_NAMES, sums))


def generic_parameters(summand) -> tuple[sp.Expr, sp.Expr]:
    """(β, b) with summand = k^(−β)(1 + κk^α)^(−b)."""
    w1, w2 = sp.Wild("w1", exclude=[KI]), sp.Wild("w2", exclude=[KI])
    m = sp.powsimp(summand, force=True).match(KI ** w1 * (1 + kap * KI ** alpha) ** w2)
    if m is None:
        raise ValueError(f"summand is not k^(−β)(1 + κk^α)^(−b): {summand}")
    return sp.simplify(-m[w1]), sp.simplify(-m[w2])


def _leading(sums, index):
    """Lead(Σ) by power_law_sum_leading; conditions solved for r (or dropped when they only ask α > 1)."""
    the_sum = sums[index].rhs
    beta, b = generic_parameters(the_sum.function)
    pw = power_law_sum_leading(beta, alpha, b, kap)
    if not pw.has(r):
        (value, _), = [(e, c) for e, c in pw.args if c != sp.false][:1]
        return sp.Eq(Lead(sums[index].lhs), value)
    return sp.Eq(Lead(sums[index].lhs), sp.Piecewise(*branches(pw, r)))


def _sums(d: Derivation) -> None:
    d.assume("power-law-spectrum", "Power-law spectrum and target", "Capacity α > 1 (the sums converge), "
             "source r > 0; D = ∞.", (sp.Eq(ETA[K], K ** (-alpha)), sp.Eq(WBAR[K] ** 2 * ETA[K], K ** (-(1 + 2 * alpha * r)))))
    d.derive("kappa-equation", "κ equation", "Derived in ridge-regression.", registry.imported("ridge-regression", "kappa-equation"))
    d.derive("gamma-definition", "γ", "Derived in ridge-regression.", registry.imported("ridge-regression", "gamma-definition"))
    d.derive("tf-definition", "Task function", "Defined in ridge-regression.", registry.imported("ridge-regression", "tf-definition"))
    d.derive("power-law-sums", "The sums for the power law", "Insert the spectrum and let D → ∞.",
             transform(("power-law-spectrum", "kappa-equation", "gamma-definition", "tf-definition"), _to_power_law,
                       "substitute (power-law-spectrum) into the sums of (kappa-equation), (gamma-definition), "
                       "(tf-definition); upper limit D → ∞"),
             display=(sp.Eq(sp.Function("df1")(kap), sp.Sum(1 / (kap * KI ** alpha + 1), (KI, 1, sp.oo))),
                      sp.Eq(sp.Function("df2")(kap), sp.Sum(1 / (kap * KI ** alpha + 1) ** 2, (KI, 1, sp.oo))),
                      sp.Eq(sp.Function("tf1p")(kap), sp.Sum(KI ** (2 * alpha - 2 * alpha * r - 1) / (kap * KI ** alpha + 1) ** 2,
                                                           (KI, 1, sp.oo)))), domains=ALPHA_DOMAIN)
    c1 = sp.pi / (alpha * sp.sin(sp.pi / alpha))
    for i, (label, title, display) in enumerate((
            ("df-leading", "Leading Σ η/(η+κ)", c1 * kap ** (-1 / alpha)),
            ("df2-leading", "Leading Σ η²/(η+κ)²", (1 - 1 / alpha) * c1 * kap ** (-1 / alpha)),
            ("tf1p-leading", "Leading tf₁'(κ)", sp.Piecewise(
                (sp.gamma(2 - 2 * r) * sp.gamma(2 * r) / alpha * kap ** (2 * r - 2), r < 1),
                (sp.zeta(2 * alpha * r - 2 * alpha + 1), r > 1))))):
        d.derive(label, title, "Checked against the exact sum by (leading-terms). u = κk^α turns the sum into a Beta integral (Mellin transform of (1 + u)^(−b), "
                 "strip kept as the condition); where the sum converges at κ = 0 the constant ζ(β) leads.",
                 transform("power-law-sums", lambda s, i=i: _leading(s, i),
                           f"leading term as κ → 0 of sum {i + 1} of (power-law-sums): integral by u = κk^α and the "
                           "Mellin transform, or ζ(β)", name="asymptotics"),
                 display=sp.Eq(Lead(sp.Function(SUM_NAMES[i])(kap)), display), domains=ALPHA_DOMAIN)


def _ridgeless(ke, dl):
    """λ = 0, κ > 0: Σ η/(η+κ) = P; with its leading term, solve for κ."""
    lead = dl.rhs
    (root,) = sp.solve(sp.Eq(lead, P), kap)
    return sp.Eq(kap, sp.simplify(root))


def _kappa(d: Derivation) -> None:
    d.derive("ridgeless-kappa", "Ridgeless κ", "At λ = 0 the κ equation asks Σ_k η_k/(η_k+κ) = P (ridge-"
             "regression's ridgeless limit for D > P); with the leading term, solve.",
             transform(("kappa-equation", "df-leading"), _ridgeless, "λ = 0 in (kappa-equation): the sum equals P; "
                       "insert (df-leading), solve for κ", name="solve"),
             display=sp.Eq(kap, (sp.pi / (alpha * P * sp.sin(sp.pi / alpha))) ** alpha), domains=ALPHA_DOMAIN)
    d.derive("kappa-rate-ridgeless", "κ ∝ P^(−α)", "The logarithmic derivative of (ridgeless-kappa).",
             transform("ridgeless-kappa", lambda rk: sp.Eq(Rate(kap, P), rate_of(rk.rhs, P)), "−d log κ/d log P of "
                       "(ridgeless-kappa)"), display=sp.Eq(Rate(kap, P), alpha))
    d.derive("kappa-rate", "κ with ridge λ = P^(−l)", "κ(1 − Σ η/(η+κ)/P) = λ gives κ ≥ λ, and Σ η/(η+κ) < P gives "
             "κ above the ridgeless value: κ ≍ max(λ, (C₁/P)^α), whichever decays slower.",
             transform("ridgeless-kappa", lambda rk: sp.Eq(Rate(kap, P), sp.Min(rate_of(P ** (-l), P), rate_of(rk.rhs, P))),
                       "dominant balance: the slower of λ = P^(−l) and (ridgeless-kappa)", name="dominant balance"),
             display=sp.Eq(Rate(kap, P), sp.Min(alpha, l)))


def _order_in_kappa(bias_pw):
    """Order in κ of κ²·Lead(tf₁') branch by branch, then as a Min when that is the same function."""
    pieces = [(sp.simplify(kap * sp.diff(sp.log(kap ** 2 * e), kap)), c) for e, c in bias_pw.rhs.args]
    pw = sp.Piecewise(*pieces)
    as_min = piecewise_as_min(pw, r)
    return sp.Eq(Order(Bias2, kap), as_min if as_min is not None else pw)


def _gamma_ridgeless(gd, d2, dl):
    """γ = Σ η²/(η+κ)²/P with P = Σ η/(η+κ) (ridgeless): the ratio of the leading terms."""
    return sp.Eq(gamma, sp.simplify(d2.rhs / dl.rhs))


def _errors(d: Derivation) -> None:
    d.derive("bias-order", "Bias² = κ² tf₁' in powers of κ", "Branch by branch: capacity-limited (r > 1) κ², "
             "source-limited (r < 1) κ^(2r).",
             transform("tf1p-leading", _order_in_kappa, "d log(κ² Lead tf₁')/d log κ per branch of (tf1p-leading), "
                       "as a Min"), display=sp.Eq(Order(Bias2, kap), 2 * sp.Min(1, r)))
    d.derive("gamma-ridgeless", "γ without ridge", "γ = Σ η²/(η+κ)²/P and P = Σ η/(η+κ): the ratio of the leading terms.",
             transform(("gamma-definition", "df2-leading", "df-leading"), _gamma_ridgeless,
                       "(gamma-definition) with P from the ridgeless condition: (df2-leading)/(df-leading)"),
             display=sp.Eq(gamma, 1 - 1 / alpha))
    d.derive("noiseless-rate", "Noiseless E_g", "E_g(σ = 0) = κ² tf₁'/(1 − γ) and 1 − γ tends to a constant "
             "(1/α without ridge, 1 with it): rate = Order in κ × rate of κ.",
             transform(("bias-order", "kappa-rate"), lambda bo, kr: sp.Eq(Rate(E_g0, P), bo.rhs * kr.rhs),
                       "multiply (bias-order) by (kappa-rate)"),
             display=sp.Eq(Rate(E_g0, P), 2 * sp.Min(1, r) * sp.Min(alpha, l)))
    d.derive("noise-rate", "Label-noise term", "Var_Xε = σ²γ/(1 − γ). With the ridge leading (l < α), κ ≈ λ and "
             "γ ≃ (1 − 1/α)C₁λ^(−1/α)/P decays; without (l > α) γ → 1 − 1/α: no decay.",
             transform("df2-leading", lambda d2: sp.Eq(Rate(Var_Xeps, P), sp.Piecewise(
                 (rate_of(d2.rhs.subs(kap, P ** (-l)) / P, P), l < alpha), (0, True))),
                       "rate of (df2-leading)/P at κ = λ = P^(−l) when the ridge leads, else 0"),
             display=sp.Eq(Rate(Var_Xeps, P), sp.Piecewise((1 - l / alpha, l < alpha), (0, True))))
    d.derive("scaling-law", "E_g with label noise", "A sum of power laws decays at the slowest rate.",
             transform(("noiseless-rate", "noise-rate"), lambda a, b: sp.Eq(Rate(E_g, P), sp.Min(a.rhs, b.rhs)),
                       "Min of (noiseless-rate) and (noise-rate)", name="dominant balance"),
             display=sp.Eq(Rate(E_g, P), sp.Min(2 * sp.Min(1, r) * sp.Min(alpha, l),
                                                sp.Piecewise((1 - l / alpha, l < alpha), (0, True)))))
