"""The MSR derivation of ``dmft-langevin``, parts 4–5: the saddle point and the single-mode process
(Kramp, Lindner, Helias, arXiv:2602.23039, reconstruction in ``shared/reference/papers.md`` §1,
K-3, K-4, K-6).

4. the total action with the conjugate fields Ĉ, R̂, Q̂; the large-N, large-P saddle point (an
   approximation, checked by simulation); at the causal point (Q = 0, R strictly lower
   triangular) the conjugates follow by ``sp.diff``: Ĉ = 0, R̂ = hcP ρᵀ, Q̂ = ½h²c²P ρC̄ρᵀ with
   ρ = (1 + hcS)⁻¹; the action then is a sum of N single-mode actions;
5. the single-mode process read off from its action: the discrete (K-3), the discrete collective
   kernel ρ̃ = cS − chSρ̃ (K-4) and the noise covariance ρC̄ρᵀ (K-6).

They continue the steps of :mod:`derivations.dmft.msr_action` (whose symbols they use).
"""
from __future__ import annotations

import sympy as sp

from derive import msr
from derive.dmft_symbols import I, LAM, N_MODES, P, WBAR, beta, c, g, sigma2
from derive.operations import transform
from derivations.dmft.msr_action import (C_HAT, C_OP, CHECK_SIM, DD, DT, ETA_D, NU, ORDER, P_S, Q_HAT, Q_OP,
                                         R_HAT, R_OP, RHO_D, RT_D, S_D, S_MSR, W_SYM, Cov, E, h, k, l, mu)


def add_saddle_steps(d, T: int) -> None:
    """Parts 4–5 (saddle point, single-mode process) on ``d``, after the action steps
    (:func:`derivations.dmft.msr_action.add_action_steps`)."""
    _saddle_point(d, T)
    _single_mode_process(d, T)


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
