"""feature-learning-dmft, the path-integral steps: the average over the initial weights against a Monte-Carlo
average of the network's own exponent, the saddle point and the read-off following the action they are given,
the continuum limit against the paper's Eq. (10), and the refusals of the indexed-sum rules."""
import numpy as np
import pytest
import sympy as sp

from derive import msr_indexed as mi
from derivations.feature_learning import dmft_msr_steps as ms
from derivations.feature_learning import dmft_steps as ds
from derivations.feature_learning.dmft_symbols import N, P, g, h, i, j, l, phi

D = ds.derivation()


def _concrete(expr, sizes, definitions=()):
    """The statement at concrete sizes, the kernels replaced by their definitions at the same sizes."""
    out = expr.subs(sizes).doit()
    for eq in definitions:
        for (mu_, tau_, nu_, sig_) in [(a, b, c, e) for a in (1,) for b in (0, 1) for c in (1,) for e in (0, 1)]:
            at = {ms.mu: mu_, ms.tau: tau_, ms.nu: nu_, ms.sigma: sig_}
            out = out.xreplace({eq.lhs.xreplace(at): eq.rhs.xreplace(at).subs(sizes).doit()})
    return out


def test_the_weight_average_is_the_monte_carlo_average_of_the_networks_exponent():
    """N = 2 neurons per layer, P = 1 example, steps 0 and 1: E_W exp(−Σ χ̃ Wφ/√N − Σ ξ̃ Wᵀg/√N) sampled over
    standard normal W(0), against exp(𝒲) with 𝒲 from (weight-average); z-test at 4.5 standard errors."""
    rng = np.random.default_rng(3)
    n, slots = 2, [(1, 0), (1, 1)]
    vals = {name: rng.uniform(-0.6, 0.6, (n, 2)) for name in ("phi", "g", "chit", "xit")}
    sizes = {N: n, P: 1, ms.T_STEPS: 1}
    defs = D["discrete-kernels"][:2] + D["response-kernels"]
    W_avg = _concrete(D["weight-average"].rhs, sizes, defs)
    numbers = {}
    for a in range(n):
        for k, (mu_, tau_) in enumerate(slots):
            numbers[phi(h[l, a + 1, mu_, tau_])] = vals["phi"][a, k]
            numbers[g[l + 1, a + 1, mu_, tau_]] = vals["g"][a, k]
            numbers[ms.chi_t[a + 1, mu_, tau_]] = vals["chit"][a, k]
            numbers[ms.xi_t[a + 1, mu_, tau_]] = vals["xit"][a, k]
    theory = float(W_avg.xreplace(numbers))
    W = rng.standard_normal((400_000, n, n))                          # W[i, j]: i in layer l+1, j in layer l
    chi = np.einsum("sij,jk->sik", W, vals["phi"]) / np.sqrt(n)       # χ_ik = Σ_j W_ij φ_jk / √N
    xi = np.einsum("sij,ik->sjk", W, vals["g"]) / np.sqrt(n)          # ξ_jk = Σ_i W_ij g_ik / √N
    e = np.exp(-np.einsum("ik,sik->s", vals["chit"], chi) - np.einsum("jk,sjk->s", vals["xit"], xi))
    z = (e.mean() - np.exp(theory)) / (e.std() / np.sqrt(e.size))
    assert abs(z) < 4.5, (e.mean(), np.exp(theory), z)


def test_the_saddle_point_and_the_read_off_follow_the_action_they_are_given():
    """Doubling the A·B coupling of the action halves nothing but doubles the conjugates and the drift."""
    action = D["msr-action"]
    coupling = [t for t in sp.Add.make_args(action[1].rhs) if t.has(ms.A_d) and t.has(ms.B_d)]
    doubled = (action[0], sp.Eq(action[1].lhs, action[1].rhs + sp.Add(*coupling))) + action[2:]
    saddle = ms._saddle(doubled)
    assert saddle[0].rhs == -2 * ms.B_d[ms.mu, ms.tau, ms.nu, ms.sigma]
    fields = ms._single_site_fields(doubled, saddle)
    assert fields[0].rhs - D["single-site-fields"][0].rhs == D["single-site-fields"][0].rhs - ms.u[ms.mu, ms.tau]


def test_the_continuum_limit_is_the_papers_eq_10():
    """The derived single-site processes equal arXiv:2205.09653 Eq. (10) as the paper writes it."""
    t, s = sp.symbols("t s", nonnegative=True)
    nu = ds.nu
    F = sp.Function
    h_eq = F("u^l_mu")(t) + ds.gamma0 * sp.Integral(sp.Sum(
        (F(r"A^{l-1}_{\mu\nu}")(t, s) + F(r"\Phi^{l-1}_{\mu\nu}")(t, s) * F("Delta_nu")(s) / P) * F("g^l_nu")(s),
        (nu, 1, P)), (s, 0, t))
    z_eq = F("r^l_mu")(t) + ds.gamma0 * sp.Integral(sp.Sum(
        (F(r"B^{l}_{\mu\nu}")(t, s) + F(r"G^{l+1}_{\mu\nu}")(t, s) * F("Delta_nu")(s) / P) * phi(F("h^l_nu")(s)),
        (nu, 1, P)), (s, 0, t))
    derived = D["single-site"]
    assert derived[0].lhs == F("h^l_mu")(t) and derived[1].lhs == F("z^l_mu")(t)
    for eq, paper in zip(derived, (h_eq, z_eq)):
        assert sp.simplify(sp.expand(eq.rhs.doit(deep=False) - paper)) == 0


