"""The theory against resampled data: ridge and linear random features fitted on P samples drawn with
replacement from an :class:`~derivations.empirical.problem.EmpiricalProblem`, measured exactly against
the population and set beside the deterministic-equivalent learning curves.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

import derivations.empirical.inputs as inputs
from derivations.empirical.problem import EmpiricalProblem, digits_problem
from derivations.random_features import learning_curve as rf_learning_curve
from derivations.ridge import learning_curve
from numerics.random_feature_simulation import draw_projection, random_feature_fit
from numerics.ridge_simulation import ridge_fit
from numerics.simulation import run_ensemble

__all__ = ["Comparison", "compare_random_features", "compare_ridge", "format_comparisons", "format_number"]


@dataclass(frozen=True)
class Comparison:
    """One (model, P, N, λ, quantity): the theory against the mean ± SE over seeded draws.

    ``quantity``: ``E_g`` (excess population test error), ``E_tr`` (training MSE) or
    ``E_g_clean`` (E_g with the labels replaced by their linear part w̄·x, theory at σ² = 0).
    """

    model: str
    quantity: str
    P: int
    N: int | None
    ridge: float
    theory: float
    mean: float
    se: float
    n_draws: int

    @property
    def z(self) -> float:
        """(mean − theory)/SE; ±inf for SE = 0 and a difference; nan for an infinite theory."""
        diff = self.mean - self.theory
        if not math.isfinite(diff):
            return math.nan
        if self.se == 0:
            return 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return diff / self.se

    @property
    def rel_dev(self) -> float:
        """(mean − theory)/theory; nan where the theory is 0 or infinite."""
        if self.theory == 0 or not math.isfinite(self.theory):
            return math.nan
        return (self.mean - self.theory) / self.theory


def _problem(problem):
    if problem is None:
        return digits_problem("parity")
    if not isinstance(problem, EmpiricalProblem):
        raise ValueError(f"problem must be an EmpiricalProblem, got {type(problem).__name__}")
    return problem


def _errors(W, X, Y, eta, w_bar):
    """E_g of each column of W (eigenbasis), and the training MSE against the matching column of Y."""
    dev = W - w_bar[:, None]
    return eta @ dev ** 2, np.mean((Y - X @ W) ** 2, axis=0)


def _draw(rng, Z, y, y_lin, P):
    idx = rng.integers(0, Z.shape[0], size=P)
    return Z[idx], np.column_stack([y[idx], y_lin[idx]])


def _ridge_task(rng, Z, y, y_lin, eta, w_bar, P, ridges):
    """One draw: P samples with replacement, ridge at every λ; labels y and their linear part."""
    X, Y = _draw(rng, Z, y, y_lin, P)
    out = {"E_g": [], "E_tr": [], "E_g_clean": []}
    for lam in ridges:
        (e_g, e_clean), (e_tr, _) = _errors(ridge_fit(X, Y, lam), X, Y, eta, w_bar)
        out["E_g"].append(e_g)
        out["E_tr"].append(e_tr)
        out["E_g_clean"].append(e_clean)
    return {k: np.array(v) for k, v in out.items()}


def _rf_task(rng, Z, y, y_lin, eta, w_bar, P, N, ridge):
    """One draw: P samples with replacement and one projection F (r×N, N(0, 1/r) entries)."""
    X, Y = _draw(rng, Z, y, y_lin, P)
    F = draw_projection(rng, Z.shape[1], N)
    (e_g, e_clean), (e_tr, _) = _errors(random_feature_fit(X, Y, F, ridge), X, Y, eta, w_bar)
    return {"E_g": e_g, "E_tr": e_tr, "E_g_clean": e_clean}


def _arrays(p: EmpiricalProblem):
    return dict(Z=p.coordinates, y=p.labels, y_lin=p.linear_labels, eta=p.eigenvalues,
                w_bar=p.teacher_components)


def compare_ridge(P_values, ridges, n_draws=200, entropy=0, problem=None, executor=None) -> list:
    """Ridge regression on P samples drawn with replacement, against the deterministic equivalent.

    For every P, ``n_draws`` draws (draw b uses child b of SeedSequence([entropy, P]), so a row
    does not depend on the other P in the list; all λ share the draws of their P): the P samples,
    in the eigenbasis of Σ, are fitted by ŵ = (XᵀX/P + λ)⁻¹XᵀY/P (minimum-norm least squares at
    λ = 0) and measured exactly against the population:

        E_g = (ŵ − w̄)ᵀΣ(ŵ − w̄) = Σ_k η_k(ŵ_k − w̄_k)²,   E_tr = (1/P) Σ_μ (y_μ − ŵ·x_μ)²;

    E_g_clean is E_g with the labels y replaced by w̄·x. The theory is
    ``learning_curve(η, w̄_k, P, λ, noise_variance=σ²)`` (σ² = 0 for E_g_clean). ``problem``
    defaults to ``digits_problem("parity")``; ``executor`` runs the draws in parallel (same
    numbers). Returns a list of :class:`Comparison` (by P, then λ, then E_g, E_tr, E_g_clean).
    At λ = 0 and P ≥ rank the errors are heavy-tailed: the SE is then not to be trusted.

    >>> from derivations.empirical.problem import empirical_problem
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((400, 4)) * [2.0, 1.0, 0.5, 0.25]
    >>> pop = empirical_problem(X, X @ [1.0, -1.0, 0.5, 2.0] + 0.3 * rng.standard_normal(400))
    >>> rows = compare_ridge([32], [0.1], n_draws=50, problem=pop)
    >>> [(r.quantity, r.P, r.ridge) for r in rows]
    [('E_g', 32, 0.1), ('E_tr', 32, 0.1), ('E_g_clean', 32, 0.1)]
    >>> all(math.isfinite(r.z) and r.se > 0 for r in rows)
    True
    """
    Ps, lams = inputs.int_list("P", P_values), inputs.ridge_list(ridges)
    n_draws, entropy = inputs.int_list("n_draws", n_draws, 2)[0], inputs.entropy(entropy)
    problem = _problem(problem)
    eta, w, s2 = problem.eigenvalues, problem.teacher_components, problem.noise_variance
    rows = []
    for P in Ps:
        task = functools.partial(_ridge_task, P=P, ridges=tuple(lams), **_arrays(problem))
        ens = run_ensemble(task, n_draws, [entropy, P], executor=executor)
        noisy = learning_curve(eta, w, P, lams, noise_variance=s2)
        clean = learning_curve(eta, w, P, lams, noise_variance=0.0)
        est = {q: ens.estimate(q) for q in ("E_g", "E_tr", "E_g_clean")}
        for i, lam in enumerate(lams):
            theory = {"E_g": noisy[i].E_g, "E_tr": noisy[i].E_tr, "E_g_clean": clean[i].E_g}
            rows += [Comparison("ridge", q, P, None, lam, float(theory[q]), float(est[q].mean[i]),
                                float(est[q].se[i]), n_draws) for q in est]
    return rows


def compare_random_features(P_values, widths, ridge, n_draws=200, entropy=0, problem=None,
                            executor=None) -> list:
    """Linear random features on P samples drawn with replacement, against the theory.

    In the eigenbasis of Σ (D = r coordinates), each draw takes P samples with replacement and
    one projection F (r×N, i.i.d. N(0, 1/r) entries; ``draw_projection``), fits
    â = (ZᵀZ/P + λ)⁻¹ZᵀY/P on Z = XF and measures w = Fâ exactly against the population (E_g,
    E_tr, E_g_clean as in :func:`compare_ridge`); the draws of (P, N) use
    SeedSequence([entropy, 1, P, N]). The theory is the random-feature
    ``learning_curve(η, w̄_k, P, N, λ, σ²)`` of :mod:`derivations.random_features`, for a
    single model (ensemble size 1). Returns a list of :class:`Comparison`.

    >>> from derivations.empirical.problem import empirical_problem
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((400, 4)) * [2.0, 1.0, 0.5, 0.25]
    >>> pop = empirical_problem(X, X @ [1.0, -1.0, 0.5, 2.0] + 0.3 * rng.standard_normal(400))
    >>> rows = compare_random_features([32], [3], 0.1, n_draws=20, problem=pop)
    >>> [(r.model, r.quantity, r.N) for r in rows][0], all(math.isfinite(r.z) for r in rows)
    (('random features', 'E_g', 3), True)
    """
    Ps, Ns, lam = inputs.int_list("P", P_values), inputs.int_list("widths", widths), inputs.ridge_list(ridge)
    if len(lam) != 1:
        raise ValueError("compare_random_features takes one ridge")
    lam = lam[0]
    n_draws, entropy = inputs.int_list("n_draws", n_draws, 2)[0], inputs.entropy(entropy)
    problem = _problem(problem)
    eta, w, s2 = problem.eigenvalues, problem.teacher_components, problem.noise_variance
    rows = []
    for P in Ps:
        for N in Ns:
            task = functools.partial(_rf_task, P=P, N=N, ridge=lam, **_arrays(problem))
            ens = run_ensemble(task, n_draws, [entropy, 1, P, N], executor=executor)
            noisy = rf_learning_curve(eta, w, P, N, lam, noise_variance=s2)
            clean = rf_learning_curve(eta, w, P, N, lam, noise_variance=0.0)
            theory = {"E_g": noisy.E_g, "E_tr": noisy.E_tr, "E_g_clean": clean.E_g}
            for q in ("E_g", "E_tr", "E_g_clean"):
                est = ens.estimate(q)
                rows.append(Comparison("random features", q, P, N, lam, float(theory[q]), est.mean,
                                       est.se, n_draws))
    return rows


def format_number(x, digits=4):
    """x to ``digits`` significant digits; 'inf', '-inf', '-' for nan."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if math.isnan(x):
        return "-"
    return f"{x:.{digits}g}"


