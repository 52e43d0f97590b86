"""A plan's result: the expected days ahead at each desired retention, and its JSON shape.

``studyapp.fsrs_tools.planner`` computes it; the JSON is documented in ``studyapp.commands.plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class PlanDay:
    """One study day's expected reviews, new cards and minutes."""

    date: date
    reviews: float
    new: float
    minutes: float


@dataclass(frozen=True)
class Outlook:
    """The simulated days ahead at one desired retention, and the recall they lead to on the exam day."""

    desired_retention: float
    days: tuple[PlanDay, ...]
    recall: float
    tags: dict[str, float]

    @property
    def reviews(self) -> float:
        """Expected reviews over all the days."""
        return sum(day.reviews for day in self.days)

    @property
    def new(self) -> float:
        """Expected new cards studied over all the days."""
        return sum(day.new for day in self.days)

    @property
    def minutes(self) -> float:
        """Expected minutes of study over all the days."""
        return sum(day.minutes for day in self.days)


@dataclass(frozen=True)
class Plan:
    """The planner's answer (``to_dict`` is the JSON that ``studyapp plan --json`` prints)."""

    today: date
    exam: date | None
    desired_retention: float
    parameters: str
    runs: int
    cards: int
    outlooks: tuple[Outlook, ...]

    @property
    def recall_date(self) -> date:
        """The day recall is predicted for: the exam, or the day after the last simulated day."""
        return self.today + timedelta(days=len(self.chosen.days))

    @property
    def chosen(self) -> Outlook:
        """The outlook at the plan's desired retention."""
        return next(o for o in self.outlooks if o.desired_retention == self.desired_retention)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the shape is documented in ``studyapp.commands.plan``."""
        chosen = self.chosen
        return {
            "today": self.today.isoformat(),
            "exam": None if self.exam is None else self.exam.isoformat(),
            "recall_date": self.recall_date.isoformat(),
            "days": len(chosen.days),
            "desired_retention": self.desired_retention,
            "parameters": self.parameters,
            "runs": self.runs,
            "cards": self.cards,
            "per_day": [
                {
                    "date": day.date.isoformat(),
                    "reviews": round(day.reviews, 2),
                    "new": round(day.new, 2),
                    "minutes": round(day.minutes, 2),
                }
                for day in chosen.days
            ],
            "totals": _totals(chosen),
            "recall": {
                "overall": round(chosen.recall, 4),
                "tags": {tag: round(value, 4) for tag, value in chosen.tags.items()},
            },
            "retention_options": [
                {"desired_retention": o.desired_retention, **_totals(o), "recall": round(o.recall, 4)}
                for o in self.outlooks
            ],
        }


def day_rows(days: Sequence[PlanDay], daily: int = 31) -> list[tuple[str, PlanDay]]:
    """``(label, day)`` per day, or per week (the week's sums, dated by its first day) beyond ``daily``."""
    if len(days) <= daily:
        return [(day.date.strftime("%a %Y-%m-%d"), day) for day in days]
    rows = []
    for start in range(0, len(days), 7):
        week = days[start : start + 7]
        summed = PlanDay(
            week[0].date,
            sum(day.reviews for day in week),
            sum(day.new for day in week),
            sum(day.minutes for day in week),
        )
        rows.append((f"week of {week[0].date.isoformat()}", summed))
    return rows


def _totals(outlook: Outlook) -> dict[str, float]:
    return {
        "reviews": round(outlook.reviews, 2),
        "new": round(outlook.new, 2),
        "minutes": round(outlook.minutes, 2),
    }
