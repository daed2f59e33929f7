"""Registrable domains, strictly offline.

tldextract's default extractor downloads the public suffix list on first use; this one only ever
reads the snapshot bundled with the package and never writes a cache.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tldextract


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """Made on first use: tldextract brings requests and filelock with it (about 80 ms to import),
    which a command that never splits a host name (`findings`, `--help`) should not pay for."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@lru_cache(maxsize=16384)  # the hosts used last: a long capture meets new ones all the while
def registrable_domain(host: str) -> str:
    """`data.mistat.intl.xiaomi.com` -> `xiaomi.com`; an IP literal or bare name is returned as is."""
    host = host.strip().lower().rstrip(".").strip("[]")
    if not host:
        return ""
    if ":" in host or host.replace(".", "").isdigit():  # what an address literal can be
        try:
            ipaddress.ip_address(host)
            return host
        except ValueError:
            pass
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def same_site(a: str, b: str) -> bool:
    return registrable_domain(a) == registrable_domain(b)


@lru_cache(maxsize=16384)
def has_public_suffix(host: str) -> bool:
    """Whether `host` ends in a suffix of the bundled public suffix list (`mail.example.com` yes,
    `0.scroll` no): a name that could be registered and reached."""
    parts = _extractor()(host.strip().lower().rstrip("."))
    return bool(parts.suffix and parts.domain)
