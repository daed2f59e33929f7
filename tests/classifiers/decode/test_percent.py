"""classifiers.decode.percent: percent-encoded values decoded, one layer at a time."""

from __future__ import annotations

import json
from urllib.parse import quote

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
