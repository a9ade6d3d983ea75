"""Numbers from (points-perturbation-series): the leading order in γ₀² of the two-layer linear network on P
examples, compiled per P from the step and integrated.

The state is (f₀, f₂, H₂ for μ ≤ ν, G₂), all zero at t = 0; the result is the perturbative prediction
f₀ + γ₀²f₂ and kernel 2K^x + γ₀²(H₂ + G₂K^x).  Against the full kernel system of :mod:`.points_theory` it departs
at order γ₀⁴ (a check); where γ₀ is of order one it shows how far perturbation theory carries.

>>> import numpy as np
>>> X = np.eye(2, 3) * np.sqrt(3)
>>> f, K = perturbative_flow([0.0, 1.0], X, [1.0, 0.0], 0.5)
>>> f.shape, K.shape, bool(abs(f[1, 1]) < 1e-12)
((2, 2), (2, 2, 2), True)
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

import derivations.feature_learning.points_steps as ps
from derivations.feature_learning.points_theory import _inputs, integrate, symmetric
from numerics.bridge import to_numpy_many


@functools.cache
def _system(P: int):
    """The flows of f₀, f₂, H₂ (μ ≤ ν) and G₂ for this P, compiled (sums written out)."""
    eqs = ps.extended()["points-perturbation-series"]
    f0, f2 = ([sp.Symbol(f"{n}_{k}") for k in range(P)] for n in ("f0", "f2"))
    H2 = {(k, l): sp.Symbol(f"H2_{min(k, l)}_{max(k, l)}") for k in range(P) for l in range(P)}
    Kx = {(k, l): sp.Symbol(f"Kx_{min(k, l)}_{max(k, l)}") for k in range(P) for l in range(P)}
    y, G2 = [sp.Symbol(f"y_{k}") for k in range(P)], sp.Symbol("G2")
    table = {ps.f0_t: lambda a: f0[a[0]], ps.f2_t: lambda a: f2[a[0]], ps.H2_t: lambda a: H2[a[0], a[1]],
             ps.G2_t: lambda a: G2}

    def atom(q):
        if isinstance(q, sp.Indexed):
            k = [int(v) - 1 for v in q.indices]
            return Kx[tuple(k)] if q.base == ps.Kx else y[k[0]]
        return table[q.func]([int(v) - 1 for v in q.args[:-1]])

    def concrete(expr, **indices):
        e = expr.subs({getattr(ps, k): v for k, v in indices.items()}).subs(ps.P, P).doit()
        return sp.expand(e.replace(lambda q: isinstance(q, (sp.Indexed, sp.core.function.AppliedUndef)), atom))

    pairs = [(k, l) for k in range(P) for l in range(k, P)]
    rates = [concrete(eqs[0].rhs, nu=k + 1) for k in range(P)] + [concrete(eqs[1].rhs, nu=k + 1) for k in range(P)]
    rates += [concrete(eqs[2].rhs, mu=k + 1, nu=l + 1) for k, l in pairs] + [concrete(eqs[3].rhs)]
    state = f0 + f2 + [H2[p] for p in pairs] + [G2]
    return to_numpy_many(rates, state + y + [Kx[p] for p in pairs]), pairs


def perturbative_flow(times, X, y, gamma0):
    """(f₀ + γ₀²f₂ (T × P), 2K^x + γ₀²(H₂ + G₂K^x) (T × P × P)) at ``times``: perturbation theory to O(γ₀²) of the
    two-layer linear network on the rows of X with targets y (DOP853, rtol 1e-12)."""
    t, X, y, gamma0 = _inputs(times, X, y, gamma0)
    P = X.shape[0]
    gram = X @ X.T / X.shape[1]
    rhs, pairs = _system(P)
    rows, cols = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    fixed = [*y, *gram[rows, cols]]
    u0 = np.zeros(2 * P + len(pairs) + 1)
    u = integrate(rhs, u0, fixed, t, "perturbative_flow")
    H2 = symmetric(u[:, 2 * P:2 * P + len(pairs)], rows, cols, P)
    g2 = gamma0 ** 2
    return u[:, :P] + g2 * u[:, P:2 * P], 2 * gram + g2 * (H2 + u[:, -1, None, None] * gram)
