"""Notes on the bundled deck: the seed's words stay verbatim, the notes say what is true and cite
simulation runs that show it; bad notes and headlines are deck problems with positions."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.params import FloatParam
from sim.registry import CATALOG
from studyapp.cli import main
from studyapp.collection import open_collection
from studyapp.content import load_library
from studyapp.deck_reader import NOTE_KINDS, read_deck
from studyapp.model import Card, Problem

ROOT = Path(__file__).resolve().parents[2]
#: The author's flashcards the deck is made from, as the course notes give them.
SEED = ROOT / "tests" / "data" / "deep-learning-flashcards.txt"

#: The cards whose words need a note, and the note's kind (the lecturer's review, December 2026).
NOTES = {
    "mlp": "clarification",
    "backpropagation": "correction",
    "loss-function": "clarification",
    "vanishing-exploding": "correction",
    "batch-training": "correction",
    "batching-methods": "correction",
    "optimisation-heuristics": "clarification",
    "data-splits": "clarification",
    "conv-filters": "clarification",
    "filter-kinds": "clarification",
    "pooling": "correction",
}
#: Typos in the seed that the deck fixes (seed text -> deck text); nothing else may differ.
TYPO_FIXES = {
    "shuld": "should",
    "graident": "gradient",
    "steeps ascent": "steepest ascent",
    "to small": "too small",
    "take take": "take",
    "some the": "some of the",
    "it avoid ": "it avoids ",
    "help you": "helps you",
    "backpropogation": "backpropagation",
    "patcges": "patches",
    "glonbal": "global",
    "infromation": "information",
    " lso ": " also ",
    "flor": "flow",
}
#: Answers joined from the seed's headings: each part is the seed's, the joins are not.
COMPOSED_ANSWERS = {"batching-methods", "filter-kinds", "padding-striding"}
#: Cards made from the seed's trailing statements: the question is written, the answer is the seed's.
WRITTEN_QUESTIONS = {
    "jacobian": "What is the Jacobian matrix?",
    "hessian": "What is the Hessian matrix?",
    "cross-entropy": "Why is the cross-entropy loss preferred for classification?",
}
COMMAND = re.compile(r"`(studyapp sim run [^`]+)`")


@cache
def cards() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=Path("/nonexistent"), sims=CATALOG).cards}


def words(text: str) -> str:
    """Lowercase words and numbers only, space-padded: formatting and punctuation do not count."""
    text = re.sub(r"[^\w']+", " ", text.lower().replace("’", "'"))
    return f" {' '.join(text.split())} "


@cache
def seed_words() -> str:
    text = SEED.read_text(encoding="utf-8")
    for typo, fixed in TYPO_FIXES.items():
        assert typo in text, f"the seed no longer has the typo {typo!r}"
        text = text.replace(typo, fixed)
    return words(text)


def cited(card: Card) -> list[tuple[str, dict[str, str]]]:
    """The simulation runs a note cites, as (name, {parameter: typed value})."""
    runs = []
    for command in COMMAND.findall(card.note):
        args = shlex.split(command)[3:]
        name, rest = args[0], args[1:]
        assert len(rest) % 2 == 0 and all(flag == "--set" for flag in rest[::2]), command
        runs.append((name, dict(pair.split("=", 1) for pair in rest[1::2])))
    return runs


def run_cited(card: Card, index: int) -> dict[str, Any]:
    """The answers of the ``index``-th simulation the card's note cites, as `studyapp sim run` gives them."""
    name, typed = cited(card)[index]
    spec = sim.spec(name)
    return sim.run(name, {key: spec.param(key).parse(value) for key, value in typed.items()}).answers


def run_card(card: Card) -> dict[str, Any]:
    """The answers of the card's own simulation preset."""
    assert card.sim is not None
    return sim.run(card.sim, dict(card.sim_params)).answers


# --- which cards have notes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("card_id", "kind"), NOTES.items())
def test_each_flagged_card_has_a_note_of_its_kind(card_id: str, kind: str) -> None:
    card = cards()[card_id]
    assert card.note_kind == kind
    assert 80 < len(card.note) < 1200, "a note is brief, but says what is true"


def test_only_the_flagged_cards_have_notes() -> None:
    assert {card.id for card in cards().values() if card.note} == set(NOTES)
    assert all(card.note_kind in NOTE_KINDS for card in cards().values() if card.note)


