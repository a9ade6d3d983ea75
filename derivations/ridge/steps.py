"""``ridge-regression``: the deterministic equivalent of ridge regression from the S-transform.

With x ~ N(0, Σ) in D dimensions, P samples, Σ̂ = XᵀX/P and q = D/P, free multiplicative
convolution S_Σ̂ = S_Σ·S_W gives the renormalised ridge κ = λ/(1 − q df¹_Σ(κ)); implicit
differentiation gives dκ/dλ = 1/(1 − γ) with γ = q df²_Σ(κ); from these follow the bias,
the noise variance, and (by differentiating the equivalent of the source family
Σ̂ + λ + λμΣ in μ) the noiseless test error, hence E_g; the training error (by
differentiating the equivalent of the Gram resolvent in λ), the GCV estimator and the
ridgeless limits.

Source: Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592 (Sec. 3–4; the paper's own
equation numbers were not available to us).

>>> from derivations.ridge import learning_curve
>>> r = learning_curve([1.0] * 100, [0.1] * 100, P=200, ridge=0.0)   # q = 1/2, ridgeless
>>> round(float(r.kappa), 12), round(float(r.gamma), 12)
(0.0, 0.5)
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.equations import residual
from derive.operations import implicit_slope, substitute, transform
from derive.spectral import D, ETA, K, WBAR, merge_sums, recognize_sums, spectral_sum
from derivations import registry
from derivations.engine import Derivation, Source

NAME = "ridge-regression"
TITLE = "Deterministic equivalent of ridge regression and its learning curve"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression", section="Sec. 3-4")

lam = sp.Symbol("lambda", nonnegative=True)
kappa = sp.Symbol("kappa", nonnegative=True)
q, P, t = sp.symbols("q P t", positive=True)
d_val = sp.Symbol("d", positive=True)
gamma = sp.Symbol("gamma", positive=True)
sigma = sp.Symbol("sigma_eps", nonnegative=True)
E_g, E_tr, Bias2, Var_X, Var_Xeps = sp.symbols("E_g E_tr Bias2 Var_X Var_Xeps")
a = sp.Symbol("a", positive=True)
S_hat, S_Sig, S_W, S_A = (sp.Function(n) for n in ("S_hatSigma", "S_Sigma", "S_W", "S_A"))
df1, df2, df1hat, tf1p = (sp.Function(n) for n in ("df1", "df2", "df1hat", "tf1p"))
psiinv, psi_A = sp.Function("psiinv_A"), sp.Function("psi_A")
WMEAN = sp.IndexedBase("wmean", real=True)
kappa_of = sp.Function("kappa")(lam)
T_res = sp.Function("T")(lam)  # T(λ) = tr Σ(Σ̂ + λ)⁻¹
mu = sp.Symbol("mu", nonnegative=True)
kappa_mu = sp.Symbol("kappa_mu", nonnegative=True)
DKAPPA_MU0 = sp.Symbol("dkappa_mu0")
E_g0 = sp.Symbol("E_g0")
ETA_MU = sp.IndexedBase("eta_mu", positive=True)
Q_mu = sp.Function("Q")(mu)
F_train = sp.Function("F")(lam)
SIGMA, SIGMA_HAT = sp.MatrixSymbol("Sigma", D, D), sp.MatrixSymbol("hatSigma", D, D)

SUM_DF1 = spectral_sum(ETA[K] / (ETA[K] + kappa))
SUM_DF2 = spectral_sum(ETA[K] ** 2 / (ETA[K] + kappa) ** 2)
SUM_TF1P = spectral_sum(WBAR[K] ** 2 * ETA[K] / (ETA[K] + kappa) ** 2)
SUM_TF1 = spectral_sum(WBAR[K] ** 2 * ETA[K] / (ETA[K] + kappa))
SUM_C1 = spectral_sum(kappa / (ETA[K] + kappa))                       # D − Σ η/(η+κ)
SUM_C2 = spectral_sum(kappa * (2 * ETA[K] + kappa) / (ETA[K] + kappa) ** 2)  # D − Σ η²/(η+κ)²
#: random spot-check values: q < 1 keeps 1 − q df > 0; d is a degrees-of-freedom value in (0, 1)
DOMAINS = {q: (sp.Rational(1, 10), sp.Rational(9, 10)), d_val: (sp.Rational(1, 10), sp.Rational(9, 10))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``ridge-regression`` (built once; the face :mod:`derivations.ridge` attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(lam, kappa, q, P, D, sigma), summary=(
        "Linear teacher y = w̄·x + ε, x ~ N(0, Σ) in D dimensions, P samples, noise variance σ², "
        "ridge estimator ŵ = (Σ̂ + λ)⁻¹XᵀY/P; D, P → ∞ with q = D/P fixed. Sums run over the "
        "eigenvalues η_k of Σ and the teacher's components w̄_k in its eigenbasis."))
    _free_probability(d)
    _derivative_and_errors(d)
    _limits(d)
    return d


def _free_probability(d: Derivation) -> None:
    d.define("model", "Overparameterisation ratio", "Σ̂ = XᵀX/P is a D×D sample covariance.", sp.Eq(q, D / P))
    d.define("df-definition", "Degrees of freedom", "Normalised traces of the population covariance.",
             (sp.Eq(df1(kappa), SUM_DF1 / D), sp.Eq(df2(kappa), SUM_DF2 / D)))
    d.define("s-definition", "S-transform", "For a matrix A with moment generating function ψ_A, "
             "S_A(t) = (1 + t)/t · ψ_A⁻¹(t).", sp.Eq(S_A(t), (1 + t) / t * psiinv(t)))
    d.identity("psi-at-ridge", "ψ at −1/λ is minus the degrees of freedom", "Per eigenvalue a of A, "
               "ψ(−1/λ) = τ[zA(1 − zA)⁻¹] at z = −1/λ equals −a/(a + λ); so ψ_A⁻¹(−df_A(λ)) = −1/λ.",
               sp.Eq((-a / lam) / (1 + a / lam), -a / (a + lam)))
    d.define("df-as-psi", "Degrees of freedom from ψ", "Averaging (psi-at-ridge) over the eigenvalues of A: "
             "ψ_A(−1/λ) = −df_A(λ) ≡ −d.", sp.Eq(psi_A(-1 / lam), -d_val))
    d.derive("psi-inverse-at-df", "ψ⁻¹ at −d", "Apply ψ_A⁻¹ to both sides.",
             transform("df-as-psi", lambda s: sp.Eq(psiinv(s.rhs), s.lhs.args[0]),
                       "apply ψ_A⁻¹ to both sides of (df-as-psi)", name="invert"),
             display=sp.Eq(psiinv(-d_val), -1 / lam))
    d.derive("s-of-df", "S-transform at t = −df", "Evaluate the definition at t = −d and insert ψ_A⁻¹(−d).",
             transform(("s-definition", "psi-inverse-at-df"), lambda sd, pi: sp.Eq(
                 sd.lhs.subs(t, -d_val), sp.factor(sd.rhs.subs(t, -d_val).subs(pi.lhs, pi.rhs))),
                       "set t = −d in (s-definition), substitute (psi-inverse-at-df), factor"),
             display=sp.Eq(S_A(-d_val), (1 - d_val) / (lam * d_val)), domains=DOMAINS)
    d.quote("free-product", "Free multiplicative convolution", "Σ̂ = Σ^{1/2} W Σ^{1/2} with W white "
            "Wishart of ratio q; Σ and W are asymptotically free, so S-transforms multiply.",
            sp.Eq(S_hat(t), S_Sig(t) * S_W(t)), checked_by=("deterministic-equivalent",),
            reference="Voiculescu; arXiv:2405.00592 Sec. 2")
    d.derive("wishart-s", "S-transform of the white Wishart factor", "Derived in marchenko-pastur.",
             registry.imported("marchenko-pastur", "s-transform"))
    d.define("df-matching", "Renormalised ridge κ", "κ is the ridge at which the population "
             "degrees of freedom match the sample ones: d = df¹_Σ̂(λ) = df¹_Σ(κ).",
             (sp.Eq(d_val, df1hat(lam)), sp.Eq(d_val, df1(kappa))))
    d.derive("renormalized-ridge", "Self-consistent renormalised ridge",
             "At t = −d, S_Σ̂ uses ridge λ and S_Σ uses ridge κ; solve the product rule for κ.",
             transform(("free-product", "s-of-df", "wishart-s"), _solve_product_rule,
                       "evaluate (free-product) at t = −d with (s-of-df) for Σ̂ (ridge λ) and Σ (ridge κ) "
                       "and (wishart-s); solve for κ; d = df¹_Σ(κ)", name="substitute and solve"),
             display=sp.Eq(kappa, lam / (1 - q * df1(kappa))), domains=DOMAINS)
    d.approximate("deterministic-equivalent", "Deterministic equivalent",
                  "The df matching holds for every bounded linear statistic of the resolvent, not only "
                  "its trace (large D, P).", sp.Eq(lam * (SIGMA_HAT + lam * sp.Identity(D)) ** -1,
                                                   kappa * (SIGMA + kappa * sp.Identity(D)) ** -1, evaluate=False),
                  checked_by=("deterministic-equivalent",))
    d.derive("kappa-equation", "Equation solved for κ", "Insert the df definition and q = D/P and "
             "multiply by the denominator.",
             transform(("renormalized-ridge", "df-definition", "model"), _clear_denominator,
                       "substitute (df-definition), (model) into (renormalized-ridge), multiply by 1 − q df¹"),
             display=sp.Eq(kappa * (1 - SUM_DF1 / P), lam))


def _solve_product_rule(product, s_of_df, wishart):
    """(free-product) at t = −d: S_Σ̂ from (s-of-df) with ridge λ, S_Σ with ridge κ, S_W from (wishart-s)."""
    s_at = lambda ridge: s_of_df.rhs.subs(lam, ridge)
    at_d = product.subs(t, -d_val)
    eq = at_d.subs({S_hat(-d_val): s_at(lam), S_Sig(-d_val): s_at(kappa), S_W(-d_val): wishart.rhs.subs(t, -d_val)})
    (root,) = sp.solve(eq, kappa)
    return sp.Eq(kappa, root.subs(d_val, df1(kappa)))


def _clear_denominator(rr, dfd, model):
    eq = substitute("rr", "dfd", "model").apply({"rr": rr, "dfd": dfd, "model": model})
    den = sp.denom(sp.together(eq.rhs))
    num = sp.numer(sp.together(eq.rhs))
    return sp.Eq(sp.expand(eq.lhs * den / P), sp.expand(num / P))


def _gamma_sum(gamma_def) -> dict:
    """{Σ_k η_k²/(η_k+κ)²: Pγ}, read off (gamma-definition)."""
    (the_sum,) = gamma_def.rhs.atoms(sp.Sum)
    return {the_sum: sp.solve(residual(gamma_def), the_sum)[0]}


def _implicit_dkappa(kappa_eq, gamma_def):
    slope = implicit_slope(residual(kappa_eq), kappa, lam)
    slope = recognize_sums(sp.together(slope), _gamma_sum(gamma_def))
    return sp.Eq(sp.Derivative(kappa_of, lam), sp.simplify(slope))


def _noise_variance(var_def, resolvent_eq, slope, gamma_def):
    """(σ²/P) ∂_λ[κ(λ) Σ η/(η+κ(λ))], chain rule with dκ/dλ from (dkappa-dlambda)."""
    inside = resolvent_eq.rhs.subs(kappa, kappa_of)
    value = var_def.rhs.xreplace({sp.Derivative(lam * T_res, lam): sp.Derivative(inside, lam)}).doit()
    value = value.subs(sp.Derivative(kappa_of, lam), slope.rhs).subs(kappa_of, kappa)
    return sp.Eq(Var_Xeps, sp.simplify(recognize_sums(value, _gamma_sum(gamma_def))))


def _dkappa_dmu(kmu_eq, gamma_def):
    """−F_μ/F_κ of (kappa-mu-equation) at μ = 0 (where κ_μ = κ), sums recognised as γ."""
    slope = implicit_slope(residual(kmu_eq), kappa_mu, mu).subs(mu, 0).subs(kappa_mu, kappa)
    return sp.Eq(DKAPPA_MU0, sp.simplify(recognize_sums(sp.together(slope), _gamma_sum(gamma_def))))


def _noiseless_error(definition, resolvent, slope, tf_def):
    """−∂_μ Q(μ) at μ = 0 with Q from (signal-resolvent), κ_μ'(0) from (dkappa-dmu)."""
    k_of_mu = sp.Function("kappa_mu")(mu)
    q_mu = resolvent.rhs.subs(kappa_mu, k_of_mu)
    value = -sp.diff(q_mu, mu).subs(mu, 0)
    value = value.subs(sp.Subs(sp.Derivative(k_of_mu, mu), mu, 0), slope.rhs).subs(
        sp.Derivative(k_of_mu, mu), slope.rhs).subs(k_of_mu.subs(mu, 0), kappa)
    value = recognize_sums(value, {tf_def.rhs: tf_def.lhs})
    return sp.Eq(definition.lhs, sp.factor(sp.simplify(value)))


