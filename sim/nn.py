"""Neural-network numerics in float64 numpy, following PyTorch's conventions.

Stable log-sum-exp, softmax, log-softmax and cross-entropy, activation functions with their
derivatives, and exact gradients of a fully connected network (forward and backward pass).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

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


def _activate(name: str, z: Array, slope: Array, leak: float = LEAK) -> None:
    """Overwrite the pre-activation ``z`` with ``act(z)`` and ``slope`` with ``act'(z)``."""
    if name == "sigmoid":
        np.negative(z, out=z)
        _sigmoid_of_negated(z)
        np.subtract(1.0, z, out=slope)
        slope *= z
    elif name == "tanh":
        np.tanh(z, out=z)
        np.multiply(z, z, out=slope)
        np.subtract(1.0, slope, out=slope)
    elif name == "relu":
        np.greater(z, 0.0, out=slope, casting="unsafe")
        np.maximum(z, 0.0, out=z)
    elif name == "leaky_relu":
        slope.fill(leak)
        slope[z > 0] = 1.0
        z *= slope
        z += 0.0  # -0.0 (a negative input times a zero leak) becomes 0.0
    else:
        slope.fill(1.0)


def _check_network(
    weights: Sequence[ArrayLike], biases: Sequence[ArrayLike], x: ArrayLike
) -> tuple[list[Array], list[Array], Array]:
    if len(weights) == 0:
        raise ValueError("weights must hold at least one layer, got an empty list")
    if len(biases) != len(weights):
        raise ValueError(f"biases must have one entry per layer ({len(weights)}), got {len(biases)}")
    h = _as_float(x, "x")
    if h.ndim != 2 or h.shape[0] == 0:
        raise ValueError(f"x must have shape (batch, features) with batch >= 1, got {np.shape(x)}")
    ws: list[Array] = []
    bs: list[Array] = []
    width = h.shape[1]
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        wa = _as_float(w, f"weights[{layer}]")
        ba = _as_float(b, f"biases[{layer}]")
        if wa.ndim != 2 or wa.shape[1] != width or wa.shape[0] == 0:
            source = f"the {width} outputs of layer {layer - 1}" if layer else f"the {width} features of x"
            raise ValueError(
                f"weights[{layer}] must have shape (out, {width}) with out >= 1 to take {source}, "
                f"got {np.shape(w)}"
            )
        if ba.shape != (wa.shape[0],):
            raise ValueError(f"biases[{layer}] must have shape ({wa.shape[0]},), got {np.shape(b)}")
        ws.append(wa)
        bs.append(ba)
        width = wa.shape[0]
    return ws, bs, h


def _carve(shapes: Sequence[tuple[int, ...]], flat: Array | None = None) -> list[Array]:
    """C-contiguous arrays with the given shapes, carved as views out of ``flat`` (or a fresh array)."""
    sizes = [math.prod(shape) for shape in shapes]
    if flat is None:
        flat = np.empty(sum(sizes))
    views = []
    start = 0
    for shape, size in zip(shapes, sizes, strict=True):
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def _check_y(y: ArrayLike, ws: list[Array], x0: Array, loss: str) -> Array | NDArray[np.intp]:
    """The regression target, or for cross-entropy the flat index of each row's target logit."""
    batch, width = x0.shape[0], ws[-1].shape[0]
    if loss == "mse":
        target = _as_float(y, "y")
        if target.shape != (batch, width):
            raise ValueError(f"y must have the network's output shape {(batch, width)}, got {np.shape(y)}")
        return target
    return np.arange(batch) * width + _check_targets(y, batch, width)


def _output_gradient(out: Array, target: Array | NDArray[np.intp], loss: str) -> float:
    """The loss of the network output ``out``; overwrites ``out`` with dL/d(out)."""
    if loss == "mse":
        out -= target
        value = float(np.vdot(out, out)) / out.size
        out *= 2.0 / out.size
        return value
    # Softmax cross-entropy, stable: shift each row by its maximum before exponentiating.
    out -= out.max(axis=1, keepdims=True)
    flat = out.reshape(-1)
    picked = flat[target]
    np.exp(out, out=out)
    totals = out.sum(axis=1)
    value = float(np.mean(np.log(totals) - picked))
    out /= totals[:, None]
    flat[target] -= 1.0
    out /= out.shape[0]
    return value


