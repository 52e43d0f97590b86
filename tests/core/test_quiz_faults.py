"""Reported faults: answers that looked like numbers but are not (``²``: ``str.isdigit`` is true, ``int``
fails) and numbers too long for ``int`` (5,000 digits) raised a traceback. Every parser of a learner's
numeric, ordering, choice or true-or-false answer either reads the answer or raises ``AnswerError`` with a
message, and the plain quiz asks again instead of failing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.collection import Collection, open_collection
from studyapp.quiz import QuizRun, build_quiz, grade
from studyapp.quiz.grading import AnswerError, Grade, parse_choice, parse_number, parse_order, parse_truth
from studyapp.quiz.plain import run_plain_quiz
from studyapp.quiz.questions import Question, QuestionKind
from studyapp.store import Store

from .test_quiz_cli import ROOT, T0, cards, library, lines, right

#: 5,000 digits: more than ``int`` reads (4,300 by default) and more than a float holds.
LONG_NUMBER = "1" * 5000
#: Characters that are numeric to ``str.isdigit`` or ``str.isnumeric`` but are not decimal digits.
ODD_DIGITS = ["²", "³", "¹", "½", "①", "Ⅻ", "⁴²"]
#: The kinds whose answers are parsed (a typed answer is compared as text).
PARSED = (QuestionKind.CHOICE, QuestionKind.NUMERIC, QuestionKind.ORDERING, QuestionKind.TRUE_FALSE)


def one_of_each(seed: int = 2) -> list[Question]:
    """One question of every parsed kind, in the quiz's order."""
    quiz = build_quiz(cards(), len(PARSED), seed, PARSED)
    assert sorted(q.kind for q in quiz) == sorted(PARSED)
    return quiz


# -- the parsers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ODD_DIGITS)
def test_superscripts_and_other_odd_digits_are_not_numbers(text: str) -> None:
    for parse in (lambda: parse_choice(text, 4), lambda: parse_order(text, 4), lambda: parse_number(text)):
        with pytest.raises(AnswerError, match="is not a number"):
            parse()
    with pytest.raises(AnswerError, match="is not a number"):
        parse_truth(text)  # normalising alone would have read "²" as "2", that is False


@pytest.mark.parametrize("text", [LONG_NUMBER, "-" + LONG_NUMBER, "0." + LONG_NUMBER, LONG_NUMBER + "/3"])
def test_numbers_too_long_to_read_are_refused_with_a_short_message(text: str) -> None:
    with pytest.raises(AnswerError) as raised:
        parse_number(text)
    message = str(raised.value)
    assert "is too long to be a number" in message and "characters)" in message and len(message) < 200


@pytest.mark.parametrize("text", [LONG_NUMBER, f"1 2 3 {LONG_NUMBER}", f"{LONG_NUMBER}, 1, 2, 3"])
def test_long_numbers_are_not_options_or_orders(text: str) -> None:
    with pytest.raises(AnswerError, match="type a number from 1 to 4 or a letter from a to d") as raised:
        parse_choice(text, 4)
    assert len(str(raised.value)) < 200
    with pytest.raises(AnswerError, match="has a number above 4") as raised:
        parse_order(text, 4)
    assert len(str(raised.value)) < 200
    with pytest.raises(AnswerError, match="type t"):
        parse_truth(text)


def test_a_long_number_is_no_option() -> None:
    with pytest.raises(AnswerError, match=r"^there is no option '1{23}…' \(5000 characters\); type a number"):
        parse_choice(LONG_NUMBER, 4)


@pytest.mark.parametrize("text", ["1e400", "-1e999", "1e400/2", "1e308^2"])
def test_numbers_beyond_a_float_are_out_of_range_not_infinity(text: str) -> None:
    with pytest.raises(AnswerError, match="is out of range"):
        parse_number(text)


def test_long_but_readable_numbers_are_numbers() -> None:
    assert parse_number("9" * 99) == pytest.approx(1e99)
    assert parse_number("0." + "3" * 90) == pytest.approx(1 / 3)


