"""The MSR derivation of ``dmft-langevin``, parts 1–3: the model, its Martin–Siggia–Rose action and the
data average (Kramp, Lindner, Helias, arXiv:2602.23039, reconstruction in ``shared/reference/papers.md`` §1,
K-1, K-2); the symbols of the whole MSR derivation.

1. the model (K-1) and its data, the discrepancy Δ = w − w̄ and its SDE;
2. the Itô Euler–Maruyama step on t_k = k h and its MSR action density (δ functions written as
   Fourier integrals over the response field Δ̃, the Langevin noise averaged with SymPy);
3. the data term regrouped per sample: it depends on z_μ only through the linear fields
   a_{μk} = Σ_i √Λ_i z_{μi} Δ_{ik}, b_{μk} = Σ_i √Λ_i z_{μi} Δ̃_{ik}, Gaussian with the order
   parameters C, R, Q as covariances; the Gaussian average over (a, b, ε) done by SymPy for
   T steps gives P·W(C, R, Q).

The saddle point and the single-mode process follow in :mod:`derivations.dmft.msr_saddle`, the
continuum and the assembly in :mod:`derivations.dmft.msr_steps`.

>>> from derivations.engine import Derivation, Source
>>> d = Derivation("msr-demo", "MSR", Source("2602.23039", "Kramp, Lindner, Helias"))
>>> add_action_steps(d, 2)
>>> d.labels()[-1]
'sample-average'
"""
from __future__ import annotations

import sympy as sp

from derive import msr
from derive.dmft_symbols import I, J, LAM, N_MODES, WBAR, beta, c, g, sigma2, t
from derive.operations import transform

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


def add_action_steps(d, T: int) -> None:
    """Parts 1–3 (model, MSR action, data average over T Euler steps) on the derivation ``d``."""
    _model(d)
    _msr_action(d)
    _data_average(d, T)


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
