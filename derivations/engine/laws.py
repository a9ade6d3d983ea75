"""Scaling laws and their numerical confirmation: the :class:`Law` type, :func:`confirm` and the
``exponent`` checks that put every law of an entry into its ``verify``.

A :class:`Law` names the catalogue step whose statement is the derived rate ρ (E ∝ x^(−ρ)), the
parameter values at which it is confirmed, and two independent numerical routes:

1. **exact theory** — the law's ``theory(x)`` (the deterministic equivalent at infinite size, in
   mpmath) at 30 digits, its local slope d log E/d log x at the ``scales`` (10², …, 10⁸ by default),
   which must reach −ρ within 0.01 at the largest (or, extrapolated with a fitted correction
   x^(−ω), within its error);
2. **simulation** — ``simulate(rng, sizes)``, one seeded run of the learning system returning the
   whole curve at the sizes this machine allows; per-seed curves give a least-squares slope with a
   bootstrap interval over seeds (familywise level 1 % shared by the whole table, Bonferroni), which
   must contain the same fit applied to ``finite_theory`` at the same sizes.

The engine knows no area: a law carries the function that fetches its entry's derivation
(``catalogue``, normally :func:`derivations.registry.get`) and its parameter check.

>>> import sympy as sp
>>> from derivations.engine import Derivation, Source
>>> rho = sp.Symbol("rho", positive=True)
>>> toy = Derivation("toy", "A toy rate", Source("none", "textbook"))
>>> toy.define("rate", "The rate", "E ∝ x^(−ρ).", sp.Eq(sp.Symbol("Rate"), 2 * rho))
>>> law = Law("toy-law", "toy", "rate", "toy", "E", "x", "everywhere", {"rho": 0.75},
...           theory=lambda x: x ** -1.5, simulate=each_size(lambda rng, x: x ** -1.5),
...           finite_theory=lambda x: x ** -1.5, sizes=(10, 20, 40), catalogue=lambda name: toy)
>>> law.derived(), law.value()
(2*rho, 1.5)
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from derivations.engine.checks import CheckResult
from derivations.engine.parallel import available_cores
from numerics.exponent_fit import exact_fit_slope, fit_slope, local_slope
from numerics.precision import workdps
from numerics.simulation import spawn_generators

THEORY_DPS = 30
SCALES = tuple(10 ** k for k in range(2, 9))
TOLERANCE = 0.01
#: familywise level of the simulation intervals, shared (Bonferroni) by all laws of the table
FAMILYWISE = 1e-2
#: first word of the entropy of every law's simulation seeds (then the law's name, letter by letter)
SIMULATION_ENTROPY = 20241123


@dataclass(frozen=True)
class Law:
    """One derived scaling law and how to confirm it numerically."""

    name: str
    entry: str
    step: str
    model: str
    quantity: str
    variable: str
    regime: str
    parameters: dict
    theory: Callable                 # x (mpf) -> quantity, exact theory at infinite size
    simulate: Callable               # (rng, sizes) -> one seeded curve, an observation per size
    finite_theory: Callable          # x -> the same quantity from the finite-size theory
    sizes: tuple                     # simulation sizes
    seeds: tuple = (64, 24)          # (full, quick)
    corrections: tuple = ()          # extra fit terms, e.g. ("1/x",) for self-averaging statistics
    scales: tuple = SCALES           # where the exact theory's local slope is taken
    notes: str = ""
    #: step in log x of the theory's local slope; None: ε^(1/3) of the working precision.  A theory
    #: computed in floats (an ODE integrated to a tolerance) needs a step much larger than its error.
    rel_step: float | None = None
    symbols: dict = field(default_factory=dict, compare=False)
    #: entry name -> its Derivation (the registry's ``get``), where the derived rate is read
    catalogue: Callable | None = field(default=None, compare=False, repr=False)
    #: the parameter check run before the rate is evaluated: a ValueError naming the condition
    check_parameters: Callable | None = field(default=None, compare=False, repr=False)
    #: optional (generators, sizes) -> one row per generator, row j equal bit for bit to
    #: ``simulate(generators[j], sizes)``: the seeds simulated together (a vectorised simulator)
    simulate_seeds: Callable | None = field(default=None, compare=False, repr=False)
    #: laws with the same key share a cached computation; their checks run in one worker (NumericCheck)
    shares: str = ""

    def derived(self) -> sp.Expr:
        """The rate as derived: the right side of the entry's step."""
        if self.catalogue is None:
            raise ValueError(f"law {self.name}: no catalogue to read {self.entry}:{self.step} from")
        return self.catalogue(self.entry)[self.step].rhs

    def value(self) -> float:
        """The derived rate at the law's parameters (checked first by ``check_parameters``)."""
        if self.check_parameters is not None:
            self.check_parameters(self.parameters)
        expr = self.derived().subs({sp.Symbol(k, positive=True): sp.nsimplify(v) for k, v in self.parameters.items()})
        if expr.free_symbols:
            raise ValueError(f"law {self.name}: no value for {sorted(map(str, expr.free_symbols))} in its parameters")
        return float(expr)


