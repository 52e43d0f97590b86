"""Merging another machine's export into this collection: two machines, one history (``import --merge``).

**Identity.** Review ids are autoincrement ids and collide across machines, so a review is identified by
its card and its time in milliseconds: the same review has the same card and time on both machines, and
two different reviews of one card in one millisecond do not happen in practice. The one way they can is
a clock that moved back (the scheduler then counts the review at the card's previous review time); such
reviews are told apart by their order in the log. A quiz attempt is identified by its time in
milliseconds and its question text, repeats likewise by their order.

**History.** The merged review log is the union of both logs. Each card's state is replayed from it in
time order, from the state logged before its first review. A review whose logged state before it agrees
with the replayed one (study state, step, stability, difficulty, due, last review, reps and lapses) keeps
its logged state after it: the one its machine computed, fuzz included, so a card reviewed on one machine
only ends up exactly as that machine left it. A review whose logged "before" no longer agrees (the other
machine reviewed the card in between) is rescheduled from the replayed state with FSRS at the merged
settings' desired retention **without fuzz**, so that the result does not depend on which side merges;
a lapse there that makes the card a leech suspends it and marks it a leech, as a rating does
(``studyapp.session.is_leech``), and its log row gets the replayed states, so the log stays one
consistent history. If two copies of one review both agree (they cannot differ in practice), the first
in a fixed order of their contents is kept.

**Flags.** Suspended, buried-until and leech come from the newer side for that card: the one with the
later review of the card, then the later review or quiz attempt overall; when both are equally new, the
more cautious flags (suspended, then leech, then buried longer). A leech lapse of the merged history
that this newer side never logged suspends the card and marks it a leech.

**Predictions and drill answers** come in as a union too. A prediction is identified by its time in
milliseconds, its card, its simulation and the answer predicted (repeats by their order), a drill answer
by the review it was given in; each keeps its link to its review, which the merged log holds (by card and
time) whichever side logged it. A copy this collection already has stays as it is.

**Settings** are taken from the export when its newest review or quiz attempt is at least as new as this
collection's, and kept otherwise. The export's own time is not used: each machine exports after its own
study, so comparing it with the other side's study would make both machines take each other's settings.

**Cards this collection does not know** (decks it does not have) are kept as retired cards, in retired
decks, with their state, tags and history, like cards removed from a deck: they come back with their
history when their deck is added.

Whichever side merges, the card states, the review log (card, time, rating, duration, states) and the
quiz attempts come out the same (only an exact tie of newest study times, where the export's settings
win, can make the settings differ). Merging the same export again changes nothing. A merge is planned
and written in one transaction, so an interrupted merge leaves the collection as it was.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO, TypeVar

from studyapp.export_format import Progress, TransferError, time_of
from studyapp.export_reader import Snapshot, read_export
from studyapp.model import CardState, QuizAttempt, Rating, Settings, split_deck_key, utc_ms
from studyapp.scheduler import Scheduler
from studyapp.session import is_leech
from studyapp.store import Store
from studyapp.store.merge import LoggedReview, RetiredCard
from studyapp.store.predictions import DRILL_COLUMNS, PREDICTION_COLUMNS

#: A review's place in a card's history: its time in epoch ms, and which review of the card at that ms.
Key = tuple[int, int]
#: A review on either machine: its card and its place in the card's history.
ReviewRef = tuple[str, Key]
#: A row of ``predictions`` or ``drill_answers`` by column name.
Row = dict[str, Any]
T = TypeVar("T")
#: The fields of a study state that scheduling reads; the others are flags (suspended, buried, leech).
SCHEDULE_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


@dataclass(frozen=True)
class _Version:
    """One machine's copy of a review."""

    rating: int
    duration_ms: int | None
    before: str
    after: str
    #: The log row, for this collection's own reviews (not part of a copy's contents).
    review_id: int | None = field(default=None, compare=False)
    #: The state after, when the merge computed it (saves reading it back).
    computed: CardState | None = field(default=None, compare=False, repr=False)

    def order(self) -> tuple[str, str, int, bool, int]:
        """A fixed order of contents, to choose between two copies the same way on both sides."""
        return (self.before, self.after, self.rating, self.duration_ms is None, self.duration_ms or 0)

    def is_leech(self) -> bool:
        """Whether this review's lapse made the card a leech."""
        return self.rating == Rating.AGAIN and is_leech(
            CardState.from_json(self.before), CardState.from_json(self.after)
        )


