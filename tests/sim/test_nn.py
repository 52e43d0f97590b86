"""sim.nn against scipy.special, central finite differences and (where installed) torch autograd."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    assert sim.mlp_gradients is nn.mlp_gradients
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


# --- mlp_gradients ----------------------------------------------------------------------------


def reference_loss(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    activation: str,
    residual: bool,
    loss: str,
) -> tuple[float, list[np.ndarray]]:
    """A plain forward pass (scipy for the loss); also returns every hidden pre-activation."""
    act = REFERENCE_ACTS[activation]
    h = x
    pre = []
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        z = h @ w.T + b
        pre.append(z)
        h = h + act(z) if residual and w.shape[0] == w.shape[1] else act(z)
    out = h @ weights[-1].T + biases[-1]
    if loss == "mse":
        return float(np.mean((out - y) ** 2)), pre
    rows = np.arange(len(y))
    return float(np.mean(special.logsumexp(out, axis=1) - out[rows, y])), pre


def make_problem(
    sizes: list[int], batch: int, activation: str, residual: bool, loss: str, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """A random network and data whose hidden pre-activations all stay 0.05 away from ReLU's kink."""
    for attempt in range(200):
        rng = np.random.default_rng(seed + 1000 * attempt)
        weights = [rng.normal(0.0, 1.0 / math.sqrt(n), (m, n)) for n, m in itertools.pairwise(sizes)]
        biases = [rng.normal(0.0, 0.3, m) for m in sizes[1:]]
        x = rng.normal(size=(batch, sizes[0]))
        y = rng.normal(size=(batch, sizes[-1])) if loss == "mse" else rng.integers(0, sizes[-1], batch)
        _, pre = reference_loss(weights, biases, x, y, activation, residual, loss)
        if all(np.abs(z).min() > 0.05 for z in pre):
            return weights, biases, x, y
    raise AssertionError("no problem away from the kinks was found")


CASES = [(a, r, loss) for a in ACTIVATIONS for r in (False, True) for loss in nn.LOSSES]


@pytest.mark.parametrize(("activation", "residual", "loss"), CASES)
def test_mlp_gradients_match_central_finite_differences(activation: str, residual: bool, loss: str) -> None:
    sizes = [3, 4, 4, 4, 2]
    weights, biases, x, y = make_problem(sizes, 5, activation, residual, loss)
    value, dws, dbs = nn.mlp_gradients(weights, biases, x, y, activation, residual=residual, loss=loss)
    expected, _ = reference_loss(weights, biases, x, y, activation, residual, loss)
    assert value == pytest.approx(expected, rel=1e-13)
    step = 1e-6
    for params, grads in ((weights, dws), (biases, dbs)):
        for layer, (p, g) in enumerate(zip(params, grads, strict=True)):
            assert g.shape == p.shape
            numeric = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                p[index] = saved + step
                up, _ = reference_loss(weights, biases, x, y, activation, residual, loss)
                p[index] = saved - step
                down, _ = reference_loss(weights, biases, x, y, activation, residual, loss)
                p[index] = saved
                numeric[index] = (up - down) / (2 * step)
            assert_allclose(g, numeric, rtol=1e-5, atol=1e-8, err_msg=f"layer {layer}")


def torch_gradients(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    activation: str,
    residual: bool,
    loss: str,
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    acts: dict[str, Any] = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": functional.leaky_relu,
        "identity": lambda z: z,
    }
    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    tb = [torch.tensor(b, requires_grad=True) for b in biases]
    h = torch.tensor(x)
    for w, b in zip(tw[:-1], tb[:-1], strict=True):
        a = acts[activation](functional.linear(h, w, b))
        h = h + a if residual and w.shape[0] == w.shape[1] else a
    out = functional.linear(h, tw[-1], tb[-1])
    if loss == "mse":
        value = functional.mse_loss(out, torch.tensor(y))
    else:
        value = functional.cross_entropy(out, torch.tensor(y))
    value.backward()
    return value.item(), [w.grad.numpy() for w in tw], [b.grad.numpy() for b in tb]


