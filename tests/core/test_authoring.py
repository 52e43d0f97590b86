"""Writing cards into the learner's decks: ids, tomlkit keeping the file, checks, override copies,
editing with a real editor script, and the ``add`` and ``edit`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp import authoring, deck_cache
from studyapp.authoring import AuthoringError, CardDraft
from studyapp.collection import Collection, open_collection, placed_cards
from studyapp.content import Library, deck_read_from, load_library, without_deck_file
from studyapp.deck_reader import read_deck, read_deck_again, read_deck_appended, read_deck_text
from studyapp.model import Rating
from studyapp.paths import bundled_deck_dir
from studyapp.problems import PROBLEMS
from studyapp.store.text_index import text_rows_at
from tests.hold_lock import hold, release

from .conftest import ROOT, file_fingerprint

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

COMMENTED = """\
# My CNN cards -- a comment that must survive.
[deck]
id = "mine"            # the deck's id
title = "Mine"

# A card about pooling.
[[cards]]
id = "pool-kept"
question = "What does max pooling keep?"   # inline comment
answer = "The largest value."
tags = [ "cnn",  "pooling" ]   # odd spacing stays

# trailing comment"""

EDITOR = """\
import pathlib, sys

log = pathlib.Path({log!r})
line, path = sys.argv[1], pathlib.Path(sys.argv[2])
log.write_text(f"{{line}} {{path}}")
text = path.read_text(encoding="utf-8")
path.write_text(text.replace({old!r}, {new!r}), encoding="utf-8")
"""


def bundled_only(user_dir: Path) -> Library:
    return load_library(user_dir=user_dir, sims=CATALOG)


def editor(tmp_path: Path, old: str, new: str, name: str = "editor.py") -> tuple[str, Path]:
    """An editor for $EDITOR: a Python script that replaces ``old`` by ``new`` in the file it is given
    and writes its arguments to a log."""
    script, log = tmp_path / name, tmp_path / f"{name}.log"
    script.write_text(EDITOR.format(log=str(log), old=old, new=new), encoding="utf-8")
    return f"{sys.executable} {script}", log


def pooling_draft(question: str = "What does max pooling keep from each window?") -> CardDraft:
    return CardDraft(
        question=question,
        answer="The largest value in the window.",
        details='- it has no weights\n- "shift" tolerant, a \\ backslash',
        tags=("cnn", "pooling"),
        sim="pooling",
        sim_params={"kind": "max", "window": 3},
    )


# --- ids --------------------------------------------------------------------------------------------


def test_an_id_is_made_from_the_question_s_meaningful_words() -> None:
    assert authoring.slugify("What does max pooling keep from each window?") == "max-pooling-keep-each-window"
    assert authoring.slugify("Qu'est-ce que ∂L/∂w ?") == "quest-ce-que-l-w"
    assert authoring.slugify("What is ReLU's output?") == "relu-output"
    assert authoring.slugify("What is it?") == "what-is-it"  # only stop words: all of them
    assert authoring.slugify("???") == "card"
    assert len(authoring.slugify("word " * 40)) <= authoring.ID_LENGTH


def test_an_id_never_collides_with_a_loaded_or_written_one(tmp_path: Path) -> None:
    library = bundled_only(tmp_path / "decks")
    assert "mlp" in {card.id for card in library.cards}
    assert authoring.unique_id("MLP?", authoring.taken_ids(library, tmp_path / "decks")) == "mlp-2"
    # A broken user deck is not loaded, but its ids are taken too; so are retired ones.
    broken = tmp_path / "decks" / "broken.toml"
    broken.parent.mkdir()
    broken.write_text('[deck]\nid = "b"\n\n[[cards]]\nid = "relu-output"\nquestion = "?"\n', encoding="utf-8")
    taken = authoring.taken_ids(bundled_only(tmp_path / "decks"), tmp_path / "decks", reserved={"gone"})
    assert {"relu-output", "gone", "mlp"} <= taken
    assert authoring.unique_id("What is ReLU's output?", taken) == "relu-output-2"
    assert authoring.unique_id("Gone?", taken) == "gone-2"


