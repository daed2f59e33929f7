"""The labelled accuracy corpus: reproducible, and every label really is in its request.

The checks use a small reference decoder written here, independent of classifiers/decode.py: it peels
URL path, query, headers, cookies, percent-encoding, forms, multipart, JSON (also inside strings),
NDJSON, base64/base64url, gzip/zlib/deflate/brotli/zstd, JWT payloads, gRPC frames and a naive protobuf
walk, and yields every text it meets with the chain of layers above it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import importlib.util
import json
import math
import re
import struct
import sys
import tomllib
import zlib
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit

import brotli
import pytest
import zstandard

HERE = Path(__file__).resolve().parent
FILES = ("corpus.har", "labels.jsonl", "negatives.jsonl", "manifest.jsonl", "known.toml", "README.md")
KINDS = {
    "imei",
    "meid",
    "imsi",
    "iccid",
    "serial_number",
    "android_id",
    "advertising_id",
    "mac_address",
    "device_id",
    "email",
    "phone_number",
    "coordinates",
    "cell_tower",
    "wifi_network",
    "visited_url",
    "search_query",
    "installed_apps",
    "app_activity",
    "device_model",
    "os_version",
    "carrier",
    "tracking_id",
    "person_name",
    "postal_address",
    "password",
}
ENCODINGS = (
    "path",
    "query",
    "header",
    "cookie",
    "percent",
    "double_percent",
    "form",
    "multipart",
    "json",
    "json_in_string",
    "base64",
    "base64url",
    "gzip",
    "deflate",
    "zlib",
    "brotli",
    "zstd",
    "jwt",
    "protobuf",
    "grpc",
    "ndjson",
)
COMPRESSIONS = ("gzip", "deflate", "zlib", "brotli", "zstd")
MAX_DEPTH = 14

Leaf = tuple[tuple[str, ...], str]

# -- the reference decoder ---------------------------------------------------------------------------------

B64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
B64URL_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}")
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
KEY_RE = re.compile(r"[A-Za-z0-9_.$\[\]-]{1,64}")


def _printable(text: str) -> bool:
    if not text:
        return False
    good = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
    return good >= len(text) * 0.95


def _varint(data: bytes, i: int) -> tuple[int, int] | None:
    shift = value = 0
    while i < len(data) and shift < 70:
        b = data[i]
        value |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            return value, i
        shift += 7
    return None


def pb_parse(data: bytes) -> list[tuple[int, int, Any]] | None:
    fields: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(data):
        key = _varint(data, i)
        if key is None:
            return None
        tag, i = key
        number, wire = tag >> 3, tag & 7
        if number == 0:
            return None
        if wire == 0:
            got = _varint(data, i)
            if got is None:
                return None
            value, i = got
            fields.append((number, 0, value))
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            got = _varint(data, i)
            if got is None or got[1] + got[0] > len(data):
                return None
            length, i = got
            fields.append((number, 2, data[i : i + length]))
            i += length
        else:
            return None
    return fields if i == len(data) and fields else None


def walk_pb(fields: list[tuple[int, int, Any]], chain: tuple[str, ...], out: list[Leaf], depth: int) -> None:
    for _number, wire, value in fields:
        if wire == 0:
            out.append((chain, str(value)))
            continue
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and _printable(text):
            walk_text(text, chain, out, depth + 1)
        nested = pb_parse(value) if depth < MAX_DEPTH else None
        if nested:
            walk_pb(nested, chain, out, depth + 1)


def _decompress(data: bytes) -> tuple[str, bytes] | None:
    if data[:2] == b"\x1f\x8b":
        try:
            return "gzip", gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return None
    if data[:4] == b"\x28\xb5\x2f\xfd":
        try:
            return "zstd", zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 24)
        except zstandard.ZstdError:
            return None
    if len(data) > 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:
        try:
            return "zlib", zlib.decompress(data)
        except zlib.error:
            pass
    try:
        obj = zlib.decompressobj(-15)
        out = obj.decompress(data)
        if obj.eof and not obj.unused_data and out:
            return "deflate", out
    except zlib.error:
        pass
    try:
        out = brotli.decompress(data)
        if out:
            return "brotli", out
    except brotli.error:
        pass
    return None


def walk_bytes(data: bytes, chain: tuple[str, ...], out: list[Leaf], depth: int, ctype: str = "") -> None:
    if depth > MAX_DEPTH or not data:
        return
    if "multipart/" in ctype and "boundary=" in ctype:
        boundary = ctype.split("boundary=", 1)[1].split(";")[0].strip('"').encode()
        for part in data.split(b"--" + boundary)[1:]:
            head, sep, body = part.partition(b"\r\n\r\n")
            if sep:
                walk_bytes(body.removesuffix(b"\r\n"), (*chain, "multipart"), out, depth + 1)
        return
    if len(data) >= 5 and data[0] in (0, 1) and int.from_bytes(data[1:5], "big") == len(data) - 5:
        message = data[5:]
        if data[0] == 1:
            message = gzip.decompress(message)
            chain = (*chain, "grpc", "gzip")
        else:
            chain = (*chain, "grpc")
        fields = pb_parse(message)
        if fields:
            walk_pb(fields, (*chain, "protobuf"), out, depth + 1)
        return
    got = _decompress(data)
    if got:
        name, raw = got
        walk_bytes(raw, (*chain, name), out, depth + 1)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _printable(text):
        walk_text(text, chain, out, depth + 1)
        return
    fields = pb_parse(data)
    if fields:
        walk_pb(fields, (*chain, "protobuf"), out, depth + 1)


def _pairs(
    text: str, chain: tuple[str, ...], layer: str, out: list[Leaf], depth: int, sep: str = "&"
) -> bool:
    pieces = [p for p in text.split(sep) if p]
    if not pieces or not all("=" in p for p in pieces):
        return False
    if not all(KEY_RE.fullmatch(unquote(p.split("=", 1)[0]).strip()) for p in pieces):
        return False
    for piece in pieces:
        _key, raw = piece.split("=", 1)
        raw = raw.strip()
        decoded = unquote_plus(raw) if layer in ("form", "query") else unquote(raw)
        sub = (*chain, layer, "percent") if decoded != raw and "%" in raw else (*chain, layer)
        walk_text(decoded, sub, out, depth + 1)
    return True


def walk_json(obj: Any, chain: tuple[str, ...], out: list[Leaf], depth: int) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append((chain, str(key)))
            walk_json(value, chain, out, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            walk_json(value, chain, out, depth + 1)
    elif isinstance(obj, str):
        walk_text(obj, chain, out, depth + 1)
    else:
        out.append((chain, json.dumps(obj)))


def _b64(text: str) -> tuple[str, bytes] | None:
    if len(text) < 12 or re.fullmatch(r"[0-9a-fA-F]+", text) or text.isdigit():
        return None
    padded = text + "=" * (-len(text) % 4)
    if B64_RE.fullmatch(text) and len(text) % 4 == 0:
        name = "base64"
    elif B64URL_RE.fullmatch(text) and "=" not in text:
        name = "base64url"  # unpadded, or with the URL-safe alphabet
    else:
        return None
    try:
        return name, base64.b64decode(padded) if name == "base64" else base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        return None


def _plausible(raw: bytes) -> bool:
    if _decompress(raw) is not None or raw[:1] in (b"{", b"["):
        return True
    try:
        return _printable(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return bool(pb_parse(raw))


def walk_text(text: str, chain: tuple[str, ...], out: list[Leaf], depth: int) -> None:
    out.append((chain, text))
    if depth > MAX_DEPTH:
        return
    s = text.strip()
    if not s:
        return
    if s[0] in "{[":
        try:
            walk_json(json.loads(s), (*chain, "json"), out, depth + 1)
            return
        except ValueError:
            lines = [line for line in s.splitlines() if line.strip()]
            if len(lines) > 1:
                try:
                    objs = [json.loads(line) for line in lines]
                except ValueError:
                    objs = []
                for obj in objs:
                    walk_json(obj, (*chain, "ndjson", "json"), out, depth + 1)
                if objs:
                    return
    if JWT_RE.fullmatch(s):
        payload = s.split(".")[1]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        walk_text(raw.decode("utf-8"), (*chain, "jwt"), out, depth + 1)
        return
    if s.startswith(("http://", "https://", "android-app://")):
        split = urlsplit(s)
        for seg in split.path.split("/"):
            if seg:
                walk_text(unquote(seg), (*chain, "url"), out, depth + 1)
        if split.query:
            _pairs(split.query, chain, "url", out, depth)
        return
    if "%" in s and re.search(r"%[0-9A-Fa-f]{2}", s) and not ("=" in s and "&" in s):
        walk_text(unquote(s), (*chain, "percent"), out, depth + 1)
        return
    if "=" in s and " " not in s and _pairs(s, chain, "form", out, depth):
        return
    got = _b64(s)
    if got and _plausible(got[1]):
        walk_bytes(got[1], (*chain, got[0]), out, depth + 1)


def entry_leaves(entry: dict[str, Any]) -> list[Leaf]:
    out: list[Leaf] = []
    request = entry["request"]
    split = urlsplit(request["url"])
    out.append((("url",), request["url"]))
    for seg in split.path.split("/"):
        if seg:
            decoded = unquote(seg)
            walk_text(decoded, ("path", "percent") if decoded != seg else ("path",), out, 0)
    if split.query:
        _pairs(split.query, (), "query", out, 0)
    headers = {h["name"].lower(): h["value"] for h in request["headers"]}
    for h in request["headers"]:
        name, value = h["name"].lower(), h["value"]
        if name == "cookie":
            _pairs(value.replace("; ", ";"), (), "cookie", out, 0, sep=";")
            continue
        walk_text(value, ("header",), out, 0)
        if name == "authorization" and " " in value:
            walk_text(value.split(" ", 1)[1], ("header",), out, 0)
    post = request.get("postData")
    if post and post.get("text"):
        text = post["text"]
        body = base64.b64decode(text) if post.get("encoding") == "base64" else text.encode("utf-8")
        ctype = headers.get("content-type", post.get("mimeType", ""))
        walk_bytes(body, ("body",), out, 0, ctype)
    return out


# -- loading ----------------------------------------------------------------------------------------------


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("phonehome_make_corpus", HERE / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def har() -> list[dict[str, Any]]:
    return json.loads((HERE / "corpus.har").read_text(encoding="utf-8"))["log"]["entries"]


@cache
def labels() -> list[dict[str, Any]]:
    return _jsonl(HERE / "labels.jsonl")


@cache
def negatives() -> list[dict[str, Any]]:
    return _jsonl(HERE / "negatives.jsonl")


@cache
def manifest() -> list[dict[str, Any]]:
    return _jsonl(HERE / "manifest.jsonl")


@cache
def known() -> dict[str, list[str]]:
    return tomllib.loads((HERE / "known.toml").read_text(encoding="utf-8"))


@cache
def leaves(index: int) -> list[Leaf]:
    return entry_leaves(har()[index])


# -- matching a label against decoded text ------------------------------------------------------------------


def _mac_forms(value: str) -> list[str]:
    bare = value.replace(":", "")
    return [value, value.replace(":", "-"), bare]


def _phone_national(value: str) -> str:
    import phonenumbers

    return str(phonenumbers.parse(value).national_number)


def _packed_doubles(index: int, lat: float, lon: float) -> list[tuple[str, ...]]:
    """A position sent as two little-endian doubles inside a gRPC protobuf message."""
    post = har()[index]["request"].get("postData") or {}
    raw = base64.b64decode(post.get("text", "")) if post.get("encoding") == "base64" else b""
    if struct.pack("<d", lat) in raw and struct.pack("<d", lon) in raw:
        return [("body", "grpc", "protobuf")]
    return []


def find(index: int, kind: str, value: str) -> list[tuple[str, ...]]:
    """Chains of the decoded texts of entry `index` in which the label is found (empty: not found)."""
    texts = leaves(index)
    low = [(chain, t.lower()) for chain, t in texts]

    def having(needle: str) -> list[tuple[str, ...]]:
        n = needle.lower()
        return [chain for chain, t in low if n in t]

    if kind == "coordinates":
        lat, lon = value.split(",")
        return (having(lat) if having(lon) else []) or _packed_doubles(index, float(lat), float(lon))
    if kind == "person_name":
        words = value.split()
        return having(words[0]) if all(having(w) for w in words) else []
    if kind == "postal_address":
        street, _, place = value.partition(", ")
        return having(street) if all(having(w) for w in place.split()) else []
    if kind == "password":
        # Labelled as reported ("[password]"): a password field, or Basic credentials with a password.
        basic = [c for c, t in texts if c[:1] == ("header",) and re.match(r"basic \S+", t.lower())]
        return having("password%5d=") or having("password=") or having('"password"') or basic
    if kind == "cell_tower":
        parts = [p for p in value.split("-") if p]
        for part in parts:
            if not having(part) and not having(str(int(part))):
                return []
        return having(parts[-1]) or having(str(int(parts[-1])))
    if kind == "installed_apps":
        pkgs = value.split(",")
        return having(pkgs[0]) if all(having(p) for p in pkgs) else []
    if kind == "phone_number" and value.startswith("+"):
        national = _phone_national(value)
        return [chain for chain, t in texts if national in re.sub(r"\D", "", t)]
    if kind in ("mac_address", "wifi_network") and re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", value):
        return [c for form in _mac_forms(value) for c in having(form)]
    if kind == "advertising_id":
        return having(value) or having(value.replace("-", ""))
    return having(value)


def _chain_has(tag: str, chain: tuple[str, ...], ce: str | None) -> bool:
    if tag in ("path", "query", "header", "cookie"):
        return bool(chain) and chain[0] == tag
    if tag == "double_percent":
        return chain.count("percent") >= 2
    if tag == "json_in_string":
        return any(
            layer == "json"
            and i > 0
            and chain[i - 1] in ("json", "form", "query", "protobuf", "multipart", "percent", "url")
            for i, layer in enumerate(chain)
        )
    if tag.endswith("_ce"):
        base = tag[:-3]
        return ce is not None and len(chain) > 1 and chain[0] == "body" and chain[1] == base
    return tag in chain


# -- reproducibility --------------------------------------------------------------------------------------


def _canonical(entries: list[dict[str, Any]]) -> list[Any]:
    out = []
    for entry in entries:
        req = entry["request"]
        headers = [
            (h["name"].lower(), h["value"]) for h in req["headers"] if h["name"].lower() != "content-length"
        ]
        out.append(
            (
                entry["startedDateTime"],
                req["method"],
                req["url"],
                headers,
                sorted({(c, t) for c, t in entry_leaves(entry)}),
            )
        )
    return out


def test_regenerating_gives_the_committed_files(tmp_path: Path) -> None:
    _load_generator().main(tmp_path)
    for name in FILES:
        fresh = (tmp_path / name).read_bytes()
        committed = (HERE / name).read_bytes()
        if name == "corpus.har" and fresh != committed:
            # compressed bodies may differ between zlib/brotli/zstd builds: compare what they decode to
            new = json.loads(fresh)["log"]["entries"]
            assert _canonical(new) == _canonical(har()), "corpus.har differs beyond compression bytes"
            continue
        assert fresh == committed, f"{name} is stale: run python tests/corpus/make_corpus.py"


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen = _load_generator()
    gen.main(tmp_path / "a")
    gen.main(tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# -- shape ------------------------------------------------------------------------------------------------------


def test_har_shape_and_size() -> None:
    doc = json.loads((HERE / "corpus.har").read_text(encoding="utf-8"))
    assert doc["log"]["version"] == "1.2"
    entries = doc["log"]["entries"]
    assert len(entries) >= 420
    assert (HERE / "corpus.har").stat().st_size < 3 * 1024 * 1024
    for entry in entries:
        assert {"startedDateTime", "time", "request", "response", "timings"} <= entry.keys()
        req = entry["request"]
        assert req["url"].startswith(("http://", "https://"))
        post = req.get("postData")
        if post:
            if post.get("encoding") == "base64":
                base64.b64decode(post["text"], validate=True)
    times = [e["startedDateTime"] for e in entries]
    assert times == sorted(times) and times[0].startswith("2026-11-21T09:00")


def test_manifest_matches_har() -> None:
    assert [m["entry"] for m in manifest()] == list(range(len(har())))
    per_entry = Counter(row["entry"] for row in labels())
    for m in manifest():
        assert m["labels"] == per_entry.get(m["entry"], 0)


def test_some_entries_carry_nothing() -> None:
    labelled = {row["entry"] for row in labels()}
    assert len(har()) - len(labelled) >= 15


# -- labels -----------------------------------------------------------------------------------------------------


def test_labels_are_well_formed_and_unique() -> None:
    seen = set()
    for row in labels():
        assert set(row) == {"entry", "kind", "value", "hashed", "known"}, row
        assert 0 <= row["entry"] < len(har())
        assert row["kind"] in KINDS, row
        assert row["hashed"] in (None, "md5", "sha1", "sha256"), row
        assert isinstance(row["value"], str) and row["value"] == row["value"].strip() and row["value"], row
        key = (row["entry"], row["kind"], row["value"])
        assert key not in seen, f"duplicate label {key}"
        seen.add(key)


def test_every_label_is_in_its_entry() -> None:
    missing = [row for row in labels() if not find(row["entry"], row["kind"], row["value"])]
    assert not missing, f"{len(missing)} labels not found after decoding, e.g. {missing[:5]}"


def test_values_are_normalised() -> None:
    import phonenumbers

    for row in labels():
        kind, value = row["kind"], row["value"]
        if row["hashed"]:
            continue
        if kind in ("imei", "imsi", "iccid"):
            assert value.isdigit(), row
        if kind == "imei":
            assert len(value) == 15 and _luhn(value), row
        if kind == "iccid":
            assert 19 <= len(value) <= 20 and _luhn(value), row
        if kind == "android_id":
            assert re.fullmatch(r"[0-9a-f]{16}", value), row
        if kind == "mac_address":
            assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", value), row
        if kind == "email":
            assert value == value.lower() and "@" in value, row
        if kind == "phone_number":
            assert phonenumbers.is_valid_number(phonenumbers.parse(value)), row
            assert value == phonenumbers.format_number(
                phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.E164
            )
        if kind == "advertising_id" and "-" in value:
            assert re.fullmatch(
                r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value
            ), row
        if kind == "coordinates":
            lat, lon = map(float, value.split(","))
            assert -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0)
        if kind == "cell_tower":
            assert re.fullmatch(r"\d{3}-\d{2,3}-\d*-\d*", value), row
        if kind == "meid":
            assert re.fullmatch(r"[0-9A-F]{14}", value), row


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _distance_m(a: str, b: str) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, map(float, x.split(","))) for x in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _variants(kind: str, value: str) -> list[str]:
    if kind == "mac_address":
        bare = value.replace(":", "")
        return [
            value,
            value.upper(),
            bare,
            bare.upper(),
            value.replace(":", "-"),
            value.replace(":", "-").upper(),
        ]
    if kind == "phone_number":
        return [value, value[1:], "00" + value[1:], _phone_national(value)]
    if kind in ("android_id", "advertising_id"):
        return [value, value.upper(), value.replace("-", "")]
    return [value]


def test_known_and_digests_are_consistent() -> None:
    declared = known()
    assert set(declared) >= {
        "imei",
        "android_id",
        "advertising_id",
        "mac_address",
        "email",
        "phone_number",
        "serial_number",
        "coordinates",
    }
    key_of = {
        "serial_number": "serial_number",
        "mac_address": "mac_address",
        "advertising_id": "advertising_id",
    }
    used_keys = set()
    for row in labels():
        kind, value, known_value = row["kind"], row["value"], row["known"]
        if known_value is None:
            if kind == "coordinates":
                assert all(_distance_m(value, home) > 1000 for home in declared["coordinates"]), row
            if not row["hashed"] and kind in declared:
                assert value not in declared[kind], f"declared value labelled without known: {row}"
            continue
        key = key_of.get(kind, kind)
        assert known_value in declared[key], row
        used_keys.add(key)
        if kind == "coordinates":
            assert _distance_m(value, known_value) <= 1000, row
        elif row["hashed"]:
            digests = set()
            for text in _variants(kind, known_value):
                raw = hashlib.new(row["hashed"], text.encode()).digest()
                digests |= {raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode()}
            assert value in digests, f"digest does not match the declared value: {row}"
        else:
            assert value == known_value, row
    assert used_keys == set(declared), f"declared but never labelled: {set(declared) - used_keys}"


# -- negatives --------------------------------------------------------------------------------------------------


def test_negatives() -> None:
    rows = negatives()
    assert len(rows) >= 100
    label_values = defaultdict(set)
    for row in labels():
        label_values[row["entry"]].add(row["value"])
    for row in rows:
        assert set(row) == {"entry", "category", "value", "description"}, row
        assert row["value"] not in label_values[row["entry"]], f"negative equals a label: {row}"
        assert find(row["entry"], "negative", row["value"]), f"negative not in its entry: {row}"
    categories = Counter(row["category"] for row in rows)
    for category in (
        "timestamp_ms",
        "timestamp_s",
        "order_number",
        "card_like",
        "request_uuid",
        "content_hash",
        "version_string",
        "build_fingerprint",
        "screen_size",
        "touch_coordinates",
        "geo_like_number",
        "price",
        "placeholder",
        "same_site_url",
        "cdn_image_url",
        "host_list",
        "graphql_query",
        "accept_q",
        "service_email",
        "retina_asset",
    ):
        assert categories[category] >= 1, category


def test_look_alike_numbers_really_fail_luhn() -> None:
    for row in negatives():
        if row["category"] in ("order_number", "card_like"):
            assert row["value"].isdigit() and not _luhn(row["value"]), row


# -- encodings ---------------------------------------------------------------------------------------------------


def test_each_tagged_encoding_wraps_labelled_data() -> None:
    by_entry = defaultdict(list)
    for row in labels():
        by_entry[row["entry"]].append(row)
    wrong = []
    for m in manifest():
        i = m["entry"]
        entry = har()[i]
        ce = next(
            (h["value"] for h in entry["request"]["headers"] if h["name"].lower() == "content-encoding"), None
        )
        chains = [chain for row in by_entry[i] for chain in find(i, row["kind"], row["value"])]
        for tag in m["encodings"]:
            if not any(_chain_has(tag, chain, ce) for chain in chains):
                wrong.append((i, m["family"], tag))
    assert not wrong, f"encodings tagged but not found around a label: {wrong[:10]}"


def test_every_encoding_is_used_enough() -> None:
    counts = Counter(tag for m in manifest() for tag in m["encodings"])
    for name in ENCODINGS:
        assert counts[name] >= 8, (name, counts[name])
    for name in COMPRESSIONS:
        assert counts[f"{name}_ce"] >= 1, f"{name} never sent with a Content-Encoding header"
        assert counts[name] - counts[f"{name}_ce"] >= 1, (
            f"{name} never sent without a Content-Encoding header"
        )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_labelled(kind: str) -> None:
    assert any(row["kind"] == kind for row in labels())


def test_reference_decoder_peels_layers() -> None:
    inner = json.dumps({"imei": "862531064719280"}).encode()
    body = base64.b64encode(gzip.compress(inner)).decode()
    entry = {
        "request": {
            "url": "https://x.example/a?d="
            + body.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
            "headers": [],
            "method": "GET",
        }
    }
    chains = [chain for chain, text in entry_leaves(entry) if text == "862531064719280"]
    assert chains and "gzip" in chains[0] and "base64" in chains[0] and "json" in chains[0]


def test_every_declared_value_sent_is_labelled() -> None:
    """Completeness: wherever a declared value (or a digest of one) shows up after decoding, it is labelled."""
    declared = known()
    probes: list[tuple[str, str, str, str | None]] = []  # (needle, kind, declared value, digest algorithm)
    for key, values in declared.items():
        if key == "coordinates":
            continue
        for value in values:
            for text in _variants(key, value):
                probes.append((text.lower(), key, value, None))
                for algorithm in ("md5", "sha1", "sha256"):
                    raw = hashlib.new(algorithm, text.encode()).digest()
                    probes.append((raw.hex(), key, value, algorithm))
                    probes.append((base64.b64encode(raw).decode().lower(), key, value, algorithm))
    by_entry = defaultdict(list)
    for row in labels():
        by_entry[row["entry"]].append(row)
    missing = []
    for index in range(len(har())):
        blob = "\n".join(text.lower() for _chain, text in leaves(index))
        rows = by_entry[index]
        for needle, kind, declared_value, alg in probes:
            if needle not in blob or not re.search(rf"(?<![0-9a-z]){re.escape(needle)}(?![0-9a-z])", blob):
                continue
            if alg:
                ok = any(r["hashed"] == alg and r["value"].lower() == needle for r in rows)
            else:
                ok = any(r["kind"] == kind and r["known"] == declared_value for r in rows)
            if not ok:
                missing.append((index, kind, declared_value, alg))
    assert not missing, f"declared values sent but not labelled: {missing[:10]}"
