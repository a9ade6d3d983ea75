"""``linear-random-features``: ridge regression on random projections, two levels of renormalisation.

Features z = Fᵀx with F = F_1⋯F_L (F_l of size N_{l−1}×N_l, N_0 = D, i.i.d. entries of
variance 1/D), ridge λ on the P×N_L feature matrix. The feature covariance has the
nonzero spectrum of A = Σ^{1/2}FFᵀΣ^{1/2}; its sample version adds a white Wishart factor.
Free multiplicative convolution with one S-factor per projection gives the data-level
ridge κ_1 = λ/(1 − q d) and the population-level ridge κ_2 = κ_1/∏_l(N_l/D − d), d = df¹_Σ(κ_2).
For fixed F the problem is ridge regression on the features with the part of the teacher
the features cannot represent acting as extra noise; averaging the fixed-F error over F
with the projection's deterministic equivalent gives E_g, E_tr, the infinite-ensemble
limit (ridge regression at κ_2), the 1/K ensemble correction and the fine-grained
bias–variance decomposition.

Source: Atanasov, Zavatone-Veth, Pehlevan, arXiv:2405.00592 (linear random features; the
paper's own equation numbers were not available to us).

>>> from derivations.random_features import learning_curve
>>> r = learning_curve([1.0] * 100, [0.1] * 100, P=400, N=50, ridge=0.0)  # width-limited, isotropic
>>> round(float(r.kappa2), 12), round(float(r.partial), 12)               # d = N/D = 1/2: κ₂ = 1
(1.0, 0.0)
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.equations import residual
from derive.operations import transform
from derive.spectral import (D, ETA, K, LAYER, LAYERS, WBAR, WIDTH, layer_product, layer_sum, merge_sums,
                             spectral_sum, sums_in_basis)
from derivations import registry
from derivations.engine import Derivation, Source
from derivations.ridge import symbols as ridge_symbols

#: the imported steps' symbols
E_g, E_tr, gamma, kappa, lam, sigma, tf1p = (getattr(ridge_symbols, n) for n in
                                             ("E_g", "E_tr", "gamma", "kappa", "lam", "sigma", "tf1p"))

NAME = "linear-random-features"
TITLE = "Linear random features: two-level renormalised ridge, learning curve and variance decomposition"
SOURCE = Source("2405.00592", "Atanasov, Zavatone-Veth, Pehlevan", "2024",
                "Scaling and renormalization in high-dimensional regression", section="linear random features")

k1, k2 = sp.Symbol("kappa_1", positive=True), sp.Symbol("kappa_2", positive=True)
mu = sp.Symbol("mu", positive=True)                            # ridge of the infinite ensemble on Σ̂
q, P, N, t, c, z, a = sp.symbols("q P N t c z a", positive=True)
d_val = sp.Symbol("d", positive=True)
d1, d2 = sp.Symbol("d_1", positive=True), sp.Symbol("d_2", positive=True)
partial = sp.Symbol("partial", positive=True)                  # ∂ = d log κ₂ / d log κ₁
gamma1, gamma2 = sp.Symbol("gamma_1", positive=True), sp.Symbol("gamma_2", positive=True)
sigma_F = sp.Symbol("sigma_F", nonnegative=True)               # misspecification noise at fixed F
n_ens = sp.Symbol("K_ens", positive=True, integer=True)        # ensemble size
E_gF, E_ginf, E_gK = sp.symbols("E_gF E_ginf E_gK")
Bias2, Var_X, Var_F, Var_XF, Var_Xeps, Var_XFeps = sp.symbols("Bias2 Var_X Var_F Var_XF Var_Xeps Var_XFeps")
B1, B1mean, T_F = sp.symbols("B_1 B1mean T_F")
S_A, S_W, S_Sig, S_F, S_hatF, S_M = (sp.Function(n) for n in ("S_A", "S_W", "S_Sigma", "S_F", "S_hatF", "S_M"))
psiinv = sp.Function("psiinv_A")
df1 = sp.Function("df1")
dfhatF, dfF = sp.Function("dfhatF"), sp.Function("dfF")
Q_of, r_of = sp.Function("Q")(k1), sp.Function("r")(k1)
k2_of = sp.Function("kappa_2")(k1)
AEIG, CCOMP = sp.IndexedBase("a", positive=True), sp.IndexedBase("c", real=True)
g_P, GAP = sp.Symbol("g_P", nonnegative=True), sp.IndexedBase("g", nonnegative=True)  # deficits P − Σf, N_l − Σf

SUM_DF1 = spectral_sum(ETA[K] / (ETA[K] + k2))
SUM_DF2 = spectral_sum(ETA[K] ** 2 / (ETA[K] + k2) ** 2)
SUM_SLOPE = spectral_sum(k2 * ETA[K] / (ETA[K] + k2) ** 2)
SUM_TF1 = spectral_sum(WBAR[K] ** 2 * ETA[K] / (ETA[K] + k2))
SUM_TF1P = spectral_sum(WBAR[K] ** 2 * ETA[K] / (ETA[K] + k2) ** 2)
SUM_TF2 = spectral_sum(WBAR[K] ** 2 * ETA[K] ** 2 / (ETA[K] + k2) ** 2)
SUM_Q = spectral_sum(CCOMP[K] ** 2 * k1 / (AEIG[K] + k1))
SUM_B1 = spectral_sum(CCOMP[K] ** 2 * k1 ** 2 / (AEIG[K] + k1) ** 2)
SUM_R = spectral_sum(k1 / (AEIG[K] + k1))
SUM_G1 = spectral_sum(AEIG[K] ** 2 / (AEIG[K] + k1) ** 2)
WIDTH_FACTOR = WIDTH[LAYER] / D - d_val
#: random spot-check values: q d < 1, and d stays below the widths' N_l/D
DOMAINS = {q: (sp.Rational(1, 10), sp.Rational(9, 10)), d_val: (sp.Rational(1, 20), sp.Rational(1, 4)),
           d1: (sp.Rational(1, 20), sp.Rational(1, 4)), d2: (sp.Rational(1, 40), sp.Rational(1, 20))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``linear-random-features`` (built once; the face :mod:`derivations.random_features`
    attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(lam, k1, k2, q, P, N, D, sigma), summary=(
        "Linear teacher y = w̄·x + ε, x ~ N(0, Σ) in D dimensions, P samples, noise variance σ². "
        "Features z = Fᵀx with F = F_1⋯F_L, F_l ∈ R^{N_{l−1}×N_l} (N_0 = D) with i.i.d. N(0, 1/D) "
        "entries; ridge regression on the features, â = (ZᵀZ/P + λ)⁻¹ZᵀY/P, effective weights "
        "w = Fâ. D, P, N_l → ∞ at fixed ratios q = D/P and N_l/D. Sums run over the eigenvalues "
        "η_k of Σ and the teacher's components w̄_k in its eigenbasis; a_k and c_k are the "
        "eigenvalues of A = Σ^{1/2}FFᵀΣ^{1/2} and the components of Σ^{1/2}w̄ in its eigenbasis."))
    _s_transforms(d)
    _renormalisation(d)
    _fixed_projection(d)
    _average_over_projection(d)
    _ensembles_and_decomposition(d)
    _stable_forms(d)
    return d


# ---- S-transforms ------------------------------------------------------------------------
def _s_of_scaled(sdef):
    """ψ_{cA}(z) = ψ_A(cz) ⇒ ψ_{cA}⁻¹(t) = ψ_A⁻¹(t)/c; insert into S = (1 + t)/t · ψ⁻¹."""
    psi_inv_A = sp.solve(residual(sdef), psiinv(t))[0]           # ψ_A⁻¹(t) in terms of S_A(t)
    return sp.Eq(sp.Function("S_cA")(t), sp.simplify((1 + t) / t * psi_inv_A / c))


def _projection_s(scaled, wishart):
    """F_lF_lᵀ = (N_l/D)·W with W white Wishart of ratio D/N_l: (s-scaling) with c = N_l/D."""
    s_w = wishart.rhs.subs(sp.Symbol("q", positive=True), D / WIDTH[LAYER])
    return sp.Eq(S_M(LAYER, t), sp.simplify(scaled.rhs.subs(S_A(t), s_w).subs(c, WIDTH[LAYER] / D)))


def _s_transforms(d: Derivation) -> None:
    d.define("model", "Ratios", "q = D/P; the widths N_l enter through N_l/D.", sp.Eq(q, D / P))
    d.derive("s-definition", "S-transform", "Defined in ridge-regression.", registry.imported("ridge-regression", "s-definition"))
    d.identity("psi-scaling", "ψ of a rescaled matrix", "Per eigenvalue a: ψ_{cA}(z) = τ[zcA(1 − zcA)⁻¹] = ψ_A(cz).",
               sp.Eq(z * (c * a) / (1 - z * (c * a)), (c * z) * a / (1 - (c * z) * a), evaluate=False))
    d.derive("s-scaling", "S-transform of a rescaled matrix", "By (psi-scaling), ψ_{cA}⁻¹ = ψ_A⁻¹/c.",
             transform("s-definition", _s_of_scaled, "ψ_{cA}⁻¹(t) = ψ_A⁻¹(t)/c by (psi-scaling); solve (s-definition) "
                       "for ψ_A⁻¹ and insert"), display=sp.Eq(sp.Function("S_cA")(t), S_A(t) / c))
    d.derive("wishart-s", "S-transform of a white Wishart matrix", "Derived in marchenko-pastur.",
             registry.imported("marchenko-pastur", "s-transform"))
    d.derive("projection-s", "S-transform of one projection", "F_lF_lᵀ has mean N_l/D times the identity: it "
             "is N_l/D times a white Wishart matrix of ratio D/N_l (traces normalised by D throughout).",
             transform(("s-scaling", "wishart-s"), _projection_s, "(wishart-s) at q = D/N_l, rescaled by "
                       "c = N_l/D with (s-scaling)"), display=sp.Eq(S_M(LAYER, t), 1 / (WIDTH[LAYER] / D + t)))
    d.quote("free-product", "Free multiplicative convolution", "The sample feature covariance has the nonzero "
            "spectrum of W^{1/2}AW^{1/2} with W white Wishart of ratio q, and A = Σ^{1/2}F_1⋯F_LF_Lᵀ⋯F_1ᵀΣ^{1/2}; "
            "Σ, W and the F_lF_lᵀ are asymptotically free, so the S-transforms (traces normalised by D) multiply, "
            "one factor per projection.",
            (sp.Eq(S_hatF(t), S_W(t) * S_F(t)), sp.Eq(S_F(t), S_Sig(t) * layer_product(S_M(LAYER, t)))),
            checked_by=("rf-projection-equivalent", "rf-simulation"), reference="Voiculescu; arXiv:2405.00592")


# ---- two-level renormalisation -------------------------------------------------------------
def _reciprocal_products(expr):
    """∏_l 1/f_l = 1/∏_l f_l (kept as one product)."""
    return expr.replace(lambda e: isinstance(e, sp.Product) and e.function.could_extract_minus_sign() is False
                        and sp.fraction(sp.together(e.function))[0] == 1,
                        lambda e: 1 / sp.Product(sp.simplify(1 / e.function), *e.limits))


def _kappa1_relation(product, s_of_df, proj):
    """(free-product), second equation, at t = −d: S_F with ridge κ₁, S_Σ with ridge κ₂."""
    s_at = lambda ridge: s_of_df.rhs.subs(lam, ridge)
    eq = product[1].subs(t, -d_val)
    eq = eq.subs({S_F(-d_val): s_at(k1), S_Sig(-d_val): s_at(k2)})
    eq = eq.replace(lambda e: isinstance(e, sp.Product), lambda p: sp.Product(
        p.function.subs(S_M(LAYER, -d_val), proj.rhs.subs(t, -d_val)), *p.limits))
    eq = sp.Eq(eq.lhs, _reciprocal_products(eq.rhs))
    (root,) = sp.solve(eq, k1)
    return sp.Eq(k1, root)


def _lambda_relation(product, s_of_df, wishart):
    """(free-product), first equation, at t = −d: S_Σ̂F with ridge λ, S_F with ridge κ₁."""
    s_at = lambda ridge: s_of_df.rhs.subs(lam, ridge)
    eq = product[0].subs(t, -d_val).subs({S_hatF(-d_val): s_at(lam), S_F(-d_val): s_at(k1),
                                          S_W(-d_val): wishart.rhs.subs(t, -d_val)})
    (root,) = sp.solve(eq, lam)
    return sp.Eq(lam, sp.factor(root))


def _log_derivative(relation, df_values, slope):
    """d log κ₁/d log κ₂ of κ₁ = κ₂ ∏_l f_l(d(κ₂)): 1 + Σ_l κ₂ ∂_κ₂ log f_l; ∂ is its inverse.
    Sums are expressed through d₁, d₂ (df-values), the slope's via (df-slope)."""
    (prod,) = relation.rhs.atoms(sp.Product)
    term = sp.diff(sp.log(prod.function.subs(d_val, df_values[0].rhs)), k2) * k2
    in_d = {SUM_DF1: D * d1, SUM_DF2: D * d2}
    term = sp.together(term).xreplace(in_d)
    basis = {sp.Integer(1): D, df_values[0].rhs.atoms(sp.Sum).pop().function: D * d1,
             slope.lhs.function: slope.rhs.xreplace(in_d)}
    term = sums_in_basis(sp.together(term), basis)
    return sp.Eq(partial, 1 / (1 + sp.Sum(sp.factor(term), *prod.limits)))


