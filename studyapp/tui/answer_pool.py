"""Simulation answers for cards, computed in a worker process.

Running a simulation (and importing numpy and matplotlib the first time) holds Python's GIL for
tens to hundreds of milliseconds; in a thread that would stall the keys of the review screen. A
worker process (``studyapp.answer_worker``) computes them on the other core instead.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

#: Called with the answer rows, or with an error message.
Callback = Callable[[list[tuple[str, str]] | None, str | None], None]


class AnswerWorker:
    """One worker process, started on the first request and restarted if it stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._pending: dict[int, Callback] = {}
        self._next_id = 0

    def request(self, sim: str, params: Mapping[str, Any], callback: Callback) -> None:
        """Ask for ``sim``'s answers with ``params``; ``callback`` runs later on a reader thread."""
        with self._lock:
            process = self._ensure_started()
            self._next_id += 1
            self._pending[self._next_id] = callback
            line = json.dumps({"id": self._next_id, "sim": sim, "params": dict(params)})
            try:
                assert process.stdin is not None
                process.stdin.write(line + "\n")
                process.stdin.flush()
            except OSError:
                self._pending.pop(self._next_id)(None, "the simulation worker stopped")

    def _ensure_started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._pending = {}  # each process answers its own requests
            self._process = subprocess.Popen(
                [sys.executable, "-m", "studyapp.answer_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
            threading.Thread(target=self._read, args=(self._process, self._pending), daemon=True).start()
        return self._process

    def _read(self, process: subprocess.Popen[str], pending: dict[int, Callback]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            answer = json.loads(line)
            with self._lock:
                callback = pending.pop(answer.get("id"), None)
            if callback is not None:
                rows = answer.get("rows")
                callback(
                    [(str(a), str(b)) for a, b in rows] if rows is not None else None, answer.get("error")
                )
        with self._lock:  # the worker ended: nothing more will come for what is still pending
            stranded = list(pending.values())
            pending.clear()
        for callback in stranded:
            callback(None, "the simulation worker stopped")

    def close(self) -> None:
        """End the worker (it also ends by itself when this process exits and its input closes)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.terminate()
            self._process = None


_worker: AnswerWorker | None = None


def answers(sim: str, params: Mapping[str, Any], callback: Callback) -> None:
    """Compute the (label, value) answers of ``sim`` with ``params`` in the shared worker process."""
    global _worker
    if _worker is None:
        _worker = AnswerWorker()
        atexit.register(_worker.close)
    _worker.request(sim, params, callback)
