"""The study queue and the actions on it: rate, undo, bury, suspend, skip, and cram.

Order of the queue: learning and relearning cards whose step is due; review cards due today, lowest
retrievability first; new cards in deck order up to the daily limit; and, when nothing else is left,
learning cards due within the next ``LEARN_AHEAD``. The day starts at ``day_start_hour`` local time.

Cram mode goes through every card of the deck or tag in deck order, ahead of schedule, and writes
nothing: no state change and no review-log row, so statistics and scheduling never see it. A card
rated Again in cram comes back at the end of the cram queue; burying or suspending a card in cram
only takes it out of this session.

Every write is committed before the call returns. When another program holds the collection's
write lock, a call raises ``CollectionBusy`` after its wait and changes nothing, so it can simply be
made again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import NamedTuple, Protocol

from studyapp.errors import UserError
from studyapp.model import Card, CardState, Deck, RateResult, Rating
from studyapp.scheduler import Scheduler, check_utc
from studyapp.store import CardFilter, Store
from studyapp.store.search import CardSet, SearchFilter

LEARN_AHEAD = timedelta(minutes=20)
#: A card becomes a leech at this many lapses, and again every ``LEECH_REPEAT`` lapses after that.
LEECH_THRESHOLD = 8
LEECH_REPEAT = 4


class LibraryView(Protocol):
    """What the session needs from the loaded decks (``studyapp.content.Library``)."""

    @property
    def decks(self) -> Sequence[Deck]: ...

    @property
    def cards(self) -> Sequence[Card]: ...


class Counts(NamedTuple):
    """Cards left today: new (within the daily limit), learning, and review cards due."""

    new: int
    learning: int
    due: int


@dataclass(frozen=True)
class _Undo:
    card_id: str
    review_id: int | None = None
    previous: CardState | None = None
    cram: RateResult | None = None
    skipped: bool = False


def _at_hour(day: datetime, hour: int, tz: tzinfo | None) -> datetime:
    naive = datetime.combine(day.date(), time(hour))
    local = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return local.astimezone(UTC)


def day_start(now: datetime, hour: int, tz: tzinfo | None = None) -> datetime:
    """The start (UTC) of the study day containing ``now``: the last ``hour``:00 in ``tz`` (default local)."""
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be from 0 to 23, got {hour}")
    local = check_utc(now).astimezone(tz)
    day = local if local.hour >= hour else local - timedelta(days=1)
    return _at_hour(day, hour, tz)


def next_day_start(now: datetime, hour: int, tz: tzinfo | None = None) -> datetime:
    """The start (UTC) of the study day after the one containing ``now``."""
    start = day_start(now, hour, tz).astimezone(tz)
    return _at_hour(start + timedelta(days=1), hour, tz)


def is_leech(before: CardState, after: CardState) -> bool:
    """Whether this review's lapse makes the card a leech (at 8 lapses, then every 4 more)."""
    lapses = after.lapses
    return (
        lapses > before.lapses
        and lapses >= LEECH_THRESHOLD
        and (lapses - LEECH_THRESHOLD) % LEECH_REPEAT == 0
    )


