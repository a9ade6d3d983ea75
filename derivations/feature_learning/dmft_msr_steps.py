"""``feature-learning-dmft``, the path-integral part: the single-site processes derived from the network's gradient
descent with Martin–Siggia–Rose (MSR) response fields (arXiv:2205.09653, Sec. 3 and App. C).

Gradient descent with step dt on the slots (example μ, step τ).  The chain, one step each:

1. the weights after τ steps are W(0) plus dt times the summed flows (left-point rule);
2. the fields split: h^{l+1} = χ + (γ₀dt/P) Σ Δ Φ^l g^{l+1} and z^l = ξ + (γ₀dt/P) Σ Δ G^{l+1} φ(h^l), with
   χ = W(0)φ(h^l)/√N and ξ = W(0)ᵀg^{l+1}/√N, the only places the random initial weights enter;
3. δ functions fix χ and ξ (response fields χ̃, ξ̃); the Gaussian average over every W_ij(0) is done by SymPy
   and regrouped into sums over neurons: the kernels Φ^l, G^{l+1} and the response kernels A, B appear;
4. A and B are fixed by conjugate fields; the saddle point of the action (it is N times a single-site action)
   gives Â = −B, B̂ = −A;
5. the action of one neuron of layer l+1 (of layer l) is read off as a Gaussian process: χ = u − A g with
   u ~ N(0, Φ^l), ξ = r − Bᵀφ with r ~ N(0, G^{l+1});
6. a source on r (on u) shows A = −⟨∂φ/∂r⟩ and B = −⟨∂g/∂u⟩: the response functions;
7. put together, the single-site processes of the infinite-width gradient descent, which the solvers integrate.

>>> from derivations.feature_learning.dmft_steps import derivation
>>> d = derivation()
>>> d["msr-saddle"][0]
Eq(Ahat^l[mu, tau, nu, sigma], -B^l[mu, tau, nu, sigma])
"""
from __future__ import annotations

import sympy as sp

from derive import msr
from derive import msr_indexed as mi
from derive.operations import transform
from derivations.feature_learning.dmft_symbols import Delta, N, P, W, g, gamma0, h, i, j, l, mu, nu, phi

tau, sigma = sp.symbols("tau sigma", nonnegative=True, integer=True)
dt = sp.Symbol("dt", positive=True)
#: the (example, step) slots of one kernel index pair, and of two
SLOT = ((mu, 1, P), (tau, 0, sp.Symbol("T", positive=True, integer=True)))
T_STEPS = SLOT[1][2]
SLOTS = SLOT + ((nu, 1, P), (sigma, 0, T_STEPS))
SWAP = {mu: nu, nu: mu, tau: sigma, sigma: tau}

#: indexed names that read in the terminal (Phi^l[mu, tau, nu, sigma]) and print as Φ^{l}, χ̃^{l+1}, Â^{l} in LaTeX
Phi_d, G_d, A_d, B_d = (sp.IndexedBase(q, real=True) for q in ("Phi^l", "G^l+1", "A^l", "B^l"))
A_hat, B_hat = sp.IndexedBase("Ahat^l"), sp.IndexedBase("Bhat^l")
chi, xi, z_l = (sp.IndexedBase(q, real=True) for q in ("chi^l+1", "xi^l", "z^l"))
chi_t, xi_t = sp.IndexedBase("chitilde^l+1"), sp.IndexedBase("xitilde^l")
u, r, src = (sp.IndexedBase(q, real=True) for q in ("u^l+1", "r^l", "j"))
Cov, E = sp.Function("Cov"), sp.Function("E")
W_avg, S_msr = sp.Symbol("Wcal^l"), sp.Symbol("S^l")
#: the action's parts: the order parameters, the neurons of layer l+1, those of layer l
S_parts = tuple(sp.Symbol(q) for q in ("S^l_AB", "S^l+1_chi", "S^l_xi"))
_TIMED = (Delta, g, h, W)


def _at_step(expr, step):
    """Every weight, field, error and backward field taken at step ``step`` (an extra last index)."""
    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base in _TIMED,
                        lambda e: e.base[tuple(e.indices) + (step,)])