@pytest.mark.parametrize(("activation", "residual", "loss"), CASES)
def test_mlp_gradients_match_torch_autograd(activation: str, residual: bool, loss: str) -> None:
    sizes = [6, 8, 8, 5, 5, 3]  # residual shortcuts only where the widths match: 8 -> 8 and 5 -> 5
    rng = np.random.default_rng(11)
    weights = [rng.normal(0.0, 1.5 / math.sqrt(n), (m, n)) for n, m in itertools.pairwise(sizes)]
    biases = [rng.normal(0.0, 0.5, m) for m in sizes[1:]]
    x = rng.normal(size=(16, 6))
    y = rng.normal(size=(16, 3)) if loss == "mse" else rng.integers(0, 3, 16)
    expected, ew, eb = torch_gradients(weights, biases, x, y, activation, residual, loss)
    value, dws, dbs = nn.mlp_gradients(weights, biases, x, y, activation, residual=residual, loss=loss)
    assert value == pytest.approx(expected, rel=1e-13)
    for got, want in zip([*dws, *dbs], [*ew, *eb], strict=True):
        assert_allclose(got, want, rtol=1e-11, atol=1e-14)


def test_single_linear_layer_has_the_closed_form_gradient() -> None:
    rng = np.random.default_rng(5)
    w, b = rng.normal(size=(2, 3)), rng.normal(size=2)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    value, (dw,), (db,) = nn.mlp_gradients([w], [b], x, y)
    residual = x @ w.T + b - y
    assert value == pytest.approx(np.mean(residual**2), rel=1e-14)
    assert_allclose(dw, 2.0 / residual.size * residual.T @ x, rtol=1e-13)
    assert_allclose(db, 2.0 / residual.size * residual.sum(axis=0), rtol=1e-13)


def test_mlp_gradients_leave_their_inputs_unchanged() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", True, "mse")
    copies = [a.copy() for a in [*weights, *biases, x, y]]
    nn.mlp_gradients(weights, biases, x, y, "tanh", residual=True)
    for before, after in zip(copies, [*weights, *biases, x, y], strict=True):
        assert np.array_equal(before, after)


def test_mlp_gradients_accept_lists_and_float32() -> None:
    weights, biases, x, y = make_problem([2, 3, 1], 4, "relu", False, "mse")
    expected = nn.mlp_gradients(weights, biases, x, y, "relu")
    as_lists = nn.mlp_gradients(
        [w.tolist() for w in weights], [b.tolist() for b in biases], x.tolist(), y.tolist(), "relu"
    )
    assert as_lists[0] == expected[0]
    low = nn.mlp_gradients([w.astype(np.float32) for w in weights], biases, x, y, "relu")
    assert low[1][0].dtype == np.float64
    assert low[0] == pytest.approx(expected[0], rel=1e-6)


# --- errors -----------------------------------------------------------------------------------


def test_shape_errors_name_the_layer() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", False, "mse")
    bad = [weights[0], np.zeros((4, 5)), weights[2]]
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape \(out, 4\).*4 outputs of layer 0"):
        nn.mlp_gradients(bad, biases, x, y)
    with pytest.raises(ValueError, match=r"biases\[2\].*\(2,\)"):
        nn.mlp_gradients(weights, [biases[0], biases[1], np.zeros(3)], x, y)
    with pytest.raises(ValueError, match="one entry per layer"):
        nn.mlp_gradients(weights, biases[:2], x, y)
    with pytest.raises(ValueError, match="at least one layer"):
        nn.mlp_gradients([], [], x, y)
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(out, 2\).*2 features of x"):
        nn.mlp_gradients(weights, biases, x[:, :2], y)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, features\)"):
        nn.mlp_gradients(weights, biases, x[0], y)
    with pytest.raises(ValueError, match=r"y must have the network's output shape \(5, 2\)"):
        nn.mlp_gradients(weights, biases, x, y[:, :1])


def test_unknown_activation_and_loss_list_the_valid_ones() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="activation must be one of sigmoid, tanh, relu"):
        nn.mlp_gradients(weights, biases, x, y, activation="swish")
    with pytest.raises(ValueError, match="loss must be one of mse, cross_entropy"):
        nn.mlp_gradients(weights, biases, x, y, loss="hinge")
    with pytest.raises(ValueError, match="activation must be one of"):
        nn.activation("swish", [0.0])


