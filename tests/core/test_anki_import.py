"""Importing Anki packages (.apkg/.colpkg, all three collection formats) and CSV/TSV files as new decks.

The packages are made here: with genanki (legacy schema), edited with sqlite3 to add review logs, and
by hand for the newer schema (``collection.anki21b``: tables, protobuf settings, zstd). Replayed
review histories are checked against ``fsrs.Scheduler`` run directly on the same log.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsrs
import genanki
import pytest
import zstandard

from sim.registry import CATALOG
from studyapp.anki.importer import Target, import_file
from studyapp.collection import open_collection
from studyapp.content import Library, load_library
from studyapp.errors import UserError
from studyapp.model import ReviewRecord, StudyState
from studyapp.store import Store

from .conftest import ROOT

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
DAY_MS = 86_400_000
START_MS = int(datetime(2025, 1, 6, 9, 0, tzinfo=UTC).timestamp() * 1000)

# -- building packages ---------------------------------------------------------------------------------


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_field(number: int, value: int | str | bytes) -> bytes:
    """One protobuf field, written independently of the reader under test."""
    if isinstance(value, int):
        return pb_varint(number << 3) + pb_varint(value)
    raw = value.encode() if isinstance(value, str) else value
    return pb_varint(number << 3 | 2) + pb_varint(len(raw)) + raw


def genanki_package(
    path: Path,
    notes: Sequence[genanki.Note],
    *,
    deck: str = "Biology",
    member: str = "collection.anki21",
    edit: Callable[[sqlite3.Connection], None] | None = None,
    media: dict[str, bytes] | None = None,
) -> Path:
    """An .apkg of genanki's notes: its collection (written by ``Package.write_to_db``, since
    ``write_to_file`` leaves a copy in the temporary folder) as ``member``, edited by ``edit``."""
    anki_deck = genanki.Deck(2059400110, deck)
    for note in notes:
        anki_deck.add_note(note)
    database = path.with_suffix(".anki2")
    conn = sqlite3.connect(database)
    genanki.Package(anki_deck).write_to_db(conn.cursor(), START_MS / 1000, itertools.count(START_MS))
    if edit is not None:
        edit(conn)
    conn.commit()
    conn.close()
    media = media or {}
    with zipfile.ZipFile(path, "w") as out:
        out.write(database, member)
        out.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))
        for index, data in enumerate(media.values()):
            out.writestr(str(index), data)
    database.unlink()
    return path


def card_ids(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM cards ORDER BY nid, ord")]


#: The ease factor Anki logs with an answer or a "set due date" (0 marks a reset to new, or a cram review).
FACTOR = 2500


def add_revlog(
    conn: sqlite3.Connection,
    card_id: int,
    entries: Sequence[tuple[int, ...]],
) -> None:
    """Review-log rows ``(time ms, ease, type)`` for ``card_id``, or ``(time ms, ease, type, factor)``."""
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "VALUES (?, ?, -1, ?, 0, 0, ?, ?, ?)",
        [
            (entry[0], card_id, entry[1], entry[3] if len(entry) > 3 else FACTOR, 4000 + i, entry[2])
            for i, entry in enumerate(entries)
        ],
    )


def set_scheduler_version(conn: sqlite3.Connection, version: int | None) -> None:
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf.pop("schedVer", None)
    if version is not None:
        conf["schedVer"] = version
    conn.execute("UPDATE col SET conf = ?", (json.dumps(conf),))


def basic(front: str, back: str, tags: Sequence[str] = ()) -> genanki.Note:
    return genanki.Note(genanki.BASIC_MODEL, [front, back], tags=list(tags))


MODERN_SCHEMA = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL,
  queue integer NOT NULL, due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL,
  reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL,
  time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (oid integer NOT NULL, type integer NOT NULL, usn integer NOT NULL);
CREATE TABLE deck_config (id integer PRIMARY KEY NOT NULL, name text NOT NULL, mtime_secs integer NOT NULL,
  usn integer NOT NULL, config blob NOT NULL);
CREATE TABLE config (KEY text NOT NULL PRIMARY KEY, usn integer NOT NULL, mtime_secs integer NOT NULL,
  val blob NOT NULL) WITHOUT ROWID;
CREATE TABLE fields (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL, config blob NOT NULL,
  PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
CREATE TABLE templates (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL,
  PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT NULL, mtime_secs integer NOT NULL,
  usn integer NOT NULL, config blob NOT NULL);
CREATE TABLE decks (id integer PRIMARY KEY NOT NULL, name text NOT NULL, mtime_secs integer NOT NULL,
  usn integer NOT NULL, common blob NOT NULL, kind blob NOT NULL);
CREATE TABLE tags (tag text NOT NULL PRIMARY KEY, usn integer NOT NULL, collapsed boolean NOT NULL,
  config blob NULL) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class ModernNote:
    notetype: int
    fields: tuple[str, ...]
    tags: str = ""
    #: ord and review log ``(time ms, ease, type)`` of each card.
    cards: tuple[tuple[int, tuple[tuple[int, int, int], ...]], ...] = ((0, ()),)


def modern_package(path: Path, notes: Sequence[ModernNote], media: dict[str, bytes]) -> Path:
    """A package of Anki's newer format: ``collection.anki21b`` (zstd), a ``meta`` saying version 3, a
    zstd protobuf media list and zstd media files, and a dummy ``collection.anki2`` for old clients."""
    database = path.with_suffix(".db")
    conn = sqlite3.connect(database)
    conn.executescript(MODERN_SCHEMA)
    conn.execute("INSERT INTO col VALUES (1, 0, 0, 0, 18, 0, 0, 0, '', '', '', '', '')")
    # note type 1: a basic type with a third field its back shows; note type 2: Cloze (config kind = 1)
    conn.execute("INSERT INTO notetypes VALUES (1, 'Vocabulary', 0, 0, ?)", (pb_field(3, ".card {}"),))
    conn.execute(
        "INSERT INTO notetypes VALUES (2, 'Lückentext', 0, 0, ?)", (pb_field(1, 1) + pb_field(3, ""),)
    )
    for ntid, names in ((1, ("Term", "Meaning", "Example")), (2, ("Text", "Back Extra"))):
        for order, name in enumerate(names):
            conn.execute("INSERT INTO fields VALUES (?, ?, ?, ?)", (ntid, order, name, pb_field(1, 0)))
    basic_back = "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{#Example}}{{Example}}{{/Example}}"
    templates = [
        (1, 0, "Recognition", pb_field(1, "{{Term}}") + pb_field(2, basic_back)),
        (2, 0, "Cloze", pb_field(1, "{{cloze:Text}}") + pb_field(2, "{{cloze:Text}}<br>{{Back Extra}}")),
    ]
    conn.executemany("INSERT INTO templates VALUES (?, ?, ?, 0, 0, ?)", templates)
    conn.execute("INSERT INTO decks VALUES (1, 'Default', 0, 0, x'', x'')")
    conn.execute("INSERT INTO decks VALUES (1700000000001, ?, 0, 0, x'', x'')", ("Languages\x1fGerman",))
    card_id = 1700000000100
    for index, note in enumerate(notes):
        note_id = 1700000000010 + index
        conn.execute(
            "INSERT INTO notes VALUES (?, ?, ?, 0, -1, ?, ?, '', 0, 0, '')",
            (note_id, f"guid{index}", note.notetype, note.tags, "\x1f".join(note.fields)),
        )
        for order, reviews in note.cards:
            card_id += 1
            conn.execute(
                "INSERT INTO cards VALUES (?, ?, 1700000000001, ?, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                "'')",
                (card_id, note_id, order),
            )
            add_revlog(conn, card_id, reviews)
    conn.commit()
    conn.close()
    entries = b"".join(
        pb_field(1, pb_field(1, name) + pb_field(2, len(data)) + pb_field(3, b"\x00" * 20))
        for name, data in media.items()
    )
    compress = zstandard.ZstdCompressor().compress
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("collection.anki2", b"an old client's dummy collection")
        out.writestr("collection.anki21b", compress(database.read_bytes()))
        out.writestr("meta", pb_field(1, 3))
        out.writestr("media", compress(entries))
        for index, data in enumerate(media.values()):
            out.writestr(str(index), compress(data))
    database.unlink()
    return path


# -- helpers -------------------------------------------------------------------------------------------


@dataclass
class Place:
    """A private deck folder and collection for one test."""

    user_dir: Path
    db: Path

    def library(self) -> Library:
        return load_library(user_dir=self.user_dir, sims=CATALOG)

    def target(self) -> Target:
        return Target(self.db, self.library(), user_dir=self.user_dir, sims=CATALOG)

    def bring_in(self, path: Path, **options: Any) -> Any:
        return import_file(path, self.target(), now=NOW, **options)

    def new_deck(self, deck_id: str) -> Any:
        return self.library().deck(deck_id)

    def reviews(self, card_id: str) -> list[ReviewRecord]:
        with Store.open(self.db, create=False, read_only=True) as store:
            return list(store.iter_reviews(card_id))

    def files(self) -> list[str]:
        return (
            sorted(str(p.relative_to(self.user_dir)) for p in self.user_dir.rglob("*"))
            if self.user_dir.exists()
            else []
        )


@pytest.fixture
def place(tmp_path: Path) -> Place:
    return Place(tmp_path / "decks", tmp_path / "data" / "collection.sqlite3")


def fsrs_replay(
    entries: Sequence[tuple[int, int]], parameters: Sequence[float] | None = None
) -> list[fsrs.Card]:
    """The oracle: fsrs's own scheduler, without fuzz, on ``(time ms, rating)`` pairs."""
    scheduler = (
        fsrs.Scheduler(tuple(parameters), enable_fuzzing=False)
        if parameters
        else fsrs.Scheduler(enable_fuzzing=False)
    )
    card, states = fsrs.Card(card_id=1), []
    for at, rating in entries:
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), datetime.fromtimestamp(at / 1000, UTC))
        states.append(card)
    return states


