"""High-precision checks of ``online-sgd-erf``: the generated block right-hand side compiled to mpmath.

* ``block-rhs-mpmath``: the coefficient matrices of (coefficients), compiled by the bridge to
  mpmath, give the block right-hand side (:mod:`numerics.committee_ode_mp`) at any precision: at
  dps = 15, 20, 30, 45 it agrees with a dps = 60 evaluation to within 10³ roundings of the
  working ε (relative to the largest entry), at a generic state with L = 4 blocks; the NumPy
  compilation agrees with it to within 10³ float roundings.
* ``block-plateau``: the unspecialised fixed point of the *block* equations (L = 4 power-law blocks,
  t_m = f_m I, η = 0.1), all 28 block unknowns solved at once by Newton's method at 30 digits.
  Summing the fixed-point equations dr_m = 0 and dq_m/(ηλ_m) = 0 with weights λ_m gives
  A R1 + B T1 = 0 and A Q1 + Q1Aᵀ + B R1ᵀ + R1Bᵀ + η⟨λ⟩E = 0, ⟨λ⟩ = Σ_m λ_m f_m, T1 = ⟨λ⟩I: the
  equations of a single block with eigenvalue ⟨λ⟩.  So with the trace normalisation (⟨λ⟩ = 1) the
  first-order overlaps and the plateau height equal the isotropic finite-η plateau of
  ``plateau-finite-eta`` (the SymPy symmetric system) to the working precision, whatever the
  spectrum; with ⟨λ⟩ = 3/2 they equal the one-block fixed point at λ = 3/2 (full run).  Each
  block's r_m is f_m R1/⟨λ⟩ (dr_m = 0 in every block with shared A, B).
"""
from __future__ import annotations

import mpmath
import numpy as np

from derivations.engine import CheckResult
from derivations.online_sgd.erf_theory import symmetric_plateau
from derivations.online_sgd.model import compiled_model
from numerics.committee_ode import block_rhs
from numerics.committee_ode_mp import block_fixed_point_mp, block_rhs_mp, first_order_mp

BLOCKS, BETA, ETA = 4, 1, "0.1"
ROUNDINGS = 10 ** 3          # roundings per entry allowed: the coefficients are a few hundred operations


def _model():
    return compiled_model(2, 2, "erf", False)


def _spectrum_mp(mean=1):
    """λ_l = c·l^(−(1+β)), l = 1…L, with (1/L) Σ λ_l = ``mean``, exactly at the working precision."""
    raw = [mpmath.mpf(l) ** -(1 + BETA) for l in range(1, BLOCKS + 1)]
    c = mpmath.mpf(mean) * BLOCKS / mpmath.fsum(raw)
    return [c * v for v in raw], [mpmath.mpf(1) / BLOCKS] * BLOCKS


def _generic_state(seed=1):
    """A state away from every fixed point (float entries, exact in any precision)."""
    rng = np.random.default_rng(seed)
    lam, f = (np.array([float(v) for v in x]) for x in _spectrum_mp())
    t = np.array([fm * np.eye(2) for fm in f])
    r = np.array([fm * (0.3 + 0.2 * rng.random((2, 2))) for fm in f])
    X = 0.3 * rng.standard_normal((BLOCKS, 2, 2))
    q = np.array([fm * (0.5 * np.eye(2) + x @ x.T) for fm, x in zip(f, X)])
    return q, r, t, lam, f


def _flat_rhs(q, r, t, lam, f, dps):
    with mpmath.workdps(dps):
        mats = [[mpmath.matrix(x.tolist()) for x in arr] for arr in (q, r, t)]
        dq, dr = block_rhs_mp(*mats, [mpmath.mpf(v) for v in lam], [mpmath.mpf(v) for v in f],
                              mpmath.mpf(ETA), _model().coefficients_mp)
        return [+v for m in dq + dr for v in m]


