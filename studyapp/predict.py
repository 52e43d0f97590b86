"""Predict, then run: a number the learner types before a simulation's answer is shown, graded with the
quiz's tolerances, diagnosed when it is wrong, and turned into a suggested rating.

**What can be predicted.** A simulation's answers that are numbers (not yes/no), and each entry of a
short flat list of numbers (``output_shape[0]``, the rows of a feature map's shape): these are the
``Target``s. An integer answer must be predicted exactly; any other number to 3 significant figures
(``THREE_FIGURES``), unless the answer corresponds to a numeric quiz kind (``KNOWN_ANSWERS``: the
cross-entropy loss and gradients, the gradient left after L layers, the per-layer factor of vanishing
gradients, a convolution's output size), whose tolerance and known mistakes it then takes, computed for
the card's own parameters.

**Diagnosis** of a prediction outside the tolerance, the first that applies: a known mistake of the
corresponding quiz kind; the sign is wrong (the prediction with its sign flipped is within tolerance);
off by a power of ten (the prediction times 10^k, k ≠ 0, is within 3 significant figures); else too
high or too low by N% (by the difference, when the value is 0).

**Suggested rating.** Within tolerance: Good. Not within tolerance but close (the right sign and within
``CLOSE`` = 10% of the value), with no known mistake matched: Hard — the idea is there, the arithmetic is
not. Anything else: Again. The learner may always choose another rating.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from studyapp.model import KNOWN_MISTAKE, Rating
from studyapp.quiz.numbers import DIAGNOSIS, EXACT, THREE_FIGURES, Tolerance, diagnose, parse_number
from studyapp.quiz.worked import exact
from studyapp.store.predictions import PredictionRecord

if TYPE_CHECKING:
    from studyapp.collection import Collection

#: A prediction this close to the value (relative), of the right sign, suggests Hard rather than Again.
CLOSE = 0.10
#: Lists of numbers up to this long offer each entry as a target.
MAX_LIST_ENTRIES = 4
#: Powers of ten tried when diagnosing "off by a power of ten".
MAX_POWER = 12

Mistakes = list[tuple[str, float]]
#: ``(resolved parameters, answers, list index or None)`` -> the values known mistakes give.
MistakeRule = Callable[[Mapping[str, Any], Mapping[str, Any], int | None], Mistakes]


@dataclass(frozen=True)
class Target:
    """One number a simulation computes that the learner may predict."""

    key: str
    label: str
    value: float
    tolerance: Tolerance = THREE_FIGURES
    mistakes: tuple[tuple[str, float], ...] = ()
    #: The numeric quiz kind this answer corresponds to ("" if none).
    kind: str = ""


@dataclass(frozen=True)
class PredictionGrade:
    """A graded prediction: what was typed, the number it was read as, and the verdict."""

    target: Target
    given: str
    predicted: float
    correct: bool
    diagnosis: str | None
    suggested: Rating

    @property
    def verdict(self) -> str:
        """One line: "within tolerance (to 3 significant figures)" or "not within tolerance: <diagnosis>"."""
        tolerance = self.target.tolerance.describe()
        if self.correct:
            return f"within tolerance ({tolerance})"
        return f"not within tolerance ({tolerance}): {self.diagnosis}"

    def lines(self) -> list[str]:
        """The prediction next to the computed value, the verdict and the suggested rating, as text."""
        return [
            f"Your prediction for {self.target.label}: {exact(self.predicted)} · computed: "
            f"{exact(self.target.value)}",
            f"{'✓' if self.correct else '✗'} {self.verdict} · suggested rating: {self.suggested.label}",
        ]

    def record(
        self, at: datetime, sim: str, params: Mapping[str, Any], card_id: str | None = None
    ) -> PredictionRecord:
        """The prediction as the collection stores it."""
        return PredictionRecord(
            at=at,
            sim=sim,
            answer=self.target.key,
            given=self.given,
            predicted=self.predicted,
            expected=self.target.value,
            correct=self.correct,
            params=dict(params),
            card_id=card_id,
            diagnosis=self.diagnosis,
        )


# -- answers that correspond to a numeric quiz kind ----------------------------------------------------


def _cross_entropy(asked: str) -> MistakeRule:
    def mistakes(params: Mapping[str, Any], answers: Mapping[str, Any], _index: int | None) -> Mistakes:
        p, y = float(answers["probability"]), int(params["target"])
        if asked == "ce_loss":
            picked = p if y == 1 else 1.0 - p
            return [
                ("forgot the minus sign", math.log(picked)),
                ("used log base 10", -math.log10(picked)),
                ("took the probability of the other class", -math.log(1.0 - picked)),
            ]
        if asked == "ce_gradient":
            return [
                ("got the sign wrong (y − p instead of p − y)", y - p),
                ("gave the squared-error gradient", float(answers["mse_gradient"])),
            ]
        return [
            ("forgot the sigmoid's slope p(1 − p)", 2.0 * (p - y)),
            ("forgot the factor 2 of the square", (p - y) * p * (1.0 - p)),
            ("gave the cross-entropy gradient", float(answers["ce_gradient"])),
        ]

    return mistakes


def _gradient_left(params: Mapping[str, Any], answers: Mapping[str, Any], _index: int | None) -> Mistakes:
    peak, layers = float(answers["max_derivative"]), int(params["layers"])
    found = [
        ("added the derivatives instead of multiplying them", peak * layers),
        ("counted one layer fewer", peak ** (layers - 1)),
    ]
    if params["function"] == "sigmoid":
        found.append(("used σ(0) = 0.5 instead of the derivative σ′(0) = 0.25", 0.5**layers))
    return found


def _per_layer_factor(params: Mapping[str, Any], answers: Mapping[str, Any], _index: int | None) -> Mistakes:
    ratio = float(answers["first_layer_norm"]) / float(answers["last_layer_norm"])
    depth = int(params["depth"])
    if not math.isclose(ratio ** (1 / depth), float(answers["per_layer_factor"]), rel_tol=1e-6):
        return []  # computed another way: these mistakes would not be the ones made
    return [
        ("divided the ratio by the number of steps instead of taking the root", ratio / depth),
        (
            "took the root over the layers instead of the steps between them (one too many)",
            ratio ** (1 / (depth + 1)),
        ),
        ("inverted the ratio (last / first)", (1 / ratio) ** (1 / depth)),
    ]


def _output_size(params: Mapping[str, Any], answers: Mapping[str, Any], index: int | None) -> Mistakes:
    if index is None:
        return []
    kernel = answers["kernel"]
    n, k = int(answers["input_shape"][index]), len(kernel) if index == 0 else len(kernel[0])
    p, s = int(params["padding"]), int(params["stride"])
    if (n + 2 * p - k) // s + 1 != int(answers["output_shape"][index]):
        return []  # not the usual formula (another padding convention): no known mistakes to match
    return [
        ("forgot the padding", (n - k) // s + 1),
        ("padded one side only", (n + p - k) // s + 1),
        ("forgot the +1 in floor((n + 2p − k) / s) + 1", (n + 2 * p - k) // s),
        ("ignored the stride", n + 2 * p - k + 1),
        ("forgot to round down", (n + 2 * p - k) / s + 1),
    ]


@dataclass(frozen=True)
class KnownAnswer:
    """A simulation answer that a numeric quiz kind asks about: the kind, its tolerance, its mistakes."""

    kind: str
    tolerance: Tolerance
    mistakes: MistakeRule


#: Answers (by simulation and answer key) that correspond to a numeric quiz kind with known mistakes.
KNOWN_ANSWERS: dict[tuple[str, str], KnownAnswer] = {
    ("cross-entropy", "ce_loss"): KnownAnswer("cross-entropy", THREE_FIGURES, _cross_entropy("ce_loss")),
    ("cross-entropy", "ce_gradient"): KnownAnswer(
        "cross-entropy", THREE_FIGURES, _cross_entropy("ce_gradient")
    ),
    ("cross-entropy", "mse_gradient"): KnownAnswer(
        "cross-entropy", THREE_FIGURES, _cross_entropy("mse_gradient")
    ),
    ("activations", "gradient_factor"): KnownAnswer("activation-gradient", THREE_FIGURES, _gradient_left),
    ("vanishing-gradients", "per_layer_factor"): KnownAnswer(
        "per-layer-factor", THREE_FIGURES, _per_layer_factor
    ),
    ("convolution", "output_shape"): KnownAnswer("conv-output-size", EXACT, _output_size),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _known(
    sim: str, key: str, params: Mapping[str, Any], answers: Mapping[str, Any], value: float, index: int | None
) -> tuple[str, Tolerance | None, tuple[tuple[str, float], ...]]:
    """The quiz kind, tolerance and distinguishable mistakes of one answer (``("", None, ())`` if none)."""
    known = KNOWN_ANSWERS.get((sim, key))
    if known is None:
        return "", None, ()
    try:
        candidates = known.mistakes(params, answers, index)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError):
        candidates = []  # the run lacks what the rule needs: the kind's tolerance still applies
    kept = tuple(
        (name, float(wrong))
        for name, wrong in candidates
        if math.isfinite(float(wrong)) and not known.tolerance.accepts(float(wrong), value)
    )
    return known.kind, known.tolerance, kept


def targets(
    sim: str,
    params: Mapping[str, Any],
    answers: Mapping[str, Any],
    labels: Mapping[str, str],
    keys: Sequence[str] = (),
) -> list[Target]:
    """The numbers of a simulation run (``answers``, labelled by ``labels``) that can be predicted, in
    order: of ``keys`` if given (a card's headline), else of every answer. ``params`` are the run's
    resolved parameters."""
    found: list[Target] = []
    for key in keys or list(answers):
        if key not in answers:
            continue
        value, label = answers[key], labels.get(key, key)
        entries: list[tuple[str, str, Any, int | None]] = []
        if _is_number(value):
            entries.append((key, label, value, None))
        elif isinstance(value, list) and 0 < len(value) <= MAX_LIST_ENTRIES and all(map(_is_number, value)):
            entries += [(f"{key}[{i}]", f"{label}, entry {i + 1}", v, i) for i, v in enumerate(value)]
        for target_key, target_label, number, index in entries:
            kind, tolerance, mistakes = _known(sim, key, params, answers, float(number), index)
            default = EXACT if isinstance(number, int) else THREE_FIGURES
            found.append(
                Target(target_key, target_label, float(number), tolerance or default, mistakes, kind)
            )
    return found


# -- grading -------------------------------------------------------------------------------------------


def _percent(share: float) -> str:
    """A percentage for people: whole from 10% up, else 2 significant figures ("2.3", "0.52")."""
    return f"{share:.0f}" if share >= 10 else f"{share:.2g}"


def _power_of_ten(predicted: float, value: float) -> int | None:
    """k ≠ 0 such that ``predicted`` is ``value`` times 10^k to 3 significant figures, if any."""
    if value == 0 or predicted == 0 or (predicted > 0) != (value > 0):
        return None
    k = round(math.log10(predicted / value))
    if k == 0 or abs(k) > MAX_POWER:
        return None
    return k if DIAGNOSIS.accepts(predicted / 10.0**k, value) else None


def diagnosis_of(target: Target, predicted: float) -> str | None:
    """Why ``predicted`` is not ``target``'s value (``None`` when it is within tolerance)."""
    value, tolerance = target.value, target.tolerance
    if tolerance.accepts(predicted, value):
        return None
    known = diagnose(predicted, target.mistakes, tolerance)
    if known is not None:
        return f"{KNOWN_MISTAKE}{known}"
    if value != 0 and math.isfinite(predicted) and tolerance.accepts(-predicted, value):
        return "the sign is wrong"
    power = _power_of_ten(predicted, value) if math.isfinite(predicted) else None
    if power is not None:
        times = f"{10 ** abs(power):,} times"
        return f"off by a power of ten ({times} too {'large' if power > 0 else 'small'})"
    direction = "high" if predicted > value else "low"
    if value == 0 or not math.isfinite(predicted):
        return f"too {direction} by {exact(abs(predicted - value))}"
    return f"too {direction} by {_percent(abs(predicted - value) / abs(value) * 100)}%"


def suggested_rating(value: float, given: float, correct: bool, diagnosis: str | None) -> Rating:
    """Good within tolerance; Hard when close (see ``CLOSE``) and no known mistake; else Again."""
    if correct:
        return Rating.GOOD
    known = diagnosis is not None and diagnosis.startswith(KNOWN_MISTAKE)
    close = (
        value != 0
        and math.isfinite(given)
        and (given > 0) == (value > 0)
        and abs(given - value) <= CLOSE * abs(value)
    )
    return Rating.HARD if close and not known else Rating.AGAIN


def grade_prediction(target: Target, text: str) -> PredictionGrade:
    """Grade the typed ``text`` against ``target``; ``AnswerError`` if it is not a number."""
    predicted = parse_number(text)
    diagnosis = diagnosis_of(target, predicted)
    correct = diagnosis is None
    return PredictionGrade(
        target,
        text.strip(),
        predicted,
        correct,
        diagnosis,
        suggested_rating(target.value, predicted, correct, diagnosis),
    )


# -- for the app and the plain review ----------------------------------------------------------------


def setup(sim: str, params: Mapping[str, Any]) -> str:
    """What the prediction is about, for the prompt: the simulation and the parameters the card sets
    (``mlp with target = xor, hidden = 8``), so that the learner predicts a run they know."""
    if not params:
        return f"{sim} at its default settings"
    return f"{sim} with " + ", ".join(f"{name} = {value}" for name, value in params.items())


def run_targets(
    sim: str, params: Mapping[str, Any], keys: Sequence[str] = (), seed: int = 0
) -> tuple[dict[str, Any], list[Target]]:
    """Run ``sim`` with ``params`` here (the plain review; the app asks its worker process) and return the
    resolved parameters and the numbers that can be predicted (of ``keys``, a card's headline, if given)."""
    from sim.registry import run, spec

    result = run(sim, params, seed)
    return result.params, targets(sim, result.params, result.answers, spec(sim).answers, keys)


def save_prediction(collection: Collection, record: PredictionRecord) -> int:
    """Store a prediction made outside a review (the simulation screen); returns its id."""
    return collection.store.add_prediction(record)
