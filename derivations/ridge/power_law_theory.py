"""The ridge theory with an infinite power-law spectrum, exactly.

η_k = k^(−α), w̄_k²η_k = k^(−(1+2αr)), k = 1, 2, … ∞. Every spectral sum of the
``ridge-regression`` and ``linear-random-features`` statements becomes c(κ)·Σ_k k^(−β)(1 + κk^α)^(−b)
after inserting the spectrum (done symbolically on the statements' summands, nothing retyped),
and that sum is evaluated to the working precision, tails included, by
:func:`numerics.power_law_sums.power_law_sum` — no truncation. The outer formulas are the
compiled statements of the two entries (:mod:`derivations.ridge.theory`,
:mod:`derivations.random_features.theory`).

With infinitely many modes D drops out of every formula except the random-feature
normalisation N_l/D; here projections are normalised per width (entries of variance 1/N_l),
so the ridge and κ₁ are those of the D-normalised theory times ∏_l D/N_l and the equation reads
κ₂(1 − Df₁/P)∏_l(1 − Df₁/N_l) = λ with Df₁ = Σ_k η_k/(η_k+κ₂).

>>> s = PowerLawSpectrum(alpha=1.5, r=0.4)
>>> res = ridge_learning_curve(s, P=1e8, ridge=0, dps=30)
>>> float(res.kappa) < 1e-11, float(res.E_g) < 1e-8
(True, True)
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from derive.spectral import ETA, K, WBAR
from numerics.bridge import to_mpmath
from numerics.power_law_sums import power_law_sum
from numerics.precision import validate_dps, workdps
import derivations.ridge.steps as rr
from derivations.ridge.theory import RidgeResult, _compiled, log_root
from numerics import validate
from numerics.solvers import ConvergenceError


@dataclass(frozen=True)
class PowerLawSpectrum:
    """η_k = k^(−α) (capacity α > 1) and w̄_k²η_k = k^(−(1+2αr)) (source r > 0), k ≥ 1.

    >>> PowerLawSpectrum(alpha=1.0, r=0.5)
    Traceback (most recent call last):
    ...
    ValueError: alpha (capacity) must be > 1: Σ_k k^(−α) diverges for α ≤ 1, got 1.0
    """

    alpha: float
    r: float

    def __post_init__(self):
        values = []
        for name, v in (("alpha", self.alpha), ("r", self.r)):
            x = validate.real(name, v)                # refuses bools, complex numbers, NaN and inf
            if isinstance(v, np.generic):            # NumPy scalars as Python numbers (mpmath reads those)
                object.__setattr__(self, name, v.item())
            elif isinstance(v, numbers.Rational) and not isinstance(v, numbers.Integral):   # a Fraction
                object.__setattr__(self, name, x)
            values.append(x)
        a, r = values
        if not mpmath.isfinite(a) or a <= 1:
            raise ValueError(f"alpha (capacity) must be > 1: Σ_k k^(−α) diverges for α ≤ 1, got {self.alpha!r}")
        if not mpmath.isfinite(r) or r <= 0:
            raise ValueError(f"r (source) must be > 0: the teacher's power Σ_k w̄_k²η_k diverges for r ≤ 0, "
                             f"got {self.r!r}")

    def arrays(self, D: int):
        """The first D modes as float64 arrays (η, w̄), for finite-D theory and simulation."""
        k = np.arange(1, D + 1, dtype=float)
        eta = k ** -float(self.alpha)
        return eta, np.sqrt(k ** -(1 + 2 * float(self.alpha) * float(self.r)) / eta)


_ALPHA, _R, _KAPPA = sp.Symbol("alpha", positive=True), sp.Symbol("r", positive=True), sp.Symbol("kappa_", positive=True)
_KI = sp.Symbol("k", positive=True, integer=True)


class PowerLawSum:
    """A spectral ``Sum`` of the statements with the power law inserted: c(κ)·T(β, α, b; κ)."""

    def __init__(self, sum_expr: sp.Sum, kappa: sp.Symbol):
        summand = sum_expr.function.subs(kappa, _KAPPA)
        summand = summand.subs(WBAR[K] ** 2, _KI ** (-(1 + 2 * _ALPHA * _R)) / ETA[K]).subs(ETA[K], _KI ** (-_ALPHA))
        summand = sp.powsimp(sp.factor(sp.powsimp(sp.expand_power_base(summand.subs(K, _KI), force=True), force=True)),
                             force=True)
        w0, w1, w2 = (sp.Wild(n, exclude=[_KI]) for n in ("w0", "w1", "w2"))
        m = summand.match(w0 * _KI ** w1 * (1 + _KAPPA * _KI ** _ALPHA) ** w2)
        if m is None or m[w0] == 0:
            raise ValueError(f"not of the form c·k^(−β)(1 + κk^α)^(−b): {summand}")
        self.beta_expr, self.b = sp.simplify(-m[w1]), -m[w2]
        self._coef = to_mpmath(m[w0], [_KAPPA, _ALPHA, _R])
        self._beta = to_mpmath(self.beta_expr, [_ALPHA, _R])

    def __call__(self, spectrum: PowerLawSpectrum, kappa):
        a, r = mpmath.mpf(spectrum.alpha), mpmath.mpf(spectrum.r)
        beta = self._beta(a, r)
        return self._coef(kappa, a, r) * power_law_sum(beta, a, self.b, kappa, dps=mpmath.mp.dps)


@functools.cache
def _ridge_sums():
    return {"S1": PowerLawSum(rr.SUM_DF1, rr.kappa), "S2": PowerLawSum(rr.SUM_DF2, rr.kappa),
            "T": PowerLawSum(rr.SUM_TF1P, rr.kappa)}


def positive(name, v, allow_zero=False):
    """``v`` as an mpf at the working precision (:func:`numerics.validate.real`: ints, floats, NumPy
    scalars, Fractions, decimal strings), > 0 (≥ 0 with ``allow_zero``); ValueError naming ``name``."""
    x = validate.real(name, v)
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be finite and {'≥ 0' if allow_zero else '> 0'}, got {v!r}")
    return x


def solve_increasing(g, guess):
    """Root of g(κ), increasing in κ: bracket by decades around ``guess`` and solve in log κ
    (mpmath, relative accuracy at the working precision)."""
    lo = hi = guess
    for _ in range(400):
        if g(lo) < 0:
            break
        lo /= 10
    else:
        raise ConvergenceError("no κ with a negative residual found below the guess")
    for _ in range(400):
        if g(hi) > 0:
            break
        hi *= 10
    else:
        raise ConvergenceError("no κ with a positive residual found above the guess")
    return log_root(g, lo, hi, True)


def solve_above_floor(g, floor, start):
    """Root of g, increasing on [floor, ∞), with g(floor) = −λ < 0 because a factor vanishes at the floor.
    The bracket starts at the floor: below it an even number of negative factors (P = N) makes the left
    side positive again, a spurious root. A computed g(floor) ≥ 0 is the rounding of the vanishing deficit:
    λ moves κ₂ off the floor by less than the floor's own precision, and κ₂ is the floor."""
    if not g(floor) < 0:
        return floor, None
    hi = max(start, 2 * floor)
    for _ in range(400):
        if g(hi) > 0:
            return log_root(g, floor, hi, True)
        hi *= 10
    raise ConvergenceError("no κ with a positive residual found above the floor")


