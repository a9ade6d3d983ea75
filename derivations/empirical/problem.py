"""The population: a finite data set taken as the whole population, its spectrum and teacher.

:func:`empirical_problem` computes Σ = XᵀX/n = Σ_k η_k u_k u_kᵀ, E[xy], the population least-squares
teacher w̄ = Σ⁺E[xy] and the residual variance σ² of any finite (X, y); :func:`digits_problem` does it
for scikit-learn's digits (an optional dependency, imported only when the data are loaded);
:func:`diagnostics` measures how far the population is from the theory's assumptions.
"""
from __future__ import annotations

import functools
import importlib.util
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

import derivations.empirical.inputs as inputs

__all__ = ["DATA_EXTRA", "EmpiricalProblem", "GREY_LEVELS", "HEAVY_KURTOSIS", "RANK_RTOL", "TARGETS",
           "diagnostics", "digits_arrays", "digits_problem", "empirical_problem"]

#: how to install the optional data dependency
DATA_EXTRA = "pip install 'neural-scaling-derivations[data]'"
#: eigenvalues at or below RANK_RTOL·η_max are exact zeros of Σ (round-off ~1e-17 here; the
#: smallest nonzero eigenvalue of the digits is 1.6e-6, i.e. 2.3e-6 of the largest)
RANK_RTOL = 1e-10
#: digit images: grey levels 0..16
GREY_LEVELS = 16.0
TARGETS = ("'parity'", "'value'", "an integer 0..9 (one-vs-rest)")
#: a coordinate whose kurtosis E[z⁴]/η² exceeds this is called heavy (sparse) in the diagnostics
HEAVY_KURTOSIS = 10.0


@dataclass(frozen=True, eq=False)
class EmpiricalProblem:
    """Population quantities of a finite data set, the data set being the population.

    ``eigenvalues`` η_k > 0 (descending) and ``eigenvectors`` u_k (columns, D×r) of Σ with the
    exactly-zero directions dropped (``n_dropped`` directions in all, including any projected
    out by ``n_components``; ``constant_features`` lists the features that never vary);
    ``coordinates`` the centred data in that eigenbasis (n×r, so that Σ = diag(η) there);
    ``teacher`` w̄ = Σ⁺E[xy] (D) and ``teacher_components`` w̄_k (r); ``residuals``
    ε_i = y_i − w̄·x_i, ``noise_variance`` σ² = mean ε². ``data`` is the centred feature matrix
    (projected onto the kept directions when ``n_components`` was given).
    """

    name: str
    n: int
    D: int
    rank: int
    n_dropped: int
    constant_features: tuple
    noise_variance: float
    label_variance: float
    mean: np.ndarray = field(repr=False)
    data: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    eigenvectors: np.ndarray = field(repr=False)
    coordinates: np.ndarray = field(repr=False)
    cross_moment: np.ndarray = field(repr=False)
    teacher: np.ndarray = field(repr=False)
    teacher_components: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)

    @property
    def covariance(self) -> np.ndarray:
        """Σ = XᵀX/n (D×D)."""
        return self.data.T @ self.data / self.n

    @property
    def signal_variance(self) -> float:
        """E[(w̄·x)²] = Σ_k η_k w̄_k²; with σ² it adds up to E[y²]."""
        return float(np.sum(self.eigenvalues * self.teacher_components ** 2))

    @property
    def linear_labels(self) -> np.ndarray:
        """w̄·x_i: the part of the target linear in the features."""
        return self.labels - self.residuals

    def population_error(self, w) -> float:
        """E[(y − w·x)²] over the whole population by brute force over the n samples (w in D
        feature coordinates); equals σ² + (w − w̄)ᵀΣ(w − w̄)."""
        w = np.asarray(w, dtype=float)
        return float(np.mean((self.labels - self.data @ w) ** 2))

    def summary(self) -> str:
        const = ", ".join(str(i) for i in self.constant_features) or "none"
        return (f"{self.name}: n = {self.n} samples, D = {self.D} features, rank {self.rank} "
                f"({self.n_dropped} directions dropped; constant features: {const}); "
                f"E[y^2] = {self.label_variance:.4g} = signal {self.signal_variance:.4g} "
                f"+ residual sigma^2 {self.noise_variance:.4g}; eta from {self.eigenvalues[0]:.3g} "
                f"to {self.eigenvalues[-1]:.3g}")


def _population_spectrum(Xc, rank_rtol=RANK_RTOL):
    """Eigenvalues (descending) and eigenvectors of XcᵀXc/n, exactly-zero directions dropped."""
    eta, U = np.linalg.eigh(Xc.T @ Xc / Xc.shape[0])
    eta, U = eta[::-1], U[:, ::-1]
    if not eta[0] > 0:
        raise ValueError("the data do not vary: Σ = 0")
    keep = eta > rank_rtol * eta[0]
    return eta[keep], U[:, keep]


