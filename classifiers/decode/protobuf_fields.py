"""Protobuf messages and gRPC frames turned into fields, named by their field numbers."""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING

from phonehome.classifiers.decode.compression import inflate
from phonehome.classifiers.decode.paths import last_key
from phonehome.classifiers.decode.protobuf import (
    I32,
    I64,
    PbField,
    Truncated,
    grpc_frames,
    parse_message,
)
from phonehome.classifiers.model import Where

if TYPE_CHECKING:
    from phonehome.classifiers.decode.walker import Walker


def walk_grpc(walker: Walker, where: Where, path: str, raw: bytes, enc: tuple[str, ...], depth: int) -> bool:
    max_frames = walker.limits.max_parts
    frames = grpc_frames(raw, max_frames)
    if frames is None:
        return False
    if len(frames) == max_frames and sum(5 + len(p) for _, p in frames) < len(raw):
        at = f"{where.value}{':' + path if path else ''}"
        walker.note(f"limit: gRPC at {at} stopped after {max_frames} messages, rest not decoded")
    for i, (compressed, payload) in enumerate(frames):
        walker.check_time()
        layers = enc + ("grpc",)
        if compressed:
            inflated = inflate(walker, payload, "gzip", path)
            if inflated is None:
                continue
            payload, layers = inflated, layers + ("gzip",)
        sub = f"{path}[{i}]" if len(frames) > 1 else path
        if not walk_protobuf(walker, where, sub, payload, layers + ("protobuf",), depth + 1):
            walker.bytes_value(where, sub, last_key(path), payload, layers, depth + 1)
    return True


def walk_protobuf(
    walker: Walker, where: Where, path: str, raw: bytes, enc: tuple[str, ...], depth: int
) -> bool:
    """Schema-less protobuf: fields named by their numbers, `1.19` for field 19 inside field 1."""
    budget = walker.limits.max_fields - len(walker.out.fields)
    try:
        message = parse_message(
            raw,
            max_depth=max(1, walker.limits.max_depth - depth),
            max_fields=max(1, budget),
            deadline=walker.deadline,
        )
    except Truncated as cut:
        message = cut.fields
        walker.note(f"limit: protobuf at {path or 'body'} cut short ({cut.reason})")
    if not message:
        return False
    _walk_message(walker, where, path, message, enc, depth)
    return True


def _walk_message(
    walker: Walker, where: Where, path: str, message: list[PbField], enc: tuple[str, ...], depth: int
) -> None:
    # Siblings by field number, so adapters can read key-value pairs (`1` = name, `2` = value).
    siblings = {str(f.number): (f.value if isinstance(f.value, str) else _number(f.value, f.wire))
                for f in message if isinstance(f.value, str | int)}  # fmt: skip
    repeated: dict[str, list[str]] = {}
    for f in message:
        key = str(f.number)
        sub = f"{path}.{key}" if path else key
        value = f.value
        if isinstance(value, list):
            _walk_message(walker, where, sub, value, enc, depth + 1)
        elif isinstance(value, str):
            repeated.setdefault(sub, []).append(value)
            walker.expand(where, sub, key, value, enc, depth + 1, siblings)
        elif isinstance(value, bytes):
            walker.bytes_value(where, sub, key, value, enc, depth + 1, require_text=True)
        else:
            walker.emit(where, sub, key, _number(value, f.wire), enc, siblings)
    for sub, values in repeated.items():
        if len(values) >= 2:
            # A repeated string field is a list (of packages, networks...): offer it joined too.
            walker.emit(where, sub, sub.rsplit(".", 1)[-1], ",".join(values), enc + ("list",))


def _number(value: int, wire: int) -> str:
    """Varints as integers; fixed-width fields as the double or float they usually are, if plausible."""
    if wire == I64:
        as_float = struct.unpack("<d", value.to_bytes(8, "little"))[0]
    elif wire == I32:
        as_float = struct.unpack("<f", value.to_bytes(4, "little"))[0]
    else:
        return str(value)
    if math.isfinite(as_float) and 1e-6 < abs(as_float) < 1e9:
        return repr(round(as_float, 7)) if wire == I64 else repr(round(as_float, 5))
    return str(value)
