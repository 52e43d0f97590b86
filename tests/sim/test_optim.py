"""Optimisers against torch.optim and closed forms; the four optimisation simulations against oracles."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose
from scipy import linalg

import sim
from sim.functions import Rosenbrock, grid, make
from sim.optim import DEFAULTS, OPTIMIZERS, newton, newton_2d, optimize, optimize_2d
from sim.simulations.batching import train
from sim.simulations.gradient_descent import landscape, shading

A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, -2.0])


def quadratic_grad(x: np.ndarray) -> np.ndarray:
    """Gradient of 0.5 x'Ax - b'x."""
    return A @ x - B


ROSENBROCK = Rosenbrock(a=1.0, b=100.0)


def answers_of(name: str, params: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """The answers of simulation ``name`` (typed loosely, as tests read them)."""
    return dict(sim.run(name, params, seed).answers)


def run(name: str, params: dict[str, Any], seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers and data of simulation ``name``."""
    result = sim.run(name, params, seed)
    return dict(result.answers), result.data


TORCH_CASES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}),
    ("momentum", {}),
    ("momentum", {"momentum": 0.7, "nesterov": True}),
    ("adagrad", {}),
    ("adagrad", {"lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.01, "eps": 1e-6}),
    ("rmsprop", {}),
    ("rmsprop", {"alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True}),
]


def torch_path(name: str, hyper: dict[str, Any], grad_fn: Callable[[np.ndarray], np.ndarray], x0: list[float],
               lr: float, steps: int) -> np.ndarray:  # fmt: skip
    """The same run with torch.optim, feeding it the same gradients."""
    torch = pytest.importorskip("torch")
    classes = {"sgd": "SGD", "momentum": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
    kwargs = {"momentum": 0.9, **hyper} if name == "momentum" else dict(hyper)
    param = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, classes[name])([param], lr=lr, **kwargs)
    rows = [param.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        param.grad = torch.from_numpy(np.asarray(grad_fn(param.detach().numpy().copy()), dtype=np.float64))
        opt.step()
        rows.append(param.detach().numpy().copy())
    return np.array(rows)


@pytest.mark.parametrize(("name", "hyper"), TORCH_CASES)
def test_every_step_matches_torch_on_a_quadratic(name: str, hyper: dict[str, Any]) -> None:
    ours = optimize(name, quadratic_grad, [0.5, 1.5], 0.05, 40, **hyper)
    assert_allclose(
        ours, torch_path(name, hyper, quadratic_grad, [0.5, 1.5], 0.05, 40), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize(("name", "hyper"), TORCH_CASES)
def test_every_step_matches_torch_on_rosenbrock(name: str, hyper: dict[str, Any]) -> None:
    ours = optimize(name, ROSENBROCK.gradient, [-1.2, 1.0], 1e-4, 60, **hyper)
    theirs = torch_path(name, hyper, ROSENBROCK.gradient, [-1.2, 1.0], 1e-4, 60)
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


def test_one_sgd_step_on_a_parabola() -> None:
    path = optimize("sgd", lambda x: 2 * (x - 3), 0.0, 0.1, 1)
    assert path.shape == (2, 1)
    assert path[1, 0] == pytest.approx(0.6)


def test_momentum_second_step_closed_form() -> None:
    # f = (x - 3)^2 from 0: g0 = -6, b1 = g0, x1 = 0.6; g1 = -4.8, b2 = 0.9 b1 + g1 = -10.2, x2 = 1.62.
    path = optimize("momentum", lambda x: 2 * (x - 3), 0.0, 0.1, 2)
    assert_allclose(path[:, 0], [0.0, 0.6, 1.62])


@pytest.mark.parametrize(("name", "factor"), [("adam", 1.0), ("adagrad", 1.0), ("rmsprop", 10.0)])
def test_first_adaptive_step_moves_each_coordinate_by_lr_times_sign(name: str, factor: float) -> None:
    # Adam: m/sqrt(v) after bias correction is g/|g|; Adagrad: g/sqrt(g^2); RMSprop: g/sqrt(0.01 g^2).
    gradient = np.array([3.0, -0.001, 250.0, -7.0])
    path = optimize(name, lambda x: gradient, [1.0, -2.0, 0.5, 0.0], 0.01, 1)
    assert_allclose(path[1] - path[0], -0.01 * factor * np.sign(gradient), rtol=1e-4)


def test_sgd_on_a_quadratic_follows_the_matrix_power_closed_form() -> None:
    path = optimize("sgd", quadratic_grad, [2.0, -1.0], 0.2, 25)
    step = np.eye(2) - 0.2 * A
    x_star = np.linalg.solve(A, B)
    expected = [
        x_star + np.linalg.matrix_power(step, t) @ (np.array([2.0, -1.0]) - x_star) for t in range(26)
    ]
    assert_allclose(path, expected, rtol=1e-12, atol=1e-14)


def test_newton_solves_a_quadratic_in_one_step_and_rosenbrock_quickly() -> None:
    path = newton(quadratic_grad, lambda x: A, [5.0, -4.0], 3)
    assert_allclose(path[1], np.linalg.solve(A, B), rtol=1e-12)
    assert_allclose(
        newton(ROSENBROCK.gradient, ROSENBROCK.hessian, [-1.2, 1.0], 20)[-1], [1.0, 1.0], atol=1e-10
    )


def test_newton_takes_a_least_squares_step_when_the_hessian_is_singular() -> None:
    path = newton(lambda x: np.array([x[0] - 1.0, 0.0]), lambda x: np.diag([1.0, 0.0]), [4.0, 2.0], 2)
    assert_allclose(path[1:], [[1.0, 2.0], [1.0, 2.0]])


def test_a_blown_up_iterate_is_kept_and_the_rest_is_nan() -> None:
    path = optimize("sgd", lambda x: 4 * x**3, [10.0], 1.0, 12)
    finite = np.isfinite(path[:, 0])
    first_bad = int(np.argmin(finite))
    assert 0 < first_bad < 12 and finite[:first_bad].all()
    assert np.isinf(path[first_bad, 0]) or np.isnan(path[first_bad, 0])
    assert np.isnan(path[first_bad + 1 :]).all()


def test_start_is_not_modified_and_zero_steps_return_it() -> None:
    x0 = np.array([1.0, 2.0])
    path = optimize("adam", quadratic_grad, x0, 0.1, 5)
    assert_allclose(x0, [1.0, 2.0])
    assert_allclose(path[0], x0)
    assert_allclose(optimize("sgd", quadratic_grad, x0, 0.1, 0), [[1.0, 2.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "lbfgs"}, "optimizer must be one of sgd, momentum"),
        ({"lr": 0.0}, "lr must be a positive"),
        ({"lr": math.nan}, "lr must be"),
        ({"steps": -1}, "steps must be an integer from 0"),
        ({"steps": 2.0}, "steps must be an integer"),
        ({"steps": True}, "steps must be an integer"),
        ({"x0": [[1.0, 2.0]]}, "x0 must be"),
        ({"x0": []}, "x0 must be"),
        ({"x0": [1.0, math.inf]}, "x0 must be"),
        ({"betas": (0.9, 0.999)}, "valid hyperparameters: momentum, dampening, nesterov, weight_decay"),
        ({"name": "adam", "momentum": 0.9}, "valid hyperparameters: betas, eps, weight_decay, amsgrad"),
        ({"name": "adam", "betas": (0.9, 1.0)}, r"betas\[1\] must be a number in \[0, 1\)"),
        ({"name": "adam", "betas": 0.9}, "betas must be a pair"),
        ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\]"),
        ({"name": "rmsprop", "alpha": -0.1}, "alpha must be"),
        ({"name": "adagrad", "eps": -1.0}, "eps must be"),
        ({"weight_decay": math.inf}, "weight_decay must be"),
        ({"name": "sgd", "nesterov": True}, "nesterov needs momentum"),
        ({"name": "rmsprop", "centered": "yes"}, "centered must be True or False"),
    ],
)
def test_bad_arguments_are_refused_with_the_valid_range(kwargs: dict[str, Any], message: str) -> None:
    call: dict[str, Any] = {
        "name": "momentum",
        "grad_fn": quadratic_grad,
        "x0": [1.0, 2.0],
        "lr": 0.1,
        "steps": 3,
    }
    call.update(kwargs)
    with pytest.raises(ValueError, match=message):
        optimize(**call)


def test_gradient_and_hessian_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"grad_fn must return an array of shape \(2,\)"):
        optimize("sgd", lambda x: np.zeros(3), [1.0, 2.0], 0.1, 1)
    with pytest.raises(ValueError, match=r"hess_fn must return an array of shape \(2, 2\)"):
        newton(quadratic_grad, lambda x: np.eye(3), [1.0, 2.0], 1)


def test_defaults_are_torchs() -> None:
    assert set(DEFAULTS) == set(OPTIMIZERS)
    assert DEFAULTS["adagrad"]["eps"] == 1e-10 and DEFAULTS["adagrad"]["initial_accumulator_value"] == 0.0
    assert DEFAULTS["rmsprop"]["alpha"] == 0.99 and DEFAULTS["rmsprop"]["eps"] == 1e-8
    assert DEFAULTS["adam"]["betas"] == (0.9, 0.999) and DEFAULTS["adam"]["eps"] == 1e-8
    assert DEFAULTS["momentum"]["momentum"] == 0.9 and DEFAULTS["sgd"]["momentum"] == 0.0


# --- two variables on Python floats -----------------------------------------------------------------


def in_pairs(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[float, float], Any]:
    """``fn`` of an array of two numbers as a function of two floats."""
    return lambda x, y: fn(np.array([x, y])).tolist()


EDGE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("adagrad", {"eps": 0.0}),
    ("rmsprop", {"eps": 0.0}),
    ("rmsprop", {"eps": 0.0, "centered": True, "momentum": 0.3}),
    ("adam", {"eps": 0.0, "amsgrad": True}),
    ("momentum", {"momentum": 0.5, "dampening": 0.5, "nesterov": False, "weight_decay": 2.0}),
]


@pytest.mark.parametrize(("name", "hyper"), [*TORCH_CASES, *EDGE_CASES])
def test_the_float_optimisers_take_bit_for_bit_the_steps_of_the_array_ones(
    name: str, hyper: dict[str, Any]
) -> None:
    noise = np.random.default_rng(7).normal(size=(80, 2))
    calls = {"array": 0, "floats": 0}

    def noisy(kind: str, x: np.ndarray) -> np.ndarray:
        calls[kind] += 1
        return ROSENBROCK.gradient(x) + noise[calls[kind] - 1]

    cases = [
        (quadratic_grad, quadratic_grad, [0.5, 1.5], 0.05),
        (ROSENBROCK.gradient, ROSENBROCK.gradient, [-1.2, 1.0], 1e-4),
        (lambda x: noisy("array", x), lambda x: noisy("floats", x), [-1.2, 1.0], 1e-3),
        (lambda x: np.array([0.0, x[1]]), lambda x: np.array([0.0, x[1]]), [1.0, 2.0], 0.1),  # 0/0 with eps 0
        (lambda x: 4 * x**3, lambda x: 4 * x**3, [10.0, 1.0], 1.0),  # blows up
    ]
    for array_grad, float_grad, x0, lr in cases:
        expected = optimize(name, array_grad, x0, lr, 79, **hyper)
        np.testing.assert_array_equal(optimize_2d(name, in_pairs(float_grad), x0, lr, 79, **hyper), expected)


def test_float_newton_takes_bit_for_bit_the_steps_of_newton() -> None:
    cases: list[tuple[Callable[..., Any], Callable[..., Any], list[float]]] = [
        (ROSENBROCK.gradient, ROSENBROCK.hessian, [-1.2, 1.0]),
        (quadratic_grad, lambda x: A, [5.0, -4.0]),
        (lambda x: np.array([x[0] - 1.0, 0.0]), lambda x: np.diag([1.0, 0.0]), [4.0, 2.0]),  # singular
        (lambda x: np.array([math.inf, 0.0]), lambda x: np.eye(2), [1.0, 1.0]),  # not finite
        (make("noisy").gradient, make("noisy").hessian, [-2.0, 1.5]),
    ]
    for grad_fn, hess_fn, x0 in cases:
        expected = newton(grad_fn, hess_fn, x0, 30)
        np.testing.assert_array_equal(newton_2d(in_pairs(grad_fn), in_pairs(hess_fn), x0, 30), expected)
        np.testing.assert_array_equal(
            newton_2d(in_pairs(grad_fn), in_pairs(hess_fn), x0, 30, lr=0.5),
            newton(grad_fn, hess_fn, x0, 30, 0.5),
        )


def test_the_float_optimisers_refuse_what_the_array_ones_refuse() -> None:
    with pytest.raises(ValueError, match="x0 must hold two numbers"):
        optimize_2d("sgd", lambda x, y: (x, y), [1.0, 2.0, 3.0], 0.1, 1)
    with pytest.raises(ValueError, match="grad_fn must return two numbers"):
        optimize_2d("sgd", lambda x, y: (x, y, 0.0), [1.0, 2.0], 0.1, 1)
    with pytest.raises(ValueError, match=r"hess_fn must return an array of shape \(2, 2\)"):
        newton_2d(lambda x, y: (x, y), lambda x, y: np.eye(3), [1.0, 2.0], 1)
    with pytest.raises(ValueError, match="nesterov needs momentum"):
        optimize_2d("sgd", lambda x, y: (x, y), [1.0, 2.0], 0.1, 1, nesterov=True)
    with pytest.raises(ValueError, match="lr must be a positive"):
        newton_2d(lambda x, y: (x, y), lambda x, y: np.eye(2), [1.0, 2.0], 1, lr=0.0)
    np.testing.assert_array_equal(optimize_2d("adam", lambda x, y: (x, y), [1.0, 2.0], 0.1, 0), [[1.0, 2.0]])


# --- gradient-descent ------------------------------------------------------------------------------


def test_gradient_descent_first_step_and_loss_follow_the_closed_form() -> None:
    params = {"function": "bowl", "conditioning": 10.0, "x0": -2.0, "y0": 1.5, "lr": 0.15, "steps": 30}
    answers = answers_of("gradient-descent", params)
    # f = (x^2 + 10 y^2) / 2: df/dx = x, df/dy = 10 y; each step multiplies x by 1 - lr, y by 1 - 10 lr.
    assert_allclose(answers["gradient"], [-2.0, 15.0])
    assert answers["gradient_norm"] == pytest.approx(math.hypot(2.0, 15.0))
    assert (answers["next_x"], answers["next_y"]) == pytest.approx((-2.0 + 0.15 * 2.0, 1.5 - 0.15 * 15.0))
    x, y = -2.0 * 0.85**30, 1.5 * (-0.5) ** 30
    assert answers["loss_final"] == pytest.approx(0.5 * (x * x + 10 * y * y), rel=1e-10)
    assert answers["distance_to_minimum"] == pytest.approx(math.hypot(x, y), rel=1e-10)
    assert answers["diverged"] is False


def test_gradient_descent_gradient_matches_finite_differences_on_rosenbrock() -> None:
    params = {"function": "rosenbrock", "x0": 0.3, "y0": -0.4, "lr": 1e-3}
    answers = answers_of("gradient-descent", params)
    function, h = make("rosenbrock"), 1e-6
    numeric = [
        (float(function((0.3 + h, -0.4))) - float(function((0.3 - h, -0.4)))) / (2 * h),
        (float(function((0.3, -0.4 + h))) - float(function((0.3, -0.4 - h)))) / (2 * h),
    ]
    assert_allclose(answers["gradient"], numeric, rtol=1e-7)


@pytest.mark.parametrize(("lr", "diverges"), [(0.19, False), (0.21, True)])
def test_gradient_descent_diverges_past_two_over_the_curvature(lr: float, diverges: bool) -> None:
    answers = answers_of("gradient-descent", {"conditioning": 10.0, "lr": lr, "steps": 200})
    assert answers["diverged"] is diverges


def test_gradient_descent_reports_a_blow_up_with_finite_answers() -> None:
    answers = answers_of("gradient-descent", {"function": "rosenbrock", "lr": 2.0, "steps": 500})
    assert answers["diverged"] is True
    assert math.isfinite(answers["loss_final"]) and math.isfinite(answers["distance_to_minimum"])


def test_gradient_descent_stalls_on_the_saddle_point() -> None:
    answers = answers_of("gradient-descent", {"function": "saddle", "x0": -1.5, "y0": 0.0, "steps": 200})
    assert answers["gradient"][1] == 0.0
    assert answers["loss_final"] == pytest.approx(0.0, abs=1e-12)  # the saddle's value, not the minimum -1/4
    assert answers["distance_to_minimum"] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "params", [{}, {"function": "rosenbrock", "lr": 0.01, "steps": 200}, {"lr": 1.9}, {"function": "saddle"}]
)
def test_gradient_descent_path_is_that_of_the_array_optimiser(params: dict[str, Any]) -> None:
    _, data = run("gradient-descent", params)
    spec = sim.spec("gradient-descent")
    values: dict[str, Any] = {**spec.defaults, **params}
    function = make(values["function"], values["conditioning"])
    start = [values["x0"], values["y0"]]
    expected = optimize("sgd", function.gradient, start, values["lr"], values["steps"])
    finite = np.all(np.isfinite(expected), axis=1) & np.isfinite(function(expected))
    np.testing.assert_array_equal(data["path"], expected[: np.argmin(finite) or None])


