"""The little of protobuf's wire format that Anki's newer files need: varints and length-delimited fields.

Anki stores a note type's kind, a template's question and answer formats, a package's version and
its media list as protobuf messages. Reading them needs no schema: each field is a number, a wire
type and a value, and unknown fields are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """The bytes are not a protobuf message."""


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    """The varint at ``offset`` and the offset after it."""
    value, shift = 0, 0
    while True:
        if offset >= len(data) or shift > 63:
            raise ProtobufError("a number runs past the end of the message")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Each field of a message as ``(number, value)``: an int for numbers, bytes for length-delimited."""
    offset = 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value, offset = read_varint(data, offset)
        elif wire == LENGTH:
            size, offset = read_varint(data, offset)
            if offset + size > len(data):
                raise ProtobufError("a field runs past the end of the message")
            value, offset = data[offset : offset + size], offset + size
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if offset + size > len(data):
                raise ProtobufError("a field runs past the end of the message")
            value, offset = int.from_bytes(data[offset : offset + size], "little"), offset + size
        else:
            raise ProtobufError(f"unknown wire type {wire}")
        yield number, value


def first_int(data: bytes, number: int, default: int = 0) -> int:
    """The integer field ``number`` of a message (``default`` when absent)."""
    for field, value in fields(data):
        if field == number and isinstance(value, int):
            return value
    return default


def first_text(data: bytes, number: int) -> str:
    """The text field ``number`` of a message (empty when absent)."""
    for field, value in fields(data):
        if field == number and isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
    return ""


def messages(data: bytes, number: int) -> list[bytes]:
    """Every embedded message of the repeated field ``number``."""
    return [value for field, value in fields(data) if field == number and isinstance(value, bytes)]
