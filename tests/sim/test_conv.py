"""conv2d, padding, output_size and FILTERS against scipy, numpy.pad and torch; the convolution simulation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.signal import correlate2d

import sim
from sim import plotting
from sim.conv import FILTERS, PADDING_MODES, conv2d, output_size, pad
from sim.simulations.convolution import parse_kernel, photo, shapes
from sim.specs.convolution import FILTER_CHOICES

NUMPY_MODES = {"zeros": "constant", "replicate": "edge", "reflect": "reflect", "circular": "wrap"}


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def reference(
    x: np.ndarray, kernel: np.ndarray, stride: Any = 1, padding: Any = 0, mode: str = "zeros"
) -> Any:
    """scipy's valid cross-correlation of the numpy-padded input, subsampled by the stride."""
    (ph, pw), (sh, sw) = pair(padding), pair(stride)
    padded = np.pad(x, ((ph, ph), (pw, pw)), mode=NUMPY_MODES[mode])  # type: ignore[call-overload]
    return correlate2d(padded, kernel, mode="valid")[::sh, ::sw]


CASES = [
    # (input shape, kernel shape, stride, padding, padding_mode)
    ((7, 11), (3, 3), 1, 0, "zeros"),
    ((7, 11), (2, 4), 1, 1, "zeros"),
    ((9, 6), (4, 2), 2, 1, "replicate"),
    ((10, 13), (3, 5), 3, 2, "reflect"),
    ((8, 8), (2, 2), (2, 3), (1, 2), "circular"),
    ((5, 12), (5, 1), (1, 4), (0, 3), "replicate"),
    ((6, 6), (6, 6), 1, 0, "zeros"),
    ((3, 4), (3, 3), 5, (2, 3), "circular"),
    ((1, 1), (1, 1), 1, 0, "zeros"),
    ((4, 7), (3, 2), 3, 3, "reflect"),
]


@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "mode"), CASES)
def test_conv2d_matches_scipy_on_padded_input(
    shape: tuple[int, int], kshape: tuple[int, int], stride: Any, padding: Any, mode: str
) -> None:
    rng = np.random.default_rng(1)
    x, kernel = rng.standard_normal(shape), rng.standard_normal(kshape)
    assert_allclose(
        conv2d(x, kernel, stride, padding, mode), reference(x, kernel, stride, padding, mode), atol=1e-12
    )


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(1, 12),
    cols=st.integers(1, 12),
    kh=st.integers(1, 5),
    kw=st.integers(1, 5),
    stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    mode=st.sampled_from(PADDING_MODES),
    seed=st.integers(0, 2**16),
)
def test_conv2d_matches_scipy_for_random_shapes(
    rows: int,
    cols: int,
    kh: int,
    kw: int,
    stride: tuple[int, int],
    padding: tuple[int, int],
    mode: str,
    seed: int,
) -> None:
    assume(kh <= rows + 2 * padding[0] and kw <= cols + 2 * padding[1])
    assume(mode != "reflect" or (padding[0] < rows and padding[1] < cols))
    assume(mode != "circular" or (padding[0] <= rows and padding[1] <= cols))
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((rows, cols)), rng.standard_normal((kh, kw))
    got = conv2d(x, kernel, stride, padding, mode)
    assert_allclose(got, reference(x, kernel, stride, padding, mode), atol=1e-12)
    assert got.shape == (
        output_size(rows, kh, stride[0], padding[0]),
        output_size(cols, kw, stride[1], padding[1]),
    )


