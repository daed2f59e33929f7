"""`phonehome letter`: a data-subject access request to one company, built from what this capture shows
it received.

Two steps, each pure of output: `gather` reads the store through the public queries and counts, per
kind of data, what reached the company's hosts (how often, first and last time, which hosts, where in
the request, through which encodings, the distinct values and a few example requests); `render` writes
the letter (GDPR Article 15 or the CCPA's right to know) as Markdown or plain text.

Values are masked as reports mask them (`phonehome.redact`) except those the person names with
`--include` (a kind, or an exact value); a password is never shown. Every captured string is escaped for
the format it goes into: Markdown (`report.markdown.md`) or the terminal (`output.terminal_safe`).
This is a template for a person to check and send, not legal advice (docs/letter.md).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from phonehome import words
from phonehome.classifiers.destinations.entities import Entity, EntityMap
from phonehome.classifiers.model import Kind, never_sent
from phonehome.db import queries
from phonehome.db.store import Store
from phonehome.output import terminal_safe
from phonehome.redact import HIDDEN, Redactor, redact_value
from phonehome.report.markdown import md
from phonehome.summary import CATEGORY_ORDER

LAWS = ("gdpr", "ccpa")
FORMATS = ("markdown", "text")
VALUES_SHOWN = 10  # distinct values listed per kind; the rest are counted
EXAMPLES = 2  # example requests per kind in the evidence summary
REQUEST_SHOWN = 160  # characters of an example request line
NEVER_SHOWN = frozenset({"password"})  # masked whatever --include says


class UnknownCompany(ValueError):
    """A name the entity map does not hold; `closest` are the nearest names it does."""

    def __init__(self, name: str, closest: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.closest = closest


# -- which company -------------------------------------------------------------------------------------


def find_company(emap: EntityMap, name: str) -> tuple[Entity, str | None]:
    """The entity `name` means: by id, name or legal name (any case), else by one of its domains
    (`facebook` -> Meta through facebook.com). The second value says how a domain was used, or None.
    Raises `UnknownCompany` with the closest known names."""
    found = emap.find(name)
    if found is not None:
        return found, None
    key = name.strip().lower().rstrip(".")
    for domain in (key, f"{key}.com") if key else ():
        match = emap.domains.get(domain)
        if match is not None:
            return match.entity, domain
    raise UnknownCompany(name, closest_names(emap, name))


def closest_names(emap: EntityMap, name: str, n: int = 5) -> list[str]:
    """The display names nearest to `name` (difflib), matched against ids, names and legal names."""
    labels: dict[str, str] = {}
    for e in emap.entities.values():
        for key in (e.id, e.name.lower(), e.legal_name.lower()):
            labels.setdefault(key, e.name)
    out: list[str] = []
    for key in difflib.get_close_matches(name.strip().lower(), labels, n=n * 3, cutoff=0.6):
        if labels[key] not in out:
            out.append(labels[key])
    return out[:n]


# -- what it received ----------------------------------------------------------------------------------


@dataclass(slots=True)
class KindSeen:
    """One kind of data as the company received it."""

    kind: str
    category: str
    count: int = 0
    first: str = ""
    last: str = ""
    hosts: Counter[str] = field(default_factory=Counter)
    where: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    hashed: Counter[str] = field(default_factory=Counter)
    values: Counter[str] = field(default_factory=Counter)  # distinct values, in the order first seen
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, time: str, host: str, where: str, path: str, encodings: list[str], hashed: str | None,
            value: str, flow: dict[str, Any]) -> None:  # fmt: skip
        self.count += 1
        self.first = min(self.first, time) if self.first else time
        self.last = max(self.last, time)
        self.hosts[host] += 1
        self.where[where] += 1
        self.encodings[" → ".join(encodings) or "plain"] += 1
        if hashed:
            self.hashed[hashed] += 1
        self.values[value] += 1
        if len(self.examples) < EXAMPLES and all(x["flow_id"] != flow["flow_id"] for x in self.examples):
            self.examples.append({"flow_id": flow["flow_id"], "time": time, "method": flow["method"],
                                  "url": flow["url"], "where": where, "path": path})  # fmt: skip


@dataclass(slots=True)
class Received:
    """What one company (and the subsidiaries asked for) received in the capture's scope."""

    company: Entity
    covered: list[Entity]  # the company first, then the subsidiaries included
    session: str | None
    device: str | None
    sessions: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    zone: str = "UTC"  # the capture's zone, when every session in scope has the same one
    first: str = ""  # the capture's period (every flow in scope)
    last: str = ""
    flows: int = 0  # requests to the covered companies' hosts
    hosts: Counter[str] = field(default_factory=Counter)
    kinds: dict[str, KindSeen] = field(default_factory=dict)
    not_sent: int = 0  # findings in requests that never reached the company's servers: not listed
    left_out: dict[str, int] = field(default_factory=dict)  # subsidiaries not covered: name -> findings
    by_entity: Counter[str] = field(default_factory=Counter)  # covered entity id -> findings it received

    @property
    def findings(self) -> int:
        return sum(k.count for k in self.kinds.values())

    def ordered(self) -> list[KindSeen]:
        """Kinds by category (most revealing first), then by how often they were sent."""

        def rank(k: KindSeen) -> tuple[int, int, str]:
            cat = CATEGORY_ORDER.index(k.category) if k.category in CATEGORY_ORDER else len(CATEGORY_ORDER)
            return cat, -k.count, k.kind

        return sorted(self.kinds.values(), key=rank)


