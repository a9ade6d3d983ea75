"""``feature-learning-dmft``: the self-consistent DMFT of deep networks in mean-field scaling (arXiv:2205.09653),
the form that is solved numerically.

The steps: the network and its gradient descent; the activations and their slopes (SymPy differentiates); the
tangent kernel by the chain rule over every weight; the single-site processes of the infinite-width limit with
their kernels and response functions, derived from the weights' dynamics by MSR (:mod:`.dmft_msr_steps`); for
φ(z) = z the single-site equations are linear and SymPy solves them for the kernels (the C, D form
of the paper's deep linear networks); γ₀ → 0 freezes every kernel (the static NTK).

>>> d = derivation()
>>> d["activation-slopes"][1].rhs
1 - tanh(z)**2
"""
from __future__ import annotations

import functools

import sympy as sp

from derive import msr
from derive import msr_indexed as mi
from derive.operations import transform
import derivations.feature_learning.dmft_msr_steps as dmft_msr_steps
from derivations.feature_learning.dmft_symbols import (D, Delta, L, N, P, W, W0, b, f, g, gamma0, h, i, j, k, l, loss,
                                                      mu, nu, phi, rate, s, t, w, x, y)
from derivations.feature_learning.linear_steps import _in_range
from derivations.engine import Derivation, Source

NAME = "feature-learning-dmft"
TITLE = "Self-consistent DMFT of feature learning in deep networks: kernels, responses, deep linear networks"
SOURCE = Source("2205.09653", "Bordelon, Pehlevan", "2022",
                "Self-consistent dynamical field theory of kernel evolution in wide neural networks",
                section="Eqs. (1), (3), (10)-(12): the network, the NTK dynamics, the single-site processes, "
                        "deep linear networks")

z = sp.Symbol("z", real=True)
#: the activations offered, as SymPy expressions of z
ACTIVATION_FORMS = {"linear": z, "tanh": sp.tanh(z), "erf": sp.erf(z), "relu": sp.Max(0, z)}
ACTIVATIONS = tuple(ACTIVATION_FORMS)
PHI = {name: sp.Function(f"phi_{name}") for name in ACTIVATIONS}


def _slopes(activations):
    """φ'(z) of each activation, by SymPy (ReLU's slope is the Heaviside step)."""
    return tuple(sp.Eq(sp.Derivative(eq.lhs, z), sp.diff(eq.rhs, z)) for eq in activations)


def _activations(d: Derivation) -> None:
    d.define("activations", "Activations", "The nonlinearities offered: the identity (deep linear networks), tanh, "
             "the error function and the rectifier.",
             tuple(sp.Eq(PHI[name](z), form) for name, form in ACTIVATION_FORMS.items()))
    d.derive("activation-slopes", "Their slopes", "φ' enters the backward fields g = φ'(h) z.",
             transform("activations", _slopes, "d/dz of each activation", name="differentiate"))


#: time×example operators of the single-site processes (n = number of time points × P)
n = sp.Symbol("n", positive=True, integer=True)
C, Dop, Phi_in, G_out, A_op, B_op = (sp.MatrixSymbol(q, n, n) for q in ("C", "D", r"\Phi^{l-1}", "G^{l+1}", "A", "B"))
u, r, hv, zv = (sp.MatrixSymbol(q, n, 1) for q in ("u", "r", "h^l", "z^l"))
Phi_l, G_l, M_l = sp.MatrixSymbol("Phi^l", n, n), sp.MatrixSymbol("G^l", n, n), sp.MatrixSymbol("M^l", n, n)
I = sp.Identity(n)