def each_size(observe: Callable) -> Callable:
    """``simulate(rng, sizes)`` from ``observe(rng, x)``: one independent observation per size, drawn in the
    order of the sizes from the same generator (picklable when ``observe`` is, for process pools)."""
    return functools.partial(_observe_each, observe)


def _observe_each(observe, rng, sizes):
    return [observe(rng, int(x)) for x in sizes]


# ---- confirmation --------------------------------------------------------------------------
@dataclass
class Confirmation:
    """The two numeric routes for one law."""

    law: Law
    derived: str
    value: float
    theory_slopes: dict
    theory_final: float
    theory_passed: bool
    theory_detail: str
    sim_fit: object
    sim_theory_slope: float
    sim_passed: bool

    @property
    def passed(self) -> bool:
        return self.theory_passed and self.sim_passed

    def row(self) -> dict:
        fit = self.sim_fit
        return {"law": self.law.name, "model": self.law.model, "quantity": self.law.quantity,
                "variable": self.law.variable, "regime": self.law.regime, "derived": self.derived,
                "parameters": {k: (str(v) if isinstance(v, float) and math.isinf(v) else v)
                               for k, v in self.law.parameters.items()},
                "value": self.value, "theory_slope": self.theory_final, "theory_detail": self.theory_detail,
                "simulation_slope": fit.slope, "simulation_interval": [fit.low, fit.high],
                "simulation_level": fit.level, "finite_theory_slope": self.sim_theory_slope,
                "sizes": list(self.law.sizes), "seeds": fit.n_seeds, "passed": self.passed}

    def results(self) -> list[CheckResult]:
        """The two routes as the ``exponent`` check results of the law's entry."""
        law, fit = self.law, self.sim_fit
        tag = (f"exponent {law.name}: {law.quantity} ∝ {law.variable}^(−ρ), {law.regime}, "
               f"ρ = {self.derived} = {self.value:.4g}")
        slopes = ", ".join(f"{x:.0e}: {s:+.4f}" for x, s in self.theory_slopes.items())
        return [CheckResult(f"{tag}, exact theory", "exponent", self.theory_passed, -self.value, self.theory_final,
                            "|Δ| < 0.01 at 1e8 (or extrapolated within its error)",
                            f"{self.theory_detail}; local slopes {slopes}"),
                CheckResult(f"{tag}, simulation", "exponent", self.sim_passed, self.sim_theory_slope, fit.slope,
                            f"{100 * fit.level:.3g}% interval contains the finite-size theory slope",
                            f"simulation slope {fit.describe()} at {law.variable} = {list(law.sizes)}; the same fit "
                            f"of the exact theory at these finite sizes: {self.sim_theory_slope:+.4f}"
                            + (f"; {law.notes}" if law.notes else ""))]


def _extrapolate(xs, slopes):
    """s(x) = s∞ + c·x^(−ω) through the last three decades; returns (s∞, |s∞ − s(x_max)|) or None."""
    s1, s2, s3 = slopes[-3:]
    d1, d2 = s2 - s1, s3 - s2
    if d1 == 0 or d2 == 0 or (d2 / d1) <= 0 or (d2 / d1) >= 1:
        return None
    ratio = d2 / d1                       # = 10^(−ω) for decades
    s_inf = s3 + d2 * ratio / (1 - ratio)
    return s_inf, abs(s_inf - s3)