def _renormalisation(d: Derivation) -> None:
    d.define("df-matching", "Degrees of freedom at every level", "d is the same at the three levels: "
             "d = df_{Σ̂_F}(λ) = df_A(κ₁) = df¹_Σ(κ₂) (traces normalised by D).",
             (sp.Eq(d_val, dfhatF(lam)), sp.Eq(d_val, dfF(k1)), sp.Eq(d_val, df1(k2))))
    d.derive("s-of-df", "S-transform at t = −df", "Derived in ridge-regression.",
             registry.imported("ridge-regression", "s-of-df"))
    d.derive("kappa1-relation", "Population-level renormalisation", "At t = −d the S-transform of A uses ridge "
             "κ₁, that of Σ ridge κ₂; each projection contributes 1/(N_l/D − d).",
             transform(("free-product", "s-of-df", "projection-s"), _kappa1_relation,
                       "second equation of (free-product) at t = −d with (s-of-df) at ridges κ₁ and κ₂ and "
                       "(projection-s); ∏ 1/f = 1/∏ f; solve for κ₁", name="substitute and solve"),
             display=sp.Eq(k1, k2 * layer_product(WIDTH_FACTOR)), domains=DOMAINS)
    d.derive("lambda-relation", "Data-level renormalisation", "The Wishart factor of the data, as in ridge "
             "regression: the ridge of the sample problem is λ, that of A is κ₁.",
             transform(("free-product", "s-of-df", "wishart-s"), _lambda_relation,
                       "first equation of (free-product) at t = −d with (s-of-df) at ridges λ and κ₁ and "
                       "(wishart-s); solve for λ", name="substitute and solve"),
             display=sp.Eq(lam, k1 * (1 - q * d_val)), domains=DOMAINS)
    d.derive("two-level-equation", "Equation for κ₂", "Eliminate κ₁; d = df¹_Σ(κ₂).",
             transform(("lambda-relation", "kappa1-relation", "df-matching"), lambda lr, kr, dm: sp.Eq(
                 lr.lhs, lr.rhs.subs(k1, kr.rhs).subs(d_val, dm[2].rhs)),
                       "substitute (kappa1-relation) into (lambda-relation), d = df¹_Σ(κ₂) (df-matching)"),
             display=sp.Eq(lam, k2 * (1 - q * df1(k2)) * layer_product(WIDTH[LAYER] / D - df1(k2))), domains=DOMAINS)
    d.derive("single-layer", "One projection of width N", "L = 1, N_1 = N.",
             transform("two-level-equation", lambda e: sp.Eq(e.lhs, e.rhs.subs(LAYERS, 1).doit().subs(WIDTH[1], N)),
                       "set L = 1 and N_1 = N in (two-level-equation)"),
             display=sp.Eq(lam, k2 * (1 - q * df1(k2)) * (N / D - df1(k2))), domains=DOMAINS)
    d.derive("ridgeless", "Ridgeless limit", "At λ = 0 a factor vanishes: df¹_Σ(κ₂) = min(P, N_1, …, N_L)/D "
             "when that is below 1 (the sample or the narrowest layer limits the resolution), else κ₂ = 0.",
             transform("two-level-equation", lambda e: sp.Eq(e.rhs.subs(lam, 0), e.lhs.subs(lam, 0), evaluate=False),
                       "set λ = 0 in (two-level-equation)"),
             display=sp.Eq(k2 * (1 - q * df1(k2)) * layer_product(WIDTH[LAYER] / D - df1(k2)), 0, evaluate=False),
             domains=DOMAINS)
    d.define("df-values", "d₁, d₂ at κ₂", "Degrees of freedom of Σ at the population-level ridge.",
             (sp.Eq(d1, SUM_DF1 / D), sp.Eq(d2, SUM_DF2 / D)))
    d.identity("df-slope", "Slope of the degrees of freedom", "Per mode, κη/(η+κ)² = η/(η+κ) − η²/(η+κ)²; "
               "summed: −κ₂ dd/dκ₂ = d₁ − d₂.",
               sp.Eq(SUM_SLOPE, SUM_DF1 - SUM_DF2, evaluate=False))
    d.define("partial-definition", "∂", "The logarithmic derivative of the population-level ridge with respect "
             "to the data-level one.", sp.Eq(partial, sp.Derivative(sp.log(k2_of), k1) * k1))
    d.derive("partial", "∂ by logarithmic differentiation", "d log κ₁/d log κ₂ = 1 + Σ_l κ₂ ∂_κ₂ log(N_l/D − d(κ₂)).",
             transform(("kappa1-relation", "df-values", "df-slope"), _log_derivative,
                       "take log of (kappa1-relation), differentiate in log κ₂ with d from (df-values), recognise "
                       "(df-slope); ∂ is the inverse", name="logarithmic differentiation"),
             display=sp.Eq(partial, 1 / (1 + layer_sum((d1 - d2) / (WIDTH[LAYER] / D - d1)))), domains=DOMAINS)


