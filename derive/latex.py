"""The house LaTeX printer, prose-to-LaTeX conversion and a lint for printed LaTeX.

Notation of the papers is kept in one table, :data:`FUNCTION_NOTATION`, keyed by the
name of a SymPy function (e.g. ``Function("df1")`` prints as
:math:`\\mathrm{df}^{1}_{\\Sigma}`). Everything else goes through SymPy's own
``LatexPrinter``.

>>> import sympy as sp
>>> kappa, lam = sp.symbols("kappa lambda", positive=True)
>>> latex(sp.Function("df1")(kappa))
'\\\\mathrm{df}^{1}_{\\\\Sigma}\\\\left(\\\\kappa\\\\right)'
>>> lint_latex(r"\\operatorname{B}\\left(alpha, 2\\right)")
['bare Greek name "alpha"']
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

#: LaTeX for named SymPy functions (name -> LaTeX head printed before the arguments).
FUNCTION_NOTATION = {
    "df1": r"\mathrm{df}^{1}_{\Sigma}",
    "df2": r"\mathrm{df}^{2}_{\Sigma}",
    "df1hat": r"\mathrm{df}^{1}_{\hat\Sigma}",
    "tf1": r"\mathrm{tf}_{1}",
    "tf1p": r"\mathrm{tf}_{1}'",
    "tf2": r"\mathrm{tf}_{2}",
    "S_W": r"S_{W}",
    "S_Sigma": r"S_{\Sigma}",
    "S_hatSigma": r"S_{\hat\Sigma}",
    "S_A": r"S_{A}",
    "R_W": r"\mathcal{R}_{W}",
    "R_1": r"\mathcal{R}_{1}",
    "psi_A": r"\psi_{A}",
    "psiinv_A": r"\psi_{A}^{-1}",
    "g_W": r"g_{W}",
    "rho_MP": r"\rho_{\mathrm{MP}}",
    "kappa": r"\kappa",
    "m": r"m",
}

#: LaTeX for symbols whose names SymPy would print differently.
SYMBOL_NOTATION = {
    "lambda_plus": r"\lambda_{+}",
    "lambda_minus": r"\lambda_{-}",
    "E_g": r"E_{g}",
    "E_tr": r"E_{\mathrm{tr}}",
    "Bias2": r"\mathrm{Bias}^{2}",
    "Var_X": r"\mathrm{Var}_{X}",
    "Var_Xeps": r"\mathrm{Var}_{X\epsilon}",
    "sigma_eps": r"\sigma_{\epsilon}",
    "hat_E_g": r"\hat{E}_{g}",
    "a_mass": r"m_{0}",
}

_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
          "omicron pi rho sigma tau upsilon phi chi psi omega").split()


class HouseLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the notation of the scaling-law papers."""

    printmethod = "_house_latex"

    def _print_Function(self, expr, exp=None):
        head = FUNCTION_NOTATION.get(type(expr).__name__)
        if head is None:
            return super()._print_Function(expr, exp)
        args = ", ".join(self._print(a) for a in expr.args)
        out = rf"{head}\left({args}\right)"
        return rf"{out}^{{{exp}}}" if exp else out

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in SYMBOL_NOTATION:
            return SYMBOL_NOTATION[expr.name]
        return super()._print_Symbol(expr, style)


def latex(expr, **settings) -> str:
    """LaTeX of a SymPy object in house notation (settings as for ``sympy.latex``)."""
    return HouseLatexPrinter(settings).doprint(expr)


def lint_latex(text: str) -> list[str]:
    """Problems pdflatex would let through: bare Greek names and raw non-ASCII characters."""
    problems = []
    for name in _GREEK:
        if re.search(rf"(?<![\\A-Za-z]){name}(?![A-Za-z])", text):
            problems.append(f'bare Greek name "{name}"')
    odd = sorted({c for c in text if ord(c) > 127})
    if odd:
        problems.append("non-ASCII characters " + "".join(odd))
    return problems


_UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon",
    "η": r"\eta", "θ": r"\theta", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu",
    "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau",
    "φ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Σ": r"\Sigma",
    "Γ": r"\Gamma", "Λ": r"\Lambda", "Ψ": r"\Psi", "Ω": r"\Omega",
    "≃": r"\simeq", "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "±": r"\pm",
    "→": r"\to", "∞": r"\infty", "·": r"\cdot", "×": r"\times", "−": "-", "√": r"\surd",
    "∈": r"\in", "∂": r"\partial", "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}",
    "₀": "_{0}", "₁": "_{1}", "₂": "_{2}", "ᵀ": "^{T}", "∑": r"\sum", "∫": r"\int",
    "ŵ": r"\hat w", "Σ̂": r"\hat\Sigma", "ψ": r"\psi", "⟨": r"\langle", "⟩": r"\rangle",
}
_TEXT_SPECIAL = {"%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "$": r"\$",
                 "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}", "\\": r"\textbackslash{}"}
_TEXT_UNICODE = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}",
                 "é": r"\'e", "ö": r"\"o", "ü": r"\"u"}


def prose_to_latex(text: str) -> str:
    """Turn a sentence of plain Unicode prose into LaTeX text mode.

    Greek letters and math signs become inline math, LaTeX specials are escaped.

    >>> prose_to_latex("κ ≥ λ holds for 50% of draws")
    '$\\\\kappa$ $\\\\ge$ $\\\\lambda$ holds for 50\\\\% of draws'
    """
    out = []
    i = 0
    while i < len(text):
        two = text[i:i + 2]
        if two in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[two]}$")
            i += 2
            continue
        ch = text[i]
        if ch in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[ch]}$")
        elif ch in _TEXT_SPECIAL:
            out.append(_TEXT_SPECIAL[ch])
        elif ch in _TEXT_UNICODE:
            out.append(_TEXT_UNICODE[ch])
        elif ord(ch) > 127:
            raise ValueError(f"prose_to_latex: no LaTeX for character {ch!r} in {text!r}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
