"""``dmft-langevin``, the response part: the exact solution per data draw (K-2), the Laplace form of
the effective process with its renormalised ridge κ(z) (K-5), and the mean discrepancy.

These steps follow the MSR derivation (:mod:`derivations.dmft.msr_steps`) in
:func:`derivations.dmft.steps.derivation`; the two-point identity, the test error (K-7) and the
stationary limit (K-8) continue in :mod:`derivations.dmft.steps`.  Source: Kramp, Lindner, Helias,
arXiv:2602.23039 (reconstruction K-1…K-8 in ``shared/reference/papers.md`` §1).

>>> from derivations import registry
>>> registry.get("dmft-langevin")["mean-time"]
Eq(m(i, t), -g*Integral(R(i, s), (s, 0, t)) - R(i, t))
"""
from __future__ import annotations

import sympy as sp

from derive.dmft_symbols import (LAM, WBAR, I, J, P, R, R_hat, S, S_hat, beta, c, g, kappa, m, mode_sum, rho_hat,
                                 rho_t, s, t, z)
from derive.equations import residual
from derive.laplace import laplace_of
from derive.operations import transform
from derivations.engine import Derivation

rt_hat = sp.Function("hat_tilde_rho")          # L[ρ̃](z)
m_hat = sp.Function("hat_m")                   # L[m_i](z)
a = sp.Symbol("a", positive=True)              # an eigenvalue of A = cΦᵀΦ + g
mu0, b0 = sp.symbols("mu_0 b_0", real=True)    # initial mean and constant drift of one eigendirection
mean_a, var_a = sp.Function("mu"), sp.Function("V")
SUM_DF1 = mode_sum(LAM[J] / (LAM[J] + kappa))
#: spot checks: loss scale, teacher variance, eigenvalue in moderate ranges
DOMAINS = {c: (sp.Rational(1, 5), sp.Integer(2)), a: (sp.Rational(1, 10), sp.Integer(3))}


def add_response_steps(d: Derivation) -> None:
    """K-2, K-5 and the mean discrepancy, on ``d`` after the MSR steps."""
    _exact_solution(d)
    _laplace_form(d)
    _mean_discrepancy(d)


# ----------------------------------------------------------------------------------------------
# K-2: one data draw, exactly
# ----------------------------------------------------------------------------------------------

def _exact_solution(d: Derivation) -> None:
    d.assume("ou-eigendirection", "One data draw is an Ornstein–Uhlenbeck process",
             "With Δ = w − w̄, (K-1) reads dΔ = −(AΔ + gw̄ − cΦᵀε)dt + √(2/β)dW, A = cΦᵀΦ + gI. Along an "
             "eigenvector of A (eigenvalue a) the Langevin mean μ and variance V obey these ODEs, with "
             "μ(0) = μ₀ (= −w̄ for w(0) = 0), b₀ the projected constant drift and V(0) = 0.",
             (sp.Eq(sp.Derivative(mean_a(t), t), -a * mean_a(t) - b0),
              sp.Eq(sp.Derivative(var_a(t), t), -2 * a * var_a(t) + 2 / beta)))
    d.derive("exact-solution", "Exact Langevin mean and variance per draw (K-2)",
             "Solve both linear ODEs (dsolve) with μ(0) = μ₀, V(0) = 0: in matrix form "
             "⟨Δ(t)⟩ = e^{−At}Δ(0) − (I − e^{−At})A⁻¹(gw̄ − cΦᵀε), Cov Δ(t) = β⁻¹A⁻¹(I − e^{−2At}).",
             transform("ou-eigendirection", _solve_ou, "dsolve both ODEs of (ou-eigendirection) with "
                                                       "μ(0) = μ₀, V(0) = 0", name="dsolve"),
             display=(sp.Eq(mean_a(t), sp.exp(-a * t) * mu0 - (1 - sp.exp(-a * t)) * b0 / a),
                      sp.Eq(var_a(t), (1 - sp.exp(-2 * a * t)) / (a * beta))), domains=DOMAINS)


