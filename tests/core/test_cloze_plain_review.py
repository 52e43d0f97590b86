"""``studyapp review --plain`` on cloze cards and formulas: the blank in the question, a typed answer
graded with a suggested rating that an empty line takes and a number overrides, and formulas printed as
Unicode on one line each, for screen readers."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from studyapp.collection import Collection, open_collection
from studyapp.plain_review import run_plain_review
from studyapp.search import parse

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=5)
        return self.now


def review(collection: Collection, query: str, typed: str) -> str:
    session = collection.session(search=parse(query), now=T0, ahead=True)
    out = io.StringIO()
    ticks = iter(range(1000))
    run_plain_review(session, io.StringIO(typed), out, Clock(), lambda: float(next(ticks)))
    return out.getvalue()


def ratings(collection: Collection) -> list[tuple[str, int]]:
    return [(r.card_id, int(r.rating)) for r in collection.store.iter_reviews()]


def test_a_right_answer_suggests_good_and_an_empty_line_takes_it(tmp_path: Path) -> None:
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        out = review(collection, '"sigmoid-derivative::c1"', "sigma(x)(1 - sigma(x))\n\nq\n")
        lines = out.splitlines()
        assert (
            "[deep-learning · new] The derivative of the sigmoid is σ′(x) = […]; "
            "its largest value, at x = 0, is 1/4." in lines
        )
        assert "Answer: σ(x)(1 − σ(x))" in lines
        assert (
            "In full: The derivative of the sigmoid is σ′(x) = [σ(x)(1 − σ(x))]; "
            "its largest value, at x = 0, is 1/4." in lines
        )
        assert "Your answer 'sigma(x)(1 - sigma(x))' is right (suggested: good)" in lines
        assert any(line.endswith("· Enter: good") for line in lines)
        assert "rated good · next in 10m" in lines
        assert ratings(collection) == [("sigmoid-derivative::c1", 3)]
        assert "$" not in out and "\\" not in out, "formulas are Unicode, not LaTeX"


def test_a_wrong_answer_suggests_again_and_a_number_overrides_it(tmp_path: Path) -> None:
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        out = review(collection, '"gradient-direction::c1"', "steepest descent\n2\nq\n")
        assert "[deep-learning · new] The gradient ∇f points in the direction of [which way?]; " in out
        assert "Your answer 'steepest descent' is not right: “descent” is the opposite" in out
        assert "(suggested: again)" in out and "rated hard" in out
        assert ratings(collection) == [("gradient-direction::c1", 2)]


def test_an_empty_line_shows_the_answer_without_a_grade(tmp_path: Path) -> None:
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        out = review(collection, '"residual-block::c2"', "\n\n3\nq\n")
        assert "Answer: residual" in out and "Your answer" not in out and "Enter:" not in out
        assert "Unknown input ''" in out  # no suggestion to take: an empty line is not a rating
        assert ratings(collection) == [("residual-block::c2", 3)]


def test_display_formulas_in_details_are_one_line_each(tmp_path: Path) -> None:
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        out = review(collection, "deck:deep-learning padding-striding -is:suspended", "\n1\nq\n")
    lines = out.splitlines()
    assert "  o = ⌊(n + 2p − k)/s⌋ + 1" in lines
    assert "as in the simulation's preset: n = 32, k = 3, p = 1 and s = 2 give o = 16." in lines
    assert not any("─" in line for line in lines), "no stacked fractions for screen readers"


def test_the_command_line_reviews_a_cloze_card(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "c.sqlite3"), "review", "--plain", "--cram",
         "--search", '"cross-entropy-gradient::c1"'],
        input="p - y\n\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "∂L/∂z = […]" in result.stdout and "Your answer 'p - y' is right (suggested: good)" in result.stdout
    )
    assert "rated good (cram: schedule unchanged)" in result.stdout
