"""``feature-learning-linear``: the two-layer linear network in mean-field scaling, trained on one example.

From the network and its loss, SymPy differentiates the loss by each weight (the gradient flow of every
neuron), sums the neurons into the order parameters Φ¹ = (1/N)Σh², G = (1/N)Σw², M = (1/N)Σwh and the
neural tangent kernel K = Φ¹ + Φ⁰G, finds two conserved quantities, and closes the flow of the prediction
at *any* width: df/dt = √(K(0)² + 4Φ⁰γ₀²(f² − f(0)²))·(y − f).  At infinite width (K(0) = 2Φ⁰, f(0) = 0)
the substitution f = √Φ⁰ sinh θ/γ₀, v = e^θ turns the flow into a rational integral: t(f) in closed form,
inverted to an explicit f(t); γ₀ → 0 gives back the lazy (static-kernel) exponential y(1 − e^(−2Φ⁰t)).

Source: Bordelon & Pehlevan, arXiv:2205.09653 (the two-layer linear network on one example, their
exactly solvable case of the self-consistent DMFT).

>>> d = derivation()
>>> d["infinite-width-flow"].rhs
2*sqrt(Phi^0)*sqrt(Phi^0 + gamma_0**2*f(t)**2)*(y - f(t))
"""
from __future__ import annotations

import functools

import sympy as sp

from derive import msr
from derive.operations import transform
from derivations.engine import Derivation, Source

NAME = "feature-learning-linear"
TITLE = "Feature learning in a two-layer linear network on one example: conserved quantities and the exact flow"
SOURCE = Source("2205.09653", "Bordelon, Pehlevan", "2022",
                "Self-consistent dynamical field theory of kernel evolution in wide neural networks",
                section="Sec. 4.1, two-layer linear network (the one-example case of its whitened-data result)")

N, D = sp.symbols("N D", positive=True, integer=True)
gamma0 = sp.Symbol("gamma_0", positive=True)
y = sp.Symbol("y", positive=True)
t = sp.Symbol("t", nonnegative=True)
Phi0 = sp.Symbol("Phi^0", positive=True)
i, j, a, b = sp.symbols("i j a b", positive=True, integer=True)
w, W, x, h = (sp.IndexedBase(n, real=True) for n in ("w", "W", "x", "h"))
f_sym, L_sym, Delta, eta_theta = sp.Symbol("f", real=True), sp.Symbol("L"), sp.Symbol("Delta"), sp.Symbol("eta_theta")
#: the state of neuron j over time, and the order parameters
w_t, h_t, W_t = sp.Function("w_j"), sp.Function("h_j"), sp.Function("W_jb")
f, Phi1, G, M, K = (sp.Function(n) for n in ("f", "Phi^1", "G^1", "M", "K"))
K0, f0 = sp.Symbol("K_0", positive=True), sp.Symbol("f_0", real=True)
V_PLUS, V_MINUS = sp.Symbol("v_+", positive=True), sp.Symbol("v_-", negative=True)
#: symbols and ranges for the spot checks
DOMAINS = {y: (sp.Rational(1, 2), 2), gamma0: (sp.Rational(1, 10), 3), Phi0: (sp.Rational(1, 2), 2)}


