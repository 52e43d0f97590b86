"""Neural-network numerics in float64 numpy, following PyTorch's conventions.

Stable log-sum-exp, softmax, log-softmax and cross-entropy, and activation functions with their
derivatives. Fully connected networks and their training are in ``sim.networks``.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: Activations accepted by ``activation`` and ``mlp_gradients``.
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
#: Losses accepted by ``mlp_gradients``.
LOSSES = ("mse", "cross_entropy")
#: Negative slope of leaky ReLU inside ``mlp_gradients`` (PyTorch's default).
LEAK = 0.01


def _as_float(x: ArrayLike, name: str) -> Array:
    """``x`` as a float64 array with at least one dimension."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.ndim:
        return x
    array = np.asarray(x)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise ValueError(f"{name} must be real, got complex dtype {array.dtype}")
    return np.atleast_1d(np.asarray(array, dtype=np.float64))


def _check_axis(x: Array, axis: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        raise ValueError(f"axis must be an integer, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be from {-x.ndim} to {x.ndim - 1} for a {x.ndim}-d input, got {axis}")
    if x.shape[axis] == 0:
        raise ValueError(f"axis {axis} must not be empty (input shape {x.shape})")
    return int(axis)


def _shifted(x: Array, axis: int) -> tuple[Array, Array]:
    """``(x - m, m)`` with ``m`` the maximum along ``axis`` (kept), or 0 where it is not finite."""
    m = np.max(x, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    return x - m, m


def logsumexp(x: ArrayLike, axis: int = -1) -> Array:
    """``log(sum(exp(x)))`` along ``axis`` without overflow: shift by the maximum first."""
    array = _as_float(x, "x")
    axis = _check_axis(array, axis)
    shifted, m = _shifted(array, axis)
    with np.errstate(divide="ignore"):  # every entry -inf: log(0) = -inf is the right answer
        out = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    out += m
    return np.squeeze(out, axis=axis)


def softmax(x: ArrayLike, axis: int = -1) -> Array:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed on max-shifted inputs."""
    array = _as_float(x, "x")
    axis = _check_axis(array, axis)
    shifted, _ = _shifted(array, axis)
    np.exp(shifted, out=shifted)
    shifted /= np.sum(shifted, axis=axis, keepdims=True)
    return shifted


def log_softmax(x: ArrayLike, axis: int = -1) -> Array:
    """``x - logsumexp(x)`` along ``axis``; exact even where ``softmax`` underflows to 0."""
    array = _as_float(x, "x")
    axis = _check_axis(array, axis)
    shifted, _ = _shifted(array, axis)
    with np.errstate(divide="ignore"):
        shifted -= np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return shifted


def _check_targets(targets: ArrayLike, batch: int, classes: int) -> NDArray[np.intp]:
    t = np.asarray(targets)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != (batch,):
        raise ValueError(f"targets must have shape ({batch},) to match the logits, got {t.shape}")
    if batch and (t.min() < 0 or t.max() >= classes):
        raise ValueError(
            f"targets must be class indices from 0 to {classes - 1}, got values {t.min()}..{t.max()}"
        )
    return t.astype(np.intp, copy=False)


def cross_entropy(logits: ArrayLike, targets: ArrayLike) -> float:
    """Mean softmax cross-entropy of ``logits`` (batch, classes) against integer ``targets``."""
    z = _as_float(logits, "logits")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(f"logits must have shape (batch, classes) with both at least 1, got {z.shape}")
    t = _check_targets(targets, z.shape[0], z.shape[1])
    rows = np.arange(z.shape[0])
    return float(np.mean(logsumexp(z, axis=1) - z[rows, t]))


def sigmoid(z: ArrayLike) -> Array:
    """The logistic function ``1 / (1 + exp(-z))``; exact 0 instead of overflow for ``z < -709``."""
    out = np.negative(_as_float(z, "z"))
    _sigmoid_of_negated(out)
    return out


def _sigmoid_of_negated(buf: Array) -> None:
    """Overwrite ``buf`` (holding ``-z``) with ``sigmoid(z)``."""
    with np.errstate(over="ignore"):  # exp(-z) = inf gives 1 / (1 + inf) = 0, the right limit
        np.exp(buf, out=buf)
    buf += 1.0
    np.divide(1.0, buf, out=buf)


def _check_choices(activation: str, loss: str = "mse") -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")


def activation(name: str, z: ArrayLike, leak: float = LEAK) -> tuple[Array, Array]:
    """The activation ``name`` at ``z`` and its derivative (ReLU's derivative at 0 is 0, as in PyTorch)."""
    x = _as_float(z, "z")
    _check_choices(name)
    if not math.isfinite(leak):
        raise ValueError(f"leak must be a finite number, got {leak!r}")
    y = x.copy()
    slope = np.empty_like(x)
    _activate(name, y, slope, leak)
    return y, slope


#: One numpy call: a function and its positional arguments (outputs included).
_Op = tuple[Callable[..., Any], tuple[Any, ...]]

_greater_into_float = functools.partial(np.greater, casting="unsafe")


def _leaky_slope(z: Array, slope: Array, leak: float) -> None:
    slope.fill(leak)
    slope[z > 0] = 1.0


def _activation_ops(name: str, z: Array, slope: Array, leak: float = LEAK) -> list[_Op]:
    """The calls that overwrite the pre-activation ``z`` with ``act(z)`` and ``slope`` with ``act'(z)``.

    The sigmoid's ``exp`` may overflow (to the right limit, 0): run these calls with ``over="ignore"``.
    """
    if name == "sigmoid":
        return [
            (np.negative, (z, z)),
            (np.exp, (z, z)),
            (np.add, (z, 1.0, z)),
            (np.divide, (1.0, z, z)),
            (np.subtract, (1.0, z, slope)),
            (np.multiply, (slope, z, slope)),
        ]
    if name == "tanh":
        return [(np.tanh, (z, z)), (np.multiply, (z, z, slope)), (np.subtract, (1.0, slope, slope))]
    if name == "relu":
        return [(_greater_into_float, (z, 0.0, slope)), (functools.partial(np.maximum, out=z), (z, 0.0))]
    if name == "leaky_relu":
        # Adding 0.0 turns -0.0 (a negative input times a zero leak) into 0.0.
        return [(_leaky_slope, (z, slope, leak)), (np.multiply, (z, slope, z)), (np.add, (z, 0.0, z))]
    return [(slope.fill, (1.0,))]


def _activate(name: str, z: Array, slope: Array, leak: float = LEAK) -> None:
    """Overwrite the pre-activation ``z`` with ``act(z)`` and ``slope`` with ``act'(z)``."""
    with np.errstate(over="ignore") if name == "sigmoid" else contextlib.nullcontext():
        for function, args in _activation_ops(name, z, slope, leak):
            function(*args)
