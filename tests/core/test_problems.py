"""Problems as cards: drill cards in decks (and ``check``), fresh instances from stored seeds, the quiz's
grading, the review history made again, undo, and ``review --plain`` with drill cards and predictions."""

from __future__ import annotations

import math
import re
import sqlite3
import textwrap
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from studyapp.cli import main
from studyapp.collection import open_collection
from studyapp.content import load_paths
from studyapp.model import Rating
from studyapp.predict import KNOWN_MISTAKE
from studyapp.problems import PROBLEMS, grade_drill, history, make_drill
from studyapp.quiz.numbers import AnswerError
from studyapp.quiz.numeric import NUMERIC_KINDS, generate
from studyapp.store.predictions import DrillAnswer

from .conftest import T0, Cli, write_decks

DRILLS = """
[deck]
id = "drills"
title = "Drills"

[[cards]]
id = "pool-drill"
problem = "pool-value"
details = "One value of a pooling."
tags = ["cnn"]

[[cards]]
id = "ce"
question = "What is the cross-entropy loss of the logit -2 for the true class 1?"
answer = "About 2.13."
tags = ["loss"]
sim = "cross-entropy"
sim_params = { logit = -2.0, target = 1 }
headline = ["ce_loss", "probability"]
"""


def test_the_problem_names_are_the_quizs_numeric_kinds() -> None:
    assert {name: kind.title for name, kind in NUMERIC_KINDS.items()} == PROBLEMS


def test_a_drill_card_needs_no_question_or_answer(tmp_path: Path) -> None:
    library = load_paths([write_decks(tmp_path / "d", {"d.toml": DRILLS})], problems=PROBLEMS)
    assert library.problems == []
    drill = library.cards[0]
    assert (drill.problem, drill.tags, drill.sim) == ("pool-value", ("cnn",), None)
    assert drill.question == "Drill: A pooled value (a new problem each review)"
    assert library.cards[1].problem == ""


def test_check_rejects_an_unknown_problem_and_keys_a_drill_has_no_use_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "bad.toml"
    deck.write_text(
        textwrap.dedent(
            """\
            [deck]
            id = "bad"
            title = "Bad"

            [[cards]]
            id = "one"
            problem = "pool-values"

            [[cards]]
            id = "two"
            problem = "gd-step"
            answer = "0.5"
            """
        )
    )
    assert main(["check", str(deck)]) == 1
    errors = capsys.readouterr().err
    assert f"{deck}:7: [card one] unknown problem 'pool-values' (did you mean 'pool-value'?)" in errors
    assert f"{deck}:12: [card two] a drill card has no 'answer'" in errors


def test_the_same_seed_makes_the_same_instance_and_the_quiz_grades_it() -> None:
    drill = make_drill("conv-output-size", 1234)
    expected = generate("conv-output-size", 1234)
    assert drill.prompt == make_drill("conv-output-size", 1234).prompt == expected.prompt
    n, k, p, s = (expected.params[key] for key in ("n", "kernel", "padding", "stride"))
    side = math.floor((n + 2 * p - k) / s) + 1  # the closed form, independently
    assert drill.question.value == side
    right = grade_drill(drill, str(side))
    assert right.correct and right.suggested == Rating.GOOD and right.verdict == "right"
    assert drill.answer(right) == DrillAnswer("conv-output-size", 1234, str(side), True, None)
    padding_forgotten = math.floor((n - k) / s) + 1
    if padding_forgotten != side:
        wrong = grade_drill(drill, str(padding_forgotten))
        assert not wrong.correct and wrong.suggested == Rating.AGAIN
        assert wrong.diagnosis is not None and wrong.diagnosis.startswith(KNOWN_MISTAKE)
        assert "forgot the padding" in wrong.diagnosis
    assert drill.solution_lines()[-1] == f"Answer: {side} (exactly)"
    with pytest.raises(AnswerError):
        grade_drill(drill, "sixteen")
    with pytest.raises(ValueError, match="unknown problem"):
        make_drill("nope", 1)


