"""Exponents with a bootstrap over samples: the spectrum η_k ≈ C k^(−α) and the teacher's source
exponent r, with basic bootstrap intervals from resampling the data (never the fitted points) and a
test of whether one power law fits the range (the drift between its two halves).
"""
from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

import derivations.empirical.inputs as inputs
from derivations.empirical.problem import EmpiricalProblem

__all__ = ["PowerLawFit", "SourceFit", "fit_source_power_law", "fit_spectrum_power_law"]


@dataclass(frozen=True)
class PowerLawFit:
    """A fit f_k ≈ C k^(−exponent) over the ranks ``k_range`` (inclusive), least squares in log–log.

    ``low``, ``high``: the basic bootstrap interval at ``level`` over resampled data sets,
    (2θ̂ − q_{(1+level)/2}, 2θ̂ − q_{(1−level)/2}) with q the quantiles of the resampled
    exponents, which removes the resampling bias ``bootstrap_bias`` = mean(θ*) − θ̂ to first
    order (nan without data). ``first_half``/``second_half``: the exponent fitted on the ranks
    below / at or above √(k_min k_max); ``drift_low``/``drift_high``: the same kind of interval
    for second_half − first_half. ``power_law`` is True when that interval contains 0 (one
    exponent fits the whole range), False when it does not, None without a bootstrap.
    """

    quantity: str
    k_range: tuple
    exponent: float
    prefactor: float
    low: float
    high: float
    level: float
    n_boot: int
    bootstrap_bias: float
    first_half: float
    second_half: float
    drift_low: float
    drift_high: float
    rms_log_residual: float

    @property
    def power_law(self):
        if math.isnan(self.drift_low):
            return None
        return bool(self.drift_low <= 0 <= self.drift_high)

    def contains(self, value) -> bool:
        return bool(self.low <= value <= self.high)

    def describe(self) -> str:
        k0, k1 = self.k_range
        head = f"{self.quantity} k = {k0}..{k1}: {self.exponent:.3f}"
        if self.power_law is None:
            return f"{head} (no bootstrap); halves {self.first_half:.2f} -> {self.second_half:.2f}"
        pl = "; one exponent fits" if self.power_law else "; NOT one power law"
        return (f"{head} [{self.low:.3f}, {self.high:.3f}] (resampling bias {self.bootstrap_bias:+.3f}, "
                f"bias-corrected {self.exponent - self.bootstrap_bias:.3f}); halves {self.first_half:.2f} -> "
                f"{self.second_half:.2f}, drift [{self.drift_low:+.2f}, {self.drift_high:+.2f}]{pl}")


def _k_range(k_range, size):
    try:
        k0, k1 = k_range
        ok = all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in (k0, k1))
    except (TypeError, ValueError):
        ok = False
    if not ok or not 1 <= k0 or not k1 <= size or k1 - k0 < 3:
        raise ValueError(f"k_range must be two integer ranks (k_min, k_max) with 1 <= k_min, "
                         f"k_max <= {size} and at least 4 ranks, got {k_range!r}")
    return int(k0), int(k1)


def _k_ranges(k_range, size):
    """([(k0, k1), ...], single?) from one range or a sequence of ranges."""
    try:
        single = len(k_range) == 2 and all(np.ndim(k) == 0 for k in k_range)
    except TypeError:
        raise ValueError(f"k_range must be (k_min, k_max) or a sequence of them, got {k_range!r}") from None
    ranges = [k_range] if single else list(k_range)
    if not ranges:
        raise ValueError("k_range must not be empty")
    return [_k_range(kr, size) for kr in ranges], single


def _fit_logs(logf, k0, k1):
    """(exponent, prefactor, first half, second half, rms residual) of log f over ranks k0..k1
    (last axis of ``logf``, length k1 − k0 + 1; leading axes are resamples, where a resample that
    lost a direction carries nan or −inf and gets nan)."""
    k = np.arange(k0, k1 + 1, dtype=float)
    split = math.sqrt(k0 * k1)
    out = []
    with np.errstate(invalid="ignore", over="ignore"):
        for mask in (np.ones_like(k, bool), k < split, k >= split):
            A = np.column_stack([np.ones(mask.sum()), np.log(k[mask])])
            out.append(logf[..., mask] @ np.linalg.pinv(A).T)
        full = out[0]
        resid = logf - (full[..., :1] + full[..., 1:] * np.log(k))
        return (-full[..., 1], np.exp(full[..., 0]), -out[1][..., 1], -out[2][..., 1],
                np.sqrt(np.mean(resid ** 2, axis=-1)))


