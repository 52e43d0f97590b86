"""Statistics: the review heatmap, the due forecast, retention, card counts, mastery and quizzes."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Sparkline, Static

from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.bars import MasteryRow, mastery_lines, mastery_rows
from studyapp.tui.widgets.heatmap import heatmap_lines
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.words import counted, plural

RETENTION_LABELS = {"last_7_days": "last 7 days", "last_30_days": "last 30 days", "all_time": "all time"}
MASTERY_TITLE = "[b]Mastery[/b] [dim]studied · known now[/dim]"
#: The mastery bars' width before the panel has been laid out.
MASTERY_WIDTH = 40


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class StatsScreen(AppScreen):
    """Headless statistics from ``studyapp.stats``, drawn with Textual widgets."""

    HELP_TITLE = "Statistics"
    HELP_KEYS = [("↑, ↓, pgup, pgdn", "Scroll the statistics")]
    BINDINGS = [Binding("r", "reload", "Refresh")]
    mastery_rows: list[MasteryRow] = []

    def compose(self) -> ComposeResult:
        yield Static("[b]Statistics[/b]", classes="screen-title")
        with VerticalScroll(id="stats-body"):
            yield Static(id="heatmap")
            with Horizontal(id="stats-row"):
                with Vertical(classes="stats-box"):
                    yield Static("[b]Due in the next 30 days[/b]")
                    yield Sparkline([0], id="forecast")
                    yield Static(id="forecast-text")
                with Vertical(classes="stats-box"):
                    yield Static(id="retention")
            with Horizontal(id="stats-row2"):
                yield Static(id="counts", classes="stats-box")
                yield Static(id="stats-mastery", classes="stats-box")
            yield Static(id="quiz-stats")
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        data = self.collection.statistics(self.study.now())
        self.show(data)

    def show(self, data: dict[str, Any]) -> None:
        """Fill every panel from ``all_stats``' dict."""
        from datetime import date

        days = [(date.fromisoformat(day), count) for day, count in data["reviews_per_day"].items()]
        weeks = min(max(self.size.width - 8, 8), 52)
        heat = heatmap_lines(days, weeks)
        today, streak = data["reviews_today"], data["streak"]
        self.query_one("#heatmap", Static).update(
            f"[b]Reviews[/b] · today {counted(today, 'review')} · streak {streak} {plural(streak, 'day')}\n"
            + "\n".join(heat)
        )
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
        self.mastery_rows = mastery_rows(data["mastery"]["tags"])
        self.draw_mastery()
        quiz = data["quiz"]
        kinds = ", ".join(f"{k} {percent(v['accuracy'])}" for k, v in quiz["by_kind"].items()) or "none yet"
        self.query_one("#quiz-stats", Static).update(
            f"[b]Quizzes[/b] {counted(quiz['attempts'], 'question')} answered · "
            f"{percent(quiz['accuracy'])} correct · {kinds}"
        )

    def draw_mastery(self) -> None:
        """The mastery bars at the panel's width: studied/cards, and the share of the topic recalled now."""
        panel = self.query_one("#stats-mastery", Static)
        width = panel.content_size.width or MASTERY_WIDTH
        lines = mastery_lines(self.mastery_rows, width) or ["[dim]no cards yet[/dim]"]
        panel.update("\n".join([MASTERY_TITLE, *lines]))

    def on_resize(self) -> None:
        self.call_after_refresh(self.draw_mastery)  # once the panel has its new width
