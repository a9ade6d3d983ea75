"""``random-feature-dynamics``: random-feature regression trained by gradient flow, in time, width and data.

The model of Bordelon, Atanasov, Pehlevan (arXiv:2402.01092, Sec. 2) in this catalogue's notation:
features ψ ∈ R^D with covariance Σ = diag(η_k) (the paper's M and λ_k), teacher y = w̄·ψ + ε (the paper's
w*), a fixed projection A ∈ R^{N×D} with i.i.d. N(0, 1) entries, student f = wᵀAψ/√N, P samples, loss
(1/(2P))Σ_μ(y_μ − f_μ)², gradient flow from w = 0.  With F = AΨᵀ/√N and G = FFᵀ/P the flow is linear,
dw/dt = Fy/P − Gw.  In the paper's power-law setting η_k = k^(−b), w̄_k²η_k = k^(−a); in the
catalogue's source/capacity notation (ridge-exponents) b = α and a = 1 + 2αr.

The derivation: solve the flow in one eigendirection of G, Laplace-transform it, and recognise s·ŵ(s)
as ridge regression with ridge s — exactly, draw by draw.  The deterministic equivalent of
``linear-random-features`` (its κ₂ equation, after mapping the feature normalisation) then gives the
renormalised ridge κ(s) of the dynamics, s = κ(1 − Df/P)(1 − Df/N), Df = Σ_k η_k/(η_k + κ): one factor
from the data, one from the projection.  The mean predictor over A and data is the population ridge
predictor at κ(s), so each mode relaxes with the transfer function Ĥ_k(s) = 1/(s + η_k R_data R_model);
the paper's Eq. 10 form is confirmed.  Limits: s → 0 is the ridgeless two-level equation, N → ∞ the
one-level gradient-flow DMFT of ``dmft-langevin`` (g = 0, c = 1/P), P → ∞ the population flow.

The whole expected loss (variances over A and over the data, label noise), the training loss and the
infinitely ensembled loss follow as double Laplace transforms (:mod:`.dynamics_loss_steps`).

>>> from derivations import registry
>>> registry.get("random-feature-dynamics")["transfer-renormalised"]
Eq(hat_H_k(s), 1/(R_data*R_model*eta[k] + s))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive import dmft_symbols
from derive.operations import transform
from derive.spectral import D, ETA, K, WBAR, spectral_sum
from derivations import registry
from derivations.engine import Derivation, Source
import derivations.random_features.dynamics_compute_steps as dynamics_compute_steps
import derivations.random_features.dynamics_loss_steps as dynamics_loss_steps
import derivations.random_features.steps as lrf

NAME = "random-feature-dynamics"
TITLE = "Dynamics of random-feature regression: renormalised ridge κ(s), transfer functions, the loss in time"
SOURCE = Source("2402.01092", "Bordelon, Atanasov, Pehlevan", "2024", "A Dynamical Model of Neural Scaling Laws",
                section="Sec. 2 (model), Eq. 10 (transfer function); derived here from linear-random-features")

t, s, g, b, lam = sp.symbols("t s g b lambda", positive=True)
N, P = lrf.N, lrf.P
k2, q, df1 = lrf.k2, lrf.q, lrf.df1
kappa = k2                                            # κ(s): the κ₂ of ridge regression at ridge s
c_t, c_hat = sp.Function("c")(t), sp.Function("hat_c")(s)
c_lam = sp.Symbol("c_lambda")
J_ridge = sp.Symbol("J")
y_v, z_v, w_v, a_v, scale = sp.symbols("y z w a c_x", positive=True)
lam_z = sp.Symbol("lambda_z", positive=True)
Df = sp.Symbol("Df", positive=True)                   # Σ_k η_k/(η_k + κ) = D·df¹_Σ(κ)
R_data, R_model = sp.symbols("R_data R_model", positive=True)
beta_k, dev_k = sp.Symbol("beta_k", real=True), sp.Symbol("delta_k", real=True)
H_hat = sp.Function("hat_H_k")(s)
H_t = sp.Function("H")(K, t)
Bmean = sp.Symbol("B_mean")
#: spot-check domains: Df below both P and N (the physical branch, κ > 0 with both factors positive)
DOMAINS = {Df: (sp.Rational(1, 10), sp.Rational(1, 2)), N: (sp.Integer(2), sp.Integer(5)),
           P: (sp.Integer(2), sp.Integer(5))}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``random-feature-dynamics`` (built once; the face attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(t, s, N, P, D, kappa), summary=(
        "Features ψ ~ N(0, Σ), Σ = diag(η_k), k = 1…D; labels y = w̄·ψ + ε, ε ~ N(0, σ²); projection A ∈ R^{N×D}, "
        "A_ij ~ N(0, 1); student f = wᵀAψ/√N; loss (1/(2P))Σ_μ(y_μ − f_μ)²; gradient flow from w(0) = 0. "
        "F = AΨᵀ/√N, G = FFᵀ/P. D, N, P → ∞ at fixed ratios; s is the Laplace variable of t."))
    _flow(d)
    _renormalisation(d)
    _transfer(d)
    _limits(d)
    _early(d)
    dynamics_loss_steps.add_loss_steps(d)
    dynamics_compute_steps.add_compute_steps(d)
    return d


# ---- the flow is ridge regression in the Laplace domain ------------------------------------------

def _flow_solution(ode):
    return sp.Eq(c_t, sp.simplify(sp.dsolve(ode, c_t, ics={c_t.subs(t, 0): 0}).rhs))


def _laplace(sol):
    return sp.Eq(c_hat, sp.factor(sp.laplace_transform(sol.rhs, t, s, noconds=True)))


def _ridge_solution(objective):
    c = sp.Symbol("c")
    (root,) = sp.solve(sp.diff(objective.rhs, c), c)
    return sp.Eq(c_lam, sp.factor(root))


def _correspondence(laplace, ridge):
    at_s = ridge.rhs.subs(lam, s)
    if sp.simplify(s * laplace.rhs - at_s) != 0:
        raise ValueError("s·ĉ(s) is not the ridge solution at λ = s")
    return sp.Eq(s * c_hat, at_s)


def _flow(d: Derivation) -> None:
    d.define("gradient-flow", "Gradient flow in one eigendirection of G",
             "dw/dt = Fy/P − Gw, w(0) = 0. In an eigendirection of G = FFᵀ/P (eigenvalue g ≥ 0) the component c "
             "of w obeys dc/dt = b − gc, b the component of Fy/P.", sp.Eq(sp.Derivative(c_t, t), b - g * c_t))
    d.derive("flow-solution", "Exact flow per draw", "dsolve with c(0) = 0: c(t) = b(1 − e^{−gt})/g, i.e. "
             "w(t) = φ_t(G)Fy/P with φ_t(x) = (1 − e^{−tx})/x (the simulation's closed form).",
             transform("gradient-flow", _flow_solution, "dsolve with c(0) = 0", name="solve"))
    d.derive("flow-laplace", "Laplace transform", "ĉ(s) = ∫₀^∞ e^{−st} c(t) dt.",
             transform("flow-solution", _laplace, "laplace_transform in t", name="transform"))
    d.define("ridge-objective", "Ridge regression in the same direction",
             "(1/(2P))‖y − Fᵀw‖² + (λ/2)‖w‖² = const − wᵀFy/P + wᵀ(G + λ)w/2; in the eigendirection:",
             sp.Eq(J_ridge, g * sp.Symbol("c") ** 2 / 2 - b * sp.Symbol("c") + lam * sp.Symbol("c") ** 2 / 2))
    d.derive("ridge-solution", "Ridge solution", "Stationary point of (ridge-objective).",
             transform("ridge-objective", _ridge_solution, "differentiate in c and solve", name="solve"))
    d.derive("ridge-correspondence", "The flow is ridge regression with ridge s",
             "s·ĉ(s) equals the ridge solution at λ = s in every eigendirection, hence s·ŵ(s) = w_ridge(λ = s) "
             "for every draw of A and the data (no approximation), and the Laplace transform of any linear "
             "functional of w(t) is 1/s times that functional of the ridge predictor at ridge s.",
             transform(("flow-laplace", "ridge-solution"), _correspondence, "compare s·(flow-laplace) with "
                       "(ridge-solution) at λ = s (SymPy simplify)", name="substitute"))


# ---- the renormalised ridge κ(s) ------------------------------------------------------------------

def _feature_scaling(_):
    """Ridge λ on features x = c_x z is ridge λ/c_x² on z; here x = Aψ/√N = √(D/N)·z, z = (Aᵀ/√D)ᵀψ."""
    objective = (y_v - scale * w_v * z_v) ** 2 / 2 + lam * w_v ** 2 / 2
    in_a = sp.expand(objective.subs(w_v, a_v / scale))
    data = sp.expand((y_v - a_v * z_v) ** 2 / 2)
    ridge_on_z = 2 * sp.simplify((in_a - data).coeff(a_v, 2))
    return sp.Eq(lam_z, ridge_on_z.subs(scale, sp.sqrt(D / N)))


def _kappa_of_s(single, scaling):
    """(single-layer) at ridge λ_z = sN/D (ridge s on this entry's features), q = D/P, solved for s."""
    eq = single.subs(lrf.lam, scaling.rhs.subs(lam, s)).subs(q, D / P)
    (root,) = sp.solve(eq, s)
    return sp.Eq(s, sp.factor(root.subs(df1(k2), Df / D)))


def _factors(kos):
    expected = kappa * R_data * R_model
    defs = {R_data: 1 - Df / P, R_model: 1 - Df / N}
    if sp.simplify(kos.rhs - expected.subs(defs)) != 0:
        raise ValueError("(kappa-of-s) does not factor into κ·R_data·R_model")
    return (sp.Eq(R_data, defs[R_data]), sp.Eq(R_model, defs[R_model]), sp.Eq(s, expected))


def _renormalisation(d: Derivation) -> None:
    d.derive("lrf-single-layer", "Two-level equation of linear random features", "Imported from "
             "linear-random-features: features z = Fᵀψ, F with i.i.d. N(0, 1/D) entries, ridge λ, q = D/P.",
             registry.imported("linear-random-features", "single-layer"))
    d.derive("feature-scaling", "Feature normalisation", "This entry's features x = Aψ/√N are √(D/N)·z with "
             "F = Aᵀ/√D; ridge λ on features c_x z is ridge λ/c_x² on z (substitute w = a/c_x in the objective).",
             transform("lrf-single-layer", _feature_scaling, "substitute w = a/c_x, read the a² coefficient, "
                       "c_x² = D/N", name="substitute"))
    d.derive("kappa-of-s", "Renormalised ridge of the dynamics κ(s)",
             "By (ridge-correspondence) the Laplace variable is a ridge on the features x: (lrf-single-layer) at "
             "λ = sN/D (feature-scaling), q = D/P, solved for s; Df = D·df¹_Σ(κ) = Σ_k η_k/(η_k + κ). For complex s "
             "the equation is continued analytically (the branch with κ(s̄) = κ(s)* that is positive for positive s).",
             transform(("lrf-single-layer", "feature-scaling"), _kappa_of_s, "substitute and solve for s",
                       name="substitute and solve"),
             display=sp.Eq(s, kappa * (1 - Df / P) * (1 - Df / N)), domains=DOMAINS)
    d.derive("renormalisation-factors", "One factor from the data, one from the projection",
             "κ(s) = s/(R_data R_model): the data factor R_data = 1 − Df/P and the model factor R_model = 1 − Df/N.",
             transform("kappa-of-s", _factors, "factor (kappa-of-s)", name="factor"), domains=DOMAINS)


# ---- the mean predictor and the transfer functions -----------------------------------------------

def _mean_deviation(bias):
    """Population ridge at κ₂ per mode (minimise η(β − w̄)² + κ₂β²); its Σ-norm must be (bias)."""
    objective = ETA[K] * (beta_k - WBAR[K]) ** 2 + k2 * beta_k ** 2
    (beta,) = sp.solve(sp.diff(objective, beta_k), beta_k)
    deviation = sp.factor(beta - WBAR[K])
    if sp.simplify(spectral_sum(ETA[K] * deviation ** 2) - bias.rhs) != 0:
        raise ValueError("the population ridge predictor at κ₂ does not reproduce (lrf-bias)")
    return sp.Eq(dev_k, deviation)


def _transfer_function(corr, mean):
    """Ĥ_k(s) = −(Laplace transform of the mean deviation)/w̄_k: (ridge-correspondence) gives the factor
    ĉ/(s·ĉ) = 1/s between a transform and the ridge value, applied to δ_k/w̄_k at κ₂ = κ(s)."""
    laplace_factor = sp.simplify(c_hat / corr.lhs)
    return sp.Eq(H_hat, sp.simplify(-mean.rhs / WBAR[K] * laplace_factor))


def _renormalised_transfer(H, factors):
    s_of_kappa = factors[2].rhs
    inverse = sp.expand(sp.simplify(1 / H.rhs)).subs(s, s_of_kappa)          # s(η + κ)/κ with s = κRR
    inverse = sp.simplify(inverse)
    form = s + ETA[K] * R_data * R_model
    if sp.simplify(inverse - form.subs(s, s_of_kappa)) != 0:
        raise ValueError("1/Ĥ_k is not s + η_k R_data R_model")
    return sp.Eq(H_hat, 1 / form)


def _mean_loss(mean):
    return sp.Eq(Bmean, spectral_sum(ETA[K] * WBAR[K] ** 2 * H_t ** 2))


def _transfer(d: Derivation) -> None:
    d.derive("lrf-bias", "Bias² of linear random features", "Imported from linear-random-features: the mean "
             "predictor over projections and data is the population ridge predictor at κ₂.",
             registry.imported("linear-random-features", "bias"))
    d.derive("mean-deviation", "Mean deviation of one mode",
             "The population ridge predictor at κ₂, β_k = η_k w̄_k/(η_k + κ₂) (minimise η_k(β_k − w̄_k)² + κ₂β_k²), "
             "whose Σ-norm of β − w̄ is (lrf-bias) (checked): E[β_k − w̄_k] = −κ₂w̄_k/(η_k + κ₂).",
             transform("lrf-bias", _mean_deviation, "differentiate and solve per mode; compare with (lrf-bias)",
                       name="solve"))
    d.derive("transfer-function", "Transfer function of a mode",
             "By (ridge-correspondence) the mean deviation E[β_k(t) − w̄_k] = −H_k(t)w̄_k has the Laplace transform "
             "(1/s)·(mean-deviation) at κ₂ = κ(s).",
             transform(("ridge-correspondence", "mean-deviation"), _transfer_function,
                       "divide (mean-deviation) by −s w̄_k", name="substitute"))
    d.derive("transfer-renormalised", "Transfer function through the two renormalisation factors",
             "With s = κR_data R_model: Ĥ_k(s) = 1/(s + η_k R_data R_model) (the paper's Eq. 10 form). At N, P → ∞ "
             "both factors are 1 and H_k(t) = e^{−η_k t}: each mode relaxes at its population rate.",
             transform(("transfer-function", "renormalisation-factors"), _renormalised_transfer,
                       "invert, substitute s = κR_data R_model, simplify", name="substitute"))
    d.derive("mean-predictor-loss", "Loss of the mean predictor",
             "‖E β(t) − w̄‖²_Σ with E[β_k(t) − w̄_k] = −H_k(t)w̄_k, H_k(t) the inverse Laplace transform of Ĥ_k(s): "
             "the bias of the predictor averaged over projections and data (the paper's Eq. 19 per our sheet).",
             transform("transfer-function", _mean_loss, "square and sum the mean deviations", name="substitute"))


# ---- limits ----------------------------------------------------------------------------------------

def _static_limit(kos, ridgeless):
    ours = kos.rhs.subs(s, 0)
    theirs = ridgeless.lhs.subs(lrf.LAYERS, 1).doit().subs({lrf.WIDTH[1]: N, q: D / P, df1(k2): Df / D})
    if sp.simplify(ours - theirs * D / N) != 0:
        raise ValueError("(kappa-of-s) at s = 0 is not the ridgeless two-level equation")
    return sp.Eq(ours, 0)


def _infinite_width(kos, dmft):
    ours = sp.Eq(s, sp.limit(kos.rhs, N, sp.oo))
    total = [n for n in sp.preorder_traversal(dmft.lhs) if isinstance(n, sp.Sum)][0]
    theirs = dmft.xreplace({total: Df}).subs({dmft_symbols.g: 0, dmft_symbols.c: 1 / P}).subs(
        {dmft_symbols.z: s, dmft_symbols.kappa: kappa})
    if sp.simplify(sp.solve(theirs, s)[0] - ours.rhs) != 0:
        raise ValueError("N → ∞ of (kappa-of-s) is not dmft-langevin's κ equation at g = 0, c = 1/P")
    return ours


def _limits(d: Derivation) -> None:
    d.derive("lrf-ridgeless", "Ridgeless two-level equation", "Imported from linear-random-features.",
             registry.imported("linear-random-features", "ridgeless"))
    d.derive("static-limit", "s → 0: the ridgeless learning curve",
             "t → ∞ of gradient flow from 0 is the minimum-norm interpolator: (kappa-of-s) at s = 0 is D/N times the "
             "single-layer (lrf-ridgeless) (checked), Df = min(N, P) when that is below D.",
             transform(("kappa-of-s", "lrf-ridgeless"), _static_limit, "set s = 0, compare", name="limit"),
             domains=DOMAINS)
    d.approximate("static-limit-time", "t → ∞ of the transfer functions",
                  "The mean predictor reaches the ridgeless one: H_k(t) → κ₂/(η_k + κ₂) at the κ₂ of (static-limit) "
                  "(checked numerically at t = 10⁸ against linear-random-features' solver).",
                  sp.Eq(sp.Limit(H_t, t, sp.oo), kappa / (ETA[K] + kappa)), checked_by=("static-limit-numeric",))
    d.derive("dmft-kappa", "κ(z) of the one-level DMFT", "Imported from dmft-langevin (loss scale c, weight decay g).",
             registry.imported("dmft-langevin", "kappa-equation"))
    d.derive("infinite-width", "N → ∞: one-level gradient flow",
             "R_model → 1: s = κ(1 − Df/P), which is dmft-langevin's κ equation at g = 0, c = 1/P, z = s (checked; the "
             "loss (1/(2P))Σ is its c = 1/P).", transform(("kappa-of-s", "dmft-kappa"), _infinite_width,
                                                         "limit N → ∞, compare", name="limit"), domains=DOMAINS)
    d.derive("infinite-data", "P → ∞: the population flow",
             "R_data → 1: s = κ(1 − Df/N), the flow on the population loss ‖Aᵀw/√N − w̄‖²_Σ/2 averaged over A.",
             transform("kappa-of-s", lambda kos: sp.Eq(s, sp.limit(kos.rhs, P, sp.oo)), "limit P → ∞", name="limit"),
             domains=DOMAINS)


# ---- early times: the first corrections in 1/N and 1/P ---------------------------------------------

eps_N, eps_P = sp.symbols("epsilon_N epsilon_P", positive=True)
Df_s = sp.Function("Df")(s)
trace = sp.Symbol("tr_Sigma", positive=True)
dH = sp.Function("delta_H")(K, t)


def _first_order_kappa(kos):
    """κ = s + a/N + b/P + …: the O(1/N), O(1/P) coefficients of (kappa-of-s) solved for a, b."""
    a_, b_ = sp.symbols("a_N b_P")
    Df_k = sp.Function("Df")(kappa)
    residual = (kos.rhs - kos.lhs).subs(Df, Df_k).subs({N: 1 / eps_N, P: 1 / eps_P})
    trial = residual.subs(kappa, s + a_ * eps_N + b_ * eps_P)
    at0 = {eps_N: 0, eps_P: 0}
    sol = sp.solve([sp.diff(trial, eps_N).subs(at0).doit(), sp.diff(trial, eps_P).subs(at0).doit()], [a_, b_],
                   dict=True)
    if len(sol) != 1:
        raise ValueError("no unique first-order correction of κ(s)")
    return sp.Eq(kappa, s + sol[0][a_] / N + sol[0][b_] / P)


def _first_order_transfer(transfer, first):
    """Ĥ_k = κ/(s(η_k + κ)) expanded to first order in δ = κ − s."""
    delta = sp.Symbol("delta")
    H = transfer.rhs.subs(kappa, s + delta)
    series = sp.series(H, delta, 0, 2).removeO()
    return sp.Eq(H_hat, sp.factor(series.coeff(delta, 0)) + sp.factor(series.coeff(delta, 1)) * (first.rhs - s))


def _early_window(first_order):
    """s ≫ η_max (t ≪ 1/η_max): Df(s) = Σ_j η_j/(η_j + s) → tr Σ/s (leading term of the summand at s → ∞);
    the correction term inverted in t."""
    summand = ETA[K] / (ETA[K] + s)
    lead = sp.series(summand, s, sp.oo, 2).removeO()
    if sp.simplify(lead - ETA[K] / s) != 0:
        raise ValueError("unexpected large-s form of the Df summand")
    correction = first_order.rhs - first_order.rhs.subs({N: sp.oo, P: sp.oo})
    correction = sp.simplify(correction.subs(Df_s, trace / s))
    in_time = sp.inverse_laplace_transform(correction, s, t).subs(sp.Heaviside(t), 1)
    return sp.Eq(dH, sp.factor(sp.simplify(in_time)))


def _early(d: Derivation) -> None:
    d.derive("first-order-kappa", "κ(s) to first order in 1/N and 1/P",
             "Write N = 1/ε_N, P = 1/ε_P in (kappa-of-s), κ = s + aε_N + bε_P, and solve the O(ε) coefficients.",
             transform("kappa-of-s", _first_order_kappa, "expand to first order, solve for the coefficients",
                       name="series"))
    d.derive("first-order-transfer", "Transfer function to first order",
             "(transfer-function) expanded in κ − s: the first finite-size correction of every mode, "
             "η_k Df(s)(1/N + 1/P)/(s + η_k)², the same for width and data.",
             transform(("transfer-function", "first-order-kappa"), _first_order_transfer, "series in κ − s",
                       name="series"))
    d.derive("early-time-correction", "Universal early-time correction",
             "At times t ≪ 1/η_max every mode is resolved: Df(s) → tr Σ/s (leading term at s → ∞), and the "
             "inverse Laplace transform of the correction is (1/N + 1/P)(tr Σ/η_k)(1 − e^{−η_k t} − η_k t e^{−η_k t}), "
             "the same function of η_k t for width and data (the paper's Eq. 83 form per our sheet), "
             "E[β_k − w̄_k] = −(e^{−η_k t} + δH_k)w̄_k.",
             transform("first-order-transfer", _early_window, "large-s limit of Df, inverse Laplace transform",
                       name="limit"))
