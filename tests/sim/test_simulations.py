"""Every registered simulation runs at its defaults and extremes, gives finite answers and plots."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

import sim
from sim import plotting
from sim.layout import Layout
from sim.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param
from sim.simulations import optimizers
from sim.text_batch import TextBatch


def extremes(param: Param) -> list[Any]:
    """The boundary values of a parameter: both ends of a range, or every choice."""
    if isinstance(param, IntParam | FloatParam):
        return [param.low, param.high]
    if isinstance(param, ChoiceParam):
        return list(param.choices)
    if isinstance(param, BoolParam):
        return [False, True]
    return [param.default]


def assert_finite(answers: dict[str, Any]) -> None:
    for key, value in answers.items():
        values = value if isinstance(value, list) else [value]
        for item in np.ravel(np.asarray(values, dtype=object)):
            if isinstance(item, int | float) and not isinstance(item, bool):
                assert math.isfinite(item), f"answer {key} is not finite: {value!r}"


def assert_not_blank(path: Path) -> None:
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.std() > 5, f"{path.name} looks blank"


@pytest.mark.parametrize("name", sim.NAMES)
def test_spec_declares_everything(name: str) -> None:
    spec = sim.spec(name)
    assert spec.name == name
    assert spec.title and len(spec.explanation) > 80
    assert spec.params and spec.answers
    for param in spec.params:
        assert param.coerce(param.default) == param.default


@pytest.mark.parametrize("name", sim.NAMES)
def test_defaults_compute_answers_and_plot(name: str, tmp_path: Path) -> None:
    spec = sim.spec(name)
    result = sim.run(name)
    assert set(result.answers) == set(spec.answers), "compute must return exactly the declared answers"
    assert_finite(result.answers)
    assert sim.run(name).answers == result.answers, "compute must be deterministic for a seed"
    for suffix in ("png", "svg"):
        out = plotting.save(result, tmp_path / f"{name}.{suffix}")
        assert out.stat().st_size > 1000
    assert_not_blank(tmp_path / f"{name}.png")
    small = plotting.render(result, 240, 120, dark=True)
    assert small.shape == (120, 240, 4) and small[..., :3].std() > 5


@pytest.mark.parametrize("name", sim.NAMES)
def test_each_parameter_at_its_extremes(name: str) -> None:
    spec = sim.spec(name)
    for param in spec.params:
        for value in extremes(param):
            result = sim.run(name, {param.name: value}, seed=3)
            assert_finite(result.answers)


@pytest.mark.parametrize("name", sim.NAMES)
@pytest.mark.parametrize("end", [0, -1])
def test_all_parameters_at_one_end(name: str, end: int, tmp_path: Path) -> None:
    spec = sim.spec(name)
    params = {p.name: extremes(p)[end] for p in spec.params}
    result = sim.run(name, params, seed=1)
    assert_finite(result.answers)
    assert_not_blank(plotting.save(result, tmp_path / "extreme.png"))


@pytest.mark.parametrize("name", sim.NAMES)
def test_out_of_range_values_are_refused_with_the_range(name: str) -> None:
    spec = sim.spec(name)
    for param in spec.params:
        if isinstance(param, IntParam | FloatParam):
            with pytest.raises(ValueError, match=param.name):
                sim.run(name, {param.name: param.high + 1})
    with pytest.raises(ValueError, match="valid parameters"):
        sim.run(name, {"no_such_parameter": 1})


def test_unknown_simulation_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="gradient-descent"):
        sim.run("no-such-sim")


def random_value(param: Param, rng: np.random.Generator) -> Any:
    """Any value inside a parameter's declared range."""
    if isinstance(param, IntParam):
        return int(rng.integers(param.low, param.high + 1))
    if isinstance(param, FloatParam):
        return float(rng.uniform(param.low, param.high))
    if isinstance(param, ChoiceParam):
        return str(rng.choice(list(param.choices)))
    if isinstance(param, BoolParam):
        return bool(rng.random() < 0.5)
    return param.default