def _signal_term(d: Derivation) -> None:
    d.define("source-family", "A source for the signal term", "Σ̂ + λ + λμΣ = Σ^{1/2}Σ_μ^{−1/2}(Σ̂_μ + λ)"
             "Σ_μ^{−1/2}Σ^{1/2}, where Σ̂_μ is a sample covariance with population Σ_μ = Σ(1 + μΣ)⁻¹ and "
             "the same Wishart factor: ridge regression on Σ_μ with ridge λ and renormalised ridge κ_μ.",
             sp.Eq(ETA_MU[K], ETA[K] / (1 + mu * ETA[K])))
    d.derive("kappa-mu-equation", "κ_μ", "The κ equation for the eigenvalues η_k/(1 + μη_k) of Σ_μ.",
             transform(("kappa-equation", "source-family"), lambda ke, sf: sp.Eq(
                 ke.lhs.xreplace({ETA[K]: sf.rhs}).subs(kappa, kappa_mu).replace(
                     lambda e: isinstance(e, sp.Sum), lambda s: sp.Sum(sp.factor(s.function), *s.limits)), ke.rhs),
                 "replace η_k by (source-family) in (kappa-equation), κ → κ_μ"),
             display=sp.Eq(kappa_mu * (1 - spectral_sum(ETA[K] / (ETA[K] + kappa_mu * (1 + mu * ETA[K]))) / P), lam))
    d.derive("dkappa-dmu", "dκ_μ/dμ at μ = 0", "Implicit differentiation of the κ_μ equation at μ = 0.",
             transform(("kappa-mu-equation", "gamma-definition"), _dkappa_dmu,
                       "implicit differentiation of (kappa-mu-equation) in μ at μ = 0, γ via (gamma-definition)",
                       name="implicit differentiation"),
             display=sp.Eq(DKAPPA_MU0, -kappa ** 2 * gamma / (1 - gamma)))
    d.identity("source-per-mode", "The source family per mode", "Conjugating κ_μ(Σ_μ + κ_μ)⁻¹ back by "
               "Σ^{−1/2}Σ_μ^{1/2} multiplies each mode by η_μ/η.",
               sp.Eq(ETA[K] / (1 + mu * ETA[K]) / ETA[K] * kappa_mu / (ETA[K] / (1 + mu * ETA[K]) + kappa_mu),
                     kappa_mu / (ETA[K] + kappa_mu * (1 + mu * ETA[K])), evaluate=False))
    d.approximate("signal-resolvent", "Equivalent of the source family", "Q(μ) = w̄ᵀλ(Σ̂ + λ + λμΣ)⁻¹w̄ by the "
                  "deterministic equivalent for Σ_μ and (source-per-mode).",
                  sp.Eq(Q_mu, spectral_sum(WBAR[K] ** 2 * kappa_mu / (ETA[K] + kappa_mu * (1 + mu * ETA[K])))),
                  checked_by=("deterministic-equivalent", "bias-variance"))
    d.identity("noiseless-error-definition", "Noiseless test error as a derivative", "With A = Σ̂ + λ, "
             "∂_μ λ(A + λμΣ)⁻¹ = −λ²A⁻¹ΣA⁻¹ at μ = 0, and the noiseless error is w̄ᵀλ²A⁻¹ΣA⁻¹w̄.",
             sp.Eq(E_g0, -sp.Subs(sp.Derivative(Q_mu, mu), mu, 0)), checked_by=("resolvent-identities",))
    d.derive("noiseless-error", "Noiseless test error", "Differentiate the equivalent of Q(μ) and insert κ_μ'(0).",
             transform(("noiseless-error-definition", "signal-resolvent", "dkappa-dmu", "tf-definition"),
                       _noiseless_error, "differentiate (signal-resolvent) in μ at 0, insert (dkappa-dmu), "
                       "recognise (tf-definition)", name="differentiate and substitute"),
             display=sp.Eq(E_g0, kappa ** 2 * tf1p(kappa) / (1 - gamma)))


