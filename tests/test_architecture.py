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


def test_sim_never_imports_studyapp_or_textual() -> None:
    for path in (ROOT / "sim").rglob("*.py"):
        text = path.read_text()
        assert "import studyapp" not in text and "from studyapp" not in text, path
        assert "textual" not in text, path
        assert "import matplotlib.pyplot" not in text and "from matplotlib import pyplot" not in text, path


def test_only_the_tui_imports_textual() -> None:
    for path in (ROOT / "studyapp").rglob("*.py"):
        if "tui" in path.relative_to(ROOT / "studyapp").parts:
            continue
        text = path.read_text()
        assert "from textual" not in text and "import textual" not in text, path


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


HEADLESS = (
    "studyapp.content",
    "studyapp.cli",
    "studyapp.store",
    "studyapp.scheduler",
    "studyapp.session",
    "studyapp.collection",
    "studyapp.stats",
    "studyapp.transfer",
    "studyapp.export_reader",
    "studyapp.plain_review",
    "studyapp.quiz",
    "studyapp.quiz.runner",
    "studyapp.quiz.plain",
)


def test_headless_core_does_not_import_textual() -> None:
    loaded = modules_after("import " + ", ".join(HEADLESS))
    assert "textual" not in loaded and "rich" not in loaded


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
