"""The house LaTeX printer, prose-to-LaTeX conversion and a lint for printed LaTeX.

Notation of the papers is kept in two tables, :data:`FUNCTION_NOTATION`, keyed by the
name of a SymPy function (e.g. ``Function("df1")`` prints as
:math:`\\mathrm{df}^{1}_{\\Sigma}`), and :data:`SYMBOL_NOTATION`.  Other names of symbols and
undefined functions follow SymPy's conventions (``x_1``, ``sigma^2``, Greek names, the suffixes
``hat``/``tilde``/``bar``: ``Rhat`` is :math:`\\hat{R}`) and these house rules (:func:`name_latex`):

* accent prefixes ``hat_``, ``tilde_``, ``bar_``, nestable, on the head of the name:
  ``hat_R`` is :math:`\\hat{R}`, ``hat_tilde_rho`` :math:`\\hat{\\tilde{\\rho}}`,
  ``hat_E_g`` :math:`\\hat{E}_{g}`;
* primes stay on the head, ``kappa'`` is :math:`\\kappa'`;
* ``_0`` after an accented or primed head is the value at 0 (``hat_`` marks a Laplace transform,
  ``'`` a derivative, both functions of z): ``hat_S_0`` is :math:`\\hat{S}(0)`, ``kappa'_0``
  :math:`\\kappa'(0)` (``mu_0`` stays :math:`\\mu_{0}`);
* ``infinity`` in a script is :math:`\\infty`; a capitalised head of two or more letters that is
  not a Greek name is an operator name, upright (``Var_L``: :math:`\\mathrm{Var}_{L}`; function
  heads keep SymPy's ``\\operatorname``); a single subscript that is a word of two or more letters
  is upright on such a head or on a symbol (one letter, Greek, accented): ``E_noise`` is
  :math:`E_{\\mathrm{noise}}`, ``varepsilon_GF`` :math:`\\varepsilon_{\\mathrm{GF}}`.  Other
  names print as in SymPy (``wmean``, ``c_F_beyond``: :math:`c_{F beyond}`).

>>> import sympy as sp
>>> kappa, lam = sp.symbols("kappa lambda", positive=True)
>>> latex(sp.Function("df1")(kappa))
'\\\\mathrm{df}^{1}_{\\\\Sigma}\\\\left(\\\\kappa\\\\right)'
>>> latex(sp.Function("hat_tilde_rho")(sp.Symbol("z")))
'\\\\hat{\\\\tilde{\\\\rho}}{\\\\left(z \\\\right)}'
>>> [latex(sp.Symbol(n)) for n in ("hat_S'_0", "varepsilon_infinity", "Var_L")]
["\\\\hat{S}'(0)", '\\\\varepsilon_{\\\\infty}', '\\\\mathrm{Var}_{L}']
>>> lint_latex(r"\\operatorname{B}\\left(alpha, 2\\right)")
['bare Greek name "alpha"']
"""
from __future__ import annotations

import re
import unicodedata

from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate

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
    "kappa_2": r"\kappa_{2}",
    "S_hatF": r"S_{\hat\Sigma_{F}}",
    "S_F": r"S_{A}",
    "S_M": r"S_{M}",
    "S_cA": r"S_{cA}",
    "dfhatF": r"\mathrm{df}_{\hat\Sigma_{F}}",
    "dfF": r"\mathrm{df}_{A}",
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
    "hatSigma": r"\hat{\Sigma}",
    "kappa_mu": r"\kappa_{\mu}",
    "dkappa_mu0": r"\kappa_{\mu}'(0)",
    "E_g0": r"E_{g}^{(\sigma=0)}",
    "partial": r"\partial",
    "E_gF": r"E_{g}^{F}",
    "E_ginf": r"E_{g}^{\infty}",
    "E_gK": r"E_{g}^{(K)}",
    "K_ens": r"K",
    "B1mean": r"\mathbb{E}_{F} B_{1}",
    "T_F": r"\mathrm{tf}_{1,F}'",
    "Var_F": r"\mathrm{Var}_{F}",
    "Var_XF": r"\mathrm{Var}_{XF}",
    "Var_XFeps": r"\mathrm{Var}_{XF\epsilon}",
}

_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
          "omicron pi rho sigma tau upsilon phi chi psi omega").split()


