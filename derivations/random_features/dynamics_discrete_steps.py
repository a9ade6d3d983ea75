"""``random-feature-dynamics``, fifth part: gradient descent in discrete time with step h (the issue's η;
here h, since η_k are the eigenvalues), w_{n+1} = w_n − h∇L(w_n) from w_0 = 0.

In an eigen-direction of G = FFᵀ/P with eigenvalue g the recursion x_{n+1} = x_n − h(g x_n − c) has the
solution x_n = (c/g)(1 − (1 − hg)^n) (SymPy ``rsolve``), and its generating function X(z) = Σ_n x_n z^n
obeys (1 − z)X(z) = c/(g + λ(z)) with λ(z) = (1 − z)/(hz) (SymPy ``summation`` of the geometric series):
discrete-time GD is ridge regression at ridge λ(z), exactly as the flow is at ridge s.  So the mean
deviation of mode k has the generating function

    Σ_n H_k(n) z^n = κ(λ)/((η_k + κ(λ))(1 − z)),   κ(λ) from (kappa-of-s) at s = λ(z),

(the flow's s·Ĥ_k(s) at s = λ(z), divided by 1 − z).  At N, P → ∞ (κ = s) its coefficients are
H_k(n) = (1 − hη_k)^n (series of the generating function), stable iff 0 < h < 2/η_k for every mode, i.e.
h < 2/η_max; with n = t/h and h → 0 they tend to the flow's e^(−η_k t).  At finite N, P the stability edge
is set by the top λ₊ of the empirical kernel's spectrum (above η_max): the maximum of s(κ) over real
κ < −η_max, where ds/dκ = 0 (gd-stability-finite); the numerics refuse steps h ≥ 2/λ₊, and independently
steps whose generating function is not analytic in |z| < 1 (the κ continuation on the circle fails).
"""
from __future__ import annotations

import sympy as sp

from derive.operations import transform
from derive.spectral import ETA, K
import derivations.random_features.dynamics_steps as dyn

n = sp.Symbol("n", integer=True, nonnegative=True)
h, g, c = sp.symbols("h g c", positive=True)
z = sp.Symbol("z")
x = sp.Function("x")
G_H = sp.Function("G_H")(K, z)
X_z = sp.Function("X")(z)
lam_z = sp.Function("lambda")(z)


def _solution(recursion):
    sol = sp.rsolve(recursion.lhs - recursion.rhs, x(n), {x(0): 0})
    return sp.Eq(x(n), sp.simplify(sol))


def _generating(solution):
    series = sp.summation(sp.expand(solution.rhs * z ** n), (n, 0, sp.oo))
    # inside the disc of convergence |z| < 1, |z(1 − hg)| < 1: the first branch of every Piecewise
    series = series.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[0][0])
    ridge = (1 - z) / (h * z)
    if sp.simplify((1 - z) * series - c / (g + ridge)) != 0:
        raise ValueError("(1 − z)X(z) is not the ridge solution c/(g + λ) at λ = (1 − z)/(hz)")
    return (sp.Eq((1 - z) * X_z, c / (g + lam_z)), sp.Eq(lam_z, ridge))


def _transfer(generating, transfer):
    ridge = generating[1].rhs
    mean_factor = sp.simplify(dyn.s * transfer.rhs)                       # s Ĥ_k(s) = κ/(η_k + κ)
    return sp.Eq(G_H, mean_factor.subs(dyn.s, ridge) / (1 - z))


def _population(gd_transfer, generating):
    ridge = generating[1].rhs
    at_infinity = sp.simplify(gd_transfer.rhs.subs(dyn.kappa, ridge))     # N, P → ∞: κ = s = λ(z)
    coefficients = sp.series(at_infinity, z, 0, 6).removeO()
    guess = (1 - h * ETA[K]) ** n
    for j in range(6):
        if sp.simplify(coefficients.coeff(z, j) - guess.subs(n, j)) != 0:
            raise ValueError(f"coefficient {j} of the population generating function is not (1 − hη_k)^{j}")
    if sp.simplify(at_infinity - 1 / (1 - z * (1 - h * ETA[K]))) != 0:
        raise ValueError("the population generating function is not geometric")
    return sp.Eq(sp.Function("H")(K, n), guess)


def _stability(population):
    base = population.rhs.base
    region = sp.solve_univariate_inequality(sp.Abs(base) < 1, h, relational=False)
    if not (isinstance(region, sp.Interval) and region.start == 0 and region.left_open and region.right_open):
        raise ValueError(f"unexpected stability region {region}")
    # every mode must be stable: the bound at the largest eigenvalue
    return sp.Eq(sp.Symbol("h_max"), region.end.subs(ETA[K], sp.Symbol("eta_max", positive=True)))


