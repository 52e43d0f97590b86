"""Your own FSRS parameters: training items as Anki builds them, fsrs-rs's fit, applying and resetting.

Histories come from a simulated learner who really studies a generated deck of 300 cards for 60 days
with ``StudySession.rate`` (``simulated_learner``); every number is checked against fsrs-rs or py-fsrs
called directly, or against an independent computation in the test.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fsrs
import fsrs_rs_python
import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import Library, load_paths
from studyapp.fsrs_tools import optimizer
from studyapp.fsrs_tools.health import health_warnings, review_counts
from studyapp.fsrs_tools.history import StudyCalendar, training_set
from studyapp.model import LoggedAnswer, Rating, ReviewRecord, Settings, StudyState
from studyapp.scheduler import Scheduler

from .conftest import T0
from .simulated_learner import START, Learner, exact_scheduler, run_cli, study, write_deck

DAYS = 60
#: A card that stays new: its deck takes no new cards a day.
FRESH = "fresh-0000"
#: The intervals the review shows for a new card with FSRS's default parameters (pinned, fsrs 6.3).
GOLDEN_NEW = {
    Rating.AGAIN: timedelta(minutes=1),
    Rating.HARD: timedelta(minutes=5, seconds=30),
    Rating.GOOD: timedelta(minutes=10),
    Rating.EASY: timedelta(days=8),
}
AFTER = START + timedelta(days=DAYS)


def history_library(folder: Path) -> Library:
    write_deck(folder, "gen", 300)
    write_deck(folder, "fresh", 1)
    library = load_paths([folder])
    assert library.problems == []
    return library


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A collection after 60 days of study of 300 cards (20 new a day), and its deck folder."""
    folder = tmp_path_factory.mktemp("history")
    decks, db = folder / "decks", folder / "history.sqlite3"
    with open_collection(db, library=history_library(decks)) as collection:
        collection.set_setting("new_per_day", 20)
        collection.set_setting("deck:fresh:new_per_day", 0)
        study(collection.session(tz=UTC, scheduler=exact_scheduler()), Learner(), DAYS)
    return db, decks


@pytest.fixture
def studied(history: tuple[Path, Path], tmp_path: Path) -> Iterator[Collection]:
    """A private copy of the history collection."""
    db = tmp_path / "collection.sqlite3"
    shutil.copy(history[0], db)
    with open_collection(db, library=load_paths([history[1]])) as opened:
        yield opened


def independent_items(collection: Collection) -> list[fsrs_rs_python.FSRSItem]:
    """Training items built here from the review log, without the app's code: study days start at 04:00
    UTC, every card's first review is from new, and items end with a review on a later study day."""
    by_card: dict[str, list[ReviewRecord]] = {}
    for review in collection.store.iter_reviews():
        by_card.setdefault(review.card_id, []).append(review)
    items = []
    for reviews in by_card.values():
        assert reviews[0].before.state == StudyState.NEW
        days = [(review.reviewed_at - timedelta(hours=4)).date() for review in reviews]
        steps = [(int(reviews[0].rating), 0)]
        for i in range(1, len(reviews)):
            steps.append((int(reviews[i].rating), (days[i] - days[i - 1]).days))
            if steps[-1][1] > 0:
                items.append((reviews[i].id, list(steps)))
    items.sort(key=lambda pair: pair[0])
    return [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, t) for r, t in steps]) for _id, steps in items
    ]


