"""classifiers.protobuf: schema-less wire-format reading, gRPC framing, and never raising on junk."""

from __future__ import annotations

import gzip
import random
import struct
import time

import pytest
from phonehome.classifiers.decode.protobuf import (
    I32,
    I64,
    LEN,
    VARINT,
    PbField,
    Truncated,
    flatten,
    grpc_frames,
    is_plausible_message,
    parse_message,
)

# -- a tiny encoder --------------------------------------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def v(number: int, value: int) -> bytes:
    return tag(number, VARINT) + varint(value)


def ln(number: int, payload: bytes | str) -> bytes:
    raw = payload.encode() if isinstance(payload, str) else payload
    return tag(number, LEN) + varint(len(raw)) + raw


def f32(number: int, value: int) -> bytes:
    return tag(number, I32) + struct.pack("<I", value)


def f64(number: int, value: int) -> bytes:
    return tag(number, I64) + struct.pack("<Q", value)


def frame(payload: bytes, compressed: bool = False) -> bytes:
    return bytes([compressed]) + struct.pack(">I", len(payload)) + payload


def parse(data: bytes) -> list[PbField] | None:
    return parse_message(data, max_depth=10, max_fields=5000)


def leaves(data: bytes) -> list[tuple[str, int | str | bytes]]:
    fields = parse(data)
    assert fields is not None
    return [(path, value) for path, value, _ in flatten(fields)]


# -- scalars, nesting, repetition ------------------------------------------------------------------


def test_scalar_wire_types() -> None:
    data = v(1, 150) + f32(2, 0xDEADBEEF) + f64(3, 2**63 + 5) + ln(4, "hello") + v(5, 2**64 - 1)
    assert parse(data) == [
        PbField(1, VARINT, 150),
        PbField(2, I32, 0xDEADBEEF),
        PbField(3, I64, 2**63 + 5),
        PbField(4, LEN, "hello"),
        PbField(5, VARINT, 2**64 - 1),  # int64 -1 as sent: unsigned
    ]


def test_nested_messages_and_dotted_paths() -> None:
    device = ln(1, "Pixel 7") + v(2, 34) + ln(3, ln(1, "861234567890127"))
    data = ln(1, v(19, 7) + ln(2, device)) + v(2, 1)
    assert leaves(data) == [
        ("1.19", 7),
        ("1.2.1", "Pixel 7"),
        ("1.2.2", 34),
        ("1.2.3.1", "861234567890127"),
        ("2", 1),
    ]
    fields = parse(data)
    assert fields is not None
    assert [(p, w) for p, _, w in flatten(fields, prefix="body")][:2] == [
        ("body.1.19", VARINT),
        ("body.1.2.1", LEN),
    ]


def test_repeated_fields_yield_the_same_path() -> None:
    apps = b"".join(ln(3, name) for name in ("com.a.app", "com.b.app", "com.c.app"))
    assert leaves(ln(1, apps + v(4, 1))) == [
        ("1.3", "com.a.app"),
        ("1.3", "com.b.app"),
        ("1.3", "com.c.app"),
        ("1.4", 1),
    ]


def test_large_field_numbers_and_multibyte_lengths() -> None:
    long_text = "x" * 300
    assert leaves(v(2**29 - 1, 1) + ln(1000, long_text)) == [("536870911", 1), ("1000", long_text)]


# -- strings, messages and bytes: the ambiguity ---------------------------------------------------


@pytest.mark.parametrize("text", ["ab", "hi", "hello world", "a", "{}", "\tindented\r\n", "x=1&y=2"])
def test_short_printable_text_stays_a_string(text: str) -> None:
    # "hi" alone parses cleanly as field 13 = 105: printable text must win.
    assert parse(ln(1, text)) == [PbField(1, LEN, text)]


def test_empty_length_delimited_is_empty_string() -> None:
    assert parse(ln(1, b"")) == [PbField(1, LEN, "")]


def test_non_ascii_text_is_a_string() -> None:
    for text in ("北京市朝阳区", "café crème", "emoji 👍"):
        assert parse(ln(1, text)) == [PbField(1, LEN, text)]


def test_real_nested_message_with_a_varint() -> None:
    assert parse(ln(1, v(1, 5))) == [PbField(1, LEN, [PbField(1, VARINT, 5)])]


def test_nested_message_holding_a_printable_string() -> None:
    # {1: <40 hex chars>} is all printable ASCII ("\n(" + hex), yet it is a message, not text.
    ident = "a1b2c3d4e5" * 4
    assert leaves(ln(1, ln(1, ident))) == [("1.1", ident)]
    assert leaves(ln(2, ln(1, "short"))) == [("2.1", "short")]  # length byte 5 is a control char