def _finite_stability(kappa_of_s, population_bound):
    """At finite N, P the recursion in an eigen-direction g of G = FFᵀ/P is stable iff h < 2/g, so the top λ₊ of
    G's spectrum sets the bound (gd-stability with η_max → λ₊).  Off the spectrum, at s = −λ, κ(s) of (kappa-of-s)
    is real with κ < −η_max; the map κ ↦ s(κ) rises from −∞ there and falls back to −∞ at the pole κ = −η_max,
    and the top edge is its maximum — the branch point of κ(s), where ds/dκ = 0.  N, P → ∞: s = κ has no
    maximum below −η_max and the edge is the pole itself, λ₊ = η_max (checked)."""
    Df_of = sp.Function("Df")(dyn.kappa)
    s_of = kappa_of_s.rhs.subs(dyn.Df, Df_of)
    lam = sp.Symbol("lambda_+", positive=True)
    population = sp.limit(sp.limit(s_of, dyn.N, sp.oo), dyn.P, sp.oo)
    if population != dyn.kappa:
        raise ValueError("(kappa-of-s) at N, P → ∞ is not s = κ")
    bound = population_bound.rhs.subs(sp.Symbol("eta_max", positive=True), lam)
    return (sp.Eq(sp.diff(s_of, dyn.kappa), 0), sp.Eq(lam, -s_of), sp.Eq(population_bound.lhs, bound))


def _flow_limit(population):
    flow = sp.limit(population.rhs.subs(n, dyn.t / h), h, 0)
    if sp.simplify(flow - sp.exp(-ETA[K] * dyn.t)) != 0:
        raise ValueError("h → 0 at n = t/h does not give the flow's e^(−η_k t)")
    return sp.Eq(sp.Function("H")(K, dyn.t), flow)


def add_discrete_steps(d) -> None:
    d.define("gd-recursion", "Gradient descent in one eigen-direction",
             "w_{n+1} = w_n − h∇L(w_n): in an eigen-direction of G with eigenvalue g and target component c, "
             "x_{n+1} = x_n − h(g x_n − c), x_0 = 0.", sp.Eq(x(n + 1), x(n) - h * (g * x(n) - c)))
    d.derive("gd-solution", "Its solution", "rsolve: x_n = (c/g)(1 − (1 − hg)^n).",
             transform("gd-recursion", _solution, "rsolve with x_0 = 0", name="solve"))
    d.derive("gd-ridge-correspondence", "Gradient descent as ridge regression",
             "Sum the geometric series (|z| < 1, |z(1 − hg)| < 1): (1 − z)X(z) = c/(g + λ(z)), the ridge solution at "
             "λ(z) = (1 − z)/(hz) (checked) — as the flow is at ridge s.",
             transform("gd-solution", _generating, "Σ_n z^n x_n; compare with the ridge solution", name="integrate"))
    d.derive("gd-transfer", "Generating function of H_k(n)",
             "The mean deviation of mode k at ridge λ is s·Ĥ_k(s) of (transfer-function) at s = λ: "
             "Σ_n H_k(n) z^n = κ(λ)/((η_k + κ(λ))(1 − z)), κ from (kappa-of-s) at s = λ(z).",
             transform(("gd-ridge-correspondence", "transfer-function"), _transfer,
                       "s Ĥ_k(s) at s = λ(z), divided by 1 − z", name="substitute"))
    d.derive("gd-population", "Population limit", "N, P → ∞ (κ = s): the generating function is geometric and "
             "H_k(n) = (1 − hη_k)^n (series coefficients checked).",
             transform(("gd-transfer", "gd-ridge-correspondence"), _population, "κ = λ(z); series in z",
                       name="expand"))
    d.derive("gd-stability", "Stability limit", "(1 − hη_k)^n decays iff 0 < h < 2/η_k; for every mode: "
             "h < 2/η_max (population; at finite N, P the empirical kernel's top eigenvalue sets it).",
             transform("gd-population", _stability, "solve |1 − hη_k| < 1 for h", name="solve"))
    d.derive("gd-stability-finite", "Stability at finite width and data",
             "The top λ₊ of the empirical kernel's spectrum replaces η_max: λ₊ = −s at the real κ₊ < −η_max where "
             "ds/dκ = 0 (the branch point of κ(s), the edge of the deterministic-equivalent spectrum); then "
             "h < 2/λ₊.  At N, P → ∞ the edge is the pole κ = −η_max and the bound is gd-stability's.",
             transform(("kappa-of-s", "gd-stability"), _finite_stability,
                       "ds/dκ = 0 on (kappa-of-s) with Df = Df(κ); λ₊ = −s there; η_max → λ₊ in (gd-stability)",
                       name="differentiate"))
    d.derive("gd-flow-limit", "Small steps", "n = t/h, h → 0: (1 − hη_k)^(t/h) → e^(−η_k t), the flow.",
             transform("gd-population", _flow_limit, "limit h → 0 at n = t/h", name="limit"))