def kappa_guess(spectrum, M):
    """(C₁/M)^α with C₁ = π/(α sin(π/α)): the leading-order ridgeless root (ridge-exponents). For M < 1 at
    most ζ(α)/M = Σ η/M, above the root (Σ η/(η+κ) < Σ η/κ) and close to it as M → 0, where (C₁/M)^α lies
    too many decades above the root for the bracket search of :func:`solve_increasing` (large α, tiny M)."""
    a = mpmath.mpf(spectrum.alpha)
    guess = (mpmath.pi / (a * mpmath.sin(mpmath.pi / a)) / M) ** a
    return min(guess, mpmath.zeta(a) / M) if M < 1 else guess


def ridge_learning_curve(spectrum: PowerLawSpectrum, P, ridge, noise_variance=0, dps=30):
    """Ridge-regression learning curve (``ridge-regression``) for the infinite power law, at ``dps`` digits.

    κ solves κ(1 − Σ_k η_k/(η_k+κ)/P) = λ (the ridgeless root of Σ η/(η+κ) = P when λ = 0);
    returns a :class:`derivations.ridge.theory.RidgeResult` with mpmath numbers (df1 is the
    unnormalised Df₁ = Σ_k η_k/(η_k+κ), since D = ∞).
    """
    if not isinstance(spectrum, PowerLawSpectrum):
        raise TypeError(f"spectrum must be a PowerLawSpectrum(alpha, r), got {spectrum!r}")
    with workdps(validate_dps(dps)):
        P, lam, sig2 = positive("P", P), positive("ridge", ridge, True), positive("noise_variance", noise_variance, True)
        S = _ridge_sums()
        floor, root = solve_increasing(lambda k: P - S["S1"](spectrum, k), kappa_guess(spectrum, P))
        if lam > 0:
            # κ(P − Df₁(κ))/P − λ increases from −λ at the ridgeless root
            f = lambda k: k * (P - S["S1"](spectrum, k)) / P - lam
            kappa, root = solve_increasing(f, max(floor, lam) * 2)
        else:
            kappa = floor
        c = _compiled()
        S1, S2, T = (S[n](spectrum, kappa) for n in ("S1", "S2", "T"))
        gamma, omg = S2 / P, (P - S2) / P
        sigma = mpmath.sqrt(sig2)
        values = dict(kappa=kappa, omg=omg, gamma=gamma, T=T)
        E_g = c["E_g"](mp=True, sigma=sigma, **values)
        # ridgeless with infinitely many modes (D = ∞ > P): interpolation, the training error is exactly 0
        train = lam / kappa if lam > 0 else mpmath.mpf(0)
        E_tr = c["E_tr"](mp=True, train=train, E_g=E_g, sigma=sigma)
        return RidgeResult(P, lam, kappa, gamma, E_g, E_tr, c["bias2"](mp=True, kappa=kappa, T=T),
                           c["var_X"](mp=True, **values), c["var_X_noise"](mp=True, omg=omg, gamma=gamma, sigma=sigma),
                           S1, root)