@pytest.mark.parametrize("name", ["bowl", "ravine", "rosenbrock", "saddle", "noisy"])
def test_the_landscape_contours_are_those_axes_contour_draws(name: str) -> None:
    function = make(name)
    drawn = landscape(function, 9)
    xs, ys, values = grid(function)
    contours = Figure().add_subplot().contour(xs, ys, values, levels=shading(function, 9)[1], cmap="viridis")
    paths = contours.get_paths()
    kept = [i for i, path in enumerate(paths) if np.size(path.vertices)]
    assert len(drawn.contours) == len(kept) >= 5
    for ours, i in zip(drawn.contours, kept, strict=True):
        np.testing.assert_array_equal(ours.vertices, paths[i].vertices)
        np.testing.assert_array_equal(ours.codes, paths[i].codes)
    assert_allclose(drawn.colours, np.asarray(contours.get_edgecolor())[kept], atol=1e-12)


# --- optimizers ------------------------------------------------------------------------------------


def first_within(gaps: np.ndarray, tolerance: float) -> int:
    hits = np.flatnonzero(gaps <= tolerance)
    return int(hits[0]) if hits.size else -1


def test_optimizers_sgd_steps_match_the_eigenvalue_closed_form_on_the_ravine() -> None:
    params = {"function": "ravine", "lr": 0.018, "steps": 400, "tolerance": 1e-3}
    answers = answers_of("optimizers", params)
    # The ravine is (x^2 + 100 y^2) / 2: SGD scales x by (1 - lr) and y by (1 - 100 lr) every step.
    t = np.arange(401)
    gaps = 0.5 * ((-2.0 * (1 - 0.018) ** t) ** 2 + 100 * (1.0 * (1 - 1.8) ** t) ** 2)
    assert answers["steps_sgd"] == first_within(gaps, 1e-3) > 0
    assert answers["steps_newton"] == 1
    assert answers["fastest"] == "newton"


