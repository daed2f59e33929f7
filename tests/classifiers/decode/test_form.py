"""classifiers.decode.form: form bodies, declared or sniffed, into key-value fields with siblings."""

from __future__ import annotations

import pytest
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