def assert_same_history(
    records: Sequence[ReviewRecord], oracle: Sequence[fsrs.Card], ratings: Sequence[int]
) -> None:
    assert [int(r.rating) for r in records] == list(ratings)
    assert len(records) == len(oracle)
    for record, expected in zip(records, oracle, strict=True):
        after = record.after
        assert after.state == StudyState(int(expected.state))
        assert after.step == expected.step
        assert after.stability == pytest.approx(expected.stability, rel=1e-12)
        assert after.difficulty == pytest.approx(expected.difficulty, rel=1e-12)
        assert after.due == expected.due
        assert after.last_review == expected.last_review


# -- note types ----------------------------------------------------------------------------------------


def test_basic_reversed_cloze_and_custom_note_types(place: Place, tmp_path: Path) -> None:
    custom = genanki.Model(
        1607392319,
        "Vocabulary (3 fields)",
        fields=[{"name": "Word"}, {"name": "Translation"}, {"name": "Example"}],
        templates=[
            {"name": "Both", "qfmt": "{{Word}} / {{Example}}", "afmt": "{{FrontSide}}<hr>{{Translation}}"}
        ],
    )
    notes = [
        basic(
            "What does <b>ReLU</b> output for x &lt; 0?", "<div>Zero.</div>", ["Deep_Learning::Activations"]
        ),
        genanki.Note(
            genanki.BASIC_AND_REVERSED_CARD_MODEL, ["Stride", "How far the kernel moves"], tags=["cnn"]
        ),
        genanki.Note(
            genanki.CLOZE_MODEL, ["{{c1::Max pooling}} keeps the {{c2::largest::size}} value", "a hint"]
        ),
        genanki.Note(custom, ["Hund", "dog", 'Der Hund bellt. [sound:hund.mp3] <img src="../evil.png">']),
    ]
    media = {"hund.mp3": b"ID3 a bark", "../evil.png": b"not for the deck folder"}
    package = genanki_package(tmp_path / "mixed.apkg", notes, media=media)
    outcome = place.bring_in(package)
    assert outcome.kinds == {"front/back": 2, "reverse": 1, "cloze": 2, "first two fields": 1}
    deck = place.new_deck("biology")
    assert deck.title == "Biology"
    cards = [(c.question, c.answer) for c in deck.cards]
    assert cards == [
        ("What does ReLU output for x < 0?", "Zero."),
        ("Stride", "How far the kernel moves"),
        ("How far the kernel moves", "Stride"),
        ("[…] keeps the largest value", "Max pooling"),
        ("Max pooling keeps the [size] value", "largest"),
        ("Hund", "dog"),
    ]
    assert deck.cards[0].tags == ("deep-learning-activations",)
    assert deck.cards[1].tags == deck.cards[2].tags == ("cnn",)
    cloze_text = "{{c1::Max pooling}} keeps the {{c2::largest::size}} value"
    assert [c.id for c in deck.cards[3:5]] == [
        "max-pooling-keeps-largest-value::c1",
        "max-pooling-keeps-largest-value::c2",
    ]
    assert deck.cards[3].cloze == deck.cards[4].cloze == cloze_text
    assert deck.cards[3].details == "a hint"
    assert deck.cards[5].details == (
        "**Example**\n\nDer Hund bellt. [sound: hund.mp3](biology-media/hund.mp3) "
        "![](biology-media/../evil.png)"
    )
    assert place.files() == ["biology-media", "biology-media/hund.mp3", "biology.toml"]
    assert (place.user_dir / "biology-media" / "hund.mp3").read_bytes() == b"ID3 a bark"
    assert (
        outcome.plan.source.left_out["media files with names that are not plain file names, not copied"] == 1
    )
    assert outcome.plan.source.notes == 4
    assert "tags renamed to lowercase letters, digits and dashes" in outcome.plan.source.left_out


