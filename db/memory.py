"""Memory that a big flow used goes back to the system when the flow is done, not to the heap.

glibc's malloc serves a request of 128 KB or more (a request body, its decoded copies) from a
mapping of its own, which it returns to the system on `free`.  But each time it frees such a block
it raises that threshold to the block's size (up to 32 MB): from then on blocks of that size come
from the heap, and a heap gives back only what is free at its top, so a few small objects allocated
after a body keep its pages.  A process that reads and classifies bodies of a few megabytes for
hours ends up holding the largest of them many times over.  Measured on the replay of a 1 GB
mitmproxy dump (`benchmarks/bigfile.py`): its processes held 301 MB (PSS) with the threshold left to
move, 241 MB with it fixed (docs/performance.md#big-inputs-bounded-memory-python-benchmarksbigfilepy).

`give_back_big_blocks()` fixes the threshold at 512 KB, which also stops it from moving
(`mallopt(M_MMAP_THRESHOLD, ...)`), and the heap's trim threshold at twice that, as glibc's own moving
thresholds keep them.  Not at glibc's starting value of 128 KB: every read of a socket asks for 256 KB
(asyncio's read buffer, cut to what arrived), and below that each read mapped fresh pages and gave
them back (mmap, a page fault, mremap, munmap): 50-60 µs of the proxy's CPU a request, two reads a
request (docs/performance.md#what-the-proxys-process-spends-beside-mitmdump-2026-12-07-stop-32).

`replay` and `reanalyze` call it first, the capture addon when the proxy starts (`phonehome
capture` and `mitmdump -s` alike), and the fork server of the classifier and writer processes
(`db/preload.py`), whose children inherit it.  With another C library it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
from collections.abc import Iterator

M_TRIM_THRESHOLD = -1  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
# Above a socket read's 256 KB buffer (asyncio's `max_size`) with room to spare; blocks this big or
# bigger (bodies of a flow, a megabyte read of a file) get mappings of their own.
THRESHOLD = 512 * 1024
# The free memory the heap keeps at its top before giving it back: twice the mapping threshold, as
# glibc's moving thresholds keep it, so that a 256 KB read cut to its size does not shrink the heap
# only for the next read to grow it again.
TRIM = 2 * THRESHOLD

_applied = False


def glibc() -> bool:
    """Whether this process runs on glibc, whose `mallopt` takes M_MMAP_THRESHOLD."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError, AttributeError):
        return False


def give_back_big_blocks() -> bool:
    """Serve blocks of 512 KB or more from mappings of their own, always; True if it took effect
    (on glibc), False elsewhere.  Safe to call more than once."""
    global _applied
    if _applied:
        return True
    if not glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _applied = mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM) == 1
    return _applied


def applied() -> bool:
    """Whether `give_back_big_blocks` took effect in this process (or the one it was forked from)."""
    return _applied


@contextlib.contextmanager
def spared_by_the_collector() -> Iterator[None]:
    """What the process holds when the block starts (its imports, an open store, the tables built so
    far) is left out of the garbage collector's full passes until the block ends (`gc.freeze`).

    A replay's main process made eight full passes over 20,000 flows, walking every object its
    imports made each time: 250 ms, a tenth of its work, against 120-130 ms with them left out
    (docs/performance.md#what-the-proxys-process-spends-beside-mitmdump-2026-12-07-stop-32).
    Given back at the end (`gc.unfreeze`), so that a process running commands one after the other
    (the tests' CLI runner) collects as before."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
