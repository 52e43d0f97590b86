"""sim.nn against scipy.special, central finite differences and (where installed) torch autograd."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from scipy import special

import sim
from sim import nn

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
REFERENCE_ACTS = {
    "sigmoid": special.expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "identity": lambda z: z,
}


@contextmanager
def no_float_warnings() -> Iterator[None]:
    """Fail on any overflow, invalid-value or divide-by-zero floating-point event."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


# --- log-sum-exp, softmax, log-softmax --------------------------------------------------------


def test_logsumexp_of_two_equal_huge_logits_is_exact() -> None:
    with no_float_warnings():
        assert nn.logsumexp([1000.0, 1000.0]) == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
        assert nn.logsumexp([-1000.0, -1000.0]) == pytest.approx(-1000.0 + math.log(2.0), rel=1e-15)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_logsumexp_softmax_log_softmax_match_scipy(scale: float, axis: int) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(-scale, scale, size=(3, 4, 5))
    with no_float_warnings():
        assert_allclose(nn.logsumexp(x, axis=axis), special.logsumexp(x, axis=axis), rtol=1e-13)
        assert_allclose(nn.softmax(x, axis=axis), special.softmax(x, axis=axis), rtol=1e-12, atol=1e-300)
        assert_allclose(nn.log_softmax(x, axis=axis), special.log_softmax(x, axis=axis), rtol=1e-12)
    assert_allclose(nn.softmax(x, axis=axis).sum(axis=axis), 1.0, rtol=1e-14)


def test_mixed_huge_and_tiny_logits() -> None:
    x = np.array([[1e4, -1e4, 0.0, 9999.0], [-1e4, -1e4 + 1.0, -9990.0, -1e4]])
    with no_float_warnings():
        assert_allclose(nn.logsumexp(x), special.logsumexp(x, axis=-1), rtol=1e-15)
        assert_allclose(nn.log_softmax(x), special.log_softmax(x, axis=-1), rtol=1e-13)
        assert_allclose(nn.softmax(x), special.softmax(x, axis=-1), rtol=1e-13, atol=1e-300)
    # log_softmax stays exact where softmax underflows to 0.
    assert nn.softmax(x)[0, 1] == 0.0
    assert nn.log_softmax(x)[0, 1] == pytest.approx(-2e4 - math.log1p(math.exp(-1.0)), rel=1e-15)


def test_float32_inputs_are_computed_in_float64() -> None:
    x32 = np.array([[80.0, 89.0, -3.5], [0.1, 0.2, 0.3]], dtype=np.float32)
    x64 = x32.astype(np.float64)
    for fn, ref in [
        (nn.logsumexp, special.logsumexp),
        (nn.softmax, special.softmax),
        (nn.log_softmax, special.log_softmax),
    ]:
        out = fn(x32)
        assert out.dtype == np.float64
        assert_allclose(out, ref(x64, axis=-1), rtol=1e-14)


def test_infinite_entries_follow_the_limits() -> None:
    assert nn.logsumexp([-np.inf, -np.inf]) == -np.inf
    assert nn.logsumexp([-np.inf, 0.0]) == 0.0
    assert nn.logsumexp([np.inf, 1.0]) == np.inf
    assert_allclose(nn.softmax([-np.inf, 0.0, 0.0]), [0.0, 0.5, 0.5])


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
        elements=st.floats(-1e4, 1e4, allow_nan=False),
    )
)
def test_logsumexp_matches_scipy_on_any_finite_array(x: np.ndarray) -> None:
    for axis in range(-x.ndim, x.ndim):
        with no_float_warnings():
            assert_allclose(nn.logsumexp(x, axis), special.logsumexp(x, axis=axis), rtol=1e-12, atol=1e-12)
            assert_allclose(nn.log_softmax(x, axis), special.log_softmax(x, axis=axis), rtol=1e-12, atol=1e-9)


def test_cross_entropy_is_the_mean_negative_log_probability() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(scale=30.0, size=(6, 4))
    targets = np.array([0, 3, 1, 1, 2, 0])
    expected = -np.mean(special.log_softmax(logits, axis=1)[np.arange(6), targets])
    assert nn.cross_entropy(logits, targets) == pytest.approx(expected, rel=1e-14)
    with no_float_warnings():
        huge = nn.cross_entropy([[1e4, -1e4]], [1])
    assert huge == pytest.approx(2e4, rel=1e-14)


def test_cross_entropy_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=5.0, size=(8, 5))
    targets = rng.integers(0, 5, size=8)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets)).item()
    assert nn.cross_entropy(logits, targets) == pytest.approx(expected, rel=1e-13)


def test_numerics_are_exposed_lazily_on_the_package() -> None:
    assert sim.logsumexp is nn.logsumexp
    assert sim.cross_entropy is nn.cross_entropy


# --- activations ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values_and_derivatives(name: str) -> None:
    z = np.linspace(-6.0, 6.0, 200)  # even count: 0 is not on the grid, so no kink is hit
    y, dy = nn.activation(name, z)
    assert_allclose(y, REFERENCE_ACTS[name](z), rtol=1e-14, atol=1e-300)
    step = 1e-6
    numeric = (REFERENCE_ACTS[name](z + step) - REFERENCE_ACTS[name](z - step)) / (2 * step)
    assert_allclose(dy, numeric, rtol=1e-7, atol=1e-9)


def test_relu_derivative_at_zero_is_zero_like_torch() -> None:
    assert nn.activation("relu", [0.0])[1][0] == 0.0
    assert nn.activation("leaky_relu", [0.0], leak=0.2)[1][0] == 0.2


def test_rectifiers_give_positive_zero_for_negative_inputs() -> None:
    for name, leak in (("relu", 0.01), ("leaky_relu", 0.0)):
        y, _ = nn.activation(name, [-3.0, -0.0], leak=leak)
        assert not np.signbit(y).any()


def test_sigmoid_is_accurate_in_both_tails_without_warnings() -> None:
    z = np.array([-1000.0, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
    with no_float_warnings():
        assert_allclose(nn.sigmoid(z), special.expit(z), rtol=1e-15, atol=0.0)


# --- errors -----------------------------------------------------------------------------------


def test_unknown_activation_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="activation must be one of"):
        nn.activation("swish", [0.0])


def test_bad_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="targets must be class indices from 0 to 2"):
        nn.cross_entropy(np.zeros((2, 3)), [-1, 0])
    with pytest.raises(ValueError, match="targets must be integer class indices"):
        nn.cross_entropy(np.zeros((2, 3)), [0.0, 1.0])
    with pytest.raises(ValueError, match="targets must be integer class indices"):
        nn.cross_entropy(np.zeros((2, 3)), [True, False])
    with pytest.raises(ValueError, match=r"targets must have shape \(2,\)"):
        nn.cross_entropy(np.zeros((2, 3)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"logits must have shape \(batch, classes\)"):
        nn.cross_entropy(np.zeros(3), [0])


def test_bad_axes_and_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="axis must be from -2 to 1"):
        nn.logsumexp(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="must not be empty"):
        nn.softmax(np.zeros((2, 0)), axis=1)
    with pytest.raises(ValueError, match="axis must be an integer"):
        nn.log_softmax(np.zeros(3), axis=True)
    with pytest.raises(ValueError, match="x must be an array of real numbers"):
        nn.logsumexp(["a", "b"])
    with pytest.raises(ValueError, match="x must be real"):
        nn.logsumexp(np.array([1j, 2.0]))
    with pytest.raises(ValueError, match="leak must be a finite number"):
        nn.activation("leaky_relu", [1.0], leak=math.nan)
