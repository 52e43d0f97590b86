"""The deck cache: decks are read and checked again only when a deck file changed.

``studyapp.deck_cache.files_read()`` counts the deck files this process read and checked, and
``files_hashed()`` the files it hashed to see whether they changed: what the cache saves is visible.
Every library that comes from the cache is compared with ``studyapp.content.load_library`` reading
the same folders, the reference.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp import deck_cache
from studyapp.collection import (
    DECK_ORD_STEP,
    Collection,
    Fingerprints,
    Moves,
    moved_cards,
    open_collection,
    placed_cards,
)
from studyapp.content import Library, load_library
from studyapp.deck_cache import CachedLibrary, open_library
from studyapp.deck_digests import known_parts
from studyapp.deck_json import (
    CardsWith,
    card_lookup,
    codec,
    decode_deck,
    decode_decks,
    encode_deck,
    encode_decks,
    encode_grown_deck,
    schema_fingerprint,
)
from studyapp.errors import UserError
from studyapp.model import Card, Deck
from studyapp.paths import bundled_deck_dir
from studyapp.problems import PROBLEMS
from studyapp.store import TEXT_FINGERPRINT, Store
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate
from studyapp.store.text_index import text_rows_at

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STEP = DECK_ORD_STEP
#: A time long before the tests run: files stamped with it are not "racy" (see ``RACY_NS``).
OLD_NS = 1_600_000_000 * 10**9


def deck_text(deck_id: str, questions: list[str]) -> str:
    cards = "".join(
        f'\n[[cards]]\nid = "{deck_id}-{i}"\nquestion = "{q}"\nanswer = "An answer."\ntags = ["t{i % 3}"]\n'
        for i, q in enumerate(questions)
    )
    return f'[deck]\nid = "{deck_id}"\ntitle = "Deck {deck_id}"\n{cards}'


@dataclass
class Decks:
    """A folder of user decks, a collection, and a way to open it as the app does."""

    folder: Path
    db: Path
    user_dir: Path

    def open(self, *, for_reading: bool = False) -> Collection:
        return open_collection(
            self.db,
            [self.folder],
            user_dir=self.user_dir,
            sims=CATALOG,
            problems=PROBLEMS,
            for_reading=for_reading,
        )

    def reference(self) -> list[object]:
        """The decks and problems as ``load_library`` reads them from the files now."""
        library = load_library([self.folder], self.user_dir, sims=CATALOG, problems=PROBLEMS)
        return [library.decks, library.problems]

    def write(self, name: str, text: str, mtime_ns: int | None = OLD_NS) -> Path:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        if mtime_ns is not None:
            os.utime(path, ns=(mtime_ns, mtime_ns))
        return path


@pytest.fixture
def decks(tmp_path: Path) -> Decks:
    found = Decks(tmp_path / "decks", tmp_path / "c.sqlite3", tmp_path / "no-user-decks")
    found.folder.mkdir()
    found.write("a.toml", deck_text("a", ["Zorblax one?", "Quindle two?", "Wuzzle three?"]))
    found.write("b.toml", deck_text("b", ["Frobnic four?"]))
    return found


def opened(decks: Decks) -> tuple[int, int, list[object], bool]:
    """Open the collection: how many files were read and hashed, its decks and problems, and whether
    they came from the cache."""
    read, hashed = deck_cache.files_read(), deck_cache.files_hashed()
    with decks.open() as collection:
        library = collection.library
        cached = isinstance(library, CachedLibrary)
        found = [library.decks, library.problems]
    return deck_cache.files_read() - read, deck_cache.files_hashed() - hashed, found, cached


def test_an_unchanged_library_comes_from_the_cache_without_reading_a_file(decks: Decks) -> None:
    read, _hashed, first, cached = opened(decks)
    assert read == 3 and not cached  # the bundled deck and the two user decks
    read, hashed, again, cached = opened(decks)
    assert (read, hashed, cached) == (0, 0, True)
    assert again == first == decks.reference()


def test_the_cards_are_read_from_the_cache_only_when_needed(decks: Decks) -> None:
    opened(decks)
    with decks.open() as collection:
        library = collection.library
        assert isinstance(library, CachedLibrary) and not library.loaded
        assert collection.overview(NOW).decks[-1][:2] == ("b", "Deck b")  # Home's numbers
        assert collection.search("wuzzle", NOW) == ["a-2"]  # in SQL
        assert "t1" in library.tags and collection.statistics(NOW)["cards"]["total"] > 4
        assert not library.loaded
        assert [card.id for card in library.cards][-4:] == ["a-0", "a-1", "a-2", "b-0"]
        assert library.loaded


def test_one_deck_is_read_from_the_cache_without_the_others(decks: Decks) -> None:
    opened(decks)
    everything = decks.reference()[0]
    assert isinstance(everything, list)
    for deck in everything:  # the bundled deck, then a and b
        with decks.open() as collection:
            library = collection.library
            assert isinstance(library, CachedLibrary)
            assert library.deck_cards(deck.id) == list(deck.cards)
            assert not library.loaded  # the other decks were not read
            assert library.deck_cards("no-such-deck") == []
    with decks.open() as collection:
        library = collection.library
        assert isinstance(library, CachedLibrary)
        assert [card.id for card in library.deck_cards("b")] == ["b-0"]
        with sqlite3.connect(decks.db) as conn:  # another program replaces the cache meanwhile
            conn.execute("UPDATE deck_cache SET outline = '{}'")
        assert library.deck_cards("a") == list(everything[1].cards)  # read from the files
        assert library.loaded


#: Filters on a card's own field (``sim``), a value a deck's cards share (``deck``), a decoded value
#: (``tags``, a tuple) and ids; and on ids alone.
FILTERS = {
    "fields and values": CardsWith(
        ("sim",), {"deck": frozenset({"b"}), "tags": frozenset({("t2",)}), "id": frozenset({"a-0"})}
    ),
    "ids": CardsWith(values={"id": frozenset({"a-1", "b-0", "pooling"})}),
}


def kept_by(name: str, card: Card) -> bool:
    """The filter ``FILTERS[name]``, written out."""
    if name == "ids":
        return card.id in ("a-1", "b-0", "pooling")
    return bool(card.sim) or card.deck == "b" or card.tags == ("t2",) or card.id == "a-0"


@pytest.mark.parametrize("name", FILTERS)
def test_some_cards_are_made_from_the_cache_without_the_others(decks: Decks, name: str) -> None:
    """``cards_where`` gives the cards of the whole library, or of one deck, that the filter keeps, as
    filtering the cards read from the files would, without loading the cached decks."""
    opened(decks)
    everything = decks.reference()[0]
    assert isinstance(everything, list)
    wanted = FILTERS[name]
    for deck_id in (None, *(deck.id for deck in everything)):
        expected = [
            card
            for deck in everything
            for card in deck.cards
            if (deck_id is None or card.deck == deck_id) and kept_by(name, card)
        ]
        assert [card for card in expected if wanted.keeps(card)] == expected
        assert any(card.sim for card in expected) or deck_id in ("a", "b") or name == "ids"
        with decks.open() as collection:
            library = collection.library
            assert isinstance(library, CachedLibrary)
            assert deck_cache.cards_where(library, wanted, deck_id) == expected
            assert not library.loaded
            assert library.cards and library.loaded
            assert deck_cache.cards_where(library, wanted, deck_id) == expected  # the same
    with decks.open() as collection:
        library = collection.library
        with sqlite3.connect(decks.db) as conn:  # another program replaces the cache meanwhile
            conn.execute("UPDATE deck_cache SET outline = '{}'")
        assert deck_cache.cards_where(library, wanted) == [
            card for deck in everything for card in deck.cards if kept_by(name, card)
        ]  # read from the files


@pytest.mark.parametrize(
    "change",
    ["content, same size and time", "content and size", "time only", "added", "removed", "renamed"],
)
def test_a_changed_deck_folder_is_read_again_and_an_unchanged_one_is_not(decks: Decks, change: str) -> None:
    opened(decks)
    path = decks.folder / "a.toml"
    text = path.read_text()
    if change == "content, same size and time":  # an edit within the same clock tick: only the hash tells
        decks.write("a.toml", text.replace("one?", "uno?"), mtime_ns=None)
        status = path.stat()
        opened(decks)  # stamped now, the file is "racy": hashed on every open
        decks.write("a.toml", text.replace("one?", "eins"), mtime_ns=status.st_mtime_ns)
        assert path.stat().st_size == status.st_size
    elif change == "content and size":
        decks.write("a.toml", text.replace("one?", "one, longer?"))
    elif change == "time only":  # touched: hashed, found unchanged, not read
        os.utime(path, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    elif change == "added":
        decks.write("c.toml", deck_text("c", ["Blorp five?"]))
    elif change == "removed":
        (decks.folder / "b.toml").unlink()
    else:
        (decks.folder / "b.toml").rename(decks.folder / "d.toml")
    read, hashed, found, cached = opened(decks)
    assert found == decks.reference()
    if change == "time only":
        assert (read, hashed, cached) == (0, 1, True)
        assert opened(decks)[:2] == (0, 0)  # stamped again: not even hashed next time
    else:  # a changed or added deck alone is read, in its place; a removed one's deck is left out
        assert read == {"removed": 0, "renamed": 1}.get(change, 1) and not cached
        assert opened(decks)[0] == 0  # and cached again


def cached_texts(decks: Decks) -> dict[str, str]:
    """Each cached deck's JSON text, by deck id."""
    with sqlite3.connect(decks.db) as conn:
        (payload,) = conn.execute("SELECT payload FROM deck_cache").fetchone()
    return {
        data["deck"][0]: json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        for data in json.loads(payload)
    }


