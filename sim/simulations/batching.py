"""Full batch, minibatch and SGD (batch size 1) on a linear regression drawn from the rng."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.memo import Memo, digest, read_only
from sim.simulations.gradient_descent import floored
from sim.spec import Result

if TYPE_CHECKING:
    from sim.layout import Layout


METHODS = ("full batch", "minibatch", "SGD")
COLOURS = ("#4e9af1", "#59a14f", "#e15759")
#: A loss this many times the starting loss counts as blown up.
BLOW_UP = 1e6
#: At most this many points per curve are drawn.
DRAW_POINTS = 1500
BLOW_UP_EDGE = "#000000"


def regression(
    samples: int, features: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``X`` (standard normal) and targets ``y = X w + noise`` for random true weights ``w``."""
    x = rng.standard_normal((samples, features))
    w = rng.standard_normal(features)
    return x, x @ w + noise * rng.standard_normal(samples)


def mse(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The mean squared error of each row of ``weights`` (shape ``(k, d)``) on the data."""
    residuals = x @ weights.T - y[:, None]
    return np.mean(residuals * residuals, axis=0)


def train(
    x: np.ndarray, y: np.ndarray, batch: int, lr: float, epochs: int, rng: np.random.Generator
) -> np.ndarray:
    """Weights after every update of minibatch gradient descent from zero, reshuffling each epoch.

    Returns shape ``(updates + 1, features)``; the last batch of an epoch may be smaller, as with
    a data loader that keeps it.
    """
    n, d = x.shape
    w = np.zeros(d)
    history = [w]
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            order = rng.permutation(n)
            shuffled_x, shuffled_y = x[order], y[order]  # so that every batch is a slice, not a copy
            for start in range(0, n, batch):
                xb, yb = shuffled_x[start : start + batch], shuffled_y[start : start + batch]
                w = w - lr * (2.0 / len(yb)) * np.dot(xb.T, np.dot(xb, w) - yb)  # dot: less overhead than @
                history.append(w)
            if not np.all(np.isfinite(w)):
                break
    return np.array(history)


#: Weight histories already trained, by everything ``train`` depends on (``sim.memo``).
HISTORIES: Memo[np.ndarray] = Memo(48)


def remembered_train(
    x: np.ndarray, y: np.ndarray, batch: int, lr: float, epochs: int, rng: np.random.Generator
) -> np.ndarray:
    """``train``, remembering its (read-only) history by its inputs and the generator's state, so that a
    change of the batch size retrains only the minibatch method, and stepping back retrains nothing."""
    key = digest(x, y, batch, lr, epochs, rng.bit_generator.state)

    def trained() -> np.ndarray:
        history = train(x, y, batch, lr, epochs, rng)
        read_only(history)
        return history

    return HISTORIES.get_or_make(key, trained)


def stable_prefix(losses: np.ndarray) -> tuple[np.ndarray, bool]:
    """``losses`` before the first non-finite one or one past ``BLOW_UP`` times the start."""
    bad = np.flatnonzero(~np.isfinite(losses) | (losses > BLOW_UP * max(float(losses[0]), 1e-12)))
    return (losses, False) if bad.size == 0 else (losses[: bad[0]], True)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    data_rng, *shuffle_rngs = rng.spawn(1 + len(METHODS))
    samples, epochs = int(params["samples"]), int(params["epochs"])
    x, y = regression(samples, int(params["features"]), float(params["noise"]), data_rng)
    best = np.linalg.lstsq(x, y, rcond=None)[0]
    optimal = float(mse(x, y, best[None, :])[0])
    sizes = (samples, int(params["batch_size"]), 1)
    per_epoch = [math.ceil(samples / size) for size in sizes]
    curves, finals, noises, blown = [], [], [], []
    for method, size, updates, method_rng in zip(METHODS, sizes, per_epoch, shuffle_rngs, strict=True):
        with np.errstate(all="ignore"):
            history = remembered_train(x, y, size, params["lr"], epochs, method_rng)
            losses, blew_up = stable_prefix(mse(x, y, history))
        curves.append(losses)
        finals.append(float(losses[-1]))
        last_epoch = losses[-updates:] if len(losses) > updates else losses
        noises.append(0.0 if blew_up or updates == 1 else float(np.std(last_epoch)))
        if blew_up:
            blown.append(method)
    return Result(
        sim="batching",
        params=dict(params),
        answers={
            "final_loss": finals,
            "loss_noise": noises,
            "updates_per_epoch": per_epoch,
            "optimal_loss": optimal,
            "diverged": ", ".join(blown) or "none",
        },
        data={"curves": curves, "optimal": optimal, "x": x, "y": y},
    )


def _thin(values: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, len(values) // DRAW_POINTS)
    return positions[::step], values[::step]


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    updates_ax, epochs_ax = layout.subplots(1, 2, sharey=True)
    # Each scale is set once (the shared y axis too): setting it per curve costs more than drawing them.
    updates_ax.set_xscale("log")
    updates_ax.set_yscale("log")
    optimal = float(result.data["optimal"])
    per_epoch: list[int] = list(result.answers["updates_per_epoch"])  # type: ignore[arg-type]
    blown = str(result.answers["diverged"]).split(", ")
    for method, colour, losses, updates in zip(
        METHODS, COLOURS, result.data["curves"], per_epoch, strict=True
    ):
        excess = floored(losses - optimal)
        count = np.arange(len(losses))
        layout.line(updates_ax, *_thin(excess, count + 1), color=colour, linewidth=1.4, label=method)
        ends = count[::updates]
        dots: dict[str, Any] = {"color": colour, "marker": "o", "markersize": 3, "label": method}
        layout.line(epochs_ax, ends / updates, excess[ends], **dots)
        if method in blown:
            # Blown up within an epoch: the curve goes on to the last update before it did.
            last = (count[-1] / updates, excess[-1])
            layout.line(epochs_ax, [ends[-1] / updates, last[0]], [excess[ends[-1]], last[1]], color=colour)
            layout.line(epochs_ax, [last[0]], [last[1]], marker="X", markersize=9, color=colour,
                        markeredgecolor=BLOW_UP_EDGE)  # fmt: skip
            verdict = f"{method}: blew up"
        elif losses[-1] > losses[0]:
            verdict = f"{method}: loss grew"
        else:
            continue
        # Where the curve ends: the last update before the loss blew up, or the last one.
        end = (float(count[-1] + 1), float(excess[-1]))
        layout.line(updates_ax, [end[0]], [end[1]], marker="X", markersize=9, color=colour,
                    markeredgecolor=BLOW_UP_EDGE)  # fmt: skip
        layout.annotate(
            updates_ax, verdict, end, xytext=(-8, -2), textcoords="offset points", ha="right", va="top",
            color=colour, fontweight="bold", fontsize="small" if small else None,
        )  # fmt: skip
    quiet_log_axis(updates_ax)
    updates_ax.set_title("loss - best, per update")
    updates_ax.set_xlabel("updates + 1")
    updates_ax.set_ylabel("loss - best" if small else "training loss - lowest possible")
    epochs_ax.set_title("loss - best, per epoch")
    epochs_ax.set_xlabel("epoch")
    epochs_ax.set_ylabel("loss - best" if small else "training loss - lowest possible")
    epochs_ax.set_xlim(0, int(result.params["epochs"]))
    if not small:  # on a terminal-sized figure a legend hides the curves; its entries are listed
        layout.legend(epochs_ax, loc="upper right")
