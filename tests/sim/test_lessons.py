"""Each simulation teaches what it claims: the lesson stated as numbers, against independent computations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal

import sim
from sim.conv import FILTERS, conv2d, global_pool, pool2d
from sim.simulations import pooling, residual


def answers_of(name: str, params: dict[str, Any] | None = None, seed: int = 0) -> dict[str, Any]:
    """A simulation's answers, typed loosely for arithmetic in the tests."""
    return dict(sim.run(name, params, seed).answers)


# --- residual: each network starts from the initialisation that suits it ------------------------------


def test_well_initialised_the_plain_network_does_not_vanish() -> None:
    """The default compares fairly: with its standard init, plain tanh-20's gradient does not vanish."""
    fair = sim.run("residual")
    assert fair.params["init"] == "standard" and fair.params["activation"] == "tanh"
    assert fair.params["depth"] == 20
    plain, shortcut = fair.data["norms"]["plain"], fair.data["norms"]["residual"]
    # Within 10x of its own last hidden layer: weaker towards the input, but no vanishing gradient.
    assert plain[0] > 0.1 * plain[-2]
    # Against the residual network the gap is a factor of tens, where the confounded comparison
    # (the residual network's small weights without the shortcuts) made it 10^13.
    confounded = sim.run("residual", {"init": "residual"}).data["norms"]
    assert confounded["residual"][0] > 1e12 * confounded["plain"][0]
    assert shortcut[0] < 100 * plain[0]
    # The shortcuts still carry the gradient back better: flatter from the last hidden layer to the first.
    assert shortcut[0] / shortcut[-2] > plain[0] / plain[-2]


def test_residual_training_falls_without_a_spike_at_the_defaults() -> None:
    result = sim.run("residual")
    for variant in residual.VARIANTS:
        losses = result.data["losses"][variant]
        assert not result.data["diverged"][variant]
        assert np.all(np.diff(losses) < 0), f"{variant}: the loss rose at step {np.argmax(np.diff(losses))}"
    # Both learn; the one with shortcuts ends about ten times lower.
    answers = result.answers
    variance = float(np.var(np.sin(np.linspace(-2.0, 2.0, residual.POINTS))))
    assert answers["final_loss_plain"] < 0.2 * variance  # type: ignore[operator]
    assert answers["final_loss_residual"] < 0.2 * answers["final_loss_plain"]  # type: ignore[operator]


def test_the_deeper_the_network_the_further_the_plain_one_falls_behind() -> None:
    answers = answers_of("residual", {"depth": 40, "lr": 0.001})
    variance = float(np.var(np.sin(np.linspace(-2.0, 2.0, residual.POINTS))))
    assert answers["final_loss_plain"] > 0.9 * variance  # hardly moved from predicting the mean
    assert answers["final_loss_residual"] < 0.01 * answers["final_loss_plain"]


def test_sigmoid_vanishes_without_shortcuts_even_when_well_initialised() -> None:
    answers = answers_of("residual", {"activation": "sigmoid"})
    assert answers["first_layer_gradient_plain"] < 1e-10
    assert answers["first_layer_gradient_residual"] > 1e-2


# --- vanishing-gradients: weights and activation together decide ---------------------------------------


def test_he_scaled_relu_keeps_the_gradient_through_depth() -> None:
    he = answers_of("vanishing-gradients", {"activation": "relu", "init": "he", "depth": 20})
    assert 0.1 < he["gradient_ratio"] < 10.0
    assert he["regime"] == "stable"
    assert he["weight_std"] == pytest.approx(math.sqrt(2.0 / 32), rel=1e-15)
    # The same ReLU network with Xavier-scaled weights loses about half the signal per layer.
    xavier = answers_of("vanishing-gradients", {"activation": "relu", "init": "xavier", "depth": 20})
    assert xavier["gradient_ratio"] < 1e-3 and xavier["regime"] == "vanishing"


