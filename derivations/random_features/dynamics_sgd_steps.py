"""``random-feature-dynamics``, sixth part: one-pass SGD with batch B (B fresh samples every step, step h),
w_{n+1} = w_n − (h/B)Σ_b φ_b(φ_bᵀw_n − y_b), φ = Aψ/√N.

Write y = βᵀφ + ξ with β = Σ⁻¹AΛw̄/√N the best linear predictor in the features (Σ = AΛAᵀ/N, eigenvalues μ_i)
and ξ independent of φ (jointly Gaussian and uncorrelated), of variance v = r + σ², r = w̄ᵀΛw̄ − βᵀΣβ the
width-limited error.  In the eigenbasis of Σ the deviation e = w − β has independent Gaussian components
φ_i ~ N(0, μ_i); Isserlis' theorem and the batch mean of B independent samples close the recursion of the
diagonal second moments c_i(n) = E e_i(n)²:

    c_i(n+1) = g(μ_i) c_i(n) + (h²/B) μ_i L(n),   g(μ) = (1 − hμ)² + h²μ²/B,   L(n) = Σ_i μ_i c_i(n) + v,

exact for Gaussian features at fixed A.  Its generating function is a discrete Volterra (renewal) equation
L(z) = (F(z) + v/(1 − z))/(1 − (h²/B) z K(z)), F = Σ μ_iβ_i²/(1 − zg(μ_i)), K = Σ μ_i²/(1 − zg(μ_i)); partial
fractions at the two roots μ_± of 1 − zg(μ) turn both sums into resolvents of Σ, U(ζ) = Σ μ_i/(μ_i + ζ) and
T(ζ) = Σ μ_iβ_i²/(μ_i + ζ), whose deterministic equivalents over A are the population (P → ∞) κ of
(infinite-data): U(ζ) ≍ Df(κ), ζT(ζ) ≍ κ tf(κ) − κ₀ tf(κ₀), r ≍ κ₀ tf(κ₀) (κ₀ = κ(0⁺)).  B → ∞ gives
population gradient descent; h → 0 at n = t/h and fixed γ = h/B gives the continuous-time Volterra equation
L̂(s) = (Σ μβ²/(s + 2μ) + v/s)/(1 − γΣ μ²/(s + 2μ)) used for the compute-optimal frontier of SGD
(C = N·B·n = N t/γ).  Sources: arXiv:2402.01092 App. (SGD), the renewal form as in arXiv:2405.15074.
"""
from __future__ import annotations

import sympy as sp

from derive.gaussian_expectations import independent_gaussian_average
from derive.operations import transform
from derive.spectral import ETA, K
import derivations.random_features.dynamics_discrete_steps as ds
import derivations.random_features.dynamics_steps as dyn

h, n, z = ds.h, ds.n, ds.z
B = sp.Symbol("B", positive=True)
gamma = sp.Symbol("gamma", positive=True)                      # h/B, the SGD noise level of the flow limit
phi, R, xi = sp.symbols("phi_i R xi", real=True)
e = sp.Symbol("e_i", real=True)
mu, S, v = sp.symbols("mu_i S v", positive=True)
L_e = sp.Symbol("L_e", nonnegative=True)
b_idx = sp.Idx("b")
i_idx = sp.Symbol("i", integer=True, positive=True)
#: the number of eigenvalues μ_i of Σ = AΛAᵀ/N: the width N (an integer symbol, the summation bound)
N_modes = sp.Symbol("N", integer=True, positive=True)
MU, BETA = sp.IndexedBase("mu"), sp.IndexedBase("beta")
c_n = sp.Function("c_i")
L_n = sp.Function("L")
g_f = sp.Function("g")
e_next = sp.Symbol("e'_i", real=True)
PHI, RR, XI = sp.IndexedBase("phi"), sp.IndexedBase("R"), sp.IndexedBase("xi")
C_z, L_z = sp.Function("C_i")(z), sp.Function("L")(z)
U_f, T_f = sp.Function("U"), sp.Function("T")
mu_p, mu_m = sp.symbols("mu_+ mu_-")
zeta = sp.Symbol("zeta")
Lhat = sp.Function("hat_L")(dyn.s)

