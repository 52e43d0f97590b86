"""``import --merge``: two machines' histories merged into one, the same whichever side merges.

Two collections of the same decks are really studied (``StudySession.rate`` with fuzz, at interleaved
times), exported, and merged into each other; the results are compared with each other and with
independent oracles (the union of the exports' review keys, and FSRS itself replaying the merged ratings).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsrs
import pytest

from studyapp.cli import main
from studyapp.collection import open_collection
from studyapp.content import Library, load_paths
from studyapp.export_reader import read_export
from studyapp.merge import merge_file, merge_snapshot
from studyapp.model import CardState
from studyapp.store import Store
from studyapp.store.predictions import DrillAnswer, PredictionRecord
from tests.core.conftest import ROOT, T0, Cli, assert_tag_sets, write_decks

Fingerprint = Callable[[Path], tuple[bytes, int]]
TIMEOUT = 60.0
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def history(path: Path) -> dict[str, Any]:
    """Everything a merge decides, independent of row ids: card states, the review log, quiz attempts and
    settings, each in a fixed order."""
    conn = sqlite3.connect(path)
    try:
        states = ", ".join(CardState.COLUMNS)
        return {
            "cards": conn.execute(f"SELECT card_id, {states} FROM cards ORDER BY card_id").fetchall(),
            "reviews": sorted(
                conn.execute(
                    "SELECT card_id, reviewed_at, rating, duration_ms, state_before, state_after, before, "
                    "after FROM reviews"
                ).fetchall()
            ),
            "quiz_attempts": sorted(
                conn.execute(
                    "SELECT at, kind, card_id, seed, params, question, given, expected, correct, "
                    "duration_ms, diagnosis FROM quiz_attempts"
                ).fetchall(),
                key=repr,
            ),
            "settings": conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall(),
        }
    finally:
        conn.close()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ids included."""
    conn = sqlite3.connect(path)
    try:
        tables = ("decks", "cards", "card_tags", "reviews", "quiz_attempts", "settings")
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in tables}
    finally:
        conn.close()


