"""The review log and the quiz attempts: append-only histories."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from studyapp.model import (
    KNOWN_MISTAKE,
    PROBLEM_FORM_PREFIX,
    CardState,
    LoggedAnswer,
    QuizAttempt,
    Rating,
    ReviewRecord,
    StudyState,
    utc_ms,
)
from studyapp.store.base import guarded
from studyapp.store.cards import CardStore
from studyapp.store.predictions import (
    DrillAnswer,
    PredictionRecord,
    delete_review_extras,
    insert_drill_answer,
    insert_prediction,
)

#: Every wrong answer with a diagnosis: quiz attempts, and drill cards' answers that named a known
#: mistake (their form is their problem's, ``numeric:NAME``, as the quiz records it; their params name the
#: problem and the instance's seed).
WRONG_ANSWERS = (
    "WITH wrong (form, kind, diagnosis, at, params) AS ("
    "SELECT json_extract(params, '$.form'), kind, diagnosis, at, params FROM quiz_attempts "
    "WHERE diagnosis IS NOT NULL "
    "UNION ALL SELECT ? || d.problem, 'numeric', substr(d.diagnosis, ? + 1), r.reviewed_at, "
    "json_object('form', ? || d.problem, 'problem', d.problem, 'seed', d.seed) "
    "FROM drill_answers AS d JOIN reviews AS r ON r.id = d.review_id "
    "WHERE substr(d.diagnosis, 1, ?) = ?)"
)


def _known_mistake() -> tuple[Any, ...]:
    """The parameters of ``WRONG_ANSWERS``."""
    size = len(KNOWN_MISTAKE)
    return (PROBLEM_FORM_PREFIX, size, PROBLEM_FORM_PREFIX, size, KNOWN_MISTAKE)


_REVIEW = "SELECT id, card_id, rating, reviewed_at, duration_ms, before, after FROM reviews"


class ReviewLog(CardStore):
    """The ``reviews`` and ``quiz_attempts`` tables."""

    @guarded
    def record_review(
        self,
        card_id: str,
        rating: Rating,
        reviewed_at: datetime,
        duration_ms: int | None,
        before: CardState,
        after: CardState,
        *,
        prediction: PredictionRecord | None = None,
        drill: DrillAnswer | None = None,
    ) -> int:
        """Append a review to the log and store the card's new state, atomically; returns the log id.

        ``prediction`` (made before the answer was shown) and ``drill`` (the problem instance a drill card
        showed) are stored with the review, in the same transaction.
        """
        with self.transaction():
            self.set_state(card_id, after)
            cursor = self.conn.execute(
                "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
                "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    card_id,
                    int(rating),
                    utc_ms(reviewed_at),
                    duration_ms,
                    int(before.state),
                    int(after.state),
                    before.to_json(),
                    after.to_json(),
                ),
            )
            review_id = cursor.lastrowid
            assert review_id is not None
            if prediction is not None:
                insert_prediction(self.conn, prediction, review_id)
            if drill is not None:
                insert_drill_answer(self.conn, review_id, card_id, drill)
        return review_id

    @guarded
    def review(self, review_id: int) -> ReviewRecord | None:
        """One review-log row."""
        row = self.conn.execute(f"{_REVIEW} WHERE id = ?", (review_id,)).fetchone()
        return None if row is None else ReviewRecord.from_row(row)

    @guarded
    def latest_review_id(self, card_id: str) -> int | None:
        """The id of the card's most recent review."""
        row = self.conn.execute("SELECT max(id) FROM reviews WHERE card_id = ?", (card_id,)).fetchone()
        return None if row is None else row[0]

    @guarded
    def delete_review(self, review_id: int, restore: CardState) -> None:
        """Remove a log row (with its prediction and drill answer) and put its card back into ``restore``,
        atomically (undo)."""
        with self.transaction():
            row = self.conn.execute("SELECT card_id FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if row is None:
                raise KeyError(review_id)
            self.set_state(row[0], restore)
            self.conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            delete_review_extras(self.conn, review_id)

    @guarded
    def iter_reviews(
        self, card_id: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[ReviewRecord]:
        """Review-log rows in the order they were made; optionally one card's, or those in [since, until)."""
        clauses, params = ["1"], list[Any]()
        if card_id is not None:
            clauses.append("card_id = ?")
            params.append(card_id)
        if since is not None:
            clauses.append("reviewed_at >= ?")
            params.append(utc_ms(since))
        if until is not None:
            clauses.append("reviewed_at < ?")
            params.append(utc_ms(until))
        for row in self.conn.execute(f"{_REVIEW} WHERE {' AND '.join(clauses)} ORDER BY id", params):
            yield ReviewRecord.from_row(row)

    @guarded
    def recent_answers(self, limit: int) -> list[tuple[int, int, int | None]]:
        """``(state_before, rating, duration_ms)`` of the latest ``limit`` reviews, latest first: how the
        learner answers now, read from the time index without the states' JSON."""
        return self.conn.execute(
            "SELECT state_before, rating, duration_ms FROM reviews "
            "ORDER BY reviewed_at DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()

    @guarded
    def answer_log(self) -> Iterator[LoggedAnswer]:
        """Every review in the order it was made, without the card's states (``LoggedAnswer``)."""
        rows = self.conn.execute(
            "SELECT id, card_id, rating, reviewed_at, state_before FROM reviews ORDER BY id"
        )
        yield from map(LoggedAnswer.from_row, rows)

    @guarded
    def count_reviewed_by_deck(self, since: datetime) -> dict[str, tuple[int, int]]:
        """``(new, review)`` per deck id: reviews made from ``since`` on of cards that were new, and of
        cards in review (the daily budgets of new cards and of reviews)."""
        counts: dict[str, list[int]] = {}
        for deck_id, state, count in self.conn.execute(
            "SELECT c.deck_id, r.state_before, count(*) FROM reviews AS r JOIN cards AS c USING (card_id) "
            "WHERE r.state_before IN (?, ?) AND r.reviewed_at >= ? GROUP BY c.deck_id, r.state_before",
            (int(StudyState.NEW), int(StudyState.REVIEW), utc_ms(since)),
        ):
            counts.setdefault(deck_id, [0, 0])[0 if state == StudyState.NEW else 1] += count
        return {deck_id: (new, review) for deck_id, (new, review) in counts.items()}

    @guarded
    def has_history(self) -> bool:
        """Whether the collection holds any review, quiz attempt or prediction."""
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM reviews) OR EXISTS (SELECT 1 FROM quiz_attempts) "
            "OR EXISTS (SELECT 1 FROM predictions)"
        ).fetchone()
        return bool(row[0])

    # -- quiz attempts ---------------------------------------------------------------------------

    @guarded
    def add_quiz_attempt(
        self,
        *,
        at: datetime,
        kind: str,
        question: str,
        given: str,
        expected: str,
        correct: bool,
        card_id: str | None = None,
        seed: int | None = None,
        params: Mapping[str, Any] | None = None,
        duration_ms: int | None = None,
        diagnosis: str | None = None,
    ) -> int:
        """Record one answered quiz question (``diagnosis``: the known mistake a wrong answer matched);
        returns its id."""
        if not kind:
            raise ValueError("kind must be a non-empty string")
        if duration_ms is not None and duration_ms < 0:
            raise ValueError(f"duration_ms must be >= 0, got {duration_ms}")
        if diagnosis is not None and not diagnosis.strip():
            raise ValueError("diagnosis must be None or a non-empty string")
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO quiz_attempts (at, kind, card_id, seed, params, question, given, expected, "
                "correct, duration_ms, diagnosis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_ms(at),
                    str(kind),
                    card_id,
                    seed,
                    json.dumps(dict(params or {}), sort_keys=True),
                    question,
                    given,
                    expected,
                    int(correct),
                    duration_ms,
                    diagnosis,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @guarded
    def iter_quiz_attempts(self, since: datetime | None = None) -> Iterator[QuizAttempt]:
        """Quiz attempts in the order they were made."""
        cursor = self.conn.execute(
            "SELECT id, at, kind, card_id, seed, params, question, given, expected, correct, duration_ms, "
            "diagnosis FROM quiz_attempts WHERE at >= ? ORDER BY id",
            (utc_ms(since) if since is not None else -(2**62),),
        )
        for row in cursor:
            yield QuizAttempt.from_row(row)

    @guarded
    def diagnosis_counts(self, since: datetime, limit: int) -> list[tuple[Any, ...]]:
        """The most frequent diagnoses of wrong answers, per question form (see ``WRONG_ANSWERS``):
        ``(form, kind, diagnosis, answers, answers since `since`, the latest answer's time in epoch ms
        (twice), its params as JSON)``, most frequent first, then the most recent."""
        return self.conn.execute(
            f"{WRONG_ANSWERS} SELECT form, kind, diagnosis, count(*), sum(at >= ?), max(at), at, params "
            "FROM wrong GROUP BY form, diagnosis ORDER BY count(*) DESC, max(at) DESC LIMIT ?",
            (*_known_mistake(), utc_ms(since), limit),
        ).fetchall()

    @guarded
    def count_diagnosis(self, form: str, diagnosis: str, since: datetime) -> int:
        """How many answers to questions of ``form`` since ``since`` got the diagnosis ``diagnosis``."""
        row = self.conn.execute(
            f"{WRONG_ANSWERS} SELECT count(*) FROM wrong WHERE diagnosis = ? AND at >= ? AND form IS ?",
            (*_known_mistake(), diagnosis, utc_ms(since), form),
        ).fetchone()
        return int(row[0])