def _network(d: Derivation) -> None:
    d.define("network", "The network", "L hidden layers of width N in mean-field scaling: the first layer sees the "
             "input through W⁰/√D, the next through W/√N, the readout is divided by γ₀N.",
             (sp.Eq(h[1, i, mu], sp.Sum(W0[i, b] * x[mu, b], (b, 1, D)) / sp.sqrt(D)),
              sp.Eq(h[l + 1, i, mu], sp.Sum(W[l, i, j] * phi(h[l, j, mu]), (j, 1, N)) / sp.sqrt(N)),
              sp.Eq(f[mu], sp.Sum(w[j] * phi(h[L, j, mu]), (j, 1, N)) / (gamma0 * N))))
    d.define("loss", "Loss and learning rate", "The mean square error over the P examples and the learning rate "
             "γ₀²N of every weight, which keeps the tangent kernel of order one.",
             (sp.Eq(loss, sp.Sum(Delta[mu] ** 2, (mu, 1, P)) / (2 * P)), sp.Eq(Delta[mu], y[mu] - f[mu]),
              sp.Eq(rate, gamma0 ** 2 * N)))
    d.derive("backward-fields", "Backward fields", "g = γ₀N ∂f/∂h: at the last layer the slope times the readout; "
             "below, the chain rule through the next layer's sum (a Kronecker delta picks neuron i).",
             transform("network", _backward, "γ₀N ∂f/∂h at the last layer; below, γ₀N Σ_k (∂f/∂h_k)(∂h_k/∂h_i) through layer l+1",
                       name="differentiate"))
    d.derive("weight-flows", "Gradient flow of the weights", "−η ∂L/∂W by the chain rule through the next layer's "
             "preactivation: each weight moves by the error times the outer product of a backward field and an "
             "activation.", transform(("network", "loss", "backward-fields"), _weight_flows,
                                      "−η_θ ∂L/∂W_ij and −η_θ ∂L/∂w_j, with ∂f/∂h = g/(γ₀N) at layer l+1",
                                      name="differentiate"))


def _backward(net):
    first, hidden, out = net
    last = _in_range(sp.diff(out.rhs, h[L, i, mu]).doit()) * gamma0 * N
    through = _in_range(sp.diff(hidden.rhs.subs(i, k), h[l, i, mu]).doit())
    below = sp.Sum(g[l + 1, k, mu] * through, (k, 1, N))
    return (sp.Eq(g[L, i, mu], sp.simplify(last)), sp.Eq(g[l, i, mu], below))


def _weight_flows(net, loss_, back):
    first, hidden, out = net
    df_dh = g[l + 1, k, mu] / (gamma0 * N)                        # from the definition g = γ₀N ∂f/∂h
    a = sp.Symbol("a", positive=True, integer=True)                       # the weight's column, apart from the sum's j
    dh_dW = _in_range(sp.diff(hidden.rhs.subs(i, k), W[l, i, a]).doit())
    df_dW = _in_range(sp.Sum(df_dh * dh_dW, (k, 1, N)).doit()).subs(a, j)
    dL = lambda df: -sp.Sum(Delta[mu] * df, (mu, 1, P)) / P            # ∂L/∂θ = −(1/P)Σ_μ Δ_μ ∂f_μ/∂θ
    df_dw = _in_range(sp.diff(out.rhs, w[a]).doit()).subs(a, j)
    eta = loss_[2].rhs
    return (sp.Eq(sp.Derivative(W[l, i, j], t), sp.simplify(-eta * dL(df_dW))),
            sp.Eq(sp.Derivative(w[j], t), sp.simplify(-eta * dL(df_dw))))


def _tangent_part(f_lin, entry, limits, rate, kernels):
    """Σ over the entries of one weight of ∂f_μ/∂V · (−η ∂L/∂V), with −η ∂L/∂V = η(1/P)Σ_ν Δ_ν ∂f_ν/∂V, written
    as (1/P)Σ_ν Δ_ν X_μν with the neuron sums recognised as kernels: returns X."""
    df = lambda ex: mi.derivative_at(mi.split_terms(mi.flatten_sums(f_lin.subs(mu, ex))), entry.base, entry.indices)
    flow = rate * sp.Sum(Delta[nu] * df(nu), (nu, 1, P)) / P
    total = mi.split_terms(mi.flatten_sums(sp.Sum(sp.expand(df(mu) * flow), *limits)))
    out = sp.Add(*(mi.sum_innermost(term.atoms(sp.Sum).pop(), [v for v, *_ in limits]) * term / term.atoms(sp.Sum).pop()
                   for term in sp.Add.make_args(total)))
    for definition in kernels:
        (sm,) = [q for q in sp.Mul.make_args(definition.rhs) if isinstance(q, sp.Sum)]
        out = msr.recognise_sum(out, sp.Eq(definition.lhs * sm / definition.rhs, sm))
    (outer,) = [q for q in sp.Mul.make_args(out) if isinstance(q, sp.Sum)]
    if outer.limits != ((nu, 1, P),) or outer.function.has(sp.Sum):
        raise ValueError(f"the tangent part {out} is not (1/P)Σ_ν Δ_ν X_μν with kernels X")
    return sp.simplify(P * out / outer * outer.function / Delta[nu])


