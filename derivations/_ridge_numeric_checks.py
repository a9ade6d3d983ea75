"""Numeric (non-simulation) checks of ``ridge-regression``: two routes to κ, dκ/dλ, limits."""
from __future__ import annotations

import mpmath
import numpy as np

from derivations.engine import CheckResult
from numerics.precision import workdps
from numerics.solvers import fixed_point

DPS = 50


def _problem():
    from derivations._ridge_checks import power_law_problem
    return power_law_problem(300)


def kappa_routes(quick: bool) -> list[CheckResult]:
    """Root of (kappa-equation) in float64 and at 50 digits vs the fixed point of (renormalized-ridge)."""
    from derivations import ridge_regression as rr
    from derivations._ridge_theory import _compiled
    from derivations.spectral_eval import Formula
    learning_curve, solve_kappa = rr.learning_curve, rr.solve_kappa
    eta, w = _problem()
    S1, d = _compiled()["S1"], rr.build()
    # the fixed-point map κ ← λ/(1 − q df¹(κ)) is (renormalized-ridge) with df¹ = S₁/D, q = D/P
    ridge_map = Formula(d["renormalized-ridge"].rhs.subs(rr.df1(rr.kappa), rr.SUM_DF1 / rr.D).subs(rr.q, rr.D / rr.P),
                        {rr.lam: "lam", rr.P: "P", rr.SUM_DF1: "S1"})
    out = []
    for P, lam in ((600, 1e-2), (150, 1e-3), (150, 1.0)):
        k64 = learning_curve(eta, w, P, lam).kappa
        with workdps(DPS):
            etam = [mpmath.mpf(e) for e in eta]
            kmp, _ = solve_kappa(etam, mpmath.mpf(P), mpmath.mpf(lam), mp=True)
            fp = fixed_point(lambda k: ridge_map(mp=True, lam=mpmath.mpf(lam), P=P, S1=S1(etam, None, k, mp=True)),
                             mpmath.mpf(lam),
                             backend="mpmath", maxiter=5000, damping=0.5)
            gap = abs(fp.x - kmp) / kmp
            tol = mpmath.mpf(10) ** (-(DPS - 10))
        out.append(CheckResult(f"kappa-routes: P={P}, λ={lam:g}, root vs fixed point", "numeric", gap < tol,
                               str(kmp), str(fp.x), f"{float(tol):.0e}", f"{DPS}-digit bracketed root vs damped "
                               f"fixed-point iteration ({fp.iterations} iterations)"))
        rel = abs(k64 - float(kmp)) / float(kmp)
        out.append(CheckResult(f"kappa-routes: P={P}, λ={lam:g}, float64 vs mpmath", "numeric", rel < 1e-12,
                               float(kmp), k64, 1e-12, f"relative difference {rel:.1e}"))
    return out


def implicit_derivative(quick: bool) -> list[CheckResult]:
    """dκ/dλ by a central difference at 50 digits against 1/(1 − γ)."""
    from derivations.ridge_regression import learning_curve
    eta, w = _problem()
    out = []
    with workdps(DPS):
        for P, lam in ((600, "0.01"), (150, "0.001")):
            lam, h = mpmath.mpf(lam), mpmath.mpf(10) ** -15
            up, down = (learning_curve(eta, w, P, lam + s * h, dps=DPS) for s in (1, -1))
            slope = (up.kappa - down.kappa) / (2 * h)
            theory = 1 / (1 - learning_curve(eta, w, P, lam, dps=DPS).gamma)
            tol = mpmath.mpf(10) ** -20
            out.append(CheckResult(f"implicit-derivative: P={P}, λ={float(lam):g}", "numeric",
                                   abs(slope - theory) < tol * theory, str(theory), str(slope), "1e-20 rel.",
                                   "central difference, h = 1e-15 (error O(h²)), 50 digits"))
    return out


def ridgeless_limits(quick: bool) -> list[CheckResult]:
    """λ = 0 branch vs λ = 1e-30 at 50 digits, and the closed forms of the limit steps."""
    from derivations.ridge_regression import learning_curve
    eta, w = _problem()
    out = []
    with workdps(DPS):
        for P in (600, 150):
            zero = learning_curve(eta, w, P, 0, noise_variance=0.25, dps=DPS)
            tiny = learning_curve(eta, w, P, mpmath.mpf(10) ** -30, noise_variance=0.25, dps=DPS)
            for key in ("kappa", "E_g", "E_tr"):
                a, b = getattr(zero, key), getattr(tiny, key)
                ok = abs(a - b) <= mpmath.mpf(10) ** -20 * max(1, abs(b))
                out.append(CheckResult(f"ridgeless-limits: q={len(eta) / P:g}, {key}", "numeric", ok, str(b), str(a),
                                       "1e-20", "λ = 0 branch vs λ = 1e-30 (difference O(λ))"))
        q = mpmath.mpf(len(eta)) / 600
        closed = mpmath.mpf("0.25") * q / (1 - q)
        eg = learning_curve(eta, w, 600, 0, noise_variance=0.25, dps=DPS).E_g
        out.append(CheckResult("ridgeless-limits: E_g = σ²q/(1−q) for q < 1", "numeric",
                               abs(eg - closed) < mpmath.mpf(10) ** -(DPS - 5), str(closed), str(eg), f"1e-{DPS - 5}"))
        iso = learning_curve(np.ones(300), np.full(300, 0.1), 100, 0, dps=DPS).kappa
        out.append(CheckResult("ridgeless-limits: isotropic κ = q − 1 (q = 3)", "numeric",
                               abs(iso - 2) < mpmath.mpf(10) ** -(DPS - 5), 2, str(iso), f"1e-{DPS - 5}"))
    return out


def register(d) -> None:
    d.check("kappa-routes", "numeric", "κ by root, by fixed point, in float64 and 50 digits")(kappa_routes)
    d.check("implicit-derivative", "numeric", "finite-difference dκ/dλ vs 1/(1 − γ) at 50 digits")(implicit_derivative)
    d.check("ridgeless-limits", "numeric", "λ = 0 branches vs tiny λ, σ²q/(1−q), isotropic κ = q − 1")(ridgeless_limits)
