"""``studyapp sim``: list, explain and run the live simulations from the command line.

The spec registry is cheap (stdlib only); numpy and matplotlib are imported only when a
simulation runs or is plotted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim.params import Value, parse_decimal, shown
from sim.spec import answer_rows
from studyapp.commands import NO_TERMINAL, announce_created, on_terminal, open_decks
from studyapp.errors import UserError
from studyapp.table import format_table

if TYPE_CHECKING:
    from sim.spec import Result, Spec

PLOT_SUFFIXES = (".png", ".svg", ".pdf")
#: Seeds are non-negative integers of at most this many digits (numpy takes any size; people type few).
SEED_DIGITS = 40


def parse_seed(text: str) -> int:
    """``--seed``: plain decimal digits; ``UserError`` (status 2) otherwise."""
    value = parse_decimal(text.strip(), SEED_DIGITS)
    if value is None or value < 0:
        raise UserError(
            f"--seed must be a non-negative integer of at most {SEED_DIGITS} digits, got {shown(text)}",
            status=2,
        )
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="list, explain and run the simulations",
        description="List the live simulations, explain one, or run one and print (or plot) its answers.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    commands = parser.add_subparsers(title="sim commands", metavar="SUBCOMMAND")

    listing = commands.add_parser("list", help="list the simulations", description="List the simulations.")
    listing.add_argument(
        "--json", action="store_true", help="print a JSON list of objects with name, title and params"
    )
    listing.set_defaults(handler=run_list)

    show = commands.add_parser(
        "show",
        help="explain a simulation: parameters, ranges and answers",
        description="Print a simulation's title, explanation, parameters (defaults and valid values) "
        "and the answers it computes at the defaults.",
    )
    show.add_argument("name", metavar="NAME", help="the simulation (see 'studyapp sim list')")
    show.set_defaults(handler=run_show)

    run = commands.add_parser(
        "run",
        help="run a simulation and print its answers",
        description="Run a simulation with its defaults, changed by --set, and print the answers.",
    )
    add_run_options(run)
    run.add_argument("--out", metavar="FILE", help="also save the plot as FILE (.png, .svg or .pdf)")
    run.add_argument(
        "--json", action="store_true", help='print {"sim": ..., "params": {...}, "answer": {...}}'
    )
    run.set_defaults(handler=run_sim)

    live = commands.add_parser(
        "open",
        help="open a simulation in the terminal app",
        description="Open the terminal app on a live simulation, with its defaults changed by --set.",
    )
    add_run_options(live)
    live.set_defaults(handler=run_open)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The simulation's name, ``--set KEY=VALUE`` (repeatable) and ``--seed``, as run and open share them."""
    parser.add_argument("name", metavar="NAME", help="the simulation (see 'studyapp sim list')")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a parameter (repeatable), e.g. --set lr=0.1",
    )
    parser.add_argument("--seed", default="0", metavar="N", help="random seed (default: 0)")


def _usage(parser: argparse.ArgumentParser) -> int:
    raise UserError(
        f"choose a sim command: list, show, run or open\n{parser.format_usage().strip()}", status=2
    )


def _spec(name: str) -> Spec:
    try:
        return sim.spec(name)
    except ValueError as error:
        raise UserError(str(error), status=2) from None
    except ImportError:
        raise UserError(f"simulation '{name}' is not installed", status=1) from None


def available_specs() -> list[Spec]:
    """The specs of every registered simulation that is installed; a warning for any that is not."""
    found = []
    for name in sim.NAMES:
        try:
            found.append(sim.spec(name))
        except ImportError:
            print(f"studyapp: warning: simulation '{name}' is not installed", file=sys.stderr)
    return found


def param_json(spec: Spec) -> list[dict[str, Value]]:
    """The parameters of ``spec`` as JSON objects: name, kind, default, valid values and help."""
    return [
        {"name": p.name, "kind": p.kind, "default": p.default, "valid": p.describe(), "help": p.help}
        for p in spec.params
    ]


