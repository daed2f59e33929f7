"""The summary a person reads after a capture, a replay or the demo."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from phonehome.classifiers.destinations.domains import registrable_domain
from phonehome.classifiers.destinations.entities import entity_map
from phonehome.db.queries import Filters, Summary, findings
from phonehome.db.store import Store
from phonehome.output import cell, terminal_safe
from phonehome.words import (
    BLIND_SPOT_LABELS,
    KIND_LABELS,
    blind_spot_label,
    category_label,
    country_label,
    kind_label,
    noun,
    plural,
)

# Kept here for the modules that imported them from the summary; phonehome.words owns them now.
__all__ = [
    "BLIND_SPOT_LABELS",
    "CATEGORY_ORDER",
    "EVIDENCE_ORDER",
    "KIND_LABELS",
    "render_evidence",
    "render_summary",
]

# Most revealing first: who you are, how to reach you, where you are, what you read, what you use.
CATEGORY_ORDER = ("credentials", "identifier", "contact", "location", "browsing", "app_usage", "device")
EVIDENCE_ORDER = (
    "visited_url", "search_query", "imei", "coordinates", "email", "phone_number", "installed_apps",
    "advertising_id", "android_id", "mac_address", "wifi_network", "app_activity",
)  # fmt: skip


def _company(host: str, domain: str | None = None) -> str:
    """The company behind a host (entity map), else its registrable domain: `domain` as stored with
    the host's destination when given (the same function made it), else worked out here."""
    match = entity_map().match(host)
    if match:
        return match.entity.name
    return domain or registrable_domain(host)


def _domains(hosts: list[str], domains: dict[str, str], limit: int = 4) -> str:
    """Receivers by company (or registrable domain), most findings first: `Xiaomi, Google, adjust (+2)`."""
    seen: list[str] = []
    for host in hosts:
        domain = _company(host, domains.get(host))
        if domain not in seen:
            seen.append(domain)
    shown = ", ".join(seen[:limit])
    return shown + (f" (+{len(seen) - limit})" if len(seen) > limit else "")


def render_summary(console: Console, s: Summary) -> None:
    sessions = ", ".join(terminal_safe(x, 60) for x in s.sessions) or "-"
    console.print(f"[bold]Session:[/bold] {_esc(sessions)}")
    console.print(
        f"[bold]{plural(s.flows, 'request')}[/bold] to [bold]{plural(s.hosts, 'host')}[/bold]; "
        f"[bold]{s.flows_with_findings:,}[/bold] carried personal data ([bold]{plural(s.findings, 'finding')}[/bold])."
    )
    if s.by_kind:
        table = Table(title="What was sent, and to whom", header_style="bold", title_justify="left")
        table.add_column("category")
        table.add_column("what")
        table.add_column("times", justify="right")
        table.add_column("values", justify="right")
        table.add_column("sent to", overflow="fold")
        rows = sorted(
            s.by_kind, key=lambda r: (CATEGORY_ORDER.index(r[0]) if r[0] in CATEGORY_ORDER else 99, -r[2])
        )
        for category, kind, n, distinct in rows:
            table.add_row(
                cell(category_label(category)), cell(kind_label(kind)), str(n), str(distinct),
                cell(_domains(s.kind_hosts.get(kind, []), s.host_domains), None),
            )  # fmt: skip
        console.print(table)
    if s.by_host:
        table = Table(title="Who received it", header_style="bold", title_justify="left")
        # The host cut short with an ellipsis (the full name is in `phonehome destinations`), the rest wrapped.
        table.add_column("host", overflow="ellipsis", no_wrap=True, max_width=max(12, console.width // 4))
        table.add_column("company (HQ)", overflow="fold")
        table.add_column("server in", overflow="fold")
        table.add_column("requests", justify="right")
        table.add_column("findings", justify="right")
        table.add_column("what", overflow="fold", min_width=min(30, console.width // 4))
        for host, n_flows, n, kinds in s.by_host[:15]:
            match = entity_map().match(host)
            company = f"{match.entity.name} ({country_label(match.entity.country)})" if match else "?"
            countries = ", ".join(country_label(c) for c in s.host_countries.get(host, [])[:2])
            table.add_row(
                cell(host, 60), cell(company, 40), cell(countries, 40),
                str(n_flows), str(n), cell(", ".join(kind_label(k) for k in kinds), None),
            )  # fmt: skip
        if len(s.by_host) > 15:
            table.add_row(f"… {plural(len(s.by_host) - 15, 'more host')}", "", "", "", "", "")
        console.print(table)
    if s.cleartext_hosts:
        console.print(
            "[bold red]Sent unencrypted (plain HTTP, readable by anyone on the network):[/bold red]"
        )
        for host, kinds in s.cleartext_hosts:
            console.print(
                f"  {_esc(terminal_safe(host, 80))}: {_esc(', '.join(kind_label(k) for k in kinds))}"
            )
    if s.tls_failures:
        console.print(
            "[bold yellow]Refused our certificate (CA not trusted, or the app pins its server):[/bold yellow]"
        )
        for host, n in s.tls_failures[:15]:
            console.print(f"  {_esc(terminal_safe(host, 80))} ({n}×)")
        if len(s.tls_failures) > 15:
            console.print(f"  +{plural(len(s.tls_failures) - 15, 'more host')}")
    if s.blind_spots:
        console.print("[bold yellow]Not read (blind spots):[/bold yellow]")
        for kind, host, n in s.blind_spots[:15]:
            console.print(f"  {_esc(terminal_safe(host, 80))}: {blind_spot_label(kind)} ({n}×)")
        if len(s.blind_spots) > 15:
            console.print(f"  +{len(s.blind_spots) - 15} more")
    if s.not_sent:
        console.print(
            f"{plural(s.not_sent, 'request')} never reached their server (refused, "
            "unresolved, or the server's TLS failed): stored, and counted nowhere above."
        )
    if s.notes:
        console.print(
            f"{plural(s.notes, 'flow')} {noun(s.notes, 'has')} decoding notes (limits hit or undecodable parts): "
            "see `phonehome flows`."
        )


def render_evidence(console: Console, store: Store, session: str | None, limit: int = 6) -> None:
    """A few findings with the full trail: request, where, path inside, layers peeled."""
    best: dict[str, dict[str, Any]] = {}
    for row in findings(store, Filters(session=session)):
        kind = row["kind"]
        if kind not in EVIDENCE_ORDER:
            continue
        # Per kind, the most deeply wrapped plain value shows best what decoding uncovered; a digest
        # only when nothing else was found.
        rank = (row["hashed"] is None, len(row["encodings"]))
        if kind not in best or rank > (best[kind]["hashed"] is None, len(best[kind]["encodings"])):
            best[kind] = row
    rows = [best[k] for k in EVIDENCE_ORDER if k in best][:limit]
    if not rows:
        return
    console.print("[bold]Evidence[/bold] (how phonehome found it):")
    for row in rows:
        chain = " → ".join(row["encodings"]) or "plain"
        console.print(
            f"  • {_esc(kind_label(row['kind']))} "
            f"[bold]{_esc(terminal_safe(row['value'], 70))}[/bold]"
            f"{' (sent as its ' + row['hashed'].upper() + ' digest)' if row['hashed'] else ''}\n"
            f"    {_esc(row['method'])} {_esc(terminal_safe(row['url'], 90))}\n"
            f"    in {row['where']} at {_esc(terminal_safe(row['path'] or '-', 60))}, decoded {_esc(chain)}"
        )


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
