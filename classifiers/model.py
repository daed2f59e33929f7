"""The vocabulary and records shared by every part of phonehome.

Nothing here imports mitmproxy or SQLAlchemy: live capture and replay both produce an `Exchange`,
and everything after that is one path.  Category, Kind, Where and Source values are persisted and
exported; add new members, never rename existing ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit


class Category(StrEnum):
    IDENTIFIER = "identifier"
    CONTACT = "contact"
    LOCATION = "location"
    BROWSING = "browsing"
    APP_USAGE = "app_usage"
    DEVICE = "device"
    CREDENTIALS = "credentials"


class Kind(StrEnum):
    IMEI = "imei"
    MEID = "meid"
    IMSI = "imsi"
    ICCID = "iccid"
    SERIAL_NUMBER = "serial_number"
    ANDROID_ID = "android_id"
    ADVERTISING_ID = "advertising_id"
    MAC_ADDRESS = "mac_address"
    DEVICE_ID = "device_id"
    EMAIL = "email"
    PHONE_NUMBER = "phone_number"
    COORDINATES = "coordinates"
    CELL_TOWER = "cell_tower"
    WIFI_NETWORK = "wifi_network"
    VISITED_URL = "visited_url"
    SEARCH_QUERY = "search_query"
    INSTALLED_APPS = "installed_apps"
    APP_ACTIVITY = "app_activity"
    DEVICE_MODEL = "device_model"
    OS_VERSION = "os_version"
    CARRIER = "carrier"
    # A persistent pseudonymous ID that analytics or ad tech sets (a cookie or client id): it links a
    # person's visits across sites and days, though it names no hardware.
    TRACKING_ID = "tracking_id"
    PERSON_NAME = "person_name"
    POSTAL_ADDRESS = "postal_address"
    # Never stored or shown: a finding's value is only "a password was sent" (see PASSWORD_VALUE).
    PASSWORD = "password"

    @property
    def category(self) -> Category:
        return KIND_CATEGORY[self]


KIND_CATEGORY: dict[Kind, Category] = {
    Kind.IMEI: Category.IDENTIFIER,
    Kind.MEID: Category.IDENTIFIER,
    Kind.IMSI: Category.IDENTIFIER,
    Kind.ICCID: Category.IDENTIFIER,
    Kind.SERIAL_NUMBER: Category.IDENTIFIER,
    Kind.ANDROID_ID: Category.IDENTIFIER,
    Kind.ADVERTISING_ID: Category.IDENTIFIER,
    Kind.MAC_ADDRESS: Category.IDENTIFIER,
    Kind.DEVICE_ID: Category.IDENTIFIER,
    Kind.EMAIL: Category.CONTACT,
    Kind.PHONE_NUMBER: Category.CONTACT,
    Kind.COORDINATES: Category.LOCATION,
    Kind.CELL_TOWER: Category.LOCATION,
    Kind.WIFI_NETWORK: Category.LOCATION,
    Kind.VISITED_URL: Category.BROWSING,
    Kind.SEARCH_QUERY: Category.BROWSING,
    Kind.INSTALLED_APPS: Category.APP_USAGE,
    Kind.APP_ACTIVITY: Category.APP_USAGE,
    Kind.DEVICE_MODEL: Category.DEVICE,
    Kind.OS_VERSION: Category.DEVICE,
    Kind.CARRIER: Category.DEVICE,
    Kind.TRACKING_ID: Category.IDENTIFIER,
    Kind.PERSON_NAME: Category.CONTACT,
    Kind.POSTAL_ADDRESS: Category.CONTACT,
    Kind.PASSWORD: Category.CREDENTIALS,
}

# What a password finding holds instead of the password: nothing stored can reveal it.
PASSWORD_VALUE = "[password]"


class Where(StrEnum):
    """The part of the request a value was found in."""

    QUERY = "query"
    PATH = "path"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


class Source(StrEnum):
    """How a finding was made."""

    PATTERN = "pattern"  # the value's shape, confirmed by a check (Luhn, ranges, ...)
    KEY = "key"  # the key it was sent under says what it is
    KNOWN = "known"  # it matches a value the user declared
    ADAPTER = "adapter"  # an endpoint adapter says what the field is
    BEHAVIOUR = "behaviour"  # constant within one device, different between devices, under one key


class Hash(StrEnum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request (and its response, if any), normalised away from mitmproxy and HAR.

    `request_body` is the body as sent on the wire: still content-encoded if the client compressed
    it.  Only the classifiers' decoder interprets it.
    """

    time: datetime
    method: str
    url: str
    request_headers: Headers = ()
    request_body: bytes = b""
    http_version: str = "HTTP/1.1"
    status: int | None = None
    response_headers: Headers = ()
    response_bytes: int = 0
    server_ip: str | None = None
    client_address: str | None = None
    error: str | None = None
    # A stable key used to avoid storing the same exchange twice (live flow id, or a digest of a
    # replayed entry).  Empty means "always new".
    fingerprint: str = ""
    # What the source had to repair to read it (invalid UTF-8 replaced, ...): stored on the flow.
    notes: tuple[str, ...] = ()

    @property
    def scheme(self) -> str:
        return self.url.split(":", 1)[0].lower()

    @property
    def tls(self) -> bool:
        return self.scheme in ("https", "wss")

    @property
    def host(self) -> str:
        return split_url(self.url).host

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.request_headers:
            if key.lower() == name:
                return value
        return None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its fields in order, a time in UTC without its zone: every flow crosses a pipe
        once or twice (proxy to writer process, to a classifier process), and the dataclass's own
        state (a `fields()` walk) and UTC's pickling through copyreg doubled what that cost
        (docs/performance.md#what-the-proxys-process-spends-beside-mitmdump-2026-12-07-stop-32)."""
        time = self.time
        utc = time.tzinfo is UTC
        return _exchange, (
            utc, time.replace(tzinfo=None) if utc else time, self.method, self.url,
            self.request_headers, self.request_body, self.http_version, self.status,
            self.response_headers, self.response_bytes, self.server_ip, self.client_address,
            self.error, self.fingerprint, self.notes,
        )  # fmt: skip


def _exchange(utc: bool, time: datetime, *fields: Any) -> Exchange:
    """An `Exchange` back from its pickle (`Exchange.__reduce__`)."""
    return Exchange(time.replace(tzinfo=UTC) if utc else time, *fields)


# What the classifiers read of an exchange, and all a classifier process is sent: the response's
# headers, the time and the rest were a third of what pickling and loading a recorded page's
# exchange cost.  tests/classifiers/test_model.py fails if a classifier reads any other field.
Classifiable = tuple[str, str, Headers, bytes, str | None, tuple[str, ...]]
READ_BY_CLASSIFIERS = ("method", "url", "request_headers", "request_body", "server_ip", "notes")
_UNREAD_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def to_classify(exchange: Exchange) -> Classifiable:
    """The fields of `exchange` the classifiers read (`READ_BY_CLASSIFIERS`, in that order)."""
    e = exchange
    return (e.method, e.url, e.request_headers, e.request_body, e.server_ip, e.notes)


def classifiable(fields: Classifiable) -> Exchange:
    """An exchange that classifies as the one `to_classify` was given (the others fields default)."""
    method, url, headers, body, server_ip, notes = fields
    return Exchange(_UNREAD_TIME, method, url, headers, body, server_ip=server_ip, notes=notes)


# Not frozen: the decoder makes one per value and a frozen dataclass costs four times as much to
# build.  Treat a Field as read-only all the same.
@dataclass(slots=True)
class Field:
    """One decoded value and how it was reached.

    `path` names the value inside its part (`data_list[0].properties.url`), `key` is the last key
    on that path (lower-cased), `encodings` the layers peeled to reach it, outermost first.
    `host` is the request's host, so detectors can tell another site's URL from the flow's own.
    `siblings` maps the other keys of the same object, form or query to their scalar values, so a
    detector can pair `lat` with `lon` without re-parsing anything.
    """

    where: Where
    path: str
    key: str
    value: str
    encodings: tuple[str, ...] = ()
    host: str = ""
    siblings: Mapping[str, str] | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)  # made in the per-field loop: not frozen, for speed; treat as read-only
