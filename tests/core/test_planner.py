"""The workload and exam planner: fsrs-rs's simulator on the learner's cards, its oracles and its command.

The simulator's memory model is checked against fsrs-rs (``FSRS.next_states``, ``Card.retention_on``)
and py-fsrs; its review counts against fsrs-rs's ``simulate`` with the same configuration; the plan's
starting point and its recall against the stored card states and py-fsrs's forgetting curve.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import pty
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs
import fsrs_rs_python
import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import load_library, load_paths
from studyapp.fsrs_tools.history import PROFILE_ANSWERS, answer_profile
from studyapp.fsrs_tools.planner import Planner, simulator_config, with_limits
from studyapp.fsrs_tools.simulator import MemoryModel, SimCard, SimResult, _Simulation, simulate_cards
from studyapp.model import StudyState

from .simulated_learner import START, Learner, exact_scheduler, run_cli, study, write_deck

W = list(fsrs.scheduler.DEFAULT_PARAMETERS)
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def generated(tmp_path: Path, cards: int, name: str = "gen") -> Collection:
    folder = write_deck(tmp_path / "decks", name, cards)
    return open_collection(tmp_path / "c.sqlite3", library=load_paths([folder]))


# -- the memory model -------------------------------------------------------------------------------


@pytest.mark.parametrize("s", [0.3, 2.3, 17.0, 140.0])
@pytest.mark.parametrize("d", [1.0, 4.2, 9.5])
def test_the_memory_model_is_fsrs_rs(s: float, d: float) -> None:
    model, engine = MemoryModel(W), fsrs_rs_python.FSRS(W)
    for elapsed in (1, 3, 30):
        states = engine.next_states(fsrs_rs_python.MemoryState(s, d), 0.9, elapsed)
        r = model.retrievability(elapsed, s)
        outcomes = (states.again, states.hard, states.good, states.easy)
        for rating, outcome in enumerate(outcomes, start=1):
            stability = model.forgotten(s, d, r) if rating == 1 else model.recalled(s, d, r, rating)
            assert stability == pytest.approx(outcome.memory.stability, rel=1e-4)
            assert model.next_difficulty(d, rating) == pytest.approx(outcome.memory.difficulty, rel=1e-4)
    same_day = engine.next_states(fsrs_rs_python.MemoryState(s, d), 0.9, 0)
    for rating, outcome in ((1, same_day.again), (3, same_day.good), (4, same_day.easy)):
        assert model.short_term(s, rating) == pytest.approx(outcome.memory.stability, rel=1e-4)
    assert model.interval(s, 0.85) == pytest.approx(engine.next_interval(s, 0.85, 3), rel=1e-4)
    card = fsrs_rs_python.Card()
    card.stability, card.last_date = s, 3.0
    assert model.retrievability(20 - 3, s) == pytest.approx(card.retention_on(20.0), rel=1e-5)


def test_new_cards_and_hard_steps_follow_fsrs_rs_and_py_fsrs() -> None:
    model = MemoryModel(W)
    first = fsrs_rs_python.FSRS(W).next_states(None, 0.9, 0)
    for rating, outcome in enumerate((first.again, first.hard, first.good, first.easy), start=1):
        assert model.init_stability(rating) == pytest.approx(outcome.memory.stability, rel=1e-5)
        assert min(max(model.init_difficulty(rating), 1), 10) == pytest.approx(
            outcome.memory.difficulty, rel=1e-5
        )
    # A Hard learning step lowers stability in fsrs-rs's simulator (followed here); py-fsrs, which
    # schedules the real reviews, keeps it: the one known difference, which the docstring states.
    s = 2.3065
    assert model.short_term(s, 2) == pytest.approx(s * math.exp(W[17] * (W[18] - 1)) * s ** -W[19], rel=1e-12)
    assert model.short_term(s, 2) < s
    learning = fsrs.Card(1, fsrs.State.Learning, 0, s, 5.0, START, START)
    after, _log = fsrs.Scheduler(enable_fuzzing=False).review_card(learning, fsrs.Rating.Hard, START)
    assert after.stability == s


# -- the simulation against fsrs-rs's simulate --------------------------------------------------------


def test_the_plan_agrees_with_fsrs_rs_simulate(tmp_path: Path) -> None:
    """200 new cards, 10 a day, 30 days: the plan's new cards per day are fsrs-rs's exactly, and its
    expected reviews, minutes and reviews per week are fsrs-rs's averages within sampling error."""
    runs, cards = 150, 200
    with generated(tmp_path, cards) as collection:
        planner = Planner(collection, NOW, tz=UTC)
        plan = planner.plan(0.9, runs=runs, choices=())
    config = with_limits(simulator_config(30), 10, 200)
    config.deck_size = cards
    assert [attr(planner.decks[0].config) for attr in CONFIG_FIELDS] == [
        attr(config) for attr in CONFIG_FIELDS
    ]
    direct = [fsrs_rs_python.simulate(W, 0.9, config, seed) for seed in range(runs)]
    chosen = plan.chosen
    assert [day.new for day in chosen.days] == [float(n) for n in direct[0].learn_cnt_per_day]
    assert all(result.learn_cnt_per_day == direct[0].learn_cnt_per_day for result in direct)

    def close(mine: float, samples: list[float]) -> None:
        error = math.sqrt(2 * statistics.pvariance(samples) / runs)  # two means of `runs` runs each
        assert abs(mine - statistics.fmean(samples)) < 4 * error + 1e-9, (mine, statistics.fmean(samples))

    close(chosen.reviews, [sum(r.review_cnt_per_day) for r in direct])
    close(chosen.minutes, [sum(r.cost_per_day) / 60 for r in direct])
    for week in range(0, 28, 7):
        mine = sum(day.reviews for day in chosen.days[week : week + 7])
        close(mine, [sum(r.review_cnt_per_day[week : week + 7]) for r in direct])


