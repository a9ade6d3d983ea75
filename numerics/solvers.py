"""Root finding and fixed points that report instead of just returning.

Every solver returns a frozen result record and raises
:class:`ConvergenceError` (carrying that record) when it did not converge: an
unconverged iterate is never handed back as if it were an answer.  Each takes
a ``backend``: ``"float64"`` (NumPy/SciPy) or ``"mpmath"`` (the precision in
force, see :mod:`numerics.precision`; tolerances follow that precision).

=========================  ==================================================
:func:`find_root_bracketed`  scalar root inside a sign-changing bracket
:func:`fixed_point`          damped iteration ``x <- (1-d) g(x) + d x``
:func:`find_root_vector`     root of a system ``F(x) = 0`` from a start point
:func:`anderson_fixed_point` fixed point of an array map, Anderson-accelerated
=========================  ==================================================

>>> import mpmath
>>> with mpmath.workdps(30):
...     r = find_root_bracketed(lambda x: x**2 - 2, 1, 2, backend="mpmath")
...     abs(r.root - mpmath.sqrt(2)) < mpmath.mpf(10)**-28
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from scipy import optimize

from .precision import tolerance

__all__ = [
    "ConvergenceError",
    "RootResult",
    "FixedPointResult",
    "find_root_bracketed",
    "fixed_point",
    "find_root_vector",
    "anderson_fixed_point",
]

_BACKENDS = ("float64", "mpmath")


@dataclass(frozen=True)
class RootResult:
    """A root, ``|f(root)|`` (max-norm for systems), work done and status."""

    root: Any
    residual: Any
    iterations: int
    converged: bool
    method: str
    message: str


@dataclass(frozen=True)
class FixedPointResult:
    """A fixed point, the size of the last step, work done and status."""

    x: Any
    residual: Any
    iterations: int
    converged: bool
    message: str


class ConvergenceError(RuntimeError):
    """A solver did not converge; ``.result`` holds its (unconverged) record."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


def _check_backend(backend):
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")


def _check_maxiter(maxiter):
    if isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    return int(maxiter)


def _fail(result):
    raise ConvergenceError(result.message, result)


# --------------------------------------------------------------------------
# Bracketed scalar roots
# --------------------------------------------------------------------------

def _bracket_values(f, lo, hi, num):
    """Evaluate ``f`` at the bracket ends; ``ValueError`` unless signs differ."""
    lo, hi = num(lo), num(hi)
    flo, fhi = num(f(lo)), num(f(hi))
    finite = all(abs(v) < float("inf") for v in (flo, fhi))
    if not finite or (flo != 0 and fhi != 0 and (flo > 0) == (fhi > 0)):
        raise ValueError(f"f must change sign over the bracket [{lo}, {hi}]: "
                         f"f(lo)={flo}, f(hi)={fhi}")
    return lo, hi, flo, fhi


def _root_record(f, root, iterations, converged, method, ends, detail):
    """Build the record; a residual above both bracket ends is a failure."""
    residual = abs(f(root))
    if converged and not residual <= max(abs(v) for v in ends):
        converged = False
        detail = "residual is not below the bracket-end values (discontinuity?)"
    status = "converged" if converged else "did not converge"
    message = (f"{method} {status} after {iterations} iterations: "
               f"root={root}, residual={residual}; {detail}")
    return RootResult(root, residual, iterations, converged, method, message)


