"""Numbers from ``feature-learning-dmft`` for deep linear networks (φ(z) = z): the kernels from the closed
matrix equations of (deep-linear-closure), iterated to self-consistency — no sampling.

On the grid t_k = k·dt (gradient descent with step dt, the left-point rule) the kernels are matrices over the
pairs (time, example), n = (steps + 1)·P.  Layer ℓ = 1..L has the operators (γ₀ absorbed)

    C^ℓ = Ã^{ℓ−1} + (γ₀dt/P) Θ∘Φ^{ℓ−1}·diag(Δ),   D^ℓ = B̃^ℓ + (γ₀dt/P) Θ∘G^{ℓ+1}·diag(Δ),

Θ the strictly causal mask (s before t), Φ⁰ = XXᵀ/D at every pair of times, G^{L+1} = 1, Ã⁰ = B̃^L = 0; then
with S = I − C D and R = I − D C (unit lower triangular) the statement of (deep-linear-closure), compiled per n,
gives

    Φ^ℓ = S⁻¹(Φ^{ℓ−1} + C G^{ℓ+1} Cᵀ)S⁻ᵀ,  G^ℓ = R⁻¹(G^{ℓ+1} + D Φ^{ℓ−1} Dᵀ)R⁻ᵀ,  Ã^ℓ = S⁻¹C,  B̃^{ℓ−1} = R⁻¹D,
    f = diag(M^L)/γ₀ with M^L = ⟨z hᵀ⟩ = R_L⁻¹(G^{L+1} C_Lᵀ + D_L Φ^{L−1}) S_L⁻ᵀ,   Δ = y − f.

Each pass recomputes every layer from the last pass (damped); the map is causal, so a pass fixes at least one
more time step and the iteration ends exactly; it stops when Δ and the kernels move less than ``tol``.
``responses=False`` drops Ã, B̃: the gradient-independence approximation.  Its error is then driven by its
tangent kernel, Δ(k+1) = Δ(k) − (dt/P)K(k)Δ(k), as in the paper: with the weights' forward and backward uses
taken independent, the readout average ⟨z h⟩ no longer sees the lower layers' motion (it would miss their
share of the kernel even as γ₀ → 0).

>>> import numpy as np
>>> X = np.eye(2, 3) * np.sqrt(3); y = np.array([1.0, -0.5])
>>> c = deep_linear_curve(X, y, [0.0, 1.0, 3.0], 1.0, depth=2)
>>> c.convergence.converged, c.predictions.shape
(True, (3, 2))
"""
from __future__ import annotations

import functools

import numpy as np

import derivations.feature_learning.dmft_steps as ds

from derivations.feature_learning.curve_theory import Convergence, grid_step, summarise, validate
from numerics.bridge import to_numpy_matrices
from numerics.validate import positive

#: each window of the iteration adds this much time (over max(γ₀, 1)²): the passes' transient growth stays bounded
WINDOW = 0.5
#: at least this many steps on the coarse grid of ``deep_linear_curve``
MIN_STEPS = 10
#: at most this many steps on the coarse grid of ``deep_linear_curve`` (twice as many on the fine one)
MAX_STEPS = 64
#: the largest matrix side (steps + 1)·P the solver accepts: its cost is O(n³) per layer and pass
MAX_SIDE = 2400


@functools.cache
def closure(n: int):
    """The kernels, responses and overlap of one layer, (Φ^l, G^l, A, B, M) from (C, D, Φ^(l-1), G^(l+1)),
    compiled for matrices of side n from the statement of (deep-linear-closure)."""
    eqs = ds.derivation()["deep-linear-closure"]
    return to_numpy_matrices([eq.rhs for eq in eqs[2:]], [ds.C, ds.Dop, ds.Phi_in, ds.G_out], {ds.n: n})


def _or_zero(M):
    return 0.0 if M is None else M


