"""Numbers from the ridge-regression derivation: κ, γ and the learning curve.

Every formula evaluated here is compiled from a statement of ``ridge-regression``
(:mod:`derivations.ridge.steps`); spectral sums run over the given eigenvalues. The
κ equation, 1 − γ and 1 − q df¹ are evaluated in their complement forms (``stable-*``
steps), P − D + Σ_k g_k with g_k = 1 − f_k, and the sum is split per mode: modes whose f_k
is near 1 enter through g_k, the others through f_k (see ``_deficit``), so no term cancels
against P — near D = P, for κ ≪ η, for D ≫ P, or for spectra with gaps. For λ > 0 the
train–test factor is λ/κ itself (renormalized-ridge). κ is solved for in log κ: float64 by safeguarded
Newton, one pass over the modes per residual (``_newton``); mpmath bracketed, polished in κ. A float64 evaluation that
overflows or produces an invalid value is redone in mpmath (30 digits) and rounded.
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, replace

import mpmath
import numpy as np
import sympy as sp

from derive.equations import residual
from derivations.engine.spectral_eval import Formula, SpectralSum
from numerics.precision import validate_dps, workdps
from numerics.solvers import ConvergenceError, RootResult, find_root_bracketed
import derivations.ridge.steps as rr

FALLBACK_DPS = 30


@dataclass(frozen=True)
class RidgeResult:
    """Deterministic-equivalent quantities at one (P, λ); float64 or mpmath numbers."""

    P: float
    ridge: float
    kappa: object
    gamma: object
    E_g: object
    E_tr: object
    bias2: object
    var_X: object
    var_X_noise: object
    df1: object
    root: RootResult | None = None


_C1, _C2 = sp.symbols("C1 C2")  # Σ_k κ/(η_k+κ) and Σ_k κ(2η_k+κ)/(η_k+κ)² (the sums of complement-sums)


def _slopes(kres, kappa, lam):
    """κ ∂/∂κ of the residual of (stable-kappa-equation) and of its λ = 0 form divided by κ (the Newton
    slopes in log κ), by SymPy differentiation; κ dC₁/dκ = C₂ − C₁ per mode is checked on the summands.
    Also checks that the per-mode shares of the float64 pass (:func:`_pass`) are the statements' summands."""
    f, g = rr.ETA[rr.K] / (rr.ETA[rr.K] + kappa), kappa / (rr.ETA[rr.K] + kappa)
    for summand, share in ((rr.SUM_DF1, f), (rr.SUM_C1, g), (rr.SUM_DF2, f ** 2), (rr.SUM_C2, 2 * g - g ** 2),
                           (rr.SUM_C2, kappa * sp.diff(rr.SUM_C1.function, kappa) + rr.SUM_C1.function)):
        if sp.simplify(summand.function - share) != 0:
            raise AssertionError(f"per-mode share {share} is not the summand of {summand}")
    C1 = sp.Function("C1")(kappa)
    def slope(e):
        de = kappa * sp.diff(e.xreplace({rr.SUM_C1: C1}), kappa)
        return sp.factor(de.subs(sp.Derivative(C1, kappa), (_C2 - C1) / kappa).xreplace({C1: _C1}))
    return slope(kres), slope(kres.subs(lam, 0) / kappa)


