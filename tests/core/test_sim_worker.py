"""The simulation worker process: its message protocol, its frames, and the client that restarts it."""

from __future__ import annotations

import io
import pickle
import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.plotting import Renderer
from studyapp.sim_worker import (
    AHEAD_LIMIT_S,
    HEADER,
    OVERSAMPLE,
    Requests,
    Worker,
    _next_request,
    downsample,
    read_message,
    serve,
    write_message,
)
from studyapp.tui.sim_client import SimWorker


def exchange(*requests: dict[str, Any] | bytes) -> list[dict[str, Any]]:
    """Serve ``requests`` (dicts, or raw bytes sent as they are) and read every reply."""
    stream = io.BytesIO()
    for request in requests:
        if isinstance(request, bytes):
            stream.write(request)
        else:
            write_message(stream, request)
    replies = io.BytesIO()
    serve(io.BytesIO(stream.getvalue()), replies)
    replies.seek(0)
    answers = []
    while (reply := read_message(replies)) is not None:
        answers.append(reply)
    return answers


def framed(data: bytes) -> bytes:
    """``data`` as one message on the wire: its length, then the bytes."""
    return HEADER.pack(len(data)) + data


def test_the_worker_answers_each_request() -> None:
    first, second, third, fourth = exchange(
        {"id": 1, "sim": "activations", "params": {"layers": 3}},
        {"id": 2, "op": "answers", "sim": "activations", "params": {"layers": 500}},
        framed(b"not a pickle"),
        framed(pickle.dumps([1, 2])),
    )
    assert first["id"] == 1
    assert first["rows"] == [tuple(row) for row in sim.answers_of("activations", {"layers": 3})]
    assert second["id"] == 2 and "'layers'" in second["error"] and "1 to 50" in second["error"]
    assert third["id"] is None and third["error"].startswith("bad request")
    assert fourth["id"] is None and "not a dict" in fourth["error"]


def test_a_cut_off_request_ends_the_worker_quietly() -> None:
    assert exchange(framed(pickle.dumps({"id": 1, "op": "warm"}))[:-3]) == []


def test_a_frame_is_the_run_drawn_as_a_fresh_renderer_draws_it() -> None:
    params = {"function": "tanh", "layers": 7}
    request = {"op": "frame", "sim": "activations", "params": params, "width": 60, "height": 40}
    cells, pixels_only = exchange({**request, "id": 1, "cells": True}, {**request, "id": 2, "cells": False})
    result = sim.run("activations", params)
    assert cells["result"].answers == result.answers and cells["result"].params == result.params
    for reply, text_cells in ((cells, (OVERSAMPLE, 2 * OVERSAMPLE)), (pixels_only, None)):
        renderer = Renderer(60 * OVERSAMPLE, 40 * OVERSAMPLE, dark=True, cells=text_cells)
        expected = downsample(renderer.render(result), 60, 40)
        assert reply["rgba"].shape == (40, 60, 4) and np.array_equal(reply["rgba"], expected)
        assert reply["legend"] == renderer.legend
        assert reply["texts"] == (renderer.texts if text_cells else [])
    assert cells["texts"]  # the titles and tick labels, as characters


