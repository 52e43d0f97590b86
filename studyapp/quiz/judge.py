"""Judging a free answer to a card's question against the card's rubric. Stdlib only.

``judge(card_id, answer)`` reads the answer the way a careful marker would skim it and returns one of
three verdicts:

- ``wrong`` when it says something the rubric knows to be wrong (a swap such as "small weights make the
  gradient explode", a near-miss such as "the direction of steepest descent", what the card's note
  corrects) or denies a key idea ("forward, not backward"), and does not also state every key idea;
- ``right`` when every required key idea is recognised and nothing wrong is;
- ``unsure`` otherwise: the answer may say the right thing in words the rubric does not know, so the
  learner decides, ticking the key ideas their answer covered (the ideas recognised come pre-ticked).

A missing idea alone never makes an answer wrong: words not recognised are no evidence of a mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from studyapp.model import Card
from studyapp.quiz.patterns import Found, best
from studyapp.quiz.rubric import Rubric, rubric_for
from studyapp.quiz.text import normalise

#: Answers that say the learner does not know (after normalising).
NO_ANSWERS = frozenset(
    {"", "idk", "i don t know", "i do not know", "don t know", "dont know", "no idea", "not sure", "pass"}
    | {"dunno", "no clue", "skip", "nothing", "i have no idea", "none"}
)


class Verdict(StrEnum):
    """The judge's verdict on a free answer."""

    RIGHT = "right"
    WRONG = "wrong"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Judgement:
    """A verdict on a free answer, why, and the rubric's key ideas with those recognised.

    ``ideas`` are the rubric's key ideas in order (``required`` tells which a right answer needs) and
    ``recognised`` those found in the answer, as worded in the rubric; ``ticked`` gives their positions.
    """

    verdict: Verdict
    reason: str
    recognised: tuple[str, ...] = ()
    ideas: tuple[str, ...] = ()
    required: tuple[bool, ...] = ()

    @property
    def ticked(self) -> tuple[int, ...]:
        """The positions (0-based) of the recognised ideas in ``ideas``."""
        return tuple(i for i, idea in enumerate(self.ideas) if idea in self.recognised)


def _listed(texts: Sequence[str]) -> str:
    return "; ".join(texts)


def judge_answer(rubric: Rubric, answer: str) -> Judgement:
    """Judge ``answer`` against ``rubric``: right, wrong or unsure, with the reason and the ideas found."""
    ideas = rubric.labels
    required = tuple(idea.required for idea in rubric.ideas)
    if normalise(answer) in NO_ANSWERS:
        return Judgement(Verdict.WRONG, "no answer given", (), ideas, required)
    reading = rubric.read(answer)
    found = [best(idea.patterns, reading) for idea in rubric.ideas]
    recognised = tuple(
        idea.text for idea, how in zip(rubric.ideas, found, strict=True) if how is Found.PRESENT
    )
    denied = [
        idea.text
        for idea, how in zip(rubric.ideas, found, strict=True)
        if how is Found.NEGATED and idea.required
    ]
    mistakes = [m.reason for m in rubric.mistakes if best(m.patterns, reading) is Found.PRESENT]
    complete = all(found[i] is Found.PRESENT for i in rubric.required)

    def judgement(verdict: Verdict, reason: str) -> Judgement:
        return Judgement(verdict, reason, recognised, ideas, required)

    problems = [*mistakes, *(f"it denies a key idea: {text}" for text in denied)]
    if problems and complete:
        return judgement(Verdict.UNSURE, f"it states every key idea but also this: {problems[0]}")
    if problems:
        return judgement(Verdict.WRONG, problems[0])
    if complete:
        return judgement(
            Verdict.RIGHT,
            f"it covers the key idea{'s' if len(recognised) > 1 else ''}: {_listed(recognised)}",
        )
    missing = [rubric.ideas[i].text for i in rubric.required if found[i] is not Found.PRESENT]
    return judgement(
        Verdict.UNSURE,
        f"recognised {len(recognised)} of {len(ideas)} key ideas; not recognised: {_listed(missing)}",
    )


@cache
def bundled_cards() -> dict[str, Card]:
    """The bundled deck's cards by id (read once, without the user's decks)."""
    from studyapp.content import deck_files
    from studyapp.deck_reader import read_deck
    from studyapp.paths import bundled_deck_dir

    cards: dict[str, Card] = {}
    for path in deck_files([bundled_deck_dir()]):
        deck, _problems = read_deck(path, bundled=True)
        if deck is not None:
            cards.update((card.id, card) for card in deck.cards)
    return cards


def judge(card_id: str, answer: str) -> Judgement:
    """Judge a free ``answer`` to the question of the bundled card ``card_id``.

    The verdict is ``"right"``, ``"wrong"`` or ``"unsure"`` (a ``Verdict``, equal to those strings), with
    a ``reason`` for people and the card's key ideas, ``recognised`` among them. ``ValueError`` for a card
    the bundled deck does not have, or one without a rubric.

    >>> judge("gradient", "the direction in which the function increases fastest").verdict
    <Verdict.RIGHT: 'right'>
    """
    cards = bundled_cards()
    if card_id not in cards:
        raise ValueError(f"no bundled card {card_id!r}; cards: {', '.join(sorted(cards))}")
    rubric = rubric_for(cards[card_id])
    if rubric is None:
        raise ValueError(f"card {card_id!r} has no rubric to judge answers by")
    return judge_answer(rubric, answer)