def test_text_starting_with_newline_that_does_not_parse_is_a_string() -> None:
    assert parse(ln(1, "\nsome text")) == [PbField(1, LEN, "\nsome text")]


def test_gzip_bytes_stay_bytes() -> None:
    blob = gzip.compress(b'{"imei": "861234567890127"}', mtime=0)
    assert parse(ln(7, blob)) == [PbField(7, LEN, blob)]


def test_binary_that_is_neither_message_nor_text_stays_bytes() -> None:
    blob = bytes([0xFF, 0xFE, 0x00, 0x01])
    assert parse(ln(1, blob)) == [PbField(1, LEN, blob)]


# -- rejection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        tag(1, 3) + v(1, 1) + tag(1, 4),  # a group: unsupported
        tag(1, 4),
        tag(1, 6) + b"\x00",
        tag(1, 7) + b"\x00",
        v(0, 1),  # field number 0
        varint(2**29 << 3) + b"\x01",  # field number 2**29
        v(1, 1)[:-1] + b"\x81",  # varint runs off the end
        tag(1, VARINT) + b"\xff" * 10 + b"\x01",  # varint over 10 bytes
        tag(1, VARINT) + b"\xff" * 9 + b"\x02",  # varint over 64 bits
        ln(1, "hello")[:-1],  # length past the end
        f32(1, 5)[:-1],
        f64(1, 5)[:-1],
        v(1, 1) + b"\x08",  # tag with no value
        b"\x80",
    ],
)
def test_malformed_is_none(data: bytes) -> None:
    assert parse(data) is None


def test_empty_buffer_is_an_empty_message() -> None:
    assert parse(b"") == []


def test_is_plausible_message() -> None:
    assert is_plausible_message(v(1, 1) + ln(2, "x"))
    assert is_plausible_message(ln(1, v(1, 5)))  # one field, but a nested message
    assert not is_plausible_message(v(1, 1))  # a single varint proves nothing
    assert not is_plausible_message(b"hi")  # parses as {13: 105} but it is text
    assert not is_plausible_message(b'{"a": 1}')
    assert not is_plausible_message("текст".encode())
    assert not is_plausible_message(b"")
    assert not is_plausible_message(v(1, 1) + b"\x80")
    assert not is_plausible_message(gzip.compress(b"hello", mtime=0))


# -- limits ---------------------------------------------------------------------------------------


def test_max_fields_raises_truncated_with_what_was_parsed() -> None:
    data = b"".join(v(1, i) for i in range(100))
    with pytest.raises(Truncated) as cut:
        parse_message(data, max_depth=10, max_fields=10)
    assert cut.value.reason == "fields"
    assert cut.value.fields == [PbField(1, VARINT, i) for i in range(10)]


def test_max_fields_counts_nested_fields() -> None:
    data = ln(1, b"".join(v(2, i) for i in range(50))) + v(3, 1)
    with pytest.raises(Truncated) as cut:
        parse_message(data, max_depth=10, max_fields=5)
    assert cut.value.reason == "fields"
    assert cut.value.fields == [PbField(1, LEN, [PbField(2, VARINT, i) for i in range(4)])]


def test_max_fields_hit_on_the_last_field_still_signals() -> None:
    with pytest.raises(Truncated) as cut:
        parse_message(v(1, 1) + ln(2, v(1, 5)), max_depth=10, max_fields=2)
    assert cut.value.reason == "fields"
    assert cut.value.fields == [PbField(1, VARINT, 1), PbField(2, LEN, v(1, 5))]  # not looked into


def test_max_depth_leaves_deep_messages_as_bytes() -> None:
    inner = ln(1, v(1, 5))
    data = ln(1, ln(1, inner))
    assert parse_message(data, max_depth=4, max_fields=100) == [
        PbField(1, LEN, [PbField(1, LEN, [PbField(1, LEN, [PbField(1, VARINT, 5)])])])
    ]
    with pytest.raises(Truncated) as cut:
        parse_message(data, max_depth=2, max_fields=100)
    assert cut.value.reason == "depth"
    assert cut.value.fields == [PbField(1, LEN, [PbField(1, LEN, inner)])]


def test_max_depth_is_not_hit_by_deep_strings() -> None:
    data = ln(1, ln(1, "北京市朝阳区"))
    assert parse_message(data, max_depth=2, max_fields=100) == [
        PbField(1, LEN, [PbField(1, LEN, "北京市朝阳区")])
    ]


