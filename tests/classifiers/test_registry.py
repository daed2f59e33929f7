"""classifiers.registry: the explicit DETECTORS tuple and `analyze`."""

from __future__ import annotations

import base64
import gzip
import inspect
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from classifiers import apps, browsing, contact, device, identifiers, location, registry
from classifiers.decode import Limits
from classifiers.model import Destination, Exchange, Field, Finding, Kind, Source, Where
from classifiers.registry import DETECTORS, Detector, analyze, candidates
from tests.classifiers._helpers import exchange

DETECTOR_MODULES = (identifiers, contact, location, browsing, apps, device)
REPO = Path(__file__).resolve().parents[2]
IMEI = "490154203237518"


def _defined_detectors() -> list[Detector]:
    return [
        fn
        for module in DETECTOR_MODULES
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("detect_") and fn.__module__ == module.__name__
    ]


def test_every_detector_is_registered_exactly_once() -> None:
    registered = [spec.detect for spec in DETECTORS]
    defined = _defined_detectors()
    assert len(defined) == 21
    for fn in defined:
        assert registered.count(fn) == 1, fn
    assert len(registered) == len(defined)


def test_detector_ids_are_unique_and_name_their_function() -> None:
    ids = [spec.name for spec in DETECTORS]
    assert len(ids) == len(set(ids))
    for spec in DETECTORS:
        assert spec.detect.__name__ == f"detect_{spec.name}"


def test_detector_ids_are_kind_names() -> None:
    # Every detector id today is also the kind it reports: both are persisted contracts.
    assert {spec.name for spec in DETECTORS} <= {k.value for k in Kind}


def test_classifiers_import_neither_mitmproxy_nor_sqlalchemy() -> None:
    code = (
        "import classifiers.registry, sys; "
        "assert not any(m.split('.')[0] in ('mitmproxy', 'sqlalchemy') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


# -- analyze -------------------------------------------------------------------------------------


def _mi_exchange() -> Exchange:
    events = [
        {"properties": {"url": "https://news.example.org/story", "imei": IMEI}},
        # The same event twice: the same values at different paths stay separate findings.
        {"properties": {"url": "https://news.example.org/story", "imei": IMEI}},
    ]
    data_list = base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()
    return exchange(
        url="https://data.mistat.intl.xiaomi.com/mistats/v3?imei=" + IMEI,
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=urlencode({"data_list": data_list}).encode(),
        server_ip="::ffff:203.0.113.9",
    )


def test_analyze_findings_and_destination() -> None:
    analysis = analyze(_mi_exchange())
    summary = [(f.kind, f.value, f.where, f.path, f.encodings, f.source) for f in analysis.findings]
    enc = ("form", "base64", "gzip", "json")
    assert len(summary) == 5
    assert set(summary) == {
        (Kind.IMEI, IMEI, Where.QUERY, "imei", (), Source.KEY),
        (Kind.IMEI, IMEI, Where.BODY, "data_list[0].properties.imei", enc, Source.KEY),
        (Kind.IMEI, IMEI, Where.BODY, "data_list[1].properties.imei", enc, Source.KEY),
        (Kind.VISITED_URL, "https://news.example.org/story", Where.BODY, "data_list[0].properties.url", enc,
         Source.KEY),
        (Kind.VISITED_URL, "https://news.example.org/story", Where.BODY, "data_list[1].properties.url", enc,
         Source.KEY),
    }  # fmt: skip
    assert analysis.destination == Destination(
        host="data.mistat.intl.xiaomi.com", domain="xiaomi.com", ip="203.0.113.9"
    )
    assert analysis.notes == ()
    assert analysis.fields == 8  # 2 path segments, 1 query field, the form field and 4 decoded values


def test_analyze_deduplicates_keeping_the_most_confident() -> None:
    # The raw value holds the address inside other text (0.9); its percent-decoded form is exactly the
    # address (0.97).  Same kind, value, where and path: one finding, the better one.
    body = json.dumps({"note": "alice@example.com%20", "twice": "bob@example.com bob@example.com"}).encode()
    analysis = analyze(exchange(body=body))
    assert sorted((f.value, f.path, f.encodings, f.confidence) for f in analysis.findings) == [
        ("alice@example.com", "note", ("json", "percent"), 0.97),
        ("bob@example.com", "twice", ("json",), 0.9),
    ]


def test_analyze_passes_decoder_notes_on() -> None:
    analysis = analyze(exchange(url="https://h.example.com/?a=1&b=2&imei=" + IMEI), Limits(max_fields=2))
    assert analysis.notes == ("limit: more than 2 fields, rest not decoded",)
    assert (analysis.fields, analysis.findings) == (2, ())


def test_a_raising_detector_is_skipped_and_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Field] = []

    def detect_boom(field: Field) -> list[Finding]:
        calls.append(field)
        raise RuntimeError("kaboom")

    boom = registry.Spec("boom", detect_boom, gate=lambda value: True)
    original = registry.gate_hits
    monkeypatch.setattr(registry, "DETECTORS", (boom, *DETECTORS))
    monkeypatch.setattr(registry, "gate_hits", lambda value: (boom, *original(value)))
    analysis = analyze(exchange(url=f"https://h.example.com/?imei={IMEI}&email=alice@example.com"))
    assert analysis.notes == ("detector boom failed: RuntimeError: kaboom",)
    assert len(calls) == 1  # skipped for the rest of the flow after its first failure
    assert sorted((f.kind, f.value) for f in analysis.findings) == [
        (Kind.EMAIL, "alice@example.com"),
        (Kind.IMEI, IMEI),
    ]


