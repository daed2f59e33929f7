"""db/memory.py: a big block's memory goes back to the system once freed, in every process that
reads bodies (no timing here: resident sizes, which the C library decides, not the machine's load)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest
from phonehome.classifiers.model import Analysis, Destination, Exchange
from phonehome.db import memory
from phonehome.db.workers import ClassifierPool

MB = 1 << 20

pytestmark = pytest.mark.skipif(not memory.glibc(), reason="the threshold it fixes is glibc's")

# What a reader of bodies does: a big body, freed (glibc then serves blocks up to its size from the
# heap), then bodies of a few MB with small objects allocated between them (the flows' rows, the
# fields), the bodies freed and the small objects kept.  Prints how much more is resident after.
_PATTERN = textwrap.dedent(
    """
    import os, sys
    from phonehome.db.memory import give_back_big_blocks
    if sys.argv[1] == "fixed":
        assert give_back_big_blocks()
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    base = rss()
    keep = []
    for _ in range(3):
        big = bytearray(16 << 20)
        big = None
        bodies = []
        for i in range(16):
            bodies.append(bytearray(2 << 20))
            keep.append(bytearray(4096))
        bodies = None
    print(rss() - base)
    """
)


def _grown(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _PATTERN, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_freed_bodies_leave_the_process() -> None:
    moving = _grown("default")
    if moving < 16 * MB:
        pytest.skip(f"this C library kept {moving // MB} MB of freed bodies: nothing to give back")
    fixed = _grown("fixed")
    assert fixed < 8 * MB, f"{fixed / MB:.1f} MB of 32 MB of freed bodies still resident"
    assert fixed < moving - 16 * MB


# What a proxy does twice a request: read a socket into a 256 KB buffer (asyncio's read size), cut
# to what arrived.  Prints the page faults of 2,000 such reads: a buffer served from a fresh mapping
# faults its first page in every time, one served from the heap reuses resident pages.
_READS = textwrap.dedent(
    """
    import resource, socket, sys
    from phonehome.db.memory import give_back_big_blocks
    assert give_back_big_blocks()
    a, b = socket.socketpair()
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        a.send(b"x" * 500)
        b.recv(256 * 1024)
    before = faults()
    for _ in range(2000):
        a.send(b"x" * 500)
        b.recv(256 * 1024)
    print(faults() - before)
    """
)


def test_a_socket_read_is_served_from_the_heap() -> None:
    done = subprocess.run([sys.executable, "-c", _READS], capture_output=True, text=True, check=True)
    faults = int(done.stdout)
    assert faults < 200, f"{faults} page faults in 2,000 reads: each read mapped fresh pages"
    assert memory.THRESHOLD > 256 * 1024 + 64


def test_giving_back_is_idempotent_and_said() -> None:
    assert memory.give_back_big_blocks()
    assert memory.give_back_big_blocks()
    assert memory.applied()


def _applied_here(exchange: Exchange) -> Analysis:
    """An analyzer that says whether its process gives big blocks back (run in a classifier worker)."""
    host = exchange.url.split("/")[2]
    return Analysis(exchange, (), Destination(host=host, domain=host), notes=(f"applied={memory.applied()}",))


def test_classifier_workers_inherit_it_from_the_fork_server() -> None:
    exchange = Exchange(time=datetime(2026, 1, 1, tzinfo=UTC), method="GET", url="https://example.com/")
    with ClassifierPool(_applied_here, 1) as pool:
        assert pool.wait_ready()
        (analysis,) = pool.classify([exchange])
    assert analysis.notes == ("applied=True",)


def test_what_is_held_is_spared_by_the_collector_for_the_block_only() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    with memory.spared_by_the_collector():
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), memory.spared_by_the_collector():
        raise RuntimeError("the block failed")
    assert gc.get_freeze_count() == 0
