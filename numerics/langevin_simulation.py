"""Direct simulation of random-feature regression trained by Langevin dynamics.

The learning system of Kramp, Lindner, Helias (arXiv:2602.23039), as reconstructed in
``shared/reference/papers.md`` §1 (equations K-1, K-2; normalisation of the loss UNSURE there,
hence the free ``loss_scale`` c).  Features φ_μ = Λ^{1/2} z_μ, z_μ ~ N(0, I_N), Λ = diag(eigenvalues),
design Φ (P×N), labels y = Φw̄ + ε with ε ~ N(0, σ²), loss L(w) = (c/2)‖y − Φw‖² + (g/2)‖w‖² and

    dw = −∇L dt + √(2/β) dW,   w(0) = 0                                            (K-1)

(β = inf: gradient flow).  With Δ = w − w̄ and Φw − y = ΦΔ − ε the SDE reads
dΔ = −(AΔ + g w̄ − cΦᵀε) dt + √(2/β) dW, A = cΦᵀΦ + gI, an Ornstein–Uhlenbeck process, so for
one data draw (Φ, ε, w̄), exactly (no time stepping):

    Δ̄(t) = e^{−At}Δ(0) − (I − e^{−At})A⁻¹(g w̄ − cΦᵀε),   Δ(0) = −w̄,
    Cov_Langevin Δ(t) = (1/β) A⁻¹(I − e^{−2At}),                                    (K-2)

with (I − e^{−at})/a → t and (1 − e^{−2at})/a → 2t on zero eigenvalues a of A (g = 0, N > P).
Δ̄ = Δ̄_clean + Δ̄_noise splits into the noiseless-label part Δ̄_clean = −[e^{−At} + gF(t)]w̄,
F(t) = (I − e^{−At})A⁻¹, and the label-noise part Δ̄_noise = F(t)cΦᵀε.  The test error
averaged exactly over the Langevin noise is

    ε(t) = ‖Δ̄_clean + Δ̄_noise‖²_Λ + (1/β) tr[Λ A⁻¹(I − e^{−2At})],   ‖v‖²_Λ = vᵀΛv,

(noise-free test labels; add σ² for noisy ones) and its average over data gives the split of
(K-7): bias ‖E_data Δ̄‖²_Λ, variance from data sampling + label noise, Langevin variance.
One symmetric eigendecomposition of A per draw (stacked :func:`numpy.linalg.eigh` over a batch of
draws) serves all requested times.  :func:`euler_maruyama_path` integrates (K-1) step by step
for one data set, the way the paper simulates, to validate (K-2).

>>> out = langevin_draw(np.random.default_rng(0), np.ones(4), P=6, weight_decay=0.1, beta=10.0,
...                     times=[0.0, 1.0], teacher=np.ones(4))
>>> float(out["total"][0])                 # w(0) = 0: the error is ‖w̄‖²_Λ
4.0
>>> sorted(out)
['clean', 'clean_deviation', 'label_noise', 'langevin', 'response_diagonal', 'total']
"""
from __future__ import annotations

import functools
import math

import numpy as np

from numerics.simulation import Estimate, run_ensemble
from numerics.validate import finite, nonnegative, positive, positive_int

__all__ = [
    "langevin_moments",
    "langevin_draw",
    "simulate_test_error",
    "euler_maruyama_path",
]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _eigenvalues(eigenvalues):
    lam = finite("eigenvalues", eigenvalues)          # complex, NaN, inf: ValueError naming the argument
    if lam.ndim != 1 or lam.size < 1:
        raise ValueError(f"eigenvalues must be a non-empty 1-D array, got shape {lam.shape}")
    if np.any(lam <= 0):
        raise ValueError("eigenvalues must be finite and > 0 (the feature covariance Λ)")
    return lam


def _times(times):
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or t.size < 1:
        raise ValueError(f"times must be a non-empty 1-D array, got shape {t.shape}")
    if np.any(t < 0):
        raise ValueError("times must be finite and >= 0")
    if np.any(np.diff(t) < 0):
        raise ValueError("times must be sorted in increasing order")
    return t


def _common(weight_decay, beta, loss_scale):
    return (nonnegative("weight_decay", weight_decay), positive("beta", beta, allow_inf=True),
            positive("loss_scale", loss_scale))


# --------------------------------------------------------------------------
# Exact solution (K-2)
# --------------------------------------------------------------------------

