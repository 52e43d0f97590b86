"""Imported review histories replayed through FSRS, in memory, as rows for the store's bulk writes.

Each card starts new; each answer is scheduled by ``Scheduler.replay``, which keeps fsrs's card from one
answer to the next, exactly as one ``record_review`` per answer after ``Scheduler.review`` would record
it (the state after one review is the state before the next, so each state is written out once, as
``CardState.to_json`` writes it). The card is left in the state of its last answer, suspended or marked
a leech when Anki had it so. Nothing here touches the collection: the rows are made while
``Store.record_histories`` writes them.

A replay depends on a card's answers alone, so it starts while the file's answers are read, before its
notes become cards (``ReplayAhead.start``): a big one (``PARALLEL_FROM`` answers or more) in a worker
process, a chunk of cards at a time, each sent as a few flat arrays (``ReplayChunk``) as soon as its
cards' answers are read.
Meanwhile this process converts the notes, writes and checks the deck and reconciles it; then it takes
the rows in deck order (``ReplayAhead.rows``: the answers' order in the file) and writes them as they
come. When it waits for a chunk, it replays the last chunk the worker has not started instead, so both
work until the end. A worker that cannot start or dies leaves its chunks to this process.

A worker's rows come back through a pipe that a thread of this process reads, 64 KiB at a time, taking
the interpreter lock back from this process's own work after each read. At Python's switch interval of
5 ms, the worker waited on a full pipe for about half of its time (measured at 50k notes: it had 40-60%
of a core while this process worked, and 92% with the interval below), so a shorter one is in force
while it runs. A worker ends by itself when this process is killed outright.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from studyapp.anki.source import CardHistory, Review
from studyapp.model import CardState, Rating, state_json, utc_ms
from studyapp.scheduler import Scheduler
from studyapp.store import CardHistoryRows
from studyapp.store.bulk import LogRow

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from studyapp.anki.deck_file import Plan

#: A replay of at least this many answers runs in a worker process; a smaller one takes less time than
#: starting a process (about 0.3 s).
PARALLEL_FROM = 20_000
#: How many cards a worker replays at a time (about 0.05 s of work at 10 answers a card): at the end,
#: this process waits for at most two chunks (the one the worker replays and the one it has queued).
CHUNK_CARDS = 250
#: The interpreter's switch interval (s) while a worker replays (see above).
WORKER_SWITCH_INTERVAL = 0.0002

_NEW = CardState()
_NEW_JSON = _NEW.to_json()
#: A replayed card's flags until its last answer: a new card's.
_SUSPENDED, _BURIED_UNTIL, _LEECH = _NEW.suspended, utc_ms(_NEW.buried_until), _NEW.leech
#: A duration that is not known, in ``ReplayChunk.durations``.
_NO_DURATION = -1
_RATINGS = {int(rating): rating for rating in Rating}

#: A review-log row without its card id (``LogRow``'s other fields): what a replay makes of an answer.
AnswerRow = tuple[int, int, int | None, int, int, str, str]
#: One card's answers replayed: their rows, and the state after the last one (``None``: no answer).
Replayed = tuple[list[AnswerRow], CardState | None]


def card_histories(plan: Plan) -> Iterator[tuple[str, CardHistory]]:
    """Every card the plan's deck makes, by id, with its history."""
    for entry_id, card in zip(plan.entry_ids, plan.source.cards, strict=True):
        yield from zip(card.card_ids(entry_id), card.histories, strict=True)


@dataclass(frozen=True)
class ReplayChunk:
    """Some cards' answers in flat arrays: what a worker process is sent (a few arrays are pickled and sent
    in no time, where an object per answer takes seconds at 500k answers)."""

    #: Where each card's answers end in the arrays below.
    ends: array[int]
    at_ms: array[int]
    ratings: bytes
    #: Each answer's duration in ms (``-1``: not known).
    durations: array[int]

    @classmethod
    def of(cls, answers: Iterable[Sequence[Review]]) -> ReplayChunk:
        """The chunk of the cards with ``answers``."""
        ends, at_ms, durations, ratings = array("q"), array("q"), array("q"), bytearray()
        for reviews in answers:
            if reviews:
                times, rated, took = zip(*reviews, strict=True)  # the columns
                at_ms.extend(times)
                ratings.extend(rated)
                known = took if None not in took else [_NO_DURATION if d is None else d for d in took]
                durations.extend(known)
            ends.append(len(at_ms))
        return cls(ends, at_ms, bytes(ratings), durations)