def test_analyze_without_anything_to_find() -> None:
    analysis = analyze(exchange(url="https://10.0.0.2:8443/ping", method="GET"))
    assert analysis.findings == ()
    assert analysis.destination == Destination(host="10.0.0.2", domain="10.0.0.2", ip=None)
    assert analysis.fields == 1


def test_dispatch_finds_what_running_every_detector_finds() -> None:
    """Each field only reaches the detectors its key or value can trigger: check nothing is lost."""
    from phonehome.sources import open_source

    sample = REPO / "examples" / "phone-session.har"
    checked = 0
    for item in open_source(sample):
        if not isinstance(item, Exchange):
            continue
        fast = {(f.kind, f.value, f.where, f.path, f.hashed) for f in analyze(item).findings}
        slow = {(f.kind, f.value, f.where, f.path, f.hashed) for f in analyze(item, exhaustive=True).findings}
        assert fast == slow, item.url
        checked += 1
    assert checked >= 45


def test_candidates_by_key_digest_key_and_gate() -> None:
    def names(key: str, value: str) -> set[str]:
        return {s.name for s in candidates(Field(Where.QUERY, key, key, value))}

    assert names("imei", "x") == {"imei"}
    assert names("imei_md5", "x") == {"imei"}
    assert names("zz", IMEI) == {"imei"}
    assert names("zz", "a@b.example") == {"email"}
    assert "visited_url" in names("zz", "https://example.org/")
    assert names("zz", "plain") == set()


@pytest.mark.parametrize(
    "value",
    ["861234567890127", " 861234567890127 ", "8934071234567890123", "a4:50:46:12:34:56", "a4-50-46-12-34-56",
     "x@y.example", "https://example.org/", "com.a,com.b,com.c", "com.whatsapp/.Home", "plain", "1234",
     "12345", "2026-11-20", "a,b", "x/y", "89", "text/html; q=0.9", "  ", ""],
)  # fmt: skip
def test_gate_hits_agrees_with_each_gate(value: str) -> None:
    expected = {s.name for s in registry._GATED if s.gate(value)}  # type: ignore[misc]
    assert {s.name for s in registry.gate_hits(value)} == expected
