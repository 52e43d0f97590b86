"""``studyapp quiz --plain`` from stdin in a subprocess, reproducibility with a fixed seed, and the quiz
session itself: recording, the checklist of key ideas when the judge is unsure (line by line too), "I was
right", retrying the missed, and updating the schedule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from io import StringIO
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import Library, load_library
from studyapp.model import Card
from studyapp.quiz import QuizRun, build_quiz
from studyapp.quiz.generators import name_question, typed_question
from studyapp.quiz.grading import AnswerError
from studyapp.quiz.plain import run_plain_quiz
from studyapp.quiz.questions import Question, QuestionKind
from studyapp.quiz.worked import solution_lines
from studyapp.store import Store

ROOT = Path(__file__).resolve().parents[2]
NO_USER_DECKS = Path(__file__).parent / "no-user-decks"
T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@cache
def library() -> Library:
    return load_library(user_dir=NO_USER_DECKS)


def cards() -> list[Card]:
    return library().cards


def right(q: Question) -> list[str]:
    """The input lines of a right answer."""
    if q.kind == QuestionKind.CHOICE:
        return ["abcd"[q.solution[0]]]
    if q.kind == QuestionKind.TRUE_FALSE:
        return ["true" if q.solution[0] == 0 else "false"]
    if q.kind == QuestionKind.ORDERING:
        return [" ".join(map(str, q.solution))]
    if q.kind == QuestionKind.NUMERIC:
        return [repr(q.value)]
    return [q.reference]  # typed: a model answer; short: the term


def wrong(q: Question) -> list[str]:
    """The input lines of a wrong answer: a written one is followed by Enter (keep the ticks of the
    checklist, or no "I was right")."""
    if q.kind == QuestionKind.CHOICE:
        return ["abcd"[(q.solution[0] + 1) % len(q.options)]]
    if q.kind == QuestionKind.TRUE_FALSE:
        return ["f" if q.solution[0] == 0 else "t"]
    if q.kind == QuestionKind.ORDERING:
        return ["".join(map(str, reversed(q.solution)))]
    if q.kind == QuestionKind.NUMERIC:
        assert q.value is not None
        return [repr(q.value + 1000.0)]
    return ["zzz", ""]


def lines(answers: Sequence[Sequence[str]]) -> str:
    return "".join(f"{line}\n" for answer in answers for line in answer)


def run_quiz(tmp_path: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """``python -m studyapp --db <tmp> quiz ...`` with a private home (no user decks)."""
    env = dict(os.environ)
    env.pop("STUDYAPP_DB", None)
    env.update(
        HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"), PYTHONUNBUFFERED="1"
    )
    command = [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "quiz.sqlite3"), "quiz", *args]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def attempts(tmp_path: Path) -> list[tuple[str, str | None, int | None, bool]]:
    with Store.open(tmp_path / "quiz.sqlite3") as store:
        return [(a.kind, a.card_id, a.seed, a.correct) for a in store.iter_quiz_attempts()]


def without_times(text: str) -> str:
    return re.sub(r" in \d+m \d+s", "", text)


# -- the command -----------------------------------------------------------------------------------


def test_plain_quiz_answered_from_stdin(tmp_path: Path) -> None:
    questions = build_quiz(cards(), 5, 1)
    result = run_quiz(
        tmp_path, "--plain", "--seed", "1", "-n", "5", stdin=lines([right(q) for q in questions])
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Quiz: 5 questions · seed 1")
    positions = [out.index(q.prompt.splitlines()[0]) for q in questions]
    assert positions == sorted(positions)
    assert out.count("Right.") == 5 and "Wrong." not in out
    assert "Score: 5/5 (100%)" in out and "By tag:" in out and "By kind:" in out
    assert attempts(tmp_path) == [(q.kind, q.card_id, q.seed, True) for q in questions]


def test_the_same_seed_gives_the_same_quiz(tmp_path: Path) -> None:
    questions = build_quiz(cards(), 6, 42)
    stdin = lines([right(q) if i % 2 else wrong(q) for i, q in enumerate(questions)])
    first = run_quiz(tmp_path / "a", "--plain", "--seed", "42", "-n", "6", stdin=stdin)
    second = run_quiz(tmp_path / "b", "--plain", "--seed", "42", "-n", "6", stdin=stdin)
    assert first.returncode == second.returncode == 0
    assert without_times(first.stdout) == without_times(second.stdout)
    assert "Score: 3/6 (50%)" in first.stdout
    other = run_quiz(tmp_path / "c", "--plain", "--seed", "43", "-n", "6", stdin=stdin)
    assert without_times(other.stdout) != without_times(first.stdout)


def test_end_of_input_stops_with_the_summary(tmp_path: Path) -> None:
    questions = build_quiz(cards(), 5, 3)
    result = run_quiz(tmp_path, "--plain", "--seed", "3", "-n", "5", stdin=lines([right(questions[0])]))
    assert result.returncode == 0, result.stderr
    assert "Score: 1/1 (100%)" in result.stdout and "Retry" not in result.stdout
    assert len(attempts(tmp_path)) == 1


def test_q_quits(tmp_path: Path) -> None:
    result = run_quiz(tmp_path, "--plain", "--seed", "3", "-n", "5", stdin="q\nignored\n")
    assert result.returncode == 0
    assert "Score: 0/0" in result.stdout and attempts(tmp_path) == []


def test_unreadable_answers_are_asked_again(tmp_path: Path) -> None:
    questions = build_quiz(cards(), 1, 5, (QuestionKind.CHOICE,))
    result = run_quiz(
        tmp_path,
        "--plain",
        "--seed",
        "5",
        "-n",
        "1",
        "--kind",
        "choice",
        stdin=lines([["7"], right(questions[0])]),
    )
    assert "type a number from 1 to 4 or a letter from a to d." in result.stdout
    assert attempts(tmp_path) == [(QuestionKind.CHOICE, questions[0].card_id, questions[0].seed, True)]


def test_retry_the_missed_questions(tmp_path: Path) -> None:
    questions = build_quiz(cards(), 4, 9)
    stdin = lines([*(wrong(q) for q in questions), ["y"], *(right(q) for q in questions)])
    result = run_quiz(tmp_path, "--plain", "--seed", "9", "-n", "4", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "Score: 0/4 (0%)" in result.stdout and "Retry the 4 missed questions? (y/n)" in result.stdout
    assert "Score: 4/4 (100%)" in result.stdout
    recorded = attempts(tmp_path)
    assert [correct for *_, correct in recorded] == [False] * 4 + [True] * 4
    assert [seed for _, _, seed, _ in recorded[4:]] == [q.seed for q in questions]


def test_i_was_right_counts_a_short_answer(tmp_path: Path) -> None:
    question = build_quiz(cards(), 1, 4, (QuestionKind.SHORT,))[0]
    result = run_quiz(
        tmp_path, "--plain", "--seed", "4", "-n", "1", "--kind", "short", stdin="my own words\nr\n"
    )
    assert "\nWrong.\n" in result.stdout and "Counted as right." in result.stdout
    assert f"Expected: {question.expected}" in result.stdout
    assert "Score: 1/1 (100%)" in result.stdout
    with Store.open(tmp_path / "quiz.sqlite3") as store:
        (attempt,) = store.iter_quiz_attempts()
    assert attempt.correct and attempt.params["overridden"] is True and attempt.given == "my own words"


def typed_quiz(tmp_path: Path, stdin: str) -> tuple[Question, subprocess.CompletedProcess[str]]:
    """A one-question quiz in the learner's own words, answered with ``stdin``."""
    question = build_quiz(cards(), 1, 4, (QuestionKind.TYPED,))[0]
    result = run_quiz(tmp_path, "--plain", "--seed", "4", "-n", "1", "--kind", "typed", stdin=stdin)
    assert result.returncode == 0, result.stderr
    return question, result


