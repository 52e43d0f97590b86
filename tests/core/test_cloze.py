"""Cloze notes: parsing (hints, several deletions, deletions inside formulas), the cards a note becomes
and their stable ids, problems reported at their line and column, and search on cloze ids."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp.cli import main
from studyapp.cloze import (
    ClozeError,
    answer_text,
    card_id,
    card_text,
    numbers,
    parse_cloze,
    question_text,
)
from studyapp.collection import open_collection
from studyapp.content import load_paths
from studyapp.deck_reader import read_deck
from studyapp.math import MARK_END, MARK_START, strip_markers
from studyapp.search import parse

NOTE = (
    "The gradient points in the direction of {{c1::steepest ascent::which way?}}; its negative, "
    "{{c2::steepest descent}}, is what {{c1::gradient descent}} follows: "
    "$\\sigma'(x) = {{c3::\\sigma(x)(1-\\sigma(x))}}$ and $${{c4::\\frac{a}{b}}} = c$$"
)


def deck(*cards: str, deck_id: str = "cloze") -> str:
    head = f'[deck]\nid = "{deck_id}"\ntitle = "Cloze"\n'
    return head + "".join(textwrap.dedent(card) for card in cards)


def write(folder: Path, text: str, name: str = "d.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- parsing ----------------------------------------------------------------------------------------


def test_deletions_hints_and_numbers() -> None:
    deletions = parse_cloze(NOTE)
    assert [(d.number, d.answer, d.hint, d.in_math) for d in deletions] == [
        (1, "steepest ascent", "which way?", False),
        (2, "steepest descent", "", False),
        (1, "gradient descent", "", False),
        (3, "\\sigma(x)(1-\\sigma(x))", "", True),
        (4, "\\frac{a}{b}", "", True),  # braces inside a deletion pair up
    ]
    assert numbers(deletions) == [1, 2, 3, 4]
    for deletion in deletions:
        assert NOTE[deletion.start : deletion.end].startswith("{{c") and NOTE[deletion.end - 2 :].startswith(
            "}}"
        )
        assert NOTE[deletion.answer_start :].startswith(deletion.answer)


def test_a_card_hides_its_deletions_and_shows_the_others() -> None:
    deletions = parse_cloze(NOTE)
    first = question_text(NOTE, deletions, 1)
    assert first.startswith(
        "The gradient points in the direction of [which way?]; its negative, steepest descent,"
    )
    assert "is what […] follows" in first and "\\sigma(x)(1-\\sigma(x))" in first
    assert answer_text(deletions, 1) == "steepest ascent; gradient descent"
    third = question_text(NOTE, deletions, 3)
    assert "$\\sigma'(x) = [\\ldots]$" in third and "steepest ascent" in third
    assert answer_text(deletions, 3) == "$\\sigma(x)(1-\\sigma(x))$"  # a formula's answer keeps its dollars
    marked = card_text(NOTE, deletions, 2, revealed=True)
    assert f"{MARK_START}steepest descent{MARK_END}" in marked
    assert strip_markers(marked, "<", ">").count("<") == 1


def test_a_hint_inside_a_formula_is_text() -> None:
    text = "$x = {{c1::y_1::a {sub}script & 50%}}$"
    deletions = parse_cloze(text)
    assert question_text(text, deletions, 1) == "$x = [\\text{a \\{sub\\}script + 50\\%}]$"


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("The {{c1::gradient", 4, "unclosed cloze '{{c1::'"),
        ("A {{c::x}}", 2, "malformed cloze"),
        ("A {{c1:x}}", 2, "malformed cloze"),
        ("A {{c0::x}}", 5, "cloze number 0 must be 1 or more"),
        ("A {{c1::  }}", 2, "empty cloze"),
        ("no deletion here", 0, "needs at least one deletion"),
        ("{{c1::a {{c2::b}} c}}", 8, "a cloze inside another cloze is not supported"),
        ("$x = {{c1::y$ z}}", 5, "wholly inside a formula or wholly outside one"),
    ],
)
def test_malformed_cloze_markup_is_located(text: str, offset: int, message: str) -> None:
    with pytest.raises(ClozeError) as raised:
        parse_cloze(text)
    assert raised.value.offset == offset and message in raised.value.message


def test_a_deletion_may_hold_a_whole_formula() -> None:
    (deletion,) = parse_cloze("It steps along {{c1::$-\\nabla f$::a vector}}.")
    assert not deletion.in_math and deletion.formula and deletion.shown_answer == "$-\\nabla f$"


# --- cards and ids ----------------------------------------------------------------------------------


CLOZE_CARD = """
[[cards]]
id = "sigmoid"
text = '''
The derivative is $\\sigma'(x) = {{c2::\\sigma(x)(1-\\sigma(x))}}$, largest at {{c1::$x = 0$::where?}}.'''
details = "From the card on activations."
tags = ["activations"]
sim = "activations"
sim_params = { function = "sigmoid" }
"""


def test_a_note_becomes_one_card_per_number_with_stable_ids(tmp_path: Path) -> None:
    path = write(tmp_path, deck(CLOZE_CARD))
    loaded, problems = read_deck(path, sims=CATALOG)
    assert problems == [] and loaded is not None
    first, second = loaded.cards
    assert (
        (first.id, second.id)
        == ("sigmoid::c1", "sigmoid::c2")
        == (card_id("sigmoid", 1), card_id("sigmoid", 2))
    )
    for number, card in enumerate(loaded.cards, 1):
        assert card.cloze_number == number and card.cloze.startswith("The derivative is")
        assert (card.line, card.position, card.source) == (5, 0, path)
        assert card.details == "From the card on activations." and card.tags == ("activations",)
        assert card.sim == "activations" and card.sim_params == {"function": "sigmoid"}
    assert (
        first.question == "The derivative is $\\sigma'(x) = \\sigma(x)(1-\\sigma(x))$, largest at [where?]."
    )
    assert first.answer == "$x = 0$" and first.key_terms == ()  # a formula is not a key term
    assert second.answer == "$\\sigma(x)(1-\\sigma(x))$"


def test_words_a_blank_hides_are_its_key_terms(tmp_path: Path) -> None:
    card = '\n[[cards]]\nid = "g"\ntext = "Points to {{c1::steepest ascent}}, not {{c1::downhill}}."\n'
    loaded, _ = read_deck(write(tmp_path, deck(card)))
    assert loaded is not None and loaded.cards[0].key_terms == ("steepest ascent", "downhill")


def test_ids_stay_when_the_text_changes_and_the_history_follows(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    folder = tmp_path / "decks"
    folder.mkdir()
    write(folder, deck(CLOZE_CARD))
    with open_collection(tmp_path / "c.sqlite3", user_dir=folder) as collection:
        collection.session().rate("sigmoid::c2", 3, now)
    write(folder, deck(CLOZE_CARD.replace("The derivative is", "Sigmoid's slope is")))
    with open_collection(tmp_path / "c.sqlite3", user_dir=folder) as collection:
        assert collection.library.card("sigmoid::c2").question.startswith("Sigmoid's slope is")
        assert collection.store.card_state("sigmoid::c2").reps == 1
        assert collection.store.card_state("sigmoid::c1").reps == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('question = "Q?"\n', "a cloze card has no 'question'"),
        ('answer = "A."\n', "a cloze card has no 'answer'"),
        ("multiple_choice = false\n", "a cloze card has no 'multiple_choice'"),
        ('key_terms = ["x"]\n', "a cloze card has no 'key_terms'"),
    ],
)
def test_a_cloze_card_does_without_question_and_answer(tmp_path: Path, extra: str, message: str) -> None:
    _, (problem,) = read_deck(write(tmp_path, deck(CLOZE_CARD + extra)), sims=CATALOG)
    assert problem.card == "sigmoid" and message in problem.message and problem.line == 13


def test_a_card_without_question_says_it_could_be_a_cloze(tmp_path: Path) -> None:
    card = '\n[[cards]]\nid = "q"\nanswer = "A."\n'
    _, (problem,) = read_deck(write(tmp_path, deck(card)))
    assert (
        "missing required key 'question'" in problem.message and "'text' for a cloze card" in problem.message
    )


def test_a_note_id_is_a_card_id_for_duplicates(tmp_path: Path) -> None:
    plain = '\n[[cards]]\nid = "sigmoid"\nquestion = "Q?"\nanswer = "A."\n'
    _, problems = read_deck(write(tmp_path, deck(CLOZE_CARD, plain)), sims=CATALOG)
    assert [(p.card, p.line) for p in problems] == [("sigmoid", 14)]
    assert "duplicate card id 'sigmoid' (first used on line 5)" in problems[0].message


def test_a_written_id_with_the_cloze_suffix_is_refused(tmp_path: Path) -> None:
    card = '\n[[cards]]\nid = "x::c1"\nquestion = "Q?"\nanswer = "A."\n'
    _, (problem,) = read_deck(write(tmp_path, deck(card)))
    assert "card id 'x::c1' must be lowercase letters, digits and dashes" in problem.message


# --- problems at their line and column ----------------------------------------------------------------


BAD = """
[[cards]]
id = "unclosed"
text = "The gradient points {{c1::uphill"

