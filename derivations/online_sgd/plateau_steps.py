"""Plateau escape of online SGD as η → 0: the steps of ``online-sgd-erf`` that give τ_esc ∝ 1/η.

:func:`escape_steps` appends them to ``online-sgd-erf`` after its plateau steps.  Every right side of
(block-odes) is ηF + η²G with F, G free of η (F: the I_3 terms, G: the I_4 and noise terms), so in the
rescaled time s = ηα the equations dX/ds = F(X) + ηG(X) → F(X) (η → 0) carry no η; the escape time,
defined by a threshold on the trajectory, is then τ_esc = s_esc/η, rate −1 in x = 1/η.  The law that
confirms it numerically is :mod:`derivations.online_sgd.plateau_law`.
"""
from __future__ import annotations

import sympy as sp

from derive import committee_odes as co
from derive.asymptotics import rate_of
from derive.operations import transform
from derivations.online_sgd.linear_steps import alpha

s_eta = sp.Symbol("s_eta", positive=True)               # the rescaled time ηα
tau_esc, s_esc = sp.symbols("tau_esc s_esc", positive=True)
Delta_rho = sp.Function("Delta_rho")


def _eta_polynomial(expr, degree):
    """Coefficients (c_0, …, c_degree) of ``expr`` as a polynomial in η, each free of η; ValueError if
    ``expr`` is not such a polynomial."""
    e = sp.expand(expr)
    coeffs = [e.coeff(co.eta, k) for k in range(degree + 1)]
    if any(c.has(co.eta) for c in coeffs) or sp.expand(e - sum(c * co.eta ** k for k, c in enumerate(coeffs))) != 0:
        raise ValueError(f"not a polynomial of degree <= {degree} in η: {expr}")
    return coeffs


def _rescaled(odes, time):
    """dX/dα = ηF + η²G  →  dX/ds = (dX/dα)/(ds/dα) = F + ηG, with ds/dα from (escape-time-variable);
    the right sides are checked to be polynomials in η without an η⁰ term."""
    out = []
    for eq in odes:
        (a,) = eq.lhs.variables
        rate = sp.diff(time.rhs, a)                      # ds/dα = η
        c0, c1, c2 = _eta_polynomial(eq.rhs, 2)
        if c0 != 0:
            raise ValueError(f"{eq.lhs}: an η⁰ term {c0}: the equations are not slow in α")
        new = sp.expand(eq.rhs / rate)
        if sp.expand(new - (c1 + co.eta * c2)) != 0:
            raise ValueError("ds/dα is not η")
        unknown = eq.lhs.expr.func
        out.append(sp.Eq(sp.Derivative(unknown(time.lhs), time.lhs), sp.collect(new, co.eta)))
    return tuple(out)


def _small_eta(rescaled):
    """η → 0 of F + ηG (a polynomial in η: its value at η = 0), checked free of η."""
    out = []
    for eq in rescaled:
        f, _ = _eta_polynomial(eq.rhs, 1)
        out.append(sp.Eq(eq.lhs, f))
    return tuple(out)


def _scaling(limit, criterion, time):
    """Neither the η → 0 equations nor the criterion contain η (checked), so the first crossing
    s_esc is η-free; τ_esc is the α at which s = s_esc: solve (escape-time-variable) for α."""
    if any(eq.has(co.eta) for eq in limit) or criterion.has(co.eta):
        raise ValueError("the η → 0 equations or the criterion still contain η")
    (a,) = time.rhs.free_symbols - {co.eta}
    (root,) = sp.solve(sp.Eq(time.rhs, s_esc), a)
    return sp.Eq(sp.Function("Lead")(tau_esc), root)


def _eta_rate(scaling):
    """Rate in x = 1/η of the leading term: −d log τ/d log x with η = 1/x."""
    x = sp.Dummy("x", positive=True)
    return sp.Eq(sp.Function("Rate")(tau_esc, 1 / co.eta), rate_of(scaling.rhs.subs(co.eta, 1 / x), x))


def escape_steps(d) -> None:
    """The escape-time steps of ``online-sgd-erf`` (after its plateau steps): (escape-time-variable),
    (escape-rescaled-odes), (escape-small-eta), (escape-criterion), (escape-time-scaling),
    (escape-eta-rate)."""
    d.define("escape-time-variable", "Rescaled time", "s_η = ηα, the time in which the deterministic part of "
             "the dynamics runs at unit speed.", sp.Eq(s_eta, co.eta * alpha))
    d.derive("escape-rescaled-odes", "Block ODEs in the rescaled time",
             "Every right side of (block-odes) is ηF + η²G with F (the I_3 terms) and G (the I_4 and noise terms) "
             "free of η (checked: a polynomial in η without an η⁰ term); with dX/dα = η dX/ds_η the equations in "
             "s_η are F + ηG.",
             transform(("block-odes", "escape-time-variable"), _rescaled,
                       "chain rule d/dα = η d/ds_η, right sides as polynomials in η", name="rescale"))
    d.derive("escape-small-eta", "Small learning rate: η-free equations",
             "η → 0 of (escape-rescaled-odes): the right sides are polynomials in η, so the limit is their value "
             "at η = 0, F alone; no η is left. The ηG terms (the η² terms of (block-odes)) are the correction, O(η) "
             "in s_η; the SGD noise, O(√(η/N)) in s_η, is not part of these equations.",
             transform("escape-rescaled-odes", _small_eta, "η → 0 (value at η = 0 of a polynomial in η)",
                       name="limit"))
    d.define("escape-criterion", "Escape time",
             "Defined by a threshold on the trajectory: τ_esc is the first α at which "
             "Δρ = mean_i(max_n ρ_in − min_n ρ_in), ρ_in = R_in/√(Q_iiT_nn), reaches ½ (half-way to specialised "
             "units; Δρ depends on the order parameters only). The initial order parameters do not depend on η.",
             sp.Eq(Delta_rho(tau_esc), sp.Rational(1, 2)))
    d.derive("escape-time-scaling", "Escape time as η → 0",
             "From initial order parameters independent of η, the trajectory of (escape-small-eta) in s_η and its "
             "first crossing s_esc of (escape-criterion) are η-free (checked: no η in the equations or the "
             "criterion); the crossing in α solves s_esc = ηα. Exact for the η → 0 equations; at finite η the "
             "crossing in s_η is s_esc + O(η), so τ_esc = s_esc/η + O(1).",
             transform(("escape-small-eta", "escape-criterion", "escape-time-variable"), _scaling,
                       "η-free trajectory and criterion; solve (escape-time-variable) for α at s_η = s_esc",
                       name="solve"))
    d.derive("escape-eta-rate", "Scaling law of the escape time in 1/η",
             "Rate of (escape-time-scaling) in x = 1/η (τ ∝ x^(−rate)): −1, the plateau length grows as 1/η.",
             transform("escape-time-scaling", _eta_rate, "rate of (escape-time-scaling) in 1/η"),
             display=sp.Eq(sp.Function("Rate")(tau_esc, 1 / co.eta), -1))
