"""The question generators and the tables that map every kind to its forms and its generator. Stdlib only
(numeric questions import numpy when a quiz is built).

Every generator takes the card, a form and an integer seed and is deterministic: the same seed gives the
same question, with the same choice or step order.

Teaching rules: no question presents as true what the card's note corrects. A card whose own answer the
note corrects (``answer_stands`` is false) gets no multiple-choice, true-or-false or fill-in-the-blank
question built from that answer, and an ordering question only from steps the note does not correct. A
free answer in the learner's own words is judged against the card's rubric (``studyapp.quiz.judge``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from studyapp.deck_json import CardsWith
from studyapp.model import Card
from studyapp.quiz.patterns import Pattern
from studyapp.quiz.questions import (
    MAX_DISTRACTORS,
    MIN_STEPS,
    OPTION_KEYS,
    Question,
    QuestionKind,
    card_fields,
)
from studyapp.quiz.rubric import (
    Mistake,
    NameQuestion,
    answer_stands,
    card_vocabulary,
    rubric_for,
    steps_stand,
    written_rubrics,
)
from studyapp.quiz.text import words_of

#: The gap in a fill-in-the-blank question.
BLANK = "_____"
#: Pairs of words that are each other's opposite: a blank that asks for one rejects the other.
OPPOSITES = (
    ("ascent", "descent"),
    ("increase", "decrease"),
    ("uphill", "downhill"),
    ("maximum", "minimum"),
    ("maximise", "minimise"),
    ("maximize", "minimize"),
    ("forward", "backward"),
    ("forwards", "backwards"),
    ("input", "output"),
    ("inputs", "outputs"),
    ("horizontal", "vertical"),
    ("vanishing", "exploding"),
    ("small", "big"),
    ("small", "large"),
    ("first", "second"),
    ("linear", "nonlinear"),
    ("shallow", "deep"),
    ("add", "multiply"),
    ("higher", "lower"),
    ("global", "local"),
    ("scalar", "vector"),
    ("stochastic", "batch"),
)


# -- multiple choice and true or false -------------------------------------------------------------


def choice_question(card: Card, seed: int) -> Question:
    """The card's answer among up to three of its distractors, shuffled."""
    if not card.distractors:
        raise ValueError(f"card {card.id!r} has no distractors for a multiple-choice question")
    rng = random.Random(seed)
    picked = rng.sample(card.distractors, min(MAX_DISTRACTORS, len(card.distractors)))
    options = [card.answer, *picked]
    rng.shuffle(options)
    right = options.index(card.answer)
    return Question(
        **card_fields(card, QuestionKind.CHOICE, seed),
        prompt=card.question,
        expected=f"{OPTION_KEYS[right]}) {card.answer}",
        options=tuple(options),
        solution=(right,),
        params={"options": [_option_id(card, text) for text in options]},
    )


def _option_id(card: Card, text: str) -> str:
    """``answer`` or ``distractor N``: which authored text an option is."""
    return "answer" if text == card.answer else f"distractor {card.distractors.index(text) + 1}"


def true_false_question(card: Card, seed: int) -> Question:
    """A statement that is the card's answer or one of its distractors (even odds): true or false?"""
    if not card.distractors:
        raise ValueError(f"card {card.id!r} has no distractors for a true-or-false question")
    rng = random.Random(seed)
    truth = rng.random() < 0.5
    statement = card.answer if truth else rng.choice(card.distractors)
    expected = "True" if truth else f"False. The answer is: {card.answer}"
    return Question(
        **card_fields(card, QuestionKind.TRUE_FALSE, seed),
        prompt=f"True or false? {card.question}\n“{statement}”",
        expected=expected,
        options=("True", "False"),
        solution=(0 if truth else 1,),
        params={"statement": _option_id(card, statement)},
    )


# -- in your own words -----------------------------------------------------------------------------


def model_answer(card: Card) -> str:
    """An answer to the card's question that is right: the lecturer's, or the card's own if it stands."""
    rubric = rubric_for(card)
    if rubric is not None and rubric.answer:
        return rubric.answer
    return card.answer if answer_stands(card) else ""


