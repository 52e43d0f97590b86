"""Settings: each change is validated and saved in the collection at once, and nothing that did not change.

Opening the screen, moving through its fields or leaving it writes nothing: a field is saved only when
its value differs from the one it showed (or last saved). Each deck may set its own new cards per day
and review limit; an empty field follows the global value.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static, Switch

from studyapp.model import DECK_LIMITS, Settings, deck_setting_key, split_deck_key
from studyapp.tui.screens.base import AppScreen
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
            yield from self.deck_fields(settings)
        yield Static(id="settings-status")
        yield KeyBar()

    def deck_fields(self, settings: Settings) -> ComposeResult:
        """Each deck's own limits: empty fields follow the global ones."""
        yield Label(
            "[b]Deck limits[/b] "
            "[dim](new cards per day · maximum reviews per day; empty: the global value)[/]",
            id="deck-limits-title",
        )
        limits = self.collection.deck_limits()
        for deck in self.collection.library.decks:
            own = limits.get(deck.id)
            with Horizontal(classes="deck-limits"):
                yield Label(deck.title, classes="deck-limit-title", markup=False)
                for name in DECK_LIMITS:
                    key = deck_setting_key(deck.id, name)
                    self.saved[key] = getattr(own, name) if own is not None and name in own.own else None
                    yield Input(
                        "" if self.saved[key] is None else str(self.saved[key]),
                        placeholder=f"{getattr(settings, name)} (global)",
                        id=f"{name}--{deck.id}",
                        classes="deck-limit",
                        tooltip=f"{NUMBER_FIELDS[name][0]} for {deck.title}",
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
        title = next((deck.title for deck in self.collection.library.decks if deck.id == deck_id), deck_id)
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
        self.save(event.switch.id or "", event.value)