def _descent(flows):
    """W(τ) = W(0) + dt Σ_{σ<τ} dW/dt(σ), the flow's example index renamed ν (the network keeps μ)."""
    rate = flows[0].rhs
    (s,) = [f for f in sp.Mul.make_args(rate) if isinstance(f, sp.Sum)]
    step = _at_step(rate.xreplace({s: mi.rename_sum(s, {mu: nu})}), sigma)
    return sp.Eq(W[l, i, j, tau], W[l, i, j, 0] + dt * sp.Sum(step, (sigma, 0, tau - 1)))


def _kernels_and_fields():
    phi_h = lambda nrn, ex, st: phi(h[l, nrn, ex, st])
    return (sp.Eq(Phi_d[mu, tau, nu, sigma], sp.Sum(phi_h(j, mu, tau) * phi_h(j, nu, sigma), (j, 1, N)) / N),
            sp.Eq(G_d[mu, tau, nu, sigma], sp.Sum(g[l + 1, i, mu, tau] * g[l + 1, i, nu, sigma], (i, 1, N)) / N),
            sp.Eq(chi[i, mu, tau], sp.Sum(W[l, i, j, 0] * phi_h(j, mu, tau), (j, 1, N)) / sp.sqrt(N)),
            sp.Eq(xi[j, mu, tau], sp.Sum(W[l, i, j, 0] * g[l + 1, i, mu, tau], (i, 1, N)) / sp.sqrt(N)),
            sp.Eq(z_l[j, mu, tau], sp.Sum(W[l, i, j, tau] * g[l + 1, i, mu, tau], (i, 1, N)) / sp.sqrt(N)))


def _recognise(expr, definition):
    """Replace the sum of ``definition`` (Eq(X, Sum/c)) by c·X, in both orders of its slot pair."""
    for m in ({}, SWAP):
        rhs = definition.rhs.xreplace(m)
        (s,) = [f for f in sp.Mul.make_args(rhs) if isinstance(f, sp.Sum)]
        expr = msr.recognise_sum(expr, sp.Eq(definition.lhs.xreplace(m) * s / rhs, s))
    return expr


def _split_field(field, descent, kernel, neuron):
    """Insert W(τ) into a field W·v/√N, split off the initial-weight part and recognise the kernel."""
    body = field.rhs.replace(lambda e: isinstance(e, sp.Indexed) and e.base == W,
                             lambda e: descent.rhs.xreplace(dict(zip(descent.lhs.indices, e.indices))))
    out = sp.S.Zero
    for term in sp.Add.make_args(mi.split_terms(mi.flatten_sums(sp.expand(body)))):
        c, s = term.as_independent(sp.Sum)
        out += c * mi.sum_innermost(s, [neuron]) if s.has(W[l, i, j, 0]) is False else term
    return mi.split_terms(_recognise(out, kernel))


def _field_split(kf, descent):
    Phi_def, G_def, chi_def, xi_def, z_def = kf
    h_next = sp.Eq(h[l + 1, i, mu, tau], chi_def.rhs.xreplace({W[l, i, j, 0]: W[l, i, j, tau]}))
    h_split = _recognise(_split_field(h_next, descent, Phi_def, j), chi_def)
    z_split = _recognise(_split_field(z_def, descent, G_def, i), xi_def)
    return sp.Eq(h_next.lhs, h_split), sp.Eq(z_def.lhs, z_split)


def _weight_average(kf, responses):
    """log E exp(−Σ_ij W_ij(0) J_ij) with J_ij the coefficient of W_ij(0) in Σ χ̃χ-field + ξ̃ξ-field."""
    chi_def, xi_def = kf[2], kf[3]
    per_entry = lambda eq: eq.rhs.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function)
    exponent = -sp.Sum(chi_t[i, mu, tau] * per_entry(chi_def) + xi_t[j, mu, tau] * per_entry(xi_def), *SLOT)
    J = sp.diff(exponent, W[l, i, j, 0])
    half_square = msr.gaussian_log_average(W[l, i, j, 0] * J, [W[l, i, j, 0]])
    (s,) = [f for f in sp.preorder_traversal(half_square) if isinstance(f, sp.Sum)]
    square = mi.multiply_sums(s, mi.rename_sum(s, {mu: nu, tau: sigma}))
    total = sp.Sum((half_square / s ** 2) * square.function, (i, 1, N), (j, 1, N), *square.limits)
    out = sp.Add(*(mi.sum_innermost(sp.Sum(t_, *total.limits), [i, j])
                   for t_ in sp.Add.make_args(sp.expand(total.function))))
    for definition in (kf[0], kf[1]) + tuple(responses):
        out = _recognise(out, definition)
    return sp.Eq(W_avg, mi.merge_relabelled(mi.split_terms(out), SWAP))


