"""The symbols of ``feature-learning-dmft`` shared by its step modules: sizes, indices, the network's weights and
fields (arXiv:2205.09653 Eq. 1).

>>> N.is_integer, str(W[l, i, j])
(True, 'W[l, i, j]')
"""
from __future__ import annotations

import sympy as sp

N, D, P, L = sp.symbols("N D P L", positive=True, integer=True)
gamma0 = sp.Symbol("gamma_0", positive=True)
t, s = sp.symbols("t s", nonnegative=True)
l, i, j, k, b, mu, nu = sp.symbols("l i j k b mu nu", positive=True, integer=True)
W0, W, w, x, h, g, f, y = (sp.IndexedBase(n, real=True) for n in ("W^0", "W", "w", "x", "h", "g", "f", "y"))
phi = sp.Function("phi")
loss, rate, Delta = sp.Symbol("L_loss"), sp.Symbol("eta_theta"), sp.IndexedBase("Delta", real=True)
