"""What a simulation declares (Spec) and what it returns (Result). Stdlib only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.params import Param, Value

Answer = float | int | bool | str | list[Any]


@dataclass(frozen=True)
class Spec:
    """A simulation's name, title, explanation, parameters and the answers it computes.

    ``answers`` maps each answer key that ``compute`` returns to a human label; the first
    one is the headline answer shown beside a flashcard.
    """

    name: str
    title: str
    explanation: str
    params: tuple[Param, ...]
    answers: Mapping[str, str]

    def param(self, name: str) -> Param:
        """The parameter called ``name``; ``ValueError`` listing the valid names otherwise."""
        for param in self.params:
            if param.name == name:
                return param
        valid = ", ".join(p.name for p in self.params) or "(none)"
        raise ValueError(f"simulation '{self.name}' has no parameter '{name}'; valid parameters: {valid}")

    @property
    def defaults(self) -> dict[str, Value]:
        return {p.name: p.default for p in self.params}

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Value]:
        """Defaults updated with validated ``overrides``; raises ``ValueError`` on any bad one."""
        values = self.defaults
        for name, value in (overrides or {}).items():
            values[name] = self.param(name).coerce(value)
        return values


@dataclass
class Result:
    """The output of ``compute``: the parameters used, named answers, and arrays for plotting."""

    sim: str
    params: dict[str, Value]
    answers: dict[str, Answer]
    data: dict[str, Any] = field(default_factory=dict)


def format_answer(value: Answer, digits: int = 6) -> str:
    """Format an answer for people: floats to ``digits`` significant figures, lists element-wise."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    if isinstance(value, list):
        return "[" + ", ".join(format_answer(v, digits) for v in value) + "]"
    return str(value)


def answer_rows(spec: Spec, result: Result) -> list[tuple[str, str]]:
    """(label, formatted value) rows for a result's answers, labelled by the spec."""
    return [(spec.answers.get(key, key), format_answer(value)) for key, value in result.answers.items()]