@dataclass
class _Side:
    """What one machine holds: card states, review logs by card and key, quiz attempts and settings."""

    states: dict[str, CardState] = field(default_factory=dict)
    logs: dict[str, dict[Key, _Version]] = field(default_factory=dict)
    attempts: list[QuizAttempt] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    decks: set[str] = field(default_factory=set)
    #: Each review's place, by its id on this side.
    review_refs: dict[int, ReviewRef] = field(default_factory=dict)
    predictions: list[Row] = field(default_factory=list)
    drills: list[Row] = field(default_factory=list)

    def add_review(self, card_id: str, reviewed_at: int, version: _Version, review_id: int) -> None:
        """Log a review (call in log order: repeats at one ms are numbered in that order)."""
        log = self.logs.setdefault(card_id, {})
        n = 0
        while (reviewed_at, n) in log:
            n += 1
        log[(reviewed_at, n)] = version
        self.review_refs[review_id] = (card_id, (reviewed_at, n))

    @cached_property
    def activity(self) -> int:
        """The time of the newest review or quiz attempt (ms), -1 without any."""
        times = [key[0] for log in self.logs.values() for key in log]
        times += [utc_ms(attempt.at) or 0 for attempt in self.attempts]
        return max(times, default=-1)

    def last_review(self, card_id: str) -> int:
        return max((key[0] for key in self.logs.get(card_id, {})), default=-1)

    def logged_leech(self, card_id: str, key: Key) -> bool:
        version = self.logs.get(card_id, {}).get(key)
        return version is not None and version.is_leech()


def store_side(store: Store) -> _Side:
    """This collection's side, read through the store's public reads."""
    side = _Side(
        states={record.card_id: record.state for record in store.cards()},
        attempts=list(store.iter_quiz_attempts()),
        settings=store.stored_settings(),
        decks={deck_id for deck_id, _title, _rank, _retired in store.deck_rows()},
        predictions=list(store.prediction_rows()),
        drills=list(store.drill_rows()),
    )
    for row in store.review_rows():  # in log order
        version = _Version(row["rating"], row["duration_ms"], row["before"], row["after"], row["id"])
        side.add_review(row["card_id"], row["reviewed_at"], version, row["id"])
    return side


def snapshot_side(snapshot: Snapshot) -> _Side:
    """The export's side."""
    side = _Side(
        states={row[0]: CardState.from_row(row[5:]) for row in snapshot.cards},
        attempts=[QuizAttempt.from_row(row) for row in snapshot.quiz_attempts],
        settings=dict(snapshot.settings),
        decks={row[0] for row in snapshot.decks},
        predictions=[dict(zip(PREDICTION_COLUMNS, row, strict=True)) for row in snapshot.predictions],
        drills=[dict(zip(DRILL_COLUMNS, row, strict=True)) for row in snapshot.drill_answers],
    )
    for row in sorted(snapshot.reviews):
        review_id, card_id, rating, reviewed_at, duration_ms, _sb, _sa, before, after = row
        side.add_review(card_id, reviewed_at, _Version(rating, duration_ms, before, after), review_id)
    return side