def _pass(state, gram, y, gamma0, dt, mask, responses):
    """One pass: every layer's kernels and responses from the last pass's; the new f (steps+1 × P)."""
    H, G, A, B, delta = state
    L, n, P = len(H), mask.shape[0], len(y)
    ones = np.ones((n, n))
    drive = (gamma0 * dt / P) * mask * delta.reshape(-1)[None, :]
    fields = lambda l: (gram if l == 0 else H[l - 1])                     # Φ^l, l = 0..L
    backs = lambda l: (ones if l == L else G[l])                          # G^(l+1)
    newH, newG, newA, newB = [], [], [None] * L, [None] * L
    evaluate = closure(n)
    for l in range(1, L + 1):
        C = drive * fields(l - 1) + _or_zero(A[l - 2] if (responses and l > 1) else None)
        Dm = drive * backs(l) + _or_zero(B[l - 1] if (responses and l < L) else None)
        h_kernel, g_kernel, newA[l - 1], response, overlap = evaluate(C, Dm, fields(l - 1), backs(l))
        newH.append(h_kernel)
        newG.append(g_kernel)
        if l > 1:
            newB[l - 2] = response                                      # B^(l-1): the response of layer l's z to u
    return newH, newG, newA, newB, np.diag(overlap).reshape(-1, P) / gamma0


def _initial(gram, y, depth, dt, steps):
    """γ₀ = 0: every Φ^ℓ = Φ⁰, G^ℓ = 1, no responses, Δ decaying under the static NTK (L + 1)Φ⁰."""
    n = (steps + 1) * len(y)
    full = np.tile(gram, (steps + 1, steps + 1))
    delta = np.empty((steps + 1, len(y)))
    delta[0] = y
    for k in range(steps):
        delta[k + 1] = delta[k] - (dt / len(y)) * (depth + 1) * gram @ delta[k]
    return [full] * depth, [np.ones((n, n))] * depth, [None] * depth, [None] * depth, delta


def change(old, new):
    """The largest entry-wise change between two lists of matrices (None entries skipped)."""
    return max((float(np.max(np.abs(a - b))) for a, b in zip(old, new) if a is not None and b is not None),
               default=0.0)


def _embed(old, fresh):
    """The converged state of a shorter window in the top-left blocks of a longer window's start (causality: the
    longer window's solution restricted to the earlier times is the shorter one's); Δ continued by the start's
    decay."""
    if old is None:
        return fresh
    n_old, steps_old, n_new = old[0][0].shape[0], old[4].shape[0] - 1, fresh[0][0].shape[0]
    def put(o, f_):
        if o is None:
            return f_
        out = np.zeros((n_new, n_new)) if f_ is None else f_.copy()
        out[:n_old, :n_old] = o
        return out
    delta = fresh[4].copy()
    delta[:steps_old + 1] = old[4]
    ratio = np.divide(fresh[4][steps_old + 1:], fresh[4][steps_old], out=np.ones_like(fresh[4][steps_old + 1:]),
                      where=fresh[4][steps_old] != 0)
    delta[steps_old + 1:] = old[4][-1] * ratio
    return tuple([put(o, f_) for o, f_ in zip(old[k], fresh[k])] for k in range(4)) + (delta,)


def _windows(steps, grow):
    """Window lengths (in steps), ``grow`` more each time, up to ``steps``."""
    w = min(grow, steps)
    while w < steps:
        yield w
        w += grow
    yield steps


def _iterate(state, X, y, gamma0, dt, steps, responses, damping, tol, max_iterations):
    """Passes over one window until Δ and the kernels move less than ``tol``."""
    P = len(y)
    gram = np.tile(X @ X.T / X.shape[1], (steps + 1, steps + 1))
    mask = np.kron(np.tril(np.ones((steps + 1, steps + 1)), -1), np.ones((P, P)))
    residual = np.inf
    for it in range(1, max_iterations + 1):
        H, G, A, B, f = _pass(state, gram, y, gamma0, dt, mask, responses)
        if not responses:                      # the kernels' own flow: the readout average misses the lower layers
            f = y - _kernel_error(_ntk(gram, H, G, steps, P), y, dt)
        new_delta = y - f
        residual = max(float(np.max(np.abs(new_delta - state[4]))), change(state[0], H), change(state[1], G))
        if not np.isfinite(residual):
            break
        mix = lambda old, new: [n_ if o is None or n_ is None else (1 - damping) * o + damping * n_
                                for o, n_ in zip(old, new)]
        state = (mix(state[0], H), mix(state[1], G), mix(state[2], A), mix(state[3], B),
                 (1 - damping) * state[4] + damping * new_delta)
        if residual <= tol:
            return state, f, _ntk(gram, H, G, steps, P), it
    raise RuntimeError(f"deep linear DMFT did not converge: change {residual:.3g} > tol = {tol:g} after {it} "
                       f"passes over {steps} steps (raise max_iterations, lower damping or the step)")


