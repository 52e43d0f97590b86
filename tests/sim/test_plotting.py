"""Plot rendering: live redraws that reuse axes look exactly like fresh draws; terminal plots whose text
is drawn as characters."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import sim
from sim import plotting
from sim.layout_cache import LayoutCache, LayoutChanged
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
    assert live.layout is not None and live.layout.sim == name


def test_switching_simulation_rebuilds_the_figure() -> None:
    live = plotting.Renderer(*SIZE, cells=CELL)
    live.render(sim.run("pooling"))
    pixels = live.render(sim.run("activations"))
    np.testing.assert_array_equal(pixels, plotting.Renderer(*SIZE, cells=CELL).render(sim.run("activations")))
    assert live.layout is not None and live.layout.sim == "activations"


def test_a_different_layout_is_detected() -> None:
    fig = plotting.new_figure(200, 100)
    cache = LayoutCache()
    with cache.recording(fig, "two-panels"):
        fig.subplots(1, 2)
    with pytest.raises(LayoutChanged), cache.replaying(fig):
        fig.subplots(1, 3)
    with pytest.raises(LayoutChanged), cache.replaying(fig):
        pass  # asks for fewer axes than recorded
    assert "subplots" not in vars(fig), "the figure's own methods are restored"
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


@pytest.mark.parametrize("name", ["gradient-descent", "activations", "backprop", "convolution"])
def test_redraws_replay_the_recorded_layout(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    live = plotting.Renderer(*SIZE, cells=CELL)
    live.render(sim.run(name))
    rebuilt: list[bool] = []
    original = Figure.clear

    def counting_clear(fig: Figure, keep_observers: bool = False) -> None:
        rebuilt.append(True)
        original(fig, keep_observers)

    monkeypatch.setattr(Figure, "clear", counting_clear)
    live.render(sim.run(name, seed=1))
    assert rebuilt == [], "a redraw of the same layout must not rebuild the figure"
