"""Numeric questions about convolutional networks: output sizes, filter responses and pooling."""

from __future__ import annotations

import math

import numpy as np

import sim
from studyapp.quiz.numeric_base import (
    EXACT,
    SIGNIFICANT,
    THREE_FIGURES,
    Numeric,
    NumericKind,
    Step,
    factor,
    grid,
    ordinal_cell,
    pick,
    shown,
    side_by_side,
    total,
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
    span = n + 2 * p - k
    positions = span / s
    solution = (
        Step("output size", "⌊(n + 2p − k)/s⌋ + 1", f"⌊({n} + 2·{p} − {k})/{s}⌋ + 1", value),
        Step("n + 2p − k", "", f"{n} + {2 * p} − {k}", span),
        Step("(n + 2p − k)/s", "", f"{span}/{s}", positions),
        Step("⌊(n + 2p − k)/s⌋", "", f"⌊{shown(positions)}⌋", math.floor(positions)),
        Step("output size", "⌊(n + 2p − k)/s⌋ + 1", f"{math.floor(positions)} + 1", value),
    )
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
        explanation=(
            "The kernel fits once at the start of the padded input and once more per whole stride that "
            "still leaves room for it: a stride that does not fit is dropped (rounded down)."
        ),
        tolerance=EXACT,
        solution=solution,
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
    where = ordinal_cell(r, c)
    solution = filter_steps(kernel, patch[r : r + kernel.shape[0], c : c + kernel.shape[1]], where, value)
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
            (
                "used the other Sobel kernel (horizontal for vertical or the reverse)",
                sim.conv2d(patch, sim.FILTERS[other])[r, c],
            )
        )
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
        solution=solution,
    )


def filter_steps(kernel: np.ndarray, window: np.ndarray, where: str, value: float) -> tuple[Step, ...]:
    """Cross-correlation at one place: every product, the sum of each row of products, and their total."""
    label = f"output at {where}"
    rows = [
        [f"{factor(k)}·{factor(x)}" for k, x in zip(krow, xrow, strict=True)]
        for krow, xrow in zip(kernel, window, strict=True)
    ]
    sums = [float(np.sum(krow * xrow)) for krow, xrow in zip(kernel, window, strict=True)]
    every = " + ".join(product for row in rows for product in row)
    return (
        Step(label, "Σᵢ Σⱼ K[i, j]·x[r + i, c + j]", every, value),
        *(Step(f"row {i + 1} of products", "", " + ".join(row), sums[i]) for i, row in enumerate(rows)),
        Step(label, "sum of the rows", total(sums), value),
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
    values = np.asarray(x, dtype=np.float64)
    if kind.startswith("global_"):
        solution = global_pool_steps(values, rule, value)
        candidates = [(swapped, sim.global_pool(x, other))]
        prompt = f"Global {POOL_NAMES[rule]} pooling reduces {the_map}\nto one number. What is it?"
        explanation = f"The {POOL_NAMES[rule]} of all {size * size} values: {shown(value)}."
    else:
        solution = window_pool_steps(values, rule, window, stride, (r, c), value)
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
        solution=solution,
    )


def listed(values: np.ndarray) -> str:
    """``3, 5, 2, 7``: the values of an array, row after row."""
    return ", ".join(shown(v) for v in values.ravel())


def window_pool_steps(
    x: np.ndarray, rule: str, window: int, stride: int, cell: tuple[int, int], value: float
) -> tuple[Step, ...]:
    """Where the window of output ``cell`` starts, its values, and their max or average."""
    r, c = cell
    top, left = r * stride, c * stride
    part = x[top : top + window, left : left + window]
    label = f"output at {ordinal_cell(r, c)}"
    name = POOL_NAMES[rule]
    formula = f"{name} of the {window}x{window} window at row (R − 1)·s + 1, column (C − 1)·s + 1"
    numbers = f"{name} of the window at row ({r + 1} − 1)·{stride} + 1, column ({c + 1} − 1)·{stride} + 1"
    steps = [
        Step(label, formula, numbers, value),
        Step("first row of the window", "(R − 1)·s + 1", f"({r + 1} − 1)·{stride} + 1", top + 1),
        Step("first column of the window", "(C − 1)·s + 1", f"({c + 1} − 1)·{stride} + 1", left + 1),
    ]
    if rule == "max":
        steps.append(Step(label, "max of the window", f"max({listed(part)})", value))
    else:
        summed = float(np.sum(part))
        steps.append(Step("sum of the window", "", total(part.ravel().tolist()), summed))
        steps.append(Step(label, f"sum/{window}²", f"{shown(summed)}/{window * window}", value))
    return tuple(steps)


def global_pool_steps(x: np.ndarray, rule: str, value: float) -> tuple[Step, ...]:
    """Global pooling row by row: each row's max (or sum), then the max (or average) of the whole map."""
    size = x.shape[0] * x.shape[1]
    label = f"global {POOL_NAMES[rule]}"
    if rule == "max":
        maxima = [float(np.max(row)) for row in x]
        return (
            Step(label, "max of the row maxima", f"max of the maxima of the {x.shape[0]} rows", value),
            *(
                Step(f"max of row {i + 1}", "", f"max({listed(row)})", m)
                for i, (row, m) in enumerate(zip(x, maxima, strict=True))
            ),
            Step(label, "max of the row maxima", f"max({', '.join(shown(m) for m in maxima)})", value),
        )
    sums = [float(np.sum(row)) for row in x]
    summed = float(np.sum(sums))
    return (
        Step(label, "sum of all values/n²", f"(sum of the {x.shape[0]} row sums)/{size}", value),
        *(
            Step(f"sum of row {i + 1}", "", total(row.tolist()), v)
            for i, (row, v) in enumerate(zip(x, sums, strict=True))
        ),
        Step("sum of all values", "", total(sums), summed),
        Step(label, "sum of all values/n²", f"{shown(summed)}/{size}", value),
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