@pytest.mark.parametrize("name", sim.NAMES)
def test_any_combination_in_range_computes_or_explains(name: str) -> None:
    """Every combination of in-range values gives finite answers, or a ValueError that says why."""
    rng = np.random.default_rng(sum(map(ord, name)))
    spec = sim.spec(name)
    for trial in range(12):
        params = {p.name: random_value(p, rng) for p in spec.params}
        try:
            result = sim.run(name, params, seed=trial)
        except ValueError as error:
            assert str(error), params
            continue
        assert_finite(result.answers)


# --- figures that show the lesson --------------------------------------------------------------------

SIZES = {"full": (1080, 720), "compact": (480, 240), "tiny": (300, 160)}


def drawn(name: str, params: dict[str, Any] | None = None, size: str = "full") -> Figure:
    """The figure of a simulation's run, drawn as the project draws it, at one of ``SIZES``."""
    width, height = SIZES[size]
    fig = plotting.new_figure(width, height)
    with matplotlib.rc_context(plotting.theme(width, height)):  # type: ignore[arg-type]
        sim.get(name).plot(Layout(fig), sim.run(name, params))
        fig.canvas.draw()
    return fig


def shown_texts(ax: Axes) -> list[str]:
    """The texts drawn on ``ax`` in the order they were added: ``Text`` artists and ``TextBatch`` strings."""
    found: list[str] = []
    for child in ax.get_children():
        if isinstance(child, TextBatch):
            found += child.strings
        elif isinstance(child, Text) and child in ax.texts:
            found.append(child.get_text())
    return found


def texts_of(fig: Figure) -> list[str]:
    """Every text the figure shows: titles, axis labels, legends' labels, ``ax.text`` artists and batches."""
    found: list[str] = []
    for ax in fig.axes:
        found += [ax.get_title(loc) for loc in ("left", "center", "right")]
        found += [ax.get_xlabel(), ax.get_ylabel(), *shown_texts(ax)]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
    return [text for text in found if text]


def numeric(labels: list[str]) -> bool:
    """Whether tick labels show numbers (``1.5``, ``−2``, ``$\\mathdefault{10^{-3}}$``), not categories."""
    plain = [re.sub(r"\\mathdefault|[${}^\\]", "", label).replace("−", "-") for label in labels]
    return any(re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?|10-?[0-9]+", text.strip()) for text in plain)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", sim.NAMES)
