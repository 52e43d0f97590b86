"""Export and import faults: database targets, card states FSRS cannot review, files that crashed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.cli import main
from studyapp.collection import Collection, open_collection
from studyapp.content import Library
from studyapp.scheduler import Scheduler
from studyapp.session import StudySession
from studyapp.store import Store

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
Fingerprint = Callable[[Path], tuple[bytes, int]]


@pytest.fixture
def exported(collection: Collection, session: StudySession, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A closed collection with cards in every FSRS state, reviews and a quiz attempt; and its export.

    ``core-mlp`` is in review, ``core-relu`` in learning and ``core-pool`` in relearning.
    """
    session.rate("core-mlp", 4, T0)
    session.rate("core-relu", 3, T0)
    session.rate("core-pool", 4, T0)
    session.rate("core-pool", 1, T0 + timedelta(days=12))
    collection.store.add_quiz_attempt(
        at=T0, kind="typed", question="ReLU(-2)?", given="0", expected="0", correct=True, card_id="core-relu"
    )
    db = collection.store.path
    collection.close()
    out = tmp_path / "export.json"
    assert main(["--db", str(db), "export", "--format", "json", str(out)]) == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    states = {card["id"]: card["state"] for card in data["cards"]}
    assert states["core-mlp"] == "review" and states["core-relu"] == "learning"
    assert states["core-pool"] == "relearning"
    return db, data


def card_index(data: dict[str, Any], card_id: str) -> int:
    return next(i for i, card in enumerate(data["cards"]) if card["id"] == card_id)


