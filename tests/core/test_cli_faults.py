"""Deck loading and the card commands on hostile input: deep nesting, huge numbers, link loops, FIFOs,
no terminal, broken or missing deck folders, unknown filters, and the layering of ``studyapp.content``.

Every test runs the real command (a ``python -m studyapp`` process, or ``main``) on files in ``tmp_path``
with ``--db`` there, and its data folder (``XDG_DATA_HOME``) there too, so no user data is touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp.collection import open_collection
from studyapp.content import load_paths
from studyapp.deck_reader import read_deck
from studyapp.store import Store

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

DECK_HEAD = '[deck]\nid = "mine"\ntitle = "Mine"\n\n'
CARD = '[[cards]]\nid = "{id}"\nquestion = "What does max pooling keep?"\nanswer = "The largest value."\n'


def studyapp(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m studyapp --db tmp/c.sqlite3 ARGS`` (an existing collection) with its data folder in
    ``tmp_path``."""
    Store.open(tmp_path / "c.sqlite3").close()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "c.sqlite3"), *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


# --- 1. nesting too deep for tomllib, and numbers too long for int() --------------------------------


@pytest.mark.parametrize(
    ("value", "line_text"),
    [
        ("[" * 5000 + "]" * 5000, "arrays"),
        ("{ a = " * 5000 + "1" + " }" * 5000, "inline tables"),
    ],
)
def test_deep_nesting_is_a_deck_problem_with_its_place(tmp_path: Path, value: str, line_text: str) -> None:
    deck = write(
        tmp_path / "deep.toml", DECK_HEAD + CARD.format(id="deep") + f"sim_params = {{ k = {value} }}\n"
    )
    result = studyapp(tmp_path, "check", str(deck))
    no_traceback(result)
    assert result.returncode == 1
    match = re.search(
        rf"{re.escape(str(deck))}:(\d+):(\d+): arrays or tables are nested too deeply", result.stderr
    )
    assert match, result.stderr
    assert match[1] == "9" and int(match[2]) > 100  # the line of sim_params, past the first 100 levels


def test_deeply_nested_dotted_keys_in_a_preset_are_reported_without_recursing(tmp_path: Path) -> None:
    keys = ".".join(["a"] * 5000)
    text = DECK_HEAD + CARD.format(id="dotted") + f'sim = "pooling"\nsim_params.window.{keys} = 1\n'
    deck, problems = read_deck(write(tmp_path / "dotted.toml", text), sims=CATALOG)
    assert deck is None and len(problems) == 1
    assert "'window' of 'pooling' must be an integer from 1 to 4" in problems[0].message
    assert len(problems[0].message) < 200


def test_a_number_with_5000_digits_is_a_deck_problem(tmp_path: Path) -> None:
    text = (
        DECK_HEAD + CARD.format(id="huge") + 'sim = "pooling"\nsim_params = { window = ' + "7" * 5000 + " }\n"
    )
    deck = write(tmp_path / "huge.toml", text)
    result = studyapp(tmp_path, "check", str(deck))
    no_traceback(result)
    assert result.returncode == 1
    assert f"{deck}:10:" in result.stderr and "too many digits" in result.stderr
    assert len(result.stderr) < 1000


def test_an_integer_too_large_for_a_float_parameter_is_a_deck_problem(tmp_path: Path) -> None:
    text = (
        DECK_HEAD
        + CARD.format(id="big")
        + 'sim = "gradient-descent"\nsim_params = { lr = '
        + "9" * 400
        + " }\n"
    )
    deck, problems = read_deck(write(tmp_path / "big.toml", text), sims=CATALOG)
    assert deck is None and len(problems) == 1
    assert "'lr' of 'gradient-descent' must be a number" in problems[0].message
    assert "too large to show" in problems[0].message


# --- 2. a symlink loop, 3. a FIFO ---------------------------------------------------------------------


def test_content_pointing_at_a_symlink_loop_is_a_clear_message(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for command in (["cards"], ["check"]):
        result = studyapp(tmp_path, "--content", str(loop), *command)
        no_traceback(result)
        assert f"{loop}: is a loop of symbolic links" in result.stderr, result.stderr
    assert studyapp(tmp_path, "--content", str(loop), "check").returncode == 1


def test_a_symlink_loop_inside_a_deck_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    library = load_paths([folder], sims=CATALOG)
    (problem,) = library.problems
    assert problem.path == folder / "loop.toml" and "loop of symbolic links" in problem.message


def test_check_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result = studyapp(tmp_path, "check", str(fifo))  # opening it would block until the timeout
    no_traceback(result)
    assert result.returncode == 1
    assert f"{fifo}: is not a regular file (a named pipe (FIFO))" in result.stderr


def test_a_fifo_in_a_content_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    os.mkfifo(folder / "pipe.toml")
    result = studyapp(tmp_path, "--content", str(folder), "cards")
    no_traceback(result)
    assert result.returncode == 0
    assert f"studyapp: warning: {folder / 'pipe.toml'}: is not a regular file" in result.stderr


# --- 4. the terminal app without a terminal -----------------------------------------------------------


def test_bare_studyapp_without_a_terminal_explains_and_exits_2(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "c.sqlite3")],
        stdin=subprocess.DEVNULL,
        capture_output=True,  # stdout is a pipe, as in `studyapp </dev/null | head`
        env=env,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stdout == b""  # no escape codes
    err = result.stderr.decode()
    assert err.startswith("studyapp: error: the terminal app needs a terminal")
    assert "studyapp review --plain" in err and "studyapp quiz --plain" in err
    assert not (tmp_path / "c.sqlite3").exists()


