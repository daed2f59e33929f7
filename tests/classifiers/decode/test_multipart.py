"""classifiers.decode.multipart: multipart bodies into one field per part, whatever the boundary."""

from __future__ import annotations

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, PAYLOAD, only, rows


def _multipart(boundary: str) -> bytes:
    b = boundary.encode()
    return (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="email"\r\n\r\nalice@example.com\r\n'
        b"--" + b + b'\r\nContent-Disposition: form-data; name="meta"; filename="m.json"\r\n'
        b"Content-Type: application/json\r\n\r\n" + PAYLOAD + b"\r\n"
        b"--" + b + b"--\r\n"
    )


def test_multipart_form_data() -> None:
    boundary = "3f8d2c1e-0b7a-4c55-9e21-6a1f0d9c4b72"  # OkHttp's: a lower-case UUID
    d = decode(exchange(headers=(("Content-Type", f"multipart/form-data; boundary={boundary}"),),
                        body=_multipart(boundary)))  # fmt: skip
    assert rows(d) == [
        (Where.BODY, "email", "email", "alice@example.com", ("multipart",)),
        (Where.BODY, "meta.imei", "imei", IMEI, ("multipart", "json")),
    ]
    assert d.notes == []


def test_multipart_with_browser_style_boundary() -> None:
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    d = decode(exchange(headers=(("Content-Type", f"multipart/form-data; boundary={boundary}"),),
                        body=_multipart(boundary)))  # fmt: skip
    assert d.notes == []
    assert only(d, "meta.imei", IMEI).encodings == ("multipart", "json")
