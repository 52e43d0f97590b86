"""Numeric questions about networks: activations, vanishing gradients and the size of an MLP."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import sim
from sim.networks import init_mlp
from sim.nn import activation as activate
from studyapp.quiz.numeric_base import (
    EXACT,
    SIGNIFICANT,
    THREE_FIGURES,
    Numeric,
    NumericKind,
    Step,
    answer,
    exact,
    pick,
    power,
    shown,
    significant,
)

ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
MLP_TARGETS = {"sin": "y = sin(x)", "step": "a step function", "abs": "y = |x|", "xor": "the xor classes"}
XOR_WIDTH = 2
#: Networks drawn before a dead ReLU network gives way to tanh.
MAX_DRAWS = 8


def activation_gradient(rng: np.random.Generator, seed: int) -> Numeric:
    """How much gradient survives a stack of layers at the activation's largest derivative."""
    function = str(pick(rng, ("sigmoid", "sigmoid", "sigmoid", "tanh", "relu")))
    layers = int(rng.integers(2, 21))
    params = {"function": function, "layers": layers}
    result = sim.run("activations", params)
    value = answer(result, "gradient_factor")
    peak = answer(result, "max_derivative")
    candidates = [
        ("added the derivatives instead of multiplying them", peak * layers),
        ("counted one layer fewer", peak ** (layers - 1)),
    ]
    if function == "sigmoid":
        at_zero = float(activate("sigmoid", 0.0)[0][0])
        candidates.append(("used σ(0) = 0.5 instead of the derivative σ′(0) = 0.25", at_zero**layers))
    label = ACTIVATION_LABELS[function]
    return Numeric(
        prompt=(
            "Backpropagation multiplies the gradient by the activation's derivative once per layer. Even "
            f"where that derivative is largest, what fraction of the gradient is left after {layers} {label} "
            f"layers? ({SIGNIFICANT}; a power such as 0.5^8 is fine)"
        ),
        value=value,
        params=params,
        sim="activations",
        sim_params=params,
        mistakes=tuple(candidates),
        explanation=(
            f"Each layer multiplies the gradient by at most the peak of {label}′, so after {layers} layers "
            "at most that peak to the power of the number of layers is left."
        ),
        tolerance=THREE_FIGURES,
        solution=activation_steps(function, layers, peak, value),
    )


def activation_steps(function: str, layers: int, peak: float, value: float) -> tuple[Step, ...]:
    """The activation's largest derivative (where it is, and its value), then its power over the layers."""
    label = ACTIVATION_LABELS[function]
    middle: tuple[Step, ...]
    if function == "sigmoid":
        half = float(activate("sigmoid", 0.0)[0][0])
        middle = (
            Step("σ(0)", "1/(1 + e^0)", "1/(1 + 1)", half),
            Step("max σ′ = σ′(0)", "σ(0)·(1 − σ(0))", f"{shown(half)}·(1 − {shown(half)})", peak),
        )
    elif function == "tanh":
        middle = (Step("max tanh′ = tanh′(0)", "1 − tanh(0)²", "1 − 0²", peak),)
    else:
        middle = (Step("max ReLU′", "ReLU′(x) for x > 0", "", peak),)
    return (
        Step("gradient left", "(max f′)^L", f"(max {label}′)^{layers}", value),
        *middle,
        Step("gradient left", "(max f′)^L", f"{shown(peak)}^{layers}", value),
    )


def per_layer_factor(rng: np.random.Generator, seed: int) -> Numeric:
    """The average per-layer change of the gradient in the vanishing-gradients simulation."""
    params: dict[str, Any] = {
        "activation": str(pick(rng, ("sigmoid", "tanh", "relu"))),
        "depth": int(pick(rng, range(4, 21, 2))),
        "weight_scale": float(pick(rng, (0.5, 1.0, 2.0))),
        "width": 32,
    }
    sim_seed = seed
    result = sim.run("vanishing-gradients", params, sim_seed)
    while answer(result, "first_layer_norm") == 0.0:  # a dead ReLU layer passes no gradient: draw again
        sim_seed += 1
        if sim_seed - seed >= MAX_DRAWS:
            params["activation"] = "tanh"  # tanh never dies
        result = sim.run("vanishing-gradients", params, sim_seed)
    first, last = answer(result, "first_layer_norm"), answer(result, "last_layer_norm")
    depth = int(params["depth"])
    value = answer(result, "per_layer_factor")
    ratio = first / last
    candidates = [
        ("divided the ratio by the number of steps instead of taking the root", ratio / depth),
        (
            "took the root over the layers instead of the steps between them (one too many)",
            ratio ** (1 / (depth + 1)),
        ),
        ("inverted the ratio (last / first)", (1 / ratio) ** (1 / depth)),
    ]
    label = ACTIVATION_LABELS[str(params["activation"])]
    return Numeric(
        prompt=(
            f"A {label} network with {depth} hidden layers ({depth + 1} weight layers) has gradient "
            f"norm {first:.4g} at its first layer and {last:.4g} at its last. Going back from the last layer "
            f"to the first, by what factor does the gradient change per layer on average (the geometric "
            f"mean over the {depth} steps)? ({SIGNIFICANT})"
        ),
        value=value,
        params={**params, "first": first, "last": last},
        sim="vanishing-gradients",
        sim_params=params,
        sim_seed=sim_seed,
        mistakes=tuple(candidates),
        explanation=(
            f"Over {depth} steps the gradient changes by first/last in all, so on average by the "
            f"{depth}th root of that per step (a geometric mean); above 1 it vanishes going back."
        ),
        tolerance=THREE_FIGURES,
        solution=per_layer_steps(first, last, depth, value),
    )