def test_he_init_is_the_xavier_weights_times_the_square_root_of_two() -> None:
    he = sim.run("vanishing-gradients", {"activation": "relu", "init": "he"})
    scaled = sim.run("vanishing-gradients", {"activation": "relu", "weight_scale": math.sqrt(2.0)})
    for name in ("sigmoid", "tanh", "relu"):
        assert_allclose(he.data["norms"][name], scaled.data["norms"][name], rtol=1e-12)


@pytest.mark.parametrize(
    "preset",
    [
        {"activation": "relu", "init": "he", "weight_scale": 2.0},  # the preset the explanation names
        {"activation": "tanh", "weight_scale": 4.0},
    ],
)
def test_large_weights_make_the_gradient_explode(preset: dict[str, Any]) -> None:
    answers = answers_of("vanishing-gradients", {**preset, "depth": 20})
    assert answers["gradient_ratio"] > 100.0
    assert answers["regime"] == "exploding"


def test_the_explanation_names_the_stable_and_the_exploding_presets() -> None:
    text = sim.spec("vanishing-gradients").explanation
    assert "init = he" in text and "weight_scale = 2" in text and "explode" in text


# --- pooling: no weights, yet the gradient goes through ------------------------------------------------


def loop_gradient(x: np.ndarray, kind: str, window: int, stride: int) -> np.ndarray:
    """dL/dx for L = sum of the pooled map, window by window: max to the first maximum (row by row)."""
    grad = np.zeros_like(x)
    if kind.startswith("global_"):
        tops = [(0, 0, x.shape[0], x.shape[1])]
    else:
        tops = [
            (r, c, window, window)
            for r in range(0, x.shape[0] - window + 1, stride)
            for c in range(0, x.shape[1] - window + 1, stride)
        ]
    for r, c, h, w in tops:
        if kind.endswith("max"):
            cells = [(r + i, c + j) for i in range(h) for j in range(w)]
            best = cells[0]
            for cell in cells[1:]:
                if x[cell] > x[best]:
                    best = cell
            grad[best] += 1.0
        else:
            for i in range(h):
                for j in range(w):
                    grad[r + i, c + j] += 1.0 / (h * w)
    return grad


def finite_difference_gradient(x: np.ndarray, kind: str, window: int, stride: int) -> np.ndarray:
    """Central differences of L = sum of the pooled map, pixel by pixel (x must have no ties)."""
    step = 1e-6
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (
            pooling.pool(up, kind, window, stride).sum() - pooling.pool(down, kind, window, stride).sum()
        ) / (2 * step)
    return grad


@pytest.mark.parametrize("kind", pooling.KINDS)
@pytest.mark.parametrize(("window", "stride"), [(2, 2), (3, 1), (2, 3), (4, 2)])
def test_the_pooling_gradient_matches_finite_differences(kind: str, window: int, stride: int) -> None:
    x = np.random.default_rng(window * 10 + stride).permutation(49).reshape(7, 7) / 7.0  # no ties
    gradient = pooling.input_gradient(x, kind, window, stride)
    assert_allclose(gradient, finite_difference_gradient(x, kind, window, stride), atol=1e-8)
    assert_allclose(gradient, loop_gradient(x, kind, window, stride), atol=1e-15)


@pytest.mark.parametrize("kind", pooling.KINDS)
@pytest.mark.parametrize(("window", "stride", "size"), [(2, 2, 8), (3, 1, 6), (2, 3, 7), (3, 2, 9)])
def test_the_simulation_routes_the_gradient_as_a_loop_does(
    kind: str, window: int, stride: int, size: int
) -> None:
    # Integers 0-9 tie often: max pooling sends the gradient to the first maximum, as torch does.
    params = {"kind": kind, "window": window, "stride": stride, "map_size": size, "view": "backward"}
    result = sim.run("pooling", params, seed=size)
    x = result.data["input"]
    expected = loop_gradient(x, kind, window, stride)
    assert_array_equal(np.asarray(result.answers["input_gradient"]), expected)
    assert result.answers["gradient_receivers"] == np.count_nonzero(expected)
    # Every pooled value passes back exactly 1: the gradients add up to the size of the pooled map.
    assert float(expected.sum()) == pytest.approx(np.asarray(result.answers["output"]).size, rel=1e-12)


