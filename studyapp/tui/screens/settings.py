"""Settings: each change is validated and saved in the collection at once, and nothing that did not change.

Opening the screen, moving through its fields or leaving it writes nothing: a field is saved only when
its value differs from the one it showed (or last saved). Each deck may set its own new cards per day
and review limit (an empty field follows the global value), and switch off the prediction asked before a
card's simulated answer ("Predict": on where the global switch is, until the deck's own is changed).

The last section shows the FSRS parameters in use; "Fit to my reviews" fits parameters to the review
history in a background thread (``studyapp.fsrs_tools.optimizer``), "Apply" schedules with them when
they fit better, and "Reset to defaults" goes back to FSRS's defaults.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static, Switch

from studyapp.errors import CollectionError
from studyapp.fsrs_tools import optimizer
from studyapp.fsrs_tools.optimizer import FitReport
from studyapp.model import DECK_LIMITS, DeckLimits, Settings, deck_setting_key, split_deck_key
from studyapp.tui.screens.base import FIELD_FOCUS_KEYS, AppScreen
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.plot import RENDERERS, resolve_setting

NUMBER_FIELDS = {
    "desired_retention": ("Desired retention", "probability of recall when a card comes due, 0.7 to 0.99"),
    "new_per_day": ("New cards per day", "each deck's default, 0 to 9999"),
    "review_limit": ("Maximum reviews per day", "each deck's default, 0 to 99999; Anki's default is 200"),
    "day_start_hour": ("Day starts at (hour, local time)", "0 to 23; Anki's default is 4"),
}


class SettingsScreen(AppScreen):
    """Retention, daily limits (global and per deck), the day's start, the plot renderer, the theme, quiz
    scheduling."""

    HELP_TITLE = "Settings"
    HELP_KEYS = [
        ("tab, shift+tab", "Next / previous setting"),
        ("⏎", "Save a typed value (leaving the field saves it too)"),
    ]
    BINDINGS = [*FIELD_FOCUS_KEYS]
    AUTO_FOCUS = "#desired_retention"

    def __init__(self) -> None:
        super().__init__()
        #: What each field shows as saved: a field is written only when its value differs from this.
        self.saved: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        settings = self.collection.settings()
        yield Static("[b]Settings[/b]  [dim]saved as you change them[/dim]", classes="screen-title")
        with VerticalScroll(id="settings-form"):
            for key, (label, hint) in NUMBER_FIELDS.items():
                self.saved[key] = getattr(settings, key)
                yield Label(f"{label} [dim]({hint})[/dim]")
                yield Input(str(self.saved[key]), id=key, classes="setting")
            yield Label("Plot renderer [dim](auto picks terminal graphics where supported)[/dim]")
            self.saved["plot_renderer"] = resolve_setting(settings.plot_renderer)
            yield Select(
                [(label, name) for name, label in RENDERERS.items()],
                value=self.saved["plot_renderer"],
                allow_blank=False,
                id="plot_renderer",
            )
            yield Label("Theme")
            themes = sorted(self.app.available_themes)
            self.saved["theme"] = self.app.theme
            yield Select([(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="theme")
            yield Label("Quiz answers update the card's schedule")
            self.saved["quiz_updates_schedule"] = settings.quiz_updates_schedule
            yield Switch(settings.quiz_updates_schedule, id="quiz_updates_schedule")
            yield Label("Predict a card's simulated number before its answer [dim](each deck may differ)[/]")
            self.saved["predict"] = settings.predict
            yield Switch(settings.predict, id="predict")
            yield from self.deck_fields(settings)
            yield from self.fsrs_fields()
        yield Static(id="settings-status")
        yield KeyBar()

    def deck_fields(self, settings: Settings) -> ComposeResult:
        """Each deck's own limits: empty fields follow the global ones."""
        yield Label(
            "[b]Deck limits[/b] "
            "[dim](new cards per day · maximum reviews per day; empty: the global value · predict)[/]",
            id="deck-limits-title",
        )
        limits = self.collection.deck_limits()
        for deck_id, title in self.collection.library.deck_titles:
            own = limits.get(deck_id)
            with Horizontal(classes="deck-limits"):
                yield Label(title, classes="deck-limit-title", markup=False)
                for name in DECK_LIMITS:
                    key = deck_setting_key(deck_id, name)
                    self.saved[key] = getattr(own, name) if own is not None and name in own.own else None
                    yield Input(
                        "" if self.saved[key] is None else str(self.saved[key]),
                        placeholder=f"{getattr(settings, name)} (global)",
                        id=f"{name}--{deck_id}",
                        classes="deck-limit",
                        tooltip=f"{NUMBER_FIELDS[name][0]} for {title}",
                    )
                yield from self.deck_predict_switch(deck_id, title, own, settings)

    def deck_predict_switch(
        self, deck_id: str, title: str, own: DeckLimits | None, settings: Settings
    ) -> ComposeResult:
        """The deck's "predict" switch: its own value if it set one, else the global one."""
        key = deck_setting_key(deck_id, "predict")
        self.saved[key] = own.predict if own is not None and "predict" in own.own else None
        yield Label("Predict", classes="deck-predict-label")
        yield Switch(
            settings.predict if self.saved[key] is None else self.saved[key],
            id=f"predict--{deck_id}",
            classes="deck-predict",
            tooltip=f"Ask for a prediction before the simulated answers of {title}",
        )

    def save(self, key: str, value: Any) -> bool:
        """Validate and store one setting if it changed; show what happened. True if it was saved."""
        if key in self.saved and value == self.saved[key]:
            return False
        status = self.query_one("#settings-status", Static)
        try:
            if not self.write(lambda: self.collection.set_setting(key, value))[0]:
                return False
        except ValueError as error:
            status.update(f"[b $error]{error}[/]")
            return False
        self.saved[key] = value
        status.update(f"[$success]Saved {self.describe(key, value)}[/]")
        return True

    def describe(self, key: str, value: Any) -> str:
        """What was saved, in words: ``new_per_day = 15``, or a deck's own limit by the deck's title."""
        deck_key = split_deck_key(key)
        if deck_key is None:
            return f"{key} = {value}"
        deck_id, name = deck_key
        title = dict(self.collection.library.deck_titles).get(deck_id, deck_id)
        if name == "predict":
            return f"{title}: predict = {'on' if value else 'off'}"
        label = NUMBER_FIELDS[name][0].lower()
        return (
            f"{title}: {label} = {value}"
            if value is not None
            else f"{title}: {label} follows the global value"
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.save_input(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        self.save_input(event.input)

    def save_input(self, field: Input) -> None:
        """Save a number field if its text is a number different from the saved one."""
        key = field.id or ""
        text = field.value.strip()
        if field.has_class("deck-limit"):
            name, _, deck_id = key.partition("--")
            key = deck_setting_key(deck_id, name)
            if not text:  # empty: follow the global value again
                self.save(key, None)
                return
        try:
            value: Any = float(text) if key == "desired_retention" else int(text)
        except ValueError:
            self.query_one("#settings-status", Static).update(
                f"[b $error]{key} must be a number, got {text!r}[/]"
            )
            return
        self.save(key, value)

    def on_select_changed(self, event: Select.Changed) -> None:
        key = event.select.id or ""
        if self.save(key, event.value) and key == "theme":
            self.app.theme = str(event.value)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        key = event.switch.id or ""
        if event.switch.has_class("deck-predict"):
            key = deck_setting_key(key.partition("--")[2], "predict")
            if self.saved.get(key) is None and event.value == self.saved.get("predict"):
                return  # shown following the global switch: unchanged
        self.save(key, event.value)
        if key == "predict":
            self.follow_global_predict(event.value)

    def follow_global_predict(self, value: bool) -> None:
        """The decks that follow the global "predict" switch show its new value."""
        for switch in self.query(".deck-predict").results(Switch):
            key = deck_setting_key((switch.id or "").partition("--")[2], "predict")
            if self.saved.get(key) is None and switch.value != value:
                with switch.prevent(Switch.Changed):
                    switch.value = value

    # -- FSRS parameters ---------------------------------------------------------------------------

    class Fitted(Message):
        """A fit of FSRS parameters to the review history finished (``report``), or failed (``error``)."""

        def __init__(self, report: FitReport | None, error: str = "") -> None:
            super().__init__()
            self.report, self.error = report, error

    fit_report: FitReport | None = None

    def fsrs_fields(self) -> ComposeResult:
        """The parameters in use, and the buttons that fit, apply and reset them."""
        yield Label(
            "[b]FSRS parameters[/b] [dim](fitted to your own reviews by fsrs-rs, as Anki's Optimize)[/]",
            id="fsrs-title",
        )
        yield Static(self.parameters_line(), id="fsrs-status", markup=False)
        with Horizontal(id="fsrs-buttons"):
            yield Button("Fit to my reviews", id="fsrs-fit")
            yield Button("Apply", id="fsrs-apply", variant="primary", disabled=True)
            in_use = bool(self.collection.settings().fsrs_parameters)
            yield Button("Reset to defaults", id="fsrs-reset", disabled=not in_use)
        yield Static(id="fsrs-result", markup=False)

    def parameters_line(self) -> str:
        return f"In use: {optimizer.describe_parameters(self.collection)}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "fsrs-fit":
            event.button.disabled = True
            self.query_one("#fsrs-result", Static).update("Fitting to your reviews…")
            self.fit_parameters()
        elif button == "fsrs-apply" and self.fit_report is not None:
            report = self.fit_report
            if self.write(lambda: optimizer.apply(self.collection, report, self.study.now()))[0]:
                self.parameters_changed("Applied: your reviews are now scheduled with the fitted parameters.")
        elif button == "fsrs-reset" and self.write(lambda: optimizer.reset(self.collection))[0]:
            self.parameters_changed("Reset: your reviews are scheduled with FSRS's default parameters again.")

    @work(thread=True, exclusive=True, group="fsrs-fit")
    def fit_parameters(self) -> None:
        """Fit in a thread: reading the history and fsrs-rs's fit take a moment on a long history."""
        try:
            self.post_message(self.Fitted(optimizer.fit(self.collection)))
        except CollectionError as error:
            self.post_message(self.Fitted(None, error.message))

    def on_settings_screen_fitted(self, message: Fitted) -> None:
        self.query_one("#fsrs-fit", Button).disabled = False
        self.fit_report = report = message.report
        result = self.query_one("#fsrs-result", Static)
        if report is None:
            result.update(f"The fit failed: {message.error}")
            return
        self.query_one("#fsrs-apply", Button).disabled = not report.improves
        result.update("\n".join([*fit_lines(report), *(f"⚠ {warning}" for warning in report.warnings)]))

    def parameters_changed(self, text: str) -> None:
        """Show the parameters now in use after an apply or a reset."""
        self.fit_report = None
        self.query_one("#fsrs-status", Static).update(self.parameters_line())
        self.query_one("#fsrs-apply", Button).disabled = True
        self.query_one("#fsrs-reset", Button).disabled = not self.collection.settings().fsrs_parameters
        self.query_one("#fsrs-result", Static).update(text)


def fit_lines(report: FitReport) -> list[str]:
    """A fit's outcome in words: the two evaluations and what Apply would do, or what is missing."""
    if report.fitted is None or report.fitted_evaluation is None:
        return optimizer.shortfall(report.readiness)
    now, fitted = report.in_use_evaluation, report.fitted_evaluation
    before = "" if now is None else f"{now.log_loss:.4f} → "
    rmse_before = "" if now is None else f"{now.rmse * 100:.2f}% → "
    verdict = (
        "They fit your history better: Apply schedules with them."
        if report.improves
        else "The parameters in use fit your history at least as well; there is nothing to apply."
    )
    return [
        f"Fitted on {report.reviews} reviews: log loss {before}{fitted.log_loss:.4f}, "
        f"RMSE {rmse_before}{fitted.rmse * 100:.2f}%.",
        verdict,
    ]
