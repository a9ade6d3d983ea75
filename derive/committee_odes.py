"""Order-parameter ODEs of online SGD in soft committee machines, generated with SymPy.

Model (Saad & Solla 1995, Phys. Rev. E 52, 4225; with a block covariance as in Worschech &
Rosenow, arXiv:2410.09005; ``shared/reference/papers.md`` §0.1, §2).  Inputs ξ ~ N(0, Σ), Σ
diagonal with L distinct eigenvalues λ_m on blocks holding a fraction f_m of the coordinates.

    student σ = c_K Σ_i g(x_i),  x_i = J_i·ξ/√N;   teacher ζ = c_M Σ_n g(y_n),  y_n = B_n·ξ/√N,
    label ζ + s χ (χ ~ N(0, 1), s² = noise variance),   ε = ½(ζ + sχ − σ)²,
    SGD step  J_i ← J_i + (η/√N) δ_i ξ,   δ_i = −∂ε/∂x_i,   time α = steps/N,

with c_K = 1/√K, c_M = 1/√M for normalised outputs and 1 otherwise.  Block-resolved order
parameters q_ik = ⟨J_i, J_k⟩_m/N, r_in = ⟨J_i, B_n⟩_m/N, t_np = ⟨B_n, B_p⟩_m/N (sums over the
coordinates of block m); first-order overlaps Q = Σ_m λ_m q_m, R, T are the covariances of the
local fields.

Generation, each stage a SymPy operation on the previous one:

1. :func:`error_signals`  δ_i = −∂ε/∂x_i by ``sp.diff`` (g an undefined function).
2. :func:`step_increments`  one step written in the block Gram matrix of (J_1..J_K, B_1..B_M, ξ):
   with the block fields ρJ_k = ⟨J_k, ξ⟩_m/√N, ρB_n = ⟨B_n, ξ⟩_m/√N and s = ⟨ξ, ξ⟩_m/N,
   N·Δq_ik = η(δ_i ρJ_k + δ_k ρJ_i) + η² s δ_i δ_k,   N·Δr_in = η δ_i ρB_n   (exact).
3. :func:`gaussian_average`  the average over ξ: the integrand is expanded into monomials, each
   of which is one of the Gaussian expectations of :mod:`derive.gaussian_expectations`
   (I2, J2, I3, I4) evaluated at the covariances of the fields it names; the block fields have
   Cov(ρJ_k, x_j) = λ q_kj, Cov(ρJ_k, y_p) = λ r_kp, Cov(ρB_n, x_j) = λ r_jn, Cov(ρB_n, y_p) = λ t_np.
   The norm s is replaced by its mean f λ (it concentrates, and its correlation with the fields
   is O(1/N): an approximation of the N → ∞ limit).
4. :func:`committee_odes`  dq/dα = N E[Δq], dr/dα = N E[Δr]; since I3 is linear in (C12, C23),
   the block equations are linear in the block variables with coefficients that depend on the
   first-order overlaps only:
       dr_m/dα = ηλ_m (A r_m + B t_m),
       dq_m/dα = ηλ_m (A q_m + q_m Aᵀ + B r_mᵀ + r_m Bᵀ) + η² λ_m f_m E,
   with A_ij = ∂(dr_in/dα)/∂r_jn /(ηλ), B_ip = ∂(dr_in/dα)/∂t_pn /(ηλ), E_ik = E[δ_i δ_k]
   (extracted by differentiation; :func:`linear_structure_residuals` re-assembles the block
   equations from A, B, E and returns the differences, which expand to zero).
5. :func:`generalization_error`  ε_g = ½ E[(ζ − σ)²] in the first-order overlaps (clean labels).

>>> ode = committee_odes(1, 1, "linear")
>>> ode.A, ode.B
(Matrix([[-1]]), Matrix([[1]]))
>>> ode.error
Q_11/2 - R_11 + T_11/2
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from derive import gaussian_expectations as ge

__all__ = [
    "ACTIVATIONS", "g", "gprime", "eta", "lam", "frac", "noise", "chi", "s_block",
    "student_fields", "teacher_fields", "overlap_matrices", "block_matrices",
    "block_fields", "outputs", "error_signals", "step_increments", "gaussian_average",
    "CommitteeODE", "committee_odes", "generalization_error", "linear_structure_residuals", "tidy",
    "EXPECTATION", "TEMPLATE_ARGUMENTS", "closed_forms", "averaged_increments",
]

ACTIVATIONS = ("erf", "linear")

g = sp.Function("g")
gprime = sp.Function("g'")
eta = sp.Symbol("eta", positive=True)
lam = sp.Symbol("lambda", positive=True)
frac = sp.Symbol("f", positive=True)
noise = sp.Symbol("sigma_epsilon", nonnegative=True)     # label-noise standard deviation s
chi = sp.Symbol("chi", real=True)
s_block = sp.Symbol("s", positive=True)                  # ⟨ξ, ξ⟩_m / N


def _check_sizes(K, M):
    for name, value in (("K", K), ("M", M)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} (number of {'student' if name == 'K' else 'teacher'} "
                             f"hidden units) must be an integer >= 1, got {value!r}")


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS} (the activations whose "
                         f"Gaussian expectations have closed forms here), got {activation!r}")


def student_fields(K):
    """x_1 … x_K, the student's local fields."""
    return sp.symbols(f"x1:{K + 1}", real=True)


