"""``studyapp cards`` reads its table from SQL a page at a time (``Collection.card_listing``): the same
lines, at every width and with every filter, as the table made from the loaded decks, which it falls
back to when the collection's text is not the decks'."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.commands.cards import card_objects, table, table_lines
from studyapp.content import load_paths
from studyapp.model import StudyState
from studyapp.paths import bundled_deck_dir
from studyapp.scheduler import Scheduler
from studyapp.search import parse
from studyapp.store.search import Condition
from tests.core.test_open_faults import read_only_mount  # noqa: F401  (the fixture)
from tests.core.test_read_only_commands import studyapp

from .conftest import T0, Cli, write_decks

#: Words with accents, other scripts, punctuation and TOML's and the search syntax's special characters.
WORDS = ["naïve", "Straße", "ΣΔ", "日本語", "x*y", "f(x)", "a_b", '"quoted"', "back\\slash", "50%", "café"]
FORMULAS = [r"$\sigma(x) = \frac{1}{1 + e^{-x}}$", r"$\nabla_w L$", r"$x^2$", r"$$\sum_i w_i x_i$$"]
TAGS = ["zeta", "alpha", "mid-tag", "b2", "very-long-tag-name-for-the-column"]
SIMS = ["pooling", "mlp", "backprop"]


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def generated_decks(rng: random.Random, cards: int) -> dict[str, str]:
    """Two decks of awkward cards: unicode, punctuation, formulas, questions over several lines, tags
    not in order, some with a simulation."""
    decks = {}
    for deck_index, deck_id in enumerate(("gen-one", "gen-two")):
        lines = [f'[deck]\nid = "{deck_id}"\ntitle = "Generated {deck_index}"\n']
        for i in range(cards):
            words = rng.sample(WORDS, rng.randint(1, 5))
            if rng.random() < 0.4:
                words.insert(rng.randint(0, len(words)), rng.choice(FORMULAS))
            question = " ".join(words) + "?"
            if rng.random() < 0.2:
                question = question.replace(" ", "\n   ", 1)
            lines.append(
                f'[[cards]]\nid = "{deck_id}-{i:03d}"\nquestion = {toml_string(question)}\n'
                f"answer = {toml_string(' '.join(rng.sample(WORDS, 2)))}\n"
                f"tags = {json.dumps(rng.sample(TAGS, rng.randint(0, 3)))}\n"
                + (f'sim = "{rng.choice(SIMS)}"\n' if rng.random() < 0.3 else "")
            )
        decks[f"{deck_index}-{deck_id}.toml"] = "\n".join(lines)
    return decks


@pytest.fixture
def listed(tmp_path: Path) -> Iterator[Collection]:
    """The generated decks, some cards studied, suspended, buried and one a leech."""
    decks = write_decks(tmp_path / "decks", generated_decks(random.Random(7), 40))
    library = load_paths([decks])
    assert library.problems == []
    collection = open_collection(tmp_path / "collection.sqlite3", library=library)
    session = collection.session(scheduler=Scheduler(fuzz=False))
    ids = [card.id for card in library.cards]
    for offset, card_id in enumerate(ids[::5]):
        session.rate(card_id, 1 + offset % 4, T0 - timedelta(days=offset))
    for card_id in ids[1::9]:
        session.suspend(card_id)
    for card_id in ids[2::11]:
        session.bury(card_id, T0)
    when = T0 - timedelta(days=300)
    while not session.state(ids[3]).leech:
        session.rate(ids[3], 1 if session.state(ids[3]).state == StudyState.REVIEW else 3, when)
        when += timedelta(days=1)
    yield collection
    collection.close()


FILTERS = [
    (None, None, None),
    ("gen-two", None, None),
    (None, "alpha", None),
    (None, "leech", None),
    ("gen-one", "zeta", "-is:new"),
    (None, None, "naïve OR f(x)"),
    (None, None, "is:suspended"),
    (None, None, "is:buried"),
    (None, None, "sim:pooling"),
    (None, None, "nothing-matches-this"),
]


@pytest.mark.parametrize(("deck", "tag", "search"), FILTERS)
def test_the_table_from_sql_is_the_table_of_the_loaded_decks(
    listed: Collection, deck: str | None, tag: str | None, search: str | None
) -> None:
    query = parse(search) if search is not None else None
    listing = listed.card_listing(query, T0, deck=deck, tag=tag)
    assert listing is not None
    objects = card_objects(listed, query, T0, deck, tag)
    for width in (None, 30, 60, 80, 120, 250):
        head, body = table_lines(listing.widths(), listing.rows(), width)
        assert "\n".join([*head, *body]) == table(objects, T0, width), width
    assert [row[0] for row in listing.rows(page=3)] == [o["id"] for o in objects]


def test_the_table_shows_the_question_as_plain_text_and_the_tags_as_written(listed: Collection) -> None:
    listing = listed.card_listing(None, T0)
    assert listing is not None
    rows = {row[0]: row for row in listing.rows()}
    for card in listed.library.cards:
        row = rows[card.id]
        assert row[2] == ",".join(card.tags) and row[5] == (card.sim or "-")
        assert "$" not in row[6] and "\n" not in row[6]  # formulas as Unicode, on one line
    assert {row[3] for row in rows.values()} >= {"new", "suspended", "buried", "learning"}


def test_a_read_only_collection_whose_decks_changed_lists_the_decks(
    listed: Collection,
    tmp_path: Path,
    read_only_mount: Callable[[Path], tuple[str, ...]],  # noqa: F811
) -> None:
    """On a read-only mount the collection's text cannot be rewritten for decks that changed: the table
    comes from the loaded decks instead, and lists their cards."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "c.sqlite3"
    listed.store.conn.execute("VACUUM INTO ?", (str(db),))
    edited = write_decks(folder / "edited", generated_decks(random.Random(8), 30))
    result = studyapp("--db", str(db), "--content", str(edited), "cards", prefix=read_only_mount(folder))
    assert result.returncode == 0, result.stderr
    listed_ids = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    expected = load_paths([bundled_deck_dir(), edited]).cards
    assert listed_ids == [card.id for card in expected]
    assert "gen-one-035" in [card.id for card in listed.library.cards]  # in the stale text, not the decks
    assert "gen-one-035" not in listed_ids


