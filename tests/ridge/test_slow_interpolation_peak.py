"""Slow: the deterministic equivalent at the interpolation peak (q = 1) at larger sizes.

At q = 1 with a small ridge the test error is largest and the finite-size corrections are
strongest: κ ≈ √λ is the spectral resolution, and the corrections are O(1/(Dκ)). Measured
(isotropic, λ = 1e-4, σ² = 1/4): E_tr is above theory by +21%, +18%, +5%, +1% (± 4%) at
D = 200, 400, 800, 1600, i.e. 1/(Dκ) = 0.50, 0.25, 0.12, 0.06. So each quantity is compared
through its relative deviation from theory at two sizes D and 2D with Dκ ≳ 4 (D = 200, 400
for λ = 1e-3; D = 800, 1600 for λ = 1e-4), extrapolated to D → ∞ by Richardson
(2·e(2D) − e(D)), which removes the O(1/D) term; the extrapolated deviation must vanish
within its standard error, at a Bonferroni threshold over this file's comparisons
(familywise 1e-2).
"""
import functools

import pytest

from derivations.ridge import isotropic_problem, learning_curve, power_law_problem
from numerics.ridge_simulation import ridge_draw
from numerics.simulation import Estimate, run_ensemble, z_test, z_threshold

CASES = [(problem, lam) for problem in (isotropic_problem, power_law_problem) for lam in (1e-4, 1e-3)]
KEYS = ("E_g", "E_g_clean", "E_tr")
THRESHOLD = z_threshold(len(KEYS) * len(CASES), 1e-2)


SIZES = {1e-3: (200, 400), 1e-4: (800, 1600)}


def _relative_deviations(problem, lam, D):
    eta, w = problem(D)
    task = functools.partial(ridge_draw, eigenvalues=eta, teacher=w, P=D, ridge=lam, noise_variance=0.25)
    ens = run_ensemble(task, min(400, 240_000 // D), entropy=[7, int(lam * 1e4), D])
    noisy, clean = learning_curve(eta, w, D, lam, 0.25), learning_curve(eta, w, D, lam, 0.0)
    theory = {"E_g": noisy.E_g, "E_g_clean": clean.E_g, "E_tr": noisy.E_tr}
    out = {}
    for key in KEYS:
        est = ens.estimate(key)
        out[key] = Estimate(est.mean / theory[key] - 1, est.se / theory[key], est.n)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("problem,lam", CASES)
def test_interpolation_peak_matches_simulation(problem, lam):
    small, large = (_relative_deviations(problem, lam, D) for D in SIZES[lam])
    for key in KEYS:
        a, b = small[key], large[key]
        extrapolated = Estimate(2 * b.mean - a.mean, (4 * b.se ** 2 + a.se ** 2) ** 0.5, b.n)
        result = z_test(0.0, extrapolated, THRESHOLD)
        assert result.passed, (key, a, b, extrapolated, result.z)