class Finding:
    kind: Kind
    value: str
    where: Where
    path: str
    encodings: tuple[str, ...]
    confidence: float
    source: Source
    detector: str
    hashed: Hash | None = None
    # Why it holds, when the value and key alone do not show it: the tracker that set the ID, the
    # endpoint documentation, the behaviour seen.  Stored in `findings.evidence`.
    evidence: str = ""

    @property
    def category(self) -> Category:
        return self.kind.category


@dataclass(frozen=True, slots=True)
class Destination:
    host: str
    domain: str
    ip: str | None = None
    country: str = "unknown"
    asn: int | None = None
    as_org: str | None = None
    anycast: bool = False
    entity: str | None = None
    entity_country: str | None = None
    categories: tuple[str, ...] = ()
    region: str = "unknown"  # the server's region group (classifiers.regions)
    service: str | None = None  # the entity's named service the host belongs to (MiStat, Firebase...)
    entity_region: str = "unknown"  # the region group of the entity's headquarters


@dataclass(frozen=True, slots=True)
class Analysis:
    exchange: Exchange
    findings: tuple[Finding, ...]
    destination: Destination
    fields: int = 0
    # Things the classifier noticed about the flow itself: limits hit, undecodable layers,
    # detectors that failed.  Stored on the flow so nothing is silently lost.
    notes: tuple[str, ...] = field(default=())
    # The Android package that sent the request, when the request names it (headers or payload).
    app: str | None = None
    # The signal that named it, shown as evidence ("X-Requested-With header", "payload key msid").
    app_evidence: str | None = None