# ---- a fixed projection ----------------------------------------------------------------------
def _fixed_f_error(eg, bdef):
    """(generalization-error) on the features: κ → κ₁, γ → γ₁, σ² → σ² + σ_F², plus σ_F²; then B₁."""
    level1 = eg.rhs.subs({kappa: k1, gamma: gamma1, sigma: sp.sqrt(sigma ** 2 + sigma_F ** 2)}) + sigma_F ** 2
    level1 = level1.subs(tf1p(k1), T_F)
    value = level1.subs(T_F, sp.solve(residual(bdef), T_F)[0])
    return sp.Eq(E_gF, sp.factor(sp.simplify(value)))


def _recognise_derivative(target_def, base_def, name):
    """target = base − κ₁ ∂_κ₁ base, by merging the sums; returned with the base as a function of κ₁."""
    base_sum = base_def.rhs
    combination = merge_sums(base_sum - k1 * sp.diff(base_sum, k1))
    if sp.simplify(merge_sums(combination - target_def.rhs)) != 0:
        raise ValueError(f"{name}: the sum is not base − κ₁ ∂ base")
    return sp.Eq(target_def.lhs, base_def.lhs - k1 * sp.diff(base_def.lhs, k1))


def _fixed_projection(d: Derivation) -> None:
    d.define("fixed-F-bias", "Population error of a fixed projection", "For fixed F the features see the "
             "teacher's best linear approximation in feature space (with tf₁' = T_F at ridge κ₁) plus a part σ_F² "
             "they cannot represent, which is Gaussian and independent of z: extra label noise.",
             sp.Eq(B1, k1 ** 2 * T_F + sigma_F ** 2))
    d.derive("ridge-error", "Ridge-regression test error", "Derived in ridge-regression.",
             registry.imported("ridge-regression", "generalization-error"))
    d.derive("fixed-F-error", "Test error at fixed F", "Ridge regression on the features (ridge κ₁, γ₁ from "
             "A, noise σ² + σ_F²); the unrepresentable part σ_F² also counts in the test error.",
             transform(("ridge-error", "fixed-F-bias"), _fixed_f_error, "(ridge-error) with κ → κ₁, γ → γ₁, "
                       "σ² → σ² + σ_F², plus σ_F²; eliminate T_F with (fixed-F-bias)", name="substitute"),
             display=sp.Eq(E_gF, (B1 + gamma1 * sigma ** 2) / (1 - gamma1)))
    d.identity("fixed-F-bias-spectral", "B₁ in the eigenbasis of A", "Push-through: Σ^{1/2}F(FᵀΣF + κ₁)⁻¹FᵀΣ^{1/2} "
               "= A(A + κ₁)⁻¹, so B₁ = ‖(1 − A(A+κ₁)⁻¹)Σ^{1/2}w̄‖² = Σ^{1/2}w̄ᵀ κ₁²(A + κ₁)⁻² Σ^{1/2}w̄.",
               sp.Eq(B1, SUM_B1), checked_by=("rf-resolvent-identities",))
    d.define("Q-definition", "First-order resolvent Q", "Q(κ₁) = Σ^{1/2}w̄ᵀ κ₁(A + κ₁)⁻¹ Σ^{1/2}w̄.",
             sp.Eq(Q_of, SUM_Q))
    d.derive("bias-as-derivative", "B₁ from Q", "Per eigenvalue, (κ/(a+κ))² = κ/(a+κ) − κ ∂_κ[κ/(a+κ)].",
             transform(("fixed-F-bias-spectral", "Q-definition"), lambda b, qd: _recognise_derivative(b, qd, "B₁"),
                       "recognise the sum of (fixed-F-bias-spectral) as Q − κ₁ ∂Q with (Q-definition)",
                       name="recognise"), display=sp.Eq(B1, Q_of - k1 * sp.Derivative(Q_of, k1)))
    d.define("gamma1-definition", "γ₁", "γ of the fixed-F ridge problem, (1/P) tr Σ_F²(Σ_F + κ₁)⁻²; A has the "
             "same nonzero eigenvalues as Σ_F = FᵀΣF.", sp.Eq(gamma1, SUM_G1 / P))
    d.define("r-definition", "Normalised resolvent trace r", "r(κ₁) = (1/D) tr κ₁(A + κ₁)⁻¹.",
             sp.Eq(r_of, SUM_R / D))
    d.derive("gamma1-as-derivative", "γ₁ from r", "Per eigenvalue, a²/(a+κ)² = 1 − κ/(a+κ) − κ ∂_κ[κ/(a+κ)].",
             transform(("gamma1-definition", "r-definition", "model"), _gamma1_from_r,
                       "write the summand of (gamma1-definition) per eigenvalue as 1 − R − κ₁∂R, recognise "
                       "(r-definition), D = qP (model)", name="recognise"),
             display=sp.Eq(gamma1, q * (1 - r_of - k1 * sp.Derivative(r_of, k1))))