def _responses():
    return (sp.Eq(A_d[mu, tau, nu, sigma], sp.Sum(phi(h[l, j, mu, tau]) * xi_t[j, nu, sigma], (j, 1, N)) / N),
            sp.Eq(B_d[mu, tau, nu, sigma], sp.Sum(chi_t[i, mu, tau] * g[l + 1, i, nu, sigma], (i, 1, N)) / N))


def _action(kf, average, responses):
    """Σ χ̃χ + Σ ξ̃ξ (the δ functions' own part), the weight average, and the conjugates of A and B."""
    own = sp.Sum(chi_t[i, mu, tau] * chi[i, mu, tau], (i, 1, N), *SLOT) + \
        sp.Sum(xi_t[j, mu, tau] * xi[j, mu, tau], (j, 1, N), *SLOT)
    fix = sum(sp.Sum(hat[mu, tau, nu, sigma] * N * (eq.lhs - eq.rhs), *SLOTS) for hat, eq in
              ((A_hat, responses[0]), (B_hat, responses[1])))
    whole = mi.split_terms(own + average.rhs + mi.split_terms(mi.flatten_sums(sp.expand(fix))))
    up = [term for term in sp.Add.make_args(whole) if term.has(chi_t)]
    down = [term for term in sp.Add.make_args(whole) if term.has(xi_t)]
    orders = [term for term in sp.Add.make_args(whole) if term not in up + down]
    return (sp.Eq(S_msr, sum(S_parts)),) + tuple(sp.Eq(part, sp.Add(*terms))
                                                   for part, terms in zip(S_parts, (orders, up, down)))


def whole_action(action):
    """The action of (msr-action) in one expression, its parts put in."""
    return action[0].rhs.xreplace({eq.lhs: eq.rhs for eq in action[1:]})


def _saddle(action):
    out = []
    for order, hat in ((A_d, A_hat), (B_d, B_hat)):
        stationary = mi.split_terms(mi.derivative_at(whole_action(action), order, (mu, tau, nu, sigma)))
        (solution,) = sp.solve(stationary, hat[mu, tau, nu, sigma])
        out.append(sp.Eq(hat[mu, tau, nu, sigma], solution))
    return tuple(out)


def _site(action, response):
    """The action of one neuron of the layer whose response field is ``response``, at the saddle."""
    terms = [t_ for t_ in sp.Add.make_args(action) if t_.has(response)]
    neuron = i if response == chi_t else j
    return mi.single_site(sp.Add(*terms), neuron)


def _single_site_fields(action, saddle):
    at_saddle = mi.split_terms(whole_action(action).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base in (A_hat, B_hat),
        lambda e: next(eq.rhs for eq in saddle if eq.lhs.base == e.base).xreplace(
            dict(zip((mu, tau, nu, sigma), e.indices)))))
    out = []
    for response, state, noise, kernel in ((chi_t, chi, u, Phi_d), (xi_t, xi, r, G_d)):
        site = _site(at_saddle, response)
        site = site.replace(lambda e: isinstance(e, sp.Indexed) and e.base == state, lambda e: state[e.indices])
        drift, K = mi.read_off_indexed(site, response, state, (mu, tau), (nu, sigma), symmetric=[(kernel, 2)])
        out += [sp.Eq(state[mu, tau], noise[mu, tau] + _clean(drift)),
                sp.Eq(Cov(noise[mu, tau], noise[nu, sigma]), K)]
    return tuple(out)


