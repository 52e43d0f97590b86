"""A worker process that runs simulations for the app: JSON requests in on stdin, answers out on stdout.

Each request is one line ``{"id": 1, "sim": "pooling", "params": {...}}``; each reply is one line
``{"id": 1, "rows": [[label, value], ...]}`` or ``{"id": 1, "error": "..."}``. Run with
``python -m studyapp.answer_worker``; it ends when its input closes.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The answer rows for one request, or the reason there are none."""
    from sim.registry import answers_of

    try:
        rows = answers_of(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)))
    except (ValueError, ArithmeticError) as error:
        return {"id": request.get("id"), "error": str(error)}
    return {"id": request.get("id"), "rows": [list(row) for row in rows]}


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Answer every request line until the input ends."""
    for line in requests:
        if line.strip():
            try:
                answer = reply(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                answer = {"id": None, "error": f"bad request: {error}"}
            replies.write(json.dumps(answer) + "\n")
            replies.flush()


def main() -> None:
    replies = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not mix with the replies
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
