"""Polynomial fits of growing degree with train, validation and test splits."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.polynomial import Legendre

from sim.spec import Result

if TYPE_CHECKING:
    from sim.layout import Layout


SPLITS = ("train", "validation", "test")
COLOURS = {"train": "#4e9af1", "validation": "#f28e2b", "test": "#59a14f"}
MARKERS = {"train": "o", "validation": "s", "test": "^"}
CURVE_POINTS = 200
#: Polynomials are fitted in a basis scaled from x in [0, 1] to [-1, 1], where they are well conditioned.
DOMAIN = (0.0, 1.0)


def target(name: str, x: np.ndarray) -> np.ndarray:
    """The true curve ``name`` at ``x`` in [0, 1]: one period of a sine, or a cubic."""
    if name == "sine":
        return np.sin(2.0 * np.pi * x)
    if name == "cubic":
        return 16.0 * (x - 0.15) * (x - 0.5) * (x - 0.85)
    raise ValueError(f"target must be sine or cubic, got {name!r}")


def split_sizes(samples: int, train_fraction: float) -> tuple[int, int, int]:
    """Sizes of the train, validation and test sets: validation and test share the rest equally."""
    train = min(max(2, round(train_fraction * samples)), samples - 2)
    validation = (samples - train) // 2
    return train, validation, samples - train - validation


def fit(x: np.ndarray, y: np.ndarray, degree: int) -> Legendre:
    """The least-squares polynomial of ``degree`` through ``(x, y)`` (Legendre basis on ``DOMAIN``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        return Legendre.fit(x, y, degree, domain=list(DOMAIN))


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    samples = int(params["samples"])
    x = rng.uniform(*DOMAIN, samples)
    y = target(params["target"], x) + params["noise"] * rng.standard_normal(samples)
    sizes = split_sizes(samples, float(params["train_fraction"]))
    order = rng.permutation(samples)
    bounds = np.cumsum(sizes)[:-1]
    indices = dict(zip(SPLITS, np.split(order, bounds), strict=True))
    sets = {name: (x[idx], y[idx]) for name, idx in indices.items()}
    top = min(int(params["max_degree"]), sizes[0] - 1)
    degrees = np.arange(top + 1)
    fits = [fit(*sets["train"], int(d)) for d in degrees]
    # Each fit is evaluated once at every sample (elementwise, so each value is the same as per split).
    squared = [(p(x) - y) ** 2 for p in fits]
    errors = {name: np.array([np.mean(sq[idx]) for sq in squared]) for name, idx in indices.items()}
    best = int(np.argmin(errors["validation"]))
    return Result(
        sim="data-splits",
        params=dict(params),
        answers={
            "best_degree": best,
            "test_error": float(errors["test"][best]),
            "train_error": float(errors["train"][best]),
            "validation_error": float(errors["validation"][best]),
            "overfit_test_error": float(errors["test"][-1]),
            "degrees_fitted": top,
            "split_sizes": list(sizes),
        },
        data={
            "sets": sets,
            "errors": errors,
            "degrees": degrees,
            "best_fit": fits[best],
            "overfit": fits[-1],
        },
    )


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    data, errors = result.data, result.data["errors"]
    curve_ax, error_ax = layout.subplots(1, 2)
    grid = np.linspace(*DOMAIN, CURVE_POINTS)
    truth = target(str(result.params["target"]), grid)
    for name, (sx, sy) in data["sets"].items():
        layout.line(curve_ax, sx, sy, marker=MARKERS[name], linestyle="None", color=COLOURS[name],
                    markersize=4, label=name)  # fmt: skip
    layout.line(curve_ax, grid, truth, linestyle="--", color="#888888", linewidth=1.2, label="true curve")
    best = int(np.argmin(errors["validation"]))
    layout.line(curve_ax, grid, data["best_fit"](grid), color="#e15759", label=f"degree {best}")
    top = int(data["degrees"][-1])
    if top != best:
        layout.line(
            curve_ax, grid, data["overfit"](grid), linestyle=":", color="#b07aa1", label=f"degree {top}"
        )
    ys = np.concatenate([sy for _, sy in data["sets"].values()])
    margin = 0.15 * (ys.max() - ys.min() + 1e-9)
    curve_ax.set_ylim(ys.min() - margin, ys.max() + margin)
    curve_ax.set_title("data and fits")
    error_ax.set_yscale("log")  # once: setting it per curve costs more than drawing them
    for name in SPLITS:
        layout.line(error_ax, data["degrees"], errors[name], color=COLOURS[name], marker=MARKERS[name],
                    label=name)  # fmt: skip
    quiet_log_axis(error_ax)
    # The training error heads to zero as the fit interpolates; keep the held-out errors in view.
    held_out = min(float(errors["validation"].min()), float(errors["test"].min()))
    error_ax.set_ylim(bottom=max(held_out, 1e-300) * 0.3)
    layout.axline(error_ax, best, vertical=True, color="#e15759", linestyle="--", linewidth=1.2)
    error_ax.set_title(f"error by degree; chosen {best}")
    error_ax.set_xlabel("polynomial degree")
    error_ax.set_ylabel("mean squared error")
    curve_ax.set_xlabel("x")
    curve_ax.set_ylabel("y")
    if not is_compact(layout.figure):
        layout.legend(curve_ax, loc="best", ncols=2)
        layout.legend(error_ax, loc="upper left")