def find_root_bracketed(f, lo, hi, *, backend="float64", xtol=None, rtol=None,
                        maxiter=200) -> RootResult:
    """Root of a scalar ``f`` in ``[lo, hi]`` where ``f`` changes sign.

    Stops when the bracket width is at most ``xtol + rtol |x|``.  Defaults
    make the *relative* tolerance govern (``xtol`` is tiny), so a root of
    size ``1e-12`` is found to full relative precision; give ``xtol`` when
    the root may be exactly zero.

    * ``"float64"``: :func:`scipy.optimize.brentq`, ``rtol = 4 eps``.
    * ``"mpmath"``: Illinois (regula falsi) with a bisection safeguard at the
      current ``mp.dps``, ``rtol = 8 mp.eps``.

    Raises ``ValueError`` (naming the bracket) if ``f(lo)`` and ``f(hi)``
    have the same sign, :class:`ConvergenceError` if not converged or if the
    residual shows a discontinuity rather than a root.

    >>> r = find_root_bracketed(lambda x: x - 1e-12, 0.0, 1.0)
    >>> abs(r.root - 1e-12) <= 4e-28
    True
    """
    _check_backend(backend)
    maxiter = _check_maxiter(maxiter)
    if backend == "float64":
        result = _brentq(f, lo, hi, xtol, rtol, maxiter)
    else:
        result = _illinois(f, lo, hi, xtol, rtol, maxiter)
    return result if result.converged else _fail(result)


def _brentq(f, lo, hi, xtol, rtol, maxiter):
    lo, hi, flo, fhi = _bracket_values(f, lo, hi, float)
    xtol = 1e-300 if xtol is None else float(xtol)
    rtol = 4 * np.finfo(float).eps if rtol is None else float(rtol)
    root, info = optimize.brentq(f, lo, hi, xtol=xtol, rtol=rtol, maxiter=maxiter,
                                 full_output=True, disp=False)
    return _root_record(lambda x: float(f(x)), float(root), info.iterations,
                        bool(info.converged), "brentq", (flo, fhi),
                        f"scipy flag: {info.flag}")


def _illinois(f, lo, hi, xtol, rtol, maxiter):
    a, b, fa, fb = _bracket_values(f, lo, hi, mpmath.mpf)
    xtol = mpmath.mpf(0) if xtol is None else mpmath.mpf(xtol)
    rtol = 8 * mpmath.mp.eps if rtol is None else mpmath.mpf(rtol)
    ends, side, width_before = (fa, fb), 0, abs(b - a)
    x, fx = (a, fa) if abs(fa) <= abs(fb) else (b, fb)
    for it in range(1, maxiter + 1):
        if fx == 0 or abs(b - a) <= xtol + rtol * abs(x):
            return _root_record(f, x, it - 1, True, "illinois", ends, "bracket closed")
        x = _illinois_point(a, b, fa, fb, it, width_before)
        fx = mpmath.mpf(f(x))
        if (fx > 0) == (fb > 0):
            b, fb, fa, side = x, fx, (fa / 2 if side == -1 else fa), -1
        else:
            a, fa, fb, side = x, fx, (fb / 2 if side == 1 else fb), 1
        if it % 3 == 0:
            width_before = abs(b - a)
    return _root_record(f, x, maxiter, False, "illinois", ends,
                        f"bracket width {mpmath.nstr(abs(b - a), 5)}")


def _illinois_point(a, b, fa, fb, it, width_before):
    """Regula-falsi point, or the midpoint when it is outside or stalling."""
    mid = (a + b) / 2
    if it % 3 == 0 and abs(b - a) > width_before / 2:
        return mid
    x = (a * fb - b * fa) / (fb - fa)
    return x if min(a, b) < x < max(a, b) else mid


# --------------------------------------------------------------------------
# Fixed points
# --------------------------------------------------------------------------

def _as_state(x, backend):
    """Scalar or 1-D vector in the backend's number type."""
    if backend == "float64":
        return np.asarray(x, dtype=float) if np.ndim(x) else float(x)
    if isinstance(x, (list, tuple, np.ndarray, mpmath.matrix)):
        return [mpmath.mpmathify(v) for v in x]
    return mpmath.mpmathify(x)


def _max_abs(x):
    values = x if isinstance(x, list) else np.ravel(x) if np.ndim(x) else [x]
    return max(abs(v) for v in values)


