"""Key-name context: how SDKs name the fields they send, normalised across case conventions.

`norm("advertiserId") == norm("advertiser_id") == "advertiserid"`.  Detectors compare normalised
keys against the sets they declare, and use `digest_of` to recognise `imei_md5`-style keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

from phonehome.classifiers.model import Hash

_NON_ALNUM = re.compile(r"[^a-z0-9]")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_DIGEST_LENGTHS = {Hash.MD5: 32, Hash.SHA1: 40, Hash.SHA256: 64}
_DIGEST_TOKENS = (("sha256", Hash.SHA256), ("sha1", Hash.SHA1), ("md5", Hash.MD5))


# Keys repeat endlessly across flows; caching makes key context nearly free in the detector loop.
@lru_cache(maxsize=8192)
def norm(key: str) -> str:
    return _NON_ALNUM.sub("", key.lower())


@lru_cache(maxsize=8192)
def strip_digest(key: str) -> tuple[str, Hash | None]:
    """`imei_md5` -> (`imei`, md5); `sha1_mac` -> (`mac`, sha1); `imei` -> (`imei`, None)."""
    k = norm(key)
    for token, algo in _DIGEST_TOKENS:
        if token in k:
            rest = k.replace(token, "", 1)
            return rest, algo
    return k, None


# Unpadded base64 length of each digest, and its padding: md5 16 bytes -> 22 + "==", sha1 20 -> 27 + "=",
# sha256 32 -> 43 + "=".
_B64_LENGTHS = {Hash.MD5: (22, 24), Hash.SHA1: (27, 28), Hash.SHA256: (43, 44)}
_B64_PAD = {Hash.MD5: "==", Hash.SHA1: "=", Hash.SHA256: "="}
_B64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def is_digest(value: str, algo: Hash) -> bool:
    """`value` has the shape of an `algo` digest: hex, or base64 (padded or not) of its bytes."""
    n = len(value)
    if n == _DIGEST_LENGTHS[algo]:
        return bool(_HEX.match(value))
    bare, padded = _B64_LENGTHS[algo]
    if n == padded:
        ok = value[bare:] == _B64_PAD[algo] and "=" not in value[:bare]
    elif n == bare:
        ok = "=" not in value
    else:
        return False
    return ok and bool(_B64.match(value)) and not value.isdigit()


def digest_by_length(value: str) -> Hash | None:
    """The algorithm a bare digest's length implies: hex 32/40/64, or padded base64 24/28/44."""
    for algo, n in _DIGEST_LENGTHS.items():
        if len(value) == n and _HEX.match(value):
            return algo
    if value.endswith("="):
        for algo, (bare, padded) in _B64_LENGTHS.items():
            if (
                len(value) == padded
                and value[bare:] == _B64_PAD[algo]
                and "=" not in value[:bare]
                and _B64.match(value)
            ):
                return algo
    return None


_SEGMENT = re.compile(r"\[\d+\]|\[\*\]")


@lru_cache(maxsize=16384)
def parent_key(path: str) -> str:
    """The normalised key of the object holding the field: `batch[0].context.os.version` -> `os`."""
    head, _, _ = _SEGMENT.sub("", path).rpartition(".")
    return norm(head.rpartition(".")[2]) if head else ""


@lru_cache(maxsize=16384)
def match_key(key: str, names: frozenset[str]) -> tuple[bool, Hash | None]:
    """Does `key` name one of `names`, possibly as a digest (`imei_md5`, `md5imei`)?"""
    k = norm(key)
    if k in names:
        return True, None
    base, algo = strip_digest(key)
    if algo is not None and base in names:
        return True, algo
    return False, None


PLACEHOLDERS = frozenset(
    {
        "",
        "unknown",
        "null",
        "none",
        "nil",
        "undefined",
        "0",
        "-1",
        "n/a",
        "na",
        "default",
        "test",
        "false",
        "true",
    }
)


_LETTER = re.compile(r"[^\W\d_]")
_SPACE_CHAR = re.compile(r"\s")


def has_letter(value: str) -> bool:
    """Any alphabetic character (Unicode letters included), in one C-level scan."""
    return _LETTER.search(value) is not None


def has_space(value: str) -> bool:
    return _SPACE_CHAR.search(value) is not None


# Longest value whose answer is kept: IDs and the like come back again and again, and every detector
# asks; longer values (URLs, queries, blobs) are mostly new each time and would only fill the cache.
_KEPT = 40


def is_placeholder(value: str) -> bool:
    if len(value) <= _KEPT:
        return _placeholder_kept(value)
    v = value.strip()
    if len(v) <= _KEPT:
        return _placeholder_kept(v)
    # Longer than any listed placeholder: only one character repeated (bar separators) can be one,
    # and two different characters near the start say it is not.
    if len(set(v[:8].lower().replace("-", "").replace(":", "").replace(".", ""))) > 1:
        return False
    return _placeholder(v)


@lru_cache(maxsize=16384)
def _placeholder_kept(value: str) -> bool:
    return _placeholder(value)


def _placeholder(value: str) -> bool:
    v = value.strip().lower()
    if v in PLACEHOLDERS:
        return True
    stripped = v.replace("-", "").replace(":", "").replace(".", "")
    # All one repeated character (000000000000000, ffffffff-ffff-...) is a placeholder, not an ID.
    return len(stripped) > 2 and len(set(stripped)) == 1
