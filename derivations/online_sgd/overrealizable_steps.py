"""``online-sgd-overrealizable``: the soft mode of over-realizable online learning (K = 2, M = 1).

Richert, Worschech & Rosenow, arXiv:2104.14546 (sheet §4b): an erf soft committee machine with
K = 2 student units learns a teacher with M = 1 unit by online SGD (isotropic input, L = 1, clean
labels).  With outputs rescaled as c_K = 1/K, c_M = 1/M the error signal is
δ_i = c_K² g'(x_i)((c_M/c_K) g(y) − Σ_j g(x_j)) = ¼ δ_i⁽⁰⁾, δ⁽⁰⁾ the signal of an unnormalised
student whose teacher has two identical units: the dynamics is that of the generated K = M = 2
equations with T_nm = 1 at learning rate η/4, and ε_g is a quarter of theirs.  Perfect learning is
the replicated point J_1 = J_2 = B (both units copy the teacher).  On the exchange-symmetric
invariant manifold (P = |m|²/N, D = |d|²/N, p = m·B/N; m, d = (J_1 ± J_2)/2) the Jacobian there has
one zero eigenvalue (the soft mode D); the centre manifold P = 1 + D + O(D²), p = 1 + D/2 + O(D²)
gives

    dD/dα = −κ D² + O(D³),  κ = 8√3 η/(9π),     ε_g = c₂(η) D² + O(D³),

so D ≈ 1/(κα) and ε_g ≈ c₂/(κ²α²): Rate(ε_g, α) = 2 (p = 2, k = 2 in ε ∝ α^(−k/(p−1))).

The other two output conventions of the project show no power law: unnormalised (c = 1) the
student switches its second unit off (J_2 → 0, a hyperbolic fixed point, exponential approach);
with c = 1/√K the teacher is not realizable by the student (ε_g tends to a positive floor).

>>> from derivations import registry
>>> registry.get(NAME)["rate"]
Eq(Rate(varepsilon_g, alpha), 2)
"""
from __future__ import annotations

import functools

import sympy as sp

from derive import committee_odes as co
from derive.operations import transform
from derivations.engine import Derivation, Source

NAME = "online-sgd-overrealizable"
TITLE = "Over-realizable online SGD (K = 2, M = 1): the soft mode and the power law ε_g ∝ α⁻²"
SOURCE = Source("2104.14546", "Richert, Worschech, Rosenow", "2021",
                "Soft mode in the dynamics of over-realizable on-line learning for soft committee machines",
                section="abstract only; exponent derived here (sheet §4b)")

cK, cM = sp.symbols("c_K c_M", positive=True)
alpha = sp.Symbol("alpha", positive=True)
Pm, Dm, pm = sp.symbols("P D p", real=True)
D0 = sp.Symbol("D_0", positive=True)
eta0 = sp.Symbol("eta_0", positive=True)
eps_g, eps_g0 = sp.symbols("varepsilon_g varepsilon_g0")
sigma_s, zeta_s, loss_s = sp.symbols("sigma zeta varepsilon")
kappa_s, c2_s = sp.symbols("kappa c_2")
Rate = sp.Function("Rate")
Lead = sp.Function("Lead")
x1, x2 = co.student_fields(2)
(y1,) = co.teacher_fields(1)
POINT = {Pm: 1, Dm: 0, pm: 1}


@functools.cache
def derivation() -> Derivation:
    """The steps of ``online-sgd-overrealizable`` (built once; the face :mod:`derivations.online_sgd` attaches
    the checks)."""
    d = Derivation(NAME, TITLE, SOURCE, assumptions=(co.eta, cK, cM, alpha, D0), summary=(
        "Erf soft committee machines, K = 2 student and M = 1 teacher units, isotropic Gaussian input, online "
        "SGD at learning rate η, clean labels; outputs rescaled c_K = 1/K, c_M = 1/M so that replicating the "
        "teacher is a perfect solution."))
    _model(d)
    _manifold(d)
    _soft_mode(d)
    return d


# ---- model and the duplicated-teacher form ----------------------------------------------------

def _gprime(expr):
    return expr.replace(lambda e: isinstance(e, sp.Derivative) and e.expr.func == co.g,
                        lambda e: co.gprime(e.expr.args[0]))


