"""Direct simulation of online SGD in two-layer student–teacher soft committee machines.

Model (Saad & Solla 1995, Phys. Rev. E 52, 4225; Worschech & Rosenow 2024, arXiv:2410.09005;
``shared/reference/papers.md`` §0.1, §2): inputs ξ ~ N(0, diag(λ)), ξ ∈ R^N; student and teacher

    σ(ξ) = c_K Σ_{i=1}^K g(x_i),  x_i = J_i·ξ/√N;     ζ(ξ) = c_M Σ_{n=1}^M g(y_n),  y_n = B_n·ξ/√N,

with g(x) = erf(x/√2) or g(x) = x, and c_K = 1/√K, c_M = 1/√M (``normalized_outputs=True``) or
c_K = c_M = 1.  Each step draws a fresh example with label ζ + √(noise_variance)·ε, ε ~ N(0, 1), and

    J_i <- J_i + (η/√N) δ_i ξ,   δ_i = c_K g'(x_i)(label − σ(ξ)).                              (SGD)

Frozen coordinates (``trainable``, a boolean mask t of length N): the gradient is masked,
J_i <- J_i + (η/√N) δ_i (t∘ξ), so the frozen weights keep their initial values while the
forward pass (the fields x_i, hence δ_i and ε_g) still uses every coordinate.

Time α = steps/N.  The order parameters are recorded block by block (:mod:`numerics.committee_blocks`).

Algorithm (chunked Gram form).  Within a chunk of b steps with inputs ξ_1 … ξ_b and weights J_0 at
its start, the weights before step s are J_0 + (η/√N) Σ_{s'<s} δ_{s'} ξ_{s'}, so the fields are

    x_s = J_0 ξ_s/√N + (η/N) Σ_{s'<s} δ_{s'} (ξ_{s'}·ξ_s):

(with a mask, ξ_{s'}·ξ_s becomes (t∘ξ_{s'})·ξ_s = (t∘ξ_{s'})·(t∘ξ_s), and the update below uses t∘Ξ):
one matrix product J_0 Ξᵀ and one Gram matrix ΞΞᵀ per chunk (b = ``CHUNK_STEPS``) replace the
N-dimensional work of every step; the sequential loop over the b steps touches only seeds × K
numbers, and J is updated once per chunk, J <- J_0 + (η/√N) DᵀΞ.  The Gaussian inputs are most of
the cost (N normals per step and seed): worker threads draw the next block of inputs
(``BLOCK_STEPS`` steps) while the main thread runs the current one (NumPy's generators release the
GIL; the GIL switch interval is lowered to ``SWITCH_INTERVAL`` during the run and restored after).

Random streams.  Seed i uses ``g = spawn_generators(entropy, seeds)[i]``: its inputs are
``√λ * g.standard_normal(N)`` step after step, its label noise ``g.spawn(1)[0].standard_normal()``
step after step.  The numbers therefore do not depend on the threads, and seed i is the same, bit
for bit, whichever the number of seeds: its blocks of inputs have a length that depends on N only,
and the seeds run in groups bounded by memory (``BLOCK_DOUBLES``).

>>> J0, B = np.full((1, 4), 0.1), np.ones((1, 4))
>>> paths = simulate_order_parameters([0.0, 2.0], J0, B, np.ones(4), 0.5, activation="linear", seeds=2)
>>> paths.q.shape, paths.steps.tolist(), float(paths.r[0, 0, 0, 0, 0])     # r(0) = J0·B/N
((2, 2, 1, 1, 1), [0, 8], 0.1)
"""
from __future__ import annotations

import math
import numbers
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from numerics.committee_blocks import Blocks, block_order_parameters, eigenvalue_blocks, first_order
from numerics.simulation import Estimate, spawn_generators
from numerics.validate import positive_int

__all__ = ["OrderParameterPaths", "simulate_order_parameters", "simulate_generalization_error",
           "alpha_to_steps"]

