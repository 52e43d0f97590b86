"""The deck cache: the validated library kept in the collection, so decks are read and checked only
when a deck file changed.

**Where.** One row of the collection's ``deck_cache`` table (``studyapp.store.deck_cache``), in the
same file as the history it goes with, so it needs no file of its own beside the collection. A
collection opened read-only uses the cache but never writes it.

**When it is used.** The row's key names the deck sources (the bundled folder, the user's folder and
the ``--content`` folders, as given) and the catalogs the cards were checked against (simulations,
problems: by name). Its version is studyapp's version, the names and types of the fields of ``Card``,
``Deck`` and ``Problem``, and the size and time of the loader's source files (the ``studyapp``
package, and the catalogs' packages): a cache written by another version, or for other card fields,
is ignored. Then the deck files must be the same list as when the cache was written, each with the
same size and modification time (nanoseconds). A file modified less than ``RACY_NS`` before it was
stamped (a second change within the same clock tick could go unseen), or whose size or time changed,
is read and its BLAKE2 hash compared: an equal hash counts as unchanged, and the file is stamped
again. A deck file whose content changed, or that was added, is read and checked alone, in its place
among the cached decks, and a removed one's deck is left out (``DeckCache.refresh``), unless only
reading every deck can tell what loads: a bundled deck, a problem found, gone or (for a removed file)
anywhere, a deck or card id used by another deck, an override copy of a bundled card. That reads and
checks every deck (``studyapp.content.load_library``), which reports their problems as always.
Either way a new cache is written. (As with ``make`` or git, an edit that
keeps a file's size and puts its old modification time back, long after, goes unseen.) The decks of a
collection that wrote deck files and read them again (a card added) are cached when it closes
(``DeckCache.save_written``), each file stamped then only if it holds the text its deck was read from.

**What.** The outline (each deck's id and title, the tags, the problems of the decks that were
skipped, the caller's ``summary``: the fingerprints reconciliation compares, and each deck's part of
them, ``studyapp.deck_digests``), read on every open;
and the cards, read when they are first needed (``CachedLibrary``): Home, the statistics and Browse
never need them, and a command about one deck reads that deck's alone (``deck_cards``). They are
stored as JSON, generically over the dataclasses' fields (``studyapp.deck_json``); a library that does
not come back equal to itself is not cached.
"""

from __future__ import annotations

import json
import os
import stat
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from studyapp import __version__
from studyapp.content import (
    Library,
    deck_files,
    deck_sources,
    load_library,
    with_deck_read_again,
    without_deck_file,
)
from studyapp.deck_digests import known_parts, remember
from studyapp.deck_json import (
    CardLookup,
    CardsWith,
    Unsupported,
    card_lookup,
    codec,
    decode_cards_where,
    decode_deck,
    decode_decks,
    encode_deck,
    encode_grown_deck,
    schema_fingerprint,
)
from studyapp.model import Card, Deck, Problem, bytes_digest, grew_from
from studyapp.paths import bundled_deck_dir, user_deck_dir
from studyapp.store import CacheHeader, Store

#: A file modified this close to its stamping (or after) is always hashed: coarse file-system clocks
#: (2 s on FAT) could hide a second change made within the same tick.
RACY_NS = 3_000_000_000

_files_read = 0
_files_hashed = 0


def files_read() -> int:
    """How many deck files this process has read and checked through the cache (not found in it)."""
    return _files_read


def files_hashed() -> int:
    """How many deck files this process has hashed to tell whether they changed since cached."""
    return _files_hashed


# -- file stamps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileStamp:
    """A deck file as it was when read: size and modification time, and the hash of its bytes."""

    path: str
    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        """The file's stamp. What is not a regular file (missing, a folder, a FIFO: the loader reports it
        without opening it) is stamped with its kind; a file that cannot be read never matches."""
        return cls.read(path)[0]

    @classmethod
    def read(cls, path: Path) -> tuple[FileStamp, bytes | None]:
        """The file's stamp (``of``), and the bytes it was made of (``None``: none were read)."""
        status = _status(path)
        if status is None or not stat.S_ISREG(status.st_mode):
            return cls(str(path), -1, -1, _kind(status)), None
        try:
            data = path.read_bytes()
        except OSError:
            return cls(str(path), -1, -1, ""), None
        import hashlib  # only when a file must be hashed

        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        return cls(str(path), status.st_size, status.st_mtime_ns, digest), data

    def check(self, stamped_ns: int) -> FileStamp | None:
        """This file's stamp now if its content is unchanged (``self`` when it was not read again),
        ``None`` if it changed."""
        status = _status(Path(self.path))
        if status is None or not stat.S_ISREG(status.st_mode):
            return self if self.digest == _kind(status) else None
        same_stat = status.st_size == self.size and status.st_mtime_ns == self.mtime_ns
        if same_stat and status.st_mtime_ns < stamped_ns - RACY_NS:
            return self
        global _files_hashed
        _files_hashed += 1
        now = FileStamp.of(Path(self.path))
        return now if now.digest and now.digest == self.digest else None