@functools.cache
def _compiled():
    d = rr.derivation()
    kappa, lam, P, D, sigma, gamma = rr.kappa, rr.lam, rr.P, rr.D, rr.sigma, rr.gamma
    omg, train = 1 - gamma, 1 - rr.q * rr.df1(kappa)
    gap = sp.Symbol("gap")  # P − D, passed exactly: evaluating P + Σ − D in SymPy's order would cancel

    def at_gap(e):
        shields = {s_: sp.Dummy() for s_ in e.atoms(sp.Sum)}  # D stays the sums' upper limit
        return e.xreplace(shields).subs(D, P - gap).xreplace({v: k for k, v in shields.items()})

    kres = residual(d["stable-kappa-equation"])
    slope, islope = _slopes(kres, kappa, lam)
    return {
        "S1": SpectralSum(rr.SUM_DF1, [kappa]), "S2": SpectralSum(rr.SUM_DF2, [kappa]),
        "C1": SpectralSum(rr.SUM_C1, [kappa]), "C2": SpectralSum(rr.SUM_C2, [kappa]),
        "T": SpectralSum(rr.SUM_TF1P, [kappa]),
        "kappa_res": Formula(at_gap(kres), {kappa: "kappa", lam: "lam", P: "P", gap: "gap", rr.SUM_C1: "C1"}),
        "implicit_res": Formula(at_gap(kres.subs(lam, 0) / kappa), {P: "P", gap: "gap", rr.SUM_C1: "C1"}),
        "kappa_slope": Formula(at_gap(slope), {kappa: "kappa", P: "P", gap: "gap", _C2: "C2"}),
        "implicit_slope": Formula(at_gap(islope), {P: "P", _C1: "C1", _C2: "C2"}),
        "gamma": Formula(d["gamma-definition"].rhs, {rr.SUM_DF2: "S2", P: "P"}),
        "omg": Formula(at_gap(d["stable-one-minus-gamma"].rhs), {P: "P", gap: "gap", rr.SUM_C2: "C2"}),
        "train": Formula(at_gap(d["stable-train-factor"].rhs), {P: "P", gap: "gap", rr.SUM_C1: "C1"}),
        "E_g": Formula(d["generalization-error"].rhs,
                       {kappa: "kappa", omg: "omg", gamma: "gamma", rr.tf1p(kappa): "T", sigma: "sigma"}),
        "bias2": Formula(d["bias"].rhs, {kappa: "kappa", rr.SUM_TF1P: "T"}),
        "var_X": Formula(d["variance-X"].rhs, {kappa: "kappa", omg: "omg", gamma: "gamma", rr.tf1p(kappa): "T"}),
        "var_X_noise": Formula(d["noise-variance"].rhs, {omg: "omg", gamma: "gamma", sigma: "sigma"}),
        "E_tr": Formula(d["train-test-gap"].rhs, {train: "train", rr.E_g: "E_g", sigma: "sigma"}),
    }


# ---- validation -------------------------------------------------------------------------
def _entries(name, values) -> list:
    """The entries of a 1-D array-like (list, tuple, ndarray of numbers, strings or mpf)."""
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    return [v.item() if isinstance(v, np.generic) else v for v in arr]


def real_input(name, v, mp: bool):
    """One real number (int, float, numpy scalar, decimal string, mpf); ValueError otherwise."""
    v = v.item() if isinstance(v, np.generic) or (isinstance(v, np.ndarray) and v.ndim == 0) else v
    if isinstance(v, bool) or isinstance(v, (complex, mpmath.mpc)):
        raise ValueError(f"{name} must be a real number, got {v!r}")
    try:
        out = mpmath.mpmathify(v) if mp else float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {v!r}") from None
    except OverflowError:      # an int (or Fraction, Decimal) beyond float64: exact only at a given dps
        raise ValueError(f"{name} must lie within the float64 range |x| <= {np.finfo(float).max:.4g} when dps is "
                         f"not given (pass dps for larger numbers), got {_short(v)}") from None
    if isinstance(out, mpmath.mpc):
        raise ValueError(f"{name} must be a real number, got {v!r}")
    return out


def _short(v) -> str:
    """``repr(v)``, or its value to 5 digits for a number with a very long (or refused) repr such as 10**400."""
    try:
        if isinstance(v, numbers.Rational) and abs(v) > 1e20:
            return mpmath.nstr(mpmath.mpf(v.numerator) / v.denominator, 5)
        return repr(v)
    except (TypeError, ValueError):
        return object.__repr__(v)


def is_finite(x) -> bool:
    return bool(mpmath.isfinite(x)) if isinstance(x, mpmath.mpf) else math.isfinite(x)


def _fast_float_array(name, values):
    """A plain numeric array as float64 in one step (None when the entries need a closer look)."""
    raw = np.asarray(values)
    if raw.dtype.kind in "iuf" and raw.ndim == 1 and raw.size > 0:
        return raw.astype(float, copy=False)
    if raw.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got complex entries")
    return None


