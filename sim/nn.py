"""Neural-network numerics in float64 numpy, following PyTorch's conventions.

Stable log-sum-exp, softmax, log-softmax and cross-entropy, activation functions with their
derivatives, and exact gradients of a fully connected network (forward and backward pass), also of
several networks side by side, and their training.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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


def _starts(shapes: Sequence[tuple[int, ...]]) -> list[int]:
    """Where each of ``shapes`` starts in a flat buffer holding them one after another, then the end."""
    return list(itertools.accumulate((math.prod(shape) for shape in shapes), initial=0))


class _Flat:
    """Arrays of the given shapes carved one after another out of one flat array."""

    def __init__(self, shapes: Sequence[tuple[int, ...]], flat: Array | None = None) -> None:
        self.shapes = list(shapes)
        self.starts = _starts(shapes)
        self.flat = np.empty(self.starts[-1]) if flat is None else flat

    @functools.cached_property
    def views(self) -> list[Array]:
        """Every array, in order."""
        return [self.flat[self.starts[n] : self.starts[n + 1]].reshape(s) for n, s in enumerate(self.shapes)]

    def stack(self, start: int, stop: int) -> Array:
        """Arrays ``start`` to ``stop - 1`` (of equal shapes) as one array with a leading axis."""
        shape = self.shapes[start]
        return self.flat[self.starts[start] : self.starts[stop]].reshape(stop - start, *shape)


def _runs(keys: Sequence[object], start: int, stop: int) -> list[tuple[int, int]]:
    """The maximal runs ``(a, b)`` of equal ``keys[a:b]`` that cover ``start`` to ``stop - 1``."""
    runs: list[tuple[int, int]] = []
    a = start
    for b in range(start + 1, stop + 1):
        if b == stop or keys[b] != keys[a]:
            runs.append((a, b))
            a = b
    return runs


def _check_y(y: ArrayLike, width: int, x0: Array, loss: str) -> Array | NDArray[np.intp]:
    """The regression target, or for cross-entropy the flat index of each row's target logit."""
    batch = x0.shape[0]
    if loss == "mse":
        target = _as_float(y, "y")
        if target.shape != (batch, width):
            raise ValueError(f"y must have the network's output shape {(batch, width)}, got {np.shape(y)}")
        return target
    return np.arange(batch) * width + _check_targets(y, batch, width)


def _check_choices(activation: str, loss: str = "mse") -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")


def _product(a: Array, b: Array, out: Array) -> _Op:
    """The call ``out = a @ b``: ``np.dot`` for single matrices (far less overhead than ``matmul``).

    A product over one term is the elementwise product, which ``matmul`` computes much more slowly.
    """
    if a.ndim >= 2 and a.shape[-1] == 1:
        return (np.multiply, (a, b, out))
    rank = min(a.ndim, 2)  # of the product's rows: a vector times a matrix is a vector
    if out.size == math.prod(out.shape[-rank:]) and b.size == math.prod(b.shape[-2:]):
        # Single matrices (all leading axes of length 1): np.dot on their 2-d (or 1-d) views.
        return (np.dot, (a.reshape(a.shape[-rank:]), b.reshape(b.shape[-2:]), out.reshape(out.shape[-rank:])))
    return (np.matmul, (a, b, out))


