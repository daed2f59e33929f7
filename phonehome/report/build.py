"""The report's content, independent of format: what was sent, to whom, where, and the evidence.

`build_report` reads the store once through the public queries and returns plain data (the JSON
format is exactly this); the terminal, Markdown and HTML renderers only lay it out.  Values and
captured text are redacted here, before any renderer sees them, unless `reveal` is set.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from phonehome.classifiers.destinations.entities import entity_map
from phonehome.classifiers.destinations.regions import ANYCAST, LOCAL, NO_ADDRESS, UNKNOWN
from phonehome.classifiers.model import never_sent
from phonehome.countries import country_name
from phonehome.datasafety import DATA_TYPES, Declaration
from phonehome.db import queries
from phonehome.db.store import Store
from phonehome.redact import Redactor
from phonehome.summary import CATEGORY_ORDER, KIND_LABELS

REPORT_VERSION = 1
SOURCES = (
    "Server countries and networks: ip-location-db data (CC BY 4.0) from the NRO and the five RIRs, "
    "RouteViews, providers' geofeeds and DB-IP (https://db-ip.com), unless your own MaxMind files were given. "
    "Companies: phonehome's entity map (CC0). Anycast addresses have no single country."
)
EVIDENCE_PER_KIND = 200  # per device; the count of the rest is stated
FLOW_KEYS = ("flow_id", "time", "host", "country", "region", "entity", "entity_country", "entity_region", "party",
             "vendor", "tls", "notes", "status", "error", "app", "app_evidence")  # fmt: skip
UNKNOWN_APP = "unknown app"
APP_SIGNALS = 3  # distinct signals shown per app


def more(items: list[str], n: int = 6) -> str:
    """A list never cut silently: the first `n`, then how many more."""
    return ", ".join(items[:n]) + (f" +{len(items) - n} more" if len(items) > n else "")


FINDING_KEYS = (
    "flow_id",
    "kind",
    "category",
    "value",
    "host",
    "country",
    "entity",
    "entity_country",
    "party",
    "app",
)
NOT_PLACES = {UNKNOWN, NO_ADDRESS, ANYCAST, LOCAL}
# The order a person would want to hear about them: who you are, where you are, what you read.
HEADLINE_ORDER = (
    "password", "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "mac_address", "advertising_id",
    "phone_number", "email", "person_name", "postal_address", "coordinates", "cell_tower", "wifi_network",
    "visited_url", "search_query", "device_id", "tracking_id", "installed_apps", "app_activity", "device_model",
    "os_version", "carrier",
)  # fmt: skip
HEADLINE_LABELS = {
    "advertising_id": "your advertising ID", "imei": "your phone's IMEI", "android_id": "your Android ID",
    "serial_number": "your phone's serial number", "imsi": "your SIM's subscriber ID (IMSI)",
    "iccid": "your SIM card number", "meid": "your phone's MEID", "mac_address": "your Wi-Fi MAC address",
    "device_id": "a device ID", "phone_number": "your phone number", "email": "your email address",
    "coordinates": "your precise location", "cell_tower": "the mobile cell you were in",
    "wifi_network": "the Wi-Fi networks around you", "visited_url": "the sites you browsed",
    "search_query": "your searches", "installed_apps": "the list of your installed apps",
    "app_activity": "which apps and screens you used", "device_model": "your phone's model",
    "os_version": "your OS version", "carrier": "your mobile carrier",
    "password": "a password", "person_name": "your name", "postal_address": "your postal address",
    "tracking_id": "a tracking ID that follows you across visits",
}  # fmt: skip


@dataclass(slots=True)
class _Device:
    session: str
    device: str
    flows: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    tls: list[dict[str, Any]] = field(default_factory=list)
    unsent: list[dict[str, Any]] = field(default_factory=list)  # findings of requests that never left
    unread: list[dict[str, Any]] = field(
        default_factory=list
    )  # other blind spots: upstream TLS, not HTTP, UDP


def receiver_of(row: dict[str, Any]) -> str:
    """Who received a flow: the company, else the registrable domain (marked as unknown company)."""
    if row.get("entity"):
        return str(row["entity"])
    from phonehome.classifiers.destinations.domains import registrable_domain

    return f"{registrable_domain(row['host'])} (company unknown)"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def build_report(
    store: Store,
    *,
    session: str | None = None,
    device: str | None = None,
    reveal: bool = False,
    declared: Iterable[Declaration] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    f = queries.Filters(session=session, device=device)
    groups: dict[tuple[str, str], _Device] = {}

    def group(row: dict[str, Any]) -> _Device:
        key = (row["session"], row["device"])
        if key not in groups:
            groups[key] = _Device(*key)
        return groups[key]

    # Only what the report uses is kept: a report over 100k flows must not hold every exported field.
    for row in queries.flows(store, f):
        group(row).flows.append({k: row[k] for k in FLOW_KEYS})
    seen: Counter[tuple[str, str, str]] = Counter()
    unsent: set[int] = {
        row["flow_id"] for g in groups.values() for row in g.flows if never_sent(row["status"], row["error"])
    }
    for row in queries.findings(store, f):
        if row["flow_id"] in unsent:
            group(row).unsent.append({k: row[k] for k in FINDING_KEYS})
            continue  # never reached its server: listed as not sent, never counted as sent
        key = (row["session"], row["device"], row["kind"])
        seen[key] += 1
        # The first findings of each kind are the evidence shown: those keep every field.
        group(row).findings.append(
            row if seen[key] <= EVIDENCE_PER_KIND else {k: row[k] for k in FINDING_KEYS}
        )
    for row in queries.blind_spots(store, f):
        # A blind spot belongs to the device that made it; replayed sessions have none.
        targets = [g for g in groups.values() if g.session == row["session"] and g.device == row["device"]]
        target = targets[0] if targets else group(row)
        (target.tls if row["kind"] == "client_tls" else target.unread).append(row)
    redactor = Redactor(((r["kind"], r["value"]) for g in groups.values() for r in g.findings), reveal=reveal)
    declared = list(declared)
    devices = [
        _device(g, redactor, declared) for g in sorted(groups.values(), key=lambda g: (g.session, g.device))
    ]
    return {
        "phonehome_report": REPORT_VERSION,
        "generated": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "redacted": not reveal,
        "scope": {"session": session, "device": device},
        "headline": [f"{d['device']} ({d['session']}): {d['headline'][0]}" for d in devices] if len(devices) > 1 else
                    (devices[0]["headline"] if devices else ["Nothing was captured in this scope."]),
        "devices": devices,
        "data_types": {k: {"play": p, "apple": a} for k, (p, a) in DATA_TYPES.items()},
        "sources": SOURCES,
    }  # fmt: skip


def _device(g: _Device, r: Redactor, declared: list[Declaration]) -> dict[str, Any]:
    emap = entity_map()
    times = [row["time"] for row in g.flows]
    vendor = Counter(row["vendor"] for row in g.flows if row.get("vendor")).most_common(1)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in g.findings:
        by_kind[row["kind"]].append(row)

    collected = []
    for kind in sorted(
        by_kind, key=lambda k: (CATEGORY_ORDER.index(by_kind[k][0]["category"]), -len(by_kind[k]))
    ):
        rows = by_kind[kind]
        companies = Counter(receiver_of(x) for x in rows)
        countries = Counter(x["country"] for x in rows)
        collected.append({
            "category": rows[0]["category"], "kind": kind, "label": KIND_LABELS.get(kind, kind),
            "findings": len(rows), "values": len({x["value"] for x in rows}),
            "companies": [c for c, _ in companies.most_common()],
            "countries": [c for c, _ in countries.most_common()],
            "play_data_type": DATA_TYPES[kind][0], "apple_data_type": DATA_TYPES[kind][1],
        })  # fmt: skip

    receivers: dict[str, dict[str, Any]] = {}
    for row in g.flows:
        name = receiver_of(row)
        rec = receivers.get(name)
        if rec is None:
            match = emap.match(row["host"])
            rec = receivers[name] = {
                "receiver": name, "entity": row.get("entity"),
                "legal_name": match.entity.legal_name if match else None,
                "entity_country": row.get("entity_country"), "entity_region": row.get("entity_region"),
                "categories": sorted({str(c) for c in match.categories}) if match else [],
                "party": row["party"], "hosts": set(), "server_countries": Counter(), "flows": 0,
                "findings": 0, "kinds": Counter(),
            }  # fmt: skip
        rec["hosts"].add(row["host"])
        if (m := emap.match(row["host"])) is not None:
            rec["categories"] = sorted(set(rec["categories"]) | {str(c) for c in m.categories})
        rec["server_countries"][row["country"]] += 1
        rec["flows"] += 1
    for row in g.findings:
        rec = receivers[receiver_of(row)]
        rec["findings"] += 1
        rec["kinds"][row["kind"]] += 1
    receiver_list = []
    for rec in sorted(receivers.values(), key=lambda x: (-x["findings"], -x["flows"], x["receiver"])):
        receiver_list.append({
            **rec, "hosts": sorted(rec["hosts"]), "kinds": [k for k, _ in rec["kinds"].most_common()],
            "server_countries": [c for c, _ in rec["server_countries"].most_common()],
        })  # fmt: skip

    server: dict[str, dict[str, Any]] = {}
    for row in g.flows:
        c = server.setdefault(row["country"], {"country": row["country"], "name": country_name(row["country"]),
                                                "region": row["region"], "flows": 0, "findings": 0, "kinds": set()})  # fmt: skip
        c["flows"] += 1
    for row in g.findings:
        c = server[row["country"]]
        c["findings"] += 1
        c["kinds"].add(row["kind"])
    jurisdictions: dict[str, dict[str, Any]] = {}
    for rec in receiver_list:
        code = rec["entity_country"] or UNKNOWN
        j = jurisdictions.setdefault(code, {"country": code, "name": country_name(code),
                                            "region": rec["entity_region"] or UNKNOWN, "companies": [], "findings": 0})  # fmt: skip
        j["companies"].append(rec["receiver"])
        j["findings"] += rec["findings"]

    kinds_order = [c["kind"] for c in collected]
    return {
        "session": g.session,
        "device": g.device,
        "vendor": vendor[0][0] if vendor else None,
        "flows": len(g.flows),
        "hosts": len({row["host"] for row in g.flows}),
        "first": min(times) if times else None,
        "last": max(times) if times else None,
        "findings": len(g.findings),
        "headline": _headline(by_kind, receiver_list, "Your phone" if vendor else "This device"),
        "collected": collected,
        "receivers": receiver_list,
        "apps": _apps(g, r),
        "server_countries": sorted(
            ({**c, "kinds": sorted(c["kinds"])} for c in server.values()),
            key=lambda c: (-c["findings"], -c["flows"], c["country"]),
        ),  # fmt: skip
        "jurisdictions": sorted(jurisdictions.values(), key=lambda j: (-j["findings"], j["country"])),
        "matrix_countries": _matrix(g.findings, kinds_order, lambda x: x["country"]),
        "matrix_companies": _matrix(g.findings, kinds_order, receiver_of),
        # kind -> receiver -> server country, with the number of findings: the flow diagram.
        "flow_links": [
            [k, rec, c, n]
            for (k, rec, c), n in Counter(
                (x["kind"], receiver_of(x), x["country"]) for x in g.findings
            ).most_common()
        ],
        "timeline": _timeline(g.flows),
        "blind_spots": _blind_spots(g, r),
        "evidence": _evidence(by_kind, r),
        "declared": _declared(g, declared),
    }


def _apps(g: _Device, r: Redactor) -> list[dict[str, Any]]:
    """Each app seen, with its flows, the data they sent, who received it and the signal that named
    the app (flows.app_evidence); flows that named no app are one "unknown app" row, listed last."""
    apps: dict[str | None, dict[str, Any]] = {}
    app_of_flow: dict[int, str | None] = {}
    for row in g.flows:
        name = row.get("app") or None
        app_of_flow[row["flow_id"]] = name
        a = apps.get(name)
        if a is None:
            a = apps[name] = {"app": name, "label": name or UNKNOWN_APP, "flows": 0, "findings": 0,
                              "kinds": Counter(), "companies": Counter(), "hosts": set(), "evidence": Counter()}  # fmt: skip
        a["flows"] += 1
        a["hosts"].add(row["host"])
        if name and row.get("app_evidence"):
            a["evidence"][r.text(str(row["app_evidence"]))[:200]] += 1
    for x in g.findings:
        a = apps.get(app_of_flow.get(x["flow_id"]))
        if a is None:
            continue
        a["findings"] += 1
        a["kinds"][x["kind"]] += 1
        a["companies"][receiver_of(x)] += 1
    out = []
    for a in sorted(apps.values(), key=lambda a: (a["app"] is None, -a["findings"], -a["flows"], a["label"])):
        out.append({
            **a, "hosts": len(a["hosts"]), "kinds": [k for k, _ in a["kinds"].most_common()],
            "labels": [KIND_LABELS.get(k, k) for k, _ in a["kinds"].most_common()],
            "companies": [c for c, _ in a["companies"].most_common()],
            "evidence": [e for e, _ in a["evidence"].most_common(APP_SIGNALS)],
        })  # fmt: skip
    return out


def _headline(
    by_kind: dict[str, list[dict[str, Any]]], receivers: list[dict[str, Any]], subject: str = "This device"
) -> list[str]:
    """What was sent to whom, most sensitive first.  "Your phone" only when the traffic says it is one
    (a phone maker was recognised); otherwise "This device"."""
    if not by_kind:
        return ["No personal data was found in this traffic."]
    parts = []
    for kind in _headline_kinds(by_kind):
        rows = by_kind[kind]
        companies = {receiver_of(x) for x in rows}
        countries = {x["country"] for x in rows} - NOT_PLACES
        label = HEADLINE_LABELS.get(kind, KIND_LABELS.get(kind, kind))
        if len(companies) <= 3:
            named = []
            for who in sorted(companies, key=lambda c: -sum(1 for x in rows if receiver_of(x) == c)):
                places = sorted({x["country"] for x in rows if receiver_of(x) == who} - NOT_PLACES)
                where = f"servers in {' and '.join(country_name(p) for p in places)}" if places else ""
                if where and who.endswith(")"):
                    named.append(f"{who[:-1]}; {where})")
                else:
                    named.append(f"{who} ({where})" if where else who)
            parts.append(f"{label} to {_and(named)}")
        else:
            where = f" in {_plural(len(countries), 'country', 'countries')}" if countries else ""
            parts.append(f"{label} to {len(companies)} companies{where}")
    first = f"{subject} sent " + parts[0]
    sentence = first + ("; " + "; ".join(parts[1:]) if parts[1:] else "") + "."
    out = [sentence]
    third = [r for r in receivers if r["party"] == "third" and r["findings"]]
    if third:
        out.append(
            f"{_plural(len(third), 'third party', 'third parties')} received personal data: "
            + ", ".join(r["receiver"] for r in third[:6])
            + (f" and {len(third) - 6} more." if len(third) > 6 else ".")
        )
    return out


def _headline_kinds(by_kind: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Up to four kinds, one per category in the order people care about, each the most revealing sent."""
    chosen = []
    for category in ("credentials", "identifier", "location", "browsing", "contact", "app_usage", "device"):
        kinds = [k for k in HEADLINE_ORDER if k in by_kind and by_kind[k][0]["category"] == category]
        if kinds:
            chosen.append(kinds[0])
        if len(chosen) == 4:
            break
    return chosen


