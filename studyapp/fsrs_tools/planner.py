"""The workload and exam planner: the reviews, minutes and recall of the days ahead, simulated on your cards.

The simulation (``simulator``, fsrs-rs's algorithm) starts from the collection as it is now: every card's
stability, difficulty, last review and due day, and the new cards in the order they will be introduced.
It studies each deck within its own daily limits (new cards per day, maximum reviews per day, less
what was already studied today), with the collection's FSRS parameters and the desired retention, until
the day before the exam (or for 30 days). How the learner answers comes from their latest answers
(``history.PROFILE_ANSWERS``) where they hold enough (``history.answer_profile``: the shares of first
ratings and of Hard/Good/Easy, the median seconds per answer), else from fsrs-rs's averages.

A simulation is random (which reviews are forgotten, which rating a new card gets), so each desired
retention is simulated ``runs`` times with the same seeds and the results averaged:

- **per day**: reviews of studied cards, new cards studied, and minutes (learning and relearning steps
  included in the minutes, not in the reviews);
- **recall on the exam day**: each card's probability of recall on that day from its memory after its
  last simulated review (FSRS's forgetting curve); a card never studied counts as 0; per tag, the mean
  over the tag's cards; suspended cards keep their current memory;
- **retention options**: the same totals and recall at desired retentions 0.80, 0.85, 0.90 and 0.95 (and
  the chosen one), to weigh more reviews against more recall (Anki's "help me decide").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from studyapp.fsrs_tools.history import PROFILE_ANSWERS, StudyCalendar, answer_profile
from studyapp.fsrs_tools.plan_result import Outlook, Plan, PlanDay
from studyapp.fsrs_tools.simulator import MemoryModel, SimCard, simulate_cards
from studyapp.model import CardRecord, StudyState
from studyapp.scheduler import MAX_RETENTION, MIN_RETENTION, Scheduler, check_utc

if TYPE_CHECKING:
    import fsrs_rs_python

    from studyapp.collection import Collection
    from studyapp.fsrs_tools.history import AnswerProfile

DEFAULT_DAYS = 30
MAX_DAYS = 3650
RETENTION_CHOICES = (0.80, 0.85, 0.90, 0.95)
#: Simulated card-runs per desired retention: small collections are averaged over more runs.
RUN_BUDGET = 2000
MIN_RUNS, MAX_RUNS = 4, 32

#: Called with ``(done, total)`` runs as the simulation goes.
Progress = Callable[[int, int], object]


def runs_for(cards: int) -> int:
    """How many runs average out the randomness of a collection of ``cards`` cards."""
    return min(max(RUN_BUDGET // max(cards, 1), MIN_RUNS), MAX_RUNS)


def check_retention(value: float) -> float:
    """``value`` if it is a desired retention the scheduler accepts, else ``ValueError``."""
    if not MIN_RETENTION <= value <= MAX_RETENTION:
        raise ValueError(
            f"the desired retention must be from {MIN_RETENTION} to {MAX_RETENTION}, got {value}"
        )
    return value


def simulator_config(
    days: int, profile: AnswerProfile | None = None, scheduler: Scheduler | None = None
) -> fsrs_rs_python.SimulatorConfig:
    """fsrs-rs's configuration for ``days`` study days: no time limit per day, the scheduler's learning and
    relearning steps, and the learner's shares of ratings and answer times where ``profile`` has them."""
    from fsrs_rs_python import default_simulator_config

    config = default_simulator_config()
    scheduler = scheduler or Scheduler(fuzz=False)
    config.learn_span = days
    config.max_cost_perday = float("inf")
    config.learning_step_count = scheduler.learning_steps
    config.relearning_step_count = scheduler.relearning_steps
    if profile is not None:
        if profile.first_rating_prob is not None:
            config.first_rating_prob = list(profile.first_rating_prob)
        if profile.review_rating_prob is not None:
            config.review_rating_prob = list(profile.review_rating_prob)
        config.state_rating_costs = [
            [default if own is None else own for own, default in zip(phase, defaults, strict=True)]
            for phase, defaults in zip(profile.seconds, config.state_rating_costs, strict=True)
        ]
    return config