# -- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeReport:
    """What a merge brought in (or, for a dry run, would bring in)."""

    reviews_added: int
    #: This collection's reviews whose logged states the merged history replaced (the other machine's
    #: reviews of the card came in between).
    reviews_rescheduled: int
    cards_changed: tuple[str, ...]
    #: Cards this collection did not know, kept as retired cards.
    cards_added: tuple[str, ...]
    quiz_attempts_added: int
    settings_taken: bool
    settings_changed: tuple[str, ...]
    predictions_added: int = 0
    drill_answers_added: int = 0
    dry_run: bool = False
    source: str = ""
    collection: str = ""
    #: The merge made a new collection (it did not exist).
    created: bool = False

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {
            "source": self.source,
            "collection": self.collection,
            "dry_run": self.dry_run,
            "reviews_added": self.reviews_added,
            "reviews_rescheduled": self.reviews_rescheduled,
            "cards_changed": list(self.cards_changed),
            "cards_added": list(self.cards_added),
            "quiz_attempts_added": self.quiz_attempts_added,
            "predictions_added": self.predictions_added,
            "drill_answers_added": self.drill_answers_added,
            "settings_taken": self.settings_taken,
            "settings_changed": list(self.settings_changed),
        }

    def describe(self) -> str:
        """The report as lines of text for people."""
        head = "would merge" if self.dry_run else "merged"
        lines = [f"{head} {self.source or 'the export'} into {self.collection or 'the collection'}:"]
        lines.append(f"  reviews added: {self.reviews_added}")
        if self.reviews_rescheduled:
            lines.append(
                f"  reviews here rescheduled (the other machine's came between): {self.reviews_rescheduled}"
            )
        lines.append(f"  cards changed: {len(self.cards_changed)}")
        if self.cards_added:
            lines.append(f"  cards added as retired (their decks are not here): {len(self.cards_added)}")
        lines.append(f"  quiz attempts added: {self.quiz_attempts_added}")
        if self.predictions_added or self.drill_answers_added:
            lines.append(f"  predictions added: {self.predictions_added}")
            lines.append(f"  drill answers added: {self.drill_answers_added}")
        if not self.settings_taken:
            lines.append("  settings: kept (this collection's study is newer)")
        elif self.settings_changed:
            lines.append(f"  settings: taken from the export ({', '.join(self.settings_changed)} changed)")
        else:
            lines.append("  settings: taken from the export (the same as these)")
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return "\n".join(lines)


# -- the replay ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """A review of the merged history with the states it has there."""

    key: Key
    review: _Version


def _schedule(state_json: str) -> tuple[Any, ...]:
    data = json.loads(state_json)
    return tuple(data[name] for name in SCHEDULE_FIELDS)


class _Replay:
    """Replays cards' merged histories; the fuzz-free scheduler is made on first need."""

    def __init__(self, desired_retention: float) -> None:
        self.desired_retention = desired_retention
        self._scheduler: Scheduler | None = None

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            self._scheduler = Scheduler(self.desired_retention, fuzz=False)
        return self._scheduler

    def history(self, copies: dict[Key, list[_Version]]) -> list[_Step]:
        """The card's reviews in time order with their merged states (see the module docstring)."""
        steps: list[_Step] = []
        current: _Version | None = None  # the previous step, whose state after is the replayed state
        for key in sorted(copies):
            versions = sorted({v.order(): v for v in copies[key]}.values(), key=_Version.order)
            chosen = versions[0] if current is None else _agreeing(versions, current.after)
            if chosen is None:
                assert current is not None
                chosen = self._rescheduled(versions[0], key, current)
            steps.append(_Step(key, chosen))
            current = chosen
        return steps

    def _rescheduled(self, version: _Version, key: Key, previous: _Version) -> _Version:
        """The review rated again after ``previous``'s state, without fuzz (a leech as a rating makes it)."""
        before = previous.computed or CardState.from_json(previous.after)
        moment = time_of(key[0])
        assert moment is not None
        after, _when = self.scheduler.review(before, Rating(version.rating), moment)
        if is_leech(before, after):
            after = replace(after, leech=True, suspended=True)
        text = after.to_json()
        return _Version(
            version.rating, version.duration_ms, previous.after, text, computed=CardState.from_json(text)
        )


def _agreeing(versions: list[_Version], current: str) -> _Version | None:
    """The first copy (in content order) whose logged state before agrees with ``current`` on schedule."""
    if len(versions) == 1 and versions[0].before == current:
        return versions[0]
    schedule = _schedule(current)
    return next((v for v in versions if _schedule(v.before) == schedule), None)


