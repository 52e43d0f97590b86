"""Every registered simulation runs at its defaults and extremes, gives finite answers and plots."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import sim
from sim import plotting
from sim.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param


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
