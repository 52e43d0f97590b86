"""Horizontal bars as text, for the mastery map and small charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from textual.content import Content

EIGHTHS = " ▏▎▍▌▋▊▉█"
#: Below these widths bars and labels stop shrinking (the line is then cut at the panel's edge).
MIN_BAR, MIN_LABEL = 3, 5
#: The widest label before it is shortened.
MAX_LABEL = 16
#: " 100%": the share after the bar.
PERCENT_WIDTH = 5


def bar(fraction: float, width: int) -> str:
    """A bar of ``width`` cells filled to ``fraction`` (0..1), with eighth-cell resolution."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(width)


def colour_for(fraction: float) -> str:
    """Red below 50 %, yellow below 80 %, green above."""
    if fraction < 0.5:
        return "$error"
    if fraction < 0.8:
        return "$warning"
    return "$success"


class MasteryRow(NamedTuple):
    """One topic of the mastery map: its cards, how many were studied, and the share known now."""

    label: str
    studied: int
    cards: int
    #: Recall probability summed over all the cards, divided by their number (``None``: no cards).
    known: float | None


def mastery_rows(tags: Mapping[str, Mapping[str, Any]]) -> list[MasteryRow]:
    """Rows from the ``mastery.tags`` part of ``Collection.statistics`` (``Mastery.to_dict`` per tag)."""
    return [MasteryRow(tag, value["studied"], value["cards"], value["known"]) for tag, value in tags.items()]


def mastery_lines(rows: Sequence[MasteryRow], width: int) -> list[Content]:
    """``label  3/6 ████▌      42%`` lines, fitted to ``width`` cells (labels shorten first).

    The counts say how much of the topic was studied; the bar and the share say how much of the whole
    topic would be recalled now, so a topic with unstudied cards is never shown as mastered. Each line
    is put together from its styled parts: read back from markup, fifty topics took 15 times as long.
    """
    if not rows:
        return []
    counts = [f"{row.studied}/{row.cards}" for row in rows]
    count_width = max(map(len, counts))
    label_width = min(max(len(row.label) for row in rows), MAX_LABEL)
    fixed = 2 + count_width + PERCENT_WIDTH  # a space after the label and one after the counts
    bar_width = width - label_width - fixed
    if bar_width < MIN_BAR:  # narrow: shorten the labels before the bars
        label_width = max(label_width - (MIN_BAR - bar_width), MIN_LABEL)
        bar_width = max(width - label_width - fixed, MIN_BAR)
    lines = []
    for row, count in zip(rows, counts, strict=True):
        head = (row.label[:label_width].ljust(label_width) + " ", (count.rjust(count_width), "dim"), " ")
        if row.known is None:
            lines.append(Content.assemble(*head, ("·" * bar_width + "—".rjust(PERCENT_WIDTH), "dim")))
            continue
        drawn = bar(row.known, bar_width).rstrip()
        track = "·" * (bar_width - len(drawn))
        percent = f"{row.known * 100:.0f}%".rjust(PERCENT_WIDTH)
        parts = [(drawn, colour_for(row.known)), (track, "dim")]
        lines.append(Content.assemble(*head, *(part for part in parts if part[0]), percent))
    return lines