def test_an_answer_the_judge_is_unsure_of_is_graded_by_the_learners_ticks(tmp_path: Path) -> None:
    question, result = typed_quiz(tmp_path, "my own words\n1 2\n")
    assert question.rubric is not None
    count = len(question.rubric.ideas)
    out = result.stdout
    assert "Not sure from the words alone. Check your answer against the key ideas" in out
    assert f"  [ ] 1. {question.rubric.ideas[0].text}" in out
    assert "Type the numbers of the ideas your answer covered (e.g. 1 2), 0 for none, or press Enter" in out
    assert "Right. Your answer covers" in out and f"A model answer: {question.expected}" in out
    assert "Type r if you were right" not in out  # the learner graded it
    with Store.open(tmp_path / "quiz.sqlite3") as store:
        (attempt,) = store.iter_quiz_attempts()
    assert attempt.correct and attempt.params["verdict"] == "unsure" and attempt.params["self_graded"] is True
    assert attempt.params["ideas_covered"] == [1, 2][: min(count, 2)]


def test_enter_keeps_the_recognised_ideas_and_zero_ticks_none(tmp_path: Path) -> None:
    _, result = typed_quiz(tmp_path / "a", "my own words\n\n")
    assert "Not yet. Your answer covers 0 of" in result.stdout and "Score: 0/1" in result.stdout
    _, again = typed_quiz(tmp_path / "b", "my own words\nseven\n0\n")
    assert "type the numbers of the ideas your answer covered" in again.stdout
    assert "Not yet." in again.stdout