def test_decimal_digits_of_other_scripts_still_count() -> None:
    assert parse_choice("٢", 4) == 1  # Arabic-Indic two
    assert parse_choice("２", 4) == 1  # full-width two
    assert parse_order("٣١٤٢", 4) == (3, 1, 4, 2)
    assert parse_number("３.５") == 3.5
    assert parse_choice("0002", 4) == 1


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet="0123456789²³¹½①٣３.,-+eE/^*% infINF∞−×()", max_size=40),
        st.integers(4290, 4400).map(lambda length: "7" * length),
    )
)
def test_any_text_is_read_or_refused_with_an_answer_error(text: str) -> None:
    for question in one_of_each():
        try:
            result = grade(question, text)
        except AnswerError as error:
            assert str(error) and len(str(error)) < 250
        else:
            assert isinstance(result, Grade)


@cache
def written_questions() -> list[Question]:
    """A question in the learner's own words and a short one about every card that has them."""
    kinds = (QuestionKind.TYPED, QuestionKind.SHORT)
    return build_quiz(cards(), 2 * len(cards()), 3, kinds)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_written_answer_is_graded(text: str) -> None:
    for question in written_questions():
        result = grade(question, text)
        assert isinstance(result, Grade) and result.given == text.strip()


# -- the plain quiz --------------------------------------------------------------------------------


def test_the_plain_quiz_asks_again_through_a_pipe(tmp_path: Path) -> None:
    """``studyapp.cli.main([...])`` in a child process, its stdin a real pipe."""
    questions = one_of_each()
    answers = [["²", LONG_NUMBER, *right(q)] for q in questions]
    code = "import sys; from studyapp.cli import main; raise SystemExit(main(sys.argv[1:]))"
    env = dict(os.environ)
    env.pop("STUDYAPP_DB", None)
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"))
    kinds = [word for kind in PARSED for word in ("--kind", kind.value)]
    argv = ["--db", str(tmp_path / "c.db"), "quiz", "--plain", "--seed", "2", "-n", "4", *kinds]
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        input=lines(answers),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == f"studyapp: created a new collection at {tmp_path / 'c.db'}\n"
    out = result.stdout
    assert out.count("'²' is not a number") == len(questions)
    assert out.count("…' (5000 characters)") == len(PARSED) - 1  # true or false: "type t (true) or f"
    assert "type t (true) or f (false); 1 and 2 or a and b work too." in out
    assert "Score: 4/4 (100%)" in out
    with Store.open(tmp_path / "c.db") as store:
        recorded = [(a.kind, a.correct) for a in store.iter_quiz_attempts()]
    assert recorded == [(q.kind.value, True) for q in questions]


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    opened = open_collection(tmp_path / "faults.sqlite3", library=library())
    yield opened
    opened.close()


@pytest.mark.parametrize("kind", PARSED)
@pytest.mark.parametrize("text", [*ODD_DIGITS, LONG_NUMBER, f"{LONG_NUMBER}.5", f"0.{LONG_NUMBER}"])
def test_run_plain_quiz_on_string_streams(collection: Collection, kind: QuestionKind, text: str) -> None:
    (question,) = build_quiz(cards(), 1, 6, (kind,))
    out = StringIO()
    summary = run_plain_quiz(collection, [question], StringIO(lines([[text], right(question)])), out)
    shown = out.getvalue()
    assert str(summary.score) == "1/1", shown
    assert shown.count("Right.") == 1 and "Wrong." not in shown
    assert LONG_NUMBER not in shown  # the message quotes only the start of a long answer
    (attempt,) = collection.store.iter_quiz_attempts()
    assert attempt.correct and attempt.kind == kind.value


def test_an_unreadable_answer_is_not_recorded(collection: Collection) -> None:
    question = build_quiz(cards(), 1, 8, (QuestionKind.NUMERIC,))[0]
    run = QuizRun(collection, [question], clock=lambda: T0)
    for text in ("²", LONG_NUMBER):
        with pytest.raises(AnswerError):
            run.answer(text)
        assert run.pending is None
    run.finish()
    assert list(collection.store.iter_quiz_attempts()) == []
