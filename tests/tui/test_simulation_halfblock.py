"""Half-block rows of a plot, checked cell by cell against the pixels they come from."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color
from textual.strip import Strip

from sim.cell_text import CellText
from studyapp.tui.widgets.halfblock import LONGEST_RUN, MIN_CONTRAST, UPPER_HALF, halfblock_strips

Cell = tuple[str, tuple[int, ...], tuple[int, ...], bool]


def cells(strips: list[Strip]) -> list[list[Cell]]:
    """Every cell of the rows: its character, foreground, background and boldness."""
    rows: list[list[Cell]] = []
    for strip in strips:
        row: list[Cell] = []
        for segment in strip:
            style = segment.style
            assert style is not None and style.color is not None and style.bgcolor is not None
            fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
            row += [(char, tuple(fg), tuple(bg), bool(style.bold)) for char in segment.text]
        rows.append(row)
    return rows


def luminance(rgb: tuple[int, ...]) -> float:
    """WCAG relative luminance."""
    channels = [(c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4) for c in rgb]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(one: tuple[int, ...], other: tuple[int, ...]) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def expected_pixels(rgba: np.ndarray, row: int, col: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The colours of a cell's top and bottom pixels (an odd last row repeats its top)."""
    top = tuple(int(v) for v in rgba[2 * row, col, :3])
    bottom_row = min(2 * row + 1, rgba.shape[0] - 1)
    return top, tuple(int(v) for v in rgba[bottom_row, col, :3])


def check(rgba: np.ndarray, texts: list[CellText]) -> list[Strip]:
    """Convert, and check every cell against the pixels and the texts drawn over them."""
    strips = halfblock_strips(rgba, texts)
    height, width = (rgba.shape[0] + 1) // 2, rgba.shape[1]
    shown = cells(strips)
    assert len(shown) == height and all(len(row) == width for row in shown)
    covered: dict[tuple[int, int], tuple[str, CellText]] = {}
    # A row's texts go left to right; one overlapping the text placed before it is left out.
    ends: dict[int, int] = {}
    for text in sorted(texts, key=lambda item: item.col):
        fits = 0 <= text.row < height and text.col >= 0 and text.col + len(text.text) <= width
        if fits and text.col >= ends.get(text.row, 0):
            ends[text.row] = text.col + len(text.text)
            covered.update({(text.row, text.col + i): (char, text) for i, char in enumerate(text.text)})
    for row in range(height):
        for col in range(width):
            char, fg, bg, bold = shown[row][col]
            top, bottom = expected_pixels(rgba, row, col)
            if (row, col) in covered:
                letter, text = covered[(row, col)]
                mean = tuple((a + b) // 2 for a, b in zip(top, bottom, strict=True))
                assert (char, bg, bold) == (letter, mean, text.bold)
                assert contrast(fg, bg) >= MIN_CONTRAST or fg in {(255, 255, 255), (0, 0, 0)}
                wanted = Color.parse(text.colour).get_truecolor()
                if contrast(tuple(wanted), bg) >= MIN_CONTRAST:
                    assert fg == tuple(wanted), "a readable colour is kept"
            else:
                assert (char, fg, bg) == (UPPER_HALF, top, bottom)
    return strips


@pytest.mark.parametrize("seed", range(6))
def test_every_cell_shows_its_two_pixels_or_its_character(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(1, 14)), int(rng.integers(1, 40))
    # Few colours, so that runs of equal cells form and are cut by the texts.
    rgba = (rng.integers(0, 3, (height, width, 4)) * 120).astype(np.uint8)
    rows = (height + 1) // 2
    colours = ["#ffffff", "#000000", "#3a6fbf", "#777777"]
    texts = [
        CellText(
            int(rng.integers(-1, rows + 1)),
            int(rng.integers(-2, width)),
            "ab" * int(rng.integers(1, 4)),
            str(rng.choice(colours)),
            bool(rng.random() < 0.5),
        )
        for _ in range(int(rng.integers(0, 8)))
    ]
    check(rgba, texts)


def test_a_text_across_several_runs_and_texts_side_by_side() -> None:
    rgba = np.zeros((4, 12, 4), dtype=np.uint8)
    rgba[:, 3:6, 0] = 200  # a red run in the middle of a black row
    rgba[:, 9:, 2] = 200
    red, green = CellText(0, 6, "xy", "#ff0000"), CellText(1, 0, "q", "#00ff00")
    texts = [CellText(0, 2, "abcd", "#ffffff"), red, green]
    check(rgba, texts)


def test_rows_longer_than_a_run_can_be_are_cut() -> None:
    rgba = np.zeros((2, LONGEST_RUN + 10, 4), dtype=np.uint8)
    rgba[:, -3:, 1] = 90
    check(rgba, [CellText(0, LONGEST_RUN - 2, "edge", "#ffffff")])


def test_an_unchanged_row_keeps_its_strip() -> None:
    rng = np.random.default_rng(3)
    rgba = (rng.integers(0, 4, (10, 30, 4)) * 80).astype(np.uint8)
    texts = [CellText(2, 4, "label", "#ffffff")]
    first = check(rgba, texts)
    changed = rgba.copy()
    changed[6:8, 10] = 255  # row 3 only
    second = check(changed, texts)
    assert [a is b for a, b in zip(first, second, strict=True)] == [row != 3 for row in range(5)]
    third = check(changed, [CellText(2, 4, "other", "#ffffff")])
    assert third[2] is not second[2], "a row whose text changed is made anew"