def test_optimizers_answers_agree_with_each_other() -> None:
    answers = answers_of("optimizers", {"function": "rosenbrock"})
    steps = {m: answers[f"steps_{m}"] for m in ("sgd", "momentum", "adagrad", "rmsprop", "adam", "newton")}
    reached = {m: n for m, n in steps.items() if n >= 0}
    assert answers["fastest"] == min(reached, key=reached.__getitem__)
    assert len(answers["final_gap"]) == 6


def test_optimizers_flag_divergence_with_a_finite_sentinel() -> None:
    answers = answers_of("optimizers", {"function": "ravine", "lr": 0.1})  # lr * 100 > 2
    assert answers["steps_sgd"] == -1 and answers["final_gap"][0] == -1
    assert all(math.isfinite(v) for v in answers["final_gap"])


def test_optimizers_gradient_noise_is_seeded_and_shared() -> None:
    quiet = answers_of("optimizers", {"noise": 0.0})
    noisy = answers_of("optimizers", {"noise": 3.0}, seed=5)
    assert noisy == answers_of("optimizers", {"noise": 3.0}, seed=5)
    assert noisy["final_gap"] != quiet["final_gap"]


def with_noise(grad_fn: Callable[[np.ndarray], np.ndarray], noise: np.ndarray) -> Callable[[np.ndarray], Any]:
    """``grad_fn`` plus the next row of ``noise`` at every call."""
    calls = iter(range(len(noise)))
    return lambda x: grad_fn(x) + noise[next(calls)]


