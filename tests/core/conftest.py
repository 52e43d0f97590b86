"""Fixtures for the headless core: small decks on disk, a collection on a temporary SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import Library, load_paths
from studyapp.scheduler import Scheduler
from studyapp.session import StudySession
from studyapp.store import Store

ROOT = Path(__file__).resolve().parents[2]
#: A fixed moment for scheduling tests: Monday 2025-03-03 12:00 UTC.
T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

BASICS = """
[deck]
id = "core-basics"
title = "Core basics"

[[cards]]
id = "core-mlp"
question = "What is an MLP?"
answer = "Layers of neurons with non-linear activations."
details = "A universal function approximator."
tags = ["mlp", "basics"]

[[cards]]
id = "core-relu"
question = "What does ReLU output for negative inputs?"
answer = "Zero."
tags = ["activations", "basics"]

[[cards]]
id = "core-backprop"
question = "What does backpropagation compute?"
answer = "Gradients of the loss with respect to every weight."
tags = ["basics"]

[[cards]]
id = "core-loss"
question = "Which loss is common for classification?"
answer = "Cross-entropy."
"""

CNN = """
[deck]
id = "core-cnn"
title = "Core CNN"

[[cards]]
id = "core-pool"
question = "What does max pooling keep?"
answer = "The largest value in each window."
tags = ["cnn"]

[[cards]]
id = "core-stride"
question = "What does the stride set?"
answer = "How far the kernel moves between positions."
tags = ["cnn"]

[[cards]]
id = "core-padding"
question = "Why pad an image before a convolution?"
answer = "To keep the output size and use the border pixels."
tags = ["cnn"]
"""

DECKS = {"a-basics.toml": BASICS, "b-cnn.toml": CNN}


def assert_tag_sets(collection: Store | Path) -> None:
    """Each card's ``tag_set`` is its tags (its ``card_tags`` rows), sorted: the tags mastery reads."""
    conn = collection.conn if isinstance(collection, Store) else sqlite3.connect(collection)
    try:
        tags: dict[str, list[str]] = {}
        for card_id, tag in conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag"):
            tags.setdefault(card_id, []).append(tag)
        found = {
            card_id: json.loads(text) for card_id, text in conn.execute("SELECT card_id, tag_set FROM cards")
        }
        assert found == {card_id: tags.get(card_id, []) for card_id in found}
        assert set(tags) <= set(found)
    finally:
        if conn is not getattr(collection, "conn", None):
            conn.close()


def undo_version_11(conn: sqlite3.Connection) -> None:
    """Take a collection's cards back to how they were before version 11 (no tag sets), for a test that
    opens it as an older version."""
    conn.execute("DROP INDEX cards_mastery")
    conn.execute("ALTER TABLE cards DROP COLUMN tag_set")
    conn.execute("CREATE INDEX cards_recall ON cards (card_id, retired, state, last_review, stability)")


def write_decks(folder: Path, decks: dict[str, str] = DECKS) -> Path:
    """Write deck files into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in decks.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    return write_decks(tmp_path / "decks")


@pytest.fixture
def library(deck_dir: Path) -> Library:
    loaded = load_paths([deck_dir])
    assert loaded.problems == []
    return loaded


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "collection.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = Store.open(db_path)
    yield opened
    opened.close()


@pytest.fixture
def collection(db_path: Path, library: Library) -> Iterator[Collection]:
    opened = open_collection(db_path, library=library)
    yield opened
    opened.close()


@pytest.fixture
def session(collection: Collection) -> StudySession:
    """A session with the day pinned to UTC (day starts 04:00 UTC) and fuzz-free intervals."""
    return collection.session(tz=UTC, scheduler=Scheduler(fuzz=False))


def file_fingerprint(path: Path) -> tuple[bytes, int]:
    """A file's bytes and modification time, to prove it was not touched."""
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture(name="file_fingerprint")
def file_fingerprint_fixture() -> Callable[[Path], tuple[bytes, int]]:
    return file_fingerprint


@dataclass(frozen=True)
class Cli:
    """Runs ``python -m studyapp`` with the test decks and a private home folder."""

    deck_dir: Path
    home: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("STUDYAPP_DB", None)
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"), PYTHONUNBUFFERED="1")
        return env

    def command(self, db: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(self.deck_dir), *args]

    def killed_when(
        self,
        db: Path,
        args: Sequence[str],
        ready: Callable[[], bool],
        waiting_for: str,
        kill: signal.Signals = signal.SIGKILL,
    ) -> int:
        """Run the command and send it ``kill`` as soon as ``ready()``; fail if it ends before that
        (``waiting_for`` says what it was to reach) or a minute passes. Returns its exit status (minus
        the signal's number when the signal ended it), unless it ended between ``ready()`` and the
        signal."""
        return self.run_until(db, args, ready, waiting_for, lambda process: process.send_signal(kill))[0]

    def run_until(
        self,
        db: Path,
        args: Sequence[str],
        ready: Callable[[], bool],
        waiting_for: str,
        then: Callable[[subprocess.Popen[str]], object],
    ) -> tuple[int, str]:
        """Run the command and call ``then`` with it as soon as ``ready()`` (see ``killed_when``); returns
        its exit status and what it wrote on stderr."""
        command = self.command(db, *args)
        process = subprocess.Popen(
            command, env=self.env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 60
            while not ready():
                assert process.poll() is None, f"the command ended before {waiting_for}"
                assert time.monotonic() < deadline, f"the command never got to {waiting_for}"
                time.sleep(0.002)
            then(process)
            _out, err = process.communicate(timeout=60)
            return process.returncode, err
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(60)

    def run(self, db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run to completion and capture the output."""
        return subprocess.run(
            self.command(db, *args),
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=ROOT,
            timeout=60,
        )


@pytest.fixture
def cli(tmp_path: Path, deck_dir: Path) -> Cli:
    return Cli(deck_dir, tmp_path / "home")
