"""The simulation-answer worker process: its line protocol, and the client that restarts it."""

from __future__ import annotations

import io
import json
import threading

import sim
from studyapp.answer_worker import serve
from studyapp.tui.answer_pool import AnswerWorker


def test_the_worker_answers_each_request_line() -> None:
    requests = io.StringIO(
        json.dumps({"id": 1, "sim": "activations", "params": {"layers": 3}})
        + "\n\n"
        + json.dumps({"id": 2, "sim": "activations", "params": {"layers": 500}})
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
    worker = AnswerWorker()
    results: list[tuple[object, object]] = []
    done = threading.Event()

    def collect(rows: object, error: object) -> None:
        results.append((rows, error))
        done.set()

    try:
        worker.request("pooling", {"kind": "avg"}, collect)
        assert done.wait(60)
        rows, error = results[0]
        assert error is None and rows == sim.answers_of("pooling", {"kind": "avg"})
        worker.close()  # a later request starts a new process
        done.clear()
        worker.request("pooling", {"window": 99}, collect)
        assert done.wait(60)
        assert results[1][0] is None and "window" in str(results[1][1])
    finally:
        worker.close()
