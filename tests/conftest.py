"""Shared test set-up: every test starts at mpmath's default precision and must not leak a change.

``numerics`` is imported first: it sets single-threaded BLAS before NumPy is loaded (small
matrices run many times slower with threaded BLAS on this machine's two cores).
"""
import numerics  # noqa: F401  (first)
import mpmath
import pytest


@pytest.fixture(autouse=True)
def _reset_mpmath_precision():
    mpmath.mp.dps = 15
    yield
    leaked = mpmath.mp.dps
    mpmath.mp.dps = 15
    assert leaked == 15, f"test leaked mp.dps = {leaked}"
