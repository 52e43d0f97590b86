"""Gradient-based optimisers with exactly the update rules of ``torch.optim``, in float64 numpy.

``optimize("adam", grad_fn, x0, lr=0.1, steps=100)`` returns the whole trajectory. The names and
defaults of the hyperparameters are torch's: ``sgd`` and ``momentum`` are ``torch.optim.SGD``
(``momentum`` defaults to 0.9 for the ``momentum`` optimiser), ``adagrad`` is ``Adagrad``,
``rmsprop`` is ``RMSprop`` and ``adam`` is ``Adam`` (L2 ``weight_decay``, not AdamW).
``newton`` is Newton's method with an exact Hessian, for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

GradFn = Callable[[np.ndarray], Any]
#: A gradient of two variables on Python floats: ``grad(x, y)`` returns ``(df/dx, df/dy)``.
Grad2D = Callable[[float, float], Sequence[Any]]

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


# Two variables on Python floats. A step of ``Optimizer`` on a 2-element array costs ~10 numpy calls
# of a microsecond each; the same arithmetic on two Python floats, in the same order, gives the
# same IEEE results several times faster. These must stay bit for bit equal to ``optimize`` and
# ``newton`` (tests/sim/test_optim.py checks every optimiser and hyperparameter).


def _div(a: float, b: float) -> float:
    """``a / b`` with numpy's answer (inf or nan) where Python raises for a zero ``b``."""
    if b:
        return a / b
    return float(np.divide(a, b))


def _sqrt(a: float) -> float:
    """``np.sqrt`` of one float: nan below zero instead of an exception."""
    return math.sqrt(a) if a >= 0.0 else math.nan


