"""Memory that a big flow used goes back to the system when the flow is done, not to the heap.

glibc's malloc serves a request of 128 KB or more (a request body, its decoded copies) from a
mapping of its own, which it returns to the system on `free`.  But each time it frees such a block
it raises that threshold to the block's size (up to 32 MB): from then on blocks of that size come
from the heap, and a heap gives back only what is free at its top, so a few small objects allocated
after a body keep its pages.  A process that reads and classifies bodies of a few megabytes for
hours ends up holding the largest of them many times over.  Measured on the replay of a 1 GB
mitmproxy dump (`benchmarks/bigfile.py`): its processes held 301 MB (PSS) with the threshold left to
move, 241 MB with it fixed (docs/performance.md#big-inputs-bounded-memory-python-benchmarksbigfilepy).

`give_back_big_blocks()` fixes the threshold at glibc's own starting value, which also stops it
from moving (`mallopt(M_MMAP_THRESHOLD, ...)`).  `replay` and `reanalyze` call it first, the capture addon
when the proxy starts (`phonehome capture` and `mitmdump -s` alike), and the fork server of the
classifier and writer processes (`db/preload.py`), whose children inherit it.  With another C library it does nothing.
"""

from __future__ import annotations

import ctypes
import os

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
THRESHOLD = 128 * 1024  # glibc's default starting value (DEFAULT_MMAP_THRESHOLD_MIN)

_applied = False


def glibc() -> bool:
    """Whether this process runs on glibc, whose `mallopt` takes M_MMAP_THRESHOLD."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError, AttributeError):
        return False


def give_back_big_blocks() -> bool:
    """Serve blocks of 128 KB or more from mappings of their own, always; True if it took effect
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
    _applied = mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1
    return _applied


def applied() -> bool:
    """Whether `give_back_big_blocks` took effect in this process (or the one it was forked from)."""
    return _applied