def run_list(args: argparse.Namespace) -> int:
    specs = available_specs()
    if args.json:
        listing = [{"name": s.name, "title": s.title, "params": param_json(s)} for s in specs]
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return 0
    print(format_table(["name", "title"], [(s.name, s.title) for s in specs]))
    return 0


def parse_overrides(spec: Spec, overrides: list[str]) -> dict[str, Value]:
    """``key=value`` strings parsed by the parameters' types; ``UserError`` (status 2) when invalid."""
    values: dict[str, Value] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--set expects KEY=VALUE, got {shown(item)}", status=2)
        if key in values:
            raise UserError(
                f"--set gives the parameter '{key}' more than once; keep the one you mean", status=2
            )
        try:
            values[key] = spec.param(key).parse(text)
        except ValueError as error:
            raise UserError(str(error), status=2) from None
    return values


def _run(spec: Spec, params: dict[str, Value], seed: int) -> Result:
    try:
        return sim.run(spec.name, params, seed=seed)
    except ValueError as error:
        raise UserError(f"{spec.name}: {error}", status=2) from None


def _rows(spec: Spec, result: Result) -> str:
    rows = answer_rows(spec, result)
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label.ljust(width)}  {value}" for label, value in rows)


def _wrap(text: str) -> str:
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    return textwrap.fill(text, width=width)


def run_show(args: argparse.Namespace) -> int:
    spec = _spec(args.name)
    result = _run(spec, {}, 0)
    lines = [spec.title, "", _wrap(spec.explanation), "", "parameters:"]
    width = max(len(p.name) for p in spec.params)
    for p in spec.params:
        lines.append(f"  {p.name.ljust(width)}  default {p.default!r}: {p.describe()}")
        if p.help:
            lines.append(f"  {' ' * width}  {p.help}")
    lines += ["", "answers at the defaults:", _rows(spec, result)]
    print("\n".join(lines))
    return 0


def check_out(out: str) -> None:
    """Refuse ``--out`` before running when its suffix is not a plot format or its folder is missing."""
    if not out.lower().endswith(PLOT_SUFFIXES):
        raise UserError(f"--out must end in .png, .svg or .pdf, got {out!r}", status=2)
    folder = Path(out).parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise UserError(
            f"cannot write the plot to {out}: the folder {folder} {problem}; create it first or choose "
            "another --out",
            status=1,
        )


def _save(result: Result, out: str) -> str:
    from sim.plotting import save

    try:
        return str(save(result, Path(out)))
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"cannot write the plot to {out}: {reason}", status=1) from None


def run_sim(args: argparse.Namespace) -> int:
    spec = _spec(args.name)
    params = parse_overrides(spec, args.overrides)
    seed = parse_seed(args.seed)
    if args.out is not None:
        check_out(args.out)
    result = _run(spec, params, seed)
    saved = _save(result, args.out) if args.out is not None else None
    if args.json:
        payload: dict[str, Any] = {"sim": spec.name, "params": result.params, "answer": result.answers}
        if saved is not None:
            payload["out"] = saved
        try:
            print(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
        except ValueError:
            raise UserError(f"{spec.name}: an answer is not a finite number", status=1) from None
        return 0
    settings = ", ".join(f"{k}={v}" for k, v in result.params.items())
    print(f"{spec.title}  (seed {seed})\n  {settings}\n\nanswers:\n{_rows(spec, result)}")
    if saved is not None:
        print(f"\nplot saved to {saved}")
    return 0


def run_open(args: argparse.Namespace) -> int:
    """Check the simulation and its parameters like ``run``, then open the app on it."""
    spec = _spec(args.name)
    params = parse_overrides(spec, args.overrides)
    seed = parse_seed(args.seed)
    _run(spec, params, seed)  # parameters that cannot run together are refused here, not in the app
    if not on_terminal():
        raise UserError(NO_TERMINAL, status=2)
    from studyapp.tui.launch import run_app
    from studyapp.tui.screens.simulation import SimulationScreen

    with open_decks(args.db, args.content) as collection:
        announce_created(collection.created, collection.path)
        return run_app(collection, lambda: SimulationScreen(spec.name, dict(params), seed=seed))
