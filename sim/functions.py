"""Two-dimensional test functions for optimisation: value, gradient and exact Hessian.

Every function works on points of shape ``(..., 2)`` and returns values ``(...)``, gradients
``(..., 2)`` and Hessians ``(..., 2, 2)``, so the same code evaluates one point or a whole grid.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

View = tuple[float, float, float, float]


def _check(name: str, value: float, low: float, high: float) -> float:
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _points(p: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"points must have a last axis of length 2, got shape {arr.shape}")
    return arr


class Function2D(ABC):
    """A smooth function of two variables with its gradient, exact Hessian and known minimum."""

    name: str
    #: The plotting window (x_min, x_max, y_min, y_max).
    view: View
    #: A suggested starting point inside the view.
    start: tuple[float, float]
    #: The global minimiser and the smallest value.
    minimum: tuple[float, float]
    min_value: float

    @property
    def minima(self) -> tuple[tuple[float, float], ...]:
        """Every global minimiser (the saddle has two)."""
        return (self.minimum,)

    @property
    def saddle_points(self) -> tuple[tuple[float, float], ...]:
        """Points where the gradient vanishes that are neither minima nor maxima."""
        return ()

    def __call__(self, p: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        arr = _points(p)
        return self._value(arr[..., 0], arr[..., 1])

    def gradient(self, p: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """The gradient (df/dx, df/dy), shape ``(..., 2)``."""
        arr = _points(p)
        gx, gy = self._gradient(arr[..., 0], arr[..., 1])
        if arr.ndim == 1:  # one point: the common case inside an optimiser's loop
            return np.array([gx, gy], dtype=float)
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    def hessian(self, p: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """The exact Hessian [[f_xx, f_xy], [f_xy, f_yy]], shape ``(..., 2, 2)``."""
        arr = _points(p)
        hxx, hxy, hyy = self._hessian(arr[..., 0], arr[..., 1])
        if arr.ndim == 1:
            return np.array([[hxx, hxy], [hxy, hyy]], dtype=float)
        hxx, hxy, hyy = np.broadcast_arrays(hxx, hxy, hyy)
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    def gradient_at(self, x: float, y: float) -> tuple[Any, Any]:
        """The gradient at one point given as two floats: the formula alone, for optimiser loops.

        The formulas are elementwise, so on floats they give exactly what ``gradient`` gives.
        """
        gx, gy = self._gradient(x, y)  # type: ignore[arg-type]
        return gx, gy

    def hessian_at(self, x: float, y: float) -> tuple[Any, Any, Any]:
        """``(f_xx, f_xy, f_yy)`` at one point given as two floats (see ``gradient_at``)."""
        hxx, hxy, hyy = self._hessian(x, y)  # type: ignore[arg-type]
        return hxx, hxy, hyy

    @abstractmethod
    def _value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    @abstractmethod
    def _hessian(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Quadratic(Function2D):
    """``scale/2 * (u^2 + conditioning * v^2)`` in axes (u, v) turned by ``angle`` degrees.

    The Hessian has eigenvalues ``scale`` and ``scale * conditioning``: the larger the
    conditioning, the longer and narrower the valley.
    """

    conditioning: float = 10.0
    angle: float = 0.0
    scale: float = 1.0
    name: str = "bowl"
    view: View = (-2.5, 2.5, -2.5, 2.5)
    start: tuple[float, float] = (-2.0, 1.5)
    minimum: tuple[float, float] = (0.0, 0.0)
    min_value: float = 0.0

    def __post_init__(self) -> None:
        _check("conditioning", self.conditioning, 1.0, 1e6)
        _check("angle", self.angle, -360.0, 360.0)
        _check("scale", self.scale, 1e-6, 1e6)

    @cached_property
    def _matrix(self) -> tuple[float, float, float]:
        c, s = math.cos(math.radians(self.angle)), math.sin(math.radians(self.angle))
        k = self.conditioning
        # R diag(1, k) R^T with R = [[c, -s], [s, c]], times scale.
        return (
            self.scale * (c * c + k * s * s),
            self.scale * (1.0 - k) * c * s,
            self.scale * (s * s + k * c * c),
        )

    def _value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        a, b, d = self._matrix
        return 0.5 * (a * x * x + 2.0 * b * x * y + d * y * y)

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b, d = self._matrix
        return a * x + b * y, b * x + d * y

    def _hessian(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b, d = self._matrix
        ones = np.ones_like(x)
        return a * ones, b * ones, d * ones


@dataclass(frozen=True)
class Rosenbrock(Function2D):
    """``(a - x)^2 + b (y - x^2)^2``: a curved, flat-bottomed valley with its minimum at (a, a^2)."""

    a: float = 1.0
    b: float = 100.0
    name: str = "rosenbrock"
    view: View = (-2.5, 2.5, -1.5, 3.5)
    start: tuple[float, float] = (-1.0, 1.5)
    minimum: tuple[float, float] = field(init=False)
    min_value: float = 0.0

    def __post_init__(self) -> None:
        _check("a", self.a, -10.0, 10.0)
        _check("b", self.b, 1e-3, 1e4)
        object.__setattr__(self, "minimum", (self.a, self.a * self.a))

    def _value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = y - x * x
        return -2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r

    def _hessian(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            2.0 - 4.0 * self.b * (y - x * x) + 8.0 * self.b * x * x,
            -4.0 * self.b * x,
            2.0 * self.b * np.ones_like(y),
        )


@dataclass(frozen=True)
class Saddle(Function2D):
    """``x^2/2 + y^4/4 - y^2/2``: a saddle point at the origin between two minima at (0, +-1)."""

    name: str = "saddle"
    view: View = (-2.5, 2.5, -2.5, 2.5)
    start: tuple[float, float] = (-1.8, 0.05)
    minimum: tuple[float, float] = (0.0, 1.0)
    min_value: float = -0.25

    @property
    def minima(self) -> tuple[tuple[float, float], ...]:
        """Both minimisers, (0, 1) and (0, -1)."""
        return ((0.0, 1.0), (0.0, -1.0))

    @property
    def saddle_points(self) -> tuple[tuple[float, float], ...]:
        """The origin."""
        return ((0.0, 0.0),)

    def _value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        y2 = y * y
        return 0.5 * x * x + 0.25 * y2 * y2 - 0.5 * y2

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x, y * y * y - y

    def _hessian(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.ones_like(x), np.zeros_like(x), 3.0 * y * y - 1.0


@dataclass(frozen=True)
class RippledBowl(Function2D):
    """A bowl ``curvature/2 * (x^2 + y^2)`` with noise-like ripples ``amplitude * (2 - cos wx - cos wy)``.

    Once ``amplitude * frequency^2 > curvature`` the bowl is no longer convex, and stronger ripples
    hold local minima around the global one at the origin, as on a noisy loss surface.
    """

    curvature: float = 1.0
    amplitude: float = 0.1
    frequency: float = 5.0
    name: str = "noisy"
    view: View = (-2.5, 2.5, -2.5, 2.5)
    start: tuple[float, float] = (-2.0, 1.5)
    minimum: tuple[float, float] = (0.0, 0.0)
    min_value: float = 0.0

    def __post_init__(self) -> None:
        _check("curvature", self.curvature, 1e-6, 1e6)
        _check("amplitude", self.amplitude, 0.0, 1e6)
        _check("frequency", self.frequency, 0.0, 1e3)

    def _value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        w, amp = self.frequency, self.amplitude
        return 0.5 * self.curvature * (x * x + y * y) + amp * (2.0 - np.cos(w * x) - np.cos(w * y))

    def _gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, aw = self.frequency, self.amplitude * self.frequency
        return self.curvature * x + aw * np.sin(w * x), self.curvature * y + aw * np.sin(w * y)

    def _hessian(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w, aw2 = self.frequency, self.amplitude * self.frequency**2
        return self.curvature + aw2 * np.cos(w * x), np.zeros_like(x), self.curvature + aw2 * np.cos(w * y)


NAMES = ("bowl", "ravine", "rosenbrock", "saddle", "noisy")


def make(name: str, conditioning: float = 10.0) -> Function2D:
    """The test function ``name``; ``conditioning`` sets the bowl's ratio of curvatures.

    The ravine is a bowl with conditioning 100, the Rosenbrock valley uses ``b = 10`` and the
    noisy bowl has ripples deep enough to hold local minima; all three have a largest curvature
    near their minimum of 60 to 100, so one learning rate can be compared across them.
    """
    if name == "bowl":
        return Quadratic(conditioning=conditioning)
    if name == "ravine":
        return Quadratic(conditioning=100.0, name="ravine", view=(-2.5, 2.5, -1.25, 1.25), start=(-2.0, 1.0))
    if name == "rosenbrock":
        return Rosenbrock(b=10.0)
    if name == "saddle":
        return Saddle()
    if name == "noisy":
        return RippledBowl(curvature=10.0, amplitude=2.0, frequency=5.0)
    raise ValueError(f"function must be one of {', '.join(NAMES)}, got {name!r}")


@lru_cache(maxsize=32)
def grid(function: Function2D, points: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, values)`` of ``function`` on a ``points`` x ``points`` grid over its view (cached).

    ``values[i, j]`` is the value at ``(xs[j], ys[i])``, the layout ``contour`` and ``imshow`` expect.
    The arrays are read-only because the cache shares them.
    """
    if not 2 <= points <= 1000:
        raise ValueError(f"points must be an integer from 2 to 1000, got {points!r}")
    x0, x1, y0, y1 = function.view
    xs, ys = np.linspace(x0, x1, points), np.linspace(y0, y1, points)
    values = function(np.stack(np.meshgrid(xs, ys), axis=-1))
    for arr in (xs, ys, values):
        arr.flags.writeable = False
    return xs, ys, values