def checked_array(name, values, mp: bool, positive: bool):
    fast = None if mp else _fast_float_array(name, values)
    out = [real_input(name, v, mp) for v in _entries(name, values)] if fast is None else fast
    if fast is not None and positive and 0 < out.min() and out.max() < math.inf:   # one look at a valid spectrum
        return out
    if not (np.all(np.isfinite(out)) if fast is not None else all(is_finite(v) for v in out)):
        raise ValueError(f"{name} must be finite")
    if positive and (np.any(out <= 0) if fast is not None else any(v <= 0 for v in out)):
        raise ValueError(f"{name} must be > 0 (eigenvalues of a positive-definite covariance)")
    return out if mp else np.asarray(out, dtype=float)


def checked_scalar(name, v, mp: bool, allow_zero: bool):
    out = real_input(name, v, mp)
    if not is_finite(out) or out < 0 or (out == 0 and not allow_zero):
        raise ValueError(f"{name} must be finite and in {'[0, inf)' if allow_zero else '(0, inf)'}, got {_short(v)}")
    return out


def validate_inputs(eigenvalues, teacher_coefficients, P, ridge, noise_variance, mp: bool = False):
    """Check and convert the arguments of :func:`learning_curve` (mpmath numbers when ``mp``,
    read at the precision in force); raise ValueError naming the culprit."""
    eta = checked_array("eigenvalues", eigenvalues, mp, positive=True)
    w = checked_array("teacher_coefficients", teacher_coefficients, mp, positive=False)
    if len(w) != len(eta):
        raise ValueError(f"teacher_coefficients has length {len(w)} but eigenvalues has length {len(eta)}")
    return (eta, w, checked_scalar("P", P, mp, False), checked_scalar("ridge", ridge, mp, True),
            checked_scalar("noise_variance", noise_variance, mp, True))


# ---- sums without cancellation --------------------------------------------------------
def _deficit(f_sum, g_sum, eta, kappa, mp):
    """P − Σ_k f_k = (P − n_big) + (Σ_big g_k − Σ_small f_k), with g_k = 1 − f_k per mode
    (complement-sums): modes where f_k is near 1 ("big") enter through their small complement
    g_k, the others through f_k itself, so no term cancels against P. Returns (n_big, excess)."""
    f, g = f_sum.terms(eta, None, kappa, mp=mp), g_sum.terms(eta, None, kappa, mp=mp)
    if mp:
        big = [gk < fk for fk, gk in zip(f, g)]
        excess = mpmath.fsum(gk if b else -fk for fk, gk, b in zip(f, g, big))
        return sum(big), excess
    big = g < f
    return int(np.count_nonzero(big)), float(np.sum(g[big]) - np.sum(f[~big]))


def _kappa_residual(eta, P, lam, kappa, mp):
    """(stable-kappa-equation): κ(P − D + Σ_k κ/(η_k+κ))/P − λ, with the sum split by _deficit."""
    c = _compiled()
    n_big, excess = _deficit(c["S1"], c["C1"], eta, kappa, mp)
    return c["kappa_res"](mp=mp, kappa=kappa, lam=lam, P=P, gap=P - n_big, C1=excess)


def _implicit_residual(eta, P, kappa, mp):
    c = _compiled()
    n_big, excess = _deficit(c["S1"], c["C1"], eta, kappa, mp)
    return c["implicit_res"](mp=mp, P=P, gap=P - n_big, C1=excess)


def one_minus_gamma(eta, P, kappa, mp):
    """(stable-one-minus-gamma), the sum split by _deficit."""
    c = _compiled()
    n_big, excess = _deficit(c["S2"], c["C2"], eta, kappa, mp)
    return c["omg"](mp=mp, P=P, gap=P - n_big, C2=excess)


def _train_factor(eta, P, ridge, kappa, mp):
    """λ/κ = 1 − q df¹(κ) (renormalized-ridge); at λ = 0 from (stable-train-factor): (P − D)/P for
    D < P (κ = 0), and 0 for D > P, where κ solves 1 − q df¹(κ) = 0 (ridgeless)."""
    if ridge > 0:
        return ridge / kappa
    if len(eta) > P:
        return 0 * kappa
    c = _compiled()
    n_big, excess = _deficit(c["S1"], c["C1"], eta, kappa, mp)
    return c["train"](mp=mp, P=P, gap=P - n_big, C1=excess)


