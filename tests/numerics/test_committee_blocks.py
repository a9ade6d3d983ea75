"""Tests of numerics.committee_blocks: blocks of a diagonal spectrum, the power-law spectrum of
Worschech & Rosenow (sheet §2(a)) and the block-resolved order parameters, each against a plain
re-computation (explicit loops, the dense covariance matrix)."""
from __future__ import annotations

import numpy as np
import pytest

from numerics.committee_blocks import (Blocks, block_order_parameters, eigenvalue_blocks, first_order,
                                       power_law_eigenvalues)


# ----------------------------------------------------------------------------- blocks

def test_blocks_are_ordered_by_decreasing_eigenvalue_and_label_every_coordinate():
    lam = np.array([0.5, 2.0, 0.5, 1.0, 2.0, 0.5])
    b = eigenvalue_blocks(lam)
    assert isinstance(b, Blocks)
    assert b.values.tolist() == [2.0, 1.0, 0.5]
    assert b.labels.tolist() == [2, 0, 2, 1, 0, 2]
    assert b.sizes.tolist() == [2, 1, 3]
    np.testing.assert_array_equal(b.fractions, np.array([2, 1, 3]) / 6)
    np.testing.assert_array_equal(b.eigenvalues, lam)
    assert (b.N, b.L) == (6, 3)


def test_blocks_are_read_only():
    b = eigenvalue_blocks([1.0, 2.0])
    for a in (b.values, b.labels, b.fractions, b.sizes):
        with pytest.raises(ValueError):
            a[0] = 0


def test_distinct_values_are_found_exactly():
    one_up = np.nextafter(1.0, 2.0)
    assert eigenvalue_blocks([1.0, one_up, 1.0]).L == 2
    assert eigenvalue_blocks([0.1 + 0.2, 0.3]).L == 2          # 0.30000000000000004 != 0.3


def test_equal_blocks_accepts_the_papers_setting():
    b = eigenvalue_blocks(power_law_eigenvalues(12, 4, 0.5), equal_blocks=True)
    assert b.sizes.tolist() == [3, 3, 3, 3]


@pytest.mark.parametrize("lam, why", [([2.0, 1.0, 1.0], "L = 2 does not divide N = 3"),
                                      ([2.0, 1.0, 1.0, 1.0], "block sizes differ")])
def test_equal_blocks_rejects_unequal_blocks(lam, why):
    with pytest.raises(ValueError, match=why):
        eigenvalue_blocks(lam, equal_blocks=True)


@pytest.mark.parametrize("lam", [[], [[1.0, 2.0]], [1.0, 0.0], [1.0, -2.0], [1.0, np.nan], [np.inf]])
def test_bad_eigenvalues_raise(lam):
    with pytest.raises(ValueError, match="eigenvalues"):
        eigenvalue_blocks(lam)


# ----------------------------------------------------------------------------- power law

