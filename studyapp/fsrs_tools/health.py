"""Anki's health check of a history: warnings when the ratings look unusual for FSRS to learn from.

FSRS learns how memory decays from the reviews that were forgotten (Again) and those that were not
(Hard, Good, Easy). Two habits mislead it, and both show in the reviews of cards in the Review state:

- **Hard used as a failing grade.** Hard means "recalled, with effort". Pressed for a card that was
  in fact forgotten, it tells FSRS the card was remembered. It shows as Hard pressed far more often
  than Again, and as cards rated Hard being forgotten next time much more often than cards rated Good.
- **Almost always the same button.** When nearly every review gets one rating (say Good, even when
  forgotten), the history says too little about forgetting to fit anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from studyapp.model import LoggedAnswer, Rating, StudyState

#: Reviews needed before a share is judged at all.
MIN_REVIEWS = 50
#: "Almost all": one rating's share of the reviews.
ONE_BUTTON_SHARE = 0.95
#: Hard pressed at least this many times as often as Again (and this often at least) looks like failing.
HARD_OVER_AGAIN = 2.0
MIN_HARD = 20
#: Forgotten at the next review after Hard at least this often, and this many times as often as after Good.
FAILED_AFTER_HARD = 0.3
FAILED_AFTER_HARD_RATIO = 2.0


@dataclass(frozen=True)
class ReviewCounts:
    """The ratings of reviews of cards in Review, and what the next review of each card said."""

    ratings: dict[Rating, int]
    #: Per rating: reviews followed by another review of the card, and how many of those were Again.
    followed: dict[Rating, int]
    failed_next: dict[Rating, int]

    @property
    def total(self) -> int:
        """Reviews of cards in Review."""
        return sum(self.ratings.values())

    def failed_after(self, rating: Rating) -> float | None:
        """The share of reviews rated ``rating`` whose card was forgotten at its next review."""
        followed = self.followed[rating]
        return self.failed_next[rating] / followed if followed else None


def review_counts(reviews: Iterable[LoggedAnswer]) -> ReviewCounts:
    """``ReviewCounts`` of a review log in log order."""
    ratings = dict.fromkeys(Rating, 0)
    followed = dict.fromkeys(Rating, 0)
    failed = dict.fromkeys(Rating, 0)
    waiting: dict[str, Rating] = {}  # card -> the rating of its last review in Review
    for review in reviews:
        before = waiting.pop(review.card_id, None)
        if before is not None:
            followed[before] += 1
            failed[before] += review.rating == Rating.AGAIN
        if review.state_before == StudyState.REVIEW:
            ratings[review.rating] += 1
            waiting[review.card_id] = review.rating
    return ReviewCounts(ratings, followed, failed)


def health_warnings(counts: ReviewCounts) -> list[str]:
    """What looks unusual in the history, each as a sentence that says what to do (empty: nothing)."""
    if counts.total < MIN_REVIEWS:
        return []
    warnings = []
    hard, again = counts.ratings[Rating.HARD], counts.ratings[Rating.AGAIN]
    if hard >= MIN_HARD and hard >= HARD_OVER_AGAIN * again:
        warnings.append(
            f"Hard was pressed {hard} times in reviews and Again only {again} times. Hard means you "
            "recalled the answer with effort; when you forgot it, press Again, or FSRS learns that "
            "forgotten cards were remembered."
        )
    after_hard, after_good = counts.failed_after(Rating.HARD), counts.failed_after(Rating.GOOD)
    if (
        after_hard is not None
        and counts.followed[Rating.HARD] >= MIN_HARD
        and after_hard >= FAILED_AFTER_HARD
        and after_hard >= FAILED_AFTER_HARD_RATIO * (after_good or 0.0)
    ):
        good_text = "" if after_good is None else f" ({after_good:.0%} after Good)"
        warnings.append(
            f"Cards rated Hard were forgotten at their next review {after_hard:.0%} of the time"
            f"{good_text}: Hard may be standing in for Again. Press Again when you forgot."
        )
    rating, most = max(counts.ratings.items(), key=lambda pair: pair[1])
    share = most / counts.total
    if share >= ONE_BUTTON_SHARE:
        warnings.append(
            f"{share:.0%} of your reviews were rated {rating.label}. With almost every review rated the "
            "same, the history says little about what you forget: rate each card as you recalled it."
        )
    return warnings
