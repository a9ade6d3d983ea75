"""Numbers from ``random-feature-dynamics``: κ(s) on the Talbot contour, the transfer functions H_k(t) and
the loss of the mean predictor.

Every formula is compiled from a statement of :mod:`derivations.random_features.dynamics_steps`: the
residual of (kappa-of-s) and its κ-derivative (SymPy ``diff`` of the statement with Df = Df(κ)), the mode
sums Df = Σ_k η_k/(η_k + κ) and its derivative, Ĥ_k(s) of (transfer-function) and the summand of
(mean-predictor-loss).  Each time t gets the nodes of the fixed Talbot rule (:mod:`numerics.dmft_talbot`,
z_j = δ_j/t); κ is found at the real node by bisection on the physical branch (κ above the root of
Df(κ) = min(N, P), where both factors are positive and the left side of (kappa-of-s) increases), then
continued node by node along the contour with Newton steps from intermediate points; every node's
residual is checked, and a failed check raises instead of returning a number.

>>> import numpy as np
>>> H = transfer_functions([1.0], np.array([1.0, 0.1]), N=1e12, P=1e12)   # both factors → 1
>>> bool(np.allclose(H[0], np.exp(-np.array([1.0, 0.1])), rtol=1e-8))
True
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from derive.spectral import ETA, K, WBAR, spectral_sum
import derivations.random_features.dynamics_steps as dyn
from numerics.bridge import to_numpy
from numerics.dmft_talbot import DEFAULT_NODES, talbot_nodes
from numerics.validate import finite, positive

SUBSTEPS = 4
NEWTON_STEPS = 6
#: residual accepted at a node, relative to |s| + |κ|
RESIDUAL_TOL = 1e-10
#: modes per chunk of the (times, nodes, modes) arrays
CHUNK = 1 << 16

_eta, _w, _kappa, _s, _H = (sp.Symbol(n) for n in ("eta_k", "wbar_k", "kappa", "s", "H_k"))
_Df, _Dfp = sp.Symbol("Df"), sp.Symbol("Dfp")


@functools.cache
def _compiled() -> dict:
    d = dyn.derivation()
    kos = d["kappa-of-s"]
    per_mode = {ETA[K]: _eta, WBAR[K]: _w, dyn.kappa: _kappa, dyn.s: _s}
    Df_of = sp.Function("Df")(dyn.kappa)
    lhs = kos.rhs.subs(dyn.Df, Df_of)
    slope = sp.diff(lhs, dyn.kappa).subs(sp.Derivative(Df_of, dyn.kappa), _Dfp).subs(Df_of, _Df)
    df_sum = spectral_sum(ETA[K] / (ETA[K] + dyn.kappa))
    loss = d["mean-predictor-loss"].rhs
    return {
        "residual": to_numpy((lhs.subs(Df_of, _Df) - dyn.s).xreplace(per_mode),
                             [_kappa, _Df, dyn.N, dyn.P, _s]),
        "slope": to_numpy(slope.xreplace(per_mode), [_kappa, _Df, _Dfp, dyn.N, dyn.P]),
        "df": to_numpy(df_sum.function.xreplace(per_mode), [_eta, _kappa]),
        "dfp": to_numpy(sp.diff(df_sum, dyn.kappa).function.xreplace(per_mode), [_eta, _kappa]),
        "H": to_numpy(d["transfer-function"].rhs.xreplace(per_mode), [_eta, _kappa, _s]),
        "loss": to_numpy(loss.function.subs(dyn.H_t, _H).xreplace(per_mode), [_eta, _w, _H]),
    }


def _sums(eta, kappa):
    """Df(κ) and Df'(κ) for an array κ (any shape), summed over the modes in chunks."""
    c = _compiled()
    Df = np.zeros(np.shape(kappa), dtype=np.result_type(kappa, float))
    Dfp = np.zeros_like(Df)
    for i in range(0, eta.size, CHUNK):
        e = eta[i:i + CHUNK]
        Df += c["df"](e, kappa[..., None]).sum(-1)
        Dfp += c["dfp"](e, kappa[..., None]).sum(-1)
    return Df, Dfp


def _residual(eta, kappa, N, P, s):
    Df, Dfp = _sums(eta, kappa)
    c = _compiled()
    return c["residual"](kappa, Df, N, P, s), c["slope"](kappa, Df, Dfp, N, P)


def _bisect(f, lo, hi, what):
    f_lo, f_hi = f(lo), f(hi)
    if np.any(f_lo >= 0) or np.any(f_hi <= 0):
        raise ArithmeticError(f"{what}: no sign change on the bracket")
    for _ in range(400):
        mid = np.sqrt(lo * hi) if np.all(lo > 0) else 0.5 * (lo + hi)
        neg = f(mid) < 0
        lo, hi = np.where(neg, mid, lo), np.where(neg, hi, mid)
        if np.all(hi - lo <= 4e-16 * hi):
            return 0.5 * (lo + hi)
    raise ArithmeticError(f"{what}: bisection did not converge in 400 steps")