def _gamma1_from_r(gdef, rdef, model):
    summand = gdef.rhs.atoms(sp.Sum).pop().function
    R = rdef.rhs.atoms(sp.Sum).pop().function
    per_mode = 1 - R - k1 * sp.diff(R, k1)
    if sp.simplify(summand - per_mode) != 0:
        raise ValueError("γ₁ summand is not 1 − R − κ₁∂R")
    value = (D - D * r_of - k1 * D * sp.diff(r_of, k1)) / P
    return sp.Eq(gamma1, sp.factor(value.subs(D, sp.solve(model, D)[0])))


# ---- average over the projection -------------------------------------------------------------
def _chain_rule(expr_of_k1, equivalent, slope):
    """Insert the deterministic equivalent (a function of κ₂(κ₁)) and differentiate through κ₂."""
    inside = equivalent.subs(k2, k2_of)
    value = expr_of_k1.xreplace({Q_of: inside, r_of: inside}).doit()
    value = value.subs(sp.Derivative(k2_of, k1), slope.rhs).subs(k2_of, k2)
    return value


def _mean_bias(bias_q, equiv, slope):
    value = _chain_rule(bias_q.rhs, equiv[0].rhs, slope)
    value = merge_sums(sp.expand(value))
    return sp.Eq(B1mean, value)


