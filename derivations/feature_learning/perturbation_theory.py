"""Numbers from ``feature-learning-dmft``: leading-order perturbation theory in γ₀² for deep linear networks, from
the statement of (perturbation-series) — the series of the deep linear closure, order by order.

On the same grid and with the same operators as :mod:`.deep_linear_theory`, every quantity is split by its order
in γ₀: the kernels Φ^ℓ = Φ₀ + γ₀²Φ₂, G^ℓ = G₀ + γ₀²G₂, the responses Ã = γ₀A₁ + γ₀³A₃, B̃ likewise, the error
Δ = Δ₀ + γ₀²Δ₂, and the operators

    C₁ = A₁^(ℓ−1) + (dt/P) Θ∘Φ₀^(ℓ−1)·diag(Δ₀),   C₃ = A₃^(ℓ−1) + (dt/P) Θ∘(Φ₂^(ℓ−1)·diag(Δ₀) + Φ₀^(ℓ−1)·diag(Δ₂))

(D₁, D₃ the same with B and G^(ℓ+1)).  The compiled coefficients give each layer's orders; f₀ = diag(M₁),
f₂ = diag(M₃) and Δ₂ = −f₂.  The order-zero part is the lazy limit; the γ₀² part is linear and causal, so the
passes end exactly.  The result is f₀ + γ₀²f₂ and K₀ + γ₀²K₂: the truncated series, whose departure from the
full DMFT is of order γ₀⁴.

>>> import numpy as np
>>> X = np.eye(2, 3) * np.sqrt(3); y = np.array([1.0, -0.5])
>>> c = perturbative_curve(X, y, [0.0, 1.0, 2.0], 0.5, depth=2)
>>> c.convergence.converged, c.predictions.shape
(True, (3, 2))
"""
from __future__ import annotations

import functools

import numpy as np

import derivations.feature_learning.deep_linear_theory as dl
import derivations.feature_learning.dmft_steps as ds
from derivations.feature_learning.curve_theory import Convergence
from numerics.bridge import to_numpy_matrices

#: the most passes over the grid (the γ₀² equations are causal: steps + depth + 2 passes fix them exactly)
MAX_PASSES = 400


@functools.cache
def series(n: int):
    """(Φ₀, Φ₂, G₀, G₂, A₁, A₃, B₁, B₃, M₁, M₃) of one layer from (C₁, C₃, D₁, D₃, Φ₀, Φ₂, G₀, G₂) below and above,
    compiled for matrices of side n from the statement of (perturbation-series)."""
    eqs = ds.derivation()["perturbation-series"]
    args = [ds.C1, ds.C3, ds.D1, ds.D3, ds.Phi_in0, ds.Phi_in2, ds.G_out0, ds.G_out2]
    return to_numpy_matrices([eq.rhs for eq in eqs], args, {ds.n: n})


def _operators(drive0, drive2, kernel0, kernel2, response1, response3):
    """The first- and third-order operators of one layer (drive_k: (dt/P) Θ with the order-k error)."""
    first = drive0 * kernel0 + response1
    third = drive0 * kernel2 + drive2 * kernel0 + response3
    return first, third