def _branch_floor(eta, N, P):
    """κ_lo with Df(κ_lo) = min(N, P) if that is below the number of modes, else 0."""
    m = min(N, P)
    if m >= eta.size:
        return 0.0
    hi = eta.sum() / m * 2
    lo = np.array(eta.min() * m / eta.size / 4)
    return float(_bisect(lambda k: m - _sums(eta, np.asarray(k, float))[0], lo, np.array(hi), "κ branch floor"))


def real_kappa(s, eigenvalues, N, P):
    """κ(s) for real s > 0 (array): bisection on the physical branch (above the branch floor).

    >>> float(real_kappa([1.0], [1.0], N=1e12, P=1e12)[0])         # Df → 0: κ = s
    1.0
    """
    eta = np.asarray(eigenvalues, dtype=float)
    s = np.asarray(s, dtype=float)
    floor = _branch_floor(eta, N, P)
    lo = np.full(s.shape, max(floor, 1e-300))
    hi = 4 * s + 2 * eta.sum() + 2 * floor
    return _bisect(lambda k: _residual(eta, k, N, P, s)[0], lo, hi, "κ(s) on the real axis")


def compiled_transfer(eigenvalues, kappa, s):
    """Ĥ_k(s) of (transfer-function), one value per mode, at a given κ(s)."""
    return _compiled()["H"](np.asarray(eigenvalues, dtype=float), kappa, s)


def kappa_on_nodes(z, eigenvalues, N, P):
    """κ(s) at every node of ``z`` (T, M): row j a Talbot contour, column 0 its real node."""
    eta = np.asarray(eigenvalues, dtype=float)
    kappa = np.empty(z.shape, dtype=complex)
    kappa[:, 0] = real_kappa(z[:, 0].real, eta, N, P)
    for j in range(1, z.shape[1]):
        k = kappa[:, j - 1]
        for sub in range(1, SUBSTEPS + 1):
            zs = z[:, j - 1] + (z[:, j] - z[:, j - 1]) * sub / SUBSTEPS
            for _ in range(NEWTON_STEPS):
                f, df = _residual(eta, k, N, P, zs)
                k = k - f / df
        kappa[:, j] = k
    f, _ = _residual(eta, kappa, N, P, z)
    bad = ~np.isfinite(kappa) | (np.abs(f) > RESIDUAL_TOL * (np.abs(z) + np.abs(kappa)))
    if np.any(bad):
        raise ArithmeticError(f"κ(s) continuation failed at {int(bad.sum())} Talbot nodes (residual check)")
    return kappa


def _inputs(times, eigenvalues, N, P):
    t = np.atleast_1d(finite("times", times))
    if t.ndim != 1 or np.any(t < 0):
        raise ValueError("times must be a 1-D array of finite values >= 0")
    eta = finite("eigenvalues", eigenvalues)
    if eta.ndim != 1 or eta.size < 1 or np.any(eta <= 0):
        raise ValueError("eigenvalues must be a non-empty 1-D array of finite values > 0")
    return t, eta, positive("N", N), positive("P", P)


def transfer_functions(times, eigenvalues, N, P, nodes: int = DEFAULT_NODES) -> np.ndarray:
    """H_k(t) (T × D): E[β_k(t) − w̄_k] = −H_k(t)w̄_k, by fixed-Talbot inversion of Ĥ_k(s) (float64;
    H_k(0) = 1).  N and P are the width and the number of samples (floats allowed, e.g. 1e12 for a limit).

    >>> H = transfer_functions([0.0, 2.0], [1.0, 0.5], N=50, P=80)
    >>> H[0].tolist(), bool(np.all(H[1] > np.exp(-2 * np.array([1.0, 0.5]))))   # slower than e^{−ηt}
    ([1.0, 1.0], True)
    """
    t, eta, N, P = _inputs(times, eigenvalues, N, P)
    H = np.ones((t.size, eta.size))
    pos = t > 0
    if np.any(pos):
        delta, gamma = talbot_nodes(nodes)
        z = delta[None, :] / t[pos, None]
        kappa = kappa_on_nodes(z, eta, N, P)
        c = _compiled()
        for i in range(0, eta.size, CHUNK):
            e = eta[i:i + CHUNK]
            values = c["H"](e, kappa[..., None], z[..., None])                # (T, M, D)
            H[pos, i:i + CHUNK] = (2 / (5 * t[pos, None])) * np.real(np.einsum("m,tmd->td", gamma, values))
    return H


def mean_predictor_loss(times, eigenvalues, teacher, N, P) -> np.ndarray:
    """‖E β(t) − w̄‖²_Σ = Σ_k η_k w̄_k² H_k(t)² (mean-predictor-loss) at each time.

    >>> round(float(mean_predictor_loss([0.0], [1.0, 0.5], [1.0, 2.0], N=10, P=10)[0]), 12)   # H(0) = 1
    3.0
    """
    t, eta, N, P = _inputs(times, eigenvalues, N, P)
    w = finite("teacher", teacher)
    if w.shape != eta.shape:
        raise ValueError(f"teacher must have one coefficient per eigenvalue, shape {eta.shape}, got {w.shape}")
    H = transfer_functions(t, eta, N, P)
    return _compiled()["loss"](eta, w, H).sum(-1)
