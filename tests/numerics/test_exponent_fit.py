"""numerics.exponent_fit: local slopes at working precision; seed-bootstrap slopes with coverage."""
import mpmath
import numpy as np
import pytest

from numerics.exponent_fit import exact_fit_slope, fit_slope, local_slope


@pytest.mark.parametrize("dps", [15, 30, 50])
def test_local_slope_of_a_power_law_is_exact_to_precision(dps):
    with mpmath.workdps(dps):
        s = local_slope(lambda t: 7 * t ** mpmath.mpf("-1.37"), mpmath.mpf(10) ** 6)
        # central difference of a linear function of log x: only round-off, ε/h with h = ε^(1/3)
        assert abs(s + mpmath.mpf("1.37")) < 10 * mpmath.eps ** (mpmath.mpf(2) / 3)


def test_local_slope_sees_a_correction():
    with mpmath.workdps(30):
        x = mpmath.mpf(100)
        s = local_slope(lambda t: t ** -1 * (1 + 1 / t), x)
        assert abs(s - (-1 - 1 / (x + 1))) < mpmath.mpf(10) ** -15


def test_exact_slope_with_correction_term():
    x = np.array([8.0, 16, 32, 64, 128])
    y = x ** -1.3 * np.exp(3 / x)
    assert abs(exact_fit_slope(x, y, ("1/x",)) + 1.3) < 1e-12
    assert abs(exact_fit_slope(x, y) + 1.3) > 1e-3                # the plain fit is biased by the correction


def test_bootstrap_interval_covers_at_its_level():
    """Intervals at level 0.9 over 300 independent synthetic experiments: coverage within the binomial
    99.9% band of 0.9 (a percentile bootstrap is approximate: the band is the test's tolerance)."""
    x = np.array([10.0, 20, 40, 80, 160])
    master = np.random.default_rng(12345)
    hits, n = 0, 300
    for i in range(n):
        noise = 1 + 0.2 * master.standard_normal((40, x.size))
        fit = fit_slope(x, x ** -0.8 * noise, level=0.9, n_boot=1000, entropy=i)
        hits += fit.contains(-0.8)
    half_width = 3.29 * np.sqrt(0.9 * 0.1 / n)
    assert abs(hits / n - 0.9) < half_width + 0.03           # + the bootstrap's own O(1/n_seeds) undercoverage


def test_fit_reports_sensitivity_and_chi2():
    x = np.array([10.0, 20, 40, 80])
    rng = np.random.default_rng(0)
    fit = fit_slope(x, x ** -2 * (1 + 0.01 * rng.standard_normal((100, 4))), entropy=3)
    assert fit.low < fit.slope < fit.high and 0.05 < fit.chi2_dof < 10
    assert abs(fit.slope_without_smallest + 2) < 0.05
    assert "bootstrap" in fit.describe()


@pytest.mark.parametrize("x, samples, kw, match", [
    ([1, 2, 3], np.ones((5, 2)), {}, "shape"),
    ([1, 2, 3], np.ones((2, 3)), {}, "at least 3 seeds"),
    ([1, 2, 3], -np.ones((5, 3)), {}, "positive"),
    ([1, 2, 3], np.ones((5, 3)), {"level": 1.5}, "level"),
    ([1, 2, 3], np.ones((5, 3)), {"corrections": ("x^2",)}, "unknown correction"),
    ([1, 2, 3], np.ones((5, 3)), {"corrections": ("1/x",)}, "degree of freedom"),
])
def test_bad_input(x, samples, kw, match):
    with pytest.raises(ValueError, match=match):
        fit_slope(x, samples, **kw)
