"""``random-feature-dynamics``, third part: the compute-optimal allocation of width and training time.

With compute C = N·t (gradient flow: every unit of time costs one pass over the N parameters) and a loss
that is a sum of its bottleneck terms in time and width (infinite data),

    L(N, t) ≈ A_t t^(−(a−1)/b) + A_N N^(−m),

minimising over N at fixed C gives N* ∝ C^ρ_N, t* ∝ C^ρ_t, L* ∝ C^(−ρ_L) with
ρ_N = (a−1)/(a−1+bm), ρ_t = bm/(a−1+bm), ρ_L = (a−1)m/(a−1+bm) (Bordelon, Atanasov, Pehlevan,
arXiv:2402.01092, Eq. 17 per our reference sheet).  For hard tasks (a − 1 < b) the width term of one model
has m = a − 1, so ρ_N = 1/(1+b), ρ_t = b/(1+b), ρ_L = (a−1)/(1+b); the paper's CIFAR-5M reading b ≈ 2,
a ≈ 1.15 gives L* ∝ C^(−0.05).  The sum of bottleneck terms is an ansatz; the check ``compute-frontier``
minimises the exact loss over N with no power-law form and compares the frontier's local slopes.
"""
from __future__ import annotations

import sympy as sp

from derive.operations import transform

a, b, m = sp.symbols("a b m", positive=True)
N_, t_, C_ = sp.symbols("N t C", positive=True)
A_t, A_N = sp.symbols("A_t A_N", positive=True)
L_sym = sp.Symbol("L")
N_star = sp.Symbol("N_*", positive=True)
rho_N, rho_t, rho_L = sp.symbols("rho_N rho_t rho_L")


def _optimal_width(loss, budget):
    t_of = sp.solve(budget, t_)[0]
    on_budget = loss.rhs.subs(t_, t_of)
    roots = sp.solve(sp.diff(on_budget, N_), N_)
    if len(roots) != 1:
        raise ValueError(f"expected one stationary width, got {roots}")
    return sp.Eq(N_star, sp.simplify(roots[0]))


def _exponents(opt, loss, budget):
    Ns = opt.rhs
    r_N = sp.simplify(sp.expand_log(sp.log(Ns), force=True).diff(C_) * C_)
    t_star = sp.solve(budget, t_)[0].subs(N_, Ns)
    r_t = sp.simplify(sp.expand_log(sp.log(t_star), force=True).diff(C_) * C_)
    L_star = loss.rhs.subs({t_: t_star, N_: Ns})
    terms = sp.Add.make_args(sp.expand(L_star))
    slopes = {sp.simplify(sp.expand_log(sp.log(term), force=True).diff(C_) * C_) for term in terms}
    if len(slopes) != 1:
        raise ValueError(f"the bottleneck terms do not scale alike on the optimum: {slopes}")
    r_L = -slopes.pop()
    return (sp.Eq(rho_N, sp.factor(r_N)), sp.Eq(rho_t, sp.factor(r_t)), sp.Eq(rho_L, sp.factor(r_L)))


def _hard(exps):
    return tuple(sp.Eq(e.lhs, sp.factor(sp.simplify(e.rhs.subs(m, a - 1)))) for e in exps)


def _cifar(hard):
    value = hard[2].rhs.subs({b: 2, a: sp.Rational(23, 20)})
    return sp.Eq(rho_L, value)


def add_compute_steps(d) -> None:
    d.approximate("bottleneck-sum", "Loss as a sum of its bottlenecks",
                  "At infinite data the loss is dominated by the slower of the time and width bottlenecks: "
                  "L ≈ A_t t^(−(a−1)/b) + A_N N^(−m) (η_k = k^(−b), w̄_k²η_k = k^(−a); m the width exponent of "
                  "the quantity, m = min(a − 1, b) for one model). An ansatz: the frontier of the exact loss is "
                  "checked against its consequences.",
                  sp.Eq(L_sym, A_t * t_ ** (-(a - 1) / b) + A_N * N_ ** (-m)), checked_by=("compute-frontier",))
    d.define("compute-budget", "Compute", "Gradient flow for time t of N parameters: C = N·t.", sp.Eq(C_, N_ * t_))
    d.derive("optimal-width", "Optimal width at fixed compute",
             "Insert t = C/N into (bottleneck-sum), set ∂L/∂N = 0 and solve for N.",
             transform(("bottleneck-sum", "compute-budget"), _optimal_width, "substitute, differentiate, solve",
                       name="solve"))
    d.derive("compute-optimal-exponents", "Compute-optimal exponents",
             "Logarithmic derivatives in C of N*, t* = C/N* and of each term of L(N*, t*) (both terms scale "
             "alike on the optimum, checked): N* ∝ C^ρ_N, t* ∝ C^ρ_t, L* ∝ C^(−ρ_L).",
             transform(("optimal-width", "bottleneck-sum", "compute-budget"), _exponents,
                       "d log / d log C of N*, t* and each term of L*", name="differentiate"))
    d.derive("hard-task-exponents", "Hard tasks, a − 1 < b",
             "The width term of one model has m = a − 1: ρ_N = 1/(1 + b), ρ_t = b/(1 + b), ρ_L = (a − 1)/(1 + b); "
             "steps grow faster than parameters (b > 1).",
             transform("compute-optimal-exponents", _hard, "m = a − 1", name="substitute"))
    d.derive("cifar-5m-reading", "The paper's CIFAR-5M reading",
             "b ≈ 2, a ≈ 1.15 (the paper's fit of a Wide ResNet's NTK spectrum): L* ∝ C^(−0.05).",
             transform("hard-task-exponents", _cifar, "b = 2, a = 23/20", name="substitute"))
