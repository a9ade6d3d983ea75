"""The specialised (late) phase of erf online SGD: exponential at L = 1, power-law window as L grows.

Steps for ``online-sgd-erf`` (:func:`late_phase_steps`); their evaluators are in
:mod:`derivations.online_sgd.erf_theory`, their numeric checks in :mod:`derivations.online_sgd.late_checks`.
Model: K = M = 2, g(x) = erf(x/√2), unnormalised outputs, teacher with T = I (orthonormal rows of norm √N, trace-normalised spectrum, t_m = f_m I), noise-free labels;
Saad & Solla 1995 (Phys. Rev. E 52, 4225) for L = 1, Worschech & Rosenow, arXiv:2410.09005, for the
block (power-law) covariance.

Derivation (exact unless marked):

* At the perfect solution q_m = r_m = t_m, Q = R = T = I, the coefficient matrices are
  A* = −H, B* = H, E* = 0 with H_ij = E[g'(u_i)g'(u_j)] = [[2/(π√3), 1/π], [1/π, 2/(π√3)]]; the
  eigenvalues of H are μ_± = 2/(π√3) ± 1/π (0.6859, 0.04924).
* ε_g is quadratic in the weight deviations: to first order in the order parameters it depends on
  the *error modes* u_m = δq_m − δr_m − δr_mᵀ only, ε_g = ½ tr(H U), U = Σ_m λ_m u_m.
* Linearised, the error modes close (the erf analogue of W-1): the O(η) coupling of a block to the
  global overlaps cancels exactly in u_m (it needs only B* = −A* and block-linearity), so
      du_m/dα = −ηλ_m (H u_m + u_m H) + η²λ_m f_m 𝓔(U),
  with 𝓔 = ∂E/∂Q at the perfect solution (exact constants).  The only approximation is the
  linearisation (deviations O(σ²), error O(σ⁴)).
* Small η: dropping the rank-3 O(η²) coupling, each block relaxes on its own; for J = B + σZ
  (u_m(0) = σ² f_m I): ε_g ≈ ½σ² Σ_m λ_m f_m Σ_± μ_± exp(−2ημ_±λ_m α)  (the bulk sum).
* L = 1: exponential with the rate 2ημ_−(1 + O(η)).  L → ∞ (power law λ_m = λ_+ m^{−(1+β)},
  f_m = 1/L): sum → integral (the window integral of ``online-sgd-linear``, with η → ημ_±),
  ε_g ∝ α^{−β/(1+β)}; finite L: exponential cut-off at 2ημ_−λ_L(1 + O(η)).

Not captured by the linearised error modes: ε_g is quadratic in the teacher-span weight modes
(δr, the r-eigenvalues of the block Jacobian, slowest ≈ 0.9 ημ_− at L = 1, η = 0.1), which the
O(1) global coupling excites at O(σ²); their contribution, O(σ⁴) e^{−2γ_r α}, decays more slowly than
the error modes at L = 1 (2γ_r = 0.00884 < 0.00978 at η = 0.1); measured at L = 1, α ≤ 500 it is
about 10⁻⁵ of ε_g, and it could dominate only where ε_g is below the ODE's double-precision floor.

Checks (:func:`derivations.online_sgd.late_checks.attach_checks`; quick ≈ 16 s, full ≈ 45 s
on one core): ``late-rate-l1`` (a),
``late-linearisation`` and ``late-small-eta`` and ``late-window-slopes`` (b), ``late-cutoff-rate`` (c);
the exact linear response of the error modes is the Woodbury form in the Laplace variable inverted on
a fixed Talbot contour.  Law ``sgd-erf-window``: :mod:`derivations.online_sgd.laws`.
"""
from __future__ import annotations

import sympy as sp

from derive import committee_odes as co
from derive.asymptotics import rate_of
from derive.operations import transform
import derivations.online_sgd.linear_steps as lin

__all__ = ["late_phase_steps", "perfect_point"]

K_UNITS = M_UNITS = 2
ETA, BETA, SIGMA = 0.1, 1.0, 0.1
alpha, sigma = sp.symbols("alpha sigma", positive=True)
mu_p, mu_m = sp.symbols("mu_+ mu_-", positive=True)
gamma_1, gamma_L = sp.symbols("gamma_1 gamma_L", positive=True)
eps_g = sp.Symbol("varepsilon_g")
VECH_INDICES = ((0, 0), (0, 1), (1, 1))


def _u(name):
    return sp.Matrix(2, 2, lambda i, k: sp.Symbol(f"{name}_{min(i, k) + 1}{max(i, k) + 1}", real=True))


U_BLOCK, U_GLOBAL = _u("u"), _u("U")


# ---- SymPy operations --------------------------------------------------------------------------

def _point(perfect):
    return {eq.lhs: eq.rhs for eq in perfect}


