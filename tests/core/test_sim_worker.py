"""The simulation-answer worker process: its line protocol, and the client that restarts it."""

from __future__ import annotations

import io
import json
import threading

import sim
from studyapp.sim_worker import serve
from studyapp.tui.sim_client import SimWorker


def test_the_worker_answers_each_request_line() -> None:
    requests = io.StringIO(
        json.dumps({"id": 1, "sim": "activations", "params": {"layers": 3}})
        + "\n\n"
        + json.dumps({"id": 2, "op": "answers", "sim": "activations", "params": {"layers": 500}})
        + "\nnot json\n"
    )
    replies = io.StringIO()
    serve(requests, replies)
    first, second, third = (json.loads(line) for line in replies.getvalue().splitlines())
    assert first["id"] == 1
    assert first["rows"] == [list(row) for row in sim.answers_of("activations", {"layers": 3})]
    assert second["id"] == 2 and "'layers'" in second["error"] and "1 to 50" in second["error"]
    assert third["id"] is None and third["error"].startswith("bad request")


def test_the_client_runs_requests_in_a_worker_process_and_survives_its_end() -> None:
    worker = SimWorker()
    results: list[dict[str, object]] = []
    done = threading.Event()

    def collect(reply: dict[str, object]) -> None:
        results.append(reply)
        done.set()

    try:
        worker.call({"op": "answers", "sim": "pooling", "params": {"kind": "avg"}}, collect)
        assert done.wait(60)
        expected = [list(row) for row in sim.answers_of("pooling", {"kind": "avg"})]
        assert "error" not in results[0] and results[0]["rows"] == expected
        worker.close()  # a later request starts a new process
        done.clear()
        worker.call({"op": "answers", "sim": "pooling", "params": {"window": 99}}, collect)
        assert done.wait(60)
        assert "rows" not in results[1] and "window" in str(results[1]["error"])
    finally:
        worker.close()


def test_unknown_operations_and_simulations_are_errors() -> None:
    lines = [{"id": 1, "op": "dance"}, {"id": 2, "op": "answers", "sim": "nope", "params": {}}]
    replies = io.StringIO()
    serve(io.StringIO("\n".join(json.dumps(line) for line in lines) + "\n"), replies)
    first, second = (json.loads(line) for line in replies.getvalue().splitlines())
    assert "unknown operation" in first["error"]
    assert "unknown simulation 'nope'" in second["error"]
