"""A quiz line by line on plain text streams (``studyapp quiz --plain``): for pipes, scripts and screen
readers.

Each question is printed with how to answer it; one input line answers it (``q`` quits). When the judge
cannot tell whether an answer in the learner's own words is right, the key ideas are printed, numbered,
those recognised marked ``[x]``, and one more line is read: the numbers of the ideas the answer covered
(``1 3``), ``0`` for none, or an empty line to keep the marks. After a wrong written answer that the
learner did not grade themselves one more line is read: ``r`` counts it as right ("I was right"),
anything else goes on. After a wrong number whose diagnosis repeats a recent mistake, its simulation
preset is printed and one more line is read: ``p`` asks a practice question of the same kind next. At the
end, or when input ends, the summary is printed; after a complete round with mistakes, ``y`` retries the
missed questions. Output is flushed after every step.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from studyapp.math import plain_text
from studyapp.quiz.grading import AnswerError, Grade, parse_covered
from studyapp.quiz.questions import Question, QuestionKind
from studyapp.quiz.runner import Outcome, QuizRun, Summary
from studyapp.quiz.worked import solution_lines
from studyapp.stats import MISCONCEPTION_DAYS

if TYPE_CHECKING:
    from studyapp.collection import Collection

QUIT_WORDS = frozenset({"q", "quit"})
YES_WORDS = frozenset({"y", "yes"})
PRACTICE_WORDS = frozenset({"p", "practise", "practice"})
PRACTICE_PROMPT = "Type p for a practice question of this kind, or press Enter to go on:"


def _choice_help(question: Question) -> str:
    keys = question.option_keys
    return f"Answer with 1-{len(keys)} or {keys[0]}-{keys[-1]} (q quits):"


def _ordering_help(question: Question) -> str:
    example = "".join(reversed(question.option_keys))
    return f"Type the numbers in the right order, e.g. {example} (q quits):"


#: How to answer each kind of question, in one line.
ANSWER_HELP: dict[QuestionKind, Callable[[Question], str]] = {
    QuestionKind.CHOICE: _choice_help,
    QuestionKind.TYPED: lambda question: (
        "Type your answer in your own words; an empty line gives up (q quits):"
    ),
    QuestionKind.NUMERIC: lambda question: "Type a number, e.g. 0.25, -3, 1/4 or 2e-3 (q quits):",
    QuestionKind.ORDERING: _ordering_help,
    QuestionKind.TRUE_FALSE: lambda question: "Answer t (true) or f (false); 1/2 or a/b work too (q quits):",
    QuestionKind.SHORT: lambda question: "Type the term; synonyms and small typos are fine (q quits):",
}
#: What the learner is asked when the judge cannot tell.
RUBRIC_INTRO = (
    "Not sure from the words alone. Check your answer against the key ideas ([x]: recognised in it)."
)


def answer_help(question: Question) -> str:
    """How to answer ``question``, in one line."""
    return ANSWER_HELP[question.kind](question)


def option_lines(question: Question) -> list[str]:
    """The options, each after the key that picks it: ``a) ...``, ``t) True``, or ``1. ...`` for a step."""
    mark = "." if question.kind is QuestionKind.ORDERING else ")"
    keyed = zip(question.option_keys, question.options, strict=True)
    return [f"  {key}{mark} {plain_text(text)}" for key, text in keyed]


def question_lines(question: Question, position: str) -> list[str]:
    """The question as printed: heading, prompt, options."""
    about = f" · card {question.card_id}" if question.card_id else ""
    return [
        "",
        f"[{position}] {question.label}{about}",
        plain_text(question.prompt),
        *option_lines(question),
        answer_help(question),
    ]


def sim_command(question: Question, verb: str = "run") -> str:
    """The command line that runs (or, with ``verb`` ``open``, opens) the question's simulation with its
    parameters."""
    assert question.sim is not None
    return simulation_command(question.sim, question.sim_params, question.sim_seed, verb)


def simulation_command(sim: str, params: Mapping[str, Any], seed: int = 0, verb: str = "run") -> str:
    """``studyapp sim run NAME --set k=v ... [--seed S]`` (or ``sim open``)."""
    words = ["studyapp", "sim", verb, sim]
    for key, value in params.items():
        words += ["--set", f"{key}={value}"]
    if seed:
        words += ["--seed", str(seed)]
    return shlex.join(words)


def offer_lines(outcome: Outcome, command: bool = True) -> list[str]:
    """What a recurring mistake offers: how often it came up lately, its simulation with the question's
    numbers (the command line, with ``command``; else the key), and a practice question."""
    question = outcome.question
    lines = [
        f"This mistake again: {outcome.recurring} times in the last {MISCONCEPTION_DAYS} days "
        f"({outcome.grade.mistake})."
    ]
    practice = "a practice question like it comes next" if outcome.practised else "p asks one like it"
    if question.sim is not None and command:
        lines.append(f"Watch it in the simulation: {sim_command(question, 'open')}")
    elif question.sim is not None:
        lines.append(f"s opens the simulation with this question's numbers; {practice}.")
    return lines


def verdict_word(result: Grade) -> str:
    """ "Right.", "Wrong.", or "Not yet." for an answer the learner graded incomplete by its key ideas."""
    if result.correct:
        return "Right."
    return "Not yet." if result.self_graded else "Wrong."


def rubric_lines(result: Grade) -> list[str]:
    """The key ideas to tick, numbered, those recognised marked, and how to answer."""
    assert result.checklist is not None
    count = len(result.checklist.ideas)
    example = " ".join(str(n) for n in range(1, min(count, 2) + 1))
    return [
        RUBRIC_INTRO,
        *(f"  {line}" for line in result.checklist.lines()),
        f"Type the numbers of the ideas your answer covered (e.g. {example}), 0 for none, "
        "or press Enter to keep the ticks:",
    ]


def note_line(question: Question) -> str:
    """The card's note, when it has one, on one line."""
    if not question.note.strip():
        return ""
    kind = "Correction" if question.note_kind == "correction" else "Note"
    return f"{kind}: {' '.join(question.note.split())}"


