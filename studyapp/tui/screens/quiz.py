"""Quiz: one question at a time, feedback after each, a summary at the end, and a retry of the missed ones.

Multiple choice and true-or-false are answered with keys (1-4 or a-d; t or f, 1 or 2, a or b), shown
beside the options; no other key of the screen is an option key, so choosing never triggers an action.
Typed, short, numeric and ordering answers go into the input line. When the judge cannot tell whether an
answer in the learner's own words is right, a checklist of the card's key ideas follows, those recognised
already ticked: Space or the idea's number ticks or unticks one, Enter is done, and the ticks give the
grade. After an answer: Enter goes on, r counts a wrong written answer as right, s opens the question's
simulation with its exact parameters. A numeric answer shows its worked solution; a wrong one whose
diagnosis repeats a recent mistake offers, besides the simulation, a practice question of the same kind
(p, asked next). The quiz is built in a worker thread (numeric questions run simulations); a quiz of one
practice question of a given kind (``practice``) is what Stats offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widgets import Input, SelectionList, Static

from studyapp.errors import UserError
from studyapp.math import plain_text
from studyapp.quiz import (
    DEFAULT_QUESTIONS,
    KINDS,
    AnswerError,
    Question,
    QuizRun,
    build_quiz,
    new_seed,
    select_cards,
)
from studyapp.quiz.grading import Checklist
from studyapp.quiz.plain import RUBRIC_INTRO, answer_help, feedback_lines, offer_lines, option_lines
from studyapp.quiz.practice import practice_question
from studyapp.quiz.questions import OPTION_KEYS, TRUTH_KEYS, QuestionKind
from studyapp.quiz.runner import quiz_of_library
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.model import Card

#: The keys that answer a keyed question: the options' numbers and letters, t and f ...
ANSWER_KEYS = (*(str(n) for n in range(1, len(OPTION_KEYS) + 1)), *OPTION_KEYS, *TRUTH_KEYS)
#: ... and the keys that tick the key ideas of a checklist.
TICK_KEYS = tuple(str(n) for n in range(1, 10))
LOADING, ASKING, RUBRIC, ANSWERED, SUMMARY, FAILED = (
    "loading",
    "asking",
    "rubric",
    "answered",
    "summary",
    "failed",
)


class IdeaList(SelectionList[int], inherit_bindings=False):
    """The key ideas of a rubric to tick, each also marked ``[x]`` or ``[ ]`` in words (readable without
    colour): arrows move, Space ticks; Enter is left to the screen (done)."""

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("space", "select", "Tick", show=False),
    ]
    #: The ideas as listed, numbered, without their marks.
    labels: tuple[str, ...] = ()

    def show(self, checklist: Checklist) -> None:
        """List the checklist's ideas, ticked as it is, the first highlighted."""
        self.labels = tuple(
            f"{i + 1}. {idea}{'' if needed else ' (optional)'}"
            for i, (idea, needed) in enumerate(zip(checklist.ideas, checklist.required, strict=True))
        )
        self.clear_options()
        self.add_options(
            (self.label(i, i in checklist.ticked), i, i in checklist.ticked) for i in range(len(self.labels))
        )
        self.highlighted = 0

    def label(self, index: int, ticked: bool) -> Content:
        """Idea ``index`` with its mark: ``[x] 2. the idea``."""
        return Content(f"[{'x' if ticked else ' '}] {self.labels[index]}")

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[int]) -> None:
        chosen = set(self.selected)
        for index in range(self.option_count):
            self.replace_option_prompt_at_index(index, self.label(index, index in chosen))


