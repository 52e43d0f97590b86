"""The collection as commands and the app use it: the store, the loaded decks, and study sessions.

Opening a collection reconciles it with the decks by card id: new cards appear as new, edited text
keeps its history (only ids are matched), cards no longer in any deck are retired (kept, hidden from
the queue and counts) and come back with their history when re-added. An unchanged library costs
one read: its fingerprint is stored with the last reconciliation. When the library it replaces is
known (a deck file read again, a card added), only the cards not kept in place are compared and
written. The decks' text is kept in the collection too (``studyapp.store.text_index``), rewritten
where it changes, so searches and Browse run in SQL; the decks themselves come from the deck cache
(``studyapp.deck_cache``) when no deck file changed, and their cards are read only when something
needs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from functools import cache, partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from studyapp.deck_digests import deck_parts
from studyapp.errors import CollectionError, CollectionReadOnly
from studyapp.model import (
    Card,
    CardRecord,
    Deck,
    DeckLimits,
    Settings,
    StudyState,
    split_deck_key,
    text_digest,
    utc_ms,
)
from studyapp.scheduler import Scheduler, check_utc
from studyapp.search import Query, parse, resolve
from studyapp.session import Counts, LibraryView, StudySession, next_day_start
from studyapp.store import LIBRARY_FINGERPRINT, TEXT_FINGERPRINT, BrowseRecord, CardFilter, Store
from studyapp.store.deck_order import OrdShift
from studyapp.store.search import Condition, SearchContext, compile_condition
from studyapp.store.text_index import ORDERS, text_rows_at

if TYPE_CHECKING:
    from studyapp.content import Library, ProblemCatalog, SimCatalog
    from studyapp.deck_cache import DeckCache
    from studyapp.stats import Calibration, Mastery, OfferRule

#: The orders Browse offers (``Collection.browse``).
BROWSE_ORDERS = tuple(ORDERS)
#: Up to this many cards, ``cards_with_state`` looks each one up rather than reading every card.
POINT_LOOKUPS = 1000
#: Changes when what ``card_text`` holds for a card changes (how a question is made plain text too, or
#: its ``ord``), so every collection rewrites it.
TEXT_FORMAT = "7"
#: A card's ``ord`` (its place in the library) is its deck's place times this, plus its place in the
#: deck: a card added to one deck moves no card of another, so their rows stay as they are, and a deck
#: added or taken away moves each deck after it whole (``studyapp.store.deck_order``).
DECK_ORD_STEP = 1 << 32


@dataclass(frozen=True)
class CardListing:
    """The cards ``studyapp cards`` lists (``Collection.card_listing``), in SQL: the longest value of each
    column (``studyapp.store.text_index.LISTED``), then the rows, read a page at a time."""

    store: Store
    condition: Condition
    now_ms: int

    def widths(self) -> dict[str, int]:
        return self.store.listing_widths(self.condition, self.now_ms)

    def rows(self, page: int = 2000) -> Iterator[tuple[str, ...]]:
        after = -1
        while True:
            rows = self.store.listing_page(self.condition, self.now_ms, after, page)
            for _ord, *columns in rows:
                yield tuple(columns)
            if len(rows) < page:
                return
            after = rows[-1][0]


@dataclass(frozen=True)
class SyncReport:
    """What a reconciliation changed (all empty when the decks were already in sync)."""

    added: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    skipped: bool = False

    @property
    def changes(self) -> int:
        """How many cards were added, restored, retired or moved/retagged."""
        return len(self.added) + len(self.restored) + len(self.retired) + len(self.changed)


def library_fingerprint(library: LibraryView) -> str:
    """A digest of everything reconciliation stores: decks and their order, card ids, places (and how a
    place is made an ``ord``) and tags."""
    decks = [(deck.id, deck.title, deck_parts(deck).digests()[0]) for deck in library.decks]
    return _digest([DECK_ORD_STEP, decks])


def text_fingerprint(library: LibraryView) -> str:
    """A digest of the text ``card_text`` holds: each card's question, answer, details, id, simulation
    and tags as written, in deck order, and the Unicode version that lowercases it."""
    import unicodedata

    decks = [deck_parts(deck).digests()[1] for deck in library.decks]
    return _digest([TEXT_FORMAT, unicodedata.unidata_version, decks])


def _digest(data: Any) -> str:
    return text_digest(json.dumps(data))


@dataclass(frozen=True)
class Fingerprints:
    """A library's fingerprints: of what reconciliation stores, and of its text."""

    library: str
    text: str

    @classmethod
    def of(cls, library: LibraryView) -> Fingerprints:
        return cls(library_fingerprint(library), text_fingerprint(library))

    def to_dict(self) -> dict[str, str]:
        return {"library": self.library, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Fingerprints:
        return cls(data["library"], data["text"])


def in_sync(store: Store, fingerprints: Fingerprints) -> bool:
    """Whether the collection's cards and text are those of the library with ``fingerprints``."""
    return (
        store.get_meta(LIBRARY_FINGERPRINT) == fingerprints.library
        and store.get_meta(TEXT_FINGERPRINT) == fingerprints.text
    )


def placed_cards(library: LibraryView) -> Iterator[tuple[int, Card]]:
    """Each card of ``library``, in deck order, with its ``ord`` (see ``DECK_ORD_STEP``)."""
    for rank, deck in enumerate(library.decks):
        first = rank * DECK_ORD_STEP
        for index, card in enumerate(deck.cards):
            yield first + index, card


class Moves(NamedTuple):
    """``moved_cards``' answer: the cards not kept in place, with their ``ord``; the ids of those gone
    from their place; and the decks kept whole at another rank (their cards' ``ord`` shifted)."""

    placed: list[tuple[int, Card]]
    left: list[str]
    shifts: list[OrdShift]


def moved_cards(library: LibraryView, before: LibraryView) -> Moves:
    """The cards of ``library`` that are not where ``before`` had them, with their ``ord``, and the ids of
    ``before``'s cards not kept in place. A card is kept in place when it is the card (or an equal one)
    that ``before`` had at the same ``ord``: nothing reconciliation stores of it changed. A deck not
    read again is the same object, and its cards are all kept at once: where it was, or shifted to its
    new rank when decks were added or taken away before it (one deck added before a deck of 50,000
    cards moves that deck, not its 50,000 cards one by one)."""
    old_decks, decks = before.decks, library.decks
    old_ranks = {id(deck.cards): rank for rank, deck in enumerate(old_decks) if deck.cards}
    #: The new rank of each deck whose cards are those of ``before``'s deck at the old rank it maps to.
    whole: dict[int, int] = {}
    for rank, deck in enumerate(decks):
        if deck.cards and (old_rank := old_ranks.pop(id(deck.cards), None)) is not None:
            whole[rank] = old_rank
    kept = set(whole.values())
    placed: list[tuple[int, Card]] = []
    left: list[str] = []
    shifts: list[OrdShift] = []
    for rank, deck in enumerate(decks):
        first = rank * DECK_ORD_STEP
        if rank in whole:
            if whole[rank] != rank:
                old_first = whole[rank] * DECK_ORD_STEP
                shifts.append(OrdShift(old_first, len(deck.cards), first - old_first))
            continue
        cards = deck.cards
        old = old_decks[rank].cards if rank < len(old_decks) and rank not in kept else ()
        for index, card in enumerate(cards):
            was = old[index] if index < len(old) else None
            if was is not card and was != card:
                placed.append((first + index, card))
                if was is not None:
                    left.append(was.id)
        left += [card.id for card in old[len(cards) :]]
    # the decks of ``before`` neither kept whole nor compared with the deck now at their rank
    left += [
        card.id
        for rank, deck in enumerate(old_decks)
        if rank not in kept and (rank >= len(decks) or rank in whole)
        for card in deck.cards
    ]
    return Moves(placed, left, shifts)


def write_text(
    store: Store,
    library: LibraryView,
    fingerprint: str,
    before: LibraryView | None = None,
    before_text: str | None = None,
    moves: Callable[[], Moves] | None = None,
) -> None:
    """Write ``library``'s text to ``card_text``. When the table holds the text of ``before`` (the
    library it replaces; ``before_text``: its text fingerprint, when known), only the rows of the cards
    not kept in place (``moved_cards``, or ``moves()`` when given) change: a card equal to one of
    ``before`` keeps its row at its new place, and a row is made for each other card (from the card
    alone). A deck read again after a card was added to it makes one row."""
    held = store.get_meta(TEXT_FINGERPRINT)
    if before is not None and held == (before_text or text_fingerprint(before)):
        placed, left, shifts = moves() if moves is not None else moved_cards(library, before)
        placed_ids = {card.id for _ord, card in placed}
        old = {card.id: card for card in before.cards if card.id in placed_ids} if placed_ids else {}
        moved: list[tuple[int, str]] = []
        made: list[tuple[int, Card]] = []
        for ord_, card in placed:
            if old.get(card.id) == card:
                moved.append((ord_, card.id))
            else:
                made.append((ord_, card))
        if store.write_text_index(text_rows_at(made), fingerprint, moved, [*placed_ids, *left], shifts):
            return
    store.write_text_index(text_rows_at(placed_cards(library)), fingerprint)


def reconcile(
    store: Store,
    library: LibraryView,
    fingerprints: Fingerprints | None = None,
    before: LibraryView | None = None,
    before_fingerprints: Fingerprints | None = None,
) -> SyncReport:
    """Bring the collection's cards and text in line with ``library`` (see the module docstring);
    ``fingerprints`` are the library's, when known, and ``before`` the library it replaces, if known,
    with its fingerprints, if known. When the collection's cards are ``before``'s (its fingerprint
    says so), only the cards not kept in place (``moved_cards``) are compared with theirs: one card
    added to a deck of 50,000 is one card to read and write, not 50,000."""
    fingerprints = fingerprints or Fingerprints.of(library)
    fingerprint = fingerprints.library
    if in_sync(store, fingerprints):
        return SyncReport(skipped=True)
    moves = None if before is None else cache(partial(moved_cards, library, before))  # made once, if needed
    with store.transaction():
        if store.get_meta(TEXT_FINGERPRINT) != fingerprints.text:
            before_text = before_fingerprints.text if before_fingerprints is not None else None
            write_text(store, library, fingerprints.text, before, before_text, moves)
        held = store.get_meta(LIBRARY_FINGERPRINT)
        if held == fingerprint:  # unchanged, or another process just did it
            return SyncReport(skipped=True)
        if moves is not None and before_fingerprints is not None and held == before_fingerprints.library:
            placed, left, shifts = moves()
            known = store.card_index([card.id for _ord, card in placed] + left)
        else:
            placed, known, shifts = list(placed_cards(library)), store.card_index(), []
        insert, update, tags = [], [], {}
        added, restored, changed = [], [], []
        for ord_, card in placed:
            wanted = frozenset(card.tags)
            row = (card.id, card.deck, card.position, ord_)
            old = known.pop(card.id, None)
            if old is None:
                insert.append(row)
                added.append(card.id)
                if wanted:
                    tags[card.id] = wanted
                continue
            deck_id, position, old_ord, retired, old_tags = old
            if retired:
                restored.append(card.id)
            elif (deck_id, position, old_tags) != (card.deck, card.position, wanted):
                changed.append(card.id)
            if retired or (deck_id, position, old_ord) != (card.deck, card.position, ord_):
                update.append(row)
            if old_tags != wanted:
                tags[card.id] = wanted
        retire = sorted(card_id for card_id, old in known.items() if not old[3])
        store.apply_sync(
            decks=[(deck.id, deck.title) for deck in library.decks],
            insert=insert,
            update=update,
            retire=retire,
            tags=tags,
            fingerprint=fingerprint,
            shifts=shifts,
        )
    return SyncReport(tuple(added), tuple(restored), tuple(retire), tuple(changed))


@dataclass(frozen=True)
class Overview:
    """Home's numbers: each deck's counts (id, title, counts), all decks', today's reviews, whether a
    studied card waits now, and when the next one is due. (The streak is among Home's statistics: it
    looks at as many days as it is long.)"""

    decks: list[tuple[str, str, Counts]]
    total: Counts
    reviews_today: int
    due_now: bool
    next_due: datetime | None


@dataclass
class Collection:
    """An open collection with its decks; close it (or use ``with``) when done."""

    store: Store
    library: Library
    sync: SyncReport = field(default_factory=SyncReport)
    #: ``library`` and its fingerprints, once known (the deck cache keeps them).
    known: tuple[LibraryView, Fingerprints] | None = field(default=None, repr=False)
    #: The deck cache the decks were opened from, if any.
    deck_cache: DeckCache | None = field(default=None, repr=False)

    def fingerprints(self) -> Fingerprints:
        """The loaded library's fingerprints."""
        if self.known is None or self.known[0] is not self.library:
            self.known = (self.library, Fingerprints.of(self.library))
        return self.known[1]

    def in_sync(self) -> bool:
        """Whether the collection's cards and text are the loaded decks' (not, for instance, when it
        is read-only and the decks changed), so that searches run in SQL alone."""
        return in_sync(self.store, self.fingerprints())

    def session(
        self,
        *,
        deck: str | None = None,
        tag: str | None = None,
        cram: bool = False,
        tz: tzinfo | None = None,
        scheduler: Scheduler | None = None,
        search: str | Query | None = None,
        now: datetime | None = None,
        ahead: bool = False,
    ) -> StudySession:
        """A study session over this collection (see ``StudySession``).

        ``search`` keeps the session to the cards it matches at ``now`` (which it then needs), like
        Anki's filtered decks: a card stays in the session once its state no longer matches.
        ``ahead`` studies every matching card now, due or not, and saves the ratings (custom study).
        """
        cards = None
        if search is not None:
            if now is None:
                raise ValueError("a session with a search needs now, the time the search runs")
            cards = self.search(search, now, tz)
        return StudySession(
            self.store,
            self.library,
            deck=deck,
            tag=tag,
            cram=cram,
            tz=tz,
            scheduler=scheduler,
            cards=cards,
            ahead=ahead,
        )

    def search(self, query: str | Query, now: datetime, tz: tzinfo | None = None) -> list[str]:
        """The ids of the loaded cards that ``query`` (``studyapp.search``'s syntax) matches at ``now``, in
        deck order; a bad query raises ``SearchError``. "Today" is the study day of ``tz`` (default: local
        time) that the collection's ``day_start_hour`` sets, as in the study queue."""
        parsed = parse(query) if isinstance(query, str) else query
        context = self._search_context(parsed, now, tz)
        if self.in_sync():
            return self.store.search_cards(parsed.root, context)
        cards = self.library.cards  # the reference: the decks' text matched in Python
        root = resolve(parsed.root, cards) if parsed.root is not None else None
        matched = set(self.store.search_cards(root, context))
        return [card.id for card in cards if card.id in matched]

    def card_listing(
        self, query: Query | None, now: datetime, *, deck: str | None = None, tag: str | None = None
    ) -> CardListing | None:
        """``studyapp cards``'s list of the cards in ``deck`` with ``tag`` (``leech`` also keeps the
        leeches) that ``query`` matches at ``now``, read from SQL; ``None`` when the collection's text is
        not the loaded decks' (a read-only collection whose decks changed)."""
        if not self.in_sync():
            return None
        context = self._search_context(query or Query("", None), now, None)
        search = compile_condition(query.root if query else None, context, text_alias="tx")
        parts, params = [f"({search.where})"] if search.where != "1" else [], list(search.params)
        if deck is not None:
            parts.append("c.deck_id = ?")
            params.append(deck)
        if tag is not None:
            tagged = "EXISTS (SELECT 1 FROM card_tags AS t WHERE t.card_id = c.card_id AND t.tag = ?)"
            parts.append(f"({tagged} OR c.leech != 0)" if tag == "leech" else tagged)
            params.append(tag)
        now_ms = utc_ms(context.now) or 0
        return CardListing(self.store, Condition(" AND ".join(parts) or "1", params, True), now_ms)

    def _search_context(self, query: Query, now: datetime, tz: tzinfo | None) -> SearchContext:
        now = check_utc(now)
        context = SearchContext(now, next_day_start(now, self.settings().day_start_hour, tz))
        if query.uses_retrievability:
            from studyapp.stats import forgetting_curve  # the curve the mastery statistics use

            factor, decay = forgetting_curve(self.settings().fsrs_parameters)
            context = replace(context, factor=factor, decay=decay)
        return context

    # -- Browse: one search's matches, read a page at a time ----------------------------------------

    def browse(self, query: Query, order: str, now: datetime, tz: tzinfo | None = None) -> int:
        """Keep the cards ``query`` matches at ``now``, sorted by ``order`` (one of ``BROWSE_ORDERS``;
        then deck order), for ``browse_rows``; returns how many there are."""
        if not self.in_sync() and not self.store.read_only:  # another program reconciled other decks
            self.sync = reconcile(self.store, self.library, self.fingerprints())
        return self.store.fill_browse(query.root, self._search_context(query, now, tz), order)

    def browse_rows(self, start: int, count: int) -> list[BrowseRecord]:
        """Up to ``count`` rows of the last ``browse`` from row ``start`` (0 is the first)."""
        return self.store.browse_rows(start, count)

    def browse_position(self, card_id: str) -> int | None:
        """The row of ``card_id`` in the last ``browse``, if it matched."""
        return self.store.browse_position(card_id)

    def browse_widths(self, now: datetime) -> dict[str, int]:
        """The longest text of each Browse column over all cards (``studyapp.store.text_index``)."""
        return self.store.browse_widths(utc_ms(check_utc(now)) or 0)

    # -- Home -------------------------------------------------------------------------------------

    def outline_session(self) -> StudySession:
        """A session over the decks without their cards (not read from the deck cache): it counts,
        suspends and buries cards by id, but has no card to show."""
        from studyapp.content import Library

        decks = [Deck(deck_id, title, ()) for deck_id, title in self.library.deck_titles]
        return StudySession(self.store, Library(decks))

    def cards_per_sim(self) -> dict[str, int]:
        """How many loaded cards link to each simulation, by its name: counted in SQL when the collection
        holds the loaded decks' text, else over the cards."""
        if self.in_sync():
            return self.store.cards_per_sim()
        counts: dict[str, int] = {}
        for card in self.library.cards:
            if card.sim is not None:
                counts[card.sim] = counts.get(card.sim, 0) + 1
        return counts

    def overview(self, now: datetime) -> Overview:
        """Home's numbers (``Overview``), from SQL aggregates: the decks' cards are not read."""
        titles = self.library.deck_titles
        session = self.outline_session()
        counts = session.deck_counts(now)
        decks = [(deck_id, title, counts[deck_id]) for deck_id, title in titles if deck_id in counts]
        reviews = self.reviews_today(now)
        due_now = self._studied_card_waits(session, now)
        upcoming = None if due_now else self.next_due(now)
        return Overview(decks, Counts.total(counts.values()), reviews, due_now, upcoming)

    def _studied_card_waits(self, session: StudySession, now: datetime) -> bool:
        """Whether the queue's next card was studied before and is due: a learning card whose step has
        come, or a review card due today within its deck's limit (not a new card, nor a learning card
        shown ahead of its step)."""
        if self.store.next_learning(now, now, CardFilter()) is not None:
            return True
        _start, end = session.day_bounds(now)
        decks = frozenset(deck for deck, (_new, reviews) in session.left_today(now).items() if reviews > 0)
        return self.store.next_review(end, now, CardFilter(decks=decks)) is not None

    def retired_ids(self) -> set[str]:
        """The ids of cards that left every deck but keep their history (a new card must not take one)."""
        return self.store.retired_card_ids()

    def cards_with_state(
        self, include_retired: bool = False, ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """One JSON-ready dict per card (or per card of ``ids``), in deck order: its study state, due
        time, stability and counts."""
        if ids is not None and len(ids) <= POINT_LOOKUPS:  # a few cards of many: each looked up
            found = (self.store.card(card_id) for card_id in ids)
            records = sorted(
                (r for r in found if r and (include_retired or not r.retired)), key=lambda r: r.ord
            )
        else:
            wanted = None if ids is None else set(ids)
            records = [r for r in self.store.cards(include_retired) if wanted is None or r.card_id in wanted]
        return [
            {
                "id": record.card_id,
                "deck": record.deck_id,
                "tags": list(record.tags),
                "state": StudyState(record.state.state).name.lower(),
                "due": record.state.due.isoformat() if record.state.due else None,
                "last_review": record.state.last_review.isoformat() if record.state.last_review else None,
                "stability": record.state.stability,
                "difficulty": record.state.difficulty,
                "reps": record.state.reps,
                "lapses": record.state.lapses,
                "suspended": record.state.suspended,
                "buried_until": record.state.buried_until.isoformat() if record.state.buried_until else None,
                "leech": record.state.leech,
                "retired": record.retired,
            }
            for record in records
        ]

    # -- settings and summaries, for the app and the commands -----------------------------------

    def settings(self) -> Settings:
        """The collection's settings (defaults where none is stored)."""
        return self.store.settings()

    def set_setting(self, key: str, value: Any) -> None:
        """Validate (``ValueError``) and store one setting; a deck's own limit (``deck:ID:NAME``) may be
        ``None``, which makes it follow the global value again."""
        deck_key = split_deck_key(key)
        if deck_key is None:
            self.store.set_setting(key, value)
        else:
            self.store.set_deck_limit(*deck_key, value)

    def deck_limits(self) -> dict[str, DeckLimits]:
        """The limits of every deck that set one of its own, by deck id."""
        return self.store.deck_limits()

    def next_due(self, now: datetime) -> datetime | None:
        """When the next learning or review card of any deck falls due after ``now``."""
        return self.store.next_due(now)

    def card_record(self, card_id: str) -> CardRecord | None:
        """What the collection knows of one card (``None`` if it never saw it)."""
        return self.store.card(card_id)

    def reviews_today(self, now: datetime) -> int:
        """Reviews made today (today as the study queue counts it)."""
        from studyapp.activity import reviews_per_day

        hour = self.settings().day_start_hour
        return reviews_per_day(self.store, now, days=1, day_start_hour=hour)[-1][1]

    def mastery(self, now: datetime) -> dict[str, Mastery]:
        """Mastery per tag of the loaded cards (see ``studyapp.stats``)."""
        from studyapp import stats

        return stats.mastery(self.store, now, self.library.tags)[1]

    def calibration(self) -> tuple[Calibration, dict[str, Calibration]]:
        """How often the predictions were within tolerance, overall and per tag (``studyapp.stats``)."""
        from studyapp.stats import calibration

        return calibration(self.store)

    def statistics(
        self,
        now: datetime,
        sections: Sequence[str] | None = None,
        offer_for: OfferRule | None = None,
        heatmap_days: int | None = None,
    ) -> dict[str, Any]:
        """Every statistic as one JSON-ready dict, or only ``sections`` (``studyapp.stats.all_stats``);
        ``offer_for`` makes the misconceptions' offers (``studyapp.stats.offer_of`` if ``None``), and
        ``heatmap_days`` the days of ``reviews_per_day`` (``None``: a year)."""
        from studyapp.stats import HEATMAP_DAYS, SECTIONS, all_stats, offer_of

        wanted = SECTIONS if sections is None else sections
        days = HEATMAP_DAYS if heatmap_days is None else heatmap_days
        return all_stats(
            self.store, self.library, now, sections=wanted, offer_for=offer_for or offer_of, heatmap_days=days
        )

    def home_statistics(self, now: datetime, days: int, forecast_days: int) -> dict[str, Any]:
        """What Home draws beside and under its counts, in ``statistics``' form but without the rest of
        it: the ``streak`` (a three-year one takes 10 ms at a million reviews: not in the first frame),
        ``mastery`` per tag, the ``forecast`` of ``forecast_days`` days, and ``reviews_per_day`` of the
        last ``days`` days."""
        from studyapp.activity import current_streak, reviews_per_day
        from studyapp.stats import due_forecast, mastery

        now, hour = check_utc(now), self.settings().day_start_hour
        tags = mastery(self.store, now, self.library.tags)[1]
        forecast = due_forecast(self.store, now, days=forecast_days, day_start_hour=hour)
        heatmap = reviews_per_day(self.store, now, days=days, day_start_hour=hour)
        return {
            "streak": current_streak(self.store, now, day_start_hour=hour),
            "mastery": {"tags": {tag: value.to_dict() for tag, value in tags.items()}},
            "forecast": [{"date": day.isoformat(), "due": count} for day, count in forecast],
            "reviews_per_day": {day.isoformat(): count for day, count in heatmap},
        }

    def add_quiz_attempt(self, **attempt: Any) -> int:
        """Record one answered quiz question (``Store.add_quiz_attempt``'s fields); returns its id."""
        return self.store.add_quiz_attempt(**attempt)

    @property
    def path(self) -> Path:
        """The collection's file."""
        return self.store.path

    @property
    def created(self) -> bool:
        """Opening it made a new, empty collection."""
        return self.store.created

    def reader(self) -> Collection:
        """This collection on a read-only connection of its own, to read in another thread beside this
        one's work (close it when done); it sees what this connection has committed."""
        return replace(self, store=self.store.reader(), deck_cache=None)

    def close(self) -> None:
        """Close the store, after caching the decks if deck files were written and read again since
        they were opened (``DeckCache.save_written``: the next start need not read them again)."""
        cache = self.deck_cache
        if cache is not None and self.library is not cache.opened and not self.store.read_only:
            with suppress(CollectionError):  # the cache is only a shortcut: the next start reads the files
                cache.save_written(self.library, self.fingerprints().to_dict())
        self.store.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _finish_imports(store: Store, user_dir: Path | None) -> None:
    """Put in place the files of an import stopped after its commit, and delete those of one stopped
    before (``studyapp.placing``), before the deck files are listed."""
    from studyapp.paths import user_deck_dir
    from studyapp.placing import finish_moves

    with suppress(CollectionError):  # busy: the next open does it
        finish_moves(store, [user_dir if user_dir is not None else user_deck_dir()])


def open_collection(
    db_path: Path | None = None,
    extra_dirs: Sequence[Path] = (),
    *,
    user_dir: Path | None = None,
    library: Library | None = None,
    for_reading: bool = False,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
    reading: Callable[[int], None] | None = None,
    upgrading: Callable[[int], None] | None = None,
) -> Collection:
    """Open the collection (default path if ``None``), load the decks (or use ``library``) and reconcile;
    ``reading`` is told the size in bytes of the deck files read: every deck, or those that changed
    since the cache was written (none when nothing changed), and ``upgrading`` the size of the file
    before a collection of an older version is copied and upgraded.

    The decks are those of ``studyapp.content.load_library(extra_dirs, user_dir, sims, problems)``,
    from the deck cache when no deck file changed (``studyapp.deck_cache``); their problems are in
    ``Collection.library.problems``. ``for_reading`` is for commands that only read: a missing
    collection raises ``CollectionMissing`` instead of being created, and one that cannot be written
    (a read-only file, folder or mount) is opened read-only, without reconciling it with the decks.
    """
    if db_path is None:
        from studyapp.paths import default_db_path

        db_path = default_db_path()
    try:
        store = Store.open(db_path, create=not for_reading, upgrading=upgrading)
    except CollectionReadOnly:
        if not for_reading:
            raise
        store = Store.open(db_path, create=False, read_only=True, upgrading=upgrading)
    try:
        known = replaced = cache = replaced_fingerprints = None
        if library is None:
            from studyapp.deck_cache import open_library

            if not store.read_only:
                _finish_imports(store, user_dir)

            catalogs = {"sims": sims, "problems": problems}
            opened = open_library(
                store,
                extra_dirs,
                user_dir,
                catalogs,
                lambda loaded: Fingerprints.of(loaded).to_dict(),
                reading,
            )
            library, replaced, cache = opened.library, opened.replaced, opened.cache
            known = (library, Fingerprints.from_dict(opened.summary))
            if opened.replaced_summary is not None:
                replaced_fingerprints = Fingerprints.from_dict(opened.replaced_summary)
        fingerprints = known[1] if known else None
        report = (
            SyncReport(skipped=True)
            if store.read_only
            else reconcile(store, library, fingerprints, replaced, replaced_fingerprints)
        )
    except BaseException:
        store.close()
        raise
    return Collection(store, library, report, known, cache)