def typed_question(card: Card, seed: int) -> Question:
    """Answer the card's question in your own words; judged against the card's rubric of key ideas."""
    rubric = rubric_for(card)
    if rubric is None:
        raise ValueError(f"card {card.id!r} has no rubric for a question in your own words")
    reference = model_answer(card) or "; ".join(rubric.labels)
    return Question(
        **card_fields(card, QuestionKind.TYPED, seed),
        prompt=f"{card.question}\n(in your own words)",
        expected=reference,
        reference=reference,
        rubric=rubric,
    )


# -- short answers: a blank in the card's answer, or "name the ..." --------------------------------


def _phrase_regex(phrase: str) -> re.Pattern[str]:
    """``phrase`` as whole words, written with spaces, hyphens or neither between its words."""
    parts = [re.escape(part) for part in re.split(r"[\s\-]+", phrase.strip()) if part]
    return re.compile(r"(?<!\w)" + r"[\s\-]*".join(parts) + r"(?!\w)", re.IGNORECASE)


def blanks(card: Card) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """The key terms that can be blanked in the card's answer: (the text, where it starts and ends, the
    term's synonyms). A term is blanked at its first synonym that occurs exactly once in the answer (the
    others may stay as hints: they are accepted too)."""
    found = []
    for term in card.key_terms:
        synonyms = tuple(s.strip() for s in term.split("|") if s.strip())
        for synonym in synonyms:
            matches = list(_phrase_regex(synonym).finditer(card.answer))
            if len(matches) == 1:
                start, end = matches[0].span()
                found.append((card.answer[start:end], start, end, synonyms))
                break
    return found


def _opposites(text: str) -> list[str]:
    words = set(words_of(text))
    return [b if a in words else a for a, b in OPPOSITES if a in words or b in words]


def cloze_question(card: Card, seed: int) -> Question:
    """The card's answer with one key term blanked out; type the term (synonyms and typos are fine)."""
    options = blanks(card)
    if not options or not answer_stands(card):
        raise ValueError(f"card {card.id!r} has no key term to blank in an answer that stands")
    rng = random.Random(seed)
    index = rng.randrange(len(options))
    text, start, end, synonyms = options[index]
    opposite = set(_opposites(text))
    accepted = [s for s in synonyms if not set(words_of(s)) & opposite]
    rejected = tuple(
        Mistake(f"“{word}” is the opposite of what the blank asks for", (Pattern.phrase(word),))
        for word in sorted(opposite)
    )
    short = NameQuestion(
        "", text, tuple(Pattern.phrase(s) for s in accepted), rejected, card_vocabulary(card)
    )
    sentence = card.answer[:start] + BLANK + card.answer[end:]
    return Question(
        **card_fields(card, QuestionKind.SHORT, seed, "short:cloze"),
        prompt=f"Fill in the blank. {card.question}\n“{sentence}”",
        expected=text,
        reference=text,
        short=short,
        params={"blank": index},
    )


def name_question(card: Card, seed: int) -> Question:
    """One of the rubric's "name the ..." questions, answered with a term."""
    rubric = rubric_for(card)
    if rubric is None or not rubric.names:
        raise ValueError(f"card {card.id!r} has no short questions")
    index = random.Random(seed).randrange(len(rubric.names))
    named = rubric.names[index]
    return Question(
        **card_fields(card, QuestionKind.SHORT, seed, "short:name"),
        prompt=named.prompt,
        expected=named.answer,
        reference=named.answer,
        short=named,
        params={"name": index},
    )


# -- ordering --------------------------------------------------------------------------------------


def ordering_question(card: Card, seed: int) -> Question:
    """The card's steps, shuffled (never already in order); type their right order."""
    count = len(card.steps)
    if count < MIN_STEPS:
        raise ValueError(f"card {card.id!r} needs at least {MIN_STEPS} steps for an ordering question")
    rng = random.Random(seed)
    shown = list(range(count))
    while shown == sorted(shown):
        rng.shuffle(shown)
    # The i-th step in the right order is shown as number position(i) + 1.
    solution = tuple(shown.index(step) + 1 for step in range(count))
    return Question(
        **card_fields(card, QuestionKind.ORDERING, seed),
        prompt=f"Put these in the right order.\nAbout: {card.question}",
        expected="".join(map(str, solution)) + ": " + " → ".join(card.steps),
        options=tuple(card.steps[i] for i in shown),
        solution=solution,
        params={"shown": shown},
    )