def _matrix(rows: list[dict[str, Any]], kinds: list[str], column: Any) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter((x["kind"], column(x)) for x in rows)
    totals: Counter[str] = Counter()
    for (_, col), n in counts.items():
        totals[col] += n
    columns = [c for c, _ in totals.most_common()]
    return {
        "kinds": kinds,
        "columns": columns,
        "cells": [[counts.get((k, c), 0) for c in columns] for k in kinds],
    }


_BUCKETS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400)


def _timeline(flows: list[dict[str, Any]]) -> dict[str, Any]:
    if not flows:
        return {"start": None, "bucket_seconds": 60, "series": [], "periodic": []}
    times = [datetime.fromisoformat(row["time"].replace("Z", "+00:00")) for row in flows]
    start, end = min(times), max(times)
    span = (end - start).total_seconds()
    bucket = next((b for b in _BUCKETS if span / b <= 60), _BUCKETS[-1])
    n = int(span // bucket) + 1
    per: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    when: dict[str, list[float]] = defaultdict(list)
    for row, t in zip(flows, times, strict=True):
        name = receiver_of(row)
        per[name][int((t - start).total_seconds() // bucket)] += 1
        when[name].append(t.timestamp())
    top = sorted(per, key=lambda k: -sum(per[k]))
    series = [{"receiver": k, "counts": per[k]} for k in top[:6]]
    if len(top) > 6:
        other = [sum(per[k][i] for k in top[6:]) for i in range(n)]
        series.append({"receiver": "others", "counts": other})
    periodic = []
    for name, stamps in when.items():
        stamps.sort()
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False) if b - a > 5]
        if len(gaps) >= 4:
            mid = statistics.median(gaps)
            spread = statistics.pstdev(gaps) / mid if mid else 1.0
            if spread < 0.35:
                periodic.append({"receiver": name, "every_seconds": round(mid), "contacts": len(stamps)})
    return {
        "start": start.isoformat().replace("+00:00", "Z"), "bucket_seconds": bucket, "buckets": n,
        "series": series, "periodic": sorted(periodic, key=lambda p: p["every_seconds"]),
    }  # fmt: skip


def _blind_spots(g: _Device, r: Redactor) -> dict[str, Any]:
    undecoded: dict[str, Counter[str]] = defaultdict(Counter)
    for row in g.flows:
        for note in row["notes"]:
            undecoded[row["host"]][r.text(str(note))[:200]] += 1
    cleartext: dict[str, dict[str, Any]] = {}
    flow_tls = {row["flow_id"]: row["tls"] for row in g.flows}
    for row in g.findings:
        if not flow_tls.get(row["flow_id"], True):
            c = cleartext.setdefault(row["host"], {"host": row["host"], "findings": 0, "kinds": set()})
            c["findings"] += 1
            c["kinds"].add(row["kind"])
    return {
        "tls_refused": [{"host": t["host"], "count": t["count"], "error": r.text(t["error"] or "")[:200]} for t in g.tls],
        "undecoded": [
            {"host": host, "flows": sum(notes.values()), "notes": [n for n, _ in notes.most_common(3)]}
            for host, notes in sorted(undecoded.items(), key=lambda i: -sum(i[1].values()))
        ],
        "cleartext": [{**c, "kinds": sorted(c["kinds"])} for c in sorted(cleartext.values(), key=lambda c: -c["findings"])],
        "cleartext_flows": sum(1 for row in g.flows if not row["tls"]),
        # Connections seen but not read: the server's TLS failed, not HTTP, UDP (QUIC) in WireGuard mode.
        "unread": [
            {"host": t["host"], "kind": t["kind"], "count": t["count"], "error": r.text(t["error"] or "")[:200]}
            for t in g.unread
        ],
        # Requests that never reached their server (refused, unresolved): what they would have sent.
        "not_sent": [
            {"host": host, "findings": len(rows), "kinds": sorted({x["kind"] for x in rows})}
            for host, rows in _by_host(g.unsent).items()
        ],
    }  # fmt: skip


def _by_host(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["host"]].append(row)
    return dict(sorted(out.items(), key=lambda i: -len(i[1])))


def _evidence(by_kind: dict[str, list[dict[str, Any]]], r: Redactor) -> dict[str, Any]:
    items = []
    left_out: dict[str, int] = {}
    for kind in [k for k in HEADLINE_ORDER if k in by_kind]:
        rows = by_kind[kind]
        for x in rows[:EVIDENCE_PER_KIND]:
            items.append({
                "flow_id": x["flow_id"], "time": x["time"], "kind": kind, "label": KIND_LABELS.get(kind, kind),
                "value": r.value(kind, x["value"]), "receiver": receiver_of(x), "host": x["host"],
                "country": x["country"], "entity_country": x["entity_country"], "party": x["party"],
                "request": f"{x['method']} {r.url(x['url'])}", "where": x["where"], "path": r.text(x["path"]),
                "encodings": x["encodings"], "source": x["source"], "hashed": x["hashed"],
                "confidence": x["confidence"], "why": r.text(x.get("evidence") or ""),
            })  # fmt: skip
        if len(rows) > EVIDENCE_PER_KIND:
            left_out[kind] = len(rows) - EVIDENCE_PER_KIND
    return {"items": items, "left_out": left_out}


def _declared(g: _Device, declared: list[Declaration]) -> list[dict[str, Any]]:
    if not declared:
        return []
    emap = entity_map()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in g.findings:
        candidates = [receiver_of(row), row["host"], row.get("app") or ""]
        match = emap.match(row["host"])
        if match:
            candidates += [match.entity.id, emap.root(match.entity).name, emap.root(match.entity).id]
        decl = next((d for d in declared for c in candidates if c and _same_who(d.who, c)), None)
        if decl is None:
            continue
        key = (decl.who, row["kind"])
        if key not in out:
            play, apple = DATA_TYPES[row["kind"]]
            out[key] = {"who": decl.who, "kind": row["kind"], "play": play, "apple": apple,
                        "declared": decl.covers(row["kind"]), "findings": 0}  # fmt: skip
        out[key]["findings"] += 1
    return sorted(out.values(), key=lambda d: (d["declared"], d["who"], d["kind"]))


def _same_who(declared: str, candidate: str) -> bool:
    a, b = declared.strip().lower(), candidate.strip().lower()
    return a == b or (("." in a) and (b == a or b.endswith("." + a)))
