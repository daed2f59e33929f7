"""`phonehome diff`: what changed between two sessions (before and after a setting, an update...).

Compares what each session sent: kinds of data, receiving companies, server countries and the
kind × company pairs, with counts.  Sessions of different length are compared as they are; the
request counts are given so a reader can judge.

A side may be one device of its session (two sessions of one phone, or two phones in one
session).  When a session holds several devices and no device is chosen, each device found in
both sessions is compared on its own too (`by_device`), after the comparison of the whole.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from phonehome.db import queries
from phonehome.db.store import Store
from phonehome.report.build import receiver_of
from phonehome.words import country_label, kind_label, noun, plural

_COUNTERS = ("kinds", "companies", "countries", "pairs", "contacted")


def _empty() -> dict[str, Any]:
    return {"flows": 0, **{key: Counter() for key in _COUNTERS}}


def _profiles(store: Store, session: str, device: str | None) -> dict[str, dict[str, Any]]:
    """What each device of a session (or the one device asked for) sent, read in one pass."""
    f = queries.Filters(session=session, device=device)
    per: dict[str, dict[str, Any]] = {}
    for row in queries.findings(store, f):
        p = per.setdefault(row["device"], _empty())
        p["kinds"][row["kind"]] += 1
        p["companies"][receiver_of(row)] += 1
        p["countries"][row["country"]] += 1
        p["pairs"][f"{row['kind']} → {receiver_of(row)}"] += 1
    for row in queries.flows(store, f):
        p = per.setdefault(row["device"], _empty())
        p["flows"] += 1
        p["contacted"][receiver_of(row)] += 1
    return per


def _whole(profiles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    total = _empty()
    for p in profiles.values():
        total["flows"] += p["flows"]
        for key in _COUNTERS:
            total[key].update(p[key])
    return total


def _compare(a: Counter[str], b: Counter[str]) -> dict[str, list[dict[str, Any]]]:
    return {
        "appeared": [{"name": k, "after": b[k]} for k in sorted(b, key=lambda k: (-b[k], k)) if k not in a],
        "disappeared": [
            {"name": k, "before": a[k]} for k in sorted(a, key=lambda k: (-a[k], k)) if k not in b
        ],
        "changed": [
            {"name": k, "before": a[k], "after": b[k]}
            for k in sorted(set(a) & set(b), key=lambda k: (-abs(b[k] - a[k]), k))
            if a[k] != b[k]
        ],
        "unchanged": [{"name": k, "count": a[k]} for k in sorted(set(a) & set(b)) if a[k] == b[k]],
    }


def _sections(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "kinds": _compare(a["kinds"], b["kinds"]),
        "companies": _compare(a["companies"], b["companies"]),
        "countries": _compare(a["countries"], b["countries"]),
        "kind_company": _compare(a["pairs"], b["pairs"]),
        "contacted": _compare(a["contacted"], b["contacted"]),
    }


def _counts(p: dict[str, Any]) -> dict[str, int]:
    return {"flows": p["flows"], "findings": sum(p["kinds"].values())}


def _devices(profiles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"device": name, **_counts(profiles[name])} for name in sorted(profiles)]


def diff_sessions(
    store: Store,
    before: str,
    after: str,
    *,
    before_device: str | None = None,
    after_device: str | None = None,
) -> dict[str, Any]:
    pa, pb = _profiles(store, before, before_device), _profiles(store, after, after_device)
    a, b = _whole(pa), _whole(pb)
    by_device = []
    if before_device is None and after_device is None and (len(pa) > 1 or len(pb) > 1):
        for name in sorted(set(pa) & set(pb)):
            by_device.append(
                {
                    "device": name,
                    "before": _counts(pa[name]),
                    "after": _counts(pb[name]),
                    **_sections(pa[name], pb[name]),
                }
            )
    return {
        "before": {"session": before, **_counts(a), "device": before_device, "devices": _devices(pa)},
        "after": {"session": after, **_counts(b), "device": after_device, "devices": _devices(pb)},
        **_sections(a, b),
        "by_device": by_device,
    }


SECTIONS = (
    ("kinds", "Kinds of data"), ("companies", "Companies receiving personal data"),
    ("countries", "Server countries of findings"), ("kind_company", "Data → company"),
    ("contacted", "Companies contacted at all (requests)"),
)  # fmt: skip


def _named(key: str, name: str) -> str:
    """A compared name in words: kinds by their label, countries by their name (the JSON keeps codes)."""
    if key == "kinds":
        return kind_label(name)
    if key == "countries":
        return country_label(name)
    if key == "kind_company":
        kind, sep, company = name.partition(" → ")
        return f"{kind_label(kind)}{sep}{company}"
    return name


def _section_lines(d: dict[str, Any], indent: str = "") -> list[str]:
    out = []
    for key, title in SECTIONS:
        sec = {
            part: [{**x, "name": _named(key, x["name"])} for x in d[key][part]]
            for part in ("appeared", "disappeared", "changed")
        }
        if not (sec["appeared"] or sec["disappeared"] or sec["changed"]):
            out.append(f"{indent}{title}: no change")
            continue
        out.append(f"{indent}{title}:")
        out += [f"{indent}  + {x['name']} ({x['after']})" for x in sec["appeared"]]
        out += [f"{indent}  - {x['name']} ({x['before']})" for x in sec["disappeared"]]
        out += [f"{indent}  ~ {x['name']} ({x['before']} → {x['after']})" for x in sec["changed"]]
    return out


def _side(side: dict[str, Any]) -> str:
    device = side.get("device")
    named = f"{side['session']}, device {device}" if device is not None else side["session"]
    return f"{named} ({plural(side['flows'], 'request')}, {plural(side['findings'], 'finding')})"


def _change(before: int, after: int, word: str) -> str:
    """`2 → 1 requests`, `1 → 1 request`: the noun singular only when both counts are one."""
    return f"{before:,} → {after:,} {noun(1 if before == after == 1 else 2, word)}"


def diff_lines(d: dict[str, Any]) -> list[str]:
    """Plain lines for the terminal and Markdown."""
    out = [f"before: {_side(d['before'])}", f"after:  {_side(d['after'])}"]
    out += _section_lines(d)
    by_device = d.get("by_device") or []
    for dev in by_device:
        before, after = dev["before"], dev["after"]
        out.append(
            f"Device {dev['device']}: {_change(before['flows'], after['flows'], 'request')}, "
            f"{_change(before['findings'], after['findings'], 'finding')}"
        )
        out += _section_lines(dev, "  ")
    if by_device or any(len(d[side].get("devices", [])) > 1 for side in ("before", "after")):
        names = {
            side: {x["device"]: x["flows"] for x in d[side].get("devices", [])}
            for side in ("before", "after")
        }
        for side, other in (("before", "after"), ("after", "before")):
            alone = [f"{n} ({plural(k, 'request')})" for n, k in names[side].items() if n not in names[other]]
            if alone:
                out.append(f"Devices only {side}: {', '.join(alone)}")
    return out
