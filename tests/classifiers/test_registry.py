"""classifiers.registry: the explicit DETECTORS tuple and `analyze`."""

from __future__ import annotations

import base64
import gzip
import hashlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from phonehome.classifiers import registry
from phonehome.classifiers.decode.limits import Limits
from phonehome.classifiers.detect import (
    apps,
    browsing,
    contact,
    credentials,
    device,
    identifiers,
    location,
    person,
    tracking,
)
from phonehome.classifiers.model import Destination, Exchange, Field, Finding, Hash, Kind, Source, Where
from phonehome.classifiers.registry import DETECTORS, Detector, analyze, candidates

from tests._deadline import bounded
from tests.classifiers._helpers import exchange

DETECTOR_MODULES = (identifiers, contact, location, browsing, apps, device, tracking, credentials, person)
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
    assert len(defined) == 25
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
        "import phonehome.classifiers.registry, sys; "
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
    # Once per place: both events of the list send the same values, which is one finding each.
    assert len(summary) == 3
    assert set(summary) == {
        (Kind.IMEI, IMEI, Where.QUERY, "imei", (), Source.KEY),
        (Kind.IMEI, IMEI, Where.BODY, "data_list[0].properties.imei", enc, Source.KEY),
        (Kind.VISITED_URL, "https://news.example.org/story", Where.BODY, "data_list[0].properties.url", enc,
         Source.KEY),
    }  # fmt: skip
    dest = analysis.destination
    assert (dest.host, dest.domain, dest.ip) == ("data.mistat.intl.xiaomi.com", "xiaomi.com", "203.0.113.9")
    assert (dest.entity, dest.service, dest.entity_country, dest.categories) == (
        "Xiaomi",
        "MiStat",
        "CN",
        ("telemetry",),
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
    assert analysis.destination == Destination(
        host="10.0.0.2", domain="10.0.0.2", ip=None, country="local", region="local"
    )  # the host is the address: it answers for itself
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


# -- placing national phone numbers from the rest of the request ------------------------------------------


def _phone(value: str = "015112345678") -> Finding:
    return Finding(
        Kind.PHONE_NUMBER, value, Where.BODY, "user.phone", ("json",), 0.6, Source.KEY, "phone_number"
    )


@pytest.mark.parametrize(
    ("fields", "headers", "expected"),
    [
        ([Field(Where.BODY, "settings.locale", "locale", "de_DE")], (), ("+4915112345678", 0.85)),
        ([Field(Where.QUERY, "country", "country", "de")], (), ("+4915112345678", 0.85)),
        ([], (("Accept-Language", "de-DE,de;q=0.9,en;q=0.8"),), ("+4915112345678", 0.85)),
        # A request field wins over the header.
        ([Field(Where.BODY, "lang", "lang", "de-DE")], (("Accept-Language", "en-US"),), ("+4915112345678", 0.85)),
        # Near misses: nothing names a country, or the country does not make the number valid.
        ([], (), ("015112345678", 0.6)),
        ([Field(Where.BODY, "language", "language", "de")], (("Accept-Language", "de"),), ("015112345678", 0.6)),
        ([Field(Where.BODY, "country", "country", "Germany")], (), ("015112345678", 0.6)),
        ([], (("Accept-Language", "en-US"),), ("015112345678", 0.6)),  # not a valid US number
    ],
)  # fmt: skip
def test_place_phone_numbers(fields: list[Field], headers: tuple, expected: tuple[str, float]) -> None:
    [placed] = registry._place_phone_numbers([_phone()], fields, exchange(headers=headers))
    assert (placed.value, placed.confidence) == expected
    assert (placed.kind, placed.path, placed.source, placed.detector) == (
        Kind.PHONE_NUMBER, "user.phone", Source.KEY, "phone_number",
    )  # fmt: skip


def test_place_phone_numbers_leaves_other_findings_alone() -> None:
    e164 = _phone("+4915112345678")
    imei = Finding(Kind.IMEI, IMEI, Where.BODY, "imei", ("json",), 0.97, Source.KEY, "imei")
    fields = [Field(Where.BODY, "locale", "locale", "de_DE")]
    assert registry._place_phone_numbers([e164, imei], fields, exchange()) == [e164, imei]


def test_analyze_places_a_national_number_from_the_accept_language_header() -> None:
    body = json.dumps({"user": {"phone": "015112345678"}}).encode()
    placed = analyze(exchange(body=body, headers=(("Accept-Language", "de-DE"),))).findings
    unplaced = analyze(exchange(body=body)).findings
    assert [(f.kind, f.value, f.confidence) for f in placed] == [(Kind.PHONE_NUMBER, "+4915112345678", 0.85)]
    assert [(f.kind, f.value, f.confidence) for f in unplaced] == [(Kind.PHONE_NUMBER, "015112345678", 0.6)]


# -- adapters win over a heuristic guess of another kind ----------------------------------------------------

IMEI_MD5 = hashlib.md5(IMEI.encode()).hexdigest()
FORM_CT = (("Content-Type", "application/x-www-form-urlencoded"),)


def _mistat(host: str = "data.mistat.intl.xiaomi.com", device_id: str = IMEI_MD5) -> Exchange:
    body = urlencode({"app_id": "2882303761517", "device_id": device_id, "channel": "default"}).encode()
    return exchange(url=f"https://{host}/mistats/v2", headers=FORM_CT, body=body)


@pytest.mark.parametrize("exhaustive", [False, True])
def test_adapter_finding_wins_over_a_guess_of_another_kind(exhaustive: bool) -> None:
    # The key detector would call `device_id=<32 hex>` a device ID; MiStat's adapter knows it is the
    # MD5 of the IMEI.  One finding remains: the adapter's.
    findings = analyze(_mistat(), exhaustive=exhaustive).findings
    assert [(f.kind, f.value, f.hashed, f.source, f.detector, f.path) for f in findings] == [
        (Kind.IMEI, IMEI_MD5, Hash.MD5, Source.ADAPTER, "adapter:xiaomi-mistat", "device_id")
    ]


def test_without_the_adapter_the_guess_stands() -> None:
    findings = analyze(_mistat(host="data.mistat.example.com")).findings
    assert [(f.kind, f.value, f.hashed, f.source) for f in findings] == [
        (Kind.DEVICE_ID, IMEI_MD5, None, Source.KEY)
    ]


def test_an_adapter_digest_rule_ignores_values_that_are_not_digests() -> None:
    # Not an MD5: the adapter says nothing, so the key detector's guess is all there is.
    findings = analyze(_mistat(device_id="a1b2c3d4e5f6g7h8i9")).findings
    assert [(f.kind, f.value, f.source) for f in findings] == [
        (Kind.DEVICE_ID, "a1b2c3d4e5f6g7h8i9", Source.KEY)
    ]


def test_adapter_precedence_holds_for_every_repeat_of_a_value() -> None:
    # Sensors Analytics: `distinct_id` is a device ID by the adapter, here holding a login email.
    event = {"distinct_id": "alice@example.com", "event": "$AppStart"}
    data_list = base64.b64encode(gzip.compress(json.dumps([event, event]).encode())).decode()
    analysis = analyze(
        exchange(url="https://sa.api.intl.miui.com/sa", headers=FORM_CT, body=urlencode({"data_list": data_list}).encode())
    )  # fmt: skip
    # The adapter's kind wins at every item; analysis then reports the list's items once.
    kinds = [f.kind for f in analysis.findings if f.path.startswith("data_list[")]
    assert kinds and sorted(set(kinds)) == sorted(kinds)


# -- conditional adapter rules: Firebase event parameters -----------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ln(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _firebase_body(param_name: str, param_value: str = "CheckoutScreen") -> bytes:
    param = _ln(1, param_name) + _ln(2, param_value)  # event parameter: 1 name, 2 string value
    event = _ln(1, param) + _ln(2, "screen_view")  # event: 1 parameter, 2 event name
    bundle = _ln(2, event)  # bundle: 2 event
    return _ln(1, bundle)  # batch: 1 bundle


@pytest.mark.parametrize("name", ["_sn", "_sc"])
def test_conditional_rule_reports_a_firebase_screen_name(name: str) -> None:
    findings = analyze(exchange(url="https://app-measurement.com/a", body=_firebase_body(name))).findings
    assert [(f.kind, f.value, f.path, f.encodings, f.source, f.detector) for f in findings] == [
        (
            Kind.APP_ACTIVITY,
            "CheckoutScreen",
            "1.2.1.2",
            ("protobuf",),
            Source.ADAPTER,
            "adapter:google-firebase",
        )
    ]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://app-measurement.com/a", "_o"),  # another parameter: the value is its origin, not a screen
        ("https://app-measurement.com/a", "_sn_x"),
        ("https://app-measurement.com/config/app", "_sn"),  # another endpoint
        ("https://metrics.example.com/a", "_sn"),  # another host: no adapter, and `2` is no key
    ],
)
def test_conditional_rule_needs_its_sibling_and_endpoint(url: str, name: str) -> None:
    assert analyze(exchange(url=url, body=_firebase_body(name))).findings == ()


