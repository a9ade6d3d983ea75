"""``dmft-exponents``: scaling laws in time and data of Langevin/gradient-flow random-feature regression.

From ``dmft-langevin``: in the data-rich window (the resolved modes are far fewer than P) the
collective kernel drops out, ρ̂ → 1 and R_i(t) = e^{−cPΛ_i t}: each mode relaxes on its own at the
population rate.  With Λ_k = k^(−α) and a target Λ_k v_k = k^(−(1+2αr)) (the i.i.d. teacher of
``dmft-langevin`` is r = (α − 1)/(2α)), in τ = cPt:

* gradient flow:  ε(τ) = Σ_k Λ_k v_k e^{−2τΛ_k} ≃ Γ(2r)/(α4^r) τ^(−2r)  (rate 2r in t);
* its data-limited plateau (t → ∞, g = 0): ridgeless ridge regression (``ridge-correspondence``),
  E ∝ P^(−2Min(1,r)α) (``ridge-exponents``), = P^(−(α−1)) for the i.i.d. teacher;
* label noise adds (σ²/P)Σ_k(1 − e^{−τΛ_k})² ≃ (σ²/P)Γ(1 − 1/α)(2 − 2^{1/α}) τ^{1/α}; the optimum of
  the sum is at τ* ∝ P^{α/(1+2αr)}, where ε* ∝ P^{−2αr/(1+2αr)} (the minimax rate); for the i.i.d.
  teacher τ* ∝ P (t* ∝ P⁰ for c = 1, t* ∝ P for c = 1/P) and ε* ∝ P^{−(α−1)/α}.

Source: Kramp, Lindner, Helias, arXiv:2602.23039 (the exponents are not in the available text;
derived here), with the ridge rates of arXiv:2405.00592.

>>> from derivations import registry
>>> registry.get("dmft-exponents")["early-stopping-error-rate"]
Eq(Rate(varepsilon_*, P), 2*alpha*r/(2*alpha*r + 1))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.asymptotics import rate_of
from derive.dmft_symbols import LAM, I, P, R, c, kappa, rho_hat, t, z
from derive.operations import transform
from derivations import registry
from derivations.engine import Derivation, Source

NAME = "dmft-exponents"
TITLE = "Scaling laws in time and data of Langevin-trained random-feature regression"
SOURCE = Source("2602.23039", "Kramp, Lindner, Helias", "2026",
                "Dynamics of neural scaling laws in random feature regression with powerlaw-distributed "
                "kernel eigenvalues", section="exponents derived here from the K-5 / K-7 reconstruction")

alpha, r = sp.Symbol("alpha", positive=True), sp.Symbol("r", positive=True)
tau, zeta, u = sp.symbols("tau zeta u", positive=True)
k = sp.Symbol("k", positive=True)
sigma2 = sp.Symbol("sigma_epsilon^2", positive=True)
A_b, B_n = sp.symbols("A_b B_n", positive=True)
eps_t, eps_star, tau_star, noise_t = sp.symbols("varepsilon_tau varepsilon_* tau_* E_noise")
Rate, Lead = sp.Function("Rate"), sp.Function("Lead")
E_g0 = sp.Symbol("E_g0")
ALPHA_DOMAIN = {alpha: (sp.Rational(11, 10), sp.Integer(3)), r: (sp.Rational(1, 10), sp.Integer(2))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``dmft-exponents`` (built once; the face :mod:`derivations.dmft` attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(alpha, r, P, tau), summary=(
        "Gradient flow (β = ∞) of random-feature regression (dmft-langevin) with Λ_k = k^(−α), α > 1, and "
        "target coefficients Λ_k v_k = k^(−(1+2αr)), r > 0; τ = cPt. Rate(E, x) is ρ in E ∝ x^(−ρ)."))
    _window(d)
    _time_law(d)
    _plateau(d)
    _early_stopping(d)
    return d


def _window(d: Derivation) -> None:
    d.derive("kappa-equation", "κ(z) of the dynamics", "Imported from dmft-langevin.",
             registry.imported("dmft-langevin", "kappa-equation"))
    d.derive("response-kappa", "Mode response through κ", "Imported from dmft-langevin.",
             registry.imported("dmft-langevin", "response-kappa"))
    d.derive("rho-kappa", "ρ̂ through κ", "Imported from dmft-langevin.",
             registry.imported("dmft-langevin", "rho-kappa"))
    d.derive("population-kappa", "Data-rich window: κ = z/(cP)",
             "Gradient flow (g = 0) at z = cPζ (times t ~ 1/(cP)): divide (kappa-equation) by P and let P → ∞ "
             "with the mode sum fixed (it counts the resolved modes, ≪ P in the window).",
             transform("kappa-equation", _population_kappa, "g = 0, z = cPζ in (kappa-equation), divide by P, "
                                                            "P → ∞ at fixed sum, solve for κ", name="limit"),
             display=sp.Eq(kappa, zeta))
    d.derive("population-response", "Data-rich window: independent modes",
             "(rho-kappa) gives ρ̂ → 1 in the same limit; (response-kappa) then is 1/(z + cPΛ_i), whose inverse "
             "Laplace transform is the population relaxation e^{−cPΛ_i t}.",
             transform(("response-kappa", "rho-kappa", "population-kappa"), _population_response,
                       "ρ̂ → 1 from (rho-kappa) as P → ∞, κ = z/(cP) from (population-kappa), inverse Laplace "
                       "transform", name="limit and inverse Laplace transform"),
             display=sp.Eq(R(I, t), sp.exp(-c * P * LAM[I] * t)))
    d.assume("power-law-target", "Power-law spectrum and target",
             "Capacity α > 1, source r > 0 (the i.i.d. teacher of dmft-langevin, v_k = v, is r = (α − 1)/(2α)).",
             (sp.Eq(LAM[I], I ** -alpha), sp.Eq(LAM[I] * sp.Symbol("v_i"), I ** (-1 - 2 * alpha * r))))


def _population_kappa(ke):
    eq = ke.subs({sp.Symbol("g", nonnegative=True): 0}).subs(z, c * P * zeta)
    lhs, rhs = sp.expand(eq.lhs / P), sp.expand(eq.rhs / P)
    frozen = sp.Dummy("Df")
    (the_sum,) = lhs.atoms(sp.Sum)
    lim = sp.limit(lhs.xreplace({the_sum: frozen}) - rhs, P, sp.oo)
    return sp.Eq(kappa, sp.solve(lim, kappa)[0])


def _population_response(rk, rr, pk):
    (the_sum,) = rr.rhs.atoms(sp.Sum)
    frozen = sp.Dummy("Df")
    rho_lim = sp.limit(rr.rhs.xreplace({the_sum: frozen}), P, sp.oo)
    transform_ = rk.rhs.subs(rho_hat(z), rho_lim).subs(kappa, pk.rhs).subs(zeta, z / (c * P))
    inv = sp.inverse_laplace_transform(sp.simplify(transform_), z, t)
    return sp.Eq(R(I, t), inv.subs(sp.Heaviside(t), 1))


def _time_law(d: Derivation) -> None:
    d.define("window-error", "Gradient-flow error in the window",
             "Noise-free gradient flow (plain-gradient-flow of dmft-langevin: ε = Σ_k Λ_k v_k m_k², m_k = −R_k) "
             "with (population-response) and (power-law-target), τ = cPt; the data variance vanishes with ρ̂ → 1.",
             sp.Eq(eps_t, sp.Sum(k ** (-1 - 2 * alpha * r) * sp.exp(-2 * tau * k ** -alpha), (k, 1, sp.oo))))
    d.derive("time-leading", "Leading large-τ term",
             "Sum → integral (the modes k ~ τ^{1/α} dominate), u = 2τk^{−α}: a Gamma integral.",
             transform("window-error", _gamma_integral, "replace the sum by ∫_0^∞ dk, substitute u = 2τk^(−α), "
                                                        "integrate", name="integrate"),
             display=sp.Eq(Lead(eps_t), sp.gamma(2 * r) / (alpha * 4 ** r * tau ** (2 * r))), domains=ALPHA_DOMAIN)
    d.derive("time-rate", "Power law in time", "Rate of (time-leading) in τ ∝ t.",
             transform("time-leading", lambda e: sp.Eq(Rate(eps_t, t), rate_of(e.rhs, tau)), "rate of (time-leading) in τ"),
             display=sp.Eq(Rate(eps_t, t), 2 * r))
    d.derive("time-rate-iid", "Power law in time, i.i.d. teacher", "r = (α − 1)/(2α) in (time-rate).",
             transform("time-rate", lambda e: sp.Eq(e.lhs, sp.simplify(e.rhs.subs(r, (alpha - 1) / (2 * alpha)))),
                       "substitute r = (α − 1)/(2α)", name="substitute"),
             display=sp.Eq(Rate(eps_t, t), (alpha - 1) / alpha))


def _gamma_integral(we):
    summand = we.rhs.function
    kk = (2 * tau / u) ** (1 / alpha)
    integrand = sp.simplify(summand.subs(k, kk) * (-sp.diff(kk, u)))
    value, cond = sp.integrate(integrand, (u, 0, sp.oo), conds="separate")
    return sp.Eq(Lead(eps_t), sp.simplify(value))


def _plateau(d: Derivation) -> None:
    d.derive("ridge-noiseless-rate", "Ridge regression's noiseless rate", "Imported from ridge-exponents; "
             "by ridge-correspondence (dmft-langevin) gradient flow at g = 0 ends at ridgeless ridge regression.",
             registry.imported("ridge-exponents", "noiseless-rate"))
    d.derive("plateau-rate", "Data-limited plateau", "t → ∞ at g = 0 is λ = g/(cP) = 0: l → ∞ in "
             "(ridge-noiseless-rate); r = (α − 1)/(2α) < 1 for the i.i.d. teacher.",
             transform("ridge-noiseless-rate", _plateau_rate, "l → ∞, r = (α − 1)/(2α) in (ridge-noiseless-rate)",
                       name="limit"),
             display=sp.Eq(Rate(E_g0, P), alpha - 1))


def _plateau_rate(nr):
    """l → ∞ (Min(α, l) = α), then r = (α − 1)/(2α), which is < 1 for every α > 0 (Min(1, r) = r)."""
    l = sp.Symbol("l", positive=True)
    r_iid = (alpha - 1) / (2 * alpha)
    value = nr.rhs.subs(l, sp.oo).subs(r, r_iid)
    for m in value.atoms(sp.Min):
        if set(m.args) == {sp.Integer(1), r_iid} and sp.simplify(1 - r_iid).is_positive:
            value = value.subs(m, r_iid)
    return sp.Eq(nr.lhs, sp.simplify(value))


def _early_stopping(d: Derivation) -> None:
    d.define("window-noise", "Label-noise variance in the window",
             "(test-error) of dmft-langevin at g = 0: σ²c[∫_0^t S − ∫_t^{2t} S] with S = Σ_k Λ_k e^{−cPΛ_k t}.",
             sp.Eq(noise_t, sigma2 / P * sp.Sum((1 - sp.exp(-tau * k ** -alpha)) ** 2, (k, 1, sp.oo))))
    d.derive("noise-leading", "Leading large-τ term of the noise variance",
             "Sum → integral; its τ-derivative is a Gamma integral after u = τk^(−α); integrate back from 0.",
             transform("window-noise", _noise_integral, "∂_τ of the summand, sum → ∫_0^∞ dk, u = τk^(−α), "
                                                        "integrate in u, then in τ", name="integrate"),
             display=sp.Eq(Lead(noise_t), sigma2 / P * sp.gamma(1 - 1 / alpha) * (2 - 2 ** (1 / alpha))
                           * tau ** (1 / alpha)), domains=ALPHA_DOMAIN)
    d.define("early-stopping-objective", "Error with label noise in the window",
             "The two leading terms: A_b = Γ(2r)/(α4^r) from (time-leading), B_n from (noise-leading).",
             sp.Eq(eps_t, A_b * tau ** (-2 * r) + sigma2 * B_n * tau ** (1 / alpha) / P))
    d.derive("optimal-stopping", "Optimal stopping time",
             "Solve ∂_τ ε = 0.",
             transform("early-stopping-objective", lambda e: sp.Eq(tau_star, sp.simplify(
                 sp.solve(sp.diff(e.rhs, tau), tau)[0])), "solve ∂ε/∂τ = 0 for τ", name="solve"))
    d.derive("stopping-time-rate", "Stopping time against P", "−Rate of τ* in P (τ* grows).",
             transform("optimal-stopping", lambda e: sp.Eq(Rate(tau_star, P), rate_of(e.rhs, P)),
                       "rate of (optimal-stopping) in P"),
             display=sp.Eq(Rate(tau_star, P), -alpha / (2 * alpha * r + 1)))
    d.derive("early-stopping-error-rate", "Error at the optimal time against P",
             "Insert (optimal-stopping) into the objective; rate in P.",
             transform(("early-stopping-objective", "optimal-stopping"), lambda e, o: sp.Eq(
                 Rate(eps_star, P), _balanced_rate(e.rhs.subs(tau, o.rhs), P)),
                       "substitute τ* into (early-stopping-objective); each term's rate in P (they balance)"),
             display=sp.Eq(Rate(eps_star, P), 2 * alpha * r / (2 * alpha * r + 1)))
    iid = (alpha - 1) / (2 * alpha)
    d.derive("stopping-time-iid", "Optimal stopping time, i.i.d. teacher",
             "r = (α − 1)/(2α) in (stopping-time-rate): τ* ∝ P, so t* = τ*/(cP) ∝ P⁰ at c = 1 and ∝ P at c = 1/P.",
             transform("stopping-time-rate", lambda a: sp.Eq(a.lhs, sp.simplify(a.rhs.subs(r, iid))),
                       "substitute r = (α − 1)/(2α)", name="substitute"),
             display=sp.Eq(Rate(tau_star, P), -1))
    d.derive("early-stopping-error-iid", "Optimal error, i.i.d. teacher", "r = (α − 1)/(2α) in "
             "(early-stopping-error-rate).",
             transform("early-stopping-error-rate", lambda b: sp.Eq(b.lhs, sp.simplify(b.rhs.subs(r, iid))),
                       "substitute r = (α − 1)/(2α)", name="substitute"),
             display=sp.Eq(Rate(eps_star, P), (alpha - 1) / alpha))


def _balanced_rate(expr, var):
    """The common rate of the terms of a sum of power laws (ValueError if they differ)."""
    terms = sp.Add.make_args(sp.expand(sp.powsimp(sp.expand_power_base(expr, force=True), force=True)))
    rates = {sp.simplify(rate_of(sp.powsimp(sp.expand_power_base(term, force=True), force=True), var))
             for term in terms}
    if len(rates) != 1:
        raise ValueError(f"the terms of {expr} scale differently in {var}: rates {rates}")
    return rates.pop()


def _noise_integral(wn):
    (the_sum,) = wn.rhs.atoms(sp.Sum)
    prefactor = sp.simplify(wn.rhs / the_sum)
    summand = the_sum.function
    d_summand = sp.diff(summand, tau)
    kk = (tau / u) ** (1 / alpha)
    integrand = sp.simplify(d_summand.subs(k, kk) * (-sp.diff(kk, u)))
    integrand = sp.expand(sp.powsimp(integrand, force=True))
    value, _ = sp.integrate(integrand, (u, 0, sp.oo), conds="separate")
    tt = sp.Dummy("s", positive=True)
    total = sp.integrate(sp.simplify(value).subs(tau, tt), (tt, 0, tau))
    return sp.Eq(Lead(noise_t), sp.simplify(prefactor * total))
