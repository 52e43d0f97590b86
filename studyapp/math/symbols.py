"""The LaTeX commands formulas may use, what kind of symbol each is, and their Unicode. Stdlib only
(pylatexenc, imported when a symbol is first drawn, knows most of the Unicode).

Only commands that matplotlib's mathtext can also draw are accepted, so a formula that checks
renders both as text and as an image (``MATHTEXT_ALIASES`` spells the few that mathtext knows by
another name).
"""

from __future__ import annotations

from enum import Enum
from functools import cache


class Kind(Enum):
    """How a symbol sits in a formula, which decides the spaces around it (TeX's atom classes)."""

    ORD = "ord"  # letters, digits, most symbols: no space
    BIN = "bin"  # + − × ·: spaces around when binary, none when unary
    REL = "rel"  # = ≤ → ∈: spaces around
    OPEN = "open"
    CLOSE = "close"
    PUNCT = "punct"  # , ;: a space after
    OP = "op"  # ∑ ∏ ∫: a space after
    FUNC = "func"  # log, max: a space after, unless brackets follow
    SPACE = "space"
    MARKER = "marker"  # where a highlighted part starts or ends: takes no room


def _names(text: str) -> list[str]:
    """The names in ``text``, separated by spaces."""
    return text.split()


GREEK = _names(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
BINARY = _names("cdot times div pm mp ast circ bullet odot oplus otimes setminus cup cap wedge vee")
RELATIONS = _names(
    "le leq ge geq ne neq approx equiv sim simeq cong propto in notin ni subset subseteq supset "
    "supseteq to rightarrow leftarrow gets Rightarrow Leftarrow Leftrightarrow iff implies mapsto "
    "leftrightarrow ll gg mid parallel perp"
)
BIG_OPERATORS = _names("sum prod int oint coprod bigcup bigcap")
ORDINARY = _names(
    "partial nabla infty ell emptyset varnothing forall exists neg lnot ldots cdots dots vdots "
    "ddots hbar top bot angle prime aleph wp dagger star"
)
OPENING = _names("lfloor lceil langle")
CLOSING = _names("rfloor rceil rangle")
BARS = _names("vert Vert lvert rvert lVert rVert")
FUNCTIONS = _names(
    "log ln lg exp max min sup inf arg lim limsup liminf sin cos tan cot sec csc arcsin arccos "
    "arctan sinh cosh tanh coth det dim ker deg gcd hom Pr"
)

#: Every symbol command (no arguments) and its kind.
SYMBOL_KINDS: dict[str, Kind] = {
    **{f"\\{name}": Kind.ORD for name in (*GREEK, *ORDINARY, *BARS)},
    **{f"\\{name}": Kind.BIN for name in BINARY},
    **{f"\\{name}": Kind.REL for name in RELATIONS},
    **{f"\\{name}": Kind.OP for name in BIG_OPERATORS},
    **{f"\\{name}": Kind.OPEN for name in OPENING},
    **{f"\\{name}": Kind.CLOSE for name in CLOSING},
    **{f"\\{name}": Kind.FUNC for name in FUNCTIONS},
}
#: Control symbols: a backslash and one character.
ESCAPES: dict[str, tuple[str, Kind]] = {
    "\\{": ("{", Kind.OPEN),
    "\\}": ("}", Kind.CLOSE),
    "\\|": ("‖", Kind.ORD),
    "\\$": ("$", Kind.ORD),
    "\\%": ("%", Kind.ORD),
    "\\#": ("#", Kind.ORD),
    "\\_": ("_", Kind.ORD),
}
#: Spaces, by command, as terminal cells.
SPACES = {"\\,": " ", "\\:": " ", "\\;": " ", "\\ ": " ", "\\quad": "  ", "\\qquad": "    ", "\\!": ""}
#: Unicode where pylatexenc has none (or the wrong one); function names are written as themselves.
UNICODE = {
    "\\ne": "≠",
    "\\neq": "≠",
    "\\gets": "←",
    "\\iff": "⟺",
    "\\implies": "⟹",
    "\\neg": "¬",
    "\\lnot": "¬",
    "\\bot": "⊥",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\vert": "|",
    "\\lVert": "‖",
    "\\rVert": "‖",
    "\\Vert": "‖",
    "\\prime": "′",
    **{f"\\{name}": name for name in FUNCTIONS},
}

#: Commands with one argument written in text mode (letters upright, spaces kept).
TEXT_COMMANDS = {"\\text": Kind.ORD, "\\textrm": Kind.ORD, "\\mathrm": Kind.ORD, "\\operatorname": Kind.FUNC}
#: Commands that set their argument in another alphabet (pylatexenc transliterates letters and digits).
FONTS = {"\\mathbb", "\\mathcal", "\\mathfrak", "\\mathbf", "\\mathsf", "\\mathit", "\\boldsymbol"}
#: Accents, as the combining character put on each character of their argument.
ACCENTS = {
    "\\hat": "\u0302",
    "\\widehat": "\u0302",
    "\\bar": "\u0304",
    "\\overline": "\u0305",
    "\\tilde": "\u0303",
    "\\widetilde": "\u0303",
    "\\vec": "\u20d7",
    "\\dot": "\u0307",
    "\\ddot": "\u0308",
    "\\check": "\u030c",
    "\\breve": "\u0306",
    "\\acute": "\u0301",
    "\\grave": "\u0300",
}
FRACTIONS = {"\\frac", "\\dfrac", "\\tfrac"}
#: The delimiters ``\left`` and ``\right`` take (``.`` is none).
DELIMITERS = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "|": "|",
    "/": "/",
    ".": "",
    "\\{": "{",
    "\\}": "}",
    "\\|": "‖",
    "\\lfloor": "⌊",
    "\\rfloor": "⌋",
    "\\lceil": "⌈",
    "\\rceil": "⌉",
    "\\langle": "⟨",
    "\\rangle": "⟩",
    "\\vert": "|",
    "\\Vert": "‖",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\lVert": "‖",
    "\\rVert": "‖",
}
#: Every command with arguments or a special role, for suggestions.
STRUCTURE = {*TEXT_COMMANDS, *FONTS, *ACCENTS, *FRACTIONS, "\\sqrt", "\\left", "\\right"}
#: Characters and their kinds (anything else is ordinary).
CHAR_KINDS = {
    **dict.fromkeys("+-−*±∓×÷·∗∘", Kind.BIN),
    **dict.fromkeys("=<>≤≥≠≈≡∼∝∈∉→←⇒⇐⇔↦:", Kind.REL),
    **dict.fromkeys("([", Kind.OPEN),
    **dict.fromkeys(")]", Kind.CLOSE),
    **dict.fromkeys(",;", Kind.PUNCT),
    **dict.fromkeys("∑∏∫", Kind.OP),
}
#: Characters drawn differently from how they are typed (a hyphen is a minus sign in a formula).
CHAR_UNICODE = {"-": "−", "*": "∗", "'": "′"}
#: Commands mathtext knows by another name.
MATHTEXT_ALIASES = {
    "\\le": "\\leq",
    "\\ge": "\\geq",
    "\\gets": "\\leftarrow",
    "\\iff": "\\Leftrightarrow",
    "\\implies": "\\Rightarrow",
    "\\lnot": "\\neg",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\lVert": "\\Vert",
    "\\rVert": "\\Vert",
    "\\textrm": "\\mathrm",
    "\\tfrac": "\\frac",
}


def known_commands() -> set[str]:
    """Every command a formula may use."""
    return {*SYMBOL_KINDS, *ESCAPES, *SPACES, *STRUCTURE}


@cache
def _converter() -> object:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text")


def latex_to_text(latex: str) -> str:
    """pylatexenc's Unicode for a small piece of LaTeX (a symbol, or a font command on letters)."""
    converter = _converter()
    text: str = converter.latex_to_text(latex)  # type: ignore[attr-defined]
    return text


@cache
def symbol_text(command: str) -> str:
    """The Unicode of a symbol command (``\\alpha`` -> ``α``)."""
    if command in UNICODE:
        return UNICODE[command]
    return latex_to_text(command).strip() or command.lstrip("\\")