# --- the seed's words stay verbatim ---------------------------------------------------------------------


#: The line after which a card's details are added to the course notes (content/README.md).
ADDED = "**Added to the course notes:**"
#: The cards whose details gained the formulas the seed implies, each after ``ADDED``.
FORMULAS_ADDED = {
    "common-activations",
    "gradient",
    "optimisation-heuristics",
    "adaptive-optimisers",
    "log-sum-exp",
    "cross-entropy",
    "padding-striding",
    "conv-filters",
    "jacobian",
    "hessian",
}


def authors_details(card: Card) -> str:
    """A card's details up to what was added to the course notes."""
    return card.details.partition(ADDED)[0]


@pytest.mark.parametrize("card_id", sorted(c.id for c in cards().values() if not c.cloze and not c.problem))
def test_question_answer_and_details_are_the_seeds_words(card_id: str) -> None:
    card = cards()[card_id]
    if card_id in WRITTEN_QUESTIONS:
        assert card.question == WRITTEN_QUESTIONS[card_id]
    else:
        assert words(card.question) in seed_words()
    parts = re.split(r"[,:;] |\s+and\s+", card.answer) if card_id in COMPOSED_ANSWERS else [card.answer]
    for part in parts:
        assert words(part) in seed_words(), part
    for line in authors_details(card).splitlines():
        if line.strip():
            assert words(line) in seed_words(), line


def test_additions_are_marked_and_come_after_the_authors_words() -> None:
    """Formulas and cloze cards are not the seed's: each is marked as added to the course notes."""
    for card in cards().values():
        added = card.details.partition(ADDED)[2]
        assert card.details.count(ADDED) <= 1, card.id
        assert "$" not in authors_details(card), f"{card.id}: a formula among the author's words"
        if card.cloze:
            assert card.details.startswith(ADDED), card.id
            assert not any(words(sentence) in seed_words() for sentence in card.cloze.split(". ")), card.id
        elif card.problem:  # a drill card: wholly an addition
            assert card.details.lstrip().startswith(ADDED), card.id
        elif card.id in FORMULAS_ADDED:
            assert "$$" in added, card.id
        else:
            assert not added, card.id
    formulas_added = {
        card.id for card in cards().values() if ADDED in card.details and not card.cloze and not card.problem
    }
    assert formulas_added == FORMULAS_ADDED


def test_the_notes_are_not_written_into_the_seeds_words() -> None:
    for card in cards().values():
        if card.note:
            assert words(card.note) not in words(authors_details(card) + card.answer)
    assert "not exactly there" in cards()["pooling"].details, "the seed's words, not a fix that changes them"


def test_quiz_data_of_corrected_cards_does_not_assert_what_the_note_corrects() -> None:
    batch = cards()["batch-training"]
    assert not any("vanish" in term or "explod" in term for term in batch.key_terms)
    backprop = cards()["backpropagation"]
    assert not any("update" in step.lower() for step in backprop.steps)
    assert any("chain rule" in step for step in backprop.steps)
    assert any("derivative" in step for step in cards()["vanishing-exploding"].steps)


# --- notes parse, and their simulation runs show what they say -----------------------------------------


def test_every_cited_run_is_a_valid_command() -> None:
    commands = 0
    for card in cards().values():
        assert card.note.count("`") % 2 == 0, card.id
        for name, typed in cited(card):
            commands += 1
            assert name in sim.NAMES, (card.id, name)
            spec = sim.spec(name)
            spec.resolve({key: spec.param(key).parse(value) for key, value in typed.items()})
    assert commands >= 10


def test_vanishing_exploding_runs_show_activation_initialisation_and_explosion() -> None:
    card = cards()["vanishing-exploding"]
    regimes = [run_cited(card, i)["regime"] for i in range(3)]
    assert regimes == ["vanishing", "stable", "exploding"]
    assert [name for name, _ in cited(card)] == ["vanishing-gradients"] * 3
    assert cited(card)[1][1] == {"activation": "relu", "init": "he"}
    assert cited(card)[0][1] == {"activation": "sigmoid", "weight_scale": "4"}
    assert "the largest weight scale" in card.note
    scale = sim.spec("vanishing-gradients").param("weight_scale")
    assert isinstance(scale, FloatParam) and scale.high == 4.0


