"""The CA's file name in Android's system store: OpenSSL's old subject hash, computed without openssl."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from phonehome.cacert import (
    CA_FILE,
    CertificateError,
    android_name,
    ca_path,
    load_certificate,
    subject_hash_old,
)


def _certificate(subject: x509.Name) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


MITMPROXY_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "mitmproxy"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mitmproxy"),
    ]
)
ODD_SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ünïcode GmbH"),
        x509.NameAttribute(NameOID.COMMON_NAME, "phonehome test CA"),
    ]
)


def test_mitmproxys_ca_is_named_as_every_guide_says() -> None:
    # Every mitmproxy CA has this subject, so every guide on the web names it c8750f0d.0.
    assert subject_hash_old(_certificate(MITMPROXY_SUBJECT)) == "c8750f0d"


def test_a_ca_made_by_mitmproxy_itself(tmp_path: Path) -> None:
    from mitmproxy.certs import CertStore

    CertStore.from_store(tmp_path, "mitmproxy", 2048)
    assert ca_path(str(tmp_path)) == tmp_path / CA_FILE
    assert android_name(ca_path(str(tmp_path))) == "c8750f0d.0"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.parametrize("subject", [MITMPROXY_SUBJECT, ODD_SUBJECT])
def test_same_hash_as_openssl(tmp_path: Path, subject: x509.Name) -> None:
    cert = _certificate(subject)
    pem = tmp_path / "ca.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    openssl = subprocess.run(
        ["openssl", "x509", "-inform", "PEM", "-subject_hash_old", "-noout", "-in", str(pem)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert android_name(pem) == openssl.stdout.strip() + ".0"


def test_der_and_pem_give_the_same_name(tmp_path: Path) -> None:
    cert = _certificate(ODD_SUBJECT)
    der, pem = tmp_path / "ca.der", tmp_path / "ca.pem"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert android_name(der) == android_name(pem)
    assert len(android_name(der)) == len("c8750f0d.0")


@pytest.mark.parametrize("data", [b"", b"-----BEGIN CERTIFICATE-----\nnope\n", b"\x30\x03\x02\x01\x00"])
def test_not_a_certificate(data: bytes) -> None:
    with pytest.raises(CertificateError):
        load_certificate(data)