def test_a_basic_type_with_an_optional_reverse_and_an_unused_template(place: Place, tmp_path: Path) -> None:
    optional = genanki.Model(
        1607392320,
        "Basic (optional reversed card)",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Add Reverse"}],
        templates=[
            {"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"},
            {
                "name": "Card 2",
                "qfmt": "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
                "afmt": "{{FrontSide}}<hr>{{Front}}",
            },
        ],
    )
    notes = [
        genanki.Note(optional, ["Kernel", "A small weight grid", "y"]),
        genanki.Note(optional, ["Bias", "An offset", ""]),
    ]
    place.bring_in(genanki_package(tmp_path / "optional.apkg", notes))
    cards = [(c.question, c.answer, c.details) for c in place.new_deck("biology").cards]
    assert cards == [
        ("Kernel", "A small weight grid", "**Add Reverse**\n\ny"),
        ("A small weight grid", "Kernel", "**Add Reverse**\n\ny"),
        ("Bias", "An offset", ""),
    ]


# -- review history ------------------------------------------------------------------------------------


def test_the_review_log_is_replayed_through_fsrs(place: Place, tmp_path: Path) -> None:
    entries = [(START_MS, 1, 0), (START_MS + 600_000, 3, 0), (START_MS + 2 * DAY_MS, 3, 1)]
    entries += [
        (START_MS + 2 * DAY_MS + 5, 0, 4),
        (START_MS + 9 * DAY_MS, 2, 1),
        (START_MS + 30 * DAY_MS, 1, 1),
    ]
    entries += [
        (START_MS + 30 * DAY_MS + 900_000, 3, 2),
        (START_MS + 31 * DAY_MS, 4, 5),
        (START_MS + 40 * DAY_MS, 4, 1),
    ]
    other = [(START_MS + 3 * DAY_MS, 3, 0)]

    def edit(conn: sqlite3.Connection) -> None:
        first, second = card_ids(conn)
        add_revlog(conn, first, entries)
        add_revlog(conn, second, other)
        add_revlog(conn, 999, [(START_MS + 1, 3, 0)])  # a card that is not in the file
        set_scheduler_version(conn, 2)

    notes = [basic("Q one", "A one"), basic("Q two", "A two")]
    outcome = place.bring_in(genanki_package(tmp_path / "history.apkg", notes, edit=edit))
    answers = [(at, ease) for at, ease, kind in entries if kind < 4 and ease]
    first, second = (card.id for card in place.new_deck("biology").cards)
    assert_same_history(place.reviews(first), fsrs_replay(answers), [ease for _, ease in answers])
    assert_same_history(place.reviews(second), fsrs_replay([(other[0][0], 3)]), [3])
    assert outcome.reviews == len(answers) + 1
    left_out = outcome.plan.source.left_out
    assert left_out["review-log entries that are manual changes or reschedulings, not answers"] == 2
    assert left_out["reviews of cards that are not in the file"] == 1
    with open_collection(place.db, library=place.library()) as collection:
        record = collection.card_record(first)
        assert record is not None
        assert record.state.reps == len(answers) and record.state.lapses == 1
        assert [r.duration_ms for r in place.reviews(first)] == [
            4000 + i for i, e in enumerate(entries) if e[2] < 4 and e[1]
        ]


