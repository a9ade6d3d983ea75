"""Numbers from ``feature-learning-dmft`` for networks of several hidden layers and any activation: the paper's
alternating Monte-Carlo procedure with the response functions of (single-site).

On the grid t_k = k·dt (the infinite-width limit of gradient descent with step dt) every layer's processes are
vectors over the n = (steps + 1)·P pairs (time, example).  Given the kernels, responses and error of the last
pass, each layer l is swept forward in time for all its samples at once:

    h = u + C g,   z = r + D φ(h),   g = φ'(h) z,
    C = Ã^(l−1) + (γ₀dt/P) Θ∘Φ^(l−1)·diag(Δ),   D = B̃^l + (γ₀dt/P) Θ∘G^(l+1)·diag(Δ)        (step operators)

(h at step k needs g before k; z at step k needs φ(h) up to k), with u = L_Φ ε_u, r = L_G ε_r drawn from the last
pass's kernels (L a square root, ε standard normal and fixed across passes: common random numbers make the
passes a deterministic map).  The responses γ₀A = Ã = ⟨∂φ(h)/∂r⟩ and γ₀B = B̃ = ⟨∂g^(l+1)/∂u^(l+1)⟩ are
averages of each sample's Jacobian (as the paper's solver does): linearising the layer's equations,
δh = C(Λ₁δh + Λ₂δz), δz = DΛ₂δh + source, with Λ₁ = diag(φ''(h)z), Λ₂ = diag(φ'(h)), so that with
Λ = Λ₁ + Λ₂DΛ₂ and M = I − CΛ (unit lower triangular)

    ∂φ(h)/∂r = Λ₂M⁻¹CΛ₂,   ∂g/∂u = ΛM⁻¹,

averaged over the first ``jacobian_samples`` samples (an unbiased estimate; its noise is in the replicas'
spread).  Stein's lemma (⟨F εᵀ⟩L⁺) would avoid the Jacobians but amplifies the sampling noise through the
pseudo-inverse of the nearly singular kernels (measured: the passes diverge), and ReLU's φ'' is a delta function
the Jacobians miss: ReLU is refused beyond one hidden layer.  The first layer's u is constant
in time (Φ⁰ = XXᵀ/D), the last layer's r is one number per sample (G^(L+1) = 1).  Then f = ⟨z^L φ(h^L) −
r^L φ(u^L)⟩/γ₀ and Δ = y − f; the passes repeat, damped, until Δ and the kernels move less than ``tol``.

For φ(z) = z this reproduces the deterministic solver of :mod:`.deep_linear_theory` within its error bars (a check).

>>> import numpy as np
>>> X = np.eye(2, 3) * np.sqrt(3); y = np.array([1.0, -0.5])
>>> f, K, conv = deep_grid(X, y, 1.0, 0.1, 10, 2, "tanh", samples=400, replicas=2, seed=0)
>>> f.shape, K.shape, conv.converged
((11, 2, 2), (11, 2, 2, 2), True)
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

import derivations.feature_learning.dmft_steps as ds
from derivations.feature_learning.curve_theory import Convergence, activation_pair, summarise
from derivations.feature_learning.deep_linear_theory import _kernel_error
from derivations.feature_learning.deep_linear_theory import change as _change
from numerics.bridge import to_numpy

#: the default change of Δ and the kernels at which the passes stop: the symmetric roots' eigendecompositions make
#: one pass reproducible to 1e-9 … 1e-8 only (growing with n); 1e-6 is still far below the sampling error
DEEP_TOL = 1e-6
#: samples per replica whose Jacobians give the response functions (their cost is O(samples · n³) per layer and pass).
#: Their sampling noise enters the solution at second order, a bias falling as 1/jacobian_samples: against tanh
#: networks of two layers (the check) 64 per replica of 2000 samples left |z| up to 3.5, 256 of 4000 up to 0.9
JACOBIAN_SAMPLES = 128
#: the coarse grid of ``dmft_curve`` beyond one layer: between these many steps (Richardson doubles them)
DEEP_MIN_STEPS, DEEP_MAX_STEPS = 10, 24


@functools.cache
def curvature(name):
    """φ'' of an activation: the derivative of its (activation-slopes) statement, compiled."""
    if name == "relu":
        raise ValueError("activation 'relu' is solved for one hidden layer only: its φ'' is a delta function that "
                         "the Jacobian responses miss, and without responses the passes do not settle (φ' jumps, "
                         "so the sampled kernels jump with the last pass's: measured, a change of 5e-3 cycling)")
    k = ds.ACTIVATIONS.index(name)
    second = to_numpy(sp.diff(ds.derivation()["activation-slopes"][k].rhs, ds.z), [ds.z])
    return lambda h: second(h) + 0.0 * h


def _root(M):
    """The symmetric square root M^(1/2) = V√ΛVᵀ of the PSD matrix M (negative round-off eigenvalues set to 0):
    unique and continuous in M, so the samples u = εM^(1/2) move continuously from pass to pass (a root from the
    eigenvectors alone flips with their signs and order, and the passes cycle)."""
    vals, vecs = np.linalg.eigh((M + M.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def _masks(steps, P):
    strict = np.kron(np.tril(np.ones((steps + 1, steps + 1)), -1), np.ones((P, P)))
    return strict.astype(bool), (strict + np.kron(np.eye(steps + 1), np.eye(P))).astype(bool)


def _jacobians(h, z, C, D, act, curvature):
    """Sample averages of ∂φ(h)/∂r = Λ₂M⁻¹CΛ₂ and ∂g/∂u = ΛM⁻¹ (module docstring) over the rows of h, z."""
    d1, d2 = act[1](h), curvature(h) * z
    lam = d1[:, :, None] * D[None] * d1[:, None, :]
    idx = np.arange(h.shape[1])
    lam[:, idx, idx] += d2
    M = np.eye(h.shape[1])[None] - C[None] @ lam
    inverse = np.linalg.inv(M)
    response_r = np.mean(d1[:, :, None] * (inverse @ (C[None] * d1[:, None, :])), axis=0)
    return response_r, np.mean(lam @ inverse, axis=0)


def _sweep(u, r, C, D, P, act):
    """One layer's samples forward in time: (h, z, g), each samples × n."""
    phi, dphi = act
    h, z, g, a = (np.zeros_like(u) for _ in range(4))
    for k in range(u.shape[1] // P):
        now, past, upto = slice(k * P, (k + 1) * P), slice(0, k * P), slice(0, (k + 1) * P)
        h[:, now] = u[:, now] + g[:, past] @ C[now, past].T
        a[:, now] = phi(h[:, now])
        z[:, now] = r[:, now] + a[:, upto] @ D[now, upto].T
        g[:, now] = dphi(h[:, now]) * z[:, now]
    return h, a, z, g


class _Replica:
    """One independent self-consistent solution with ``samples`` samples (its random numbers drawn once)."""

    def __init__(self, X, y, gamma0, dt, steps, depth, act, samples, rng, jacobian_samples, curvature):
        self.P, self.n, self.L = len(y), (steps + 1) * len(y), depth
        self.responses = curvature is not None                  # None: gradient independence, no responses
        self.jac, self.curvature = min(jacobian_samples, samples), curvature
        self.y, self.gamma0, self.dt, self.steps, self.act = y, gamma0, dt, steps, act
        self.gram_small = X @ X.T / X.shape[1]
        self.gram = np.tile(self.gram_small, (steps + 1, steps + 1))
        self.eps_u = [rng.standard_normal((samples, self.n)) for _ in range(depth)]
        self.eps_r = [rng.standard_normal((samples, self.n)) for _ in range(depth)]
        self.eps_u[0] = np.tile(rng.standard_normal((samples, self.P)), (1, steps + 1))    # u¹: constant in time
        self.readout = rng.standard_normal(samples)
        self.strict = _masks(steps, self.P)[0]

    def start(self):
        """γ₀ → 0 kernels from one pass at Δ = 0 (no motion), the static-NTK error."""
        ones = np.ones((self.n, self.n))
        state = ([self.gram] * (self.L + 1), [None] + [ones] * (self.L + 1), [None] * self.L, [None] * self.L, None)
        for _ in range(self.L):                                     # layer by layer: the static kernels
            state = self.step(state)[:4] + (None,)
        return state[:4] + (self.kernel_error(self.ntk(state[0], state[1])),)

    def _fields(self, l, Phi, G):
        """u^l and r^l (samples × n) from the kernels below and above."""
        if l == 0:
            root = _root(self.gram_small)
            u = np.tile(self.eps_u[0][:, :root.shape[1]] @ root.T, (1, self.steps + 1))
        else:
            root = _root(Phi[l])
            u = self.eps_u[l][:, :root.shape[1]] @ root.T
        if l == self.L - 1:
            r = np.repeat(self.readout[:, None], self.n, axis=1)
        else:
            groot = _root(G[l + 2])
            r = self.eps_r[l][:, :groot.shape[1]] @ groot.T
        return u, r

    def step(self, state):
        """One pass: (Φ, G, Ã, B̃, f), Φ[l] and G[l] the kernels of layer l (0: the input, L + 1: the readout)."""
        Phi, G, A, B, delta = state
        drive = (self.gamma0 * self.dt / self.P) * self.strict * (0.0 if delta is None else delta.reshape(-1)[None, :])
        newPhi, newG, newA, newB = [self.gram], [None] * (self.L + 2), [None] * self.L, [None] * self.L
        newG[self.L + 1] = np.ones((self.n, self.n))
        S = self.eps_r[0].shape[0]
        for l in range(self.L):
            u, r = self._fields(l, Phi, G)
            C = drive * Phi[l] + (A[l - 1] if (l > 0 and A[l - 1] is not None) else 0.0)
            D = drive * G[l + 2] + (B[l] if (l < self.L - 1 and B[l] is not None) else 0.0)
            h, a, z, g = _sweep(u, r, C, D, self.P, self.act)
            newPhi.append(a.T @ a / S)
            newG[l + 1] = g.T @ g / S
            if self.responses:
                response_r, response_u = _jacobians(h[:self.jac], z[:self.jac], C, D, self.act, self.curvature)
                newA[l] = response_r if l < self.L - 1 else None
                if l > 0:
                    newB[l - 1] = response_u
        if not self.responses:                  # the error driven by the kernels (deep_linear_theory's docstring)
            return newPhi, newG, newA, newB, self.y - self.kernel_error(self.ntk(newPhi, newG))
        start = np.mean(r * self.act[0](u), axis=0)
        f = (np.mean(z * a, axis=0) - start) / self.gamma0
        return newPhi, newG, newA, newB, f.reshape(self.steps + 1, self.P)

    def kernel_error(self, K):
        """Δ(k+1) = Δ(k) − (dt/P) K(k) Δ(k) from Δ(0) = y (the deep linear solver's rule)."""
        return _kernel_error(K, self.y, self.dt)

    def ntk(self, Phi, G):
        """K(k) = Σ_l G^(l+1)(k, k)∘Φ^l(k, k)."""
        idx = np.arange(self.steps + 1)
        block = lambda M: M.reshape(self.steps + 1, self.P, self.steps + 1, self.P)[idx, :, idx, :]
        return sum(block(G[l + 1]) * block(Phi[l]) for l in range(self.L + 1))


def _solve(rep, damping, tol, max_iterations):
    state = rep.start()
    residual = np.inf
    for it in range(1, max_iterations + 1):
        Phi, G, A, B, f = rep.step(state)
        delta = rep.y - f
        residual = max(float(np.max(np.abs(delta - state[4]))), _change(state[0], Phi), _change(state[1], G))
        if not np.isfinite(residual):
            break
        mix = lambda o, w: [b if (a is None or b is None) else (1 - damping) * a + damping * b
                            for a, b in zip(o, w)]
        state = (mix(state[0], Phi), mix(state[1], G), mix(state[2], A), mix(state[3], B),
                 (1 - damping) * state[4] + damping * delta)
        if residual <= tol:
            return f, rep.ntk(Phi, G), it, residual
    raise RuntimeError(f"deep Monte-Carlo DMFT did not converge: change {residual:.3g} > tol = {tol:g} after {it} "
                       "passes (lower the damping's step or the step dt)")


def deep_grid(X, y, gamma0, dt, steps, depth, activation, *, samples, replicas=8, seed=0, damping=1.0, tol=DEEP_TOL,
              max_iterations=400, jacobian_samples=JACOBIAN_SAMPLES, responses=True):
    """The DMFT of ``depth`` hidden layers on the grid by the alternating procedure: f (steps+1 × R × P), the
    NTK (steps+1 × R × P × P) per replica, and the Convergence record (the most passes any replica took).
    ``responses=False``: the gradient-independence approximation (no response functions, the error driven by
    the tangent kernel)."""
    act = activation_pair(activation)
    second = curvature(activation) if responses else (curvature(activation), None)[1]
    rng = np.random.default_rng(seed)
    fs, Ks, passes, worst = [], [], 0, 0.0
    for _ in range(replicas):
        rep = _Replica(X, y, gamma0, dt, steps, depth, act, samples // replicas, rng, jacobian_samples, second)
        f, K, it, res = _solve(rep, damping, tol, max_iterations)
        fs.append(f)
        Ks.append(K)
        passes, worst = max(passes, it), max(worst, res)
    return np.stack(fs, 1), np.stack(Ks, 1), Convergence("alternating", passes, worst, tol, True)


def deep_curve(X, y, times, gamma0, depth, activation, dt, steps, extrapolate, **options):
    """:class:`~.curve_theory.DMFTCurve` of :func:`deep_grid` at ``times`` (Richardson in dt: the grids dt and
    dt/2 with the same random numbers)."""
    curvature(activation)                                            # refuses ReLU before any work
    f, K, conv = deep_grid(X, y, gamma0, dt, steps, depth, activation, **options)
    gap, passes = 0.0, conv.iterations
    if extrapolate and steps:
        f2, K2, conv2 = deep_grid(X, y, gamma0, dt / 2, 2 * steps, depth, activation, **options)
        gap = float(np.max(np.abs(f2[::2] - f)))
        f, K, passes = 2 * f2[::2] - f, 2 * K2[::2] - K, max(passes, conv2.iterations)
    record = Convergence("alternating", passes, conv.residual, conv.tolerance, True, gap)
    return summarise(times, dt * np.arange(steps + 1), y, f, K, record, dt, options["samples"])
