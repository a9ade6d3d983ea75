"""Numeric checks of the specialised (late) phase of erf online SGD.

The steps and their derivation are in :mod:`derivations.online_sgd.late_steps`, the bulk sum and the
matrices at the perfect solution compiled from them in :mod:`derivations.online_sgd.erf_theory`; this
module holds the numbers: the exact linear response of the error modes (Woodbury form in the Laplace
variable, inverted on a fixed Talbot contour), the generated ODEs near the perfect solution, the
block Jacobian and its relevant rates, and the checks ``late-rate-l1``, ``late-linearisation``,
``late-small-eta``, ``late-window-slopes``, ``late-cutoff-rate``.

>>> lam, f = blocks(4)
>>> round(float(lam @ f), 12)                         # trace-normalised
1.0
"""
from __future__ import annotations

import math

import numpy as np

from derivations.engine import CheckResult
from derivations.online_sgd.erf_theory import bulk_error, perfect_matrices
from derivations.online_sgd.late_steps import BETA, ETA, SIGMA, VECH_INDICES
from derivations.online_sgd.linear_checks import power_law_blocks
from derivations.online_sgd.model import compiled_model
from numerics.committee_ode import block_rhs, integrate_block_odes


def blocks(L, beta=BETA):
    """λ_m = λ_+ m^{−(1+β)} trace-normalised and f_m = 1/L; L = 1 is isotropic."""
    if L == 1:
        return np.ones(1), np.ones(1)
    return power_law_blocks(L, beta)


def vech_operator(H):
    """u ↦ −(Hu + uH) on vech u = (u11, u12, u22)."""
    out = np.zeros((3, 3))
    for b, (i, k) in enumerate(VECH_INDICES):
        unit = np.zeros((2, 2))
        unit[i, k] = unit[k, i] = 1
        img = -(H @ unit + unit @ H)
        out[:, b] = [img[p] for p in VECH_INDICES]
    return out


def _transform(s, lam, f, eta, sigma2):
    """ε̂_g(s) of (error-modes) from u_m(0) = σ²f_m I (Woodbury form, vectorised over s)."""
    H, Emat, g = perfect_matrices()
    rho, W = np.linalg.eig(vech_operator(H))
    rho, W = rho.real, W.real
    Winv = np.linalg.inv(W)
    s = np.asarray(s, complex)[:, None, None]
    kappa = eta * lam[None, None, :] * (-rho)[None, :, None]             # rates ηλ_m ρ_a > 0
    h_diag = (lam * f)[None, None, :] / (s + kappa)
    S_diag = (eta**2 * lam**2 * f)[None, None, :] / (s + kappa)
    h = np.einsum("ab,sb,bc,c->sa", W, h_diag.sum(2), Winv, np.array([1.0, 0.0, 1.0])) * sigma2
    S = np.einsum("ab,sb,bc,cd->sad", W, S_diag.sum(2), Winv, Emat)
    Uhat = np.linalg.solve(np.eye(3)[None] - S, h[..., None])[..., 0]
    return Uhat @ g


def linear_response_error(alphas, lam, f, eta, sigma=1.0, nodes=32):
    """ε_g(α) of the linearised error modes (step error-modes, exact Woodbury form in s), inverted by
    the fixed Talbot contour (Abate & Valkó 2004) with ``nodes`` nodes in float64: round-off about
    e^{2·nodes/5}·u ≈ 4e-11 relative for 32 nodes (all singularities on the negative real axis)."""
    lam, f = np.asarray(lam, float), np.asarray(f, float)
    out = []
    for a in np.asarray(alphas, float):
        r = 2 * nodes / (5 * a)
        theta = np.arange(1, nodes) * np.pi / nodes
        cot = 1 / np.tan(theta)
        s = r * theta * (cot + 1j)
        dsig = theta + (theta * cot - 1) * cot
        F = _transform(np.r_[r, s], lam, f, eta, sigma**2)
        total = 0.5 * F[0] * np.exp(r * a) + np.sum((np.exp(a * s) * F[1:] * (1 + 1j * dsig)).real)
        out.append(float((r / nodes * total).real))
    return np.array(out)


