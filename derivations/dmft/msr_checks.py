"""The numeric checks of the Martin–Siggia–Rose part of ``dmft-langevin``.

:func:`attach_checks` attaches them (called by the face :mod:`derivations.dmft`) to the derivation that
:func:`derivations.dmft.msr_steps.add_msr_steps` builds (Kramp, Lindner, Helias, arXiv:2602.23039,
reconstruction in ``shared/reference/papers.md`` §1, K-1 … K-6):

``msr-gaussian-average``
    W(C, R, Q) of (sample-average) against a Monte-Carlo mean of exp(Σ_k hc b_k(a_k − ε)) over real
    Gaussian (a, b, ε) with a random positive covariance; z-test.
``msr-discrete-statements``
    the derived discrete statements (conjugates, ρ̃ recursion, single-mode process, noise kernel)
    at random values against NumPy and against :func:`numerics.dmft_discrete.discrete_dmft`.
``msr-saddle-point-simulation``
    the discrete saddle point against :func:`numerics.dmft_discrete.simulate_discrete_dynamics`
    at N = 100 and 200, extrapolated to N → ∞, z-tests (Bonferroni, familywise level 1e-3).
``msr-continuum-limit``
    the discrete process at h, h/2, h/4, Richardson-extrapolated, against the second-order
    continuum solution :func:`numerics.dmft_discrete.continuum_solution`.
``msr-continuum-laplace``
    that continuum solution, Laplace-transformed by the trapezoid, against (K-5)
    (:func:`numerics.dmft_discrete.laplace_kernel`).

The check functions take the derivation (or any mapping from step labels to statements) so that
tests can feed them wrong statements and see them fail.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from derive import msr
from derive.dmft_symbols import I, LAM, P, WBAR, beta, c, g, sigma2
from derivations.dmft.msr_action import (C_HAT, C_OP, CHECK_LAPLACE, CHECK_LIMIT, CHECK_SIM, DD, NU, Q_HAT, Q_OP,
                                         R_HAT, R_OP, RT_D, S_D, Cov, h)
from derivations.dmft.msr_steps import T_STEPS
from derivations.engine import CheckResult
from numerics.dmft_discrete import (continuum_solution, discrete_dmft, laplace_kernel,
                                    simulate_discrete_dynamics)
from numerics.simulation import Estimate, z_test, z_threshold

#: float64 agreement of a few dozen operations of O(1) condition: 1e3 machine epsilons
ROUNDOFF = 1e3 * np.finfo(float).eps
FAMILYWISE = 1e-3


def attach_checks(d, T: int = T_STEPS) -> None:
    """Attach the five MSR checks to ``d``; ``T`` is the number of Euler steps of its symbolic part."""
    @d.check("msr-gaussian-average", "simulation",
             "W(C, R, Q) of (sample-average) against a Monte-Carlo mean of exp(Σ_k hc b_k(a_k − ε)) over "
             "real Gaussian (a, b, ε) with a random positive covariance (the same algebra as for the "
             "imaginary response fields).")
    def _gaussian(quick):
        return check_gaussian_average(d, T, quick)

    @d.check("msr-discrete-statements", "numeric",
             "The derived discrete statements (conjugates, collective-response-discrete, "
             "effective-process-discrete, noise-kernel-discrete), evaluated at random values, against "
             "NumPy: ρ = inv(1 + hcS), ½h²c²PρC̄ρᵀ, and the step-by-step solver used by the other checks.")
    def _statements(quick):
        return check_discrete_statements(d, T)

    @d.check(CHECK_SIM, "simulation",
             "The discrete saddle point against simulations of the exact discrete dynamics (random "
             "Gaussian data, label noise, Langevin noise): Σ_i Λ_i w̄_i E Δ_{ik}, Σ_i Λ_i E Δ_{ik}² and the "
             "Λ-weighted response at N = 100 and 200 (P = N), Richardson-extrapolated to N → ∞, z-tests.")
    def _simulation(quick):
        return check_saddle_point_simulation(quick)

    @d.check(CHECK_LIMIT, "numeric",
             "The discrete process at h, h/2, h/4 against a trapezoidal solution of the continuum "
             "statements: the Richardson-extrapolated discrete response, kernel, mean, C(t, t) and K(t, t) "
             "agree within the O(h²) bound estimated from the last two levels.")
    def _limit(quick):
        return check_continuum_limit(quick)

    @d.check(CHECK_LAPLACE, "numeric",
             "The trapezoidal continuum response R_i(t) and kernel ρ̃(t), Laplace-transformed "
             "numerically, against the Laplace form (K-5) at two values of z.")
    def _laplace(quick):
        return check_continuum_laplace(quick)


def check_gaussian_average(d, T, quick=False, seed=20260226):
    """Monte Carlo of E exp(X), X = Σ_k hc b_k(a_k − ε), over real Gaussian (a, b, ε) with a random
    positive covariance, against exp W of (sample-average); z-test."""
    rng = np.random.default_rng(seed)
    dim = 2 * T
    L = rng.standard_normal((dim, dim)) / math.sqrt(dim)
    cov = 0.5 * (L @ L.T + 0.5 * np.eye(dim))
    s2 = 0.3
    full = np.zeros((dim + 1, dim + 1))
    full[:dim, :dim], full[dim, dim] = cov, s2
    unit = np.zeros((dim + 1, dim + 1))          # X = ½ xᵀ(hc·unit)x
    for j in range(T):
        unit[T + j, j] = unit[j, T + j] = 1.0
        unit[T + j, dim] = unit[dim, T + j] = -1.0
    # E exp(qX) is finite iff Σ⁻¹ − q·hc·unit is positive definite; q = 4 (a finite fourth moment, so
    # that the standard error of the mean is itself reliable) holds for hc < 1/(4 λ_max), λ_max the
    # largest eigenvalue of Σ^{1/2} unit Σ^{1/2}; take half of that
    root = np.linalg.cholesky(full)
    lam_max = float(np.linalg.eigvalsh(root.T @ unit @ root).max())
    hc = 0.5 / (4 * lam_max)
    M = hc * unit
    margin = float(np.linalg.eigvalsh(np.linalg.inv(full) - 4 * M).min())
    values = {h: hc, c: 1.0, sigma2: s2}
    for j in range(T):
        for q in range(T):
            values[C_OP[j, q]], values[R_OP[j, q]], values[Q_OP[j, q]] = cov[j, q], cov[j, T + q], cov[T + j, T + q]
    W_theory = _evaluate(msr.evaluate_determinants(d["sample-average"].rhs.xreplace(
        {x: sp.Float(v, 30) for x, v in values.items()})), {})
    draws = 100_000 if quick else 400_000
    sample = rng.multivariate_normal(np.zeros(dim + 1), full, size=draws)
    est = Estimate.from_samples(np.exp(0.5 * np.einsum("ni,ij,nj->n", sample, M, sample)))
    threshold = z_threshold(1, FAMILYWISE)
    zt = z_test(math.exp(W_theory), est, threshold)
    return CheckResult("msr-gaussian-average", "simulation", bool(zt.passed and margin > 0), math.exp(W_theory),
                       est.mean, f"|z| <= {threshold:.2f}",
                       f"T = {T}: E exp(X) = {est.mean:.6g} ± {est.se:.2g} (n = {est.n}), exp W = "
                       f"{math.exp(W_theory):.6g} (hc = {hc:.3g}), z = {float(zt.z):+.2f}; min eig(Σ⁻¹ − 4M) = "
                       f"{margin:.3g} > 0",
                       extra={"z": float(zt.z)})


def _random_discrete_point(T, rng):
    vals = {h: 0.3, c: 0.8, P: 5.0, sigma2: 0.4, beta: 3.0}
    Sm = np.tril(rng.uniform(0.2, 1.0, (T, T)), -1)
    Cm = rng.standard_normal((T, T))
    Cm = Cm @ Cm.T / T + np.eye(T)
    for a in range(T):
        for b in range(T):
            vals[S_D[a, b]] = Sm[a, b]
            vals[C_OP[a, b]] = Cm[a, b]
    return vals, Sm, Cm


def _evaluate(expr, vals):
    return float(sp.N(sp.sympify(expr).xreplace({k_: sp.Float(v, 30) for k_, v in vals.items()}), 20))


def check_discrete_statements(d, T, seed=7):
    rng = np.random.default_rng(seed)
    vals, Sm, Cm = _random_discrete_point(T, rng)
    hh, cc, PP, s2, bb = (vals[x] for x in (h, c, P, sigma2, beta))
    rho = np.linalg.inv(np.eye(T) + hh * cc * Sm)
    Cbar_ = Cm + s2
    results = []
    conj = {eq.lhs: eq.rhs for eq in d["conjugates"]}
    got_R = np.array([[_evaluate(conj[R_HAT[a, b]], vals) for b in range(T)] for a in range(T)])
    got_Q = np.array([[_evaluate(conj[Q_HAT[a, b]], vals) for b in range(T)] for a in range(T)])
    got_C = np.array([[_evaluate(conj[C_HAT[a, b]], vals) for b in range(T)] for a in range(T)])
    exp_R, exp_Q = hh * cc * PP * rho.T, 0.5 * hh ** 2 * cc ** 2 * PP * rho @ Cbar_ @ rho.T
    for name, got, want in (("R̂ = hcPρᵀ", got_R, exp_R), ("Q̂ = ½h²c²PρC̄ρᵀ", got_Q, exp_Q),
                            ("Ĉ = 0", got_C, np.zeros((T, T)))):
        err = float(np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want))))
        results.append(CheckResult(f"msr-discrete-statements: {name}", "numeric", err <= ROUNDOFF, 0.0, err,
                                   ROUNDOFF, f"max relative deviation from NumPy {err:.2e} (T = {T})"))
    # ρ̃ recursion against (1 − inv(1 + hcS))/h
    rt_np = (np.eye(T) - rho) / hh
    rec = {eq.lhs: eq.rhs for eq in d["collective-response-discrete"]}
    tvals = dict(vals)
    for a in range(T):
        for b in range(a):
            tvals[RT_D[a, b]] = rt_np[a, b]
    err = max(abs(_evaluate(rhs, tvals) - rt_np[lhs.indices[0], lhs.indices[1]]) for lhs, rhs in rec.items())
    results.append(CheckResult("msr-discrete-statements: ρ̃ = cS − chSρ̃", "numeric", err <= ROUNDOFF * 10,
                               0.0, err, ROUNDOFF * 10, f"recursion residual {err:.2e} at ρ̃ = (1 − ρ)/h"))
    # the step-by-step solver against the derived process and noise statements
    lam = np.array([0.9, 0.5, 0.2])
    wb = np.array([1.0, -0.5, 0.7])
    sol = discrete_dmft(lam, wb, PP, cc, 0.4, bb, s2, hh, T)
    proc = d["effective-process-discrete"]
    kern = {eq.lhs: eq.rhs for eq in d["noise-kernel-discrete"]}
    worst = 0.0
    for i in range(lam.size):
        pv = {h: hh, c: cc, P: PP, g: 0.4, beta: bb, sigma2: s2, LAM[I]: lam[i], WBAR[I]: wb[i]}
        for a in range(T):
            for b in range(a):
                pv[RT_D[a, b]] = sol["rho_tilde"][a, b]
            for b in range(T):
                pv[C_OP[a, b]] = sol["C"][a, b]
            pv[DD[I, a]] = sol["m"][i, a]
        for eq in proc:
            if isinstance(eq.lhs, Cov):
                continue
            step = eq.lhs.indices[1]
            pred = _evaluate(eq.rhs.xreplace({NU[I, step - 1]: 0}), pv)
            worst = max(worst, abs(pred - sol["m"][i, step]))
        for lhs, rhs in kern.items():
            a, b = lhs.args[0].indices[0], lhs.args[1].indices[0]
            worst = max(worst, abs(_evaluate(rhs, pv) - sol["K"][a, b]))
    # S from the responses: the self-consistency S_kl = Σ_i Λ_i χ_i,kl
    S_resp = np.einsum("i,ikl->kl", lam, sol["resp"][:, :T, :])
    worst = max(worst, float(np.max(np.abs(S_resp - sol["S"]))))
    results.append(CheckResult("msr-discrete-statements: NumPy solver", "numeric", worst <= ROUNDOFF * 10, 0.0,
                               worst, ROUNDOFF * 10,
                               f"means, noise kernel and S of discrete_dmft satisfy the derived statements "
                               f"(max deviation {worst:.2e})"))
    return results


#: configuration of the simulation check: bounded spectrum Λ_i = λ(u_i)/N, teacher w̄_i = 1, c = 1
SIM = dict(c=1.0, g=0.3, beta=4.0, sigma2=0.5, h=0.25, T=5)


def _sim_problem(N):
    u_ = (np.arange(N) + 0.5) / N
    return (2 * (1 - u_) ** 2 + 0.1) / N, np.ones(N)


def _sim_task(rng, N, draws):
    lam, wbar = _sim_problem(N)
    return simulate_discrete_dynamics(rng, lam, wbar, N, SIM["c"], SIM["g"], SIM["beta"], SIM["sigma2"], SIM["h"],
                                      SIM["T"], draws)


def _sim_theory(N, theory=discrete_dmft):
    lam, wbar = _sim_problem(N)
    th = theory(lam, wbar, N, SIM["c"], SIM["g"], SIM["beta"], SIM["sigma2"], SIM["h"], SIM["T"])
    # responses at lags 2 … T − 1 (lag 1 is Σ_i Λ_i in both, exactly)
    return {"L": (lam * wbar) @ th["m"][:, 1:], "C": np.diag(th["C"])[1:], "S": th["S"][2:, 0]}


def _fmt(x, digits=2):
    return "[" + ", ".join(f"{v:.{digits}g}" if abs(v) >= 1e-2 else f"{v:.{digits}e}" for v in x) + "]"


def check_saddle_point_simulation(quick=False, theory=discrete_dmft, seed=20260301):
    """Deviations simulation − theory at N and 2N, extrapolated 2·dev(2N) − dev(N), z-tested."""
    sizes = (100, 200)
    draws = (1500, 1500) if quick else (5000, 5000)
    dev, var = {}, {}
    for N, M in zip(sizes, draws):
        rng = np.random.default_rng([seed, N])
        sim = _sim_task(rng, N, M)
        th = _sim_theory(N, theory)
        T = SIM["T"]
        samples = {"L": sim["L"][:, 1:], "C": sim["C"][:, 1:], "S": sim["S"][:, 1:T - 1]}
        for key, x in samples.items():
            dev[key, N] = x.mean(0) - th[key]
            var[key, N] = x.var(0, ddof=1) / x.shape[0]
    results = []
    n_tests = sum(dev[key, sizes[0]].size for key in ("L", "C", "S"))
    threshold = z_threshold(n_tests, FAMILYWISE)
    names = {"L": "Σ Λ w̄ E Δ_k", "C": "Σ Λ E Δ_k²", "S": "Λ-weighted response"}
    for key in ("L", "C", "S"):
        extrap = 2 * dev[key, sizes[1]] - dev[key, sizes[0]]
        se = np.sqrt(4 * var[key, sizes[1]] + var[key, sizes[0]])
        z = extrap / se
        ok = bool(np.all(np.isfinite(z)) and np.all(np.abs(z) <= threshold))
        results.append(CheckResult(f"{CHECK_SIM}: {names[key]}", "simulation", ok, 0.0,
                                   [float(v) for v in extrap], f"|z| <= {threshold:.2f}",
                                   f"N→∞ extrapolated deviation {_fmt(extrap)} ± {_fmt(se)} "
                                   f"(N = {sizes[0]}, {sizes[1]}; {draws[0]}, {draws[1]} draws); z = {_fmt(z, 2)}",
                                   extra={"z": [float(v) for v in z]}))
    return results


#: continuum-limit problem: a few modes, moderate rates
LIMIT = dict(lam=np.array([0.9, 0.45, 0.2, 0.08]), wbar=np.array([1.0, -0.6, 0.8, 0.5]), P=3.0, c=0.7, g=0.3,
             beta=5.0, sigma2=0.3)


def _discrete_on_grid(h_, t_max):
    """The discrete process on t_k = kh in continuum terms: lag j of the kick response ↔ R(jh),
    lag j + 1 of S and ρ̃ (k − l = j + 1) ↔ S(jh), ρ̃(jh); means and C, K at t_k."""
    p = LIMIT
    sol = discrete_dmft(p["lam"], p["wbar"], p["P"], p["c"], p["g"], p["beta"], p["sigma2"], h_,
                        int(round(t_max / h_)))
    return {"R": sol["resp"][:, 1:, 0], "S": sol["S"][1:, 0], "rho_tilde": sol["rho_tilde"][1:, 0], "m": sol["m"],
            "Cd": np.diag(sol["C"]), "Kd": np.diag(sol["K"])}


def _at_times(disc, h_, times):
    j = np.rint(times / h_).astype(int)
    return {"R": disc["R"][:, j], "S": disc["S"][j], "rho_tilde": disc["rho_tilde"][j], "m": disc["m"][:, j],
            "C(t,t)": disc["Cd"][j], "K(t,t)": disc["Kd"][j]}


def check_continuum_limit(quick=False):
    """Discrete process (first order in h) → trapezoidal continuum solution (second order in δ).

    With X_h = X + Ah + Bh² + …, the Richardson values X_R(h) = 2X_{h/2} − X_h have error ~ B'h²,
    so |X_R(h/2) − X| ≈ |X_R(h) − X_R(h/2)|/3: the bound |X_R(h) − X_R(h/2)| (a factor 3 margin)
    plus the continuum solver's own error estimate |X_δ − X_2δ|/3.  A continuum statement that
    is not the limit of the discrete one leaves |X_R − X| finite while the bound goes to 0."""
    p = LIMIT
    t_max = 1.0 if quick else 2.0
    h0 = 0.1
    hs = (h0, h0 / 2, h0 / 4)
    times = np.round(np.arange(0, t_max - h0 + 1e-9, 0.2), 10)
    levels = [_at_times(_discrete_on_grid(hh, t_max), hh, times) for hh in hs]
    delta = 0.0125 if quick else 0.00625
    cont = [continuum_solution(p["lam"], p["wbar"], p["P"], p["c"], p["g"], p["beta"], p["sigma2"], t_max, dd)
            for dd in (2 * delta, delta)]

    def sample(sol, dd):
        j = np.rint(times / dd).astype(int)
        return {"R": sol["R"][:, j], "S": sol["S"][j], "rho_tilde": sol["rho_tilde"][j], "m": sol["m"][:, j],
                "C(t,t)": np.diag(sol["C"])[j], "K(t,t)": np.diag(sol["K"])[j]}

    coarse, fine = sample(cont[0], 2 * delta), sample(cont[1], delta)
    results = []
    for key in ("R", "rho_tilde", "S", "m", "C(t,t)", "K(t,t)"):
        x1, x2, x3 = (lv[key] for lv in levels)
        rich_2, rich_3 = 2 * x2 - x1, 2 * x3 - x2
        ref = (4 * fine[key] - coarse[key]) / 3
        cont_err = np.max(np.abs(fine[key] - coarse[key])) / 3
        bound = float(np.max(np.abs(rich_2 - rich_3)) + cont_err)
        err = float(np.max(np.abs(rich_3 - ref)))
        e1, e3 = float(np.max(np.abs(x1 - ref))), float(np.max(np.abs(x3 - ref)))
        order = math.log2(float(np.max(np.abs(x2 - ref))) / e3) if e3 > 0 else float("inf")
        results.append(CheckResult(f"{CHECK_LIMIT}: {key}", "numeric", err <= bound, 0.0, err, bound,
                                   f"errors of the discrete process at h = {h0:g}, {h0 / 4:g}: {e1:.2e}, {e3:.2e} "
                                   f"(observed order {order:.2f}); Richardson-extrapolated error {err:.2e} <= "
                                   f"O(h²) estimate {bound:.2e}",
                                   extra={"observed_order": order}))
    return results


def check_continuum_laplace(quick=False):
    """∫_0^∞ e^{−zt}R_i(t)dt and ∫e^{−zt}ρ̃(t)dt of the trapezoidal continuum solution (Richardson
    from δ and 2δ) against (K-5); bound: the O(δ²) error estimate |X_δ − X_2δ|/3 plus the tail
    beyond t_max, e^{−z t_max}/z times the largest value of the (decaying) integrands."""
    p = LIMIT
    t_max, delta = 20.0, (0.02 if quick else 0.01)
    sols = [continuum_solution(p["lam"], p["wbar"], p["P"], p["c"], p["g"], p["beta"], p["sigma2"], t_max, dd,
                               covariance=False) for dd in (2 * delta, delta)]
    results = []
    for z_ in (1.5, 3.0):
        R_hat, rt_hat = laplace_kernel(p["lam"], p["P"], p["c"], p["g"], z_)
        numeric = []
        for sol, dd in zip(sols, (2 * delta, delta)):
            weight = np.exp(-z_ * sol["t"]) * dd
            weight[0] *= 0.5
            weight[-1] *= 0.5
            numeric.append(np.concatenate([sol["R"] @ weight, [sol["rho_tilde"] @ weight]]))
        exact = np.concatenate([R_hat, [rt_hat]])
        rich = (4 * numeric[1] - numeric[0]) / 3
        # beyond t_max the integrands are bounded by their largest value (they decay): tail <= e^(−z t_max)/z · max
        tail = math.exp(-z_ * t_max) / z_ * max(1.0, float(np.max(np.abs(sols[1]["rho_tilde"]))))
        bound = float(np.max(np.abs(numeric[1] - numeric[0])) / 3 + tail + ROUNDOFF)
        err = float(np.max(np.abs(rich - exact)))
        results.append(CheckResult(f"{CHECK_LAPLACE}: z = {z_:g}", "numeric", err <= bound, 0.0, err, bound,
                                   f"∫e^(−zt)R_i dt and ∫e^(−zt)ρ̃ dt (trapezoid, Richardson) vs (K-5): "
                                   f"max deviation {err:.2e} <= trapezoid O(δ²) estimate + tail {bound:.2e}"))
    return results