def _clean(expr):
    """Give the summation indices SymPy left as dummies the unused names of their kind (ν or μ, σ or τ)."""
    def rename(e):
        mapping = {}
        for v, *_ in e.limits:
            if isinstance(v, sp.Dummy):
                options = (nu, mu) if v.name == "mu" or v.name == "nu" else (sigma, tau)
                mapping[v] = next(o for o in options if o not in e.free_symbols and o not in mapping.values())
        return mi.rename_sum(e, mapping) if mapping else e
    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def _response_identity(responses, fields):
    """A = ⟨φ ξ̃⟩ and B = ⟨χ̃ g⟩ at the saddle (the neuron averages are single-site averages); a source j on
    r (on u) enters the action as −ξ̃ j (−χ̃ j), so ∂S/∂j = −ξ̃ and ⟨O ξ̃⟩ = −∂⟨O⟩/∂j = −∂⟨O⟩/∂r."""
    out = []
    for definition, (state, noise, response), cov in ((responses[0], (xi, r, xi_t), fields[3]),
                                                      (responses[1], (chi, u, chi_t), fields[1])):
        field = fields[0] if state == chi else fields[2]
        drift = field.rhs - noise[mu, tau]
        action = sp.Sum(response[mu, tau] * (state[mu, tau] - drift - src[mu, tau]), *SLOT) + \
            sp.Sum(cov.rhs * response[mu, tau] * response[nu, sigma], *SLOTS) / 2
        (point,) = [e for e in definition.rhs.atoms(sp.Indexed) if e.base == response]
        dS = mi.split_terms(mi.derivative_at(mi.split_terms(action), src, point.indices[1:]))
        if dS != -response[point.indices[1:]]:
            raise ValueError(f"the source does not enter as -{response}: dS/dj = {dS}")
        (s,) = [f for f in sp.Mul.make_args(definition.rhs) if isinstance(f, sp.Sum)]
        observable = mi.single_site(s, s.limits[0][0]) / response[point.indices[1:]]
        out.append(sp.Eq(definition.lhs, -sp.Derivative(E(observable), noise[point.indices[1:]])))
    return tuple(out)


def _single_site_discrete(split, fields, identity):
    """One neuron: the split fields with χ, ξ read off and A, B the responses."""
    own = {"chi^l+1": fields[0], "xi^l": fields[2]}
    out = []
    for eq in split:
        neuron = eq.lhs.indices[1] if eq.lhs.base == h else eq.lhs.indices[0]
        drop = lambda e: e.base[tuple(v for v in e.indices if v != neuron)]
        one = eq.replace(lambda e: isinstance(e, sp.Indexed) and neuron in e.indices, drop)
        base = next(b for b in (chi, xi) if one.rhs.has(b))
        one = one.xreplace({base[mu, tau]: own[str(base)].rhs})
        for resp in identity:
            one = one.replace(lambda e: isinstance(e, sp.Indexed) and e.base == resp.lhs.base,
                              lambda e: resp.rhs.xreplace(dict(zip((mu, tau, nu, sigma), e.indices))))
        out.append(sp.Eq(one.lhs, _clean(mi.split_terms(sp.expand(one.rhs)))))
    return tuple(out)


def _response_functions():
    """The paper's A, B: the step responses divided by γ₀dt (functional derivatives δ/δr(s) in the limit)."""
    t_, s_ = tau * dt, sigma * dt
    return (sp.Eq(sp.Function(r"A^{l}_{\mu\nu}")(t_, s_),
                  sp.Derivative(E(phi(h[l, mu, tau])), r[nu, sigma]) / (gamma0 * dt)),
            sp.Eq(sp.Function(r"B^{l}_{\mu\nu}")(t_, s_),
                  sp.Derivative(E(g[l + 1, mu, tau]), u[nu, sigma]) / (gamma0 * dt)))


#: the names of the continuous-time statement (arXiv:2205.09653 Eq. 10): the h equation is written for layer l
#: (its kernel and response from layer l−1), the z equation for layer l
_H_NAMES = {"h": "h^l_mu", "u^l+1": "u^l_mu", "g": "g^l_nu", "Phi^l": r"\Phi^{l-1}_{\mu\nu}",
            "Delta": "Delta_nu", r"A^{l}_{\mu\nu}": r"A^{l-1}_{\mu\nu}"}
_Z_NAMES = {"z^l": "z^l_mu", "r^l": "r^l_mu", "h": "h^l_nu", "G^l+1": r"G^{l+1}_{\mu\nu}", "Delta": "Delta_nu"}


