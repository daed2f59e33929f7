"""THE decoder: an Exchange in, every value it carries out, each with where it was and how it was wrapped.

Detectors never parse, unzip or base64-decode anything themselves; they only see the `Field`s made
here.  Hostile input is bounded by `Limits`: when one is hit the decoder stops descending, records a
note and returns what it has, never raising.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl, unquote, urlsplit

from phonehome.classifiers.decode.jwt import jwt_payload
from phonehome.classifiers.decode.protobuf import (
    I32,
    I64,
    PbField,
    Truncated,
    grpc_frames,
    is_plausible_message,
    parse_message,
)
from phonehome.classifiers.model import Exchange, Field, Where


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


class _LimitHit(Exception):
    pass


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

_B64_RE = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")
_FORM_RE = re.compile(r"^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)+$")
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
# A value shorter than the shortest base64 we try can only hold JSON, percent escapes or a form.
_HEX_ONLY = re.compile(r"^[0-9A-Fa-f]+$")
_NESTABLE = re.compile(r"[{\[%=]")


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")


OPAQUE_MIN_BYTES = 48


def _looks_random(raw: bytes) -> bool:
    """Byte entropy close to the most `raw`'s length allows: ciphertext, not structured binary."""
    sample = raw[:4096]
    n = len(sample)
    counts = Counter(sample)
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values())
    return entropy >= 0.85 * min(8.0, math.log2(n))


def _printable(text: str) -> bool:
    return bool(text) and _UNPRINTABLE.search(text, 0, 512) is None


