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

#: Tolerances: integers must be exact; other answers need about three significant figures.
EXACT = (0.0, 1e-9)
THREE_FIGURES = (5e-3, 5e-4)
SIGNIFICANT = "give at least 3 significant figures"


@dataclass(frozen=True)
class Numeric:
    """A generated numeric question: prompt, true value, tolerance, its simulation, and the values known
    mistakes give (``generate`` keeps those that differ from the true value)."""

    prompt: str
    value: float
    params: dict[str, Any]
    sim: str
    sim_params: dict[str, Any] = field(default_factory=dict)
    sim_seed: int = 0
    mistakes: tuple[tuple[str, float], ...] = ()
    explanation: str = ""
    tolerance: tuple[float, float] = THREE_FIGURES


@dataclass(frozen=True)
class NumericKind:
    """One kind of numeric question: its name, the simulations of the cards it suits, and its generator.

    ``make(rng, seed)`` gets a generator seeded with ``seed`` and the seed itself (for simulations that
    take one).
    """

    name: str
    title: str
    sims: tuple[str, ...]
    make: Callable[[np.random.Generator, int], Numeric]


def pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    """One of ``options``, uniformly (keeps Python types, unlike ``rng.choice``)."""
    return options[int(rng.integers(len(options)))]


def number(value: float) -> str:
    """A number for a prompt: integers without a decimal point, others to 4 significant figures."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def vector(values: Iterable[float]) -> str:
    """``[1, -0.5, 2]``."""
    return "[" + ", ".join(number(v) for v in values) + "]"


def grid(rows: Sequence[Sequence[float]] | np.ndarray, indent: str = "    ") -> str:
    """A small matrix as right-aligned columns, one row per line."""
    cells = [[number(v) for v in row] for row in rows]
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
    truth: float, candidates: Iterable[tuple[str, float]], tolerance: tuple[float, float]
) -> tuple[tuple[str, float], ...]:
    """The candidate mistakes whose value differs from ``truth`` (NaN values are dropped)."""
    rel, tol = tolerance
    kept: list[tuple[str, float]] = []
    for name, value in candidates:
        value = float(value)
        if math.isnan(value):
            continue
        if math.isinf(value) or not math.isclose(value, truth, rel_tol=rel, abs_tol=tol):
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