def test_batch_averages_do_not_rescue_a_vanishing_gradient() -> None:
    """The same sigmoid network: one example or a batch of 64, the first layer's gradient vanishes."""
    card = cards()["batch-training"]
    assert run_cited(card, 0)["regime"] == "vanishing"
    rng = np.random.default_rng(0)
    width, depth = 32, 20
    weights = [rng.normal(0, 1 / np.sqrt(width), (width, width)) for _ in range(depth)]
    weights.append(rng.normal(0, 1 / np.sqrt(width), (1, width)))
    biases = [np.zeros(w.shape[0]) for w in weights]
    for batch in (1, 64):
        x = rng.normal(size=(batch, width))
        _, _, dbs = sim.mlp_gradients(weights, biases, x, np.ones((batch, 1)), "sigmoid")
        assert np.linalg.norm(dbs[0]) / np.linalg.norm(dbs[-1]) < 1e-6, batch


def test_batching_methods_runs_show_noise_escaping_ripples_and_one_update_per_epoch() -> None:
    card = cards()["batching-methods"]
    exact, noisy, batching = (run_cited(card, i) for i in range(3))
    assert exact["final_gap"][0] > 1.0, "exact gradients: SGD stops in a ripple"
    assert noisy["final_gap"][0] < exact["final_gap"][0] / 10, "noisy gradients: SGD gets out"
    full, minibatch, _ = batching["final_loss"]
    assert batching["updates_per_epoch"][0] == 1
    assert full > 3 * batching["optimal_loss"] and minibatch < 1.1 * batching["optimal_loss"]


def test_pooling_runs_route_the_gradient_to_the_max_and_share_it_for_the_average() -> None:
    card = cards()["pooling"]
    max_pool, avg_pool = run_cited(card, 0), run_cited(card, 1)
    routed = np.array(max_pool["input_gradient"])
    windows = routed.reshape(4, 2, 4, 2).transpose(0, 2, 1, 3).reshape(16, 4)  # the 2x2 windows of 8x8
    assert np.all(windows.sum(axis=1) == 1) and np.all(np.count_nonzero(windows, axis=1) == 1)
    assert max_pool["gradient_receivers"] == 16
    assert np.all(np.array(avg_pool["input_gradient"]) == 0.25) and avg_pool["gradient_receivers"] == 64


def test_data_splits_note_quotes_the_computed_errors() -> None:
    card = cards()["data-splits"]
    answers = run_card(card)
    assert f"degree {answers['best_degree']}" in card.note
    assert f"{answers['validation_error']:.2g}" in card.note and f"{answers['test_error']:.2g}" in card.note
    assert answers["validation_error"] < answers["test_error"] / 2


def test_mlp_and_loss_function_runs() -> None:
    relu = run_cited(cards()["mlp"], 0)
    assert relu["score"] >= 0.95 > 0.6 > relu["linear_score"]
    loss = cards()["loss-function"]
    assert run_cited(loss, 0)["ce_loss"] < run_card(loss)["ce_loss"] / 10


def test_filter_kinds_alternative_laplacian_counts_the_diagonals() -> None:
    kernel = np.array(run_cited(cards()["filter-kinds"], 0)["kernel"])
    assert kernel[1, 1] == -8 and kernel[0, 0] == kernel[2, 2] == 1 and kernel.sum() == 0


def test_conv_filters_the_simulation_computes_a_cross_correlation() -> None:
    from scipy.signal import correlate2d

    image = np.random.default_rng(1).normal(size=(9, 11))
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [0.5, 0.0, -2.0]])
    np.testing.assert_allclose(sim.conv2d(image, kernel), correlate2d(image, kernel, mode="valid"))
    assert "cross-correlation" in cards()["conv-filters"].note


# --- `studyapp cards --json` -----------------------------------------------------------------------


def test_cards_json_has_note_kind_and_headline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=tmp_path / "none"):
        pass
    assert main(["--db", str(db), "cards", "--json"]) == 0
    listed = {c["id"]: c for c in json.loads(capsys.readouterr().out)}
    assert set(listed) == set(cards())
    for card_id, card in cards().items():
        shown = listed[card_id]
        assert (shown["note"], shown["note_kind"], shown["headline"]) == (
            card.note,
            card.note_kind,
            list(card.headline),
        )
    assert listed["pooling"]["note_kind"] == "correction" and listed["gradient"]["note"] == ""
    assert listed["jacobian"]["headline"][0] == "jacobian"