#: runs of simulate_order_parameters when neither seeds nor entropies are given
DEFAULT_SEEDS = 8
#: steps per chunk of the Gram form
CHUNK_STEPS = 16
#: steps per block of inputs drawn at once by the worker threads
BLOCK_STEPS = 512
#: cap on a block of inputs (seeds × steps × N doubles; two blocks are held)
BLOCK_DOUBLES = 1 << 22
#: threads drawing the next block of inputs
WORKERS = 2
#: GIL switch interval (s) while simulating: the main thread's step loop holds the GIL, and a worker
#: that finished a draw waits this long for it (Python's default, 5 ms, starves the workers)
SWITCH_INTERVAL = 1e-4
#: progress=None shows a bar (if tqdm is importable and stderr is a terminal) above this many seed-steps
PROGRESS_MIN_STEPS = 10 ** 6

_ACTIVATIONS = ("erf", "linear")
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderParameterPaths:
    """Block-resolved order parameters of every seed at the requested times.

    ``alphas`` (T,): as requested; ``steps`` (T,): SGD steps done, :func:`alpha_to_steps`;
    ``q`` (S, T, L, K, K), ``r`` (S, T, L, K, M): per seed and time; ``t`` (L, M, M): the teacher's,
    fixed; ``blocks``: the :class:`~numerics.committee_blocks.Blocks` of the spectrum; ``trainable``:
    the boolean mask (N,) of trained coordinates, None if all were trained.
    """

    alphas: np.ndarray
    steps: np.ndarray
    q: np.ndarray
    r: np.ndarray
    t: np.ndarray
    blocks: Blocks
    trainable: np.ndarray | None = None

    @property
    def alphas_done(self) -> np.ndarray:
        """The times actually simulated, steps / N."""
        return self.steps / self.blocks.N

    def first_order(self):
        """(Q1 (S, T, K, K), R1 (S, T, K, M), T1 (M, M)): the covariances of the local fields."""
        return (first_order(self.q, self.blocks), first_order(self.r, self.blocks),
                first_order(self.t, self.blocks))


def alpha_to_steps(alphas, N) -> np.ndarray:
    """Steps done by time α: round(α·N), halves rounded up (floor(αN + 1/2)).

    ``alphas`` must be finite, >= 0 and non-decreasing (repeats allowed).

    >>> alpha_to_steps([0.0, 0.1, 0.125, 1.0], 4).tolist()        # 0.4 -> 0, 0.5 -> 1
    [0, 0, 1, 4]
    """
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("alphas must be finite and >= 0")
    if np.any(np.diff(a) < 0):
        raise ValueError("alphas must be non-decreasing")
    return np.floor(a * N + 0.5).astype(np.int64)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Problem:
    J0: np.ndarray          # (K, N)
    B: np.ndarray           # (M, N)
    blocks: Blocks
    sqrt_lam: np.ndarray    # (N,)
    eta: float
    linear: bool
    c_K: float
    c_M: float
    noise_sd: float
    trainable: np.ndarray | None    # (N,) 1.0 trainable / 0.0 frozen, or None: all trainable


def _matrix(a, name, role):
    w = np.asarray(a, dtype=float)
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array ({role} >= 1 hidden units × N inputs), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must be finite")
    return w


def _trainable_mask(trainable, N):
    """The validated mask as a float 0/1 array, or None when every coordinate is trainable (then the
    run takes the unmasked path, bit for bit)."""
    if trainable is None:
        return None
    t = np.asarray(trainable)
    if t.dtype != np.bool_:
        raise ValueError(f"trainable must be a boolean mask (dtype bool, True = trained) of length N, got "
                         f"dtype {t.dtype}; for indices use a mask, e.g. m = np.zeros(N, bool); m[idx] = True")
    if t.shape != (N,):
        raise ValueError(f"trainable must be a boolean mask of shape (N,) = ({N},), got shape {t.shape}")
    if not t.any():
        raise ValueError("trainable must mark at least one coordinate as trainable (all are frozen)")
    return None if t.all() else t.astype(float)


