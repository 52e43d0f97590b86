"""Remembering expensive results by everything they depend on.

A live simulation recomputes on every parameter change, and a learner often steps a value and back, or
changes a value only part of the computation depends on. Training runs (``sim.training``,
``sim.simulations.batching``) are remembered here by a digest of their exact inputs (array bytes,
shapes and types, and every other argument), so an input that is the same to the last bit gets the same
result back, and any other input computes afresh. Results are shared, so their arrays are read-only.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

T = TypeVar("T")


def digest(*parts: object) -> bytes:
    """A digest of ``parts``: arrays by their type, shape and bytes, anything else by its ``repr``.

    Sequences of arrays (a network's weights) are taken element by element.
    """
    found = hashlib.blake2b(digest_size=20)
    for part in parts:
        _feed(found, part)
    return found.digest()


def _feed(found: hashlib.blake2b, part: object) -> None:
    if isinstance(part, np.ndarray):
        array = np.ascontiguousarray(part)
        found.update(f"array {array.dtype.str} {array.shape}".encode())
        found.update(array.tobytes())
    elif isinstance(part, list | tuple) and any(isinstance(item, np.ndarray | list | tuple) for item in part):
        found.update(f"sequence {len(part)}".encode())
        for item in part:
            _feed(found, item)
    else:
        found.update(repr(part).encode())
    found.update(b"\x00")


class Memo(Generic[T]):
    """The last ``size`` results, by key; the least recently used is forgotten first. Thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        _MEMOS.add(self)

    def get(self, key: Hashable) -> T | None:
        """The result remembered for ``key``, or None."""
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def put(self, key: Hashable, result: T) -> T:
        """Remember ``result`` for ``key``; returns it."""
        with self._lock:
            self._results[key] = result
            self._results.move_to_end(key)
            while len(self._results) > self.size:
                self._results.popitem(last=False)
            return result

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The result for ``key``, made by ``make()`` the first time."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        """Forget every result."""
        with self._lock:
            self._results.clear()


#: Every memo, for ``forget_all``.
_MEMOS: weakref.WeakSet[Memo[Any]] = weakref.WeakSet()


def forget_all() -> None:
    """Forget every remembered result (to time a first run, as a benchmark does)."""
    for found in list(_MEMOS):
        found.clear()


def read_only(*arrays: np.ndarray) -> None:
    """Make ``arrays`` read-only, as results that are shared must be."""
    for array in arrays:
        array.flags.writeable = False
