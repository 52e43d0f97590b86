"""The app and the commands on a big collection: the bundled decks, and 10k and 50k cards more.

    python tests/benchmarks/bench_scale.py [--sizes 0 10000 50000] [--runs 3] [--launches 10]
        [--reviews-per-card 40]

Each size adds that many one-line cards in a deck given with ``--content``; half of them get a review
history (40 reviews each over three years: 1M reviews at 50k), written in bulk with
``Store.replace_all``. Measured in a pseudo-terminal at 120x40 (``bench_tui``'s helpers), each against
a hello-world Textual app's first paint measured in the same run: launch -> Home painted (its counts),
(in each session, and ``--launches`` more times, each right after the hello-world app: one launch a
run is too few on a shared machine), and -> Home's mastery map drawn (computed in the background after
the first paint); Browse's
first page; page-down repaint; a search keystroke -> the filtered count; a sort; the Stats screen (until
its numbers are painted: retention and the mastery bars); Home's study key -> the first card (no
target in issue 17; the bundled deck's is 50 ms in ``bench_tui``); the start of ``cards``, ``stats``, ``review
--plain`` and ``quiz`` (on every collection in turn, once the app has been measured on each, so that a
change in the machine's load weighs alike on the collections compared); importing 50k cards from JSON;
the app's memory (RSS). Targets (issue 17): launch <= 1.5x hello; Browse first page <= 100 ms,
page-down <= 17 ms, keystroke p50 <= 50 ms, sort <= 150 ms; Stats <= 300 ms; the commands within 1.5x of
their time on the bundled deck; import <= 10 s; RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench_tui import Pty, compile_source, environment, hello_first_paint, ms, say_machine_speed

if TYPE_CHECKING:
    from studyapp.collection import Collection

NOW = datetime.now(UTC)
DAY_MS = 86_400_000
#: The review history spans this many days before now.
HISTORY_DAYS = 3 * 365
TOPIC_TEXT = (
    "gradient descent convolution pooling residual layer neuron activation sigmoid relu softmax batch "
    "normalisation dropout kernel stride padding filter channel tensor weight bias loss entropy learning "
    "rate momentum adam epoch cell gate attention backpropagation chain rule jacobian hessian saddle "
    "plateau overfitting regularisation validation naïve café Schrödinger σ-algebra über—dash (bracket) "
    "x² ≤ y² «quote» 'apostrophe' 50% under_score star*"
)
TOPICS = TOPIC_TEXT.split()
SEARCHES = ("convolution", "gradient", "Σ-ALG", "café")
PAGE_DOWN = b"\x1b[6~"
SORTS = ("state", "due", "stability", "lapses", "question", "id")
PARTS = ("app", "commands", "import")
STATUS = re.compile(rb"([\d,]+) of ([\d,]+) cards")
#: A bundled deck's tag, first in Home's mastery map.
MASTERY_MARKER = b"activations"
#: The number at the start of a generated card's question, which Browse shows first on each row.
CARD_NUMBER = re.compile(rb"Card (\d+):")


# -- building the collections ---------------------------------------------------------------------


def write_deck(folder: Path, count: int, rng: random.Random) -> None:
    """A deck of ``count`` one-line cards (a few words of ``TOPICS`` each) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['[deck]\nid = "scale"\ntitle = "Scale test deck"\n']
    for i in range(count):
        question = " ".join(rng.choice(TOPICS) for _ in range(rng.randint(4, 9)))
        answer = " ".join(rng.choice(TOPICS) for _ in range(rng.randint(2, 6)))
        lines.append(
            f'[[cards]]\nid = "scale-{i:06d}"\nquestion = "Card {i}: {question}?"\n'
            f'answer = "{answer}."\ntags = ["scale", "group-{i % 40:02d}"]\n'
        )
    (folder / "scale.toml").write_text("\n".join(lines), encoding="utf-8")


