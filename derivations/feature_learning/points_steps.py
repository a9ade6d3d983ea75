"""``feature-learning-linear``, second part: the two-layer linear network trained on P examples.

The network and learning rates of :mod:`.linear_steps`, now with the loss (1/(2P))Σ_μ(y_μ − f_μ)² over P inputs
x_μ.  The chain rule through the predictions (SymPy: ∂L/∂f_λ and ∂f_λ/∂θ) gives each neuron's flow; summing the
neurons gives a closed system for the P × P feature kernel H_μν = (1/N)Σ_i h_iμh_iν, the readout norm G and the
predictions, exact at every width N:

    df_ν/dt = (1/P)Σ_μ K_νμ Δ_μ,  K = H + G K^x,
    dH_μν/dt = (γ₀²/P)Σ_λ Δ_λ(K^x_λμ f_ν + f_μ K^x_λν),  dG/dt = (2γ₀²/P)Σ_λ Δ_λ f_λ,

with K^x_μν = x_μ·x_ν/D; at infinite width it starts from H = K^x, G = 1, f = 0.  At P = 1 it is the first
part's one-example flow (checked).  These are the kernel equations of the DMFT of arXiv:2205.09653 for a
linear network of depth 1.
"""
from __future__ import annotations

import sympy as sp

import derivations.feature_learning.linear_steps as ls
from derive import msr
from derive.operations import transform

P = sp.Symbol("P", positive=True, integer=True)
mu, nu, lam = sp.symbols("mu nu lambda", positive=True, integer=True)
i, j, a, b, t, N, D, gamma0, eta_theta = ls.i, ls.j, ls.a, ls.b, ls.t, ls.N, ls.D, ls.gamma0, ls.eta_theta
w, W = ls.w, ls.W
x, h, y, f_ix, Dl, Kx = (sp.IndexedBase(n, real=True) for n in ("x", "h", "y", "f", "Delta", "K^x"))
#: the neurons' states and the order parameters over time
w_t, h_t = sp.Function("w"), sp.Function("h")
f_t, H_t, G_t, m_t, K_t = (sp.Function(n) for n in ("f", "H", "G^1", "m", "K"))
L_sym = sp.Symbol("L")
#: the orders of the perturbation series in ε = γ₀²
f0_t, f2_t, H2_t, G2_t = (sp.Function(n) for n in ("f_0", "f_2", "H_2", "G_2"))
eps = sp.Symbol("epsilon", positive=True)


def _network():
    return (sp.Eq(h[j, nu], sp.Sum(W[j, a] * x[a, nu], (a, 1, D)) / sp.sqrt(D)),
            sp.Eq(f_ix[nu], sp.Sum(w[i] * h[i, nu], (i, 1, N)) / (gamma0 * N)))


def _gradients(net, loss):
    """∂L/∂f_λ, ∂f_λ/∂w_j and ∂f_λ/∂W_jb (Kronecker deltas from the sums, indices in range)."""
    (h_def, f_def), (loss_def, delta_def) = net, loss
    L = loss_def.rhs.replace(lambda e: isinstance(e, sp.Indexed) and e.base == Dl, lambda e: delta_def.rhs.subs(mu, e.indices[0]))
    dL = sp.simplify(ls._in_range(sp.diff(L, f_ix[lam]).doit()))
    dL = dL.subs(delta_def.rhs.subs(mu, lam), Dl[lam])
    f_h = f_def.rhs.subs(nu, lam)
    f_W = f_h.replace(lambda e: isinstance(e, sp.Indexed) and e.base == h,
                      lambda e: h_def.rhs.subs({j: e.indices[0], nu: e.indices[1]}))
    dw = ls._in_range(sp.diff(f_h, w[j]).doit())
    dW = ls._in_range(ls._in_range(sp.diff(f_W, W[j, b]).doit()).doit())
    return (sp.Eq(sp.Derivative(L_sym, f_ix[lam]), dL), sp.Eq(sp.Derivative(f_ix[lam], w[j]), dw),
            sp.Eq(sp.Derivative(f_ix[lam], W[j, b]), dW))


