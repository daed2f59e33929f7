"""Small builders shared by the classifier tests: a Field, an Exchange, and a finding's essentials."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from phonehome.classifiers.model import Exchange, Field, Finding, Hash, Headers, Kind, Source, Where

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOST = "api.example-sdk.com"


def fld(
    key: str,
    value: str,
    where: Where = Where.BODY,
    *,
    siblings: Mapping[str, str] | None = None,
    host: str = HOST,
    path: str | None = None,
    encodings: tuple[str, ...] = (),
) -> Field:
    """A Field as the decoder would make it: `key` lower-cased, `path` defaulting to the key."""
    return Field(where, key if path is None else path, key.lower(), value, encodings, host, siblings)


def exchange(
    url: str = f"https://{HOST}/",
    headers: Headers = (),
    body: bytes = b"",
    method: str = "POST",
    server_ip: str | None = None,
) -> Exchange:
    return Exchange(
        time=T0, method=method, url=url, request_headers=headers, request_body=body, server_ip=server_ip
    )


def essentials(findings: list[Finding]) -> list[tuple[Kind, str, Source, Hash | None]]:
    """What a positive table row pins down: kind, normalised value, source and digest."""
    return [(f.kind, f.value, f.source, f.hashed) for f in findings]
