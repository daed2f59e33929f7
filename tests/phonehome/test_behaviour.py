"""phonehome.behaviour: identifiers found by behaviour across devices."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.db import queries
from phonehome.db.store import Store

from benchmarks.behaviour import device_har
from phonehome.behaviour import (
    _VERSION,
    Observation,
    Outcome,
    add,
    device_of,
    endpoint_of,
    find,
    generalise,
    identifiers,
    not_an_id,
)
from phonehome.pipeline import replay
from tests._deadline import bounded

EP = "POST t.example/v1/e"


def obs(
    device: str, flow: int, value: str, path: str = "k7", endpoint: str = EP, **kw: object
) -> Observation:
    return Observation(device, flow, endpoint, "body", path, value, **kw)  # type: ignore[arg-type]


def places(outcome: Outcome) -> list[tuple[str, dict[str, str]]]:
    return [(c.path, c.values) for c in outcome.candidates]


def test_constant_within_a_device_and_different_between_devices() -> None:
    out = identifiers(
        [
            obs("a", 1, "dev-aaaa-1111", session="s1", time=0.0),
            obs("a", 2, "dev-aaaa-1111", session="s1", time=600.0),
            obs("b", 3, "dev-bbbb-2222", session="s2", time=10.0),
        ]
    )
    assert places(out) == [("k7", {"a": "dev-aaaa-1111", "b": "dev-bbbb-2222"})]
    (c,) = out.candidates
    assert c.flows == {"a": [1, 2], "b": [3]}
    # The evidence answers the objections: how often, how long, in how many sessions, and the other device.
    for words in ("the same value (13 characters) in 2 requests from a over 10 min", "one capture session",
                  "b (1 request) sent a different value", "2 values for 2 devices"):  # fmt: skip
        assert words in c.evidence


def test_across_sessions_and_other_receivers_the_evidence_says_so() -> None:
    out = identifiers(
        [
            obs("a", 1, "dev-aaaa-1111", session="monday"),
            obs("a", 2, "dev-aaaa-1111", session="tuesday"),
            obs("b", 3, "dev-bbbb-2222", session="b"),
            obs("a", 4, "dev-aaaa-1111", "uid", "GET ads.example/p"),
            obs("b", 5, "dev-bbbb-2222", "uid", "GET ads.example/p"),
        ]
    )
    c = next(c for c in out.candidates if c.path == "k7")
    assert (
        "unchanged across 2 sessions" in c.evidence and "sent in 1 other place, to ads.example" in c.evidence
    )
    assert c.confidence > 0.6


@pytest.mark.parametrize(
    ("observations", "why"),
    [
        ([obs("a", 1, "n0nce-aaaa-1"), obs("a", 2, "n0nce-aaaa-2"), obs("b", 3, "n0nce-bbbb-3")],
         "changes within a device"),
        ([obs("a", 1, "ak_7f3c9e21b0"), obs("a", 2, "ak_7f3c9e21b0"), obs("b", 3, "ak_7f3c9e21b0")],
         "the same on every device"),
        ([obs("a", 1, "dev-aaaa-1111"), obs("a", 2, "dev-aaaa-1111")], "sent by one device only"),
        ([obs("a", 1, "dev-aaaa-1111"), obs("b", 2, "dev-bbbb-2222")], "no device sent it in 2 requests"),
        ([obs(d, i, "grp-7f3c9e21" if d != "c" else "grp-99ab12cd") for i, d in enumerate("aabbc")],
         "most devices share one value"),
    ],
)  # fmt: skip
def test_what_is_not_an_identifier(observations: list[Observation], why: str) -> None:
    out = identifiers(observations)
    assert out.candidates == [] and list(out.rejected.values()) == [why]


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("SM-A546B", "SM-S911B", "already reported as device_model"),  # the rules saw it in the User-Agent
        ("samsung_SM-A546B", "samsung_SM-S911B", "already reported as device_model"),
        ("Pixel 7a", "Pixel 8 Pro", "a word or phrase"),
        ("14.0.1", "15.0.2", "a version"),
        ("UP1A.231005.007", "AP4A.250105.002", "a version"),
        ("1080x2340", "1080x2400", "a screen size"),
        ("de_DE", "en_GB", "a locale"),
        ("America/Los_Angeles", "Europe/Berlin", "a time zone"),
        ("1733040000123", "1733040099456", "a timestamp"),
        ("2026-11-28T08:43:00+00:00", "2026-11-27T08:26:00+00:00", "a date"),
        ("7823458304", "7994361856", "a short number"),
        ("2.625", "2.75", "a measurement"),
        ("checkout_v2_control", "checkout_v2_treatment", "a word or phrase"),
        ("com.example.lite", "com.example.full", "a word or phrase"),
        ("192.168.1.23", "192.168.1.47", "an IP address"),
        ("fe80::1c2b:3d4e:5f60:7182", "fe80::aa2b:3d4e:5f60:9911", "an IP address"),
        ("https://a.example/u/1", "https://a.example/u/2", "a URL"),
        ("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "a placeholder"),
    ],
)
def test_what_describes_a_device_is_not_an_identifier(a: str, b: str, why: str) -> None:
    described = {"sm-a546b": "device_model", "sm-s911b": "device_model"}
    out = identifiers([obs("a", 1, a), obs("a", 2, a), obs("b", 3, b), obs("b", 4, b)], described)
    assert out.candidates == [] and list(out.rejected.values()) == [why]


def test_a_value_the_rules_already_named_is_kept_and_said() -> None:
    v1, v2 = "38400000-8cf0-11bd-b23e-10b96e40000d", "5f2c1d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    out = identifiers([obs("a", 1, v1), obs("a", 2, v1), obs("b", 3, v2)], {v1: "advertising_id"})
    (c,) = out.candidates
    assert c.known_as == ("advertising_id",) and "the key rules call it advertising_id" in c.evidence


@pytest.mark.parametrize(
    "value",
    ["3f1c9e2ab04d4a6e", "u118236427731238", "76561198012345678", "38400000-8cf0-11bd-b23e-10b96e40000d",
     "acctQ7hZk2LmP9xA", "K3JH2Q8ZP4RXWMNB7T", "zX_9-kQ2mP0aLr7sT1uV4w", "ak_7f3c9e21b04d4a6e"],
)  # fmt: skip
def test_identifier_shapes(value: str) -> None:
    assert not_an_id(value) is None


def test_endpoints_places_and_devices() -> None:
    assert (
        endpoint_of("post", "https://API.example.com/v1/users/8812/events?x=1")
        == "POST api.example.com/v1/users/*/events"
    )
    assert endpoint_of("GET", "https://c.example/c/3f1c9e2ab04d4a6e/s") == "GET c.example/c/*/s"
    assert endpoint_of("GET", "https://c.example/v2/feed") == "GET c.example/v2/feed"
    assert generalise("ev[3].ids[0]") == "ev[*].ids[*]"
    # A capture's device is its client address: two sessions from one address are one device ...
    assert device_of("10.0.0.5", "monday", False) == device_of("10.0.0.5", "tuesday", False) == "10.0.0.5"
    # ... unless the user says sessions are devices; a replay's device is its label.
    assert device_of("10.0.0.5", "monday", True) != device_of("10.0.0.5", "tuesday", True)
    assert device_of("phone-a.har", "phone-a.har", True) == "phone-a.har"


ID = st.text(alphabet="abcdef0123456789", min_size=12, max_size=24)


@given(st.lists(ID, min_size=4, max_size=16, unique=True), st.integers(2, 4))
def test_a_value_that_changes_per_request_is_never_reported(values: list[str], devices: int) -> None:
    observations = [obs(f"d{i % devices}", i, v) for i, v in enumerate(values)]
    assert identifiers(observations).candidates == []


@given(ID, st.integers(2, 6), st.integers(1, 4))
def test_a_value_every_device_sends_is_never_reported(value: str, devices: int, requests: int) -> None:
    observations = [obs(f"d{d}", d * 10 + i, value) for d in range(devices) for i in range(requests)]
    assert identifiers(observations).candidates == []


DESCRIPTIONS = st.sampled_from(
    ["SM-A546B", "Pixel 7a", "14", "15.0.1", "1080x2400", "720*1600", "de_DE", "en-GB", "Europe/Berlin",
     "Asia/Shanghai", "TQ3A.230805.001", "2.75", "T-Mobile", "samsung_galaxy_s23", "arm64-v8a"]
)  # fmt: skip


@given(st.lists(DESCRIPTIONS, min_size=2, max_size=4, unique=True), st.integers(2, 5))
def test_what_describes_a_device_is_never_reported(values: list[str], requests: int) -> None:
    observations = [obs(f"d{d}", d * 10 + i, v) for d, v in enumerate(values) for i in range(requests)]
    assert identifiers(observations, {"sm-a546b": "device_model"}).candidates == []


OBSERVATIONS = st.lists(
    st.builds(
        lambda device, place, value, session: (device, place, value, session),
        st.sampled_from("abc"),
        st.sampled_from(["k7", "uid", "n"]),
        st.sampled_from(["dev-aaaa-1111", "dev-bbbb-2222", "dev-cccc-3333", "5f2c1d7e1a2b4c3d"]),
        st.sampled_from(["s1", "s2"]),
    ),
    max_size=30,
)


@given(OBSERVATIONS, st.randoms(use_true_random=False))
def test_reports_are_independent_of_flow_order(rows: list[tuple[str, str, str, str]], rng: object) -> None:
    observations = [obs(d, i, v, p, session=s, time=float(i)) for i, (d, p, v, s) in enumerate(rows)]
    shuffled = observations[:]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = identifiers(observations), identifiers(shuffled)
    assert first.candidates == second.candidates and first.rejected == second.rejected


def test_two_replayed_devices_into_a_store_and_added_once(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url)
    try:
        truth: set[str] = set()
        for seed, name in enumerate(("phone-a", "phone-b")):
            har, ids = device_har(name, 16, seed + 1)
            path = tmp_path / f"{name}.har"
            path.write_text(json.dumps(har))
            replay(store, [str(path)], label=name)  # a replay's device is its label
            truth |= ids
        result = find(store, queries.Filters())
        assert result.devices == 2 and result.flows == 32
        assert {v for c in result.candidates for v in c.values.values()} == truth
        first = add(store, result)
        assert first > 0
        again = find(store, queries.Filters())  # our own findings do not hide what we found
        assert [c.place for c in again.candidates] == [c.place for c in result.candidates]
        assert add(store, again) == 0  # idempotent
        rows = [r for r in queries.findings(store, queries.Filters()) if r["source"] == "behaviour"]
        assert len(rows) == first
        assert all(r["kind"] == "device_id" and r["category"] == "identifier" for r in rows)
        assert all("sent a different value" in r["evidence"] for r in rows)
        one = find(store, queries.Filters(session="phone-a"))
        assert one.devices == 1 and one.candidates == []
    finally:
        store.dispose()


_VERSION_BEFORE = re.compile(r"^[vV]?\d+(?:[._]\d+)+(?:[-+_.][\w.]+)?$")  # as first written: quadratic


@given(st.lists(st.sampled_from(["1", "22", "v", ".", "_", "-", "+", "a", "!", "\n", "\u0663", " "]),
                max_size=12).map("".join))  # fmt: skip
def test_the_version_pattern_reads_as_it_did_before(value: str) -> None:
    assert bool(_VERSION.match(value)) == bool(_VERSION_BEFORE.match(value))


def test_a_long_dotted_value_is_judged_at_once() -> None:
    """`0.0.0.…!`: as first written the numbers could end at any `.0`, each tried (a 64 KB value
    took 20 s in `reanalyze --by-behaviour`)."""
    with bounded():
        assert not_an_id("0." * 100_000 + "!") is not None
        assert not_an_id("1.2.3-beta.4") == "a version"
