"""The live simulation screen: keyboard parameters, recompute, half-block plot, answers, save."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widget import Widget

import sim
from sim.params import BoolParam, ChoiceParam, FloatParam, IntParam, TextParam
from studyapp.collection import Collection
from studyapp.tui import sim_client
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.simulation import SimulationScreen, values_ahead
from studyapp.tui.widgets.params import ParamList
from studyapp.tui.widgets.plot import PlotView

from .conftest import FakeClock, answered, painted_lines, text_of, wait_until


async def open_sim(app: StudyApp, pilot: object, name: str, **params: object) -> SimulationScreen:
    app.open_simulation(name, dict(params))
    screen = app.screen
    assert isinstance(screen, SimulationScreen)
    await wait_until(pilot, lambda: answered(screen))
    return screen


async def test_answers_and_plot_match_the_library(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations", function="sigmoid", layers=10)
        assert screen.result is not None
        assert screen.result.answers == sim.run("activations", {"function": "sigmoid", "layers": 10}).answers
        answers = text_of(screen.query_one("#answers"))
        assert "largest derivative" in answers and "0.25" in answers
        plot = screen.query_one(PlotView)
        lines = [plot.render_line(y).text for y in range(plot.size.height)]
        assert sum(line.count("▀") for line in lines) > plot.size.width * plot.size.height // 2
        assert "sigmoid" in text_of(screen.query_one("#legend"))


@pytest.mark.parametrize("no_color", [False, True])
async def test_plot_rows_paint_exactly_what_the_styling_pass_would(
    collection: Collection, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """The plot hands its rows over without Textual's per-line pass only where that pass changes nothing."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = StudyApp(collection, clock=clock, renderer="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "convolution")
        plot = screen.query_one(PlotView)
        width, height = plot.size
        for crop in (Region(0, 0, width, height), Region(3, 2, width - 10, height - 5)):
            fast = [list(strip) for strip in plot.render_lines(crop)]
            assert fast == [list(strip) for strip in Widget.render_lines(plot, crop)]
            assert len(fast) == crop.height
        styles = [seg.style for strip in plot.render_lines(crop) for seg in strip]
        colours = {style.color.triplet for style in styles if style is not None and style.color is not None}
        assert all(c is not None and c.red == c.green == c.blue for c in colours) is no_color  # grey shades


