"""``studyapp import`` of Anki packages and CSV/TSV files: a new deck, and its cards' review history.

An import is planned completely first: the file is read, the deck's id, file and card ids chosen. The
deck's text is made together with what TOML reads from it, and that is checked as the loader checks a
deck file (so the text is never read again); cards the loader refuses are left out. A dry run prints
the plan. A real import writes the deck file (and its media folder) under hidden names beside their
places, and the decks loaded before, with the new one in its place, become the collection's decks.
Only then is the collection opened (or created): the deck is reconciled into it and each card's
reviews replayed through FSRS (``studyapp.anki.replay``: a big history in a worker process, started
as soon as the file's answers are read), the reviews and the cards' states written in bulk, in one
transaction, with a progress bar on a terminal, and the decks kept in the deck cache
(``studyapp.anki.cached``), with the moves that put the deck's files in their places noted
(``studyapp.placing``). Once that is committed, the files are put there, so that an import killed
before leaves no deck without its history; on a failure they are taken away again. One killed after
its commit, or whose place was taken meanwhile, has its files put there by the next open of the
collection; the hidden files of one killed before are deleted by it.
Existing decks and history are never touched: a deck file or id already in use is refused, and card
ids avoid every id the decks and the collection know.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from studyapp.anki import PACKAGE_SUFFIXES
from studyapp.anki.cached import DeckStamps, cache_library
from studyapp.anki.deck_file import (
    ImportRefused,
    NotPlaced,
    Plan,
    Written,
    check_deck_id,
    check_deck_slug,
    deck_document,
    deck_id_for,
    entry_ids,
    keep_safe_media,
    media_folder_name,
    not_written,
    write_files,
)
from studyapp.anki.replay import PARALLEL_FROM, ReplayAhead, replayed_plan
from studyapp.anki.source import Source
from studyapp.authoring import adopt, problems_in, taken_ids
from studyapp.collection import Collection, Fingerprints, open_collection
from studyapp.content import Library, ProblemCatalog, SimCatalog, deck_sources, load_library, with_deck
from studyapp.deck_json import collector_paused
from studyapp.deck_reader import read_deck_data
from studyapp.errors import CollectionError, CollectionMissing
from studyapp.export_format import Progress
from studyapp.model import Deck, Settings
from studyapp.paths import user_deck_dir
from studyapp.placing import collection_tag, moves_made, note_moves
from studyapp.scheduler import Scheduler
from studyapp.store import CardHistoryRows, Store
from studyapp.words import counted

if TYPE_CHECKING:
    from studyapp.anki.convert import AnswersRead


@dataclass(frozen=True)
class Target:
    """Where an import goes: the collection, the decks loaded from the deck folders, and the simulations
    and problems they were checked with."""

    db_path: Path
    library: Library
    extra_dirs: Sequence[Path] = ()
    user_dir: Path | None = None
    sims: SimCatalog | None = None
    problems: ProblemCatalog | None = None
    #: The deck files as they were before ``library`` was read (``stamp_decks``): with them, the decks
    #: with the new one are kept in the collection's deck cache.
    stamps: DeckStamps | None = None

    @property
    def deck_dir(self) -> Path:
        return self.user_dir if self.user_dir is not None else user_deck_dir()


@dataclass
class Outcome:
    """What an import did (or, in a dry run, would do)."""

    plan: Plan
    dry_run: bool
    created_collection: bool = False
    reviews: int = 0

    @property
    def kinds(self) -> Counter[str]:
        """How many cards of each kind (a cloze note's cards count one each)."""
        return Counter(card.kind.value for card in self.plan.source.cards for _ in card.histories)

    def lines(self) -> list[str]:
        """The summary for people: the deck, the counts, and what was not imported as it was."""
        plan, source = self.plan, self.plan.source
        verb = "would write" if self.dry_run else "wrote"
        kinds = ", ".join(f"{count} {kind}" for kind, count in self.kinds.items())
        reviews = source.reviews
        replay = "replayed with FSRS" if not self.dry_run else "to replay with FSRS"
        lines = [
            f"{verb} the deck '{plan.deck_id}' (\"{source.title}\") to {plan.path}",
            f"  notes: {source.notes}, cards: {source.card_count} ({kinds}), reviews: {reviews} {replay}",
        ]
        histories = [history for card in source.cards for history in card.histories]
        suspended = sum(history.suspended for history in histories)
        leeches = sum(history.leech for history in histories)
        if suspended or leeches:
            lines.append(f"  suspended: {suspended}, leeches: {leeches}")
        if source.media:
            lines.append(f"  media files: {len(source.media)} in {plan.media_dir}")
        if source.left_out:
            lines.append("  not imported as they were:")
            lines += [f"    {count} {what}" for what, count in sorted(source.left_out.items())]
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines


@contextmanager
def read_source(
    path: Path, deck_id: Callable[[str], str], answers_read: AnswersRead | None = None
) -> Iterator[Source]:
    """The source of ``path`` by its suffix; ``deck_id(title)`` names the deck (and so its media folder).
    The cards' answers, read first, are given to ``answers_read`` before the notes become cards. An
    Anki package stays open in the ``with`` block, for its media files to be copied."""
    suffix = path.suffix.lower()
    if suffix in PACKAGE_SUFFIXES:
        from studyapp.anki.convert import anki_source
        from studyapp.anki.package import AnkiPackage

        with AnkiPackage(path) as package:

            def folder(title: str) -> str:
                return media_folder_name(deck_id(title))

            source = anki_source(package.data, path, folder, answers_read)
            package.converted()
            keep_safe_media(source, package.media)
            source.read_media = package.media_chunks
            yield source
    else:
        from studyapp.anki.table import table_source

        yield table_source(path)


def known_ids_and_settings(db_path: Path) -> tuple[set[str], Settings]:
    """Every card id the collection knows (retired ones included) and its settings, without writing (no
    ids and the default settings if it is missing)."""
    try:
        with Store.open(db_path, create=False, read_only=True) as store:
            return store.card_ids(), store.settings()
    except CollectionMissing:
        return set(), Settings()


def replay_scheduler(settings: Settings) -> Scheduler:
    """The scheduler histories are replayed with: the collection's retention and parameters, without fuzz
    (a replay is the same every time)."""
    return Scheduler(settings.desired_retention, fuzz=False, parameters=settings.fsrs_parameters)


def plan_import(source: Source, deck_id: str, target: Target, known: set[str]) -> Plan:
    """Choose the deck file and card ids; refuse a deck id or file in use."""
    path = target.deck_dir / f"{deck_id}.toml"
    loaded = {deck.id: deck.source for deck in target.library.decks}
    check_deck_id(deck_id, loaded, path)
    taken = taken_ids(target.library, target.deck_dir, reserved=known)
    ids = entry_ids((card.words for card in source.cards), taken)
    return Plan(source, deck_id, path, tuple(ids))


def checked_deck(plan: Plan, target: Target, now: datetime) -> tuple[Plan, str, Deck]:
    """The deck's text and the deck it is, checked as the loader checks the file it will be (from the
    data it was written from: the text is not read again); cards the loader refuses are left out (and
    noted)."""
    for _ in range(3):
        document = deck_document(plan, now)
        text, data = document.text, document.data
        deck, problems = read_deck_data(plan.path, text, data, sims=target.sims, problems=target.problems)
        if deck is not None and not problems:
            return plan, text, deck
        refused = {problem.card for problem in problems if problem.card in plan.entry_ids}
        if len(refused) < len({problem.card for problem in problems}) or len(refused) == len(plan.entry_ids):
            break
        plan.source.leave_out(f"cards the deck format refuses (first: {problems[0].message})", len(refused))
        plan = plan.without({card for card in refused if card is not None})
    details = "\n".join(str(problem) for problem in problems)
    raise ImportRefused(f"the imported deck would not load, so nothing was written:\n{details}")


def import_file(
    path: Path,
    target: Target,
    *,
    deck_id: str | None = None,
    dry_run: bool = False,
    now: datetime,
    progress_stream: TextIO | None = None,
    replay_in_worker_from: int = PARALLEL_FROM,
) -> Outcome:
    """Import ``path`` (.apkg, .colpkg, .csv or .tsv) as a new deck of the user's deck folder; the replay's
    progress goes to ``progress_stream`` when it is a terminal. A history of at least
    ``replay_in_worker_from`` answers is replayed in a worker process.

    Nothing is written until the file has been read; no collection is opened (or created) until the
    deck has been written and has loaded, and a deck that does not load is taken away again.
    """
    if deck_id is not None:
        check_deck_slug(deck_id)

    def name(title: str) -> str:
        return deck_id or deck_id_for(title)

    known, settings = known_ids_and_settings(target.db_path)
    progress = Progress(progress_stream, "replaying", 0, then="saving")
    progress.say(f"reading {path.name}…")
    try:
        with (
            collector_paused(),
            ReplayAhead(replay_scheduler(settings), replay_in_worker_from) as ahead,
            read_source(path, name, None if dry_run else ahead.start) as source,
        ):
            if not source.cards:
                raise ImportRefused(f"{path} holds no cards that can be imported; nothing was written")
            plan = plan_import(source, name(source.title), target, known)
            progress.say(f"checking {counted(len(plan.card_ids), 'card')}…")
            if dry_run:
                return Outcome(checked_deck(plan, target, now)[0], dry_run=True)
            plan, text, deck = checked_deck(plan, target, now)
            progress.say(
                f"writing the deck and adding {counted(len(plan.card_ids), 'card')} to the collection…"
            )
            written = write_files(plan, text, collection_tag(target.db_path))
            try:
                library = loaded_with(target, deck, written)
                with open_collection(target.db_path, library=target.library) as collection:
                    progress.total = plan.source.reviews
                    reviews = _bring_in(collection, target, plan, library, progress, ahead, written)
                    written.place_committed()
                    with suppress(CollectionError):  # else the next open finds them made and clears them
                        moves_made(collection.store)
                    return Outcome(plan, False, collection.created, reviews)
            except NotPlaced:
                raise
            except BaseException as error:
                # Ctrl-C or kill may stop it just after the commit: the files belong to the collection then
                stopped = isinstance(error, (KeyboardInterrupt, SystemExit))
                if stopped and committed(target.db_path, plan):
                    written.place_committed()
                else:
                    written.remove()
                raise
    finally:
        progress.finish()


def committed(db_path: Path, plan: Plan) -> bool:
    """Whether the plan's cards are in the collection, that is, the import's transaction was committed:
    the ids a plan gives were unknown to the collection. A collection that cannot be read counts as
    not committed."""
    try:
        with Store.open(db_path, create=False, read_only=True) as store:
            return store.card(plan.card_ids[0]) is not None
    except CollectionError:
        return False


def loaded_with(target: Target, deck: Deck, written: Written) -> Library:
    """The decks with ``deck``, whose file was just ``written``: the decks loaded before and ``deck`` in
    the place its file is put in once its history is committed (none is read again), or, when another
    deck uses one of its ids, every deck loaded again, with its file put in place first; a new deck
    that does not load then is refused."""
    library = with_deck(target.library, deck, deck_sources(target.extra_dirs, target.user_dir))
    if library is not None:
        return library
    try:
        written.place()
    except OSError as error:
        raise not_written(written.plan, error) from None
    library = load_library(target.extra_dirs, target.user_dir, sims=target.sims, problems=target.problems)
    assert deck.source is not None
    problems = problems_in(library, deck.source)
    if problems:
        details = "\n".join(str(problem) for problem in problems)
        raise ImportRefused(f"the imported deck did not load, so it was taken away again:\n{details}")
    return library


def _bring_in(
    collection: Collection,
    target: Target,
    plan: Plan,
    library: Library,
    progress: Progress,
    ahead: ReplayAhead,
    written: Written,
) -> int:
    """Reconcile the decks (with the new one) into the collection and record the new deck's replayed
    reviews, in one transaction (with the decks kept in the deck cache when the target has the deck files'
    stamps); returns how many reviews were recorded. The replay started ahead is
    used when it has the collection's settings of now (else the plan is replayed again here)."""
    store = collection.store
    with store.written_in_place(), store.transaction():
        fingerprints = Fingerprints.of(library)
        adopt(collection, library, fingerprints)
        note_moves(store, written.moves)  # made by the next open if this process is stopped before
        fresh = store.fresh_cards(plan.card_ids)
        taken = next((card_id for card_id in plan.card_ids if card_id not in fresh), None)
        if taken is not None:
            raise ImportRefused(
                f"the card id '{taken}' already has history in {collection.path} (it came in while "
                "this import ran); history is never overwritten, so nothing was imported: import again"
            )
        if target.stamps is not None:
            cache_library(
                store,
                library,
                fingerprints.to_dict(),
                target.stamps,
                plan.path,
                written_at=written.deck,
                extra_dirs=target.extra_dirs,
                user_dir=target.user_dir,
                catalogs={"sims": target.sims, "problems": target.problems},
                kept_from=target.library,
            )
        scheduler = replay_scheduler(collection.settings())
        histories: Iterable[CardHistoryRows] = ahead.rows(plan)
        if not ahead.fits(scheduler):
            ahead.close()
            histories = replayed_plan(plan, scheduler)
        return store.record_histories(histories, progress.advance, coming=plan.source.reviews)
