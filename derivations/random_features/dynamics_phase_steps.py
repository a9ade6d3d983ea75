"""``random-feature-dynamics``, seventh part: the compute-optimal phases of gradient flow and one-pass SGD.

The two-term ansatz (bottleneck-sum) misses a cross term of finite width.  Paquette, Paquette, Xiao, Pennington
(arXiv:2405.15074, the loss terms of their Sec. 3; in this entry's (a, b): b = 2α, a = 2α + 2β) write the loss of
one-pass SGD on the infinite power law as the sum

    L ≈ t^(−(a−1)/b) + N^(−min(a−1, b)) + N^(−1) t^(−(1−1/b)) + γ t^(−(2−1/b))
        (F_pp: the flow's decay; F_0: the width floor; F_ac: the spectrum's bulk beyond N; K_pp: SGD noise)

(t = hn, γ = h/B; constants dropped).  With C ∝ N·t, N = C^ξ, t = C^(1−ξ), each term is a power C^(−e_j(ξ)) with
e_j linear in ξ; L* ∝ C^(−η) with η = max_ξ min_j e_j(ξ), reached where a rising and a falling e_j cross.  The
steps solve each crossing (SymPy), keep the one that is the max-min (checked at sample points of its region) and
assemble the phases: Ia (a < b + 1, F_pp = F_0): η = (a−1)/(b+1), ξ = 1/(b+1) — the hard-task law; II
(b + 1 < a < 2b, F_pp = F_ac): η = (a−1)/a, ξ = (a−b)/a; III (a > 2b, K_pp = F_ac): η = 1 − 1/(2b), ξ = 1/2.
Without SGD noise (gradient flow, γ = 0) phase II extends over a > b + 1: the flow's compute law is not the
two-term ansatz's for easy tasks either.  ``sgd-phase-frontier`` minimises the exact theory's loss over N at
fixed C in each phase (no ansatz) and compares the local slopes.
"""
from __future__ import annotations

import itertools

import sympy as sp

from derive.operations import transform
import derivations.random_features.dynamics_compute_steps as cs

a, b = cs.a, cs.b
N_, t_ = cs.N_, cs.t_
gamma = sp.Symbol("gamma", positive=True)
xi = sp.Symbol("xi", positive=True)
eta_L = sp.Symbol("eta_L")
L_sym = sp.Symbol("L")
TERMS = ("F_pp", "F_0", "F_ac", "K_pp")
#: one sample point (a, b) inside each phase (the crossing terms and the boundaries are derived)
PHASES = {"Ia": (2, sp.Rational(3, 2)), "II": (3, sp.Rational(8, 5)), "III": (5, sp.Rational(3, 2))}


def _named_terms():
    return {"F_pp": t_ ** (-(a - 1) / b), "F_0": N_ ** (-sp.Min(a - 1, b)), "F_ac": t_ ** (-(1 - 1 / b)) / N_,
            "K_pp": gamma * t_ ** (-(2 - 1 / b))}


def terms_statement():
    """The quoted loss terms (constants dropped)."""
    return sp.Eq(L_sym, sp.Add(*_named_terms().values()))


def _exponents(statement, point):
    """{name: e_j(ξ)}: −log_C of each term of the statement at N = C^ξ, t = C^(1−ξ) (γ a constant), every Min
    resolved to its smaller argument at ``point``."""
    C = sp.Symbol("C", positive=True)
    at = {a: point[0], b: point[1]}
    names = {v: k for k, v in _named_terms().items()}
    out = {}
    for term in sp.Add.make_args(statement.rhs):
        branch = term.replace(lambda e: isinstance(e, sp.Min),
                              lambda e: min(e.args, key=lambda x: x.subs(at)))
        logged = sp.expand_log(sp.log(branch.subs({N_: C ** xi, t_: C ** (1 - xi)})), force=True)
        out[names[term]] = sp.simplify(-sp.diff(logged, C) * C)
    return out


def _max_min(exponents, point):
    """(ξ*, η) with η = max_ξ min_j e_j(ξ) at ``point``: the crossing of two terms (solved for every pair) at which
    min_j e_j is largest and falls off on both sides; ValueError if no crossing is such a maximum."""
    at = {a: point[0], b: point[1]}
    lower = lambda x: min(e.subs(at).subs(xi, x) for e in exponents.values())
    found = []
    for first, second in itertools.combinations(sorted(exponents), 2):
        roots = sp.solve(sp.Eq(exponents[first], exponents[second]), xi)
        for root in roots:
            value = sp.simplify(exponents[first].subs(xi, root))
            xi0, eta0 = root.subs(at), value.subs(at)
            if (0 < xi0 < 1 and lower(xi0) == eta0 and lower(xi0 - sp.Rational(1, 100)) < eta0
                    and lower(xi0 + sp.Rational(1, 100)) < eta0):
                found.append((root, value))
    if not found:
        raise ValueError(f"no crossing of two terms is the max-min at (a, b) = {point}")
    return found[0]


