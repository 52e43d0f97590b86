"""2-D convolution (cross-correlation, as in deep-learning frameworks), pooling and classic filters.

Every function works on float64 numpy arrays and follows PyTorch's conventions: ``conv2d`` matches
``torch.nn.Conv2d`` (single channel, no bias) including its padding modes, and ``pool2d`` matches
``torch.nn.functional.max_pool2d`` / ``avg_pool2d`` without padding.

The kernels are computed as a sum of shifted, strided views of the (padded) input, accumulated into one
preallocated output: each non-zero kernel weight costs one multiply-add pass over the output (with stride 1
the views are contiguous runs of the flattened input). Measured against a sliding-window ``einsum`` and
``tensordot`` (im2col) this wins for kernels from 3x3 to 11x11.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np

PADDING_MODES: tuple[str, ...] = ("zeros", "replicate", "reflect", "circular")
POOL_KINDS: tuple[str, ...] = ("max", "avg")

#: ``numpy.pad`` mode for each ``padding_mode`` (the names torch uses).
_NUMPY_PAD_MODES: dict[str, Literal["edge", "reflect", "wrap"]] = {
    "replicate": "edge",
    "reflect": "reflect",
    "circular": "wrap",
}

IntPair = int | tuple[int, int]


def _readonly(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    array = np.array(rows, dtype=np.float64) * scale
    array.setflags(write=False)
    return array


#: Named 3x3 kernels. ``sobel_horizontal`` responds to horizontal edges (intensity changing from top to
#: bottom), ``sobel_vertical`` to vertical edges (changing from left to right).
FILTERS: dict[str, np.ndarray] = {
    "sobel_horizontal": _readonly([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "sobel_vertical": _readonly([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "laplacian": _readonly([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "laplacian_diagonal": _readonly([[1, 1, 1], [1, -8, 1], [1, 1, 1]]),
    "blur": _readonly([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1.0 / 16.0),
    "box_blur": _readonly([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1.0 / 9.0),
    "sharpen": _readonly([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "identity": _readonly([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _pair(value: Any, name: str, minimum: int) -> tuple[int, int]:
    """``value`` as an (h, w) pair of ints, each at least ``minimum``."""
    bound = "positive integer" if minimum == 1 else f"integer >= {minimum}"
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, tuple | list) and len(value) == 2 and all(_is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name} must be a {bound} or an (h, w) pair of them, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be a {bound} or an (h, w) pair of them, got {value!r}")
    return pair


def _as_map(x: Any, name: str) -> np.ndarray:
    """``x`` as a finite, non-empty 2-D float64 array."""
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of real numbers, got {type(x).__name__}") from None
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must contain only finite values (no NaN or infinity)")
    return array


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Length of a convolution or pooling output along one axis: floor((n + 2p - k) / s) + 1."""
    for name, value, minimum in (("n", n, 1), ("kernel", kernel, 1), ("stride", stride, 1)):
        if not _is_int(value) or value < minimum:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not _is_int(padding) or padding < 0:
        raise ValueError(f"padding must be an integer >= 0, got {padding!r}")
    if kernel > n + 2 * padding:
        raise ValueError(
            f"kernel must be at most the padded input size n + 2 * padding = {n + 2 * padding}, got {kernel}"
        )
    return (n + 2 * padding - kernel) // stride + 1


def pad(x: Any, padding: IntPair, padding_mode: str = "zeros") -> np.ndarray:
    """``x`` padded by ``padding`` on both sides of each axis, as ``torch.nn.Conv2d``'s ``padding_mode``."""
    array = _as_map(x, "x")
    padded = _pad(array, padding, padding_mode)
    return padded.copy() if padded is array else padded


def _pad(x: np.ndarray, padding: IntPair, padding_mode: str) -> np.ndarray:
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {', '.join(PADDING_MODES)}, got {padding_mode!r}")
    ph, pw = _pair(padding, "padding", 0)
    rows, cols = x.shape
    if padding_mode == "reflect" and (ph >= rows or pw >= cols):
        raise ValueError(
            f"padding must be smaller than the input size {rows}x{cols} for reflect padding, got {(ph, pw)}"
        )
    if padding_mode == "circular" and (ph > rows or pw > cols):
        raise ValueError(
            f"padding must be at most the input size {rows}x{cols} for circular padding, got {(ph, pw)}"
        )
    if ph == 0 and pw == 0:
        return x
    if padding_mode == "zeros":
        padded = np.zeros((rows + 2 * ph, cols + 2 * pw))
        padded[ph : ph + rows, pw : pw + cols] = x
        return padded
    return np.pad(x, ((ph, ph), (pw, pw)), mode=_NUMPY_PAD_MODES[padding_mode])


