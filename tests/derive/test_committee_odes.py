"""The generated order-parameter ODEs of online SGD (derive/committee_odes.py).

* block-linear structure (A, B, E re-assemble the equations) for several K, M and both activations;
* the isotropic reduction (L = 1, λ = f = 1) equals Saad & Solla's equations as written on the
  reference sheet §0.1(b), typed in here only;
* the Gaussian averages against Monte Carlo averages of the same integrands (z-test);
* normalised outputs at η equal unnormalised outputs at η/K for K = M (sheet §0.1(f));
* ε_g against the sheet's arcsin form and its value M/6 at Q = R = 0, T = I;
* bad input.
"""
import numpy as np
import pytest
import sympy as sp

from derive import committee_odes as co
from derive import gaussian_expectations as ge
from numerics.bridge import to_numpy
from numerics.simulation import z_threshold


@pytest.mark.parametrize("K,M,activation", [(1, 1, "erf"), (2, 2, "erf"), (2, 3, "erf"), (3, 2, "linear"),
                                            (2, 2, "linear")])
def test_block_linear_structure(K, M, activation):
    ode = co.committee_odes(K, M, activation)
    res_r, res_q = co.linear_structure_residuals(ode)
    assert all(e == 0 for e in (*res_r, *res_q))
    Q, R, T = ode.overlaps
    allowed = set(Q) | set(R) | set(T) | {co.noise}
    for e in (*ode.A, *ode.B, *ode.E):            # coefficients depend on first-order overlaps only
        assert e.free_symbols <= allowed


def _sheet_I3(a, b, c, cov):
    return ge.I3_erf().xreplace({ge.C11: cov(a, a), ge.C12: cov(a, b), ge.C13: cov(a, c),
                                 ge.C23: cov(b, c), ge.C33: cov(c, c)})


def _sheet_I4(a, b, c, e, cov):
    args = (a, b, c, e)
    C = {sp.Symbol(f"C{i + 1}{j + 1}", **({"positive": True} if i == j else {"real": True})): cov(args[i], args[j])
         for i in range(4) for j in range(i, 4)}
    return ge.I4_erf().xreplace({k: v for k, v in C.items() if k in ge.I4_erf().free_symbols})


def test_isotropic_reduction_is_saad_solla():
    """§0.1(b): dR_in = η[Σ_m I3(i,n,m) − Σ_j I3(i,n,j)], dQ_ik = η[…] + η²[Σ I4 − 2Σ I4 + Σ I4 + σ²J2]."""
    K = M = 2
    ode = co.committee_odes(K, M, "erf")
    Q, R, T = ode.overlaps
    q, r, t = ode.blocks
    iso = {co.lam: 1, co.frac: 1, **dict(zip(q, Q)), **dict(zip(r, R)), **dict(zip(t, T))}
    xs, ys = ["x1", "x2"], ["y1", "y2"]

    def cov(a, b):
        (ka, ia), (kb, ib) = (a[0], int(a[1]) - 1), (b[0], int(b[1]) - 1)
        if ka == kb:
            return (Q if ka == "x" else T)[ia, ib]
        return R[ia, ib] if ka == "x" else R[ib, ia]

    eta = co.eta
    for i in range(K):
        for n in range(M):
            sheet = eta * (sum(_sheet_I3(xs[i], ys[n], ys[m], cov) for m in range(M))
                           - sum(_sheet_I3(xs[i], ys[n], xs[j], cov) for j in range(K)))
            assert co.tidy(ode.dr[i, n].xreplace(iso) - sheet) == 0
    s2 = co.noise**2
    J2 = lambda a, b: ge.J2_erf().xreplace({ge.C11: cov(a, a), ge.C12: cov(a, b), ge.C22: cov(b, b)})  # noqa: E731
    for i in range(K):
        for k in range(i, K):
            first = sum(_sheet_I3(xs[i], xs[k], ys[m], cov) - 0 for m in range(M)) \
                - sum(_sheet_I3(xs[i], xs[k], xs[j], cov) for j in range(K)) \
                + sum(_sheet_I3(xs[k], xs[i], ys[m], cov) for m in range(M)) \
                - sum(_sheet_I3(xs[k], xs[i], xs[j], cov) for j in range(K))
            second = sum(_sheet_I4(xs[i], xs[k], ys[n], ys[m], cov) for n in range(M) for m in range(M)) \
                - 2 * sum(_sheet_I4(xs[i], xs[k], xs[j], ys[n], cov) for j in range(K) for n in range(M)) \
                + sum(_sheet_I4(xs[i], xs[k], xs[j], xs[l], cov) for j in range(K) for l in range(K)) \
                + s2 * J2(xs[i], xs[k])
            diff = ode.dq[i, k].xreplace(iso) - (eta * first + eta**2 * second)
            f = to_numpy(diff, sorted(diff.free_symbols, key=str))
            rng = np.random.default_rng(i + 10 * k)
            for _ in range(3):                        # a point with a valid covariance
                args = {s: v for s, v in zip(sorted(diff.free_symbols, key=str), _valid_point(rng, diff))}
                assert abs(float(f(*args.values()))) < 1e-12


def _valid_point(rng, expr):
    """Values of the overlap symbols from random weights (a valid joint covariance)."""
    W = rng.standard_normal((4, 6)) / np.sqrt(6)
    G = W @ W.T
    out = []
    for s in sorted(expr.free_symbols, key=str):
        name = s.name
        if name in ("eta", "sigma_epsilon"):
            out.append(0.3)
            continue
        i, j = int(name[2]) - 1, int(name[3]) - 1
        off = {"Q": (0, 0), "R": (0, 2), "T": (2, 2)}[name[0]]
        out.append(G[off[0] + i, off[1] + j])
    return out