def _combine(gx, x, damping):
    if isinstance(x, list):
        return [(1 - damping) * a + damping * b for a, b in zip(gx, x)]
    return (1 - damping) * gx + damping * x


def _difference(a, b):
    if isinstance(a, list):
        return [u - v for u, v in zip(a, b)]
    return a - b


def _finite(x):
    values = x if isinstance(x, list) else np.ravel(x) if np.ndim(x) else [x]
    return all(mpmath.isfinite(v) for v in values)


def fixed_point(g, x0, *, tol=None, maxiter=1000, damping=0.0,
                backend="float64") -> FixedPointResult:
    """Iterate ``x_{n+1} = (1 - damping) g(x_n) + damping x_n`` to a fixed point.

    ``x`` is a scalar or a 1-D vector (a NumPy array for ``"float64"``, a
    list of ``mpf`` for ``"mpmath"``).  Converged when
    ``max|x_{n+1} - x_n| <= tol (1 + max|x_{n+1}|)``; ``tol`` defaults to
    ``1e-13`` (float64) or :func:`~numerics.precision.tolerance` (mpmath).
    ``residual`` is the size of the last step.  Raises
    :class:`ConvergenceError` after ``maxiter`` steps, or at once on NaN/inf.

    >>> import math
    >>> r = fixed_point(math.cos, 1.0)
    >>> round(r.x, 12)
    0.739085133215
    """
    _check_backend(backend)
    maxiter = _check_maxiter(maxiter)
    if not 0 <= damping < 1:
        raise ValueError(f"damping must be in [0, 1), got {damping!r}")
    if tol is None:
        tol = 1e-13 if backend == "float64" else tolerance()
    x = _as_state(x0, backend)
    for it in range(1, maxiter + 1):
        new = _combine(_as_state(g(x), backend), x, damping)
        step = _max_abs(_difference(new, x))
        if not (_finite(new) and mpmath.isfinite(step)):
            _fail(FixedPointResult(new, step, it, False,
                                   f"fixed_point hit a non-finite value at iteration {it}"))
        x = new
        if step <= tol * (1 + _max_abs(x)):
            return FixedPointResult(x, step, it, True, f"converged in {it} iterations")
    _fail(FixedPointResult(x, step, maxiter, False,
                           f"fixed_point did not converge in {maxiter} iterations "
                           f"(last step {step}, tol {tol})"))


def anderson_fixed_point(g, x0, *, tol, maxiter=400, memory=5) -> FixedPointResult:
    """A fixed point x = g(x) of a map of float64 arrays by Anderson mixing (Walker & Ni, SIAM J. Numer. Anal.
    49, 1715 (2011)): the next point is g(x_k) − ΔG γ with γ the least-squares fit of the last ``memory``
    residual differences ΔR γ ≈ r_k, r = g(x) − x.  Converged when max|g(x) − x| <= ``tol`` (absolute);
    ``iterations`` counts the calls of g.  A step whose residual grows tenfold restarts the history.  Raises
    :class:`ConvergenceError` after ``maxiter`` calls, or at once on NaN/inf.

    >>> import numpy as np
    >>> r = anderson_fixed_point(np.cos, np.array([1.0, 0.5]), tol=1e-12)
    >>> r.converged, bool(np.allclose(r.x, 0.7390851332151607)), r.iterations < 20
    (True, True, True)
    """
    maxiter, memory = _check_maxiter(maxiter), _check_maxiter(memory)
    x = np.array(x0, dtype=float)
    values, residuals = [], []
    residual = np.inf
    for it in range(1, maxiter + 1):
        gx = np.asarray(g(x), dtype=float)
        r = gx - x
        previous, residual = residual, float(np.max(np.abs(r)))
        if not np.isfinite(residual):
            _fail(FixedPointResult(x, residual, it, False, f"anderson_fixed_point hit a non-finite value at call {it}"))
        if residual <= tol:
            return FixedPointResult(x, residual, it, True, f"converged in {it} calls")
        if residual > 10 * previous:
            values, residuals = [], []
        values, residuals = (values + [gx.ravel()])[-(memory + 1):], (residuals + [r.ravel()])[-(memory + 1):]
        if len(residuals) > 1:
            dR, dG = np.diff(np.array(residuals), axis=0).T, np.diff(np.array(values), axis=0).T
            gamma = np.linalg.lstsq(dR, r.ravel(), rcond=None)[0]
            x = (gx.ravel() - dG @ gamma).reshape(gx.shape)
        else:
            x = gx
    _fail(FixedPointResult(x, residual, maxiter, False, f"anderson_fixed_point did not converge in {maxiter} "
                           f"calls (last residual {residual:.3g}, tol {tol:g})"))


