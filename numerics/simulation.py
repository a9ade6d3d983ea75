"""Reproducible Monte Carlo ensembles and their statistical comparison with theory.

One seed (``entropy``) fixes a whole ensemble: ``SeedSequence(entropy)`` is
spawned into one child per draw, so the samples are identical whether the
draws run serially or on any :class:`concurrent.futures.Executor`, and
whatever the chunking.  Results carry standard errors, and comparisons with
theory are z-tests with a Bonferroni-corrected threshold.

=====================  =====================================================
:func:`spawn_generators`  independent generators from one entropy
:func:`run_ensemble`      run ``task(rng)`` for each draw -> :class:`Ensemble`
:class:`Estimate`         mean and standard error (scalar or per grid point)
:func:`z_threshold`       two-sided Bonferroni critical value
:func:`z_test`            ``|mean - theory| / se <= threshold`` everywhere
:func:`jackknife_se`      delete-one jackknife error of any statistic
=====================  =====================================================

>>> ens = run_ensemble(_demo_task, 200, entropy=1)
>>> est = ens.estimate("x")
>>> z_test(0.0, est, z_threshold(1)).passed
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from numerics.validate import positive_int

__all__ = [
    "spawn_generators",
    "Estimate",
    "Ensemble",
    "run_ensemble",
    "z_threshold",
    "extrapolate_replicas",
    "ZTest",
    "z_test",
    "jackknife_se",
]


def _demo_task(rng):
    """Example task: one standard normal draw."""
    return {"x": rng.standard_normal()}


def spawn_generators(entropy, n) -> list[np.random.Generator]:
    """``n`` independent generators from ``SeedSequence(entropy).spawn(n)``.

    >>> a = spawn_generators(42, 2)
    >>> b = spawn_generators(42, 2)
    >>> a[1].random() == b[1].random()
    True
    """
    n = positive_int("n (n_draws)", n)
    children = np.random.SeedSequence(entropy).spawn(n)
    return [np.random.default_rng(child) for child in children]


# --------------------------------------------------------------------------
# Estimates
# --------------------------------------------------------------------------

def _scalar_or_array(value):
    value = np.asarray(value, dtype=float)
    return float(value) if value.ndim == 0 else value


@dataclass(frozen=True)
class Estimate:
    """Sample mean and its standard error ``std(ddof=1) / sqrt(n)``.

    ``mean`` and ``se`` are floats for scalar samples and arrays for samples
    on a grid (rows are draws).

    >>> e = Estimate.from_samples([1.0, 2.0, 3.0])
    >>> e.mean, round(e.se, 6), e.n
    (2.0, 0.57735, 3)
    >>> round(e.z_score(1.0), 9)
    1.732050808
    """

    mean: Any
    se: Any
    n: int

    @classmethod
    def from_samples(cls, samples) -> "Estimate":
        arr = np.asarray(samples, dtype=float)
        if arr.ndim == 0 or arr.shape[0] < 2:
            raise ValueError("Estimate needs at least n >= 2 samples along axis 0")
        n = arr.shape[0]
        se = arr.std(axis=0, ddof=1) / math.sqrt(n)
        return cls(_scalar_or_array(arr.mean(axis=0)), _scalar_or_array(se), n)

    def z_score(self, theory):
        """``(mean - theory) / se``; 0 or +-inf where ``se == 0``."""
        diff = np.asarray(self.mean, dtype=float) - np.asarray(theory, dtype=float)
        se = np.asarray(self.se, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se == 0, np.where(diff == 0, 0.0, np.sign(diff) * np.inf),
                         diff / se)
        return _scalar_or_array(z)


# --------------------------------------------------------------------------
# Ensembles
# --------------------------------------------------------------------------

@dataclass
class Ensemble:
    """Samples of every quantity a task returned, stacked along axis 0."""

    samples: dict[str, np.ndarray]
    entropy: Any
    n_draws: int

    def estimate(self, key) -> Estimate:
        """Mean and standard error of ``samples[key]``."""
        return Estimate.from_samples(self.samples[key])

    def paired_difference(self, key_a, key_b) -> Estimate:
        """Estimate of ``a - b`` from the same draws (correlations cancel)."""
        return Estimate.from_samples(self.samples[key_a] - self.samples[key_b])


def _run_chunk(task, seed_sequences):
    """Run ``task`` once per seed sequence (top level, so it pickles)."""
    return [task(np.random.default_rng(seq)) for seq in seed_sequences]


def _stack(results):
    keys = list(results[0])
    for i, r in enumerate(results):
        if list(r) != keys:
            raise ValueError(f"draw {i} returned keys {sorted(r)}, expected {sorted(keys)}")
    return {k: np.stack([np.asarray(r[k], dtype=float) for r in results]) for k in keys}


def run_ensemble(task, n_draws, entropy, *, executor=None, chunk_size=None) -> Ensemble:
    """Run ``task(rng)`` for ``n_draws`` independent generators.

    ``task`` returns a dict ``str -> float or 1-D array``.  Each draw gets its
    own child of ``SeedSequence(entropy)``, so the result does not depend on
    ``executor`` (``None``: serial, in process; else any
    :class:`concurrent.futures.Executor`, which needs a picklable ``task``) or
    on ``chunk_size`` (draws per submitted job; default about 1/32 of them).
    ``entropy=None`` draws fresh entropy, recorded in ``Ensemble.entropy``.

    >>> run_ensemble(_demo_task, 3, 7).samples["x"].shape
    (3,)
    """
    n_draws = positive_int("n_draws", n_draws)
    root = np.random.SeedSequence(entropy)
    children = root.spawn(n_draws)
    if executor is None:
        results = _run_chunk(task, children)
    else:
        size = max(1, -(-n_draws // 32)) if chunk_size is None else \
            positive_int("chunk_size", chunk_size)
        futures = [executor.submit(_run_chunk, task, children[i:i + size])
                   for i in range(0, n_draws, size)]
        results = [r for fut in futures for r in fut.result()]
    return Ensemble(_stack(results), root.entropy, n_draws)


# --------------------------------------------------------------------------
# Tests against theory
# --------------------------------------------------------------------------

def extrapolate_replicas(one: "Estimate", two: "Estimate") -> "Estimate":
    """E_∞ = 2E₂ − E₁ with standard error √(4se₂² + se₁²), from independent estimates at replication m = 1
    and m = 2 of a system whose finite-size error is O(1/m) (the first-order Richardson step).

    >>> e = extrapolate_replicas(Estimate(1.2, 0.1, 10), Estimate(1.1, 0.1, 10))
    >>> round(e.mean, 12), round(e.se, 12), e.n
    (1.0, 0.22360679775, 10)
    """
    mean = 2 * np.asarray(two.mean, dtype=float) - np.asarray(one.mean, dtype=float)
    se = np.sqrt(4 * np.asarray(two.se, dtype=float) ** 2 + np.asarray(one.se, dtype=float) ** 2)
    return Estimate(_scalar_or_array(mean), _scalar_or_array(se), min(one.n, two.n))


def z_threshold(n_comparisons, familywise_alpha=1e-3) -> float:
    """Two-sided Bonferroni critical value ``Phi^-1(1 - alpha / (2 m))``.

    >>> round(z_threshold(1, 0.05), 6)
    1.959964
    """
    m = positive_int("n_comparisons", n_comparisons)
    if not 0 < familywise_alpha < 1:
        raise ValueError(f"familywise_alpha must be in (0, 1), got {familywise_alpha!r}")
    return float(stats.norm.isf(familywise_alpha / (2 * m)))


@dataclass(frozen=True)
class ZTest:
    """Outcome of :func:`z_test`."""

    theory: Any
    mean: Any
    se: Any
    z: Any
    threshold: float
    passed: bool


def z_test(theory, estimate, threshold) -> ZTest:
    """Pass when every ``|z| = |mean - theory| / se`` is finite and ``<= threshold``.

    NaN anywhere (theory, mean or se) fails.

    >>> z_test(float("nan"), Estimate(0.0, 1.0, 10), 3.0).passed
    False
    """
    z = estimate.z_score(theory)
    za = np.asarray(z, dtype=float)
    passed = bool(np.all(np.isfinite(za)) and np.all(np.abs(za) <= threshold))
    return ZTest(theory, estimate.mean, estimate.se, z, float(threshold), passed)


def jackknife_se(statistic, samples) -> float:
    """Delete-one jackknife standard error of a scalar ``statistic`` of the rows.

    ``se^2 = (n-1)/n * sum_i (t_(i) - mean(t))^2`` with ``t_(i)`` the statistic
    without row ``i``; for the mean this equals ``std(ddof=1)/sqrt(n)``.

    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 4.0, 8.0])
    >>> bool(np.isclose(jackknife_se(np.mean, x), x.std(ddof=1) / 2))
    True
    """
    arr = np.asarray(samples, dtype=float)
    if arr.ndim == 0 or arr.shape[0] < 2:
        raise ValueError("jackknife_se needs at least n >= 2 rows")
    n = arr.shape[0]
    keep = np.ones(n, dtype=bool)
    loo = np.empty(n)
    for i in range(n):
        keep[i] = False
        loo[i] = float(statistic(arr[keep]))
        keep[i] = True
    return float(math.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))