def _solve_ou(odes):
    mean_ode, var_ode = odes
    sol_m = sp.dsolve(mean_ode, mean_a(t), ics={mean_a(0): mu0})
    sol_v = sp.dsolve(var_ode, var_a(t), ics={var_a(0): 0})
    return sp.Eq(mean_a(t), sp.expand(sol_m.rhs)), sp.Eq(var_a(t), sp.expand(sol_v.rhs))


# ----------------------------------------------------------------------------------------------
# K-5: the Laplace form and its renormalised ridge
# ----------------------------------------------------------------------------------------------

_TRANSFORMS = {R: R_hat, rho_t: rt_hat, S: S_hat}


def _laplace(eq):
    return laplace_of(eq, t, z, _TRANSFORMS)


def _laplace_form(d: Derivation) -> None:
    d.derive("response-laplace", "Laplace transform of the response equation",
             "Linearity, L[∂_t R_i] = zR̂_i − R_i(0) and the convolution theorem, term by term.",
             transform("response-equation", _laplace, "Laplace-transform (response-equation) term by term",
                       name="Laplace transform"))
    d.derive("collective-laplace", "Laplace transform of the collective response (K-4)",
             "The same rules applied to (collective-response).",
             transform("collective-response", _laplace, "Laplace-transform (collective-response) term by term",
                       name="Laplace transform"))
    d.derive("s-laplace", "Laplace transform of S", "Linearity applied to (lambda-weighted-response).",
             transform("lambda-weighted-response", lambda e: sp.Eq(S_hat(z), sp.Sum(LAM[I] * R_hat(I, z), *e.rhs.limits)),
                       "Laplace-transform (lambda-weighted-response) under the sum", name="Laplace transform"))
    d.define("rho-definition", "Full response kernel", "ρ(t) = δ(t) − ρ̃(t), so ρ̂ = 1 − L[ρ̃].",
             sp.Eq(rt_hat(z), 1 - rho_hat(z)))
    d.derive("response-transform", "Mode response in the Laplace domain (K-5)",
             "Insert R_i(0) = 1 and (rho-definition), solve for R̂_i.",
             transform(("response-laplace", "rho-definition"), lambda e, rd: sp.Eq(R_hat(I, z), sp.solve(
                 residual(e).subs(R(I, 0), 1).subs(rd.lhs, rd.rhs), R_hat(I, z))[0]),
                       "set R_i(0) = 1, substitute (rho-definition), solve for R̂_i", name="solve"),
             display=sp.Eq(R_hat(I, z), 1 / (z + g + c * P * LAM[I] * rho_hat(z))))
    d.derive("collective-transform", "Collective response in the Laplace domain (K-5)",
             "Substitute (rho-definition) into (collective-laplace) and solve for ρ̂.",
             transform(("collective-laplace", "rho-definition"), lambda e, rd: sp.Eq(rho_hat(z), sp.solve(
                 residual(e).subs(rd.lhs, rd.rhs), rho_hat(z))[0]),
                       "substitute (rho-definition), solve for ρ̂", name="solve"),
             display=sp.Eq(rho_hat(z), 1 / (1 + c * S_hat(z))))
    d.define("kappa-definition", "Renormalised ridge of the dynamics",
             "κ(z) = (z + g)/(cPρ̂(z)): then R̂_i = 1/(cPρ̂(Λ_i + κ)).",
             sp.Eq(kappa, (z + g) / (c * P * rho_hat(z))))
    d.derive("response-kappa", "Mode response through κ", "Eliminate z + g with (kappa-definition).",
             transform(("response-transform", "kappa-definition"), lambda rt, kd: sp.Eq(rt.lhs, sp.factor(
                 rt.rhs.subs(g, sp.solve(residual(kd), g)[0]))), "solve (kappa-definition) for g, substitute "
                       "into (response-transform), factor"),
             display=sp.Eq(R_hat(I, z), 1 / (c * P * rho_hat(z) * (LAM[I] + kappa))))
    d.derive("rho-kappa", "ρ̂ through κ", "Insert (s-laplace) and (response-kappa) into "
             "(collective-transform) and solve for ρ̂.",
             transform(("collective-transform", "s-laplace", "response-kappa"), _rho_through_kappa,
                       "substitute (s-laplace), (response-kappa) into (collective-transform), solve for ρ̂"),
             display=sp.Eq(rho_hat(z), 1 - mode_sum(LAM[J] / (LAM[J] + kappa)) / P))
    d.derive("kappa-equation", "Self-consistent κ(z) (K-5 as a ridge equation)",
             "Insert (rho-kappa) into (kappa-definition): the ridge-regression equation with the complex "
             "ridge (z + g)/(cP).",
             transform(("kappa-definition", "rho-kappa"), lambda kd, rk: sp.Eq(sp.expand(
                 kappa * (P - mode_sum(LAM[J] / (LAM[J] + kappa)))), sp.simplify(
                 (kd.rhs.subs(rk.lhs, rk.rhs) * (P - mode_sum(LAM[J] / (LAM[J] + kappa))) / kd.lhs)
                 .subs(kappa, kappa) * kappa)), "substitute (rho-kappa) into (kappa-definition), multiply by "
                       "P − Σ_j Λ_j/(Λ_j + κ)"),
             display=sp.Eq(kappa * (P - SUM_DF1), (z + g) / c))
    d.derive("s-kappa", "Ŝ through κ", "Insert (response-kappa) and (rho-kappa) into (s-laplace).",
             transform(("s-laplace", "response-kappa", "rho-kappa"), _s_through_kappa,
                       "substitute (response-kappa) into (s-laplace), take the j-independent factor out of "
                       "the sum, substitute (rho-kappa)"),
             display=sp.Eq(S_hat(z), SUM_DF1 / (c * (P - SUM_DF1))))