def _ntk(net, loss_, kernels):
    """df_μ/dt and K from the three kinds of weights: f depends on a weight through the preactivation it feeds,
    with ∂f/∂h = g/(γ₀N) there (backward fields); the readout directly."""
    first, hidden, out = net
    eta, (Phi_def, G_def, Phi0_def) = loss_[2].rhs, kernels
    a = sp.Symbol("a", positive=True, integer=True)
    into = lambda eq, layer: sp.Sum(g[layer, k, mu] * eq.rhs.subs(i, k) / (gamma0 * N), (k, 1, N))
    at = lambda eq, layer, name: sp.Eq(sp.Function(str(eq.lhs.func).replace("{l}", name))(t, t), eq.rhs.subs(l, layer))
    parts = (_tangent_part(into(first, 1), W0[i, a], [(a, 1, D), (i, 1, N)], eta,  # ∂/∂W⁰_ia at the point (i, a)
                           (at(G_def, 1, "{1}"), Phi0_def.subs(s, t))),
             _tangent_part(into(hidden, l + 1), W[l, i, a], [(a, 1, N), (i, 1, N)], eta,
                           (at(G_def, l + 1, "{l+1}"), at(Phi_def, l, "{l}"))),
             _tangent_part(out.rhs, w[a], [(a, 1, N)], eta, (at(Phi_def, L, "{L}"),)))
    K = sp.Function(r"K_{\mu\nu}")
    hidden_layers = sp.Sum(parts[1], (l, 1, L - 1))
    return (sp.Eq(sp.Derivative(f[mu], t), sp.Sum(K(t) * Delta[nu], (nu, 1, P)) / P),
            sp.Eq(K(t), parts[0] + hidden_layers + parts[2]))


def _dmft(d: Derivation) -> None:
    d.define("order-parameters", "Kernels", "The feature and gradient kernels of layer l between two times and two "
             "examples, averages over the neurons; the NTK sums them over the layers (Φ⁰ the input Gram matrix, "
             "and G = 1 above the last layer).", (
                 sp.Eq(sp.Function(r"\Phi^{l}_{\mu\nu}")(t, s), sp.Sum(phi(h[l, i, mu]) * phi(h[l, i, nu]), (i, 1, N)) / N),
                 sp.Eq(sp.Function(r"G^{l}_{\mu\nu}")(t, s), sp.Sum(g[l, i, mu] * g[l, i, nu], (i, 1, N)) / N),
                 sp.Eq(sp.Function(r"\Phi^{0}_{\mu\nu}")(t, s), sp.Sum(x[mu, b] * x[nu, b], (b, 1, D)) / D)))
    d.derive("ntk", "Tangent kernel", "df_μ/dt = Σ_θ (∂f_μ/∂θ)(dθ/dt) over every weight: for the weights into "
             "layer l+1 the chain rule gives g^{l+1} φ(h^l)/(γ₀N√N) (x/√D below the first layer), the flow γ₀²N "
             "times the error-weighted sum of the same, and the double sum over the two layers' neurons is the "
             "product of their kernels: the tangent kernel is a sum over layers of the gradient kernel above times "
             "the feature kernel below, at equal times (arXiv:2205.09653 Eq. 3).",
             transform(("network", "loss", "order-parameters"), _ntk, "Σ_θ ∂f_μ/∂θ · (−η ∂L/∂θ) for W⁰, W^l and w; "
                       "neuron sums moved inside and recognised as Φ and G", name="chain rule"))
    dmft_msr_steps.derive_steps(d)
    d.derive("single-site", "Single-site processes", "At infinite width each neuron of layer l is one draw of these "
             "processes: u from a Gaussian process with the feature kernel of layer l-1, r with the gradient kernel "
             "of layer l+1, independent; A and B are the response functions; the error enters with 1/P "
             "(arXiv:2205.09653 Eq. 10).", transform(("single-site-discrete", "response-functions"),
                                                     dmft_msr_steps.continuum, "step responses = γ₀dt A, γ₀dt B; "
                                                     "causality; dt Σ_σ → ∫ ds", name="limit dt → 0"))


