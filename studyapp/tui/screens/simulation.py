"""One live simulation: parameters and answers on the left, the plot with its text on the right.

Every change is run and drawn in the simulation worker process (``studyapp.sim_worker``), on the other
core, so keys and painting never wait for it: a stepped value shows at once, and its plot when it is
drawn. Only one frame is asked for at a time; when it arrives, the latest parameters are asked for if they
changed meanwhile, so stale frames are dropped and the latest parameters are always what ends up on
screen. Each request lists the focused parameter's next steps each way (``values_ahead``), which the
worker draws ahead while the app is idle, so a step is usually a frame already drawn. ``p`` hides the
side panel and ``f`` shows the plot alone on the whole screen; the plot is redrawn for the space it gets.
The plot follows the renderer and theme chosen in Settings, also while it is open.

``e`` asks for a prediction first: the answers are hidden until the learner commits a number for one of
them (↑/↓ choose which; the parameters may still change), then it is graded against the computed value,
shown next to it, diagnosed when wrong, and stored for the calibration statistics.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from sim.registry import spec as sim_spec
from sim.spec import Result, answer_rows
from studyapp.errors import CollectionError
from studyapp.tui.widgets.halfblock import halfblock_strips, shade_strips
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.params import ParamList
from studyapp.tui.widgets.plot import CELL_RENDERERS, PlotView, resolve_renderer
from studyapp.tui.widgets.prediction import PredictionPanel

if TYPE_CHECKING:
    from textual.strip import Strip

    from sim.params import Param
    from sim.plotting import Legend
    from studyapp.model import Card
    from studyapp.predict import Target

#: Where the plot will be, until its first frame is drawn (the worker starts when the screen opens).
DRAWING = Content.styled("Drawing the plot…", "dim")
#: Line styles as characters, for the legend without colour.
STYLE_GLYPHS = {"-": "━━", "--": "╍╍", ":": "┈┈", "-.": "─·", "": "■"}


class SimulationScreen(Screen[None]):
    """A live simulation with keyboard parameter controls."""

    class Drawn(Message):
        """The worker's reply for the frame of request ``generation`` drawn for ``target``, with the plot's
        rows for the terminal (made on the worker's reader thread) and the milliseconds it took."""

        def __init__(
            self,
            generation: int,
            target: tuple[str, int, int, bool, bool],
            reply: dict[str, Any],
            strips: list[Strip] | None,
            ms: float,
        ) -> None:
            super().__init__()
            self.generation, self.target, self.reply = generation, target, reply
            self.strips, self.ms = strips, ms

    class Saved(Message):
        """The worker's reply to saving the plot: the ``paths`` written, or an ``error``."""

        def __init__(self, reply: dict[str, Any]) -> None:
            super().__init__()
            self.reply = reply

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("up,k", "move(-1)", "Prev", show=False),
        Binding("down,j,tab", "move(1)", "Next", show=False),
        Binding("plus,equals_sign,right,l", "step(1)", "+"),
        Binding("minus,left,h", "step(-1)", "−"),
        Binding("space", "step(1)", "Cycle", show=False),
        Binding("enter", "edit", "Type value"),
        Binding("r", "reset", "Defaults"),
        Binding("w", "save", "Save PNG+SVG"),
        Binding("c", "cards", "Cards"),
        Binding("p", "toggle_panel", "Panel"),
        Binding("f", "full_screen", "Full screen"),
        Binding("e", "predict", "Predict"),
        Binding("question_mark", "explain", "Explain + keys"),
    ]

    def __init__(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        seed: int = 0,
        cards: list[Card] | None = None,
        save_dir: Path | None = None,
        renderer: str | None = None,
        dark: bool | None = None,
    ) -> None:
        """``cards``, ``renderer`` and ``dark`` default to the app's (its cards about the simulation,
        found when asked for, the renderer setting and the theme)."""
        super().__init__()
        self.spec = sim_spec(name)
        self.values = self.spec.resolve(params)
        self.seed = seed
        self.cards = cards
        self.save_dir = save_dir
        self.renderer_name = renderer
        self.dark = dark if dark is not None else True
        self.result: Result | None = None
        self.error: str | None = None
        self._generation = 0  # counts the requests for a frame
        self._shown_generation = 0
        self._drawing = False  # a frame is being drawn in the worker
        self._direction = 1  # the way the last step went: the next one likely goes the same way
        self.last_frame_ms = 0.0
        self.prediction = PredictionPanel(id="sim-predict")
        self._texts: dict[str, tuple[str, tuple[Any, ...]]] = {}  # what each text panel shows, by selector
        self._heights: dict[str, tuple[int, int]] = {}  # each text panel's (width, height) when last shown

    def compose(self) -> ComposeResult:
        app: Any = self.app
        if self.renderer_name is None:
            self.renderer_name = str(getattr(app, "plot_renderer", "halfblock"))
            self.dark = bool(app.current_theme.dark)
        yield Static(f"[b]{self.spec.title}[/b]  [dim]{self.spec.name}[/dim]", id="sim-title")
        with Horizontal(id="sim-body"):
            with Vertical(id="sim-side"):
                yield ParamList(self.spec, self.values, id="params")
                yield self.prediction
                with VerticalScroll(id="answers-scroll"):
                    yield Static(id="answers")
            with Vertical(id="sim-main"):
                yield Static(DRAWING, id="legend")  # until the first frame comes with its legend
                yield PlotView(self.renderer_name or "halfblock", id="plot")
        yield KeyBar()

    def on_mount(self) -> None:
        from studyapp.tui import sim_client

        sim_client.warm()  # the worker imports its plotting while the screen is laid out
        self.set_focus(self.query_one(ParamList))
        self.app.theme_changed_signal.subscribe(self, self.on_theme_changed)
        self.call_after_refresh(self.request)

    def on_resize(self) -> None:
        self.call_after_refresh(self.request)

    async def on_screen_resume(self) -> None:
        """Back from another screen (Settings, say): follow a renderer chosen there."""
        wanted = str(getattr(self.app, "plot_renderer", self.renderer_name))
        plots = self.query(PlotView)
        if plots and resolve_renderer(wanted) != plots.first().renderer:
            await self.use_renderer(wanted)

    def on_theme_changed(self, _theme: object) -> None:
        """Redraw in the new theme's colours (light or dark figure)."""
        self.dark = bool(self.app.current_theme.dark)
        self.request()

    async def use_renderer(self, renderer: str) -> None:
        """Show the plot with another renderer from now on."""
        self.renderer_name = renderer
        await self.query_one(PlotView).remove()
        await self.query_one("#sim-main", Vertical).mount(PlotView(renderer, id="plot"))
        self.call_after_refresh(self.request)

    # --- actions -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.predicting:  # Escape gives up the prediction, not the screen
            self.prediction.clear()
            self.show_answers()
            self.set_focus(self.query_one(ParamList))
            return
        self.dismiss()

    def action_move(self, delta: int) -> None:
        if self.predicting:
            self.prediction.choose(delta)
            self.show_answers()
            return
        self.query_one(ParamList).move(delta)
        plots = self.query(PlotView)
        if plots and not self._drawing and self.up_to_date:  # the new parameter's steps, drawn ahead
            from studyapp.tui import sim_client

            sim_client.draw_ahead(self.frame_request(self.target(plots.first())))

    # --- predict, then run -------------------------------------------------------------------------

    @property
    def predicting(self) -> bool:
        """Whether the answers are hidden until a prediction is committed."""
        return self.prediction.asking

    def prediction_targets(self) -> list[Target]:
        """The numbers of the last run that can be predicted."""
        from studyapp.predict import targets

        if self.result is None:
            return []
        return targets(self.spec.name, self.result.params, self.result.answers, self.spec.answers)

    def action_predict(self) -> None:
        """Hide the answers and ask for a prediction of one of them."""
        found = self.prediction_targets()
        if not found:
            self.notify("Nothing to predict yet: no number among the answers.", severity="warning")
            return
        if self.query_one("#sim-side").display is False:
            self.action_toggle_panel()
        self.prediction.ask(found)
        self.show_answers()

    def on_prediction_panel_committed(self, message: PredictionPanel.Committed) -> None:
        """Grade the prediction against the value computed for the current parameters, store it, and
        show the answers again."""
        from studyapp.predict import grade_prediction, save_prediction
        from studyapp.quiz.numbers import AnswerError

        panel = self.prediction
        if not self.up_to_date or self.result is None:
            panel.show_error("Still computing the new parameters: press Enter again in a moment.")
            return
        try:
            grade = grade_prediction(message.target, message.text)
        except AnswerError as error:
            panel.show_error(str(error))
            return
        collection = getattr(self.app, "collection", None)
        if collection is not None:
            record = grade.record(datetime.now(UTC), self.spec.name, self.result.params)
            try:
                save_prediction(collection, record)
            except CollectionError as error:
                self.notify(f"The prediction was not saved: {error.message}", severity="error")
        panel.show_grade(grade, with_rating=False)
        self.show_answers()
        self.set_focus(self.query_one(ParamList))

    def show_answers(self) -> None:
        """The answers of the last run, or while a prediction is asked, only their names (unless the latest
        parameters cannot be computed: the panel then says why)."""
        if self.result is None or self.error is not None:
            return
        if self.predicting:
            panel = self.prediction
            chosen = panel.target.key if panel.target is not None else None
            names = [f"\n{'▶' if target.key == chosen else ' '} {target.label}" for target in panel.targets]
            self._set_text(
                "#answers", Content.assemble(("Hidden until you commit your prediction:", "dim"), *names)
            )
            return
        self._set_text("#answers", answers_content(answer_rows(self.spec, self.result)))

    def action_step(self, direction: int) -> None:
        """Step the current parameter: the value shows at once, its plot when the worker has drawn it."""
        self._direction = direction
        self.query_one(ParamList).step(direction)
        self.request()

    def action_toggle_panel(self) -> None:
        """Hide or show the parameters and answers; the plot takes the room."""
        side = self.query_one("#sim-side")
        side.display = not side.display
        if side.display:
            self.set_focus(self.query_one(ParamList))
        self.call_after_refresh(self.request)  # redrawn for the room it gets

    def action_full_screen(self) -> None:
        """The plot alone on the whole screen, or back."""
        self.toggle_class("full-screen")
        full = self.has_class("full-screen")
        self.query_one("#sim-side").display = not full
        self.query_one("#sim-title").display = not full
        self.query_one(KeyBar).display = not full
        if not full:
            self.set_focus(self.query_one(ParamList))
        self.call_after_refresh(self.request)

    def action_reset(self) -> None:
        params = self.query_one(ParamList)
        for name, value in self.spec.defaults.items():
            params.set_value(name, value)
        self.request()

    def action_edit(self) -> None:
        from studyapp.tui.screens.value_input import ValueInput

        params = self.query_one(ParamList)
        param = params.current

        def apply(value: Any) -> None:
            if value is not None:
                params.set_value(param.name, value)
                self.request()

        self.app.push_screen(ValueInput(param, self.values[param.name]), apply)

    def action_explain(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.spec.title, self.spec.explanation))

    def action_cards(self) -> None:
        from studyapp.tui.screens.card_list import CardListModal

        if self.cards is None:
            self.cards = self.linked_cards()
        if not self.cards:
            self.notify("No card links to this simulation.")
            return
        self.app.push_screen(CardListModal(f"Cards about {self.spec.title}", self.cards))

    def linked_cards(self) -> list[Card]:
        """The app's cards about this simulation (of a cached library, only they are made)."""
        from studyapp.deck_cache import cards_where
        from studyapp.deck_json import CardsWith

        library = getattr(getattr(self.app, "collection", None), "library", None)
        if library is None:
            return []
        return cards_where(library, CardsWith(values={"sim": frozenset([self.spec.name])}))

    def action_save(self) -> None:
        """Save the plot of the parameters on show as PNG and SVG (drawn by the worker process)."""
        from studyapp.paths import user_data_dir
        from studyapp.tui import sim_client

        if self.result is None:
            self.notify("Nothing to save yet.", severity="warning")
            return
        folder = self.save_dir or user_data_dir() / "plots"
        stem = folder / f"{self.spec.name}-{datetime.now():%Y%m%d-%H%M%S}"
        paths = [str(stem.with_suffix(suffix)) for suffix in (".png", ".svg")]
        request = {"sim": self.spec.name, "params": self.result.params, "seed": self.seed, "paths": paths}

        def saved(reply: dict[str, Any]) -> None:  # on the worker's reader thread
            with suppress(RuntimeError):  # the app has closed
                self.post_message(self.Saved(reply))

        sim_client.save(request, saved)

    def on_simulation_screen_saved(self, message: Saved) -> None:
        if "error" in message.reply:
            self.notify(f"Could not save: {message.reply['error']}", severity="error")
            return
        self.saved_paths = [Path(path) for path in message.reply["paths"]]
        self.notify("Saved " + " and ".join(str(path) for path in self.saved_paths), timeout=8)

    # --- live computation --------------------------------------------------------------------------

    @property
    def up_to_date(self) -> bool:
        """Whether what is shown was drawn for the latest parameters, size, renderer and theme."""
        return self._shown_generation == self._generation

    def request(self) -> None:
        """Ask for a frame with the current parameters; while one is drawn, only the latest is asked next."""
        plots = self.query(PlotView)
        if not plots:
            return  # not composed yet: on_mount asks once it is
        self._generation += 1
        if not self._drawing:
            self._draw(plots.first())

    def _draw(self, plot: PlotView) -> None:
        """Ask the worker for a frame of the current parameters, sized for ``plot``."""
        from studyapp.tui import sim_client

        self._drawing = True
        generation, target = self._generation, self.target(plot)
        mode = target[0]
        started = time.perf_counter()

        def drawn(reply: dict[str, Any]) -> None:  # on the worker's reader thread
            strips = None
            if "error" not in reply and mode == "halfblock":
                strips = halfblock_strips(reply["rgba"], reply["texts"])
            elif "error" not in reply and mode == "unicode":
                strips = shade_strips(reply["rgba"], reply["texts"])
            elapsed = (time.perf_counter() - started) * 1000
            with suppress(RuntimeError):  # the app has closed
                self.post_message(self.Drawn(generation, target, reply, strips, elapsed))

        sim_client.frame(self.frame_request(target), drawn)

    def frame_request(self, target: tuple[str, int, int, bool, bool]) -> dict[str, Any]:
        """The worker's request for a frame of the current parameters drawn for ``target``, with the
        parameters one step away on the focused one listed ``ahead`` (the worker draws them next)."""
        mode, width, height, dark, monochrome = target
        param = self.query_one(ParamList).current
        return {
            "sim": self.spec.name,
            "params": dict(self.values),
            "seed": self.seed,
            "width": width,
            "height": height,
            "cells": mode in CELL_RENDERERS,
            "dark": dark,
            "monochrome": monochrome,
            "ahead": values_ahead(param, self.values, self._direction),
        }

    def target(self, plot: PlotView) -> tuple[str, int, int, bool, bool]:
        """What a frame for ``plot`` is drawn for: renderer, size in pixels, theme, and colour or not."""
        return (plot.renderer, *plot.pixel_size, self.dark, bool(self.app.no_color))

    def on_simulation_screen_drawn(self, message: Drawn) -> None:
        """Show a frame, after asking for the latest parameters if they changed while it was drawn.

        A frame of earlier parameters is shown while the latest is drawn, unless it was drawn for another
        size, renderer or theme."""
        self._drawing = False
        plot = self.query_one(PlotView)
        if message.generation != self._generation:
            self._draw(plot)
            if message.target != self.target(plot):
                return
        if message.generation < self._shown_generation:
            return
        self._shown_generation = message.generation
        self.last_frame_ms = message.ms
        reply = message.reply
        if "error" in reply:
            self.error = str(reply["error"])
            self._set_text("#answers", Content.assemble(("Cannot compute:", "bold red"), " ", self.error))
            if not plot.frames:  # nothing is being drawn: the error says why
                self._set_text("#legend", Content(""))
            return
        self.error = None
        self.result = reply["result"]
        plot.show(reply["rgba"], message.strips)
        self._set_text("#legend", legend_content(reply["legend"], bool(self.app.no_color)))
        if self.predicting:
            self.prediction.retarget(self.prediction_targets())
        # The answers are painted just after the plot: each repaint then redraws less (the plot's column,
        # then the side panel), and the plot shows sooner.
        self.call_after_refresh(self.show_answers)

    def _set_text(self, selector: str, content: Content) -> None:
        """Update a text panel if its text changed; the screen is laid out again if its height changed."""
        shown = (content.plain, tuple(content.spans))
        if self._texts.get(selector) == shown:
            return
        self._texts[selector] = shown
        panel = self.query_one(selector, Static)
        width = panel.content_size.width
        size = (width, wrapped_height(content, width))
        panel.update(content, layout=not width or self._heights.get(selector) != size)
        self._heights[selector] = size


