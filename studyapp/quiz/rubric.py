"""Rubrics: the key ideas a free answer to a card's question must cover, the mistakes that make it
wrong, the seed's words that a card's note corrects, and short "name the ..." questions. Stdlib only.

The bundled cards' rubrics are written by a lecturer in ``rubrics.toml`` beside this module. Any other
card gets a rubric built from its key terms (one idea per term), unless its note is a correction: then
its key terms may be exactly what the note corrects, and it has no rubric.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from studyapp.model import Card
from studyapp.quiz.patterns import Found, Pattern, best, compile_all
from studyapp.quiz.text import Reading, read, vocabulary
from studyapp.quiz.words import COMMON_WORDS

CORRECTION = "correction"
RUBRICS_FILE = "rubrics.toml"


@dataclass(frozen=True)
class Idea:
    """One key idea of a rubric: as the learner reads it, and the patterns that recognise it."""

    text: str
    patterns: tuple[Pattern, ...]
    required: bool = True


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: the patterns that recognise it, and why it is wrong."""

    reason: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class NameQuestion:
    """A short question answered with a term: what to accept, what to reject (and why)."""

    prompt: str
    answer: str
    accept: tuple[Pattern, ...]
    reject: tuple[Mistake, ...] = ()
    known: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rubric:
    """What a free answer to a card's question must cover, and what makes it wrong.

    ``written`` is true for a lecturer's rubric (from ``rubrics.toml``), false for one built from the
    card's key terms. ``claims`` match the seed's words that the card's note corrects; ``answer`` is the
    lecturer's model answer, where the card's own answer is corrected or misses the point.
    """

    card_id: str
    ideas: tuple[Idea, ...]
    mistakes: tuple[Mistake, ...] = ()
    claims: tuple[Pattern, ...] = ()
    names: tuple[NameQuestion, ...] = ()
    known: frozenset[str] = frozenset()
    written: bool = True
    answer: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """The key ideas as the learner reads them, in order."""
        return tuple(idea.text for idea in self.ideas)

    @property
    def required(self) -> tuple[int, ...]:
        """The positions of the ideas a right answer needs."""
        return tuple(i for i, idea in enumerate(self.ideas) if idea.required)

    def read(self, text: str) -> Reading:
        """``text`` read with this rubric's vocabulary (known words are never taken for typos)."""
        return read(text, self.known)


# -- the lecturer's rubrics ------------------------------------------------------------------------


def _patterns(value: Any, where: str) -> tuple[Pattern, ...]:
    sources = [value] if isinstance(value, str) else value
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources) or not sources:
        raise ValueError(f"{where}: 'match' must be a pattern or a non-empty list of patterns")
    return compile_all(sources)


def _mistake(entry: Mapping[str, Any], where: str) -> Mistake:
    return Mistake(str(entry["reason"]), _patterns(entry["match"], where))


def _words_of(table: Mapping[str, Any]) -> Iterable[str]:
    """Every text of a rubric's table: idea labels, reasons, prompts and the words of its patterns."""
    for value in table.values():
        if isinstance(value, str):
            yield value.replace("_", " ").replace("*", "").replace("|", " ")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    yield item.replace("_", " ").replace("*", "").replace("|", " ")
                elif isinstance(item, dict):
                    yield from _words_of(item)
        elif isinstance(value, dict):
            yield from _words_of(value)


def _written(card_id: str, table: Mapping[str, Any], known: frozenset[str]) -> Rubric:
    where = f"{RUBRICS_FILE} [{card_id}]"
    known = known | vocabulary(_words_of(table))
    ideas = tuple(
        Idea(str(entry["idea"]), _patterns(entry["match"], where), not entry.get("optional", False))
        for entry in table.get("ideas", ())
    )
    if not ideas:
        raise ValueError(f"{where}: a rubric needs at least one idea")
    names = tuple(
        NameQuestion(
            str(entry["prompt"]),
            str(entry["answer"]),
            _patterns(entry["accept"], where),
            tuple(_mistake(reject, where) for reject in entry.get("reject", ())),
            known,
        )
        for entry in table.get("names", ())
    )
    return Rubric(
        card_id,
        ideas,
        tuple(_mistake(entry, where) for entry in table.get("mistakes", ())),
        compile_all(table.get("claims", ())),
        names,
        known,
        answer=str(table.get("answer", "")),
    )


@cache
def written_rubrics() -> dict[str, Rubric]:
    """The lecturer's rubrics, by card id (read once)."""
    text = resources.files("studyapp.quiz").joinpath(RUBRICS_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {card_id: _written(card_id, table, COMMON_WORDS) for card_id, table in data.items()}


# -- any card --------------------------------------------------------------------------------------


def card_vocabulary(card: Card) -> frozenset[str]:
    """The words a reader knows for ``card``: common English and every word of the card."""
    texts = (
        card.question,
        card.answer,
        card.details,
        card.note,
        *card.distractors,
        *card.steps,
        *card.key_terms,
    )
    return _known(texts)


@lru_cache(maxsize=1024)
def _known(texts: tuple[str, ...]) -> frozenset[str]:
    return COMMON_WORDS | vocabulary(texts)


def _from_key_terms(card: Card) -> Rubric:
    ideas = []
    for term in card.key_terms:
        synonyms = [s.strip() for s in term.split("|") if s.strip()]
        ideas.append(Idea(synonyms[0], tuple(Pattern.phrase(s) for s in synonyms)))
    return Rubric(card.id, tuple(ideas), known=card_vocabulary(card), written=False)


def rubric_for(card: Card) -> Rubric | None:
    """The rubric of ``card``: the lecturer's, else one from its key terms; ``None`` when it has none.

    A card whose note is a correction gets no rubric from its key terms: they may be what the note corrects.
    """
    written = written_rubrics().get(card.id)
    if written is not None:
        return replace(written, known=written.known | card_vocabulary(card))
    if card.note_kind == CORRECTION or not card.key_terms:
        return None
    return _from_key_terms(card)


def asserts_claim(card: Card, texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` (something a question would present as true) says what ``card``'s note
    corrects.

    The lecturer's rubric lists the corrected claims; a card with a correction note and no such list is
    taken to be corrected in whatever it says.
    """
    return _asserts(card.id, card.note_kind, tuple(texts), card_vocabulary(card))


@lru_cache(maxsize=4096)
def _asserts(card_id: str, note_kind: str, texts: tuple[str, ...], known: frozenset[str]) -> bool:
    written = written_rubrics().get(card_id)
    claims = written.claims if written is not None else ()
    if note_kind == CORRECTION and not claims:
        return True
    return any(best(claims, read(text, known)) is not Found.ABSENT for text in texts)


def answer_stands(card: Card) -> bool:
    """Whether questions may present the card's own answer as right (no note corrects it)."""
    return not asserts_claim(card, [card.answer])


def steps_stand(card: Card) -> bool:
    """Whether an ordering question may present the card's steps as right (no note corrects them)."""
    return not asserts_claim(card, card.steps)