def _signals(model):
    sigma, zeta, loss = (eq.rhs for eq in model)
    loss = loss.xreplace({sigma_s: sigma, zeta_s: zeta})
    return tuple(sp.Eq(sp.Symbol(f"delta_{i + 1}"), sp.factor(_gprime(-sp.diff(loss, x))))
                 for i, x in enumerate((x1, x2)))


def _duplicated(model, signals):
    """c_K = 1/2, c_M = 1: δ_i = δ_i⁽⁰⁾/4 and ε = ε⁽⁰⁾/4 for the unnormalised K = M = 2 model with
    y_2 = y_1 (checked by expansion); hence learning rate η/4 and error/4."""
    rescale = {cK: sp.Rational(1, 2), cM: 1}
    y1d, y2d = co.teacher_fields(2)
    same = {y1d: y1, y2d: y1, co.noise: 0}
    dup = [e.xreplace(same) for e in co.error_signals(2, 2, False)]
    for eq, ref in zip(signals, dup):
        if sp.expand(eq.rhs.xreplace(rescale) - ref / 4) != 0:
            raise ValueError(f"{eq.lhs} is not a quarter of the duplicated-teacher signal")
    sigma, zeta = (e.xreplace(same) for e in co.outputs(2, 2, False))
    loss = model[2].rhs.xreplace({sigma_s: model[0].rhs, zeta_s: model[1].rhs}).xreplace(rescale)
    if sp.expand(loss - (zeta - sigma) ** 2 / 8) != 0:
        raise ValueError("the rescaled loss is not a quarter of the duplicated-teacher loss")
    return (sp.Eq(eta0, co.eta / 4), sp.Eq(eps_g, eps_g0 / 4))


def _model(d: Derivation) -> None:
    d.define("model", "Over-realizable student and teacher",
             "σ = c_K(g(x_1) + g(x_2)), ζ = c_M g(y), ε = ½(ζ − σ)², g(x) = erf(x/√2); K = 2 > M = 1.",
             (sp.Eq(sigma_s, cK * (co.g(x1) + co.g(x2))), sp.Eq(zeta_s, cM * co.g(y1)),
              sp.Eq(loss_s, (zeta_s - sigma_s) ** 2 / 2)))
    d.derive("error-signals", "Error signals", "δ_i = −∂ε/∂x_i = c_K g'(x_i)(c_M g(y) − c_K Σ_j g(x_j)).",
             transform("model", _signals, "differentiate the loss", name="differentiate"))
    d.derive("duplicated-teacher", "Rescaled outputs = duplicated teacher at η/4",
             "With c_K = 1/K = 1/2, c_M = 1/M = 1: δ_i = ¼·δ_i^(0) and ε = ¼·ε^(0), where ^(0) marks the unnormalised "
             "K = M = 2 machine whose two teacher units are equal (y_1 = y_2 = y). The SGD step at η is its step "
             "at η_0 = η/4; below, the generated K = M = 2 ODE with T_nm = 1 (η stands for η_0).",
             transform(("model", "error-signals"), _duplicated, "set c_K = 1/2, c_M = 1; compare",
                       name="substitute"))


# ---- the exchange-symmetric invariant manifold ------------------------------------------------

def _overlap_map(isotropic):
    """The first-order overlaps on the manifold, with λ, f, σ_ε from (isotropic-teacher) and T_nm = 1."""
    Q, R, T = co.overlap_matrices(2, 2)
    sub = {eq.lhs: eq.rhs for eq in isotropic}
    sub.update({T[0, 0]: 1, T[1, 1]: 1, T[0, 1]: 1, Q[0, 0]: Pm + Dm, Q[1, 1]: Pm + Dm, Q[0, 1]: Pm - Dm})
    sub.update({R[i, n]: pm for i in range(2) for n in range(2)})
    return Q, R, T, sub


def _duplicated_machine(dup):
    """The machine of (duplicated-teacher): the unnormalised K = M = 2 erf committee at η_0 = η/4 (checked),
    whose generated ODE is written in η (standing for η_0)."""
    if dup[0] != sp.Eq(eta0, co.eta / 4) or dup[1].lhs != eps_g:
        raise ValueError(f"(duplicated-teacher) is not the rescaling to η/4: {dup}")
    return co.committee_odes(2, 2, "erf", False)


