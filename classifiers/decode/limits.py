"""The bounds on decoding one exchange, what decoding returns, and the signal that a bound was hit."""

from __future__ import annotations

from dataclasses import dataclass, field

from phonehome.classifiers.model import Field


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 10
    max_fields: int = 5000
    max_decompressed: int = 8 * 1024 * 1024
    max_value_chars: int = 64 * 1024
    time_budget: float = 0.5  # seconds per exchange


@dataclass(slots=True)
class Decoded:
    fields: list[Field] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class LimitHit(Exception):
    pass