def replayed_chunk(chunk: ReplayChunk, scheduler: Scheduler) -> list[Replayed]:
    """Each card of ``chunk`` replayed, in order."""
    replayed, start = [], 0
    for end in chunk.ends:
        ratings = [_RATINGS[rating] for rating in chunk.ratings[start:end]]
        times = [datetime.fromtimestamp(at_ms / 1000, UTC) for at_ms in chunk.at_ms[start:end]]
        durations = [None if took == _NO_DURATION else took for took in chunk.durations[start:end]]
        replayed.append(replayed_answers(ratings, times, durations, scheduler))
        start = end
    return replayed


def replayed_answers(
    ratings: Sequence[Rating],
    times: Sequence[datetime],
    durations: Sequence[int | None],
    scheduler: Scheduler,
) -> Replayed:
    """A new card's answers, each scheduled by FSRS from the state the one before left, as review-log rows
    (without the card's id), and the state after the last one."""
    rows: list[AnswerRow] = []
    before, state_before = _NEW_JSON, int(_NEW.state)
    answers = scheduler.replay(zip(ratings, times, strict=True))
    answer = None
    for rating, duration, answer in zip(ratings, durations, answers, strict=True):
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
        rows.append((int(rating), reviewed_at, duration, state_before, state_after, before, after))
        before, state_before = after, state_after
    return rows, answer.state() if answer is not None else None


def replayed(reviews: Sequence[Review], scheduler: Scheduler) -> Replayed:
    """One card's answers replayed (``replayed_answers`` of its reviews)."""
    ratings = [review.rating for review in reviews]
    times = [datetime.fromtimestamp(review.at_ms / 1000, UTC) for review in reviews]
    return replayed_answers(ratings, times, [review.duration_ms for review in reviews], scheduler)


def history_rows(card_id: str, history: CardHistory, replay: Replayed) -> CardHistoryRows:
    """The card's rows for the store: its replayed answers under its id, and the state it is left in,
    suspended or a leech as Anki had it (``None`` for a card that stays new and unflagged)."""
    answer_rows, state = replay
    rows: list[LogRow] = [(card_id, *row) for row in answer_rows]
    if history.flagged:
        state = replace(state or _NEW, suspended=history.suspended, leech=history.leech)
    return CardHistoryRows(card_id, rows, state)


def pickled_replay(chunk: ReplayChunk, scheduler: Scheduler) -> bytes:
    """``replayed_chunk`` pickled (what a worker process runs): this process keeps a chunk in that form,
    half the memory of its rows, until it writes it."""
    return pickle.dumps(replayed_chunk(chunk, scheduler), protocol=pickle.HIGHEST_PROTOCOL)


def replayed_plan(plan: Plan, scheduler: Scheduler) -> Iterator[CardHistoryRows]:
    """Every card of the plan replayed here, in deck order, as they are asked for."""
    with ReplayAhead(scheduler, parallel_from=math.inf) as ahead:
        yield from ahead.rows(plan)


def worker_started() -> None:
    """A worker's start: no cyclic garbage collection (it only makes rows, which the collector would
    only walk), and its end as soon as this process ends without stopping it (killed outright: the
    worker would otherwise wait forever on a pipe it holds both ends of)."""
    import multiprocessing
    import threading

    gc.disable()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), name="parent-watch", daemon=True).start()


def _end_with(sentinel: int) -> None:
    """End this process when ``sentinel`` (its parent's) is ready: the parent has ended."""
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(1)


