"""Anki packages (.apkg: decks; .colpkg: a whole collection): the collection inside, and its media.

A package is a zip file. Its collection is ``collection.anki21b`` (zstd-compressed, newer schema),
else ``collection.anki21`` or ``collection.anki2`` (legacy schema; a package that has only
``collection.anki2`` comes from Anki's first scheduler, whose learning cards had three buttons).
``media`` maps the numbered zip entries to file names: JSON in older packages, and in newer ones
(``meta`` says version 3 or later) a zstd-compressed protobuf list whose files are compressed too.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import zstandard

from studyapp.anki import protobuf
from studyapp.anki.notetypes import NoteType, legacy_note_types, modern_note_types
from studyapp.store.anki_file import AnkiCollectionFile, AnkiFileError, CardRow, NoteRow, RevlogRow
from studyapp.store.base import Closing

COLLECTION_NAMES = ("collection.anki21b", "collection.anki21", "collection.anki2")
COMPRESSED_COLLECTION = "collection.anki21b"
FIRST_SCHEDULER_ONLY = "collection.anki2"
#: ``PackageMetadata.version`` from which the media list and files are zstd-compressed.
LATEST_VERSION = 3
#: What reading a damaged zip entry or compressed file raises.
_READ_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zstandard.ZstdError,
)


@dataclass(frozen=True)
class AnkiData:
    """Everything an import needs from an Anki collection."""

    #: The package's name in messages, and the collection file that was read.
    label: str
    member: str
    note_types: dict[int, NoteType]
    decks: dict[int, str]
    notes: list[NoteRow]
    cards: list[CardRow]
    revlog: list[RevlogRow]
    #: Reviews were made with Anki's first scheduler: learning answers were 1 Again, 2 Good, 3 Easy.
    first_scheduler: bool


def _zstd_copy(source: IO[bytes], target: IO[bytes]) -> None:
    zstandard.ZstdDecompressor().copy_stream(source, target)


def read_collection(path: Path, label: str, member: str) -> AnkiData:
    """Read the Anki collection database at ``path`` (taken out of ``member`` of a package)."""
    with AnkiCollectionFile(path, label) as anki:
        models, decks_json, conf = anki.collection_json()
        if anki.modern:
            note_types = modern_note_types(anki.notetypes(), anki.fields(), anki.templates(), label)
            decks = anki.decks()
        else:
            note_types = legacy_note_types(models, label)
            decks = _legacy_decks(decks_json, label)
        first = member == FIRST_SCHEDULER_ONLY and _scheduler_version(conf) == 1
        return AnkiData(label, member, note_types, decks, anki.notes(), anki.cards(), anki.revlog(), first)


def _legacy_decks(text: str, label: str) -> dict[int, str]:
    try:
        return {int(key): str(deck.get("name", "")) for key, deck in dict(json.loads(text or "{}")).items()}
    except (ValueError, TypeError, AttributeError) as error:
        raise AnkiFileError(f"{label} has damaged decks ({error}); export it again from Anki") from None


def _scheduler_version(conf: str) -> int:
    try:
        version = json.loads(conf or "{}").get("schedVer", 1)
    except (ValueError, AttributeError):
        return 1
    return version if isinstance(version, int) else 1


class AnkiPackage(Closing):
    """An open package: ``data`` is its collection, read when it opens; media files are read on demand.

    Use ``with AnkiPackage(path) as package``; every problem with the file is an ``AnkiFileError``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise AnkiFileError(f"{path} does not exist") from None
        except IsADirectoryError:
            raise AnkiFileError(f"{path} is a folder, not an Anki package") from None
        except zipfile.BadZipFile:
            raise AnkiFileError(
                f"{path} is not an Anki package: it is not a zip file (export it again from Anki with "
                "File > Export)"
            ) from None
        except OSError as error:
            raise AnkiFileError(f"cannot read {path}: {error.strerror or error}") from None
        #: The names of the zip's entries.
        self.names = set(self.zip.namelist())
        try:
            self.version = self._version()
            self.data = self._read_collection()
            #: Media file names and the zip entries that hold them.
            self.media = self._media_entries()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    def converted(self) -> None:
        """Let go of the collection's notes, cards and review log once they are converted (a big
        collection's take a hundred MB and more); the media files stay readable."""
        self.data = replace(self.data, notes=[], cards=[], revlog=[])

    def _damaged(self, what: str, error: BaseException) -> AnkiFileError:
        return AnkiFileError(
            f"{self.path} is damaged: {what} cannot be read ({error}); export it again from Anki"
        )

    def _read(self, member: str) -> bytes:
        try:
            return self.zip.read(member)
        except _READ_ERRORS as error:
            raise self._damaged(member, error) from None

    def _version(self) -> int:
        if "meta" not in self.names:
            return 0
        try:
            return protobuf.first_int(self._read("meta"), 1)
        except protobuf.ProtobufError as error:
            raise self._damaged("its meta entry", error) from None

    def _read_collection(self) -> AnkiData:
        member = next((name for name in COLLECTION_NAMES if name in self.names), None)
        if member is None:
            raise AnkiFileError(
                f"{self.path} is a zip file but not an Anki package: it holds no collection "
                f"({', '.join(COLLECTION_NAMES)})"
            )
        with tempfile.TemporaryDirectory(prefix="studyapp-anki-") as folder:
            database = Path(folder) / "collection.sqlite3"
            try:
                with self.zip.open(member) as source, database.open("wb") as target:
                    if member == COMPRESSED_COLLECTION:
                        _zstd_copy(source, target)
                    else:
                        shutil.copyfileobj(source, target)
            except _READ_ERRORS as error:
                raise self._damaged(member, error) from None
            return read_collection(database, self.label, member)

    def _media_entries(self) -> dict[str, str]:
        if "media" not in self.names:
            return {}
        raw = self._read("media")
        try:
            if self.version >= LATEST_VERSION:
                listing = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
                entries = protobuf.messages(listing, 1)
                media = {}
                for index, entry in enumerate(entries):
                    zip_name = protobuf.first_int(entry, 255, index)
                    media[protobuf.first_text(entry, 1)] = str(zip_name)
                return media
            mapping = json.loads(raw.decode("utf-8") or "{}")
            return {str(name): str(number) for number, name in dict(mapping).items()}
        except (ValueError, TypeError, AttributeError, protobuf.ProtobufError, zstandard.ZstdError) as error:
            raise self._damaged("its media list", error) from None

    def media_chunks(self, name: str) -> Iterator[bytes] | None:
        """The bytes of media file ``name``, in chunks; ``None`` when the package does not hold it."""
        member = self.media.get(name)
        if member is None or member not in self.names:
            return None
        return self._chunks(member, compressed=self.version >= LATEST_VERSION)

    def _chunks(self, member: str, compressed: bool) -> Iterator[bytes]:
        try:
            with self.zip.open(member) as source:
                decompressor = zstandard.ZstdDecompressor().decompressobj() if compressed else None
                while chunk := source.read(1 << 20):
                    yield decompressor.decompress(chunk) if decompressor is not None else chunk
        except _READ_ERRORS as error:
            raise self._damaged(f"the media entry {member}", error) from None
