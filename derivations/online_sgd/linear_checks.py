"""Numeric checks of ``online-sgd-linear``.

* ``laplace-form``: ε̂_g(s) compiled from the statement (L = 5 blocks), inverted by mpmath's
  Talbot rule at 30 digits, against the exact eigendecomposition of the W-1 generator at 30 digits
  (:func:`numerics.linear_sgd_errors.block_error_curve_mp`).
* ``stability-limit``: η_max compiled from the statement; the slowest rate of W-1 changes sign
  across it (relative step 10⁻⁶).
* ``small-eta``: the small-η sum against the exact curve; the deviation is O(η) (observed order
  from η = 0.02 → 0.01 → 0.005 within 0.1 of 1).
* ``window-law``: the exact sum against (window-law), bounded rigorously: for the unimodal summand
  h(m), |Σ_{m=1}^L h(m) − ∫_0^∞ h| ≤ max h + ∫_0^1 h + ∫_L^∞ h.
* ``cutoff-rate``: the exact slowest rate of W-1 against 2ηλ_L; relative deviation O(η).
* ``odes-vs-closed-form`` and ``sgd-simulation``: see :mod:`derivations.online_sgd.simulation_checks`.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from derive import committee_odes as co
from derive.spectral import LAYERS
from derivations.engine import CheckResult
import derivations.online_sgd.simulation_checks as simulation_checks
from derivations.online_sgd.linear_steps import EPS0, FRAC, LAM, alpha, beta, eps_hat, lam_plus, s, sigma_J
from numerics.bridge import to_mpmath
from numerics.linear_sgd_errors import block_error_curve, block_error_curve_mp, slowest_rate

BETA = 1.0


def attach_checks(d) -> None:
    """The numeric and simulation checks of ``online-sgd-linear`` (its laws are attached by the face)."""
    d.check("laplace-form", "numeric", "Laplace form inverted at 30 digits against the exact W-1 solution")(
        lambda quick: laplace_form(d))
    d.check("stability-limit", "numeric", "slowest W-1 rate changes sign at the derived η_max")(
        lambda quick: stability(d))
    d.check("small-eta", "numeric", "small-η sum against the exact curve: error O(η)")(lambda quick: small_eta())
    d.check("window-law", "numeric", "exact sum within the rigorous sum–integral bound of (window-law)")(
        lambda quick: window_law(d))
    d.check("cutoff-rate", "numeric", "slowest exact rate against 2ηλ_L: deviation O(η)")(lambda quick: cutoff_rate())
    simulation_checks.attach_linear_checks(d)


def power_law_blocks(L, beta=BETA):
    """λ_l = λ_+ l^{−(1+β)} with Σ_l λ_l / L = 1, equal fractions 1/L."""
    lam = np.arange(1, L + 1, dtype=float) ** (-1 - beta)
    lam *= L / lam.sum()
    return lam, np.full(L, 1.0 / L)


def _concrete(expr, L, values):
    """Substitute L and the indexed block values, then evaluate the sums."""
    e = expr.subs(LAYERS, L).doit()
    table = {}
    for base, vals in ((LAM, values["lambda"]), (FRAC, values["f"]), (EPS0, values.get("eps0"))):
        if vals is not None:
            table.update({base[i + 1]: sp.nsimplify(v, rational=True) for i, v in enumerate(vals)})
    return e.xreplace(table)


def laplace_form(d) -> list[CheckResult]:
    lam = [sp.Rational(3, 1), sp.Rational(3, 2), sp.Rational(1, 4), sp.Rational(1, 5), sp.Rational(1, 20)]
    f = [sp.Rational(1, 5)] * 5
    eps0 = [sp.Rational(1, 10), sp.Rational(1, 7), sp.Rational(1, 3), sp.Rational(1, 9), sp.Rational(1, 2)]
    rhs = _concrete(d["laplace-form"].rhs, 5, {"lambda": lam, "f": f, "eps0": eps0})
    if d["laplace-form"].lhs != eps_hat:
        raise ValueError("unexpected left side of (laplace-form)")
    transform = to_mpmath(rhs, [s, co.eta])
    out, dps = [], 30
    with mpmath.workdps(dps):
        eta_v = mpmath.mpf(1) / 4
        for a in (mpmath.mpf(1) / 2, mpmath.mpf(4), mpmath.mpf(40)):
            inverted = mpmath.invertlaplace(lambda z: transform(z, eta_v), a, method="talbot")
            exact = mpmath.fsum(block_error_curve_mp([a], eps0, lam, f, eta_v)[0])
            rel = abs(inverted - exact) / exact
            tol = mpmath.mpf(10) ** (-(dps - 8))
            out.append(CheckResult(f"laplace-form: α = {float(a):g}, η = 1/4, L = 5, {dps} digits", "numeric",
                                   bool(rel < tol), float(exact), float(inverted), float(tol),
                                   f"relative difference {mpmath.nstr(rel, 3)}"))
    return out


def stability(d) -> list[CheckResult]:
    out = []
    for L in (1, 16, 256):
        lam, f = power_law_blocks(L)
        limit = float(_concrete(d["stability-limit"].rhs, L, {"lambda": lam, "f": f}).subs(co.eta, 1))
        below, above = slowest_rate(lam, f, limit * (1 - 1e-6)), slowest_rate(lam, f, limit * (1 + 1e-6))
        out.append(CheckResult(f"stability-limit: L = {L}, β = {BETA:g}, trace-normalised", "numeric",
                               below > 0 > above, 2.0, limit, "sign change",
                               f"η_max = {limit:.12g}; slowest rate {below:.3e} below, {above:.3e} above"))
    return out


def _small_eta_deviation(eta, lam, f, eps0, alphas):
    exact = block_error_curve(alphas, eps0, lam, f, eta).sum(axis=1)
    small = (eps0 * np.exp(-2 * eta * np.outer(alphas, lam))).sum(axis=1)
    return float(np.max(np.abs(small - exact)) / exact[0])


def small_eta() -> list[CheckResult]:
    lam, f = power_law_blocks(32)
    eps0 = lam * f / 2
    devs = []
    for eta in (0.02, 0.01, 0.005):
        alphas = np.geomspace(1e-2, 10, 200) / (eta * lam[-1])
        devs.append(_small_eta_deviation(eta, lam, f, eps0, alphas))
    orders = [math.log2(devs[i] / devs[i + 1]) for i in range(2)]
    return [CheckResult("small-eta: order of the neglected term (L = 32, β = 1)", "numeric",
                        all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                        f"max |small − exact|/ε(0) = {', '.join(f'{v:.3e}' for v in devs)} at η = 0.02, 0.01, 0.005")]


def window_law(d) -> list[CheckResult]:
    lead = d["window-law"].rhs
    out = []
    for L in (1000, 100000):
        lam, _ = power_law_blocks(L)
        eta_v = 0.1
        centre = 1 / (eta_v * math.sqrt(lam[0] * lam[-1]))       # geometric centre of the window
        h = lambda m: float(lam[0]) * m ** (-1 - BETA) / (2 * L) * mpmath.exp(  # noqa: E731
            -2 * eta_v * float(lam[0]) * m ** (-1 - BETA) * centre)
        exact = float(np.sum(lam / (2 * L) * np.exp(-2 * eta_v * lam * centre)))
        value = float(lead.subs({LAYERS: L, lam_plus: lam[0], sigma_J: 0, beta: BETA, co.eta: eta_v, alpha: centre}))
        m_star = (2 * eta_v * lam[0] * centre / (1 + BETA)) ** (1 / (1 + BETA))
        bound = float(h(m_star) + mpmath.quad(h, [0, 1]) + mpmath.quad(h, [L, mpmath.inf]))
        out.append(CheckResult(f"window-law: L = {L}, η = 0.1, α at the window centre", "numeric",
                               abs(exact - value) <= bound, exact, value, bound,
                               f"relative difference {abs(exact - value) / exact:.3e}, bound {bound / exact:.3e}"))
    return out


def cutoff_rate() -> list[CheckResult]:
    lam, f = power_law_blocks(32)
    devs = [abs(slowest_rate(lam, f, eta) / (2 * eta * lam[-1]) - 1) for eta in (0.2, 0.1, 0.05)]
    orders = [math.log2(devs[i] / devs[i + 1]) for i in range(2)]
    return [CheckResult("cutoff-rate: slowest rate / (2ηλ_L) − 1 is O(η) (L = 32, β = 1)", "numeric",
                        all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                        f"relative deviations {', '.join(f'{v:.3e}' for v in devs)} at η = 0.2, 0.1, 0.05")]