def add_history(db: Path, reviews_per_card: int, rng: random.Random) -> int:
    """Give every other card of the scale deck a review history, in bulk; returns the reviews written."""
    from studyapp.model import CardState, StudyState, utc_ms
    from studyapp.store import Store
    from studyapp.store.export import CARD_COLUMNS

    now = utc_ms(NOW)
    assert now is not None
    with Store.open(db) as store:
        decks = [(deck_id, title, rank, retired) for deck_id, title, rank, retired in store.deck_rows()]
        cards, tags, reviews = [], [], []
        for values, card_tags in store.card_rows():
            tags += [(values["card_id"], tag) for tag in card_tags]
            number = values["card_id"].removeprefix("scale-")
            if number.isdigit() and int(number) % 2 == 0:
                stability = min(max(rng.lognormvariate(3.0, 1.0), 1.0), 3650.0)
                last = now - int(rng.uniform(0, 1.1) * stability * DAY_MS)
                lapses = rng.randint(0, 3)
                values.update(
                    state=int(StudyState.REVIEW), stability=stability, difficulty=rng.uniform(1, 10),
                    last_review=last, due=last + round(stability) * DAY_MS, reps=reviews_per_card,
                    lapses=lapses, suspended=int(rng.random() < 0.01), leech=int(lapses == 3),
                )  # fmt: skip
                before = CardState(StudyState.REVIEW, None, 12.0, 5.0, NOW, NOW - timedelta(days=12), 4, 1)
                after = CardState(StudyState.REVIEW, None, 30.0, 4.9, NOW + timedelta(days=30), NOW, 5, 1)
                first = min(now - HISTORY_DAYS * DAY_MS, last)
                times = sorted(rng.randint(first, last) for _ in range(reviews_per_card - 1))
                for when in [*times, last]:  # over three years, the last one the card's last review
                    reviews.append(
                        (
                            len(reviews) + 1, values["card_id"], rng.choice((1, 3, 3, 3, 4)), when,
                            rng.randint(1000, 20000), 2, 2, before.to_json(), after.to_json(),
                        )
                    )  # fmt: skip
            cards.append(tuple(values[column] for column in CARD_COLUMNS))
        reviews.sort(key=lambda row: row[3])
        reviews = [(i + 1, *row[1:]) for i, row in enumerate(reviews)]
        store.replace_all(
            decks=decks, cards=cards, tags=tags, reviews=reviews, quiz_attempts=[],
            settings=store.stored_settings(),
        )  # fmt: skip
    return len(reviews)


@dataclass
class Setup:
    """One collection to measure: its size, file, deck folder and the command-line options to open it."""

    size: int
    folder: Path
    db: Path
    content: Path | None
    reviews: int = 0
    export: Path | None = None
    #: Every card of the collection: the bundled decks' and ``size`` more.
    total: int = 0

    @property
    def options(self) -> list[str]:
        return ["--db", str(self.db), *(["--content", str(self.content)] if self.content else [])]


def build(root: Path, size: int, reviews_per_card: int) -> Setup:
    """The collection of ``size`` extra cards, reconciled and with its history, in its own folder."""
    from studyapp.collection import open_collection

    folder = root / f"size-{size}"
    folder.mkdir()
    content = folder / "decks" if size else None
    rng = random.Random(size)
    if content is not None:
        write_deck(content, size, rng)
    setup = Setup(size, folder, folder / "collection.sqlite3", content)
    started = time.perf_counter()
    with open_collection(
        setup.db, [content] if content else [], user_dir=folder / "data" / "no-decks"
    ) as collection:
        setup.total = len(collection.library.cards)
    if size:
        if size >= 50_000:  # a copy without history, exported for the import benchmark
            setup.export = folder / "cards.json"
            run_cli(setup, ["export", "--format", "json", str(setup.export)])
        setup.reviews = add_history(setup.db, reviews_per_card, rng)
    print(f"  built {setup.total} cards, {setup.reviews} reviews in {time.perf_counter() - started:.1f} s")
    return setup


