"""Files an import put in their places after its commit, by itself or by the next open of the collection,
and the hidden files of imports stopped before their commit, deleted once their process has ended."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.placing import (
    collection_tag,
    finish_moves,
    hidden_name,
    move,
    moves_made,
    note_moves,
    noted_moves,
)
from studyapp.store import Store


def ended_pid() -> int:
    """The id of a process that ran and has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


TAG = "0badc0de"


def hidden_of(place: Path, pid: int, collection: str = TAG) -> Path:
    """``hidden_name(place, collection)`` as process ``pid`` names it."""
    own = hidden_name(place, collection).name
    return place.with_name(own.replace(f".{os.getpid()}-", f".{pid}-"))


def test_a_hidden_name_is_beside_its_place_and_names_this_process(tmp_path: Path) -> None:
    place = tmp_path / "deck.toml"
    hidden = hidden_name(place, TAG)
    assert hidden.parent == tmp_path and hidden.name.startswith(".deck.toml.")
    assert hidden.name.endswith(f"-{TAG}.importing") and f".{os.getpid()}-" in hidden.name
    assert hidden_name(place, TAG) != hidden


def test_a_move_puts_a_file_or_a_folder_in_place_and_never_over_anything(tmp_path: Path) -> None:
    place, folder = tmp_path / "deck.toml", tmp_path / "deck-media"
    hidden, hidden_folder = hidden_name(place, TAG), hidden_name(folder, TAG)
    hidden.write_text("ours")
    hidden_folder.mkdir()
    (hidden_folder / "a.png").write_bytes(b"png")
    move(hidden_folder, folder)
    move(hidden, place)
    assert place.read_text() == "ours" and (folder / "a.png").read_bytes() == b"png"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deck-media", "deck.toml"]
    again, empty = hidden_name(place, TAG), hidden_name(folder, TAG)
    again.write_text("another")
    empty.mkdir()
    (tmp_path / "taken").mkdir()
    for now, taken in ((again, place), (empty, tmp_path / "taken")):
        with pytest.raises(FileExistsError):
            move(now, taken)
    assert place.read_text() == "ours" and again.read_text() == "another" and empty.is_dir()


def test_the_next_open_makes_the_moves_noted_and_keeps_one_whose_place_is_taken(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    free, taken, gone = decks / "free.toml", decks / "taken.toml", decks / "gone.toml"
    moves = [(hidden_name(path, TAG), path) for path in (free, taken, gone)]
    for hidden, _place in moves[:2]:
        hidden.write_text(f"ours: {hidden.name}")
    taken.write_text("theirs")
    with Store.open(tmp_path / "c.sqlite3") as store:
        with store.transaction():
            note_moves(store, moves)
        finish_moves(store, [decks])
        assert free.read_text() == f"ours: {moves[0][0].name}" and not moves[0][0].exists()
        assert taken.read_text() == "theirs" and moves[1][0].exists()  # kept hidden, though its process ended
        assert noted_moves(store) == [moves[1]]  # the one gone, moved by hand, is no longer noted
        taken.unlink()
        finish_moves(store, [decks])
        assert taken.read_text() == f"ours: {moves[1][0].name}" and noted_moves(store) == []
        assert sorted(path.name for path in decks.iterdir()) == ["free.toml", "taken.toml"]


def test_hidden_files_of_ended_processes_are_deleted_and_those_of_running_or_noted_ones_kept(
    tmp_path: Path,
) -> None:
    """Only the hidden files of this collection's imports are deleted: another collection that shares the
    deck folder may have noted the moves of its own."""
    decks, db = tmp_path / "decks", tmp_path / "c.sqlite3"
    decks.mkdir()
    ours, ended = collection_tag(db), ended_pid()
    dead_file, dead_folder = (
        hidden_of(decks / "a.toml", ended, ours),
        hidden_of(decks / "a-media", ended, ours),
    )
    live_file = hidden_name(decks / "b.toml", ours)  # this process's: running
    noted = hidden_of(decks / "c.toml", ended, ours)
    another_collections = hidden_of(decks / "d.toml", ended, TAG)
    kept = [live_file, noted, another_collections, decks / "deck.toml", decks / ".other.toml"]
    for path in (dead_file, *kept):
        path.write_text("text")
    dead_folder.mkdir()
    (dead_folder / "a.png").write_bytes(b"png")
    (decks / "c.toml").write_text("theirs")  # so the noted move waits
    with Store.open(db) as store:
        with store.transaction():
            note_moves(store, [(noted, decks / "c.toml")])
        finish_moves(store, [decks, tmp_path / "missing"])
        assert sorted(path.name for path in decks.iterdir()) == sorted([*(p.name for p in kept), "c.toml"])
        moves_made(store)
        finish_moves(store, [decks])
    assert not noted.exists() and live_file.exists()  # no longer noted: a leftover of an ended process
    assert another_collections.exists()
    assert collection_tag(tmp_path / "." / "c.sqlite3") == ours != collection_tag(tmp_path / "d.sqlite3")
