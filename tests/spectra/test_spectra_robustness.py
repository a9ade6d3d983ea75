"""Regression tests for issue 13 in ``derivations.spectra``: no overflow to a wrong edge at huge q, no silent
NaN or 0 for a bad x, correct densities where the float64 edges cannot resolve the support.

Independent reference: λ± = (1 ± √q)² and ρ(x) = √(4q − (x − 1 − q)²)/(2π q x) on the support, evaluated
here in mpmath at 60 digits from the given float x and q (4q − (x − 1 − q)² = (λ₊ − x)(x − λ₋))."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from derivations.spectra import density, law


def _reference_density(xv, qv):
    with mpmath.workdps(60):
        xm, qm = mpmath.mpf(xv), mpmath.mpf(qv)
        radicand = 4 * qm - (xm - 1 - qm) ** 2
        return mpmath.sqrt(radicand) / (2 * mpmath.pi * qm * xm) if radicand > 0 else mpmath.mpf(0)


@pytest.mark.parametrize("qv", [1e16, 1e155, 1e200, 1e300, 1.7976931348623157e308, 1e-16, 1e-300, 5e-324])
def test_edges_finite_and_correct_at_extreme_q(qv):
    # law(1e200) gave lower = inf: (q − 1)² overflowed in the stable lower-edge form
    edges = law(qv)
    with mpmath.workdps(60):
        s = mpmath.sqrt(mpmath.mpf(qv))
        exact = {"lower": (1 - s) ** 2, "upper": (1 + s) ** 2}
        for name, value in exact.items():
            assert np.isfinite(edges[name]) and abs(edges[name] - value) <= 4e-16 * value, (name, edges, value)


@pytest.mark.parametrize("qv", [1e-40, 1e-30, 1e-20, 0.25, 1.0, 3.0, 1e100, 1e200])
def test_density_where_the_edges_collapse_in_float64(qv):
    # for q ≲ 1e-32 or q ≳ 1e32 the float64 edges round onto each other (or past the points inside); the
    # density at x = q + 1 (inside) was 0, NaN or a wrong number there; now correct to a few ulps
    xs = np.array([qv + 1.0, qv + 1.0 + np.sqrt(qv), qv + 1.0 - 1.5 * np.sqrt(qv)])
    got = density(xs, qv)
    for xv, value in zip(xs, got):
        ref = _reference_density(xv, qv)
        assert ref > 0 and abs(value - ref) <= 1e-14 * ref, (qv, xv, value, ref)
        at_dps = density(float(xv), qv, dps=30)
        assert abs(at_dps - ref) <= mpmath.mpf(10) ** -27 * ref, (qv, xv, at_dps, ref)


def test_density_next_to_an_edge_at_full_precision_with_dps():
    # ρ just inside the upper edge at q = 3: the edges' own rounding used to cost most digits
    qv = 3.0
    xv = float(1 + qv + 2 * np.sqrt(qv) * (1 - 1e-9))
    ref = _reference_density(xv, qv)
    for dps in (15, 30, 50):
        value = density(xv, qv, dps=dps)
        assert abs(value - ref) <= mpmath.mpf(10) ** -(dps - 2) * ref, (dps, value, ref)


@pytest.mark.parametrize("bad", [None, float("nan"), [0.5, float("nan")], [1.0, None], 1 + 1j, np.array([1 + 0j]),
                                 "0.5", True, np.array([True])])
def test_bad_x_is_refused_naming_x_values(bad):
    # None gave NaN, NaN at dps gave 0, complex values were cut to their real part
    with pytest.raises(ValueError, match="x_values"):
        density(bad, 0.5)


@pytest.mark.parametrize("bad", [None, float("nan"), 1 + 1j, True, [0.5]])
def test_bad_x_is_refused_naming_x_values_at_dps(bad):
    with pytest.raises(ValueError, match="x_values"):
        density(bad, 0.5, dps=30)


def test_infinite_x_has_zero_density():
    assert density([-np.inf, np.inf], 0.5).tolist() == [0.0, 0.0]
    assert density(float("inf"), 0.5, dps=30) == 0


def test_q_beyond_float64_refused_or_exact_with_dps():
    with pytest.raises(ValueError, match="q"):
        law(10 ** 400)                     # was OverflowError
    with pytest.raises(ValueError, match="q"):
        density(1.0, 10 ** 400)
    edges = law(10 ** 400, dps=30)         # exact input, any size, at a given precision
    assert edges["atom"] <= 1 and abs(edges["upper"] / mpmath.mpf(10) ** 400 - 1) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("qv", [np.float32(0.25), np.int64(4), Fraction(1, 4)])
def test_numeric_types_of_q(qv):
    assert law(qv)["upper"] == pytest.approx((1 + np.sqrt(float(qv))) ** 2, rel=1e-15)
    assert law(qv, dps=30)["upper"] == pytest.approx((1 + np.sqrt(float(qv))) ** 2, rel=1e-15)