def _check_choices(activation: str, loss: str = "mse") -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")


class _Forward:
    """Buffers for forward passes through one network shape, and the pass itself.

    Many small fresh arrays cost more in page faults than the arithmetic, so the transposed
    weights, every layer's output, every hidden slope and two scratch rows share one buffer,
    reused by every ``run`` (training calls it once a step).
    """

    def __init__(self, ws: list[Array], batch: int, residual: bool) -> None:
        last = len(ws) - 1
        widths = [w.shape[0] for w in ws]
        wide = max(widths[:last], default=1)
        shapes: list[tuple[int, ...]] = [(w.shape[1], w.shape[0]) for w in ws]
        shapes += [(batch, n) for n in widths]
        shapes += [(batch, n) for n in widths[:last]]
        shapes += [(batch * wide,), (batch * wide,)]
        views = _carve(shapes)
        self.transposed = views[: last + 1]
        self.outputs = views[last + 1 : 2 * last + 2]
        self.slopes = views[2 * last + 2 : 3 * last + 2]
        self.scratch = views[3 * last + 2 :]
        self.skips = [residual and layer < last and w.shape[0] == w.shape[1] for layer, w in enumerate(ws)]

    def run(self, ws: list[Array], bs: list[Array], x0: Array, activation: str) -> None:
        """Fill ``outputs`` and ``slopes`` for input ``x0``."""
        last = len(ws) - 1
        h = x0
        for layer in range(last + 1):
            np.copyto(self.transposed[layer], ws[layer].T)
            z = self.outputs[layer]
            np.matmul(h, self.transposed[layer], out=z)
            z += bs[layer]
            if layer < last:
                _activate(activation, z, self.slopes[layer])
                if self.skips[layer]:
                    z += h
            h = z


def mlp_forward(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    activation: str = "sigmoid",
    residual: bool = False,
) -> Array:
    """The output of the network that ``mlp_gradients`` differentiates (logits for classification)."""
    _check_choices(activation)
    ws, bs, x0 = _check_network(weights, biases, x)
    forward = _Forward(ws, x0.shape[0], residual)
    forward.run(ws, bs, x0, activation)
    return forward.outputs[-1].copy()


def mlp_gradients(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    y: ArrayLike,
    activation: str = "sigmoid",
    residual: bool = False,
    loss: str = "mse",
) -> tuple[float, list[Array], list[Array]]:
    """Loss and exact gradients ``(loss, dW, db)`` of a fully connected network.

    Layer ``l`` computes ``z = h @ W.T + b`` with ``W`` shaped (out, in) like ``torch.nn.Linear``;
    hidden layers apply ``activation`` (with ``residual``, a hidden layer whose input and output
    widths match computes ``h + act(z)``); the last layer is linear. ``loss="mse"`` is the mean
    squared error over all elements; ``loss="cross_entropy"`` takes integer class targets ``y``.
    """
    _check_choices(activation, loss)
    ws, bs, x0 = _check_network(weights, biases, x)
    target = _check_y(y, ws, x0, loss)
    grads = _carve([*(w.shape for w in ws), *((w.shape[0],) for w in ws)])
    value = _backpropagate(_Forward(ws, x0.shape[0], residual), ws, bs, x0, target, activation, loss, grads)
    return value, grads[: len(ws)], grads[len(ws) :]


def _backpropagate(
    forward: _Forward,
    ws: list[Array],
    bs: list[Array],
    x0: Array,
    target: Array | NDArray[np.intp],
    activation: str,
    loss: str,
    grads: list[Array],
) -> float:
    """The loss; writes dW of every layer, then db of every layer, into ``grads``."""
    batch = x0.shape[0]
    last = len(ws) - 1
    forward.run(ws, bs, x0, activation)
    outputs, slopes = forward.outputs, forward.slopes
    value = _output_gradient(outputs[last], target, loss)
    dws, dbs = grads[: last + 1], grads[last + 1 :]
    ones = np.ones(batch)
    # `grad` is dL/dz of the current layer, `upstream` dL/dh of a hidden layer's output.
    grad = outputs[last]
    upstream = grad
    for layer in range(last, -1, -1):
        if layer < last:
            grad = np.multiply(upstream, slopes[layer], out=slopes[layer])
        np.matmul(grad.T, outputs[layer - 1] if layer else x0, out=dws[layer])
        np.matmul(ones, grad, out=dbs[layer])
        if layer:
            width = ws[layer].shape[1]
            below = forward.scratch[layer % 2][: batch * width].reshape(batch, width)
            np.matmul(grad, ws[layer], out=below)
            if forward.skips[layer]:
                below += upstream  # the identity shortcut passes dL/dh through unchanged
            upstream = below
    return value


