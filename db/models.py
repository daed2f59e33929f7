"""The stored schema: sessions, flows, findings, destinations and blind spots (SQLAlchemy 2, typed).

Vocabulary columns hold enum values with CHECK constraints, so a typo can never be stored.  Request
headers and bodies are kept whole so flows can be re-analysed by later classifiers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from phonehome.classifiers.model import Category, Hash, Kind, Source, Where
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SCHEMA_VERSION = 7  # db/migrations moves older databases forward


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


def _check(column: str, values: Any) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{column}_vocabulary")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("source IN ('capture', 'replay')", name="ck_source_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    started: Mapped[datetime] = mapped_column(UTCDateTime)
    ended: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Schema 7: the capture's time zone, so people read its times as the phone's owner lived them: an
    # IANA name ("Europe/Berlin"), a fixed offset ("+02:00") or "UTC"; NULL (older sessions) reads as UTC.
    zone: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DestinationRow(Base):
    __tablename__ = "destinations"
    __table_args__ = (UniqueConstraint("host", "ip", name="uq_destination_host_ip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    # "" rather than NULL when unknown, so the unique constraint holds on every database.
    ip: Mapped[str] = mapped_column(String(45), default="")
    domain: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(64), default="unknown")
    asn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    as_org: Mapped[str | None] = mapped_column(String(255), nullable=True)
    anycast: Mapped[bool] = mapped_column(Boolean, default=False)
    entity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    entity_country: Mapped[str | None] = mapped_column(String(64), nullable=True)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    region: Mapped[str] = mapped_column(String(32), default="unknown")


class FlowRow(Base):
    __tablename__ = "flows"
    __table_args__ = (
        Index("ix_flows_session_time", "session_id", "time"),
        Index("ix_flows_host", "host"),
        # Schema 6 (db/migrations/versions/0006): the read side on a million flows.
        Index("ix_flows_session_device_time", "session_id", "device", "time"),
        Index("ix_flows_destination_id", "destination_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("destinations.id"), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    server_ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tls: Mapped[bool] = mapped_column(Boolean)
    http_version: Mapped[str] = mapped_column(String(16), default="HTTP/1.1")
    request_bytes: Mapped[int] = mapped_column(Integer, default=0)
    response_bytes: Mapped[int] = mapped_column(Integer, default=0)
    request_headers: Mapped[list[Any]] = mapped_column(default=list)
    request_body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    response_headers: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[list[Any]] = mapped_column(default=list)
    fields: Mapped[int] = mapped_column(Integer, default=0)
    app: Mapped[str | None] = mapped_column(
        String(255), nullable=True
    )  # the sending app's package, when known
    # What named the app: "X-Requested-With header", "User-Agent", "payload key msid", ...
    app_evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Values changed to fit their columns (db/fit.py): {column: the original as a Python literal}.
    originals: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    findings: Mapped[list[FindingRow]] = relationship(back_populates="flow", cascade="all, delete-orphan")


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (
        _check("category", Category),
        _check("kind", Kind),
        _check("location", Where),
        _check("source", Source),
        CheckConstraint(
            "hashed IS NULL OR hashed IN (" + ", ".join(f"'{h.value}'" for h in Hash) + ")",
            name="ck_hashed_vocabulary",
        ),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_confidence_range"),
        Index("ix_findings_kind", "kind"),
        # Schema 6: a finding's flow and its kind without reading the row (replaces findings(flow_id)).
        Index("ix_findings_flow_kind", "flow_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    # `where` is an SQL keyword: the column is `location`, exported as `where`.
    location: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text, default="")
    encodings: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    detector: Mapped[str] = mapped_column(String(64))
    hashed: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Why the finding holds, when the field alone does not show it (identifiers found by behaviour:
    # "same in 14 requests from device A, different on device B").
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)

    flow: Mapped[FlowRow] = relationship(back_populates="findings")


class BlindSpot(StrEnum):
    """What the proxy saw but could not read: stored so a report can say what it did not see."""

    CLIENT_TLS = "client_tls"  # the client refused our certificate: CA not trusted, or the app pins
    UPSTREAM_TLS = "upstream_tls"  # the server's TLS handshake failed: nothing was sent to it
    NOT_HTTP = "not_http"  # a connection that carried something other than HTTP, passed through unread
    UDP = "udp"  # UDP (QUIC / HTTP/3, DNS) seen in WireGuard mode, passed through unread


class BlindSpotRow(Base):
    """A connection the proxy could not read: refused TLS on either side, not HTTP, or UDP."""

    __tablename__ = "blind_spots"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{b.value}'" for b in BlindSpot) + ")", name="ck_blind_spot_kind"
        ),
        Index("ix_blind_spots_session_id", "session_id"),  # schema 6
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device: Mapped[str] = mapped_column(String(200), default="")
    host: Mapped[str] = mapped_column(String(255))
    server_ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default=BlindSpot.CLIENT_TLS.value)
    error: Mapped[str] = mapped_column(Text)