# -- gate_hits agrees with each Spec's gate ------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        # imei / iccid lengths, with and without surrounding whitespace
        "490154203237518", "\t490154203237518", "49015420323751", "4901542032375180",
        "8934071234567890123", "89340712345678901", "893407123456789012345", "89860012345678901234",
        # MAC shapes
        "a4:50:46:12:34:56", "A4-50-46-12-34-56", " a4:50:46:12:34:56 ", "a4:50:46:12:34", "a45046123456",
        # email and URLs
        "x@y.example", " x@y.example", "alice at example.com", "ab://", "https://example.org/",
        "  https://x.org", "ftp://x.org/a", "see https://x.org",
        # coordinates (comma-separated) and lists
        "22.5431,114.0579", " 22.5431,114.0579 ", "22.54,114.05", "-122.313168,47.661558.json",
        "2.16,41.39.geojson", "1.2,3.4", "22.5431,114.0579,12.0", "com.a,com.b,com.c", "a.b,c",
        # phone numbers
        "+49 151 12345678", "0086-15920348716", "+4915112345678 ", "00491511234567", "+1 (415) 555-2671",
        "0123456789", "+12345", "+49 151 1234567890123456",
        # components and slashes
        "com.whatsapp/.Home", "a.b/c", "text/html; q=0.9", "x/y",
        # nothing
        "plain", "12345", "2026-11-20", "a,b", "89", "1234", "  ", "",
    ],
)  # fmt: skip
def test_gate_hits_agrees_with_each_gate_wide(value: str) -> None:
    expected = {s.name for s in registry._GATED if s.gate(value)}  # type: ignore[misc]
    assert {s.name for s in registry.gate_hits(value)} == expected


