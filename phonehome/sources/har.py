"""Streaming HAR importer: entries are cut out one at a time and parsed alone, never the whole file.

mitmproxy's own reader loads the whole file and aborts on the first bad entry, ignores
`postData.params` and `mimeType`, and drops WebSocket messages; this one turns a bad entry into a
`Skipped` (with its number and reason) and goes on.  `jsonscan` cuts the entries without parsing
them, so what would stop a streaming parser for good (invalid UTF-8, a lone surrogate escape, an
integer of 100,000 digits, nesting 100,000 deep) costs at most that one entry:

- invalid UTF-8 is replaced (U+FFFD) and the entry kept, with a note on its flow;
- lone surrogate escapes are kept as they are (the store makes them fit);
- integers too long for Python's parser become infinities, so a status or size is dropped;
- an entry nested deeper than `MAX_ENTRY_DEPTH` is skipped before it is parsed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import os
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any
from urllib.parse import urlencode

import orjson

from phonehome.classifiers.model import Exchange, split_url
from phonehome.db.jsontext import long_digits
from phonehome.sources import (
    BOM,
    JSONP_OPENING,
    Item,
    Skipped,
    SourceError,
    display_name,
    one_line,
    open_binary,
    open_error,
)
from phonehome.sources.jsonscan import (
    NOT_PARSED,
    PARSE_SPAN,
    EntryScanner,
    Parsed,
    RawEntry,
    Truncated,
    Unclosed,
)

_JSONP_PEEK = 512  # bytes looked at for a JSONP wrapper's opening

# A HAR entry is about five levels deep (entry > request > headers > [ > {); custom fields add a few.
MAX_ENTRY_DEPTH = 64
# Python refuses to turn longer digit strings into integers (sys.get_int_max_str_digits).
_MAX_DIGITS = 4000
_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript", "file"})
# How much of a broken file is re-read to give the byte position of the syntax error.
_ERROR_CONTEXT = 1 << 20


class _Bad(Exception):
    """An entry that cannot be imported; the message is the Skipped reason."""


class Occurrences:
    """How many times each digest was seen before, in 16 to 32 bytes per distinct digest.

    Identical entries (same startedDateTime, method, URL and body) must get different fingerprints,
    so each digest's earlier occurrences are counted.  A dict of digests cost about 150 bytes per
    entry, which grew with the file; this keeps the first 8 bytes of each digest in an open-addressed
    table (an array of integers) and counts only the digests seen more than once.  Two digests that
    share their first 8 bytes are counted together: the later one's fingerprint is then its own
    digest with a count of 1 instead of 0, still unique, and the same on every replay of the file.
    """

    __slots__ = ("_slots", "_used", "_repeats")

    def __init__(self, capacity: int = 1024) -> None:
        self._slots = array("Q", bytes(8 * capacity))  # 0 marks a free slot; capacity a power of 2
        self._used = 0
        self._repeats: dict[int, int] = {}

    def __len__(self) -> int:
        return self._used

    def nbytes(self) -> int:
        return len(self._slots) * 8

    def count(self, digest: bytes) -> int:
        """The number of times `digest` was counted before; counts it once more."""
        key = int.from_bytes(digest[:8], "big") or 1
        slots = self._slots
        mask = len(slots) - 1
        i = key & mask
        while True:
            found = slots[i]
            if found == 0:
                slots[i] = key
                self._used += 1
                if self._used * 2 > len(slots):
                    self._grow()
                return 0
            if found == key:
                seen = self._repeats.get(key, 1)
                self._repeats[key] = seen + 1
                return seen
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        slots = self._slots = array("Q", bytes(16 * len(old)))
        mask = len(slots) - 1
        for key in old:
            if key:
                i = key & mask
                while slots[i]:
                    i = (i + 1) & mask
                slots[i] = key


@dataclass(slots=True)
class _State:
    last_time: datetime
    # Occurrences of each (startedDateTime, method, url, body) so identical entries differ.
    seen: Occurrences = field(default_factory=Occurrences)


def read_har(path: str | os.PathLike[str]) -> Iterator[Item]:
    """Check that `path` is a HAR file now (SourceError if not), then stream its entries."""
    mtime = _check(path)
    return _entries(path, _State(last_time=mtime))


def _check(path: str | os.PathLike[str]) -> datetime:
    """Read up to the start of log.entries; return the file's mtime as the fallback time."""
    name = display_name(path)
    try:
        with open_binary(path) as f:
            mtime = os.fstat(f.fileno()).st_mtime
            _skip_preamble(f)
            if EntryScanner(f).find_entries():
                return datetime.fromtimestamp(mtime, UTC)
        with open_binary(path) as f:
            reason = _describe_json_error(f, _skip_preamble(f))
    except (EOFError, zlib.error) as e:
        raise SourceError(f"{name}: damaged gzip file ({one_line(str(e), 80)})") from None
    except OSError as e:
        raise open_error(path, e) from None
    if reason is not None:
        raise SourceError(f"{name}: not a HAR file or mitmproxy flow dump ({reason})")
    raise SourceError(f"{name}: is JSON but not HAR (no log.entries)")


