"""tools/make_geodata.py: the building blocks of the geo data build, on tiny inputs.

The script is a maintainer tool, not part of the package (tools/ is never installed), so it is
loaded from its file.  Nothing here goes online.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import ipaddress
import itertools
import json
import random
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import geoip2.database
import geoip2.errors
import maxminddb
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "make_geodata.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_geodata", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mg = _load()

COUNTRY_TYPE = "phonehome-geo-whois-asn-Country"
EPOCH = 1_700_000_000


def v4(addr: str) -> int:
    return int(ipaddress.IPv4Address(addr))


def v6(addr: str) -> int:
    return int(ipaddress.IPv6Address(addr))


def net(cidr: str) -> tuple[int, int]:
    n = ipaddress.ip_network(cidr)
    return int(n.network_address), int(n.broadcast_address)


def csv_file(tmp_path: Path, name: str, text: str) -> bytes:
    """Write a hand-made CSV like the packages' -num.csv files and read it back as the script gets it."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def build(
    tmp_path: Path,
    name: str,
    kind: str,
    by_version: dict[int, list[tuple[int, int, Any]]],
    *,
    fill: tuple[int, int] = (33, 129),
    no_fill_where: dict[int, Any] | None = None,
    v6_granularity: int | None = None,
) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / name
    dbtype = COUNTRY_TYPE if kind == "country" else "phonehome-ASN"
    stats = mg.build_mmdb(
        path, by_version, mg.make_record_for(kind), dbtype, "test", EPOCH,
        {4: fill[0], 6: fill[1]}, no_fill_where, v6_granularity,
    )  # fmt: skip
    return path, stats


def country_of(reader: geoip2.database.Reader, ip: str) -> str | None:
    try:
        return reader.country(ip).country.iso_code
    except geoip2.errors.AddressNotFoundError:
        return None


# ---------------------------------------------------------------- CSV ranges


def test_read_ranges_ipv4_num_country(tmp_path: Path) -> None:
    raw = csv_file(
        tmp_path, "geo-whois-asn-country-ipv4-num.csv",
        "16777216,16777471,AU\n\n16777472,16778239,cn\n16778240,16779263, AU \n",
    )  # fmt: skip
    rows = mg.read_ranges(raw, 4, mg.key_country)
    assert rows == [
        (v4("1.0.0.0"), v4("1.0.0.255"), "AU"),
        (v4("1.0.1.0"), v4("1.0.3.255"), "CN"),
        (v4("1.0.4.0"), v4("1.0.7.255"), "AU"),
    ]


def test_read_ranges_ipv6_num_asn_with_quoted_organisation(tmp_path: Path) -> None:
    a, b = net("2400:cb00::/32")
    c, d = net("2600:1f00::/24")
    raw = csv_file(
        tmp_path, "asn-ipv6-num.csv", f'{a},{b},13335,"Cloudflare, Inc."\n{c},{d},16509,Amazon.com\n'
    )
    rows = mg.read_ranges(raw, 6, mg.key_asn)
    assert rows == [(a, b, (13335, "Cloudflare, Inc.")), (c, d, (16509, "Amazon.com"))]
    assert mg.read_ranges(b"1,2,64500\n", 4, mg.key_asn) == [(1, 2, (64500, ""))]


