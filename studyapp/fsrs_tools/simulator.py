"""fsrs-rs's workload simulator, run on the learner's own cards.

fsrs-rs's ``simulate`` (the simulator behind Anki's FSRS simulator) starts from cards that were never
studied when it is called from Python: the binding does not pass existing cards on. ``simulate_cards``
runs the same algorithm, with the same memory model and the same configuration (fsrs-rs's own
``SimulatorConfig``), on cards that are already studied as well as new ones:

- each day, due review cards are reviewed before new cards, easier cards first (fsrs-rs's default
  order); a day takes at most ``learn_limit`` new cards and ``review_limit`` reviews, and what does not
  fit waits for the next day (new cards do not count against the review limit);
- a new card gets a first rating drawn from ``first_rating_prob``, then goes through its learning steps,
  each rating drawn from ``learning_step_transitions``, until it has passed them;
- a review is recalled with the card's retrievability on that day; a recalled card is rated Hard, Good
  or Easy as ``review_rating_prob`` says, a forgotten one Again, and then goes through its relearning
  steps (``relearning_step_transitions``);
- the next interval is the one that brings recall down to the desired retention, rounded to whole
  days, from 1 day to ``max_ivl``; every answer costs ``state_rating_costs`` seconds.

Days are whole study days counted from today (day 0). The memory model (``MemoryModel``) is the
simulator's FSRS-6, checked against fsrs-rs's ``FSRS.next_states`` in the tests. One difference is
kept on purpose, to stay fsrs-rs's simulator: a Hard learning or relearning step lowers stability here,
while py-fsrs (which schedules the real reviews) and fsrs-rs's scheduler keep it; on 200 new cards over
60 days that predicts about 2% more reviews.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import fsrs_rs_python

#: The simulator's phases, which ``state_rating_costs`` rows follow.
LEARNING, REVIEW, RELEARNING = 0, 1, 2
#: fsrs-rs's cap on the number of same-day steps after one answer.
MAX_STEPS = 5
#: fsrs-rs's ranges of stability (days) and difficulty.
S_MIN, S_MAX = 0.001, 36500.0
D_MIN, D_MAX = 1.0, 10.0


@dataclass(slots=True)
class SimCard:
    """One card in the simulation: its memory, and the study days of its last review and next one.

    ``last_day`` is ``None`` for a card not studied yet; it is studied for the first time on ``due_day``
    (or later, when the new-card limit is reached).
    """

    stability: float = 0.0
    difficulty: float = 0.0
    last_day: int | None = None
    due_day: int = 0

    @property
    def is_new(self) -> bool:
        """Never studied."""
        return self.last_day is None


@dataclass(frozen=True)
class SimResult:
    """Per study day: reviews, new cards studied and seconds spent; and every card at the end."""

    reviews: list[int]
    learned: list[int]
    seconds: list[float]
    cards: list[SimCard]


def forgetting_curve(parameters: Sequence[float]) -> tuple[float, float]:
    """FSRS-6's forgetting curve constants ``(factor, decay)``: R(t, S) = (1 + factor * t / S) ** decay."""
    decay = -parameters[20]
    return 0.9 ** (1 / decay) - 1, decay


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


