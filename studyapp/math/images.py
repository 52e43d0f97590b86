"""Display formulas as images, for terminals with Kitty or Sixel graphics: matplotlib's mathtext (no TeX
needed) draws them, about 100 ms each, so every image is kept as a PNG in the user's cache folder,
named by a hash of the formula, its colours and its size. Imports matplotlib when a formula is drawn.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path

from studyapp.math.latex import (
    Atom,
    Fraction,
    Group,
    Node,
    Root,
    Scripts,
    Styled,
    TextRun,
    parse,
)
from studyapp.math.symbols import MATHTEXT_ALIASES, Kind

APP_NAME = "studyapp"
#: Changed whenever the drawing changes, so that old images are not reused.
IMAGE_VERSION = 1
#: Points of the formula's font, and the resolution: 14 pt at 100 dpi is about one 20-pixel cell per line.
FONT_SIZE = 14.0
DPI = 100
#: Blank pixels around the formula.
MARGIN = 4


def mathtext_source(node: Node) -> str:
    """A formula's tree written for mathtext (its aliases, no highlight markers)."""
    if isinstance(node, Atom):
        if node.kind is Kind.MARKER:
            return ""
        source = MATHTEXT_ALIASES.get(node.source, node.source)
        return source + (" " if source.startswith("\\") else "")  # "\\#b" is not "\\#" then "b" to mathtext
    if isinstance(node, Group):
        return "".join(mathtext_source(item) for item in node.items)
    if isinstance(node, Scripts):
        base = mathtext_source(node.base)
        base = f"{{{base}}}" if isinstance(node.base, Group) or not base else base
        sub = f"_{{{mathtext_source(node.sub)}}}" if node.sub is not None else ""
        sup = ""
        if node.sup is not None:
            inner = node.sup.items if isinstance(node.sup, Group) else (node.sup,)
            sup = "^{" + "".join("\\prime " if _is_prime(i) else mathtext_source(i) for i in inner) + "}"
        return f"{base}{sub}{sup}"
    if isinstance(node, Fraction):
        # display formulas: fractions at full size (\\dfrac), as in a displayed equation
        return f"\\dfrac{{{mathtext_source(node.numerator)}}}{{{mathtext_source(node.denominator)}}}"
    if isinstance(node, Root):
        index = f"[{mathtext_source(node.index)}]" if node.index is not None else ""
        return f"\\sqrt{index}{{{mathtext_source(node.body)}}}"
    if isinstance(node, Styled):
        return f"{node.command}{{{mathtext_source(node.body)}}}"
    if isinstance(node, TextRun):
        command = MATHTEXT_ALIASES.get(node.command, node.command)
        return f"{command}{{{node.text}}}"
    left = MATHTEXT_ALIASES.get(node.left, node.left)
    right = MATHTEXT_ALIASES.get(node.right, node.right)
    return f"\\left{left} {mathtext_source(node.body)}\\right{right} "


def _is_prime(node: Node) -> bool:
    return isinstance(node, Atom) and node.source == "'"


def cache_dir() -> Path:
    """Where formula images are kept: ``formulas`` in the user's cache folder (platformdirs)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False) / "formulas"


def image_key(latex: str, colour: str, background: str, font_size: float = FONT_SIZE) -> str:
    """The name of a formula's image: a hash of what decides its pixels."""
    what = [IMAGE_VERSION, latex, colour, background, font_size, DPI]
    return hashlib.sha256(json.dumps(what).encode("utf-8")).hexdigest()[:32]


def render_png(latex: str, colour: str, background: str, font_size: float = FONT_SIZE) -> bytes:
    """The formula ``latex`` (without dollars) as PNG bytes, in ``colour`` on ``background`` (any
    matplotlib colour, e.g. ``#e0e0e0``). ``LatexError`` if it cannot be read, ``ValueError`` if
    mathtext cannot draw it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    text = f"${mathtext_source(parse(latex.replace(chr(10), ' ')))}$"
    font = FontProperties(size=font_size)
    width, height, depth, _, _ = MathTextParser("path").parse(text, dpi=72, prop=font)
    margin = MARGIN * 72 / DPI
    figure = Figure(figsize=((width + 2 * margin) / 72, (height + 2 * margin) / 72), dpi=DPI)
    figure.patch.set_facecolor(background)
    FigureCanvasAgg(figure)
    total = height + 2 * margin
    figure.text(
        margin / (width + 2 * margin), (depth + margin) / total, text, fontproperties=font, color=colour
    )
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor=background)
    return out.getvalue()


def formula_image(
    latex: str, colour: str, background: str, font_size: float = FONT_SIZE, folder: Path | None = None
) -> Path:
    """The PNG of a formula, drawn once and then read from ``folder`` (default ``cache_dir()``)."""
    folder = folder if folder is not None else cache_dir()
    path = folder / f"{image_key(latex, colour, background, font_size)}.png"
    if path.is_file():
        return path
    data = render_png(latex, colour, background, font_size)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
