"""Online SGD of soft committee machines: learning curves from the generated ODEs, and by SGD.

The order-parameter ODEs are generated symbolically by :mod:`derive.committee_odes` (block
equations dr_m/dα = ηλ_m(A r_m + B t_m), dq_m/dα = ηλ_m(A q_m + q_m Aᵀ + B r_mᵀ + r_m Bᵀ) +
η²λ_m f_m E with coefficient matrices A, B, E of the first-order overlaps), compiled here through
the bridge, and integrated by :mod:`numerics.committee_ode`; the direct simulation is
:mod:`numerics.online_sgd_simulation`.  Sources: Saad & Solla 1995 (Phys. Rev. E 52, 4225) and
Worschech & Rosenow, arXiv:2410.09005 (``shared/reference/papers.md`` §0.1, §2).

Inputs ξ ~ N(0, diag(eigenvalues)); the distinct eigenvalues define the blocks.  Outputs are
c_K Σ_i g(J_i·ξ/√N) and c_M Σ_n g(B_n·ξ/√N) with c = 1 (``normalized_outputs=False``) or
c_K = 1/√K, c_M = 1/√M; ε_g is the population error ½E[(ζ − σ)²] on clean labels.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> N = 64
>>> B = rng.standard_normal((1, N)); J = 0.01 * rng.standard_normal((1, N))
>>> eps = generalization_curve([0.0, 5.0], J, B, np.ones(N), 0.5, activation="linear")
>>> bool(eps[1] < eps[0])
True
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from numerics import validate

__all__ = ["CompiledCommittee", "compiled_model", "initial_order_parameters", "stability_limit",
           "order_parameter_curve", "generalization_curve", "simulate"]


@dataclass(frozen=True)
class CompiledCommittee:
    """NumPy callables of one model: coefficients(Q1, R1, T1, noise_variance) -> (A, B, E) and
    population_error(Q1, R1, T1) -> ε_g, both vectorised over leading axes of the overlaps."""

    K: int
    M: int
    activation: str
    normalized_outputs: bool
    _coefficients: object
    _error: object

    def coefficients(self, Q1, R1, T1, noise_variance=0.0):
        K, M = self.K, self.M
        flat = self._coefficients(*_overlap_args(Q1, R1, T1), np.sqrt(noise_variance))
        lead = flat.shape[1:]
        A = np.moveaxis(flat[:K * K], 0, -1).reshape(lead + (K, K))
        B = np.moveaxis(flat[K * K:K * K + K * M], 0, -1).reshape(lead + (K, M))
        E = np.moveaxis(flat[K * K + K * M:], 0, -1).reshape(lead + (K, K))
        return A, B, E

    def population_error(self, Q1, R1, T1):
        return self._error(*_overlap_args(Q1, R1, T1))

    def coefficients_mp(self, Q1, R1, T1, noise_variance=0):
        """(A, B, E) as mpmath matrices at the working precision (the same generated expressions,
        compiled by the bridge to mpmath), for :mod:`numerics.committee_ode_mp`.

        >>> import mpmath
        >>> m = compiled_model(1, 1, "linear")
        >>> A, B, E = m.coefficients_mp(mpmath.eye(1), mpmath.zeros(1), mpmath.eye(1))
        >>> A[0, 0], B[0, 0]
        (mpf('-1.0'), mpf('1.0'))
        """
        import mpmath
        K, M = self.K, self.M
        Q1, R1, T1 = (mpmath.matrix(X) for X in (Q1, R1, T1))
        upper = lambda X, n: [X[i, k] for i in range(n) for k in range(i, n)]  # noqa: E731
        args = upper(Q1, K) + [R1[i, n] for i in range(K) for n in range(M)] + upper(T1, M)
        values = [f(*args, mpmath.sqrt(mpmath.mpf(noise_variance)))
                  for f in _mp_coefficients(K, M, self.activation, self.normalized_outputs)]
        A = mpmath.matrix(K, K)
        B = mpmath.matrix(K, M)
        E = mpmath.matrix(K, K)
        for idx in range(K * K):
            A[idx // K, idx % K] = values[idx]
            E[idx // K, idx % K] = values[K * K + K * M + idx]
        for idx in range(K * M):
            B[idx // M, idx % M] = values[K * K + idx]
        return A, B, (E + E.T) / 2


def _overlap_args(Q1, R1, T1):
    Q1, R1, T1 = (np.asarray(x, dtype=float) for x in (Q1, R1, T1))
    K, M = R1.shape[-2:]
    upper = lambda X, n: [X[..., i, k] for i in range(n) for k in range(i, n)]  # noqa: E731
    return upper(Q1, K) + [R1[..., i, n] for i in range(K) for n in range(M)] + upper(T1, M)


def _overlap_symbols(ode):
    Q, R, T = ode.overlaps
    upper = lambda X, n: [X[i, k] for i in range(n) for k in range(i, n)]  # noqa: E731
    return upper(Q, ode.K) + list(R) + upper(T, ode.M)


@functools.cache
def compiled_model(K, M, activation="erf", normalized_outputs=False) -> CompiledCommittee:
    """Generate (SymPy) and compile (bridge) the coefficient matrices and ε_g of one model."""
    from derive.committee_odes import committee_odes, noise
    from numerics.bridge import to_numpy, to_numpy_many
    ode = committee_odes(K, M, activation, bool(normalized_outputs))
    args = _overlap_symbols(ode)
    coefficients = to_numpy_many([*ode.A, *ode.B, *ode.E], args + [noise])
    error = to_numpy(ode.error, args)
    return CompiledCommittee(K, M, activation, bool(normalized_outputs), coefficients, error)


@functools.cache
def _mp_coefficients(K, M, activation, normalized_outputs):
    from derive.committee_odes import committee_odes, noise
    from numerics.bridge import to_mpmath
    ode = committee_odes(K, M, activation, bool(normalized_outputs))
    args = _overlap_symbols(ode) + [noise]
    return [to_mpmath(e, args) for e in (*ode.A, *ode.B, *ode.E)]


def _real_array(name, value, nonnegative=False) -> np.ndarray:
    """``value`` as a float array of finite real entries (≥ 0 with ``nonnegative``); ValueError naming
    ``name`` for NaN, ±inf, complex, bool, string or ragged input (NaN/inf weights would reach the
    eigen-decompositions of the order parameters as a LinAlgError, complex ones be cut to their real part)."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raw = None
    if raw is None or raw.dtype.kind not in "iuf":
        kind = "no array" if raw is None else f"dtype {raw.dtype}"
        raise ValueError(f"{name} must be an array of finite real numbers, got {kind}")
    arr = raw.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, i.e. every entry a real number in (-inf, inf); "
                         f"got {int(np.sum(~np.isfinite(arr)))} NaN or infinite entries")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (the variances of a covariance), got min {arr.min()!r}")
    return arr