def gather(
    store: Store,
    emap: EntityMap,
    company: Entity,
    *,
    with_subsidiaries: bool = False,
    session: str | None = None,
    device: str | None = None,
) -> Received:
    """Count what reached `company`'s hosts (and its subsidiaries' when asked) in the scope."""
    below = emap.subsidiaries(company)
    covered = [company, *(below if with_subsidiaries else [])]
    ids = {e.id for e in covered}
    others = {e.id: e for e in below if e.id not in ids}
    owner: dict[str, str | None] = {}

    def owner_of(host: str) -> str | None:
        if host not in owner:
            match = emap.match(host)
            owner[host] = match.entity.id if match else None
        return owner[host]

    out = Received(company, covered, session, device)
    f = queries.Filters(session=session, device=device)
    unsent: set[int] = set()
    sessions: dict[str, None] = {}
    devices: dict[str, None] = {}
    for row in queries.flows(store, f):
        sessions[row["session"]] = None
        devices[row["device"]] = None
        out.first = min(out.first, row["time"]) if out.first else row["time"]
        out.last = max(out.last, row["time"])
        if owner_of(row["host"]) not in ids:
            continue
        if never_sent(row["status"], row["error"]):
            unsent.add(row["flow_id"])
            continue
        out.flows += 1
        out.hosts[row["host"]] += 1
    out.sessions, out.devices = list(sessions), list(devices)
    zones = {z for label, z in store.session_zones().items() if label in sessions}
    out.zone = zones.pop() if len(zones) == 1 else "UTC"
    for finding, flow in queries.findings_with_flows(store, f):
        who = owner_of(flow["host"])
        if who in others:
            name = others[who].name
            out.left_out[name] = out.left_out.get(name, 0) + 1
            continue
        if who not in ids:
            continue
        if flow["flow_id"] in unsent:
            out.not_sent += 1
            continue
        out.by_entity[who] += 1
        row = queries.finding_row(finding, flow)
        seen = out.kinds.get(row["kind"])
        if seen is None:
            seen = out.kinds[row["kind"]] = KindSeen(row["kind"], row["category"])
        seen.add(row["time"], row["host"], row["where"], row["path"], row["encodings"], row["hashed"],
                 row["value"], flow)  # fmt: skip
    return out


# -- what is shown -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """Which values appear in full: whole kinds, and exact values (never a password)."""

    kinds: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()

    @classmethod
    def of(cls, include: Iterable[str]) -> Shown:
        kinds = {Kind(x.strip().lower()).value for x in include if x.strip().lower() in _KINDS}
        values = {x for x in include if x.strip().lower() not in _KINDS}
        return cls(frozenset(kinds), frozenset(values))

    def full(self, kind: str, value: str) -> bool:
        return kind not in NEVER_SHOWN and (kind in self.kinds or value in self.values)

    def value(self, kind: str, value: str) -> str:
        if kind in NEVER_SHOWN:
            return HIDDEN
        return value if self.full(kind, value) else redact_value(kind, value)

    def unmatched(self, received: Received) -> list[str]:
        """The --include entries that name nothing this company received (a typo, most likely)."""
        kinds = {k for k in self.kinds if k not in received.kinds}
        values = {v for v in self.values if not any(v in k.values for k in received.kinds.values())}
        return sorted(kinds) + sorted(values)


