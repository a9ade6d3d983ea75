"""Numbers from ``feature-learning-dmft``: the infinite-width prediction, loss and tangent kernel of a network in
mean-field scaling trained by gradient flow, by Monte-Carlo sampling of the single-site processes.

The processes are solved as the infinite-width limit of gradient descent with step dt, on the grid t_k = k·dt
(the left-point rule of every time integral).  For one hidden layer there are no response terms and the
single-site process of a sample (u ~ N(0, Φ⁰) over the P inputs, r ~ N(0, 1)) is

    h_μ(k+1) = h_μ(k) + γ₀ dt (1/P) Σ_ν Φ⁰_μν Δ_ν(k) φ'(h_ν(k)) z(k),   z(k+1) = z(k) + γ₀ dt (1/P) Σ_ν Δ_ν(k) φ(h_ν(k)),
    f_μ(k) = ⟨z(k) φ(h_μ(k)) − r φ(u_μ)⟩ / γ₀,   Δ = y − f,

⟨·⟩ the average over samples (the r φ(u) term has mean zero and is subtracted as a control variate: it removes
the O(1/(γ₀√S)) noise of the start).  Two routes solve the same discrete equations with the same samples:

* ``method="sweep"`` — causal: everything at step k depends on steps before k only, so one pass in time, with
  Δ(k) averaged from the samples as it goes, is the self-consistent solution;
* ``method="alternating"`` — the paper's procedure: start from the static-NTK error, solve every sample's
  process for the whole time window at fixed Δ, re-estimate Δ from the samples, damp, repeat until Δ stops
  moving (the convergence record says after how many passes, and how far it moved last).

Error bars: ``samples`` are split into ``replicas`` independent solutions; the result is their mean and the
error bar their standard error.  Gradient flow is the limit dt → 0: by default the grid is solved at dt and
dt/2 with the same samples and Richardson-extrapolated (the scheme is first order), the difference kept as the
discretisation estimate.  φ(z) = z at any depth goes to the deterministic solver of :mod:`.deep_linear_theory`.

>>> import numpy as np
>>> X = np.eye(2, 3) * np.sqrt(3); y = np.array([1.0, -0.5])
>>> c = dmft_curve(X, y, [0.0, 2.0, 6.0], 1.0, activation="tanh", samples=2000, seed=1)
>>> c.predictions.shape, c.ntk.shape, bool(c.loss[-1] < c.loss[0])
((3, 2), (3, 2, 2), True)
"""
from __future__ import annotations

import numpy as np

from derivations.feature_learning.curve_theory import (STEP, Convergence, activation_pair, grid_step, interpolate,
                                                       summarise, validate)
from derivations.feature_learning.deep_linear_theory import deep_linear_curve
from derivations.feature_learning.deep_theory import DEEP_MAX_STEPS, DEEP_MIN_STEPS, DEEP_TOL, deep_curve
from numerics.solvers import ConvergenceError, anderson_fixed_point
from numerics.validate import finite, positive, positive_int


#: the most Monte-Carlo samples one curve takes
MAX_SAMPLES = 10_000_000
#: passes remembered by the Anderson mixing of the alternating procedure
ANDERSON_MEMORY = 5


def draw(gram, replicas, per_replica, seed):
    """u ~ N(0, Φ⁰) (replicas × samples × P) and r ~ N(0, 1) (replicas × samples), seeded."""
    rng = np.random.default_rng(seed)
    vals, vecs = np.linalg.eigh(gram)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    u = rng.standard_normal((replicas, per_replica, gram.shape[0])) @ root.T
    return u, rng.standard_normal((replicas, per_replica))


def sweep(gram, y, gamma0, dt, steps, u, r, act, delta=None):
    """The single-site processes of one hidden layer on the grid, for all samples at once: f (steps+1 × R × P)
    and the NTK (steps+1 × R × P × P).  With ``delta`` (steps+1 × R × P) the error is held at it; without, it
    is averaged from the samples at each step (the causal route)."""
    phi, dphi = act
    P, S = len(y), u.shape[1]
    h, z = u.copy(), r.copy()
    start = np.mean(r[..., None] * phi(u), axis=1)
    f = np.empty((steps + 1,) + u.shape[::2])
    K = np.empty((steps + 1, u.shape[0], P, P))
    rate = gamma0 * dt / P
    for k in range(steps + 1):
        a, g = phi(h), dphi(h) * z[..., None]
        f[k] = (np.mean(z[..., None] * a, axis=1) - start) / gamma0
        K[k] = (a.transpose(0, 2, 1) @ a + gram * (g.transpose(0, 2, 1) @ g)) / S
        if k == steps:
            break
        error = y - f[k] if delta is None else delta[k]
        h = h + rate * (g * error[:, None, :]) @ gram
        z = z + rate * np.einsum("rsp,rp->rs", a, error)
    return f, K