#: the pieces the numerics evaluate at each root: κ_±, Df(κ_±), tf(κ_±); and E₀ = κ₀tf(κ₀) = r
kap_p, kap_m, Df_p, Df_m, tf_p, tf_m, E_0 = sp.symbols("kappa_+ kappa_- Df_+ Df_- tf_+ tf_- E_0")
trace = sp.Symbol("tr_Lambda", positive=True)


F_f, K_f = sp.Function("F")(z), sp.Function("K")(z)
tf = sp.Symbol("tf")
L_sym = sp.Symbol("L_n")


ETA_K = ETA[K]
sigma2 = sp.Symbol("sigma^2", nonnegative=True)
beta_i = sp.Symbol("beta_i", real=True)


def _batch_moments(mean, square):
    """E X̄ and E X̄² of the mean X̄ of B independent copies of X (E X, E X²)."""
    return mean, square / B + (1 - 1 / B) * mean ** 2


def _second_moment(update):
    batch_sum = update.rhs.atoms(sp.Sum).pop()
    rate = sp.simplify((e - update.rhs) / batch_sum)               # e' = e − rate·Σ_b X_b = e − rate·B·X̄
    if rate.has(e) or rate.has(batch_sum):
        raise ValueError("the update is not e − c·Σ_b X_b")
    summand = batch_sum.function.subs({PHI[b_idx]: phi, RR[b_idx]: R, XI[b_idx]: xi})
    variances = {phi: mu, R: S, xi: v}
    mean, square = _batch_moments(independent_gaussian_average(summand, variances),
                                  independent_gaussian_average(summand ** 2, variances))
    step = rate * B
    moment = sp.expand(e ** 2 - 2 * step * e * mean + step ** 2 * square)
    # the other modes' excess loss S = L_e − μe², and the test loss L = L_e + v
    moment = sp.expand(moment.subs(S, L_e - mu * e ** 2).subs(L_e, L_sym - v))
    coefficient_c, coefficient_L = moment.coeff(e, 2), moment.coeff(L_sym)
    if sp.expand(moment - coefficient_c * e ** 2 - coefficient_L * L_sym) != 0:
        raise ValueError("E e_i'² is not linear in e_i² and L(n)")
    factor = (1 - h * mu) ** 2 + h ** 2 * mu ** 2 / B
    if sp.simplify(coefficient_c - factor) != 0:
        raise ValueError(f"unexpected mode factor {coefficient_c}")
    return (sp.Eq(c_n(n + 1), g_f(mu) * c_n(n) + coefficient_L * L_n(n)), sp.Eq(g_f(mu), factor))


def _generating(moment):
    recursion, _ = moment
    # Σ_n z^n of the recursion: C(z) − c(0) = z(g C(z) + (h²/B) μ L(z)), solved for C(z)
    gen = sp.Eq(C_z - c_n(0), z * (recursion.rhs.coeff(c_n(n)) * C_z + recursion.rhs.coeff(L_n(n)) * L_z))
    (C_sol,) = sp.solve(gen, C_z)
    weighted = sp.expand(mu * C_sol.subs(c_n(0), beta_i ** 2))
    forcing, feedback = weighted.coeff(L_z, 0), weighted.coeff(L_z, 1)
    F_summand = mu * beta_i ** 2 / (1 - z * g_f(mu))
    K_summand = mu ** 2 / (1 - z * g_f(mu))
    q = sp.simplify(feedback / K_summand)
    if sp.simplify(forcing - F_summand) != 0 or q.has(mu):
        raise ValueError("Σ_i μ_i C_i(z) is not F(z) + q K(z) L(z)")
    # L(z) = Σ_i μ_i C_i(z) + v/(1 − z), solved for L(z)
    (L_sol,) = sp.solve(sp.Eq(L_z, F_f + q * K_f * L_z + v / (1 - z)), L_z)
    per_mode = {mu: MU[i_idx], beta_i: BETA[i_idx]}
    return (sp.Eq(L_z, L_sol), sp.Eq(F_f, sp.Sum(F_summand.subs(per_mode), (i_idx, 1, N_modes))),
            sp.Eq(K_f, sp.Sum(K_summand.subs(per_mode), (i_idx, 1, N_modes))))