def empirical_problem(X, y, name: str = "data", n_components=None, rank_rtol: float = RANK_RTOL) -> EmpiricalProblem:
    """Population quantities of the finite data set (X, y), which is taken as the population.

    Centres the features and the target (x_i = X_i − mean, y_i − mean: the estimators then need
    no intercept), and computes Σ = XᵀX/n = Σ_k η_k u_k u_kᵀ (directions with η_k ≤
    ``rank_rtol``·η_max, exact zeros of Σ, are dropped), E[xy] = Xᵀy/n, the population
    least-squares teacher w̄ = Σ⁺E[xy] with components w̄_k = u_k·E[xy]/η_k, and the residual
    variance σ² = E[(y − w̄·x)²] = E[y²] − Σ_k η_k w̄_k². With ``n_components`` = m the features
    are first projected onto the m leading directions (x → U_m U_mᵀ x); what y owes to the
    others then joins the residual.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3)); X[:, 2] = 1.0          # a constant feature
    >>> pop = empirical_problem(X, X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(50))
    >>> pop.rank, pop.n_dropped, pop.constant_features
    (2, 1, (2,))
    >>> bool(np.allclose(pop.covariance @ pop.teacher, pop.cross_moment))     # Σ w̄ = E[xy]
    True
    >>> abs(pop.population_error(pop.teacher) - pop.noise_variance) < 1e-12
    True
    """
    X = inputs.matrix("X", X)
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("y must be a 1-D array of numbers") from None
    if y.shape != (X.shape[0],) or not np.all(np.isfinite(y)):
        raise ValueError(f"y must be a finite 1-D array with one entry per row of X ({X.shape[0]}), "
                         f"got shape {y.shape}")
    n, D = X.shape
    mean = X.mean(axis=0)
    Xc, yc = X - mean, y - y.mean()
    eta, U = _population_spectrum(Xc, rank_rtol)
    if n_components is not None:
        if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral) \
                or not 1 <= n_components <= eta.size:
            raise ValueError(f"n_components must be an integer in 1..{eta.size} (the rank), got {n_components!r}")
        eta, U = eta[:n_components], U[:, :n_components]
        Xc = Xc @ U @ U.T
    Z = Xc @ U
    c = Xc.T @ yc / n
    w_k = (U.T @ c) / eta
    eps = yc - Z @ w_k
    constant = tuple(int(i) for i in np.flatnonzero(np.ptp(X, axis=0) == 0))
    out = EmpiricalProblem(name=name, n=n, D=D, rank=eta.size, n_dropped=D - eta.size,
                           constant_features=constant, noise_variance=float(np.mean(eps ** 2)),
                           label_variance=float(np.mean(yc ** 2)), mean=mean, data=Xc, labels=yc,
                           eigenvalues=eta, eigenvectors=U, coordinates=Z, cross_moment=c,
                           teacher=U @ w_k, teacher_components=w_k, residuals=eps)
    for a in (out.mean, out.data, out.labels, out.eigenvalues, out.eigenvectors, out.coordinates,
              out.cross_moment, out.teacher, out.teacher_components, out.residuals):
        a.setflags(write=False)
    return out


