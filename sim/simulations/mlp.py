"""A one-hidden-layer MLP trained with Adam on a curve or on xor, against a linear model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.networks import init_mlp, mlp_forward
from sim.nn import sigmoid
from sim.simulations.residual import log_scaler
from sim.spec import Result
from sim.training import remembered_fits

if TYPE_CHECKING:
    from sim.layout import Layout


CURVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "step": lambda x: (x > 0).astype(np.float64),
    "abs": np.abs,
}
X_RANGE = 3.0
POINTS = 128
#: xor: four clusters of points around (±1, ±1); the class is 1 where the signs differ.
CENTRES = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
CLASSES = np.array([0, 0, 1, 1])
PER_CLUSTER = 50
SPREAD = 0.35
GRID = 40  # decision-region image resolution


def make_data(target: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets: a 1-d curve on a grid, or noisy xor clusters with class labels."""
    if target == "xor":
        cluster = np.repeat(np.arange(len(CENTRES)), PER_CLUSTER)
        x = CENTRES[cluster] + rng.normal(0.0, SPREAD, (cluster.size, 2))
        return x, CLASSES[cluster]
    x = np.linspace(-X_RANGE, X_RANGE, POINTS)[:, None]
    return x, CURVES[target](x)


def score(output: np.ndarray, y: np.ndarray, classify: bool) -> float:
    """Accuracy of the predicted classes, or the R² of a regression."""
    if classify:
        return float(np.mean(output.argmax(axis=1) == y))
    return float(1.0 - np.sum((output - y) ** 2) / np.sum((y - y.mean()) ** 2)) + 0.0  # no -0.0


def linear_boundary(
    weights: list[np.ndarray], biases: list[np.ndarray], low: float, high: float
) -> np.ndarray | None:
    """The ends of the linear model's decision boundary inside the square [low, high]^2, or None.

    With the identity activation the logit difference is affine, a . x + c, so P(class 1) = 0.5 on
    the straight line a . x + c = 0 (what a contour of its grid at 0.5 would trace).
    """
    direction = weights[1][1] - weights[1][0]
    normal = direction @ weights[0]
    offset = float(direction @ biases[0] + biases[1][1] - biases[1][0])
    size = float(normal @ normal)
    if not size > 0.0:
        return None
    point = -offset * normal / size  # the line's point nearest the origin, then along the line
    along = np.array([-normal[1], normal[0]])
    start, stop = -np.inf, np.inf
    for p, d in zip(point, along, strict=True):  # clip the line to the square, axis by axis
        if d == 0.0:
            if not low <= p <= high:
                return None
            continue
        ends = sorted(((low - p) / d, (high - p) / d))
        start, stop = max(start, ends[0]), min(stop, ends[1])
    if not start < stop:
        return None
    return point + np.outer([start, stop], along)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    classify = params["target"] == "xor"
    x, y = make_data(params["target"], rng)
    sizes = [x.shape[1], params["hidden"], 2 if classify else 1]
    weights, biases = init_mlp(sizes, rng, 1.0, 1.0)
    loss = "cross_entropy" if classify else "mse"
    names = list(dict.fromkeys((params["activation"], "identity")))  # the network and the linear model
    variants = [(name, False) for name in names]
    fits = remembered_fits(weights, biases, x, y, params["steps"], params["lr"], variants, loss, "adam")
    runs = dict(zip(names, fits, strict=True))
    chosen, linear = runs[params["activation"]], runs["identity"]
    outputs = {name: mlp_forward(run.weights, run.biases, x, name) for name, run in runs.items()}
    data: dict[str, Any] = {"x": x, "y": y, "losses": {name: run.losses for name, run in runs.items()}}
    if classify:
        axis = np.linspace(-1.0 - 4 * SPREAD, 1.0 + 4 * SPREAD, GRID)
        grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
        data["grid_axis"] = axis
        for name, run in runs.items():
            logits = mlp_forward(run.weights, run.biases, grid, name)
            # P(class 1) = sigmoid of the logit difference
            data[f"grid_{name}"] = sigmoid(logits[:, 1] - logits[:, 0]).reshape(GRID, GRID)
        data["linear_boundary"] = linear_boundary(linear.weights, linear.biases, axis[0], axis[-1])
    else:
        data["fits"] = {name: output[:, 0] for name, output in outputs.items()}
    return Result(
        sim="mlp",
        params=dict(params),
        answers={
            "final_loss": float(chosen.losses[-1]),
            "score": score(outputs[params["activation"]], y, classify),
            "linear_loss": float(linear.losses[-1]),
            "linear_score": score(outputs["identity"], y, classify),
            "parameters": sum(w.size for w in weights) + sum(b.size for b in biases),
        },
        data=data,
    )


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    chosen = result.params["activation"]
    left, right = layout.subplots(1, 2)
    x, y = result.data["x"], result.data["y"]
    if "fits" in result.data:
        layout.line(left, x[:, 0], y[:, 0], color="#888888", linewidth=4.0, alpha=0.6, label="target")
        layout.line(left, x[:, 0], result.data["fits"][chosen], color="#4e9af1", label=chosen)
        if chosen != "identity":
            fit = result.data["fits"]["identity"]
            layout.line(left, x[:, 0], fit, linestyle="--", color="#e15759", label="linear")
    else:
        axis = result.data["grid_axis"]
        extent = (axis[0], axis[-1], axis[0], axis[-1])
        layout.image(
            left, result.data[f"grid_{chosen}"], extent, vmin=0.0, vmax=1.0, origin="lower", cmap="coolwarm",
            alpha=0.45, aspect="auto", interpolation="bilinear",
        )  # fmt: skip
        for label, color in ((0, "#4e9af1"), (1, "#f28e2b")):
            points = x[y == label]
            # Markers of one line draw several times faster than a scatter; the same dots.
            layout.line(
                left, points[:, 0], points[:, 1], marker="o", linestyle="None",
                markersize=2.45 if small else 3.46, markeredgewidth=1.0, color=color, label=f"class {label}",
            )  # fmt: skip
        boundary = result.data["linear_boundary"]
        if chosen != "identity" and boundary is not None:
            layout.line(left, boundary[:, 0], boundary[:, 1], linestyle="--", color="#e15759", linewidth=1.5)
    left.set_title(result.params["target"] if small else f"{result.params['target']}: {chosen} vs linear")
    scale = log_scaler(right, small)
    for name, losses in result.data["losses"].items():
        steps = np.arange(len(losses))
        if name == chosen and chosen == "identity":
            layout.line(right, steps, scale(losses), color="#e15759", label="linear")
        elif name == chosen:
            layout.line(right, steps, scale(losses), color="#4e9af1", label=chosen)
        elif chosen != "identity":
            layout.line(right, steps, scale(losses), linestyle="--", color="#e15759", label="linear")
    right.set_title("training loss")
    if not small:
        layout.legend(right, loc="best")
        layout.legend(left, loc="best")
    right.set_xlabel("Adam step")
    right.set_ylabel("cross-entropy" if "fits" not in result.data else "mean squared error")
    left.set_xlabel("x" if "fits" in result.data else "x1")
    left.set_ylabel("y" if "fits" in result.data else "x2")
    left.locator_params(nbins=4)
    right.locator_params(axis="x", nbins=4)
    quiet_log_axis(right)
