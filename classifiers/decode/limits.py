"""The bounds on decoding one exchange, what decoding returns, and the signal that a bound was hit.

Captured traffic is hostile, so every bound is checked before the work it bounds: headers, parts,
pairs and JSON values are counted (cheaply, at C speed where possible) before anything is built
from them, and the time budget is checked between every step that can be long (docs/reliability.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from phonehome.classifiers.model import Field


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 10  # layers and nesting levels below a value
    max_fields: int = 5000  # fields per exchange; also the most pairs, cookies or path segments read
    max_decompressed: int = 8 * 1024 * 1024  # bytes inflated per exchange, all layers together
    max_value_chars: int = 64 * 1024  # a field's value is cut to this
    # A path (the keys down to a value) is cut to this before the fields under it are named: a key of
    # megabytes was copied into the path of every field below it (a 1 MB body peaked at 418 MB).
    max_path_chars: int = 4096
    time_budget: float = 0.5  # seconds per exchange
    max_parts: int = 1000  # multipart parts, gRPC messages and NDJSON lines read from one value
    max_headers: int = 1000  # request headers read
    max_body: int = 64 * 1024 * 1024  # bytes of one body or decoded value looked into
    max_json_items: int = 100_000  # values in one JSON document (estimated before it is parsed)
    max_notes: int = 50  # distinct notes kept; more are counted in one last note


@dataclass(slots=True)
class Decoded:
    fields: list[Field] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class LimitHit(Exception):
    pass
