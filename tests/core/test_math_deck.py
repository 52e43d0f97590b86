"""The formulas added to the bundled deck say what the simulations compute: each is written here as
the deck writes it and checked against ``sim`` or an independent computation (scipy, finite
differences, array sizes)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import logsumexp, softmax

import sim
from sim.nn import sigmoid as sim_sigmoid
from studyapp.content import load_library
from studyapp.model import Card


@cache
def cards() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=Path("/nonexistent")).cards}


def written(card_id: str, latex: str) -> None:
    """The card's details (or a cloze note's text) write ``latex``."""
    card = cards()[card_id]
    assert latex in card.details + card.cloze, (card_id, latex)


@pytest.mark.parametrize(("n", "k", "p", "s"), [(32, 3, 1, 2), (28, 5, 0, 1), (7, 3, 2, 3), (96, 3, 1, 1)])
def test_conv_output_size(n: int, k: int, p: int, s: int) -> None:
    written("padding-striding", "o = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1")
    written("conv-output-size::c1", "\\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1")
    out = sim.conv2d(np.zeros((n, n)), np.ones((k, k)), stride=s, padding=p)
    assert out.shape == (math.floor((n + 2 * p - k) / s) + 1,) * 2


def test_the_padding_striding_example_is_the_simulations_preset() -> None:
    card = cards()["padding-striding"]
    assert "$n = 32$, $k = 3$, $p = 1$ and $s = 2$ give $o = 16$" in card.details
    answers = sim.run(str(card.sim), dict(card.sim_params)).answers
    assert answers["input_shape"] == [32, 32] and answers["output_shape"] == [16, 16]
    assert np.array(sim.FILTERS["blur"]).shape == (3, 3)


def test_conv_parameter_count() -> None:
    written("conv-filters", "P = (k_h k_w C_{\\text{in}} + 1)\\, C_{\\text{out}}")
    kh, kw, c_in, c_out = 3, 3, 64, 128
    weights, biases = np.zeros((c_out, c_in, kh, kw)), np.zeros(c_out)  # torch.nn.Conv2d's shapes
    assert (kh * kw * c_in + 1) * c_out == weights.size + biases.size == 73_856
    assert "= 73,856" in cards()["conv-filters"].details


def quadratic_gradient(x: np.ndarray) -> np.ndarray:
    """The gradient of L(θ) = (θ₀ − 3)² + 10 θ₁²."""
    return np.array([2 * (x[0] - 3), 20 * x[1]])


THETA0 = np.array([0.0, 1.0])


def test_gradient_descent_step() -> None:
    written("gradient", "\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta L(\\theta_t)")
    eta, theta, path = 0.04, THETA0.copy(), [THETA0.copy()]
    for _ in range(5):
        theta = theta - eta * quadratic_gradient(theta)
        path.append(theta)
    assert_allclose(sim.optimize("sgd", quadratic_gradient, THETA0, lr=eta, steps=5), path)


def test_momentum_step() -> None:
    written(
        "optimisation-heuristics",
        "v_{t+1} = \\mu v_t + \\nabla_\\theta L(\\theta_t), "
        "\\qquad \\theta_{t+1} = \\theta_t - \\eta v_{t+1}",
    )
    eta, mu = 0.02, 0.9
    theta, v, path = THETA0.copy(), np.zeros(2), [THETA0.copy()]
    for _ in range(6):
        v = mu * v + quadratic_gradient(theta)
        theta = theta - eta * v
        path.append(theta)
    assert_allclose(sim.optimize("momentum", quadratic_gradient, THETA0, lr=eta, steps=6, momentum=mu), path)


def test_adam_step_with_bias_correction() -> None:
    for latex in (
        "m_t = \\beta_1 m_{t-1} + (1 - \\beta_1)\\, g_t",
        "v_t = \\beta_2 v_{t-1} + (1 - \\beta_2)\\, g_t^2",
        "\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}, \\qquad \\hat v_t = \\frac{v_t}{1 - \\beta_2^t}",
        "\\theta_t = \\theta_{t-1} - \\eta \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}",
    ):
        written("adaptive-optimisers", latex)
    written("adam-bias-correction::c1", "\\frac{m_t}{1 - \\beta_1^t}")
    eta, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    theta, m, v, path = THETA0.copy(), np.zeros(2), np.zeros(2), [THETA0.copy()]
    for t in range(1, 8):
        g = quadratic_gradient(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - eta * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta)
    assert_allclose(sim.optimize("adam", quadratic_gradient, THETA0, lr=eta, steps=7), path, rtol=1e-12)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def test_sigmoid_derivative() -> None:
    written("common-activations", "\\sigma'(x) = \\sigma(x)(1 - \\sigma(x)) \\le \\frac{1}{4}")
    written("sigmoid-derivative::c1", "{{c1::\\sigma(x)(1 - \\sigma(x))}}")
    x, h = np.linspace(-6, 6, 121), 1e-5
    finite = (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
    assert_allclose(sigmoid(x) * (1 - sigmoid(x)), finite, atol=1e-9)
    assert_allclose(np.asarray(sim_sigmoid(x)), sigmoid(x))
    assert finite.max() == pytest.approx(0.25, abs=1e-9) and x[np.argmax(finite)] == 0


def test_log_sum_exp_and_softmax_with_the_max_shift() -> None:
    written("log-sum-exp", "\\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}")
    written("log-sum-exp", "\\frac{e^{z_i - m}}{\\sum_j e^{z_j - m}}")
    written("log-sum-exp-shift::c1", "m = {{c1::\\max_j z_j}}")
    z = np.array([1000.0, 999.0, -1000.0, 1001.5])
    m = z.max()
    shifted = m + np.log(np.exp(z - m).sum())
    assert np.isfinite(shifted) and shifted == pytest.approx(logsumexp(z))
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.log(np.exp(z).sum())), "without the shift it overflows"
    assert_allclose(np.exp(z - m) / np.exp(z - m).sum(), softmax(z))
    assert float(sim.logsumexp(z)) == pytest.approx(logsumexp(z))


def test_cross_entropy_gradient_is_p_minus_y() -> None:
    written("cross-entropy", "\\frac{\\partial L}{\\partial z_i} = p_i - y_i")
    written("cross-entropy-gradient::c1", "{{c1::p - y}}")
    z, y, h = np.array([0.5, -1.2, 2.0, 0.1]), np.array([0.0, 0.0, 1.0, 0.0]), 1e-6

    def loss(logits: np.ndarray) -> float:
        return float(-(y * (logits - logsumexp(logits))).sum())

    finite = np.array([(loss(z + h * e) - loss(z - h * e)) / (2 * h) for e in np.eye(4)])
    assert_allclose(softmax(z) - y, finite, atol=1e-8)


def test_jacobian_entries_and_shape() -> None:
    written("jacobian", "J_{ij} = \\frac{\\partial f_i}{\\partial x_j}")
    card = cards()["jacobian"]
    assert "the $m \\times n$ matrix" in card.details
    answers = sim.run(str(card.sim), dict(card.sim_params)).answers
    m, n = card.sim_params["outputs"], card.sim_params["inputs"]
    assert np.array(answers["jacobian"]).shape == (m, n)  # a row per output f_i, a column per input x_j
    assert answers["vjp_passes"] == 1 and np.array(answers["vjp"]).shape == (n,)


def test_hessian_entries_are_second_partial_derivatives() -> None:
    written("hessian", "H_{ij} = \\frac{\\partial^2 f}{\\partial x_i \\, \\partial x_j}")
    card = cards()["hessian"]
    hessian = np.array(sim.run(str(card.sim), dict(card.sim_params)).answers["hessian"])

    def f(x: float, y: float) -> float:  # the card's preset: 0.25*x**4 - x**2 + y**2 + x*y at (0, 0)
        return 0.25 * x**4 - x**2 + y**2 + x * y

    h = 1e-4

    def second(i: int, j: int) -> float:
        """The central difference of ∂²f/∂x_i∂x_j at the origin."""
        a, b = np.eye(2)[i] * h, np.eye(2)[j] * h
        return (f(*(a + b)) - f(*(a - b)) - f(*(b - a)) + f(*(-a - b))) / (4 * h * h)

    finite = np.array([[second(i, j) for j in range(2)] for i in range(2)])
    assert_allclose(hessian, finite, atol=1e-6)
    assert_allclose(hessian, hessian.T)
