"""Arrows as polygons in data coordinates, shaped as ``quiver`` shapes them, drawn as one collection."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from sim.layout import Layout


def arrows(
    layout: Layout, ax: Axes, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, width: float,
    **style: Any,
) -> None:  # fmt: skip
    """Arrows from ``(x, y)`` to ``(x + u, y + v)``, ``width`` wide (data units), shaped as by ``quiver``.

    For axes of equal aspect: the arrows are polygons in data coordinates, one collection built
    once, where ``quiver`` rebuilds its geometry on every draw. Zero or undefined vectors are left out.
    """
    x, y, u, v = (np.ravel(np.asarray(a, dtype=float)) for a in (x, y, u, v))
    norm = np.hypot(u, v)
    keep = np.isfinite(norm) & (norm > 0)
    x, y, u, v, norm = x[keep], y[keep], u[keep], v[keep], norm[keep]
    n = (norm / width)[:, None]  # lengths in shaft widths
    head_width, head_length, head_axis = 3.0, 5.0, 4.5  # quiver's defaults, in shaft widths
    along = np.array([0.0, -head_axis, -head_length, 0.0, -head_length, -head_axis, 0.0, 0.0])
    along = along + np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]) * n
    across = 0.5 * np.array([1.0, 1.0, head_width, 0.0, -head_width, -1.0, -1.0, 1.0])
    # Shorter than its head: a head alone, shrunk (quiver's minshaft = 1).
    short = n < head_length
    head = np.array([0.0, head_length - head_axis, 0.0, head_length, 0.0, head_length - head_axis, 0.0, 0.0])
    along = np.where(short, n / head_length * head, along)
    across = np.where(short, n / head_length * across, across)
    cos, sin = (u / norm)[:, None], (v / norm)[:, None]
    verts = np.stack([x[:, None] + width * (along * cos - across * sin),
                      y[:, None] + width * (along * sin + across * cos)], axis=-1)  # fmt: skip

    def polygons() -> PolyCollection:
        made = PolyCollection(list(verts), closed=False, linewidths=0, **style)
        ax.add_collection(made, autolim=False)
        return made

    def reshape(made: PolyCollection) -> None:
        made.set_verts(list(verts), closed=False)
        made.set(**style)
        ax.add_collection(made, autolim=False)

    layout.artist(ax, f"arrows {sorted(style)}", polygons, reshape)
