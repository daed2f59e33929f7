"""The stored schema: sessions, flows, findings, destinations and blind spots, as SQLAlchemy Core tables.

Core only, no ORM: every read and write goes through `select()`/`insert()` on these tables, so a
command that reads the database never imports `sqlalchemy.orm` (docs/performance.md#start-up).
Vocabulary columns hold enum values with CHECK constraints, so a typo can never be stored.  Request
headers and bodies are kept whole so flows can be re-analysed by later classifiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from phonehome.classifiers.model import Category, Hash, Kind, Source, Where
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

SCHEMA_VERSION = 11  # db/migrations moves older databases forward


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC everywhere (SQLite has no time zones); read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _on_sqlite(*args: Any, dialect: Dialect, **kw: Any) -> bool:
    return dialect.name == "sqlite"


def _elsewhere(*args: Any, dialect: Dialect, **kw: Any) -> bool:
    return dialect.name != "sqlite"


def _vocabulary(
    name: str, column: str, values: Iterable[str], *, nullable: bool = False
) -> list[CheckConstraint]:
    """`column` holds one of `values` (or NULL if `nullable`): one rule, made in the form each database
    checks fastest (schema 11). In a CHECK, SQLite builds a temporary index of an `IN (...)` list for
    every row it checks (7 of the 12 µs of storing a finding), so there the values are compared one by
    one, joined by OR; PostgreSQL checks its `= ANY (ARRAY[...])` faster than 25 ORs (the proxy
    benchmark's findings were stored in 400-490 µs a flow with ORs, 310-380 with the list)."""
    values = tuple(values)
    listed = f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    compared = "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"
    if nullable:
        listed, compared = f"{column} IS NULL OR {listed}", f"{column} IS NULL OR {compared}"
    return [
        CheckConstraint(compared, name=name).ddl_if(callable_=_on_sqlite),
        CheckConstraint(listed, name=name).ddl_if(callable_=_elsewhere),
    ]


def _check(column: str, values: Any) -> list[CheckConstraint]:
    return _vocabulary(f"ck_{column}_vocabulary", column, (v.value for v in values))


def _required(name: str, *args: Any, **kw: Any) -> Column[Any]:
    """A NOT NULL column (`Column` alone allows NULL)."""
    return Column(name, *args, nullable=False, **kw)


def _optional(name: str, *args: Any, **kw: Any) -> Column[Any]:
    return Column(name, *args, nullable=True, **kw)


metadata = MetaData()

META = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    _required("value", Text),
)

SESSIONS = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("label", String(200), unique=True),
    _required("source", String(16)),
    _required("started", UTCDateTime),
    _optional("ended", UTCDateTime),
    # Schema 7: the capture's time zone, so people read its times as the phone's owner lived them: an
    # IANA name ("Europe/Berlin"), a fixed offset ("+02:00") or "UTC"; NULL (older sessions) reads as UTC.
    _optional("zone", String(64)),
    CheckConstraint("source IN ('capture', 'replay')", name="ck_source_kind"),
)

DESTINATIONS = Table(
    "destinations",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("host", String(255)),
    # "" rather than NULL when unknown, so the unique constraint holds on every database.
    _required("ip", String(45), default=""),
    _required("domain", String(255)),
    _required("country", String(64), default="unknown"),
    _optional("asn", Integer),
    _optional("as_org", String(255)),
    _required("anycast", Boolean, default=False),
    _optional("entity", String(255)),
    _optional("entity_country", String(64)),
    _required("categories", JSON, default=list),
    _required("region", String(32), default="unknown"),
    UniqueConstraint("host", "ip", name="uq_destination_host_ip"),
)