_SEPARATORS: tuple[()] = ()  # fixed; kept so the table still reads
_STRIPPED: tuple[()] = ()  # fixed; kept so the table still reads
_SHORT: tuple[()] = ()  # fixed; kept so the table still reads


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("48.8566|2.3522", marks=_SEPARATORS),
        pytest.param("48.8566;2.3522", marks=_SEPARATORS),
        pytest.param("35.6762 139.6503", marks=_SEPARATORS),
        pytest.param(" +4915112345678", marks=_STRIPPED),
        pytest.param("a@b", marks=_SHORT),
        pytest.param("x://", marks=_SHORT),
    ],
)
def test_gate_hits_disagreements(value: str) -> None:
    expected = {s.name for s in registry._GATED if s.gate(value)}  # type: ignore[misc]
    assert {s.name for s in registry.gate_hits(value)} == expected


# -- dispatch reaches every field a detector would report -----------------------------------------------

GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
_UNREACHED: tuple[()] = ()  # fixed; kept so the table still reads


def _json(body: object) -> Exchange:
    return exchange(body=json.dumps(body).encode())


@pytest.mark.parametrize(
    "ex",
    [
        pytest.param(_json({"huq_aid": GAID}), id="huq_aid"),
        pytest.param(_json({"mibrowser_did": "a1b2c3d4e5f6g7h8i9"}), id="mibrowser_did"),
        pytest.param(exchange(headers=(("X-Device-Id", "a1b2c3d4e5f6g7h8i9"),)), id="x-device-id"),
        pytest.param(_json({"location_lat": "47.6615", "location_lng": "-122.3132"}), id="location_lat"),
        pytest.param(_json({"wf": "18d2760e934c;-41;ChinaNet-8hQs|a45046123456;-60;Cafe"}), id="wf"),
        pytest.param(_json({"huq_bssid": "18:d2:76:0e:93:4c", "huq_ssid": "HomeNet"}), id="huq_bssid"),
        pytest.param(_json({"cl": "460|0|9741|12345678|-83", "networkOperator": "310260"}), id="cell"),
        pytest.param(_json({"_mcc": "460", "_mnc": "00", "_rom_ver": "HarmonyOS 3.0.0"}), id="hianalytics"),
        pytest.param(_json({"context": {"os": {"version": "14"}}}), id="os.version"),
        pytest.param(_json({"type": "screen", "name": "CheckoutScreen"}), id="segment-screen"),
        pytest.param(_json({"usage": [{"package": "com.tencent.mm", "foreground_ms": 5000}]}), id="usage"),
        pytest.param(_json({"contact": "0086-15920348716"}), id="international"),
        pytest.param(exchange(url="https://api.mapbox.com/geocoding/v5/mapbox.places/-122.313168,47.661558.json",
                              method="GET"), id="mapbox-path"),
        pytest.param(_json({"advertising": {"id": GAID}}), id="advertising.id", marks=_UNREACHED),
        pytest.param(_json({"device_os_version": "14"}), id="device_os_version", marks=_UNREACHED),
        pytest.param(exchange(url="https://h.example.com/v1/48.8566;2.3522", method="GET"), id="path-pair-semicolon",
                     marks=_UNREACHED),
    ],
)  # fmt: skip
def test_dispatch_finds_what_exhaustive_finds(ex: Exchange) -> None:
    def summary(exhaustive: bool) -> set[tuple]:
        return {(f.kind, f.value, f.path, f.hashed) for f in analyze(ex, exhaustive=exhaustive).findings}

    slow = summary(True)
    assert slow  # every row has something to find
    assert summary(False) == slow