def _lead(factor):
    return sp.Poly(sp.expand(1 - z * factor.rhs), mu).LC()


def _roots(moment):
    factor = moment[1]
    roots = sp.solve(sp.Eq(1 - z * factor.rhs, 0), mu)
    if len(roots) != 2:
        raise ValueError(f"1 − z g(μ) has roots {roots}")
    if sp.simplify(sp.expand(_lead(factor) * (mu - roots[0]) * (mu - roots[1]) - (1 - z * factor.rhs))) != 0:
        raise ValueError("1 − z g(μ) is not lead·(μ − μ_+)(μ − μ_−)")
    return (sp.Eq(mu_p, roots[0]), sp.Eq(mu_m, roots[1]))


def _resolvents(moment, generating):
    """F and K of (sgd-generating) through partial fractions at the roots: resolvents of Σ at ζ = −μ_±."""
    lead = _lead(moment[1])
    a, b = sp.symbols("a b")
    fractions = sp.apart(1 / (lead * (mu - a) * (mu - b)), mu)        # = 1/(1 − z g(μ)) at the roots a, b
    F_summand = (mu * beta_i ** 2 / (mu - a) - mu * beta_i ** 2 / (mu - b)) / (lead * (a - b))
    K_summand = (a * mu / (mu - a) - b * mu / (mu - b)) / (lead * (a - b))       # μ²/(μ − a) = μ + aμ/(μ − a)
    for summand, target in ((generating[1].rhs.function, F_summand), (generating[2].rhs.function, K_summand)):
        numerator = summand.subs({MU[i_idx]: mu, BETA[i_idx]: beta_i}) * (1 - z * g_f(mu))
        if sp.simplify(numerator * fractions - target) != 0:
            raise ValueError("a summand of (sgd-generating) is not its resolvent combination")
    sub = {a: mu_p, b: mu_m}
    return (sp.Eq(F_f, ((T_f(-a) - T_f(-b)) / (lead * (a - b))).subs(sub)),
            sp.Eq(K_f, ((a * U_f(-a) - b * U_f(-b)) / (lead * (a - b))).subs(sub)),
            sp.Eq(U_f(zeta), sp.Sum(MU[i_idx] / (MU[i_idx] + zeta), (i_idx, 1, N_modes))),
            sp.Eq(T_f(zeta), sp.Sum(MU[i_idx] * BETA[i_idx] ** 2 / (MU[i_idx] + zeta), (i_idx, 1, N_modes))))


def equivalents_statement(infinite_data):
    """U, T, r and tr Σ through the population κ of (infinite-data) at s = ζ (the approximation's statement)."""
    return (infinite_data.subs(dyn.s, zeta), sp.Eq(U_f(zeta), dyn.Df), sp.Eq(zeta * T_f(zeta), dyn.kappa * tf - E_0),
            sp.Eq(v, E_0 + sigma2), sp.Eq(sp.Sum(MU[i_idx], (i_idx, 1, N_modes)), trace))


def _at_roots(equivalents):
    kappa_tf = sp.solve(equivalents[2], T_f(zeta))[0]
    return {U_f(-mu_p): Df_p, U_f(-mu_m): Df_m,
            T_f(-mu_p): kappa_tf.subs({zeta: -mu_p, dyn.kappa: kap_p, tf: tf_p}),
            T_f(-mu_m): kappa_tf.subs({zeta: -mu_m, dyn.kappa: kap_m, tf: tf_m})}