def block_rhs_precision() -> list[CheckResult]:
    q, r, t, lam, f = _generic_state()
    reference = _flat_rhs(q, r, t, lam, f, 60)
    out = []
    with mpmath.workdps(60):
        scale = max(abs(v) for v in reference)
    for dps in (15, 20, 30, 45):
        values = _flat_rhs(q, r, t, lam, f, dps)
        with mpmath.workdps(dps):
            tol = ROUNDINGS * mpmath.eps
        with mpmath.workdps(60):
            err = max(abs(a - b) for a, b in zip(values, reference)) / scale
        out.append(CheckResult(f"block-rhs-mpmath: dps = {dps} against dps = 60", "numeric", bool(err <= tol), 0.0,
                               float(err), float(tol), f"max relative deviation {mpmath.nstr(err, 3)} "
                               f"(≤ {ROUNDINGS}·ε = {mpmath.nstr(tol, 3)}), L = {BLOCKS} blocks, K = M = 2, η = {ETA}"))
    model = _model()
    dq, dr = block_rhs(q, r, t, lam, f, float(ETA), lambda Q1, R1, T1: model.coefficients(Q1, R1, T1))
    numpy_values = list(dq.ravel()) + list(dr.ravel())       # the reference's order: dq blocks, dr blocks
    with mpmath.workdps(60):
        err = max(abs(mpmath.mpf(float(a)) - b) for a, b in zip(numpy_values, reference)) / scale
    tol = ROUNDINGS * np.finfo(float).eps
    out.append(CheckResult("block-rhs-mpmath: NumPy compilation against mpmath (dps = 60)", "numeric",
                           bool(err <= tol), 0.0, float(err), tol,
                           f"max relative deviation {mpmath.nstr(err, 3)} (≤ {ROUNDINGS}·u = {tol:.1e})"))
    return out


def _plateau_of(lam, f, model):
    guess = [mpmath.matrix([[0.33, 0.33], [0.33, 0.33]]), mpmath.matrix([[0.4, 0.4], [0.4, 0.4]])]
    t = [fm * mpmath.eye(2) for fm in f]
    q, r, residual = block_fixed_point_mp([fm * guess[0] for fm in f], [fm * guess[1] for fm in f], t, lam, f,
                                          ETA, model.coefficients_mp)
    return q, r, (first_order_mp(q, lam), first_order_mp(r, lam), first_order_mp(t, lam)), residual


def _isotropic(mean, model):
    """(Q_p, C_p, R_p, ε) of one block with eigenvalue ⟨λ⟩: the SymPy symmetric system where ⟨λ⟩ = 1."""
    if mean == 1:
        Qp, Cp, Rp, height, _ = symmetric_plateau(ETA)
        return Qp, Cp, Rp, height, "the isotropic plateau (symmetric SymPy system, plateau-finite-eta)"
    _, _, (Q1, R1, T1), _ = _plateau_of([mpmath.mpf(mean)], [mpmath.mpf(1)], model)
    height = model.population_error(*(np.array(X.tolist(), float) for X in (Q1, R1, T1)))
    return Q1[0, 0], Q1[0, 1], R1[0, 0], height, f"the one-block fixed point at λ = {mpmath.nstr(mean, 3)}"


def block_plateau(quick) -> list[CheckResult]:
    model = _model()
    out = []
    for mean in ((1,) if quick else (1, mpmath.mpf(3) / 2)):
        with mpmath.workdps(30):
            lam, f = _spectrum_mp(mean)
            Qp, Cp, Rp, height, what = _isotropic(mean, model)
            q, r, (Q1, R1, T1), residual = _plateau_of(lam, f, model)
            eps_block = model.population_error(*(np.array(X.tolist(), float) for X in (Q1, R1, T1)))
            dev = max(abs(Q1[0, 0] - Qp), abs(Q1[1, 1] - Qp), abs(Q1[0, 1] - Cp),
                      max(abs(R1[i, n] - Rp) for i in range(2) for n in range(2)))
            block_dev = max(abs(r[m][i, n] - f[m] * R1[i, n] / mean) for m in range(BLOCKS) for i in range(2)
                            for n in range(2))
            tol = mpmath.mpf(10) ** -25
            out.append(CheckResult(f"block-plateau: first-order overlaps (⟨λ⟩ = {mpmath.nstr(mean, 3)})", "numeric",
                                   bool(dev < tol and block_dev < tol), float(Qp), float(Q1[0, 0]), float(tol),
                                   f"L = {BLOCKS} blocks (β = {BETA}), 28 unknowns, Newton residual "
                                   f"{mpmath.nstr(residual, 3)}; Q1 = {mpmath.nstr(Q1[0, 0], 15)}, C1 = "
                                   f"{mpmath.nstr(Q1[0, 1], 15)}, R1 = {mpmath.nstr(R1[0, 0], 15)}; |Δ| = "
                                   f"{mpmath.nstr(dev, 3)} from {what}; max |r_m − f_m R1/⟨λ⟩| = "
                                   f"{mpmath.nstr(block_dev, 3)}"))
            tol_h = 1e3 * np.finfo(float).eps
            out.append(CheckResult(f"block-plateau: height (⟨λ⟩ = {mpmath.nstr(mean, 3)})", "numeric",
                                   bool(abs(eps_block - float(height)) < tol_h), float(height), float(eps_block),
                                   tol_h, f"ε_g of the block fixed point {float(eps_block):.15f} (NumPy ε_g of the "
                                   f"30-digit overlaps) vs {float(height):.15f}"))
    return out
