"""Imported review histories replayed through FSRS, in memory, as rows for the store's bulk writes.

Each card starts new; each answer is scheduled with ``Scheduler.review`` from the state the one before
left, exactly as one ``record_review`` per answer would record it (the state after one review is the
state before the next, so each state is written out once). The card is left in the state of its last
answer, suspended or marked a leech when Anki had it so. Nothing here touches the collection: the rows
are made while ``Store.record_histories`` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from studyapp.anki.deck_file import Plan
from studyapp.anki.source import CardHistory
from studyapp.model import CardState, utc_ms
from studyapp.scheduler import Scheduler
from studyapp.store import CardHistoryRows, ReviewRow

_NEW = CardState()


def card_histories(plan: Plan) -> Iterator[tuple[str, CardHistory]]:
    """Every card the plan's deck makes, by id, with its history."""
    for entry_id, card in zip(plan.entry_ids, plan.source.cards, strict=True):
        yield from zip(card.card_ids(entry_id), card.histories, strict=True)


def replayed(card_id: str, history: CardHistory, scheduler: Scheduler) -> CardHistoryRows:
    """The card's reviews as log rows, each scheduled by FSRS from the state the one before left, and the
    state it is left in (``None`` for a card that stays new and unflagged)."""
    state, before = _NEW, _NEW.to_json()
    rows = []
    for review in history.reviews:
        after, when = scheduler.review(state, review.rating, datetime.fromtimestamp(review.at_ms / 1000, UTC))
        after_json = after.to_json()
        reviewed_at = utc_ms(when)
        assert reviewed_at is not None
        rows.append(
            ReviewRow(
                card_id,
                int(review.rating),
                reviewed_at,
                review.duration_ms,
                int(state.state),
                int(after.state),
                before,
                after_json,
            )
        )
        state, before = after, after_json
    if history.flagged:
        state = replace(state, suspended=history.suspended, leech=history.leech)
    return CardHistoryRows(card_id, rows, state if rows or history.flagged else None)


def replayed_plan(plan: Plan, scheduler: Scheduler) -> Iterator[CardHistoryRows]:
    """Every card of the plan replayed, in deck order, computed as they are asked for."""
    for card_id, history in card_histories(plan):
        yield replayed(card_id, history, scheduler)
