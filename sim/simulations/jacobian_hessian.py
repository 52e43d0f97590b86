"""Gradient field and Hessian eigen-directions of f(x, y); a network's Jacobian and what it costs."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from sim.autodiff import Sweep, Tape, backward, evaluate, field, grad, hessian
from sim.plotting import PALETTE, figure_size
from sim.spec import Result
from sim.specs.jacobian_hessian import MAX_OUTPUTS

GRID = 41  # contour grid points per axis
ARROWS = 9  # gradient-field arrows per axis
HIDDEN = 6  # hidden units of the network g
UP, DOWN, GRADIENT = PALETTE[2], PALETTE[3], PALETTE[1]
ARROW = "#1d2b3a"


@dataclass(frozen=True)
class Network:
    """g(v) = W2 tanh(W1 v + b) recorded on a tape, one output node per row of W2."""

    tape: Tape
    inputs: list[str]
    outputs: list[int]
    point: dict[str, float]
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray


def network(rng: np.random.Generator, n_inputs: int, n_outputs: int) -> Network:
    """A random two-layer network with ``n_inputs`` inputs and ``n_outputs`` outputs, at a random input."""
    w1 = rng.normal(size=(HIDDEN, n_inputs)) / np.sqrt(n_inputs)
    b1 = 0.5 * rng.normal(size=HIDDEN)
    w2 = rng.normal(size=(n_outputs, HIDDEN)) / np.sqrt(HIDDEN)
    v = rng.normal(size=n_inputs)
    tape = Tape()
    names = [f"v{i + 1}" for i in range(n_inputs)]
    inputs = [tape.var(name) for name in names]
    hidden = []
    for j in range(HIDDEN):
        total = tape.const(float(b1[j]))
        for i, node in enumerate(inputs):
            total = tape.apply("add", total, tape.apply("mul", tape.const(float(w1[j, i])), node))
        hidden.append(tape.apply("tanh", total))
    outputs = []
    for k in range(n_outputs):
        total = tape.apply("mul", tape.const(float(w2[k, 0])), hidden[0])
        for j in range(1, HIDDEN):
            total = tape.apply("add", total, tape.apply("mul", tape.const(float(w2[k, j])), hidden[j]))
        outputs.append(total)
    point = {name: float(value) for name, value in zip(names, v, strict=True)}
    return Network(tape, names, outputs, point, w1, b1, w2)


def _read(net: Network, sweeps: list[Sweep], computed: list[np.ndarray]) -> np.ndarray:
    """Rows of input-adjoint values, one per sweep."""
    return np.array(
        [[float(computed[s.adjoints[net.tape.variables[name]]]) for name in net.inputs] for s in sweeps]
    )


def network_costs(rng: np.random.Generator, n_inputs: int, n_outputs: int) -> dict[str, Any]:
    """Jacobian and VJP of a random network by reverse sweeps, with their costs for 1..MAX_OUTPUTS outputs."""
    net = network(rng, n_inputs, MAX_OUTPUTS)
    u = rng.normal(size=MAX_OUTPUTS)
    tape = net.tape
    rows = [backward(tape, out) for out in net.outputs]
    weighted = tape.apply("mul", tape.const(float(u[0])), net.outputs[0])
    vjp_sweeps = [backward(tape, weighted)]
    for k in range(1, MAX_OUTPUTS):
        term = tape.apply("mul", tape.const(float(u[k])), net.outputs[k])
        weighted = tape.apply("add", weighted, term)
        vjp_sweeps.append(backward(tape, weighted))
    computed = evaluate(tape, net.point)
    jacobian = _read(net, rows[:n_outputs], computed)
    vjp = _read(net, [vjp_sweeps[n_outputs - 1]], computed)[0]
    return {
        "network": net,
        "u": u[:n_outputs],
        "jacobian": jacobian,
        "vjp": vjp,
        "jacobian_ops": np.cumsum([s.edges for s in rows]),
        "vjp_ops": np.array([s.edges for s in vjp_sweeps]),
    }


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    expression = params["function"]
    point = {"x": params["x"], "y": params["y"]}
    value, gradient = grad(expression, point)
    matrix = hessian(expression, point)
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    span = params["span"]
    axis_x = np.linspace(params["x"] - span, params["x"] + span, GRID)
    axis_y = np.linspace(params["y"] - span, params["y"] + span, GRID)
    xx, yy = np.meshgrid(axis_x, axis_y)
    surface, slope = field(expression, {"x": xx, "y": yy})
    m = params["outputs"]
    costs = network_costs(rng, params["inputs"], m)
    return Result(
        sim="jacobian-hessian",
        params=dict(params),
        answers={
            "hessian": matrix.tolist(),
            "hessian_eigenvalues": eigenvalues.tolist(),
            "gradient": [gradient["x"], gradient["y"]],
            "value": value,
            "jacobian": costs["jacobian"].tolist(),
            "vjp": costs["vjp"].tolist(),
            "vjp_passes": 1,
            "jacobian_passes": len(costs["jacobian"]),
            "vjp_operations": int(costs["vjp_ops"][m - 1]),
            "jacobian_operations": int(costs["jacobian_ops"][m - 1]),
        },
        data={
            "point": (float(params["x"]), float(params["y"]), float(span)),
            "outputs": m,
            "xx": xx,
            "yy": yy,
            "f": surface,
            "slope": (slope["x"], slope["y"]),
            "gradient": np.array([gradient["x"], gradient["y"]]),
            "eigenvalues": eigenvalues,
            "eigenvectors": eigenvectors,
            **costs,
        },
    )


def _draw_function(ax: Any, result: Result, size: str) -> None:
    data = result.data
    px, py, span = data["point"]
    surface = np.ma.masked_invalid(data["f"])
    if surface.count() > 1 and np.ptp(surface.compressed()) > 0:
        levels = np.unique(np.quantile(surface.compressed(), np.linspace(0.0, 1.0, 11)))
        if len(levels) > 2:
            shades = matplotlib.colormaps["Blues"](np.linspace(0.08, 0.62, len(levels) - 1))
            ax.contourf(data["xx"], data["yy"], surface, levels=levels, colors=shades)
    step = (GRID - 1) // (ARROWS - 1)
    gx, gy = (s[::step, ::step] for s in data["slope"])
    length = np.hypot(gx, gy)
    with np.errstate(all="ignore"):
        ux, uy = np.where(length > 0, gx / length, 0.0), np.where(length > 0, gy / length, 0.0)
    ax.quiver(
        data["xx"][::step, ::step], data["yy"][::step, ::step], ux, uy, color=ARROW, alpha=0.8,
        angles="xy", scale_units="xy", scale=ARROWS / (1.5 * span), width=0.004 if size == "full" else 0.008,
    )  # fmt: skip
    scale = float(np.max(np.abs(data["eigenvalues"]))) or 1.0
    for value, vector in zip(data["eigenvalues"], data["eigenvectors"].T, strict=True):
        half = span * (0.12 + 0.5 * abs(value) / scale) * vector
        colour = UP if value > 0 else DOWN if value < 0 else "#9a9a9a"
        ax.plot([px - half[0], px + half[0]], [py - half[1], py + half[1]], color=colour, linewidth=3.5,
                solid_capstyle="round", label=f"λ = {value:.3g}")  # fmt: skip
    g = data["gradient"]
    norm = float(np.hypot(*g))
    if norm > 0:
        arrow = 0.55 * span * g / norm
        ax.quiver(px, py, arrow[0], arrow[1], color=GRADIENT, angles="xy", scale_units="xy", scale=1,
                  width=0.012 if size == "full" else 0.02, label="∇f")  # fmt: skip
    ax.plot([px], [py], "o", color="white", markeredgecolor="black", markersize=6)
    ax.set_xlim(px - span, px + span)
    ax.set_ylim(py - span, py + span)
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(nbins=3)
    if size == "full":
        expression = textwrap.shorten(str(result.params["function"]), 48, placeholder=" …")
        ax.set_title(f"f = {expression}")
        ax.legend(loc="lower left")
    else:
        ax.set_title("∇f, curvature" if size == "compact" else "∇f, λ")


def _draw_jacobian(ax: Any, result: Result, size: str) -> None:
    matrix = result.data["jacobian"]
    limit = float(np.max(np.abs(matrix))) or 1.0
    ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    rows, cols = matrix.shape
    ax.set_title(f"Jacobian {rows}×{cols}" if size != "tiny" else f"J {rows}×{cols}")
    ax.set_axis_off()
    if size == "full":
        for (r, c), value in np.ndenumerate(matrix):
            ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize="small", color="black")


def _draw_costs(ax: Any, result: Result, size: str) -> None:
    counts = np.arange(1, MAX_OUTPUTS + 1)
    m = int(result.data["outputs"])
    ax.plot(counts, result.data["jacobian_ops"], color=PALETTE[3], label="full Jacobian: m passes")
    ax.plot(counts, result.data["vjp_ops"], color=PALETTE[0], label="one VJP: 1 pass")
    ax.plot([m, m], [result.data["vjp_ops"][m - 1], result.data["jacobian_ops"][m - 1]], "o", color=GRADIENT)
    ax.set_ylim(bottom=0)
    ax.set_xticks([1, MAX_OUTPUTS // 2, MAX_OUTPUTS])
    ax.locator_params(axis="y", nbins=3)
    if size == "full":
        ax.set_title("backward-pass cost")
        ax.set_xlabel("outputs m")
        ax.set_ylabel("multiply-adds")
        ax.legend(loc="upper left")
    else:
        ax.set_title("cost vs outputs" if size == "compact" else "cost")
        ax.set_yticks([])


def plot(fig: Figure, result: Result) -> None:
    size = figure_size(fig)
    grid = fig.add_gridspec(1, 3, width_ratios=(1.5, 1.0, 1.1))
    _draw_function(fig.add_subplot(grid[0]), result, size)
    _draw_jacobian(fig.add_subplot(grid[1]), result, size)
    _draw_costs(fig.add_subplot(grid[2]), result, size)
