"""adapters.tencent: `muid` is the MD5 of the IMEI at Tencent's ad network, and only there."""

from __future__ import annotations

import hashlib

from phonehome.classifiers.model import Hash, Kind, Source
from phonehome.classifiers.registry import analyze

from tests.classifiers._helpers import exchange

MUID = hashlib.md5(b"861234567890127").hexdigest()  # noqa: S324 - what Tencent documents


def _found(url: str) -> set[tuple[Kind, Hash | None, Source]]:
    return {
        (f.kind, f.hashed, f.source)
        for f in analyze(exchange(url=url, method="GET")).findings
        if f.value == MUID
    }


def test_muid_at_tencent_is_the_imei_digest() -> None:
    assert _found(f"https://mi.gdt.qq.com/gdt_mview.fcg?muid={MUID}") == {
        (Kind.IMEI, Hash.MD5, Source.ADAPTER)
    }


def test_muid_anywhere_else_is_not_an_imei() -> None:
    assert _found(f"https://c.bing.com/c.gif?muid={MUID}") == set()
    assert _found(f"https://ads.example.org/x?muid={MUID}") == set()
