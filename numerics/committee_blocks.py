"""Block structure of a diagonal input covariance and the block-resolved order parameters.

Setting (Worschech & Rosenow 2024, arXiv:2410.09005; ``shared/reference/papers.md`` §2(a)): inputs
ξ ~ N(0, Σ) with Σ = diag(λ_1 … λ_N) taking L distinct values.  Coordinates with the same eigenvalue
form a *block* m (n_m coordinates, fraction f_m = n_m/N, eigenvalue λ_m).  For a student J (K×N) and
a teacher B (M×N) the block-resolved order parameters are

    q_{ik,m} = (1/N) Σ_{k∈m} J_ik J_kk',   r_{in,m} = (1/N) Σ_{k∈m} J_ik B_nk,
    t_{nm',m} = (1/N) Σ_{k∈m} B_nk B_m'k,

and the covariances of the local fields x_i = J_i·ξ/√N, y_n = B_n·ξ/√N are the first-order overlaps

    Q1 = Σ_m λ_m q_m,   R1 = Σ_m λ_m r_m,   T1 = Σ_m λ_m t_m.

=============================  ==================================================================
:func:`eigenvalue_blocks`      the blocks of a spectrum -> :class:`Blocks` (decreasing eigenvalue)
:func:`power_law_eigenvalues`  λ_l = λ_+ l^{-(1+β)}, l = 1..L, each N/L times, (1/N) tr Σ = 1
:func:`block_order_parameters` (q, r, t) of student and teacher weights (stacks of students allowed)
:func:`first_order`            Σ_m λ_m x_m: Q1, R1 or T1 from q, r or t
=============================  ==================================================================

>>> blocks = eigenvalue_blocks(power_law_eigenvalues(8, 2, 1.0))
>>> blocks.values.round(6).tolist(), blocks.sizes.tolist(), blocks.fractions.tolist()
([1.6, 0.4], [4, 4], [0.5, 0.5])
>>> J, B = np.ones((1, 8)), np.ones((1, 8))
>>> q, r, t = block_order_parameters(J, B, blocks)
>>> q.shape, float(first_order(q, blocks)[0, 0])        # (1/N) Σ_k λ_k J_k² = (1/N) tr Σ
((2, 1, 1), 1.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from numerics.validate import positive_int

__all__ = ["Blocks", "eigenvalue_blocks", "power_law_eigenvalues", "block_order_parameters",
           "first_order"]


@dataclass(frozen=True)
class Blocks:
    """The L distinct eigenvalues of Σ = diag(λ) and which coordinate carries which.

    ``values`` (L,): the distinct eigenvalues, decreasing; ``labels`` (N,): block index of each
    coordinate (``values[labels]`` is the spectrum); ``sizes`` (L,): n_m; ``fractions`` (L,):
    f_m = n_m/N.  The arrays are read-only.

    >>> b = eigenvalue_blocks([1.0, 3.0, 1.0])
    >>> b.values.tolist(), b.labels.tolist(), b.N, b.L, b.eigenvalues.tolist()
    ([3.0, 1.0], [1, 0, 1], 3, 2, [1.0, 3.0, 1.0])
    """

    values: np.ndarray
    labels: np.ndarray
    fractions: np.ndarray
    sizes: np.ndarray

    @property
    def N(self) -> int:
        """Input dimension (number of coordinates)."""
        return int(self.labels.size)

    @property
    def L(self) -> int:
        """Number of distinct eigenvalues."""
        return int(self.values.size)

    @property
    def eigenvalues(self) -> np.ndarray:
        """The spectrum λ (N,), one eigenvalue per coordinate."""
        return self.values[self.labels]


def _read_only(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def eigenvalue_blocks(eigenvalues, equal_blocks=False) -> Blocks:
    """Group the diagonal of Σ into blocks of equal eigenvalue, ordered by decreasing eigenvalue.

    Distinct values are found exactly (:func:`numpy.unique`: 1.0 and 1.0 + 1e-16 are two blocks).
    ``equal_blocks=True`` demands the paper's setting, L distinct eigenvalues each N/L times, and
    raises ValueError when L does not divide N or the block sizes differ.

    >>> eigenvalue_blocks([2.0, 2.0, 0.5, 0.5], equal_blocks=True).fractions.tolist()
    [0.5, 0.5]
    >>> eigenvalue_blocks([2.0, 0.5, 0.5], equal_blocks=True)     # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: equal_blocks=True needs ... but L = 2 does not divide N = 3 (eigenvalues: block sizes [1, 2])
    """
    lam = np.asarray(eigenvalues, dtype=float)
    if lam.ndim != 1 or lam.size < 1:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("eigenvalues must be finite and > 0 (the diagonal of the input covariance Σ)")
    ascending, inverse, counts = np.unique(lam, return_inverse=True, return_counts=True)
    L, N = ascending.size, lam.size
    values, sizes = ascending[::-1], counts[::-1]
    labels = (L - 1 - inverse).astype(np.intp)
    if equal_blocks and np.any(sizes != sizes[0]):
        why = f"L = {L} does not divide N = {N}" if N % L else f"the L = {L} block sizes differ"
        raise ValueError(f"equal_blocks=True needs L distinct eigenvalues each N/L times, but {why} "
                         f"(eigenvalues: block sizes {sizes.tolist()})")
    return Blocks(_read_only(values), _read_only(labels), _read_only(sizes / N), _read_only(sizes))


def power_law_eigenvalues(N, L, beta) -> np.ndarray:
    """Power-law spectrum with L distinct values, each repeated N/L times (sheet §2(a)).

        λ_l = λ_+ l^{-(1+β)},  l = 1..L,   λ_+ = L / Σ_{l=1}^L l^{-(1+β)},

    so that (1/N) tr Σ = (1/L) Σ_l λ_l = 1.  Returns the (N,) diagonal, block l on coordinates
    (l−1)N/L … lN/L − 1 (largest first).  β > 0 is required (decaying spectrum with the exponent
    β/(1+β) of sheet (W-2)); isotropic input is L = 1 (all λ = 1, any β).

    >>> power_law_eigenvalues(6, 3, 1.0).round(4).tolist()
    [2.2041, 2.2041, 0.551, 0.551, 0.2449, 0.2449]
    """
    N = positive_int("N", N)
    L = positive_int("L", L)
    b = float(beta)
    if not math.isfinite(b) or b <= 0:
        raise ValueError(f"beta must be finite and > 0 (λ_l ∝ l^-(1+β)), got {beta!r}")
    if L > N or N % L:
        raise ValueError(f"L must divide N (each of the L distinct eigenvalues is repeated N/L times): "
                         f"N = {N}, L = {L}")
    powers = np.arange(1, L + 1, dtype=float) ** -(1.0 + b)
    return np.repeat(powers * (L / powers.sum()), N // L)


def _weights(a, name, min_ndim, max_ndim=None):
    w = np.asarray(a, dtype=float)
    if w.ndim < min_ndim or (max_ndim is not None and w.ndim > max_ndim):
        want = f"{min_ndim}-D" if max_ndim == min_ndim else f"at least {min_ndim}-D"
        raise ValueError(f"{name} must be a {want} array of rows of weights, got shape {w.shape}")
    if w.shape[-2] < 1 or w.shape[-1] < 1:
        raise ValueError(f"{name} must have >= 1 hidden unit and >= 1 input coordinate, got shape {w.shape}")
    return w


def _block_grams(X, Y, blocks):
    """(1/N) Σ_{k∈m} X_ik Y_jk for every block m -> (..., L, I, J)."""
    order = np.argsort(blocks.labels, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(blocks.sizes)))
    Xs, Ys = X[..., order], Y[..., order]
    out = np.stack([np.matmul(Xs[..., a:b], np.swapaxes(Ys[..., a:b], -1, -2))
                    for a, b in zip(bounds[:-1], bounds[1:])], axis=-3)
    return out / blocks.N


def block_order_parameters(student_weights, teacher_weights, blocks):
    """Block-resolved overlaps (q, r, t) of student J and teacher B (module docstring).

    ``student_weights``: (K, N) or a stack (..., K, N); ``teacher_weights``: (M, N).  Returns
    q (..., L, K, K), r (..., L, K, M), t (L, M, M), each normalised by the full N.

    >>> b = eigenvalue_blocks([2.0, 1.0])
    >>> q, r, t = block_order_parameters([[1.0, 2.0]], [[3.0, 0.0]], b)
    >>> q[:, 0, 0].tolist(), r[:, 0, 0].tolist(), t[:, 0, 0].tolist()
    ([0.5, 2.0], [1.5, 0.0], [4.5, 0.0])
    """
    J = _weights(student_weights, "student_weights", 2)
    B = _weights(teacher_weights, "teacher_weights", 2, 2)
    if not isinstance(blocks, Blocks):
        raise ValueError(f"blocks must be a Blocks (from eigenvalue_blocks), got {type(blocks).__name__}")
    for w, name in ((J, "student_weights"), (B, "teacher_weights")):
        if w.shape[-1] != blocks.N:
            raise ValueError(f"{name} has {w.shape[-1]} input coordinates, but the blocks have N = {blocks.N}")
    return _block_grams(J, J, blocks), _block_grams(J, B, blocks), _block_grams(B, B, blocks)


def first_order(q_or_r, blocks) -> np.ndarray:
    """Σ_m λ_m x_m over the block axis (−3) of q, r or t: the field covariance Q1, R1 or T1.

    >>> b = eigenvalue_blocks([2.0, 1.0])
    >>> float(first_order(np.array([[[1.0]], [[3.0]]]), b)[0, 0])     # 2·1 + 1·3
    5.0
    """
    x = np.asarray(q_or_r, dtype=float)
    if not isinstance(blocks, Blocks):
        raise ValueError(f"blocks must be a Blocks (from eigenvalue_blocks), got {type(blocks).__name__}")
    if x.ndim < 3 or x.shape[-3] != blocks.L:
        raise ValueError(f"q_or_r must have shape (..., L, A, B) with L = {blocks.L} blocks, got {x.shape}")
    return np.moveaxis(x, -3, -1) @ blocks.values
