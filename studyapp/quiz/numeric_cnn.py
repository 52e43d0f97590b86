"""Numeric questions about convolutional networks: output sizes, filter responses and pooling."""

from __future__ import annotations

import numpy as np

import sim
from studyapp.quiz.numeric_base import (
    EXACT,
    SIGNIFICANT,
    THREE_FIGURES,
    Numeric,
    NumericKind,
    grid,
    ordinal_cell,
    pick,
    shown,
    side_by_side,
)

KERNEL_SIZES = (1, 2, 3, 5, 7)
FILTER_NAMES = {
    "sobel_vertical": "Sobel vertical",
    "sobel_horizontal": "Sobel horizontal",
    "laplacian": "Laplacian",
    "laplacian_diagonal": "diagonal Laplacian",
    "sharpen": "sharpen",
}
OTHER_SOBEL = {"sobel_vertical": "sobel_horizontal", "sobel_horizontal": "sobel_vertical"}
POOL_KINDS = ("max", "max", "avg", "avg", "global_max", "global_avg")
POOL_NAMES = {"max": "max", "avg": "average"}


def kernel_text(size: int) -> str:
    """A size x size edge kernel for the convolution simulation's ``kernel`` text: columns -k+1 .. k-1."""
    if size == 1:
        return "1"
    row = " ".join(str(2 * j - (size - 1)) for j in range(size))
    return "; ".join([row] * size)


