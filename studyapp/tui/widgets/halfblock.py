"""Convert RGBA pixels to terminal cells: one '▀' per two pixel rows, runs of equal colours merged.

A plot's text (``sim.cell_text.CellText``) is drawn over the cells as real characters: each
character keeps the colour of the pixels under it as its background, and its own colour where that
stands out against them (else white or black, whichever reads better).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

if TYPE_CHECKING:
    from sim.cell_text import CellText

UPPER_HALF = "▀"
#: The least contrast ratio (WCAG's formula) between a character and the cell behind it.
MIN_CONTRAST = 3.0

_styles: dict[int, Style] = {}


def _style(key: int) -> Style:
    """The style for a packed (top << 24 | bottom) colour pair, cached."""
    style = _styles.get(key)
    if style is None:
        top, bottom = key >> 24, key & 0xFFFFFF
        style = Style(
            color=Color.from_rgb(top >> 16, (top >> 8) & 0xFF, top & 0xFF),
            bgcolor=Color.from_rgb(bottom >> 16, (bottom >> 8) & 0xFF, bottom & 0xFF),
        )
        if len(_styles) > 65536:
            _styles.clear()
        _styles[key] = style
    return style


def pack_rows(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3+) pixels -> (ceil(H/2), W) int64 keys packing the top and bottom pixel colours."""
    rgb = rgba[..., :3].astype(np.int64)
    if rgb.shape[0] % 2:
        rgb = np.concatenate([rgb, rgb[-1:]], axis=0)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    result: np.ndarray = (packed[0::2] << 24) | packed[1::2]
    return result


def _pixel_segments(row: np.ndarray, start: int, end: int) -> list[Segment]:
    """Half-block segments for cells ``start:end`` of one packed row, runs of equal colours merged."""
    part = row[start:end]
    if not len(part):
        return []
    changes = np.flatnonzero(part[1:] != part[:-1]) + 1
    bounds = [0, *changes.tolist(), len(part)]
    values = part[bounds[:-1]].tolist()
    return [
        Segment(UPPER_HALF * (stop - first), _style(key))
        for first, stop, key in zip(bounds[:-1], bounds[1:], values, strict=True)
    ]


def _luminance(rgb: int) -> float:
    """WCAG relative luminance of a packed 0xRRGGBB colour."""
    channels = []
    for shift in (16, 8, 0):
        value = ((rgb >> shift) & 0xFF) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _contrast(first: int, second: int) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


_text_styles: dict[tuple[str, int, bool], Style] = {}


def _text_style(colour: str, key: int, bold: bool) -> Style:
    """A character's style over the cell whose packed pixel pair is ``key`` (cached)."""
    style = _text_styles.get((colour, key, bold))
    if style is None:
        if len(_text_styles) > 65536:
            _text_styles.clear()
        style = _text_styles[(colour, key, bold)] = _make_text_style(colour, key, bold)
    return style


def _make_text_style(colour: str, key: int, bold: bool) -> Style:
    top, bottom = key >> 24, key & 0xFFFFFF
    background = 0
    for shift in (16, 8, 0):  # the two pixels' mean
        background |= ((((top >> shift) & 0xFF) + ((bottom >> shift) & 0xFF)) // 2) << shift
    wanted = int(colour.lstrip("#"), 16) if colour.startswith("#") and len(colour) == 7 else 0x888888
    if _contrast(wanted, background) < MIN_CONTRAST:
        wanted = max((0xFFFFFF, 0x000000), key=lambda candidate: _contrast(candidate, background))
    return Style(
        color=Color.from_rgb(wanted >> 16, (wanted >> 8) & 0xFF, wanted & 0xFF),
        bgcolor=Color.from_rgb(background >> 16, (background >> 8) & 0xFF, background & 0xFF),
        bold=bold,
    )


def _text_segments(text: CellText, row: np.ndarray) -> list[Segment]:
    """The characters of ``text``, each over its cell's colours; runs over equal cells merged."""
    segments: list[Segment] = []
    run, run_key = "", -1
    for offset, character in enumerate(text.text):
        key = int(row[text.col + offset])
        if key != run_key and run:
            segments.append(Segment(run, _text_style(text.colour, run_key, text.bold)))
            run = ""
        run, run_key = run + character, key
    if run:
        segments.append(Segment(run, _text_style(text.colour, run_key, text.bold)))
    return segments


def halfblock_strips(rgba: np.ndarray, texts: Sequence[CellText] = ()) -> list[Strip]:
    """One Strip per terminal row for an (H, W, 4) uint8 image (W cells by H/2 rows), with ``texts``
    drawn over it as characters."""
    keys = pack_rows(rgba)
    height, width = keys.shape
    by_row: dict[int, list[CellText]] = {}
    for text in texts:
        if 0 <= text.row < height and text.col >= 0 and text.col + len(text.text) <= width:
            by_row.setdefault(text.row, []).append(text)
    strips = []
    for index, row in enumerate(keys):
        segments: list[Segment] = []
        position = 0
        for text in sorted(by_row.get(index, ()), key=lambda item: item.col):
            if text.col < position:
                continue
            segments += _pixel_segments(row, position, text.col)
            for offset, character in enumerate(text.text):
                segments.append(
                    Segment(character, _text_style(text.colour, int(row[text.col + offset]), text.bold))
                )
            position = text.col + len(text.text)
        segments += _pixel_segments(row, position, width)
        strips.append(Strip(segments, width))
    return strips


#: Shades for a cell whose two pixels both differ from the background, by how much they differ.
SHADES = "░▒▓█"
#: A pixel differs from the background by more than this (the largest channel difference, 0-255).
SHADE_THRESHOLD = 40


def shade_strips(rgba: np.ndarray, texts: Sequence[CellText] = ()) -> list[Strip]:
    """The plot without colour: '▀', '▄' or a shade where pixels differ from the background, and
    ``texts`` as characters; for terminals (or NO_COLOR) where colour tells nothing."""
    rgb = rgba[..., :3].astype(np.int16)
    if rgb.shape[0] % 2:
        rgb = np.concatenate([rgb, rgb[-1:]], axis=0)
    background = rgb[0, 0]
    difference = np.abs(rgb - background).max(axis=-1)
    top, bottom = difference[0::2], difference[1::2]
    lines = []
    for top_row, bottom_row in zip(top, bottom, strict=True):
        characters = []
        for upper, lower in zip(top_row.tolist(), bottom_row.tolist(), strict=True):
            if upper > SHADE_THRESHOLD and lower > SHADE_THRESHOLD:
                level = min((upper + lower) // 2 * len(SHADES) // 256, len(SHADES) - 1)
                characters.append(SHADES[level])
            elif upper > SHADE_THRESHOLD:
                characters.append("▀")
            elif lower > SHADE_THRESHOLD:
                characters.append("▄")
            else:
                characters.append(" ")
        lines.append(characters)
    bold_cells: set[tuple[int, int]] = set()
    for text in texts:
        if 0 <= text.row < len(lines) and text.col >= 0 and text.col + len(text.text) <= len(lines[0]):
            lines[text.row][text.col : text.col + len(text.text)] = list(text.text)
            if text.bold:
                bold_cells.update((text.row, text.col + i) for i in range(len(text.text)))
    plain, bold = Style(), Style(bold=True)
    strips = []
    for index, characters in enumerate(lines):
        segments = [
            Segment(character, bold if (index, col) in bold_cells else plain)
            for col, character in enumerate(characters)
        ]
        strips.append(Strip(Segment.simplify(segments), len(characters)))
    return strips