class _Networks:
    """``K`` fully connected networks of one shape on one input, computed side by side.

    Network ``k`` has its own parameters, hidden activation and shortcut flag (``variants[k]``).
    Layer ``l`` of every network is stacked, weights ``(K, out, in)``, biases ``(K, out)`` and outputs
    ``(K, batch, out)``, so that one numpy call serves all networks with the very arithmetic of one.
    Small arrays cost more in call overhead and page faults than in arithmetic: every buffer is
    allocated once and reused by every pass, the parameters and their gradients are two flat
    vectors (layer after layer) that an update handles in one call each, and the work off the
    layer-by-layer path (transposed weights, weight and bias gradients) takes one call for each
    run of equally shaped layers.
    """

    def __init__(
        self,
        shapes: Sequence[tuple[int, int]],
        x0: Array,
        variants: Sequence[tuple[str, bool]],
        target: Array | NDArray[np.intp] | None = None,
        loss: str = "mse",
    ) -> None:
        k, batch, last = len(variants), x0.shape[0], len(shapes) - 1
        self.last = last
        param_shapes = [*((k, o, i) for o, i in shapes), *((k, o) for o, _ in shapes)]
        size = _starts(param_shapes)[-1]
        both = np.empty(2 * size)
        params, grads = _Flat(param_shapes, both[:size]), _Flat(param_shapes, both[size:])
        self.params, self.grads, self._grads = params.flat, grads.flat, grads
        self.ws, self.bs = params.views[: last + 1], params.views[last + 1 :]
        wide = max((i for _, i in shapes[1:]), default=1)
        buffer = _Flat(
            [
                *((k, i, o) for o, i in shapes),  # transposed weights
                *((k, batch, o) for o, _ in shapes),  # layer outputs
                *((k, batch, o) for o, _ in shapes[:last]),  # hidden slopes, overwritten by dL/dz
                (2, k * batch * wide),  # dL/dh below a layer, alternately
            ]
        )
        transposed, self.outputs = buffer.views[: last + 1], buffer.views[last + 1 : 2 * last + 2]
        slopes, scratch = buffer.views[2 * last + 2 : 3 * last + 2], buffer.views[-1]
        shortcut = [j for j, (_, residual) in enumerate(variants) if residual]

        def add_shortcut(a: Array, b: Array) -> list[_Op]:
            """``a += b`` for every network with shortcuts (``b`` may be the shared input)."""
            if len(shortcut) == k:
                return [(np.add, (a, b, a))]
            return [(np.add, (a[j], b[j] if b.ndim == 3 else b, a[j])) for j in shortcut]

        # The forward and backward passes as lists of numpy calls into the buffers, run one after another.
        self.forward_ops: list[_Op] = []
        biases: list[Array] = [b[:, None] for b in self.bs]
        for a, b in _runs(shapes, 0, last + 1):
            self.forward_ops.append((np.copyto, (buffer.stack(a, b), params.stack(a, b).mT)))
            if b - a > 1:  # adding the biases to the outputs is faster without broadcasting them
                spread = np.empty((b - a, k, batch, shapes[a][0]))
                self.forward_ops.append(
                    (np.copyto, (spread, params.stack(last + 1 + a, last + 1 + b)[:, :, None]))
                )
                biases[a:b] = list(spread)
        names = {name for name, _ in variants}
        self.quiet = "sigmoid" in names  # exp may overflow, to the right limit
        skipped = []
        h = x0
        for layer, (o, i) in enumerate(shapes):
            z = self.outputs[layer]
            self.forward_ops += [_product(h, transposed[layer], z), (np.add, (z, biases[layer], z))]
            if layer < last:
                if len(names) == 1:
                    self.forward_ops += _activation_ops(variants[0][0], z, slopes[layer])
                else:
                    for j, (name, _) in enumerate(variants):
                        self.forward_ops += _activation_ops(name, z[j], slopes[layer][j])
                if o == i and shortcut:
                    self.forward_ops += add_shortcut(z, h)
                    skipped.append(layer)
            h = z
        # dL/dz = dL/dh * slope, then dL/dh of the layer's input = dL/dz W (+ dL/dh with a shortcut).
        self.backward_ops: list[_Op] = []
        upstream = self.outputs[last]
        for layer in range(last, -1, -1):
            delta = upstream
            if layer < last:
                delta = slopes[layer]
                self.backward_ops.append((np.multiply, (upstream, delta, delta)))
            if layer:
                below = scratch[layer % 2][: k * batch * shapes[layer][1]].reshape(k, batch, -1)
                self.backward_ops.append(_product(delta, self.ws[layer], below))
                if layer in skipped:
                    self.backward_ops += add_shortcut(below, upstream)
                upstream = below
        # dL/dW = (dL/dz)^T h_in and dL/db = ones @ dL/dz, for runs of equally shaped layers at once.
        bias_at, out_at, slope_at = last + 1, last + 1, 2 * last + 2
        jobs = [(0, 1)] if last else []
        jobs += [*_runs(shapes, 1, last), (last, last + 1)]
        ones = np.ones(batch)
        for a, b in jobs:
            delta = self.outputs[last][None] if b == last + 1 else buffer.stack(slope_at + a, slope_at + b)
            h_in = x0[None, None] if a == 0 else buffer.stack(out_at + a - 1, out_at + b - 1)
            self.backward_ops += [
                _product(delta.mT, h_in, grads.stack(a, b)),
                _product(ones, delta, grads.stack(bias_at + a, bias_at + b)),
            ]
        self.rows = list(self.outputs[last])
        self.logits = self.outputs[last].reshape(-1)
        self.loss = loss
        self.target = np.zeros(0) if target is None or loss != "mse" else target
        if target is not None and loss == "cross_entropy":
            out, classes = self.outputs[last], shapes[last][0]
            # Every network's flat index of each row's target logit, and the targets as one-hot rows.
            self.picks = (np.arange(k)[:, None] * self.rows[0].size + target).reshape(-1)
            self.one_hot = np.zeros(self.rows[0].shape)
            self.one_hot.reshape(-1)[target] = 1.0
            # Buffers for the row maxima, the picked logits, the row sums and each row's loss.
            self.maxima, self.picked = np.empty((k, batch, 1)), np.empty(k * batch)
            self.totals, self.row_losses = np.empty((k, batch)), np.empty((k, batch))
            self.columns = [out[:, :, c : c + 1] for c in range(classes)] if classes == 2 else []

    @property
    def dws(self) -> list[Array]:
        """dL/dW of every layer, stacked over the networks."""
        return self._grads.views[: self.last + 1]

    @property
    def dbs(self) -> list[Array]:
        """dL/db of every layer, stacked over the networks."""
        return self._grads.views[self.last + 1 :]

    def set_params(self, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike]) -> None:
        """Every network's parameters: ``(out, in)`` weights and ``(out,)`` biases, shared or stacked."""
        for view, value in zip([*self.ws, *self.bs], [*weights, *biases], strict=True):
            view[...] = value

    def forward(self) -> Array:
        """Fill every layer's output and every hidden slope; returns the stacked outputs."""
        with np.errstate(over="ignore") if self.quiet else contextlib.nullcontext():
            for function, args in self.forward_ops:
                function(*args)
        return self.outputs[self.last]

    def gradients(self) -> list[float]:
        """Every network's loss; writes the gradients of all parameters into ``grads``."""
        self.forward()
        values = self._output_gradient()
        for function, args in self.backward_ops:
            function(*args)
        return values

    def _output_gradient(self) -> list[float]:
        """Each network's loss; overwrites its output with dL/d(output)."""
        out, batch = self.outputs[self.last], self.outputs[self.last].shape[1]
        if self.loss == "mse":
            out -= self.target
            values = [float(np.vdot(row, row)) / self.rows[0].size for row in self.rows]
            out *= 2.0 / self.rows[0].size
            return values
        # Softmax cross-entropy, stable: shift each row by its maximum before exponentiating.
        if self.columns:  # two classes: what the reductions below give, without their slow short rows
            first, second = self.columns
            out -= np.maximum(first, second, out=self.maxima)
            picked = np.take(self.logits, self.picks, out=self.picked).reshape(-1, batch)
            np.exp(out, out=out)
            totals = np.add(first[:, :, 0], second[:, :, 0], out=self.totals)
        else:
            out -= np.maximum.reduce(out, axis=2, keepdims=True)
            picked = np.take(self.logits, self.picks).reshape(-1, batch)
            np.exp(out, out=out)
            totals = np.add.reduce(out, axis=2)
        losses = np.log(totals, out=self.row_losses)
        losses -= picked
        means: list[float] = (np.add.reduce(losses, axis=1) / batch).tolist()  # what np.mean gives
        out /= totals[:, :, None]
        out -= self.one_hot
        out /= batch
        return means

    def mask_of(self, index: int) -> NDArray[np.bool_]:
        """Where network ``index``'s parameters lie in ``params``."""
        mask = np.zeros(self.params.size, dtype=bool)
        for view in _Flat([p.shape for p in (*self.ws, *self.bs)], mask.view(np.uint8)).views:
            view[index] = 1
        return mask


