"""Numbers for the derivations: one bridge from SymPy, solvers, simulations.

==============  ===========================================================
module          contents
==============  ===========================================================
``precision``   :func:`validate_dps`, :func:`workdps`, :func:`tolerance`
``validate``    :func:`positive_int`, :func:`positive`, :func:`nonnegative`, :func:`real`,
                :func:`finite`: the input checks, ``check(name, value)``
``bridge``      :func:`opaque_atoms`, :func:`to_mpmath`, :func:`to_numpy`,
                :func:`random_points`, :func:`spot_check_equal`,
                :class:`SpotCheck` (the only module that imports SymPy)
``solvers``     :func:`find_root_bracketed`, :func:`fixed_point`,
                :func:`find_root_vector`, :class:`RootResult`,
                :class:`FixedPointResult`, :class:`ConvergenceError`
``random_matrices``  :func:`wishart_eigenvalues`, :func:`cdf_from_density`, :func:`ks_test`
``ridge_simulation``  :func:`ridge_draw`, :func:`ridge_fit`, :func:`bias_squared`,
                :func:`variance_over_data` (direct simulation of ridge regression)
``simulation``  :func:`spawn_generators`, :func:`run_ensemble`,
                :class:`Ensemble`, :class:`Estimate`, :func:`z_threshold`,
                :func:`z_test`, :class:`ZTest`, :func:`jackknife_se`
``power_law_sums``  :func:`power_law_sum`, :func:`power_law_sum_derivative`:
                Σ_k k^(−β)(1 + κk^α)^(−b) to infinity at any precision
                (Mellin–Barnes series or direct sum + Hurwitz tail)
``random_feature_simulation``  :func:`draw_projection`, :func:`random_feature_fit`,
                :func:`random_feature_block`, :func:`simulate_random_features`
                (crossed projections × data sets, unbiased two-way estimators)
``exponent_fit``  :func:`local_slope`, :func:`fit_slope` (bootstrap over seeds),
                :func:`exact_fit_slope`, :class:`SlopeFit`
``langevin_simulation``  :func:`langevin_draw`, :func:`simulate_test_error`,
                :func:`langevin_moments`, :func:`euler_maruyama_path` (random-feature
                regression under Langevin dynamics, exact per data draw)
``dmft_volterra``  :func:`solve_response`, :func:`suggested_dt`: the DMFT response
                equations (K-3, K-4) in time, second order, O(N n log² n)
``dmft_two_time``  :func:`two_time_test_error`: the two-time self-consistency (K-6, K-7)
``dmft_laplace``  :func:`renormalized_ridge_at`, :func:`response_transforms`,
                :func:`invert_laplace`: the Laplace form (K-5) at any precision
``dmft_talbot``  :func:`talbot_invert`, :func:`transforms_on_nodes`: the Laplace
                route vectorised in float64 (fixed Talbot)
``dmft_discrete``  :func:`discrete_dmft`, :func:`simulate_discrete_dynamics`,
                :func:`continuum_solution`, :func:`laplace_kernel`: the discrete-time DMFT
                (K-3, K-4, K-6 on the Itô grid), its direct simulation and its h → 0 limit
``relaxation_sums``  :func:`bias_sum`, :func:`noise_sum`: Σ_k over relaxing power-law modes
``committee_blocks``  :func:`eigenvalue_blocks`, :func:`power_law_eigenvalues`,
                :func:`block_order_parameters`, :func:`first_order`: the eigenvalue blocks of
                the input covariance and the block-resolved overlaps of committee machines
``committee_ode``  :func:`integrate_block_odes` (exponential predictor–corrector pc3, adaptive),
                :func:`integrate_block_odes_euler`, :func:`block_rhs`: the block ODEs of online SGD
``online_sgd_simulation``  :func:`simulate_order_parameters`,
                :func:`simulate_generalization_error`: online SGD of committee machines, vectorised
``linear_sgd_errors``  :func:`block_error_curve`, :func:`slowest_rate`, :func:`stability_limit`:
                the closed block-error system W-1 of the linear student, exactly
``committee_stability``  :func:`perfect_solution_limit`: the learning-rate stability limit at
                the perfect solution (matrix determinant lemma on the block Jacobian)
                (Euler–Maclaurin tail), for the window exponents
==============  ===========================================================

Solvers and simulations take plain callables; SymPy expressions reach them
through :mod:`numerics.bridge`.

>>> from numerics import find_root_bracketed
>>> round(find_root_bracketed(lambda x: x * x - 2, 0.0, 2.0).root, 12)
1.414213562373
"""

import os as _os

# Simulations here use many small matrices; multi-threaded BLAS makes those ~30x slower on
# small machines (thread start-up per call). Default to one BLAS thread per process and
# parallelise over draws with an executor instead. Takes effect only if NumPy is imported
# after this package; an explicit setting by the user is kept.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

from .bridge import (SpotCheck, opaque_atoms, random_points, spot_check_equal,
                     to_mpmath, to_numpy)
from .precision import tolerance, validate_dps, workdps
from .simulation import (Ensemble, Estimate, ZTest, jackknife_se, run_ensemble,
                         spawn_generators, z_test, z_threshold)
from .solvers import (ConvergenceError, FixedPointResult, RootResult,
                      find_root_bracketed, find_root_vector, fixed_point)

__all__ = [
    "validate_dps", "workdps", "tolerance",
    "opaque_atoms", "to_mpmath", "to_numpy", "random_points",
    "spot_check_equal", "SpotCheck",
    "ConvergenceError", "RootResult", "FixedPointResult",
    "find_root_bracketed", "fixed_point", "find_root_vector",
    "spawn_generators", "Estimate", "Ensemble", "run_ensemble",
    "z_threshold", "ZTest", "z_test", "jackknife_se",
]
