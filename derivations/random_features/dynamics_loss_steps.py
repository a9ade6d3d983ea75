"""``random-feature-dynamics``, second part: the whole expected loss in time, as a double Laplace transform.

Three moves, each a step: (1) the one-level two-time result of ``dmft-langevin`` at g = 0, β = ∞, c = 1/P
is, after inserting its mode responses, the error of ridge regression at two ridges z₁, z₂ — with the
teacher entering mode by mode (an extension of its i.i.d. teacher, stated as an assumption and checked by
simulation); (2) at a fixed projection A the problem is exactly that one-level problem in the features
x = Aψ/√N, with the part of the target they cannot represent acting as label noise and as irreducible
error — carried, as in ``linear-random-features``' fixed-F picture, by the null directions (a_k = 0) of the
D × D matrix Σ^{1/2}AᵀAΣ^{1/2}/N; (3) partial fractions turn every two-point mode sum into differences of
one-point functions, Q(k) = Σ c_k² k/(k + a_k) and r(k) = (1/D)Σ k/(k + a_k), whose deterministic
equivalents over A are imported from ``linear-random-features`` (projection-equivalent).  The result is
in terms of K_j = κ(z_j) of (kappa-of-s) and k_j = K_j R_model(K_j) only:

    z₁z₂ L̂(z₁, z₂) = [σ²γ₁₂ + N₁₂]/(1 − γ₁₂),   N₁₂ = [k₂K₁tf₁(K₁) − k₁K₂tf₁(K₂)]/(k₂ − k₁),
    γ₁₂ = [k₂Df(K₂) − k₁Df(K₁)]/(P(k₂ − k₁)),   tf₁(K) = Σ_k η_k w̄_k²/(η_k + K),

and L(t) is its inverse double Laplace transform at t₁ = t₂ = t (noise-free test labels; + σ² with noisy
ones).  The infinitely ensembled model (average over A at fixed data) has the same form with k_j → K_j.
"""
from __future__ import annotations

import sympy as sp

import derivations.random_features.steps as lrf
from derive import dmft_symbols as ds
from derive.operations import transform
from derive.spectral import D, ETA, K, WBAR, spectral_sum
from derivations import registry

z1, z2 = ds.z1, ds.z2
P_, KAPPA, DF = lrf.P, lrf.k2, sp.Symbol("Df", positive=True)     # as in dynamics_steps
k_1, k_2 = sp.symbols("k_1 k_2", positive=True)            # data-level ridges κ₁(z_j) of this entry's features
K_1, K_2 = sp.symbols("K_1 K_2", positive=True)            # κ(z_j) of (kappa-of-s)
U2, X2, Y2, D2, C_hat = sp.symbols("U X Y D hat_C")
L_hat, L_ens, L_train = sp.symbols("hat_L hat_L_ens hat_L_train")
t_ = sp.Symbol("t", positive=True)
gamma12, N12 = sp.symbols("gamma_12 N_12")
A_EIG, C_COMP = lrf.AEIG, lrf.CCOMP
Q_f, Df_f, tf1_f = sp.Function("Q"), sp.Function("Df"), sp.Function("tf1")
#: the two-point sums at a fixed projection, over the D directions of Σ^{1/2}AᵀAΣ^{1/2}/N
SUM_T_A = spectral_sum(C_COMP[K] ** 2 / ((k_1 + A_EIG[K]) * (k_2 + A_EIG[K])))
SUM_G_A = spectral_sum(A_EIG[K] ** 2 / ((k_1 + A_EIG[K]) * (k_2 + A_EIG[K])))


def _pulled(summand_value, summand_shape, what):
    """The factor c with summand_value = c·summand_shape, checked free of the mode index."""
    factor = sp.simplify(summand_value / summand_shape)
    if factor.has(ds.LAM[ds.I]) or factor.has(ds.WBAR[ds.I]):
        raise ValueError(f"{what}: the summand is not a constant times the two-ridge summand")
    return factor


