"""Files put in their places only once the history they belong to is committed.

An import writes its deck file and media folder under hidden names beside their places (``hidden_name``)
and notes the moves that put them there in the collection, in the transaction that commits their
history (``note_moves``). Once that is committed it makes the moves (``move``) and clears the note.
Whatever stops it in between (a kill, a power cut, a place taken meanwhile), the next open of the
collection makes the moves still noted (``finish_moves``). It also deletes the hidden files that an
import stopped before its commit left behind, once their process has ended: they belong to no history.
"""

from __future__ import annotations

import errno
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path

from studyapp.store import Store

#: The meta key of the moves noted and not yet made: a JSON list of ``[hidden path, place]``.
PENDING_MOVES = "pending_moves"
#: ``hidden_name``'s names: the file's own name, the process id, a random token and the collection's tag.
_HIDDEN = re.compile(r"\..+\.(\d+)-[0-9a-f]{8}-([0-9a-f]{8})\.importing")

#: A file or folder's hidden path and its place.
Move = tuple[Path, Path]


def collection_tag(db: Path) -> str:
    """A short tag of the collection at ``db`` (a checksum of its real path), for ``hidden_name``."""
    return f"{zlib.crc32(os.fsencode(os.path.realpath(db))):08x}"


def hidden_name(path: Path, collection: str) -> Path:
    """Where a file or folder is written until it can be put at ``path``: a hidden name beside it, with
    this process's id and the ``collection_tag`` of the collection its history goes into. A leftover
    is deleted by an open of that collection alone (another one that shares the deck folder knows
    nothing of its moves), once that process has ended."""
    token = os.urandom(4).hex()  # not ``secrets``: its import (hashlib, hmac) costs 6 ms on every open
    return path.with_name(f".{path.name}.{os.getpid()}-{token}-{collection}.importing")


def check_free(path: Path) -> None:
    """Raise ``FileExistsError`` when something is at ``path``."""
    if path.exists():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))


def move(now: Path, place: Path) -> None:
    """Put the file or folder at ``now`` at ``place``, where nothing else may be: a folder by renaming it
    (after a check: a rename would replace an empty folder), a file by a link, which never replaces
    anything, then its hidden name unlinked (a file linked there before stays). The folder is synced."""
    if now.is_dir():
        check_free(place)
        os.rename(now, place)
    else:
        try:
            os.link(now, place)
        except FileExistsError:
            if not os.path.samefile(now, place):
                raise
        now.unlink()
    sync_folder(place.parent)


def sync_folder(folder: Path) -> None:
    """Sync a folder's entries (a name just linked or renamed in it), where the system allows it."""
    with suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def note_moves(store: Store, moves: Sequence[Move]) -> None:
    """Note ``moves`` in the collection (in the caller's transaction: with the history they belong to)."""
    store.set_meta(PENDING_MOVES, json.dumps([[str(now), str(place)] for now, place in moves]))


def moves_made(store: Store) -> None:
    """Clear the moves noted: they are made."""
    store.set_meta(PENDING_MOVES, "[]")


def noted_moves(store: Store) -> list[Move]:
    """The moves noted and not yet made."""
    try:
        noted = json.loads(store.get_meta(PENDING_MOVES) or "[]")
        return [(Path(now), Path(place)) for now, place in noted]
    except (ValueError, TypeError):  # not a list of pairs: nothing that can be made
        return []


def finish_moves(store: Store, folders: Iterable[Path]) -> None:
    """Make the moves noted whose hidden files are still there (one whose place is taken stays noted),
    then delete the hidden files in ``folders`` that are not noted and whose process has ended."""
    noted = noted_moves(store)
    waiting = []
    for now, place in noted:
        if now.exists() or now.is_symlink():
            try:
                move(now, place)
            except OSError:
                waiting.append((now, place))
    if waiting != noted:
        note_moves(store, waiting)
    kept = {now for now, _place in waiting}
    for folder in folders:
        for leftover in _leftovers(folder, collection_tag(store.path)):
            if leftover not in kept:
                _delete(leftover)


def _leftovers(folder: Path, collection: str) -> list[Path]:
    """The hidden files and folders in ``folder`` that a process that has ended wrote for the collection
    tagged ``collection``."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        hidden = _HIDDEN.fullmatch(name)
        if hidden is not None and hidden.group(2) == collection and not _running(int(hidden.group(1))):
            found.append(folder / name)
    return found


def _running(pid: int) -> bool:
    """Whether a process ``pid`` is running (one of another user counts). On Windows, where signal 0
    would end the process, every one counts as running: leftovers stay for the user to delete."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):  # not a process id
        return False
    except OSError:  # another user's (or it cannot be told): kept
        return True
    return True


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        import shutil  # only here: every open imports this module

        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()
