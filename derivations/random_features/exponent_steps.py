"""``random-feature-exponents``: scaling laws of linear random features with power-law spectra.

With η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)) and infinitely many modes, the two-level theory of
``linear-random-features`` gives: without ridge the narrowest of P and N sets the resolution,
κ₂ = (C₁/min(P, N))^α; with infinite data (P → ∞) the error is the projection's own
E_F B₁ = κ₂ tf₁(κ₂) (∂ = 0 at the width bottleneck), whence E ∝ N^(−α·min(2r, 1)); on the
overparameterised side (N ≫ P) the projection variance Var_F = (1 − ∂)κ₂tf₂(κ₂) carries a factor
1 − ∂ ≃ P/(αN), whence Var_F ∝ N^(−1) at fixed P. With N = P^q and λ = P^(−l), κ₂ ∝ P^(−K) with
K = Min(α, l, αq), and the error rate is the Min of the bias, feature-term and label-noise rates:
the phase diagram.

The rates are leading powers. On the regime boundaries (r = 1, 2r = 1, l = α, …) poles of the
Mellin expansion coincide and the error carries a log factor, so local slopes approach the rate
only as 1/ln P (measured at r = 1: −2.96 at P = 1e12 for ρ = 3, consistent with P^(−3) ln P); where
two branches of the Min have close rates the crossover takes many decades (r = 0.4, q = ½ with
label noise: the noise term P^(−0.5) overtakes the signal P^(−0.6) only near P ~ 1e16). Away from
the boundaries the exact infinite theory's local slope at P = 1e12 is within 0.004 of the rate
(tests/random_features/test_rf_phase_diagram.py).

Projections here are normalised per width (see :mod:`derivations.random_features.power_law_theory`): the
factors N_l/D − df¹ read (1 − Df₁/N_l) with Df₁ = Σ_k η_k/(η_k+κ₂).

Source: Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592 (linear random features, phase
plot); Bordelon, Atanasov, Pehlevan, arXiv:2402.01092 (the model bottleneck N^(−min(a−1, b)),
which is N^(−α·min(2r, 1)) here).

>>> from derivations import registry
>>> registry.get("random-feature-exponents")["width-limited-rate"]
Eq(Rate(E_F B_1, N), alpha*Min(1, 2*r))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.asymptotics import branches, piecewise_as_min, power_law_sum_leading, rate_of
from derive.operations import transform
from derivations import registry
from derivations.engine import Derivation, Source
import derivations.random_features.steps as lrf
from derivations.ridge import exponent_symbols as _ex

ALPHA_DOMAIN, KI, Lead, Order, Rate = _ex.ALPHA_DOMAIN, _ex.KI, _ex.Lead, _ex.Order, _ex.Rate
alpha, r, kap, generic_parameters, power_law_form = _ex.alpha, _ex.r, _ex.kap, _ex.generic_parameters, _ex.power_law_form

NAME = "random-feature-exponents"
TITLE = "Scaling exponents of linear random features with power-law spectra"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression", section="linear random features, phase plot")

N, P, q, l = (sp.Symbol(n, positive=True) for n in ("N", "P", "q", "l"))
B1mean, Var_F, E_g, one_minus_partial = sp.Symbol("E_F B_1"), sp.Symbol("Var_F"), sp.Symbol("E_g"), sp.Symbol("1 - partial")
Df1, Df2 = sp.Function("Df1"), sp.Function("Df2")
tf1, tf2 = sp.Function("tf1"), sp.Function("tf2")


@functools.cache
def derivation() -> Derivation:
    """The steps of ``random-feature-exponents`` (built once; the face attaches the checks and laws)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(alpha, r, N, P, q, l, kap), summary=(
        "Linear random features (the linear-random-features entry) with infinitely many modes, η_k = k^(−α) "
        "(α > 1) and w̄_k²η_k = k^(−(1+2αr)) (r > 0), one projection of width N normalised per width, "
        "Df₁ = Σ_k η_k/(η_k+κ₂); N = P^q, λ = P^(−l). Lead(·) is the leading term as κ₂ → 0, Rate(E, x) "
        "the decay rate ρ in E ∝ x^(−ρ), Order(E, κ) the power of κ."))
    _width_limited(d)
    _feature_variance(d)
    _phase_diagram(d)
    return d


def _sum_leading(sum_def):
    beta, b = generic_parameters(sum_def.rhs.function)
    pw = power_law_sum_leading(beta, alpha, b, kap)
    return sp.Eq(Lead(sum_def.lhs), sp.Piecewise(*branches(pw, r)))


