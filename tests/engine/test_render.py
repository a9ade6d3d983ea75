"""Rendering: terminal text, Markdown, Jupyter LaTeX, a standalone LaTeX document, the house printer."""
import os
import re
import shutil
import subprocess

import pytest
import sympy as sp

import derivations
from derive.latex import latex, lint_latex, math_segments, prose_to_latex
from derive.operations import solve_for
from derivations.engine import CheckResult, Derivation, Source

NAMES = derivations.names()       # every catalogue entry must render and compile


@pytest.fixture(scope="module", params=NAMES)
def entry(request):
    return derivations.get(request.param)


@pytest.fixture
def toy():
    x, a = sp.symbols("x a", positive=True)
    d = Derivation("toy", "Square root", Source("1234.5678", "Doe", "2020", section="Sec. 1"),
                   summary="A toy.", assumptions=(x, a))
    d.define("eq", "An equation", "x squared is a.", sp.Eq(x**2, a))
    d.derive("root", "Its positive root", "Solve for x.", solve_for("eq", x), display=sp.Eq(x, sp.sqrt(a)))
    d.identity("double", "Double angle", "Trigonometry.", sp.Eq(sp.sin(2 * x), 2 * sp.sin(x) * sp.cos(x)))
    d.quote("book", "Quoted", "From a book.", (sp.Eq(x, sp.sqrt(a)), sp.Eq(x**4, a**2)),
            checked_by=("num",), reference="Doe 2020, eq. 7")
    d.check("num", "numeric", "numbers agree")(lambda quick: CheckResult("num", "numeric", True, 1, 1))
    return d


# ------------------------------------------------------------------ text, markdown, jupyter

def test_to_text_has_every_label_and_justification(entry):
    text = entry.to_text()
    for step in entry.steps:
        assert f"[{step.label}] {step.title}" in text
        assert "-- " + step.justification_text() in text
    for check in entry.numeric_checks:
        assert check.name in text


def test_toy_to_text(toy):
    text = toy.to_text()
    assert text.startswith("toy: Square root\nSource: Doe 2020, arXiv:1234.5678 (Sec. 1)")
    assert "Symbols: x (positive), a (positive)" in text
    assert "-- derived: solve (eq) for x" in text
    assert "-- identity, proved by SymPy" in text
    assert "-- quoted result [Doe 2020, eq. 7]; checked numerically by: num" in text
    assert "- num (numeric): numbers agree" in text


def test_to_markdown_one_display_per_equation(entry):
    md = entry.to_markdown()
    n_eq = sum(len(s.equations) for s in entry.steps)
    assert md.count("$$") == 2 * n_eq
    for i, step in enumerate(entry.steps, 1):
        assert f"## {i}. {step.title} (`{step.label}`)" in md


def test_toy_markdown_blocks(toy):
    md = toy.to_markdown()
    assert "$$\nx^{2} = a\n$$" in md
    assert "$$\nx = \\sqrt{a}\n$$" in md


def test_repr_latex(entry):
    out = entry._repr_latex_()
    assert out.startswith("$$\\begin{aligned}") and out.endswith("\\end{aligned}$$")
    n_eq = sum(len(s.equations) for s in entry.steps)
    assert out.count("&=") == n_eq
    assert lint_latex(out) == []


# ------------------------------------------------------------------ LaTeX document

def test_latex_document_labels_and_lint(entry):
    doc = entry.to_latex()
    assert doc.startswith("\\documentclass")
    assert doc.rstrip().endswith("\\end{document}")
    labels = re.findall(r"\\label\{eq:([^:}]+):([^}]+)\}", doc)
    assert labels == [(entry.name, s.label) for s in entry.steps]
    assert lint_latex(doc) == []
    doc.encode("ascii")  # the CLI writes it as ASCII


def test_multi_equation_step_is_an_align_block(toy):
    doc = toy.to_latex()
    block = re.search(r"\\begin\{align\}\\label\{eq:toy:book\}\n(.*?)\n\\end\{align\}", doc, re.S)
    assert block is not None
    assert block.group(1) == "x &= \\sqrt{a} \\\\\nx^{4} &= a^{2}"
    assert "\\begin{equation}\\label{eq:toy:eq}\nx^{2} = a\n\\end{equation}" in doc


