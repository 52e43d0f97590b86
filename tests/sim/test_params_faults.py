"""Typed simulation parameters and ``studyapp sim run`` on hostile input: Python-only integer syntax, numbers
too long for ``int()``, a parameter set twice, and an ``--out`` folder that does not exist.

The command runs through ``studyapp.cli.main`` (and once as a real process) with ``--db`` in ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.params import FloatParam, IntParam
from sim.registry import CATALOG, NAMES, spec
from studyapp.cli import main

HUGE = "7" * 5000


def run_sim(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    status = main(["--db", str(tmp_path / "c.sqlite3"), "sim", "run", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# --- 8. --out into a folder that does not exist ------------------------------------------------------


def test_out_into_a_missing_folder_is_refused_and_nothing_is_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "dir" / "that" / "does" / "not" / "exist"
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--out", str(missing / "x.png"))
    assert status == 1 and out == ""
    assert err.startswith("studyapp: error: cannot write the plot")
    assert f"the folder {missing} does not exist" in err and "create it first" in err
    assert not (tmp_path / "dir").exists()


def test_out_into_an_existing_folder_still_saves(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "x.svg"
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--out", str(target))
    assert status == 0, err
    assert f"plot saved to {target}" in out and target.stat().st_size > 1000


# --- 9. integers: plain decimal digits only, and never a number too long for int() --------------------


@pytest.mark.parametrize("text", ["1_6", "1_000", "0x10", "١٦", "16.0", "", "+", "1e1"])
def test_int_parameters_accept_only_plain_decimal_digits(text: str) -> None:
    param = spec("pooling").param("map_size")
    with pytest.raises(ValueError, match="must be an integer from 4 to 32"):
        param.parse(text)


@pytest.mark.parametrize(("text", "value"), [("16", 16), ("+16", 16), (" 016 ", 16), ("-0004", -4)])
def test_int_parameters_accept_signed_decimal_digits(text: str, value: int) -> None:
    param = IntParam("n", 1, low=-10, high=20)
    assert param.parse(text) == value


def test_python_int_syntax_on_the_command_line_is_a_bad_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--set", "map_size=1_6")
    assert status == 2 and out == ""
    assert "parameter 'map_size' must be an integer from 4 to 32, got '1_6'" in err


def test_a_5000_digit_number_gives_a_short_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for setting in (f"map_size={HUGE}", f"map_size=-{HUGE}", f"lr={HUGE}"):
        name = "gradient-descent" if setting.startswith("lr") else "pooling"
        status, out, err = run_sim(capsys, tmp_path, name, "--set", setting)
        assert status == 2 and out == ""
        assert err.startswith("studyapp: error: parameter '") and len(err) < 300, err[:300]
    for value in (int(HUGE[:4000]), 10**5000):  # the second cannot even be printed by repr()
        with pytest.raises(ValueError, match="too large to show"):
            IntParam("n", 1, low=1, high=9).coerce(value)
        with pytest.raises(ValueError, match="must be a number from 0 to 1"):
            FloatParam("x", 0.5).coerce(value)


def test_a_5000_digit_number_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "c.sqlite3"), "sim", "run", "pooling"]
    result = subprocess.run(
        [*command, "--set", f"window={HUGE}", "--seed", HUGE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "parameter 'window' must be an integer from 1 to 4" in result.stderr and len(result.stderr) < 300


@pytest.mark.parametrize("seed", ["1_0", "-1", "0x1", HUGE])
def test_seed_is_plain_decimal_digits(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed: str) -> None:
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--seed", seed)
    assert status == 2 and out == ""
    assert err.startswith("studyapp: error: --seed must be a non-negative integer") and len(err) < 300


# --- 10. a parameter set twice ----------------------------------------------------------------------


def test_a_parameter_set_twice_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--set", "window=2", "--set", " window =3")
    assert status == 2 and out == ""
    assert err.startswith("studyapp: error: --set gives the parameter 'window' more than once")


def test_different_parameters_can_each_be_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run_sim(capsys, tmp_path, "pooling", "--set", "window=3", "--set", "stride=1")
    assert status == 0, err
    assert "window=3, stride=1" in out


# --- the catalog that deck loaders are given ------------------------------------------------------------


def test_the_catalog_maps_every_name_to_its_spec() -> None:
    assert list(CATALOG) == list(NAMES) and len(CATALOG) == len(NAMES)
    assert CATALOG["pooling"] is spec("pooling")
    assert "no-such-sim" not in CATALOG and CATALOG.get("no-such-sim") is None
