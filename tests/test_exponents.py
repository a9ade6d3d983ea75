"""The exponent table: derived rates against the literature's formulas, confirmation, bad input."""
import json
import math

import pytest
import sympy as sp

from derivations import registry
from derivations.cli import main
from derivations.engine.laws import confirm
from derivations.ridge import check_parameters

LAWS = registry.laws()

# the rates as the reference sheet states them (arXiv:2405.00592 §power laws, phase-plot table; 2402.01092):
# κ ~ P^(−α) ridgeless, κ ~ max(λ, P^(−α)), E_g ~ P^(−2α min(r,1)), ridge-limited P^(−2l min(r,1)),
# noise by ridge 1 − l/α, width-limited N^(−α min(2r,1)), Var_F ~ P^(−(α−c)) N^(−c) with c = 1 (isotropic F),
# variance-limited rate α − c + qc
LITERATURE = {
    "ridge-kappa-ridgeless": lambda p: p["alpha"],
    "ridge-kappa-ridge-limited": lambda p: min(p["alpha"], p["l"]),
    "ridge-error-source": lambda p: 2 * p["alpha"] * min(p["r"], 1),
    "ridge-error-capacity": lambda p: 2 * p["alpha"] * min(p["r"], 1),
    "ridge-error-ridge-limited": lambda p: 2 * p["l"] * min(p["r"], 1),
    "ridge-noise-ridge-limited": lambda p: 1 - p["l"] / p["alpha"],
    "rf-width-limited-source": lambda p: p["alpha"] * min(2 * p["r"], 1),
    "rf-width-limited-capacity": lambda p: p["alpha"] * min(2 * p["r"], 1),
    "rf-variance-F": lambda p: 1.0,
    "rf-phase-variance-limited": lambda p: p["alpha"] - 1 + p["q"],
    # finite-width correction with anisotropic columns, c(α_F) of the sheet (1 below ½, (1 − α_F)/α_F up to 1)
    "rf-finite-width-window": lambda p: (1 - p["a"]) / p["a"],
    "rf-finite-width-steep": lambda p: 1.0,
    # beyond the window (not in the sheet): Δ₂ ∝ ρ^(−2) with ρ ∝ N^(1−α_F)/P, i.e. 2(1 − α_F)
    "rf-finite-width-beyond": lambda p: 2 * (1 - p["a"]),
    # gradient flow with power-law spectrum and target (source r): ε ∝ t^(−2r) (Bordelon, Atanasov, Pehlevan,
    # arXiv:2402.01092: t^(−(a−1)/b), a = 1 + 2αr, b = α); the i.i.d. teacher is r = (α − 1)/(2α)
    "dmft-time-decay": lambda p: 2 * p["r"],
    # t → ∞: the ridgeless rate 2α min(r, 1)
    "dmft-plateau": lambda p: 2 * p["alpha"] * min(p["r"], 1),
    # optimal early stopping: the minimax rate 2αr/(2αr + 1) (Caponnetto & De Vito 2007; Yao, Rosasco,
    # Caponnetto 2007), reached at t* ∝ P^(α/(2αr+1)) in units of the step (c = 1/P): a growing time, rate < 0
    "dmft-early-stopping-error": lambda p: 2 * p["alpha"] * p["r"] / (2 * p["alpha"] * p["r"] + 1),
    "dmft-early-stopping-time": lambda p: -p["alpha"] / (2 * p["alpha"] * p["r"] + 1),
    # online SGD of a linear network on a power-law spectrum λ_l ∝ l^(−(1+β)): α^(−β/(1+β))
    # (Worschech & Rosenow, arXiv:2410.09005, abstract)
    "sgd-linear-window": lambda p: p["beta"] / (1 + p["beta"]),
    # over-realizable soft committee machines: a power law instead of exponential convergence (Richert,
    # Worschech & Rosenow, arXiv:2104.14546, abstract; the exponent is not in the abstract: derived here, 2)
    "sgd-overrealizable": lambda p: 2.0,
    # scaling law in the number of trainable input dimensions (Worschech & Rosenow, arXiv:2410.09005: review-site
    # summary only, exponent not retrieved; derived here: the frozen tail Σ_{m>L_t} λ_m/L ∝ L_t^(−β))
    "sgd-trainable-dimensions": lambda p: p["beta"],
    # plateau length ∝ 1/η at small η: the symmetric phase's time scale is 1/η (Saad & Solla 1995); a growing
    # time, rate −1 in x = 1/η.  (The claimed M²/(ηL) of arXiv:2410.09005 holds in η only: see escape-time.)
    "sgd-plateau-escape": lambda p: -1.0,
    # specialised phase of the erf machine on a power-law spectrum: the window rate of the linear network
    # (arXiv:2410.09005, Fig. 1 caption: power-law instead of exponential convergence; exponent derived here)
    "sgd-erf-window": lambda p: p["beta"] / (1 + p["beta"]),
    # the dynamical model (Bordelon, Atanasov, Pehlevan, arXiv:2402.01092), λ_k = k^(−b), (w*_k)²λ_k = k^(−a):
    # time t^(−(a−1)/b), data P^(−min(a−1, 2b)); width: the paper's readers quote min(a−1, 2b), which is the
    # rate of the infinite ensemble over projections — one model is limited by its variance over A, min(a−1, b)
    # (the width-limited rate of arXiv:2405.00592 in (a, b)); the simulations of both laws tell them apart
    "rfd-time": lambda p: (p["a"] - 1) / p["b"],
    "rfd-data": lambda p: min(p["a"] - 1, 2 * p["b"]),
    "rfd-width-one": lambda p: min(p["a"] - 1, p["b"]),
    "rfd-width-ensemble": lambda p: min(p["a"] - 1, 2 * p["b"]),
    # compute-optimal, hard tasks: L* ∝ C^(−(a−1)/(1+b)), N* ∝ C^(1/(1+b)), t* ∝ C^(b/(1+b)) (growth: rate < 0)
    "rfd-compute-loss": lambda p: (p["a"] - 1) / (1 + p["b"]),
    "rfd-compute-width": lambda p: -1 / (1 + p["b"]),
    "rfd-compute-time": lambda p: -p["b"] / (1 + p["b"]),
    # the compute-optimal phases of Paquette, Paquette, Xiao, Pennington (arXiv:2405.15074; b = 2α, a = 2α + 2β):
    # phase III (a > 2b, SGD noise) η = 1 − 1/(4α) = 1 − 1/(2b); phase II (b + 1 < a < 2b) η = (2α+2β−1)/(2α+2β),
    # which the flow (no SGD noise) keeps for every a > b + 1
    "rfd-sgd-compute-loss": lambda p: 1 - 1 / (2 * p["b"]),
    "rfd-flow-compute-easy": lambda p: (p["a"] - 1) / p["a"],
}


