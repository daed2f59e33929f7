"""`phonehome diff`: what changed between two sessions (before and after a setting, an update...).

Compares what each session sent: kinds of data, receiving companies, server countries and the
kind × company pairs, with counts.  Sessions of different length are compared as they are; the
request counts are given so a reader can judge.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from phonehome.db import queries
from phonehome.db.store import Store
from phonehome.report.build import receiver_of


def _profile(store: Store, session: str) -> dict[str, Any]:
    f = queries.Filters(session=session)
    kinds: Counter[str] = Counter()
    companies: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for row in queries.findings(store, f):
        kinds[row["kind"]] += 1
        companies[receiver_of(row)] += 1
        countries[row["country"]] += 1
        pairs[f"{row['kind']} → {receiver_of(row)}"] += 1
    flows = 0
    contacted: Counter[str] = Counter()
    for row in queries.flows(store, f):
        flows += 1
        contacted[receiver_of(row)] += 1
    return {"flows": flows, "kinds": kinds, "companies": companies, "countries": countries, "pairs": pairs,
            "contacted": contacted}  # fmt: skip


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


def diff_sessions(store: Store, before: str, after: str) -> dict[str, Any]:
    a, b = _profile(store, before), _profile(store, after)
    return {
        "before": {"session": before, "flows": a["flows"], "findings": sum(a["kinds"].values())},
        "after": {"session": after, "flows": b["flows"], "findings": sum(b["kinds"].values())},
        "kinds": _compare(a["kinds"], b["kinds"]),
        "companies": _compare(a["companies"], b["companies"]),
        "countries": _compare(a["countries"], b["countries"]),
        "kind_company": _compare(a["pairs"], b["pairs"]),
        "contacted": _compare(a["contacted"], b["contacted"]),
    }


SECTIONS = (
    ("kinds", "Kinds of data"), ("companies", "Companies receiving personal data"),
    ("countries", "Server countries of findings"), ("kind_company", "Data → company"),
    ("contacted", "Companies contacted at all (requests)"),
)  # fmt: skip


def diff_lines(d: dict[str, Any]) -> list[str]:
    """Plain lines for the terminal and Markdown."""
    out = [
        f"before: {d['before']['session']} ({d['before']['flows']} requests, {d['before']['findings']} findings)",
        f"after:  {d['after']['session']} ({d['after']['flows']} requests, {d['after']['findings']} findings)",
    ]
    for key, title in SECTIONS:
        sec = d[key]
        if not (sec["appeared"] or sec["disappeared"] or sec["changed"]):
            out.append(f"{title}: no change")
            continue
        out.append(f"{title}:")
        out += [f"  + {x['name']} ({x['after']})" for x in sec["appeared"]]
        out += [f"  - {x['name']} ({x['before']})" for x in sec["disappeared"]]
        out += [f"  ~ {x['name']} ({x['before']} → {x['after']})" for x in sec["changed"]]
    return out