ADDED_CARD = '\n[[cards]]\nid = "a-{n}"\nquestion = "Added {n}?"\nanswer = "An answer."\ntags = ["{tag}"]\n'


@pytest.mark.parametrize("tag", ["t1", "t1 and a sim"])
def test_a_deck_that_grew_is_cached_as_encoding_it_whole_caches_it(decks: Decks, tag: str) -> None:
    """Cards added to a deck file: the deck read again is cached from the text of the deck it grew from
    with the new cards' rows, exactly as encoding the whole deck writes it; a new card that does not
    share a value every card shared (a simulation) has the whole deck encoded."""
    opened(decks)
    path = decks.folder / "a.toml"
    added = ADDED_CARD.format(n=3, tag="t1") + ADDED_CARD.format(n=4, tag="t2")
    if tag != "t1":
        added += 'sim = "pooling"\n'
    decks.write("a.toml", path.read_text() + added, OLD_NS + 10**9)
    read, _hashed, found, cached = opened(decks)
    assert read == 1 and not cached and found == decks.reference()
    grown = next(deck for deck in found[0] if deck.id == "a")
    assert [card.id for card in grown.cards][-2:] == ["a-3", "a-4"]
    assert cached_texts(decks)["a"] == encode_deck(grown)
    assert opened(decks)[0] == 0 and opened(decks)[2] == decks.reference()


