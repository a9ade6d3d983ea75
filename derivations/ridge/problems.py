"""The spectra and teachers on which the ridge (and random-feature) checks and figures run.

>>> eta, w = power_law_problem(4)
>>> bool(eta[1] == 2 ** -1.5), round(float((w ** 2).sum()), 12)
(True, 1.0)
"""
from __future__ import annotations

import numpy as np


def power_law_problem(D: int, alpha: float = 1.5, r: float = 0.4):
    """η_k = k^(−α), w̄_k² η_k ∝ k^(−(2αr+1)), ‖w̄‖ = 1 (the paper's capacity/source convention)."""
    k = np.arange(1, D + 1, dtype=float)
    eta = k ** -alpha
    w = np.sqrt(k ** -(2 * alpha * r + 1) / eta)
    return eta, w / np.linalg.norm(w)


def isotropic_problem(D: int):
    return np.ones(D), np.full(D, 1 / np.sqrt(D))


SPECTRA = {"isotropic": isotropic_problem, "power-law(α=1.5,r=0.4)": power_law_problem}
