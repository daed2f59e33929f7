"""No classifier uses the network: not on import, not while analysing, not while placing destinations.

Runs in a fresh interpreter where connecting, sending and resolving raise, so import-time work
(tldextract's suffix list, the geo databases, the entity map) is covered too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
import socket, sys

def refuse(*a, **k):
    raise SystemExit("network use: %r" % (a,))

# Creating a socket is not network use (urllib3, imported by tldextract, probes IPv6 support by
# binding one to ::1); connecting, sending and resolving are.
for name in ("connect", "connect_ex", "sendto", "sendmsg", "send", "sendall"):
    setattr(socket.socket, name, refuse)
socket.create_connection = refuse
socket.getaddrinfo = refuse
socket.gethostbyname = refuse
socket.gethostbyname_ex = refuse

import importlib, pkgutil
import phonehome.classifiers
for mod in pkgutil.walk_packages(phonehome.classifiers.__path__, "phonehome.classifiers."):
    if not mod.name.startswith("phonehome.classifiers.data"):
        importlib.import_module(mod.name)

from phonehome.classifiers.registry import analyze
from phonehome.classifiers.destinations.place import Destinations
from phonehome.sources import open_source
from phonehome.classifiers.model import Exchange

places = Destinations()
n = 0
for item in open_source(sys.argv[1]):
    if isinstance(item, Exchange):
        a = analyze(item, destinations=places)
        n += 1
for ip in ("8.8.8.8", "47.88.0.1", "2001:4860:4860::8888", "77.88.55.242"):
    places.of("example.com", ip)
places.of("data.mistat.intl.xiaomi.com", None)
print("analysed", n)
"""


def test_no_classifier_uses_the_network() -> None:
    corpus = ROOT / "tests" / "corpus" / "corpus.har"
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(corpus)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:] + result.stdout[-500:]
    assert "analysed" in result.stdout and int(result.stdout.split()[-1]) > 400