def test_a_grown_deck_is_encoded_from_its_text_only_when_its_new_cards_share_its_shared_values(
    decks: Decks,
) -> None:
    opened(decks)
    before = cached_texts(decks)
    [a, b] = [deck for deck in decks.reference()[0] if deck.id in ("a", "b")]  # type: ignore[attr-defined]
    extra = Card("a-9", "a", "Another?", "An answer.", tags=("t0",), position=3, source=a.cards[0].source)
    grown = dataclasses.replace(a, cards=(*a.cards, extra))
    assert encode_grown_deck(before["a"], grown, len(a.cards)) == encode_deck(grown)
    question = 'Ünïcode: why "σ(x)" \\ ]]},\n?'
    quoted = Card("a-10", "a", question, "An answer.", tags=("t0",), position=4, source=extra.source)
    twice = dataclasses.replace(a, cards=(*a.cards, extra, quoted))
    assert encode_grown_deck(before["a"], twice, len(a.cards)) == encode_deck(twice)
    # a text laid out otherwise (spaced, its keys in another order) is not spliced
    spaced = json.dumps(json.loads(before["a"]), indent=1)
    reordered = json.dumps(dict(reversed(json.loads(before["a"]).items())), separators=(",", ":"))
    assert encode_grown_deck(spaced, grown, len(a.cards)) is None
    assert encode_grown_deck(reordered, grown, len(a.cards)) is None
    # every value of deck b's one card is shared, its id too: a second card has another
    other = dataclasses.replace(b.cards[0], id="b-1", position=1)
    assert encode_grown_deck(before["b"], dataclasses.replace(b, cards=(*b.cards, other)), 1) is None


@pytest.mark.parametrize(
    "change",
    ["a card id of another deck", "a deck id of another deck", "a problem", "a problem fixed", "two decks"],
)
def test_a_changed_deck_read_alone_gives_what_reading_every_deck_gives(decks: Decks, change: str) -> None:
    decks.write("c.toml", deck_text("c", ["Blorp five?", "Snark six?"]))
    if change == "a problem fixed":
        decks.write("c.toml", deck_text("c", ["Blorp five?"]).replace('answer = "An answer."', "answer = 4"))
    opened(decks)
    text = (decks.folder / "c.toml").read_text()
    later = OLD_NS + 10**9  # a new modification time: some edits keep the size
    if change == "a card id of another deck":  # the loader keeps the first and reports the second
        decks.write("c.toml", text.replace('id = "c-1"', 'id = "a-0"'), later)
    elif change == "a deck id of another deck":
        decks.write("c.toml", text.replace('id = "c"', 'id = "b"'), later)
    elif change == "a problem":
        decks.write("c.toml", text.replace('answer = "An answer."', "answer = 4", 1))
    elif change == "a problem fixed":
        decks.write("c.toml", deck_text("c", ["Blorp five?", "Snark, fixed?"]))
    else:
        decks.write("c.toml", text.replace("Blorp five?", "Blorp, edited?"))
        decks.write(
            "a.toml", (decks.folder / "a.toml").read_text().replace("Zorblax one?", "Zorblax, edited?")
        )
    read, _hashed, found, cached = opened(decks)
    assert found == decks.reference() and not cached
    # Edited decks are read alone; a clash or a problem (found, or gone) reads every deck after it.
    assert read == (2 if change == "two decks" else 1 + 4)
    read, _hashed, again, cached = opened(decks)  # cached again: the kept decks' text copied over
    assert (read, cached) == (0, True) and again == decks.reference()


def test_the_size_of_the_deck_files_read_is_told(decks: Decks) -> None:
    """Every deck's files when every deck is read, the changed file's alone when it is read alone, and
    nothing when the cache holds them (the app says so when they are big: reading takes seconds)."""
    told: list[int] = []

    def open_telling() -> None:
        folders = [decks.folder]
        catalogs = {"sims": CATALOG, "problems": PROBLEMS}
        open_collection(decks.db, folders, user_dir=decks.user_dir, reading=told.append, **catalogs).close()

    open_telling()  # every deck read
    files = [*sorted(decks.folder.glob("*.toml")), *sorted(bundled_deck_dir().glob("*.toml"))]
    assert told == [sum(path.stat().st_size for path in files)]
    open_telling()  # from the cache
    assert len(told) == 1
    decks.write("a.toml", (decks.folder / "a.toml").read_text().replace("one?", "uno?"), mtime_ns=None)
    open_telling()  # one deck read again alone
    assert told[1:] == [(decks.folder / "a.toml").stat().st_size]


def test_the_first_deck_in_a_new_user_deck_folder_is_read_alone(decks: Decks) -> None:
    opened(decks)
    decks.user_dir.mkdir()
    (decks.user_dir / "mine.toml").write_text(deck_text("mine", ["Blorp five?"]), encoding="utf-8")
    read, _hashed, found, cached = opened(decks)
    assert found == decks.reference() and found[0][1].id == "mine" and not cached  # type: ignore[index]
    assert read == 1
    assert opened(decks)[0] == 0  # and cached again


