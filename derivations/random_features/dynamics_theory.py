"""Numbers from ``random-feature-dynamics``: κ(s) on the Talbot contour, the transfer functions H_k(t), the
loss of the mean predictor, and the whole expected test, training and ensemble losses (:func:`loss_curve`).

Every formula is compiled from a statement of :mod:`derivations.random_features.dynamics_steps`: the
residual of (kappa-of-s) and its κ-derivative (SymPy ``diff`` of the statement with Df = Df(κ)), the mode
sums Df = Σ_k η_k/(η_k + κ) and its derivative, Ĥ_k(s) of (transfer-function) and the summand of
(mean-predictor-loss).  Each time t gets the nodes of the fixed Talbot rule (:mod:`numerics.dmft_talbot`,
z_j = δ_j/t); κ is found at the real node by bisection on the physical branch (κ above the root of
Df(κ) = min(N, P), where both factors are positive and the left side of (kappa-of-s) increases), then
continued node by node along the contour with Newton steps from intermediate points; every node's
residual is checked, and a failed check raises instead of returning a number.  The losses are double
Laplace transforms in one-point functions of κ (:mod:`.dynamics_loss_steps`), inverted by a product rule.

>>> import numpy as np
>>> H = transfer_functions([1.0], np.array([1.0, 0.1]), N=1e12, P=1e12)   # both factors → 1
>>> bool(np.allclose(H[0], np.exp(-np.array([1.0, 0.1])), rtol=1e-8))
True
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.spectral import ETA, K, WBAR, spectral_sum
import derivations.random_features.dynamics_loss_steps as ls
import derivations.random_features.dynamics_steps as dyn
from derivations.ridge import PowerLawSpectrum
from numerics.array_roots import bisect_increasing, newton_converged, safeguarded_newton
from numerics.bridge import to_numpy
from numerics.dmft_talbot import DEFAULT_NODES, talbot_nodes
from numerics.frontier import minimise_over_width
from numerics.spectral_quadrature import SpectralRule, power_law_rule, spectral_rule
from numerics.validate import finite, nonnegative, positive

SUBSTEPS = 1
NEWTON_STEPS = 6
#: a Newton step below this, relative to |κ|, ends the iteration at an intermediate point
NEWTON_TOL = 1e-13
#: residual accepted at a node, relative to |s| + |κ|
RESIDUAL_TOL = 1e-10
#: the number of samples (or width) that stands for P = ∞ (N = ∞)
INFINITE_DATA = 1e200
#: allowed range of the eigenvalues (their sum bounded too): products and squares stay in float64
SPECTRUM_RANGE = (1e-100, 1e100)
#: latest t·max η of the one-variable inversion (H_k) and of the double inversion (the losses)
TRANSFER_LATE, LOSS_LATE = 1e12, 1e8
#: t·max η below which a time counts as t = 0
EARLY = 1e-12
#: modes per chunk of the (times, nodes, modes) arrays
CHUNK = 1 << 16
#: elements (κ values × modes) per block of the mode sums: a block's temporaries stay in the cache
BLOCK = 1 << 15

_eta, _w, _kappa, _s, _H = (sp.Symbol(n) for n in ("eta_k", "wbar_k", "kappa", "s", "H_k"))
_Df, _Dfp = sp.Symbol("Df"), sp.Symbol("Dfp")
_q, _m = sp.Symbol("q_k"), sp.Symbol("m_k")


@functools.cache
def evaluator_expressions() -> dict:
    """name -> (SymPy expression, its arguments), read from the steps: what the float64 route compiles here and
    the mpmath route (:mod:`.dynamics_precise_theory`) compiles at its precision."""
    d = dyn.derivation()
    per_mode = {ETA[K]: _eta, WBAR[K]: _w, dyn.kappa: _kappa, dyn.s: _s}
    Df_of = sp.Function("Df")(dyn.kappa)
    lhs = d["kappa-of-s"].rhs.subs(dyn.Df, Df_of)
    slope = sp.diff(lhs, dyn.kappa).subs(sp.Derivative(Df_of, dyn.kappa), _Dfp).subs(Df_of, _Df)
    df_sum = spectral_sum(ETA[K] / (ETA[K] + dyn.kappa))
    tf_sum = spectral_sum(ETA[K] * WBAR[K] ** 2 / (ETA[K] + dyn.kappa))
    atoms = {ls.Df_f(ls.K_1): sp.Symbol("Df_1"), ls.Df_f(ls.K_2): sp.Symbol("Df_2"),
             ls.tf1_f(ls.K_1): sp.Symbol("tf_1"), ls.tf1_f(ls.K_2): sp.Symbol("tf_2")}
    loss_args = [ls.K_1, ls.K_2, ls.k_1, ls.k_2, *atoms.values(), ls.ds.sigma2, dyn.P]
    losses = {"test": d["two-point-loss"][0].rhs, "ensemble": d["ensemble-two-point-loss"].rhs,
              "train": d["training-loss"].rhs}
    summand = df_sum.function.xreplace(per_mode)
    q_of = 1 / sp.fraction(sp.together(summand))[1]                # q_k = 1/(η_k + κ), the summand's resolvent
    in_q = lambda e: _m * sp.expand(e.xreplace(per_mode).subs(1 / q_of, 1 / _q))      # weighted, in q_k alone
    level = d["two-point-loss"][1].rhs.subs(ls.K_1, dyn.kappa).subs(ls.Df_f(dyn.kappa), _Df)     # k = K R_model
    return {
        "residual": ((lhs.subs(Df_of, _Df) - dyn.s).xreplace(per_mode), [_kappa, _Df, dyn.N, dyn.P, _s]),
        "slope": (slope.xreplace(per_mode), [_kappa, _Df, _Dfp, dyn.N, dyn.P]),
        "df": (df_sum.function.xreplace(per_mode), [_eta, _kappa]),
        "dfp": (sp.diff(df_sum, dyn.kappa).function.xreplace(per_mode), [_eta, _kappa]),
        "resolvent": (q_of, [_eta, _kappa]),
        "df_q": (in_q(df_sum.function), [_m, _eta, _q]),
        "dfp_q": (in_q(sp.diff(df_sum, dyn.kappa).function), [_m, _eta, _q]),
        "tf": (tf_sum.function.xreplace(per_mode), [_eta, _w, _kappa]),
        "H": (d["transfer-function"].rhs.xreplace(per_mode), [_eta, _kappa, _s]),
        "loss": (d["mean-predictor-loss"].rhs.function.subs(dyn.H_t, _H).xreplace(per_mode), [_eta, _w, _H]),
        "level": (level, [dyn.kappa, _Df, dyn.N]),
        **{k: (v.xreplace(atoms), loss_args) for k, v in losses.items()},
    }


@functools.cache
def _compiled() -> dict:
    return {name: to_numpy(expr, args) for name, (expr, args) in evaluator_expressions().items()}


def power_law_spectrum(a, b) -> PowerLawSpectrum:
    """The paper's power law, λ_k = k^(−b) and (w*_k)²λ_k = k^(−a) (arXiv:2402.01092, Sec. 2), as the
    catalogue's :class:`~derivations.ridge.PowerLawSpectrum`: capacity α = b, source r = (a − 1)/(2b)
    (η_k w̄_k² = k^(−(1+2αr))).  Infinitely many modes: a > 1 and b > 1.

    >>> power_law_spectrum(a=2.0, b=1.5)
    PowerLawSpectrum(alpha=1.5, r=0.3333333333333333)
    """
    a, b = positive("a", a), positive("b", b)
    if a <= 1 or b <= 1:
        raise ValueError(f"a and b must be > 1 (finite Σ_k k^(−a) and Σ_k k^(−b)), got a={a!r}, b={b!r}")
    return PowerLawSpectrum(alpha=b, r=(a - 1) / (2 * b))


def _rule(eigenvalues, teacher_coefficients=None) -> SpectralRule:
    """The modes as a :class:`~numerics.spectral_quadrature.SpectralRule`: a rule passes through, a
    :class:`~derivations.ridge.PowerLawSpectrum` becomes the infinite power law (η_k = k^(−α),
    η_k w̄_k² = k^(−(1+2αr)), i.e. b = α, a = 1 + 2αr), arrays are kept mode by mode up to
    ``spectral_quadrature.SMALL`` modes and compressed into Gauss rules above."""
    if isinstance(eigenvalues, SpectralRule):
        return eigenvalues
    if isinstance(eigenvalues, PowerLawSpectrum):
        if teacher_coefficients is not None:
            raise ValueError("teacher_coefficients must be None with a PowerLawSpectrum (it carries the teacher)")
        alpha, r = float(eigenvalues.alpha), float(eigenvalues.r)
        return power_law_rule(1 + 2 * alpha * r, alpha)
    eta = finite("eigenvalues", eigenvalues)
    if eta.ndim != 1 or eta.size < 1 or np.any(eta <= 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite values > 0")
    if not (SPECTRUM_RANGE[0] <= eta.min() and eta.sum() <= SPECTRUM_RANGE[1]):
        raise ValueError(f"eigenvalues must lie in [{SPECTRUM_RANGE[0]:g}, {SPECTRUM_RANGE[1]:g}] with a sum below "
                         f"{SPECTRUM_RANGE[1]:g} (float64 range of the mode sums); rescale time instead")
    w = np.zeros_like(eta) if teacher_coefficients is None else _teacher(teacher_coefficients, eta)
    return spectral_rule(eta, w)


def _blocks(kappa, modes):
    """(modes, values, κ column) slices covering a chunk of modes × a block of the flattened κ values small
    enough for the cache."""
    flat = np.asarray(kappa).reshape(-1)
    rows = max(1, BLOCK // min(modes, CHUNK))
    for i in range(0, modes, CHUNK):
        for r in range(0, flat.size, rows):
            yield slice(i, i + CHUNK), slice(r, r + rows), flat[r:r + rows, None]


def _sums(rule, kappa, slope=True):
    """Df(κ) and Df'(κ) (None unless ``slope``) for an array κ (any shape), summed over the count nodes of
    ``rule``: q_k = 1/(η_k + κ) once per pair, then the weighted summands m_k η_k q_k and −m_k η_k q_k²
    (pairwise sums within a chunk of modes)."""
    c = _compiled()
    shape = np.shape(kappa)
    Df = np.zeros(int(np.prod(shape)), dtype=np.result_type(kappa, float))
    Dfp = np.zeros_like(Df) if slope else None
    eta, m = rule.count_nodes, rule.count_weights
    for modes, values, k in _blocks(kappa, eta.size):
        q = c["resolvent"](eta[modes], k)
        Df[values] += c["df_q"](m[modes], eta[modes], q).sum(-1)
        if slope:
            Dfp[values] += c["dfp_q"](m[modes], eta[modes], q).sum(-1)
    return Df.reshape(shape), (Dfp.reshape(shape) if slope else None)


def degrees_of_freedom(eigenvalues, kappa):
    """Df(κ) = Σ_k η_k/(η_k + κ) at an array κ (complex allowed), the summand compiled from the steps.

    >>> complex(degrees_of_freedom([1.0, 3.0], np.array(1.0)))
    (1.25+0j)
    """
    return _sums(_rule(eigenvalues), np.asarray(kappa, dtype=complex))[0]


def _residual(rule, kappa, N, P, s):
    Df, Dfp = _sums(rule, kappa)
    c = _compiled()
    return c["residual"](kappa, Df, N, P, s), c["slope"](kappa, Df, Dfp, N, P)


def _branch_floor(rule, N, P):
    """κ_lo with Df(κ_lo) = min(N, P) if that is below the number of modes, else 0."""
    m = min(N, P)
    if m >= rule.modes or m >= INFINITE_DATA:
        return 0.0
    hi = rule.trace / m * 2
    lo = np.array(rule.bottom * m / rule.modes / 4 if math.isfinite(rule.modes) else 1e-300)
    for _ in range(80):                     # m close to the number of modes: Df(κ) → modes only as κ → 0
        if _sums(rule, lo)[0] > m or lo < 1e-290:
            break
        lo = lo / 1e4
    return float(bisect_increasing(lambda k: m - _sums(rule, np.asarray(k, float))[0], lo, np.array(hi), "κ branch floor"))


def real_kappa(s, eigenvalues, N, P):
    """κ(s) for real s > 0 (array): on the physical branch (above the branch floor), where the residual of
    (kappa-of-s) increases — Newton steps safeguarded by bisection.

    >>> round(float(real_kappa([1.0], [1.0], N=1e12, P=1e12)[0]), 9)   # both factors → 1: κ = s
    1.0
    """
    rule = _rule(eigenvalues)
    s = np.asarray(s, dtype=float)
    floor = _branch_floor(rule, N, P)
    lo = np.full(s.shape, max(floor, 1e-300))
    hi = 4 * s + 2 * rule.trace + 2 * floor
    f = lambda k: _residual(rule, k, N, P, s)
    if np.any(f(lo)[0] >= 0) or np.any(f(hi)[0] <= 0):
        raise ArithmeticError("κ(s) on the real axis: no sign change on the bracket")
    return safeguarded_newton(f, lo, hi, np.clip(s + floor, lo, hi), "κ(s) on the real axis")


def compiled_transfer(eigenvalues, kappa, s):
    """Ĥ_k(s) of (transfer-function), one value per mode, at a given κ(s)."""
    return _compiled()["H"](np.asarray(eigenvalues, dtype=float), kappa, s)


def kappa_on_nodes(z, eigenvalues, N, P, with_df=False):
    """κ(s) at every node of ``z`` (T, M): row j a Talbot contour, column 0 its real node; with ``with_df``
    also Df(κ) there (from the final residual check)."""
    rule = _rule(eigenvalues)
    kappa = np.empty(z.shape, dtype=complex)
    kappa[:, 0] = real_kappa(z[:, 0].real, rule, N, P)
    k, z_prev = kappa[:, 0].astype(complex), z[:, 0]
    _, df = _residual(rule, k, N, P, z_prev)
    curvature, slope_prev, z_before = 0.0, None, None
    for j in range(1, z.shape[1]):
        for sub in range(1, SUBSTEPS + 1):
            zs = z[:, j - 1] + (z[:, j] - z[:, j - 1]) * sub / SUBSTEPS
            slope = 1 / df                              # dκ/ds = 1/(∂ residual/∂κ); d²κ/ds² from the last two slopes
            if slope_prev is not None:
                gap = z_prev - z_before
                moved = gap != 0                        # coinciding nodes (a repeated node): no curvature
                curvature = np.where(moved, (slope - slope_prev) / np.where(moved, gap, 1), 0)
            k = k + slope * (zs - z_prev) + 0.5 * curvature * (zs - z_prev) ** 2          # predictor
            slope_prev, z_before = slope, z_prev
            active = np.ones(k.shape, dtype=bool)       # Newton on the rows not yet converged
            last = np.full(k.shape, np.inf)             # each row's previous step
            for _ in range(NEWTON_STEPS):
                f, df[active] = _residual(rule, k[active], N, P, zs[active])
                step = f / df[active]
                k[active] = k[active] - step
                size, before = np.abs(step), last[active]
                last[active] = size
                active[active] = ~newton_converged(size, before, NEWTON_TOL * np.abs(k[active]))
                if not np.any(active):
                    break
            z_prev = zs
        kappa[:, j] = k
    Df, _ = _sums(rule, kappa, slope=False)
    f = _compiled()["residual"](kappa, Df, N, P, z)
    bad = ~np.isfinite(kappa) | (np.abs(f) > RESIDUAL_TOL * (np.abs(z) + np.abs(kappa)))
    if np.any(bad):
        raise ArithmeticError(f"κ(s) continuation failed at {int(bad.sum())} Talbot nodes (residual check)")
    return (kappa, Df) if with_df else kappa


def _inputs(times, eigenvalues, teacher_coefficients, N, P, late=TRANSFER_LATE):
    """Checked arguments, the modes as a rule.  Times are measured against the fastest mode, x = t·max η:
    x ≤ ``late`` (where the float64 inversion keeps its accuracy; ValueError beyond), and x ≤ EARLY counts
    as t = 0 (the change of any loss is below EARLY relative there)."""
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or t.size < 1 or np.any(t < 0):
        raise ValueError("times must be a non-empty 1-D array of finite values >= 0")
    rule = _rule(eigenvalues, teacher_coefficients)
    if np.max(t) * rule.top > late:
        raise ValueError(f"times must satisfy t·max(eigenvalues) <= {late:g} (float64 accuracy of the Laplace "
                         f"inversion); got {np.max(t) * rule.top:.3g}; later times: the t → ∞ limit")
    t = np.where(t * rule.top <= EARLY, 0.0, t)
    N, P = positive("N", N, allow_inf=True), positive("P", P, allow_inf=True)
    if N < 1 or P < 1:
        raise ValueError(f"N and P (width and number of samples) must be >= 1, got N={N!r}, P={P!r}")
    # N, P = ∞ enter the complex formulas as INFINITE_DATA: inf·(0 + iy) is NaN in complex arithmetic,
    # while the corrections Df/P at that P are below 1e-190 relative
    return t, rule, min(N, INFINITE_DATA), min(P, INFINITE_DATA)


def require_teacher(eigenvalues, teacher_coefficients) -> None:
    """A loss needs the teacher: arrays of eigenvalues need ``teacher_coefficients`` (a power law carries it)."""
    if teacher_coefficients is None and not isinstance(eigenvalues, (SpectralRule, PowerLawSpectrum)):
        raise ValueError("teacher_coefficients must be given (one per eigenvalue) with an array of eigenvalues")


def _teacher(teacher_coefficients, eta):
    w = finite("teacher_coefficients", teacher_coefficients)
    if w.shape != eta.shape:
        raise ValueError(f"teacher_coefficients must have one coefficient per eigenvalue, shape {eta.shape}, "
                         f"got {w.shape}")
    if not np.sum(eta * w * w) <= SPECTRUM_RANGE[1]:
        raise ValueError(f"teacher_coefficients too large: Σ η_k w̄_k² must be below {SPECTRUM_RANGE[1]:g}")
    return w


def _finite_or_raise(values, what):
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what}: the float64 evaluation overflowed for these eigenvalues, teacher_coefficients "
                         "and times (rescale them)")
    return values


def _transfer(t, rule, eta_out, N, P, nodes=DEFAULT_NODES, kappa=None):
    """H(t) at the eigenvalues ``eta_out`` (T × len), κ(s) from the modes of ``rule`` (or ``kappa``, already
    solved at the Talbot nodes of the times t > 0)."""
    H = np.ones((t.size, eta_out.size))
    pos = t > 0
    if np.any(pos):
        delta, gamma = talbot_nodes(nodes)
        z = delta[None, :] / t[pos, None]
        kappa = kappa_on_nodes(z, rule, N, P) if kappa is None else kappa
        c = _compiled()
        rows = np.flatnonzero(pos)
        for i in range(0, eta_out.size, CHUNK):
            e = eta_out[i:i + CHUNK]
            step = max(1, BLOCK // (nodes * e.size))                            # times per cache-sized block
            for r in range(0, rows.size, step):
                b = slice(r, r + step)
                values = c["H"](e, kappa[b, :, None], z[b, :, None])          # (times, M, D)
                H[rows[b], i:i + CHUNK] = (2 / (5 * t[rows[b], None])) * np.real(np.einsum("m,tmd->td", gamma, values))
    return _finite_or_raise(H, "transfer_functions")


def transfer_functions(times, eigenvalues, N, P, nodes: int = DEFAULT_NODES) -> np.ndarray:
    """H_k(t) (T × D): E[β_k(t) − w̄_k] = −H_k(t)w̄_k, by fixed-Talbot inversion of Ĥ_k(s) (float64;
    H_k(0) = 1), one column per eigenvalue.  N and P are the width and the number of samples (floats
    allowed, e.g. 1e12 for a limit).  More than ``spectral_quadrature.SMALL`` modes: κ(s) from the
    compressed rule of the spectrum.

    >>> H = transfer_functions([0.0, 2.0], [1.0, 0.5], N=50, P=80)
    >>> H[0].tolist(), bool(np.all(H[1] > np.exp(-2 * np.array([1.0, 0.5]))))   # slower than e^{−ηt}
    ([1.0, 1.0], True)
    """
    if isinstance(eigenvalues, (SpectralRule, PowerLawSpectrum)):
        raise TypeError("transfer_functions needs the eigenvalues as an array (one H_k per mode)")
    t, rule, N, P = _inputs(times, eigenvalues, None, N, P)
    return _transfer(t, rule, np.asarray(eigenvalues, dtype=float), N, P, nodes)


def mean_predictor_loss(times, eigenvalues, teacher_coefficients, N, P) -> np.ndarray:
    """‖E β(t) − w̄‖²_Σ = Σ_k η_k w̄_k² H_k(t)² (mean-predictor-loss) at each time.  ``eigenvalues`` may be
    a :class:`~derivations.ridge.PowerLawSpectrum` (infinitely many modes; ``teacher_coefficients=None``).

    >>> round(float(mean_predictor_loss([0.0], [1.0, 0.5], [1.0, 2.0], N=10, P=10)[0]), 12)   # H(0) = 1
    3.0
    """
    require_teacher(eigenvalues, teacher_coefficients)
    t, rule, N, P = _inputs(times, eigenvalues, teacher_coefficients, N, P)
    H = _transfer(t, rule, rule.teacher_nodes, N, P)
    return _compiled()["loss"](rule.teacher_nodes, rule.teacher_coefficients, H).sum(-1)


# ---- the whole loss: double Laplace inversion --------------------------------------------------

#: Talbot rules of the two Laplace variables (different, so that z₁ ≠ z₂ at every pair of nodes)
NODES_1, NODES_2 = 18, 19


@dataclass(frozen=True)
class LossCurve:
    """Expected losses of random-feature regression under gradient flow at ``times`` (arrays):
    ``test`` (one model, noisy test labels: + σ²), ``train`` ((1/P)Σ_μ(y_μ − f_μ)²), ``ensemble`` (the model
    averaged over infinitely many projections A on the same data, + σ²), ``mean_predictor`` (‖Eβ − w̄‖²_Σ)."""

    times: np.ndarray
    test: np.ndarray
    train: np.ndarray
    ensemble: np.ndarray
    mean_predictor: np.ndarray


def _full_rule(t, M):
    """Nodes (T, 2M − 1) and weights of the fixed Talbot rule on the whole contour: f(t) ≈ Σ_j ω_j F(z_j)."""
    delta, gamma = talbot_nodes(M)
    z = np.concatenate([np.conj(delta[:0:-1]), delta])[None, :] / t[:, None]
    w_half = gamma / (5 * t[:, None])
    w_half[:, 0] *= 2
    w = np.concatenate([np.conj(w_half[:, :0:-1]), w_half], axis=1)
    return z, w


def _one_point(t, rule, N, P, M, at=None):
    """κ and the one-point functions on the whole contour, computed on its upper half (the lower half holds the
    complex conjugates: every function here has real coefficients); κ at s = z, or at s = at(z)."""
    z, weights = _full_rule(t, M)
    half = M - 1
    kappa_half, Df = kappa_on_nodes(z[:, half:] if at is None else at(z[:, half:]), rule, N, P, with_df=True)
    mirror = lambda x: np.concatenate([np.conj(x[:, :0:-1]), x], axis=1)
    return (z, weights, mirror(kappa_half), *(mirror(x) for x in one_point_functions(rule, kappa_half, N, Df)))


def one_point_functions(rule, kappa, N, Df=None):
    """At κ (any shape): the level k = κR_model of (two-point-loss), Df(κ) (computed unless given) and
    tf(κ) = Σ_k η_k w̄_k²/(η_k + κ) — the one-point functions of the two-point numerators (flow and gradient
    descent alike)."""
    Df = _sums(rule, kappa, slope=False)[0] if Df is None else Df
    c = _compiled()
    tf = np.zeros(np.size(kappa), dtype=complex)
    eta, w = rule.teacher_nodes, rule.teacher_coefficients
    for modes, values, k in _blocks(kappa, eta.size):
        tf[values] += c["tf"](eta[modes], w[modes], k).sum(-1)
    return c["level"](kappa, Df, N), Df, tf.reshape(np.shape(kappa))


def loss_curve(times, eigenvalues, teacher_coefficients, N, P, noise_variance=0.0) -> LossCurve:
    """The expected test, training and ensemble losses of gradient flow at ``times`` (float64): the double
    Laplace transforms of (two-point-loss), (ensemble-two-point-loss) and (training-loss), inverted at
    t₁ = t₂ = t by the product of two fixed Talbot rules (18 and 19 nodes; the transforms are difference
    quotients in κ and the two rules never share a node).  At t = 0 the values are the initial ones.
    Precision: the difference quotients of κ at nodes O(1/t) apart lose digits as t grows — measured
    against linear-random-features' static curve: ~1e-11 relative at t = 10⁶ (1e-9 where P < N),
    8e-7 at t = 10⁸ (η_max = 1); times with t·max η above 10⁸ are refused (ValueError), and below 10⁻¹²
    they count as t = 0.  The model of Bordelon, Atanasov, Pehlevan (arXiv:2402.01092): ``teacher_coefficients``
    are w̄_k (the paper's w*_k), so that w̄_k²η_k = k^(−a) in the power-law setting.

    ``eigenvalues`` may also be a :class:`~derivations.ridge.PowerLawSpectrum` (infinitely many modes, e.g.
    :func:`power_law_spectrum`; then ``teacher_coefficients=None``) or a
    :class:`~numerics.spectral_quadrature.SpectralRule`.  Spectra of more than
    ``spectral_quadrature.SMALL`` modes are summed by Gauss rules on bins of the spectrum (~400 nodes for
    10⁶ modes; the gap to the mode-by-mode sums is at the inversion's own noise, ≤ 1e-9 of L(0) up to
    t = 10⁴ — measured in the tests).

    >>> r = loss_curve([0.0, 1.0], [1.0, 0.5], [1.0, 1.0], N=10, P=10)
    >>> float(r.test[0]), bool(r.test[1] < r.test[0])                      # L(0) = Σ η w̄²
    (1.5, True)
    """
    require_teacher(eigenvalues, teacher_coefficients)
    t, rule, N, P = _inputs(times, eigenvalues, teacher_coefficients, N, P, late=LOSS_LATE)
    s2 = nonnegative("noise_variance", noise_variance)
    kept = {}
    out = _double_inversion(t, rule, N, P, s2, ("test", "train", "ensemble"), kept)
    H = _transfer(t, rule, rule.teacher_nodes, N, P, NODES_1, kept.get("kappa"))        # κ of the first rule
    mean = _compiled()["loss"](rule.teacher_nodes, rule.teacher_coefficients, H).sum(-1)
    return LossCurve(np.atleast_1d(np.asarray(times, dtype=float)), out["test"], out["train"], out["ensemble"], mean)


def _double_inversion(t, rule, N, P, s2, names, kept=None):
    """The losses ``names`` (of test, train, ensemble; label noise included) at checked times t; ``kept`` (a
    dict) receives κ of the first rule on its upper half-contour (the nodes of :func:`_transfer`)."""
    initial = float(np.sum(rule.teacher_weights))
    out = {name: np.full(t.size, initial) for name in names}
    pos = t > 0
    if np.any(pos):
        c = _compiled()
        z1, w1, K1, k1, D1, f1 = _one_point(t[pos], rule, N, P, NODES_1)
        z2, w2, K2, k2, D2, f2 = _one_point(t[pos], rule, N, P, NODES_2)
        # the pairs (z̄₁, z̄₂) give the conjugates of (z₁, z₂): the first rule's lower half is folded onto its upper
        half = NODES_1 - 1
        z1, K1, k1, D1, f1 = (x[:, half:] for x in (z1, K1, k1, D1, f1))
        w1 = w1[:, half:] * np.r_[1.0, np.full(half, 2.0)]
        if kept is not None:
            kept["kappa"] = K1
        a = lambda x: x[:, :, None]
        b = lambda x: x[:, None, :]
        rows, step = np.flatnonzero(pos), max(1, BLOCK // (z1.shape[1] * z2.shape[1]))
        for r in range(0, rows.size, step):                               # cache-sized blocks of times
            x = slice(r, r + step)
            for name in out:
                F = c[name](a(K1[x]), b(K2[x]), a(k1[x]), b(k2[x]), a(D1[x]), b(D2[x]), a(f1[x]), b(f2[x]), s2,
                            P) / (a(z1[x]) * b(z2[x]))
                out[name][rows[x]] = np.einsum("tj,tl,tjl->t", w1[x], w2[x], F).real
    for name in out:
        _finite_or_raise(out[name], "loss_curve")
        # the test and ensemble losses carry the noise of the test label; y² at t = 0 includes it too
        out[name] = out[name] + (s2 if name != "train" else np.where(t > 0, 0.0, s2))
    return out


# ---- the compute-optimal frontier ---------------------------------------------------------------

@dataclass(frozen=True)
class ComputeFrontier:
    """The loss minimised over the width N at fixed compute C = N·t: arrays over C of N*, t* = C/N*, L*."""

    compute: np.ndarray
    width: np.ndarray
    time: np.ndarray
    loss: np.ndarray


def compute_optimal(compute, eigenvalues, teacher_coefficients, P=math.inf, noise_variance=0.0,
                    xatol: float = 1e-4) -> ComputeFrontier:
    """For each budget C, the width N* minimising the test loss of :func:`loss_curve` at t = C/N (no
    power-law ansatz): bounded Brent search in log N over [log N_lo, log C] to ``xatol``, N_lo = 1 or, for
    large C, the width whose time C/N_lo is the latest the inversion allows (t·max η = 10⁸); a minimum at an
    end of that interval (no interior optimum) raises ValueError.  ``P = inf``: infinite data.

    >>> f = compute_optimal([1e3], np.arange(1, 2001) ** -1.5, np.arange(1, 2001) ** -0.25)
    >>> bool(1 < f.width[0] < 1e3), bool(np.isclose(f.width[0] * f.time[0], 1e3))
    (True, True)
    """
    C = np.atleast_1d(finite("compute", compute))
    if C.ndim != 1 or np.any(C <= 1):
        raise ValueError("compute must be a 1-D array of finite values > 1")
    P = positive("P", P, allow_inf=True)
    s2 = nonnegative("noise_variance", noise_variance)
    rule = _rule(eigenvalues, teacher_coefficients)
    _inputs([1.0], rule, None, 1, P, late=LOSS_LATE)                 # the modes, N and P
    loss = lambda c, N: _double_inversion(np.array([c / N]), rule, min(N, INFINITE_DATA), min(P, INFINITE_DATA),
                                          s2, ("test",))["test"][0]
    bounds = lambda c: (max(0.0, math.log(c * rule.top / LOSS_LATE)), math.log(c))
    width, loss = minimise_over_width(C, loss, bounds, xatol)
    return ComputeFrontier(C, width, C / width, loss)
