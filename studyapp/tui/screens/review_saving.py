"""The review's ratings on their way to disk, as a base of ``ReviewScreen``.

A rating is on disk before the next card is laid out: ``save`` first tries for ``QUICK_WAIT_MS`` on the
UI thread. When another program holds the collection's write lock for longer, the card stays on screen
with a "waiting for the collection" notice while a worker thread keeps trying; the rating is saved once
the lock is free, and only the learner's explicit ``x`` gives it up (a give-up that races a commit writes
nothing: each attempt checks, under the lock, whether it was withdrawn).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import get_current_worker

from studyapp.errors import CollectionBusy, CollectionError
from studyapp.model import Rating
from studyapp.tui.screens.review_predict import PredictingReview

if TYPE_CHECKING:
    from studyapp.model import Card, RateResult
    from studyapp.store.predictions import DrillAnswer, PredictionRecord

#: How long a rating waits for the write lock on the UI thread before the wait moves to a worker.
QUICK_WAIT_MS = 100
#: How long each of the worker's attempts waits for the lock before it tries again.
WORKER_WAIT_MS = 1000


@dataclass(frozen=True)
class PendingRating:
    """A rating the learner gave that is not on disk yet."""

    card: Card
    rating: Rating
    at: datetime
    duration_ms: int
    prediction: PredictionRecord | None = None
    drill: DrillAnswer | None = None


class SavingReview(PredictingReview):
    """A review screen's saving of ratings; ``ReviewScreen`` supplies the rest."""

    #: The rating waiting for the collection's write lock, if any.
    saving: PendingRating | None
    #: What follows a rating on disk (the review screen's: the next card).
    rated: Callable[[RateResult], None]

    def save(self, pending: PendingRating) -> None:
        """Save ``pending`` now, or wait for the collection in a worker if another program writes to it."""
        try:
            result = self.attempt(pending, QUICK_WAIT_MS, lambda: False)
        except CollectionBusy:
            self.wait_to_save(pending)
            return
        except CollectionError as error:
            self.report_unwritten(error)
            return
        assert result is not None  # never withdrawn
        self.rated(result)

    def attempt(
        self, pending: PendingRating, wait_ms: int, withdrawn: Callable[[], bool]
    ) -> RateResult | None:
        """One try at writing ``pending``, waiting up to ``wait_ms`` for the lock; ``None`` if it was
        ``withdrawn`` meanwhile (nothing written)."""
        return self.session.rate_unless(
            withdrawn,
            pending.card.id,
            pending.rating,
            pending.at,
            pending.duration_ms,
            wait_ms=wait_ms,
            prediction=pending.prediction,
            drill=pending.drill,
        )

    def wait_to_save(self, pending: PendingRating) -> None:
        """Keep the card on screen, say that the rating waits, and keep trying in a worker thread."""
        self.saving = pending
        self.ratings.show_hint(
            f"Waiting for the collection… another program is writing to it. Your rating "
            f"({pending.rating.label}) is saved as soon as it is free · x gives it up"
        )
        self.notify(
            "Waiting for the collection… another program is writing to it.", severity="warning", timeout=5
        )
        self.refresh_keys()
        self.run_worker(partial(self.save_when_free, pending), thread=True, exclusive=True, group="save")

    def save_when_free(self, pending: PendingRating) -> None:
        """Worker thread: try to save ``pending`` until it is saved, fails for good, or is given up."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                # Given up while this attempt waited for the lock: it writes nothing.
                result = self.attempt(pending, WORKER_WAIT_MS, lambda: worker.is_cancelled)
            except CollectionBusy:
                continue
            except CollectionError as error:
                self.app.call_from_thread(self.save_failed, error)
                return
            if result is not None:
                self.app.call_from_thread(self.saved, result)
            return

    def unsaved(self) -> str | None:
        if self.saving is None:
            return None
        return (
            f"Your rating ({self.saving.rating.label}) still waits for the collection; press x to give it "
            "up before quitting, or wait until it is saved."
        )

    def saved(self, result: RateResult) -> None:
        """The waiting rating is on disk."""
        given_up, self.saving = self.saving is None, None
        self.notify(
            "Saved: the collection was free before the rating could be given up."
            if given_up
            else f"Saved: {Rating(result.rating).label}."
        )
        self.rated(result)

    def save_failed(self, error: CollectionError) -> None:
        """The waiting rating cannot be saved: say why, and let the learner rate again."""
        self.saving = None
        self.report_unwritten(error)
        self.action_reveal_again()

    def action_give_up(self) -> None:
        """Give up the rating that waits for the collection: nothing is saved, the card stays."""
        if self.saving is None:
            return
        self.workers.cancel_group(self, "save")
        self.saving = None
        self.notify("The rating was given up; nothing was saved. Rate the card again when you like.")
        self.action_reveal_again()

    def action_reveal_again(self) -> None:
        """Show the current card's rating choices again (after a rating that was not saved)."""
        self.revealed = False
        self.action_reveal()