def _windows(
    x: np.ndarray, size: tuple[int, int], stride: tuple[int, int], out_shape: tuple[int, int]
) -> Iterator[tuple[tuple[int, int], np.ndarray]]:
    """Yield ((i, j), view): for each offset in the window, the strided view of ``x`` it reads."""
    rows = stride[0] * (out_shape[0] - 1) + 1
    cols = stride[1] * (out_shape[1] - 1) + 1
    for i in range(size[0]):
        for j in range(size[1]):
            yield (i, j), x[i : i + rows : stride[0], j : j + cols : stride[1]]


def conv2d(
    x: Any,
    kernel: Any,
    stride: IntPair = 1,
    padding: IntPair = 0,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D cross-correlation of ``x`` (H, W) with ``kernel`` (kh, kw), as ``torch.nn.Conv2d`` computes it.

    ``out[r, c] = sum_ij kernel[i, j] * padded[r * sh + i, c * sw + j]``; the output has
    floor((H + 2p - k) / s) + 1 entries per axis.
    """
    x = _as_map(x, "x")
    weights = _as_map(kernel, "kernel")
    step = _pair(stride, "stride", 1)
    padded = _pad(x, padding, padding_mode)
    kh, kw = weights.shape
    if kh > padded.shape[0] or kw > padded.shape[1]:
        raise ValueError(
            f"kernel must be at most the padded input size {padded.shape[0]}x{padded.shape[1]}, got {kh}x{kw}"
        )
    out_shape = (
        (padded.shape[0] - kh) // step[0] + 1,
        (padded.shape[1] - kw) // step[1] + 1,
    )
    if step == (1, 1):
        return _correlate_flat(padded, weights, out_shape)
    views = _windows(padded, (kh, kw), step, out_shape)
    return _accumulate(np.empty(out_shape), ((weights[ij], view) for ij, view in views))


def _accumulate(out: np.ndarray, terms: Iterator[tuple[float, np.ndarray]]) -> np.ndarray:
    """``out`` = sum of weight * view over ``terms``, skipping zero weights (``out`` may be uninitialised)."""
    scratch = np.empty_like(out)
    started = False
    for weight, view in terms:
        if weight == 0.0:  # inputs are finite, so a zero weight contributes exactly zero
            continue
        if started:
            np.multiply(view, weight, out=scratch)
            out += scratch
        else:
            np.multiply(view, weight, out=out)
            started = True
    if not started:
        out.fill(0.0)
    return out


def _correlate_flat(padded: np.ndarray, weights: np.ndarray, out_shape: tuple[int, int]) -> np.ndarray:
    """Stride-1 correlation on the flattened input, where every shifted window is one contiguous run.

    Output row r is computed over the full input width (its last kw - 1 entries wrap into the next row
    and are cut off), so each term is a 1-D contiguous multiply-add: ~1.5x faster than 2-D views.
    """
    width = padded.shape[1]
    flat = padded.ravel()
    rows, cols = out_shape
    length = (rows - 1) * width + cols
    out = np.empty(rows * width)  # entries past ``length`` are never shown
    terms = (
        (weights[i, j], flat[i * width + j : i * width + j + length])
        for i in range(weights.shape[0])
        for j in range(weights.shape[1])
    )
    _accumulate(out[:length], terms)
    return out.reshape(rows, width)[:, :cols]


def pool2d(x: Any, size: IntPair, stride: IntPair | None = None, kind: str = "max") -> np.ndarray:
    """Max or average pooling of ``x`` (H, W) over ``size`` windows moved by ``stride`` (default ``size``).

    No padding; the output has floor((H - k) / s) + 1 entries per axis, as in
    ``torch.nn.functional.max_pool2d`` / ``avg_pool2d``.
    """
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(POOL_KINDS)}, got {kind!r}")
    x = _as_map(x, "x")
    window = _pair(size, "size", 1)
    step = window if stride is None else _pair(stride, "stride", 1)
    if window[0] > x.shape[0] or window[1] > x.shape[1]:
        raise ValueError(
            f"size must be at most the input size {x.shape[0]}x{x.shape[1]}, got {window[0]}x{window[1]}"
        )
    out_shape = ((x.shape[0] - window[0]) // step[0] + 1, (x.shape[1] - window[1]) // step[1] + 1)
    views = _windows(x, window, step, out_shape)
    _, first = next(views)
    out = first.copy()
    combine = np.maximum if kind == "max" else np.add
    for _, view in views:
        combine(out, view, out=out)
    if kind == "avg":
        out /= window[0] * window[1]
    return out


def global_pool(x: Any, kind: str = "max") -> float:
    """Global max or average pooling: the whole map reduced to one number."""
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(POOL_KINDS)}, got {kind!r}")
    array = _as_map(x, "x")
    return float(array.max() if kind == "max" else array.mean())