def coefficients():
    """The erf model (K = M = 2, unnormalised) and its noise-free coefficient function (A, B, E)(Q1, R1, T1)."""
    model = compiled_model(2, 2, "erf", False)
    return model, (lambda Q1, R1, T1: model.coefficients(Q1, R1, T1, 0.0))


def ode_error(alphas, L, sigma, eta=ETA, rtol=1e-6, beta=BETA):
    """ε_g(α) of the generated block ODEs from q_m = (1 + σ²)f_m I, r_m = t_m = f_m I."""
    lam, f = blocks(L, beta)
    model, coef = coefficients()
    t = f[:, None, None] * np.eye(2)
    tr = integrate_block_odes(alphas, (1 + sigma**2) * t, t.copy(), t, lam, f, eta, coef, rtol=rtol, atol=1e-15)
    return model.population_error(tr.Q1, tr.R1, tr.T1)


def _pack(q, r):
    return np.concatenate([r.reshape(len(r), -1), q[:, [0, 0, 1], [0, 1, 1]]], 1).ravel()


def _unpack(s, L):
    s = s.reshape(L, 7)
    q = np.zeros((L, 2, 2))
    q[:, 0, 0], q[:, 0, 1], q[:, 1, 1] = s[:, 4], s[:, 5], s[:, 6]
    q[:, 1, 0] = q[:, 0, 1]
    return q, s[:, :4].reshape(L, 2, 2)


def block_jacobian(L, eta=ETA, beta=BETA, step=1e-6):
    """Central-difference Jacobian of the generated block right side (numerics.committee_ode.block_rhs)
    at the perfect solution, packed s_m = (r_m, vech q_m); with the gradient of ε_g and δs(0) of J = B + σZ
    per unit σ².  Truncation O(step²), round-off O(u/step): about 1e-10 relative."""
    lam, f = blocks(L, beta)
    model, coef = coefficients()
    t = f[:, None, None] * np.eye(2)
    s0 = _pack(t, t)
    rhs = lambda s: _pack(*block_rhs(*_unpack(s, L), t, lam, f, eta, coef))  # noqa: E731

    def error(s):
        q, r = _unpack(s, L)
        return float(model.population_error(np.tensordot(lam, q, 1), np.tensordot(lam, r, 1), np.eye(2)))
    n = s0.size
    jac, grad = np.zeros((n, n)), np.zeros(n)
    for j in range(n):
        e = np.zeros(n)
        e[j] = step
        jac[:, j] = (rhs(s0 + e) - rhs(s0 - e)) / (2 * step)
        grad[j] = (error(s0 + e) - error(s0 - e)) / (2 * step)
    ds0 = np.concatenate([[0, 0, 0, 0, fm, 0, fm] for fm in f])
    return jac, grad, ds0


def relevant_rates(L, eta=ETA, beta=BETA, threshold=1e-8):
    """Decay rates −Re γ_k of the block Jacobian, each with its amplitude (∇ε·v_k)(w_k·δs0) in ε_g;
    'relevant' = amplitude above ``threshold`` × the largest (eig round-off ~1e-13)."""
    jac, grad, ds0 = block_jacobian(L, eta, beta)
    w, V = np.linalg.eig(jac)
    amp = (grad @ V) * (np.linalg.solve(V, ds0))
    order = np.argsort(-w.real)
    rates, amps = -w.real[order], np.abs(amp[order])
    return rates, amps, amps > threshold * amps.max()


# ---- checks --------------------------------------------------------------------------------------

def _local_rate(eps, alphas, i):
    """−d ln ε/dα at alphas[i] by the central difference over alphas[i ± 1]."""
    return -(math.log(eps[i + 1]) - math.log(eps[i - 1])) / (alphas[i + 1] - alphas[i - 1])


