"""The dependency direction: a headless core, a `sim` package that stands alone, cheap start-up paths."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("textual", "numpy", "matplotlib")


def modules_after(code: str) -> set[str]:
    """The top-level modules imported after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_layers_hold() -> None:
    """The import-linter contracts in pyproject.toml: layers, a standalone ``sim``, SQL only in the store."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_sim_draws_without_pyplot() -> None:
    """``sim`` renders on Figure objects: pyplot (and its global state and GUI backends) never loads."""
    code = "import sys\nimport sim\nfrom sim.plotting import render\nrender(sim.run('pooling'))\n"
    code += "assert 'matplotlib' in sys.modules and 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_importing_sim_and_its_specs_is_cheap() -> None:
    loaded = modules_after("import sim; sim.specs()")
    assert not loaded & set(HEAVY)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["check"], ["cards", "--help"]],
)
def test_help_and_check_do_not_import_heavy_libraries(argv: list[str]) -> None:
    code = "import contextlib, io\nfrom studyapp.cli import main\n"
    code += "with contextlib.redirect_stdout(io.StringIO()):\n"
    code += f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass"
    loaded = modules_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_launch_path_stays_light(tmp_path: Path) -> None:
    """Opening an existing collection with its decks, the way to the first screen, needs no numpy."""
    from studyapp.collection import open_collection

    db = tmp_path / "c.sqlite3"
    open_collection(db, user_dir=tmp_path / "none").close()  # creating one runs the migrations
    code = (
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from studyapp.collection import open_collection\n"
        f"c = open_collection(Path({str(db)!r}), user_dir=Path({str(tmp_path / 'none')!r}))\n"
        "c.session().counts(datetime.now(UTC))\n"
        "c.close()"
    )
    loaded = modules_after(code)
    assert not loaded & {"numpy", "matplotlib", "sqlite_utils", "textual"}


def test_the_stats_screen_loads_no_quiz_module(tmp_path: Path) -> None:
    """The Stats screen (its calibration and misconceptions too) opens without the quiz package, which
    only a quiz needs."""
    code = f"""
import asyncio, json, sys
from pathlib import Path
from studyapp.collection import open_collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.stats import StatsScreen

async def main():
    collection = open_collection(Path({str(tmp_path / "c.sqlite3")!r}), user_dir=Path({str(tmp_path)!r}))
    app = StudyApp(collection, renderer="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        while not (isinstance(app.screen, StatsScreen) and app.screen.data):
            await pilot.pause(0.05)
    collection.close()

asyncio.run(main())
print(json.dumps(sorted(name for name in sys.modules if name.startswith("studyapp.quiz"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_running_a_simulation_loads_no_plotting() -> None:
    """A simulation computes its answers without matplotlib's figures and axes (what a plain review, a
    quiz or ``sim run --json`` needs): only drawing a plot imports them."""
    code = """
import json, sys
import sim
for name in sim.NAMES:
    sim.run(name)
plotting = ("matplotlib.figure", "matplotlib.axes", "matplotlib.pyplot", "sim.plotting", "sim.layout")
print(json.dumps(sorted(name for name in sys.modules if name.startswith(plotting))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
