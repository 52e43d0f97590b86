"""``studyapp sim``: list, show and run simulations; errors are messages with exit status 2 (or 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.autodiff import grad
from studyapp.cli import main

OWN = ("activations", "backprop", "jacobian-hessian")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["sim", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_list_prints_names_and_titles(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "list")
    assert status == 0
    for name in OWN:
        assert name in out and sim.spec(name).title in out


def test_list_json_has_name_title_and_params(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "list", "--json")
    listing = {entry["name"]: entry for entry in json.loads(out)}
    assert status == 0 and set(OWN) <= set(listing)
    backprop = listing["backprop"]
    assert backprop["title"] == sim.spec("backprop").title
    assert [p["name"] for p in backprop["params"]] == ["expression", "values", "fd_step"]
    fd_step = backprop["params"][2]
    assert fd_step["kind"] == "float" and fd_step["default"] == 1e-5 and "1e-08 to 0.1" in fd_step["valid"]


def test_show_prints_explanation_parameters_and_answers(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "show", "backprop")
    spec = sim.spec("backprop")
    assert status == 0 and out.startswith(spec.title)
    assert "reverse-mode" in out and "(sigmoid(w*x + b) - y)**2" in out and "1e-08 to 0.1" in out
    for label in spec.answers.values():
        assert label in out
    assert "0.08966" in out  # the value of the neuron's loss at the defaults


def test_run_prints_labelled_answers(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "run", "activations", "--set", "layers=3")
    expected = sim.run("activations", {"layers": 3})
    assert status == 0
    assert "largest derivative ^ layers" in out
    assert f"{expected.answers['gradient_factor']:.6g}" in out


def test_run_json_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    values = "w=-1, x=2, b=0.5, y=0"
    status, out, _ = run_cli(capsys, "run", "backprop", "--set", f"values={values}", "--json")
    payload: dict[str, Any] = json.loads(out)
    assert status == 0 and set(payload) == {"sim", "params", "answer"}
    assert payload["sim"] == "backprop" and payload["params"]["values"] == values
    value, partials = grad("(sigmoid(w*x + b) - y)**2", {"w": -1, "x": 2, "b": 0.5, "y": 0})
    assert payload["answer"]["value"] == pytest.approx(value, rel=1e-15)
    assert payload["answer"]["gradient"] == pytest.approx(list(partials.values()), rel=1e-15)
    assert payload["answer"]["variables"] == ["w", "x", "b", "y"]


def test_run_seed_and_matrices_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "run", "jacobian-hessian", "--set", "outputs=2", "--seed", "7", "--json")
    answer = json.loads(out)["answer"]
    assert status == 0
    assert answer["jacobian"] == sim.run("jacobian-hessian", {"outputs": 2}, seed=7).answers["jacobian"]
    assert len(answer["jacobian"]) == 2 and answer["jacobian_passes"] == 2


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_run_out_writes_the_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str) -> None:
    target = tmp_path / "plots" / f"backprop.{suffix}"
    target.parent.mkdir()
    status, out, _ = run_cli(capsys, "run", "backprop", "--out", str(target))
    assert status == 0 and str(target) in out
    assert target.stat().st_size > 1000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "no-such-sim"], "valid simulations: gradient-descent"),
        (["show", "no-such-sim"], "activations"),
        (["run", "activations", "--set", "nope=1"], "valid parameters: function, layers"),
        (["run", "activations", "--set", "layers"], "KEY=VALUE"),
        (["run", "activations", "--set", "=3"], "KEY=VALUE"),
        (["run", "activations", "--set", "layers=99"], "an integer from 1 to 50"),
        (["run", "activations", "--set", "layers=many"], "an integer from 1 to 50"),
        (["run", "activations", "--set", "function=softmax"], "one of sigmoid, tanh"),
        (["run", "activations", "--seed", "-1"], "non-negative"),
        (["run", "activations", "--out", "plot.txt"], ".png, .svg or .pdf"),
        (["run", "backprop", "--set", "expression=__import__('os')"], "calls to '__import__'"),
        (["run", "backprop", "--set", "values=w=1"], "undefined variable 'x'"),
        ([], "list, show, run or open"),
    ],
)
def test_mistakes_exit_with_status_2_and_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("studyapp: error:") and message in err


def test_unwritable_out_path_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    status, _, err = run_cli(capsys, "run", "activations", "--out", str(blocker / "plot.png"))
    assert status == 1 and "cannot write the plot" in err and str(blocker) in err


def test_real_process_prints_json_and_refuses_unknown_names_without_a_traceback() -> None:
    command = [sys.executable, "-m", "studyapp", "sim", "run"]
    ok = subprocess.run([*command, "backprop", "--json"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["answer"]["value"] == pytest.approx(sim.run("backprop").answers["value"])
    bad = subprocess.run([*command, "no-such-sim"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "valid simulations" in bad.stderr and "backprop" in bad.stderr
