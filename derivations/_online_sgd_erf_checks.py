"""Numeric checks of ``online-sgd-erf``.

* ``plateau-finite-eta``: the symmetric fixed point of the full equations (with the η² terms,
  isotropic input, T = I) solved by ``mpmath.findroot`` at 30 digits for η = 0.01, 0.1, 0.5; its
  residual is at the working precision, it tends to (plateau-fixed-point) as η → 0 with a shift
  that is O(η) (observed order 1 ± 0.1), and the plateau rises with η.
* ``sgd-simulation``, ``plateau-odes`` and the others in :mod:`derivations._online_sgd_sim_checks`.
"""
from __future__ import annotations

import functools
import math

import mpmath

from derivations.engine import CheckResult


def register(d) -> None:
    d.check("plateau-finite-eta", "numeric", "symmetric fixed point with the η² terms at 30 digits")(
        lambda quick: plateau_finite_eta(d))
    from derivations import _online_sgd_sim_checks
    _online_sgd_sim_checks.register_erf(d)


@functools.cache
def symmetric_system():
    """mpmath callables (dR, dQ_11, dQ_12)(Q_p, C_p, R_p, η) and ε_g(Q_p, C_p, R_p), noise-free."""
    from derive import committee_odes as co
    from derivations.online_sgd_erf import Cp, Qp, Rp, _symmetric
    from derivations.registry import get
    from numerics.bridge import to_mpmath
    d = get("online-sgd-erf")
    rates = {eq.lhs.expr.func.__name__: eq.rhs for eq in d["block-odes"]}
    rhs = [to_mpmath(_symmetric(rates[n]).subs(co.noise, 0), [Qp, Cp, Rp, co.eta]) for n in ("r_11", "q_11", "q_12")]
    error = to_mpmath(_symmetric(d["generalization-error"].rhs), [Qp, Cp, Rp])
    return rhs, error


def symmetric_plateau(eta, dps=30):
    """(Q_p, C_p, R_p, ε_plateau) of the full symmetric equations at learning rate η (K = M = 2)."""
    rhs, error = symmetric_system()
    with mpmath.workdps(dps):
        eta = mpmath.mpf(eta)
        start = (mpmath.mpf(1) / 3, mpmath.mpf(1) / 3, 1 / mpmath.sqrt(6))
        point = mpmath.findroot(lambda Q, C, R: [f(Q, C, R, eta) for f in rhs], start,
                                tol=mpmath.mpf(10) ** (-2 * dps + 6))
        Q, C, R = point
        residual = max(abs(f(Q, C, R, eta)) for f in rhs)
        return Q, C, R, error(Q, C, R), residual


def plateau_finite_eta(d) -> list[CheckResult]:
    values = d["plateau-fixed-point"]
    Q0 = float(values[0].rhs)
    height0 = float(d["plateau-height"].rhs)
    out, shifts, heights = [], [], []
    for eta in ("0.01", "0.005", "0.0025", "0.1", "0.5"):
        Q, C, R, height, residual = symmetric_plateau(eta)
        heights.append(float(height))
        if eta in ("0.01", "0.005", "0.0025"):
            shifts.append(float(Q) - Q0)
        out.append(CheckResult(f"plateau-finite-eta: residual at η = {eta}", "numeric",
                               bool(residual < mpmath.mpf(10) ** -25), 0.0, float(residual), 1e-25,
                               f"Q_p = {mpmath.nstr(Q, 12)}, C_p = {mpmath.nstr(C, 12)}, R_p = {mpmath.nstr(R, 12)}, "
                               f"ε_plateau = {mpmath.nstr(height, 12)}"))
    orders = [math.log2(shifts[i] / shifts[i + 1]) for i in range(2)]
    out.append(CheckResult("plateau-finite-eta: Q_p − 1/3 is O(η) as η → 0", "numeric",
                           all(abs(o - 1) < 0.1 for o in orders), 1.0, orders, "±0.1",
                           f"shifts {', '.join(f'{s:.4e}' for s in shifts)} at η = 0.01, 0.005, 0.0025"))
    rising = heights[0] > height0 and heights[3] > heights[0] and heights[4] > heights[3]
    out.append(CheckResult("plateau-finite-eta: the plateau rises with η", "numeric", rising, height0,
                           heights, "increasing", f"ε_plateau(η → 0) = {height0:.10f}; at η = 0.01, 0.1, 0.5: "
                           f"{heights[0]:.10f}, {heights[3]:.10f}, {heights[4]:.10f}"))
    return out