def continuum(discrete, responses):
    """dt → 0.  The step responses are γ₀dt times A, B (response-functions).  Causality: h at step τ depends on r
    before τ only, so A's sum stops at τ − 1; g at step τ depends on u at τ through φ'(h), so B's sum stops at τ
    (its equal-time term becomes a δ(t − s) part of B, counted whole).  The learned sum of z, which stops at τ − 1,
    is extended to τ by one term of order dt.  Then dt Σ_{σ≤τ} → ∫_0^t ds and a quantity at step τ (σ) becomes
    a function of t (s)."""
    t_, s_ = sp.symbols("t s", nonnegative=True)
    out = []
    for eq, resp, last, names in zip(discrete, responses, (tau - 1, tau), (_H_NAMES, _Z_NAMES)):
        (deriv,) = resp.rhs.atoms(sp.Derivative)

        def to_response(e):
            kicked = dict(zip(sorted(deriv.atoms(sp.Indexed), key=str), sorted(e.atoms(sp.Indexed), key=str)))
            return sp.solve(resp.xreplace(kicked), e)[0]

        def causal(e):          # responses: cut by causality; a learned sum to τ − 1 extended to τ (order dt)
            cut = e.has(sp.Derivative) or (last == tau and dict((v, hi) for v, _, hi in e.limits)[sigma] == tau - 1)
            return sp.Sum(e.function, *[(v, lo, last if v == sigma and cut else hi) for v, lo, hi in e.limits])

        rhs = eq.rhs.replace(lambda e: isinstance(e, sp.Sum), causal)
        rhs = rhs.replace(lambda e: isinstance(e, sp.Derivative) and e.expr.func == deriv.expr.func, to_response)
        rhs = mi.split_terms(rhs)
        sums = [a for a in sp.Add.make_args(rhs) if a.has(sp.Sum)]
        if len({sp.Tuple(*lim) for a in sums for e in a.atoms(sp.Sum) for lim in e.limits}) != 2:
            raise ValueError(f"the sums of {eq} do not share their limits after causality")
        step_sum = sp.factor_terms(sp.Add(*sums) / (gamma0 * dt))
        integrand = step_sum.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function)
        outer = [a for a in sp.Add.make_args(rhs) if not a.has(sp.Sum)]
        integral = gamma0 * sp.Integral(sp.Sum(integrand, (nu, 1, P)), (sigma, 0, tau))
        limit = _as_function(sp.Add(*outer) + integral, names, t_, s_)
        if limit.has(dt):
            raise ValueError(f"a sum of {eq} is not of order dt: no integral in the limit")
        out.append(sp.Eq(_as_function(eq.lhs, names, t_, s_), limit))
    return tuple(out)


def _as_function(expr, names, t_, s_):
    """Step-indexed quantities as functions of time: X[…, τ] → X(t), X[…, σ] → X(s), kernels X[μ,τ,ν,σ] →
    X(t, s), the step integral over σ an integral over s."""
    def time(v):
        return t_ if v == tau else s_

    def convert(e):
        name = names.get(str(e.base), str(e.base))
        steps = [v for v in e.indices if v in (tau, sigma)]
        return sp.Function(name)(*(time(v) for v in steps))

    out = expr.replace(lambda e: isinstance(e, sp.Indexed) and e.indices[-1] in (tau, sigma), convert)
    out = out.replace(lambda e: isinstance(e, sp.Integral), lambda e: sp.Integral(e.function, (s_, 0, t_)))
    functions = {sp.Function(str(f.func)): sp.Function(names.get(str(f.func), str(f.func))) for f in
                 out.atoms(sp.core.function.AppliedUndef)}
    out = out.xreplace({tau * dt: t_, sigma * dt: s_})
    return out.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and str(e.func) in names,
                       lambda e: sp.Function(names[str(e.func)])(*e.args))


