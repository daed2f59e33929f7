"""Running mitmproxy inside `phonehome capture`: a quiet DumpMaster with the Capture addon.

Regular mode is an HTTP(S) proxy the phone's Wi-Fi settings point at; WireGuard mode is mitmproxy's
WireGuard server (a VPN the phone's WireGuard app connects to), for apps that ignore the proxy
setting.  Start-up errors become `CaptureStartError` (addons/startup.py), never mitmproxy's text.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import mitmproxy_rs
from mitmproxy.options import Options
from mitmproxy.tools.dump import DumpMaster
from phonehome.addons.capture import Capture
from phonehome.addons.startup import StartupCheck
from phonehome.db.store import WriterStats
from phonehome.db.tally import Tally
from phonehome.db.writerprocess import RemoteTally


@dataclass(frozen=True, slots=True)
class CaptureConfig:
    db: str = "phonehome.db"
    listen_host: str = "0.0.0.0"
    listen_port: int = 8080
    confdir: str = "~/.mitmproxy"
    label: str = ""
    known: str = ""  # path of a known-values TOML file
    geoip_db: str = ""  # the user's own MaxMind City/Country file
    asn_db: str = ""  # the user's own MaxMind ASN file
    ignore_hosts: Sequence[str] = field(default_factory=tuple)
    proxyauth: str = ""  # USER:PASS that clients must give (mitmproxy's proxyauth option)
    # Extra mitmproxy options for tests and special setups (e.g. ssl_verify_upstream_trusted_ca).
    extra: dict[str, str] = field(default_factory=dict)
    mode: str = "regular"  # or "wireguard"
    devices: Sequence[str] = field(default_factory=tuple)  # NAME=ADDRESS
    # The address a WireGuard client should connect to (default: this machine's LAN address).
    endpoint: str = ""
    workers: int = 0  # classifier processes (0: on the writer thread)
    live: bool = True  # running counts for a live view (`Started.tally`); False with --quiet


@dataclass(frozen=True, slots=True)
class Started:
    """What the caller learns once the proxy listens."""

    addrs: list[tuple[str, int]]  # where it really listens (port 0 picks a free port)
    session: str
    tally: Tally | RemoteTally | None  # the writer's running counts, for a live view (None without one)
    wireguard: str | None = None  # the WireGuard client configuration, in WireGuard mode


def host_pattern(pattern: str) -> str:
    """Let `$` end the host name: mitmproxy searches ignore patterns in `host:port`."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"(?::\d+)?$"
    return pattern


Ready = Callable[[Started], None]


class _Announce:
    """Tells the caller where the proxy really listens, once it does (port 0 picks a free port)."""

    def __init__(self, master: DumpMaster, capture: Capture, on_ready: Ready, config: CaptureConfig) -> None:
        self.master = master
        self.capture = capture
        self.on_ready = on_ready
        self.config = config

    def running(self) -> None:
        server = self.master.addons.get("proxyserver")
        addrs = [(str(a[0]), int(a[1])) for a in server.listen_addrs()]
        # Start-up is over: from now on errors are shown as they happen (they were collected before).
        self.master.options.update(termlog_verbosity="error")
        conf = None
        if self.config.mode == "wireguard":
            instance = next(iter(server.servers), None)
            port = addrs[0][1] if addrs else self.config.listen_port
            if instance is not None and hasattr(instance, "client_key"):
                conf = wireguard_client_conf(
                    instance.client_key,
                    instance.server_key,
                    self.config.endpoint or "<this computer's address>",
                    port,
                )
        writer = self.capture.writer
        self.on_ready(
            Started(
                addrs,
                getattr(self.capture, "label", ""),
                writer.tally if writer and self.config.live else None,
                conf,
            )
        )


def wireguard_client_conf(client_key: str, server_key: str, endpoint: str, port: int) -> str:
    """The configuration the phone's WireGuard app imports: the client's key, the server's public key,
    every IPv4 route through the tunnel, mitmproxy's DNS, and this computer's address as endpoint.

    Written here rather than taken from mitmproxy, which names the listen address (0.0.0.0) as the
    endpoint when it listens on every interface."""
    return "\n".join((
        "[Interface]",
        f"PrivateKey = {client_key}",
        "Address = 10.0.0.1/32",
        "DNS = 10.0.0.53",
        "",
        "[Peer]",
        f"PublicKey = {mitmproxy_rs.wireguard.pubkey(server_key)}",
        "AllowedIPs = 0.0.0.0/0",
        f"Endpoint = {endpoint}:{port}",
    ))  # fmt: skip


async def _run(config: CaptureConfig, on_ready: Ready, masters: list[DumpMaster]) -> WriterStats | None:
    options = Options()
    master = DumpMaster(options, with_termlog=True, with_dumper=False)
    masters.append(master)
    # Start-up errors in phonehome's words (one line, exit 2), not mitmdump's check and its hints.
    master.addons.remove(master.addons.get("errorcheck"))
    master.addons.add(StartupCheck(config.listen_host, config.listen_port, config.mode == "wireguard"))
    capture = Capture()
    master.addons.add(capture)
    # Set after the addons are added, as mitmdump does, so every addon's configure() sees them.
    options.update(
        mode=[config.mode],
        listen_host=config.listen_host,
        listen_port=config.listen_port,
        confdir=config.confdir,
        ignore_hosts=[host_pattern(p) for p in config.ignore_hosts],
        phonehome_db=config.db,
        phonehome_label=config.label,
        phonehome_known=config.known,
        phonehome_geoip_db=config.geoip_db,
        phonehome_asn_db=config.asn_db,
        phonehome_devices=list(config.devices),
        phonehome_workers=config.workers,
        phonehome_live=config.live,
        # Quiet while starting: StartupCheck turns the first error into one line of ours.
        termlog_verbosity="critical",
    )
    if config.proxyauth:
        options.update(proxyauth=config.proxyauth)
    if config.extra:
        # Strings as on mitmdump's command line: mitmproxy parses them into each option's type.
        options.set(*(f"{name}={value}" for name, value in config.extra.items()))
    # The capture addon must be running (session open) before we announce: add the announcer last.
    master.addons.add(_Announce(master, capture, on_ready, config))
    if threading.current_thread() is threading.main_thread():
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, master.shutdown)
    await master.run()
    if capture.failure is not None:
        raise capture.failure
    return capture.stats


def run_capture(
    config: CaptureConfig, on_ready: Ready, masters: list[DumpMaster] | None = None
) -> WriterStats | None:
    """Run until Ctrl-C / SIGTERM (or `master.shutdown()` from another thread); every queued flow is stored."""
    return asyncio.run(_run(config, on_ready, masters if masters is not None else []))