def test_the_command_streams_the_same_table(listed: Collection, tmp_path: Path) -> None:
    cli = Cli(tmp_path / "decks", tmp_path / "home")
    result = cli.run(tmp_path / "collection.sqlite3", "cards", "--tag", "alpha")
    assert result.returncode == 0, result.stderr
    expected = table(card_objects(listed, None, T0, None, "alpha"), T0, None)
    # The states of buried cards depend on the time: compare the ids and questions.
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        line.split()[0] for line in expected.splitlines()
    ]


def widths_of_all(collection: Collection, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Every card's column widths as the listing finds them (from indexes) and as a condition that keeps
    every card measures them (reading each card)."""
    store, now_ms = collection.store, round(now.timestamp() * 1000)
    found = store.listing_widths(Condition("1", [], False), now_ms)
    return found, store.listing_widths(Condition("1 = 1", [], False), now_ms)


def test_the_widths_of_every_card_found_in_indexes_are_those_read_from_each_card(tmp_path: Path) -> None:
    """The state, due and deck columns of the whole listing are measured from indexes: the same widths
    as reading each card, whichever states the cards are in, with cards buried until a time before or
    after now, suspended cards with and without a due day, and a deck taken away (its cards retired)
    whose id was the longest."""
    decks = generated_decks(random.Random(3), 12)
    decks["2-a-deck-with-the-longest-id.toml"] = decks["1-gen-two.toml"].replace("gen-two", "gen-longest-id")
    folder = write_decks(tmp_path / "decks", decks)
    db = tmp_path / "collection.sqlite3"
    collection = open_collection(db, library=load_paths([folder]))
    session = collection.session(scheduler=Scheduler(fuzz=False))
    ids = [card.id for card in collection.library.cards]
    checked = 0

    def same(now: datetime) -> None:
        nonlocal checked
        found, read = widths_of_all(collection, now)
        assert found == read, now
        checked += 1

    same(T0)  # every card new
    for rating, card_id in zip((1, 3, 4), ids[1:4], strict=True):  # learning, then review
        session.rate(card_id, rating, T0)
    same(T0)
    later = T0 + timedelta(days=30)
    session.rate(ids[3], 1, later)  # a review card forgotten: relearning, the longest word
    same(later)
    buried_until = session.bury(ids[3], later)
    assert widths_of_all(collection, later)[0]["state"] == len("learning")  # the relearning card is buried
    same(later)
    same(buried_until + timedelta(minutes=1))  # the burying has ended
    session.suspend(ids[0])  # suspended, never studied: no due day
    same(later)
    session.suspend(ids[3])  # a suspended card with a due day
    same(later)
    for card_id in [*ids[1:3], *ids[4:]]:  # every card suspended: only suspended cards have a due day
        session.suspend(card_id)
    assert widths_of_all(collection, later)[0]["due"] == len("2025-04-02")
    same(later)
    collection.close()
    (folder / "2-a-deck-with-the-longest-id.toml").unlink()
    collection = open_collection(db, library=load_paths([folder]))
    found, read = widths_of_all(collection, later)
    assert found == read and found["deck"] == len("gen-two")
    collection.close()
    assert checked == 8
