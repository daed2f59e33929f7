"""The recursive walker: every value expanded layer by layer into fields, within one exchange's budget."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping

from phonehome.classifiers.decode.base64 import expand_base64, match_base64, match_hex
from phonehome.classifiers.decode.compression import inflate, raw_deflate_or_brotli, sniff_compression
from phonehome.classifiers.decode.form import form_pairs, is_form_body, match_form
from phonehome.classifiers.decode.jsondoc import JsonDoc, estimate_items, load_json
from phonehome.classifiers.decode.jwt import jwt_payload
from phonehome.classifiers.decode.limits import Decoded, LimitHit, Limits
from phonehome.classifiers.decode.multipart import walk_multipart
from phonehome.classifiers.decode.opaque import OPAQUE_MIN_BYTES, looks_random
from phonehome.classifiers.decode.paths import last_key
from phonehome.classifiers.decode.percent import percent_decoded, search_percent
from phonehome.classifiers.decode.protobuf import is_plausible_message
from phonehome.classifiers.decode.protobuf_fields import walk_grpc, walk_protobuf
from phonehome.classifiers.decode.text import printable
from phonehome.classifiers.model import Field, Where

# A value shorter than the shortest base64 we try can only hold JSON, percent escapes or a form.
_NESTABLE = re.compile(r"[{\[%=]")
# `key=value` in free text: a word-like key right after a space or the line's start, a value up to the
# next space (`lat=41.3874`, `imei=8612…`, `provider=fused`).
_TEXT_PAIR = re.compile(
    r"(?:^|(?<=[\s,;(\[]))([A-Za-z_][\w.-]{0,40})=(?:\"([^\"]{1,200})\"|([^\s=,;&\])\"]{1,200}))"
)
# Inputs longer than this look at the clock before an expensive step (a parse, a decode, an inflate).
_LONG = 64 * 1024


class Walker:
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
        self.max_path = limits.max_path_chars
        self.notes_dropped = 0

    def _budget(self, n: int) -> None:
        if n >= self.max_fields:
            raise LimitHit(f"limit: more than {self.max_fields} fields, rest not decoded")
        self.check_time()

    def check_time(self) -> None:
        """Raise LimitHit once the exchange's time budget is spent."""
        if time.monotonic() > self.deadline:
            raise LimitHit(f"limit: decoding took over {self.limits.time_budget}s, rest not decoded")

    def before(self, size: int) -> None:
        """Called before an expensive step on `size` bytes or characters: a long one starts only
        within the time budget."""
        if size > _LONG:
            self.check_time()

    def cut(self, path: str) -> str:
        """`path` cut to `max_path_chars` in its middle, said once: its start and the keys nearest
        the fields under it are kept, so that those fields' paths still differ."""
        self.note(f"limit: a path longer than {self.max_path} characters cut")
        head = self.max_path // 2
        return f"{path[:head]}...{path[len(path) - (self.max_path - head - 3) :]}"

    def note(self, text: str) -> None:
        """Record a note once; past `max_notes` distinct notes, only count them."""
        notes = self.out.notes
        if text in notes:
            return
        if len(notes) < self.limits.max_notes:
            notes.append(text)
        else:
            self.notes_dropped += 1

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
        if len(path) > self.max_path:
            path = self.cut(path)
        if depth > self.limits.max_depth:
            self.note(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
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
                self._json_child(where, f"{path}[{i}]", last_key(path), v, enc, depth, inherited)
            strings = [v for v in node if isinstance(v, str)]
            if len(strings) >= 2 and len(strings) == len(node):
                # Lists are findings in their own right (installed apps): offer them joined.
                self.emit(where, path, last_key(path), ",".join(strings), enc + ("list",))
            elif len(node) == 2 and all(type(v) is float or type(v) is int for v in node):
                # A pair of numbers is a position as often as not (GeoJSON's `[lon, lat]`): offer it
                # joined, beside the holding object's scalars (`"type": "Point"` says the order).
                self.emit(where, path, last_key(path), f"{node[0]},{node[1]}", enc + ("list",), inherited)
            elif len(node) >= 2 and all(isinstance(v, dict) for v in node):
                # A list of objects (`[{"pkg": ..., "ver": ...}, ...]`): offer each shared string
                # column joined, under the list's own key so its name gives the context.  A column
                # is abandoned at its first gap, so the work is bounded by the list's own size.
                for k, column in _string_columns(node):
                    self.emit(where, f"{path}[*].{k}", last_key(path), ",".join(column), enc + ("column",))

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
        if len(prefix) > self.max_path:
            prefix = self.cut(prefix)
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
        if len(path) > self.max_path:
            path = self.cut(path)
        # A loop, not a recursion, through percent layers: each layer replaces the one before, so a
        # chain of them holds two copies of the value at a time, not one per layer.
        while True:
            self.emit(where, path, key, value, enc, siblings)
            # Most values are short plain words and numbers: nothing can be nested in them.
            if len(value) < 16 and not _NESTABLE.search(value):
                return
            if depth > self.limits.max_depth:
                self.note(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
                return
            if len(value) > self.limits.max_body:
                self.note(f"limit: {len(value)}-character value at {_at(where, path)} not decoded")
                return
            text = value.strip()
            if len(text) < 2:
                return
            if text[0] in "{[":
                node = self.load_json(text, path, depth)
                if isinstance(node, dict | list):
                    self.walk_json(where, path, node, enc + ("json",), depth + 1)
                    return
            if len(text) >= 16 and match_base64(text):
                # Only the base64 alphabet: no percent escape, form or token can be inside, so go
                # straight there.  Hex strings (IDs, digests, UUIDs) match it too and are far more
                # often hex.
                if not match_hex(text):
                    self.before(len(text))
                    expand_base64(self, where, path, key, text, enc, depth)
                return
            if search_percent(text):
                decoded = percent_decoded(text, self.check_time)
                if decoded is not None:
                    value, enc, depth = decoded, enc + ("percent",), depth + 1
                    continue
            if match_form(text) and not text.startswith(("http://", "https://")):
                self.walk_form(where, path, text, enc, depth)
                return
            if "eyJ" in text[:12] and text.count(".") == 2:
                payload = jwt_payload(text, self._loads)
                if payload is not None:
                    self.walk_json(where, path, payload, enc + ("jwt",), depth + 1)
                return
            if " " in text or "\n" in text or ("," in text and "=" in text):
                # Free text, or `la=51.50,lo=-0.12` in a cookie: key=value pairs inside it.
                self.walk_text_pairs(where, path, text, enc, depth)
            return

    def walk_text_pairs(self, where: Where, path: str, text: str, enc: tuple[str, ...], depth: int) -> None:
        """`key=value` pairs inside free text (a log line, a debug string): each becomes a field, the
        pairs of one line being each other's siblings (`lat=41.38 lon=2.17` pair up)."""
        if "=" not in text:
            return
        budget = self.max_fields
        for n, line in enumerate(text.splitlines()):
            self.check_time()
            pairs = [(k, quoted or bare) for k, quoted, bare in _TEXT_PAIR.findall(line)]
            if len(pairs) < 2:
                continue
            pairs = pairs[:budget]
            budget -= len(pairs)
            self.walk_pairs(where, f"{path}.line{n}" if path else f"line{n}", pairs, enc + ("text",), depth)
            if budget <= 0:
                self.note(f"limit: key=value text at {_at(where, path)} has too many pairs, rest not decoded")
                return

    def walk_form(self, where: Where, path: str, text: str, enc: tuple[str, ...], depth: int) -> None:
        # One more pair than fields may be made (see request.py): noted when the field limit did not end it.
        pairs, cut = form_pairs(text, self.max_fields + 1, self.check_time)
        self.walk_pairs(where, path, pairs, enc + ("form",), depth)
        if cut:
            self.note(
                f"limit: form at {_at(where, path)} has over {self.max_fields + 1} pairs, rest not decoded"
            )

    def load_json(self, text: str, path: str, depth: int) -> object:
        """The tree of JSON `text` found at `depth` within the limits (noted when they cut it), or None
        if not JSON.  Levels the walk would not reach are dropped before the tree is built."""
        limits = self.limits
        self.before(len(text))
        try:
            doc = load_json(
                text, max_depth=_levels(limits, depth), max_items=limits.max_json_items, check=self.check_time
            )
        except RecursionError:  # only with a max_depth beyond Python's stack
            self.note(f"limit: JSON nested too deep at {path or '$'}")
            return None
        except ValueError:
            return None
        if doc.deepest:
            self.note(
                f"limit: JSON nested deeper than {limits.max_depth} at {path or '$'} "
                f"({doc.deepest} levels), deeper values not decoded"
            )
        if doc.cut:
            self.note(
                f"limit: JSON at {path or '$'} holds over {limits.max_json_items} values, rest not decoded"
            )
        return doc.node

    def _loads(self, text: str) -> object:
        """JSON text inside a token: bounded like any other, quietly (a token that is not JSON is no token)."""
        limits = self.limits
        return load_json(text, max_depth=limits.max_depth, max_items=limits.max_json_items).node

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
            self.note(f"limit: nesting deeper than {self.limits.max_depth} at {path or '$'}")
            return
        codec = sniff_compression(raw)
        if codec:
            inflated = inflate(self, raw, codec, path)
            if inflated is not None:
                self.bytes_value(where, path, key, inflated, enc + (codec,), depth + 1, content_type)
            return
        # Multipart and gRPC are split with find and their parts come back here one by one, each
        # within the size cap below; everything after this point reads all of `raw`.
        if content_type.lower().startswith("multipart/"):
            walk_multipart(self, where, path, raw, content_type, enc, depth)
            return
        ctype = content_type.lower()
        if ctype.startswith("application/grpc") and walk_grpc(self, where, path, raw, enc, depth):
            return
        if len(raw) > self.limits.max_body:
            self.note(
                f"limit: {len(raw)}-byte value at {_at(where, path)} over {self.limits.max_body} bytes, not decoded"
            )
            return
        self.before(len(raw))
        try:
            text: str | None = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or not printable(text) or "protobuf" in ctype:
            # Binary: a protobuf message is the one container worth trying without a schema.
            plausible = (
                is_plausible_message(raw, max_fields=self.max_fields, deadline=self.deadline)
                if require_text or "protobuf" not in ctype
                else True
            )
            if plausible and walk_protobuf(self, where, path, raw, enc + ("protobuf",), depth):
                return
            # Raw deflate and brotli have no magic bytes: try them on binary data, keep only text.
            unpacked = raw_deflate_or_brotli(self, raw)
            if unpacked is not None:
                codec, data = unpacked
                self.bytes_value(where, path, key, data, enc + (codec,), depth + 1, content_type)
                return
            if require_text:
                # A long base64 value that is no known container and looks random: most likely
                # encrypted (Xiaomi's AES payloads, RSA-wrapped keys).  Say so; never guess.
                if len(raw) >= OPAQUE_MIN_BYTES and looks_random(raw):
                    self.note(
                        f"undecoded: opaque {len(raw)}-byte value at {_at(where, path)}"
                        " (encrypted, or an unknown format)"
                    )
                return
            if text is None:
                text = raw.decode("latin-1")
            if not printable(text):
                self.note(f"undecoded: binary body at {_at(where, path)}")
                return
        stripped = text.strip()
        if not stripped:
            return
        if stripped[0] in "{[":
            node = self.load_json(stripped, path, depth)
            if node is not None:
                self.walk_json(where, path, node, enc + ("json",), depth + 1)
                return
            if "\n" in stripped and self._ndjson(where, path, stripped, enc, depth):
                return
        if is_form_body(stripped, content_type, require_text):
            self.walk_form(where, path, stripped, enc, depth)
            return
        self.expand(where, path, key, stripped, enc, depth + 1)

    def _ndjson(self, where: Where, path: str, text: str, enc: tuple[str, ...], depth: int) -> bool:
        """Newline-delimited JSON: every line read must be JSON, or none is walked.

        Lines are pieces like a form's pairs (see request.py): at most one more than the fields an
        exchange may have, and at most `max_json_items` values in all of them together."""
        limits = self.limits
        max_lines = self.max_fields + 1
        left = limits.max_json_items
        nodes: list[JsonDoc] = []
        cut = False
        for line in _lines(text):
            if not line.strip():
                continue
            if len(nodes) >= max_lines or left <= 0:
                cut = True
                break
            self.before(len(line))
            try:
                doc = load_json(line, max_depth=_levels(limits, depth), max_items=left, check=self.check_time)
            except (ValueError, RecursionError):
                return False
            left -= estimate_items(line) + 1
            nodes.append(doc)
        for i, doc in enumerate(nodes):
            if doc.deepest or doc.cut:
                self.note(f"limit: NDJSON line {i} at {_at(where, path)} nested too deep or too long, cut")
            self.walk_json(where, f"{path}[{i}]", doc.node, enc + ("ndjson",), depth + 1)
        if cut:
            self.note(
                f"limit: NDJSON at {_at(where, path)} stopped after {len(nodes)} lines "
                f"(at most {max_lines} lines, {limits.max_json_items} values), rest not decoded"
            )
        return True


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` one at a time (split at \\n only: JSON allows U+2028 inside strings)."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _levels(limits: Limits, depth: int) -> int:
    """The JSON levels walked below a value at `depth` (its top level is walked at depth + 1)."""
    return max(1, limits.max_depth - depth)


def _at(where: Where, path: str) -> str:
    return f"{where.value}{':' + path if path else ''}"


def _string_columns(node: list[dict[str, object]]) -> Iterator[tuple[str, list[str]]]:
    """Each key of the first object whose value is a string in every object, with those strings."""
    for k in node[0]:
        column = []
        for v in node:
            c = v.get(k)
            if type(c) is not str:
                break
            column.append(c)
        else:
            yield k, column


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None