def _weights(student_weights, teacher_weights, eigenvalues):
    J = _real_array("student_weights", student_weights)
    B = _real_array("teacher_weights", teacher_weights)
    if J.ndim != 2 or J.shape[0] < 1:
        raise ValueError(f"student_weights must be a K×N array with K >= 1, got shape {J.shape}")
    if B.ndim != 2 or B.shape[0] < 1:
        raise ValueError(f"teacher_weights must be an M×N array with M >= 1, got shape {B.shape}")
    lam = _real_array("eigenvalues", eigenvalues, nonnegative=True)
    if lam.ndim != 1 or lam.shape[0] != J.shape[1] or B.shape[1] != J.shape[1]:
        raise ValueError(f"eigenvalues (length {lam.shape}), student_weights (K×N = {J.shape}) and "
                         f"teacher_weights (M×N = {B.shape}) must share the input dimension N")
    return J, B, lam


def initial_order_parameters(student_weights, teacher_weights, eigenvalues):
    """Block-resolved (q, r, t) of given weights and the blocks of the spectrum."""
    from numerics.committee_blocks import block_order_parameters, eigenvalue_blocks
    J, B, lam = _weights(student_weights, teacher_weights, eigenvalues)
    blocks = eigenvalue_blocks(lam)
    q, r, t = block_order_parameters(J, B, blocks)
    return q, r, t, blocks


