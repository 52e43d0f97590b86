"""Counted words, right for one and for many: "1 card", "2 cards", "1 day"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``word`` for a count of one, else its plural (``many``, or ``word`` with an ``s``)."""
    if count == 1:
        return word
    return many if many is not None else f"{word}s"


def counted(count: int, word: str, many: str | None = None) -> str:
    """``count`` and its word: ``counted(1, "card")`` is "1 card", ``counted(0, "card")`` is "0 cards"."""
    return f"{count} {plural(count, word, many)}"
