"""Small builders shared by the decoder tests: an IMEI, a JSON payload, and views of what `decode` made."""

from __future__ import annotations

import json

from phonehome.classifiers.decode.limits import Decoded
from phonehome.classifiers.model import Field, Where

IMEI = "490154203237518"
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)
PAYLOAD = json.dumps({"imei": IMEI}).encode()


def rows(decoded: Decoded) -> list[tuple[Where, str, str, str, tuple[str, ...]]]:
    return [(f.where, f.path, f.key, f.value, f.encodings) for f in decoded.fields]


def at(decoded: Decoded, path: str) -> list[Field]:
    return [f for f in decoded.fields if f.path == path]


def only(decoded: Decoded, path: str, value: str) -> Field:
    [found] = [f for f in decoded.fields if f.path == path and f.value == value]
    return found
