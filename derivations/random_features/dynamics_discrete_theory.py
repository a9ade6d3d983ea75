"""Gradient descent in discrete time for ``random-feature-dynamics``: H_k(n) from the generating function of
(gd-transfer), inverted on a circle |z| = ρ < 1, with κ from (kappa-of-s) at s = λ(z) = (1 − z)/(hz) continued
along the circle by :func:`~derivations.random_features.dynamics_theory.kappa_on_nodes`.
"""
from __future__ import annotations

import functools

import numpy as np

from derivations import registry
import derivations.random_features.dynamics_discrete_steps as ds
import derivations.random_features.dynamics_steps as dyn
from derivations.random_features.dynamics_theory import (_eta, _finite_or_raise, _inputs, _kappa, kappa_on_nodes)
from derivations.ridge import PowerLawSpectrum
from derive.spectral import ETA, K
from numerics.bridge import to_numpy
from numerics.spectral_quadrature import SpectralRule
from numerics.validate import positive

__all__ = ["discrete_transfer_functions"]


#: the circle |z| = ρ of the inverse generating-function transform: ρ^M = 10^(−ALIAS_DIGITS)
ALIAS_DIGITS = 10
#: Im κ / |κ| tolerated at the circle's negative real node (real beyond the spectrum's edge)
EDGE_TOL = 1e-8


@functools.cache
def _compiled_gd():
    """(gd-transfer) compiled; the discrete steps are added to the entry by the face, so read from the registry."""
    rhs = registry.get("random-feature-dynamics")["gd-transfer"].rhs
    return to_numpy(rhs.xreplace({ETA[K]: _eta, dyn.kappa: _kappa}), [_eta, _kappa, ds.z])


def discrete_transfer_functions(steps, eigenvalues, N, P, step_size) -> np.ndarray:
    """H_k(n) (T × D) of gradient descent with step h = ``step_size`` after n = ``steps`` steps: the
    coefficients of the generating function of (gd-transfer), κ from (kappa-of-s) at s = λ(z) = (1 − z)/(hz),
    by the trapezoidal rule on the circle |z| = ρ (M ≥ 2 max n nodes, ρ^M = 1e-10: aliasing ≤ 1e-10; the
    factor ρ^(−n) ≤ 1e5 bounds the loss of digits).  κ is continued along the circle from its positive real
    node; at the negative real node s = −(1 + ρ)/(hρ) it must be real — otherwise that point lies on the
    empirical spectrum's cut, the generating function is not analytic in |z| < 1 and the descent diverges:
    ValueError naming the step size.

    >>> H = discrete_transfer_functions([0, 3], [1.0, 0.25], N=1e12, P=1e12, step_size=0.5)
    >>> np.allclose(H, [[1, 1], [0.125, 0.875 ** 3]], atol=1e-9)      # population: (1 − hη_k)^n
    True
    """
    h = positive("step_size", step_size)
    n = np.atleast_1d(np.asarray(steps))
    if n.ndim != 1 or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError("steps must be a 1-D array of non-negative whole numbers")
    n = n.astype(int)
    if isinstance(eigenvalues, (SpectralRule, PowerLawSpectrum)):
        raise TypeError("discrete_transfer_functions needs the eigenvalues as an array (one H_k per mode)")
    _, rule, N, P = _inputs([0.0], eigenvalues, None, N, P)
    eta = np.asarray(eigenvalues, dtype=float)
    M = max(64, 2 * int(n.max()) + 2)
    M += M % 2
    rho = 10.0 ** (-ALIAS_DIGITS / M)
    theta = 2 * np.pi * np.arange(M // 2 + 1) / M
    z = rho * np.exp(1j * theta)
    s = (1 - z) / (h * z)
    kappa = kappa_on_nodes(s[None, :], rule, N, P)[0]
    if abs(kappa[-1].imag) > EDGE_TOL * abs(kappa[-1]):
        raise ValueError(f"step_size={h:g}: gradient descent diverges (the step is beyond 2/(top of the empirical "
                         f"kernel's spectrum); population bound 2/max η = {2 / rule.top:g})")
    G = _compiled_gd()(eta[None, :], kappa[:, None], z[:, None])          # (M/2 + 1, D)
    weights = np.full(M // 2 + 1, 2.0)
    weights[0] = weights[-1] = 1.0
    phase = np.exp(-1j * np.outer(n, theta)) * rho ** (-n[:, None].astype(float))     # (T, M/2 + 1)
    H = np.real((phase * weights) @ G) / M
    return _finite_or_raise(H, "discrete_transfer_functions")


