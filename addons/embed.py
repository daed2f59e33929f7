"""Running mitmproxy inside `phonehome capture`: a quiet DumpMaster with the Capture addon."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mitmproxy.options import Options
from mitmproxy.tools.dump import DumpMaster
from phonehome.addons.capture import Capture
from phonehome.db.store import WriterStats


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


def host_pattern(pattern: str) -> str:
    """Let `$` end the host name: mitmproxy searches ignore patterns in `host:port`."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"(?::\d+)?$"
    return pattern


Ready = Callable[[list[tuple[str, int]], str], None]  # (bound addresses, session label)


class _Announce:
    """Tells the caller where the proxy really listens, once it does (port 0 picks a free port)."""

    def __init__(self, master: DumpMaster, capture: Capture, on_ready: Ready) -> None:
        self.master = master
        self.capture = capture
        self.on_ready = on_ready

    def running(self) -> None:
        server = self.master.addons.get("proxyserver")
        addrs = [(str(a[0]), int(a[1])) for a in server.listen_addrs()]
        self.on_ready(addrs, getattr(self.capture, "label", ""))


async def _run(config: CaptureConfig, on_ready: Ready, masters: list[DumpMaster]) -> WriterStats | None:
    options = Options()
    master = DumpMaster(options, with_termlog=True, with_dumper=False)
    masters.append(master)
    capture = Capture()
    master.addons.add(capture)
    # Set after the addons are added, as mitmdump does, so every addon's configure() sees them.
    options.update(
        listen_host=config.listen_host,
        listen_port=config.listen_port,
        confdir=config.confdir,
        ignore_hosts=[host_pattern(p) for p in config.ignore_hosts],
        phonehome_db=config.db,
        phonehome_label=config.label,
        phonehome_known=config.known,
        phonehome_geoip_db=config.geoip_db,
        phonehome_asn_db=config.asn_db,
        termlog_verbosity="error",
    )
    if config.proxyauth:
        options.update(proxyauth=config.proxyauth)
    if config.extra:
        # Strings as on mitmdump's command line: mitmproxy parses them into each option's type.
        options.set(*(f"{name}={value}" for name, value in config.extra.items()))
    # The capture addon must be running (session open) before we announce: add the announcer last.
    master.addons.add(_Announce(master, capture, on_ready))
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
