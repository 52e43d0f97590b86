"""What a numeric question generator returns, and the helpers the generators share.

A generator draws its parameters from a seeded ``numpy.random.Generator`` and takes the ground truth from
``sim`` (a simulation run or a ``sim`` function); the values of known mistakes are computed explicitly,
each the way the mistake would compute it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.spec import Result
from studyapp.quiz.numbers import EXACT, THREE_FIGURES, Tolerance
from studyapp.quiz.worked import (
    FULL,
    MINUS,
    Step,
    exact,
    factor,
    minus,
    number,
    plus,
    power,
    pretty,
    shown,
    significant,
    substitute,
    total,
)

__all__ = [
    "EXACT",
    "FULL",
    "MINUS",
    "THREE_FIGURES",
    "Numeric",
    "NumericKind",
    "Step",
    "Tolerance",
    "exact",
    "factor",
    "minus",
    "number",
    "plus",
    "power",
    "pretty",
    "shown",
    "significant",
    "substitute",
    "total",
]

SIGNIFICANT = "give at least 3 significant figures"


@dataclass(frozen=True)
class Numeric:
    """A generated numeric question: prompt, true value, tolerance, its simulation, the values known
    mistakes give (``generate`` keeps those that differ from the true value), and its worked ``solution``
    (the last step's value is the true value)."""

    prompt: str
    value: float
    params: dict[str, Any]
    sim: str
    sim_params: dict[str, Any] = field(default_factory=dict)
    sim_seed: int = 0
    mistakes: tuple[tuple[str, float], ...] = ()
    explanation: str = ""
    tolerance: Tolerance = THREE_FIGURES
    solution: tuple[Step, ...] = ()


@dataclass(frozen=True)
class NumericKind:
    """One kind of numeric question: its name, the simulations of the cards it suits, and its generator.

    ``make(rng, seed)`` gets a generator seeded with ``seed`` and the seed itself (for simulations that
    take one). ``topics`` are the words of a card's question that make this kind its topic: a card gets,
    of the kinds made for its simulation, those whose topic its question names, or all of them if it
    names none (so the Jacobian card never gets the Hessian's questions).
    """

    name: str
    title: str
    sims: tuple[str, ...]
    make: Callable[[np.random.Generator, int], Numeric]
    topics: tuple[str, ...] = ()


def pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    """One of ``options``, uniformly (keeps Python types, unlike ``rng.choice``)."""
    return options[int(rng.integers(len(options)))]


def fixed(value: float, places: int = 4) -> str:
    """``value`` to ``places`` decimal places, with a true minus sign: ``−797.6931``."""
    text = f"{value:.{places}f}"
    return MINUS + text[1:] if text.startswith("-") else text


def vector(values: Iterable[float]) -> str:
    """``[1, −0.5, 2]``."""
    return "[" + ", ".join(shown(v) for v in values) + "]"


def grid(rows: Sequence[Sequence[float]] | np.ndarray, indent: str = "    ") -> str:
    """A small matrix as right-aligned columns, one row per line."""
    cells = [[shown(v) for v in row] for row in rows]
    width = max(len(cell) for row in cells for cell in row)
    return "\n".join(indent + " ".join(cell.rjust(width) for cell in row) for row in cells)


def side_by_side(left: str, right: str, gap: int = 6) -> str:
    """Two blocks of lines next to each other."""
    a, b = left.splitlines(), right.splitlines()
    width = max(len(line) for line in a)
    height = max(len(a), len(b))
    a += [""] * (height - len(a))
    b += [""] * (height - len(b))
    return "\n".join((x.ljust(width + gap) + y).rstrip() for x, y in zip(a, b, strict=True))


def keep_mistakes(
    truth: float, candidates: Iterable[tuple[str, float]], tolerance: Tolerance
) -> tuple[tuple[str, float], ...]:
    """The candidate mistakes whose value the tolerance tells from ``truth`` (NaN values are dropped)."""
    kept: list[tuple[str, float]] = []
    for name, value in candidates:
        value = float(value)
        if math.isnan(value):
            continue
        if not tolerance.accepts(value, truth):
            kept.append((name, value))
    return tuple(kept)


def ordinal_cell(row: int, col: int) -> str:
    """``row 2, column 1`` from 0-based indices."""
    return f"row {row + 1}, column {col + 1}"


def answer(result: Result, key: str) -> float:
    """A simulation's numeric answer ``key`` as a float."""
    value = result.answers[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"answer {key!r} of {result.sim} is not a number: {value!r}")
    return float(value)


def answer_list(result: Result, key: str) -> list[Any]:
    """A simulation's list answer ``key``."""
    value = result.answers[key]
    if not isinstance(value, list):
        raise TypeError(f"answer {key!r} of {result.sim} is not a list: {value!r}")
    return value