def _pull_out(the_sum: sp.Sum, kernel: sp.Expr) -> sp.Expr:
    """Σ_j f_j = C·Σ_j kernel_j when f_j/kernel_j = C does not depend on j."""
    idx = the_sum.limits[0][0]
    coeff = sp.simplify(the_sum.function / kernel.subs(J, idx))
    if coeff.has(idx):
        raise ValueError(f"{the_sum.function} is not a j-independent multiple of {kernel}")
    return coeff * sp.Sum(kernel, (J,) + the_sum.limits[0][1:])


def _s_through_kappa(sl, rk, rr):
    (the_sum,) = sl.rhs.atoms(sp.Sum)
    inner = sp.Sum(the_sum.function.xreplace({rk.lhs: rk.rhs}), *the_sum.limits)
    value = _pull_out(inner, LAM[J] / (LAM[J] + kappa)).xreplace({rr.lhs: rr.rhs})
    return sp.Eq(sl.lhs, sp.factor(value))


def _rho_through_kappa(ct, sl, rk):
    (the_sum,) = sl.rhs.atoms(sp.Sum)
    s_hat = _pull_out(sp.Sum(the_sum.function.xreplace({rk.lhs: rk.rhs}), *the_sum.limits),
                      LAM[J] / (LAM[J] + kappa))
    df = sp.Dummy("Df")                         # the sum does not depend on ρ̂: solve with it frozen
    eq = residual(ct).xreplace({S_hat(z): s_hat.xreplace({SUM_DF1: df})})
    roots = [r for r in sp.solve(eq, rho_hat(z)) if r != 0]
    if len(roots) != 1:
        raise ValueError(f"expected one non-zero root for ρ̂, got {roots}")
    return sp.Eq(rho_hat(z), sp.expand(roots[0]).xreplace({df: SUM_DF1}))


# ----------------------------------------------------------------------------------------------
# The mean discrepancy
# ----------------------------------------------------------------------------------------------