# --- 5. every command that loads decks reports broken decks and missing folders the same way -----------

LOADING_COMMANDS = [
    ["cards"],
    ["review", "--plain"],
    ["quiz", "--plain", "-n", "1", "--seed", "1"],
    ["stats"],
    ["check"],
]


@pytest.mark.parametrize("command", LOADING_COMMANDS, ids=lambda c: c[0])
def test_every_command_reports_a_broken_deck_and_a_missing_folder(tmp_path: Path, command: list[str]) -> None:
    broken = write(tmp_path / "decks" / "broken.toml", DECK_HEAD + '[[cards]]\nid = "b"\nquestion = "Q?"\n')
    missing = tmp_path / "no-such-folder"
    result = studyapp(tmp_path, "--content", str(tmp_path / "decks"), "--content", str(missing), *command)
    no_traceback(result)
    level = "error" if command == ["check"] else "warning"
    assert result.returncode == (1 if command == ["check"] else 0), result.stderr
    assert f"studyapp: {level}: {broken}:5: [card b] missing required key 'answer'" in result.stderr
    assert f"studyapp: {level}: {missing}: no such file or folder" in result.stderr
    assert f"studyapp: {level}: 2 problems in 2 files" in result.stderr and "studyapp check" in result.stderr


# --- 6. suspended and buried cards in the table --------------------------------------------------------


def test_cards_shows_suspended_and_buried_cards(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with open_collection(db, user_dir=tmp_path / "data" / "studyapp" / "decks") as collection:
        session = collection.session()
        session.suspend("pooling")
        session.bury("cnn", datetime.now(UTC))
    result = studyapp(tmp_path, "cards", "--tag", "cnn")
    assert result.returncode == 0, result.stderr
    states = {line.split()[0]: line.split()[3] for line in result.stdout.splitlines()[2:]}
    assert states["pooling"] == "suspended" and states["cnn"] == "buried"
    assert states["padding-striding"] == "new"


# --- 7. the example of content/README.md passes its own check -----------------------------------------


def readme_example() -> str:
    text = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_deck_format_example_passes_check(tmp_path: Path) -> None:
    deck_path = write(tmp_path / "example.toml", readme_example())
    deck, problems = read_deck(deck_path, sims=CATALOG)
    assert problems == [] and deck is not None
    assert deck.cards[0].sim == "pooling" and deck.cards[0].sim_params
    result = studyapp(tmp_path, "check", str(deck_path))
    assert result.returncode == 0, result.stderr
    assert "1 cards in 1 deck" in result.stdout


# --- 11. an unknown --deck or --tag is a bad command line ----------------------------------------------


@pytest.mark.parametrize(
    "command", [["cards"], ["review", "--plain"], ["quiz", "--plain"]], ids=lambda c: c[0]
)
@pytest.mark.parametrize(
    ("option", "listed"), [("--deck", "decks: deep-learning"), ("--tag", "tags: activations, backprop")]
)
def test_an_unknown_deck_or_tag_exits_2_and_lists_the_valid_ones(
    tmp_path: Path, command: list[str], option: str, listed: str
) -> None:
    result = studyapp(tmp_path, *command, option, "nope")
    no_traceback(result)
    assert result.returncode == 2
    assert result.stderr.startswith("studyapp: error: no ") and listed in result.stderr


def test_cards_tag_leech_lists_the_leeches(tmp_path: Path) -> None:
    result = studyapp(tmp_path, "cards", "--tag", "leech", "--json")
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr


# --- 12. content does not depend on sim: the caller passes the simulations ----------------------------


def test_content_never_imports_sim() -> None:
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from studyapp.content import load_library
        library = load_library(user_dir=Path("/nonexistent"))
        assert library.problems == [] and len(library.cards) == 46  # 27 seed, 14 cloze and 5 drill cards
        leaked = sorted(m for m in sys.modules if m == "sim" or m.startswith("sim."))
        assert not leaked, leaked
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    for module in ("content.py", "deck_reader.py"):
        source = (ROOT / "studyapp" / module).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+sim\b", source, flags=re.MULTILINE)


def test_the_caller_decides_which_simulations_exist(tmp_path: Path) -> None:
    text = DECK_HEAD + CARD.format(id="p") + 'sim = "pooling"\nsim_params = { window = 3 }\n'
    path = write(tmp_path / "d.toml", text)
    deck, problems = read_deck(path, sims=CATALOG)
    assert problems == [] and deck is not None and deck.cards[0].sim_params == {"window": 3}
    _, problems = read_deck(path, sims={"convolution": CATALOG["convolution"]})
    assert len(problems) == 1 and "unknown simulation 'pooling'; valid: convolution" in problems[0].message
    deck, problems = read_deck(path)  # no catalog: the link is kept as written, unchecked
    assert problems == [] and deck is not None and deck.cards[0].sim == "pooling"
