"""Fully connected networks in float64 numpy, following PyTorch's conventions.

Exact gradients of a fully connected network (forward and backward pass), also of several networks
side by side. The losses, activations and other elementwise numerics they use are in ``sim.nn``;
training is in ``sim.training``.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.nn import Array, _activation_ops, _as_float, _check_choices, _check_targets, _Op


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
