"""phonehome.behaviour: identifiers found by behaviour across devices."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from phonehome.db import queries
from phonehome.db.store import Store

from benchmarks.behaviour import device_har
from phonehome.behaviour import Observation, add, endpoint_of, find, id_shaped, identifiers
from phonehome.pipeline import replay

EP = "POST t.example/v1/e"


def obs(device: str, flow: int, value: str, path: str = "k7", endpoint: str = EP) -> Observation:
    return Observation(device, flow, endpoint, "body", path, value)


def test_constant_within_a_device_and_different_between_devices() -> None:
    found = identifiers(
        [obs("a", 1, "dev-aaaa-1111"), obs("a", 2, "dev-aaaa-1111"), obs("b", 3, "dev-bbbb-2222")]
    )
    assert [(c.path, c.values) for c in found] == [("k7", {"a": "dev-aaaa-1111", "b": "dev-bbbb-2222"})]
    assert (
        "the same in 2 requests from a" in found[0].evidence and "different value on b" in found[0].evidence
    )


def test_what_is_not_an_identifier() -> None:
    assert (
        identifiers([obs("a", 1, "n0nce-aaaa-1"), obs("a", 2, "n0nce-aaaa-2"), obs("b", 3, "n0nce-bbbb-3")])
        == []
    )
    assert (
        identifiers(
            [obs("a", 1, "ak_7f3c9e21b0"), obs("a", 2, "ak_7f3c9e21b0"), obs("b", 3, "ak_7f3c9e21b0")]
        )
        == []
    )
    assert identifiers([obs("a", 1, "dev-aaaa-1111")]) == []  # one device says nothing
    assert identifiers([obs("a", 1, "dev-aaaa-1111"), obs("b", 2, "dev-bbbb-2222")]) == []  # seen once each
    # A model, a version, a screen size: constant within a device, different between devices, not IDs.
    for a, b in (("SM-A546B", "Pixel 7a"), ("14.0.1", "15.0.2"), ("1080x2340", "1080x2400")):
        assert identifiers([obs("a", 1, a), obs("a", 2, a), obs("b", 3, b), obs("b", 4, b)]) == []
    both = [obs("a", 1, "dev-aaaa-1111"), obs("a", 2, "dev-aaaa-1111"), obs("b", 3, "dev-bbbb-2222")]
    assert identifiers(both, described={"dev-aaaa-1111"}) == []  # already reported as a kind


@given(
    st.lists(
        st.text(alphabet="abcdef0123456789", min_size=12, max_size=20), min_size=4, max_size=12, unique=True
    )
)
def test_a_value_that_changes_per_request_is_never_reported(values: list[str]) -> None:
    observations = [obs("a" if i % 2 else "b", i, v) for i, v in enumerate(values)]
    assert identifiers(observations) == []


@given(st.text(alphabet="abcdefXYZ0123456789-", min_size=8, max_size=30), st.integers(2, 6))
def test_a_value_every_device_sends_is_never_reported(value: str, devices: int) -> None:
    observations = [obs(f"d{d}", d * 10 + i, value) for d in range(devices) for i in range(2)]
    assert identifiers(observations) == []


@given(st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_order(rng: random.Random) -> None:
    observations = [obs("a", 1, "dev-aaaa-1111"), obs("a", 2, "dev-aaaa-1111"), obs("b", 3, "dev-bbbb-2222"),
                    obs("a", 4, "t1", "ts"), obs("b", 5, "t2", "ts")]  # fmt: skip
    shuffled = observations[:]
    rng.shuffle(shuffled)
    assert [(c.path, c.values) for c in identifiers(shuffled)] == [
        (c.path, c.values) for c in identifiers(observations)
    ]


def test_endpoints_and_shapes() -> None:
    assert (
        endpoint_of("post", "https://API.example.com/v1/users/8812/events?x=1")
        == "POST api.example.com/v1/users/*/events"
    )
    assert id_shaped("3f1c9e2ab04d4a6e") and id_shaped("u118236427731238") and not id_shaped("1733040000123")
    assert not id_shaped("Pixel 7a") and not id_shaped("1.2.3") and not id_shaped("https://x.example/a")


def test_two_replayed_devices_into_a_store_and_added_once(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url)
    try:
        truth: set[str] = set()
        for seed, name in enumerate(("phone-a", "phone-b")):
            har, ids = device_har(name, 12, seed + 1)
            path = tmp_path / f"{name}.har"
            path.write_text(json.dumps(har))
            replay(store, [str(path)], label=name)
            truth |= ids
        result = find(store, queries.Filters(), sessions_are_devices=True)
        assert result.devices == 2
        assert {v for c in result.candidates for v in c.values.values()} == truth
        first = add(store, result.candidates)
        assert first > 0 and add(store, result.candidates) == 0  # idempotent
        rows = [r for r in queries.findings(store, queries.Filters()) if r["source"] == "behaviour"]
        assert len(rows) == first and all(r["kind"] == "device_id" and r["evidence"] for r in rows)
    finally:
        store.dispose()
