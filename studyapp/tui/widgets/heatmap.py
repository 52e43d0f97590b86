"""A calendar heatmap of reviews per day as text: one column per week, one row per weekday."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from textual.content import Content

from studyapp.tui.widgets.whole_lines import WholeLines

SHADES = ("#2d333b", "#0e4429", "#006d32", "#26a641", "#39d353")
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
CELL = "■"


def shade(count: int, peak: int) -> str:
    """The colour for ``count`` reviews when the busiest day had ``peak``."""
    if count <= 0 or peak <= 0:
        return SHADES[0]
    level = 1 + min(int(3 * count / peak + 0.999) - 1, 3)
    return SHADES[level]


def first_day(last: date, weeks: int) -> date:
    """The Monday that starts the first of ``weeks`` week columns, the last of which holds ``last``."""
    return last - timedelta(days=last.weekday() + 7 * (weeks - 1))


def heatmap_lines(days: Sequence[tuple[date, int]], weeks: int, spaced: bool = False) -> list[Content]:
    """Lines for the last ``weeks`` weeks of ``days`` (oldest first, ending today).

    Every day of those weeks up to the last day has a cell (days missing from ``days`` count as none);
    the shades are relative to the busiest day shown. ``spaced`` puts a space after each cell, which
    makes the cells about square in a terminal. The lines are put together from their coloured cells:
    read back from markup, a year's cells took 28 times as long.
    """
    if not days:
        return []
    last = days[-1][0]
    start = first_day(last, weeks)
    counts = {day: count for day, count in days if start <= day <= last}
    peak = max(counts.values(), default=0)
    gap = " " if spaced else ""
    rows = []
    for weekday in range(7):
        parts: list[str | tuple[str, str]] = [f"{WEEKDAYS[weekday]:>3} "]
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if week:
                parts.append(gap)
            parts.append(" " if day > last else (CELL, shade(counts.get(day, 0), peak)))
        rows.append(Content.assemble(*parts))
    legend = [(CELL, colour) for colour in SHADES]
    rows.append(Content.assemble("    less ", *legend, f" more · busiest day {peak}"))
    return rows


class Heatmap(WholeLines):
    """A titled heatmap of reviews per day, shown whole or not at all (see ``WholeLines``)."""

    DEFAULT_CSS = """
    Heatmap { margin-top: 1; }
    """

    def show(self, title: str, days: Sequence[tuple[date, int]], weeks: int, spaced: bool = True) -> None:
        """Draw ``title`` over the last ``weeks`` weeks of ``days`` (``spaced``: see ``heatmap_lines``)."""
        self.show_lines([title, *heatmap_lines(days, weeks, spaced)])
