"""Starting the app: bad collections are reported before the screen changes; NO_COLOR; the simulation list."""

from __future__ import annotations

import gc
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp
from studyapp.tui.launch import (
    BIG_COLLECTION_BYTES,
    BIG_DECKS_BYTES,
    FRAMES_PER_SECOND,
    SINGLE_THREADED_MATH,
    run_app,
    say_reading_big_decks,
    say_upgrading_big_collection,
)

from .conftest import FakeClock, wait_until


def launch(tmp_path: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Bare ``studyapp`` on a pseudo-terminal (stdin and stdout), its errors captured."""
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "studyapp", "--db", str(db)],
            stdin=terminal,
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    return subprocess.CompletedProcess(result.args, result.returncode, "", result.stderr)


def test_a_file_that_is_not_a_collection_is_refused_before_the_app_starts(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite3"
    db.write_text("my shopping list\n")
    result = launch(tmp_path, db)
    assert result.returncode == 1
    assert result.stderr.startswith("studyapp: error: ") and str(db) in result.stderr
    assert "Traceback" not in result.stderr and "\x1b[" not in result.stderr
    assert db.read_text() == "my shopping list\n"


def test_a_collection_folder_is_refused(tmp_path: Path) -> None:
    result = launch(tmp_path, tmp_path)
    assert result.returncode == 1 and "is a folder" in result.stderr


def test_no_color_is_honoured(
    collection: Collection, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert StudyApp(collection, clock=clock).no_color
    monkeypatch.delenv("NO_COLOR")
    assert not StudyApp(collection, clock=clock).no_color


def test_the_app_runs_math_single_threaded_and_paints_fast(
    collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {"OMP_NUM_THREADS": "3"}  # a user's own choice is kept
    monkeypatch.setattr(os, "environ", environment)
    monkeypatch.setattr(StudyApp, "run", lambda self: None)
    try:
        run_app(collection)
        assert not gc.isenabled()  # paused until the first screen is painted, which this app never paints
    finally:
        gc.enable()  # as the app would, for the tests after this one
    assert environment == {
        "OMP_NUM_THREADS": "3",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TEXTUAL_FPS": FRAMES_PER_SECOND,
    }
    assert set(SINGLE_THREADED_MATH) < set(environment)


async def test_the_simulation_list_opens_each_simulation(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("m")
        options = app.screen.query_one("#sim-options")
        assert options.option_count == 14  # type: ignore[attr-defined]
        await pilot.press("down", "down", "enter")
        screen = app.screen
        assert type(screen).__name__ == "SimulationScreen"
        assert screen.spec.name == "convolution"  # type: ignore[attr-defined]
        cards = [c.id for c in screen.linked_cards()]  # type: ignore[attr-defined]
        # the seed's four cards on convolution, and the cloze card added to the course notes
        assert cards == ["cnn", "conv-filters", "filter-kinds", "padding-striding", "conv-output-size::c1"]
        await wait_until(pilot, lambda: screen.result is not None)  # type: ignore[attr-defined]


def test_reading_big_decks_is_said_on_a_terminal_before_the_screen_changes(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    try:
        with open(terminal, "w", encoding="utf-8", closefd=False) as stream:
            say_reading_big_decks(BIG_DECKS_BYTES - 1, stream)  # small decks: read at once
            say_reading_big_decks(9_200_000, stream)
        said = os.read(controller, 4096).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert said.strip() == "studyapp: reading and checking your decks (9 MB)…"
    with (tmp_path / "log").open("w", encoding="utf-8") as stream:  # not a terminal: nothing
        say_reading_big_decks(9_200_000, stream)
    assert (tmp_path / "log").read_text(encoding="utf-8") == ""


def test_upgrading_a_big_collection_is_said_on_a_terminal_before_the_screen_changes(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    try:
        with open(terminal, "w", encoding="utf-8", closefd=False) as stream:
            say_upgrading_big_collection(BIG_COLLECTION_BYTES - 1, stream)  # a small one: upgraded at once
            say_upgrading_big_collection(543_000_000, stream)
        said = os.read(controller, 4096).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert said.strip() == (
        "studyapp: upgrading your collection to this version of studyapp (543 MB; a copy of it is kept "
        "beside it first)…"
    )
    with (tmp_path / "log").open("w", encoding="utf-8") as stream:  # not a terminal: nothing
        say_upgrading_big_collection(543_000_000, stream)
    assert (tmp_path / "log").read_text(encoding="utf-8") == ""