def teacher_fields(M):
    """y_1 … y_M, the teacher's local fields."""
    return sp.symbols(f"y1:{M + 1}", real=True)


def _symmetric(name, n, **assumptions):
    entries = {}
    for i in range(n):
        for k in range(i, n):
            pos = assumptions if i == k else {"real": True}
            entries[i, k] = entries[k, i] = sp.Symbol(f"{name}_{i + 1}{k + 1}", **pos)
    return sp.Matrix(n, n, lambda i, k: entries[i, k])


def _rectangular(name, n, m):
    return sp.Matrix(n, m, lambda i, k: sp.Symbol(f"{name}_{i + 1}{k + 1}", real=True))


def block_fields(K, M):
    """(ρJ_1 … ρJ_K, ρB_1 … ρB_M): the block fields ⟨J_k, ξ⟩_m/√N and ⟨B_n, ξ⟩_m/√N."""
    return (tuple(sp.Symbol(f"rho^J_{k + 1}", real=True) for k in range(K)),
            tuple(sp.Symbol(f"rho^B_{n + 1}", real=True) for n in range(M)))


def overlap_matrices(K, M):
    """First-order overlaps (Q, R, T): K×K, K×M, M×M matrices of symbols (Q, T symmetric)."""
    return (_symmetric("Q", K, positive=True), _rectangular("R", K, M),
            _symmetric("T", M, positive=True))


def block_matrices(K, M):
    """Block-resolved overlaps (q, r, t) of one block, same shapes as :func:`overlap_matrices`."""
    return (_symmetric("q", K, nonnegative=True), _rectangular("r", K, M),
            _symmetric("t", M, nonnegative=True))


def outputs(K, M, normalized_outputs=False):
    """(σ, ζ) = (c_K Σ g(x_i), c_M Σ g(y_n)) with g undefined."""
    cK = 1 / sp.sqrt(K) if normalized_outputs else sp.Integer(1)
    cM = 1 / sp.sqrt(M) if normalized_outputs else sp.Integer(1)
    sigma = cK * sum(g(x) for x in student_fields(K))
    zeta = cM * sum(g(y) for y in teacher_fields(M))
    return sigma, zeta


def _derivatives_as_gprime(expr):
    return expr.replace(lambda e: isinstance(e, sp.Derivative) and e.expr.func == g,
                        lambda e: gprime(e.expr.args[0]))