def _manifold_odes(dup, isotropic):
    """(dP/dα, dD/dα, dp/dα) on the manifold from the generated ODE of the duplicated machine; the
    invariance of the manifold is checked."""
    ode = _duplicated_machine(dup)
    Q, R, T, sub = _overlap_map(isotropic)
    A, B, E = (X.xreplace(sub) for X in (ode.A, ode.B, ode.E))
    Qm, Rm = Q.xreplace(sub), R.xreplace(sub)
    Tm = sp.ones(2, 2)
    dR = co.eta * (A * Rm + B * Tm)
    dQ = co.eta * (A * Qm + Qm * A.T + B * Rm.T + Rm * B.T) + co.eta ** 2 * E
    for lhs, rhs in ((dQ[0, 0], dQ[1, 1]), (dR[0, 0], dR[1, 1]), (dR[0, 0], dR[0, 1]), (dR[0, 0], dR[1, 0])):
        if co.tidy(lhs - rhs) != 0:
            raise ValueError("the exchange-symmetric manifold is not invariant")
    rates = ((dQ[0, 0] + dQ[0, 1]) / 2, (dQ[0, 0] - dQ[0, 1]) / 2, dR[0, 0])
    return tuple(sp.Eq(sp.Derivative(sp.Function(n)(alpha), alpha), r) for n, r in zip("PDp", rates))


def _error_on_manifold(dup, isotropic):
    """ε_g of the duplicated machine (ε_g^(0) of (duplicated-teacher)) at the manifold overlaps."""
    ode = _duplicated_machine(dup)
    (error0,) = dup[1].rhs.free_symbols
    return sp.Eq(error0, ode.error.xreplace(_overlap_map(isotropic)[3]))


def _perfect_point(odes, error):
    for expr in (*[eq.rhs for eq in odes], error.rhs):
        if sp.simplify(expr.xreplace(POINT)) != 0:
            raise ValueError("(P, D, p) = (1, 0, 1) is not a perfect fixed point")
    return tuple(sp.Eq(k, v) for k, v in POINT.items())


def _linearisation(odes, point):
    """Jacobian in (P, p, D) at the point; its eigenvalues (one zero: the soft mode D)."""
    F = [odes[0].rhs, odes[2].rhs, odes[1].rhs]
    X = [Pm, pm, Dm]
    at = {eq.lhs: eq.rhs for eq in point}
    jac = sp.Matrix(3, 3, lambda a, b: sp.nsimplify(sp.simplify(sp.diff(F[a], X[b]).xreplace(at))))
    lams = sorted(jac.eigenvals(multiple=True), key=lambda e: sp.default_sort_key(e))
    zero = [e for e in lams if sp.simplify(e) == 0]
    if len(zero) != 1:
        raise ValueError(f"expected exactly one zero eigenvalue, got {lams}")
    return tuple(sp.Eq(sp.Symbol(f"Lambda_{i}"), sp.simplify(e)) for i, e in enumerate(lams))


def _manifold(d: Derivation) -> None:
    d.assume("isotropic-teacher", "Isotropic input, unit teacher",
             "L = 1 (λ = f = 1: block = first-order overlaps), both (equal) teacher units of unit norm: T_nm = 1, "
             "R_i1 = R_i2; clean labels.", (sp.Eq(co.lam, 1), sp.Eq(co.frac, 1), sp.Eq(co.noise, 0)))
    d.derive("manifold-odes", "ODEs on the exchange-symmetric manifold",
             "J_1 ↔ J_2 symmetry: Q_11 = Q_22 = P + D, Q_12 = P − D, R_i = p (m, d = (J_1 ± J_2)/2, P = |m|²/N, "
             "D = |d|²/N ⊥ B, p = m·B/N) is invariant (checked: dQ_11 = dQ_22, all dR_in equal there). Rates from "
             "the generated K = M = 2 block ODE: dP = (dQ_11 + dQ_12)/2, dD = (dQ_11 − dQ_12)/2, dp = dR_11.",
             transform(("duplicated-teacher", "isotropic-teacher"), _manifold_odes,
                       "restrict the generated ODE of the duplicated machine", name="substitute"))
    d.derive("manifold-error", "ε_g on the manifold", "The generated ε_g at the manifold overlaps (duplicated teacher).",
             transform(("duplicated-teacher", "isotropic-teacher"), _error_on_manifold, "substitute",
                       name="substitute"))
    d.derive("perfect-point", "Replicated solution is a fixed point",
             "All rates and ε_g vanish at P = p = 1, D = 0 (J_1 = J_2 = B) for every η (SymPy simplify).",
             transform(("manifold-odes", "manifold-error"), _perfect_point, "substitute the point",
                       name="substitute"))
    d.derive("linearisation", "Jacobian eigenvalues at the replicated point",
             "∂(dP, dp, dD)/∂(P, p, D) at the point: the dD row vanishes identically, so one eigenvalue is 0 (the "
             "soft mode D); the two others are negative for small η (stable fast directions).",
             transform(("manifold-odes", "perfect-point"), _linearisation, "differentiate, eigenvalues",
                       name="differentiate"))