def test_a_confident_verdict_is_shown_with_its_reason(tmp_path: Path) -> None:
    with open_collection(tmp_path / "verdicts.sqlite3", library=library()) as collection:
        right, wrong = StringIO(), StringIO()
        run_plain_quiz(
            collection, [typed("jacobian")], StringIO("the matrix of all first derivatives\n"), right
        )
        run_plain_quiz(
            collection, [typed("jacobian")], StringIO("the matrix of second-order derivatives\nr\n"), wrong
        )
    assert (
        "Right. It covers the key ideas: first-order partial derivatives; arranged in a matrix"
        in right.getvalue()
    )
    assert "Not sure" not in right.getvalue()
    assert "Wrong. Second-order partial derivatives form the Hessian." in wrong.getvalue()
    assert (
        "Type r if you were right after all" in wrong.getvalue() and "Counted as right." in wrong.getvalue()
    )


def test_numeric_feedback_names_the_mistake_and_the_simulation(tmp_path: Path) -> None:
    question = build_quiz(cards(), 1, 8, (QuestionKind.NUMERIC,))[0]
    assert question.mistakes, "seed 8 should give a question with known mistakes"
    name, value = question.mistakes[0]
    result = run_quiz(
        tmp_path, "--plain", "--seed", "8", "-n", "1", "--kind", "numeric", stdin=f"{value!r}\n"
    )
    assert f"Wrong. It looks like you {name}." in result.stdout
    assert f"See it live: studyapp sim run {question.sim}" in result.stdout
    with Store.open(tmp_path / "quiz.sqlite3") as store:
        (attempt,) = store.iter_quiz_attempts()
    assert attempt.diagnosis == name and attempt.params["sim_params"] == dict(question.sim_params)
    assert "mistake" not in attempt.params  # the diagnosis has its own column
    solution = solution_lines(question.worked)
    assert solution[0] == "Worked solution:" and "\n".join(solution) in result.stdout