def _need_pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is not on PATH but CI is set: LaTeX output must be compiled in CI")
        pytest.skip("pdflatex not on PATH")
    return exe


@pytest.mark.latex
@pytest.mark.parametrize("name", NAMES)
def test_latex_document_compiles(name, tmp_path):
    exe = _need_pdflatex()
    tex = tmp_path / "doc.tex"
    tex.write_text(derivations.get(name).to_latex(), encoding="ascii")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
    assert "multiply defined" not in log
    assert "Missing character" not in log


@pytest.mark.latex
def test_toy_document_compiles(toy, tmp_path):
    exe = _need_pdflatex()
    (tmp_path / "toy.tex").write_text(toy.to_latex(), encoding="ascii")
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "toy.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]


# ------------------------------------------------------------------ the house printer

kappa = sp.Symbol("kappa", positive=True)


@pytest.mark.parametrize("expr, golden", [
    (sp.Function("df1")(kappa), r"\mathrm{df}^{1}_{\Sigma}\left(\kappa\right)"),
    (sp.Function("df1")(kappa) ** 2, r"\mathrm{df}^{1}_{\Sigma}\left(\kappa\right)^{2}"),
    (sp.Function("S_W")(sp.Symbol("t")), r"S_{W}\left(t\right)"),
    (sp.pi, r"\pi"),
    (sp.Symbol("lambda_plus"), r"\lambda_{+}"),
    (sp.Symbol("E_tr"), r"E_{\mathrm{tr}}"),
    (sp.Symbol("lambda") / 2, r"\frac{\lambda}{2}"),
    (sp.Symbol("x"), "x"),
])
def test_house_latex_golden(expr, golden):
    assert latex(expr) == golden


def test_house_latex_matches_sympy_outside_its_table():
    e = sp.sqrt(sp.Symbol("x")) / (1 + sp.Symbol("y") ** 2)
    assert latex(e) == sp.latex(e)


# ------------------------------------------------------------------ lint

def test_lint_finds_bare_greek():
    assert lint_latex(r"\operatorname{B}\left(alpha, 2\right)") == ['bare Greek name "alpha"']


def test_lint_accepts_commands_and_longer_words():
    assert lint_latex(r"\alpha + \kappa_{1} + \theta + \zeta + \mathrm{betax}") == []
    assert lint_latex(r"\frac{\lambda}{2} + etalon") == []


def test_lint_finds_non_ascii():
    problems = lint_latex("x = 1 \u2264 y")
    assert problems == ["non-ASCII characters \u2264"]


def test_lint_looks_only_at_math_when_document_has_markers():
    text = "The alpha of the text.\n$\\alpha + beta$\n\\begin{equation}\\label{eq:a:gamma}\nx\n\\end{equation}"
    assert lint_latex(text) == ['bare Greek name "beta"']
    assert math_segments(text) == ["$\\alpha + beta$", "\\begin{equation}\nx\n\\end{equation}"]


# ------------------------------------------------------------------ prose

def test_prose_unknown_character_raises():
    with pytest.raises(ValueError, match="no LaTeX for character"):
        prose_to_latex("a snowman \u2603")


@pytest.mark.parametrize("prose, golden", [
    ("w\u0304", r"$\bar{w}$"),
    ("\u03a3\u0302", r"$\hat{\Sigma}$"),
    ("A\u207b\u00b9", r"$A^{-1}$"),
    ("\u03ba \u2265 \u03bb holds for 50% of draws", r"$\kappa$ $\ge$ $\lambda$ holds for 50\% of draws"),
    ("x_1 & y", r"$x_{1}$ \& y"),            # _ followed by a character is a subscript
    ("a _ b", r"a \_ b"),                    # a free-standing underscore stays text
    ("\u03a3^{1/2} and df\u00b9_\u03a3", r"$\Sigma^{1/2}$ and $\mathrm{df}^{1}_{\Sigma}$"),
    ("a\u2013b", "a--b"),
    ("\u03b7\u2096", r"$\eta_{k}$"),
])
def test_prose_golden(prose, golden):
    out = prose_to_latex(prose)
    assert out == golden
    assert lint_latex(out) == []
