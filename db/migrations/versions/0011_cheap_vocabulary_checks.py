"""SCHEMA_VERSION 11: on SQLite, the vocabulary CHECK constraints of `findings` written as comparisons
joined by OR instead of `IN (...)` lists, the same rules.

In a CHECK constraint SQLite builds a temporary index of an IN list for every row it checks: with the
kind, category, location, source and hash lists that was 7 of the 12 µs SQLite spent storing a finding,
more than half the cost of storing one (docs/performance.md). The OR form is checked by plain
comparisons. PostgreSQL checks its list (`= ANY (ARRAY[...])`) faster than the ORs, so there nothing
changes: db/models.py makes each form on its own database.

SQLite cannot alter a constraint: batch mode rebuilds `findings` (every row copied, its indexes made
again): 15 s for 3,000,000 findings.

The lists are written out here, not read from the enums, so this revision means the same thing
whatever later versions add. Down puts the IN lists back.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_KINDS = (
    "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "advertising_id", "mac_address",
    "device_id", "email", "phone_number", "coordinates", "cell_tower", "wifi_network", "visited_url",
    "search_query", "installed_apps", "app_activity", "device_model", "os_version", "carrier",
    "tracking_id", "person_name", "postal_address", "password",
)  # fmt: skip
_CATEGORIES = ("identifier", "contact", "location", "browsing", "app_usage", "device", "credentials")
_LOCATIONS = ("query", "path", "header", "cookie", "body")
_SOURCES = ("pattern", "key", "known", "adapter", "behaviour")
_HASHES = ("md5", "sha1", "sha256")

_CHECKS = (  # name, column, values, whether NULL is allowed
    ("ck_category_vocabulary", "category", _CATEGORIES, False),
    ("ck_kind_vocabulary", "kind", _KINDS, False),
    ("ck_location_vocabulary", "location", _LOCATIONS, False),
    ("ck_source_vocabulary", "source", _SOURCES, False),
    ("ck_hashed_vocabulary", "hashed", _HASHES, True),
)


def _or(column: str, values: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(form: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL keeps its lists (see above)
    write = _or if form == "or" else _in
    with op.batch_alter_table("findings", recreate="auto") as batch:
        for name, _, _, _ in _CHECKS:
            batch.drop_constraint(name, type_="check")
        for name, column, values, nullable in _CHECKS:
            rule = write(column, values)
            batch.create_check_constraint(name, f"{column} IS NULL OR {rule}" if nullable else rule)


def upgrade() -> None:
    _replace("or")


def downgrade() -> None:
    _replace("in")