def _problem(student_weights, teacher_weights, eigenvalues, eta, activation, normalized_outputs,
             noise_variance, trainable=None):
    J0 = _matrix(student_weights, "student_weights", "K")
    B = _matrix(teacher_weights, "teacher_weights", "M")
    blocks = eigenvalue_blocks(eigenvalues)
    if J0.shape[1] != blocks.N or B.shape[1] != blocks.N:
        raise ValueError(f"student_weights, teacher_weights and eigenvalues must share N: got N = "
                         f"{J0.shape[1]}, {B.shape[1]} and {blocks.N}")
    e = float(eta)
    if not math.isfinite(e) or e <= 0:
        raise ValueError(f"eta must be finite and > 0, got {eta!r}")
    v = float(noise_variance)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"noise_variance must be finite and >= 0, got {noise_variance!r}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}")
    if not isinstance(normalized_outputs, (bool, np.bool_)):
        raise ValueError(f"normalized_outputs must be True or False, got {normalized_outputs!r}")
    K, M = J0.shape[0], B.shape[0]
    c_K, c_M = (1 / math.sqrt(K), 1 / math.sqrt(M)) if normalized_outputs else (1.0, 1.0)
    mask = _trainable_mask(trainable, blocks.N)
    return _Problem(J0, B, blocks, np.sqrt(blocks.eigenvalues), e, activation == "linear", c_K, c_M,
                    math.sqrt(v), mask)


# --------------------------------------------------------------------------
# Inputs (drawn off the main thread) and the SGD loop
# --------------------------------------------------------------------------

