"""The linear-random-feature theory with an infinite power-law spectrum, exactly.

The spectral sums of the ``linear-random-features`` statements with the power law inserted
(:class:`derivations.ridge.PowerLawSum`, symbolic on the statements' summands), evaluated to the
working precision by :func:`numerics.power_law_sums.power_law_sum`; the outer formulas are the
compiled statements (:mod:`derivations.random_features.theory`).

With infinitely many modes D drops out of every formula except the random-feature
normalisation N_l/D; here projections are normalised per width (entries of variance 1/N_l),
so the ridge and κ₁ are those of the D-normalised theory times ∏_l D/N_l and the equation reads
κ₂(1 − Df₁/P)∏_l(1 − Df₁/N_l) = λ with Df₁ = Σ_k η_k/(η_k+κ₂).

>>> from derivations.ridge import PowerLawSpectrum
>>> res = rf_learning_curve(PowerLawSpectrum(alpha=1.5, r=0.4), P=1e4, N=1e3, ridge=0, dps=20)
>>> bool(0 < res.E_g < 1)
True
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

import derivations.random_features.steps as lrf
from derivations.random_features.theory import RandomFeatureResult, _compiled, _guarded, _partial
from derivations.ridge import PowerLawSpectrum, PowerLawSum, kappa_guess, positive, solve_above_floor, solve_increasing
from numerics.precision import validate_dps, workdps


@functools.cache
def _rf_sums():
    return {"S1": PowerLawSum(lrf.SUM_DF1, lrf.k2), "S2": PowerLawSum(lrf.SUM_DF2, lrf.k2),
            "slope": PowerLawSum(lrf.SUM_SLOPE, lrf.k2), "T1p": PowerLawSum(lrf.SUM_TF1P, lrf.k2),
            "T1": PowerLawSum(lrf.SUM_TF1, lrf.k2), "T2": PowerLawSum(lrf.SUM_TF2, lrf.k2)}


def rf_learning_curve(spectrum: PowerLawSpectrum, P, N, ridge, noise_variance=0, dps=30):
    """Linear-random-feature learning curve (``linear-random-features``) for the infinite power law.

    ``N`` is a width or a list of widths; the projections are normalised per width (see the module
    docstring), so κ₂ solves κ₂(1 − Df₁/P)∏_l(1 − Df₁/N_l) = λ. ``P = inf`` gives the infinite-data
    (width-limited) limit, where E_g is the projection's own error E_F B₁ at κ₁ = λ. Returns a
    :class:`derivations.random_features.theory.RandomFeatureResult` of mpmath numbers (df1 unnormalised).
    """
    if not isinstance(spectrum, PowerLawSpectrum):
        raise TypeError(f"spectrum must be a PowerLawSpectrum(alpha, r), got {spectrum!r}")
    with workdps(validate_dps(dps)):
        several = isinstance(N, (list, tuple)) or (isinstance(N, np.ndarray) and N.ndim > 0)
        widths = [positive("N", n.item() if isinstance(n, np.generic) else n) for n in (list(N) if several else [N])]
        if not widths:
            raise ValueError("N (widths) must not be empty")
        infinite_data = P in (math.inf, mpmath.inf) or (isinstance(P, str) and P.strip() in ("inf", "oo"))
        P = mpmath.inf if infinite_data else positive("P", P)
        lam, sig2 = positive("ridge", ridge, True), positive("noise_variance", noise_variance, True)
        S = _rf_sums()
        Ms = ([] if infinite_data else [P]) + widths
        narrowest = min(Ms)
        floor, root = solve_increasing(lambda k: narrowest - S["S1"](spectrum, k), kappa_guess(spectrum, narrowest))
        frac = lambda M, k: 1 if M == mpmath.inf else (M - S["S1"](spectrum, k)) / M

        def lhs(k):
            return k * frac(P, k) * mpmath.fprod(frac(n, k) for n in widths)
        if lam > 0:
            kappa2, solved = solve_above_floor(lambda k: lhs(k) - lam, floor, max(floor, lam) * 2)
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
