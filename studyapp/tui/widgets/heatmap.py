"""A calendar heatmap of reviews per day as text: one column per week, one row per weekday."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

SHADES = ("#2d333b", "#0e4429", "#006d32", "#26a641", "#39d353")
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def shade(count: int, peak: int) -> str:
    """The colour for ``count`` reviews when the busiest day had ``peak``."""
    if count <= 0 or peak <= 0:
        return SHADES[0]
    level = 1 + min(int(3 * count / peak + 0.999) - 1, 3)
    return SHADES[level]


def heatmap_lines(days: Sequence[tuple[date, int]], weeks: int) -> list[str]:
    """Markup lines for the last ``weeks`` weeks of ``days`` (oldest first, ending today)."""
    if not days:
        return []
    recent = list(days)[-(weeks * 7) :]
    counts = dict(recent)
    peak = max(counts.values(), default=0)
    last = recent[-1][0]
    first_monday = last.toordinal() - last.weekday() - 7 * (weeks - 1)
    rows = []
    for weekday in range(7):
        cells = []
        for week in range(weeks):
            day = date.fromordinal(first_monday + 7 * week + weekday)
            if day > last or day not in counts:
                cells.append(" ")
            else:
                cells.append(f"[{shade(counts[day], peak)}]■[/]")
        rows.append(f"{WEEKDAYS[weekday]:>3} " + "".join(cells))
    legend = " ".join(f"[{colour}]■[/]" for colour in SHADES)
    rows.append(f"    less {legend} more · busiest day {peak}")
    return rows
