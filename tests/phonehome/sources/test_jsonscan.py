"""Cutting log.entries without parsing: the same entries as a full parse, at any chunk size, on any input."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonehome.sources import jsonscan
from phonehome.sources.jsonscan import NOT_PARSED, EntryScanner, Parsed, RawEntry, Truncated, Unclosed

HARS = sorted((Path(__file__).resolve().parents[2] / "data" / "har-clients").glob("*.har"))


def _scan(data: bytes, chunk: int = 1 << 20) -> tuple[bool, list[RawEntry | Truncated | Unclosed]]:
    scanner = EntryScanner(io.BytesIO(data), chunk)
    if not scanner.find_entries():
        return False, []
    return True, list(scanner.entries())


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize("path", HARS, ids=[p.name for p in HARS])
def test_real_hars_cut_as_a_full_parse_reads_them(path: Path, chunk: int) -> None:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        want = json.loads(data)["log"]["entries"]
    except ValueError:
        pytest.skip("a deliberately broken file")
    found, items = _scan(data, chunk)
    assert found
    assert [json.loads(i.data) for i in items if isinstance(i, RawEntry)] == want
    assert [i.index for i in items if isinstance(i, RawEntry)] == list(range(len(want)))


def test_keys_are_followed_only_on_the_way_to_the_entries() -> None:
    doc = {
        "x": {"log": {"entries": [1]}},  # not at the top
        "log": {
            "pages": [{"entries": [2]}],
            "comment": '"entries": [3]',
            "entries": [{"a": "]},{"}, [4], "s"],
        },
    }
    found, items = _scan(json.dumps(doc).encode())
    assert found
    assert [json.loads(i.data) for i in items if isinstance(i, RawEntry)] == [{"a": "]},{"}, [4], "s"]


@pytest.mark.parametrize(
    ("text", "found"),
    [("[]", False), ("{}", False), ('{"log": {"entries": {}}}', False), ('{"log": 1, "entries": []}', False)],
)
def test_json_without_log_entries(text: str, found: bool) -> None:
    assert _scan(text.encode())[0] is found


def test_a_cut_inside_an_entry_and_after_a_whole_one() -> None:
    head = b'{"log": {"entries": [{"a": 1}, {"b": "x'
    assert _scan(head)[1] == [RawEntry(0, b'{"a": 1}', 1), Truncated(1)]
    assert _scan(b'{"log": {"entries": [{"a": 1}, {"b": 2}')[1] == [
        RawEntry(0, b'{"a": 1}', 1),
        RawEntry(1, b'{"b": 2}', 1),
        Unclosed(),
    ]


def test_depth_is_measured_not_parsed() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    _, items = _scan(b'{"log": {"entries": [' + deep + b', {"ok": 1}]}}')
    assert [(i.index, i.depth) for i in items if isinstance(i, RawEntry)] == [(0, 100_000), (1, 1)]


def test_a_long_escaped_string_is_linear() -> None:
    """A 48 MB JSON-escaped body once took 205 s; double the size must about double the time."""

    def cost(n: int) -> float:
        body = json.dumps('{"k":"v\\\\"}' * n)  # escapes everywhere
        data = ('{"log": {"entries": [{"postData": {"text": ' + body + "}}]}}").encode()
        start = time.perf_counter()
        _, items = _scan(data, chunk=1 << 16)
        assert len(items) == 1
        return time.perf_counter() - start

    small, large = cost(200_000), cost(1_600_000)
    assert large < 8 * 4 * max(small, 1e-3)  # 8x the data; quadratic would be 64x


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(deadline=None)
@given(st.lists(_JSON, max_size=6), st.sampled_from([1, 3, 16, 1 << 20]), st.booleans())
def test_any_entries_round_trip(entries: list[object], chunk: int, ascii_only: bool) -> None:
    data = json.dumps({"log": {"version": "1.2", "entries": entries}}, ensure_ascii=ascii_only)
    found, items = _scan(data.encode("utf-8", "surrogatepass"), chunk)
    assert found
    assert [json.loads(i.data) for i in items if isinstance(i, RawEntry)] == entries


@settings(deadline=None)
@given(st.binary(max_size=400), st.sampled_from([1, 5, 1 << 20]))
def test_random_bytes_never_raise(data: bytes, chunk: int) -> None:
    _scan(b'{"log": {"entries": [' + data, chunk)
    _scan(data, chunk)


@settings(deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=5), st.data())
def test_truncation_keeps_every_whole_entry_before_the_cut(
    entries: list[object], data: st.DataObject
) -> None:
    text = json.dumps({"log": {"entries": entries}}).encode()
    cut = data.draw(st.integers(0, len(text)))
    _, items = _scan(text[:cut])
    for item in items:
        if isinstance(item, RawEntry):  # only whole entries come back, each the one it was
            assert json.loads(item.data) == entries[item.index]


# Text made of what decides where an entry ends: brackets of both kinds (matched or not), commas,
# colons, whitespace, whole strings (with escaped quotes and backslashes, and brackets inside), a
# lone quote, numbers.
_TOKENS = st.sampled_from(
    [
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b" ",
        b"\n",
        b'"ab"',
        b'"a\\"b"',
        b'"a\\\\"',
        b'"{]"',
        b'"',
        b"1",
        b"x",
    ]
)


def _without_fast_path(monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int) -> list[object]:
    with monkeypatch.context() as m:
        m.setattr(EntryScanner, "_whole", lambda self, start: None)
        return _scan(data, chunk)[1]  # type: ignore[return-value]


@given(
    st.lists(st.lists(_TOKENS, max_size=40).map(b"".join), max_size=5), st.sampled_from([1, 5, 64, 1 << 20])
)
def test_an_entry_cut_in_one_match_is_cut_as_the_loop_cuts_it(
    monkeypatch: pytest.MonkeyPatch, bodies: list[bytes], chunk: int
) -> None:
    """Entries shaped like objects, mostly: the one-match path and the loop give the same items,
    depths and ends, whatever the text (fails if the fast path's idea of an entry differs)."""
    data = b'{"log": {"entries": [' + b", ".join(b"{" + body + b"}" for body in bodies) + b"]}}"
    assert _scan(data, chunk)[1] == _without_fast_path(monkeypatch, data, chunk)


@pytest.mark.parametrize("path", HARS, ids=[p.name for p in HARS])
def test_real_hars_cut_in_one_match_as_the_loop_cuts_them(
    monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    found, items = _scan(data)
    assert items == _without_fast_path(monkeypatch, data, 1 << 20)


def test_the_one_match_path_is_taken_for_a_plain_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = EntryScanner._whole
    monkeypatch.setattr(EntryScanner, "_whole", lambda self, start: calls.append(r := real(self, start)) or r)
    entry = {"request": {"headers": [{"name": "a", "value": "]["}]}, "x": [[[]]]}
    found, items = _scan(json.dumps({"log": {"entries": [entry, entry]}}).encode())
    assert [(i.index, i.depth) for i in items if isinstance(i, RawEntry)] == [(0, 4), (1, 4)]
    assert calls and all(c is not None for c in calls)


def test_a_big_entry_is_left_to_the_loop_after_one_long_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern that scanned far before a bracket too deep ends the trying: the deeper ones would
    each scan as far again (16 passes over a big entry)."""
    from phonehome.sources import jsonscan

    scanned: list[int] = []

    class Counted:
        def __init__(self, pattern: Any) -> None:
            self.pattern = pattern

        def match(self, data: Any, pos: int) -> Any:
            m = self.pattern.match(data, pos)
            scanned.append(m.end() - pos)
            return m

    jsonscan._STARTS.clear()
    monkeypatch.setattr(
        jsonscan, "_STARTS", [Counted(jsonscan._object_start(d)) for d in range(1, jsonscan.FAST_DEPTH + 1)]
    )
    deep: object = 1
    for _ in range(20):
        deep = [deep]
    entry = {"a": "x" * (jsonscan.FAST_SPAN * 2), "b": deep}
    found, items = _scan(json.dumps({"log": {"entries": [entry]}}).encode())
    assert [i.depth for i in items if isinstance(i, RawEntry)] == [21]
    assert len(scanned) == 1 and scanned[0] > jsonscan.FAST_SPAN


def test_the_patterns_are_compiled_only_as_deep_as_the_entries_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """All sixteen take 12 ms to compile, at the start of every read: an entry three deep needs three."""
    from phonehome.sources import jsonscan

    monkeypatch.setattr(jsonscan, "_STARTS", [])
    entry = {"request": {"headers": [{"name": "a", "value": "b"}]}}
    found, items = _scan(json.dumps({"log": {"entries": [entry, entry]}}).encode())
    assert found and [i.depth for i in items if isinstance(i, RawEntry)] == [4, 4]
    assert len(jsonscan._STARTS) == 4
    deeper = {"a": [[[[[1]]]]]}
    _scan(json.dumps({"log": {"entries": [deeper]}}).encode())
    assert len(jsonscan._STARTS) == 6


# -- cutting by parsing ---------------------------------------------------------------------------


def _orjson(text: bytes) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return NOT_PARSED


def _values(items: list[Any]) -> list[object]:
    """What each item says: an entry's value (parsed here if it came as bytes), or the item."""
    out: list[object] = []
    for i in items:
        if isinstance(i, Parsed):
            out.append((i.index, i.value))
        elif isinstance(i, RawEntry):
            value = _orjson(i.data)
            out.append((i.index, value if value is not NOT_PARSED else ("unparsed", i.data, i.depth)))
        else:
            out.append(i)
    return out


def _scan_parsing(
    data: bytes, chunk: int = 1 << 20, max_depth: int = 64, parse: Any = _orjson
) -> list[RawEntry | Parsed | Truncated | Unclosed]:
    scanner = EntryScanner(io.BytesIO(data), chunk, parse=parse, max_depth=max_depth)
    return list(scanner.entries()) if scanner.find_entries() else []


_FORMATS = st.sampled_from(
    [
        {},
        {"separators": (",", ":")},
        {"indent": 2},
        {"indent": 4, "ensure_ascii": False},
        {"indent": "\t"},
    ]
)


@settings(deadline=None)
@given(st.lists(_JSON, max_size=8), _FORMATS, st.sampled_from([1, 5, 64, 1 << 20]), st.booleans())
def test_entries_cut_by_parsing_are_the_entries_cut_by_brackets(
    entries: list[object], fmt: dict[str, Any], chunk: int, same_keys: bool
) -> None:
    """Whatever the entries and the writer's layout, the scanner that parses gives the same entries,
    in the same places, as the one that counts brackets; a file's entries that begin alike are
    nearly all cut by parsing (fails if candidates are wrong, or never tried)."""
    if same_keys:  # as a HAR's: objects whose first key is one of a few
        entries = [
            {("started", "pageref")[i % 2]: i, "body": e, "more": [{"started": 1}]}
            for i, e in enumerate(entries)
        ]
    data = json.dumps({"log": {"entries": entries}}, **fmt).encode("utf-8", "surrogatepass")
    slow = _scan(data, chunk)[1]
    fast = _scan_parsing(data, chunk)
    assert _values(fast) == _values(slow)
    if same_keys and chunk == 1 << 20:
        # The first ones (learning both first keys: one of them twice, the entry after an unknown
        # key cannot be cut at its end) and the last (no separator after it).
        assert sum(isinstance(i, RawEntry) for i in fast) <= 4


@settings(deadline=None)
@given(
    st.lists(st.lists(_TOKENS | st.just(b'"k"'), max_size=30).map(b"".join), max_size=8),
    st.sampled_from([b", ", b",", b",\n  "]),
    st.sampled_from([1, 5, 64, 1 << 20]),
)
def test_any_text_cut_by_parsing_is_cut_as_by_brackets(bodies: list[bytes], sep: bytes, chunk: int) -> None:
    """Hostile text between entries that start alike: brackets in and out of strings, separators
    inside entries, broken strings.  Same items either way; what was parsed is what the bytes the
    slow way cut parse to."""
    data = b'{"log": {"entries": [' + sep.join(b'{"k": ' + body + b"}" for body in bodies) + b"]}}"
    assert _values(_scan_parsing(data, chunk)) == _values(_scan(data, chunk)[1])


def test_an_entry_nested_deeper_than_allowed_comes_as_bytes_with_its_depth() -> None:
    """Past `max_depth` the entry is cut the slow way, so its depth is known (HAR import skips entries
    nested too deep before parsing them); brackets in strings, or many side by side, do not count."""
    entries = [
        {"a": 1},
        {"a": 2},
        {"a": [[[[[[[[1]]]]]]]]},
        {"a": "[[[[[[[[[["},
        {"a": [[1], [2], [3], [4], [5]], "b": {"c": {"d": {}}}},
        {"a": [1, [2, [3, [4, [5]]]]]},
        {"a": 3},
    ]
    items = _scan_parsing(json.dumps({"log": {"entries": entries}}).encode(), max_depth=5)
    kinds = ["RawEntry", "Parsed", "RawEntry", "Parsed", "Parsed", "RawEntry", "RawEntry"]
    assert [type(i).__name__ for i in items] == kinds
    assert [i.depth for i in items if isinstance(i, RawEntry)] == [1, 9, 6, 1]
    assert _values(items) == [(i, e) for i, e in enumerate(entries)]


@given(_JSON, st.integers(1, 8))
def test_the_depth_of_a_parsed_value_is_the_depth_the_cut_measures(value: object, limit: int) -> None:
    data = json.dumps({"log": {"entries": [{"v": value}]}}).encode("utf-8", "surrogatepass")
    (raw,) = _scan(data)[1]
    assert isinstance(raw, RawEntry)
    assert jsonscan._deeper({"v": value}, limit) is (raw.depth > limit)


def test_what_the_parser_refuses_is_cut_the_slow_way() -> None:
    entries = [{"a": 1}, {"a": 2}, {"a": "refused"}, {"a": 4}, {"a": 5}]
    parse = lambda text: NOT_PARSED if b"refused" in text else orjson.loads(text)  # noqa: E731
    items = _scan_parsing(json.dumps({"log": {"entries": entries}}).encode(), parse=parse)
    assert [type(i).__name__ for i in items] == ["RawEntry", "Parsed", "RawEntry", "Parsed", "RawEntry"]
    assert _values(items) == [(i, e) for i, e in enumerate(entries)]


@pytest.mark.parametrize("path", HARS, ids=[p.name for p in HARS])
def test_real_hars_cut_by_parsing_as_by_brackets(path: Path) -> None:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    items = _scan_parsing(data)
    assert _values(items) == _values(_scan(data)[1])


def test_failed_candidates_cost_linear_time() -> None:
    """Entries full of inner objects that begin as entries do: every separator found inside one is a
    candidate that fails.  Each failure moves the next try past it, so the text given to the parser
    adds up to less than the file, and the searches for separators too."""
    inner = [{"a": i} for i in range(2000)]
    # Inside entries, and far ahead of entries whose first key is never learned (it has an escape):
    # each of those would find the same candidate again, or search to the end for none.
    others = [{'b"': i} for i in range(2000)]
    entries = [
        {"a": 0},
        {"a": 1},
        *({"a": inner} for _ in range(20)),
        *others,
        {"c": inner},
        {"a": 2},
        *others,
    ]
    data = json.dumps({"log": {"entries": entries}}, separators=(",", ":")).encode()
    parsed: list[int] = []

    def parse(text: bytes) -> object:
        parsed.append(len(text))
        return _orjson(text)

    searched: list[int] = []  # bytes each search for a separator passed over

    class Counted:
        def __init__(self, pattern: re.Pattern[bytes]) -> None:
            self.pattern = pattern

        def search(self, data: bytearray, pos: int, endpos: int) -> re.Match[bytes] | None:
            m = self.pattern.search(data, pos, endpos)
            searched.append((m.end() if m else min(endpos, len(data))) - pos)
            return m

    real_compile = re.compile
    with pytest.MonkeyPatch.context() as m:
        m.setattr(jsonscan.re, "compile", lambda *a: Counted(real_compile(*a)))
        items = _scan_parsing(data, parse=parse)
    assert _values(items) == [(i, e) for i, e in enumerate(entries)]
    assert sum(parsed) < len(data)
    assert sum(searched) < len(data)
