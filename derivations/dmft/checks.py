"""Numeric checks of ``dmft-langevin`` (non-simulation): identities, the two routes, the limits.

``noise-identity``       the label-noise kernel identity and U = X/D at 40 digits, random complex z₁, z₂,
                         from the K-5 transforms of :mod:`numerics.dmft_laplace`;
``two-time-fixed-point`` the two-time self-consistency (K-6, K-7) solved on a grid
                         (:func:`numerics.dmft_two_time.two_time_test_error`) against the one-time
                         formula (test-error): the gap must shrink at second order in dt;
``routes``               route 1 (time domain) against route 2 (Laplace inversion at 30 digits): the
                         gap must lie within the time-domain error estimated by Richardson (dt, dt/2);
``evaluators-match-statement`` the trapezoidal functionals and the Laplace transforms of the evaluators
                         against (test-error) compiled from the statement at S = e^{−ax};
``stationary-limit``     (stationary-error) compiled from the statement, against the ``ridge-regression``
                         learning curve at ridge g/(cP) plus the posterior variance, and against the
                         Laplace route at a time where the slowest relaxation e^{−gt} is negligible.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from derive.dmft_symbols import P as P_, beta as beta_, c as c_, g as g_, kappa, sigma2, t as t_, v as v_
from derivations.dmft.laplace_steps import a as a_sym
from derivations.dmft.steps import Df, TF, derivation, gamma
from derivations.dmft.theory import _error_transforms, error_functionals, test_error_curve
from derivations.engine import CheckResult
from derivations.ridge import learning_curve as ridge_curve
from numerics.bridge import to_mpmath, to_numpy
from numerics.dmft_laplace import response_transforms
from numerics.dmft_two_time import two_time_test_error
from numerics.dmft_volterra import suggested_dt
from numerics.precision import workdps

DPS = 40
SPECTRUM = np.arange(1, 101) ** -1.5           # the paper's Λ_ii = i^{−3/2}, N = 100


def attach_checks(d) -> None:
    """Attach the five checks above to ``d`` (the ``dmft-langevin`` derivation)."""
    d.check("noise-identity", "numeric", "label-noise kernel identity and U = X/D at 40 digits")(noise_identity)
    d.check("two-time-fixed-point", "numeric", "two-time fixed point (K-6, K-7) vs the one-time formula")(
        two_time_fixed_point)
    d.check("routes", "numeric", "time-domain route vs Laplace route")(routes)
    d.check("evaluators-match-statement", "numeric", "the evaluators implement (test-error)")(
        evaluators_match_statement)
    d.check("stationary-limit", "numeric", "t → ∞ against ridge regression and the Laplace route")(
        stationary_limit)


def noise_identity(quick: bool) -> list[CheckResult]:
    rng = np.random.default_rng(7)
    out = []
    with workdps(DPS):
        lam = [mpmath.mpf(1) / mpmath.mpf(i) ** mpmath.mpf(1.5) for i in range(1, 7)]
        for P, g, c in ((4, "0.3", "0.7"), (9, "0", "0.25")):
            P, g, c = mpmath.mpf(P), mpmath.mpf(g), mpmath.mpf(c)
            z1 = mpmath.mpc(*rng.uniform(0.2, 2.0, 2))
            z2 = mpmath.mpc(rng.uniform(0.2, 2.0), -rng.uniform(0.1, 2.0))
            a, b = response_transforms(z1, lam, P, g, c), response_transforms(z2, lam, P, g, c)
            X = sum(L * r1 * r2 for L, r1, r2 in zip(lam, a.R_hat, b.R_hat))
            Y = sum(L * L * r1 * r2 for L, r1, r2 in zip(lam, a.R_hat, b.R_hat))
            D = 1 - c ** 2 * P * a.rho_hat * b.rho_hat * Y
            U = (a.S_hat - b.S_hat) / (z2 - z1)
            tol = mpmath.mpf(10) ** (-(DPS - 8))
            for what, lhs, rhs in (("U = X/D", U, X / D),
                                   ("c²Pρ̂₁ρ̂₂Y/D = c[Ŝ₂ − (z₁+g)U]", c ** 2 * P * a.rho_hat * b.rho_hat * Y / D,
                                    c * (b.S_hat - (z1 + g) * U))):
                gap = abs(lhs - rhs) / abs(rhs)
                out.append(CheckResult(f"noise-identity: {what}, P={int(P)}, g={float(g):g}", "numeric", gap < tol,
                                       complex(rhs), complex(lhs), float(tol), f"relative gap {float(gap):.1e} at "
                                       f"{DPS} digits, z₁={complex(z1):.3g}, z₂={complex(z2):.3g}"))
    return out


def _one_time(times, lam, P, g, beta, c, v, s2, dt):
    return test_error_curve(times, lam, P, g, beta, c, v, s2, dt=dt)


def two_time_fixed_point(quick: bool) -> list[CheckResult]:
    """Gap between the two-time fixed point and the one-time formula at dt and dt/2: order >= 1.5."""
    lam = np.arange(1, 21) ** -1.5
    out = []
    cases = ((20, 0.3, 30.0, 0.05, 0.5), (10, 0.0, np.inf, 0.05, 0.0), (40, 0.5, 10.0, 0.025, 1.0))
    for P, g, beta, c, s2 in cases[:2] if quick else cases:
        t_max, gaps = 4.0, []
        for dt in (0.1, 0.05):
            two = two_time_test_error(lam, P, g, beta, c, 1.0, s2, dt, t_max)
            grid = two.times
            one = _one_time(grid, lam, P, g, beta, c, 1.0, s2, dt)
            gaps.append(float(np.max(np.abs(two.total - one.total) / one.total)))
        order = math.log2(gaps[0] / gaps[1]) if gaps[1] > 0 else math.inf
        ok = order >= 1.5 and gaps[1] < 1e-2
        out.append(CheckResult(f"two-time-fixed-point: P={P}, g={g}, β={beta}, c={c}, σ²={s2}", "numeric", ok,
                               0.0, gaps[1], "order >= 1.5", f"max relative gap {gaps[0]:.2e} (dt=0.1), "
                               f"{gaps[1]:.2e} (dt=0.05): observed order {order:.2f} (second-order schemes: 2)"))
    return out


def routes(quick: bool) -> list[CheckResult]:
    """Time domain at dt and dt/2 (Richardson error estimate) against the Laplace route at 30 digits."""
    out = []
    cases = ((100, 20.0, 50.0, 1.0, 0.5), (100, 0.0, np.inf, 0.01, 0.0), (50, 0.1, 1e4, 1.0, 0.0))
    for P, g, beta, c, s2 in cases[:2] if quick else cases:
        rate_time = 1.0 / (c * P * SPECTRUM[0])
        times = np.array([0.05, 0.3, 1.0, 3.0]) * rate_time
        dt = suggested_dt(SPECTRUM, P, c) / 4
        coarse = test_error_curve(times, SPECTRUM, P, g, beta, c, 1.0, s2, dt=dt)
        fine = test_error_curve(times, SPECTRUM, P, g, beta, c, 1.0, s2, dt=dt / 2)
        with workdps(30):
            lap = test_error_curve(times, SPECTRUM, P, g, beta, c, 1.0, s2, method="laplace")
        for name in ("total", "bias", "variance_langevin"):
            f, co, la = getattr(fine, name), getattr(coarse, name), getattr(lap, name)
            est = np.abs(f - co) / 3                    # Richardson: error of the fine grid
            tol = 3 * est + 1e-12 * np.abs(la)
            gap = np.abs(f - la)
            scale = float(np.max(np.abs(la)))
            detail = ("both zero (β = ∞)" if scale == 0 else
                      f"max gap/Richardson estimate {float(np.max(gap / np.maximum(est, 1e-300))):.2f}; "
                      f"max gap/max value {float(np.max(gap)) / scale:.1e}")
            out.append(CheckResult(f"routes: {name}, P={P}, g={g}, β={beta:g}, c={c:g}, σ²={s2}", "numeric",
                                   bool(np.all(gap <= tol)), la.tolist(), f.tolist(), tol.tolist(), detail))
    return out


def stationary_limit(quick: bool) -> list[CheckResult]:
    stmt = derivation()["stationary-error"]
    k8 = to_numpy(stmt.rhs, [kappa, Df, TF, gamma, P_, c_, beta_, v_, sigma2])
    out = []
    for P, g, beta, c, s2 in ((100, 20.0, 50.0, 1.0, 0.5), (100, 0.1, 1e4, 1.0, 0.0), (150, 2.0, 10.0, 0.01, 0.3)):
        lam = SPECTRUM
        ridge = ridge_curve(lam, np.ones_like(lam), P, g / (c * P), noise_variance=s2)
        k = float(ridge.kappa)
        df, tf, gam = np.sum(lam / (lam + k)), np.sum(lam / (lam + k) ** 2), np.sum(lam ** 2 / (lam + k) ** 2) / P
        ours = float(k8(k, df, tf, gam, P, c, beta, 1.0, s2))
        posterior = df / (c * beta * (P - df))
        other = float(ridge.E_g) + posterior
        rel = abs(ours - other) / other
        out.append(CheckResult(f"stationary-limit: K-8 vs ridge-regression, P={P}, g={g}, β={beta:g}, c={c:g}",
                               "numeric", rel < 1e-12, other, ours, 1e-12, f"relative gap {rel:.1e}"))
        t_long = 40.0 / g if g > 1 else 40.0 / g
        with workdps(20):
            lap = test_error_curve([t_long], lam, P, g, beta, c, 1.0, s2, method="laplace")
        rel = abs(float(lap.total[0]) - ours) / ours
        tol = 1e-8                                  # e^{−2gt} = e^{−80} is far below; 20-digit inversion
        out.append(CheckResult(f"stationary-limit: Laplace route at t = 40/g, P={P}, g={g}, β={beta:g}, c={c:g}",
                               "numeric", rel < tol, ours, float(lap.total[0]), tol, f"relative gap {rel:.1e}"))
    return out


def evaluators_match_statement(quick: bool) -> list[CheckResult]:
    """The numeric evaluators implement (test-error): at S(x) = e^{−ax} (one eigendirection) the
    time-domain functionals (trapezoidal, at dt and dt/2, Richardson) and the Laplace-domain transforms
    (Ŝ(z) = 1/(z + a)) against the statement's right side compiled through the bridge, and its
    Laplace transform by SymPy."""
    stmt = derivation()["test-error"]
    args = [t_, a_sym, g_, beta_, c_, v_, sigma2]
    exact = to_numpy(stmt.rhs, args)
    z_pos = sp.Symbol("zeta", positive=True)
    transform = sp.laplace_transform(stmt.rhs.subs(t_, sp.Symbol("tt", positive=True)), sp.Symbol("tt", positive=True),
                                     z_pos, noconds=True)
    exact_hat = to_mpmath(transform, [z_pos, a_sym, g_, beta_, c_, v_, sigma2])
    out = []
    for a, g, beta, c, v, s2 in ((1.3, 0.4, 7.0, 0.8, 1.5, 0.3), (0.2, 0.0, 3.0, 2.0, 0.7, 1.1)):
        values = []
        for h in (0.01, 0.005):
            x = h * np.arange(2 * int(round(2.0 / h)) + 1)
            tk, clean, noise, lang = error_functionals(np.exp(-a * x), h, g, beta, c, v, s2)
            values.append((tk, clean + noise + lang))
        (t1, e1), (t2, e2) = values
        fine = e2[::2]
        want = exact(t1, a, g, beta, c, v, s2)
        richardson = np.abs(fine - e1) / 3
        gap = np.abs(fine - want)
        ok = bool(np.all(gap <= 3 * richardson + 1e-14))
        out.append(CheckResult(f"evaluators-match-statement: time domain, a={a}, g={g}, β={beta}, c={c}", "numeric",
                               ok, float(want[-1]), float(fine[-1]), "3 × Richardson estimate",
                               f"max gap {float(gap.max()):.1e}, Richardson {float(richardson.max()):.1e}"))
        for zv in (0.7, 3.1):
            Sz, Sh = 1 / (zv + a), 1 / (zv / 2 + a)
            got = sum(_error_transforms(zv, Sz, Sh, g, 1 / beta, c, v, s2))
            with mpmath.workdps(30):
                want = float(exact_hat(zv, a, g, beta, c, v, s2))
            rel = abs(got - want) / abs(want)
            out.append(CheckResult(f"evaluators-match-statement: Laplace transform, a={a}, g={g}, z={zv}", "numeric",
                                   rel < 1e-13, want, got, 1e-13, f"relative gap {rel:.1e} (float64)"))
    return out
