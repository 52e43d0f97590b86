"""Misconceptions: a wrong number's diagnosis is stored with its attempt, counted in ``stats --json`` (most
frequent first, with the question kind and when last seen), and a diagnosis seen twice within 14 days
offers its simulation preset and a practice question, after the answer (in a quiz run and line by line)
and in the statistics, but not when the first time is older than that."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.commands.stats import render
from studyapp.content import load_paths
from studyapp.model import KNOWN_MISTAKE
from studyapp.quiz import QuizRun, grade
from studyapp.quiz.numeric import numeric_question
from studyapp.quiz.plain import run_plain_quiz
from studyapp.quiz.questions import Question
from studyapp.stats import MISCONCEPTION_DAYS, RECURRING

from .conftest import Cli, write_decks

KIND = "conv-output-size"
FORGOT_THE_PLUS_ONE = "forgot the +1 in floor((n + 2p − k) / s) + 1"


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def question(seed: int, card_id: str | None = None) -> Question:
    """A conv-output-size question whose "forgot the +1" mistake is told apart from the answer."""
    drawn = numeric_question(KIND, None, seed)
    return replace(drawn, card_id=card_id) if card_id else drawn


def wrong_questions(count: int) -> list[Question]:
    """``count`` questions that can each be answered with the "forgot the +1" mistake and no other (an
    answer that matches several known mistakes is diagnosed as "A or B")."""
    found = []
    for seed in range(500):
        q = question(seed)
        value = dict(q.mistakes).get(FORGOT_THE_PLUS_ONE)
        if value is not None and grade(q, repr(value)).mistake == FORGOT_THE_PLUS_ONE:
            found.append(q)
        if len(found) == count:
            return found
    raise AssertionError("too few questions with the mistake")


def answer_with_the_mistake(run: QuizRun) -> None:
    """Answer the current question with the value of "forgot the +1" and record it."""
    assert run.current is not None
    run.answer(repr(dict(run.current.mistakes)[FORGOT_THE_PLUS_ONE]))


def stats_json(cli: Any, collection: Collection) -> dict[str, Any]:
    result = cli.run(collection.path, "stats", "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_wrong_answers_diagnosis_is_stored_and_counted_in_stats_json(
    collection: Collection, cli: Any
) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    first, second = wrong_questions(2)
    run = QuizRun(collection, [first, second], clock=Clock(now))
    answer_with_the_mistake(run)
    assert run.pending is not None and run.pending.recurring == 1 and not run.pending.offers_practice
    run.next()
    run.answer(repr(second.value))  # right: no diagnosis
    run.finish()
    attempts = list(collection.store.iter_quiz_attempts())
    assert [a.diagnosis for a in attempts] == [FORGOT_THE_PLUS_ONE, None]
    assert "mistake" not in attempts[0].params
    (found,) = stats_json(cli, collection)["misconceptions"]
    assert found == {
        "diagnosis": FORGOT_THE_PLUS_ONE,
        "kind": KIND,
        "form": f"numeric:{KIND}",
        "count": 1,
        "recent": 1,
        "recent_days": MISCONCEPTION_DAYS,
        "last_seen": now.isoformat(),
        "offer": None,
    }


def test_the_second_time_within_14_days_offers_the_simulation_and_practice(
    collection: Collection, cli: Any
) -> None:
    collection.store.set_setting("quiz_updates_schedule", True)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=13)
    clock = Clock(start)
    first, second = wrong_questions(2)
    second = replace(second, card_id="core-mlp")
    run = QuizRun(collection, [first, second], clock=clock)
    answer_with_the_mistake(run)
    run.next()
    clock.now = start + timedelta(days=13, minutes=-1)
    answer_with_the_mistake(run)
    assert run.pending is not None and run.pending.recurring == RECURRING and run.pending.offers_practice
    practice = run.practise()
    assert practice.form == f"numeric:{KIND}" and practice.practice and practice.seed != second.seed
    assert practice.card_id == "core-mlp" and practice.worked
    assert not run.pending.offers_practice  # one practice question per answer
    with pytest.raises(ValueError, match="repeats a recent mistake"):
        run.practise()
    assert run.next() == practice  # asked next
    run.answer(repr(practice.value))
    run.finish()
    reviews = list(collection.store.iter_reviews())
    assert len(reviews) == 1 and reviews[0].rating == 1  # the wrong answer rated the card; practice did not
    attempts = list(collection.store.iter_quiz_attempts())
    assert attempts[-1].params["practice"] is True and attempts[-1].correct
    (found,) = stats_json(cli, collection)["misconceptions"]
    assert (found["count"], found["recent"], found["kind"]) == (2, 2, KIND)
    assert found["offer"] == {
        "sim": "convolution",
        "sim_params": dict(second.sim_params),
        "sim_seed": second.sim_seed,
        "practice": KIND,
    }


def test_no_offer_when_the_first_time_is_older_than_14_days(collection: Collection, cli: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    clock = Clock(now - timedelta(days=MISCONCEPTION_DAYS, hours=1))
    run = QuizRun(collection, wrong_questions(2), clock=clock)
    answer_with_the_mistake(run)
    run.next()
    clock.now = now
    answer_with_the_mistake(run)
    assert run.pending is not None and run.pending.recurring == 1 and not run.pending.offers_practice
    with pytest.raises(ValueError):
        run.practise()
    run.finish()
    (found,) = stats_json(cli, collection)["misconceptions"]
    assert (found["count"], found["recent"], found["offer"]) == (2, 1, None)
    assert found["last_seen"] == now.isoformat()


def test_line_by_line_the_offer_asks_a_practice_question_next(collection: Collection) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    questions = wrong_questions(2)
    answers = [repr(dict(q.mistakes)[FORGOT_THE_PLUS_ONE]) for q in questions]
    out = StringIO()
    stdin = StringIO("\n".join([answers[0], answers[1], "p"]) + "\n")
    run_plain_quiz(collection, questions, stdin, out, clock=lambda: now)
    text = out.getvalue()
    assert text.count("This mistake again") == 1
    assert f"This mistake again: 2 times in the last 14 days ({FORGOT_THE_PLUS_ONE})." in text
    assert "Watch it in the simulation: studyapp sim open convolution --set image=shapes" in text
    assert "Type p for a practice question of this kind" in text and "A practice question comes next." in text
    assert "[3/3] Numeric" in text  # the practice question, asked after the two
    attempts = list(collection.store.iter_quiz_attempts())
    assert [a.diagnosis for a in attempts] == [FORGOT_THE_PLUS_ONE, FORGOT_THE_PLUS_ONE]


def test_the_text_statistics_list_misconceptions_and_the_offer(collection: Collection) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    run = QuizRun(collection, wrong_questions(2), clock=lambda: now)
    answer_with_the_mistake(run)
    run.next()
    answer_with_the_mistake(run)
    run.finish()
    text = render(collection.statistics(now + timedelta(hours=1)))
    lines = text.splitlines()
    start = lines.index("Misconceptions (the known mistakes behind wrong answers, most frequent first)")
    assert lines[start + 1] == f"2×  {FORGOT_THE_PLUS_ONE} · {KIND} · last 2026-11-25"
    assert "2 times in the last 14 days: see it with `studyapp sim open convolution --set" in lines[start + 2]
    assert f"practise {KIND}" in lines[start + 2]


def test_without_diagnoses_the_statistics_say_so(collection: Collection) -> None:
    data = collection.statistics(datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert data["misconceptions"] == []
    assert "Misconceptions: none yet" in render(data)


def test_a_diagnosis_must_not_be_empty(collection: Collection) -> None:
    with pytest.raises(ValueError, match="diagnosis must be None or a non-empty string"):
        collection.store.add_quiz_attempt(
            at=datetime(2026, 11, 25, tzinfo=UTC),
            kind="numeric",
            question="q",
            given="1",
            expected="2",
            correct=False,
            diagnosis=" ",
        )


DRILL_DECK = """
[deck]
id = "drills"
title = "Drills"