def _problem_inputs(eigenvalues, P, weight_decay, beta, loss_scale, times, teacher_variance, noise_variance,
                    teacher):
    """Checked arguments shared by :func:`langevin_draw` and :func:`simulate_test_error`."""
    lam = _eigenvalues(eigenvalues)
    P = positive_int("P", P)
    g, beta, c = _common(weight_decay, beta, loss_scale)
    t = _times(times)
    sw2 = nonnegative("teacher_variance", teacher_variance)
    s2 = nonnegative("noise_variance", noise_variance)
    if teacher is not None:
        teacher = finite("teacher", teacher)        # NaN/inf/complex weights: ValueError, not a NaN error
        if teacher.shape != lam.shape:
            raise ValueError(f"teacher must have shape {lam.shape} (one weight per mode), got {teacher.shape}")
    return lam, P, g, beta, c, t, sw2, s2, teacher


def _time_factors(a, t):
    """e^{−at}, (1 − e^{−at})/a and (1 − e^{−2at})/a on a (..., N) × t (T,) grid; limits t, 2t at a = 0."""
    x = a[..., None] * t
    pos = a[..., None] > 0
    safe = np.where(pos, a[..., None], 1.0)
    em = np.expm1(-x)                                   # e^{−at} − 1, accurate for small at
    decay = 1.0 + em
    f = np.where(pos, -em / safe, t)
    h = np.where(pos, -em * (2.0 + em) / safe, 2 * t)   # 1 − e^{−2at} = −em(2 + em)
    return decay, f, h


def _eig_A(Phi, weight_decay, loss_scale):
    """Eigen-decomposition of A = cΦᵀΦ + gI (stacks allowed); eigenvalues clipped at g (round-off)."""
    A = loss_scale * np.matmul(np.swapaxes(Phi, -1, -2), Phi)
    idx = np.arange(A.shape[-1])
    A[..., idx, idx] += weight_decay
    a, V = np.linalg.eigh(A)
    return np.maximum(a, weight_decay), V


def langevin_moments(Phi, y, weight_decay, beta, times, loss_scale=1.0):
    """Langevin mean and covariance of w(t) for one data set (Φ, y), from w(0) = 0.

    Written in w rather than Δ (so that it checks the signs of K-2 independently):
    dw = −(Aw − cΦᵀy)dt + √(2/β)dW gives

        E w(t) = (I − e^{−At})A⁻¹cΦᵀy,   Cov w(t) = (1/β)A⁻¹(I − e^{−2At}),

    A = cΦᵀΦ + gI.  Returns ``(mean, cov)`` of shapes (T, N) and (T, N, N).  For t → ∞ and g > 0
    the mean is the ridge solution A⁻¹cΦᵀy and the covariance the posterior (1/β)A⁻¹.

    >>> Phi = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> m, C = langevin_moments(Phi, np.array([1.0, 2.0]), 1.0, 4.0, [0.0, 50.0])
    >>> np.round(m[1], 12), np.round(np.diag(C[1]), 12)         # A = diag(2, 5)
    (array([0.5, 0.8]), array([0.125, 0.05 ]))
    """
    Phi, y = finite("Phi", Phi), finite("y", y)
    if Phi.ndim != 2 or y.shape != (Phi.shape[0],):
        raise ValueError(f"Phi must be P×N and y of length P, got {Phi.shape} and {y.shape}")
    g, beta, c = _common(weight_decay, beta, loss_scale)
    t = _times(times)
    a, V = _eig_A(Phi, g, c)
    _, f, h = _time_factors(a, t)                        # (N, T)
    b = V.T @ (c * Phi.T @ y)
    mean = (V @ (f * b[:, None])).T
    if math.isinf(beta):
        cov = np.zeros((t.size,) + V.shape)
    else:
        cov = np.einsum("ik,kt,jk->tij", V, h / beta, V)
    return mean, cov


def _draw_data(rng, n, eigenvalues, P, teacher, teacher_variance, noise_variance):
    """Φ (n, P, N), teachers (n, N), label noise (n, P), drawn in this order."""
    N = eigenvalues.size
    Phi = rng.standard_normal((n, P, N)) * np.sqrt(eigenvalues)
    if teacher is None:
        w = rng.standard_normal((n, N)) * math.sqrt(teacher_variance)
    else:
        w = np.broadcast_to(teacher, (n, N))
    eps = rng.standard_normal((n, P)) * math.sqrt(noise_variance)
    return Phi, w, eps


