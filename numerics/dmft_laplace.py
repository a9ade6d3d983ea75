r"""The Laplace-domain route to the mean-field response functions, in high precision.

Kramp, Lindner, Helias, arXiv:2602.23039, as reconstructed in ``shared/reference/papers.md`` §1.
N modes with kernel eigenvalues Λ_i > 0, P samples, loss scale c > 0, weight decay g ≥ 0.  The
response of mode i and the collective kernel of the mean-field theory (K-3, K-4),

    dR_i/dt = −g R_i − cPΛ_i [R_i(t) − ∫_0^t ρ̃(t−s) R_i(s) ds],   R_i(0) = 1,
    ρ̃(t) = c S(t) − c ∫_0^t S(t−u) ρ̃(u) du,   S(t) = Σ_j Λ_j R_j(t),

become algebraic in the Laplace domain (K-5), ρ̂ = 1 − (Laplace transform of ρ̃):

    R̂_i(z) = 1/(z + g + cPΛ_i ρ̂(z)),   ρ̂(z) = 1/(1 + c Σ_j Λ_j R̂_j(z)).

With the renormalised ridge κ(z) = (z + g)/(cPρ̂(z)) they reduce to one scalar equation,

    κ (P − Df₁(κ)) = w,   w = (z + g)/c,   Df₁(κ) = Σ_j Λ_j/(Λ_j + κ),            (*)

and ρ̂ = 1 − Df₁(κ)/P = w/(Pκ),  R̂_i = 1/(cPρ̂ (Λ_i + κ)),  Ŝ = Σ_j Λ_j R̂_j = Df₁(κ)/(cPρ̂).
With P − Df₁(κ) = (P − N) + κ Σ_j 1/(Λ_j + κ) nothing cancels for P ≥ N (not even as κ → 0),
and ρ̂ is taken as w/(Pκ), which stays accurate where ρ̂ → 0 (P < N, z → −g).

**The physical branch, and why the selection is certified.**  Write (*) as f(κ) = w with
f(κ) = κP − Σ_jΛ_j + Σ_j Λ_j²/(Λ_j + κ); cleared of denominators it is a polynomial of degree
D + 1 (D distinct eigenvalues, leading coefficient P).  For real w > 0 all D + 1 roots are real
and simple: f runs from +∞ to −∞ between neighbouring poles −Λ_j (D − 1 roots), from +∞ at
−Λ_min to f(0) = 0 (one root in (−Λ_min, 0)), and f < 0 on (−∞, −Λ_max); one root is positive,
where f is convex and increasing (f'' = 2ΣΛ_j²/(Λ_j + κ)³ > 0).  That positive root is κ(z) for
real z > −g.  Moving w off the real axis moves each simple root by i Im(w)/f'(κ_r): only the
positive root (the only one with f' > 0) enters the upper half-plane.  A real κ gives a real f,
so no root can cross the real axis while Im w ≠ 0; hence for every w with Im w > 0 **exactly one
root has Im κ > 0**, and it is the analytic continuation of the positive root (conjugate for
Im w < 0).  A root found by any means is therefore the physical one iff sign Im κ = sign Im z,
and that is what is checked, with the rounding error of κ bounded (below) — a failed check
means more precision or a path continuation, never a silent wrong root.  Consequences tested in
``tests/numerics/test_dmft_laplace.py``: R̂_i(z̄) = conj R̂_i(z) and Im R̂_i(z) < 0 for Im z > 0
(Stieltjes property: R̂_i(z) = ∫ dμ_i(a)/(z + a) with μ_i ≥ 0 on [g, a_max]).

Root finding: a float predictor (Newton from the large-|w| guess κ ≈ (w + ΣΛ)/P, else an
adaptive continuation along the arc |w|e^{iφ} from the real positive root), then Newton at the
working precision plus 8 guard digits in the cancellation-free form κ ← (κ²Σ_jΛ_jq_j² + w)/f'(κ),
q_j = 1/(Λ_j + κ), then the certificate (the rounding error of f, divided by |f'|, must be below
|Im κ|).  If it fails, the continuation is repeated at the working precision, then everything at
the number of digits the error bound asks for (at least twice as many), up to three times,
before a :class:`~numerics.solvers.ConvergenceError` (z within rounding of the real axis, e.g.
z = 1 + 10⁻⁶⁰⁰⁰i).  Real z > −g uses Newton from the right on the convex increasing f, which
converges monotonically.  Cost at N = 100 (pure-Python mpmath): 3–5 ms per κ at 15–50 digits.

At z = −g (w = 0): κ = 0 for P ≥ N; for P < N κ is the positive root of Df₁(κ) = P and R̂ has a
pole there (the N − P zero modes of ΦᵀΦ); for P > N the transforms are finite there,
R̂_i = 1/(c(P − N)Λ_i); for P = N they are not (κ ~ (w/Σ_jΛ_j⁻¹)^{1/2}, a branch point).

**Inversion.**  :func:`invert_laplace` calls ``mpmath.invertlaplace`` (default: the fixed Talbot
contour, Abate & Valkó 2004), which evaluates F at ``M = ⌊1.38·⌊1.72·dps⌋⌋`` nodes
z_k = (r/t) θ_k (cot θ_k + i), r = 2M/5, at a working precision of ⌊1.72·dps⌋ digits; F must
compute at the precision in force when it is called (the functions here do).  Measured errors
(mpmath 1.3; ``tests/numerics/test_dmft_laplace.py`` checks them at dps = 15, 30, 50 with a
tolerance of 10^(3−dps)·max|f|):

* the error is *absolute*, about 10^(−dps−1)·max|f|, for e^{−at}, (1 − e^{−at})/a and for
  Σ_j w_j e^{−a_j t} with a_j over four decades (10⁻² … 10²) at t = 10⁻³ … 10⁴: no loss at
  large t·(spectral spread) in absolute terms.  The branch-cut pair √(z + a) − √z ↔
  (1 − e^{−at})/(2√π t^{3/2}), unbounded as t → 0, keeps about dps − 1 digits relative at
  t = 10⁻³;
* hence the *relative* error of an exponentially small value is not controlled: the four-decade
  sum keeps 15 digits at t = 10³ (dps 15, f ≈ 10⁻⁶) but none at t = 10⁴ (f ≈ 10⁻⁴⁵);
* the mean-field S(t) (N = P = 100, Λ_i = i^{−3/2}, c = 1, g = 0 or 0.1, P = 50, 100, 200),
  against a 60-digit inversion: relative error ≤ 10⁻¹⁶ (dps 15) and ≤ 10⁻³¹ (dps 30) at
  t = 10⁻² … 10⁴ wherever S(t) ≥ 10⁻⁶ S(0) (for g = 0, P ≤ N it decays slowly: S(10⁴) ≈ 0.003
  at P = N); 10⁻¹⁴ at S ≈ 10⁻⁹ S(0); values like S(10⁴) ≈ e^{−1000} (g = 0.1) are noise;
* singularities off the negative real axis must lie inside the contour, whose height is rπ/t:
  e^{−t} sin 2t ↔ 2/((z + 1)² + 4) is exact to the working precision up to t = 3 (dps 15) and
  t = 10 (dps 30, 50) and lost beyond (error 2·10⁻¹⁰ at t = 10, dps 15; 100 % at t = 30, dps 30);
  sin 2t ↔ 2/(z² + 4) is lost at t = 10 (dps 15) and t = 100 (dps 30, 50).  The mean-field
  transforms are analytic off (−∞, −g], so this does not concern them.

>>> import mpmath
>>> lam = [1, "0.5", "0.25"]
>>> with mpmath.workdps(30):
...     k = renormalized_ridge_at(1, lam, 4, "0.1", 1)
...     residual = k * (4 - sum(mpmath.mpf(l) / (mpmath.mpf(l) + k) for l in lam)) - mpmath.mpf("1.1")
...     abs(residual) < mpmath.mpf(10) ** -28
True
>>> r = response_transforms(2 + 1j, lam, 4, 0.1, 1)
>>> all(v.imag < 0 for v in r.R_hat)                  # Stieltjes: Im R̂_i < 0 for Im z > 0
True
>>> f = invert_laplace(lambda z: 1 / (z + 3), [0.5, 2.0])
>>> [mpmath.nstr(v, 12) for v in f]
['0.223130160148', '0.00247875217667']
"""
from __future__ import annotations

