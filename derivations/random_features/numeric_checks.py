"""Numeric (non-simulation) checks of ``linear-random-features``: exact matrix identities on
drawn projections, derivatives by finite differences, limits, and float64 against mpmath."""
from __future__ import annotations

import mpmath
import numpy as np

from derivations.engine import CheckResult
from derivations.random_features.theory import learning_curve, projection_level
from derivations.ridge import learning_curve as ridge_curve
from derivations.ridge import power_law_problem
from numerics.precision import workdps

DPS = 40


def _exact_draw(D, N, seed):
    """A small problem in exact-ish arithmetic: Σ diagonal power law, a Gaussian F (D×N), w̄."""
    rng = np.random.default_rng(seed)
    eta = [mpmath.mpf(k) ** mpmath.mpf("-1.5") for k in range(1, D + 1)]
    F = mpmath.matrix(rng.standard_normal((D, N)).tolist()) / mpmath.sqrt(D)
    w = mpmath.matrix(rng.standard_normal(D).tolist())
    return eta, F, w


def resolvent_identities(quick: bool) -> list[CheckResult]:
    """(fixed-F-bias) and (fixed-F-bias-spectral) on drawn F at 40 digits, for N < D and N > D.

    Route 1: the population ridge predictor of the features, w = F(FᵀΣF + κ₁)⁻¹FᵀΣw̄, and its
    error (w − w̄)ᵀΣ(w − w̄). Route 2: the features' own problem — target w_F = (FᵀΣF)⁺FᵀΣw̄,
    κ₁² w_Fᵀ Σ_F(Σ_F + κ₁)⁻² w_F plus the unrepresentable part σ_F² = w̄ᵀΣw̄ − w̄ᵀΣF w_F.
    Route 3: the eigen-sum Σ_k c_k² κ₁²/(a_k + κ₁)² of A = Σ^{1/2}FFᵀΣ^{1/2}. Also γ₁ from Σ_F
    and from A (gamma1-definition).
    """
    out = []
    tol = mpmath.mpf(10) ** (-(DPS - 12))
    with workdps(DPS):
        k1 = mpmath.mpf("0.01")
        for D, N, seed in ((12, 7, 1), (8, 13, 2)):
            eta, F, w = _exact_draw(D, N, seed)
            Sig = mpmath.diag(eta)
            SF = F.T * Sig * F
            w_pop = F * mpmath.inverse(SF + k1 * mpmath.eye(N)) * F.T * Sig * w
            err = w_pop - w
            route1 = (err.T * Sig * err)[0]
            pinv = _pseudo_inverse(SF)
            wF = pinv * F.T * Sig * w
            lam_F, V = mpmath.eigsy(SF)
            comps = V.T * SF * wF        # Σ_F w_F in the eigenbasis of Σ_F
            tf1p_F = mpmath.fsum(comps[i] ** 2 / lam_F[i] / (lam_F[i] + k1) ** 2
                                 for i in range(N) if lam_F[i] > tol)
            sigma_F2 = (w.T * Sig * w)[0] - (w.T * Sig * F * wF)[0]
            route2 = k1 ** 2 * tf1p_F + sigma_F2
            half = mpmath.diag([mpmath.sqrt(e) for e in eta])
            a, U = mpmath.eigsy(half * F * F.T * half)
            c = U.T * half * w
            route3 = mpmath.fsum(c[i] ** 2 * k1 ** 2 / (max(a[i], 0) + k1) ** 2 for i in range(D))
            g_F = mpmath.fsum(l ** 2 / (l + k1) ** 2 for l in lam_F)
            g_A = mpmath.fsum(max(x, 0) ** 2 / (max(x, 0) + k1) ** 2 for x in a)
            for what, x, y in (("B₁: predictor error vs κ₁² tf₁'_F + σ_F² (fixed-F-bias)", route1, route2),
                               ("B₁: predictor error vs eigen-sum over A (fixed-F-bias-spectral)", route1, route3),
                               ("P·γ₁ over Σ_F vs over A (gamma1-definition)", g_F, g_A)):
                rel = abs(x - y) / abs(y)
                out.append(CheckResult(f"rf-resolvent-identities: D={D}, N={N}, {what}", "numeric", rel < tol,
                                       str(y), str(x), f"{float(tol):.0e}", f"{DPS}-digit matrices; relative "
                                       f"difference {mpmath.nstr(rel, 3)}"))
    return out