# ---- centre manifold and the reduced dynamics -------------------------------------------------

_t = sp.Symbol("t")


def _taylor(expr, curve, order):
    g = expr.xreplace(curve)
    out = []
    for k in range(order + 1):
        out.append(sp.simplify(g.xreplace({_t: 0}) / sp.factorial(k)))
        g = sp.diff(g, _t)
    return out


def _centre_manifold(odes, lin):
    """P = 1 + a₁D + a₂D², p = 1 + b₁D + b₂D² from the invariance equation of (manifold-odes), order by
    order in D (needs the soft mode of (linearisation): exactly one zero eigenvalue)."""
    if sum(1 for eq in lin if sp.simplify(eq.rhs) == 0) != 1:
        raise ValueError("(linearisation) has no single zero eigenvalue: no soft mode")
    FP, FD, Fp = (eq.rhs for eq in odes)
    a1, b1, a2, b2 = sp.symbols("a1 b1 a2 b2")
    curve1 = {Pm: 1 + a1 * _t, Dm: _t, pm: 1 + b1 * _t}
    first = sp.solve([_taylor(FP, curve1, 1)[1], _taylor(Fp, curve1, 1)[1]], [a1, b1], dict=True)
    if len(first) != 1:
        raise ValueError("the first-order centre manifold is not unique")
    s1 = {k: sp.simplify(v) for k, v in first[0].items()}
    curve2 = {Pm: 1 + s1[a1] * _t + a2 * _t ** 2, Dm: _t, pm: 1 + s1[b1] * _t + b2 * _t ** 2}
    cD = _dD_on_curve(FD, curve2)
    cP, cp = _taylor(FP, curve2, 2), _taylor(Fp, curve2, 2)
    second = sp.solve([cP[2] - s1[a1] * cD[2], cp[2] - s1[b1] * cD[2]], [a2, b2], dict=True)
    if len(second) != 1:
        raise ValueError("the second-order centre manifold is not unique")
    s2 = {k: sp.simplify(v) for k, v in second[0].items()}
    return (sp.Eq(Pm, 1 + s1[a1] * Dm + s2[a2] * Dm ** 2), sp.Eq(pm, 1 + s1[b1] * Dm + s2[b2] * Dm ** 2))


def _dD_on_curve(FD, curve):
    """Taylor coefficients of dD/dα along a curve through the point; the O(1) and O(D) terms must vanish."""
    cD = _taylor(FD, curve, 2)
    if cD[0] != 0 or cD[1] != 0:
        raise ValueError(f"dD/dα has terms below D²: {cD}")
    return cD


def _on_manifold(manifold):
    """The curve D ↦ (P, D, p) of (centre-manifold), parametrised by t = D."""
    values = {eq.lhs: eq.rhs.xreplace({Dm: _t}) for eq in manifold}
    return {Pm: values[Pm], Dm: _t, pm: values[pm]}


def _reduced(odes, manifold):
    """dD/dα of (manifold-odes) on (centre-manifold): −κD² + O(D³).  The dD row of the Jacobian vanishes, so
    the D² term needs only the first-order coefficients a₁, b₁ of the manifold: the second-order ones are
    kept as symbols (a cheaper simplification) and must drop out (checked)."""
    a1, b1 = (sp.diff(eq.rhs, Dm).xreplace({Dm: 0}) for eq in manifold)
    a2, b2 = sp.symbols("a2 b2")
    cD = _dD_on_curve(odes[1].rhs, {Pm: 1 + a1 * _t + a2 * _t ** 2, Dm: _t, pm: 1 + b1 * _t + b2 * _t ** 2})
    kappa = sp.simplify(-cD[2])
    if kappa.has(a2, b2):
        raise ValueError("the D² term of dD/dα depends on the second-order centre manifold")
    return (sp.Eq(sp.Derivative(sp.Function("D")(alpha), alpha), -kappa_s * Dm ** 2), sp.Eq(kappa_s, kappa))