def integrity(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def export(db: Path, target: Path) -> dict[str, Any]:
    assert main(["--db", str(db), "export", str(target)]) == 0
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return data


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@dataclass(frozen=True)
class Machines:
    """Two collections of the same decks, a shared past and each one's history since; and their exports."""

    a: Path
    b: Path
    a_export: Path
    b_export: Path
    a_data: dict[str, Any]
    b_data: dict[str, Any]


@pytest.fixture
def machines(tmp_path: Path, library: Library, capsys: pytest.CaptureFixture[str]) -> Machines:
    """Machine A studies, exports, and B imports that; then both study on (with fuzz), at interleaved times.

    core-pool: reviewed Easy together, then four lapses (Again, then Good an hour later) on each machine,
    A on days 1, 5, 9, 13 and B on days 3, 7, 11, 15: eight lapses together, four on either machine.
    core-mlp: Good together, then Good on A (day 2) and on B (day 3). core-backprop: A only, into review
    with fuzzed intervals. core-stride: B only. core-relu: B on day 2, A on day 4 then suspended on A.
    core-padding: B on day 6, then buried on B. A sets new_per_day; B, studying last, desired_retention.
    """
    random.seed(2025)  # fsrs fuzzes with the random module: the same fuzz on every run
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    with open_collection(a, library=library) as first:
        session = first.session(tz=UTC)
        session.rate("core-pool", 4, T0, duration_ms=4000)
        session.rate("core-mlp", 3, T0 + HOUR, duration_ms=3000)
        first.add_quiz_attempt(
            at=T0, kind="typed", question="ReLU(-2)?", given="0", expected="0", correct=True
        )
    export(a, tmp_path / "shared.json")
    open_collection(b, library=library).close()
    assert main(["--db", str(b), "import", str(tmp_path / "shared.json")]) == 0
    with open_collection(a, library=library) as on_a, open_collection(b, library=library) as on_b:
        session_a, session_b = on_a.session(tz=UTC), on_b.session(tz=UTC)
        for day in (1, 5, 9, 13):
            session_a.rate("core-pool", 1, T0 + day * DAY, duration_ms=day)
            session_a.rate("core-pool", 3, T0 + day * DAY + HOUR)
        for day in (3, 7, 11, 15):
            session_b.rate("core-pool", 1, T0 + day * DAY, duration_ms=day)
            session_b.rate("core-pool", 3, T0 + day * DAY + HOUR)
        session_a.rate("core-mlp", 3, T0 + 2 * DAY)
        session_b.rate("core-mlp", 3, T0 + 3 * DAY)
        for days, rating in ((0.0, 3), (0.01, 3), (1.0, 3), (6.0, 4)):
            session_a.rate("core-backprop", rating, T0 + days * DAY + 2 * HOUR)
        session_b.rate("core-stride", 2, T0 + 4 * DAY)
        session_b.rate("core-relu", 3, T0 + 2 * DAY)
        session_a.rate("core-relu", 4, T0 + 4 * DAY)
        session_a.suspend("core-relu")
        session_b.rate("core-padding", 3, T0 + 6 * DAY)
        session_b.bury("core-padding", T0 + 6 * DAY)
        on_a.add_quiz_attempt(
            at=T0 + 2 * DAY,
            kind="numeric",
            question="3x3 conv of 5x5?",
            given="3",
            expected="3",
            correct=True,
        )
        on_b.add_quiz_attempt(
            at=T0 + 5 * DAY,
            kind="choice",
            question="Pooling keeps?",
            given="mean",
            expected="max",
            correct=False,
            diagnosis="averaged the window",
            card_id="core-pool",
            seed=7,
            params={"k": 2},
            duration_ms=1500,
        )
        on_a.set_setting("new_per_day", 15)
        on_b.set_setting("desired_retention", 0.85)
    a_export, b_export = tmp_path / "a.json", tmp_path / "b.json"
    machines = Machines(a, b, a_export, b_export, export(a, a_export), export(b, b_export))
    capsys.readouterr()
    return machines


def fsrs_card(state: dict[str, Any]) -> fsrs.Card:
    """The fsrs card of a study state as an export writes it."""
    return fsrs.Card(
        card_id=1,
        state=fsrs.State[state["state"].capitalize()],
        step=state["step"],
        stability=state["stability"],
        difficulty=state["difficulty"],
        due=datetime.fromisoformat(state["due"]),
        last_review=datetime.fromisoformat(state["last_review"]),
    )


# -- the same result whichever side merges ---------------------------------------------------------


def test_both_orders_give_the_same_cards_reviews_attempts_and_settings(machines: Machines) -> None:
    a_report = merge_file(str(machines.b_export), machines.a, progress_stream=None)
    b_report = merge_file(str(machines.a_export), machines.b, progress_stream=None)
    merged_a, merged_b = history(machines.a), history(machines.b)
    assert merged_a == merged_b
    assert integrity(machines.a) == integrity(machines.b) == [("ok",)]
    assert_tag_sets(machines.a)
    assert_tag_sets(machines.b)  # core-backprop came in from A

    # The review log is the union of both exports' reviews, by card and time.
    keys = {
        (r["card"], ms(r["reviewed_at"]))
        for data in (machines.a_data, machines.b_data)
        for r in data["reviews"]
    }
    assert {(card, at) for card, at, *_rest in merged_a["reviews"]} == keys
    assert len(merged_a["reviews"]) == len(keys) == 2 + 8 + 8 + 2 + 4 + 1 + 2 + 1
    assert a_report.reviews_added == len(keys) - len(machines.a_data["reviews"]) == 12
    assert b_report.reviews_added == len(keys) - len(machines.b_data["reviews"]) == 14
    # A gains B's cards' reviews; B gains A's, and core-backprop (A only) besides.
    assert a_report.cards_changed == ("core-mlp", "core-padding", "core-pool", "core-relu", "core-stride")
    assert b_report.cards_changed == ("core-backprop", "core-mlp", "core-pool", "core-relu")
    # The quiz attempts are the union too: the shared one once, and each machine's own.
    assert [row[5] for row in merged_a["quiz_attempts"]] == [
        "ReLU(-2)?",
        "3x3 conv of 5x5?",
        "Pooling keeps?",
    ]
    assert (a_report.quiz_attempts_added, b_report.quiz_attempts_added) == (1, 1)
    assert merged_a["quiz_attempts"][2][1:] == (
        "choice",
        "core-pool",
        7,
        '{"k": 2}',
        "Pooling keeps?",
        "mean",
        "max",
        0,
        1500,
        "averaged the window",
    )
    # B studied last: its settings are taken by A and kept by B.
    assert merged_a["settings"] == [("desired_retention", "0.85")]
    assert a_report.settings_taken and a_report.settings_changed == ("desired_retention", "new_per_day")
    assert not b_report.settings_taken and b_report.settings_changed == ()


def test_a_card_studied_on_one_machine_keeps_its_fuzzed_state_exactly(machines: Machines) -> None:
    merge_file(str(machines.a_export), machines.b, progress_stream=None)
    merge_file(str(machines.b_export), machines.a, progress_stream=None)
    for data, card_id, other in (
        (machines.a_data, "core-backprop", machines.b),
        (machines.b_data, "core-stride", machines.a),
    ):
        exported = next(card for card in data["cards"] if card["id"] == card_id)
        with Store.open(other) as store:
            state = store.card_state(card_id)
        assert state.stability == exported["stability"] and state.difficulty == exported["difficulty"]
        assert state.due == datetime.fromisoformat(exported["due"]) and state.reps == exported["reps"]
    # core-backprop's last interval was fuzzed on A: a replay without fuzz would give another due time.
    backprop = [r for r in machines.a_data["reviews"] if r["card"] == "core-backprop"]
    last = backprop[-1]
    exact, _log = fsrs.Scheduler(enable_fuzzing=False).review_card(
        fsrs_card(last["before"]), fsrs.Rating(last["rating"]), datetime.fromisoformat(last["reviewed_at"])
    )
    assert exact.due != datetime.fromisoformat(last["after"]["due"])


def test_interleaved_lapses_are_replayed_without_fuzz_and_make_a_leech(machines: Machines) -> None:
    """Four lapses on each machine are eight in the merged history: the card becomes a leech, suspended."""
    merge_file(str(machines.b_export), machines.a, progress_stream=None)
    merge_file(str(machines.a_export), machines.b, progress_stream=None)
    pool = {
        r["reviewed_at"]: r
        for data in (machines.a_data, machines.b_data)
        for r in data["reviews"]
        if r["card"] == "core-pool"
    }
    ordered = [pool[at] for at in sorted(pool, key=ms)]
    assert len(ordered) == 17
    # The oracle: fsrs itself, from A's logged state after its first lapse's relearning (both machines
    # agree up to there), rating the rest in time order at the merged desired retention, without fuzz.
    card = fsrs_card(ordered[2]["after"])
    scheduler = fsrs.Scheduler(desired_retention=0.85, enable_fuzzing=False)
    lapses = ordered[2]["after"]["lapses"]
    for review in ordered[3:]:
        lapses += card.state == fsrs.State.Review and review["rating"] == 1
        card, _log = scheduler.review_card(
            card, fsrs.Rating(review["rating"]), datetime.fromisoformat(review["reviewed_at"])
        )
    for db in (machines.a, machines.b):
        with Store.open(db) as store:
            state = store.card_state("core-pool")
        assert (state.stability, state.difficulty, state.due) == (card.stability, card.difficulty, card.due)
        assert int(state.state) == int(card.state)
        assert (state.lapses, state.reps) == (lapses, 17) == (8, 17)
        assert state.leech and state.suspended
    assert all(
        card["lapses"] == 4 and not card["leech"]
        for data in (machines.a_data, machines.b_data)
        for card in data["cards"]
        if card["id"] == "core-pool"
    )


def test_flags_come_from_the_side_that_reviewed_the_card_last(machines: Machines) -> None:
    merge_file(str(machines.b_export), machines.a, progress_stream=None)
    merge_file(str(machines.a_export), machines.b, progress_stream=None)
    bury_end = T0.replace(hour=4) + 7 * DAY  # B buried core-padding on day 6: until the next 04:00 UTC
    for db in (machines.a, machines.b):
        with Store.open(db) as store:
            relu, padding = store.card_state("core-relu"), store.card_state("core-padding")
        assert relu.suspended and relu.reps == 2  # A reviewed it last (day 4), then suspended it
        assert padding.buried_until == bury_end and not padding.suspended


# -- predictions and drill answers ----------------------------------------------------------------


def prediction(at: datetime, answer: str, given: float, card_id: str | None) -> PredictionRecord:
    return PredictionRecord(
        at=at,
        sim="convolution",
        answer=answer,
        given=str(given),
        predicted=given,
        expected=3.0,
        correct=given == 3.0,
        params={"size": 5},
        card_id=card_id,
    )


def extras(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The predictions and drill answers, each with its review as (card, time) instead of its row id."""
    conn = sqlite3.connect(path)
    try:
        predictions = conn.execute(
            "SELECT p.at, p.card_id, r.card_id, r.reviewed_at, p.sim, p.answer, p.params, p.given, "
            "p.predicted, p.expected, p.correct, p.diagnosis FROM predictions AS p "
            "LEFT JOIN reviews AS r ON r.id = p.review_id"
        ).fetchall()
        drills = conn.execute(
            "SELECT r.card_id, r.reviewed_at, d.card_id, d.problem, d.seed, d.given, d.correct, d.diagnosis "
            "FROM drill_answers AS d JOIN reviews AS r ON r.id = d.review_id"
        ).fetchall()
        return {"predictions": sorted(predictions, key=repr), "drill_answers": sorted(drills, key=repr)}
    finally:
        conn.close()


@pytest.fixture
def predicting(machines: Machines, library: Library, tmp_path: Path) -> Machines:
    """The two machines again, each with predictions (one in a review, one in the simulation screen, one the
    other machine made too) and drill answers given in reviews, then exported again."""
    shared = prediction(T0 + 20 * DAY, "output_size", 3.0, None)  # the same prediction on both machines
    with (
        open_collection(machines.a, library=library) as on_a,
        open_collection(machines.b, library=library) as on_b,
    ):
        for collection in (on_a, on_b):
            collection.store.add_prediction(shared)
        session_a, session_b = on_a.session(tz=UTC), on_b.session(tz=UTC)
        session_a.rate(
            "core-stride",
            3,
            T0 + 21 * DAY,
            prediction=prediction(T0 + 21 * DAY, "output_size", 4.0, "core-stride"),
        )
        session_a.rate(
            "core-padding", 3, T0 + 21 * DAY + HOUR, drill=DrillAnswer("conv_output", 11, "5", True)
        )
        on_a.store.add_prediction(prediction(T0 + 22 * DAY, "parameters", 28.0, None))
        session_b.rate(
            "core-stride",
            2,
            T0 + 23 * DAY,
            prediction=prediction(T0 + 23 * DAY, "output_size", 3.0, "core-stride"),
            drill=DrillAnswer("conv_output", 12, "7", False, "forgot the +1"),
        )
    a_export, b_export = tmp_path / "a2.json", tmp_path / "b2.json"
    return Machines(
        machines.a, machines.b, a_export, b_export, export(machines.a, a_export), export(machines.b, b_export)
    )


def test_predictions_and_drill_answers_are_merged_as_a_union_in_both_orders(predicting: Machines) -> None:
    a_report = merge_file(str(predicting.b_export), predicting.a, progress_stream=None)
    b_report = merge_file(str(predicting.a_export), predicting.b, progress_stream=None)
    merged = extras(predicting.a)
    assert merged == extras(predicting.b)
    assert history(predicting.a) == history(predicting.b)
    # The oracle: the union of both exports' predictions and drill answers, each linked to its review by
    # card and time through the export's own review ids.
    expected: dict[str, set[tuple[Any, ...]]] = {"predictions": set(), "drill_answers": set()}
    for data in (predicting.a_data, predicting.b_data):
        reviews = {r["id"]: (r["card"], ms(r["reviewed_at"])) for r in data["reviews"]}
        for p in data["predictions"]:
            review = reviews[p["review"]] if p["review"] is not None else (None, None)
            expected["predictions"].add(
                (
                    ms(p["at"]),
                    p["card"],
                    *review,
                    p["sim"],
                    p["answer"],
                    json.dumps(p["params"], sort_keys=True),
                    p["given"],
                    p["predicted"],
                    p["expected"],
                    int(p["correct"]),
                    p["diagnosis"],
                )
            )
        for d in data["drill_answers"]:
            correct = None if d["correct"] is None else int(d["correct"])
            expected["drill_answers"].add(
                (
                    *reviews[d["review"]],
                    d["card"],
                    d["problem"],
                    d["seed"],
                    d["given"],
                    correct,
                    d["diagnosis"],
                )
            )
    assert {name: set(rows) for name, rows in merged.items()} == expected
    assert len(merged["predictions"]) == len(expected["predictions"]) == 4  # the shared one once
    assert len(merged["drill_answers"]) == 2
    assert (a_report.predictions_added, a_report.drill_answers_added) == (1, 1)
    assert (b_report.predictions_added, b_report.drill_answers_added) == (2, 1)
    assert "  predictions added: 1" in a_report.describe().splitlines()
    assert b_report.as_json()["drill_answers_added"] == 1
    # Merging again, or the merged collection's export back, adds nothing.
    rows = dump(predicting.a), extras(predicting.a)
    again = merge_file(str(predicting.b_export), predicting.a, progress_stream=None)
    assert (again.predictions_added, again.drill_answers_added, again.reviews_added) == (0, 0, 0)
    merged_export = predicting.a.parent / "merged-extras.json"
    export(predicting.a, merged_export)
    back = merge_file(str(merged_export), predicting.b, progress_stream=None)
    assert (back.predictions_added, back.drill_answers_added) == (0, 0)
    assert (dump(predicting.a), extras(predicting.a)) == rows
    assert extras(predicting.b) == merged


def test_a_dry_run_counts_the_predictions_and_writes_none(predicting: Machines) -> None:
    before = extras(predicting.a)
    report = merge_file(str(predicting.b_export), predicting.a, dry_run=True, progress_stream=None)
    assert (report.predictions_added, report.drill_answers_added) == (1, 1)
    assert extras(predicting.a) == before


# -- merging twice, dry runs, the command line ----------------------------------------------------


def test_merging_twice_changes_nothing(machines: Machines) -> None:
    first = merge_file(str(machines.b_export), machines.a, progress_stream=None)
    assert first.reviews_added and first.cards_changed
    rows = dump(machines.a)
    again = merge_file(str(machines.b_export), machines.a, progress_stream=None)
    assert (again.reviews_added, again.reviews_rescheduled, again.quiz_attempts_added) == (0, 0, 0)
    assert (again.cards_changed, again.cards_added, again.settings_changed) == ((), (), ())
    assert dump(machines.a) == rows
    # Merging the merged collection's own export back, or into B merged the other way, changes nothing either.
    merged_export = machines.a.parent / "merged.json"
    export(machines.a, merged_export)
    assert merge_file(str(merged_export), machines.a, progress_stream=None).reviews_added == 0
    assert dump(machines.a) == rows
    merge_file(str(machines.a_export), machines.b, progress_stream=None)
    b_rows = history(machines.b)
    back = merge_file(str(merged_export), machines.b, progress_stream=None)
    assert (back.reviews_added, back.reviews_rescheduled, back.cards_changed) == (0, 0, ())
    assert history(machines.b) == b_rows


def test_a_dry_run_reports_the_merge_and_writes_nothing(
    machines: Machines, cli: Cli, file_fingerprint: Fingerprint
) -> None:
    before, rows = file_fingerprint(machines.a), dump(machines.a)
    result = cli.run(machines.a, "import", str(machines.b_export), "--merge", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    planned = json.loads(result.stdout)
    assert file_fingerprint(machines.a) == before and dump(machines.a) == rows
    assert planned["dry_run"] and planned["reviews_added"] == 12
    result = cli.run(machines.a, "import", str(machines.b_export), "--merge", "--json")
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout)
    assert {**planned, "dry_run": False} == done
    assert len(dump(machines.a)["reviews"]) == len(rows["reviews"]) + 12


def test_the_report_in_words(machines: Machines, cli: Cli) -> None:
    result = cli.run(machines.a, "import", str(machines.b_export), "--merge")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"merged {machines.b_export} into {machines.a}:",
        "  reviews added: 12",
        # A's six core-pool reviews after B's first lapse (day 3), and A's core-relu review (B's came first).
        "  reviews here rescheduled (the other machine's came between): 7",
        # core-pool, core-mlp and core-relu (both studied), core-padding and core-stride (B only).
        "  cards changed: 5",
        "  quiz attempts added: 1",
        "  settings: taken from the export (desired_retention, new_per_day changed)",
    ]
    result = cli.run(machines.a, "import", str(machines.b_export), "--merge", "--dry-run")
    assert result.stdout.splitlines() == [
        f"would merge {machines.b_export} into {machines.a}:",
        "  reviews added: 0",
        "  cards changed: 0",
        "  quiz attempts added: 0",
        "  settings: taken from the export (the same as these)",
        "dry run: nothing was written",
    ]


def test_a_dry_run_into_a_missing_collection_creates_nothing(machines: Machines, tmp_path: Path) -> None:
    target = tmp_path / "none" / "c.sqlite3"
    report = merge_file(str(machines.a_export), target, dry_run=True, progress_stream=None)
    assert report.reviews_added == len(machines.a_data["reviews"]) and len(report.cards_added) == 7
    assert not target.parent.exists()


# -- cards this collection does not know -----------------------------------------------------------

OTHER = """
[deck]
id = "other-deck"
title = "Another deck"

[[cards]]
id = "other-adam"
question = "What does Adam keep per weight?"
answer = "Running means of the gradient and of its square."
tags = ["optim"]

[[cards]]
id = "other-momentum"
question = "What does momentum add?"
answer = "A running mean of past gradients."
"""


def test_cards_of_other_decks_are_kept_retired_and_come_back_with_their_deck(
    machines: Machines, tmp_path: Path, library: Library
) -> None:
    other_dir = write_decks(tmp_path / "other-decks", {"other.toml": OTHER})
    other_library = load_paths([other_dir])
    elsewhere = tmp_path / "elsewhere.sqlite3"
    with open_collection(elsewhere, library=other_library) as collection:
        session = collection.session(tz=UTC)
        session.rate("other-adam", 3, T0)
        session.rate("other-adam", 3, T0 + 2 * DAY)
        session.rate("other-momentum", 1, T0 + DAY)
    data = export(elsewhere, tmp_path / "elsewhere.json")
    report = merge_file(str(tmp_path / "elsewhere.json"), machines.a, progress_stream=None)
    assert report.cards_added == ("other-adam", "other-momentum") and report.reviews_added == 3
    assert report.cards_changed == ()
    exported = {card["id"]: card for card in data["cards"]}
    with open_collection(machines.a, library=library) as collection:  # the decks here: they stay retired
        assert collection.sync.restored == ()
        record = collection.card_record("other-adam")
        assert record is not None and record.retired and record.tags == ("optim",)
        assert record.state.stability == exported["other-adam"]["stability"]
        session = collection.session(tz=UTC)
        seen = set()
        now = T0 + 30 * DAY
        while (card := session.next_card(now)) is not None:
            seen.add(card.id)
            session.skip(card.id)
        assert seen and not seen & {"other-adam", "other-momentum"}
    both = load_paths([library_dir(library), other_dir])
    with open_collection(machines.a, library=both) as collection:  # the deck is added: they come back
        assert set(collection.sync.restored) == {"other-adam", "other-momentum"}
        record = collection.card_record("other-adam")
        assert record is not None and not record.retired and record.state.reps == 2
        assert len(list(collection.store.iter_reviews(card_id="other-adam"))) == 2


def library_dir(library: Library) -> Path:
    source = library.decks[0].source
    assert source is not None
    return source.parent


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b'{"format": "something-else"}', "other.json", "other.json: format: not a studyapp export"),
        (b'{"format": "studyapp-export", "version": 99}', "newer.json", "written by a newer studyapp"),
        (b"not json", "broken.json", "broken.json:1:1: not valid JSON"),
        (b"PK\x03\x04", "deck.apkg", "--merge"),  # an Anki package is a new deck, not a history
    ],
)
def test_bad_input_is_refused_with_status_2_and_nothing_written(
    machines: Machines,
    cli: Cli,
    tmp_path: Path,
    file_fingerprint: Fingerprint,
    content: bytes,
    name: str,
    message: str,
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    before = file_fingerprint(machines.a)
    result = cli.run(machines.a, "import", str(bad), "--merge")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("studyapp: error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert file_fingerprint(machines.a) == before
    missing = tmp_path / "new" / "c.sqlite3"
    assert cli.run(missing, "import", str(bad), "--merge").returncode == 2
    assert not missing.parent.exists()


def test_dry_run_and_json_need_merge(machines: Machines, cli: Cli, file_fingerprint: Fingerprint) -> None:
    before = file_fingerprint(machines.a)
    result = cli.run(machines.a, "import", str(machines.b_export), "--dry-run")
    assert result.returncode == 2 and "--dry-run and --json go with --merge" in result.stderr
    assert file_fingerprint(machines.a) == before


# -- a merge killed part-way -----------------------------------------------------------------------

#: Merges an export with a callback that, once half the rows are written (inside the transaction),
#: writes a sentinel file and waits to be killed.
KILLED_MERGE = """
import sys, time
from pathlib import Path
from studyapp.export_reader import read_export
from studyapp.merge import merge_snapshot
from studyapp.store import Store

db, source, sentinel, half = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
snapshot = read_export(source)
written = 0

def advance(count):
    global written
    written += count
    if written >= half:
        sentinel.write_text(str(written))
        time.sleep(600)

with Store.open(db) as store:
    merge_snapshot(store, snapshot, advance=advance)
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Library]:
    """A collection with a few reviews, and an export of another with ~14,000 interleaved reviews."""
    folder = tmp_path_factory.mktemp("big")
    library = load_paths([write_decks(folder / "decks")])
    source = folder / "source.sqlite3"
    with open_collection(source, library=library) as collection:
        session = collection.session(tz=UTC)
        with collection.store.transaction():
            for i in range(2000):
                for n, card in enumerate(library.cards):
                    session.rate(card.id, 1 + (i + n) % 4, T0 + i * HOUR + n * timedelta(minutes=1))
    export(source, folder / "big.json")
    target = folder / "target.sqlite3"
    with open_collection(target, library=library) as collection:
        session = collection.session(tz=UTC)
        for card in library.cards:
            session.rate(card.id, 3, T0 + 30 * timedelta(minutes=1))
    return target, folder / "big.json", library


def test_a_merge_killed_inside_its_transaction_loses_nothing(
    big: tuple[Path, Path, Library], tmp_path: Path
) -> None:
    original, source, _library = big
    db = tmp_path / "c.sqlite3"
    shutil.copy(original, db)
    rows = dump(db)
    sentinel = tmp_path / "inside"
    snapshot = read_export(str(source))
    half = len(snapshot.reviews) // 2
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_MERGE, str(db), str(source), str(sentinel), str(half)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not sentinel.exists():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the merge never got half-way"
            time.sleep(0.02)
        wal = db.with_name(db.name + "-wal")
        assert wal.stat().st_size > 1_000_000  # part of the merge's writes are on disk, uncommitted
        process.send_signal(signal.SIGKILL)
        assert process.wait(TIMEOUT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)
        assert process.stderr is not None
        process.stderr.close()
    assert integrity(db) == [("ok",)]
    assert dump(db) == rows
    # The same merge, left to finish, changes the collection: what the kill rolled back was real.
    with Store.open(db) as store:
        report = merge_snapshot(store, snapshot)
    assert report.reviews_added == len(snapshot.reviews) and dump(db) != rows
    assert integrity(db) == [("ok",)]


def test_the_command_killed_while_its_write_ahead_log_grows_leaves_a_whole_collection(
    big: tuple[Path, Path, Library], tmp_path: Path, cli: Cli
) -> None:
    """``import --merge`` killed as soon as its writes reach the write-ahead log: the collection is
    exactly as before the merge, or (if the commit won the race) exactly as after it."""
    original, source, _library = big
    db, merged = tmp_path / "c.sqlite3", tmp_path / "merged.sqlite3"
    shutil.copy(original, db)
    shutil.copy(original, merged)
    with Store.open(merged) as store:
        merge_snapshot(store, read_export(str(source)))
    before, after = history(db), history(merged)
    assert before != after
    wal = db.with_name(db.name + "-wal")
    cli.killed_when(
        db,
        ["import", str(source), "--merge"],
        lambda: wal.exists() and wal.stat().st_size > 2_000_000,
        waiting_for="its writes reached the log",
    )
    assert integrity(db) == [("ok",)]
    assert history(db) in (before, after)


def test_a_merge_that_runs_out_of_disk_space_changes_nothing(
    big: tuple[Path, Path, Library], tmp_path: Path, cli: Cli
) -> None:
    """The merge's writes hit a file-size limit (as on a full disk) part-way: a clear error, no change."""
    original, source, _library = big
    db = tmp_path / "c.sqlite3"
    shutil.copy(original, db)
    rows, size = dump(db), db.stat().st_size
    result = subprocess.run(
        ["prlimit", f"--fsize={size + 65536}", *cli.command(db, "import", str(source), "--merge")],
        capture_output=True,
        text=True,
        env=cli.env(),
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "could not be written" in result.stderr and "Traceback" not in result.stderr
    assert dump(db) == rows and integrity(db) == [("ok",)]
