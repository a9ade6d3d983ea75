"""Numeric (non-simulation) checks of ``ridge-regression``: two routes to κ, dκ/dλ, limits."""
from __future__ import annotations

import mpmath
import numpy as np

from derivations.engine import CheckResult
from numerics.precision import workdps
from numerics.solvers import fixed_point
from derivations.engine.spectral_eval import Formula
import derivations.ridge.steps as rr
from derivations.ridge.problems import power_law_problem
from derivations.ridge.theory import _compiled, learning_curve, solve_kappa

DPS = 50


def _problem():
    return power_law_problem(300)


def kappa_routes(quick: bool) -> list[CheckResult]:
    """Root of (kappa-equation) in float64 and at 50 digits vs the fixed point of (renormalized-ridge)."""
    eta, w = _problem()
    S1, d = _compiled()["S1"], rr.derivation()
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
        # float64: a sum of D terms carries <= D·ε relative round-off, amplified by 1/(1 − γ) <= 10 in the root
        tol64 = 10 * len(eta) * np.finfo(float).eps
        out.append(CheckResult(f"kappa-routes: P={P}, λ={lam:g}, float64 vs mpmath", "numeric", rel < tol64,
                               float(kmp), k64, tol64, f"relative difference {rel:.1e} (bound 10·D·ε)"))
    return out


def implicit_derivative(quick: bool) -> list[CheckResult]:
    """dκ/dλ by a central difference at 50 digits against 1/(1 − γ)."""
    eta, w = _problem()
    out = []
    with workdps(DPS):
        for P, lam in ((600, "0.01"), (150, "0.001")):
            lam, h = mpmath.mpf(lam), mpmath.mpf(10) ** -15
            # central difference: truncation h²·|κ'''|/6, round-off 10^-dps/h; derivatives up to 1e5 allowed
            bound = 10 ** 5 * (h ** 2 + mpmath.mpf(10) ** -DPS / h)
            up, down = (learning_curve(eta, w, P, lam + s * h, dps=DPS) for s in (1, -1))
            slope = (up.kappa - down.kappa) / (2 * h)
            theory = 1 / (1 - learning_curve(eta, w, P, lam, dps=DPS).gamma)
            out.append(CheckResult(f"implicit-derivative: P={P}, λ={float(lam):g}", "numeric",
                                   abs(slope - theory) < bound * theory, str(theory), str(slope),
                                   f"{float(bound):.0e} rel.",
                                   "central difference, h = 1e-15 (error O(h²)), 50 digits"))
    return out


def ridgeless_limits(quick: bool) -> list[CheckResult]:
    """λ = 0 branches vs λ = 1e-30 at 50 digits, and the closed forms of the limit steps
    (compiled from ``ridgeless-error-under`` and ``isotropic-implicit-ridge``)."""
    from numerics.bridge import to_mpmath
    d = rr.derivation()
    eta, w = _problem()
    out, lam_tiny = [], mpmath.mpf(10) ** -30
    with workdps(DPS):
        # X(λ) − X(0) = λ X'(ξ): relative differences O(λ) with |X'/X| ≤ 1e5 here, so 1e-25 bounds them.
        # Quantities that vanish at λ = 0 are compared through their rates, from the derivation:
        # κ/λ → 1/(1 − q) for q < 1 (renormalized-ridge with df¹(0) = 1), and
        # E_tr/λ² → (E_g + σ²)/κ² for q > 1 (train-test-relation).
        tol_limit = lam_tiny * 10 ** 5
        rate_kappa = to_mpmath(d["renormalized-ridge"].rhs.subs(rr.df1(rr.kappa), 1) / rr.lam, [rr.q])
        rate_etr = to_mpmath(d["train-test-relation"].rhs / rr.lam ** 2, [rr.kappa, rr.E_g, rr.sigma])
        sigma = mpmath.sqrt(mpmath.mpf("0.25"))
        for P in (600, 150):
            q_v = mpmath.mpf(len(eta)) / P
            zero = learning_curve(eta, w, P, 0, noise_variance="0.25", dps=DPS)
            tiny = learning_curve(eta, w, P, lam_tiny, noise_variance="0.25", dps=DPS)
            rows = [("E_g", zero.E_g, tiny.E_g)]
            if q_v < 1:
                rows += [("E_tr", zero.E_tr, tiny.E_tr), ("kappa/λ", rate_kappa(q_v), tiny.kappa / lam_tiny)]
            else:
                rows += [("kappa", zero.kappa, tiny.kappa),
                         ("E_tr/λ²", rate_etr(zero.kappa, zero.E_g, sigma), tiny.E_tr / lam_tiny ** 2)]
            for key, limit, value in rows:
                rel = abs(value - limit) / abs(limit)
                out.append(CheckResult(f"ridgeless-limits: q={float(q_v):g}, {key}", "numeric", rel <= tol_limit,
                                       str(limit), str(value), f"{float(tol_limit):.0e} rel.",
                                       f"λ = 0 branch (or its derived rate) vs λ = 1e-30; relative difference "
                                       f"{float(rel):.1e}, O(λ) expected"))
        tol = mpmath.mpf(10) ** -(DPS - 5)
        under = to_mpmath(d["ridgeless-error-under"].rhs, [rr.q, rr.sigma])
        closed = under(mpmath.mpf(len(eta)) / 600, mpmath.sqrt(mpmath.mpf("0.25")))
        eg = learning_curve(eta, w, 600, 0, noise_variance="0.25", dps=DPS).E_g
        out.append(CheckResult("ridgeless-limits: (ridgeless-error-under) at q = 1/2", "numeric",
                               abs(eg - closed) < tol * closed, str(closed), str(eg), f"{float(tol):.0e} rel.",
                               "learning_curve at λ = 0 vs the derived σ²q/(1 − q)"))
        implicit = to_mpmath(d["isotropic-implicit-ridge"].rhs, [rr.q])(3)
        iso = learning_curve(np.ones(300), np.full(300, 0.1), 100, 0, dps=DPS).kappa
        out.append(CheckResult("ridgeless-limits: (isotropic-implicit-ridge) at q = 3", "numeric",
                               abs(iso - implicit) < tol * implicit, str(implicit), str(iso), f"{float(tol):.0e} rel.",
                               "learning_curve κ at λ = 0, Σ = I vs the derived κ = q − 1"))
    return out