def _neuron_flows(grads, rate, gram):
    """dθ/dt = −η_θ Σ_λ (∂L/∂f_λ)(∂f_λ/∂θ); then dh_jν/dt = Σ_b (dW_jb/dt)x_bν/√D, with the input Gram matrix."""
    dL, dw, dW = (g.rhs for g in grads)
    w_rate = sp.simplify(-rate.rhs * sp.Sum(dL * dw, (lam, 1, P)))
    W_rate = sp.simplify(-rate.rhs * sp.Sum(dL * dW, (lam, 1, P)))
    h_rate = msr.expand_inner_sums(sp.Sum(W_rate * x[b, nu], (b, 1, D)) / sp.sqrt(D))
    h_rate = _recognise(h_rate, (gram,), scale=D)                 # Σ_b x_bλ x_bν = D K^x_λν
    states = {w[j]: w_t(j, t), h[j, lam]: h_t(j, lam, t)}
    return (sp.Eq(sp.Derivative(w_t(j, t), t), w_rate.xreplace(states)),
            sp.Eq(sp.Derivative(h_t(j, nu, t), t), sp.simplify(h_rate).xreplace(states)))


def _time_derivative(expr, flows):
    """d/dt of an expression in the neurons' states (functions of (i, ..., t)), the flows inserted for neuron i."""
    rates = {}
    for flow in flows:
        state = flow.lhs.expr
        rates[state.func] = (state.args[:-1], flow.rhs)
    def rate_of(der):
        state = der.expr
        indices, rhs = rates[state.func]
        return rhs.subs(dict(zip(indices, state.args[:-1])), simultaneous=True)
    out = sp.diff(expr, t)
    return out.replace(lambda e: isinstance(e, sp.Derivative) and e.expr.func in rates, rate_of)


#: the indices summed inside an order parameter (neurons, input coordinates): sums over them go innermost
INNER = (i, b)


def _nested(e):
    """A sum over a neuron or input index with a sum over samples among its factors."""
    return isinstance(e, sp.Sum) and e.limits[0][0] in INNER and any(
        isinstance(f, sp.Sum) and f.limits[0][0] not in INNER for f in sp.Mul.make_args(e.function))


def _recognise(expr, params, scale=N):
    """Bring every sum of sums into the form Σ_λ(...)Σ_i(...) (swap_sums), then replace each Σ that is ``scale``
    times a definition of ``params`` (at any indices) by ``scale`` times its left side."""
    expr = msr.expand_inner_sums(sp.expand(expr))
    for _ in range(8):
        if not any(_nested(e) for e in sp.preorder_traversal(expr)):
            break
        expr = msr.expand_inner_sums(sp.expand(expr.replace(_nested, msr.swap_sums)))
    for p in params:
        free = [s for s in p.lhs.free_symbols if s != t and s.is_integer] if not isinstance(p.lhs, sp.Indexed) \
            else list(p.lhs.indices)
        wild = {s: sp.Wild(f"idx_{s}") for s in free}
        pattern = sp.expand(p.rhs * scale).xreplace(wild)
        expr = expr.replace(pattern, (scale * p.lhs).xreplace(wild))
    return sp.expand(expr)


def _order_parameter_flow(flows, params, overlap):
    """dH/dt, dG/dt and df/dt: differentiate the neuron sums, insert the flows, recognise the order parameters;
    the overlaps m = γ₀f."""
    (m,) = sp.solve(overlap, m_t(lam, t))
    out = []
    for p in params:
        rate = _recognise(_time_derivative(p.rhs, flows).doit(), params)
        rate = rate.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func == m_t,
                            lambda e: m.subs(lam, e.args[0]))
        out.append(sp.Eq(sp.Derivative(p.lhs, t), sp.factor_terms(sp.expand(rate))))
    return tuple(out)


def _overlap(net, params):
    """f_λ = m_λ/γ₀: the network's output at sample λ recognised as the overlap."""
    f_of = net[1].rhs.subs(nu, lam).xreplace({w[i]: w_t(i, t), h[i, lam]: h_t(i, lam, t)})
    return sp.Eq(f_t(lam, t), _recognise(f_of, params))


def _prediction_flow(flows, ntk, overlap):
    """df_ν/dt = (dm_ν/dt)/γ₀, H written through the kernel K = H + GK^x: the sums of G K^x Δ cancel."""
    m_flow = flows[2]
    rate = sp.expand(m_flow.rhs / gamma0)
    H_of = sp.solve(ntk, H_t(mu, nu, t))[0]
    rate = rate.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func == H_t,
                        lambda e: H_of.subs({mu: e.args[0], nu: e.args[1]}, simultaneous=True))
    rate = msr.expand_inner_sums(sp.expand(rate))
    return sp.Eq(sp.Derivative(f_t(nu, t), t), sp.factor_terms(rate))