@pytest.mark.parametrize(
    "change",
    [
        "added with a card id of another deck",
        "added with a problem",
        "removed, another deck with a problem",
        "removed, the deck whose id another took",
    ],
)
def test_a_deck_file_added_or_removed_gives_what_reading_every_deck_gives(decks: Decks, change: str) -> None:
    """An added deck file is read alone and a removed one's deck left out, unless only reading every deck
    tells what loads: a clash, or a problem (which the removed deck may have caused)."""
    if change.startswith("removed"):
        broken = deck_text("c", ["Blorp five?"])
        if change == "removed, the deck whose id another took":
            broken = broken.replace('id = "c"', 'id = "b"').replace('"c-0"', '"x-0"')
        else:
            broken = broken.replace('answer = "An answer."', "answer = 4")
        decks.write("c.toml", broken)
    opened(decks)
    if change == "added with a card id of another deck":
        decks.write("d.toml", deck_text("d", ["Blorp five?"]).replace('"d-0"', '"a-1"'))
    elif change == "added with a problem":
        decks.write("d.toml", deck_text("d", ["Blorp five?"]).replace('answer = "An answer."', "answer = 4"))
    else:
        (decks.folder / "b.toml").unlink()
    read, _hashed, found, cached = opened(decks)
    assert found == decks.reference() and not cached
    # the added deck read alone, then every deck (the bundled one too); or every deck left
    assert read == (1 + 4 if change.startswith("added") else 3)
    read, _hashed, again, cached = opened(decks)
    assert (read, cached) == (0, True) and again == decks.reference()


def as_written_in_full(collection: Collection) -> None:
    """Assert that the collection's text rows are those a full write of its library makes, and that its
    cards are at the deck positions (``ord``) the library gives them. The rows stay those of the full
    write, under the fingerprint they had."""
    store, conn = collection.store, collection.store.conn
    rows = conn.execute("SELECT * FROM card_text ORDER BY ord").fetchall()
    widths, fingerprint = store.get_meta("text_widths"), store.get_meta(TEXT_FINGERPRINT)
    placed = [(card.id, ord_) for ord_, card in placed_cards(collection.library)]
    assert conn.execute("SELECT card_id, ord FROM cards WHERE retired = 0 ORDER BY ord").fetchall() == placed
    assert fingerprint is not None
    store.write_text_index(text_rows_at(placed_cards(collection.library)), fingerprint)
    assert conn.execute("SELECT * FROM card_text ORDER BY ord").fetchall() == rows
    assert store.get_meta("text_widths") == widths


def held_rows_kept(collection: Collection, card_id: str) -> None:
    """Assert that ``card_id``'s row is the one the table held (marked "as held"), moved, not made again;
    then give it the card's question back."""
    conn = collection.store.conn
    (question,) = conn.execute("SELECT question FROM card_text WHERE card_id = ?", (card_id,)).fetchone()
    assert question == "as held"
    card = collection.library.card(card_id)
    conn.execute("UPDATE card_text SET question = ? WHERE card_id = ?", (card.question, card_id))


def hold_row(decks: Decks, card_id: str) -> None:
    """Mark ``card_id``'s text row, so that a row moved can be told from a row made again."""
    with sqlite3.connect(decks.db) as conn:
        conn.execute("UPDATE card_text SET question = 'as held' WHERE card_id = ?", (card_id,))


def test_a_deck_read_again_alone_moves_the_other_decks_text_rows(decks: Decks) -> None:
    opened(decks)
    hold_row(decks, "b-0")
    text = (decks.folder / "a.toml").read_text()
    decks.write("a.toml", text.replace("Zorblax one?", "Zorblax one, two and three?"))
    with decks.open() as collection:
        held_rows_kept(collection, "b-0")
        as_written_in_full(collection)


def test_a_deck_added_before_the_others_moves_their_text_rows(decks: Decks) -> None:
    opened(decks)
    hold_row(decks, "b-0")
    decks.write("0.toml", deck_text("zero", ["Blorp five?"]))  # loads before a.toml and b.toml
    with decks.open() as collection:
        held_rows_kept(collection, "b-0")
        as_written_in_full(collection)