def test_optimizers_paths_are_those_of_the_array_optimisers() -> None:
    """The simulation's float fast path against ``optimize`` and ``newton`` with the same noisy gradients."""
    params = {"function": "noisy", "noise": 1.5, "steps": 150, "lr": 0.03}
    result = sim.run("optimizers", params, seed=4)
    function = make("noisy")
    noise = 1.5 * np.random.default_rng(4).standard_normal((150, 2))
    hyper = {"sgd": {}, "momentum": {"momentum": 0.9}, "adagrad": {}, "rmsprop": {}, "adam": {}}
    for method in ("sgd", "momentum", "adagrad", "rmsprop", "adam", "newton"):
        noisy = with_noise(function.gradient, noise)
        if method == "newton":
            expected = newton(noisy, function.hessian, function.start, 150)
        else:
            lr = 0.03 if method in ("sgd", "momentum") else 0.05
            expected = optimize(method, noisy, function.start, lr, 150, **hyper[method])
        finite = np.all(np.isfinite(expected), axis=1)
        np.testing.assert_array_equal(result.data["paths"][method], expected[: np.argmin(finite) or None])


def test_optimizers_rerun_only_the_methods_a_changed_parameter_affects() -> None:
    first = sim.run("optimizers", {"function": "rosenbrock"}).data["paths"]
    second = sim.run("optimizers", {"function": "rosenbrock", "lr": 0.02}).data["paths"]
    for method in ("adagrad", "rmsprop", "adam", "newton"):
        assert second[method] is first[method], method
    assert not np.array_equal(second["sgd"], first["sgd"])
    assert not first["sgd"].flags.writeable, "cached paths are shared: read-only"


