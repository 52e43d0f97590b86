"""A worker process that runs and draws simulations for the app, on the other core.

Running a simulation and drawing its plot holds Python's GIL for tens of milliseconds (hundreds the first
time, importing numpy and matplotlib); in the app's own process that would stall its keys and its painting.

Requests and replies are dicts, each sent as a 4-byte big-endian length and a pickle (both ends are this
app: the app starts this process and reads only its replies). A request names its ``op``:

- ``answers``: ``{"sim", "params", "seed"?, "keys"?}`` -> ``{"rows": [(label, value), ...]}``, the labelled
  answers (``keys`` picks answers and their order);
- ``numbers``: the run's raw ``answers``, their ``labels`` and its resolved ``params`` (what a prediction is
  graded against);
- ``frame``: ``{"sim", "params", "seed", "width", "height", "cells", "dark", "monochrome", "ahead"?}`` ->
  the run's ``result`` (its parameters and answers: the plot's data stays here), its plot as ``rgba``
  pixels of ``width`` x ``height``, its ``legend``, and with ``cells`` (text drawn as characters, not
  pixels) the plot's ``texts`` placed on the terminal's cell grid; ``drawn_ahead`` says that the frame
  was drawn before it was asked for;
- ``ahead``: a frame request's fields without wanting the frame -> ``{}``: only its ``ahead`` is drawn;
- ``save``: ``{"sim", "params", "seed", "paths"}`` -> ``{"paths": [...]}``, the run's figure saved to each
  path (PNG, SVG or PDF by its suffix);
- ``warm``: imports what drawing needs, so the first frame comes sooner.

Every reply carries the request's ``id``; a request that cannot be answered gets ``{"error": "..."}``.
Run with ``python -m studyapp.sim_worker``; it ends when its input closes.

Drawing ahead: a frame request may list ``ahead`` the parameters the learner is likely to ask for next
(the app sends the focused parameter one step either way). Once the reply is sent, and while no request
waits, those frames are drawn and kept with the last few drawn ones (``KEPT_FRAMES``): a step of the
parameter is then answered at once, and a step back finds the frame it left. A request that comes
meanwhile waits at most for the one frame being drawn; a simulation slower than ``AHEAD_LIMIT_S`` a
frame is not drawn ahead.
"""

from __future__ import annotations

import importlib
import pickle
import queue
import struct
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from sim.plotting import Renderer

HEADER = struct.Struct("!I")
#: The requests read, in order: a request, the error of one that is not a request, ``None`` at the end.
Requests = queue.SimpleQueue[dict[str, Any] | ValueError | None]
#: The plot is drawn at this multiple of the size asked for, then downsampled (a box filter): smooth edges.
OVERSAMPLE = 2
#: Renderers kept between frames (each keeps its figure, axes and artists to redraw in place).
KEPT_RENDERERS = 4
#: Frames kept after they are drawn: the last ones shown and those drawn ahead.
KEPT_FRAMES = 8
#: A simulation whose redraw took longer than this (in seconds) is not drawn ahead.
AHEAD_LIMIT_S = 0.05
#: How long a reply is left alone before frames are drawn ahead: the app paints it meanwhile.
AHEAD_DELAY_S = 0.025
#: What a simulation that cannot run raises: its reply is an ``error``.
ERRORS = (ValueError, ArithmeticError, KeyError, TypeError, OSError)


