"""What `phonehome capture` prints once the proxy listens: where to point the phone, a QR code, warnings.

One screen (about 24 lines of an 80-column terminal): the addresses the phone can use, the proxy
settings' path on Android and iOS, a QR code that opens http://mitm.it (the certificate page), and
plain-sentence warnings. Pure: it reads this machine's interface addresses (`phonehome.netinfo`) and
prints to the console it is given; no proxy code, no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import segno
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from phonehome.netinfo import is_loopback, lan_interfaces, open_to_network
from phonehome.output import terminal_safe

MITM_IT = "http://mitm.it"
ANDROID_PATH = "Android: Settings → Wi-Fi → your network → Edit → Advanced → Proxy: Manual"
IOS_PATH = "iOS: Settings → Wi-Fi → (i) → Configure Proxy → Manual"
SETUP_HINT = "phonehome setup android|ios|emulator for the certificate steps."
STOP_HINT = "Ctrl-C to stop; everything captured is saved first."
NO_ADDRESS = "<this computer's Wi-Fi address>"

# Scanners read a code whose quiet zone (the light frame) is two modules wide; the standard's four
# would cost two more lines of a screen that has few.
QR_BORDER = 2
# Black on white whatever the terminal's theme: a dark terminal would otherwise show the code inverted,
# which some scanners cannot read.  The white quiet zone frames it on a dark background.
QR_STYLE = "#000000 on #ffffff"
# Half blocks: one character cell holds two rows of modules, (top dark, bottom dark).
_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
_SIDE_TEXT_MIN = 40  # columns the text keeps beside the code


class Target(NamedTuple):
    """An address a phone can set as its proxy."""

    address: str
    port: int
    interface: str  # the network interface's name, "" when not known


def targets(listen_host: str, port: int) -> list[Target]:
    """Every address of this machine a phone can use to reach a proxy listening on `listen_host`.

    All interfaces: each LAN address, the likeliest Wi-Fi first. Loopback: none (no phone can reach
    it). One address: that address.
    """
    if is_loopback(listen_host):
        return []
    if open_to_network(listen_host):
        return [Target(address, port, name) for address, name in lan_interfaces()]
    host = listen_host.strip()
    if host.startswith("[") and host.endswith("]"):  # an IPv6 literal, as in a URL
        host = host[1:-1]
    names = dict(lan_interfaces())
    return [Target(host, port, names.get(host, ""))]


def proxy_targets(listen_host: str, port: int) -> list[str]:
    """`address:port` for each address a phone can set as its proxy (see `targets`)."""
    return [f"{t.address}:{t.port}" for t in targets(listen_host, port)]


def warnings(listen_host: str, *, password: bool, lan: Sequence[str] | None = None) -> list[str]:
    """What is wrong with where the proxy listens, as plain sentences (none when all is well).

    `lan` is this machine's LAN addresses (read from the interfaces when not given).
    """
    shown = terminal_safe(listen_host, 60) or "0.0.0.0"
    if is_loopback(listen_host):
        return [
            f"A phone can never reach {shown}: use --listen-host 0.0.0.0 or this computer's LAN address. "
            "(An Android emulator on this computer can: phonehome setup emulator.)"
        ]
    found: list[str] = []
    if open_to_network(listen_host):
        if not password:
            found.append(
                "The proxy listens on every interface without a password: it is an open proxy on this "
                "network, and anyone on it can send traffic through it into your database. Use "
                "--proxyauth USER:PASS, or --listen-host with this computer's LAN address."
            )
        if not (lan if lan is not None else [address for address, _ in lan_interfaces()]):
            found.append(
                "No LAN address found: this computer does not seem to be on a Wi-Fi or LAN. Join the "
                "phone's Wi-Fi network (or share a hotspot with it), then start again."
            )
    return found


def qr_text(text: str, *, border: int = QR_BORDER) -> str:
    """`text` as a QR code drawn with Unicode half blocks: dark modules are ink, light ones spaces.

    Two module rows per line, with a light quiet zone of `border` modules. The code is never a
    Micro QR code (few phone scanners read those). Returns "" when the text is too long for any QR
    code (about 2,900 bytes); it never raises.
    """
    data: str | bytes = text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: encode what can be encoded
        data = text.encode("utf-8", "replace")
    try:
        matrix = segno.make(data, micro=False).matrix
    except (segno.DataOverflowError, ValueError):
        return ""
    return _blocks(matrix, border)


def _blocks(matrix: Sequence[Sequence[int]], border: int) -> str:
    n = len(matrix)
    size = n + 2 * border

    def dark(row: int, col: int) -> bool:
        row, col = row - border, col - border
        return 0 <= row < n and 0 <= col < n and bool(matrix[row][col])

    return "\n".join(
        "".join(_HALF[(dark(row, col), dark(row + 1, col))] for col in range(size))
        for row in range(0, size, 2)
    )


def qr_renderable(text: str) -> Text:
    """`qr_text` in black on white, readable on a dark terminal as on a light one."""
    return Text(qr_text(text), style=QR_STYLE, no_wrap=True, overflow="crop")


def render_onboarding(
    console: Console,
    listen_host: str,
    bound: Sequence[tuple[str, int]],
    *,
    password: bool,
    qr: bool = True,
) -> None:
    """Print where to point the phone, once the proxy listens.

    `bound` is where the proxy really listens (`Started.addrs`: port 0 picked a free port);
    `password` whether clients must give one (`--proxyauth`). The QR code (it opens http://mitm.it)
    is shown only when `qr` is set, the console is a terminal and wide enough; otherwise the text
    says to open http://mitm.it.
    """
    port = bound[0][1] if bound else 0
    code = qr_text(MITM_IT)
    code_width = len(code.splitlines()[0])
    show_qr = qr and console.is_terminal and console.width >= code_width
    lines = _where(listen_host, port)
    lines.append(ANDROID_PATH)
    lines.append(IOS_PATH)
    if password:
        lines.append("With --proxyauth: iOS has an Authentication field; Android's proxy settings have none.")
    lines.append(
        f"Then scan the code (it opens {MITM_IT}) to install the certificate."
        if show_qr
        else f"Then open {MITM_IT} on the phone to install the certificate."
    )
    lines.append(SETUP_HINT)
    text = Group(*(Text.from_markup(line) for line in lines))  # lines are markup, outside strings escaped
    if not show_qr:
        console.print(text, highlight=False)
    elif console.width >= code_width + 2 + _SIDE_TEXT_MIN:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(ratio=1)
        grid.add_column(no_wrap=True, min_width=code_width, max_width=code_width)
        grid.add_row(text, qr_renderable(MITM_IT))
        console.print(grid, highlight=False)
    else:
        console.print(text, highlight=False)
        console.print(qr_renderable(MITM_IT), highlight=False)
    for warning in warnings(listen_host, password=password):
        console.print(Text.assemble(("Warning: ", "bold yellow"), warning), highlight=False)
    console.print(STOP_HINT, highlight=False)


def _where(listen_host: str, port: int) -> list[str]:
    """The address lines, as rich markup with every outside string escaped."""
    found = targets(listen_host, port)
    if is_loopback(listen_host):
        shown = escape(terminal_safe(listen_host, 60))
        return [
            f"Listening on {shown} port {port}: this computer only, no phone can reach it.",
            f"An Android emulator here can: -http-proxy 127.0.0.1:{port}, or 10.0.2.2 port {port}.",
        ]
    if not found:
        return [
            f"Set the phone's Wi-Fi proxy to: host [bold]{escape(NO_ADDRESS)}[/bold] port [bold]{port}[/bold]"
        ]
    lines = ["Set the phone's Wi-Fi proxy to" + (" one of:" if len(found) > 1 else ":")]
    for target in found[:4]:  # more would push the rest off the screen
        name = f"  ({escape(terminal_safe(target.interface, 24))})" if target.interface else ""
        lines.append(
            f"  host [bold]{escape(terminal_safe(target.address, 60))}[/bold]  port [bold]{target.port}[/bold]{name}"
        )
    if len(found) > 4:
        lines.append(f"  (and {len(found) - 4} more: the one on the phone's network)")
    return lines
