"""The Martin–Siggia–Rose derivation of the effective single-mode process, step by step.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1
(K-1 … K-6).  :func:`add_msr_steps` adds to a :class:`~derivations.engine.Derivation`:

1. the model (K-1) and its data, the discrepancy Δ = w − w̄ and its SDE;
2. the Itô Euler–Maruyama step on t_k = k h and its MSR action density (δ functions written as
   Fourier integrals over the response field Δ̃, the Langevin noise averaged with SymPy);
3. the data term regrouped per sample: it depends on z_μ only through the linear fields
   a_{μk} = Σ_i √Λ_i z_{μi} Δ_{ik}, b_{μk} = Σ_i √Λ_i z_{μi} Δ̃_{ik}, Gaussian with the order
   parameters C, R, Q as covariances; the Gaussian average over (a, b, ε) done by SymPy for
   T = :data:`T_STEPS` steps gives P·W(C, R, Q);
4. the total action with the conjugate fields Ĉ, R̂, Q̂; the large-N, large-P saddle point (an
   approximation, checked by simulation); at the causal point (Q = 0, R strictly lower
   triangular) the conjugates follow by ``sp.diff``: Ĉ = 0, R̂ = hcP ρᵀ, Q̂ = ½h²c²P ρC̄ρᵀ with
   ρ = (1 + hcS)⁻¹; the action then is a sum of N single-mode actions;
5. the single-mode process read off from its action: the discrete (K-3), the discrete collective
   kernel ρ̃ = cS − chSρ̃ (K-4) and the noise covariance ρC̄ρᵀ (K-6);
6. the continuum forms (h → 0) of the response equation, (K-3), (K-4) and (K-6), stated as
   approximations backed by numeric convergence checks.

The numeric checks (:mod:`derivations.dmft.msr_checks`, registered by :func:`add_msr_steps`): the
Gaussian average against Monte Carlo (``msr-gaussian-average``), the derived discrete statements
against an independent NumPy implementation (``msr-discrete-statements``), the discrete saddle point
against simulations of the exact discrete dynamics, extrapolated to N → ∞
(``msr-saddle-point-simulation``), the discrete process against a second-order solution of the
continuum equations as h → 0 (``msr-continuum-limit``) and that solution against the Laplace form
(K-5) (``msr-continuum-laplace``).  Their numerics (the discrete saddle point, the direct
simulation, the continuum and Laplace solutions) are in :mod:`numerics.dmft_discrete`.

>>> from derivations.engine import Derivation, Source
>>> d = Derivation("msr-demo", "MSR", Source("2602.23039", "Kramp, Lindner, Helias"))
>>> add_msr_steps(d)
>>> d.labels()[:3]
['langevin-sde', 'data-model', 'discrepancy']
>>> d["collective-response"]
Eq(tilde_rho(t), c*S(t) - c*Integral(S(t - u)*tilde_rho(u), (u, 0, t)))
"""
from __future__ import annotations

import sympy as sp

from derive import msr
from derive.dmft_symbols import (I, J, LAM, N_MODES, P, R, S, WBAR, beta, c, g, rho_t, s, sigma2, t, u)
from derive.operations import transform

#: number of time steps of the discretised derivation (the symbolic work scales with it)
T_STEPS = 3

# ---- symbols ------------------------------------------------------------------------------
w, Delta, xi, eta = (sp.Function(n) for n in ("w", "Delta", "xi", "eta"))
E, Cov = sp.Function("E"), sp.Function("Cov")
Cbar, C_Delta, K_eta = sp.Function("Cbar"), sp.Function("C_Delta"), sp.Function("K_eta")
phi, zz, y, eps = (sp.IndexedBase(n) for n in ("phi", "z", "y", "epsilon"))
DD, DT, XI = sp.IndexedBase("Delta"), sp.IndexedBase("Deltatilde"), sp.IndexedBase("xi")
A_F, B_F = sp.IndexedBase("a"), sp.IndexedBase("b")
C_OP, R_OP, Q_OP = sp.IndexedBase("C"), sp.IndexedBase("R"), sp.IndexedBase("Q")
C_HAT, R_HAT, Q_HAT = sp.IndexedBase("Chat"), sp.IndexedBase("Rhat"), sp.IndexedBase("Qhat")
S_D, RHO_D, RT_D = sp.IndexedBase("S"), sp.IndexedBase("rho"), sp.IndexedBase("rhotilde")
NU, ETA_D, DENS = sp.IndexedBase("nu"), sp.IndexedBase("eta"), sp.IndexedBase("s")
mu = sp.Symbol("mu", positive=True, integer=True)
#: the number of samples as the upper limit of sample sums: the shared P with the integer assumption
#: (numeric spot checks of a sum need an integer limit); identified with P where P·W appears
P_S = sp.Symbol("P", positive=True, integer=True)
k, l, m_ = (sp.Symbol(n, nonnegative=True, integer=True) for n in ("k", "l", "m"))
h = sp.Symbol("h", positive=True)
W_SYM, S_MSR = sp.Symbol("W"), sp.Symbol("S_MSR")
tp = sp.Symbol("t'", nonnegative=True)
ORDER = ((C_OP, C_HAT), (R_OP, R_HAT), (Q_OP, Q_HAT))

