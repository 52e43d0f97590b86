"""Practice questions: after a recurring mistake, another numeric question of the same kind. They are
marked as practice, so answering them never rates a card."""

from __future__ import annotations

import random
from dataclasses import replace

from studyapp.quiz.questions import SEED_LIMIT, Question


def practice_question(kind: str, seed: int, like: Question | None = None) -> Question:
    """A practice question of numeric kind ``kind`` drawn with ``seed``, about ``like``'s card (if any);
    it is marked as practice, so it never rates the card (imports numpy)."""
    from studyapp.quiz.numeric import numeric_question

    drawn = numeric_question(kind, None, seed)
    if like is None:
        return replace(drawn, practice=True)
    return replace(
        drawn, practice=True, card_id=like.card_id, card_question=like.card_question, tags=like.tags
    )


def next_practice_seed(question: Question) -> int:
    """The seed of the practice question that follows ``question``: drawn from its seed, so a quiz with the
    same seed and answers practises the same questions."""
    return random.Random(question.seed).randrange(SEED_LIMIT)