def test_optimizers_stuck_in_ripples_reach_a_local_minimum_not_the_global_one() -> None:
    answers, data = run("optimizers", {"function": "noisy", "steps": 500})
    end = data["paths"]["sgd"][-1]
    function = make("noisy")
    assert_allclose(function.gradient(end), 0.0, atol=1e-6)
    assert answers["steps_sgd"] == -1 and answers["final_gap"][0] > 1.0


# --- batching --------------------------------------------------------------------------------------


def test_batching_optimal_loss_and_full_batch_curve_match_least_squares() -> None:
    params = {"samples": 64, "features": 3, "lr": 0.05, "epochs": 12, "noise": 0.5}
    answers, data = run("batching", params)
    x, y = data["x"], data["y"]
    w_star, residual, *_ = linalg.lstsq(x, y)
    assert answers["optimal_loss"] == pytest.approx(residual / len(y), rel=1e-10)
    # Full-batch descent from zero: w_t = w* - (I - 2 lr X'X / n)^t w*.
    contraction = np.eye(3) - 2 * 0.05 * x.T @ x / len(y)
    w_final = w_star - np.linalg.matrix_power(contraction, 12) @ w_star
    assert answers["final_loss"][0] == pytest.approx(np.mean((x @ w_final - y) ** 2), rel=1e-10)


