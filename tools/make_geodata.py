#!/usr/bin/env python3
"""Build phonehome's shipped IP data: country and network owner (ASN) per address.

Maintainer tool: phonehome itself never goes online.  This script downloads pinned
versions of openly licensed (CC BY 4.0) npm packages from ip-location-db, checks
their sha512 integrity, and re-encodes their CSV ranges into MaxMind-DB files with
GeoLite2-compatible records:

    geo-country.mmdb   {"country": {"iso_code": "SG"}}       (geoip2 Reader.country())
    geo-asn.mmdb       {"autonomous_system_number": 45102,    (maxminddb get())
                        "autonomous_system_organization": "..."}
    geodata.json       provenance: packages, versions, publish dates, licences,
                       credited sources, record counts, sha256 of the outputs

Both databases are IPv6 trees with IPv4 at ::/96; ::ffff:0:0/96 (IPv4-mapped
addresses) points at the same IPv4 subtree, so "1.2.3.4" and "::ffff:1.2.3.4"
give the same answer.

What is changed (all counted in geodata.json): touching ranges with the same record
are merged; overlapping source rows are resolved (most specific wins); rows inside
never-public blocks (private, documentation...) are cut out.  To keep the two files
under ~15 MB: empty space next to a network takes that network's record (never in
special-purpose blocks; for the ASN file only where the registry data is empty too),
and IPv6 country detail finer than /64 takes the majority country of its /64.
Every address that has data keeps its answer apart from that sub-/64 detail;
organisation strings are never shortened.

Usage:
    python tools/make_geodata.py [--out DIR] [--work DIR] [--fill-v4 LEN] [--fill-v6 LEN]
                           [--country-v6-granularity LEN] [--no-verify]

Needs Python 3.11+, mmdb-writer and netaddr (and maxminddb for the read-back check).
The output is reproducible: the files' build_epoch is the packages' publish time, so
the same pinned packages give byte-identical .mmdb files.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import csv
import datetime as dt
import hashlib
import io
import ipaddress
import itertools
import json
import os
import re
import sys
import tarfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypedDict

from mmdb_writer import (
    Encoder,
    MMDBTypeID,
    MmdbU32,
    MMDBWriter,
    SearchTreeLeaf,
    SearchTreeNode,
    TreeChild,
    TreeWriter,
)
from netaddr import IPNetwork, IPSet

REGISTRY = "https://registry.npmjs.org"
# The shipped data it writes lives in the package; this script does not.
HERE = Path(__file__).resolve().parents[1] / "classifiers" / "data"


class Package(TypedDict):
    name: str
    version: str
    integrity: str
    csv: dict[int, str]  # IP version -> CSV member of the tarball
    licence: str
    licence_note: str
    sources: list[str]
    licence_files: list[str]


# A CSV range: (first address, last address, record key) with addresses as integers.
Row = tuple[int, int, Any]

# Pinned packages.  To update: change version and integrity (the registry's
# dist.integrity for that version), re-run, review the diff of geodata.json.
COUNTRY_PKG: Package = {
    "name": "@ip-location-db/geo-whois-asn-country",
    "version": "2.3.2026061719",
    "integrity": "sha512-9MQ3r2q+GDLwW+Mye5duWnHe3n1qB1ZcNUcM9P58CpdW86Gt44AgfIrem6Pcy/tbCHhQ70RJCLngQQyYnaEjbw==",
    "csv": {4: "package/geo-whois-asn-country-ipv4-num.csv", 6: "package/geo-whois-asn-country-ipv6-num.csv"},
    # The package.json says "CC0-1.0", but its README and NRO_LICENSE state that
    # the data is CC BY 4.0 by the NRO; we follow the stricter of the two.
    "licence": "CC-BY-4.0",
    "licence_note": (
        "package.json declares CC0-1.0; the package README and NRO_LICENSE "
        "state CC BY 4.0 (NRO). Treated as CC BY 4.0."
    ),
    "sources": [
        "GeoFeed: OpenGeoFeed (https://opengeofeed.org/) and collections of providers' "
        "geofeeds (https://github.com/HostByBelle/ip-db-test-data)",
        "Whois: the five RIRs' WHOIS databases (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC), "
        "CC BY 4.0 by the NRO (https://www.nro.net/)",
        "ASN: the five RIRs' IP-ASN-country statistics, CC BY 4.0 by the NRO",
        "Merge priority: GeoFeed > Whois > ASN; compiled by sapics/ip-location-db "
        "(https://github.com/sapics/ip-location-db)",
    ],
    "licence_files": ["package/NRO_LICENSE"],
}
ASN_PKG: Package = {
    "name": "@ip-location-db/asn",
    "version": "2.3.2026061719",
    "integrity": "sha512-PpqYi7wyEyWwunXBtl+y3Vi403SvNywotWwvmiYCOUtE0SVol/Sf492Ee+eErEznmGapxEQB2SAfrpXuZ9a+vQ==",
    "csv": {4: "package/asn-ipv4-num.csv", 6: "package/asn-ipv6-num.csv"},
    "licence": "CC-BY-4.0",
    "licence_note": (
        "package.json: 'SEE LICENSE IN ROUTEVIEWS-LICENSE and DBIP-LICENSE "
        "(CC-BY-4.0)'; also ships NRO_LICENSE (CC BY 4.0)."
    ),
    "sources": [
        "RouteViews IP to AS number data (https://www.routeviews.org/routeviews/), CC BY 4.0",
        "The five RIRs' IP-ASN statistics, CC BY 4.0 by the NRO (https://www.nro.net/)",
        "DB-IP IP to ASN Lite (https://db-ip.com/db/download/ip-to-asn-lite), CC BY 4.0; "
        "most organisation names come from it",
        "Merge priority IPv4: RouteViews > RIRs > DB-IP; IPv6: RIRs > DB-IP; compiled by "
        "sapics/ip-location-db (https://github.com/sapics/ip-location-db)",
    ],
    "licence_files": [
        "package/ROUTEVIEWS-LICENSE",
        "package/DBIP-LICENSE",
        "package/NRO_LICENSE",
        "package/MODIFICATIONS",
    ],
}

V4_MAX = 2**32 - 1
V6_MAX = 2**128 - 1
CC_RE = re.compile(r"^[A-Z]{2}$")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- download


def _get(url: str) -> bytes:
    req = urllib.request.Request(
        url, headers={"Accept": "application/json, */*", "User-Agent": "phonehome-make-geodata"}
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.read()


def check_integrity(data: bytes, integrity: str) -> None:
    algo, _, b64 = integrity.partition("-")
    if algo != "sha512":
        raise SystemExit(f"unsupported integrity algorithm {algo!r}")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != b64:
        raise SystemExit(f"integrity mismatch: expected sha512-{b64}, got sha512-{got}")


def fetch_package(pkg: Package, work: Path) -> tuple[bytes, dict[str, Any]]:
    """Return (tarball bytes, registry info) for a pinned package; cached in `work`."""
    name, version = pkg["name"], pkg["version"]
    safe = name.replace("@", "").replace("/", "__")
    meta_path = work / f"{safe}.packument.json"
    tgz_path = work / f"{safe}-{version}.tgz"

    if meta_path.exists():
        packument = json.loads(meta_path.read_text())
    else:
        log(f"registry: {name}")
        url = f"{REGISTRY}/{urllib.parse.quote(name, safe='@')}"
        packument = json.loads(_get(url))
        meta_path.write_text(json.dumps(packument))
    if version not in packument.get("versions", {}):
        meta_path.unlink()
        raise SystemExit(f"{name}@{version} not on the registry")
    vmeta = packument["versions"][version]
    dist = vmeta["dist"]
    if dist.get("integrity") != pkg["integrity"]:
        raise SystemExit(
            f"{name}@{version}: registry integrity {dist.get('integrity')} != pinned {pkg['integrity']}"
        )

    if tgz_path.exists():
        data = tgz_path.read_bytes()
        try:
            check_integrity(data, pkg["integrity"])
        except SystemExit:
            log(f"cached {tgz_path.name} is bad; downloading again")
            data = b""
    else:
        data = b""
    if not data:
        log(f"download: {dist['tarball']}")
        data = _get(dist["tarball"])
        check_integrity(data, pkg["integrity"])
        tgz_path.write_bytes(data)
    log(f"{name}@{version}: sha512 integrity ok ({len(data):,} bytes)")

    info = {
        "name": name,
        "version": version,
        "published": packument.get("time", {}).get(version),
        "tarball": dist["tarball"],
        "integrity": dist["integrity"],
        "package_json_license": vmeta.get("license"),
        "deprecated": vmeta.get("deprecated"),
        "repository": (vmeta.get("repository") or {}).get("url"),
        "author": vmeta.get("author")
        if isinstance(vmeta.get("author"), str)
        else (vmeta.get("author") or {}).get("name"),
    }
    return data, info


def read_members(tgz: bytes, names: list[str]) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for name in names:
            member = tar.getmember(name)
            f = tar.extractfile(member) if member.isfile() else None
            if f is None:
                raise SystemExit(f"{name}: not a regular file")
            out[name] = f.read()
    return out


# ---------------------------------------------------------------- ranges


def read_ranges(raw: bytes, version: int, make_key: Callable[[list[str], int], Any]) -> list[Row]:
    """Parse a -num.csv into (start, end, key) rows, checked for sort order."""
    top = V4_MAX if version == 4 else V6_MAX
    rows: list[Row] = []
    prev_start = -1
    reader = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    for lineno, row in enumerate(reader, 1):
        if not row:
            continue
        start, end = int(row[0]), int(row[1])
        if not (0 <= start <= end <= top):
            raise SystemExit(f"line {lineno}: bad range {row[:2]}")
        if start < prev_start:
            raise SystemExit(f"line {lineno}: ranges not sorted at {row[:2]}")
        prev_start = start
        rows.append((start, end, make_key(row[2:], lineno)))
    return rows


def resolve_overlaps(rows: list[Row], stats: dict[str, Any]) -> list[Row]:
    """Make sorted rows disjoint.  A few source rows overlap (a /24 with a single
    address inside it, a geofeed block inside a registry block): where ranges
    overlap, the smallest (most specific) range wins, as in longest-prefix match;
    between identical ranges the later row wins.  Counts go into `stats`."""
    out: list[Row] = []
    i, n = 0, len(rows)
    overlapping = identical = 0
    while i < n:
        j, hi = i + 1, rows[i][1]
        while j < n and rows[j][0] <= hi:  # cluster of mutually overlapping rows
            hi = max(hi, rows[j][1])
            j += 1
        if j == i + 1:
            out.append(rows[i])
            i = j
            continue
        cluster = rows[i:j]
        overlapping += len(cluster)
        spans = {(s, e) for s, e, _ in cluster}
        identical += len(cluster) - len(spans)
        cuts = sorted({s for s, _, _ in cluster} | {e + 1 for _, e, _ in cluster})
        for a, b in itertools.pairwise(cuts):
            best: tuple[tuple[int, int], Any] | None = None
            for order, (s, e, key) in enumerate(cluster):
                if s <= a and b - 1 <= e:
                    rank = (e - s, -order)
                    if best is None or rank < best[0]:
                        best = (rank, key)
            if best is None:
                continue
            if out and out[-1][2] == best[1] and out[-1][1] + 1 == a:
                out[-1] = (out[-1][0], b - 1, best[1])
            else:
                out.append((a, b - 1, best[1]))
        i = j
    stats["overlapping_source_rows"] = overlapping
    stats["identical_ranges_with_different_records"] = identical
    for (_, e1, _), (s2, _, _) in itertools.pairwise(out):
        assert e1 < s2
    return out


def merge_adjacent(rows: Iterable[Row]) -> list[Row]:
    """Merge touching ranges (end + 1 == next start) that carry the same record."""
    out: list[list[Any]] = []
    for start, end, key in rows:
        if out and out[-1][2] == key and out[-1][1] + 1 == start:
            out[-1][1] = end
        else:
            out.append([start, end, key])
    return [(s, e, key) for s, e, key in out]


def range_to_cidrs(start: int, end: int, bits: int) -> Iterator[tuple[int, int]]:
    """Yield (network int, prefix length) covering [start, end] exactly."""
    while start <= end:
        # largest aligned block at `start` that fits
        size = (start & -start) if start else 1 << bits
        while size > end - start + 1:
            size >>= 1
        yield start, bits - size.bit_length() + 1
        start += size


def key_country(fields: list[str], lineno: int) -> str:
    cc = fields[0].strip().upper()
    if not CC_RE.match(cc):
        raise SystemExit(f"line {lineno}: bad country code {fields[0]!r}")
    return cc


def key_asn(fields: list[str], lineno: int) -> tuple[int, str]:
    asn = int(fields[0])
    if not (0 < asn <= V4_MAX):
        raise SystemExit(f"line {lineno}: bad AS number {fields[0]!r}")
    org = fields[1] if len(fields) > 1 else ""
    return asn, org


def clean_ranges(
    raw: bytes, version: int, make_key: Callable[[list[str], int], Any]
) -> tuple[list[Row], dict[str, Any]]:
    """A -num.csv as sorted, disjoint, merged rows without never-public blocks, and the
    counts of what was changed."""
    rows = read_ranges(raw, version, make_key)
    stats: dict[str, Any] = {"source_rows": len(rows)}
    rows = cut_not_global(resolve_overlaps(rows, stats), version, stats)
    return merge_adjacent(rows), stats


def make_record_for(kind: str) -> Callable[[Any], dict[str, Any]]:
    """Record builder for "country" (key: country code) or "asn" (key: (number, org)).
    Each key gets one shared record object: compact_tree joins sibling leaves only when
    they hold the same object."""
    records: dict[Any, dict[str, Any]] = {}

    def country(cc: str) -> dict[str, Any]:
        return records.setdefault(cc, {"country": {"iso_code": cc}})

    def asn(key: tuple[int, str]) -> dict[str, Any]:
        number, org = key
        return records.setdefault(
            key, {"autonomous_system_number": MmdbU32(number), "autonomous_system_organization": org}
        )

    if kind == "country":
        return country
    if kind == "asn":
        return asn
    raise ValueError(f"unknown record kind {kind!r}")


def expect_country(got: object, cc: str) -> bool:
    """Does a looked-up record answer country `cc`?"""
    return got == {"country": {"iso_code": cc}}


def expect_asn(got: object, key: tuple[int, str]) -> bool:
    """Does a looked-up record answer (AS number, organisation) `key`?"""
    return got == {"autonomous_system_number": key[0], "autonomous_system_organization": key[1]}


# ---------------------------------------------------------------- mmdb


class _Encoder(Encoder):
    """Store a record's number inline, and its strings inline unless several records
    share them (then once, behind a pointer), instead of always behind pointers.

    Records are still stored once each and map keys are still pointers; this avoids
    a 4-byte pointer per value, most of the per-record overhead with ~90k distinct
    ASN records.  The file reads back identically."""

    shared_strings: frozenset[str] = frozenset()

    def _encode_map(self, value: dict[str, Any]) -> bytes:
        res = self._make_header(MMDBTypeID.MAP, len(value))
        for k, v in value.items():
            res += self.encode(k)
            if isinstance(v, MmdbU32):
                res += self.type_encoder[MMDBTypeID.UINT32](v.value)
            elif isinstance(v, str) and v not in self.shared_strings:
                res += self._encode_utf8_string(v)
            else:
                res += self.encode(v)
        return res


class _TreeWriter(TreeWriter):
    encoder_cls = _Encoder
    encoder: _Encoder


class _Writer(MMDBWriter):
    """MMDBWriter with a fixed build_epoch (reproducible output), compact records."""

    def __init__(self, *args: Any, build_epoch: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._epoch = build_epoch
        self.shared_strings: frozenset[str] = frozenset()

    def _build_meta(self) -> dict[str, Any]:
        meta = super()._build_meta()
        meta["build_epoch"] = self._epoch
        return meta

    def to_db_file(self, filename: str) -> None:
        tw = _TreeWriter(self.tree, self._build_meta(), self.int_type, self.float_type)
        tw.encoder.shared_strings = self.shared_strings
        tw.write(filename)


def shared_strings(records: Iterable[dict[str, Any]]) -> frozenset[str]:
    """String values used by more than one record and long enough that a pointer
    (up to 4 bytes) is cheaper than repeating them."""
    seen: set[str] = set()
    shared: set[str] = set()
    for rec in records:
        for v in rec.values():
            if isinstance(v, str) and len(v.encode()) >= 8:
                (shared if v in seen else seen).add(v)
    return frozenset(shared)


# Special-purpose address blocks (IANA registries): never given data by aggregation,
# so private, loopback, link-local, documentation, multicast etc. stay "unknown".
SPECIAL = {
    4: ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"],
    6: ["::/8", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
        "2002::/16", "3fff::/20", "fc00::/7", "fe80::/10", "ff00::/8"],
}  # fmt: skip
SPECIAL_SPANS = {
    v: [(int(n.network_address), int(n.broadcast_address)) for n in map(ipaddress.ip_network, nets)]
    for v, nets in SPECIAL.items()
}


# Blocks that are never on the public Internet (private, loopback, link-local, CGNAT,
# documentation, benchmarking, multicast, reserved).  The sources carry a few wrong
# rows for them (172.16.0.0/12 "AU", 2001:db8::/32 "JP"); phonehome must answer
# "unknown" for LAN addresses, so they are cut out of the data.
NOT_GLOBAL = {
    4: ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"],
    6: ["::/8", "100::/64", "2001:db8::/32", "3fff::/20", "fc00::/7", "fe80::/10", "ff00::/8"],
}  # fmt: skip
NOT_GLOBAL_SPANS = {
    v: [(int(n.network_address), int(n.broadcast_address)) for n in map(ipaddress.ip_network, nets)]
    for v, nets in NOT_GLOBAL.items()
}


def cut_not_global(rows: Iterable[Row], version: int, stats: dict[str, Any]) -> list[Row]:
    """Remove the NOT_GLOBAL blocks from sorted disjoint rows; count what went."""
    spans = sorted(NOT_GLOBAL_SPANS[version])
    out: list[Row] = []
    removed_rows = 0
    removed: dict[str, int] = {}
    for start, end, key in rows:
        pieces = [(start, end)]
        for a, b in spans:
            if b < start or a > end:
                continue
            nxt = []
            for s_, e_ in pieces:
                if e_ < a or s_ > b:
                    nxt.append((s_, e_))
                    continue
                plen = (128 if version == 6 else 32) - (b - a + 1).bit_length() + 1
                name = str(ipaddress.ip_network((a, plen)))
                removed[name] = removed.get(name, 0) + min(e_, b) - max(s_, a) + 1
                if s_ < a:
                    nxt.append((s_, a - 1))
                if e_ > b:
                    nxt.append((b + 1, e_))
            pieces = nxt
        if len(pieces) != 1 or pieces[0] != (start, end):
            removed_rows += 1
        out.extend((s_, e_, key) for s_, e_ in pieces)
    stats["rows_cut_for_not_global_blocks"] = removed_rows
    stats["not_global_addresses_removed"] = {
        k: (v if version == 4 else f"{v / 2**64:.6g} /64s") for k, v in removed.items()
    }
    return out


class Coverage:
    """Sorted disjoint intervals; does [a, b] touch any of them?"""

    def __init__(self, rows: Iterable[Row]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for a, b, _ in rows:
            if ends and ends[-1] + 1 == a:
                ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        self.starts, self.ends = starts, ends

    def touches(self, a: int, b: int) -> bool:
        i = bisect.bisect_right(self.starts, b) - 1
        return i >= 0 and self.ends[i] >= a


# record id (None: no data) -> (address count, a leaf holding that record)
LeafSizes = dict[int | None, tuple[int, SearchTreeLeaf | None]]


def _leaf_sizes(node: TreeChild, bits_left: int, acc: LeafSizes) -> None:
    """Address count per record value in a subtree (None = no data)."""
    if isinstance(node, SearchTreeNode):
        _leaf_sizes(node.left, bits_left - 1, acc)
        _leaf_sizes(node.right, bits_left - 1, acc)
    else:
        key = None if node is None else id(node.value)
        size, leaf = acc.get(key, (0, node))
        acc[key] = (size + (1 << bits_left), leaf)


def compact_tree(
    writer: MMDBWriter,
    fill: dict[int, int],
    no_fill_where: dict[int, Coverage] | None,
    v6_granularity: int | None,
    stats: dict[str, Any],
) -> None:
    """Shrink the search tree (MMDB has no path compression, so long single-child
    chains above small networks cost one node per bit).

    * aggregation of empty space: where a network's sibling block has no data at
      all, the parent block takes the network's record, if the sibling block is no
      larger than /fill[version], is outside the special-purpose blocks and (when
      `no_fill_where` is given) touches no address covered there.  Every address that
      has data keeps exactly its answer; only addresses without data gain one.
    * v6_granularity: IPv6 detail finer than that prefix length is replaced by the
      record holding most of the block (for the country file: /64, one subnet).
    Counts of affected addresses go into `stats`."""
    filled = {4: 0, 6: 0}
    generalised = {"blocks": 0, "addresses_changed": 0, "addresses_filled": 0}

    def visit(node: SearchTreeNode, depth: int, prefix: int) -> TreeChild:
        in_v4 = depth >= 96 and prefix >> 32 == 0
        if v6_granularity is not None and not in_v4 and prefix >> 32 != 0 and depth == v6_granularity:
            acc: LeafSizes = {}
            _leaf_sizes(node, 128 - depth, acc)
            ranked = sorted(
                ((size, repr(leaf.value)), key) for key, (size, leaf) in acc.items() if leaf is not None
            )
            best_key = ranked[-1][1]
            generalised["blocks"] += 1
            for key, (size, _) in acc.items():
                if key is None:
                    generalised["addresses_filled"] += size
                elif key != best_key:
                    generalised["addresses_changed"] += size
            return acc[best_key][1]
        for bit in (0, 1):
            child = node[bit]
            if type(child) is SearchTreeNode:
                node[bit] = visit(child, depth + 1, prefix | (bit << (127 - depth)))
        left, right = node.left, node.right
        if type(left) is SearchTreeLeaf and type(right) is SearchTreeLeaf:
            return left if left.value is right.value else node
        if (left is None) == (right is None):
            return node
        leaf = left if right is None else right
        if type(leaf) is not SearchTreeLeaf:
            return node
        if depth < 96 and prefix >> 32 == 0:
            return node  # the path to ::/96 (IPv4) and the rest of ::/8
        hole = prefix | ((1 if right is None else 0) << (127 - depth))
        if in_v4:
            version, plen, bits = 4, depth + 1 - 96, 32
            hole &= V4_MAX
        else:
            version, plen, bits = 6, depth + 1, 128
        if plen < fill[version]:
            return node
        a, b = hole, hole + (1 << (bits - plen)) - 1
        if any(a <= y and x <= b for x, y in SPECIAL_SPANS[version]):
            return node
        if no_fill_where is not None and no_fill_where[version].touches(a, b):
            return node
        filled[version] += b - a + 1
        return leaf

    root = visit(writer.tree, 0, 0)
    if not isinstance(root, SearchTreeNode):
        raise SystemExit("the whole search tree collapsed into one record")
    writer.tree = root
    stats["aggregation_filled_addresses"] = {
        "ipv4": filled[4],
        "ipv4_share_of_space": round(filled[4] / 2**32, 6),
        "ipv6_in_/48s": filled[6] >> 80,
        "fill_limit": {"ipv4": f"/{fill[4]}", "ipv6": f"/{fill[6]}"},
        "fill_only_where_no_registry_data": no_fill_where is not None,
    }
    if v6_granularity is not None:
        unit = 1 << (128 - v6_granularity)
        stats["ipv6_generalised_to"] = {
            "prefix": f"/{v6_granularity}",
            "blocks": generalised["blocks"],
            "addresses_whose_answer_changed": generalised["addresses_changed"],
            "empty_space_filled_in_blocks": round(generalised["addresses_filled"] / unit, 3),
        }


def alias_ipv4_mapped(writer: MMDBWriter) -> None:
    """Point ::ffff:0:0/96 at the IPv4 subtree (::/96), like MaxMind's databases do."""
    v4 = writer.tree
    for _ in range(96):
        child = v4[0]
        if not isinstance(child, SearchTreeNode):
            raise SystemExit("no IPv4 subtree at ::/96")
        v4 = child
    cur = writer.tree
    path = [0] * 80 + [1] * 16
    for bit in path[:-1]:
        nxt = cur[bit]
        if nxt is None:
            nxt = SearchTreeNode()
            cur[bit] = nxt
        elif not isinstance(nxt, SearchTreeNode):
            raise SystemExit("data already present inside ::ffff:0:0/96")
        cur = nxt
    if cur[path[-1]] is not None:
        raise SystemExit("data already present at ::ffff:0:0/96")
    cur[path[-1]] = v4


