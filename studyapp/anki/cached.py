"""The decks before and after an import, in the collection's deck cache (``studyapp.deck_cache``): the
decks already loaded come from the cache when no deck file changed (``cached_decks``), and the decks with
the new one are kept in it, so that the next command or launch reads none of them again.

The deck files are stamped before the decks are read (``stamp_decks``), as the deck cache stamps them;
the new deck's file is stamped once written. The cache is written only when the deck files are then
exactly those stamped and the new one: a file added or removed meanwhile leaves the cache as it was
(the next command reads and checks every deck, as always). A file changed meanwhile has another
content than the one stamped, so the cache does not match it next time either.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from studyapp.content import Library, deck_files, deck_sources
from studyapp.deck_cache import Catalogs, DeckCache, FileStamp
from studyapp.errors import CollectionError
from studyapp.store import Store


@dataclass(frozen=True)
class DeckStamps:
    """The deck files as they were before the decks were read, and when they were stamped."""

    files: tuple[FileStamp, ...]
    stamped_ns: int


def stamp_decks(extra_dirs: Sequence[Path] = (), user_dir: Path | None = None) -> DeckStamps:
    """Stamp the deck files ``load_library(extra_dirs, user_dir)`` reads; do it before reading them."""
    files = tuple(FileStamp.of(path) for path in deck_files(deck_sources(extra_dirs, user_dir)))
    return DeckStamps(files, time.time_ns())


def cached_decks(
    db_path: Path, extra_dirs: Sequence[Path], user_dir: Path | None, catalogs: Catalogs
) -> Library | None:
    """The decks ``load_library(extra_dirs, user_dir, **catalogs)`` reads, from the deck cache of the
    collection at ``db_path`` (read only) when no deck file changed since it was written, or with the
    changed ones read again in their place (``DeckCache.refresh``); else ``None`` (also when the
    collection is missing or cannot be read: opening it later says why)."""
    try:
        with Store.open(db_path, create=False, read_only=True) as store:
            cache = DeckCache(store, extra_dirs, user_dir, catalogs)
            library = cache.lookup()
            if library is not None:
                library.decks = list(library.decks)  # read now, before the collection closes
                return library
            return cache.refresh()
    except CollectionError:
        return None


def cache_library(
    store: Store,
    library: Library,
    summary: Mapping[str, str],
    stamps: DeckStamps,
    new_file: Path,
    *,
    written_at: Path | None = None,
    extra_dirs: Sequence[Path] = (),
    user_dir: Path | None = None,
    catalogs: Catalogs,
    kept_from: Library | None = None,
) -> None:
    """Keep ``library`` (the decks read after ``stamps`` were taken, with the deck of ``new_file`` written
    since, or written at ``written_at`` to be linked there) in the deck cache with ``summary``, when the
    deck files are those (``DeckCache.save``: and when the library comes back from the cache equal to
    itself). The decks it shares with ``kept_from``, the library the cache holds now, are copied as the
    cache holds them."""
    cache = DeckCache(store, extra_dirs, user_dir, catalogs)
    if kept_from is not None:
        cache.keep_texts_of(kept_from)
    known = {stamp.path: stamp for stamp in stamps.files}
    # a link keeps the file's size and time: its stamp is the one it will have in its place
    known[str(new_file)] = replace(FileStamp.of(written_at or new_file), path=str(new_file))
    files = [str(path) for path in deck_files(cache.sources, coming=new_file)]
    if set(files) != set(known):
        return
    # what DeckCache.read sets before it reads the decks, for save
    cache.stamps = [known[path] for path in files]
    cache.stamped_ns = stamps.stamped_ns
    cache.save(library, summary)
