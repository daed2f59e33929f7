"""classifiers.decode.percent: percent-encoded values decoded, one layer at a time."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.decode.percent import percent_decoded, unquote_text
from phonehome.classifiers.decode.request import decode

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import at


def test_double_percent_encoded_value() -> None:
    d = decode(exchange(body=json.dumps({"e": quote(quote("alice@example.com"))}).encode()))
    assert [(f.value, f.encodings) for f in at(d, "e")] == [
        ("alice%2540example.com", ("json",)),
        ("alice%40example.com", ("json", "percent")),
        ("alice@example.com", ("json", "percent", "percent")),
    ]


def test_double_percent_encoded_query_value() -> None:
    d = decode(
        exchange(url="https://h.example.com/?u=" + quote(quote("alice@example.com", safe=""), safe=""))
    )
    assert [(f.value, f.encodings) for f in at(d, "u")] == [
        ("alice%40example.com", ()),
        ("alice@example.com", ("percent",)),
    ]


# -- long values: chunked, with the same result -----------------------------------------------------


# Escapes of ASCII, lead and continuation bytes, stray `%`s and hex digits: every way a cut could go wrong.
_PIECES = st.sampled_from(["%41", "%e2", "%E2", "%82", "%ac", "%80", "%BF", "%C3", "%A9", "%F0", "%9F",
                           "%", "%4", "%8", "a", "8", "F", "é", "€", " ", "%%", "%25", "\udc80"])  # fmt: skip


@given(st.lists(_PIECES, max_size=200), st.integers(1, 40))
def test_chunked_unquote_is_unquote(pieces: list[str], chunk: int) -> None:
    text = "".join(pieces)
    assert unquote_text(text, chunk=chunk) == unquote(text)


def test_a_long_value_is_decoded_in_checked_chunks() -> None:
    calls: list[int] = []
    text = "%E2%82%AC" * 300_000  # 2.7 MB of escapes: the euro sign, three bytes each
    assert percent_decoded(text, lambda: calls.append(1)) == "€" * 300_000
    assert len(calls) >= 10


def test_a_url_is_left_alone_whatever_its_length() -> None:
    assert percent_decoded("HTTPS://example.com/?q=%41" * 20_000) is None