class MemoryModel:
    """FSRS-6's memory model as fsrs-rs's simulator computes it: stability ``s`` in days, difficulty ``d``
    from 1 to 10, retrievability ``r``, ratings 1-4."""

    def __init__(self, parameters: Sequence[float]) -> None:
        self.w = tuple(parameters)
        self.factor, self.decay = forgetting_curve(self.w)
        self.easiest = self.init_difficulty(4)

    def init_stability(self, rating: int) -> float:
        """The stability after a new card's first rating."""
        return _clamp(self.w[rating - 1], S_MIN, S_MAX)

    def init_difficulty(self, rating: int) -> float:
        """The difficulty after a new card's first rating, before clamping (mean reversion aims at Easy's)."""
        return self.w[4] - math.exp(self.w[5] * (rating - 1)) + 1

    def next_difficulty(self, d: float, rating: int) -> float:
        """Difficulty after a rating: damped as it nears 10, then pulled towards Easy's first difficulty."""
        w = self.w
        damped = d + (10 - d) / 9 * (-w[6] * (rating - 3))
        return _clamp(w[7] * self.easiest + (1 - w[7]) * damped, D_MIN, D_MAX)

    def recalled(self, s: float, d: float, r: float, rating: int) -> float:
        """Stability after a review rated Hard, Good or Easy at retrievability ``r``."""
        w = self.w
        hard = w[15] if rating == 2 else 1.0
        easy = w[16] if rating == 4 else 1.0
        grow = math.exp(w[8]) * (11 - d) * s ** -w[9] * (math.exp((1 - r) * w[10]) - 1) * hard
        return _clamp(s * (1 + grow * easy), S_MIN, S_MAX)

    def forgotten(self, s: float, d: float, r: float) -> float:
        """Stability after a review rated Again at retrievability ``r`` (never above the short-term floor)."""
        w = self.w
        lapse = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
        return _clamp(min(lapse, s / math.exp(w[17] * w[18])), S_MIN, S_MAX)

    def short_term(self, s: float, rating: int) -> float:
        """Stability after a same-day step: Good and Easy never lower it."""
        w = self.w
        change = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
        return _clamp(s * (max(change, 1.0) if rating >= 3 else change), S_MIN, S_MAX)

    def retrievability(self, elapsed: float, s: float) -> float:
        """The probability of recall ``elapsed`` days after the last review."""
        return float((1 + self.factor * max(elapsed, 0.0) / s) ** self.decay)

    def interval(self, s: float, desired_retention: float) -> float:
        """Days until recall falls to ``desired_retention`` (not rounded)."""
        return s / self.factor * (desired_retention ** (1 / self.decay) - 1)


class _Draw:
    """A seeded random choice among ratings with fixed weights."""

    def __init__(self, rng: random.Random, weights: Sequence[float], ratings: Sequence[int]) -> None:
        self.rng, self.ratings = rng, tuple(ratings)
        cumulative = list(accumulate(weights))
        self.bounds = [bound / cumulative[-1] for bound in cumulative]

    def __call__(self) -> int:
        index = bisect_right(self.bounds, self.rng.random())
        return self.ratings[min(index, len(self.ratings) - 1)]


class _Simulation:
    """One run of ``simulate_cards``: the memory model, the random draws and the configuration."""

    def __init__(
        self,
        parameters: Sequence[float],
        desired_retention: float,
        config: fsrs_rs_python.SimulatorConfig,
        seed: int,
    ) -> None:
        self.model, self.config, self.retention = MemoryModel(parameters), config, desired_retention
        self.rng = rng = random.Random(seed)
        self.first_rating = _Draw(rng, config.first_rating_prob, (1, 2, 3, 4))
        self.review_rating = _Draw(rng, config.review_rating_prob, (2, 3, 4))
        self.learning_steps = [_Draw(rng, row, (1, 2, 3, 4)) for row in config.learning_step_transitions]
        self.relearning_steps = [_Draw(rng, row, (1, 2, 3, 4)) for row in config.relearning_step_transitions]
        self.costs = config.state_rating_costs

    def steps(self, card: SimCard, rating: int, phase: int, first: bool) -> float:
        """Same-day steps after ``rating`` until passed; updates the card's memory, returns their seconds."""
        model = self.model
        learning = phase == LEARNING
        draws = self.learning_steps if learning else self.relearning_steps
        count = self.config.learning_step_count if learning else self.config.relearning_step_count
        cost = self.costs[phase][rating - 1] if first else 0.0
        consecutive, needed = 0, max(count - 1 if rating > 2 else count, 0)
        for _ in range(MAX_STEPS):
            if consecutive >= needed or rating >= 4:
                break
            rating = draws[rating - 1]()
            card.stability = model.short_term(card.stability, rating)
            card.difficulty = model.next_difficulty(card.difficulty, rating)
            cost += self.costs[phase][rating - 1]
            if rating > 2:
                consecutive += 1
            elif rating == 1:
                consecutive = 0
        return cost

    def learn(self, card: SimCard) -> float:
        """A new card's first answer and learning steps; returns their seconds."""
        rating = self.first_rating()
        card.stability = self.model.init_stability(rating)
        card.difficulty = _clamp(self.model.init_difficulty(rating), D_MIN, D_MAX)
        return self.steps(card, rating, LEARNING, first=True)

    def review(self, card: SimCard, day: int) -> float:
        """A review on ``day``, recalled or forgotten (then relearned); returns its seconds."""
        assert card.last_day is not None
        model = self.model
        s, d = card.stability, card.difficulty
        r = model.retrievability(day - card.last_day, s)
        recalled = self.rng.random() < r
        rating = self.review_rating() if recalled else 1
        card.stability = model.recalled(s, d, r, rating) if recalled else model.forgotten(s, d, r)
        card.difficulty = model.next_difficulty(d, rating)
        cost = self.costs[REVIEW][rating - 1]
        return cost if recalled else cost + self.steps(card, 1, RELEARNING, first=False)

    def interval(self, card: SimCard) -> int:
        """Whole days until the next review, from 1 to ``max_ivl`` (halves round up, as in fsrs-rs)."""
        days = self.model.interval(card.stability, self.retention)
        return int(min(max(math.floor(days + 0.5), 1), self.config.max_ivl))