def _one_level(two_time, two_point, teacher):
    """(dmft-two-time) at g = 0, β = ∞, c = 1/P with the mode responses inserted; the constants are pulled
    out of the sums summand by summand, the rest is rational algebra."""
    k1s, k2s = sp.symbols("kappa_1 kappa_2", positive=True)
    lam, wb = ds.LAM[ds.I], ds.WBAR[ds.I]
    defs = {eq.lhs: eq.rhs for eq in two_point}
    R_of = {ds.R_hat(ds.I, z1): k1s / (z1 * (k1s + lam)), ds.R_hat(ds.I, z2): k2s / (z2 * (k2s + lam))}
    t_shape = wb ** 2 * lam / ((k1s + lam) * (k2s + lam))
    g_shape = lam ** 2 / ((k1s + lam) * (k2s + lam))
    x_factor = _pulled(teacher.rhs.function.xreplace(R_of), t_shape, "(fixed-teacher)")
    y_factor = _pulled(defs[Y2].function.xreplace(R_of), g_shape, "Y")
    Ts, Gs = sp.symbols("T_s G_s")                      # Σ t_shape, and (1/P) Σ g_shape
    expr = two_time.rhs.subs(D2, defs[D2]).subs(Y2, y_factor * ds.P * Gs).subs(ds.v * X2, x_factor * Ts)
    expr = expr.subs({ds.g: 0, ds.c: 1 / ds.P}).subs({ds.rho_hat(z1): z1 / k1s, ds.rho_hat(z2): z2 / k2s})
    expr = sp.limit(expr, ds.beta, sp.oo)
    form = (ds.sigma2 * Gs + k1s * k2s * Ts) / (1 - Gs)
    if expr.has(X2) or sp.simplify(z1 * z2 * expr - form) != 0:
        raise ValueError(f"(dmft-two-time) does not reduce to the two-ridge form: {sp.simplify(z1 * z2 * expr)}")
    sums = {Ts: sp.Sum(t_shape, (ds.I, 1, ds.N_MODES)), Gs: sp.Sum(g_shape, (ds.I, 1, ds.N_MODES)) / ds.P}
    return sp.Eq(z1 * z2 * C_hat, form.xreplace(sums))


def _fixed_projection(one_level):
    """Rename to the fixed-A feature picture: Λ_i → a_k, w̄_i²Λ_i → c_k², modes → the D directions."""
    k1s, k2s = sp.symbols("kappa_1 kappa_2", positive=True)
    sums = {s_: s_ for s_ in one_level.rhs.atoms(sp.Sum)}
    out = one_level.rhs
    for s_ in sums:
        f = s_.function.subs(ds.WBAR[ds.I] ** 2 * ds.LAM[ds.I], C_COMP[ds.I] ** 2)
        f = f.subs(ds.LAM[ds.I], A_EIG[ds.I]).subs(ds.I, K)
        out = out.xreplace({s_: sp.Sum(f, (K, 1, D))})
    return sp.Eq(z1 * z2 * L_hat, out.subs({k1s: k_1, k2s: k_2}))


def _partial_fractions(fixed, qdef, rdef):
    """Per direction: c²k₁k₂/((k₁+a)(k₂+a)) and a²/((k₁+a)(k₂+a)) as differences of one-point summands."""
    q_term = lambda k: qdef.rhs.atoms(sp.Sum).pop().function.subs(lrf.k1, k)     # c² k/(k + a)
    r_term = lambda k: rdef.rhs.atoms(sp.Sum).pop().function.subs(lrf.k1, k)     # k/(k + a)
    t_summand = k_1 * k_2 * SUM_T_A.function
    g_summand = SUM_G_A.function
    t_split = (k_2 * q_term(k_1) - k_1 * q_term(k_2)) / (k_2 - k_1)
    g_split = (k_2 * (1 - r_term(k_2)) - k_1 * (1 - r_term(k_1))) / (k_2 - k_1)
    if sp.simplify(t_summand - t_split) != 0 or sp.simplify(g_summand - g_split) != 0:
        raise ValueError("partial fractions failed")
    Qd = lambda k: qdef.lhs.subs(lrf.k1, k)
    rd = lambda k: rdef.lhs.subs(lrf.k1, k)
    T_val = (k_2 * Qd(k_1) - k_1 * Qd(k_2)) / (k_2 - k_1)
    G_val = D * (k_2 * (1 - rd(k_2)) - k_1 * (1 - rd(k_1))) / (k_2 - k_1) / P_
    out = fixed.rhs.xreplace({k_1 * k_2 * SUM_T_A: T_val}).xreplace({SUM_G_A: G_val * P_})
    if out.has(sp.Sum):
        raise ValueError(f"sums left after the partial fractions: {out}")
    return sp.Eq(fixed.lhs, out)


