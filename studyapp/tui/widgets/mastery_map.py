"""The mastery map: a line per topic (``mastery_lines``), drawn again at the widget's width whenever that
changes, for example when a scrollbar appears beside it."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from studyapp.tui.widgets.bars import MasteryRow, mastery_lines

MASTERY_TITLE = "[b]Mastery[/b] [dim]studied · known now[/dim]"
NO_TOPICS = "[dim]no cards yet[/dim]"


class MasteryMap(Widget):
    """The topics' mastery lines under an optional title; blank until its rows are first given."""

    DEFAULT_CSS = """
    MasteryMap {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    #: The topics, as ``mastery_rows`` makes them (``None``: not counted yet).
    rows: reactive[tuple[MasteryRow, ...] | None] = reactive(None, layout=True)
    #: Shown instead of the topics when they could not be counted (markup).
    problem: reactive[str] = reactive("", layout=True)

    def __init__(self, title: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title

    def show(self, rows: Sequence[MasteryRow]) -> None:
        """Draw these topics (an empty map says there are no cards yet)."""
        self.problem = ""
        self.rows = tuple(rows)

    def show_problem(self, markup: str) -> None:
        """Say why the topics could not be counted, in their place."""
        self.problem = markup

    def lines(self, width: int) -> list[Content]:
        """The title and a line per topic, fitted to ``width`` cells."""
        if self.problem:
            body = [Content.from_markup(self.problem)]
        elif self.rows is None:
            body = []
        else:
            body = mastery_lines(self.rows, width) or [Content.from_markup(NO_TOPICS)]
        return [Content.from_markup(self.title), *body] if self.title else body

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))  # one line each: nothing wraps
