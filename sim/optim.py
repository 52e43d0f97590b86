"""Gradient-based optimisers with exactly the update rules of ``torch.optim``, in float64 numpy.

``optimize("adam", grad_fn, x0, lr=0.1, steps=100)`` returns the whole trajectory. The names and
defaults of the hyperparameters are torch's: ``sgd`` and ``momentum`` are ``torch.optim.SGD``
(``momentum`` defaults to 0.9 for the ``momentum`` optimiser), ``adagrad`` is ``Adagrad``,
``rmsprop`` is ``RMSprop`` and ``adam`` is ``Adam`` (L2 ``weight_decay``, not AdamW).
``newton`` is Newton's method with an exact Hessian, for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

GradFn = Callable[[np.ndarray], Any]

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")

#: Every optimiser's hyperparameters and their torch defaults.
DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "momentum": {"momentum": 0.9, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adagrad": {"lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
    "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
}

MAX_STEPS = 10_000_000


def _number(name: str, value: Any, low: float, high: float, *, open_high: bool = False) -> float:
    """``value`` as a float in ``[low, high]`` (or ``[low, high)``), else ``ValueError``."""
    interval = f"[{low:g}, {high:g}{')' if open_high else ']'}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    number = float(value)
    too_high = number >= high if open_high else number > high
    if not math.isfinite(number) or number < low or too_high:
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    return number


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _hyper(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The validated hyperparameters of optimiser ``name``: ``given`` over torch's defaults."""
    defaults = DEFAULTS[name]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown hyperparameter {', '.join(unknown)} for optimizer '{name}'; "
            f"valid hyperparameters: {', '.join(defaults)}"
        )
    h = {**defaults, **given}
    inf = math.inf
    checks = {
        "momentum": (0.0, 1.0, False),
        "dampening": (0.0, 1.0, False),
        "weight_decay": (0.0, inf, False),
        "lr_decay": (0.0, inf, False),
        "initial_accumulator_value": (0.0, inf, False),
        "eps": (0.0, inf, False),
        "alpha": (0.0, 1.0, False),
    }
    for key, value in h.items():
        if key in checks:
            low, high, open_high = checks[key]
            h[key] = _number(key, value, low, high, open_high=open_high)
        elif key == "betas":
            if not isinstance(value, tuple | list) or len(value) != 2:
                raise ValueError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1), got {value!r}")
            h[key] = tuple(_number(f"betas[{i}]", b, 0.0, 1.0, open_high=True) for i, b in enumerate(value))
        else:
            h[key] = _flag(key, value)
    if h.get("nesterov") and (h["momentum"] <= 0.0 or h["dampening"] != 0.0):
        raise ValueError("nesterov needs momentum in (0, 1] and dampening 0")
    return h


