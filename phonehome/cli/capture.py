"""`phonehome capture`: the proxy, embedded; the CLI's one reach into the mitmproxy addon.

mitmproxy and the addon are imported inside the command, so no other command loads them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from phonehome.cli.common import (
    capture_workers_option,
    console,
    db_option,
    destinations_of,
    esc,
    fail,
    geo_options,
    known_option,
    known_values,
    migrating,
    open_store,
    shown_db,
    without_password,
)
from phonehome.db import queries
from phonehome.db.store import Store, StoreError
from phonehome.summary import render_summary

WIREGUARD_PORT = 51820  # WireGuard's usual UDP port


@click.command()
@click.option("--listen-host", default="0.0.0.0", show_default=True, help="Address the proxy listens on.")
@click.option(
    "--listen-port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port. In WireGuard mode the default is 51820 (UDP).",
)
@click.option(
    "--mode", type=click.Choice(["regular", "wireguard"]), default="regular", show_default=True,
    help="regular: the phone's Wi-Fi proxy points here. wireguard: the phone's WireGuard app connects here "
    "(for apps that ignore the proxy setting); the client configuration is printed as text and a QR code.",
)  # fmt: skip
@click.option(
    "--device", "devices", multiple=True, metavar="NAME=ADDRESS",
    help="Name the client with this IP address, e.g. --device pixel=192.168.1.40 (repeatable). "
    "Unnamed clients keep their address.",
)  # fmt: skip
@click.option(
    "--quiet", is_flag=True,
    help="No live view: only errors and the final summary. (When output is not a terminal, one line per "
    "finding is printed instead of the live view.)",
)  # fmt: skip
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
@capture_workers_option
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
    mode: str,
    devices: tuple[str, ...],
    quiet: bool,
    workers: int | None,
) -> None:
    """Capture a device's traffic through a proxy on this computer.

    Example: phonehome capture --label "redmi, ads on" --db redmi.db

    Set the phone's Wi-Fi proxy to this computer's address and port, open http://mitm.it on the
    phone to install the certificate, use the phone, then press Ctrl-C here.
    """
    import re

    from phonehome.devices import DeviceNameError, parse_devices

    for pattern in ignore_hosts:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail(f"--ignore-hosts {pattern!r} is not a valid regular expression: {exc}")
    if proxyauth and (":" not in proxyauth or not proxyauth.partition(":")[0]):
        fail("--proxyauth: expected USER:PASS, e.g. --proxyauth phone:long-random-password")
    try:
        parse_devices(devices)
    except DeviceNameError as exc:
        fail(str(exc))
    extra: dict[str, str] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            fail(f"--set {setting!r}: expected OPTION=VALUE, e.g. --set block_global=false")
        extra[name.strip()] = value
    if "mode" in extra:
        fail("--set mode=...: use --mode regular|wireguard")
    wireguard = mode == "wireguard"
    if (
        wireguard
        and click.get_current_context().get_parameter_source("listen_port") is ParameterSource.DEFAULT
    ):
        listen_port = WIREGUARD_PORT
    check_confdir(confdir)
    known_values(known_file)  # a bad file fails now, not once the phone is pointed at us
    destinations_of(geoip_db, asn_db)
    try:
        Store(db, on_migrate=migrating(db)).dispose()  # fail now, before the phone is pointed at us
    except StoreError as exc:
        fail(without_password(str(exc), db))

    from mitmproxy.exceptions import OptionsError

    from phonehome.addons.embed import CaptureConfig, Started, run_capture
    from phonehome.addons.startup import CaptureStartError
    from phonehome.netinfo import lan_addresses, open_to_network
    from phonehome.onboarding import MITM_IT, SETUP_HINT, STOP_HINT, render_onboarding

    out = console()
    started: dict[str, Any] = {}
    plain = not out.is_terminal

    def ready(info: Started) -> None:
        started["session"] = info.session
        for host, bound in info.addrs:
            out.print(f"Listening on {host}:{bound}")
        if wireguard:
            out.print("WireGuard mode: the phone's WireGuard app connects to that port over UDP.")
        out.print(f"Recording to [bold]{esc(shown_db(db))}[/bold], session [bold]{esc(info.session)}[/bold]")
        if info.wireguard:
            _show_wireguard(out, info.wireguard, plain)
            out.print(f"Then open [bold]{MITM_IT}[/bold] on the phone for the certificate ({SETUP_HINT})")
            out.print(STOP_HINT)
        else:
            render_onboarding(out, listen_host, info.addrs, password=bool(proxyauth or "proxyauth" in extra))
        sys.stdout.flush()
        if not quiet and info.tally is not None:
            from phonehome.live import Watcher

            tally = info.tally
            started["watcher"] = Watcher(
                out, tally.snapshot, tally.drain, session=info.session, plain=plain
            ).start()

    endpoint = listen_host if not open_to_network(listen_host) else next(iter(lan_addresses()), "")
    config = CaptureConfig(
        db=db, listen_host=listen_host, listen_port=listen_port, confdir=confdir, label=label,
        known=str(Path(known_file).resolve()) if known_file else "", ignore_hosts=ignore_hosts, extra=extra,
        proxyauth=proxyauth,
        geoip_db=str(Path(geoip_db).resolve()) if geoip_db else "",
        asn_db=str(Path(asn_db).resolve()) if asn_db else "",
        mode=mode, devices=devices, endpoint=endpoint,
        workers=-1 if workers is None else workers,  # the addon's default: db/writerprocess.py
        live=not quiet,  # no view: the writer keeps no counts for one
    )  # fmt: skip
    try:
        try:
            stats = run_capture(config, ready)
        finally:
            if (watcher := started.get("watcher")) is not None:
                watcher.stop()
    except StoreError as exc:
        fail(without_password(str(exc), db))
    except CaptureStartError as exc:
        fail(str(exc))
    except OptionsError as exc:
        fail(f"--set: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
    except OSError as exc:
        fail(f"cannot listen on {listen_host}:{listen_port}: {exc.strerror or exc}")
    if stats is not None:
        out.print(
            f"Stopped. Saved {stats.stored} flows ({stats.findings} findings, {stats.tls_failures} TLS refusals"
            + (f", {stats.blind_spots} other blind spots" if stats.blind_spots else "")
            + ")."
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
            if summary.flows or summary.tls_failures or summary.blind_spots:
                out.print()
                render_summary(out, summary)
                if not wireguard:
                    out.print(QUIC_NOTE)
                out.print(
                    f"Full report: phonehome report --db {esc(shown_db(db))} --format html -o report.html"
                )


QUIC_NOTE = (
    "Not visible to a proxy: QUIC (HTTP/3 over UDP), which some apps use instead of HTTPS; it bypasses "
    "the Wi-Fi proxy. --mode wireguard sees it (as a blind spot), or block UDP port 443 so apps fall back."
)


def _show_wireguard(out: Any, conf: str, plain: bool) -> None:
    from phonehome.onboarding import qr_text

    out.print(
        "In the phone's WireGuard app: + → scan from QR code (or create from this text), then switch it on:"
    )
    out.print(conf, markup=False, highlight=False)
    if not plain:
        out.print(qr_text(conf), markup=False, highlight=False)
    out.print(
        "The configuration holds the tunnel's private key: do not share it. Turn the Wi-Fi proxy off while "
        "the tunnel is on; UDP port " + conf.rsplit(":", 1)[-1] + " must be reachable on this computer."
    )


def check_confdir(confdir: str) -> None:
    """mitmproxy keeps its certificate authority in `confdir`: it must be a folder we can write."""
    path = Path(confdir).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--confdir {confdir}: cannot create it ({exc.strerror or exc}); it holds mitmproxy's certificate "
             "authority and must be a folder you can write")  # fmt: skip
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        fail(f"--confdir {confdir}: not a folder you can write; it holds mitmproxy's certificate authority")