def init_mlp(
    sizes: Sequence[int],
    rng: np.random.Generator,
    weight_scale: float = 1.0,
    bias_scale: float = 0.0,
) -> tuple[list[Array], list[Array]]:
    """Random ``(weights, biases)`` for layer widths ``sizes`` (input first, output last).

    Weights are normal with standard deviation ``weight_scale / sqrt(fan_in)``, biases normal with
    standard deviation ``bias_scale``.
    """
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes):
        raise ValueError(f"sizes must list at least two positive integer widths, got {list(sizes)!r}")
    for name, value in (("weight_scale", weight_scale), ("bias_scale", bias_scale)):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    weights = [rng.normal(0.0, weight_scale / math.sqrt(n), (m, n)) for n, m in itertools.pairwise(sizes)]
    biases = [rng.normal(0.0, bias_scale, m) if bias_scale else np.zeros(m) for m in sizes[1:]]
    return weights, biases


@dataclass
class Fit:
    """The result of ``fit``: the loss before every step and after the last, and the parameters."""

    losses: Array
    weights: list[Array]
    biases: list[Array]
    diverged: bool


#: ``fit`` stops when the loss exceeds this many times its starting value (or is not finite).
DIVERGENCE = 1e6
OPTIMIZERS = ("gd", "adam")


def fit(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    y: ArrayLike,
    steps: int,
    lr: float,
    activation: str = "sigmoid",
    residual: bool = False,
    loss: str = "mse",
    optimizer: str = "gd",
) -> Fit:
    """Train a copy of the network with full-batch gradient descent (``gd``) or Adam.

    Stops early, with ``diverged`` set, once the loss is not finite or has grown by ``DIVERGENCE``;
    the parameters returned are then those of the last loss recorded.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    _check_choices(activation, loss)
    ws, bs, x0 = _check_network(weights, biases, x)
    target = _check_y(y, ws, x0, loss)
    # Parameters and gradients live in flat vectors, so that one update touches them all at once.
    shapes = [*(w.shape for w in ws), *(b.shape for b in bs)]
    flat = np.concatenate([p.ravel() for p in (*ws, *bs)])
    params = _carve(shapes, flat)
    flat_grad = np.empty_like(flat)
    grads = _carve(shapes, flat_grad)
    count = len(ws)
    forward = _Forward(ws, x0.shape[0], residual)
    first, second, previous = np.zeros_like(flat), np.zeros_like(flat), np.empty_like(flat)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    losses: list[float] = []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            value = _backpropagate(
                forward, params[:count], params[count:], x0, target, activation, loss, grads
            )
            if step and not value <= DIVERGENCE * max(losses[0], 1e-12):  # also catches nan
                diverged = True
                flat[...] = previous  # hand back the parameters of the last finite loss
                break
            losses.append(value)
            if step == steps or not math.isfinite(value):
                diverged = not math.isfinite(value)
                break
            np.copyto(previous, flat)
            if optimizer == "gd":
                flat -= lr * flat_grad
                continue
            first *= beta1
            first += (1.0 - beta1) * flat_grad
            second *= beta2
            second += (1.0 - beta2) * flat_grad * flat_grad
            # Bias-corrected moments, with eps added as torch.optim.Adam does.
            denominator = np.sqrt(second / (1.0 - beta2 ** (step + 1)))
            denominator += eps
            flat -= (lr / (1.0 - beta1 ** (step + 1))) * first / denominator
    return Fit(np.array(losses), params[:count], params[count:], diverged)
