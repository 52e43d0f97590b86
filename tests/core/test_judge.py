"""``studyapp.quiz.judge``: free answers to the bundled cards' questions judged right, wrong or unsure.

The labelled set in ``tests/data/judge_answers.toml`` (correct paraphrases, typos, and wrong but similar
answers: negations, swaps, near-miss terms, what a card's note corrects) is the quality bar: confident
verdicts that disagree with the lecturer's label stay at or below 3% of all answers, and "unsure" (left to
the learner's checklist) at or below 40%.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from studyapp.model import Card
from studyapp.quiz import Judgement, Verdict, judge
from studyapp.quiz.generators import model_answer
from studyapp.quiz.judge import bundled_cards as every_bundled_card
from studyapp.quiz.judge import judge_answer
from studyapp.quiz.rubric import Rubric, answer_stands, rubric_for, written_rubrics

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "judge_answers.toml"
MAX_CONFIDENT_WRONG = 0.03
MAX_UNSURE = 0.40


@cache
def labelled() -> list[dict[str, str]]:
    return list(tomllib.loads(LABELLED.read_text(encoding="utf-8"))["answers"])


@cache
def verdicts() -> list[tuple[dict[str, str], Judgement]]:
    return [(item, judge(item["card"], item["answer"])) for item in labelled()]


def bundled_cards() -> dict[str, Card]:
    """The seed's cards, which have the lecturer's rubrics (the cloze cards added to the course notes are
    graded by what their blanks hide: tests/core/test_cloze_grading.py, and drill cards by their numbers)."""
    cards = every_bundled_card().items()
    return {card_id: card for card_id, card in cards if not card.cloze and not card.problem}


def rubric(card_id: str) -> Rubric:
    found = rubric_for(bundled_cards()[card_id])
    assert found is not None
    return found


# -- the public function ---------------------------------------------------------------------------


def test_judge_gives_a_verdict_a_reason_and_the_ideas_recognised() -> None:
    result = judge("gradient", "the direction in which the function increases fastest")
    assert result.verdict == "right" and result.verdict is Verdict.RIGHT
    assert result.reason.startswith("it covers the key idea")
    assert result.recognised == (rubric("gradient").ideas[0].text,)
    assert result.ideas == rubric("gradient").labels and result.ticked == (0,)
    for card_id in bundled_cards():
        for answer in ("", "I don't know", "something about matrices"):
            judged = judge(card_id, answer)
            assert judged.verdict in {"right", "wrong", "unsure"} and judged.reason
            assert set(judged.recognised) <= set(judged.ideas)


def test_judge_refuses_a_card_the_bundled_deck_does_not_have() -> None:
    listed = "adam-bias-correction::c1, adam-bias-correction::c2, adaptive"  # cloze cards' ids come first
    with pytest.raises(ValueError, match=f"no bundled card 'nope'; cards: {listed}"):
        judge("nope", "anything")


# -- the review's examples -------------------------------------------------------------------------

REVIEW = [
    # Typed, right answers that were rejected.
    ("gradient", "the direction in which the function increases fastest", "right"),
    (
        "loss-function",
        "A function that measures how far the predictions are from the targets; we minimise it.",
        "right",
    ),
    (
        "batch-training",
        "Minibatches give cheaper, noisier gradients, so we can update the weights many times per epoch.",
        "right",
    ),
    (
        "backpropagation",
        "It computes the gradient of the loss with the chain rule, going backwards through the network.",
        "right",
    ),
    ("jacobian", "matrix of all first derivatives", "right"),
    # Typed, wrong answers that were accepted.
    ("filter-kinds", "Sobel detects edges in all directions, the Laplacian only horizontal", "wrong"),
    (
        "vanishing-exploding",
        "Small weights make the gradients explode and large weights make them vanish.",
        "wrong",
    ),
    (
        "computational-graphs",
        "Backpropagation applies the chain rule forward, not backward, through the graph.",
        "wrong",
    ),
    # What the notes correct.
    ("batch-training", "Training in batches prevents vanishing and exploding gradients.", "wrong"),
    ("backpropagation", "You train an MLP iteratively by updating θ.", "wrong"),
    ("pooling", "It shrinks the feature map; it has no gradients, so backpropagation stops there.", "wrong"),
]


@pytest.mark.parametrize(("card_id", "answer", "verdict"), REVIEW)
def test_the_reviews_examples(card_id: str, answer: str, verdict: str) -> None:
    assert judge(card_id, answer).verdict == verdict


def test_a_wrong_verdict_says_why() -> None:
    swapped = judge(
        "vanishing-exploding", "Small weights make the gradients explode and large weights make them vanish."
    )
    assert swapped.reason.startswith("swapped: small per-layer factors make the gradient vanish")
    denied = judge("why-activations", "They do not add any non-linearity; they only rescale the outputs.")
    assert denied.reason.startswith("it denies a key idea: they make the network non-linear")
    assert judge("mlp", "").reason == "no answer given"


VAGUE = [
    "It is something I remember from the lecture.",
    "I remember it was in the text book.",
    "It is used in neural networks.",
    "This is important for training deep learning models.",
    "It has to do with the gradient.",
    "We talked about it in week 3, with the matrix examples.",
    "It's a technique that helps the model learn better.",
    "The lecture said it was useful for images and text.",
    "Something to do with layers and weights.",
    "It makes the computation more efficient.",
    "I think it's about optimisation.",
    "It is the same as on the previous card.",
    "blorp zingle frobnicate",
]


def test_a_vague_answer_is_left_to_the_learner() -> None:
    """Words the rubric does not know are no evidence either way: a missing idea alone is never wrong."""
    for card_id in bundled_cards():
        for answer in VAGUE:
            assert judge(card_id, answer).verdict == "unsure", (card_id, answer)


def test_every_card_whose_answer_stands_is_right_in_its_own_words_and_so_is_every_model_answer() -> None:
    """A card whose note says its answer misses the point has a model answer: its own is then not wrong,
    but it is not enough either."""
    for card_id, card in bundled_cards().items():
        if answer_stands(card):
            own = judge(card_id, card.answer).verdict
            assert own == ("unsure" if rubric(card_id).answer else "right"), card_id
        assert judge(card_id, model_answer(card)).verdict == "right", card_id


def test_the_seeds_words_that_a_note_corrects_are_never_right() -> None:
    for card_id, card in bundled_cards().items():
        if not answer_stands(card):
            assert judge(card_id, card.answer).verdict != "right", card_id


def test_a_card_without_a_written_rubric_is_judged_by_its_key_terms() -> None:
    from dataclasses import replace

    card = replace(bundled_cards()["hessian"], id="user-hessian", key_terms=("second order", "derivatives"))
    built = rubric_for(card)
    assert built is not None and not built.written and built.labels == ("second order", "derivatives")
    assert judge_answer(built, "all the second-order partial derivatives").verdict == "right"
    assert judge_answer(built, "a matrix of numbers").verdict == "unsure"
    assert judge_answer(built, "derivatives, but not second order ones").verdict == "wrong"
    corrected = replace(card, note="The answer is wrong.", note_kind="correction")
    assert rubric_for(corrected) is None


def test_every_written_rubric_is_for_a_bundled_card() -> None:
    assert set(written_rubrics()) == set(bundled_cards())


# -- the labelled set ------------------------------------------------------------------------------


def test_the_labelled_set_has_ten_answers_or_more_for_every_card() -> None:
    counts = Counter(item["card"] for item in labelled())
    assert set(counts) == set(bundled_cards())
    assert min(counts.values()) >= 10
    by_label = Counter((item["card"], item["label"]) for item in labelled())
    assert all(by_label[card, label] >= 4 for card in counts for label in ("right", "wrong"))
    assert {item["label"] for item in labelled()} == {"right", "wrong"}
    kinds = Counter(item["kind"] for item in labelled())
    assert {"paraphrase", "typo", "negation", "swap", "near-miss", "corrected"} <= set(kinds)


def test_the_judge_agrees_with_the_lecturer_on_the_labelled_set() -> None:
    judged = verdicts()
    total = len(judged)
    confident = [(item, result) for item, result in judged if result.verdict != Verdict.UNSURE]
    disagreements = [
        (item["card"], item["answer"], str(r.verdict)) for item, r in confident if r.verdict != item["label"]
    ]
    unsure = total - len(confident)
    assert len(disagreements) / total <= MAX_CONFIDENT_WRONG, disagreements
    assert unsure / total <= MAX_UNSURE


def test_the_benchmark_reports_the_same_figures() -> None:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    try:
        import bench_judge
    finally:
        sys.path.remove(str(ROOT / "tests" / "benchmarks"))
    figures = bench_judge.agreement(bench_judge.score(bench_judge.load()))
    assert figures.total == len(labelled())
    assert figures.confident_wrong_rate <= MAX_CONFIDENT_WRONG and figures.unsure_rate <= MAX_UNSURE