def test_the_replay_uses_the_collections_fitted_parameters(place: Place, tmp_path: Path) -> None:
    fitted = [
        round(value * 1.1, 4) if index < 4 else value
        for index, value in enumerate(fsrs.Scheduler().parameters)
    ]
    with open_collection(place.db, library=place.library()) as collection:
        collection.set_setting("fsrs_parameters", fitted)
    entries = [
        (START_MS, 3, 0),
        (START_MS + DAY_MS, 3, 1),
        (START_MS + 5 * DAY_MS, 1, 1),
        (START_MS + 6 * DAY_MS, 3, 2),
    ]
    package = genanki_package(
        tmp_path / "fitted.apkg",
        [basic("Q", "A")],
        edit=lambda conn: add_revlog(conn, card_ids(conn)[0], entries),
    )
    place.bring_in(package)
    (card,) = place.new_deck("biology").cards
    answers = [(at, ease) for at, ease, _ in entries]
    oracle = fsrs_replay(answers, fitted)
    assert_same_history(place.reviews(card.id), oracle, [ease for _, ease in answers])
    assert (
        oracle[-1].stability != fsrs_replay(answers)[-1].stability
    )  # the fitted parameters made a difference


def test_a_first_scheduler_package_reads_learning_answers_as_three_buttons(
    place: Place, tmp_path: Path
) -> None:
    entries = [
        (START_MS, 2, 0),
        (START_MS + 600_000, 3, 0),
        (START_MS + 4 * DAY_MS, 4, 1),
        (START_MS + 20 * DAY_MS, 1, 1),
    ]
    entries += [(START_MS + 20 * DAY_MS + 600_000, 2, 2)]

    def edit(conn: sqlite3.Connection) -> None:
        add_revlog(conn, card_ids(conn)[0], entries)
        set_scheduler_version(conn, None)  # no schedVer: Anki's first scheduler

    package = genanki_package(tmp_path / "old.apkg", [basic("Q", "A")], member="collection.anki2", edit=edit)
    place.bring_in(package)
    ratings = [3, 4, 4, 1, 3]  # learning and relearning: 1 Again, 2 Good, 3 Easy; reviews: 1-4 as they are
    answers = [(at, rating) for (at, _, _), rating in zip(entries, ratings, strict=True)]
    (card,) = place.new_deck("biology").cards
    assert_same_history(place.reviews(card.id), fsrs_replay(answers), ratings)