CONFIG_FIELDS = [
    lambda c: c.learn_span,
    lambda c: c.max_cost_perday,
    lambda c: c.max_ivl,
    lambda c: c.first_rating_prob,
    lambda c: c.review_rating_prob,
    lambda c: c.learn_limit,
    lambda c: c.review_limit,
    lambda c: c.learning_step_transitions,
    lambda c: c.relearning_step_transitions,
    lambda c: c.state_rating_costs,
    lambda c: c.learning_step_count,
    lambda c: c.relearning_step_count,
]


def test_a_review_limit_holds_reviews_back_as_in_fsrs_rs() -> None:
    """A tight review limit: fsrs-rs's simulate and ``simulate_cards`` postpone the same share."""
    config = simulator_config(60)
    config.deck_size, config.learn_limit, config.review_limit = 300, 30, 25
    runs = 60
    mine = [sum(simulate_cards(W, 0.9, config, new_cards(300, 30), seed).reviews) for seed in range(runs)]
    theirs = [sum(fsrs_rs_python.simulate(W, 0.9, config, seed).review_cnt_per_day) for seed in range(runs)]
    assert max(mine) <= 25 * 60 and max(theirs) <= 25 * 60
    error = math.sqrt((statistics.pvariance(mine) + statistics.pvariance(theirs)) / runs)
    assert abs(statistics.fmean(mine) - statistics.fmean(theirs)) < 4 * error


def queued_one_by_one(config: fsrs_rs_python.SimulatorConfig, cards: list[SimCard], seed: int) -> SimResult:
    """The reference for ``simulate_cards``'s queue: every card in one heap keyed by (day, new, difficulty
    in hundredths, index), as fsrs-rs orders them; a card a full day cannot take is pushed to the next
    day on its own. Each card is studied with the module's own steps (``_Simulation``)."""
    span = config.learn_span
    run = _Simulation(W, 0.9, config, seed)
    cards = [SimCard(c.stability, c.difficulty, c.last_day, c.due_day) for c in cards]
    reviews, learned, seconds = [0] * span, [0] * span, [0.0] * span
    used_new, used_reviews = [0] * span, [0] * span

    def key(card: SimCard, day: int, index: int) -> tuple[int, bool, int, int]:
        return (day, card.is_new, -(2**31) if card.is_new else int(card.difficulty * 100), index)

    queue = [key(card, card.due_day, index) for index, card in enumerate(cards) if card.due_day < span]
    heapq.heapify(queue)
    while queue:
        day, is_new, _priority, index = heapq.heappop(queue)
        card = cards[index]
        full = (
            used_new[day] + 1 > config.learn_limit
            or (
                not config.new_cards_ignore_review_limit
                and used_new[day] + used_reviews[day] + 1 > config.review_limit
            )
            if is_new
            else used_reviews[day] + 1 > config.review_limit
        )
        if full or seconds[day] > config.max_cost_perday:
            card.due_day = day + 1
            if card.due_day < span:
                heapq.heappush(queue, key(card, card.due_day, index))
            continue
        if is_new:
            seconds[day] += run.learn(card)
            learned[day], used_new[day] = learned[day] + 1, used_new[day] + 1
        else:
            seconds[day] += run.review(card, day)
            reviews[day], used_reviews[day] = reviews[day] + 1, used_reviews[day] + 1
        card.last_day, card.due_day = day, day + run.interval(card)
        if card.due_day < span:
            heapq.heappush(queue, key(card, card.due_day, index))
    return SimResult(reviews, learned, seconds, cards)