# ---- κ ----------------------------------------------------------------------------------
def log_root(f, lo, hi, mp):
    """Root of f(κ) for κ in [lo, hi], searched in u = log κ (relative accuracy at any scale)."""
    log, exp = (mpmath.log, mpmath.exp) if mp else (math.log, math.exp)
    backend = "mpmath" if mp else "float64"
    maxiter = 200 + 10 * mpmath.mp.dps if mp else 400
    ends = {log(lo): lo, log(hi): hi}  # exp(log(x)) is not x after rounding: keep the ends exact
    r = find_root_bracketed(lambda u: f(ends.get(u) or exp(u)), log(lo), log(hi), backend=backend, maxiter=maxiter)
    kappa = ends.get(r.root) or exp(r.root)
    # the log-space tolerance is relative to |log κ|: polish in κ itself for full relative accuracy
    step = 8 * (mpmath.eps if mp else np.finfo(float).eps) * (1 + abs(r.root))
    a, b = max(lo, kappa * exp(-2 * step)), min(hi, kappa * exp(2 * step))
    fa, fb = (f(a), f(b)) if a < b else (0, 0)
    if fa != 0 and fb != 0 and (fa < 0) != (fb < 0):
        r = find_root_bracketed(f, a, b, backend=backend, maxiter=maxiter)
        kappa = r.root
    return kappa, r


def solve_kappa(eta, P, ridge, mp: bool = False):
    """Renormalised ridge κ from (stable-kappa-equation); returns (κ, RootResult or None).

    λ > 0: the unique root in [λ, 2(λ + Σ η/P)]. λ = 0: κ = 0 for D ≤ P, otherwise the root
    of (P − D + Σ_k κ/(η_k+κ))/P = 0, bracketed by decades below Σ η/P.

    >>> kappa, root = solve_kappa(np.ones(100), 50.0, 0.0)   # isotropic, q = 2: κ = q − 1
    >>> round(kappa, 12), root.converged
    (1.0, True)
    """
    eta = checked_array("eta", eta, mp, positive=True)       # ValueError naming eta, P or ridge
    P, ridge = checked_scalar("P", P, mp, False), checked_scalar("ridge", ridge, mp, True)
    return _solve_kappa(eta, P, ridge, mp)


def solve_kappa_curve(eta, P, ridge):
    """float64 κ along a curve of points (P and ridge broadcast as in :func:`learning_curve`), each solve started
    from the previous root (and the bracket narrowed by it where κ is monotone); a list of (κ, RootResult or None).

    >>> [round(k, 12) for k, _ in solve_kappa_curve(np.ones(100), [50.0, 25.0], 0.0)]   # κ = q − 1
    [1.0, 3.0]
    """
    eta, (Ps, ridges, _), warm = checked_array("eta", eta, False, positive=True), broadcast_points(P, ridge), {}
    return [_solve_kappa(eta, checked_scalar("P", p, False, False), checked_scalar("ridge", r, False, True), False, warm)
            for p, r in zip(Ps, ridges)]