import cmath
import fractions
import math
import numbers
from dataclasses import dataclass

import mpmath

from .precision import DPS_MAX, validate_dps, workdps
from .solvers import ConvergenceError
from .validate import real

__all__ = [
    "ResponseTransforms",
    "renormalized_ridge_at",
    "response_transforms",
    "invert_laplace",
    "invert_laplace_vector",
]

_GUARD = 8                 # guard digits of the κ solve
_LADDER = 3                # precision raises before giving up on the branch certificate
_METHODS = ("talbot", "stehfest", "dehoog", "cohen")
_FLOAT_RANGE = (1e-250, 1e250)   # magnitudes the float predictor handles without over/underflow


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------

def _scalar(value):
    if getattr(value, "shape", None) == () and hasattr(value, "item"):    # NumPy scalar
        value = value.item()
    return value.strip() if isinstance(value, str) else value


def _complex(name, value):
    """``value`` (real or complex, also mpc or a string such as ``'1+2j'``) as mpf or mpc."""
    value = _scalar(value)
    message = f"{name} must be a finite real or complex number, got {value!r}"
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, fractions.Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    try:
        out = mpmath.mpmathify(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not isinstance(out, (mpmath.mpf, mpmath.mpc)) or not mpmath.isfinite(out):
        raise ValueError(message)
    if isinstance(out, mpmath.mpc) and out.imag == 0:
        out = out.real
    return out


def _eigenvalues(eigenvalues):
    if isinstance(eigenvalues, (str, bytes)) or not hasattr(eigenvalues, "__len__"):
        raise ValueError(f"eigenvalues must be a non-empty sequence of numbers > 0, "
                         f"got {eigenvalues!r}")
    values = list(eigenvalues)
    if not values:
        raise ValueError("eigenvalues must be a non-empty sequence of numbers > 0, got none")
    out = []
    for k, value in enumerate(values):
        lam = real(f"eigenvalues[{k}]", value)
        if lam <= 0:
            raise ValueError(f"eigenvalues must be > 0, got eigenvalues[{k}] = {value!r}")
        out.append(lam)
    return out


def _model(eigenvalues, P, weight_decay, loss_scale):
    """Eigenvalues, P, g, c as mpf at the precision in force; ValueError naming the culprit."""
    lam = _eigenvalues(eigenvalues)
    P, g, c = (real(n, v) for n, v in
               (("P", P), ("weight_decay", weight_decay), ("loss_scale", loss_scale)))
    if P <= 0:
        raise ValueError(f"P must be > 0, got {P!r}")
    if g < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay!r}")
    if c <= 0:
        raise ValueError(f"loss_scale must be > 0, got {loss_scale!r}")
    return lam, P, g, c


