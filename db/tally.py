"""Running counts of what the writer stored, for the live view: read without touching the database.

The writer thread adds each committed batch; any other thread takes a `snapshot()`, a consistent
copy made under a lock, as often as it likes (the live view does, at most four times a second).
Nothing here queries the database, so watching a capture costs the proxy nothing per flow.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from phonehome.classifiers.model import Analysis, never_sent

NEWEST = 8  # newest findings kept for the view
FEED = 10_000  # findings kept for a line-per-finding printer between two drains
# Receivers whose counts are kept: a capture of days meets new hosts all the while, and the view
# shows the busiest few.  Past twice this many, only this many busiest are kept (a receiver dropped
# then and met again counts from there: none of them is near the top).
RECEIVERS = 4096


@dataclass(frozen=True, slots=True)
class Recent:
    """One of the newest findings: what, which value, who received it, from which device."""

    time: float  # time.time() when it was stored
    kind: str
    value: str
    host: str
    receiver: str  # the company behind the host, else the host
    device: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    flows: int = 0
    not_sent: int = 0  # requests that never reached their server (refused, unresolved, proxy's 502)
    findings: int = 0
    kinds: tuple[tuple[str, int], ...] = ()  # most first
    companies: tuple[tuple[str, int], ...] = ()  # flows per company (host when none is known)
    countries: tuple[tuple[str, int], ...] = ()  # flows per server country
    blind_spots: tuple[tuple[str, int], ...] = ()  # per kind (db.models.BlindSpot values)
    devices: tuple[tuple[str, int], ...] = ()  # flows per device
    newest: tuple[Recent, ...] = ()  # newest first
    last_traffic: float | None = None  # time.monotonic() of the last flow or blind spot stored


@dataclass(slots=True)
class Tally:
    top: int = 6
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _flows: int = 0
    _not_sent: int = 0
    _findings: int = 0
    _kinds: Counter[str] = field(default_factory=Counter)
    _companies: Counter[str] = field(default_factory=Counter)
    _countries: Counter[str] = field(default_factory=Counter)
    _blind: Counter[str] = field(default_factory=Counter)
    _devices: Counter[str] = field(default_factory=Counter)
    _newest: deque[Recent] = field(default_factory=lambda: deque(maxlen=NEWEST))
    _feed: deque[Recent] = field(default_factory=lambda: deque(maxlen=FEED))
    _fed: int = 0
    _drained: int = 0
    _last: float | None = None

    def add_flows(self, stored: Iterable[tuple[Analysis, str]]) -> None:
        """Count stored flows, each with the device it was stored under."""
        now = time.time()
        with self._lock:
            for analysis, device in stored:
                self._flows += 1
                self._devices[device] += 1
                if never_sent(analysis.exchange.status, analysis.exchange.error):
                    self._not_sent += 1
                    continue
                dest = analysis.destination
                receiver = dest.entity or dest.domain or dest.host
                self._companies[receiver] += 1
                self._countries[dest.country or "unknown"] += 1
                for finding in analysis.findings:
                    self._findings += 1
                    self._kinds[finding.kind.value] += 1
                    recent = Recent(now, finding.kind.value, finding.value, dest.host, receiver, device)
                    self._newest.appendleft(recent)
                    self._feed.append(recent)
                    self._fed += 1
            if len(self._companies) > 2 * RECEIVERS:
                self._companies = Counter(dict(self._companies.most_common(RECEIVERS)))
            self._last = time.monotonic()

    def add_blind_spots(self, kinds: Iterable[str]) -> None:
        with self._lock:
            for kind in kinds:
                self._blind[kind] += 1
            self._last = time.monotonic()

    def drain(self) -> tuple[list[Recent], int]:
        """Every finding stored since the last drain, oldest first, and how many of them did not
        fit the feed (more than `FEED` between two drains) and are only counted."""
        with self._lock:
            items = list(self._feed)
            self._feed.clear()
            dropped = self._fed - self._drained - len(items)
            self._drained = self._fed
            return items, dropped

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                flows=self._flows,
                not_sent=self._not_sent,
                findings=self._findings,
                kinds=tuple(self._kinds.most_common()),
                companies=tuple(self._companies.most_common(self.top)),
                countries=tuple(self._countries.most_common(self.top)),
                blind_spots=tuple(self._blind.most_common()),
                devices=tuple(self._devices.most_common()),
                newest=tuple(self._newest),
                last_traffic=self._last,
            )
