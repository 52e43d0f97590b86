"""Anki's notes, cards and review log as cards of a new deck (see ``studyapp.anki.notetypes``).

Each Anki card becomes one card, with the answers of its ``revlog`` that Anki's own FSRS would use: a
card reset to new ("Forget": a manual entry without an ease factor) starts again there, so only the
answers after its last reset are replayed, and a run of learning answers after reviews (a reset that
older Anki versions did not log) starts it again too. Manual entries and reschedulings (type 4 and 5,
or ease 0) are not answers, nor are reviews in a filtered deck that did not reschedule the card (type 3
without an ease factor): they are left out. A package from Anki's first scheduler answered learning
cards with three buttons (1 Again, 2 Good, 3 Easy); those answers are read as FSRS's Again, Good and
Easy. A card suspended in Anki comes in suspended; a buried one comes in unburied (burying lasts a day);
the cards of a note tagged ``leech`` are marked as leeches, and keep the tag.

Every card's answers are read before the notes, so that their replay can start at once
(``anki_source``'s ``answers_read``); what was left out of a card's answers is noted when the card is
imported.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from studyapp.anki.markup import MediaLinks, html_markdown
from studyapp.anki.notetypes import NoteType, Sides, cloze_field, template_sides
from studyapp.anki.package import AnkiData
from studyapp.anki.source import CardHistory, CardKind, NewCard, Review, Source, slug_tags, tag_slug
from studyapp.cloze import ClozeError, numbers, parse_cloze
from studyapp.export_format import END_TIME_MS, FIRST_TIME_MS
from studyapp.model import Rating
from studyapp.store.anki_file import CardRow, NoteRow, RevlogRow

#: Anki's review-log kinds.
LEARNING, REVIEW, RELEARNING, FILTERED, MANUAL, RESCHEDULED = range(6)
#: Learning and relearning entries, whose answers the first scheduler numbered 1-3.
LEARNING_KINDS = (LEARNING, RELEARNING)
FIRST_SCHEDULER_LEARNING = {1: Rating.AGAIN, 2: Rating.GOOD, 3: Rating.EASY}
SUSPENDED_QUEUE, BURIED_QUEUES = -1, (-2, -3)
#: Anki's tag of a leech.
LEECH_TAG = "leech"
#: Fields that hold a card's details; their text becomes the details without a heading.
EXTRA_FIELDS = ("details", "extra", "back extra")


def _answered(entry: RevlogRow) -> bool:
    return 1 <= entry.ease <= 4


def _is_reset(entry: RevlogRow) -> bool:
    """A reset to new ("Forget"): a manual entry without an ease factor."""
    return entry.kind == MANUAL and entry.factor == 0


def _is_cram(entry: RevlogRow) -> bool:
    """A review in a filtered deck that did not reschedule the card."""
    return entry.kind == FILTERED and entry.factor == 0


def current_start(entries: Sequence[RevlogRow]) -> int:
    """Where the card's current history starts, as Anki's FSRS finds it: at its last run of learning
    answers; without one after its last reset, right after that reset; else at the start."""
    start = None
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        if _is_cram(entry):
            continue
        if entry.kind == LEARNING and _answered(entry):
            start = index
        elif start is not None:
            break
        elif _is_reset(entry):
            return index + 1
    return start or 0


#: The answers 1-4 as ratings.
RATINGS = {int(rating): rating for rating in Rating}


def _rating(entry: RevlogRow, first_scheduler: bool) -> Rating | None:
    if first_scheduler and entry.kind in LEARNING_KINDS:
        return FIRST_SCHEDULER_LEARNING.get(entry.ease)
    return RATINGS.get(entry.ease)


class Noting(Protocol):
    """Where what is not imported (or not as it was) is noted: a ``Source``, or a card's ``Notes``."""

    def leave_out(self, what: str, count: int = 1) -> None: ...


class Notes(Counter[str]):
    """What was left out of one card's answers, kept until it is known whether the card is imported."""

    def leave_out(self, what: str, count: int = 1) -> None:
        """Note ``count`` things that were not imported (or not as they were)."""
        if count:
            self[what] += count


#: Takes each card's answers, by its key, as they are read, and how many answers may come
#: (``ReplayAhead.start``).
AnswersRead = Callable[[Iterable[tuple[int, tuple[Review, ...]]], int], None]


def reviews_of(entries: Sequence[RevlogRow], first_scheduler: bool, source: Noting) -> tuple[Review, ...]:
    """The answers of one card's current history (see the module docstring), oldest first; the entries
    left out are noted in ``source``."""
    start = current_start(entries)
    source.leave_out(
        'answers before a card was reset to new in Anki ("Forget"), not replayed',
        sum(1 for entry in entries[:start] if _answered(entry) and not _is_cram(entry)),
    )
    reviews = []
    for entry in entries[start:]:
        if entry.kind in (MANUAL, RESCHEDULED) or entry.ease == 0:
            source.leave_out("review-log entries that are manual changes or reschedulings, not answers")
            continue
        if _is_cram(entry):
            source.leave_out("reviews in filtered decks that did not reschedule the card, not replayed")
            continue
        rating = _rating(entry, first_scheduler)
        if rating is None:
            source.leave_out("review-log entries with an answer outside 1-4")
        elif not FIRST_TIME_MS <= entry.id < END_TIME_MS:  # the times a collection holds
            source.leave_out("review-log entries with a time out of range (before 1970 or after 8999)")
        else:
            reviews.append(Review(entry.id, rating, entry.time if entry.time >= 0 else None))
    return tuple(reviews)


