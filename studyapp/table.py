"""Plain-text tables for the command line (no colour, fits the terminal width)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None) -> str:
    """Left-aligned columns; the last column is shortened to fit ``width`` (default: the terminal)."""
    total = width or shutil.get_terminal_size((100, 24)).columns
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    fixed = sum(widths[:-1]) + 2 * (len(headers) - 1)
    widths[-1] = max(min(widths[-1], total - fixed), 10)
    lines = []
    for index, row in enumerate(cells):
        parts = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*parts, shorten(row[-1], widths[-1])]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