def with_limits(
    config: fsrs_rs_python.SimulatorConfig, new_per_day: int, review_limit: int
) -> fsrs_rs_python.SimulatorConfig:
    """A copy of ``config`` with a deck's daily limits."""
    from fsrs_rs_python import SimulatorConfig

    return SimulatorConfig(
        config.deck_size,
        config.learn_span,
        config.max_cost_perday,
        config.max_ivl,
        config.first_rating_prob,
        config.review_rating_prob,
        new_per_day,
        review_limit,
        config.new_cards_ignore_review_limit,
        config.learning_step_transitions,
        config.relearning_step_transitions,
        config.state_rating_costs,
        config.learning_step_count,
        config.relearning_step_count,
    )


@dataclass
class DeckPlanInput:
    """One deck's cards as the simulation starts them, their tags, and the deck's limits and today's use."""

    deck_id: str
    config: fsrs_rs_python.SimulatorConfig
    cards: list[SimCard] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    done_today: tuple[int, int] = (0, 0)


def sim_card(record: CardRecord, now: datetime, today: date, calendar: StudyCalendar) -> SimCard:
    """A studied card as the simulation starts it: its memory, its last review's day and its due day
    (overdue cards are due today; a buried card not before it comes back)."""
    state = record.state
    assert state.last_review is not None and state.stability is not None and state.difficulty is not None
    due = calendar.date_of(state.due) if state.due is not None else today
    if state.buried_until is not None and state.buried_until > now:
        due = max(due, calendar.date_of(state.buried_until))
    last_day = (calendar.date_of(state.last_review) - today).days
    return SimCard(state.stability, state.difficulty, last_day, max((due - today).days, 0))


