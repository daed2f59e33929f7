"""Secondary indexes built after a bulk load into an empty SQLite database, not row by row during it.

On SQLite a flow's row goes into seven b-trees (its table, its unique fingerprint, and five indexes
the queries read) and a finding's into three.  When a replay fills an empty database, building the
five and the two once at the end costs less than keeping them up to date row by row
(docs/performance.md#replay).  The unique fingerprint stays: it keeps a flow from being stored twice.

`Store.bulk_load` drops them when the database holds no flow yet and builds them again when the load
ends, however it ends, on a thread of its own while the caller reads on (the Store's next write
waits for it).  If the process dies in between, the next phonehome that opens the database
to write builds them (`Store` with `create=True`); commands that only read work meanwhile, slower.
"""

from __future__ import annotations

from phonehome.db.models import FINDINGS, FLOWS
from sqlalchemy import Connection, Index, select, text

# The indexes a load may leave for later: every secondary index of the two tables a replay fills.
DEFERRED: tuple[Index, ...] = tuple(sorted((*FLOWS.indexes, *FINDINGS.indexes), key=lambda i: str(i.name)))


def missing(conn: Connection) -> list[Index]:
    """The deferrable indexes this SQLite database lacks."""
    present = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    return [index for index in DEFERRED if index.name not in present]


def drop_if_empty(conn: Connection) -> bool:
    """Drop the deferrable indexes if no flow is stored yet; whether they were dropped.  `conn` is in
    a write transaction, so no other writer can store a flow between the test and the drop."""
    if conn.scalar(select(FLOWS.c.id).limit(1)) is not None:
        return False
    lacking = missing(conn)
    for index in DEFERRED:
        if index not in lacking:
            index.drop(conn)
    return True


def build(conn: Connection) -> int:
    """Build the deferrable indexes the database lacks, in `conn`'s transaction; how many."""
    lacking = missing(conn)
    for index in lacking:
        index.create(conn, checkfirst=False)
    return len(lacking)