[[cards]]
id = "in-formula"
text = \'\'\'
First line.
So $x = {{c1::\\fracc{a}{b}}}$.\'\'\'

[[cards]]
id = "nested"
text = "A {{c1::b {{c2::c}} d}}"
"""


def test_check_reports_cloze_problems_at_their_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, deck(BAD))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:7:29: [card unclosed] unclosed cloze '{{{{c1::': close it with '}}}}'" in err
    assert f"{path}:13:15: [card in-formula] cannot read the formula: unknown command \\fracc" in err
    assert "(did you mean \\frac?)" in err
    assert f"{path}:17:19: [card nested] a cloze inside another cloze is not supported" in err
    assert "Traceback" not in err


def test_a_broken_cloze_note_skips_its_deck_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, deck(BAD), "bad.toml")
    write(tmp_path, deck(CLOZE_CARD, deck_id="good"), "good.toml")
    library = load_paths([tmp_path], sims=CATALOG)
    assert [d.id for d in library.decks] == ["good"] and len(library.problems) == 3


# --- search -----------------------------------------------------------------------------------------


def test_search_finds_cloze_cards_by_their_id(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        assert collection.search("sigmoid-derivative::c1", now) == ["sigmoid-derivative::c1"]
        assert collection.search('"sigmoid-derivative::c2"', now) == ["sigmoid-derivative::c2"]
        assert set(collection.search("sigmoid-derivative", now)) == {
            "sigmoid-derivative::c1",
            "sigmoid-derivative::c2",
        }
        assert set(collection.search("residual-block\\:\\:c*", now)) == {
            "residual-block::c1",
            "residual-block::c2",
        }
        assert collection.search("tag:cnn conv-output-size::c*", now) == ["conv-output-size::c1"]
        # a one-word note id's card is its id too, not a field "gradient:"
        assert parse("gradient::c1").root == parse("gradient\\:\\:c1").root


def section_example(heading: str) -> str:
    """The first code block after ``heading`` in content/README.md."""
    text = (Path(__file__).resolve().parents[2] / "content" / "README.md").read_text(encoding="utf-8")
    return text.split(heading, 1)[1].split("```\n", 2)[1]


def test_the_readme_examples_load(tmp_path: Path) -> None:
    cloze = section_example("## Cloze cards")
    formulas = section_example("## Formulas")
    card = '\n[[cards]]\nid = "formulas"\nquestion = "Q?"\n' + formulas
    loaded, problems = read_deck(write(tmp_path, deck(cloze, card)), sims=CATALOG)
    assert problems == [] and loaded is not None
    assert [c.id for c in loaded.cards] == ["sigmoid-derivative::c1", "sigmoid-derivative::c2", "formulas"]
    assert loaded.cards[1].question.endswith("value is [a fraction].")