def _error_soft(error, manifold):
    """(manifold-error) on (centre-manifold): c₂D² + O(D³)."""
    ce = _taylor(error.rhs, _on_manifold(manifold), 2)
    if ce[0] != 0 or sp.simplify(ce[1]) != 0:
        raise ValueError(f"ε_g has terms below D² on the centre manifold: {ce}")
    return (sp.Eq(error.lhs, c2_s * Dm ** 2), sp.Eq(c2_s, sp.simplify(ce[2])))


def _decay(reduced, soft):
    Df = sp.Function("D")
    sol = sp.dsolve(sp.Eq(Df(alpha).diff(alpha), -kappa_s * Df(alpha) ** 2), Df(alpha), ics={Df(0): D0})
    Dsol = sp.simplify(sol.rhs)
    return (sp.Eq(Dm, Dsol), sp.Eq(eps_g0, sp.simplify(c2_s * Dsol ** 2)))


def _rate(decay):
    eps = decay[1].rhs
    rho = sp.limit(-alpha * sp.diff(sp.log(eps), alpha), alpha, sp.oo)
    return sp.Eq(Rate(eps_g, alpha), rho)


def _prefactor(decay, reduced, soft):
    eps = decay[1].rhs.xreplace({kappa_s: reduced[1].rhs, c2_s: soft[1].rhs})
    return sp.Eq(Lead(eps_g0, alpha), sp.simplify(sp.limit(eps * alpha ** 2, alpha, sp.oo)))


def _soft_mode(d: Derivation) -> None:
    d.derive("centre-manifold", "Centre manifold of the soft mode",
             "Fast variables slaved to D: P = 1 + a₁D + a₂D², p = 1 + b₁D + b₂D², coefficients from the "
             "invariance equation (dP/dα = P'(D) dD/dα) order by order in D (sp.solve on the Taylor "
             "coefficients, obtained by differentiation along the curve).",
             transform(("manifold-odes", "linearisation"), _centre_manifold, "Taylor expand and solve",
                       name="solve"))
    d.derive("reduced-dynamics", "Reduced dynamics along the soft mode",
             "dD/dα on the centre manifold: the O(1) and O(D) terms vanish (checked), the first term is −κD² "
             "(p = 2). The η² terms do not contribute at this order.",
             transform(("manifold-odes", "centre-manifold"), _reduced, "Taylor expand", name="expand"),
             display=(sp.Eq(sp.Derivative(sp.Function("D")(alpha), alpha), -kappa_s * Dm ** 2),
                      sp.Eq(kappa_s, 8 * sp.sqrt(3) * co.eta / (9 * sp.pi))))
    d.derive("soft-mode-error", "ε_g along the soft mode",
             "ε_g on the centre manifold: its O(1) and O(D) terms vanish (checked), ε_g = c₂(η) D² (k = 2); "
             "c₂(0) = 2√3/(9π).",
             transform(("manifold-error", "centre-manifold"), _error_soft, "Taylor expand", name="expand"))
    d.derive("soft-mode-decay", "Power-law decay", "dsolve of (reduced-dynamics) with D(0) = D_0; ε_g = c₂D².",
             transform(("reduced-dynamics", "soft-mode-error"), _decay, "dsolve", name="solve"))
    d.derive("rate", "Rate of the approach to perfect learning",
             "−lim d ln ε_g/d ln α = k/(p − 1) = 2 (the realizable K = M case is exponential).",
             transform("soft-mode-decay", _rate, "limit of the log-slope", name="limit"),
             display=sp.Eq(Rate(eps_g, alpha), 2))
    d.derive("prefactor", "Prefactor", "lim α²ε_g = c₂/κ² (duplicated-teacher units, η = η_0).",
             transform(("soft-mode-decay", "reduced-dynamics", "soft-mode-error"), _prefactor, "limit",
                       name="limit"))
