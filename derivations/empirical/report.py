"""The text report: the theory against the digits, with the numbers measured when it runs
(``python -m derivations.empirical``).
"""
from __future__ import annotations

import math
import time

import numpy as np

from derivations.empirical.comparison import (compare_random_features, compare_ridge, format_comparisons,
                                              format_number)
from derivations.empirical.fits import fit_source_power_law, fit_spectrum_power_law
from derivations.empirical.problem import HEAVY_KURTOSIS, diagnostics, digits_problem
from derivations.ridge import learning_curve
from numerics.simulation import z_threshold

__all__ = ["CLOSE_REL", "REPORT_P", "REPORT_RANGES", "REPORT_RF_P", "REPORT_RF_RIDGE", "REPORT_RF_WIDTHS",
           "REPORT_RIDGES", "REPORT_SOURCE_RANGES", "REPORT_TRUNCATED_P", "REPORT_TRUNCATED_RIDGES", "report"]

REPORT_P = (16, 32, 48, 61, 64, 80, 128, 256, 512, 1024)
REPORT_RIDGES = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
REPORT_TRUNCATED_P = (64, 128, 256, 1024)
REPORT_TRUNCATED_RIDGES = (0.0, 1e-3)
REPORT_RF_P = (64, 256, 1024)
REPORT_RF_WIDTHS = (16, 48, 128)
REPORT_RF_RIDGE = 1e-3
REPORT_RANGES = ((1, 10), (2, 20), (3, 30), (5, 40), (10, 50), (2, 47))
REPORT_SOURCE_RANGES = ((2, 20), (5, 40), (2, 47))
#: a comparison within this relative deviation counts as close even where z is significant
CLOSE_REL = 0.05


def _status(r, threshold):
    """'ok': |z| ≤ threshold with SE ≤ 5% of the theory (or an exact 0 met to round-off);
    'unresolved': |z| ≤ threshold but SE > 5% of the theory (heavy tails: ridgeless P ≳ rank);
    'close': z significant, |rel| ≤ 5%; 'off': z significant and |rel| > 5% (or theory infinite)."""
    if r.theory == 0:
        return "ok" if abs(r.mean) < 1e-20 else "off"
    if math.isnan(r.z):
        return "off"
    if abs(r.z) <= threshold:
        return "ok" if r.se <= CLOSE_REL * abs(r.theory) else "unresolved"
    return "close" if abs(r.rel_dev) <= CLOSE_REL else "off"


def _grid(rows, Ps, ridges, quantity, threshold):
    """Rows P, columns λ: relative deviation (z) with a mark for the status."""
    mark = {"ok": " ", "close": "~", "off": "*", "unresolved": "?"}
    out = ["     P " + "".join(f"{'lambda=' + format_number(l, 2):>17}" for l in ridges)]
    for P in Ps:
        cells = []
        for lam in ridges:
            (r,) = [x for x in rows if x.P == P and x.ridge == lam and x.quantity == quantity]
            if r.theory == 0:
                cell = f"0 vs {format_number(r.mean, 2)}"
            elif math.isinf(r.theory):
                cell = f"inf vs {format_number(r.mean, 3)}"
            else:
                cell = f"{100 * r.rel_dev:+.1f}% ({r.z:+.1f})"
            cells.append(cell + mark[_status(r, threshold)])
        out.append(f"  {P:>4} " + "".join(f"{c:>17}" for c in cells))
    return out