def _derivative_and_errors(d: Derivation) -> None:
    d.define("gamma-definition", "γ", "γ = q df²_Σ(κ), written as a sum over modes.",
             sp.Eq(gamma, SUM_DF2 / P))
    d.derive("dkappa-dlambda", "dκ/dλ by implicit differentiation",
             "Differentiate the κ equation F(κ, λ) = 0: dκ/dλ = −F_λ/F_κ; recognise γ.",
             transform(("kappa-equation", "gamma-definition"), _implicit_dkappa,
                       "implicit differentiation of (kappa-equation), dκ/dλ = −F_λ/F_κ, sums recognised "
                       "via (gamma-definition)", name="implicit differentiation"),
             display=sp.Eq(sp.Derivative(kappa_of, lam), 1 / (1 - gamma)))
    d.define("bias-definition", "Bias", "Squared bias of the data-averaged predictor ⟨ŵ⟩ in the Σ norm.",
             sp.Eq(Bias2, spectral_sum(ETA[K] * (WBAR[K] - WMEAN[K]) ** 2)))
    d.approximate("mean-predictor", "Mean predictor", "ŵ = (1 − λ(Σ̂+λ)⁻¹)w̄ + noise term of mean zero; "
                  "apply the deterministic equivalent.", sp.Eq(WMEAN[K], ETA[K] / (ETA[K] + kappa) * WBAR[K]),
                  checked_by=("bias-variance",))
    d.derive("bias", "Bias²", "Insert the mean predictor.",
             substitute("bias-definition", "mean-predictor", then=merge_sums, then_text="merge sums"),
             display=sp.Eq(Bias2, kappa ** 2 * SUM_TF1P))
    d.identity("noise-derivative", "Noise term as a derivative", "The noise part of ŵ is (Σ̂+λ)⁻¹Xᵀε/P; "
               "its test error is (σ²/P) tr[Σ Σ̂(Σ̂+λ)⁻²], and per eigenvalue s of Σ̂, s/(s+λ)² = ∂_λ[λ/(s+λ)].",
               sp.Eq(a / (a + lam) ** 2, sp.Derivative(lam / (a + lam), lam), evaluate=False))
    d.identity("noise-variance-definition", "Noise variance", "By (noise-derivative), with T(λ) = tr Σ(Σ̂+λ)⁻¹.",
             sp.Eq(Var_Xeps, sigma ** 2 / P * sp.Derivative(lam * T_res, lam)), checked_by=("resolvent-identities",))
    d.approximate("resolvent-equivalent", "Equivalent of λ T(λ)", "Multiply the deterministic equivalent "
                  "by Σ and take the trace.", sp.Eq(lam * T_res, kappa * SUM_DF1),
                  checked_by=("deterministic-equivalent",))
    d.derive("noise-variance", "Var_Xε", "Differentiate κ(λ)Σ_k η_k/(η_k+κ(λ)) by the chain rule.",
             transform(("noise-variance-definition", "resolvent-equivalent", "dkappa-dlambda", "gamma-definition"),
                       _noise_variance, "substitute (resolvent-equivalent) into (noise-variance-definition), "
                       "differentiate, insert (dkappa-dlambda), recognise γ (gamma-definition)", name="chain rule"),
             display=sp.Eq(Var_Xeps, sigma ** 2 * gamma / (1 - gamma)))
    d.define("tf-definition", "Task function", "tf₁'(κ) = Σ_k w̄_k² η_k/(η_k+κ)².", sp.Eq(tf1p(kappa), SUM_TF1P))
    _signal_term(d)
    d.derive("generalization-error", "Test error", "Excess test error (without the test-label noise): "
             "the signal–noise cross term averages to zero over ε, so E_g is the noiseless error plus Var_Xε.",
             transform(("noiseless-error", "noise-variance"), lambda ne, nv: sp.Eq(E_g, sp.factor(ne.rhs + nv.rhs)),
                       "add (noiseless-error) and (noise-variance)"),
             display=sp.Eq(E_g, (kappa ** 2 * tf1p(kappa) + gamma * sigma ** 2) / (1 - gamma)))
    d.derive("variance-X", "Var_X", "Noiseless error minus bias².",
             transform(("generalization-error", "bias", "tf-definition"),
                       lambda eg, b, tf: sp.Eq(Var_X, sp.factor(eg.rhs.subs(sigma, 0) - b.rhs.subs(SUM_TF1P, tf.lhs))),
                       "E_g|σ=0 − Bias², Bias² = κ² tf₁' by (bias), (tf-definition)"),
             display=sp.Eq(Var_X, kappa ** 2 * tf1p(kappa) * gamma / (1 - gamma)))
    _stable_forms(d)
    _training_error(d)
    d.derive("train-test-gap", "Train–test gap", "λ/κ = 1 − q df¹_Σ(κ) by the renormalised ridge: finite "
             "also as λ → 0.", transform(("train-test-relation", "renormalized-ridge"),
                                         lambda tr, rr: sp.Eq(E_tr, tr.rhs.subs(kappa, rr.rhs).simplify()),
                                         "substitute κ from (renormalized-ridge) into λ/κ"),
             display=sp.Eq(E_tr, (1 - q * df1(kappa)) ** 2 * (E_g + sigma ** 2)))
    d.derive("gcv", "GCV estimator", "Solve for E_g and replace df¹_Σ(κ) by the observable df¹_Σ̂(λ) "
             "(df-matching): the test error from training data alone.",
             transform(("train-test-gap", "df-matching"),
                       lambda tt, dm: sp.Eq(E_g, sp.solve(residual(tt), E_g)[0].subs(df1(kappa), dm[0].rhs)),
                       "solve (train-test-gap) for E_g, substitute (df-matching)"),
             display=sp.Eq(E_g, E_tr / (1 - q * df1hat(lam)) ** 2 - sigma ** 2))