# -- planning --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything a merge writes."""

    #: Reviews to append, each with its place in its card's history.
    inserts: list[tuple[ReviewRef, LoggedReview]] = field(default_factory=list)
    rewrites: list[tuple[int, LoggedReview]] = field(default_factory=list)
    states: list[tuple[str, CardState]] = field(default_factory=list)
    new_decks: list[tuple[str, str, int]] = field(default_factory=list)
    new_cards: list[RetiredCard] = field(default_factory=list)
    new_tags: list[tuple[str, str]] = field(default_factory=list)
    attempts: list[QuizAttempt] = field(default_factory=list)
    #: Predictions and drill answers to add, with the place of the review each belongs to (if any).
    predictions: list[tuple[Row, ReviewRef | None]] = field(default_factory=list)
    drills: list[tuple[Row, ReviewRef]] = field(default_factory=list)
    #: This collection's review ids by place, for the links of what is added.
    review_ids: dict[ReviewRef, int] = field(default_factory=dict)
    settings: dict[str, Any] | None = None

    @property
    def size(self) -> int:
        parts = (self.inserts, self.rewrites, self.states, self.new_cards, self.attempts)
        return sum(len(part) for part in parts) + len(self.predictions) + len(self.drills)


def _flags_rank(side: _Side, card_id: str) -> tuple[int, int, bool, bool, int]:
    """How new and how cautious one side's flags for the card are (greater wins)."""
    state = side.states[card_id]
    buried = utc_ms(state.buried_until)
    return (
        side.last_review(card_id),
        side.activity,
        state.suspended,
        state.leech,
        -1 if buried is None else buried,
    )


def _merged_state(card_id: str, sides: list[_Side], steps: list[_Step]) -> CardState:
    """The card's state after the merged history, with the newer side's flags."""
    ranks = [_flags_rank(side, card_id) for side in sides]
    best = max(ranks)
    newest = [side for side, rank in zip(sides, ranks, strict=True) if rank == best]
    flags = min((side.states[card_id] for side in newest), key=CardState.to_json)  # one content order
    if not steps:
        return flags
    state = replace(
        CardState.from_json(steps[-1].review.after),
        suspended=flags.suspended,
        buried_until=flags.buried_until,
        leech=flags.leech,
    )
    unseen_leech = any(
        step.review.is_leech() and not any(side.logged_leech(card_id, step.key) for side in newest)
        for step in steps
    )
    return replace(state, suspended=True, leech=True) if unseen_leech else state


def _merged_settings(local: _Side, incoming: _Side) -> tuple[bool, dict[str, Any], tuple[str, ...]]:
    """Whether the export's settings are taken, the merged settings, and the keys that change."""
    taken = incoming.activity >= local.activity
    merged = incoming.settings if taken else local.settings
    keys = sorted(local.settings.keys() | merged.keys())
    changed = tuple(key for key in keys if local.settings.get(key, None) != merged.get(key, None))
    return taken, merged, changed


def _desired_retention(settings: dict[str, Any]) -> float:
    globals_only = {key: value for key, value in settings.items() if split_deck_key(key) is None}
    return Settings(**globals_only).desired_retention


def _not_here(have: Iterable[T], incoming: Iterable[T], identity: Callable[[T], Hashable]) -> list[T]:
    """The ``incoming`` items (in their order) that ``have`` does not hold by ``identity``, repeats counted:
    two copies here match the first two there."""
    counts = Counter(identity(item) for item in have)
    new = []
    for item in incoming:
        key = identity(item)
        if counts[key] > 0:
            counts[key] -= 1
        else:
            new.append(item)
    return new


def _new_attempts(local: _Side, incoming: _Side) -> list[QuizAttempt]:
    """The export's quiz attempts this collection does not have (by time and question, repeats counted)."""

    def identity(attempt: QuizAttempt) -> Hashable:
        return (utc_ms(attempt.at), attempt.question)

    return _not_here(local.attempts, sorted(incoming.attempts, key=lambda a: a.id), identity)