def static_error(K0, y, dt, steps):
    """Δ(k) under a frozen kernel: Δ(k+1) = Δ(k) − (dt/P) K0 Δ(k) (per replica: K0 is R × P × P)."""
    P = len(y)
    out = np.empty((steps + 1, K0.shape[0], P))
    out[0] = y
    for k in range(steps):
        out[k + 1] = out[k] - (dt / P) * np.einsum("rpq,rq->rp", K0, out[k])
    return out


def alternating(gram, y, gamma0, dt, steps, u, r, act, *, damping, tol, max_iterations, memory=ANDERSON_MEMORY,
                start=None):
    """The paper's alternating procedure on the grid: (f, K, Convergence).  Each pass samples the kernels with the
    last error and gives the predictions; the passes repeat until the error moves less than ``tol``.  The first
    error is ``start`` (steps+1 × R × P) or that of the static kernel.  With ``damping`` 1 the passes are
    Anderson-mixed (``memory`` of them; 0: plain passes), otherwise damped."""
    if start is None:
        _, K = sweep(gram, y, gamma0, dt, 0, u, r, act)
        start = static_error(K[0], y, dt, steps)
    last = {}

    def one_pass(delta):
        last["f"], last["K"] = sweep(gram, y, gamma0, dt, steps, u, r, act, delta=delta)
        return y - last["f"]

    if damping == 1 and memory > 0:
        try:
            result = anderson_fixed_point(one_pass, start, tol=tol, maxiter=max_iterations, memory=memory)
        except ConvergenceError as e:
            raise RuntimeError(f"alternating DMFT did not converge: {e} (raise max_iterations or damp the "
                               "passes)") from None
        return last["f"], last["K"], Convergence("alternating", result.iterations, result.residual, tol, True)
    delta = start
    for it in range(1, max_iterations + 1):
        new = one_pass(delta)
        residual = float(np.max(np.abs(new - delta)))
        delta = (1 - damping) * delta + damping * new
        if residual <= tol:
            return last["f"], last["K"], Convergence("alternating", it, residual, tol, True)
    raise RuntimeError(f"alternating DMFT did not converge: |ΔΔ| = {residual:.3g} > tol = {tol:g} after "
                       f"{max_iterations} passes (raise max_iterations or lower the damping's step)")


def _solve_grid(X, y, gamma0, dt, steps, act, u, r, method, options, start=None):
    gram = X @ X.T / X.shape[1]
    if method == "sweep":
        f, K = sweep(gram, y, gamma0, dt, steps, u, r, act)
        return f, K, Convergence("sweep", 1, 0.0, options["tol"], True)
    return alternating(gram, y, gamma0, dt, steps, u, r, act, start=start, **options)