def test_every_law_has_a_literature_value():
    assert set(LAWS) == set(LITERATURE)


@pytest.mark.parametrize("name", sorted(LITERATURE))
def test_derived_rate_equals_the_literature(name):
    law = LAWS[name]
    assert law.value() == pytest.approx(LITERATURE[name](law.parameters), abs=1e-12)
    # the rate is the statement of a step of its entry, not a number stored in the table
    assert law.derived() == registry.get(law.entry)[law.step].rhs


@pytest.mark.parametrize("q, l, noisy, expected", [
    (1.5, math.inf, False, 2.0),     # Var_F-limited: α − 1 + q at α = 1.5 (table row "feature variance, ridgeless")
    (0.5, math.inf, False, 0.6),     # width-limited, source: 2αrq at r = 0.4 (table row "width-limited source")
    (2.0, 0.5, False, 1.0),          # ridge-limited capacity: 2l at r = 1 (table row)
    (2.0, 0.5, True, 2 / 3),         # label noise mitigated by ridge: 1 − l/α (table row)
    (0.5, math.inf, True, 0.5),      # label noise mitigated by width: 1 − q (table row)
])
def test_phase_diagram_matches_the_phase_plot_table(q, l, noisy, expected):
    d = registry.get("random-feature-exponents")
    stmt = d["phase-diagram" if noisy else "phase-diagram-noiseless"].rhs
    r = 0.4 if (q, l) == (0.5, math.inf) else 1.0
    sym = {n: sp.Symbol(n, positive=True) for n in ("alpha", "r", "q", "l")}
    value = stmt.subs({sym["alpha"]: sp.Rational(3, 2), sym["r"]: sp.nsimplify(r), sym["q"]: sp.nsimplify(q),
                       sym["l"]: sp.oo if math.isinf(l) else sp.nsimplify(l)})
    assert float(value) == pytest.approx(expected, abs=1e-12)


def test_confirm_one_law_quickly():
    c = confirm(LAWS["ridge-kappa-ridge-limited"], quick=True, n_laws=registry.law_count())
    assert c.passed
    row = c.row()
    json.dumps(row, allow_nan=False)
    assert row["value"] == 0.5 and abs(row["theory_slope"] + 0.5) < 0.01
    assert row["simulation_interval"][0] <= row["finite_theory_slope"] <= row["simulation_interval"][1]


@pytest.mark.parametrize("params, match", [
    ({"alpha": 1.0, "r": 0.5}, "alpha"), ({"alpha": 1.5, "r": 0.0}, "r \\(source\\)"),
    ({"alpha": 1.5, "r": -1}, "r \\(source\\)"), ({"alpha": 1.5, "r": 0.5, "l": 0}, "l \\(ridge"),
    ({"alpha": 1.5, "r": 0.5, "q": -2}, "q \\(width"), ({"alpha": float("nan"), "r": 0.5}, "alpha"),
    ({"alpha": 1.5, "r": 0.5, "a": 0}, "a \\(column"),
])
def test_parameters_outside_the_range_raise(params, match):
    with pytest.raises(ValueError, match=match):
        check_parameters(params)


def test_cli_exponents_json(capsys):
    assert main(["exponents", "ridge-kappa-ridge-limited", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = out["laws"]
    assert row["law"] == "ridge-kappa-ridge-limited" and row["passed"] is True


def test_cli_exponents_unknown_name(capsys):
    assert main(["exponents", "no-such-law"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-law" in err


def _one_seed(rng, sizes):
    return [float(x) ** -0.5 * (1 + 0.01 * rng.standard_normal()) for x in sizes]


def _seeds_together(generators, sizes):
    return [_one_seed(g, sizes) for g in generators]


def test_seeds_simulated_together_give_the_same_confirmation_serially_and_in_a_pool():
    import dataclasses
    from concurrent.futures import ProcessPoolExecutor
    base = dataclasses.replace(LAWS["ridge-kappa-ridge-limited"], simulate=_one_seed)
    batched = dataclasses.replace(base, simulate_seeds=_seeds_together)
    serial = confirm(base, quick=True).sim_fit
    with ProcessPoolExecutor(2) as pool:
        pooled = confirm(batched, quick=True, executor=pool).sim_fit
    together = confirm(batched, quick=True).sim_fit
    assert serial.slope == pooled.slope == together.slope