def _linked(side: _Side, rows: Iterable[Row], order: str) -> list[tuple[Row, ReviewRef | None]]:
    """Rows in the order of their column ``order``, each with the place of the review it is linked to on
    ``side`` (``None``: no review, or none that the log still has)."""
    return [(row, side.review_refs.get(row["review_id"])) for row in sorted(rows, key=lambda row: row[order])]


def _prediction_identity(linked: tuple[Row, ReviewRef | None]) -> Hashable:
    row = linked[0]
    return (row["at"], row["card_id"], row["sim"], row["answer"])


def _new_extras(local: _Side, incoming: _Side, plan: _Plan) -> None:
    """The export's predictions and drill answers this collection does not have, with their reviews."""
    plan.predictions = _not_here(
        _linked(local, local.predictions, "id"),
        _linked(incoming, incoming.predictions, "id"),
        _prediction_identity,
    )
    drills = _not_here(
        _linked(local, local.drills, "review_id"),
        _linked(incoming, incoming.drills, "review_id"),
        lambda linked: linked[1],
    )
    plan.drills = [(row, ref) for row, ref in drills if ref is not None]
    plan.review_ids = {ref: review_id for review_id, ref in local.review_refs.items()}


def _plan(local: _Side, incoming: _Side, snapshot: Snapshot) -> tuple[_Plan, MergeReport]:
    plan = _Plan()
    taken, settings, settings_changed = _merged_settings(local, incoming)
    if settings_changed:
        plan.settings = settings
    replay = _Replay(_desired_retention(settings))
    places = {
        card_id: (deck_id, position, ord_) for card_id, deck_id, position, ord_, *_rest in snapshot.cards
    }
    changed: list[str] = []
    for card_id in sorted(local.states.keys() | incoming.states.keys()):
        sides = [side for side in (local, incoming) if card_id in side.states]
        copies: dict[Key, list[_Version]] = {}
        for side in sides:
            for key, version in side.logs.get(card_id, {}).items():
                copies.setdefault(key, []).append(version)
        steps = replay.history(copies)
        own = local.logs.get(card_id, {})
        for step in steps:
            review = LoggedReview(card_id, step.review.rating, step.key[0], *_logged(step.review))
            mine = own.get(step.key)
            if mine is None:
                plan.inserts.append(((card_id, step.key), review))
            elif mine != step.review:
                assert mine.review_id is not None
                plan.rewrites.append((mine.review_id, review))
        state = _merged_state(card_id, sides, steps)
        if card_id not in local.states:
            deck_id, position, ord_ = places[card_id]
            plan.new_cards.append(RetiredCard(card_id, deck_id, position, ord_, state))
        elif state != local.states[card_id]:
            plan.states.append((card_id, state))
            changed.append(card_id)
    _plan_new_decks(plan, local, snapshot)
    plan.inserts.sort(key=lambda insert: (insert[1].reviewed_at, insert[1].card_id))
    plan.attempts = _new_attempts(local, incoming)
    _new_extras(local, incoming, plan)
    report = MergeReport(
        reviews_added=len(plan.inserts),
        reviews_rescheduled=len(plan.rewrites),
        cards_changed=tuple(changed),
        cards_added=tuple(card.card_id for card in plan.new_cards),
        quiz_attempts_added=len(plan.attempts),
        predictions_added=len(plan.predictions),
        drill_answers_added=len(plan.drills),
        settings_taken=taken,
        settings_changed=settings_changed,
    )
    return plan, report


def _logged(version: _Version) -> tuple[int | None, str, str]:
    return version.duration_ms, version.before, version.after


