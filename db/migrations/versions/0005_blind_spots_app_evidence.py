"""SCHEMA_VERSION 5: blind spots of every kind, named devices on them, and what named a flow's app.

`tls_failures` (clients that refused our certificate) becomes `blind_spots`, with a `kind`
(`client_tls` for every row it already held; `upstream_tls`, `not_http` and `udp` are new) and the
`device` name the capture gave the client.  Flows gain `app_evidence`: the signal that named the app.
The kinds are written out here, not read from the enum, so this revision means the same thing
whatever later versions add.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KINDS_5 = ("client_tls", "upstream_tls", "not_http", "udp")


def upgrade() -> None:
    op.rename_table("tls_failures", "blind_spots")
    with op.batch_alter_table("blind_spots", recreate="auto") as batch:
        batch.add_column(sa.Column("device", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="client_tls"))
        batch.create_check_constraint(
            "ck_blind_spot_kind", "kind IN (" + ", ".join(f"'{k}'" for k in _KINDS_5) + ")"
        )
    # A capture's device was its client address until names existed.
    op.execute("UPDATE blind_spots SET device = client_address WHERE client_address IS NOT NULL")
    with op.batch_alter_table("flows") as batch:
        batch.add_column(sa.Column("app_evidence", sa.Text(), nullable=True))


def downgrade() -> None:
    # Plain ALTER (SQLite 3.35+ and PostgreSQL): a batch rebuild of `flows` on SQLite would drop the
    # table, and with it, through ON DELETE CASCADE, every finding.
    op.execute("ALTER TABLE flows DROP COLUMN app_evidence")
    # Version 4 knew only refused client certificates: the other blind spots are removed.
    op.execute("DELETE FROM blind_spots WHERE kind <> 'client_tls'")
    with op.batch_alter_table("blind_spots", recreate="auto") as batch:
        batch.drop_constraint("ck_blind_spot_kind", type_="check")
        batch.drop_column("kind")
        batch.drop_column("device")
    op.rename_table("blind_spots", "tls_failures")