def _power_law_sum(definition, name, spectrum):
    the_sum = definition.rhs.atoms(sp.Sum).pop() if not isinstance(definition.rhs, sp.Sum) else definition.rhs
    return sp.Eq(sp.Function(name)(kap), sp.Sum(power_law_form(the_sum.function.subs(lrf.k2, kap), spectrum), (KI, 1, sp.oo)))


def _width_limited(d: Derivation) -> None:
    d.derive("power-law-spectrum", "Power-law spectrum and target", "As in ridge-exponents.",
             registry.imported("ridge-exponents", "power-law-spectrum"))
    d.derive("df-leading", "Leading Σ η/(η+κ)", "Derived in ridge-exponents.", registry.imported("ridge-exponents", "df-leading"))
    d.derive("partial", "∂", "Derived in linear-random-features.", registry.imported("linear-random-features", "partial"))
    d.derive("mean-fixed-F-bias", "Infinite-data error of the projection", "Derived in linear-random-features.",
             registry.imported("linear-random-features", "mean-fixed-F-bias"))
    d.derive("width-kappa", "κ₂ at the width bottleneck", "P → ∞ and λ = 0: the factor 1 − Df₁/N vanishes "
             "(ridgeless limit of linear-random-features): Df₁(κ₂) = N; with the leading term, solve.",
             transform("df-leading", lambda dl: sp.Eq(kap, sp.simplify(sp.solve(sp.Eq(dl.rhs, N), kap)[0])),
                       "set (df-leading) equal to N, solve for κ₂", name="solve"),
             display=sp.Eq(kap, (sp.pi / (alpha * N * sp.sin(sp.pi / alpha))) ** alpha), domains=ALPHA_DOMAIN)
    d.derive("width-kappa-rate", "κ₂ ∝ N^(−α)", "", transform("width-kappa", lambda wk: sp.Eq(Rate(kap, N), rate_of(wk.rhs, N)),
                                                              "−d log κ₂/d log N of (width-kappa)"),
             display=sp.Eq(Rate(kap, N), alpha))
    d.derive("partial-at-bottleneck", "∂ = 0 at the width bottleneck", "In (partial) the layer term "
             "(d₁ − d₂)/(N/D − d₁) is infinite when N/D = d₁.",
             transform("partial", lambda pt: sp.Eq(pt.lhs, sp.limit(
                 pt.rhs.subs(sp.Symbol("L", positive=True, integer=True), 1).doit().subs(
                     sp.IndexedBase("N", positive=True)[1], sp.Symbol("D", positive=True, integer=True) *
                     (sp.Symbol("d_1", positive=True) + sp.Symbol("epsilon", positive=True))),
                 sp.Symbol("epsilon", positive=True), 0, "+"), evaluate=False),
                       "one layer in (partial), N₁/D = d₁ + ε, limit ε → 0⁺", name="limit"),
             display=sp.Eq(sp.Symbol("partial", positive=True), 0, evaluate=False))
    d.derive("width-limited-error", "E_F B₁ at the bottleneck", "∂ = 0 in (mean-fixed-F-bias): κ₂ tf₁(κ₂).",
             transform(("mean-fixed-F-bias", "partial-at-bottleneck"), lambda mb, pb: sp.Eq(B1mean, mb.rhs.subs(pb.lhs, pb.rhs)),
                       "substitute (partial-at-bottleneck) into (mean-fixed-F-bias)"),
             display=sp.Eq(B1mean, lrf.k2 * lrf.SUM_TF1))
    d.derive("tf1-power-law", "tf₁ for the power law", "Insert the spectrum; D → ∞.",
             transform(("width-limited-error", "power-law-spectrum"), lambda we, s: _power_law_sum(we, "tf1", s),
                       "the sum of (width-limited-error) with (power-law-spectrum), D → ∞"),
             display=sp.Eq(tf1(kap), sp.Sum(KI ** (alpha - 2 * alpha * r - 1) / (kap * KI ** alpha + 1), (KI, 1, sp.oo))),
             domains=ALPHA_DOMAIN)
    d.derive("tf1-leading", "Leading tf₁", "Beta integral for r < ½; ζ for r > ½ (the sum converges at κ = 0).",
             transform("tf1-power-law", _sum_leading, "leading term as κ → 0 (u = κk^α, Mellin "
                       "transform, or ζ(β))", name="asymptotics"),
             display=sp.Eq(Lead(tf1(kap)), sp.Piecewise(
                 (sp.gamma(1 - 2 * r) * sp.gamma(2 * r) / alpha * kap ** (2 * r - 1), r < sp.Rational(1, 2)),
                 (sp.zeta(2 * alpha * r - alpha + 1), r > sp.Rational(1, 2)))), domains=ALPHA_DOMAIN)
    d.derive("width-limited-order", "E_F B₁ in powers of κ₂", "",
             transform("tf1-leading", lambda tl: sp.Eq(Order(B1mean, kap), _as_min(tl.rhs, 1)),
                       "d log(κ₂ Lead tf₁)/d log κ₂ per branch, as a Min"),
             display=sp.Eq(Order(B1mean, kap), sp.Min(1, 2 * r)))
    d.derive("width-limited-rate", "E ∝ N^(−α min(2r, 1))", "Order in κ₂ times the rate of κ₂.",
             transform(("width-limited-order", "width-kappa-rate"), lambda o, k: sp.Eq(Rate(B1mean, N), o.rhs * k.rhs),
                       "multiply (width-limited-order) by (width-kappa-rate)"),
             display=sp.Eq(Rate(B1mean, N), alpha * sp.Min(1, 2 * r)))


