"""The report as Markdown: headings and pipe tables, for issues, notes and pull requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from phonehome.output import terminal_safe
from phonehome.report.build import more
from phonehome.words import blind_spot_label, kind_label, plural, when
from phonehome.words import country_label as country_name

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: Any) -> str:
    """Captured text made inert in Markdown: no HTML, no links, no emphasis, no table breaks."""
    s = terminal_safe(str(text), None).replace("\n", " ").replace("\r", " ")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:  # an empty table says nothing: left out
        return []
    out = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(report: dict[str, Any]) -> str:
    return "\n".join(markdown_parts(report)) + "\n"


def markdown_parts(report: dict[str, Any]) -> Iterator[str]:
    """The document in parts, joined by newlines and ended by one: the head, each device's section made
    only when reached (`Report.streamed` gives them one at a time), then the sources."""
    lines = ["# What the phone sent, to whom, and where", ""]
    lines += [f"> {md(s)}" for s in report["headline"]] + [""]
    lines.append(f"_Generated {md(report['generated'])} by phonehome; values are "
                 f"{'redacted (run with --reveal for full values)' if report['redacted'] else 'shown in full'}._")  # fmt: skip
    lines.append("")
    yield "\n".join(_without_empty_sections(lines))
    for d in report["devices"]:
        lines = [f"## Device {md(d['device'])}, session {md(d['session'])}", ""]
        zone = report.get("zones", {}).get(d["session"], "UTC")
        facts = f"{plural(d['flows'], 'request')} to {plural(d['hosts'], 'host')}, {plural(d['findings'], 'finding')}"
        if d["first"]:
            facts += f", {md(when(d['first'], zone))} to {md(when(d['last'], zone))}"
        if d["vendor"]:
            facts += f"; made by {md(d['vendor'])}"
        lines += [facts, ""] + [f"- {md(s)}" for s in d["headline"]] + [""]
        lines += ["### What was collected", ""]
        lines += _table(
            ["category", "data", "findings", "distinct values", "received by", "server countries", "Play data type", "Apple data type"],
            [[c["category"], c["label"], c["findings"], c["values"], more(c["companies"]),
              more([country_name(x) for x in c["countries"]]), c["play_data_type"], c["apple_data_type"]]
             for c in d["collected"]],
        )  # fmt: skip
        lines += ["### Who received it", ""]
        lines += _table(
            ["receiver", "legal name", "headquarters", "categories", "party", "servers in", "requests", "findings", "data"],
            [[r["receiver"], r["legal_name"] or "", country_name(r["entity_country"]), ", ".join(r["categories"]),
              r["party"], ", ".join(country_name(c) for c in r["server_countries"][:4]), r["flows"], r["findings"],
              ", ".join(kind_label(k) for k in r["kinds"])] for r in d["receivers"]],
        )  # fmt: skip
        if d.get("apps"):
            lines += ["### Apps", ""]
            lines += _table(
                ["app", "named by", "requests", "findings", "data", "received by"],
                [[a["label"], "; ".join(a["evidence"]) or ("nothing in the request names the app" if a["app"] is None else ""),
                  a["flows"], a["findings"], ", ".join(kind_label(k) for k in a["kinds"]), more(a["companies"])]
                 for a in d["apps"]],
            )  # fmt: skip
        lines += ["### Where it went", ""]
        lines += _table(
            ["server country", "region", "requests", "findings", "data"],
            [[c["name"], c["region"], c["flows"], c["findings"], ", ".join(kind_label(k) for k in c["kinds"])]
             for c in d["server_countries"]],
        )  # fmt: skip
        lines += _table(
            ["company headquarters", "region", "companies", "findings"],
            [
                [j["name"], j["region"], ", ".join(j["companies"][:8]), j["findings"]]
                for j in d["jurisdictions"]
            ],
        )
        for title, key in (
            ("Data × server country", "matrix_countries"),
            ("Data × company", "matrix_companies"),
        ):
            m = d[key]
            if m["kinds"]:
                lines += [f"### {title}", ""]
                cols = [country_name(c) if key == "matrix_countries" else c for c in m["columns"]]
                lines += _table(
                    ["data", *cols],
                    [[kind_label(k), *row] for k, row in zip(m["kinds"], m["cells"], strict=True)],
                )
        t = d["timeline"]
        if t["periodic"]:
            lines += ["### Regular contact", ""]
            lines += [
                f"- {md(p['receiver'])}: every ~{_duration(p['every_seconds'])} ({plural(p['contacts'], 'request')})"
                for p in t["periodic"]
            ]
            lines.append("")
        b = d["blind_spots"]
        lines += ["### Blind spots", ""]
        if b["tls_refused"]:
            lines += [
                "Hosts that refused our certificate (pinning, or the CA is not trusted): nothing they sent could be read.",
                "",
            ]
            lines += _table(["host", "refusals"], [[x["host"], x["count"]] for x in b["tls_refused"]])
        if b["cleartext"]:
            lines += ["**Sent without encryption (plain HTTP): anyone on the network could read this.**", ""]
            lines += _table(
                ["host", "findings", "data"],
                [
                    [x["host"], x["findings"], ", ".join(kind_label(k) for k in x["kinds"])]
                    for x in b["cleartext"]
                ],
            )
        if b["undecoded"]:
            lines += ["Payloads not fully decoded (encrypted, unknown format or limits hit):", ""]
            lines += _table(
                ["host", "requests", "notes"],
                [[x["host"], x["flows"], "; ".join(x["notes"])] for x in b["undecoded"]],
            )
        if b.get("unread"):
            lines += ["Connections seen but not read (what they carried is unknown):", ""]
            lines += _table(["host", "what", "connections"],
                            [[x["host"], blind_spot_label(x["kind"]), x["count"]] for x in b["unread"]])  # fmt: skip
        if b.get("not_sent"):
            lines += ["Requests that never reached their server (not counted as sent):", ""]
            lines += _table(["host", "findings", "data"],
                            [[x["host"], x["findings"], ", ".join(kind_label(k) for k in x["kinds"])] for x in b["not_sent"]])  # fmt: skip
        if not (b["tls_refused"] or b["cleartext"] or b["undecoded"] or b.get("not_sent") or b.get("unread")):
            lines += ["None seen: every connection was decrypted and every payload decoded.", ""]
        if d["declared"]:
            lines += ["### Observed against declared", ""]
            lines += _table(
                ["who", "data", "Play data type", "Apple data type", "declared", "findings"],
                [[x["who"], kind_label(x["kind"]), x["play"], x["apple"],
                  "yes" if x["declared"] else "NOT DECLARED", x["findings"]] for x in d["declared"]],
            )  # fmt: skip
        ev = d["evidence"]
        if ev["items"]:
            lines += ["### Evidence", ""]
            lines += _table(
                ["time", "data", "value", "receiver", "request", "where", "path", "decoded through"],
                [[when(e["time"], zone), e["label"], e["value"], e["receiver"], e["request"], e["where"], e["path"],
                  " → ".join(e["encodings"]) or "plain"] for e in ev["items"]],
            )  # fmt: skip
            for kind, n in ev["left_out"].items():
                lines += [
                    f"_{n:,} more {md(kind_label(kind))} {'finding' if n == 1 else 'findings'}: `phonehome findings --kind {md(kind)}`._",
                    "",
                ]
        yield "\n".join(_without_empty_sections(lines))
    yield "\n".join(["---", "", f"_{md(report['sources'])}_"]).rstrip()


def _without_empty_sections(lines: list[str]) -> list[str]:
    """A `###` heading with nothing under it before the next heading (its tables were empty) is left out."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("### "):
            rest = next((x for x in lines[i + 1 :] if x.strip()), "")
            if rest.startswith(("#", "---")) or not rest:
                continue
        out.append(line)
    return [x for i, x in enumerate(out) if x or (i and out[i - 1])]


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600, 1)} h"