def _boundary(one, other):
    """The line a(b) where the loss exponents of two neighbouring phases agree (the root that depends on b)."""
    roots = [r for r in sp.solve(sp.Eq(one, other), a) if r.has(b)]
    if len(roots) != 1:
        raise ValueError(f"expected one phase boundary between {one} and {other}, got {roots}")
    return roots[0]


def _phases(statement, with_noise=True):
    found = {}
    for name, point in PHASES.items():
        exponents = _exponents(statement, point)
        if not with_noise:
            exponents.pop("K_pp")
        found[name] = _max_min(exponents, point)
    names = list(PHASES)
    if not with_noise:
        if found["III"] != found["II"]:
            raise ValueError("without SGD noise the phase III point does not continue phase II")
        names = names[:2]
    # a < boundary(a phase, the next) inside each phase but the last, checked at the phase points
    limits = [_boundary(found[p][1], found[q][1]) for p, q in zip(names, names[1:])]
    for limit, p, q in zip(limits, names, names[1:]):
        if not (PHASES[p][0] < limit.subs(b, PHASES[p][1]) and PHASES[q][0] > limit.subs(b, PHASES[q][1])):
            raise ValueError(f"the boundary a = {limit} does not separate the points of {p} and {q}")
    conditions = [a < limit for limit in limits] + [True]
    loss = sp.Piecewise(*((found[n][1], cond) for n, cond in zip(names, conditions)))
    width = sp.Piecewise(*((found[n][0], cond) for n, cond in zip(names, conditions)))
    return sp.Eq(eta_L, loss), sp.Eq(sp.Symbol("xi_N"), width)


def _flow_phases(statement):
    return _phases(statement, with_noise=False)


def _loss_rate(phases):
    return sp.Eq(sp.Function("Rate")(sp.Symbol("L_*"), sp.Symbol("C", positive=True)), phases[0].rhs)


def add_phase_steps(d) -> None:
    d.quote("sgd-bottleneck-terms", "Four bottleneck terms of one-pass SGD",
            "Constants dropped: the flow's decay t^(−(a−1)/b), the width floor N^(−min(a−1, b)), the bulk of the "
            "spectrum beyond N, N^(−1)t^(−(1−1/b)), and SGD noise γt^(−(2−1/b)) (t = hn, γ = h/B; b = 2α, "
            "a = 2α + 2β of the source); for b > 1 and infinitely many modes.", terms_statement(),
            checked_by=("sgd-phase-frontier",), reference="arXiv:2405.15074, Sec. 3 (F_pp, F_0, F_ac, K_pp)")
    d.derive("sgd-phase-exponents", "Compute-optimal phases of one-pass SGD",
             "N = C^ξ, t = C^(1−ξ): L* ∝ C^(−η), η = max_ξ min_j e_j(ξ), at the crossing of a rising and a "
             "falling term (solved; the max-min checked at a point of each phase): Ia a < b + 1, II "
             "b + 1 < a < 2b, III a > 2b (SGD noise against the bulk term, ξ = 1/2).",
             transform("sgd-bottleneck-terms", _phases, "exponents in C; solve the crossings; max-min",
                       name="solve"))
    d.derive("flow-phase-exponents", "Compute-optimal phases of gradient flow",
             "Without the SGD-noise term (γ = 0): phase II covers every a > b + 1 — for easy tasks the flow's "
             "compute law is (a−1)/a, not the two-term ansatz's m(a−1)/(a−1+bm) of (compute-optimal-exponents).",
             transform("sgd-bottleneck-terms", _flow_phases, "as (sgd-phase-exponents) without K_pp",
                       name="solve"))
    for label, source, what in (("sgd-compute-loss-rate", "sgd-phase-exponents", "one-pass SGD"),
                                ("flow-compute-loss-phases", "flow-phase-exponents", "gradient flow")):
        d.derive(label, f"Compute-optimal loss rate of {what}", f"({source}) as a rate in C: L* ∝ C^(−η).",
                 transform(source, _loss_rate, "pick η", name="substitute"))
