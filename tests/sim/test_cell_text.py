"""A figure's text as terminal cells: where each text goes, what wins an overlap, mathtext as plain text."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import plotting
from sim.cell_text import (
    RANK_ANNOTATION,
    RANK_TICK,
    RANK_TITLE,
    CellText,
    PlacedText,
    collect,
    place,
    plain_text,
    prepare,
)

CELL = (2.0, 4.0)


def placed(text: str, x: float, y: float, ha: str = "left", rank: int = RANK_TICK) -> PlacedText:
    return PlacedText(text, x, y, ha, "center", "#ffffff", rank)


def test_anchors_become_cells_by_alignment() -> None:
    cells = place(
        [placed("abc", 20, 10, "left"), placed("abc", 20, 30, "right"), placed("abcd", 20, 50, "center")],
        cols=40,
        rows=20,
        cell=CELL,
    )
    assert [(c.row, c.col, c.text) for c in cells] == [(2, 10, "abc"), (7, 7, "abc"), (12, 8, "abcd")]


def test_an_overlapping_text_of_a_lower_rank_is_dropped() -> None:
    title = placed("Loss over steps", 40, 2, "center", RANK_TITLE)
    tick = placed("0.5", 40, 2, "center", RANK_TICK)
    cells = place([tick, title], cols=40, rows=10, cell=CELL)
    assert [c.text for c in cells] == ["Loss over steps"]


def test_a_tick_label_off_the_grid_is_dropped_and_a_label_is_pulled_in() -> None:
    cells = place(
        [placed("-10", -4, 10, "left", RANK_TICK), placed("weight", -4, 20, "left", RANK_ANNOTATION)],
        cols=20,
        rows=10,
        cell=CELL,
    )
    assert cells == [CellText(5, 0, "weight", "#ffffff")]


def test_a_title_wider_than_the_plot_is_cut_with_an_ellipsis() -> None:
    (cell,) = place([placed("a very long title indeed", 10, 2, "center", RANK_TITLE)], 10, 5, CELL)
    assert cell.text == "a very lo…" and cell.col == 0


def test_multiline_text_keeps_its_lines_centred_on_the_anchor() -> None:
    cells = place([PlacedText("x\n1.5", 20, 20, "center", "center", "#fff", RANK_ANNOTATION)], 40, 20, CELL)
    assert [(c.row, c.text) for c in cells] == [(4, "x"), (5, "1.5")]


@pytest.mark.parametrize(
    ("mathtext", "plain"),
    [
        ("$\\mathdefault{10^{-2}}$", "10⁻²"),
        ("$10^{3}$", "10³"),
        ("−0.5", "−0.5"),
        ("$2\\times10^{4}$", "2×10⁴"),
    ],
)
def test_mathtext_tick_labels_become_plain_text(mathtext: str, plain: str) -> None:
    assert plain_text(mathtext) == plain


def test_tick_labels_sit_where_matplotlib_puts_the_ticks() -> None:
    """The oracle: matplotlib's own transform of each tick value, converted to cells by hand."""
    fig = plotting.new_figure(160, 120)
    ax = fig.subplots()
    ax.plot([0, 10], [0, 100])
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 100)
    taken = prepare(fig, CELL)
    plotting.to_rgba(fig)
    cells = place(collect(fig, taken, CELL), 80, 30, CELL)
    below = int((120 - ax.bbox.y0) // CELL[1])
    left = ax.bbox.x0 / CELL[0]
    y_ticks = [c for c in cells if c.text.isdigit() and c.col + len(c.text) <= left]
    x_ticks = [c for c in cells if c.text.isdigit() and c.row == below and c not in y_ticks]
    assert len(x_ticks) >= 2 and len(y_ticks) >= 2
    for cell in x_ticks:
        x = ax.transData.transform((float(cell.text), 0))[0]
        assert abs(cell.col + len(cell.text) / 2 - x / CELL[0]) <= 1, cell
    for cell in y_ticks:
        y = 120 - ax.transData.transform((0, float(cell.text)))[1]
        assert cell.row == int(y // CELL[1]), cell


@pytest.mark.parametrize("name", sim.NAMES)
def test_every_simulation_has_its_titles_and_tick_labels_as_text(name: str) -> None:
    renderer = plotting.Renderer(236, 148, cells=(2, 4))  # a 120x40 terminal's plot area, oversampled
    renderer.render(sim.run(name))
    texts = [cell.text for cell in renderer.texts]
    assert any(cell.bold for cell in renderer.texts), f"{name}: no panel title"
    numbers = [text for text in texts if any(ch.isdigit() for ch in text)]
    assert len(numbers) >= 2, f"{name}: no tick labels or numbers: {texts}"
    rows = {cell.row for cell in renderer.texts}
    assert all(0 <= row < 37 for row in rows)


def test_text_cells_never_overlap() -> None:
    for name in sim.NAMES:
        renderer = plotting.Renderer(236, 148, cells=(2, 4))
        renderer.render(sim.run(name))
        grid = np.zeros((37, 118), dtype=int)
        for cell in renderer.texts:
            grid[cell.row, cell.col : cell.col + len(cell.text)] += 1
        assert grid.max() <= 1, name
