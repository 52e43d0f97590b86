"""Your own FSRS parameters: fitted to your review history with fsrs-rs, as Anki's "Optimize" does.

``fit`` reads the review log, builds fsrs-rs's training items (``history``), fits parameters with
``FSRS.compute_parameters`` and evaluates both the parameters in use and the fitted ones on the same
items (``FSRS.evaluate``: log loss, and RMSE over bins of predicted recall). ``apply`` stores the fitted
parameters as the ``fsrs_parameters`` setting, which the study queue then schedules with; ``reset`` goes
back to FSRS's defaults.

fsrs-rs needs enough history. It drops, as outliers, cards whose first rating is shared by fewer than 20
cards, and it fits every parameter only from 64 training items (reviews a day or more after the card's
previous review) that survive that filter; with fewer it returns the defaults or fits the first four
only. Below that, ``fit`` reports how many more reviews are needed and fits nothing. As in Anki,
parameters that do not predict the history better than the ones in use (a higher log loss) are not
applied.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from studyapp.fsrs_tools.health import health_warnings, review_counts
from studyapp.fsrs_tools.history import StudyCalendar, TrainingSet, training_set
from studyapp.model import Settings
from studyapp.scheduler import Scheduler, check_utc

if TYPE_CHECKING:
    import fsrs_rs_python

    from studyapp.collection import Collection

#: fsrs-rs fits every parameter only from this many training items that survive its outlier filter.
MIN_TRAINING_ITEMS = 64
#: fsrs-rs drops the cards of a first rating given to fewer cards than this.
MIN_FIRST_RATING_CARDS = 20
#: The metadata key of the last applied fit: when, on how many reviews, and how well it fitted.
FIT_META_KEY = "fsrs_fit"


def default_parameters() -> tuple[float, ...]:
    """FSRS's default parameters (py-fsrs's, which fsrs-rs's equal)."""
    return Scheduler(fuzz=False).parameters


def parameters_in_use(settings: Settings) -> tuple[float, ...]:
    """The parameters the study queue schedules with: the stored ones, else the defaults."""
    return settings.fsrs_parameters or default_parameters()


def as_setting(parameters: Sequence[float]) -> tuple[float, ...]:
    """fsrs-rs's 32-bit parameters as the shortest decimals with the same 32-bit value, within the
    ranges py-fsrs accepts (a bound such as 0.8 is 0.800000011920929 in 32 bits, just above it)."""
    values = []
    for value, (low, high) in zip(parameters, Settings.FSRS_PARAMETER_BOUNDS, strict=True):
        single = _f32(value)
        shortest = next(
            (float(text) for digits in range(1, 10) if _f32(float(text := f"{value:.{digits}g}")) == single),
            single,
        )
        values.append(min(max(shortest, low), high))
    return tuple(values)


