"""The float64 κ solver (safeguarded Newton in log κ, one pass over the modes per residual): its roots against
50-digit references, and the work it does counted in residual passes (RootResult.iterations), never timed."""
import mpmath
import numpy as np
import pytest

import derivations.ridge.theory as theory
from derivations.ridge import solve_kappa
from numerics.solvers import ConvergenceError


def _power_law(D):
    return np.arange(1, D + 1, dtype=float) ** -1.5


def _newton_error_50(eta, P, lam, kappa):
    """|κ − κ*|/κ at 50 digits from one Newton step on κ(P − D + Σ κ/(η+κ))/P − λ (λ > 0) or on
    (P − D + Σ κ/(η+κ))/P (λ = 0), with the exact slopes in κ (the quadratic remainder is ~error²)."""
    with mpmath.workdps(50):
        k, P, D = mpmath.mpf(kappa), mpmath.mpf(P), len(eta)
        etm = [mpmath.mpf(float(e)) for e in eta]
        c1 = mpmath.fsum(k / (e + k) for e in etm)
        h = (P - D + c1) / P
        if lam > 0:
            slope = (P - D + mpmath.fsum(k * (2 * e + k) / (e + k) ** 2 for e in etm)) / P    # 1 − γ
            return float(abs((k * h - mpmath.mpf(lam)) / (k * slope)))
        return float(abs(h / mpmath.fsum(k * e / (e + k) ** 2 for e in etm) * P))


@pytest.mark.parametrize("q", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("lam", [1e-8, 1e-6, 1e-4, 1e-2, 1.0, 0.0])
def test_float64_root_is_exact_to_14_digits_at_D_1e4(q, lam):
    D = 10 ** 4
    eta, P = _power_law(D), D / q
    kappa, root = solve_kappa(eta, P, lam)
    if lam == 0 and D <= P:
        assert kappa == 0.0 and root is None
        return
    assert root.converged and root.method == "newton-log"
    assert _newton_error_50(eta, P, lam, kappa) < 1e-14


@pytest.mark.parametrize("P, lam", [(100, 1e-6), (300, 1e-3), (300, 1e-8), (300, 0.0), (600, 1e-2), (900, 1.0)])
def test_float64_root_agrees_with_the_mp_route(P, lam):
    eta = _power_law(300)
    kappa, _ = solve_kappa(eta, P, lam)
    with mpmath.workdps(50):
        ref, _ = solve_kappa([mpmath.mpf(float(e)) for e in eta], mpmath.mpf(P), mpmath.mpf(lam), mp=True)
    assert kappa == 0.0 if ref == 0 else abs(kappa / float(ref) - 1) < 1e-14


@pytest.mark.parametrize("lam", [1e-6, 1e-3, 1.0, 0.0])
@pytest.mark.parametrize("P", [10 ** 4, 3 * 10 ** 5])
def test_few_residual_passes_at_D_2e5(P, lam):
    """Started from the root of a sketch of the spectrum, Newton needs two passes over the 2·10⁵ modes here
    (the old bracketed search needed ~25)."""
    eta = _power_law(2 * 10 ** 5)
    kappa, root = solve_kappa(eta, P, lam)
    if root is None:                                     # ridgeless with D ≤ P
        assert kappa == 0.0 and lam == 0
        return
    assert root.converged and root.iterations <= 3


@pytest.mark.parametrize("order", ["ascending", "shuffled"])
def test_order_of_the_eigenvalues_does_not_matter(order):
    eta = _power_law(10 ** 5)
    other = eta[::-1].copy() if order == "ascending" else np.random.default_rng(3).permutation(eta)
    for lam in (1e-6, 1e-2, 0.0):
        (k1, r1), (k2, r2) = solve_kappa(eta, 3000, lam), solve_kappa(other, 3000, lam)
        assert abs(k2 / k1 - 1) < 1e-14 and r2.iterations <= (3 if order == "ascending" else 8)


@pytest.mark.parametrize("lam", [1e-6, 1e-3, 0.0])
def test_warm_started_curve_equals_cold_solves(lam):
    eta = _power_law(10 ** 5)
    Ps = np.unique(np.round(np.logspace(3, 6, 20)))
    for grid in (Ps, Ps[::-1]):
        warm = theory.solve_kappa_curve(eta, grid, lam)
        cold = [solve_kappa(eta, p, lam) for p in grid]
        for (kw, rw), (kc, _) in zip(warm, cold):
            assert kw == kc == 0.0 if kc == 0 else abs(kw / kc - 1) < 1e-14
        assert sum(r.iterations for _, r in warm if r is not None) <= 3 * len(grid)


def test_curve_over_the_ridge_narrows_the_bracket_by_the_previous_root():
    eta, ridges = _power_law(5000), np.logspace(-8, 0, 15)
    warm = theory.solve_kappa_curve(eta, 2000.0, ridges)
    kappas = [k for k, _ in warm]
    assert all(a < b for a, b in zip(kappas, kappas[1:]))           # κ increases with λ
    for (k, _), lam in zip(warm, ridges):
        assert abs(k / solve_kappa(eta, 2000.0, lam)[0] - 1) < 1e-14


def test_unconverged_newton_raises_with_its_record():
    eta = _power_law(1000)
    with pytest.raises(ConvergenceError) as err:
        theory._newton([(eta, -1, 1)], 100.0, 1e-6, 1e-6, 1.0, 0.5, 4e-16, maxiter=2)
    assert not err.value.result.converged and err.value.result.iterations == 2


def test_slopes_are_the_derivative_of_the_residual():
    """κ ∂R/∂κ of the compiled slope against a central difference of the compiled residual, in mpmath."""
    eta, P, lam = _power_law(50), 30.0, 1e-3
    with mpmath.workdps(40):
        etm = [mpmath.mpf(float(e)) for e in eta]
        R = lambda k: theory._kappa_residual(etm, mpmath.mpf(P), mpmath.mpf(lam), k, True)
        k, h = mpmath.mpf("0.01"), mpmath.mpf(10) ** -15
        n_big, e2 = theory._deficit(theory._compiled()["S2"], theory._compiled()["C2"], etm, k, True)
        slope = theory._compiled()["kappa_slope"](mp=True, kappa=k, P=mpmath.mpf(P), gap=P - n_big, C2=e2)
        assert abs(slope / (k * (R(k + h) - R(k - h)) / (2 * h)) - 1) < mpmath.mpf(10) ** -20