def _entries(path: str | os.PathLike[str], state: _State) -> Iterator[Item]:
    name = display_name(path)
    last = -1
    try:
        with open_binary(path) as f:
            _skip_preamble(f)
            # Most entries are cut by orjson's parse of them (`jsonscan`): a quarter of the time
            # cutting them by their brackets costs.
            scanner = EntryScanner(f, parse=_parse_plain, max_depth=MAX_ENTRY_DEPTH)
            scanner.find_entries()
            for raw in scanner.entries():
                if isinstance(raw, Truncated):
                    yield Skipped(raw.index, f"entry {raw.index}: the file ends inside it (cut short?)")
                    return
                if isinstance(raw, Unclosed):
                    yield Skipped(-1, f"{name}: the file ends before its entries are closed (cut short?)")
                    return
                last = index = raw.index
                repaired: tuple[str, ...] = ()
                if isinstance(raw, Parsed):
                    entry = raw.value
                else:
                    # Nothing of a big entry is held longer than needed: its bytes go once decoded
                    # (the scanner has let go of them already), its text once parsed, its parsed form
                    # once converted, so a flow is classified with only its Exchange in memory.
                    if raw.depth > MAX_ENTRY_DEPTH:
                        reason = f"nested {raw.depth} levels deep (more than {MAX_ENTRY_DEPTH}); not parsed"
                        yield Skipped(index, f"entry {index}: {reason}")
                        continue
                    entry = _parse_plain(raw.data)
                    if entry is _NOT_PLAIN:
                        text, repaired = _decode(raw)
                        raw = None  # type: ignore[assignment]
                        entry, problem = _parse(text)
                        text = ""
                        if problem is not None:
                            yield Skipped(index, f"entry {index}: {problem}")
                            continue
                raw = None  # type: ignore[assignment]
                items = _convert_safely(entry, index, state, repaired)
                entry = None
                yield from items
                items = []
    except (OSError, EOFError, zlib.error) as e:
        where = f"after entry {last}" if last >= 0 else "before the first entry"
        reason = one_line(getattr(e, "strerror", None) or str(e) or type(e).__name__, 80)
        yield Skipped(-1, f"{name}: read error {where} ({reason}); rest of file unreadable")


_NOT_PLAIN = NOT_PARSED
# orjson sizes its working memory from the input (about 14 times an entry of one long string), so
# only entries below this go to it: a HAR's requests are a few kilobytes; a big body takes the
# standard path, whose peak is twice the entry.
_PLAIN_MAX = PARSE_SPAN  # the scanner parses to cut no bigger entries


def _parse_plain(data: bytes) -> Any:
    """The entry, parsed by orjson from its bytes (twice as fast as decoding and `json.loads`), or
    `_NOT_PLAIN` when the standard path must read it: orjson refuses what that path repairs or reads
    (invalid UTF-8, a lone surrogate escape, `NaN`, `1e400`, any syntax error, which it then names),
    and digits long enough to be read otherwise (`jsontext.long_digits`: outside [-2**63, 2**64)
    orjson gives a float), and big entries, are left to it.  What orjson reads, it reads as
    `json.loads` does (a property test holds it to that)."""
    if len(data) > _PLAIN_MAX or long_digits(data):
        return _NOT_PLAIN
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_PLAIN