def _closure(eq, first, second, own, other):
    """x = own + first(other + second·x) rearranged to (I − first·second)x = own + first·other (the rearrangement
    checked by expansion), solved for x."""
    S = I - first * second
    if sp.expand(S * eq.lhs - (own + first * other) - (eq.lhs - eq.rhs)) != sp.ZeroMatrix(n, 1):
        raise ValueError(f"{eq} does not rearrange to (I - {first}{second}){eq.lhs} = {own} + {first}{other}")
    return sp.Inverse(S) * (own + first * other)


def _average(expr, pairs):
    """⟨·⟩ of an expanded matrix expression over independent Gaussian u, r: each adjacent pair (a, bᵀ) replaced
    by its covariance (zero for u with r)."""
    total = sp.ZeroMatrix(*expr.shape)
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, factors = term.as_coeff_mmul()
        factors = list(factors.args) if isinstance(factors, sp.MatMul) else [factors]
        for m in range(len(factors) - 1):
            if (factors[m], factors[m + 1]) in pairs:
                cov = pairs[(factors[m], factors[m + 1])]
                if cov is not None:
                    total = total + coeff * sp.MatMul(*factors[:m], cov, *factors[m + 2:])
                break
    return total


def _linear_kernels(ops):
    g_is_z, h_in_z = ops[0].subs(sp.MatrixSymbol("g^l", n, 1), zv), ops[1].subs(sp.MatrixSymbol(r"\phi(h^{l})", n, 1), hv)
    h_sol = _closure(sp.Eq(hv, g_is_z.rhs.subs(zv, h_in_z.rhs)), C, Dop, u, r)
    z_sol = _closure(sp.Eq(zv, h_in_z.rhs.subs(hv, g_is_z.rhs)), Dop, C, r, u)
    pairs = {(u, u.T): Phi_in, (r, r.T): G_out, (u, r.T): None, (r, u.T): None}
    return (sp.Eq(hv, h_sol), sp.Eq(zv, z_sol), sp.Eq(Phi_l, _average(h_sol * h_sol.T, pairs)),
            sp.Eq(G_l, _average(z_sol * z_sol.T, pairs)), sp.Eq(A_op, _coefficient(h_sol, r)),
            sp.Eq(B_op, _coefficient(z_sol, u)), sp.Eq(M_l, _average(z_sol * h_sol.T, pairs)))


def _coefficient(sol, of):
    """The matrix multiplying the vector ``of`` in the expanded ``sol``."""
    for term in sp.Add.make_args(sp.expand(sol)):
        factors = term.args if isinstance(term, sp.MatMul) else (term,)
        if factors[-1] == of:
            return sp.MatMul(*factors[:-1]).doit()
    raise ValueError(f"{of} does not enter {sol}")


def _static(closure):
    """C, D → 0 (both carry a factor γ₀): every kernel equals the one it is built from."""
    zero = {C: sp.ZeroMatrix(n, n), Dop: sp.ZeroMatrix(n, n)}
    return tuple(sp.Eq(eq.lhs, eq.rhs.xreplace(zero).doit()) for eq in closure[2:4])


#: the bookkeeping order of the series: C, D carry one power of γ₀, the kernels' corrections two
epsilon = sp.Symbol("epsilon", positive=True)
C1, C3, D1, D3 = (sp.MatrixSymbol(q, n, n) for q in ("C_1", "C_3", "D_1", "D_3"))
Phi_in0, Phi_in2, G_out0, G_out2 = (sp.MatrixSymbol(q, n, n) for q in (r"\Phi^{l-1}_0", r"\Phi^{l-1}_2", "G^{l+1}_0",
                                                                         "G^{l+1}_2"))
#: the orders kept of each closure statement (Φ^l, G^l, A, B, M): f = diag(M)/γ₀ to order γ₀² needs M to order 3
SERIES_ORDERS = ((0, 2), (0, 2), (1, 3), (1, 3), (1, 3))


