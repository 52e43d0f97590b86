"""Plot rendering: live redraws that reuse axes and artists look exactly like fresh draws; terminal plots
whose text is drawn as characters."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import sim
from sim import plotting
from sim.layout import Layout, LayoutChanged
from tests.sim.test_simulations import extremes

SIZE = (172, 148)  # a 120x40 terminal's plot area in half-block pixels, oversampled twice
CELL = (2, 4)  # one terminal cell in those pixels


@pytest.mark.parametrize("name", sim.NAMES)
@pytest.mark.parametrize(("size", "cells"), [(SIZE, CELL), ((480, 240), None)])
def test_redraws_on_kept_axes_match_fresh_draws(
    name: str, size: tuple[int, int], cells: tuple[int, int] | None
) -> None:
    spec = sim.spec(name)
    live = plotting.Renderer(*size, cells=cells)
    changes = [{}, *[{p.name: value} for p in spec.params for value in extremes(p)][:8], {}]
    for params in changes:
        result = sim.run(name, params)
        kept = live.render(result)
        fresh_renderer = plotting.Renderer(*size, cells=cells)
        fresh = fresh_renderer.render(result)
        assert live.texts == fresh_renderer.texts, f"{name} {params}"
        differ = np.abs(kept.astype(int) - fresh.astype(int)).max(axis=-1)
        # Identical but for antialiasing rounding at a few edge pixels (axis limits recomputed in place).
        assert (differ > 0).mean() < 0.001 and differ.max() <= 8, f"{name} {params}"
    assert live.layout.owner == name


def test_switching_simulation_rebuilds_the_figure() -> None:
    live = plotting.Renderer(*SIZE, cells=CELL)
    live.render(sim.run("pooling"))
    pixels = live.render(sim.run("activations"))
    np.testing.assert_array_equal(pixels, plotting.Renderer(*SIZE, cells=CELL).render(sim.run("activations")))
    assert live.layout.owner == "activations"


def test_a_different_layout_is_detected() -> None:
    fig = plotting.new_figure(200, 100)
    layout = Layout(fig)
    assert not layout.begin("two-panels")  # a first draw
    first = layout.subplots(1, 2)
    layout.end()
    assert layout.begin("two-panels")  # a redraw gets the same axes back
    assert all(a is b for a, b in zip(layout.subplots(1, 2), first, strict=True))
    layout.end()
    assert layout.begin("two-panels")
    with pytest.raises(LayoutChanged):
        layout.subplots(1, 3)
    assert layout.begin("two-panels")
    with pytest.raises(LayoutChanged):
        layout.end()  # asked for fewer axes than the last draw made
    assert not layout.begin("another plot") and fig.axes == []  # someone else draws afresh
    assert not any(name in vars(fig) for name in ("subplots", "add_subplot", "add_gridspec"))
    assert isinstance(fig, Figure)


def test_terminal_plots_carry_their_text_as_cells_and_no_text_in_pixels() -> None:
    renderer = plotting.Renderer(*SIZE, cells=CELL)
    renderer.render(sim.run("activations"))
    assert [label for label, _ in renderer.legend.entries] == ["sigmoid", "tanh", "relu", "leaky_relu"]
    assert all(colour.startswith("#") and len(colour) == 7 for _, colour in renderer.legend.entries)
    texts = [text.text for text in renderer.texts]
    assert "activation f(x)" in texts and "derivative f'(x)" in texts
    assert "−5" in texts and "0" in texts
    assert not any(t.get_visible() and t.get_text() for ax in renderer.figure.axes for t in ax.texts)
    assert all(not ax.get_title() for ax in renderer.figure.axes)


def test_left_and_right_titles_are_placed_too() -> None:
    renderer = plotting.Renderer(*SIZE, cells=CELL)
    renderer.render(sim.run("backprop"))
    texts = " ".join(text.text for text in renderer.texts)
    assert "∂f/∂v" in texts or "gradients" in texts


def test_save_refuses_unknown_formats(tmp_path: object) -> None:
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        plotting.save(sim.run("pooling"), "plot.gif")


def plotted(fig: Figure) -> list[object]:
    """Every artist a plot put on the figure's axes, axes by axes."""
    return [a for ax in fig.axes for a in [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.artists]]


@pytest.mark.parametrize("name", ["gradient-descent", "activations", "backprop", "convolution", "optimizers"])
def test_redraws_of_the_same_structure_reuse_axes_and_artists(name: str) -> None:
    live = plotting.Renderer(*SIZE, cells=CELL)
    live.render(sim.run(name))
    axes, artists = list(live.figure.axes), plotted(live.figure)
    live.render(sim.run(name, seed=1))
    assert all(a is b for a, b in zip(live.figure.axes, axes, strict=True)), "the axes are kept"
    assert all(a is b for a, b in zip(plotted(live.figure), artists, strict=True)), "and so are the artists"


def test_lines_take_the_theme_cycle_in_the_order_asked() -> None:
    fig = plotting.new_figure(200, 100)
    layout = Layout(fig)
    layout.begin("lines")
    ax = layout.add_subplot()
    plain = [layout.line(ax, [0, 1], [i, i]) for i in range(3)]
    coloured = layout.line(ax, [0, 1], [5, 5], color="#123456")
    layout.end()
    reference = plotting.new_figure(200, 100).add_subplot()
    expected = [reference.plot([0, 1], [i, i])[0].get_color() for i in range(3)]
    assert [line.get_color() for line in plain] == expected
    assert coloured.get_color() == "#123456"
    assert layout.begin("lines")
    assert layout.add_subplot() is ax
    again = [layout.line(ax, [0, 1], [i, i]) for i in range(3)]
    layout.end()
    assert again == plain and [line.get_color() for line in again] == expected
    assert ax.lines[:] == plain, "a line not asked for again is gone"


def test_drawing_leaves_the_matplotlib_settings_as_they_were() -> None:
    before = dict(matplotlib.rcParams)
    plotting.Renderer(*SIZE, cells=CELL, monochrome=True).render(sim.run("activations"))
    plotting.render(sim.run("backprop"))
    assert dict(matplotlib.rcParams) == before


def test_a_terminal_plot_makes_no_legend_and_lists_the_labels() -> None:
    live = plotting.Renderer(*SIZE, cells=CELL)
    live.render(sim.run("convolution"))
    assert all(ax.get_legend() is None for ax in live.figure.axes)
    labels = [label for label, _ in live.legend.entries]
    assert any("reported" in label for label in labels) and any("strongest" in label for label in labels)