def _theory_route(law: Law, rate: float):
    with workdps(THEORY_DPS):
        step = None if law.rel_step is None else mpmath.mpf(law.rel_step)
        slopes = {x: float(local_slope(law.theory, mpmath.mpf(x), rel_step=step)) for x in law.scales}
    xs = list(slopes)
    final = slopes[xs[-1]]
    diff = abs(final + rate)
    if diff < TOLERANCE:
        return slopes, final, True, f"local slope at {xs[-1]:.0e}: {final:+.4f} (|Δ| = {diff:.1e} < {TOLERANCE})"
    ext = _extrapolate(xs, [slopes[x] for x in xs])
    ok = ext is not None and abs(ext[0] + rate) < max(TOLERANCE, ext[1])
    detail = (f"local slope at {xs[-1]:.0e}: {final:+.4f}; " +
              (f"extrapolated {ext[0]:+.4f} ± {ext[1]:.1e}" if ext else "no monotone convergence to extrapolate"))
    return slopes, final, ok, detail


def confirm(law: Law, quick: bool = False, executor=None, n_laws: int = 1) -> Confirmation:
    """Run both routes for ``law``; the simulation interval has level 1 − FAMILYWISE/n_laws, ``n_laws`` being
    the size of the table the law belongs to."""
    if isinstance(n_laws, bool) or not isinstance(n_laws, int) or n_laws < 1:
        raise ValueError(f"n_laws (the number of laws sharing the familywise level) must be an integer ≥ 1, got {n_laws!r}")
    rate = law.value()
    slopes, final, ok, detail = _theory_route(law, rate)
    n_seeds = law.seeds[1 if quick else 0]
    sizes = np.asarray(law.sizes, float)
    rows = _simulate(law, n_seeds, executor)
    fit = fit_slope(sizes, rows, level=1 - FAMILYWISE / n_laws, n_boot=4000, entropy=_entropy(law),
                    corrections=law.corrections)
    finite = exact_fit_slope(sizes, [law.finite_theory(int(x)) for x in sizes], law.corrections)
    return Confirmation(law, str(law.derived()), rate, slopes, final, ok, detail, fit, finite, fit.contains(finite))


def _entropy(law: Law) -> list[int]:
    return [SIMULATION_ENTROPY, *[ord(c) for c in law.name]]


def _seed_row(rng, simulate, sizes):
    return list(simulate(rng, sizes))


def _simulate(law, n_seeds, executor):
    """One row per seed; in a process pool only ``simulate`` and the sizes travel (the theory may be a closure)."""
    gens = spawn_generators(_entropy(law), n_seeds)
    if law.simulate_seeds is not None:
        workers = 1 if executor is None else available_cores()     # rows do not depend on the split
        parts = [gens[i::workers] for i in range(workers) if gens[i::workers]]     # seed j in part j % workers
        done = list(map(law.simulate_seeds, parts, [law.sizes] * len(parts))) if executor is None \
            else list(executor.map(law.simulate_seeds, parts, [law.sizes] * len(parts)))
        rows = [None] * n_seeds
        for i, part in enumerate(done):
            rows[i::workers] = [list(row) for row in part]
    elif executor is None:
        rows = [_seed_row(g, law.simulate, law.sizes) for g in gens]
    else:
        rows = list(executor.map(_seed_row, gens, [law.simulate] * n_seeds, [law.sizes] * n_seeds))
    for row in rows:
        if len(row) != len(law.sizes):
            raise ValueError(f"law {law.name}: simulate returned {len(row)} values for {len(law.sizes)} sizes")
    return np.array(rows)


def attach_law_checks(d, laws, family_size: Callable[[], int]) -> None:
    """Add one ``exponent <law>`` check to derivation ``d`` for each of ``laws`` that belongs to its entry
    (``law.entry == d.name``; an area passes all its laws); ``family_size()`` is the number of laws of the
    whole table (read when the check runs, for the shared familywise level)."""
    for law in (law for law in laws if law.entry == d.name):
        def run(quick, executor=None, law=law):
            return confirm(law, quick=quick, executor=executor, n_laws=family_size()).results()
        d.check(f"exponent {law.name}", "exponent", f"{law.quantity} ∝ {law.variable}^(−ρ) ({law.regime}): "
                "exact-theory local slopes up to 1e8 and a simulation slope with a bootstrap interval", law.shares)(run)