def test_deck_and_tag_filters(tmp_path: Path) -> None:
    result = run_quiz(tmp_path, "--plain", "--tag", "cnn", "--seed", "2", "-n", "6", stdin="")
    assert result.returncode == 0, result.stderr
    named = re.findall(r"· card (\S+)", result.stdout)
    cnn = {card.id for card in cards() if "cnn" in card.tags}
    assert named and set(named) <= cnn
    assert "`studyapp quiz --tag cnn --seed 2 -n 6` repeats it" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "argument -n: must be an integer from 1 to 200"),
        (["-n", "x"], "argument -n: must be an integer from 1 to 200"),
        (["--seed", "-4"], "argument --seed: must be a non-negative integer"),
        (["--deck", "nope"], "no deck 'nope'; decks: deep-learning"),
        (["--tag", "nope"], "no card has the tag 'nope'; tags: activations"),
        (["--kind", "essay"], "argument --kind: invalid choice: 'essay'"),
    ],
)
def test_bad_options_exit_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_quiz(tmp_path, "--plain", *args, stdin="")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "quiz.sqlite3").exists()  # a bad command line creates no collection


def test_without_plain_a_pipe_gets_the_plain_quiz(tmp_path: Path) -> None:
    result = run_quiz(tmp_path, "--seed", "1", "-n", "2", stdin="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Quiz: 2 questions · seed 1")


# -- the session -----------------------------------------------------------------------------------


class Timer:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    opened = open_collection(tmp_path / "session.sqlite3", library=library())
    yield opened
    opened.close()


def typed(card_id: str) -> Question:
    return typed_question(next(card for card in cards() if card.id == card_id), 1)


def test_quiz_answers_rate_the_cards_when_the_setting_is_on(collection: Collection) -> None:
    collection.store.set_setting("quiz_updates_schedule", True)
    timer = Timer()
    quiz = [typed("mlp"), typed("pooling"), typed("cnn")]
    run = QuizRun(collection, quiz, clock=lambda: T0, timer=timer)
    timer.now += 3
    run.answer(quiz[0].reference)  # right and fast: Good
    run.next()
    timer.now += 25
    run.answer(quiz[1].reference)  # right but slow: Hard
    run.next()
    run.answer("no idea")  # wrong: Again
    summary = run.finish()
    reviews = list(collection.store.iter_reviews())
    assert [(r.card_id, r.rating) for r in reviews] == [("mlp", 3), ("pooling", 2), ("cnn", 1)]
    assert [r.duration_ms for r in reviews] == [3000, 25000, 0]
    assert [o.rating for o in run.outcomes] == [3, 2, 1]
    assert str(summary.score) == "2/3"


def test_attempts_store_the_kind_by_its_name(collection: Collection) -> None:
    quiz = build_quiz(cards(), len(QuestionKind), 7)
    run = QuizRun(collection, quiz, clock=lambda: T0)
    for question in quiz:
        run.answer(right(question)[0])
        run.next()
    kinds = [attempt.kind for attempt in collection.store.iter_quiz_attempts()]
    assert kinds == [question.kind.value for question in quiz]
    assert all(type(kind) is str for kind in kinds)
    assert {QuestionKind(kind) for kind in kinds} == set(QuestionKind)


def test_quiz_answers_leave_the_schedule_alone_by_default(collection: Collection) -> None:
    run = QuizRun(collection, [typed("mlp")], clock=lambda: T0)
    run.answer("several layers of neurons with non-linear activations: a universal approximator")
    run.finish()
    assert list(collection.store.iter_reviews()) == []
    (attempt,) = collection.store.iter_quiz_attempts()
    assert attempt.correct and attempt.kind == QuestionKind.TYPED and attempt.card_id == "mlp"


def named(card_id: str) -> Question:
    return name_question(next(card for card in cards() if card.id == card_id), 1)


