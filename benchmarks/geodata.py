"""How far the shipped country data agrees with another country database (GeoLite2, DB-IP, ...).

    python benchmarks/geodata.py --reference GeoLite2-Country.mmdb [--samples 50000]

Draws random public IPv4 addresses (a fixed seed, so runs repeat), plus addresses inside the
networks of big cloud and CDN operators (where phones' traffic lands, and where registry data is
weakest), and prints how often the shipped data names the same country as the reference.  Anycast
networks are left out of the comparison: no database can place them.  Prints one summary line.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
from pathlib import Path
from typing import Any

import maxminddb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from phonehome.classifiers.destinations.geoip import EMBEDDED_ASN, GeoIP  # noqa: E402

# Cloud, CDN and big-platform networks (AS numbers) that phones talk to most.
CLOUD_ASNS = {
    16509: "Amazon", 14618: "Amazon", 45102: "Alibaba", 37963: "Alibaba", 132203: "Tencent",
    45090: "Tencent", 136907: "Huawei Cloud", 55990: "Huawei Cloud", 8075: "Microsoft",
    15169: "Google", 396982: "Google Cloud", 20940: "Akamai", 16625: "Akamai", 14061: "DigitalOcean",
    16276: "OVH", 24940: "Hetzner", 63949: "Akamai Linode", 31898: "Oracle", 32934: "Meta",
    138699: "ByteDance", 396986: "ByteDance",
}  # fmt: skip


def reference_country(record: Any) -> str | None:
    """GeoLite2 layout (`country.iso_code`) or the flat layout (`country_code`)."""
    if not isinstance(record, dict):
        return None
    country = record.get("country")
    if isinstance(country, dict) and country.get("iso_code"):
        return str(country["iso_code"]).upper()
    code = record.get("country_code")
    return str(code).upper() if code else None


def random_public_v4(rng: random.Random) -> str:
    while True:
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if addr.is_global and not addr.is_multicast:
            return str(addr)


def cloud_addresses(rng: random.Random, per_asn: int) -> dict[int, list[str]]:
    nets: dict[int, list[Any]] = {asn: [] for asn in CLOUD_ASNS}
    with maxminddb.open_database(str(EMBEDDED_ASN)) as reader:
        for network, record in reader:
            if network.version == 4 and isinstance(record, dict):
                asn = record.get("autonomous_system_number")
                if asn in nets:
                    nets[asn].append(network)
    out: dict[int, list[str]] = {}
    for asn, networks in nets.items():
        if not networks:
            continue
        weights = [n.num_addresses for n in networks]
        picks = rng.choices(networks, weights=weights, k=per_asn)
        out[asn] = [str(n.network_address + rng.randrange(n.num_addresses)) for n in picks]
    return out


def compare(geo: GeoIP, ref: Any, addresses: list[str]) -> tuple[int, int, int]:
    """(compared, agreed, anycast left out) over addresses both sides can place."""
    compared = agreed = anycast = 0
    for ip in addresses:
        ours = geo.lookup(ip).country
        if ours == "anycast":
            anycast += 1
            continue
        theirs = reference_country(ref.get(ip))
        if not ours or not theirs or ours in ("local", "unknown"):
            continue
        compared += 1
        agreed += ours == theirs
    return compared, agreed, anycast


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, type=Path, help="a Country or City mmdb to compare with")
    ap.add_argument("--samples", type=int, default=50_000, help="random public IPv4 addresses")
    ap.add_argument("--per-asn", type=int, default=500, help="addresses drawn inside each cloud/CDN network")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    geo = GeoIP(embedded=True)
    with maxminddb.open_database(str(args.reference)) as ref:
        kind = ref.metadata().database_type
        n, ok, anycast = compare(geo, ref, [random_public_v4(rng) for _ in range(args.samples)])
        print(f"random public IPv4: {ok}/{n} agree = {ok / max(n, 1):.1%} ({anycast} anycast left out)")
        total_n = total_ok = 0
        for asn, addrs in sorted(cloud_addresses(rng, args.per_asn).items()):
            cn, cok, _ = compare(geo, ref, addrs)
            total_n, total_ok = total_n + cn, total_ok + cok
            print(f"  AS{asn:<7} {CLOUD_ASNS[asn]:<14} {cok}/{cn} agree = {cok / max(cn, 1):.1%}")
        print(f"cloud/CDN networks: {total_ok}/{total_n} agree = {total_ok / max(total_n, 1):.1%}")
    print(
        f"geodata vs {kind}: {ok / max(n, 1):.1%} of {n} random addresses, "
        f"{total_ok / max(total_n, 1):.1%} of {total_n} cloud/CDN addresses agree"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
