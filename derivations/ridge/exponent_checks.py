"""``exponent`` checks: each law of :mod:`derivations.exponents` confirmed by its two numeric routes,
registered with the catalogue entry that derives it."""
from __future__ import annotations

from derivations.engine import CheckResult


def results(confirmation) -> list[CheckResult]:
    c, law = confirmation, confirmation.law
    tag = f"exponent {law.name}: {law.quantity} ∝ {law.variable}^(−ρ), {law.regime}, ρ = {c.derived} = {c.value:.4g}"
    fit = c.sim_fit
    return [CheckResult(f"{tag}, exact theory", "exponent", c.theory_passed, -c.value, c.theory_final,
                        "|Δ| < 0.01 at 1e8 (or extrapolated within its error)",
                        f"{c.theory_detail}; local slopes " + ", ".join(f"{x:.0e}: {s:+.4f}" for x, s in c.theory_slopes.items())),
            CheckResult(f"{tag}, simulation", "exponent", c.sim_passed, c.sim_theory_slope, fit.slope,
                        f"{100 * fit.level:.3g}% interval contains the finite-size theory slope",
                        f"simulation slope {fit.describe()} at {law.variable} = {list(law.sizes)}; the same fit of the "
                        f"exact theory at these finite sizes: {c.sim_theory_slope:+.4f}" + (f"; {law.notes}" if law.notes else ""))]


def _register(d, entry):
    from derivations.exponents import LAWS, confirm
    for law in [law for law in LAWS.values() if law.entry == entry]:
        def run(quick, executor=None, law=law):
            return results(confirm(law, quick=quick, executor=executor))
        d.check(f"exponent {law.name}", "exponent", f"{law.quantity} ∝ {law.variable}^(−ρ) ({law.regime}): "
                "exact-theory local slopes up to 1e8 and a simulation slope with a bootstrap interval")(run)


def register_ridge(d):
    _register(d, "ridge-exponents")


def register_random_features(d):
    _register(d, "random-feature-exponents")


def leading_terms(d, labels, cases):
    """Register ``leading-terms``: each Lead(·) statement against the exact sum at small κ.

    The exact sum T(κ) = Σ_k k^(−β)(1 + κk^α)^(−b) (``numerics.power_law_sums``, checked there against
    direct summation) minus the derived leading term must be of the size of the next term of the
    small-κ expansion, the largest of Φ(1)κ^((β−1)/α), ζ(β) and bζ(β−α)κ other than the leading one:
    |T − lead| ≤ 2|next| at κ = 10⁻⁶ and 10⁻¹², and the leading term must dominate (|next| < |lead|/10).
    """
    import mpmath
    import sympy as sp
    from derivations.ridge.exponent_steps import Lead, generic_parameters, alpha, r, kap
    from numerics.power_law_sums import power_law_sum

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


def register_structured(d):
    _register(d, "structured-random-features")
