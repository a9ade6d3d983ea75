"""The block ODEs of online SGD in high precision (mpmath): right-hand side and fixed points.

The same equations as :func:`numerics.committee_ode.block_rhs`, at the working precision
``mpmath.mp.dps`` (Worschech & Rosenow, arXiv:2410.09005; Saad & Solla 1995):

    dr_m/dα = ηλ_m (A r_m + B t_m),
    dq_m/dα = ηλ_m (A q_m + q_m Aᵀ + B r_mᵀ + r_m Bᵀ) + η²λ_m f_m E,

with (A, B, E) = ``coefficients(Q1, R1, T1)`` of the first-order overlaps X1 = Σ_m λ_m x_m, a
callable that returns mpmath matrices at the working precision (for the generated equations,
:meth:`derivations.online_sgd.CompiledCommittee.coefficients_mp`).  States are lists of mpmath
matrices, one per block.  :func:`block_fixed_point_mp` solves dq = dr = 0 for all blocks at
once by Newton's method (``mpmath.findroot``) and reports its residual; a root that is not
found to the requested tolerance raises :class:`~numerics.solvers.ConvergenceError`.

>>> import mpmath
>>> coef = lambda Q1, R1, T1: (-mpmath.eye(1), mpmath.eye(1), mpmath.eye(1))
>>> dq, dr = block_rhs_mp([mpmath.zeros(1)], [mpmath.zeros(1)], [mpmath.eye(1)], [1], [1], "0.5", coef)
>>> float(dq[0][0, 0]), float(dr[0][0, 0])                 # η²λf E, ηλ B t
(0.25, 0.5)
"""
from __future__ import annotations

import mpmath

from .solvers import ConvergenceError

__all__ = ["first_order_mp", "block_rhs_mp", "block_fixed_point_mp"]


def _matrices(xs, name, shape=None):
    out = [mpmath.matrix(x) for x in xs]
    if not out:
        raise ValueError(f"{name} must hold one matrix per block (at least one block)")
    shapes = {(x.rows, x.cols) for x in out}
    if len(shapes) != 1 or (shape is not None and shapes != {shape}):
        want = f" of shape {shape}" if shape is not None else " of one shape"
        raise ValueError(f"{name} must be matrices{want}, got shapes {sorted(shapes)}")
    return out


def _spectrum(eigenvalues, fractions, L):
    lam = [mpmath.mpf(v) for v in eigenvalues]
    f = [mpmath.mpf(v) for v in fractions]
    if len(lam) != L or len(f) != L:
        raise ValueError(f"eigenvalues and fractions must have one value per block ({L}), "
                         f"got {len(lam)} and {len(f)}")
    if any(v <= 0 for v in lam) or any(v <= 0 for v in f):
        raise ValueError("eigenvalues and fractions must be > 0, i.e. in (0, inf)")
    return lam, f


def first_order_mp(xs, eigenvalues):
    """X1 = Σ_m λ_m x_m of block matrices ``xs``.

    >>> first_order_mp([mpmath.eye(1), mpmath.eye(1)], [2, "0.5"])[0, 0]
    mpf('2.5')
    """
    total = mpmath.zeros(xs[0].rows, xs[0].cols)
    for lam, x in zip(eigenvalues, xs):
        total += mpmath.mpf(lam) * x
    return total


def block_rhs_mp(q, r, t, eigenvalues, fractions, eta, coefficients):
    """(dq/dα, dr/dα) per block at the working precision (module docstring for the equations)."""
    t = _matrices(t, "t")
    M = t[0].rows
    q = _matrices(q, "q")
    K = q[0].rows
    q = _matrices(q, "q", (K, K))
    r = _matrices(r, "r", (K, M))
    if not (len(q) == len(r) == len(t)):
        raise ValueError(f"q, r and t must have the same number of blocks, got {len(q)}, {len(r)}, {len(t)}")
    lam, f = _spectrum(eigenvalues, fractions, len(q))
    eta = mpmath.mpf(eta)
    if not eta > 0:
        raise ValueError(f"eta must be > 0, got {eta}")
    A, B, E = coefficients(first_order_mp(q, lam), first_order_mp(r, lam), first_order_mp(t, lam))
    dq, dr = [], []
    for qm, rm, tm, lm, fm in zip(q, r, t, lam, f):
        Aq, Br = A * qm, B * rm.T
        dr.append(eta * lm * (A * rm + B * tm))
        dq.append(eta * lm * (Aq + Aq.T + Br + Br.T) + eta ** 2 * lm * fm * E)
    return dq, dr


def _pack(q, r):
    K = q[0].rows
    out = []
    for qm, rm in zip(q, r):
        out += [qm[i, k] for i in range(K) for k in range(i, K)]
        out += [rm[i, n] for i in range(rm.rows) for n in range(rm.cols)]
    return out


def _unpack(values, L, K, M):
    q, r, pos = [], [], 0
    for _ in range(L):
        qm = mpmath.zeros(K, K)
        for i in range(K):
            for k in range(i, K):
                qm[i, k] = qm[k, i] = values[pos]
                pos += 1
        rm = mpmath.zeros(K, M)
        for i in range(K):
            for n in range(M):
                rm[i, n] = values[pos]
                pos += 1
        q.append(qm)
        r.append(rm)
    return q, r


def block_fixed_point_mp(q0, r0, t, eigenvalues, fractions, eta, coefficients, tol=None):
    """Fixed point (q, r) of the block ODEs near (q0, r0) by Newton's method at the working precision.

    Returns ``(q, r, residual)`` with residual = max |dq/dα, dr/dα| / (ηλ_max) at the root.  ``tol``
    (default ε^(3/4) of the working precision) bounds that residual; a larger one raises
    ConvergenceError.

    >>> coef = lambda Q1, R1, T1: (-mpmath.eye(1), mpmath.eye(1), mpmath.zeros(1))
    >>> q, r, res = block_fixed_point_mp([mpmath.zeros(1)], [mpmath.zeros(1)], [mpmath.eye(1)], [1], [1],
    ...                                  "0.1", coef)
    >>> r[0][0, 0], q[0][0, 0]                                 # r = t, q = r
    (mpf('1.0'), mpf('1.0'))
    """
    t = _matrices(t, "t")
    q0, r0 = _matrices(q0, "q0"), _matrices(r0, "r0")
    L, K, M = len(t), q0[0].rows, t[0].rows
    lam, _ = _spectrum(eigenvalues, fractions, L)
    scale = mpmath.mpf(eta) * max(lam)
    tol = mpmath.eps ** mpmath.mpf(0.75) if tol is None else mpmath.mpf(tol)

    def residuals(*values):
        q, r = _unpack(values, L, K, M)
        dq, dr = block_rhs_mp(q, r, t, eigenvalues, fractions, eta, coefficients)
        return [v / scale for v in _pack(dq, dr)]

    try:
        root = mpmath.findroot(residuals, _pack(q0, r0), tol=tol ** 2)
    except (ZeroDivisionError, ValueError) as exc:           # findroot: ValueError when not converged
        raise ConvergenceError(f"Newton's method for the block fixed point failed: {exc}") from None
    values = list(root) if isinstance(root, mpmath.matrix) else [root]
    residual = max(abs(v) for v in residuals(*values))
    if not residual <= tol:
        raise ConvergenceError(f"block fixed point not found: residual {mpmath.nstr(residual, 3)} > tol "
                               f"{mpmath.nstr(tol, 3)} at dps = {mpmath.mp.dps}")
    q, r = _unpack(values, L, K, M)
    return q, r, residual