def output_size(rng: np.random.Generator, seed: int) -> Numeric:
    """The side of a convolution's feature map for a random input, kernel, padding and stride."""
    n = int(rng.integers(16, 129))
    k = int(pick(rng, KERNEL_SIZES))
    p = int(rng.integers(0, 5))
    s = int(rng.integers(1, 5))
    value = sim.output_size(n, k, stride=s, padding=p)
    candidates = [
        ("forgot the padding", sim.output_size(n, k, stride=s, padding=0)),
        ("padded one side only", sim.output_size(n + p, k, stride=s, padding=0)),
        ("forgot the +1 in floor((n + 2p − k) / s) + 1", (n + 2 * p - k) // s),
        ("ignored the stride", sim.output_size(n, k, stride=1, padding=p)),
        ("forgot to round down", (n + 2 * p - k) / s + 1),
    ]
    return Numeric(
        prompt=(
            f"A {n}x{n} input, a {k}x{k} kernel, padding {p}, stride {s}: what is the output size "
            "(the side of the square feature map)?"
        ),
        value=float(value),
        params={"n": n, "kernel": k, "padding": p, "stride": s},
        sim="convolution",
        sim_params={
            "image": "shapes",
            "size": n,
            "filter": "custom",
            "kernel": kernel_text(k),
            "stride": s,
            "padding": p,
            "padding_mode": "zeros",
        },
        mistakes=tuple(candidates),
        explanation=f"floor((n + 2p − k) / s) + 1 = floor(({n} + {2 * p} − {k}) / {s}) + 1 = {value}",
        tolerance=EXACT,
    )


def filter_cell(rng: np.random.Generator, seed: int) -> Numeric:
    """One output of a classic 3x3 filter slid over a small patch of integers."""
    size = int(pick(rng, (3, 4, 5)))
    patch = rng.integers(0, 10, (size, size)).astype(np.float64)
    name = str(pick(rng, tuple(FILTER_NAMES)))
    kernel = sim.FILTERS[name]
    out = sim.conv2d(patch, kernel)
    r, c = int(rng.integers(out.shape[0])), int(rng.integers(out.shape[1]))
    value = float(out[r, c])
    candidates = [
        (
            "flipped the kernel (true convolution instead of cross-correlation)",
            sim.conv2d(patch, np.flip(kernel))[r, c],
        ),
        ("swapped the row and the column", out[c, r]),
    ]
    if name in OTHER_SOBEL:
        other = OTHER_SOBEL[name]
        candidates.append(
            (f"used the {FILTER_NAMES[other]} kernel", sim.conv2d(patch, sim.FILTERS[other])[r, c])
        )
    where = ordinal_cell(r, c)
    shape = f"{out.shape[0]}x{out.shape[1]}"
    return Numeric(
        prompt=(
            f"Slide the {FILTER_NAMES[name]} kernel over this {size}x{size} input as a CNN layer does "
            f"(cross-correlation, no padding, stride 1). What is the {shape} output at {where}?\n"
            + side_by_side("input:\n" + grid(patch), "kernel:\n" + grid(kernel))
        ),
        value=value,
        params={"patch": patch.astype(int).tolist(), "filter": name, "row": r, "col": c},
        sim="convolution",
        sim_params={"filter": name, "stride": 1, "padding": 0},
        mistakes=tuple(candidates),
        explanation=(
            f"Multiply the kernel element-wise with the input window at {where} (top-left corner there) "
            f"and add up the products: {shown(value)}."
        ),
        tolerance=EXACT,
    )


def pooled_value(rng: np.random.Generator, seed: int) -> Numeric:
    """A value of max, average or global pooling of the pooling simulation's random integer map."""
    kind = str(pick(rng, POOL_KINDS))
    window = int(pick(rng, (2, 3)))
    stride = int(pick(rng, (window, window, 1)))
    size = int(rng.integers(4, 7))
    params = {"kind": kind, "window": window, "stride": stride, "map_size": size, "input": "integers"}
    result = sim.run("pooling", params, seed)
    x = result.data["input"]
    output = np.asarray(result.answers["output"], dtype=np.float64)
    r, c = int(rng.integers(output.shape[0])), int(rng.integers(output.shape[1]))
    value = float(output[r, c])
    rule = kind.removeprefix("global_")
    other = "avg" if rule == "max" else "max"
    swapped = f"used {POOL_NAMES[other]} instead of {POOL_NAMES[rule]} pooling"
    the_map = "this map:\n" + grid(x)
    if kind.startswith("global_"):
        candidates = [(swapped, sim.global_pool(x, other))]
        prompt = f"Global {POOL_NAMES[rule]} pooling reduces {the_map}\nto one number. What is it?"
        explanation = f"The {POOL_NAMES[rule]} of all {size * size} values: {shown(value)}."
    else:
        candidates = [(swapped, sim.pool2d(x, window, stride, other)[r, c])]
        if stride != 1:
            candidates.append(
                ("moved the window by 1 (ignored the stride)", sim.pool2d(x, window, 1, rule)[r, c])
            )
        where = ordinal_cell(r, c)
        prompt = (
            f"{window}x{window} {POOL_NAMES[rule]} pooling with stride {stride} turns {the_map}\n"
            f"into a {output.shape[0]}x{output.shape[1]} map. What is its value at {where}?"
            + ("" if rule == "max" else f" ({SIGNIFICANT})")
        )
        explanation = (
            f"The window at {where} starts at input row {r * stride + 1}, column {c * stride + 1}; "
            f"its {POOL_NAMES[rule]} is {shown(value)}."
        )
    tolerance = EXACT if rule == "max" else THREE_FIGURES
    return Numeric(
        prompt=prompt,
        value=value,
        params={**params, "row": r, "col": c},
        sim="pooling",
        sim_params=params,
        sim_seed=seed,
        mistakes=tuple(candidates),
        explanation=explanation,
        tolerance=tolerance,
    )


KINDS = (
    NumericKind(
        "conv-output-size",
        "Output size of a convolution",
        ("convolution",),
        output_size,
        ("padding", "stride", "striding"),
    ),
    NumericKind(
        "conv-filter-cell", "A filter's response", ("convolution",), filter_cell, ("filter", "kernel")
    ),
    NumericKind("pool-value", "A pooled value", ("pooling",), pooled_value),
)