def _spectral_variable(z, g):
    """w = z + g (before the division by c); a real point of the cut (−∞, −g) is refused."""
    zz = _complex("z", z)
    w = zz + g
    if isinstance(w, mpmath.mpf) and w < 0:
        raise ValueError(f"z must not lie on the branch cut (-inf, -weight_decay) = "
                         f"(-inf, {mpmath.nstr(-g, 8)}) of the transforms, got {z!r}")
    return zz, w


# --------------------------------------------------------------------------
# The equation (*) and its derivative; works on floats/complex and on mpf/mpc alike
# --------------------------------------------------------------------------

def _equation(lam, P, w, kappa):
    """f(κ) − w, f'(κ) and the Newton point for f(κ) = w, with q_j = 1/(Λ_j + κ).

    f − w = κ D − w with the deficit D = P − Df₁(κ) = (P − N) + κ Σq, and
    f' = P − Σ_j Λ_j²/(Λ_j + κ)² = (P − N) + κ(Σq + T), T = Σ_j Λ_j q_j²,
    so the Newton point κ − (f − w)/f' = (κ² T + w)/f' (a sum of positive terms for real κ > 0
    and P ≥ N: no cancellation even where κ ≪ the eigenvalues).
    """
    s1 = t = 0
    for value in lam:
        q = 1 / (value + kappa)
        s1 += q
        t += value * q * q
    excess = P - len(lam)
    slope = excess + kappa * (s1 + t)
    new = (kappa * kappa * t + w) / slope if slope != 0 else None
    return kappa * (excess + kappa * s1) - w, slope, new


