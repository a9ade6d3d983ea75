"""``dmft-langevin``: mean-field theory of random-feature regression trained by Langevin dynamics.

N feature modes with kernel eigenvalues Λ_i, P samples, loss (c/2)‖y − Φw‖² + (g/2)‖w‖²,
dw = −∇L dt + √(2/β) dW from w(0) = 0 (K-1).  The derivation runs: the exact solution per data
draw (K-2); the Martin–Siggia–Rose functional, the data average and the saddle point, giving N
effective single-mode processes coupled by one response kernel ρ̃ and one noise statistic (K-3,
K-4, K-6; :mod:`derivations.dmft.msr_steps`); the Laplace form (K-5) and its renormalised ridge
κ(z); the mean discrepancy; the two-time covariance (K-7), which for a teacher with i.i.d.
components of variance v collapses, by a resolvent identity, onto the ONE-time function
S(t) = Σ_i Λ_i R_i(t):

    ε(t) = v[S(2t) + 2g∫_t^{2t}S + g²J(t)] + σ²c[∫_0^t S − ∫_t^{2t}S − gJ(t)] + (1/β)∫_0^{2t}S,
    J(t) = ∫_0^{2t} min(x, 2t − x) S(x) dx,

and the stationary limit (K-8): ridge regression at ridge λ = g/(cP) plus the posterior variance.

Source: Kramp, Lindner, Helias, arXiv:2602.23039 (only the abstract was available; equations
K-1…K-8 are the reconstruction in ``shared/reference/papers.md`` §1).

>>> from derivations.dmft.steps import test_error_curve
>>> import numpy as np
>>> curve = test_error_curve([0.0, 1.0], np.arange(1, 21) ** -1.5, P=20, weight_decay=0.1, beta=100.0,
...                          loss_scale=1 / 20)
>>> round(float(curve.total[0]), 6) == round(float(np.sum(np.arange(1, 21) ** -1.5)), 6)   # w(0) = 0
True
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.dmft_symbols import (LAM, I, J, N_MODES, P, R, R_hat, S, S_hat, beta, c, g, kappa, m, mode_sum,
                                 rho_hat, rho_t, s, sigma2, t, u, v, x, z, z1, z2)
from derive.equations import residual
from derive.laplace import laplace_of
from derive.operations import Operation, implicit_slope, solve_for, substitute, transform
from derivations.engine import Derivation, Source

NAME = "dmft-langevin"
TITLE = "Mean-field theory of random-feature regression under gradient flow, weight decay and Langevin noise"
SOURCE = Source("2602.23039", "Kramp, Lindner, Helias", "2026",
                "Dynamics of neural scaling laws in random feature regression with powerlaw-distributed "
                "kernel eigenvalues", section="reconstruction K-1…K-8 (shared/reference/papers.md §1)")

rt_hat = sp.Function("hat_tilde_rho")          # L[ρ̃](z)
m_hat = sp.Function("hat_m")                   # L[m_i](z)
a = sp.Symbol("a", positive=True)              # an eigenvalue of A = cΦᵀΦ + g
mu0, b0 = sp.symbols("mu_0 b_0", real=True)    # initial mean and constant drift of one eigendirection
mean_a, var_a = sp.Function("mu"), sp.Function("V")
U2, X2, Y2, D2 = sp.symbols("U X Y D")         # two-point functions of (z₁, z₂)
C_hat = sp.Symbol("hat_C")                     # double Laplace transform of C_Δ(t, t')
eps, bias, clean, noise_part, langevin = sp.symbols("varepsilon Bias2 E_clean E_noise Var_L")
Sz0, dSz0 = sp.symbols("hat_S_0 hat_S'_0")     # Ŝ(0), Ŝ'(0)
DKAPPA = sp.Symbol("kappa'_0")                 # dκ/dz
TF = sp.Symbol("T", positive=True)
EPS_INF = sp.Symbol("varepsilon_infinity")
LANGEVIN_LIMIT, PLAIN_LIMIT = sp.symbols("varepsilon_GF varepsilon_GF0")
gamma = sp.Symbol("gamma", positive=True)
Df = sp.Symbol("Df_1", positive=True)
R1, R2 = R_hat(I, z1), R_hat(I, z2)
rho1, rho2 = rho_hat(z1), rho_hat(z2)
SUM_DF1 = mode_sum(LAM[J] / (LAM[J] + kappa))
SUM_DF2 = mode_sum(LAM[J] ** 2 / (LAM[J] + kappa) ** 2)
SUM_TF = mode_sum(LAM[J] / (LAM[J] + kappa) ** 2)
#: spot checks: loss scale, teacher variance, eigenvalue in moderate ranges
DOMAINS = {c: (sp.Rational(1, 5), sp.Integer(2)), a: (sp.Rational(1, 10), sp.Integer(3))}

from derivations.dmft.theory import DMFTCurve, test_error_curve  # noqa: E402,F401  (public API)
from numerics.langevin_simulation import simulate_test_error  # noqa: E402,F401  (public API)


@functools.cache
def build() -> Derivation:
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(P, c, g, beta, sigma2, v), summary=(
        "Features φ_μ = Λ^{1/2}z_μ (N modes, P samples), labels y = Φw̄ + ε, loss (c/2)‖y − Φw‖² + "
        "(g/2)‖w‖², Langevin dynamics at inverse temperature β from w(0) = 0; the teacher's components "
        "w̄_i are i.i.d. with variance v; test error ε(t) = E‖w(t) − w̄‖²_Λ (noise-free test labels). "
        "Loss scale c (1: summed, 1/P: averaged) is a parameter: the paper's choice is not known."))
    from derivations.dmft.msr_steps import add_msr_steps
    add_msr_steps(d)
    _exact_solution(d)
    _laplace_form(d)
    _mean_discrepancy(d)
    _two_point_identity(d)
    _test_error(d)
    _stationary_limit(d)
    from derivations.dmft import checks as _dmft_checks
    _dmft_checks.register(d)
    return d


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
    from derive.dmft_symbols import WBAR
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


# ----------------------------------------------------------------------------------------------
# Two-point functions: the resolvent identity that collapses K-7 onto S(t)
# ----------------------------------------------------------------------------------------------

def _two_point_identity(d: Derivation) -> None:
    d.define("two-point-functions", "Two-point sums", "At two Laplace variables z₁ ≠ z₂ (R̂ₖ = R̂(zₖ), ρ̂ₖ = "
             "ρ̂(zₖ)): U, X and Y, and D = 1 − c²Pρ̂₁ρ̂₂Y, the denominator of the two-time equation.",
             (sp.Eq(U2, (S_hat(z1) - S_hat(z2)) / (z2 - z1)),
              sp.Eq(X2, mode_sum(LAM[I] * R1 * R2, I)), sp.Eq(Y2, mode_sum(LAM[I] ** 2 * R1 * R2, I)),
              sp.Eq(D2, 1 - c ** 2 * P * rho1 * rho2 * Y2)))
    d.derive("resolvent-difference", "Difference of mode responses",
             "From (response-transform): R̂₁ − R̂₂ = R̂₁R̂₂(R̂₂⁻¹ − R̂₁⁻¹).",
             transform("response-transform", _resolvent_difference,
                       "write R̂₁ − R̂₂ = R̂₁R̂₂(1/R̂₂ − 1/R̂₁) with 1/R̂ from (response-transform)"),
             display=sp.Eq(R1 - R2, R1 * R2 * (z2 - z1 + c * P * LAM[I] * (rho2 - rho1))))
    d.derive("rho-difference", "Difference of collective responses",
             "From (collective-transform): ρ̂₂ − ρ̂₁ = ρ̂₁ρ̂₂(1/ρ̂₁ − 1/ρ̂₂) = cρ̂₁ρ̂₂(Ŝ₁ − Ŝ₂) = "
             "cρ̂₁ρ̂₂(z₂ − z₁)U.",
             transform(("collective-transform", "two-point-functions"), _rho_difference,
                       "write ρ̂₂ − ρ̂₁ = ρ̂₁ρ̂₂(1/ρ̂₁ − 1/ρ̂₂) with 1/ρ̂ from (collective-transform), "
                       "then Ŝ₁ − Ŝ₂ = (z₂ − z₁)U"),
             display=sp.Eq(rho2 - rho1, c * rho1 * rho2 * (z2 - z1) * U2))
    d.derive("two-point-identity", "The two-point sum is one-point: U = X/D",
             "Multiply (resolvent-difference) by Λ_i/(z₂ − z₁), sum over modes (Σ Λ_i R̂_i = Ŝ), insert "
             "(rho-difference) and solve for U.",
             transform(("resolvent-difference", "rho-difference", "two-point-functions"), _sum_identity,
                       "Λ-weighted mode sum of (resolvent-difference) / (z₂ − z₁), recognise U, X, Y, "
                       "substitute (rho-difference), solve for U"),
             display=sp.Eq(U2, X2 / (1 - c ** 2 * P * rho1 * rho2 * Y2)))
    d.identity("shifted-s-transform", "U is the double Laplace transform of S(t + t')",
               "For S(t) = e^{−at} (one eigendirection of A; S is a positive mixture of these, "
               "S(t) = E tr Λe^{−At}), ∬ e^{−z₁t−z₂t'} S(t + t') dt dt' = (Ŝ(z₁) − Ŝ(z₂))/(z₂ − z₁).",
               sp.Eq(sp.Integral(sp.exp(-z1 * t - z2 * u - a * (t + u)), (t, 0, sp.oo), (u, 0, sp.oo)),
                     (1 / (z1 + a) - 1 / (z2 + a)) / (z2 - z1)))


def _resolvent_difference(rt):
    inv1, inv2 = (1 / rt.rhs).subs(z, z1), (1 / rt.rhs).subs(z, z2)
    return sp.Eq(R1 - R2, R1 * R2 * sp.expand(inv2 - inv1))


def _rho_difference(ct, tpf):
    inv1, inv2 = (1 / ct.rhs).subs(z, z1), (1 / ct.rhs).subs(z, z2)
    diff = sp.expand(inv1 - inv2)                                    # c(Ŝ₁ − Ŝ₂)
    U_def = tpf[0]
    s1 = sp.solve(residual(U_def), S_hat(z1))[0]
    return sp.Eq(rho2 - rho1, sp.factor(rho1 * rho2 * diff.subs(S_hat(z1), s1)))


def _sum_identity(rd, rhod, tpf):
    lhs_terms = sp.expand(rd.lhs * LAM[I] / (z2 - z1))
    rhs_terms = sp.expand(rd.rhs * LAM[I] / (z2 - z1))
    # Σ_i Λ_i(R̂₁ − R̂₂)/(z₂ − z₁) = (Ŝ₁ − Ŝ₂)/(z₂ − z₁) = U
    lhs = U2
    if sp.simplify(lhs_terms - LAM[I] * (R1 - R2) / (z2 - z1)) != 0:
        raise ValueError("unexpected left side")
    rhs = 0
    for term in sp.Add.make_args(rhs_terms):
        coeff = sp.simplify(term / (LAM[I] * R1 * R2))
        if not coeff.has(LAM[I]):
            rhs += coeff * X2
        elif sp.simplify(coeff / LAM[I]).has(LAM[I]):
            raise ValueError(f"term {term} is neither X nor Y")
        else:
            rhs += sp.simplify(coeff / LAM[I]) * Y2
    rhs = sp.expand(rhs.subs(rho2, rho1 + rhod.rhs))            # ρ̂₂ = ρ̂₁ + (rho-difference)
    sol = sp.solve(sp.Eq(lhs, rhs), U2)[0]
    return sp.Eq(U2, sp.factor(sol))


# ----------------------------------------------------------------------------------------------
# K-7 for an isotropic teacher: the test error through S(t)
# ----------------------------------------------------------------------------------------------

def _test_error(d: Derivation) -> None:
    d.approximate("two-time-equation", "Double Laplace transform of the two-time covariance (K-6, K-7)",
                  "C_Δ(t,t') = Σ_i Λ_i E[Δ_i(t)Δ_i(t')] from (effective-process) with its noise (noise-kernel), "
                  "teacher components averaged (E w̄_i² = v), transformed in t and t' (convolutions become "
                  "products, the frozen label noise σ²11ᵀ becomes σ²/(z₁z₂), the Langevin term "
                  "(2/β)∫_0^{min(t,t')}R_i(t−u)R_i(t'−u)du becomes (2/β)R̂₁R̂₂/(z₁+z₂)). Transcribed; backed "
                  "by the time-domain two-time fixed point.",
                  sp.Eq(C_hat, v * (z1 + g) * (z2 + g) / (z1 * z2) * X2
                        + c ** 2 * P * rho1 * rho2 * Y2 * (C_hat + sigma2 / (z1 * z2))
                        + 2 / beta * X2 / (z1 + z2)),
                  checked_by=("two-time-fixed-point",))
    d.derive("two-time-solution", "Solved for Ĉ", "The two-time equation is linear in Ĉ.",
             transform(("two-time-equation", "two-point-functions"), lambda e, tpf: sp.Eq(C_hat, sp.factor(
                 sp.solve(residual(e), C_hat)[0]).subs(tpf[3].rhs, D2).subs(-tpf[3].rhs, -D2)),
                       "solve (two-time-equation) for Ĉ, name D", name="solve"),
             display=sp.Eq(C_hat, (v * (z1 + g) * (z2 + g) / (z1 * z2) * X2
                                   + sigma2 * c ** 2 * P * rho1 * rho2 * Y2 / (z1 * z2)
                                   + 2 / beta * X2 / (z1 + z2)) / D2))
    d.identity("noise-identity", "The label-noise kernel is one-point too",
               "c²Pρ̂₁ρ̂₂Y/D = c[Ŝ(z₂) − (z₁ + g)U]: the exact matrix form σ²c E tr[Λ(A − g)G₁G₂]/(z₁z₂) "
               "with G = (z + A)⁻¹, A − g = cΦᵀΦ, (A − g)G₁ = 1 − (z₁ + g)G₁.",
               sp.Eq(c ** 2 * P * rho1 * rho2 * Y2 / D2, c * (S_hat(z2) - (z1 + g) * U2)),
               checked_by=("noise-identity",))
    d.derive("one-time-covariance", "Ĉ through S alone",
             "Insert X = UD (two-point-identity) and (noise-identity) into (two-time-solution).",
             transform(("two-time-solution", "two-point-identity", "noise-identity", "two-point-functions"),
                       _one_time, "substitute X = U·D from (two-point-identity) and (noise-identity), expand"),
             display=sp.Eq(C_hat, v * (z1 + g) * (z2 + g) / (z1 * z2) * U2
                           + sigma2 * c * (S_hat(z2) - (z1 + g) * U2) / (z1 * z2) + 2 / beta * U2 / (z1 + z2)))
    lhs = sp.Function("varepsilon")(t)
    d.identity("test-error", "Test error through S(t) (K-7, isotropic teacher)",
               "Inverting (one-time-covariance) with U ↔ S(t + t') (shifted-s-transform), (z + g)/z ↔ δ + g, "
               "1/z ↔ ∫_0, 1/(z₁ + z₂) ↔ ∫_0^{min(t,t')}, at t' = t. Proved for S(x) = e^{−ax}, the data "
               "average of one eigendirection a of A, against (exact-solution): v(μ/μ₀)² with b₀ = gμ₀... "
               "i.e. the per-draw error v h_t(a)² + σ²c(a − g)F_t(a)² + (1 − e^{−2at})/(aβ), "
               "h = e^{−at} + g(1 − e^{−at})/a, F = (1 − e^{−at})/a.",
               sp.Eq(_error_functional(sp.exp(-a * x)), _per_direction_error()), domains=DOMAINS)
    d.define("test-error-split", "Bias and variances (K-7)",
             "Bias² = v Σ_i Λ_i m_i(t)²; Langevin variance = E_{data} Var_{Langevin} = (1/β)∫_0^{2t}S "
             "(the β-term of (test-error)); data variance = ε − Bias² − Langevin variance.",
             (sp.Eq(bias, v * mode_sum(LAM[I] * m(I, t) ** 2, I)),
              sp.Eq(langevin, sp.Integral(S(x), (x, 0, 2 * t)) / beta)))


def _one_time(sol, tpi, ni, tpf):
    expr = sp.expand(sol.rhs.subs(X2, U2 * D2))
    expr = expr.subs(c ** 2 * P * rho1 * rho2 * Y2 / D2, ni.rhs)
    expr = sp.expand(expr)
    return sp.Eq(C_hat, expr)


def _error_functional(S_expr):
    """The right side of (test-error) for a given S(x) (x ≥ 0), as SymPy integrals."""
    Sx = lambda arg: S_expr.subs(x, arg)
    J = sp.integrate(x * S_expr, (x, 0, t)) + sp.integrate((2 * t - x) * S_expr, (x, t, 2 * t))
    late = sp.integrate(S_expr, (x, t, 2 * t))
    return (v * (Sx(2 * t) + 2 * g * late + g ** 2 * J)
            + sigma2 * c * (sp.integrate(S_expr, (x, 0, t)) - late - g * J)
            + sp.integrate(S_expr, (x, 0, 2 * t)) / beta)


def _per_direction_error():
    h = sp.exp(-a * t) + g * (1 - sp.exp(-a * t)) / a
    F = (1 - sp.exp(-a * t)) / a
    return v * h ** 2 + sigma2 * c * (a - g) * F ** 2 + (1 - sp.exp(-2 * a * t)) / (a * beta)


# ----------------------------------------------------------------------------------------------
# K-8: the stationary limit is ridge regression plus the posterior variance
# ----------------------------------------------------------------------------------------------

def _stationary_limit(d: Derivation) -> None:
    d.derive("final-values", "t → ∞ with g > 0",
             "S decays (its spectrum lies in [g, ∞)), so S(2t) and ∫_t^{2t}S → 0, ∫_0^∞ S = Ŝ(0) and "
             "J(t) → ∫_0^∞ xS(x)dx = −Ŝ'(0): the t → ∞ limit of (test-error) for S = e^{−ax}, written "
             "through Ŝ(0) = 1/a and Ŝ'(0) = −1/a² (linear in S, so it holds for every mixture).",
             transform("test-error", _final_values, "t → ∞ of the left side of (test-error) at S = e^{−ax}, "
                                                    "then 1/a → Ŝ(0), 1/a² → −Ŝ'(0)", name="limit"),
             display=sp.Eq(EPS_INF, -v * g ** 2 * dSz0 + sigma2 * c * (Sz0 + g * dSz0) + Sz0 / beta))
    d.define("stationary-sums", "Degrees of freedom at the stationary κ",
             "κ₀ = κ(0); Df₁ = Σ_j Λ_j/(Λ_j + κ₀), T = Σ_j Λ_j/(Λ_j + κ₀)², γ = (1/P)Σ_j Λ_j²/(Λ_j + κ₀)².",
             (sp.Eq(Df, SUM_DF1), sp.Eq(TF, SUM_TF), sp.Eq(gamma, SUM_DF2 / P)))
    d.identity("gamma-relation", "Pγ = Df₁ − κT", "Λ²/(Λ + κ)² = Λ/(Λ + κ) − κΛ/(Λ + κ)², summed.",
               sp.Eq(SUM_DF2, SUM_DF1 - kappa * SUM_TF))
    d.derive("kappa-slope", "dκ/dz", "Implicit differentiation of (kappa-equation); the κ-derivative of "
             "κ(P − Df₁) is P − Σ Λ²/(Λ + κ)² = P(1 − γ).",
             transform(("kappa-equation", "stationary-sums", "gamma-relation"), _kappa_slope,
                       "implicit derivative of (kappa-equation) in z, sums named by (stationary-sums), "
                       "Df₁ = Pγ + κT by (gamma-relation)",
                       name="implicit derivative"),
             display=sp.Eq(DKAPPA, 1 / (c * P * (1 - gamma))))
    d.derive("s-at-zero", "Ŝ(0) and Ŝ'(0)", "(s-kappa) at z = 0 and its z-derivative by the chain rule "
             "with (kappa-slope); Df₁'(κ) = −T.",
             transform(("s-kappa", "kappa-slope", "stationary-sums"), _s_at_zero,
                       "evaluate (s-kappa) with named sums; differentiate in κ, multiply by (kappa-slope)",
                       name="chain rule"),
             display=(sp.Eq(Sz0, Df / (c * (P - Df))), sp.Eq(dSz0, -P * TF / (c * (P - Df) ** 2) * DKAPPA)))
    d.derive("stationary-error", "Stationary test error (K-8)",
             "Insert (s-at-zero) and (kappa-slope) into (final-values); eliminate g with (kappa-equation) at "
             "z = 0 and Df₁ − κT with (gamma-relation).",
             transform(("final-values", "s-at-zero", "kappa-slope", "kappa-equation", "gamma-relation"),
                       _stationary_error, "substitute, eliminate g = cκ(P − Df₁) and T = (Df₁ − Pγ)/κ, simplify"),
             display=sp.Eq(EPS_INF, (kappa ** 2 * v * TF + gamma * sigma2) / (1 - gamma)
                           + Df / (c * beta * (P - Df))))
    d.derive("ridge-correspondence", "t → ∞ is ridge regression with ridge g/(cP)",
             "Take E_g of ridge-regression (generalization-error, kappa-equation) with η_k → Λ_j, D → N, "
             "w̄_k² → v (teacher average) and λ = g/(cP): its κ equation is (kappa-equation) at z = 0 divided "
             "by P, and E_g is the β-independent part of (stationary-error).",
             transform(("stationary-error", "kappa-equation"), _ridge_correspondence,
                       "import ridge-regression (generalization-error), (kappa-equation); map η → Λ, D → N, "
                       "w̄² → v, λ → g/(cP); compare with (stationary-error) and (kappa-equation) at z = 0"),
             display=(sp.Eq(EPS_INF - Df / (c * beta * (P - Df)), (gamma * sigma2 + kappa ** 2 * v * TF) / (1 - gamma)),
                      sp.Eq(kappa * (1 - SUM_DF1 / P), g / (c * P))))
    d.derive("gradient-flow-limit", "β → ∞: gradient flow with weight decay",
             "The Langevin term (1/β)∫_0^{2t}S of (test-error) vanishes; the rest is the noise-free flow.",
             transform("test-error", lambda te: sp.Eq(LANGEVIN_LIMIT, sp.limit(te.lhs, beta, sp.oo)),
                       "β → ∞ of (test-error)", name="limit"),
             display=sp.Eq(LANGEVIN_LIMIT, _error_functional(sp.exp(-a * x)).subs(1 / beta, 0)))
    d.derive("plain-gradient-flow", "g → 0, β → ∞: plain gradient flow",
             "Set g = 0 in (gradient-flow-limit): ε(t) = vS(2t) + σ²c[∫_0^t S − ∫_t^{2t}S].",
             transform("gradient-flow-limit", lambda e: sp.Eq(PLAIN_LIMIT, e.rhs.subs(g, 0)), "g = 0 in "
                                                                                              "(gradient-flow-limit)",
                       name="substitute"),
             display=sp.Eq(PLAIN_LIMIT, v * sp.exp(-2 * a * t) + sigma2 * c * (1 - sp.exp(-a * t)) ** 2 / a))


def _kappa_slope(ke, sums, gr):
    value = implicit_slope(residual(ke), kappa, z)
    value = value.replace(lambda e: isinstance(e, sp.Sum), _name_sum)
    return sp.Eq(DKAPPA, sp.factor(value.subs(Df, _df_from_gamma(gr))))


def _df_from_gamma(gr):
    """Df₁ = Pγ + κT, read off (gamma-relation) with the sums named."""
    named = gr.func(*(side.replace(lambda e: isinstance(e, sp.Sum), _name_sum) for side in (gr.lhs, gr.rhs)))
    return sp.solve(residual(named), Df)[0]


def _name_sum(the_sum: sp.Sum):
    """Σ_j Λ_j/(Λ_j+κ)² → T, Σ_j Λ_j²/(Λ_j+κ)² → Pγ, Σ_j Λ_j/(Λ_j+κ) → Df₁ (after merging)."""
    f = sp.factor(the_sum.function)
    for kernel, name in ((LAM[J] / (LAM[J] + kappa), Df), (LAM[J] / (LAM[J] + kappa) ** 2, TF),
                         (LAM[J] ** 2 / (LAM[J] + kappa) ** 2, P * gamma)):
        ratio = sp.simplify(f / kernel.subs(J, the_sum.limits[0][0]))
        if not ratio.has(the_sum.limits[0][0]):
            return ratio * name
    raise ValueError(f"unrecognised sum {the_sum}")


def _s_at_zero(sk, ks, sums):
    s0 = sk.rhs.xreplace({SUM_DF1: Df})
    kap = sp.Symbol("kappa_z")
    s_of_kappa = sk.rhs.xreplace({kappa: kap})
    ds = sp.diff(s_of_kappa, kap).doit().xreplace({kap: kappa})
    ds = ds.replace(lambda e: isinstance(e, sp.Sum), _name_sum)
    return sp.Eq(Sz0, s0), sp.Eq(dSz0, sp.factor(ds) * ks.lhs)


def _stationary_error(fv, s0, ks, ke, gr):
    value = fv.rhs.subs({s0[0].lhs: s0[0].rhs, s0[1].lhs: s0[1].rhs}).subs(ks.lhs, ks.rhs)
    g_of = sp.solve(residual(ke).subs(z, 0).xreplace({SUM_DF1: Df}), g)[0]
    value = value.subs(g, g_of)
    noise_free = sp.limit(value, beta, sp.oo)                 # the Langevin part is the 1/β term
    lang = sp.simplify(value - noise_free)
    rest = sp.factor(sp.simplify(noise_free.subs(Df, _df_from_gamma(gr))))
    return sp.Eq(EPS_INF, rest + sp.factor(lang))


def _ridge_correspondence(se, ke):
    from derivations.registry import get
    from derive.spectral import D as D_RIDGE, ETA, K as K_RIDGE, WBAR as WBAR_RIDGE
    rr = get("ridge-regression")
    mapping = lambda e: e.replace(lambda q: isinstance(q, sp.Sum), lambda q: sp.Sum(
        q.function.xreplace({WBAR_RIDGE[K_RIDGE] ** 2: v}).xreplace({ETA[K_RIDGE]: LAM[J]}), (J, 1, N_MODES)))
    lam_r, kap_r = sp.Symbol("lambda", nonnegative=True), sp.Symbol("kappa", nonnegative=True)
    eg = rr["generalization-error"].rhs
    tf = rr["tf-definition"].rhs
    eg = eg.subs(sp.Function("tf1p")(kap_r), mapping(tf)).xreplace({kap_r: kappa, sp.Symbol("sigma_eps", nonnegative=True): sp.sqrt(sigma2)})
    eg = eg.replace(lambda e: isinstance(e, sp.Sum), _name_sum)
    k_eq = rr["kappa-equation"]
    k_eq = sp.Eq(mapping(k_eq.lhs).xreplace({kap_r: kappa}), k_eq.rhs.xreplace({lam_r: g / (c * P)}))
    lang = Df / (c * beta * (P - Df))
    if sp.simplify(se.rhs - lang - eg) != 0:
        raise ValueError("the β-independent stationary error is not ridge regression's E_g")
    ours = sp.Eq(ke.lhs.subs(z, 0) / P, ke.rhs.subs(z, 0) / P)
    if sp.simplify(sp.expand(residual(ours)) - sp.expand(residual(k_eq))) != 0:
        raise ValueError("the κ equations differ")
    return sp.Eq(se.lhs - lang, eg), k_eq


def _final_values(te):
    w = sp.Dummy("w", positive=True)                       # w = 1/a
    lim = sp.expand(sp.limit(te.lhs, t, sp.oo).subs(a, 1 / w))
    poly = sp.Poly(lim, w)
    if poly.degree() > 2 or poly.coeff_monomial(1) != 0:
        raise ValueError(f"final value is not linear in 1/a and 1/a²: {lim}")
    out = poly.coeff_monomial(w) * Sz0 - poly.coeff_monomial(w ** 2) * dSz0
    return sp.Eq(EPS_INF, sp.expand(out))
