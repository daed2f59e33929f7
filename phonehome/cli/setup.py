"""`phonehome setup android|ios|emulator`: the exact certificate steps, in plain text."""

from __future__ import annotations

from pathlib import Path

import click

from phonehome.cacert import CertificateError, android_name, ca_path
from phonehome.guides import PLATFORMS, Facts, guide
from phonehome.output import terminal_safe


@click.command("setup")
@click.argument("platform", type=click.Choice(PLATFORMS, case_sensitive=False))
@click.option(
    "--confdir",
    default="~/.mitmproxy",
    show_default=True,
    help="mitmproxy's folder, as given to `phonehome capture --confdir`: where the CA certificate is.",
)
@click.option(
    "--listen-port",
    default=8080,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The proxy's port, as given to `phonehome capture --listen-port`.",
)
def setup_cmd(platform: str, confdir: str, listen_port: int) -> None:
    """Print the steps that make a phone trust the proxy's certificate, and undo them.

    Example: phonehome setup android

    PLATFORM is android, ios or emulator. The Android steps name the CA file the system store
    needs (its old subject hash), computed from the CA in --confdir when it exists.
    """
    platform = platform.lower()
    click.echo(guide(platform, facts(confdir, listen_port, android=platform != "ios")), nl=False)


def facts(confdir: str, port: int, *, android: bool = True) -> Facts:
    """This computer's CA: where it is, its Android file name, and one paragraph saying so."""
    shown = terminal_safe(str(Path(confdir) / "mitmproxy-ca-cert.cer"), None)
    path = ca_path(confdir)
    unknown = "<hash>.0"
    try:
        name = android_name(path)
    except FileNotFoundError:
        note = (
            f"The CA certificate will be {shown}: it does not exist yet, and `phonehome capture` "
            "creates it on its first run."
            + (" Run this again then to see the file name Android needs for it." if android else "")
        )
        return Facts(ca=shown, name=unknown, ca_note=_wrap(note), port=port)
    except (OSError, CertificateError) as exc:
        note = f"The CA certificate {shown} cannot be read ({terminal_safe(exc, 120)})."
        return Facts(ca=shown, name=unknown, ca_note=_wrap(note), port=port)
    note = f"The CA certificate: {shown}"
    if android:
        note += f"\nIts name in Android's system store: {name}"
    return Facts(ca=shown, name=name, ca_note=note, port=port)


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=78, break_long_words=False, break_on_hyphens=False)