def _solve_kappa(eta, P, ridge, mp, warm=None):
    """:func:`solve_kappa` on arguments already checked (the learning curve checks them once, in
    :func:`validate_inputs`). float64: :func:`_newton_kappa`, started from ``warm`` (a dict carried along a
    curve) where given; the bracketed search of the mp route where it meets a non-finite value."""
    D = len(eta)
    total = mpmath.fsum(eta) if mp else (warm or {}).get("total") or float(np.sum(eta))
    if not is_finite(total / P):                        # e.g. a subnormal P: the bracket would reach inf
        raise ValueError(f"P must be large enough that Σ eta/P is finite in float64 (pass mp=True), got {P!r}")
    if ridge <= 0 and D <= P:
        return (mpmath.mpf(0) if mp else 0.0), None
    if not mp:
        try:
            return _newton_kappa(eta, P, ridge, total, {} if warm is None else warm)
        except FloatingPointError:
            if np.geterr()["invalid"] == "raise":
                raise
    if ridge > 0:
        f = lambda k: _kappa_residual(eta, P, ridge, k, mp)
        return log_root(f, ridge, 2 * (ridge + total / P), mp)
    f = lambda k: _implicit_residual(eta, P, k, mp)
    hi = lo = total / P
    # Σ η/(η+κ) < Σ η/κ = P at κ = Σ η/P, so the residual is positive there; its value, ~P Σ η²/(Σ η)², falls
    # below the residual's rounding (~ε, which is ~ε in κ relative: κ f'(κ) ≈ 1) when P ≲ ε: then the root
    # lies within the working precision of Σ η/P, and that is κ
    if not f(hi) > 0:
        return hi, None
    for _ in range(2000):
        lo = lo / 10
        if lo == 0:
            break
        if f(lo) < 0:
            return log_root(f, lo, hi, mp)
        hi = lo
    raise ConvergenceError("ridgeless κ: no sign change of (P − D + Σ κ/(η+κ))/P above the smallest number")


# ---- float64 κ: safeguarded Newton in log κ, one pass over the modes per residual --------------
_CHUNK, _SKETCH, _EPS = 1 << 16, 2048, float(np.finfo(float).eps)


def _order(eta) -> int:
    """−1 if the eigenvalues are sorted descending, +1 ascending, 0 otherwise."""
    return -1 if np.all(eta[1:] <= eta[:-1]) else 1 if np.all(eta[1:] >= eta[:-1]) else 0


def _split(eta, order, tau):
    """(hi, lo): the modes with η > τ and the others (views of a sorted array, found by bisection)."""
    if order == 0:
        big = eta > tau
        return eta[big], eta[~big]
    a, b = 0, eta.size                   # the first index on the far side of τ (η ≤ τ descending, η > τ ascending)
    while a < b:
        m = (a + b) // 2
        a, b = (m + 1, b) if (eta[m] > tau) == (order < 0) else (a, m)
    return (eta[:a], eta[a:]) if order < 0 else (eta[a:], eta[:a])


def _pass(parts, kappa, buf):
    """(n_big, C₁ excess, C₂ excess) of :func:`_deficit` at κ in one pass over the modes, each group (hi, lo, weight)
    split at its τ: Σ_hi g − Σ_lo f and Σ_hi (2g − g²) − Σ_lo f², with f = η/(η+κ), g = κ/(η+κ) the summands of
    (complement-sums) (checked in :func:`_slopes`), in cache-sized chunks; for κ within a factor 4 of τ no share
    used is above 4/5, so nothing cancels against P."""
    n_big = e1 = e2 = 0.0
    for hi, lo, weight in parts:
        s = [0.0, 0.0, 0.0, 0.0]                                  # Σ g, Σ g², Σ f, Σ f²
        for arr, j in ((hi, 0), (lo, 2)):
            for i in range(0, arr.size, _CHUNK):
                x = arr[i:i + _CHUNK]
                t = np.divide(kappa if j == 0 else x, np.add(x, kappa, out=buf[:x.size]), out=buf[:x.size])
                s[j], s[j + 1] = s[j] + float(t.sum()), s[j + 1] + float(np.einsum("i,i", t, t))
        n_big, e1, e2 = n_big + weight * hi.size, e1 + weight * (s[0] - s[2]), e2 + weight * (2 * s[0] - s[1] - s[3])
    return n_big, e1, e2


