"""Line-by-line review on plain text streams (``studyapp review --plain``): for pipes, scripts and
screen readers.

For each card the question is printed; an empty line shows the answer and its details, with the
interval each rating would give; ``1``-``4`` (or again/hard/good/easy) rates, ``u`` undoes the last
action, ``s`` skips the card, ``q`` or the end of input quits. On a cloze card a typed line is the
answer: it is graded, and the rating it suggests is taken by an empty line. On a card whose simulation
computes a number (in a deck with the ``predict`` setting on), a typed line is a prediction of that
number: it is graded, shown next to the computed value and diagnosed, and suggests a rating; an empty line
skips it. A drill card (``problem``) prints a fresh instance of its problem: a typed line is the answer,
graded as the quiz grades it, and the worked solution is printed. Formulas are printed as
Unicode text, one line each. Every rating is committed before the
next line is printed, and stdout is flushed after each step. While another program holds the
collection's write lock, a rating waits (and says so) until it can be saved; Ctrl-C gives it up.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from studyapp.cloze import card_text, parse_cloze
from studyapp.errors import CollectionBusy, UserError
from studyapp.math import FormulaPart, markdown_parts, plain_text, strip_markers, unicode_text
from studyapp.model import Card, RateResult, Rating, StudyState
from studyapp.predict import PredictionGrade, Target
from studyapp.problems import Drill, DrillGrade
from studyapp.quiz.worked import exact
from studyapp.scheduler import format_interval, format_local
from studyapp.session import StudySession

QUESTION_HELP = "(Enter: show the answer · s skip · u undo · q quit)"
CLOZE_HELP = "(type what the blank hides and Enter, or Enter alone to show it · s skip · u undo · q quit)"
DRILL_HELP = "(type your answer and Enter, or Enter alone to see the solution · s skip · u undo · q quit)"
ANSWER_HELP = "type 1-4 (or again/hard/good/easy) to rate · u undo · s skip · q quit"
WAITING = (
    "waiting for the collection… another program is writing to it; your rating is saved as soon as "
    "it is free (Ctrl-C gives up)"
)
#: How long one attempt to save waits for the write lock before it is tried again.
SAVE_WAIT_MS = 1000
STATE_LABELS = {
    StudyState.NEW: "new",
    StudyState.LEARNING: "learning",
    StudyState.REVIEW: "review",
    StudyState.RELEARNING: "relearning",
}


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class Summary:
    """What a plain review session did."""

    ratings: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        """How many ratings stand (undone ones excluded)."""
        return sum(self.ratings.values())

    def __str__(self) -> str:
        minutes, seconds = divmod(round(self.seconds), 60)
        per = " · ".join(f"{rating.name.lower()} {self.ratings.get(rating, 0)}" for rating in Rating)
        noun = "card" if self.count == 1 else "cards"
        return f"Session: {self.count} {noun} reviewed in {minutes}m {seconds:02d}s · {per}"


def plain_markdown(text: str, width: int = 100) -> str:
    """Markdown as readable plain text (no ``**`` or ``#``): lists keep their bullets, for screen readers
    and pipes."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, no_color=True, emoji=False, highlight=False)
    console.print(Markdown(text))
    return "\n".join(line.rstrip() for line in out.getvalue().strip("\n").splitlines())


def plain_card_markdown(text: str, width: int = 100) -> str:
    """Card Markdown as plain text, its formulas as Unicode on one line each (screen readers read
    line by line)."""
    out = []
    for part in markdown_parts(text):
        if isinstance(part, FormulaPart):
            out.append(f"  {part.linear}")
        else:
            out.append(plain_markdown(part.markdown, width))
    return "\n".join(out)


def question_text(card: Card) -> str:
    """The question as plain text: formulas as Unicode; a cloze card's blanks as ``[…]``."""
    return cloze_text(card) if card.cloze else plain_text(card.question)


def cloze_text(card: Card, revealed: bool = False) -> str:
    """A cloze card's text, its blanks as ``[…]`` (or ``[hint]``), or ``revealed``: its answers in
    brackets."""
    deletions = parse_cloze(card.cloze)
    marked = card_text(card.cloze, deletions, card.cloze_number, revealed)
    return strip_markers(
        unicode_text(marked, stacked=False), "[" if revealed else "", "]" if revealed else ""
    )


def parse_rating(text: str) -> Rating | None:
    """The rating that ``text`` names ("3", "good"), or ``None``."""
    return Rating.from_word(text)


class PlainReview:
    """The line protocol on ``stdin``/``stdout`` around a ``StudySession``."""

    def __init__(
        self,
        session: StudySession,
        stdin: TextIO,
        stdout: TextIO,
        clock: Callable[[], datetime] = utc_now,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session, self.stdin, self.stdout, self.clock, self.timer = session, stdin, stdout, clock, timer
        self.summary = Summary()
        self._again: Card | None = None
        #: The card on show's prediction target (with its simulation's resolved parameters) or drill.
        self._target: tuple[dict[str, object], Target] | None = None
        self._drill: Drill | None = None

    def say(self, *lines: str) -> None:
        """Print lines and flush, so a reader on a pipe sees them at once."""
        for line in lines:
            print(line, file=self.stdout)
        self.stdout.flush()

    def read(self) -> str | None:
        """The next input line without its newline; ``None`` at the end of input."""
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    def run(self) -> Summary:
        """Review until the queue is empty or the user quits; prints and returns the summary."""
        started = self.timer()
        new, learning, due = self.session.counts(self.clock())
        mode = " (cram: the schedule is not changed)" if self.session.cram else ""
        self.say(f"To review: {new} new · {learning} learning · {due} due{mode}")
        while True:
            card = self._again or self.session.next_card(self.clock())
            self._again = None
            if card is None:
                upcoming = self.session.next_due(self.clock())
                later = f" The next card is due {format_local(upcoming)}." if upcoming else ""
                self.say(f"Nothing more to review now.{later}")
                break
            if not self.review(card):
                break
        self.summary.seconds = self.timer() - started
        self.summary.ratings = Counter(result.rating for result in self.session.results)
        self.say(str(self.summary))
        return self.summary

    def ask(self, card: Card) -> list[str]:
        """The question's lines: a drill's instance, or the question and, where one is asked, the
        prediction's prompt."""
        self._target, self._drill = None, None
        if card.problem:
            from studyapp.problems import make_drill

            self._drill = make_drill(card.problem, self.session.problem_seed(card.id))
            return [self._drill.prompt, DRILL_HELP]
        lines = [question_text(card), CLOZE_HELP if card.cloze else QUESTION_HELP]
        if (
            card.sim is not None
            and not card.cloze
            and not card.multiple_choice
            and self.session.predicts(card)
        ):
            from studyapp.predict import run_targets, setup

            params, found = run_targets(card.sim, card.sim_params, card.headline)
            if found:
                self._target = (params, found[0])
                wanted = found[0].tolerance.describe()
                lines.append(
                    f"Predict {found[0].label} for {setup(card.sim, card.sim_params)} ({wanted}): "
                    "type a number, or Enter alone to skip"
                )
        return lines

    def review(self, card: Card) -> bool:
        """Ask one card; ``False`` when the user quits or input ends."""
        label = STATE_LABELS[self.session.state(card.id).state]
        question, *help_lines = self.ask(card)
        self.say("", f"[{card.deck} · {label}] {question}", *help_lines)
        typed_answer = bool(card.cloze) or self._target is not None or self._drill is not None
        shown = self.timer()
        revealed = False
        suggested: Rating | None = None
        graded: PredictionGrade | DrillGrade | None = None
        while True:
            line = self.read()
            if line is None:
                return False
            word = line.strip().lower()
            if word in {"q", "quit"}:
                return False
            if word in {"s", "skip"}:
                self.session.skip(card.id)
                self.say(f"skipped {card.id}")
                return True
            if word in {"u", "undo"}:
                if self.undo():
                    return True
                continue
            if not revealed:
                if word and (self._target is not None or self._drill is not None):
                    graded = self.grade(line)
                    if graded is None:
                        continue
                if word == "" or typed_answer:
                    revealed = True
                    suggested = self.reveal(
                        card, None if graded is not None else line.strip() or None, graded
                    )
                else:
                    self.say("Press Enter (an empty line) to show the answer first; q quits.")
                continue
            rating = suggested if word == "" and suggested is not None else parse_rating(word)
            if rating is None:
                self.say(f"Unknown input {line.strip()!r}: {ANSWER_HELP}")
                continue
            duration = max(round((self.timer() - shown) * 1000), 0)
            self.acknowledge(self.save(card, rating, duration, graded))
            return True

    def grade(self, line: str) -> PredictionGrade | DrillGrade | None:
        """A typed prediction or drill answer, graded; ``None`` (and why) when it is not a number."""
        from studyapp.quiz.numbers import AnswerError

        try:
            if self._drill is not None:
                from studyapp.problems import grade_drill

                return grade_drill(self._drill, line)
            from studyapp.predict import grade_prediction

            assert self._target is not None
            return grade_prediction(self._target[1], line)
        except AnswerError as error:
            self.say(f"{error}; or Enter alone to go on without it")
            return None

    def save(
        self, card: Card, rating: Rating, duration: int, graded: PredictionGrade | DrillGrade | None = None
    ) -> RateResult:
        """Rate ``card`` now, with its prediction or drill instance; while the collection is busy, say so
        once and keep trying until it is saved."""
        when, waiting = self.clock(), False
        prediction = drill = None
        if self._target is not None and card.sim is not None and isinstance(graded, PredictionGrade):
            prediction = graded.record(when, card.sim, self._target[0], card.id)
        if self._drill is not None:
            drill = self._drill.answer(graded if isinstance(graded, DrillGrade) else None)
        while True:
            try:
                return self.session.rate(
                    card.id, rating, when, duration, wait_ms=SAVE_WAIT_MS, prediction=prediction, drill=drill
                )
            except CollectionBusy:
                if not waiting:
                    self.say(WAITING)
                    waiting = True

    def reveal(
        self, card: Card, typed: str | None = None, graded: PredictionGrade | DrillGrade | None = None
    ) -> Rating | None:
        """Print the answer, its details and note as plain text, and the rating prompt with each
        rating's interval; a cloze card's typed answer is graded first; a graded prediction or drill answer
        is shown with it. Returns the suggested rating."""
        suggested = graded.suggested if graded is not None else None
        if self._drill is not None:
            lines = self._drill.solution_lines()
            if isinstance(graded, DrillGrade):
                lines.append(f"Your answer {graded.given!r} is {graded.verdict}")
        elif card.cloze:
            lines = [f"Answer: {plain_text(card.answer)}", f"In full: {cloze_text(card, revealed=True)}"]
            if typed is not None:
                from studyapp.cloze_grading import grade_cloze

                result = grade_cloze(card, typed)
                suggested = result.suggested
                verdict = "right" if result.correct else "not right"
                why = f": {result.feedback}" if result.feedback else ""
                lines.append(f"Your answer {typed!r} is {verdict}{why} (suggested: {suggested.name.lower()})")
        else:
            lines = [f"Answer: {plain_text(card.answer)}"]
        if card.details:
            lines.append(plain_card_markdown(card.details))
        if card.note:
            label = "Correction" if card.note_kind == "correction" else "Clarification"
            lines.append(f"{label} (added to the course notes): {plain_card_markdown(card.note)}")
        if isinstance(graded, PredictionGrade):
            lines += graded.lines()
        elif self._target is not None:
            lines.append(f"{self._target[1].label}: {exact(self._target[1].value)} (computed)")
        preview = self.session.preview(card.id, self.clock())
        choices = " · ".join(
            f"{int(rating)} {rating.name.lower()} {format_interval(preview[rating])}" for rating in Rating
        )
        if suggested is not None:
            choices += f" · Enter: {suggested.name.lower()}"
        self.say(*lines, choices)
        return suggested

    def acknowledge(self, result: RateResult) -> None:
        """Confirm a committed rating (the line a script can wait for)."""
        name = Rating(result.rating).name.lower()
        if result.review_id is None:
            self.say(f"rated {name} (cram: schedule unchanged)")
        else:
            self.say(f"rated {name} · next in {format_interval(result.interval)}")
        if result.became_leech:
            self.say(
                f"leech: {result.card_id} has lapsed {result.after.lapses} times, so it is suspended; "
                "rewrite the card, then unsuspend it"
            )

    def undo(self) -> bool:
        """Undo the last action; ``True`` if a card should be shown again."""
        try:
            card_id = self.session.undo()
        except UserError as error:
            self.say(error.message)
            return False
        if card_id is None:
            self.say("Nothing to undo.")
            return False
        self.say(f"undone: {card_id}")
        self._again = self.session.card(card_id)
        return self._again is not None


def run_plain_review(
    session: StudySession,
    stdin: TextIO,
    stdout: TextIO,
    clock: Callable[[], datetime] = utc_now,
    timer: Callable[[], float] = time.monotonic,
) -> Summary:
    """Run a plain review session on the given streams and return its summary."""
    return PlainReview(session, stdin, stdout, clock, timer).run()
