"""Error control of the block-ODE integrator in terms of the generalisation error ε_g.

Used by :func:`numerics.committee_ode.integrate_block_odes` when it is given
``generalization_error``; the derivation of the criterion is in that module's docstring
("Tolerance on ε_g").  Here: the gradient of ε_g with respect to the packed first-order state
x = Σ_m λ_m s_m (forward differences of the user's callable), and the normalised error

    err_ε = Σ_m |λ_m ∇ε·e_m| / (eps_rtol·min(|ε(s_0)|, |ε(s_1)|) + eps_atol)

of a step's estimate e (L, d); to the user's eps_atol (default 0) the image of the round-off of
the estimate, ROUNDOFF·u·S_g, S_g = Σ_m λ_m Σ_i |∂ε/∂x_i| |s_m,i|, is always added.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .solvers import ConvergenceError

#: forward-difference step of the gradient, relative to max(|x_i|, 1e-3·max|x|): √u
FD_STEP = 2.0 ** -26
#: round-off of an error estimate, in units of u·|s| per component (the step's d² products and the
#: conditioning of the eigen route): its image in ε is part of the default eps_atol
ROUNDOFF = 64.0
_U = np.finfo(float).eps / 2


def check_eps_controls(generalization_error, eps_rtol, eps_atol, rtol_range):
    """Validate the ε_g control arguments (ValueError naming the argument)."""
    if generalization_error is None:
        if eps_rtol is not None or eps_atol is not None:
            raise ValueError("eps_rtol and eps_atol need generalization_error (a callable "
                             "(Q1, R1, T1) -> eps_g), got None")
        return
    if not callable(generalization_error):
        raise ValueError(f"generalization_error must be None or a callable (Q1, R1, T1) -> eps_g, "
                         f"got {generalization_error!r}")
    if eps_rtol is not None and (isinstance(eps_rtol, bool) or not isinstance(eps_rtol, numbers.Real)
                                 or not rtol_range[0] <= eps_rtol <= rtol_range[1]):
        raise ValueError(f"eps_rtol must be None or in [{rtol_range[0]}, {rtol_range[1]}], "
                         f"got {eps_rtol!r}")
    if eps_atol is not None and (isinstance(eps_atol, bool) or not isinstance(eps_atol, numbers.Real)
                                 or not (math.isfinite(eps_atol) and eps_atol >= 0)):
        raise ValueError(f"eps_atol must be None or a finite value >= 0, i.e. in [0, inf), "
                         f"got {eps_atol!r}")


class EpsControl:
    """ε_g, its gradient in x = λ @ s and the normalised ε error of a step's estimate.

    ``layout`` packs the state (numerics.committee_ode._Layout), ``lam`` the block eigenvalues,
    ``T1`` the teacher's first-order overlap; ``fn(Q1, R1, T1)`` the user's ε_g; ``evaluations``
    counts its calls.
    """

    def __init__(self, fn, layout, lam, T1, rtol, eps_atol):
        self.fn, self.layout, self.lam, self.T1 = fn, layout, lam, T1
        self.rtol, self.eps_atol = rtol, eps_atol
        self.evaluations = 0

    def value(self, s):
        """ε_g at packed state s (L, d); nan when the callable gives a non-finite or non-real value."""
        return self._of_x(self.lam @ s)

    def _of_x(self, x):
        self.evaluations += 1
        Q1, R1, T1 = self.layout.overlaps_from_first_order(x, self.T1)
        try:
            e = float(self.fn(Q1, R1, T1))
        except (TypeError, ValueError):
            raise ValueError("generalization_error must return a real number") from None
        return e if math.isfinite(e) else math.nan

    def at(self, s, eps=None, alpha=0.0):
        """(ε, ∂ε/∂x (d,), the ε tolerance's absolute part) at an accepted state s.

        Forward differences in every component of x (d + 1 calls, or d when ε is known); each
        step h_i = √u·max(|x_i|, 1e-3·max|x|) changes Q1 or R1 symmetrically (vech entries).
        """
        x = self.lam @ s
        e0 = self._of_x(x) if eps is None else eps
        if not math.isfinite(e0):
            raise ConvergenceError(f"generalization_error returned a non-finite value at alpha = {alpha!r}")
        top = float(np.max(np.abs(x))) or 1.0
        grad = np.empty_like(x)
        for i in range(len(x)):
            h = FD_STEP * max(abs(float(x[i])), 1e-3 * top)
            xp = x.copy()
            xp[i] += h
            grad[i] = (self._of_x(xp) - e0) / (xp[i] - x[i])
        if not np.all(np.isfinite(grad)):
            raise ConvergenceError(f"generalization_error is not differentiable (non-finite forward "
                                   f"difference) at alpha = {alpha!r}")
        floor = self.eps_atol + ROUNDOFF * _U * float(np.abs(grad) @ (self.lam @ np.abs(s)))
        return e0, grad, floor

    def error(self, frame, s1, est):
        """(normalised ε error of the estimate, ε(s1)); inf when ε(s1) is not finite."""
        e0, grad, floor = frame
        e1 = self.value(s1)
        if not math.isfinite(e1):
            return math.inf, e1
        with np.errstate(invalid="ignore", over="ignore"):
            num = float(np.sum(self.lam * np.abs(est @ grad)))
        scale = self.rtol * min(abs(e0), abs(e1)) + floor
        if not math.isfinite(num):
            return math.inf, e1
        return (num / scale if scale > 0 else (math.inf if num > 0 else 0.0)), e1