def _newton(groups, P, lam, lo, hi, k, tol, maxiter=200):
    """Root in [lo, hi] of the residual of (stable-kappa-equation) (λ > 0) or of its λ = 0 form over κ, from κ = k,
    summed over ``groups`` of modes (eigenvalues, order, weight): Newton in u = log κ on log(1 + R/λ) where
    κ(1 − q df¹) > 0 and |R| > λ, on R itself otherwise, with the slope κ dR/dκ of :func:`_slopes` from the same pass; a step
    that leaves the bracket, or follows a step that did not shrink |R|, is replaced by bisection in log κ.
    Converged when a step is below ``tol`` (relative), the bracket has closed, or two Newton steps predict
    (quadratic convergence) an error below ε/2. Returns (κ, RootResult)."""
    c, size = _compiled(), max(g[0].size for g in groups)
    buf, tau, parts, last, du0, mode0 = np.empty(min(_CHUNK, size)), None, None, math.inf, None, None
    for n in range(1, maxiter + 1):
        if tau is None or not tau / 4 <= k <= 4 * tau:   # re-split the modes where κ has moved far from τ
            tau, parts = k, [(*_split(eta, order, k), weight) for eta, order, weight in groups]
        n_big, e1, e2 = _pass(parts, k, buf)
        gap = P - n_big
        if lam > 0:
            R, S = c["kappa_res"](kappa=k, lam=lam, P=P, gap=gap, C1=e1), c["kappa_slope"](kappa=k, P=P, gap=gap, C2=e2)
        else:
            R, S = c["implicit_res"](P=P, gap=gap, C1=e1), c["implicit_slope"](P=P, C1=e1, C2=e2)
        if not (math.isfinite(R) and math.isfinite(S)):
            raise FloatingPointError(f"κ residual {R}, slope {S} at κ = {k}")
        lo, hi = (k, hi) if R < 0 else (lo, k) if R > 0 else (k, k)
        mode = lam > 0 and R + lam > 0 and abs(R) > lam      # near the root log(1 + R/λ) curves as S/λ: Newton on R
        du = (-math.log1p(R / lam) * (R + lam) if mode else -R) / S if S > 0 else math.nan
        kn = k * math.exp(du) if abs(du) < 300 else math.nan
        newton = lo < kn < hi and (du0 is None or abs(R) < last)
        quadratic = newton and du0 is not None and mode == mode0 and abs(du) < 1e-6 and max(1.0, abs(du) / du0 ** 2) * du * du < _EPS / 2
        if R == 0 or hi <= lo * (1 + 4 * _EPS) or abs(du) <= tol or quadratic:   # a step within tol: noise
            kn = kn if quadratic or abs(du) <= tol else k
            return kn, RootResult(kn, abs(R), n, True, "newton-log",
                                  f"Newton in log κ converged after {n} residual passes: last step {du:.3g} (relative); "
                                  f"|residual| {abs(R):.3g} at the last pass")
        k, last, du0, mode0 = (kn, abs(R), du, mode) if newton else (math.sqrt(lo) * math.sqrt(hi), math.inf, None, None)
    r = RootResult(k, abs(R), maxiter, False, "newton-log", f"Newton in log κ: bracket [{lo}, {hi}] after {maxiter} passes")
    raise ConvergenceError(r.message, r)


