"""The collection as commands and the app use it: the store, the loaded decks, and study sessions.

Opening a collection reconciles it with the decks by card id: new cards appear as new, edited text
keeps its history (only ids are matched), cards no longer in any deck are retired (kept, hidden from
the queue and counts) and come back with their history when re-added. An unchanged library costs
one read: its fingerprint is stored with the last reconciliation.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from studyapp.errors import CollectionReadOnly
from studyapp.model import CardRecord, DeckLimits, Settings, StudyState, split_deck_key
from studyapp.scheduler import Scheduler, check_utc
from studyapp.search import Query, parse, resolve
from studyapp.session import LibraryView, StudySession, next_day_start
from studyapp.store import LIBRARY_FINGERPRINT, Store
from studyapp.store.search import SearchContext

if TYPE_CHECKING:
    from studyapp.stats import Mastery


@dataclass(frozen=True)
class SyncReport:
    """What a reconciliation changed (all empty when the decks were already in sync)."""

    added: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    skipped: bool = False

    @property
    def changes(self) -> int:
        """How many cards were added, restored, retired or moved/retagged."""
        return len(self.added) + len(self.restored) + len(self.retired) + len(self.changed)


def library_fingerprint(library: LibraryView) -> str:
    """A digest of everything reconciliation stores: decks and their order, card ids, places and tags."""
    data = [
        [(deck.id, deck.title) for deck in library.decks],
        [(card.id, card.deck, card.position, sorted(card.tags)) for card in library.cards],
    ]
    text = json.dumps(data).encode()
    # Two checksums and the length: enough to notice any edit, without hashlib's ~15 ms import at start-up.
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def reconcile(store: Store, library: LibraryView) -> SyncReport:
    """Bring the collection's cards in line with ``library`` (see the module docstring)."""
    fingerprint = library_fingerprint(library)
    if store.get_meta(LIBRARY_FINGERPRINT) == fingerprint:
        return SyncReport(skipped=True)
    with store.transaction():
        if store.get_meta(LIBRARY_FINGERPRINT) == fingerprint:  # another process just did it
            return SyncReport(skipped=True)
        known = store.card_index()
        insert, update, tags = [], [], {}
        added, restored, changed = [], [], []
        for ord_, card in enumerate(library.cards):
            wanted = frozenset(card.tags)
            row = (card.id, card.deck, card.position, ord_)
            old = known.pop(card.id, None)
            if old is None:
                insert.append(row)
                added.append(card.id)
                if wanted:
                    tags[card.id] = wanted
                continue
            deck_id, position, old_ord, retired, old_tags = old
            if retired:
                restored.append(card.id)
            elif (deck_id, position, old_tags) != (card.deck, card.position, wanted):
                changed.append(card.id)
            if retired or (deck_id, position, old_ord) != (card.deck, card.position, ord_):
                update.append(row)
            if old_tags != wanted:
                tags[card.id] = wanted
        retire = sorted(card_id for card_id, old in known.items() if not old[3])
        store.apply_sync(
            decks=[(deck.id, deck.title) for deck in library.decks],
            insert=insert,
            update=update,
            retire=retire,
            tags=tags,
            fingerprint=fingerprint,
        )
    return SyncReport(tuple(added), tuple(restored), tuple(retire), tuple(changed))


