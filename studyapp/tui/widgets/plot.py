"""A widget that shows a plot: colour half-blocks or shades with the plot's text as characters, or
terminal graphics (Kitty, Sixel) through textual-image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from studyapp.tui.widgets.halfblock import halfblock_strips

if TYPE_CHECKING:
    import numpy as np

#: Renderers a user can pick, with the names Settings shows.
RENDERERS = {
    "auto": "automatic (graphics where the terminal has them)",
    "halfblock": "half-blocks (colour, text as characters)",
    "unicode": "shades (no colour needed)",
    "tgp": "graphics (Kitty)",
    "sixel": "graphics (Sixel)",
}
#: Text-cell renderers: the plot's text is drawn as terminal characters over them.
CELL_RENDERERS = ("halfblock", "unicode")
GRAPHICS = {"tgp": "TGPImage", "sixel": "SixelImage"}
#: Names of earlier versions, and what they are now.
FORMER_NAMES = {"halfcell": "halfblock"}
#: Pixels per terminal cell assumed for graphics protocols.
CELL_PIXELS = (10, 20)


def resolve_setting(setting: str) -> str:
    """A stored setting as one of ``RENDERERS`` (former names mapped, unknown ones ``auto``)."""
    setting = FORMER_NAMES.get(setting, setting)
    return setting if setting in RENDERERS else "auto"


def resolve_renderer(setting: str) -> str:
    """The concrete renderer for a setting; ``auto`` picks graphics only where textual-image detected them."""
    setting = resolve_setting(setting)
    if setting != "auto":
        return setting
    import sys

    detected = sys.modules.get("textual_image.renderable")
    name = getattr(getattr(detected, "Image", None), "__module__", "")
    if name.endswith(".tgp"):
        return "tgp"
    if name.endswith(".sixel"):
        return "sixel"
    return "halfblock"


class PlotView(Widget):
    """Displays RGBA pixels sized to the widget; ``pixel_size`` says what to render."""

    DEFAULT_CSS = """
    PlotView { width: 1fr; height: 1fr; min-height: 4; }
    """

    def __init__(self, renderer: str = "halfblock", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.renderer = resolve_renderer(renderer)
        self._strips: list[Strip] = []
        self._image_widget: Widget | None = None
        self.frames = 0

    def on_mount(self) -> None:
        if self.renderer in GRAPHICS:
            import textual_image.widget as graphics

            self._image_widget = getattr(graphics, GRAPHICS[self.renderer])()
            self.mount(self._image_widget)

    @property
    def drawn_width(self) -> int:
        """The width in cells of the text-cell plot on show (0 before the first one)."""
        return self._strips[0].cell_length if self._strips else 0

    @property
    def pixel_size(self) -> tuple[int, int]:
        """The image size in pixels that fills this widget."""
        width, height = self.size.width, self.size.height
        if self.renderer in CELL_RENDERERS:
            return max(width, 16), max(height * 2, 16)
        return max(width * CELL_PIXELS[0], 16), max(height * CELL_PIXELS[1], 16)

    def show(self, rgba: np.ndarray, strips: list[Strip] | None = None) -> None:
        """Display ``rgba``; ``strips`` may carry half-block rows converted off the UI thread."""
        self.frames += 1
        if self._image_widget is not None:
            from PIL import Image

            self._image_widget.image = Image.fromarray(rgba)  # type: ignore[attr-defined]
            return
        self._strips = strips if strips is not None else halfblock_strips(rgba)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._strips) or container.height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y < len(self._strips) and self._strips[y].cell_length >= width:
            return self._strips[y].crop(0, width)
        # Narrower than the widget (until the plot for a new size arrives): pad with the background.
        style = self.rich_style  # not per full row: it walks the widget's ancestors
        if y < len(self._strips):
            return self._strips[y].extend_cell_length(width, style)
        return Strip.blank(width, style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The half-block rows as they are, when no line filter would change them.

        The rows hold only true colours, which the ANSI-to-true-colour filter leaves alone, and the
        widget has no border or padding: Textual's per-line styling pass would copy every segment
        of every row for nothing. Other filters (NO_COLOR, dimming) take the usual path.
        """
        if self._image_widget is not None or any(
            not isinstance(line_filter, ANSIToTruecolor) for line_filter in self.get_line_filters()
        ):
            return super().render_lines(crop)
        x1, x2 = crop.column_span
        return [self.render_line(y).crop(x1, x2) for y in crop.line_range]
