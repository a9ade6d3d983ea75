"""Numbers from the linear-random-features derivation: κ₂, κ₁, ∂, γ₁, γ₂ and the learning curve.

Every formula evaluated here is compiled from a statement of ``linear-random-features``
(:mod:`derivations.random_features.steps`) or, for γ₂'s complement and the ridgeless root,
of ``ridge-regression``. The factors of the κ₂ equation are written through the deficits
g_M = M − Σ_k η_k/(η_k+κ₂) (``deficits``), each evaluated mode by mode without cancellation
(the per-mode split of :func:`derivations.ridge.theory._deficit`). A float64 evaluation
that overflows or turns invalid is redone at 30 digits and rounded.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import mpmath
import numpy as np
import sympy as sp

from derivations.engine.spectral_eval import Formula, SpectralSum
import derivations.random_features.steps as lrf
from derivations.ridge import (FALLBACK_DPS, broadcast_points, checked_array, checked_scalar, is_finite, log_root,
                               one_minus_gamma, real_input, rounded_fields, solve_kappa, validate_inputs)
from numerics.precision import validate_dps, workdps
from numerics.solvers import ConvergenceError, RootResult


@dataclass(frozen=True)
class RandomFeatureResult:
    """Deterministic-equivalent quantities of linear random features at one (P, N, λ)."""

    P: float
    N: tuple
    ridge: float
    kappa1: object
    kappa2: object
    partial: object
    gamma1: object
    gamma2: object
    E_g: object
    E_tr: object
    E_g_infinite_ensemble: object
    bias2: object
    var_X: object
    var_F: object
    var_XF: object
    var_X_noise: object
    var_XF_noise: object
    df1: object
    root: RootResult | None = None

    def ensemble_error(self, K: int):
        """E_g of an ensemble of K projections on the same data: E_g^∞ + (E_g − E_g^∞)/K (ensemble-average)."""
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
            raise ValueError(f"K (ensemble size) must be a positive integer, got {K!r}")
        if self.E_g_infinite_ensemble == math.inf:     # E_g ≥ E_g^∞ = ∞ (P = D ≤ N with noise): ∞ − ∞ is no number
            return self.E_g_infinite_ensemble
        return _compiled()["E_gK"](mp=isinstance(self.E_g, mpmath.mpf), E_g=self.E_g,
                                   E_ginf=self.E_g_infinite_ensemble, K=K)


class _LayerFormula:
    """An expression with one layer Sum or Product: the per-layer term and the outer expression are
    compiled separately; the layer reduction (fsum or product) is done on the numbers."""

    def __init__(self, expr, atoms: dict, layer_atoms: dict):
        (node,) = [n for n in sp.preorder_traversal(expr) if isinstance(n, (sp.Sum, sp.Product))
                   and n.limits[0][0] == lrf.LAYER]
        self.is_sum = isinstance(node, sp.Sum)
        self.term = Formula(node.function, layer_atoms)
        marker = sp.Symbol("layer_reduction")
        self.outer = Formula(expr.xreplace({node: marker}), {**atoms, marker: "layer_reduction"})

    def __call__(self, per_layer: list[dict], mp: bool = False, **values):
        terms = [self.term(mp=mp, **v) for v in per_layer]
        if self.is_sum:
            reduced = mpmath.fsum(terms) if mp else math.fsum(terms)
        else:
            reduced = mpmath.fprod(terms) if mp else math.prod(terms)
        return self.outer(mp=mp, layer_reduction=reduced, **values)


def _layer_node(expr):
    """The one Sum or Product over the layers in ``expr``."""
    (node,) = {n for n in sp.preorder_traversal(expr) if isinstance(n, (sp.Sum, sp.Product))
               and n.limits[0][0] == lrf.LAYER}
    return node


@functools.cache
def _compiled():
    d = lrf.derivation()
    k2, part, sig, g1, g2 = lrf.k2, lrf.partial, lrf.sigma, lrf.gamma1, lrf.gamma2
    T = {lrf.SUM_TF1P: "T1p", lrf.SUM_TF1: "T1", lrf.SUM_TF2: "T2"}
    omg1, omg2, omp = 1 - g1, 1 - g2, 1 - part
    complements = (omg1, omg2, omp)
    gap = {lrf.GAP[lrf.LAYER]: "gap"}
    values1 = {k2: "kappa2", part: "partial", omp: "omp", g1: "gamma1", omg1: "omg1", sig: "sigma"}
    values2 = {k2: "kappa2", g2: "gamma2", omg2: "omg2", sig: "sigma"}

    def pick(expr, table):
        """The atoms the expression contains once the complements 1 − γ, 1 − ∂ are taken as atoms."""
        without = expr.xreplace({a: sp.Dummy() for a in complements})
        return {a: n for a, n in table.items() if without.has(a) or (a in complements and expr.has(a))}

    def formula(label, table):
        expr = d[label].rhs
        return Formula(expr, pick(expr, table))

    every = {**values1, **values2, **T}
    train = sp.Symbol("train_factor")
    eq = d["stable-two-level-equation"]
    return {
        "S1": SpectralSum(lrf.SUM_DF1, [k2]), "S2": SpectralSum(lrf.SUM_DF2, [k2]),
        "C1": SpectralSum(lrf.spectral_sum(k2 / (lrf.ETA[lrf.K] + k2)), [k2]),
        "slope": SpectralSum(lrf.SUM_SLOPE, [k2]),
        **{name: SpectralSum(s, [k2]) for s, name in T.items()},
        "residual": _LayerFormula(eq.rhs - eq.lhs, {k2: "kappa2", lrf.g_P: "g_P", lrf.P: "P", lrf.lam: "lam"},
                                  {**gap, lrf.D: "D"}),
        "kappa1": _LayerFormula(d["stable-kappa1"].rhs, {k2: "kappa2"}, {**gap, lrf.D: "D"}),
        "partial": _LayerFormula(d["stable-partial"].rhs, {}, {lrf.SUM_SLOPE: "slope", **gap}),
        # the layer sum x of (stable-partial), ∂ = 1/(1 + x): 1 − ∂ = x∂ without cancellation as ∂ → 1
        "partial_sum": _LayerFormula(_layer_node(d["stable-partial"].rhs), {}, {lrf.SUM_SLOPE: "slope", **gap}),
        "omg1": Formula(d["stable-one-minus-gamma1"].rhs, {lrf.g_P: "g_P", part: "partial",
                                                           lrf.SUM_SLOPE: "slope", lrf.P: "P"}),
        "gamma1": Formula(d["gamma1"].rhs, {lrf.q: "q", lrf.d1: "d1", lrf.d2: "d2", part: "partial"}),
        "gamma2": Formula(d["gamma2-definition"].rhs, {lrf.q: "q", lrf.d2: "d2"}),
        "train": Formula(d["stable-train-factor"].rhs, {lrf.g_P: "g_P", lrf.P: "P"}),
        "Q": SpectralSum(d["projection-equivalent"][0].rhs, [k2]),
        "B1mean": formula("mean-fixed-F-bias", every),
        "gamma1_over_q": Formula(d["gamma1"].rhs / lrf.q, {lrf.d1: "d1", lrf.d2: "d2", part: "partial"}),
        "E_g": formula("rf-generalization-error", every),
        "E_ginf": formula("infinite-ensemble-error", every),
        "bias2": formula("bias", every), "var_X": formula("variance-X", every),
        "var_F": formula("variance-F", every), "var_X_noise": formula("noise-variance-X", every),
        **_stable_cross_variances(d, lrf),
        "E_tr": Formula(d["rf-training-error"].rhs.subs(lrf.lam, train * lrf.k1),   # λ = (λ/κ₁)·κ₁
                        {train: "train", lrf.E_g: "E_g", sig: "sigma"}),
        "E_gK": Formula(d["ensemble-average"].rhs, {lrf.E_g: "E_g", lrf.E_ginf: "E_ginf", lrf.n_ens: "K"}),
    }


def _stable_cross_variances(d, lrf):
    """(variance-XF) and (noise-variance-XF) without cancellation; both are differences of terms that agree
    as ∂ → 1 (wide layers, or N_l > D at small ridge) and vanish at P = ∞, where the differences lose every
    digit. Written over 1 − ∂, 1 − γ₁, 1 − γ₂ (atoms evaluated without cancellation), with
    tf₁ = tf₂ + κ₂ tf₁' (per mode η/(η+κ) = η²/(η+κ)² + κη/(η+κ)²) and
    γ₁ − γ₂ = Σ κ₂η/(η+κ₂)² (1 − ∂)/P from (gamma1), (gamma2-definition), D(d₁ − d₂) = Σ κ₂η/(η+κ₂)²
    (df-values, df-slope) and q = D/P (model):
    Var_XF = κ₂² tf₁' (γ₁ − γ₂)/((1 − γ₁)(1 − γ₂)) + (1 − ∂)κ₂ tf₂ γ₁/(1 − γ₁), Var_XFε = σ²(γ₁ − γ₂)/((1 − γ₁)(1 − γ₂)).
    Each form is checked against its statement when compiled."""
    g1, g2, part, k2, model = lrf.gamma1, lrf.gamma2, lrf.partial, lrf.k2, d["model"].rhs
    slope, omp, omg1, omg2 = (sp.Dummy(n, positive=True) for n in ("slope", "omp", "omg1", "omg2"))
    t1p, t1, t2 = (s_.function for s_ in (lrf.SUM_TF1P, lrf.SUM_TF1, lrf.SUM_TF2))
    if sp.simplify(t1 - t2 - k2 * t1p) != 0:
        raise ValueError("tf₁ − tf₂ − κ₂ tf₁' is not zero mode by mode")
    gammas = {g1: d["gamma1"].rhs, g2: d["gamma2-definition"].rhs}
    difference = sp.factor((gammas[g1] - gammas[g2]).subs(lrf.d1, lrf.d2 + slope / lrf.D).subs(lrf.q, model)
                           .subs(part, 1 - omp))
    if difference.has(lrf.d2, lrf.D):
        raise ValueError(f"γ₁ − γ₂ is not a multiple of the slope sum: {difference}")

    T1p, T1, T2 = (sp.Dummy(n) for n in ("T1p", "T1", "T2"))        # the sums as symbols while rearranging
    sums = {lrf.SUM_TF1P: T1p, lrf.SUM_TF1: T1, lrf.SUM_TF2: T2}

    def stable(label):
        statement = d[label].rhs
        e = statement.xreplace(sums).subs(T1, T2 + k2 * T1p).subs(part, 1 - omp)
        e = sp.expand(e.subs({g1: 1 - omg1, g2: 1 - omg2}))
        terms = []
        for factor_, coefficient in sp.collect(e, [T1p, T2, lrf.sigma ** 2], evaluate=False).items():
            num, den = sp.fraction(sp.factor(sp.together(coefficient)))
            # the numerator vanishes with 1 − γ₁ − (1 − γ₂) (insert γ₁ − γ₂) or with γ₁ (insert γ₁ itself)
            num = sp.factor(num.subs(omg1, omg2 - difference) if num.has(omg2) else num.subs(omg1, 1 - g1))
            terms.append(factor_ * num / den)
        form = sp.Add(*terms)
        back = form.subs({slope: lrf.D * (lrf.d1 - lrf.d2), omp: 1 - part, omg1: 1 - g1, omg2: 1 - g2})
        reference = statement.xreplace(sums).subs(T1, T2 + k2 * T1p)
        if sp.cancel((back - reference).subs(gammas).subs(lrf.q, model)) != 0:
            raise ValueError(f"stable form of ({label}) does not reproduce it: {form}")
        return form.xreplace({v: k for k, v in sums.items()})

    atoms = {k2: "kappa2", omp: "omp", g1: "gamma1", omg1: "omg1", omg2: "omg2", lrf.sigma: "sigma",
             slope: "slope", lrf.P: "P", lrf.SUM_TF1P: "T1p", lrf.SUM_TF2: "T2"}
    out = {}
    for name, label in (("var_XF", "variance-XF"), ("var_XF_noise", "noise-variance-XF")):
        form = stable(label)
        out[name] = Formula(form, {a: n for a, n in atoms.items() if form.has(a)})
    return out


# ---- deficits ----------------------------------------------------------------------------
def _deficits(eta, kappa, Ms, mp):
    """g_M = M − Σ_k f_k for each M, f_k = η_k/(η_k+κ): modes with f_k near 1 enter through their
    complement κ/(η_k+κ) (M − n_big + Σ_big c_k − Σ_small f_k), so nothing cancels against M."""
    c = _compiled()
    f, g = c["S1"].terms(eta, None, kappa, mp=mp), c["C1"].terms(eta, None, kappa, mp=mp)
    if mp:
        big = [gk < fk for fk, gk in zip(f, g)]
        excess = mpmath.fsum(gk if b else -fk for fk, gk, b in zip(f, g, big))
        n_big = sum(big)
    else:
        big = g < f
        n_big, excess = int(np.count_nonzero(big)), float(np.sum(g[big]) - np.sum(f[~big]))
    return [(M - n_big) + excess for M in Ms]


def _ridgeless_deficits(eta, kappa2, Ms, ridge, mp, scales=None):
    """Deficits at the root κ₂ of ``ridge`` = κ₂ ∏_j g_j/s_j (``scales`` s_j: P for the sample, D per layer).

    When the narrowest M (of P and the widths) is below D it sets the floor of κ₂ and its deficit is
    small: M − Σ_k f_k carries an absolute rounding error ~ε·M however the sum is split, which can be
    larger than the deficit itself (tiny ridge). Ridgeless that deficit is zero by construction
    (ridgeless); for λ > 0 it is taken from the equation, exact at the root:
    g^m = λ ∏_{j narrowest} s_j / (κ₂ ∏_{j other} g_j/s_j) (the m narrowest deficits are equal), with the
    relative accuracy of κ₂ and of the other deficits, which are not small."""
    gaps = _deficits(eta, kappa2, Ms, mp)
    narrowest = min(Ms)
    if narrowest >= len(eta):
        return gaps
    limiting = [M == narrowest for M in Ms]
    if ridge == 0:
        return [0 * g if lim else g for g, lim in zip(gaps, limiting)]
    scales = scales if scales is not None else [Ms[0]] + [len(eta)] * (len(Ms) - 1)
    m = sum(limiting)
    value = ridge
    for s_, lim in zip(scales, limiting):
        value = value * s_ if lim else value
    value = value / kappa2
    for g, s_, lim in zip(gaps, scales, limiting):
        value = value if lim else value / (g / s_)
    if m > 1:
        value = mpmath.root(value, m) if mp else math.sqrt(value) if m == 2 else float(np.cbrt(value)) if m == 3 \
            else value ** (1.0 / m)
    return [value if lim else g for g, lim in zip(gaps, limiting)]


def _layers(gaps, D):
    return [{"gap": g, "D": D} for g in gaps]


def _residual(eta, P, widths, lam, kappa, mp):
    g_P, *gaps = _deficits(eta, kappa, [P, *widths], mp)
    return _compiled()["residual"](_layers(gaps, len(eta)), mp=mp, kappa2=kappa, g_P=g_P, P=P, lam=lam)


def _root_above(f, lo, start, mp):
    """Root of an increasing f on [lo, ∞) with f(lo) < 0: step up from ``start`` until f > 0, then solve.
    The step factor squares each time (2, 4, 16, …, at most 1e16), so the bracket reaches a root many
    decades up (κ₂ ~ √λ at N_l = D) in a few dozen evaluations; a point with f ≤ 0 becomes the lower end."""
    hi, factor = max(2 * lo, start), 2
    for _ in range(4000):
        if f(hi) > 0:
            return log_root(f, lo, hi, mp)
        lo, hi, factor = hi, hi * factor, min(factor * factor, 1e16)
    raise ConvergenceError("κ₂: no sign change of the renormalisation equation below the largest number tried")


def solve_kappa2(eta, P, widths, ridge, mp: bool = False):
    """κ₂ from (stable-two-level-equation); returns (κ₂, RootResult or None).

    Ridgeless: κ₂ is the resolution of the narrowest of the sample and the layers,
    Σ_k η_k/(η_k+κ₂) = min(P, N_1, …) (0 when that is at least D) — the ridgeless root of
    ridge-regression with that many samples. λ > 0: the root above that point, where every factor
    is positive and the left side increases from −λ.
    """
    floor, root = solve_kappa(eta, min([P, *widths]), 0 * ridge, mp=mp)
    if ridge == 0:
        return floor, root
    scale = math.prod(w / len(eta) for w in widths)        # the left side is below κ₂·∏ N_l/D
    lo = floor if floor > 0 else ridge / (2 * scale)
    f = lambda k: _residual(eta, P, widths, ridge, k, mp)
    if floor > 0 and not f(floor) < 0:
        # at the floor the narrowest deficit vanishes and the left side is −λ; a value ≥ 0 is that deficit's
        # rounding (absolute ~ε·M), so λ moves κ₂ off the floor by less than the floor's own precision
        return floor, root
    return _root_above(f, lo, ridge, mp)


def projection_level(eta, w, widths, kappa1, mp: bool = False) -> dict:
    """The deterministic equivalent over F alone (infinite data) at population-level ridge κ₁:
    κ₂ from (stable-kappa1), ∂ (stable-partial), Q and r (projection-equivalent), the mean of B₁
    (mean-fixed-F-bias) and γ₁/q (gamma1). ``eta``, ``w`` as float64 arrays or mpmath lists."""
    eta, w = checked_array("eta", eta, mp, positive=True), checked_array("w", w, mp, positive=False)
    if len(w) != len(eta):
        raise ValueError(f"w has length {len(w)} but eta has length {len(eta)}")
    if isinstance(widths, (str, bytes)) or not np.iterable(widths) or len(widths) == 0:
        raise ValueError(f"widths must be a non-empty list of widths > 0, got {widths!r}")
    widths = [checked_scalar("widths", n, mp, False) for n in widths]
    kappa1 = checked_scalar("kappa1", kappa1, mp, True)
    c, D = _compiled(), len(eta)
    floor, _ = solve_kappa(eta, min(widths), 0 * kappa1, mp=mp)

    def f(k):
        gaps = _deficits(eta, k, widths, mp)
        return c["kappa1"](_layers(gaps, D), mp=mp, kappa2=k) - kappa1
    if kappa1 == 0:                      # ridgeless: the narrowest width sets κ₂ (its deficit is exactly 0)
        kappa2, root = floor, None
    else:
        lo = floor if floor > 0 else kappa1 / (2 * math.prod(n / D for n in widths))
        if floor > 0 and not f(floor) < 0:   # κ₁ below the rounding of the narrowest deficit: κ₂ is the floor
            kappa2, root = floor, None
        else:
            kappa2, root = _root_above(f, lo, kappa1, mp)
    gaps = _ridgeless_deficits(eta, kappa2, list(widths), kappa1, mp, scales=[D] * len(widths))
    S1, S2, slope = (c[k](eta, None, kappa2, mp=mp) for k in ("S1", "S2", "slope"))
    part, omp = _partial(slope, gaps, kappa2, mp)
    T = {k: c[k](eta, w, kappa2, mp=mp) for k in ("T1p", "T1", "T2")}
    out = {"kappa2": kappa2, "partial": part, "root": root, "Q": c["Q"](eta, w, kappa2, mp=mp),
           "r": c["C1"](eta, None, kappa2, mp=mp) / D,
           "B1mean": c["B1mean"](mp=mp, kappa2=kappa2, partial=part, omp=omp,
                                 **{k: T[k] for k in c["B1mean"].names if k in T}),
           "gamma1_over_q": c["gamma1_over_q"](mp=mp, d1=S1 / D, d2=S2 / D, partial=part)}
    if not all(is_finite(v) for k, v in out.items() if k != "root"):
        raise ValueError("eta, w: the projection's equivalent lies beyond float64 for these values (pass mp=True)")
    return out


# ---- the learning curve ----------------------------------------------------------------------
def _partial(slope, gaps, kappa2, mp):
    """(∂, 1 − ∂) from (stable-partial), ∂ = 1/(1 + x) with x its layer sum, and 1 − ∂ = x∂ (no
    cancellation as ∂ → 1); at κ₂ = 0 a layer with g_l = 0 (N_l = D) has the limit Σ κη/(η+κ)²/g_l → 1."""
    c = _compiled()
    one = mpmath.mpf(1) if mp else 1.0
    if all(g != 0 for g in gaps):
        layers = [{"slope": slope, "gap": g} for g in gaps]
        part = c["partial"](layers, mp=mp)
        return part, c["partial_sum"](layers, mp=mp) * part
    if kappa2 == 0:
        x = sum(1 for g in gaps if g == 0)
        return one / (1 + x), x * one / (1 + x)
    return 0 * one, one       # a layer limits the resolution: its term is infinite


def _point(eta, w, P, widths, ridge, noise, mp):
    c, D = _compiled(), len(eta)
    kappa2, root = solve_kappa2(eta, P, widths, ridge, mp)
    S1, S2, slope = (c[k](eta, None, kappa2, mp=mp) for k in ("S1", "S2", "slope"))
    T = {k: c[k](eta, w, kappa2, mp=mp) for k in ("T1p", "T1", "T2")}
    g_P, *gaps = _ridgeless_deficits(eta, kappa2, [P, *widths], ridge, mp)
    part, omp = _partial(slope, gaps, kappa2, mp)
    sigma = mpmath.sqrt(noise) if mp else math.sqrt(noise)
    q, d1, d2 = D / P, S1 / D, S2 / D
    gamma1, omg1 = c["gamma1"](mp=mp, q=q, d1=d1, d2=d2, partial=part), c["omg1"](mp=mp, g_P=g_P, partial=part, slope=slope, P=P)
    gamma2, omg2 = c["gamma2"](mp=mp, q=q, d2=d2), one_minus_gamma(eta, P, kappa2, mp)
    kappa1 = c["kappa1"](_layers(gaps, D), mp=mp, kappa2=kappa2)
    v = dict(kappa2=kappa2, partial=part, omp=omp, gamma1=gamma1, omg1=omg1, gamma2=gamma2, omg2=omg2, sigma=sigma,
             slope=slope, P=P, **T)
    out = {name: _guarded(c[name], v, mp) for name in
           ("E_g", "E_ginf", "bias2", "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise")}
    train = c["train"](mp=mp, g_P=g_P, P=P)
    # interpolation (g_P = 0): the training error is exactly zero even where E_g is infinite
    E_tr = c["E_tr"](mp=mp, train=train, E_g=out["E_g"], sigma=sigma) if train != 0 else 0 * train
    return RandomFeatureResult(P, tuple(widths), ridge, kappa1, kappa2, part, gamma1, gamma2, out["E_g"], E_tr,
                               out["E_ginf"], out["bias2"], out["var_X"], out["var_F"], out["var_XF"],
                               out["var_X_noise"], out["var_XF_noise"], d1, root)


def _guarded(formula, values, mp):
    """A formula with 1/(1 − γ) factors at γ = 1 (an interpolation threshold, ridgeless): +∞ where the
    numerator is positive, the finite part where it vanishes."""
    needs = formula.names
    if all(values[n] != 0 for n in ("omg1", "omg2") if n in needs):
        return formula(mp=mp, **{n: values[n] for n in needs})
    tiny = mpmath.mpf(10) ** (-3 * mpmath.mp.dps) if mp else 1e-300
    probe = {n: (tiny if n in ("omg1", "omg2") and values[n] == 0 else values[n]) for n in needs}
    value = formula(mp=mp, **probe)
    if abs(value) * tiny < (tiny if mp else 1e-280):   # stays finite: the numerator is zero
        return value
    return mpmath.inf if mp else math.inf


_FIELDS = ("kappa1", "kappa2", "partial", "gamma1", "gamma2", "E_g", "E_tr", "E_g_infinite_ensemble", "bias2",
           "var_X", "var_F", "var_XF", "var_X_noise", "var_XF_noise", "df1")


def _widths(N, mp):
    values = list(N) if isinstance(N, (list, tuple)) or (isinstance(N, np.ndarray) and N.ndim > 0) else [N]
    if not values:
        raise ValueError("N (widths) must not be empty")
    out = []
    for v in values:
        x = real_input("N", v, mp)
        if not (x > 0) or not (mpmath.isfinite(x) if mp else math.isfinite(x)):
            raise ValueError(f"N (width of a projection) must be finite and > 0, got {v!r}")
        out.append(x)
    return out


def _float_point(eigenvalues, teacher, P, N, ridge, noise):
    eta, w, Pf, lam, sig2 = validate_inputs(eigenvalues, teacher, P, ridge, noise)
    widths = _widths(N, False)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = _point(eta, w, Pf, widths, lam, sig2, False)
        if all(not math.isnan(getattr(out, f)) for f in _FIELDS):
            return out
    except (FloatingPointError, OverflowError, ZeroDivisionError, ValueError):
        pass
    with workdps(FALLBACK_DPS):
        exact = _point(*validate_inputs(eigenvalues, teacher, P, ridge, noise, mp=True)[:3], _widths(N, True),
                       *validate_inputs(eigenvalues, teacher, P, ridge, noise, mp=True)[3:], True)
    return replace(exact, P=Pf, ridge=lam, **rounded_fields(exact, _FIELDS))


def learning_curve(eigenvalues, teacher_coefficients, P, N, ridge, noise_variance=0.0, dps=None):
    """Deterministic-equivalent learning curve of ridge regression on linear random features.

    κ₂ solves κ₂(1 − q df¹_Σ(κ₂)) ∏_l (N_l/D − df¹_Σ(κ₂)) = λ and κ₁ = κ₂ ∏_l (N_l/D − df¹_Σ(κ₂));
    ∂ = [1 + Σ_l (d₁ − d₂)/(N_l/D − d₁)]⁻¹, γ₁ = q d₁(1 − (d₁ − d₂)∂/d₁), γ₂ = q d₂;
    E_g = (κ₂² tf₁'∂ + κ₂ tf₁(1 − ∂) + γ₁σ²)/(1 − γ₁), E_tr = (λ/κ₁)²(E_g + σ²); the decomposition
    Bias² = κ₂² tf₁', Var_X = Bias² γ₂/(1 − γ₂), Var_F = (1 − ∂)κ₂ tf₂, Var_XF (the rest),
    Var_Xε = σ²γ₂/(1 − γ₂), Var_XFε = σ²γ₁/(1 − γ₁) − Var_Xε; the infinite ensemble is ridge regression
    at κ₂ (arXiv:2405.00592; each derived, or quoted and checked, in ``linear-random-features``).

    ``eigenvalues`` η_k of Σ, ``teacher_coefficients`` w̄_k in its eigenbasis, ``P`` samples,
    ``N`` the width (or a list of widths N_1, …, N_L for stacked projections with N(0, 1/D)
    entries), ``ridge`` λ ≥ 0 (scalar or array), ``noise_variance`` σ². Returns a
    :class:`RandomFeatureResult` (a list for an array of P or ridge) in float64, or in mpmath at
    ``dps`` digits; ``result.ensemble_error(K)`` is the error of K projections averaged.

    >>> r = learning_curve([1.0] * 100, [0.1] * 100, P=50, N=400, ridge=0.0)   # data-limited, q = 2
    >>> round(r.kappa2, 10), round(r.kappa1, 10)      # κ₂ = D/P − 1 as in ridge; κ₁ = κ₂(N/D − ½)
    (1.0, 3.5)
    """
    Ps, ridges, scalar = broadcast_points(P, ridge)
    if dps is None:
        out = [_float_point(eigenvalues, teacher_coefficients, p, N, r, noise_variance) for p, r in zip(Ps, ridges)]
    else:
        with workdps(validate_dps(dps)):
            out = []
            for p, r in zip(Ps, ridges):
                eta, w, Pm, lam, sig2 = validate_inputs(eigenvalues, teacher_coefficients, p, r, noise_variance, mp=True)
                out.append(_point(eta, w, Pm, _widths(N, True), lam, sig2, True))
    return out[0] if scalar else out
