"""Fuzzing of the public numeric API of every area (issue 13): each call either returns finite numbers that
satisfy the function's documented invariants, or raises ValueError/TypeError whose message names an argument.

Each test draws a small valid problem (milliseconds per call) and, in most examples, replaces one argument by
an odd value: NaN, ±inf, huge (1e308, 10**400), tiny (1e-300), zero, negative, complex, bool, None, strings,
``Fraction``, NumPy scalars (``np.float32``, ``np.int64``), 0-d arrays, lists and arrays of the wrong shape,
length or dtype. A value that no argument of that kind accepts (None, a non-numeric string, NaN, a complex
number with an imaginary part, a number out of the argument's documented range) must be refused naming that
argument; any other value may be accepted (then the invariants are checked) or refused naming some argument.

The example budget is fixed (profile ``fuzz``: derandomised, no example database, no deadline), so the module
runs in well under a minute; the budget per function is ``EXAMPLES[...]``.
"""
from __future__ import annotations

import math
import re
import warnings
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from derivations import dmft, feature_learning, online_sgd, random_features, ridge, spectra
from numerics import validate

settings.register_profile("fuzz", deadline=None, derandomize=True, database=None, print_blob=False,
                          suppress_health_check=list(HealthCheck),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
FUZZ = settings.get_profile("fuzz")
EXAMPLES = {"law": 120, "density": 120, "ridge": 100, "solve_kappa": 80, "spectrum": 80, "ridge_power_law": 10,
            "rf": 60, "projection_level": 50, "rf_power_law": 8, "dmft": 40, "dmft_simulation": 30,
            "online_sgd": 20, "order_parameters": 12, "stability": 60, "validate": 150, "rf_dynamics_gd": 20, "rf_dynamics": 25,
            "feature_learning": 40}


def fuzz(name):
    return settings(FUZZ, max_examples=EXAMPLES[name])


# ---- odd values ----------------------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
#: refused by every numeric argument
ALWAYS_BAD = [None, "abc", NAN, 1 + 1j, np.complex128(0.5 + 2j), object()]
#: scalars a real argument might accept or refuse (refused: then by name)
ODD_SCALARS = [INF, -INF, 1e308, 10 ** 400, -(10 ** 400), 1e-300, 5e-324, 0, 0.0, -0.0, -1.0, -1, True, False,
               complex(2, 0), "0.5", " 2 ", "1e-3", "inf", Fraction(1, 3), Fraction(10 ** 400, 3),
               np.float32(0.5), np.float32(3), np.int64(3), np.int64(-2), np.float64(2.5), np.float16(1.5),
               np.array(1.5), np.array([2.0]), [1.0, 2.0], np.ones((2, 2)), (), [], mpmath.mpf("0.25"),
               mpmath.mpf("1e-400"), mpmath.mpc(1, 1), b"1", 1.5, 3, 64]


def odd_arrays(n):
    """Arrays for an argument of length ``n`` (valid length, wrong lengths, shapes, dtypes, entries)."""
    base = np.linspace(1.0, 0.5, n)
    with_nan, with_inf, with_neg = base.copy(), base.copy(), base.copy()
    with_nan[-1], with_inf[0], with_neg[0] = NAN, INF, -0.5
    return [with_nan, with_inf, with_neg, base.astype(np.float32), np.arange(1, n + 1), base + 0j, base + 1j,
            base.astype(object), [str(v) for v in base], base[:-1], np.append(base, 1.0), base.reshape(1, -1),
            np.zeros(n), np.full(n, 1e308), np.full(n, 1e-300), np.full(n, 1e-320), np.array([]), base[0],
            list(base), [Fraction(k + 1, k + 2) for k in range(n)], [True] * n, np.full(n, 10.0 ** 200)]


def one_odd(names, arrays=(), n=None):
    """None (all valid) or (argument, odd value) with the value drawn for the argument's kind."""
    choices = [st.tuples(st.just(a), st.sampled_from(ALWAYS_BAD + ODD_SCALARS)) for a in names]
    choices += [st.tuples(st.just(a), st.sampled_from(ALWAYS_BAD + odd_arrays(n) + ODD_SCALARS[:12]))
                for a in arrays]
    return st.one_of(st.none(), *choices) if choices else st.none()


# ---- the contract ----------------------------------------------------------------------------------------------
def _mentions(message, names):
    return any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", message) for n in names)


def _is_always_bad(value):
    """None, a non-numeric string, a bare object, NaN or a number with an imaginary part."""
    if value is None or type(value) is object:
        return True
    if isinstance(value, str):
        return value == "abc"
    if isinstance(value, (complex, np.complexfloating, mpmath.mpc)):
        return value.imag != 0
    if isinstance(value, float):
        return math.isnan(value)
    return False


def call(fn, args, odd, names, aliases=None, bad=(), also=()):
    """Call ``fn(**args)`` with the odd value (if any) put in; return the result, or None after a clean refusal.

    ``names``: the arguments (each refusal must name one of them, or an alias in ``aliases``); ``bad``: values
    that the odd argument must refuse in addition to ALWAYS_BAD (e.g. 0 and negatives for a positive one);
    ``also``: other arguments given bad values on purpose (a refusal may name them instead)."""
    aliases = aliases or {}
    args = dict(args)
    must_refuse = False
    if odd is not None:
        arg, value = odd
        args[arg] = value
        must_refuse = _is_always_bad(value) or any(value is b for b in bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(**args)
        except (ValueError, TypeError) as exc:
            accepted = [n for a in names for n in (a, *aliases.get(a, ()))]
            if must_refuse:
                accepted = [a for a in (odd[0], *also) for a in (a, *aliases.get(a, ()))]
            assert _mentions(str(exc), accepted), f"{fn.__name__}: message names none of {accepted}: {exc!r}"
            return None
    assert not must_refuse and not also, f"{fn.__name__}({odd[0]}={odd[1]!r}) was accepted: {out!r}"
    return out


def mp(x):
    """A float, NumPy or mpmath number as an mpf (exact)."""
    return x if isinstance(x, mpmath.mpf) else mpmath.mpf(float(x))


def finite(*xs):
    for x in xs:
        assert mpmath.isfinite(mp(x)), xs


def close(a, b, rel):
    a, b = mp(a), mp(b)
    return abs(a - b) <= rel * max(abs(a), abs(b)) + mpmath.mpf(10) ** -280


def geq(a, b, rel=1e-9):
    a, b = mp(a), mp(b)
    return a >= b - rel * abs(b) - mpmath.mpf(10) ** -300


BAD_DPS = {repr(v): ("dps",) for v in (0, -3, "x", 2.5, 10 ** 6, 1, "x")}


# ---- spectra ------------------------------------------------------------------------------------------------
@fuzz("law")
@given(q=st.one_of(st.floats(1e-6, 1e6), st.sampled_from([1, 4, Fraction(1, 4), np.float32(2), np.int64(3)])),
       dps=st.sampled_from([None, None, 20, 0, -3, "x", 2.5, 10 ** 6]), odd=one_odd(["q_value"]))
def test_law(q, dps, odd):
    out = call(spectra.law, {"q_value": q, "dps": dps}, odd, ["q_value", "dps"], {"q_value": ["q"]},
               bad=(0, 0.0, -0.0, -1.0, -1, -INF, np.int64(-2), -(10 ** 400)), also=BAD_DPS.get(repr(dps), ()))
    if out is not None:
        lo, hi, atom = out["lower"], out["upper"], out["atom"]
        finite(lo, hi, atom)
        assert 0 <= mp(lo) <= mp(hi) and 0 <= mp(atom) <= 1, out     # atom = 1 − 1/q rounds to 1 at q ≳ 1e16


@fuzz("density")
@given(x=st.one_of(st.floats(-1, 10), st.lists(st.floats(-1, 10), min_size=1, max_size=6).map(np.array)),
       q=st.floats(1e-3, 1e3), dps=st.sampled_from([None, None, None, 20]), odd=one_odd(["x_values", "q_value"]))
def test_density(x, q, dps, odd):
    out = call(spectra.density, {"x_values": x, "q_value": q, "dps": dps}, odd, ["x_values", "q_value", "dps"],
               {"q_value": ["q"], "x_values": ["x"]}, bad=(0, 0.0, -0.0, -1, -INF) if odd and odd[0] == "q_value"
               else ())
    if out is not None:
        values = [out] if isinstance(out, mpmath.mpf) else np.ravel(out)
        finite(*values)
        assert all(mp(v) >= 0 for v in values), out
        if dps is None and odd is None:
            assert np.shape(out) == np.shape(x)


# ---- ridge ----------------------------------------------------------------------------------------------------
def problem(draw_n, alpha, rr):
    k = np.arange(1, draw_n + 1, dtype=float)
    eta = k ** -alpha
    w = np.sqrt(k ** -(2 * alpha * rr + 1) / eta)
    return eta, w / np.linalg.norm(w)


RIDGES = st.sampled_from([0.0, 0.0, 1e-6, 1e-3, 0.1, 1.0, 10.0])


def check_ridge_result(r, D, noise_variance):
    """κ ≥ λ ≥ 0, 0 ≤ γ ≤ 1, every error term ≥ 0 and E_g = Bias² + Var_X + Var_Xε; E_g = ∞ only ridgeless at
    D = P with label noise (γ = 1)."""
    kappa, gamma, lam = mp(r.kappa), mp(r.gamma), mp(r.ridge)
    finite(kappa, gamma, r.E_tr, r.bias2, r.df1)
    assert geq(kappa, lam) and kappa >= 0 and 0 <= gamma <= 1, r
    terms = [mp(r.E_g), mp(r.E_tr), mp(r.bias2), mp(r.var_X), mp(r.var_X_noise)]
    assert all(t >= 0 for t in terms), r
    if not mpmath.isfinite(mp(r.E_g)):
        assert lam == 0 and mp(r.P) == D and mp(noise_variance) > 0 and gamma == 1, r
        return
    finite(r.var_X, r.var_X_noise)
    assert gamma < 1 or (lam == 0 and mp(r.P) == D), r               # γ = 1 ridgeless at D = P (E_g = 0 noiseless)
    assert close(r.E_g, mp(r.bias2) + mp(r.var_X) + mp(r.var_X_noise), 1e-8), r


RIDGE_ARGS = ["eigenvalues", "teacher_coefficients", "P", "ridge", "noise_variance", "dps"]


@fuzz("ridge")
@given(n=st.integers(1, 30), alpha=st.floats(1.1, 3), rr=st.floats(0.1, 2), P=st.sampled_from([1, 3, 10, 30, 1e4]),
       lam=RIDGES, s2=st.sampled_from([0.0, 0.04, 1.0]), dps=st.sampled_from([None, None, None, 20, 1, "x"]),
       same=st.booleans(), data=st.data())
def test_ridge_learning_curve(n, alpha, rr, P, lam, s2, dps, same, data):
    eta, w = problem(n, alpha, rr)
    P = n if same else P                                      # D = P: the interpolation peak
    odd = data.draw(one_odd(["P", "ridge", "noise_variance"], ["eigenvalues", "teacher_coefficients"], n))
    args = {"eigenvalues": eta, "teacher_coefficients": w, "P": P, "ridge": lam, "noise_variance": s2, "dps": dps}
    bad = (0, 0.0, -0.0) if odd and odd[0] == "P" else ()
    out = call(ridge.learning_curve, args, odd, RIDGE_ARGS,
               bad=bad + (-1.0, -1, -INF, np.int64(-2), -(10 ** 400)), also=BAD_DPS.get(repr(dps), ()))
    if out is not None:
        for r in out if isinstance(out, list) else [out]:
            check_ridge_result(r, n, r_noise(args, odd))


def r_noise(args, odd):
    return odd[1] if odd and odd[0] == "noise_variance" else args["noise_variance"]


@fuzz("solve_kappa")
@given(n=st.integers(1, 30), alpha=st.floats(1.1, 3), P=st.sampled_from([1, 3.0, 10, 30.0, 1e-20, 1e12]),
       lam=RIDGES, use_mp=st.booleans(), data=st.data())
def test_solve_kappa(n, alpha, P, lam, use_mp, data):
    eta, _ = problem(n, alpha, 1.0)
    if use_mp:
        eta, P, lam = [mpmath.mpf(e) for e in eta], mpmath.mpf(P), mpmath.mpf(lam)
    odd = data.draw(one_odd(["P", "ridge"], [] if use_mp else ["eta"], n))
    bad = (0, 0.0, -0.0) if odd and odd[0] == "P" else ()
    out = call(ridge.solve_kappa, {"eta": eta, "P": P, "ridge": lam, "mp": use_mp}, odd, ["eta", "P", "ridge"],
               bad=bad + (-1.0, -1, -INF, np.int64(-2), -(10 ** 400)))
    if out is not None:
        kappa, root = out
        lam_used = odd[1] if odd and odd[0] == "ridge" else lam
        finite(kappa)
        assert mp(kappa) >= 0 and geq(kappa, lam_used), out
        assert root is None or root.converged, out


SPECTRUM_VALUES = st.one_of(st.floats(-2, 5), st.sampled_from(ALWAYS_BAD + ODD_SCALARS))


@fuzz("spectrum")
@given(alpha=SPECTRUM_VALUES, r=SPECTRUM_VALUES)
def test_power_law_spectrum(alpha, r):
    out = call(ridge.PowerLawSpectrum, {"alpha": alpha, "r": r}, None, ["alpha", "r"])
    if out is not None:
        a, s = validate.real("alpha", out.alpha), validate.real("r", out.r)
        assert a > 1 and s > 0, out
    for v, name in ((alpha, "alpha"), (r, "r")):
        if _is_always_bad(v):
            assert out is None, (name, v)


SMALL_SPECTRA = st.sampled_from([(1.5, 0.4), (2.0, 1.0), (3.0, 0.25), (Fraction(3, 2), np.float32(0.5))])


@fuzz("ridge_power_law")
@given(spec=SMALL_SPECTRA, P=st.sampled_from([1, 30, 1e3, 1e6]), lam=RIDGES, s2=st.sampled_from([0, 0.04]),
       odd=one_odd(["P", "ridge", "noise_variance", "dps", "spectrum"]))
def test_ridge_power_law_learning_curve(spec, P, lam, s2, odd):
    args = {"spectrum": ridge.PowerLawSpectrum(*spec), "P": P, "ridge": lam, "noise_variance": s2, "dps": 15}
    out = call(ridge.power_law_learning_curve, args, odd, ["spectrum", "P", "ridge", "noise_variance", "dps"],
               bad=(-1.0, -1, -INF))
    if out is not None:
        check_ridge_result(out, math.inf, r_noise(args, odd))
        assert mp(out.gamma) < 1


# ---- random features ---------------------------------------------------------------------------------------------
def check_rf_result(r):
    """κ₁, κ₂ ≥ 0, 0 ≤ ∂ ≤ 1, every term ≥ 0, E_g = the six-term decomposition ≥ E_g^∞ (documented), and the
    K-ensemble error between them."""
    values = [r.kappa1, r.kappa2, r.partial, r.gamma1, r.gamma2, r.E_tr, r.bias2, r.var_X, r.var_F, r.var_XF,
              r.var_X_noise, r.var_XF_noise]
    if not mpmath.isfinite(mp(r.E_g)):                          # ridgeless D = P ≤ N with label noise
        assert mp(r.ridge) == 0 and mp(r.E_g) > 0, r
        return
    finite(*values, r.E_g, r.E_g_infinite_ensemble)
    assert all(mp(v) >= -1e-12 for v in values), r
    assert 0 <= mp(r.partial) <= 1 + 1e-12, r
    parts = sum(mp(v) for v in (r.bias2, r.var_X, r.var_F, r.var_XF, r.var_X_noise, r.var_XF_noise))
    assert close(r.E_g, parts, 1e-7) and geq(r.E_g, r.E_g_infinite_ensemble, 1e-7), r
    e2 = r.ensemble_error(2)
    assert geq(r.E_g, e2, 1e-7) and geq(e2, r.E_g_infinite_ensemble, 1e-7), (r, e2)


@fuzz("rf")
@given(n=st.integers(2, 20), alpha=st.floats(1.1, 3), P=st.sampled_from([2, 5, 20, 1e4]),
       N=st.sampled_from([1, 3, 10, 40, [5, 8], np.int64(7)]), lam=RIDGES, s2=st.sampled_from([0.0, 0.1]),
       dps=st.sampled_from([None, None, None, 20]), data=st.data())
def test_rf_learning_curve(n, alpha, P, N, lam, s2, dps, data):
    eta, w = problem(n, alpha, 0.5)
    odd = data.draw(one_odd(["P", "N", "ridge", "noise_variance"], ["eigenvalues", "teacher_coefficients"], n))
    args = {"eigenvalues": eta, "teacher_coefficients": w, "P": P, "N": N, "ridge": lam, "noise_variance": s2,
            "dps": dps}
    bad = (0, 0.0, -0.0) if odd and odd[0] in ("P", "N") else ()
    out = call(random_features.learning_curve, args, odd, ["eigenvalues", "teacher_coefficients", "P", "N",
                                                           "ridge", "noise_variance", "dps"],
               bad=bad + (-1.0, -1, -INF, np.int64(-2)))
    if out is not None:
        for r in out if isinstance(out, list) else [out]:
            check_rf_result(r)


@fuzz("projection_level")
@given(n=st.integers(2, 20), alpha=st.floats(1.1, 3), widths=st.sampled_from([[1], [3], [10], [40], [5, 8]]),
       kappa1=st.sampled_from([0.0, 1e-8, 1e-3, 0.5, 10.0]), data=st.data())
def test_projection_level(n, alpha, widths, kappa1, data):
    eta, w = problem(n, alpha, 0.5)
    odd = data.draw(one_odd(["kappa1", "widths"], ["eta", "w"], n))
    bad = (-1.0, -1, -INF, np.int64(-2)) + ((0, 0.0) if odd and odd[0] == "widths" else ())
    out = call(random_features.projection_level, {"eta": eta, "w": w, "widths": widths, "kappa1": kappa1}, odd,
               ["eta", "w", "widths", "kappa1"], bad=bad)
    if out is not None:
        finite(*(out[k] for k in ("kappa2", "partial", "Q", "r", "B1mean")))
        assert mp(out["kappa2"]) >= 0 and 0 <= mp(out["partial"]) <= 1 + 1e-12 and mp(out["Q"]) >= 0, out
        assert mp(out["B1mean"]) >= -1e-15 and -1e-15 <= mp(out["r"]) <= 1 + 1e-15, out


@fuzz("rf_power_law")
@given(spec=SMALL_SPECTRA, P=st.sampled_from([30, 1e4, "inf"]), N=st.sampled_from([10, 1e3, [20, 50]]),
       lam=st.sampled_from([0, 1e-3]), odd=one_odd(["P", "N", "ridge", "noise_variance", "dps", "spectrum"]))
def test_rf_power_law_learning_curve(spec, P, N, lam, odd):
    args = {"spectrum": ridge.PowerLawSpectrum(*spec), "P": P, "N": N, "ridge": lam, "noise_variance": 0.04,
            "dps": 15}
    out = call(random_features.power_law_learning_curve, args, odd,
               ["spectrum", "P", "N", "ridge", "noise_variance", "dps"], bad=(-1.0, -1, -INF))
    if out is not None:
        check_rf_result(out)


# ---- DMFT -----------------------------------------------------------------------------------------------------
DMFT_SCALARS = ["P", "weight_decay", "beta", "loss_scale", "teacher_variance", "noise_variance"]


def dmft_args(n, P, g, beta, s2, times):
    lam = np.arange(1, n + 1, dtype=float) ** -1.5
    return {"times": times, "eigenvalues": lam, "P": P, "weight_decay": g, "beta": beta, "loss_scale": 1 / P,
            "teacher_variance": 1.0, "noise_variance": s2}


@fuzz("rf_dynamics")
@given(n=st.integers(1, 12), alpha=st.floats(1.1, 3), N=st.sampled_from([1, 3, 10, 1e4, np.int64(7)]),
       P=st.sampled_from([1, 4, 20, 1e6, INF]), s2=st.sampled_from([0.0, 0.1]),
       times=st.sampled_from([[0.0, 1.0], [0.5], [0.0, 0.3, 2.0, 10.0], np.array([1.0, 40.0])]), data=st.data())
def test_rf_dynamics_loss_curve(n, alpha, N, P, s2, times, data):
    eta, w = problem(n, alpha, 0.5)
    odd = data.draw(st.one_of(one_odd(["N", "P", "noise_variance"], ["eigenvalues", "teacher_coefficients"], n),
                              st.tuples(st.just("times"), odd_times())))
    args = {"times": times, "eigenvalues": eta, "teacher_coefficients": w, "N": N, "P": P, "noise_variance": s2}
    bad = (-1.0, -1, -INF) + ((0, 0.0, -0.0) if odd and odd[0] in ("N", "P") else ())
    out = call(random_features.loss_curve, args, odd, list(args), bad=bad)
    if out is not None:
        T = np.shape(out.times)
        for k in ("test", "train", "ensemble", "mean_predictor"):
            v = np.asarray(getattr(out, k))
            assert v.shape == T and np.all(np.isfinite(v)), (k, out)
        tol = 1e-7 * (1 + np.abs(out.test))
        noise = float(args["noise_variance"]) if odd is None or odd[0] != "noise_variance" else float(odd[1])
        assert np.all(out.train >= -tol) and np.all(out.mean_predictor >= -tol), out
        assert np.all(out.test >= out.ensemble - tol) and np.all(out.ensemble >= out.mean_predictor + noise - tol), out


@fuzz("rf_dynamics_gd")
@given(n=st.integers(1, 10), alpha=st.floats(1.1, 3), N=st.sampled_from([1, 3, 10, 1e4, np.int64(7)]),
       P=st.sampled_from([1, 4, 20, 1e6, INF]), h=st.sampled_from([0.05, 0.5, 1.0, 1.9, 2.5, 50.0]),
       steps=st.sampled_from([[0, 1], [3], [0, 2, 10, 40], np.array([1, 5])]), data=st.data())
def test_rf_dynamics_gradient_descent(n, alpha, N, P, h, steps, data):
    """Gradient descent's losses: finite numbers or a clean refusal (a divergent step raises, naming step_size)."""
    eta, w = problem(n, alpha, 0.5)
    odd = data.draw(one_odd(["N", "P", "step_size", "noise_variance"], ["eigenvalues", "teacher_coefficients"], n))
    args = {"steps": steps, "eigenvalues": eta, "teacher_coefficients": w, "N": N, "P": P, "step_size": h,
            "noise_variance": 0.1}
    bad = (-1.0, -1, -INF) + ((0, 0.0, -0.0) if odd and odd[0] in ("N", "P", "step_size") else ())
    out = call(random_features.discrete_loss_curve, args, odd, list(args), bad=bad)
    if out is not None:
        for k in ("test", "train", "ensemble", "mean_predictor"):
            v = np.asarray(getattr(out, k))
            assert v.shape == np.shape(out.times) and np.all(np.isfinite(v)), (k, out)
        assert np.all(out.train >= -1e-7 * (1 + out.test)), out


DMFT_DRAWS = dict(n=st.integers(1, 8), P=st.sampled_from([2, 5, 10]), g=st.sampled_from([0.0, 0.1, 1.0]),
                  beta=st.sampled_from([10.0, 1e3, math.inf]), s2=st.sampled_from([0.0, 0.1]),
                  times=st.sampled_from([[0.0, 1.0], [0.5], [0.0, 0.3, 2.0, 10.0], np.array([1.0, 4.0])]))


def odd_times():
    return st.sampled_from([[], [-1.0, 1.0], [0.0, NAN], [0.0, INF], [[0.0, 1.0]], [1e308], [1e-300], [1 + 1j],
                            ["1"], None, 2.0, np.float32(1.0), [Fraction(1, 2)], [5.0, 1.0]])


@fuzz("dmft")
@given(**DMFT_DRAWS, method=st.sampled_from(["auto", "auto", "time-domain", "talbot", "bogus"]), data=st.data())
def test_dmft_test_error_curve(n, P, g, beta, s2, times, method, data):
    args = dmft_args(n, P, g, beta, s2, times)
    args["method"] = method
    odd = data.draw(st.one_of(one_odd(DMFT_SCALARS, ["eigenvalues"], n), st.tuples(st.just("times"), odd_times())))
    names = ["times", "eigenvalues", *DMFT_SCALARS, "method", "dt", "dps"]
    bad = (-1.0, -1, -INF) + ((0, 0.0) if odd and odd[0] in ("P", "loss_scale", "beta") else ())
    out = call(dmft.test_error_curve, args, odd, names, bad=bad)
    if out is not None:
        assert method != "bogus"
        T = np.shape(out.times)
        for k in ("total", "bias", "variance_data", "variance_langevin", "clean", "label_noise"):
            v = np.asarray(getattr(out, k))
            assert v.shape == T and np.all(np.isfinite(v)), (k, out)
        assert np.all(np.isfinite(out.mode_mean))
        tol = 1e-9 * (1 + np.abs(out.total))
        assert np.all(out.total >= -tol) and np.all(out.bias >= -tol) and np.all(out.variance_langevin >= -tol)
        assert np.allclose(out.total, out.bias + out.variance_data + out.variance_langevin, rtol=1e-8, atol=1e-12)


@fuzz("dmft_simulation")
@given(**DMFT_DRAWS, teacher=st.sampled_from([None, None, "ones", "zeros"]), n_draws=st.sampled_from([2, 4]),
       data=st.data())
def test_dmft_simulate_test_error(n, P, g, beta, s2, times, teacher, n_draws, data):
    args = dmft_args(n, P, g, beta, s2, times)
    args["teacher"] = {None: None, "ones": np.ones(n), "zeros": np.zeros(n)}[teacher]
    args.update(n_draws=n_draws, entropy=1)
    odd = data.draw(st.one_of(one_odd(DMFT_SCALARS + ["n_draws"], ["eigenvalues", "teacher"], n),
                              st.tuples(st.just("times"), odd_times())))
    names = ["times", "eigenvalues", *DMFT_SCALARS, "teacher", "n_draws", "entropy", "draws_per_task"]
    bad = (-1.0, -1, -INF) + ((0, 0.0) if odd and odd[0] in ("P", "loss_scale", "beta", "n_draws") else ())
    out = call(dmft.simulate_test_error, args, odd, names, bad=bad)
    if out is not None:
        for k, est in out.items():
            mean, se = (np.asarray(est.mean), np.asarray(est.se)) if hasattr(est, "mean") else (np.asarray(est), 0)
            assert np.all(np.isfinite(mean)) and np.all(np.isfinite(se)) and np.all(np.asarray(se) >= 0), k
        assert np.all(out["total"].mean >= 0) and np.all(out["variance_langevin"].mean >= 0)


# ---- online SGD ---------------------------------------------------------------------------------------------
SGD_ARGS = ["alphas", "student_weights", "teacher_weights", "eigenvalues", "eta", "activation",
            "normalized_outputs", "noise_variance", "rtol", "atol", "trainable"]


def sgd_problem(seed, N, K, blocks):
    rng = np.random.default_rng(seed)
    lam = np.repeat(np.linspace(1.0, 0.25, blocks), N // blocks)
    return 0.1 * rng.standard_normal((K, N)), rng.standard_normal((K, N)) / 2, lam


def sgd_odd(N):
    return st.one_of(one_odd(["eta", "noise_variance", "rtol", "atol"]),
                     st.tuples(st.sampled_from(["alphas"]), st.sampled_from(
                         [[], [-1.0, 1.0], [0.0, NAN], [0.0, INF], [[0.0, 1.0]], None, [1 + 1j], 2.0, [2.0, 1.0]])),
                     st.tuples(st.sampled_from(["student_weights", "teacher_weights"]),
                               st.sampled_from(ALWAYS_BAD + [np.full((1, N), NAN), np.full((1, N), INF),
                                                             np.ones(N), np.ones((1, N + 1)), np.ones((1, N)) + 1j,
                                                             np.zeros((0, N)), np.ones((1, N), np.float32)])),
                     st.tuples(st.just("eigenvalues"), st.sampled_from(ALWAYS_BAD + odd_arrays(N))),
                     st.tuples(st.just("activation"), st.sampled_from(["relu", None, 1, "ERF"])),
                     st.tuples(st.just("trainable"), st.sampled_from([np.ones(N, bool), np.zeros(N, bool),
                                                                      np.ones(N + 1, bool), "x"])))


@fuzz("online_sgd")
@given(seed=st.integers(0, 3), activation=st.sampled_from(["linear", "erf"]), blocks=st.sampled_from([1, 2]),
       eta=st.sampled_from([0.05, 0.5]), s2=st.sampled_from([0.0, 0.01]), normalized=st.booleans(), data=st.data())
def test_generalization_curve(seed, activation, blocks, eta, s2, normalized, data):
    N = 8
    J, B, lam = sgd_problem(seed, N, 1, blocks)
    odd = data.draw(st.one_of(st.none(), sgd_odd(N)))
    args = {"alphas": [0.0, 0.5, 2.0], "student_weights": J, "teacher_weights": B, "eigenvalues": lam, "eta": eta,
            "activation": activation, "normalized_outputs": normalized, "noise_variance": s2}
    bad = (-1.0, -1, -INF) + ((0, 0.0) if odd and odd[0] == "eta" else ())
    out = call(online_sgd.generalization_curve, args, odd, SGD_ARGS, {"eta": ["eta (learning rate)"]}, bad=bad)
    if out is not None:
        out = np.asarray(out)
        assert out.shape == np.shape(args["alphas"] if not odd or odd[0] != "alphas" else odd[1]), out
        assert np.all(np.isfinite(out)) and np.all(out >= 0), out


@fuzz("order_parameters")
@given(seed=st.integers(0, 3), activation=st.sampled_from(["linear", "erf"]), data=st.data())
def test_order_parameter_curve(seed, activation, data):
    N = 8
    J, B, lam = sgd_problem(seed, N, 1, 2)
    odd = data.draw(st.one_of(st.none(), sgd_odd(N)))
    args = {"alphas": [0.0, 1.0], "student_weights": J, "teacher_weights": B, "eigenvalues": lam, "eta": 0.3,
            "activation": activation}
    bad = (-1.0, -1, -INF) + ((0, 0.0) if odd and odd[0] == "eta" else ())
    out = call(online_sgd.order_parameter_curve, args, odd, SGD_ARGS, {"eta": ["eta (learning rate)"]}, bad=bad)
    if out is not None:
        for k in ("q", "r", "Q1", "R1", "T1"):
            assert np.all(np.isfinite(getattr(out, k))), k
        Q1 = np.asarray(out.Q1)
        assert np.all(np.diagonal(Q1, axis1=-2, axis2=-1) >= 0), Q1     # Q_ii = |J_i|²_Σ/N ≥ 0


@fuzz("stability")
@given(blocks=st.sampled_from([1, 2, 4]), K=st.sampled_from([1, 2]), activation=st.sampled_from(["linear", "erf"]),
       normalized=st.booleans(), data=st.data())
def test_stability_limit(blocks, K, activation, normalized, data):
    N = 8
    _, B, lam = sgd_problem(0, N, K, blocks)
    odd = data.draw(st.one_of(st.none(), one_odd(["K"], ["eigenvalues"], N),
                              st.tuples(st.just("activation"), st.sampled_from(["relu", None, 1])),
                              st.tuples(st.just("teacher_weights" if activation == "erf" else "K"),
                                        st.sampled_from(ALWAYS_BAD + [np.full((K, N), NAN), np.ones((K, N + 1)),
                                                                      np.ones((K + 1, N)), np.ones(N)]))))
    args = {"eigenvalues": lam, "K": K, "activation": activation, "normalized_outputs": normalized,
            "teacher_weights": B}
    bad = (-1.0, -1, -INF, 0, 0.0, 1.5, "relu", 1) if odd and odd[0] in ("K", "activation") else (-1.0, -INF)
    out = call(online_sgd.stability_limit, args, odd, ["eigenvalues", "K", "activation", "normalized_outputs",
                                                       "teacher_weights"], bad=bad)
    if out is not None:
        finite(out)
        assert float(out) > 0, out


# ---- numerics.validate ----------------------------------------------------------------------------------------
def _oracle_float(value):
    """float(value) for a real scalar that validate accepts as one, else None."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating, mpmath.mpc)) or value is None:
        return None
    if np.ndim(value) != 0 or np.iscomplexobj(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


@fuzz("validate")
@given(kind=st.sampled_from(["positive_int", "positive", "positive_inf", "nonnegative", "real", "finite"]),
       name=st.sampled_from(["x", "noise_variance", "P"]),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10 ** 30),
                       st.sampled_from(ALWAYS_BAD + ODD_SCALARS + odd_arrays(3))))
def test_validate(kind, name, value):
    fn = (lambda n, v: validate.positive(n, v, allow_inf=True)) if kind == "positive_inf" else getattr(validate, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(name, value)
        except ValueError as exc:
            assert str(exc).startswith(name + " must be"), exc
            out = None
    f = _oracle_float(value)
    if kind == "positive_int":
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1
        assert (out is not None) == ok and (out is None or (type(out) is int and out == value)), (value, out)
    elif kind in ("positive", "positive_inf", "nonnegative"):
        ok = f is not None and not math.isnan(f) and (
            (0 < f < INF) if kind == "positive" else (f > 0) if kind == "positive_inf" else (0 <= f < INF))
        assert (out is not None) == ok, (kind, value, out)
        assert out is None or (type(out) is float and out == f), (value, out)
    elif kind == "real":
        if out is not None:
            assert isinstance(out, mpmath.mpf) and mpmath.isfinite(out), (value, out)
        if f is not None and math.isfinite(f) and not isinstance(value, str):
            assert out is not None and out == mpmath.mpf(f) or isinstance(value, (Fraction, mpmath.mpf)), (value, out)
        if _is_always_bad(value) or isinstance(value, bool) or (f is not None and not math.isfinite(f)):
            assert out is None, (value, out)
    else:
        if out is not None:
            assert out.dtype == float and np.all(np.isfinite(out)), (value, out)
        if _is_always_bad(value):
            assert out is None, (value, out)


# ---- plain regression tests for what the fuzzing found (issue 13) ------------------------------------------------
def test_solve_kappa_refuses_bad_arguments_by_name():
    import pytest
    eta = np.arange(1, 6) ** -2.0
    for kwargs, name in (({"P": -5.0}, "P"), ({"ridge": NAN}, "ridge"), ({"P": 5e-324}, "P"), ({"P": None}, "P"),
                         ({"eta": eta + 1j}, "eta"), ({"eta": ["a", "b"]}, "eta")):
        args = {"eta": eta, "P": 5.0, "ridge": 1e-3, **kwargs}
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            ridge.solve_kappa(**args)


def test_projection_level_refuses_bad_arguments_by_name():
    import pytest
    eta, w = problem(4, 2.0, 0.5)
    for kwargs, name in (({"kappa1": -0.01}, "kappa1"), ({"widths": 4}, "widths"), ({"widths": [0]}, "widths"),
                         ({"w": "abc"}, "w"), ({"eta": None}, "eta"), ({"eta": np.ones(3)}, "w"),
                         ({"eta": np.full(4, 1e200)}, "eta")):
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            random_features.projection_level(**{"eta": eta, "w": w, "widths": [4], "kappa1": 0.01, **kwargs})


def test_power_law_routes_refuse_a_non_spectrum_by_name():
    import pytest
    with pytest.raises(TypeError, match="^spectrum"):
        ridge.power_law_learning_curve(None, 10, 0)
    with pytest.raises(TypeError, match="^spectrum"):
        random_features.power_law_learning_curve("x", 10, 5, 0)


def test_stability_limit_and_validate_refuse_by_name():
    import pytest
    lam = np.ones(8)
    for kwargs, name in (({"K": 0}, "K"), ({"K": 10 ** 400}, "K"), ({"activation": "relu"}, "activation"),
                         ({"eigenvalues": np.zeros(8)}, "eigenvalues"),
                         ({"activation": "erf", "K": 1, "teacher_weights": "abc"}, "teacher_weights"),
                         ({"activation": "erf", "K": 1, "teacher_weights": np.ones((1, 8)),
                           "eigenvalues": np.full(8, 1e200)}, "eigenvalues")):
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            online_sgd.stability_limit(**{"eigenvalues": lam, "K": 2, **kwargs})
    with pytest.raises(ValueError, match="^eigenvalues"):                      # was OverflowError
        validate.finite("eigenvalues", 10 ** 400)


FL_SCALARS = ["gamma0", "samples", "replicas", "step", "tol", "damping", "max_iterations", "depth", "seed"]


@fuzz("feature_learning")
@given(P=st.integers(1, 3), D=st.integers(1, 4), activation=st.sampled_from(["tanh", "relu", "erf", "linear", "swish"]),
       gamma0=st.sampled_from([1e-3, 0.5, 2.0]), depth=st.sampled_from([1, 1, 2]),
       method=st.sampled_from([None, None, "sweep", "alternating", "exact", "bogus"]),
       times=st.sampled_from([[0.0, 1.0], [0.5], [0.0, 0.3, 1.0]]), data=st.data())
def test_feature_learning_dmft_curve(P, D, activation, gamma0, depth, method, times, data):
    """dmft_curve: finite predictions, loss and kernel with the documented shapes and a converged record, or a
    clean refusal naming the argument."""
    rng = np.random.default_rng(P * 10 + D)
    X, y = rng.standard_normal((P, D)), rng.standard_normal(P)
    odd = data.draw(st.one_of(one_odd(FL_SCALARS, ["y"], P), st.tuples(st.just("times"), odd_times()),
                              st.tuples(st.just("X"), st.sampled_from(ALWAYS_BAD + [np.zeros((P, D)), X[0], X.T,
                                                                                      np.full((P, D), NAN)]))))
    args = {"X": X, "y": y, "times": times, "gamma0": gamma0, "depth": depth, "activation": activation,
            "method": method, "samples": 64, "replicas": 2, "seed": 0}
    names = list(args) + ["step", "tol", "damping", "max_iterations"]
    bad = (-1.0, -1, -INF) + ((0, 0.0, -0.0) if odd and odd[0] in ("gamma0", "samples", "step", "tol", "damping",
                                                                       "max_iterations", "depth") else ())
    wrong = (activation == "swish" or method == "bogus" or (method == "exact" and activation != "linear")
             or (depth > 1 and (method == "sweep" or activation == "relu")))
    also = ("activation", "method", "depth") if wrong else ()
    try:
        out = call(feature_learning.dmft_curve, args, odd, names, bad=bad, also=also)
    except RuntimeError as exc:                  # the deep alternating solver says when it does not converge
        assert "did not converge" in str(exc) and depth > 1 and activation != "linear", exc
        return
    if out is not None:
        T = len(out.times)
        assert out.predictions.shape == (T, P) and out.ntk.shape == (T, P, P) and out.loss.shape == (T,)
        for v in (out.predictions, out.loss, out.ntk, out.predictions_error, out.loss_error, out.ntk_error):
            assert np.all(np.isfinite(v)), out
        assert np.all(out.loss >= 0) and out.convergence.converged