def test_anki21b_modern_schema_with_zstd_protobuf_and_media(place: Place, tmp_path: Path) -> None:
    picture = b"\x89PNG\r\n\x1a\n a picture"
    history = ((START_MS, 3, 0), (START_MS + 2 * DAY_MS, 4, 1))
    second = ((START_MS + 5, 1, 0), (START_MS + 700_000, 3, 0))
    stale = ((START_MS + 10, 3, 0),)  # the card of a deletion {{c3::…}} that is no longer in the text
    notes = [
        ModernNote(
            1, ("Hund", 'dog <img src="dog pic.png">', "Der <i>Hund</i> bellt."), "animals", ((0, history),)
        ),
        ModernNote(
            2,
            ("{{c1::Berlin}} is the capital of {{c2::Germany}}", ""),
            "",
            ((0, ()), (1, second), (2, stale)),
        ),
        ModernNote(1, ("", "no front", ""), "", ((0, ()),)),
    ]
    package = modern_package(
        tmp_path / "german.apkg", notes, {"dog pic.png": picture, "unused.mp3": b"sound"}
    )
    dry = place.bring_in(package, dry_run=True)
    assert dry.plan.deck_id == "languages-german" and place.files() == [] and not place.db.exists()
    outcome = place.bring_in(package)
    deck = place.new_deck("languages-german")
    assert deck.title == "Languages::German"
    cards = [(c.question, c.answer) for c in deck.cards]
    assert cards == [
        ("Hund", "dog ![](languages-german-media/dog%20pic.png)"),
        ("[…] is the capital of Germany", "Berlin"),
        ("Berlin is the capital of […]", "Germany"),
    ]
    assert deck.cards[0].details == "**Example**\n\nDer *Hund* bellt."
    assert (place.user_dir / "languages-german-media" / "dog pic.png").read_bytes() == picture
    assert place.files() == [
        "languages-german-media",
        "languages-german-media/dog pic.png",
        "languages-german.toml",
    ]
    left_out = outcome.plan.source.left_out
    assert left_out["cards with an empty question or answer"] == 1
    assert left_out["media files in the file that no imported note uses"] == 1
    assert_same_history(place.reviews(deck.cards[0].id), fsrs_replay([(a, e) for a, e, _ in history]), [3, 4])
    assert deck.cards[2].id.endswith("::c2") and place.reviews(deck.cards[1].id) == []
    assert_same_history(place.reviews(deck.cards[2].id), fsrs_replay([(a, e) for a, e, _ in second]), [1, 3])
    assert left_out["cards of cloze numbers no longer in their note's text"] == 1
    assert left_out["reviews of cards that were not imported"] == 1