# --- bad notes and headlines are deck problems with positions -------------------------------------------


CARD = """
[deck]
id = "notes"
title = "Notes"

[[cards]]
id = "n"
question = "What does max pooling keep?"
answer = "The largest value in each window."
sim = "jacobian-hessian"
"""


def problems(tmp_path: Path, extra: str, sims: bool = True) -> list[Problem]:
    path = tmp_path / "d.toml"
    path.write_text(textwrap.dedent(CARD).lstrip() + textwrap.dedent(extra), encoding="utf-8")
    deck, found = read_deck(path, sims=CATALOG if sims else None)
    assert (deck is None) == bool(found)
    return found


def test_a_good_note_and_headline_load(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    extra = 'note_kind = "correction"\nnote = """\nIt is *true*.\n"""\nheadline = ["jacobian", "vjp"]\n'
    path.write_text(textwrap.dedent(CARD).lstrip() + extra, encoding="utf-8")
    deck, found = read_deck(path, sims=CATALOG)
    assert found == [] and deck is not None
    card = deck.cards[0]
    assert (card.note, card.note_kind, card.headline) == ("It is *true*.", "correction", ("jacobian", "vjp"))


def test_an_unknown_note_kind_is_reported_at_its_value(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, 'note = "x"\nnote_kind = "corection"\n')
    assert problem.card == "n" and (problem.line, problem.column) == (11, 13)
    assert "'correction' or 'clarification'" in problem.message
    assert "did you mean 'correction'" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'd.toml'}:11:13: [card n]")


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ('note = "x"\n', 10, "needs 'note_kind'"),
        ('note_kind = "correction"\n', 10, "'note_kind' given without 'note'"),
        ('note = "  "\nnote_kind = "correction"\n', 10, "'note' must be a non-empty string"),
        ("note = 3\nnote_kind = 'clarification'\n", 10, "'note' must be a non-empty string"),
        ("note = 'x'\nnote_kind = 2\n", 11, "got 2"),
    ],
)
def test_note_problems(tmp_path: Path, extra: str, line: int, message: str) -> None:
    (problem,) = problems(tmp_path, extra)
    assert problem.card == "n" and problem.line == line and problem.column == 1
    assert message in problem.message


def test_an_unknown_headline_key_is_reported_at_the_key(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, 'headline = ["jacobian", "hesian"]\n')
    assert (problem.line, problem.column) == (10, 25)
    assert "simulation 'jacobian-hessian' has no answer 'hesian'" in problem.message
    assert "did you mean 'hessian'" in problem.message


def test_an_unknown_headline_key_on_a_later_line_of_the_list(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, 'headline = [\n  "jacobian",\n  "nothing_like_it",\n]\n')
    assert (problem.line, problem.column) == (12, 3)
    assert "valid: hessian, hessian_eigenvalues" in problem.message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('headline = "jacobian"\n', "'headline' must be a list of answer keys"),
        ('headline = ["jacobian", ""]\n', "'headline' must be a list of answer keys"),
        ('headline = ["vjp", "vjp"]\n', "'headline' lists 'vjp' more than once"),
    ],
)
def test_headline_problems(tmp_path: Path, extra: str, message: str) -> None:
    (problem,) = problems(tmp_path, extra)
    assert problem.line == 10 and message in problem.message


def test_a_headline_needs_a_simulation(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    text = textwrap.dedent(CARD).lstrip().replace('sim = "jacobian-hessian"\n', 'headline = ["x"]\n')
    path.write_text(text, encoding="utf-8")
    _, (problem,) = read_deck(path, sims=CATALOG)
    assert "'headline' given without 'sim'" in problem.message and problem.line == 9


def test_without_a_catalog_headline_keys_are_kept_as_written(tmp_path: Path) -> None:
    assert problems(tmp_path, 'headline = ["anything"]\n', sims=False) == []


def test_every_problem_of_a_card_is_reported_in_one_run(tmp_path: Path) -> None:
    found = problems(tmp_path, 'note_kind = "fix"\nheadline = ["nope", "hessian", "nada"]\n')
    assert [(p.line, p.column) for p in found] == [(10, 13), (11, 13), (11, 32)]
