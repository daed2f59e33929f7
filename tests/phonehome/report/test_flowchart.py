"""The data -> company -> country diagram: grouping, truncation, escaping, and labels that never overlap."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonehome.report.flowchart import (
    GAP,
    LINE_H,
    TOP,
    Diagram,
    Link,
    flow_diagram_svg,
    layout,
    room,
    text_width,
    truncate,
)
from tests.phonehome.report.test_worldmap import assert_inert, parse

CATEGORIES = ["identifier", "location", "device", "contact", "browsing", "app_usage"]


def cat_class(category: str) -> str:
    return f"cat-{category}"


def link(data: str = "IMEI", company: str = "Xiaomi", country: str = "China", weight: int = 1, category: str = "identifier") -> Link:  # fmt: skip
    return Link(data, category, company, country, weight)


def assert_no_overlap(d: Diagram) -> None:
    boxes = d.label_boxes()
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for n in d.nodes:
        assert text_width(n.label) <= room(n.column, d.width) + 1e-9, n.label
        assert n.label.strip(), n  # never an empty label
        box = n.label_box()
        assert box.y0 >= TOP and box.y1 <= d.height, n
        assert box.x0 >= 0 and box.x1 <= d.width, n
    for box in d.heading_boxes():
        assert box.x0 >= 0 and box.x1 <= d.width, box


def test_a_narrow_diagram_for_a_phone() -> None:
    links = [
        link("Advertising ID", "Meta Platforms, Inc.", "United States", 3),
        link("IMEI", "Xiaomi", "China", 2),
    ]
    d = layout(links, width=380)
    assert d.width == 380
    svg = flow_diagram_svg(links, category_class=cat_class, width=380)
    assert 'viewBox="0 0 380 ' in svg and ">Country</text>" in svg and ">Server country<" not in svg
    assert_no_overlap(d)
    with pytest.raises(ValueError):
        layout(links, width=200)


def test_no_links_no_diagram() -> None:
    assert flow_diagram_svg([], category_class=cat_class) == ""
    assert flow_diagram_svg([link(weight=0)], category_class=cat_class) == ""


def test_three_columns_bands_and_weights() -> None:
    links = [
        link("IMEI", "Xiaomi", "China", 5),
        link("IMEI", "Google", "United States", 2),
        link("Precise location", "Xiaomi", "Singapore", 3, "location"),
        link("Precise location", "Xiaomi", "China", 1, "location"),
    ]
    d = layout(links)
    names = {c: [n.name for n in d.nodes if n.column == c] for c in range(3)}
    assert names == {
        0: ["IMEI", "Precise location"],
        1: ["Xiaomi", "Google"],
        2: ["China", "Singapore", "United States"],
    }
    assert d.total == 11
    # Aggregated bands: data -> company (3 pairs), company -> country (3 pairs), weights kept.
    first = [b for b in d.bands if b.source.column == 0]
    second = [b for b in d.bands if b.source.column == 1]
    assert sorted((b.source.name, b.target.name, b.weight) for b in first) == [
        ("IMEI", "Google", 2),
        ("IMEI", "Xiaomi", 5),
        ("Precise location", "Xiaomi", 4),
    ]
    assert sum(b.weight for b in second) == 11
    # Bands fill their nodes from the top and never spill out of them.
    for n in d.nodes:
        out = [b for b in d.bands if b.source is n]
        if out:
            assert abs(min(b.y0 - b.thickness / 2 for b in out) - n.top) < 1e-6
            assert max(b.y0 + b.thickness / 2 for b in out) <= n.top + n.h + 1e-6
    svg = flow_diagram_svg(links, category_class=cat_class, svg_id="flow-1")
    assert_inert(svg)
    assert svg.startswith('<svg id="flow-1" class="flow-diagram"')
    paths = [a.get("class") for t, a in parse(svg).tags if t == "path"]
    assert (
        paths.count("cat-identifier") == 2
        and paths.count("cat-location") == 1
        and paths.count("flow-band") == 3
    )
    assert "<title>IMEI → Xiaomi: 5 findings</title>" in svg
    assert "<title>Precise location: 4 findings</title>" in svg
    texts = [t for t in parse(svg).text if t.strip()]
    assert texts[1:4] == ["Data sent", "Company", "Server country"]


def test_more_than_max_nodes_are_grouped_as_other() -> None:
    links = [link("IMEI", f"Company {i:02d}", "China", 100 - i) for i in range(12)]
    d = layout(links, max_nodes=8)
    companies = [n for n in d.nodes if n.column == 1]
    assert len(companies) == 8
    assert [n.name for n in companies[:7]] == [f"Company {i:02d}" for i in range(7)]
    other = companies[-1]
    assert other.name == "Other (5)" and other.other == tuple(f"Company {i:02d}" for i in range(7, 12))
    assert other.weight == sum(100 - i for i in range(7, 12))
    svg = flow_diagram_svg(links, category_class=cat_class)
    assert "Other (5): 455 findings (Company 07, Company 08, Company 09, Company 10, Company 11)" in svg


def test_small_flows_are_grouped_when_there_are_two_or_more() -> None:
    big = [link("IMEI", "Xiaomi", "China", 1000)]
    one_small = layout([*big, link("IMEI", "Tiny", "China", 1)])
    assert [n.name for n in one_small.nodes if n.column == 1] == ["Xiaomi", "Tiny"]  # alone: shown as itself
    two_small = layout([*big, link("IMEI", "Tiny", "China", 1), link("IMEI", "Wee", "China", 2)])
    assert [n.name for n in two_small.nodes if n.column == 1] == ["Xiaomi", "Other (2)"]


def test_a_company_named_other_is_not_merged_into_the_group() -> None:
    links = [link("IMEI", "Other (5)", "China", 50)] + [link("IMEI", f"C{i}", "China", 1) for i in range(12)]
    companies = [n for n in layout(links).nodes if n.column == 1]
    real = [n for n in companies if not n.other]
    assert [n.name for n in real] == ["Other (5)"] and real[0].weight == 50
    assert sum(n.weight for n in companies) == 62


def test_mixed_categories_in_other_are_neutral() -> None:
    links = [link(f"Kind {i}", "X", "China", 100 - i, CATEGORIES[i % 6]) for i in range(10)]
    svg = flow_diagram_svg(links, category_class=cat_class)
    other = [n for n in layout(links).nodes if n.column == 0 and n.other][0]
    assert other.category is None
    assert '<rect class="flow-other"' in svg


def test_long_labels_are_cut_and_kept_whole_in_the_title() -> None:
    name = "Very Long Company Name Holdings International Limited Partnership, " * 3 + "end"
    svg = flow_diagram_svg([link("IMEI", name, "China", 3)], category_class=cat_class)
    label = [n for n in layout([link("IMEI", name, "China", 3)]).nodes if n.column == 1][0].label
    assert label.endswith("…") and len(label) < len(name) and name.startswith(label[:-1])
    assert f">{label}</text>" in svg
    assert f"<title>{name}: 3 findings</title>" in svg


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", 100.0),
        ("北京字节跳动科技有限公司" * 3, 120.0),
        ("short", 200.0),
        ("", 10.0),
    ],
)
def test_truncate_fits(text: str, width: float) -> None:
    cut = truncate(text, width)
    assert text_width(cut) <= width
    assert cut == text or cut.endswith("…")


def test_wide_characters_count_wider() -> None:
    assert text_width("北京") > text_width("ab") and text_width("WW") > text_width("ii")
    assert text_width("a\u0301\u202e") == text_width("a")  # marks and format characters take no room


HOSTILE = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "</text></svg><script>alert(1)</script>",
    "\ud800\x00\x1b[31m\u202eevil",
    "&lt;already escaped&gt; & \"quotes\" 'too'",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_string_is_escaped(hostile: str) -> None:
    links = [Link(hostile, hostile, hostile, hostile, 3), link(weight=2)]
    svg = flow_diagram_svg(links, category_class=lambda c: c, svg_id=hostile)
    assert_inert(svg)
    assert "<script" not in svg and "<img" not in svg
    svg.encode("utf-8")
    assert "\x00" not in svg and "\u202e" not in svg and "\x1b" not in svg


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | st.sampled_from(
    ["Google LLC", "北京字节跳动科技有限公司", "W" * 80, "Other (3)", "", " ", "\u202e\u0301"]
)
links_strategy = st.lists(
    st.builds(Link, names, st.sampled_from(CATEGORIES), names, names, st.integers(0, 10**6)), max_size=40
)


@settings(max_examples=120, deadline=None)
@given(links_strategy, st.integers(2, 12), st.sampled_from([300, 380, 500, 760, 1000]))
def test_no_two_label_boxes_overlap(links: list[Link], max_nodes: int, width: int) -> None:
    d = layout(links, max_nodes=max_nodes, width=width)
    assert_no_overlap(d)
    for c in range(3):
        column = [n for n in d.nodes if n.column == c]
        assert len(column) <= max_nodes
        # The height grows with the number of nodes: each has a slot a label line high.
        assert d.height >= TOP + len(column) * (LINE_H + GAP)
        assert sum(n.weight for n in column) == d.total
        assert sum(1 for n in column if n.other) <= 1
    svg = flow_diagram_svg(links, category_class=cat_class, max_nodes=max_nodes, width=width)
    if d.total:
        assert_inert(svg)
        assert len(re.findall(r'<text class="flow-label"', svg)) == len(d.nodes)


# Measured in the browser: every <text> of each diagram, as Chromium lays it out.
_OVERLAPS = """(() => {
  const result = {texts: 0, overlaps: [], outside: []};
  document.querySelectorAll('svg.flow-diagram').forEach((svg, k) => {
    const view = svg.viewBox.baseVal;
    const boxes = Array.from(svg.querySelectorAll('text')).map((t) => {
      const b = t.getBBox();
      return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent];
    });
    result.texts += boxes.length;
    boxes.forEach((a, i) => {
      if (a[0] < 0 || a[2] > view.width || a[1] < 0 || a[3] > view.height) result.outside.push([k, a]);
      boxes.slice(i + 1).forEach((b) => {
        if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) result.overlaps.push([k, a, b]);
      });
    });
  });
  return result;
})()"""

BROWSER_NAMES = [
    *HOSTILE,
    "W" * 90,
    "北京字节跳动科技有限公司北京字节跳动科技有限公司",
    "📱📡🛰️📱📡🛰️📱📡🛰️📱📡🛰️📱📡🛰️",
    "شركة البيانات العالمية المحدودة للإعلانات",
    "Z̷̢͈a̵̡̛l̸̨̛g̶̢̛o̷̢̊ t̸̡̛e̵̡̛x̷̢̛t̶̡̛",
    "MMMMMMMMMMMMMMMMMMMMMMMMMM@@@@@@@%%%%%%",
    "Google LLC",
    "x",
]


def browser_cases() -> list[list[Link]]:
    import random

    rng = random.Random(14)
    many = [
        Link(rng.choice(BROWSER_NAMES) + str(i % 7), rng.choice(CATEGORIES), rng.choice(BROWSER_NAMES) + str(i % 11),
             rng.choice(BROWSER_NAMES) + str(i % 5), rng.randint(1, 500))
        for i in range(80)
    ]  # fmt: skip
    hostile = [Link(n, "identifier", n, n, 10 + i) for i, n in enumerate(HOSTILE)]
    one_each = [Link(n, CATEGORIES[i % 6], n, n, 1) for i, n in enumerate(BROWSER_NAMES)]
    lopsided = [Link("IMEI", "identifier", "Xiaomi", "China", 100_000)] + [
        Link(f"Kind {i}", "device", f"Company {i}", f"Country {i}", 1) for i in range(30)
    ]
    return [many, hostile, one_each, lopsided]


def test_in_chromium_no_label_overlaps_and_the_map_renders(tmp_path: Path) -> None:
    import base64
    import hashlib

    from phonehome.report import flowchart, worldmap
    from tests.phonehome._browser import open_html, require_chromium

    require_chromium()
    css = (
        "body{font:15px system-ui,sans-serif;margin:0}main{max-width:1100px;padding:16px}"
        "svg{max-width:100%;height:auto;display:block}svg text{font:11px system-ui,sans-serif}"
        + worldmap.CSS
        + flowchart.CSS
        + "".join(f".cat-{c}{{fill:#0072b2;stroke:#0072b2}}" for c in CATEGORIES)
    )
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    diagrams = "".join(
        flow_diagram_svg(
            links, category_class=cat_class, svg_id=f"flow-{i}-{w}", max_nodes=8 + 4 * (i % 2), width=w
        )
        for i, links in enumerate(browser_cases())
        for w in (760, 380)
    )
    world = worldmap.world_map_svg(
        {
            "CN": 40,
            "SG": 12,
            "US": 7,
            "DE": 3,
            "NL": 2,
            "IE": 2,
            "LU": 1,
            "HK": 5,
            "RU": 2,
            "FJ": 1,
            HOSTILE[1]: 3,
        },
        {"CN": 2, "US": 3, "IE": 1, "KR": 1},
        label=lambda c: c + HOSTILE[0] if c == "ZZ" else worldmap.country_name(c),
        svg_id="map-1",
    )
    page = tmp_path / "charts.html"
    page.write_text(
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{digest}'\">"
        f"<title>charts</title><style>{css}</style></head><body><main>{world}{diagrams}</main></body></html>",
        encoding="utf-8",
    )
    for width in (390, 1280):
        report = open_html(
            page, width=width, globals=[_OVERLAPS, "window.__pwned"], selectors=["#map-1", "#flow-0-760"]
        )
        assert not report.page_errors and not report.csp_violations and not report.requests, report.summary()
        assert report.globals["window.__pwned"] is None
        assert report.visible["#map-1"] and report.visible["#flow-0-760"], report.boxes
        measured = report.globals[_OVERLAPS]
        assert measured["texts"] >= 8 * 3 + 60, (
            measured
        )  # headings and labels of eight diagrams were measured
        assert measured["overlaps"] == [], measured["overlaps"][:5]
        assert measured["outside"] == [], measured["outside"][:5]