def _in_range(expr):
    """Σ_i δ_ij c_i = c_j for an index j inside the sum's range: keep the branch of SymPy's Piecewise that holds
    when the index is in range (its condition is an inequality between the index and the range)."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda p: p.args[0].expr)


def _gradient(stmt_net, stmt_loss, stmt_rate, by):
    """−η_θ ∂L/∂(by) with f and h written out in the weights; f, h_j and y − f put back afterwards."""
    (h_def, f_def), (loss, delta) = stmt_net, stmt_loss
    h_of = lambda k: h_def.rhs.subs(j, k)
    net = f_def.rhs.replace(lambda e: isinstance(e, sp.Indexed) and e.base == h, lambda e: h_of(e.indices[0]))
    L = loss.rhs.subs(delta.lhs, delta.rhs).subs(f_sym, net)
    grad = _in_range(sp.diff(L, by).doit())
    grad = grad.subs(net, f_sym).subs(h_of(j), h[j])
    return sp.simplify(-stmt_rate.rhs * grad).subs(y - f_sym, Delta)


def _readout_flow(net, loss, rate):
    rhs = _gradient(net, loss, rate, w[j]).subs(h[j], h_t(t))
    return sp.Eq(sp.Derivative(w_t(t), t), rhs.subs(f_sym, f(t)))


def _hidden_flow(net, loss, rate, kernel):
    """dW_jb/dt from the gradient, then dh_j/dt = Σ_b (dW_jb/dt) x_b/√D, the input norm recognised as Φ⁰."""
    dW = _in_range(_gradient(net, loss, rate, W[j, b])).subs(w[j], w_t(t))
    dh = sp.Sum(dW * x[b], (b, 1, D)) / sp.sqrt(D)
    dh = sp.simplify(dh.doit())
    dh = dh.subs(kernel.rhs.subs(a, b) * D, kernel.lhs * D).subs(sp.Sum(x[b] ** 2, (b, 1, D)), Phi0 * D)
    return (sp.Eq(sp.Derivative(W_t(t), t), dW), sp.Eq(sp.Derivative(h_t(t), t), sp.simplify(dh)))


def _time_derivative(expr, flows):
    """d/dt of an expression in the neurons' states (sums over i of h_i, w_i): each h_i, w_i a function of t,
    differentiated, and dh_i/dt, dw_i/dt replaced by the flows (written for neuron i)."""
    H, Wf = sp.Function("H"), sp.Function("Wt")
    states = {h: H, w: Wf}
    moving = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base in states,
                          lambda e: states[e.base](e.indices[0], t))
    rates = {}
    for flow in flows:
        state = {h_t(t): H, w_t(t): Wf}[flow.lhs.expr]
        rate = flow.rhs.subs({h_t(t): H(i, t), w_t(t): Wf(i, t)})
        rates[sp.Derivative(state(i, t), t)] = rate
    out = sp.diff(moving, t).xreplace(rates)
    return out.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func in (H, Wf),
                       lambda e: {H: h, Wf: w}[e.func][e.args[0]])


def _recognise(expr, params):
    """Each Σ_i(...) that is N times an order parameter's sum becomes N times the order parameter."""
    table = {sp.expand(p.rhs * N): N * p.lhs for p in params}
    return sp.expand(msr.expand_inner_sums(sp.expand(expr)).subs(table))


def _order_parameter_flow(readout, hidden, params):
    """dΦ¹/dt, dG/dt, dM/dt: the time derivatives of the neuron sums, the sums recognised as order parameters."""
    flows = (readout, hidden[1])
    return tuple(sp.Eq(sp.Derivative(p.lhs, t), sp.factor(_recognise(_time_derivative(p.rhs, flows), params)))
                 for p in params)


def _prediction_overlap(net, params):
    return sp.Eq(f(t), _recognise(net[1].rhs, params))


def _prediction_flow(overlap, flows, ntk):
    """df/dt = (dM/dt)/γ₀, with Φ¹ written through the kernel: K(t)Δ."""
    rates = {fl.lhs: fl.rhs for fl in flows}
    rate = sp.diff(overlap.rhs, t).subs(rates)
    (phi1,) = sp.solve(sp.Eq(ntk.lhs, ntk.rhs), Phi1(t))
    return sp.Eq(sp.Derivative(f(t), t), sp.factor(sp.simplify(rate.subs(Phi1(t), phi1))))


def _kernel_flow(ntk, flows, overlap):
    """dK/dt from the order parameters' flows, the overlap M = γ₀ f."""
    rates = {fl.lhs: fl.rhs for fl in flows}
    (m,) = sp.solve(overlap, M(t))
    return sp.Eq(sp.Derivative(K(t), t), sp.factor(sp.diff(ntk.rhs, t).subs(rates).subs(M(t), m)))