def _real_root(lam, P, w, start, tol, maxiter=200):
    """The root κ > 0 of f(κ) = w ≥ 0 (w = 0: the largest root, 0 when P ≥ N).

    Newton from the right on the convex increasing f: from a point with f(κ) ≥ w the iterates
    decrease monotonically to the root.  Starting points right of the root: (w + ΣΛ)/P (as
    κ Df₁(κ) < ΣΛ), for P > N also w/(P − N) (as f(κ) ≥ κ(P − N)), for P = N also
    (2wΛ_max/N)^{1/2} when it is ≤ Λ_max (as f(κ) ≥ κ²N/(Λ_max + κ)); and ``start`` if f ≥ w
    there.  The smallest is used.  Stops when the step is below ``tol``·κ or when rounding
    ends the monotone descent.
    """
    n = len(lam)
    candidates = [(w + sum(lam)) / P]
    if P > n and w > 0:
        candidates.append(w / (P - n))
    elif P == n and w > 0:
        largest = max(lam)
        root = (mpmath.sqrt if isinstance(w, mpmath.mpf) else math.sqrt)(2 * w * largest / n)
        if root <= largest:
            candidates.append(root)
    if start is not None and 0 < start < min(candidates) and _equation(lam, P, w, start)[0] >= 0:
        candidates.append(start)
    kappa = min(candidates)
    for _ in range(maxiter):
        value, slope, new = _equation(lam, P, w, kappa)
        if not value > 0 or not slope > 0 or not new < kappa:
            return kappa, True
        step, kappa = kappa - new, new
        if step <= tol * kappa:
            return kappa, True
    return kappa, False


def _newton(lam, P, w, kappa, tol, maxiter):
    """Complex Newton; a step that does not reduce |f − w| is halved (up to 30 times).

    Returns (κ, converged, |δ|, |f'(κ)|) where δ is the Newton step computed *at* the returned
    κ (its error estimate); converged: |δ| ≤ ``tol``·|κ|.  A critical point (f' = 0) or a pole
    hit exactly ends it unconverged.
    """
    try:
        return _newton_steps(lam, P, w, kappa, tol, maxiter)
    except ZeroDivisionError:
        return kappa, False, None, None


def _newton_steps(lam, P, w, kappa, tol, maxiter):
    value, slope, new = _equation(lam, P, w, kappa)
    for _ in range(maxiter):
        if new is None:
            return kappa, False, None, None
        step, trial = kappa - new, new
        if abs(step) <= tol * abs(kappa):
            return kappa, True, abs(step), abs(slope)
        for _ in range(30):
            result = _equation(lam, P, w, trial)
            if abs(result[0]) < abs(value) or abs(step) <= tol * abs(trial):
                break
            step = step / 2
            trial = kappa - step
        else:
            return kappa, False, abs(step), abs(slope)
        kappa, (value, slope, new) = trial, result
    return kappa, False, None, None


