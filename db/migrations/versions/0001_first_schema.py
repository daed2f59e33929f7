"""The first schema (SCHEMA_VERSION 1): created by `Base.metadata.create_all` before migrations existed.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # version-1 databases already have this schema; they are stamped, not built, here


def downgrade() -> None:
    pass
