"""Writing Exchanges back out as HAR, entry by entry.

Used where flows must not be lost: when the database stops accepting writes, the flows still
queued go to a HAR file next to it, which `phonehome replay` imports later.  The file is valid HAR
once closed; if the process dies first, the importer still reads every entry before the cut.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl

from phonehome.classifiers.model import Exchange, split_url

# Python will not write integers of more than 4300 digits as text; no real status or size is one.
_MAX_BITS = 13_000

_HEAD = '{"log":{"version":"1.2","creator":{"name":"phonehome","version":"0.1"},"pages":[],"entries":[\n'
_TAIL = "\n]}}\n"


def _number(value: int | None) -> int:
    """The value, unless it is missing or too long to write (then 0, as HAR writes "unknown")."""
    if value is None or value.bit_length() > _MAX_BITS:
        return 0
    return value


def har_entry(ex: Exchange) -> dict[str, Any]:
    headers = [{"name": k, "value": v} for k, v in ex.request_headers]
    entry: dict[str, Any] = {
        "startedDateTime": ex.time.isoformat(),
        "time": 0,
        "request": {
            "method": ex.method,
            "url": ex.url,
            "httpVersion": ex.http_version,
            "headers": headers,
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(split_url(ex.url).query)],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(ex.request_body),
        },
        "response": {
            "status": _number(ex.status),
            "statusText": "",
            "httpVersion": ex.http_version,
            "headers": [{"name": k, "value": v} for k, v in ex.response_headers],
            "cookies": [],
            "content": {"size": _number(ex.response_bytes), "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": _number(ex.response_bytes),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    if ex.request_body:
        mime = ex.header("content-type") or ""
        try:
            entry["request"]["postData"] = {"mimeType": mime, "text": ex.request_body.decode("utf-8")}
        except UnicodeDecodeError:
            text = base64.b64encode(ex.request_body).decode()
            entry["request"]["postData"] = {"mimeType": mime, "text": text, "encoding": "base64"}
    if ex.server_ip:
        entry["serverIPAddress"] = ex.server_ip
    if ex.client_address:
        entry["_clientAddress"] = ex.client_address
    if ex.error:
        entry["_error"] = ex.error
    return entry


class HarSpill:
    """A HAR file that grows one entry at a time; created 0600 on the first entry (personal data)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.count = 0
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    def write(self, ex: Exchange) -> None:
        with self._lock:
            if self._file is None:
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
                self._file = os.fdopen(fd, "w", encoding="utf-8")
                self._file.write(_HEAD)
            elif self.count:
                self._file.write(",\n")
            # ASCII: a lone surrogate or NUL (which a hostile client can send) is written as an
            # escape that the importer reads back, never as bytes that would break the file.
            self._file.write(json.dumps(har_entry(ex), ensure_ascii=True))
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.write(_TAIL)
                self._file.close()
                self._file = None