def _arc_continuation(lam, P, w, sign, tol, expj, arg, real_tol):
    """Continue the positive root at |w| along |w|e^{iφ}, φ: 0 → arg w, staying on one side.

    Tangent predictor dκ/dw = 1/f'(κ), Newton corrector; a step whose corrector does not
    converge or leaves the half-plane of sign Im w is halved.  None on failure.
    """
    radius, target = abs(w), arg(w)
    kappa, ok = _real_root(lam, P, radius, None, real_tol)
    if not ok or not kappa > 0:
        return None
    phi, w_now, h = 0 * target, radius, target / 4
    while phi != target:
        phi_new = target if abs(target - phi) <= abs(h) else phi + h
        w_new = radius * expj(phi_new)
        slope = _equation(lam, P, w_now, kappa)[1]
        guess = kappa + (w_new - w_now) / slope if slope != 0 else kappa
        trial, converged = _newton(lam, P, w_new, guess, tol, 8)[:2]
        if converged and sign * trial.imag > 0:
            phi, w_now, kappa = phi_new, w_new, trial
            h = h * 3 / 2
        else:
            h = h / 2
            if abs(h) < abs(target) * 1e-12:
                return None
    return kappa


# --------------------------------------------------------------------------
# The float predictor (cheap) and the certified solve at the working precision
# --------------------------------------------------------------------------

def _float_inputs(lam, P, w):
    lo, hi = _FLOAT_RANGE
    values = [float(v) for v in lam] + [float(P)]
    wf = complex(w)
    if not all(lo < v < hi for v in values) or not (lo < abs(wf) < hi):
        return None
    return values[:-1], values[-1], wf


def _float_predictor(lam, P, w):
    """κ to about 13 digits in floats, or None (range, convergence or branch not reached)."""
    inputs = _float_inputs(lam, P, w)
    if inputs is None:
        return None
    lam_f, P_f, w_f = inputs
    if w_f.imag == 0:
        kappa, ok = _real_root(lam_f, P_f, w_f.real, None, 1e-14)
        return kappa if ok and kappa > 0 else None
    sign = 1 if w_f.imag > 0 else -1
    kappa, converged = _newton(lam_f, P_f, w_f, (w_f + sum(lam_f)) / P_f, 1e-12, 60)[:2]
    if converged:
        kappa = _equation(lam_f, P_f, w_f, kappa)[2]          # one more step: ~16 digits
        if sign * kappa.imag > 1e-10 * abs(kappa):
            return kappa
    return _arc_continuation(lam_f, P_f, w_f, sign, 1e-12, lambda p: cmath.exp(1j * p),
                             cmath.phase, 1e-14)


def _error_bound(lam, P, w, kappa, step, slope):
    """A bound on |κ − κ_exact| from the Newton step at κ and the rounding of f.

    f = κ((P − N) + κΣq) − w is computed with an error of a few ε(|κ|(|P − N| + N·A) + |w|),
    A = max_j |κ/(Λ_j + κ)| = |κ|/min_j((Λ_j + Re κ)² + (Im κ)²)^{1/2}; divided by |f'(κ)| it
    bounds the error that rounding hides from the Newton step.
    """
    size = abs(kappa)
    nearest = min(abs(v + kappa.real) for v in lam)
    amplification = size / mpmath.sqrt(nearest ** 2 + kappa.imag ** 2)
    rounding = 10 * mpmath.mp.eps * (size * (abs(P - len(lam)) + len(lam) * amplification)
                                     + abs(w))
    return 2 * step + rounding / slope


def _certified_complex(lam, P, w, start):
    """Newton from ``start`` at the precision in force, then the branch certificate.

    Returns (κ, None) when sign Im κ = sign Im w beyond the error bound, else (None, the number
    of further digits that would resolve Im κ, or None when that cannot be told).
    """
    kappa, converged, step, slope = _newton(lam, P, w, mpmath.mpc(start), 8 * mpmath.mp.eps, 40)
    if not converged or kappa.imag == 0:
        return None, None
    sign = 1 if w.imag > 0 else -1
    bound = _error_bound(lam, P, w, kappa, step, slope)
    if sign * kappa.imag > bound:
        return kappa, None
    return None, int(mpmath.log10(bound / abs(kappa.imag))) + 4


class _Uncertified(ArithmeticError):
    """No root on the physical branch could be certified at this precision."""

    def __init__(self, more_digits):
        super().__init__(more_digits)
        self.more_digits = more_digits


