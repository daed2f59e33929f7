"""classifiers.decode.paths: the key a field path ends in, without its list indices."""

from __future__ import annotations

import pytest
from phonehome.classifiers.decode.paths import last_key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("imei", "imei"),
        ("device.imei", "imei"),
        ("a.b[0].c", "c"),
        ("apps[2]", "apps"),
        ("data_list[0].properties.url", "url"),
        ("1.5", "5"),  # protobuf field numbers
    ],
)
def test_last_key(path: str, key: str) -> None:
    assert last_key(path) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("a.b[0]", "b"),  # the index is not part of the key
        ("hashes[*].pkg", "pkg"),  # a joined column: the key after the star, not `hashes`
        ("[1]", ""),  # an NDJSON line at the top has no key at all
        ("", ""),
    ],
)
def test_last_key_near_misses(path: str, key: str) -> None:
    assert last_key(path) == key