#: exponents searched by the tail fit (then refined by a parabola through the best three)
_TAIL_GRID = np.arange(0.005, 12.0, 0.005)


@functools.cache
def _tail_model(k0, k1, D):
    """log S_a(k) = log Σ_{j=k}^{D} j^(−(1+a)) for a on _TAIL_GRID and k = k0..k1 (grid × ranks)."""
    j = np.arange(1, D + 1, dtype=float)
    terms = np.exp(-(1 + _TAIL_GRID[:, None]) * np.log(j))
    tails = np.cumsum(terms[:, ::-1], axis=1)[:, ::-1]
    return np.log(tails[:, k0 - 1:k1])


def _tail_exponent(logT, model):
    """Least-squares a of log T(k) ≈ log C + log S_a(k) (rows of logT; model from _tail_model),
    C profiled out; nan where the best a is at the end of the grid."""
    lc = logT - logT.mean(axis=-1, keepdims=True)
    mc = model - model.mean(axis=-1, keepdims=True)
    ss = np.sum(mc ** 2, axis=-1) - 2 * lc @ mc.T + np.sum(lc ** 2, axis=-1, keepdims=True)
    i = np.argmin(ss, axis=-1)
    inner = (i > 0) & (i < _TAIL_GRID.size - 1)
    ic = np.clip(i, 1, _TAIL_GRID.size - 2)
    lo, mid, hi = (np.take_along_axis(ss, np.expand_dims(ic + d, -1), -1)[..., 0] for d in (-1, 0, 1))
    curv = lo - 2 * mid + hi
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curv > 0, 0.5 * (lo - hi) / curv, 0.0)
    step = _TAIL_GRID[1] - _TAIL_GRID[0]
    return np.where(inner, _TAIL_GRID[ic] + step * np.clip(shift, -1, 1), np.nan)


def _fit_tail_logs(logT, k0, k1, D):
    """As _fit_logs, for a cumulative tail T(k) = C Σ_{j=k}^{D} j^(−(1+a)) (the tail of a pure power
    law per mode, truncated at rank D): the exponent returned is a."""
    k = np.arange(k0, k1 + 1, dtype=float)
    split = math.sqrt(k0 * k1)
    model = _tail_model(k0, k1, D)
    out = []
    for mask in (np.ones_like(k, bool), k < split, k >= split):
        out.append(_tail_exponent(logT[..., mask], model[:, mask]))
    a = out[0]
    j = np.arange(1, D + 1, dtype=float)
    a_ok = np.where(np.isfinite(a), a, 1.0)
    terms = np.exp(-(1 + np.expand_dims(a_ok, -1)) * np.log(j))
    m = np.log(np.cumsum(terms[..., ::-1], axis=-1)[..., ::-1][..., k0 - 1:k1])
    logC = np.mean(logT - m, axis=-1)
    rms = np.sqrt(np.mean((logT - m - np.expand_dims(logC, -1)) ** 2, axis=-1))
    return a, np.exp(logC), out[1], out[2], rms


def _basic_interval(point, values, level):
    """Basic bootstrap interval (2θ̂ − q_hi, 2θ̂ − q_lo) and bias mean(θ*) − θ̂, from finite values."""
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan, math.nan, math.nan
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(2 * point - hi), float(2 * point - lo), float(values.mean() - point)


def _resample_counts(rng, n, n_boot):
    """Multiplicity of every sample in each of n_boot resamples of size n with replacement."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


def _resampled(Xc, y, counts, rank):
    """Spectrum (descending, first ``rank``) of the resample given by ``counts``, recentred; with
    labels ``y`` also the resample's teacher powers w̄_k²η_k = (u_k·E[xy])²/η_k."""
    n = counts.sum()
    Xb = Xc - counts @ Xc / n
    Xw = Xb * counts[:, None]
    S = Xw.T @ Xb / n
    if y is None:
        return np.linalg.eigvalsh(S)[::-1][:rank], None
    eta, U = np.linalg.eigh(S)
    eta, U = eta[::-1][:rank], U[:, ::-1][:, :rank]
    c = Xw.T @ (y - counts @ y / n) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return eta, (U.T @ c) ** 2 / eta


