"""Statistics: the review heatmap, the due forecast, retention, card counts, mastery and quizzes.

The screen is laid out and painted at once; the statistics are computed in a background thread (on a
big collection their queries take about as long as the painting; mastery per tag, the longest, in a
thread and on a connection of its own beside the others: ``studyapp.stats.all_stats``) and fill every
panel together.

``p`` opens the Plan: the days until an exam (or the next 30), simulated in a background thread with
fsrs-rs's workload simulator on the learner's cards (``studyapp.fsrs_tools.planner``), with a progress
bar while it runs; then the reviews, new cards and minutes of each day, the predicted recall per tag on
the exam day, and the same at other desired retentions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, ProgressBar, Sparkline, Static

from studyapp.errors import CollectionError
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.bars import bar, colour_for, mastery_rows
from studyapp.tui.widgets.calibration import CalibrationView
from studyapp.tui.widgets.heatmap import heatmap_lines
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.mastery_map import MASTERY_TITLE, MasteryMap
from studyapp.tui.widgets.misconceptions import MisconceptionsView
from studyapp.words import counted, plural

if TYPE_CHECKING:
    from studyapp.fsrs_tools.plan_result import Plan

#: What the screen draws of ``studyapp.stats.all_stats`` (misconceptions and calibration have their widgets).
SECTIONS = ("cards", "reviews", "retention", "forecast", "mastery", "quiz")
RETENTION_LABELS = {"last_7_days": "last 7 days", "last_30_days": "last 30 days", "all_time": "all time"}
PLAN_BAR = 20


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class StatsScreen(AppScreen):
    """Headless statistics from ``studyapp.stats``, drawn with Textual widgets."""

    HELP_TITLE = "Statistics"
    HELP_KEYS = [
        ("↑, ↓, pgup, pgdn", "Scroll the statistics"),
        ("⏎ in the exam date", "Plan until that exam (empty: the next 30 days)"),
    ]
    BINDINGS = [Binding("r", "reload", "Refresh"), Binding("p", "plan", "Plan")]
    #: The statistics shown (``None`` until they are first computed).
    data: dict[str, Any] | None = None
    #: The last plan shown (``None`` until one is ready).
    plan: Plan | None = None

    class StatisticsReady(Message):
        """The statistics are computed (``data``, ``all_stats``' dict), or could not be (``error``)."""

        def __init__(self, data: dict[str, Any] | None, error: str = "") -> None:
            super().__init__()
            self.data, self.error = data, error

    class PlanProgress(Message):
        """``done`` of the plan's ``total`` simulation runs are finished."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done, self.total = done, total

    class PlanFinished(Message):
        """The plan is ready (``plan``), or could not be made (``error``)."""

        def __init__(self, plan: Plan | None, error: str = "") -> None:
            super().__init__()
            self.plan, self.error = plan, error

    def compose(self) -> ComposeResult:
        self.action_reload()  # first: the queries run while the panels are made and laid out
        yield Static("[b]Statistics[/b]", classes="screen-title")
        with VerticalScroll(id="stats-body"):
            yield Static("[b]Reviews[/b] [dim]counting…[/dim]", id="heatmap")
            with Horizontal(id="stats-row"):
                with Vertical(classes="stats-box"):
                    yield Static("[b]Due in the next 30 days[/b]")
                    yield Sparkline([0], id="forecast")
                    yield Static(id="forecast-text")
                with Vertical(classes="stats-box"):
                    yield Static(id="retention")
            with Horizontal(id="stats-row2"):
                yield Static(id="counts", classes="stats-box")
                yield MasteryMap(MASTERY_TITLE, id="stats-mastery", classes="stats-box")
            yield Static(id="quiz-stats")
            yield MisconceptionsView(id="stats-misconceptions")
            yield CalibrationView(id="stats-calibration")
            yield Vertical(id="plan-panel")  # filled when first opened
        yield KeyBar()

    def action_reload(self) -> None:
        """Compute the statistics now, in the background; the panels are filled when they are ready."""
        self.load_statistics(self.study.now())

    @work(thread=True, exclusive=True, group="statistics")
    def load_statistics(self, now: datetime) -> None:
        """The statistics at ``now`` (SQL, which runs beside the painting), back as a message."""
        try:
            data = self.collection.statistics(now, SECTIONS)
        except CollectionError as error:
            self.post_message(self.StatisticsReady(None, error.message))
        else:
            self.post_message(self.StatisticsReady(data))

    def on_stats_screen_statistics_ready(self, message: StatisticsReady) -> None:
        if message.data is None:
            self.query_one("#heatmap", Static).update(f"[b $error]{escape(message.error)}[/]")
            return
        self.show(message.data)

    def show(self, data: dict[str, Any]) -> None:
        """Fill every panel from ``all_stats``' dict."""
        self.data = data
        days = [(date.fromisoformat(day), count) for day, count in data["reviews_per_day"].items()]
        weeks = min(max(self.size.width - 8, 8), 52)
        heat = heatmap_lines(days, weeks)
        today, streak = data["reviews_today"], data["streak"]
        title = f"[b]Reviews[/b] · today {counted(today, 'review')} · streak {streak} {plural(streak, 'day')}"
        self.query_one("#heatmap", Static).update(Content("\n").join([Content.from_markup(title), *heat]))
        forecast = [entry["due"] for entry in data["forecast"]]
        self.query_one("#forecast", Sparkline).data = forecast
        self.query_one("#forecast-text", Static).update(
            f"today {forecast[0]} · tomorrow {forecast[1]} · next 7 days {sum(forecast[:7])} · "
            f"30 days {sum(forecast)}"
        )
        lines = ["[b]True retention[/b] (reviews of mature cards not rated Again)"]
        for key, label in RETENTION_LABELS.items():
            entry = data["retention"][key]
            lines.append(
                f"{label:<13} {percent(entry['retention']):>7}  ({entry['passed']}/{entry['reviews']})"
            )
        self.query_one("#retention", Static).update("\n".join(lines))
        cards = data["cards"]
        names = ("new", "learning", "review", "relearning", "suspended", "buried", "leech")
        self.query_one("#counts", Static).update(
            "[b]Cards[/b]\n" + "\n".join(f"{name:<11} {cards[name]:>5}" for name in names)
        )
        self.query_one("#stats-mastery", MasteryMap).show(mastery_rows(data["mastery"]["tags"]))
        quiz = data["quiz"]
        kinds = ", ".join(f"{k} {percent(v['accuracy'])}" for k, v in quiz["by_kind"].items()) or "none yet"
        self.query_one("#quiz-stats", Static).update(
            f"[b]Quizzes[/b] {counted(quiz['attempts'], 'question')} answered · "
            f"{percent(quiz['accuracy'])} correct · {kinds}"
        )

    # -- the plan ------------------------------------------------------------------------------------

    async def action_plan(self) -> None:
        """Show the plan panel and simulate the plan for the exam date typed (or the next 30 days)."""
        panel = self.query_one("#plan-panel", Vertical)
        if not panel.children:
            await panel.mount_all(plan_widgets())
        panel.display = True
        self.start_plan(self.query_one("#plan-exam", Input).value)
        body = self.query_one("#stats-body", VerticalScroll)
        self.call_after_refresh(lambda: body.scroll_to_widget(panel, top=True, animate=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "plan-exam":
            self.start_plan(event.value)

    def start_plan(self, text: str) -> None:
        """Check the exam date, then simulate in the background; a bad date is said at once."""
        try:
            exam = date.fromisoformat(text.strip()) if text.strip() else None
        except ValueError:
            self.show_plan_error(f"Expected an exam date as YYYY-MM-DD, got {text.strip()!r}.")
            return
        self.query_one("#plan-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#plan-days", Static).update("[dim]Simulating…[/dim]")
        self.compute_plan(exam)

    @work(thread=True, exclusive=True, group="plan")
    def compute_plan(self, exam: date | None) -> None:
        """Simulate the plan in a thread; progress and the result come back as messages."""
        from studyapp.fsrs_tools.planner import Planner  # only when a plan is asked for

        try:
            planner = Planner(self.collection, self.study.now(), exam=exam)
            plan = planner.plan(
                progress=lambda done, total: self.post_message(self.PlanProgress(done, total))
            )
        except ValueError as error:
            self.post_message(self.PlanFinished(None, str(error).capitalize() + "."))
        except CollectionError as error:
            self.post_message(self.PlanFinished(None, error.message))
        else:
            self.post_message(self.PlanFinished(plan))

    def on_stats_screen_plan_progress(self, message: PlanProgress) -> None:
        self.query_one("#plan-progress", ProgressBar).update(total=message.total, progress=message.done)

    def on_stats_screen_plan_finished(self, message: PlanFinished) -> None:
        if message.plan is None:
            self.show_plan_error(message.error)
            return
        self.plan = plan = message.plan
        self.query_one("#plan-days", Static).update("\n".join(plan_day_lines(plan)))
        self.query_one("#plan-recall", Static).update("\n".join(plan_recall_lines(plan)))
        self.query_one("#plan-options", Static).update("\n".join(plan_option_lines(plan)))

    def show_plan_error(self, text: str) -> None:
        """Say why there is no plan, and clear the last one."""
        self.query_one("#plan-days", Static).update(f"[b $error]{escape(text)}[/]")
        for selector in ("#plan-recall", "#plan-options"):
            self.query_one(selector, Static).update("")


def plan_widgets() -> list[Widget]:
    """The plan panel's widgets: the exam date, the progress of the simulation, and its results."""
    return [
        Static("[b]Plan[/b] [dim]simulated with fsrs-rs on your cards[/dim]", id="plan-title"),
        Horizontal(
            Label("Exam date", id="plan-exam-label"),
            Input(placeholder="YYYY-MM-DD (empty: the next 30 days)", id="plan-exam"),
            id="plan-controls",
        ),
        ProgressBar(id="plan-progress", show_eta=False),
        Static(id="plan-days"),
        Horizontal(
            Static(id="plan-recall", classes="stats-box"),
            Static(id="plan-options", classes="stats-box"),
            id="plan-row",
        ),
    ]


def plan_day_lines(plan: Plan) -> list[str]:
    """The plan's days (weeks beyond a month): a bar of the minutes, reviews, new cards and minutes."""
    from studyapp.fsrs_tools.plan_result import day_rows

    chosen = plan.chosen
    rows = day_rows(chosen.days)
    most = max((day.minutes for _label, day in rows), default=0.0) or 1.0
    until = f"until the exam on {plan.exam.isoformat()}" if plan.exam else f"the next {len(chosen.days)} days"
    lines = [
        f"[b]Plan {until}[/b] · desired retention {plan.desired_retention:.2f} · "
        f"{plan.parameters} parameters · average of {plan.runs} simulations"
    ]
    lines += [
        f"{label:<19} {bar(day.minutes / most, PLAN_BAR)} {day.reviews:6.1f} reviews · "
        f"{day.new:5.1f} new · {day.minutes:6.1f} min"
        for label, day in rows
    ]
    lines.append(
        f"{'total':<19} {'':<{PLAN_BAR}} {chosen.reviews:6.1f} reviews · {chosen.new:5.1f} new · "
        f"{chosen.minutes:6.1f} min"
    )
    return lines


def plan_recall_lines(plan: Plan) -> list[str]:
    """The predicted recall on the exam day, over all cards and per tag."""
    chosen = plan.chosen
    lines = [f"[b]Recall on {plan.recall_date.isoformat()}[/b] · all cards {chosen.recall * 100:.1f}%"]
    width = max((len(tag) for tag in chosen.tags), default=0)
    lines += [
        f"{escape(tag):<{width}} [{colour_for(value)}]{bar(value, PLAN_BAR)}[/] {value * 100:5.1f}%"
        for tag, value in chosen.tags.items()
    ]
    return lines


def plan_option_lines(plan: Plan) -> list[str]:
    """Reviews, minutes and recall at each desired retention; ``▶`` marks the plan's."""
    lines = ["[b]Desired retention[/b] [dim]reviews · minutes · recall[/dim]"]
    for outlook in plan.outlooks:
        mark = "▶" if outlook is plan.chosen else " "
        lines.append(
            f"{mark} {outlook.desired_retention:.2f}  {outlook.reviews:7.0f} · {outlook.minutes:6.0f} min · "
            f"{outlook.recall * 100:5.1f}%"
        )
    return lines