async def test_keys_change_parameters_and_the_plot_follows(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        plot = screen.query_one(PlotView)
        frames = plot.frames
        await pilot.press("right")  # function: sigmoid -> tanh
        await wait_until(
            pilot, lambda: screen.result is not None and screen.result.params["function"] == "tanh"
        )
        assert screen.result is not None and screen.result.answers["max_derivative"] == 1.0
        await pilot.press("down", "plus", "plus", "minus")  # layers 10 -> 11
        await wait_until(pilot, lambda: screen.result is not None and screen.result.params["layers"] == 11)
        await pilot.press("left", "left")  # still on layers: 11 -> 9
        await wait_until(pilot, lambda: screen.result is not None and screen.result.params["layers"] == 9)
        assert plot.frames > frames
        await pilot.press("r")
        await wait_until(
            pilot,
            lambda: screen.result is not None and screen.result.params == sim.spec("activations").defaults,
        )


async def test_a_stepped_value_shows_at_once_while_its_plot_is_drawn(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "pooling")
        assert screen.result is not None and screen.result.params["kind"] == "max"
        assert any(re.search(r"kind\s+max", line) for line in painted_lines(app))
        big_plot_drawn = threading.Event()  # the worker draws a large plot first: ours waits behind it
        request = {"sim": "optimizers", "params": {}, "width": 2400, "height": 2400, "cells": True}
        sim_client.frame(request, lambda reply: big_plot_drawn.set())
        await pilot.press("right")  # kind: max -> avg
        await pilot.pause()
        assert any(re.search(r"kind\s+avg", line) for line in painted_lines(app))  # painted at once...
        assert not big_plot_drawn.is_set() and screen.result.params["kind"] == "max"  # ...beside the old plot
        await wait_until(pilot, lambda: screen.result.params["kind"] == "avg")  # type: ignore[union-attr]
        assert big_plot_drawn.is_set()


async def test_a_longer_value_gets_the_lines_it_wraps_onto(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "convolution")
        params = screen.query_one(ParamList)
        height = params.size.height
        params.set_value("kernel", "; ".join(["0.5 -0.25 0.125 -0.0625 0.03125"] * 5))
        await pilot.pause()
        assert params.size.height > height
        params.set_value("kernel", "1 0 -1; 2 0 -2; 1 0 -1")
        await pilot.pause()
        assert params.size.height == height


async def test_bursts_of_changes_end_on_the_latest_parameters(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "pooling")
        await pilot.press("down")
        for _ in range(6):
            await pilot.press("plus")
        await wait_until(pilot, lambda: screen.result is not None and screen.result.params == screen.values)
        assert screen.result is not None and screen.result.params == screen.values


async def test_typing_a_value_validates_it(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        await pilot.press("down", "enter")
        modal = app.screen
        field = modal.query_one("#value")
        field.value = "500"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert app.screen is modal
        assert "from 1 to 50" in text_of(modal.query_one("#error"))
        field.value = "3"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert app.screen is screen
        await wait_until(pilot, lambda: screen.result is not None and screen.result.params["layers"] == 3)
        assert screen.result is not None and screen.result.answers["gradient_factor"] == 0.25**3


async def test_save_writes_png_and_svg(app: StudyApp, tmp_path: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "convolution")
        await pilot.press("w")
        await wait_until(pilot, lambda: bool(getattr(screen, "saved_paths", None)))
        png, svg = screen.saved_paths
        assert png.parent == tmp_path / "plots"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert svg.read_text().lstrip().startswith("<?xml")


async def test_a_plot_that_cannot_be_saved_says_why(
    collection: Collection, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    app = StudyApp(collection, clock=clock, save_dir=tmp_path / "a-file" / "plots")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_sim(app, pilot, "convolution")
        await pilot.press("w")
        await wait_until(pilot, lambda: any("Could not save" in line for line in painted_lines(app)))
        assert not getattr(screen, "saved_paths", None)


async def test_explanation_and_linked_cards(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sim(app, pilot, "residual")
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        assert app.screen.explanation == sim.spec("residual").explanation  # type: ignore[attr-defined]
        assert "Save PNG+SVG" in text_of(app.screen.query_one("#help-keys"))
        await pilot.press("escape", "c")
        assert type(app.screen).__name__ == "CardListModal"
        options = app.screen.query_one("#card-options")
        assert options.option_count == 5  # type: ignore[attr-defined]  # 3 seed cards, 2 cloze cards
        await pilot.press("enter")
        assert type(app.screen).__name__ == "CardView"
        assert app.screen.card.sim == "residual"  # type: ignore[attr-defined]


async def test_a_failing_computation_shows_a_message(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "backprop")
        screen.values["expression"] = "log(x - 10)"
        screen.values["values"] = "x=1"
        screen.request()
        await wait_until(pilot, lambda: screen.error is not None)
        assert "Cannot compute" in text_of(screen.query_one("#answers"))


async def test_a_first_frame_that_cannot_be_computed_leaves_no_drawing_message(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_simulation("backprop", {"expression": "log(x - 10)", "values": "x=1"})
        screen = app.screen
        assert isinstance(screen, SimulationScreen)
        await wait_until(pilot, lambda: screen.error is not None)
        assert screen.query_one(PlotView).frames == 0
        assert "Cannot compute" in text_of(screen.query_one("#answers"))
        assert text_of(screen.query_one("#legend")) == ""  # not "Drawing the plot…": nothing is drawn


@pytest.mark.parametrize("renderer", ["tgp", "sixel"])
async def test_graphics_renderers_show_the_plot(
    collection: Collection, clock: FakeClock, tmp_path: Path, renderer: str
) -> None:
    """Kitty and Sixel graphics take the whole plot, its text drawn in pixels by matplotlib."""
    app = StudyApp(collection, clock=clock, save_dir=tmp_path, renderer=renderer)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "pooling")
        plot = screen.query_one(PlotView)
        assert plot.renderer == renderer and plot._image_widget is not None
        assert plot._image_widget.image is not None  # type: ignore[attr-defined]
        width, height = plot.pixel_size
        assert plot._image_widget.image.size == (width, height)  # type: ignore[attr-defined]
        frames = plot.frames
        await pilot.press("right")
        await wait_until(pilot, lambda: plot.frames > frames)


def plot_text(screen: SimulationScreen) -> str:
    plot = screen.query_one(PlotView)
    return "\n".join(plot.render_line(y).text for y in range(plot.size.height))


async def test_the_plot_text_is_drawn_as_characters(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        text = plot_text(screen)
        assert "activation f(x)" in text and "derivative f'(x)" in text
        assert "−5" in text and "0.25" in text  # tick labels on the x and y axes
        assert sum(line.count("▀") for line in text.splitlines()) > 1000  # and the pixels around them


async def test_p_hides_the_panel_and_the_plot_takes_the_room(app: StudyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        plot = screen.query_one(PlotView)
        narrow = plot.size.width
        await pilot.press("p")
        await wait_until(pilot, lambda: plot.size.width > narrow)
        assert not screen.query_one("#sim-side").display
        # Redrawn for the new width: the plot's own rows are as wide as the screen.
        await wait_until(pilot, lambda: plot.drawn_width == 80)
        await pilot.press("p")
        assert screen.query_one("#sim-side").display and screen.query_one(ParamList).has_focus


async def test_a_frame_drawn_for_the_old_size_is_not_shown(app: StudyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        await wait_until(pilot, lambda: screen.up_to_date)
        plot = screen.query_one(PlotView)
        frames, narrow = plot.frames, plot.drawn_width
        big_plot_drawn = threading.Event()  # the worker draws a large plot first: ours wait behind it
        request = {"sim": "optimizers", "params": {}, "width": 2400, "height": 2400, "cells": True}
        sim_client.frame(request, lambda reply: big_plot_drawn.set())
        await pilot.press("right")  # a frame of the narrow plot is asked for...
        await pilot.press("p")  # ...and then the plot gets the whole width
        await wait_until(pilot, lambda: big_plot_drawn.is_set() and screen.up_to_date)
        assert plot.frames == frames + 1 and plot.drawn_width == 80 > narrow  # only the wide frame was shown


async def test_f_shows_the_plot_alone_and_back(app: StudyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        plot = screen.query_one(PlotView)
        await pilot.press("f")
        await pilot.pause()
        assert not screen.query_one("#sim-title").display and not screen.query_one("#sim-side").display
        await wait_until(pilot, lambda: plot.size.height >= 22)
        assert plot.size.width == 80
        await pilot.press("f")
        await pilot.pause()
        assert screen.query_one("#sim-title").display and screen.query_one("#sim-side").display


async def test_a_long_answers_list_scrolls_and_says_so(app: StudyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sim(app, pilot, "optimizers")
        scroll = screen.query_one("#answers-scroll")
        await pilot.pause()
        assert scroll.max_scroll_y > 0 and scroll.show_vertical_scrollbar
        scroll.scroll_end(animate=False)
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y


async def test_a_renderer_chosen_in_settings_reaches_an_open_simulation(
    collection: Collection, clock: FakeClock, tmp_path: Path
) -> None:
    from studyapp.tui.screens.settings import SettingsScreen

    collection.set_setting("plot_renderer", "halfblock")
    app = StudyApp(collection, clock=clock, save_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        assert screen.query_one(PlotView).renderer == "halfblock"
        app.push_screen(SettingsScreen())
        await pilot.pause()
        collection.set_setting("plot_renderer", "unicode")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.query_one(PlotView).renderer == "unicode")
        plot = screen.query_one(PlotView)
        await wait_until(pilot, lambda: plot.frames > 0 and screen.up_to_date)
        text = plot_text(screen)
        assert (
            "activation f(x)" in text
            and "▀" in text
            and not any(s.style and s.style.color for s in plot.render_line(5))
        )


async def test_a_theme_change_redraws_an_open_simulation_in_its_colours(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        plot = screen.query_one(PlotView)
        dark_corner = next(iter(plot.render_line(plot.size.height - 1))).style
        frames = plot.frames
        app.theme = "textual-light"
        await wait_until(pilot, lambda: plot.frames > frames and screen.up_to_date)
        assert screen.dark is False
        light_corner = next(iter(plot.render_line(plot.size.height - 1))).style
        assert dark_corner is not None and light_corner is not None
        assert dark_corner.bgcolor != light_corner.bgcolor
        background = light_corner.bgcolor
        assert background is not None and background.get_truecolor().red > 200


async def test_without_colour_the_legend_shows_line_styles(
    collection: Collection, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = StudyApp(collection, clock=clock, renderer="unicode")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "activations")
        legend = text_of(screen.query_one("#legend"))
        assert "━━ sigmoid" in legend and "╍╍ tanh" in legend and "┈┈ relu" in legend


def test_the_values_ahead_are_one_step_of_the_parameter_each_way_the_last_way_first() -> None:
    layers = IntParam("layers", 3, low=1, high=5)
    assert values_ahead(layers, {"layers": 3, "x": 1}, -1) == [{"layers": 2, "x": 1}, {"layers": 4, "x": 1}]
    assert values_ahead(layers, {"layers": 5}, 1) == [{"layers": 4}]  # at the top of its range
    rate = FloatParam("rate", 0.1, low=0.0, high=1.0, increment=0.1)
    assert values_ahead(rate, {"rate": 0.1}, 1) == [{"rate": 0.2}, {"rate": 0.0}]
    kind = ChoiceParam("kind", "max", choices=("max", "avg"))
    assert values_ahead(kind, {"kind": "max"}, 1) == [{"kind": "avg"}]  # both ways lead there
    assert values_ahead(BoolParam("bias", True), {"bias": True}, 1) == [{"bias": False}]
    assert values_ahead(TextParam("f", "x**2"), {"f": "x**2"}, 1) == []


async def test_steps_after_moving_between_parameters_show_the_frames_of_their_values(app: StudyApp) -> None:
    """Frames the worker drew ahead, and frames it kept, are those of the values on show."""
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sim(app, pilot, "pooling")
        for keys in (["right"], ["left"], ["down"], ["right"], ["right"], ["left"], ["up"], ["left"]):
            await pilot.press(*keys)
            await pilot.pause(0.05)  # time for the worker to draw ahead
            await wait_until(pilot, lambda: screen.up_to_date)
            assert screen.result is not None and screen.result.params == screen.values
            assert screen.result.answers == sim.run("pooling", screen.values).answers