def _late_rate_check(name, L, a1, a2, half, sigma_=SIGMA):
    """ODE late rate at a2 against the slowest relevant Jacobian eigenvalue γ.

    Tolerance: the corrections to the local rate decay like e^{−κα}, κ = min(γ (quadratic terms),
    γ' − γ (next relevant mode)); with κ(a2 − a1) ≥ ln 2 the remaining deviation at a2 is at most the
    change |r(a1) − r(a2)| (asserted); plus the integrator's error on the rate, 2 δ/(2·half) with δ the
    relative ε_g error estimated as |ε(rtol) − ε(10 rtol)|/9 (pc3: global error ∝ rtol)."""
    rates, amps, relevant = relevant_rates(L)
    rel = rates[relevant]
    gamma, nxt = rel[0], rel[1]
    kappa = min(gamma, nxt - gamma)
    if kappa * (a2 - a1) < math.log(2):
        raise ValueError(f"{name}: α₂ − α₁ = {a2 - a1} too short for κ = {kappa:.3g}")
    alphas = np.array([0, a1 - half, a1, a1 + half, a2 - half, a2, a2 + half])
    eps = ode_error(alphas, L, sigma_, rtol=1e-6)
    coarse = ode_error(alphas, L, sigma_, rtol=1e-5)
    delta = float(np.max(np.abs(coarse - eps) / eps)) / 9
    r1, r2 = _local_rate(eps, alphas, 2), _local_rate(eps, alphas, 5)
    tol = abs(r1 - r2) + 2 * delta / (2 * half)
    lam = blocks(L)[0]
    mu_minus = np.linalg.eigvalsh(perfect_matrices()[0])[0]
    bulk = 2 * ETA * mu_minus * lam[-1]
    slowest = rates[0]
    return CheckResult(name, "numeric", abs(r2 - gamma) <= tol, float(gamma), float(r2), float(tol),
                       f"L = {L}, η = {ETA}, σ = {sigma_}: ODE rate {r2:.8g} at α = {a2:g} ({r1:.8g} at α = {a1:g}); "
                       f"slowest relevant Jacobian eigenvalue {gamma:.8g} (bulk 2ημ_−λ_L = {bulk:.8g}, "
                       f"relative {gamma / bulk - 1:+.2e}); slowest eigenvalue of all {slowest:.6g} is an r-mode "
                       f"with amplitude {amps[0] / amps.max():.1e} (ε_g sees it only quadratically); "
                       f"integrator δ = {delta:.1e}",
                       extra={"deviation": abs(r2 - gamma) / gamma})


def _eta_order(L, label):
    """The slowest relevant Jacobian rate against 2ημ_−λ_L: relative deviation O(η), observed order in η
    (0.2 → 0.1 → 0.05) within 0.1 of 1 (the next term is O(η²))."""
    mu_minus = np.linalg.eigvalsh(perfect_matrices()[0])[0]
    lam = blocks(L)[0]
    devs = []
    for eta in (0.2, 0.1, 0.05):
        rates, _, relevant = relevant_rates(L, eta)
        devs.append(abs(rates[relevant][0] / (2 * eta * mu_minus * lam[-1]) - 1))
    orders = [math.log2(devs[i] / devs[i + 1]) for i in range(2)]
    return CheckResult(f"{label}: slowest relevant rate / (2ημ_−λ_L) − 1 is O(η) (L = {L}, β = 1)",
                       "numeric", all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                       f"relative deviations {', '.join(f'{v:.3e}' for v in devs)} at η = 0.2, 0.1, 0.05")


def late_rate_l1(quick) -> list[CheckResult]:
    """(a) L = 1: exponential late decay at the slowest relevant Jacobian eigenvalue, which is
    2ημ_−(1 + O(η))."""
    return [_late_rate_check("late-rate-l1: ODE late rate at L = 1 = slowest relevant Jacobian eigenvalue",
                             1, 300.0, 500.0, 50.0), _eta_order(1, "late-rate-l1")]