@functools.cache
def digits_arrays():
    """The digits' pixels (1797×64, grey levels 0..16) and labels (0..9), read-only, loaded once."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data need scikit-learn, an optional dependency: "
                          f"{DATA_EXTRA}  (or: pip install scikit-learn)") from None
    bunch = load_digits()
    pixels, labels = np.asarray(bunch.data, dtype=float), np.asarray(bunch.target, dtype=int)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def _digit_target(target, labels):
    if isinstance(target, str):
        if target == "parity":
            return np.where(labels % 2 == 0, 1.0, -1.0), "parity (+1 even, -1 odd)"
        if target == "value":
            return labels.astype(float), "digit value"
    elif isinstance(target, numbers.Integral) and not isinstance(target, bool) and 0 <= target <= 9:
        return (labels == int(target)).astype(float), f"one-vs-rest: digit {int(target)}"
    raise ValueError(f"target must be one of {', '.join(TARGETS)}; got {target!r}")


def digits_problem(target="parity", n_components=None) -> EmpiricalProblem:
    """The digits data set as the population (:func:`empirical_problem`).

    Features: the 64 grey levels divided by 16 (so in [0, 1]), centred by the pixel means of all
    1797 images; no per-pixel variance standardisation (it would blow up border pixels that are
    almost always blank, and turn Σ into a correlation matrix). Three pixels are blank in every
    image (0, 32 and 39 in row-major order), so Σ has exactly 3 zero eigenvalues: rank 61.

    ``target``: ``"parity"`` (+1 for an even digit, −1 for odd), an integer c in 0..9 (1 for
    digit c, 0 otherwise), or ``"value"`` (the digit itself, 0..9); always centred.
    ``n_components``: keep only the leading directions (see :func:`empirical_problem`). Raises
    ImportError naming ``pip install 'neural-scaling-derivations[data]'`` without scikit-learn,
    and ValueError for an unknown target (checked before anything is imported).
    """
    _digit_target(target, np.arange(10))
    pixels, labels = digits_arrays()
    y, label = _digit_target(target, labels)
    name = f"digits [{label}]" + ("" if n_components is None else f" [{n_components} leading directions]")
    return empirical_problem(pixels / GREY_LEVELS, y, name=name, n_components=n_components)


def diagnostics(problem: EmpiricalProblem, n_leading: int = 10) -> dict:
    """How far the population is from the theory's assumptions (Gaussian x, noise independent
    of x); the Gaussian value of each number in brackets:

    * ``kurtosis`` — E[z_k⁴]/η_k² of every coordinate in the eigenbasis [3];
      ``kurtosis_leading`` — its (min, max) over the ``n_leading`` leading ones;
    * ``heavy`` — ranks (1-based) with kurtosis > HEAVY_KURTOSIS, ``first_heavy`` the first
      (None if none); ``effective_images`` — n/kurtosis per rank: E[z⁴]/E[z²]² = n/n_eff when
      the variance of a direction is carried by n_eff of the n samples equally [n/3];
    * ``norm4_ratio`` — E[|u|⁴]/(r(r + 2)) for the whitened u = Σ^(−1/2)x [1];
    * ``noise_kurtosis`` — E[ε⁴]/σ⁴ [3];
    * ``noise_weight`` — h = tr(Σ⁻¹E[ε²xxᵀ])/(rσ²) [1 whenever E[ε²|x] is constant].
      Unregularised least squares at P ≫ r has noise error ≈ h·rσ²/P (the sandwich variance),
      the Gaussian theory rσ²/(P − r): h − 1 is the theory's relative error there;
    * ``noise_share`` — σ²/E[y²].

    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20000, 3))
    >>> d = diagnostics(empirical_problem(X, X[:, 0] + rng.standard_normal(20000)))
    >>> [round(float(v), 1) for v in d["kurtosis"]], round(d["norm4_ratio"], 2), round(d["noise_weight"], 2)
    ([3.0, 3.0, 3.0], 1.0, 1.0)
    """
    Z, eta, eps, r = problem.coordinates, problem.eigenvalues, problem.residuals, problem.rank
    kurt = np.mean(Z ** 4, axis=0) / eta ** 2
    lead = kurt[:min(n_leading, r)]
    heavy = [int(k) + 1 for k in np.flatnonzero(kurt > HEAVY_KURTOSIS)]
    u2 = np.sum(Z ** 2 / eta, axis=1)
    s2 = problem.noise_variance
    return {"kurtosis": kurt, "kurtosis_leading": (float(lead.min()), float(lead.max())),
            "heavy": heavy, "first_heavy": heavy[0] if heavy else None,
            "effective_images": problem.n / kurt,
            "norm4_ratio": float(np.mean(u2 ** 2) / (r * (r + 2))),
            "noise_kurtosis": float(np.mean(eps ** 4) / s2 ** 2) if s2 > 0 else math.nan,
            "noise_weight": float(np.mean(eps ** 2 * u2) / (r * s2)) if s2 > 0 else math.nan,
            "noise_share": s2 / problem.label_variance if problem.label_variance > 0 else math.nan}


#: examples that need the data (scikit-learn): collected by doctest only where it is installed
_DIGITS_EXAMPLES = """
>>> pop = digits_problem("parity")
>>> pop.n, pop.D, pop.rank, pop.n_dropped, pop.constant_features
(1797, 64, 61, 3, (0, 32, 39))
>>> bool(np.all(np.diff(pop.eigenvalues) <= 0) and pop.eigenvalues[-1] > 0)
True
>>> bool(np.allclose(pop.covariance @ pop.teacher, pop.cross_moment))
True
>>> round(pop.noise_variance, 4), round(pop.population_error(pop.teacher), 4)
(0.2923, 0.2923)
"""
__test__ = {"digits": _DIGITS_EXAMPLES} if importlib.util.find_spec("sklearn") is not None else {}