def _closed(stmt):
    return {eq.lhs.name: co.closed_forms(eq.rhs, "erf") for eq in stmt}


def _perfect_coefficients(coefficients, perfect):
    """A, B, E of (coefficients) in closed form at Q = R = T = I, σ_ε = 0."""
    at = _point(perfect)
    out = tuple(sp.Eq(sp.Symbol(name.replace("_", "^*_")), sp.radsimp(sp.simplify(expr.xreplace(at))))
                for name, expr in _closed(coefficients).items())
    return out


def _matrices(perfect_coefficients):
    v = {eq.lhs.name: eq.rhs for eq in perfect_coefficients}
    A = sp.Matrix(2, 2, lambda i, j: v[f"A^*_{i + 1}{j + 1}"])
    B = sp.Matrix(2, 2, lambda i, j: v[f"B^*_{i + 1}{j + 1}"])
    E = sp.Matrix(2, 2, lambda i, j: v[f"E^*_{min(i, j) + 1}{max(i, j) + 1}"])
    return A, B, E


def _bulk_rates(perfect_coefficients):
    """H = −A*; checks B* = H and E* = 0; the eigenvalues μ_± of H by SymPy."""
    A, B, E = _matrices(perfect_coefficients)
    H = -A
    if sp.simplify(B - H) != sp.zeros(2, 2) or sp.simplify(E) != sp.zeros(2, 2) or H != H.T:
        raise ValueError("expected A* = −B* symmetric and E* = 0 at the perfect solution")
    roots = sorted(H.eigenvals(), key=lambda z: float(z))
    return (sp.Eq(mu_p, sp.radsimp(roots[1])), sp.Eq(mu_m, sp.radsimp(roots[0])))


def _gradient(error, expectations, perfect):
    """ε_g to first order at the perfect solution; δQ = U + δR + δRᵀ must eliminate δR."""
    Q, R, _ = co.overlap_matrices(2, 2)
    at = _point(perfect)
    closed = co.closed_forms(error.rhs, "erf")
    dR = sp.Matrix(2, 2, lambda i, n: sp.Symbol(f"deltaR_{i + 1}{n + 1}", real=True))
    dQ = U_GLOBAL + dR + dR.T
    lin = sum(sp.diff(closed, Q[i, k]).xreplace(at) * dQ[i, k] for (i, k) in VECH_INDICES) \
        + sum(sp.diff(closed, R[i, n]).xreplace(at) * dR[i, n] for i in range(2) for n in range(2))
    lin = sp.expand(sp.radsimp(sp.simplify(lin)))
    if lin.free_symbols & set(dR):
        raise ValueError(f"ε_g is not a function of U alone at first order: {lin}")
    return sp.Eq(eps_g, lin)


def _error_modes(coefficients, perfect):
    """Linearise (block-linear form) at q = r = t = fI, Q = R = T = I in δq, δr and the global δx;
    substitute δq = u + δr + δrᵀ; verify that δr and the O(η) global coupling drop out and that the
    O(η²) coupling depends on U = δQ − δR − δRᵀ only.  Returns du_ik/dα."""
    Q, R, _ = co.overlap_matrices(2, 2)
    at = _point(perfect)
    c = _closed(coefficients)
    mat = lambda n, sym: sp.Matrix(2, 2, lambda i, j: c[f"{n}_{min(i, j) + 1}{max(i, j) + 1}"]  # noqa: E731
                                   if sym else c[f"{n}_{i + 1}{j + 1}"])
    A, B, E = mat("A", False), mat("B", False), mat("E", True)
    xs = [Q[0, 0], Q[0, 1], Q[1, 1], R[0, 0], R[0, 1], R[1, 0], R[1, 1]]
    dx = {x: sp.Symbol(f"delta{x.name}", real=True) for x in xs}
    lin = lambda X: X.applyfunc(lambda e: e.xreplace(at) + sum(  # noqa: E731
        sp.diff(e, x).xreplace(at) * dx[x] for x in xs))
    A1, B1, E1 = lin(A), lin(B), lin(E)
    f, lam, eta = co.frac, co.lam, co.eta
    dr = sp.Matrix(2, 2, lambda i, n: sp.Symbol(f"deltar_{i + 1}{n + 1}", real=True))
    dq = U_BLOCK + dr + dr.T
    t = f * sp.eye(2)
    q, r = t + dq, t + dr
    rate_q = eta * lam * (A1 * q + q * A1.T + B1 * r.T + r * B1.T) + eta**2 * lam * f * E1
    rate_r = eta * lam * (A1 * r + B1 * t)
    rate_u = rate_q - rate_r - rate_r.T
    dR = sp.Matrix(2, 2, lambda i, n: dx[R[i, n]])
    dQ_from_U = {dx[Q[i, k]]: (U_GLOBAL + dR + dR.T)[i, k] for (i, k) in VECH_INDICES}
    out = []
    for (i, k) in VECH_INDICES:
        e = rate_u[i, k]
        linear = sum(sp.diff(e, v).subs({**{w: 0 for w in (*dr, *U_BLOCK, *dx.values())}}) * v
                     for v in (*set(dr), *set(U_BLOCK), *dx.values()))
        linear = sp.expand(sp.radsimp(sp.simplify(linear.xreplace(dQ_from_U))))
        if linear.free_symbols & (set(dr) | set(dR)):
            raise ValueError(f"the error mode u_{i + 1}{k + 1} does not close: {linear}")
        if sp.expand(linear).coeff(eta, 1).free_symbols & set(U_GLOBAL):
            raise ValueError("an O(η) coupling to the global overlaps survives")
        out.append(sp.Eq(sp.Derivative(sp.Function(f"u_{i + 1}{k + 1}")(alpha), alpha), sp.collect(linear, eta)))
    return tuple(out)


