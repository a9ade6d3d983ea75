"""The laws of ``random-feature-dynamics`` (engine :class:`~derivations.engine.laws.Law` objects): the
bottleneck rates of :mod:`.dynamics_rate_steps` in the paper's (a, b), λ_k = k^(−b), (w*_k)²λ_k = k^(−a).

* ``rfd-time``: L(t) at N = P = ∞ ∝ t^(−(a−1)/b).  Exact theory: the population flow Σ_k k^(−a)e^(−2k^(−b)t)
  (:func:`numerics.relaxation_sums.bias_sum`, 30 digits).  Simulation: one model, M = 1000 modes,
  N = P = 400, the exact per-draw flow at t = 2…64, against the same fit of :func:`.loss_curve`;
* ``rfd-data``: L at N = t = ∞ ∝ P^(−min(a−1, 2b)) (ridgeless ridge regression, the ridge area's routes);
* ``rfd-width-one`` and ``rfd-width-ensemble``, at a − 1 > b where they differ: one model at P = t = ∞
  (its population least-squares fit, the projection error ‖(1 − Π_A)Σ^{1/2}w̄‖²) ∝ N^(−min(a−1, b)); the
  infinite ensemble over projections, ‖E_A(Π_A − 1)Σ^{1/2}w̄‖² ∝ N^(−min(a−1, 2b)).  Exact theories:
  linear-random-features' E_g at P = ∞ and ridge's bias² at P → N (30 digits).  Simulation: K projections
  per size and seed; the ensemble by the unbiased U-statistic Σ_{i≠j} d_i·d_j/(K(K−1)); finite theories:
  this entry's compiled mean-predictor loss at t = 10⁹ and linear-random-features' projection level; both
  slopes fitted with a 1/N term (the simulations sit 2–13 % above the deterministic equivalent at N ≤ 64,
  decreasing like 1/N: measured, see ``FINITE_WIDTH_NOTE``);
* ``rfd-compute-loss``, ``rfd-compute-width``, ``rfd-compute-time`` (hard task a − 1 < b, P = ∞):
  L*, N*, t* = C/N* over the compute C = N·t.  Exact theory: :func:`.compute_optimal` on the infinite power
  law (float64; local slopes with a step of 0.2 in log C).  Simulation (M = 1000 modes): per seed the loss of
  K projections trained by population gradient flow on a log-grid of widths around the finite theory's N*
  at t = C/N; L* is the loss at the grid point nearest the finite N*, N* the grid minimiser refined by a
  parabola in log N; the finite theory applies the same estimator to its own loss on the same grid.

>>> [law.name for law in laws()][:2]
['rfd-time', 'rfd-data']
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from derivations import registry
from derivations.engine.laws import Law, each_size
from derivations.random_features.dynamics_theory import (compute_optimal, loss_curve, mean_predictor_loss,
                                                         power_law_spectrum, _double_inversion, _rule)
from derivations.random_features.laws import _rf_theory, _width_error_finite
from derivations.ridge import ridge_error, ridge_finite, ridge_theory
from numerics.random_feature_simulation import draw_projection
from numerics.relaxation_sums import bias_sum
from numerics.rf_dynamics_simulation import gradient_flow_fit

ENTRY = "random-feature-dynamics"
MODEL = "random-feature regression, gradient flow (arXiv:2402.01092)"
EASY, STEEP = {"a": 2.0, "b": 1.5}, {"a": 3.0, "b": 1.5}
M_TIME, N_TIME, P_TIME = 1000, 400, 400
D_WIDTH, K_ONE, K_ENSEMBLE = 1000, 4, 16
M_COMPUTE, K_COMPUTE = 1000, 4
#: widths tried around the finite theory's N* (ratio 2^(1/4), ±1.5 octaves)
GRID_STEPS = 6
#: the compute laws read one finite-theory frontier per C (cached): one worker runs all three
COMPUTE_SHARES = "finite-M compute frontier"


def check_parameters(params: dict) -> None:
    """a > 1 and b > 1 (finite Σ k^(−a), Σ k^(−b)); the compute laws also need a hard task, a − 1 < b.

    >>> check_parameters({"a": 2.0, "b": 0.9})
    Traceback (most recent call last):
    ...
    ValueError: a and b must be > 1 (finite Σ_k k^(−a) and Σ_k k^(−b)), got a=2.0, b=0.9
    """
    power_law_spectrum(params["a"], params["b"])


def check_hard_task(params: dict) -> None:
    """:func:`check_parameters` and a hard task, a − 1 < b (where the compute-optimal rates are derived).

    >>> check_hard_task({"a": 3.0, "b": 1.5})
    Traceback (most recent call last):
    ...
    ValueError: the compute-optimal rates hold for hard tasks, a − 1 < b; got a=3.0, b=1.5
    """
    check_parameters(params)
    if not params["a"] - 1 < params["b"]:
        raise ValueError(f"the compute-optimal rates hold for hard tasks, a − 1 < b; got a={params['a']}, "
                         f"b={params['b']}")


def _catalogue(params):
    """The catalogue's (α, r) of the paper's (a, b)."""
    s = power_law_spectrum(params["a"], params["b"])
    return {"alpha": s.alpha, "r": s.r}


def _arrays(params, M):
    k = np.arange(1, M + 1, dtype=float)
    eta = k ** -params["b"]
    return eta, np.sqrt(k ** -params["a"] / eta)


def _law(*args, check=check_parameters, **kwargs) -> Law:
    return Law(*args, catalogue=registry.get, check_parameters=check, **kwargs)


# ---- time --------------------------------------------------------------------------------------

def _time_theory(t):
    return bias_sum(t, EASY["b"], EASY["a"])


def _time_draw(rng, sizes):
    """The test loss of one model (one A, one data set) at the times ``sizes``: exact flow per draw."""
    eta, w = _arrays(EASY, M_TIME)
    A = rng.standard_normal((N_TIME, M_TIME))
    Psi = rng.standard_normal((P_TIME, M_TIME)) * np.sqrt(eta)
    F = A @ Psi.T / math.sqrt(N_TIME)
    fit, _ = gradient_flow_fit(F, (Psi @ w)[:, None], np.asarray(sizes, float))
    beta = fit[0] @ A / math.sqrt(N_TIME)                               # (T, M)
    return list(np.sum(eta * (beta - w) ** 2, axis=-1))


def _time_finite(t):
    eta, w = _arrays(EASY, M_TIME)
    return float(loss_curve([t], eta, w, N_TIME, P_TIME).test[0])


# ---- width: one model and the infinite ensemble ---------------------------------------------------
#: measured (300 and 150 seeds, D = 1000): simulation/theory − 1 = +8.4 %, +6.6 %, +4.2 %, +1.9 % (one model)
#: and +13 %, +4.8 %, +4.2 %, +1.0 % (ensemble) at N = 8, 16, 32, 64 — the O(1/N) correction of the
#: deterministic equivalent, fitted by a 1/N term in both routes' slopes instead of hidden in a tolerance
FINITE_WIDTH_NOTE = "slopes fitted with a 1/N term (the deterministic equivalent's finite-width correction)"

def _width_draws(rng, N, K, params):
    """d_i = (Π_i − 1)Σ^{1/2}w̄ for K projections (the P = t = ∞ fits), as rows."""
    eta, w = _arrays(params, D_WIDTH)
    v = np.sqrt(eta) * w
    d = np.empty((K, eta.size))
    for i in range(K):
        Q, _ = np.linalg.qr(np.sqrt(eta)[:, None] * draw_projection(rng, eta.size, N))
        d[i] = Q @ (Q.T @ v) - v
    return d


def _width_one_observed(rng, N):
    d = _width_draws(rng, N, K_ONE, STEEP)
    return float(np.mean(np.sum(d * d, axis=1)))


def _width_ensemble_observed(rng, N):
    """‖E_A d‖² without bias: (‖Σ_i d_i‖² − Σ_i ‖d_i‖²)/(K(K − 1))."""
    d = _width_draws(rng, N, K_ENSEMBLE, STEEP)
    total = d.sum(axis=0)
    return float((total @ total - np.sum(d * d)) / (K_ENSEMBLE * (K_ENSEMBLE - 1)))


def _width_ensemble_finite(N):
    eta, w = _arrays(STEEP, D_WIDTH)
    return float(mean_predictor_loss([1e9], eta, w, N, math.inf)[0])


def _width_ensemble_theory(N):
    return ridge_theory("bias2", _catalogue(STEEP))(N)


# ---- compute-optimal frontier ---------------------------------------------------------------------
COMPUTE = dict(EASY)


@functools.lru_cache(maxsize=64)
def _frontier_exact(C: float, ab=(EASY["a"], EASY["b"])):
    f = compute_optimal([C], power_law_spectrum(*ab), None, xatol=1e-7)
    return float(f.loss[0]), float(f.width[0]), float(f.time[0])


@functools.lru_cache(maxsize=64)
def _finite_frontier(C: float, ab=(EASY["a"], EASY["b"])):
    eta, w = _arrays(dict(zip("ab", ab)), M_COMPUTE)
    return float(compute_optimal([C], eta, w).width[0])


def grid_around(centre):
    """Integer widths on a log-grid around ``centre`` (ratio 2^(1/4), ±1.5 octaves; distinct, ≥ 1) and the index
    nearest ``centre``."""
    grid = np.unique(np.maximum(1, np.round(centre * 2.0 ** (np.arange(-GRID_STEPS, GRID_STEPS + 1) / 4))))
    return grid.astype(int), int(np.argmin(np.abs(np.log(grid / centre))))


def _grid(C, ab=(EASY["a"], EASY["b"])):
    """Integer widths on a log-grid around the finite theory's N* (distinct, ≥ 1), and the index nearest N*."""
    return grid_around(_finite_frontier(float(C), ab))


