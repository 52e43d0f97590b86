"""`studyapp check` and `studyapp cards` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studyapp.cli import main
from studyapp.collection import open_collection
from studyapp.store import Store

REQUIRED = {"id", "deck", "question", "answer", "details", "tags", "sim", "sim_params"}
SCHEDULING = {"state", "due", "stability", "difficulty", "reps", "lapses"}


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_DATA_HOME=str(cwd / "data"))
    return subprocess.run(
        [sys.executable, "-m", "studyapp", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_from_another_directory_reports_the_bundled_cards(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the 27 seed cards, and 14 cloze cards and 5 drill cards added to the course notes
    assert "46 cards in 1 deck (14 of them from 8 cloze notes)" in result.stdout
    assert "deep-learning" in result.stdout and "cnn" in result.stdout


def test_check_of_a_broken_deck_names_file_line_and_card(tmp_path: Path) -> None:
    deck = tmp_path / "mine.toml"
    deck.write_text(
        '[deck]\nid = "mine"\ntitle = "Mine"\n\n[[cards]]\nid = "bad"\nquestion = "Q?"\nanswer = ""\n',
        encoding="utf-8",
    )
    result = run_cli("check", str(deck), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{deck}:8: [card bad] 'answer' must be a non-empty string" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and "studyapp 0.1.0" in capsys.readouterr().out
    for command in ("check", "cards", "review", "quiz", "stats", "sim", "export", "import", "backup"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert f"usage: studyapp {command}" in capsys.readouterr().out


def test_cards_json_has_content_and_scheduling_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=tmp_path / "none") as collection:
        collection.session().rate("pooling", 3, datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert main(["--db", str(db), "cards", "--tag", "cnn", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in cards} >= {"cnn", "pooling", "padding-striding"}
    for card in cards:
        assert set(card) >= REQUIRED | SCHEDULING
    pooling = next(c for c in cards if c["id"] == "pooling")
    assert pooling["state"] == "learning" and pooling["reps"] == 1 and pooling["stability"] > 0


def test_cards_table_and_unknown_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.sqlite3")
    assert main(["--db", db, "cards"]) == 1  # no collection there yet: cards only reads
    assert f"no collection at {db}" in capsys.readouterr().err
    Store.open(db).close()
    assert main(["--db", db, "cards", "--deck", "deep-learning"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n") == 48 and "padding-striding" in table  # a header, a rule, 46 cards
    assert main(["--db", db, "cards", "--tag", "nope"]) == 2
    assert "no card has the tag 'nope'; tags: activations" in capsys.readouterr().err
