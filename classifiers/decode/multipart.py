"""Multipart bodies: split at their boundary by hand, each part handed back to the walker under its
form-field name.

A MIME parser reads every part before the first can be looked at (`email.parser` took 6 to 12 s on a
body of 100,000 parts, and its header parser recurses on nested comments until RecursionError).
Here the delimiters are found with `bytes.find`, parts are read one at a time (at most `max_parts`,
the time budget checked before each), and a part's head is read from at most 16 KB, for the three
headers that matter.  The rules are RFC 2046's as the standard library applies them: a delimiter is
a line `--boundary` (`--boundary--` closes), blanks may follow it, and the line break before it
belongs to it; a body that never closes ends its last part at its end.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote

from phonehome.classifiers.model import Where

if TYPE_CHECKING:
    from phonehome.classifiers.decode.walker import Walker

MAX_HEAD = 16 * 1024  # bytes of headers read from the start of one part
_BOUNDARY = re.compile(r'(?:^|;)\s*boundary\s*=\s*(?:"((?:[^"\\]++|\\.)*+)"|([^;]*))', re.I)
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]++|\\.)*+"|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)
_DELIMITER_TAIL = re.compile(rb"[ \t]*(?:\r\n|\r|\n|\Z)")
_LINE_END = re.compile(rb"\r\n|\r|\n")
# What the standard library takes for a header line: a name and a colon, a folded line, an mbox "From ".
_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[ \t]")
_CHECK_EVERY = 1024  # delimiter candidates between two checks


class Part:
    """One part: its headers (names lower-cased, folded lines joined) and its content as sent."""

    __slots__ = ("content", "headers")

    def __init__(self, headers: dict[str, str], content: bytes) -> None:
        self.headers = headers
        self.content = content

    def name(self) -> str | None:
        return param(self.headers.get("content-disposition", ""), "name")

    def content_type(self) -> str:
        """The media type, lower-case, without parameters; text/plain when absent or malformed."""
        ctype = self.headers.get("content-type", "").partition(";")[0].strip().lower()
        return ctype if ctype.count("/") == 1 else "text/plain"

    def payload(self) -> bytes:
        """The content with its Content-Transfer-Encoding (base64, quoted-printable) undone."""
        cte = self.headers.get("content-transfer-encoding", "").strip().lower()
        if cte == "base64":
            return _base64(b"".join(self.content.splitlines()))
        if cte == "quoted-printable":
            return binascii.a2b_qp(self.content)
        return self.content


def walk_multipart(
    walker: Walker, where: Where, path: str, raw: bytes, content_type: str, enc: tuple[str, ...], depth: int
) -> None:
    delimiter = boundary(content_type)
    if not delimiter:
        walker.note("undecoded: multipart body without parts")
        return
    at = f"{where.value}{':' + path if path else ''}"
    max_parts = walker.limits.max_parts
    i = -1
    for i, chunk in enumerate(split_parts(raw, delimiter, walker.check_time)):
        if i >= max_parts:
            walker.note(f"limit: multipart at {at} stopped after {max_parts} parts, rest not decoded")
            return
        walker.check_time()
        part = read_part(chunk)
        if part is None:
            walker.note(f"limit: multipart part {i} at {at} has over {MAX_HEAD} bytes of headers, skipped")
            continue
        name = part.name() or f"part{i}"
        ctype = part.content_type()
        if ctype.startswith("multipart/"):  # nested (multipart/mixed): its boundary is a parameter
            ctype = part.headers.get("content-type", "")
        sub = f"{path}.{name}" if path else name
        walker.bytes_value(where, sub, name, part.payload(), enc + ("multipart",), depth + 1, ctype)
    if i < 0:
        walker.note("undecoded: multipart body without parts")


def boundary(content_type: str) -> bytes:
    """The delimiter's boundary from a Content-Type value, as bytes; empty when there is none."""
    m = _BOUNDARY.search(content_type)
    if m is None:
        return b""
    value = _QUOTED_PAIR.sub(r"\1", m.group(1)) if m.group(1) is not None else m.group(2)
    return value.strip().encode("utf-8", "surrogatepass")