def _loss_generating(generating, resolvents, equivalents, roots, moment):
    L_expr = generating[0].rhs.subs({F_f: resolvents[0].rhs, K_f: resolvents[1].rhs})
    L_expr = L_expr.subs(_at_roots(equivalents)).subs(v, equivalents[3].rhs)
    # r = E₀ drops out: its coefficient vanishes at the roots (lead·μ_+μ_− = 1 − z)
    coefficient = sp.diff(L_expr, E_0).subs({mu_p: roots[0].rhs, mu_m: roots[1].rhs})
    if sp.simplify(sp.factor(coefficient)) != 0:
        raise ValueError("E₀ (the width-limited error) does not cancel from L(z)")
    return sp.Eq(L_z, sp.simplify(L_expr.subs(E_0, 0)))


def _stability(moment, generating):
    """The renewal equation converges iff (h²/B) K(1) < 1; K(1) = Σ μ²/(1 − g(μ)), each term finite iff g < 1."""
    recursion, factor = moment
    q = recursion.rhs.coeff(L_n(n)) / mu
    term = sp.simplify(q * mu ** 2 / (1 - factor.rhs))
    (edge,) = [r for r in sp.solve(sp.Eq(factor.rhs, 1), mu) if r != 0]
    # the summand is c·μ/(μ + ζ) at ζ = −μ_max: the sum is c·U(−μ_max), a resolvent of Σ
    coefficient = sp.simplify(term / (mu / (mu - edge)))
    if coefficient.has(mu):
        raise ValueError("ρ_SGD's summand is not a resolvent term at the stability edge")
    mu_max = sp.Symbol("mu_max")
    return (sp.Eq(sp.Symbol("rho_SGD"), sp.Sum(term.subs(mu, MU[i_idx]), (i_idx, 1, N_modes))),
            sp.Eq(mu_max, edge), sp.Eq(sp.Symbol("rho_SGD"), coefficient * U_f(-mu_max)))


def _gd_limit(moment, population):
    recursion, factor = moment
    limit = sp.Eq(c_n(n + 1), sp.limit(factor.rhs, B, sp.oo) * c_n(n) + sp.limit(recursion.rhs.coeff(L_n(n)), B, sp.oo))
    solved = sp.rsolve(limit.lhs - limit.rhs, c_n(n), {c_n(0): beta_i ** 2})
    expected = population.rhs.subs(ETA_K, mu) ** 2 * beta_i ** 2
    squared = lambda x: sp.powdenest(x, force=True).replace(lambda p: p.is_Pow and p.exp == 2 * n,
                                                            lambda p: sp.Pow(sp.expand(p.base ** 2), n))
    if sp.simplify(squared(solved) - squared(expected)) != 0:
        raise ValueError("B → ∞ is not population gradient descent (1 − hμ)^{2n}")
    return sp.Eq(c_n(n), expected)


def _continuous_limit(generating, moment):
    """z = e^{−hs}, B = h/γ, hL(z) as h → 0 summand by summand; then the leading order in the scale ε of the
    modes (μ → εμ, s → εs, i.e. hμ_max → 0 and γμ_max → 0 with γΣμ = O(1): O(1/ε) modes of size O(ε))."""
    factor = moment[1].rhs
    eps = sp.Symbol("epsilon", positive=True)
    at = {z: sp.exp(-h * dyn.s), B: h / gamma}
    L_gen, F_def, K_def = generating
    q = sp.simplify(-sp.diff(1 / L_gen.rhs.subs(v, 0).subs(F_f, 1), K_f))            # (h²/B) z
    g_mode = factor.subs(mu, MU[i_idx])
    F_term = sp.limit((h * F_def.rhs.function.subs(g_f(MU[i_idx]), g_mode)).subs(at), h, 0)
    K_term = sp.limit((q * K_def.rhs.function.subs(g_f(MU[i_idx]), g_mode)).subs(at), h, 0)
    v_term = sp.limit((h * v / (1 - z)).subs(at), h, 0)
    scale = {MU[i_idx]: eps * MU[i_idx], dyn.s: eps * dyn.s}
    F_lead = sp.limit(F_term.subs(scale, simultaneous=True), eps, 0)
    K_lead = sp.limit(K_term.subs(scale, simultaneous=True) / eps, eps, 0)          # O(ε) per mode, 1/ε modes
    v_lead = sp.limit(eps * v_term.subs(dyn.s, eps * dyn.s), eps, 0)
    K_lead, F_lead = K_lead.subs(eps, 1), F_lead.subs(eps, 1)
    return sp.Eq(Lhat, (sp.Sum(F_lead, (i_idx, 1, N_modes)) + v_lead) / (1 - sp.Sum(K_lead, (i_idx, 1, N_modes))))