def test_batching_counts_updates_and_sgd_is_the_noisiest() -> None:
    answers = answers_of("batching", {"samples": 100, "batch_size": 16})
    assert answers["updates_per_epoch"] == [1, 7, 100]
    full, mini, single = answers["loss_noise"]
    assert full == 0.0 < mini < single
    assert all(loss >= answers["optimal_loss"] for loss in answers["final_loss"])
    assert answers["diverged"] == "none"


def test_batching_visits_every_example_once_per_epoch_in_a_new_order() -> None:
    # With X = I each SGD update changes only the weight of the example it used.
    n = 12
    history = train(np.eye(n), np.ones(n), 1, 0.1, 3, np.random.default_rng(4))
    used = np.argmax(np.abs(np.diff(history, axis=0)), axis=1).reshape(3, n)
    assert all(sorted(order) == list(range(n)) for order in used.tolist())
    assert len({tuple(order) for order in used.tolist()}) == 3
    # Minibatches of 5 from 12 examples: two full batches and one of 2 each epoch.
    assert len(train(np.eye(n), np.ones(n), 5, 0.1, 2, np.random.default_rng(4))) == 1 + 2 * 3


def test_batching_blow_up_is_reported_with_finite_losses() -> None:
    answers = answers_of("batching", {"features": 10, "lr": 0.2, "epochs": 30})
    assert "SGD" in answers["diverged"]
    assert all(math.isfinite(v) for v in answers["final_loss"])