class _Walker:
    """Carries the per-exchange budget while values are expanded recursively."""

    def __init__(self, host: str, limits: Limits) -> None:
        self.host = host
        self.limits = limits
        self.out = Decoded()
        self.fields = self.out.fields
        self.deadline = time.monotonic() + limits.time_budget
        self.inflated = 0
        self.max_fields = limits.max_fields
        self.max_chars = limits.max_value_chars

    def _budget(self, n: int) -> None:
        if n >= self.max_fields:
            raise _LimitHit(f"limit: more than {self.max_fields} fields, rest not decoded")
        if time.monotonic() > self.deadline:
            raise _LimitHit(f"limit: decoding took over {self.limits.time_budget}s, rest not decoded")

    def emit(
        self,
        where: Where,
        path: str,
        key: str,
        value: str,
        enc: tuple[str, ...],
        siblings: Mapping[str, str] | None = None,
    ) -> None:
        fields = self.fields
        n = len(fields)
        # Reading the clock costs as much as making a field: check the budget every 32 fields.
        if not n & 31 or n >= self.max_fields:
            self._budget(n)
        if len(value) > self.max_chars:
            value = value[: self.max_chars]
        fields.append(Field(where, path, key.lower(), value, enc, self.host, siblings))

    # -- containers ----------------------------------------------------------------------------

    def walk_json(
        self,
        where: Where,
        path: str,
        node: object,
        enc: tuple[str, ...],
        depth: int,
        inherited: Mapping[str, str] | None = None,
    ) -> None:
        """`inherited`: for the items of a list, the scalars of the object holding the list."""
        if depth > self.limits.max_depth:
            self.out.notes.append(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
            return
        if isinstance(node, dict):
            # The hot loop of the decoder: one pass, exact type checks.  `scalars` is filled as the
            # loop goes; every field of this object holds the same dict, complete by the time any
            # detector reads it.  JSON object keys are always strings.
            scalars: dict[str, str] = {}
            prefix = path + "." if path else ""
            for k, v in node.items():
                t = type(v)
                if t is str:
                    scalars[k.lower()] = v
                    if len(v) < 16 and "{" not in v and "[" not in v and "%" not in v and "=" not in v:
                        self.emit(where, prefix + k, k, v, enc, scalars)  # expand()'s fast path, inlined
                    else:
                        self.expand(where, prefix + k, k, v, enc, depth + 1, scalars)
                elif t is list:
                    self.walk_json(where, prefix + k, v, enc, depth + 1, scalars)
                elif t is dict:
                    self.walk_json(where, prefix + k, v, enc, depth + 1)
                elif v is not None:
                    text = ("true" if v else "false") if t is bool else str(v)
                    scalars[k.lower()] = text
                    self.emit(where, prefix + k, k, text, enc, scalars)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._json_child(where, f"{path}[{i}]", _last_key(path), v, enc, depth, inherited)
            strings = [v for v in node if isinstance(v, str)]
            if len(strings) >= 2 and len(strings) == len(node):
                # Lists are findings in their own right (installed apps): offer them joined.
                self.emit(where, path, _last_key(path), ",".join(strings), enc + ("list",))
            elif len(node) >= 2 and all(isinstance(v, dict) for v in node):
                # A list of objects (`[{"pkg": ..., "ver": ...}, ...]`): offer each shared string
                # column joined, under the list's own key so its name gives the context.
                first = node[0]
                for k in first:
                    column = [v.get(k) for v in node]
                    if all(isinstance(c, str) for c in column):
                        self.emit(
                            where, f"{path}[*].{k}", _last_key(path), ",".join(column), enc + ("column",)
                        )

    def _json_child(
        self,
        where: Where,
        path: str,
        key: str,
        value: object,
        enc: tuple[str, ...],
        depth: int,
        siblings: Mapping[str, str] | None,
    ) -> None:
        if isinstance(value, dict | list):
            self.walk_json(where, path, value, enc, depth + 1)
            return
        text = _scalar(value)
        if text is None:
            return
        if isinstance(value, str):
            self.expand(where, path, key, value, enc, depth + 1, siblings)
        else:
            self.emit(where, path, key, text, enc, siblings)

    def walk_pairs(
        self,
        where: Where,
        prefix: str,
        pairs: list[tuple[str, str]],
        enc: tuple[str, ...],
        depth: int,
    ) -> None:
        siblings = {k.lower(): v for k, v in pairs}
        for k, v in pairs:
            path = f"{prefix}.{k}" if prefix else k
            self.expand(where, path, k, v, enc, depth + 1, siblings)

    # -- one string value, peeled layer by layer ---------------------------------------------------

    def expand(
        self,
        where: Where,
        path: str,
        key: str,
        value: str,
        enc: tuple[str, ...],
        depth: int,
        siblings: Mapping[str, str] | None = None,
    ) -> None:
        self.emit(where, path, key, value, enc, siblings)
        # Most values are short plain words and numbers: nothing can be nested in them.
        if len(value) < 16 and not _NESTABLE.search(value):
            return
        if depth > self.limits.max_depth:
            self.out.notes.append(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
            return
        text = value.strip()
        if len(text) < 2:
            return
        if text[0] in "{[":
            try:
                node = json.loads(text)
            except RecursionError:
                self.out.notes.append(f"limit: JSON nested too deep at {path or '$'}")
                return
            except ValueError:
                pass
            else:
                if isinstance(node, dict | list):
                    self.walk_json(where, path, node, enc + ("json",), depth + 1)
                    return
        if len(text) >= 16 and _B64_RE.match(text):
            # Only the base64 alphabet: no percent escape, form or token can be inside, so go
            # straight there.  Hex strings (IDs, digests) match it too and are far more often hex.
            if not _HEX_ONLY.match(text):
                self._maybe_base64(where, path, key, text, enc, depth)
            return
        if _PERCENT_RE.search(text) and not text.lower().startswith(("http://", "https://")):
            decoded = unquote(text)
            if decoded != text:
                self.expand(where, path, key, decoded, enc + ("percent",), depth + 1, siblings)
                return
        if _FORM_RE.match(text) and not text.startswith(("http://", "https://")):
            self.walk_pairs(where, path, parse_qsl(text, keep_blank_values=True), enc + ("form",), depth)
            return
        if "eyJ" in text[:12] and text.count(".") == 2:
            payload = jwt_payload(text)
            if payload is not None:
                self.walk_json(where, path, payload, enc + ("jwt",), depth + 1)
                return

    def _maybe_base64(
        self, where: Where, path: str, key: str, text: str, enc: tuple[str, ...], depth: int
    ) -> None:
        urlsafe = "-" in text or "_" in text
        padded = text + "=" * (-len(text) % 4)
        try:
            raw = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(padded)
        except (binascii.Error, ValueError):
            return
        layer = "base64url" if urlsafe else "base64"
        self.bytes_value(where, path, key, raw, enc + (layer,), depth + 1, require_text=True)

    def bytes_value(
        self,
        where: Where,
        path: str,
        key: str,
        raw: bytes,
        enc: tuple[str, ...],
        depth: int,
        content_type: str = "",
        require_text: bool = False,
    ) -> None:
        """Decode bytes: decompress if compressed, then parse as the container they hold."""
        if depth > self.limits.max_depth:
            self.out.notes.append(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
            return
        codec = _sniff_compression(raw)
        if codec:
            inflated = self.inflate(raw, codec, path)
            if inflated is not None:
                self.bytes_value(where, path, key, inflated, enc + (codec,), depth + 1, content_type)
            return
        if content_type.lower().startswith("multipart/"):
            self.walk_multipart(where, path, raw, content_type, enc, depth)
            return
        ctype = content_type.lower()
        if ctype.startswith("application/grpc") and self.walk_grpc(where, path, raw, enc, depth):
            return
        try:
            text: str | None = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or not _printable(text) or "protobuf" in ctype:
            # Binary: a protobuf message is the one container worth trying without a schema.
            plausible = is_plausible_message(raw) if require_text or "protobuf" not in ctype else True
            if plausible and self.walk_protobuf(where, path, raw, enc + ("protobuf",), depth):
                return
            # Raw deflate and brotli have no magic bytes: try them on binary data, keep only text.
            unpacked = self._unsniffed(raw)
            if unpacked is not None:
                codec, data = unpacked
                self.bytes_value(where, path, key, data, enc + (codec,), depth + 1, content_type)
                return
            if require_text:
                # A long base64 value that is no known container and looks random: most likely
                # encrypted (Xiaomi's AES payloads, RSA-wrapped keys).  Say so; never guess.
                if len(raw) >= OPAQUE_MIN_BYTES and _looks_random(raw):
                    self.out.notes.append(
                        f"undecoded: opaque {len(raw)}-byte value at {where.value}{':' + path if path else ''}"
                        " (encrypted, or an unknown format)"
                    )
                return
            if text is None:
                text = raw.decode("latin-1")
            if not _printable(text):
                self.out.notes.append(f"undecoded: binary body at {where.value}{':' + path if path else ''}")
                return
        stripped = text.strip()
        if not stripped:
            return
        if stripped[0] in "{[":
            try:
                node = json.loads(stripped)
            except RecursionError:
                self.out.notes.append(f"limit: JSON nested too deep at {path or '$'}")
                return
            except ValueError:
                if "\n" in stripped and self._ndjson(where, path, stripped, enc, depth):
                    return
            else:
                self.walk_json(where, path, node, enc + ("json",), depth + 1)
                return
        if (
            "form-urlencoded" in content_type.lower()
            or _FORM_RE.match(stripped)
            or (
                "=" in stripped.rstrip("=")
                and "\n" not in stripped
                and " " not in stripped
                and not require_text
            )
        ):
            self.walk_pairs(where, path, parse_qsl(stripped, keep_blank_values=True), enc + ("form",), depth)
            return
        self.expand(where, path, key, stripped, enc, depth + 1)

    def _ndjson(self, where: Where, path: str, text: str, enc: tuple[str, ...], depth: int) -> bool:
        nodes = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                nodes.append(json.loads(line))
            except ValueError:
                return False
        for i, node in enumerate(nodes):
            self.walk_json(where, f"{path}[{i}]", node, enc + ("ndjson",), depth + 1)
        return True

    def walk_grpc(self, where: Where, path: str, raw: bytes, enc: tuple[str, ...], depth: int) -> bool:
        frames = grpc_frames(raw)
        if frames is None:
            return False
        for i, (compressed, payload) in enumerate(frames):
            layers = enc + ("grpc",)
            if compressed:
                inflated = self.inflate(payload, "gzip", path)
                if inflated is None:
                    continue
                payload, layers = inflated, layers + ("gzip",)
            sub = f"{path}[{i}]" if len(frames) > 1 else path
            if not self.walk_protobuf(where, sub, payload, layers + ("protobuf",), depth + 1):
                self.bytes_value(where, sub, _last_key(path), payload, layers, depth + 1)
        return True

    def walk_protobuf(self, where: Where, path: str, raw: bytes, enc: tuple[str, ...], depth: int) -> bool:
        """Schema-less protobuf: fields named by their numbers, `1.19` for field 19 inside field 1."""
        budget = self.limits.max_fields - len(self.out.fields)
        try:
            message = parse_message(
                raw, max_depth=max(1, self.limits.max_depth - depth), max_fields=max(1, budget)
            )
        except Truncated as cut:
            message = cut.fields
            self.out.notes.append(f"limit: protobuf at {path or 'body'} cut short ({cut.reason})")
        if not message:
            return False
        self._walk_message(where, path, message, enc, depth)
        return True

    def _walk_message(
        self, where: Where, path: str, message: list[PbField], enc: tuple[str, ...], depth: int
    ) -> None:
        # Siblings by field number, so adapters can read key-value pairs (`1` = name, `2` = value).
        siblings = {str(f.number): (f.value if isinstance(f.value, str) else _number(f.value, f.wire))
                    for f in message if isinstance(f.value, str | int)}  # fmt: skip
        repeated: dict[str, list[str]] = {}
        for f in message:
            key = str(f.number)
            sub = f"{path}.{key}" if path else key
            value = f.value
            if isinstance(value, list):
                self._walk_message(where, sub, value, enc, depth + 1)
            elif isinstance(value, str):
                repeated.setdefault(sub, []).append(value)
                self.expand(where, sub, key, value, enc, depth + 1, siblings)
            elif isinstance(value, bytes):
                self.bytes_value(where, sub, key, value, enc, depth + 1, require_text=True)
            else:
                self.emit(where, sub, key, _number(value, f.wire), enc, siblings)
        for sub, values in repeated.items():
            if len(values) >= 2:
                # A repeated string field is a list (of packages, networks...): offer it joined too.
                self.emit(where, sub, sub.rsplit(".", 1)[-1], ",".join(values), enc + ("list",))

    def walk_multipart(
        self, where: Where, path: str, raw: bytes, content_type: str, enc: tuple[str, ...], depth: int
    ) -> None:
        header = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(header + raw)
        if not message.is_multipart():
            self.out.notes.append("undecoded: multipart body without parts")
            return
        for i, part in enumerate(message.iter_parts()):
            name = part.get_param("name", header="content-disposition") or f"part{i}"
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            sub = f"{path}.{name}" if path else str(name)
            self.bytes_value(
                where, sub, str(name), payload, enc + ("multipart",), depth + 1, part.get_content_type()
            )

    def _unsniffed(self, raw: bytes) -> tuple[str, bytes] | None:
        budget = self.limits.max_decompressed - self.inflated
        if len(raw) < 8 or budget <= 0:
            return None
        for codec in ("deflate-raw", "br"):
            try:
                if codec == "br":
                    data = _inflate(raw, "br", budget)
                else:
                    data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, budget)
            except Exception:  # noqa: BLE001 - not this codec
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(data) >= 8 and _printable(text):
                self.inflated += len(data)
                return ("deflate" if codec == "deflate-raw" else "br"), data
        return None

    def inflate(self, raw: bytes, codec: str, path: str) -> bytes | None:
        budget = self.limits.max_decompressed - self.inflated
        try:
            out = _inflate(raw, codec, budget + 1)
        except Exception as exc:  # noqa: BLE001 - any codec error means "not this codec"
            self.out.notes.append(
                f"undecoded: {codec} data at {path or 'body'} is corrupt ({type(exc).__name__})"
            )
            return None
        if len(out) > budget:
            self.out.notes.append(
                f"limit: decompressed data over {self.limits.max_decompressed} bytes at {path or 'body'}"
            )
            out = out[:budget]
        self.inflated += len(out)
        return out


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _number(value: int, wire: int) -> str:
    """Varints as integers; fixed-width fields as the double or float they usually are, if plausible."""
    if wire == I64:
        as_float = struct.unpack("<d", value.to_bytes(8, "little"))[0]
    elif wire == I32:
        as_float = struct.unpack("<f", value.to_bytes(4, "little"))[0]
    else:
        return str(value)
    if math.isfinite(as_float) and 1e-6 < abs(as_float) < 1e9:
        return repr(round(as_float, 7)) if wire == I64 else repr(round(as_float, 5))
    return str(value)


def _last_key(path: str) -> str:
    tail = path.rsplit(".", 1)[-1]
    return tail.split("[", 1)[0]


def _sniff_compression(raw: bytes) -> str | None:
    if raw[:2] == b"\x1f\x8b":
        return "gzip"
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if (
        len(raw) > 2
        and raw[0] == 0x78
        and raw[1] in (0x01, 0x5E, 0x9C, 0xDA)
        and (raw[0] << 8 | raw[1]) % 31 == 0
    ):
        return "zlib"
    return None


def _inflate(raw: bytes, codec: str, cap: int) -> bytes:
    """Decompress at most `cap` bytes, so a zip bomb costs nothing."""
    if codec == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, cap)
    if codec == "zlib":
        return zlib.decompressobj().decompress(raw, cap)
    if codec == "deflate":
        try:
            return zlib.decompressobj().decompress(raw, cap)
        except zlib.error:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, cap)
    if codec == "br":
        import brotli

        decompressor = brotli.Decompressor()
        try:
            return bytes(decompressor.process(raw, output_buffer_limit=cap)[:cap])  # Brotli >= 1.2
        except TypeError:
            pass
        # Brotli 1.1 (pinned by mitmproxy 11) has no output limit: feed small slices and stop at the
        # cap. One byte can still expand to one copy command (at most ~16 MB), so the cost of a bomb
        # is bounded by the cap plus that, whatever the bomb's size.
        out = bytearray()
        for start in range(0, len(raw), 16):
            out += decompressor.process(raw[start : start + 16])
            if len(out) >= cap:
                break
        return bytes(out[:cap])
    if codec == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw).read(cap)
    raise ValueError(codec)


