"""A schema-less protobuf wire-format reader, for the decoder to call on bodies and bytes fields.

Without a schema a length-delimited value may be a nested message, a string or raw bytes; it is read
as the first that fits: a message that parses cleanly (unless the bytes are printable ASCII text,
which is far more often a string), then printable UTF-8 text, then bytes, which are kept so the
caller can still try base64, gzip and the rest.

Hostile input never raises.  Work is linear: each byte is read by one message level only (a wrong
guess at a nested message is not read again), plus a C-speed text check per level.  When a limit is
hit, `parse_message` raises `Truncated`, carrying everything parsed so far; a `deadline`
(`time.monotonic()`) is one of those limits, checked every few thousand fields.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

VARINT, I64, LEN, I32 = 0, 1, 2, 5
_MAX_NUMBER = (1 << 29) - 1
_NOT_ASCII_TEXT = re.compile(rb"[^\t\n\r\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CHECK_EVERY = 4096  # fields read (kept or not) between two looks at the clock


class PbField(NamedTuple):
    number: int
    wire: int  # VARINT, I64, LEN or I32
    value: int | bytes | list[PbField] | str  # unsigned ints for VARINT/I64/I32; list = nested message


class Truncated(Exception):
    """A limit was hit.  `fields` holds what was parsed; `reason` is "fields", "time" or "depth".

    "fields": parsing stopped after `max_fields` fields (nested ones included), and the rest of
    the buffer was not read; "time": the same, at the deadline.  "depth": everything was read, but
    some values below `max_depth` that may be messages were left as bytes.
    """

    def __init__(self, fields: list[PbField], reason: str) -> None:
        super().__init__(f"protobuf: {reason} limit hit")
        self.fields = fields
        self.reason = reason


@dataclass(slots=True)
class _State:
    max_depth: int
    max_fields: int
    deadline: float = math.inf
    count: int = 0  # fields kept so far, at every level
    cut: str = ""  # the Truncated reason, if any
    steps: int = 0  # fields read, kept or not: the clock is read every _CHECK_EVERY of them
    late: bool = False  # the deadline passed: every level stops where it is


def parse_message(
    data: bytes, *, max_depth: int, max_fields: int, deadline: float = math.inf
) -> list[PbField] | None:
    """The fields of `data`, or None unless all of it is a well-formed message.

    The top-level message is depth 1.  Raises `Truncated` (never anything else) when a limit is hit.
    """
    state = _State(max_depth, max_fields, deadline)
    fields = _message(data, 0, len(data), 1, state)
    if fields is not None and state.cut:
        raise Truncated(fields, state.cut)
    return fields


def is_plausible_message(data: bytes, *, max_fields: int = 5000, deadline: float = math.inf) -> bool:
    """Whether a body with no content type is worth reading as protobuf: a clean parse that is not
    text and has two fields or more, or a nested message.  Only the first `max_fields` fields are
    read (they are evidence enough), and none after the deadline."""
    if not data or _is_text(data):
        return False
    try:
        fields = parse_message(data, max_depth=2, max_fields=max_fields, deadline=deadline)
    except Truncated as cut:
        fields = cut.fields
    if not fields:
        return False
    return len(fields) >= 2 or isinstance(fields[0].value, list)


def grpc_frames(data: bytes, max_frames: int | None = None) -> list[tuple[bool, bytes]] | None:
    """gRPC length-prefixed messages as (compressed, payload), or None unless they exactly cover `data`.

    With `max_frames`, reading stops after that many frames: what follows them is neither read nor
    checked (the caller sees the frames cover less than `data`)."""
    frames: list[tuple[bool, bytes]] = []
    pos, end = 0, len(data)
    while pos < end and (max_frames is None or len(frames) < max_frames):
        if end - pos < 5 or data[pos] > 1:
            return None
        start = pos + 5
        pos = start + int.from_bytes(data[pos + 1 : start], "big")
        if pos > end:
            return None
        frames.append((data[start - 5] == 1, data[start:pos]))
    return frames or None


def flatten(fields: list[PbField], prefix: str = "") -> Iterator[tuple[str, int | str | bytes, int]]:
    """Leaf values as (path, value, wire) in wire order; paths are dotted field numbers (`1.2.1`),
    so a repeated field yields the same path once per value."""
    stack = [(prefix, iter(fields))]
    while stack:
        base, it = stack[-1]
        for f in it:
            path = f"{base}.{f.number}" if base else str(f.number)
            if isinstance(f.value, list):
                stack.append((path, iter(f.value)))
                break
            yield path, f.value, f.wire
        else:
            stack.pop()


def _is_text(data: bytes) -> bool:
    try:
        return _CONTROL.search(data.decode("utf-8")) is None
    except UnicodeDecodeError:
        return False


def _varint(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """(value, next position); value -1 if truncated, over 10 bytes or over 64 bits."""
    result = shift = 0
    while pos < end and shift < 70:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (result, pos) if result >> 64 == 0 else (-1, pos)
        shift += 7
    return -1, pos


def _message(data: bytes, pos: int, end: int, depth: int, st: _State) -> list[PbField] | None:
    fields: list[PbField] = []
    while pos < end:
        if st.count >= st.max_fields:
            st.cut = "time" if st.late else "fields"
            return fields
        st.steps += 1
        if not st.steps % _CHECK_EVERY and time.monotonic() > st.deadline:
            st.late, st.max_fields = True, 0
            continue
        tag, pos = _varint(data, pos, end)
        number, wire = tag >> 3, tag & 7
        if not 0 < number <= _MAX_NUMBER:  # also rejects tag -1 (malformed)
            return None
        st.count += 1
        value: int | bytes | list[PbField] | str
        if wire == VARINT:
            value, pos = _varint(data, pos, end)
            if value < 0:
                return None
        elif wire == I64 or wire == I32:
            size = 8 if wire == I64 else 4
            if pos + size > end:
                return None
            value = int.from_bytes(data[pos : pos + size], "little")
            pos += size
        elif wire == LEN:
            size, pos = _varint(data, pos, end)
            if size < 0 or pos + size > end:
                return None
            value = _len_value(data, pos, pos + size, depth, st)
            pos += size
        else:  # 3 and 4 are groups (deprecated), 6 and 7 do not exist
            return None
        fields.append(PbField(number, wire, value))
    return fields


def _len_value(data: bytes, start: int, end: int, depth: int, st: _State) -> list[PbField] | str | bytes:
    if start == end:
        return ""
    ascii_text = _NOT_ASCII_TEXT.search(data, start, end) is None
    # Printable text is a string, except that a message whose first field is a string (tag 0x0A =
    # "\n") of 32..126 bytes is printable too; text rarely starts with "\n" and still parses.
    too_deep = False
    if not ascii_text or data[start] == 0x0A:
        too_deep = depth >= st.max_depth
        if not too_deep:
            before = st.count, st.cut
            try:
                inner = _message(data, start, end, depth + 1, st)
            except RecursionError:  # a max_depth beyond Python's stack
                inner, too_deep = None, True
            if inner:
                return inner
            if inner is None:  # not a message: forget what the attempt counted
                st.count, st.cut = before
    raw = data[start:end]
    if ascii_text:
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
        if not _CONTROL.search(text):
            return text
    except UnicodeDecodeError:
        pass
    if too_deep:  # these bytes may be a message we did not look into
        st.cut = st.cut or "depth"
    return raw
