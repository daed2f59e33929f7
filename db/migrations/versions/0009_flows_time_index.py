"""SCHEMA_VERSION 9: `flows(time, id)`, so listings ordered by time stream from their first row.

`findings` and `flows` list rows in time order (a flow's time, its id, then the finding's id).  With a
session these walk that session's flows in order (`flows(session_id, time)`); without one nothing gave
that order, so a listing over every session (`findings --kind imei`, `findings --host H`) joined and
sorted all its rows before the first came out: on PostgreSQL, 1M flows, the 500,000 findings of one
company's hosts were sorted on disk (2.2 s to the first row, in a cursor's plan).  With this index the
flows are walked in order, each one's findings read from `findings(flow_id, kind)`, and only a flow's
own findings are sorted: the first 1,000 rows in 3 ms (all of them: 2.5 -> 1.3 s).  A rare kind pays
for it in total: the 129,403 IMEI findings come first in 24 ms instead of 1.0 s, all of them in 2.5 s
instead of 1.0 s, as every flow is asked for the kind (within a listing that takes 10-20 s to print).
SQLite's planner keeps its plans for `findings` (it reads them through `findings(flow_id, kind)` and
sorts, first line of `--host` 1.1 s: walking this index would be 4 ms, but only a CROSS JOIN makes it);
it walks this index for `flows` over every session (`flows --host H`), which sorted them first.

Only an index: no row changes, and down removes exactly what up added.  Each step checks what is there.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Written out here so this revision means the same whatever later versions add.
_NAME, _TABLE, _COLUMNS = "ix_flows_time", "flows", ("time", "id")


def _indexes() -> set[str]:
    return {str(ix["name"]) for ix in sa.inspect(op.get_bind()).get_indexes(_TABLE)}


def upgrade() -> None:
    if _NAME not in _indexes():
        op.create_index(_NAME, _TABLE, list(_COLUMNS))


def downgrade() -> None:
    if _NAME in _indexes():
        op.drop_index(_NAME, table_name=_TABLE)
