"""Typed simulation parameters: defaults, ranges, parsing and keyboard stepping.

Stdlib only, so that decks can be validated without importing numpy.
"""

from __future__ import annotations

import math
import re
import reprlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

Value = int | float | str | bool

#: A typed integer: plain decimal digits with an optional sign (no ``_``, no other scripts' digits).
DECIMAL = re.compile(r"[+-]?[0-9]+")


def shown(value: Any) -> str:
    """``repr(value)`` cut short: safe for huge integers, long texts and deeply nested values."""
    if isinstance(value, int) and value.bit_length() > 128:
        return "an integer too large to show"
    return reprlib.repr(value)


def parse_decimal(text: str, max_digits: int) -> int | None:
    """The integer written as plain decimal digits in ``text``, or ``None`` if it is not one or has
    more than ``max_digits`` significant digits (so that ``int()`` never meets a huge number)."""
    if not DECIMAL.fullmatch(text) or len(text.lstrip("+-").lstrip("0")) > max_digits:
        return None
    return int(text, 10)


@dataclass(frozen=True)
class Param(ABC):
    """Base class: a named, documented parameter with a default."""

    name: str
    default: Any
    help: str = ""
    kind: ClassVar[str] = "value"

    @abstractmethod
    def coerce(self, value: Any) -> Value:
        """Return ``value`` converted to this parameter's type, or raise ``ValueError``."""

    def parse(self, text: str) -> Value:
        """Parse a value typed by a person (``--set key=value`` or an input box)."""
        return self.coerce(text.strip())

    @abstractmethod
    def describe(self) -> str:
        """A short human description of the valid values."""

    @abstractmethod
    def step(self, value: Any, direction: int) -> Value:
        """The next value up (+1) or down (-1) from ``value``, clamped to the range."""

    def error(self, value: Any) -> ValueError:
        return ValueError(f"parameter '{self.name}' must be {self.describe()}, got {shown(value)}")


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


@dataclass(frozen=True)
class IntParam(Param):
    """An integer in ``[low, high]``."""

    low: int = 0
    high: int = 100
    increment: int = 1
    kind: ClassVar[str] = "int"

    def coerce(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.error(value)
        if isinstance(value, str):
            # A number with more digits than the bounds is out of range: never hand it to int().
            number = parse_decimal(value, len(str(max(abs(self.low), abs(self.high)))))
            if number is None:
                raise self.error(value)
            value = number
        elif isinstance(value, float):
            if not value.is_integer():
                raise self.error(value)
            value = int(value)
        if not isinstance(value, int) or not self.low <= value <= self.high:
            raise self.error(value)
        return value

    def describe(self) -> str:
        return f"an integer from {self.low} to {self.high}"

    def step(self, value: Any, direction: int) -> int:
        return int(_clamp(int(value) + direction * self.increment, self.low, self.high))


@dataclass(frozen=True)
class FloatParam(Param):
    """A finite float in ``[low, high]``; ``log`` makes +/- multiply instead of add."""

    low: float = 0.0
    high: float = 1.0
    increment: float = 0.1
    log: bool = False
    kind: ClassVar[str] = "float"

    def coerce(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.error(value)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
            raise self.error(value) from None
        if not math.isfinite(number) or not self.low <= number <= self.high:
            raise self.error(value)
        return number

    def describe(self) -> str:
        return f"a number from {self.low:g} to {self.high:g}"

    def step(self, value: Any, direction: int) -> float:
        current = float(value)
        if self.log:
            factor = 1.0 + self.increment
            nxt = current * factor if direction > 0 else current / factor
        else:
            nxt = current + direction * self.increment
            # Snap to the increment grid so repeated steps don't accumulate float noise.
            nxt = round(nxt / self.increment) * self.increment
        return float(f"{_clamp(nxt, self.low, self.high):.6g}")


@dataclass(frozen=True)
class ChoiceParam(Param):
    """One of a fixed list of strings."""

    choices: tuple[str, ...] = ()
    kind: ClassVar[str] = "choice"

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self.error(value)
        return value

    def describe(self) -> str:
        return "one of " + ", ".join(self.choices)

    def step(self, value: Any, direction: int) -> str:
        index = self.choices.index(value) if value in self.choices else 0
        return self.choices[(index + direction) % len(self.choices)]


@dataclass(frozen=True)
class BoolParam(Param):
    """True or false; accepts yes/no, on/off, 1/0 when typed."""

    kind: ClassVar[str] = "bool"
    _words: ClassVar[dict[str, bool]] = {
        "true": True, "yes": True, "on": True, "1": True,
        "false": False, "no": False, "off": False, "0": False,
    }  # fmt: skip

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in self._words:
            return self._words[value.lower()]
        raise self.error(value)

    def describe(self) -> str:
        return "true or false"

    def step(self, value: Any, direction: int) -> bool:
        return not bool(value)


@dataclass(frozen=True)
class TextParam(Param):
    """Free text up to ``max_length`` characters (for example an expression)."""

    max_length: int = 200
    kind: ClassVar[str] = "text"

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > self.max_length:
            raise self.error(value)
        return value

    def describe(self) -> str:
        return f"a non-empty text of at most {self.max_length} characters"

    def step(self, value: Any, direction: int) -> str:
        return str(value)