class StudySession:
    """One study session over a collection: the queue, ratings and their undo history."""

    def __init__(
        self,
        store: Store,
        library: LibraryView,
        *,
        deck: str | None = None,
        tag: str | None = None,
        cram: bool = False,
        tz: tzinfo | None = None,
        scheduler: Scheduler | None = None,
        cards: Iterable[str] | None = None,
    ) -> None:
        """``cards``: keep to these card ids (a search's matches when the session starts, as in
        Anki's filtered decks), within ``deck`` and ``tag``."""
        self.store = store
        self.library = library
        self._cards = {card.id: card for card in library.cards}
        deck_ids = [d.id for d in library.decks]
        if deck is not None and deck not in deck_ids:
            raise UserError(f"no deck '{deck}'; decks: {', '.join(deck_ids) or 'none'}")
        tags = sorted({t for card in self._cards.values() for t in card.tags} | {"leech"})
        if tag is not None and tag not in tags:
            raise UserError(f"no card has the tag '{tag}'; tags: {', '.join(tags)}")
        self.deck, self.tag, self.cram, self.tz = deck, tag, cram, tz
        self.settings = store.settings()
        self._scheduler = scheduler
        self.results: list[RateResult] = []
        self._undo: list[_Undo] = []
        self._skipped: set[str] = set()
        self._unknown: set[str] = set()
        self._only = CardSet(frozenset(cards)) if cards is not None else None
        self._cram_queue: deque[str] = deque(store.cram_cards(self._filter()) if cram else ())

    @property
    def scheduler(self) -> Scheduler:
        """The fsrs scheduler at the collection's desired retention, made on first use."""
        if self._scheduler is None:
            self._scheduler = Scheduler(self.settings.desired_retention)
        return self._scheduler

    # -- time ------------------------------------------------------------------------------------

    def day_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The start and end (UTC) of the study day containing ``now``."""
        hour = self.settings.day_start_hour
        return day_start(now, hour, self.tz), next_day_start(now, hour, self.tz)

    def new_left_today(self, now: datetime) -> int:
        """How many new cards the daily limit still allows."""
        start, _end = self.day_bounds(now)
        return max(self.settings.new_per_day - self.store.count_new_reviewed(start), 0)

    # -- the queue -------------------------------------------------------------------------------

    def _filter(self, deck: str | None = None) -> CardFilter:
        return SearchFilter(deck or self.deck, self.tag, frozenset(self._skipped | self._unknown), self._only)

    def next_card(self, now: datetime) -> Card | None:
        """The card to show at ``now``, or ``None`` when the session has nothing left."""
        now = check_utc(now)
        if self.cram:
            known = [c for c in self._cram_queue if c not in self._skipped and c in self._cards]
            return self._cards[known[0]] if known else None
        while True:
            card_id = self._next_id(now)
            if card_id is None:
                return None
            if card_id in self._cards:
                return self._cards[card_id]
            self._unknown.add(card_id)  # reconciled by another process with other decks

    def _next_id(self, now: datetime) -> str | None:
        card_filter = self._filter()
        _start, end = self.day_bounds(now)
        found = self.store.next_learning(now, now, card_filter) or self.store.next_review(
            end, now, card_filter
        )
        if found is None and self.new_left_today(now) > 0:
            found = self.store.next_new(now, card_filter)
        return found or self.store.next_learning(now + LEARN_AHEAD, now, card_filter)

    def next_due(self, now: datetime) -> datetime | None:
        """When the next learning or review card in this session's filter falls due after ``now``."""
        return None if self.cram else self.store.next_due(check_utc(now), self._filter())

    def counts(self, now: datetime, deck: str | None = None) -> Counts:
        """``(new, learning, due)`` left today in this session's filter (and ``deck``, if given)."""
        now = check_utc(now)
        if self.cram:
            return Counts(0, 0, len([c for c in self._cram_queue if c not in self._skipped]))
        card_filter = self._filter(deck)
        _start, end = self.day_bounds(now)
        learning = due = 0
        for deck_learning, deck_due in self.store.count_due(end, now, card_filter).values():
            learning, due = learning + deck_learning, due + deck_due
        return Counts(self.store.count_new(now, card_filter, self.new_left_today(now)), learning, due)

    def deck_counts(self, now: datetime) -> dict[str, Counts]:
        """``Counts`` for every loaded deck (within this session's tag filter), for the home screen."""
        now = check_utc(now)
        card_filter = self._filter()
        _start, end = self.day_bounds(now)
        due = self.store.count_due(end, now, card_filter, by_deck=True)
        left = self.new_left_today(now)
        return {
            deck.id: Counts(
                self.store.count_new(now, replace(card_filter, deck=deck.id), left), *due.get(deck.id, (0, 0))
            )
            for deck in self.library.decks
            if self.deck is None or deck.id == self.deck
        }

    # -- actions ---------------------------------------------------------------------------------

    def card(self, card_id: str) -> Card | None:
        """The loaded card with this id, if any."""
        return self._cards.get(card_id)

    def state(self, card_id: str) -> CardState:
        """The card's current study state."""
        return self.store.card_state(card_id)

    def preview(self, card_id: str, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give the card at ``now`` (without fuzz)."""
        return self.scheduler.preview(self.store.card_state(card_id), now)

    def rate(
        self,
        card_id: str,
        rating: int,
        now: datetime,
        duration_ms: int | None = None,
        *,
        wait_ms: int | None = None,
    ) -> RateResult:
        """Rate a card 1-4 (again, hard, good, easy); it is on disk when this returns.

        ``wait_ms`` bounds the wait for another program's write lock; past it, ``CollectionBusy`` is
        raised, nothing was written, and the same call can be made again.
        """
        result = self.rate_unless(lambda: False, card_id, rating, now, duration_ms, wait_ms=wait_ms)
        assert result is not None
        return result

    def rate_unless(
        self,
        withdrawn: Callable[[], bool],
        card_id: str,
        rating: int,
        now: datetime,
        duration_ms: int | None = None,
        *,
        wait_ms: int | None = None,
    ) -> RateResult | None:
        """``rate``, unless ``withdrawn()`` is true once the write lock is held: then nothing is
        written and ``None`` is returned (a rating given up while it waited for the lock)."""
        rating, now = self._check_rating(rating, now, duration_ms)
        if self.cram:
            return self._rate_cram(card_id, rating, now)
        with self.store.transaction(wait_ms=wait_ms):
            if withdrawn():
                return None
            result = self._review(card_id, rating, now, duration_ms)
        self._remember(result)
        return result

    @staticmethod
    def _check_rating(rating: int, now: datetime, duration_ms: int | None) -> tuple[Rating, datetime]:
        if duration_ms is not None and duration_ms < 0:
            raise ValueError(f"duration_ms must be >= 0, got {duration_ms}")
        return Rating.parse(rating), check_utc(now)

    def _review(self, card_id: str, rating: Rating, now: datetime, duration_ms: int | None) -> RateResult:
        """Schedule and log one review (in the caller's transaction)."""
        before = self.store.card_state(card_id)
        after, when = self.scheduler.review(before, rating, now)
        leech = is_leech(before, after)
        if leech:
            after = replace(after, leech=True, suspended=True)
        review_id = self.store.record_review(card_id, rating, when, duration_ms, before, after)
        return RateResult(card_id, rating, before, after, review_id, leech, when)

    def _remember(self, result: RateResult) -> None:
        self._undo.append(_Undo(result.card_id, review_id=result.review_id))
        self.results.append(result)

    def _rate_cram(self, card_id: str, rating: Rating, now: datetime) -> RateResult:
        state = self.store.card_state(card_id)
        if card_id in self._cram_queue:
            self._cram_queue.remove(card_id)
        if rating == Rating.AGAIN:
            self._cram_queue.append(card_id)
        result = RateResult(card_id, rating, state, state, None, False, now)
        self._undo.append(_Undo(card_id, cram=result))
        self.results.append(result)
        return result

    @property
    def can_undo(self) -> bool:
        """Whether this session has a rating, bury or suspend to undo."""
        return bool(self._undo)

    def undo(self) -> str | None:
        """Undo the session's last rating, bury or suspend; returns its card id (``None``: nothing left).

        A rating's card gets back exactly its previous state and its log row is deleted.
        """
        if not self._undo:
            return None
        entry = self._undo[-1]
        if entry.review_id is not None:
            latest = self.store.latest_review_id(entry.card_id)
            if latest != entry.review_id:
                self._undo.pop()
                raise UserError(f"cannot undo: card '{entry.card_id}' was reviewed again in another session")
            record = self.store.review(entry.review_id)
            assert record is not None
            self.store.delete_review(entry.review_id, record.before)
            self._pop_result(entry.card_id)
        elif entry.cram is not None:
            if (
                entry.cram.rating == Rating.AGAIN
                and self._cram_queue
                and self._cram_queue[-1] == entry.card_id
            ):
                self._cram_queue.pop()
            self._cram_queue.appendleft(entry.card_id)
            self._pop_result(entry.card_id)
        elif entry.previous is not None:
            self.store.set_state(entry.card_id, entry.previous)
        self._undo.pop()
        self._skipped.discard(entry.card_id)
        return entry.card_id

    def _pop_result(self, card_id: str) -> None:
        if self.results and self.results[-1].card_id == card_id:
            self.results.pop()

    def _change(self, card_id: str, change: Callable[[CardState], CardState]) -> None:
        if self.cram:  # cram writes nothing: the card only leaves this session's queue
            self.skip(card_id)
            self._undo.append(_Undo(card_id, skipped=True))
            return
        with self.store.transaction():
            previous = self.store.card_state(card_id)
            self.store.set_state(card_id, change(previous))
        self._undo.append(_Undo(card_id, previous=previous))

    def bury(self, card_id: str, now: datetime) -> datetime:
        """Hide the card until the next day starts; returns that time."""
        _start, end = self.day_bounds(check_utc(now))
        self._change(card_id, lambda state: replace(state, buried_until=end))
        return end

    def suspend(self, card_id: str) -> None:
        """Take the card out of every queue until it is unsuspended."""
        self._change(card_id, lambda state: replace(state, suspended=True))

    def unsuspend(self, card_id: str) -> None:
        """Put a suspended card (a leech, for instance) back into the queue."""
        self._change(card_id, lambda state: replace(state, suspended=False))

    def skip(self, card_id: str) -> None:
        """Leave the card out for the rest of this session (nothing is written)."""
        self._skipped.add(card_id)