def format_comparisons(rows, quantities=("E_g", "E_tr", "E_g_clean")) -> str:
    """A text table: model, P, N, λ, quantity, theory, data ± SE, z, relative deviation.

    >>> print(format_comparisons([Comparison("ridge", "E_g", 64, None, 0.01, 0.2, 0.21, 0.004, 100)]))
    model    P    N  lambda  quantity   theory     data ± SE                z  rel.dev
    ridge   64    -  0.01    E_g        0.2        0.21 ± 0.004         +2.50   +5.0%
    """
    lines = [f"{'model':<5} {'P':>4} {'N':>4}  {'lambda':<7} {'quantity':<10} {'theory':<10} "
             f"{'data ± SE':<18} {'z':>7}  rel.dev"]
    for r in rows:
        if r.quantity not in quantities:
            continue
        data = f"{format_number(r.mean)} ± {format_number(r.se, 2)}"
        rel = "-" if math.isnan(r.rel_dev) else f"{100 * r.rel_dev:+.1f}%"
        z = "-" if math.isnan(r.z) else f"{r.z:+.2f}"
        lines.append(f"{'ridge' if r.model == 'ridge' else 'RF':<5} {r.P:>4} {('-' if r.N is None else r.N):>4}  "
                     f"{format_number(r.ridge, 3):<7} {r.quantity:<10} {format_number(r.theory):<10} "
                     f"{data:<18} {z:>7}  {rel:>6}")
    return "\n".join(lines)