def _conserved(ntk, flows, kernel_flow, prediction_flow):
    """Φ¹ − Φ⁰G and K² − 4Φ⁰γ₀²f² have zero time derivative under the flows: each stays at its t = 0 value."""
    rates = {fl.lhs: fl.rhs for fl in (*flows, kernel_flow, prediction_flow)}
    quantities = (Phi1(t) - Phi0 * G(t), K(t) ** 2 - 4 * Phi0 * gamma0 ** 2 * f(t) ** 2)
    for q in quantities:
        if sp.simplify(sp.diff(q, t).subs(rates)) != 0:
            raise ValueError(f"{q} is not conserved by the flows")
    start = {Phi1(t): Phi1(0), G(t): G(0), K(t): K0, f(t): f0}
    return tuple(sp.Eq(q, q.subs(start)) for q in quantities)


def _closed_flow(conserved, prediction_flow, loss):
    """K from the second conserved quantity (the positive root: K > 0), into df/dt = KΔ, Δ = y − f."""
    roots = sp.solve(conserved[1], K(t))
    (k,) = [r for r in roots if r.subs({Phi0: 1, gamma0: 1, f(t): 0, f0: 0, K0: 1}) > 0]
    delta = loss[1].rhs.subs(f_sym, f(t))
    return sp.Eq(prediction_flow.lhs, prediction_flow.rhs.subs({K(t): k, Delta: delta}))


def _initial_kernel(ntk, start):
    values = {Phi1(0): start[0].rhs, G(0): start[1].rhs}
    return sp.Eq(K0, ntk.rhs.subs(t, 0).subs(values))


def _infinite_width_flow(closed, start, kernel):
    return sp.Eq(closed.lhs, sp.factor(sp.simplify(closed.rhs.subs({K0: kernel.rhs, f0: start[2].rhs}))))


def _final_kernel(conserved, start, kernel):
    """K at the fixed point f = y of the infinite-width flow: K(∞)² = K(0)² + 4Φ⁰γ₀²y²."""
    roots = sp.solve(conserved[1].subs({f(t): y, K0: kernel.rhs, f0: start[2].rhs}), K(t))
    (k,) = [r for r in roots if r.subs({Phi0: 1, gamma0: 1, y: 1}) > 0]
    return sp.Eq(sp.Symbol("K_infinity"), sp.factor(k))


def _v_flow(flow):
    """f = √Φ⁰ sinh θ/γ₀, then v = e^θ: the flow of v(t) (a Riccati equation with constant coefficients)."""
    vt, V = sp.Function("v")(t), sp.Symbol("V", positive=True)           # v = e^θ > 0
    f_of_v = sp.sqrt(Phi0) * (V - 1 / V) / (2 * gamma0)                   # √Φ⁰ sinh(log v)/γ₀
    rate = flow.rhs.subs(f(t), f_of_v) / sp.diff(f_of_v, V)               # dv/dt = (df/dt)/(df/dv)
    rate = rate.replace(lambda e: isinstance(e, sp.Pow) and e.exp == sp.S.Half, lambda e: sp.sqrt(sp.factor(e.base)))
    rate = sp.factor(sp.simplify(rate))
    return (sp.Eq(f(t), f_of_v.subs(V, vt)), sp.Eq(sp.Derivative(vt, t), rate.subs(V, vt)))


