"""The report as one self-contained HTML file: the answer first, readable on a phone, no network.

The page opens on a summary band (devices, requests, companies, countries, the most sensitive things
sent and to whom), then the charts (flow diagram, findings per company, requests over time), then the
tables and the evidence.  Below 600 px the tables become cards: each row a card, each cell labelled
by its column's header (`data-label`, written here, not by the script), so nothing scrolls sideways.
Colours come from `palette`: one per data category, with a pattern and a text label beside it.

Everything is in the file: CSS, a small script (sortable tables, filters, details opened for print)
and SVG charts.  The Content-Security-Policy allows only that exact CSS and script (by their SHA-256),
images only as `data:` URLs, and nothing else: no remote loads, no forms, no frames.  Every captured
string goes through `esc()`; nothing captured is ever placed in a script, a style, a URL or an event
handler.  Nothing on the page depends on the clock: the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
from collections.abc import Iterator
from typing import Any

from phonehome.report import flowchart, palette, worldmap
from phonehome.report.build import device_count, more
from phonehome.report.markdown import _duration
from phonehome.summary import CATEGORY_ORDER
from phonehome.words import blind_spot_label, category_label, country_label, kind_label, plural, when

# Bar segments are sized by class (w1..w100, percent), never by a style attribute: the CSP has no
# 'unsafe-inline' and allows only this stylesheet's hash.
WIDTH_CSS = "".join(f".w{i}{{width:{i}%}}" for i in range(1, 101)) + "\n"

CSS = (
    """