def test_every_numeric_axis_is_labelled(name: str, size: str) -> None:
    fig = drawn(name, size=size)
    for index, ax in enumerate(fig.axes):
        if not ax.axison:
            continue
        for axis, label in ((ax.xaxis, ax.get_xlabel()), (ax.yaxis, ax.get_ylabel())):
            ticks = [t.get_text() for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            if numeric(ticks):
                assert label, f"{name} ({size}): axes {index} shows numbers {ticks} without a label"


def test_gradient_descent_draws_x_and_y_to_the_same_scale() -> None:
    for size in SIZES:
        surface = drawn("gradient-descent", {"function": "rosenbrock"}, size).axes[0]
        assert surface.get_aspect() == 1.0
        x0, x1 = surface.get_xlim()
        y0, y1 = surface.get_ylim()
        box = surface.get_window_extent()
        assert box.width / (x1 - x0) == pytest.approx(box.height / (y1 - y0), rel=0.02)


def test_optimizers_draw_the_chosen_three_by_default() -> None:
    param = sim.spec("optimizers").param("show")
    assert isinstance(param, ChoiceParam) and param.default == "sgd,momentum,adam"
    for show in param.choices:
        curve = drawn("optimizers", {"show": show}).axes[1]
        labels = curve.get_legend_handles_labels()[1]
        methods = optimizers.METHODS if show == "all" else show.split(",")
        assert labels == [optimizers.LABELS[m] for m in optimizers.METHODS if m in methods] + ["tolerance"]
    answers = sim.run("optimizers", {"show": "sgd"}).answers
    assert all(f"steps_{m}" in answers for m in optimizers.METHODS), "the answers still cover all six"


def test_relu_and_leaky_relu_can_be_told_apart() -> None:
    assert float(sim.spec("activations").defaults["leak"]) >= 0.1  # a slope the eye can see
    for size in SIZES:
        left = drawn("activations", size=size).axes[0]
        styles = {line.get_label(): line.get_linestyle() for line in left.lines}
        assert styles["relu"] != styles["leaky_relu"]
        colours = {line.get_label(): line.get_color() for line in left.lines}
        assert colours["relu"] != colours["leaky_relu"]


def test_batching_marks_a_method_that_blew_up() -> None:
    params = {"lr": 0.2, "features": 8}
    assert sim.run("batching", params).answers["diverged"] == "SGD"
    for size in SIZES:
        assert "SGD: blew up" in texts_of(drawn("batching", params, size))
    assert not any("blew up" in text for text in texts_of(drawn("batching")))


def test_jacobian_hessian_panels_name_their_function_and_show_their_numbers() -> None:
    rows, cols = sim.run("jacobian-hessian").data["jacobian"].shape
    for size in SIZES:
        function, matrices, costs = drawn("jacobian-hessian", size=size).axes
        assert function.get_title().startswith("f")
        assert "of f" in matrices.get_title()
        assert costs.get_title().startswith(("g", "cost of g"))
        texts = shown_texts(matrices)
        # The Hessian of f: values, row names, column names; then the Jacobian of g alike, then its title.
        assert texts[:8] == ["-1.25", "1.00", "1.00", "2.00", "x", "y", "x", "y"]
        jacobian = texts[8:]
        assert jacobian[rows * cols : -1] == [f"g{i + 1}" for i in range(rows)] + [
            f"v{j + 1}" for j in range(cols)
        ]
        assert "of g" in jacobian[-1] and matrices.texts[-1].get_text() == jacobian[-1]
        assert matrices.texts[-1].get_fontweight() == "bold"


def test_log_sum_exp_softmax_panel_shows_every_logit_at_the_defaults() -> None:
    result = sim.run("log-sum-exp")
    for size in SIZES:
        bars = drawn("log-sum-exp", size=size).axes[1]
        (steps,) = [c for c in bars.patches if c.get_label() == "stable"]
        heights = steps.get_data().values  # type: ignore[attr-defined]
        assert len(heights) == result.params["logits"] and len(np.unique(heights)) == len(heights)
        assert any("nan" in t.get_text() for t in bars.texts), "the naive failure is said in the panel"


@pytest.mark.parametrize("size", list(SIZES))
def test_small_matrices_show_their_numbers_at_every_size(size: str) -> None:
    conv = drawn("convolution", size=size)
    kernel = sim.run("convolution").data["kernel"]
    kernel_texts = [text for ax in conv.axes for text in shown_texts(ax)]
    for weight in kernel.ravel():
        assert f"{weight:.3g}" in kernel_texts
    pooled = drawn("pooling", {"view": "backward"}, size)
    result = sim.run("pooling", {"view": "backward"})
    cells = result.data["input"].size * 2 + result.data["output"].size
    assert sum(1 for ax in pooled.axes for text in shown_texts(ax) if text[:1].isdigit()) >= cells
    graph = sim.run("backprop").data["graph"]
    node_texts = shown_texts(drawn("backprop", size=size).axes[0])
    for node, text in zip(graph.nodes, node_texts, strict=True):
        value = f"{node.value:.3g}"
        assert text.startswith(node.label if node.label == value else f"{node.label}\n{value}")


@pytest.mark.parametrize("size", list(SIZES))
def test_convolution_explains_its_markers_and_colours(size: str) -> None:
    fig = drawn("convolution", size=size)
    legends = [legend for ax in fig.axes if (legend := ax.get_legend()) is not None]
    assert len(legends) == 1
    labels = [t.get_text() for t in legends[0].get_texts()]
    assert any("reported" in label for label in labels) and any("strongest" in label for label in labels)
    assert any("stride" in label for label in labels)
    output = sim.run("convolution").data["output"]
    spread = float(np.percentile(np.abs(output), 99))
    assert f"{spread:.3g}" in texts_of(fig) and f"{-spread:.3g}" in texts_of(fig)  # the colour scale's ends


def test_pooling_backward_view_shows_where_the_gradient_goes() -> None:
    for size in SIZES:
        titles = texts_of(drawn("pooling", {"view": "backward"}, size))
        assert any("∂L/∂" in title for title in titles)