def error_signals(K, M, normalized_outputs=False):
    """δ_i = −∂ε/∂x_i with ε = ½(ζ + sχ − σ)², by ``sp.diff``; g' written ``gprime``."""
    sigma, zeta = outputs(K, M, normalized_outputs)
    loss = (zeta + noise * chi - sigma) ** 2 / 2
    return [_derivatives_as_gprime(-sp.diff(loss, x)) for x in student_fields(K)]


def step_increments(K, M, normalized_outputs=False, delta=None):
    """(N·Δq, N·Δr) of one SGD step of one block, from the block Gram matrix (exact).

    The updated student vectors are coordinates on the basis (J_1..J_K, B_1..B_M, ξ); the block
    inner products (divided by N) are q, r, t, the block fields ρJ/√N, ρB/√N and s.  Returns the
    matrices N·(q' − q) and N·(r' − r) and the block fields (ρJ, ρB).  ``delta`` replaces the
    error signals of :func:`error_signals` (e.g. by plain symbols, for display).
    """
    _check_sizes(K, M)
    q, r, t = block_matrices(K, M)
    rhoJ, rhoB = block_fields(K, M)
    N = sp.Symbol("N", positive=True)
    xi_col = sp.Matrix([*rhoJ, *rhoB]) / sp.sqrt(N)
    gram = sp.Matrix(sp.BlockMatrix([[q, r, xi_col[:K, :]],
                                     [r.T, t, xi_col[K:, :]],
                                     [xi_col[:K, :].T, xi_col[K:, :].T, sp.Matrix([[s_block]])]]))
    if delta is None:
        delta = error_signals(K, M, normalized_outputs)
    n = K + M + 1
    new = sp.zeros(K, n)                     # J_i' = J_i + (η/√N) δ_i ξ in the basis
    for i in range(K):
        new[i, i] = 1
        new[i, n - 1] = eta * delta[i] / sp.sqrt(N)
    teacher = sp.zeros(M, n)
    for p in range(M):
        teacher[p, K + p] = 1
    dq = (new * gram * new.T - q).applyfunc(lambda e: sp.expand(N * e))
    dr = (new * gram * teacher.T - r).applyfunc(lambda e: sp.expand(N * e))
    return dq, dr, rhoJ, rhoB


def _covariance(K, M, global_only=False):
    """Covariance of two fields, for the student/teacher fields and the block fields."""
    Q, R, T = overlap_matrices(K, M)
    q, r, t = block_matrices(K, M)
    xs, ys = student_fields(K), teacher_fields(M)
    rhoJ, rhoB = block_fields(K, M)
    # each field as (kind, index); cross covariances as a table
    kind = {**{x: ("x", i) for i, x in enumerate(xs)}, **{y: ("y", n) for n, y in enumerate(ys)},
            **{z: ("J", k) for k, z in enumerate(rhoJ)}, **{z: ("B", n) for n, z in enumerate(rhoB)}}

    def cov(a, b):
        (ka, ia), (kb, ib) = kind[a], kind[b]
        if ka > kb:
            (ka, ia), (kb, ib) = (kb, ib), (ka, ia)
        table = {("x", "x"): lambda: Q[ia, ib], ("x", "y"): lambda: R[ia, ib],
                 ("y", "y"): lambda: T[ia, ib], ("J", "x"): lambda: lam * q[ia, ib],
                 ("J", "y"): lambda: lam * r[ia, ib], ("B", "x"): lambda: lam * r[ib, ia],
                 ("B", "y"): lambda: lam * t[ia, ib]}
        if (ka, kb) not in table:
            raise ValueError(f"no covariance between block fields {a} and {b} is needed")
        return table[ka, kb]()

    return cov


#: the covariance entries each Gaussian expectation depends on, in the order of its arguments
TEMPLATE_ARGUMENTS = {
    "I2": ("C11", "C12", "C22"), "J2": ("C11", "C12", "C22"),
    "I3": ("C11", "C12", "C13", "C23", "C33"),
    "I4": ("C11", "C12", "C13", "C14", "C22", "C23", "C24", "C33", "C34", "C44"),
}
EXPECTATION = {name: sp.Function(f"{name[0]}_{name[1]}") for name in TEMPLATE_ARGUMENTS}


