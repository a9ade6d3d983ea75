"""Rendering a derivation: terminal text, a standalone LaTeX document, Markdown, Jupyter."""
from __future__ import annotations

import textwrap

import sympy as sp

from derive.latex import latex, prose_to_latex


def _eq_latex(eq: sp.Eq) -> str:
    return f"{latex(eq.lhs)} = {latex(eq.rhs)}"


def _eq_latex_aligned(eq: sp.Eq) -> str:
    return f"{latex(eq.lhs)} &= {latex(eq.rhs)}"


def _tag(d, step) -> str:
    return f"eq:{d.name}:{step.label}"


def to_text(d) -> str:
    """Plain text for the terminal (SymPy's Unicode pretty printer for the equations)."""
    lines = [f"{d.name}: {d.title}", f"Source: {d.source.cite()}"]
    if d.summary:
        lines += textwrap.wrap(d.summary, 88)
    if d.assumptions:
        lines.append("Symbols: " + ", ".join(_assumption_text(s) for s in d.assumptions))
    for i, step in enumerate(d.steps, 1):
        lines += ["", f"({i}) [{step.label}] {step.title}"]
        lines += ["    " + w for w in textwrap.wrap(step.prose, 84)]
        for eq in step.equations:
            pretty = sp.pretty(eq, use_unicode=True, wrap_line=False)
            lines += ["        " + row for row in pretty.splitlines()]
        lines.append("    -- " + step.justification_text())
    if d.numeric_checks:
        lines += ["", "Numeric checks:"]
        lines += [f"  - {c.name} ({c.kind}): {c.description}" for c in d.numeric_checks]
    return "\n".join(lines)


def _assumption_text(symbol) -> str:
    a = symbol.assumptions0
    facts = [next((k for k in ("positive", "nonnegative", "real") if a.get(k)), None)]
    facts = [f for f in facts + (["integer"] if a.get("integer") else []) if f]
    return f"{symbol} ({', '.join(facts)})" if facts else str(symbol)


def _statement_block(d, step) -> str:
    eqs = step.equations
    if len(eqs) == 1:
        return ("\\begin{equation}\\label{%s}\n%s\n\\end{equation}" % (_tag(d, step), _eq_latex(eqs[0])))
    rows = " \\\\\n".join(_eq_latex_aligned(e) for e in eqs)
    return "\\begin{align}\\label{%s}\n%s\n\\end{align}" % (_tag(d, step), rows)


def to_latex_document(d) -> str:
    """A standalone amsmath document: one labelled equation or align block per step."""
    body = [r"\documentclass[11pt]{article}", r"\usepackage{amsmath,amssymb}",
            r"\usepackage[margin=2.2cm]{geometry}", r"\allowdisplaybreaks",
            f"\\title{{{prose_to_latex(d.title)}}}", r"\date{}", r"\author{}",
            r"\begin{document}", r"\maketitle",
            f"\\noindent\\textbf{{Source.}} {prose_to_latex(d.source.cite())}\\par"]
    if d.summary:
        body.append(f"\\medskip\\noindent {prose_to_latex(d.summary)}\\par")
    for i, step in enumerate(d.steps, 1):
        body += [f"\\subsection*{{{i}. {prose_to_latex(step.title)}}}",
                 prose_to_latex(step.prose), _statement_block(d, step),
                 f"\\noindent\\emph{{Justification:}} {prose_to_latex(step.justification_text())}\\par"]
    if d.numeric_checks:
        items = "\n".join(f"\\item \\texttt{{{prose_to_latex(c.name)}}} ({c.kind}): "
                          f"{prose_to_latex(c.description)}" for c in d.numeric_checks)
        body += [r"\subsection*{Numeric checks}", "\\begin{itemize}\n" + items + "\n\\end{itemize}"]
    body.append(r"\end{document}")
    return "\n\n".join(body) + "\n"


def to_markdown(d) -> str:
    """Markdown with ``$$`` display math, one section per step."""
    out = [f"# {d.title}", f"*Source:* {d.source.cite()}"]
    if d.summary:
        out.append(d.summary)
    for i, step in enumerate(d.steps, 1):
        out += [f"## {i}. {step.title} (`{step.label}`)", step.prose]
        out += [f"$$\n{_eq_latex(eq)}\n$$" for eq in step.equations]
        out.append(f"*Justification:* {step.justification_text()}")
    return "\n\n".join(out) + "\n"


def to_jupyter_latex(d) -> str:
    """All statements in one aligned block, for ``_repr_latex_``."""
    rows = " \\\\\n".join(_eq_latex_aligned(eq) for s in d.steps for eq in s.equations)
    return f"$$\\begin{{aligned}}\n{rows}\n\\end{{aligned}}$$"