def test_max_pooling_routes_the_gradient_to_the_maximum_and_average_pooling_spreads_it() -> None:
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0], [0.0, 2.0, 1.0, 1.0], [9.0, 1.0, 3.0, 7.0]])
    routed = pooling.input_gradient(x, "max", 2, 2)
    assert_array_equal(routed, [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1]])
    assert_array_equal(pooling.input_gradient(x, "avg", 2, 2), np.full((4, 4), 0.25))
    assert_array_equal(pooling.input_gradient(x, "global_max", 4, 4), (x == x.max()).astype(float))
    assert_allclose(pooling.input_gradient(x, "global_avg", 4, 4), np.full((4, 4), 1 / 16), rtol=1e-15)
    # What is routed is where the pooled values came from.
    assert_array_equal(x[routed > 0], pool2d(x, 2, 2, "max").ravel())  # here in the same order
    assert global_pool(x, "max") == x[pooling.input_gradient(x, "global_max", 4, 4) > 0][0]


def test_with_overlapping_windows_a_pixel_collects_from_each() -> None:
    x = np.zeros((3, 3))
    x[1, 1] = 1.0  # the maximum of all four 2x2 windows
    assert pooling.input_gradient(x, "max", 2, 1)[1, 1] == 4.0
    assert_allclose(
        pooling.input_gradient(x, "avg", 2, 1), [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]
    )


def test_the_pooling_explanation_says_the_gradient_goes_through() -> None:
    text = sim.spec("pooling").explanation
    assert "view = backward" in text and "maximum" in text and "equally" in text


# --- convolution: what frameworks call convolution is a cross-correlation ------------------------------


def test_the_explanation_says_it_is_a_cross_correlation_and_what_a_convolution_flips() -> None:
    text = sim.spec("convolution").explanation
    assert "cross-correlation" in text
    assert "without being flipped" in text and "flips the kernel" in text and "180-degree" in text


@pytest.mark.parametrize("name", ["sobel_vertical", "sobel_horizontal", "laplacian", "blur"])
def test_conv2d_is_scipy_correlate2d_not_convolve2d(name: str) -> None:
    image = np.random.default_rng(1).standard_normal((9, 11))
    kernel = np.asarray(FILTERS[name])
    ours = conv2d(image, kernel)
    assert_allclose(ours, signal.correlate2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12)
    # A true convolution is the cross-correlation with the kernel rotated by 180 degrees.
    flipped = np.flip(kernel)
    assert_allclose(
        signal.convolve2d(image, kernel, mode="valid"), conv2d(image, flipped), rtol=1e-12, atol=1e-12
    )
    if not np.array_equal(kernel, flipped):  # Sobel: the flip changes the sign of every response
        assert_allclose(signal.convolve2d(image, kernel, mode="valid"), -ours, rtol=1e-12, atol=1e-12)
    else:
        assert_allclose(signal.convolve2d(image, kernel, mode="valid"), ours, rtol=1e-12, atol=1e-12)


def test_the_simulation_feature_map_is_a_cross_correlation() -> None:
    custom = "1 2 0; 0 -1 0; 3 0 0"  # no symmetry: correlation and convolution differ everywhere
    result = sim.run("convolution", {"image": "shapes", "padding": 0, "filter": "custom", "kernel": custom})
    image, kernel = result.data["image"], result.data["kernel"]
    assert_allclose(result.data["output"], signal.correlate2d(image, kernel, mode="valid"), atol=1e-12)
    assert not np.allclose(result.data["output"], signal.convolve2d(image, kernel, mode="valid"))
