"""mitmproxy flows -> Exchanges, for live capture and for replaying `mitmdump -w` files.

`exchange_from_flow` runs inside a proxy hook, so it only copies: no body decoding, no parsing.
"""

from __future__ import annotations

import gc
import ipaddress
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO

from mitmproxy import http
from mitmproxy.flow import Flow
from mitmproxy.io import compat, tnetstring
from mitmproxy.net.http.url import default_port
from mitmproxy.websocket import WebSocketMessage

from phonehome.classifiers.model import Exchange, Headers
from phonehome.devices import plain_address
from phonehome.sources import Item, Skipped, SourceError, display_name, one_line, open_error


def exchange_from_flow(flow: http.HTTPFlow) -> Exchange:
    request, response = flow.request, flow.response
    error = flow.error.msg if flow.error else None
    if response is None and error is None:
        error = "no response"  # same as a HAR entry without one
    return Exchange(
        time=datetime.fromtimestamp(request.timestamp_start, UTC),
        method=request.method,
        url=_url(request),
        request_headers=_headers(request.headers.fields),
        request_body=request.raw_content or b"",
        http_version=request.http_version,
        status=response.status_code if response else None,
        response_headers=_headers(response.headers.fields) if response else (),
        response_bytes=len(response.raw_content or b"") if response else 0,
        server_ip=_server_ip(flow),
        client_address=_client_address(flow),
        error=error,
        fingerprint=flow.id,
    )


def _url(request: http.Request) -> str:
    """`request.pretty_url`, the same text, without parsing and checking the Host header where it names
    the request's own host and port (nearly always): mitmproxy's `url` is then that text, built in
    half the time (`pretty_url` checks every label of the name).  A proxy hook runs this once a flow;
    `tests/phonehome/sources/test_mitm.py` holds it to `pretty_url` on random requests."""
    authority = request.host_header
    if authority and request.method != "CONNECT":  # a CONNECT's URL is its authority, as it came
        host, port = request.host, request.port
        if authority == f"{host}:{port}" or (authority == host and port == default_port(request.scheme)):
            return request.url
    return request.pretty_url


def exchanges_from_websocket(
    flow: http.HTTPFlow, message: WebSocketMessage, index: int | None = None
) -> Exchange:
    """One client -> server WebSocket message as an Exchange.

    `index` is the message's position in `flow.websocket.messages`; when not given it is looked up
    from the end, which is where the live `websocket_message` hook's message is.  A message that
    is not in the flow gets no fingerprint ("always new") rather than one that could collide.
    """
    if index is None:
        index = _message_index(flow, message)
    return Exchange(
        time=datetime.fromtimestamp(message.timestamp, UTC),
        method="WEBSOCKET",
        url=_url(flow.request),
        request_body=message.content,
        http_version=flow.request.http_version,
        server_ip=_server_ip(flow),
        client_address=_client_address(flow),
        fingerprint=f"{flow.id}:ws:{index}" if index is not None else "",
    )


def read_dump(path: str | os.PathLike[str]) -> Iterator[Item]:
    """Check that `path` is a flow dump now (SourceError if not), then stream its flows."""
    name = display_name(path)
    try:
        with open(path, "rb") as f:
            frame = _frame(f)
            if frame is None:
                raise SourceError(f"{name}: empty file")
            _flow(*frame)
    except OSError as e:
        raise open_error(path, e) from None
    except SourceError:
        raise
    except _Broken:
        raise SourceError(f"{name}: not a HAR file or mitmproxy flow dump (invalid data format)") from None
    except Exception as e:  # a first record that is not a flow: not a dump at all
        reason = _reason(e)
        raise SourceError(f"{name}: not a HAR file or mitmproxy flow dump ({reason})") from None
    return _flows(path)


_COLLECT_AFTER = 1 << 20  # bytes of a record after which its garbage is collected at once


class _Broken(Exception):
    """The file's framing is broken: no later record can be found."""


