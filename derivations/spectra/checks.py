"""Numeric checks of ``marchenko-pastur``: normalisation and moments by quadrature at 30 digits, Stieltjes
inversion, and a Kolmogorov–Smirnov test of sampled Wishart eigenvalues."""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from derivations.engine import CheckResult, Derivation
from derivations.spectra.steps import MOMENT_ORDERS, narayana_moment, q, x
from derivations.spectra.theory import _atom_mass, compiled, integrate_support
from numerics.bridge import to_numpy
from numerics.precision import workdps
from numerics.random_matrices import cdf_from_density, ks_test, wishart_eigenvalues
from numerics.simulation import spawn_generators

CHECK_RATIOS = (sp.Rational(1, 4), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2), sp.Integer(4))
DPS = 30



def _normalisation(d: Derivation) -> list[CheckResult]:
    f, out = compiled(d), []
    with workdps(DPS):
        tol = mpmath.mpf(10) ** (-(DPS - 5))
        for qv in CHECK_RATIOS:
            mass = integrate_support(lambda s: f["density"](s, qv), f["lower"](qv), f["upper"](qv))
            total = mass + _atom_mass(f, qv)
            out.append(CheckResult(f"normalisation: q={qv}", "numeric", abs(total - 1) < tol, 1, str(total),
                                   f"{float(tol):.0e}", f"tanh-sinh quadrature of ρ at {DPS} digits plus atom"))
    return out


def _moments(d: Derivation) -> list[CheckResult]:
    f, out = compiled(d), []
    with workdps(DPS):
        tol = mpmath.mpf(10) ** (-(DPS - 5))
        for qv in (sp.Rational(1, 4), sp.Integer(3)):
            for k in MOMENT_ORDERS:
                exact = narayana_moment(k).doit().subs(q, qv)
                val = integrate_support(lambda s: s ** k * f["density"](s, qv), f["lower"](qv), f["upper"](qv))
                out.append(CheckResult(f"moments-quadrature: q={qv}, k={k}", "numeric",
                                       abs(val - mpmath.mpf(exact)) < tol * abs(val), str(exact), str(val),
                                       f"rel {float(tol):.0e}", "∫ x^k ρ(x) dx vs Narayana polynomial"))
    return out


def _inversion(d: Derivation) -> list[CheckResult]:
    """−Im g(x + iε)/π → ρ(x): the density formula checked against the analytic g off the axis."""
    f, out = compiled(d), []
    with workdps(40):
        # −Im g(x+iε)/π − ρ(x) = O(ε·|ρ'|): with |ρ'| <= 1e5 away from the edges, 1e-20 bounds it
        eps_v, tol = mpmath.mpf(10) ** -25, mpmath.mpf(10) ** -20
        for qv in (sp.Rational(1, 4), sp.Integer(2)):
            lo, hi = f["lower"](qv), f["upper"](qv)
            worst = max(abs(-mpmath.im(f["stieltjes"](mpmath.mpc(xv, eps_v), qv)) / mpmath.pi - f["density"](xv, qv))
                        for xv in mpmath.linspace(lo + (hi - lo) / 20, hi - (hi - lo) / 20, 9))
            out.append(CheckResult(f"stieltjes-inversion: q={qv}", "numeric", worst < tol, 0, str(worst),
                                   f"{float(tol):.0e}", "max over 9 points of |−Im g(x+iε)/π − ρ(x)|, ε = 1e-25, 40 digits"))
    return out


def _wishart_ks(d: Derivation, quick: bool) -> list[CheckResult]:
    """One eigenvalue drawn uniformly from each of M independent Wishart matrices: i.i.d. samples of the
    mean spectral law, compared with Marchenko–Pastur by a Kolmogorov–Smirnov test."""
    f = compiled(d)
    draws, size, ratios = (600 if quick else 2000), 100, (sp.Rational(1, 4), sp.Integer(1), sp.Integer(4))
    alpha = 1e-3 / len(ratios)  # Bonferroni, familywise 1e-3
    dens = to_numpy(d["density"].rhs, [x, q])
    out = []
    for i, qv in enumerate(ratios):
        p = int(size / qv)
        rngs = spawn_generators([2024, i], draws)
        samples, zero_fraction = [], []
        for rng in rngs:
            ev = wishart_eigenvalues(rng, size, p)
            # zero in exact arithmetic: below the float64 round-off of eigvalsh, ~ size·eps·max
            is_zero = ev < 100 * size * np.finfo(float).eps * ev.max()
            zero_fraction.append(np.mean(is_zero))
            samples.append(rng.choice(ev[~is_zero]))
        lo, hi, qf = float(f["lower"](qv)), float(f["upper"](qv)), float(qv)
        cont = 1 - float(_atom_mass(f, qv))
        cdf = lambda s: cdf_from_density(lambda y: float(dens(y, qf)), lo, hi, s) / cont
        stat, pval = ks_test(np.array(samples), cdf)
        atom_ok = np.allclose(zero_fraction, float(_atom_mass(f, qv)), rtol=0, atol=0.5 / size)  # to one eigenvalue
        out.append(CheckResult(f"wishart-spectrum: q={qv}", "simulation", pval > alpha and atom_ok,
                               f"p > {alpha:.1e}", round(pval, 4), alpha,
                               f"KS D={stat:.4f}, {draws} matrices N={size}, P={p}, one nonzero eigenvalue each; "
                               f"atom fraction {np.mean(zero_fraction):.3f} (theory {float(_atom_mass(f, qv)):.3f}); "
                               "finite-N bias O(1/N) is below the KS resolution"))
    return out


def attach_checks(d: Derivation) -> None:
    """Add the numeric checks of ``marchenko-pastur`` to its derivation ``d``."""
    d.check("normalisation", "numeric", "∫ρ + atom = 1 at 30 digits for q = 1/4 … 4")(lambda quick: _normalisation(d))
    d.check("moments-quadrature", "numeric", "∫x^k ρ equals the Narayana polynomials, k ≤ 5, 30 digits")(
        lambda quick: _moments(d))
    d.check("stieltjes-inversion", "numeric", "−Im g(x+iε)/π reproduces the density")(lambda quick: _inversion(d))
    d.check("wishart-spectrum", "simulation", "KS test of sampled Wishart eigenvalues against the law")(
        lambda quick: _wishart_ks(d, quick))
