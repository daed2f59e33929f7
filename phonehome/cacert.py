"""mitmproxy's certificate authority on this computer, and the file name Android gives it.

Android's system store names each certificate `<hash>.0`, where the hash is OpenSSL's old
subject hash (`openssl x509 -subject_hash_old`): the first four bytes, little-endian, of the MD5
digest of the certificate's DER-encoded subject.  Computed here so `phonehome setup` can print
the exact file name without asking for openssl.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography import x509

CA_FILE = "mitmproxy-ca-cert.cer"  # the CA certificate alone (PEM), as mitmproxy writes it; no key


class CertificateError(ValueError):
    """A file that is not a readable X.509 certificate."""


def ca_path(confdir: str) -> Path:
    """Where mitmproxy keeps its CA certificate for clients, in `confdir` (`--confdir`)."""
    return Path(confdir).expanduser() / CA_FILE


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate in PEM (mitmproxy's `.cer` and `.pem`) or DER form."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError(f"not an X.509 certificate ({exc})") from exc


def subject_hash_old(cert: x509.Certificate) -> str:
    """OpenSSL's old subject hash of `cert`, as eight lower-case hex digits."""
    digest = hashlib.md5(cert.subject.public_bytes(), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def android_name(path: Path) -> str:
    """`<hash>.0`: the name the certificate in `path` must have in Android's system store.

    Raises OSError when the file cannot be read and CertificateError when it is no certificate.
    """
    return subject_hash_old(load_certificate(path.read_bytes())) + ".0"
