"""An export file's top level read without holding its review list: the list's items are read from the
file one at a time, each time it is iterated (``ijson``, a streaming JSON parser).

The whole-text reader (``studyapp.export_reader.parse_export``) parses the file at once; an export of a
million reviews then takes gigabytes of Python objects. Here the other top-level values are built as
``json`` builds them and the ``reviews`` list becomes a ``StreamedList``. The checks that follow are the
same. ``streamed_document`` gives ``None`` when the file cannot be read this way exactly as ``json``
reads it, and the whole-text reader then reads it and names its problem:

- a file that is not a regular file, or starts with a byte order mark;
- an escape of a UTF-16 surrogate anywhere (``ijson`` would turn a lone one into ``?``, where the
  whole-text reader refuses it by its place);
- JSON that ``ijson`` does not take: a syntax error, ``NaN``, a number beyond 64 bits or a float's range;
- a top level that is not an object, a field given twice, a ``reviews`` that is not a list, or lists and
  objects nested deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The top-level list read from the file one item at a time.
STREAMED = "reviews"
#: Deeper nesting is left to the whole-text reader, which refuses a file nested too deeply to read.
MAX_DEPTH = 64
_BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_CHUNK = 1 << 20
#: What ``_value`` gives for a value nested past ``MAX_DEPTH``, and ``next``'s default at the end.
_TOO_DEEP = object()
_END = ("", "", None)
#: How an event changes the nesting depth.
_DEPTH_STEP = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
#: Events that do not start a value.
_NOT_A_VALUE = ("map_key", "end_map", "end_array")


class ChangedWhileRead(Exception):
    """The file no longer holds the items it held when its top level was read."""


class StreamedList:
    """A top-level list of an export file, read one item at a time each time it is iterated (as
    ``json`` reads them); its length was counted when the top level was read."""

    def __init__(self, path: Path, name: str, count: int) -> None:
        self.path, self.name, self.count = path, name, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        import ijson  # (imported only when a file is streamed: it costs start-up time elsewhere)

        read = 0
        try:
            with self.path.open("rb") as file:
                for item in ijson.items(file, f"{self.name}.item", use_float=True):
                    read += 1
                    yield item
        except (OSError, ValueError, ijson.JSONError) as error:  # gone, cut or rewritten meanwhile
            raise ChangedWhileRead(self.path) from error
        if read != self.count:
            raise ChangedWhileRead(self.path)


def streamed_document(path: Path) -> dict[str, Any] | None:
    """The top-level object of the export at ``path`` with its ``reviews`` as a ``StreamedList``, or
    ``None`` when it is to be read whole (see the module's docstring)."""
    import ijson

    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or _has_surrogate_escape(path):
            return None
        with path.open("rb") as file:
            if file.read(len(_BOM)) == _BOM:
                return None
            file.seek(0)
            return _top_level(path, ijson.parse(file, use_float=True))
    except (OSError, ValueError, ijson.JSONError):  # (a decoding error is a ValueError)
        return None


def _has_surrogate_escape(path: Path) -> bool:
    """Whether the file holds ``\\ud800``-``\\udfff`` anywhere (read a megabyte at a time)."""
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            if _SURROGATE_ESCAPE.search(tail + chunk):
                return True
            tail = chunk[-5:]
    return False


def _top_level(path: Path, events: Iterator[tuple[str, str, Any]]) -> dict[str, Any] | None:
    if next(events, _END)[1] != "start_map":
        return None
    data: dict[str, Any] = {}
    for prefix, event, key in events:
        if event == "end_map" and prefix == "":
            break
        if key in data:
            return None
        if key == STREAMED:
            count = _count_items(events, key)
            if count is None:
                return None
            data[key] = StreamedList(path, key, count)
        else:
            value = _value(events)
            if value is _TOO_DEEP:
                return None
            data[key] = value
    for _event in events:  # anything after the top level is a syntax error (raised here)
        return None
    return data


def _value(events: Iterator[tuple[str, str, Any]]) -> Any:
    """The next value of ``events``, built as ``json`` builds it (``_TOO_DEEP`` past ``MAX_DEPTH``)."""
    from ijson import ObjectBuilder

    builder, depth = ObjectBuilder(), 0
    for _prefix, event, value in events:
        builder.event(event, value)
        depth += _DEPTH_STEP.get(event, 0)
        if depth > MAX_DEPTH:
            return _TOO_DEEP
        if depth == 0:
            return builder.value
    raise ValueError("the document ended inside a value")


def _count_items(events: Iterator[tuple[str, str, Any]], name: str) -> int | None:
    """How many items the list ``name`` that starts next has (``None`` if it is not a list or nests past
    ``MAX_DEPTH``); its items are parsed, not built."""
    if next(events, _END)[1] != "start_array":
        return None
    count, depth, item = 0, 1, f"{name}.item"
    for prefix, event, _value in events:
        depth += _DEPTH_STEP.get(event, 0)
        if depth > MAX_DEPTH:
            return None
        if depth == 0:
            return count
        if prefix == item and event not in _NOT_A_VALUE:
            count += 1
    raise ValueError("the document ended inside a list")
