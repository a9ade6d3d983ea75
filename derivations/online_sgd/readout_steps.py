"""``online-random-features``: online SGD of the readout of a random-feature student.

Student σ(ξ) = Σ_k v_k g(x_k), x_k = W_k·ξ/√N, with a FROZEN random first layer W (K×N, rows of
norm √N) and a trainable readout v; teacher ζ = Σ_n g(y_n), y_n = B_n·ξ/√N (M units); g(x) =
erf(x/√2); isotropic Gaussian input.  Scalings (our choice, documented): no prefactor on v (the
optimal readout then has entries O(N^{−1/2}) and σ = O(1)); one SGD step with a fresh example is
v ← v + (η/N)(label − σ)g(x), so that with α = steps/N the population error moves by O(1) per unit
α at fixed K/N and fixed η (tr C = K/3 = O(N)).  The results:

    dv/dα = η(b − Cv),  C_kl = I2(Q_kk, Q_kl, Q_ll),  b_k = Σ_n I2(Q_kk, R_kn, T_nn)   (mean, exact)
    ε_g(v) = ½(vᵀCv − 2vᵀb + T₀),  ε_∞ = ½(T₀ − bᵀC⁻¹b)  at v* = C⁻¹b,
    dε_a/dα = −2ηc_a ε_a + (η²/N)c_a²(ε_g + σ_ε²/2)  (modes of C; N → ∞ at fixed K/N),
    ε_g(∞) = (ε_∞ + aσ_ε²/2)/(1 − a),  a = η tr C/(2N) = ηK/(6N),  η_max = 6N/K,

and, by Gaussian equivalence g(x_k) ≈ μ₁x_k + μ_*z_k (μ₁² = 1/π, μ_*² = 1/3 − 1/π) and the
Marchenko–Pastur law of WWᵀ/N at ratio γ = K/N,

    ε_∞(γ) = ½[T₀ − t_u μ₁² γ(1 − κG)],  κ = μ_*²/μ₁²,  −γκG² + (γ − 1 − κ)G + 1 = 0, G > 0,

t_u = Σ_nm T_nm.  ε_∞ decreases with γ to the floor ½(T₀ − t_uμ₁²) (= Mμ_*²/2 for T = I): the part
of the teacher that is not linear in ξ is never learnt at K = O(N).

Source: Worschech & Rosenow, arXiv:2303.14083 (sheet §4a; only the abstract is known, all equations
are derived here from the model).

>>> derivation()["stability-limit"]
Eq(eta_max, 2*N/tr_C)
"""
from __future__ import annotations

import functools

import sympy as sp

from derive.gaussian_expectations import C11, C12, C22, I2_erf
from derive.operations import transform
from derivations import registry
from derivations.engine import Derivation, Source

NAME = "online-random-features"
TITLE = "Online learning of the readout of a random-feature model"
SOURCE = Source("2303.14083", "Worschech, Rosenow", "2023",
                "Online Learning for the Random Feature Model in the Student-Teacher Framework",
                section="reconstructed from the abstract (sheet §4a)")

K_SHOW = M_SHOW = 2          # the mechanised steps are written out for K = M = 2 (the structure is per unit)
N, eta, alpha = sp.symbols("N eta alpha", positive=True)
noise, chi = sp.Symbol("sigma_epsilon", nonnegative=True), sp.Symbol("chi", real=True)
K, a_idx = sp.Symbol("K", positive=True, integer=True), sp.Symbol("a", positive=True, integer=True)
g = sp.Function("g")
V = sp.symbols("v_1:3", real=True)
X, Y = sp.symbols("x_1:3", real=True), sp.symbols("y_1:3", real=True)
sigma_out, zeta_out, loss = sp.symbols("sigma zeta epsilon")
eps_g, eps_inf, eps_a, eps_plateau, eta_max = sp.symbols(
    "varepsilon_g varepsilon_infinity varepsilon_a varepsilon_plateau eta_max")
c_a = sp.Symbol("c_a", positive=True)
trC = sp.Symbol("tr_C", positive=True)
T0, t_u, gamma, kappa, G = sp.symbols("T_0 t_u gamma kappa G", positive=True)
mu1, mustar = sp.symbols("mu_1 mu_*", positive=True)
MODES = 3                    # explicit eigenbasis for the second-moment step


