"""The collection: one SQLite file, and the only module that talks to SQLite.

Durable by design: WAL journal, ``synchronous=FULL`` (a committed rating survives a crash or power
loss), a busy timeout so concurrent studyapp processes wait instead of failing, and every write in a
``BEGIN IMMEDIATE`` transaction (whose COMMIT can run on a commit thread while the app draws, see
``transaction``). The hot paths (open, reconcile, queue queries, a rating) use plain SQL
on the stdlib connection; ``database()`` gives a sqlite-utils view (imported lazily: it pulls in
numpy) for bulk work and export. Times are stored as integer milliseconds since the epoch (UTC).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from studyapp.migrations import CollectionError, connect, copy_database
from studyapp.model import CardRecord, CardState, QuizAttempt, ReviewRecord, Settings, StudyState, utc_ms

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    import sqlite_utils

__all__ = ["CardFilter", "CollectionError", "Store"]

BUSY_TIMEOUT_MS = 5000
#: Meta key holding a fingerprint of the decks last reconciled, so an unchanged library costs one read.
LIBRARY_FINGERPRINT = "library_fingerprint"
_STATE_COLUMNS = ", ".join(CardState.COLUMNS)
_SET_STATE = ", ".join(f"{column} = ?" for column in CardState.COLUMNS)
_ACTIVE = "suspended = 0 AND retired = 0 AND (buried_until IS NULL OR buried_until <= ?)"


@dataclass(frozen=True)
class CardFilter:
    """Which cards a queue query may return: one deck and/or one tag, minus some card ids.

    The tag ``leech`` also matches every card flagged as a leech.
    """

    deck: str | None = None
    tag: str | None = None
    exclude: frozenset[str] = frozenset()

    def sql(self) -> tuple[str, list[Any]]:
        """An ``AND ...`` clause and its parameters."""
        clause, params = "", list[Any]()
        if self.deck is not None:
            clause += " AND deck_id = ?"
            params.append(self.deck)
        if self.tag is not None:
            clause += " AND (card_id IN (SELECT card_id FROM card_tags WHERE tag = ?)"
            clause += " OR leech = 1)" if self.tag == "leech" else ")"
            params.append(self.tag)
        if self.exclude:
            clause += f" AND card_id NOT IN ({', '.join('?' * len(self.exclude))})"
            params.extend(sorted(self.exclude))
        return clause, params


def _commit(conn: sqlite3.Connection) -> None:
    """COMMIT, or roll back and raise."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class Store:
    """An open collection. Use ``Store.open(path)``; close it (or use ``with``) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path, backup: Path | None = None) -> None:
        self._conn = conn
        self.path = path
        #: The copy made before a schema migration during this open, if one ran.
        self.migration_backup = backup
        self._db: sqlite_utils.Database | None = None
        self._committer: ThreadPoolExecutor | None = None
        #: The COMMIT running on the commit thread (see ``transaction(background=True)``), if any.
        self.committing: Future[None] | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, once a COMMIT running in the background has finished."""
        if self.committing is not None:
            self.committing.exception()  # waits; whoever started it reports how it went
            self.committing = None
        return self._conn

    @conn.setter
    def conn(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the collection at ``path``; refuses bad files without touching them."""
        path = Path(path).expanduser()
        conn, backup = connect(path, BUSY_TIMEOUT_MS)
        return cls(conn, path, backup)

    def close(self) -> None:
        """Close the connection (the last one to close folds the write-ahead log into the file)."""
        self.conn.close()
        if self._committer is not None:
            self._committer.shutdown()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, background: bool = False) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` write transaction (joins the open one when nested).

        With ``background``, the COMMIT (the wait for the disk) runs on the store's commit thread
        when the block ends, and ``committing`` holds it: nothing written is durable before that
        future is done, and if the COMMIT fails it holds the error, after a rollback. The store
        waits for it before its next statement.
        """
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise CollectionError(
                    f"the collection {self.path} is busy: another program has been writing to it for more "
                    f"than {BUSY_TIMEOUT_MS // 1000} s; try again"
                ) from error
            raise
        try:
            yield conn
            if background:
                self.committing = self._commit_thread().submit(_commit, conn)
            else:
                _commit(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _commit_thread(self) -> ThreadPoolExecutor:
        if self._committer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studyapp-commit")
        return self._committer

    def database(self) -> sqlite_utils.Database:
        """A sqlite-utils ``Database`` on this connection, for bulk inserts, queries and export."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn, execute_plugins=False, recursive_triggers=False)
        return self._db

    def backup(self, target: Path | str) -> Path:
        """A consistent copy of the collection at ``target`` (SQLite backup API); returns the path."""
        target = Path(target).expanduser()
        if target.exists() and target.resolve() == self.path.resolve():
            raise ValueError(f"target must differ from the collection itself ({self.path})")
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_database(self.conn, target)
        return target

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check``: ``["ok"]`` for a healthy file."""
        return [row[0] for row in self.conn.execute("PRAGMA integrity_check")]

    # -- metadata --------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A metadata value (internal bookkeeping such as the synced library's fingerprint)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a metadata value."""
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- settings --------------------------------------------------------------------------------

    def settings(self) -> Settings:
        """All settings; stored values that are no longer valid fall back to their defaults."""
        values: dict[str, Any] = {}
        for key, text in self.conn.execute("SELECT key, value FROM settings"):
            try:
                values[key] = Settings.check(key, json.loads(text))
            except ValueError:
                continue
        return Settings(**values)

    def get_setting(self, key: str) -> Any:
        """One setting's value (its default if never set); ``ValueError`` for an unknown key."""
        settings = vars(self.settings())
        if key not in settings:
            raise ValueError(f"unknown setting {key!r}; valid settings: {', '.join(settings)}")
        return settings[key]

    def set_setting(self, key: str, value: Any) -> None:
        """Validate and store one setting."""
        value = Settings.check(key, value)
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def iter_settings(self) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` for every setting, defaults included."""
        yield from vars(self.settings()).items()

    # -- cards -----------------------------------------------------------------------------------

    def card(self, card_id: str) -> CardRecord | None:
        """One card's record, or ``None`` if the collection has never seen it."""
        row = self.conn.execute(
            f"SELECT card_id, deck_id, position, ord, retired, {_STATE_COLUMNS} FROM cards WHERE card_id = ?",
            (card_id,),
        ).fetchone()
        if row is None:
            return None
        tags = self.conn.execute("SELECT tag FROM card_tags WHERE card_id = ? ORDER BY tag", (card_id,))
        return CardRecord(
            row[0],
            row[1],
            row[2],
            row[3],
            tuple(t[0] for t in tags),
            bool(row[4]),
            CardState.from_row(row[5:]),
        )

    def card_state(self, card_id: str) -> CardState:
        """A card's study state; ``KeyError`` for an unknown card."""
        row = self.conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM cards WHERE card_id = ?", (card_id,)
        ).fetchone()
        if row is None:
            raise KeyError(card_id)
        return CardState.from_row(row)

    def iter_cards(self, include_retired: bool = True) -> Iterator[CardRecord]:
        """Every card in deck order (retired ones too unless ``include_retired`` is false)."""
        tags: dict[str, list[str]] = {}
        for card_id, tag in self.conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag"):
            tags.setdefault(card_id, []).append(tag)
        where = "" if include_retired else "WHERE retired = 0"
        query = f"SELECT card_id, deck_id, position, ord, retired, {_STATE_COLUMNS} FROM cards {where}"
        for row in self.conn.execute(f"{query} ORDER BY ord").fetchall():
            yield CardRecord(
                row[0],
                row[1],
                row[2],
                row[3],
                tuple(tags.get(row[0], ())),
                bool(row[4]),
                CardState.from_row(row[5:]),
            )

    def set_state(self, card_id: str, state: CardState) -> None:
        """Overwrite a card's study state (bury, suspend, undo)."""
        with self.transaction():
            cursor = self.conn.execute(
                f"UPDATE cards SET {_SET_STATE} WHERE card_id = ?", (*state.to_row(), card_id)
            )
            if cursor.rowcount != 1:
                raise KeyError(card_id)

    # -- content sync ----------------------------------------------------------------------------

    def card_index(self) -> dict[str, tuple[str, int, int, bool, frozenset[str]]]:
        """``card_id -> (deck_id, position, ord, retired, tags)`` for every card, to reconcile with decks."""
        tags: dict[str, set[str]] = {}
        for card_id, tag in self.conn.execute("SELECT card_id, tag FROM card_tags"):
            tags.setdefault(card_id, set()).add(tag)
        return {
            card_id: (deck_id, position, ord_, bool(retired), frozenset(tags.get(card_id, ())))
            for card_id, deck_id, position, ord_, retired in self.conn.execute(
                "SELECT card_id, deck_id, position, ord, retired FROM cards"
            )
        }

    def apply_sync(
        self,
        *,
        decks: Sequence[tuple[str, str]],
        insert: Sequence[tuple[str, str, int, int]],
        update: Sequence[tuple[str, str, int, int]],
        retire: Sequence[str],
        tags: Mapping[str, frozenset[str]],
        fingerprint: str,
    ) -> None:
        """Write one reconciliation: decks ``(id, title)`` in order; new and changed cards as ``(card_id,
        deck_id, position, ord)`` (changed ones come back if retired); cards to retire; new tag sets."""
        with self.transaction() as conn:
            conn.execute("UPDATE decks SET retired = 1")
            conn.executemany(
                "INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, 0) ON CONFLICT (deck_id) "
                "DO UPDATE SET title = excluded.title, rank = excluded.rank, retired = 0",
                [(deck_id, title, rank) for rank, (deck_id, title) in enumerate(decks)],
            )
            conn.executemany(
                "INSERT INTO cards (card_id, deck_id, position, ord) VALUES (?, ?, ?, ?)", insert
            )
            conn.executemany(
                "UPDATE cards SET deck_id = ?, position = ?, ord = ?, retired = 0 WHERE card_id = ?",
                [(deck_id, position, ord_, card_id) for card_id, deck_id, position, ord_ in update],
            )
            conn.executemany("UPDATE cards SET retired = 1 WHERE card_id = ?", [(c,) for c in retire])
            conn.executemany("DELETE FROM card_tags WHERE card_id = ?", [(c,) for c in tags])
            conn.executemany(
                "INSERT INTO card_tags (card_id, tag) VALUES (?, ?)",
                [(card_id, tag) for card_id, names in tags.items() for tag in sorted(names)],
            )
            self.set_meta(LIBRARY_FINGERPRINT, fingerprint)

    # -- the review log --------------------------------------------------------------------------

    def record_review(
        self,
        card_id: str,
        rating: int,
        reviewed_at: datetime,
        duration_ms: int | None,
        before: CardState,
        after: CardState,
    ) -> int:
        """Append a review to the log and store the card's new state, atomically; returns the log id."""
        with self.transaction():
            self.set_state(card_id, after)
            cursor = self.conn.execute(
                "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
                "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    card_id,
                    rating,
                    utc_ms(reviewed_at),
                    duration_ms,
                    int(before.state),
                    int(after.state),
                    before.to_json(),
                    after.to_json(),
                ),
            )
            review_id = cursor.lastrowid
        assert review_id is not None
        return review_id

    def review(self, review_id: int) -> ReviewRecord | None:
        """One review-log row."""
        row = self.conn.execute(
            "SELECT id, card_id, rating, reviewed_at, duration_ms, before, after FROM reviews WHERE id = ?",
            (review_id,),
        ).fetchone()
        return None if row is None else ReviewRecord.from_row(row)

    def latest_review_id(self, card_id: str) -> int | None:
        """The id of the card's most recent review."""
        row = self.conn.execute("SELECT max(id) FROM reviews WHERE card_id = ?", (card_id,)).fetchone()
        return None if row is None else row[0]

    def delete_review(self, review_id: int, restore: CardState) -> None:
        """Remove a log row and put its card back into ``restore``, atomically (undo)."""
        with self.transaction():
            row = self.conn.execute("SELECT card_id FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if row is None:
                raise KeyError(review_id)
            self.set_state(row[0], restore)
            self.conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))

    def iter_reviews(
        self, card_id: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[ReviewRecord]:
        """Review-log rows in the order they were made; optionally one card's, or those in [since, until)."""
        clauses, params = ["1"], list[Any]()
        if card_id is not None:
            clauses.append("card_id = ?")
            params.append(card_id)
        if since is not None:
            clauses.append("reviewed_at >= ?")
            params.append(utc_ms(since))
        if until is not None:
            clauses.append("reviewed_at < ?")
            params.append(utc_ms(until))
        cursor = self.conn.execute(
            "SELECT id, card_id, rating, reviewed_at, duration_ms, before, after FROM reviews "
            f"WHERE {' AND '.join(clauses)} ORDER BY id",
            params,
        )
        for row in cursor:
            yield ReviewRecord.from_row(row)

    def count_new_reviewed(self, since: datetime) -> int:
        """How many reviews of new cards were made from ``since`` on (the daily new-card budget)."""
        row = self.conn.execute(
            "SELECT count(*) FROM reviews WHERE reviewed_at >= ? AND state_before = ?",
            (utc_ms(since), int(StudyState.NEW)),
        ).fetchone()
        return int(row[0])

    # -- quiz attempts ---------------------------------------------------------------------------

    def add_quiz_attempt(
        self,
        *,
        at: datetime,
        kind: str,
        question: str,
        given: str,
        expected: str,
        correct: bool,
        card_id: str | None = None,
        seed: int | None = None,
        params: Mapping[str, Any] | None = None,
        duration_ms: int | None = None,
    ) -> int:
        """Record one answered quiz question; returns its id."""
        if not kind:
            raise ValueError("kind must be a non-empty string")
        if duration_ms is not None and duration_ms < 0:
            raise ValueError(f"duration_ms must be >= 0, got {duration_ms}")
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO quiz_attempts (at, kind, card_id, seed, params, question, given, expected, "
                "correct, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_ms(at),
                    kind,
                    card_id,
                    seed,
                    json.dumps(dict(params or {}), sort_keys=True),
                    question,
                    given,
                    expected,
                    int(correct),
                    duration_ms,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def iter_quiz_attempts(self, since: datetime | None = None) -> Iterator[QuizAttempt]:
        """Quiz attempts in the order they were made."""
        cursor = self.conn.execute(
            "SELECT id, at, kind, card_id, seed, params, question, given, expected, correct, duration_ms "
            "FROM quiz_attempts WHERE at >= ? ORDER BY id",
            (utc_ms(since) if since is not None else -(2**62),),
        )
        for row in cursor:
            yield QuizAttempt.from_row(row)

    # -- study queue queries ---------------------------------------------------------------------

    def _first(
        self,
        where: str,
        params: Sequence[Any],
        card_filter: CardFilter,
        order: str,
        order_params: Sequence[Any] = (),
    ) -> str | None:
        """The first active card matching ``where`` (whose parameters end with now, for the bury check)."""
        clause, extra = card_filter.sql()
        row = self.conn.execute(
            f"SELECT card_id FROM cards WHERE {where} AND {_ACTIVE}{clause} ORDER BY {order} LIMIT 1",
            (*params, *extra, *order_params),
        ).fetchone()
        return None if row is None else str(row[0])

    def next_learning(self, until: datetime, now: datetime, card_filter: CardFilter) -> str | None:
        """The learning or relearning card due first, if it is due by ``until``."""
        return self._first("state IN (1, 3) AND due <= ?", (utc_ms(until), utc_ms(now)), card_filter, "due")

    def next_review(self, day_end: datetime, now: datetime, card_filter: CardFilter) -> str | None:
        """The review card due today with the lowest retrievability (largest elapsed time / stability)."""
        now_ms = utc_ms(now)
        return self._first(
            "state = 2 AND due < ?",
            (utc_ms(day_end), now_ms),
            card_filter,
            "(? - last_review) / stability DESC, due",
            (now_ms,),
        )

    def next_new(self, now: datetime, card_filter: CardFilter) -> str | None:
        """The first new card in deck order."""
        return self._first("state = 0", (utc_ms(now),), card_filter, "ord")

    def count_due(
        self, day_end: datetime, now: datetime, card_filter: CardFilter, by_deck: bool = False
    ) -> dict[str, list[int]]:
        """``[learning, review]`` cards due before ``day_end``: per deck id, or under ``""`` in total."""
        clause, extra = card_filter.sql()
        key, group = ("deck_id", "deck_id, state") if by_deck else ("''", "state")
        counts: dict[str, list[int]] = {}
        for deck_id, state, count in self.conn.execute(
            f"SELECT {key}, state, count(*) FROM cards WHERE state IN (1, 2, 3) AND due < ? AND {_ACTIVE}"
            f"{clause} GROUP BY {group}",
            (utc_ms(day_end), utc_ms(now), *extra),
        ):
            slot = counts.setdefault(deck_id, [0, 0])
            slot[1 if state == StudyState.REVIEW else 0] += count
        return counts

    def count_new(self, now: datetime, card_filter: CardFilter, limit: int) -> int:
        """New cards available, counting at most ``limit``."""
        clause, extra = card_filter.sql()
        row = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM cards WHERE state = 0 AND {_ACTIVE}{clause} LIMIT ?)",
            (utc_ms(now), *extra, max(limit, 0)),
        ).fetchone()
        return int(row[0])

    def next_due(self, now: datetime, card_filter: CardFilter | None = None) -> datetime | None:
        """When the next learning or review card falls due after ``now`` (``None``: no such card)."""
        clause, extra = (card_filter or CardFilter()).sql()
        row = self.conn.execute(
            f"SELECT min(due) FROM cards WHERE state IN (1, 2, 3) AND due > ? AND {_ACTIVE}{clause}",
            (utc_ms(now), utc_ms(now), *extra),
        ).fetchone()
        return None if row[0] is None else datetime.fromtimestamp(row[0] / 1000, UTC)

    def cram_cards(self, card_filter: CardFilter) -> list[str]:
        """Every card that is neither suspended nor retired, in deck order (for cramming)."""
        clause, extra = card_filter.sql()
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT card_id FROM cards WHERE suspended = 0 AND retired = 0{clause} ORDER BY ord", extra
            )
        ]
