"""Cutting a HAR file into its entries, as raw bytes, without parsing them.

A streaming JSON parser (ijson) stops for good at the first thing it cannot read: one lone
surrogate escape, one stretch of invalid UTF-8, one integer of 100,000 digits lost every later
entry.  Its prefix strings also grow with nesting depth, so a 100,000-deep object cost gigabytes.

This scanner only follows the file's structure (strings, brackets, commas, and the keys on the
way to `log.entries`) and hands back each item of `log.entries` as bytes, with its nesting depth.
Each entry is then parsed on its own (`phonehome.sources.har`), so a bad one costs only itself.
Memory holds the entry being cut and one chunk; time is linear in the file's size (a string that
spans chunks is resumed where the last chunk ended, never re-scanned).

Given a parser (`EntryScanner(parse=...)`), most entries are cut by parsing them instead: the bytes
between two entries, learned from the last pair cut the slow way (`}`, a comma, the whitespace, the
next entry's `{` and its first key), are searched for, and the text up to that candidate is parsed.
If it parses as one object it is the entry: a JSON object ends where its parse ends, and a quote
right after `{` or whitespace cannot be inside a string, so such a match never lies within one.
Anything else (no candidate, a parse that fails, an entry nested deeper than `max_depth`) goes
the slow way; a candidate that failed is never tried again, so the time stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

CHUNK = 1 << 20
# Reads grow with the entry being cut (so cutting costs linear time at any chunk size) up to this;
# beyond it a big entry is read this much at a time, so the buffer holds the entry and one read.
MAX_READ = 8 << 20
_WS = b" \t\r\n"
# Structure outside the entries: strings, brackets, and the separators that tell keys from values.
_TOKEN = re.compile(rb'["{}\[\],:]')
# Inside an entry only depth matters.
_ENTRY_TOKEN = re.compile(rb'["{}\[\],]')
# The body of a string up to (not including) its closing quote, or to the end of the buffer; it
# stops before a trailing backslash whose escaped character has not arrived yet.
_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)
# Inside an entry: a run of ordinary bytes and whole strings, up to the next bracket (or comma at
# the entry's own level), or to an opening quote whose string does not end in the buffer.  One
# match skips everything between two brackets, so cutting costs one step per bracket, not per token.
_RUN = re.compile(rb'[^"{}\[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\]]*)*', re.S)
_RUN_TOP = re.compile(rb'[^"{}\[\],]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\],]*)*', re.S)
_OPEN = frozenset(b"{[")
_CLOSE = frozenset(b"}]")


def _object_start(depth: int) -> re.Pattern[bytes]:
    """An object's opening brace and as much after it as stays at most `depth` deep (brackets of
    either kind counted alike, as the cutting loop counts them).  It always matches; where it stops
    says why: the object's closing brace, a bracket one level too deep, or the end of the data.
    Possessive, so it runs in one pass and never tries other ways."""
    string = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
    inside = rb"(?:" + string + rb'|[^"{}\[\]]++)*+'
    for _ in range(depth - 1):
        inside = rb"(?:" + string + rb'|[^"{}\[\]]++|[{\[]' + inside + rb"[}\]])*+"
    return re.compile(rb"\{" + inside, re.S)


# An entry that is a whole object in the buffer, at most FAST_DEPTH deep, is cut by regular-
# expression matches (in C) instead of a Python step per bracket: about 15 µs instead of 38 for a
# typical 1.4 KB entry.  Its depth is the smallest whose pattern reaches the closing brace: a
# shallower one stops at the first bracket too deep, which comes early in a HAR entry (its
# request's headers), so trying from 1 up costs little more than one pass.  Anything else (deeper,
# cut by the buffer's end, not an object, followed by anything but a comma or `]`) goes through the
# loop, which decides as it always has.
FAST_DEPTH = 16
# A pattern that went this far before a bracket too deep stops the trying: each deeper one would
# scan as far again, so an entry costs at most about FAST_DEPTH times this before the loop takes it.
FAST_SPAN = 64 << 10
_STARTS: list[re.Pattern[bytes]] = []
_AFTER = re.compile(rb"\}[ \t\r\n]*+([,\]])")
# What an entry learned from starts with, for the separator: `{`, whitespace, its first key whole.
_FIRST_KEY = re.compile(rb'\{[ \t\r\n]*+"[^"\\\x00-\x1f]{1,100}+"')
# The separators kept (a file whose entries start with more keys than this is cut by parsing less).
SEPARATORS = 16
_SEP_MAX = 256  # nor longer ones (whitespace between entries can be of any length)
# An entry is cut by parsing it only up to this size: the parser's working memory grows with it.
PARSE_SPAN = 256 << 10
# What a parser hands back for text it leaves to the slow way.
NOT_PARSED: object = object()


@dataclass(frozen=True, slots=True)
class RawEntry:
    index: int  # position in log.entries, from 0
    data: bytes  # the item's JSON text, surrounding whitespace removed
    depth: int  # the deepest nesting inside it (an object of objects is 2)


@dataclass(frozen=True, slots=True)
class Parsed:
    """An entry cut by parsing it (`EntryScanner(parse=...)`): the parser's value, an object nested
    at most the scanner's `max_depth` deep."""

    index: int
    value: object


