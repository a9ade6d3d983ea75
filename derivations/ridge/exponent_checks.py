"""``leading-terms`` checks: each derived small-κ leading term of a power-law spectral sum against the exact
infinite sum (used by ``ridge-exponents`` and, through the face, by the random-feature exponent entries)."""
from __future__ import annotations

import mpmath
import sympy as sp

from derivations.engine import CheckResult
from derivations.ridge.exponent_steps import alpha, generic_parameters, kap, r
from numerics.power_law_sums import power_law_sum


def leading_terms(d, labels, cases):
    """Register ``leading-terms``: each Lead(·) statement against the exact sum at small κ.

    The exact sum T(κ) = Σ_k k^(−β)(1 + κk^α)^(−b) (``numerics.power_law_sums``, checked there against
    direct summation) minus the derived leading term must be of the size of the next term of the
    small-κ expansion, the largest of Φ(1)κ^((β−1)/α), ζ(β) and bζ(β−α)κ other than the leading one:
    |T − lead| ≤ 2|next| at κ = 10⁻⁶ and 10⁻¹², and the leading term must dominate (|next| < |lead|/10).
    """
    def run(quick, executor=None):
        out = []
        for label in labels:
            stmt = d[label]
            the_sum = d["power-law-sums"][[e.lhs for e in d["power-law-sums"]].index(stmt.lhs.args[0])].rhs
            for a_val, r_val in cases:
                subs = {alpha: sp.nsimplify(a_val), r: sp.nsimplify(r_val)}
                with mpmath.workdps(30):
                    # exact rationals: a binary β (0.4 is not a float) shifts κ^((β−1)/α) by ~1e-16 relative
                    beta, b = (mpmath.mpf(sp.Rational(x.subs(subs)).p) / sp.Rational(x.subs(subs)).q
                               for x in generic_parameters(the_sum.function))
                    a_mp = mpmath.mpf(sp.Rational(subs[alpha]).p) / sp.Rational(subs[alpha]).q
                    for kv in ("1e-6", "1e-12"):
                        k = mpmath.mpf(kv)
                        lead = mpmath.mpf(sp.N(stmt.rhs.subs(subs).subs(kap, sp.Float(kv, 30)), 30))
                        exact = power_law_sum(beta, a_mp, b, k, dps=30)
                        phi1 = (mpmath.gamma((1 - beta) / a_mp) * mpmath.gamma(b - (1 - beta) / a_mp)
                                / (a_mp * mpmath.gamma(b)) * k ** ((beta - 1) / a_mp))
                        terms = [abs(phi1), abs(mpmath.zeta(beta)), abs(b * mpmath.zeta(beta - a_mp) * k)]
                        terms.sort(reverse=True)
                        nxt = terms[1]
                        ok = abs(exact - lead) <= 2 * nxt and nxt < abs(lead) / 10
                        out.append(CheckResult(
                            f"leading-terms: {label}, α={a_val}, r={r_val}, κ={kv}", "numeric", bool(ok),
                            float(exact), float(lead), f"|T − lead| ≤ 2·|next| = {float(2 * nxt):.3g}",
                            f"exact sum {mpmath.nstr(exact, 10)}, leading term {mpmath.nstr(lead, 10)}, difference "
                            f"{mpmath.nstr(exact - lead, 3)}, predicted next term {mpmath.nstr(nxt, 3)} (β={mpmath.nstr(beta, 4)}, "
                            f"b={mpmath.nstr(b, 3)})"))
        return out
    d.check("leading-terms", "numeric", "each leading term against the exact infinite sum at κ = 1e-6, 1e-12: the "
            "difference is the size of the next term of the expansion")(run)