def _mean_discrepancy(d: Derivation) -> None:
    d.derive("mean-equation", "Mean discrepancy per unit teacher weight",
             "Average (effective-process) over its noises (η, ξ have zero mean); the equation is linear, so "
             "E⟨Δ_i(t)⟩ = w̄_i m_i(t) with m_i(0) = −1 (w(0) = 0).",
             transform("effective-process", _mean_of_process, "set η = ξ = 0 in (effective-process); by linearity "
                                                              "Δ_i = w̄_i m_i with m_i the solution at w̄_i = 1", name="average"),
             display=sp.Eq(sp.Derivative(m(I, t), t), -g * m(I, t) - g - c * P * LAM[I] * (
                 m(I, t) - sp.Integral(rho_t(t - s) * m(I, s), (s, 0, t)))))
    d.derive("mean-laplace", "Mean discrepancy in the Laplace domain",
             "Laplace transform of (mean-equation) with m_i(0) = −1 (w(0) = 0), solved for m̂_i and "
             "expressed through (response-transform).",
             transform(("mean-equation", "response-transform"), _mean_transform,
                       "Laplace-transform (mean-equation), set m_i(0) = −1, substitute (rho-definition), "
                       "solve for m̂_i, recognise (response-transform)", name="Laplace transform and solve"),
             display=sp.Eq(m_hat(I, z), -(z + g) / z * R_hat(I, z)))
    d.derive("mean-time", "Mean discrepancy in time",
             "Invert term by term: R̂_i ↔ R_i and R̂_i/z ↔ ∫_0^t R_i (checked by transforming back).",
             transform("mean-laplace", _invert_mean, "expand (mean-laplace) and invert R̂_i → R_i, "
                                                     "R̂_i/z → ∫_0^t R_i", name="inverse Laplace transform"),
             display=sp.Eq(m(I, t), -R(I, t) - g * sp.Integral(R(I, s), (s, 0, t))))


def _mean_of_process(ep):
    funcs = {f.func.__name__: f.func for f in ep.atoms(sp.core.function.AppliedUndef)}
    Delta, eta, xi = funcs["Delta"], funcs["eta"], funcs["xi"]
    # linear in (Δ_i, w̄_i) with zero-mean sources: E⟨Δ_i⟩ = w̄_i m_i, m_i the solution at w̄_i = 1
    eq = ep.subs({eta(I, t): 0, xi(I, t): 0}).subs(WBAR[I], 1)
    eq = eq.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func == Delta,
                    lambda e: m(*e.args))
    return sp.Eq(eq.lhs, sp.expand(eq.rhs))


def _mean_transform(me, rt):
    tr = {**_TRANSFORMS, m: m_hat}
    eq = laplace_of(me, t, z, tr).subs(m(I, 0), -1).subs(rt_hat(z), 1 - rho_hat(z))
    sol = sp.solve(residual(eq), m_hat(I, z))[0]
    return sp.Eq(m_hat(I, z), sp.factor(sol).subs(1 / rt.rhs, 1 / rt.lhs).subs(rt.rhs, rt.lhs))


def _invert_mean(ml):
    out = 0
    for term in sp.Add.make_args(sp.expand(ml.rhs)):
        coeff = term / R_hat(I, z)
        if coeff.has(R_hat):
            raise ValueError(f"term {term} is not linear in R̂")
        if coeff.free_symbols.isdisjoint({z}):
            out += coeff * R(I, t)
        elif sp.simplify(coeff * z).free_symbols.isdisjoint({z}):
            out += sp.simplify(coeff * z) * sp.Integral(R(I, s), (s, 0, t))
        else:
            raise ValueError(f"no inversion rule for {term}")
    back = laplace_of(sp.Eq(m(I, t), out), t, z, {**_TRANSFORMS, m: m_hat})
    if sp.simplify(back.rhs - ml.rhs) != 0:
        raise ValueError("the inverse does not transform back to (mean-laplace)")
    return sp.Eq(m(I, t), out)