def _shapes(ws: Sequence[Array]) -> list[tuple[int, int]]:
    return [(w.shape[0], w.shape[1]) for w in ws]


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
    networks = _Networks(_shapes(ws), x0, [(activation, residual)])
    networks.set_params(ws, bs)
    return networks.forward()[0].copy()


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
    target = _check_y(y, ws[-1].shape[0], x0, loss)
    networks = _Networks(_shapes(ws), x0, [(activation, residual)], target, loss)
    networks.set_params(ws, bs)
    (value,) = networks.gradients()
    return value, [dw[0] for dw in networks.dws], [db[0] for db in networks.dbs]


def mlp_gradients_stacked(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    y: ArrayLike,
    activation: str = "sigmoid",
    residual: bool = False,
    loss: str = "mse",
) -> tuple[Array, list[Array], list[Array]]:
    """``mlp_gradients`` of ``K`` networks of one shape at once, on the same ``x`` and ``y``.

    ``weights[l]`` is ``(K, out, in)`` and ``biases[l]`` is ``(K, out)``: network ``k`` has the
    weights ``[w[k] for w in weights]``. Returns the ``K`` losses and the gradients stacked alike,
    each exactly what ``mlp_gradients`` gives for that network, in far fewer numpy calls.
    """
    _check_choices(activation, loss)
    ws = [_as_float(w, f"weights[{layer}]") for layer, w in enumerate(weights)]
    bs = [_as_float(b, f"biases[{layer}]") for layer, b in enumerate(biases)]
    count = ws[0].shape[0] if ws and ws[0].ndim == 3 else 0
    if not count or any(w.ndim != 3 or w.shape[0] != count for w in ws):
        raise ValueError("weights must be (K, out, in) arrays, one per layer, with the same K >= 1")
    if any(b.ndim != 2 or b.shape[0] != count for b in bs):
        raise ValueError(f"biases must be (K, out) arrays, one per layer, with K = {count}")
    first, _, x0 = _check_network([w[0] for w in ws], [b[0] for b in bs], x)
    target = _check_y(y, first[-1].shape[0], x0, loss)
    networks = _Networks(_shapes(first), x0, [(activation, residual)] * count, target, loss)
    networks.set_params(ws, bs)
    values = networks.gradients()
    return np.array(values), networks.dws, networks.dbs


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
    #: dL/dW of every layer at the starting parameters (the gradient of the first step).
    start_gradients: list[Array] = field(default_factory=list)


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
    (run,) = fit_variants(weights, biases, x, y, steps, lr, [(activation, residual)], loss, optimizer)
    return run


