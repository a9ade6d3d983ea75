"""One-pass SGD on power-law random features: our theory against the peer ``power_law_rf`` (Paquette et al.,
arXiv:2405.15074; repository LosVolterrosHermanos/Experimental), side by side in one run (figures, not a test):

    PEER_PLRF=/path/to/Experimental PEER_PYTHON=/path/to/venv/bin/python python benchmarks/bench_sgd_race.py

The same model in both: ψ ~ N(0, diag(j^(−2α))), target w̄_j = j^(−β) (a = 2α + 2β, b = 2α), v = 2000 modes,
d = N = 400 features with N(0, 1/d) projections, batch 1, step γ = 0.5/tr Λ (the peer's notebooks), 1000 steps.
The peer's risk is MSE/2 and its ODE returns twice the risk (documented there), i.e. the MSE, as ours.

Routes compared at n = 10, 100, 300, 1000 against a reference simulation (our step-by-step SGD,
:func:`numerics.sgd_rf_simulation.simulate_one_pass_sgd`, 24 projections × 64 runs; its standard error shown —
at batch 1 the loss of one run is heavily skewed at early steps (sample skewness up to ~50 at n = 10, measured),
so few runs put the sample mean below the true mean and the standard error is optimistic there):

* ours: :func:`derivations.random_features.sgd_loss_curve` (discrete renewal equation, deterministic
  equivalent, float64) and :func:`~derivations.random_features.sgd_recursion_loss` on one sampled spectrum;
* peer: ``ode_resolvent_log_implicit`` (implicit Euler on log-time, float32) on a sampled spectrum
  (``PowerLawRF.get_hessian_spectra``/``get_rhos``) and on its deterministic-equivalent spectrum
  (``deterministic_spectra``, ``deterministic_rho_weights``).  Run in the peer's own environment (jax) by a
  subprocess; skipped with a note when ``PEER_PLRF`` is not set.

Timings are wall-clock seconds after a warm-up (SymPy and jax compilation excluded where they can be).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numerics  # noqa: F401,E402  (single-threaded BLAS first)
from derivations.random_features import sgd_loss_curve, sgd_recursion_loss  # noqa: E402
from numerics.sgd_rf_simulation import feature_problem, simulate_one_pass_sgd  # noqa: E402

ALPHA, BETA, V, D, STEPS = 1.0, 0.7, 2000, 400, 1000
READ = np.array([10, 100, 300, 1000])

PEER_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np, jax.numpy as jnp, jax.random as random
    from power_law_rf.power_law_rf import PowerLawRF
    from power_law_rf.ode import ode_resolvent_log_implicit, ODEInputs, DanaHparams
    import power_law_rf.deterministic_equivalent as theory
    A, Bt, V, D, STEPS = {alpha}, {beta}, {v}, {d}, {steps}
    read = {read}
    zero = lambda t: 0.0
    lr = 0.5 / float(jnp.sum(jnp.arange(1, V + 1) ** (-2.0 * A)))
    def curve(eigs, rho, rinf):
        t, r = ode_resolvent_log_implicit(ODEInputs(eigs, rho, 0 * rho, 0 * rho, rinf),
                                          DanaHparams(zero, lambda t: lr, zero, zero), 1, len(eigs), STEPS, 1e-3)
        t, r = np.array(t), np.array(r)
        return [float(r[np.argmin(abs(t - n))]) for n in read]
    out = {{}}
    start = time.perf_counter()
    P = PowerLawRF.initialize_random(A, Bt, V, D, random.PRNGKey(0))
    out["sampled"] = curve(P.get_hessian_spectra(), P.get_rhos(), P.get_theory_limit_loss())
    out["sampled_s"] = time.perf_counter() - start
    start = time.perf_counter()
    fe = theory.deterministic_spectra(V, D, A)
    lb, ub = 0.5 * theory.theory_lambda_min(A, V, D), 2.2
    bv, av = fe - 0.5 * jnp.diff(fe, prepend=ub), fe + 0.5 * jnp.diff(fe, append=lb)
    rho = theory.deterministic_rho_weights(V, D, A, Bt, av, bv)
    out["deterministic"] = curve(fe.astype(jnp.float32), rho.astype(jnp.float32), theory.theory_limit_loss(A, Bt, V, D))
    out["deterministic_s"] = time.perf_counter() - start
    print(json.dumps(out))
""")


def _problem():
    j = np.arange(1, V + 1, dtype=float)
    lam, w = j ** (-2 * ALPHA), j ** -BETA
    return lam, w, 0.5 / lam.sum()


def _peer():
    where, python = os.environ.get("PEER_PLRF"), os.environ.get("PEER_PYTHON", sys.executable)
    if not where:
        return None, "PEER_PLRF not set: the peer's routes are skipped"
    script = PEER_SCRIPT.format(alpha=ALPHA, beta=BETA, v=V, d=D, steps=STEPS, read=READ.tolist())
    run = subprocess.run([python, "-c", script], cwd=where, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        return None, "peer failed: " + run.stderr.strip().splitlines()[-1]
    return json.loads(run.stdout.strip().splitlines()[-1]), ""


def main():
    lam, w, h = _problem()
    steps = np.concatenate([[0], READ])
    sgd_loss_curve(steps[:2], lam, w, D, h, 1)                                   # warm-up (compilation)
    start = time.perf_counter()
    ours = sgd_loss_curve(steps, lam, w, D, h, 1).test[1:]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    mu, b, r = feature_problem(lam, w, np.random.default_rng(0).standard_normal((D, V)))
    per_draw = sgd_recursion_loss(steps, mu, b, r, h, 1)[1:]
    per_draw_s = time.perf_counter() - start
    start = time.perf_counter()
    means, _, _ = simulate_one_pass_sgd(lam, w, D, READ, h, 1, draws=24, runs=64, entropy=2024)
    sim_s = time.perf_counter() - start
    ref, se = means.mean(0), means.std(0, ddof=1) / np.sqrt(means.shape[0])
    peer, note = _peer()
    rows = [("ours: sgd_loss_curve (deterministic equivalent)", ours, ours_s),
            ("ours: sgd_recursion_loss (one A; z vs the mean over A)", per_draw, per_draw_s)]
    if peer:
        rows += [("peer: ODE on a sampled spectrum (float32)", np.array(peer["sampled"]), peer["sampled_s"]),
                 ("peer: ODE on its deterministic spectrum", np.array(peer["deterministic"]), peer["deterministic_s"])]
    print(f"one-pass SGD, α = {ALPHA}, β = {BETA} (a = {2 * ALPHA + 2 * BETA}, b = {2 * ALPHA}), v = {V}, d = {D}, "
          f"B = 1, h = {h:.4f}")
    print(f"reference simulation ({sim_s:.1f} s): " + ", ".join(f"n={n}: {m:.5g} ± {s:.1g}"
                                                               for n, m, s in zip(READ, ref, se)))
    for name, values, seconds in rows:
        z = (values - ref) / se
        print(f"{name:52s} {seconds:8.2f} s   rel. dev. " + " ".join(f"{x:+.3f}" for x in values / ref - 1)
              + "   z " + " ".join(f"{x:+.1f}" for x in z))
    if peer:
        print(f"time ratio peer(deterministic)/ours = {peer['deterministic_s'] / ours_s:.0f}×, "
              f"peer(sampled)/ours = {peer['sampled_s'] / ours_s:.1f}×")
    elif note:
        print(note)


if __name__ == "__main__":
    main()
