"""SCHEMA_VERSION 2: flows remember the app that sent them (package name), for first/third party.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: flows stored before this version have no app until `phonehome reanalyze`; the
    # queries fall back to their stored headers.
    with op.batch_alter_table("flows") as batch:
        batch.add_column(sa.Column("app", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flows") as batch:
        batch.drop_column("app")