def _bulk_statement(rates):
    """ε_g ≈ ½σ² Σ_m λ_m f_m Σ_± μ_± e^{−2ημ_±λ_mα} (u_m(0) = σ²f_m I, the η² coupling dropped)."""
    LAM, FRAC, m = lin.LAM, lin.FRAC, lin.m
    mus = [eq.rhs for eq in rates]
    summand = sum(sigma**2 / 2 * LAM[m] * FRAC[m] * mu * sp.exp(-2 * co.eta * mu * LAM[m] * alpha) for mu in mus)
    return sp.Eq(eps_g, sp.Sum(summand, (m, 1, lin.L)))


def _window(bulk, law):
    """Each mode ± is the linear entry's sum with η → ημ_±: its window integral (linear_steps.window_integral)."""
    terms = sp.Add.make_args(bulk.rhs.function)
    lead = 0
    for term in terms:
        term = sp.powsimp(term)
        (expo,) = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]
        mu = sp.simplify(-expo.args[0] / (2 * co.eta * lin.LAM[lin.m] * alpha))
        weight = sp.simplify(term / expo)                       # σ²/2 μ λ_m f_m
        small = sp.Eq(lin.eps_g, sp.Sum(lin.EPS0[lin.m] * sp.exp(-2 * co.eta * lin.LAM[lin.m] * alpha),
                                        (lin.m, 1, lin.L)))
        sub = {eq.lhs: eq.rhs for eq in law}
        eps0 = weight.subs(lin.FRAC[lin.m], sub[lin.FRAC[lin.m]])
        laws = (sp.Eq(lin.LAM[lin.m], sub[lin.LAM[lin.m]]), sp.Eq(lin.FRAC[lin.m], sub[lin.FRAC[lin.m]]),
                sp.Eq(lin.EPS0[lin.m], eps0))
        value = lin.window_integral(small, laws).rhs
        lead += value.xreplace({co.eta: co.eta * mu})
    return sp.Eq(lin.Lead(eps_g), sp.simplify(lead))


def _window_display(rates):
    nu = lin.beta / (1 + lin.beta)
    return sigma**2 * lin.lam_plus * sp.gamma(nu) / (2 * lin.L * (1 + lin.beta)) * sum(
        eq.rhs * (2 * co.eta * eq.rhs * lin.lam_plus * alpha) ** (-nu) for eq in rates)


def perfect_point():
    """Q = R = T = I and σ_ε = 0 as equations (statement of step perfect-solution)."""
    Q, R, T = co.overlap_matrices(2, 2)
    return (tuple(sp.Eq(X[i, k], 1 if i == k else 0) for X in (Q, T) for (i, k) in VECH_INDICES)
            + tuple(sp.Eq(R[i, n], 1 if i == n else 0) for i in range(2) for n in range(2)) + (sp.Eq(co.noise, 0),))


