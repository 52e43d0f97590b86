"""Anki's colours for the study queues and the rating choices, one table for every widget that uses them.

New cards are blue, learning cards red and review cards green, as in Anki's deck list and review
header; the ratings go from red (Again) through amber (Hard) and green (Good) to blue (Easy). Each
colour has a shade for dark themes and one for light themes (Tailwind's 400 and 600 shades, which Anki
uses too), so it stays readable on both.
"""

from __future__ import annotations

#: ``name: (colour on dark themes, colour on light themes)``.
PALETTE: dict[str, tuple[str, str]] = {
    "blue": ("#60a5fa", "#2563eb"),
    "red": ("#f87171", "#dc2626"),
    "green": ("#4ade80", "#16a34a"),
    "amber": ("#fbbf24", "#b45309"),
}


def colour_rules(selector: str, colours: dict[str, str]) -> str:
    """CSS giving each component class of ``colours`` (``class: palette name``) its colour in both modes.

    ``selector`` is the widget's type, e.g. ``"QueueCounts"``; the app carries ``-dark-mode`` or
    ``-light-mode`` (Textual sets one of them from the theme).
    """
    rules = []
    for component, name in colours.items():
        dark, light = PALETTE[name]
        rules.append(f".-dark-mode {selector} > .{component} {{ color: {dark}; }}")
        rules.append(f".-light-mode {selector} > .{component} {{ color: {light}; }}")
    return "\n".join(rules)
