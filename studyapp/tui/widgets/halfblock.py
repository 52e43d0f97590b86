"""Convert RGBA pixels to terminal cells: one '▀' per two pixel rows, runs of equal colours merged.

A plot's text (``sim.cell_text.CellText``) is drawn over the cells as real characters: each
character keeps the colour of the pixels under it as its background, and its own colour where that
stands out against them (else white or black, whichever reads better).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

if TYPE_CHECKING:
    from sim.cell_text import CellText

UPPER_HALF = "▀"
#: The least contrast ratio (WCAG's formula) between a character and the cell behind it.
MIN_CONTRAST = 3.0

_styles: dict[int, Style] = {}
_colours: dict[int, Color] = {}


def _colour(rgb: int) -> Color:
    """The true colour 0xRRGGBB, cached (antialiased plots meet hundreds of new colour pairs a frame, but
    far fewer new colours)."""
    colour = _colours.get(rgb)
    if colour is None:
        if len(_colours) > 65536:
            _colours.clear()
        triplet = ColorTriplet(rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF)
        colour = _colours[rgb] = Color(f"#{rgb:06x}", ColorType.TRUECOLOR, triplet=triplet)  # from_rgb
    return colour


def _style(key: int) -> Style:
    """The style for a packed (top << 24 | bottom) colour pair, cached."""
    style = _styles.get(key)
    if style is None:
        style = Style.from_color(_colour(key >> 24), _colour(key & 0xFFFFFF))
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


#: A run of cells is at most this long (wider plots are cut in runs).
LONGEST_RUN = 4096
_segments: dict[int, Segment] = {}


def _run_segment(code: int) -> Segment:
    """The segment of a run packed as ``colour pair * LONGEST_RUN + length`` (cached: it is immutable)."""
    segment = _segments.get(code)
    if segment is None:
        if len(_segments) > 65536:
            _segments.clear()
        key, length = divmod(code, LONGEST_RUN)
        segment = _segments[code] = Segment(UPPER_HALF * length, _style(key))
    return segment


@dataclass
class _Runs:
    """The runs of equal cells of every row, row after row: ``rows[i]:rows[i + 1]`` are row ``i``'s."""

    rows: list[int]
    cols: list[int]
    lengths: list[int]
    keys: list[int]
    segments: list[Segment]


def _runs(keys: np.ndarray) -> _Runs:
    """Every run of equal cells in every row of packed ``keys``, found at once, with its segment."""
    height, width = keys.shape
    starts_at = np.ones((height, width), dtype=bool)
    starts_at[:, 1:] = keys[:, 1:] != keys[:, :-1]
    starts = np.flatnonzero(starts_at)
    lengths = np.diff(starts, append=height * width)
    run_keys = keys.ravel()[starts]
    if width >= LONGEST_RUN:  # runs that long are cut, so that a length fits in a packed code
        starts, lengths, run_keys = _cut(starts, lengths, run_keys)
    unique, which = np.unique(run_keys * LONGEST_RUN + lengths, return_inverse=True)
    made = [_run_segment(code) for code in unique.tolist()]
    return _Runs(
        np.searchsorted(starts, np.arange(height + 1) * width).tolist(),
        (starts % width).tolist(),
        lengths.tolist(),
        run_keys.tolist(),
        [made[i] for i in which.tolist()],
    )


def _cut(starts: np.ndarray, lengths: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Runs cut in pieces shorter than ``LONGEST_RUN``."""
    pieces = -(-lengths // (LONGEST_RUN - 1))
    first = np.repeat(starts, pieces) + (
        np.arange(pieces.sum()) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    ) * (LONGEST_RUN - 1)
    ends = np.repeat(starts + lengths, pieces)
    return first, np.minimum(ends - first, LONGEST_RUN - 1), np.repeat(keys, pieces)


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


class _RecentRows:
    """The last frame's rows, by what they show: an unchanged row keeps its Strip (and the Strip's caches)."""

    def __init__(self) -> None:
        self.rows: dict[object, Strip] = {}


_recent = _RecentRows()


def halfblock_strips(rgba: np.ndarray, texts: Sequence[CellText] = ()) -> list[Strip]:
    """One Strip per terminal row for an (H, W, 4) uint8 image (W cells by H/2 rows), with ``texts``
    drawn over it as characters.

    The runs of equal cells of the whole image are found at once (numpy), and a run's segment is made
    once for its colours and length: a row is then a slice of ready segments, cut where a text goes.
    A row that shows what a row of the last frame showed gets that row's Strip back.
    """
    keys = pack_rows(rgba)
    height, width = keys.shape
    by_row: dict[int, list[CellText]] = {}
    for text in texts:
        if 0 <= text.row < height and text.col >= 0 and text.col + len(text.text) <= width:
            by_row.setdefault(text.row, []).append(text)
    runs = _runs(keys)
    strips: list[Strip] = []
    rows: dict[object, Strip] = {}
    for index in range(height):
        on_row = by_row.get(index)
        shown = (keys[index].tobytes(), tuple(on_row) if on_row else ())
        strip = _recent.rows.get(shown)
        if strip is None:
            first, last = runs.rows[index], runs.rows[index + 1]
            if on_row is None:
                segments = runs.segments[first:last]
            else:
                segments = _with_texts(keys[index], runs, first, last, on_row)
            strip = Strip(segments, width)
        strips.append(strip)
        rows[shown] = strip
    _recent.rows = rows
    return strips


def _with_texts(row: np.ndarray, runs: _Runs, first: int, last: int, texts: list[CellText]) -> list[Segment]:
    """One row's segments (its runs are ``first:last`` of ``runs``), cut where ``texts`` are drawn."""
    segments: list[Segment] = []
    position = 0
    for text in sorted(texts, key=lambda item: item.col):
        if text.col < position:
            continue  # it would overlap the text before it
        segments += _gap(runs, first, last, position, text.col)
        segments += _text_segments(text, row)
        position = text.col + len(text.text)
    return segments + _gap(runs, first, last, position, len(row))


def _gap(runs: _Runs, first: int, last: int, start: int, stop: int) -> list[Segment]:
    """The segments of columns ``start:stop`` of a row whose runs are ``first:last`` of ``runs``."""
    if start >= stop:
        return []
    head = bisect.bisect_right(runs.cols, start, first, last) - 1  # the run holding ``start``
    tail = bisect.bisect_left(runs.cols, stop, first, last) - 1  # the run holding ``stop - 1``
    if head == tail:
        return [_run_segment(runs.keys[head] * LONGEST_RUN + stop - start)]
    head_end = runs.cols[head] + runs.lengths[head]
    tail_start = runs.cols[tail]
    segments = [
        runs.segments[head]
        if start == runs.cols[head]
        else _run_segment(runs.keys[head] * LONGEST_RUN + head_end - start)
    ]
    segments += runs.segments[head + 1 : tail]
    if stop == tail_start + runs.lengths[tail]:
        segments.append(runs.segments[tail])
    else:
        segments.append(_run_segment(runs.keys[tail] * LONGEST_RUN + stop - tail_start))
    return segments


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
