"""phonehome/live.py: the live view and the line-per-finding mode, from counts alone."""

from __future__ import annotations

import io
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.db.tally import Recent, Snapshot
from rich.console import Console

from phonehome.live import IDLE_AFTER, IDLE_HINT, LINES_PER_TICK, MAX_RATE, Watcher, finding_line, render

GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
NOW = 1000.0


def _text(snapshot: Snapshot, width: int = 100, started: float = NOW - 5, now: float = NOW) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    console.print(render(snapshot, session="morning", started=started, now=now))
    return buffer.getvalue()


def _recent(
    kind: str = "advertising_id", value: str = GAID, receiver: str = "Google", device: str = "pixel"
) -> Recent:
    return Recent(time.time(), kind, value, "app-measurement.com", receiver, device)


FULL = Snapshot(
    flows=312, not_sent=3, findings=48,
    kinds=(("advertising_id", 20), ("imei", 2), ("password", 1)),
    companies=(("Google", 120), ("Xiaomi", 40)),
    countries=(("US", 200), ("CN", 40)),
    blind_spots=(("client_tls", 9), ("udp", 2)),
    devices=(("pixel", 300), ("iphone", 12)),
    newest=(_recent(), _recent("password", "hunter2"), _recent("email", "alice@example.com")),
    last_traffic=NOW - 1,
)  # fmt: skip


def test_the_view_shows_every_part_with_human_words() -> None:
    text = _text(FULL)
    assert "312 requests" in text and "(3 not sent)" in text and "48 findings" in text
    assert "advertising ID" in text and "IMEI (phone hardware ID)" in text  # labels, not kind names
    assert "Received by" in text and "Google" in text and "Server countries" in text and "China" in text
    assert "Newest findings" in text and "→ Google" in text and "pixel" in text
    assert "Blind spots" in text and "9 refused our certificate" in text and "UDP / QUIC" in text
    assert "Devices: pixel 300, iphone 12" in text
    assert "0:00:05" in text and IDLE_HINT[:30] not in text


def test_values_are_masked_and_passwords_never_shown() -> None:
    text = _text(FULL)
    assert GAID not in text and "hunter2" not in text and "alice@example.com" not in text
    assert "[password]" in text


def test_a_minute_without_traffic_says_what_usually_causes_it() -> None:
    empty = Snapshot()
    assert "No traffic for a minute" not in _text(empty, started=NOW - IDLE_AFTER + 1)
    assert "No traffic for a minute" in " ".join(_text(empty, started=NOW - IDLE_AFTER).split())
    quiet_again = Snapshot(flows=1, last_traffic=NOW - IDLE_AFTER - 1)
    assert "client isolation" not in _text(quiet_again) and "isolates its clients" in " ".join(
        _text(quiet_again).split()
    )


def test_an_empty_capture_is_one_short_screen() -> None:
    text = _text(Snapshot())
    assert "0 requests" in text and "What was sent" not in text and "Newest" not in text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_captured_strings_are_escaped_and_fit_the_width(receiver: str, device: str) -> None:
    hostile = Snapshot(
        flows=1, findings=1, kinds=(("email", 1),), companies=((receiver, 1),), countries=((receiver[:2], 1),),
        devices=((device, 1), ("other", 1)), newest=(_recent("email", receiver, receiver, device),),
        last_traffic=NOW,
    )  # fmt: skip
    text = _text(hostile, width=80)
    assert "\x1b]" not in text and "\x07" not in text  # no terminal control sequences from captured text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_markup_in_a_receiver_is_shown_not_obeyed() -> None:
    text = _text(Snapshot(flows=1, companies=(("[red]evil[/red]", 1),), last_traffic=NOW))
    assert "[red]evil[/red]" in text


def test_a_finding_line() -> None:
    line = finding_line(_recent())
    assert "advertising ID" in line and "-> Google (app-measurement.com) [pixel]" in line and GAID not in line
    assert "\n" not in finding_line(_recent(receiver="evil\nline", device="x\ry"))


class _Feed:
    """Counts and a feed a test controls, as the writer's tally would hand them out."""

    def __init__(self) -> None:
        self.items: list[Recent] = []
        self.dropped = 0
        self.snap = Snapshot(last_traffic=time.monotonic())

    def drain(self) -> tuple[list[Recent], int]:
        items, dropped, self.items, self.dropped = self.items, self.dropped, [], 0
        return items, dropped

    def snapshot(self) -> Snapshot:
        return self.snap


def _watch(feed: _Feed, plain: bool, seconds: float) -> tuple[str, Watcher]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=not plain, color_system=None)
    watcher = Watcher(console, feed.snapshot, feed.drain, session="s", plain=plain).start()
    time.sleep(seconds)
    watcher.stop()
    return buffer.getvalue(), watcher


def test_plain_mode_prints_each_finding_once_and_bounds_a_burst() -> None:
    feed = _Feed()
    feed.items = [_recent(value=f"id-{i:04d}-aaaa-bbbb") for i in range(LINES_PER_TICK + 7)]
    feed.dropped = 3
    text, _ = _watch(feed, plain=True, seconds=0.6)
    lines = [line for line in text.splitlines() if " -> " in line]
    assert len(lines) == LINES_PER_TICK
    assert f"({7 + 3:,} more findings, not listed: see phonehome findings)" in text


def test_plain_mode_says_once_when_nothing_arrives() -> None:
    feed = _Feed()
    feed.snap = Snapshot(last_traffic=time.monotonic() - IDLE_AFTER - 1)
    text, _ = _watch(feed, plain=True, seconds=0.7)
    assert text.count(IDLE_HINT) == 1


def test_the_live_view_redraws_at_most_four_times_a_second() -> None:
    feed = _Feed()
    began = time.monotonic()
    text, watcher = _watch(feed, plain=False, seconds=1.3)
    elapsed = time.monotonic() - began
    assert 2 <= watcher.redraws <= elapsed * MAX_RATE + 1
    assert "0 requests" in text
