"""What `phonehome capture` prints once the proxy listens: addresses, warnings, the QR code, one screen."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from phonehome import netinfo, onboarding
from phonehome.onboarding import MITM_IT, proxy_targets, qr_text, render_onboarding, targets, warnings


def _addr(ip: str) -> SimpleNamespace:
    return SimpleNamespace(family=socket.AF_INET, address=ip)


@pytest.fixture()
def lan(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {"lo": [_addr("127.0.0.1")], "docker0": [_addr("172.17.0.1")], "wlan0": [_addr("192.168.1.23")]}
    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", lambda: fake)


@pytest.fixture()
def no_lan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", lambda: {"lo": [_addr("127.0.0.1")]})


def _matrix(block_text: str, border: int) -> list[list[bool]]:
    """The QR matrix a half-block drawing shows, quiet zone removed."""
    top = {" ": False, "▀": True, "▄": False, "█": True}
    bottom = {" ": False, "▀": False, "▄": True, "█": False}
    bottom["█"] = True
    rows: list[list[bool]] = []
    for line in block_text.splitlines():
        rows.append([top[ch] for ch in line])
        rows.append([bottom[ch] for ch in line])
    size = len(rows[0])
    n = size - 2 * border
    assert all(not any(row) for row in rows[:border] + rows[border + n :]), "quiet zone not light"
    assert all(not any(row[:border] + row[border + n :]) for row in rows), "quiet zone not light"
    return [row[border : border + n] for row in rows[border : border + n]]


def _expected(text: str) -> list[list[bool]]:
    return [[bool(m) for m in row] for row in segno.make(text, micro=False).matrix]


def test_qr_text_draws_the_code_of_its_text() -> None:
    drawn = qr_text(MITM_IT)
    assert _matrix(drawn, onboarding.QR_BORDER) == _expected(MITM_IT)
    lines = drawn.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert len(lines[0]) == 21 + 2 * onboarding.QR_BORDER  # version 1: compact, never Micro QR
    assert len(lines) <= 13


def test_a_wireguard_configuration_fits_a_terminal() -> None:
    conf = (
        "[Interface]\nPrivateKey = " + "A" * 43 + "=\nAddress = 10.0.0.1/32\nDNS = 10.0.0.53\n\n"
        "[Peer]\nPublicKey = " + "B" * 43 + "=\nAllowedIPs = 0.0.0.0/0\nEndpoint = 192.168.1.23:51820"
    )
    drawn = qr_text(conf)
    assert _matrix(drawn, onboarding.QR_BORDER) == _expected(conf)
    assert len(drawn.splitlines()[0]) <= 80 and len(drawn.splitlines()) <= 40


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_qr_text_of_any_text_never_raises_and_round_trips(text: str) -> None:
    drawn = qr_text(text)
    assert _matrix(drawn, onboarding.QR_BORDER) == _expected(text)


@settings(max_examples=10, deadline=None)
@given(st.text(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1000, max_size=1100))
def test_text_too_long_for_a_qr_code_gives_nothing(text: str) -> None:
    assert len(text.encode()) > 2953  # Hangul: byte mode; a version 40 code holds 2,953 bytes
    assert qr_text(text) == ""


def test_lone_surrogates_do_not_raise() -> None:
    assert qr_text("a\udcffb")


def test_targets_every_lan_address_with_its_interface(lan: None) -> None:
    assert proxy_targets("0.0.0.0", 8080) == ["192.168.1.23:8080", "172.17.0.1:8080"]
    assert targets("::", 9000)[0] == ("192.168.1.23", 9000, "wlan0")
    assert proxy_targets("192.168.1.23", 8081) == ["192.168.1.23:8081"]
    assert targets("192.168.1.23", 8081)[0].interface == "wlan0"
    assert proxy_targets("127.0.0.1", 8080) == [] and proxy_targets("localhost", 8080) == []


def test_warnings(lan: None) -> None:
    (loopback,) = warnings("127.0.0.1", password=False)
    assert "a phone can never reach 127.0.0.1" in loopback.lower()
    assert "--listen-host 0.0.0.0" in loopback and "LAN address" in loopback
    (open_,) = warnings("0.0.0.0", password=False)
    assert "open proxy" in open_ and "--proxyauth" in open_
    assert warnings("0.0.0.0", password=True) == []
    assert warnings("192.168.1.23", password=False) == []


def test_no_lan_address_is_said(no_lan: None) -> None:
    said = warnings("0.0.0.0", password=True)
    assert len(said) == 1 and "No LAN address found" in said[0] and "Wi-Fi" in said[0]


def _render(host: str, *, password: bool = False, width: int = 80, terminal: bool = False) -> str:
    out = Console(file=io.StringIO(), width=width, force_terminal=terminal, record=True)
    render_onboarding(out, host, [(host, 8080)], password=password)
    return out.export_text()


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize(("host", "password"), [("0.0.0.0", False), ("127.0.0.1", False), ("0.0.0.0", True)])
def test_onboarding_fits_one_screen(lan: None, host: str, password: bool, terminal: bool) -> None:
    text = _render(host, password=password, terminal=terminal)
    lines = text.splitlines()
    words = " ".join(text.split())
    assert len(lines) <= 24, text
    assert max(len(line) for line in lines) <= 80, text
    assert "Android: Settings → Wi-Fi" in text and "iOS: Settings → Wi-Fi" in text
    assert "phonehome setup android|ios|emulator" in text
    assert lines[-1] == "Ctrl-C to stop; everything captured is saved first."
    if host == "0.0.0.0":
        assert "192.168.1.23  port 8080  (wlan0)" in text and "172.17.0.1" in text
    assert ("open proxy" in words) is (host == "0.0.0.0" and not password)
    assert ("never reach 127.0.0.1" in words) is (host == "127.0.0.1")
    assert ("▀" in text) is terminal, "the QR code is for terminals only"
    if not terminal:
        assert "open http://mitm.it" in words


def test_no_qr_code_on_a_narrow_terminal_or_when_not_wanted(lan: None) -> None:
    assert "▀" not in _render("0.0.0.0", width=20, terminal=True)
    out = Console(file=io.StringIO(), width=80, force_terminal=True, record=True)
    render_onboarding(out, "0.0.0.0", [("0.0.0.0", 8080)], password=False, qr=False)
    text = out.export_text()
    assert "▀" not in text and "open http://mitm.it" in text
    below = _render("0.0.0.0", width=50, terminal=True)  # too narrow beside the text: below it
    assert "▀" in below and max(len(line) for line in below.splitlines()) <= 50


def test_the_qr_code_is_black_on_white_whatever_the_theme(lan: None) -> None:
    out = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="truecolor")
    render_onboarding(out, "0.0.0.0", [("0.0.0.0", 8080)], password=True)
    raw = out.file.getvalue()  # type: ignore[attr-defined]
    # Exact black and white, or the standard palette's black on bright white.
    assert "\x1b[38;2;0;0;0;48;2;255;255;255m" in raw or "\x1b[30;107m" in raw


def test_the_real_port_is_shown(lan: None) -> None:
    out = Console(file=io.StringIO(), width=80, record=True)
    render_onboarding(out, "0.0.0.0", [("0.0.0.0", 43117), ("::", 43117)], password=True)
    assert "port 43117" in out.export_text()


def test_interface_names_and_hosts_are_never_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    evil = "[red]w[/red]\x1b[2J"
    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", lambda: {evil: [_addr("10.1.2.3")]})
    text = _render("0.0.0.0")
    assert "([red]w[/red]\\x1b[2J)" in text
    assert "\x1b" not in text
    host = "[blink]127.0.0.1"
    assert "[blink]" in _render(host)


def test_no_lan_address_on_screen(no_lan: None) -> None:
    words = " ".join(_render("0.0.0.0", password=True).split())
    assert "<this computer's Wi-Fi address> port 8080" in words
    assert "No LAN address found" in words


@settings(max_examples=80, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6, unique=True),
    host=st.one_of(st.sampled_from(["0.0.0.0", "127.0.0.1", "::", "10.1.2.3"]), st.text(max_size=80)),
    terminal=st.booleans(),
)
def test_any_interface_name_or_host_stays_on_one_screen(names: list[str], host: str, terminal: bool) -> None:
    fake = {name: [_addr(f"10.0.0.{i + 1}")] for i, name in enumerate(names)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(netinfo.psutil, "net_if_addrs", lambda: fake)
        out = Console(file=io.StringIO(), width=80, force_terminal=terminal, record=True)
        render_onboarding(out, host, [(host, 8080)], password=False)
    lines = out.export_text().splitlines()
    assert len(lines) <= 24 and max(len(line) for line in lines) <= 80
    assert lines[-1] == onboarding.STOP_HINT


def _pbm(drawn: str, path: Path, scale: int = 6) -> None:
    """The drawing as a black-and-white image (PBM), as a phone's camera would see it on screen."""
    rows = _matrix(drawn, 0)
    lines = [f"P1\n{len(rows[0]) * scale} {len(rows) * scale}\n"]
    for row in rows:
        lines += [" ".join(str(int(dark)) for dark in row for _ in range(scale)) + "\n"] * scale
    path.write_text("".join(lines))


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools is not installed")
@pytest.mark.parametrize("text", [MITM_IT, "[Interface]\nPrivateKey = " + "A" * 43 + "=\n", "héllo ✓"])
def test_a_real_decoder_reads_the_drawing(tmp_path: Path, text: str) -> None:
    image = tmp_path / "qr.pbm"
    _pbm(qr_text(text), image)
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
    assert read.stdout.removesuffix("\n") == text