class _InputSource:
    """Double-buffered blocks of inputs Ξ (S, n, N) and label noise (S, n), drawn by worker threads."""

    def __init__(self, problem, generators, noise_generators, capacity):
        S, N = len(generators), problem.blocks.N
        self.p, self.gens, self.noise = problem, generators, noise_generators
        self.xi = [np.empty((S, capacity, N)) for _ in range(2)]
        self.eps = [np.zeros((S, capacity)) for _ in range(2)]
        n = min(WORKERS, S)
        self.slices = [slice(S * k // n, S * (k + 1) // n) for k in range(n)]

    def fill(self, buf, n, sl):
        """Draw the next n steps of the seeds in ``sl`` into buffer ``buf``."""
        xi = self.xi[buf][sl, :n]
        for j, g in enumerate(self.gens[sl]):
            g.standard_normal(out=xi[j])
        xi *= self.p.sqrt_lam
        if self.p.noise_sd:
            eps = self.eps[buf][sl, :n]
            for j, g in enumerate(self.noise[sl]):
                g.standard_normal(out=eps[j])

    def views(self, buf, n):
        return self.xi[buf][:, :n], self.eps[buf][:, :n]


def _labels(xi, eps, p):
    """c_M Σ_n g(y_n) + √(noise_variance) ε for inputs Ξ (S, n, N) -> (S, n)."""
    y = np.matmul(xi, p.B.T / math.sqrt(p.blocks.N))                           # (S, n, M)
    label = p.c_M * (y if p.linear else special.erf(y * _SQRT_HALF)).sum(axis=-1)
    if p.noise_sd:
        label += p.noise_sd * eps
    return label


def _steps_erf(u, gram, target, d):
    """Sequential part of a chunk for g = erf(·/√2), in the units u = x/√2 (see :func:`_run_chunk`).

    d_s = e^{−u_s²}(target_s − Σ_j erf(u_js)), u_s = u_s(J_0) + Σ_{s'<s} gram_{ss'} d_{s'}."""
    for s in range(u.shape[1]):
        us = u[:, s] + np.matmul(gram[:, s:s + 1, :s], d[:, :s])[:, 0] if s else u[:, 0]
        e = target[:, s] - special.erf(us).sum(axis=1)
        ds = d[:, s]
        np.exp(np.negative(np.square(us)), out=ds)
        ds *= e[:, None]


def _steps_linear(x, gram, target, d):
    """Sequential part of a chunk for g(x) = x: d_s = target_s − Σ_j x_js (the same for every unit)."""
    for s in range(x.shape[1]):
        xs = x[:, s] + np.matmul(gram[:, s:s + 1, :s], d[:, :s])[:, 0] if s else x[:, 0]
        d[:, s] = (target[:, s] - xs.sum(axis=1))[:, None]


def _run_chunk(J, xi, label, p):
    """Advance every seed's J (S, K, N) in place through the b steps of inputs xi (S, b, N).

    Chunked Gram form (module docstring) with the constants folded in: δ_s = c_K² γ d_s with
    d_s = g'(x_s)/γ · (label_s/c_K − Σ_j g(x_js)), γ = g'(0) = √(2/π) (erf) or 1 (linear); the
    fields are kept in units u = x·κ/γ, κ = 1/√π (erf: u = x/√2) or 1 (linear).  With a mask t the
    Gram matrix and the update use t∘ξ (t² = t), the fields the full ξ."""
    N = p.blocks.N
    gamma, kappa = (1.0, 1.0) if p.linear else (_SQRT_2_OVER_PI, 1 / math.sqrt(math.pi))
    c2 = p.c_K * p.c_K
    xt = xi if p.trainable is None else xi * p.trainable                       # t∘ξ
    gram = np.matmul(xt, np.swapaxes(xt, 1, 2))                                # (S, b, b)
    gram *= p.eta * c2 * kappa / N
    u = np.matmul(xi, np.swapaxes(J, 1, 2))                                    # (S, b, K)
    u *= kappa / (gamma * math.sqrt(N))
    d = np.empty_like(u)
    (_steps_linear if p.linear else _steps_erf)(u, gram, label / p.c_K, d)
    J += (p.eta * c2 * gamma / math.sqrt(N)) * np.matmul(np.swapaxes(d, 1, 2), xt)


def _run_block(J, xi, eps, p, chunk):
    """Advance J through a block of inputs, ``chunk`` steps at a time."""
    label = _labels(xi, eps, p)
    for a in range(0, xi.shape[1], chunk):
        _run_chunk(J, xi[:, a:a + chunk], label[:, a:a + chunk], p)


def _block_plan(steps, capacity):
    """Lengths of the input blocks: at most ``capacity`` steps, ending at every recording step."""
    plan, done = [], 0
    for stop in np.unique(steps):
        while done < stop:
            n = int(min(capacity, stop - done))
            plan.append(n)
            done += n
    return plan


def _progress_bar(progress, total):
    if progress is None:
        progress = total > PROGRESS_MIN_STEPS and sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="step", desc="online SGD", file=sys.stderr)


def _capacity(N) -> int:
    """Steps per block of inputs: the same for every number of seeds, so that a seed's block plan (and with
    it every rounding of its run) does not depend on the seeds run beside it."""
    return max(1, min(BLOCK_STEPS, BLOCK_DOUBLES // N))


def _simulate(p, steps, gens, progress, starts=None):
    """J of every run (one generator each; J(0) = p.J0, or starts[j] for run j) at every recording step
    -> (q, r) stacks.  The runs go in groups of at most BLOCK_DOUBLES / (capacity × N) seeds (memory); a
    run's numbers do not depend on its group."""
    N = p.blocks.N
    capacity = _capacity(N)
    group = max(1, BLOCK_DOUBLES // (capacity * N))
    bar = _progress_bar(progress, int(steps[-1]) * len(gens))
    try:
        parts = [_simulate_group(p, steps, gens[i:i + group], capacity, bar,
                                 None if starts is None else starts[i:i + group])
                 for i in range(0, len(gens), group)]
    finally:
        if bar is not None:
            bar.close()
    return np.concatenate([q for q, _ in parts]), np.concatenate([r for _, r in parts])


def _simulate_group(p, steps, gens, capacity, bar, starts):
    S, N = len(gens), p.blocks.N
    noise = [g.spawn(1)[0] for g in gens]
    source = _InputSource(p, gens, noise, capacity)
    plan = _block_plan(steps, capacity)
    J = np.repeat(p.J0[None], S, axis=0) if starts is None else np.array(starts, dtype=float)
    q, r = [], []
    done, k = 0, 0

    def record():
        nonlocal k
        while k < steps.size and steps[k] == done:
            qk, rk, _ = block_order_parameters(J, p.B, p.blocks)
            q.append(qk)
            r.append(rk)
            k += 1

    record()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        with ThreadPoolExecutor(max_workers=len(source.slices)) as pool, \
                np.errstate(over="ignore", invalid="ignore"):
            submit = lambda c: [pool.submit(source.fill, c % 2, plan[c], sl)  # noqa: E731
                                for sl in source.slices]
            pending = submit(0) if plan else []
            for c, n in enumerate(plan):
                for f in pending:
                    f.result()
                pending = submit(c + 1) if c + 1 < len(plan) else []
                _run_block(J, *source.views(c % 2, n), p, CHUNK_STEPS)
                done += n
                if not np.all(np.isfinite(J)):
                    raise FloatingPointError(
                        f"online SGD diverged: non-finite weights by alpha = {done / N:.6g} (step {done}); "
                        f"eta = {p.eta!r} is too large for this spectrum and these weights, use a smaller eta")
                record()
                if bar is not None:
                    bar.update(n * S)
    finally:
        sys.setswitchinterval(interval)
    return np.stack(q, axis=1), np.stack(r, axis=1)


def _generators(seeds, entropy, entropies):
    """One generator per run: ``spawn_generators(entropy, seeds)``, or with ``entropies`` run j's generator
    is ``spawn_generators(entropies[j], 1)[0]`` (that of a separate call with seeds=1 and that entropy)."""
    if entropies is None:
        return spawn_generators(entropy, positive_int("seeds", DEFAULT_SEEDS if seeds is None else seeds))
    if isinstance(entropies, (str, bytes)) or not hasattr(entropies, "__len__") or len(entropies) == 0:
        raise ValueError(f"entropies must be a non-empty sequence of entropies (one per run), got {entropies!r}")
    if seeds is not None and positive_int("seeds", seeds) != len(entropies):
        raise ValueError(f"seeds must be None or len(entropies) = {len(entropies)} when entropies are given, "
                         f"got {seeds!r}")
    return [spawn_generators(e, 1)[0] for e in entropies]


# --------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------

def simulate_order_parameters(alphas, student_weights, teacher_weights, eigenvalues, eta, *,
                              activation="erf", normalized_outputs=False, noise_variance=0.0, seeds=None,
                              entropy=0, progress=None, trainable=None, entropies=None) -> OrderParameterPaths:
    """Online SGD (module docstring) of ``seeds`` independent runs (default 8) from the same initial weights.

    ``student_weights`` J(0) (K, N), or one J(0) per run (runs, K, N); ``teacher_weights`` B (M, N), ``eigenvalues`` the diagonal of
    Σ (N,), learning rate ``eta`` > 0 (its stability limit is the caller's business: a divergent
    run raises FloatingPointError).  Every seed starts from J(0) and draws its own inputs and label
    noise (module docstring: random streams).  At each α of ``alphas`` (non-decreasing, >= 0) the
    run has done ``alpha_to_steps(alphas, N)`` = round(αN) steps and its block order parameters are
    recorded.  ``progress``: a tqdm bar on stderr if tqdm is importable; None shows it when
    seeds × steps > 10⁶ and stderr is a terminal.  ``trainable``: None (every coordinate trained) or a
    boolean mask of length N with at least one True; coordinates marked False keep their initial
    weights J(0) (masked gradient, module docstring).  An all-True mask is the unmasked run, bit for
    bit (same streams, same code path).  ``entropies``: instead of ``entropy``, one entropy per run
    (``seeds`` then None or their number): run j is, bit for bit, the single run of a call with
    ``seeds=1, entropy=entropies[j]``, so that independent single runs can be done together.

    >>> lam = np.repeat([1.5, 0.5], 8)
    >>> J0 = np.random.default_rng(0).standard_normal((2, 16)) * 0.01
    >>> B = np.random.default_rng(1).standard_normal((2, 16))
    >>> paths = simulate_order_parameters([0.0, 1.0], J0, B, lam, 0.1, seeds=3)
    >>> paths.q.shape, paths.r.shape, paths.t.shape         # (S, T, L, K, K), (S, T, L, K, M), (L, M, M)
    ((3, 2, 2, 2, 2), (3, 2, 2, 2, 2), (2, 2, 2))
    >>> frozen = simulate_order_parameters([0.0, 1.0], J0, B, lam, 0.1, seeds=3, trainable=lam > 1)
    >>> bool(np.array_equal(frozen.q[:, 1, 1], frozen.q[:, 0, 1]))      # block 2 (λ = 0.5) frozen
    True
    """
    starts = np.asarray(student_weights, dtype=float) if np.ndim(student_weights) == 3 else None
    p = _problem(student_weights if starts is None else starts[0], teacher_weights, eigenvalues, eta,
                 activation, normalized_outputs, noise_variance, trainable)
    gens = _generators(seeds, entropy, entropies)
    if starts is not None and (starts.shape[0] != len(gens) or not np.all(np.isfinite(starts))):
        raise ValueError(f"student_weights of shape (runs, K, N) must have one finite J(0) per run: "
                         f"{len(gens)} runs, got shape {starts.shape}")
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    steps = alpha_to_steps(alphas, p.blocks.N)
    q, r = _simulate(p, steps, gens, progress, starts)
    t = block_order_parameters(p.J0, p.B, p.blocks)[2]
    mask = None if trainable is None else np.array(trainable, dtype=bool)
    return OrderParameterPaths(alphas, steps, q, r, t, p.blocks, mask)


def simulate_generalization_error(alphas, student_weights, teacher_weights, eigenvalues, eta,
                                  population_error, *, activation="erf", normalized_outputs=False,
                                  noise_variance=0.0, seeds=8, entropy=0, progress=None,
                                  trainable=None) -> Estimate:
    """Mean and standard error over seeds of the population error ε_g(α) of the SGD weights.

    Arguments as :func:`simulate_order_parameters` (``seeds`` >= 2, ``trainable`` the mask of trained
    coordinates), plus ``population_error``, a
    plain callable ``population_error(Q1, R1, T1)`` of the first-order overlaps, vectorised over
    leading axes: it gets Q1 (S, T, K, K), R1 (S, T, K, M) and T1 broadcast to (S, T, M, M), and
    returns (S, T).  It must use the same ``activation`` and ``normalized_outputs`` convention (for
    g = erf, sheet §0.1(d) with the c_K², c_K c_M, c_M² prefactors).  Each seed's error is the
    exact population error of its current weights (no test set).

    >>> lin = lambda Q, R, T: 0.5 * (Q.sum((-1, -2)) - 2 * R.sum((-1, -2)) + T.sum((-1, -2)))
    >>> est = simulate_generalization_error([0.0, 4.0], np.zeros((1, 8)), np.ones((1, 8)), np.ones(8),
    ...                                     0.5, lin, activation="linear", seeds=4)
    >>> float(est.mean[0]), float(est.se[0]), bool(est.mean[1] < 0.1)   # ε_g(0) = ½ B·ΣB/N; N → ∞: ½e^{-3}
    (0.5, 0.0, True)
    """
    if not callable(population_error):
        raise ValueError("population_error must be a callable population_error(Q1, R1, T1)")
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool) and seeds == 1:
        raise ValueError("seeds must be >= 2 for a standard error over seeds, got 1")
    paths = simulate_order_parameters(alphas, student_weights, teacher_weights, eigenvalues, eta,
                                      activation=activation, normalized_outputs=normalized_outputs,
                                      noise_variance=noise_variance, seeds=seeds, entropy=entropy,
                                      progress=progress, trainable=trainable)
    Q1, R1, T1 = paths.first_order()
    T1 = np.broadcast_to(T1, Q1.shape[:2] + T1.shape)
    err = np.asarray(population_error(Q1, R1, T1), dtype=float)
    if err.shape != Q1.shape[:2]:
        raise ValueError(f"population_error must return one value per seed and time, shape "
                         f"{Q1.shape[:2]}, got {err.shape}")
    return Estimate.from_samples(err)