def test_a_pending_answer_is_recorded_only_once_it_is_final(collection: Collection) -> None:
    run = QuizRun(collection, [named("jacobian"), typed("cnn")], clock=lambda: T0 + timedelta(minutes=1))
    result = run.answer("wrong")
    assert not result.correct and list(collection.store.iter_quiz_attempts()) == []
    with pytest.raises(ValueError, match="call next"):
        run.answer("again")
    assert run.override().correct
    with pytest.raises(ValueError, match="only a pending wrong answer"):
        run.override()
    run.next()
    (attempt,) = collection.store.iter_quiz_attempts()
    assert (
        attempt.correct and attempt.params["overridden"] is True and attempt.at == T0 + timedelta(minutes=1)
    )


def test_an_unreadable_answer_is_not_graded(collection: Collection) -> None:
    question = build_quiz(cards(), 1, 8, (QuestionKind.NUMERIC,))[0]
    run = QuizRun(collection, [question], clock=lambda: T0)
    with pytest.raises(AnswerError, match="is not a number"):
        run.answer("about five")
    assert run.pending is None
    assert run.answer(repr(question.value)).correct


def test_summary_by_tag_and_kind_and_retry(collection: Collection) -> None:
    quiz = [typed("mlp"), typed("pooling"), typed("cnn")]
    run = QuizRun(collection, quiz, clock=lambda: T0)
    for answer in (quiz[0].reference, "nothing", "nothing"):
        run.answer(answer)
        run.next()
    summary = run.finish()
    expected: dict[str, list[int]] = {}
    for question, ok in zip(quiz, (True, False, False), strict=True):
        for tag in question.tags:
            expected.setdefault(tag, [0, 0])
            expected[tag][0] += ok
            expected[tag][1] += 1
    assert {tag: (t.right, t.total) for tag, t in summary.by_tag.items()} == {
        k: tuple(v) for k, v in expected.items()
    }
    assert summary.missed == ("pooling", "cnn")
    again = run.retry()
    assert again.questions == quiz[1:]
    again.answer(quiz[1].reference)
    again.next()
    again.answer(quiz[2].reference)
    assert not again.finish().missed
    with pytest.raises(ValueError, match="nothing to retry"):
        again.retry()


def test_run_plain_quiz_in_process(collection: Collection) -> None:
    quiz = build_quiz(cards(), 3, 11)
    out = StringIO()
    summary = run_plain_quiz(collection, quiz, StringIO(lines([right(q) for q in quiz])), out, header="hello")
    assert out.getvalue().startswith("hello\n")
    assert str(summary.score) == "3/3"
    assert len(list(collection.store.iter_quiz_attempts())) == 3


def test_the_learners_ticks_grade_an_answer_the_judge_is_unsure_of(collection: Collection) -> None:
    run = QuizRun(collection, [typed("backpropagation"), typed("gradient")], clock=lambda: T0)
    result = run.answer("it uses the chain rule going backwards through the network")
    assert result.awaiting and run.awaiting_ticks and not run.can_override()
    with pytest.raises(ValueError, match="only a pending wrong answer"):
        run.override()
    assert run.tick([0, 1]).correct and not run.awaiting_ticks
    run.next()
    result = run.answer("something vague")  # moving on keeps the ideas the judge recognised (none)
    run.finish()
    first, second = collection.store.iter_quiz_attempts()
    assert first.correct and first.params["ideas_covered"] == [1, 2] and first.params["self_graded"] is True
    assert (
        not second.correct and second.params["ideas_covered"] == [] and second.params["verdict"] == "unsure"
    )


def test_a_true_or_false_question_reads_a_and_b(collection: Collection) -> None:
    question = build_quiz(cards(), 1, 2, (QuestionKind.TRUE_FALSE,))[0]
    out = StringIO()
    answer = "a" if question.solution[0] == 0 else "b"
    summary = run_plain_quiz(collection, [question], StringIO(f"c\n{answer}\n"), out)
    assert "type t (true) or f (false); 1 and 2 or a and b work too." in out.getvalue()
    assert "Answer t (true) or f (false); 1/2 or a/b work too (q quits):" in out.getvalue()
    assert str(summary.score) == "1/1"
