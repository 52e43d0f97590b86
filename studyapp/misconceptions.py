"""The learner's misconceptions, for the app: the most frequent diagnoses of wrong answers in a collection,
each recurring one with what it offers (``studyapp.stats`` counts them).

A quiz attempt stores its question's parameters, simulation preset included; a drill card's answer
stores its problem and seed, so its preset comes from the instance made again here (``offer_for``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from studyapp.stats import Misconception, Offer, misconceptions, offer_of

if TYPE_CHECKING:
    from studyapp.collection import Collection


def offer_for(params: Mapping[str, Any], form: str) -> Offer | None:
    """The offer of a wrong answer's stored parameters: a quiz attempt's own simulation preset, or that of
    the drill instance drawn with the stored problem and seed."""
    problem, seed = params.get("problem"), params.get("seed")
    if "sim" not in params and isinstance(problem, str) and isinstance(seed, int):
        from studyapp.quiz.numeric import NUMERIC_KINDS, numeric_question

        if problem in NUMERIC_KINDS:
            return offer_of(numeric_question(problem, None, seed).record(), form)
    return offer_of(params, form)


def frequent_misconceptions(collection: Collection, now: datetime) -> list[Misconception]:
    """The collection's most frequent misconceptions at ``now``, most frequent first."""
    return misconceptions(collection.store, now, offer_for=offer_for)