def _frame(f: IO[bytes]) -> tuple[int, bytes] | None:
    """The next tnetstring record as (type byte, payload); None at the end of the file.

    Each record says its own length, so a record whose payload cannot be parsed is skipped alone;
    only a broken length prefix or a cut payload ends the file.
    """
    digits = b""
    while (c := f.read(1)).isdigit():
        digits += c
        if len(digits) > 12:
            raise _Broken("absurdly large length prefix")
    if not digits and c == b"":
        return None
    if c != b":" or not digits:
        raise _Broken("missing or invalid length prefix")
    length = int(digits)
    data = f.read(length)
    kind = f.read(1)
    if len(data) < length or not kind:
        raise _Broken("the file ends inside a flow (cut short?)")
    return kind[0], data


def _flow(kind: int, data: bytes) -> Flow:
    state = tnetstring.parse(kind, memoryview(data))
    if not isinstance(state, dict):
        raise ValueError("a record that is not a flow")
    return Flow.from_state(compat.migrate_flow(state))


def _flows(path: str | os.PathLike[str]) -> Iterator[Item]:
    name = display_name(path)
    index = -1
    try:
        with open(path, "rb") as f:
            while True:
                try:
                    frame = _frame(f)
                except _Broken as e:
                    where = f"after entry {index}" if index >= 0 else "before the first entry"
                    yield Skipped(-1, f"{name}: unreadable {where} ({e}); rest of file unreadable")
                    return
                if frame is None:
                    return
                index += 1
                try:
                    flow = _flow(*frame)
                except Exception as e:  # noqa: BLE001 - mitmproxy lets KeyError, RecursionError... escape
                    yield Skipped(index, f"entry {index}: not a readable flow ({_reason(e)})")
                    continue
                # Neither the record's bytes nor the flow are held while its exchanges are
                # classified: only the exchanges, which share the flow's body.
                size = len(frame[1])
                frame = None
                items = _convert_safely(flow, index)
                flow = None  # type: ignore[assignment]
                if size >= _COLLECT_AFTER:
                    # mitmproxy leaves reference cycles that hold the record's bytes (a copy of the
                    # body); collected now, a big flow's garbage never waits for the next full sweep.
                    gc.collect()
                yield from items
                items = []
    except OSError as e:
        yield Skipped(-1, f"{name}: cannot read ({one_line(e.strerror or str(e))})")


def _convert_safely(flow: Flow, index: int) -> list[Item]:
    if not isinstance(flow, http.HTTPFlow):
        return [Skipped(index, f"entry {index}: {flow.type} flow not imported")]
    try:
        items: list[Item] = [exchange_from_flow(flow)]
        if flow.websocket is not None:
            items.extend(
                exchanges_from_websocket(flow, message, i)
                for i, message in enumerate(flow.websocket.messages)
                # Injected messages came from the proxy, not from the device.
                if message.from_client and not message.injected
            )
        return items
    except Exception as e:  # one odd flow must not stop the file
        return [Skipped(index, f"entry {index}: " + one_line(f"{type(e).__name__}: {e}"))]


def _headers(fields: Iterable[tuple[bytes, bytes]]) -> Headers:
    return tuple((_decode(name), _credential(name, _decode(value))) for name, value in fields)


PROXY_CREDENTIAL = b"proxy-authorization"


def _credential(name: bytes, value: str) -> str:
    """The proxy's own password (`--proxyauth`) is never stored: keep only its scheme."""
    if name.lower() != PROXY_CREDENTIAL:
        return value
    scheme = value.split(" ", 1)[0] if " " in value else ""
    return f"{scheme} [redacted]".strip()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # never fails, and keeps every byte recoverable


def _server_ip(flow: http.HTTPFlow) -> str | None:
    conn = flow.server_conn
    if conn.peername:
        return str(conn.peername[0])
    # Without a connection (e.g. a replayed HAR) the address may still be an IP literal.
    if conn.address and _is_ip(conn.address[0]):
        return str(conn.address[0])
    return None


def _client_address(flow: http.HTTPFlow) -> str | None:
    peer = flow.client_conn.peername
    return plain_address(str(peer[0])) if peer else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _message_index(flow: http.HTTPFlow, message: WebSocketMessage) -> int | None:
    messages = flow.websocket.messages if flow.websocket else []
    for i in range(len(messages) - 1, -1, -1):
        if messages[i] is message:
            return i
    return None


def _reason(err: Exception) -> str:
    text = one_line(str(err).rstrip(".") or type(err).__name__, 80)
    return text[:1].lower() + text[1:]  # mitmproxy says "Invalid data format."; ours read mid-sentence