def write_message(stream: IO[bytes], message: dict[str, Any]) -> None:
    """Send one message: its length, then its pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next message, or None when the stream has ended; ``ValueError`` for one that is not a message."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        return None
    try:
        message = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError) as error:
        raise ValueError(f"bad request: {error}") from error
    if not isinstance(message, dict):
        raise ValueError(f"bad request: a {type(message).__name__}, not a dict")
    return message


def answers(request: dict[str, Any]) -> dict[str, Any]:
    """The labelled answer rows of one run."""
    from sim.registry import answers_of

    keys = [str(key) for key in request.get("keys") or ()]
    rows = answers_of(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)), keys)
    return {"rows": [tuple(row) for row in rows]}


def numbers(request: dict[str, Any]) -> dict[str, Any]:
    """The raw answers of one run with their labels and the resolved parameters (for predictions)."""
    from sim.registry import run, spec

    result = run(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)))
    return {"params": result.params, "answers": result.answers, "labels": dict(spec(result.sim).answers)}


def warm(request: dict[str, Any]) -> dict[str, Any]:
    """Import the simulations and the plotting, ahead of the first frame."""
    for module in ("sim.registry", "sim.plotting"):
        importlib.import_module(module)
    return {}


def save(request: dict[str, Any]) -> dict[str, Any]:
    """Save the run's figure to each of ``paths``."""
    from sim.plotting import save as save_figure
    from sim.registry import run

    result = run(str(request["sim"]), request.get("params") or {}, int(request.get("seed", 0)))
    return {"paths": [save_figure(result, path) for path in request["paths"]]}


