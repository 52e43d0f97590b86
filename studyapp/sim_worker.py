"""A worker process that runs simulations for the app: JSON requests in on stdin, replies on stdout.

Running a simulation holds Python's GIL for tens of milliseconds (hundreds the first time, importing
numpy and matplotlib); in the app's own process that would stall its keys.

Each request is one line ``{"id": 1, "op": "answers", "sim": ..., "params": {...}, "keys": [...]}``
(``keys``, optional, picks answers and their order); the reply is
``{"id": 1, "rows": [[label, value], ...]}``, or ``{"id": 1, "error": "..."}`` when the simulation
cannot run. ``"op": "numbers"`` replies with the run's raw ``answers``, their ``labels`` and its
resolved ``params`` (what a prediction is graded against). Run with ``python -m studyapp.sim_worker``;
it ends when its input closes.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any


def answers(request: dict[str, Any]) -> dict[str, Any]:
    """The labelled answer rows of one run."""
    from sim.registry import answers_of

    keys = [str(key) for key in request.get("keys") or ()]
    rows = answers_of(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)), keys)
    return {"rows": [list(row) for row in rows]}


def numbers(request: dict[str, Any]) -> dict[str, Any]:
    """The raw answers of one run with their labels and the resolved parameters (for predictions)."""
    from sim.registry import run, spec

    result = run(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)))
    return {"params": result.params, "answers": result.answers, "labels": dict(spec(result.sim).answers)}


OPERATIONS = {"answers": answers, "numbers": numbers}


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request; a simulation that cannot run is an ``error`` reply, not a crash."""
    operation = OPERATIONS.get(str(request.get("op", "answers")))
    if operation is None:
        return {"id": request.get("id"), "error": f"unknown operation {request.get('op')!r}"}
    try:
        return {"id": request.get("id"), **operation(request)}
    except (ValueError, ArithmeticError, KeyError, TypeError) as error:
        return {"id": request.get("id"), "error": str(error)}


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Answer every request line until the input ends."""
    for line in requests:
        if line.strip():
            try:
                answer = reply(json.loads(line))
            except json.JSONDecodeError as error:
                answer = {"id": None, "error": f"bad request: {error}"}
            replies.write(json.dumps(answer) + "\n")
            replies.flush()


def main() -> None:
    replies = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not mix with the replies
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
