"""One live simulation: parameters and answers on the left, the plot with its text on the right.

Every change recomputes and replots in a worker thread. Only one computation runs at a time;
when it finishes, it starts again if the parameters changed meanwhile, so stale frames are
dropped and the latest parameters are always what ends up on screen. ``p`` hides the side panel
and ``f`` shows the plot alone on the whole screen; the plot is redrawn for the space it gets.
The plot follows the renderer and theme chosen in Settings, also while it is open.

``e`` asks for a prediction first: the answers are hidden until the learner commits a number for one of
them (↑/↓ choose which; the parameters may still change), then it is graded against the computed value,
shown next to it, diagnosed when wrong, and stored for the calibration statistics.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
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
    from textual.timer import Timer

    from sim.plotting import Legend, Renderer
    from studyapp.model import Card
    from studyapp.predict import Target

#: The plot is drawn at this multiple of the half-block resolution, then downsampled.
OVERSAMPLE = 2
#: One terminal cell in the oversampled figure's pixels: one column, two half-block rows.
CELL_PX = (OVERSAMPLE, 2 * OVERSAMPLE)
#: Line styles as characters, for the legend without colour.
STYLE_GLYPHS = {"-": "━━", "--": "╍╍", ":": "┈┈", "-.": "─·", "": "■"}
#: A stepped value is painted with its new plot, or after this many seconds if the plot takes longer.
VALUE_PAINT_DELAY = 0.05


class SimulationScreen(Screen[None]):
    """A live simulation with keyboard parameter controls."""

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
        the renderer setting and the theme)."""
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
        self._generation = 0
        self._shown_generation = 0
        self._lock = threading.Lock()
        self._busy = False
        self._target: tuple[int, int, str, bool, bool] = (16, 16, "halfblock", True, False)
        self._renderer: Renderer | None = None  # used by one worker at a time
        self.last_frame_ms = 0.0
        self._texts: dict[str, str] = {}  # what each text panel shows, by selector
        self._value_paint: Timer | None = None  # paints stepped values if the plot is slow

    def compose(self) -> ComposeResult:
        app: Any = self.app
        if self.renderer_name is None:
            self.renderer_name = str(getattr(app, "plot_renderer", "halfblock"))
            self.dark = bool(app.current_theme.dark)
        if self.cards is None:
            library = getattr(getattr(app, "collection", None), "library", None)
            self.cards = [card for card in getattr(library, "cards", ()) if card.sim == self.spec.name]
        yield Static(f"[b]{self.spec.title}[/b]  [dim]{self.spec.name}[/dim]", id="sim-title")
        with Horizontal(id="sim-body"):
            with Vertical(id="sim-side"):
                yield ParamList(self.spec, self.values, id="params")
                yield PredictionPanel(id="sim-predict")
                with VerticalScroll(id="answers-scroll"):
                    yield Static(id="answers")
            with Vertical(id="sim-main"):
                yield Static(id="legend")
                yield PlotView(self.renderer_name or "halfblock", id="plot")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(ParamList).focus()
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
        self._renderer = None
        self.request()

    async def use_renderer(self, renderer: str) -> None:
        """Show the plot with another renderer from now on."""
        self.renderer_name = renderer
        await self.query_one(PlotView).remove()
        await self.query_one("#sim-main", Vertical).mount(PlotView(renderer, id="plot"))
        self._renderer = None
        self.call_after_refresh(self.request)

    # --- actions -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.predicting:  # Escape gives up the prediction, not the screen
            self.query_one(PredictionPanel).clear()
            self.show_answers()
            self.query_one(ParamList).focus()
            return
        self.dismiss()

    def action_move(self, delta: int) -> None:
        if self.predicting:
            self.query_one(PredictionPanel).choose(delta)
            self.show_answers()
            return
        self.query_one(ParamList).move(delta)

    # --- predict, then run -------------------------------------------------------------------------

    @property
    def predicting(self) -> bool:
        """Whether the answers are hidden until a prediction is committed."""
        panels = self.query(PredictionPanel)
        return bool(panels) and panels.first().asking

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
        self.query_one(PredictionPanel).ask(found)
        self.show_answers()

    def on_prediction_panel_committed(self, message: PredictionPanel.Committed) -> None:
        """Grade the prediction against the value computed for the current parameters, store it, and
        show the answers again."""
        from studyapp.predict import grade_prediction, save_prediction
        from studyapp.quiz.numbers import AnswerError

        panel = self.query_one(PredictionPanel)
        if self._shown_generation != self._generation or self.result is None:
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
        self.query_one(ParamList).focus()

    def show_answers(self) -> None:
        """The answers of the last run, or while a prediction is asked, only their names."""
        if self.result is None:
            return
        if self.predicting:
            panel = self.query_one(PredictionPanel)
            chosen = panel.target.key if panel.target is not None else None
            names = [
                f"{'▶' if target.key == chosen else ' '} {escape(target.label)}" for target in panel.targets
            ]
            self._set_text(
                "#answers", "[dim]Hidden until you commit your prediction:[/dim]\n" + "\n".join(names)
            )
            return
        rows = answer_rows(self.spec, self.result)
        self._set_text(
            "#answers",
            "\n".join(f"[dim]{escape(label)}[/dim]\n  [b]{escape(value)}[/b]" for label, value in rows),
        )

    def action_step(self, direction: int) -> None:
        """Step the current parameter; the new value appears together with its plot.

        Painting the value first would show it beside the old plot, and that frame would take
        the time the plot needs from the computation.
        """
        self.query_one(ParamList).step(direction, repaint=False)
        if self._value_paint is None:
            self._value_paint = self.set_timer(VALUE_PAINT_DELAY, self._paint_values)
        self.request()

    def _paint_values(self) -> None:
        if self._value_paint is not None:
            self._value_paint.stop()
            self._value_paint = None
        self.query_one(ParamList).repaint_values()

    def action_toggle_panel(self) -> None:
        """Hide or show the parameters and answers; the plot takes the room."""
        side = self.query_one("#sim-side")
        side.display = not side.display
        if side.display:
            self.query_one(ParamList).focus()
        self.call_after_refresh(self.request)  # redrawn for the room it gets

    def action_full_screen(self) -> None:
        """The plot alone on the whole screen, or back."""
        self.toggle_class("full-screen")
        full = self.has_class("full-screen")
        self.query_one("#sim-side").display = not full
        self.query_one("#sim-title").display = not full
        self.query_one(KeyBar).display = not full
        if not full:
            self.query_one(ParamList).focus()
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

        if not self.cards:
            self.notify("No card links to this simulation.")
            return
        self.app.push_screen(CardListModal(f"Cards about {self.spec.title}", self.cards))

    def action_save(self) -> None:
        if self.result is None:
            self.notify("Nothing to save yet.", severity="warning")
            return
        self.run_worker(lambda: self._save(self.result), thread=True, group="save")

    def _save(self, result: Result | None) -> None:
        from sim.plotting import save
        from studyapp.paths import user_data_dir

        assert result is not None
        folder = self.save_dir or user_data_dir() / "plots"
        stem = folder / f"{self.spec.name}-{datetime.now():%Y%m%d-%H%M%S}"
        try:
            paths = [save(result, stem.with_suffix(suffix)) for suffix in (".png", ".svg")]
        except OSError as error:
            self.app.call_from_thread(self.notify, f"Could not save: {error}", severity="error")
            return
        self.app.call_from_thread(self._saved, paths)

    def _saved(self, paths: list[Path]) -> None:
        self.saved_paths = paths
        self.notify("Saved " + " and ".join(str(p) for p in paths), timeout=8)

    # --- live computation --------------------------------------------------------------------------

    def request(self) -> None:
        """Ask for a recompute with the current parameters; coalesces bursts of changes."""
        plots = self.query(PlotView)
        if not plots:
            return  # not composed yet: on_mount asks once it is
        plot = plots.first()
        with self._lock:
            self._generation += 1
            self._target = (*plot.pixel_size, plot.renderer, self.dark, bool(self.app.no_color))
            if self._busy:
                return
            self._busy = True
        self.run_worker(self._compute_loop, thread=True, group="compute")

    def _compute_loop(self) -> None:
        """Runs on a worker thread: compute and rasterise until the latest request is drawn."""
        from sim.plotting import Renderer
        from sim.registry import get

        simulation = get(self.spec.name)
        while True:
            with self._lock:
                generation, values = self._generation, dict(self.values)
                width, height, mode, dark, monochrome = self._target
            started = time.perf_counter()
            cells = mode in CELL_RENDERERS
            try:
                result = simulation.run(values, self.seed)
                size = (width * OVERSAMPLE, height * OVERSAMPLE)
                renderer = self._renderer  # kept between workers: its figure and axes are reused
                wanted = (size, CELL_PX if cells else None, dark, monochrome)
                if (
                    renderer is None
                    or (renderer.size, renderer.cells, renderer.dark, renderer.monochrome) != wanted
                ):
                    renderer = self._renderer = Renderer(
                        *size, dark=dark, cells=CELL_PX if cells else None, monochrome=monochrome
                    )
                rgba = downsample(renderer.render(result), width, height)
                strips = None  # converted off the UI thread
                if mode == "halfblock":
                    strips = halfblock_strips(rgba, renderer.texts)
                elif mode == "unicode":
                    strips = shade_strips(rgba, renderer.texts)
                frame: tuple[Result | None, Any, Any] = (result, (rgba, strips), renderer.legend)
            except (ValueError, ArithmeticError) as error:
                frame = (None, None, str(error))
            elapsed = (time.perf_counter() - started) * 1000
            try:
                self.app.call_from_thread(self._show, generation, frame, elapsed)
            except RuntimeError:  # the app is closing
                return
            with self._lock:
                if generation == self._generation:
                    self._busy = False
                    return

    def _show(self, generation: int, frame: tuple[Any, Any, Any], elapsed: float) -> None:
        if generation < self._shown_generation or not self.is_mounted:
            return
        if generation == self._generation:
            self._paint_values()
        self._shown_generation = generation
        self.last_frame_ms = elapsed
        result, rgba, extra = frame
        if result is None:
            self.error = extra
            self._set_text("#answers", f"[b red]Cannot compute:[/] {escape(extra)}")
            return
        self.error = None
        self.result = result
        pixels, strips = rgba
        self.query_one(PlotView).show(pixels, strips)
        self._set_text("#legend", legend_markup(extra, bool(self.app.no_color)))
        if self.predicting:
            self.query_one(PredictionPanel).retarget(self.prediction_targets())
        self.show_answers()

    def _set_text(self, selector: str, markup: str) -> None:
        """Update a text panel if its text changed; only the legend's height follows its text."""
        if self._texts.get(selector) == markup:
            return
        self._texts[selector] = markup
        self.query_one(selector, Static).update(markup, layout=True)


def legend_markup(legend: Legend, monochrome: bool = False) -> str:
    """The legend's entries as one line of markup: each with its colour, or without colour its line
    style drawn in characters (the panel titles are drawn on the plot itself)."""
    styles = legend.styles or [""] * len(legend.entries)
    entries = []
    for (label, colour), style in zip(legend.entries, styles, strict=False):
        glyph = STYLE_GLYPHS.get(style, "■") if monochrome else "■"
        entries.append(f"[{colour}]{glyph}[/] {escape(label)}")
    return "  ".join(entries)


def downsample(rgba: Any, width: int, height: int) -> Any:
    """Resize an RGBA array to ``width`` x ``height`` with a box filter (Pillow)."""
    import numpy as np
    from PIL import Image

    if rgba.shape[1] == width and rgba.shape[0] == height:
        return rgba
    return np.asarray(Image.fromarray(rgba).resize((width, height), Image.Resampling.BOX))
