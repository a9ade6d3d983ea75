"""The ridge and random-feature theory with an infinite power-law spectrum, exactly.

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
import math
import numbers
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from derive.spectral import ETA, K, WBAR
from numerics.bridge import to_mpmath
from numerics.power_law_sums import power_law_sum
from numerics.precision import validate_dps, workdps
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
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, str, mpmath.mpf)):
                raise ValueError(f"{name} must be a real number, got {v!r}")
            if isinstance(v, np.generic):            # NumPy scalars as Python numbers (mpmath reads those)
                v = v.item()
                object.__setattr__(self, name, v)
            try:
                values.append(mpmath.mpf(v))
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a real number, got {v!r}") from None
        a, r = values
        if not mpmath.isfinite(a) or a <= 1:
            raise ValueError(f"alpha (capacity) must be > 1: Σ_k k^(−α) diverges for α ≤ 1, got {self.alpha!r}")
        if not mpmath.isfinite(r) or r <= 0:
            raise ValueError(f"r (source) must be > 0: the teacher's power Σ_k w̄_k²η_k diverges for r ≤ 0, "
                             f"got {self.r!r}")

    def arrays(self, D: int):
        """The first D modes as float64 arrays (η, w̄), for finite-D theory and simulation."""
        import numpy as np
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
    from derivations.ridge import steps as rr
    return {"S1": PowerLawSum(rr.SUM_DF1, rr.kappa), "S2": PowerLawSum(rr.SUM_DF2, rr.kappa),
            "T": PowerLawSum(rr.SUM_TF1P, rr.kappa)}


@functools.cache
def _rf_sums():
    from derivations.random_features import steps as lrf
    return {"S1": PowerLawSum(lrf.SUM_DF1, lrf.k2), "S2": PowerLawSum(lrf.SUM_DF2, lrf.k2),
            "slope": PowerLawSum(lrf.SUM_SLOPE, lrf.k2), "T1p": PowerLawSum(lrf.SUM_TF1P, lrf.k2),
            "T1": PowerLawSum(lrf.SUM_TF1, lrf.k2), "T2": PowerLawSum(lrf.SUM_TF2, lrf.k2)}


def _positive(name, v, allow_zero=False):
    if isinstance(v, bool):
        raise ValueError(f"{name} must be a real number, got {v!r}")
    try:
        x = mpmath.mpf(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {v!r}") from None
    if not mpmath.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be finite and {'≥ 0' if allow_zero else '> 0'}, got {v!r}")
    return x


def _solve_increasing(g, guess):
    """Root of g(κ), increasing in κ: bracket by decades around ``guess`` and solve in log κ
    (mpmath, relative accuracy at the working precision)."""
    from derivations.ridge.theory import _log_root
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
    return _log_root(g, lo, hi, True)


def _solve_above_floor(g, floor, start):
    """Root of g, increasing on [floor, ∞), with g(floor) = −λ < 0 because a factor vanishes at the floor.
    The bracket starts at the floor: below it an even number of negative factors (P = N) makes the left
    side positive again, a spurious root. A computed g(floor) ≥ 0 is the rounding of the vanishing deficit:
    λ moves κ₂ off the floor by less than the floor's own precision, and κ₂ is the floor."""
    from derivations.ridge.theory import _log_root
    if not g(floor) < 0:
        return floor, None
    hi = max(start, 2 * floor)
    for _ in range(400):
        if g(hi) > 0:
            return _log_root(g, floor, hi, True)
        hi *= 10
    raise ConvergenceError("no κ with a positive residual found above the floor")


def _kappa_guess(spectrum, M):
    """(C₁/M)^α with C₁ = π/(α sin(π/α)): the leading-order ridgeless root (ridge-exponents)."""
    a = mpmath.mpf(spectrum.alpha)
    return (mpmath.pi / (a * mpmath.sin(mpmath.pi / a)) / M) ** a


def ridge_learning_curve(spectrum: PowerLawSpectrum, P, ridge, noise_variance=0, dps=30):
    """Ridge-regression learning curve (``ridge-regression``) for the infinite power law, at ``dps`` digits.

    κ solves κ(1 − Σ_k η_k/(η_k+κ)/P) = λ (the ridgeless root of Σ η/(η+κ) = P when λ = 0);
    returns a :class:`derivations.ridge.theory.RidgeResult` with mpmath numbers (df1 is the
    unnormalised Df₁ = Σ_k η_k/(η_k+κ), since D = ∞).
    """
    from derivations.ridge.theory import RidgeResult, _compiled
    with workdps(validate_dps(dps)):
        P, lam, sig2 = _positive("P", P), _positive("ridge", ridge, True), _positive("noise_variance", noise_variance, True)
        S = _ridge_sums()
        floor, root = _solve_increasing(lambda k: P - S["S1"](spectrum, k), _kappa_guess(spectrum, P))
        if lam > 0:
            # κ(P − Df₁(κ))/P − λ increases from −λ at the ridgeless root
            f = lambda k: k * (P - S["S1"](spectrum, k)) / P - lam
            kappa, root = _solve_increasing(f, max(floor, lam) * 2)
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


