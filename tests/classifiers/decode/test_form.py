"""classifiers.decode.form: form bodies, declared or sniffed, into key-value fields with siblings."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.decode.form import form_pairs
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import FORM, IMEI, rows


@pytest.mark.parametrize("headers", [FORM, ()], ids=["content-type", "sniffed"])
def test_form_body(headers: tuple) -> None:
    d = decode(exchange(headers=headers, body=b"imei=" + IMEI.encode() + b"&email=alice%40example.com"))
    assert rows(d) == [
        (Where.BODY, "imei", "imei", IMEI, ("form",)),
        (Where.BODY, "email", "email", "alice@example.com", ("form",)),
    ]
    assert dict(d.fields[0].siblings or {}) == {"imei": IMEI, "email": "alice@example.com"}


# -- pieces are capped before they are parsed ---------------------------------------------------------


@given(st.text(alphabet="ab=&+%2Fé\udc80 ;", max_size=60))
def test_form_pairs_are_parse_qsl(text: str) -> None:
    assert form_pairs(text, 10**6) == (parse_qsl(text, keep_blank_values=True), False)


def test_only_the_first_pieces_are_read() -> None:
    assert form_pairs("a=1&&b=2&c=3&d=4", 3) == ([("a", "1"), ("b", "2")], True)
    assert form_pairs("a=1&b=2", 2) == ([("a", "1"), ("b", "2")], False)


def test_a_form_of_a_million_pairs_is_cut_and_noted() -> None:
    d = decode(exchange(headers=FORM, body=b"imei=" + IMEI.encode() + b"&a=" * 1_000_000))
    assert d.fields[0].value == IMEI
    assert d.notes == ["limit: more than 5000 fields, rest not decoded"]
    d = decode(exchange(headers=FORM, body=b"imei=" + IMEI.encode() + b"&" * 1_000_000))
    assert [f.value for f in d.fields] == [IMEI]
    assert d.notes == ["limit: form at body has over 5001 pairs, rest not decoded"]
