"""SCHEMA_VERSION 3: flows keep the originals of values changed to fit their columns (db/fit.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, and NULL for every flow stored before: nothing of theirs was changed to fit.
    with op.batch_alter_table("flows") as batch:
        batch.add_column(sa.Column("originals", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flows") as batch:
        batch.drop_column("originals")