def late_cutoff_rate(quick) -> list[CheckResult]:
    """(c) finite L: ODE late rate (L = 2) = slowest relevant eigenvalue; that eigenvalue against
    2ημ_−λ_L is O(η) (observed order in η from 0.2 → 0.1 → 0.05 within 0.1 of 1, L = 16)."""
    out = [_late_rate_check("late-cutoff-rate: ODE late rate at L = 2 = slowest relevant Jacobian eigenvalue",
                            2, 600.0, 1000.0, 50.0)]
    out.append(_eta_order(16, "late-cutoff-rate"))
    return out


def _window_grid(L, span=3.0, n=7):
    lam = blocks(L)[0]
    mu = np.linalg.eigvalsh(perfect_matrices()[0])
    centre = 1 / (2 * ETA * math.sqrt(mu[0] * mu[1] * lam[0] * lam[-1]))
    return centre, centre * np.geomspace(1 / span, span, n)


def late_linearisation(quick) -> list[CheckResult]:
    """(b1) ODE against the exact linear response (error modes, Talbot): max relative deviation over
    the window is O(σ²): observed order in σ (0.1 → 0.05) within 0.1 of 2."""
    out = []
    for L in ((16,) if quick else (16, 256)):
        lam, f = blocks(L)
        centre, grid = _window_grid(L)
        alphas = np.r_[0.0, grid]
        lin = linear_response_error(grid, lam, f, ETA)
        devs = []
        for s in (SIGMA, SIGMA / 2):
            eps = ode_error(alphas, L, s)[1:] / s**2
            devs.append(float(np.max(np.abs(eps / lin - 1))))
        order = math.log2(devs[0] / devs[1])
        out.append(CheckResult(f"late-linearisation: ODE vs linear response, L = {L}, α ∈ window centre ×/÷3",
                               "numeric", abs(order - 2) < 0.1, 2.0, order, "±0.1",
                               f"max relative deviation {devs[0]:.3e} (σ = {SIGMA}), {devs[1]:.3e} (σ = {SIGMA / 2}); "
                               f"window centre α = {centre:.4g}"))
    # the Talbot inversion against the eigendecomposition of the closed error-mode system (L = 16)
    L = 16
    lam, f = blocks(L)
    H, Emat, g = perfect_matrices()
    op = vech_operator(H)
    n = 3 * L
    J = np.zeros((n, n))
    for mm in range(L):
        J[3 * mm:3 * mm + 3, 3 * mm:3 * mm + 3] += ETA * lam[mm] * op
        for k in range(L):
            J[3 * mm:3 * mm + 3, 3 * k:3 * k + 3] += ETA**2 * lam[mm] * f[mm] * lam[k] * Emat
    w, V = np.linalg.eig(J)
    u0 = np.concatenate([[fm, 0, fm] for fm in f])
    coeff = np.linalg.solve(V, u0)
    readout = np.concatenate([lam[mm] * g for mm in range(L)])
    grid = _window_grid(L)[1]
    exact = np.array([((readout @ V) * coeff * np.exp(w * a)).sum().real for a in grid])
    talbot = linear_response_error(grid, lam, f, ETA)
    rel = float(np.max(np.abs(talbot / exact - 1)))
    tol = math.exp(2 * 32 / 5) * np.finfo(float).eps * np.linalg.cond(V) * 10
    out.append(CheckResult("late-linearisation: Talbot inversion vs eigendecomposition of the error modes (L = 16)",
                           "numeric", rel < tol, 0.0, rel, tol,
                           f"max relative difference {rel:.2e}; tolerance e^(2·32/5)·u·cond(V)·10"))
    return out


def late_small_eta(quick) -> list[CheckResult]:
    """(b3) bulk sum against the linear response: relative deviation O(η) (order 1 ± 0.1)."""
    L = 256
    lam, f = blocks(L)
    grid = _window_grid(L)[1]
    devs = []
    for eta in (0.04, 0.02, 0.01):
        grid_eta = grid * ETA / eta
        lin = linear_response_error(grid_eta, lam, f, eta)
        devs.append(float(np.max(np.abs(bulk_error(grid_eta, lam, f, eta) / lin - 1))))
    orders = [math.log2(devs[i] / devs[i + 1]) for i in range(2)]
    return [CheckResult(f"late-small-eta: bulk sum vs linear response is O(η) (L = {L}, window at fixed ηα)",
                        "numeric", all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                        f"max relative deviation {', '.join(f'{v:.3e}' for v in devs)} at η = 0.04, 0.02, 0.01")]