def rf_learning_curve(spectrum: PowerLawSpectrum, P, N, ridge, noise_variance=0, dps=30):
    """Linear-random-feature learning curve (``linear-random-features``) for the infinite power law.

    ``N`` is a width or a list of widths; the projections are normalised per width (see the module
    docstring), so κ₂ solves κ₂(1 − Df₁/P)∏_l(1 − Df₁/N_l) = λ. ``P = inf`` gives the infinite-data
    (width-limited) limit, where E_g is the projection's own error E_F B₁ at κ₁ = λ. Returns a
    :class:`derivations.random_features.theory.RandomFeatureResult` of mpmath numbers (df1 unnormalised).
    """
    from derivations.random_features.theory import RandomFeatureResult, _compiled, _guarded, _partial
    with workdps(validate_dps(dps)):
        several = isinstance(N, (list, tuple)) or (isinstance(N, np.ndarray) and N.ndim > 0)
        widths = [_positive("N", n.item() if isinstance(n, np.generic) else n) for n in (list(N) if several else [N])]
        if not widths:
            raise ValueError("N (widths) must not be empty")
        infinite_data = P in (math.inf, mpmath.inf) or (isinstance(P, str) and P.strip() in ("inf", "oo"))
        P = mpmath.inf if infinite_data else _positive("P", P)
        lam, sig2 = _positive("ridge", ridge, True), _positive("noise_variance", noise_variance, True)
        S = _rf_sums()
        Ms = ([] if infinite_data else [P]) + widths
        narrowest = min(Ms)
        floor, root = _solve_increasing(lambda k: narrowest - S["S1"](spectrum, k), _kappa_guess(spectrum, narrowest))
        frac = lambda M, k: 1 if M == mpmath.inf else (M - S["S1"](spectrum, k)) / M

        def lhs(k):
            return k * frac(P, k) * mpmath.fprod(frac(n, k) for n in widths)
        if lam > 0:
            kappa2, solved = _solve_above_floor(lambda k: lhs(k) - lam, floor, max(floor, lam) * 2)
            root = solved or root
        else:
            kappa2 = floor
        return _rf_values(spectrum, P, widths, lam, sig2, kappa2, root, S, _compiled(), _guarded, _partial,
                          RandomFeatureResult, infinite_data)


def _rf_values(spectrum, P, widths, lam, sig2, kappa2, root, S, c, guarded, partial_of, Result, infinite_data):
    v = {n: S[n](spectrum, kappa2) for n in S}
    S1 = v["S1"]
    Ms = ([] if infinite_data else [P]) + widths
    narrowest = min(Ms)
    # the narrowest deficit sets the floor of κ₂: 0 ridgeless; for λ > 0 it is small and M − Df₁ has an
    # absolute rounding error ~ε·M, so it is taken from the equation λ = κ₂ ∏_j g_j/M_j, exact at the root
    # (g^m = λ ∏_{narrowest} M_j/(κ₂ ∏_{others} g_j/M_j), the m narrowest deficits being equal)
    others = mpmath.fprod((M - S1) / M for M in Ms if M != narrowest)
    m = sum(1 for M in Ms if M == narrowest)
    pinned = mpmath.root(lam * narrowest ** m / (kappa2 * others), m) if lam > 0 else mpmath.mpf(0)
    gap = lambda M: pinned if M == narrowest else M - S1
    gaps = [gap(n) for n in widths]
    part, omp = partial_of(v["slope"], gaps, kappa2, True)
    sigma = mpmath.sqrt(sig2)
    if infinite_data:                       # q = D/P → 0: γ₁ = γ₂ = 0, κ₁ = λ
        gamma1 = gamma2 = mpmath.mpf(0)
        omg1 = omg2 = mpmath.mpf(1)
        g_P, train = mpmath.inf, mpmath.mpf(1)
    else:
        g_P = gap(P)
        gamma1 = c["gamma1"](mp=True, q=1 / P, d1=S1, d2=v["S2"], partial=part)     # D = 1: homogeneous in D
        omg1 = c["omg1"](mp=True, g_P=g_P, partial=part, slope=v["slope"], P=P)
        gamma2, omg2 = c["gamma2"](mp=True, q=1 / P, d2=v["S2"]), (P - v["S2"]) / P
        train = c["train"](mp=True, g_P=g_P, P=P)
    kappa1 = c["kappa1"]([{"gap": g, "D": n} for g, n in zip(gaps, widths)], mp=True, kappa2=kappa2)
    vals = dict(kappa2=kappa2, partial=part, omp=omp, gamma1=gamma1, omg1=omg1, gamma2=gamma2, omg2=omg2, sigma=sigma,
                slope=v["slope"], P=P, T1p=v["T1p"], T1=v["T1"], T2=v["T2"])
    out = {n: guarded(c[n], vals, True) for n in ("E_g", "E_ginf", "bias2", "var_X", "var_F", "var_XF",
                                                  "var_X_noise", "var_XF_noise")}
    E_tr = c["E_tr"](mp=True, train=train, E_g=out["E_g"], sigma=sigma) if train != 0 else mpmath.mpf(0)
    return Result(P, tuple(widths), lam, kappa1, kappa2, part, gamma1, gamma2, out["E_g"], E_tr, out["E_ginf"],
                  out["bias2"], out["var_X"], out["var_F"], out["var_XF"], out["var_X_noise"], out["var_XF_noise"],
                  S1, root)