class Frames:
    """Draws frames, keeping the last few renderers (by simulation, size and style) to redraw in place, and
    the last few frames (with those drawn ahead) to answer again without drawing."""

    def __init__(self) -> None:
        self._renderers: OrderedDict[tuple[Any, ...], Renderer] = OrderedDict()
        self._frames: OrderedDict[bytes, dict[str, Any]] = OrderedDict()
        #: How long the last redraw took (on a kept renderer: a new one draws slower), in seconds.
        self.redraw_seconds = 0.0

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        key = frame_key(request)
        frame = self._frames.pop(key, None)
        if frame is None:
            frame = self._draw(request)
        self._keep(key, frame)
        return frame

    def ahead(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """The frames ``request`` lists ``ahead`` that are not drawn yet (none after a slow redraw)."""
        if self.redraw_seconds > AHEAD_LIMIT_S:
            return []
        later = [{**request, "params": params} for params in request.get("ahead") or ()]
        return [frame for frame in later if frame_key(frame) not in self._frames]

    def draw_ahead(self, request: dict[str, Any]) -> None:
        """Draw the frame of ``request`` and keep it (a run that fails is not kept: asked for, it fails)."""
        try:
            frame = self._draw(request)
        except ERRORS:
            return
        self._keep(frame_key(request), {**frame, "drawn_ahead": True})

    def _keep(self, key: bytes, frame: dict[str, Any]) -> None:
        self._frames[key] = frame
        while len(self._frames) > KEPT_FRAMES:
            self._frames.popitem(last=False)

    def _draw(self, request: dict[str, Any]) -> dict[str, Any]:
        from sim.registry import run
        from sim.spec import Result

        started = time.perf_counter()
        name = str(request["sim"])
        result = run(name, request.get("params") or {}, int(request.get("seed", 0)))
        width, height = int(request["width"]), int(request["height"])
        if not (0 < width <= 10_000 and 0 < height <= 10_000):
            raise ValueError(f"a plot of {width} x {height} pixels cannot be drawn")
        renderer, kept = self._renderer(name, width, height, request)
        pixels = downsample(renderer.render(result), width, height)
        if kept:
            self.redraw_seconds = time.perf_counter() - started
        texts = renderer.texts if renderer.cells is not None else []
        answered = Result(result.sim, result.params, result.answers)
        return {"result": answered, "rgba": pixels, "texts": texts, "legend": renderer.legend}

    def _renderer(self, name: str, width: int, height: int, request: dict[str, Any]) -> tuple[Renderer, bool]:
        """The renderer for a frame, and whether it was kept from an earlier frame."""
        from sim.plotting import Renderer

        cells = (OVERSAMPLE, 2 * OVERSAMPLE) if request.get("cells") else None
        dark, monochrome = bool(request.get("dark", True)), bool(request.get("monochrome", False))
        key = (name, width, height, cells, dark, monochrome)
        renderer = self._renderers.pop(key, None)
        kept = renderer is not None
        if renderer is None:
            renderer = Renderer(
                width * OVERSAMPLE, height * OVERSAMPLE, dark=dark, cells=cells, monochrome=monochrome
            )
        self._renderers[key] = renderer
        while len(self._renderers) > KEPT_RENDERERS:
            self._renderers.popitem(last=False)
        return renderer, kept


def frame_key(request: dict[str, Any]) -> bytes:
    """Everything a frame is drawn from, as bytes: equal for requests that draw the same frame."""
    params = sorted((request.get("params") or {}).items())
    fields = ("sim", "seed", "width", "height", "cells", "dark", "monochrome")
    return pickle.dumps((params, *(request.get(field) for field in fields)))


def downsample(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize an RGBA array to ``width`` x ``height`` with a box filter (Pillow)."""
    import numpy as np
    from PIL import Image

    if rgba.shape[1] == width and rgba.shape[0] == height:
        return rgba
    return np.asarray(Image.fromarray(rgba).resize((width, height), Image.Resampling.BOX))


class Worker:
    """Answers requests by their ``op``."""

    def __init__(self) -> None:
        self.frames = Frames()
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "answers": answers,
            "numbers": numbers,
            "frame": self.frames,
            "ahead": lambda request: {},
            "save": save,
            "warm": warm,
        }

    def reply(self, request: dict[str, Any]) -> dict[str, Any]:
        """The reply to one request; a simulation that cannot run is an ``error`` reply, not a crash."""
        operation = self.operations.get(str(request.get("op", "answers")))
        if operation is None:
            return {"id": request.get("id"), "error": f"unknown operation {request.get('op')!r}"}
        try:
            return {"id": request.get("id"), **operation(request)}
        except ERRORS as error:
            return {"id": request.get("id"), "error": str(error)}

    def ahead(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """The frames a ``frame`` or ``ahead`` request lists ``ahead`` that are not drawn yet."""
        return self.frames.ahead(request) if request.get("op") in ("frame", "ahead") else []

    def draw_ahead(self, frames: list[dict[str, Any]], waiting: Callable[[], bool]) -> None:
        """Draw ``frames`` (from ``ahead``) in turn, until a request is ``waiting``."""
        for frame in frames:
            if waiting():
                return
            self.frames.draw_ahead(frame)


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request, answered in this process (a ``frame`` is drawn on a new renderer)."""
    return Worker().reply(request)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """Answer every request until the input ends; between requests, draw ahead what the last one lists."""
    worker = Worker()
    incoming: Requests = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(requests, incoming), daemon=True).start()
    request = incoming.get()
    while request is not None:
        if isinstance(request, ValueError):
            write_message(replies, {"id": None, "error": str(request)})
            request = incoming.get()
            continue
        write_message(replies, worker.reply(request))
        request = _next_request(worker, request, incoming)


def _next_request(
    worker: Worker, answered: dict[str, Any], incoming: Requests
) -> dict[str, Any] | ValueError | None:
    """The request after ``answered``. When ``answered`` lists frames to draw ahead, and none comes within
    ``AHEAD_DELAY_S`` (the app paints the frame just sent meanwhile, on the other core), they are drawn
    first, until one comes."""
    later = worker.ahead(answered)
    if later:
        try:
            return incoming.get(timeout=AHEAD_DELAY_S)
        except queue.Empty:
            worker.draw_ahead(later, waiting=lambda: not incoming.empty())
    return incoming.get()


def _read_requests(requests: IO[bytes], incoming: Requests) -> None:
    """Put each request read (or the error of one that is not one) on ``incoming``; ``None`` at the end,
    also when reading fails (the worker then ends, and the app starts another)."""
    try:
        while (request := _next_read(requests)) is not None:
            incoming.put(request)
    finally:
        incoming.put(None)


def _next_read(requests: IO[bytes]) -> dict[str, Any] | ValueError | None:
    """The next request, the error of a message that is not one, or ``None`` at the end."""
    try:
        return read_message(requests)
    except ValueError as error:
        return error


def main() -> None:
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a library prints must not mix with the replies
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