def _pseudo_inverse(M):
    """Moore–Penrose inverse of a symmetric PSD matrix by its eigen-decomposition (zero modes dropped)."""
    lam, V = mpmath.eigsy(M)
    cut = mpmath.mpf(10) ** (-(mpmath.mp.dps // 2)) * max(abs(x) for x in lam)
    inv = mpmath.diag([1 / x if x > cut else 0 for x in lam])
    return V * inv * V.T


def _problem(D=300):
    eta, w = power_law_problem(D)
    return [mpmath.mpf(e) for e in eta], [mpmath.mpf(x) for x in w]


def derivatives(quick: bool) -> list[CheckResult]:
    """∂, E_F B₁ = Q − κ₁Q' and γ₁ = q(1 − r − κ₁r') against central differences of the equivalents
    κ₂(κ₁), Q(κ₁), r(κ₁) at 40 digits (truncation h²·|f'''|/6 and round-off 10^−dps/h with h = 1e-12)."""
    out = []
    with workdps(DPS):
        eta, w = _problem()
        h = mpmath.mpf(10) ** -12
        tol = mpmath.mpf(10) ** -16
        for widths, k1 in (([mpmath.mpf(150)], mpmath.mpf("0.01")), ([mpmath.mpf(600), mpmath.mpf(100)], mpmath.mpf("0.001"))):
            at = projection_level(eta, w, widths, k1, mp=True)
            lo, hi = (projection_level(eta, w, widths, k1 * (1 + s * h), mp=True) for s in (-1, 1))
            dlog = (mpmath.log(hi["kappa2"]) - mpmath.log(lo["kappa2"])) / (mpmath.log(1 + h) - mpmath.log(1 - h))
            dQ = (hi["Q"] - lo["Q"]) / (2 * h * k1)
            dr = (hi["r"] - lo["r"]) / (2 * h * k1)
            rows = (("∂ = d log κ₂/d log κ₁ (partial)", at["partial"], dlog),
                    ("E_F B₁ = Q − κ₁Q' (mean-fixed-F-bias)", at["B1mean"], at["Q"] - k1 * dQ),
                    ("γ₁/q = 1 − r − κ₁r' (gamma1)", at["gamma1_over_q"], 1 - at["r"] - k1 * dr))
            for what, formula, fd in rows:
                rel = abs(formula - fd) / abs(fd)
                out.append(CheckResult(f"rf-derivatives: N={[int(n) for n in widths]}, κ₁={mpmath.nstr(k1, 3)}, {what}",
                                       "numeric", rel < tol, str(fd), str(formula), f"{float(tol):.0e}",
                                       f"formula vs central difference at {DPS} digits: relative {mpmath.nstr(rel, 3)}"))
    return out


def limits(quick: bool) -> list[CheckResult]:
    """N → ∞ with λ·N/D fixed is ridge regression; P → ∞ leaves the infinite-data error E_F B₁ at κ₁ = λ;
    float64 agrees with 40 digits. The first-order corrections are O(D/N) and O(D/P): the checks
    require the difference at scale 10^12 to be below 10·D/scale."""
    eta64, w64 = power_law_problem(200)
    out = []
    with workdps(DPS):
        eta, w = [mpmath.mpf(x) for x in eta64], [mpmath.mpf(x) for x in w64]
        big, lam, P = mpmath.mpf(10) ** 12, mpmath.mpf("0.01"), mpmath.mpf(100)
        wide = learning_curve(eta, w, P, big, lam * big / 200, "0.25", dps=DPS)
        ridge = ridge_curve(eta, w, P, lam, "0.25", dps=DPS)
        rel = abs(wide.E_g / ridge.E_g - 1)
        bound = 10 * 200 / big
        out.append(CheckResult("rf-limits: N → ∞ (λN/D fixed) is ridge regression, E_g", "numeric", rel < bound,
                               str(ridge.E_g), str(wide.E_g), f"{float(bound):.0e}", f"relative {mpmath.nstr(rel, 3)} at N = 1e12"))
        # noiseless: with label noise the first correction is γ₁σ² ≈ (D/P)d₁σ², large against a small E_F B₁
        deep = learning_curve(eta, w, big, [mpmath.mpf(400)], lam, 0, dps=DPS)
        level = projection_level(eta, w, [mpmath.mpf(400)], lam, mp=True)
        rel = abs(deep.E_g / level["B1mean"] - 1)
        out.append(CheckResult("rf-limits: P → ∞ leaves E_F B₁ at κ₁ = λ (width-limited error, σ = 0)", "numeric", rel < bound,
                               str(level["B1mean"]), str(deep.E_g), f"{float(bound):.0e}",
                               f"relative {mpmath.nstr(rel, 3)} at P = 1e12"))
    for P, N, lam in ((100, 400, 1e-2), (400, 100, 0.0), (100, (300, 150), 1e-3)):
        fast = learning_curve(eta64, w64, P, N, lam, 0.25)
        exact = learning_curve(eta64, w64, P, N, lam, 0.25, dps=DPS)
        tol = 100 * len(eta64) * np.finfo(float).eps
        worst = max(abs(getattr(fast, f) - float(getattr(exact, f))) / abs(float(getattr(exact, f)))
                    for f in ("kappa2", "kappa1", "E_g", "E_tr", "var_F", "var_XF") if getattr(exact, f) != 0)
        out.append(CheckResult(f"rf-limits: float64 vs {DPS} digits, P={P}, N={N}, λ={lam:g}", "numeric", worst < tol,
                               0.0, worst, f"{tol:.1e}", "largest relative difference over κ₂, κ₁, E_g, E_tr, Var_F, Var_XF "
                               "(bound 100·D·ε: sums of D terms, amplified by 1/(1 − γ))"))
    return out


def attach_checks(d) -> None:
    """Add the numeric checks of ``linear-random-features`` to its derivation ``d``."""
    d.check("rf-resolvent-identities", "numeric", "B₁ and γ₁ three ways on drawn projections at 40 digits")(
        resolvent_identities)
    d.check("rf-derivatives", "numeric", "∂, E_F B₁ and γ₁ against central differences at 40 digits")(derivatives)
    d.check("rf-limits", "numeric", "infinite width is ridge regression, infinite data the projection's error; "
            "float64 vs 40 digits")(limits)
