"""The Stats screen's calibration: how often the learner's predictions (a number typed before a
simulation's answer was shown) were within tolerance, overall and per topic (tag), as bars."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from studyapp.stats import Calibration
from studyapp.tui.widgets.bars import MasteryRow, mastery_lines
from studyapp.words import counted

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

TITLE = "[b]Predictions[/b] [dim]within tolerance · by topic[/dim]"
NONE_YET = "[dim]none yet: type a number before a card's simulated answer is shown[/dim]"
#: The bars' width before the widget has been laid out.
WIDTH = 60


def calibration_lines(overall: Calibration, by_tag: dict[str, Calibration], width: int) -> list[Content]:
    """The overall share within tolerance, then one bar per tag: ``tag  within/predictions  ███  58%``."""
    if not overall.predictions:
        return [Content.from_markup(TITLE), Content.from_markup(NONE_YET)]
    share = (overall.share or 0.0) * 100
    head = f"{counted(overall.predictions, 'prediction')}, {overall.within} within tolerance ({share:.0f}%)"
    rows = [MasteryRow(tag, value.within, value.predictions, value.share) for tag, value in by_tag.items()]
    return [Content.from_markup(TITLE), Content(head), *mastery_lines(rows, width)]


class CalibrationView(Static):
    """Calibration from the collection; read when mounted and whenever its screen comes back."""

    DEFAULT_CSS = "CalibrationView { height: auto; margin-top: 1; }"

    @property
    def study(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self.screen_changed)
        self.reload()

    def screen_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.reload()

    def reload(self) -> None:
        """Read the calibration from the collection and show it."""
        overall, by_tag = self.study.collection.calibration()
        self.overall, self.by_tag = overall, by_tag
        width = self.content_size.width or WIDTH
        self.update(Content("\n").join(calibration_lines(overall, by_tag, width)))