:root{--fg:#1d2330;--mut:#5b6475;--bg:#fff;--card:#f5f7fa;--line:#dde2ea;--warn:#b3261e;--accent:#2457c5}
*{box-sizing:border-box}
body{margin:0;overflow-wrap:anywhere;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:12px 16px}
h1{font-size:1.3rem;line-height:1.3;margin:.2em 0 .5em}
h2{font-size:1.2rem;margin:1.6em 0 .4em;border-bottom:2px solid var(--line);padding-bottom:.2em}
h3{font-size:1.02rem;margin:1.2em 0 .4em}
a.quiet{color:inherit;text-decoration-color:var(--line);text-underline-offset:3px}
.lead{font-size:1.02rem;margin:.5em 0}
.muted{color:var(--mut);font-size:.9rem}
.card{background:var(--card);border-radius:8px;padding:10px 14px;margin:8px 0}
.warn{color:var(--warn);font-weight:600}
.band{background:var(--card);border-radius:10px;padding:12px 14px;margin:0 0 12px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px;margin:0 0 10px}
.stat{background:var(--bg);border-radius:8px;padding:6px 10px;line-height:1.25}
.stat b{display:block;font-size:1.5rem}.stat span{font-size:.85rem;color:var(--mut)}
.kicker{font-weight:600;margin:.6em 0 .2em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:6px 0}
table{border-collapse:collapse;min-width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:anywhere}
th{background:var(--card);position:sticky;top:0;cursor:pointer;white-space:nowrap}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
td.num,th.num{text-align:right}
td.val,td.req{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all;font-size:.82rem}
.chip{display:inline-flex;align-items:center;gap:4px;border-radius:10px;padding:0 7px;margin:1px;background:#e6ebf5;font-size:.8rem;white-space:nowrap}
.chip.third{background:#fde2e1}.chip.first{background:#e3f4e1}
.sw{display:inline-block;flex:none;width:14px;height:14px;border-radius:3px;border:1px solid rgba(0,0,0,.25)}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.filters input,.filters select{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:6px;max-width:100%}
svg{max-width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));gap:12px 24px}
.chart{margin:0;min-width:0}.chart.wide{grid-column:1/-1}figure.map{margin:0}
.chart h3{margin-top:.6em}
figcaption{color:var(--mut);font-size:.85rem;margin-top:4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin:6px 0;font-size:.85rem}
.legend span{display:inline-flex;align-items:center;gap:5px}
.brow{display:grid;grid-template-columns:minmax(0,13em) minmax(0,1fr) 3em;gap:2px 8px;align-items:center;font-size:.85rem;margin:3px 0}
.bname{overflow-wrap:anywhere;text-align:right}.bn{text-align:right}
.btrack{display:flex;height:14px;min-width:0}
.seg{display:block;height:100%;min-width:2px;border-right:1px solid #fff}
.trow{display:grid;grid-template-columns:minmax(0,13em) minmax(0,1fr) 3em;gap:2px 8px;align-items:end;font-size:.85rem;margin:2px 0}
.trow .bname{align-self:center}
svg.strip{width:100%;height:26px;border-bottom:1px solid var(--line)}
.axis{display:flex;justify-content:space-between;gap:8px;font-size:.78rem;color:var(--mut);margin-left:calc(min(13em,30%) + 8px);margin-right:calc(3em + 8px)}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.hidden{display:none}
.flow-narrow{display:none}
@media (max-width:600px){
main{padding:8px 10px}
.flow-wide{display:none}.flow-narrow{display:block}
.brow,.trow{grid-template-columns:minmax(0,1fr) 3em}
.brow .bname,.trow .bname{grid-column:1/-1;text-align:left}
.axis{margin-left:0;margin-right:calc(3em + 8px)}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%;min-width:0}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.cards tr{border:1px solid var(--line);border-radius:8px;margin:0 0 8px;padding:4px 10px;background:var(--bg)}
table.cards td{border:0;padding:2px 0;display:grid;grid-template-columns:minmax(0,7.5em) minmax(0,1fr);gap:8px;text-align:left}
table.cards td::before{content:attr(data-label);color:var(--mut);font-size:.8rem}
table.cards td:empty{display:none}
.cards-wrap{overflow-x:visible}
}
@media print{
body{font-size:10pt}main{max-width:none;padding:0}
th{position:static;cursor:auto}th.sorted-asc::after,th.sorted-desc::after{content:""}
.filters,.no-print{display:none}
.scroll{overflow:visible}
.band,.chart,figure,tr,.brow,.trow{break-inside:avoid;page-break-inside:avoid}
details>summary{list-style:none}
details::details-content{content-visibility:visible;display:contents}
a.quiet{text-decoration:none}
a[href]:not([href^="#"])::after{content:" (" attr(href) ")";font-size:.8em}
}
"""
    + palette.css()
    + WIDTH_CSS
)

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
  window.addEventListener('beforeprint',function(){
    document.querySelectorAll('details').forEach(function(d){d.open=true;});
    document.querySelectorAll('tr.hidden').forEach(function(r){r.classList.remove('hidden');});
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


class Markup(str):
    """A table cell this module built itself, every captured part already through `esc()`."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Markup) else esc(value)


def _label(kind: str) -> str:
    return kind_label(kind)


def _chip(category: str, text: str | None = None) -> Markup:
    """A category's swatch (its colour and pattern) and its name: never colour alone."""
    cls = palette.category_class(category)
    label = category_label(category) if text is None else text
    return Markup(f'<span class=chip><i class="sw pat {cls}" aria-hidden=true></i>{esc(label)}</span>')


def _table(tid: str, header: list[str], rows: list[list[Any]], *, nums: frozenset[int] | set[int] = frozenset(), row_attrs: list[str] | None = None,
           classes: dict[int, str] | None = None, cards: bool = True) -> str:  # fmt: skip
    """A sortable table; with `cards`, below 600 px each row is a card and each cell says its column."""
    classes = classes or {}
    head = "".join(f"<th{' class=num' if i in nums else ''}>{esc(h)}</th>" for i, h in enumerate(header))
    labels = [f' data-label="{esc(h)}"' if cards else "" for h in header]
    body = []
    for r_i, row in enumerate(rows):
        attrs = row_attrs[r_i] if row_attrs else ""
        cells = []
        for i, c in enumerate(row):
            cls = "num" if i in nums else classes.get(i, "")
            cells.append(f"<td{f' class={cls}' if cls else ''}{labels[i]}>{_cell(c)}</td>")
        body.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    kind = "sortable cards" if cards else "sortable"
    return (f'<div class="scroll{" cards-wrap" if cards else ""}"><table class="{kind}" id="{esc(tid)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")  # fmt: skip


def _categories(d: dict[str, Any]) -> dict[str, str]:
    """kind -> category, for the kinds this device sent."""
    return {c["kind"]: c["category"] for c in d["collected"]}


def _legend(did: str, categories: list[str]) -> str:
    items = "".join(
        f'<span data-category="{esc(c)}"><i class="sw pat {palette.category_class(c)}" aria-hidden=true></i>'
        f"{esc(category_label(c))}</span>"
        for c in categories
    )
    return f'<div class=legend id="{esc(did)}-legend" aria-label="colours and patterns of the data categories">{items}</div>'


def _ordered(categories: set[str]) -> list[str]:
    return sorted(categories, key=lambda c: (CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else 99, c))


COMPANIES_SHOWN = 15


def _bars(d: dict[str, Any]) -> str:
    """Findings per company, each bar split by category of data (colour, pattern, and the legend's words)."""
    m = d["matrix_companies"]
    if not m["columns"]:
        return ""
    of = _categories(d)
    companies = m["columns"][:COMPANIES_SHOWN]
    per: list[dict[str, int]] = []
    for j in range(len(companies)):
        counts: dict[str, int] = {}
        for i, kind in enumerate(m["kinds"]):
            if m["cells"][i][j]:
                cat = of.get(kind, "other")
                counts[cat] = counts.get(cat, 0) + m["cells"][i][j]
        per.append(counts)
    top = max(sum(c.values()) for c in per) or 1
    rows = []
    for company, counts in zip(companies, per, strict=True):
        segs = []
        for cat in _ordered(set(counts)):
            n = counts[cat]
            w = max(1, round(100 * n / top))
            segs.append(
                f'<i class="seg pat {palette.category_class(cat)} w{w}" title="{esc(category_label(cat))}: {n}"></i>'
            )
        total = sum(counts.values())
        detail = ", ".join(f"{category_label(c)} {counts[c]}" for c in _ordered(set(counts)))
        rows.append(f'<div class=brow><span class=bname title="{esc(company)}">{esc(company)}</span>'
                    f'<span class=btrack role=img aria-label="{esc(detail)}">{"".join(segs)}</span>'
                    f"<span class=bn>{total}</span></div>")  # fmt: skip
    left = len(m["columns"]) - len(companies)
    note = (
        f"<figcaption>and {plural(left, 'more company')}: see the tables below</figcaption>"
        if left > 0
        else ""
    )
    return f'<div id="chart-companies-{esc(d["_id"])}" class=bars>{"".join(rows)}</div>{note}'


def _flow_diagram(d: dict[str, Any]) -> str:
    """Data -> company -> server country (flowchart.py: labels that never overlap, small flows grouped)."""
    of = _categories(d)
    links = [flowchart.Link(kind_label(kind), of.get(kind, palette.OTHER), who, country_label(country), n)
             for kind, who, country, n in d["flow_links"]]  # fmt: skip
    wide = flowchart.flow_diagram_svg(
        links, category_class=palette.category_class, svg_id=f"chart-flow-{d['_id']}"
    )
    if not wide:
        return ""
    # A phone's column gets its own drawing, labels at full size, instead of the wide one shrunk by half.
    narrow = flowchart.flow_diagram_svg(
        links, category_class=palette.category_class, svg_id=f"chart-flow-{d['_id']}-narrow", width=380
    )
    return f"<div class=flow-wide>{wide}</div><div class=flow-narrow>{narrow}</div>"


def _map(d: dict[str, Any]) -> str:
    """Where the servers were and where the receiving companies sit (worldmap.py)."""
    servers = {c["country"]: c["flows"] for c in d["server_countries"]}
    hq: dict[str, int] = {}
    for r in d["receivers"]:
        if r["findings"] and r["entity_country"]:
            hq[r["entity_country"]] = hq.get(r["entity_country"], 0) + 1
    return worldmap.world_map_svg(servers, hq, label=country_label, svg_id=f"chart-map-{d['_id']}")


def _timeline(d: dict[str, Any]) -> str:
    """Requests over time: one strip per receiver on one time axis (same scale), no colour needed."""
    t = d["timeline"]
    if not t["series"]:
        return ""
    n = t["buckets"]
    top = max(max(s["counts"]) for s in t["series"]) or 1
    zone = d.get("zone")
    rows = []
    for s in t["series"]:
        bars = "".join(
            f'<rect class=neutral x="{i}" y="{10 - 10 * c / top:.2f}" width=".84" height="{10 * c / top:.2f}"/>'
            for i, c in enumerate(s["counts"]) if c
        )  # fmt: skip
        rows.append(f'<div class=trow><span class=bname title="{esc(s["receiver"])}">{esc(s["receiver"])}</span>'
                    f'<svg class=strip viewBox="0 0 {n} 10" preserveAspectRatio=none role=img aria-label="{esc(s["receiver"])}: '
                    f'{plural(sum(s["counts"]), "request")}">{bars}</svg><span class=bn>{sum(s["counts"])}</span></div>')  # fmt: skip
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(t["start"].replace("Z", "+00:00"))
    end = start + timedelta(seconds=n * t["bucket_seconds"])
    axis = f"<div class=axis><span>{esc(when(start, zone))}</span><span>{esc(when(end, zone))}</span></div>"
    caption = (f"Each bar: the requests in {esc(_duration(t['bucket_seconds']))}; "
               f"the tallest is {plural(top, 'request')}. Total per receiver on the right.")  # fmt: skip
    periodic = "".join(
        f"<p>{esc(p['receiver'])} was contacted every ~{esc(_duration(p['every_seconds']))} "
        f"({plural(p['contacts'], 'request')}).</p>"
        for p in t["periodic"]
    )
    return f'<div id="chart-time-{esc(d["_id"])}" class=timeline>{"".join(rows)}{axis}</div><figcaption>{caption}</figcaption>{periodic}'


def _to_evidence(first: dict[str, Any] | None, sentence: str) -> str:
    """The sentence, linked to the first device's evidence when it has any."""
    if not first or not first.get("findings"):
        return esc(sentence)
    return f'<a class=quiet href="#d0-evidence-box">{esc(sentence)}</a>'


def _where(receiver: str, countries: list[str]) -> str:
    """ "Xiaomi (servers in Singapore)", "x.org (company unknown; servers in France)"."""
    if not countries:
        return receiver
    where = "servers in " + ", ".join(country_label(c) for c in countries)
    return f"{receiver[:-1]}; {where})" if receiver.endswith(")") else f"{receiver} ({where})"


def _band(report: dict[str, Any], first: dict[str, Any] | None, devices: int) -> str:
    """The answer, first: the counts and the most sensitive things sent, to whom, where."""
    o = report.get("overview") or {}
    title = o.get("title") or report["headline"][0]
    out = [f"<header class=band id=summary><h1 id=headline>{_to_evidence(first, title)}</h1>"]
    if o:
        stats = [
            (o["devices"], "device" if o["devices"] == 1 else "devices"),
            (o["requests"], "request" if o["requests"] == 1 else "requests"),
            (o["receivers_with_data"], f"received personal data, of {plural(o['receivers'], 'company')} contacted"),
            (o["countries_with_data"], f"server {'country' if o['countries_with_data'] == 1 else 'countries'} for that data"),
        ]  # fmt: skip
        out.append("<div class=stats>" + "".join(f"<div class=stat><b>{n:,}</b><span>{esc(text)}</span></div>"
                                                 for n, text in stats) + "</div>")  # fmt: skip
        if o["top"]:
            out.append("<p class=kicker>The most sensitive things sent</p>")
            rows = []
            for t in o["top"]:
                who = "; ".join(_where(r["receiver"], r["server_countries"]) for r in t["receivers"][:4])
                if len(t["receivers"]) > 4:
                    who += f" and {len(t['receivers']) - 4} more"
                rows.append([_chip(t["category"], t["label"]), who])
            out.append(_table("top", ["what", "sent to"], rows))
    lines = report["headline"][1:] if devices == 1 else report["headline"]
    out.append("".join(f"<p class=lead>{_to_evidence(first, x)}</p>" for x in lines))
    out.append("<p class=muted>Made by phonehome from the capture. "
               + ("Values are redacted; run <code>phonehome report --reveal</code> for full values." if report["redacted"] else
                  "<span class=warn>Values are shown in full: this file contains personal data.</span>") + "</p></header>")  # fmt: skip
    return "".join(out)


def _charts(d: dict[str, Any]) -> str:
    did = d["_id"]
    figures = []
    cats = _ordered(set(_categories(d).values()))
    world = _map(d)
    if world:
        figures.append(f'<figure class="chart wide"><h3>Where the data went</h3>{world}</figure>')
    flow = _flow_diagram(d)
    if flow:
        figures.append(f'<figure class="chart wide"><h3>Data → company → server country</h3>{_legend(did, cats)}{flow}'
                       "<figcaption>Band widths: findings; colours and patterns: the categories above. "
                       "Small flows are grouped as “Other”.</figcaption></figure>")  # fmt: skip
    bars = _bars(d)
    if bars:
        figures.append(f"<figure class=chart><h3>Findings per company</h3>{bars}</figure>")
    time = _timeline(d)
    if time:
        figures.append(f"<figure class=chart><h3>Over time</h3>{time}</figure>")
    return f'<div class=charts id="{did}-charts">{"".join(figures)}</div>' if figures else ""


def render_html(report: dict[str, Any]) -> str:
    return "\n".join(html_parts(report))


def html_parts(report: dict[str, Any]) -> Iterator[str]:
    """The page in parts, joined by newlines, each device's section made only when reached: a report
    whose `devices` is an iterator (`Report.streamed`) is written with one device's in memory."""
    count = device_count(report)
    devices = iter(report["devices"])
    first = next(devices, None)
    yield from (
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        '<meta name=referrer content="no-referrer">',
        "<title>phonehome report</title>",
        f"<style>{CSS}</style></head><body>{palette.pattern_defs()}<main>",
        _band(report, first, count),
    )
    zones = report.get("zones") or {}
    for n, d in enumerate(itertools.chain([first] if first else [], devices)):
        out: list[str] = []
        did = f"d{n}"
        zone = zones.get(d["session"])
        d = {**d, "_id": did, "zone": zone}
        out.append(f'<section id="{did}"><h2>Device {esc(d["device"])} · session {esc(d["session"])}</h2>')
        facts = f"{plural(d['flows'], 'request')} to {plural(d['hosts'], 'host')}, {plural(d['findings'], 'finding')}"
        if d["first"]:
            facts += f", {when(d['first'], zone)} to {when(d['last'], zone)}"
        if d["vendor"]:
            facts += f"; phone made by {d['vendor']}"
        out.append(f"<p class=muted>{esc(facts)}</p>")
        if count > 1:  # with one device the page's headline is this device's
            out.append('<div class="card lead">' + "<br>".join(
                f'<a class=quiet href="#{did}-evidence-box">{esc(s)}</a>' for s in d["headline"]) + "</div>")  # fmt: skip
        out.append(_charts(d))
        out.append("<h3>What was collected</h3>")
        if count == 1 and d["headline"]:
            out.append(f"<p>{esc(d['headline'][0])}</p>")
        out.append(_table(f"{did}-collected", ["category", "data", "findings", "distinct values", "received by", "server countries", "Play data type", "Apple data type"], [
            [_chip(c["category"]), c["label"], c["findings"], c["values"], more(c["companies"]),
             more([country_label(x) for x in c["countries"]]), c["play_data_type"], c["apple_data_type"]] for c in d["collected"]
        ], nums={2, 3}))  # fmt: skip
        out.append("<h3>Who received it</h3>")
        out.append(_table(f"{did}-receivers", ["receiver", "legal name", "headquarters", "categories", "party", "servers in", "requests", "findings", "data"], [
            [r["receiver"], r["legal_name"] or "", country_label(r["entity_country"]), ", ".join(r["categories"]), r["party"],
             ", ".join(country_label(c) for c in r["server_countries"][:4]), r["flows"], r["findings"],
             ", ".join(_label(k) for k in r["kinds"])] for r in d["receivers"]
        ], nums={6, 7}))  # fmt: skip
        out.append(_apps_html(did, d.get("apps", [])))
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
                cols = [country_label(c) if key == "matrix_countries" else c for c in m["columns"]]
                out.append(f"<details><summary>{esc(title)}</summary>")
                out.append(_table(f"{did}-{key}", ["data", *cols], [[_label(k), *row] for k, row in zip(m["kinds"], m["cells"], strict=True)],
                                  nums=set(range(1, len(cols) + 1)), cards=False))  # fmt: skip
                out.append("</details>")
        out.append(_blind_spots_html(did, d["blind_spots"]))
        if d["declared"]:
            out.append("<h3>Observed against declared</h3>")
            out.append(_table(f"{did}-declared", ["who", "data", "Play data type", "Apple data type", "declared", "findings"], [
                [x["who"], _label(x["kind"]), x["play"], x["apple"], "yes" if x["declared"] else "NOT DECLARED", x["findings"]]
                for x in d["declared"]
            ], nums={5}))  # fmt: skip
        out.append(_evidence_html(did, d["evidence"], zone))
        out.append("</section>")
        yield from out
    yield f"<footer><p class=muted>{esc(report['sources'])}</p></footer>"
    yield f"<script>{JS}</script></main></body></html>"


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
                          [[x["host"], blind_spot_label(x["kind"]), x["count"]] for x in b["unread"]],
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


def _evidence_html(did: str, ev: dict[str, Any], zone: str | None = None) -> str:
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
            [when(e["time"], zone), e["label"], e["value"] + (f" ({e['hashed']})" if e["hashed"] else ""), e["receiver"], country_label(e["country"]),
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