def test_unreadable_formulas_stay_text_and_unreadable_clozes_are_left_out(
    place: Place, tmp_path: Path
) -> None:
    notes = [
        basic(r"What is \(\frac{1}{2}\) of $4?", r"\(\unknowncommand x\) costs $2"),
        genanki.Note(genanki.CLOZE_MODEL, ["{{c1::outer {{c2::inner}} text}}", ""]),
        genanki.Note(genanki.CLOZE_MODEL, [r"\(\sigma(x) = {{c1::\frac{1}{1+e^{-x} } }}\)", ""]),
    ]
    outcome = place.bring_in(genanki_package(tmp_path / "formulas.apkg", notes))
    deck = place.new_deck("biology")
    first, cloze = deck.cards
    assert (first.question, first.answer) == (
        r"What is $\frac{1}{2}$ of \$4?",
        r"\(\unknowncommand x\) costs \$2",
    )
    assert cloze.cloze == r"$\sigma(x) = {{c1::\frac{1}{1+e^{-x} }}}$"  # Anki's space before }} goes
    left_out = outcome.plan.source.left_out
    assert left_out["formulas studyapp cannot draw, kept as written"] == 1
    assert left_out["cards of cloze notes whose deletions studyapp cannot read (nested or malformed)"] == 1


def test_a_colpkg_with_a_legacy_collection_and_subdecks(place: Place, tmp_path: Path) -> None:
    def edit(conn: sqlite3.Connection) -> None:
        decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
        decks["77"] = {"id": 77, "name": "Science::Chemistry"}
        conn.execute("UPDATE col SET decks = ?", (json.dumps(decks),))
        conn.execute("UPDATE cards SET did = 77 WHERE id = ?", (card_ids(conn)[1],))

    package = genanki_package(
        tmp_path / "all.colpkg",
        [basic("H2O?", "Water"), basic("NaCl?", "Salt")],
        deck="Science::Physics",
        edit=edit,
    )
    place.bring_in(package, deck_id="science")
    deck = place.new_deck("science")
    assert deck.title == "Science"
    assert [c.tags for c in deck.cards] == [("deck-physics",), ("deck-chemistry",)]


# -- the round trip ------------------------------------------------------------------------------------


def test_round_trip_of_the_bundled_deck(place: Place, tmp_path: Path) -> None:
    from studyapp.anki.export import export_apkg

    bundled = place.library().deck("deep-learning")
    target = tmp_path / "bundled.apkg"
    export_apkg([bundled], target, answers=None, now=NOW)
    outcome = place.bring_in(target)
    again = place.new_deck(outcome.plan.deck_id)
    assert again.title == bundled.title
    assert [c.question for c in again.cards] == [c.question for c in bundled.cards]
    assert [c.answer for c in again.cards] == [c.answer for c in bundled.cards]
    assert [c.tags for c in again.cards] == [c.tags for c in bundled.cards]
    assert not {c.id for c in again.cards} & {c.id for c in bundled.cards}
    for original, imported in zip(bundled.cards, again.cards, strict=True):
        assert words(imported.details).startswith(words(original.details))
        assert (imported.cloze, imported.cloze_number) == (original.cloze, original.cloze_number)


def words(markdown: str) -> str:
    """Markdown with its blank lines and line breaks as single spaces."""
    return re.sub(r"\s+", " ", markdown).strip()


# -- CSV and TSV ---------------------------------------------------------------------------------------