def deep_linear_grid(X, y, gamma0, dt, steps, depth, *, responses=True, damping=1.0, tol=1e-10,
                     max_iterations=400):
    """The deep linear DMFT on the grid: (f (steps+1 × P), NTK (steps+1 × P × P), Convergence).  Solved over
    windows growing by WINDOW/max(γ₀, 1)² in time, each started from the last one's solution."""
    P = len(y)
    n = (steps + 1) * P
    if n > MAX_SIDE:
        raise ValueError(f"(steps + 1)·P = {n} exceeds {MAX_SIDE}: raise step or use fewer examples")
    state, passes = None, 0
    for w in _windows(steps, max(1, int(round(WINDOW / (dt * max(gamma0, 1.0) ** 2))))):
        state = _embed(state, _initial(X @ X.T / X.shape[1], y, depth, dt, w))
        state, f, K, it = _iterate(state, X, y, gamma0, dt, w, responses, damping, tol, max_iterations)
        passes += it
    return f, K, Convergence("exact", passes, tol, tol, True)


def _kernel_error(K, y, dt):
    """Δ(k+1) = Δ(k) − (dt/P) K(k) Δ(k) from Δ(0) = y: the error driven by the tangent kernel."""
    out = np.empty((len(K), len(y)))
    out[0] = y
    for k in range(len(K) - 1):
        out[k + 1] = out[k] - (dt / len(y)) * K[k] @ out[k]
    return out


def _ntk(gram, H, G, steps, P):
    """K(t) = Σ_ℓ G^{ℓ+1}(t, t) Φ^ℓ(t, t), ℓ = 0..L, the equal-time blocks."""
    idx = np.arange(steps + 1)
    block = lambda M: M.reshape(steps + 1, P, steps + 1, P)[idx, :, idx, :]
    K = block(H[-1]) + block(gram) * block(G[0])
    for l in range(1, len(H)):
        K = K + block(H[l - 1]) * block(G[l])
    return K


def deep_linear_curve(X, y, times, gamma0, *, depth=1, step=0.05, extrapolate=True, responses=True, damping=1.0,
                      tol=1e-10, max_iterations=400):
    """:class:`~.curve_theory.DMFTCurve` of the deep linear DMFT at ``times`` (arguments as ``dmft_curve``;
    ``responses=False`` is the gradient-independence approximation).  Error bars are zero: nothing is sampled."""
    grid = functools.partial(deep_linear_grid, responses=responses, damping=damping, tol=tol,
                             max_iterations=max_iterations)
    return grid_curve(X, y, times, gamma0, depth, step, extrapolate, grid, tol)


def grid_curve(X, y, times, gamma0, depth, step, extrapolate, grid, tol):
    """A deterministic solver ``grid(X, y, γ₀, dt, steps, depth) → (f, K, Convergence)`` on the coarse grid and,
    with ``extrapolate``, on the grid of half the step, Richardson-extrapolated; as a DMFTCurve at ``times``."""
    X, y, times, gamma0, depth = validate(X, y, times, gamma0, depth, "linear")
    dt, steps = grid_step(times, max(positive("step", step), float(times[-1]) / MAX_STEPS), least=MIN_STEPS)
    rate = (depth + 1) * float(np.linalg.eigvalsh(X @ X.T / X.shape[1])[-1]) / len(y)
    if dt * rate > 1:
        raise ValueError(f"times: the last time {times[-1]:g} needs a step dt = {dt:g} above the stable "
                         f"1/(largest static-kernel rate {rate:.3g}): at most {MAX_STEPS} steps; solve a shorter "
                         "window")
    f, K, conv = grid(X, y, gamma0, dt, steps, depth)
    gap, passes = 0.0, conv.iterations
    if extrapolate and steps:
        f2, K2, conv2 = grid(X, y, gamma0, dt / 2, 2 * steps, depth)
        gap = float(np.max(np.abs(f2[::2] - f)))
        f, K, passes = 2 * f2[::2] - f, 2 * K2[::2] - K, passes + conv2.iterations
    record = Convergence("exact", passes, conv.residual, tol, True, gap)
    return summarise(times, dt * np.arange(steps + 1), y, f[:, None, :].repeat(2, 1), K[:, None].repeat(2, 1),
                     record, dt, 0)
