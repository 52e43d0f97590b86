"""Numeric questions: every kind, which cards each suits (by the card's simulation), and the question
built from a kind, a card and a seed. The ground truth always comes from ``sim``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from studyapp.model import Card
from studyapp.quiz import numeric_cnn, numeric_grads, numeric_loss, numeric_nets, numeric_optim
from studyapp.quiz.numeric_base import Numeric, NumericKind, keep_mistakes
from studyapp.quiz.questions import Question, QuestionKind, check_seed
from studyapp.quiz.text import normalise
from studyapp.quiz.worked import exact

#: A computed value this close to 0 is float rounding of an exact 0 (it is graded as 0).
ROUNDING_DUST = 1e-12
#: Every numeric kind by name.
NUMERIC_KINDS: dict[str, NumericKind] = {
    kind.name: kind
    for kind in (
        *numeric_cnn.KINDS,
        *numeric_optim.KINDS,
        *numeric_nets.KINDS,
        *numeric_grads.KINDS,
        *numeric_loss.KINDS,
    )
}


def numeric_kinds_for(card: Card) -> list[str]:
    """The numeric kinds that suit ``card``: of those made for its simulation, the ones whose topic the
    card's question names, or all of them when it names none."""
    if card.sim is None:
        return []
    made = [name for name, kind in NUMERIC_KINDS.items() if card.sim in kind.sims]
    question = f" {normalise(card.question)} "
    topical = [
        name
        for name in made
        if any(f" {normalise(topic)}" in question for topic in NUMERIC_KINDS[name].topics)
    ]
    return topical or made


def expected_text(value: float) -> str:
    """The expected number as shown: whole numbers exactly, others to 6 significant figures."""
    return exact(value)


def generate(name: str, seed: int) -> Numeric:
    """Draw numeric kind ``name`` with ``seed``: the same seed gives the same question.

    A value that is float rounding of 0 becomes 0, in the last step of its worked solution too.
    """
    if name not in NUMERIC_KINDS:
        raise ValueError(f"name must be one of {', '.join(NUMERIC_KINDS)}, got {name!r}")
    drawn = NUMERIC_KINDS[name].make(np.random.default_rng(check_seed(seed)), seed)
    value, solution = drawn.value, drawn.solution
    if abs(value) < ROUNDING_DUST:
        value = 0.0
        solution = (*solution[:-1], replace(solution[-1], value=0.0)) if solution else ()
    return replace(
        drawn, value=value, solution=solution, mistakes=keep_mistakes(value, drawn.mistakes, drawn.tolerance)
    )


def numeric_question(name: str, card: Card | None, seed: int) -> Question:
    """The numeric question of kind ``name`` drawn with ``seed``, about ``card`` (if any)."""
    drawn = generate(name, seed)
    return Question(
        kind=QuestionKind.NUMERIC,
        form=f"{QuestionKind.NUMERIC.value}:{name}",
        prompt=drawn.prompt,
        expected=expected_text(drawn.value),
        seed=seed,
        card_id=card.id if card is not None else None,
        card_question=card.question if card is not None else "",
        tags=card.tags if card is not None else (),
        value=drawn.value,
        tolerance=drawn.tolerance,
        mistakes=drawn.mistakes,
        explanation=drawn.explanation,
        worked=drawn.solution,
        sim=drawn.sim,
        sim_params=drawn.sim_params,
        sim_seed=drawn.sim_seed,
        params={"kind": name, **drawn.params},
    )