def assert_import_refused(
    db: Path,
    content: bytes,
    message: str,
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
) -> str:
    """``import --yes`` of ``content`` exits 1 with ``message`` (returned in full); nothing changes."""
    bad = db.parent.parent / "bad.json"
    bad.write_bytes(content)
    before = file_fingerprint(db)
    assert main(["--db", str(db), "import", "--yes", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("studyapp: error: ") and message in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert file_fingerprint(db) == before
    assert not (db.parent / "backups").exists()
    return captured.err


def as_bytes(data: dict[str, Any]) -> bytes:
    """The export as a file's bytes (non-ASCII text escaped, as any JSON writer may do)."""
    return json.dumps(data).encode("ascii")


# -- 1. export never overwrites a database ----------------------------------------------------------


def test_export_refuses_to_overwrite_the_collection_itself(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
) -> None:
    db, _data = exported
    capsys.readouterr()
    before = file_fingerprint(db)
    spellings = [db, db.parent / ".." / db.parent.name / db.name]
    link = db.parent / "link.sqlite3"
    link.symlink_to(db)
    for target in [*spellings, link]:
        assert main(["--db", str(db), "export", "--format", "json", str(target)]) == 1
        error = capsys.readouterr().err
        assert f"studyapp: error: cannot export to {target}: it is the collection itself" in error, error
        assert file_fingerprint(db) == before
    assert sorted(path.name for path in db.parent.iterdir()) == ["collection.sqlite3", "link.sqlite3"]
    with Store.open(db) as store:  # still a collection, with its history
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 4


def test_export_refuses_another_collection(
    exported: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    library: Library,
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
) -> None:
    db, _data = exported
    other = tmp_path / "other.sqlite3"
    open_collection(other, library=library).close()
    before = file_fingerprint(other)
    capsys.readouterr()
    assert main(["--db", str(db), "export", str(other)]) == 1
    error = capsys.readouterr().err
    assert f"cannot export to {other}: it is an SQLite database" in error, error
    assert "choose another file name" in error
    assert file_fingerprint(other) == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_refuses_a_database_open_in_another_program(
    exported: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    library: Library,
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
) -> None:
    db, _data = exported
    other = tmp_path / "other.sqlite3"
    wal = tmp_path / "other.sqlite3-wal"
    with open_collection(other, library=library):  # open elsewhere: its write-ahead log is beside it
        assert wal.exists()
        before = file_fingerprint(other)
        capsys.readouterr()
        assert main(["--db", str(db), "export", str(other)]) == 1
        error = capsys.readouterr().err
        assert f"cannot export to {other}: {wal.name} is beside it" in error, error
        assert "in use" in error and file_fingerprint(other) == before
        # Its write-ahead log, or the collection's own, is no place for an export either.
        for target in (wal, db.with_name(db.name + "-wal")):
            assert main(["--db", str(db), "export", str(target)]) == 1
            assert "is the write-ahead log of the SQLite database" in capsys.readouterr().err
        assert not db.with_name(db.name + "-wal").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_still_replaces_an_earlier_export(
    exported: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, data = exported
    earlier = tmp_path / "export.json"
    empty = tmp_path / "empty.json"
    empty.touch()
    for target in (earlier, empty):
        assert main(["--db", str(db), "export", str(target)]) == 0
        assert json.loads(target.read_text(encoding="utf-8"))["cards"] == data["cards"]
    assert capsys.readouterr().err == ""


# -- 2. card states that FSRS cannot review ----------------------------------------------------------


RANGE = "difficulty: must be from 1 to 10 (FSRS cannot review a card outside that range), got"
NEEDED = "must be a number for a {} card (FSRS schedules its next review from it; only a new card has none)"
STEP = "step: must be an integer >= 0 for a {} card (its learning step), got null"

#: (test id, card, field, value, message after ``cards[i].``)
BAD_STATES: list[tuple[str, str, str, Any, str]] = [
    ("difficulty zero", "core-mlp", "difficulty", 0, f"{RANGE} 0"),
    ("difficulty negative", "core-mlp", "difficulty", -2.5, f"{RANGE} -2.5"),
    ("difficulty above 10", "core-pool", "difficulty", 10.5, f"{RANGE} 10.5"),
    ("review without stability", "core-mlp", "stability", None, "stability: " + NEEDED.format("review")),
    ("review without difficulty", "core-mlp", "difficulty", None, "difficulty: " + NEEDED.format("review")),
    ("learning without stability", "core-relu", "stability", None, "stability: " + NEEDED.format("learning")),
    (
        "relearning no difficulty",
        "core-pool",
        "difficulty",
        None,
        "difficulty: " + NEEDED.format("relearning"),
    ),
    ("learning without step", "core-relu", "step", None, STEP.format("learning")),
    ("relearning without step", "core-pool", "step", None, STEP.format("relearning")),
    (
        "huge stability",
        "core-mlp",
        "stability",
        1.7e308,
        "stability: must be at most 1e+10 days, got 1.7e+308",
    ),
]


@pytest.mark.parametrize(
    ("card_id", "field", "value", "message"),
    [pytest.param(card, field, value, message, id=name) for name, card, field, value, message in BAD_STATES],
)
def test_a_card_state_fsrs_cannot_review_is_refused(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
    card_id: str,
    field: str,
    value: Any,
    message: str,
) -> None:
    db, data = exported
    index = card_index(data, card_id)
    data["cards"][index][field] = value
    expected = f"cards[{index}].{message}"
    error = assert_import_refused(db, as_bytes(data), expected, capsys, file_fingerprint)
    assert f"(card '{card_id}')" in error


@pytest.mark.parametrize(
    ("side", "field", "value", "message"),
    [
        pytest.param("before", "difficulty", 0, f"before.{RANGE} 0", id="before difficulty"),
        pytest.param("after", "difficulty", -1, f"after.{RANGE} -1", id="after difficulty"),
        pytest.param(
            "after",
            "stability",
            None,
            "after.stability: " + NEEDED.format("relearning"),
            id="after stability",
        ),
    ],
)
def test_a_review_state_fsrs_cannot_review_is_refused(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
    side: str,
    field: str,
    value: Any,
    message: str,
) -> None:
    """A review's states are restored by undo, so they are held to the same ranges."""
    db, data = exported
    index = next(
        i
        for i, review in enumerate(data["reviews"])
        if review["card"] == "core-pool" and review["before"]["state"] == "review"
    )
    data["reviews"][index][side][field] = value
    expected = f"reviews[{index}].{message}"
    error = assert_import_refused(db, as_bytes(data), expected, capsys, file_fingerprint)
    assert f"(review {data['reviews'][index]['id']} of card 'core-pool')" in error


def test_states_at_the_edges_of_the_ranges_import_and_review(
    exported: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    library: Library,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Difficulty 1 and 10 and tiny or huge stabilities are what FSRS can review: accepted, and reviewable."""
    _db, data = exported
    data["cards"][card_index(data, "core-mlp")].update(difficulty=1, stability=1e-9)
    data["cards"][card_index(data, "core-pool")].update(difficulty=10.0, stability=1e9)
    data["cards"][card_index(data, "core-relu")].update(difficulty=5)
    edge = tmp_path / "edge.json"
    edge.write_bytes(as_bytes(data))
    fresh = tmp_path / "fresh.sqlite3"
    assert main(["--db", str(fresh), "import", str(edge)]) == 0, capsys.readouterr().err
    with open_collection(fresh, library=library) as reopened:
        session = reopened.session(tz=UTC, scheduler=Scheduler(0.7))
        for day, card_id in enumerate(("core-mlp", "core-pool", "core-relu")):
            for rating in (1, 2, 3, 4):
                result = session.rate(card_id, rating, T0 + timedelta(days=40 + day, minutes=rating))
                assert result.after.stability is not None and result.after.stability > 0
                assert result.after.difficulty is not None and 1 <= result.after.difficulty <= 10


# -- 3. files that used to end in a traceback ----------------------------------------------------------


def test_a_file_nested_very_deeply_is_refused(
    exported: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], file_fingerprint: Fingerprint
) -> None:
    db, data = exported
    data["quiz_attempts"][0]["params"] = {"x": "DEEP"}
    depth = 100_000
    content = as_bytes(data).replace(b'"DEEP"', b"[" * depth + b"]" * depth)
    assert_import_refused(
        db, content, "bad.json: lists and objects are nested too deeply", capsys, file_fingerprint
    )


def test_params_nested_deeper_than_a_quiz_ever_writes_are_refused(
    exported: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], file_fingerprint: Fingerprint
) -> None:
    """Deep enough to read here, but not to read back from the collection later: refused up front."""
    db, data = exported
    data["quiz_attempts"][0]["params"] = {"x": "DEEP"}
    content = as_bytes(data).replace(b'"DEEP"', b"[" * 900 + b"]" * 900)
    message = "quiz_attempts[0].params: nested more than 32 levels deep"
    assert_import_refused(db, content, message, capsys, file_fingerprint)


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00.000+14:00",
        "9999-12-31T23:59:59.999-14:00",
        "0001-01-01T00:00:00.000Z",
        "9999-12-31T00:00:00.000Z",
    ],
)
def test_a_time_outside_the_calendar_is_refused(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
    when: str,
) -> None:
    db, data = exported
    data["reviews"][0]["reviewed_at"] = when
    message = (
        "reviews[0].reviewed_at: must be from 1970-01-01T00:00:00.000Z to 8999-12-31T23:59:59.999Z, "
        f"got '{when}'"
    )
    assert_import_refused(db, as_bytes(data), message, capsys, file_fingerprint)


def test_a_last_review_too_far_ahead_to_schedule_from_is_refused(
    exported: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], file_fingerprint: Fingerprint
) -> None:
    """FSRS adds up to 100 years to the last review: from 9990 that leaves the calendar."""
    db, data = exported
    index = card_index(data, "core-mlp")
    data["cards"][index]["last_review"] = "9990-01-01T00:00:00.000Z"
    message = f"cards[{index}].last_review: must be from 1970-01-01"
    assert_import_refused(db, as_bytes(data), message, capsys, file_fingerprint)


def put(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to an export: set the value at ``path``."""

    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


SURROGATES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("given", put(["quiz_attempts", 0, "given"], "4\ud800"), "quiz_attempts[0].given"),
    ("question", put(["quiz_attempts", 0, "question"], "\udfff?"), "quiz_attempts[0].question"),
    (
        "params value",
        put(["quiz_attempts", 0, "params"], {"a": ["x", "\ud800"]}),
        "quiz_attempts[0].params.a[1]",
    ),
    ("params key", put(["quiz_attempts", 0, "params"], {"\ud800": 1}), "quiz_attempts[0].params"),
    ("tag", put(["cards", 0, "tags"], ["ok", "b\udc80d"]), "cards[0].tags[1]"),
    ("deck title", put(["decks", 0, "title"], "\ud83d"), "decks[0].title"),
    ("setting", put(["settings", "theme"], "dark\ud800"), "settings.theme"),
]


@pytest.mark.parametrize(
    ("change", "where"), [pytest.param(change, where, id=name) for name, change, where in SURROGATES]
)
def test_text_that_is_not_valid_unicode_is_refused_before_any_backup(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
    change: Callable[[dict[str, Any]], None],
    where: str,
) -> None:
    db, data = exported
    change(data)
    error = assert_import_refused(db, as_bytes(data), f"bad.json: {where}: ", capsys, file_fingerprint)
    assert "lone surrogate" in error


def test_escaped_surrogate_pairs_are_valid_text(
    exported: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _db, data = exported
    data["quiz_attempts"][0]["given"] = "4 \U0001f600"  # written as the pair \ud83d\ude00
    good = tmp_path / "good.json"
    good.write_bytes(as_bytes(data))
    assert b"\\ud83d\\ude00" in good.read_bytes()
    fresh = tmp_path / "fresh.sqlite3"
    assert main(["--db", str(fresh), "import", str(good)]) == 0, capsys.readouterr().err
    conn = sqlite3.connect(fresh)
    try:
        assert conn.execute("SELECT given FROM quiz_attempts").fetchone() == ("4 \U0001f600",)
    finally:
        conn.close()


# -- 4. the version is the integer 1 --------------------------------------------------------------


@pytest.mark.parametrize(("version", "shown"), [(1.0, "1.0"), (True, "true")])
def test_the_version_must_be_the_integer_1(
    exported: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    file_fingerprint: Fingerprint,
    version: Any,
    shown: str,
) -> None:
    db, data = exported
    data["version"] = version
    assert_import_refused(
        db, as_bytes(data), f"bad.json: version: must be 1, got {shown}", capsys, file_fingerprint
    )
