"""Tests of the ``marchenko-pastur`` derivation: statements, compiled numbers and the KS check's power.

Independent references used here (none taken from the package):
  * S-transform of a white Wishart matrix of ratio q: S(t) = 1/(1 + q t).
  * edges λ± = (1 ± √q)², atom 1 − 1/q at 0 for q > 1 (none for q ≤ 1).
  * density ρ(x) = √((λ₊ − x)(x − λ₋)) / (2π q x).
  * moments m_k = Σ_{j=1}^{k} N(k, j) q^{j−1}, Narayana N(k, j) = C(k, j) C(k, j−1)/k (math.comb).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import derivations
from derivations.spectra import steps as mpl
from derivations.spectra import theory as mp_theory
from numerics.bridge import to_mpmath, to_numpy
from numerics.precision import workdps
from numerics.random_matrices import cdf_from_density, ks_test, wishart_eigenvalues
from numerics.simulation import spawn_generators

RATIOS = (Fraction(1, 4), Fraction(1), Fraction(3))
DPS_LEVELS = (15, 30, 50)


@pytest.fixture(scope="module")
def d():
    return derivations.get("marchenko-pastur")


@pytest.fixture(scope="module")
def f(d):
    return mp_theory.compiled(d)


def _mpq(qv: Fraction):
    """q as an mpf at the precision in force (exact rational, rounded once)."""
    return mpmath.mpf(qv.numerator) / qv.denominator


def _replay(d, label):
    """Re-run the operation of a derived step on the earlier statements (not the displayed form)."""
    return d.step(label).operation.apply(d.statements(upto=label))


def narayana(k: int, qv: Fraction) -> Fraction:
    return sum(Fraction(math.comb(k, j) * math.comb(k, j - 1), k) * qv ** (j - 1) for j in range(1, k + 1))


def test_narayana_helper_known_values():
    # m_1 = 1, m_2 = 1 + q, m_3 = 1 + 3q + q² (textbook Wishart moments); Catalan numbers at q = 1.
    qv = Fraction(2, 7)
    assert narayana(1, qv) == 1 and narayana(2, qv) == 1 + qv and narayana(3, qv) == 1 + 3 * qv + qv ** 2
    assert [narayana(k, Fraction(1)) for k in range(1, 7)] == [1, 2, 5, 14, 42, 132]


# ---- the derivation as a whole ------------------------------------------------------------
def test_verify_quick_passes(d):
    report = d.verify(quick=True)
    failed = [c.line() for c in report.checks if not c.passed]
    assert report.passed, failed
    assert not failed and len(report.checks) > 20
    names = {c.name.split(":")[0] for c in report.checks}
    assert {"normalisation", "moments-quadrature", "stieltjes-inversion", "wishart-spectrum"} <= names


# ---- statements -------------------------------------------------------------------------
def test_s_transform_statement(d):
    q, t = mpl.q, mpl.t
    expected = sp.Eq(mpl.S_W(t), 1 / (1 + q * t))
    results = d.compare("s-transform", expected)
    assert results and all(r.passed for r in results), [r.line() for r in results]
    # the displayed statement is re-derived, not just displayed: the replay gives the same S(t)
    replayed = _replay(d, "s-transform")
    assert replayed.lhs == mpl.S_W(t)
    assert sp.simplify(replayed.rhs - 1 / (1 + q * t)) == 0


def test_compare_rejects_a_wrong_s_transform(d):
    q, t = mpl.q, mpl.t
    results = d.compare("s-transform", sp.Eq(mpl.S_W(t), 1 / (1 + 2 * q * t)))
    assert results and not all(r.passed for r in results)


def test_replayed_r_transform_and_edges(d):
    q, g = mpl.q, mpl.g
    r = _replay(d, "r-transform")
    assert sp.simplify(r.rhs - 1 / (1 - q * g)) == 0
    lo, hi = _replay(d, "edges")
    assert sp.simplify(lo.rhs - (1 - sp.sqrt(q)) ** 2) == 0
    assert sp.simplify(hi.rhs - (1 + sp.sqrt(q)) ** 2) == 0


def test_replayed_moments_are_narayana_polynomials(d):
    q = mpl.q
    moments = _replay(d, "moments")
    assert len(moments) == len(mpl.MOMENT_ORDERS)
    for k, eq in zip(mpl.MOMENT_ORDERS, moments):
        mine = sum(sp.Rational(math.comb(k, j) * math.comb(k, j - 1), k) * q ** (j - 1) for j in range(1, k + 1))
        assert sp.expand(eq.rhs - mine) == 0, (k, eq)


@pytest.mark.parametrize("dps", DPS_LEVELS)
def test_replayed_density_matches_hand_formula(d, dps):
    x, q = mpl.x, mpl.q
    dens = to_mpmath(_replay(d, "density").rhs, [x, q])
    with workdps(dps):
        tol = mpmath.mpf(10) ** -(dps - 5)
        for qv in RATIOS:
            qm = _mpq(qv)
            lo, hi = (1 - mpmath.sqrt(qm)) ** 2, (1 + mpmath.sqrt(qm)) ** 2
            for xv in mpmath.linspace(lo + (hi - lo) / 10, hi - (hi - lo) / 10, 5):
                ref = mpmath.sqrt((hi - xv) * (xv - lo)) / (2 * mpmath.pi * qm * xv)
                got = dens(xv, qm)
                assert abs(got - ref) <= tol * abs(ref), (qv, xv, got, ref)


def test_replayed_atom(d):
    q = mpl.q
    assert sp.simplify(_replay(d, "atom").rhs - (1 - 1 / q)) == 0
    assert sp.simplify(_replay(d, "no-atom").rhs) == 0


# ---- compiled numbers -------------------------------------------------------------------
@pytest.mark.parametrize("dps", DPS_LEVELS)
@pytest.mark.parametrize("qv", RATIOS, ids=str)
def test_edges_and_atom(f, dps, qv):
    with workdps(dps):
        tol = mpmath.mpf(10) ** -(dps - 5)
        qm = _mpq(qv)
        assert abs(f["lower"](qm) - (1 - mpmath.sqrt(qm)) ** 2) <= tol
        assert abs(f["upper"](qm) - (1 + mpmath.sqrt(qm)) ** 2) <= tol
        if qv > 1:
            assert abs(f["atom"](qm) - (1 - 1 / qm)) <= tol
    # exact cases: q = 1/4 → [1/4, 9/4]; q = 1 → [0, 4]
    with workdps(30):
        assert abs(f["lower"](mpmath.mpf(1) / 4) - mpmath.mpf(1) / 4) < mpmath.mpf(10) ** -25
        assert abs(f["upper"](1) - 4) < mpmath.mpf(10) ** -25 and abs(f["lower"](1)) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("dps", DPS_LEVELS)
@pytest.mark.parametrize("qv", RATIOS, ids=str)
def test_density_normalisation(f, dps, qv):
    """∫ρ over [λ₋, λ₊] = 1 − atom, atom = max(0, 1 − 1/q), to 10^-(dps−5)."""
    with workdps(dps):
        qm = _mpq(qv)
        atom = 1 - 1 / qm if qv > 1 else mpmath.mpf(0)
        mass = mp_theory.integrate_support(lambda s: f["density"](s, qm), f["lower"](qm), f["upper"](qm))
        # the density is 0 outside its support (edges at the working precision), so the mass is real
        assert isinstance(mass, mpmath.mpf), mass
        assert abs(mass - (1 - atom)) <= mpmath.mpf(10) ** -(dps - 5), mass


@pytest.mark.parametrize("qv", RATIOS, ids=str)
def test_density_moments_vs_narayana(f, qv):
    """∫ x^k ρ(x) dx (plus the atom at 0, which adds nothing for k ≥ 1) equals Σ_j N(k, j) q^{j−1}."""
    dps = 30
    with workdps(dps):
        tol = mpmath.mpf(10) ** -(dps - 5)
        qm = _mpq(qv)
        lo, hi = f["lower"](qm), f["upper"](qm)
        for k in range(1, 8):
            val = mp_theory.integrate_support(lambda s: s ** k * f["density"](s, qm), lo, hi)
            exact = narayana(k, qv)
            ref = mpmath.mpf(exact.numerator) / exact.denominator
            assert abs(val - ref) <= tol * ref, (k, val, ref)


def test_stieltjes_transform_at_large_z_matches_moments(f):
    """g(z) = Σ_k m_k z^{-k-1} at |z| large: a check of the chosen branch independent of the density."""
    with workdps(30):
        qm, zv = mpmath.mpf(3), mpmath.mpf(1000)
        # m_0 = 1 (total mass, atom included); the first omitted term m_14/z^15 ~ 7.5^14/1e45 ≪ 1e-25
        series = 1 / zv + sum(mpmath.mpf(narayana(k, Fraction(3)).numerator) / narayana(k, Fraction(3)).denominator
                              / zv ** (k + 1) for k in range(1, 14))
        assert abs(f["stieltjes"](zv, qm) - series) < mpmath.mpf(10) ** -25


# ---- power of the Kolmogorov–Smirnov check --------------------------------------------
def _mp_cdf(d, f, qv: float):
    dens = to_numpy(d["density"].rhs, [mpl.x, mpl.q])
    lo, hi = float(f["lower"](qv)), float(f["upper"](qv))
    cont = 1 - (1 - 1 / qv if qv > 1 else 0.0)
    return lambda s: cdf_from_density(lambda y: float(dens(y, qv)), lo, hi, s) / cont


def test_ks_check_rejects_wrong_ratio(d, f):
    """Wishart eigenvalues at q = 1/4 tested against MP(q = 0.35) must be rejected.

    Sample size from the DKW/Massart inequality P(sup|F_n − F| > ε) ≤ 2 exp(−2nε²): with
    δ = sup|F_{0.25} − F_{0.35}| (computed below on a grid, which can only underestimate it),
    the KS statistic against the wrong law is ≥ δ/2 except with probability ≤ 2 exp(−nδ²/2),
    and under the null a statistic ≥ δ/2 has p ≤ 2 exp(−nδ²/2). We choose n so that this bound is
    below 1e-4 and require p < 1e-4. The control (the right q, same samples) must not be rejected
    at 1e-3 (finite-N bias O(1/N) with N = 100 is below the KS resolution ~1/√n).
    """
    true_q, wrong_q, size = 0.25, 0.35, 100
    F_true, F_wrong = _mp_cdf(d, f, true_q), _mp_cdf(d, f, wrong_q)
    grid = np.linspace(0.05, 2.6, 2001)
    delta = float(np.max(np.abs(F_true(grid) - F_wrong(grid))))
    n = 4000
    bound = 2 * math.exp(-n * delta ** 2 / 2)
    assert bound < 1e-4, (delta, bound)
    p = int(size / true_q)
    samples = np.array([rng.choice(wishart_eigenvalues(rng, size, p)) for rng in spawn_generators([7, 2025], n)])
    _, p_wrong = ks_test(samples, F_wrong)
    _, p_true = ks_test(samples, F_true)
    assert p_wrong < 1e-4, p_wrong
    assert p_true > 1e-3, p_true


def test_public_density_edges_and_errors():
    import numpy as np
    from derivations.spectra import density, law
    out = density([0.5, 10.0, np.inf], 0.5)
    assert out[0] > 0 and out[1] == 0.0 and out[2] == 0.0      # outside the support (and at ±inf) 0
    with pytest.raises(ValueError, match="x_values"):           # NaN is no point: refused (issue 13)
        density([np.nan, 0.5], 0.5)
    with pytest.raises(ValueError, match="q"):
        density(1.0, True)
    with pytest.raises(ValueError, match="x_values"):
        density([1.0, 2.0], 0.5, dps=30)
    assert law(0.25) == {"lower": 0.25, "upper": 2.25, "atom": 0.0}   # (1 ∓ 1/2)²