def test_a_session_keeps_a_drills_seed_until_it_is_rated_and_undo_brings_it_back(tmp_path: Path) -> None:
    library = load_paths([write_decks(tmp_path / "d", {"d.toml": DRILLS})], problems=PROBLEMS)
    with open_collection(tmp_path / "c.sqlite3", library=library) as collection:
        session = collection.session(tz=UTC)
        seed = session.problem_seed("pool-drill")
        assert session.problem_seed("pool-drill") == seed  # the same instance while it is on show
        drill = make_drill("pool-value", seed)
        answer = drill.answer(grade_drill(drill, "0"))
        result = session.rate("pool-drill", 1, T0, drill=answer)
        assert collection.store.drill_answer(result.review_id or 0) == answer
        again = session.problem_seed("pool-drill")
        assert again != seed  # a fresh instance for the next review
        second = session.rate(
            "pool-drill", 3, T0 + timedelta(minutes=2), drill=DrillAnswer("pool-value", again)
        )
        replayed = history(collection, "pool-drill")
        assert [(review_id, d.prompt) for review_id, d, _a in replayed] == [
            (result.review_id, drill.prompt),
            (second.review_id, make_drill("pool-value", again).prompt),
        ]
        assert session.undo() == "pool-drill"
        assert collection.store.drill_answer(second.review_id or 0) is None
        assert session.problem_seed("pool-drill") == again  # shown again, the same instance


def run_plain(cli: Cli, db: Path, stdin: str) -> str:
    result = cli.run(db, "review", "--plain", "--deck", "drills", stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_plain_review_asks_drills_and_predictions(tmp_path: Path) -> None:
    cli = Cli(write_decks(tmp_path / "decks", {"d.toml": DRILLS}), tmp_path / "home")
    db = tmp_path / "c.sqlite3"
    # The drill (new, first in the deck): a wrong answer, the suggested Again taken with an empty line.
    # The prediction card: 2.13, within 3 significant figures of log(1 + e²), and Good taken with Enter.
    # The drill again (back in learning after a minute, rated Again): a fresh instance, no answer typed.
    out = run_plain(cli, db, "-1\n\n2.13\n\n\n3\n")
    shown = re.findall(r"^\[drills · \w+\] (.*pooling.*)$", out, re.MULTILINE)
    assert "Your answer '-1' is not right: " in out
    assert "Predict cross-entropy loss for cross-entropy with logit = -2.0, target = 1 (" in out
    assert "Your prediction for cross-entropy loss: 2.13 · computed: 2.12693" in out
    assert "✓ within tolerance (to 3 significant figures) · suggested rating: Good" in out
    with sqlite3.connect(db) as conn:
        drills = conn.execute(
            "SELECT review_id, seed, given, correct FROM drill_answers ORDER BY 1"
        ).fetchall()
        predictions = conn.execute(
            "SELECT card_id, given, predicted, expected, correct FROM predictions"
        ).fetchall()
        ratings = conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall()
    assert ratings == [("pool-drill", 1), ("ce", 3), ("pool-drill", 3)]
    assert [(given, correct) for _r, _s, given, correct in drills] == [("-1", 0), ("", None)]
    instances = [make_drill("pool-value", seed).prompt for _r, seed, _g, _c in drills]
    assert shown == [prompt.splitlines()[0] for prompt in instances]  # the stored seeds make them again
    assert instances[0] != instances[1] and all(prompt in out for prompt in instances)
    (card, given, predicted, expected, correct) = predictions[0]
    assert (card, given, predicted, correct) == ("ce", "2.13", 2.13, 1)
    assert expected == pytest.approx(math.log1p(math.exp(2.0)), rel=1e-12)


def test_plain_review_an_empty_line_skips_the_prediction_and_a_bad_one_asks_again(tmp_path: Path) -> None:
    cli = Cli(write_decks(tmp_path / "decks", {"d.toml": DRILLS}), tmp_path / "home")
    db = tmp_path / "c.sqlite3"
    out = run_plain(cli, db, "s\nabc\n\n3\nq\n")  # skip the drill; a bad prediction, then none
    assert "'abc' is not a number" in out and "Enter alone to go on without it" in out
    assert "cross-entropy loss: 2.12693 (computed)" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM predictions").fetchone() == (0,)
        assert conn.execute("SELECT card_id, rating FROM reviews").fetchall() == [("ce", 3)]


def test_plain_review_asks_no_prediction_where_the_deck_switched_it_off(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks", {"d.toml": DRILLS})
    db = tmp_path / "c.sqlite3"
    library = load_paths([decks], problems=PROBLEMS)
    with open_collection(db, library=library) as collection:
        collection.set_setting("deck:drills:predict", False)
    out = run_plain(Cli(decks, tmp_path / "home"), db, "s\n\n3\n")
    assert "Predict" not in out and "(computed)" not in out