def test_csv_and_tsv_files_become_decks(place: Place, tmp_path: Path) -> None:
    csv_file = tmp_path / "my_cnn-cards.csv"
    csv_file.write_text(
        'Question,Answer,Tags\n"What does a 1x1 conv do?","Mixes channels, per pixel",cnn conv\n\n'
        '"Two lines?","First\nsecond",\n',
        encoding="utf-8",
    )
    tsv_file = tmp_path / "words.tsv"
    tsv_file.write_text("answer\tquestion\nGradient\tWhat points uphill?\n", encoding="utf-8")
    place.bring_in(csv_file)
    place.bring_in(tsv_file)
    deck = place.new_deck("my-cnn-cards")
    assert deck.title == "My cnn cards"
    assert [(c.question, c.answer, c.tags) for c in deck.cards] == [
        ("What does a 1x1 conv do?", "Mixes channels, per pixel", ("cnn", "conv")),
        ("Two lines?", "First\nsecond", ()),
    ]
    assert [(c.question, c.answer) for c in place.new_deck("words").cards] == [
        ("What points uphill?", "Gradient")
    ]


# -- refusals and bad files ----------------------------------------------------------------------------


def test_an_import_never_overwrites_a_deck(place: Place, tmp_path: Path) -> None:
    package = genanki_package(tmp_path / "again.apkg", [basic("Q", "A")])
    place.bring_in(package)
    before = (place.user_dir / "biology.toml").read_bytes()
    with pytest.raises(UserError, match=r"biology\.toml already exists .* --deck ID"):
        place.bring_in(package)
    with pytest.raises(UserError, match="already used by a deck"):
        place.bring_in(package, deck_id="deep-learning")
    with pytest.raises(UserError, match="lowercase letters") as bad:
        place.bring_in(package, deck_id="Bad Id")
    assert bad.value.status == 2
    assert (place.user_dir / "biology.toml").read_bytes() == before
    place.bring_in(package, deck_id="biology-2")
    first, second = (place.new_deck(d).cards[0].id for d in ("biology", "biology-2"))
    assert first != second