_KINDS = frozenset(k.value for k in Kind)


# -- the letter ----------------------------------------------------------------------------------------


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


@dataclass(frozen=True, slots=True)
class _Style:
    """How one format writes: `esc` for every captured (or mapped) string, and its block syntax."""

    esc: Callable[[Any], str]
    markdown: bool
    zone: str = "UTC"  # the capture's zone: every time in the letter is shown in it, named

    def when(self, iso: str) -> str:
        """A stored time to the second in the capture's zone, the zone named: `2026-11-20 09:00:01 CET`."""
        return words.when(iso, self.zone) or "unknown"

    def heading(self, text: str) -> list[str]:
        return [f"## {text}", ""] if self.markdown else [text, "-" * len(text), ""]

    def item(self, text: str, depth: int = 0) -> str:
        return ("  " * depth) + ("- " if self.markdown or depth == 0 else "· ") + text

    def placeholder(self, text: str) -> str:
        return f"\\[{text}\\]" if self.markdown else f"[{text}]"


_MARKDOWN = _Style(md, True)
_TEXT = _Style(lambda s: terminal_safe(s, None), False)

_WHERE = {"query": "in the URL's query", "path": "in the URL's path", "header": "in a header",
          "cookie": "in a cookie", "body": "in the body"}  # fmt: skip

GDPR_ASKS = (
    "whether you process personal data concerning me and, if so, a copy of it (Article 15(1) and 15(3)), "
    "including every record linked to the identifiers listed above, in a commonly used electronic form "
    "(Article 12(3))",
    "the purposes of the processing (Article 15(1)(a))",
    "the categories of personal data concerned (Article 15(1)(b))",
    "the recipients or categories of recipients to whom the data have been or will be disclosed, in "
    "particular recipients in third countries, and the safeguards for those transfers "
    "(Article 15(1)(c) and 15(2))",
    "how long the data will be stored, or the criteria used to decide that (Article 15(1)(d))",
    "the source of any data not collected from me, including which apps, software development kits or "
    "partners sent it (Article 15(1)(g))",
    "whether the data are used for automated decision-making, including profiling, and if so meaningful "
    "information about the logic involved and its significance and consequences for me (Article 15(1)(h))",
)
CCPA_ASKS = (
    "the categories of personal information you have collected about me (Cal. Civ. Code § 1798.110(a)(1))",
    "the categories of sources from which it was collected (§ 1798.110(a)(2))",
    "the business or commercial purpose for collecting, selling or sharing it (§ 1798.110(a)(3))",
    "the categories of third parties to whom you disclose it (§ 1798.110(a)(4))",
    "the specific pieces of personal information you have collected about me, including every record "
    "linked to the identifiers listed above (§ 1798.110(a)(5))",
    "the categories of personal information you have sold or shared, and the categories of third parties "
    "to whom each was sold or shared (§ 1798.115(a)(1) and (2))",
    "the categories of personal information you have disclosed for a business purpose, and the categories "
    "of persons to whom it was disclosed (§ 1798.115(a)(3))",
)


