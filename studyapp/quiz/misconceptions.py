"""The learner's misconceptions, for the app: the most frequent diagnoses of wrong answers in a collection,
each recurring one with what it offers (``studyapp.stats`` counts them)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from studyapp.stats import Misconception, misconceptions

if TYPE_CHECKING:
    from studyapp.collection import Collection


def frequent_misconceptions(collection: Collection, now: datetime) -> list[Misconception]:
    """The collection's most frequent misconceptions at ``now``, most frequent first."""
    return misconceptions(collection.store, now)
