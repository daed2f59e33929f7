"""THE decoder: an Exchange in, every value it carries out, each with where it was and how it was wrapped.

Detectors never parse, unzip or base64-decode anything themselves; they only see the `Field`s made
here.  Hostile input is bounded by `Limits`: when one is hit the decoder stops descending, records a
note and returns what it has, never raising.  `decode` is total: whatever the exchange holds, it
returns (an error inside a layer would be a bug; it is noted, and what was found before it is kept).
"""

from __future__ import annotations

import base64
from urllib.parse import unquote

from phonehome.classifiers.decode.compression import inflate
from phonehome.classifiers.decode.cookies import split_cookies
from phonehome.classifiers.decode.form import form_pairs
from phonehome.classifiers.decode.limits import Decoded, LimitHit, Limits
from phonehome.classifiers.decode.walker import Walker
from phonehome.classifiers.model import Exchange, Where, split_url

# Headers that never carry anything about the user: skipping them keeps the field list short.
_BORING_HEADERS = frozenset(
    {
        "host", "content-length", "content-type", "content-encoding", "accept", "accept-encoding",
        "connection", "cache-control", "pragma", "te", "upgrade", "transfer-encoding", "keep-alive",
        "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user", "if-none-match",
        "if-modified-since", "range", "origin", "upgrade-insecure-requests", "priority",
        "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "expect",
    }
)  # fmt: skip

_CONTENT_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br", "zstd": "zstd"}


def decode(exchange: Exchange, limits: Limits | None = None) -> Decoded:
    """Every value in the request, in order: path, query, headers, cookies, body."""
    limits = limits or Limits()
    split = split_url(exchange.url)
    walker = Walker(split.host, limits)
    notes = walker.out.notes
    try:
        _decode_url(walker, split.path, split.query)
        _decode_headers(walker, exchange)
        _decode_body(walker, exchange)
    except LimitHit as hit:
        notes.append(str(hit))
    except RecursionError:
        notes.append("limit: recursion too deep, rest not decoded")
    except Exception as exc:  # noqa: BLE001 - a bug in a layer must not lose what was found before it
        notes.append(f"decoder error: {type(exc).__name__}: {exc}"[:300])
    if walker.notes_dropped:
        notes.append(f"limit: {walker.notes_dropped} more notes not kept")
    return walker.out


# Pieces (path segments, query pairs, cookies) are read up to one more than the fields an exchange
# may have: each makes a field, so reading more could only feed the field limit.  A cut is noted
# after the walk, when the field limit did not end it first (empty pieces make no field).


def _decode_url(walker: Walker, path: str, query: str) -> None:
    limit = walker.max_fields + 1
    segments = path.split("/", limit)
    cut = len(segments) > limit
    previous = ""
    for i, segment in enumerate(s for s in segments[:limit] if s):
        value = unquote(segment)
        walker.expand(Where.PATH, f"/{i}", previous, value, (), 1)
        previous = value
    if cut:
        walker.note(f"limit: path has over {limit} segments, rest not decoded")
    if query:
        pairs, cut = form_pairs(query, limit, walker.check_time)
        walker.walk_pairs(Where.QUERY, "", pairs, (), 0)
        if cut:
            walker.note(f"limit: query has over {limit} pairs, rest not decoded")


def _decode_headers(walker: Walker, exchange: Exchange) -> None:
    headers = exchange.request_headers
    limit = walker.limits.max_headers
    if len(headers) > limit:
        walker.note(f"limit: {len(headers)} headers, only the first {limit} decoded")
        headers = headers[:limit]
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            cookies, cut = split_cookies(value, walker.max_fields + 1)
            for cname, cvalue in cookies:
                walker.expand(Where.COOKIE, cname, cname, cvalue, (), 1)
            if cut:
                walker.note(f"limit: cookie header has over {walker.max_fields + 1} pieces, rest not decoded")
        elif lower not in _BORING_HEADERS:
            walker.expand(Where.HEADER, lower, lower, value, (), 1)
            if lower in ("authorization", "proxy-authorization"):
                _basic_credentials(walker, lower, value)


def _basic_credentials(walker: Walker, header: str, value: str) -> None:
    """`Authorization: Basic base64(user:password)` (RFC 7617): the user name and the password as
    fields of their own, so that detectors see them without decoding anything."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip() or len(token) > 4096:
        return
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return
    user, sep, password = decoded.partition(":")
    if not sep:
        return
    siblings = {"username": user, "password": password}
    walker.emit(Where.HEADER, f"{header}.username", "username", user, ("base64",), siblings)
    walker.emit(Where.HEADER, f"{header}.password", "password", password, ("base64",), siblings)


def _decode_body(walker: Walker, exchange: Exchange) -> None:
    raw = exchange.request_body
    if not raw:
        return
    enc: tuple[str, ...] = ()
    coding = (exchange.header("content-encoding") or "").strip().lower()
    layers = [c.strip() for c in coding.split(",", walker.limits.max_depth) if c.strip()]
    if len(layers) > walker.limits.max_depth:
        walker.note(f"limit: content-encoding has over {walker.limits.max_depth} layers, body not decoded")
        return
    for layer in layers[::-1]:
        codec = _CONTENT_CODINGS.get(layer)
        if codec is None:
            if layer != "identity":
                walker.note(f"undecoded: unknown content-encoding {layer[:100]!r}")
            continue
        inflated = inflate(walker, raw, codec, "body")
        if inflated is None:
            break
        raw, enc = inflated, enc + (codec,)
    content_type = (exchange.header("content-type") or "").strip()
    walker.bytes_value(Where.BODY, "", "", raw, enc, 0, content_type)
