"""The bundled sample capture: reproducible, realistic in shape, and its labels point at real data."""

from __future__ import annotations

import base64
import binascii
import gzip
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HAR = EXAMPLES / "phone-session.har"
LABELS = EXAMPLES / "phone-session.expected.json"

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
}
WHERES = {"query", "path", "header", "cookie", "body"}
NEGATIVES = ("862026112008154", "9d2e47a1-0c5b-4f83-b6a9-3e71c8d05f2a", "02:00:00:00:00:00")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("phonehome_make_sample", EXAMPLES / "make_sample.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("sample")
    har, labels = _load_script().main(out)
    return har, labels


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    return json.loads(HAR.read_text())["log"]["entries"]


@pytest.fixture(scope="module")
def labels() -> list[dict[str, Any]]:
    return json.loads(LABELS.read_text(encoding="utf-8"))


def test_regenerating_gives_the_committed_bytes(generated: tuple[Path, Path]) -> None:
    har, labels = generated
    assert har.read_bytes() == HAR.read_bytes(), "run: python examples/make_sample.py"
    assert labels.read_bytes() == LABELS.read_bytes(), "run: python examples/make_sample.py"


def test_har_looks_like_a_mitmproxy_export(entries: list[dict[str, Any]]) -> None:
    log = json.loads(HAR.read_text())["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "mitmproxy"
    assert HAR.stat().st_size < 250_000
    assert len(entries) >= 45
    for entry in entries:
        assert {
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
            "serverIPAddress",
        } <= set(entry)
        request = entry["request"]
        assert {
            "method",
            "url",
            "httpVersion",
            "headers",
            "queryString",
            "cookies",
            "headersSize",
            "bodySize",
        } <= set(request)
        if request["bodySize"]:
            assert {"mimeType", "text"} <= set(request["postData"])
        assert {"status", "statusText", "httpVersion", "headers", "cookies", "content", "redirectURL"} <= set(
            entry["response"]
        )
    first = datetime.fromisoformat(entries[0]["startedDateTime"])
    last = datetime.fromisoformat(entries[-1]["startedDateTime"])
    assert first == datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)
    assert 15 * 60 <= (last - first).total_seconds() <= 25 * 60


def test_har_covers_the_awkward_cases(entries: list[dict[str, Any]]) -> None:
    hosts = {urlsplit(e["request"]["url"]).hostname for e in entries}
    cleartext = {
        urlsplit(e["request"]["url"]).hostname for e in entries if e["request"]["url"].startswith("http://")
    }
    statuses = [e["response"]["status"] for e in entries]
    assert len(hosts) >= 8
    assert len(cleartext) >= 3
    assert 204 in statuses and 304 in statuses
    failed = [e for e in entries if e["response"]["status"] == 0]
    assert len(failed) == 1 and failed[0]["response"]["_error"] == "connection reset"
    gzipped = [
        e
        for e in entries
        if any(
            h["name"].lower() == "content-encoding" and h["value"] == "gzip" for h in e["request"]["headers"]
        )
    ]
    assert gzipped and all(e["request"]["postData"].get("encoding") == "base64" for e in gzipped)
    assert gzip.decompress(base64.b64decode(gzipped[0]["request"]["postData"]["text"])).startswith(b"{")


def test_labels_point_at_existing_entries_and_hosts(
    entries: list[dict[str, Any]], labels: list[dict[str, Any]]
) -> None:
    assert labels
    for label in labels:
        assert {"entry", "host", "kind", "value", "where", "path"} <= set(label), label
        assert 0 <= label["entry"] < len(entries), label
        assert label["host"] == urlsplit(entries[label["entry"]]["request"]["url"]).hostname, label
        assert label["kind"] in KINDS, label
        assert label["where"] in WHERES, label
        assert label.get("hashed") in (None, "md5", "sha1", "sha256"), label


def test_every_label_value_is_really_sent(
    entries: list[dict[str, Any]], labels: list[dict[str, Any]]
) -> None:
    missing = []
    for label in labels:
        haystack = _haystack(entries[label["entry"]])
        if not _carries(haystack, label["kind"], label["value"]):
            missing.append(label)
    assert not missing, missing


def test_lookalike_negatives_are_present_but_unlabelled(
    entries: list[dict[str, Any]], labels: list[dict[str, Any]]
) -> None:
    sent = "\n".join(_haystack(e) for e in entries)
    values = {str(label["value"]).lower() for label in labels}
    for negative in NEGATIVES:
        assert negative in sent
        assert negative not in values
    script = _load_script()
    assert not script.luhn_ok(NEGATIVES[0])
    imeis = [label["value"] for label in labels if label["kind"] == "imei" and not label.get("hashed")]
    assert imeis and all(len(v) == 15 and script.luhn_ok(v) for v in imeis)


def test_label_kinds_cover_the_brief(labels: list[dict[str, Any]]) -> None:
    kinds = {label["kind"] for label in labels}
    assert {
        "imei",
        "advertising_id",
        "android_id",
        "mac_address",
        "email",
        "phone_number",
        "coordinates",
        "visited_url",
        "search_query",
        "installed_apps",
        "app_activity",
        "device_model",
        "os_version",
        "carrier",
    } <= kinds
    assert {label["where"] for label in labels} == WHERES


# -- a deliberately small, independent decoder: enough to find a label's value ------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _haystack(entry: dict[str, Any]) -> str:
    """Everything the request sent, with its layers peeled, lower-cased, one string per line."""
    request = entry["request"]
    found: list[str] = [request["url"], unquote_plus(request["url"])]
    for header in request["headers"]:
        found += _expand(header["value"])
    for cookie in request["cookies"]:
        found += _expand(cookie["value"])
    post = request.get("postData") or {}
    if post.get("text"):
        raw = base64.b64decode(post["text"]) if post.get("encoding") == "base64" else post["text"].encode()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # protobuf: its strings are still visible
        found += _expand(text)
    return "\n".join(found).lower()


def _expand(value: str, depth: int = 0) -> Iterator[str]:
    yield value
    if depth > 8:
        return
    text = value.strip()
    if text[:1] in ("{", "["):
        try:
            node = json.loads(text)
        except ValueError:
            node = None
        for leaf in _leaves(node):
            yield from _expand(leaf, depth + 1)
    elif "=" in text and not text.startswith("http"):
        for key, sub in parse_qsl(text, keep_blank_values=True):
            yield key
            if sub != text:
                yield from _expand(sub, depth + 1)
    runs = _B64_RUN.findall(text)
    # "/" is a base64 character, so "MK/UmVk..." is one run: also try what follows each slash.
    runs += [run[i + 1 :] for run in runs for i, ch in enumerate(run) if ch == "/" and len(run) - i > 16]
    for run in runs:
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        try:
            yield from _expand(raw.decode("utf-8"), depth + 1)
        except UnicodeDecodeError:
            continue


def _leaves(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _leaves(value)
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item)
    elif node is not None:
        yield str(node).lower() if isinstance(node, bool) else str(node)


def _carries(haystack: str, kind: str, value: str) -> bool:
    value = value.lower()
    if kind == "coordinates":
        return all(part in haystack for part in value.split(","))
    if kind == "installed_apps":
        return all(package in haystack for package in value.split(","))
    if kind == "cell_tower":
        return all(part in haystack for part in value.split("-") if part)
    if kind in ("mac_address", "wifi_network") and re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", value):
        return value in haystack or value.replace(":", "") in haystack or value.replace(":", "-") in haystack
    if kind == "phone_number":
        return value in haystack or value.lstrip("+") in haystack
    return value in haystack