def _one_example(points_flows, prediction_flow, one):
    """P = 1: H₁₁ = Φ¹, K^x₁₁ = Φ⁰, f₁ = f, m₁ = M: the system must be the first part's one-example flow."""
    at_one = {P: 1}
    rename = {H_t(1, 1, t): ls.Phi1(t), G_t(t): ls.G(t), f_t(1, t): ls.f(t), Kx[1, 1]: ls.Phi0,
              m_t(1, t): ls.M(t), K_t(1, 1, t): ls.K(t)}
    delta = {Dl[1]: ls.Delta}
    def one_point(expr):
        e = expr.subs({mu: 1, nu: 1}).subs(at_one).doit()
        return sp.expand(e.xreplace(rename).xreplace(delta))
    mine = [one_point(points_flows[0].rhs), one_point(points_flows[1].rhs), one_point(prediction_flow.rhs)]
    theirs = [one["order-parameter-flow"][0].rhs, one["order-parameter-flow"][1].rhs,
              one["prediction-flow"].rhs]
    M_of = sp.solve(one["prediction-overlap"], ls.M(ls.t))[0]
    for a_, b_ in zip(mine, theirs):
        if sp.simplify(a_ - sp.expand(b_.subs(ls.M(ls.t), M_of))) != 0:
            raise ValueError(f"the P = 1 system differs from the one-example flow: {a_} vs {b_}")
    return tuple(sp.Eq(lhs, rhs) for lhs, rhs in zip(
        (sp.Derivative(ls.Phi1(t), t), sp.Derivative(ls.G(t), t), sp.Derivative(ls.f(t), t)), mine))


def add_points_steps(d) -> None:
    """Append the P-example steps to ``feature-learning-linear``."""
    d.define("points-network", "The network on P examples", "The same network, its output f_ν at each input x_ν "
             "(h_jν = Σ_a W_ja x_aν/√D).", _network())
    d.define("points-loss", "Loss over P examples", "The mean square loss over the examples and their errors.",
             (sp.Eq(L_sym, sp.Sum(Dl[mu] ** 2, (mu, 1, P)) / (2 * P)), sp.Eq(Dl[mu], y[mu] - f_ix[mu])))
    d.define("input-gram", "Input kernel", "The P × P Gram matrix of the inputs, K^x_μν = x_μ·x_ν/D.",
             sp.Eq(Kx[mu, nu], sp.Sum(x[b, mu] * x[b, nu], (b, 1, D)) / D))
    d.derive("points-gradients", "Chain rule through the predictions", "∂L/∂f_λ, and the derivatives of the "
             "prediction at x_λ by w_j and W_jb (a Kronecker delta picks neuron j).",
             transform(("points-network", "points-loss"), _gradients, "differentiate L by f_λ, f_λ by w_j and W_jb",
                       name="differentiate"))
    d.derive("points-neuron-flows", "Flow of each neuron", "dθ/dt = −η_θ Σ_λ (∂L/∂f_λ)(∂f_λ/∂θ); the hidden "
             "preactivations move along the input kernel applied to the errors.",
             transform(("points-gradients", "gradient-flow", "input-gram"), _neuron_flows,
                       "chain rule, then dh_jν/dt = Σ_b (dW_jb/dt) x_bν/√D; swap the sums, recognise K^x"))
    d.define("points-order-parameters", "Kernel order parameters", "The feature kernel H_μν, the readout norm G "
             "and the overlaps m_ν of the N neurons.",
             (sp.Eq(H_t(mu, nu, t), sp.Sum(h_t(i, mu, t) * h_t(i, nu, t), (i, 1, N)) / N),
              sp.Eq(G_t(t), sp.Sum(w_t(i, t) ** 2, (i, 1, N)) / N),
              sp.Eq(m_t(nu, t), sp.Sum(w_t(i, t) * h_t(i, nu, t), (i, 1, N)) / N)))
    d.derive("points-overlap", "Predictions are overlaps", "Recognise m_λ in the output at x_λ.",
             transform(("points-network", "points-order-parameters"), _overlap, "recognise (1/N)Σ_i w_i h_iλ"))
    d.derive("points-flow", "Closed flow of the kernels", "Differentiate the neuron sums, insert the flows, swap "
             "each sum over neurons inside the sums over examples and recognise the order parameters: a closed "
             "system at every width.",
             transform(("points-neuron-flows", "points-order-parameters", "points-overlap"), _order_parameter_flow,
                       "d/dt of each (1/N)Σ_i with the neuron flows; swap sums; recognise H, G, m; m = γ₀f",
                       name="chain rule"))
    d.define("points-ntk", "Neural tangent kernel", "K_μν = H_μν + G K^x_μν.",
             sp.Eq(K_t(mu, nu, t), H_t(mu, nu, t) + G_t(t) * Kx[mu, nu]))
    d.derive("points-prediction-flow", "The predictions follow the kernel", "df_ν/dt = (dm_ν/dt)/γ₀ with H written "
             "through K.",
             transform(("points-flow", "points-ntk", "points-overlap"), _prediction_flow,
                       "(dm_ν/dt)/γ₀, H = K − GK^x, the G K^x sums cancel"))
    d.derive("points-one-example", "One example", "At P = 1 the system is the one-example flow of the first part "
             "(checked term by term).",
             transform(("points-flow", "points-prediction-flow", "order-parameter-flow", "prediction-flow",
                        "prediction-overlap"),
                       lambda fl, pf, opf, prf, ov: _one_example(
                           fl, pf, {"order-parameter-flow": opf, "prediction-flow": prf, "prediction-overlap": ov}),
                       "P = 1 in (points-flow), (points-prediction-flow); compare with the one-example flows"))
    d.approximate("points-infinite-width-start", "Start at infinite width", "By the law of large numbers "
                  "H(0) → K^x, G(0) → 1 and f(0) → 0 as N → ∞.",
                  (sp.Eq(H_t(mu, nu, 0), Kx[mu, nu]), sp.Eq(G_t(0), 1), sp.Eq(f_t(nu, 0), 0)),
                  checked_by=("points-ensemble",))


