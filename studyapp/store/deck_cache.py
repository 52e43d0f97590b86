"""The ``deck_cache`` table: the last validated library, kept for ``studyapp.deck_cache``.

One row per deck-source key (the folders and files decks are read from, and how they are checked);
writing a row drops the others, so the table holds the library of the last open that read decks.
The header (version, file stamps, outline) is read on every open; the payload (every card) only
when the cards are first needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.store.base import StoreBase, guarded


@dataclass(frozen=True)
class CacheHeader:
    """What is checked before a cached library is used, and what is read without its cards.

    ``files`` and ``outline`` are JSON text, written and read by ``studyapp.deck_cache``;
    ``stamped_ns`` is when the files were stamped (nanoseconds since the epoch).
    """

    version: str
    files: str
    stamped_ns: int
    outline: str


class DeckCacheStore(StoreBase):
    """Reads and writes of the ``deck_cache`` table."""

    @guarded
    def deck_cache_header(self, key: str) -> CacheHeader | None:
        """The cached library's header for ``key``, if there is one."""
        row = self.conn.execute(
            "SELECT version, files, stamped_ns, outline FROM deck_cache WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else CacheHeader(str(row[0]), str(row[1]), int(row[2]), str(row[3]))

    @guarded
    def deck_cache_payload(self, key: str, version: str, outline: str) -> str | None:
        """The cached cards for ``key`` (JSON text), if they are still those of ``version`` and
        ``outline`` (the header read before)."""
        row = self.conn.execute(
            "SELECT payload FROM deck_cache WHERE key = ? AND version = ? AND outline = ?",
            (key, version, outline),
        ).fetchone()
        return None if row is None else str(row[0])

    @guarded
    def deck_cache_deck(self, key: str, version: str, outline: str, index: int) -> str | None:
        """One deck of the cached cards for ``key`` (JSON text: item ``index`` of the payload's list, cut
        out by SQLite's JSON functions), if they are still those of ``version`` and ``outline``."""
        row = self.conn.execute(
            "SELECT json_extract(payload, ?) FROM deck_cache WHERE key = ? AND version = ? AND outline = ?",
            (f"$[{int(index)}]", key, version, outline),
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    @guarded
    def write_deck_cache(self, key: str, header: CacheHeader, payload: str) -> None:
        """Make ``header`` and ``payload`` the cached library (for ``key``, the only one kept)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM deck_cache")
            conn.execute(
                "INSERT INTO deck_cache (key, version, files, stamped_ns, outline, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, header.version, header.files, header.stamped_ns, header.outline, payload),
            )

    @guarded
    def restamp_deck_cache(self, key: str, version: str, files: str, stamped_ns: int) -> None:
        """Record new stamps for files whose content was found unchanged."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deck_cache SET files = ?, stamped_ns = ? WHERE key = ? AND version = ?",
                (files, stamped_ns, key, version),
            )