def finding(
    field: Field,
    kind: Kind,
    value: str,
    confidence: float,
    source: Source,
    detector: str,
    hashed: Hash | None = None,
    evidence: str = "",
) -> Finding:
    """A Finding located where `field` was found."""
    return Finding(
        kind, value, field.where, field.path, field.encodings, confidence, source, detector, hashed, evidence
    )


class UrlParts(NamedTuple):
    scheme: str  # lower-cased
    host: str  # lower-cased, without user info, port or IPv6 brackets; "" if none
    path: str
    query: str
    netloc: str = ""  # as written: user info, host and port


# The common URL, cut in one match as `urlsplit` cuts it: http or https, printable ASCII (nothing
# urlsplit would remove), a host and port without user info or brackets.  A flow's URL is split
# three to five times on its way (tests/classifiers/test_model.py holds this to urlsplit).
_PLAIN_URL = re.compile(r"(https?)://([^/?#@\[\]]*)(?=[/?#]|\Z)([^?#]*)(?:\?([^#]*))?")


def split_url(url: str) -> UrlParts:
    """The parts of a URL, for any string at all: never raises.

    `urlsplit` and its `hostname` raise on what a hostile client can send (`Host: a]b` makes the
    URL `http://a]b/`); then the parts are cut by hand, the way a proxy would read them.
    """
    if url.isascii() and url.isprintable():
        m = _PLAIN_URL.match(url)
        if m is not None:
            scheme, netloc, path, query = m.groups()
            return UrlParts(scheme, netloc.partition(":")[0].lower(), path, query or "", netloc)
    try:
        split: SplitResult = urlsplit(url)
        return UrlParts(
            split.scheme.lower(), (split.hostname or "").lower(), split.path, split.query, split.netloc
        )
    except ValueError:
        pass
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    rest, _, _fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    cut = rest.find("/")
    netloc, path = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return UrlParts(scheme.lower(), host.lower(), path, query, netloc)


# How a proxy or a browser says the request never left for the server: the connection was refused,
# the name did not resolve, the upstream TLS handshake failed.  Its data was not "sent to" anyone.
_NEVER_SENT = re.compile(
    r"refused|resolve|name or service|nodename|getaddrinfo|no route|unreachable|"
    r"connect(?:ion| call)? (?:failed|error)|"
    r"tls handshake|certificate verify|ERR_(?:NAME|CONNECTION_REFUSED|ADDRESS|CERT|SSL|BLOCKED)|blocked",
    re.IGNORECASE,
)


def never_sent(status: int | None, error: str | None) -> bool:
    """The request did not reach its server: no answer from it (or only the proxy's own 502) and an
    error that says why."""
    return (not status or status == 502) and error is not None and _NEVER_SENT.search(error) is not None