def _ridgeless_error_under(eg, gdef, model):
    """κ = 0: γ = Σ_k η_k²/η_k² / P = D/P = q, and the bias term κ² tf₁' vanishes."""
    g0 = gdef.rhs.subs(kappa, 0).doit()
    value = eg.rhs.subs(gamma, g0).subs(kappa, 0)
    return sp.Eq(E_g, sp.simplify(value.subs(D, sp.solve(model, D)[0])))


def _complement(sum_expr, identity):
    """Σ_k f = Σ_k (1 − g) = D − Σ_k g, with f = 1 − g per mode from (complement-sums)."""
    f, one_minus_g = identity.lhs, identity.rhs
    if sp.simplify(sum_expr.function - f) != 0:
        raise ValueError(f"(complement-sums) does not match the summand {sum_expr.function}")
    return D - sp.Sum(sp.factor(1 - one_minus_g), *sum_expr.limits)


def _stable_forms(d: Derivation) -> None:
    """Forms without cancellation: near D = P and for κ ≪ η, 1 − Σ η/(η+κ)/P is a small
    difference of large numbers; written with the complements κ/(η+κ) it is not."""
    d.identity("complement-sums", "Complements per mode", "Each mode's share and its complement.",
               (sp.Eq(ETA[K] / (ETA[K] + kappa), 1 - kappa / (ETA[K] + kappa), evaluate=False),
                sp.Eq(ETA[K] ** 2 / (ETA[K] + kappa) ** 2,
                      1 - kappa * (2 * ETA[K] + kappa) / (ETA[K] + kappa) ** 2, evaluate=False)))
    d.derive("stable-kappa-equation", "κ equation without cancellation",
             "Write Σ_k η_k/(η_k+κ) = D − Σ_k κ/(η_k+κ): P − D is exact, the sum is small when κ is.",
             transform(("kappa-equation", "complement-sums"), lambda ke, cs: sp.Eq(sp.factor(
                 ke.lhs.xreplace({SUM_DF1: _complement(SUM_DF1, cs[0])})), ke.rhs),
                       "replace the sum in (kappa-equation) by D minus the sum of complements (complement-sums)"),
             display=sp.Eq(kappa * (P - D + SUM_C1) / P, lam))
    d.derive("stable-one-minus-gamma", "1 − γ without cancellation", "The same for γ.",
             transform(("gamma-definition", "complement-sums"), lambda gd, cs: sp.Eq(1 - gamma, sp.factor(
                 1 - gd.rhs.xreplace({SUM_DF2: _complement(SUM_DF2, cs[1])}))),
                       "1 − (gamma-definition) with the sum of complements (complement-sums)"),
             display=sp.Eq(1 - gamma, (P - D + SUM_C2) / P, evaluate=False))
    d.derive("stable-train-factor", "1 − q df¹(κ) without cancellation", "The train–test factor λ/κ.",
             transform(("df-definition", "model", "complement-sums"), lambda dd, m, cs: sp.Eq(
                 1 - q * df1(kappa), sp.factor((1 - q * dd[0].rhs).subs(q, m.rhs).xreplace(
                     {SUM_DF1: _complement(SUM_DF1, cs[0])})), evaluate=False),
                       "1 − q·(df-definition) with q = D/P (model) and (complement-sums)"),
             display=sp.Eq(1 - q * df1(kappa), (P - D + SUM_C1) / P, evaluate=False))