def report(n_draws=400, rf_draws=200, n_boot=500, entropy=0, target="parity") -> str:
    """The theory against the digits: a short text report with the numbers measured when it runs.

    Ridge over P ∈ REPORT_P and λ ∈ REPORT_RIDGES (``n_draws`` draws per P), the same with the
    heavy (sparse) trailing directions projected out, linear random features over REPORT_RF_P ×
    REPORT_RF_WIDTHS at λ = REPORT_RF_RIDGE (``rf_draws``), the spectrum exponent over
    REPORT_RANGES and the source exponent (``n_boot`` resamples of the images). A comparison
    is marked ok when |z| is within the two-sided Bonferroni threshold at familywise level 1e-3
    over all rows made, close (~) when z is significant but |relative deviation| ≤ 5%, off (*)
    otherwise. About a minute at the defaults.
    """
    t0 = time.perf_counter()
    prob = digits_problem(target)
    diag = diagnostics(prob)
    ridge = compare_ridge(REPORT_P, REPORT_RIDGES, n_draws, entropy, problem=prob)
    m = (diag["first_heavy"] or prob.rank + 1) - 1
    trunc = digits_problem(target, n_components=m) if m < prob.rank else None
    trunc_rows = [] if trunc is None else compare_ridge(REPORT_TRUNCATED_P, REPORT_TRUNCATED_RIDGES, n_draws,
                                                        entropy, problem=trunc)
    t_ridge = time.perf_counter() - t0
    rf = compare_random_features(REPORT_RF_P, REPORT_RF_WIDTHS, REPORT_RF_RIDGE, rf_draws, entropy, problem=prob)
    t_rf = time.perf_counter() - t0 - t_ridge
    fits = fit_spectrum_power_law(prob.eigenvalues, REPORT_RANGES, samples=prob.data, n_boot=n_boot,
                                  entropy=entropy)
    sources = fit_source_power_law(prob, REPORT_SOURCE_RANGES, n_boot=n_boot, entropy=entropy)
    t_fit = time.perf_counter() - t0 - t_ridge - t_rf
    thr = z_threshold(len(ridge) + len(trunc_rows) + len(rf))

    heavy = diag["heavy"]
    eff = diag["effective_images"]
    kurt = diag["kurtosis"]
    out = ["EMPIRICAL SPECTRUM: the Gaussian deterministic-equivalent theory against the digits", "",
           prob.summary(),
           "Features: grey level/16, centred; target centred. Population = the 1797 images; P images drawn",
           "with replacement are i.i.d. draws from it; errors measured exactly against the population.", "",
           "Non-Gaussianity (Gaussian value in brackets):",
           f"  kurtosis of the {min(10, prob.rank)} leading coordinates     "
           f"{diag['kurtosis_leading'][0]:.2f} .. {diag['kurtosis_leading'][1]:.2f}  [3]"]
    if heavy:
        out.append(f"  heavy coordinates (kurtosis > {HEAVY_KURTOSIS:g})   ranks {heavy[0]}..{heavy[-1]} "
                   f"({len(heavy)}), kurtosis {kurt[np.array(heavy) - 1].min():.0f} .. "
                   f"{kurt[np.array(heavy) - 1].max():.0f}, eta {prob.eigenvalues[heavy[0] - 1]:.2g} .. "
                   f"{prob.eigenvalues[heavy[-1] - 1]:.2g}, carried by {eff[np.array(heavy) - 1].min():.0f} .. "
                   f"{eff[np.array(heavy) - 1].max():.0f} effective images [n/3 = {prob.n / 3:.0f}]")
    share = float(np.sum((prob.eigenvalues * prob.teacher_components ** 2)[m:]) / prob.signal_variance)
    out += [f"  E|u|^4/(r(r+2)), u whitened                {diag['norm4_ratio']:.3f}  [1]",
            f"  kurtosis of the residual eps = y - w.x     {diag['noise_kurtosis']:.2f}  [3]",
            f"  noise weight h = tr(S^-1 E[eps^2 xx'])/(r sigma^2)  {diag['noise_weight']:.3f}  [1]",
            f"  residual share of E[y^2]                   {diag['noise_share']:.3f}",
            f"  teacher power in the heavy directions      {100 * share:.2f}% of the signal", ""]

    out += [f"RIDGE: E_g (excess test error), data vs theory, {n_draws} draws per P (all lambda share the "
            "draws of their P).",
            f"Cells: relative deviation (z). ' ' = |z| <= {thr:.2f} (Bonferroni, familywise 1e-3 over "
            f"{len(ridge) + len(trunc_rows) + len(rf)} rows) and SE <= {100 * CLOSE_REL:g}% of the theory; "
            f"'~' = significant but within {100 * CLOSE_REL:g}%; '*' = off;",
            f"'?' = not resolved (|z| small only because SE > {100 * CLOSE_REL:g}% of the theory: heavy-tailed "
            "errors, ridgeless near and above the rank)."]
    out += _grid(ridge, REPORT_P, REPORT_RIDGES, "E_g", thr)
    out += ["", "RIDGE: E_g_clean (labels replaced by their linear part w.x; theory with sigma^2 = 0)"]
    out += _grid(ridge, REPORT_P, REPORT_RIDGES, "E_g_clean", thr)
    out += ["", "RIDGE: E_tr (training error)"]
    out += _grid(ridge, REPORT_P, REPORT_RIDGES, "E_tr", thr)
    kappa = {(P, lam): float(lc.kappa) for P in REPORT_P for lam, lc in zip(
        REPORT_RIDGES, learning_curve(prob.eigenvalues, prob.teacher_components, P, list(REPORT_RIDGES),
                                      noise_variance=prob.noise_variance))}
    out += ["", "Renormalised ridge kappa (theory): the scale below which eigen-directions are not resolved"]
    out.append("     P " + "".join(f"{'lambda=' + format_number(l, 2):>17}" for l in REPORT_RIDGES))
    out += [f"  {P:>4} " + "".join(f"{kappa[(P, lam)]:>17.2g}" for lam in REPORT_RIDGES) for P in REPORT_P]
    out += ["", "Full E_g table:", format_comparisons(ridge, ("E_g",))]

    if trunc is not None:
        diag_t = diagnostics(trunc)
        h = diag_t["noise_weight"]
        out += ["", f"RIDGE on the {m} leading directions only (heavy ones projected out; residual sigma^2 "
                f"{trunc.noise_variance:.4g}, noise weight h = {h:.3f}, E|u|^4/(r(r+2)) = "
                f"{diag_t['norm4_ratio']:.3f}):"]
        out += _grid(trunc_rows, REPORT_TRUNCATED_P, REPORT_TRUNCATED_RIDGES, "E_g", thr)
        out.append("  lambda = 0 with the sandwich noise term (theory bias + h * Var_X_eps, leading order in 1/P):")
        for P in REPORT_TRUNCATED_P:
            (r,) = [x for x in trunc_rows if x.P == P and x.ridge == 0 and x.quantity == "E_g"]
            lc = learning_curve(trunc.eigenvalues, trunc.teacher_components, P, 0.0,
                                noise_variance=trunc.noise_variance)
            corrected = float(lc.bias2 + lc.var_X + h * lc.var_X_noise)
            out.append(f"    P = {P:>4}: theory {r.theory:.4g}, corrected {corrected:.4g}, data {r.mean:.4g} "
                       f"± {r.se:.2g} ({100 * (r.mean - corrected) / corrected:+.1f}% from corrected)")

    out += ["", f"LINEAR RANDOM FEATURES (lambda = {REPORT_RF_RIDGE:g}, {rf_draws} draws of data and projection "
            "per (P, N), single model):", format_comparisons(rf, ("E_g", "E_tr"))]

    E_g = [r for r in ridge if r.quantity == "E_g"]
    by = {s: [r for r in E_g if _status(r, thr) == s] for s in ("ok", "close", "off", "unresolved")}

    def points(rs):
        return ", ".join(f"({r.P}, {format_number(r.ridge, 2)})" for r in rs) or "none"

    off = sorted(by["off"], key=lambda r: (r.ridge, r.P))
    out += ["", "WHERE THE THEORY HOLDS (ridge E_g, points (P, lambda)):",
            f"  agrees within noise at {len(by['ok'])} of {len(E_g)}: {points(by['ok'])}",
            f"  within {100 * CLOSE_REL:g}% but significant at {len(by['close'])}: {points(by['close'])}",
            f"  not resolved (heavy tails; mean/theory shown) at {len(by['unresolved'])}: " + ", ".join(
                f"({r.P}, {format_number(r.ridge, 2)}: x{r.mean / r.theory:.1f})" for r in by["unresolved"]),
            f"  off at {len(off)}: " + ", ".join(
                f"({r.P}, {format_number(r.ridge, 2)}: " + (f"{100 * r.rel_dev:+.0f}%)" if math.isfinite(r.rel_dev)
                                                    else "theory inf)") for r in off)]
    eta_heavy = prob.eigenvalues[heavy[0] - 1] if heavy else 0.0
    out.append(f"  by the theory's kappa (lambda > 0; the largest heavy eigenvalue is {eta_heavy:.2g}):")
    for lo, hi in ((0.1, math.inf), (0.01, 0.1), (0.0, 0.01)):
        sel = [r for r in E_g if lo <= kappa[(r.P, r.ridge)] < hi and r.ridge > 0 and math.isfinite(r.rel_dev)]
        if sel:
            worst = max(sel, key=lambda r: abs(r.rel_dev))
            out.append(f"    kappa in [{lo:g}, {hi:g}): {len(sel)} points, |rel| up to {100 * abs(worst.rel_dev):.1f}% "
                       f"(at P = {worst.P}, lambda = {format_number(worst.ridge, 2)})")
    ridgeless = [r for r in E_g if r.ridge == 0 and r.P >= prob.rank and math.isfinite(r.rel_dev)]
    if ridgeless:
        ratios = [r.mean / r.theory for r in ridgeless]
        out.append(f"  ridgeless with P >= rank ({prob.rank}): data/theory from {min(ratios):.1f} to {max(ratios):.1f}")
    rf_E = [r for r in rf if r.quantity == "E_g"]
    out.append(f"  random features E_g: |rel| from {min(abs(r.rel_dev) for r in rf_E) * 100:.1f}% to "
               f"{max(abs(r.rel_dev) for r in rf_E) * 100:.1f}%, |z| up to {max(abs(r.z) for r in rf_E):.1f}")

    out += ["", f"SPECTRUM EXPONENT eta_k ~ C k^-alpha ({100 * fits[0].level:g}% basic bootstrap over the "
            f"{prob.n} images, {n_boot} resamples):"]
    out += ["  " + f.describe() for f in fits]
    out += ["", "SOURCE EXPONENT: teacher tail T(k) = sum_{j>=k} w_j^2 eta_j fitted as C sum_{j=k}^{rank} "
            "j^-(1+2 alpha r):"]
    out += ["  " + s.describe() for s in sources]
    out += ["", f"Timings: ridge {t_ridge:.1f} s, random features {t_rf:.1f} s, exponent fits {t_fit:.1f} s."]
    return "\n".join(out)