def stability_limit(eigenvalues, K, activation="linear", normalized_outputs=False, teacher_weights=None):
    """Largest stable learning rate at the perfect solution.

    Linear activation: η_max = 2/(K c_K² ⟨λ⟩), ⟨λ⟩ = tr Σ/N, exactly (the student collapses to
    w = c_K Σ_i J_i with learning rate η K c_K²; its block errors obey W-1 and grow iff
    η K c_K² ⟨λ⟩ ≥ 2; ``online-sgd-linear``, step ``stability-limit``).
    erf with K = M (needs ``teacher_weights``): the smallest η at which the Jacobian of the block ODEs
    at the perfect solution J = B gets a zero eigenvalue (matrix determinant lemma,
    :func:`numerics.committee_stability.perfect_solution_limit`).  For K ≠ M (no isolated perfect
    solution) the function raises ValueError.
    """
    K = validate.positive_int("K", K)
    from derive.committee_odes import ACTIVATIONS
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if activation == "linear":
        lam = _real_array("eigenvalues", eigenvalues, nonnegative=True)
        if lam.ndim != 1 or lam.size == 0 or not np.mean(lam) > 0:
            raise ValueError(f"eigenvalues must be a non-empty 1-D array of variances >= 0 with a positive mean, "
                             f"got shape {lam.shape}")
        try:
            Kf = float(K)
        except OverflowError:
            raise ValueError(f"K must be a positive integer within the float64 range, "
                             f"got one of {len(str(K))} digits") from None
        ck2 = 1.0 / Kf if normalized_outputs else 1.0
        return 2.0 / (Kf * ck2 * float(np.mean(lam)))
    B = None if teacher_weights is None else _real_array("teacher_weights", teacher_weights)
    if B is None or B.ndim != 2 or B.shape[0] != K:
        raise ValueError("the erf stability limit needs teacher_weights with M = K rows (perfect solution J = B)")
    from numerics.committee_stability import perfect_solution_limit
    _, _, t, blocks = initial_order_parameters(B, B, eigenvalues)
    model = compiled_model(K, K, activation, bool(normalized_outputs))
    coefficients = lambda Q1, R1, T1: model.coefficients(Q1, R1, T1, 0.0)  # noqa: E731
    try:
        limit = perfect_solution_limit(coefficients, t, blocks.values, blocks.fractions)
    except np.linalg.LinAlgError as exc:           # e.g. eigenvalues ~1e200: order parameters beyond float64
        raise ValueError(f"eigenvalues, teacher_weights: the Jacobian at the perfect solution cannot be decomposed "
                         f"for these values ({exc})") from None
    return limit


def _check_scalars(eta, noise_variance, activation):
    validate.positive("eta (learning rate)", eta)
    validate.nonnegative("noise_variance", noise_variance)
    from derive.committee_odes import ACTIVATIONS
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}: those have closed-form Gaussian "
                         f"expectations (I2, I3, I4, J2); got {activation!r}")


def _coordinate_mask(trainable, N):
    if trainable is None:
        return None
    m = np.asarray(trainable)
    if m.dtype != bool or m.shape != (N,) or not m.any():
        raise ValueError(f"trainable must be None or a boolean array of length N = {N} with at least one "
                         f"True, got {m.dtype} array of shape {m.shape}")
    return m


def _block_mask(trainable, blocks):
    """Per-block trained flags from a per-coordinate mask (None: all trained); a mask must not split a block."""
    m = _coordinate_mask(trainable, blocks.N)
    if m is None:
        return None
    per_block = np.array([m[blocks.labels == b].all() for b in range(blocks.L)])
    split = [b for b in range(blocks.L) if m[blocks.labels == b].any() and not per_block[b]]
    if split:
        raise ValueError(f"trainable must be constant on each eigenvalue block (the ODEs follow whole blocks); "
                         f"blocks {split} (eigenvalues {blocks.values[split].tolist()}) are split")
    return per_block


def _check_stability(eta, eigenvalues, K, activation, normalized_outputs, teacher_weights, trainable=None):
    M = np.shape(teacher_weights)[0]
    if trainable is not None:
        if activation == "linear":               # W-1 with the frozen blocks' rates zeroed: η < 2/(K c_K² Σ_t f_mλ_m)
            ck2 = 1.0 / K if normalized_outputs else 1.0
            limit = 2.0 / (K * ck2 * float(np.mean(np.asarray(eigenvalues, float) * trainable)))
            if eta >= limit:
                raise ValueError(f"eta = {eta:g} is beyond the stability limit of online SGD for this linear student "
                                 f"with frozen coordinates: eta must be < {limit:.6g} (2/(K c_K² ⟨λ·trainable⟩))")
        return                                   # erf with frozen inputs: no perfect solution, no criterion
    if activation == "erf" and M != K:
        return                                   # no isolated perfect solution: no criterion
    from numerics.committee_stability import SoftModeError
    try:
        limit = stability_limit(eigenvalues, K, activation, normalized_outputs, teacher_weights)
    except SoftModeError:            # no isolated perfect solution (e.g. equal teacher units): no criterion
        return
    if eta >= limit:
        how = "2/(K c_K² ⟨λ⟩)" if activation == "linear" else "a zero eigenvalue of the ODEs at the perfect solution"
        raise ValueError(f"eta = {eta:g} is beyond the stability limit of online SGD for this {activation} "
                         f"student: eta must be < {limit:.6g} ({how})")