class QuizScreen(AppScreen):
    """A quiz over the collection's cards (optionally one deck or tag), reproducible from its seed."""

    HELP_TITLE = "Quiz"
    DEFAULT_CSS = """
    QuizScreen #quiz-header { height: 1; padding: 0 1; background: $boost; }
    QuizScreen #quiz-body { height: 1fr; padding: 1 2 0 2; }
    QuizScreen #quiz-options { margin-top: 1; }
    QuizScreen #quiz-feedback { margin-top: 1; }
    QuizScreen #quiz-ideas { height: auto; max-height: 12; margin-top: 1; }
    QuizScreen #quiz-input { margin: 0 1; }
    QuizScreen #quiz-hint { height: auto; padding: 0 2; color: $text-muted; }
    """
    BINDINGS = [
        *(
            Binding(key, f"press('{key}')", "Answer", show=False)
            for key in dict.fromkeys(ANSWER_KEYS + TICK_KEYS)
        ),
        Binding("enter,n", "next", "Next"),
        Binding("r", "override", "I was right"),
        Binding("s", "simulate", "Simulation"),
        Binding("p", "practise", "Practise"),
        Binding("m", "retry", "Retry missed"),
        Binding("question_mark", "help", "Help"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(
        self,
        deck: str | None = None,
        tag: str | None = None,
        count: int = DEFAULT_QUESTIONS,
        seed: int | None = None,
        kinds: Sequence[QuestionKind | str] = KINDS,
        questions: Sequence[Question] | None = None,
        practice: str | None = None,
    ) -> None:
        super().__init__()
        self.deck, self.tag, self.count, self.kinds = deck, tag, count, tuple(kinds)
        self.seed = new_seed() if seed is None else seed
        self.prepared = list(questions) if questions is not None else None
        self.practice = practice
        self.run: QuizRun | None = None
        self.state = LOADING

    def compose(self) -> ComposeResult:
        yield Static(id="quiz-header")
        with VerticalScroll(id="quiz-body"):
            yield Static(id="quiz-question")
            yield Static(id="quiz-options")
            yield Static(id="quiz-feedback")
            yield IdeaList(id="quiz-ideas")
        yield Input(id="quiz-input")
        yield Static(id="quiz-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#quiz-header", Static).update(f"[b]Quiz[/b]  seed {self.seed}")
        self.query_one("#quiz-question", Static).update("Preparing the quiz…")
        for selector in ("#quiz-options", "#quiz-ideas", "#quiz-feedback", "#quiz-input"):
            self.query_one(selector).display = False
        self.run_worker(self._build, thread=True, exclusive=True, group="quiz-build")

    def _build(self) -> None:
        try:
            questions = self.prepared
            if self.practice is not None:
                questions = [practice_question(self.practice, self.seed)]
            if questions is None:
                questions = quiz_of_library(self.collection.library, self.deck, self._quiz_of)
        except (UserError, ValueError) as error:
            message = error.message if isinstance(error, UserError) else str(error)
            self.app.call_from_thread(self._failed, message)
            return
        self.app.call_from_thread(self._start, questions)

    def _quiz_of(self, cards: Sequence[Card]) -> list[Question]:
        return build_quiz(select_cards(cards, self.deck, self.tag), self.count, self.seed, self.kinds)

    def _failed(self, message: str) -> None:
        self.state = FAILED
        self.query_one("#quiz-question", Static).update(
            f"[b $error]Cannot build the quiz:[/] {escape(message)}"
        )
        self.refresh_bindings()

    def _start(self, questions: Sequence[Question]) -> None:
        self.run = QuizRun(self.collection, questions, clock=self.study.now)
        self.show_question()

    # --- showing -----------------------------------------------------------------------------------

    def show_question(self) -> None:
        """Show the current question, or the summary when the round is over."""
        assert self.run is not None
        question = self.run.current
        if question is None:
            self.show_summary()
            return
        self.state = ASKING
        score = self.run.summary().score
        about = f" · card {escape(question.card_id)}" if question.card_id else ""
        self.query_one("#quiz-header", Static).update(
            f"[b]Quiz[/b]  question {self.run.position} · {question.label}{about} · score {score}"
        )
        self.query_one("#quiz-question", Static).update(f"[b]{escape(plain_text(question.prompt))}[/b]")
        options = self.query_one("#quiz-options", Static)
        options.display = bool(question.options)
        options.update("\n".join(escape(line) for line in option_lines(question)))
        self.query_one("#quiz-feedback", Static).display = False
        self.query_one("#quiz-ideas", IdeaList).display = False
        field = self.query_one("#quiz-input", Input)
        typed = not question.kind.keyed
        field.display = typed
        field.disabled = not typed
        field.value = ""
        self.hint("Enter submits · Escape goes back" if typed else self.key_help(question))
        if typed:
            field.placeholder = answer_help(question).replace(" (q quits):", "")
            self.set_focus(field)
        else:
            self.set_focus(None)
        self.refresh_bindings()

    @staticmethod
    def key_help(question: Question) -> str:
        """The keys that answer a keyed question."""
        keys = question.option_keys
        if question.kind is QuestionKind.TRUE_FALSE:
            return f"Press {keys[0]} (true) or {keys[1]} (false); 1/2 or a/b work too · Escape goes back"
        return f"Press 1-{len(keys)} or {keys[0]}-{keys[-1]} to answer · Escape goes back"

    def hint(self, text: str) -> None:
        self.query_one("#quiz-hint", Static).update(escape(text))

    def show_ideas(self) -> None:
        """The checklist of key ideas to tick, those the judge recognised ticked."""
        assert self.run is not None and self.run.pending is not None
        checklist = self.run.pending.grade.checklist
        assert checklist is not None
        self.state = RUBRIC
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update(
            f"[b]{escape(RUBRIC_INTRO)}[/b]\nTick the ideas your answer covered; the ticks give the grade."
        )
        feedback.display = True
        ideas = self.query_one("#quiz-ideas", IdeaList)
        ideas.show(checklist)
        ideas.display = True
        self.set_focus(ideas)
        self.hint(f"Space or 1-{len(checklist.ideas)} ticks or unticks an idea · Enter: done")
        self.refresh_bindings()

    def toggle_idea(self, key: str) -> None:
        """Tick or untick the idea numbered ``key``."""
        ideas = self.query_one("#quiz-ideas", IdeaList)
        index = int(key) - 1
        if 0 <= index < ideas.option_count:
            ideas.toggle(index)

    def confirm_ideas(self) -> None:
        """Grade the pending answer by the ticked ideas and show the feedback."""
        assert self.run is not None
        ideas = self.query_one("#quiz-ideas", IdeaList)
        self.run.tick(ideas.selected)
        ideas.display = False
        self.state = ANSWERED
        self.set_focus(None)
        self.show_feedback()
        self.refresh_bindings()

    def show_feedback(self) -> None:
        """Right or wrong, why, the expected answer, the card and the keys that follow."""
        assert self.run is not None and self.run.pending is not None
        question, result = self.run.pending.question, self.run.pending.grade
        lines = [escape(line) for line in feedback_lines(question, result, command=False)]
        if self.run.pending.repeats_mistake:
            lines += [
                "",
                *(f"[b]{escape(line)}[/b]" for line in offer_lines(self.run.pending, command=False)),
            ]
        colour = "$success" if result.correct else "$warning" if result.self_graded else "$error"
        lines[0] = f"[b {colour}]{lines[0]}[/]"
        if result.overridden:
            lines[0] = "[b $success]Counted as right (you were right).[/]"
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update("\n".join(lines))
        feedback.display = True
        keys = ["Enter: next"]
        if self.check_action("override", ()):
            keys.append("r: I was right")
        if question.sim is not None:
            keys.append(f"s: open the {question.sim} simulation")
        if self.check_action("practise", ()):
            keys.append("p: practise this kind")
        self.hint(" · ".join(keys))

    def show_summary(self) -> None:
        """The score, the time, the score by tag and by kind; m retries the missed questions."""
        assert self.run is not None
        self.state = SUMMARY
        summary = self.run.finish()
        missed = len(self.run.missed())
        lines = ["[b]Quiz complete[/b]", "", *(escape(line) for line in summary.lines())]
        self.query_one("#quiz-header", Static).update(
            f"[b]Quiz[/b]  seed {self.seed} · score {summary.score}"
        )
        self.query_one("#quiz-question", Static).update("\n".join(lines))
        for selector in ("#quiz-options", "#quiz-ideas", "#quiz-feedback", "#quiz-input"):
            self.query_one(selector).display = False
        retry = f"m retries the {missed} missed · " if missed else ""
        self.hint(f"{retry}Escape goes back")
        self.set_focus(None)
        self.refresh_bindings()

    # --- actions -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        question = self.run.current if self.run is not None else None
        if action == "press":
            if self.state == RUBRIC:
                return bool(parameters) and str(parameters[0]) in TICK_KEYS
            keyed = self.state == ASKING and question is not None and question.kind.keyed
            return keyed and bool(parameters) and str(parameters[0]) in ANSWER_KEYS
        if action == "next":
            return self.state in (ANSWERED, RUBRIC)
        if action == "override":
            return self.state == ANSWERED and self.run is not None and self.run.can_override()
        if action == "simulate":
            return self.state == ANSWERED and question is not None and question.sim is not None
        if action == "practise":
            pending = self.run.pending if self.run is not None else None
            return self.state == ANSWERED and pending is not None and pending.offers_practice
        if action == "retry":
            return self.state == SUMMARY and self.run is not None and bool(self.run.missed())
        return True

    def submit(self, text: str) -> None:
        """Grade ``text`` as the answer to the current question and show the feedback."""
        if self.run is None or self.state != ASKING:
            return
        try:
            self.run.answer(text)
        except AnswerError as error:
            self.hint(f"{error}")
            return
        field = self.query_one("#quiz-input", Input)
        field.disabled = True
        self.set_focus(None)
        if self.run.awaiting_ticks:
            self.show_ideas()
            return
        self.state = ANSWERED
        self.show_feedback()
        self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    def action_press(self, key: str) -> None:
        if self.state == RUBRIC:
            self.toggle_idea(key)
        else:
            self.submit(key)

    def action_next(self) -> None:
        if self.run is not None and self.state == RUBRIC:
            self.confirm_ideas()
        elif self.run is not None and self.state == ANSWERED:
            self.run.next()
            self.show_question()

    def action_override(self) -> None:
        if self.run is not None and self.check_action("override", ()):
            self.run.override()
            self.show_feedback()
            self.refresh_bindings()

    def action_simulate(self) -> None:
        question = self.run.current if self.run is not None else None
        if question is None or question.sim is None or self.state != ANSWERED:
            return
        self.study.open_simulation(question.sim, dict(question.sim_params), seed=question.sim_seed)

    def action_practise(self) -> None:
        if self.run is not None and self.check_action("practise", ()):
            self.run.practise()
            self.show_feedback()
            self.refresh_bindings()

    def action_retry(self) -> None:
        if self.run is not None and self.state == SUMMARY and self.run.missed():
            self.run = self.run.retry()
            self.show_question()

    def action_back(self) -> None:
        if self.run is not None:
            self.write(self.run.commit)
        self.dismiss()

    def on_unmount(self) -> None:
        if self.run is not None:
            self.write(self.run.commit)


def run_quiz_app(collection: Collection, questions: Sequence[Question], seed: int) -> int:
    """Run the full-screen app opened on the Quiz screen with ``questions``; returns the exit status."""
    from studyapp.tui.launch import run_app

    return run_app(collection, lambda: QuizScreen(seed=seed, questions=list(questions)))