def _equivalent(pf, equiv, model_level):
    """Q(k_j) → K_j tf₁(K_j), D·r(k_j) → D − Df(K_j) (the per-mode forms of the imported equivalents are
    checked), K_j = κ(z_j), k_j = K_j R_model(K_j)."""
    q_sum, r_sum = equiv[0].rhs.atoms(sp.Sum).pop(), equiv[1].rhs.atoms(sp.Sum).pop()
    if sp.simplify(q_sum.function - lrf.k2 * ETA[K] * WBAR[K] ** 2 / (ETA[K] + lrf.k2)) != 0 or \
            sp.simplify(equiv[0].rhs - q_sum) != 0:
        raise ValueError("(lrf-projection-equivalent): Q is not Σ κ₂η w̄²/(κ₂ + η)")
    if sp.simplify(r_sum.function - (1 - ETA[K] / (ETA[K] + lrf.k2))) != 0 or sp.simplify(equiv[1].rhs - r_sum / D) != 0:
        raise ValueError("(lrf-projection-equivalent): r is not (1/D)Σ κ₂/(κ₂ + η)")
    out = pf.rhs
    for k_, K_ in ((k_1, K_1), (k_2, K_2)):
        out = out.subs({sp.Function("Q")(k_): K_ * tf1_f(K_), sp.Function("r")(k_): (D - Df_f(K_)) / D})
    G_val = (k_2 * Df_f(K_2) - k_1 * Df_f(K_1)) / (P_ * (k_2 - k_1))
    N_val = (k_2 * K_1 * tf1_f(K_1) - k_1 * K_2 * tf1_f(K_2)) / (k_2 - k_1)
    target = (ds.sigma2 * G_val + N_val) / (1 - G_val)
    if sp.simplify(out - target) != 0:
        raise ValueError("the deterministic equivalent does not give the two-point loss")
    level = lambda K_: model_level.rhs.subs(DF, Df_f(K_)).subs(KAPPA, K_)
    return (sp.Eq(z1 * z2 * L_hat, target), sp.Eq(k_1, level(K_1)), sp.Eq(k_2, level(K_2)))


def _model_level(factors):
    """k = z/R_data (the data-level equation at fixed A, κ₁(1 − Df/P) = z) with z = K R_data R_model."""
    R_d, R_m, s_of = factors
    k_val = sp.simplify(s_of.rhs / R_d.lhs)
    return sp.Eq(sp.Symbol("k", positive=True), k_val.subs(R_m.lhs, R_m.rhs))


def _ensemble(loss):
    """Average over A at fixed data: ridge on ψ at ridges whose renormalised ridges are K_j: k_j → K_j."""
    target = loss[0].rhs.subs({k_1: K_1, k_2: K_2})
    return sp.Eq(z1 * z2 * L_ens, target)


def _training(loss):
    """Conjecture: the two-ridge extension of ridge-train-test, E_tr(z₁, z₂) = (z₁z₂/(k₁k₂))(E_g(z₁, z₂) + σ²)."""
    z_of = {z1: k_1 * (1 - Df_f(K_1) / P_), z2: k_2 * (1 - Df_f(K_2) / P_)}
    return sp.Eq(z1 * z2 * L_train, (z1 * z2 / (k_1 * k_2)).xreplace(z_of) * (loss[0].rhs + ds.sigma2))


