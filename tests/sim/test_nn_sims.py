"""The neural-network simulations' answers against closed forms, scipy and torch autograd."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, special

import sim
from sim import networks, nn, training
from sim.simulations import log_sum_exp, mlp, residual, vanishing_gradients
from tests.sim.test_networks import torch_gradients


def answers_of(name: str, params: dict[str, Any] | None = None, seed: int = 0) -> dict[str, Any]:
    """A simulation's answers, typed loosely for arithmetic in the tests."""
    return dict(sim.run(name, params, seed).answers)


def torch_layer_gradients(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    activation: str,
    shortcut: bool = False,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dW and db of an MSE-trained MLP by torch autograd."""
    _, dws, dbs = torch_gradients(weights, biases, x, y, activation, shortcut, "mse")
    return dws, dbs


# --- activations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "slope_at_zero", "max_slope"),
    [("sigmoid", 0.25, 0.25), ("tanh", 1.0, 1.0), ("relu", 0.0, 1.0), ("leaky_relu", 0.2, 1.0)],
)
def test_activation_answers(function: str, slope_at_zero: float, max_slope: float) -> None:
    answers = answers_of("activations", {"function": function, "layers": 10, "leak": 0.2})
    assert answers["derivative_at_zero"] == pytest.approx(slope_at_zero, rel=1e-12)
    assert answers["max_derivative"] == pytest.approx(max_slope, rel=1e-12)
    assert answers["gradient_factor"] == pytest.approx(max_slope**10, rel=1e-12)


# --- vanishing-gradients ------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_vanishing_gradient_norms_match_torch(activation: str) -> None:
    params = {"activation": activation, "depth": 12, "weight_scale": 1.5, "width": 16}
    result = sim.run("vanishing-gradients", params, seed=4)
    spec_params = sim.spec("vanishing-gradients").resolve(params)
    weights, biases, x, y = vanishing_gradients.network(spec_params, np.random.default_rng(4))
    _, dbs = torch_layer_gradients(weights, biases, x, y, activation)
    expected = [np.linalg.norm(db) for db in dbs]
    assert_allclose(result.data["norms"][activation], expected, rtol=1e-10)
    answers: dict[str, Any] = result.answers
    assert answers["first_layer_norm"] == pytest.approx(expected[0], rel=1e-10)
    assert answers["last_layer_norm"] == pytest.approx(expected[-1], rel=1e-10)
    assert answers["gradient_ratio"] == pytest.approx(expected[0] / expected[-1], rel=1e-10)
    assert answers["log10_ratio"] == pytest.approx(math.log10(expected[0] / expected[-1]), abs=1e-10)
    assert answers["per_layer_factor"] ** 12 == pytest.approx(answers["gradient_ratio"], rel=1e-9)


def test_sigmoid_gradient_shrinks_at_least_as_fast_as_its_slope_bound() -> None:
    # Each layer multiplies the error by sigmoid' <= 1/4 and by W.T, whose spectral norm bounds it.
    params = {"activation": "sigmoid", "depth": 20, "weight_scale": 1.0, "width": 32}
    answers = answers_of("vanishing-gradients", params)
    weights, _, _, _ = vanishing_gradients.network(
        sim.spec("vanishing-gradients").resolve(params), np.random.default_rng(0)
    )
    bound = math.prod(0.25 * np.linalg.norm(w, 2) for w in weights[1:])
    assert answers["gradient_ratio"] <= bound
    assert answers["regime"] == "vanishing"


def test_relu_gradient_follows_the_weight_scale() -> None:
    # For ReLU the error is multiplied per layer by about weight_scale / sqrt(2) (He et al., 2015).
    small = answers_of("vanishing-gradients", {"activation": "relu", "weight_scale": 0.5, "depth": 40})
    he = answers_of("vanishing-gradients", {"activation": "relu", "weight_scale": math.sqrt(2), "depth": 40})
    large = answers_of("vanishing-gradients", {"activation": "relu", "weight_scale": 4.0, "depth": 40})
    assert small["regime"] == "vanishing" and large["regime"] == "exploding"
    assert small["per_layer_factor"] == pytest.approx(0.5 / math.sqrt(2), rel=0.25)
    assert he["per_layer_factor"] == pytest.approx(1.0, rel=0.1)
    assert large["per_layer_factor"] == pytest.approx(4.0 / math.sqrt(2), rel=0.25)


def test_regime_names() -> None:
    assert vanishing_gradients.regime(0.0, -400.0) == "dead"
    assert vanishing_gradients.regime(1e-9, -3.0) == "vanishing"
    assert vanishing_gradients.regime(1.0, 1.0) == "stable"
    assert vanishing_gradients.regime(1e5, 3.0) == "exploding"


# --- residual -----------------------------------------------------------------------------------


@pytest.mark.parametrize("init", ["standard", "residual"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_residual_gradients_match_torch(activation: str, init: str) -> None:
    params = {"activation": activation, "depth": 8, "steps": 10, "init": init}
    result = sim.run("residual", params, seed=2)
    starts, biases, x, y = residual.network(8, activation, init, np.random.default_rng(2))
    for variant, shortcut in (("plain", False), ("residual", True)):
        dws, _ = torch_layer_gradients(starts[variant], biases, x, y, activation, shortcut)
        assert_allclose(result.data["norms"][variant], [np.linalg.norm(dw) for dw in dws], rtol=1e-10)
    answers: dict[str, Any] = result.answers
    assert answers["first_layer_gradient_plain"] == result.data["norms"]["plain"][0]
    assert answers["first_layer_gradient_residual"] == result.data["norms"]["residual"][0]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_each_network_starts_from_its_own_initialisation(activation: str) -> None:
    depth = 6
    starts, _, _, _ = residual.network(depth, activation, "standard", np.random.default_rng(3))
    drawn, _ = networks.init_mlp(
        [1] + [residual.WIDTH] * (depth + 1) + [1], np.random.default_rng(3), 1.0, 0.1
    )
    gain = math.sqrt(2.0) if activation == "relu" else 1.0
    for layer, w in enumerate(drawn):
        plain_gain = 1.0 if layer == len(drawn) - 1 else gain  # the output layer is linear
        shortcut_scale = 1.0 if layer in (0, len(drawn) - 1) else 1.0 / math.sqrt(depth)
        assert_allclose(starts["plain"][layer], plain_gain * w, rtol=1e-15)
        assert_allclose(starts["residual"][layer], shortcut_scale * w, rtol=1e-15)
    shared, _, _, _ = residual.network(depth, activation, "residual", np.random.default_rng(3))
    for plain, shortcut in zip(shared["plain"], shared["residual"], strict=True):
        assert_allclose(plain, shortcut, rtol=0)


def test_with_the_residual_init_the_plain_network_cannot_learn() -> None:
    # The shortcut network's small weights without shortcuts: the gradient fades before the first layers.
    answers = answers_of("residual", {"init": "residual"})
    assert answers["first_layer_gradient_residual"] > 1e6 * answers["first_layer_gradient_plain"]
    assert not answers["diverged_residual"] and not answers["diverged_plain"]
    # The plain network cannot do better than predicting the mean: the variance of sin(x).
    variance = float(np.var(np.sin(np.linspace(-2.0, 2.0, residual.POINTS))))
    assert answers["final_loss_plain"] == pytest.approx(variance, rel=0.05)
    assert answers["final_loss_residual"] < 0.05 * variance


@pytest.mark.parametrize("init", ["standard", "residual"])
def test_residual_loss_curves_start_at_the_initial_loss(init: str) -> None:
    result = sim.run("residual", {"depth": 4, "steps": 10, "init": init})
    starts, biases, x, y = residual.network(4, "tanh", init, np.random.default_rng(0))
    for variant, shortcut in (("plain", False), ("residual", True)):
        initial, _, _ = sim.mlp_gradients(starts[variant], biases, x, y, "tanh", residual=shortcut)
        losses = result.data["losses"][variant]
        assert losses[0] == pytest.approx(initial, rel=1e-14)
        assert losses.size == 11


def test_variants_with_their_own_starts_train_as_separate_fits() -> None:
    starts, biases, x, y = residual.network(5, "tanh", "standard", np.random.default_rng(1))
    variants = [("tanh", False), ("tanh", True)]
    together = training.fit_variants(
        starts["residual"], biases, x, y, 12, 0.01, variants, starts=[starts["plain"], starts["residual"]]
    )
    for run, (activation, shortcut), start in zip(
        together, variants, [starts["plain"], starts["residual"]], strict=True
    ):
        alone = training.fit(start, biases, x, y, 12, 0.01, activation, shortcut)
        assert_allclose(run.losses, alone.losses, rtol=0, atol=0)
        for got, want in zip([*run.weights, *run.biases], [*alone.weights, *alone.biases], strict=True):
            assert_allclose(got, want, rtol=0, atol=0)


def test_starts_must_match_the_variants_and_the_shapes() -> None:
    starts, biases, x, y = residual.network(3, "tanh", "standard", np.random.default_rng(1))
    variants = [("tanh", False), ("tanh", True)]
    with pytest.raises(ValueError, match="one weight list per variant"):
        training.fit_variants(starts["plain"], biases, x, y, 2, 0.01, variants, starts=[starts["plain"]])
    wrong = [w[:, :1] if w.shape[1] > 1 else w for w in starts["plain"]]
    with pytest.raises(ValueError, match="shape"):
        training.fit_variants(starts["plain"], biases, x, y, 2, 0.01, variants, starts=[wrong, wrong])


def test_too_large_a_learning_rate_is_reported_as_divergence() -> None:
    answers = answers_of("residual", {"activation": "relu", "depth": 40, "lr": 0.05})
    assert answers["diverged_residual"]
    assert math.isfinite(answers["final_loss_residual"])


# --- mlp ----------------------------------------------------------------------------------------


def least_squares_loss(x: np.ndarray, y: np.ndarray) -> float:
    design = np.hstack([x, np.ones_like(x)])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.mean((design @ coefficients - y) ** 2))


@pytest.mark.parametrize("target", ["sin", "step", "abs"])
def test_the_identity_network_is_the_least_squares_line(target: str) -> None:
    answers = answers_of("mlp", {"target": target, "steps": 1000, "lr": 0.05})
    x, y = mlp.make_data(target, np.random.default_rng(0))
    best = least_squares_loss(x, y)
    assert answers["linear_loss"] >= best * (1 - 1e-9)
    assert answers["linear_loss"] == pytest.approx(best, rel=1e-3)
    r_squared = 1.0 - best / float(np.var(y))
    assert answers["linear_score"] == pytest.approx(r_squared, abs=1e-3)


def test_a_hidden_layer_fits_what_a_line_cannot() -> None:
    for target in ("sin", "abs"):
        answers = answers_of("mlp", {"target": target})
        assert answers["score"] > 0.95 > answers["linear_score"]
        assert answers["final_loss"] < 0.1 * answers["linear_loss"]
    xor = answers_of("mlp", {"target": "xor"})
    assert xor["score"] > 0.95
    assert xor["linear_score"] < 0.8  # no straight line separates xor
    assert xor["linear_loss"] == pytest.approx(math.log(2.0), rel=0.05)  # about chance: log 2 nats


@pytest.mark.parametrize(("target", "hidden", "count"), [("sin", 16, 16 * 2 + 17), ("xor", 5, 5 * 3 + 2 * 6)])
def test_parameter_count(target: str, hidden: int, count: int) -> None:
    assert answers_of("mlp", {"target": target, "hidden": hidden, "steps": 10})["parameters"] == count


def test_the_linear_decision_boundary_is_where_the_linear_model_is_undecided() -> None:
    result = sim.run("mlp", {"target": "xor", "activation": "tanh"})
    boundary = result.data["linear_boundary"]
    axis = result.data["grid_axis"]
    assert boundary is not None and boundary.shape == (2, 2)
    assert np.all((boundary >= axis[0] - 1e-9) & (boundary <= axis[-1] + 1e-9))
    # Both ends lie on the square's edges, and the linear model gives 1/2 all along the segment.
    assert all(np.isclose(np.abs(end), axis[-1]).any() for end in boundary)
    params = sim.spec("mlp").resolve({"target": "xor"})
    rng = np.random.default_rng(0)  # the linear model as compute trains it
    x, y = mlp.make_data("xor", rng)
    weights, biases = networks.init_mlp([2, params["hidden"], 2], rng, 1.0, 1.0)
    linear = training.fit(
        weights, biases, x, y, params["steps"], params["lr"], "identity", False, "cross_entropy", "adam"
    )
    points = boundary[0] + np.linspace(0.0, 1.0, 9)[:, None] * (boundary[1] - boundary[0])
    logits = networks.mlp_forward(linear.weights, linear.biases, points, "identity")
    assert_allclose(nn.sigmoid(logits[:, 1] - logits[:, 0]), 0.5, atol=1e-12)


def test_score_is_r_squared_or_accuracy() -> None:
    y = np.array([[1.0], [2.0], [3.0]])
    assert mlp.score(y, y, classify=False) == 1.0
    assert mlp.score(np.full_like(y, 2.0), y, classify=False) == 0.0
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]])
    assert mlp.score(logits, np.array([0, 1, 1, 0]), classify=True) == 0.5


# --- log-sum-exp --------------------------------------------------------------------------------


@pytest.mark.parametrize("sign", ["mixed", "positive", "negative"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_failure_scales_match_the_floating_point_limits(sign: str, dtype: str) -> None:
    answers = answers_of("log-sum-exp", {"sign": sign, "logits": 16}, seed=5)
    u = log_sum_exp.pattern(16, sign, np.random.default_rng(5))
    info = np.finfo(np.float32 if dtype == "float32" else np.float64)
    if sign == "negative":
        # Every exp underflows to 0 once the largest logit is below log of half the smallest subnormal.
        limit = math.log(float(info.smallest_subnormal)) - math.log(2.0)
        expected = limit / u.max()
    else:
        # The sum overflows once the exact log-sum-exp reaches log of the largest float.
        limit = math.log(float(info.max))
        expected = optimize.brentq(lambda s: special.logsumexp(s * u) - limit, 1.0, 1e4, xtol=1e-12)
    scale = answers[f"failure_scale_{dtype}"]
    assert scale == pytest.approx(expected, rel=2e-3)
    assert not log_sum_exp.fails(0.99 * scale * u, dtype)
    assert log_sum_exp.fails(1.01 * scale * u, dtype)


@pytest.mark.parametrize(
    ("scale", "dtype", "failed"),
    [
        (50.0, "float32", False),
        (100.0, "float32", True),
        (500.0, "float64", False),
        (1000.0, "float64", True),
    ],
)
def test_stable_values_and_naive_failure(scale: float, dtype: str, failed: bool) -> None:
    result = sim.run("log-sum-exp", {"scale": scale, "dtype": dtype, "sign": "positive"})
    u = log_sum_exp.pattern(8, "positive", np.random.default_rng(0))
    logits = scale * u
    assert result.answers["stable_lse"] == pytest.approx(special.logsumexp(logits), rel=1e-15)
    assert result.answers["top_probability"] == pytest.approx(special.softmax(logits).max(), rel=1e-14)
    assert result.answers["max_logit"] == scale
    assert result.answers["naive_failed"] is failed
    if not failed:
        with np.errstate(all="raise"):
            naive = np.log(np.sum(np.exp(logits.astype(dtype))))
        assert float(naive) == pytest.approx(special.logsumexp(logits), rel=1e-5)


# --- cross-entropy ------------------------------------------------------------------------------


@pytest.mark.parametrize("logit", [-10.0, -4.0, -0.5, 0.0, 3.0, 10.0])
@pytest.mark.parametrize("target", [0, 1])
def test_cross_entropy_and_squared_error_gradients_have_their_closed_forms(logit: float, target: int) -> None:
    answers = answers_of("cross-entropy", {"logit": logit, "target": target})
    p = float(special.expit(logit))
    assert answers["probability"] == pytest.approx(p, rel=1e-14)
    assert answers["ce_gradient"] == pytest.approx(p - target, rel=1e-12, abs=1e-300)
    assert answers["mse_gradient"] == pytest.approx(2.0 * (p - target) * p * (1.0 - p), rel=1e-9)
    ce_loss = -math.log(p) if target == 1 else -math.log1p(-p)
    assert answers["ce_loss"] == pytest.approx(ce_loss, rel=1e-12)
    assert answers["mse_loss"] == pytest.approx((p - target) ** 2, rel=1e-12)
    assert answers["gradient_ratio"] == pytest.approx(
        abs(answers["ce_gradient"]) / abs(answers["mse_gradient"]), rel=1e-15
    )


def test_gradient_curves_match_the_closed_forms_and_finite_differences() -> None:
    result = sim.run("cross-entropy", {"logit_range": 6.0})
    grid = result.data["grid"]
    p = special.expit(grid)
    ce, mse = result.data["curves"]["ce"], result.data["curves"]["mse"]
    assert_allclose(ce[:, 1], p - 1.0, rtol=1e-12)
    assert_allclose(mse[:, 1], 2.0 * (p - 1.0) * p * (1.0 - p), rtol=1e-9)
    step = 1e-6
    numeric = (special.expit(grid + step) - special.expit(grid - step)) / (2 * step)  # dp/dz
    assert_allclose(mse[:, 1], 2.0 * (p - 1.0) * numeric, rtol=1e-6)


def test_confidently_wrong_cross_entropy_learns_far_faster() -> None:
    answers = answers_of("cross-entropy", {"logit": -6.0, "target": 1})
    assert answers["ce_gradient"] < -0.99
    assert abs(answers["mse_gradient"]) < 0.01
    assert answers["gradient_ratio"] > 100