def f32(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


# -- study days and training items ----------------------------------------------------------------


def test_study_days_start_at_the_day_start_hour() -> None:
    calendar = StudyCalendar(4, UTC)
    day = datetime(2025, 3, 3, tzinfo=UTC)
    assert calendar.days_between(day.replace(hour=3), day.replace(hour=5)) == 1
    assert calendar.days_between(day.replace(hour=5), day.replace(hour=3) + timedelta(days=1)) == 0
    assert calendar.date_of(day.replace(hour=3, minute=59)).isoformat() == "2025-03-02"
    india = StudyCalendar(4, ZoneInfo("Asia/Kolkata"))  # UTC+05:30: the day starts at 22:30 UTC
    assert india.date_of(datetime(2025, 3, 2, 22, 29, tzinfo=UTC)).isoformat() == "2025-03-02"
    assert india.date_of(datetime(2025, 3, 2, 22, 30, tzinfo=UTC)).isoformat() == "2025-03-03"


def test_training_items_are_built_as_anki_builds_them(collection: Collection) -> None:
    session = collection.session(tz=UTC, scheduler=Scheduler(fuzz=False))
    card = "core-mlp"
    for when, rating in [(T0, 3), (T0 + timedelta(minutes=10), 3), (T0 + timedelta(days=2), 1)]:
        session.rate(card, rating, when)
    session.rate(card, 3, T0 + timedelta(days=2, minutes=10))  # a relearning step: same day, no item
    session.rate(card, 2, T0 + timedelta(days=5))
    training = training_set(collection.store.answer_log(), StudyCalendar(4, UTC))
    assert training.items == [((3, 0), (3, 0), (1, 2)), ((3, 0), (3, 0), (1, 2), (3, 0), (2, 3))]
    assert (training.reviews, training.cards) == (5, 1)


def test_the_answer_log_is_the_review_log_without_the_states(studied: Collection) -> None:
    """What fitting and the health check read: each review, in log order, as the full record has it."""
    records = list(studied.store.iter_reviews())
    assert len(records) >= 2000
    assert list(studied.store.answer_log()) == [
        LoggedAnswer(r.id, r.card_id, r.rating, r.reviewed_at, r.before.state) for r in records
    ]


# -- the fit -----------------------------------------------------------------------------------------


def test_the_fit_is_fsrs_rs_compute_parameters_on_the_same_items(studied: Collection) -> None:
    report = optimizer.fit(studied, tz=UTC)
    items = independent_items(studied)
    assert report.reviews >= 2000 and report.readiness.items == len(items)
    direct = fsrs_rs_python.FSRS(fsrs_rs_python.DEFAULT_PARAMETERS).compute_parameters(items)
    assert report.fitted is not None and len(report.fitted) == 21
    assert [f32(value) for value in report.fitted] == [f32(value) for value in direct]
    assert direct != list(fsrs_rs_python.DEFAULT_PARAMETERS)
    fitted = fsrs_rs_python.FSRS(list(report.fitted)).evaluate(items)
    current = fsrs_rs_python.FSRS(list(fsrs.scheduler.DEFAULT_PARAMETERS)).evaluate(items)
    # fsrs-rs sums in parallel: the last bits of a 32-bit evaluation vary from call to call
    for mine, direct_evaluation in ((report.fitted_evaluation, fitted), (report.in_use_evaluation, current)):
        assert mine is not None
        assert mine.log_loss == pytest.approx(direct_evaluation.log_loss, rel=1e-6)
        assert mine.rmse == pytest.approx(direct_evaluation.rmse_bins, rel=1e-6)
    assert report.improves and fitted.log_loss < current.log_loss
    kept = fsrs_rs_python.filter_outlier([i for i in items if i.long_term_review_cnt() == 1], items)[1]
    assert report.readiness.usable == len(kept) and report.readiness.needed == 0
    assert report.warnings == ()


def test_applying_changes_the_review_intervals_and_reset_restores_the_defaults(
    studied: Collection, history: tuple[Path, Path], tmp_path: Path
) -> None:
    review_card = next(r.card_id for r in studied.store.cards() if r.state.state == StudyState.REVIEW)
    before = studied.session(tz=UTC).preview(review_card, AFTER)
    assert studied.session(tz=UTC).preview(FRESH, AFTER) == GOLDEN_NEW
    report = optimizer.fit(studied, tz=UTC)
    info = optimizer.apply(studied, report, AFTER)
    assert report.fitted is not None and studied.settings().fsrs_parameters == report.fitted
    assert optimizer.stored_fit(studied) == info and info.reviews == report.reviews
    assert "fitted on" in optimizer.describe_parameters(studied)

    session = studied.session(tz=UTC)
    new_card = session.preview(FRESH, AFTER)
    assert new_card[Rating.EASY] == timedelta(days=round(report.fitted[3]))  # the first interval is w[3]
    assert new_card != GOLDEN_NEW
    oracle = fsrs.Scheduler(report.fitted, enable_fuzzing=False)
    state = studied.store.card_state(review_card)
    card = fsrs.Card(
        1, fsrs.State.Review, None, state.stability, state.difficulty, state.due, state.last_review
    )
    expected = {
        rating: oracle.review_card(card, fsrs.Rating(rating), AFTER)[0].due - AFTER for rating in Rating
    }
    assert session.preview(review_card, AFTER) == expected != before

    result = run_cli(history[1], studied.path, "optimize", "--reset")
    assert result.returncode == 0, result.stderr
    assert "default parameters again" in result.stdout
    with open_collection(studied.path, library=load_paths([history[1]])) as reopened:
        assert reopened.settings().fsrs_parameters == ()
        assert reopened.session(tz=UTC).preview(FRESH, AFTER) == GOLDEN_NEW
        assert reopened.session(tz=UTC).preview(review_card, AFTER) == before
        assert optimizer.stored_fit(reopened) is None
        assert optimizer.describe_parameters(reopened).startswith("default")


def test_a_history_too_short_to_fit_changes_nothing(tmp_path: Path) -> None:
    """27 cards (as many as the first bundled deck) studied for a month: fewer than 64 training items
    survive fsrs-rs's outlier filter, and fsrs-rs itself, given these items, fits at most the four
    initial stabilities."""
    decks = write_deck(tmp_path / "decks", "small", 27)
    with open_collection(tmp_path / "c.sqlite3", library=load_paths([decks])) as collection:
        study(collection.session(tz=UTC, scheduler=exact_scheduler()), Learner(seed=3), 30)
        settings_before = collection.store.stored_settings()
        report = optimizer.fit(collection, tz=UTC)
        items = independent_items(collection)
        direct = fsrs_rs_python.FSRS(fsrs_rs_python.DEFAULT_PARAMETERS).compute_parameters(items)
        assert direct[4:] == list(fsrs_rs_python.DEFAULT_PARAMETERS)[4:]
        kept = fsrs_rs_python.filter_outlier([i for i in items if i.long_term_review_cnt() == 1], items)[1]
        assert report.readiness.usable == len(kept) < optimizer.MIN_TRAINING_ITEMS
        assert report.fitted is None and not report.improves
        assert report.readiness.needed == optimizer.MIN_TRAINING_ITEMS - len(kept)
        with pytest.raises(ValueError, match="too short"):
            optimizer.apply(collection, report, AFTER)
        assert collection.store.stored_settings() == settings_before
        path = collection.path
    result = run_cli(decks, path, "optimize", "--apply")
    assert result.returncode == 1
    assert "Not enough history" in result.stdout and "more such reviews are needed" in result.stdout
    assert "Nothing was changed." in result.stdout
    with open_collection(path, library=load_paths([decks])) as reopened:
        assert reopened.store.stored_settings() == settings_before


def test_parameters_worse_than_the_ones_in_use_are_not_applied(
    studied: Collection, history: tuple[Path, Path]
) -> None:
    report = optimizer.fit(studied, tz=UTC)
    assert report.fitted is not None and report.fitted_evaluation is not None
    optimizer.apply(studied, report, AFTER)
    again = optimizer.fit(studied, tz=UTC)
    assert again.in_use == report.fitted and not again.in_use_is_default
    assert again.fitted_evaluation is not None and again.in_use_evaluation is not None
    assert not again.improves  # the same fit: not better than itself
    assert "nothing was changed" in run_cli(history[1], studied.path, "optimize").stdout


# -- the setting ------------------------------------------------------------------------------------


def test_the_setting_takes_21_finite_numbers_within_py_fsrs_bounds() -> None:
    bounds = list(
        zip(fsrs.scheduler.LOWER_BOUNDS_PARAMETERS, fsrs.scheduler.UPPER_BOUNDS_PARAMETERS, strict=True)
    )
    assert list(Settings.FSRS_PARAMETER_BOUNDS) == bounds
    defaults = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    assert Settings.check("fsrs_parameters", defaults) == tuple(defaults)
    assert Settings.check("fsrs_parameters", []) == ()
    bad = [
        defaults[:20],
        [*defaults[:20], math.nan],
        [*defaults[:20], math.inf],
        [True, *defaults[1:]],
        "0.2",
    ]
    bad.append([*defaults[:4], 0.5, *defaults[5:]])  # w[4], the first difficulty, is from 1 to 10
    for value in bad:
        with pytest.raises(ValueError, match="fsrs_parameters"):
            Settings.check("fsrs_parameters", value)


def test_fitted_32_bit_values_become_the_decimals_py_fsrs_accepts() -> None:
    upper = f32(0.8)
    assert upper > 0.8  # fsrs-rs's 0.8 is just above py-fsrs's bound
    raw = [*fsrs_rs_python.DEFAULT_PARAMETERS[:19], upper, upper]
    stored = optimizer.as_setting(raw)
    assert stored[19:] == (0.8, 0.8)
    assert [f32(value) for value in stored] == [f32(value) for value in raw]
    assert stored[:19] == tuple(fsrs.scheduler.DEFAULT_PARAMETERS[:19])
    Scheduler(parameters=stored)  # py-fsrs accepts them


def test_fitted_parameters_survive_export_and_import(studied: Collection, tmp_path: Path) -> None:
    from studyapp import transfer

    optimizer.apply(studied, optimizer.fit(studied, tz=UTC), AFTER)
    target = tmp_path / "export.json"
    transfer.export_to_file(studied.store, target, AFTER)
    with open_collection(tmp_path / "copy.sqlite3", library=studied.library) as copy:
        transfer.import_snapshot(copy.store, transfer.read_export(str(target)))
        assert copy.settings().fsrs_parameters == studied.settings().fsrs_parameters
        assert optimizer.describe_parameters(copy).startswith("fitted (imported")


# -- the health check -------------------------------------------------------------------------------


def reviews_in_review(ratings: list[tuple[str, int]]) -> list[LoggedAnswer]:
    """Review-log rows of cards in the Review state, in order: ``(card, rating)``."""
    return [
        LoggedAnswer(i, card, Rating(rating), T0 + timedelta(days=i), StudyState.REVIEW)
        for i, (card, rating) in enumerate(ratings, start=1)
    ]


def test_hard_pressed_for_forgotten_cards_is_reported() -> None:
    # 40 cards rated Hard, 10 of them reviewed again and forgotten; 30 cards rated Good twice.
    log = [(f"c{i}", 2) for i in range(40)] + [(f"c{i}", 1) for i in range(10)]
    log += [(f"g{i}", 3) for i in range(30)] + [(f"g{i}", 3) for i in range(30)]
    counts = review_counts(reviews_in_review(log))
    assert (counts.ratings[Rating.HARD], counts.ratings[Rating.AGAIN]) == (40, 10)
    assert (counts.followed[Rating.HARD], counts.failed_after(Rating.HARD)) == (10, 1.0)
    assert (counts.followed[Rating.GOOD], counts.failed_after(Rating.GOOD)) == (30, 0.0)
    warnings = health_warnings(counts)  # 10 Hard cards followed up: too few to judge what came after
    assert len(warnings) == 1
    assert "Hard was pressed 40 times in reviews and Again only 10 times" in warnings[0]
    log += [(f"c{i}", 1) for i in range(10, 25)] + [(f"c{i}", 3) for i in range(25, 40)]
    counts = review_counts(reviews_in_review(log))  # now 25 Again and 40 Hard: no longer twice as many
    assert (counts.followed[Rating.HARD], counts.failed_after(Rating.HARD)) == (40, 25 / 40)
    warnings = health_warnings(counts)
    assert warnings == [
        "Cards rated Hard were forgotten at their next review 62% of the time (0% after Good): Hard may "
        "be standing in for Again. Press Again when you forgot."
    ]


def test_almost_every_review_rated_the_same_is_reported() -> None:
    log = [(f"c{i}", 3) for i in range(97)] + [("x", 1), ("y", 2), ("z", 4)]
    warnings = health_warnings(review_counts(reviews_in_review(log)))
    assert len(warnings) == 1 and warnings[0].startswith("97% of your reviews were rated Good")
    balanced = [(f"c{i}", 3) for i in range(80)] + [(f"a{i}", 1) for i in range(15)] + [("h", 2)] * 5
    assert health_warnings(review_counts(reviews_in_review(balanced))) == []
    assert health_warnings(review_counts(reviews_in_review(log[:40]))) == []  # too few to judge


# -- the command line, end to end --------------------------------------------------------------------


def test_optimize_on_a_collection_imported_from_an_export(history: tuple[Path, Path], tmp_path: Path) -> None:
    source, decks = history
    export = tmp_path / "history.json"
    assert run_cli(decks, source, "export", "--format", "json", str(export)).returncode == 0
    data = json.loads(export.read_text(encoding="utf-8"))
    times = [datetime.fromisoformat(review["reviewed_at"]) for review in data["reviews"]]
    assert len(times) >= 2000 and (max(times) - min(times)).days >= DAYS - 1

    db = tmp_path / "imported.sqlite3"
    imported = run_cli(decks, db, "import", str(export))
    assert imported.returncode == 0, imported.stderr
    result = run_cli(decks, db, "optimize", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    with open_collection(db, library=load_paths([decks])) as collection:
        items = independent_items(collection)
    direct = fsrs_rs_python.FSRS(fsrs_rs_python.DEFAULT_PARAMETERS).compute_parameters(items)
    assert report["reviews"] == len(times) and report["training_items"] == len(items)
    assert report["enough_history"] and report["fitted"]["better"]
    assert [f32(value) for value in report["fitted"]["parameters"]] == [f32(value) for value in direct]
    evaluation = fsrs_rs_python.FSRS(report["fitted"]["parameters"]).evaluate(items)
    assert report["fitted"]["evaluation"]["log_loss"] == pytest.approx(evaluation.log_loss, rel=1e-6)
    assert report["current"]["source"] == "default" and not report["applied"]

    text = run_cli(decks, db, "optimize", "--apply")
    assert text.returncode == 0 and "Applied" in text.stdout and "log loss" in text.stdout
    again = json.loads(run_cli(decks, db, "optimize", "--json").stdout)
    assert again["current"]["source"] == "fitted"
    assert again["current"]["parameters"] == report["fitted"]["parameters"]
