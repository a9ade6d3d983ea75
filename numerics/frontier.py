"""Compute-optimal frontiers: minimise a loss over the width at fixed compute, with no power-law ansatz.

>>> f = minimise_over_width([1e4], lambda c, N: N ** -1.0 + (c / N) ** -0.5, lambda c: (0.0, math.log(c)))
>>> round(float(f[0][0]), 2)                  # d/dN (1/N + (N/C)^½) = 0: N* = (4C)^(1/3) = 34.2
34.2
"""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize

__all__ = ["minimise_over_width"]


def _bounded(f, a, b, xatol):
    return optimize.minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": xatol})


def minimise_over_width(compute, loss, bounds, xatol: float = 1e-4):
    """For each budget C (increasing order of work), the width N* in exp(bounds(C)) minimising ``loss(C, N)``:
    bounded Brent in log N to ``xatol``; the previous optimum warm-starts a bracket [N*_prev, N*_prev·C/C_prev]
    (kept only if its optimum is interior).  Returns (N*, L*) arrays; a minimum at an end of the interval (no
    interior optimum) raises ValueError naming the budget."""
    C = np.asarray(compute, dtype=float)
    width, best = np.empty(C.size), np.empty(C.size)
    previous = None
    for i in np.argsort(C):
        c = C[i]
        f = lambda x, c=c: math.log(loss(c, math.exp(x)))
        lo, hi = bounds(c)
        res = None
        if previous is not None:
            x0, c0 = previous
            a_, b_ = max(lo, x0 - 0.05), min(hi, x0 + math.log(c / c0) + 0.05)
            if b_ - a_ > 20 * xatol:
                trial = _bounded(f, a_, b_, xatol)
                if trial.success and min(trial.x - a_, b_ - trial.x) >= 10 * xatol:
                    res = trial
        if res is None:
            res = _bounded(f, lo, hi, xatol)
        if not res.success or min(res.x - lo, hi - res.x) < 10 * xatol:
            raise ValueError(f"compute={c:g}: no interior optimum of the loss over N in [{math.exp(lo):.4g}, "
                             f"{math.exp(hi):.4g}] (found N = {math.exp(res.x):.4g})")
        width[i], best[i] = math.exp(res.x), math.exp(res.fun)
        previous = (res.x, c)
    return width, best