@pytest.mark.parametrize(
    ("text", "version", "message"),
    [
        ("20,30,AU\n10,15,AU\n", 4, "not sorted"),
        ("30,20,AU\n", 4, "bad range"),
        (f"0,{2**32},AU\n", 4, "bad range"),
        (f"0,{2**128},AU\n", 6, "bad range"),
        ("10,20,A1\n", 4, "bad country code"),
    ],
)
def test_read_ranges_rejects_bad_rows(text: str, version: int, message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        mg.read_ranges(text.encode(), version, mg.key_country)


def test_key_asn_rejects_bad_numbers() -> None:
    with pytest.raises(SystemExit, match="bad AS number"):
        mg.key_asn(["0", "x"], 1)
    with pytest.raises(SystemExit, match="bad AS number"):
        mg.key_asn([str(2**32), "x"], 1)


def test_merge_adjacent_joins_touching_ranges_with_the_same_record() -> None:
    rows = [
        (0, 9, "AU"), (10, 19, "AU"), (20, 29, "AU"),  # touching, same: one range
        (31, 40, "AU"),                                # gap before it: kept apart
        (41, 50, "NZ"),                                # touching, other record: kept apart
        (51, 60, (1, "x")), (61, 70, (1, "x")), (71, 80, (1, "y")),
    ]  # fmt: skip
    assert mg.merge_adjacent(rows) == [
        (0, 29, "AU"), (31, 40, "AU"), (41, 50, "NZ"), (51, 70, (1, "x")), (71, 80, (1, "y")),
    ]  # fmt: skip
    assert mg.merge_adjacent([]) == []


def test_resolve_overlaps_smaller_range_wins() -> None:
    a, b = net("1.0.0.0/24")
    one = v4("1.0.0.7")
    stats: dict[str, Any] = {}
    rows = [(a, b, "AU"), (one, one, "JP"), (v4("2.0.0.0"), v4("2.0.0.9"), "FR")]
    assert mg.resolve_overlaps(rows, stats) == [
        (a, one - 1, "AU"), (one, one, "JP"), (one + 1, b, "AU"), (v4("2.0.0.0"), v4("2.0.0.9"), "FR"),
    ]  # fmt: skip
    assert stats == {"overlapping_source_rows": 2, "identical_ranges_with_different_records": 0}


def test_resolve_overlaps_partial_and_identical_ranges() -> None:
    stats: dict[str, Any] = {}
    # 50-99 lies in two ranges of the same size: the later row wins; so does the later of
    # two identical ranges (200-209).
    rows = [(0, 99, "AU"), (50, 149, "NZ"), (200, 209, "US"), (200, 209, "CA")]
    assert mg.resolve_overlaps(rows, stats) == [(0, 49, "AU"), (50, 149, "NZ"), (200, 209, "CA")]
    assert stats == {"overlapping_source_rows": 4, "identical_ranges_with_different_records": 1}
    stats = {}
    # the smaller one wins even when it comes first
    assert mg.resolve_overlaps([(10, 20, "JP"), (10, 99, "AU")], stats) == [(10, 20, "JP"), (21, 99, "AU")]


def test_cut_not_global_removes_private_and_documentation_blocks() -> None:
    stats: dict[str, Any] = {}
    rows = [
        (v4("172.0.0.0"), v4("172.255.255.255"), "AU"),  # wraps 172.16.0.0/12
        (v4("192.0.2.0"), v4("192.0.2.255"), "JP"),  # all documentation: gone
        (v4("8.8.8.0"), v4("8.8.8.255"), "US"),
    ]
    assert mg.cut_not_global(rows, 4, stats) == [
        (v4("172.0.0.0"), v4("172.15.255.255"), "AU"),
        (v4("172.32.0.0"), v4("172.255.255.255"), "AU"),
        (v4("8.8.8.0"), v4("8.8.8.255"), "US"),
    ]
    assert stats == {
        "rows_cut_for_not_global_blocks": 2,
        "not_global_addresses_removed": {"172.16.0.0/12": 2**20, "192.0.2.0/24": 256},
    }

    stats = {}
    a, b = net("2001:d00::/24")  # contains 2001:db8::/32
    doc_a, doc_b = net("2001:db8::/32")
    assert mg.cut_not_global([(a, b, "JP")], 6, stats) == [(a, doc_a - 1, "JP"), (doc_b + 1, b, "JP")]
    assert stats["not_global_addresses_removed"] == {"2001:db8::/32": "4.29497e+09 /64s"}


def test_clean_ranges_runs_the_whole_pipeline(tmp_path: Path) -> None:
    lo, hi = net("10.0.0.0/8")
    raw = csv_file(
        tmp_path, "c.csv",
        f"{v4('9.0.0.0')},{v4('9.0.0.255')},AU\n{v4('9.0.0.5')},{v4('9.0.0.5')},AU\n"
        f"{v4('9.0.1.0')},{v4('9.0.1.255')},AU\n{lo},{hi},US\n",
    )  # fmt: skip
    rows, stats = mg.clean_ranges(raw, 4, mg.key_country)
    assert rows == [(v4("9.0.0.0"), v4("9.0.1.255"), "AU")]
    assert stats["source_rows"] == 4
    assert stats["overlapping_source_rows"] == 2
    assert stats["not_global_addresses_removed"] == {"10.0.0.0/8": 2**24}


@pytest.mark.parametrize(
    ("start", "end", "bits"),
    [
        (0, 2**32 - 1, 32),
        (v4("1.0.0.1"), v4("1.0.2.6"), 32),
        (5, 5, 32),
        (v6("2400::3"), v6("2400::1:0"), 128),
    ],
)
def test_range_to_cidrs_covers_the_range_exactly(start: int, end: int, bits: int) -> None:
    cidrs = list(mg.range_to_cidrs(start, end, bits))
    pos = start
    for network, plen in cidrs:
        size = 1 << (bits - plen)
        assert network == pos and network % size == 0
        pos += size
    assert pos == end + 1


# ---------------------------------------------------------------- mmdb


def test_country_mmdb_reads_back_through_geoip2(tmp_path: Path) -> None:
    v6_a, v6_b = net("2400:cb00::/32")
    path, stats = build(
        tmp_path, "geo-country.mmdb", "country",
        {4: [(*net("1.0.0.0/24"), "AU"), (*net("8.8.8.0/24"), "US")], 6: [(v6_a, v6_b, "SG")]},
    )  # fmt: skip
    with geoip2.database.Reader(str(path)) as reader:
        assert reader.metadata().database_type == COUNTRY_TYPE
        assert reader.metadata().build_epoch == EPOCH
        assert reader.country("1.0.0.1").country.iso_code == "AU"
        assert reader.country("8.8.8.8").country.iso_code == "US"
        assert reader.country("::ffff:8.8.8.8").country.iso_code == "US"
        assert reader.country("::ffff:1.0.0.255").country.iso_code == "AU"
        assert reader.country("2400:cb00::1").country.iso_code == "SG"
        for empty in ("8.8.9.0", "::ffff:8.8.9.0", "10.0.0.1", "2400:cb01::1"):
            assert country_of(reader, empty) is None
    assert stats["ipv4"] == {"ranges": 2, "cidrs": 2, "distinct_records": 2}
    assert stats["aggregation_filled_addresses"]["ipv4"] == 0
    assert mg.verify(path, {4: [(*net("1.0.0.0/24"), "AU")], 6: [(v6_a, v6_b, "SG")]}, mg.expect_country)


def test_asn_mmdb_reads_back_through_maxminddb(tmp_path: Path) -> None:
    a, b = net("2600:1f00::/24")
    rows = {4: [(*net("1.1.1.0/24"), (13335, "Cloudflare, Inc."))], 6: [(a, b, (16509, "Amazon.com"))]}
    path, _ = build(tmp_path, "geo-asn.mmdb", "asn", rows)
    cloudflare = {"autonomous_system_number": 13335, "autonomous_system_organization": "Cloudflare, Inc."}
    with maxminddb.open_database(str(path)) as db:
        assert db.metadata().database_type == "phonehome-ASN"
        assert db.get("1.1.1.1") == cloudflare
        assert db.get("::ffff:1.1.1.1") == cloudflare
        assert db.get(ipaddress.IPv6Address("::ffff:1.1.1.255")) == cloudflare
        assert db.get("2600:1f00::5") == {
            "autonomous_system_number": 16509,
            "autonomous_system_organization": "Amazon.com",
        }
        assert db.get("1.1.2.1") is None
        assert db.get("::ffff:1.1.2.1") is None
        assert db.get("2600:2000::1") is None
    assert mg.verify(path, rows, mg.expect_asn)["lookups"] > 0


def test_build_is_reproducible(tmp_path: Path) -> None:
    rows = {4: [(*net("1.0.0.0/24"), "AU")], 6: [(*net("2400::/12"), "JP")]}
    one, _ = build(tmp_path, "a.mmdb", "country", rows, fill=(8, 20))
    two, _ = build(tmp_path, "b.mmdb", "country", rows, fill=(8, 20))
    assert one.read_bytes() == two.read_bytes()


def _random_rows(rng: random.Random, version: int, count: int) -> list[tuple[int, int, Any]]:
    """Sorted, disjoint ranges (some touching, most with gaps) of a few countries in public space."""
    sizes: tuple[int, ...]
    if version == 4:
        base, span, sizes = v4("80.0.0.0"), 2**26, (1, 7, 256, 4096, 65536)
    else:
        base, span, sizes = v6("2400::"), 2**100, (2**64, 2**70, 2**80, 2**64 * 3)
    starts = sorted(rng.sample(range(0, span, 2**8 if version == 4 else 2**64), count))
    rows = []
    for i, start in enumerate(starts):
        limit = (starts[i + 1] if i + 1 < count else span) - start
        size = min(rng.choice(sizes), limit)
        rows.append((base + start, base + start + size - 1, rng.choice(["AU", "NZ", "JP", "DE"])))
    return mg.merge_adjacent(rows)


def test_fill_never_changes_an_address_that_has_data(tmp_path: Path) -> None:
    rng = random.Random(4)
    rows = {4: _random_rows(rng, 4, 300), 6: _random_rows(rng, 6, 150)}
    path, stats = build(tmp_path, "filled.mmdb", "country", rows, fill=(8, 20))
    filled = stats["aggregation_filled_addresses"]
    assert filled["ipv4"] > 0 and filled["ipv6_in_/48s"] > 0  # the fill did something
    # every range's first and last address keeps its country (verify() raises otherwise) ...
    assert mg.verify(path, rows, mg.expect_country)["lookups"] >= 2 * (len(rows[4]) + len(rows[6]))
    with maxminddb.open_database(str(path)) as db:
        # ... and so does its middle one
        for version, cls in ((4, ipaddress.IPv4Address), (6, ipaddress.IPv6Address)):
            for start, end, cc in rows[version]:
                assert db.get(cls((start + end) // 2)) == {"country": {"iso_code": cc}}
        # some address without data gained an answer ...
        gaps = [e1 + 1 for (_, e1, _), (s2, _, _) in itertools.pairwise(rows[4]) if s2 > e1 + 1]
        assert any(db.get(ipaddress.IPv4Address(a)) is not None for a in gaps)
        # ... but never one in a special-purpose block
        for ip in ("10.0.0.1", "127.0.0.1", "192.168.1.1", "100.64.0.1", "::1", "fe80::1", "2001:db8::1"):
            assert db.get(ip) is None


def test_fill_stops_at_the_limit(tmp_path: Path) -> None:
    rows = {4: [(*net("8.8.8.0/24"), "US"), (*net("11.0.0.0/24"), "GB")], 6: [(*net("2400::/32"), "JP")]}
    path, _ = build(tmp_path, "limit.mmdb", "country", rows, fill=(16, 129))
    with geoip2.database.Reader(str(path)) as reader:
        # 8.8.8.0/24 grows while the empty sibling is /16 or smaller: up to 8.8.0.0/15
        assert country_of(reader, "8.8.0.1") == "US"
        assert country_of(reader, "8.9.255.255") == "US"
        assert country_of(reader, "::ffff:8.9.0.1") == "US"
        assert country_of(reader, "8.10.0.0") is None
        assert country_of(reader, "8.7.255.255") is None
        assert country_of(reader, "11.0.200.1") == "GB"
        assert country_of(reader, "11.1.255.255") == "GB"  # 11.0.0.0/15 too
        assert country_of(reader, "11.2.0.0") is None
        assert country_of(reader, "2400:1::1") is None  # IPv6 fill disabled (/129)


def test_fill_never_reaches_into_special_purpose_blocks(tmp_path: Path) -> None:
    rows = {4: [(*net("11.0.0.0/24"), "GB")], 6: [(*net("2001:db9::/32"), "JP")]}
    path, _ = build(tmp_path, "special.mmdb", "country", rows, fill=(8, 20))
    with geoip2.database.Reader(str(path)) as reader:
        assert country_of(reader, "11.255.255.255") == "GB"  # grown to 11.0.0.0/8
        assert country_of(reader, "10.0.0.1") is None  # its empty sibling 10.0.0.0/8 is private
        assert country_of(reader, "::ffff:10.0.0.1") is None
        assert country_of(reader, "2001:db9:ffff::1") == "JP"
        assert country_of(reader, "2001:db8::1") is None  # documentation


def test_asn_fill_only_where_the_registry_data_is_empty(tmp_path: Path) -> None:
    registry = {4: mg.Coverage([(*net("8.8.10.0/24"), "US")]), 6: mg.Coverage([])}
    rows = {4: [(*net("8.8.8.0/24"), (15169, "Google LLC"))], 6: [(*net("2400::/32"), (64500, "Example"))]}
    path, stats = build(tmp_path, "asn.mmdb", "asn", rows, fill=(8, 20), no_fill_where=registry)
    assert stats["aggregation_filled_addresses"]["fill_only_where_no_registry_data"] is True
    with maxminddb.open_database(str(path)) as db:
        google = {"autonomous_system_number": 15169, "autonomous_system_organization": "Google LLC"}
        assert db.get("8.8.9.1") == google  # 8.8.9.0/24: no registry data, filled
        assert db.get("8.8.10.1") is None  # the registry knows this block: not filled
        assert db.get("8.8.11.1") is None  # same /23 as it
        # IPv6: no registry data at all, so 2400::/32 grows while the empty sibling is /20 or smaller
        example = {"autonomous_system_number": 64500, "autonomous_system_organization": "Example"}
        assert db.get("2400:1fff::1") == example
        assert db.get("2400:2000::1") is None


def test_ipv6_detail_below_the_granularity_takes_the_majority(tmp_path: Path) -> None:
    big_a, big_b = v6("2400::"), v6("2400::ffff:ffff:ffff")  # three quarters of 2400::/64
    small_a, small_b = v6("2400::ffff:0:0:0"), v6("2400::ffff:0:0:ff")
    rows = {4: [(*net("1.0.0.0/24"), "AU")], 6: [(big_a, big_b, "JP"), (small_a, small_b, "KR")]}
    path, stats = build(tmp_path, "gran.mmdb", "country", rows, v6_granularity=64)
    with geoip2.database.Reader(str(path)) as reader:
        assert country_of(reader, "2400::1") == "JP"
        assert country_of(reader, "2400::ffff:0:0:1") == "JP"  # was KR: the /64 is mostly JP
        assert country_of(reader, "2400::ffff:ffff:0:0") == "JP"  # was empty
        assert country_of(reader, "1.0.0.1") == "AU"
    assert stats["ipv6_generalised_to"]["addresses_whose_answer_changed"] == 256
    assert mg.verify(path, rows, mg.expect_country, 64)["sub_prefix_detail_generalised"] == 2


def test_make_record_for_shares_one_record_per_key() -> None:
    country = mg.make_record_for("country")
    assert country("AU") is country("AU")
    assert country("AU") == {"country": {"iso_code": "AU"}}
    asn = mg.make_record_for("asn")
    assert asn((1, "x")) is asn((1, "x"))
    assert mg.expect_asn({"autonomous_system_number": 1, "autonomous_system_organization": "x"}, (1, "x"))
    with pytest.raises(ValueError):
        mg.make_record_for("city")


# ---------------------------------------------------------------- download


def _tgz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo("package/dir")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    return buf.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_check_integrity_accepts_a_match_and_rejects_anything_else() -> None:
    data = _tgz({"package/a.csv": b"1,2,AU\n"})
    mg.check_integrity(data, _integrity(data))
    with pytest.raises(SystemExit, match="integrity mismatch"):
        mg.check_integrity(data + b"\0", _integrity(data))
    with pytest.raises(SystemExit, match="integrity mismatch"):
        mg.check_integrity(data, _integrity(b"other"))
    with pytest.raises(SystemExit, match="unsupported integrity algorithm"):
        mg.check_integrity(data, "sha1-" + base64.b64encode(hashlib.sha1(data).digest()).decode())


def test_read_members(tmp_path: Path) -> None:
    data = _tgz({"package/a.csv": b"1,2,AU\n", "package/LICENSE": b"CC BY 4.0"})
    assert mg.read_members(data, ["package/a.csv"]) == {"package/a.csv": b"1,2,AU\n"}
    with pytest.raises(SystemExit, match="not a regular file"):
        mg.read_members(data, ["package/dir"])


def _cached_package(work: Path, good: bytes) -> dict[str, Any]:
    pkg = {"name": "@test/geo", "version": "1.0.0", "integrity": _integrity(good)}
    dist = {"integrity": pkg["integrity"], "tarball": "https://registry.invalid/geo-1.0.0.tgz"}
    packument = {
        "versions": {"1.0.0": {"dist": dist, "license": "CC-BY-4.0"}},
        "time": {"1.0.0": "2026-01-02T03:04:05Z"},
    }
    (work / "test__geo.packument.json").write_text(json.dumps(packument))
    return pkg


def test_fetch_package_rejects_a_tarball_whose_sha512_does_not_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _tgz({"package/a.csv": b"1,2,AU\n"})
    pkg = _cached_package(tmp_path, good)
    fetched: list[str] = []

    def fake_get(url: str) -> bytes:
        fetched.append(url)
        return good[:-1] + bytes([good[-1] ^ 1])  # one bit flipped

    monkeypatch.setattr(mg, "_get", fake_get)
    with pytest.raises(SystemExit, match="integrity mismatch"):
        mg.fetch_package(pkg, tmp_path)
    assert fetched == ["https://registry.invalid/geo-1.0.0.tgz"]
    assert not (tmp_path / "test__geo-1.0.0.tgz").exists()  # nothing bad is cached


def test_fetch_package_replaces_a_bad_cached_tarball(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _tgz({"package/a.csv": b"1,2,AU\n"})
    pkg = _cached_package(tmp_path, good)
    (tmp_path / "test__geo-1.0.0.tgz").write_bytes(b"truncated")
    monkeypatch.setattr(mg, "_get", lambda url: good)
    data, info = mg.fetch_package(pkg, tmp_path)
    assert data == good
    assert (tmp_path / "test__geo-1.0.0.tgz").read_bytes() == good
    assert info["published"] == "2026-01-02T03:04:05Z"
    assert mg.epoch_of(info["published"]) == 1767323045


def test_fetch_package_rejects_a_registry_integrity_other_than_the_pinned_one(tmp_path: Path) -> None:
    pkg = _cached_package(tmp_path, b"good")
    pkg["integrity"] = _integrity(b"pinned")
    with pytest.raises(SystemExit, match="!= pinned"):
        mg.fetch_package(pkg, tmp_path)


def test_default_work_dir_is_a_per_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert mg.default_work_dir() == tmp_path / "phonehome-geodata"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert mg.default_work_dir() == Path.home() / ".cache" / "phonehome-geodata"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mg.default_work_dir() == Path.home() / ".cache" / "phonehome-geodata"
