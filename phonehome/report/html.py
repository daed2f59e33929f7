"""The report as one self-contained HTML file: readable on a phone, charts inline, no network.

Everything is in the file: CSS, a small script (sortable tables, filters) and SVG charts.  The
Content-Security-Policy allows only that exact CSS and script (by their SHA-256), images only as
`data:` URLs, and nothing else: no remote loads, no forms, no frames.  Every captured string goes
through `esc()`; nothing captured is ever placed in a script, a style, a URL or an event handler.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

from phonehome.countries import country_name
from phonehome.report.build import more
from phonehome.report.markdown import _duration
from phonehome.summary import BLIND_SPOT_LABELS, KIND_LABELS

PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip

CSS = """
:root{--fg:#1d2330;--mut:#5b6475;--bg:#fff;--card:#f5f7fa;--line:#dde2ea;--warn:#b3261e;--accent:#2457c5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.25rem;line-height:1.35;margin:.4em 0}
h2{font-size:1.2rem;margin:1.6em 0 .4em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.02rem;margin:1.2em 0 .4em}
.lead{font-size:1.1rem}
.muted{color:var(--mut);font-size:.9rem}
.card{background:var(--card);border-radius:8px;padding:10px 14px;margin:8px 0}
.warn{color:var(--warn);font-weight:600}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:6px 0}
table{border-collapse:collapse;min-width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--card);position:sticky;top:0;cursor:pointer;white-space:nowrap}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
td.num,th.num{text-align:right}
td.val,td.req{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all;font-size:.82rem}
.chip{display:inline-block;border-radius:10px;padding:0 7px;margin:1px;background:#e6ebf5;font-size:.8rem}
.chip.third{background:#fde2e1}.chip.first{background:#e3f4e1}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.filters input,.filters select{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:6px;max-width:100%}
svg{max-width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.legend span{display:inline-block;margin-right:10px;font-size:.8rem}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.hidden{display:none}
""" + "".join(f".c{i}{{background:{c};fill:{c};stroke:{c}}}\n" for i, c in enumerate(PALETTE))

JS = """
(function(){
  function key(td){var v=td.getAttribute('data-sort');if(v===null){v=td.textContent.trim();}
    var n=parseFloat(v);return isNaN(n)||!/^-?[0-9.]+$/.test(v)?v.toLowerCase():n;}
  document.querySelectorAll('table.sortable').forEach(function(table){
    table.querySelectorAll('th').forEach(function(th,i){
      th.addEventListener('click',function(){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var asc=!th.classList.contains('sorted-asc');
        table.querySelectorAll('th').forEach(function(h){h.classList.remove('sorted-asc','sorted-desc');});
        th.classList.add(asc?'sorted-asc':'sorted-desc');
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
          if(x<y)return asc?-1:1;if(x>y)return asc?1:-1;return 0;});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
  document.querySelectorAll('.filters').forEach(function(box){
    var target=document.getElementById(box.getAttribute('data-for'));
    var text=box.querySelector('input'),kind=box.querySelector('select');
    function apply(){var q=(text.value||'').toLowerCase(),k=kind.value;
      Array.prototype.forEach.call(target.tBodies[0].rows,function(r){
        var ok=(!k||r.getAttribute('data-kind')===k)&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);
        r.classList.toggle('hidden',!ok);});}
    text.addEventListener('input',apply);kind.addEventListener('change',apply);
  });
})();
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


CSP = (
    "default-src 'none'; "
    f"style-src '{_sha256(CSS)}'; "
    f"script-src '{_sha256(JS)}'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def esc(value: Any) -> str:
    """Every captured string, as inert text (also safe inside quoted attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _table(tid: str, header: list[str], rows: list[list[Any]], *, nums: frozenset[int] | set[int] = frozenset(), row_attrs: list[str] | None = None,
           classes: dict[int, str] | None = None) -> str:  # fmt: skip
    classes = classes or {}
    head = "".join(f"<th{' class=num' if i in nums else ''}>{esc(h)}</th>" for i, h in enumerate(header))
    body = []
    for r_i, row in enumerate(rows):
        attrs = row_attrs[r_i] if row_attrs else ""
        cells = []
        for i, c in enumerate(row):
            cls = "num" if i in nums else classes.get(i, "")
            cells.append(f"<td{f' class={cls}' if cls else ''}>{esc(c)}</td>")
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    return (f'<div class=scroll><table class=sortable id="{esc(tid)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")  # fmt: skip


def _bars(d: dict[str, Any], colors: dict[str, int]) -> str:
    """Findings per company, each bar split by kind of data."""
    m = d["matrix_companies"]
    if not m["columns"]:
        return ""
    companies = m["columns"][:15]
    totals = [sum(row[j] for row in m["cells"]) for j in range(len(companies))]
    top = max(totals) or 1
    label_w, bar_w, row_h = 230, 360, 22
    height = row_h * len(companies) + 10
    parts = [f'<svg id="chart-companies-{esc(d["_id"])}" role=img viewBox="0 0 {label_w + bar_w + 60} {height}" '
             f'width="{label_w + bar_w + 60}" height="{height}"><title>Findings per company, by kind of data</title>']  # fmt: skip
    for j, company in enumerate(companies):
        y = 5 + j * row_h
        name = company if len(company) <= 34 else company[:33] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{esc(name)}</text>')
        x = float(label_w)
        for i, kind in enumerate(m["kinds"]):
            n = m["cells"][i][j]
            if not n:
                continue
            w = bar_w * n / top
            parts.append(f'<rect class="c{colors[kind]}" x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}">'
                         f"<title>{esc(company)}: {esc(_label(kind))} ×{n}</title></rect>")  # fmt: skip
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}">{totals[j]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _flow_diagram(d: dict[str, Any], colors: dict[str, int]) -> str:
    """Data kind -> company -> server country, band widths proportional to findings."""
    kinds = d["matrix_companies"]["kinds"]
    if not kinds:
        return ""
    companies = d["matrix_companies"]["columns"][:12]
    kc: dict[tuple[str, str], int] = {}
    for i, kind in enumerate(kinds):
        for j, company in enumerate(companies):
            if d["matrix_companies"]["cells"][i][j]:
                kc[(kind, company)] = d["matrix_companies"]["cells"][i][j]
    cc: dict[tuple[str, str], int] = {}
    for _kind, company, country, n in d["flow_links"]:
        if company in companies:
            cc[(company, country)] = cc.get((company, country), 0) + n
    countries = sorted({c for _, c in cc}, key=lambda c: -sum(n for (_, cn), n in cc.items() if cn == c))
    total = sum(kc.values()) or 1
    width, height, node_w, gap = 760, max(260, 26 * max(len(kinds), len(companies), len(countries))), 12, 6
    cols = [(kinds, 150), (companies, 380), (countries, 610)]

    # One scale for all three columns, so each band is as thick at both ends as its share of a node.
    scale = min(height - gap * (len(col) + 1) for col in (kinds, companies, countries)) / total

    def layout(nodes: list[str], weight: dict[str, int]) -> dict[str, list[float]]:
        pos, y = {}, float(gap)
        for n in nodes:
            h = max(scale * weight.get(n, 0), 2.0)
            pos[n] = [y, h, y, y]  # top, height, next outgoing offset, next incoming offset
            y += h + gap
        return pos

    wk = {k: sum(n for (kk, _), n in kc.items() if kk == k) for k in kinds}
    wc = {c: sum(n for (_, cc_), n in kc.items() if cc_ == c) for c in companies}
    wn = {c: sum(n for (_, cn), n in cc.items() if cn == c) for c in countries}
    pk, pc, pn = layout(kinds, wk), layout(companies, wc), layout(countries, wn)
    parts = [f'<svg id="chart-flow-{esc(d["_id"])}" role=img viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
             "<title>Flow of data: kind of data, to company, to server country</title>"]  # fmt: skip

    def band(
        src: dict[str, list[float]],
        a: str,
        dst: dict[str, list[float]],
        b: str,
        n: int,
        x1: float,
        x2: float,
        cls: str,
        tip: str,
    ) -> None:
        h = max(scale * n, 1.0)
        y1, y2 = src[a][2] + h / 2, dst[b][3] + h / 2
        src[a][2] += h
        dst[b][3] += h
        mid = (x1 + x2) / 2
        parts.append(f'<path class="{cls}" fill=none stroke-opacity="0.35" stroke-width="{h:.1f}" '
                     f'd="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"><title>{esc(tip)}</title></path>')  # fmt: skip

    for (kind, company), n in sorted(
        kc.items(), key=lambda i: (kinds.index(i[0][0]), companies.index(i[0][1]))
    ):
        band(
            pk,
            kind,
            pc,
            company,
            n,
            cols[0][1] + node_w,
            cols[1][1],
            f"c{colors[kind]}",
            f"{_label(kind)} → {company}: {n}",
        )
    for (company, country), n in sorted(
        cc.items(), key=lambda i: (companies.index(i[0][0]), countries.index(i[0][1]))
    ):
        band(
            pc,
            company,
            pn,
            country,
            n,
            cols[1][1] + node_w,
            cols[2][1],
            "c9",
            f"{company} → {country_name(country)}: {n}",
        )
    for nodes, (names, x) in ((pk, cols[0]), (pc, cols[1]), (pn, cols[2])):
        for name in names:
            top, h = nodes[name][0], nodes[name][1]
            cls = f"c{colors[name]}" if nodes is pk else "c9" if nodes is pn else "c0"
            text = _label(name) if nodes is pk else country_name(name) if nodes is pn else name
            text = text if len(text) <= 24 else text[:23] + "…"
            anchor, tx = ("end", x - 4) if nodes is pk else ("start", x + node_w + 4)
            parts.append(f'<rect class="{cls}" x="{x}" y="{top:.1f}" width="{node_w}" height="{h:.1f}"><title>{esc(text)}</title></rect>'
                         f'<text x="{tx}" y="{top + h / 2 + 4:.1f}" text-anchor="{anchor}">{esc(text)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def _timeline(d: dict[str, Any]) -> str:
    t = d["timeline"]
    if not t["series"]:
        return ""
    n = t["buckets"]
    totals = [sum(s["counts"][i] for s in t["series"]) for i in range(n)]
    top = max(totals) or 1
    width, height, left = 720, 160, 30
    bw = (width - left - 10) / n
    parts = [f'<svg id="chart-time-{esc(d["_id"])}" role=img viewBox="0 0 {width} {height + 20}" width="{width}" height="{height + 20}">'
             f"<title>Requests over time, per {esc(_duration(t['bucket_seconds']))}</title>"]  # fmt: skip
    for i in range(n):
        y = float(height)
        for si, s in enumerate(t["series"]):
            c = s["counts"][i]
            if not c:
                continue
            h = (height - 10) * c / top
            y -= h
            parts.append(f'<rect class="c{si}" x="{left + i * bw:.1f}" y="{y:.1f}" width="{max(bw - 1, 1):.1f}" height="{h:.1f}">'
                         f"<title>{esc(s['receiver'])}: {c}</title></rect>")  # fmt: skip
    parts.append(
        f'<text x="0" y="12">{top}</text><text x="{left}" y="{height + 15}">{esc(t["start"])}</text>'
    )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="c{si}"></i>{esc(s["receiver"])}</span>' for si, s in enumerate(t["series"])
    )
    return "".join(parts) + f"<div class=legend>{legend}</div>"


def _to_evidence(report: dict[str, Any], sentence: str) -> str:
    if not report["devices"] or not report["devices"][0].get("findings"):
        return esc(sentence)
    return f'<a class=quiet href="#d0-evidence-box">{esc(sentence)}</a>'


def render_html(report: dict[str, Any]) -> str:
    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        '<meta name=referrer content="no-referrer">',
        "<title>phonehome report</title>",
        f"<style>{CSS}</style></head><body><main>",
        # Every headline sentence links to the evidence behind it.
        "<h1 id=headline>" + _to_evidence(report, report["headline"][0]) + "</h1>",
        "".join(f"<p class=lead>{_to_evidence(report, x)}</p>" for x in report["headline"][1:]),
        f'<p class=muted>Generated {esc(report["generated"])} by phonehome. '
        + ("Values are redacted; run <code>phonehome report --reveal</code> for full values." if report["redacted"] else
           "<span class=warn>Values are shown in full: this file contains personal data.</span>") + "</p>",
    ]  # fmt: skip
    for n, d in enumerate(report["devices"]):
        did = f"d{n}"
        d = {**d, "_id": did}
        kinds = d["matrix_companies"]["kinds"]
        colors = {k: i % len(PALETTE) for i, k in enumerate(kinds)}
        out.append(f'<section id="{did}"><h2>Device {esc(d["device"])} · session {esc(d["session"])}</h2>')
        facts = f"{d['flows']} requests to {d['hosts']} hosts, {d['findings']} findings"
        if d["first"]:
            facts += f", {d['first']} to {d['last']}"
        if d["vendor"]:
            facts += f"; phone made by {d['vendor']}"
        out.append(f"<p class=muted>{esc(facts)}</p>")
        if len(report["devices"]) > 1:  # with one device the page's headline is this device's
            out.append(
                '<div class="card lead">'
                + "<br>".join(
                    f'<a class=quiet href="#{did}-evidence-box">{esc(s)}</a>' for s in d["headline"]
                )
                + "</div>"
            )
        out.append("<h3>What was collected</h3>")
        out.append(_table(f"{did}-collected", ["category", "data", "findings", "distinct values", "received by", "server countries", "Play data type", "Apple data type"], [
            [c["category"], c["label"], c["findings"], c["values"], more(c["companies"]),
             more([country_name(x) for x in c["countries"]]), c["play_data_type"], c["apple_data_type"]] for c in d["collected"]
        ], nums={2, 3}))  # fmt: skip
        out.append("<h3>Who received it</h3>")
        out.append(_table(f"{did}-receivers", ["receiver", "legal name", "headquarters", "categories", "party", "servers in", "requests", "findings", "data"], [
            [r["receiver"], r["legal_name"] or "", country_name(r["entity_country"]), ", ".join(r["categories"]), r["party"],
             ", ".join(country_name(c) for c in r["server_countries"][:4]), r["flows"], r["findings"],
             ", ".join(_label(k) for k in r["kinds"])] for r in d["receivers"]
        ], nums={6, 7}))  # fmt: skip
        out.append(_apps_html(did, d.get("apps", [])))
        if kinds:
            out.append("<h3>Findings per company</h3>" + _bars(d, colors))
            out.append(
                "<div class=legend>"
                + "".join(f'<span><i class="c{colors[k]}"></i>{esc(_label(k))}</span>' for k in kinds)
                + "</div>"
            )
            out.append("<h3>Data → company → server country</h3>" + _flow_diagram(d, colors))
        out.append("<h3>Where it went</h3>")
        out.append(_table(f"{did}-countries", ["server country", "region", "requests", "findings", "data"], [
            [c["name"], c["region"], c["flows"], c["findings"], ", ".join(_label(k) for k in c["kinds"])] for c in d["server_countries"]
        ], nums={2, 3}))  # fmt: skip
        out.append(_table(f"{did}-jurisdictions", ["company headquarters", "region", "companies", "findings"], [
            [j["name"], j["region"], ", ".join(j["companies"][:10]), j["findings"]] for j in d["jurisdictions"]
        ], nums={3}))  # fmt: skip
        for title, key in (
            ("Data × server country", "matrix_countries"),
            ("Data × company", "matrix_companies"),
        ):
            m = d[key]
            if m["kinds"]:
                cols = [country_name(c) if key == "matrix_countries" else c for c in m["columns"]]
                out.append(f"<details><summary>{esc(title)}</summary>")
                out.append(_table(f"{did}-{key}", ["data", *cols], [[_label(k), *row] for k, row in zip(m["kinds"], m["cells"], strict=True)],
                                  nums=set(range(1, len(cols) + 1))))  # fmt: skip
                out.append("</details>")
        out.append("<h3>Over time</h3>" + _timeline(d))
        for p in d["timeline"]["periodic"]:
            out.append(
                f"<p>{esc(p['receiver'])} was contacted every ~{esc(_duration(p['every_seconds']))} ({p['contacts']} requests).</p>"
            )
        out.append(_blind_spots_html(did, d["blind_spots"]))
        if d["declared"]:
            out.append("<h3>Observed against declared</h3>")
            out.append(_table(f"{did}-declared", ["who", "data", "Play data type", "Apple data type", "declared", "findings"], [
                [x["who"], _label(x["kind"]), x["play"], x["apple"], "yes" if x["declared"] else "NOT DECLARED", x["findings"]]
                for x in d["declared"]
            ], nums={5}))  # fmt: skip
        out.append(_evidence_html(did, d["evidence"]))
        out.append("</section>")
    out.append(f"<footer><p class=muted>{esc(report['sources'])}</p></footer>")
    out.append(f"<script>{JS}</script></main></body></html>")
    return "\n".join(out)


def _apps_html(did: str, apps: list[dict[str, Any]]) -> str:
    """Per app: its requests, what they sent, who received it, and the signal that named the app."""
    if not apps:
        return ""
    return "<h3>Apps</h3>" + _table(f"{did}-apps", ["app", "named by", "requests", "findings", "data", "received by"], [
        [a["label"], "; ".join(a["evidence"]) or ("nothing in the request names the app" if a["app"] is None else ""),
         a["flows"], a["findings"], ", ".join(_label(k) for k in a["kinds"]), more(a["companies"])]
        for a in apps
    ], nums={2, 3})  # fmt: skip


def _blind_spots_html(did: str, b: dict[str, Any]) -> str:
    out = ["<h3>Blind spots</h3>"]
    if b["cleartext"]:
        out.append(
            "<p class=warn>Sent without encryption (plain HTTP): anyone on the same network could read this.</p>"
        )
        out.append(
            _table(
                f"{did}-cleartext",
                ["host", "findings", "data"],
                [
                    [x["host"], x["findings"], ", ".join(_label(k) for k in x["kinds"])]
                    for x in b["cleartext"]
                ],
                nums={1},
            )
        )
    if b["tls_refused"]:
        out.append(
            "<p>Hosts that refused our certificate (certificate pinning, or the CA not trusted): what they sent could not be read.</p>"
        )
        out.append(
            _table(
                f"{did}-tls",
                ["host", "refusals", "error"],
                [[x["host"], x["count"], x["error"]] for x in b["tls_refused"]],
                nums={1},
            )
        )
    if b.get("unread"):
        out.append("<p>Connections seen but not read: what they carried is unknown.</p>")
        out.append(_table(f"{did}-unread", ["host", "what", "connections"],
                          [[x["host"], BLIND_SPOT_LABELS.get(x["kind"], x["kind"]), x["count"]] for x in b["unread"]],
                          nums={2}))  # fmt: skip
    if b.get("not_sent"):
        out.append(
            "<p>Requests that never reached their server (refused, or the name did not resolve): "
            "what they carried was not sent, and is not counted above.</p>"
        )
        out.append(_table(f"{did}-not-sent", ["host", "findings", "data"],
                          [[x["host"], x["findings"], ", ".join(_label(k) for k in x["kinds"])] for x in b["not_sent"]],
                          nums={1}))  # fmt: skip
    if b["undecoded"]:
        out.append("<p>Payloads not fully decoded (encrypted, an unknown format, or limits reached):</p>")
        out.append(
            _table(
                f"{did}-undecoded",
                ["host", "requests", "notes"],
                [[x["host"], x["flows"], "; ".join(x["notes"])] for x in b["undecoded"]],
                nums={1},
            )
        )
    if len(out) == 1:
        out.append("<p>None seen: every connection was decrypted and every payload decoded.</p>")
    return "".join(out)


def _evidence_html(did: str, ev: dict[str, Any]) -> str:
    items = ev["items"]
    if not items:
        return ""
    kinds = sorted({e["kind"] for e in items}, key=lambda k: [e["kind"] for e in items].index(k))
    options = "".join(f'<option value="{esc(k)}">{esc(_label(k))}</option>' for k in kinds)
    out = [
        f'<details class=evidence id="{did}-evidence-box"><summary>Evidence: {len(items)} findings, each with its request, '
        "where it was and how it was decoded</summary>",
        f'<div class=filters data-for="{did}-evidence"><input type=search placeholder="filter: host, value, path…" aria-label=filter>'
        f'<select aria-label="kind of data"><option value="">all data</option>{options}</select></div>',
        _table(f"{did}-evidence", ["time", "data", "value", "receiver", "server", "request", "where", "path", "decoded through", "source"], [
            [e["time"], e["label"], e["value"] + (f" ({e['hashed']})" if e["hashed"] else ""), e["receiver"], country_name(e["country"]),
             e["request"], e["where"], e["path"], " → ".join(e["encodings"]) or "plain",
             e["source"] + (f": {e['why']}" if e.get("why") else "")] for e in items
        ], row_attrs=[f' data-kind="{esc(e["kind"])}"' for e in items], classes={2: "val", 5: "req"}),
    ]  # fmt: skip
    for kind, n in ev["left_out"].items():
        out.append(
            f"<p class=muted>{n} more {esc(_label(kind))} findings: <code>phonehome findings --kind {esc(kind)}</code></p>"
        )
    out.append("</details>")
    return "<h3>Evidence</h3>" + "".join(out)