def derive_steps(d) -> None:
    """Add the MSR chain to ``d`` (after the network, its flows and the order parameters)."""
    d.derive("gradient-descent", "Gradient descent", "With step dt (left-point rule) the weights after τ steps are "
             "the initial ones plus dt times the flows summed over the earlier steps.",
             transform("weight-flows", _descent, "W(τ) = W(0) + dt Σ_σ dW/dt at the steps σ before τ", name="integrate"))
    d.define("discrete-kernels", "Kernels and fields on the steps", "The feature and gradient kernels between slots "
             "(μ, τ) and (ν, σ); the fields of the initial weights χ, ξ; the backward field before the slope, z "
             "(g^l = φ'(h^l) z^l by the backward fields).", _kernels_and_fields())
    d.derive("field-split", "The fields split", "Insert the weights after τ steps: the initial weights enter only "
             "through χ and ξ; the learned part is a sum over earlier steps with the kernel of the other layer.",
             transform(("discrete-kernels", "gradient-descent"), _field_split, "substitute W(τ), split the sums, "
                       "move the neuron sum inside, recognise Φ, G, χ, ξ", name="substitute"))
    d.define("response-kernels", "Response kernels", "Averages over the neurons of a field times a response field "
             "(χ̃, ξ̃ enforce the definitions of χ, ξ through δ functions, on the imaginary axis).", _responses())
    d.derive("weight-average", "Average over the initial weights", "The δ functions exp(χ̃(χ − W(0)φ/√N)) and "
             "exp(ξ̃(ξ − W(0)ᵀg/√N)) are linear in each standard normal W_ij(0): averaging gives exp(½ J_ij²); the "
             "double sums over neurons regroup into the kernels and N A B.",
             transform(("discrete-kernels", "response-kernels"), _weight_average, "Gaussian average over W_ij(0), "
                       "square expanded, neuron sums moved inside and recognised", name="average"))
    d.derive("msr-action", "Action", "The δ functions' own part, the weight average and conjugate fields Â, B̂ that "
             "fix A and B, in three parts: the order parameters, the neurons of layer l+1, those of layer l (Φ "
             "and G are fixed the same way; their conjugates vanish at the saddle, ⟨χ̃χ̃⟩ = ⟨ξ̃ξ̃⟩ = 0 by "
             "causality).", transform(("discrete-kernels", "weight-average",
                                                                "response-kernels"), _action,
                                                               "add Σ Â(NA − Σφξ̃) + Σ B̂(NB − Σχ̃g)", name="assemble"))
    d.derive("msr-saddle", "Saddle point", "The action is N times a single-site action: at large N it is stationary "
             "in A and B.", transform("msr-action", _saddle, "∂S/∂A = ∂S/∂B = 0 solved for Â, B̂",
                                      name="saddle point"))
    d.derive("single-site-fields", "Single-site fields", "At the saddle the action is a sum of identical actions, "
             "one per neuron; each is the path weight of a Gaussian field plus a drift (read off: the coefficient "
             "of the response field is the field minus its drift, the quadratic part the covariance).",
             transform(("msr-action", "msr-saddle"), _single_site_fields, "Â = −B, B̂ = −A; one neuron of layer "
                       "l+1 (of layer l); read off χ = u + F, Cov(u) = K", name="read off"))
    d.derive("response-identity", "Response functions", "At the saddle A = ⟨φ ξ̃⟩ and B = ⟨χ̃ g⟩, averages over one "
             "neuron; a source j added to r enters the action as −ξ̃j, so ξ̃ = −∂S/∂j and A is minus the mean "
             "response of φ(h^l) to a kick of r^l (B likewise of g^{l+1} to a kick of u^{l+1}).",
             transform(("response-kernels", "single-site-fields"), _response_identity, "source j: ∂S/∂j = −ξ̃, "
                       "⟨O ∂S/∂j⟩ = ∂⟨O⟩/∂j", name="differentiate"))
    d.derive("single-site-discrete", "Single-site processes of gradient descent", "One neuron of each layer: the "
             "Gaussian field, the responses of the layer below (above) and the learned part. These are the "
             "processes the solvers sample, step by step.",
             transform(("field-split", "single-site-fields", "response-identity"), _single_site_discrete,
                       "χ, ξ read off and A, B replaced by the responses in the split fields", name="substitute"))
    d.define("response-functions", "The paper's response functions", "A step response divided by γ₀dt: in the "
             "limit the functional derivatives γ₀A = ⟨δφ(h)/δr⟩, γ₀B = ⟨δg/δu⟩.  Where φ'' is not zero B holds a "
             "δ(t − s) part (g at step τ depends on u at the same step through φ'(h)); A is strictly causal.",
             _response_functions())
