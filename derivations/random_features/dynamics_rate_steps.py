"""``random-feature-dynamics``, fourth part: the bottleneck exponents of the dynamical model in the paper's
(a, b), derived from the catalogue's rates in (α, r) and from this entry's limits.

The map: λ_k = k^(−b), (w*_k)²λ_k = k^(−a) is the catalogue's power law with capacity α = b and source
r = (a − 1)/(2b).  Substituted into the imported rates (and Min(x, y)·c = Min(cx, cy) for c > 0):

* time (N = P = ∞: every mode relaxes alone, (infinite-width) and (infinite-data)): dmft-exponents'
  t^(−2r) becomes t^(−(a−1)/b);
* data (N = ∞, t = ∞, ridgeless): ridge-exponents' P^(−2 min(1, r)·min(α, l)) at l = ∞ becomes
  P^(−min(a−1, 2b));
* width, one model (P = ∞, t = ∞): random-feature-exponents' N^(−α min(1, 2r)) becomes N^(−min(a−1, b));
* width, the infinite ensemble over projections (P = ∞, t = ∞): (infinite-data) at s = 0 is Df(κ) = N,
  the ridgeless equation of ridge regression with P → N, and the ensembled predictor is that ridge's mean
  predictor, whose rate is that of its ridgeless error (γ stays below 1): N^(−min(a−1, 2b));
* compute (hard tasks, a − 1 < b, one model): the three exponents of (hard-task-exponents) as rates in C,
  with the sign of the table (E ∝ x^(−ρ): a growing N* or t* has a negative rate).

For a − 1 > b the two width rates differ: one model is limited by the variance over projections
(min(a−1, b)), the ensemble removes it (min(a−1, 2b)).  The laws of :mod:`.dynamics_laws` let the
simulation tell the two quantities apart.
"""
from __future__ import annotations

import sympy as sp

from derivations import registry
from derive.operations import transform
import derivations.random_features.dynamics_compute_steps as cs
import derivations.random_features.dynamics_steps as dyn

a, b = cs.a, cs.b
alpha, r, l = (sp.Symbol(n, positive=True) for n in ("alpha", "r", "l"))
L_t, L_P, L_one, L_ens = sp.symbols("L_t L_P L_one L_ens")
N_opt, t_opt, L_opt = sp.symbols("N_* t_* L_*")


def _rate(statement):
    """The Rate function of an imported rate statement."""
    return statement.lhs.func


def _distribute_min(expr):
    """c·Min(x, y) → Min(cx, cy) for a positive factor c (the products of a rate with a positive exponent)."""
    def split(e):
        mins = [f for f in e.args if isinstance(f, sp.Min)]
        rest = sp.Mul(*[f for f in e.args if not isinstance(f, sp.Min)])
        if len(mins) != 1 or rest.is_positive is not True:
            return e
        return sp.Min(*[sp.expand(rest * arg) for arg in mins[0].args])
    return expr.replace(lambda e: e.is_Mul and any(isinstance(f, sp.Min) for f in e.args), split)


def _in_ab(expr, mapping):
    return sp.simplify(_distribute_min(sp.expand(expr.subs({alpha: mapping[0].rhs, r: mapping[1].rhs}))))


def _time_rate(imported, mapping, width_limit, data_limit):
    # (infinite-width) keeps the data factor, (infinite-data) the width factor: each tends to 1 in turn
    for limit, size in ((width_limit, dyn.P), (data_limit, dyn.N)):
        if sp.limit(limit.rhs / dyn.kappa, size, sp.oo) != 1:
            raise ValueError("the population flow needs both factors of (kappa-of-s) to tend to 1")
    return sp.Eq(_rate(imported)(L_t, dyn.t), _in_ab(imported.rhs, mapping))


def _data_rate(imported, mapping):
    ridgeless = imported.rhs.subs(l, sp.oo)
    if ridgeless.has(l):
        raise ValueError("the ridgeless rate still depends on the ridge exponent")
    return sp.Eq(_rate(imported)(L_P, dyn.P), _in_ab(ridgeless, mapping))


def _width_rate_one(imported, mapping):
    return sp.Eq(_rate(imported)(L_one, dyn.N), _in_ab(imported.rhs, mapping))