@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "mode"), CASES)
def test_conv2d_matches_torch_conv2d_module(
    shape: tuple[int, int], kshape: tuple[int, int], stride: Any, padding: Any, mode: str
) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, kernel = rng.standard_normal(shape), rng.standard_normal(kshape)
    layer = torch.nn.Conv2d(1, 1, kshape, stride, padding, padding_mode=mode, bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(kernel)[None, None])
        expected = layer(torch.from_numpy(x)[None, None])[0, 0].numpy()
    assert_allclose(conv2d(x, kernel, stride, padding, mode), expected, atol=1e-12)


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_padding_matches_torch_functional_pad(mode: str) -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    x = np.random.default_rng(3).standard_normal((5, 7))
    torch_mode = "constant" if mode == "zeros" else mode
    expected = functional.pad(torch.from_numpy(x)[None, None], (3, 3, 2, 2), mode=torch_mode)[0, 0].numpy()
    assert_array_equal(pad(x, (2, 3), mode), expected)
    kernel = np.arange(6.0).reshape(2, 3)
    conv = functional.conv2d(
        torch.from_numpy(expected)[None, None], torch.from_numpy(kernel)[None, None], stride=2
    )
    assert_allclose(conv2d(x, kernel, 2, (2, 3), mode), conv[0, 0].numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_pad_matches_numpy_pad_and_returns_a_new_array(mode: str) -> None:
    x = np.arange(12.0).reshape(3, 4)
    assert_array_equal(pad(x, (1, 2), mode), np.pad(x, ((1, 1), (2, 2)), mode=NUMPY_MODES[mode]))  # type: ignore[call-overload]
    same = pad(x, 0, mode)
    assert_array_equal(same, x)
    assert not np.shares_memory(same, x)


def test_conv2d_accepts_lists_and_integers_and_leaves_inputs_alone() -> None:
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    kernel = np.array([[1, 0], [0, -1]])
    out = conv2d(x, kernel)
    assert out.dtype == np.float64
    assert_array_equal(out, [[-4.0, -4.0], [-4.0, -4.0]])
    assert x == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert_array_equal(kernel, [[1, 0], [0, -1]])


def test_zero_weights_still_give_zeros() -> None:
    assert_array_equal(conv2d(np.ones((4, 5)), np.zeros((2, 2)), padding=1), np.zeros((5, 6)))
    assert_array_equal(conv2d(np.ones((4, 5)), np.zeros((2, 2)), stride=2), np.zeros((2, 2)))


BAD_CALLS = [
    ({"x": np.ones(5)}, "x"),
    ({"x": np.ones((2, 3, 4))}, "x"),
    ({"x": np.ones((0, 4))}, "x"),
    ({"x": [[1.0, float("nan")]]}, "x"),
    ({"x": "image"}, "x"),
    ({"kernel": [[1.0, float("inf")]]}, "kernel"),
    ({"kernel": np.ones(3)}, "kernel"),
    ({"kernel": np.ones((7, 3))}, "kernel"),
    ({"kernel": np.ones((3, 9)), "padding": 1}, "kernel"),
    ({"stride": 0}, "stride"),
    ({"stride": -2}, "stride"),
    ({"stride": (1, 0)}, "stride"),
    ({"stride": 1.5}, "stride"),
    ({"stride": True}, "stride"),
    ({"stride": (1, 2, 3)}, "stride"),
    ({"padding": -1}, "padding"),
    ({"padding": (0, -1)}, "padding"),
    ({"padding": 0.5}, "padding"),
    ({"padding_mode": "mirror"}, "padding_mode"),
    ({"padding": 5, "padding_mode": "reflect"}, "padding"),
    ({"padding": (0, 6), "padding_mode": "reflect"}, "padding"),
    ({"padding": 6, "padding_mode": "circular"}, "padding"),
]


@pytest.mark.parametrize(("changes", "name"), BAD_CALLS)
def test_conv2d_refuses_bad_arguments_naming_them(changes: dict[str, Any], name: str) -> None:
    args: dict[str, Any] = {"x": np.ones((5, 6)), "kernel": np.ones((3, 3))} | changes
    with pytest.raises(ValueError, match=rf"^{name} must"):
        conv2d(**args)


def test_reflect_and_circular_limits_are_torchs() -> None:
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, 5, 6)
    torch.nn.functional.pad(x, (5, 5, 4, 4), mode="reflect")  # padding < size: allowed by both
    conv2d(np.ones((5, 6)), np.ones((3, 3)), padding=(4, 5), padding_mode="reflect")
    torch.nn.functional.pad(x, (6, 6, 5, 5), mode="circular")  # padding == size: allowed by both
    conv2d(np.ones((5, 6)), np.ones((3, 3)), padding=(5, 6), padding_mode="circular")
    for mode, amount in (("reflect", 5), ("circular", 6)):
        with pytest.raises(RuntimeError):
            torch.nn.functional.pad(x, (amount,) * 4, mode=mode)
        with pytest.raises(ValueError, match="padding"):
            conv2d(np.ones((5, 6)), np.ones((3, 3)), padding=amount, padding_mode=mode)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(1, 9), s=st.integers(1, 6), p=st.integers(0, 5))