def render(
    received: Received,
    *,
    law: str = "gdpr",
    fmt: str = "markdown",
    shown: Shown = Shown(),
    today: date | None = None,
    version: str = "",
) -> str:
    """The letter, as Markdown or plain text. `received` must hold at least one finding."""
    if law not in LAWS or fmt not in FORMATS:
        raise ValueError(f"law {law!r} / format {fmt!r}")
    s = dataclasses.replace(_MARKDOWN if fmt == "markdown" else _TEXT, zone=received.zone)
    e = s.esc
    company = received.company
    today = today or date.today()
    lines: list[str] = []
    lines += _sender(s) + [""] + _addressee(s, company) + ["", today.isoformat(), ""]
    subject = (
        "Subject access request under Article 15 GDPR"
        if law == "gdpr"
        else "Request to know under the California Consumer Privacy Act (Cal. Civ. Code §§ 1798.110, 1798.115)"
    )
    lines += [f"Subject: {subject}", ""]
    lines += ["Dear Data Protection Officer," if law == "gdpr" else "Dear Privacy Team,", ""]
    scope = _scope(received, s)
    intro = (
        "I am writing to exercise my right of access under Article 15 of the General Data Protection "
        "Regulation (EU) 2016/679."
        if law == "gdpr"
        else "I am a California resident and I am writing to exercise my right to know under the California "
        "Consumer Privacy Act, as amended by the California Privacy Rights Act."
    )
    lines += [
        intro,
        "",
        f"Between {e(s.when(received.first))} and {e(s.when(received.last))} I recorded the network traffic of "
        f"{scope}. The recording shows that {_covered(received, s)} received the following identifiers "
        f"and data from it, in {received.flows:,} requests to {_and([e(h) for h in sorted(received.hosts)])}:",
        "",
    ]
    for k in received.ordered():
        lines += _kind_lines(k, s, shown)
    lines.append("")
    asks = GDPR_ASKS if law == "gdpr" else CCPA_ASKS
    lines += ["For these identifiers and any other personal data you hold about me, please send me:", ""]
    lines += [f"{i}. {text};" if i < len(asks) else f"{i}. {text}." for i, text in enumerate(asks, 1)]
    lines.append("")
    if law == "gdpr":
        lines += [
            "Please reply without undue delay and at the latest within one month of receiving this request "
            "(Article 12(3)); the copy is free of charge (Article 15(3)). If you need more information to "
            "identify me, tell me what you need (Article 12(6)); the identifiers above are the ones your "
            "servers received from my device.",
        ]
    else:
        lines += [
            "The disclosure should cover the 12 months before you receive this request, and any earlier period "
            "back to 1 January 2022 (Cal. Civ. Code § 1798.130(a)(2)(B)). Please reply within 45 days of "
            "receiving it (§ 1798.130(a)(2)(A)), free of charge. If you need to verify my request, tell me "
            "what you need; the identifiers above are the ones your servers received from my device.",
        ]
    lines += [
        "",
        f"Proof of identity: {s.placeholder('say how you show these identifiers are yours, e.g. a screenshot of the device settings showing the advertising ID; send no more than is needed')}",
        "",
        "Yours faithfully," if law == "gdpr" else "Sincerely,",
        "",
        s.placeholder("Your name"),
        "",
    ]
    lines += _evidence(received, s, shown, version)
    return "\n".join(lines).rstrip() + "\n"


def _sender(s: _Style) -> list[str]:
    end = "  " if s.markdown else ""  # a Markdown line break keeps the address block together
    return [s.placeholder("Your name") + end, s.placeholder("Your postal address") + end,
            s.placeholder("Your email address")]  # fmt: skip


def _addressee(s: _Style, company: Entity) -> list[str]:
    e = s.esc
    end = "  " if s.markdown else ""
    out = [f"To: {e(company.legal_name)}, data protection / privacy team{end}"]
    if company.privacy_address:
        out += [e(line.strip()) + end for line in company.privacy_address.split("\n") if line.strip()]
    else:
        out.append(s.placeholder("the company's postal address: phonehome does not know it") + end)
    if company.privacy_email:
        out.append(f"Email: {e(company.privacy_email)}{end}")
    if company.privacy_url:
        out.append(f"Web: {e(company.privacy_url)}{end}")
    if company.privacy_source:
        out.append(f"(Contact details from {e(company.privacy_source)}; check them before sending.)")
    else:
        out.append(
            f"(phonehome has no privacy contact for {e(company.name)}: look it up in the company's privacy "
            f"policy, starting from {e(company.source or 'its website')}, and write it above.)"
        )
    out[-1] = out[-1].removesuffix(end)
    return out