# --- data-splits -----------------------------------------------------------------------------------


def test_data_splits_errors_match_an_independent_least_squares_fit() -> None:
    answers, data = run("data-splits", {"samples": 60, "max_degree": 8})
    sets, errors = data["sets"], data["errors"]
    x_train, y_train = sets["train"]
    for degree in range(9):
        vander = np.vander(2 * x_train - 1, degree + 1)
        coef = linalg.lstsq(vander, y_train)[0]
        for name, (sx, sy) in sets.items():
            oracle = np.mean((np.vander(2 * sx - 1, degree + 1) @ coef - sy) ** 2)
            assert errors[name][degree] == pytest.approx(oracle, rel=1e-7)
    best = int(np.argmin(errors["validation"]))
    assert answers["best_degree"] == best
    assert answers["test_error"] == pytest.approx(errors["test"][best])
    assert answers["validation_error"] == min(errors["validation"])


def test_data_splits_partitions_the_samples_and_interpolates_at_the_top_degree() -> None:
    answers, data = run("data-splits", {"samples": 20, "max_degree": 20, "train_fraction": 0.3, "noise": 0.5})
    sizes = answers["split_sizes"]
    assert sizes == [6, 7, 7]
    assert answers["degrees_fitted"] == 5
    xs = np.concatenate([sx for sx, _ in data["sets"].values()])
    assert len(np.unique(xs)) == 20
    assert data["errors"]["train"][-1] == pytest.approx(0.0, abs=1e-18)


def test_data_splits_needs_degree_three_for_the_cubic() -> None:
    answers, data = run("data-splits", {"target": "cubic", "samples": 200, "noise": 0.1})
    validation = data["errors"]["validation"]
    assert answers["best_degree"] >= 3
    assert validation[2] > 2 * validation[3], "below degree 3 the fit misses the cubic's shape"