def _batch(Phi, w, eps, eigenvalues, weight_decay, beta, t, c, response=True):
    """Per-draw errors over times for a stack of data draws (see :func:`langevin_draw`)."""
    g, lam = weight_decay, eigenvalues
    a, V = _eig_A(Phi, g, c)                                          # (n, N), (n, N, N)
    decay, f, h = _time_factors(a, t)                                 # (n, N, T)
    alpha = decay + g * f                                             # e^{−at} + g(1 − e^{−at})/a
    u = np.einsum("bik,bi->bk", V, w)                                 # Vᵀw̄
    clean_dev = -np.matmul(V, u[..., None] * alpha)                   # Δ̄_clean (n, N, T)
    clean = np.einsum("i,bit->bt", lam, clean_dev ** 2)
    if np.any(eps):
        v = np.einsum("bik,bi->bk", V, c * np.einsum("bpi,bp->bi", Phi, eps))   # VᵀcΦᵀε
        noise_dev = np.matmul(V, v[..., None] * f)
        label = np.einsum("i,bit->bt", lam, noise_dev ** 2)
        mean_err = np.einsum("i,bit->bt", lam, (clean_dev + noise_dev) ** 2)
    else:
        label = np.zeros_like(clean)
        mean_err = clean
    V2 = V ** 2
    if math.isinf(beta):
        langevin = np.zeros_like(clean)
    else:
        langevin = np.einsum("bk,bkt->bt", np.einsum("i,bik->bk", lam, V2), h) / beta
    out = {"total": mean_err + langevin, "langevin": langevin, "label_noise": label,
           "clean": clean, "clean_deviation": clean_dev}
    if response:
        out["response_diagonal"] = np.matmul(V2, alpha)               # diag of e^{−At} + gF(t)
    return out


def langevin_draw(rng, eigenvalues, P, weight_decay, beta, times, loss_scale=1.0, teacher=None,
                  teacher_variance=1.0, noise_variance=0.0) -> dict:
    """One data draw (Φ, w̄, ε) and its exact Langevin-averaged errors at ``times`` (K-2).

    Keys (arrays over times, T = len(times)):

    * ``total``: ε(t) = ‖Δ̄‖²_Λ + (1/β)tr[ΛA⁻¹(I − e^{−2At})] for this draw (noise-free test labels);
    * ``langevin``: the Langevin variance (1/β)tr[ΛA⁻¹(I − e^{−2At})] (0 for β = inf);
    * ``clean``: ‖Δ̄_clean‖²_Λ, the mean-predictor error with noiseless labels;
    * ``label_noise``: ‖Δ̄_noise‖²_Λ, Δ̄_noise = (I − e^{−At})A⁻¹cΦᵀε.  total = clean + label_noise +
      langevin + 2Δ̄_cleanᵀΛΔ̄_noise, and the cross term has mean 0 over ε;
    * ``clean_deviation`` (N, T): Δ̄_clean(t) = −[e^{−At} + g(I − e^{−At})A⁻¹]w̄ — for the bias;
    * ``response_diagonal`` (N, T): the diagonal of G(t) = e^{−At} + g(I − e^{−At})A⁻¹ (Δ̄_clean = −Gw̄).

    ``teacher=None`` draws w̄ ~ N(0, teacher_variance·I) for this draw; otherwise w̄ = ``teacher``.

    >>> out = langevin_draw(np.random.default_rng(1), np.ones(3), P=2, weight_decay=0.0, beta=np.inf,
    ...                     times=[0.0, 1e6], teacher=np.ones(3))
    >>> float(out["langevin"][1]), bool(out["total"][1] > 1e-6)   # β = inf; N > P: w̄ not fully learnable
    (0.0, True)
    """
    lam, P, g, beta, c, t, sw2, s2, teacher = _problem_inputs(
        eigenvalues, P, weight_decay, beta, loss_scale, times, teacher_variance, noise_variance, teacher)
    Phi, w, eps = _draw_data(rng, 1, lam, P, teacher, sw2, s2)
    return {k: v[0] for k, v in _batch(Phi, w, eps, lam, g, beta, t, c).items()}


# --------------------------------------------------------------------------
# Ensembles
# --------------------------------------------------------------------------

