"""The symbolic layer: equations helpers, replayable operations, spectral sums, the time budget."""
import signal
import threading
import time

import pytest
import sympy as sp

from derive.equations import both_sides, equation_parts, residual, substitute_equations
from derive.operations import (Operation, differentiate, implicit_derivative, limit_of, readable,
                               solve_for, substitute, transform)
from derive.spectral import D, ETA, K, merge_sums, recognize_sums, spectral_sum
from derivations.engine.budget import SymbolicTimeout, time_budget

x, y = sp.symbols("x y", real=True)
a = sp.Symbol("a", positive=True)
kappa, lam, P, gamma = sp.symbols("kappa lambda P gamma", positive=True)
df_sym = sp.Symbol("df")
DF = spectral_sum(ETA[K] / (ETA[K] + kappa))
DF2 = spectral_sum(ETA[K] ** 2 / (ETA[K] + kappa) ** 2)


# ------------------------------------------------------------------ equations

def test_both_sides_does_not_evaluate():
    out = both_sides(sp.Eq(x, y), lambda s: s - y)
    assert isinstance(out, sp.Equality)
    assert out.lhs == x - y and out.rhs == 0


def test_both_sides_keeps_an_equation_that_would_evaluate_to_true():
    out = both_sides(sp.Eq(x, y), lambda s: 0 * s)
    assert isinstance(out, sp.Equality) and out.args == (0, 0)


def test_residual():
    assert residual(sp.Eq(x**2, a)) == x**2 - a
    assert residual(x + 1) == x + 1


def test_equation_parts():
    e1, e2 = sp.Eq(x, 1), sp.Eq(y, 2)
    assert equation_parts(e1) == (e1,)
    assert equation_parts((e1, e2)) == (e1, e2)
    assert equation_parts([e1, e2]) == (e1, e2)


def test_substitute_equations_is_simultaneous():
    """Swapping x and y once: Eq(y, x + y) becomes Eq(x, y + x)."""
    out = substitute_equations(sp.Eq(y, x + y), [sp.Eq(x, y), sp.Eq(y, x)])
    assert out.lhs == x and out.rhs == x + y


def test_substitute_equations_applies_a_replacement_once():
    """x -> 2x in y = x**2 gives y = 4x**2 (replacing twice would give 16x**2)."""
    out = substitute_equations(sp.Eq(y, x**2), [sp.Eq(x, 2 * x, evaluate=False)])
    assert out.rhs == 4 * x**2


# ------------------------------------------------------------------ operations

def test_substitute_into_target():
    op = substitute("t", "u")
    out = op.apply({"t": sp.Eq(y, x**2 + 1), "u": sp.Eq(x, a + 1)})
    assert out == sp.Eq(y, (a + 1) ** 2 + 1)
    assert op.sources == ("t", "u") and op.describe() == "substitute (u) into (t)"


def test_substitute_reaches_inside_a_sum():
    """``subs`` leaves eta[k] inside Sum(..., (k, 1, D)) alone; the xreplace step replaces it."""
    assert DF.subs(ETA[K], K**2) == DF  # the reason xreplace is needed
    out = substitute("t", "u").apply({"t": sp.Eq(df_sym, DF), "u": sp.Eq(ETA[K], K**2)})
    assert out.rhs == spectral_sum(K**2 / (K**2 + kappa))


def test_substitute_free_symbol_inside_a_sum():
    out = substitute("t", "u").apply({"t": sp.Eq(df_sym, DF), "u": sp.Eq(kappa, 2 * lam)})
    assert out.rhs == spectral_sum(ETA[K] / (ETA[K] + 2 * lam))


def test_substitute_extra_and_then():
    op = substitute("t", extra={a: 4}, then=sp.expand, then_text="expand")
    out = op.apply({"t": sp.Eq(y, (x + sp.sqrt(a)) ** 2)})
    assert out == sp.Eq(y, x**2 + 4 * x + 4)
    assert op.describe() == "substitute into (t) with a = 4, then expand"


def test_substitute_extra_rescaling_is_applied_once():
    out = substitute("t", extra={x: 2 * x}).apply({"t": sp.Eq(y, x)})
    assert out == sp.Eq(y, 2 * x)


def test_substitute_missing_source_raises():
    with pytest.raises(KeyError, match="needs earlier steps"):
        substitute("t", "u").apply({"t": sp.Eq(y, x)})


def test_solve_for_single_root():
    z = sp.Symbol("z")
    out = solve_for("lin", z).apply({"lin": sp.Eq(3 * z + 1, a)})
    assert out == sp.Eq(z, (a - 1) / 3)


def test_solve_for_two_roots_needs_choose():
    with pytest.raises(ValueError, match="expected one root"):
        solve_for("q", x).apply({"q": sp.Eq(x**2, a)})


def test_solve_for_with_choose():
    op = solve_for("q", x, choose=lambda roots: min(roots, key=lambda r: r.subs(a, 1)),
                   choose_text="the negative root")
    assert op.apply({"q": sp.Eq(x**2, a)}) == sp.Eq(x, -sp.sqrt(a))
    assert op.describe() == "solve (q) for x, the negative root"


def test_solve_for_describes_greek_as_letters():
    assert solve_for("s", lam).describe() == "solve (s) for \u03bb"
    assert readable(1 / kappa) == "1/\u03ba"