def build_mmdb(
    path: Path,
    by_version: dict[int, list[Row]],
    record_for: Callable[[Any], dict[str, Any]],
    database_type: str,
    description: str,
    build_epoch: int,
    fill: dict[int, int],
    no_fill_where: dict[int, Coverage] | None,
    v6_granularity: int | None,
) -> dict[str, Any]:
    """Insert merged ranges grouped by record; returns statistics."""
    writer = _Writer(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description=description,
        int_type="u32",
        build_epoch=build_epoch,
    )
    stats = {}
    used: dict[int, dict] = {}
    for version in (4, 6):
        bits = 32 if version == 4 else 128
        groups: dict[object, list] = {}
        n_cidrs = 0
        for start, end, key in by_version[version]:
            lst = groups.setdefault(key, [])
            for net, plen in range_to_cidrs(start, end, bits):
                lst.append(IPNetwork((net, plen), version=version))
                n_cidrs += 1
        for key in sorted(groups, key=repr):  # deterministic insertion order
            record = record_for(key)
            used[id(record)] = record
            writer.insert_network(IPSet(groups[key]), record)
        stats[f"ipv{version}"] = {
            "ranges": len(by_version[version]),
            "cidrs": n_cidrs,
            "distinct_records": len(groups),
        }
        log(
            f"  {path.name}: IPv{version}: {len(by_version[version]):,} merged ranges, "
            f"{n_cidrs:,} CIDRs, {len(groups):,} distinct records"
        )
    writer.shared_strings = shared_strings(used.values())
    compact_tree(writer, fill, no_fill_where, v6_granularity, stats)
    alias_ipv4_mapped(writer)
    tmp = path.with_suffix(".tmp")
    writer.to_db_file(str(tmp))
    os.replace(tmp, path)
    return stats


