"""The deck loader and validator: the bundled deck, and every kind of bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp.content import load_library, load_paths
from studyapp.deck_reader import read_deck
from studyapp.model import Problem
from studyapp.paths import bundled_deck_dir

GOOD_CARD = """
[[cards]]
id = "{id}"
question = "What does max pooling keep?"
answer = "The largest value in each window."
tags = ["cnn"]
sim = "activations"
"""


def deck_text(*cards: str, deck_id: str = "extra") -> str:
    head = f'[deck]\nid = "{deck_id}"\ntitle = "Extra"\n'
    return head + "".join(textwrap.dedent(card) for card in cards)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(path: Path) -> Problem:
    deck, problems = read_deck(path, sims=CATALOG)
    assert deck is None
    assert len(problems) == 1, problems
    assert problems[0].path == path
    return problems[0]


# --- the bundled deck -------------------------------------------------------------------------------


#: The bundled deck: the seed's 27 cards, then 14 cloze cards from 8 notes and 5 drill cards added to the
#: course notes.
SEED_CARDS = 27
CLOZE_CARDS = 14
DRILL_CARDS = 5
BUNDLED_CARDS = SEED_CARDS + CLOZE_CARDS + DRILL_CARDS


def test_bundled_deck_has_27_complete_cards() -> None:
    library = load_library(user_dir=Path("/nonexistent"), sims=CATALOG)
    assert library.problems == []
    assert len(library.cards) == BUNDLED_CARDS
    assert len({c.id for c in library.cards}) == BUNDLED_CARDS
    assert len([card for card in library.cards if card.problem]) == DRILL_CARDS
    cards = [card for card in library.cards if not card.cloze and not card.problem]
    assert len(cards) == SEED_CARDS
    for card in cards:
        assert card.question and card.answer, card.id
        assert card.tags, card.id
        assert card.sim, card.id
        assert len(card.distractors) >= 3, card.id
        assert len(set(card.distractors)) == len(card.distractors), card.id
        assert card.answer not in card.distractors, card.id
        assert card.key_terms, card.id


def test_bundled_cloze_cards_come_from_their_notes_with_stable_ids() -> None:
    library = load_library(user_dir=Path("/nonexistent"), sims=CATALOG)
    cloze = [card for card in library.cards if card.cloze]
    assert len(cloze) == CLOZE_CARDS
    notes = {card.id.partition("::")[0] for card in cloze}
    assert len(notes) == 8
    for card in cloze:
        note, _, number = card.id.partition("::c")
        assert int(number) == card.cloze_number and note in notes
        assert card.question and card.answer and card.tags and card.sim, card.id
        assert card.question != card.cloze and ("[" in card.question)
        assert card.position >= SEED_CARDS, "the cloze notes come after the seed's cards"
    # the seed's cards keep their places, first in the deck
    assert [c.position for c in library.cards[:SEED_CARDS]] == list(range(SEED_CARDS))


def test_bundled_sim_links_and_presets_resolve() -> None:
    import sim

    for card in load_library(user_dir=Path("/nonexistent"), sims=CATALOG).cards:
        if card.problem:  # a drill card: each instance comes with its own simulation preset
            continue
        assert card.sim in sim.NAMES
        spec = sim.spec(card.sim)
        assert spec.resolve(card.sim_params)


def test_partial_derivative_card_stays_multiple_choice() -> None:
    card = load_library(user_dir=Path("/nonexistent"), sims=CATALOG).card("partial-derivative")
    assert card.multiple_choice
    assert "one variable" in card.answer


def test_the_three_statement_cards_are_cards_of_their_own() -> None:
    library = load_library(user_dir=Path("/nonexistent"), sims=CATALOG)
    assert "vector" in library.card("jacobian").details.lower() + library.card("jacobian").answer.lower()
    assert "second" in library.card("hessian").answer.lower()
    assert (
        "log-sum-exp"
        in (library.card("cross-entropy").answer + library.card("cross-entropy").details).lower()
    )


def test_bundled_deck_dir_is_found() -> None:
    assert (bundled_deck_dir() / "deep-learning.toml").is_file()


# --- user decks -------------------------------------------------------------------------------------


def test_a_valid_user_deck_loads_after_the_bundled_one(tmp_path: Path) -> None:
    write(tmp_path, "extra.toml", deck_text(GOOD_CARD.format(id="max-pool")))
    library = load_library(user_dir=tmp_path, sims=CATALOG)
    assert [d.id for d in library.decks][-1] == "extra"
    assert library.card("max-pool").deck == "extra"
    assert not library.deck("extra").bundled


def test_a_broken_user_deck_is_skipped_with_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "broken.toml", "[deck\n")
    library = load_library(user_dir=tmp_path, sims=CATALOG)
    assert len(library.cards) == BUNDLED_CARDS
    assert library.problems and library.problems[0].path.name == "broken.toml"


# --- every bad-input case ---------------------------------------------------------------------------


def test_syntax_error_reports_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", '[deck]\nid = "x"\ntitle = \n')
    problem = only_problem(path)
    assert problem.line == 3 and problem.column > 0
    assert str(problem).startswith(f"{path}:3:")
    assert "syntax" in problem.message


def test_missing_required_field_names_card_and_line(tmp_path: Path) -> None:
    card = '\n[[cards]]\nid = "no-answer"\nquestion = "Why?"\n'
    path = write(tmp_path, "d.toml", deck_text(card))
    problem = only_problem(path)
    assert problem.card == "no-answer"
    assert "missing required key 'answer'" in problem.message
    assert problem.line == 5


def test_missing_deck_title(tmp_path: Path) -> None:
    path = write(tmp_path, "d.toml", '[deck]\nid = "d"\n' + GOOD_CARD.format(id="a"))
    assert "'title'" in only_problem(path).message


@pytest.mark.parametrize("field", ["question", "answer"])
def test_empty_question_or_answer(tmp_path: Path, field: str) -> None:
    card = GOOD_CARD.format(id="empty").replace(f'{field} = "', f'{field} = "  " #')
    path = write(tmp_path, "d.toml", deck_text(card))
    problem = only_problem(path)
    assert problem.card == "empty"
    assert f"'{field}' must be a non-empty string" in problem.message


def test_duplicate_card_id_within_a_deck(tmp_path: Path) -> None:
    path = write(tmp_path, "d.toml", deck_text(GOOD_CARD.format(id="twin"), GOOD_CARD.format(id="twin")))
    problem = only_problem(path)
    assert problem.card == "twin" and "duplicate card id" in problem.message
    assert problem.line == 12


def test_duplicate_card_id_across_decks(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", deck_text(GOOD_CARD.format(id="twin"), deck_id="a"))
    second = write(tmp_path, "b.toml", deck_text(GOOD_CARD.format(id="twin"), deck_id="b"))
    library = load_paths([tmp_path], sims=CATALOG)
    assert [d.id for d in library.decks] == ["a"]
    (problem,) = library.problems
    assert problem.path == second and problem.card == "twin"
    assert "a.toml" in problem.message


def test_a_user_deck_card_with_a_bundled_id_overrides_it_in_place(tmp_path: Path) -> None:
    bundled = load_library(user_dir=tmp_path / "none", sims=CATALOG)
    write(tmp_path, "mine.toml", deck_text(GOOD_CARD.format(id="mlp")))
    library = load_library(user_dir=tmp_path, sims=CATALOG)
    assert not library.problems and len(library.cards) == BUNDLED_CARDS
    assert [card.id for card in library.cards] == [card.id for card in bundled.cards]
    mine, original = library.card("mlp"), bundled.card("mlp")
    assert mine.question == "What does max pooling keep?" and mine.source == tmp_path / "mine.toml"
    assert (mine.deck, mine.position) == (original.deck, original.position)
    assert [deck.id for deck in library.decks] == ["deep-learning"]  # the user deck had nothing else


def test_two_overrides_of_one_bundled_card_are_a_duplicate(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", deck_text(GOOD_CARD.format(id="mlp")))
    write(tmp_path, "b.toml", deck_text(GOOD_CARD.format(id="mlp"), deck_id="other"))
    library = load_library(user_dir=tmp_path, sims=CATALOG)
    assert len(library.problems) == 1 and library.problems[0].card == "mlp"
    assert "duplicate card id 'mlp'" in library.problems[0].message


def test_unknown_simulation(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="s").replace('sim = "activations"', 'sim = "convolutionn"')
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert problem.card == "s"
    assert (
        "unknown simulation 'convolutionn'" in problem.message
        and "did you mean 'convolution'" in problem.message
    )


def test_preset_with_unknown_parameter(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="p") + "sim_params = { layerz = 3 }\n"
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert problem.card == "p" and "no parameter 'layerz'" in problem.message and "layers" in problem.message


def test_preset_with_a_value_of_the_wrong_type(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="p") + 'sim_params = { layers = "ten" }\n'
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert "'layers'" in problem.message and "an integer from 1 to 50" in problem.message


def test_preset_with_a_value_out_of_range(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="p") + "sim_params = { layers = 500 }\n"
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert problem.card == "p" and "got 500" in problem.message


def test_preset_with_an_unknown_choice(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="p") + 'sim_params = { function = "softsign" }\n'
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert "one of sigmoid, tanh, relu, leaky_relu" in problem.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="typo") + 'detials = "oops"\n'
    problem = only_problem(write(tmp_path, "d.toml", deck_text(card)))
    assert problem.card == "typo"
    assert "unknown key 'detials'" in problem.message and "did you mean 'details'" in problem.message


def test_a_misspelt_note_key_suggests_the_right_one(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="typo") + 'note_kynd = "correction"\nnote = "It is so."\n'
    messages = [p.message for p in read_deck(write(tmp_path, "d.toml", deck_text(card)), sims=CATALOG)[1]]
    assert any("unknown key 'note_kynd'" in m and "did you mean 'note_kind'" in m for m in messages)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(deck_text(GOOD_CARD.format(id="c")).replace("largest", "größte").encode("latin-1"))
    problem = only_problem(path)
    assert "not UTF-8" in problem.message and problem.line == 8


def test_empty_deck(tmp_path: Path) -> None:
    problem = only_problem(write(tmp_path, "d.toml", deck_text()))
    assert "no cards" in problem.message


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    bad_sim = GOOD_CARD.format(id="b").replace('sim = "activations"', 'sim = "nope"')
    text = deck_text(GOOD_CARD.format(id="a") + "colour = 1\n", bad_sim, '\n[[cards]]\nid = "c"\n')
    deck, problems = read_deck(write(tmp_path, "d.toml", text), sims=CATALOG)
    assert deck is None
    assert [p.card for p in problems] == ["a", "b", "c", "c"]


def test_few_distractors_and_bad_slugs(tmp_path: Path) -> None:
    card = GOOD_CARD.format(id="Bad Id") + 'distractors = ["only one"]\n'
    _, problems = read_deck(write(tmp_path, "d.toml", deck_text(card)))
    messages = " ".join(p.message for p in problems)
    assert "lowercase letters" in messages and "at least 3 distractors" in messages