@dataclass(frozen=True, slots=True)
class Truncated:
    """The file ended inside entry `index` (a capture cut short, a partial download)."""

    index: int


@dataclass(frozen=True, slots=True)
class Unclosed:
    """The file ended after a whole entry but before the array closed (a spill file cut short)."""


class _Buffer:
    """A window on the file.  Positions are absolute file offsets; bytes before the position a
    caller still needs (`keep`) may be dropped when more are read."""

    def __init__(self, f: IO[bytes], chunk: int) -> None:
        self.f = f
        self.chunk = chunk
        self.data = bytearray()
        self.base = 0  # file offset of data[0]
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def byte(self, pos: int) -> int:
        return self.data[pos - self.base]

    def slice(self, start: int, end: int) -> bytes:
        with memoryview(self.data) as view:  # one copy, not a bytearray slice and then its bytes
            return bytes(view[start - self.base : end - self.base])

    def release(self, keep: int) -> None:
        """Let go of what lies before `keep` now, so a big entry's bytes are not held while it is
        parsed and classified."""
        drop = keep - self.base
        if drop <= 0 or drop < len(self.data) // 2:
            return
        if len(self.data) > 2 * self.chunk:
            # A fresh buffer: deleting from the front keeps a big allocation alive.
            self.data = self.data[drop:]
        else:
            del self.data[:drop]
        self.base = keep

    def search(self, pattern: re.Pattern[bytes], pos: int) -> int | None:
        m = pattern.search(self.data, pos - self.base)
        return None if m is None else m.start() + self.base

    def string_end(self, pos: int) -> int:
        """Where the string body starting at `pos` stops (its closing quote, or where data ends)."""
        m = _STRING_BODY.match(self.data, pos - self.base)
        assert m is not None  # the pattern matches the empty string
        return m.end() + self.base

    def more(self, keep: int) -> bool:
        """Read more, dropping what lies before `keep`; False at end of file."""
        if self.eof:
            return False
        self.release(keep)
        # Read as much as is held (up to MAX_READ), so an entry of any size costs linear time.
        block = self.f.read(max(self.chunk, min(len(self.data), MAX_READ)))
        if not block:
            self.eof = True
            return False
        self.data += block
        return True


def _deeper(value: object, limit: int) -> bool:
    """Whether a parsed value nests deeper than `limit` (an object of objects is 2), level by level."""
    level: list[Any] = [value]
    depth = 1
    while True:
        inner: list[Any] = [
            child
            for container in level
            for child in (container.values() if type(container) is dict else container)
            if type(child) is dict or type(child) is list
        ]
        if not inner:
            return False
        depth += 1
        if depth > limit:
            return True
        level = inner