def simulate_cards(
    parameters: Sequence[float],
    desired_retention: float,
    config: fsrs_rs_python.SimulatorConfig,
    cards: Sequence[SimCard],
    seed: int = 42,
    *,
    done_today: tuple[int, int] = (0, 0),
) -> SimResult:
    """Simulate ``config.learn_span`` study days of ``cards`` (copied, not changed).

    ``done_today``: new cards and reviews already studied today, which count against today's limits.

    Each day takes its due reviews, then its new cards, in fsrs-rs's default order (``_review_key``;
    new cards in the order given), until the day is full; what a full day leaves waits for the next
    day, in the same order, so a backlog of thousands of reviews costs one sort a day.
    """
    span, count = config.learn_span, len(cards)
    run = _Simulation(parameters, desired_retention, config, seed)
    cards = [SimCard(c.stability, c.difficulty, c.last_day, c.due_day) for c in cards]
    reviews, learned, seconds = [0] * span, [0] * span, [0.0] * span
    due_reviews: list[list[int]] = [[] for _ in range(span)]
    due_new: list[list[int]] = [[] for _ in range(span)]
    for index, card in enumerate(cards):
        if card.due_day < span:
            if card.is_new:
                due_new[card.due_day].append(index)
            else:
                due_reviews[card.due_day].append(_review_key(card, index, count))
    waiting_reviews: list[int] = []
    waiting_new: list[int] = []

    def studied(index: int, day: int) -> None:
        """Card ``index`` was studied on ``day``: its next review is due after its interval."""
        card = cards[index]
        card.last_day, card.due_day = day, day + run.interval(card)
        if card.due_day < span:
            due_reviews[card.due_day].append(_review_key(card, index, count))

    used_new, used_reviews = done_today
    for day in range(span):
        waiting_reviews = sorted(waiting_reviews + due_reviews[day])
        taken = 0
        for key in waiting_reviews:
            if used_reviews + 1 > config.review_limit or seconds[day] > config.max_cost_perday:
                break
            seconds[day] += run.review(cards[key % count], day)
            reviews[day] += 1
            used_reviews += 1
            taken += 1
            studied(key % count, day)
        waiting_reviews = waiting_reviews[taken:]
        waiting_new = sorted(waiting_new + due_new[day])
        taken = 0
        for index in waiting_new:
            if (
                used_new + 1 > config.learn_limit
                or (
                    not config.new_cards_ignore_review_limit
                    and used_new + used_reviews + 1 > config.review_limit
                )
                or seconds[day] > config.max_cost_perday
            ):
                break
            seconds[day] += run.learn(cards[index])
            learned[day] += 1
            used_new += 1
            taken += 1
            studied(index, day)
        waiting_new = waiting_new[taken:]
        used_new = used_reviews = 0
    for index in [*waiting_new, *(key % count for key in waiting_reviews)]:
        cards[index].due_day = span  # still waiting after the last day
    return SimResult(reviews, learned, seconds, cards)


def _review_key(card: SimCard, index: int, count: int) -> int:
    """A review's place in its day, fsrs-rs's default order: easier cards (lower difficulty, in
    hundredths) first, then card ``index`` of ``count`` in the order given (``key % count``)."""
    return int(card.difficulty * 100) * count + index