def _solve(lam, P, w):
    """κ at the precision in force (the caller adds guard digits); mpf for real w, else mpc."""
    if w == 0:
        if P >= len(lam):
            return mpmath.mpf(0)
        kappa, ok = _real_root(lam, P, w, None, 4 * mpmath.mp.eps)
        if ok and kappa > 0:
            return kappa
        raise ConvergenceError(f"the root of Df1(kappa) = P was not found (P = {P})")
    predicted = _float_predictor(lam, P, w)
    if isinstance(w, mpmath.mpf):
        start = None if predicted is None else mpmath.mpf(predicted) * (1 + mpmath.mpf(2) ** -30)
        kappa, ok = _real_root(lam, P, w, start, 4 * mpmath.mp.eps)
        if ok and kappa > 0:
            return kappa
        raise ConvergenceError(f"the positive root of kappa (P - Df1(kappa)) = {w} was not "
                               f"found by the monotone Newton iteration")
    more = None
    if predicted is not None:
        kappa, more = _certified_complex(lam, P, w, predicted)
        if kappa is not None:
            return kappa
    if more is None:
        sign = 1 if w.imag > 0 else -1
        path = _arc_continuation(lam, P, w, sign, mpmath.mpf(10) ** (8 - mpmath.mp.dps),
                                 mpmath.expj, mpmath.arg, 4 * mpmath.mp.eps)
        if path is not None:
            kappa, more = _certified_complex(lam, P, w, path)
            if kappa is not None:
                return kappa
    raise _Uncertified(more)


def _kappa(z, eigenvalues, P, weight_decay, loss_scale):
    """Checked inputs and κ: (Λ, P, g, c, z, w = (z + g)/c, κ) as mpf/mpc.

    Works at the precision in force; when the branch certificate fails, the inputs are
    converted again and the solve repeated with more digits (what the error bound asks for,
    at least twice as many), up to ``_LADDER`` times and ``DPS_MAX`` digits.
    """
    digits = mpmath.mp.dps
    for _ in range(_LADDER + 1):
        with mpmath.workdps(digits):
            lam, P_, g, c = _model(eigenvalues, P, weight_decay, loss_scale)
            zz, shifted = _spectral_variable(z, g)
            w = shifted / c
            try:
                return lam, P_, g, c, zz, w, _solve(lam, P_, w)
            except _Uncertified as failure:
                more = failure.more_digits or 0
        if digits >= DPS_MAX:
            break
        digits = min(DPS_MAX, max(2 * digits, digits + more))
    raise ConvergenceError(
        f"kappa(z) at z = {z!r}: no root on the physical branch (sign Im kappa = sign Im z) "
        f"could be certified with up to {digits} digits; z is too close to the real axis "
        f"for the precision")


def renormalized_ridge_at(z, eigenvalues, P, weight_decay, loss_scale):
    r"""κ(z), the physical root of κ (P − Σ_j Λ_j/(Λ_j + κ)) = (z + g)/c, at the working precision.

    The renormalised ridge of the Laplace form (K-5) of the mean-field theory of Kramp,
    Lindner, Helias, arXiv:2602.23039 (``shared/reference/papers.md`` §1): κ(z) = (z + g)/(cPρ̂(z)).
    The physical branch is the positive root for real z > −g and its analytic continuation to
    the plane cut along (−∞, −g]; a root is accepted only when sign Im κ = sign Im z, which
    singles it out (module docstring: exactly one root lies in each open half-plane).

    ``eigenvalues`` (Λ_j > 0: floats, ints, decimal strings, fractions or mpf, converted at the
    working precision plus guard digits), ``P > 0``, ``weight_decay`` g ≥ 0, ``loss_scale``
    c > 0; ``z`` real or complex, not on the cut z < −g.  Returns an mpf for real z, else an
    mpc, at ``mp.dps``.  z = −g: κ = 0 for P ≥ N, the root of Σ_j Λ_j/(Λ_j + κ) = P for P < N.
    Raises ``ValueError`` for bad input and :class:`~numerics.solvers.ConvergenceError` when
    no root on the branch can be certified (z within rounding of the real axis).

    Equal eigenvalues, P = 2, κ from the quadratic κ² P + κ(P − N − w) − w = 0 (Λ = 1, N = 1):

    >>> import mpmath
    >>> with mpmath.workdps(25):
    ...     k = renormalized_ridge_at(1j, [1], 2, 0, 1)
    ...     exact = ((-1 + 1j) + mpmath.sqrt((1 - 1j) ** 2 + 8j)) / 4
    ...     abs(k - exact) < mpmath.mpf(10) ** -23
    True
    >>> renormalized_ridge_at(0, [1, 1, 1], 2, 0, 1)      # P < N, g = 0: 3/(1 + κ) = P
    mpf('0.5')
    """
    with workdps(mpmath.mp.dps + _GUARD):
        kappa = _kappa(z, eigenvalues, P, weight_decay, loss_scale)[-1]
    return +kappa