def _sym(name, i, j, sym=True):
    return sp.Symbol(f"{name}_{min(i, j) + 1}{max(i, j) + 1}" if sym else f"{name}_{i + 1}{j + 1}", real=True)


def Q(i, j):
    return _sym("Q", i, j)


def R(i, n):
    return _sym("R", i, n, sym=False)


def T(n, m):
    return _sym("T", n, m)


def Cs(i, j):
    return _sym("C", i, j)


def bs(i):
    return sp.Symbol(f"b_{i + 1}", real=True)


def I2(c11, c12, c22):
    """E[g(u1)g(u2)] for g = erf(·/√2), from :func:`derive.gaussian_expectations.I2_erf`."""
    return I2_erf().subs({C11: c11, C12: c12, C22: c22}, simultaneous=True)


@functools.cache
def derivation() -> Derivation:
    """The steps of ``online-random-features`` (built once; the face :mod:`derivations.online_sgd` attaches the
    checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(alpha, gamma), summary=(
        "Random-feature student (frozen W, trainable readout v, g = erf(x/√2)), soft-committee teacher, "
        "isotropic input, online SGD of v with step (η/N)(label − σ)g(x); α = steps/N."))
    _readout(d)
    _fluctuations(d)
    _equivalence(d)
    return d


# ---- the mean dynamics of the readout ---------------------------------------------------------

def _model():
    sigma = sum(V[k] * g(X[k]) for k in range(K_SHOW))
    zeta = sum(g(Y[n]) for n in range(M_SHOW))
    return (sp.Eq(sigma_out, sigma), sp.Eq(zeta_out, zeta),
            sp.Eq(loss, (zeta + noise * chi - sigma) ** 2 / 2))


def _step(model):
    return tuple(sp.Eq(sp.Symbol(f"Delta v_{k + 1}"), -eta / N * sp.diff(model[2].rhs, V[k]))
                 for k in range(K_SHOW))


def _covariance():
    """Covariances of the fields: Cov(x_k, x_l) = Q_kl, Cov(x_k, y_n) = R_kn, Cov(y_n, y_m) = T_nm."""
    cov = {}
    for k in range(K_SHOW):
        for l in range(K_SHOW):
            cov[(X[k], X[l])] = Q(k, l)
        for n in range(M_SHOW):
            cov[(X[k], Y[n])] = cov[(Y[n], X[k])] = R(k, n)
    for n in range(M_SHOW):
        for m in range(M_SHOW):
            cov[(Y[n], Y[m])] = T(n, m)
    return cov


def _average(expr):
    """Gaussian average over ξ and χ: χ has mean 0 and variance 1 and is independent of the fields;
    E[g(u)g(w)] = I2(Var u, Cov(u, w), Var w)."""
    cov = _covariance()
    out = 0
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, gs = sp.S.One, []
        for f, p in term.as_powers_dict().items():
            if isinstance(f, sp.Function) and f.func == g:
                gs += [f.args[0]] * int(p)
            else:
                coeff *= f ** p
        k_chi = sp.degree(coeff, chi) if coeff.has(chi) else 0
        coeff = coeff.subs(chi, 1) * {0: 1, 1: 0, 2: 1}[k_chi]
        if coeff == 0:
            continue
        if not gs:
            out += coeff
            continue
        if len(gs) != 2:
            raise ValueError(f"unexpected monomial {term}")
        u, w = gs
        out += coeff * I2(cov[(u, u)], cov[(u, w)], cov[(w, w)])
    return out


def _mean_ode(step):
    return tuple(sp.Eq(sp.Derivative(sp.Function(f"v_{k + 1}")(alpha), alpha), sp.expand(N * _average(e.rhs)))
                 for k, e in enumerate(step))


def _moments():
    eqs = [sp.Eq(Cs(k, l), I2(Q(k, k), Q(k, l), Q(l, l))) for k in range(K_SHOW) for l in range(k, K_SHOW)]
    eqs += [sp.Eq(bs(k), sum(I2(Q(k, k), R(k, n), T(n, n)) for n in range(M_SHOW))) for k in range(K_SHOW)]
    eqs += [sp.Eq(T0, sum(I2(T(n, n), T(n, m), T(m, m)) for n in range(M_SHOW) for m in range(M_SHOW)))]
    return tuple(eqs)


def _in_moments(eqs, moments):
    """Replace the I2 terms by the names C_kl, b_k, T₀: for each (name = Σ terms), one arcsin atom of
    the first term is eliminated in favour of the name (the other terms then cancel)."""
    table = {}
    for m in moments:
        terms = sp.Add.make_args(sp.expand(m.rhs))
        atom = sorted(terms[0].atoms(sp.asin), key=sp.default_sort_key)[0]
        coeff = terms[0] / atom
        table[atom] = (m.lhs - (sp.expand(m.rhs) - terms[0])) / coeff
    out = []
    for e in eqs:
        rhs = sp.expand(sp.expand(e.rhs).xreplace(table))
        if rhs.has(sp.asin):
            raise ValueError(f"an I2 term was not named: {rhs}")
        out.append(sp.Eq(e.lhs, sp.factor_terms(rhs)))
    return tuple(out)


def _vector_forms():
    Cm = sp.Matrix(K_SHOW, K_SHOW, lambda i, j: Cs(i, j))
    bv = sp.Matrix([bs(k) for k in range(K_SHOW)])
    return Cm, bv, sp.Matrix(V)


def _error(model, moments):
    err = sp.expand(_average((model[1].rhs - model[0].rhs) ** 2 / 2))
    return _in_moments((sp.Eq(eps_g, err),), moments)[0]


def _optimum(ode, error):
    sol = sp.solve([e.rhs for e in ode], V, dict=True)[0]
    return sp.Eq(eps_inf, sp.factor(error.rhs.subs(sol)))


def _readout(d: Derivation) -> None:
    d.define("model", "Random-feature student, committee teacher, squared loss",
             "σ = Σ_k v_k g(x_k) with x_k = W_k·ξ/√N (W frozen, rows of norm √N), ζ = Σ_n g(y_n) with "
             "y_n = B_n·ξ/√N, label ζ + σ_ε χ, χ ~ N(0, 1); written out for K = M = 2.", _model())
    d.derive("readout-step", "One SGD step of the readout",
             "Gradient step on the readout only, with learning rate η/N (α = steps/N is the time).",
             transform("model", _step, "Δv_k = −(η/N) ∂ε/∂v_k", name="differentiate"))
    d.derive("readout-ode", "Mean readout dynamics",
             "Average N·Δv_k over a fresh example: every monomial is g(u)g(w) of two jointly Gaussian fields, "
             "E = I2 of their covariances (Q = WWᵀ/N, R = WBᵀ/N, T = BBᵀ/N), χ-terms vanish. Exact at every N "
             "for the mean: ⟨v⟩ ← ⟨v⟩ + (η/N)(b − C⟨v⟩), whose αN-th power tends to e^{−ηCα}.",
             transform("readout-step", _mean_ode, "Gaussian average with derive.gaussian_expectations.I2_erf",
                       name="average"))
    d.define("moments", "Fixed population moments",
             "C_kl = E[g(x_k)g(x_l)], b_k = E[g(x_k)ζ], T₀ = E[ζ²]: constant, because W and B are frozen.",
             _moments())
    d.derive("readout-ode-moments", "dv/dα = η(b − Cv)",
             "Name the I2 terms of (readout-ode) by (moments).",
             transform(("readout-ode", "moments"), _in_moments, "replace each I2 by C_kl, b_k", name="substitute"),
             display=tuple(sp.Eq(sp.Derivative(sp.Function(f"v_{k + 1}")(alpha), alpha),
                                 eta * (_vector_forms()[1] - _vector_forms()[0] * _vector_forms()[2])[k])
                           for k in range(K_SHOW)))
    d.derive("generalization-error", "Population error of a readout",
             "ε_g = ½E[(ζ − σ)²] (clean labels), averaged like the step.",
             transform(("model", "moments"), _error, "Gaussian average of ½(ζ − σ)², then name the I2",
                       name="average"),
             display=sp.Eq(eps_g, sp.expand(((_vector_forms()[2].T * _vector_forms()[0] * _vector_forms()[2])[0]
                                             - 2 * (_vector_forms()[2].T * _vector_forms()[1])[0] + T0) / 2)))
    Cm, bv, _ = _vector_forms()
    d.derive("asymptotic-error", "Asymptotic error: the population-optimal readout",
             "The fixed point of (readout-ode-moments) is v* = C⁻¹b (C > 0); insert it into (generalization-error).",
             transform(("readout-ode-moments", "generalization-error"), _optimum,
                       "solve b − Cv = 0, substitute", name="solve"),
             display=sp.Eq(eps_inf, sp.factor((T0 - (bv.T * Cm.inv() * bv)[0]) / 2)))


# ---- fluctuations: the O(η²) term, plateau and stability ---------------------------------------

def _fourth_moments():
    """E[φ_a φ_b (φᵀSφ)] ≈ c_a δ_ab tr(CS) + 2 c_a S_ab c_b and E[r²φ_aφ_b] ≈ ρ c_a δ_ab in the
    eigenbasis of C (Gaussian fourth moments; r = label − φᵀv* the optimal residual, ρ = E[r²])."""
    c = sp.symbols(f"c_1:{MODES + 1}", positive=True)
    S = sp.Matrix(MODES, MODES, lambda i, j: sp.Symbol(f"S_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    tr = sum(c[i] * S[i, i] for i in range(MODES))
    return tuple(sp.Eq(sp.Symbol(f"E4_{i + 1}{i + 1}"), c[i] * tr + 2 * c[i] ** 2 * S[i, i]) for i in range(MODES)) \
        + (sp.Eq(sp.Symbol("rho"), 2 * eps_inf + noise ** 2),)


def _second_moment_step(fourth):
    """e = v − v*, e' = (1 − (η/N)φφᵀ)e + (η/N)φr: the diagonal of N·ΔS, S = ⟨eeᵀ⟩, in the eigenbasis:
    −2η c_a S_aa + (η²/N)(E4_aa + c_a² S_aa + ρ c_a) (the cross term ⟨φφᵀe rφᵀ⟩ is dropped with the
    fourth moments: ⟨φ r⟩ = 0)."""
    c = sp.symbols(f"c_1:{MODES + 1}", positive=True)
    rho = fourth[-1].lhs
    out = []
    for i in range(MODES):
        S_ii = sp.Symbol(f"S_{i + 1}{i + 1}", real=True)
        out.append(sp.Eq(sp.Symbol(f"N Delta S_{i + 1}{i + 1}"),
                         sp.expand(-2 * eta * c[i] * S_ii + eta ** 2 / N * (fourth[i].rhs + c[i] ** 2 * S_ii
                                                                             + rho * c[i]))))
    return tuple(out) + (fourth[-1],)


def _mode_error_ode(step):
    """ε_a = c_a S_aa/2; chain rule; closure on ε_a and ε_g = ε_∞ + Σ ε_a; drop the O(ηc_a/N)
    per-mode correction 3η²c_a²ε_a/N of the decay rate (N → ∞ at fixed K/N)."""
    c = sp.symbols(f"c_1:{MODES + 1}", positive=True)
    e = sp.symbols(f"varepsilon_1:{MODES + 1}", nonnegative=True)
    S = {sp.Symbol(f"S_{i + 1}{i + 1}", real=True): 2 * e[i] / c[i] for i in range(MODES)}
    rho = step[-1]
    rate = sp.expand((c[0] / 2 * step[0].rhs).subs(S).subs(rho.lhs, rho.rhs))
    closed = -2 * eta * c[0] * e[0] + eta ** 2 / N * c[0] ** 2 * (eps_g + noise ** 2 / 2)
    full_closed = closed.subs(eps_g, eps_inf + sum(e))
    if sp.expand(rate - full_closed - 3 * eta ** 2 * c[0] ** 2 * e[0] / N) != 0:
        raise ValueError("the mode errors do not close")
    return sp.Eq(sp.Derivative(sp.Function("varepsilon_a")(alpha), alpha),
                 closed.subs({c[0]: c_a, e[0]: eps_a}))


def _plateau(ode):
    """Stationary point: solve for ε_a, sum over the K modes (Σ_a c_a = tr C), solve for ε_g."""
    e_a = sp.factor(sp.solve(ode.rhs, eps_a)[0])
    outside, inside = e_a.as_independent(c_a)
    if inside != c_a:
        raise ValueError(f"the stationary mode error is not proportional to c_a: {e_a}")
    total = eps_inf + outside * trC
    return sp.Eq(eps_plateau, sp.factor(sp.solve(sp.Eq(eps_g, total), eps_g)[0]))


def _stability(plateau):
    """The plateau is finite and positive iff its denominator is positive; solve denominator = 0 for η."""
    den = sp.denom(sp.together(plateau.rhs))
    return sp.Eq(eta_max, sp.solve(den, eta)[0])


def _feature_variance():
    return sp.Eq(sp.Symbol("C_kk"), I2(1, 1, 1))


def _fluctuations(d: Derivation) -> None:
    d.approximate("fourth-moments", "Gaussian fourth moments of the features",
                  "In the eigenbasis of C (c_a eigenvalues), the features' fourth moments are taken as Gaussian "
                  "(φᵀSφ is a sum of K weakly dependent terms; non-Gaussian corrections are O(1/K) relative), and "
                  "the optimal residual r is uncorrelated with φφᵀ at leading order. Shown for 3 modes.",
                  _fourth_moments(), checked_by=("sgd-simulation",))
    d.derive("second-moment-step", "One-step change of the readout fluctuations",
             "Square e' = (1 − (η/N)φφᵀ)e + (η/N)φr and average (the diagonal of the eigenbasis).",
             transform("fourth-moments", _second_moment_step, "expand the square, insert the fourth moments",
                       name="expand"))
    d.derive("mode-error-ode", "Closed equations of the mode errors (the O(η²) term)",
             "ε_a = c_a S_aa/2 carries ε_g = ε_∞ + Σ_a ε_a; the chain rule closes on ε_a and ε_g; the per-mode "
             "correction 3η²c_a²ε_a/N (O(ηc_a/N) relative to the decay) is dropped as N → ∞.",
             transform("second-moment-step", _mode_error_ode, "chain rule, eliminate S_aa, verify the closure",
                       name="chain rule"))
    d.derive("plateau", "The SGD plateau",
             "dε_a/dα = 0 for every mode, summed over the K modes of C (Σ_a c_a = tr C).",
             transform("mode-error-ode", _plateau, "solve for ε_a, sum over a, solve for ε_g", name="solve"))
    d.derive("stability-limit", "Stability limit of the learning rate",
             "The plateau exists (positive, finite) iff η tr C < 2N; beyond it the error grows.",
             transform("plateau", _stability, "denominator of (plateau) = 0 solved for η", name="solve"))
    d.derive("feature-variance", "Diagonal of C", "C_kk = I2(1, 1, 1) for rows of norm √N: tr C = K/3, η_max = 6N/K.",
             transform((), lambda: _feature_variance(), "I2_erf at C11 = C12 = C22 = 1", name="evaluate"))


# ---- Gaussian equivalence and the Marchenko–Pastur law -----------------------------------------

def _coefficients():
    """μ₁ = E[g'(u)], μ_*² = E[g(u)²] − μ₁² (μ₀ = E[g] = 0, g odd), u ~ N(0, 1), by sp.integrate."""
    u = sp.Symbol("u", real=True)
    gu = sp.erf(u / sp.sqrt(2))
    dens = sp.exp(-u ** 2 / 2) / sp.sqrt(2 * sp.pi)
    m1 = sp.simplify(sp.integrate(sp.diff(gu, u) * dens, (u, -sp.oo, sp.oo)))
    m0 = sp.simplify(sp.integrate(gu * dens, (u, -sp.oo, sp.oo)))
    second = I2(1, 1, 1)
    return sp.Eq(sp.Symbol("mu_0"), m0), sp.Eq(mu1, m1), sp.Eq(mustar, sp.sqrt(sp.simplify(second - m1 ** 2 - m0 ** 2)))


def _linearised_kernel():
    """I2(1, c, 1) to first order in the O(N^{−1/2}) off-diagonal overlap c: slope = μ₁²."""
    c = sp.Symbol("c", real=True)
    series = sp.series(I2(1, c, 1), c, 0, 3).removeO()
    return sp.Eq(sp.Symbol("I2(1,c,1)"), series)


def _equivalent(quoted, coeffs):
    """bᵀC⁻¹b ≈ t_u μ₁² γ ∫ρ s/(s + κ) = t_u μ₁² γ(1 − κG), G = ∫ρ(s)/(s + κ) = −g_MP(−κ); the ratio q, the
    argument z and the Stieltjes transform g are the symbols of the quoted statement."""
    symbols = {x.name: x for x in quoted.free_symbols}
    g_mp, q_mp, z_mp = symbols["g"], symbols["q"], symbols["z"]
    quad = sp.expand(quoted.lhs.subs({q_mp: gamma, z_mp: -kappa, g_mp: -G}))
    roots = sp.solve(quad, G)
    # product of the roots is −1/(γκ) < 0: exactly one is positive; pick it at a sample point
    pick = [r for r in roots if r.subs({gamma: 2, kappa: sp.Rational(1, 20)}).evalf() > 0]
    if len(pick) != 1:
        raise ValueError("expected exactly one positive root")
    mu = {e.lhs: e.rhs for e in coeffs}
    kap = sp.simplify(mu[mustar] ** 2 / mu[mu1] ** 2)
    value = (T0 - t_u * mu1 ** 2 * gamma * (1 - kappa * G)) / 2
    return (sp.Eq(quad, 0), sp.Eq(G, pick[0]), sp.Eq(kappa, kap),
            sp.Eq(eps_inf, value.subs(mu1, mu[mu1])))


def _floor(equiv):
    """γ → ∞ and γ → 0 of (equivalent-asymptotic-error), with G and κ inserted."""
    e = equiv[-1].rhs.subs(G, equiv[1].rhs).subs(kappa, equiv[2].rhs)
    Lim = sp.Function("Limit")
    return (sp.Eq(Lim(eps_inf, gamma, sp.oo), sp.simplify(sp.limit(e, gamma, sp.oo))),
            sp.Eq(Lim(eps_inf, gamma, 0), sp.simplify(sp.limit(e, gamma, 0, "+"))))


def _equivalence(d: Derivation) -> None:
    d.derive("equivalence-coefficients", "Gaussian-equivalence coefficients of erf",
             "g(x_k) ≈ μ₀ + μ₁x_k + μ_*z_k with z_k independent N(0, 1): μ₀ = E[g], μ₁ = E[g'] = E[ug(u)], "
             "μ_*² = E[g²] − μ₀² − μ₁².", transform((), _coefficients, "Gaussian integrals", name="integrate"),
             display=(sp.Eq(sp.Symbol("mu_0"), 0), sp.Eq(mu1, 1 / sp.sqrt(sp.pi)),
                      sp.Eq(mustar, sp.sqrt(sp.Rational(1, 3) - 1 / sp.pi))))
    d.derive("linearised-kernel", "The kernel at small overlaps",
             "Off-diagonal overlaps are O(N^{−1/2}); the slope of I2(1, c, 1) at c = 0 is μ₁² = 1/π and the next "
             "term is O(c³).", transform((), _linearised_kernel, "series of I2_erf in C12", name="series"))
    d.approximate("equivalent-moments", "Equivalent moments",
                  "β_b = bᵀC⁻¹b and τ_Q = tr[Q(μ₁²Q + μ_*²)⁻¹]/N: C ≈ μ₁²Q + μ_*²I and b ≈ μ₁² R 1_M (cubic terms: operator norm O(K^{1/2}N^{−3/2}) → 0); B is "
                  "independent of W, so uᵀWᵀ(·)Wu/N² ≈ (|u|²/N) tr(·)/N with u = Σ_n B_n, t_u = |u|²/N = Σ_nm T_nm.",
                  sp.Eq(sp.Symbol("beta_b"), t_u * mu1 ** 4 * sp.Symbol("tau_Q")),
                  checked_by=("equivalent-asymptotic-error",))
    stieltjes = registry.get("marchenko-pastur")["stieltjes-equation"]
    d.quote("marchenko-pastur", "Stieltjes equation of WWᵀ/N",
            "From the catalogue entry marchenko-pastur (g(z) = ∫ρ(s)/(z − s), ratio q = K/N for the K×K matrix "
            "WWᵀ/N, atom 1 − 1/q at 0 for q > 1).", stieltjes, checked_by=("equivalent-asymptotic-error",),
            reference="marchenko-pastur:stieltjes-equation")
    d.derive("equivalent-asymptotic-error", "Deterministic equivalent of ε_∞(K/N)",
             "(1/N)tr[Q(Q + κ)⁻¹] = γ(1 − κG), G = −g(−κ) > 0 from the Stieltjes equation at q = γ, z = −κ.",
             transform(("marchenko-pastur", "equivalence-coefficients"), _equivalent,
                       "insert q = γ, z = −κ, g = −G; take the positive root", name="solve"))
    d.derive("error-floor", "Limits in K/N",
             "γ → ∞: the linear part of the teacher is learnt, the rest is not, ε_∞ → ½(T₀ − t_u/π); γ → 0: "
             "ε_∞ → T₀/2 (nothing learnt).",
             transform("equivalent-asymptotic-error", _floor, "limits γ → ∞ and γ → 0", name="limit"))