def add_loss_steps(d) -> None:
    d.derive("dmft-two-time", "Two-time covariance of the one-level DMFT", "Imported from dmft-langevin.",
             registry.imported("dmft-langevin", "two-time-solution"))
    d.derive("dmft-two-point", "Two-point sums of the one-level DMFT", "Imported from dmft-langevin.",
             registry.imported("dmft-langevin", "two-point-functions"))
    d.assume("fixed-teacher", "The teacher enters mode by mode",
             "dmft-langevin averages an i.i.d. teacher (E w̄_i² = v); each mode's mean discrepancy starts at −w̄_i and "
             "the modes are independent given the collective kernels, so for a fixed teacher vX becomes "
             "Σ_i w̄_i²Λ_i R̂_i(z₁)R̂_i(z₂) (checked against the simulation of this entry).",
             sp.Eq(ds.v * X2, sp.Sum(ds.WBAR[ds.I] ** 2 * ds.LAM[ds.I] * ds.R_hat(ds.I, z1) * ds.R_hat(ds.I, z2),
                                     (ds.I, 1, ds.N_MODES))))
    d.derive("two-ridge-error", "One level: the error of ridge regression at two ridges",
             "(dmft-two-time) at g = 0, β = ∞, c = 1/P (loss (1/(2P))Σ) with R̂_i(z) = κ/(z(κ + Λ_i)), ρ̂ = z/κ and "
             "(fixed-teacher): z₁z₂Ĉ is the deterministic equivalent of E[(w_{z₁} − w̄)ᵀΣ(w_{z₂} − w̄)] for ridge "
             "regression at ridges z₁, z₂, κ_j = κ(z_j) (at z₁ = z₂ the ridge error).",
             transform(("dmft-two-time", "dmft-two-point", "fixed-teacher"), _one_level,
                       "substitute, simplify, compare with the two-ridge form", name="substitute"))
    d.derive("fixed-projection-loss", "Fixed projection: the same problem in the features",
             "At fixed A the features x = Aψ/√N are Gaussian; the target splits into its regression on x and an "
             "independent remainder, which acts as label noise and as irreducible test error. In the eigenbasis "
             "of Σ^{1/2}AᵀAΣ^{1/2}/N (eigenvalues a_k, teacher weights c_k², k = 1…D) both are carried by the null "
             "directions (a_k = 0, c_k² summing to the remainder), as in linear-random-features (fixed-F-bias-spectral); "
             "κ_j → k_j, the data-level ridges of this entry's features.",
             transform("two-ridge-error", _fixed_projection, "rename Λ_i → a_k, w̄_i²Λ_i → c_k², modes → D directions",
                       name="substitute"))
    d.derive("lrf-Q-definition", "Q", "Imported from linear-random-features.",
             registry.imported("linear-random-features", "Q-definition"))
    d.derive("lrf-r-definition", "r", "Imported from linear-random-features.",
             registry.imported("linear-random-features", "r-definition"))
    d.derive("two-point-partial-fractions", "Two-point sums through one-point functions",
             "Per direction c²k₁k₂/((k₁+a)(k₂+a)) = [k₂·c²k₁/(k₁+a) − k₁·c²k₂/(k₂+a)]/(k₂ − k₁) and "
             "a²/((k₁+a)(k₂+a)) = [k₂(1 − k₂/(k₂+a)) − k₁(1 − k₁/(k₁+a))]/(k₂ − k₁) (checked per direction).",
             transform(("fixed-projection-loss", "lrf-Q-definition", "lrf-r-definition"), _partial_fractions,
                       "partial fractions per direction, recognise Q and r", name="partial fractions"))
    d.derive("model-level", "Data-level ridge of the features", "At fixed A the data-level equation is "
             "k(1 − Df/P) = z; with (renormalisation-factors) k = z/R_data = κR_model.",
             transform("renormalisation-factors", _model_level, "divide z = κR_data R_model by R_data",
                       name="substitute"))
    d.derive("lrf-projection-equivalent", "Deterministic equivalent over the projection",
             "Imported from linear-random-features (Q and r depend on the ridge only through ratios to the "
             "eigenvalues, so the normalisation of the features drops out).",
             registry.imported("linear-random-features", "projection-equivalent"))
    d.derive("two-point-loss", "Expected loss in the double Laplace domain",
             "Insert (lrf-projection-equivalent) at K_j = κ(z_j), D(1 − r) = Df: the whole expected test loss of one "
             "model (bias, variances over A and over the data, label noise; noise-free test labels) as a double "
             "Laplace transform, in one-point functions only.",
             transform(("two-point-partial-fractions", "lrf-projection-equivalent", "model-level"), _equivalent,
                       "substitute the equivalents, recognise Df and tf₁", name="substitute"))
    d.derive("ensemble-two-point-loss", "The infinitely ensembled model",
             "Averaging the predictor over A at fixed data is ridge regression on ψ at ridges μ_j whose renormalised "
             "ridges are K_j (linear-random-features, ensemble-ridge): the one-level form with k_j → K_j.",
             transform("two-point-loss", _ensemble, "k_j → K_j", name="substitute"))
    d.approximate("training-loss", "Training loss",
                  "L̂_tr(t) = (1/P)‖e^{−tK}y‖² has the double transform (1/(z₁z₂))·(1/P)r₁ᵀr₂ with r_j = z_j(K + z_j)⁻¹y, "
                  "the training residuals of ridge regression at ridges z₁, z₂. Conjectured: the two-ridge form of "
                  "ridge-train-test, (z₁z₂/(k₁k₂))(E_g(z₁, z₂) + σ²) with z_j = k_j R_data(K_j) (at z₁ = z₂ the static "
                  "relation E_tr = (λ/κ₁)²(E_g + σ²)); checked by the simulation.",
                  _training(d["two-point-loss"]), checked_by=("loss-simulation",))
    d.approximate("loss-static-limit", "t → ∞: the ridgeless learning curve",
                  "The three losses approach linear-random-features' ridgeless test error E_g + σ², training error "
                  "E_tr and infinite-ensemble error E_g^∞ + σ² (checked numerically at t = 10⁶ against that entry).",
                  (sp.Eq(sp.Limit(sp.Function("L")(t_), t_, sp.oo), lrf.E_g + ds.sigma2),
                   sp.Eq(sp.Limit(sp.Function("L_train")(t_), t_, sp.oo), lrf.E_tr)), checked_by=("static-limit-numeric",))
