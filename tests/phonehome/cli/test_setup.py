"""`phonehome setup android|ios|emulator`: the certificate steps, exact, in 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.phonehome.cli._run import run


@pytest.fixture()
def confdir(tmp_path: Path) -> str:
    """A confdir holding a CA made by mitmproxy itself, as `phonehome capture` leaves it."""
    from mitmproxy.certs import CertStore

    CertStore.from_store(tmp_path, "mitmproxy", 2048)
    return str(tmp_path)


def _setup(platform: str, *args: str) -> str:
    code, out, err = run("setup", platform, *args)
    assert code == 0, err
    assert err == ""
    return out


def test_android_steps(confdir: str) -> None:
    out = _setup("android", "--confdir", confdir)
    for step in (
        "http://mitm.it",
        "Install a certificate → CA certificate",
        "apps ignore user CAs",
        "browser and WebView coverage",
        "adb root",
        "adb remount",
        f"{confdir}/mitmproxy-ca-cert.cer",
        "/system/etc/security/cacerts/c8750f0d.0",
        "adb shell chmod 644 /system/etc/security/cacerts/c8750f0d.0",
        "adb reboot",
        "-subject_hash_old",
        "/apex/com.android.conscrypt/cacerts",
        "nsenter --mount=/proc/$pid/ns/mnt",
        "https://docs.mitmproxy.org/stable/howto-install-system-trusted-ca-android/",
        "User credentials → mitmproxy → Remove",
        "Proxy: None",
    ):
        assert step in out, step
    assert "Its name in Android's system store: c8750f0d.0" in out
    words = " ".join(out.split())
    assert "copying a file into /system/etc/security/cacerts no longer has any effect" in words


def test_ios_steps(confdir: str) -> None:
    out = _setup("ios", "--confdir", confdir)
    for step in (
        "Configure Proxy → Manual",
        "Safari",
        "http://mitm.it",
        "VPN & Device Management → mitmproxy → Install",
        "Settings → General → About → Certificate Trust Settings",
        "Remove Profile",
        "Configure Proxy → Off",
        "--mode wireguard",
    ):
        assert step in out, step
    assert "c8750f0d" not in out  # Android's file name means nothing on iOS


def test_emulator_steps(confdir: str) -> None:
    out = _setup("emulator", "--confdir", confdir, "--listen-port", "8081")
    for step in (
        "WITHOUT Google Play",
        "emulator -avd NAME -writable-system -http-proxy 127.0.0.1:8081",
        "10.0.2.2",
        "adb root",
        "adb remount",
        "/system/etc/security/cacerts/c8750f0d.0",
        "adb shell chmod 644 /system/etc/security/cacerts/c8750f0d.0",
        "Wipe Data",
    ):
        assert step in out, step


@pytest.mark.parametrize("platform", ["android", "ios", "emulator", "Android"])
def test_readable_at_80_columns(platform: str) -> None:
    out = _setup(platform, "--confdir", "~/.mitmproxy")
    assert out.startswith(("Android", "iPhone")) and "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_ca_not_created_yet(tmp_path: Path) -> None:
    out = _setup("android", "--confdir", str(tmp_path / "new"))
    words = " ".join(out.split())
    assert "does not exist yet" in words and "`phonehome capture` creates it" in words
    assert "/system/etc/security/cacerts/<hash>.0" in out


def test_an_unreadable_ca_is_said_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "mitmproxy-ca-cert.cer").write_text("not a certificate")
    out = _setup("emulator", "--confdir", str(tmp_path))
    assert "cannot be read" in out and "<hash>.0" in out


@pytest.mark.parametrize("args", [["setup", "windows"], ["setup"], ["setup", "ios", "--listen-port", "0"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert "Usage: " in err and " setup " in err
