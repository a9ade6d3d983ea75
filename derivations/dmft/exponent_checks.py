"""Numeric checks of ``dmft-exponents``: the leading terms against the exact window sums, and the laws.

``leading-terms``: the window sums of :mod:`numerics.relaxation_sums` at 30 digits against
(time-leading) and (noise-leading) compiled from the statements, at τ = 10⁴ and 10⁸.  The bias sum
equals its integral up to exponentially small terms (the summand is smooth on the scale τ^(1/α));
the noise sum has the Euler–Maclaurin boundary term −f(0)/2 = −1/2 next, so |exact − lead| ≤ 1.
The ``exponent`` checks are the table's laws of this entry (:mod:`derivations.dmft.laws`, attached by
the face).
"""
from __future__ import annotations

import mpmath
import sympy as sp

from derivations.dmft.exponent_steps import P, alpha, r, sigma2, tau
from derivations.engine import CheckResult
from numerics.bridge import to_mpmath
from numerics.relaxation_sums import bias_sum, noise_sum


def attach_checks(d) -> None:
    """Attach ``leading-terms`` to ``d`` (the ``dmft-exponents`` derivation)."""
    d.check("leading-terms", "numeric", "leading large-τ terms against the exact window sums")(
        lambda quick: leading_terms(d))


def leading_terms(d) -> list[CheckResult]:
    bias_lead = to_mpmath(d["time-leading"].rhs, [tau, alpha, r])
    noise_lead = to_mpmath(d["noise-leading"].rhs, [tau, alpha, sigma2, P])
    out = []
    with mpmath.workdps(30):
        for a_val, r_val in ((1.5, 1 / 6), (2.5, 0.4)):
            a_mp, r_mp = mpmath.mpf(sp.Rational(str(a_val))), mpmath.mpf(sp.nsimplify(r_val).p) / sp.nsimplify(r_val).q
            for x in (mpmath.mpf(10) ** 4, mpmath.mpf(10) ** 8):
                exact = bias_sum(x, a_mp, 1 + 2 * a_mp * r_mp)
                lead = bias_lead(x, a_mp, r_mp)
                rel = abs(exact - lead) / exact
                out.append(CheckResult(f"leading-terms: time-leading, α={a_val}, r={r_val:.4g}, τ={float(x):.0e}",
                                       "numeric", rel < 1e-10, float(exact), float(lead), 1e-10,
                                       f"relative difference {mpmath.nstr(rel, 3)}"))
                exact = noise_sum(x, a_mp)
                lead = noise_lead(x, a_mp, 1, 1)
                out.append(CheckResult(f"leading-terms: noise-leading, α={a_val}, τ={float(x):.0e}", "numeric",
                                       abs(exact - lead) <= 1, float(exact), float(lead), "|exact − lead| ≤ 1",
                                       f"difference {mpmath.nstr(exact - lead, 6)} (next term −1/2)"))
    return out
