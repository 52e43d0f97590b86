"""Numbers a person types: reading them, how close they must be to count (``Tolerance``), and naming the
known mistake a wrong one matches. Stdlib only.

Whatever a person types, reading it either succeeds or raises ``AnswerError`` with a message for them:
superscripts and other digit-like characters that are not decimal digits (``²``, ``½``, ``①``) are not
numbers, and numbers too long to read are refused before ``int`` or ``float`` could fail on them.

A tolerance follows what the question asks. "Give 3 significant figures" accepts an answer within one
unit of the third significant figure of the true value (rounded, truncated, or from rounded intermediate
steps), relative to the value however small it is: "0" is never right for −3.3e-5. "To 2 decimal places"
accepts half a unit of the second decimal. Whole numbers must be exact.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

INFINITY_WORDS = {"inf": math.inf, "infinity": math.inf, "∞": math.inf}
#: A typed number longer than this (in characters) is refused unread.
MAX_NUMBER_LENGTH = 100
#: An answer quoted in a message is cut to this many characters.
QUOTED_LENGTH = 24
NUMBER_EXAMPLES = "type e.g. 0.25, -3, 1/4, 2e-3 or 0.5^10"
#: Rounding error allowed on top of a tolerance (float arithmetic).
SLACK = 1e-9

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$")
_BINARY_RE = re.compile(rf"^({_NUMBER})\s*(/|\^|\*\*)\s*({_NUMBER})$")


class AnswerError(ValueError):
    """An answer that cannot be read (say so and ask again; it is not graded)."""


def quoted(text: str) -> str:
    """``text`` (stripped) in quotes for a message, cut short when long: ``'1111…' (5000 characters)``."""
    cleaned = text.strip()
    if len(cleaned) <= QUOTED_LENGTH:
        return repr(cleaned)
    return f"{cleaned[: QUOTED_LENGTH - 1] + '…'!r} ({len(cleaned)} characters)"


def has_odd_digits(text: str) -> bool:
    """Whether ``text`` holds numeric characters that are not decimal digits: ``²``, ``½``, ``①``, ``Ⅻ``.

    ``str.isdigit`` accepts superscripts, but ``int`` and ``float`` refuse them; decimal digits of any
    script (``٣``, full-width ``３``) are what they read.
    """
    return any(char.isnumeric() and not char.isdecimal() for char in text)


def small_number(word: str, largest: int) -> int | None:
    """The whole number ``word`` is, if it is decimal digits only and at most ``largest``; else ``None``.

    Long numbers are refused by their length, before ``int`` (limited to 4300 digits) reads them.
    """
    if not word.isdecimal():
        return None
    digits = word.lstrip("0") or "0"
    if len(digits) > len(str(largest)):
        return None
    value = int(digits)
    return value if value <= largest else None


def parse_number(text: str) -> float:
    """A number typed by a person: ``-1.5``, ``2e-3``, ``1/4``, ``0.25^10``, ``12.5%``, ``inf``, ``0,5``.

    Raises ``AnswerError`` for anything else (nothing is evaluated as code), for a number longer than
    ``MAX_NUMBER_LENGTH`` characters, and for one too large for a float.
    """
    cleaned = text.strip().lower().replace("−", "-").replace("×", "*").replace(" ", "")
    if len(cleaned) > MAX_NUMBER_LENGTH:
        raise AnswerError(f"{quoted(text)} is too long to be a number; {NUMBER_EXAMPLES}")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    sign = -1.0 if cleaned.startswith("-") and cleaned.lstrip("-") in INFINITY_WORDS else 1.0
    if cleaned.lstrip("+-") in INFINITY_WORDS:
        return sign * INFINITY_WORDS[cleaned.lstrip("+-")]
    percent = cleaned.endswith("%")
    body = cleaned.removesuffix("%")
    value: float | None = None
    if _NUMBER_RE.match(body):
        value = _finite(body, text)
    elif match := _BINARY_RE.match(body):
        left, operator, right = _finite(match[1], text), match[2], _finite(match[3], text)
        value = _combine(left, operator, right, text)
    if value is None or math.isnan(value):
        raise AnswerError(f"{quoted(text)} is not a number; {NUMBER_EXAMPLES}")
    return value / 100.0 if percent else value


def _finite(literal: str, text: str) -> float:
    """A number literal matched by ``_NUMBER`` as a float; ``AnswerError`` if it is too large (``1e400``)."""
    value = float(literal)
    if math.isinf(value):
        raise AnswerError(f"{quoted(text)} is out of range; type inf for infinity")
    return value


def _combine(left: float, operator: str, right: float, text: str) -> float:
    if operator == "/":
        if right == 0:
            raise AnswerError(f"{quoted(text)} divides by zero")
        return left / right
    try:
        return float(left**right)
    except (OverflowError, ZeroDivisionError):
        raise AnswerError(f"{quoted(text)} is out of range") from None
    except TypeError:  # a negative base with a fractional power is complex
        raise AnswerError(f"{quoted(text)} is not a real number") from None


# -- how close -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How close a typed number must be to a value to count as it, following what the question asks.

    ``figures``: that many significant figures; an answer within one unit of the last of them counts
    (so rounding, truncating and rounded intermediate steps all do). ``decimals``: that many decimal
    places; within half a unit of the last one. Neither: exact (whole numbers), up to float rounding
    (relative). A value of exactly 0 is matched by 0 only, unless decimal places are asked.
    """

    figures: int | None = None
    decimals: int | None = None

    def allowed(self, value: float) -> float:
        """The largest difference from ``value`` that still counts as ``value``."""
        if self.decimals is not None:
            return 0.5 * 10.0**-self.decimals * (1 + SLACK)
        if self.figures is not None and value != 0 and math.isfinite(value):
            unit = 10.0 ** (math.floor(math.log10(abs(value))) - (self.figures - 1))
            return unit * (1 + SLACK)
        return SLACK * abs(value)

    def accepts(self, given: float, value: float) -> bool:
        """Whether ``given`` counts as ``value`` (infinity only as the same infinity)."""
        if math.isinf(given) or math.isinf(value):
            return given == value
        return abs(given - value) <= self.allowed(value)

    def describe(self) -> str:
        """What the tolerance asks, for people: "to 3 significant figures"."""
        if self.decimals is not None:
            return f"to {self.decimals} decimal place{'s' if self.decimals != 1 else ''}"
        if self.figures is not None:
            return f"to {self.figures} significant figure{'s' if self.figures != 1 else ''}"
        return "exactly"


#: Whole numbers; about three significant figures; two decimal places.
EXACT = Tolerance()
THREE_FIGURES = Tolerance(figures=3)
TWO_DECIMALS = Tolerance(decimals=2)
#: A wrong answer matches a known mistake when it equals the mistake's value to this many significant
#: figures (relative to that value: a tiny mistake is matched only by an answer as tiny), or to the
#: question's own tolerance where that is looser.
DIAGNOSIS = THREE_FIGURES


def diagnose(given: float, mistakes: Sequence[tuple[str, float]], tolerance: Tolerance = EXACT) -> str | None:
    """The names of the known mistakes whose result ``given`` equals, joined by "or"; ``None`` if none."""
    names = [
        name for name, value in mistakes if tolerance.accepts(given, value) or DIAGNOSIS.accepts(given, value)
    ]
    return " or ".join(dict.fromkeys(names)) if names else None