def test_bad_targets_are_refused() -> None:
    weights, biases, x, _ = make_problem([3, 4, 3], 5, "tanh", False, "cross_entropy")
    with pytest.raises(ValueError, match="targets must be class indices from 0 to 2"):
        nn.mlp_gradients(weights, biases, x, np.array([0, 1, 2, 3, 0]), loss="cross_entropy")
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


# --- init_mlp, mlp_forward, fit ---------------------------------------------------------------


def test_mlp_forward_is_the_output_the_loss_is_computed_on() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", True, "mse")
    out = nn.mlp_forward(weights, biases, x, "tanh", residual=True)
    expected, _ = reference_loss(weights, biases, x, y, "tanh", True, "mse")
    assert float(np.mean((out - y) ** 2)) == pytest.approx(expected, rel=1e-13)


def test_init_mlp_shapes_and_scales() -> None:
    weights, biases = nn.init_mlp([400, 300, 2], np.random.default_rng(0), weight_scale=2.0, bias_scale=0.5)
    assert [w.shape for w in weights] == [(300, 400), (2, 300)]
    assert [b.shape for b in biases] == [(300,), (2,)]
    assert np.std(weights[0]) == pytest.approx(2.0 / math.sqrt(400), rel=0.02)
    assert np.std(biases[0]) == pytest.approx(0.5, rel=0.15)
    with pytest.raises(ValueError, match="sizes must list at least two positive integer widths"):
        nn.init_mlp([3], np.random.default_rng(0))
    with pytest.raises(ValueError, match="weight_scale must be a finite number >= 0"):
        nn.init_mlp([3, 2], np.random.default_rng(0), weight_scale=-1.0)


def test_fit_takes_plain_gradient_descent_steps() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 6, "sigmoid", False, "mse")
    lr = 0.3
    run = nn.fit(weights, biases, x, y, steps=2, lr=lr, activation="sigmoid")
    w, b = [a.copy() for a in weights], [a.copy() for a in biases]
    expected = []
    for _ in range(3):
        value, dws, dbs = nn.mlp_gradients(w, b, x, y, "sigmoid")
        expected.append(value)
        w = [p - lr * g for p, g in zip(w, dws, strict=True)]
        b = [p - lr * g for p, g in zip(b, dbs, strict=True)]
    assert_allclose(run.losses, expected, rtol=1e-13)
    assert not run.diverged
    assert np.array_equal(weights[0], make_problem([3, 4, 2], 6, "sigmoid", False, "mse")[0][0])


def test_fit_with_adam_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    weights, biases, x, y = make_problem([2, 5, 3], 8, "tanh", False, "cross_entropy")
    run = nn.fit(
        weights, biases, x, y, steps=5, lr=0.05, activation="tanh", loss="cross_entropy", optimizer="adam"
    )
    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    tb = [torch.tensor(b, requires_grad=True) for b in biases]
    optimizer = torch.optim.Adam([*tw, *tb], lr=0.05)
    losses = []
    for _ in range(6):
        optimizer.zero_grad()
        hidden = torch.tanh(torch.nn.functional.linear(torch.tensor(x), tw[0], tb[0]))
        value = torch.nn.functional.cross_entropy(
            torch.nn.functional.linear(hidden, tw[1], tb[1]), torch.tensor(y)
        )
        losses.append(value.item())
        value.backward()
        optimizer.step()
    assert_allclose(run.losses, losses, rtol=1e-10)


def test_fit_stops_and_reports_divergence() -> None:
    weights, biases, x, y = make_problem([3, 8, 8, 2], 6, "relu", False, "mse")
    run = nn.fit(weights, biases, x, 100.0 * y, steps=50, lr=50.0, activation="relu")
    assert run.diverged
    assert np.isfinite(run.losses).all() and run.losses.size < 51
    # The parameters handed back are those the last recorded loss was measured at.
    value, _, _ = nn.mlp_gradients(run.weights, run.biases, x, 100.0 * y, "relu")
    assert value == pytest.approx(run.losses[-1], rel=1e-12)