def per_layer_steps(first: float, last: float, depth: int, value: float) -> tuple[Step, ...]:
    """The ratio of the norms, its logarithm shared over the steps, and back: (first/last)^(1/L)."""
    ratio = first / last
    share = math.log(ratio) / depth
    label, formula = "factor per layer", "(first/last)^(1/L)"
    return (
        Step(label, formula, f"({significant(first)}/{significant(last)})^(1/{depth})", value),
        Step("first/last", "", f"{significant(first)}/{significant(last)}", ratio),
        Step("ln(first/last)/L", "", f"ln({exact(ratio)})/{depth}", share),
        Step(label, "e^(ln(first/last)/L)", power("e", float(f"{share:.6g}")), value),
    )


def mlp_parameters(rng: np.random.Generator, seed: int) -> Numeric:
    """The number of weights and biases of the MLP simulation's one-hidden-layer network."""
    target = str(pick(rng, tuple(MLP_TARGETS)))
    hidden = int(rng.integers(1, 65))
    width = XOR_WIDTH if target == "xor" else 1
    weights, biases = init_mlp([width, hidden, width], rng)
    value = sum(w.size for w in weights) + sum(b.size for b in biases)
    candidates = [
        ("forgot the biases", sum(w.size for w in weights)),
        ("counted the hidden layer only", weights[0].size + biases[0].size),
        ("counted the neurons instead of the weights", width + hidden + width),
    ]
    ends = "s" if width != 1 else ""
    return Numeric(
        prompt=(
            f"The MLP simulation fits {MLP_TARGETS[target]} with {width} input{ends}, one hidden layer of "
            f"{hidden} neurons and {width} output{ends}; every neuron after the input has a bias. How many "
            "weights and biases does the network have?"
        ),
        value=float(value),
        params={"target": target, "hidden": hidden},
        sim="mlp",
        sim_params={"target": target, "hidden": hidden},
        mistakes=tuple(candidates),
        explanation=(
            "Each layer has a weight from every neuron of the layer before to each of its neurons, and one "
            "bias per neuron."
        ),
        tolerance=EXACT,
        solution=mlp_steps(width, hidden, weights, biases, value),
    )


def mlp_steps(
    width: int, hidden: int, weights: list[np.ndarray], biases: list[np.ndarray], value: int
) -> tuple[Step, ...]:
    """Weights and biases of each layer of the network the simulation builds, then their total."""
    layers = [w.size + b.size for w, b in zip(weights, biases, strict=True)]
    formula = "(d·h + h) + (h·d + d)"
    return (
        Step("parameters", formula, f"({width}·{hidden} + {hidden}) + ({hidden}·{width} + {width})", value),
        Step("hidden layer", "d·h + h", f"{width}·{hidden} + {hidden}", layers[0]),
        Step("output layer", "h·d + d", f"{hidden}·{width} + {width}", layers[1]),
        Step("parameters", "hidden layer + output layer", f"{layers[0]} + {layers[1]}", value),
    )


KINDS = (
    NumericKind(
        "activation-gradient",
        "Gradient left after L layers",
        ("activations", "vanishing-gradients"),
        activation_gradient,
        ("activation", "vanishing"),
    ),
    NumericKind(
        "per-layer-factor",
        "Gradient change per layer",
        ("vanishing-gradients",),
        per_layer_factor,
        ("vanishing", "exploding"),
    ),
    NumericKind("mlp-parameters", "Weights and biases of an MLP", ("mlp",), mlp_parameters),
)