def test_the_continuum_limit_refuses_sums_that_do_not_merge():
    """A learned sum that runs past the causal range cannot become one integral: the limit says so."""
    h_eq, z_eq = D["single-site-discrete"]
    broken = h_eq.replace(lambda e: isinstance(e, sp.Sum) and not e.has(sp.Derivative),
                          lambda e: sp.Sum(e.function, *[(v, lo, ms.T_STEPS) if v == ms.sigma else (v, lo, hi)
                                                         for v, lo, hi in e.limits]))
    with pytest.raises(ValueError, match="do not share their limits"):
        ms.continuum((broken, z_eq), D["response-functions"])


def test_the_indexed_rules_refuse_what_they_cannot_do():
    a, b, c, n = sp.symbols("a b c n", integer=True)
    x, y = sp.IndexedBase("x"), sp.IndexedBase("y")
    with pytest.raises(ValueError, match="distinct summation indices"):
        mi.derivative_at(sp.Sum(x[a, a], (a, 1, n)), x, (b, c))
    with pytest.raises(ValueError, match="not a sum over"):
        mi.single_site(x[a] + sp.Sum(y[b, a], (b, 1, n)), b)
    with pytest.raises(ValueError, match="without response fields"):
        mi.read_off_indexed(sp.Sum(y[a] * x[a] + y[a] ** 2, (a, 1, n)), x, y, (b,), (c,))
    with pytest.raises(ValueError, match="several of"):
        mi.sum_innermost(sp.Sum(x[a, b], (a, 1, n), (b, 1, n)), [a, b])
    with pytest.raises(ValueError, match="rename one first"):
        mi.multiply_sums(sp.Sum(x[a], (a, 1, n)), sp.Sum(y[a], (a, 1, n)))


def test_the_tangent_kernel_is_derived_from_the_network_it_is_given():
    """The NTK step follows the network: a readout scaled by 1/(γ₀N²) instead of 1/(γ₀N) shrinks its part by N²
    (its ∂f/∂w and its flow's ∂f/∂w each by N) and leaves the layers below, whose ∂f/∂h is fixed by g, alone."""
    net, loss, kernels = D["network"], D["loss"], D["order-parameters"]
    stated = D["ntk"][1].rhs
    scaled = net[:2] + (sp.Eq(net[2].lhs, net[2].rhs / N),)
    replayed = ds._ntk(scaled, loss, kernels)[1].rhs
    readout = [t for t in sp.Add.make_args(stated) if not t.has(sp.Sum) and not t.has(sp.Function("G^{1}_{\\mu\\nu}"))]
    assert len(readout) == 1
    assert sp.simplify(replayed - (stated - readout[0] + readout[0] / N ** 2)) == 0


def test_perturbation_theory_departs_from_the_deep_linear_dmft_at_order_gamma0_to_the_fourth():
    """Two hidden layers, 10 steps of dt = 0.1: the series' departure at γ₀ = 0.1 and 0.2 grows as γ₀⁴ (the next
    order changes the slope by about γ₀², hence 0.15), and it is far closer than the lazy limit."""
    from derivations.feature_learning.deep_linear_theory import deep_linear_grid
    from derivations.feature_learning.perturbation_theory import perturbative_grid
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, 5)), rng.standard_normal(3)
    gaps, lazy = [], []
    for gamma0 in (0.1, 0.2):
        full, _, _ = deep_linear_grid(X, y, gamma0, 0.1, 10, 2)
        series, _, conv = perturbative_grid(X, y, gamma0, 0.1, 10, 2)
        assert conv.converged
        gaps.append(np.max(np.abs(series - full)))
        lazy.append(np.max(np.abs(deep_linear_grid(X, y, 1e-7, 0.1, 10, 2)[0] - full)))
    assert abs(np.log2(gaps[1] / gaps[0]) - 4) < 0.15
    assert gaps[0] < 1e-2 * lazy[0]


def test_perturbation_theory_refuses_a_grid_too_large():
    from derivations.feature_learning.perturbation_theory import perturbative_grid
    with pytest.raises(ValueError, match="exceeds"):
        perturbative_grid(np.ones((100, 2)), np.ones(100), 0.5, 0.01, 100, 2)


def test_the_perturbation_series_is_the_closure_expanded():
    """At the lowest orders the series is the lazy limit (every kernel its start) and the responses are the
    first-order operators themselves."""
    series = {eq.lhs.name: eq.rhs for eq in D["perturbation-series"]}
    assert series["Phi^l_0"] == ds.Phi_in0 and series["G^l_0"] == ds.G_out0
    assert series["A_1"] == ds.C1 and series["B_1"] == ds.D1


@pytest.mark.parametrize("kwargs, match", [
    (dict(y=np.ones(3)), "y"),
    (dict(gamma0=0.0), "gamma0"),
    (dict(X=np.full((4, 6), np.inf)), "X"),
    (dict(times=[2.0, 1.0]), "times"),
    (dict(depth=0), "depth"),
    (dict(step=-0.1), "step"),
])
def test_perturbation_theory_refuses_bad_input_by_name(kwargs, match):
    from derivations.feature_learning import perturbative_curve
    rng = np.random.default_rng(1)
    args = dict(X=rng.standard_normal((4, 6)), y=rng.standard_normal(4), times=[0.0, 1.0], gamma0=0.5)
    args.update(kwargs)
    X_, y_, t_, g_ = (args.pop(k) for k in ("X", "y", "times", "gamma0"))
    with pytest.raises(ValueError, match=match):
        perturbative_curve(X_, y_, t_, g_, **args)


def test_the_entry_verifies_quickly():
    """Every step of feature-learning-dmft replayed and every check run (quick mode), as the main job does."""
    from derivations.feature_learning import build_dmft
    report = build_dmft().verify(quick=True)
    assert report.passed, [c.name for c in report.checks if not c.passed]
