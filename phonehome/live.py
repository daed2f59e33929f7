"""What a capture shows while it runs: a live view on a terminal, one line per finding otherwise.

Both read the writer's running counts (`phonehome.db.tally`), never the database, so watching a
capture costs the proxy nothing per flow.  The live view redraws at most four times a second; values
are masked as in a shareable report (someone may be looking over the user's shoulder, or filming the
screen) and every captured string is escaped.  After a minute without traffic both say what usually
causes that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from phonehome.db.tally import Recent, Snapshot
from phonehome.output import terminal_safe
from phonehome.redact import redact_value
from phonehome.words import blind_spot_label, kind_label, plural
from phonehome.words import country_label as country_name

MAX_RATE = 4.0  # redraws per second, at most
IDLE_AFTER = 60.0  # seconds without traffic before the hint
LINES_PER_TICK = 40  # plain lines written per redraw interval, at most (160 a second)
IDLE_HINT = (
    "No traffic for a minute. Usual causes: the phone's Wi-Fi proxy is not set to this computer "
    "(host and port above); the Wi-Fi isolates its clients (guest and office networks do: use a home "
    "network or a hotspot); this computer's firewall blocks the port; or the phone is simply idle "
    "(open an app)."
)


def _value(r: Recent, width: int = 28) -> str:
    return terminal_safe(redact_value(r.kind, r.value) if r.kind != "password" else "[password]", width)


def _elapsed(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def idle(snapshot: Snapshot, started: float, now: float) -> bool:
    """Whether a minute has passed with no flow and no blind spot (times from time.monotonic())."""
    return now - (snapshot.last_traffic if snapshot.last_traffic is not None else started) >= IDLE_AFTER


def render(snapshot: Snapshot, *, session: str, started: float, now: float) -> RenderableType:
    """The live view of one moment: a pure function of the counts, for the screen and for tests."""
    head = Text.assemble(
        ("phonehome ", "bold"),
        f"· session {terminal_safe(session, 40)} · {_elapsed(now - started)} · ",
        (plural(snapshot.flows, "request"), "bold"),
        f" ({snapshot.not_sent:,} not sent) · " if snapshot.not_sent else " · ",
        (plural(snapshot.findings, "finding"), "bold"),
    )
    parts: list[RenderableType] = [head]
    columns = Table.grid(padding=(0, 3))
    tables = []
    if snapshot.kinds:
        tables.append(_counts("What was sent", [(kind_label(k), n) for k, n in snapshot.kinds[:8]]))
    if snapshot.companies:
        tables.append(_counts("Received by", list(snapshot.companies)))
    if snapshot.countries:
        tables.append(_counts("Server countries", [(country_name(c), n) for c, n in snapshot.countries]))
    if tables:
        for _ in tables:
            columns.add_column(vertical="top")
        columns.add_row(*tables)
        parts.append(columns)
    if snapshot.newest:
        newest = Table(
            title=f"Newest findings (times {datetime.now().astimezone().tzname()})",
            title_justify="left",
            box=None,
            show_header=False,
            padding=(0, 1),
        )
        for r in snapshot.newest[:6]:
            newest.add_row(
                datetime.fromtimestamp(r.time).strftime("%H:%M:%S"),
                Text(kind_label(r.kind)),
                Text(_value(r)),
                Text("→ " + terminal_safe(r.receiver, 30)),
                Text(terminal_safe(r.device, 20), style="dim"),
            )
        parts.append(newest)
    if snapshot.blind_spots:
        line = " · ".join(f"{n:,} {blind_spot_label(k)}" for k, n in snapshot.blind_spots)
        parts.append(Text.assemble(("Blind spots: ", "bold yellow"), line))
    if len(snapshot.devices) > 1:
        parts.append(
            Text("Devices: " + ", ".join(f"{terminal_safe(d, 30)} {n:,}" for d, n in snapshot.devices))
        )
    if idle(snapshot, started, now):
        parts.append(Text(IDLE_HINT, style="yellow"))
    parts.append(Text("Ctrl-C to stop; everything captured is saved first.", style="dim"))
    return Group(*parts)


def _counts(title: str, rows: list[tuple[str, int]]) -> Table:
    table = Table(title=escape(title), title_justify="left", box=None, show_header=False, padding=(0, 1))
    table.add_column(no_wrap=True, max_width=34, overflow="ellipsis")
    table.add_column(justify="right")
    for label, n in rows:
        table.add_row(Text(terminal_safe(label, 34)), f"{n:,}")
    return table


def finding_line(r: Recent) -> str:
    """One plain line per finding, for logs and pipes: time, kind, masked value, receiver, device."""
    when = datetime.fromtimestamp(r.time).strftime("%H:%M:%S")
    device = f" [{terminal_safe(r.device, 40)}]" if r.device else ""
    return (
        f"{when} {kind_label(r.kind)}: {_value(r, 60)} -> {terminal_safe(r.receiver, 60)} "
        f"({terminal_safe(r.host, 80)}){device}"
    )


class Watcher:
    """A thread that shows the counts while the capture runs: the live view on a terminal, one line
    per finding when `plain`.  `stop()` draws the last state and returns."""

    def __init__(
        self,
        console: Console,
        snapshot: Callable[[], Snapshot],
        drain: Callable[[], tuple[list[Recent], int]],
        *,
        session: str,
        plain: bool,
        rate: float = MAX_RATE,
    ) -> None:
        self.console = console
        self.snapshot = snapshot
        self.drain = drain
        self.session = session
        self.plain = plain
        self.interval = 1.0 / min(rate, MAX_RATE)
        self.started = time.monotonic()
        self.redraws = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phonehome-live", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            if self.plain:
                self._lines()
            else:
                self._live()
        except Exception as exc:  # noqa: BLE001 - the view must never take the capture down
            self.console.print(f"(live view stopped: {escape(str(exc))})", highlight=False)

    def _live(self) -> None:
        from rich.live import Live

        with Live(console=self.console, auto_refresh=False, transient=False, redirect_stdout=False,
                  redirect_stderr=False) as live:  # fmt: skip
            while True:
                stopping = self._stop.wait(self.interval)
                now = time.monotonic()
                live.update(render(self.snapshot(), session=self.session, started=self.started, now=now),
                            refresh=True)  # fmt: skip
                self.redraws += 1
                if stopping:
                    return

    def _lines(self) -> None:
        hinted = False
        out = self.console.file
        while True:
            stopping = self._stop.wait(self.interval)
            items, dropped = self.drain()
            # Written in one go, at most LINES_PER_TICK lines: a burst of findings must not take the
            # interpreter from the proxy (the rest are counted, and all are in the database).
            shown = items[:LINES_PER_TICK]
            dropped += len(items) - len(shown)
            text = "".join(finding_line(r) + "\n" for r in shown)
            if dropped:
                text += f"({plural(dropped, 'more finding')}, not listed: see phonehome findings)\n"
            if items:
                hinted = False
            elif not hinted and idle(self.snapshot(), self.started, time.monotonic()):
                text += IDLE_HINT + "\n"
                hinted = True
            if text:
                out.write(text)
                out.flush()
            if stopping:
                return