def test_a_deck_kept_as_it_was_is_shifted_whole_to_its_new_rank(decks: Decks) -> None:
    """``moved_cards`` of libraries made of the same deck objects: a deck not read again keeps its cards
    at its new rank in one shift; only the other decks' cards are compared one by one."""
    for name in ("m", "n", "x", "z"):
        decks.write(f"{name}.toml", deck_text(name, [f"Card {name}?", f"More {name}?"]))
    loaded = {deck.id: deck for deck in load_library([decks.folder], decks.user_dir).decks}

    def library(*names: str) -> Library:
        return Library([loaded[name] for name in names])

    def shifts(moves: Moves) -> list[tuple[str, int]]:
        """Each shift as the deck it moves (found by its first place) and by how many ranks."""
        ranks = {rank: name for rank, name in enumerate(names_before)}
        return [(ranks[shift.first // STEP], shift.by // STEP) for shift in moves.shifts]

    names_before = ("a", "b", "z")
    moves = moved_cards(library("x", "a", "b", "z"), library(*names_before))  # one added before them
    assert [card.id for _ord, card in moves.placed] == ["x-0", "x-1"] and moves.left == []
    assert shifts(moves) == [("a", 1), ("b", 1), ("z", 1)]
    assert [shift.size for shift in moves.shifts] == [3, 1, 2]
    names_before = ("x", "a", "b", "z")
    moves = moved_cards(library("b", "z"), library(*names_before))  # two taken away before them
    assert moves.placed == [] and sorted(moves.left) == ["a-0", "a-1", "a-2", "x-0", "x-1"]
    assert shifts(moves) == [("b", -2), ("z", -2)]
    names_before = ("a", "b", "z")
    moves = moved_cards(library("b", "m", "n", "z"), library(*names_before))  # both ways
    assert [card.id for _ord, card in moves.placed] == ["m-0", "m-1", "n-0", "n-1"]
    assert sorted(moves.left) == ["a-0", "a-1", "a-2"] and shifts(moves) == [("b", -1), ("z", 1)]
    read_again = load_library([decks.folder], decks.user_dir).decks  # equal decks, other objects
    moves = moved_cards(Library(read_again), Library(list(loaded.values())))
    assert moves == Moves([], [], [])


def test_decks_added_or_taken_away_before_others_leave_the_rows_a_full_write_gives(decks: Decks) -> None:
    """Through the deck cache, as the app opens the collection: the decks kept are shifted, in both
    tables, and their rows are moved, not made again."""
    decks.write("z.toml", deck_text("z", ["Snark six?", "Glorp seven?"]))
    opened(decks)
    changes = [
        lambda: decks.write("0.toml", deck_text("zero", ["Blorp five?"])),  # a, b and z a rank on
        lambda: (decks.folder / "0.toml").unlink(),  # a, b and z a rank back
        lambda: [  # without a, and with c and d: b a rank back, z a rank on (through free places)
            (decks.folder / "a.toml").unlink(),
            *(decks.write(f"{name}.toml", deck_text(name, [f"Card {name}?"])) for name in ("c", "d")),
        ],
    ]
    for change in changes:
        hold_row(decks, "z-1")
        change()
        with decks.open() as collection:
            held_rows_kept(collection, "z-1")
            as_written_in_full(collection)
            assert collection.search("snark", NOW) == ["z-0"]


def test_an_edited_question_is_searched_at_once(decks: Decks) -> None:
    opened(decks)
    text = (decks.folder / "a.toml").read_text()
    decks.write("a.toml", text.replace("Quindle two?", "Zwei Würfel?"))
    with decks.open() as collection:
        assert collection.in_sync() and collection.search("würfel", NOW) == ["a-1"]
        assert collection.search("quindle", NOW) == []


def test_a_broken_deck_is_reported_from_the_cache_as_when_it_was_read(decks: Decks) -> None:
    decks.write("b.toml", deck_text("b", ["Frobnic four?"]).replace('answer = "An answer."', "answer = 4"))
    _read, _hashed, first, cached = opened(decks)
    assert not cached and "'answer' must be a non-empty string" in str(first[1])
    read, _hashed, again, cached = opened(decks)
    assert read == 0 and cached and again == first == decks.reference()
    decks.write("b.toml", deck_text("b", ["Frobnic four?"]))  # fixed
    _read, _hashed, fixed, _cached = opened(decks)
    assert fixed[1] == [] and fixed == decks.reference()


def test_a_cache_from_another_version_of_studyapp_is_ignored(decks: Decks) -> None:
    opened(decks)
    with sqlite3.connect(decks.db) as conn:
        (version,) = conn.execute("SELECT version FROM deck_cache").fetchone()
        assert version.startswith(deck_cache.__version__ + "|")
        older = "0.0.1" + version[len(deck_cache.__version__) :]
        conn.execute("UPDATE deck_cache SET version = ?", (older,))
    read, _hashed, found, cached = opened(decks)
    assert read == 3 and not cached and found == decks.reference()
    with sqlite3.connect(decks.db) as conn:
        assert conn.execute("SELECT version FROM deck_cache").fetchone() == (version,)
    assert opened(decks)[0] == 0


def test_a_cache_for_other_card_fields_is_ignored(decks: Decks) -> None:
    opened(decks)
    with sqlite3.connect(decks.db) as conn:
        (version,) = conn.execute("SELECT version FROM deck_cache").fetchone()
        assert schema_fingerprint() in version
        fewer = (
            version.replace("cloze:", "cloze_was:")
            if "cloze:" in version
            else version.replace("line:", "ln:")
        )
        assert fewer != version
        conn.execute("UPDATE deck_cache SET version = ?", (fewer,))
    read, _hashed, _found, cached = opened(decks)
    assert read == 3 and not cached


def read_only(decks: Decks) -> Collection:
    """The collection opened as ``open_collection`` opens one it cannot write: a read-only connection,
    the decks from the cache (or read), no reconciliation."""
    store = Store.open(decks.db, create=False, read_only=True)
    assert store.read_only
    catalogs = {"sims": CATALOG, "problems": PROBLEMS}
    opened = open_library(
        store, [decks.folder], decks.user_dir, catalogs, lambda lib: Fingerprints.of(lib).to_dict()
    )
    known = (opened.library, Fingerprints.from_dict(opened.summary))
    return Collection(store, opened.library, known=known, deck_cache=opened.cache)


def test_a_read_only_collection_uses_the_cache_but_never_writes_it(decks: Decks) -> None:
    opened(decks)
    read = deck_cache.files_read()
    with read_only(decks) as collection:
        assert isinstance(collection.library, CachedLibrary) and deck_cache.files_read() == read
    decks.write("c.toml", deck_text("c", ["Blorp five?"]))
    with sqlite3.connect(decks.db) as conn:
        before = conn.execute("SELECT files, outline FROM deck_cache").fetchone()
    with read_only(decks) as collection:
        assert [deck.id for deck in collection.library.decks][-1] == "c"
        assert collection.search("blorp", NOW) == []  # not reconciled: c's cards are not in the collection
    with sqlite3.connect(decks.db) as conn:
        assert conn.execute("SELECT files, outline FROM deck_cache").fetchone() == before


def test_a_search_on_a_collection_not_in_sync_falls_back_to_the_reference(decks: Decks) -> None:
    opened(decks)
    text = (decks.folder / "a.toml").read_text()
    decks.write("a.toml", text.replace("Quindle two?", "Zwei?"))
    with read_only(decks) as collection:  # the collection's text table still says "Quindle"
        assert not collection.in_sync()
        assert collection.search("zwei", NOW) == ["a-1"] and collection.search("quindle", NOW) == []


def test_every_field_of_the_bundled_cards_comes_back_from_the_cache() -> None:
    library = load_library(sims=CATALOG, problems=PROBLEMS)
    decks = decode_decks(encode_decks(library.decks))
    assert decks == library.decks
    cards = [card for deck in decks for card in deck.cards]
    original = [card for deck in library.decks for card in deck.cards]
    assert [vars(card) for card in cards] == [vars(card) for card in original]
    assert all(isinstance(card.tags, tuple) and isinstance(card.sim_params, dict) for card in cards)
    params = [card.sim_params for card in cards]
    assert len({id(p) for p in params}) == len(params)  # each card's own mapping, as each card made has


def encoded_a_card_at_a_time(deck: Deck) -> str:
    """``encode_deck``'s text made the plain way, a card at a time with the card codec: its oracle."""
    cards = codec(Card)
    rows = [cards.encode(card) for card in deck.cards]
    names = cards.names
    shared = {
        name: rows[0][i] for i, name in enumerate(names) if rows and all(row[i] == rows[0][i] for row in rows)
    }
    varying = [i for i, name in enumerate(names) if name not in shared]
    encoded = {
        "deck": codec(Deck, ("cards",)).encode(deck),
        "shared": shared,
        "varying": [names[i] for i in varying],
        "cards": [[row[i] for i in varying] for row in rows],
    }
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))


def test_a_deck_is_encoded_as_encoding_it_a_card_at_a_time_encodes_it() -> None:
    library = load_library(sims=CATALOG, problems=PROBLEMS)
    bundled = library.decks[0]
    mixed = dataclasses.replace(
        bundled,
        cards=tuple(
            dataclasses.replace(
                card,
                tags=("ü-tag", str(i)) if i % 2 else (),
                sim_params={"lr": 0.1 * i, "kind": "max", "sizes": [i, i + 1]} if i % 3 else {},
                source=Path(f"/decks/ü {i % 2}.toml") if i % 4 else None,
                line=7,  # shared by every card
                note="" if i % 5 else "Σ “quoted” note",
            )
            for i, card in enumerate(bundled.cards)
        ),
    )
    empty = dataclasses.replace(bundled, cards=())
    one = dataclasses.replace(bundled, cards=bundled.cards[:1])  # every value shared
    for deck in (*library.decks, mixed, empty, one):
        text = encode_deck(deck)
        assert text == encoded_a_card_at_a_time(deck)
        assert decode_deck(text) == deck
    assert json.loads(encode_deck(one))["varying"] == []
    assert json.loads(encode_deck(mixed))["shared"]["line"] == 7


def test_upgrading_a_version_4_collection_adds_the_cache_and_text_tables(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[:4])
    conn.execute("INSERT INTO meta (key, value) VALUES ('library_fingerprint', 'old')")
    conn.close()
    with open_collection(path, user_dir=tmp_path / "none") as collection:
        assert collection.store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        rows = collection.store.conn.execute("SELECT count(*) FROM card_text").fetchone()[0]
        assert rows == len(collection.library.cards) and collection.in_sync()
        assert collection.search("pooling", NOW)
    backups = list(tmp_path.glob("*v4*"))
    assert backups
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 4
    with open_collection(path, user_dir=tmp_path / "none") as again:
        assert isinstance(again.library, CachedLibrary)


def test_the_cache_holds_one_library(decks: Decks, tmp_path: Path) -> None:
    opened(decks)
    other = tmp_path / "other"
    other.mkdir()
    (other / "o.toml").write_text(deck_text("o", ["Snark six?"]), encoding="utf-8")
    with open_collection(decks.db, [other], user_dir=decks.user_dir, sims=CATALOG, problems=PROBLEMS):
        pass
    with sqlite3.connect(decks.db) as conn:
        keys = [json.loads(key)["sources"][-1] for (key,) in conn.execute("SELECT key FROM deck_cache")]
    assert keys == [str(other)]


def test_a_fifo_and_a_missing_folder_are_reported_from_the_cache_without_opening_them(tmp_path: Path) -> None:
    # In a child process with a time limit: opening the FIFO would wait for a writer for ever.
    folder, missing = tmp_path / "decks", tmp_path / "missing"
    folder.mkdir()
    os.mkfifo(folder / "pipe.toml")
    db = tmp_path / "c.sqlite3"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    command = [
        sys.executable,
        "-m",
        "studyapp",
        "--db",
        str(db),
        "--content",
        str(folder),
        "--content",
        str(missing),
    ]

    def review() -> str:
        result = subprocess.run(
            [*command, "review", "--plain"], input="q\n", capture_output=True, text=True, env=env, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert f"{folder / 'pipe.toml'}: is not a regular file" in result.stderr
        assert f"{missing}: no such file or folder" in result.stderr
        return result.stderr

    def cached() -> tuple[str, int]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT files, stamped_ns FROM deck_cache").fetchone()

    first = review()  # creates the collection: its decks are checked before, without the cache
    second = review()
    written = cached()
    assert written is not None
    assert first.replace(f"studyapp: created a new collection at {db}\n", "") == second == review()
    assert cached() == written  # used as it was, not read again and rewritten


def test_the_states_of_some_cards_are_those_of_the_full_listing(decks: Decks) -> None:
    with decks.open() as collection:
        session = collection.session()
        session.rate("a-1", 1, NOW)
        session.suspend("b-0")
        everything = collection.cards_with_state()
        wanted = ["b-0", "a-1", "mlp", "no-such-card"]
        some = collection.cards_with_state(ids=wanted)
        assert some == [row for row in everything if row["id"] in wanted]  # in deck order
        assert [row["id"] for row in some] == ["mlp", "a-1", "b-0"]


def test_a_study_session_reads_the_decks_of_the_cards_it_shows_alone(decks: Decks) -> None:
    opened(decks)
    everything = {card.id: card for deck in decks.reference()[0] for card in deck.cards}  # type: ignore[attr-defined]
    with decks.open() as collection:
        library = collection.library
        assert isinstance(library, CachedLibrary)
        session = collection.session(deck="b", tz=UTC)
        assert session.deck_counts(NOW)["b"].new == 1
        card = session.next_card(NOW)
        assert card is not None and card == everything["b-0"]
        assert session.card("a-0") == everything["a-0"]
        assert library.has_drills  # the bundled deck has drill cards
        assert not library.loaded  # the bundled deck was never read
        with pytest.raises(UserError, match="no card has the tag 'nope'"):
            collection.session(tag="nope")
        assert collection.session(tag="t1").next_card(NOW) == everything["a-1"]
        assert not library.loaded


def test_a_card_another_program_filed_under_another_deck_is_still_found(decks: Decks, tmp_path: Path) -> None:
    opened(decks)
    with decks.open() as collection:
        card = collection.library.cards[-3]  # a-1, in deck a as this program loaded it
        assert card.id == "a-1"
        other = Decks(tmp_path / "other", decks.db, decks.user_dir)
        other.folder.mkdir()
        other.write("a.toml", deck_text("a", ["Zorblax one?"]))
        other.write("b.toml", deck_text("b", ["Frobnic four?", "Quindle two?"]).replace('"b-1"', '"a-1"'))
        with other.open() as elsewhere:  # another program files a-1 under deck b
            assert elsewhere.store.card("a-1").deck_id == "b"  # type: ignore[union-attr]
        assert collection.session(tz=UTC).card("a-1") == card


def test_the_cache_knows_whether_a_card_is_a_drill_without_reading_the_cards(decks: Decks) -> None:
    for folder_only in (False, True):
        library = load_library([decks.folder], decks.user_dir, sims=CATALOG, problems=PROBLEMS)
        if folder_only:  # without the bundled deck, whose drill cards are the only ones
            library.decks = [deck for deck in library.decks if deck.id in {"a", "b"}]
        outline = deck_cache.Outline.of(library, {})
        again = deck_cache.Outline.from_json(outline.to_json())
        assert again.drills is outline.drills is library.has_drills is (not folder_only)


def per_sim(cards: Iterable[Card]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for card in cards:
        if card.sim is not None:
            counts[card.sim] = counts.get(card.sim, 0) + 1
    return counts


def test_the_cards_per_simulation_are_counted_in_sql_and_equal_a_count_over_the_cards(decks: Decks) -> None:
    decks.write(
        "s.toml", deck_text("s", ["Sim one?", "Sim two?"]).replace('tags = ["t1"]', 'sim = "pooling"')
    )
    opened(decks)
    with decks.open() as collection:
        reference = load_library([decks.folder], decks.user_dir, sims=CATALOG, problems=PROBLEMS)
        assert collection.in_sync() and collection.cards_per_sim() == per_sim(reference.cards)
        assert not collection.library.loaded  # type: ignore[attr-defined]
        decks.write("s.toml", deck_text("s", ["Sim one?"]))  # another program loads s without its sim
        decks.open().close()
        assert not collection.in_sync()  # counted over the cards this program loads
        assert collection.cards_per_sim() == per_sim(collection.library.cards) != per_sim(reference.cards)


def add_a_card(collection: Collection, decks: Decks, deck_id: str, question: str) -> None:
    """Add a card as the app does: written to its deck file, then taken by the collection."""
    from studyapp import authoring

    draft = authoring.CardDraft(question=question, answer="An answer.", tags=("t9",))
    saved = authoring.add_card(
        deck_id,
        draft,
        library=collection.library,
        sims=CATALOG,
        user_dir=decks.user_dir,
        extra_dirs=[decks.folder],
    )
    authoring.adopt(collection, saved.library)


@pytest.mark.parametrize("cached", [True, False])
def test_decks_written_by_this_program_are_cached_when_it_closes(decks: Decks, cached: bool) -> None:
    """Cards added (to a deck file and to a new one) are cached as the collection closes: the next start
    reads no deck file, and has what reading every deck gives."""
    if cached:
        opened(decks)  # else the collection opens on decks read and checked now
    with decks.open() as collection:
        add_a_card(collection, decks, "a", "Snorkel six?")
        add_a_card(collection, decks, "a", "Snorkel seven?")
        add_a_card(collection, decks, "new-deck", "Snorkel eight?")
    read, _hashed, found, from_cache = opened(decks)
    assert (read, from_cache) == (0, True)
    assert found == decks.reference()
    assert [card.question for card in found[0][-2].cards][-2:] == ["Snorkel six?", "Snorkel seven?"]  # type: ignore[index]


@pytest.mark.parametrize(
    "change", ["the file written", "another file", "another file removed", "a file added"]
)
def test_a_deck_file_another_program_changed_meanwhile_is_read_again_next_time(
    decks: Decks, change: str
) -> None:
    """A file changed after this program read it keeps its old stamp in the cache written at close, so
    the next start reads it again (and not the decks this program wrote and read)."""
    opened(decks)
    with decks.open() as collection:
        add_a_card(collection, decks, "a", "Snorkel six?")
        if change == "the file written":
            path = decks.folder / "a.toml"
            path.write_text(path.read_text(encoding="utf-8").replace("Zorblax one?", "Zorblax uno?"), "utf-8")
        elif change == "another file":
            decks.write("b.toml", deck_text("b", ["Frobnic four?", "Frobnic nine?"]), mtime_ns=None)
        elif change == "another file removed":
            (decks.folder / "b.toml").unlink()
        else:
            decks.write("c.toml", deck_text("c", ["Blorp five?"]), mtime_ns=None)
    _read, _hashed, found, from_cache = opened(decks)
    assert found == decks.reference() and not from_cache  # the change seen, not the cache taken as it is
    questions = [card.question for deck in found[0] for card in deck.cards]  # type: ignore[attr-defined]
    assert "Snorkel six?" in questions
    assert opened(decks)[0] == 0  # cached again


def test_a_reader_of_the_collection_never_writes_the_cache(decks: Decks) -> None:
    opened(decks)
    with decks.open() as collection:
        reader = collection.reader()
        add_a_card(collection, decks, "a", "Snorkel six?")
        reader.close()  # the reader's library is the one opened: nothing to write, and it may not
        assert reader.deck_cache is None
    assert opened(decks)[0] == 0


def test_a_card_looked_up_by_id_comes_back_as_the_whole_deck_makes_it(decks: Decks) -> None:
    """A study session looks each card up in its deck's cached text, making only that card: every card
    of the bundled deck (one with a single card too) equals the card decoding the whole deck gives."""
    library = load_library([decks.folder], sims=CATALOG, problems=PROBLEMS)
    for deck in library.decks:
        lookup = card_lookup(encode_deck(deck))
        assert [lookup(card.id) for card in deck.cards] == list(deck.cards)
        assert [vars(lookup(card.id)) for card in deck.cards] == [vars(card) for card in deck.cards]
        assert lookup("no-such-card") is None
    assert len(library.deck("b").cards) == 1
    opened(decks)
    with decks.open() as collection:
        cached = collection.library
        assert isinstance(cached, CachedLibrary)
        assert cached.deck_card_lookup("a")("a-2") == library.card("a-2")
        assert cached.deck_card_lookup("a")("b-0") is None
        assert not cached.loaded


def test_decks_read_from_the_cache_come_with_their_parts_of_the_fingerprints(decks: Decks) -> None:
    """The cache keeps each deck's parts of the fingerprints, so a deck read from it, and a deck cards
    were added to since, is not digested whole again; the fingerprints are those of equal decks made of
    other objects, digested whole."""
    opened(decks)
    with decks.open() as collection:
        library = collection.library
        assert isinstance(library, CachedLibrary)
        assert all(known_parts(deck) is not None for deck in library.decks)
        again = Library([copy.deepcopy(deck) for deck in library.decks], [])
        assert all(known_parts(deck) is None for deck in again.decks)
        assert Fingerprints.of(library) == Fingerprints.of(again)
        assert Fingerprints.from_dict(library.outline.summary) == Fingerprints.of(library)
        a = library.decks[0]
        extra = Card("a-9", "a", "Another?", "An answer.", tags=("t0",), position=3, source=a.cards[0].source)
        grown = Library([dataclasses.replace(a, cards=(*a.cards, extra)), *library.decks[1:]], [])
        assert Fingerprints.of(grown) == Fingerprints.of(copy.deepcopy(grown))


def test_a_start_whose_decks_come_from_the_cache_does_not_import_the_deck_reader(decks: Decks) -> None:
    """The reader, the TOML parser and the formula checks cost a start about 14 ms to import: a process
    that opens a collection whose decks are cached (and asks for the counts Home shows) imports none of
    them; one whose deck file changed does."""
    decks.open().close()  # the first open reads the decks and caches them
    watched = ("studyapp.deck_reader", "tomllib", "studyapp.math", "studyapp.cloze")
    code = f"""
import sys
from datetime import UTC, datetime
from pathlib import Path
from sim.registry import CATALOG
from studyapp.collection import open_collection
from studyapp.problems import PROBLEMS
with open_collection(
    Path({str(decks.db)!r}), [Path({str(decks.folder)!r})], user_dir=Path({str(decks.user_dir)!r}),
    sims=CATALOG, problems=PROBLEMS,
) as collection:
    collection.overview(datetime.now(UTC))
print(sorted(name for name in {watched!r} if name in sys.modules))
"""

    def imported() -> str:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert imported() == "[]"
    decks.write("b.toml", deck_text("b", ["Frobnic four?", "A fifth?"]))
    assert imported() == "['studyapp.cloze', 'studyapp.deck_reader', 'studyapp.math', 'tomllib']"
