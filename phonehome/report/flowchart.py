"""The data -> company -> country diagram: three columns joined by bands, labels that never overlap.

API (pure; the HTML report calls it once per device):

    Link(data_label, category, company, country_label, weight)
    flow_diagram_svg(links, *, category_class, svg_id="flow-diagram", max_nodes=8,
                     unit=("finding", "findings"), width=760) -> str
    layout(links, *, max_nodes=8, min_share=0.02, width=760) -> Diagram   (the geometry, for tests)

Each link says that `weight` requests or findings of one kind of data (`data_label`, already in
words, of data category `category`) went to `company` on servers in `country_label`.  The left
column is the data, the middle the companies, the right the countries; a band's thickness is its
weight, and the bands from data to company take the class `category_class(category)` (the
report's one colour per category).  An empty list gives "" (the report leaves the section out).

Labels never overlap, by construction: every node owns a slot at least one label line high
(`LINE_H`) with `GAP` between slots, and its label is centred in its slot; each column's labels
are cut (with "…") to the room between that column and the next, measured with a conservative
estimate of the text's width (`text_width`).  The full text stays in a `<title>`.  A column with
more than `max_nodes` nodes keeps the heaviest `max_nodes - 1` and groups the rest as
"Other (n)", and nodes under `min_share` of the total are grouped too (when at least two are);
the height grows with the number of nodes.  `width` (at least 300) is the viewBox's: at 760 the
diagram suits a desktop column, at about 380 a phone's (shorter labels, the same 11 px text), so a
report can draw both and show one per screen width.

The SVG uses classes only (`flow-node`, `flow-other`, `flow-band`, `flow-label`, `flow-head` and
the category classes), no style attributes, script or outside references, so it fits the
report's Content-Security-Policy; `CSS` is a default stylesheet for them.  Every string from the
caller is escaped (html.escape, quote=True); control and bidi-override characters are dropped
from the visible labels and lone surrogates replaced, so what is drawn is what is measured.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 760  # the default; a narrower diagram (say 380, for a phone's column) keeps labels legible
FONT_PX = 11  # the labels' size; CSS below pins it, and the layout's arithmetic assumes it
LINE_H = 16  # a label's box height: more than the 11 px text's bounding box in any fallback font
GAP = 4  # between two slots of a column
NODE_W = 10
TOP = 24  # room for the column headings
BASE_H = 240  # the weighted part of a column's height (slots add to it)
PAD = 4  # between a node and its label
HEADINGS = ("Data sent", "Company", "Server country")
SHORT_HEADINGS = ("Data", "Company", "Country")  # below 600 units across
OTHER = "Other"
BLANK = "(no name)"  # what a blank name is drawn as
_GROUP = "\x00other"  # an "other" node's key: no cleaned name can be equal to it

CSS = """
.flow-diagram text{font:11px system-ui,sans-serif;fill:#1d2330}
.flow-diagram .flow-head{font-weight:700;fill:#5b6475}
.flow-diagram .flow-label{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.flow-diagram path{fill:none;stroke-opacity:.4}
.flow-node{fill:#4e5d78}.flow-other{fill:#9aa3b2;stroke:#9aa3b2}.flow-band{stroke:#9aa3b2}
"""

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NARROW = frozenset(" il.,:;'|!`ijtfr()[]{}/\\-")
_BROAD = frozenset("MWmw@%&ÆŒæœ")


@dataclass(frozen=True)
class Link:
    data_label: str
    category: str
    company: str
    country_label: str
    weight: int


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


@dataclass(frozen=True)
class Node:
    column: int  # 0 data, 1 company, 2 country
    x: float  # the bar's left edge
    name: str  # the full name ("Other (3)" for a group)
    label: str  # what is drawn: the name, cleaned and cut to its column's room
    weight: int
    category: str | None  # the data category (left column; None for a mixed group)
    other: tuple[str, ...]  # the names grouped in an "other" node
    slot_top: float
    slot_h: float
    top: float  # the bar
    h: float

    @property
    def mid(self) -> float:
        return self.slot_top + self.slot_h / 2

    def label_box(self) -> Box:
        """Where the label is drawn, by the layout's own estimate of its width."""
        w = text_width(self.label)
        y0, y1 = self.mid - LINE_H / 2, self.mid + LINE_H / 2
        if self.column == 0:
            return Box(self.x - PAD - w, y0, self.x - PAD, y1)
        return Box(self.x + NODE_W + PAD, y0, self.x + NODE_W + PAD + w, y1)


@dataclass(frozen=True)
class Band:
    source: Node
    target: Node
    weight: int
    y0: float  # centre of the band where it leaves the source
    y1: float  # and where it enters the target
    thickness: float
    category: str | None  # data -> company bands: the data's category


@dataclass(frozen=True)
class Diagram:
    width: int
    height: float
    nodes: tuple[Node, ...]
    bands: tuple[Band, ...]
    total: int

    @property
    def headings(self) -> tuple[str, str, str]:
        return HEADINGS if self.width >= 600 else SHORT_HEADINGS

    def heading_x(self, column: int) -> float:
        x = columns(self.width)[column]
        return x + NODE_W if column == 0 else x

    def heading_boxes(self) -> list[Box]:
        boxes = []
        for column, text in enumerate(self.headings):
            x, w = self.heading_x(column), text_width(text, bold=True)
            x0 = x - w if column == 0 else x
            boxes.append(Box(x0, TOP - 4 - LINE_H, x0 + w, TOP - 4))
        return boxes

    def label_boxes(self) -> list[Box]:
        return self.heading_boxes() + [n.label_box() for n in self.nodes]


def clean(text: object) -> str:
    """Drawable text: no control or bidi-override characters, no lone surrogates."""
    return _SURROGATE.sub("\ufffd", _INVISIBLE.sub("", "" if text is None else str(text)))


def esc(text: object) -> str:
    return html.escape(clean(text), quote=True)


def text_width(text: str, *, px: float = FONT_PX, bold: bool = False) -> float:
    """A generous estimate of the drawn width: wide (CJK, emoji) 1.3 em, broad letters 1 em,
    other capitals, digits and non-Latin letters 0.75 em, lower case 0.62, narrow 0.4."""
    em = 0.0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.3
        elif ch in _BROAD or unicodedata.east_asian_width(ch) == "A":
            em += 1.0
        elif ch in _NARROW:
            em += 0.4
        elif "a" <= ch <= "z":
            em += 0.62
        else:
            em += 0.75
    # DejaVu Sans (Debian's system-ui) is among the widest; 6% more covers rounding and hinting.
    return em * px * 1.06 * (1.1 if bold else 1.0)


def columns(width: float) -> tuple[float, float, float]:
    """The bars' left edges: labels | bar | bands | bar | labels over bands | bar | labels."""
    rest = width - 3 * (NODE_W + PAD) - 12
    x0 = 0.24 * rest + PAD + 2
    x1 = x0 + NODE_W + 0.27 * rest
    x2 = x1 + NODE_W + PAD + 0.27 * rest + 8
    return x0, x1, x2


def room(column: int, width: float = WIDTH) -> float:
    """How wide a label of this column may be."""
    x0, x1, x2 = columns(width)
    if column == 0:
        return x0 - PAD - 2
    if column == 1:
        return x2 - (x1 + NODE_W + PAD) - 8
    return width - (x2 + NODE_W + PAD) - 2


def truncate(text: str, width: float) -> str:
    """The longest start of `text` that fits `width` with an ellipsis (the whole text if it fits)."""
    text = clean(text)
    if text_width(text) <= width:
        return text
    budget = width - text_width("…")
    out = ""
    for ch in text:
        if text_width(out + ch) > budget:
            break
        out += ch
    return out.rstrip() + "…"


def _name(text: str) -> str:
    return clean(text).strip() or BLANK


def _keep(weights: dict[str, int], total: int, max_nodes: int, min_share: float) -> set[str]:
    """The names a column shows by themselves; the rest become one "other" node."""
    ranked = sorted(weights, key=lambda n: (-weights[n], n))
    if len(ranked) > max_nodes:
        ranked = ranked[: max_nodes - 1]
    small = [n for n in ranked if weights[n] < min_share * total]
    grouped = len(weights) - len(ranked)
    if len(small) + grouped >= 2:
        ranked = [n for n in ranked if n not in small]
    return set(ranked)


def layout(
    links: Sequence[Link], *, max_nodes: int = 8, min_share: float = 0.02, width: int = WIDTH
) -> Diagram:
    """Nodes, bands and their places (see the module's docstring)."""
    if max_nodes < 2:
        raise ValueError("max_nodes must be at least 2")
    if width < 300:
        raise ValueError("width must be at least 300")
    xs = columns(width)
    rows = [lk for lk in links if lk.weight > 0]
    total = sum(lk.weight for lk in rows)
    names = [[_name(lk.data_label) for lk in rows], [_name(lk.company) for lk in rows]]
    names.append([_name(lk.country_label) for lk in rows])
    weights: list[dict[str, int]] = [defaultdict(int), defaultdict(int), defaultdict(int)]
    for i, lk in enumerate(rows):
        for c in range(3):
            weights[c][names[c][i]] += lk.weight
    keep = [_keep(weights[c], total, max_nodes, min_share) for c in range(3)]
    grouped = [sorted(n for n in weights[c] if n not in keep[c]) for c in range(3)]

    def key(c: int, name: str) -> str:
        return name if name in keep[c] else _GROUP

    # The data column's category: the heaviest one among the links of a node.
    cat_weight: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first: dict[tuple[str, str], int] = defaultdict(int)
    second: dict[tuple[str, str], int] = defaultdict(int)
    col_weight: list[dict[str, int]] = [defaultdict(int), defaultdict(int), defaultdict(int)]
    for i, lk in enumerate(rows):
        d, co, cn = key(0, names[0][i]), key(1, names[1][i]), key(2, names[2][i])
        cat_weight[d][clean(lk.category)] += lk.weight
        first[d, co] += lk.weight
        second[co, cn] += lk.weight
        for c, n in enumerate((d, co, cn)):
            col_weight[c][n] += lk.weight

    scale = BASE_H / total if total else 0.0
    nodes: dict[tuple[int, str], Node] = {}
    height = float(TOP)
    for c in range(3):
        order = sorted(col_weight[c], key=lambda n: (n == _GROUP, -col_weight[c][n], n))
        y = float(TOP)
        for n in order:
            w = col_weight[c][n]
            h = max(w * scale, 2.0)
            slot = max(h, LINE_H)
            is_other = n == _GROUP
            cats = cat_weight[n] if c == 0 else {}
            category = None
            if c == 0 and (not is_other or len(cats) == 1):
                category = max(cats, key=lambda k: (cats[k], k))
            name = f"{OTHER} ({len(grouped[c])})" if is_other else n
            nodes[c, n] = Node(
                column=c,
                x=xs[c],
                name=name,
                label=truncate(name, room(c, width)),
                weight=w,
                category=category,
                other=tuple(grouped[c]) if is_other else (),
                slot_top=y,
                slot_h=slot,
                top=y + (slot - h) / 2,
                h=h,
            )
            y += slot + GAP
        height = max(height, y)

    order_of = {k: i for i, k in enumerate(nodes)}
    out_offset: dict[tuple[int, str], float] = defaultdict(float)
    in_offset: dict[tuple[int, str], float] = defaultdict(float)
    bands = []
    for c, pairs in ((0, first), (1, second)):
        for (a, b), w in sorted(
            pairs.items(), key=lambda kv: (order_of[c, kv[0][0]], order_of[c + 1, kv[0][1]])
        ):
            src, dst = nodes[c, a], nodes[c + 1, b]
            t = w * scale
            y0 = src.top + out_offset[c, a] + t / 2
            y1 = dst.top + in_offset[c + 1, b] + t / 2
            out_offset[c, a] += t
            in_offset[c + 1, b] += t
            bands.append(Band(src, dst, w, y0, y1, t, src.category if c == 0 else None))
    # The bands entering a node arrive in the order of their sources, so they do not cross there.
    return Diagram(width, height + GAP, tuple(nodes.values()), tuple(bands), total)


def _plural(n: int, unit: tuple[str, str]) -> str:
    return f"{n:,} {unit[0] if n == 1 else unit[1]}"


def flow_diagram_svg(
    links: Sequence[Link],
    *,
    category_class: Callable[[str], str],
    svg_id: str = "flow-diagram",
    max_nodes: int = 8,
    unit: tuple[str, str] = ("finding", "findings"),
    width: int = WIDTH,
) -> str:
    """The diagram as one `<svg>` element (see the module's docstring)."""
    d = layout(links, max_nodes=max_nodes, width=width)
    if not d.total:
        return ""
    h = round(d.height)
    parts = [
        f'<svg id="{esc(svg_id)}" class="flow-diagram" role="img" viewBox="0 0 {d.width} {h}" '
        f'width="{d.width}" height="{h}"><title>Flow of data: kind of data, to company, to server country '
        f"(band widths: {esc(unit[1])})</title>"
    ]
    for column, text in enumerate(d.headings):
        anchor = "end" if column == 0 else "start"
        parts.append(
            f'<text class="flow-head" x="{d.heading_x(column):.1f}" y="{TOP - 8}" text-anchor="{anchor}">{text}</text>'
        )
    for b in d.bands:
        if b.source.column == 0:
            cls = esc(category_class(b.category)) if b.category is not None else "flow-other"
        else:
            cls = "flow-band"
        x0, x1 = b.source.x + NODE_W, b.target.x
        mid = (x0 + x1) / 2
        tip = f"{b.source.name} → {b.target.name}: {_plural(b.weight, unit)}"
        parts.append(
            f'<path class="{cls}" stroke-width="{max(b.thickness, 1.0):.1f}" '
            f'd="M{x0:.1f},{b.y0:.1f}C{mid:.1f},{b.y0:.1f} {mid:.1f},{b.y1:.1f} {x1:.1f},{b.y1:.1f}">'
            f"<title>{esc(tip)}</title></path>"
        )
    for n in d.nodes:
        if n.other:
            cls = esc(category_class(n.category)) if n.category is not None else "flow-other"
            shown = ", ".join(n.other[:20]) + (
                f" and {len(n.other) - 20:,} more" if len(n.other) > 20 else ""
            )
            tip = f"{n.name}: {_plural(n.weight, unit)} ({shown})"
        else:
            cls = esc(category_class(n.category)) if n.category is not None else "flow-node"
            tip = f"{n.name}: {_plural(n.weight, unit)}"
        box = n.label_box()
        anchor, tx = ("end", box.x1) if n.column == 0 else ("start", box.x0)
        parts.append(
            f"<g><title>{esc(tip)}</title>"
            f'<rect class="{cls}" x="{n.x:.1f}" y="{n.top:.1f}" width="{NODE_W}" height="{n.h:.1f}"/>'
            f'<text class="flow-label" x="{tx:.1f}" y="{n.mid + 0.35 * FONT_PX:.1f}" '
            f'text-anchor="{anchor}">{esc(n.label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