def test_output_size_is_the_formula_and_the_real_length(n: int, k: int, s: int, p: int) -> None:
    assume(k <= n + 2 * p)
    size = output_size(n, k, s, p)
    assert size == math.floor((n + 2 * p - k) / s) + 1
    assert conv2d(np.zeros((n, 1)), np.ones((k, 1)), stride=(s, 1), padding=(p, 0)).shape == (size, 1)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 1), "n"),
        ((5, 0), "kernel"),
        ((5, 3, 0), "stride"),
        ((5, 3, 1, -1), "padding"),
        ((5.0, 3), "n"),
        ((5, 8, 1, 1), "kernel"),
    ],
)
def test_output_size_refuses_bad_arguments(args: tuple[Any, ...], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        output_size(*args)


def test_filters_are_read_only_3x3_float_kernels_with_the_required_names() -> None:
    required = {"sobel_horizontal", "sobel_vertical", "laplacian", "blur", "sharpen", "identity"}
    assert required <= set(FILTERS)
    assert any(name.startswith("laplacian_") for name in FILTERS)
    assert_array_equal(FILTERS["laplacian"], [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    for kernel in FILTERS.values():
        assert kernel.shape == (3, 3) and kernel.dtype == np.float64
        with pytest.raises(ValueError):
            kernel[0, 0] = 1.0


def edge_images() -> tuple[np.ndarray, np.ndarray]:
    """A horizontal edge (dark top, bright bottom) and a vertical edge (dark left, bright right)."""
    horizontal = np.zeros((12, 12))
    horizontal[6:] = 1.0
    return horizontal, horizontal.T.copy()


def test_sobel_kernels_respond_to_their_own_edge_direction_only() -> None:
    horizontal, vertical = edge_images()
    for name, edge, other in (
        ("sobel_horizontal", horizontal, vertical),
        ("sobel_vertical", vertical, horizontal),
    ):
        assert np.abs(conv2d(edge, FILTERS[name])).max() == pytest.approx(4.0)
        assert_array_equal(conv2d(other, FILTERS[name]), 0.0)


def test_laplacians_of_a_constant_image_are_zero_and_find_a_step() -> None:
    constant = np.full((9, 7), 3.5)
    _, step = edge_images()
    for name in [name for name in FILTERS if name.startswith("laplacian")]:
        assert_array_equal(conv2d(constant, FILTERS[name]), 0.0)
        assert_array_equal(conv2d(constant, FILTERS[name], padding=1, padding_mode="replicate"), 0.0)
        response = np.abs(conv2d(step, FILTERS[name])).max(axis=0)
        assert response[4] > 0 and response[5] > 0 and response[0] == 0 and response[-1] == 0


def test_blur_preserves_the_mean_and_identity_returns_the_input() -> None:
    x = np.random.default_rng(4).uniform(0, 1, (10, 13))
    for name in ("blur", "box_blur"):
        assert FILTERS[name].sum() == pytest.approx(1.0)
        blurred = conv2d(x, FILTERS[name], padding=1, padding_mode="circular")
        assert blurred.mean() == pytest.approx(x.mean(), rel=1e-12)
        assert blurred.std() < x.std()
    assert_array_equal(conv2d(x, FILTERS["identity"], padding=1), x)
    assert FILTERS["sharpen"].sum() == pytest.approx(1.0)
    assert conv2d(x, FILTERS["sharpen"], padding=1, padding_mode="circular").std() > x.std()


def test_public_api_is_exposed_from_the_package() -> None:
    assert sim.conv2d is conv2d and sim.FILTERS is FILTERS and sim.output_size is output_size


# --- the convolution simulation -------------------------------------------------------------------


def test_spec_filter_choices_are_the_filters_plus_custom() -> None:
    assert set(FILTER_CHOICES) == {*FILTERS, "custom"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"image": "shapes", "filter": "laplacian", "stride": 2, "padding": 3, "padding_mode": "reflect"},
        {"filter": "custom", "kernel": "1 2; 3 4; 5 6", "stride": 3, "padding_mode": "circular", "size": 37},
        {"image": "shapes", "filter": "blur", "noise": 0.3, "padding": 0, "row": 200, "col": 0},
    ],
)
def test_simulation_answers_match_an_independent_computation(params: dict[str, Any]) -> None:
    result = sim.run("convolution", params, seed=5)
    p: dict[str, Any] = result.params
    answers: dict[str, Any] = result.answers
    image, kernel = result.data["image"], np.array(answers["kernel"])
    expected = reference(image, kernel, p["stride"], p["padding"], p["padding_mode"])
    assert answers["input_shape"] == list(image.shape)
    assert (
        answers["output_shape"]
        == list(expected.shape)
        == [
            output_size(n, k, p["stride"], p["padding"])
            for n, k in zip(image.shape, kernel.shape, strict=True)
        ]
    )
    row, col = answers["probe"]
    assert (row, col) == (min(p["row"], expected.shape[0] - 1), min(p["col"], expected.shape[1] - 1))
    assert answers["probe_value"] == pytest.approx(expected[row, col], abs=1e-12)
    assert answers["max_value"] == pytest.approx(expected.max(), abs=1e-12)
    assert expected[tuple(answers["max_location"])] == pytest.approx(expected.max(), abs=1e-12)
    if p["filter"] != "custom":
        assert_array_equal(kernel, FILTERS[str(p["filter"])])


def test_noise_comes_from_the_generator() -> None:
    quiet = [sim.run("convolution", {"image": "shapes"}, seed=s).answers for s in (1, 2)]
    assert quiet[0] == quiet[1]
    noisy = [sim.run("convolution", {"image": "shapes", "noise": 0.2}, seed=s).answers for s in (1, 1, 2)]
    assert noisy[0] == noisy[1] != noisy[2]


def test_strongest_vertical_sobel_response_sits_on_a_dark_to_bright_step() -> None:
    result = sim.run("convolution", {"image": "shapes", "filter": "sobel_vertical", "padding": 0})
    answers: dict[str, Any] = result.answers
    row, col = answers["max_location"]
    image = result.data["image"]
    assert image[row + 1, col + 2] - image[row + 1, col] > 0.5  # the window's right column minus its left


def test_photo_is_cached_grey_and_keeps_its_aspect() -> None:
    small = photo(48)
    assert small is photo(48)
    assert small.shape == (48, 41) and not small.flags.writeable
    assert 0.0 <= small.min() < small.max() <= 1.0
    assert photo(120).mean() == pytest.approx(small.mean(), abs=0.02)


def test_shapes_scene_has_both_edge_directions() -> None:
    scene = shapes(40)
    assert np.abs(np.diff(scene, axis=0)).max() > 0.5 and np.abs(np.diff(scene, axis=1)).max() > 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 2 3 4", [[1, 2], [3, 4]]),
        ("1, 0, -1; 2, 0, -2", [[1, 0, -1], [2, 0, -2]]),
        ("0.5\n-1.5", [[0.5], [-1.5]]),
        (" 7 ", [[7]]),
        ("1e-3 2 3 4 5 6 7 8 9", [[1e-3, 2, 3], [4, 5, 6], [7, 8, 9]]),
    ],
)
def test_parse_kernel(text: str, expected: list[list[float]]) -> None:
    assert_array_equal(parse_kernel(text), expected)


@pytest.mark.parametrize(
    "text",
    ["1 2 3", "1 2; 3", "a b c d", "1 nan 1 1", "1 inf; 1 1", "1 2 3 4 5 6 7 8; 1 2 3 4 5 6 7 8", ";;"],
)
def test_bad_custom_kernels_are_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(ValueError, match="kernel"):
        sim.run("convolution", {"filter": "custom", "kernel": text})


def test_terminal_size_plot_uses_one_axes_and_file_size_three() -> None:
    result = sim.run("convolution")
    small = plotting.new_figure(480, 240)
    plotting.draw(small, result, dark=True)
    assert len(small.axes) == 1 and not small.axes[0].axison
    large = plotting.new_figure(900, 600)
    plotting.draw(large, result)
    assert len(large.axes) == 3