def _gamma1_value(g_r, equiv, slope, df_values):
    """q(1 − r − κ₁r') with r ≃ (1/D)Σ κ₂/(η+κ₂); each sum written through d₁, d₂ (df-values)."""
    value = _chain_rule(g_r.rhs, equiv[1].rhs, slope)
    basis = {sp.Integer(1): D, df_values[0].rhs.atoms(sp.Sum).pop().function: D * d1,
             df_values[1].rhs.atoms(sp.Sum).pop().function: D * d2}
    return sp.Eq(gamma1, sp.factor(sums_in_basis(value / q, basis)) * q)


def _average_over_projection(d: Derivation) -> None:
    d.approximate("projection-equivalent", "Deterministic equivalent over F", "κ₁(A + κ₁)⁻¹ ≃ κ₂(Σ + κ₂)⁻¹ for "
                  "bounded linear statistics (large D, N_l), with κ₂(κ₁) from (kappa1-relation); applied to Q and r. "
                  "Averages of the fixed-F error are taken as ratios of averages: γ₁ self-averages.",
                  (sp.Eq(Q_of, spectral_sum(WBAR[K] ** 2 * ETA[K] * k2 / (ETA[K] + k2))),
                   sp.Eq(r_of, spectral_sum(k2 / (ETA[K] + k2)) / D)),
                  checked_by=("rf-projection-equivalent",))
    d.derive("dkappa2-dkappa1", "dκ₂/dκ₁", "From (partial-definition).",
             transform("partial-definition", lambda pd: sp.Eq(sp.Derivative(k2_of, k1), sp.solve(
                 residual(pd).doit(), sp.Derivative(k2_of, k1))[0].subs(k2_of, k2)),
                       "solve (partial-definition) for dκ₂/dκ₁"),
             display=sp.Eq(sp.Derivative(k2_of, k1), partial * k2 / k1))
    d.derive("mean-fixed-F-bias", "Average of B₁ over F", "Insert the equivalent of Q and differentiate through κ₂.",
             transform(("bias-as-derivative", "projection-equivalent", "dkappa2-dkappa1"), _mean_bias,
                       "substitute (projection-equivalent) into (bias-as-derivative), chain rule with "
                       "(dkappa2-dkappa1)", name="differentiate and substitute"),
             display=sp.Eq(B1mean, k2 ** 2 * partial * SUM_TF1P + k2 * (1 - partial) * SUM_TF1))
    d.derive("gamma1", "γ₁", "Insert the equivalent of r and differentiate through κ₂.",
             transform(("gamma1-as-derivative", "projection-equivalent", "dkappa2-dkappa1", "df-values"),
                       _gamma1_value, "substitute (projection-equivalent) into (gamma1-as-derivative), chain rule "
                       "with (dkappa2-dkappa1), recognise d₁, d₂ (df-values)", name="differentiate and substitute"),
             display=sp.Eq(gamma1, q * d1 * (1 - (d1 - d2) / d1 * partial)), domains=DOMAINS)
    d.derive("rf-generalization-error", "Test error", "Average (fixed-F-error) over F: B₁ by its mean, γ₁ "
             "self-averaging.", transform(("fixed-F-error", "mean-fixed-F-bias"), lambda fe, mb: sp.Eq(
                 E_g, fe.rhs.subs(B1, mb.rhs)), "substitute (mean-fixed-F-bias) into (fixed-F-error)"),
             display=sp.Eq(E_g, (k2 ** 2 * partial * SUM_TF1P + k2 * (1 - partial) * SUM_TF1 + gamma1 * sigma ** 2)
                           / (1 - gamma1)))
    d.derive("ridge-train-test", "Ridge-regression train–test relation", "Derived in ridge-regression.",
             registry.imported("ridge-regression", "train-test-relation"))
    d.derive("rf-training-error", "Training error", "(ridge-train-test) on the features: ridge κ₁, noise "
             "σ² + σ_F², and the features' own excess error E_g^F − σ_F²; then average over F.",
             transform("ridge-train-test", lambda tt: sp.Eq(E_tr, tt.rhs.subs(
                 {E_g: E_g - sigma_F ** 2, sigma: sp.sqrt(sigma ** 2 + sigma_F ** 2), kappa: k1})),
                       "(ridge-train-test) with κ → κ₁, σ² → σ² + σ_F², E_g → E_g − σ_F²"),
             display=sp.Eq(E_tr, (lam / k1) ** 2 * (E_g + sigma ** 2)))