def split_parts(raw: bytes, boundary: bytes, check: Callable[[], None] | None = None) -> Iterator[bytes]:
    """Each part of a multipart body (its head and content), in order and one at a time; the
    preamble before the first delimiter and the epilogue after the closing one are not parts.

    `check` is called every thousand delimiter candidates and may raise to stop the work.
    """
    delimiter = b"--" + boundary
    start = -1  # where the current part began; -1 before the first delimiter
    pos = seen = 0
    while (at := raw.find(delimiter, pos)) >= 0:
        pos = at + 1
        seen += 1
        if check is not None and not seen % _CHECK_EVERY:
            check()
        if at and raw[at - 1] not in b"\r\n":
            continue  # not at the start of a line: part of some content
        after = at + len(delimiter)
        closing = raw.startswith(b"--", after)
        tail = _DELIMITER_TAIL.match(raw, after + 2 if closing else after)
        if tail is None:
            continue  # `--boundary` followed by more text: content again
        if start >= 0:
            end = at
            if end - start >= 2 and raw[end - 2 : end] == b"\r\n":
                end -= 2
            elif end > start and raw[end - 1] in b"\r\n":
                end -= 1
            yield raw[start:end]
        if closing:
            return
        start = pos = tail.end()
    if start >= 0:
        yield raw[start:]


def read_part(chunk: bytes) -> Part | None:
    """The part in `chunk`; None when its head is longer than MAX_HEAD bytes.

    The head ends at a blank line, or at the first line that is not a header (which starts the content).
    """
    headers: dict[str, str] = {}
    name = ""
    pos, size = 0, len(chunk)
    while pos < size:
        line_end = _LINE_END.search(chunk, pos, min(size, pos + MAX_HEAD + 1))
        end = line_end.start() if line_end else size
        if end == pos:  # a blank line: the content follows it
            return Part(headers, chunk[line_end.end() if line_end else pos :])
        if not _HEADER_LINE.match(chunk, pos, end):
            break
        if end - pos > MAX_HEAD or end > MAX_HEAD:
            return None
        line = chunk[pos:end].decode("utf-8", "replace")
        if line[0] in " \t":
            if name:
                headers[name] += " " + line.strip()
        elif not line.startswith("From "):
            key, _, value = line.partition(":")
            name = key.strip().lower()
            if name and name not in headers:  # the first of a repeated header counts, as in email
                headers[name] = value.strip()
            elif name:
                name = ""  # a repeat's folded lines belong to the repeat: dropped with it
        pos = line_end.end() if line_end else size
    return Part(headers, chunk[pos:])


def param(value: str, key: str) -> str | None:
    """Parameter `key` of a header value (`form-data; name="a"`), unquoted; RFC 2231's `key*=utf-8''...`
    is decoded too.  None when absent."""
    for m in _PARAM.finditer(value):
        name, raw = m.group(1).lower(), m.group(2).strip()
        if name == key:
            return _QUOTED_PAIR.sub(r"\1", raw[1:-1]) if raw[:1] == '"' else raw
        if name == key + "*":
            charset, _, rest = raw.strip('"').partition("'")
            _language, _, encoded = rest.partition("'")
            try:
                return unquote(encoded, encoding=charset or "utf-8", errors="replace")
            except LookupError:
                return unquote(encoded, errors="replace")
    return None


def _base64(data: bytes) -> bytes:
    """Lenient base64, as `email` decodes a part: padding added if missing, stray characters skipped;
    the data itself when it cannot be base64 at all."""
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
    except binascii.Error:
        pass
    for padding in (b"", b"=="):
        try:
            return base64.b64decode(data + padding)
        except binascii.Error:
            continue
    return data
