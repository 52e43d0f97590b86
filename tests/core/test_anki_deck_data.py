"""The new deck without reading its file again: its data against ``tomllib`` reading its text, the deck
checked from that data against the deck read from the file, the decks with it against loading every
deck again, and the deck cache an import leaves against the decks read from the files.
"""

from __future__ import annotations

import os
import random
import tomllib
from pathlib import Path

from sim.registry import CATALOG
from studyapp import deck_cache
from studyapp.anki.cached import cached_decks, stamp_decks
from studyapp.anki.deck_file import deck_document, deck_text
from studyapp.anki.importer import Target, import_file
from studyapp.anki.source import CardKind, NewCard
from studyapp.collection import open_collection
from studyapp.content import Library, deck_sources, load_library, with_deck
from studyapp.deck_cache import CachedLibrary
from studyapp.deck_reader import read_deck, read_deck_data
from studyapp.model import Deck
from studyapp.problems import PROBLEMS

from .test_anki_history import awkward_cards, generated_deck
from .test_anki_import import NOW, Place, basic, genanki_package, place

__all__ = ["place"]  # the fixture, shared with the other Anki import tests


def test_the_deck_data_is_what_toml_reads_from_its_text(tmp_path: Path) -> None:
    plan = generated_deck(awkward_cards(random.Random(41), 400), tmp_path)
    document = deck_document(plan, NOW)
    assert document.text == deck_text(plan, NOW)
    assert document.data == tomllib.loads(document.text)


def test_the_deck_checked_from_its_data_is_the_deck_read_from_its_file(tmp_path: Path) -> None:
    """The same cards (ids, fields, lines) or, for a deck the loader refuses in part, the same problems at
    the same lines and columns."""
    rng = random.Random(43)
    cards = [card for card in awkward_cards(rng, 300) if "\x01" not in card.question + card.text]
    refused = [
        NewCard(CardKind.FRONT_BACK, "What is $\\frac{1}{$ here?", "broken"),
        NewCard(CardKind.CLOZE, text="A {{c1::nested {{c2::cloze}}}}"),
    ]
    for index, extra in enumerate(([], refused)):
        plan = generated_deck(cards[: 150 + index] + extra, tmp_path)
        document = deck_document(plan, NOW)
        path = tmp_path / f"generated-{index}.toml"
        path.write_text(document.text, encoding="utf-8", newline="")
        from_data = read_deck_data(path, document.text, document.data, sims=CATALOG)
        from_file = read_deck(path, sims=CATALOG)
        assert from_data == from_file
        deck, problems = from_data
        if extra:
            assert deck is None and {problem.card for problem in problems} == set(plan.entry_ids[-2:])
            assert all(problem.line > 0 for problem in problems)
        else:
            assert deck is not None and not problems and len(deck.cards) >= 150
            lines = [card.line for card in deck.cards]
            assert lines == sorted(lines) and lines[0] > 1


def deck_file(folder: Path, name: str, deck_id: str, questions: list[str], first: str = "") -> Path:
    """A deck file of cards ``DECK-0``, ``DECK-1``... (the first one ``first`` when given)."""
    ids = [first or f"{deck_id}-0", *(f"{deck_id}-{n}" for n in range(1, len(questions)))]
    pairs = zip(ids, questions, strict=True)
    cards = "".join(f'\n[[cards]]\nid = "{i}"\nquestion = "{q}"\nanswer = "A."\n' for i, q in pairs)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f'[deck]\nid = "{deck_id}"\ntitle = "{deck_id}"\n{cards}', encoding="utf-8")
    return path


def read(path: Path) -> Deck:
    deck, problems = read_deck(path, sims=CATALOG)
    assert deck is not None and not problems
    return deck


def test_a_deck_put_in_its_place_is_what_loading_every_deck_gives(tmp_path: Path) -> None:
    user, extra = tmp_path / "decks", tmp_path / "extra"
    deck_file(user, "a.toml", "a", ["One?"])
    deck_file(user, "c.toml", "c", ["Three?"])
    deck_file(extra, "x.toml", "x", ["Ten?"])
    (user / "broken.toml").write_text("[deck\n", encoding="utf-8")
    before = load_library([extra], user, sims=CATALOG)
    path = deck_file(user, "b.toml", "b", ["Two?", "Two and a half?"])
    sources = deck_sources([extra], user)
    deck = read(path)
    placed = with_deck(before, deck, sources)
    assert placed == load_library([extra], user, sims=CATALOG)
    aside = path.rename(path.with_name(".b.toml.importing"))  # as an import has it until its commit
    assert with_deck(before, deck, sources) == placed  # in the place its file is about to be put in
    aside.rename(path)
    assert placed is not None and [d.id for d in placed.decks][-4:] == ["a", "b", "c", "x"]
    assert placed.problems and placed.problems == before.problems  # the broken file, still reported
    # a loaded deck with the deck's id, or one of its cards' ids: only loading every deck tells
    assert with_deck(placed, read(deck_file(user, "d.toml", "c", ["Four?"])), sources) is None
    assert with_deck(placed, read(deck_file(user, "d.toml", "d", ["Four?"], first="a-0")), sources) is None
    assert with_deck(placed, read(deck_file(user, "d.toml", "d", ["Four?"])), sources) is not None


