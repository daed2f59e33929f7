"""Read the claims of a JSON Web Token (JWS compact serialisation), for the decoder to call on values.

Only the payload matters here: what a token says about the user, not whether it is genuine, so the
signature is never checked.  A value counts as a token only if its first part is a JSON object with
an `alg` key, which keeps version numbers, domain names and other dotted strings out.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

_PART = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def jwt_payload(token: str, loads: Callable[[str], Any] = json.loads) -> dict[str, Any] | list[Any] | None:
    """The decoded JSON payload of `token` (a leading "Bearer " is allowed), or None if it is not a JWS.

    `loads` parses the JSON of its parts (the decoder passes its bounded parser)."""
    token = token.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if token.count(".") != 2:
        return None
    header_part, payload_part, signature = token.split(".")
    # An unsecured token ("alg": "none") has an empty signature.
    if not (_PART.fullmatch(header_part) and _PART.fullmatch(payload_part)):
        return None
    if signature and not _PART.fullmatch(signature):
        return None
    header = _b64url_json(header_part, loads)
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return None
    payload = _b64url_json(payload_part, loads)
    return payload if isinstance(payload, dict | list) else None


def _b64url_json(part: str, loads: Callable[[str], Any]) -> object:
    part = part.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # binascii, Unicode and JSON errors are all ValueErrors
        return None
