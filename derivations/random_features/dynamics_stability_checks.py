"""The stability edge of gradient descent at finite N, P (``gd-stability-edge``, entry ``random-feature-dynamics``).

The edge λ₊ of (gd-stability-finite) is the top of the deterministic-equivalent spectrum of G = FFᵀ/P.  Two
checks:

* sampled G (F = AΨᵀ/√N, A and Ψ Gaussian) on a flat spectrum, whose top is a bulk edge: the mean top
  eigenvalue at sizes m = 1, 2 (M, N, P → mM, mN, mP), extrapolated with the Tracy–Widom scaling of the top
  eigenvalue's offset, m^(−2/3) (E_∞ = (2^(2/3)E₂ − E₁)/(2^(2/3) − 1)), z-tested against λ₊;
* the second route to the edge: the κ continuation of the discrete theory on the circle |z| = ρ, through
  s = −(1 + ρ)/(hρ), turns complex once that point passes −λ₊ — at h = h_max(1 + ρ)/(2ρ), 1.003·h_max for
  2000 steps: real at 0.99·h_max, complex at 1.01·h_max.

For a power law the top modes are isolated: the deterministic equivalent smears the top mode into a bump whose
edge lies above the typical top eigenvalue, and single draws fluctuate by O(1) around it; the detail reports
the sampled distribution there (not a test: the edge is the deterministic equivalent's, exact as N, P → ∞).
"""
from __future__ import annotations

import numpy as np

import derivations.random_features.dynamics_discrete_theory as gd
from derivations.engine import CheckResult
from derivations.engine.simulation_checks import FAMILYWISE
from derivations.random_features.dynamics_theory import _rule
from numerics.simulation import Estimate, spawn_generators, z_threshold

#: the flat spectrum's sizes (M, N, P) at m = 1, full and quick, and the draws per size
BULK = {False: (400, 100, 150), True: (200, 50, 75)}
DRAWS = {False: 200, True: 80}
TRACY_WIDOM = 2 / 3


def _top_eigenvalues(eta, N, P, draws, entropy):
    tops = []
    for rng in spawn_generators(entropy, draws):
        F = rng.standard_normal((N, eta.size)) @ (rng.standard_normal((P, eta.size)) * np.sqrt(eta)).T / np.sqrt(N)
        tops.append(np.linalg.eigvalsh(F @ F.T / P)[-1])
    return np.array(tops)


def _bulk_edge(quick):
    M, N, P = BULK[quick]
    edge = gd.spectrum_edge(np.ones(M), N, P)
    means = [Estimate.from_samples(_top_eigenvalues(np.ones(m * M), m * N, m * P, DRAWS[quick], [31, m]))
             for m in (1, 2)]
    c = 2 ** TRACY_WIDOM
    extrapolated = Estimate((c * means[1].mean - means[0].mean) / (c - 1),
                            float(np.hypot(c * means[1].se, means[0].se) / (c - 1)), DRAWS[quick])
    threshold = z_threshold(1, FAMILYWISE)
    z = float(extrapolated.z_score(edge))
    return CheckResult("gd-stability-edge: flat spectrum", "simulation", abs(z) <= threshold, edge,
                       extrapolated.mean, f"|z| <= {threshold:.2f}",
                       f"top eigenvalue of G over {DRAWS[quick]} draws at (M, N, P) = {BULK[quick]} and twice: "
                       f"{means[0].mean:.4f} ± {means[0].se:.2g}, {means[1].mean:.4f} ± {means[1].se:.2g}, extrapolated "
                       f"(m^(−2/3)) {extrapolated.mean:.4f} ± {extrapolated.se:.2g}; edge λ₊ = {edge:.4f}, z = {z:+.2f}",
                       extra={"z": z})


def _second_route():
    eta, N, P = np.arange(1, 301) ** -1.5, 60, 90
    limit = gd.gd_stability_limit(eta, N, P)
    rule = _rule(eta)
    n = np.array([0, 2000])        # ρ^M = 1e-10 with M ≥ 4002 nodes: the circle reaches s = −λ₊ at h = 1.003·h_max
    below = np.all(np.isfinite(gd._discrete_transfer(n, 0.99 * limit, rule, eta, N, P)))
    try:
        gd._discrete_transfer(n, 1.01 * limit, rule, eta, N, P)
        above = False
    except ValueError:
        above = True
    tops = _top_eigenvalues(eta, N, P, 200, [32])
    share = float(np.mean(tops > 2 / limit))
    return CheckResult("gd-stability-edge: two routes", "numeric", bool(below and above), limit, limit, "±1 %",
                       f"η_k = k^(−3/2), 300 modes, N = {N}, P = {P}: h_max = 2/λ₊ = {limit:.5f}; the κ continuation "
                       f"on the circle is real at 0.99·h_max and complex at 1.01·h_max.  Sampled top eigenvalue (isolated "
                       f"top mode): mean {tops.mean():.3f}, sd {tops.std(ddof=1):.3f} against λ₊ = {2 / limit:.3f}; "
                       f"{share:.1%} of draws lie above the edge")


def attach_checks(d) -> None:
    d.check("gd-stability-edge", "simulation", "the finite-N, P stability edge against sampled kernels and the "
            "κ continuation")(lambda quick: [_bulk_edge(quick), _second_route()])