def _population_loss(A, eta, w, t):
    """‖Aᵀw(t)/√N − w̄‖²_Σ after population gradient flow (P = ∞) from w = 0.  The population loss
    ½‖Σ^{1/2}(w̄ − Aᵀw/√N)‖² is the sample loss (1/2M)‖y − Fᵀw‖² of :func:`gradient_flow_fit` with the M
    "samples" F = √M·AΣ^{1/2}/√N, y = √M·Σ^{1/2}w̄; the loss is ‖residual‖²/M."""
    M = eta.size
    F = math.sqrt(M / A.shape[0]) * A * np.sqrt(eta)
    _, residual = gradient_flow_fit(F, (math.sqrt(M) * np.sqrt(eta) * w)[:, None], [t])
    return float(np.sum(residual[0, 0] ** 2) / M)


def _grid_losses(rng, C, ab=(EASY["a"], EASY["b"])):
    eta, w = _arrays(dict(zip("ab", ab)), M_COMPUTE)
    grid, near = _grid(C, ab)
    A = rng.standard_normal((K_COMPUTE, grid.max(), M_COMPUTE))
    losses = np.array([np.mean([_population_loss(A[i, :n], eta, w, C / n) for i in range(K_COMPUTE)]) for n in grid])
    return grid, near, losses


