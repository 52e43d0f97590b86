"""Lines of text shown whole or not at all: a panel that fills the space left and draws only if it fits."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static


class WholeLines(Static):
    """Takes the height left in its container and shows its lines only when all of them fit.

    A heatmap cut after four weekdays reads as a broken heatmap; on a short terminal the panel stays
    blank instead, and comes back when the terminal grows. Lines are cut at the right edge, never wrapped.
    """

    DEFAULT_CSS = """
    WholeLines { height: 1fr; text-wrap: nowrap; text-overflow: clip; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Content] = []
        self.shown = False

    @property
    def fits(self) -> bool:
        """Whether every line fits in the height the panel has."""
        return len(self.lines) <= self.content_size.height

    def show_lines(self, lines: Sequence[str | Content]) -> None:
        """Show ``lines`` (markup, or content as it is) if they fit, now and after each resize."""
        self.lines = [Content.from_markup(line) if isinstance(line, str) else line for line in lines]
        self.draw()

    def draw(self) -> None:
        """Show the lines if they fit, else nothing."""
        self.shown = bool(self.lines) and self.fits
        self.update(Content("\n").join(self.lines) if self.shown else "")

    def on_resize(self) -> None:
        self.draw()