def _validate_eigenvalues(eigenvalues):
    try:
        eta = np.asarray(eigenvalues, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("eigenvalues must be a 1-D array of numbers") from None
    if eta.ndim != 1 or eta.size < 4 or not np.all(np.isfinite(eta)):
        raise ValueError(f"eigenvalues must be a finite 1-D array of at least 4 numbers, got shape {eta.shape}")
    if np.any(np.diff(eta) > 0):
        raise ValueError("eigenvalues must be sorted in descending order (rank k = 1, 2, ...)")
    return eta


def _bootstrap_setup(n_boot, level, entropy):
    n_boot = inputs.int_list("n_boot", n_boot, 0)[0]
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return n_boot, float(level), inputs.entropy(entropy)


def _make_fit(quantity, logf, boot_logf, k0, k1, level, n_boot, fit=_fit_logs):
    """PowerLawFit of log f (ranks k0..k1) with the resampled log f (rows) for the intervals."""
    e, C, first, second, rms = fit(logf, k0, k1)
    lo = hi = bias = d_lo = d_hi = math.nan
    if boot_logf is not None:
        b_e, _, b_first, b_second, _ = fit(boot_logf, k0, k1)
        lo, hi, bias = _basic_interval(e, b_e, level)
        d_lo, d_hi, _ = _basic_interval(second - first, b_second - b_first, level)
    return PowerLawFit(quantity, (k0, k1), float(e), float(C), lo, hi, level, n_boot, bias,
                       float(first), float(second), d_lo, d_hi, float(rms))


def fit_spectrum_power_law(eigenvalues, k_range, samples=None, n_boot=1000, level=0.95, entropy=0):
    """Fit η_k ≈ C k^(−α) over the ranks k_range = (k_min, k_max) by least squares of log η_k on
    log k (a list of ranges gives a list of fits, all from the same resamples).

    The interval is a bootstrap over the SAMPLES, the rows of ``samples`` (the n×D data whose
    centred covariance XᵀX/n has these eigenvalues): each resample of n rows with replacement
    is recentred, its spectrum recomputed and refitted — never a resampling of the fitted
    points, which are strongly correlated. It is the basic interval (see :class:`PowerLawFit`),
    as resampling biases the spectrum (rows drawn twice and rows missed). Without ``samples``
    the interval is nan. Whether one exponent fits the range is judged by the drift between the
    two halves of the range.

    >>> k = np.arange(1, 41)
    >>> fit = fit_spectrum_power_law(3.0 * k ** -1.5, (2, 30))          # exact power law
    >>> round(fit.exponent, 12), round(fit.prefactor, 12), fit.power_law
    (1.5, 3.0, None)
    >>> rng = np.random.default_rng(0)                                 # Gaussian data, η_k = k^-1.5
    >>> X = rng.standard_normal((4000, 40)) * k ** -0.75
    >>> eta = np.linalg.eigvalsh(np.cov(X.T, bias=True))[::-1]
    >>> fit = fit_spectrum_power_law(eta, (2, 30), samples=X, n_boot=200, entropy=1)
    >>> fit.contains(1.5), fit.high - fit.low < 0.1, fit.power_law
    (True, True, True)
    """
    eta = _validate_eigenvalues(eigenvalues)
    ranges, single = _k_ranges(k_range, eta.size)
    kmax = max(k1 for _, k1 in ranges)
    if np.any(eta[:kmax] <= 0):
        raise ValueError("eigenvalues in k_range must be > 0")
    n_boot, level, entropy = _bootstrap_setup(n_boot, level, entropy)
    boot = None
    if samples is not None:
        X = inputs.matrix("samples", samples)
        Xc = X - X.mean(axis=0)
        own = np.linalg.eigvalsh(Xc.T @ Xc / X.shape[0])[::-1]
        if own.size < kmax or not np.allclose(own[:kmax], eta[:kmax], rtol=1e-6, atol=1e-9 * own[0]):
            raise ValueError("samples do not have these eigenvalues (their centred covariance XᵀX/n "
                             "should): pass the data the spectrum was computed from")
        if n_boot:
            counts = _resample_counts(np.random.default_rng(np.random.SeedSequence(entropy)), X.shape[0], n_boot)
            spectra = np.array([_resampled(Xc, None, c, kmax)[0] for c in counts])
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = np.log(spectra)
    fits = [_make_fit("spectrum alpha", np.log(eta[k0 - 1:k1]), None if boot is None else boot[:, k0 - 1:k1],
                      k0, k1, level, n_boot) for k0, k1 in ranges]
    return fits[0] if single else fits


@dataclass(frozen=True)
class SourceFit:
    """The teacher tail T(k) = Σ_{j≥k} w̄_j²η_j fitted as C Σ_{j=k}^{rank} j^(−(1+2αr)) (``tail``,
    exponent 2αr: the power per mode w̄_k²η_k ∝ k^(−(1+2αr))), the spectrum fit over the same ranks
    (``spectrum``, exponent α), and the source exponent r = 2αr/(2α) with its basic bootstrap
    interval (both exponents from the same resamples)."""

    tail: PowerLawFit
    spectrum: PowerLawFit
    r: float
    r_low: float
    r_high: float

    def describe(self) -> str:
        verdict = {True: "the tail looks like one power law over this range",
                   False: "the tail is NOT one power law over this range (its exponent drifts)",
                   None: "no bootstrap"}[self.tail.power_law]
        return (f"{self.tail.describe()}\n    r = 2αr/(2α) = {self.r:.3f} [{self.r_low:.3f}, {self.r_high:.3f}] "
                f"(alpha {self.spectrum.exponent:.3f} over the same ranks); {verdict}")


def fit_source_power_law(problem: EmpiricalProblem, k_range, n_boot=1000, level=0.95, entropy=0):
    """Fit the cumulative teacher power T(k) = Σ_{j≥k} w̄_j²η_j over the ranks ``k_range`` as the
    tail of a pure power law per mode, w̄_j²η_j = c j^(−(1+2αr)) for j ≤ rank:
    T(k) ≈ C Σ_{j=k}^{rank} j^(−(1+2αr)) (least squares in log T, C profiled out). The tail is used
    because single modes' w̄_k²η_k scatter over decades; it is fitted as a discrete tail truncated
    at the rank, not as a pure power of k, which would bias the exponent (for 2αr = 2.5 over ranks
    2–12 a straight log–log fit gives 2.77). α comes from the spectrum over the same ranks, and
    r = 2αr/(2α). Intervals: basic bootstrap over the samples (each resample: recentre,
    recompute Σ, its eigenbasis, E[xy], w̄ and the tail). Whether one power law fits is judged by
    the drift of the exponent between the two halves of the range (:class:`PowerLawFit`). A list
    of ranges gives a list of fits.

    >>> from derivations.empirical.problem import empirical_problem
    >>> rng = np.random.default_rng(0)
    >>> k = np.arange(1, 41); X = rng.standard_normal((4000, 40)) * k ** -0.75   # η_k = k^-1.5
    >>> w = k ** -1.0                          # w̄_k²η_k = k^-3.5: 1 + 2αr = 3.5, r = 5/6
    >>> fit = fit_source_power_law(empirical_problem(X, X @ w), (2, 12), n_boot=100, entropy=2)
    >>> fit.r_low < 5 / 6 < fit.r_high
    True
    """
    if not isinstance(problem, EmpiricalProblem):
        raise ValueError(f"problem must be an EmpiricalProblem, got {type(problem).__name__}")
    ranges, single = _k_ranges(k_range, problem.rank)
    n_boot, level, entropy = _bootstrap_setup(n_boot, level, entropy)
    eta = problem.eigenvalues

    def log_tails(power):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.cumsum(power[..., ::-1], axis=-1)[..., ::-1])

    tails = log_tails(eta * problem.teacher_components ** 2)
    b_tails = b_spec = None
    if n_boot:
        counts = _resample_counts(np.random.default_rng(np.random.SeedSequence(entropy)), problem.n, n_boot)
        spectra, powers = zip(*(_resampled(problem.data, problem.labels, c, problem.rank) for c in counts))
        b_tails = log_tails(np.array(powers))
        with np.errstate(divide="ignore", invalid="ignore"):
            b_spec = np.log(np.array(spectra))
    fits = []
    for k0, k1 in ranges:
        if not np.all(np.isfinite(tails[k0 - 1:k1])):
            raise ValueError(f"the teacher has no power in part of k_range {(k0, k1)}")
        cut = slice(k0 - 1, k1)
        fit = functools.partial(_fit_tail_logs, D=problem.rank)
        tail = _make_fit("teacher tail 2*alpha*r", tails[cut], None if b_tails is None else b_tails[:, cut],
                         k0, k1, level, n_boot, fit)
        spec = _make_fit("spectrum alpha", np.log(eta[cut]), None if b_spec is None else b_spec[:, cut],
                         k0, k1, level, n_boot)
        r = tail.exponent / (2 * spec.exponent)
        r_lo = r_hi = math.nan
        if n_boot:
            b_r = fit(b_tails[:, cut], k0, k1)[0] / (2 * _fit_logs(b_spec[:, cut], k0, k1)[0])
            r_lo, r_hi, _ = _basic_interval(r, b_r, level)
        fits.append(SourceFit(tail, spec, float(r), r_lo, r_hi))
    return fits[0] if single else fits
