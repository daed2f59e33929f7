"""`phonehome capture`: the proxy, embedded; the CLI's one reach into the mitmproxy addon.

mitmproxy and the addon are imported inside the command, so no other command loads them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phonehome.cli.common import (
    console,
    db_option,
    destinations_of,
    esc,
    fail,
    geo_options,
    known_option,
    known_values,
    open_store,
    shown_db,
    without_password,
)
from phonehome.db import queries
from phonehome.db.store import Store, StoreError
from phonehome.summary import render_summary


@click.command()
@click.option("--listen-host", default="0.0.0.0", show_default=True, help="Address the proxy listens on.")
@click.option(
    "--listen-port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@db_option
@click.option("--label", default="", help="Session label (default: capture-DATE-TIME).")
@click.option(
    "--confdir",
    default="~/.mitmproxy",
    show_default=True,
    help="mitmproxy's folder: CA certificate and keys.",
)
@click.option(
    "--ignore-hosts", "ignore_hosts", multiple=True, metavar="REGEX",
    help=r"Leave matching hosts untouched and unrecorded, e.g. '(^|\.)mybank\.com$' (searched in the host name; repeatable).",
)  # fmt: skip
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="OPTION=VALUE",
    help="Any mitmproxy option, as with mitmdump --set (repeatable).",
)
@click.option(
    "--proxyauth", default="", metavar="USER:PASS",
    help="Require this user name and password from clients (set it on the phone too).",
)  # fmt: skip
@known_option
@geo_options
def capture(
    listen_host: str,
    listen_port: int,
    db: str,
    label: str,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    confdir: str,
    ignore_hosts: tuple[str, ...],
    settings: tuple[str, ...],
    proxyauth: str,
) -> None:
    """Capture a device's traffic through a proxy on this computer.

    Example: phonehome capture --label "redmi, ads on" --db redmi.db

    Set the phone's Wi-Fi proxy to this computer's address and port, open http://mitm.it on the
    phone to install the certificate, use the phone, then press Ctrl-C here.
    """
    import re

    for pattern in ignore_hosts:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail(f"--ignore-hosts {pattern!r} is not a valid regular expression: {exc}")
    if proxyauth and (":" not in proxyauth or not proxyauth.partition(":")[0]):
        fail("--proxyauth: expected USER:PASS, e.g. --proxyauth phone:long-random-password")
    known_values(known_file)  # a bad file fails now, not once the phone is pointed at us
    destinations_of(geoip_db, asn_db)
    try:
        Store(db).dispose()  # fail now, before the phone is pointed at us
    except StoreError as exc:
        fail(without_password(str(exc), db))

    from mitmproxy.exceptions import OptionsError

    from phonehome.addons.embed import CaptureConfig, run_capture
    from phonehome.netinfo import open_to_network, phone_addresses

    out = console()
    started: dict[str, str] = {}

    def ready(addrs: list[tuple[str, int]], session: str) -> None:
        started["session"] = session
        port = addrs[0][1] if addrs else listen_port
        for host, bound in addrs:
            out.print(f"Listening on {host}:{bound}")
        out.print(f"Recording to [bold]{esc(shown_db(db))}[/bold], session [bold]{esc(session)}[/bold]")
        out.print("On the phone: Wi-Fi settings → this network → Proxy: Manual, then")
        for addr in phone_addresses(listen_host):
            out.print(f"    host [bold]{addr}[/bold]   port [bold]{port}[/bold]")
        out.print(
            "Open [bold]http://mitm.it[/bold] on the phone to install and trust the certificate (docs/capture.md)."
        )
        if open_to_network(listen_host) and not (proxyauth or "proxyauth" in extra):
            out.print(
                "[bold yellow]Warning:[/bold yellow] the proxy listens on every network interface without a "
                "password: anyone on this network can send traffic through it, into this database. "
                "Use --proxyauth USER:PASS, or --listen-host with this computer's LAN address."
            )
        out.print("Press Ctrl-C to stop; every captured flow is saved first.")
        sys.stdout.flush()

    extra: dict[str, str] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            fail(f"--set {setting!r}: expected OPTION=VALUE, e.g. --set block_global=false")
        extra[name.strip()] = value
    config = CaptureConfig(
        db=db, listen_host=listen_host, listen_port=listen_port, confdir=confdir, label=label,
        known=str(Path(known_file).resolve()) if known_file else "", ignore_hosts=ignore_hosts, extra=extra,
        proxyauth=proxyauth,
        geoip_db=str(Path(geoip_db).resolve()) if geoip_db else "",
        asn_db=str(Path(asn_db).resolve()) if asn_db else "",
    )  # fmt: skip
    try:
        stats = run_capture(config, ready)
    except StoreError as exc:
        fail(without_password(str(exc), db))
    except OptionsError as exc:
        fail(f"--set: {exc}")
    except OSError as exc:
        fail(f"cannot listen on {listen_host}:{listen_port}: {exc.strerror or exc}")
    if stats is not None:
        out.print(
            f"Stopped. Saved {stats.stored} flows ({stats.findings} findings, {stats.tls_failures} TLS refusals)."
        )
        if stats.noted:
            out.print(
                f"{stats.noted} of them with a problem noted on the flow (part of the analysis failed, or values "
                "were changed to fit the database, originals kept): see their notes in "
                "`phonehome flows --format jsonl`."
            )
        for problem in stats.problems:
            out.print(f"Problem: {esc(problem)}", highlight=False)
    if started.get("session"):
        with open_store(db, create=False) as store:
            summary = queries.summary(store, started["session"])
            if summary.flows or summary.tls_failures:
                out.print()
                render_summary(out, summary)
                out.print(
                    f"Full report: phonehome report --db {esc(shown_db(db))} --format html -o report.html"
                )
