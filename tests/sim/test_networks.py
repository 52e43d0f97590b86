"""sim.networks against central finite differences and (where installed) torch autograd."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import special

import sim
from sim import networks, nn, training
from tests.sim.test_nn import ACTIVATIONS, REFERENCE_ACTS


def test_mlp_gradients_is_exposed_lazily_on_the_package() -> None:
    assert sim.mlp_gradients is networks.mlp_gradients


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
    value, dws, dbs = networks.mlp_gradients(weights, biases, x, y, activation, residual=residual, loss=loss)
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
    value, dws, dbs = networks.mlp_gradients(weights, biases, x, y, activation, residual=residual, loss=loss)
    assert value == pytest.approx(expected, rel=1e-13)
    for got, want in zip([*dws, *dbs], [*ew, *eb], strict=True):
        assert_allclose(got, want, rtol=1e-11, atol=1e-14)


def test_single_linear_layer_has_the_closed_form_gradient() -> None:
    rng = np.random.default_rng(5)
    w, b = rng.normal(size=(2, 3)), rng.normal(size=2)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    value, (dw,), (db,) = networks.mlp_gradients([w], [b], x, y)
    residual = x @ w.T + b - y
    assert value == pytest.approx(np.mean(residual**2), rel=1e-14)
    assert_allclose(dw, 2.0 / residual.size * residual.T @ x, rtol=1e-13)
    assert_allclose(db, 2.0 / residual.size * residual.sum(axis=0), rtol=1e-13)


def test_mlp_gradients_leave_their_inputs_unchanged() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", True, "mse")
    copies = [a.copy() for a in [*weights, *biases, x, y]]
    networks.mlp_gradients(weights, biases, x, y, "tanh", residual=True)
    for before, after in zip(copies, [*weights, *biases, x, y], strict=True):
        assert np.array_equal(before, after)


def test_mlp_gradients_accept_lists_and_float32() -> None:
    weights, biases, x, y = make_problem([2, 3, 1], 4, "relu", False, "mse")
    expected = networks.mlp_gradients(weights, biases, x, y, "relu")
    as_lists = networks.mlp_gradients(
        [w.tolist() for w in weights], [b.tolist() for b in biases], x.tolist(), y.tolist(), "relu"
    )
    assert as_lists[0] == expected[0]
    low = networks.mlp_gradients([w.astype(np.float32) for w in weights], biases, x, y, "relu")
    assert low[1][0].dtype == np.float64
    assert low[0] == pytest.approx(expected[0], rel=1e-6)


# --- errors -----------------------------------------------------------------------------------


def test_shape_errors_name_the_layer() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", False, "mse")
    bad = [weights[0], np.zeros((4, 5)), weights[2]]
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape \(out, 4\).*4 outputs of layer 0"):
        networks.mlp_gradients(bad, biases, x, y)
    with pytest.raises(ValueError, match=r"biases\[2\].*\(2,\)"):
        networks.mlp_gradients(weights, [biases[0], biases[1], np.zeros(3)], x, y)
    with pytest.raises(ValueError, match="one entry per layer"):
        networks.mlp_gradients(weights, biases[:2], x, y)
    with pytest.raises(ValueError, match="at least one layer"):
        networks.mlp_gradients([], [], x, y)
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(out, 2\).*2 features of x"):
        networks.mlp_gradients(weights, biases, x[:, :2], y)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, features\)"):
        networks.mlp_gradients(weights, biases, x[0], y)
    with pytest.raises(ValueError, match=r"y must have the network's output shape \(5, 2\)"):
        networks.mlp_gradients(weights, biases, x, y[:, :1])


def test_unknown_activation_and_loss_list_the_valid_ones() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="activation must be one of sigmoid, tanh, relu"):
        networks.mlp_gradients(weights, biases, x, y, activation="swish")
    with pytest.raises(ValueError, match="loss must be one of mse, cross_entropy"):
        networks.mlp_gradients(weights, biases, x, y, loss="hinge")


def test_bad_targets_are_refused_by_mlp_gradients() -> None:
    weights, biases, x, _ = make_problem([3, 4, 3], 5, "tanh", False, "cross_entropy")
    with pytest.raises(ValueError, match="targets must be class indices from 0 to 2"):
        networks.mlp_gradients(weights, biases, x, np.array([0, 1, 2, 3, 0]), loss="cross_entropy")


# --- init_mlp, mlp_forward, fit ---------------------------------------------------------------


def test_mlp_forward_is_the_output_the_loss_is_computed_on() -> None:
    weights, biases, x, y = make_problem([3, 4, 4, 2], 5, "tanh", True, "mse")
    out = networks.mlp_forward(weights, biases, x, "tanh", residual=True)
    expected, _ = reference_loss(weights, biases, x, y, "tanh", True, "mse")
    assert float(np.mean((out - y) ** 2)) == pytest.approx(expected, rel=1e-13)


def test_init_mlp_shapes_and_scales() -> None:
    weights, biases = networks.init_mlp(
        [400, 300, 2], np.random.default_rng(0), weight_scale=2.0, bias_scale=0.5
    )
    assert [w.shape for w in weights] == [(300, 400), (2, 300)]
    assert [b.shape for b in biases] == [(300,), (2,)]
    assert np.std(weights[0]) == pytest.approx(2.0 / math.sqrt(400), rel=0.02)
    assert np.std(biases[0]) == pytest.approx(0.5, rel=0.15)
    with pytest.raises(ValueError, match="sizes must list at least two positive integer widths"):
        networks.init_mlp([3], np.random.default_rng(0))
    with pytest.raises(ValueError, match="weight_scale must be a finite number >= 0"):
        networks.init_mlp([3, 2], np.random.default_rng(0), weight_scale=-1.0)


def test_fit_takes_plain_gradient_descent_steps() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 6, "sigmoid", False, "mse")
    lr = 0.3
    run = training.fit(weights, biases, x, y, steps=2, lr=lr, activation="sigmoid")
    w, b = [a.copy() for a in weights], [a.copy() for a in biases]
    expected = []
    for _ in range(3):
        value, dws, dbs = networks.mlp_gradients(w, b, x, y, "sigmoid")
        expected.append(value)
        w = [p - lr * g for p, g in zip(w, dws, strict=True)]
        b = [p - lr * g for p, g in zip(b, dbs, strict=True)]
    assert_allclose(run.losses, expected, rtol=1e-13)
    assert not run.diverged
    assert np.array_equal(weights[0], make_problem([3, 4, 2], 6, "sigmoid", False, "mse")[0][0])


def test_fit_with_adam_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    weights, biases, x, y = make_problem([2, 5, 3], 8, "tanh", False, "cross_entropy")
    run = training.fit(
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
    run = training.fit(weights, biases, x, 100.0 * y, steps=50, lr=50.0, activation="relu")
    assert run.diverged
    assert np.isfinite(run.losses).all() and run.losses.size < 51
    # The parameters handed back are those the last recorded loss was measured at.
    value, _, _ = networks.mlp_gradients(run.weights, run.biases, x, 100.0 * y, "relu")
    assert value == pytest.approx(run.losses[-1], rel=1e-12)


def test_fit_refuses_bad_arguments() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        training.fit(weights, biases, x, y, steps=-1, lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        training.fit(weights, biases, x, y, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="optimizer must be one of gd, adam"):
        training.fit(weights, biases, x, y, steps=1, lr=0.1, optimizer="lbfgs")


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
    runs = training.fit_variants(weights, biases, x, y, 12, 0.05, variants, loss, optimizer)
    for (activation, residual), run in zip(variants, runs, strict=True):
        alone = training.fit(weights, biases, x, y, 12, 0.05, activation, residual, loss, optimizer)
        assert np.array_equal(run.losses, alone.losses) and run.diverged == alone.diverged
        for got, want in zip([*run.weights, *run.biases], [*alone.weights, *alone.biases], strict=True):
            assert np.array_equal(got, want)
        _, start, _ = networks.mlp_gradients(weights, biases, x, y, activation, residual, loss)
        for got, want in zip(run.start_gradients, start, strict=True):
            assert np.array_equal(got, want)


def test_a_diverging_variant_stops_alone() -> None:
    weights, biases, x, y = random_problem([3, 8, 8, 2], 6, "mse")
    variants = [
        ("sigmoid", False),
        ("identity", False),
        ("tanh", False),
    ]  # at lr 1 only the sigmoid net is stable
    runs = training.fit_variants(weights, biases, x, y, 30, 1.0, variants)
    assert [run.diverged for run in runs] == [False, True, True]
    assert [run.losses.size for run in runs] == [31, 2, 10]
    for (activation, _), run in zip(variants, runs, strict=True):
        alone = training.fit(weights, biases, x, y, 30, 1.0, activation)
        assert np.array_equal(run.losses, alone.losses)
        for got, want in zip([*run.weights, *run.biases], [*alone.weights, *alone.biases], strict=True):
            assert np.array_equal(got, want)


def test_fit_variants_refuses_an_empty_list() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match="at least one"):
        training.fit_variants(weights, biases, x, y, 1, 0.1, [])


@pytest.mark.parametrize(("activation", "residual", "loss"), CASES)
def test_stacked_gradients_are_those_of_each_network(activation: str, residual: bool, loss: str) -> None:
    sizes = [3, 4, 4, 2]
    problems = [random_problem(sizes, 5, loss, seed) for seed in range(3)]
    x, y = problems[0][2], problems[0][3]
    weights = [np.stack([p[0][layer] for p in problems]) for layer in range(len(sizes) - 1)]
    biases = [np.stack([p[1][layer] for p in problems]) for layer in range(len(sizes) - 1)]
    values, dws, dbs = networks.mlp_gradients_stacked(weights, biases, x, y, activation, residual, loss)
    for k, (w, b, _, _) in enumerate(problems):
        value, dw, db = networks.mlp_gradients(w, b, x, y, activation, residual, loss)
        assert values[k] == value
        for got, want in zip([d[k] for d in [*dws, *dbs]], [*dw, *db], strict=True):
            assert np.array_equal(got, want)


def test_stacked_gradients_refuse_unstacked_weights() -> None:
    weights, biases, x, y = make_problem([3, 4, 2], 5, "tanh", False, "mse")
    with pytest.raises(ValueError, match=r"\(K, out, in\)"):
        networks.mlp_gradients_stacked(weights, biases, x, y)
    with pytest.raises(ValueError, match=r"\(K, out\)"):
        networks.mlp_gradients_stacked([w[None] for w in weights], biases, x, y)
