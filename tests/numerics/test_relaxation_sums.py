"""Window mode sums: against direct summation, derivatives by finite differences, bad input."""
import mpmath
import pytest

from numerics.relaxation_sums import bias_sum, bias_sum_slope, noise_sum, noise_sum_slope


@pytest.mark.parametrize("dps", [15, 30])
def test_sums_match_direct_summation(dps):
    with mpmath.workdps(dps):
        x, a, p = mpmath.mpf(7), mpmath.mpf("1.5"), mpmath.mpf("2.5")
        # at x = 7 the summands fall as k^(−p) (bias) and k^(−2α) (noise): direct sum + exact tail bound
        K = 4000
        direct_b = mpmath.fsum(k ** -p * mpmath.exp(-2 * x * k ** -a) for k in range(1, K))
        tail_b = mpmath.zeta(p, K)                            # ≥ the remaining terms (e^{...} ≤ 1)
        b = bias_sum(x, a, p)
        assert direct_b <= b <= direct_b + tail_b
        direct_n = mpmath.fsum((1 - mpmath.exp(-x * k ** -a)) ** 2 for k in range(1, K))
        tail_n = x ** 2 * mpmath.zeta(2 * a, K)
        n = noise_sum(x, a)
        assert direct_n <= n <= direct_n + tail_n


def test_slopes_are_derivatives():
    with mpmath.workdps(30):
        x, a = mpmath.mpf(300), mpmath.mpf("1.5")
        h = mpmath.mpf(10) ** -10
        fd = (bias_sum(x + h, a, a) - bias_sum(x - h, a, a)) / (2 * h)
        assert abs(fd / bias_sum_slope(x, a, a) - 1) < mpmath.mpf(10) ** -15
        fd = (noise_sum(x + h, a) - noise_sum(x - h, a)) / (2 * h)
        assert abs(fd / noise_sum_slope(x, a) - 1) < mpmath.mpf(10) ** -15


def test_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        bias_sum(1, 1.0, 1.5)
    with pytest.raises(ValueError, match="x = cPt"):
        noise_sum(0, 1.5)