def order_parameter_curve(alphas, student_weights, teacher_weights, eigenvalues, eta,
                          activation="erf", normalized_outputs=False, noise_variance=0.0, *,
                          rtol=1e-8, atol=1e-12, trainable=None, stop=None):
    """Integrate the ODEs from the order parameters of the given weights; the trajectory object.

    ``trainable``: None, or a boolean mask of the N input coordinates whose student weights are
    trained (the others keep their initial values); it must be constant on each eigenvalue block.
    ``stop``: None or ``(Q1, R1, T1) -> bool``, asked at each α reached; True ends the trajectory there
    (:func:`numerics.committee_ode.integrate_block_odes`).
    """
    from numerics.committee_ode import integrate_block_odes
    _check_scalars(eta, noise_variance, activation)
    q, r, t, blocks = initial_order_parameters(student_weights, teacher_weights, eigenvalues)
    K, M = q.shape[-1], t.shape[-1]
    trained = _block_mask(trainable, blocks)
    _check_stability(eta, eigenvalues, K, activation, normalized_outputs, teacher_weights,
                     _coordinate_mask(trainable, blocks.N))
    model = compiled_model(K, M, activation, bool(normalized_outputs))
    coefficients = lambda Q1, R1, T1: model.coefficients(Q1, R1, T1, noise_variance)  # noqa: E731
    return integrate_block_odes(alphas, q, r, t, blocks.values, blocks.fractions, eta, coefficients,
                                rtol=rtol, atol=atol, trainable=trained, stop=stop)


def generalization_curve(alphas, student_weights, teacher_weights, eigenvalues, eta,
                         activation="erf", normalized_outputs=False, noise_variance=0.0, *,
                         rtol=1e-8, atol=1e-12, trainable=None):
    """ε_g(α) from the ODEs started at the order parameters of the given weights (clean labels).

    ``student_weights`` K×N, ``teacher_weights`` M×N, ``eigenvalues`` the diagonal of the input
    covariance (length N; its distinct values define the blocks).
    """
    traj = order_parameter_curve(alphas, student_weights, teacher_weights, eigenvalues, eta,
                                 activation, normalized_outputs, noise_variance, rtol=rtol, atol=atol,
                                 trainable=trainable)
    model = compiled_model(traj.q.shape[-1], traj.r.shape[-1], activation, bool(normalized_outputs))
    return model.population_error(traj.Q1, traj.R1, traj.T1)


def simulate(alphas, student_weights, teacher_weights, eigenvalues, eta, activation="erf",
             normalized_outputs=False, noise_variance=0.0, seeds=8, *, entropy=0, progress=None, trainable=None):
    """Online SGD from the given weights, ``seeds`` input streams: ε_g's mean and standard error.

    Returns a :class:`numerics.simulation.Estimate` per α (the exact population error of each
    seed's current weights, averaged over seeds).  ``trainable``: as in :func:`order_parameter_curve`
    (any boolean mask of the N coordinates).
    """
    from numerics.online_sgd_simulation import simulate_generalization_error
    _check_scalars(eta, noise_variance, activation)
    J, B, lam = _weights(student_weights, teacher_weights, eigenvalues)
    _check_stability(eta, lam, J.shape[0], activation, normalized_outputs, B, _coordinate_mask(trainable, lam.size))
    model = compiled_model(J.shape[0], B.shape[0], activation, bool(normalized_outputs))
    return simulate_generalization_error(alphas, J, B, lam, eta, activation=activation,
                                         normalized_outputs=bool(normalized_outputs),
                                         noise_variance=noise_variance, seeds=seeds, entropy=entropy,
                                         progress=progress, population_error=model.population_error,
                                         trainable=trainable)


def spread(Q1, R1, T1):
    """Δρ = mean_i(max_n ρ_in − min_n ρ_in), ρ_in = R_in/√(Q_ii T_nn); vectorised over leading axes.

    >>> import numpy as np
    >>> float(spread(np.eye(2), np.eye(2), np.eye(2))), float(spread(np.eye(2), np.ones((2, 2)), np.eye(2)))
    (1.0, 0.0)
    """
    Q1, R1, T1 = (np.asarray(a, float) for a in (Q1, R1, T1))
    dq, dt = np.einsum("...ii->...i", Q1), np.einsum("...nn->...n", T1)
    rho = R1 / np.sqrt(dq[..., :, None] * dt[..., None, :])
    return (rho.max(-1) - rho.min(-1)).mean(-1)
