"""The Capture addon: every request the device makes goes on the writer's queue, nothing more.

Hooks only snapshot the flow into an `Exchange` and put it on a bounded queue.  When the queue is
full, or the writer has fallen more than `MAX_LAG` seconds behind, the hook waits off the event loop
before the response goes back (back-pressure on that one flow: never a stalled proxy, never a
dropped flow, and at most about a second of answered traffic not yet committed, should the process
be killed).  The writer thread classifies and commits in batches.

If the writer ever stops running, the addon says so at once and saves every later flow to the
spill file itself.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from mitmproxy import ctx, exceptions, http, tcp, tls, udp
from mitmproxy.addonmanager import Loader
from mitmproxy.connection import Client, Server
from phonehome.classifiers.destinations.geoip import GeoDataError, GeoIP
from phonehome.classifiers.destinations.place import Destinations
from phonehome.classifiers.detect.known import KnownValues, KnownValuesError
from phonehome.classifiers.model import Exchange
from phonehome.db.memory import give_back_big_blocks
from phonehome.db.models import BlindSpot
from phonehome.db.store import Store, StoreError, Unread, Writer, WriterStats
from phonehome.db.writerprocess import Config, WriterProcess, default_classifiers

from phonehome.devices import DeviceNameError, parse_devices, plain_address
from phonehome.pipeline import make_analyzer
from phonehome.sources.harwrite import HarSpill
from phonehome.sources.mitm import exchange_from_flow, exchanges_from_websocket

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds the oldest answered flow may wait for its commit before responses are held back; the
# writer commits a batch within `Writer.max_delay` of its first item, so the total stays under 1 s.
MAX_LAG = 0.5
# The same with a writer process: killing either process loses nothing (the writer stores all it
# received; the proxy keeps what it handed over until it is stored, and spills it should the writer
# die), so the bound only says how far the live view may fall behind under load.
MAX_LAG_HANDED = 10.0
# Bytes of flows handed to a writer process and not yet stored, before the hook waits for room.
WRITER_BYTES = 16 * 1024 * 1024


def spill_path(db: str) -> Path:
    """Where flows go if the database stops accepting them: beside a SQLite file, else here."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if "://" not in db:
        return Path(f"{db}.unsaved-{stamp}.har")
    return Path(f"phonehome-unsaved-{stamp}.har")


def default_label() -> str:
    return datetime.now().strftime("capture-%Y%m%d-%H%M%S")


def _snapshot(flow: http.HTTPFlow) -> Exchange:
    """The flow as an Exchange; if copying it fails, what could be copied, with a note saying so."""
    try:
        return exchange_from_flow(flow)
    except Exception as exc:  # noqa: BLE001 - the flow is stored all the same
        log.warning("phonehome: could not copy a flow fully: %s", exc)
        request = flow.request
        return Exchange(
            time=datetime.fromtimestamp(request.timestamp_start or 0, UTC),
            method=_safe(lambda: request.method) or "?",
            url=_safe(lambda: request.url) or "?",
            request_body=_safe(lambda: request.raw_content or b"") or b"",
            error="no response" if flow.response is None else None,
            fingerprint=flow.id,
            notes=(f"copying the flow failed: {type(exc).__name__}: {exc}"[:300],),
        )


def _peer(client: Client) -> str | None:
    return plain_address(str(client.peername[0])) if client.peername else None


def _server_host(server: Server, sni: str | None = None) -> str:
    if sni:
        return sni
    if server.address:
        return str(server.address[0])
    return str(server.peername[0]) if server.peername else ""


def _safe(get: Callable[[], T]) -> T | None:
    try:
        return get()
    except Exception:  # noqa: BLE001 - used only for a flow that already failed once
        return None