@pytest.mark.parametrize(
    ("new_per_day", "review_limit", "ignore_review_limit", "seconds_a_day"),
    [(20, 40, True, math.inf), (5, 25, False, math.inf), (0, 10, True, math.inf), (30, 9999, True, 900.0)],
)
def test_a_backlog_waits_in_the_order_one_queue_takes_it(
    new_per_day: int, review_limit: int, ignore_review_limit: bool, seconds_a_day: float
) -> None:
    """Hundreds of overdue reviews and new cards under tight limits: ``simulate_cards`` carries what a day
    leaves to the next day in one slice, and ends exactly where the one-by-one queue ends."""
    rng = random.Random(11)
    config = with_limits(simulator_config(40), new_per_day, review_limit)
    config.new_cards_ignore_review_limit = ignore_review_limit
    config.max_cost_perday = seconds_a_day
    cards = [
        SimCard(rng.uniform(0.5, 90), rng.uniform(1, 10), -rng.randrange(1, 90), rng.randrange(0, 45))
        if rng.random() < 0.6
        else SimCard(due_day=rng.randrange(0, 45))
        for _ in range(900)
    ]
    for seed in range(3):
        assert simulate_cards(W, 0.9, config, cards, seed) == queued_one_by_one(config, cards, seed)


def new_cards(count: int, per_day: int) -> list[SimCard]:
    return [SimCard(due_day=i // per_day) for i in range(count)]


# -- the plan starts from the collection ---------------------------------------------------------------


@pytest.fixture
def studied(tmp_path: Path) -> Iterator[Collection]:
    with generated(tmp_path, 60, "topic") as collection:
        study(collection.session(tz=UTC, scheduler=exact_scheduler()), Learner(seed=5), 20)
        yield collection


def test_studied_cards_start_from_their_stored_memory(studied: Collection) -> None:
    now = START + timedelta(days=25)
    planner = Planner(studied, now, tz=UTC)
    today = (now - timedelta(hours=4)).date()  # study days start at 04:00 UTC
    stored = [r for r in studied.store.cards(include_retired=False) if r.state.state != StudyState.NEW]
    assert len(stored) == 60
    expected = [
        SimCard(
            r.state.stability or 0,
            r.state.difficulty or 0,
            ((r.state.last_review or now) - timedelta(hours=4)).date().toordinal() - today.toordinal(),
            max(((r.state.due or now) - timedelta(hours=4)).date().toordinal() - today.toordinal(), 0),
        )
        for r in stored
    ]
    assert planner.decks[0].cards == expected
    assert planner.decks[0].tags == [r.tags for r in stored]


def test_how_the_learner_answers_comes_from_the_latest_answers(studied: Collection) -> None:
    """``Store.recent_answers`` is the log's latest answers, latest first, read without their states;
    the profile of all of them is the one counted from the whole review records."""
    records = sorted(studied.store.iter_reviews(), key=lambda r: (r.reviewed_at, r.id), reverse=True)
    columns = [(int(r.before.state), int(r.rating), r.duration_ms) for r in records]
    assert len(records) > 300
    assert studied.store.recent_answers(25) == columns[:25]
    assert studied.store.recent_answers(PROFILE_ANSWERS) == columns
    profile = answer_profile(studied.store.recent_answers(PROFILE_ANSWERS))
    first = Counter(int(r.rating) for r in records if r.before.state == StudyState.NEW)
    passed = Counter(int(r.rating) for r in records if r.before.state == StudyState.REVIEW and r.rating > 1)
    assert profile.first_ratings == first.total() == 60
    assert profile.first_rating_prob == pytest.approx([first[rating] / 60 for rating in range(1, 5)])
    assert profile.passed_reviews == passed.total()
    assert profile.review_rating_prob == pytest.approx(
        [passed[rating] / passed.total() for rating in range(2, 5)]
    )
    phases = {StudyState.NEW: 0, StudyState.LEARNING: 0, StudyState.REVIEW: 1, StudyState.RELEARNING: 2}
    seconds: dict[tuple[int, int], list[float]] = {}
    for r in records:
        assert r.duration_ms is not None
        seconds.setdefault((phases[r.before.state], int(r.rating)), []).append(r.duration_ms / 1000)
    assert profile.seconds == tuple(
        tuple(
            statistics.median(seconds[phase, rating]) if len(seconds.get((phase, rating), ())) >= 10 else None
            for rating in range(1, 5)
        )
        for phase in range(3)
    )
    assert any(value is not None for phase in profile.seconds for value in phase)
    recent = answer_profile(studied.store.recent_answers(100))
    assert recent.first_ratings + recent.passed_reviews <= 100 < profile.passed_reviews


def test_suspended_cards_are_not_studied_but_keep_their_memory(studied: Collection) -> None:
    now = START + timedelta(days=25)
    suspended = studied.store.cards()[0]
    studied.session(tz=UTC).suspend(suspended.card_id)
    planner = Planner(studied, now, tz=UTC)
    assert len(planner.decks[0].cards) == 59 and planner.cards == 60
    [(tags, card)] = planner.set_aside
    state = suspended.state
    assert state.last_review is not None and tags == suspended.tags
    last_day = (state.last_review - timedelta(hours=4)).date() - (now - timedelta(hours=4)).date()
    assert (card.stability, card.difficulty, card.last_day) == (
        state.stability,
        state.difficulty,
        last_day.days,
    )


def test_without_study_recall_on_the_exam_day_is_the_forgetting_curve(studied: Collection) -> None:
    """No budget for reviews: the plan's recall is py-fsrs's retrievability of each stored card,
    suspended ones included."""
    studied.set_setting("review_limit", 0)
    studied.session(tz=UTC).suspend(studied.store.cards()[5].card_id)
    now, exam = START + timedelta(days=25), date(2025, 4, 20)
    plan = Planner(studied, now, exam=exam, tz=UTC).plan(0.9, runs=4, choices=())
    assert plan.chosen.reviews == 0 and plan.chosen.new == 0
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    at = datetime.combine(exam, datetime.max.time(), UTC)  # whole days since each review, as py-fsrs counts
    by_tag: dict[str, list[float]] = {}
    for record in studied.store.cards(include_retired=False):
        state = record.state
        card = fsrs.Card(
            1, fsrs.State.Review, None, state.stability, state.difficulty, state.due, state.last_review
        )
        for tag in record.tags:
            by_tag.setdefault(tag, []).append(scheduler.get_card_retrievability(card, at))
    assert plan.chosen.tags == pytest.approx(
        {tag: statistics.fmean(v) for tag, v in by_tag.items()}, rel=1e-9
    )
    assert plan.recall_date == exam


def test_todays_new_cards_count_against_todays_limit(tmp_path: Path) -> None:
    with generated(tmp_path, 40) as collection:
        session = collection.session(tz=UTC, scheduler=exact_scheduler())
        for _ in range(4):
            card = session.next_card(NOW)
            assert card is not None
            session.rate(card.id, 4, NOW)  # Easy: straight to review, due in days
        plan = Planner(collection, NOW + timedelta(minutes=5), tz=UTC).plan(0.9, runs=4, choices=())
    assert [day.new for day in plan.chosen.days[:5]] == [6.0, 10.0, 10.0, 10.0, 0.0]


# -- the command --------------------------------------------------------------------------------------


def test_the_plan_shows_its_runs_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal (a real pseudo-terminal on standard error), the runs simulated so far are a
    progress bar there; the plan itself goes to standard output without it."""
    deck_dir = write_deck(tmp_path / "decks", "exam", 50)
    db = tmp_path / "c.sqlite3"
    open_collection(db, library=load_paths([deck_dir])).close()
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "TZ": "UTC", "PATH": "/usr/bin:/bin"}
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(deck_dir), "plan"],
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            env=env,
            timeout=120,
        )
        os.set_blocking(leader, False)
        chunks = []
        while True:
            try:
                chunks.append(os.read(leader, 1 << 16))
            except BlockingIOError:
                break
        shown = b"".join(chunks).decode()
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 0 and result.stdout.startswith("Plan from ")
    found = re.search(r"the average of (\d+) simulations", result.stdout)
    assert found is not None
    runs = int(found.group(1)) * 4  # at 0.80, 0.85, 0.90 (the setting) and 0.95
    assert shown.startswith("\rsimulating [") and shown.endswith(f"100% ({runs}/{runs})\r\n")
    assert "simulating" not in result.stdout


def test_plan_json_shape(tmp_path: Path) -> None:
    deck_dir = write_deck(tmp_path / "decks", "exam", 50)
    db = tmp_path / "c.sqlite3"
    open_collection(db, library=load_paths([deck_dir])).close()
    exam = (datetime.now(UTC) + timedelta(days=15)).date()
    result = run_cli(deck_dir, db, "plan", "--exam", exam.isoformat(), "--retention", "0.88", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) == {
        "today", "exam", "recall_date", "days", "desired_retention", "parameters", "runs", "cards",
        "per_day", "totals", "recall", "retention_options",
    }  # fmt: skip
    today = date.fromisoformat(plan["today"])
    assert plan["exam"] == plan["recall_date"] == exam.isoformat()
    assert plan["days"] == len(plan["per_day"]) == (exam - today).days
    assert [day["date"] for day in plan["per_day"]] == [
        (today + timedelta(days=i)).isoformat() for i in range(plan["days"])
    ]
    assert plan["desired_retention"] == 0.88 and plan["parameters"] == "default"
    cards = 50 + len(load_library(user_dir=tmp_path / "none").cards)  # and the bundled cards
    assert plan["cards"] == cards
    for key in ("reviews", "new", "minutes"):
        assert plan["totals"][key] == pytest.approx(
            sum(day[key] for day in plan["per_day"]), abs=0.01 * plan["days"]
        )
    assert plan["totals"]["new"] == cards  # 10 a day in each deck: all introduced within 15 days
    assert [o["desired_retention"] for o in plan["retention_options"]] == [0.8, 0.85, 0.88, 0.9, 0.95]
    chosen = next(o for o in plan["retention_options"] if o["desired_retention"] == 0.88)
    assert chosen["recall"] == plan["recall"]["overall"] and chosen["reviews"] == plan["totals"]["reviews"]
    options = plan["retention_options"]
    assert options[0]["reviews"] < options[-1]["reviews"]  # 0.95 needs more reviews than 0.80
    assert options[0]["recall"] < options[-1]["recall"]  # and leads to more recall
    assert {"alpha", "beta", "gamma", "cnn"} <= set(plan["recall"]["tags"])
    assert all(0 <= value <= 1 for value in plan["recall"]["tags"].values())
    text = run_cli(deck_dir, db, "plan")
    assert text.returncode == 0 and "Predicted recall on" in text.stdout and "0.90 (plan)" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exam", "2020-01-01"], "--exam: the exam date 2020-01-01 must be after today"),
        (["--exam", "2025-13-01"], "--exam: expected a date as YYYY-MM-DD, got '2025-13-01'"),
        (["--exam", "next friday"], "--exam: expected a date as YYYY-MM-DD"),
        (["--exam", "2999-01-01"], "more than 3650 days away"),
        (["--retention", "1.5"], "--retention: expected a number from 0.7 to 0.99, got '1.5'"),
        (["--retention", "high"], "--retention: expected a number from 0.7 to 0.99, got 'high'"),
    ],
)
def test_bad_exam_dates_and_retentions_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    folder = write_deck(tmp_path / "decks", "x", 3)
    open_collection(tmp_path / "c.sqlite3", library=load_paths([folder])).close()
    result = run_cli(folder, tmp_path / "c.sqlite3", "plan", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