#: names of the numeric checks (derivations.dmft.msr_checks) that back the approximations
CHECK_SIM = "msr-saddle-point-simulation"
CHECK_LIMIT = "msr-continuum-limit"
CHECK_LAPLACE = "msr-continuum-laplace"


def add_msr_steps(d, steps: int = T_STEPS) -> None:
    """Add the MSR derivation (steps and numeric checks) to the derivation ``d``.

    ``steps`` is the number T of Euler steps used for the symbolic data average and saddle
    point (2 or 3 keep ``d.verify()`` fast; the structure does not depend on it).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 4:
        raise ValueError(f"steps must be an integer in [2, 4], got {steps!r}")
    _model(d)
    _msr_action(d)
    _data_average(d, steps)
    _saddle_point(d, steps)
    _single_mode_process(d, steps)
    _continuum(d)
    from derivations.dmft.msr_checks import register_msr_checks   # imports this module's symbols
    register_msr_checks(d, steps)


# =============================================================================================
# 1. model
# =============================================================================================

def _model(d) -> None:
    d.assume("langevin-sde", "Langevin dynamics (K-1)",
             "Gradient flow on L(w) = (c/2)‖y − Φw‖² + (g/2)‖w‖² with white noise ξ_i of unit "
             "intensity at inverse temperature β, w(0) = 0 (K-1).",
             sp.Eq(sp.Derivative(w(I, t), t),
                   -g * w(I, t) - c * msr.IndexSum(phi[mu, I] * (sp.Sum(phi[mu, J] * w(J, t), (J, 1, N_MODES))
                                                                   - y[mu]), (mu, 1, P_S)) + sp.sqrt(2 / beta) * xi(I, t)))
    d.assume("data-model", "Gaussian features and a linear teacher",
             "Features φ_μ = Λ^{1/2} z_μ with independent standard normal z_{μi}; labels "
             "y_μ = φ_μ·w̄ + ε_μ with independent label noise ε_μ ~ N(0, σ²).",
             (sp.Eq(phi[mu, I], sp.sqrt(LAM[I]) * zz[mu, I]),
              sp.Eq(y[mu], sp.Sum(phi[mu, J] * WBAR[J], (J, 1, N_MODES)) + eps[mu]),
              sp.Eq(E(zz[mu, I] * zz[mu, J]), sp.KroneckerDelta(I, J)),
              sp.Eq(E(eps[mu] ** 2), sigma2)))
    d.define("discrepancy", "Discrepancy from the teacher", "Δ_i = w_i − w̄_i; w(0) = 0 gives Δ_i(0) = −w̄_i.",
             (sp.Eq(w(I, t), Delta(I, t) + WBAR[I]), sp.Eq(DD[I, 0], -WBAR[I])))
    d.derive("discrepancy-sde", "SDE of the discrepancy",
             "Insert w = Δ + w̄ and the labels; the teacher's part of the residual cancels, "
             "Φw − y = ΦΔ − ε.",
             transform(("langevin-sde", "discrepancy", "data-model"), _discrepancy_sde,
                       "substitute (discrepancy) and the labels of (data-model) into (langevin-sde), "
                       "split the inner sums and cancel", name="substitute"))


def _discrepancy_sde(sde, disc, data):
    x_, t_ = sp.Dummy("x"), sp.Dummy("t")
    shift = disc[0].rhs.xreplace({I: x_, t: t_})
    out = sde.replace(w, sp.Lambda((x_, t_), shift))
    out = out.xreplace({data[1].lhs: data[1].rhs})
    return sp.Eq(out.lhs.doit(), msr.expand_terms(msr.expand_inner_sums(out.rhs)))


# =============================================================================================
# 2. the MSR action
# =============================================================================================

def _msr_action(d) -> None:
    d.derive("euler-maruyama", "Itô Euler–Maruyama step",
             "On the grid t_k = kh the drift is taken at the left point (Itô) and the white noise over "
             "one step is ξ_{ik}/√h with independent ξ_{ik} ~ N(0, 1).",
             transform("discrepancy-sde", lambda eq: msr.euler_maruyama(eq, Delta, xi, t, h, DD, XI, k),
                       "Itô Euler–Maruyama discretisation of (discrepancy-sde) on t_k = kh", name="discretise"))
    d.derive("msr-action", "MSR action density",
             "Each step is enforced by δ(Δ_{i,k+1} − …) = ∫dΔ̃_{ik}/(2πi) exp(Δ̃_{ik}(Δ_{i,k+1} − …)) "
             "(response field Δ̃ on the imaginary axis); the Gaussian average over ξ_{ik} gives "
             "(h/β)Δ̃². The generating functional is ∫DΔDΔ̃ exp(Σ_i Σ_{k=0}^{T−1} s_{ik}).",
             transform("euler-maruyama", lambda eq: sp.Eq(DENS[I, k], msr.msr_action_density(eq, DT[I, k], [XI[I, k]])),
                       "Fourier representation of the δ function of (euler-maruyama), Gaussian average "
                       "over ξ_{ik}", name="MSR"))


# =============================================================================================
# 3. data average
# =============================================================================================

def _data_average(d, T: int) -> None:
    d.define("linear-fields", "Linear fields of one sample",
             "The projections of the discrepancy and of the response field on sample μ.",
             (sp.Eq(A_F[mu, k], sp.Sum(sp.sqrt(LAM[I]) * zz[mu, I] * DD[I, k], (I, 1, N_MODES))),
              sp.Eq(B_F[mu, k], sp.Sum(sp.sqrt(LAM[I]) * zz[mu, I] * DT[I, k], (I, 1, N_MODES)))))
    d.derive("action-split", "The data enter through a and b only",
             "Insert φ = Λ^{1/2}z; the z-free part is the data-free action; in the rest exchange the "
             "sums over modes and samples: per sample and step it is hc b_{μk}(a_{μk} − ε_μ).",
             transform(("msr-action", "data-model", "linear-fields"), _action_split,
                       "substitute φ of (data-model) into (msr-action), separate the z-free part, recognise "
                       "a (linear-fields), exchange the mode and sample sums, recognise b", name="regroup"))
    d.define("order-parameters", "Order parameters",
             "Λ-weighted correlation of the discrepancies, correlation with the response fields, "
             "correlation of the response fields.",
             (sp.Eq(C_OP[k, l], sp.Sum(LAM[I] * DD[I, k] * DD[I, l], (I, 1, N_MODES))),
              sp.Eq(R_OP[k, l], sp.Sum(LAM[I] * DD[I, k] * DT[I, l], (I, 1, N_MODES))),
              sp.Eq(Q_OP[k, l], sp.Sum(LAM[I] * DT[I, k] * DT[I, l], (I, 1, N_MODES)))))
    d.derive("field-covariances", "a and b are Gaussian with covariances C, R, Q",
             "Over z_μ (E z_{μi}z_{μj} = δ_{ij}) the linear fields are jointly Gaussian; their "
             "covariances are the order parameters.",
             transform(("linear-fields", "data-model", "order-parameters"), _field_covariances,
                       "E[(Σ_i u_i z_i)(Σ_j v_j z_j)] = Σ_i u_i v_i for the pairs of (linear-fields), "
                       "recognise (order-parameters)", name="Gaussian covariance"))
    d.derive("sample-average", f"Average over one sample (T = {T} steps)",
             f"For T = {T} steps, average exp(Σ_k hc b_k(a_k − ε)) over the Gaussian (a_0…a_{{T−1}}, "
             "b_0…b_{T−1}, ε) by completing the square: W = −½ log det(1 − MΣ) with M the Hessian of "
             "the exponent and Σ the covariance; P independent samples give P·W(C, R, Q).",
             transform(("action-split", "field-covariances", "data-model"), lambda *a: _sample_average(*a, T=T),
                       f"Gaussian average of the per-sample exponent of (action-split) over (a, b, ε) with the "
                       f"covariances of (field-covariances) and (data-model), T = {T}", name="Gaussian integral"))


def _action_split(density, data, fields):
    dz = msr.substitute_indexed(density.rhs, data[0])
    free = msr.drop_zero_sums(dz.replace(lambda e: isinstance(e, sp.Indexed) and e.base == zz, lambda e: 0))
    coupled = msr.recognise_sum(msr.expand_terms(dz - free), fields[0])
    total = msr.pull_out(sp.Sum(coupled, (I, 1, N_MODES)))
    total = total.replace(lambda e: isinstance(e, sp.Sum) and e.limits[0][0] == I, msr.swap_sums)
    total = msr.recognise_sum(total, fields[1])
    if total.has(zz):
        raise ValueError(f"the data term still depends on z beyond a and b: {total}")
    return sp.Eq(sp.Sum(density.lhs, (I, 1, N_MODES)), sp.Sum(free, (I, 1, N_MODES)) + total)


def _field_covariances(fields, data, order):
    if data[2].rhs != sp.KroneckerDelta(I, J):
        raise ValueError("the covariance rule needs independent standard normal z (data-model)")
    x = {"a": fields[0].rhs, "b": fields[1].rhs}
    out = []
    for (p, q), op in zip((("a", "a"), ("a", "b"), ("b", "b")), order):
        second = x[q].xreplace({k: l}).xreplace({I: J})
        cov = msr.covariance_of_linear_forms(x[p], second, zz)
        lhs = E((A_F if p == "a" else B_F)[mu, k] * (A_F if q == "a" else B_F)[mu, l])
        out.append(sp.Eq(lhs, msr.recognise_sum(cov, op)))
    return tuple(out)


def _sample_term(split):
    """hc(a_{μk} − ε_μ)b_{μk}: the summand of the sample sum in (action-split)."""
    (term,) = [a for a in sp.Add.make_args(split.rhs) if a.has(mu)]
    (the_sum,) = [f for f in sp.preorder_traversal(term) if isinstance(f, sp.Sum) and f.limits[0][0] == mu]
    if the_sum.limits[0][1:] != (1, P_S):
        raise ValueError("the data term must be a sum over the P samples")
    return term.xreplace({the_sum: the_sum.function})


def _sample_average(split, covs, data, T):
    per_step = _sample_term(split)
    exponent = sp.Add(*(per_step.xreplace({k: j}) for j in range(T)))
    x = [A_F[mu, j] for j in range(T)] + [B_F[mu, j] for j in range(T)] + [eps[mu]]
    table = {}
    for eq in covs:
        p, q = eq.lhs.args[0].args
        for k1 in range(T):
            for l1 in range(T):
                pair = (p.xreplace({k: k1}), q.xreplace({l: l1}))
                table[pair] = eq.rhs.xreplace({k: k1, l: l1})
                if p.base != q.base:          # E(b a) = E(a b); E(a_l a_k) comes from the pair (l, k)
                    table[pair[::-1]] = table[pair]
    noise_var = data[3]
    if noise_var.lhs != E(eps[mu] ** 2):
        raise ValueError("(data-model) must give the label-noise variance E(ε_μ²)")

    def entry(p, q):
        if eps[mu] in (p, q):          # ε is independent of z, hence of a and b
            return noise_var.rhs if p == q else 0
        return table[(p, q)]

    sigma = sp.Matrix(len(x), len(x), lambda r, s_: entry(x[r], x[s_]))
    return sp.Eq(W_SYM, msr.gaussian_log_average(exponent, x, sigma, evaluate=False))


# =============================================================================================
# 4. saddle point
# =============================================================================================

def _grid(T):
    return [(k1, l1) for k1 in range(T) for l1 in range(T)]


def _saddle_point(d, T: int) -> None:
    d.derive("total-action", "Action with order parameters and conjugate fields",
             "Enforce the definitions of C, R, Q by δ functions, ∫dX̂ exp(−X̂(X − X[Δ, Δ̃])); the data "
             "average of the P samples gives P·W(C, R, Q). Each mode appears only in its own term.",
             transform(("action-split", "sample-average", "order-parameters"), lambda *a: _total_action(*a, T=T),
                       f"sum (action-split) over k = 0 … {T - 1}, add P·W from (sample-average) and the conjugate terms "
                       "of (order-parameters)", name="assemble"))
    d.approximate("saddle-point", "Saddle point for N, P → ∞",
                  "For many modes and samples the integral over the order parameters and their conjugates is "
                  "dominated by the stationary point of the action (corrections O(1/N)); this is the one "
                  "approximation of the derivation.",
                  tuple(sp.Eq(sp.Derivative(S_MSR, X[k, l], evaluate=False), 0)
                        for X in (C_OP, R_OP, Q_OP, C_HAT, R_HAT, Q_HAT)),
                  checked_by=(CHECK_SIM,))
    causal = []
    for k1, l1 in _grid(T):
        causal.append(sp.Eq(Q_OP[k1, l1], 0))
    for k1, l1 in _grid(T):
        causal.append(sp.Eq(R_OP[k1, l1], -S_D[k1, l1] if k1 > l1 else 0))
    causal += [sp.Eq(C_OP[k1, l1], C_OP[l1, k1]) for k1, l1 in _grid(T) if k1 > l1]
    d.assume("causal-point", "The causal solution",
             "Correlations of response fields alone vanish (the MSR measure is normalised); with the Itô "
             "step Δ_k depends on the noise of earlier steps only, so R_{kl} = ⟨ΔΔ̃⟩ vanishes unless k exceeds l, "
             "where −R_{kl} = S_{kl} is the Λ-weighted response of step k to a kick in step l; C is symmetric.",
             tuple(causal))
    rho, cbar = _rho_matrix(T), _cbar_matrix(T)
    shown = [sp.Eq(W_SYM, 0)]
    shown += [sp.Eq(C_HAT[k1, l1], 0) for k1, l1 in _grid(T)]
    shown += [sp.Eq(R_HAT[k1, l1], sp.expand(h * c * P * rho[l1, k1])) for k1, l1 in _grid(T)]
    shown += [sp.Eq(Q_HAT[k1, l1], h ** 2 * c ** 2 * P / 2 * sp.Add(*(
        rho[k1, m1] * cbar[m1, n1] * rho[l1, n1] for m1 in range(T) for n1 in range(T)))) for k1, l1 in _grid(T)]
    d.derive("conjugates", "Conjugate fields at the causal point",
             "Differentiate the action by each order parameter (sp.diff), solve for its conjugate and "
             "evaluate at the causal point: W = 0 (normalisation), Ĉ = 0, R̂ = hcP ρᵀ and "
             "Q̂ = ½h²c²P ρC̄ρᵀ with ρ = (1 + hcS)⁻¹ and C̄ = C + σ²11ᵀ.",
             transform(("total-action", "sample-average", "causal-point", "saddle-point"),
                       lambda *a: _conjugates(*a, T=T),
                       "∂S/∂X = 0 for X = C, R, Q by sp.diff of (total-action) with W from (sample-average), "
                       "solved for X̂, at (causal-point)", name="saddle point"),
             display=tuple(shown))
    d.derive("self-consistency", "Order parameters at the saddle point",
             "∂S/∂X̂ = 0: each order parameter is its Λ-weighted average over the single-mode measures; "
             "in particular S_{kl} = −Σ_i Λ_i ⟨Δ_{ik} Δ̃_{il}⟩ = Σ_i Λ_i ∂⟨Δ_{ik}⟩/∂(kick in step l).",
             transform(("total-action", "saddle-point"), lambda a, _: _self_consistency(a, T=T),
                       "sp.diff of (total-action) by each conjugate field, averaged over the effective measure",
                       name="saddle point"))
    d.derive("effective-action", "N independent single-mode actions",
             "Insert the saddle point (W = 0, Ĉ = 0 and the conjugates that vanish): the action is a sum "
             "over modes of single-mode actions that share R̂ (the kernel ρ) and Q̂ (the noise statistic); "
             "the constant terms cancel.",
             transform(("total-action", "sample-average", "causal-point", "conjugates"), _effective_action,
                       "substitute (conjugates), (causal-point) and W into (total-action), separate the mode sum",
                       name="substitute"))


def _rho_matrix(T):
    Smat = sp.Matrix(T, T, lambda a, b: S_D[a, b] if a > b else 0)
    return (sp.eye(T) + h * c * Smat).inv().applyfunc(sp.expand)


def _cbar_matrix(T):
    return sp.Matrix(T, T, lambda a, b: C_OP[min(a, b), max(a, b)] + sigma2)


def _rho_from_tilde(T):
    return sp.Matrix(T, T, lambda a, b: (1 if a == b else 0) - (h * RT_D[a, b] if a > b else 0))


def _total_action(split, avg, order, T):
    free = [a for a in sp.Add.make_args(split.rhs) if not a.has(mu)]
    (free_sum,) = free
    mode = sp.Add(*(free_sum.function.xreplace({k: j}) for j in range(T)))
    constant = sp.Integer(0)
    for (X, Xh), definition in zip(ORDER, order):
        for k1, l1 in _grid(T):
            mode += Xh[k1, l1] * definition.rhs.function.xreplace({k: k1, l: l1})
            constant -= Xh[k1, l1] * X[k1, l1]
    (samples,) = [e for e in sp.preorder_traversal(split.rhs) if isinstance(e, sp.Sum) and e.limits[0][0] == mu]
    count = (samples.limits[0][2] - samples.limits[0][1] + 1).xreplace({P_S: P})   # P i.i.d. samples
    return sp.Eq(S_MSR, sp.Sum(sp.expand(mode), (I, 1, N_MODES)) + count * avg.lhs + constant)


def _point(causal):
    return {eq.lhs: eq.rhs for eq in causal}


def _conjugates(total, avg, causal, _saddle, T):
    action = total.rhs.xreplace({avg.lhs: avg.rhs})
    point = _point(causal)
    norm = sp.simplify(msr.evaluate_determinants(avg.rhs.xreplace(point)))
    out = [sp.Eq(avg.lhs, norm)]
    for X, Xh in ORDER:
        for k1, l1 in _grid(T):
            out.append(msr.conjugate_at(action, X[k1, l1], Xh[k1, l1], point))
    return tuple(out)


def _expectation(expr):
    """Λ_i·(fields) inside the mode sums → Λ_i E(fields)."""
    def wrap(s_):
        fields = [f for f in sp.Mul.make_args(s_.function) if isinstance(f, (sp.Indexed, sp.Pow)) and f.has(DD, DT)]
        rest = [f for f in sp.Mul.make_args(s_.function) if f not in fields]
        return sp.Sum(sp.Mul(*rest) * E(sp.Mul(*fields)), *s_.limits)
    return expr.replace(lambda e: isinstance(e, sp.Sum), wrap)


def _self_consistency(total, T):
    out = []
    for X, Xh in ORDER:
        for k1, l1 in _grid(T):
            if X is not R_OP and k1 > l1:
                continue
            value = msr.drop_zero_sums(sp.diff(total.rhs, Xh[k1, l1])) + X[k1, l1]
            out.append(sp.Eq(X[k1, l1], _expectation(value)))
    return tuple(out)


def _effective_action(total, avg, causal, conj):
    """Insert W and the vanishing conjugates at the causal point; keep the others as symbols."""
    point = _point(causal)
    values = {eq.lhs: eq.rhs for eq in conj}
    zeros = {lhs: 0 for lhs, rhs in values.items() if rhs == 0}
    expr = total.rhs.xreplace({avg.lhs: values[avg.lhs]}).xreplace(zeros).xreplace(point)
    sums = [a for a in sp.Add.make_args(expr) if isinstance(a, sp.Sum)]
    rest = sp.expand(expr - sp.Add(*sums))
    if rest.has(DD, DT):
        raise ValueError("the action does not separate into modes")
    (mode_sum,) = sums
    return sp.Eq(S_MSR, sp.Sum(sp.expand(mode_sum.function), *mode_sum.limits) + rest)


# =============================================================================================
# 5. the single-mode process
# =============================================================================================

def _single_mode_process(d, T: int) -> None:
    d.define("data-response-discrete", "Data-side response ρ and its kernel ρ̃",
             "ρ is read from the conjugate of R, ρ_{kl} = R̂_{lk}/(hcP); its non-instantaneous part ρ̃ is the "
             "discrete form of ρ(t) = δ(t) − ρ̃(t).",
             (sp.Eq(RHO_D[k, l], R_HAT[l, k] / (h * c * P)),
              sp.Eq(RHO_D[k, l], sp.KroneckerDelta(k, l) - h * RT_D[k, l])))
    d.derive("collective-response-discrete", "Collective response kernel on the grid (K-4, discrete)",
             "ρ from the conjugates is the inverse of 1 + hcS; with ρ = 1 − hρ̃, the entries of "
             "(1 + hcS)(1 − hρ̃) = 1 give ρ̃ = cS − ch Sρ̃, the discrete form of (K-4).",
             transform(("conjugates", "data-response-discrete"), lambda a, b: _collective_discrete(a, b, T=T),
                       "read ρ from (conjugates) by (data-response-discrete), check (1 + hcS)ρ = 1, "
                       "solve the entries of (1 + hcS)(1 − hρ̃) = 1 for ρ̃", name="invert"))
    rho = _rho_from_tilde(T)
    cbar = _cbar_matrix(T)
    kernel = {(k1, l1): sp.Add(*(rho[k1, m1] * cbar[m1, n1] * rho[l1, n1] for m1 in range(T) for n1 in range(T)))
              for k1, l1 in _grid(T) if k1 <= l1}
    d.derive("noise-kernel-discrete", "One common noise statistic (K-6, discrete)",
             "Read the noise covariance of mode i off its action (the Hessian in Δ̃) and write S through ρ̃. "
             "Its P = 0 part is the Langevin noise 2h/β; the rest, divided by h²c²PΛ_i, is the same for "
             "every mode: the covariance of the data noise η is ρC̄ρᵀ with ρ = 1 − hρ̃, C̄ = C + σ²11ᵀ, "
             "the discrete (K-6).",
             transform(("effective-action", "conjugates", "collective-response-discrete"),
                       lambda *a: _noise_kernel(*a, T=T),
                       "read off the noise covariance of (effective-action) with (conjugates), insert S solved "
                       "from (collective-response-discrete), subtract the P = 0 part, divide by h²c²PΛ_i, check "
                       "that no mode index is left", name="read off"),
             display=tuple(sp.Eq(Cov(ETA_D[k1], ETA_D[l1]), v) for (k1, l1), v in kernel.items()))
    shown = []
    for k1 in range(T):
        memory = sp.Add(*(RT_D[k1, m1] * DD[I, m1] for m1 in range(k1)))
        shown.append(sp.Eq(DD[I, k1 + 1], DD[I, k1] - h * (g * DD[I, k1] + g * WBAR[I]
                           + c * P * LAM[I] * (DD[I, k1] - h * memory)) + NU[I, k1]))
    shown += [sp.Eq(Cov(NU[I, k1], NU[I, l1]), h ** 2 * c ** 2 * P * LAM[I] * Cov(ETA_D[k1], ETA_D[l1])
                    + (2 * h / beta if k1 == l1 else 0)) for k1, l1 in _grid(T) if k1 <= l1]
    d.derive("effective-process-discrete", "The single-mode process on the grid (K-3, discrete)",
             "Read the action of mode i as the path weight of Δ_{i,k+1} = F_k + ν_{ik} with Gaussian ν "
             "and write S through ρ̃: the memory term −hcPΛ_i(Δ_{ik} − hΣ_{m=0}^{k−1}ρ̃_{km} Δ_{im}) "
             "of (K-3) appears; the noise is ν_{ik} = hc√(PΛ_i) η_k + √(2h/β) ξ_{ik} with η of (K-6).",
             transform(("effective-action", "conjugates", "collective-response-discrete", "noise-kernel-discrete"),
                       lambda *a: _read_off(*a, T=T),
                       "read off drift and noise covariance from (effective-action) with (conjugates), insert S "
                       "solved from (collective-response-discrete), recognise (noise-kernel-discrete)",
                       name="read off"),
             display=tuple(shown))


def _collective_discrete(conj, defs, T):
    values = {eq.lhs: eq.rhs for eq in conj}
    rho = sp.Matrix(T, T, lambda a, b: sp.expand(defs[0].rhs.xreplace({k: a, l: b}).xreplace(values)))
    Smat = sp.Matrix(T, T, lambda a, b: S_D[a, b] if a > b else 0)
    if ((sp.eye(T) + h * c * Smat) * rho - sp.eye(T)).applyfunc(sp.expand) != sp.zeros(T, T):
        raise ValueError("ρ read from the conjugates is not the inverse of 1 + hcS")
    tilde = sp.Matrix(T, T, lambda a, b: sp.solve(defs[1].xreplace({k: a, l: b}).xreplace(
        {RHO_D[a, b]: rho[a, b]}), RT_D[a, b])[0] if a > b else 0)
    if any(tilde[a, b] != 0 for a in range(T) for b in range(T) if a <= b):
        raise ValueError("ρ̃ is not strictly causal")
    unknown = sp.Matrix(T, T, lambda a, b: RT_D[a, b] if a > b else 0)
    product = ((sp.eye(T) + h * c * Smat) * (sp.eye(T) - h * unknown) - sp.eye(T)).applyfunc(sp.expand)
    out = []
    for a, b in _grid(T):
        if a > b:
            (root,) = sp.solve(product[a, b], RT_D[a, b])
            out.append(sp.Eq(RT_D[a, b], sp.expand(root)))
    return tuple(out)


def _solve_s(collective):
    """S_kl in terms of ρ̃ from the discrete (K-4) recursion."""
    unknowns = sorted({x for eq in collective for x in eq.atoms(sp.Indexed) if x.base == S_D}, key=str)
    (solution,) = sp.solve([eq.lhs - eq.rhs for eq in collective], unknowns, dict=True)
    return solution


def _mode_process(eff, conj, collective, T):
    """Drifts and noise covariance of the single-mode action, S written through ρ̃."""
    (mode_sum,) = [a for a in sp.Add.make_args(eff.rhs) if isinstance(a, sp.Sum)]
    action = sp.expand(mode_sum.function.xreplace({eq.lhs: eq.rhs for eq in conj}))
    drifts, K = msr.read_off_process(action, [DT[I, j] for j in range(T)], [DD[I, j + 1] for j in range(T)])
    to_tilde = _solve_s(collective)
    return [sp.expand(F.xreplace(to_tilde)) for F in drifts], K.applyfunc(lambda e: sp.expand(e.xreplace(to_tilde)))


def _noise_kernel(eff, conj, collective, T):
    _, K = _mode_process(eff, conj, collective, T)
    out = []
    for a, b in _grid(T):
        if a > b:
            continue
        data_part = sp.expand(K[a, b] - K[a, b].xreplace({P: 0}))
        value = sp.expand(sp.cancel(data_part / (h ** 2 * c ** 2 * P * LAM[I])))
        if value.has(I):
            raise ValueError(f"the data noise of Cov(ν_{a}, ν_{b}) depends on the mode: {value}")
        out.append(sp.Eq(Cov(ETA_D[a], ETA_D[b]), value))
    return tuple(out)


def _read_off(eff, conj, collective, kernel, T):
    drifts, K = _mode_process(eff, conj, collective, T)
    out = [sp.Eq(DD[I, j + 1], F + NU[I, j]) for j, F in enumerate(drifts)]
    for eq in kernel:
        a, b = eq.lhs.args[0].indices[0], eq.lhs.args[1].indices[0]
        langevin = sp.expand(K[a, b].xreplace({P: 0}))
        if sp.expand(K[a, b] - langevin - h ** 2 * c ** 2 * P * LAM[I] * eq.rhs) != 0:
            raise ValueError(f"the noise covariance ({a}, {b}) is not Langevin + data noise of (K-6)")
        out.append(sp.Eq(Cov(NU[I, a], NU[I, b]), h ** 2 * c ** 2 * P * LAM[I] * eq.lhs + langevin))
    return tuple(out)


# =============================================================================================
# 6. continuum
# =============================================================================================

def _continuum(d) -> None:
    backing = (CHECK_LIMIT, CHECK_LAPLACE)
    d.approximate("response-equation", "Response of mode i (continuum)",
                  "h → 0 of the response of the discrete process to a kick (Δ_{i,l+1+j} per unit ν_{il} → "
                  "R_i(jh)): the forward difference becomes dR_i/dt and hΣ_m ρ̃_{km} χ_{ml} the convolution.",
                  sp.Eq(sp.Derivative(R(I, t), t), -g * R(I, t) - c * P * LAM[I] * (
                      R(I, t) - sp.Integral(rho_t(t - s) * R(I, s), (s, 0, t)))),
                  checked_by=backing)
    d.define("lambda-weighted-response", "Λ-weighted response",
             "Continuum form of S_{kl} = Σ_i Λ_i χ_{i,kl} (self-consistency), time-translation invariant.",
             sp.Eq(S(t), sp.Sum(LAM[I] * R(I, t), (I, 1, N_MODES))))
    d.approximate("collective-response", "Collective response kernel (K-4)",
                  "h → 0 of ρ̃ = cS − chSρ̃ (discrete K-4), lags k − l − 1 → t/h; ρ(t) = δ(t) − ρ̃(t) (K-4).",
                  sp.Eq(rho_t(t), c * S(t) - c * sp.Integral(S(t - u) * rho_t(u), (u, 0, t))),
                  checked_by=backing)
    d.approximate("effective-process", "Effective single-mode process (K-3)",
                  "h → 0 of the discrete process: ν_{ik} = hc√(PΛ_i)η_k + √(2h/β)ξ_{ik} becomes "
                  "c√(PΛ_i)η_i(t)dt + √(2/β)dW_i, with η_i independent across modes (K-3).",
                  sp.Eq(sp.Derivative(Delta(I, t), t),
                        -g * Delta(I, t) - g * WBAR[I]
                        - c * P * LAM[I] * (Delta(I, t) - sp.Integral(rho_t(t - s) * Delta(I, s), (s, 0, t)))
                        + c * sp.sqrt(P * LAM[I]) * eta(I, t) + sp.sqrt(2 / beta) * xi(I, t)),
                  checked_by=(CHECK_LIMIT, CHECK_SIM))
    d.approximate("noise-kernel", "Noise statistic (K-6)",
                  "h → 0 of Cov(η_k, η_l) = (ρC̄ρᵀ)_{kl} with ρ = 1 − hρ̃: ⟨η_i(t)η_i(t')⟩ = K_η(t, t') "
                  "for every mode, C_Δ(t, t') = Σ_j Λ_j⟨Δ_j(t)Δ_j(t')⟩, C̄ = C_Δ + σ² (K-6).",
                  (sp.Eq(K_eta(t, tp), Cbar(t, tp) - sp.Integral(rho_t(t - u) * Cbar(u, tp), (u, 0, t))
                         - sp.Integral(rho_t(tp - u) * Cbar(t, u), (u, 0, tp))
                         + sp.Integral(rho_t(t - u) * sp.Integral(rho_t(tp - s) * Cbar(u, s), (s, 0, tp)), (u, 0, t))),
                   sp.Eq(Cbar(t, tp), C_Delta(t, tp) + sigma2),
                   sp.Eq(C_Delta(t, tp), sp.Sum(LAM[J] * E(Delta(J, t) * Delta(J, tp)), (J, 1, N_MODES)))),
                  checked_by=(CHECK_LIMIT, CHECK_SIM))