def dmft_curve(X, y, times, gamma0, *, depth=1, activation="tanh", samples=10_000, seed=0, replicas=8,
               method=None, step=STEP, extrapolate=True, damping=1.0, tol=None, max_iterations=400, responses=True):
    """The infinite-width DMFT of gradient flow at ``times`` for the examples X (P × D) with targets y.

    ``activation`` one of ``linear``, ``tanh``, ``erf``, ``relu`` (ReLU beyond one layer: with
    ``responses=False`` only); ``depth`` hidden
    layers; ``method``: ``"exact"`` (φ(z) = z only, the default there: the deterministic solver of
    :mod:`.deep_linear_theory`), ``"sweep"`` (one hidden layer, the default there) or ``"alternating"`` (the
    paper's procedure; the default beyond one layer, :mod:`.deep_theory`), the Monte-Carlo routes with
    ``samples`` in ``replicas`` independent groups, seeded by ``seed``; ``step`` the largest dt of the grid;
    ``extrapolate``: Richardson in dt; ``tol``: the change of Δ and the kernels at which the passes stop (default
    1e-10, 1e-6 beyond one layer); ``responses=False``: the gradient-independence approximation (the response
    functions dropped, the error driven by the tangent kernel; beyond one hidden layer, where there are
    responses).  Returns a :class:`DMFTCurve`; a solver that does not converge raises RuntimeError saying so.
    """
    X, y, times, gamma0, depth = validate(X, y, times, gamma0, depth, activation)
    method = method or ("exact" if activation == "linear" else "sweep" if depth == 1 else "alternating")
    if method not in ("exact", "sweep", "alternating"):
        raise ValueError(f"method must be 'exact', 'sweep' or 'alternating', got {method!r}")
    step = positive("step", step)
    tol = positive("tol", tol) if tol is not None else (DEEP_TOL if depth > 1 and method != "exact" else 1e-10)
    replicas, samples = positive_int("replicas", replicas), positive_int("samples", samples)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if replicas < 2 or samples < 2 * replicas or samples > MAX_SAMPLES:
        raise ValueError(f"replicas must be >= 2 and samples in [2·replicas, {MAX_SAMPLES}], got {replicas}, "
                         f"{samples}")
    damping = positive("damping", damping)
    if damping > 1:
        raise ValueError(f"damping must lie in (0, 1], got {damping}")
    options = dict(damping=damping, tol=tol, max_iterations=positive_int("max_iterations", max_iterations))
    if not isinstance(responses, bool):
        raise ValueError(f"responses must be True or False, got {responses!r}")
    if method == "exact":
        if activation != "linear":
            raise ValueError(f"method 'exact' solves activation='linear' only, got {activation!r}")
        return deep_linear_curve(X, y, times, gamma0, depth=depth, step=step, extrapolate=extrapolate,
                                 responses=responses, **options)
    if not responses and depth == 1:
        raise ValueError("responses=False needs depth >= 2 for the Monte-Carlo routes: one hidden layer has no "
                         "response functions to drop (gradient independence is the full DMFT there)")
    if depth > 1:
        dt, steps = grid_step(times, max(step, float(times[-1]) / DEEP_MAX_STEPS), least=DEEP_MIN_STEPS)
        if method != "alternating":
            raise ValueError(f"method must be 'alternating' for depth {depth} (the sweep covers one hidden layer)")
        return deep_curve(X, y, times, gamma0, depth, activation, dt, steps, extrapolate, samples=samples,
                          replicas=replicas, seed=seed, responses=responses, **options)
    dt, steps = grid_step(times, step)
    u, r = draw(X @ X.T / X.shape[1], replicas, samples // replicas, seed)
    args = (X, y, gamma0, activation_pair(activation), u, r, method, options)
    return monte_carlo(times, dt, steps, extrapolate, samples, *args)


def monte_carlo(times, dt, steps, extrapolate, samples, X, y, gamma0, act, u, r, method, options):
    """The Monte-Carlo grid at dt (and dt/2, Richardson-extrapolated), summarised at ``times``."""
    f, K, conv = _solve_grid(X, y, gamma0, dt, steps, act, u, r, method, options)
    gap, passes = 0.0, conv.iterations
    if extrapolate and steps:
        coarse = y - f                                      # the fine grid's passes start from the coarse error
        start = np.concatenate([coarse[:1], np.repeat((coarse[:-1] + coarse[1:]) / 2, 2, axis=0)])
        start[2::2] = coarse[1:]
        f2, K2, conv2 = _solve_grid(X, y, gamma0, dt / 2, 2 * steps, act, u, r, method, options, start=start)
        gap = float(np.max(np.abs(f2[::2] - f)))
        f, K = 2 * f2[::2] - f, 2 * K2[::2] - K
        passes, conv = passes + conv2.iterations, conv2 if conv2.residual > conv.residual else conv
    record = Convergence(conv.method, passes, conv.residual, conv.tolerance, True, gap)
    return summarise(times, dt * np.arange(steps + 1), y, f, K, record, dt, samples)


def static_ntk(X, activation="tanh", *, depth=1, nodes=200):
    """The tangent kernel at the start (γ₀ → 0 keeps it for all time): for one hidden layer
    K⁰_μν = E[φ(u_μ)φ(u_ν)] + Φ⁰_μν E[φ'(u_μ)φ'(u_ν)], (u_μ, u_ν) Gaussian with the covariance Φ⁰ (two-point
    Gauss–Hermite rule of ``nodes``² points, at most 256: tanh's rule at 128 and 256 nodes differs by 2e-8); for
    φ(z) = z at any depth (L + 1)Φ⁰ (step static-limit)."""
    X = finite("X", X)
    if not isinstance(nodes, int) or not 2 <= nodes <= 256:
        raise ValueError(f"nodes must be an integer in [2, 256], got {nodes!r}")
    gram = X @ X.T / X.shape[1]
    if activation == "linear":
        return (positive_int("depth", depth) + 1) * gram
    if depth != 1:
        raise ValueError(f"depth must be 1 for activation {activation!r}: the static kernel of a nonlinear network "
                         "is computed for one hidden layer")
    phi, dphi = activation_pair(activation)
    xi, wt = np.polynomial.hermite_e.hermegauss(nodes)
    wt = wt / wt.sum()
    e1, e2 = np.meshgrid(xi, xi, indexing="ij")
    weights = np.outer(wt, wt)
    P = gram.shape[0]
    K = np.empty((P, P))
    for m in range(P):
        for q in range(m, P):
            a = np.sqrt(gram[m, m])
            c = gram[m, q] / a if a > 0 else 0.0
            d = np.sqrt(max(gram[q, q] - c * c, 0.0))
            u1, u2 = a * e1, c * e1 + d * e2
            K[m, q] = K[q, m] = np.sum(weights * (phi(u1) * phi(u2) + gram[m, q] * dphi(u1) * dphi(u2)))
    return K


def static_curve(X, y, times, K0, step=STEP):
    """Predictions of a frozen kernel K0 on the grid of ``dmft_curve`` (gradient descent with step dt, then
    Richardson in dt): the static-NTK approximation."""
    y, times = finite("y", y), finite("times", times)
    dt, steps = grid_step(times, step)
    decay = lambda h, m: static_error(K0[None], y, h, m)[:, 0]
    delta = 2 * decay(dt / 2, 2 * steps)[::2] - decay(dt, steps)
    grid = dt * np.arange(steps + 1)
    return interpolate(grid, y - delta, times)
