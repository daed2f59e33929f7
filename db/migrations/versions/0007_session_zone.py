"""SCHEMA_VERSION 7: a session remembers the capture's time zone, so its times read as local time.

`sessions.zone`: an IANA name ("Europe/Berlin"), a fixed offset ("+02:00") or "UTC" (db/zones.py).
Nullable: sessions stored before this version have none and are shown in UTC, as they always were.

Plain ALTER TABLE, not a batch copy: on SQLite a batch rebuilds `sessions`, and dropping the old table
with foreign keys on would delete every flow through ON DELETE CASCADE (DROP COLUMN needs SQLite 3.35).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _columns() -> set[str]:
    return {str(c["name"]) for c in sa.inspect(op.get_bind()).get_columns("sessions")}


def upgrade() -> None:
    if "zone" not in _columns():
        op.add_column("sessions", sa.Column("zone", sa.String(64), nullable=True))


def downgrade() -> None:
    if "zone" in _columns():
        op.drop_column("sessions", "zone")