def _slope(fn, centre, half=0.05):
    a = centre * np.exp([-half, half])
    e = fn(a)
    return float((math.log(e[1]) - math.log(e[0])) / (2 * half))


def late_window_slopes(quick) -> list[CheckResult]:
    """(b2) local slope of ε_g at the window centre α_c = 1/(2η√(μ_+μ_−λ_1λ_L)): ODE ≈ linear
    response (difference ≤ 2 max|ε_ode/ε_lin − 1|/Δ ln α, Δ ln α = 0.1) and → −β/(1+β) as L grows;
    the linear response's deviation falls like L^{−β/2} (edge terms at the centre: the tail beyond
    m = L and the O(η) coupling, both (λ_L/λ_+)^{ν/2}): observed order within 0.1 of β/2 from
    L = 4096 to 65536."""
    nu = BETA / (1 + BETA)
    Ls = (16, 256) if quick else (16, 256, 4096)
    out, devs = [], []
    for L in Ls:
        lam, f = blocks(L)
        centre = _window_grid(L)[0]
        a = centre * np.exp([-0.05, 0.05])
        ode = ode_error(np.r_[0.0, a], L, SIGMA)[1:] / SIGMA**2
        lin = linear_response_error(a, lam, f, ETA)
        s_ode = float(np.diff(np.log(ode))[0] / 0.1)
        s_lin = float(np.diff(np.log(lin))[0] / 0.1)
        bound = 2 * float(np.max(np.abs(ode / lin - 1))) / 0.1
        devs.append(abs(s_ode + nu))
        out.append(CheckResult(f"late-window-slopes: L = {L}, ODE slope at the window centre α = {centre:.4g}",
                               "numeric", abs(s_ode - s_lin) <= bound, s_lin, s_ode, bound,
                               f"ODE {s_ode:.5f}, linear response {s_lin:.5f}, −β/(1+β) = {-nu}; |slope + ν| = "
                               f"{devs[-1]:.4f}"))
    out.append(CheckResult("late-window-slopes: |slope + β/(1+β)| at the window centre decreases with L",
                           "numeric", all(np.diff(devs) < 0), 0.0, devs, "decreasing",
                           f"at L = {Ls}: {', '.join(f'{v:.4f}' for v in devs)}"))
    lin_devs = []
    for L in (4096, 65536):
        lam, f = blocks(L)
        lin_devs.append(abs(_slope(lambda a: linear_response_error(a, lam, f, ETA), _window_grid(L)[0]) + nu))
    order = math.log(lin_devs[0] / lin_devs[1]) / math.log(16)
    out.append(CheckResult("late-window-slopes: linear-response slope deviation ∝ L^(−β/2) (L = 4096 → 65536)",
                           "numeric", abs(order - BETA / 2) < 0.1, BETA / 2, order, "±0.1",
                           f"|slope + ν| = {lin_devs[0]:.5f}, {lin_devs[1]:.5f}"))
    return out


def attach_checks(d) -> None:
    """Add the late-phase checks to ``online-sgd-erf`` (names as in the steps' checked_by)."""
    d.check("late-rate-l1", "numeric", "L = 1: ODE late rate = slowest relevant Jacobian eigenvalue")(late_rate_l1)
    d.check("late-linearisation", "numeric", "ODE vs linear response of the error modes: O(σ²)")(late_linearisation)
    d.check("late-small-eta", "numeric", "bulk sum vs linear response: O(η)")(late_small_eta)
    d.check("late-window-slopes", "numeric", "window slope → −β/(1+β) as L grows")(late_window_slopes)
    d.check("late-cutoff-rate", "numeric", "finite-L cut-off rate")(late_cutoff_rate)
