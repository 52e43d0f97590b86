"""Predictions and drill answers: what the learner typed before seeing a computed number.

A **prediction** is a number typed for one of a simulation's answers before it is shown, graded against
the computed value: in a review (stored with the review's rating, in its transaction, and deleted with
it by undo; ``review_id`` links them) or in the simulation screen (stored when it is committed, with no
review). A **drill answer** is the instance of a generated problem a drill card showed in one review (its
problem and seed, so the same instance can be made again) and what the learner typed for it, kept in
``drill_answers`` under the review's id and deleted with the review.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from studyapp.model import utc_ms
from studyapp.store.base import StoreBase, guarded

PREDICTION_COLUMNS = (
    "id",
    "at",
    "card_id",
    "review_id",
    "sim",
    "answer",
    "params",
    "given",
    "predicted",
    "expected",
    "correct",
    "diagnosis",
)
DRILL_COLUMNS = ("review_id", "card_id", "problem", "seed", "given", "correct", "diagnosis")


@dataclass(frozen=True)
class PredictionRecord:
    """One graded prediction: the simulation, its parameters and the answer predicted (``answer``: its
    key, ``output_shape[0]`` for an entry of a list), what was typed, the number it was read as, the
    computed value, whether it was within tolerance, and the diagnosis of a wrong one."""

    at: datetime
    sim: str
    answer: str
    given: str
    predicted: float
    expected: float
    correct: bool
    params: Mapping[str, Any] = field(default_factory=dict)
    card_id: str | None = None
    diagnosis: str | None = None
    review_id: int | None = None
    id: int = 0


@dataclass(frozen=True)
class DrillAnswer:
    """The instance of problem ``problem`` a drill card showed (made again from ``seed``), and the answer
    typed for it (``given`` empty, ``correct`` ``None``: the learner looked at the solution without one)."""

    problem: str
    seed: int
    given: str = ""
    correct: bool | None = None
    diagnosis: str | None = None


def insert_prediction(conn: sqlite3.Connection, record: PredictionRecord, review_id: int | None) -> int:
    """Add ``record`` (in the caller's transaction), linked to ``review_id``; returns its id."""
    cursor = conn.execute(
        f"INSERT INTO predictions ({', '.join(PREDICTION_COLUMNS[1:])}) VALUES ({', '.join('?' * 11)})",
        (
            utc_ms(record.at),
            record.card_id,
            review_id,
            record.sim,
            record.answer,
            json.dumps(dict(record.params), sort_keys=True),
            record.given,
            record.predicted,
            record.expected,
            int(record.correct),
            record.diagnosis,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def insert_drill_answer(conn: sqlite3.Connection, review_id: int, card_id: str, drill: DrillAnswer) -> None:
    """Keep the drill instance shown in review ``review_id`` (in the caller's transaction)."""
    conn.execute(
        f"INSERT INTO drill_answers ({', '.join(DRILL_COLUMNS)}) VALUES ({', '.join('?' * 7)})",
        (
            review_id,
            card_id,
            drill.problem,
            drill.seed,
            drill.given,
            None if drill.correct is None else int(drill.correct),
            drill.diagnosis,
        ),
    )


def delete_review_extras(conn: sqlite3.Connection, review_id: int) -> None:
    """Remove the prediction and drill answer of a review that is being deleted (undo)."""
    conn.execute("DELETE FROM predictions WHERE review_id = ?", (review_id,))
    conn.execute("DELETE FROM drill_answers WHERE review_id = ?", (review_id,))


def _prediction(row: tuple[Any, ...]) -> PredictionRecord:
    values = dict(zip(PREDICTION_COLUMNS, row, strict=True))
    return PredictionRecord(
        at=datetime.fromtimestamp(values["at"] / 1000, UTC),
        sim=values["sim"],
        answer=values["answer"],
        given=values["given"],
        predicted=values["predicted"],
        expected=values["expected"],
        correct=bool(values["correct"]),
        params=json.loads(values["params"]),
        card_id=values["card_id"],
        diagnosis=values["diagnosis"],
        review_id=values["review_id"],
        id=values["id"],
    )


def _drill(row: tuple[Any, ...]) -> DrillAnswer:
    _review, _card, problem, seed, given, correct, diagnosis = row
    return DrillAnswer(problem, seed, given, None if correct is None else bool(correct), diagnosis)


class PredictionLog(StoreBase):
    """The ``predictions`` and ``drill_answers`` tables."""

    @guarded
    def add_prediction(self, record: PredictionRecord) -> int:
        """Store a prediction made outside a review (the simulation screen); returns its id."""
        with self.transaction() as conn:
            return insert_prediction(conn, record, record.review_id)

    @guarded
    def predictions(self, card_id: str | None = None) -> list[PredictionRecord]:
        """Every prediction in the order they were made; optionally one card's."""
        query = f"SELECT {', '.join(PREDICTION_COLUMNS)} FROM predictions"
        if card_id is None:
            rows = self.conn.execute(f"{query} ORDER BY id").fetchall()
        else:
            rows = self.conn.execute(f"{query} WHERE card_id = ? ORDER BY id", (card_id,)).fetchall()
        return [_prediction(row) for row in rows]

    @guarded
    def calibration_counts(self) -> tuple[tuple[int, int], list[tuple[str, int, int]]]:
        """``((predictions, within tolerance), [(tag, predictions, within tolerance), ...])``: overall, and
        per tag of the predicted card (a prediction counts for each of its card's tags)."""
        total, within = self.conn.execute(
            "SELECT count(*), coalesce(sum(correct), 0) FROM predictions"
        ).fetchone()
        if not total:  # nothing to look up: the tags of a big collection are not read
            return (0, 0), []
        # Driven from the predictions: one tag-index lookup per prediction about a card.
        by_tag = self.conn.execute(
            "SELECT t.tag, count(*), sum(p.correct) FROM predictions AS p CROSS JOIN card_tags AS t "
            "ON t.card_id = p.card_id GROUP BY t.tag ORDER BY t.tag"
        ).fetchall()
        return (int(total), int(within)), [(tag, int(n), int(ok)) for tag, n, ok in by_tag]

    @guarded
    def drill_answer(self, review_id: int) -> DrillAnswer | None:
        """The drill instance shown in review ``review_id`` (``None`` if it was no drill)."""
        row = self.conn.execute(
            f"SELECT {', '.join(DRILL_COLUMNS)} FROM drill_answers WHERE review_id = ?", (review_id,)
        ).fetchone()
        return None if row is None else _drill(row)

    @guarded
    def drill_answers(self, card_id: str) -> list[tuple[int, DrillAnswer]]:
        """``(review id, drill answer)`` for every review of a drill card, oldest first (its history)."""
        rows = self.conn.execute(
            f"SELECT {', '.join(DRILL_COLUMNS)} FROM drill_answers WHERE card_id = ? ORDER BY review_id",
            (card_id,),
        ).fetchall()
        return [(row[0], _drill(row)) for row in rows]

    # -- export ------------------------------------------------------------------------------------

    @guarded
    def prediction_rows(self) -> Iterator[dict[str, Any]]:
        """Every prediction by column name (``params`` as stored JSON text), in order."""
        query = f"SELECT {', '.join(PREDICTION_COLUMNS)} FROM predictions ORDER BY id"
        for row in self.conn.execute(query):
            yield dict(zip(PREDICTION_COLUMNS, row, strict=True))

    @guarded
    def drill_rows(self) -> Iterator[dict[str, Any]]:
        """Every drill answer by column name, in review order."""
        for row in self.conn.execute(
            f"SELECT {', '.join(DRILL_COLUMNS)} FROM drill_answers ORDER BY review_id"
        ):
            yield dict(zip(DRILL_COLUMNS, row, strict=True))
