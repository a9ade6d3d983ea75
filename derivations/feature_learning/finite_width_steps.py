"""``feature-learning-finite-width``: the O(1/N) fluctuations of feature learning in the exactly solvable case, the
two-layer linear network on one example (Bordelon & Pehlevan, arXiv:2304.03408, its two-layer linear example).

At any width the prediction follows a closed flow whose only randomness is its start (closed-flow of
``feature-learning-linear``): the initial kernel K₀ and prediction f₀, averages over N independent neurons.
SymPy computes their means and O(1/N) covariance from the Gaussian weights (sympy.stats), differentiates the flow
by its start (the sensitivity flows, first and second order) and the delta method turns them into N·Var f(t) and
N·(E f(t) − f_∞(t)), the coefficients of 1/N.

>>> d = derivation()
>>> d["initial-statistics"][1]
Eq(N*Var(K_0), 4*Phi^0**2)
"""
from __future__ import annotations

import functools

import sympy as sp
from sympy import stats

import derivations.feature_learning.linear_steps as ls
from derive.operations import transform
from derivations.engine import Derivation, Source
from derivations.feature_learning.linear_steps import N, Phi0, f, f0, gamma0, t, K0

NAME = "feature-learning-finite-width"
TITLE = "Finite-width fluctuations of feature learning: the two-layer linear network on one example"
SOURCE = Source("2304.03408", "Bordelon, Pehlevan", "2023",
                "Dynamics of finite width kernel and prediction fluctuations in mean field neural networks",
                section="the two-layer linear network, its exactly solvable example")

E_, Var_, Cov_ = sp.Function("E"), sp.Function("Var"), sp.Function("Cov")
#: the sensitivities of f(t) to its start: ∂f/∂K₀, ∂f/∂f₀ and the second derivatives
S_K, S_f, S_KK, S_ff, S_Kf = (sp.Function(q) for q in ("S_K", "S_f", "S_KK", "S_ff", "S_Kf"))
f_inf = sp.Function("f_infinity")
w_rv, h_rv = sp.Symbol("w", real=True), sp.Symbol("h", real=True)


sigma_w, sigma_h = sp.Symbol("sigma_w", positive=True), sp.Symbol("sigma_h", positive=True)


def _per_neuron(expr, params):
    """One neuron's share q_i of an average (1/N)Σ_i q_i of the order parameters, its w_i, h_i named w, h."""
    out = expr.xreplace({eq.lhs: eq.rhs for eq in params})
    out = sp.expand(N * out.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function))
    return out.xreplace({ls.w[ls.i]: w_rv, ls.h[ls.i]: h_rv})


def _statistics(ntk, overlap, params, weights):
    """Mean and N × (co)variance of K₀ = (1/N)Σ k_i and γ₀f₀ = (1/N)Σ m_i over N independent neurons (a sum of
    N independent terms has N times their variance), by sympy.stats from the weights' Gaussian law."""
    sd = {eq.lhs: eq.rhs for eq in weights}
    rv = {w_rv: stats.Normal("w", 0, sd[sigma_w]), h_rv: stats.Normal("h", 0, sd[sigma_h])}
    k = _per_neuron(ntk.rhs, params).xreplace(rv)
    m = _per_neuron(overlap.rhs * gamma0, params).xreplace(rv)
    cov = lambda a, b: sp.simplify(stats.E(a * b) - stats.E(a) * stats.E(b))
    return (sp.Eq(E_(K0), sp.simplify(stats.E(k))), sp.Eq(N * Var_(K0), cov(k, k)),
            sp.Eq(E_(f0), sp.simplify(stats.E(m)) / gamma0), sp.Eq(N * Var_(f0), cov(m, m) / gamma0 ** 2),
            sp.Eq(N * Cov_(K0, f0), cov(k, m) / gamma0))


def _kernel(closed):
    """The tangent kernel at any width: the flow is df/dt = K(t)(y − f), so K(t) is its right side over y − f."""
    return sp.Eq(ls.K(t), sp.simplify(closed.rhs / (ls.y - f(t))))


#: the flow's first and second derivatives in f, named (they multiply the sensitivities in every flow below)
slope, curvature = sp.Function("a"), sp.Function("b")


def _tidy(e, kernel):
    """The root written as the kernel K(t), then each coefficient of the sensitivities factored."""
    e = sp.expand(e.subs(kernel.rhs, kernel.lhs))
    states = [S_K(t), S_KK(t), S_f(t), S_ff(t), slope(t), curvature(t)]
    grouped = sp.collect(e, [S ** 2 for S in states] + states, evaluate=False)
    return sp.Add(*(sp.factor(c) * m for m, c in grouped.items()))


def _coefficients(closed, kernel):
    """a = ∂F/∂f and b = ∂²F/∂f² of the flow df/dt = F(f; K₀, f₀)."""
    x = sp.Symbol("x", real=True)
    Fx = closed.rhs.xreplace({f(t): x})
    return tuple(sp.Eq(name(t), _tidy(sp.diff(Fx, *v).xreplace({x: f(t)}), kernel))
                 for name, v in ((slope, (x,)), (curvature, (x, x))))