def _scope(received: Received, s: _Style) -> str:
    e = s.esc
    devices = [e(d) for d in received.devices]
    sessions = [e(x) for x in received.sessions]
    what = "my device" if len(devices) == 1 else "my devices"
    where = (
        f"phonehome {'session' if len(sessions) == 1 else 'sessions'} {_and(sessions)}" if sessions else ""
    )
    named = "; ".join(x for x in (_and(devices), where) if x)
    return f"{what} ({named})" if named else what


def _covered(received: Received, s: _Style) -> str:
    e = s.esc
    head = e(received.company.legal_name)
    subs = [e(x.legal_name) for x in received.covered[1:] if received.by_entity[x.id]]
    if not subs:
        return f"servers of {head}"
    what = "subsidiary" if len(subs) == 1 else "subsidiaries"
    if not received.by_entity[received.company.id]:
        return f"servers of {head}'s {what} {_and(subs)}"
    return f"servers of {head} and of its {what} {_and(subs)}"


def _kind_lines(k: KindSeen, s: _Style, shown: Shown) -> list[str]:
    e = s.esc
    label = e(words.kind_label(k.kind))
    span = (
        f"on {e(s.when(k.first))}"
        if k.first == k.last
        else f"from {e(s.when(k.first))} to {e(s.when(k.last))}"
    )
    out = [s.item(f"{label}: sent {_times(k.count)}, {span}")]
    values = list(k.values)
    listed = [e(shown.value(k.kind, v)) for v in values[:VALUES_SHOWN]]
    more = f" and {len(values) - VALUES_SHOWN:,} more" if len(values) > VALUES_SHOWN else ""
    masked = any(shown.value(k.kind, v) != v for v in values[:VALUES_SHOWN])
    note = " (masked here; I can give the full values to verify)" if masked else ""
    out.append(s.item(f"{'value' if len(values) == 1 else 'values'}: {'; '.join(listed)}{more}{note}", 1))
    if k.hashed:
        out.append(s.item(f"sent as a digest: {_and([e(h) for h in sorted(k.hashed)])}", 1))
    out.append(s.item(f"to: {_and([e(h) for h, _ in k.hosts.most_common()])}", 1))
    ways = [f"{_WHERE.get(w, e(w))} ({n:,})" for w, n in k.where.most_common()]
    wraps = [f"{'none' if x == 'plain' else e(x)} ({n:,})" for x, n in k.encodings.most_common()]
    out.append(s.item(f"how: {', '.join(ways)}; encoding: {', '.join(wraps)}", 1))
    return out


def _evidence(received: Received, s: _Style, shown: Shown, version: str) -> list[str]:
    """The appendix: how the capture was made and example requests, masked as the values above are."""
    e = s.esc
    pairs = [(k.kind, v) for k in received.kinds.values() for v in k.values if not shown.full(k.kind, v)]
    r = Redactor(pairs)
    out = ["", "---" if s.markdown else "-" * 40, ""]
    out += s.heading("Evidence summary")
    tool = f"phonehome {e(version)}".strip() if version else "phonehome"
    out += [
        f"Recorded with {tool}, which reads a device's traffic through a proxy on the owner's own computer "
        f"and decodes each request. Capture period: {e(s.when(received.first))} to {e(s.when(received.last))}. "
        f"Requests to {e(received.company.name)}: {received.flows:,}; findings: {received.findings:,}.",
        "",
    ]
    if received.not_sent:
        out += [f"{received.not_sent:,} more findings were in requests that never reached the servers; "
                "they are not listed.", ""]  # fmt: skip
    out.append("Example requests (identifiers masked unless named in the letter):")
    out.append("")
    for k in received.ordered():
        label = e(words.kind_label(k.kind))
        for x in k.examples:
            request = f"{x['method']} {r.url(x['url'])}"
            request = request if len(request) <= REQUEST_SHOWN else request[: REQUEST_SHOWN - 1] + "…"
            where = f"{x['where']} {r.text(x['path'])}".strip()
            out.append(s.item(f"{label}, {e(s.when(x['time']))}: {e(request)} ({e(where)})"))
    if received.left_out:
        out += ["", "Not covered by this letter: data also went to subsidiaries of "
                f"{e(received.company.name)} ({_and([e(n) for n in sorted(received.left_out)])})."]  # fmt: skip
    return out
