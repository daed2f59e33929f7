"""classifiers.detect.credentials: passwords, never stored or shown."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect.credentials import detect_password
from phonehome.classifiers.model import PASSWORD_VALUE, Kind, Source, Where
from phonehome.classifiers.registry import analyze

from tests.classifiers._helpers import essentials, exchange, fld

SECRET = "c0rrect-H0rse"


@pytest.mark.parametrize(
    "field",
    [
        fld("password", SECRET),
        fld("passwd", SECRET, Where.QUERY),
        fld("j_password", SECRET),
        fld("session[password]", SECRET),
        fld("pwd", SECRET),
        fld("loginPassword", SECRET),
        fld("password", SECRET, Where.HEADER, path="authorization.password"),
    ],
)
def test_passwords(field) -> None:  # noqa: ANN001
    found = detect_password(field)
    assert essentials(found) == [(Kind.PASSWORD, PASSWORD_VALUE, Source.KEY, None)]
    assert SECRET not in repr(found)


@pytest.mark.parametrize(
    "field",
    [
        fld("password", ""),
        fld("password", "true"),
        fld("forgot_password", "1"),
        fld("resetPassword", "https://x.example/reset"),
        fld("password", SECRET, Where.COOKIE),
        fld("x-password-policy", SECRET, Where.HEADER),
        fld("passport", "X1234567"),
        fld("password", '{"min": 8}'),
    ],
)
def test_not_passwords(field) -> None:  # noqa: ANN001
    assert detect_password(field) == []


def test_basic_auth_and_login_bodies_never_carry_the_password() -> None:
    token = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    body = json.dumps({"username": "alice", "password": SECRET}).encode()
    ex = exchange(
        url="https://login.example.org/session",
        headers=(("Authorization", f"Basic {token}"), ("Content-Type", "application/json")),
        body=body,
    )
    found = [f for f in analyze(ex).findings if f.kind == Kind.PASSWORD]
    assert sorted(f.path for f in found) == ["authorization.password", "password"]
    assert all(f.value == PASSWORD_VALUE for f in found)
    assert SECRET not in repr(analyze(ex).findings)


@given(
    st.text(min_size=1, max_size=60).filter(
        lambda s: (
            s.strip()
            and s.strip().lower() not in {"true", "false", "null", "none", "undefined", "0", "1", "on", "off"}
            and not s.startswith(("{", "["))
        )
    )
)
def test_whatever_the_password_it_is_never_in_the_finding(secret: str) -> None:
    found = detect_password(fld("password", secret))
    assert [f.value for f in found] == [PASSWORD_VALUE]
    assert [f.evidence for f in found] == ["a password in the field `password`"]