def test_card_ids_never_take_a_retired_cards_history(place: Place, tmp_path: Path) -> None:
    history = [(START_MS, 3, 0)]
    package = genanki_package(
        tmp_path / "h.apkg",
        [basic("Q one", "A")],
        edit=lambda conn: add_revlog(conn, card_ids(conn)[0], history),
    )
    place.bring_in(package)
    old_id = place.new_deck("biology").cards[0].id
    (place.user_dir / "biology.toml").unlink()
    with open_collection(place.db, library=place.library()):
        pass  # the card is retired, with its history
    place.bring_in(package)
    new_id = place.new_deck("biology").cards[0].id
    assert new_id != old_id
    assert len(place.reviews(old_id)) == 1 and len(place.reviews(new_id)) == 1


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    not_zip = tmp_path / "notes.apkg"
    not_zip.write_text("hello", encoding="utf-8")
    empty_zip = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty_zip, "w") as out:
        out.writestr("readme.txt", "no collection")
    corrupt = tmp_path / "corrupt.colpkg"
    with zipfile.ZipFile(corrupt, "w") as out:
        out.writestr("collection.anki21", b"SQLite format 3\x00" + b"\x07" * 3000)
    not_anki = tmp_path / "other.apkg"
    other_db = tmp_path / "other.db"
    sqlite3.connect(other_db).execute("CREATE TABLE t (x)").connection.commit()
    with zipfile.ZipFile(not_anki, "w") as out:
        out.write(other_db, "collection.anki2")
    bad_zstd = tmp_path / "modern.apkg"
    with zipfile.ZipFile(bad_zstd, "w") as out:
        out.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd not really zstd")
    no_header = tmp_path / "plain.csv"
    no_header.write_text("What is ReLU?,max(0 x)\n", encoding="utf-8")
    extra_column = tmp_path / "extra.csv"
    extra_column.write_text("question,answer,notes\nQ,A,N\n", encoding="utf-8")
    empty_answer = tmp_path / "holes.tsv"
    empty_answer.write_text("question\tanswer\nQ\t\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("question,answer\nMüller,x\n".encode("latin-1"))
    return {
        "not a zip": (not_zip, "not a zip file"),
        "zip without a collection": (empty_zip, "holds no collection"),
        "corrupt SQLite": (corrupt, "damaged Anki collection"),
        "SQLite that is not Anki's": (not_anki, "no cards, col, notes, revlog table|has no col"),
        "damaged zstd": (bad_zstd, "is damaged: collection.anki21b cannot be read"),
        "CSV without the header": (no_header, "first row must be a header"),
        "CSV with an unknown column": (extra_column, "unknown column 'notes'"),
        "TSV with an empty answer": (empty_answer, r"holes\.tsv:2: the answer is empty"),
        "CSV not in UTF-8": (latin, "not UTF-8"),
        "a missing file": (tmp_path / "missing.apkg", "does not exist"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not a zip",
        "zip without a collection",
        "corrupt SQLite",
        "SQLite that is not Anki's",
        "damaged zstd",
        "CSV without the header",
        "CSV with an unknown column",
        "TSV with an empty answer",
        "CSV not in UTF-8",
        "a missing file",
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(place: Place, tmp_path: Path, case: str) -> None:
    path, message = bad_files(tmp_path)[case]
    with pytest.raises(UserError, match=message) as refused:
        place.bring_in(path)
    assert refused.value.status == 1
    assert place.files() == [] and not place.db.exists()


# -- the command line ----------------------------------------------------------------------------------


def run(cli: Any, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = cli.run(db, *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_command_line_dry_run_then_import(cli: Any, tmp_path: Path) -> None:
    entries = [(START_MS, 3, 0), (START_MS + DAY_MS, 3, 1)]
    package = genanki_package(
        tmp_path / "cli.apkg",
        [basic("Q one", "A one"), basic("Q two", "A two")],
        edit=lambda c: add_revlog(c, card_ids(c)[0], entries),
    )
    db = tmp_path / "cli.sqlite3"
    decks = cli.home / "data" / "studyapp" / "decks"
    dry = run(cli, db, "import", str(package), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would write the deck 'biology'" in dry.stdout
    assert "notes: 2, cards: 2 (2 front/back), reviews: 2 to replay with FSRS" in dry.stdout
    assert "dry run: nothing was written" in dry.stdout
    assert not db.exists() and not decks.exists()
    real = run(cli, db, "import", str(package))
    assert real.returncode == 0, real.stderr
    assert f"wrote the deck 'biology' (\"Biology\") to {decks / 'biology.toml'}" in real.stdout
    cards = json.loads(run(cli, db, "cards", "--deck", "biology", "--json").stdout)
    assert [(c["id"], c["reps"], c["state"]) for c in cards] == [("q-one", 2, "review"), ("q-two", 0, "new")]
    again = run(cli, db, "import", str(package))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_the_command_line_refuses_bad_files_and_options(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    not_zip = tmp_path / "broken.apkg"
    not_zip.write_bytes(b"PK\x03\x04 truncated")
    result = run(cli, db, "import", str(not_zip))
    assert result.returncode == 1 and "not a zip file" in result.stderr
    no_header = tmp_path / "cards.csv"
    no_header.write_text("a,b\n", encoding="utf-8")
    result = run(cli, db, "import", str(no_header))
    assert result.returncode == 1 and "first row must be a header" in result.stderr
    for args, message in [
        (("import", str(no_header), "--merge"), "--merge, --yes and --json"),
        (("import", str(tmp_path / "x.json"), "--deck", "mine"), "--deck is for a new deck"),
        (("import", str(no_header), "--deck", "Not A Slug"), "lowercase letters"),
    ]:
        refused = run(cli, db, *args)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
    assert not db.exists() and not (cli.home / "data" / "studyapp" / "decks").exists()


def test_json_imports_still_restore_an_export(cli: Any, tmp_path: Path) -> None:
    db, copy = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    run(cli, db, "review", "--plain", "--deck", "core-basics")
    exported = run(cli, db, "export", str(tmp_path / "backup.json"))
    assert exported.returncode == 0, exported.stderr
    restored = run(cli, copy, "import", str(tmp_path / "backup.json"))
    assert restored.returncode == 0 and "imported" in restored.stdout, restored.stderr


def test_help_lists_the_new_formats() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "import", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert ".apkg" in result.stdout and "--dry-run" in result.stdout and "--deck ID" in result.stdout
