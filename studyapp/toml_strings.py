"""Where each character of a TOML string value is in its file, so that a problem found inside a value
(a formula, a cloze) is reported at its own line and column. Stdlib only."""

from __future__ import annotations

import re

_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_KEY = r"\s*{key}\s*=\s*"


def _decode(text: str, start: int) -> tuple[str, list[int]] | None:
    """The string whose opening quote is at ``text[start]`` and, for each of its characters, its index
    in ``text``; ``None`` if it is not a well-formed string."""
    quote = text[start]
    if quote not in "\"'":
        return None
    fence = quote * 3 if text.startswith(quote * 3, start) else quote
    index = start + len(fence)
    if len(fence) == 3 and text.startswith("\n", index):
        index += 1  # a newline right after the opening quotes is not part of the string
    elif len(fence) == 3 and text.startswith("\r\n", index):
        index += 2
    chars: list[str] = []
    where: list[int] = []
    basic = quote == '"'
    while index < len(text):
        if text.startswith(fence, index):
            extra = len(text[index:]) - len(text[index:].lstrip(quote)) - len(fence)
            for _ in range(min(extra, 2) if len(fence) == 3 else 0):  # quotes just before the closing ones
                chars.append(quote)
                where.append(index)
                index += 1
            return "".join(chars), where
        char = text[index]
        if basic and char == "\\":
            following = text[index + 1 : index + 2]
            if following in _ESCAPES:
                chars.append(_ESCAPES[following])
                where.append(index)
                index += 2
                continue
            if following in ("u", "U"):
                size = 4 if following == "u" else 8
                try:
                    chars.append(chr(int(text[index + 2 : index + 2 + size], 16)))
                except ValueError:
                    return None
                where.append(index)
                index += 2 + size
                continue
            if len(fence) == 3 and re.match(r"\\[ \t]*\r?\n", text[index:]):
                index += 1  # a line-ending backslash trims the whitespace that follows
                while index < len(text) and text[index] in " \t\r\n":
                    index += 1
                continue
            return None
        chars.append(char)
        where.append(index)
        index += 1
    return None


def value_positions(text: str, first_line: int, last_line: int, key: str, value: str) -> list[int] | None:
    """For each character of ``value`` (the string of ``key``, written between ``first_line`` and
    ``last_line``, 1-based), its index in ``text``; ``None`` if it cannot be found."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: first_line - 1])
    pattern = re.compile(_KEY.format(key=re.escape(key)))
    for number in range(first_line, min(last_line, len(lines)) + 1):
        found = pattern.match(lines[number - 1])
        if found is not None:
            decoded = _decode(text, offset + found.end())
            if decoded is None or decoded[0] != value:
                return None
            return decoded[1]
        offset += len(lines[number - 1])
    return None


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
