"""Gradient strength per layer of a deep MLP for sigmoid, tanh and ReLU at one weight scale."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.networks import init_mlp, mlp_gradients
from sim.spec import Result

if TYPE_CHECKING:
    from sim.layout import Layout


ACTIVATIONS = ("sigmoid", "tanh", "relu")
BATCH = 32
#: |log10 ratio| above which the gradient counts as vanishing or exploding.
REGIME_DECADES = 2.0
TINY = float(np.finfo(np.float64).tiny)
#: Weight gain of each initialisation: Xavier/LeCun keeps a linear layer's variance, He a ReLU layer's.
GAINS = {"xavier": 1.0, "he": math.sqrt(2.0)}


def weight_scale(params: dict[str, Any]) -> float:
    """The weights' standard deviation times sqrt(width): the initialisation's gain times ``weight_scale``."""
    return GAINS[params["init"]] * float(params["weight_scale"])


def layer_gradient_norms(
    weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray, activation: str
) -> np.ndarray:
    """Norm of the bias gradient of every layer: the error signal backpropagation delivers there."""
    _, _, dbs = mlp_gradients(weights, biases, x, y, activation)
    return np.array([np.linalg.norm(db) for db in dbs])


def regime(first: float, log10_ratio: float) -> str:
    """Name the gradient's behaviour from the first-to-last ratio in decades."""
    if first == 0.0:
        return "dead"  # every ReLU of some layer is off for every example: no gradient gets through
    if log10_ratio < -REGIME_DECADES:
        return "vanishing"
    if log10_ratio > REGIME_DECADES:
        return "exploding"
    return "stable"


def network(
    params: dict[str, Any], rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """Random weights (zero biases), a batch of normal inputs and a target of 1 for every example."""
    width = params["width"]
    weights, biases = init_mlp([width] * (params["depth"] + 1) + [1], rng, weight_scale(params))
    x = rng.normal(size=(BATCH, width))
    y = np.ones((BATCH, 1))  # one target for every example, so output errors share a sign
    return weights, biases, x, y


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    depth = params["depth"]
    weights, biases, x, y = network(params, rng)
    norms = {name: layer_gradient_norms(weights, biases, x, y, name) for name in ACTIVATIONS}
    chosen = norms[params["activation"]]
    first, last = float(chosen[0]), float(chosen[-1])
    # A dead layer makes the first norm exactly 0: count it as the smallest positive float.
    log10_ratio = math.log10(max(first, TINY)) - math.log10(last)
    return Result(
        sim="vanishing-gradients",
        params=dict(params),
        answers={
            "gradient_ratio": first / last,
            "log10_ratio": log10_ratio,
            "per_layer_factor": 10.0 ** (log10_ratio / depth),
            "regime": regime(first, log10_ratio),
            "first_layer_norm": first,
            "last_layer_norm": last,
            "weight_std": weight_scale(params) / math.sqrt(params["width"]),
        },
        data={"layers": np.arange(1, depth + 2), "norms": norms},
    )


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    chosen = result.params["activation"]
    layers = result.data["layers"]
    ax = layout.add_subplot()
    ax.set_yscale("log")
    for name, norms in result.data["norms"].items():
        width, alpha = (3.0, 1.0) if name == chosen else (1.6, 0.75)
        layout.line(ax, layers, norms, label=name, linewidth=width, alpha=alpha)
    level = result.data["norms"][chosen][-1]
    label = f"{chosen} at the last layer"
    layout.axline(ax, level, vertical=False, color="#888888", linestyle=":", linewidth=1, label=label)
    ratio = result.answers["gradient_ratio"]
    regime = result.answers["regime"]
    if small:
        ax.set_title(f"{chosen}: first / last = {ratio:.0e} ({regime})")
    else:
        init = f"{result.params['init']} init, weight_scale {float(result.params['weight_scale']):g}"
        ax.set_title(f"{chosen}, {init}: first / last layer = {ratio:.1e} ({regime})")
    ax.set_xlim(layers[0], layers[-1])
    ax.locator_params(axis="x", nbins=6, integer=True)
    quiet_log_axis(ax)
    if not small:  # on a terminal-sized figure a legend hides the curves; its entries are listed
        layout.legend(ax, loc="best")
    ax.set_xlabel("layer" if small else "layer (input → output)")
    ax.set_ylabel("|dL/db|" if small else "gradient norm (bias gradient)")