def late_phase_steps(d) -> None:
    """Add the late-phase steps to ``online-sgd-erf`` (after its plateau steps); needs its steps
    coefficients, generalization-error and gaussian-expectations."""
    point = perfect_point()
    d.assume("perfect-solution", "Perfect solution",
             "Late in learning the student has specialised: q_m = r_m = t_m in every block; the teacher has "
             "T = I (orthonormal rows of norm √N, spectrum trace-normalised, t_m = f_m I); clean labels.", point)
    d.derive("perfect-coefficients", "Coefficient matrices at the perfect solution",
             "(coefficients) in closed form at Q = R = T = I: A* = −B* = −H with H_ij = E[g'(u_i)g'(u_j)], "
             "E* = 0 (no error signal when student = teacher).",
             transform(("coefficients", "perfect-solution"), _perfect_coefficients,
                       "closed forms, substitute the perfect solution, simplify", name="substitute"))
    d.derive("bulk-rates", "Eigenvalues of H",
             "H = −A* is symmetric; its eigenvalues μ_± (eigenvectors (1, ±1)/√2) set every block rate: "
             "r-modes ηλ_mμ_a, error modes ηλ_m(μ_a + μ_b).",
             transform("perfect-coefficients", _bulk_rates, "H = −A*, check B* = H, E* = 0, eigenvalues",
                       name="eigenvalues"))
    d.derive("error-linear-form", "ε_g to first order: a function of the error modes",
             "Differentiate (generalization-error) at the perfect solution; with δQ = U + δR + δRᵀ the δR "
             "terms cancel (ε_g is quadratic in the weight deviations): ε_g = ½ tr(H U) + O(δ²).",
             transform(("generalization-error", "gaussian-expectations", "perfect-solution"), _gradient,
                       "gradient at the perfect solution, eliminate δQ for U", name="differentiate"))
    d.derive("error-modes", "Closed linear equations of the error modes",
             "Linearise the block-linear form of (coefficients) at q = r = t = fI, Q = R = T = I; in "
             "u = δq − δr − δrᵀ the δr terms and the O(η) coupling to the global overlaps cancel exactly "
             "(B* = −A*), the O(η²) term depends on U = Σ_m λ_m u_m only (verified in the operation).",
             transform(("coefficients", "perfect-solution"), _error_modes,
                       "linearise, substitute δq = u + δr + δrᵀ, verify closure", name="linearise"))
    d.approximate("late-linearisation", "Linear response near the perfect solution",
                  "Deviations of size σ² (J = B + σZ: q_m = t_m + σ²f_m I, r_m = t_m): ε_g(α) = ½tr(H U(α)) with "
                  "U from (error-modes), relative error O(σ²) (quadratic terms neglected).",
                  sp.Eq(eps_g, sp.Rational(1, 2) * (U_GLOBAL * sp.Matrix(2, 2, lambda i, k: sp.Symbol(
                      f"H_{min(i, k) + 1}{max(i, k) + 1}"))).trace()),
                  checked_by=("late-linearisation",))
    bulk = _bulk_statement(d["bulk-rates"])
    d.approximate("late-bulk-sum", "Small learning rate: independent blocks",
                  "Drop the O(η²) coupling of (error-modes): u_m(α) = σ²f_m e^{−2ηλ_mHα}, and ε_g = ½tr(HU) "
                  "splits over the eigenvalues μ_± of H.  Relative error O(η).", bulk,
                  checked_by=("late-small-eta",))
    law = (sp.Eq(lin.LAM[lin.m], lin.lam_plus * lin.m ** (-1 - lin.beta)), sp.Eq(lin.FRAC[lin.m], 1 / lin.L))
    d.assume("late-power-law", "Power-law spectrum", "λ_m = λ_+ m^(−(1+β)), β > 0, f_m = 1/L.", law)
    d.derive("late-window-law", "Power-law window of the specialised phase",
             "1/(ημ_+λ_+) ≪ α ≪ 1/(ημ_+λ_L): each mode ± is the sum of (window-law) of online-sgd-linear with "
             "η → ημ_± (sum → ∫_0^∞ dm, Gamma integral); L → ∞ at fixed α.",
             transform(("late-bulk-sum", "late-power-law"), _window,
                       "per mode: online_sgd_linear's window integral with η → ημ_±", name="integrate"),
             display=sp.Eq(lin.Lead(eps_g), _window_display(d["bulk-rates"])))
    d.derive("late-window-rate", "Scaling law of the specialised phase in α",
             "Rate of (late-window-law) in α: the same β/(1+β) as the linear network (both modes).",
             transform("late-window-law", lambda e: sp.Eq(lin.Rate(eps_g, alpha), rate_of(
                 sp.factor_terms(sp.expand_power_base(e.rhs, force=True)), alpha)),
                       "split the powers of products (all factors positive), pull out the common power of α, "
                       "rate in α"), display=sp.Eq(lin.Rate(eps_g, alpha), lin.beta / (1 + lin.beta)))
    d.approximate("late-rate-l1", "Exponential decay at L = 1",
                  "L = 1 (λ = f = 1): the slowest error mode of (error-modes) decays at 2ημ_−(1 + O(η)); this "
                  "slowest relevant Jacobian eigenvalue is the late rate of ε_g (r-modes enter ε_g only "
                  "quadratically).", sp.Eq(gamma_1, 2 * co.eta * mu_m), checked_by=("late-rate-l1",))
    d.approximate("late-cutoff-rate", "Exponential cut-off at finite L",
                  "α ≫ 1/(ημ_−λ_L): only the slow mode of the last block is left; ε_g decays at 2ημ_−λ_L "
                  "(1 + O(η)).", sp.Eq(gamma_L, 2 * co.eta * mu_m * lin.LAM[lin.L]), checked_by=("late-cutoff-rate",))
