"""The first message of a WireGuard handshake, made from a client configuration alone, for the tests.

Written from the protocol description in the WireGuard paper (Noise_IKpsk2: section 5.4.2, the
initiator's message), with the primitives it names: X25519, ChaCha20-Poly1305, BLAKE2s and its
HMAC.  A server that holds the matching keys answers with a handshake response (type 2, 92 bytes);
a wrong key gets no answer.  That proves the printed configuration works without a VPN client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import struct
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"


def _hash(data: bytes) -> bytes:
    return hashlib.blake2s(data).digest()


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.blake2s).digest()


def _kdf(key: bytes, data: bytes, n: int) -> list[bytes]:
    t0 = _hmac(key, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = _hmac(t0, prev + bytes([i]))
        out.append(prev)
    return out


def _aead(key: bytes, counter: int, plaintext: bytes, auth: bytes) -> bytes:
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plaintext, auth)


def _public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _tai64n() -> bytes:
    now = time.time()
    return struct.pack(">QI", 2**62 + int(now), int((now % 1) * 1e9))


def initiation(client_private_b64: str, server_public_b64: str) -> tuple[bytes, int]:
    """The handshake initiation message and the sender index it carries."""
    s_priv = X25519PrivateKey.from_private_bytes(base64.b64decode(client_private_b64))
    s_pub = _public(s_priv)
    r_pub = base64.b64decode(server_public_b64)
    r_key = X25519PublicKey.from_public_bytes(r_pub)
    chain = _hash(CONSTRUCTION)
    h = _hash(_hash(chain + IDENTIFIER) + r_pub)
    e_priv = X25519PrivateKey.generate()
    e_pub = _public(e_priv)
    (chain,) = _kdf(chain, e_pub, 1)
    h = _hash(h + e_pub)
    chain, key = _kdf(chain, e_priv.exchange(r_key), 2)
    static = _aead(key, 0, s_pub, h)
    h = _hash(h + static)
    chain, key = _kdf(chain, s_priv.exchange(r_key), 2)
    stamp = _aead(key, 0, _tai64n(), h)
    sender = int.from_bytes(os.urandom(4), "little")
    body = bytes([1, 0, 0, 0]) + struct.pack("<I", sender) + e_pub + static + stamp
    mac1 = hashlib.blake2s(body, digest_size=16, key=_hash(LABEL_MAC1 + r_pub)).digest()
    return body + mac1 + b"\0" * 16, sender


def handshake(
    host: str, port: int, client_private_b64: str, server_public_b64: str, timeout: float = 10.0
) -> bytes | None:
    """Send an initiation; the server's response if it is a handshake response for us, else None."""
    message, sender = initiation(client_private_b64, server_public_b64)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.sendto(message, (host, port))
            try:
                data, _ = sock.recvfrom(2048)
            except TimeoutError:
                continue
            if len(data) == 92 and data[0] == 2 and struct.unpack("<I", data[8:12])[0] == sender:
                return data
        return None