def _as_min(piecewise, kappa_power):
    pieces = [(sp.simplify(kap * sp.diff(sp.log(kap ** kappa_power * e), kap)), c) for e, c in piecewise.args]
    pw = sp.Piecewise(*pieces)
    m = piecewise_as_min(pw, r)
    return m if m is not None else pw


def _one_minus_partial(pt, d2l, dl):
    """One layer: 1 − ∂ = x/(1 + x), x = (d₁ − d₂)/(N/D − d₁) = (Df₁ − Df₂)/(N − Df₁); at the sample
    bottleneck Df₁ = P and Df₂/Df₁ → 1 − 1/α (the ratio of the leading terms); leading order in P/N."""
    ratio = sp.simplify(d2l.rhs / dl.rhs)                        # Df₂/Df₁ → 1 − 1/α
    x = (P - ratio * P) / (N - P)
    value = sp.series(sp.simplify(x / (1 + x)), N, sp.oo, 2).removeO()
    return sp.Eq(one_minus_partial, sp.simplify(value))


def _feature_variance(d: Derivation) -> None:
    d.derive("df2-leading", "Leading Σ η²/(η+κ)²", "Derived in ridge-exponents.", registry.imported("ridge-exponents", "df2-leading"))
    d.derive("variance-F", "Var_F", "Derived in linear-random-features.", registry.imported("linear-random-features", "variance-F"))
    d.derive("one-minus-partial", "1 − ∂ for N ≫ P", "Ridgeless with P < N the sample sets κ₂: Df₁ = P, and "
             "Df₁ − Df₂ → P/α by the leading terms; to leading order in P/N.",
             transform(("partial", "df2-leading", "df-leading"), _one_minus_partial,
                       "one layer in (partial): 1 − ∂ = x/(1 + x) with x = (Df₁ − Df₂)/(N − Df₁), Df₁ = P, "
                       "Df₂/Df₁ from (df2-leading)/(df-leading); series at N → ∞", name="asymptotics"),
             display=sp.Eq(one_minus_partial, P / (alpha * N)))
    d.derive("variance-F-rate-N", "Var_F ∝ N^(−1) at fixed P", "Var_F = (1 − ∂)κ₂tf₂(κ₂) with κ₂ set by P: "
             "only 1 − ∂ depends on N.",
             transform("one-minus-partial", lambda om: sp.Eq(Rate(Var_F, N), rate_of(om.rhs, N)),
                       "rate in N of (one-minus-partial)"), display=sp.Eq(Rate(Var_F, N), 1))


