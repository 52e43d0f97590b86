"""Convert RGBA pixels to terminal cells: one '▀' per two pixel rows, runs of equal colours merged."""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

UPPER_HALF = "▀"

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


def halfblock_strips(rgba: np.ndarray) -> list[Strip]:
    """One Strip per terminal row for an (H, W, 4) uint8 image; the image is W cells by H/2 rows."""
    keys = pack_rows(rgba)
    width = keys.shape[1]
    strips = []
    for row in keys:
        starts = np.flatnonzero(row[1:] != row[:-1]) + 1
        bounds = [0, *starts.tolist(), width]
        values = row[bounds[:-1]].tolist()
        segments = [
            Segment(UPPER_HALF * (end - start), _style(key))
            for start, end, key in zip(bounds[:-1], bounds[1:], values, strict=True)
        ]
        strips.append(Strip(segments, width))
    return strips
