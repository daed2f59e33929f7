"""Small MaxMind-format files for tests, written with mmdb-writer (the library the build script uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet


def write_mmdb(path: Path, database_type: str, records: list[tuple[str, dict[str, Any]]]) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type, description="test")
    for cidr, record in records:
        writer.insert_network(IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path


def asn_record(number: int, org: str) -> dict[str, Any]:
    return {"autonomous_system_number": MmdbU32(number), "autonomous_system_organization": org}


def country_record(code: str) -> dict[str, Any]:
    return {"country": {"iso_code": code, "names": {"en": code}}}


def city_record(code: str, city: str) -> dict[str, Any]:
    return {"country": {"iso_code": code}, "city": {"names": {"en": city}}}
