"""SCHEMA_VERSION 6: indexes for the read side on big databases (a million flows, millions of findings).

- `flows(session_id, device, time)`: `sessions` counts each device's flows and its first and last one
  from the index alone; `--device` and the report's per-device reads find their flows without a scan.
- `flows(destination_id)`: `destinations` counts each destination's flows from the index alone.
- `findings(flow_id, kind)` replaces `findings(flow_id)`: the same lookups, and the kind of each
  finding without reading its row (`--kind` on flows, findings counted by kind per destination).
- `blind_spots(session_id)`: a session's blind spots without a scan.

Only indexes: no row changes, and down removes exactly what up added.  Each step checks what is there,
so a database that already has an index (made by a newer phonehome, then moved down by hand) moves on.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# name, table, columns: written out here so this revision means the same whatever later versions add.
_NEW = (
    ("ix_flows_session_device_time", "flows", ("session_id", "device", "time")),
    ("ix_flows_destination_id", "flows", ("destination_id",)),
    ("ix_findings_flow_kind", "findings", ("flow_id", "kind")),
    ("ix_blind_spots_session_id", "blind_spots", ("session_id",)),
)
_REPLACED = ("ix_findings_flow_id", "findings", ("flow_id",))


def _indexes(table: str) -> set[str]:
    return {str(ix["name"]) for ix in sa.inspect(op.get_bind()).get_indexes(table)}


def _create(name: str, table: str, columns: tuple[str, ...]) -> None:
    if name not in _indexes(table):
        op.create_index(name, table, list(columns))


def _drop(name: str, table: str) -> None:
    if name in _indexes(table):
        op.drop_index(name, table_name=table)


def upgrade() -> None:
    for name, table, columns in _NEW:
        _create(name, table, columns)
    _drop(_REPLACED[0], _REPLACED[1])


def downgrade() -> None:
    _create(*_REPLACED)
    for name, table, _ in _NEW:
        _drop(name, table)