class Optimizer:
    """One optimiser's state; ``step(x, g)`` returns the next iterate as ``torch.optim`` computes it."""

    def __init__(self, name: str, lr: float, **hyper: Any) -> None:
        if name not in DEFAULTS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
        self.name = name
        self.lr = _number("lr", lr, 0.0, math.inf, open_high=True)
        if self.lr <= 0.0:
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        self.hyper = _hyper(name, hyper)
        self.t = 0
        self.state: dict[str, np.ndarray] = {}

    def step(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The iterate after one update from ``x`` with gradient ``g`` (``x`` is not modified)."""
        self.t += 1
        h = self.hyper
        if h["weight_decay"] != 0.0:
            g = g + h["weight_decay"] * x
        if self.name in ("sgd", "momentum"):
            return self._sgd(x, g)
        if self.name == "adagrad":
            return self._adagrad(x, g)
        if self.name == "rmsprop":
            return self._rmsprop(x, g)
        return self._adam(x, g)

    def _sgd(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        h, s = self.hyper, self.state
        mu = h["momentum"]
        if mu != 0.0:
            buf = s["buf"] = g.copy() if self.t == 1 else mu * s["buf"] + (1.0 - h["dampening"]) * g
            g = g + mu * buf if h["nesterov"] else buf
        return x - self.lr * g

    def _adagrad(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        h, s = self.hyper, self.state
        clr = self.lr / (1.0 + (self.t - 1) * h["lr_decay"])
        total = s.get("sum", np.full_like(x, h["initial_accumulator_value"]))
        s["sum"] = total = total + g * g
        return x - clr * g / (np.sqrt(total) + h["eps"])

    def _rmsprop(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        h, s = self.hyper, self.state
        alpha = h["alpha"]
        s["sq"] = sq = alpha * s.get("sq", np.zeros_like(x)) + (1.0 - alpha) * g * g
        if h["centered"]:
            avg_g = s.get("avg", np.zeros_like(x))
            s["avg"] = avg_g = avg_g + (1.0 - alpha) * (g - avg_g)
            avg = np.sqrt(sq - avg_g * avg_g) + h["eps"]
        else:
            avg = np.sqrt(sq) + h["eps"]
        if h["momentum"] > 0.0:
            s["buf"] = buf = h["momentum"] * s.get("buf", np.zeros_like(x)) + g / avg
            return x - self.lr * buf
        return x - self.lr * g / avg

    def _adam(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        h, s = self.hyper, self.state
        beta1, beta2 = h["betas"]
        m = s.get("m", np.zeros_like(x))
        s["m"] = m = m + (1.0 - beta1) * (g - m)
        s["v"] = v = beta2 * s.get("v", np.zeros_like(x)) + (1.0 - beta2) * g * g
        if h["amsgrad"]:
            s["vmax"] = v = np.maximum(s.get("vmax", v), v)
        step_size = self.lr / (1.0 - beta1**self.t)
        denom = np.sqrt(v) / math.sqrt(1.0 - beta2**self.t) + h["eps"]
        return x - step_size * m / denom


def _start(x0: Any) -> np.ndarray:
    x = np.array(x0, dtype=float)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite number or a non-empty 1-D array of finite numbers, got {x0!r}")
    return x


def _steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an integer from 0 to {MAX_STEPS}, got {steps!r}")
    return int(steps)


def _evaluate(
    fn: Callable[[np.ndarray], Any], x: np.ndarray, name: str, shape: tuple[int, ...]
) -> np.ndarray:
    out = np.asarray(fn(x.copy()), dtype=float)
    if out.shape != shape:
        raise ValueError(f"{name} must return an array of shape {shape}, got shape {out.shape}")
    return out


def _run(x0: Any, steps: Any, update: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    x, n = _start(x0), _steps(steps)
    path = np.full((n + 1, x.size), np.nan)
    path[0] = x
    with np.errstate(all="ignore"):
        for t in range(1, n + 1):
            x = update(x)
            path[t] = x
            if not np.isfinite(x).all():
                break
    return path


def optimize(name: str, grad_fn: GradFn, x0: Any, lr: float, steps: int, **hyper: Any) -> np.ndarray:
    """The trajectory of optimiser ``name`` minimising a function with gradient ``grad_fn`` from ``x0``.

    Returns an array of shape ``(steps + 1, dim)`` whose first row is ``x0``. If an iterate
    overflows, that non-finite iterate is kept and the remaining rows are NaN.
    """
    opt = Optimizer(name, lr, **hyper)

    def update(x: np.ndarray) -> np.ndarray:
        return opt.step(x, _evaluate(grad_fn, x, "grad_fn", x.shape))

    return _run(x0, steps, update)


def newton(grad_fn: GradFn, hess_fn: GradFn, x0: Any, steps: int, lr: float = 1.0) -> np.ndarray:
    """Newton's method ``x <- x - lr * H(x)^-1 grad f(x)`` with the exact Hessian from ``hess_fn``.

    A singular Hessian takes the least-squares (pseudo-inverse) step. Same trajectory layout as
    ``optimize``.
    """
    rate = _number("lr", lr, 0.0, math.inf, open_high=True)
    if rate <= 0.0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")

    def update(x: np.ndarray) -> np.ndarray:
        g = _evaluate(grad_fn, x, "grad_fn", x.shape)
        hess = _evaluate(hess_fn, x, "hess_fn", (x.size, x.size))
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(hess))):
            return np.full_like(x, np.nan)
        try:
            return x - rate * np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            return x - rate * np.linalg.lstsq(hess, g, rcond=None)[0]

    return _run(x0, steps, update)