#: draws evaluated together inside a task (the eigen-decompositions and time factors of a sub-batch)
SUB_BATCH = 32


def _chunk_task(rng, *, n, eigenvalues, P, weight_decay, beta, times, loss_scale, teacher,
                teacher_variance, noise_variance):
    """``n`` draws from one generator: per-draw errors and the sums needed for the bias."""
    Phi, w, eps = _draw_data(rng, n, eigenvalues, P, teacher, teacher_variance, noise_variance)
    with np.errstate(over="ignore", invalid="ignore"):          # an overflow is reported by simulate_test_error
        return _chunk_sums(Phi, w, eps, n, eigenvalues, weight_decay, beta, times, loss_scale, teacher)


def _chunk_sums(Phi, w, eps, n, eigenvalues, weight_decay, beta, times, loss_scale, teacher):
    # sub-batches keep the (draws, N, T) temporaries in cache; the draws themselves are made by the caller
    per_draw = {k: [] for k in ("total", "langevin", "clean", "label_noise")}
    bias_sum, bias_norms, mode_sum = 0.0, 0.0, 0.0
    for i in range(0, n, SUB_BATCH):
        out = _batch(Phi[i:i + SUB_BATCH], w[i:i + SUB_BATCH], eps[i:i + SUB_BATCH], eigenvalues, weight_decay,
                     beta, times, loss_scale)
        for k in per_draw:
            per_draw[k].append(out[k])
        diagonal = out["response_diagonal"]
        # random teacher: E_w̄ ‖E_Φ[Δ̄|w̄]‖²_Λ = σ_w² Σ_i Λ_i (E G_ii)² (see simulate_test_error); σ_w² is
        # applied there, so that σ_w² = 0 still gives E G_ii (the mode means)
        vec = diagonal if teacher is None else out["clean_deviation"]
        bias_sum = bias_sum + vec.sum(axis=0)
        bias_norms = bias_norms + np.einsum("i,bit->t", eigenvalues, vec ** 2)
        mode_sum = mode_sum + diagonal.sum(axis=0)
    return {**{k: np.concatenate(v) for k, v in per_draw.items()}, "bias_sum": bias_sum, "bias_norms": bias_norms,
            "mode_sum": mode_sum}