# -- the deck cache an import leaves ---------------------------------------------------------------------


def stamped_target(place: Place) -> Target:
    """The target the command line makes: the deck files stamped before the decks are read with the
    simulations and problems every command checks them with."""
    stamps = stamp_decks(user_dir=place.user_dir)
    library = load_library(user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS)
    return Target(place.db, library, user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS, stamps=stamps)


def opened(place: Place) -> tuple[Library, int, bool]:
    """The decks a command opens the collection with, how many deck files it read, and whether the
    collection was already in sync with them."""
    read = deck_cache.files_read()
    with open_collection(place.db, user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS) as collection:
        library, synced = collection.library, collection.sync.skipped
        assert isinstance(library, CachedLibrary) or deck_cache.files_read() > read
        decks = Library(list(library.decks), list(library.problems))
    return decks, deck_cache.files_read() - read, synced


def test_the_next_command_finds_the_decks_of_an_import_in_the_cache(place: Place, tmp_path: Path) -> None:
    deck_file(place.user_dir, "mine.toml", "mine", ["Mine?"])
    package = genanki_package(
        tmp_path / "biology.apkg", [basic(f"Question {n}?", "Answer") for n in range(30)]
    )
    import_file(package, stamped_target(place), now=NOW)
    decks, read, synced = opened(place)
    assert (read, synced) == (0, True)  # no deck file read, the collection already reconciled
    assert decks == load_library(user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS)
    assert [deck.id for deck in decks.decks][-2:] == ["biology", "mine"]


def test_a_deck_changed_during_an_import_is_read_again(place: Place, tmp_path: Path) -> None:
    mine = deck_file(place.user_dir, "mine.toml", "mine", ["Mine?"])
    package = genanki_package(
        tmp_path / "biology.apkg", [basic(f"Question {n}?", "Answer") for n in range(3)]
    )
    target = stamped_target(place)
    mine.write_text(mine.read_text().replace("Mine?", "Mine, edited?"), encoding="utf-8")
    os.utime(mine, ns=(1, 1))  # even with an old time
    import_file(package, target, now=NOW)
    decks, read, _synced = opened(place)
    assert read == 1  # mine, read again alone in its place among the cached decks
    assert decks == load_library(user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS)
    assert decks.deck("mine").cards[0].question == "Mine, edited?"


def test_a_deck_added_during_an_import_is_read_with_the_others(place: Place, tmp_path: Path) -> None:
    deck_file(place.user_dir, "mine.toml", "mine", ["Mine?"])
    package = genanki_package(
        tmp_path / "biology.apkg", [basic(f"Question {n}?", "Answer") for n in range(3)]
    )
    target = stamped_target(place)
    deck_file(place.user_dir, "other.toml", "other", ["Other?"])
    import_file(package, target, now=NOW)
    decks, read, _synced = opened(place)
    assert read == 4
    assert decks == load_library(user_dir=place.user_dir, sims=CATALOG, problems=PROBLEMS)
    assert [deck.id for deck in decks.decks][-3:] == ["biology", "mine", "other"]


def test_a_second_import_takes_the_decks_already_loaded_from_the_cache(place: Place, tmp_path: Path) -> None:
    deck_file(place.user_dir, "mine.toml", "mine", ["Mine?"])
    catalogs = {"sims": CATALOG, "problems": PROBLEMS}
    assert cached_decks(place.db, (), place.user_dir, catalogs) is None  # no collection yet
    first = genanki_package(tmp_path / "biology.apkg", [basic(f"Question {n}?", "Answer") for n in range(30)])
    import_file(first, stamped_target(place), now=NOW)
    stamps = stamp_decks(user_dir=place.user_dir)
    read = deck_cache.files_read()
    cached = cached_decks(place.db, (), place.user_dir, catalogs)
    assert cached is not None and deck_cache.files_read() == read
    assert Library(list(cached.decks), list(cached.problems)) == load_library(
        user_dir=place.user_dir, **catalogs
    )
    second = genanki_package(tmp_path / "chemistry.apkg", [basic(f"Bond {n}?", "Answer") for n in range(5)])
    target = Target(place.db, cached, user_dir=place.user_dir, stamps=stamps, **catalogs)
    import_file(second, target, deck_id="chemistry", now=NOW)
    decks, read, synced = opened(place)
    assert (read, synced) == (0, True)
    assert decks == load_library(user_dir=place.user_dir, **catalogs)
    assert [deck.id for deck in decks.decks][-3:] == ["biology", "chemistry", "mine"]
    deck_file(place.user_dir, "mine.toml", "mine", ["Mine, changed?"])
    read = deck_cache.files_read()
    changed = cached_decks(place.db, (), place.user_dir, catalogs)  # the changed deck read again alone
    assert changed is not None and deck_cache.files_read() == read + 1
    assert changed == load_library(user_dir=place.user_dir, **catalogs)