# ---- ensembles and the decomposition ---------------------------------------------------------
def _ensemble_equation(kr, rr, mp_ridge):
    """(kappa1-relation) with Σ̂ as the base matrix: μ = λ/∏(N_l/D − d); then ridge-regression at ridge μ."""
    mu_value = sp.solve(kr.subs({k1: lam, k2: mu}), mu)[0]
    eq = rr.subs(lam, mu_value).subs(kappa, k2)
    lhs_times = sp.solve(eq, lam)[0]
    return sp.Eq(lam, sp.factor(lhs_times).subs(d_val, df1(k2)))


def _ensembles_and_decomposition(d: Derivation) -> None:
    d.derive("ridge-renormalized", "Renormalised ridge of ridge regression", "Derived in ridge-regression.",
             registry.imported("ridge-regression", "renormalized-ridge"))
    d.derive("ensemble-ridge", "Infinite ensemble = ridge regression at κ₂", "Averaging the predictor over F at "
             "fixed data: by (kappa1-relation) with Σ̂ in place of Σ, E_F[λ(Â + λ)⁻¹] ≃ μ(Σ̂ + μ)⁻¹ with "
             "μ = λ/∏_l(N_l/D − d); ridge regression at ridge μ has renormalised ridge κ(1 − q d) = μ, d = df¹_Σ(κ): "
             "the equation of κ₂.",
             transform(("kappa1-relation", "ridge-renormalized"), lambda kr, rr: _ensemble_equation(kr, rr, mu),
                       "(kappa1-relation) with κ₁ → λ, κ₂ → μ solved for μ; (ridge-renormalized) at ridge μ, κ → κ₂, "
                       "d = df¹(κ₂)", name="substitute and solve"),
             display=sp.Eq(lam, k2 * (1 - q * df1(k2)) * layer_product(WIDTH[LAYER] / D - df1(k2))), domains=DOMAINS)
    d.define("gamma2-definition", "γ₂", "γ of ridge regression at κ₂.", sp.Eq(gamma2, q * d2))
    d.derive("infinite-ensemble-error", "Error of the infinite ensemble", "(ridge-error) at κ₂.",
             transform(("ridge-error", "gamma2-definition"), lambda eg, g2: sp.Eq(E_ginf, eg.rhs.subs(
                 {kappa: k2, gamma: g2.lhs}).subs(tf1p(k2), SUM_TF1P)), "(ridge-error) with κ → κ₂, γ → γ₂"),
             display=sp.Eq(E_ginf, (k2 ** 2 * SUM_TF1P + gamma2 * sigma ** 2) / (1 - gamma2)))
    d.identity("ensemble-average", "Mean of K i.i.d. predictors", "For K projections drawn independently at "
               "fixed data, the error of their average is the error of the infinite ensemble plus 1/K times the "
               "variance of one predictor about it, E_g − E_g^∞.",
               sp.Eq(E_gK, E_ginf + (E_g - E_ginf) / n_ens), checked_by=("rf-simulation",))
    d.derive("bias", "Bias²", "The data average of the infinite ensemble is the ridge mean predictor at κ₂: "
             "(ridge-error) at σ = 0 times 1 − γ₂.",
             transform("infinite-ensemble-error", lambda e: sp.Eq(Bias2, sp.factor(e.rhs.subs(sigma, 0) * (1 - gamma2))),
                       "noiseless part of (infinite-ensemble-error) without its 1/(1 − γ₂)"),
             display=sp.Eq(Bias2, k2 ** 2 * SUM_TF1P))
    d.derive("variance-X", "Var_X", "Infinite ensemble (noiseless) minus Bias².",
             transform(("infinite-ensemble-error", "bias"), lambda e, b: sp.Eq(Var_X, sp.factor(e.rhs.subs(sigma, 0) - b.rhs)),
                       "(infinite-ensemble-error) at σ = 0 minus (bias)"),
             display=sp.Eq(Var_X, k2 ** 2 * SUM_TF1P * gamma2 / (1 - gamma2)))
    d.derive("variance-F", "Var_F", "Mean over F of the infinite-data error minus Bias².",
             transform(("mean-fixed-F-bias", "bias"), lambda m, b: sp.Eq(Var_F, merge_sums(m.rhs - b.rhs)),
                       "(mean-fixed-F-bias) minus (bias)"),
             display=sp.Eq(Var_F, (1 - partial) * k2 * SUM_TF2))
    d.derive("noise-variance-X", "Var_Xε", "Noise part of the infinite ensemble.",
             transform("infinite-ensemble-error", lambda e: sp.Eq(Var_Xeps, sp.factor(e.rhs - e.rhs.subs(sigma, 0))),
                       "(infinite-ensemble-error) minus its σ = 0 part"),
             display=sp.Eq(Var_Xeps, sigma ** 2 * gamma2 / (1 - gamma2)))
    d.derive("noise-variance-XF", "Var_XFε", "Noise part of E_g minus Var_Xε.",
             transform(("rf-generalization-error", "noise-variance-X"), lambda e, v: sp.Eq(
                 Var_XFeps, sp.factor(e.rhs - e.rhs.subs(sigma, 0)) - v.rhs), "noise part of (rf-generalization-error) "
                       "minus (noise-variance-X)"),
             display=sp.Eq(Var_XFeps, sigma ** 2 * gamma1 / (1 - gamma1) - sigma ** 2 * gamma2 / (1 - gamma2)))
    d.derive("variance-XF", "Var_XF", "The rest of the noiseless error.",
             transform(("rf-generalization-error", "bias", "variance-X", "variance-F"), lambda e, b, vx, vf: sp.Eq(
                 Var_XF, e.rhs.subs(sigma, 0) - b.rhs - vx.rhs - vf.rhs),
                       "(rf-generalization-error) at σ = 0 minus (bias), (variance-X), (variance-F)"),
             display=sp.Eq(Var_XF, (k2 ** 2 * partial * SUM_TF1P + k2 * (1 - partial) * SUM_TF1) / (1 - gamma1)
                           - k2 ** 2 * SUM_TF1P / (1 - gamma2) - (1 - partial) * k2 * SUM_TF2))


