"""What the classifier and writer processes' fork server loads once, before it forks any of them.

Importing the classifiers, then building what every analyzer builds on first use (the entity map,
the public suffix list, the detectors' tables), here rather than in each worker, means each worker
starts with them ready and shares their memory pages with the others instead of holding its own
copy.  `gc.freeze()` then keeps the collector from writing to those objects in the children, which
would copy the pages they sit on (docs/performance.md#memory).  Memory that a big body takes in
a worker goes back to the system when its flow is done (`db/memory.py`): set here, before anything
is built, and inherited by every process forked from here.
"""

from __future__ import annotations

import gc

from phonehome.classifiers.destinations.domains import registrable_domain
from phonehome.classifiers.destinations.entities import entity_map
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.memory import give_back_big_blocks

give_back_big_blocks()


def warm() -> None:
    """Build the lazily built tables by classifying one made-up request."""
    entity_map()
    registrable_domain("example.co.uk")
    from datetime import UTC, datetime

    analyze(
        Exchange(
            time=datetime(2024, 1, 1, tzinfo=UTC),
            method="POST",
            url="https://example.com/collect?id=1",
            request_headers=(("content-type", "application/json"),),
            request_body=b'{"a": "b"}',
        )  # fmt: skip
    )


warm()
gc.freeze()
