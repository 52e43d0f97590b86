"""Anki itself, in both directions: the ``anki`` package (the library inside the Anki desktop app) imports
the bundled deck's ``.apkg`` with every note and card, and a collection that Anki built and studied comes
into studyapp with its notes, cards and review history.

Anki runs in a child process (its Rust backend stays out of the test process)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sim.registry import CATALOG
from studyapp.collection import open_collection
from studyapp.content import load_library
from studyapp.problems import PROBLEMS
from tests.core.conftest import Cli

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("anki") is None, reason="the anki package (a test dependency) is not installed"
)

IMPORT_INTO_ANKI = """
import json, sys
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
col = Collection(sys.argv[1])
options = ImportAnkiPackageOptions(with_scheduling=False)
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2], options=options))
decks = {d.name: len(col.find_cards(f"did:{d.id}")) for d in col.decks.all_names_and_ids()}
types = {m.name: len(col.find_notes(f"mid:{m.id}")) for m in col.models.all_names_and_ids()}
fronts = sorted(col.get_note(n).fields[0] for n in col.find_notes("note:studyapp*"))
print(json.dumps({"notes": col.note_count(), "cards": col.card_count(), "decks": decks, "types": types,
                  "fronts": fronts}))
col.close()
"""

STUDY_IN_ANKI = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
deck = col.decks.id("Biology")
def add(kind, **fields):
    note = col.new_note(col.models.by_name(kind))
    for name, value in fields.items():
        note[name] = value
    col.add_note(note, deck)
    return note
add("Basic", Front="What does a ribosome make?", Back="<b>Proteins</b>")
add("Basic (and reversed card)", Front="mitochondrion", Back="the cell's power plant")
add("Cloze", Text="DNA is copied by {{c1::DNA polymerase}}; RNA by {{c2::RNA polymerase::an enzyme}}.")
suspended = add("Basic", Front="What is osmosis?", Back="Water moving across a membrane.")
col.sched.suspend_cards([card.id for card in suspended.cards()])
col.decks.select(deck)
answered = 0
for ease in (3, 3, 1, 3, 4, 3):
    card = col.sched.getCard()
    if card is None:
        break
    card.start_timer()
    col.sched.answerCard(card, ease)
    answered += 1
col.export_collection_package(sys.argv[2], include_media=True, legacy=False)
print(answered)
col.close()
"""


def anki(script: str, *args: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_anki_imports_the_bundled_deck_with_every_note_and_card(tmp_path: Path) -> None:
    package = tmp_path / "deck.apkg"
    cli = Cli(tmp_path / "no-decks", tmp_path / "home")  # the bundled deck alone
    exported = cli.run(tmp_path / "c.sqlite3", "export", "--format", "apkg", str(package))
    assert exported.returncode == 0, exported.stderr
    got: dict[str, Any] = json.loads(anki(IMPORT_INTO_ANKI, tmp_path / "anki.anki2", package))
    library = load_library([], user_dir=tmp_path / "no-decks", sims=CATALOG, problems=PROBLEMS)
    assert library.problems == []
    cards = library.cards
    cloze_notes = {card.id.rpartition("::")[0] for card in cards if card.cloze}
    plain = [card for card in cards if not card.cloze]
    assert got["cards"] == len(cards)  # one Anki card per studyapp card, cloze deletions included
    assert got["notes"] == len(plain) + len(cloze_notes)
    (title,) = [deck.title for deck in library.decks]
    assert got["decks"][title] == len(cards)
    assert got["types"]["studyapp Basic"] == len(plain)
    assert got["types"]["studyapp Cloze"] == len(cloze_notes)
    assert "What is a Multi-Layer Perceptron (MLP)?" in got["fronts"]


def test_a_collection_anki_built_and_studied_comes_in_with_its_history(tmp_path: Path) -> None:
    package = tmp_path / "studied.colpkg"  # Anki's current format: collection.anki21b, zstd-compressed
    answered = int(anki(STUDY_IN_ANKI, tmp_path / "anki.anki2", package))
    assert answered == 6
    db, cli = tmp_path / "c.sqlite3", Cli(tmp_path / "no-decks", tmp_path / "home")
    dry = cli.run(db, "import", str(package), "--deck", "biology", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "cards: 6 (3 front/back, 1 reverse, 2 cloze), reviews: 6 to replay" in dry.stdout
    real = cli.run(db, "import", str(package), "--deck", "biology")
    assert real.returncode == 0, real.stderr
    home = tmp_path / "home" / "data" / "studyapp" / "decks"
    assert (home / "biology.toml").is_file()
    with open_collection(db, user_dir=home) as collection:
        biology = collection.library.deck("biology")
        questions = sorted(card.question for card in biology.cards)
        assert (
            len(biology.cards) == 6
        )  # basic, both sides of the reversed note, two clozes, the suspended one
        assert "What does a ribosome make?" in questions and "mitochondrion" in questions
        reviews = list(collection.store.iter_reviews())
        assert len(reviews) == answered  # every answer Anki logged, replayed with FSRS
        states = {card.question: collection.store.card_state(card.id) for card in biology.cards}
        assert states["What is osmosis?"].suspended
        assert sum(state.reps for state in states.values()) == answered
