"""Worked solutions of numeric questions, and how their numbers are written. Stdlib only.

A worked solution is a tuple of ``Step``s, each computed by the question's generator from the same numbers
it takes the answer from: the first step is the formula with the numbers put in, the steps after it work
out each intermediate value, and the last one ends in the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The minus sign as a mathematician writes it.
MINUS = "−"
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SOLUTION_TITLE = "Worked solution:"
#: A one-letter variable in an expression: not part of a name (``exp``) or a number (``2e-3``).
VARIABLE = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z](?![A-Za-z0-9_(])")


#: Significant figures of a computed value carried into the next step of a worked solution.
FULL = 6


def number(value: float, figures: int = 4) -> str:
    """A number for a prompt: integers without a decimal point, others to 4 significant figures."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{figures}g}"


def shown(value: float, figures: int = 4) -> str:
    """A number as a mathematician writes it: ``number`` with a true minus sign (``−0.375``)."""
    text = number(value, figures)
    return MINUS + text[1:] if text.startswith("-") else text


def significant(value: float, figures: int = 4) -> str:
    """``value`` to ``figures`` significant figures, with a true minus sign: ``−0.8808``, ``2.328e-10``."""
    text = f"{value:.{figures}g}"
    return MINUS + text[1:] if text.startswith("-") else text


def exact(value: float) -> str:
    """A computed value in full: whole numbers exactly, others to 6 significant figures."""
    return shown(value, FULL)


def factor(value: float, figures: int = 4) -> str:
    """A number as a factor of a product: a negative one in brackets, ``0.05·(−0.375)``."""
    return f"({shown(value, figures)})" if value < 0 else shown(value, figures)


def plus(value: float, figures: int = 4) -> str:
    """A number added to a term: ``+ 0.5``, or ``− 0.5`` for a negative one (never ``+ -0.5``)."""
    return f"{MINUS} {shown(-value, figures)}" if value < 0 else f"+ {shown(value, figures)}"


def minus(value: float, figures: int = 4) -> str:
    """A number subtracted from a term: ``− 0.5``, or ``+ 0.5`` for a negative one (never ``− -0.5``)."""
    return f"+ {shown(-value, figures)}" if value < 0 else f"{MINUS} {shown(value, figures)}"


def total(values: Sequence[float], figures: int = 4) -> str:
    """A sum of numbers with the signs written properly: ``3 − 0.5 + 2``."""
    return " ".join([shown(values[0], figures), *(plus(v, figures) for v in values[1:])])


def power(base: str, exponent: float) -> str:
    """``e^2``, or ``e^(−1.5)`` for a negative exponent."""
    return f"{base}^({shown(exponent)})" if exponent < 0 else f"{base}^{shown(exponent)}"


def pretty(expression: str) -> str:
    """An expression in ``sim``'s syntax as a person writes it: ``(w*x - y)**2`` -> ``(w·x − y)²``."""
    text = re.sub(r"\*\*(\d)\b", lambda match: match[1].translate(SUPERSCRIPTS), expression)
    text = text.replace("**", "^").replace("*", "·").replace("-", MINUS)
    return text.replace("sigmoid(", "σ(")


def substitute(expression: str, values: Mapping[str, float]) -> str:
    """``pretty(expression)`` with each variable replaced by its value: ``w·x`` -> ``0.5·(−1)``."""
    text = pretty(expression)
    if text in values:
        return shown(values[text])
    return VARIABLE.sub(lambda match: factor(values[match[0]]) if match[0] in values else match[0], text)


@dataclass(frozen=True)
class Step:
    """One step of a worked solution: ``label = formula = numbers = value``.

    ``label`` names the quantity (``output size``, ``∂f/∂w``); ``formula`` is its formula in symbols and
    ``numbers`` the same with the numbers put in (either may be empty); ``value`` is what it comes to.
    """

    label: str
    formula: str
    numbers: str
    value: float

    def parts(self, with_value: bool = True) -> list[str]:
        """The step's non-empty parts in order, without repeats (a label that is its own formula)."""
        texts = [self.label, self.formula, self.numbers]
        if with_value and self.numbers in (shown(self.value), factor(self.value), exact(self.value)):
            texts.pop()  # the numbers are the value itself
        if with_value:
            texts.append(exact(self.value))
        kept: list[str] = []
        for text in texts:
            if text and text not in kept:
                kept.append(text)
        return kept

    def line(self, with_value: bool = True) -> str:
        """The step as one line: ``n + 2p − k = 32 + 2 − 3 = 31``."""
        return " = ".join(self.parts(with_value))


def solution_lines(steps: Sequence[Step]) -> list[str]:
    """A worked solution as lines: the formula with the numbers put in, each intermediate value (indented),
    and the answer."""
    if not steps:
        return []
    first, *middle, last = steps if len(steps) > 1 else (steps[0], steps[0])
    return [
        SOLUTION_TITLE,
        f"  {first.line(with_value=False)}",
        *(f"    {step.line()}" for step in middle),
        f"  {last.line()}",
    ]