class Capture:
    def __init__(self) -> None:
        self.store: Store | None = None
        self.writer: Writer | WriterProcess | None = None
        self.session_id: int | None = None
        self.stats: WriterStats | None = None
        self._db = "phonehome.db"
        self._label = ""
        self._failed = False
        self._dead_said = False
        self.failure: StoreError | None = None
        self._ignore: list[re.Pattern[str]] = []
        self._known: KnownValues | None = None
        self._destinations: Destinations | None = None
        self.spill: HarSpill | None = None
        self.names: dict[str, str] = {}  # client address -> device name (--device NAME=ADDRESS)
        self._workers = -1  # classifier processes; below 0: `default_classifiers()`
        self._live = False  # running counts for a live view (db/tally.py): `phonehome capture` asks

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "phonehome_db", str, "phonehome.db", "Database path or SQLAlchemy URL for captured flows."
        )
        loader.add_option("phonehome_label", str, "", "Session label (default: capture-DATE-TIME).")
        loader.add_option("phonehome_known", str, "", "TOML file of the device's own values to look for.")
        loader.add_option(
            "phonehome_geoip_db",
            str,
            "",
            "Your own MaxMind City/Country mmdb (default: $PHONEHOME_GEOIP_DB, then shipped data).",
        )
        loader.add_option(
            "phonehome_workers",
            int,
            -1,
            "Classifier processes, beside a writer process that stores (0: classify and store in a "
            "writer thread of this process; default: the cores but two, at least 1).",
        )
        loader.add_option(
            "phonehome_live",
            bool,
            False,
            "Keep running counts and recent findings for a live view (phonehome capture sets it without "
            "--quiet; under mitmdump nothing reads them).",
        )
        loader.add_option(
            "phonehome_devices",
            Sequence[str],
            [],
            "Device names: NAME=ADDRESS, one per client (unnamed clients keep their address).",
        )
        loader.add_option(
            "phonehome_asn_db",
            str,
            "",
            "Your own MaxMind ASN mmdb (default: $PHONEHOME_ASN_DB, then shipped data).",
        )

    def configure(self, updated: set[str]) -> None:
        # Copied here: the writer thread must never read ctx.options.
        if "phonehome_db" in updated:
            self._db = ctx.options.phonehome_db
        if "phonehome_workers" in updated:
            self._workers = ctx.options.phonehome_workers
        if "phonehome_live" in updated:
            self._live = ctx.options.phonehome_live
        if "phonehome_label" in updated:
            self._label = ctx.options.phonehome_label
        if "phonehome_devices" in updated:
            try:
                self.names = parse_devices(ctx.options.phonehome_devices)
            except DeviceNameError as exc:
                raise exceptions.OptionsError(str(exc)) from exc
        if "phonehome_known" in updated:
            path = ctx.options.phonehome_known
            try:
                self._known = KnownValues.from_toml(path) if path else None
            except KnownValuesError as exc:
                raise exceptions.OptionsError(str(exc)) from exc
        if updated & {"phonehome_geoip_db", "phonehome_asn_db"} or self._destinations is None:
            try:
                geo = GeoIP.from_env(ctx.options.phonehome_geoip_db, ctx.options.phonehome_asn_db)
            except GeoDataError as exc:
                raise exceptions.OptionsError(str(exc)) from exc
            self._destinations = Destinations(geo)
        if "ignore_hosts" in updated:
            # mitmproxy tunnels ignored TLS connections itself, but still parses plain HTTP to them.
            self._ignore = [re.compile(p, re.IGNORECASE) for p in ctx.options.ignore_hosts]

    def _skip(self, flow: http.HTTPFlow) -> bool:
        """Ignored hosts, and mitmproxy's own certificate page, are not the device's traffic."""
        try:
            if not self._ignore:
                # The common case, a request at a time: the host named (Host header, else the URL)
                # cannot be mitm.it unless it contains it.  `pretty_host` parses that name, 3 µs.
                request = flow.request
                if "mitm.it" not in (request.host_header or request.host).lower():
                    return False
            host = flow.request.pretty_host.lower()
        except Exception:  # noqa: BLE001 - a request too odd to name is still recorded
            return False
        if host == "mitm.it":
            return True
        target = f"{host}:{flow.request.port}"
        return any(p.search(target) for p in self._ignore)

    def running(self) -> None:
        # Hours of bodies, in `phonehome capture` as under `mitmdump -s`: the memory of each goes
        # back to the system when it is done with, not to this process's heap (db/memory.py).
        give_back_big_blocks()
        self._writer()
        # What start-up built (the imports, the analyzer's tables) lives as long as the proxy: the
        # collector's full passes no longer walk it.  Each such pass held every request in flight
        # for 50-60 ms, against mitmdump's 30-40 (docs/performance.md, "What the proxy's process
        # spends beside mitmdump").
        gc.freeze()

    def _writer(self) -> Writer | WriterProcess:
        if self.writer is None:
            self.store = Store(self._db)
            self.label = self._label or default_label()
            self.session_id = self.store.open_session(self.label, "capture")
            analyzer = make_analyzer(self._known, self._destinations)
            self.spill = HarSpill(spill_path(self._db))
            if self._workers != 0:
                self.writer = self._writer_process(analyzer)
            if self.writer is None:
                self.writer = Writer(
                    self.store,
                    self.session_id,
                    device="",
                    analyzer=analyzer,
                    spill=self.spill.write,
                    names=self.names,
                    live=self._live,
                ).start()
        return self.writer

    def _writer_process(self, analyzer: Callable[[Exchange], Any]) -> WriterProcess | None:
        """Classifying and storing in processes of their own: this process only copies flows."""
        assert self.session_id is not None and self.spill is not None
        path = self.spill.path
        path = path.with_name(f"{path.stem}-writer{path.suffix}")
        config = Config(
            db=self._db, session_id=self.session_id, device="", analyzer=analyzer, names=self.names,
            spill_path=str(path),
            spill=functools.partial(HarSpill, path),
            workers=self._workers if self._workers > 0 else default_classifiers(),
            max_bytes=WRITER_BYTES, parent=os.getpid(), live=self._live,
        )  # fmt: skip
        writer = WriterProcess(config)
        if not writer.wait_ready():
            log.warning("phonehome: the writer process did not start; classifying in this process")
            writer.close_quietly()
            return None
        if writer.note:
            log.warning("phonehome: %s", writer.note)
        return writer

    async def _enqueue(self, item: Exchange | Unread) -> None:
        writer = self._writer()
        if writer.error is not None and not self._failed:
            # Keep capturing: from now on flows go to the spill file, which replays later.
            self._failed = True
            logging.error(
                "phonehome: cannot write to the database (%s); saving flows to %s instead",
                writer.error, writer.spill_path if isinstance(writer, WriterProcess) else self.spill.path if self.spill else "?",
            )  # fmt: skip
        if not writer.alive:
            self._spill_directly(item)
            return
        if not writer.submit_nowait(item) and await asyncio.to_thread(writer.submit, item) is False:
            self._spill_directly(item)  # the writer process went while this flow waited for room
        limit = MAX_LAG_HANDED if isinstance(writer, WriterProcess) else MAX_LAG
        if writer.lag() > limit:
            # Hold this response back until the writer has caught up (off the event loop).
            await asyncio.to_thread(writer.wait_for_lag, limit)

    def _spill_directly(self, item: Exchange | Unread) -> None:
        """The writer thread is gone: say so once, loudly, and keep every flow in the spill file."""
        items = [item]
        if not self._dead_said:
            self._dead_said = True
            logging.error(
                "phonehome: the database writer stopped; saving every flow to %s instead",
                self.spill.path if self.spill else "?",
            )
            if isinstance(self.writer, WriterProcess):
                items = [*self.writer.lost(), item]  # what it had not stored when it went
        for one in items:
            if isinstance(one, Exchange) and self.spill is not None:
                try:
                    self.spill.write(one)
                except OSError as exc:
                    logging.error("phonehome: cannot save a flow to the spill file either: %s", exc)

    async def response(self, flow: http.HTTPFlow) -> None:
        if not self._skip(flow):
            await self._enqueue(_snapshot(flow))

    async def error(self, flow: http.HTTPFlow) -> None:
        # The request may have reached the server even though no response came back.
        if isinstance(flow, http.HTTPFlow) and flow.response is None and not self._skip(flow):
            await self._enqueue(_snapshot(flow))

    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        assert flow.websocket is not None
        message = flow.websocket.messages[-1]
        if message.from_client and not self._skip(flow):
            await self._enqueue(exchanges_from_websocket(flow, message))

    async def tls_failed_client(self, data: tls.TlsData) -> None:
        """The client refused our certificate: the CA is not trusted, or the app pins its server."""
        await self._unread(
            data.context.client, _server_host(data.context.server, data.context.client.sni),
            data.context.server, data.conn.error or "client refused the certificate", BlindSpot.CLIENT_TLS,
        )  # fmt: skip

    async def tls_failed_server(self, data: tls.TlsData) -> None:
        """The server's TLS handshake failed: nothing the client meant for it was sent."""
        await self._unread(
            data.context.client, _server_host(data.context.server, data.context.client.sni),
            data.context.server, data.conn.error or "the server's TLS handshake failed", BlindSpot.UPSTREAM_TLS,
        )  # fmt: skip

    async def tcp_start(self, flow: tcp.TCPFlow) -> None:
        """A connection that is not HTTP: passed through, its content not read."""
        host = _server_host(flow.server_conn, flow.client_conn.sni)
        if not self._skip_host(host, flow.server_conn):
            await self._unread(flow.client_conn, host, flow.server_conn, "not HTTP: passed through unread",
                               BlindSpot.NOT_HTTP)  # fmt: skip

    async def udp_start(self, flow: udp.UDPFlow) -> None:
        """UDP (QUIC / HTTP/3 and others) in WireGuard mode: passed through, its content not read."""
        host = _server_host(flow.server_conn)
        port = flow.server_conn.address[1] if flow.server_conn.address else None
        what = "QUIC (HTTP/3) or other UDP" if port == 443 else f"UDP to port {port}"
        await self._unread(flow.client_conn, host, flow.server_conn, f"{what}: passed through unread",
                           BlindSpot.UDP)  # fmt: skip

    def _skip_host(self, host: str, server: Server) -> bool:
        port = server.address[1] if server.address else 0
        return any(p.search(f"{host}:{port}") for p in self._ignore)

    async def _unread(self, client: Client, host: str, server: Server, error: str, kind: BlindSpot) -> None:
        try:
            item = Unread(
                time=datetime.now(UTC),
                host=host,
                client_address=_peer(client),
                server_ip=str(server.peername[0]) if server.peername else None,
                error=error,
                kind=kind,
            )
        except Exception as exc:  # noqa: BLE001 - a connection too odd to describe is only logged
            log.warning("phonehome: could not record a blind spot: %s", exc)
            return
        await self._enqueue(item)

    def done(self) -> None:
        """Flush every queued flow before mitmproxy exits (Ctrl-C included)."""
        gc.unfreeze()  # what start-up built may go now, as in a process that never froze it
        if self.writer is None or self.store is None or self.session_id is None:
            return
        try:
            try:
                self.stats = self.writer.close()
            finally:
                if isinstance(self.writer, WriterProcess):
                    for item in self.writer.lost():  # it died: what it had not stored yet
                        self._spill_directly(item)
            spilled = sum(n for _, n in self._spill_files())
            if spilled:
                # Flows the writer could not take (it had stopped, or the database refused them).
                raise StoreError(f"{spilled} flows could not be stored and were saved to the spill file")
        except StoreError as exc:
            files = [str(path) for path, _ in self._spill_files()]
            here = self.spill.count if self.spill is not None else 0
            if here and isinstance(self.writer, WriterProcess) and "could not be stored" not in str(exc):
                exc = StoreError(f"{exc}; {here} flows were saved to the spill file")
            if files:
                exc = StoreError(
                    f"{exc}: {', '.join(files)} (import with: phonehome replay {' '.join(files)})"
                )
            self.failure = exc
            logging.error("phonehome: %s", exc)
            raise exc from None
        finally:
            if self.spill is not None:
                self.spill.close()
            try:
                self.store.close_session(self.session_id)
            except Exception as exc:  # noqa: BLE001 - the store is already failing; the error above says so
                log.warning("phonehome: could not close the session: %s", exc)
            self.store.dispose()

    def _spill_files(self) -> list[tuple[Path, int]]:
        """The spill files that hold flows: this process's, and the writer process's."""
        files = [(self.spill.path, self.spill.count)] if self.spill is not None else []
        if isinstance(self.writer, WriterProcess):
            files.append((self.writer.spill_path, self.writer.stats.spilled))
        return [(path, n) for path, n in files if n]