def argmin_on_grid(grid, losses):
    """The minimiser of a curve on the grid, refined by a parabola in log N through its neighbours."""
    j = int(np.clip(np.argmin(losses), 1, grid.size - 2))
    x, y = np.log(grid[j - 1:j + 2].astype(float)), losses[j - 1:j + 2]
    c2, c1, _ = np.polyfit(x, y, 2)
    best = -c1 / (2 * c2) if c2 > 0 else x[1]
    return float(math.exp(np.clip(best, x[0], x[2])))


def _finite_grid_losses(C, ab=(EASY["a"], EASY["b"])):
    eta, w = _arrays(dict(zip("ab", ab)), M_COMPUTE)
    rule = _rule(eta, w)
    grid, near = _grid(C, ab)
    return grid, near, np.array([_double_inversion(np.array([C / n]), rule, float(n), 1e200, 0.0, ("test",))["test"][0]
                                 for n in grid])


@functools.lru_cache(maxsize=64)
def _finite_compute(C: float, ab=(EASY["a"], EASY["b"])):
    grid, near, losses = _finite_grid_losses(C, ab)
    width = argmin_on_grid(grid, losses)
    return {"loss": float(losses[near]), "width": width, "time": C / width}


def _compute_draw(rng, sizes, field, ab=(EASY["a"], EASY["b"])):
    out = []
    for C in sizes:
        grid, near, losses = _grid_losses(rng, float(C), ab)
        width = argmin_on_grid(grid, losses)
        out.append({"loss": losses[near], "width": width, "time": C / width}[field])
    return out