def _width_rate_ensemble(data_rate, data_limit, gamma):
    static = sp.solve(data_limit.rhs.subs(dyn.s, 0) / dyn.kappa, dyn.Df)
    if static != [dyn.N]:
        raise ValueError(f"(infinite-data) at s = 0 should give Df(κ) = N, got {static}")
    if gamma.rhs.has(dyn.P) or not (gamma.rhs - 1).is_negative:
        raise ValueError("the ridgeless γ must be a constant below 1 for bias² and E_g to share the rate")
    return sp.Eq(data_rate.lhs.func(L_ens, dyn.N), data_rate.rhs)


def _compute_rate(index, symbol, sign):
    def pick(hard):
        return sp.Eq(_rate_c(symbol), sign * hard[index].rhs)
    return pick


def _rate_c(symbol):
    return sp.Function("Rate")(symbol, cs.C_)


def add_rate_steps(d) -> None:
    d.define("ab-map", "The paper's exponents in the catalogue's notation",
             "λ_k = k^(−b) and (w*_k)²λ_k = k^(−a) are η_k = k^(−α) and η_k w̄_k² = k^(−(1+2αr)) with α = b, "
             "r = (a − 1)/(2b).", (sp.Eq(alpha, b), sp.Eq(r, (a - 1) / (2 * b))))
    d.derive("dmft-time-rate", "Time rate of the population flow", "Imported from dmft-exponents.",
             registry.imported("dmft-exponents", "time-rate"))
    d.derive("time-rate", "Time bottleneck",
             "At N = P = ∞ both factors of (kappa-of-s) are 1 (infinite-width, infinite-data) and each mode relaxes "
             "alone: L(t) = Σ_k k^(−a)e^(−2k^(−b)t), the window sum of (dmft-time-rate); in (a, b): "
             "L ∝ t^(−(a−1)/b).",
             transform(("dmft-time-rate", "ab-map", "infinite-width", "infinite-data"), _time_rate,
                       "check both limits; substitute α = b, r = (a−1)/(2b)", name="substitute"))
    d.derive("ridge-noiseless-rate", "Noiseless ridge rate", "Imported from ridge-exponents.",
             registry.imported("ridge-exponents", "noiseless-rate"))
    d.derive("data-rate", "Data bottleneck",
             "At N = ∞ and t = ∞ the model is ridgeless ridge regression (static-limit); l = ∞ (no ridge) and the "
             "map: L ∝ P^(−min(a−1, 2b)).",
             transform(("ridge-noiseless-rate", "ab-map"), _data_rate, "l → ∞; substitute α = b, r = (a−1)/(2b)",
                       name="substitute"))
    d.derive("rf-width-rate", "Width-limited rate of one random-feature model",
             "Imported from random-feature-exponents.", registry.imported("random-feature-exponents",
                                                                          "width-limited-rate"))
    d.derive("width-rate-one", "Width bottleneck of one model",
             "At P = ∞ and t = ∞ one model is the population least-squares fit in its N features, the quantity of "
             "(rf-width-rate): L_one ∝ N^(−min(a−1, b)).",
             transform(("rf-width-rate", "ab-map"), _width_rate_one, "substitute α = b, r = (a−1)/(2b)",
                       name="substitute"))
    d.derive("ridge-gamma", "Ridgeless γ", "Imported from ridge-exponents.",
             registry.imported("ridge-exponents", "gamma-ridgeless"))
    d.derive("width-rate-ensemble", "Width bottleneck of the infinite ensemble",
             "At P = ∞, (infinite-data) at s = 0 (t = ∞) is Df(κ) = N: ridgeless ridge regression with P → N, and "
             "the ensembled predictor is its mean predictor. Its bias² has the rate of the ridgeless error because "
             "γ is a constant below 1 (ridge-gamma): L_ens ∝ N^(−min(a−1, 2b)).",
             transform(("data-rate", "infinite-data", "ridge-gamma"), _width_rate_ensemble,
                       "solve (infinite-data) at s = 0 for Df; P → N in (data-rate)", name="substitute"))
    for index, label, symbol, sign, what in ((0, "compute-width-rate", N_opt, -1, "N* ∝ C^(1/(1+b))"),
                                             (1, "compute-time-rate", t_opt, -1, "t* ∝ C^(b/(1+b))"),
                                             (2, "compute-loss-rate", L_opt, 1, "L* ∝ C^(−(a−1)/(1+b))")):
        d.derive(label, f"Compute-optimal rate of {symbol}",
                 f"(hard-task-exponents) as a rate in C (E ∝ C^(−ρ); growth has ρ < 0): {what}.",
                 transform("hard-task-exponents", _compute_rate(index, symbol, sign), "pick; sign of the table",
                           name="substitute"))
