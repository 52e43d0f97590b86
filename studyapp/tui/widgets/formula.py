"""Display formulas as images in terminals with Kitty or Sixel graphics.

``FormulaImage`` shows a formula's Unicode lines at once, draws its image with matplotlib's mathtext in a
worker thread (or reads it from the cache of formula images), then shows the image in its place, in
the text's colours. ``FormulaPanel`` lays out card text whose display formulas are such images.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.color import Color
from rich.console import RenderableType
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from studyapp.math import FormulaPart
from studyapp.tui.widgets.card_text import formula_block
from studyapp.tui.widgets.plot import CELL_PIXELS, GRAPHICS, resolve_renderer

#: Colours used when the theme leaves the text's colours to the terminal.
DEFAULT_COLOURS = ("#e0e0e0", "#000000")


def graphics_renderer(setting: str) -> str | None:
    """The graphics protocol the plot renderer ``setting`` resolves to (``tgp``, ``sixel``), else ``None``."""
    renderer = resolve_renderer(setting)
    return renderer if renderer in GRAPHICS else None


def _hex(colour: Color | None, default: str) -> str:
    if colour is None or colour.is_default:
        return default
    return colour.get_truecolor().hex


class FormulaImage(Widget):
    """One display formula: its Unicode lines, replaced by its image once it is drawn."""

    DEFAULT_CSS = """
    FormulaImage { height: auto; width: 1fr; padding: 0 2; }
    """

    class Drawn(Message):
        """The formula's image is ready (``path``), or could not be drawn (``error``)."""

        def __init__(self, path: Path | None, error: str = "") -> None:
            super().__init__()
            self.path, self.error = path, error

    def __init__(self, part: FormulaPart, renderer: str, folder: Path | None = None, **kwargs: Any) -> None:
        """``renderer`` is ``tgp`` or ``sixel``; images are kept in ``folder`` (default: the cache folder)."""
        super().__init__(**kwargs)
        self.part, self.renderer, self.folder = part, renderer, folder
        self.image: Widget | None = None
        self.path: Path | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(formula_block(self.part), classes="formula-text")

    def on_mount(self) -> None:
        style = self.rich_style
        self.draw(_hex(style.color, DEFAULT_COLOURS[0]), _hex(style.bgcolor, DEFAULT_COLOURS[1]))

    @work(thread=True, exclusive=True, group="formula")
    def draw(self, colour: str, background: str) -> None:
        """Worker thread: the image from the cache, or drawn and cached."""
        from studyapp.math import LatexError
        from studyapp.math.images import formula_image

        try:
            path = formula_image(self.part.source, colour, background, folder=self.folder)
        except (LatexError, ValueError, OSError) as error:
            self.post_message(self.Drawn(None, str(error)))
            return
        self.post_message(self.Drawn(path))

    def on_formula_image_drawn(self, message: Drawn) -> None:
        message.stop()
        if message.path is None:
            self.error = message.error  # the Unicode lines stay
            return
        import textual_image.widget as graphics
        from PIL import Image

        with Image.open(message.path) as opened:
            picture = opened.convert("RGBA")
        image: Widget = getattr(graphics, GRAPHICS[self.renderer])(picture)
        image.styles.width = math.ceil(picture.width / CELL_PIXELS[0])
        image.styles.height = math.ceil(picture.height / CELL_PIXELS[1])
        self.path, self.image = message.path, image
        self.query_one(".formula-text").remove()
        self.mount(image)


class FormulaPanel(Vertical):
    """Card text in pieces: renderables as text, display formulas (``FormulaPart``) as images."""

    DEFAULT_CSS = """
    FormulaPanel { height: auto; }
    FormulaPanel > Static { height: auto; }
    """

    def __init__(self, renderer: str = "tgp", folder: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.renderer, self.folder = renderer, folder

    def show(self, pieces: Sequence[RenderableType | FormulaPart]) -> None:
        """Replace what the panel shows with ``pieces``, in order."""
        widgets: list[Widget] = [
            FormulaImage(piece, self.renderer, self.folder)
            if isinstance(piece, FormulaPart)
            else Static(piece)
            for piece in pieces
        ]
        self.remove_children()
        self.mount_all(widgets)

    @property
    def formulas(self) -> list[FormulaImage]:
        return list(self.query(FormulaImage))