def _v_solution(v_flow):
    """Separate the variables: the right side is −Φ⁰(v − v₊)(v − v₋) with v± its roots (checked), so
    u = (v₊ − v)/(v − v₋) has the constant logarithmic rate −Φ⁰(v₊ − v₋); u(t) = u(0)e^(rate·t) from v(0) = 1
    (f(0) = 0), solved back for v — written in the roots v±."""
    vt, V, E = sp.Function("v")(t), sp.Symbol("V"), sp.Symbol("E", positive=True)
    rhs = v_flow[1].rhs.subs(vt, V)
    lo, hi = sorted(sp.solve(rhs, V), key=lambda r: r.subs({y: 1, gamma0: 1, Phi0: 1}))
    lead = sp.Poly(rhs, V).LC()
    if sp.simplify(sp.expand(rhs - lead * (V - hi) * (V - lo))) != 0:
        raise ValueError("the right side of (v-flow) does not factor over its roots")
    u = (V_PLUS - V) / (V - V_MINUS)
    rate = sp.factor(sp.cancel(sp.diff(u, V) * lead * (V - V_PLUS) * (V - V_MINUS) / u))
    if rate.has(V):
        raise ValueError("the logarithmic rate of u is not constant")
    (v_of_u,) = sp.solve(sp.Eq(u, E), V)
    solution = v_of_u.subs(E, u.subs(V, 1) * sp.exp(sp.factor(rate) * t))        # decaying: no overflow at late t
    return (sp.Eq(V_PLUS, sp.simplify(hi)), sp.Eq(V_MINUS, sp.simplify(lo)), sp.Eq(vt, solution))


def _explicit_solution(v_flow, v_solution):
    return sp.Eq(f(t), v_flow[0].rhs.subs(v_solution[2].lhs, v_solution[2].rhs))


def _lazy_limit(flow):
    """γ₀ → 0 in the infinite-width flow (a static kernel), then dsolve from f(0) = 0."""
    lazy = sp.Eq(flow.lhs, sp.limit(flow.rhs, gamma0, 0))
    return sp.dsolve(lazy, f(t), ics={f(0): 0})


def _perturbation(flow, lazy):
    """Expand the flow in ε = γ₀² about the lazy curve, f = f_lazy + εf₂ + O(ε²): the O(ε) part is a linear
    equation for f₂ driven by the lazy curve; dsolve from f₂(0) = 0."""
    eps, f2 = sp.Symbol("epsilon", positive=True), sp.Function("f_2")
    moving = flow.rhs.subs(gamma0, sp.sqrt(eps)).subs(f(t), lazy.rhs + eps * f2(t))
    first = sp.series(moving, eps, 0, 2).removeO().coeff(eps, 1)
    solution = sp.dsolve(sp.Eq(sp.Derivative(f2(t), t), sp.expand(first)), f2(t), ics={f2(0): 0})
    return sp.Eq(f2(t), sp.factor(sp.simplify(solution.rhs)))