def test_a_saved_figure_is_written_to_each_path_or_the_reason_it_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    paths = [str(tmp_path / "out" / "plot.png"), str(tmp_path / "out" / "plot.svg")]
    request = {"op": "save", "sim": "pooling", "params": {"kind": "avg"}, "seed": 0}
    blocked = [str(tmp_path / "a-file" / "p.png")]
    saved, refused = exchange({**request, "id": 1, "paths": paths}, {**request, "id": 2, "paths": blocked})
    assert saved["paths"] == [Path(path) for path in paths]
    assert Path(paths[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "<svg" in Path(paths[1]).read_text()
    assert "a-file" in refused["error"]


def test_impossible_frames_are_errors() -> None:
    request = {"op": "frame", "sim": "activations", "params": {}, "cells": True}
    too_big, bad_params = exchange(
        {**request, "id": 1, "width": 0, "height": 40},
        {**request, "id": 2, "width": 60, "height": 40, "params": {"layers": 0}},
    )
    assert "cannot be drawn" in too_big["error"]
    assert "'layers'" in bad_params["error"]


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
        expected = [tuple(row) for row in sim.answers_of("pooling", {"kind": "avg"})]
        assert "error" not in results[0] and results[0]["rows"] == expected
        worker.close()  # a later request starts a new process
        done.clear()
        worker.call({"op": "answers", "sim": "pooling", "params": {"window": 99}}, collect)
        assert done.wait(60)
        assert "rows" not in results[1] and "window" in str(results[1]["error"])
    finally:
        worker.close()


def test_unknown_operations_and_simulations_are_errors() -> None:
    unknown = {"id": 2, "op": "answers", "sim": "nope", "params": {}}
    first, second = exchange({"id": 1, "op": "dance"}, unknown)
    assert "unknown operation" in first["error"]
    assert "unknown simulation 'nope'" in second["error"]


def frame_request(**params: object) -> dict[str, object]:
    """A frame of pooling with ``params``, listing the two window sizes around it ``ahead``."""
    window = int(params.get("window", 2))  # type: ignore[call-overload]
    ahead = [{**params, "window": window + 1}, {**params, "window": window - 1}]
    request = {"op": "frame", "sim": "pooling", "params": params, "width": 60, "height": 40, "cells": True}
    return {**request, "ahead": ahead}


def assert_same_frame(reply: dict[str, object], fresh: dict[str, object]) -> None:
    assert np.array_equal(reply["rgba"], fresh["rgba"])  # type: ignore[arg-type]
    assert reply["texts"] == fresh["texts"] and reply["legend"] == fresh["legend"]
    assert reply["result"] == fresh["result"]


def test_frames_listed_ahead_are_drawn_while_no_request_waits_and_equal_frames_drawn_when_asked() -> None:
    worker, request = Worker(), frame_request(window=3)
    worker.reply(request)
    incoming: Requests = queue.SimpleQueue()

    def end_once_drawn() -> None:
        while worker.ahead(request):
            time.sleep(0.01)
        incoming.put(None)

    threading.Thread(target=end_once_drawn, daemon=True).start()
    assert _next_request(worker, request, incoming) is None  # both drawn, then the input ended
    for params in ({"window": 4}, {"window": 2}):
        later = {**request, "params": params}
        reply = worker.reply(later)
        assert reply["drawn_ahead"] is True
        assert_same_frame(reply, Worker().reply(later))


def test_a_waiting_request_comes_before_drawing_ahead() -> None:
    worker, request = Worker(), frame_request(window=3)
    worker.reply(request)
    incoming: Requests = queue.SimpleQueue()
    waiting = {"op": "answers", "sim": "pooling", "params": {}}
    incoming.put(waiting)
    assert _next_request(worker, request, incoming) is waiting
    assert len(worker.ahead(request)) == 2  # nothing was drawn ahead


def test_a_step_back_is_answered_with_the_frame_kept() -> None:
    worker = Worker()
    first = worker.reply(frame_request(window=3))
    worker.reply(frame_request(window=4))
    again = worker.reply(frame_request(window=3))
    assert again["rgba"] is first["rgba"] and "drawn_ahead" not in again


def test_a_slow_simulation_is_not_drawn_ahead() -> None:
    worker, request = Worker(), frame_request(window=3)
    worker.reply(request)
    assert len(worker.ahead(request)) == 2
    worker.frames.redraw_seconds = AHEAD_LIMIT_S * 2  # as a redraw that took that long leaves it
    assert worker.ahead(request) == []


def test_a_frame_listed_ahead_that_cannot_run_is_not_kept() -> None:
    worker = Worker()
    request = {**frame_request(window=3), "ahead": [{"window": 99}]}
    worker.reply(request)
    worker.draw_ahead(worker.ahead(request), waiting=lambda: False)
    assert "window" in worker.reply({**request, "params": {"window": 99}})["error"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the failure, said
def test_a_callback_that_fails_ends_its_worker_and_the_next_request_starts_a_new_one() -> None:
    """A failing callback stops its reader thread: its worker is ended then (else nothing would read its
    replies again), what was waiting is told, and the next request is answered by a new worker."""
    worker = SimWorker()
    told: queue.Queue[dict[str, object]] = queue.Queue()

    def fail(reply: dict[str, object]) -> None:
        raise ValueError("a caller's mistake")

    request = {"op": "answers", "sim": "pooling", "params": {"kind": "avg"}}
    try:
        worker.call(request, fail)
        worker.call(request, told.put)  # sent to the same worker, after the failing one
        assert told.get(timeout=60) == {"error": "the simulation worker stopped"}
        worker.call(request, told.put)
        expected = [tuple(row) for row in sim.answers_of("pooling", {"kind": "avg"})]
        assert told.get(timeout=60)["rows"] == expected
    finally:
        worker.close()