#: accent prefixes of names (``hat_R``), outermost first
_ACCENTS = ("hat", "tilde", "bar")
#: script words with their own LaTeX
_SCRIPT_WORDS = {"infinity": r"\infty", "infty": r"\infty"}


def _word(word: str, upright: bool) -> str:
    """A script of a name: ``infinity`` as \\infty, Greek and SymPy's modifier suffixes translated,
    with ``upright`` a word of two or more letters in \\mathrm, anything else as it is."""
    if word in _SCRIPT_WORDS:
        return _SCRIPT_WORDS[word]
    tex = translate(word)
    if tex == word and upright and re.fullmatch(r"[A-Za-z]{2,}[0-9]*", word):
        return rf"\mathrm{{{word}}}"
    return tex


def split_name(name: str) -> tuple[str, list[str], list[str]]:
    """A symbol or function name split by the house rules (see the module docstring) into its
    LaTeX head (accents, primes and a value at 0 included), superscripts and subscripts.

    >>> split_name("hat_S'_0"), split_name("varepsilon_GF0"), split_name("sigma_epsilon^2")
    (("\\\\hat{S}'(0)", [], []), ('\\\\varepsilon', [], ['\\\\mathrm{GF0}']), ('\\\\sigma', ['2'], ['\\\\epsilon']))
    """
    accents = []
    while (m := re.match(rf"({'|'.join(_ACCENTS)})_(?=[^_])", name)) is not None:
        accents.append(m.group(1))
        name = name[m.end():]
    head, supers, subs = split_super_sub(name)
    bare = head.rstrip("'")
    primes = head[len(bare):]
    head = translate(bare)
    # a head that is a symbol (one letter, Greek, accented) or an operator name (Var, Df) takes
    # upright word scripts when it has a single subscript; a lowercase word (wmean) keeps SymPy's
    proper = len(bare) == 1 or head != bare or bool(accents) or _operator_name(bare)
    for accent in reversed(accents):
        head = rf"\{accent}{{{head}}}"
    head += primes
    if (accents or primes) and subs == ["0"] and not supers:
        return head + "(0)", [], []
    upright = proper and len(subs) == 1
    return head, [_word(w, upright) for w in supers], [_word(w, upright) for w in subs]


def _operator_name(word: str) -> bool:
    """Var, Df, MSR: a capitalised word of two or more letters (not a Greek name)."""
    return bool(re.fullmatch(r"[A-Z][A-Za-z]+", word)) and translate(word) == word


def name_latex(name: str) -> str:
    """LaTeX of a symbol's name by the house rules; an operator name as head is upright.

    >>> name_latex("hat_C"), name_latex("kappa'_0"), name_latex("E_noise"), name_latex("mu_0")
    ('\\\\hat{C}', "\\\\kappa'(0)", 'E_{\\\\mathrm{noise}}', '\\\\mu_{0}')
    >>> name_latex("Df_1"), name_latex("wmean"), name_latex("c_F_beyond")
    ('\\\\mathrm{Df}_{1}', 'wmean', 'c_{F beyond}')
    """
    head, supers, subs = split_name(name)
    if _operator_name(head):
        head = rf"\mathrm{{{head}}}"
    return head + ("^{%s}" % " ".join(supers) if supers else "") + ("_{%s}" % " ".join(subs) if subs else "")


class HouseLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the notation of the scaling-law papers."""

    def _split_super_sub(self, name):
        # used for the names of symbols and of undefined functions (SymPy's _hprint_Function)
        if name is None or "{" in name or self._settings["disable_split_super_sub"]:
            return super()._split_super_sub(name)
        return split_name(name)

    def _print_Function(self, expr, exp=None):
        head = FUNCTION_NOTATION.get(type(expr).__name__)
        if head is None:
            return super()._print_Function(expr, exp)
        args = ", ".join(self._print(a) for a in expr.args)
        out = rf"{head}\left({args}\right)"
        return rf"{out}^{{{exp}}}" if exp else out

    def _print_MatrixSymbol(self, expr, style="plain"):
        return SYMBOL_NOTATION.get(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in SYMBOL_NOTATION:
            return SYMBOL_NOTATION[expr.name]
        if style == "plain" and expr not in self._settings["symbol_names"] \
                and not self._settings["disable_split_super_sub"]:
            return name_latex(expr.name)
        return super()._print_Symbol(expr, style)


def latex(expr, **settings) -> str:
    """LaTeX of a SymPy object in house notation (settings as for ``sympy.latex``)."""
    return HouseLatexPrinter(settings).doprint(expr)


_MATH = re.compile(r"\$[^$]+\$|\\begin\{(equation|align)\}.*?\\end\{\1\}", re.S)


def math_segments(text: str) -> list[str]:
    """The math of a LaTeX text: inline ``$...$`` and equation/align environments, labels removed."""
    return [re.sub(r"\\label\{[^}]*\}", "", m.group(0)) for m in _MATH.finditer(text)]


def lint_latex(text: str) -> list[str]:
    """Problems pdflatex would let through: bare Greek names in math, raw non-ASCII characters.

    Math is taken from ``$...$`` and equation/align blocks; text without such markers is
    treated as math as a whole (e.g. the output of :func:`latex`).
    """
    problems = []
    segments = math_segments(text) if ("$" in text or "\\begin{" in text) else [text]
    for name in _GREEK:
        if any(re.search(rf"(?<![\\A-Za-z]){name}(?![A-Za-z])", seg) for seg in segments):
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
    "Γ": r"\Gamma", "Λ": r"\Lambda", "Ψ": r"\Psi", "Ω": r"\Omega", "ŵ": r"\hat{w}",
    "≃": r"\simeq", "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "±": r"\pm",
    "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⊥": r"\perp", "∞": r"\infty", "·": r"\cdot", "×": r"\times", "−": "-", "√": r"\surd",
    "∈": r"\in", "∂": r"\partial", "∇": r"\nabla", "∑": r"\sum", "∫": r"\int", "⟨": r"\langle", "⟩": r"\rangle",
    "∖": r"\setminus", "ℂ": r"\mathbb{C}", "≡": r"\equiv", "⋯": r"\cdots", "∏": r"\prod",
    "⊙": r"\odot", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg", "≍": r"\asymp",
    "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "¾": r"\tfrac{3}{4}", "≲": r"\lesssim", "≳": r"\gtrsim", "↔": r"\leftrightarrow", "∬": r"\iint", "‖": r"\|", "ζ": r"\zeta", "Φ": r"\Phi", "Δ": r"\Delta",
}
_SUPERSCRIPT = {"⁻": "-", "⁺": "+", "¹": "1", "²": "2", "³": "3", "ᵀ": "T", "ᵏ": "k", "⁰": "0", "⁴": "4",
                "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "ᵅ": r"\alpha"}
_SUBSCRIPT = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₊": "+", "₋": "-", "ₖ": "k", "ₗ": "l"}
_COMBINING = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde"}
_TEXT_SPECIAL = {"%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "$": r"\$",
                 "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}", "\\": r"\textbackslash{}"}
_TEXT_UNICODE = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\dots{}",
                 "é": r"\'e", "ö": r'\"o', "ü": r'\"u', "§": r"\S{}", "ô": r"\^{o}"}


def _script_run(text: str, i: int, table: dict) -> tuple[str, int]:
    j = i
    while j < len(text) and text[j] in table:
        j += 1
    return "".join(table[c] for c in text[i:j]), j


def _math_chars(text: str) -> str:
    """Math-mode LaTeX for a short run of characters (the body of ``^{...}`` or ``_{...}``)."""
    out: list[str] = []
    for ch in text:
        if ch in _COMBINING and out:
            out[-1] = f"{_COMBINING[ch]}{{{out[-1]}}}"
        elif ch in _UNICODE_MATH:
            out.append(_UNICODE_MATH[ch] + " ")
        elif ch in _SUPERSCRIPT or ch in _SUBSCRIPT:
            out.append(("^" if ch in _SUPERSCRIPT else "_") + "{" + {**_SUPERSCRIPT, **_SUBSCRIPT}[ch] + "}")
        elif ord(ch) > 127:
            raise ValueError(f"prose_to_latex: no LaTeX for character {ch!r} in {text!r}")
        else:
            out.append(ch)
    return "".join(out).strip()


def _script_body(text: str, i: int) -> tuple[str, int] | None:
    """After ``^`` or ``_`` at ``i - 1``: the script ``{...}`` or one character (with its accent)."""
    if i >= len(text) or text[i].isspace():
        return None
    if text[i] == "{":
        depth, end = 0, -1
        for j in range(i, len(text)):       # the matching brace: scripts may nest, ^{N_{l−1}}
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                end = j
                break
        return (_math_chars(text[i + 1:end]), end + 1) if end > i else None
    j = i + 1 + (i + 1 < len(text) and text[i + 1] in _COMBINING)
    body = _math_chars(text[i:j])
    if j < len(text) and text[j] in _SUBSCRIPT:          # ∂_κ₂: the subscript's own index stays inside
        run, j = _script_run(text, j, _SUBSCRIPT)
        body += f"_{{{run}}}"
    return body, j


def _attach(out: list, piece: str) -> None:
    """Attach a math piece (a script) to the previous token: a math token, or the word (or
    character) that ends the previous text, which becomes math (``\\mathrm`` for words)."""
    if out and out[-1][0] == "math":
        out[-1] = ("math", out[-1][1] + piece)
        return
    text = out[-1][1] if out and out[-1][0] == "text" else ""
    word = re.search(r"[A-Za-z]+$", text)
    if word:
        base = word.group(0) if len(word.group(0)) == 1 else rf"\mathrm{{{word.group(0)}}}"
        head = text[:word.start()]
    elif text[-1:].strip():
        base, head = text[-1], text[:-1]
    else:
        out.append(("math", "{}" + piece))
        return
    out[-1:] = ([("text", head)] if head else []) + [("math", base + piece)]


def _decompose_accent(ch: str) -> str:
    """A letter with an accent we print (â, ŵ) as letter + combining mark; anything else (letters of
    text such as ô) unchanged."""
    if ch in _TEXT_UNICODE:                                # text letters: Itô is It\^{o}, not math
        return ch
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) > 1 and parts[0].isalpha() and all(c in _COMBINING for c in parts[1:]):
        return parts
    return ch


def prose_to_latex(text: str) -> str:
    r"""Turn a sentence of plain Unicode prose into LaTeX text mode.

    Greek letters and math signs become inline math, super- and subscripts attach to the
    symbol before them, combining accents (w̄, Σ̂) become ``\bar``/``\hat``, neighbouring
    math pieces share one ``$...$``, LaTeX specials are escaped. An unknown non-ASCII
    character raises ``ValueError``.

    >>> print(prose_to_latex("κ ≥ λ holds for 50% of draws"))
    $\kappa$ $\ge$ $\lambda$ holds for 50\% of draws
    >>> print(prose_to_latex("(Σ̂+λ)⁻¹Xᵀ"))
    ($\hat{\Sigma}$+$\lambda )^{-1} X^{T}$
    """
    text = "".join(_decompose_accent(ch) for ch in text)   # precomposed accents (â, ŵ) -> letter + mark
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _SUPERSCRIPT or ch in _SUBSCRIPT:
            table, mark = (_SUPERSCRIPT, "^") if ch in _SUPERSCRIPT else (_SUBSCRIPT, "_")
            run, i = _script_run(text, i, table)
            _attach(out, f"{mark}{{{run}}}")
            continue
        if ch in "^_" and out and (body := _script_body(text, i + 1)) is not None:
            _attach(out, f"{ch}{{{body[0]}}}")
            i = body[1]
            continue
        if ch in _COMBINING:
            kind, body = out.pop() if out else ("text", " ")
            base = body if kind == "math" else body[-1]
            if kind == "text" and body[:-1]:
                out.append(("text", body[:-1]))
            out.append(("math", f"{_COMBINING[ch]}{{{base}}}"))
        elif ch in _UNICODE_MATH:
            out.append(("math", _UNICODE_MATH[ch]))
        elif ch in _TEXT_SPECIAL:
            out.append(("text", _TEXT_SPECIAL[ch]))
        elif ch in _TEXT_UNICODE:
            out.append(("text", _TEXT_UNICODE[ch]))
        elif ord(ch) > 127:
            raise ValueError(f"prose_to_latex: no LaTeX for character {ch!r} in {text!r}")
        elif out and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + ch)
        else:
            out.append(("text", ch))
        i += 1
    merged: list[tuple[str, str]] = []
    for kind, body in out:
        if merged and kind == merged[-1][0] == "math":
            merged[-1] = ("math", merged[-1][1] + " " + body)
        else:
            merged.append((kind, body))
    return "".join(f"${body}$" if kind == "math" else body for kind, body in merged)
