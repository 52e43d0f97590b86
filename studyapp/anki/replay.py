"""Imported review histories replayed through FSRS, in memory, as rows for the store's bulk writes.

Each card starts new; each answer is scheduled by ``Scheduler.replay``, which keeps fsrs's card from one
answer to the next, exactly as one ``record_review`` per answer after ``Scheduler.review`` would record
it (the state after one review is the state before the next, so each state is written out once, as
``CardState.to_json`` writes it). The card is left in the state of its last answer, suspended or marked
a leech when Anki had it so. Nothing here touches the collection: the rows are made while
``Store.record_histories`` writes them.

A big replay (``PARALLEL_FROM`` answers or more) runs ahead in a worker process (``ReplayAhead``), from
as soon as the deck is planned: while this process writes and loads the deck and reconciles it, the
worker computes the rows, a chunk of cards at a time from the first, and this one writes them as they
come. When this one waits for a chunk, it replays the last chunk the worker has not started instead,
so both work until the end. A worker that cannot start or dies leaves its chunks to this process.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING

from studyapp.anki.source import CardHistory
from studyapp.model import CardState, state_json, utc_ms
from studyapp.scheduler import Scheduler
from studyapp.store import CardHistoryRows
from studyapp.store.bulk import LogRow

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from studyapp.anki.deck_file import Plan

#: A replay of at least this many answers runs in a worker process; a smaller one takes less time than
#: starting a process (about 0.3 s).
PARALLEL_FROM = 20_000
#: How many cards a worker replays at a time (about 0.1 s of work at 10 answers a card).
CHUNK_CARDS = 1_000

_NEW = CardState()
_NEW_JSON = _NEW.to_json()
#: A replayed card's flags until its last answer: a new card's.
_SUSPENDED, _BURIED_UNTIL, _LEECH = _NEW.suspended, utc_ms(_NEW.buried_until), _NEW.leech

CardHistories = Sequence[tuple[str, CardHistory]]


def card_histories(plan: Plan) -> Iterator[tuple[str, CardHistory]]:
    """Every card the plan's deck makes, by id, with its history."""
    for entry_id, card in zip(plan.entry_ids, plan.source.cards, strict=True):
        yield from zip(card.card_ids(entry_id), card.histories, strict=True)


def replayed(card_id: str, history: CardHistory, scheduler: Scheduler) -> CardHistoryRows:
    """The card's reviews as log rows, each scheduled by FSRS from the state the one before left, and the
    state it is left in (``None`` for a card that stays new and unflagged)."""
    reviews = history.reviews
    answers = [(review.rating, datetime.fromtimestamp(review.at_ms / 1000, UTC)) for review in reviews]
    rows: list[LogRow] = []
    before, state_before = _NEW_JSON, int(_NEW.state)
    answer = None
    for review, answer in zip(reviews, scheduler.replay(answers), strict=True):
        card, when = answer.card, answer.when
        reviewed_at = utc_ms(when)
        assert reviewed_at is not None
        last_review = reviewed_at if card.last_review is when else utc_ms(card.last_review)
        state_after = int(card.state)
        after = state_json(
            (
                state_after,
                card.step,
                card.stability,
                card.difficulty,
                utc_ms(card.due),
                last_review,
                answer.reps,
                answer.lapses,
                _SUSPENDED,
                _BURIED_UNTIL,
                _LEECH,
            )
        )
        rows.append(
            (
                card_id,
                int(review.rating),
                reviewed_at,
                review.duration_ms,
                state_before,
                state_after,
                before,
                after,
            )
        )
        before, state_before = after, state_after
    state = answer.state() if answer is not None else _NEW
    if history.flagged:
        state = replace(state, suspended=history.suspended, leech=history.leech)
    return CardHistoryRows(card_id, rows, state if rows or history.flagged else None)


def replayed_cards(cards: CardHistories, scheduler: Scheduler) -> list[CardHistoryRows]:
    """``replayed`` for each card, in order."""
    return [replayed(card_id, history, scheduler) for card_id, history in cards]


def pickled_replay(cards: CardHistories, scheduler: Scheduler) -> bytes:
    """``replayed_cards`` pickled (what a worker process runs): this process keeps a chunk in that form,
    half the memory of its rows, until it writes it."""
    return pickle.dumps(replayed_cards(cards, scheduler), protocol=pickle.HIGHEST_PROTOCOL)


def replayed_plan(plan: Plan, scheduler: Scheduler) -> Iterator[CardHistoryRows]:
    """Every card of the plan replayed, in deck order, computed as they are asked for."""
    for card_id, history in card_histories(plan):
        yield replayed(card_id, history, scheduler)


class ReplayAhead:
    """The replay of a plan with a scheduler, started when it is made: in a worker process when the plan
    has at least ``parallel_from`` answers, else in this process as the rows are asked for. Iterating
    gives ``replayed_plan``'s rows, in deck order. Close it (or use ``with``) when done: a worker still
    running is stopped after its chunk."""

    def __init__(self, plan: Plan, scheduler: Scheduler, parallel_from: int = PARALLEL_FROM) -> None:
        self.plan = plan
        self.scheduler = scheduler
        cards = card_histories(plan)
        self._chunks = list(iter(lambda: list(islice(cards, CHUNK_CARDS)), []))
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[bytes]] = []
        #: Chunks taken from the worker and replayed here, by index.
        self._here: dict[int, list[CardHistoryRows]] = {}
        if plan.source.reviews >= parallel_from:
            self._start()

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            # the worker only makes rows: the cyclic garbage collector would only walk them
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=gc.disable)
            submit = self._pool.submit
            self._futures = [submit(pickled_replay, chunk, self.scheduler) for chunk in self._chunks]
        except (OSError, RuntimeError):  # no process can start here: the chunks are replayed here
            self.close()
            self._futures = []

    @property
    def in_worker(self) -> bool:
        """Whether a worker process replays the plan."""
        return bool(self._futures)

    def fits(self, plan: Plan, scheduler: Scheduler) -> bool:
        """Whether this is the replay of ``plan`` with what ``scheduler`` schedules with."""
        return (
            plan is self.plan
            and scheduler.desired_retention == self.scheduler.desired_retention
            and scheduler.parameters == self.scheduler.parameters
        )

    def __iter__(self) -> Iterator[CardHistoryRows]:
        for index in range(len(self._chunks)):
            yield from self._chunk_rows(index)

    def _chunk_rows(self, index: int) -> list[CardHistoryRows]:
        from concurrent.futures.process import BrokenProcessPool

        if index in self._here:
            return self._here.pop(index)
        if index < len(self._futures):
            future = self._futures[index]
            while not future.done() and self._replay_last_waiting(after=index):
                pass
            try:
                rows: list[CardHistoryRows] = pickle.loads(future.result())
                return rows
            except BrokenProcessPool:  # the worker died (killed, out of memory): replayed here
                pass
        return replayed_cards(self._chunks[index], self.scheduler)

    def _replay_last_waiting(self, after: int) -> bool:
        """Take the last chunk (after ``after``) that the worker has not started, and replay it here;
        ``False`` when the worker has started every one (it takes them in order)."""
        for index in range(len(self._futures) - 1, after, -1):
            if index in self._here:
                continue
            if not self._futures[index].cancel():
                return False
            self._here[index] = replayed_cards(self._chunks[index], self.scheduler)
            return True
        return False

    def close(self) -> None:
        """Stop the worker, if any (the chunks not started are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ReplayAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