def _compute_theory(field, ab=(EASY["a"], EASY["b"])):
    index = {"loss": 0, "width": 1, "time": 2}[field]
    return lambda C: mpmath.mpf(_frontier_exact(float(C), ab)[index])


def _compute_finite(field, ab=(EASY["a"], EASY["b"])):
    return lambda C: _finite_compute(float(C), ab)[field]


# ---- the table --------------------------------------------------------------------------------------

@functools.cache
def _all() -> tuple:
    steep_regime = "P = t = ∞, a − 1 > b (a = 3, b = 1.5)"
    compute_sizes = (250, 500, 1000, 2000, 4000)
    laws = [
        _law("rfd-time", ENTRY, "time-rate", MODEL, "L (N = P = ∞)", "t", "population flow (simulation N = P = 400)",
             EASY, _time_theory, _time_draw, _time_finite, (2, 4, 8, 16, 32, 64)),
        _law("rfd-data", ENTRY, "data-rate", MODEL, "L (N = t = ∞, σ = 0)", "P", "ridgeless, infinite width", EASY,
             ridge_theory("E_g", _catalogue(EASY)),
             each_size(functools.partial(ridge_error, params=_catalogue(EASY), noise=0, key="E_g")),
             ridge_finite("E_g", _catalogue(EASY)), (16, 32, 64, 128, 256)),
        _law("rfd-width-one", ENTRY, "width-rate-one", MODEL, "L of one model", "N", steep_regime, STEEP,
             _rf_theory("E_g", _catalogue(STEEP), "inf", lambda x: x), each_size(_width_one_observed),
             functools.partial(_width_error_finite, params=_catalogue(STEEP), D=D_WIDTH), (16, 32, 64, 128, 256),
             corrections=("1/x",), notes=FINITE_WIDTH_NOTE),
        _law("rfd-width-ensemble", ENTRY, "width-rate-ensemble", MODEL, "L of the infinite ensemble over A", "N",
             steep_regime, STEEP, _width_ensemble_theory, each_size(_width_ensemble_observed), _width_ensemble_finite,
             (8, 16, 32, 64, 128), seeds=(256, 64), corrections=("1/x",), notes=FINITE_WIDTH_NOTE),
    ]
    for name, step, field, quantity in (("rfd-compute-loss", "compute-loss-rate", "loss", "L*"),
                                        ("rfd-compute-width", "compute-width-rate", "width", "N*"),
                                        ("rfd-compute-time", "compute-time-rate", "time", "t* = C/N*")):
        laws.append(_law(name, ENTRY, step, MODEL, f"{quantity} (P = ∞)", "C", "hard task a − 1 < b (a = 2, b = 1.5), "
                         "compute C = N·t", COMPUTE, _compute_theory(field),
                         functools.partial(_compute_draw, field=field), _compute_finite(field), compute_sizes,
                         seeds=(32, 12), scales=tuple(10.0 ** k for k in range(3, 9)), rel_step=0.2,
                         shares=COMPUTE_SHARES, check=check_hard_task))
    return tuple(laws)


def laws() -> list[Law]:
    """The seven laws of ``random-feature-dynamics``."""
    return list(_all())
