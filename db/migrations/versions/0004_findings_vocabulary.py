"""SCHEMA_VERSION 4: new kinds (tracking IDs, names, postal addresses, passwords), the credentials
category, identifiers found by behaviour, and a findings `evidence` column.

The vocabulary CHECK constraints are replaced by wider ones and `findings.source` grows to 16
characters (`behaviour` does not fit in 8).  The lists are written out here, not read from the
enums, so this revision means the same thing whatever later versions add.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KINDS_3 = (
    "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "advertising_id", "mac_address",
    "device_id", "email", "phone_number", "coordinates", "cell_tower", "wifi_network", "visited_url",
    "search_query", "installed_apps", "app_activity", "device_model", "os_version", "carrier",
)  # fmt: skip
_KINDS_4 = (*_KINDS_3, "tracking_id", "person_name", "postal_address", "password")
_CATEGORIES_3 = ("identifier", "contact", "location", "browsing", "app_usage", "device")
_CATEGORIES_4 = (*_CATEGORIES_3, "credentials")
_SOURCES_3 = ("pattern", "key", "known", "adapter")
_SOURCES_4 = (*_SOURCES_3, "behaviour")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(
    kinds: tuple[str, ...], categories: tuple[str, ...], sources: tuple[str, ...], width: int
) -> None:
    # Batch mode rebuilds the table on SQLite (which cannot alter a constraint) and alters in place
    # on PostgreSQL.
    with op.batch_alter_table("findings", recreate="auto") as batch:
        for name in ("ck_kind_vocabulary", "ck_category_vocabulary", "ck_source_vocabulary"):
            batch.drop_constraint(name, type_="check")
        batch.alter_column("source", type_=sa.String(width), existing_nullable=False)
        batch.create_check_constraint("ck_kind_vocabulary", _in("kind", kinds))
        batch.create_check_constraint("ck_category_vocabulary", _in("category", categories))
        batch.create_check_constraint("ck_source_vocabulary", _in("source", sources))


def upgrade() -> None:
    _replace(_KINDS_4, _CATEGORIES_4, _SOURCES_4, 16)
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("evidence", sa.Text(), nullable=True))


def downgrade() -> None:
    # Findings of the new vocabulary cannot be described by version 3: they are removed.
    findings = sa.table("findings", sa.column("kind"), sa.column("source"))
    op.execute(findings.delete().where(sa.or_(findings.c.kind.in_(_KINDS_4[len(_KINDS_3) :]),
                                              findings.c.source.notin_(_SOURCES_3))))  # fmt: skip
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("evidence")
    _replace(_KINDS_3, _CATEGORIES_3, _SOURCES_3, 8)