def _sensitivities(closed, kernel, coefficients, stats_):
    """d/dt of ∂f/∂q and ∂²f/∂q² (q = K₀, f₀) by the chain rule through df/dt = F(f; K₀, f₀), with ∂F/∂f = a and
    ∂²F/∂f² = b named and the root written as K(t); the driving terms at the start's means (where the delta
    method needs them)."""
    F, x = closed.rhs, sp.Symbol("x", real=True)
    Fx = F.xreplace({f(t): x})
    means = {K0: stats_[0].rhs, f0: stats_[2].rhs}
    d = lambda *v: sp.diff(Fx, *v).xreplace({x: f(t)}).xreplace(means)
    named = {eq.rhs: eq.lhs for eq in coefficients}
    a, b = coefficients[0].lhs, coefficients[1].lhs
    plain = lambda *v: sp.diff(Fx, *v).xreplace({x: f(t)})
    if _tidy(plain(x), kernel) != coefficients[0].rhs or _tidy(plain(x, x), kernel) != coefficients[1].rhs:
        raise ValueError(f"the coefficients {named} are not the flow's derivatives in f")
    root = kernel.rhs.xreplace(means)
    tidy = lambda e: _tidy(sp.factor(sp.simplify(e)).subs(root, kernel.lhs), kernel)
    out = []
    for q, S1, S2 in ((K0, S_K, S_KK), (f0, S_f, S_ff)):
        out.append(sp.Eq(sp.Derivative(S1(t), t), a * S1(t) + tidy(d(q))))
        out.append(sp.Eq(sp.Derivative(S2(t), t), a * S2(t) + b * S1(t) ** 2 + tidy(2 * d(x, q) * S1(t) + d(q, q))))
    return tuple(out)


def _delta(stats_, sens):
    """f(t) = F_t(K₀, f₀) expanded to second order about the means: the variance from the first derivatives, the
    mean's shift from the second (the O(1/N) terms; the covariance of K₀ and f₀ is kept)."""
    var_k, var_f, cov = (eq.rhs for eq in (stats_[1], stats_[3], stats_[4]))
    return (sp.Eq(N * Var_(f(t)), S_K(t) ** 2 * var_k + S_f(t) ** 2 * var_f + 2 * S_K(t) * S_f(t) * cov),
            sp.Eq(N * (E_(f(t)) - f_inf(t)), (S_KK(t) * var_k + S_ff(t) * var_f) / 2 + S_Kf(t) * cov))


def _fluctuations(d: Derivation) -> None:
    d.assume("initial-weights", "Initial weights", "Every readout weight w_i and hidden weight W_ia is N(0, 1), "
             "independent: h_i(0) = Σ_a W_ia x_a/√D is N(0, Φ⁰) and independent of w_i.",
             (sp.Eq(sigma_w, 1), sp.Eq(sigma_h, sp.sqrt(Phi0))))
    d.derive("initial-statistics", "The start's statistics", "K₀ and γ₀f₀ are averages over N independent "
             "neurons: their means are one neuron's, their variances one neuron's over N (sympy.stats computes the "
             "Gaussian moments); K₀ and f₀ are uncorrelated.",
             transform(("ntk", "prediction-overlap", "order-parameters", "initial-weights"),
                       _statistics,
                       "one neuron's share of K and of γ₀f, its mean and (co)variance over the Gaussian weights",
                       name="average"))
    d.derive("kernel-any-width", "The kernel at any width", "The closed flow is df/dt = K(t)(y − f): its root is "
             "the tangent kernel, fixed by f and the start.", transform("closed-flow", _kernel,
                                                                        "K = (df/dt)/(y − f)", name="solve"))
    d.derive("flow-coefficients", "The flow's slope and curvature", "The derivatives of df/dt = F(f; K₀, f₀) in f "
             "that every sensitivity flow carries, written with the kernel K.",
             transform(("closed-flow", "kernel-any-width"), _coefficients, "a = ∂F/∂f, b = ∂²F/∂f²",
                       name="differentiate"))
    d.derive("sensitivity-flows", "Sensitivities to the start", "Differentiate the closed flow by K₀ and f₀ (chain "
             "rule through f): linear flows for ∂f/∂q driven by ∂F/∂q, and for the second derivatives, at the "
             "start's means (a, b there too); at t = 0, ∂f/∂f₀ = 1 and the others vanish.",
             transform(("closed-flow", "kernel-any-width", "flow-coefficients", "initial-statistics"), _sensitivities,
                       "∂/∂q and ∂²/∂q² of df/dt = F(f; K₀, f₀), at K₀ = E K₀, f₀ = E f₀", name="differentiate"))
    d.approximate("delta-method", "Fluctuations to order 1/N", "Expand f(t) about the start's means to second "
                  "order: the variance of f is the first derivatives squared times the start's covariance, the mean's "
                  "shift from the infinite-width curve f_∞ half the second derivatives times it; the rest is "
                  "O(1/N²).", _delta(d["initial-statistics"], d["sensitivity-flows"]),
                  checked_by=("finite-width-networks",))


@functools.cache
def derivation() -> Derivation:
    """The steps of ``feature-learning-finite-width`` (built once; the face attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(N, ls.D, gamma0, ls.y, t, Phi0), summary=(
        "The two-layer linear network of feature-learning-linear at finite width N: its prediction follows a "
        "closed flow from a random start; the start's O(1/N) covariance, carried by the flow's sensitivities, "
        "gives N·Var f(t) and N·(E f(t) − f_∞(t))."))
    ls._network(d)
    ls._order_parameters(d)
    _fluctuations(d)
    return d
