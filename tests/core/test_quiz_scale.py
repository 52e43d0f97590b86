"""A quiz over a big collection: only the cards that could have a question form are looked at closely
(``could_have_forms``), which is true of every card that has one, so a seed gives the same quiz with 50,000
more cards as without them; the quiz command reads only those cards from the deck cache, and says what is
wrong with a choice of cards exactly as when it read them all."""

from __future__ import annotations

import random
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from studyapp.content import load_library
from studyapp.model import Card
from studyapp.quiz import KINDS, QuestionKind, build_quiz
from studyapp.quiz.generators import FORMS, could_have_forms
from studyapp.quiz.rubric import written_rubrics
from studyapp.quiz.runner import forms

from .conftest import Cli

NO_USER_DECKS = Path(__file__).parent / "no-user-decks"
EXTRA = 50_000
NO_QUESTION = "cannot build the quiz: cards must support at least one"


@cache
def bundled() -> tuple[Card, ...]:
    """Every bundled card: cloze and drill cards too."""
    return tuple(load_library(user_dir=NO_USER_DECKS).cards)


def one_line_card(number: int, rng: random.Random) -> Card:
    """A card as a big imported deck has them: a question and an answer, a tag or two."""
    words = ("gradient", "kernel", "stride", "pooling", "softmax", "café", "σ-algebra", "dropout")
    question = " ".join(rng.choice(words) for _ in range(6))
    return Card(f"scale-{number:06d}", "scale", f"Card {number}: {question}?", "An answer.", tags=("scale",))


def test_every_card_with_a_form_could_have_one() -> None:
    with_forms = [card for card in bundled() if forms(card)]
    assert len(with_forms) > 20
    candidates = could_have_forms()
    for card in bundled():
        if forms(card):
            assert candidates.keeps(card), card.id


def test_a_card_without_the_form_fields_has_no_form_unless_its_rubric_is_written() -> None:
    """What ``could_have_forms`` relies on, checked against every kind's form finder: each bundled card
    with its form fields emptied has no form, except through the lecturer's rubric of its id."""
    written = written_rubrics()
    assert written
    candidates = could_have_forms()
    for card in bundled():
        bare = replace(card, distractors=(), key_terms=(), steps=(), sim=None)
        other = replace(bare, id=f"{card.id}-elsewhere")
        assert not candidates.keeps(other)
        assert all(not find(other) for find in FORMS.values()), card.id
        if card.id in written:
            assert candidates.keeps(bare)


@pytest.mark.parametrize("kinds", [KINDS, (QuestionKind.SHORT, QuestionKind.TYPED), (QuestionKind.NUMERIC,)])
def test_a_seed_gives_the_same_quiz_with_fifty_thousand_more_cards(kinds: tuple[QuestionKind, ...]) -> None:
    """The quiz of a seed over the bundled cards among 50,000 one-line cards (and a few that have forms),
    interleaved, is the quiz over the cards that have forms alone: the cards without one change nothing."""
    rng = random.Random(17)
    extra = [one_line_card(n, rng) for n in range(EXTRA)]
    for n in range(0, EXTRA, 5000):  # one-line cards that have forms: multiple choice, true or false
        extra[n] = replace(extra[n], distractors=("Another answer.", "A third.", "A fourth."))
    cards = list(extra)
    for i, card in enumerate(bundled()):
        cards.insert(i * (EXTRA // len(bundled())), card)
    with_forms = [card for card in cards if forms(card, kinds)]
    assert len(with_forms) < len(bundled()) + 20
    for seed in (0, 1, 42, 12345):
        for count in (3, 10, 40):
            assert build_quiz(cards, count, seed, kinds) == build_quiz(with_forms, count, seed, kinds)


# -- the command -----------------------------------------------------------------------------------

PLAIN_DECK = """[deck]
id = "plain"
title = "One-line cards"
""" + "".join(
    f'\n[[cards]]\nid = "plain-{n}"\nquestion = "Plain question {n}?"\nanswer = "Plain answer {n}."\n'
    f'tags = ["plain-only"]\n'
    for n in range(30)
)


def run_quiz(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``studyapp quiz --plain`` with a private home, the bundled decks and a deck of one-line cards."""
    decks = tmp_path / "decks"
    decks.mkdir(exist_ok=True)
    (decks / "plain.toml").write_text(PLAIN_DECK, encoding="utf-8")
    cli = Cli(decks, tmp_path / "home")
    return cli.run(tmp_path / "quiz.sqlite3", "quiz", "--plain", "-n", "4", "--seed", "5", *args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "plain"], f"{NO_QUESTION} of the chosen kinds of question"),
        (["--tag", "plain-only"], f"{NO_QUESTION} of the chosen kinds of question"),
        (["--search", "plain question"], f"{NO_QUESTION} of the chosen kinds of question"),
        (["--search", "zzzqx"], "no card matches --search 'zzzqx' (with --deck and --tag)"),
        (["--deck", "plain", "--tag", "cnn"], "no card has the tag 'cnn'; tags: plain-only"),
    ],
)
def test_a_choice_of_cards_without_questions_is_reported_as_always(
    tmp_path: Path, args: list[str], message: str
) -> None:
    run_quiz(tmp_path)  # the decks read once: the cache is used below
    result = run_quiz(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_the_command_asks_the_quiz_of_the_seed_over_every_card(tmp_path: Path) -> None:
    """With the cache used (the second run), the command's quiz is ``build_quiz`` over every card."""
    first, second = run_quiz(tmp_path), run_quiz(tmp_path)
    assert first.returncode == second.returncode == 0, second.stderr
    library = load_library([tmp_path / "decks"], user_dir=tmp_path / "home" / "data" / "studyapp" / "decks")
    questions = build_quiz(library.cards, 4, 5)
    assert f"[1/4] {questions[0].label} · card {questions[0].card_id}" in second.stdout
    assert first.stdout == second.stdout