def _pass(state, gram, y, dt, mask):
    """Every layer's orders from the last pass's; the new (f₀, f₂)."""
    H0, H2, G0, G2, A1, A3, B1, B3, d0, d2 = state
    L, n, P = len(H0), mask.shape[0], len(y)
    zeros, ones = np.zeros((n, n)), np.ones((n, n))
    drive = lambda delta: (dt / P) * mask * delta.reshape(-1)[None, :]
    below = lambda l: (gram, zeros) if l == 0 else (H0[l - 1], H2[l - 1])            # Φ^l orders, l = 0..L
    above = lambda l: (ones, zeros) if l == L else (G0[l], G2[l])                     # G^(l+1) orders
    evaluate, out = series(n), [[None] * L for _ in range(8)]
    for l in range(1, L + 1):
        (f0, f2), (b0, b2) = below(l - 1), above(l)
        a1, a3 = (A1[l - 2], A3[l - 2]) if l > 1 else (zeros, zeros)
        e1, e3 = (B1[l - 1], B3[l - 1]) if l < L else (zeros, zeros)
        c1, c3 = _operators(drive(d0), drive(d2), f0, f2, a1, a3)
        k1, k3 = _operators(drive(d0), drive(d2), b0, b2, e1, e3)
        values = evaluate(c1, c3, k1, k3, f0, f2, b0, b2)
        for q in range(4):                                                  # Φ₀, Φ₂, G₀, G₂, A₁, A₃ of layer l
            out[q][l - 1] = values[q]
        out[4][l - 1], out[5][l - 1] = values[4], values[5]
        if l > 1:
            out[6][l - 2], out[7][l - 2] = values[6], values[7]            # B^(l−1): layer l's z to u
        m1, m3 = values[8], values[9]
    return out, np.diag(m1).reshape(-1, P), np.diag(m3).reshape(-1, P)


def perturbative_grid(X, y, gamma0, dt, steps, depth, *, tol=1e-12, max_iterations=MAX_PASSES):
    """f₀ + γ₀²f₂ (steps+1 × P), K₀ + γ₀²K₂ (steps+1 × P × P) and the Convergence record on the grid."""
    P = len(y)
    n = (steps + 1) * P
    if n > dl.MAX_SIDE:
        raise ValueError(f"(steps + 1)·P = {n} exceeds {dl.MAX_SIDE}: raise step or use fewer examples")
    gram = np.tile(X @ X.T / X.shape[1], (steps + 1, steps + 1))
    mask = np.kron(np.tril(np.ones((steps + 1, steps + 1)), -1), np.ones((P, P)))
    lazy = dl._initial(X @ X.T / X.shape[1], y, depth, dt, steps)
    zeros = [np.zeros((n, n))] * depth
    state = (lazy[0], zeros, lazy[1], zeros, zeros, zeros, zeros, zeros, lazy[4], np.zeros_like(lazy[4]))
    for it in range(1, max_iterations + 1):
        layers, f0, f2 = _pass(state, gram, y, dt, mask)
        new = tuple(layers) + (y - f0, -f2)
        residual = max(max(dl.change(a, b) for a, b in zip(state[:8], new[:8])),
                       float(np.max(np.abs(new[8] - state[8]))), float(np.max(np.abs(new[9] - state[9]))))
        state = tuple([np.zeros((n, n)) if m is None else m for m in q] for q in new[:8]) + new[8:]
        if not np.isfinite(residual):
            break
        if residual <= tol:
            K0 = dl._ntk(gram, state[0], state[2], steps, P)
            K_up = dl._ntk(gram, [a + b for a, b in zip(state[0], state[1])], [a + b for a, b in zip(state[2], state[3])],
                           steps, P)
            K_down = dl._ntk(gram, [a - b for a, b in zip(state[0], state[1])], [a - b for a, b in zip(state[2], state[3])],
                             steps, P)
            K2 = (K_up - K_down) / 2                                    # the part linear in (Φ₂, G₂)
            return f0 + gamma0 ** 2 * f2, K0 + gamma0 ** 2 * K2, Convergence("exact", it, residual, tol, True)
    raise RuntimeError(f"perturbation theory did not converge: change {residual:.3g} > tol = {tol:g} after {it} "
                       f"passes over {steps} steps")


def perturbative_curve(X, y, times, gamma0, *, depth=1, step=0.05, extrapolate=True, tol=1e-12,
                       max_iterations=MAX_PASSES):
    """:class:`~.curve_theory.DMFTCurve` of leading-order perturbation theory (arguments as ``deep_linear_curve``):
    the predictions and kernels to order γ₀², Richardson-extrapolated in the step.  Error bars are zero."""
    grid = functools.partial(perturbative_grid, tol=tol, max_iterations=max_iterations)
    return dl.grid_curve(X, y, times, gamma0, depth, step, extrapolate, grid, tol)
