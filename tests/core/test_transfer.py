"""Export, import and backup: exact round trips, refusals that leave the collection untouched, safe copies."""

from __future__ import annotations

import copy
import io
import json
import os
import pty
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp import transfer
from studyapp.cli import main
from studyapp.collection import Collection
from studyapp.export_stream import ChangedWhileRead, streamed_document
from studyapp.model import CardState, Rating, StudyState
from studyapp.session import StudySession
from studyapp.store import Store

from .conftest import assert_tag_sets

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
TABLES = ("decks", "cards", "card_tags", "reviews", "quiz_attempts", "settings")
Fingerprint = Callable[[Path], tuple[bytes, int]]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the collection's tables (not its internal metadata), in a fixed order."""
    conn = sqlite3.connect(path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}
    finally:
        conn.close()


def without_time(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    assert datetime.fromisoformat(data.pop("exported_at")).tzinfo is not None
    return data


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def studied(collection: Collection, session: StudySession) -> Collection:
    """A collection with three weeks of reviews, quiz attempts, changed settings and every kind of card."""
    rng = random.Random(7)
    now = T0
    for day in range(21):
        for _ in range(12):
            card = session.next_card(now)
            if card is None:
                break
            session.rate(card.id, rng.choice([1, 2, 3, 3, 4]), now, duration_ms=rng.randint(500, 9000))
            now += timedelta(minutes=rng.randint(1, 9))
        now = T0 + timedelta(days=day + 1, minutes=rng.randint(-120, 120))
    session.bury("core-pool", now)
    session.suspend("core-relu")
    store = collection.store
    for i in range(5):
        store.add_quiz_attempt(
            at=now + timedelta(seconds=i),
            kind=["choice", "numeric"][i % 2],
            question=f"Question {i} — ünïcode",
            given=str(i),
            expected="2",
            correct=i == 2,
            card_id=[None, "core-mlp"][i % 2],
            seed=i if i % 2 else None,
            params={"lr": 0.1 * i, "shape": [3, 3], "name": "conv"},
            duration_ms=1000 + i,
            diagnosis="forgot the +1 in ⌊(n + 2p − k)/s⌋ + 1" if i in (1, 3) else None,
        )
    store.set_setting("new_per_day", 15)
    store.set_setting("desired_retention", 0.85)
    store.set_deck_limit("core-cnn", "review_limit", 40)
    store.apply_sync(
        decks=[("core-basics", "Core basics"), ("core-cnn", "Core CNN")],
        insert=[],
        update=[],
        retire=["core-stride"],
        tags={},
        fingerprint="test",
    )
    return collection


def export_text(store: Store, now: datetime = T0) -> str:
    out = io.StringIO()
    transfer.write_export(store, out, now)
    return out.getvalue()


# -- round trips -----------------------------------------------------------------------------------


def test_export_import_export_is_exact(studied: Collection, tmp_path: Path) -> None:
    first = export_text(studied.store)
    data = json.loads(first)
    assert (data["format"], data["version"]) == ("studyapp-export", 1)
    assert len(data["cards"]) == 7 and len(data["quiz_attempts"]) == 5 and len(data["reviews"]) > 40
    assert {card["id"]: card["retired"] for card in data["cards"]}["core-stride"] is True
    assert data["settings"] == {
        "deck:core-cnn:review_limit": 40,
        "desired_retention": 0.85,
        "new_per_day": 15,
    }
    fresh = tmp_path / "fresh.sqlite3"
    with Store.open(fresh) as store:
        counts = transfer.import_snapshot(store, transfer.parse_export(first, "first.json"))
        assert counts == transfer.Counts(7, len(data["reviews"]), 5)
        second = export_text(store, T0 + timedelta(days=1))
    assert without_time(second) == without_time(first)
    assert second.replace(json.loads(second)["exported_at"], json.loads(first)["exported_at"]) == first
    assert dump(fresh) == dump(studied.store.path)
    assert_tag_sets(fresh)


def test_the_export_matches_the_store_item_by_item(studied: Collection) -> None:
    store = studied.store
    data = json.loads(export_text(store))
    log = list(store.iter_reviews())
    assert [review["id"] for review in data["reviews"]] == [record.id for record in log]
    for review, record in zip(data["reviews"], log, strict=True):
        assert review["rating"] == record.rating
        assert datetime.fromisoformat(review["reviewed_at"]) == record.reviewed_at
        assert review["before"]["state"] == record.before.state.name.lower()
        assert review["after"]["stability"] == record.after.stability
    records = {record.card_id: record for record in store.cards()}
    for card in data["cards"]:
        state = records[card["id"]].state
        assert card["tags"] == sorted(records[card["id"]].tags)
        assert (card["suspended"], card["reps"], card["lapses"]) == (
            state.suspended,
            state.reps,
            state.lapses,
        )
        assert (datetime.fromisoformat(card["due"]) if card["due"] else None) == state.due
    attempts = list(store.iter_quiz_attempts())
    assert [a["params"] for a in data["quiz_attempts"]] == [dict(a.params) for a in attempts]
    assert data["quiz_attempts"][1]["question"] == "Question 1 — ünïcode"
    # The diagnosis is written where there is one, and only there.
    assert [a.get("diagnosis") for a in data["quiz_attempts"]] == [a.diagnosis for a in attempts]
    assert [("diagnosis" in a) for a in data["quiz_attempts"]] == [False, True, False, True, False]


def test_an_export_without_diagnoses_still_imports_exactly(studied: Collection, tmp_path: Path) -> None:
    """Files written before quiz attempts had a diagnosis (no such field) import, and export the same."""
    data = json.loads(export_text(studied.store))
    for attempt in data["quiz_attempts"]:
        attempt.pop("diagnosis", None)
    data["quiz_attempts"][0]["diagnosis"] = None  # an explicit null is no diagnosis either
    old = json.dumps(data, ensure_ascii=False)
    with Store.open(tmp_path / "fresh.sqlite3") as store:
        transfer.import_snapshot(store, transfer.parse_export(old, "old.json"))
        assert [a.diagnosis for a in store.iter_quiz_attempts()] == [None] * 5
        again = json.loads(export_text(store))
    del data["quiz_attempts"][0]["diagnosis"]
    assert without_time(json.dumps(again)) == without_time(json.dumps(data))


def test_the_command_line_round_trip(studied: Collection, cli: Any, tmp_path: Path) -> None:
    source = studied.store.path
    studied.close()
    first, second, fresh = tmp_path / "first.json", tmp_path / "second.json", tmp_path / "new.sqlite3"
    exported = cli.run(source, "export", "--format", "json", str(first))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("exported 7 cards, ") and exported.stderr == ""
    imported = cli.run(fresh, "import", str(first))
    assert imported.returncode == 0, imported.stderr
    assert "imported 7 cards" in imported.stdout
    assert cli.run(fresh, "export", str(second)).returncode == 0
    assert without_time(second.read_text()) == without_time(first.read_text())
    to_stdout = cli.run(source, "export", "-")
    assert to_stdout.returncode == 0 and "exported 7 cards" in to_stdout.stderr
    assert without_time(to_stdout.stdout) == without_time(first.read_text())
    from_stdin = cli.run(tmp_path / "piped.sqlite3", "import", "-", stdin=to_stdout.stdout)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert dump(tmp_path / "piped.sqlite3") == dump(source)
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_needs_an_existing_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.sqlite3"
    assert main(["--db", str(missing), "export", str(tmp_path / "out.json")]) == 1
    assert "no collection at" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "out.json").exists()