def test_differentiate_passes_into_sums():
    out = differentiate("df", kappa).apply({"df": sp.Eq(df_sym, DF)})
    assert out.lhs == 0
    assert sp.simplify(out.rhs.doit() - spectral_sum(-ETA[K] / (ETA[K] + kappa) ** 2).doit()) == 0
    assert isinstance(differentiate("e", x).apply({"e": sp.Eq(y, x**3)}), sp.Equality)
    assert differentiate("e", x).apply({"e": sp.Eq(y, x**3)}).rhs == 3 * x**2


def test_implicit_derivative_of_circle():
    op = implicit_derivative("circle", y, x)
    out = op.apply({"circle": sp.Eq(x**2 + y**2 - 1, 0)})
    yx = sp.Function("y")(x)
    assert out.lhs == sp.Derivative(yx, x)
    assert sp.simplify(out.rhs - (-x / y)) == 0


def test_implicit_derivative_agrees_with_explicit_branch():
    """On the upper branch y = sqrt(1 - x^2): dy/dx = -x/y."""
    out = implicit_derivative("circle", y, x).apply({"circle": sp.Eq(x**2 + y**2, 1)})
    upper = sp.sqrt(1 - x**2)
    assert sp.simplify(out.rhs.subs(y, upper) - sp.diff(upper, x)) == 0


def test_limit_of():
    out = limit_of("s", x, 0).apply({"s": sp.Eq(y, sp.sin(x) / x)})
    assert out == sp.Eq(y, 1)
    out = limit_of("s", x, sp.oo, then=sp.simplify).apply({"s": sp.Eq(y, (2 * x + 1) / (x + 3))})
    assert out.rhs == 2


def test_limit_of_respects_direction():
    left = limit_of("s", x, 0, "-").apply({"s": sp.Eq(y, 1 / x)})
    right = limit_of("s", x, 0, "+").apply({"s": sp.Eq(y, 1 / x)})
    assert left.rhs == -sp.oo and right.rhs == sp.oo


def test_transform_on_several_sources():
    op = transform(["p", "q"], lambda p, q: sp.Eq(p.lhs + q.lhs, p.rhs + q.rhs), "add (p) and (q)")
    assert isinstance(op, Operation) and op.sources == ("p", "q") and op.name == "transform"
    assert op.apply({"p": sp.Eq(x, 1), "q": sp.Eq(y, 2)}) == sp.Eq(x + y, 3)
    assert transform("p", lambda p: p, "nothing").sources == ("p",)


# ------------------------------------------------------------------ spectral sums

def test_spectral_sum_limits():
    assert DF.limits == ((K, 1, D),)


def test_merge_sums_combines_linear_combination():
    merged = merge_sums(DF + kappa * sp.diff(DF, kappa))
    assert merged == DF2


def test_merge_sums_keeps_non_sum_terms():
    merged = merge_sums(3 + 2 * DF - DF2)
    sums = [t for t in sp.Add.make_args(merged) if isinstance(t, sp.Sum)]
    assert len(sums) == 1 and merged - sums[0] == 3
    expected = 2 * ETA[K] / (ETA[K] + kappa) - ETA[K] ** 2 / (ETA[K] + kappa) ** 2
    assert sp.simplify(sums[0].function - expected) == 0


def test_merge_sums_keeps_sums_with_different_limits_apart():
    other = spectral_sum(ETA[K] / (ETA[K] + kappa), upper=P)
    merged = merge_sums(DF + other)
    assert len([t for t in sp.Add.make_args(merged) if isinstance(t, sp.Sum)]) == 2


def test_merge_sums_result_equals_input_at_concrete_size():
    expr = 2 * DF - kappa * DF2 + 1
    merged = merge_sums(expr)
    at = {D: 3, kappa: sp.Rational(1, 3)}
    values = {ETA[1]: 2, ETA[2]: sp.Rational(1, 2), ETA[3]: 5}
    assert sp.simplify(expr.subs(at).doit().subs(values) - merged.subs(at).doit().subs(values)) == 0


def test_recognize_sums_after_merging():
    assert recognize_sums(P - DF2, {DF2: P * gamma}) == P - P * gamma


def test_recognize_sums_with_k_independent_multiple():
    out = recognize_sums(3 * kappa * DF2, {DF2: P * gamma})
    assert sp.simplify(out - 3 * kappa * P * gamma) == 0


def test_recognize_sums_leaves_unknown_sums():
    other = spectral_sum(ETA[K] ** 3 / (ETA[K] + kappa) ** 2)
    out = recognize_sums(other, {DF2: P * gamma})
    assert out.has(sp.Sum) and not out.has(gamma)


# ------------------------------------------------------------------ time budget

def _busy(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def test_time_budget_interrupts_a_busy_loop():
    before = signal.getsignal(signal.SIGALRM)
    t0 = time.perf_counter()
    with pytest.raises(SymbolicTimeout, match="budget of 0.2 s"):
        with time_budget(0.2):
            _busy(2.0)
    elapsed = time.perf_counter() - t0
    assert 0.15 < elapsed < 1.5
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_budget_lets_short_work_finish():
    with time_budget(5):
        assert _busy(0.01) > 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_budget_is_not_enforced_off_the_main_thread():
    outcome = []

    def work():
        try:
            with time_budget(0.05):
                _busy(0.3)
            outcome.append("finished")
        except SymbolicTimeout:
            outcome.append("timeout")

    t = threading.Thread(target=work)
    t.start()
    t.join(5)
    assert outcome == ["finished"]
