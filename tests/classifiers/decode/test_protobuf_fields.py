"""classifiers.decode.protobuf_fields: protobuf fields with siblings by number, repeated strings joined."""

from __future__ import annotations

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Field, Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import rows


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _pb_str(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _pb_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _siblings(f: Field) -> dict[str, str] | None:
    return None if f.siblings is None else dict(f.siblings)


def test_protobuf_fields_carry_siblings_by_field_number() -> None:
    param = _pb_str(1, "_sn") + _pb_str(2, "CheckoutScreen") + _pb_int(3, 7)
    d = decode(exchange(body=_pb_str(1, param) + _pb_int(2, 42)))
    assert [(*row, _siblings(f)) for row, f in zip(rows(d), d.fields, strict=True)] == [
        (Where.BODY, "1.1", "1", "_sn", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        (Where.BODY, "1.2", "2", "CheckoutScreen", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        (Where.BODY, "1.3", "3", "7", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        # The outer message's siblings hold its scalars only: the nested message is not one.
        (Where.BODY, "2", "2", "42", ("protobuf",), {"2": "42"}),
    ]  # fmt: skip


def test_protobuf_siblings_stay_within_their_message() -> None:
    first = _pb_str(1, "_sn") + _pb_str(2, "Home")
    second = _pb_str(1, "_o") + _pb_str(2, "auto")
    d = decode(exchange(body=_pb_str(1, first) + _pb_str(1, second)))
    assert [(f.value, _siblings(f)) for f in d.fields if f.path == "1.2"] == [
        ("Home", {"1": "_sn", "2": "Home"}),
        ("auto", {"1": "_o", "2": "auto"}),
    ]


def test_repeated_protobuf_strings_are_also_offered_joined() -> None:
    apps = [_pb_str(5, p) for p in ("com.tencent.mm", "org.telegram.messenger", "com.whatsapp")]
    d = decode(exchange(body=_pb_str(1, b"".join(apps) + _pb_int(6, 3))))
    assert [(f.path, f.value, f.encodings) for f in d.fields] == [
        ("1.5", "com.tencent.mm", ("protobuf",)),
        ("1.5", "org.telegram.messenger", ("protobuf",)),
        ("1.5", "com.whatsapp", ("protobuf",)),
        ("1.6", "3", ("protobuf",)),
        ("1.5", "com.tencent.mm,org.telegram.messenger,com.whatsapp", ("protobuf", "list")),
    ]
    joined = d.fields[-1]
    assert (joined.key, joined.siblings) == ("5", None)


def test_a_single_or_non_string_protobuf_field_is_not_joined() -> None:
    d = decode(exchange(body=_pb_str(1, _pb_str(5, "com.tencent.mm") + _pb_int(6, 1) + _pb_int(6, 2))))
    assert not any("list" in f.encodings for f in d.fields)
    assert [(f.path, f.value) for f in d.fields] == [("1.5", "com.tencent.mm"), ("1.6", "1"), ("1.6", "2")]


def test_grpc_messages_stop_at_max_parts() -> None:
    message = _pb_str(1, "x")
    frames = (b"\x00" + len(message).to_bytes(4, "big") + message) * 2000
    d = decode(exchange(headers=(("Content-Type", "application/grpc"),), body=frames))
    assert len(d.fields) == 1000
    assert d.notes == ["limit: gRPC at body stopped after 1000 messages, rest not decoded"]