def _maximum(a: float, b: float) -> float:
    """``np.maximum`` of two floats: nan if either is nan."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


Step2D = Callable[[float, float, float, float], tuple[float, float]]


def _step_2d(opt: Optimizer) -> Step2D:
    """``opt.step`` on two floats: ``step(x, y, gx, gy)`` returns the next ``(x, y)``."""
    name, lr, h = opt.name, opt.lr, opt.hyper
    decay = h["weight_decay"]
    t = 0
    if name in ("sgd", "momentum"):
        mu, keep, nesterov = h["momentum"], 1.0 - h["dampening"], h["nesterov"]
        bx = by = 0.0

        def sgd(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
            nonlocal t, bx, by
            t += 1
            if decay != 0.0:
                gx, gy = gx + decay * x, gy + decay * y
            if mu != 0.0:
                if t == 1:
                    bx, by = gx, gy
                else:
                    bx, by = mu * bx + keep * gx, mu * by + keep * gy
                gx, gy = (gx + mu * bx, gy + mu * by) if nesterov else (bx, by)
            return x - lr * gx, y - lr * gy

        return sgd
    if name == "adagrad":
        lr_decay, eps = h["lr_decay"], h["eps"]
        sx = sy = h["initial_accumulator_value"]

        def adagrad(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
            nonlocal t, sx, sy
            t += 1
            if decay != 0.0:
                gx, gy = gx + decay * x, gy + decay * y
            clr = lr / (1.0 + (t - 1) * lr_decay)
            sx, sy = sx + gx * gx, sy + gy * gy
            return x - _div(clr * gx, math.sqrt(sx) + eps), y - _div(clr * gy, math.sqrt(sy) + eps)

        return adagrad
    if name == "rmsprop":
        alpha, eps, mom, centered = h["alpha"], h["eps"], h["momentum"], h["centered"]
        qx = qy = ax = ay = bx = by = 0.0

        def rmsprop(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
            nonlocal t, qx, qy, ax, ay, bx, by
            t += 1
            if decay != 0.0:
                gx, gy = gx + decay * x, gy + decay * y
            qx, qy = alpha * qx + (1.0 - alpha) * gx * gx, alpha * qy + (1.0 - alpha) * gy * gy
            if centered:
                ax, ay = ax + (1.0 - alpha) * (gx - ax), ay + (1.0 - alpha) * (gy - ay)
                dx, dy = _sqrt(qx - ax * ax) + eps, _sqrt(qy - ay * ay) + eps
            else:
                dx, dy = math.sqrt(qx) + eps, math.sqrt(qy) + eps
            if mom > 0.0:
                bx, by = mom * bx + _div(gx, dx), mom * by + _div(gy, dy)
                return x - lr * bx, y - lr * by
            return x - _div(lr * gx, dx), y - _div(lr * gy, dy)

        return rmsprop
    beta1, beta2 = h["betas"]
    eps, amsgrad = h["eps"], h["amsgrad"]
    mx = my = vx = vy = wx = wy = 0.0

    def adam(x: float, y: float, gx: float, gy: float) -> tuple[float, float]:
        nonlocal t, mx, my, vx, vy, wx, wy
        t += 1
        if decay != 0.0:
            gx, gy = gx + decay * x, gy + decay * y
        mx, my = mx + (1.0 - beta1) * (gx - mx), my + (1.0 - beta1) * (gy - my)
        vx, vy = beta2 * vx + (1.0 - beta2) * gx * gx, beta2 * vy + (1.0 - beta2) * gy * gy
        if amsgrad:
            wx, wy = (vx, vy) if t == 1 else (_maximum(wx, vx), _maximum(wy, vy))
        ux, uy = (wx, wy) if amsgrad else (vx, vy)
        step_size = lr / (1.0 - beta1**t)
        correction = math.sqrt(1.0 - beta2**t)
        return (
            x - _div(step_size * mx, math.sqrt(ux) / correction + eps),
            y - _div(step_size * my, math.sqrt(uy) / correction + eps),
        )

    return adam


def _pair(values: Sequence[Any], name: str) -> tuple[float, float]:
    try:
        first, second = values
        return float(first), float(second)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must return two numbers, got {values!r}") from None


def _run_2d(x0: Any, steps: Any, update: Callable[[float, float], tuple[float, float]]) -> np.ndarray:
    """``_run`` for two variables on floats: the same trajectory layout."""
    start, n = _start(x0), _steps(steps)
    if start.size != 2:
        raise ValueError(f"x0 must hold two numbers, got {x0!r}")
    x, y = start.tolist()
    rows = [(x, y)]
    isfinite = math.isfinite
    with np.errstate(all="ignore"):
        for _ in range(n):
            x, y = update(x, y)
            rows.append((x, y))
            if not (isfinite(x) and isfinite(y)):
                break
    path = np.full((n + 1, 2), np.nan)
    path[: len(rows)] = rows
    return path


def optimize_2d(name: str, grad_fn: Grad2D, x0: Any, lr: float, steps: int, **hyper: Any) -> np.ndarray:
    """``optimize`` for two variables on Python floats: bit for bit the same trajectory, several times faster.

    ``grad_fn(x, y)`` returns the gradient ``(df/dx, df/dy)`` as two numbers.
    """
    step = _step_2d(Optimizer(name, lr, **hyper))

    def update(x: float, y: float) -> tuple[float, float]:
        return step(x, y, *_pair(grad_fn(x, y), "grad_fn"))

    return _run_2d(x0, steps, update)


def newton_2d(
    grad_fn: Grad2D, hess_fn: Callable[[float, float], Any], x0: Any, steps: int, lr: float = 1.0
) -> np.ndarray:
    """``newton`` for two variables on Python floats: bit for bit the same trajectory (the solve is LAPACK's).

    ``grad_fn(x, y)`` returns the gradient, ``hess_fn(x, y)`` the Hessian ``[[fxx, fxy], [fxy, fyy]]``.
    """
    rate = _number("lr", lr, 0.0, math.inf, open_high=True)
    if rate <= 0.0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    isfinite = math.isfinite

    def update(x: float, y: float) -> tuple[float, float]:
        gx, gy = _pair(grad_fn(x, y), "grad_fn")
        hess = np.asarray(hess_fn(x, y), dtype=float)
        if hess.shape != (2, 2):
            raise ValueError(f"hess_fn must return an array of shape (2, 2), got shape {hess.shape}")
        (hxx, hxy), (hyx, hyy) = hess.tolist()
        if not all(map(isfinite, (gx, gy, hxx, hxy, hyx, hyy))):
            return math.nan, math.nan
        g = np.array([gx, gy])
        try:
            sx, sy = np.linalg.solve(hess, g).tolist()
        except np.linalg.LinAlgError:
            sx, sy = np.linalg.lstsq(hess, g, rcond=None)[0].tolist()
        return x - rate * sx, y - rate * sy

    return _run_2d(x0, steps, update)