# --------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------

def find_root_vector(F, x0, *, backend="float64", tol=None, maxiter=100) -> RootResult:
    """Root of a system ``F(x) = 0`` near ``x0``, verified by its residual.

    ``F`` takes one vector (NumPy array for ``"float64"``, list of ``mpf`` for
    ``"mpmath"``) and returns a sequence of the same length.  ``"float64"``
    uses ``scipy.optimize.root(method="hybr")``, ``"mpmath"`` uses
    ``mpmath.findroot`` (multidimensional Newton).  The answer is accepted only
    if ``max|F(x)| <= tol`` (default ``1e-10`` for float64,
    :func:`~numerics.precision.tolerance` for mpmath), else
    :class:`ConvergenceError`.  ``iterations`` counts evaluations of ``F``.

    >>> r = find_root_vector(lambda v: [v[0] + v[1] - 3, v[0] - v[1] - 1], [0.0, 0.0])
    >>> [round(float(c), 12) for c in r.root]
    [2.0, 1.0]
    """
    _check_backend(backend)
    maxiter = _check_maxiter(maxiter)
    if backend == "float64":
        result = _hybr(F, x0, 1e-10 if tol is None else tol, maxiter)
    else:
        result = _mdnewton(F, x0, tolerance() if tol is None else tol, maxiter)
    return result if result.converged else _fail(result)


def _vector_record(root, residual, calls, tol, method, detail):
    converged = bool(residual <= tol)
    status = "converged" if converged else "did not converge"
    message = (f"{method} {status} after {calls} evaluations: "
               f"residual={residual}, tol={tol}; {detail}")
    return RootResult(root, residual, calls, converged, method, message)


def _hybr(F, x0, tol, maxiter):
    x0 = np.atleast_1d(np.asarray(x0, dtype=float))
    sol = optimize.root(lambda v: np.asarray(F(v), dtype=float), x0, method="hybr",
                        options={"maxfev": maxiter * (x0.size + 1)})
    residual = float(np.max(np.abs(np.asarray(F(sol.x), dtype=float))))
    if not np.isfinite(residual):
        residual = float("inf")
    return _vector_record(sol.x, residual, int(sol.nfev), tol, "hybr", sol.message)


def _mdnewton(F, x0, tol, maxiter):
    calls = [0]

    def wrapped(*xs):
        calls[0] += 1
        return [mpmath.mpmathify(v) for v in F(list(xs))]

    start = [mpmath.mpmathify(v) for v in x0]
    try:
        x = mpmath.findroot(wrapped, start, maxsteps=maxiter, multidimensional=True,
                            verify=False)
        root = [x[i] for i in range(len(start))]
        residual = max(abs(v) for v in F(root))
        detail = "mpmath.findroot (MDNewton)"
    except (ArithmeticError, ValueError) as exc:
        root, residual, detail = start, mpmath.inf, f"mpmath.findroot failed: {exc}"
    if mpmath.isnan(residual):
        residual = mpmath.inf
    return _vector_record(root, residual, calls[0], tol, "mdnewton", detail)