@dataclass(frozen=True)
class ResponseTransforms:
    """The Laplace transforms (K-5) at one z: κ(z), ρ̂(z), R̂_i(z) (one per mode), Ŝ(z)."""

    z: object
    kappa: object
    rho_hat: object
    R_hat: tuple
    S_hat: object


def response_transforms(z, eigenvalues, P, weight_decay, loss_scale) -> ResponseTransforms:
    r"""κ(z), ρ̂(z), R̂_i(z) and Ŝ(z) of the mean-field theory (K-5), at the working precision.

    ρ̂ = 1 − (1/P)Σ_jΛ_j/(Λ_j + κ) = (z + g)/(cPκ),  R̂_i = 1/(cPρ̂(Λ_i + κ)),
    Ŝ = Σ_j Λ_j R̂_j = Df₁(κ)/(cPρ̂), with κ = :func:`renormalized_ridge_at` (same arguments);
    they satisfy R̂_i = 1/(z + g + cPΛ_iρ̂) and ρ̂ = 1/(1 + cŜ) (Kramp, Lindner, Helias,
    arXiv:2602.23039, ``shared/reference/papers.md`` §1).  At z = −g the transforms are finite
    only for P > N (κ = 0, ρ̂ = 1 − N/P, R̂_i = 1/(c(P − N)Λ_i)); for P ≤ N that point is a pole
    or branch point and raises ``ValueError``.

    >>> import mpmath
    >>> r = response_transforms(3, [1, 1], 4, 0, 1)         # isotropic: ρ̂ = 1/(1 + cŜ)
    >>> abs(r.rho_hat - 1 / (1 + r.S_hat)) < 1e-14, len(r.R_hat)
    (True, 2)
    >>> response_transforms(0, [1, 1], 4, 0, "0.5").R_hat    # P > N, z = −g: 1/(c(P − N)Λ_i)
    (mpf('1.0'), mpf('1.0'))
    """
    with workdps(mpmath.mp.dps + _GUARD):
        lam, P_, g, c, zz, w, kappa = _kappa(z, eigenvalues, P, weight_decay, loss_scale)
        if w == 0:
            if P_ <= len(lam):
                kind = "pole" if P_ < len(lam) else "branch point"
                raise ValueError(f"z = -weight_decay is a {kind} of the transforms when P <= N "
                                 f"(P = {P}, N = {len(lam)}); z must differ from {mpmath.nstr(-g, 8)}")
            deficit = P_ - len(lam)
        else:
            deficit = w / kappa                      # = P − Df₁(κ) = Pρ̂, free of cancellation
        scale = 1 / (c * deficit)
        R_hat = tuple(scale / (v + kappa) for v in lam)
        S_hat = sum(v * r for v, r in zip(lam, R_hat))
        rho_hat = deficit / P_
    return ResponseTransforms(+zz, +kappa, +rho_hat, tuple(+v for v in R_hat), +S_hat)


# --------------------------------------------------------------------------
# Numerical inversion
# --------------------------------------------------------------------------

