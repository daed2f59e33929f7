"""Identifiers found by behaviour: the same value within a device, a different one on another device.

Key rules only know key names someone wrote down.  Behaviour needs none: compare two or more devices
(or sessions the user says are different devices).  Under one key of one endpoint, a value that is the
same in every request one device sent, and different on another device, is something that device is
known by; a value that changes from request to request (a nonce, a timestamp, a counter) is not, and
neither is one every device sends (a version, an app key).  A device model, an OS version or a screen
size also differs between devices and stays put within one: those are described by their kinds (and
have no identifier's shape), so they are left out.

The core (`identifiers`) is pure: observations in, candidates with their evidence out.  `find` reads
them from a store (re-decoding each stored request, as `reanalyze` does), and `add` stores them as
findings of kind `device_id` (`tracking_id` in a browser's requests), source `behaviour`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.detect.adapters.base import generalise
from phonehome.classifiers.detect.keys import is_placeholder
from phonehome.classifiers.model import Kind, split_url
from phonehome.classifiers.registry import in_browser
from phonehome.db import queries
from phonehome.db.reanalyze import exchange_of
from phonehome.db.store import Store

DETECTOR = "behaviour"


@dataclass(frozen=True, slots=True)
class Observation:
    device: str
    flow_id: int
    endpoint: str  # `GET api.example.com/v1/*/events`
    where: str
    path: str  # the field's path with list indexes generalised
    value: str
    browser: bool = False


@dataclass
class Candidate:
    endpoint: str
    where: str
    path: str
    values: dict[str, str]  # device -> its value
    flows: dict[str, list[int]]  # device -> the flows that sent it
    browser: bool = False
    evidence: str = ""
    kinds: set[str] = field(default_factory=set)


_SEGMENT_ID = re.compile(r"^(?:\d+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{36}|[A-Za-z0-9_-]{20,})$")
_VERSION = re.compile(r"^v?\d+(?:[._]\d+)+(?:[-+][\w.]+)?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_SIZE = re.compile(r"^\d{2,5}\s*[x*×]\s*\d{2,5}$", re.IGNORECASE)
_ID_CHARS = re.compile(r"^[A-Za-z0-9._:|=+/$%-]+$")


def endpoint_of(method: str, url: str) -> str:
    """`POST api.example.com/v1/users/8812/events` -> `POST api.example.com/v1/users/*/events`."""
    parts = split_url(url)
    path = "/".join("*" if _SEGMENT_ID.match(seg) else seg for seg in parts.path.split("/"))
    return f"{method.upper()} {parts.host}{path}"


def id_shaped(value: str) -> bool:
    """What an identifier can look like: long, varied, no spaces, not a number that counts or a version."""
    v = value.strip()
    if not 8 <= len(v) <= 128 or not _ID_CHARS.match(v) or is_placeholder(v):
        return False
    if _VERSION.match(v) or _SIZE.match(v) or len(set(v)) < 6:
        return False
    if _NUMBER.match(v):
        return len(v.lstrip("-").replace(".", "")) >= 16 and "." not in v  # long digit IDs, not timestamps
    if v.startswith(("http://", "https://")):
        return False
    return any(c.isdigit() for c in v) or len(v) >= 16


def identifiers(observations: Iterable[Observation], described: set[str] = frozenset()) -> list[Candidate]:  # type: ignore[assignment]
    """The (endpoint, key) places whose value is constant within each device and differs between them.

    `described` holds values already reported as some kind (a model, an OS version, a known ID): they
    are not reported again.  The result does not depend on the order of `observations`.
    """
    places: dict[tuple[str, str, str], dict[str, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    browser: dict[tuple[str, str, str], bool] = {}
    for ob in observations:
        place = (ob.endpoint, ob.where, ob.path)
        places[place][ob.device].setdefault(ob.value, []).append(ob.flow_id)
        browser[place] = browser.get(place, False) or ob.browser
    found = []
    for place, by_device in sorted(places.items()):
        if len(by_device) < 2:
            continue
        values: dict[str, str] = {}
        flows: dict[str, list[int]] = {}
        constant = True
        for device, seen in by_device.items():
            if len(seen) != 1:
                constant = False  # it changes within a device: a nonce, a time, a counter
                break
            ((value, ids),) = seen.items()
            values[device], flows[device] = value, sorted(set(ids))
        if not constant or len(set(values.values())) != len(values):
            continue  # some devices share it: an app key, a version, a constant
        if max(len(ids) for ids in flows.values()) < 2:
            continue  # seen once per device: nothing says it stays
        if not all(id_shaped(v) for v in values.values()) or any(
            v.lower() in described for v in values.values()
        ):
            continue
        found.append(Candidate(place[0], place[1], place[2], values, flows, browser[place],
                               _evidence(place, values, flows)))  # fmt: skip
    return found


def _evidence(place: tuple[str, str, str], values: dict[str, str], flows: dict[str, list[int]]) -> str:
    endpoint, where, path = place
    devices = sorted(values, key=lambda d: -len(flows[d]))
    first, others = devices[0], devices[1:]
    other = ", ".join(f"{d} ({len(flows[d])} request{'s' * (len(flows[d]) != 1)})" for d in others[:3])
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    return (
        f"{where} `{path}` at {endpoint}: the same in {len(flows[first])} requests from {first}, "
        f"a different value on {other}{more}"
    )


@dataclass
class BehaviourResult:
    devices: int = 0
    flows: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    added: int = 0


def observe(
    store: Store, f: queries.Filters, sessions_are_devices: bool = False
) -> tuple[list[Observation], set[str], int, set[str]]:
    """Every decoded field of the stored flows, with its device; the values already described."""
    observations: list[Observation] = []
    described: set[str] = set()
    devices: set[str] = set()
    labels = store.session_labels()
    n = 0
    for flow, found in queries.flow_rows(store, f):
        n += 1
        device = labels.get(flow.session_id, str(flow.session_id)) if sessions_are_devices else flow.device
        devices.add(device)
        described.update(v.lower() for _, v in found)
        exchange = exchange_of(flow)
        endpoint = endpoint_of(exchange.method, exchange.url)
        browser = in_browser(exchange)
        for fld in decode(exchange).fields:
            if fld.encodings and fld.encodings[-1] in ("column", "list"):
                continue
            observations.append(Observation(device, flow.id, endpoint, fld.where.value, generalise(fld.path),
                                            fld.value.strip(), browser))  # fmt: skip
    return observations, described, n, devices


def find(store: Store, f: queries.Filters, sessions_are_devices: bool = False) -> BehaviourResult:
    observations, described, n, devices = observe(store, f, sessions_are_devices)
    return BehaviourResult(devices=len(devices), flows=n, candidates=identifiers(observations, described))


def add(store: Store, candidates: list[Candidate]) -> int:
    """Store each candidate as a finding on every flow that sent it; returns how many were new."""
    rows: list[dict[str, object]] = []
    for c in candidates:
        kind = Kind.TRACKING_ID if c.browser else Kind.DEVICE_ID
        for device, ids in c.flows.items():
            for flow_id in ids:
                rows.append({
                    "flow_id": flow_id, "category": kind.category.value, "kind": kind.value, "value": c.values[device],
                    "location": c.where, "path": c.path, "encodings": [], "confidence": 0.8, "source": "behaviour",
                    "detector": DETECTOR, "hashed": None, "evidence": c.evidence,
                })  # fmt: skip
    return store.add_findings(rows)