def _template(name, activation):
    """The closed form of expectation ``name``, or for activation None the unevaluated I_n(C…)."""
    if activation is None:
        return EXPECTATION[name](*(sp.Symbol(c, **_assumptions(c)) for c in TEMPLATE_ARGUMENTS[name]))
    return ge.expectations(activation)[name]


def _assumptions(c):
    return {"positive": True} if c[1] == c[2] else {"real": True}


def closed_forms(expr, activation):
    """Replace every unevaluated expectation I_n(C…) in ``expr`` by its closed form."""
    _check_activation(activation)

    def evaluate(call):
        name = next(n for n, f in EXPECTATION.items() if call.func == f)
        form = ge.expectations(activation)[name]
        values = dict(zip(TEMPLATE_ARGUMENTS[name], call.args))
        return form.xreplace({c: values[c.name] for c in form.free_symbols})

    return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func in EXPECTATION.values(), evaluate)


def _average_monomial(term, cov, activation):
    gs, gps, linear, chi_power = [], [], [], 0
    number, rest = term.as_coeff_Mul()
    coeff = number * sp.Mul(*[f for f in sp.Mul.make_args(rest) if f.is_number])
    rest = sp.Mul(*[f for f in sp.Mul.make_args(rest) if not f.is_number])
    for base, power in rest.as_powers_dict().items():
        if not (power.is_Integer and power > 0):
            raise ValueError(f"cannot average {term}: power {power} of {base}")
        if isinstance(base, AppliedUndef) and base.func == g:
            gs += [base.args[0]] * int(power)
        elif isinstance(base, AppliedUndef) and base.func == gprime:
            gps += [base.args[0]] * int(power)
        elif base == chi:
            chi_power += int(power)
        elif base.is_Symbol and base.name.startswith("rho"):
            linear += [base] * int(power)
        else:
            coeff *= base ** power
    if chi_power % 2:
        return sp.Integer(0)
    coeff *= sp.factorial2(chi_power - 1) if chi_power else 1       # E[χ^{2k}] = (2k−1)!!
    shape = (len(gps), len(linear), len(gs))
    names = {(0, 0, 0): None, (0, 0, 2): "I2", (2, 0, 0): "J2", (1, 1, 1): "I3", (2, 0, 2): "I4"}
    if shape not in names:
        raise ValueError(f"no Gaussian template for the monomial {term}")
    if names[shape] is None:
        return coeff
    fields = gps + linear + gs
    template = _template(names[shape], activation)
    entries = {c: cov(fields[int(c.name[1]) - 1], fields[int(c.name[2]) - 1])
               for c in template.free_symbols}      # only the entries it depends on (I3: no C22)
    return coeff * template.xreplace(entries)


def gaussian_average(expr, cov, activation):
    """E[expr] over the Gaussian fields, term by term (see step 3 of the module docstring).

    ``activation`` None leaves the expectations unevaluated, I_3(C11, C12, C13, C23, C33) etc.
    """
    expanded = sp.expand(expr)
    terms = expanded.args if expanded.is_Add else (expanded,)
    return sp.Add(*(_average_monomial(term, cov, activation) for term in terms))


@dataclass(frozen=True)
class CommitteeODE:
    """The generated block equations and their coefficient matrices (see module docstring)."""

    K: int
    M: int
    activation: str
    normalized_outputs: bool
    dq: sp.Matrix          # dq_m/dα for one block, in q, r, t, λ, f, η, s and Q, R, T
    dr: sp.Matrix          # dr_m/dα
    A: sp.Matrix           # K×K, functions of Q, R, T
    B: sp.Matrix           # K×M
    E: sp.Matrix           # K×K, E[δ_i δ_k] (contains the noise variance)
    error: sp.Expr         # ε_g in Q, R, T (clean labels)

    @property
    def overlaps(self):
        return overlap_matrices(self.K, self.M)

    @property
    def blocks(self):
        return block_matrices(self.K, self.M)


