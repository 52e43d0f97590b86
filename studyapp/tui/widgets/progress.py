"""A one-line session progress bar: one widget that repaints without a layout pass."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget


class SessionProgress(Widget):
    """``━━━━━━━━──── 12/40``: cards done out of the session's total.

    Textual's ProgressBar is three widgets with percentage and ETA machinery; updating it
    after every rating cost more than the rest of showing the next card. This one draws its
    line directly (Textual's line API) and keeps it until the count, width or theme changes.
    """

    COMPONENT_CLASSES = {"session-progress--done", "session-progress--left", "session-progress--label"}
    DEFAULT_CSS = """
    SessionProgress { height: 1; }
    SessionProgress > .session-progress--done { color: $accent; }
    SessionProgress > .session-progress--left { color: $foreground 20%; }
    SessionProgress > .session-progress--label { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.done = 0
        self.total = 0
        self._line: tuple[tuple[int, int, int], Strip] | None = None
        self._styles: tuple[Style, Style, Style, Style] | None = None

    @property
    def fraction(self) -> float:
        """Done out of total, from 0 to 1 (1 when there is nothing to do)."""
        return self.done / self.total if self.total else 1.0

    @property
    def label(self) -> str:
        return f" {self.done}/{self.total}"

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` cards."""
        if (done, total) != (self.done, self.total):
            self.done, self.total = done, total
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line = self._styles = None  # the theme changed: the colours may have too

    def part_styles(self) -> tuple[Style, Style, Style, Style]:
        """The bar's own style and its three parts' styles (kept: a refresh drops Textual's copies)."""
        if self._styles is None:
            part = self.get_component_rich_style
            self._styles = (
                self.rich_style,
                part("session-progress--done"),
                part("session-progress--left"),
                part("session-progress--label"),
            )
        return self._styles

    def bar_widths(self, width: int) -> tuple[int, int]:
        """How many cells are filled and how many are left, for a line ``width`` cells wide."""
        bar = max(width - len(self.label), 0)
        filled = round(bar * self.fraction)
        return filled, bar - filled

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        key = (self.done, self.total, width)
        base, done, left, label = self.part_styles()
        if self._line is None or self._line[0] != key:
            filled, empty = self.bar_widths(width)
            segments = [Segment("━" * filled, done), Segment("━" * empty, left), Segment(self.label, label)]
            self._line = (key, Strip(segments).crop_extend(0, width, base))
        return self._line[1] if y == 0 else Strip.blank(width, base)