[[cards]]
id = "size-drill"
problem = "conv-output-size"
tags = ["cnn"]
"""


def test_a_drill_cards_known_mistakes_count_and_offer_the_latest_instances_preset(tmp_path: Path) -> None:
    from studyapp.problems import PROBLEMS, grade_drill, make_drill

    cli = Cli(write_decks(tmp_path / "decks", {"d.toml": DRILL_DECK}), tmp_path / "home")
    db = tmp_path / "c.sqlite3"
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    library = load_paths([cli.deck_dir], problems=PROBLEMS)
    first, second = wrong_questions(2)
    with open_collection(db, library=library) as collection:
        session = collection.session(tz=UTC)
        for minutes, question_ in enumerate([first, second]):
            drill = make_drill(KIND, question_.seed)
            assert drill.question.prompt == question_.prompt  # the quiz's question, drawn with that seed
            grade = grade_drill(drill, repr(dict(question_.mistakes)[FORGOT_THE_PLUS_ONE]))
            assert grade.diagnosis == f"{KNOWN_MISTAKE}{FORGOT_THE_PLUS_ONE}"
            session.rate("size-drill", 1, now + timedelta(minutes=minutes), drill=drill.answer(grade))
        wrong_but_unknown = make_drill(KIND, 7)
        grade = grade_drill(wrong_but_unknown, "-5")  # wrong, and no known mistake: not a misconception
        session.rate("size-drill", 1, now + timedelta(minutes=3), drill=wrong_but_unknown.answer(grade))
        # A quiz answer with the same mistake counts the drill answers as earlier times.
        run = QuizRun(collection, wrong_questions(3)[2:], clock=Clock(now + timedelta(minutes=5)))
        answer_with_the_mistake(run)
        assert run.pending is not None and run.pending.recurring == 3 and run.pending.offers_practice
        run.finish()
    (found,) = json.loads(cli.run(db, "stats", "--json").stdout)["misconceptions"]
    assert (found["count"], found["recent"], found["kind"]) == (3, 3, KIND)
    latest = wrong_questions(3)[2]  # the quiz answer was the latest
    assert found["offer"]["sim_params"] == dict(latest.sim_params)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM quiz_attempts")  # the drill answers alone
    (found,) = json.loads(cli.run(db, "stats", "--json").stdout)["misconceptions"]
    assert (found["count"], found["recent"], found["last_seen"]) == (
        2,
        2,
        (now + timedelta(minutes=1)).isoformat(),
    )
    assert found["offer"] == {  # the latest drill instance's simulation preset, made again from its seed
        "sim": "convolution",
        "sim_params": dict(second.sim_params),
        "sim_seed": second.sim_seed,
        "practice": KIND,
    }