def _series(flow, prediction, ntk):
    """Insert f = f₀ + εf₂, H = K^x + εH₂, G = 1 + εG₂ and γ₀² = ε (K through (points-ntk), Δ = y − f) into the
    flows; the flow of f₀ is the O(1) part of df/dt, those of f₂, H₂, G₂ the O(ε) parts of df/dt, dH/dt/ε, dG/dt/ε."""
    dH, dG, _ = flow
    grow = {f_t: lambda m, s: f0_t(m, s) + eps * f2_t(m, s), H_t: lambda m, n, s: Kx[m, n] + eps * H2_t(m, n, s),
            G_t: lambda s: 1 + eps * G2_t(s)}

    def insert(expr):
        e = expr.replace(lambda q: isinstance(q, sp.core.function.AppliedUndef) and q.func == K_t,
                         lambda q: ntk.rhs.subs({mu: q.args[0], nu: q.args[1]}, simultaneous=True))
        e = e.replace(lambda q: isinstance(q, sp.Indexed) and q.base == Dl,
                      lambda q: y[q.indices[0]] - f_t(q.indices[0], t))
        e = e.replace(lambda q: isinstance(q, sp.core.function.AppliedUndef) and q.func in grow,
                      lambda q: grow[q.func](*q.args))
        return e.subs(gamma0, sp.sqrt(eps))

    order = lambda e, k: msr.expand_inner_sums(sp.expand((sp.diff(e, eps, k) / sp.factorial(k)).subs(eps, 0)))
    df = insert(prediction.rhs)
    return (sp.Eq(sp.Derivative(f0_t(nu, t), t), order(df, 0)), sp.Eq(sp.Derivative(f2_t(nu, t), t), order(df, 1)),
            sp.Eq(sp.Derivative(H2_t(mu, nu, t), t), order(insert(dH.rhs), 1)),
            sp.Eq(sp.Derivative(G2_t(t), t), order(insert(dG.rhs), 1)))


def add_series_step(d) -> None:
    d.derive("points-perturbation-series", "Leading order in γ₀² on P examples", "Perturbation theory of the kernel "
             "system in the feature-learning strength: f = f₀ + γ₀²f₂, H = K^x + γ₀²H₂, G = 1 + γ₀²G₂ from the "
             "infinite-width start (all corrections start at zero). f₀ is the lazy (static-NTK) curve; the O(γ₀²) "
             "corrections obey linear flows driven by it.",
             transform(("points-flow", "points-prediction-flow", "points-ntk"), _series,
                       "the series in ε = γ₀² inserted into the flows, the O(1) and O(ε) parts",
                       name="series"))


def extended():
    """``feature-learning-linear`` with the P-example steps appended (once)."""
    d = ls.derivation()
    if "points-flow" not in d.labels():
        add_points_steps(d)
        add_series_step(d)
    return d
