"""A small due forecast: one line per day, a bar and the number of cards due that day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from studyapp.tui.widgets.bars import bar
from studyapp.tui.widgets.whole_lines import WholeLines
from studyapp.words import counted

#: The widest bar, so a few cards do not look like a mountain on a wide terminal.
MAX_BAR = 30
DAY_WIDTH = 6


def day_label(day: date, index: int) -> str:
    """``today`` for the first day, then ``Thu 27``."""
    return "today" if index == 0 else day.strftime("%a %d")


def forecast_lines(days: Sequence[tuple[date, int]], width: int) -> list[str]:
    """A heading with the total, then ``Thu 27  ███    3`` per day, in markup, at most ``width`` cells.

    The first day includes every overdue card; the bars are relative to the busiest day.
    """
    if not days:
        return []
    counts = [count for _day, count in days]
    total, peak = sum(counts), max(counts)
    number_width = len(str(peak))
    bar_width = max(min(width - DAY_WIDTH - 2 - number_width, MAX_BAR), 1)
    lines = [f"[b]Due in the next {counted(len(days), 'day')}[/b] · {counted(total, 'card')}"]
    for index, (day, count) in enumerate(days):
        drawn = bar(count / peak if peak else 0.0, bar_width)
        lines.append(f"{day_label(day, index):<{DAY_WIDTH}} [$accent]{drawn}[/] {count:>{number_width}}")
    return lines


class DueForecast(WholeLines):
    """The cards due on each of the next days, as bars, shown whole or not at all (see ``WholeLines``)."""

    DEFAULT_CSS = """
    DueForecast { padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list[tuple[date, int]] = []

    def show(self, days: Sequence[tuple[date, int]]) -> None:
        """Draw ``(day, cards due)`` pairs, today first, fitted to the widget's width."""
        self.days = list(days)
        self.show_lines(forecast_lines(self.days, self.content_size.width or MAX_BAR + DAY_WIDTH + 4))

    def on_resize(self) -> None:
        self.show(self.days)  # the bars follow the width
