"""HAR entries that each once lost a whole import, as raw bytes (some are not valid UTF-8 or JSON)."""

from __future__ import annotations

import json
from pathlib import Path

IMEI = "861234567890127"


def good(i: int) -> bytes:
    return json.dumps(
        {
            "startedDateTime": f"2026-11-20T08:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "request": {"method": "GET", "url": f"https://good.example.com/{i}?imei={IMEI}", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"size": 10}},
        }
    ).encode()


def _entry(url: str, **extra: object) -> str:
    doc: dict[str, object] = {
        "startedDateTime": "2026-11-20T09:00:00Z",
        "request": {"method": "GET", "url": url, "headers": []},
        "response": {"status": 200, "headers": []},
    }
    doc.update(extra)
    return json.dumps(doc)


# name -> (raw entry, whether its flow is imported)
POISONS: dict[str, tuple[bytes, bool]] = {
    "lone surrogate escape": (
        _entry("https://p.example.com/\\udc00").replace("\\\\udc00", "\\udc00").encode(),
        True,
    ),
    "surrogate in a header": (
        b'{"startedDateTime": "2026-11-20T09:00:00Z", "request": {"method": "GET", '
        b'"url": "https://p.example.com/h", "headers": [{"name": "X-A", "value": "\\ud800x\\u0000"}]}}',
        True,
    ),
    "invalid UTF-8": (
        _entry("https://p.example.com/u").encode().replace(b"/u", b"/\xff\xfe-u"),
        True,
    ),
    "integer of 100k digits": (
        _entry("https://p.example.com/d").encode().replace(b'"status": 200', b'"status": ' + b"9" * 100_000),
        True,
    ),
    "status 1e300": (
        _entry("https://p.example.com/s").encode().replace(b'"status": 200', b'"status": 1e300'),
        True,
    ),
    "huge status": (
        _entry("https://p.example.com/hs")
        .encode()
        .replace(b'"status": 200', b'"status": 99999999999999999999'),
        True,
    ),
    "size 1e19": (
        _entry("https://p.example.com/z", response={"status": 200, "headers": [], "bodySize": 1e19}).encode(),
        True,
    ),
    "NUL in URL": (_entry("https://p.example.com/n\u0000ul").encode(), True),
    "bad Host": (_entry("http://a]b/?imei=" + IMEI).encode(), True),
    "long host": (_entry("https://" + "h" * 300 + ".example.com/").encode(), True),
    "long method": (
        json.dumps({"request": {"method": "M" * 100, "url": "https://p.example.com/m"}}).encode(),
        True,
    ),
    "wrong types": (b'{"request": {"method": 5, "url": ["x"]}, "response": "none"}', False),
    "not an object": (b'"just a string"', False),
    "100k-deep nesting": (
        _entry("https://p.example.com/deep").encode()[:-1]
        + b', "_x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        False,
    ),
    "broken JSON": (b'{"request": {"method": "GET", "url": https://x}}', False),
}


def har_with(poisons: list[bytes], around: int = 100) -> bytes:
    """`around` good entries, the poisons, `around` more good entries."""
    entries = [good(i) for i in range(around)] + poisons + [good(around + i) for i in range(around)]
    return (
        b'{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [\n'
        + b",\n".join(entries)
        + b"\n]}}"
    )


def write(tmp: Path, name: str, poisons: list[bytes], around: int = 100) -> Path:
    path = tmp / name
    path.write_bytes(har_with(poisons, around))
    return path
