"""Replay sources: HAR files and mitmproxy flow dumps, read one entry at a time.

`open_source` checks the file before returning, so unusable input is reported as one line before
any work starts; after that, an entry that cannot be converted comes out as a `Skipped` and the
rest of the file is still read.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from phonehome.classifiers.model import Exchange

__all__ = ["Item", "SourceError", "Skipped", "estimate_entries", "open_source"]

BOM = b"\xef\xbb\xbf"
# A HAR wrapped as JSONP (`onInputData({...});`, HAR Viewer's and PhantomJS netsniff's form).
JSONP_OPENING = re.compile(rb"[ \t\r\n]*[A-Za-z_$][\w.$]{0,100}[ \t\r\n]*\([ \t\r\n]*(?=[{\[])")
GZIP_MAGIC = b"\x1f\x8b"
_JSON_WHITESPACE = b" \t\r\n"
_CHUNK = 1 << 20


class SourceError(Exception):
    """The file cannot be read at all. str(e) is one clear line naming the file."""


@dataclass(frozen=True, slots=True)
class Skipped:
    index: int  # entry index in the file (0-based), or -1 for file-level
    reason: str  # short, human, one line, e.g. "entry 3: request.url missing"


Item = Exchange | Skipped


def open_source(path: str | os.PathLike[str]) -> Iterator[Item]:
    """Check `path` now (raising SourceError) and return an iterator over its entries."""
    if _sniff(path) == "har":
        from phonehome.sources.har import read_har

        return read_har(path)
    # Imported here because importing mitmproxy costs about half a second, which HAR replay
    # should not pay.
    from phonehome.sources.mitm import read_dump

    return read_dump(path)


def open_binary(path: str | os.PathLike[str]) -> IO[bytes]:
    """The file's bytes, decompressed on the fly when it is gzip (`.har.gz`, from WebPageTest)."""
    f = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    try:
        magic = f.read(2)
        f.seek(0)
    except OSError:
        f.close()
        raise
    if magic == GZIP_MAGIC:
        return _Gunzip(f)  # type: ignore[return-value]
    return f


_GUNZIP_IN = 1 << 16
_GUNZIP_OUT = 1 << 20  # a bomb's expansion is taken a megabyte at a time, never at once


class _Gunzip(io.RawIOBase):
    """A gzip stream read incrementally: unlike `gzip.GzipFile`, a file cut short gives every byte
    before the cut, then EOFError; concatenated members are read one after another.  Not seekable."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._f.fileno()

    def close(self) -> None:
        self._f.close()
        super().close()

    def peek(self, n: int) -> bytes:
        while len(self._pending) < n and not self._done:
            self._pending += self._inflate()
        return self._pending[:n]

    def readinto(self, b: Any) -> int:
        """Short reads: what is already inflated, so nothing before a cut is ever lost."""
        while not self._pending:
            if self._done:
                return 0
            self._pending = self._inflate()
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _inflate(self) -> bytes:
        if self._d.unconsumed_tail:
            return self._d.decompress(self._d.unconsumed_tail, _GUNZIP_OUT)
        if self._d.eof:
            rest = self._d.unused_data + self._f.read(_GUNZIP_IN)
            if not rest.strip(b"\0"):
                self._done = True
                return b""
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the next member
            return self._d.decompress(rest, _GUNZIP_OUT)
        raw = self._f.read(_GUNZIP_IN)
        if not raw:
            self._done = True
            raise EOFError("the gzip file is cut short")
        return self._d.decompress(raw, _GUNZIP_OUT)


def estimate_entries(path: str | os.PathLike[str]) -> int | None:
    """A cheap guess of how many entries a HAR file has (pages count too); None if unknown."""
    needle = b'"startedDateTime"'
    try:
        with open_binary(path) as f:
            if _first_byte(f) not in (b"{", b"["):
                return None
        with open_binary(path) as f:
            count, tail = 0, b""
            while chunk := f.read(_CHUNK):
                data = tail + chunk
                count += data.count(needle)
                # Keep less than a whole needle so a match across chunks is counted exactly once.
                tail = data[-(len(needle) - 1) :]
            return count
    except (OSError, EOFError, zlib.error):
        return None


def display_name(path: str | os.PathLike[str]) -> str:
    return one_line(os.fspath(path))


def one_line(text: str, limit: int = 160) -> str:
    """Squash an arbitrary message (yajl's are multi-line) into a short single line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_error(path: str | os.PathLike[str], err: OSError) -> SourceError:
    name = display_name(path)
    if isinstance(err, FileNotFoundError):
        return SourceError(f"{name}: no such file")
    if isinstance(err, IsADirectoryError):
        return SourceError(f"{name}: is a directory, not a file")
    if isinstance(err, PermissionError):
        return SourceError(f"{name}: permission denied")
    return SourceError(f"{name}: cannot read ({one_line(err.strerror or str(err))})")


def _first_byte(f: IO[bytes]) -> bytes:
    """The first byte after an optional BOM and JSON whitespace; b"" if there is none."""
    head = f.read(len(BOM))
    if head != BOM:
        head = head.lstrip(_JSON_WHITESPACE)
        if head:
            return bytes(head[:1])
    while chunk := f.read(_CHUNK):
        chunk = chunk.lstrip(_JSON_WHITESPACE)
        if chunk:
            return bytes(chunk[:1])
    return b""


def _sniff(path: str | os.PathLike[str]) -> str:
    try:
        with open_binary(path) as f:
            first = _first_byte(f)
    except (EOFError, zlib.error) as e:
        raise SourceError(f"{display_name(path)}: damaged gzip file ({one_line(str(e), 80)})") from None
    except OSError as e:
        raise open_error(path, e) from None
    if not first:
        raise SourceError(f"{display_name(path)}: empty file")
    # A top-level array is JSON too: the HAR reader names it "JSON but not HAR", which is
    # clearer than the dump reader's "invalid data format".
    if first in (b"{", b"["):
        return "har"
    if first.isalpha() or first in (b"_", b"$"):
        return "har" if _jsonp(path) else "dump"
    return "dump"


def _jsonp(path: str | os.PathLike[str]) -> bool:
    with open_binary(path) as f:
        head = f.read(512)
    return JSONP_OPENING.match(head.removeprefix(BOM)) is not None