def _simplify_training_resolvent(tres, ske):
    """Use (stable-kappa-equation): (P − D + Σ κ/(η+κ))/P = λ/κ."""
    gap_sum = sp.solve(residual(ske), SUM_C1)[0]           # Σ κ/(η+κ) from the κ equation
    return sp.Eq(tres.lhs, sp.expand(tres.rhs.xreplace({SUM_C1: gap_sum})))


def _training_from_resolvent(definition, resolvent, slope, tf_def):
    """−λ² ∂_λ F(λ) with F = tf₁(κ(λ)) + σ²/κ(λ); chain rule with (dkappa-dlambda)."""
    F = resolvent.rhs.subs(kappa, kappa_of)
    value = definition.rhs.xreplace({sp.Derivative(F_train, lam): sp.Derivative(F, lam)}).doit()
    value = value.subs(sp.Derivative(kappa_of, lam), slope.rhs).subs(kappa_of, kappa)
    value = recognize_sums(value, {tf_def.rhs: tf_def.lhs})
    return sp.Eq(E_tr, sp.factor(sp.simplify(value)))


def _training_error(d: Derivation) -> None:
    d.identity("training-error-definition", "Training error as a derivative", "The training residual is "
             "λ(XXᵀ/P + λ)⁻¹Y, so E_tr = (λ²/P) Yᵀ(XXᵀ/P + λ)⁻²Y = −λ² ∂_λ F(λ) with F(λ) = (1/P) Yᵀ(XXᵀ/P + λ)⁻¹Y.",
             sp.Eq(E_tr, -lam ** 2 * sp.Derivative(F_train, lam)), checked_by=("resolvent-identities",))
    d.identity("push-through", "Push-through", "Xᵀ(XXᵀ/P + λ)⁻¹X/P = Σ̂(Σ̂ + λ)⁻¹ = 1 − λ(Σ̂ + λ)⁻¹, per "
               "eigenvalue s; and the P×P Gram matrix has P − D more zero eigenvalues than Σ̂ (each gives 1/λ).",
               sp.Eq(a / (a + lam), 1 - lam / (a + lam), evaluate=False))
    d.approximate("training-resolvent", "Equivalent of F(λ)", "Signal: w̄ᵀ(1 − λ(Σ̂+λ)⁻¹)w̄ ≃ tf₁(κ) by the "
                  "deterministic equivalent; noise: (σ²/P) tr(XXᵀ/P + λ)⁻¹ = (σ²/(λP))(P − D + tr λ(Σ̂+λ)⁻¹) "
                  "≃ (σ²/(λP))(P − D + Σ_k κ/(η_k+κ)); the cross term averages to zero over ε.",
                  sp.Eq(F_train, SUM_TF1 + sigma ** 2 / (lam * P) * (P - D + SUM_C1)),
                  checked_by=("deterministic-equivalent", "ridge-simulation"))
    d.derive("training-resolvent-simplified", "F(λ) ≃ tf₁(κ) + σ²/κ", "The noise part is σ²/κ by the κ equation.",
             transform(("training-resolvent", "stable-kappa-equation"), _simplify_training_resolvent,
                       "replace Σ_k κ/(η_k+κ) using (stable-kappa-equation)"),
             display=sp.Eq(F_train, SUM_TF1 + sigma ** 2 / kappa))
    d.derive("training-error", "Training error", "Differentiate F(λ) through κ(λ) and insert dκ/dλ.",
             transform(("training-error-definition", "training-resolvent-simplified", "dkappa-dlambda",
                        "tf-definition"), _training_from_resolvent,
                       "substitute (training-resolvent-simplified) into (training-error-definition), chain rule "
                       "with (dkappa-dlambda), recognise (tf-definition)", name="differentiate and substitute"),
             display=sp.Eq(E_tr, (lam / kappa) ** 2 * (kappa ** 2 * tf1p(kappa) + sigma ** 2) / (1 - gamma)))
    d.derive("train-test-relation", "Training error from the test error", "Eliminating tf₁' with (generalization-"
             "error): the S-transform κ/λ is the train–test gap.",
             transform(("training-error", "generalization-error"), lambda tr, eg: sp.Eq(E_tr, sp.factor(
                 tr.rhs.subs(tf1p(kappa), sp.solve(residual(eg), tf1p(kappa))[0]))),
                       "solve (generalization-error) for tf₁'(κ), substitute into (training-error)"),
             display=sp.Eq(E_tr, (lam / kappa) ** 2 * (E_g + sigma ** 2)))