def averaged_increments(K, M, normalized_outputs=False, activation=None):
    """(dq/dα, dr/dα) of one block: N·E[Δq], N·E[Δr] with s → fλ; expectations unevaluated
    (activation None, the Saad–Solla form in I_2, J_2, I_3, I_4) or in closed form."""
    _check_sizes(K, M)
    dq, dr, rhoJ, rhoB = step_increments(K, M, normalized_outputs)
    cov = _covariance(K, M)
    fields = {s_block: frac * lam}          # s concentrates on its mean f λ (N → ∞)
    avg = lambda e: gaussian_average(e.xreplace(fields), cov, activation)  # noqa: E731
    return dq.applyfunc(avg), dr.applyfunc(avg)


def _expected_increments(K, M, activation, normalized_outputs):
    dq, dr = averaged_increments(K, M, normalized_outputs, activation)
    return dq.applyfunc(tidy), dr.applyfunc(tidy)


@lru_cache(maxsize=None)
def generalization_error(K, M, activation="erf", normalized_outputs=False):
    """ε_g = ½ E[(ζ − σ)²] in the first-order overlaps Q, R, T (clean labels)."""
    _check_sizes(K, M)
    _check_activation(activation)
    sigma, zeta = outputs(K, M, normalized_outputs)
    return tidy(gaussian_average((zeta - sigma) ** 2 / 2, _covariance(K, M), activation))


def tidy(expr):
    """Expand the bases of all powers (e.g. √(−Q² + (Q + 1)²) → √(2Q + 1)) and the sum."""
    return sp.expand(expr.replace(lambda e: e.is_Pow and not e.exp.is_Integer,
                                  lambda e: sp.Pow(sp.expand(e.base), e.exp)))


def _coefficients(dq, dr, K, M):
    q, r, t = block_matrices(K, M)
    A = sp.Matrix(K, K, lambda i, j: tidy(sp.diff(dr[i, 0], r[j, 0]) / (eta * lam)))
    B = sp.Matrix(K, M, lambda i, p: tidy(sp.diff(dr[i, 0], t[p, 0]) / (eta * lam)))
    E = sp.Matrix(K, K, lambda i, k: tidy(sp.diff(dq[i, k], eta, 2) / (2 * lam * frac)))
    return A, B, E


@lru_cache(maxsize=None)
def committee_odes(K, M, activation="erf", normalized_outputs=False):
    """Generate the block ODEs of online SGD for K student and M teacher units.

    >>> ode = committee_odes(2, 2, "linear", normalized_outputs=True)
    >>> ode.A
    Matrix([
    [-1/2, -1/2],
    [-1/2, -1/2]])
    """
    _check_sizes(K, M)
    _check_activation(activation)
    dq, dr = _expected_increments(K, M, activation, normalized_outputs)
    A, B, E = _coefficients(dq, dr, K, M)
    return CommitteeODE(K, M, activation, bool(normalized_outputs), dq, dr, A, B, E,
                        generalization_error(K, M, activation, normalized_outputs))


def linear_structure_residuals(ode):
    """dr − ηλ(A r + B t) and dq − [ηλ(A q + q Aᵀ + B rᵀ + r Bᵀ) + η²λ f E], expanded.

    Both are zero matrices exactly when the generated equations have the block-linear form.
    """
    q, r, t = ode.blocks
    A, B, E = ode.A, ode.B, ode.E
    res_r = ode.dr - eta * lam * (A * r + B * t)
    res_q = ode.dq - (eta * lam * (A * q + q * A.T + B * r.T + r * B.T) + eta**2 * lam * frac * E)
    return res_r.applyfunc(tidy), res_q.applyfunc(tidy)