# -- every kind: its forms and its generator -------------------------------------------------------

FormFinder = Callable[[Card], list[str]]
#: ``make(card, form, seed)``: the question of one kind in ``form`` about ``card``, drawn with ``seed``.
Generator = Callable[[Card, str, int], Question]


def _one_form(kind: QuestionKind, suits: Callable[[Card], bool]) -> FormFinder:
    """A kind with one form, named after it, for the cards that ``suits``."""

    def find(card: Card) -> list[str]:
        return [kind.value] if suits(card) else []

    return find


def _ignoring_form(generator: Callable[[Card, int], Question]) -> Generator:
    def make(card: Card, form: str, seed: int) -> Question:
        return generator(card, seed)

    return make


def short_forms(card: Card) -> list[str]:
    """``short:cloze`` for a card whose answer stands and has a key term to blank; ``short:name`` for a
    card whose rubric has "name the ..." questions."""
    found = []
    if blanks(card) and answer_stands(card):
        found.append("short:cloze")
    rubric = rubric_for(card)
    if rubric is not None and rubric.names:
        found.append("short:name")
    return found


def short_question(card: Card, form: str, seed: int) -> Question:
    """The short question of ``form`` (``short:cloze`` or ``short:name``) about ``card``."""
    if form == "short:name":
        return name_question(card, seed)
    return cloze_question(card, seed)


def numeric_forms(card: Card) -> list[str]:
    """The numeric kinds (forms) that suit ``card``; imports numpy, so only when a quiz is built."""
    from studyapp.quiz.numeric import numeric_kinds_for

    return numeric_kinds_for(card)


def numeric_generator(card: Card, form: str, seed: int) -> Question:
    """The numeric question of kind ``form`` about ``card`` (imports numpy)."""
    from studyapp.quiz.numeric import numeric_question

    return numeric_question(form, card, seed)


def _stands_with_distractors(card: Card) -> bool:
    return bool(card.distractors) and answer_stands(card)


def _has_steps(card: Card) -> bool:
    return len(card.steps) >= MIN_STEPS and steps_stand(card)


#: The forms of each kind a card suits.
FORMS: dict[QuestionKind, FormFinder] = {
    QuestionKind.CHOICE: _one_form(QuestionKind.CHOICE, _stands_with_distractors),
    QuestionKind.TYPED: _one_form(QuestionKind.TYPED, lambda card: rubric_for(card) is not None),
    QuestionKind.NUMERIC: numeric_forms,
    QuestionKind.ORDERING: _one_form(QuestionKind.ORDERING, _has_steps),
    QuestionKind.TRUE_FALSE: _one_form(QuestionKind.TRUE_FALSE, _stands_with_distractors),
    QuestionKind.SHORT: short_forms,
}
#: The generator of each kind.
GENERATORS: dict[QuestionKind, Generator] = {
    QuestionKind.CHOICE: _ignoring_form(choice_question),
    QuestionKind.TYPED: _ignoring_form(typed_question),
    QuestionKind.NUMERIC: numeric_generator,
    QuestionKind.ORDERING: _ignoring_form(ordering_question),
    QuestionKind.TRUE_FALSE: _ignoring_form(true_false_question),
    QuestionKind.SHORT: short_question,
}

#: The card fields questions are made from. A card with none of them set, and without a written rubric,
#: has no form of any kind (``could_have_forms``).
FORM_FIELDS = ("distractors", "key_terms", "steps", "sim")


def could_have_forms() -> CardsWith:
    """The cards that could have a question form of some kind: those that set one of ``FORM_FIELDS`` and
    those with a written rubric. Much cheaper to tell than finding a card's forms (and the deck cache
    makes only those cards), and it keeps every card that has one."""
    return CardsWith(FORM_FIELDS, {"id": frozenset(written_rubrics())})