FLOWS = Table(
    "flows",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE")),
    _optional("destination_id", Integer, ForeignKey("destinations.id")),
    _optional("fingerprint", String(128), unique=True),
    _required("time", UTCDateTime),
    _optional("client_address", String(64)),
    _required("device", String(200), default=""),
    _required("method", String(32)),
    _required("url", Text),
    _required("host", String(255)),
    _optional("server_ip", String(45)),
    _optional("status", Integer),
    _required("tls", Boolean),
    _required("http_version", String(16), default="HTTP/1.1"),
    _required("request_bytes", Integer, default=0),
    _required("response_bytes", Integer, default=0),
    _required("request_headers", JSON, default=list),
    _required("request_body", LargeBinary, default=b""),
    _required("response_headers", JSON, default=list),
    _optional("error", Text),
    _required("notes", JSON, default=list),
    _required("fields", Integer, default=0),
    _optional("app", String(255)),  # the sending app's package, when known
    # What named the app: "X-Requested-With header", "User-Agent", "payload key msid", ...
    _optional("app_evidence", Text),
    # Values changed to fit their columns (db/fit.py): {column: the original as a Python literal}.
    _optional("originals", JSON),
    # Schema 8: the flow's findings counted and their distinct kinds (sorted, joined by ","), kept true
    # by every writer of findings, so `sessions` and `destinations` count without reading `findings`.
    _required("findings", Integer, server_default="0"),
    _required("kinds", Text, server_default=""),
    Index("ix_flows_session_time", "session_id", "time"),
    Index("ix_flows_host", "host"),
    # Schema 8 (db/migrations/versions/0008), replacing schema 6's (session_id, device, time) and
    # (destination_id): `sessions` and `destinations` count flows and findings from an index alone.
    Index("ix_flows_session_device_counts", "session_id", "device", "time", "findings"),
    Index("ix_flows_destination_counts", "destination_id", "findings", "kinds"),
    # Schema 9 (db/migrations/versions/0009): listings in time order over every session stream from
    # their first row instead of sorting all of them first.
    Index("ix_flows_time", "time", "id"),
)

FINDINGS = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("flow_id", Integer, ForeignKey("flows.id", ondelete="CASCADE")),
    _required("category", String(16)),
    _required("kind", String(32)),
    _required("value", Text),
    # `where` is an SQL keyword: the column is `location`, exported as `where`.
    _required("location", String(8)),
    _required("path", Text, default=""),
    _required("encodings", JSON, default=list),
    _required("confidence", Float),
    _required("source", String(16)),
    _required("detector", String(64)),
    _optional("hashed", String(8)),
    # Why the finding holds, when the field alone does not show it (identifiers found by behaviour:
    # "same in 14 requests from device A, different on device B").
    _optional("evidence", Text),
    *_check("category", Category),
    *_check("kind", Kind),
    *_check("location", Where),
    *_check("source", Source),
    *_vocabulary("ck_hashed_vocabulary", "hashed", (h.value for h in Hash), nullable=True),
    CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_confidence_range"),
    Index("ix_findings_kind", "kind"),
    # Schema 6: a finding's flow and its kind without reading the row (replaces findings(flow_id)).
    Index("ix_findings_flow_kind", "flow_id", "kind"),
)


class BlindSpot(StrEnum):
    """What the proxy saw but could not read: stored so a report can say what it did not see."""

    CLIENT_TLS = "client_tls"  # the client refused our certificate: CA not trusted, or the app pins
    UPSTREAM_TLS = "upstream_tls"  # the server's TLS handshake failed: nothing was sent to it
    NOT_HTTP = "not_http"  # a connection that carried something other than HTTP, passed through unread
    UDP = "udp"  # UDP (QUIC / HTTP/3, DNS) seen in WireGuard mode, passed through unread


# A connection the proxy could not read: refused TLS on either side, not HTTP, or UDP.
BLIND_SPOTS = Table(
    "blind_spots",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE")),
    _required("time", UTCDateTime),
    _optional("client_address", String(64)),
    _required("device", String(200), default=""),
    _required("host", String(255)),
    _optional("server_ip", String(45)),
    _required("kind", String(16), default=BlindSpot.CLIENT_TLS.value),
    _required("error", Text),
    CheckConstraint(
        "kind IN (" + ", ".join(f"'{b.value}'" for b in BlindSpot) + ")", name="ck_blind_spot_kind"
    ),
    Index("ix_blind_spots_session_id", "session_id"),  # schema 6
)