def _parse(text: str) -> tuple[Any, str | None]:
    """(the entry, why it cannot be used or None)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        return None, f"invalid JSON at byte {e.pos} of the entry: {e.msg}"
    except ValueError:  # an integer too long for Python: parse it again, bounding integers
        try:
            return json.loads(text, parse_int=_bounded_int), None
        except (ValueError, RecursionError) as e:
            return None, one_line(f"invalid JSON: {e}", 100)
    except RecursionError:
        return None, "nested too deeply to parse"


def _decode(raw: RawEntry) -> tuple[str, tuple[str, ...]]:
    try:
        return raw.data.decode("utf-8"), ()
    except UnicodeDecodeError as e:
        note = f"HAR entry {raw.index}: invalid UTF-8 at byte {e.start} of the entry replaced with U+FFFD"
        return raw.data.decode("utf-8", "replace"), (note,)


def _bounded_int(digits: str) -> int | float:
    if len(digits) <= _MAX_DIGITS:
        return int(digits)
    return -math.inf if digits.startswith("-") else math.inf


def _convert_safely(entry: Any, index: int, state: _State, notes: tuple[str, ...] = ()) -> list[Item]:
    try:
        items = _convert_entry(entry, state)
        if notes:
            items = [
                dataclasses.replace(i, notes=(*i.notes, *notes)) if isinstance(i, Exchange) else i
                for i in items
            ]
        return items
    except _Bad as e:
        return [Skipped(index, f"entry {index}: {e}")]
    except Exception as e:  # one malformed entry must not stop the file
        return [Skipped(index, f"entry {index}: " + one_line(f"{type(e).__name__}: {e}"))]


def _convert_entry(entry: Any, state: _State) -> list[Item]:
    """One HAR entry -> its Exchange, plus one per client-sent WebSocket message."""
    if not isinstance(entry, dict):
        raise _Bad("not an object")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise _Bad("request missing")
    method = _required_str(request, "method")
    url = _required_str(request, "url")
    _check_url(url)

    started = entry.get("startedDateTime")
    when = _parse_time(started)
    if when is None:
        when = state.last_time
    state.last_time = when

    post = request.get("postData")
    body, content_type = _request_body(post)
    headers = _headers(request.get("headers"))
    if not _has(headers, "cookie"):
        cookie = _cookie_header(request.get("cookies"))
        if cookie:
            headers.append(("Cookie", cookie))
    if body and content_type and not _has(headers, "content-type"):
        headers.append(("Content-Type", content_type))

    version = request.get("httpVersion")
    http_version = version if isinstance(version, str) and version.strip() else "HTTP/1.1"
    response = entry.get("response")
    resp: dict[str, Any] = response if isinstance(response, dict) else {}
    status = _int(resp.get("status"))
    if status is not None and status <= 0:
        status = None  # Chrome writes status 0 for a request that never got an answer
    err = resp.get("_error", entry.get("_error"))
    error = err if isinstance(err, str) and err else None
    if status is None and error is None:
        error = "no response"

    ip = entry.get("serverIPAddress")
    server_ip = ip.strip().removeprefix("[").removesuffix("]") if isinstance(ip, str) else ""
    client = entry.get("_clientAddress", entry.get("clientAddress"))
    client_address = client if isinstance(client, str) and client else None
    fingerprint = _fingerprint(state, started, method, url, body)

    items: list[Item] = [
        Exchange(
            time=when,
            method=method,
            url=url,
            request_headers=tuple(headers),
            request_body=body,
            http_version=http_version,
            status=status,
            response_headers=tuple(_headers(resp.get("headers"))),
            response_bytes=_response_bytes(resp),
            server_ip=server_ip or None,
            client_address=client_address,
            error=error,
            fingerprint=fingerprint,
        )
    ]
    messages = entry.get("_webSocketMessages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict) or message.get("type") != "send":
            continue  # only what the client sent is of interest
        items.append(
            Exchange(
                time=_epoch(message.get("time")) or when,
                method="WEBSOCKET",
                url=url,
                request_body=_websocket_payload(message),
                http_version=http_version,
                server_ip=server_ip or None,
                client_address=client_address,
                fingerprint=f"{fingerprint}:ws:{i}",
            )
        )
    return items


def _required_str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None or value == "":
        raise _Bad(f"request.{key} missing")
    if not isinstance(value, str):
        raise _Bad(f"request.{key} is not a string")
    return value


def _check_url(url: str) -> None:
    parts = split_url(url)  # never raises: a URL Python refuses (`http://a]b/`) is still imported
    scheme = parts.scheme
    if scheme in _SCHEMES and parts.host:
        return
    if scheme and scheme not in _SCHEMES and ("://" in url or scheme in _LOCAL_SCHEMES):
        # data:, blob:, chrome-extension: ... never went over the network.
        raise _Bad(f"request.url is not HTTP: {one_line(url, 60)}")
    raise _Bad(f"request.url is not absolute: {one_line(url, 60)}")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        # Python 3.11 accepts "Z", offsets and fractions of any length here.
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, float | Decimal):
            return int(value)
        if isinstance(value, str):
            return int(value.strip())
    except (ValueError, OverflowError, ArithmeticError):
        return None
    return None


def _text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _headers(raw: object) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for header in raw if isinstance(raw, list) else ():
        if not isinstance(header, dict):
            continue
        name = header.get("name")
        # HTTP/2 pseudo headers repeat what the method and URL already say.
        if isinstance(name, str) and name and not name.startswith(":"):
            out.append((name, _text(header.get("value"))))
    return out


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name for key, _ in headers)


def _cookie_header(raw: object) -> str:
    pairs = [
        f"{_text(c.get('name'))}={_text(c.get('value'))}"
        for c in (raw if isinstance(raw, list) else ())
        if isinstance(c, dict) and c.get("name")
    ]
    return "; ".join(pairs)


def _request_body(post: object) -> tuple[bytes, str | None]:
    """The body as sent, and the Content-Type it was sent with (if the entry says)."""
    if not isinstance(post, dict):
        return b"", None
    mime = post.get("mimeType")
    content_type = mime.strip() if isinstance(mime, str) and mime.strip() else None
    text = post.get("text")
    params = post.get("params")
    if (text is None or text == "") and isinstance(params, list) and params:
        pairs = [(_text(p.get("name")), _text(p.get("value"))) for p in params if isinstance(p, dict)]
        return urlencode(pairs).encode("ascii"), "application/x-www-form-urlencoded"
    if text is None:
        return b"", content_type
    text = _text(text)
    if "base64" in (post.get("encoding"), post.get("_encoding")):
        try:
            return base64.b64decode(text), content_type
        except (binascii.Error, ValueError):
            pass  # keep the text: the decoder still tries base64 on its own
    return text.encode("utf-8", "surrogatepass"), content_type


def _response_bytes(resp: dict[str, Any]) -> int:
    size = _int(resp.get("bodySize"))
    if size is None or size < 0:
        content = resp.get("content")
        size = _int(content.get("size")) if isinstance(content, dict) else None
    return size if size is not None and size >= 0 else 0


def _websocket_payload(message: dict[str, Any]) -> bytes:
    data = _text(message.get("data"))
    if _int(message.get("opcode")) == 2:  # binary frames are exported as base64
        try:
            return base64.b64decode(data)
        except (binascii.Error, ValueError):
            pass
    return data.encode("utf-8", "surrogatepass")


def _fingerprint(state: _State, started: object, method: str, url: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (_text(started).encode("utf-8", "surrogatepass"),
                 method.encode("utf-8", "surrogatepass"),
                 url.encode("utf-8", "surrogatepass"),
                 body):  # fmt: skip
        # Length-prefixed so that moving bytes between parts changes the digest.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    occurrence = state.seen.count(digest.digest())
    digest.update(occurrence.to_bytes(8, "big"))
    return digest.hexdigest()


def _skip_preamble(f: IO[bytes]) -> int:
    """Skip a BOM and a JSONP wrapper's opening (`onInputData(` from HAR Viewer and PhantomJS's
    netsniff): the HAR inside is read as it is, and what follows it (`);`) is never read."""
    skipped = _skip_bom(f)
    peek = getattr(f, "peek", None)
    if peek is None:
        return skipped
    wrapper = JSONP_OPENING.match(peek(_JSONP_PEEK)[:_JSONP_PEEK])
    if wrapper is None:
        return skipped
    f.read(wrapper.end())
    return skipped + wrapper.end()


def _skip_bom(f: IO[bytes]) -> int:
    peek = getattr(f, "peek", None)
    if peek is not None and peek(len(BOM))[: len(BOM)] != BOM:
        return 0  # also for a gzip stream, which cannot seek back
    if f.read(len(BOM)) == BOM:
        return len(BOM)
    f.seek(0)
    return 0


def _describe_json_error(f: IO[bytes], start: int) -> str | None:
    """Where and why the JSON before log.entries is broken; None if what there is parses."""
    raw = f.read(_ERROR_CONTEXT)
    truncated = bool(f.read(1))
    found = _json_error_at(raw, truncated)
    if found is None:
        return None
    pos, msg = found
    return f"invalid JSON at byte {start + pos}: {msg}"


def _json_error_at(raw: bytes, truncated: bool) -> tuple[int, str] | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if not truncated or e.start < len(raw) - 3:
            return e.start, "invalid UTF-8"
        text = raw[: e.start].decode("utf-8")  # the cut split a character
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        if truncated and e.pos >= len(text) - 1:
            return None  # the error is only our cut; the real one lies further on
        return len(text[: e.pos].encode("utf-8")), e.msg
    except (ValueError, RecursionError):
        return None
    return None