def test_averages_against_monte_carlo():
    """E[δ_1 ρB_1] and E[δ_1 δ_2] by sampling the Gaussian fields; erf, K = M = 2, with noise."""
    K = M = 2
    rng = np.random.default_rng(5)
    N = 12                                             # a valid covariance from explicit vectors
    lam_v, f_v, s_v = 0.7, 0.25, 0.4
    Jv, Bv = rng.standard_normal((K, N)) / 2, rng.standard_normal((M, N))
    block = np.zeros(N)
    block[:3] = 1                                       # block coordinates, with Σ = λ on them
    sigma = np.ones(N)
    sigma[:3] = lam_v
    Q1, R1, T1 = (Jv * sigma) @ Jv.T / N, (Jv * sigma) @ Bv.T / N, (Bv * sigma) @ Bv.T / N
    q, r, t = (Jv * block) @ Jv.T / N, (Jv * block) @ Bv.T / N, (Bv * block) @ Bv.T / N
    ode = co.committee_odes(K, M, "erf")
    Q, R, T = ode.overlaps
    qs, rs, ts = ode.blocks
    values = {**{Q[i, k]: Q1[i, k] for i in range(K) for k in range(K)},
              **{R[i, n]: R1[i, n] for i in range(K) for n in range(M)},
              **{T[n, m]: T1[n, m] for n in range(M) for m in range(M)},
              **{qs[i, k]: q[i, k] for i in range(K) for k in range(K)},
              **{rs[i, n]: r[i, n] for i in range(K) for n in range(M)},
              **{ts[n, m]: t[n, m] for n in range(M) for m in range(M)},
              co.lam: lam_v, co.frac: f_v, co.eta: 1, co.noise: np.sqrt(s_v)}
    theory_r = float(ode.dr[0, 0].xreplace({k: sp.Float(v) for k, v in values.items()}))
    theory_E = float(ode.E[0, 1].xreplace({k: sp.Float(v) for k, v in values.items()}))
    n = 400_000
    xi = rng.standard_normal((n, N)) * np.sqrt(sigma)
    from scipy.special import erf
    x, y = xi @ Jv.T / np.sqrt(N), xi @ Bv.T / np.sqrt(N)
    rhoB = (xi * block) @ Bv.T / np.sqrt(N)
    label = erf(y / np.sqrt(2)).sum(1) + np.sqrt(s_v) * rng.standard_normal(n)
    err = label - erf(x / np.sqrt(2)).sum(1)
    gp = np.sqrt(2 / np.pi) * np.exp(-x**2 / 2)
    delta = gp * err[:, None]
    thr = z_threshold(2)
    for sample, theory in ((delta[:, 0] * rhoB[:, 0], theory_r), (delta[:, 0] * delta[:, 1], theory_E)):
        z = (sample.mean() - theory) / (sample.std(ddof=1) / np.sqrt(n))
        assert abs(z) < thr, (sample.mean(), theory, z)


def test_normalised_outputs_rescale_the_learning_rate():
    """K = M: normalised dynamics at η = unnormalised at η/K; ε_g^norm = ε_g/K (sheet §0.1(f))."""
    K = 2
    u, n = co.committee_odes(K, K, "erf", False), co.committee_odes(K, K, "erf", True)
    for a, b in zip((*u.dr, *u.dq), (*n.dr, *n.dq)):
        assert co.tidy(b.subs(co.noise, 0) - a.subs(co.noise, 0).subs(co.eta, co.eta / K)) == 0
    assert co.tidy(n.error - u.error / K) == 0


def test_error_matches_sheet_and_initial_value():
    K, M = 2, 3
    ode = co.committee_odes(K, M, "erf")
    Q, R, T = ode.overlaps
    asin = lambda c, a, b: sp.asin(c / sp.sqrt((1 + a) * (1 + b)))  # noqa: E731
    sheet = (sum(asin(Q[i, k], Q[i, i], Q[k, k]) for i in range(K) for k in range(K))
             + sum(asin(T[n, m], T[n, n], T[m, m]) for n in range(M) for m in range(M))
             - 2 * sum(asin(R[i, n], Q[i, i], T[n, n]) for i in range(K) for n in range(M))) / sp.pi
    assert sp.simplify(ode.error - sheet) == 0
    start = {**{e: 0 for e in Q}, **{e: 0 for e in R}, **{T[n, m]: int(n == m) for n in range(M) for m in range(M)}}
    assert sp.nsimplify(ode.error.xreplace(start)) == sp.Rational(M, 6)


@pytest.mark.parametrize("K,M,activation,match", [(0, 1, "erf", "K"), (1, 0, "erf", "M"), (2.0, 1, "erf", "K"),
                                                  (1, 1, "relu", "activation"), (1, 1, "tanh", "activation")])
def test_bad_input(K, M, activation, match):
    with pytest.raises(ValueError, match=match):
        co.committee_odes(K, M, activation)


def test_unknown_monomial_is_an_error():
    x1 = co.student_fields(1)[0]
    cov = co._covariance(1, 1)
    with pytest.raises(ValueError, match="no Gaussian template"):
        co.gaussian_average(co.g(x1) ** 3, cov, "erf")