def feedback_lines(question: Question, result: Grade, command: bool = True) -> list[str]:
    """Right or wrong (and why), the expected answer, the worked solution of a numeric question, the key
    ideas ticked, the card's note, the card, and (with ``command``) the command line that shows a numeric
    question's simulation."""
    verdict = verdict_word(result)
    if result.feedback:
        verdict += f" {result.feedback[0].upper()}{result.feedback[1:]}."
    lines = [verdict]
    if question.kind is QuestionKind.TYPED:
        lines.append(f"A model answer: {question.expected}")
        if result.checklist is not None:
            lines += ["Key ideas:", *(f"  {line}" for line in result.checklist.lines())]
    elif not result.correct or question.kind in (QuestionKind.NUMERIC, QuestionKind.SHORT):
        lines.append(f"Expected: {question.expected}")
    lines += solution_lines(question.worked)
    if question.explanation:
        lines.append(question.explanation)
    if note := note_line(question):
        lines.append(note)
    if question.card_id:
        lines.append(f"From card {question.card_id}: {question.card_question}")
    if command and question.kind is QuestionKind.NUMERIC and question.sim is not None:
        lines.append(f"See it live: {sim_command(question)}")
    return lines


class PlainQuiz:
    """The line protocol on ``stdin``/``stdout`` around a ``QuizRun``."""

    def __init__(self, run: QuizRun, stdin: TextIO, stdout: TextIO) -> None:
        self.run, self.stdin, self.stdout = run, stdin, stdout

    def say(self, *lines: str) -> None:
        """Print lines and flush, so a reader on a pipe sees them at once."""
        self.stdout.write("".join(f"{line}\n" for line in lines))
        self.stdout.flush()

    def read(self) -> str | None:
        """The next input line without its line ending; ``None`` at the end of input."""
        line = self.stdin.readline()
        return line.rstrip("\r\n") if line else None

    def play(self) -> Summary:
        """Run rounds until the user stops; returns the summary of the last round."""
        while True:
            completed = self.round()
            summary = self.run.finish()
            self.say("", *summary.lines())
            missed = self.run.missed()
            if not completed or not missed:
                return summary
            self.say(f"Retry the {len(missed)} missed question{'s' if len(missed) != 1 else ''}? (y/n)")
            reply = self.read()
            if reply is None or reply.strip().lower() not in YES_WORDS:
                return summary
            self.run = self.run.retry()

    def round(self) -> bool:
        """Ask every question of the round; ``False`` when the user quits or input ends."""
        question = self.run.current
        while question is not None:
            self.say(*question_lines(question, self.run.position))
            if not self.ask(question):
                return False
            question = self.run.next()
        return True

    def ask(self, question: Question) -> bool:
        """Read answers until one can be graded, then give feedback; ``False`` to stop."""
        while True:
            line = self.read()
            if line is None or line.strip().lower() in QUIT_WORDS:
                return False
            try:
                result = self.run.answer(line)
            except AnswerError as error:
                self.say(f"{error}.")
                continue
            if result.awaiting:
                ticked = self.ask_ticks(result)
                if ticked is None:
                    return False
                result = ticked
            self.say(*feedback_lines(question, result))
            if self.run.can_override():
                self.say("Type r if you were right after all, or press Enter to go on:")
                reply = self.read()
                if reply is not None and reply.strip().lower() in {"r", "right"}:
                    self.run.override()
                    self.say("Counted as right.")
                if reply is None:
                    return False
            return self.offer_practice()

    def offer_practice(self) -> bool:
        """After a recurring mistake, offer its simulation and a practice question; ``False`` to stop."""
        outcome = self.run.pending
        if outcome is None or not outcome.offers_practice:
            return True
        self.say(*offer_lines(outcome), PRACTICE_PROMPT)
        reply = self.read()
        if reply is None:
            return False
        if reply.strip().lower() in PRACTICE_WORDS:
            self.run.practise()
            self.say("A practice question comes next.")
        return True

    def ask_ticks(self, result: Grade) -> Grade | None:
        """Show the key ideas and read which the answer covered; the grade they give, ``None`` at the end of
        input (the recognised ideas then stand)."""
        assert result.checklist is not None
        self.say(*rubric_lines(result))
        while True:
            line = self.read()
            if line is None or line.strip().lower() in QUIT_WORDS:
                return None
            try:
                covered = parse_covered(line, len(result.checklist.ideas))
            except AnswerError as error:
                self.say(f"{error}.")
                continue
            return self.run.tick(result.checklist.ticked if covered is None else covered)


def quiz_header(count: int, seed: int, options: Iterable[str] = ()) -> str:
    """The first line: how many questions, the seed, and how to repeat the quiz."""
    repeat = shlex.join(["studyapp", "quiz", *options, "--seed", str(seed), "-n", str(count)])
    return f"Quiz: {count} question{'s' if count != 1 else ''} · seed {seed} (`{repeat}` repeats it)"


def run_plain_quiz(
    collection: Collection,
    questions: Sequence[Question],
    stdin: TextIO,
    stdout: TextIO,
    *,
    header: str = "",
    clock: Callable[[], datetime] | None = None,
) -> Summary:
    """Run a plain quiz of ``questions`` on the given streams and return the last round's summary."""
    run = QuizRun(collection, questions, clock=clock) if clock is not None else QuizRun(collection, questions)
    quiz = PlainQuiz(run, stdin, stdout)
    if header:
        quiz.say(header)
    return quiz.play()