def test_the_same_question_twice_gets_two_stable_ids(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    first = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    second = authoring.add_card("mine", pooling_draft(), library=first.library, sims=CATALOG, user_dir=user)
    assert (first.card_id, second.card_id) == (
        "max-pooling-keep-each-window",
        "max-pooling-keep-each-window-2",
    )


# --- adding -----------------------------------------------------------------------------------------


def test_a_new_deck_file_is_made_and_the_card_loads(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    saved = authoring.add_card(
        "my-cards", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    assert saved.path == user / "my-cards.toml"
    data = tomllib.loads(saved.path.read_text(encoding="utf-8"))
    assert data["deck"] == {"id": "my-cards", "title": "My cards"}
    card = saved.library.card(saved.card_id)
    assert (card.deck, card.source, card.line) == ("my-cards", saved.path, saved.line)
    assert card.answer == "The largest value in the window."
    assert card.details == '- it has no weights\n- "shift" tolerant, a \\ backslash'
    assert card.tags == ("cnn", "pooling")
    assert (card.sim, dict(card.sim_params)) == ("pooling", {"kind": "max", "window": 3})
    assert saved.path.read_text(encoding="utf-8").splitlines()[saved.line - 1] == "[[cards]]"
    assert read_deck(saved.path, sims=CATALOG)[1] == []


def test_appending_keeps_the_file_s_comments_and_layout(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    user.mkdir()
    path = user / "mine.toml"
    path.write_text(COMMENTED, encoding="utf-8")  # no newline at the end
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED + "\n\n[[cards]]\n")
    assert text.count("[[cards]]") == 2
    assert [card.id for card in saved.library.deck("mine").cards] == ["pool-kept", saved.card_id]


def test_a_card_goes_to_the_file_of_an_existing_user_deck(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    user.mkdir()
    (user / "extra.toml").write_text(COMMENTED + "\n", encoding="utf-8")
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    assert saved.path == user / "extra.toml"
    assert not (user / "mine.toml").exists()


@pytest.mark.parametrize(
    ("deck", "draft", "field", "message"),
    [
        ("deep-learning", pooling_draft(), "deck", "bundled with studyapp and read-only"),
        ("My Cards", pooling_draft(), "deck", "lowercase letters, digits and dashes"),
        ("mine", CardDraft("  ", "A"), "question", "must not be empty"),
        ("mine", CardDraft("Q?", ""), "answer", "must not be empty"),
        ("mine", CardDraft("Q?", "A", tags=("Max Pool",)), "tags", "lowercase letters"),
        ("mine", CardDraft("Q?", "A", sim="pooling", sim_params={"kind": "maxx"}), "preset", "one of max"),
        ("mine", CardDraft("Q?", "A", sim="pooling", sim_params={"lr": 1}), "preset", "no parameter 'lr'"),
        ("mine", CardDraft("Q?", "A", sim="poolin"), "sim", "unknown simulation 'poolin'"),
    ],
)
def test_a_bad_card_is_refused_at_its_field_and_nothing_is_written(
    tmp_path: Path, deck: str, draft: CardDraft, field: str, message: str
) -> None:
    user = tmp_path / "decks"
    with pytest.raises(AuthoringError) as refused:
        authoring.add_card(deck, draft, library=bundled_only(user), sims=CATALOG, user_dir=user)
    assert message in refused.value.fields[field]
    assert refused.value.status == 2
    assert not user.exists() or not list(user.glob("*.toml"))


def test_a_file_holding_another_deck_is_not_used_for_this_one(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    user.mkdir()
    (user / "other.toml").write_text("[deck\n", encoding="utf-8")  # broken: not loaded
    (user / "cnn.toml").write_text('[deck]\nid = "not-cnn"\ntitle = "X"\n', encoding="utf-8")
    with pytest.raises(AuthoringError, match="holds the deck 'not-cnn'"):
        authoring.add_card("cnn", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user)


def test_a_deck_file_with_problems_is_left_as_it_is(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    user.mkdir()
    path = user / "mine.toml"
    path.write_text(COMMENTED.replace('answer = "The largest value."', 'answer = ""'), encoding="utf-8")
    before = file_fingerprint(path)
    with pytest.raises(AuthoringError) as refused:
        authoring.add_card("mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user)
    assert "fix them first" in refused.value.message
    assert refused.value.problems[0].path == path and refused.value.problems[0].line == 10
    assert file_fingerprint(path) == before
    assert not [p for p in user.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_presets_are_parsed_and_checked_against_the_spec() -> None:
    parse = authoring.parse_preset
    assert parse("kind=max, window=3", "pooling", CATALOG) == {"kind": "max", "window": 3}
    assert parse("kind = avg  stride=1", "pooling", CATALOG) == {"kind": "avg", "stride": 1}
    assert parse("", "pooling", CATALOG) == {}
    # A text value may hold name=value pairs of its own.
    values = parse(
        "expression=sigmoid(w*x + b), values=w=0.5, x=1.5, b=0.1, fd_step=0.001", "backprop", CATALOG
    )
    assert values == {"expression": "sigmoid(w*x + b)", "values": "w=0.5, x=1.5, b=0.1", "fd_step": 0.001}
    for text, message in [
        ("window=99", "parameter 'window' must be an integer from"),
        ("windoww=2", "has no parameter 'windoww'; valid parameters: kind, window"),
        ("kind=max kind=avg", "more than once"),
        ("max", "expected name=value"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse(text, "pooling", CATALOG)
    with pytest.raises(ValueError, match="choose one first"):
        parse("kind=max", None, CATALOG)


def test_tags_are_split_and_lowercased() -> None:
    assert authoring.parse_tags("CNN, pooling  cnn") == ("cnn", "pooling")
    assert authoring.parse_tags(["a,b", "c"]) == ("a", "b", "c")
    with pytest.raises(ValueError, match="'max_pool'"):
        authoring.parse_tags("max_pool")


# --- the collection ---------------------------------------------------------------------------------


def test_the_collection_takes_the_reloaded_library(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    with open_collection(tmp_path / "c.sqlite3", library=bundled_only(user)) as collection:
        saved = authoring.add_card(
            "mine", pooling_draft(), library=collection.library, sims=CATALOG, user_dir=user
        )
        report = authoring.adopt(collection, saved.library)
        assert report.added == (saved.card_id,)
        assert saved.card_id in {card.id for card in collection.library.cards}
        record = collection.card_record(saved.card_id)
        assert record is not None and record.deck_id == "mine" and not record.retired
        assert collection.session().counts(NOW).new > 0


def test_a_card_added_keeps_the_other_decks_rows_and_the_table_a_full_write_gives(
    tmp_path: Path,
) -> None:
    user, extra = tmp_path / "decks", tmp_path / "more"
    extra.mkdir()
    for folder, deck_id in ((user, "aaa"), (user, "zzz"), (extra, "more")):
        folder.mkdir(exist_ok=True)
        (folder / f"{deck_id}.toml").write_text(
            f'[deck]\nid = "{deck_id}"\ntitle = "{deck_id}"\n\n[[cards]]\nid = "{deck_id}-one"\n'
            f'question = "Ω {deck_id}?"\nanswer = "A"\ntags = ["t"]\n',
            encoding="utf-8",
        )

    def table(collection: Collection) -> list[object]:
        conn = collection.store.conn
        return [
            conn.execute("SELECT * FROM card_text ORDER BY ord").fetchall(),
            collection.store.get_meta("text_widths"),
        ]

    library = load_library([extra], user, sims=CATALOG)
    with open_collection(tmp_path / "c.sqlite3", library=library) as collection:

        def add_to_first_deck(draft: CardDraft) -> authoring.Saved:
            library = collection.library
            return authoring.add_card(
                "aaa", draft, library=library, sims=CATALOG, user_dir=user, extra_dirs=[extra]
            )

        # The first deck grows: the other decks' cards keep their places (their rows stay as they are).
        others = ("zzz-one", "more-one")
        places = [collection.store.card(card_id) for card_id in others]
        saved = add_to_first_deck(pooling_draft())
        authoring.adopt(collection, saved.library)
        assert [collection.store.card(card_id) for card_id in others] == places
        moved = table(collection)
        collection.store.write_text_index(text_rows_at(placed_cards(collection.library)), "written in full")
        assert table(collection)[0] == moved[0] and table(collection)[1] == moved[1]
        # The rows of the cards that stayed are kept as the table holds them, not made again.
        authoring.adopt(collection, load_library([extra], user, sims=CATALOG))  # their text, written in full
        collection.store.conn.execute("UPDATE card_text SET question = 'as held' WHERE card_id = 'zzz-one'")
        again = add_to_first_deck(pooling_draft("Once more?"))
        authoring.adopt(collection, again.library)
        rows = {row[1]: row for row in table(collection)[0]}
        assert rows["zzz-one"][2] == "as held" and rows[again.card_id][2] == "Once more?"
        assert [row[0] for row in table(collection)[0]] == [
            ord_ for ord_, _card in placed_cards(again.library)
        ]


def test_a_retired_id_is_not_given_to_a_new_card(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    with open_collection(tmp_path / "c.sqlite3", library=bundled_only(user)) as collection:
        saved = authoring.add_card(
            "mine", pooling_draft(), library=collection.library, sims=CATALOG, user_dir=user
        )
        authoring.adopt(collection, saved.library)
        saved.path.unlink()
        authoring.adopt(collection, bundled_only(user))
        assert authoring.retired_ids(collection) == {saved.card_id}
        again = authoring.add_card(
            "mine",
            pooling_draft(),
            library=collection.library,
            sims=CATALOG,
            user_dir=user,
            reserved=authoring.retired_ids(collection),
        )
        assert again.card_id == f"{saved.card_id}-2"


def test_adding_a_card_reads_its_deck_again_and_loads_what_reading_every_deck_loads(tmp_path: Path) -> None:
    user, extra = tmp_path / "decks", tmp_path / "more"
    extra.mkdir()
    other = extra / "other.toml"
    other.write_text(
        '[deck]\nid = "other"\ntitle = "Other"\n\n[[cards]]\nid = "other-card"\nquestion = "Q?"\n'
        'answer = "A."\n',
        encoding="utf-8",
    )
    library = load_library([extra], user, sims=CATALOG)
    for deck_id in ("mine", "mine", "second"):  # a new file, the same file again, another new file
        saved = authoring.add_card(
            deck_id,
            pooling_draft(f"Pooling for {deck_id}?"),
            library=library,
            sims=CATALOG,
            user_dir=user,
            extra_dirs=[extra],
        )
        full = load_library([extra], user, sims=CATALOG)
        assert saved.library.decks == full.decks and saved.library.problems == full.problems
        library = saved.library
    # Only the deck written is read again: the other decks are kept as they were loaded.
    other.write_text("not = [toml", encoding="utf-8")
    saved = authoring.add_card(
        "mine",
        pooling_draft("Pooling once more?"),
        library=library,
        sims=CATALOG,
        user_dir=user,
        extra_dirs=[extra],
    )
    assert saved.library.deck("other") == library.deck("other")
    assert saved.library.card(saved.card_id).deck == "mine"


def test_an_edit_that_removes_an_override_copy_brings_the_bundled_card_back(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    location = authoring.override_copy(bundled_only(user), "mlp", sims=CATALOG, user_dir=user)
    mine = tomllib.loads(location.path.read_text(encoding="utf-8"))["deck"]["id"]
    saved = authoring.add_card(mine, pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user)
    assert saved.library.card("mlp").source == location.path
    text = location.path.read_text(encoding="utf-8")
    start = text.index("[[cards]]")
    location.path.write_text(text[:start] + text[text.index("[[cards]]", start + 1) :], encoding="utf-8")
    checked = authoring.check_after_edit(
        location.path, saved.card_id, sims=CATALOG, user_dir=user, known=saved.library
    )
    full = bundled_only(user)
    assert checked.library.decks == full.decks and checked.library.problems == full.problems
    assert full.card("mlp").source != location.path  # the bundled card is back


def test_adding_to_a_deck_with_an_override_copy_loads_every_deck_again(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    location = authoring.override_copy(bundled_only(user), "mlp", sims=CATALOG, user_dir=user)
    library = bundled_only(user)
    assert library.card("mlp").source == location.path
    mine = tomllib.loads(location.path.read_text(encoding="utf-8"))["deck"]["id"]
    saved = authoring.add_card(mine, pooling_draft(), library=library, sims=CATALOG, user_dir=user)
    full = bundled_only(user)
    assert saved.library.decks == full.decks and saved.library.problems == full.problems
    assert [card.id for card in saved.library.cards].count("mlp") == 1


def test_decks_read_again_after_an_add_or_an_edit_are_checked_with_the_problems_given(tmp_path: Path) -> None:
    """Every deck read again (here all of them: a deck with an override copy) is checked with the
    problems catalog given, as the collection's decks are: its drill cards' questions name the
    problems' titles."""
    user = tmp_path / "decks"

    def loaded() -> Library:
        return load_library(user_dir=user, sims=CATALOG, problems=PROBLEMS)

    location = authoring.override_copy(loaded(), "mlp", sims=CATALOG, user_dir=user, problems=PROBLEMS)
    mine = tomllib.loads(location.path.read_text(encoding="utf-8"))["deck"]["id"]
    saved = authoring.add_card(
        mine, pooling_draft(), library=loaded(), sims=CATALOG, user_dir=user, problems=PROBLEMS
    )
    assert saved.library.decks == loaded().decks
    drill = saved.library.card("conv-output-size-drill")
    assert drill.question == f"Drill: {PROBLEMS[drill.problem]} (a new problem each review)"
    checked = authoring.check_after_edit(
        location.path, "mlp", sims=CATALOG, user_dir=user, known=saved.library, problems=PROBLEMS
    )
    assert checked.ok and checked.library.decks == loaded().decks


def test_cli_add_after_an_override_copy_keeps_the_drill_cards_questions(tmp_path: Path) -> None:
    """``studyapp add`` to the deck of an override copy reads every deck again; the collection it gives
    them to, and its deck cache, hold them as the app loads them."""
    user = tmp_path / "data" / "studyapp" / "decks"
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS):
        pass
    assert run_cli(tmp_path, "edit", "mlp", "--copy", editor_command="true").returncode == 0
    added = run_cli(tmp_path, "add", "--deck", "deep-learning-edits", "--question", "Q?", "--answer", "A")
    assert added.returncode == 0, added.stderr
    expected = load_library(user_dir=user, sims=CATALOG, problems=PROBLEMS)
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS) as collection:
        assert collection.library.decks == expected.decks
        assert collection.sync.changes == 0
        found = collection.search(f'"{PROBLEMS["conv-output-size"]}"', datetime.now(UTC))
        assert "conv-output-size-drill" in found  # Browse's text, too


def test_removing_a_deck_file_with_an_override_copy_loads_every_deck_again(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    location = authoring.override_copy(bundled_only(user), "mlp", sims=CATALOG, user_dir=user)
    library = bundled_only(user)
    assert library.card("mlp").source == location.path
    assert without_deck_file(library, location.path) is None  # the bundled card comes back from its file
    location.path.unlink()
    assert bundled_only(user).card("mlp").source != location.path


# --- override copies of bundled cards ---------------------------------------------------------------


def test_an_override_copy_keeps_the_bundled_card_s_id_and_every_key(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    library = bundled_only(user)
    location = authoring.override_copy(library, "mlp", sims=CATALOG, user_dir=user)
    assert location.path == user / "deep-learning-edits.toml" and not location.bundled
    copy = tomllib.loads(location.path.read_text(encoding="utf-8"))
    bundled = tomllib.loads((bundled_deck_dir() / "deep-learning.toml").read_text(encoding="utf-8"))
    original = next(card for card in bundled["cards"] if card["id"] == "mlp")
    assert copy["deck"]["id"] == "deep-learning-edits"
    assert copy["cards"] == [original]
    assert location.path.read_text(encoding="utf-8").splitlines()[location.line - 1] == "[[cards]]"
    assert read_deck(location.path, sims=CATALOG)[1] == []  # valid on its own
    again = authoring.override_copy(library, "mlp", sims=CATALOG, user_dir=user)
    assert again == location and location.path.read_text(encoding="utf-8").count("[[cards]]") == 1


def test_an_override_copy_keeps_the_card_s_history(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    with open_collection(tmp_path / "c.sqlite3", library=bundled_only(user)) as collection:
        collection.session(tz=UTC).rate("mlp", Rating.GOOD, NOW)
        authoring.override_copy(collection.library, "mlp", sims=CATALOG, user_dir=user)
        authoring.adopt(collection, bundled_only(user))
        record = collection.card_record("mlp")
        assert record is not None and record.state.reps == 1 and not record.retired


def test_an_override_copy_replaces_the_bundled_card(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    location = authoring.override_copy(bundled_only(user), "mlp", sims=CATALOG, user_dir=user)
    library = bundled_only(user)
    assert library.problems == []
    assert library.card("mlp").source == location.path
    assert [card.id for card in library.cards].count("mlp") == 1
    assert not authoring.find_card(library, "mlp", user).bundled  # the copy is edited, without asking again


def test_an_override_copy_of_a_cloze_card_copies_its_note_and_keeps_every_card_s_history(
    tmp_path: Path,
) -> None:
    user = tmp_path / "decks"
    cloze_cards = [card.id for card in bundled_only(user).cards if card.id.startswith("conv-output-size::")]
    assert cloze_cards
    with open_collection(tmp_path / "c.sqlite3", library=bundled_only(user)) as collection:
        collection.session(tz=UTC).rate(cloze_cards[0], Rating.GOOD, NOW)
        location = authoring.override_copy(collection.library, cloze_cards[0], sims=CATALOG, user_dir=user)
        copy = tomllib.loads(location.path.read_text(encoding="utf-8"))
        assert [card["id"] for card in copy["cards"]] == ["conv-output-size"]  # the note, whole
        library = bundled_only(user)
        assert library.problems == []
        assert [card.id for card in library.cards if card.source == location.path] == cloze_cards
        authoring.adopt(collection, library)
        record = collection.card_record(cloze_cards[0])
        assert record is not None and record.state.reps == 1 and not record.retired


def test_a_bundled_card_is_not_edited_in_place(tmp_path: Path) -> None:
    with pytest.raises(AuthoringError, match="--copy"):
        authoring.edit_card(bundled_only(tmp_path), "mlp", sims=CATALOG, user_dir=tmp_path, environ={})


# --- editing ----------------------------------------------------------------------------------------


def test_the_editor_command_opens_the_card_s_line() -> None:
    path = Path("/d/mine.toml")
    assert authoring.editor_command(path, 12, {"EDITOR": "vim -u NONE"}) == [
        "vim",
        "-u",
        "NONE",
        "+12",
        str(path),
    ]
    assert authoring.editor_command(path, 3, {"VISUAL": "nano"}) == ["nano", "+3", str(path)]
    assert authoring.editor_command(path, 3, {}) == ["vi", "+3", str(path)]


def test_a_card_is_found_at_its_line_in_its_file_as_it_is_now(tmp_path: Path) -> None:
    """The line the loader read serves while the file is the text it read; once the file changed, the
    card is found again where it is now."""
    user = tmp_path / "decks"
    user.mkdir()
    path = user / "mine.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    library = bundled_only(user)
    card = library.card("pool-kept")
    assert authoring.find_card(library, "pool-kept", user).line == card.line
    path.write_text(COMMENTED.replace("[[cards]]", "# two lines more\n\n[[cards]]", 1), encoding="utf-8")
    assert authoring.find_card(library, "pool-kept", user).line == card.line + 2


def test_editing_with_a_real_editor_then_checking(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    command, log = editor(tmp_path, "The largest value in the window.", "The maximum of the window.")
    checked = authoring.edit_card(
        saved.library, saved.card_id, sims=CATALOG, user_dir=user, environ={"EDITOR": command}
    )
    assert log.read_text() == f"+{saved.line} {saved.path}"
    assert checked.ok and checked.card is not None
    assert checked.card.answer == "The maximum of the window."
    assert checked.library.card(saved.card_id).answer == "The maximum of the window."
    assert "no problems" in checked.message()
    full = bundled_only(user)  # only the edited file was read again: what reading every deck loads
    assert checked.library.decks == full.decks and checked.library.problems == full.problems


def test_an_edit_that_makes_an_override_loads_every_deck_again(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    command, _log = editor(tmp_path, f'id = "{saved.card_id}"', 'id = "mlp"')
    checked = authoring.edit_card(
        saved.library, saved.card_id, sims=CATALOG, user_dir=user, environ={"EDITOR": command}
    )
    full = bundled_only(user)
    assert checked.library.decks == full.decks and checked.library.problems == full.problems
    assert full.card("mlp").source == saved.path and [c.id for c in full.cards].count("mlp") == 1


def test_a_problem_after_editing_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    user = tmp_path / "decks"
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    command, _log = editor(tmp_path, 'sim = "pooling"', 'sim = "poolin"')
    checked = authoring.edit_card(
        saved.library, saved.card_id, sims=CATALOG, user_dir=user, environ={"EDITOR": command}
    )
    assert not checked.ok
    (problem,) = checked.problems
    line = saved.path.read_text(encoding="utf-8").splitlines().index('sim = "poolin"') + 1
    assert (problem.path, problem.line) == (saved.path, line)
    assert checked.message().startswith(f"{saved.path}:{line}:")
    assert "did you mean 'pooling'" in checked.message()
    # The broken deck is skipped, but its card can still be found and opened to fix it.
    fix, _ = editor(tmp_path, 'sim = "poolin"', 'sim = "pooling"', name="fix.py")
    fixed = authoring.edit_card(
        checked.library, saved.card_id, sims=CATALOG, user_dir=user, environ={"EDITOR": fix}
    )
    assert fixed.ok


# --- the command line -------------------------------------------------------------------------------


def run_cli(
    tmp_path: Path, *args: str, editor_command: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STUDYAPP_DB", "EDITOR", "VISUAL")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    if editor_command is not None:
        env["EDITOR"] = editor_command
    command = [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "c.sqlite3"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL
    )


def test_cli_add_prints_the_id_and_file(tmp_path: Path) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    args = ["--question", "What does max pooling keep?", "--answer", "The largest value."]
    result = run_cli(
        tmp_path, "add", "--deck", "mine", *args, "--tag", "cnn", "--sim", "pooling", "--set", "kind=max"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"max-pooling-keep {user / 'mine.toml'}:8\n"
    result = run_cli(tmp_path, "add", "--deck", "mine", *args, "--json")
    lines = (user / "mine.toml").read_text(encoding="utf-8").splitlines()
    second = [number for number, line in enumerate(lines, 1) if line == "[[cards]]"][1]
    assert json.loads(result.stdout) == {
        "id": "max-pooling-keep-2",
        "file": str(user / "mine.toml"),
        "line": second,
    }
    card = load_library(user_dir=user, sims=CATALOG).card("max-pooling-keep")
    assert (card.tags, dict(card.sim_params)) == (("cnn",), {"kind": "max"})


def test_cli_add_never_gives_a_new_card_the_id_of_a_card_with_history(tmp_path: Path) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    args = ["add", "--deck", "mine", "--question", "Q one?", "--answer", "A"]
    assert run_cli(tmp_path, *args).returncode == 0
    with open_collection(tmp_path / "c.sqlite3", user_dir=user) as collection:
        collection.session().rate("q-one", Rating.GOOD, datetime.now(UTC))
    (user / "mine.toml").write_text(
        '[deck]\nid = "mine"\ntitle = "Mine"\n\n[[cards]]\nid = "other"\nquestion = "Q?"\nanswer = "A"\n',
        encoding="utf-8",
    )
    # The card left its deck; the collection has not seen that yet, but its history keeps the id.
    result = run_cli(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("q-one-2 ")


def test_cli_add_gives_the_collection_the_card_and_the_next_start_reads_no_deck_file(tmp_path: Path) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    args = ["add", "--deck", "mine", "--question", "Q one?", "--answer", "A"]
    assert run_cli(tmp_path, *args).returncode == 0  # no collection yet: the deck file alone
    with open_collection(tmp_path / "c.sqlite3", user_dir=user, sims=CATALOG, problems=PROBLEMS):
        pass
    for question in ("Q two?", "Q three?"):
        result = run_cli(tmp_path, "add", "--deck", "mine", "--question", question, "--answer", "A")
        assert result.returncode == 0 and result.stderr == ""
    read = deck_cache.files_read()
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS) as collection:
        assert deck_cache.files_read() == read  # the cache the add kept holds every deck as it is
        assert collection.sync.changes == 0  # and the collection had taken the cards already
        assert [card.id for card in collection.library.deck("mine").cards] == ["q-one", "q-two", "q-three"]
        assert {"q-two", "q-three"} <= collection.store.card_ids()
    assert collection.library.deck("mine") == read_deck(user / "mine.toml", sims=CATALOG)[0]


def test_cli_add_while_another_program_holds_the_lock_saves_the_card_and_the_next_start_takes_it(
    tmp_path: Path,
) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    assert run_cli(tmp_path, "add", "--deck", "mine", "--question", "Q one?", "--answer", "A").returncode == 0
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS):
        pass
    holder = hold(db)
    try:
        result = run_cli(tmp_path, "add", "--deck", "mine", "--question", "Q two?", "--answer", "A")
    finally:
        release(holder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("q-two ")
    assert result.stderr == (
        "studyapp: note: the card is saved in its deck file; the collection takes it on its next start "
        "(another program is writing to it)\n"
    )
    assert "Traceback" not in result.stderr
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS) as collection:
        assert "q-two" in collection.store.card_ids()
        assert [card.id for card in collection.library.deck("mine").cards] == ["q-one", "q-two"]


def test_cli_add_beside_a_file_that_is_no_collection_saves_the_card_and_says_so_once(tmp_path: Path) -> None:
    (tmp_path / "c.sqlite3").write_bytes(b"not a database " * 100)
    result = run_cli(tmp_path, "add", "--deck", "mine", "--question", "Q one?", "--answer", "A")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("q-one ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("studyapp: warning: retired card ids not checked: ")
    assert "is not a studyapp collection" in result.stderr
    user = tmp_path / "data" / "studyapp" / "decks"
    assert [card.id for card in load_library(user_dir=user).deck("mine").cards] == ["q-one"]


def test_cli_edit_gives_the_collection_the_edited_deck_and_the_next_start_reads_no_deck_file(
    tmp_path: Path,
) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    db = tmp_path / "c.sqlite3"
    assert (
        run_cli(tmp_path, "add", "--deck", "mine", "--question", "Q one?", "--answer", "Old").returncode == 0
    )
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS):
        pass
    good, _log = editor(tmp_path, 'answer = "Old"', 'answer = "Zebra crossing"')
    result = run_cli(tmp_path, "edit", "q-one", editor_command=good)
    assert result.returncode == 0 and result.stderr == ""
    read = deck_cache.files_read()
    with open_collection(db, user_dir=user, sims=CATALOG, problems=PROBLEMS) as collection:
        assert deck_cache.files_read() == read and collection.sync.changes == 0
        assert collection.library.card("q-one").answer == "Zebra crossing"
        assert collection.search('"zebra crossing"', datetime.now(UTC)) == ["q-one"]  # Browse's text, too
    assert collection.library.decks == load_library(user_dir=user, sims=CATALOG, problems=PROBLEMS).decks


def test_cli_add_refuses_a_bad_preset_as_a_bad_command_line(tmp_path: Path) -> None:
    args = ["add", "--deck", "mine", "--question", "Q?", "--answer", "A", "--sim", "pooling"]
    result = run_cli(tmp_path, *args, "--set", "window=99")
    assert result.returncode == 2
    assert "parameter 'window' must be an integer from" in result.stderr
    assert not (tmp_path / "data" / "studyapp" / "decks" / "mine.toml").exists()


def test_cli_edit_runs_the_editor_and_checks(tmp_path: Path) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    assert (
        run_cli(tmp_path, "add", "--deck", "mine", "--question", "Q one?", "--answer", "Old").returncode == 0
    )
    good, log = editor(tmp_path, 'answer = "Old"', 'answer = "New"')
    result = run_cli(tmp_path, "edit", "q-one", editor_command=good)
    assert result.returncode == 0, result.stderr
    assert log.read_text() == f"+8 {user / 'mine.toml'}"
    assert "no problems" in result.stdout
    assert load_library(user_dir=user).card("q-one").answer == "New"
    bad, _ = editor(tmp_path, 'answer = "New"', 'answer = ""', name="bad.py")
    result = run_cli(tmp_path, "edit", "q-one", editor_command=bad)
    assert result.returncode == 1
    assert f"{user / 'mine.toml'}:11: [card q-one] 'answer' must be a non-empty string" in result.stderr


def test_cli_edit_of_a_bundled_card_needs_copy(tmp_path: Path) -> None:
    user = tmp_path / "data" / "studyapp" / "decks"
    result = run_cli(tmp_path, "edit", "mlp", editor_command="true")
    assert result.returncode == 1 and "studyapp edit mlp --copy" in result.stderr
    assert not user.exists()
    result = run_cli(tmp_path, "edit", "mlp", "--copy", editor_command="true")
    copy = tomllib.loads((user / "deep-learning-edits.toml").read_text(encoding="utf-8"))
    assert [card["id"] for card in copy["cards"]] == ["mlp"]
    assert f"{user / 'deep-learning-edits.toml'}:" in result.stdout + result.stderr


def test_cli_edit_of_an_unknown_card(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "edit", "no-such-card", editor_command="true")
    assert result.returncode == 2 and "no deck has a card 'no-such-card'" in result.stderr


def test_deck_text_helpers_round_trip() -> None:
    text = authoring.appended(None, "d", "D", authoring.card_table("c", {"question": "Q", "answer": "A\nB"}))
    assert tomllib.loads(text)["cards"] == [{"id": "c", "question": "Q", "answer": "A\nB\n"}]
    assert textwrap.dedent(text).startswith("# Your own cards.")


SUB_TABLES = """\
[deck]
id = "mine"
title = "Mine"

[[cards]]
id = "pool-kept"
question = "What does max pooling keep?"
answer = "The largest value."
sim = "pooling"

[cards.sim_params]
kind = "max"
"""
INLINE_CARDS = """\
cards = [ { id = "pool-kept", question = "What does max pooling keep?", answer = "The largest value." } ]

[deck]
id = "mine"
title = "Mine"
"""


@pytest.mark.parametrize(
    "text", [COMMENTED, COMMENTED + "\n", COMMENTED + "\n\n", SUB_TABLES, "[deck]\nid = 'mine'"]
)
def test_a_card_written_as_a_block_after_the_file_is_the_file_written_whole(text: str) -> None:
    """Appending the card's ``[[cards]]`` block to the text gives the file that parsing and writing the
    whole file gives, without reading it (what keeps adding a card to a big deck fast)."""
    table = authoring.card_table("pool-new", authoring.draft_values(pooling_draft()))
    whole = authoring.appended(text, "mine", "Mine", table)
    assert authoring.appended_block(text, table) == whole
    cards = tomllib.loads(whole)["cards"]
    assert cards[-1]["id"] == "pool-new" and cards[-1]["sim_params"] == {"kind": "max", "window": 3}


def test_a_card_goes_after_cards_written_as_an_inline_array(tmp_path: Path) -> None:
    """A deck whose cards are an inline array cannot take a ``[[cards]]`` block: the card goes into the
    array, and the file loads with both cards."""
    user = tmp_path / "decks"
    user.mkdir()
    path = user / "mine.toml"
    path.write_text(INLINE_CARDS, encoding="utf-8")
    saved = authoring.add_card(
        "mine", pooling_draft(), library=bundled_only(user), sims=CATALOG, user_dir=user
    )
    assert "[[cards]]" not in path.read_text(encoding="utf-8")
    assert [card.id for card in saved.library.deck("mine").cards] == ["pool-kept", saved.card_id]
    assert read_deck(path, sims=CATALOG)[1] == []


CLOZE_LAST = """\
[deck]
id = "mine"
title = "Mine"

[[cards]]
id = "pooling-cloze"
text = "Max pooling keeps the {{c1::largest}} value of each {{c2::window}}."
tags = ["cnn"]
"""
#: A ``[[cards]]`` line inside a string: a text reader that counts header lines would count one too many.
HEADER_IN_STRING = COMMENTED.replace(
    'answer = "The largest value."', "answer = '''\nThe largest value.\n[[cards]]\n'''"
)


def read_twice(path: Path, text: str, whole: str) -> tuple[object, object]:
    """``whole`` read with only its tail parsed, given the deck read from ``text``, and read whole."""
    path.write_text(text, encoding="utf-8")
    known, problems = read_deck(path, sims=CATALOG)
    assert known is not None and problems == []
    return read_deck_appended(known, text, whole, CATALOG), read_deck_text(path, whole, sims=CATALOG)


@pytest.mark.parametrize(
    "text", [COMMENTED, COMMENTED + "\n", SUB_TABLES, CLOZE_LAST, (ROOT / "content" / "deep-learning.toml")]
)
def test_a_card_after_a_deck_read_before_is_read_as_the_whole_file_reads(
    tmp_path: Path, text: str | Path
) -> None:
    """Only the appended cards are parsed and checked (a big deck takes seconds to parse whole): the deck
    and its problems are those a read of the whole file gives, down to each card's line."""
    original = text.read_text(encoding="utf-8") if isinstance(text, Path) else text
    table = authoring.card_table("pool-new", authoring.draft_values(pooling_draft()))
    cloze = authoring.card_table("pool-gap", {"text": "Pooling keeps the {{c1::largest}} value."})
    whole = authoring.appended_block(authoring.appended_block(original, table), cloze)
    fast, full = read_twice(tmp_path / "mine.toml", original, whole)
    assert fast == full and full[1] == []  # type: ignore[index]
    deck = full[0]  # type: ignore[index]
    assert [card.id for card in deck.cards[-2:]] == ["pool-new", "pool-gap::c1"]
    # A card the checks refuse, and an id used before, give the problems the whole read gives.
    bad = authoring.card_table(
        "pool-bad", {"question": "Q?", "answer": "A.", "sim": "pooling", "tags": ["Bad"]}
    )
    again = authoring.card_table(deck.cards[0].id.split("::")[0], {"question": "Q?", "answer": "A."})
    for tail in (bad, again):
        fast, full = read_twice(tmp_path / "mine.toml", original, authoring.appended_block(original, tail))
        assert fast == full and full[1]  # type: ignore[index]


@pytest.mark.parametrize(
    "case",
    ["edited since", "inline array", "quoted inline array", "header in a string", "not appended"],
)
def test_only_a_whole_read_tells_when_the_deck_was_not_read_from_the_text_or_its_cards_are_not_tables(
    tmp_path: Path, case: str
) -> None:
    quoted = INLINE_CARDS.replace("cards = [", "  'cards'=[", 1)
    texts = {
        "inline array": INLINE_CARDS,
        "quoted inline array": quoted,
        "header in a string": HEADER_IN_STRING,
    }
    text = texts.get(case, COMMENTED)
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    known = read_deck(path, sims=CATALOG)[0]
    assert known is not None
    table = authoring.card_table("pool-new", authoring.draft_values(pooling_draft()))
    if case == "edited since":
        text = text.replace("The largest value.", "The largest value in the window.")
    whole = authoring.appended_block(text, table)
    if case == "not appended":
        whole = whole.replace("# trailing comment", "")
    assert read_deck_appended(known, text, whole, CATALOG) is None


def test_a_card_added_to_a_deck_read_before_is_read_alone(tmp_path: Path) -> None:
    """``add_card`` gives ``write_card`` the deck read from the file, unless some of its cards stand in
    another deck (override copies), and the file is then read whole."""
    user = tmp_path / "decks"
    user.mkdir()
    (user / "mine.toml").write_text(COMMENTED, encoding="utf-8")
    library = bundled_only(user)
    path = user / "mine.toml"
    assert deck_read_from(library, path) is library.deck("mine")
    saved = authoring.add_card("mine", pooling_draft(), library=library, sims=CATALOG, user_dir=user)
    assert saved.library.deck("mine") == read_deck(path, sims=CATALOG)[0]
    location = authoring.override_copy(saved.library, "mlp", sims=CATALOG, user_dir=user)
    with_copy = bundled_only(user)
    assert with_copy.card("mlp").source == location.path  # the copy stands in the bundled deck
    assert deck_read_from(with_copy, location.path) is None


def test_a_card_the_loader_refuses_is_refused_without_reading_its_deck_file_again(tmp_path: Path) -> None:
    """A formula that cannot be read is found in the card alone: the deck file read before had no
    problem, so the problems are the card's, said as the whole read says them, and nothing is written."""
    user = tmp_path / "decks"
    user.mkdir()
    path = user / "mine.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    library = bundled_only(user)
    draft = pooling_draft("What is $x^{2$ after pooling?")
    with pytest.raises(AuthoringError) as refused:
        authoring.add_card("mine", draft, library=library, sims=CATALOG, user_dir=user)
    assert path.read_text(encoding="utf-8") == COMMENTED
    table = authoring.card_table("what-x-2-pooling", authoring.draft_values(draft))
    whole = authoring.appended_block(COMMENTED, table)
    problems = read_deck_text(path, whole, sims=CATALOG)[1]
    assert [(p.line, p.message) for p in refused.value.problems] == [(p.line, p.message) for p in problems]
    assert "cannot read the formula" in problems[0].message


@pytest.mark.parametrize(
    "change", ["cards added", "cards added and one edited", "a bad card added", "shortened"]
)
def test_a_deck_file_read_again_after_cards_were_added_reads_as_the_whole_file(
    tmp_path: Path, change: str
) -> None:
    """A deck file that is the text read before with cards after it (added by another program, or by
    ``studyapp add`` while the app's decks were cached) is read by its new cards alone; any other change
    is read whole. Either way, the deck and problems are those ``read_deck`` gives."""
    path = tmp_path / "mine.toml"
    path.write_text(SUB_TABLES, encoding="utf-8")
    before = read_deck(path, sims=CATALOG)[0]
    assert before is not None
    table = authoring.card_table("pool-new", authoring.draft_values(pooling_draft()))
    text = authoring.appended_block(SUB_TABLES, table)
    if change == "cards added and one edited":
        text = text.replace("What does max pooling keep?", "What does max pooling keep from a window?")
    elif change == "a bad card added":
        text = authoring.appended_block(SUB_TABLES, authoring.card_table("pool-kept", {"question": "Q?"}))
    elif change == "shortened":
        text = SUB_TABLES[:-10]
    path.write_text(text, encoding="utf-8")
    assert read_deck_again(path, before, CATALOG) == read_deck(path, sims=CATALOG)
