"""Horizontal bars as text, for the mastery map and small charts."""

from __future__ import annotations

from collections.abc import Sequence

from textual.markup import escape

EIGHTHS = " ▏▎▍▌▋▊▉█"
#: Below these widths bars and labels stop shrinking (the line is then cut at the panel's edge).
MIN_BAR, MIN_LABEL = 4, 6


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


def bar_lines(rows: Sequence[tuple[str, float | None]], width: int) -> list[str]:
    """``label  ████▌   87%`` lines in markup; ``None`` values show as not studied yet."""
    if not rows:
        return []
    label_width = min(max(len(label) for label, _ in rows), 16)
    bar_width = width - label_width - 7  # two spaces, then " 100%" or "  new"
    if bar_width < MIN_BAR:  # narrow: shorten the labels before the bars
        label_width = max(label_width - (MIN_BAR - bar_width), MIN_LABEL)
        bar_width = max(width - label_width - 7, MIN_BAR)
    lines = []
    for label, value in rows:
        name = escape(label[:label_width].ljust(label_width))
        if value is None:
            lines.append(f"{name}  [dim]{'·' * bar_width}  new[/dim]")
        else:
            lines.append(f"{name}  [{colour_for(value)}]{bar(value, bar_width)}[/] {value * 100:3.0f}%")
    return lines