def test_a_failed_export_leaves_no_file(
    studied: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.json"
    target.write_text("the previous export")
    real = transfer._reviews

    def broken(conn: sqlite3.Connection) -> Any:
        for index, item in enumerate(real(conn)):
            if index == 10:
                raise OSError(28, "No space left on device")
            yield item

    monkeypatch.setattr(transfer, "_reviews", broken)
    with pytest.raises(transfer.TransferError, match="No space left on device"):
        transfer.export_to_file(studied.store, target, T0)
    assert target.read_text() == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["out.json"]
    with pytest.raises(transfer.TransferError, match="does not exist"):
        transfer.export_to_file(studied.store, tmp_path / "no" / "out.json", T0)


# -- refusals --------------------------------------------------------------------------------------


def edit(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to a valid export: set the value at ``path`` (a missing key path deletes nothing)."""

    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def delete(*path: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def duplicate_first(section: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[section].append(copy.deepcopy(data[section][0]))

    return change


def chained_before(name: str, value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    """A change to the first review whose state before is its card's last state after: its field ``name``
    made ``value(field)`` (a float for an integer compares equal in Python; the file must still be
    refused, though the reader reads such a state once)."""

    def change(data: dict[str, Any]) -> None:
        last: dict[str, Any] = {}
        for review in data["reviews"]:
            if last.get(review["card"]) == review["before"]:
                review["before"][name] = value(review["before"][name])
                return
            last[review["card"]] = review["after"]
        raise AssertionError("no review follows its card's last state")

    return change


REFUSALS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("list at top", lambda d: d.clear(), "format: not a studyapp export"),
    ("other format", edit(["format"], "anki"), "format: not a studyapp export"),
    ("newer version", edit(["version"], 2), "written by a newer studyapp (export version 2"),
    ("version text", edit(["version"], "1"), "version: must be 1, got '1'"),
    ("missing list", delete("reviews"), "top level: missing field reviews"),
    ("unknown key", edit(["extra"], 1), "top level: unknown field 'extra'"),
    ("bad exported_at", edit(["exported_at"], "yesterday"), "exported_at: must be an ISO 8601 time"),
    ("cards not list", edit(["cards"], {}), "cards: must be a list, got an object"),
    ("card not object", edit(["cards", 0], "core-mlp"), "cards[0]: must be an object, got 'core-mlp'"),
    ("stability text", edit(["cards", 1, "stability"], "abc"), "cards[1].stability: must be a finite number"),
    ("stability zero", edit(["cards", 1, "stability"], 0), "cards[1].stability: must be greater than 0"),
    ("reps float", edit(["cards", 0, "reps"], 3.0), "cards[0].reps: must be an integer, got 3.0"),
    ("reps negative", edit(["cards", 0, "reps"], -1), "cards[0].reps: must be from 0"),
    (
        "unknown state",
        edit(["cards", 2, "state"], "mastered"),
        "cards[2].state: must be one of new, learning",
    ),
    ("state as list", edit(["cards", 2, "state"], [2]), "cards[2].state: must be one of"),
    ("suspended int", edit(["cards", 0, "suspended"], 1), "cards[0].suspended: must be true or false, got 1"),
    ("unknown deck", edit(["cards", 3, "deck"], "nope"), "cards[3].deck: unknown deck 'nope'"),
    ("duplicate card", duplicate_first("cards"), "cards[7].id: duplicate 'core-mlp'"),
    ("duplicate tag", edit(["cards", 0, "tags"], ["mlp", "mlp"]), "cards[0].tags[1]: duplicate 'mlp'"),
    ("empty tag", edit(["cards", 0, "tags"], [""]), "cards[0].tags[0]: must not be empty"),
    ("card field missing", delete("cards", 4, "lapses"), "cards[4]: missing field lapses"),
    (
        "naive time",
        edit(["cards", 0, "due"], "2025-03-03T12:00:00"),
        "cards[0].due: must include a time zone",
    ),
    ("microseconds", edit(["cards", 0, "due"], "2025-03-03T12:00:00.000001Z"), "millisecond precision"),
    (
        "rating 7",
        edit(["reviews", 12, "rating"], 7),
        "reviews[12].rating: must be one of 1 (again), 2 (hard)",
    ),
    ("rating true", edit(["reviews", 12, "rating"], True), "reviews[12].rating: must be one of"),
    ("rating name", edit(["reviews", 3, "rating"], "good"), "reviews[3].rating: must be one of"),
    ("unknown card", edit(["reviews", 5, "card"], "ghost"), "reviews[5].card: unknown card 'ghost'"),
    ("duplicate review", duplicate_first("reviews"), ".id: duplicate 1"),
    ("review id zero", edit(["reviews", 0, "id"], 0), "reviews[0].id: must be from 1"),
    ("before missing", delete("reviews", 2, "before", "due"), "reviews[2].before: missing field due"),
    ("after state", edit(["reviews", 2, "after", "state"], 9), "reviews[2].after.state: must be one of"),
    ("duration", edit(["reviews", 1, "duration_ms"], -5), "reviews[1].duration_ms: must be from 0"),
    ("chained reps float", chained_before("reps", float), ".before.reps: must be an integer, got"),
    ("chained flag int", chained_before("suspended", int), ".before.suspended: must be true or false, got 0"),
    ("quiz card", edit(["quiz_attempts", 1, "card"], "ghost"), "quiz_attempts[1].card: unknown card 'ghost'"),
    ("quiz params", edit(["quiz_attempts", 0, "params"], [1]), "quiz_attempts[0].params: must be an object"),
    ("quiz correct", edit(["quiz_attempts", 0, "correct"], "yes"), "quiz_attempts[0].correct: must be true"),
    (
        "empty diagnosis",
        edit(["quiz_attempts", 3, "diagnosis"], ""),
        "quiz_attempts[3].diagnosis: must not be",
    ),
    (
        "diagnosis number",
        edit(["quiz_attempts", 0, "diagnosis"], 7),
        "quiz_attempts[0].diagnosis: must be a string",
    ),
    ("quiz field", edit(["quiz_attempts", 0, "mistake"], "x"), "quiz_attempts[0]: unknown field 'mistake'"),
    ("setting range", edit(["settings", "new_per_day"], -1), "settings.new_per_day: new_per_day must be"),
    ("setting name", edit(["settings", "colour"], "red"), "settings.colour: unknown setting 'colour'"),
    ("settings list", edit(["settings"], []), "settings: must be an object"),
]


@pytest.fixture
def closed_collection(studied: Collection) -> tuple[Path, str]:
    """The studied collection, closed (its file complete on disk), and a valid export of it."""
    text = export_text(studied.store)
    path = studied.store.path
    studied.close()
    return path, text


def assert_refused(
    db: Path, bad: Path, content: bytes, message: str, capsys: Any, file_fingerprint: Fingerprint
) -> None:
    """Importing ``content`` fails with ``message`` and leaves the collection's file untouched."""
    bad.write_bytes(content)
    before = file_fingerprint(db)
    assert main(["--db", str(db), "import", "--yes", str(bad)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("studyapp: error: ") and message in error, error
    assert file_fingerprint(db) == before


@pytest.mark.parametrize(
    ("change", "message"), [pytest.param(change, message, id=name) for name, change, message in REFUSALS]
)
def test_a_bad_export_is_refused_and_changes_nothing(
    closed_collection: tuple[Path, str],
    tmp_path: Path,
    file_fingerprint: Fingerprint,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    db, text = closed_collection
    data = json.loads(text)
    change(data)
    content = json.dumps(data, ensure_ascii=False).encode()
    assert_refused(db, tmp_path / "bad.json", content, message, capsys, file_fingerprint)


# -- a big export is read with its reviews streamed: the same snapshot, the same problems ---------------


def read_outcome(path: Path, stream_from: int) -> transfer.Snapshot | str:
    """What reading ``path`` gives: its snapshot, or the problem it is refused for."""
    try:
        return transfer.read_export(str(path), stream_from=stream_from)
    except transfer.TransferError as error:
        return str(error)


WHOLE = 1 << 62  # no file is this big: read whole


@pytest.mark.parametrize(
    "change", [pytest.param(lambda d: None, id="valid"), *(pytest.param(c, id=n) for n, c, _m in REFUSALS)]
)
def test_a_streamed_export_reads_as_the_whole_text_reads_it(
    closed_collection: tuple[Path, str], tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    """Every refusal above, and the valid file, read with the reviews streamed: the snapshot or the
    problem the whole-text reader gives (it is the oracle)."""
    _db, text = closed_collection
    data = json.loads(text)
    change(data)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    streamed = read_outcome(path, 0)
    assert streamed == read_outcome(path, WHOLE)
    if isinstance(streamed, transfer.Snapshot):
        assert streamed.reviews and streamed.quiz_attempts


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda t: t[: len(t) // 2], id="cut"),
        pytest.param(lambda t: t.replace('"reviews": [', '"reviews": [{"id": 1},', 1), id="a review more"),
        pytest.param(lambda t: "", id="emptied"),
    ],
)
def test_a_file_changed_between_its_two_readings_is_refused(
    closed_collection: tuple[Path, str], tmp_path: Path, rewrite: Callable[[str], str]
) -> None:
    """The top level is read first and the reviews after: a file rewritten in between (another program
    saving over it) is refused as changed, not read half old and half new."""
    _db, text = closed_collection
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    document = streamed_document(path)
    assert document is not None
    path.write_text(rewrite(text), encoding="utf-8")
    with pytest.raises(ChangedWhileRead):
        list(document["reviews"])


@pytest.mark.parametrize(
    ("edit_text", "streamed"),
    [
        pytest.param(lambda t: t, True, id="as written"),
        pytest.param(lambda t: t.replace('"quiz_attempts": [', '"quiz_attempts": [\n', 1), True, id="spaced"),
        pytest.param(lambda t: t.replace('"kind": "', '"kind": "\\ud800', 1), False, id="lone surrogate"),
        pytest.param(lambda t: t.replace('"kind": "', '"kind": "\\ud83d\\ude00', 1), False, id="pair"),
        pytest.param(lambda t: "\ufeff" + t, False, id="byte order mark"),
        pytest.param(lambda t: t.replace('"duration_ms": ', '"duration_ms": NaN, "x": ', 1), False, id="NaN"),
        pytest.param(
            lambda t: t.replace('"duration_ms": ', '"duration_ms": 1' + "0" * 30 + ', "x": ', 1),
            False,
            id="big int",
        ),
        pytest.param(lambda t: t.rstrip() + " ]", False, id="trailing"),
        pytest.param(lambda t: t.rstrip()[:-1] + ', "reviews": []}', False, id="reviews twice"),
        pytest.param(
            lambda t: t.replace('"reviews": [', '"reviews": {"a": [', 1), False, id="reviews object"
        ),
        pytest.param(
            lambda t: t.replace('"params": ', '"params": ' + "[" * 100 + "]" * 100 + ', "p": ', 1),
            False,
            id="deep",
        ),
        pytest.param(lambda t: t[: len(t) // 2], False, id="cut"),
    ],
)
def test_a_file_the_stream_cannot_read_exactly_is_read_whole(
    closed_collection: tuple[Path, str], tmp_path: Path, edit_text: Callable[[str], str], streamed: bool
) -> None:
    """``ijson`` is not ``json``: where they could differ (a lone surrogate it would turn into ``?``, a
    byte order mark, NaN, a number past 64 bits, anything not one well-formed object with one review
    list, deep nesting), the file is read whole, and the outcome is the whole-text reader's."""
    _db, text = closed_collection
    path = tmp_path / "export.json"
    path.write_text(edit_text(text), encoding="utf-8")
    assert (streamed_document(path) is not None) == streamed
    assert read_outcome(path, 0) == read_outcome(path, WHOLE)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{\n  "format": "studyapp-export",\n  oops\n}', "bad.json:3:3: not valid JSON"),
        (
            b'{"format": "studyapp-export", "version": 1, "x": NaN}',
            "not valid JSON (NaN is not a JSON number)",
        ),
        (b"\xff\xfe{}", "bad.json: not a text file in UTF-8"),
        (b"", "bad.json:1:1: not valid JSON"),
    ],
)
def test_a_file_that_is_not_json_is_refused(
    closed_collection: tuple[Path, str],
    tmp_path: Path,
    file_fingerprint: Fingerprint,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    db, _text = closed_collection
    assert_refused(db, tmp_path / "bad.json", content, message, capsys, file_fingerprint)
    assert main(["--db", str(db), "import", str(tmp_path / "missing.json")]) == 1
    assert "missing.json: no such file" in capsys.readouterr().err


def test_a_refused_import_into_a_new_path_creates_no_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "studyapp-export", "version": 3}')
    db = tmp_path / "new.sqlite3"
    assert main(["--db", str(db), "import", str(bad)]) == 1
    assert "upgrade studyapp" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [bad]


def test_refusals_exit_with_status_1_from_the_command_line(
    closed_collection: tuple[Path, str], cli: Any, tmp_path: Path, file_fingerprint: Fingerprint
) -> None:
    db, text = closed_collection
    data = json.loads(text)
    data["reviews"][12]["rating"] = 7
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    before = file_fingerprint(db)
    result = cli.run(db, "import", "--yes", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"studyapp: error: {bad}: reviews[12].rating: must be one of" in result.stderr
    assert file_fingerprint(db) == before


# -- replacing a collection ------------------------------------------------------------------------


def test_import_help_says_it_replaces_the_collection(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Replace the collection's contents with an export" in text
    assert "only replaced with --yes" in text and "docs/export-format.md" in text


def test_replacing_history_needs_yes_and_makes_a_backup_first(
    closed_collection: tuple[Path, str],
    tmp_path: Path,
    file_fingerprint: Fingerprint,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, text = closed_collection
    data = json.loads(text)
    data["reviews"] = data["reviews"][:3]
    data["quiz_attempts"] = []
    smaller = tmp_path / "smaller.json"
    smaller.write_text(json.dumps(data))
    old, before = dump(db), file_fingerprint(db)
    assert main(["--db", str(db), "import", str(smaller)]) == 1
    error = capsys.readouterr().err
    assert "already has reviews or quiz attempts" in error and "--yes" in error
    assert file_fingerprint(db) == before
    assert main(["--db", str(db), "import", "--yes", str(smaller)]) == 0
    out = capsys.readouterr().out.splitlines()
    saved = Path(out[0].removeprefix("saved the previous collection to "))
    assert saved.parent == db.parent / "backups" and dump(saved) == old
    assert out[1] == f"imported 7 cards, 3 reviews and 0 quiz attempts into {db}"
    assert len(dump(db)["reviews"]) == 3 and dump(db)["quiz_attempts"] == []


def test_a_collection_without_history_is_replaced_without_asking(
    closed_collection: tuple[Path, str], tmp_path: Path, library: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _db, text = closed_collection
    source = tmp_path / "export.json"
    source.write_text(text)
    from studyapp.collection import open_collection

    target = tmp_path / "target.sqlite3"
    open_collection(target, library=library).close()  # synced cards, no reviews yet
    assert main(["--db", str(target), "import", str(source)]) == 0
    assert "imported 7 cards" in capsys.readouterr().out
    expected = json.loads(text)["cards"]
    with Store.open(target) as imported:
        assert json.loads(export_text(imported))["cards"] == expected
    with open_collection(target, library=library) as reopened:  # reconciles with the decks again
        assert (reopened.sync.added, reopened.sync.retired, reopened.sync.restored) == (
            (),
            (),
            ("core-stride",),
        )
        cards = json.loads(export_text(reopened.store))["cards"]
    assert [card["id"] for card in expected if card.pop("retired")] == ["core-stride"]
    assert not any(card.pop("retired") for card in cards)
    assert cards == expected


def test_an_import_that_fails_midway_on_a_full_disk_changes_nothing(
    closed_collection: tuple[Path, str], tmp_path: Path
) -> None:
    """The import's writes hit a file-size limit (as on a full disk) part-way: nothing is changed."""
    _db, text = closed_collection
    source = tmp_path / "export.json"
    source.write_text(text)
    target = tmp_path / "fresh.sqlite3"
    Store.open(target).close()
    old = dump(target)
    command = [sys.executable, "-m", "studyapp", "--db", str(target), "import", str(source)]
    # Writes go to the write-ahead log first: a limit far below the import's size fails it part-way,
    # whatever the size of the empty collection's schema.
    result = subprocess.run(
        ["prlimit", f"--fsize={8 * 4096}", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "could not be written" in result.stderr and "Traceback" not in result.stderr
    assert dump(target) == old


# -- backup ----------------------------------------------------------------------------------------


def test_backup_goes_to_a_new_timestamped_file_beside_the_collection(
    closed_collection: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _text = closed_collection
    assert main(["--db", str(db), "backup"]) == 0
    first = Path(capsys.readouterr().out.strip())
    assert main(["--db", str(db), "backup"]) == 0
    second = Path(capsys.readouterr().out.strip())
    assert first.parent == second.parent == db.parent / "backups" and first != second
    assert first.name.startswith(f"{db.stem}-") and first.suffix == ".sqlite3"
    with Store.open(second) as copy_store:
        assert copy_store.integrity_check() == ["ok"]
    assert dump(first) == dump(second) == dump(db)
    assert main(["--db", str(db), "backup", str(first)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["--db", str(db.with_name("missing.sqlite3")), "backup"]) == 1
    assert "no collection at" in capsys.readouterr().err


def test_backup_while_another_connection_holds_a_read_transaction(
    closed_collection: tuple[Path, str], tmp_path: Path
) -> None:
    db, _text = closed_collection
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM reviews").fetchone()[0] > 0
        copy_path = transfer.backup_collection(db, tmp_path / "copy.sqlite3", T0)
        assert reader.in_transaction
    finally:
        reader.close()
    assert dump(copy_path) == dump(db)


WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
conn.execute("BEGIN IMMEDIATE")
conn.execute("DELETE FROM quiz_attempts")
conn.execute("INSERT INTO settings (key, value) VALUES ('theme', '\\"uncommitted\\"')")
print("writing", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("committed", flush=True)
"""


def test_backup_while_another_process_is_writing(closed_collection: tuple[Path, str], cli: Any) -> None:
    db, _text = closed_collection
    committed = dump(db)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert writer.stdin is not None and writer.stdout is not None
    try:
        assert writer.stdout.readline() == "writing\n"
        result = cli.run(db, "backup")
        assert result.returncode == 0, result.stderr
        copy_path = Path(result.stdout.strip())
        assert dump(copy_path) == committed  # the state before the open write transaction, complete
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.stdout.readline() == "committed\n"
    finally:
        writer.stdin.close()
        assert writer.wait(timeout=30) == 0
    after = dump(db)
    assert after["quiz_attempts"] == [] and after != committed
    assert dump(copy_path) == committed


# -- progress --------------------------------------------------------------------------------------


def test_progress_is_drawn_only_on_a_terminal(studied: Collection) -> None:
    tty, pipe = FakeTerminal(), io.StringIO()
    transfer.write_export(studied.store, io.StringIO(), T0, tty)
    transfer.write_export(studied.store, io.StringIO(), T0, pipe)
    assert pipe.getvalue() == ""
    drawn = tty.getvalue()
    assert drawn.startswith("\rexporting [") and drawn.endswith("100% (" + drawn.rsplit("(", 1)[1])
    assert drawn.endswith("\n") and drawn.count("\r") <= 101
    bar = transfer.Progress(FakeTerminal(), "x", 4, width=4)
    bar.advance()
    bar.advance(3)
    bar.finish()
    assert isinstance(bar.stream, io.StringIO)
    assert bar.stream.getvalue() == "\rx [#...]  25% (1/4)\rx [####] 100% (4/4)\n"
    silent = transfer.Progress(io.StringIO(), "x", 4)
    silent.advance(4)
    silent.finish()
    assert isinstance(silent.stream, io.StringIO) and silent.stream.getvalue() == ""


def run_with_stderr_on_a_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with stderr on a pseudo-terminal; returns its status and what it drew there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode()


def test_export_and_import_draw_progress_on_a_terminal_stderr(
    closed_collection: tuple[Path, str], cli: Any, tmp_path: Path
) -> None:
    db, _text = closed_collection
    target = tmp_path / "export.json"
    status, drawn = run_with_stderr_on_a_terminal(cli.command(db, "export", str(target)), cli.env())
    assert status == 0 and "exporting [" in drawn and "100%" in drawn
    fresh = tmp_path / "fresh.sqlite3"
    status, drawn = run_with_stderr_on_a_terminal(cli.command(fresh, "import", str(target)), cli.env())
    assert status == 0 and "checking  [" in drawn and "importing [" in drawn
    piped = cli.run(db, "export", str(tmp_path / "piped.json"))
    assert piped.returncode == 0 and piped.stderr == ""


def test_each_review_s_states_are_exported_as_stored_when_one_is_the_last_state_after(
    collection: Collection,
) -> None:
    """The export converts a state before that is the card's last state after once; a review whose state
    before differs from it (the card was suspended between them) has its own. Every review item is what
    converting its row alone gives."""
    store = collection.store
    card = collection.library.cards[0].id
    first = CardState(StudyState.REVIEW, None, 3.0, 5.0, T0 + timedelta(days=3), T0, 1, 0)
    second = replace(first, stability=9.0, due=T0 + timedelta(days=9), reps=2)
    store.record_review(card, Rating.GOOD, T0, 1000, CardState(), first)
    suspended = replace(first, suspended=True)
    store.record_review(card, Rating.GOOD, T0 + timedelta(days=3), 900, suspended, second)
    store.record_review(card, Rating.AGAIN, T0 + timedelta(days=9), 800, second, replace(second, lapses=1))
    data = json.loads(export_text(store))
    expected = [transfer._item(row) for row in store.review_rows()]
    assert data["reviews"] == expected
    assert data["reviews"][1]["before"]["suspended"] and not data["reviews"][0]["after"]["suspended"]
    assert data["reviews"][2]["before"] == data["reviews"][1]["after"]
