"""Training fully connected networks: full-batch gradient descent or Adam, several variants at once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from sim.memo import Memo, digest, read_only
from sim.networks import _check_network, _check_y, _Networks, _shapes
from sim.nn import Array, _check_choices


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


def _stacked_starts(
    ws: list[Array], bs: list[Array], x0: Array, starts: Sequence[Sequence[ArrayLike]] | None, count: int
) -> Sequence[Array]:
    """The shared weights ``ws``, or every variant's own weights stacked layer by layer (checked)."""
    if starts is None:
        return ws
    if len(starts) != count:
        raise ValueError(f"starts must hold one weight list per variant ({count}), got {len(starts)}")
    own = [_check_network(start, bs, x0)[0] for start in starts]
    if any(_shapes(weights) != _shapes(ws) for weights in own):
        raise ValueError(f"every entry of starts must have the shapes of weights, {_shapes(ws)}")
    return [np.stack(layer) for layer in zip(*own, strict=True)]


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
    starts: Sequence[Sequence[ArrayLike]] | None = None,
) -> list[Fit]:
    """``fit`` of one starting network in several variants, ``(activation, residual)`` each, side by side.

    Gives exactly what one ``fit`` call per variant gives, in about the time of one. ``starts``, if
    given, holds each variant's own starting weights (one list per variant, shaped like ``weights``),
    for comparing networks that are initialised differently; ``weights`` then only gives the shapes.
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
    networks.set_params(_stacked_starts(ws, bs, x0, starts, len(variants)), bs)
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


#: Fits of single variants already trained, by everything each depends on (``remembered_fits``).
FITS: Memo[Fit] = Memo(64)


def remembered_fits(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    x: ArrayLike,
    y: ArrayLike,
    steps: int,
    lr: float,
    variants: Sequence[tuple[str, bool]],
    loss: str = "mse",
    optimizer: str = "gd",
    starts: Sequence[Sequence[ArrayLike]] | None = None,
) -> list[Fit]:
    """``fit_variants``, remembering each variant's fit by everything it depends on (``sim.memo``).

    A live simulation trains again on every parameter change: going back to earlier values, or changing
    what only some variants depend on (the activation of one of them), trains only the variants whose
    inputs changed, side by side as ``fit_variants`` does. The numbers are those of ``fit_variants``
    (each variant's fit is the same alone or beside others); the arrays are shared, so read-only.
    """
    own = list(starts) if starts is not None else [weights] * len(variants)
    if len(own) != len(variants):
        raise ValueError(f"starts must hold one weight list per variant ({len(variants)}), got {len(own)}")
    shared = ([np.asarray(b) for b in biases], np.asarray(x), np.asarray(y), steps, lr, loss, optimizer)
    keys = [
        digest([np.asarray(w) for w in start], *shared, variant)
        for start, variant in zip(own, variants, strict=True)
    ]
    found = [FITS.get(key) for key in keys]
    missing = [index for index, fit in enumerate(found) if fit is None]
    if missing:
        trained = fit_variants(
            weights, biases, x, y, steps, lr, [variants[i] for i in missing], loss, optimizer,
            starts=[own[i] for i in missing] if starts is not None else None,
        )  # fmt: skip
        for index, fit in zip(missing, trained, strict=True):
            read_only(fit.losses, *fit.weights, *fit.biases, *fit.start_gradients)
            found[index] = FITS.put(keys[index], fit)
    return [
        Fit(fit.losses, list(fit.weights), list(fit.biases), fit.diverged, list(fit.start_gradients))
        for fit in found
        if fit is not None
    ]
