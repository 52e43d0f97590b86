"""The app's side of the simulation worker process (``studyapp.sim_worker``).

Simulations run and draw in the worker, on the other core, so the app's own thread stays free for keys and
painting (the answers beside cards, predictions, live plots). Requests are answered in order; callbacks run
on a reader thread.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from studyapp.sim_worker import read_message, write_message

#: Called with the worker's reply (a dict; ``error`` set when the simulation could not run).
ReplyCallback = Callable[[dict[str, Any]], None]
STOPPED = {"error": "the simulation worker stopped"}


class SimWorker:
    """One worker process, started on the first request and restarted if it stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending: dict[int, ReplyCallback] = {}
        self._next_id = 0

    def call(self, request: Mapping[str, Any], callback: ReplyCallback) -> None:
        """Send ``request``; ``callback`` gets the reply later, on the reader thread. It must return
        soon and not wait for another thread (a screen posts itself a message): replies are read in
        order, so one callback that waits holds up every reply after it."""
        with self._lock:
            process = self._ensure_started()
            self._next_id += 1
            self._pending[self._next_id] = callback
            try:
                assert process.stdin is not None
                write_message(process.stdin, {**request, "id": self._next_id})
            except OSError:
                self._pending.pop(self._next_id)(STOPPED)

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._pending = {}  # each process answers its own requests
            self._process = subprocess.Popen(
                [sys.executable, "-m", "studyapp.sim_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            threading.Thread(target=self._read, args=(self._process, self._pending), daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen[bytes], pending: dict[int, ReplyCallback]) -> None:
        assert process.stdout is not None
        try:
            for answer in replies(process.stdout):
                with self._lock:
                    callback = pending.pop(answer.get("id", 0), None)
                if callback is not None:
                    callback(answer)
        finally:
            # Nothing reads this worker's replies any more: it sent something that is not a reply, or a
            # callback failed. It is ended, so that the next request starts a new one.
            if process.poll() is None:
                process.kill()
                process.wait()
            with self._lock:  # nothing more will come for what is still pending
                stranded = list(pending.values())
                pending.clear()
            for callback in stranded:
                callback(STOPPED)

    def close(self) -> None:
        """End the worker (it also ends by itself when this process exits and its input closes)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.terminate()
            self._process = None


def replies(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The worker's replies until it ends."""
    while True:
        try:
            reply = read_message(stream)
        except ValueError:
            return  # not a reply: the worker is broken, and ends
        if reply is None:
            return
        yield reply


_worker: SimWorker | None = None


def worker() -> SimWorker:
    """The app's shared worker process."""
    global _worker
    if _worker is None:
        _worker = SimWorker()
        atexit.register(_worker.close)
    return _worker


def answers(
    sim: str,
    params: Mapping[str, Any],
    callback: Callable[[list[tuple[str, str]] | None, str | None], None],
    keys: Sequence[str] = (),
) -> None:
    """The (label, value) answers of ``sim`` with ``params`` (only ``keys``, in order, if given):
    ``callback(rows, error)``."""

    def unpack(reply: dict[str, Any]) -> None:
        rows = reply.get("rows")
        callback([(str(a), str(b)) for a, b in rows] if rows is not None else None, reply.get("error"))

    worker().call({"op": "answers", "sim": sim, "params": dict(params), "keys": list(keys)}, unpack)


def numbers(
    sim: str,
    params: Mapping[str, Any],
    callback: Callable[[dict[str, Any] | None, str | None], None],
) -> None:
    """The raw answers of ``sim`` with ``params``, with their labels and the resolved parameters:
    ``callback({"answers": ..., "labels": ..., "params": ...}, error)``."""

    def unpack(reply: dict[str, Any]) -> None:
        callback(reply if "answers" in reply else None, reply.get("error"))

    worker().call({"op": "numbers", "sim": sim, "params": dict(params)}, unpack)


def frame(request: Mapping[str, Any], callback: ReplyCallback) -> None:
    """Run and draw a simulation (see ``studyapp.sim_worker``'s ``frame``): ``callback(reply)``, on the
    reader thread; the reply has ``error`` set when the simulation cannot run."""
    worker().call({**request, "op": "frame"}, callback)


def draw_ahead(request: Mapping[str, Any]) -> None:
    """Have the worker draw the frames ``request`` (a frame request) lists ``ahead``, without its frame."""
    worker().call({**request, "op": "ahead"}, lambda reply: None)


def save(request: Mapping[str, Any], callback: ReplyCallback) -> None:
    """Save a run's figure (see ``studyapp.sim_worker``'s ``save``): ``callback(reply)``, on the reader
    thread; the reply has ``error`` set when it could not be saved."""
    worker().call({**request, "op": "save"}, callback)


def warm() -> None:
    """Start the worker and have it import what drawing needs, so the first plot comes sooner."""
    worker().call({"op": "warm"}, lambda reply: None)
