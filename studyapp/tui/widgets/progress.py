"""A one-line session progress bar: one widget that repaints without a layout pass."""

from __future__ import annotations

from textual.widget import Widget


class SessionProgress(Widget):
    """``━━━━━━━━──── 12/40``: cards done out of the session's total.

    Textual's ProgressBar is three widgets with percentage and ETA machinery; updating it
    after every rating cost more than the rest of showing the next card.
    """

    DEFAULT_CSS = """
    SessionProgress { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.done = 0
        self.total = 0

    @property
    def fraction(self) -> float:
        """Done out of total, from 0 to 1 (1 when there is nothing to do)."""
        return self.done / self.total if self.total else 1.0

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` cards."""
        if (done, total) != (self.done, self.total):
            self.done, self.total = done, total
            self.refresh()

    def render(self) -> str:
        label = f" {self.done}/{self.total}"
        width = max(self.content_size.width - len(label), 0)
        filled = round(width * self.fraction)
        return f"[$accent]{'━' * filled}[/][$foreground 20%]{'━' * (width - filled)}[/][dim]{label}[/]"
