"""Whether bytes no decoder understands look encrypted: long enough and close to random."""

from __future__ import annotations

import math
from collections import Counter

OPAQUE_MIN_BYTES = 48


def looks_random(raw: bytes) -> bool:
    """Byte entropy close to the most `raw`'s length allows: ciphertext, not structured binary."""
    sample = raw[:4096]
    n = len(sample)
    counts = Counter(sample)
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values())
    return entropy >= 0.85 * min(8.0, math.log2(n))
