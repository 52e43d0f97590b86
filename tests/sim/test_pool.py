"""pool2d and global_pool against a loop implementation and torch; the pooling simulation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import sim
from sim import plotting
from sim.conv import global_pool, output_size, pool2d
from sim.simulations.pooling import KINDS, input_map


def loop_pool(x: np.ndarray, size: Any, stride: Any = None, kind: str = "max") -> np.ndarray:
    """Pooling by visiting every window explicitly."""
    kh, kw = (size, size) if isinstance(size, int) else size
    stride = (kh, kw) if stride is None else stride
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    rows = [
        [
            (max if kind == "max" else lambda w: sum(w) / len(w))(
                [x[r + i, c + j] for i in range(kh) for j in range(kw)]
            )
            for c in range(0, x.shape[1] - kw + 1, sw)
        ]
        for r in range(0, x.shape[0] - kh + 1, sh)
    ]
    return np.array(rows, dtype=np.float64)


CASES = [
    # (input shape, size, stride)
    ((8, 8), 2, None),
    ((7, 9), 2, None),
    ((7, 9), 3, 2),
    ((10, 6), (2, 3), None),
    ((10, 6), (3, 2), (1, 2)),
    ((5, 5), 5, None),
    ((6, 11), 1, 3),
    ((9, 9), 4, 1),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_pool2d_matches_a_loop(shape: tuple[int, int], size: Any, stride: Any, kind: str) -> None:
    x = np.random.default_rng(7).standard_normal(shape)
    assert_allclose(pool2d(x, size, stride, kind), loop_pool(x, size, stride, kind), atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_pool2d_matches_torch(shape: tuple[int, int], size: Any, stride: Any, kind: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).standard_normal(shape)
    pooling = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    expected = pooling(torch.from_numpy(x)[None, None], size, stride)[0, 0].numpy()
    assert_allclose(pool2d(x, size, stride, kind), expected, atol=1e-12)


def test_pool2d_stride_defaults_to_the_window_and_leaves_the_input_alone() -> None:
    x = np.arange(36.0).reshape(6, 6)
    copy = x.copy()
    assert_array_equal(pool2d(x, 3), pool2d(x, 3, 3))
    assert_array_equal(pool2d(x, 3), [[14.0, 17.0], [32.0, 35.0]])
    assert_array_equal(pool2d(x, 2, kind="avg"), [[3.5, 5.5, 7.5], [15.5, 17.5, 19.5], [27.5, 29.5, 31.5]])
    assert_array_equal(x, copy)
    assert_array_equal(pool2d([[1, 5], [3, 2]], 2), [[5.0]])


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((np.ones((4, 4)), 2, None, "min"), "kind"),
        ((np.ones((4, 4)), 0), "size"),
        ((np.ones((4, 4)), (2, -1)), "size"),
        ((np.ones((4, 4)), 5), "size"),
        ((np.ones((4, 4)), (1, 5)), "size"),
        ((np.ones((4, 4)), 2, 0), "stride"),
        ((np.ones((4, 4)), 2, 1.0), "stride"),
        ((np.ones(4), 2), "x"),
        ((np.full((4, 4), np.nan), 2), "x"),
    ],
)
def test_pool2d_refuses_bad_arguments_naming_them(args: tuple[Any, ...], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        pool2d(*args)


def test_global_pool_is_the_max_or_mean_of_the_whole_map() -> None:
    x = np.random.default_rng(9).standard_normal((6, 9))
    assert global_pool(x) == x.max() and isinstance(global_pool(x), float)
    assert global_pool(x, "avg") == pytest.approx(np.mean(x), rel=1e-12)
    assert global_pool(x) == pool2d(x, x.shape)[0, 0]
    assert global_pool(x, "avg") == pytest.approx(pool2d(x, x.shape, kind="avg")[0, 0], rel=1e-12)
    with pytest.raises(ValueError, match=r"^kind must"):
        global_pool(x, "sum")
    with pytest.raises(ValueError, match=r"^x must"):
        global_pool([[1.0, np.inf]])


def test_global_pool_matches_torch_adaptive_pooling() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(10).standard_normal((5, 7))
    tensor = torch.from_numpy(x)[None, None]
    assert global_pool(x) == pytest.approx(float(torch.nn.functional.adaptive_max_pool2d(tensor, 1)))
    assert global_pool(x, "avg") == pytest.approx(float(torch.nn.functional.adaptive_avg_pool2d(tensor, 1)))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(1, 20),
    cols=st.integers(1, 20),
    size=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5))),
    seed=st.integers(0, 2**16),
)
def test_pooled_shapes_and_order(
    rows: int, cols: int, size: tuple[int, int], stride: tuple[int, int] | None, seed: int
) -> None:
    x = np.random.default_rng(seed).standard_normal((rows, cols))
    if size[0] > rows or size[1] > cols:
        with pytest.raises(ValueError, match=r"^size must"):
            pool2d(x, size, stride)
        return
    step = size if stride is None else stride
    expected = tuple(output_size(n, k, s) for n, k, s in zip((rows, cols), size, step, strict=True))
    assert expected == tuple((n - k) // s + 1 for n, k, s in zip((rows, cols), size, step, strict=True))
    largest, mean = pool2d(x, size, stride, "max"), pool2d(x, size, stride, "avg")
    assert largest.shape == mean.shape == expected
    assert np.all(largest >= mean - 1e-12) and largest.max() <= global_pool(x)


# --- the pooling simulation -----------------------------------------------------------------------


def shifted_pool(
    x: np.ndarray, shift: int, kind: str, window: int, stride: int
) -> tuple[np.ndarray, np.ndarray]:
    """The loop-pooled map before and after moving ``x`` right by ``shift`` with wrap-around."""
    moved = np.concatenate([x[:, -shift:], x[:, :-shift]], axis=1)
    if kind.startswith("global_"):
        reduce = np.max if kind == "global_max" else np.mean
        return np.array([[reduce(x)]]), np.array([[reduce(moved)]])
    return loop_pool(x, window, stride, kind), loop_pool(moved, window, stride, kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"window": 3, "stride": 2, "shift": 2},
        {"input": "edges", "map_size": 20, "window": 2, "stride": 1},
    ],
)
def test_simulation_answers_match_an_independent_computation(kind: str, params: dict[str, Any]) -> None:
    result = sim.run("pooling", {**params, "kind": kind}, seed=11)
    p: dict[str, Any] = result.params
    answers: dict[str, Any] = result.answers
    x = result.data["input"]
    before, after = shifted_pool(x, p["shift"], kind, p["window"], p["stride"])
    assert_allclose(answers["output"], before, atol=1e-12)
    assert answers["output_shape"] == list(before.shape)
    moved = np.concatenate([x[:, -p["shift"] :], x[:, : -p["shift"]]], axis=1)
    raw = np.abs(moved - x).mean()
    pooled = np.abs(after - before).mean()
    assert answers["raw_shift_change"] == pytest.approx(raw, abs=1e-12)
    assert answers["pooled_shift_change"] == pytest.approx(pooled, abs=1e-12)
    assert answers["raw_relative_change"] == pytest.approx(raw / np.abs(x).mean(), abs=1e-12)
    assert answers["pooled_relative_change"] == pytest.approx(pooled / np.abs(before).mean(), abs=1e-12)
    assert answers["shift_reduces_change"] == (
        answers["pooled_relative_change"] < answers["raw_relative_change"]
    )
    assert len(result.data["windows"]) == before.size


def test_max_pooling_a_random_map_changes_less_under_a_shift_and_global_not_at_all() -> None:
    for seed in range(5):
        maxed: dict[str, Any] = sim.run("pooling", {"kind": "max"}, seed=seed).answers
        assert maxed["pooled_shift_change"] < maxed["raw_shift_change"]
        assert maxed["shift_reduces_change"] is True
        for kind in ("global_max", "global_avg"):
            assert sim.run("pooling", {"kind": kind}, seed=seed).answers["pooled_shift_change"] == 0.0


def test_winners_are_the_maxima_of_their_windows() -> None:
    result = sim.run("pooling", {"window": 3, "stride": 2, "map_size": 11}, seed=12)
    x, output = result.data["input"], result.data["output"]
    winners, windows = result.data["winners"], result.data["windows"]
    assert len(winners) == len(windows) == output.size
    for (row, col), (top, left, height, width), best in zip(winners, windows, output.ravel(), strict=True):
        assert top <= row < top + height and left <= col < left + width
        assert x[row, col] == best
    assert len(sim.run("pooling", {"kind": "avg"}).data["winners"]) == 0


def test_inputs() -> None:
    rng = np.random.default_rng(0)
    integers = input_map("integers", 8, rng)
    assert integers.shape == (8, 8) and set(np.unique(integers)) <= set(range(10))
    edges = input_map("edges", 12, rng)
    assert edges.shape == (12, 12) and edges.min() == 0.0 and edges.max() > 1.0
    with pytest.raises(ValueError, match="input"):
        input_map("noise", 8, rng)


def test_terminal_size_plot_uses_one_axes_and_file_size_three() -> None:
    result = sim.run("pooling")
    small = plotting.new_figure(480, 240)
    plotting.draw(small, result, dark=True)
    assert len(small.axes) == 1
    large = plotting.new_figure(900, 600)
    plotting.draw(large, result)
    assert len(large.axes) == 3
