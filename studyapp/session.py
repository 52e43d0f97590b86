"""The study queue and the actions on it: rate, undo, bury, suspend, skip, and cram.

Order of the queue: learning and relearning cards whose step is due; review cards due today, lowest
retrievability first, up to each deck's review limit; new cards in deck order up to each deck's new-card
limit; and, when nothing else is left, learning cards due within the next ``LEARN_AHEAD``. The day
starts at ``day_start_hour`` local time. A deck's limits are its own where it set them (``deck:ID:NAME``
settings), else the global ``new_per_day`` and ``review_limit``; reviews of cards that were new, and
of cards in review, count against them.

Studying ahead (Anki's custom study) goes through a fixed set of cards now, due or not, and saves the
ratings: studied cards by due time, then new cards, and no daily limit applies. A card forgotten comes
back as its learning steps fall due.

Cram mode goes through every card of the deck or tag in deck order, ahead of schedule, and writes
nothing: no state change and no review-log row, so statistics and scheduling never see it. A card
rated Again in cram comes back at the end of the cram queue; burying or suspending a card in cram
only takes it out of this session.

Every write is committed before the call returns. When another program holds the collection's
write lock, a call raises ``CollectionBusy`` after its wait and changes nothing, so it can simply be
made again.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import NamedTuple, Protocol

from studyapp.errors import UserError
from studyapp.model import Card, CardState, Deck, DeckLimits, RateResult, Rating
from studyapp.scheduler import Scheduler, check_utc
from studyapp.store import Store
from studyapp.store.predictions import DrillAnswer, PredictionRecord
from studyapp.store.search import CardSet, SearchFilter

LEARN_AHEAD = timedelta(minutes=20)
#: A card becomes a leech at this many lapses, and again every ``LEECH_REPEAT`` lapses after that.
LEECH_THRESHOLD = 8
LEECH_REPEAT = 4
#: Seeds of drill problems are drawn below this (the quiz's seeds are integers >= 0).
PROBLEM_SEED_LIMIT = 2**31


class LibraryView(Protocol):
    """The loaded decks (``studyapp.content.Library``)."""

    @property
    def decks(self) -> Sequence[Deck]: ...

    @property
    def cards(self) -> Sequence[Card]: ...


class SessionLibrary(LibraryView, Protocol):
    """What the session reads of the loaded decks: their ids and tags, and a deck's cards when one of them
    is shown (a cached library's other decks are never read: ``studyapp.deck_cache.CachedLibrary``)."""

    @property
    def deck_ids(self) -> Sequence[str]: ...

    @property
    def tags(self) -> Sequence[str]: ...

    def deck_card_lookup(self, deck_id: str) -> Callable[[str], Card | None]: ...


class _CardsById:
    """The library's cards by id, looked up in the deck the collection files a card under when it is
    first asked for (a cached deck is read then, and only the cards asked for are made); every card,
    once, for a card that is not there."""

    def __init__(self, library: SessionLibrary, store: Store) -> None:
        self._library, self._store = library, store
        self._cards: dict[str, Card] = {}
        self._decks: dict[str, Callable[[str], Card | None]] = {}
        self._all_read = False

    def get(self, card_id: str) -> Card | None:
        """The loaded card with this id, if any."""
        card = self._cards.get(card_id)
        if card is None and not self._all_read:
            record = self._store.card(card_id)
            if record is not None:
                if record.deck_id not in self._decks:
                    self._decks[record.deck_id] = self._library.deck_card_lookup(record.deck_id)
                card = self._decks[record.deck_id](card_id)
            if card is None:  # filed under another deck (another program's decks): every card
                self._all_read = True
                self._add(self._library.cards)
                card = self._cards.get(card_id)
            else:
                self._cards[card_id] = card
        return card

    def __contains__(self, card_id: str) -> bool:
        return self.get(card_id) is not None

    def _add(self, cards: Iterable[Card]) -> None:
        self._cards.update((card.id, card) for card in cards)


class Counts(NamedTuple):
    """Cards left today: new (within the daily limit), learning, and review cards due."""

    new: int
    learning: int
    due: int

    @classmethod
    def total(cls, counts: Iterable[Counts]) -> Counts:
        """The counts of several decks together."""
        new = learning = due = 0
        for part in counts:
            new, learning, due = new + part.new, learning + part.learning, due + part.due
        return cls(new, learning, due)


@dataclass(frozen=True)
class _Undo:
    card_id: str
    review_id: int | None = None
    previous: CardState | None = None
    cram: RateResult | None = None
    skipped: bool = False
    #: The card left the queue of a cram or study-ahead session; undoing puts it back in front.
    dequeued: bool = False


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
        library: SessionLibrary,
        *,
        deck: str | None = None,
        tag: str | None = None,
        cram: bool = False,
        tz: tzinfo | None = None,
        scheduler: Scheduler | None = None,
        cards: Iterable[str] | None = None,
        ahead: bool = False,
    ) -> None:
        """``cards``: keep to these card ids (a search's matches when the session starts, as in
        Anki's filtered decks), within ``deck`` and ``tag``. ``ahead``: study every one of them now,
        due or not, saving the ratings (needs ``cards``)."""
        if ahead and (cram or cards is None):
            raise ValueError("studying ahead needs the cards to study, and saves its ratings (not cram)")
        self.store = store
        self.library = library
        self._cards = _CardsById(library, store)
        self._deck_ids = list(library.deck_ids)
        if deck is not None and deck not in self._deck_ids:
            raise UserError(f"no deck '{deck}'; decks: {', '.join(self._deck_ids) or 'none'}")
        tags = sorted({*library.tags, "leech"})
        if tag is not None and tag not in tags:
            raise UserError(f"no card has the tag '{tag}'; tags: {', '.join(tags)}")
        self.deck, self.tag, self.cram, self.ahead, self.tz = deck, tag, cram, ahead, tz
        self.settings = store.settings()
        self._limits = store.deck_limits()
        self._scheduler = scheduler
        self.results: list[RateResult] = []
        self._undo: list[_Undo] = []
        self._skipped: set[str] = set()
        self._unknown: set[str] = set()
        self._only = CardSet(frozenset(cards)) if cards is not None else None
        #: Cram's and studying ahead's cards still to show, in order (a normal session asks the store).
        self._queue: deque[str] = deque(store.cram_cards(self._filter()) if cram else ())
        self._new_in_queue: set[str] = set()
        self._ahead_queued = False
        #: The seed of the problem instance each drill card on show was given, until it is rated.
        self._problem_seeds: dict[str, int] = {}

    @property
    def scheduler(self) -> Scheduler:
        """The fsrs scheduler at the collection's desired retention, made on first use."""
        if self._scheduler is None:
            self._scheduler = Scheduler(
                self.settings.desired_retention, parameters=self.settings.fsrs_parameters
            )
        return self._scheduler

    # -- time ------------------------------------------------------------------------------------

    def day_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The start and end (UTC) of the study day containing ``now``."""
        hour = self.settings.day_start_hour
        return day_start(now, hour, self.tz), next_day_start(now, hour, self.tz)

    def deck_limits(self, deck_id: str) -> DeckLimits:
        """The deck's daily limits: its own where it set them, else the global settings'."""
        return self._limits.get(deck_id) or DeckLimits.of(self.settings, {})

    def left_today(self, now: datetime) -> dict[str, tuple[int, int]]:
        """``(new, reviews)`` that each deck's daily limits still allow today, by deck id."""
        start, _end = self.day_bounds(now)
        done = self.store.count_reviewed_by_deck(start)
        left = {}
        for deck_id in self._deck_ids:
            limits = self.deck_limits(deck_id)
            new_done, reviews_done = done.get(deck_id, (0, 0))
            new_left, reviews_left = limits.new_per_day - new_done, limits.review_limit - reviews_done
            left[deck_id] = (max(new_left, 0), max(reviews_left, 0))
        return left

    # -- the queue -------------------------------------------------------------------------------

    def _filter(self, deck: str | None = None) -> SearchFilter:
        exclude = frozenset(self._skipped | self._unknown)
        return SearchFilter(deck or self.deck, self.tag, exclude, cards=self._only)

    def next_card(self, now: datetime) -> Card | None:
        """The card to show at ``now``, or ``None`` when the session has nothing left."""
        now = check_utc(now)
        if self.cram:
            card_id = self._queue_head()
            return None if card_id is None else self._cards.get(card_id)
        while True:
            card_id = self._next_id(now)
            if card_id is None:
                return None
            card = self._cards.get(card_id)
            if card is not None:
                return card
            self._unknown.add(card_id)  # reconciled by another process with other decks

    def _queue_ahead(self, now: datetime) -> None:
        """Studying ahead: the cards to go through, in order, taken when the session first looks."""
        if self.ahead and not self._ahead_queued:
            self._ahead_queued = True
            for card_id, new in self.store.ahead_cards(now, self._filter()):
                self._queue.append(card_id)
                if new:
                    self._new_in_queue.add(card_id)

    def _queue_head(self) -> str | None:
        """The first card of cram's or studying ahead's queue that is still to be shown."""
        return next((c for c in self._queue if c not in self._skipped and c in self._cards), None)

    def _next_id(self, now: datetime) -> str | None:
        self._queue_ahead(now)
        card_filter = self._filter()
        found = self.store.next_learning(now, now, card_filter)
        if found is None and self.ahead:
            found = self._queue_head()
        elif found is None:
            _start, end = self.day_bounds(now)
            left = self.left_today(now)
            with_reviews = frozenset(deck for deck, (_new, reviews) in left.items() if reviews > 0)
            found = self.store.next_review(end, now, replace(card_filter, decks=with_reviews))
            with_new = frozenset(deck for deck, (new, _reviews) in left.items() if new > 0)
            if found is None and with_new:
                found = self.store.next_new(now, replace(card_filter, decks=with_new))
        return found or self.store.next_learning(now + LEARN_AHEAD, now, card_filter)

    def next_due(self, now: datetime) -> datetime | None:
        """When the next learning or review card in this session's filter falls due after ``now``."""
        return None if self.cram else self.store.next_due(check_utc(now), self._filter())

    def counts(self, now: datetime) -> Counts:
        """``(new, learning, due)`` left today in this session (cram: every card left, as due)."""
        now = check_utc(now)
        if self.cram:
            return Counts(0, 0, len([c for c in self._queue if c not in self._skipped]))
        if self.ahead:
            return self._ahead_counts(now)
        return Counts.total(self.deck_counts(now).values())

    def _ahead_counts(self, now: datetime) -> Counts:
        """Studying ahead: the queue's new and studied cards, and its forgotten cards back in learning."""
        self._queue_ahead(now)
        queued = [c for c in self._queue if c not in self._skipped]
        new = len([c for c in queued if c in self._new_in_queue])
        _start, end = self.day_bounds(now)
        card_filter = self._filter()
        card_filter = replace(card_filter, exclude=card_filter.exclude | set(queued))
        learning = sum(part[0] for part in self.store.count_due(end, now, card_filter).values())
        return Counts(new, learning, len(queued) - new)

    def deck_counts(self, now: datetime) -> dict[str, Counts]:
        """``Counts`` for every loaded deck (within this session's filter), each within its daily limits."""
        now = check_utc(now)
        card_filter = self._filter()
        _start, end = self.day_bounds(now)
        due = self.store.count_due(end, now, card_filter, by_deck=True)
        left = self.left_today(now)
        counts = {}
        for deck_id in self._deck_ids:
            if self.deck is not None and deck_id != self.deck:
                continue
            new_left, reviews_left = left[deck_id]
            learning, reviews = due.get(deck_id, (0, 0))
            new = self.store.count_new(now, replace(card_filter, deck=deck_id), new_left) if new_left else 0
            counts[deck_id] = Counts(new, learning, min(reviews, reviews_left))
        return counts

    # -- actions ---------------------------------------------------------------------------------

    def card(self, card_id: str) -> Card | None:
        """The loaded card with this id, if any."""
        return self._cards.get(card_id)

    def state(self, card_id: str) -> CardState:
        """The card's current study state."""
        return self.store.card_state(card_id)

    def problem_seed(self, card_id: str) -> int:
        """The seed of the problem instance a drill card shows now: a fresh one for each review, kept
        until the card is rated, and after an undo the one the undone review showed."""
        if card_id not in self._problem_seeds:
            self._problem_seeds[card_id] = random.SystemRandom().randrange(PROBLEM_SEED_LIMIT)
        return self._problem_seeds[card_id]

    def predicts(self, card: Card) -> bool:
        """Whether the card's deck asks for a prediction before the answer (the ``predict`` setting)."""
        return card.sim is not None and self.deck_limits(card.deck).predict

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
        prediction: PredictionRecord | None = None,
        drill: DrillAnswer | None = None,
    ) -> RateResult:
        """Rate a card 1-4 (again, hard, good, easy); it is on disk when this returns.

        ``wait_ms`` bounds the wait for another program's write lock; past it, ``CollectionBusy`` is
        raised, nothing was written, and the same call can be made again. ``prediction`` and ``drill``
        (the prediction made before the answer, the drill instance shown) are stored with the review;
        cram stores neither.
        """
        result = self.rate_unless(
            lambda: False,
            card_id,
            rating,
            now,
            duration_ms,
            wait_ms=wait_ms,
            prediction=prediction,
            drill=drill,
        )
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
        prediction: PredictionRecord | None = None,
        drill: DrillAnswer | None = None,
    ) -> RateResult | None:
        """``rate``, unless ``withdrawn()`` is true once the write lock is held: then nothing is
        written and ``None`` is returned (a rating given up while it waited for the lock)."""
        rating, now = self._check_rating(rating, now, duration_ms)
        if self.cram:
            self._problem_seeds.pop(card_id, None)
            return self._rate_cram(card_id, rating, now)
        with self.store.transaction(wait_ms=wait_ms):
            if withdrawn():
                return None
            result = self._review(card_id, rating, now, duration_ms, prediction, drill)
        self._remember(result)
        return result

    @staticmethod
    def _check_rating(rating: int, now: datetime, duration_ms: int | None) -> tuple[Rating, datetime]:
        if duration_ms is not None and duration_ms < 0:
            raise ValueError(f"duration_ms must be >= 0, got {duration_ms}")
        return Rating.parse(rating), check_utc(now)

    def _review(
        self,
        card_id: str,
        rating: Rating,
        now: datetime,
        duration_ms: int | None,
        prediction: PredictionRecord | None = None,
        drill: DrillAnswer | None = None,
    ) -> RateResult:
        """Schedule and log one review, with its prediction and drill instance (in the caller's
        transaction)."""
        before = self.store.card_state(card_id)
        after, when = self.scheduler.review(before, rating, now)
        leech = is_leech(before, after)
        if leech:
            after = replace(after, leech=True, suspended=True)
        review_id = self.store.record_review(
            card_id, rating, when, duration_ms, before, after, prediction=prediction, drill=drill
        )
        return RateResult(card_id, rating, before, after, review_id, leech, when)

    def _remember(self, result: RateResult) -> None:
        self._problem_seeds.pop(result.card_id, None)
        dequeued = self._dequeue(result.card_id)
        self._undo.append(_Undo(result.card_id, review_id=result.review_id, dequeued=dequeued))
        self.results.append(result)

    def _dequeue(self, card_id: str) -> bool:
        """Take the card out of studying ahead's queue; whether it was in it."""
        if self.ahead and card_id in self._queue:
            self._queue.remove(card_id)
            return True
        return False

    def _rate_cram(self, card_id: str, rating: Rating, now: datetime) -> RateResult:
        state = self.store.card_state(card_id)
        if card_id in self._queue:
            self._queue.remove(card_id)
        if rating == Rating.AGAIN:
            self._queue.append(card_id)
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

        A rating's card gets back exactly its previous state and its log row is deleted, with the
        prediction and drill answer stored with it; a drill card then shows the same instance again.
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
            drill = self.store.drill_answer(entry.review_id)
            self.store.delete_review(entry.review_id, record.before)
            if drill is not None:  # shown again, the card shows the same instance
                self._problem_seeds[entry.card_id] = drill.seed
            self._pop_result(entry.card_id)
        elif entry.cram is not None:
            if entry.cram.rating == Rating.AGAIN and self._queue and self._queue[-1] == entry.card_id:
                self._queue.pop()
            self._queue.appendleft(entry.card_id)
            self._pop_result(entry.card_id)
        elif entry.previous is not None:
            self.store.set_state(entry.card_id, entry.previous)
        if entry.dequeued:
            self._queue.appendleft(entry.card_id)
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
        self._undo.append(_Undo(card_id, previous=previous, dequeued=self._dequeue(card_id)))

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