# ---- forms without cancellation (for numbers) -----------------------------------------------
def _sums(df_values, slope):
    """Σ η/(η+κ₂), Σ η²/(η+κ₂)² from (df-values) and Σ η²/(η+κ₂)² = Σ η/(η+κ₂) − Σ κ₂η/(η+κ₂)² (df-slope)."""
    S1, S2 = (v.rhs.atoms(sp.Sum).pop() for v in df_values)
    return S1, S2, {d1: S1 / D, d2: S2 / D}, {S2: S1 - slope.lhs}


def _deficit_form(expr, S1, deficit):
    """Write the sum S1 through the deficit: S1 = M − g_M (exact replacement, sums untouched)."""
    return sp.factor(expr).xreplace({S1: deficit})


def _stable_equation(e, dv, sl, m):
    S1, _, _, _ = _sums(dv, sl)
    rhs = e.rhs.subs(df1(k2), S1 / D).subs(q, m.rhs)
    rhs = rhs.replace(lambda x: isinstance(x, sp.Product), lambda p: sp.Product(
        _deficit_form(p.function, S1, WIDTH[LAYER] - GAP[LAYER]), *p.limits))
    return sp.Eq(e.lhs, _deficit_form(rhs, S1, P - g_P))


def _stable_partial(pt, dv, sl):
    S1, _, in_sums, s2 = _sums(dv, sl)
    return sp.Eq(partial, pt.rhs.replace(lambda x: isinstance(x, sp.Sum), lambda s_: sp.Sum(
        _deficit_form(s_.function.xreplace(in_sums).xreplace(s2), S1, WIDTH[LAYER] - GAP[LAYER]), *s_.limits)))