def _times(times):
    single = (isinstance(times, (str, numbers.Number, mpmath.mpf))
              or getattr(times, "shape", None) == ())
    values = [times] if single else list(times)
    if not values:
        raise ValueError("times must be a non-empty sequence of numbers > 0, got none")
    out = []
    for k, value in enumerate(values):
        t = real(f"times[{k}]", value)
        if t <= 0:
            raise ValueError(f"times must be > 0 (the inversion is not defined at t <= 0), "
                             f"got times[{k}] = {value!r}")
        out.append(t)
    return out


def _method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


def invert_laplace(F, times, dps=None, method="talbot"):
    r"""f(t) from its Laplace transform F(z) = ∫_0^∞ e^{−zt} f(t) dt, at each t > 0: a list of mpf.

    ``mpmath.invertlaplace`` with ``method`` (default the fixed Talbot contour; also
    ``'stehfest'``, ``'dehoog'``, ``'cohen'``), at ``dps`` digits (default ``mp.dps``).  F takes
    an mpc and returns a number; it is called at a working precision raised by the method
    (Talbot: ⌊1.72·dps⌋ digits) and must compute at the precision in force.  Precision reached
    (Talbot, measured, see the module docstring): absolute error about 10^(−dps−1)·max|f| for
    transforms analytic off the negative real axis; relative accuracy of exponentially small
    f(t) is not controlled.  ``ValueError`` for t ≤ 0, a bad ``dps`` or ``method``.
    Used here for the mean-field responses of arXiv:2602.23039 (K-5 → K-3, K-4).

    >>> import mpmath
    >>> f = invert_laplace(lambda z: 1 / (z * (z + 2)), ["0.5"], dps=30)[0]
    >>> with mpmath.workdps(30):
    ...     abs(f - (1 - mpmath.exp(-1)) / 2) < mpmath.mpf(10) ** -29
    True
    """
    if not callable(F):
        raise ValueError(f"F must be callable (complex z -> F(z)), got {F!r}")
    method = _method(method)
    digits = mpmath.mp.dps if dps is None else validate_dps(dps)
    with workdps(digits):
        ts = _times(times)
        return [+mpmath.invertlaplace(F, t, method=method) for t in ts]


def invert_laplace_vector(F, times, dps=None, method="talbot"):
    r"""Invert every component of a vector transform F(z) = (F_1(z), …, F_m(z)) with one set of nodes.

    As :func:`invert_laplace` (same precision), but F returns a sequence and is evaluated once
    per node (values cached by z) — worth it when one evaluation yields all components, as
    :func:`response_transforms` does.  Returns ``out[i][k] = f_k(times[i])`` (lists of mpf).

    >>> import mpmath
    >>> out = invert_laplace_vector(lambda z: (1 / (z + 1), 1 / (z + 2)), [1])
    >>> [mpmath.nstr(v, 10) for v in out[0]]
    ['0.3678794412', '0.1353352832']
    """
    if not callable(F):
        raise ValueError(f"F must be callable (complex z -> sequence), got {F!r}")
    method = _method(method)
    digits = mpmath.mp.dps if dps is None else validate_dps(dps)
    with workdps(digits):
        ts = _times(times)
        out = []
        for t in ts:
            values = _NodeCache(F)
            row = [+mpmath.invertlaplace(lambda z: values(z)[0], t, method=method)]
            row += [+mpmath.invertlaplace(lambda z, k=k: values(z)[k], t, method=method)
                    for k in range(1, values.width)]
            out.append(row)
        return out


class _NodeCache:
    """F(z) as a tuple, computed once per node z; all tuples of one length (``width``)."""

    def __init__(self, F):
        self.F, self.values, self.width = F, {}, None

    def __call__(self, z):
        key = (z.real, z.imag) if isinstance(z, mpmath.mpc) else (z, 0)
        if key not in self.values:
            try:
                result = tuple(self.F(z))
            except TypeError:
                raise ValueError("F must return a sequence of numbers") from None
            if self.width is None:
                self.width = len(result)
            if not result or len(result) != self.width:
                raise ValueError("F must return non-empty sequences of one length at every z")
            self.values[key] = result
        return self.values[key]