def _f32(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


@dataclass(frozen=True)
class Evaluation:
    """How well parameters predict the history: log loss, and RMSE of recall over bins (0..1)."""

    log_loss: float
    rmse: float


def evaluate(parameters: Sequence[float], items: Sequence[fsrs_rs_python.FSRSItem]) -> Evaluation | None:
    """fsrs-rs's evaluation of ``parameters`` on ``items`` (``None`` without items)."""
    from fsrs_rs_python import FSRS

    if not items:
        return None
    result = FSRS(list(parameters)).evaluate(list(items))
    return Evaluation(float(result.log_loss), float(result.rmse_bins))


@dataclass(frozen=True)
class Readiness:
    """What fsrs-rs will train on: items kept by its outlier filter, and the largest first-rating group."""

    items: int
    usable: int
    largest_group: int

    @property
    def needed(self) -> int:
        """How many more usable reviews a full fit needs (0: enough)."""
        if self.largest_group < MIN_FIRST_RATING_CARDS:
            return max(MIN_TRAINING_ITEMS - self.usable, 1)
        return max(MIN_TRAINING_ITEMS - self.usable, 0)


def readiness(training: TrainingSet, items: Sequence[fsrs_rs_python.FSRSItem]) -> Readiness:
    """Run fsrs-rs's own outlier filter on the items, as ``compute_parameters`` does before fitting."""
    from fsrs_rs_python import filter_outlier

    first_items = [item for item in items if item.long_term_review_cnt() == 1]
    _kept_first, kept = filter_outlier(first_items, list(items)) if first_items else ([], [])
    groups: dict[int, int] = {}
    for steps in training.items:
        if sum(delta_t > 0 for _rating, delta_t in steps) == 1:
            groups[steps[0][0]] = groups.get(steps[0][0], 0) + 1
    return Readiness(len(items), len(kept), max(groups.values(), default=0))


def shortfall(ready: Readiness) -> list[str]:
    """Why a history is too short to fit, and how much more it needs, in sentences."""
    lines = [
        f"Not enough history to fit: fsrs-rs needs {MIN_TRAINING_ITEMS} reviews made a day or more after "
        f"the card's previous review, of cards whose first rating at least {MIN_FIRST_RATING_CARDS} cards "
        f"share; it keeps {ready.usable}. About {ready.needed} more such reviews are needed."
    ]
    if ready.largest_group < MIN_FIRST_RATING_CARDS:
        lines.append(
            f"The most cards that share a first rating and were reviewed again on a later day is "
            f"{ready.largest_group}; study more new cards until {MIN_FIRST_RATING_CARDS} do."
        )
    return lines


@dataclass(frozen=True)
class FitReport:
    """The outcome of ``fit``: the history, the parameters in use and the fitted ones, and warnings."""

    reviews: int
    readiness: Readiness
    in_use: tuple[float, ...]
    in_use_is_default: bool
    in_use_evaluation: Evaluation | None
    #: ``None`` when the history is too short to fit.
    fitted: tuple[float, ...] | None
    fitted_evaluation: Evaluation | None
    warnings: tuple[str, ...]

    @property
    def improves(self) -> bool:
        """The fitted parameters predict the history better (lower log loss) than the ones in use."""
        fitted, in_use = self.fitted_evaluation, self.in_use_evaluation
        return fitted is not None and (in_use is None or fitted.log_loss < in_use.log_loss)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the shape is documented in ``studyapp.commands.optimize``)."""
        return {
            "reviews": self.reviews,
            "training_items": self.readiness.items,
            "usable_items": self.readiness.usable,
            "enough_history": self.fitted is not None,
            "reviews_needed": self.readiness.needed,
            "current": {
                "source": "default" if self.in_use_is_default else "fitted",
                "parameters": list(self.in_use),
                "evaluation": _evaluation_dict(self.in_use_evaluation),
            },
            "fitted": None
            if self.fitted is None
            else {
                "parameters": list(self.fitted),
                "evaluation": _evaluation_dict(self.fitted_evaluation),
                "better": self.improves,
            },
            "warnings": list(self.warnings),
        }


def _evaluation_dict(evaluation: Evaluation | None) -> dict[str, float] | None:
    return None if evaluation is None else asdict(evaluation)


def fit(collection: Collection, tz: tzinfo | None = None) -> FitReport:
    """Fit parameters to the collection's history (study days in ``tz``, default local time)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    settings = collection.settings()
    reviews = list(collection.store.answer_log())
    training = training_set(reviews, StudyCalendar(settings.day_start_hour, tz))
    items = training.fsrs_items()
    ready = readiness(training, items)
    in_use = parameters_in_use(settings)
    fitted: tuple[float, ...] | None = None
    if ready.needed == 0:
        raw = FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)
        fitted = None if list(raw) == list(DEFAULT_PARAMETERS) else as_setting(raw)
    return FitReport(
        reviews=training.reviews,
        readiness=ready,
        in_use=in_use,
        in_use_is_default=not settings.fsrs_parameters,
        in_use_evaluation=evaluate(in_use, items),
        fitted=fitted,
        fitted_evaluation=None if fitted is None else evaluate(fitted, items),
        warnings=tuple(health_warnings(review_counts(reviews))),
    )


@dataclass(frozen=True)
class FitInfo:
    """The fit behind the stored parameters: when, on how many reviews, and how well."""

    fitted_at: str
    reviews: int
    log_loss: float
    rmse: float


def apply(collection: Collection, report: FitReport, now: datetime) -> FitInfo:
    """Store the fitted parameters (and what they were fitted on); ``ValueError`` if nothing was fitted."""
    if report.fitted is None or report.fitted_evaluation is None:
        raise ValueError("there are no fitted parameters to apply: the history is too short")
    info = FitInfo(
        check_utc(now).isoformat(timespec="seconds"),
        report.reviews,
        report.fitted_evaluation.log_loss,
        report.fitted_evaluation.rmse,
    )
    store = collection.store
    with store.transaction():
        collection.set_setting("fsrs_parameters", report.fitted)
        store.set_meta(FIT_META_KEY, json.dumps({"parameters": list(report.fitted), **asdict(info)}))
    return info


def reset(collection: Collection) -> None:
    """Schedule with FSRS's default parameters again."""
    collection.set_setting("fsrs_parameters", ())


def describe_parameters(collection: Collection) -> str:
    """One line on the parameters in use: default, or fitted on what and how well."""
    settings = collection.settings()
    if not settings.fsrs_parameters:
        return "default (FSRS's own, not fitted to your reviews)"
    info = stored_fit(collection)
    if info is None:
        return "fitted (imported, or set without a fit on this collection)"
    return (
        f"fitted on {info.reviews} reviews on {info.fitted_at[:10]} · log loss {info.log_loss:.4f} · "
        f"RMSE {info.rmse * 100:.2f}%"
    )


def stored_fit(collection: Collection) -> FitInfo | None:
    """What the stored parameters were fitted on (``None``: defaults, or parameters from elsewhere)."""
    parameters = collection.settings().fsrs_parameters
    text = collection.store.get_meta(FIT_META_KEY)
    if not parameters or text is None:
        return None
    data = json.loads(text)
    if tuple(data.pop("parameters")) != parameters:
        return None
    return FitInfo(**data)