def test_fit_refuses_bad_arguments() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        nn.fit(weights, biases, x, y, steps=-1, lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        nn.fit(weights, biases, x, y, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="optimizer must be one of gd, adam"):
        nn.fit(weights, biases, x, y, steps=1, lr=0.1, optimizer="lbfgs")


# --- several networks at once -------------------------------------------------------------------


def random_problem(
    sizes: list[int], batch: int, loss: str, seed: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0 / math.sqrt(n), (m, n)) for n, m in itertools.pairwise(sizes)]
    biases = [rng.normal(0.0, 0.3, m) for m in sizes[1:]]
    x = rng.normal(size=(batch, sizes[0]))
    y = rng.normal(size=(batch, sizes[-1])) if loss == "mse" else rng.integers(0, sizes[-1], batch)
    return weights, biases, x, y


@pytest.mark.parametrize(
    ("variants", "loss", "optimizer"),
    [
        ([("tanh", False), ("tanh", True)], "mse", "gd"),
        ([("sigmoid", True), ("identity", False), ("relu", True)], "mse", "adam"),
        ([("tanh", False), ("identity", False)], "cross_entropy", "adam"),
        ([("leaky_relu", True), ("sigmoid", False)], "cross_entropy", "gd"),
    ],
)
def test_fit_variants_gives_exactly_what_fit_gives(
    variants: list[tuple[str, bool]], loss: str, optimizer: str
) -> None:
    sizes = [3, 5, 5, 5, 2 if loss == "cross_entropy" else 4]
    weights, biases, x, y = random_problem(sizes, 7, loss)
    runs = nn.fit_variants(weights, biases, x, y, 12, 0.05, variants, loss, optimizer)
    for (activation, residual), run in zip(variants, runs, strict=True):
        alone = nn.fit(weights, biases, x, y, 12, 0.05, activation, residual, loss, optimizer)
        assert np.array_equal(run.losses, alone.losses) and run.diverged == alone.diverged
        for got, want in zip([*run.weights, *run.biases], [*alone.weights, *alone.biases], strict=True):
            assert np.array_equal(got, want)
        _, start, _ = nn.mlp_gradients(weights, biases, x, y, activation, residual, loss)
        for got, want in zip(run.start_gradients, start, strict=True):
            assert np.array_equal(got, want)


def test_a_diverging_variant_stops_alone() -> None:
    weights, biases, x, y = random_problem([3, 8, 8, 2], 6, "mse")
    variants = [
        ("sigmoid", False),
        ("identity", False),
        ("tanh", False),
    ]  # at lr 1 only the sigmoid net is stable
    runs = nn.fit_variants(weights, biases, x, y, 30, 1.0, variants)
    assert [run.diverged for run in runs] == [False, True, True]
    assert [run.losses.size for run in runs] == [31, 2, 10]
    for (activation, _), run in zip(variants, runs, strict=True):
        alone = nn.fit(weights, biases, x, y, 30, 1.0, activation)
        assert np.array_equal(run.losses, alone.losses)
        for got, want in zip([*run.weights, *run.biases], [*alone.weights, *alone.biases], strict=True):
            assert np.array_equal(got, want)


def test_fit_variants_refuses_an_empty_list() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="at least one"):
        nn.fit_variants(weights, biases, x, y, 1, 0.1, [])


@pytest.mark.parametrize(("activation", "residual", "loss"), CASES)
def test_stacked_gradients_are_those_of_each_network(activation: str, residual: bool, loss: str) -> None:
    sizes = [3, 4, 4, 2]
    problems = [random_problem(sizes, 5, loss, seed) for seed in range(3)]
    x, y = problems[0][2], problems[0][3]
    weights = [np.stack([p[0][layer] for p in problems]) for layer in range(len(sizes) - 1)]
    biases = [np.stack([p[1][layer] for p in problems]) for layer in range(len(sizes) - 1)]
    values, dws, dbs = nn.mlp_gradients_stacked(weights, biases, x, y, activation, residual, loss)
    for k, (w, b, _, _) in enumerate(problems):
        value, dw, db = nn.mlp_gradients(w, b, x, y, activation, residual, loss)
        assert values[k] == value
        for got, want in zip([d[k] for d in [*dws, *dbs]], [*dw, *db], strict=True):
            assert np.array_equal(got, want)


def test_stacked_gradients_refuse_unstacked_weights() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match=r"\(K, out, in\)"):
        nn.mlp_gradients_stacked(weights, biases, x, y)
    with pytest.raises(ValueError, match=r"\(K, out\)"):
        nn.mlp_gradients_stacked([w[None] for w in weights], biases, x, y)
