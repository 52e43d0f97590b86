"""What a file brings into a new deck: its cards with their review history, and what it leaves out."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from studyapp.cloze import card_id, full_text, parse_cloze
from studyapp.model import Rating


class CardKind(Enum):
    """Where an imported card comes from; the value is its name in the summary."""

    FRONT_BACK = "front/back"
    REVERSE = "reverse"
    CLOZE = "cloze"
    FIRST_FIELDS = "first two fields"
    ROW = "table row"


class Review(NamedTuple):
    """One answer of the card's history: when (epoch ms), the rating, and how long it took."""

    at_ms: int
    rating: Rating
    duration_ms: int | None = None


@dataclass(frozen=True)
class CardHistory:
    """One card of an entry: its cloze number (0 for a card that is not a cloze), the answers to replay,
    and whether it comes in suspended or marked a leech."""

    number: int = 0
    reviews: tuple[Review, ...] = ()
    suspended: bool = False
    leech: bool = False
    #: The card of the file the answers are of (an Anki card's id): their key in the answers a replay was
    #: started with before the notes became cards (``studyapp.anki.replay.ReplayAhead.start``).
    key: int | None = None

    @property
    def flagged(self) -> bool:
        """Whether it comes in suspended or as a leech (its state is more than its replayed reviews)."""
        return self.suspended or self.leech


@dataclass(frozen=True)
class NewCard:
    """One ``[[cards]]`` table of the new deck, in the deck format's words: a card (``question`` and
    ``answer``), or a cloze note (``text``) whose cards are its deletion numbers."""

    kind: CardKind
    question: str = ""
    answer: str = ""
    text: str = ""
    details: str = ""
    tags: tuple[str, ...] = ()
    histories: tuple[CardHistory, ...] = (CardHistory(),)

    def card_ids(self, entry_id: str) -> list[str]:
        """The ids of its cards, given the table's id (``note::c1``, ``note::c2`` for a cloze note)."""
        return [card_id(entry_id, card.number) if self.text else entry_id for card in self.histories]

    @property
    def reviews(self) -> int:
        """How many reviews its cards bring."""
        return sum(len(card.reviews) for card in self.histories)

    @property
    def words(self) -> str:
        """The text its id is made from: the question, or a cloze note's text with its answers in place."""
        if not self.text:
            return self.question
        return full_text(self.text, parse_cloze(self.text))[0]


#: Reads a media file of the source in chunks (``None``: the file is not there).
MediaReader = Callable[[str], Iterator[bytes] | None]


@dataclass
class Source:
    """A file read for import: a title, its notes' cards, the media they use, and what was left out."""

    label: str
    title: str
    notes: int
    cards: list[NewCard] = field(default_factory=list)
    #: The media files the cards link to, by name.
    media: set[str] = field(default_factory=set)
    read_media: MediaReader | None = None
    #: What could not be brought in, as "count: what" lines for the summary.
    left_out: Counter[str] = field(default_factory=Counter)

    @property
    def reviews(self) -> int:
        """How many reviews the cards bring."""
        return sum(card.reviews for card in self.cards)

    @property
    def card_count(self) -> int:
        """How many cards the entries make (a cloze note makes one per deletion number)."""
        return sum(len(card.histories) for card in self.cards)

    def leave_out(self, what: str, count: int = 1) -> None:
        """Note ``count`` things that were not imported (or not as they were)."""
        if count:
            self.left_out[what] += count


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def tag_slug(tag: str) -> str:
    """A tag in the deck format's form: lowercase ASCII letters and digits joined by dashes
    (``Deep_Learning::CNN`` -> ``deep-learning-cnn``); empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", tag).encode("ascii", "ignore").decode().lower()
    return _NOT_SLUG.sub("-", ascii_text).strip("-")


def slug_tags(tags: list[str], source: Source) -> tuple[str, ...]:
    """``tags`` as slugs, each once; renamed and dropped tags are noted in ``source``."""
    kept: list[str] = []
    for tag in tags:
        slug = tag_slug(tag)
        if not slug:
            source.leave_out("tags with no letters or digits in ASCII, dropped")
        elif slug != tag:
            source.leave_out("tags renamed to lowercase letters, digits and dashes")
        if slug and slug not in kept:
            kept.append(slug)
    return tuple(kept)
