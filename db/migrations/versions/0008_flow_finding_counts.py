"""SCHEMA_VERSION 8: each flow counts its findings and lists their kinds, so reads need not join them.

- `flows.findings`: how many findings the flow has (NOT NULL, 0 by default);
- `flows.kinds`: the flow's distinct finding kinds, sorted and joined by "," ("" when none).

`sessions` and `destinations` counted a million flows' findings by joining each flow to them
(`findings(flow_id, kind)`); with these they read `flows` alone.  Every writer of findings keeps the
two true (db/store.py, db/reanalyze.py); this revision fills them for the flows already stored, in
one UPDATE grouped over the index `findings(flow_id, kind)`: PostgreSQL sorts the kinds with
`string_agg(DISTINCT kind, ',' ORDER BY kind)`; SQLite's `group_concat` has no ORDER BY before 3.44,
so there it is a window over the kinds in order (whose frame is read in that order).

Two indexes of schema 6 are replaced by ones that carry the new columns too, so each count is read from
an index alone: `flows(session_id, device, time, findings)` for `sessions`, and
`flows(destination_id, findings, kinds)` for `destinations` (on 200,000 flows, SQLite: 0.21 -> 0.07 s
and 0.48 -> 0.11 s; without them reading the two columns costs a visit to each wide flow row).

Plain ALTER TABLE ADD COLUMN with a constant default: no table copy on SQLite (a batch rebuild of
`flows` would drop it, and with foreign keys on every finding would go with it), instant on
PostgreSQL 11+.  Down drops the two columns (SQLite 3.35+).  Each step checks what is there.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FILL_POSTGRESQL = """
UPDATE flows SET findings = counted.n, kinds = counted.kinds
FROM (
    SELECT flow_id, count(*) AS n, string_agg(DISTINCT kind, ',' ORDER BY kind) AS kinds
    FROM findings GROUP BY flow_id
) AS counted
WHERE flows.id = counted.flow_id
"""

# Each (flow, kind) once with its count, then per flow a window over its kinds in order: the sum and
# the list are the same on each row of the flow's frame, and the first row is kept.
_FILL_SQLITE = """
UPDATE flows SET findings = counted.n, kinds = counted.kinds
FROM (
    SELECT flow_id, n, kinds FROM (
        SELECT flow_id,
               sum(n) OVER whole AS n,
               group_concat(kind, ',') OVER whole AS kinds,
               row_number() OVER (PARTITION BY flow_id ORDER BY kind) AS nth
        FROM (SELECT flow_id, kind, count(*) AS n FROM findings GROUP BY flow_id, kind) AS per_kind
        WINDOW whole AS (PARTITION BY flow_id ORDER BY kind
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) AS listed
    WHERE nth = 1
) AS counted
WHERE flows.id = counted.flow_id
"""


# name, columns: written out here so this revision means the same whatever later versions add.
# Each replaces the index of schema 6 beside it, whose columns it begins with.
_INDEXES = (
    (("ix_flows_session_device_counts", ("session_id", "device", "time", "findings")),
     ("ix_flows_session_device_time", ("session_id", "device", "time"))),
    (("ix_flows_destination_counts", ("destination_id", "findings", "kinds")),
     ("ix_flows_destination_id", ("destination_id",))),
)  # fmt: skip


def _columns() -> set[str]:
    return {str(c["name"]) for c in sa.inspect(op.get_bind()).get_columns("flows")}


def _swap(made: tuple[str, tuple[str, ...]], dropped: tuple[str, tuple[str, ...]]) -> None:
    """One index of `flows` for another, each step only if needed."""
    indexes = {str(ix["name"]) for ix in sa.inspect(op.get_bind()).get_indexes("flows")}
    if made[0] not in indexes:
        op.create_index(made[0], "flows", list(made[1]))
    if dropped[0] in indexes:
        op.drop_index(dropped[0], table_name="flows")


def upgrade() -> None:
    have = _columns()
    if "findings" not in have:
        op.add_column("flows", sa.Column("findings", sa.Integer(), nullable=False, server_default="0"))
    if "kinds" not in have:
        op.add_column("flows", sa.Column("kinds", sa.Text(), nullable=False, server_default=""))
    if {"findings", "kinds"} <= have:  # kept by a database moved down by hand: counted afresh
        op.execute("UPDATE flows SET findings = 0, kinds = '' WHERE findings <> 0 OR kinds <> ''")
    op.execute(_FILL_POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _FILL_SQLITE)
    # Made after the fill, so they are built once from the rows as they end up.
    for new, old in _INDEXES:
        _swap(new, old)


def downgrade() -> None:
    for new, old in _INDEXES:
        _swap(old, new)
    have = _columns()
    # Plain ALTER, never a batch copy: see the module's docstring.
    for name in ("kinds", "findings"):
        if name in have:
            op.drop_column("flows", name)