def _phase_diagram(d: Derivation) -> None:
    d.derive("kappa-rate", "κ with ridge (ridge-exponents)", "Derived in ridge-exponents.",
             registry.imported("ridge-exponents", "kappa-rate"))
    d.derive("bias-order", "Bias² in powers of κ", "Derived in ridge-exponents.", registry.imported("ridge-exponents", "bias-order"))
    K = sp.Symbol("K", positive=True)
    d.derive("kappa2-rate", "κ₂ over N = P^q, λ = P^(−l)", "Each factor of the two-level equation bounds κ₂ from "
             "below: κ₂ ≥ λ, Df₁(κ₂) < P and Df₁(κ₂) < N; κ₂ ≍ max(λ, (C₁/P)^α, (C₁/N)^α), the slowest decay: K.",
             transform(("kappa-rate", "width-kappa-rate"), lambda kr, wr: sp.Eq(Rate(kap, P), sp.Min(kr.rhs, wr.rhs * q)),
                       "Min of (kappa-rate) and (width-kappa-rate) with N = P^q", name="dominant balance"),
             display=sp.Eq(Rate(kap, P), sp.Min(alpha, l, alpha * q)))
    d.derive("df-rate", "Df₁ ∝ κ₂^(−1/α)", "By (df-leading), Df₁ grows as P^(K/α).",
             transform("df-leading", lambda dl: sp.Eq(Rate(Df1(kap), P), rate_of(dl.rhs.subs(kap, P ** (-K)), P)),
                       "(df-leading) at κ₂ = P^(−K)"), display=sp.Eq(Rate(Df1(kap), P), -K / alpha))
    d.derive("feature-term-rate", "κ₂(1 − ∂)tf₁ and Var_F", "1 − ∂ = x/(1 + x) with x = (Df₁ − Df₂)/(N − Df₁) ∝ Df₁/N "
             "(the leading terms of Df₁ and Df₂ are proportional): rate q − K/α (zero at the width bottleneck, where "
             "K = αq); κ₂ tf₁ and κ₂ tf₂ have the same order Min(1, 2r) in κ₂.",
             transform(("width-limited-order", "df-rate"), lambda wo, dr: sp.Eq(Rate(Var_F, P), wo.rhs * K + q + dr.rhs),
                       "Order of (width-limited-order) times K, plus the rate of Df₁/N = P^(−q)·Df₁ (df-rate)"),
             display=sp.Eq(Rate(Var_F, P), K * sp.Min(1, 2 * r) + q - K / alpha))
    d.derive("noise-term-rate", "γ₁σ²/(1 − γ₁)", "γ₁ = (Df₁ − ∂(Df₁ − Df₂))/P ∝ Df₁/P: rate 1 − K/α (no decay when "
             "the sample limits the resolution without ridge, K = α).",
             transform("df-rate", lambda dr: sp.Eq(sp.Function("Rate")(sp.Symbol("gamma_1"), P), 1 + dr.rhs),
                       "rate of Df₁/P by (df-rate)"),
             display=sp.Eq(sp.Function("Rate")(sp.Symbol("gamma_1"), P), 1 - K / alpha))
    d.derive("phase-diagram", "Error rate over N = P^q, λ = P^(−l)", "The slowest of bias (Order 2min(1, r) in κ₂), the "
             "feature term (width bottleneck or Var_F) and label noise, with K = Min(α, l, αq): the regimes of the phase "
             "diagram (signal, ridge-, width-, variance- and noise-limited) are its branches.",
             transform(("bias-order", "kappa2-rate", "feature-term-rate", "noise-term-rate"), lambda bo, kr, ft, nt: sp.Eq(
                 Rate(E_g, P), sp.Min(bo.rhs * K, ft.rhs, nt.rhs).subs(K, kr.rhs)),
                       "Min of (bias-order)·K, (feature-term-rate), (noise-term-rate) with K from (kappa2-rate)",
                       name="dominant balance"),
             display=sp.Eq(Rate(E_g, P), sp.Min(2 * sp.Min(1, r) * sp.Min(alpha, l, alpha * q),
                                                sp.Min(1, 2 * r) * sp.Min(alpha, l, alpha * q) + q - sp.Min(alpha, l, alpha * q) / alpha,
                                                1 - sp.Min(alpha, l, alpha * q) / alpha)))
    d.derive("phase-diagram-noiseless", "Noiseless error rate", "Without label noise the last branch is absent.",
             transform("phase-diagram", lambda pd: sp.Eq(sp.Function("Rate")(sp.Symbol("E_g0"), P), sp.Min(*[
                 a for a in pd.rhs.args if not sp.simplify(a - (1 - sp.Min(alpha, l, alpha * q) / alpha)) == 0])),
                       "drop the label-noise branch of (phase-diagram)"),
             display=sp.Eq(sp.Function("Rate")(sp.Symbol("E_g0"), P), sp.Min(
                 2 * sp.Min(1, r) * sp.Min(alpha, l, alpha * q),
                 sp.Min(1, 2 * r) * sp.Min(alpha, l, alpha * q) + q - sp.Min(alpha, l, alpha * q) / alpha)))