def _default_chunk(n_draws):
    """Largest divisor of n_draws that is <= max(1, n_draws // 32) (so >= 32 chunks when possible)."""
    cap = max(1, n_draws // 32)
    return max(d for d in range(1, cap + 1) if n_draws % d == 0)


def _group_jackknife(loo):
    K = loo.shape[0]
    return np.sqrt((K - 1) / K * np.sum((loo - loo.mean(axis=0)) ** 2, axis=0))


def _maybe_scalar(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def simulate_test_error(times, eigenvalues, P, weight_decay, beta, loss_scale=1.0,
                        teacher_variance=1.0, noise_variance=0.0, teacher=None, n_draws=1000,
                        entropy=0, executor=None, draws_per_task=None) -> dict:
    """Mean test error ε(t) of Langevin-trained random-feature regression and its split (K-7).

    Draws are run in tasks of ``draws_per_task`` draws (default: the largest divisor of
    ``n_draws`` not above n_draws/32) through :func:`numerics.simulation.run_ensemble`, one
    ``SeedSequence(entropy)`` child per *task* (the draws of a task share one generator and one
    stacked ``eigh``).  The numbers therefore depend on ``entropy``, ``n_draws`` and
    ``draws_per_task``, never on ``executor``.  Returns name → :class:`Estimate` (arrays over times):

    * ``total`` = E ε(t); ``variance_langevin`` = E (1/β)tr[ΛA⁻¹(I − e^{−2At})];
      ``clean`` = E‖Δ̄_clean‖²_Λ; ``label_noise`` = E‖Δ̄_noise‖²_Λ (standard errors over draws);
    * ``bias``: fixed ``teacher``: ‖E_data Δ̄(t)‖²_Λ (E_ε Δ̄_noise = 0, so E_data Δ̄ = E_Φ Δ̄_clean),
      by the unbiased U-statistic of numerics.ridge_simulation.bias_squared over all pairs of
      draws.  ``teacher=None`` (w̄ ~ N(0, σ_w²I) per draw): the naive ‖E Δ̄‖²_Λ would be 0 by
      symmetry, so the bias reported is the teacher-average of the fixed-teacher bias,
      E_w̄ ‖E_Φ[Δ̄|w̄]‖²_Λ = σ_w² Σ_i Λ_i (E G_ii)², G = e^{−At} + g(I − e^{−At})A⁻¹ (E_Φ G is diagonal:
      Φ → ΦD with D = diag(±1) leaves the data law invariant), from the U-statistic of diag G;
    * ``variance_data`` = total − bias − variance_langevin (data sampling + label noise);
    * ``mode_mean`` (N × T): E_Φ G_ii(t) = E⟨Δ_i(t)⟩/Δ_i(0), the normalised mean discrepancy of each
      mode (standard errors between tasks), averaged from diag G of each draw, so it is defined for any
      teacher (σ_w² = 0, or components w̄_i = 0 of a fixed teacher).

    ``teacher_variance = 0`` (a zero teacher) is a valid degenerate case: bias 0, the error is label noise
    plus Langevin variance.  A teacher with NaN, inf or complex entries, like any other bad argument,
    raises ValueError naming it; so does a problem whose error overflows float64 (a huge teacher).

    ``bias`` and ``variance_data`` carry delete-one-task jackknife errors (needs >= 3 tasks); their
    ``n`` is ``n_draws``.

    >>> est = simulate_test_error([0.0, 1.0], np.ones(3), P=4, weight_decay=0.1, beta=100.0,
    ...                           teacher=np.ones(3), n_draws=40, entropy=2)
    >>> round(float(est["total"].mean[0]), 12), round(float(est["bias"].mean[0]), 12), est["total"].n
    (3.0, 3.0, 40)
    """
    lam, P, g, beta, c, t, sw2, s2, teacher = _problem_inputs(
        eigenvalues, P, weight_decay, beta, loss_scale, times, teacher_variance, noise_variance, teacher)
    n_draws = positive_int("n_draws", n_draws)
    B = _default_chunk(n_draws) if draws_per_task is None else positive_int("draws_per_task", draws_per_task)
    if n_draws % B:
        raise ValueError(f"draws_per_task must divide n_draws={n_draws}, got {B}")
    K = n_draws // B
    if K < 3:
        raise ValueError(f"need >= 3 tasks for the bias and its jackknife error: n_draws / draws_per_task "
                         f"= {K}; lower draws_per_task or raise n_draws")
    task = functools.partial(_chunk_task, n=B, eigenvalues=lam, P=P, weight_decay=g, beta=beta,
                             times=t, loss_scale=c, teacher=teacher, teacher_variance=sw2,
                             noise_variance=s2)
    s = run_ensemble(task, K, entropy, executor=executor).samples
    with np.errstate(over="ignore", invalid="ignore"):          # an overflow is reported below, by name
        out = _summary(s, lam, t, n_draws, B, sw2, teacher)
    if not all(np.all(np.isfinite(e.mean)) and np.all(np.isfinite(e.se)) for e in out.values()):
        largest = None if teacher is None else float(np.max(np.abs(teacher)))
        raise ValueError(f"teacher_variance={teacher_variance!r}, noise_variance={noise_variance!r} or teacher "
                         f"(largest |w̄_i| = {largest!r}) too large: the test error overflows float64")
    return out


def _summary(s, lam, t, n_draws, B, sw2, teacher):
    """Estimates of :func:`simulate_test_error` from the per-task samples ``s``."""
    K = n_draws // B
    per_draw = {k: s[k].reshape(n_draws, t.size) for k in ("total", "langevin", "clean", "label_noise")}
    est = {k: Estimate.from_samples(v) for k, v in per_draw.items()}

    # U-statistic of the bias over all pairs of draws, and its leave-one-task-out values (random teacher:
    # of diag G, times σ_w²).
    weight = sw2 if teacher is None else 1.0
    S, norms = s["bias_sum"].sum(axis=0), s["bias_norms"].sum(axis=0)       # (N, T), (T,)
    bias = weight * (np.einsum("i,it->t", lam, S ** 2) - norms) / (n_draws * (n_draws - 1))
    M = n_draws - B
    S_loo = S[None] - s["bias_sum"]
    bias_loo = weight * (np.einsum("i,kit->kt", lam, S_loo ** 2) - (norms[None] - s["bias_norms"])) / (M * (M - 1))
    task_sum = {k: v.reshape(K, B, t.size).sum(axis=1) for k, v in per_draw.items()}
    loo_mean = {k: (v.sum(axis=0)[None] - v) / M for k, v in task_sum.items()}
    # normalised mean discrepancy E⟨Δ_i(t)⟩/Δ_i(0) = E_Φ G_ii(t), from diag G of every draw (defined for
    # any teacher, also σ_w² = 0 or w̄_i = 0)
    task_modes = s["mode_sum"] / B                                       # (K, N, T): per-task means
    mode_mean = Estimate(s["mode_sum"].sum(axis=0) / n_draws, task_modes.std(axis=0, ddof=1) / math.sqrt(K),
                         n_draws)
    var_data = est["total"].mean - est["langevin"].mean - bias
    var_data_loo = loo_mean["total"] - loo_mean["langevin"] - bias_loo
    return {
        "total": est["total"],
        "bias": Estimate(_maybe_scalar(bias), _maybe_scalar(_group_jackknife(bias_loo)), n_draws),
        "variance_data": Estimate(_maybe_scalar(var_data),
                                  _maybe_scalar(_group_jackknife(var_data_loo)), n_draws),
        "variance_langevin": est["langevin"],
        "clean": est["clean"],
        "label_noise": est["label_noise"],
        "mode_mean": mode_mean,
    }


# --------------------------------------------------------------------------
# Euler–Maruyama (the paper's route), to validate (K-2)
# --------------------------------------------------------------------------

def euler_maruyama_path(rng, Phi, y, weight_decay, beta, dt, n_steps, loss_scale=1.0,
                        record_every=1, n_paths=None):
    """Integrate (K-1) for one data set by Euler–Maruyama from w(0) = 0.

        w_{k+1} = w_k − dt[cΦᵀ(Φw_k − y) + g w_k] + √(2dt/β) ξ_k,   ξ_k ~ N(0, I_N).

    Stable only for dt < 2/λ_max(A), A = cΦᵀΦ + gI (ValueError otherwise).  Records every
    ``record_every`` steps, t = 0 included.  Returns ``(times, w)`` with w of shape (R, N), or
    (n_paths, R, N) for ``n_paths`` independent paths integrated together.  Discretisation error
    O(dt·λ_max(A)).

    >>> Phi = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> t, w = euler_maruyama_path(np.random.default_rng(0), Phi, np.array([1.0, 2.0]), 0.0, np.inf,
    ...                            dt=0.01, n_steps=2000, record_every=1000)
    >>> t.tolist(), np.round(w[-1], 6).tolist()          # gradient flow -> least squares
    ([0.0, 10.0, 20.0], [1.0, 2.0])
    """
    Phi, y = finite("Phi", Phi), finite("y", y)
    if Phi.ndim != 2 or y.shape != (Phi.shape[0],):
        raise ValueError(f"Phi must be P×N and y of length P, got {Phi.shape} and {y.shape}")
    g, beta, c = _common(weight_decay, beta, loss_scale)
    dt = positive("dt", dt)
    n_steps = positive_int("n_steps", n_steps)
    record_every = positive_int("record_every", record_every)
    A = c * Phi.T @ Phi + g * np.eye(Phi.shape[1])
    limit = 2.0 / float(np.linalg.eigvalsh(A)[-1])
    if dt >= limit:
        raise ValueError(f"dt={dt!r} is past the Euler–Maruyama stability limit: need dt < 2/λ_max(A) "
                         f"= {limit:.6g}, A = cΦᵀΦ + gI")
    shape = (1 if n_paths is None else positive_int("n_paths", n_paths), Phi.shape[1])
    b = c * Phi.T @ y
    step = np.eye(shape[1]) - dt * A                  # symmetric: w @ step = (step w)ᵀ
    amp = 0.0 if math.isinf(beta) else math.sqrt(2 * dt / beta)
    w = np.zeros(shape)
    rec_t, rec_w = [0.0], [w.copy()]
    for k in range(1, n_steps + 1):
        w = w @ step + dt * b
        if amp:
            w += amp * rng.standard_normal(shape)
        if k % record_every == 0:
            rec_t.append(k * dt)
            rec_w.append(w.copy())
    W = np.stack(rec_w, axis=1)                       # (paths, R, N)
    return np.array(rec_t), (W[0] if n_paths is None else W)
