"""Multipart bodies: each part handed back to the walker under its form-field name."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING

from phonehome.classifiers.model import Where

if TYPE_CHECKING:
    from phonehome.classifiers.decode.walker import Walker


def walk_multipart(
    walker: Walker, where: Where, path: str, raw: bytes, content_type: str, enc: tuple[str, ...], depth: int
) -> None:
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + raw)
    if not message.is_multipart():
        walker.out.notes.append("undecoded: multipart body without parts")
        return
    for i, part in enumerate(message.iter_parts()):
        name = part.get_param("name", header="content-disposition") or f"part{i}"
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        sub = f"{path}.{name}" if path else str(name)
        walker.bytes_value(
            where, sub, str(name), payload, enc + ("multipart",), depth + 1, part.get_content_type()
        )