def _flow_loss(continuous, equivalents):
    """The sums of (sgd-continuous-limit) as resolvents at ζ = s/2, then their deterministic equivalents."""
    numerator, denominator = sp.fraction(sp.together(continuous.rhs))
    F_sum = [a for a in continuous.rhs.atoms(sp.Sum) if a.function.has(BETA)][0]
    K_sum = [a for a in continuous.rhs.atoms(sp.Sum) if not a.function.has(BETA)][0]
    half = dyn.s / 2
    F_res = T_f(half) / 2
    K_res = gamma * (sp.Sum(MU[i_idx], (i_idx, 1, N_modes)) - half * U_f(half)) / 2
    m = MU[i_idx]
    if sp.simplify(F_sum.function - m * BETA[i_idx] ** 2 / (m + half) / 2) != 0 or \
            sp.simplify(K_sum.function - gamma * (m - half * m / (m + half)) / 2) != 0:
        raise ValueError("the continuous sums are not the resolvents at ζ = s/2")
    out = continuous.rhs.subs({F_sum: F_res, K_sum: K_res})
    kappa_tf = sp.solve(equivalents[2], T_f(zeta))[0].subs(zeta, half)
    out = out.subs({T_f(half): kappa_tf, U_f(half): dyn.Df}).subs(equivalents[4].lhs, trace)
    out = out.subs(v, equivalents[3].rhs)
    return sp.Eq(Lhat, sp.simplify(out)), sp.Eq(zeta, half)         # κ, Df, tf taken at ζ = s/2