class ReplayAhead:
    """The replay of a file's answers with a scheduler, from when they are read (``start``): in a worker
    process when there are at least ``parallel_from`` of them, else in this process as the rows are asked
    for (``rows``). Close it (or use ``with``) when done: a worker still running is stopped after its
    chunk."""

    def __init__(self, scheduler: Scheduler, parallel_from: float = PARALLEL_FROM) -> None:
        self.scheduler = scheduler
        self.parallel_from = parallel_from
        #: Each card's answers, by its key (``CardHistory.key``), and its chunk and place in it.
        self._answers: dict[int, tuple[Review, ...]] = {}
        self._places: dict[int, tuple[int, int]] = {}
        self._chunks: list[ReplayChunk] = []
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future[bytes]] = []
        #: Chunks taken from the worker and replayed here, by index.
        self._here: dict[int, list[Replayed]] = {}
        #: The chunk whose rows are being written, by index.
        self._current: tuple[int, list[Replayed]] | None = None
        #: The switch interval to restore when the worker is stopped.
        self._switch_interval: float | None = None

    def start(self, answers: Iterable[tuple[int, tuple[Review, ...]]], expected: int = 0) -> None:
        """Replay each card's answers, given as ``(key, answers)`` in the file's order, as they come (a card
        without any is left out). When ``expected`` (how many answers may come) reaches ``parallel_from``,
        the worker starts at once and is sent each chunk as soon as it is full."""
        early = expected >= self.parallel_from
        if early:
            self._start_worker()
        chunk: list[tuple[Review, ...]] = []
        for key, reviews in answers:
            if reviews:
                self._answers[key] = reviews
                self._places[key] = (len(self._chunks), len(chunk))
                chunk.append(reviews)
                if len(chunk) == CHUNK_CARDS:
                    self._add_chunk(chunk)
                    chunk = []
        if chunk:
            self._add_chunk(chunk)
        # (a worker started early that died is not started again: its chunks not sent are replayed here)
        if not early and sum(map(len, self._answers.values())) >= self.parallel_from:
            self._start_worker()
            for index in range(len(self._chunks)):
                self._submit(index)

    def _add_chunk(self, answers: list[tuple[Review, ...]]) -> None:
        self._chunks.append(ReplayChunk.of(answers))
        self._submit(len(self._chunks) - 1)

    def _start_worker(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=worker_started)
        except (OSError, RuntimeError):  # no process can start here: the chunks are replayed here
            self.close()
            return
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, WORKER_SWITCH_INTERVAL))

    def _submit(self, index: int) -> None:
        """Send chunk ``index`` to the worker, if there is one (the chunks before it were sent)."""
        if self._pool is None:
            return
        try:
            self._futures.append(self._pool.submit(pickled_replay, self._chunks[index], self.scheduler))
        except (OSError, RuntimeError):  # the worker died: the chunks not sent are replayed here
            self.close()

    @property
    def in_worker(self) -> bool:
        """Whether a worker process replays the answers."""
        return bool(self._futures)

    def fits(self, scheduler: Scheduler) -> bool:
        """Whether this replay schedules with what ``scheduler`` schedules with."""
        return (
            scheduler.desired_retention == self.scheduler.desired_retention
            and scheduler.parameters == self.scheduler.parameters
        )

    def rows(self, plan: Plan) -> Iterator[CardHistoryRows]:
        """The rows of each card the plan's deck makes, in deck order: replayed ahead when its answers
        were, else here."""
        for card_id, history in card_histories(plan):
            yield history_rows(card_id, history, self._replayed(history))

    def _replayed(self, history: CardHistory) -> Replayed:
        """The history's replay: from its chunk when it is this replay's (read in the file's order, so a
        chunk is fetched once), else made here."""
        key = history.key
        place = self._places.get(key) if key is not None else None
        if key is None or place is None or self._answers[key] is not history.reviews:
            return replayed(history.reviews, self.scheduler)
        index, offset = place
        if self._current is None or self._current[0] != index:
            if self._current is not None and index < self._current[0]:  # out of the file's order
                return replayed(history.reviews, self.scheduler)
            self._current = (index, self._chunk(index))
        return self._current[1][offset]

    def _chunk(self, index: int) -> list[Replayed]:
        from concurrent.futures.process import BrokenProcessPool

        if index in self._here:
            return self._here.pop(index)
        if index < len(self._futures):
            future = self._futures[index]
            while not future.done() and self._replay_last_waiting(after=index):
                pass
            try:
                replays: list[Replayed] = pickle.loads(future.result())
                return replays
            except BrokenProcessPool:  # the worker died (killed, out of memory): replayed here
                pass
        return replayed_chunk(self._chunks[index], self.scheduler)

    def _replay_last_waiting(self, after: int) -> bool:
        """Take the last chunk (after ``after``) that the worker has not started, and replay it here;
        ``False`` when the worker has started every one (it takes them in order)."""
        for index in range(len(self._futures) - 1, after, -1):
            if index in self._here:
                continue
            if not self._futures[index].cancel():
                return False
            self._here[index] = replayed_chunk(self._chunks[index], self.scheduler)
            return True
        return False

    def close(self) -> None:
        """Stop the worker, if any (the chunks not started are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    def __enter__(self) -> ReplayAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
