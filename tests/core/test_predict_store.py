"""Predictions in the collection: stored with their review (and deleted with it by undo), made in the
simulation screen without one, the per-deck ``predict`` setting, calibration in ``stats --json``, the
schema step that adds them, and the export's optional lists."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studyapp import transfer
from studyapp.cli import main
from studyapp.collection import Collection, open_collection
from studyapp.export_format import TransferError
from studyapp.model import Settings
from studyapp.session import StudySession
from studyapp.store.predictions import DrillAnswer, PredictionRecord
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate

from .conftest import T0, Cli

#: The schema version that added predictions and drill answers (the one after it may be someone else's).
VERSION = 1 + next(i for i, step in enumerate(STEPS) if step.__name__ == "_v4_predictions_and_drills")


def prediction(
    card_id: str | None, correct: bool, at: datetime = T0, sim: str = "pooling"
) -> PredictionRecord:
    return PredictionRecord(
        at=at,
        sim=sim,
        answer="output_shape[0]",
        given="4" if correct else "5",
        predicted=4.0 if correct else 5.0,
        expected=4.0,
        correct=correct,
        params={"window": 2, "stride": 2},
        card_id=card_id,
        diagnosis=None if correct else "too high by 25%",
    )


def test_a_prediction_is_stored_with_its_rating_and_undo_deletes_both(
    collection: Collection, session: StudySession
) -> None:
    card = session.next_card(T0)
    assert card is not None
    made = prediction(card.id, False)
    result = session.rate(card.id, 1, T0, prediction=made)
    (stored,) = collection.store.predictions()
    assert stored == replace(made, review_id=result.review_id, id=stored.id)
    assert collection.store.predictions(card.id) == [stored]
    assert session.undo() == card.id
    assert collection.store.predictions() == [] and list(collection.store.iter_reviews()) == []


def test_cram_saves_no_prediction(collection: Collection) -> None:
    cram = collection.session(cram=True, tz=UTC)
    card = cram.next_card(T0)
    assert card is not None
    cram.rate(card.id, 3, T0, prediction=prediction(card.id, True))
    assert collection.store.predictions() == []


def test_a_prediction_without_a_review_is_kept_and_counts_overall(collection: Collection) -> None:
    made = prediction(None, True)
    new_id = collection.store.add_prediction(made)
    assert collection.store.predictions() == [replace(made, id=new_id)]
    assert collection.store.calibration_counts() == ((1, 1), [])


def test_each_deck_may_switch_predictions_off(collection: Collection, session: StudySession) -> None:
    pool = replace(session.card("core-pool"), sim="pooling")  # type: ignore[arg-type]
    relu = replace(session.card("core-relu"), sim="activations")  # type: ignore[arg-type]
    assert session.predicts(pool) and session.predicts(relu)  # on by default
    assert not session.predicts(replace(pool, sim=None))  # nothing to predict without a simulation
    collection.set_setting("deck:core-cnn:predict", False)
    assert collection.deck_limits()["core-cnn"].predict is False
    fresh = collection.session(tz=UTC)
    assert not fresh.predicts(pool) and fresh.predicts(relu)
    collection.set_setting("predict", False)
    collection.set_setting("deck:core-cnn:predict", True)
    fresh = collection.session(tz=UTC)
    assert fresh.predicts(pool) and not fresh.predicts(relu)  # the deck's own value wins
    collection.set_setting("deck:core-cnn:predict", None)  # back to the global value
    assert not collection.session(tz=UTC).predicts(pool)


@pytest.mark.parametrize(("key", "value"), [("predict", 1), ("predict", "yes"), ("deck:core-cnn:predict", 0)])
def test_the_predict_setting_must_be_true_or_false(key: str, value: object) -> None:
    with pytest.raises(ValueError, match="predict must be of type bool"):
        Settings.check(key, value)
    assert Settings.check(key, True) is True


def test_calibration_in_stats_json_counts_predictions_within_tolerance_by_tag(
    collection: Collection, session: StudySession, cli: Cli, db_path: Path
) -> None:
    made = [
        ("core-relu", True),
        ("core-relu", True),
        ("core-relu", False),
        ("core-pool", False),
        ("core-pool", False),
    ]
    now = T0
    for card_id, correct in made:
        session.rate(card_id, 3 if correct else 1, now, prediction=prediction(card_id, correct, now))
        now += timedelta(days=2)
    collection.store.add_prediction(prediction(None, True, now))  # the simulation screen: no card
    result = cli.run(db_path, "stats", "--json")
    assert result.returncode == 0, result.stderr
    calibration = json.loads(result.stdout)["calibration"]
    expected_tags: dict[str, list[int]] = {}
    for card_id, correct in made:
        for tag in collection.library.cards[[c.id for c in collection.library.cards].index(card_id)].tags:
            counts = expected_tags.setdefault(tag, [0, 0])
            counts[0] += 1
            counts[1] += correct
    within = sum(correct for _card, correct in made) + 1
    assert calibration["predictions"] == len(made) + 1 == 6
    assert calibration["within_tolerance"] == within == 3
    assert calibration["share"] == within / 6
    assert calibration["by_tag"] == {
        tag: {"predictions": n, "within_tolerance": ok, "share": ok / n}
        for tag, (n, ok) in sorted(expected_tags.items())
    }
    assert calibration["by_tag"]["cnn"] == {"predictions": 2, "within_tolerance": 0, "share": 0.0}


# -- the schema step -------------------------------------------------------------------------------


def test_the_previous_version_is_upgraded_with_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[: VERSION - 1])
    conn.execute("INSERT INTO settings (key, value) VALUES ('new_per_day', '15')")
    conn.close()
    with open_collection(path, user_dir=tmp_path / "none") as collection:
        store = collection.store
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION >= VERSION
        assert store.settings().new_per_day == 15 and store.predictions() == []
        assert store.calibration_counts() == ((0, 0), [])
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM predictions WHERE review_id = 3"
        ).fetchall()
        assert any("predictions_by_review" in str(row) for row in plan)
    (backup,) = tmp_path.glob(f"collection.sqlite3.v{VERSION - 1}-*.backup")
    with sqlite3.connect(backup) as old:
        tables = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert old.execute("PRAGMA user_version").fetchone()[0] == VERSION - 1
        assert "predictions" not in tables and "drill_answers" not in tables


# -- export and import -----------------------------------------------------------------------------


def studied_with_predictions(collection: Collection, session: StudySession) -> None:
    first = session.rate("core-relu", 1, T0, prediction=prediction("core-relu", False))
    session.rate("core-pool", 3, T0 + timedelta(minutes=1), drill=DrillAnswer("pool-value", 77, "4.5", True))
    session.rate("core-stride", 1, T0 + timedelta(minutes=2), drill=DrillAnswer("conv-output-size", 5))
    collection.store.add_prediction(prediction(None, True, T0 + timedelta(minutes=3)))
    assert first.review_id is not None


def test_an_export_with_predictions_and_drill_answers_round_trips_exactly(
    collection: Collection, session: StudySession, tmp_path: Path
) -> None:
    studied_with_predictions(collection, session)
    first = tmp_path / "first.json"
    transfer.export_to_file(collection.store, first, T0)
    data = json.loads(first.read_text())
    assert [p["card"] for p in data["predictions"]] == ["core-relu", None]
    assert data["drill_answers"][1] == {
        "review": 3, "card": "core-stride", "problem": "conv-output-size", "seed": 5, "given": "",
        "correct": None, "diagnosis": None,
    }  # fmt: skip
    with open_collection(tmp_path / "other.sqlite3", library=collection.library) as other:
        transfer.import_snapshot(other.store, transfer.read_export(str(first)))
        assert other.store.predictions() == collection.store.predictions()
        assert other.store.drill_answer(2) == DrillAnswer("pool-value", 77, "4.5", True)
        second = tmp_path / "second.json"
        transfer.export_to_file(other.store, second, T0)
    assert second.read_text() == first.read_text()


def test_an_export_without_them_leaves_them_out_and_imports_as_before(
    collection: Collection, session: StudySession, tmp_path: Path
) -> None:
    session.rate("core-relu", 3, T0)
    target = tmp_path / "plain.json"
    transfer.export_to_file(collection.store, target, T0)
    data = json.loads(target.read_text())
    assert "predictions" not in data and "drill_answers" not in data  # as files before them were
    studied_with_predictions(collection, session)
    transfer.import_snapshot(collection.store, transfer.read_export(str(target)))  # replaces everything
    assert collection.store.predictions() == [] and collection.store.drill_answers("core-pool") == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["predictions"][0].update(review=99),
            "predictions[0].review: must be the id of a review",
        ),
        (lambda d: d["predictions"][0].update(card="nope"), "predictions[0].card: unknown card 'nope'"),
        (
            lambda d: d["predictions"][0].update(predicted=None),
            "predictions[0].predicted: must be a finite number, got null",
        ),
        (lambda d: d["drill_answers"][0].update(card="core-mlp"), "drill_answers[0].review: must be the id"),
        (lambda d: d["drill_answers"][0].update(seed=-1), "drill_answers[0].seed: must be from 0"),
        (
            lambda d: d["drill_answers"].append(dict(d["drill_answers"][0])),
            "drill_answers[2].review: duplicate",
        ),
        (lambda d: d.update(predictions={}), "predictions: must be a list"),
    ],
)
def test_bad_predictions_and_drill_answers_are_refused_before_anything_is_written(
    collection: Collection, session: StudySession, tmp_path: Path, change: object, message: str
) -> None:
    studied_with_predictions(collection, session)
    target = tmp_path / "export.json"
    transfer.export_to_file(collection.store, target, T0)
    data = json.loads(target.read_text())
    change(data)  # type: ignore[operator]
    target.write_text(json.dumps(data))
    with pytest.raises(TransferError, match=message.replace("[", r"\[").replace("]", r"\]")):
        transfer.read_export(str(target))


def test_a_collection_with_predictions_only_is_replaced_only_with_yes(
    collection: Collection, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.json"
    transfer.export_to_file(collection.store, empty, T0)
    collection.store.add_prediction(prediction(None, True))  # made in the simulation screen
    assert main(["--db", str(db_path), "import", str(empty)]) == 1
    assert "--yes" in capsys.readouterr().err
    assert len(collection.store.predictions()) == 1