def deck_title(data: AnkiData, fallback: str) -> tuple[str, dict[str, str]]:
    """The new deck's title from the Anki decks the cards are in (``fallback`` when they share no parent),
    and a tag for each of those decks when there are several."""
    names = sorted({data.decks.get(card.deck_id, "") for card in data.cards} - {""})
    paths = [name.split("::") for name in names]
    if len(paths) <= 1:
        return (names[0] if names else fallback), {}
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    title = "::".join(common) if common else fallback
    tags = {}
    for name, path in zip(names, paths, strict=True):
        slug = tag_slug("-".join(path[len(common) :] or path[-1:]))
        if slug:
            tags[name] = f"deck-{slug}"
    return title, tags


def deck_cloze(text: str) -> str:
    """A cloze note's text from Anki without the space Anki needs between a LaTeX brace and a closing ``}}``
    (``export.anki_cloze`` adds it)."""
    return text.replace("} }}", "}}}")


class _Converter:
    """Turns the notes of one Anki collection into a ``Source``."""

    def __init__(self, data: AnkiData, source: Source, media_folder: str, deck_tags: dict[str, str]) -> None:
        self.data = data
        self.source = source
        self.media = MediaLinks(media_folder)
        self.reviews: dict[int, list[RevlogRow]] = defaultdict(list)
        for entry in data.revlog:
            self.reviews[entry.card_id].append(entry)
        self.deck_tags = deck_tags
        self.template_sides: dict[int, list[Sides | None]] = {}
        #: Each card's answers, by its id, in the file's order, and what was left out of them (noted in
        #: the source when the card is imported), kept as ``read_answers`` reads them.
        self.answers: dict[int, tuple[Review, ...]] = {}
        self.notes: dict[int, Notes] = {}

    def read_answers(self) -> Iterator[tuple[int, tuple[Review, ...]]]:
        """Each card's answers, by its id, in the file's order, as they are read (kept in ``answers``)."""
        for anki in self.data.cards:
            entries = self.reviews.get(anki.id)
            if entries:
                notes = Notes()
                answers = self.answers[anki.id] = reviews_of(entries, self.data.first_scheduler, notes)
                if notes:
                    self.notes[anki.id] = notes
                yield anki.id, answers

    def markdown(self, html: str, plain: bool = False) -> str:
        def unreadable(latex: str) -> None:
            self.source.leave_out("formulas studyapp cannot draw, kept as written")

        return html_markdown(html, self.media, plain=plain, unreadable=unreadable)

    def history(self, anki: CardRow, number: int = 0, leech: bool = False) -> CardHistory:
        """The Anki card's answers and flags; a buried card is noted, since it comes in unburied."""
        if anki.queue in BURIED_QUEUES:
            self.source.leave_out("cards buried in Anki, imported unburied (burying lasts a day)")
        self.reviews.pop(anki.id, None)
        self.source.left_out.update(self.notes.get(anki.id, {}))
        reviews = self.answers.get(anki.id, ())
        return CardHistory(number, reviews, anki.queue == SUSPENDED_QUEUE, leech, key=anki.id)

    def sides(self, note_type: NoteType) -> list[Sides | None]:
        """What each card template of the note type asks and answers (read once per note type)."""
        if note_type.id not in self.template_sides:
            self.template_sides[note_type.id] = [template_sides(note_type, t) for t in note_type.templates]
        return self.template_sides[note_type.id]

    def tags(self, note: NoteRow, cards: Sequence[CardRow]) -> tuple[str, ...]:
        """The note's tags as slugs, and the tag of its Anki deck when the cards come from several."""
        tags = slug_tags(note.tags.split(), self.source)
        deck_tag = self.deck_tags.get(self.data.decks.get(cards[0].deck_id, "")) if cards else None
        return (*tags, deck_tag) if deck_tag and deck_tag not in tags else tags

    def leave_out(self, what: str, cards: Sequence[CardRow]) -> None:
        """Note ``cards`` as not imported, with their reviews."""
        self.source.leave_out(what, len(cards))
        for anki in cards:
            self.source.leave_out(
                "reviews of cards that were not imported", len(self.reviews.pop(anki.id, []))
            )

    def details(self, note_type: NoteType, values: Sequence[str], shown: Sequence[int]) -> str:
        """The fields not ``shown`` on the card that have text: an extra field (``Details``, ``Extra``,
        ``Back Extra``) as it is, then each other one under its name."""
        extra, named = [], []
        for index, name in enumerate(note_type.fields):
            text = self.markdown(values[index]) if index not in shown and values[index].strip() else ""
            if text and name.strip().lower() in EXTRA_FIELDS:
                extra.append(text)
            elif text:
                named.append(f"**{name}**\n\n{text}")
        return "\n\n".join(extra + named)

    def card(
        self, anki: CardRow, kind: CardKind, question: str, answer: str, details: str, tags: tuple[str, ...]
    ) -> None:
        """Add one card, if it has a question and an answer."""
        if not question.strip() or not answer.strip():
            self.leave_out("cards with an empty question or answer", [anki])
            return
        history = self.history(anki, leech=LEECH_TAG in tags)
        self.source.cards.append(
            NewCard(kind, question, answer, details=details, tags=tags, histories=(history,))
        )

    def note(self, note: NoteRow, note_type: NoteType, cards: Sequence[CardRow]) -> None:
        values = list(note.fields) + [""] * (len(note_type.fields) - len(note.fields))
        tags = self.tags(note, cards)
        if note_type.cloze:
            self.cloze_note(note_type, values, cards, tags)
            return
        sides = self.sides(note_type)
        if sides and all(side is not None for side in sides):
            for anki in cards:
                side = sides[anki.ord] if anki.ord < len(sides) else None
                if side is None:
                    self.leave_out("cards whose template is missing from their note type", [anki])
                    continue
                kind = CardKind.FRONT_BACK if anki.ord == 0 else CardKind.REVERSE
                question = self.markdown(values[side.question], plain=True)
                answer = self.markdown(values[side.answer], plain=True)
                self.card(anki, kind, question, answer, self.details(note_type, values, side.shown), tags)
            return
        if len(values) < 2:
            self.leave_out("cards of note types with a single field", cards)
            return
        question, answer = self.markdown(values[0], plain=True), self.markdown(values[1], plain=True)
        self.card(
            cards[0], CardKind.FIRST_FIELDS, question, answer, self.details(note_type, values, (0, 1)), tags
        )
        self.leave_out(
            f"more cards of notes of the note type '{note_type.name}' (one per note is kept)", cards[1:]
        )

    def cloze_note(
        self, note_type: NoteType, values: Sequence[str], cards: Sequence[CardRow], tags: tuple[str, ...]
    ) -> None:
        """A cloze note with a card per deletion number; each Anki card brings the history of its number."""
        index = cloze_field(note_type)
        text = deck_cloze(self.markdown(values[index], plain=True)) if index is not None else ""
        try:
            deletions = parse_cloze(text)
        except ClozeError:
            self.leave_out(
                "cards of cloze notes whose deletions studyapp cannot read (nested or malformed)", cards
            )
            return
        by_number = {anki.ord + 1: anki for anki in cards}
        histories = []
        for number in numbers(deletions):
            anki = by_number.pop(number, None)
            if anki is None:
                histories.append(CardHistory(number))  # a deletion Anki has no card of yet: a new card
            else:
                histories.append(self.history(anki, number, LEECH_TAG in tags))
        self.leave_out("cards of cloze numbers no longer in their note's text", list(by_number.values()))
        details = self.details(note_type, values, (index,) if index is not None else ())
        self.source.cards.append(
            NewCard(CardKind.CLOZE, text=text, details=details, tags=tags, histories=tuple(histories))
        )

    def convert(self) -> None:
        by_note: dict[int, list[CardRow]] = defaultdict(list)
        for anki in self.data.cards:
            by_note[anki.note_id].append(anki)
        for note in self.data.notes:
            cards = by_note.pop(note.id, [])
            note_type = self.data.note_types.get(note.notetype_id)
            if note_type is None:
                self.leave_out("cards of notes whose note type is missing", cards)
            elif cards:
                self.source.notes += 1
                self.note(note, note_type, cards)
        for cards in by_note.values():
            self.leave_out("cards without a note", cards)
        self.source.leave_out(
            "reviews of cards that are not in the file",
            sum(len(entries) for entries in self.reviews.values()),
        )
        self.source.media = self.media.names


def anki_source(
    data: AnkiData,
    path: Path,
    media_folder: Callable[[str], str],
    answers_read: AnswersRead | None = None,
) -> Source:
    """The cards of an Anki collection; their media links point into ``media_folder(title)``, the folder
    beside the deck file of the deck with that title. The cards' answers are read first, as
    ``answers_read`` takes them (by ``CardHistory.key``, in the file's order; told how many log entries
    there are), before the notes become cards."""
    title, deck_tags = deck_title(data, path.stem)
    source = Source(label=path.name, title=title, notes=0)
    converter = _Converter(data, source, media_folder(title), deck_tags)
    answers = converter.read_answers()
    if answers_read is not None:
        answers_read(answers, len(data.revlog))
    deque(answers, maxlen=0)  # those it did not take
    converter.convert()
    return source
