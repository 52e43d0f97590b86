"""The Textual application: screens, navigation, the command palette and the too-small guard.

The collection (store, decks, study sessions) is built outside and injected, so tests run the
app on a temporary SQLite file and a pinned clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import SkipAction
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.theme import Theme

from studyapp.tui.field_keys import EDIT_BINDINGS, field_action, handled, settled, up_to_screen
from studyapp.tui.screens.too_small import TooSmallScreen, too_small

if TYPE_CHECKING:
    from studyapp.collection import Collection

Clock = Callable[[], datetime]


def freeze_startup_objects() -> None:
    """Exempt what start-up created (modules, widgets, styles) from garbage collection, and turn the
    collector back on (``studyapp.tui.launch`` pauses it while the app starts).

    Python's full collections walk every live object; with Textual's many objects one took ~90 ms,
    long enough to delay a keypress. What exists once the first screen is up lives as long as the
    app; later full collections are made rarer too.
    """
    import gc

    gc.freeze()
    gen0, gen1, _gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 100)
    gc.enable()


def utc_now() -> datetime:
    return datetime.now(UTC)


class StudyCommands(Provider):
    """Command palette entries for every screen and every simulation."""

    def screen_entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        """The actions of the screen the palette was opened on that work now, each once."""
        screen, seen = self.screen, set()
        title = str(getattr(screen, "HELP_TITLE", "")) or type(screen).__name__
        for active in screen.active_bindings.values():
            binding = active.binding
            description = binding.description
            if not active.enabled or not description or description in seen or active.node is self.app:
                continue
            seen.add(description)
            keys = self.app.get_key_display(binding)
            action = partial(self.app.run_action, binding.action, active.node)
            yield f"{title}: {description}", action, f"key {keys}"

    def entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        from sim.registry import specs

        app = self.app
        assert isinstance(app, StudyApp)
        yield from self.screen_entries()
        yield "Study: review due cards", app.action_study, "Start a study session"
        yield "Quiz", app.action_quiz, "Multiple choice, typed and numeric questions"
        yield "Browse cards", app.action_browse, "Search, sort, suspend"
        yield "Simulations", app.action_simulations, "All live simulations"
        yield "Statistics", app.action_stats, "Heatmap, retention, forecast, mastery"
        yield "Settings", app.action_settings, "Retention, limits, renderer, theme"
        yield "Home", app.action_home, "Back to the home screen"
        yield "Add a card", app.action_add_card, "A new card in one of your decks"
        yield "Custom study", app.action_custom_study, "Study ahead, today's Again cards, a search, or cram"
        for spec in specs():
            yield f"Simulation: {spec.title}", partial(app.open_simulation, spec.name), spec.name

    def card_entries(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        """One entry per card, found by searching (too many to list when the palette opens)."""
        app = self.app
        assert isinstance(app, StudyApp)
        for card in app.collection.library.cards:
            yield f"Edit card: {card.id}", partial(app.action_edit_card, card.id), card.question

    async def discover(self) -> Hits:
        for title, callback, help_text in self.entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in [*self.entries(), *self.card_entries()]:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class StudyApp(App[None]):
    """studyapp's terminal UI."""

    CSS_PATH = "app.tcss"
    TITLE = "studyapp"
    COMMANDS = App.COMMANDS | {StudyCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True), *EDIT_BINDINGS]
    _theme_cache: tuple[str, Theme] | None = None  # set on first use (Textual asks before __init__ ends)

    def __init__(
        self,
        collection: Collection,
        clock: Clock = utc_now,
        save_dir: Path | None = None,
        renderer: str | None = None,
        first_screen: Callable[[], Screen[Any]] | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection
        self.first_screen = first_screen
        self.clock = clock
        self.save_dir = save_dir
        self.renderer_override = renderer
        self._too_small: TooSmallScreen | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """Home is the bottom of the screen stack, so launching lays out and paints one screen, not two."""
        from studyapp.tui.screens.home import HomeScreen

        return HomeScreen()

    def on_mount(self) -> None:
        theme = self.collection.settings().theme
        if theme in self.available_themes:
            self.theme = theme
        if self.first_screen is not None:
            self.push_screen(self.first_screen())
        self.check_size(self.size.width, self.size.height)
        self.call_after_refresh(freeze_startup_objects)

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        """Cover the app with a notice while the terminal is too small, and lift it after."""
        if too_small(width, height) and self._too_small is None:
            self._too_small = TooSmallScreen()
            self.push_screen(self._too_small)
        elif not too_small(width, height) and self._too_small is not None:
            if self.screen is self._too_small:
                self.pop_screen()
            self._too_small = None

    async def action_edit_field(self, key: str) -> None:
        """Do what ``key`` does in the focused text field once the field has the keys typed before it
        (``studyapp.tui.field_keys``); elsewhere, the key goes on as usual."""
        field = self.focused
        action = field_action(field, key)
        if field is None or action is None:
            raise SkipAction()
        await settled(field)
        await self.run_action(action, field)

    async def action_submit_field(self, key: str) -> None:
        """Submit the focused one-line field as ``action_edit_field`` does its other keys (Enter), then wait
        until the screen has handled what was submitted before the keys typed after it are read
        (``studyapp.tui.field_keys``). A priority binding of the screen or field for the key (Browse's
        search box goes back to the table) acts instead, as does the key elsewhere."""
        field = self.focused
        if field is None or field_action(field, key) is None:
            raise SkipAction()
        active = self.screen.active_bindings.get(key)
        if active is not None and active.node is not self:
            raise SkipAction()
        nodes = up_to_screen(field)
        await self.action_edit_field(key)
        await handled(nodes)

    async def action_quit(self) -> None:
        """Quit, unless the screen holds work not saved yet: giving that up is the learner's own choice."""
        from studyapp.tui.screens.base import AppScreen

        screen = self.screen
        reason = screen.unsaved() if isinstance(screen, AppScreen) else None
        if reason is not None:
            self.notify(reason, severity="warning", timeout=8)
            return
        await super().action_quit()

    def watch_theme(self, theme: str) -> None:
        from studyapp.errors import CollectionError

        try:
            self.collection.set_setting("theme", theme)
        except CollectionError as error:
            self.notify(f"The theme could not be saved: {error.message}", severity="warning", timeout=8)

    # --- navigation --------------------------------------------------------------------------------

    @property
    def plot_renderer(self) -> str:
        return self.renderer_override or self.collection.settings().plot_renderer

    @property
    def dark(self) -> bool:
        return self.current_theme.dark

    @property
    def current_theme(self) -> Theme:
        """The active theme, looked up once per theme name.

        Textual's lookup copies its table of themes, and its style checks ask for the theme
        several times per frame; studyapp registers no themes of its own.
        """
        name = self.theme
        if self._theme_cache is None or self._theme_cache[0] != name:
            self._theme_cache = (name, super().current_theme)
        return self._theme_cache[1]

    def now(self) -> datetime:
        return self.clock()

    def action_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    # The actions that open a screen wait until it is mounted and has chosen its focus (screens set it
    # in ``on_mount`` with ``set_focus``, at once): keys read after the one that opened it then go to it.

    async def action_study(self, deck: str | None = None, tag: str | None = None) -> None:
        from studyapp.tui.screens.review import ReviewScreen

        await self.push_screen(ReviewScreen(deck=deck, tag=tag))

    async def action_quiz(self) -> None:
        from studyapp.tui.screens.quiz import QuizScreen

        await self.push_screen(QuizScreen())

    async def action_browse(self) -> None:
        from studyapp.tui.screens.browse import BrowseScreen

        await self.push_screen(BrowseScreen())

    async def action_simulations(self) -> None:
        from studyapp.tui.screens.sim_list import SimListScreen

        await self.push_screen(SimListScreen())

    async def action_stats(self) -> None:
        from studyapp.tui.screens.stats import StatsScreen

        await self.push_screen(StatsScreen())

    async def action_settings(self) -> None:
        from studyapp.tui.screens.settings import SettingsScreen

        await self.push_screen(SettingsScreen())

    async def action_custom_study(self, deck: str | None = None) -> None:
        """Custom study of ``deck`` (``None``: every deck)."""
        from studyapp.tui.screens.custom_study import CustomStudyScreen

        await self.push_screen(CustomStudyScreen(deck))

    async def action_add_card(self, deck: str | None = None) -> None:
        """Open the form that adds a card to one of the learner's decks (``deck`` filled in)."""
        from studyapp.tui.screens.add_card import AddCardScreen

        await self.push_screen(AddCardScreen(deck))

    def action_edit_card(self, card_id: str) -> None:
        """Edit card ``card_id`` in ``$EDITOR`` at its line, then check its deck; a bundled card is
        edited in the learner's own copy (same id and history) if they agree."""
        from studyapp.tui.screens.add_card import CardEditor

        CardEditor(self).start(card_id)

    def open_simulation(self, name: str, params: dict[str, Any] | None = None, seed: int = 0) -> None:
        """Push the live simulation ``name`` with ``params``."""
        from studyapp.tui.screens.simulation import SimulationScreen

        screen = SimulationScreen(
            name,
            params,
            seed=seed,
            save_dir=self.save_dir,
            renderer=self.plot_renderer,
            dark=self.dark,
        )
        self.push_screen(screen)
