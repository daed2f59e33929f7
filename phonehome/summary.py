"""The summary a person reads after a capture, a replay or the demo."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from db.queries import Filters, Summary, findings
from db.store import Store
from phonehome.output import cell, terminal_safe

KIND_LABELS = {
    "imei": "IMEI (phone hardware ID)", "meid": "MEID (phone hardware ID)", "imsi": "IMSI (SIM subscriber ID)",
    "iccid": "ICCID (SIM card number)", "serial_number": "serial number", "android_id": "Android ID",
    "advertising_id": "advertising ID", "mac_address": "Wi-Fi MAC address", "device_id": "app/vendor device ID",
    "email": "email address", "phone_number": "phone number", "coordinates": "GPS position",
    "cell_tower": "mobile cell tower", "wifi_network": "Wi-Fi network", "visited_url": "web pages visited",
    "search_query": "search terms", "installed_apps": "list of installed apps", "app_activity": "apps/screens used",
    "device_model": "phone model", "os_version": "OS version", "carrier": "mobile carrier",
}  # fmt: skip


def render_summary(console: Console, s: Summary) -> None:
    sessions = ", ".join(terminal_safe(x, 60) for x in s.sessions) or "-"
    console.print(f"[bold]Session:[/bold] {_esc(sessions)}")
    console.print(
        f"[bold]{s.flows}[/bold] requests to [bold]{s.hosts}[/bold] hosts; "
        f"[bold]{s.flows_with_findings}[/bold] carried personal data ([bold]{s.findings}[/bold] findings)."
    )
    if s.by_kind:
        table = Table(title="What was sent", header_style="bold", title_justify="left")
        table.add_column("category")
        table.add_column("what")
        table.add_column("times", justify="right")
        table.add_column("distinct values", justify="right")
        for category, kind, n, distinct in s.by_kind:
            table.add_row(cell(category), cell(KIND_LABELS.get(kind, kind)), str(n), str(distinct))
        console.print(table)
    if s.by_host:
        table = Table(title="Who received it", header_style="bold", title_justify="left")
        table.add_column("host")
        table.add_column("requests", justify="right")
        table.add_column("findings", justify="right")
        table.add_column("what", overflow="fold")
        for host, n_flows, n, kinds in s.by_host[:15]:
            table.add_row(cell(host, 60), str(n_flows), str(n), cell(", ".join(kinds), None))
        if len(s.by_host) > 15:
            table.add_row(f"… {len(s.by_host) - 15} more hosts", "", "", "")
        console.print(table)
    if s.cleartext_hosts:
        console.print(
            "[bold red]Sent unencrypted (plain HTTP, readable by anyone on the network):[/bold red]"
        )
        for host, kinds in s.cleartext_hosts:
            console.print(f"  {_esc(terminal_safe(host, 80))}: {_esc(', '.join(kinds))}")
    if s.tls_failures:
        console.print("[bold yellow]Refused our certificate (CA not trusted, or the app pins its server):[/bold yellow]")
        for host, n in s.tls_failures[:15]:
            console.print(f"  {_esc(terminal_safe(host, 80))} ({n}×)")
    if s.notes:
        console.print(f"{s.notes} flows have decoding notes (limits hit or undecodable parts): see `phonehome flows`.")


def render_evidence(console: Console, store: Store, session: str | None, limit: int = 6) -> None:
    """A few findings with the full trail: request, where, path inside, layers peeled."""
    shown: set[str] = set()
    rows = []
    for row in findings(store, Filters(session=session)):
        deep = len(row["encodings"]) >= 2
        if row["kind"] in shown or not (deep or row["kind"] in ("imei", "coordinates", "email")):
            continue
        shown.add(row["kind"])
        rows.append(row)
        if len(rows) >= limit:
            break
    if not rows:
        return
    console.print("[bold]Evidence[/bold] (how phonehome found it):")
    for row in rows:
        chain = " → ".join(row["encodings"]) or "plain"
        console.print(
            f"  • {_esc(KIND_LABELS.get(row['kind'], row['kind']))} "
            f"[bold]{_esc(terminal_safe(row['value'], 70))}[/bold]\n"
            f"    {_esc(row['method'])} {_esc(terminal_safe(row['url'], 90))}\n"
            f"    in {row['where']} at {_esc(terminal_safe(row['path'] or '-', 60))}, decoded {_esc(chain)}"
        )


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
