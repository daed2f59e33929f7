"""THE decoder: an Exchange in, every value it carries out, each with where it was and how it was wrapped.

Detectors never parse, unzip or base64-decode anything themselves; they only see the `Field`s made
here.  Hostile input is bounded by `Limits`: when one is hit the decoder stops descending, records a
note and returns what it has, never raising.
"""

from __future__ import annotations

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
    try:
        _decode_url(walker, split.path, split.query)
        _decode_headers(walker, exchange)
        _decode_body(walker, exchange)
    except LimitHit as hit:
        walker.out.notes.append(str(hit))
    except RecursionError:
        walker.out.notes.append("limit: recursion too deep, rest not decoded")
    return walker.out


def _decode_url(walker: Walker, path: str, query: str) -> None:
    previous = ""
    for i, segment in enumerate(s for s in path.split("/") if s):
        walker.expand(Where.PATH, f"/{i}", previous, unquote(segment), (), 1)
        previous = unquote(segment)
    if query:
        walker.walk_pairs(Where.QUERY, "", form_pairs(query), (), 0)


def _decode_headers(walker: Walker, exchange: Exchange) -> None:
    for name, value in exchange.request_headers:
        lower = name.lower()
        if lower == "cookie":
            for cname, cvalue in split_cookies(value):
                walker.expand(Where.COOKIE, cname, cname, cvalue, (), 1)
        elif lower not in _BORING_HEADERS:
            walker.expand(Where.HEADER, lower, lower, value, (), 1)


def _decode_body(walker: Walker, exchange: Exchange) -> None:
    raw = exchange.request_body
    if not raw:
        return
    enc: tuple[str, ...] = ()
    coding = (exchange.header("content-encoding") or "").strip().lower()
    for layer in [c.strip() for c in coding.split(",") if c.strip()][::-1]:
        codec = _CONTENT_CODINGS.get(layer)
        if codec is None:
            if layer != "identity":
                walker.out.notes.append(f"undecoded: unknown content-encoding {layer!r}")
            continue
        inflated = inflate(walker, raw, codec, "body")
        if inflated is None:
            break
        raw, enc = inflated, enc + (codec,)
    content_type = (exchange.header("content-type") or "").strip()
    walker.bytes_value(Where.BODY, "", "", raw, enc, 0, content_type)