_CONTENT_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br", "zstd": "zstd"}


def decode(exchange: Exchange, limits: Limits | None = None) -> Decoded:
    """Every value in the request, in order: path, query, headers, cookies, body."""
    limits = limits or Limits()
    split = urlsplit(exchange.url)
    walker = _Walker((split.hostname or "").lower(), limits)
    try:
        _decode_url(walker, split.path, split.query)
        _decode_headers(walker, exchange)
        _decode_body(walker, exchange)
    except _LimitHit as hit:
        walker.out.notes.append(str(hit))
    except RecursionError:
        walker.out.notes.append("limit: recursion too deep, rest not decoded")
    return walker.out


def _decode_url(walker: _Walker, path: str, query: str) -> None:
    previous = ""
    for i, segment in enumerate(s for s in path.split("/") if s):
        walker.expand(Where.PATH, f"/{i}", previous, unquote(segment), (), 1)
        previous = unquote(segment)
    if query:
        walker.walk_pairs(Where.QUERY, "", parse_qsl(query, keep_blank_values=True), (), 0)


def _decode_headers(walker: _Walker, exchange: Exchange) -> None:
    for name, value in exchange.request_headers:
        lower = name.lower()
        if lower == "cookie":
            for cname, cvalue in _cookies(value):
                walker.expand(Where.COOKIE, cname, cname, cvalue, (), 1)
        elif lower not in _BORING_HEADERS:
            walker.expand(Where.HEADER, lower, lower, value, (), 1)


def _cookies(header: str) -> Iterator[tuple[str, str]]:
    # Split as browsers do (RFC 6265 5.4): SimpleCookie stops at the first value it dislikes (JSON,
    # spaces) and silently drops it and every cookie after it.
    for piece in header.split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep and name.strip():
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            yield name.strip(), value


def _decode_body(walker: _Walker, exchange: Exchange) -> None:
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
        inflated = walker.inflate(raw, codec, "body")
        if inflated is None:
            break
        raw, enc = inflated, enc + (codec,)
    content_type = (exchange.header("content-type") or "").strip()
    walker.bytes_value(Where.BODY, "", "", raw, enc, 0, content_type)