def _series(closure):
    """C = εC₁ + ε³C₃, D = εD₁ + ε³D₃, Φ^(l−1) = Φ₀ + ε²Φ₂, G^(l+1) = G₀ + ε²G₂ in the closure; each inverse
    (I − CD)⁻¹ = I + CD + O(ε⁴) (CD is of order ε², so nothing of order three or less is dropped); expanded,
    the coefficients of the orders kept."""
    expand = {C: epsilon * C1 + epsilon ** 3 * C3, Dop: epsilon * D1 + epsilon ** 3 * D3,
              Phi_in: Phi_in0 + epsilon ** 2 * Phi_in2, G_out: G_out0 + epsilon ** 2 * G_out2}
    out = []
    for eq, orders in zip(closure[2:], SERIES_ORDERS):
        truncated = eq.rhs.replace(lambda e: isinstance(e, sp.Inverse), lambda e: 2 * I - e.arg)
        terms = sp.expand(truncated.xreplace(expand).doit())
        coeffs = {k: sp.ZeroMatrix(n, n) for k in orders}
        for term in sp.Add.make_args(terms):
            c, m = term.as_coeff_mmul()
            for (power,), value in sp.Poly(c, epsilon).terms():
                if power in coeffs:
                    coeffs[power] = coeffs[power] + value * m
                elif power < max(orders):
                    raise ValueError(f"{eq.lhs}: a term of order {power} outside the orders {orders}")
        out += [sp.Eq(sp.MatrixSymbol(f"{eq.lhs.name}_{k}", n, n), coeffs[k]) for k in orders]
    return tuple(out)


def _linear(d: Derivation) -> None:
    d.define("operators", "Operator form", "On the (time, example) pairs the single-site equations read h = u + C g "
             "and z = r + D φ(h): C holds γ₀ times the response A "
             "plus the causal ΦΔ/P term of the layer below, D the same with B and the gradient kernel above.", (sp.Eq(hv, u + C * sp.MatrixSymbol("g^l", n, 1)),
                          sp.Eq(zv, r + Dop * sp.MatrixSymbol(r"\phi(h^{l})", n, 1))))
    d.derive("deep-linear-closure", "Deep linear networks", "With φ(z) = z, g = z and both equations are linear: "
             "solve for h and z, average over the independent Gaussian u, r: the kernels, the responses (the "
             "coefficients of r in h and of u in z) and the overlap M = ⟨z hᵀ⟩ in closed form; at the last layer "
             "the prediction is f = diag(M)/γ₀ (the readout is z, f = ⟨z φ(h)⟩/γ₀).",
             transform("operators", _linear_kernels, "g = z = r + Dh into h = u + Cg, rearranged, solved, "
                       "⟨uuᵀ⟩ = Φ (layer l-1), ⟨rrᵀ⟩ = G (layer l+1), ⟨urᵀ⟩ = 0", name="solve and average"))
    d.derive("static-limit", "Lazy limit", "C and D carry γ₀: as γ₀ → 0 every kernel stays at its start, the "
             "static NTK of the lazy regime.", transform("deep-linear-closure", _static, "C = D = 0", name="limit"))
    d.derive("perturbation-series", "Perturbation theory in γ₀²", "C and D are of order γ₀, so the kernels' "
             "corrections start at γ₀² and f = diag(M)/γ₀ needs M to order γ₀³: each quantity written as its "
             "series, (I − CD)⁻¹ = I + CD + O(γ₀⁴), expanded and sorted by order. Order zero is the lazy limit; "
             "the γ₀² kernels are built from the first-order operators, which hold only the lazy error.",
             transform("deep-linear-closure", _series, "C = γ₀C₁ + γ₀³C₃, D likewise, Φ = Φ₀ + γ₀²Φ₂, "
                       "G = G₀ + γ₀²G₂; Neumann series; coefficients of each order", name="series"))
    d.approximate("gradient-independence", "Gradient independence", "Drop the response functions A and B: the "
                  "approximation that treats the backward weights as independent of the forward ones.",
                  (sp.Eq(A_op, sp.ZeroMatrix(n, n)), sp.Eq(B_op, sp.ZeroMatrix(n, n))),
                  checked_by=("dmft-approximations", "dmft-approximations-tanh"))


@functools.cache
def derivation() -> Derivation:
    """The steps of ``feature-learning-dmft`` (built once; the face attaches the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(N, D, P, L, gamma0), summary=(
        "Networks of L hidden layers of width N in mean-field (μP) scaling, trained by gradient flow on the mean "
        "square error of P examples with every learning rate γ₀²N; at infinite width the neurons become "
        "independent draws of single-site processes coupled only through kernels, response functions and the "
        "error; γ₀ sets how far the kernels move."))
    _activations(d)
    _network(d)
    _dmft(d)
    _linear(d)
    return d
