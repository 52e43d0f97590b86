"""Numeric questions: every kind, which cards each suits (by the card's simulation), and the question
built from a kind, a card and a seed. The ground truth always comes from ``sim``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from studyapp.model import Card
from studyapp.quiz import numeric_cnn, numeric_loss, numeric_nets, numeric_optim
from studyapp.quiz.numeric_base import Numeric, NumericKind, keep_mistakes, number
from studyapp.quiz.questions import Question, QuestionKind, check_seed

#: Every numeric kind by name.
NUMERIC_KINDS: dict[str, NumericKind] = {
    kind.name: kind
    for kind in (*numeric_cnn.KINDS, *numeric_optim.KINDS, *numeric_nets.KINDS, *numeric_loss.KINDS)
}


def numeric_kinds_for(card: Card) -> list[str]:
    """The numeric kinds that suit ``card``: those made for its simulation."""
    if card.sim is None:
        return []
    return [name for name, kind in NUMERIC_KINDS.items() if card.sim in kind.sims]


def generate(name: str, seed: int) -> Numeric:
    """Draw numeric kind ``name`` with ``seed``: the same seed gives the same question."""
    if name not in NUMERIC_KINDS:
        raise ValueError(f"name must be one of {', '.join(NUMERIC_KINDS)}, got {name!r}")
    drawn = NUMERIC_KINDS[name].make(np.random.default_rng(check_seed(seed)), seed)
    return replace(drawn, mistakes=keep_mistakes(drawn.value, drawn.mistakes, drawn.tolerance))


def numeric_question(name: str, card: Card | None, seed: int) -> Question:
    """The numeric question of kind ``name`` drawn with ``seed``, about ``card`` (if any)."""
    drawn = generate(name, seed)
    rel_tol, abs_tol = drawn.tolerance
    return Question(
        kind=QuestionKind.NUMERIC,
        form=f"{QuestionKind.NUMERIC.value}:{name}",
        prompt=drawn.prompt,
        expected=number(drawn.value) if float(drawn.value).is_integer() else f"{drawn.value:.6g}",
        seed=seed,
        card_id=card.id if card is not None else None,
        card_question=card.question if card is not None else "",
        tags=card.tags if card is not None else (),
        value=drawn.value,
        rel_tol=rel_tol,
        abs_tol=abs_tol,
        mistakes=drawn.mistakes,
        explanation=drawn.explanation,
        sim=drawn.sim,
        sim_params=drawn.sim_params,
        sim_seed=drawn.sim_seed,
        params={"kind": name, **drawn.params},
    )
