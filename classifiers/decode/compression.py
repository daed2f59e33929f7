"""Compressed bytes: gzip, zlib and zstd sniffed by their magic, raw deflate and brotli tried, all capped."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from phonehome.classifiers.decode.limits import LimitHit
from phonehome.classifiers.decode.text import printable

if TYPE_CHECKING:
    from phonehome.classifiers.decode.walker import Walker


def sniff_compression(raw: bytes) -> str | None:
    if raw[:2] == b"\x1f\x8b":
        return "gzip"
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if (
        len(raw) > 2
        and raw[0] == 0x78
        and raw[1] in (0x01, 0x5E, 0x9C, 0xDA)
        and (raw[0] << 8 | raw[1]) % 31 == 0
    ):
        return "zlib"
    return None


def decompress(raw: bytes, codec: str, cap: int, check: Callable[[], None] | None = None) -> bytes:
    """Decompress at most `cap` bytes, so a zip bomb costs nothing.  Every codec stops producing at
    the cap while it streams; nothing is inflated in full first.  `check` is called now and then
    where the work is a Python loop (brotli before 1.2) and may raise to stop it."""
    if codec == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, cap)
    if codec == "zlib":
        return zlib.decompressobj().decompress(raw, cap)
    if codec == "deflate":
        try:
            return zlib.decompressobj().decompress(raw, cap)
        except zlib.error:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, cap)
    if codec == "br":
        import brotli

        decompressor = brotli.Decompressor()
        try:
            return bytes(decompressor.process(raw, output_buffer_limit=cap)[:cap])  # Brotli >= 1.2
        except TypeError:
            pass
        # Brotli 1.1 (pinned by mitmproxy 11) has no output limit: feed small slices and stop at the
        # cap. One byte can still expand to one copy command (at most ~16 MB), so the cost of a bomb
        # is bounded by the cap plus that, whatever the bomb's size.
        out = bytearray()
        for start in range(0, len(raw), 16):
            out += decompressor.process(raw[start : start + 16])
            if len(out) >= cap:
                break
            if check is not None and not start % 65536:
                check()
        return bytes(out[:cap])
    if codec == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw).read(cap)
    raise ValueError(codec)


def inflate(walker: Walker, raw: bytes, codec: str, path: str) -> bytes | None:
    """`raw` decompressed within what is left of the exchange's budget; a note when corrupt or over it."""
    budget = walker.limits.max_decompressed - walker.inflated
    walker.before(len(raw))
    try:
        out = decompress(raw, codec, budget + 1, walker.check_time)
    except LimitHit:
        raise
    except Exception as exc:  # noqa: BLE001 - any codec error means "not this codec"
        walker.note(f"undecoded: {codec} data at {path or 'body'} is corrupt ({type(exc).__name__})")
        return None
    if len(out) > budget:
        walker.note(
            f"limit: decompressed data over {walker.limits.max_decompressed} bytes at {path or 'body'}"
        )
        out = out[:budget]
    walker.inflated += len(out)
    return out


def raw_deflate_or_brotli(walker: Walker, raw: bytes) -> tuple[str, bytes] | None:
    """The codec and text of binary `raw` if it is raw deflate or brotli holding text, else None.

    What an attempt inflates counts against the exchange's budget even when it is not kept, so
    many small bombs that inflate to binary cost no more than one."""
    for codec in ("deflate-raw", "br"):
        budget = walker.limits.max_decompressed - walker.inflated
        if len(raw) < 8 or budget <= 0:
            return None
        walker.before(len(raw))
        try:
            if codec == "br":
                data = decompress(raw, "br", budget, walker.check_time)
            else:
                data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, budget)
        except LimitHit:
            raise
        except Exception:  # noqa: BLE001 - not this codec
            continue
        walker.inflated += len(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(data) >= 8 and printable(text):
            return ("deflate" if codec == "deflate-raw" else "br"), data
    return None