@dataclass
class Collection:
    """An open collection with its decks; close it (or use ``with``) when done."""

    store: Store
    library: LibraryView
    sync: SyncReport = field(default_factory=SyncReport)

    def session(
        self,
        *,
        deck: str | None = None,
        tag: str | None = None,
        cram: bool = False,
        tz: tzinfo | None = None,
        scheduler: Scheduler | None = None,
        search: str | Query | None = None,
        now: datetime | None = None,
        ahead: bool = False,
    ) -> StudySession:
        """A study session over this collection (see ``StudySession``).

        ``search`` keeps the session to the cards it matches at ``now`` (which it then needs), like
        Anki's filtered decks: a card stays in the session once its state no longer matches.
        ``ahead`` studies every matching card now, due or not, and saves the ratings (custom study).
        """
        cards = None
        if search is not None:
            if now is None:
                raise ValueError("a session with a search needs now, the time the search runs")
            cards = self.search(search, now, tz)
        return StudySession(
            self.store,
            self.library,
            deck=deck,
            tag=tag,
            cram=cram,
            tz=tz,
            scheduler=scheduler,
            cards=cards,
            ahead=ahead,
        )

    def search(self, query: str | Query, now: datetime, tz: tzinfo | None = None) -> list[str]:
        """The ids of the loaded cards that ``query`` (``studyapp.search``'s syntax) matches at ``now``, in
        deck order; a bad query raises ``SearchError``. "Today" is the study day of ``tz`` (default: local
        time) that the collection's ``day_start_hour`` sets, as in the study queue."""
        parsed = parse(query) if isinstance(query, str) else query
        now = check_utc(now)
        context = SearchContext(now, next_day_start(now, self.settings().day_start_hour, tz))
        if parsed.uses_retrievability:
            from studyapp.stats import _forgetting_curve  # the curve the mastery statistics use

            factor, decay = _forgetting_curve()
            context = replace(context, factor=factor, decay=decay)
        cards = self.library.cards
        root = resolve(parsed.root, cards) if parsed.root is not None else None
        matched = set(self.store.search_cards(root, context))
        return [card.id for card in cards if card.id in matched]

    def cards_with_state(self, include_retired: bool = False) -> list[dict[str, Any]]:
        """One JSON-ready dict per card, in deck order: its study state, due time, stability and counts."""
        return [
            {
                "id": record.card_id,
                "deck": record.deck_id,
                "tags": list(record.tags),
                "state": StudyState(record.state.state).name.lower(),
                "due": record.state.due.isoformat() if record.state.due else None,
                "last_review": record.state.last_review.isoformat() if record.state.last_review else None,
                "stability": record.state.stability,
                "difficulty": record.state.difficulty,
                "reps": record.state.reps,
                "lapses": record.state.lapses,
                "suspended": record.state.suspended,
                "buried_until": record.state.buried_until.isoformat() if record.state.buried_until else None,
                "leech": record.state.leech,
                "retired": record.retired,
            }
            for record in self.store.cards(include_retired=include_retired)
        ]

    # -- settings and summaries, for the app and the commands -----------------------------------

    def settings(self) -> Settings:
        """The collection's settings (defaults where none is stored)."""
        return self.store.settings()

    def set_setting(self, key: str, value: Any) -> None:
        """Validate (``ValueError``) and store one setting; a deck's own limit (``deck:ID:NAME``) may be
        ``None``, which makes it follow the global value again."""
        deck_key = split_deck_key(key)
        if deck_key is None:
            self.store.set_setting(key, value)
        else:
            self.store.set_deck_limit(*deck_key, value)

    def deck_limits(self) -> dict[str, DeckLimits]:
        """The limits of every deck that set one of its own, by deck id."""
        return self.store.deck_limits()

    def next_due(self, now: datetime) -> datetime | None:
        """When the next learning or review card of any deck falls due after ``now``."""
        return self.store.next_due(now)

    def card_record(self, card_id: str) -> CardRecord | None:
        """What the collection knows of one card (``None`` if it never saw it)."""
        return self.store.card(card_id)

    def today(self, now: datetime) -> tuple[int, int]:
        """Reviews made today and the current streak in days (today as the study queue counts it)."""
        from studyapp import activity

        hour = self.settings().day_start_hour
        reviews = activity.reviews_per_day(self.store, now, days=1, day_start_hour=hour)[-1][1]
        return reviews, activity.current_streak(self.store, now, day_start_hour=hour)

    def mastery(self, now: datetime) -> dict[str, Mastery]:
        """Mastery per tag of the loaded cards (see ``studyapp.stats``)."""
        from studyapp import stats

        tags = sorted({tag for card in self.library.cards for tag in card.tags})
        return stats.mastery(self.store, now, tags)[1]

    def statistics(self, now: datetime) -> dict[str, Any]:
        """Every statistic as one JSON-ready dict (``studyapp.stats.all_stats``)."""
        from studyapp.stats import all_stats

        return all_stats(self.store, self.library, now)

    def add_quiz_attempt(self, **attempt: Any) -> int:
        """Record one answered quiz question (``Store.add_quiz_attempt``'s fields); returns its id."""
        return self.store.add_quiz_attempt(**attempt)

    @property
    def path(self) -> Path:
        """The collection's file."""
        return self.store.path

    @property
    def created(self) -> bool:
        """Opening it made a new, empty collection."""
        return self.store.created

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def open_collection(
    db_path: Path | None = None,
    extra_dirs: Sequence[Path] = (),
    *,
    user_dir: Path | None = None,
    library: LibraryView | None = None,
    for_reading: bool = False,
) -> Collection:
    """Load the decks (or use ``library``), open the collection (default path if ``None``) and reconcile.

    ``for_reading`` is for commands that only read: a missing collection raises
    ``CollectionMissing`` instead of being created, and one that cannot be written (a read-only file,
    folder or mount) is opened read-only, without reconciling it with the decks.
    """
    if library is None:
        from studyapp.content import load_library

        library = load_library(extra_dirs, user_dir)
    if db_path is None:
        from studyapp.paths import default_db_path

        db_path = default_db_path()
    try:
        store = Store.open(db_path, create=not for_reading)
    except CollectionReadOnly:
        if not for_reading:
            raise
        store = Store.open(db_path, create=False, read_only=True)
    try:
        report = SyncReport(skipped=True) if store.read_only else reconcile(store, library)
    except BaseException:
        store.close()
        raise
    return Collection(store, library, report)