class EntryScanner:
    """Iterate over `log.entries` of a HAR stream; `found` says whether the array was reached."""

    def __init__(
        self,
        f: IO[bytes],
        chunk: int = CHUNK,
        parse: Callable[[bytes], object] | None = None,
        max_depth: int = 0,
    ) -> None:
        """`parse` (its value, or `NOT_PARSED`) lets entries nested at most `max_depth` deep be
        cut by parsing them: they come back `Parsed`, the others `RawEntry`."""
        self.buf = _Buffer(f, chunk)
        self.pos = 0
        self.found = False
        # Containers from the root down to the entries array: (bracket, the key that led to it).
        self._stack: list[tuple[int, bytes | None]] = []
        self._parse = parse
        self._max_depth = max_depth
        # The bytes seen between two entries, up to the second's first key (entries of one file
        # may start with different keys), the latest last; and a pattern finding any of them.
        self._seps: list[bytes] = []
        self._sep: re.Pattern[bytes] | None = None
        self._tail: bytes | None = None  # the last entry cut the slow way: its `}` to the comma
        self._miss = 0  # no entry that starts before this is cut by parsing

    # -- finding the array --------------------------------------------------------------------

    def find_entries(self) -> bool:
        """Advance to just inside `log.entries`; False if the file has no such array."""
        expect_key = False
        key: bytes | None = None
        while True:
            at = self._next(_TOKEN, self.pos, self.pos)
            if at is None:
                return False
            char = self.buf.byte(at)
            self.pos = at + 1
            if char == 0x22:  # "
                end = self._string_end(at + 1, at + 1)
                if end is None:
                    return False
                if expect_key:
                    key = self.buf.slice(at + 1, min(end, at + 17))
                self.pos = end + 1
            elif char in _OPEN:
                parent_is_object = bool(self._stack) and self._stack[-1][0] == 0x7B
                self._stack.append((char, key if parent_is_object else None))
                expect_key = char == 0x7B
                key = None
                if self._is_entries():
                    self.found = True
                    return True
            elif char in _CLOSE:
                if self._stack:
                    self._stack.pop()
                if not self._stack:
                    return False
                expect_key = False
            elif char == 0x2C:  # ,
                expect_key = bool(self._stack) and self._stack[-1][0] == 0x7B
            else:  # :
                expect_key = False

    def _is_entries(self) -> bool:
        s = self._stack
        return len(s) == 3 and s[0][0] == 0x7B and s[1] == (0x7B, b"log") and s[2] == (0x5B, b"entries")

    # -- cutting entries ----------------------------------------------------------------------

    def entries(self) -> Iterator[RawEntry | Parsed | Truncated | Unclosed]:
        """Each item of the array, in order; the scanner must be inside it (`find_entries`)."""
        index = 0
        while True:
            start = self._skip_ws(self.pos)
            if start is None:
                yield Unclosed()
                return
            first = self.buf.byte(start)
            if first == 0x5D:  # ]: the array ends
                self.pos = start + 1
                return
            if first == 0x2C:  # a stray comma, as in [a,,b]: not an item
                self.pos = start + 1
                self._tail = None
                continue
            if self._tail is not None:
                self._learn(start)
            if self._sep is not None and start >= self._miss:
                parsed = self._parsed(index, start)
                if parsed is not None:
                    yield parsed
                    index += 1
                    continue
            cut = self._item(start)
            if cut is None:
                yield Truncated(index)
                return
            end, depth, closer = cut
            if closer == -1:  # a whole item, then the end of the file
                yield RawEntry(index, self.buf.slice(start, end).rstrip(_WS), depth)
                yield Unclosed()
                return
            self.pos = end + 1
            comma = end
            while end > start and self.buf.byte(end - 1) in _WS:
                end -= 1
            if self._parse is not None and closer == 0x2C and self.buf.byte(end - 1) == 0x7D:
                self._tail = self.buf.slice(end - 1, comma + 1)
            if end > start:
                # Not kept in a local: this generator's frame must not hold the bytes while the
                # entry is parsed and classified.
                yield self._cut(index, start, end, depth)
                index += 1
            if closer == 0x5D:
                return

    def _learn(self, start: int) -> None:
        """The separator, from the slow way's last entry and the one starting at `start`."""
        tail, self._tail = self._tail, None
        buf = self.buf
        if tail is None or self.pos < buf.base:  # the whitespace between them is no longer held
            return
        m = _FIRST_KEY.match(buf.data, start - buf.base)
        if m is None:
            return
        sep = tail + buf.slice(self.pos, start) + m.group()
        if len(sep) > _SEP_MAX or sep in self._seps:
            return
        self._seps = [*self._seps[-(SEPARATORS - 1) :], sep]
        self._sep = re.compile(b"|".join(re.escape(s) for s in self._seps))

    def _parsed(self, index: int, start: int) -> Parsed | None:
        """The entry at `start`, cut where the separator next appears and parsed; None (the slow way)
        if that is not one whole object."""
        assert self._sep is not None and self._parse is not None
        buf = self.buf
        at = start - buf.base
        if buf.data[at] != 0x7B:  # {
            return None
        found = self._sep.search(buf.data, at, at + PARSE_SPAN + _SEP_MAX)
        if found is None:
            # Not within reach: entries starting before where the search ended go the slow way.
            self._miss = min(buf.end, start + PARSE_SPAN)
            return None
        close = found.start() + buf.base  # the entry's `}`
        self._miss = close + 1  # tried: whatever happens, never again for an entry before it
        text = buf.slice(start, close + 1)
        # Fewer brackets than the depth allowed (counting those in strings too) is as deep as it can
        # be; with more, the parsed value's nesting is measured (a page's script in a response
        # body is full of brackets, its entry four deep).
        shallow = text.count(b"{") + text.count(b"[") <= self._max_depth
        value = self._parse(text)
        if value is NOT_PARSED or not shallow and _deeper(value, self._max_depth):
            return None
        self.pos = close + found.group().index(b",") + 1
        buf.release(self.pos)
        return Parsed(index, value)

    def _cut(self, index: int, start: int, end: int, depth: int) -> RawEntry:
        """The entry's bytes, copied out; the buffer lets go of them at once."""
        raw = RawEntry(index, self.buf.slice(start, end), depth)
        self.buf.release(self.pos)
        return raw

    def _item(self, start: int) -> tuple[int, int, int] | None:
        """(end, depth, closing char) of the item at `start`; None at end of file."""
        whole = self._whole(start)
        if whole is not None:
            return whole
        depth = deepest = 0
        pos = start
        buf = self.buf
        # The hot loop reads the buffer's fields directly; they are read again after every call
        # that may move or grow the buffer (`more`, `_string_end`).
        data, base = buf.data, buf.base
        while True:
            m = (_RUN if depth else _RUN_TOP).match(data, pos - base)
            assert m is not None  # the patterns match the empty string
            at = m.end() + base
            if at >= base + len(data):
                if buf.more(start):
                    data, base = buf.data, buf.base
                    pos = at  # resumed here, never re-scanned
                    continue
                # The end of the file: the item is whole if its brackets all closed.
                return (buf.end, deepest, -1) if depth == 0 and deepest > 0 else None
            char = data[at - base]
            pos = at + 1
            if char == 0x22:  # a string that does not end in the buffer: read on to its end
                end = self._string_end(pos, start)
                if end is None:
                    return None
                data, base = buf.data, buf.base
                pos = end + 1
            elif char in _OPEN:
                depth += 1
                if depth > deepest:
                    deepest = depth
            elif char in _CLOSE:
                if depth == 0:
                    return at, deepest, char  # the array's own `]`
                depth -= 1
            else:  # a comma between items (the run stops at commas only at the entry's own level)
                return at, deepest, char

    def _whole(self, start: int) -> tuple[int, int, int] | None:
        """`_item`'s answer for an object wholly in the buffer, found by `_STARTS`; else None."""
        data, base = self.buf.data, self.buf.base
        at = start - base
        if at >= len(data) or data[at] != 0x7B:
            return None
        starts = _STARTS
        for depth in range(1, FAST_DEPTH + 1):
            if depth > len(starts):  # compiled when an entry first reaches this depth: all 16 take 12 ms
                starts.append(_object_start(depth))
            stop = starts[depth - 1].match(data, at).end()  # type: ignore[union-attr]  # it always matches
            if stop >= len(data):
                return None  # the buffer ends inside it: the loop reads on
            char = data[stop]
            if char == 0x7D:  # }: the object closed within this depth
                after = _AFTER.match(data, stop)
                return None if after is None else (after.start(1) + base, depth, data[after.start(1)])
            if char not in _OPEN:
                return None  # a `]` closing it: the loop's way with such text is the one to keep
            if stop - at > FAST_SPAN:
                return None  # deeper patterns would scan as far again: a big entry is the loop's
        return None

    # -- low level ----------------------------------------------------------------------------

    def _next(self, pattern: re.Pattern[bytes], pos: int, keep: int) -> int | None:
        """The position of the next token at or after `pos`, reading more as needed."""
        while True:
            at = self.buf.search(pattern, pos)
            if at is not None:
                return at
            pos = max(pos, self.buf.end)
            if not self.buf.more(keep):
                return None

    def _string_end(self, pos: int, keep: int) -> int | None:
        """The position of the closing quote of a string whose body starts at `pos`."""
        while True:
            end = self.buf.string_end(pos)
            if end < self.buf.end and self.buf.byte(end) == 0x22:
                return end
            pos = end  # resumed here, never re-scanned: linear in the string's length
            if not self.buf.more(keep):
                return None

    def _skip_ws(self, pos: int) -> int | None:
        while True:
            while pos < self.buf.end and self.buf.byte(pos) in _WS:
                pos += 1
            if pos < self.buf.end:
                return pos
            if not self.buf.more(pos):
                return None