def _newton_kappa(eta, P, lam, total, warm):
    """Float64 κ for λ > 0, or λ = 0 with D > P: :func:`_newton` in the bracket [λ, 2(λ + Σ η/P)] (λ = 0: below
    Σ η/P, where the residual is positive), started from the previous root along a curve (``warm``; the bracket
    narrowed by the monotonicity of κ, increasing in λ, decreasing in P; not if warm["cold"]) or from the root of
    a sketch (cached in ``warm`` with the order and Σ η): the top _SKETCH modes of a sorted spectrum and 2 _SKETCH
    of the others (every s-th, midpoints), counted s times."""
    order = warm["order"] = warm["order"] if "order" in warm else _order(eta)
    warm["total"] = total
    lo, hi = (lam, 2 * (lam + total / P)) if lam > 0 else (np.finfo(float).tiny, total / P)
    if lam == 0:
        n_big, e1, _ = _pass([(*_split(eta, order, hi), 1)], hi, np.empty(min(_CHUNK, eta.size)))
        if not _compiled()["implicit_res"](P=P, gap=P - n_big, C1=e1) > 0:
            return hi, None       # the root lies within the working precision of Σ η/P (see the mp route)
    prev, k, guess = None if warm.get("cold") else warm.get("prev"), math.sqrt(lo) * math.sqrt(hi), None
    if prev is not None and lo < prev[2] < hi:   # κ is increasing in λ and decreasing in P
        lo, hi = (max(lo, prev[2] * (1 - 4 * _EPS)) if P <= prev[0] and lam >= prev[1] else lo,
                  min(hi, prev[2] * (1 + 4 * _EPS)) if P >= prev[0] and lam <= prev[1] else hi)
        k = prev[2]
    if eta.size >= 16 * _SKETCH:
        if "sketch" not in warm:
            top = _SKETCH if order else 0
            head, tail = (eta[:top], eta[top:]) if order <= 0 else (eta[eta.size - top:], eta[:eta.size - top])
            s = max(1, tail.size // (2 * _SKETCH))
            warm["sketch"] = [(head, order, 1), (tail[s // 2::s].copy(), order, s)]
        groups = warm["sketch"]
        top = lam + sum(w * float(np.sum(e)) for e, _, w in groups) / P
        prev = prev if prev is not None and prev[3] is not None else None
        start = prev[3] if prev is not None and lam < prev[3] < 2 * top else math.sqrt(lam or lo) * math.sqrt(top)
        guess = _newton(groups, P, lam, lam or lo, 2 * top, start, 1e-7)[0]
        k = guess * (prev[2] / prev[3] if prev is not None else 1.0)   # the sketch's bias at the previous point
    k = min(max(k, lo), hi)
    kappa, root = _newton([(eta, order, 1)], P, lam, lo, hi, k, 4 * _EPS)
    warm["prev"] = (P, lam, kappa, guess)
    return kappa, root


# ---- learning curve ---------------------------------------------------------------------
def _point(eta, w, P, ridge, noise, mp, warm=None):
    c, D = _compiled(), len(eta)
    kappa, root = _solve_kappa(eta, P, ridge, mp, warm)
    S1, S2 = (c[k](eta, None, kappa, mp=mp) for k in ("S1", "S2"))
    T = c["T"](eta, w, kappa, mp=mp)
    gamma, omg = c["gamma"](mp=mp, S2=S2, P=P), one_minus_gamma(eta, P, kappa, mp)
    sigma = mpmath.sqrt(noise) if mp else math.sqrt(noise)
    if omg == 0:  # ridgeless at D = P: noiseless recovery is exact, label noise is amplified without bound
        zero, inf = (mpmath.mpf(0), mpmath.inf) if mp else (0.0, math.inf)
        noisy = inf if noise > 0 else zero
        return RidgeResult(P, ridge, kappa, gamma, noisy, zero, zero, zero, noisy, S1 / D, root)
    values = dict(kappa=kappa, omg=omg, gamma=gamma, T=T)
    E_g = c["E_g"](mp=mp, sigma=sigma, **values)
    E_tr = c["E_tr"](mp=mp, train=_train_factor(eta, P, ridge, kappa, mp), E_g=E_g, sigma=sigma)
    return RidgeResult(P, ridge, kappa, gamma, E_g, E_tr, c["bias2"](mp=mp, kappa=kappa, T=T),
                       c["var_X"](mp=mp, **values), c["var_X_noise"](mp=mp, omg=omg, gamma=gamma, sigma=sigma),
                       S1 / D, root)


_FIELDS = ("kappa", "gamma", "E_g", "E_tr", "bias2", "var_X", "var_X_noise", "df1")


def _float_point(eigenvalues, teacher_coefficients, P, ridge, noise, warm=None):
    """float64 point (``warm``: what the points of a curve share, see :func:`_newton_kappa`); redone at 30 digits
    if float64 overflows or turns invalid."""
    eta, w, Pf, lam, sig2 = validate_inputs(eigenvalues, teacher_coefficients, P, ridge, noise)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = _point(eta, w, Pf, lam, sig2, False, warm)
        if all(math.isfinite(getattr(out, f)) or getattr(out, f) == math.inf for f in _FIELDS):
            return out
    except (FloatingPointError, OverflowError, ZeroDivisionError, ValueError):
        pass
    with workdps(FALLBACK_DPS):
        exact = _point(*validate_inputs(eigenvalues, teacher_coefficients, P, ridge, noise, mp=True), True)
    return replace(exact, P=Pf, ridge=lam, **rounded_fields(exact, _FIELDS))


def rounded_fields(exact, fields) -> dict:
    """The mpmath ``fields`` of ``exact`` rounded to float64; ValueError where a finite value lies beyond
    the float64 range (it would round to ±inf, a wrong value): such arguments need ``dps``."""
    out = {f: float(getattr(exact, f)) for f in fields}
    beyond = [f for f in fields if mpmath.isfinite(getattr(exact, f)) and not math.isfinite(out[f])]
    if beyond:
        values = ", ".join(f"{f} = {mpmath.nstr(getattr(exact, f), 5)}" for f in beyond)
        raise ValueError(f"{values} at these arguments lies beyond the float64 range |x| <= "
                         f"{np.finfo(float).max:.4g}; pass dps to get it as an mpmath number")
    return out


def _as_list(x) -> list:
    """Scalars (float, int, numpy scalar, mpf, decimal string) become one-element lists."""
    if isinstance(x, (str, mpmath.mpf)) or np.ndim(x) == 0:
        return [x]
    out = list(np.asarray(x, dtype=object).ravel())
    if not out:
        raise ValueError("P and ridge must not be empty")
    return out


def broadcast_points(P, ridge):
    """(list of P, list of ridges, whether both were scalars): the points of a learning curve, P and
    ridge broadcast against each other (one of them may be a scalar)."""
    Ps, ridges = _as_list(P), _as_list(ridge)
    if len(Ps) != len(ridges) and 1 not in (len(Ps), len(ridges)):
        raise ValueError(f"P and ridge must broadcast: lengths {len(Ps)} and {len(ridges)}")
    n = max(len(Ps), len(ridges))
    scalar = n == 1 and np.ndim(P) == 0 and np.ndim(ridge) == 0
    return Ps * (n // len(Ps)), ridges * (n // len(ridges)), scalar


def learning_curve(eigenvalues, teacher_coefficients, P, ridge, noise_variance=0.0, dps=None):
    """Deterministic-equivalent learning curve of ridge regression.

    κ solves κ(1 − Σ_k η_k/(η_k+κ)/P) = λ; γ = Σ_k η_k²/(η_k+κ)²/P;
    E_g = (κ² tf₁'(κ) + γσ²)/(1 − γ), tf₁'(κ) = Σ_k w̄_k² η_k/(η_k+κ)²;
    E_tr = (1 − q df¹(κ))²(E_g + σ²); Bias² = κ² tf₁', Var_X = κ² tf₁' γ/(1−γ), Var_Xε = σ²γ/(1−γ)
    (arXiv:2405.00592; each derived, or quoted and checked, in the ``ridge-regression`` entry).

    ``eigenvalues`` η_k of Σ and ``teacher_coefficients`` w̄_k (not squared) in its eigenbasis;
    ``P`` samples (scalar or array), ``ridge`` λ ≥ 0 (scalar or array; 0 takes the ridgeless
    branch: κ = 0 for D < P, the implicit ridge for D > P; at D = P, E_g = ∞ with label noise
    and 0 without); ``noise_variance`` σ². Returns a :class:`RidgeResult` (a list of them
    when P or ridge is an array) of float64 numbers, or of mpmath numbers at ``dps`` digits;
    then decimal strings and mpf inputs are read exactly at that precision.

    >>> r = learning_curve([1.0] * 200, [0.1] * 200, P=100, ridge=0.0)     # isotropic, q = 2
    >>> round(r.kappa, 10)                                                  # κ = q − 1
    1.0
    """
    Ps, ridges, scalar = broadcast_points(P, ridge)
    if dps is None:
        warm = {"cold": True}   # the spectrum's order, sum and sketch shared; κ not started from the previous
        # root, so that each point equals its single call bit for bit (solve_kappa_curve does warm starts)
        out = [_float_point(eigenvalues, teacher_coefficients, p, r, noise_variance, warm) for p, r in zip(Ps, ridges)]
    else:
        with workdps(validate_dps(dps)):
            out = [_point(*validate_inputs(eigenvalues, teacher_coefficients, p, r, noise_variance, mp=True), True)
                   for p, r in zip(Ps, ridges)]
    return out[0] if scalar else out