def new_card_days(count: int, left_today: int, per_day: int, days: int) -> list[int]:
    """The study day each of ``count`` new cards is introduced on, in order: what is left of today's
    limit, then ``per_day`` a day (``days``, past the simulation, when the limit is 0)."""
    return [
        0 if i < left_today else (1 + (i - left_today) // per_day if per_day > 0 else days)
        for i in range(count)
    ]


def exam_days(today: date, exam: date | None) -> int:
    """Study days from today until the exam (30 without one); ``ValueError`` for a past or far exam."""
    if exam is None:
        return DEFAULT_DAYS
    days = (exam - today).days
    if days < 1:
        raise ValueError(f"the exam date {exam.isoformat()} must be after today ({today.isoformat()})")
    if days > MAX_DAYS:
        raise ValueError(f"the exam date {exam.isoformat()} is more than {MAX_DAYS} days away")
    return days


class Planner:
    """The inputs of a plan, read once from the collection: parameters, configuration and cards."""

    def __init__(
        self, collection: Collection, now: datetime, *, exam: date | None = None, tz: tzinfo | None = None
    ) -> None:
        from studyapp.fsrs_tools.optimizer import parameters_in_use

        now = check_utc(now)
        settings = collection.settings()
        calendar = StudyCalendar(settings.day_start_hour, tz)
        self.today = calendar.date_of(now)
        self.exam = exam
        self.days = exam_days(self.today, exam)
        self.parameters = parameters_in_use(settings)
        self.source = "fitted" if settings.fsrs_parameters else "default"
        self.desired_retention = settings.desired_retention
        scheduler = Scheduler(fuzz=False, parameters=self.parameters)
        profile = answer_profile(collection.store.recent_answers(PROFILE_ANSWERS))
        self.config = simulator_config(self.days, profile, scheduler)
        records = collection.store.cards(include_retired=False)
        self.decks = self._decks(collection, records, now, calendar)
        #: Suspended cards, which are not studied: their tags, and their memory as it is now.
        self.set_aside = [
            (r.tags, SimCard() if r.state.state == StudyState.NEW else sim_card(r, now, self.today, calendar))
            for r in records
            if r.state.suspended
        ]

    def _decks(
        self, collection: Collection, records: Sequence[CardRecord], now: datetime, calendar: StudyCalendar
    ) -> list[DeckPlanInput]:
        """Each deck's cards as the simulation starts them, within the deck's limits less today's use."""
        session = collection.session(tz=calendar.tz)
        left = session.left_today(now)
        decks: dict[str, DeckPlanInput] = {}
        new: dict[str, list[CardRecord]] = {}
        for deck_id in collection.library.deck_ids:  # (their cards are not read)
            limits = session.deck_limits(deck_id)
            config = with_limits(self.config, limits.new_per_day, limits.review_limit)
            new_left, reviews_left = left.get(deck_id, (limits.new_per_day, limits.review_limit))
            done = (max(limits.new_per_day - new_left, 0), max(limits.review_limit - reviews_left, 0))
            decks[deck_id] = DeckPlanInput(deck_id, config, done_today=done)
            new[deck_id] = []
        for record in records:
            planned = decks.get(record.deck_id)
            if planned is None or record.state.suspended:
                continue
            if record.state.state == StudyState.NEW:
                new[record.deck_id].append(record)
            else:
                planned.cards.append(sim_card(record, now, self.today, calendar))
                planned.tags.append(record.tags)
        for deck_id, records in new.items():
            planned = decks[deck_id]
            limit = planned.config.learn_limit
            days = new_card_days(len(records), max(limit - planned.done_today[0], 0), limit, self.days)
            for record, day in zip(records, days, strict=True):
                planned.cards.append(SimCard(due_day=day))
                planned.tags.append(record.tags)
        return list(decks.values())

    @property
    def cards(self) -> int:
        """Cards in the plan, suspended ones included."""
        return sum(len(deck.cards) for deck in self.decks) + len(self.set_aside)

    def outlook(
        self, desired_retention: float, runs: int, progress: Callable[[], None] | None = None
    ) -> Outlook:
        """The average of ``runs`` simulations at ``desired_retention`` (seeds 0 to runs - 1)."""
        days = self.days
        reviews, learned, seconds = [0.0] * days, [0.0] * days, [0.0] * days
        model = MemoryModel(self.parameters)
        recall_sum: dict[str, float] = {}
        overall = 0.0
        for run in range(runs):
            for index, deck in enumerate(self.decks):
                result = simulate_cards(
                    self.parameters,
                    desired_retention,
                    deck.config,
                    deck.cards,
                    seed=run * 1009 + index,
                    done_today=deck.done_today,
                )
                for day in range(days):
                    reviews[day] += result.reviews[day]
                    learned[day] += result.learned[day]
                    seconds[day] += result.seconds[day]
                overall += _add_recall(recall_sum, zip(deck.tags, result.cards, strict=True), model, days)
            overall += _add_recall(recall_sum, self.set_aside, model, days)
            if progress is not None:
                progress()
        counts = self._tag_counts()
        cards = max(self.cards, 1)
        plan_days = tuple(
            PlanDay(
                self.today + timedelta(days=day),
                reviews[day] / runs,
                learned[day] / runs,
                seconds[day] / 60 / runs,
            )
            for day in range(days)
        )
        tags = {tag: recall_sum.get(tag, 0.0) / runs / count for tag, count in sorted(counts.items())}
        return Outlook(desired_retention, plan_days, overall / runs / cards, tags)

    def _tag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        all_tags = [tags for deck in self.decks for tags in deck.tags] + [
            tags for tags, _card in self.set_aside
        ]
        for tags in all_tags:
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
        return counts

    def plan(
        self,
        desired_retention: float | None = None,
        *,
        runs: int | None = None,
        choices: Sequence[float] = RETENTION_CHOICES,
        progress: Progress | None = None,
    ) -> Plan:
        """The plan at ``desired_retention`` (default: the collection's), with the other ``choices`` too.

        ``progress(done, total)`` is called after every run.
        """
        chosen = check_retention(self.desired_retention if desired_retention is None else desired_retention)
        runs = runs or runs_for(self.cards)
        retentions = sorted({*choices, chosen})
        total, done = runs * len(retentions), 0

        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total)

        outlooks = tuple(self.outlook(retention, runs, step) for retention in retentions)
        return Plan(self.today, self.exam, chosen, self.source, runs, self.cards, outlooks)


def _add_recall(
    sums: dict[str, float], cards: Iterable[tuple[tuple[str, ...], SimCard]], model: MemoryModel, day: int
) -> float:
    """Add each card's recall on ``day`` to its tags' sums; returns the cards' total recall. (Summed per
    set of tags first: a big deck has many cards and few sets.)"""
    by_tags: dict[tuple[str, ...], float] = {}
    for tags, card in cards:
        if card.last_day is not None:  # a card never studied adds 0
            recall = model.retrievability(day - card.last_day, card.stability)
            by_tags[tags] = by_tags.get(tags, 0.0) + recall
    for tags, recall in by_tags.items():
        for tag in tags:
            sums[tag] = sums.get(tag, 0.0) + recall
    return sum(by_tags.values())


def make_plan(
    collection: Collection,
    now: datetime,
    *,
    exam: date | None = None,
    desired_retention: float | None = None,
    tz: tzinfo | None = None,
    runs: int | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Read the collection and simulate the plan (see the module docstring)."""
    planner = Planner(collection, now, exam=exam, tz=tz)
    return planner.plan(desired_retention, runs=runs, progress=progress)
