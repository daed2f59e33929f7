"""classifiers.domains: registrable domains from the bundled public suffix list, never the network."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.destinations import domains
from phonehome.classifiers.destinations.domains import registrable_domain, same_site


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a.b.example.co.uk", "example.co.uk"),
        ("data.mistat.intl.xiaomi.com", "xiaomi.com"),
        ("www.example.com", "example.com"),
        ("example.com", "example.com"),
        ("WWW.Example.COM.", "example.com"),  # case and the root dot do not matter
        ("  api.example.com ", "example.com"),
        ("tracker.example.com.cn", "example.com.cn"),
        ("s3.amazonaws.com.cn", "amazonaws.com.cn"),
        ("user.github.io", "github.io"),  # private suffixes are off: github.io is one site
        ("co.uk", "co.uk"),  # a bare public suffix is returned as is
        ("localhost", "localhost"),
        ("", ""),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("192.168.1.10", "192.168.1.10"),
        ("8.8.8.8", "8.8.8.8"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
    ],
)
def test_ip_literals_are_returned_as_is(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("data.mistat.intl.xiaomi.com", "www.xiaomi.com", True),
        ("a.example.co.uk", "b.example.co.uk", True),
        ("example.co.uk", "other.co.uk", False),
        ("news.example.org", "data.mistat.intl.xiaomi.com", False),
        ("user1.github.io", "user2.github.io", True),
        ("10.0.0.1", "10.0.0.2", False),
    ],
)
def test_same_site(a: str, b: str, expected: bool) -> None:
    assert same_site(a, b) is expected


def test_no_socket_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("registrable_domain touched the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # Drop both the memo and the extractor with its loaded suffix list, so the list is loaded again right here.
    registrable_domain.cache_clear()
    domains._extractor.cache_clear()
    assert registrable_domain("fresh-name-1.never-seen.co.jp") == "never-seen.co.jp"
    assert registrable_domain("cdn.fresh-name-2.example.net") == "example.net"
    assert registrable_domain("x.y.z.fresh-name-3.org.au") == "fresh-name-3.org.au"
    registrable_domain.cache_clear()


def test_has_public_suffix() -> None:
    from phonehome.classifiers.destinations.domains import has_public_suffix

    assert has_public_suffix("gmail.com") and has_public_suffix("163.com") and has_public_suffix("mail.co.uk")
    assert (
        not has_public_suffix("0.scroll") and not has_public_suffix("localhost") and not has_public_suffix("")
    )


@given(st.ip_addresses())
def test_every_address_literal_is_returned_as_is(address: object) -> None:
    """Only what could be an address is parsed as one (a name never is): none may be missed."""
    text = str(address)
    assert registrable_domain(text) == text.lower()
    assert registrable_domain(f"[{text}]") == text.lower()
