"""Numbers from the P-example steps of ``feature-learning-linear``: the closed kernel system of (points-flow) and
(points-prediction-flow), compiled for the given P and integrated.

For a given P the sums of the statements are written out (SymPy ``doit``) and the P(P + 1)/2 + P + 1 equations
(H is symmetric) compiled into one vectorised right side with shared subexpressions; it is cached per P.

>>> import numpy as np
>>> X = np.eye(3, 5) * np.sqrt(5)                       # whitened inputs, K^x = I
>>> r = kernel_flow([0.0, 2.0], X, [1.0, 0.0, 0.0], gamma0=1.0)
>>> r.prediction.shape, bool(abs(r.prediction[1, 1]) < 1e-12)     # only the target's direction moves
((2, 3), True)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

import derivations.feature_learning.points_steps as ps
from numerics.bridge import to_numpy_many
from numerics.validate import finite, positive

#: the kernel system is compiled per P: at most this many examples
MAX_EXAMPLES = 24
ODE_RTOL, ODE_ATOL = 1e-12, 1e-14


@dataclass(frozen=True)
class KernelCurve:
    """At ``times``: ``prediction`` f (T × P), ``feature_kernel`` H (T × P × P), ``readout_norm`` G (T) and the
    tangent kernel ``ntk`` K = H + G K^x (T × P × P)."""

    times: np.ndarray
    prediction: np.ndarray
    feature_kernel: np.ndarray
    readout_norm: np.ndarray
    ntk: np.ndarray


@functools.cache
def _system(P: int):
    """(right side, state symbols): the flows of f_ν, H_μν (μ ≤ ν) and G for this P, compiled."""
    d = ps.extended()
    dH, dG, _ = d["points-flow"]
    df = d["points-prediction-flow"]
    ntk = d["points-ntk"]
    f = [sp.Symbol(f"f_{k}") for k in range(P)]
    H = {(k, l): sp.Symbol(f"H_{min(k, l)}_{max(k, l)}") for k in range(P) for l in range(P)}
    Kx = {(k, l): sp.Symbol(f"Kx_{min(k, l)}_{max(k, l)}") for k in range(P) for l in range(P)}
    y = [sp.Symbol(f"y_{k}") for k in range(P)]
    G = sp.Symbol("G")
    atoms = lambda e: e.replace(
        lambda q: isinstance(q, sp.core.function.AppliedUndef) or isinstance(q, sp.Indexed),
        lambda q: _atom(q, f, H, Kx, y, G))
    def concrete(expr, **indices):
        e = expr.replace(lambda q: isinstance(q, sp.core.function.AppliedUndef) and q.func == ps.K_t,
                         lambda q: ntk.rhs.subs({ps.mu: q.args[0], ps.nu: q.args[1]}, simultaneous=True))
        e = e.subs({getattr(ps, k): v for k, v in indices.items()}).subs(ps.P, P).doit()
        e = e.replace(lambda q: isinstance(q, sp.Indexed) and q.base == ps.Dl,
                      lambda q: ps.y[q.indices[0]] - ps.f_t(q.indices[0], ps.t))
        return sp.expand(atoms(e))
    rates = [concrete(df.rhs, nu=k + 1) for k in range(P)]
    pairs = [(k, l) for k in range(P) for l in range(k, P)]
    rates += [concrete(dH.rhs, mu=k + 1, nu=l + 1) for k, l in pairs]
    rates.append(concrete(dG.rhs))
    state = f + [H[p] for p in pairs] + [G]
    inputs = y + [Kx[p] for p in pairs] + [ps.gamma0]
    return to_numpy_many(rates, state + inputs), pairs


def _atom(q, f, H, Kx, y, G):
    if isinstance(q, sp.Indexed):
        k = [int(v) - 1 for v in q.indices]
        return {ps.Kx.label: lambda: Kx[tuple(k)], ps.y.label: lambda: y[k[0]]}[q.base.label]()
    if q.func == ps.f_t:
        return f[int(q.args[0]) - 1]
    if q.func == ps.H_t:
        return H[int(q.args[0]) - 1, int(q.args[1]) - 1]
    if q.func == ps.G_t:
        return G
    raise ValueError(f"unexpected atom {q}")


def _inputs(times, X, y, gamma0):
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError("times must be a 1-D array of finite values >= 0")
    X = finite("X", X)
    if X.ndim != 2 or not 1 <= X.shape[0] <= MAX_EXAMPLES or not np.any(X != 0):
        raise ValueError(f"X must be a non-zero P × D array with 1 <= P <= {MAX_EXAMPLES} (the kernel system is "
                         f"compiled per P), got shape {X.shape}")
    y = finite("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one target per row of X, shape ({X.shape[0]},), got {y.shape}")
    return t, X, y, positive("gamma0", gamma0)


def integrate(rhs, u0, fixed, t, who):
    """The compiled flow ``rhs(*u, *fixed)`` from u0 at the times t (any order) by DOP853, rtol 1e-12: the states
    (T × len(u0)); ArithmeticError naming ``who`` if the integrator fails."""
    order = np.argsort(t)
    sol = solve_ivp(lambda _, u: rhs(*u, *fixed), (0.0, float(t.max(initial=0.0))), u0, method="DOP853",
                    t_eval=t[order], rtol=ODE_RTOL, atol=ODE_ATOL)
    if not sol.success:
        raise ArithmeticError(f"{who}: the integrator failed ({sol.message})")
    u = np.empty((t.size, u0.size))
    u[order] = sol.y.T
    return u


def symmetric(upper, rows, cols, P):
    """T × P × P symmetric matrices from their entries (rows ≤ cols) over time."""
    out = np.zeros((upper.shape[0], P, P))
    out[:, rows, cols] = upper
    out[:, cols, rows] = upper
    return out


def kernel_flow(times, X, y, gamma0, start=None) -> KernelCurve:
    """The two-layer linear network trained on the rows of X (P × D) with targets y: the closed system of
    (points-flow) and (points-prediction-flow) integrated by DOP853 (rtol 1e-12), from the infinite-width start
    H = K^x, G = 1, f = 0 (points-infinite-width-start), or from ``start = (H(0), G(0), f(0))`` of one network:
    its exact flow at that width.  Raises ArithmeticError if the integrator fails."""
    t, X, y, gamma0 = _inputs(times, X, y, gamma0)
    P, D = X.shape
    gram = X @ X.T / D
    rhs, pairs = _system(P)
    rows, cols = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    if start is None:
        H0, G0, f0 = gram, 1.0, np.zeros(P)
    else:
        H0, G0, f0 = (finite("start", v) for v in start)
    u0 = np.concatenate([f0, np.asarray(H0)[rows, cols], [float(G0)]])
    fixed = [*y, *gram[rows, cols], gamma0]
    u = integrate(rhs, u0, fixed, t, "kernel_flow")
    H = symmetric(u[:, P:P + len(pairs)], rows, cols, P)
    G = u[:, -1]
    return KernelCurve(t, u[:, :P], H, G, H + G[:, None, None] * gram)