def fit_variants(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    y: ArrayLike,
    steps: int,
    lr: float,
    variants: Sequence[tuple[str, bool]],
    loss: str = "mse",
    optimizer: str = "gd",
) -> list[Fit]:
    """``fit`` of one starting network in several variants, ``(activation, residual)`` each, side by side.

    Gives exactly what one ``fit`` call per variant gives, in about the time of one.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if not variants:
        raise ValueError("variants must name at least one (activation, residual) pair")
    for activation, _ in variants:
        _check_choices(activation, loss)
    ws, bs, x0 = _check_network(weights, biases, x)
    target = _check_y(y, ws[-1].shape[0], x0, loss)
    networks = _Networks(_shapes(ws), x0, variants, target, loss)
    networks.set_params(ws, bs)
    flat, flat_grad = networks.params, networks.grads
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    # Adam's first and second moments side by side, so that one call updates both.
    moments, increments = np.zeros((2, flat.size)), np.empty((2, flat.size))
    first, second = moments
    decays, complements = np.array([[beta1], [beta2]]), np.array([[1.0 - beta1], [1.0 - beta2]])
    previous, scratch, denominator = np.empty_like(flat), np.empty_like(flat), np.empty_like(flat)
    # A network that has stopped keeps its parameters: they are put back after every update.
    stopped, kept = np.zeros(flat.size, dtype=bool), np.empty_like(flat)
    losses: list[list[float]] = [[] for _ in variants]
    diverged = [False] * len(variants)
    running = list(range(len(variants)))
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            values = networks.gradients()
            if step == 0:
                start = [dw.copy() for dw in networks.dws]
            for index in list(running):
                value = values[index]
                if step and not value <= DIVERGENCE * max(losses[index][0], 1e-12):  # also catches nan
                    diverged[index] = True
                    source = previous  # hand back the parameters of the last finite loss
                elif step == steps or not math.isfinite(value):
                    losses[index].append(value)
                    diverged[index] = not math.isfinite(value)
                    source = flat
                else:
                    losses[index].append(value)
                    continue
                mask = networks.mask_of(index)
                np.copyto(flat, source, where=mask)
                np.copyto(kept, source, where=mask)
                stopped |= mask
                running.remove(index)
            if not running:
                break
            np.copyto(previous, flat)
            if optimizer == "gd":
                flat -= np.multiply(lr, flat_grad, out=scratch)
            else:
                # first = beta1 first + (1 - beta1) g, second = beta2 second + (1 - beta2) g g
                moments *= decays
                np.multiply(complements, flat_grad, out=increments)
                increments[1] *= flat_grad
                moments += increments
                # Bias-corrected moments, with eps added as torch.optim.Adam does.
                np.sqrt(np.divide(second, 1.0 - beta2 ** (step + 1), out=denominator), out=denominator)
                denominator += eps
                np.multiply(lr / (1.0 - beta1 ** (step + 1)), first, out=scratch)
                flat -= np.divide(scratch, denominator, out=scratch)
            if len(running) < len(variants):
                np.copyto(flat, kept, where=stopped)
    return [
        Fit(
            np.array(losses[index]),
            [w[index].copy() for w in networks.ws],
            [b[index].copy() for b in networks.bs],
            diverged[index],
            [dw[index] for dw in start],
        )
        for index in range(len(variants))
    ]