def _stable_gamma1(g1, dv, sl, m):
    S1, _, in_sums, s2 = _sums(dv, sl)
    value = (1 - g1.rhs.xreplace(in_sums).subs(q, m.rhs)).xreplace(s2)
    return sp.Eq(1 - gamma1, _deficit_form(sp.expand(value), S1, P - g_P), evaluate=False)


def _stable_forms(d: Derivation) -> None:
    d.define("deficits", "Deficits", "g_P = P − Σ_k η_k/(η_k+κ₂) and g_l = N_l − Σ_k η_k/(η_k+κ₂): evaluated mode by "
             "mode without cancellation (as in ridge-regression's complement forms); they vanish where the sample "
             "or layer l limits the resolution.",
             (sp.Eq(g_P, P - SUM_DF1), sp.Eq(GAP[LAYER], WIDTH[LAYER] - SUM_DF1)))
    d.derive("stable-two-level-equation", "κ₂ equation through the deficits", "Each factor is a deficit over P or D.",
             transform(("two-level-equation", "df-values", "df-slope", "model", "deficits"),
                       lambda e, dv, sl, m, _: _stable_equation(e, dv, sl, m),
                       "df¹ from (df-values), q = D/P (model), each factor of (two-level-equation) through its "
                       "deficit (deficits)"),
             display=sp.Eq(lam, k2 * g_P / P * layer_product(GAP[LAYER] / D)))
    d.derive("stable-partial", "∂ through the deficits", "d₁ − d₂ is the slope sum; N_l/D − d₁ = g_l/D.",
             transform(("partial", "df-values", "df-slope", "deficits"), lambda pt, dv, sl, _: _stable_partial(pt, dv, sl),
                       "in (partial): d₁, d₂ from (df-values), (df-slope), the deficits (deficits)"),
             display=sp.Eq(partial, 1 / (1 + layer_sum(SUM_SLOPE / GAP[LAYER]))))
    d.derive("stable-one-minus-gamma1", "1 − γ₁ through the deficits", "No cancellation as γ₁ → 1.",
             transform(("gamma1", "df-values", "df-slope", "model", "deficits"),
                       lambda g1, dv, sl, m, _: _stable_gamma1(g1, dv, sl, m),
                       "1 − (gamma1) with d₁, d₂ from (df-values), (df-slope), q = D/P (model), the deficit g_P"),
             display=sp.Eq(1 - gamma1, (g_P + partial * SUM_SLOPE) / P, evaluate=False))
    d.derive("stable-train-factor", "λ/κ₁ through the deficit", "The train–test factor of (rf-training-error).",
             transform(("lambda-relation", "df-matching", "df-values", "df-slope", "model", "deficits"),
                       lambda lr, dm, dv, sl, m, _: sp.Eq(lam / k1, _deficit_form(
                           (lr.rhs / k1).subs(d_val, dm[2].rhs).subs(df1(k2), _sums(dv, sl)[0] / D).subs(q, m.rhs),
                           _sums(dv, sl)[0], P - g_P)),
                       "divide (lambda-relation) by κ₁, d = df¹(κ₂) (df-matching, df-values), q = D/P, deficit g_P"),
             display=sp.Eq(lam / k1, g_P / P))
    d.derive("stable-kappa1", "κ₁ through the deficits", "",
             transform(("kappa1-relation", "df-matching", "df-values", "df-slope", "deficits"),
                       lambda kr, dm, dv, sl, _: sp.Eq(k1, kr.rhs.subs(d_val, dm[2].rhs).subs(
                           df1(k2), _sums(dv, sl)[0] / D).replace(lambda x: isinstance(x, sp.Product), lambda p_: sp.Product(
                               _deficit_form(p_.function, _sums(dv, sl)[0], WIDTH[LAYER] - GAP[LAYER]), *p_.limits))),
                       "d = df¹(κ₂) in (kappa1-relation), each factor through its deficit"),
             display=sp.Eq(k1, k2 * layer_product(GAP[LAYER] / D)))
