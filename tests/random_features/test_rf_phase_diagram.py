"""The phase diagram of ``random-feature-exponents`` against the exact infinite power-law theory."""
import mpmath
import pytest
import sympy as sp

from derivations import registry
from derivations.random_features import power_law_learning_curve as rf_learning_curve
from derivations.ridge import PowerLawSpectrum
from numerics.exponent_fit import local_slope


# (r, q, l): grid points of the phase diagram away from the regime boundaries r = 1, 2r = 1 (where the
# resonant poles of the Mellin expansion add a log factor and slopes converge only as 1/ln P)
PHASE_POINTS = [(0.4, 0.5, None), (0.4, 1.5, 0.5), (0.4, 3.0, 1.0), (0.8, 1.5, 1.0), (0.8, 3.0, None),
                (0.8, 0.5, 1.0), (1.3, 1.5, None), (1.3, 3.0, 0.5), (1.3, 1.5, 2.5)]


@pytest.mark.parametrize("r, q, l", PHASE_POINTS)
def test_phase_diagram_against_the_exact_theory(r, q, l):
    """The noiseless rate of (phase-diagram-noiseless) against the local slope of the exact infinite
    power-law theory at P = 1e12 (N = P^q, λ = P^(−l)): within 0.01 (the measured convergence at these
    points is ≤ 0.004 by 1e12; corrections are powers of P)."""
    stmt = registry.get("random-feature-exponents")["phase-diagram-noiseless"].rhs
    sym = {n: sp.Symbol(n, positive=True) for n in ("alpha", "r", "q", "l")}
    rate = float(stmt.subs({sym["alpha"]: sp.Rational(3, 2), sym["r"]: sp.nsimplify(r), sym["q"]: sp.nsimplify(q),
                            sym["l"]: sp.oo if l is None else sp.nsimplify(l)}))
    spectrum = PowerLawSpectrum(1.5, r)
    with mpmath.workdps(30):
        def error(P):
            ridge = 0 if l is None else P ** (-mpmath.mpf(l))
            return rf_learning_curve(spectrum, P, P ** mpmath.mpf(q), ridge, 0, dps=30).E_g
        slope = float(local_slope(error, mpmath.mpf(10) ** 12))
    assert abs(slope + rate) < 0.01, (slope, rate)