def _status(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _kind(status: os.stat_result | None) -> str:
    """What a path that is not a regular file is (its stamp's digest)."""
    return "missing" if status is None else f"kind {stat.S_IFMT(status.st_mode):o}"


def _source_stamp(folders: Sequence[Path]) -> str:
    """A digest of the size and time of every Python file under ``folders``: the loader's code."""
    entries = []
    stack = [str(folder) for folder in folders]
    while stack:
        with os.scandir(stack.pop()) as found:
            for entry in found:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    status = entry.stat()
                    entries.append(f"{entry.path}:{status.st_size}:{status.st_mtime_ns}")
    text = "\n".join(sorted(entries)).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


#: The catalogs ``load_library`` checks cards against, by keyword (``None``: not checked).
Catalogs = Mapping[str, Mapping[str, Any] | None]


def cache_version(catalogs: Catalogs) -> str:
    """What a cache must have been written by to be used (see the module docstring)."""
    packages = {"studyapp"} | {type(c).__module__.split(".")[0] for c in catalogs.values() if c is not None}
    folders = [
        Path(folder) for name in sorted(packages) for folder in getattr(__import__(name), "__path__", ())
    ]
    return f"{__version__}|{schema_fingerprint()}|{_source_stamp(folders)}"


def cache_key(extra_dirs: Sequence[Path], user_dir: Path | None, catalogs: Catalogs) -> str:
    """Which decks are read (the user's deck folder named whether it exists or not: the first deck made
    there is a deck file added), and what their cards are checked against."""
    sources = [bundled_deck_dir(), user_dir if user_dir is not None else user_deck_dir(), *extra_dirs]
    checked = {name: None if c is None else sorted(c) for name, c in sorted(catalogs.items())}
    return json.dumps({"sources": [str(s) for s in sources], **checked})


# -- the cached library ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """What is read of a cached library on every open: decks (id, title, cards), tags, problems and
    the caller's summary."""

    decks: tuple[tuple[str, str, int], ...]
    tags: tuple[str, ...]
    problems: tuple[Problem, ...]
    summary: Mapping[str, str] = field(default_factory=dict)
    #: Whether a card is a drill (a generated problem).
    drills: bool = False
    #: Each deck's parts of the fingerprints (``DeckParts.values``), where they were known.
    parts: tuple[tuple[int, ...], ...] = ()

    @classmethod
    def of(cls, library: Library, summary: Mapping[str, str]) -> Outline:
        decks = tuple((deck.id, deck.title, len(deck.cards)) for deck in library.decks)
        known = [known_parts(deck) for deck in library.decks]
        parts = tuple(tuple(found.values()) if found is not None else () for found in known)
        problems = tuple(library.problems)
        return cls(decks, tuple(library.tags), problems, dict(summary), library.has_drills, parts)

    def to_json(self) -> str:
        problems = [codec(Problem).encode(problem) for problem in self.problems]
        data = {"decks": self.decks, "tags": self.tags, "problems": problems, "summary": self.summary}
        return json.dumps({**data, "drills": self.drills, "parts": self.parts}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Outline:
        data = json.loads(text)
        problems = tuple(codec(Problem).decode(values) for values in data["problems"])
        decks = tuple((deck_id, title, count) for deck_id, title, count in data["decks"])
        parts = tuple(tuple(values) for values in data.get("parts", ()))
        return cls(decks, tuple(data["tags"]), problems, data["summary"], bool(data["drills"]), parts)

    def remember_parts(self, decks: Sequence[Deck]) -> None:
        """Give ``decks``, read from the cache, their parts of the fingerprints."""
        for deck, values in zip(decks, self.parts, strict=False):
            remember(deck, values)


#: Some cards of a cached library: ``(wanted, deck indexes or None for all)`` -> the cards ``wanted``
#: keeps (``None`` if the cache was replaced meanwhile).
LoadWhere = Callable[[CardsWith, Sequence[int] | None], list[Card] | None]


class CachedLibrary(Library):
    """A ``Library`` from the cache: deck ids and titles, tags and problems at once, the decks and
    their cards when first asked for (``load`` gives them all, ``load_deck`` the deck at an index,
    ``load_where`` some cards)."""

    def __init__(
        self,
        outline: Outline,
        load: Callable[[], list[Deck]],
        load_deck: Callable[[int], Deck | None],
        load_where: LoadWhere,
        load_lookup: Callable[[int], CardLookup | None],
    ) -> None:  # not Library's
        self.outline = outline
        self.problems = list(outline.problems)
        self._load = load
        self._load_deck = load_deck
        self._load_where = load_where
        self._load_lookup = load_lookup
        self._decks: list[Deck] | None = None

    def cards_where(self, wanted: CardsWith, deck_id: str | None = None) -> list[Card]:
        """``cards_where`` of this library: before the decks are loaded, only the cards kept are made."""
        if self._decks is None:
            found = self._load_where(wanted, None if deck_id is None else self._indexes(deck_id))
            if found is not None:
                return found
        return _kept(self.cards if deck_id is None else self.deck_cards(deck_id), wanted)

    def deck_cards(self, deck_id: str) -> list[Card]:
        """The cards of deck ``deck_id``, in deck order; before the decks are loaded, only that deck is
        read from the cache."""
        if self._decks is None:
            decks = [self._load_deck(index) for index in self._indexes(deck_id)]
            if all(deck is not None for deck in decks):
                return [card for deck in decks if deck is not None for card in deck.cards]
        return [card for card in self.cards if card.deck == deck_id]

    def deck_card_lookup(self, deck_id: str) -> CardLookup:
        """The card of deck ``deck_id`` with a given id; before the decks are loaded, that deck is read
        from the cache and a card made only when it is looked up."""
        if self._decks is None:
            lookups = [self._load_lookup(index) for index in self._indexes(deck_id)]
            found = [lookup for lookup in lookups if lookup is not None]
            if len(found) == len(lookups):
                return lambda card_id: next((c for look in found if (c := look(card_id)) is not None), None)
        return super().deck_card_lookup(deck_id)

    @property
    def deck_titles(self) -> list[tuple[str, str]]:
        """``(id, title)`` of every deck, in load order, without reading the cards."""
        return [(deck_id, title) for deck_id, title, _count in self.outline.decks]

    def _indexes(self, deck_id: str) -> list[int]:
        """Where deck ``deck_id`` is in the list of decks."""
        return [i for i, (found, _title, _count) in enumerate(self.outline.decks) if found == deck_id]

    @property
    def decks(self) -> list[Deck]:
        """Every deck with its cards (read from the cache on first use)."""
        if self._decks is None:
            self._decks = self._load()
        return self._decks

    @decks.setter
    def decks(self, decks: list[Deck]) -> None:
        self._decks = decks

    @property
    def loaded(self) -> bool:
        """Whether the cards have been read."""
        return self._decks is not None

    @property
    def tags(self) -> list[str]:
        return list(self.outline.tags)

    @property
    def has_drills(self) -> bool:
        return self.outline.drills


def cards_where(library: Library, wanted: CardsWith, deck_id: str | None = None) -> list[Card]:
    """The cards of ``library`` (or of its deck ``deck_id``) that ``wanted`` keeps, in deck order; of a
    cached library not loaded yet, only the cards kept are made."""
    if isinstance(library, CachedLibrary):
        return library.cards_where(wanted, deck_id)
    return _kept(library.cards if deck_id is None else library.deck_cards(deck_id), wanted)


def _kept(cards: Sequence[Card], wanted: CardsWith) -> list[Card]:
    return [card for card in cards if wanted.keeps(card)]


# -- opening ---------------------------------------------------------------------------------------


class Compared(NamedTuple):
    """A cache's header and stamps, compared with the deck files there are now."""

    header: CacheHeader
    stamps: list[FileStamp]
    #: Each cached file's stamp now (``None``: its content changed, or it is gone).
    now: list[FileStamp | None]
    #: When those were taken.
    stamped_ns: int
    #: The deck files there are now, in the order they load.
    files: list[str]

    @property
    def same_files(self) -> bool:
        """Whether the cache is of the deck files there are now (none added or removed)."""
        return [stamp.path for stamp in self.stamps] == self.files


@dataclass
class DeckCache:
    """The cache of the decks ``load_library(extra_dirs, user_dir, **catalogs)`` reads, in ``store``."""

    store: Store
    extra_dirs: Sequence[Path] = ()
    user_dir: Path | None = None
    catalogs: Catalogs = field(default_factory=dict)
    #: Told the total size in bytes of the deck files about to be read: every deck (``read``), or those
    #: that changed (``refresh``).
    reading: Callable[[int], None] | None = None

    def __post_init__(self) -> None:
        self.sources = deck_sources(self.extra_dirs, self.user_dir)
        self.key = cache_key(self.extra_dirs, self.user_dir, self.catalogs)
        self.version = cache_version(self.catalogs)
        self._compared: Compared | None = None
        #: Decks the cache holds (by identity, with the deck, whose id could otherwise be reused):
        #: their JSON text there, by position, in the cache with ``_kept_outline``. A deck of the
        #: library that is one of them is copied as it is there, and one that grew from one of them
        #: (cards added to its file) is made from its text.
        self._kept: dict[int, tuple[Deck, int]] = {}
        self._kept_outline = ""
        #: The cached library ``refresh`` read some decks of again, and the summary cached with it.
        self.replaced: Library | None = None
        self.replaced_summary: Mapping[str, str] | None = None
        #: The deck files' stamps, as ``lookup`` checked them or ``read`` and ``refresh`` took them,
        #: and when they were taken (the library of ``opened`` is what they stamp).
        self.stamps: list[FileStamp] = []
        self.stamped_ns = 0
        #: The library ``open_library`` gave.
        self.opened: Library | None = None

    def _compare(self) -> Compared | None:
        """The cache compared with the deck files there are now (of a file gone or added since, only its
        path is looked at); ``None`` if there is no cache of this version."""
        header = self.store.deck_cache_header(self.key)
        if header is None or header.version != self.version:
            return None
        stamps = [FileStamp(*values) for values in json.loads(header.files)]
        files = [str(path) for path in deck_files(self.sources)]
        listed = set(files)
        stamped_ns = time.time_ns()
        now = [stamp.check(header.stamped_ns) if stamp.path in listed else None for stamp in stamps]
        return Compared(header, stamps, now, stamped_ns, files)

    def lookup(self) -> CachedLibrary | None:
        """The cached library, if the deck files are those cached and each is as it was then (the
        comparison is kept for ``refresh``)."""
        self._compared = compared = self._compare()
        if compared is None or not compared.same_files:
            return None
        header, stamps, now, stamped_ns, _files = compared
        if any(stamp is None for stamp in now):
            return None
        hashed = any(new is not old for new, old in zip(now, stamps, strict=True))
        self.stamps, self.stamped_ns = [stamp for stamp in now if stamp is not None], header.stamped_ns
        if hashed and not self.store.read_only:  # stamped again, these files are not hashed next time
            self.store.restamp_deck_cache(self.key, self.version, _files_json(now), stamped_ns)
            self.stamped_ns = stamped_ns
        outline = Outline.from_json(header.outline)
        return CachedLibrary(
            outline,
            lambda: self._cards(header.outline),
            lambda index: self._deck(header.outline, index),
            lambda wanted, indexes: self._cards_where(header.outline, wanted, indexes),
            lambda index: self._deck_lookup(header.outline, index),
        )

    def _cards(self, outline: str) -> list[Deck]:
        """The cached decks; read and checked again if another program replaced the cache meanwhile."""
        payload = self.store.deck_cache_payload(self.key, self.version, outline)
        if payload is None:
            return self.read().decks
        decks = decode_decks(payload)
        Outline.from_json(outline).remember_parts(decks)
        return decks

    def _deck(self, outline: str, index: int) -> Deck | None:
        """The cached deck at ``index``; ``None`` if another program replaced the cache meanwhile."""
        text = self.store.deck_cache_deck(self.key, self.version, outline, index)
        return None if text is None else decode_deck(text)

    def _deck_lookup(self, outline: str, index: int) -> CardLookup | None:
        """The cards of the cached deck at ``index`` by id (``card_lookup``); ``None`` if another program
        replaced the cache meanwhile."""
        text = self.store.deck_cache_deck(self.key, self.version, outline, index)
        return None if text is None else card_lookup(text)

    def _cards_where(
        self, outline: str, wanted: CardsWith, indexes: Sequence[int] | None
    ) -> list[Card] | None:
        """The cached cards ``wanted`` keeps, of every deck or of the decks at ``indexes``; ``None`` if
        another program replaced the cache meanwhile."""
        if indexes is None:
            texts = [self.store.deck_cache_payload(self.key, self.version, outline)]
        else:
            texts = [self.store.deck_cache_deck(self.key, self.version, outline, index) for index in indexes]
        if any(text is None for text in texts):
            return None
        return [card for text in texts if text is not None for card in decode_cards_where(text, wanted)]

    def refresh(self) -> Library | None:
        """After ``lookup`` found deck files changed, added or removed: the cached library with each
        changed or added file read and checked alone in its place (``studyapp.content.with_deck_read_again``)
        and the decks of each removed one left out (``without_deck_file``), stamped first as ``read``
        stamps; ``None`` when that cannot tell (a bundled deck, a problem, an id used elsewhere), and
        ``read`` reads them all."""
        global _files_read
        compared = self._compared
        if compared is None:
            return None
        header, stamps, now, _stamped, files = compared
        kept = {stamp.path: found for stamp, found in zip(stamps, now, strict=True) if found is not None}
        listed = set(files)
        removed = [stamp.path for stamp in stamps if stamp.path not in listed]
        to_read = [path for path in files if path not in kept]
        payload = self.store.deck_cache_payload(self.key, self.version, header.outline)
        if not (to_read or removed) or payload is None:
            return None
        stamped_ns = time.time_ns()
        fresh = {path: FileStamp.of(Path(path)) for path in to_read}
        if self.reading is not None and to_read:
            self.reading(sum(stamp.size for stamp in fresh.values()))
        outline = Outline.from_json(header.outline)
        replaced = Library(decode_decks(payload), list(outline.problems))
        library: Library | None = Library(list(replaced.decks), list(replaced.problems))
        for path in removed:
            library = without_deck_file(library, Path(path)) if library is not None else None
        for path in to_read:
            if library is None:
                return None
            _files_read += 1
            library = with_deck_read_again(library, Path(path), self.sources, **self.catalogs)
        if library is None:
            return None
        self.replaced = replaced
        self.replaced_summary = outline.summary
        # the decks read again too: a deck that grew is made from the text of the one it grew from
        self._kept = {id(d): (d, index) for index, d in enumerate(replaced.decks)}
        self._kept_outline = header.outline
        self.stamps = [kept.get(path) or fresh[path] for path in files]
        self.stamped_ns = stamped_ns
        return library

    def read(self) -> Library:
        """Read and check every deck, as ``studyapp.content.load_library`` does (its files stamped
        first, so a change made while they are read is seen next time)."""
        global _files_read
        self.stamps = [FileStamp.of(path) for path in deck_files(self.sources)]
        self.stamped_ns = time.time_ns()
        if self.reading is not None:
            self.reading(sum(stamp.size for stamp in self.stamps))
        library = load_library(self.extra_dirs, self.user_dir, **self.catalogs)
        _files_read += len(self.stamps)
        return library

    def keep_texts_of(self, library: Library) -> None:
        """Have ``save`` copy the decks it shares with ``library`` as the cache holds them, when
        ``library`` is the one the cache holds now (read from it, with its decks)."""
        if not isinstance(library, CachedLibrary) or not library.loaded:
            return
        header = self.store.deck_cache_header(self.key)
        if (
            header is None
            or header.version != self.version
            or Outline.from_json(header.outline) != library.outline
        ):
            return
        self._kept = {id(deck): (deck, index) for index, deck in enumerate(library.decks)}
        self._kept_outline = header.outline

    def _deck_text(self, deck: Deck) -> str | None:
        """``deck``'s JSON text: as the cache holds it when ``refresh`` kept it, else encoded and checked
        (``None`` if it does not come back equal to itself)."""
        kept = self._kept.get(id(deck))
        if kept is not None and kept[0] is deck:
            text = self.store.deck_cache_deck(self.key, self.version, self._kept_outline, kept[1])
            if text is not None:
                return text
        grown = self._grown_text(deck)
        return grown if grown is not None else _checked_text(deck)

    def _grown_text(self, deck: Deck) -> str | None:
        """``deck``'s JSON text made from the text the cache holds of the deck it grew from (cards added
        to its file: a big deck is not encoded again for one card); ``None`` when it grew from none."""
        earlier = next((kept for kept in self._kept.values() if grew_from(kept[0], deck)), None)
        if earlier is None:
            return None
        text = self.store.deck_cache_deck(self.key, self.version, self._kept_outline, earlier[1])
        return None if text is None else encode_grown_deck(text, deck, len(earlier[0].cards))

    def save(self, library: Library, summary: Mapping[str, str]) -> None:
        """Cache ``library`` (just ``read`` or ``refresh``-ed) with ``summary``, if the collection can be
        written and each deck comes back from the cache equal to itself (a deck ``refresh`` kept is
        copied as the cache holds it)."""
        if self.store.read_only:
            return
        try:
            texts = [self._deck_text(deck) for deck in library.decks]
        except Unsupported:
            return
        if any(text is None for text in texts):
            return
        payload = f"[{','.join(text for text in texts if text is not None)}]"
        outline = Outline.of(library, summary).to_json()
        header = CacheHeader(self.version, _files_json(self.stamps), self.stamped_ns, outline)
        self.store.write_deck_cache(self.key, header, payload)
        self._kept = {id(deck): (deck, index) for index, deck in enumerate(library.decks)}
        self._kept_outline = outline

    def save_written(self, library: Library, summary: Mapping[str, str]) -> None:
        """Cache ``library``, which this program read some deck files of again after it wrote them
        (a card added or edited), with ``summary``, so that the next start need not read them again.

        A deck file that holds the text its deck in ``library`` was read from is stamped now; any other
        keeps the stamp it had when ``opened`` was read, so a file another program changed since is
        read again next time, as is one this program has neither a deck nor a stamp of."""
        if self.store.read_only or self.opened is None:
            return
        read_from = {os.path.realpath(d.source): d.digest for d in library.decks if d.source and d.digest}
        before = {stamp.path: stamp for stamp in self.stamps}
        sources = deck_sources(self.extra_dirs, self.user_dir)  # the user's deck folder may be new
        files = [str(path) for path in deck_files(sources)]
        listed = set(files)
        stamps = []
        for path in files:
            digest = read_from.get(os.path.realpath(path))
            stamp, data = FileStamp.read(Path(path)) if digest else (None, None)
            if stamp is not None and data is not None and bytes_digest(data) == digest:
                stamps.append(stamp)
            elif path in before:
                stamps.append(before[path])
        stamps += [stamp for path, stamp in before.items() if path not in listed]  # gone: left out next time
        if isinstance(self.opened, CachedLibrary):
            self.keep_texts_of(self.opened)
        self.stamps = stamps
        self.save(library, summary)


def _checked_text(deck: Deck) -> str | None:
    """``deck`` as JSON text, if it comes back from it equal to itself."""
    text = encode_deck(deck)
    return text if decode_deck(text) == deck else None


def _files_json(stamps: Sequence[FileStamp | None]) -> str:
    return json.dumps([[s.path, s.size, s.mtime_ns, s.digest] for s in stamps if s is not None])


class Opened(NamedTuple):
    """What ``open_library`` gives: the library, its summary, and the cached library it replaces when
    some of its decks were read again alone (``DeckCache.refresh``; their other decks are shared)."""

    library: Library
    summary: Mapping[str, str]
    replaced: Library | None = None
    #: The cache it came from (``DeckCache.save_written`` keeps it current after deck files are written).
    cache: DeckCache | None = None
    #: The summary cached with ``replaced``.
    replaced_summary: Mapping[str, str] | None = None


def open_library(
    store: Store,
    extra_dirs: Sequence[Path],
    user_dir: Path | None,
    catalogs: Catalogs,
    summarise: Callable[[Library], Mapping[str, str]],
    reading: Callable[[int], None] | None = None,
) -> Opened:
    """The library ``load_library(extra_dirs, user_dir, **catalogs)`` reads, from the cache if no deck
    file changed, else read, checked and cached; and its summary (``summarise(library)``, kept with
    the cache). ``reading`` is told the size of the deck files read (every deck, or those that changed)."""
    cache = DeckCache(store, extra_dirs, user_dir, catalogs, reading)
    cached = cache.lookup()
    if cached is not None:
        cache.opened = cached
        return Opened(cached, cached.outline.summary, cache=cache)
    refreshed = cache.refresh()
    library = cache.opened = refreshed or cache.read()
    summary = summarise(library)
    cache.save(library, summary)
    if refreshed is None:
        return Opened(library, summary, cache=cache)
    return Opened(library, summary, cache.replaced, cache, cache.replaced_summary)