@pytest.mark.parametrize("N, L, beta", [(1024, 32, 1.0), (12, 3, 0.25), (10, 10, 2.0)])
def test_power_law_is_trace_normalised_with_the_right_ratios(N, L, beta):
    lam = power_law_eigenvalues(N, L, beta)
    assert lam.shape == (N,)
    assert abs(lam.mean() - 1.0) <= 4 * np.finfo(float).eps * L      # (1/N) tr Σ = 1
    b = eigenvalue_blocks(lam, equal_blocks=True)
    l = np.arange(1, L + 1)
    np.testing.assert_allclose(b.values / b.values[0], l ** -(1.0 + beta), rtol=1e-14)
    np.testing.assert_array_equal(lam[: N // L], np.full(N // L, b.values[0]))   # largest block first


def test_one_block_is_isotropic():
    np.testing.assert_array_equal(power_law_eigenvalues(8, 1, 3.0), np.ones(8))


@pytest.mark.parametrize("N, L, beta, match", [
    (10, 3, 1.0, "L must divide N.*N = 10, L = 3"),
    (4, 8, 1.0, "L must divide N"),
    (8, 2, 0.0, "beta"), (8, 2, -1.0, "beta"), (8, 2, np.nan, "beta"), (8, 2, np.inf, "beta"),
    (0, 1, 1.0, "N"), (8.0, 2, 1.0, "N"), (True, 1, 1.0, "N"), (8, 0, 1.0, "L"),
])
def test_power_law_bad_input(N, L, beta, match):
    with pytest.raises(ValueError, match=match):
        power_law_eigenvalues(N, L, beta)


# ----------------------------------------------------------------------------- order parameters

def _problem(seed=0, K=3, M=2):
    rng = np.random.default_rng(seed)
    lam = rng.choice([3.0, 1.0, 0.25, 0.1], size=20)           # unsorted, unequal blocks
    return rng.standard_normal((K, 20)), rng.standard_normal((M, 20)), lam


def test_block_order_parameters_match_explicit_sums():
    J, B, lam = _problem()
    b = eigenvalue_blocks(lam)
    q, r, t = block_order_parameters(J, B, b)
    assert q.shape == (b.L, 3, 3) and r.shape == (b.L, 3, 2) and t.shape == (b.L, 2, 2)
    for m, value in enumerate(b.values):
        coords = [k for k in range(20) if lam[k] == value]
        for i in range(3):
            for j in range(3):
                assert q[m, i, j] == pytest.approx(sum(J[i, k] * J[j, k] for k in coords) / 20, abs=1e-14)
            for n in range(2):
                assert r[m, i, n] == pytest.approx(sum(J[i, k] * B[n, k] for k in coords) / 20, abs=1e-14)
        for n in range(2):
            for n2 in range(2):
                assert t[m, n, n2] == pytest.approx(sum(B[n, k] * B[n2, k] for k in coords) / 20, abs=1e-14)


def test_first_order_is_the_field_covariance():
    J, B, lam = _problem(1)
    b = eigenvalue_blocks(lam)
    q, r, t = block_order_parameters(J, B, b)
    Sigma = np.diag(lam)
    np.testing.assert_allclose(first_order(q, b), J @ Sigma @ J.T / 20, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(first_order(r, b), J @ Sigma @ B.T / 20, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(first_order(t, b), B @ Sigma @ B.T / 20, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(q.sum(axis=0), J @ J.T / 20, rtol=1e-13, atol=1e-14)   # Σ_m q_m = Q^(0)


def test_stacks_of_students():
    J, B, lam = _problem(2)
    b = eigenvalue_blocks(lam)
    stack = np.stack([J, 2 * J, -J]).reshape(3, 1, 3, 20)
    q, r, t = block_order_parameters(stack, B, b)
    q1, r1, t1 = block_order_parameters(J, B, b)
    assert q.shape == (3, 1, b.L, 3, 3) and r.shape == (3, 1, b.L, 3, 2) and t.shape == t1.shape
    np.testing.assert_allclose(q[1, 0], 4 * q1, rtol=1e-14)
    np.testing.assert_allclose(r[2, 0], -r1, rtol=1e-14)
    assert first_order(q, b).shape == (3, 1, 3, 3)


@pytest.mark.parametrize("J, B, match", [
    (np.ones((2, 4)), np.ones((1, 5)), "teacher_weights has 5 input coordinates"),
    (np.ones((2, 5)), np.ones((1, 5)), "student_weights has 5 input coordinates"),
    (np.ones(4), np.ones((1, 4)), "student_weights"),
    (np.ones((0, 4)), np.ones((1, 4)), "student_weights must have >= 1 hidden unit"),
    (np.ones((2, 4)), np.ones((0, 4)), "teacher_weights must have >= 1 hidden unit"),
    (np.ones((2, 4)), np.ones((1, 1, 4)), "teacher_weights must be a 2-D"),
])
def test_order_parameter_shape_errors(J, B, match):
    b = eigenvalue_blocks(np.ones(4))
    with pytest.raises(ValueError, match=match):
        block_order_parameters(J, B, b)


def test_first_order_errors():
    b = eigenvalue_blocks([1.0, 2.0])
    with pytest.raises(ValueError, match="q_or_r"):
        first_order(np.ones((3, 1, 1)), b)
    with pytest.raises(ValueError, match="blocks"):
        first_order(np.ones((2, 1, 1)), [1.0, 2.0])
    with pytest.raises(ValueError, match="blocks"):
        block_order_parameters(np.ones((1, 2)), np.ones((1, 2)), None)