def _isotropic_implicit(ridgeless):
    """The factor of (ridgeless) other than κ, with df¹(κ) = 1/(1 + κ) for Σ = I, solved for κ."""
    (factor,) = [f for f in sp.Mul.make_args(ridgeless.lhs) if f != kappa]
    return sp.Eq(kappa, sp.solve(factor.subs(df1(kappa), 1 / (1 + kappa)), kappa)[0])


def _limits(d: Derivation) -> None:
    d.derive("ridgeless", "Ridgeless limit", "At λ = 0 the κ equation factorises: κ = 0 or q df¹_Σ(κ) = 1. "
             "Since df¹_Σ ≤ 1, for q < 1 only κ = 0 remains; for q > 1 the ridge is implicit: q df¹_Σ(κ) = 1.",
             transform("renormalized-ridge", lambda rr: sp.Eq(
                 (rr.lhs * sp.denom(rr.rhs)).subs(lam, 0), (rr.rhs * sp.denom(rr.rhs)).subs(lam, 0), evaluate=False),
                 "multiply (renormalized-ridge) by its denominator, set λ = 0"),
             display=sp.Eq(kappa * (1 - q * df1(kappa)), 0, evaluate=False))
    d.derive("ridgeless-error-under", "Ridgeless error for q < 1", "With κ = 0 the bias vanishes and γ = q.",
             transform(("generalization-error", "gamma-definition", "model"), _ridgeless_error_under,
                       "κ = 0 in (generalization-error) and (gamma-definition), D = qP"),
             display=sp.Eq(E_g, sigma ** 2 * q / (1 - q)))
    d.derive("isotropic-implicit-ridge", "Isotropic ridgeless κ for q > 1",
             "Σ = I: df¹_Σ(κ) = 1/(1 + κ), and q df¹_Σ(κ) = 1 gives κ = q − 1.",
             transform("ridgeless", _isotropic_implicit, "second factor of (ridgeless) with df¹ = 1/(1 + κ), solve"),
             display=sp.Eq(kappa, q - 1))