def test_very_deep_nesting_with_a_huge_max_depth_does_not_raise() -> None:
    data = v(1, 1)
    for _ in range(5000):
        data = ln(1, data)
    try:
        fields = parse_message(data, max_depth=10**6, max_fields=10**6)
    except Truncated as cut:
        fields = cut.fields
    assert fields is not None and len(fields) == 1


# -- gRPC -----------------------------------------------------------------------------------------


def test_grpc_one_frame() -> None:
    msg = v(1, 1) + ln(2, "x")
    assert grpc_frames(frame(msg)) == [(False, msg)]


def test_grpc_several_frames_and_compressed_flag() -> None:
    a, b = v(1, 1), gzip.compress(ln(2, "hello"), mtime=0)
    assert grpc_frames(frame(a) + frame(b, compressed=True) + frame(b"")) == [
        (False, a),
        (True, b),
        (False, b""),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        frame(b"abc")[:-1],  # length says more than there is
        frame(b"abc") + b"\x00",  # trailing bytes
        frame(b"abc") + b"\x00\x00\x00",  # a short header
        b"\x02" + frame(b"abc")[1:],  # flag must be 0 or 1
        b'{"json": true}',
    ],
)
def test_grpc_mismatch_is_none(data: bytes) -> None:
    assert grpc_frames(data) is None


# -- hostile input --------------------------------------------------------------------------------


def test_fuzz_never_raises_and_is_fast() -> None:
    rng = random.Random(1)
    seeds = [v(1, 1) + ln(2, ln(1, "abc") + f64(3, 9)) + f32(4, 1), frame(ln(1, v(2, 3)))]
    start = time.perf_counter()
    for i in range(5000):
        if i % 2:
            data = rng.randbytes(rng.randrange(0, 300))
        else:  # mutate something valid, so the parser gets deep before failing
            mutated = bytearray(rng.choice(seeds))
            for _ in range(rng.randrange(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            data = bytes(mutated)
        try:
            fields = parse_message(data, max_depth=5, max_fields=50)
        except Truncated as cut:
            fields = cut.fields
        if fields is not None:
            list(flatten(fields))
        is_plausible_message(data)
        grpc_frames(data)
    assert time.perf_counter() - start < 5


def test_large_input_is_linear() -> None:
    # 1 MB of nested-looking junk: every byte is read at most max_depth times.
    rng = random.Random(2)
    data = rng.randbytes(1 << 20)
    start = time.perf_counter()
    failing_levels = v(1, 1) * (1 << 18)
    for _ in range(10):  # every level fails at its last byte, after its children parsed
        failing_levels = ln(1, failing_levels + b"\x80")
    for blob in (data, b"\x0a" * (1 << 20), ln(1, b"\x0a\x7f" * 60) * 8000, failing_levels):
        for limit in (5000, 10**7):
            try:
                parse_message(blob, max_depth=10, max_fields=limit)
            except Truncated:
                pass
        is_plausible_message(blob)
    assert time.perf_counter() - start < 5


# -- time and size bounds -------------------------------------------------------------------------


def test_a_deadline_cuts_parsing_short_with_what_was_read() -> None:
    data = b"".join(v(1, i) for i in range(20_000))
    with pytest.raises(Truncated) as cut:
        parse_message(data, max_depth=10, max_fields=10**6, deadline=0.0)  # long past
    assert cut.value.reason == "time"
    assert cut.value.fields == [PbField(1, VARINT, i) for i in range(4095)]


def test_a_deadline_inside_a_nested_message_stops_every_level() -> None:
    data = ln(1, b"".join(v(2, i) for i in range(10_000))) + v(3, 1)
    with pytest.raises(Truncated) as cut:
        parse_message(data, max_depth=10, max_fields=10**6, deadline=0.0)
    assert cut.value.reason == "time" and len(cut.value.fields) == 1


def test_plausibility_reads_only_the_first_fields() -> None:
    data = b"".join(v(1, 1) for _ in range(100_000)) + b"\x80"  # malformed only at the very end
    assert is_plausible_message(data, max_fields=5000)
    assert not is_plausible_message(data, max_fields=10**6)


def test_grpc_frames_stop_at_max_frames() -> None:
    data = frame(v(1, 1)) * 10 + b"junk after the frames read"
    assert grpc_frames(data, max_frames=3) == [(False, v(1, 1))] * 3
    assert grpc_frames(data) is None
