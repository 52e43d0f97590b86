"""Text wrapped to the widget's width and drawn directly (Textual's line API)."""

from __future__ import annotations

from rich.containers import Lines
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class TextBlock(Widget):
    """A block of Rich ``Text``, wrapped once per text and width.

    The one wrap gives both the height for the layout and the lines to draw. A Static wraps
    twice and styles its lines through Textual's general content path, which was most of the
    cost of showing a new card's question.
    """

    DEFAULT_CSS = """
    TextBlock { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self._lines: tuple[int, list[Strip]] | None = None

    def update(self, text: Text) -> None:
        """Show ``text``."""
        self.text = text
        self._lines = None
        self.refresh(layout=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None  # the theme changed: the colours may have too

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self.lines(width)
        return lines[y] if y < len(lines) else Strip.blank(width, self.visual_style.rich_style)

    def lines(self, width: int) -> list[Strip]:
        """The text's lines at ``width`` cells, on the widget's own style."""
        if self._lines is None or self._lines[0] != width:
            console, base = self.app.console, self.visual_style.rich_style
            wrapped = self.text.wrap(console, width) if width and self.text else Lines()
            style = base + console.get_style(self.text.style)  # Text.render leaves the text's own style out
            strips = [Strip(line.render(console)).apply_style(style) for line in wrapped]
            self._lines = (width, [strip.crop_extend(0, width, base) for strip in strips])
        return self._lines[1]
