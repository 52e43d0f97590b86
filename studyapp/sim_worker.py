"""A worker process that runs and draws simulations for the app, on the other core.

Running a simulation and drawing its plot holds Python's GIL for tens of milliseconds (hundreds the first
time, importing numpy and matplotlib); in the app's own process that would stall its keys and its painting.

Requests and replies are dicts, each sent as a 4-byte big-endian length and a pickle (both ends are this
app: the app starts this process and reads only its replies). A request names its ``op``:

- ``answers``: ``{"sim", "params", "seed"?, "keys"?}`` -> ``{"rows": [(label, value), ...]}``, the labelled
  answers (``keys`` picks answers and their order);
- ``numbers``: the run's raw ``answers``, their ``labels`` and its resolved ``params`` (what a prediction is
  graded against);
- ``frame``: ``{"sim", "params", "seed", "width", "height", "cells", "dark", "monochrome"}`` -> the run's
  ``result`` (its parameters and answers: the plot's data stays here), its plot as ``rgba`` pixels of
  ``width`` x ``height``, its ``legend``, and with ``cells`` (text drawn as characters, not pixels) the
  plot's ``texts`` placed on the terminal's cell grid;
- ``save``: ``{"sim", "params", "seed", "paths"}`` -> ``{"paths": [...]}``, the run's figure saved to each
  path (PNG, SVG or PDF by its suffix);
- ``warm``: imports what drawing needs, so the first frame comes sooner.

Every reply carries the request's ``id``; a request that cannot be answered gets ``{"error": "..."}``.
Run with ``python -m studyapp.sim_worker``; it ends when its input closes.
"""

from __future__ import annotations

import importlib
import pickle
import struct
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from sim.plotting import Renderer

HEADER = struct.Struct("!I")
#: The plot is drawn at this multiple of the size asked for, then downsampled (a box filter): smooth edges.
OVERSAMPLE = 2
#: Renderers kept between frames (each keeps its figure, axes and artists to redraw in place).
KEPT_RENDERERS = 4


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
    """Draws frames, keeping the last few renderers (by simulation, size and style) to redraw in place."""

    def __init__(self) -> None:
        self._renderers: OrderedDict[tuple[Any, ...], Renderer] = OrderedDict()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        from sim.registry import run
        from sim.spec import Result

        name = str(request["sim"])
        result = run(name, request.get("params") or {}, int(request.get("seed", 0)))
        width, height = int(request["width"]), int(request["height"])
        if not (0 < width <= 10_000 and 0 < height <= 10_000):
            raise ValueError(f"a plot of {width} x {height} pixels cannot be drawn")
        renderer = self._renderer(name, width, height, request)
        pixels = downsample(renderer.render(result), width, height)
        texts = renderer.texts if renderer.cells is not None else []
        answered = Result(result.sim, result.params, result.answers)
        return {"result": answered, "rgba": pixels, "texts": texts, "legend": renderer.legend}

    def _renderer(self, name: str, width: int, height: int, request: dict[str, Any]) -> Renderer:
        from sim.plotting import Renderer

        cells = (OVERSAMPLE, 2 * OVERSAMPLE) if request.get("cells") else None
        dark, monochrome = bool(request.get("dark", True)), bool(request.get("monochrome", False))
        key = (name, width, height, cells, dark, monochrome)
        renderer = self._renderers.pop(key, None)
        if renderer is None:
            renderer = Renderer(
                width * OVERSAMPLE, height * OVERSAMPLE, dark=dark, cells=cells, monochrome=monochrome
            )
        self._renderers[key] = renderer
        while len(self._renderers) > KEPT_RENDERERS:
            self._renderers.popitem(last=False)
        return renderer


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
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "answers": answers,
            "numbers": numbers,
            "frame": Frames(),
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
        except (ValueError, ArithmeticError, KeyError, TypeError, OSError) as error:
            return {"id": request.get("id"), "error": str(error)}


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request, answered in this process (a ``frame`` is drawn on a new renderer)."""
    return Worker().reply(request)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """Answer every request until the input ends."""
    worker = Worker()
    while True:
        try:
            request = read_message(requests)
        except ValueError as error:
            write_message(replies, {"id": None, "error": str(error)})
            continue
        if request is None:
            return
        write_message(replies, worker.reply(request))


def main() -> None:
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a library prints must not mix with the replies
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