def run_cli(setup: Setup, args: Sequence[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", *setup.options, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(setup.folder),
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"studyapp {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result


# -- the app in a pseudo-terminal ------------------------------------------------------------------


@dataclass
class Figures:
    """Everything measured on one collection, in seconds (``None``: no answer in time)."""

    hello: list[float] = field(default_factory=list)
    launch: list[float] = field(default_factory=list)
    mastery_map: list[float | None] = field(default_factory=list)
    browse: list[float | None] = field(default_factory=list)
    page_down: list[float | None] = field(default_factory=list)
    keystroke: list[float | None] = field(default_factory=list)
    search_sql: list[float] = field(default_factory=list)
    sort: list[float | None] = field(default_factory=list)
    stats_screen: list[float | None] = field(default_factory=list)
    study: list[float | None] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    commands: dict[str, list[float]] = field(default_factory=dict)
    import_s: float | None = None
    add_card: list[float] = field(default_factory=list)
    add_to_big_deck: list[float] = field(default_factory=list)
    edit_big_deck: list[float] = field(default_factory=list)


def rss_mb(pid: int, key: str = "VmHWM") -> float:
    """The process's resident memory (``VmHWM``: its peak so far) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def drain(term: Pty, seconds: float) -> None:
    """Read and drop the app's output for ``seconds`` (a blinking cursor never lets it fall silent)."""
    deadline = time.perf_counter() + seconds
    while (remaining := deadline - time.perf_counter()) > 0:
        ready, _, _ = select.select([term.master], [], [], remaining)
        if ready:
            try:
                os.read(term.master, 1 << 16)
            except OSError:
                return


def timed(term: Pty, keys: bytes, wait: Callable[[], float]) -> float | None:
    """Send ``keys`` and return how long until ``wait()`` returns (``None`` on a timeout)."""
    sent = term.send(keys)
    try:
        return wait() - sent
    except TimeoutError:
        return None


def until_match(
    term: Pty, pattern: re.Pattern[bytes], accept: Callable[[re.Match[bytes]], bool], timeout: float
) -> float:
    """Read until a match of ``pattern`` in the output since the last send satisfies ``accept``."""
    deadline = time.perf_counter() + timeout
    while not any(accept(m) for m in pattern.finditer(term.buffer)):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(pattern.pattern)
        ready, _, _ = select.select([term.master], [], [], remaining)
        if ready:
            try:
                term.buffer += os.read(term.master, 1 << 16)
            except OSError:
                break
    return time.perf_counter()


def opened(setup: Setup, user_dir: str = "no-decks") -> Collection:
    """The collection, with the decks checked against the simulations and problems as the app checks
    them (a drill card's question names its problem's title), and the learner's decks in ``user_dir``
    of the setup's data folder."""
    from studyapp.collection import open_collection
    from studyapp.commands import simulation_catalog
    from studyapp.problems import PROBLEMS

    return open_collection(
        setup.db,
        [setup.content] if setup.content else [],
        user_dir=setup.folder / "data" / user_dir,
        sims=simulation_catalog(),
        problems=PROBLEMS,
    )


def expected_counts(setup: Setup, query: str) -> list[int]:
    """What each prefix of ``query`` matches, from ``Collection.search`` (the count Browse should show)."""
    with opened(setup) as collection:
        return [len(collection.search(query[: i + 1], NOW)) for i in range(len(query))]


def search_in_sql(setup: Setup, searches: Sequence[tuple[str, list[int]]], runs: int = 3) -> list[float]:
    """The part of each timed keystroke (a prefix whose count differs from the one before) that Browse
    spends in SQL: ``Collection.browse`` of the prefix in Browse's default order, in this process (the
    fastest of ``runs``); the rest of the keystroke is the app's painting."""
    from studyapp.search import parse

    times = []
    with opened(setup) as collection:
        for query, counts in searches:
            previous = None
            for typed, count in enumerate(counts, start=1):
                if count != previous:
                    query_so_far = parse(query[:typed])
                    runs_took = []
                    for _ in range(runs):
                        started = time.perf_counter()
                        collection.browse(query_so_far, "id", NOW)
                        runs_took.append(time.perf_counter() - started)
                    times.append(min(runs_took))
                previous = count
    return times


def add_card_in_app(setup: Setup, runs: int, deck: str = "mine") -> list[float]:
    """What each of ``runs`` saves of the Add card screen takes, in this process: a card written to
    ``deck`` (a new deck of the learner's, or the big deck ``scale``: ``authoring.add_card``) and the
    decks with it made the collection's (``authoring.adopt``). The first reads the cached decks' cards;
    the later ones reuse them, as the app does."""
    from studyapp import authoring
    from studyapp.commands import simulation_catalog

    user_dir = setup.folder / "data" / "add-card-decks"
    times = []
    with opened(setup, user_dir.name) as collection:
        for run in range(runs):
            question = f"What does the benchmark add to {deck}, run {run}?"
            draft = authoring.CardDraft(question, "A card.", "", (), None, ())
            started = time.perf_counter()
            saved = authoring.add_card(
                deck, draft, library=collection.library, sims=simulation_catalog(), user_dir=user_dir
            )
            authoring.adopt(collection, saved.library)
            times.append(time.perf_counter() - started)
    return times


#: An editor for ``$EDITOR``: marks the question of the card at the line it is given as edited, or unmarks it.
EDITOR_SCRIPT = """\
import sys
from pathlib import Path
path, line = Path(sys.argv[-1]), int(sys.argv[-2].lstrip("+"))
lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
at = next(i for i in range(line - 1, len(lines)) if lines[i].startswith("question = "))
edited = lines[at].replace("question = \\"(edited) ", "question = \\"")
lines[at] = edited if edited != lines[at] else lines[at].replace("question = \\"", "question = \\"(edited) ")
path.write_text("".join(lines), encoding="utf-8")
"""


def edit_card_in_app(setup: Setup, runs: int) -> list[float]:
    """What each of ``runs`` edits of a card of the big deck takes in the app, from the key to the edited
    deck in the collection: the editor (a script that changes the card's question) and the deck's check
    (``authoring.edit_card``), and the collection taking it (``authoring.adopt``)."""
    from studyapp import authoring
    from studyapp.commands import simulation_catalog
    from studyapp.problems import PROBLEMS

    script = setup.folder / "editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    times = []
    with opened(setup) as collection:
        assert collection.library.decks  # read now, as the app has them by the time a card is edited
        for _ in range(runs):
            started = time.perf_counter()
            checked = authoring.edit_card(
                collection.library,
                "scale-000001",
                sims=simulation_catalog(),
                extra_dirs=[setup.content] if setup.content else [],
                environ={"EDITOR": f"{sys.executable} {script}"},
                problems=PROBLEMS,
            )
            assert checked.ok, checked.message()
            authoring.adopt(collection, checked.library)
            times.append(time.perf_counter() - started)
    return times


def app_session(setup: Setup, figures: Figures, searches: Sequence[tuple[str, list[int]]]) -> None:
    """Launch, Browse (page-down, search keystrokes, sorts), back to Home, Stats; one app process."""
    figures.hello.append(hello_first_paint(setup.folder))
    term = Pty([sys.executable, "-m", "studyapp", *setup.options], environment(setup.folder))
    try:
        figures.launch.append(term.expect(b"reviews", timeout=120) - term.started)
        try:  # Home's mastery map, drawn once the counts are on screen (a bundled tag's bar)
            figures.mastery_map.append(term.expect(MASTERY_MARKER, timeout=60) - term.started)
        except TimeoutError:
            figures.mastery_map.append(None)
        drain(term, 0.5)
        everything = str(setup.total).encode()

        def status_total() -> float:
            return until_match(term, STATUS, lambda m: m.group(2).replace(b",", b"") == everything, 120)

        figures.browse.append(timed(term, b"b", status_total))
        drain(term, 0.3)
        seen = max((int(n) for n in CARD_NUMBER.findall(term.buffer)), default=-1)
        if setup.size:
            for _ in range(10):
                before = seen

                def further(before: int = before) -> float:
                    return until_match(term, CARD_NUMBER, lambda m: int(m.group(1)) > before, 10)

                figures.page_down.append(timed(term, PAGE_DOWN, further))
                seen = max([seen, *(int(n) for n in CARD_NUMBER.findall(term.buffer))])
                drain(term, 0.1)
        term.send(b"/")
        drain(term, 0.2)
        for query, counts in searches:
            if None in figures.keystroke:
                break  # the app is still busy with the keys it was sent
            previous = None
            for typed, (char, count) in enumerate(zip(query, counts, strict=True), start=1):
                wanted = str(count).encode()

                def counted(wanted: bytes = wanted) -> float:
                    return until_match(term, STATUS, lambda m: m.group(1).replace(b",", b"") == wanted, 30)

                elapsed = timed(term, char.encode(), counted)
                if elapsed is None:  # said, so that a short list of figures is not taken for the whole
                    shown = [found.group(1).decode() for found in STATUS.finditer(term.buffer)]
                    print(f"  '{query[:typed]}': Browse did not show {count:,} matches in 30 s ({shown})")
                    figures.keystroke.append(None)
                    break
                if count != previous:
                    figures.keystroke.append(elapsed)
                previous = count
                drain(term, 0.1)
            term.send(b"\x15")  # ctrl+u: clear the search box
            drain(term, 1.0)
        term.send(b"\x1b")  # back to the table, the search empty again
        drain(term, 0.5)
        for column in SORTS:
            marker = f"sorted by {column}".encode()
            figures.sort.append(timed(term, b"o", lambda marker=marker: term.expect(marker, timeout=30)))
            if figures.sort[-1] is None:
                break  # the app is still busy sorting
            drain(term, 0.2)
        figures.rss_mb.append(rss_mb(term.process.pid))
        term.send(b"\x1b")  # Home
        drain(term, 0.5)
        figures.stats_screen.append(timed(term, b"t", lambda: every_number(term)))
        drain(term, 0.3)
        term.send(b"\x1b")  # Home
        drain(term, 0.5)
        figures.study.append(timed(term, b"s", lambda: term.expect(b"shows the answer", timeout=30)))
        drain(term, 0.3)
        figures.rss_mb[-1] = max(figures.rss_mb[-1], rss_mb(term.process.pid))
    finally:
        term.close()


def launches(setup: Setup, figures: Figures, pairs: int) -> None:
    """``pairs`` more launches -> Home painted, each right after a hello-world app's first paint (so that
    the machine's load weighs alike on both)."""
    for _ in range(pairs):
        figures.hello.append(hello_first_paint(setup.folder))
        figures.launch.append(warm_up(setup))


def every_number(term: Pty) -> float:
    """When the Stats screen shows its numbers: the retention panel and the mastery panel (a bundled
    tag's bar) both painted since the key was sent."""
    return max(term.expect(marker, timeout=30) for marker in (b"True retention", MASTERY_MARKER))


def warm_up(setup: Setup) -> float:
    """Launch the app once until Home is painted; returns how long that took."""
    term = Pty([sys.executable, "-m", "studyapp", *setup.options], environment(setup.folder))
    try:
        return term.expect(b"reviews", timeout=120) - term.started
    finally:
        term.close()


# -- the commands ----------------------------------------------------------------------------------

ADDED_CARD = ["--question", "What does the benchmark add?", "--answer", "A card."]
COMMANDS: dict[str, tuple[list[str], bytes | None, str]] = {
    # name: (arguments, marker in stdout that ends the "start" (None: the whole run), stdin)
    "cards (first line)": (["cards"], b"\n", ""),
    "cards --deck deep-learning": (["cards", "--deck", "deep-learning"], None, ""),
    "stats": (["stats"], None, ""),
    "review --plain (first card)": (["review", "--plain"], b"\n[", "q\n"),
    "quiz --plain (first question)": (["quiz", "--plain", "-n", "3", "--seed", "1"], b"[1/3]", ""),
    # The exam planner's 30 days, simulated on every card (no target of its own: reported).
    "plan (whole run)": (["plan"], None, ""),
    # A card added to the big deck (a new deck of the learner's beside the bundled one), then a start.
    "add --deck scale (whole run)": (["add", "--deck", "scale", *ADDED_CARD], None, ""),
    "cards (first line) after add": (["cards"], b"\n", ""),
}

#: The commands whose start at 50k cards is to stay within 1.5x of the bundled deck's.
WITHIN_1_5X = (
    "cards (first line)",
    "cards --deck deep-learning",
    "stats",
    "review --plain (first card)",
    "quiz --plain (first question)",
)


def command_time(setup: Setup, args: list[str], marker: bytes | None, stdin: str) -> float:
    """Seconds from starting ``studyapp ARGS`` until ``marker`` is on its standard output (or it exits)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp", *setup.options, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**environment(setup.folder), "PYTHONUNBUFFERED": "1"},  # each line as soon as it is printed
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stdin.encode())
    process.stdin.close()
    output = b""
    try:
        while marker is None or marker not in output:
            chunk = process.stdout.read1(1 << 16)
            if not chunk:
                break
            output += chunk
        return time.perf_counter() - started
    finally:
        process.kill()
        process.wait()


def time_commands(setups: Sequence[Setup], figures: dict[int, Figures], runs: int) -> None:
    """Each command's start on every collection, the collections one right after the other for each
    command and run: a change in the machine's load weighs alike on a big collection and on the bundled
    deck it is compared with. After each run's ``add``, the deck file it wrote is hashed by every start
    until one stamps it ``RACY_NS`` after it was written (a second change within the same clock tick
    could go unseen): ``cards (first line) after add`` measures such a start; then that time is waited
    out and one start (not measured) stamps the file, so that the next run measures the starts that
    every other start makes."""
    from studyapp.deck_cache import RACY_NS

    for _ in range(runs):
        for name, (command, marker, stdin) in COMMANDS.items():
            for setup in setups:
                times = figures[setup.size].commands.setdefault(name, [])
                times.append(command_time(setup, command, marker, stdin))
        time.sleep(RACY_NS / 1e9)
        for setup in setups:
            command_time(setup, ["cards"], b"\n", "")


def import_time(setup: Setup) -> float | None:
    """``studyapp import`` of the exported 50k cards into a new collection, in a terminal (progress shown)."""
    if setup.export is None:
        return None
    target = setup.folder / "target.sqlite3"
    term = Pty(
        [sys.executable, "-m", "studyapp", "--db", str(target), "import", str(setup.export)],
        environment(setup.folder),
    )
    try:
        term.expect(b" cards, ", timeout=300)  # "imported N cards, 0 reviews and 0 quiz attempts into ..."
        elapsed = time.perf_counter() - term.started
        bars = re.findall(rb"\r(\w+) +\[", term.buffer)
        print(f"  import: progress shown while {', '.join(sorted({b.decode() for b in bars})) or 'NOTHING'}")
        return elapsed
    finally:
        term.close()


# -- report ----------------------------------------------------------------------------------------


def median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    if not known or len(known) < len(values) / 2:
        return None
    return statistics.median(known)


def shown(value: float | None, reference: float | None = None, target: str = "") -> str:
    if value is None:
        return "   no answer in time"
    ratio = f"  ratio {value / reference:5.2f}x" if reference else ""
    return f"{ms(value)}{ratio}{'  (target ' + target + ')' if target else ''}"


def report(setup: Setup, figures: Figures, base: Figures | None) -> None:
    hello = statistics.median(figures.hello)
    print(f"\n== {setup.total:,} cards ==")
    print(f"hello-world first paint              {ms(hello)}   (median of {len(figures.hello)})")
    if figures.launch:
        print(f"launch -> Home painted               {shown(median(figures.launch), hello, '<= 1.5x')}")
        print(f"  (median of {len(figures.launch)} launches)")
        print(f"launch -> Home's mastery map         {shown(median(figures.mastery_map), hello)}")
        print(f"Browse first page + count            {shown(median(figures.browse), hello, '<= 100 ms')}")
        if figures.page_down:
            print(
                f"page-down repaint          p50       {shown(median(figures.page_down), hello, '<= 17 ms')}"
            )
        print(f"search keystroke -> count  p50       {shown(median(figures.keystroke), hello, '<= 50 ms')}")
        if figures.search_sql:
            print(f"  of which the search in SQL  p50    {shown(median(figures.search_sql))}")
        print(f"sort                       median    {shown(median(figures.sort), hello, '<= 150 ms')}")
        print(
            f"Stats screen                         {shown(median(figures.stats_screen), hello, '<= 300 ms')}"
        )
        print(f"study key -> first card              {shown(median(figures.study), hello)}")
    for name, times in figures.commands.items():
        value = statistics.median(times)
        against = ""
        if base is not None and name in base.commands:
            against = f"  vs bundled {value / statistics.median(base.commands[name]):4.2f}x"
            against += " (target <= 1.5x)" if name in WITHIN_1_5X else ""
        print(f"studyapp {name:<29}{ms(value)}  ratio {value / hello:5.2f}x{against}")
    if figures.import_s is not None:
        print(f"import {setup.size:,} cards from JSON        {figures.import_s:6.2f} s   (target <= 10 s)")
    for deck, saves in (("new deck", figures.add_card), ("big deck", figures.add_to_big_deck)):
        if saves:
            first, *later = saves
            print(f"Add card, {deck}: first save       {shown(first)}")
            if later:
                print(f"Add card, {deck}: later median     {shown(statistics.median(later))}")
    if figures.edit_big_deck:
        print(f"Edit a card of the big deck  median  {shown(statistics.median(figures.edit_big_deck))}")
    if figures.rss_mb:
        print(f"app peak RSS                         {max(figures.rss_mb):7.1f} MB   (target < 300 MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 50_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--launches", type=int, default=10, help="launches measured beside the sessions")
    parser.add_argument("--reviews-per-card", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the built collections (path printed)")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=PARTS, help="what to measure")
    args = parser.parse_args()
    compile_source()
    say_machine_speed()
    root = Path(tempfile.mkdtemp(prefix="studyapp-scale-"))
    try:
        setups: list[Setup] = []
        figures: dict[int, Figures] = {}
        for size in args.sizes:
            setup = build(root, size, args.reviews_per_card)
            searches = [(query, expected_counts(setup, query)) for query in SEARCHES]
            figures[size] = found = Figures()
            if "app" in args.parts:
                found.search_sql = search_in_sql(setup, searches)
            # One discarded launch and command run: what the first start after a deck change costs
            # (reading the decks) is not what every start costs.
            command_time(setup, ["stats"], None, "")
            warm_up(setup)
            for _ in range(args.runs):
                if "app" in args.parts:
                    app_session(setup, found, searches)
                else:
                    found.hello.append(hello_first_paint(setup.folder))
            if "app" in args.parts:
                launches(setup, found, args.launches)
            if "import" in args.parts:
                found.import_s = import_time(setup)
            setups.append(setup)
        if "commands" in args.parts:
            time_commands(setups, figures, args.runs)
            for setup in setups:  # last: the cards added stay in the collection
                figures[setup.size].add_card = add_card_in_app(setup, args.runs)
                if setup.size:
                    figures[setup.size].add_to_big_deck = add_card_in_app(setup, args.runs, "scale")
                    figures[setup.size].edit_big_deck = edit_card_in_app(setup, args.runs)
        for setup in setups:
            report(setup, figures[setup.size], figures.get(0) if setup.size else None)
    finally:
        if args.keep:
            print(f"collections kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