def _plan_new_decks(plan: _Plan, local: _Side, snapshot: Snapshot) -> None:
    """The decks and tags of the cards this collection does not know (kept retired, like the cards)."""
    new_ids = {card.card_id for card in plan.new_cards}
    wanted = {card.deck_id for card in plan.new_cards} - local.decks
    plan.new_decks = [
        (deck_id, title, rank) for deck_id, title, rank, _retired in snapshot.decks if deck_id in wanted
    ]
    plan.new_tags = [(card_id, tag) for card_id, tag in snapshot.tags if card_id in new_ids]


# -- writing ---------------------------------------------------------------------------------------


def _attempt_fields(attempt: QuizAttempt) -> dict[str, Any]:
    """Every field of a quiz attempt but its id, as ``Store.add_quiz_attempt`` takes them."""
    return {item.name: getattr(attempt, item.name) for item in fields(attempt) if item.name != "id"}


def _apply(store: Store, plan: _Plan, advance: Callable[[int], None]) -> None:
    """Write the plan (inside the caller's transaction)."""
    store.add_retired_cards(plan.new_decks, plan.new_cards, plan.new_tags, advance)
    store.rewrite_reviews(plan.rewrites, advance)
    added = store.insert_reviews([review for _ref, review in plan.inserts], advance)
    ids = plan.review_ids | {ref: review_id for (ref, _), review_id in zip(plan.inserts, added, strict=True)}
    predictions = [{**row, "review_id": None if ref is None else ids[ref]} for row, ref in plan.predictions]
    store.add_predictions(predictions, advance)
    store.add_drill_answers([{**row, "review_id": ids[ref]} for row, ref in plan.drills], advance)
    store.set_states(plan.states, advance)
    for attempt in sorted(plan.attempts, key=lambda a: (a.at, a.id)):
        store.add_quiz_attempt(**_attempt_fields(attempt))
        advance(1)
    if plan.settings is not None:
        store.replace_settings(plan.settings)


def merge_snapshot(
    store: Store,
    snapshot: Snapshot,
    *,
    dry_run: bool = False,
    progress_stream: TextIO | None = None,
    advance: Callable[[int], None] | None = None,
) -> MergeReport:
    """Merge a checked export into the collection in one transaction; ``dry_run`` writes nothing.

    A progress bar goes to ``progress_stream`` (if it is a terminal); ``advance(n)`` is told of every
    batch of rows written, inside the transaction.
    """
    incoming = snapshot_side(snapshot)
    if dry_run:
        with store.read_snapshot():
            report = _plan(store_side(store), incoming, snapshot)[1]
        return replace(report, dry_run=True)
    with store.transaction():
        plan, report = _plan(store_side(store), incoming, snapshot)
        progress = Progress(progress_stream, "merging", plan.size)

        def written(count: int) -> None:
            progress.advance(count)
            if advance is not None:
                advance(count)

        _apply(store, plan, written)
    progress.finish()
    return report


def merge_file(
    path: str, db: Path, *, dry_run: bool = False, progress_stream: TextIO | None = sys.stderr
) -> MergeReport:
    """Check the export at ``path`` (``-``: standard input) and merge it into the collection at ``db``.

    A file that is not an export, or from a newer studyapp, is refused (status 2) before the collection
    is opened. A dry run opens the collection read-only (and reads no collection if there is none).
    """
    try:
        snapshot = read_export(path, progress_stream)
    except TransferError as error:
        raise TransferError(error.message, status=2) from None
    source = "<stdin>" if path == "-" else path
    if dry_run:
        if not db.is_file():
            report = replace(_plan(_Side(), snapshot_side(snapshot), snapshot)[1], dry_run=True)
        else:
            with Store.open(db, create=False, read_only=True) as store:
                report = merge_snapshot(store, snapshot, dry_run=True)
        return replace(report, source=source, collection=str(db))
    with Store.open(db) as store:
        report = merge_snapshot(store, snapshot, progress_stream=progress_stream)
        return replace(report, source=source, collection=str(db), created=store.created)


def report_text(report: MergeReport, as_json: bool) -> str:
    """The report for the command line: lines of text, or indented JSON."""
    return json.dumps(report.as_json(), indent=2) if as_json else report.describe()