def test_a_failing_decoder_still_gives_an_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("bug")

    monkeypatch.setattr(registry, "decode", broken)
    analysis = analyze(exchange(url="https://h.example.com/?imei=" + IMEI))
    assert analysis.findings == () and analysis.notes == ("decoder failed: ValueError: bug",)
    assert analysis.destination.host == "h.example.com"


# -- analyze never raises -------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_HOSTILE_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80)


@settings(deadline=None)
@given(
    host=st.one_of(st.sampled_from(["a]b", "[::1", "x" * 300, "", "a\x00b", "\udc00"]), _HOSTILE_TEXT),
    query=_HOSTILE_TEXT,
    headers=st.lists(st.tuples(_HOSTILE_TEXT, _HOSTILE_TEXT), max_size=5),
    body=st.binary(max_size=300),
    ip=st.one_of(st.none(), st.sampled_from(["1.2.3.4", "::1", "999.1.1.1", "a]b", ""]), _HOSTILE_TEXT),
)
def test_analyze_never_raises_on_hostile_exchanges(
    host: str, query: str, headers: list[tuple[str, str]], body: bytes, ip: str | None
) -> None:
    ex = exchange(url=f"http://{host}/p?{query}", headers=tuple(headers), body=body, server_ip=ip)
    result = analyze(ex)
    assert result.exchange is ex


def test_a_destination_lookup_that_fails_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    from phonehome.classifiers.destinations import place

    def boom(self: object, host: str, ip: str | None) -> None:
        raise RuntimeError("broken geo data")

    monkeypatch.setattr(place.Destinations, "of", boom)
    result = analyze(exchange(url="http://example.com/?imei=490154203237518"))
    assert result.destination.host == "example.com"
    assert any("destination lookup failed" in n for n in result.notes)
    assert result.findings  # the rest of the analysis is kept


def test_an_analysis_that_fails_outright_still_returns_the_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    from phonehome.classifiers import registry

    def boom(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(registry, "_analyze", boom)
    result = analyze(exchange(url="http://a]b/"))
    assert result.destination.host == "a]b"
    assert result.notes == ("analysis failed: ValueError: boom",)


def test_a_request_built_to_make_the_detectors_backtrack_is_classified_at_once() -> None:
    """Each shape that once sent a detector's pattern backtracking, in one request as an app or a
    page could send it: a search of underscores (exponential), a `User-Agent` of repeated "Android"
    and a key of repeated "wifi" (quadratic, each about 60 KB).  Every one is read, and the MAC under
    the long key is still found."""
    body = json.dumps(
        {"userAgent": "(" + "Android" * 9_000, "wifi" * 15_000 + "[x]": {"mac": "a4:5e:60:c2:11:02"}}
    )
    ex = exchange(
        url="https://api.example-sdk.com/find?" + urlencode({"q": "1" + "_" * 150 + " x"}),
        headers=(("content-type", "application/json"), ("user-agent", "(" + "Android" * 9_000)),
        body=body.encode(),
    )
    with bounded():
        found = {f.kind for f in analyze(ex).findings}
    assert {Kind.SEARCH_QUERY, Kind.MAC_ADDRESS} <= found


_ADAPTER_HOSTS = sorted({h for a in registry.ADAPTERS for h in a.hosts})
_ADAPTER_PATHS = sorted(
    {a.path.strip("^$") for a in registry.ADAPTERS if a.path} | {"/", "/b/ss/x", "/g/collect"}
)


@settings(max_examples=300)
@given(
    st.sampled_from(_ADAPTER_HOSTS).flatmap(lambda h: st.sampled_from([h, f"x.{h}", f"x{h}", h[1:]]))
    | st.from_regex(r"[a-z0-9.-]{0,30}", fullmatch=True),
    st.sampled_from(_ADAPTER_PATHS).flatmap(lambda p: st.sampled_from([p, f"{p}/42", f"/v1{p}", p[:-1]]))
    | st.text(max_size=30),
)
def test_adapters_found_by_host_first_are_those_that_match(host: str, path: str) -> None:
    """`adapters_for` tries only the host's adapters on a path: the same as trying every adapter."""
    assert registry.adapters_for(host, path) == tuple(a for a in registry.ADAPTERS if a.matches(host, path))