def values_ahead(param: Param, values: Mapping[str, Any], direction: int) -> list[dict[str, Any]]:
    """``values`` after one step of ``param`` each way, ``direction`` first: the frames a learner is likely
    to ask for next (none for a parameter that does not step, one for a switch)."""
    current = values[param.name]
    found: list[dict[str, Any]] = []
    for way in (direction, -direction):
        value = param.step(current, way)
        if value != current and all(other[param.name] != value for other in found):
            found.append({**values, param.name: value})
    return found


def wrapped_height(content: Content, width: int) -> int:
    """The lines ``content`` takes at ``width`` (only wrapped when a line is longer than that)."""
    lines = content.plain.split("\n")
    if width <= 0 or all(cell_len(line) <= width for line in lines):
        return len(lines)
    return len(content.wrap(width))


def answers_content(rows: list[tuple[str, str]]) -> Content:
    """Each answer's label, dimmed, and its value on the next line, in bold."""
    parts: list[str | tuple[str, str]] = []
    for number, (label, value) in enumerate(rows):
        parts += ["\n" if number else "", (label, "dim"), "\n  ", (value, "bold")]
    return Content.assemble(*parts)


def legend_content(legend: Legend, monochrome: bool = False) -> Content:
    """The legend's entries on one line: each with its colour, or without colour its line style drawn in
    characters (the panel titles are drawn on the plot itself)."""
    styles = legend.styles or [""] * len(legend.entries)
    parts: list[str | tuple[str, str]] = []
    for number, ((label, colour), style) in enumerate(zip(legend.entries, styles, strict=False)):
        glyph = STYLE_GLYPHS.get(style, "■") if monochrome else "■"
        parts += ["  " if number else "", (glyph, colour), " ", label]
    return Content.assemble(*parts)