# ---------------------------------------------------------------- verification


def verify(
    path: Path,
    by_version: dict[int, list[Row]],
    expect: Callable[[Any, Any], bool],
    v6_granularity: int | None = None,
) -> dict[str, int]:
    """Look up the first and last address of every merged range (and ::ffff: forms)
    and check special-purpose blocks without data answer nothing."""
    try:
        import maxminddb
    except ImportError:
        log("  maxminddb not installed: read-back check skipped")
        return {}
    n = generalised = 0
    with maxminddb.open_database(str(path)) as db:
        for version in (4, 6):
            cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
            rows = by_version[version]
            for i, (start, end, key) in enumerate(rows):
                for addr in (start, end):
                    ip = cls(addr)
                    got = db.get(ip)
                    n += 1
                    if expect(got, key):
                        continue
                    if version == 6 and v6_granularity is not None:
                        shift = 128 - v6_granularity
                        block = (addr >> shift) << shift
                        if not (start <= block and block + (1 << shift) - 1 <= end):
                            generalised += 1  # sub-/64 detail, replaced on purpose
                            continue
                    raise SystemExit(f"{path.name}: {ip} -> {got!r}, expected {key!r}")
                if version == 4 and i % 97 == 0:
                    mapped = ipaddress.IPv6Address((0xFFFF << 32) | start)
                    if db.get(mapped) != db.get(cls(start)):
                        raise SystemExit(f"{path.name}: {mapped} differs from {cls(start)}")
                    n += 1
            cov = Coverage(rows)
            for a, b in SPECIAL_SPANS[version] + NOT_GLOBAL_SPANS[version]:
                if not cov.touches(a, b):
                    for addr in (a, b, (a + b) // 2):
                        if db.get(cls(addr)) is not None:
                            raise SystemExit(f"{path.name}: special address {cls(addr)} has data")
                        n += 1
    return {"lookups": n, "sub_prefix_detail_generalised": generalised}


# ---------------------------------------------------------------- main


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def epoch_of(published: str | None) -> int:
    if not published:
        return int(time.time())
    return int(dt.datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp())


def default_work_dir() -> Path:
    """Per-user download cache: $XDG_CACHE_HOME/phonehome-geodata, else ~/.cache/..."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "phonehome-geodata"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: %(default)s)")
    ap.add_argument(
        "--work",
        type=Path,
        default=default_work_dir(),
        help="download cache (default: %(default)s)",
    )
    ap.add_argument(
        "--fill-v4",
        type=int,
        default=8,
        metavar="LEN",
        help="aggregate into empty IPv4 blocks up to /LEN (default /%(default)s; 33 disables)",
    )
    ap.add_argument(
        "--fill-v6",
        type=int,
        default=20,
        metavar="LEN",
        help="aggregate into empty IPv6 blocks up to /LEN (default /%(default)s; 129 disables)",
    )
    ap.add_argument(
        "--country-v6-granularity",
        type=int,
        default=64,
        metavar="LEN",
        help="IPv6 country detail finer than /LEN takes the majority country "
        "(default /%(default)s; 128 keeps everything)",
    )
    ap.add_argument(
        "--no-verify", action="store_true", help="skip reading every range back from the built files"
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    outputs = {}
    fill = {4: args.fill_v4, 6: args.fill_v6}
    registry_coverage = None
    for kind, pkg in (("country", COUNTRY_PKG), ("asn", ASN_PKG)):
        tgz, info = fetch_package(pkg, args.work)
        members = read_members(tgz, list(pkg["csv"].values()) + pkg["licence_files"])
        make_key = key_country if kind == "country" else key_asn
        by_version: dict[int, list[Row]] = {}
        source_stats: dict[str, dict[str, Any]] = {}
        for version, name in pkg["csv"].items():
            by_version[version], st = clean_ranges(members[name], version, make_key)
            source_stats[f"ipv{version}"] = st
            if st["not_global_addresses_removed"]:
                log(f"  IPv{version}: cut from non-global blocks: {st['not_global_addresses_removed']}")
            if st["overlapping_source_rows"]:
                log(
                    f"  IPv{version}: {st['overlapping_source_rows']} overlapping source rows "
                    f"resolved (most specific wins; {st['identical_ranges_with_different_records']}"
                    " identical ranges with different records: later row wins)"
                )
        epoch = epoch_of(info["published"])

        record_for = make_record_for(kind)
        expect: Callable[[Any, Any], bool]
        if kind == "country":
            fname = "geo-country.mmdb"
            expect = expect_country
            dbtype = "phonehome-geo-whois-asn-Country"
            desc = f"Country by IP, from {pkg['name']}@{pkg['version']} (CC BY 4.0; NRO/RIR data, geofeeds)"
        else:
            fname = "geo-asn.mmdb"
            expect = expect_asn
            dbtype = "phonehome-ASN"
            desc = (
                f"AS number and organisation by IP, from {pkg['name']}@{pkg['version']} "
                "(CC BY 4.0; RouteViews, NRO/RIR data, DB-IP)"
            )

        out = args.out / fname
        log(f"building {out}")
        t1 = time.time()
        if kind == "country":
            gran = args.country_v6_granularity if args.country_v6_granularity < 128 else None
            no_fill_where = None
            registry_coverage = {v: Coverage(by_version[v]) for v in (4, 6)}
        else:
            # ASN: aggregate only into space the registry (country) data does not
            # cover either, i.e. unallocated space no server can use.
            gran, no_fill_where = None, registry_coverage
        stats = build_mmdb(out, by_version, record_for, dbtype, desc, epoch, fill, no_fill_where, gran)
        log(f"  wrote {out.stat().st_size:,} bytes in {time.time() - t1:.0f}s")
        checked = {}
        if not args.no_verify:
            t1 = time.time()
            checked = verify(out, by_version, expect, gran)
            log(f"  read-back check: {checked} ok in {time.time() - t1:.0f}s")
        for v in (4, 6):
            stats[f"ipv{v}"].update(source_stats[f"ipv{v}"])
        outputs[fname] = {
            "database_type": dbtype,
            "record_schema": (
                {"country": {"iso_code": "XX"}}
                if kind == "country"
                else {"autonomous_system_number": "uint32", "autonomous_system_organization": "string"}
            ),
            "size_bytes": out.stat().st_size,
            "sha256": sha256_file(out),
            "build_epoch": epoch,
            "records": stats,
            "read_back_check": checked,
            "packages": [
                {
                    **info,
                    "licence": pkg["licence"],
                    "licence_url": "https://creativecommons.org/licenses/by/4.0/",
                    "licence_note": pkg["licence_note"],
                    "sources": pkg["sources"],
                    "csv_files": list(pkg["csv"].values()),
                    "licence_texts": {
                        n.split("/", 1)[1]: members[n].decode("utf-8").strip() for n in pkg["licence_files"]
                    },
                }
            ],
        }
        del by_version, members, tgz

    provenance = {
        "generator": "tools/make_geodata.py",
        "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "python": sys.version.split()[0],
        "notes": [
            "Ranges are taken whole from the packages' CSVs; touching ranges with the same "
            "record are merged; nothing is trimmed. Rows inside never-public blocks "
            "(private, loopback, link-local, CGNAT, documentation, multicast...) are cut out, "
            "so such addresses answer nothing.",
            "Aggregation: where a network's sibling block has no data, the parent block "
            "takes the network's record (within the fill limits, never into special-purpose "
            "blocks; for the ASN file only where the registry data has no coverage either). "
            "Addresses with data keep their answer; only addresses without data gain one.",
            "IPv6 country detail finer than the granularity (/64) takes the country that "
            "covers most of that /64.",
            "Where source rows overlap, the smallest (most specific) range wins; between "
            "identical ranges with different records, the later row wins.",
            "Databases are IPv6 trees; IPv4 lives at ::/96 and ::ffff:0:0/96 points to it.",
            "Anycast addresses (public DNS, big CDNs) have no meaningful country.",
            "Upstream notice: the packages' READMEs say the npm data 'contains bugs resulting "
            "in incorrect data' and that npm updates are deprecated in favour of GitHub "
            "Releases (not reachable from this build); overlapping rows are one visible symptom.",
        ],
        "files": outputs,
    }
    (args.out / "geodata.json").write_text(
        json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    log(f"done in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