def _draw_system(seed: int, D: int = 12, P: int = 9):
    """One exact finite system: Σ = diag(η), X (P×D), w̄, labels y; mpmath matrices."""
    rng = np.random.default_rng(seed)
    eta = 1 / np.arange(1, D + 1) ** 1.5
    X = rng.standard_normal((P, D)) * np.sqrt(eta)
    w, y = rng.standard_normal(D), rng.standard_normal(P)
    return [mpmath.matrix(v.tolist()) for v in (np.diag(eta), X, w, y)]


def resolvent_identities(quick: bool) -> list[CheckResult]:
    """The three exact matrix identities behind E_g and E_tr, on one finite draw at 40 digits:
    each side computed directly and by a central difference (h = 1e-12: truncation O(h²) = 1e-24,
    round-off O(10^-40/h) = 1e-28; tolerance 1e-20 relative leaves room for derivatives up to 1e4)."""
    mpm = mpmath
    out = []
    with workdps(40):
        S, X, w, y = _draw_system(11)
        P, D = X.rows, X.cols
        lam, h, tol = mpm.mpf("0.1"), mpm.mpf(10) ** -12, mpm.mpf(10) ** -20
        I_D, I_P = mpm.eye(D), mpm.eye(P)
        hat = X.T * X / P
        A_inv = (hat + lam * I_D) ** -1
        central = lambda f, x: (f(x + h) - f(x - h)) / (2 * h)
        # noiseless error: (ŵ − w̄)ᵀΣ(ŵ − w̄) with ŵ = (Σ̂+λ)⁻¹Σ̂w̄  vs  −∂_μ w̄ᵀλ(Σ̂+λ+λμΣ)⁻¹w̄ at μ = 0
        dev = A_inv * hat * w - w
        direct = (dev.T * S * dev)[0]
        q_of = lambda m: (w.T * (lam * (hat + lam * I_D + lam * m * S) ** -1) * w)[0]
        out.append(_identity_result("noiseless-error-definition", direct, -central(q_of, 0), tol))
        # noise: tr[Σ Σ̂(Σ̂+λ)⁻²]  vs  ∂_λ[λ tr Σ(Σ̂+λ)⁻¹]   (the common factor σ²/P dropped)
        direct = sum((S * hat * A_inv * A_inv)[i, i] for i in range(D))
        t_of = lambda l: l * sum((S * (hat + l * I_D) ** -1)[i, i] for i in range(D))
        out.append(_identity_result("noise-variance-definition", direct, central(t_of, lam), tol))
        # training error: (1/P)|y − Xŵ|², ŵ = (Σ̂+λ)⁻¹Xᵀy/P  vs  −λ² ∂_λ (1/P) yᵀ(XXᵀ/P+λ)⁻¹y
        res = y - X * (A_inv * X.T * y / P)
        direct = (res.T * res)[0] / P
        f_of = lambda l: (y.T * ((X * X.T / P + l * I_P) ** -1) * y)[0] / P
        out.append(_identity_result("training-error-definition", direct, -lam ** 2 * central(f_of, lam), tol))
    return out


def _identity_result(step, direct, derivative, tol):
    rel = abs(direct - derivative) / abs(direct)
    return CheckResult(f"resolvent-identities: ({step})", "numeric", rel < tol, str(direct), str(derivative),
                       f"{float(tol):.0e} rel.", f"direct matrix computation vs central difference at 40 digits, "
                       f"D = 12, P = 9, λ = 0.1; relative difference {float(rel):.1e}")


def attach_checks(d) -> None:
    """Add the numeric (non-simulation) checks of ``ridge-regression`` to its derivation ``d``."""
    d.check("kappa-routes", "numeric", "κ by root, by fixed point, in float64 and 50 digits")(kappa_routes)
    d.check("implicit-derivative", "numeric", "finite-difference dκ/dλ vs 1/(1 − γ) at 50 digits")(implicit_derivative)
    d.check("ridgeless-limits", "numeric", "λ = 0 branches vs tiny λ, σ²q/(1−q), isotropic κ = q − 1")(ridgeless_limits)
    d.check("resolvent-identities", "numeric", "the matrix identities behind E_g and E_tr, by finite "
            "differences on one exact draw at 40 digits")(resolvent_identities)