def add_sgd_steps(d) -> None:
    update = e - h / B * sp.Sum(PHI[b_idx] * (PHI[b_idx] * e + RR[b_idx] - XI[b_idx]), (b_idx, 1, B))
    d.define("sgd-update", "One-pass SGD in one eigen-direction of Σ",
             "B fresh samples per step, step h: e' = e − (h/B)Σ_b φ_b(φ_bᵀe − ξ_b), e = w − β, in the eigenbasis of "
             "Σ = AΛAᵀ/N; component i: φ_{b,i} ~ N(0, μ_i), R_b = Σ_{j≠i} φ_{b,j}e_j ~ N(0, S) and ξ_b ~ N(0, v) "
             "independent (Gaussian features, ξ uncorrelated with φ), v = r + σ².", sp.Eq(e_next, update))
    d.derive("sgd-second-moment", "Second moments: a closed recursion",
             "E over the batch (mean of B independent copies) and Isserlis' theorem; S = L_e − μ_i e_i², "
             "L = L_e + v: c_i(n+1) = g(μ_i)c_i(n) + (h²/B)μ_i L(n), exact for Gaussian features at fixed A.",
             transform("sgd-update", _second_moment, "batch mean, Gaussian moments, collect", name="expand"))
    d.derive("sgd-generating", "A discrete renewal equation for the test loss",
             "Σ_n z^n of the recursion, solved for C_i(z); L(z) = Σ_i μ_i C_i(z) + v/(1 − z) solved for L(z).",
             transform("sgd-second-moment", _generating, "generating function; solve", name="solve"))
    d.derive("sgd-roots", "Roots of 1 − z g(μ)", "Two roots μ_± (swapped once around |z| = ρ; the loss is "
             "symmetric in them).", transform("sgd-second-moment", _roots, "solve 1 − z g(μ) = 0", name="solve"))
    d.derive("sgd-resolvents", "F and K as resolvents of Σ",
             "Partial fractions at μ_± (apart, checked summand by summand): F = (T(−μ_+) − T(−μ_−))/(c(μ_+ − μ_−)), "
             "K = (μ_+U(−μ_+) − μ_−U(−μ_−))/(c(μ_+ − μ_−)), c the leading coefficient of 1 − z g(μ).",
             transform(("sgd-second-moment", "sgd-generating"), _resolvents, "apart at the roots", name="apart"))
    d.approximate("sgd-equivalents", "Deterministic equivalents over A",
                  "Σ = AΛAᵀ/N has the nonzero spectrum of Λ^{1/2}AᵀAΛ^{1/2}/N, a sample covariance of N samples: "
                  "ζ(Λ̂ + ζ)⁻¹ ≍ κ(Λ + κ)⁻¹ with κ(ζ) from (infinite-data) at s = ζ, so U(ζ) ≍ Df(κ); by push-through "
                  "ζT(ζ) = E(ζ) − E(0⁺) with E(ζ) = ζ w̄ᵀΛ^{1/2}(Λ̂ + ζ)⁻¹Λ^{1/2}w̄ ≍ κ tf(κ), tf = Σ_k η_k w̄_k²/(η_k + κ); "
                  "r = E(0⁺) = E₀; tr Σ ≍ tr Λ (concentration over A; checked by the SGD simulations).",
                  equivalents_statement(d["infinite-data"]), checked_by=("sgd-simulation",))
    d.derive("sgd-loss-generating", "The generating function of SGD's test loss",
             "Substitute the resolvents and their equivalents; r drops out of L(z) (its coefficient vanishes at the "
             "roots, since cμ_+μ_− = 1 − z, c the leading coefficient).", transform(("sgd-generating", "sgd-resolvents", "sgd-equivalents",
                                                         "sgd-roots", "sgd-second-moment"),
                                                        _loss_generating, "substitute; E₀ cancels", name="substitute"))
    d.derive("sgd-stability", "Stability of SGD", "Every mode decays iff g(μ_i) < 1, μ_i < μ_max; the renewal "
             "equation converges iff ρ_SGD = (h²/B)K(1) < 1: ρ_SGD = Σ_i hμ_i/(2B − h(B + 1)μ_i), the resolvent "
             "−U(−μ_max)/(B + 1) at the edge.",
             transform(("sgd-second-moment", "sgd-generating"), _stability, "K(1); solve g(μ) = 1", name="solve"))
    d.derive("sgd-gd-limit", "Large batches", "B → ∞: c_i(n+1) = (1 − hμ_i)²c_i(n), i.e. (gd-population) "
             "squared: population gradient descent on the features.",
             transform(("sgd-second-moment", "gd-population"), _gd_limit, "limit B → ∞; rsolve", name="limit"))
    d.derive("sgd-continuous-limit", "Small steps at fixed noise γ = h/B",
             "z = e^{−hs}, B = h/γ, hL(z) → L̂(s) as h → 0 (summand by summand): the continuous renewal equation "
             "L̂ = (Σ μβ²/(s + 2μ) + v/s)/(1 − γΣ μ²/(s + 2μ)); used at finite h it drops O(hμ_max) (checked "
             "against the discrete theory in sgd-limits-numeric).",
             transform(("sgd-generating", "sgd-second-moment"), _continuous_limit,
                       "substitute z = e^{−hs}, B = h/γ; limit h → 0",
                       name="limit"))
    d.derive("sgd-flow-loss", "The continuous SGD loss through κ",
             "μβ²/(s + 2μ) = ½μβ²/(μ + s/2), μ²/(s + 2μ) = ½(μ − (s/2)μ/(μ + s/2)): resolvents at ζ = s/2, then "
             "(sgd-equivalents); at γ = 0 the population flow's (κ tf + σ²)/s.",
             transform(("sgd-continuous-limit", "sgd-equivalents"), _flow_loss, "resolvents at s/2; substitute",
                       name="substitute"))
