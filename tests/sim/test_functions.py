"""The 2-D test functions: gradients and Hessians against finite differences and scipy, minima, grids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize as scipy_optimize

from sim.functions import NAMES, Function2D, Quadratic, RippledBowl, Rosenbrock, Saddle, grid, make

FUNCTIONS: list[Function2D] = [
    *(make(name) for name in NAMES),
    make("bowl", conditioning=37.0),
    Quadratic(conditioning=8.0, angle=33.0, scale=2.5),
    Rosenbrock(a=-0.5, b=3.0),
    RippledBowl(curvature=0.7, amplitude=0.4, frequency=2.0),
]
IDS = [f"{f.name}-{i}" for i, f in enumerate(FUNCTIONS)]


def sample_points(function: Function2D, count: int = 25) -> np.ndarray:
    x0, x1, y0, y1 = function.view
    rng = np.random.default_rng(7)
    return np.column_stack([rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)])


def central_difference(fn: Callable[[np.ndarray], Any], points: np.ndarray, h: float) -> np.ndarray:
    """d fn / d(x, y) by central differences; the derivative axis is appended last."""
    columns = []
    for axis in range(2):
        step = np.zeros(2)
        step[axis] = h
        columns.append((np.asarray(fn(points + step)) - np.asarray(fn(points - step))) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("function", FUNCTIONS, ids=IDS)
def test_gradient_matches_central_differences(function: Function2D) -> None:
    points = sample_points(function)
    assert_allclose(
        function.gradient(points), central_difference(function, points, 1e-6), rtol=1e-6, atol=1e-5
    )


@pytest.mark.parametrize("function", FUNCTIONS, ids=IDS)
def test_hessian_matches_differences_of_the_gradient(function: Function2D) -> None:
    points = sample_points(function)
    hessian = function.hessian(points)
    assert_allclose(hessian, central_difference(function.gradient, points, 1e-6), rtol=1e-6, atol=1e-5)
    assert_allclose(hessian, np.swapaxes(hessian, -1, -2))


@pytest.mark.parametrize("function", FUNCTIONS, ids=IDS)
def test_the_float_formulas_give_exactly_what_the_array_ones_give(function: Function2D) -> None:
    rng = np.random.default_rng(3)
    x0, x1, y0, y1 = function.view
    for x, y in zip(rng.uniform(x0, x1, 25).tolist(), rng.uniform(y0, y1, 25).tolist(), strict=True):
        assert np.array_equal(function.gradient_at(x, y), function.gradient([x, y]))
        hxx, hxy, hyy = function.hessian_at(x, y)
        assert np.array_equal([[hxx, hxy], [hxy, hyy]], function.hessian([x, y]))


@pytest.mark.parametrize("function", FUNCTIONS, ids=IDS)
def test_minima_are_flat_curved_upwards_and_lowest_on_the_grid(function: Function2D) -> None:
    for minimum in function.minima:
        assert float(function(minimum)) == pytest.approx(function.min_value, abs=1e-12)
        assert_allclose(function.gradient(minimum), 0.0, atol=1e-12)
        assert np.all(np.linalg.eigvalsh(function.hessian(minimum)) > 0)
    _, _, values = grid(function)
    assert values.min() >= function.min_value - 1e-12
    for saddle in function.saddle_points:
        assert_allclose(function.gradient(saddle), 0.0, atol=1e-12)
        eigenvalues = np.linalg.eigvalsh(function.hessian(saddle))
        assert eigenvalues.min() < 0 < eigenvalues.max()


@pytest.mark.parametrize("function", FUNCTIONS, ids=IDS)
def test_start_lies_inside_the_view(function: Function2D) -> None:
    x0, x1, y0, y1 = function.view
    assert x0 < function.start[0] < x1 and y0 < function.start[1] < y1


def test_rosenbrock_agrees_with_scipy() -> None:
    function = Rosenbrock(a=1.0, b=100.0)
    for point in sample_points(function, 10):
        assert float(function(point)) == pytest.approx(scipy_optimize.rosen(point), rel=1e-12)
        assert_allclose(function.gradient(point), scipy_optimize.rosen_der(point), rtol=1e-12)
        assert_allclose(function.hessian(point), scipy_optimize.rosen_hess(point), rtol=1e-12)


def test_quadratic_curvatures_are_scale_and_scale_times_conditioning() -> None:
    function = Quadratic(conditioning=12.0, angle=-50.0, scale=0.5)
    assert_allclose(np.linalg.eigvalsh(function.hessian((0.3, -0.2))), [0.5, 6.0])
    # The steep direction is the v axis turned by the angle.
    v = np.array([-np.sin(np.radians(-50.0)), np.cos(np.radians(-50.0))])
    assert float(function(v)) == pytest.approx(0.5 * 0.5 * 12.0)


def test_ripples_make_local_minima_in_the_noisy_bowl() -> None:
    function = make("noisy")
    found = scipy_optimize.minimize(
        function, x0=(-1.0, 1.0), jac=function.gradient, hess=function.hessian, method="trust-exact"
    )
    assert found.success
    assert_allclose(function.gradient(found.x), 0.0, atol=1e-6)
    assert np.all(np.linalg.eigvalsh(function.hessian(found.x)) > 0)
    assert float(found.fun) > function.min_value + 1.0, "a local minimum above the global one"


def test_saddle_has_two_minima_and_a_saddle_between() -> None:
    function = Saddle()
    assert set(function.minima) == {(0.0, 1.0), (0.0, -1.0)}
    assert float(function((0.0, 0.0))) == 0.0 > function.min_value


def test_functions_vectorise_over_leading_axes() -> None:
    function = Rosenbrock(b=10.0)
    points = sample_points(function, 12).reshape(3, 4, 2)
    assert function(points).shape == (3, 4)
    assert function.gradient(points).shape == (3, 4, 2)
    assert function.hessian(points).shape == (3, 4, 2, 2)
    assert_allclose(function.hessian(points)[1, 2], function.hessian(points[1, 2]))


def test_grid_is_cached_read_only_and_laid_out_for_contour() -> None:
    function = make("saddle")
    xs, ys, values = grid(function, 31)
    assert grid(function, 31)[2] is values
    assert values.shape == (31, 31) and not values.flags.writeable
    assert values[4, 9] == pytest.approx(float(function((xs[9], ys[4]))))
    with pytest.raises(ValueError, match="points"):
        grid(function, 1)


def test_bad_arguments_are_refused_with_the_range() -> None:
    with pytest.raises(ValueError, match="function must be one of bowl"):
        make("cliff")
    with pytest.raises(ValueError, match="conditioning must be a number from 1"):
        Quadratic(conditioning=0.5)
    with pytest.raises(ValueError, match="b must be"):
        Rosenbrock(b=-1.0)
    with pytest.raises(ValueError, match="amplitude must be"):
        RippledBowl(amplitude=float("nan"))
    with pytest.raises(ValueError, match="last axis of length 2"):
        make("bowl")([1.0, 2.0, 3.0])
