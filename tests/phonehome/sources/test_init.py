from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from phonehome.classifiers.model import Exchange

from phonehome.sources import Skipped, SourceError, estimate_entries, open_source

# Real exports from mitmproxy's test data, kept in the repository (tests/data/har-clients/README.md).
HAR_DIR = Path(__file__).resolve().parents[2] / "data" / "har-clients"

ENTRY = {
    "startedDateTime": "2024-01-02T03:04:05Z",
    "request": {"method": "GET", "url": "https://example.com/", "headers": []},
    "response": {"status": 200, "headers": [], "bodySize": 0},
}


def shared(name: str) -> Path:
    return HAR_DIR / name


def source_error(path: Path | str) -> str:
    """open_source must fail at call time, before anything is iterated."""
    with pytest.raises(SourceError) as info:
        open_source(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


def test_bom_and_leading_whitespace_still_sniff_as_har(tmp_path: Path) -> None:
    path = tmp_path / "spaced.har"
    path.write_bytes(b"\xef\xbb\xbf \r\n\t" + json.dumps({"log": {"entries": [ENTRY]}}).encode())
    (ex,) = list(open_source(path))
    assert isinstance(ex, Exchange)
    assert (ex.method, ex.url, ex.status) == ("GET", "https://example.com/", 200)


def test_accepts_str_and_pathlike(tmp_path: Path) -> None:
    path = tmp_path / "a.har"
    path.write_text(json.dumps({"log": {"entries": [ENTRY, ENTRY]}}))
    assert len(list(open_source(str(path)))) == len(list(open_source(path))) == 2


def test_corrupted_shared_file() -> None:
    reason = source_error(shared("corrupted_har-brokenfile.har"))
    assert reason == (
        "not a HAR file or mitmproxy flow dump (invalid JSON at byte 22: Expecting ',' delimiter)"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert source_error(tmp_path / "nope.har") == "no such file"
    assert source_error(tmp_path) == "is a directory, not a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.har"
    path.write_text("{}")
    path.chmod(0)
    assert source_error(path) == "permission denied"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"  \n\t\r\n"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.har"
    path.write_bytes(content)
    assert source_error(path) == "empty file"


def test_binary_file_is_neither_format(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    assert source_error(path) == "not a HAR file or mitmproxy flow dump (invalid data format)"


def test_json_array_is_not_har(tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text(json.dumps([{"log": {"entries": [ENTRY]}}]))
    assert source_error(path) == "is JSON but not HAR (no log.entries)"


def test_invalid_utf8_before_the_entries_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "latin1.har"
    entry = b'{"startedDateTime": "2026-01-01T00:00:00Z", "request": {"method": "GET", "url": "https://a.example/"}}'
    path.write_bytes(b'{"log": {"creator": {"name": "caf\xe9"}, "entries": [' + entry + b"]}}")
    assert [i.url for i in open_source(path) if isinstance(i, Exchange)] == ["https://a.example/"]


def test_error_is_raised_at_call_time_not_on_first_next(tmp_path: Path) -> None:
    path = tmp_path / "bad.har"
    path.write_text('{"log": nope}')
    # No list()/next(): calling is enough.
    with pytest.raises(SourceError, match=r"invalid JSON at byte 8"):
        open_source(path)


def test_skipped_is_a_frozen_value() -> None:
    skip = Skipped(3, "entry 3: request.url missing")
    assert skip == Skipped(3, "entry 3: request.url missing")
    with pytest.raises(dataclasses.FrozenInstanceError):
        skip.index = 4  # type: ignore[misc]


def test_estimate_entries(tmp_path: Path) -> None:
    assert estimate_entries(shared("har_files-safari.har")) == 20  # 19 entries + 1 page
    assert estimate_entries(shared("har_files-with-bom.har")) == 1
    # Put the first needle across the 1 MiB read boundary: it must be counted exactly once.
    head = b'{"log": {"version": "'
    tail = b'", "entries": [' + json.dumps([ENTRY] * 3).encode()[1:] + b"}}"
    pad = (1 << 20) - 5 - len(head) - tail.index(b'"startedDateTime"')
    big = tmp_path / "big.har"
    big.write_bytes(head + b"x" * pad + tail)
    assert big.read_bytes().index(b'"startedDateTime"') == (1 << 20) - 5
    assert estimate_entries(big) == 3
    assert len(list(open_source(big))) == 3
    assert estimate_entries(tmp_path / "missing.har") is None
    dump = tmp_path / "flows.mitm"
    dump.write_bytes(b"5:hello,")
    assert estimate_entries(dump) is None