@functools.cache
def derivation() -> Derivation:
    """The steps of ``feature-learning-linear`` (built once; the face attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(N, D, gamma0, y, t, Phi0), summary=(
        "A two-layer linear network of width N in mean-field (μP) scaling, f = w·h/(γ₀N) with h = Wx/√D, all "
        "weights N(0, 1) at the start, trained by gradient flow on the square loss of one example (x, y) with "
        "every learning rate γ₀²N; γ₀ sets how far the features move (γ₀ → 0: the lazy, static-kernel limit)."))
    _network(d)
    _order_parameters(d)
    _solution(d)
    return d


def _network(d: Derivation) -> None:
    d.define("network", "The network", "Hidden preactivations h_j = Σ_a W_ja x_a/√D and the output "
             "f = Σ_i w_i h_i/(γ₀N), the mean-field scaling of the readout.",
             (sp.Eq(h[j], sp.Sum(W[j, a] * x[a], (a, 1, D)) / sp.sqrt(D)),
              sp.Eq(f_sym, sp.Sum(w[i] * h[i], (i, 1, N)) / (gamma0 * N))))
    d.define("loss", "Loss and error", "The square loss of the one example and its error Δ = y − f.",
             (sp.Eq(L_sym, Delta ** 2 / 2), sp.Eq(Delta, y - f_sym)))
    d.define("gradient-flow", "Learning rate", "Every weight θ moves as dθ/dt = −η_θ ∂L/∂θ with η_θ = γ₀²N: "
             "the tangent kernel is O(1) and the features move by O(γ₀) at any width.", sp.Eq(eta_theta, gamma0 ** 2 * N))
    d.define("input-kernel", "Input kernel", "The normalised squared norm of the input, Φ⁰ = |x|²/D.",
             sp.Eq(Phi0, sp.Sum(x[a] ** 2, (a, 1, D)) / D))
    d.derive("readout-flow", "Flow of the readout weights", "Differentiate the loss by w_j (a Kronecker delta "
             "picks neuron j of the sum) and multiply by −η_θ.",
             transform(("network", "loss", "gradient-flow"), _readout_flow,
                       "−η_θ ∂L/∂w_j with f written in the weights; h_j and Δ = y − f put back", name="differentiate"))
    d.derive("hidden-flow", "Flow of the hidden weights and preactivations", "Differentiate the loss by W_jb; "
             "then dh_j/dt = Σ_b (dW_jb/dt) x_b/√D, where |x|²/D is the input kernel.",
             transform(("network", "loss", "gradient-flow", "input-kernel"), _hidden_flow,
                       "−η_θ ∂L/∂W_jb, then Σ_b (dW_jb/dt) x_b/√D with Σ_b x_b² = DΦ⁰", name="differentiate"))


def _order_parameters(d: Derivation) -> None:
    d.define("order-parameters", "Order parameters", "The feature kernel Φ¹, the readout norm G and the overlap M "
             "of the N neurons.", (sp.Eq(Phi1(t), sp.Sum(h[i] ** 2, (i, 1, N)) / N),
                                   sp.Eq(G(t), sp.Sum(w[i] ** 2, (i, 1, N)) / N),
                                   sp.Eq(M(t), sp.Sum(w[i] * h[i], (i, 1, N)) / N)))
    d.derive("prediction-overlap", "The prediction is the overlap", "Recognise the order parameter M in f.",
             transform(("network", "order-parameters"), _prediction_overlap, "recognise (1/N)Σ w_i h_i = M in f"))
    d.derive("order-parameter-flow", "Flow of the order parameters", "Differentiate each sum in time, insert "
             "the neurons' flows and recognise the sums: the N neurons interact only through Δ.",
             transform(("readout-flow", "hidden-flow", "order-parameters"), _order_parameter_flow,
                       "d/dt of each (1/N)Σ_i, the flows of h_i and w_i inserted, sums recognised", name="chain rule"))
    d.define("ntk", "Neural tangent kernel", "K = Σ_l G^(l+1)Φ^l over the two layers: the readout norm times the "
             "input kernel plus the feature kernel.", sp.Eq(K(t), Phi1(t) + Phi0 * G(t)))
    d.derive("prediction-flow", "The prediction follows the kernel", "df/dt = (dM/dt)/γ₀; the flow of M is the "
             "kernel times the error.",
             transform(("prediction-overlap", "order-parameter-flow", "ntk"), _prediction_flow,
                       "differentiate (prediction-overlap), insert dM/dt, write Φ¹ through K"))
    d.derive("kernel-flow", "The kernel moves with the prediction", "The kernel grows as the prediction does: "
             "feature learning at rate γ₀².",
             transform(("ntk", "order-parameter-flow", "prediction-overlap"), _kernel_flow,
                       "differentiate (ntk), insert the flows, M = γ₀f"))
    d.derive("conserved-quantities", "Two conserved quantities", "Both time derivatives vanish under the flows "
             "(checked by SymPy), at every width: each quantity keeps its value at t = 0.",
             transform(("ntk", "order-parameter-flow", "kernel-flow", "prediction-flow"), _conserved,
                       "d/dt(Φ¹ − Φ⁰G) = 0 and d/dt(K² − 4Φ⁰γ₀²f²) = 0 under the flows; integrate"))
    d.derive("closed-flow", "The prediction's flow at any width", "Solve the second conserved quantity for the "
             "kernel (K positive): one closed equation for f, exact at every width N, with the random start K(0), f(0).",
             transform(("conserved-quantities", "prediction-flow", "loss"), _closed_flow,
                       "solve for K (positive), insert into (prediction-flow) with Δ = y − f"))


def _solution(d: Derivation) -> None:
    d.approximate("infinite-width-start", "Start at infinite width", "h_i(0) drawn from N(0, Φ⁰) and w_i(0) from N(0, 1), "
                  "independent: by the law of large numbers Φ¹(0) → Φ⁰, G(0) → 1 and f(0) = M(0)/γ₀ → 0 as "
                  "N → ∞ (fluctuations O(N^(−1/2))).",
                  (sp.Eq(Phi1(0), Phi0), sp.Eq(G(0), 1), sp.Eq(f0, 0)), checked_by=("network-ensemble",))
    d.derive("initial-kernel", "The kernel at the start", "Insert the start into the kernel.",
             transform(("ntk", "infinite-width-start"), _initial_kernel, "(ntk) at t = 0 with the start values"))
    d.derive("infinite-width-flow", "The infinite-width flow", "The closed flow from the infinite-width start.",
             transform(("closed-flow", "infinite-width-start", "initial-kernel"), _infinite_width_flow,
                       "K(0) = 2Φ⁰, f(0) = 0 in (closed-flow)"))
    d.derive("final-kernel", "The final kernel", "At the fixed point f = y the conserved quantity fixes the "
             "kernel: feature learning raises it from 2Φ⁰, and it sets the late-time rate.",
             transform(("conserved-quantities", "infinite-width-start", "initial-kernel"), _final_kernel,
                       "f = y in the second conserved quantity at infinite width, K positive"))
    d.derive("v-flow", "Hyperbolic substitution", "With f = √Φ⁰ sinh θ/γ₀ the square root becomes √Φ⁰ cosh θ; "
             "with v = e^θ the flow is a Riccati equation with constant coefficients.",
             transform("infinite-width-flow", _v_flow, "f = √Φ⁰(v − 1/v)/(2γ₀), dv/dt = (df/dt)/(df/dv)",
                       name="substitute"))
    d.derive("v-solution", "Separation of variables", "The right side factors over its roots v₋ (negative) and v₊ "
             "(above 1); u = (v₊ − v)/(v − v₋) decays at the constant rate Φ⁰(v₊ − v₋) = 2√Φ⁰√(Φ⁰ + γ₀²y²), the "
             "final kernel; from v(0) = 1.",
             transform("v-flow", _v_solution, "roots v±, u = (v₊ − v)/(v − v₋), d log u/dt constant, solve for v",
                       name="separate and solve"), domains=DOMAINS)
    d.derive("explicit-solution", "The prediction in closed form", "Back from v to f.",
             transform(("v-flow", "v-solution"), _explicit_solution, "insert v(t) into f = √Φ⁰(v − 1/v)/(2γ₀)"),
             domains=DOMAINS)
    d.derive("lazy-limit", "Lazy limit", "As γ₀ → 0 the kernel stays at 2Φ⁰ and the error decays as one "
             "exponential: the static-NTK prediction.",
             transform("infinite-width-flow", _lazy_limit, "limit γ₀ → 0 of the flow, dsolve from f(0) = 0",
                       name="limit and dsolve"))
    d.derive("perturbation-series", "Leading order in γ₀²", "Write f = f_lazy + γ₀²f₂ + O(γ₀⁴): the O(γ₀²) part "
             "of the flow is linear in f₂, driven by the lazy curve (its kernel grows as f_lazy²). Perturbation "
             "theory in the feature-learning strength, to compare with the full solution.",
             transform(("infinite-width-flow", "lazy-limit"), _perturbation,
                       "f = f_lazy + εf₂ in the flow with γ₀² = ε, the O(ε) coefficient, dsolve from f₂(0) = 0",
                       name="series and dsolve"))
