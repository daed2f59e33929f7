"""Identifiers found by behaviour: the same value within a device, a different one on another device.

Key rules only know key names someone wrote down.  Behaviour needs none: compare two or more devices.
Under one key of one endpoint (its *place*), a value that is the same in every request one device
sent, and different on another device, is something that device is known by.  A value that changes
from request to request (a nonce, a timestamp, a counter, a hash of the body) is not; neither is one
every device sends (an app key, a version).  A device model, an OS version, a screen size, a locale
or a time zone also differs between devices and stays put within one: those describe a device and
are not reported (by their shape, and by the device findings the rules already made).

The core is pure: `identifiers(observations, described)` takes `Observation`s and returns the places
that hold an identifier (`Candidate`s, each with the evidence a company accused of sending it would
ask for) and why every other place was set aside.  `observe` reads observations from a store,
decoding each stored request again as `reanalyze` does; `add` stores candidates as `device_id`
findings with source `behaviour`.

Devices are the flows' `device` column: a capture's client address, or a replay's session label.
Two sessions are two devices when their client addresses differ, or when the caller says each
session is a device (`sessions_are_devices`).
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.detect.keys import is_placeholder
from phonehome.classifiers.model import Category, Kind, Source, split_url
from phonehome.db import queries
from phonehome.db.models import FINDINGS
from phonehome.db.reanalyze import exchange_of
from phonehome.db.store import Store

DETECTOR = "behaviour"
# Findings of these kinds describe a device (it has one like many others); a value the rules
# already called one of them is not an identifier, however well it tells two devices apart.
DESCRIPTIVE = frozenset({Kind.DEVICE_MODEL.value, Kind.OS_VERSION.value, Kind.CARRIER.value})

Place = tuple[str, str, str]  # (endpoint, where, path)


@dataclass(frozen=True, slots=True)
class Observation:
    """One decoded value of one request, with who sent it and where it sat."""

    device: str
    flow_id: int
    endpoint: str  # `POST api.example.com/v1/users/*/events`
    where: str  # query, path, header, cookie, body
    path: str  # the field's path, list indexes generalised: `ev[*].id`
    value: str
    session: str = ""
    time: float | None = None  # seconds since the epoch


@dataclass
class Candidate:
    """A place whose value is constant within each device and differs between devices."""

    endpoint: str
    where: str
    path: str
    values: dict[str, str]  # device -> the value it sent
    flows: dict[str, list[int]]  # device -> the flows that sent it
    evidence: str = ""
    confidence: float = 0.6
    known_as: tuple[str, ...] = ()  # kinds the key rules already gave the value

    @property
    def place(self) -> Place:
        return (self.endpoint, self.where, self.path)


@dataclass
class Outcome:
    candidates: list[Candidate] = field(default_factory=list)
    rejected: dict[Place, str] = field(default_factory=dict)  # place -> why it is no identifier


# -- endpoints and places -------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEGMENT_ID = re.compile(r"^(?:\d+|[0-9a-fA-F]{8,}|[A-Za-z0-9_-]{20,})$")
_INDEX = re.compile(r"\[\d+\]")


def endpoint_of(method: str, url: str) -> str:
    """`POST https://API.example.com/v1/users/8812/events?x=1` -> `POST api.example.com/v1/users/*/events`.

    Numeric, hex, UUID and long token segments are generalised, so that a device ID in the path
    does not make every device's requests a different endpoint.
    """
    parts = split_url(url)
    segments = ("*" if _SEGMENT_ID.match(s) or _UUID.match(s) else s for s in parts.path.split("/"))
    return f"{method.upper()} {parts.host.lower()}{'/'.join(segments)}"


def generalise(path: str) -> str:
    """`ev[3].id` -> `ev[*].id`: the same key in every element of a list is one place."""
    return _INDEX.sub("[*]", path) if "[" in path else path


# -- what an identifier looks like ----------------------------------------------------------------

_ID_CHARS = re.compile(r"^[A-Za-z0-9._:|=+/$%~-]+$")
# `1.2`, then a tail that splits one way only (`(?:[._]\d+)+(?:[-+_.][\w.]+)?` could end the numbers
# at any `.0` of `0.0.0…!`: quadratic).  The same strings: a `.` or `_` tail is `[\w.]+` anyway.
_VERSION = re.compile(r"^[vV]?\d+[._]\d+(?:[-+_.][\w.]+|(?:[._]\d+)*[-+][\w.]+)?$")
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?$")
_SIZE = re.compile(r"^\d{2,5}\s*[x*×X,:]\s*\d{2,5}(?:\s*[x*×X,:@]\s*\d{2,5})?$")
_LOCALE = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|\d{3}))?(?:[.@][\w-]+)?$")
_TIMEZONE = re.compile(
    r"^(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US|Canada)"
    r"/[A-Za-z0-9_+/-]+$|^(?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T _]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
# Android's build ID (`UP1A.231005.007`) and build fingerprint (`brand/product/device:14/ID/inc:user/release-keys`):
# the same on every phone of a model and firmware.
_BUILD_ID = re.compile(r"^[A-Z]{1,4}\d[A-Z0-9]{0,3}\.\d{6}\.\d{3}(?:\.[A-Z0-9_]+)?$")
_FINGERPRINT = re.compile(r"^[^/]+/[^/]+/[^/]+:[\d.]+/[^/]+/[^/]+:\w+/[\w-]+-keys$")
_WORD = re.compile(r"^(?:[a-z]+|[A-Z][a-z]+|[A-Z]{1,8})$")
_EPOCH = (946_684_800, 4_102_444_800)  # 2000 to 2100, in seconds


def _timestamp(digits: str) -> bool:
    """A count of seconds, milli-, micro- or nanoseconds since 1970 that falls in this century."""
    n = int(digits)
    return any(_EPOCH[0] <= n / 10**k <= _EPOCH[1] for k in (0, 3, 6, 9))


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def not_an_id(value: str) -> str | None:
    """Why `value` cannot be an identifier (`"a version"`), or None when it has an identifier's shape.

    An identifier is 8 to 512 characters without spaces, varied (several distinct characters), and
    either has a digit or is long; numbers count only when long and not a timestamp.
    """
    v = value.strip()
    if not v:
        return "empty"
    if is_placeholder(v):
        return "a placeholder"
    if _NUMBER.match(v):
        digits = v.lstrip("+-")
        if not digits.isdigit():
            return "a measurement"  # 2.625, 1e6: a density, a size, a share
        if _timestamp(digits):
            return "a timestamp"
        return None if len(digits) >= 15 and len(set(digits)) >= 6 else "a short number"
    if _is_ip(v):
        return "an IP address"  # the network's, as much as the device's
    if _DATE.match(v):
        return "a date"
    if _SIZE.match(v):
        return "a screen size"
    if _VERSION.match(v) or _BUILD_ID.match(v):
        return "a version"
    if _TIMEZONE.match(v):
        return "a time zone"
    if _FINGERPRINT.match(v):
        return "a build fingerprint"
    if v.startswith(("http://", "https://", "//")) or "://" in v:
        return "a URL"
    if len(v) < 8:
        return "a locale" if _LOCALE.match(v) else "too short"
    if len(v) > 512:
        return "too long"
    if not _ID_CHARS.match(v):
        return "a word or phrase" if " " in v else "not an identifier's characters"
    if len(set(v)) < min(6, max(4, len(v) // 2)):
        return "too few distinct characters"
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", v) if t]
    if any(len(t) >= 3 and _WORD.match(t) for t in tokens) and all(
        _WORD.match(t) or len(t) <= 3 for t in tokens
    ):
        return "a word or phrase"  # com.example.app, checkout_v2_control, samsung_galaxy_s23
    if not any(c.isdigit() for c in v) and (len(v) < 16 or not _case_mixed(v)):
        return "a word or phrase"
    return None


def _case_mixed(v: str) -> bool:
    """Random letters switch case often; words and names (`GalaxyTabActive`) rarely."""
    letters = [c for c in v if c.isalpha()]
    switches = sum(1 for a, b in zip(letters, letters[1:], strict=False) if a.isupper() != b.isupper())
    return switches >= max(4, len(letters) // 4)


def _norm(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _describes(value: str, described: Mapping[str, str]) -> str | None:
    """The descriptive kind `value` is (or contains): `SM-A546B`, `samsung_SM-A546B` -> device_model."""
    low = value.strip().lower()
    if low in described and described[low] in DESCRIPTIVE:
        return described[low]
    n = _norm(low)
    for other, kind in described.items():
        if kind in DESCRIPTIVE:
            o = _norm(other)
            if len(o) >= 5 and (o == n or o in n):
                return kind
    return None


# -- the core -------------------------------------------------------------------------------------


@dataclass
class _Seen:
    """What one device sent at one place: while constant, its one value and the flows that sent it."""

    value: str
    flows: set[int] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)
    first: float | None = None
    last: float | None = None

    def add(self, ob: Observation) -> None:
        self.flows.add(ob.flow_id)
        if ob.session:
            self.sessions.add(ob.session)
        if ob.time is not None:
            self.first = ob.time if self.first is None else min(self.first, ob.time)
            self.last = ob.time if self.last is None else max(self.last, ob.time)


class Tally:
    """Observations folded place by place, in bounded memory: a place whose value changes within a
    device is dropped at once (its values are never needed again).  The outcome does not depend on
    the order observations arrive in."""

    def __init__(self) -> None:
        self.places: dict[Place, dict[str, _Seen]] = defaultdict(dict)
        self.varying: dict[Place, tuple[str, int]] = {}  # place -> (a device where it varied, flows)

    def add(self, ob: Observation) -> None:
        place = (ob.endpoint, ob.where, ob.path)
        if place in self.varying:
            return
        devices = self.places[place]
        seen = devices.get(ob.device)
        if seen is None:
            seen = devices[ob.device] = _Seen(ob.value)
        elif seen.value != ob.value:
            self.varying[place] = (ob.device, len(seen.flows) + 1)
            del self.places[place]
            return
        seen.add(ob)

    def places_of(self) -> dict[str, set[Place]]:
        """value -> every constant place it was sent in (the evidence says where else it went)."""
        places: dict[str, set[Place]] = defaultdict(set)
        for place, devices in self.places.items():
            for seen in devices.values():
                places[seen.value].add(place)
        return places


def identifiers(
    observations: Iterable[Observation] | Tally,
    described: Mapping[str, str] | None = None,
    min_requests: int = 2,
) -> Outcome:
    """The places that hold an identifier, with their evidence, and why the others do not.

    `described` maps lower-cased values the rules already reported to their kind: a device model,
    OS version or carrier is no identifier; any other kind is noted in the evidence.
    """
    described = described or {}
    if isinstance(observations, Tally):
        tally = observations
    else:
        tally = Tally()
        for ob in observations:
            tally.add(ob)
    out = Outcome()
    for place in tally.varying:
        out.rejected[place] = "changes within a device"
    elsewhere = tally.places_of()
    for place, devices in sorted(tally.places.items()):
        why = _why_not(devices, described, min_requests)
        if why:
            out.rejected[place] = why
            continue
        values = {d: s.value for d, s in devices.items()}
        flows = {d: sorted(s.flows) for d, s in devices.items()}
        known = tuple(sorted({described[v.lower()] for v in values.values() if v.lower() in described}))
        out.candidates.append(
            Candidate(place[0], place[1], place[2], values, flows, _evidence(place, devices, elsewhere, known),
                      _confidence(place, devices, elsewhere), known)
        )  # fmt: skip
    return out


def _why_not(devices: Mapping[str, _Seen], described: Mapping[str, str], min_requests: int) -> str | None:
    if len(devices) < 2:
        return "sent by one device only"
    if max(len(s.flows) for s in devices.values()) < min_requests:
        return f"no device sent it in {min_requests} requests"
    counts: dict[str, int] = defaultdict(int)
    for s in devices.values():
        counts[s.value] += 1
    if len(counts) < 2:
        return "the same on every device"
    if max(counts.values()) * 2 > len(devices):
        return "most devices share one value"  # a default, a cohort, a build
    for s in devices.values():
        why = not_an_id(s.value)
        if why:
            return why
        kind = _describes(s.value, described)
        if kind:
            return f"already reported as {kind}"
    return None


def _span(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _shape(value: str) -> str:
    v = value.strip()
    if _UUID.match(v):
        return "a UUID"
    if re.fullmatch(r"[0-9a-fA-F]+", v):
        return f"{len(v)} hex digits"
    if v.isdigit():
        return f"{len(v)} digits"
    return f"{len(v)} characters"


def _host(place: Place) -> str:
    return place[0].split(" ", 1)[-1].split("/", 1)[0]


def _also(place: Place, devices: Mapping[str, _Seen], elsewhere: Mapping[str, set[Place]]) -> set[Place]:
    return set().union(*(elsewhere.get(s.value, set()) for s in devices.values())) - {place}


def _evidence(place: Place, devices: Mapping[str, _Seen], elsewhere: Mapping[str, set[Place]],
              known: tuple[str, ...]) -> str:  # fmt: skip
    endpoint, where, path = place
    order = sorted(devices, key=lambda d: (-len(devices[d].flows), d))
    first, others = order[0], order[1:]
    seen = devices[first]
    n = len(seen.flows)
    parts = [f"{where} `{path}` at {endpoint}: the same value ({_shape(seen.value)}) in {n} request"
             f"{'s' * (n != 1)} from {first}"]  # fmt: skip
    if seen.first is not None and seen.last is not None and n > 1:
        parts[0] += f" over {_span(seen.last - seen.first)}"
    sessions = max(len(devices[d].sessions) for d in order)
    if sessions > 1:
        parts.append(f"unchanged across {sessions} sessions of one device, so it outlives a session")
    else:
        parts.append(
            "all in one capture session (it may be kept per app session: capture again later to show it lasts)"
        )
    other = ", ".join(f"{d} ({len(devices[d].flows)} request{'s' * (len(devices[d].flows) != 1)})"
                      for d in others[:3])  # fmt: skip
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    distinct = len({s.value for s in devices.values()})
    parts.append(
        f"{other}{more} sent a different value, itself constant ({distinct} values for {len(devices)} devices)"
    )
    also = _also(place, devices, elsewhere)
    if also:
        hosts = sorted({_host(p) for p in also})
        parts.append(f"the same value was sent in {len(also)} other place{'s' * (len(also) != 1)}, to "
                     f"{', '.join(hosts[:4])}{' ...' if len(hosts) > 4 else ''}")  # fmt: skip
    if known:
        parts.append(f"the key rules call it {', '.join(known)}")
    parts.append("not a model, OS version, locale, time, counter or version")
    return "; ".join(parts)


def _confidence(place: Place, devices: Mapping[str, _Seen], elsewhere: Mapping[str, set[Place]]) -> float:
    c = 0.6
    if max(len(s.flows) for s in devices.values()) >= 5:
        c += 0.1
    if max(len(s.sessions) for s in devices.values()) > 1:
        c += 0.1
    if any(_host(p) != _host(place) for p in _also(place, devices, elsewhere)):
        c += 0.1  # linkable across receivers
    return round(min(c, 0.9), 2)


# -- the store ------------------------------------------------------------------------------------


@dataclass
class Result:
    devices: int = 0
    flows: int = 0
    outcome: Outcome = field(default_factory=Outcome)
    on_flow: dict[int, set[str]] = field(default_factory=dict)  # flow -> values the rules reported there

    @property
    def candidates(self) -> list[Candidate]:
        return self.outcome.candidates


def device_of(flow_device: str, session: str, sessions_are_devices: bool) -> str:
    """The device a flow counts for: its client address (a replay's label), or its session when the
    user says sessions are devices (then a session with several client addresses is several)."""
    if not sessions_are_devices or flow_device in ("", session):
        return flow_device or session
    return f"{session} {flow_device}"


def observe(
    store: Store, f: queries.Filters, sessions_are_devices: bool = False
) -> tuple[Tally, dict[str, str], dict[int, set[str]], set[str], int]:
    """Every decoded value of the stored flows, folded into a `Tally`; the values the rules already
    reported (value -> kind, and per flow); the devices; the number of flows."""
    tally = Tally()
    described: dict[str, str] = {}
    on_flow: dict[int, set[str]] = defaultdict(set)
    devices: set[str] = set()
    labels = store.session_labels()
    ours = _behaviour_findings(store)
    n = 0
    for flow, found in queries.flow_rows(store, f):
        n += 1
        session = labels.get(flow.session_id, str(flow.session_id))
        device = device_of(flow.device, session, sessions_are_devices)
        devices.add(device)
        for kind, value in found:
            low = value.strip().lower()
            if (flow.id, low) in ours:
                continue  # our own earlier findings are no rule's
            on_flow[flow.id].add(low)
            if kind in DESCRIPTIVE or low not in described:
                described[low] = kind
        exchange = exchange_of(flow)
        endpoint = endpoint_of(exchange.method, exchange.url)
        when = _seconds(flow.time)
        for fld in decode(exchange).fields:
            if fld.encodings and fld.encodings[-1] in ("column", "list"):
                continue  # a list joined into one string, besides its elements
            tally.add(Observation(device, flow.id, endpoint, fld.where.value, generalise(fld.path),
                                  fld.value.strip(), session, when))  # fmt: skip
    return tally, described, on_flow, devices, n


def _seconds(t: datetime | None) -> float | None:
    return None if t is None else t.timestamp()


def _behaviour_findings(store: Store) -> set[tuple[int, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(FINDINGS.c.flow_id, FINDINGS.c.value).where(FINDINGS.c.source == Source.BEHAVIOUR.value)
        )
        return {(int(i), str(v).strip().lower()) for i, v in rows}


def find(store: Store, f: queries.Filters, sessions_are_devices: bool = False) -> Result:
    tally, described, on_flow, devices, n = observe(store, f, sessions_are_devices)
    return Result(len(devices), n, identifiers(tally, described), dict(on_flow))


def rows_of(candidates: Iterable[Candidate], on_flow: Mapping[int, set[str]]) -> Iterator[dict[str, object]]:
    """Findings rows: each candidate on every flow that sent it, except where the rules already
    reported that value on that flow (the behaviour adds evidence there, not a second finding)."""
    kind = Kind.DEVICE_ID
    for c in candidates:
        for device, ids in c.flows.items():
            value = c.values[device]
            for flow_id in ids:
                if value.strip().lower() in on_flow.get(flow_id, ()):
                    continue
                yield {
                    "flow_id": flow_id, "category": Category.IDENTIFIER.value, "kind": kind.value,
                    "value": value, "location": c.where, "path": c.path, "encodings": [],
                    "confidence": c.confidence, "source": Source.BEHAVIOUR.value, "detector": DETECTOR,
                    "hashed": None, "evidence": c.evidence,
                }  # fmt: skip


def add(store: Store, result: Result) -> int:
    """Store the candidates as findings; returns how many were new (a second run adds none)."""
    return store.add_findings(list(rows_of(result.candidates, result.on_flow)))
